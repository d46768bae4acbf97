/*
 * Counting the system calls a section of code makes, on any Linux machine.
 *
 * Two counters, tried in this order (BENCH_SYSCALL_COUNTER=perf|seccomp|none chooses one):
 *
 * - perf: a counter on the raw_syscalls:sys_enter tracepoint, for this thread. Needs tracefs
 *   and perf_event_paranoid low enough; the section runs as it would anyway.
 * - seccomp: the section runs in a forked child under a seccomp filter that turns every system
 *   call but rt_sigreturn and exit_group into SIGSYS (SECCOMP_RET_TRAP). The handler counts it
 *   and makes it fail with ENOSYS, so the count is of calls attempted. A filter cannot be
 *   removed, so the child ends with a bare exit_group once the section is done, and passes its
 *   count back through shared memory. Shared mappings (surfaces, state slots) are the same
 *   pages in the child, so what the section writes there is seen by the parent. Needs only
 *   PR_SET_NO_NEW_PRIVS, which any process may set on itself.
 *
 * Both are calibrated before first use: a section of 100 getppid calls must count 100 exactly,
 * and an empty one the counter's own overhead, which is subtracted.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/perf_event.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#include "bench.h"

#if defined(__x86_64__)
#define COUNTER_AUDIT_ARCH AUDIT_ARCH_X86_64
#define SET_RETURN(uc, value) ((uc)->uc_mcontext.gregs[REG_RAX] = (greg_t)(value))
#elif defined(__aarch64__)
#define COUNTER_AUDIT_ARCH AUDIT_ARCH_AARCH64
#define SET_RETURN(uc, value) ((uc)->uc_mcontext.regs[0] = (unsigned long long)(value))
#endif

static enum bench_syscall_counter counter_kind = BENCH_SYSCALL_COUNTER_UNKNOWN;
static int64_t counter_overhead;
static char counter_reason[256];

/* ---- perf ---- */

static long read_tracepoint_id(void) {
	static const char *const paths[] = {
		"/sys/kernel/tracing/events/raw_syscalls/sys_enter/id",
		"/sys/kernel/debug/tracing/events/raw_syscalls/sys_enter/id",
	};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		char *text = harness_read_file(paths[i], NULL);
		if (text != NULL) {
			long id = strtol(text, NULL, 10);
			free(text);
			return id;
		}
	}
	return -ENOENT;
}

static int perf_open(char *why, size_t why_size) {
	long id = read_tracepoint_id();
	if (id < 0) {
		snprintf(why, why_size, "perf: no raw_syscalls:sys_enter tracepoint (tracefs not mounted)");
		return -ENOENT;
	}
	struct perf_event_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.type = PERF_TYPE_TRACEPOINT;
	attr.size = sizeof(attr);
	attr.config = (uint64_t)id;
	attr.disabled = 1;
	int fd = (int)syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0) {
		int err = errno;
		snprintf(why, why_size, "perf: perf_event_open: %s", strerror(err));
		return -err;
	}
	return fd;
}

static int64_t perf_stop(int fd) {
	ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
	uint64_t count = 0;
	ssize_t n = read(fd, &count, sizeof(count));
	close(fd);
	return n == sizeof(count) ? (int64_t)count : -1;
}

static int64_t perf_count(void (*fn)(void *data), void *data) {
	int fd = perf_open(counter_reason, sizeof(counter_reason));
	if (fd < 0) {
		return -1;
	}
	ioctl(fd, PERF_EVENT_IOC_RESET, 0);
	ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
	fn(data);
	return perf_stop(fd);
}

/* ---- seccomp ---- */

#ifdef COUNTER_AUDIT_ARCH

#ifndef SYS_SECCOMP
#define SYS_SECCOMP 1 /* si_code of a SIGSYS sent by seccomp, from <linux/signal.h> */
#endif

static _Thread_local int64_t trapped;

static void handle_sigsys(int sig, siginfo_t *info, void *context) {
	(void)sig;
	if (info->si_code != SYS_SECCOMP) {
		return;
	}
	trapped++;
	SET_RETURN((ucontext_t *)context, -ENOSYS);
}

static int64_t seccomp_count(void (*fn)(void *data), void *data) {
	static bool handler_installed;
	if (!handler_installed) {
		struct sigaction sa = { .sa_sigaction = handle_sigsys, .sa_flags = SA_SIGINFO };
		sigemptyset(&sa.sa_mask);
		if (sigaction(SIGSYS, &sa, NULL) != 0) {
			snprintf(counter_reason, sizeof(counter_reason), "seccomp: sigaction: %s",
					strerror(errno));
			return -1;
		}
		handler_installed = true;
	}
	// The child writes its count here, and a word that says it got that far.
	int64_t *result = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (result == MAP_FAILED) {
		snprintf(counter_reason, sizeof(counter_reason), "seccomp: mmap: %s", strerror(errno));
		return -1;
	}
	result[0] = -1;
	result[1] = 0;
	pid_t pid = fork();
	if (pid == 0) {
		struct sock_filter filter[] = {
			BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, COUNTER_AUDIT_ARCH, 1, 0),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
			BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_rt_sigreturn, 2, 0),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_exit_group, 1, 0),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		};
		struct sock_fprog prog = {
			.len = sizeof(filter) / sizeof(filter[0]),
			.filter = filter,
		};
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
				syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) {
			result[0] = -errno;
			_exit(0);
		}
		trapped = 0;
		fn(data);
		result[0] = trapped;
		result[1] = 1;
		// Anything else, the C library's exit included, would be refused now.
		syscall(SYS_exit_group, 0);
	}
	int status = 0;
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR) {
	}
	int64_t count = -1;
	if (pid < 0) {
		snprintf(counter_reason, sizeof(counter_reason), "seccomp: fork: %s", strerror(errno));
	} else if (result[1] == 1 && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		count = result[0];
	} else if (result[0] < -1) {
		snprintf(counter_reason, sizeof(counter_reason), "seccomp: cannot install a filter: %s",
				strerror((int)-result[0]));
	} else {
		snprintf(counter_reason, sizeof(counter_reason),
				"seccomp: the counted section ended with status 0x%x", status);
	}
	munmap(result, 4096);
	return count;
}

#else

static int64_t seccomp_count(void (*fn)(void *data), void *data) {
	(void)fn;
	(void)data;
	snprintf(counter_reason, sizeof(counter_reason), "seccomp: not written for this architecture");
	return -1;
}

#endif

/* ---- Choosing and calibrating ---- */

static void section_empty(void *data) {
	(void)data;
}

static void section_getppid(void *data) {
	(void)data;
	for (int i = 0; i < 100; i++) {
		syscall(SYS_getppid);
	}
}

static int64_t count_with(enum bench_syscall_counter kind, void (*fn)(void *), void *data) {
	return kind == BENCH_SYSCALL_COUNTER_PERF ? perf_count(fn, data) : seccomp_count(fn, data);
}

/* Whether kind counts exactly; sets its overhead if so. */
static bool calibrate(enum bench_syscall_counter kind) {
	int64_t empty = count_with(kind, section_empty, NULL);
	if (empty < 0) {
		return false;
	}
	int64_t hundred = count_with(kind, section_getppid, NULL);
	if (hundred < 0) {
		return false;
	}
	if (hundred - empty != 100) {
		snprintf(counter_reason, sizeof(counter_reason), "%s: saw %lld of 100 system calls",
				kind == BENCH_SYSCALL_COUNTER_PERF ? "perf" : "seccomp",
				(long long)(hundred - empty));
		return false;
	}
	counter_overhead = empty;
	return true;
}

static void choose_counter(void) {
	const char *forced = getenv("BENCH_SYSCALL_COUNTER");
	bool try_perf = true, try_seccomp = true;
	if (forced != NULL && forced[0] != '\0') {
		try_perf = strcmp(forced, "perf") == 0;
		try_seccomp = strcmp(forced, "seccomp") == 0;
		if (!try_perf && !try_seccomp) {
			snprintf(counter_reason, sizeof(counter_reason),
					"BENCH_SYSCALL_COUNTER=%s: no counter used", forced);
		}
	}
	char perf_reason[256] = "";
	counter_kind = BENCH_SYSCALL_COUNTER_NONE;
	if (try_perf) {
		if (calibrate(BENCH_SYSCALL_COUNTER_PERF)) {
			counter_kind = BENCH_SYSCALL_COUNTER_PERF;
			return;
		}
		snprintf(perf_reason, sizeof(perf_reason), "%s", counter_reason);
	}
	if (try_seccomp) {
		if (calibrate(BENCH_SYSCALL_COUNTER_SECCOMP)) {
			counter_kind = BENCH_SYSCALL_COUNTER_SECCOMP;
			return;
		}
	}
	if (perf_reason[0] != '\0' && try_seccomp) {
		char seccomp_reason[256];
		snprintf(seccomp_reason, sizeof(seccomp_reason), "%s", counter_reason);
		snprintf(counter_reason, sizeof(counter_reason), "%.120s; %.120s", perf_reason,
				seccomp_reason);
	} else if (perf_reason[0] != '\0') {
		snprintf(counter_reason, sizeof(counter_reason), "%s", perf_reason);
	}
}

enum bench_syscall_counter bench_syscall_counter(void) {
	if (counter_kind == BENCH_SYSCALL_COUNTER_UNKNOWN) {
		choose_counter();
	}
	return counter_kind;
}

const char *bench_syscall_counter_description(void) {
	switch (bench_syscall_counter()) {
	case BENCH_SYSCALL_COUNTER_PERF:
		return "a perf counter on raw_syscalls:sys_enter";
	case BENCH_SYSCALL_COUNTER_SECCOMP:
		return "a seccomp filter trapping every system call (perf unavailable or not chosen)";
	default:
		return counter_reason;
	}
}

int64_t bench_count_syscalls(void (*fn)(void *data), void *data) {
	enum bench_syscall_counter kind = bench_syscall_counter();
	if (kind != BENCH_SYSCALL_COUNTER_PERF && kind != BENCH_SYSCALL_COUNTER_SECCOMP) {
		return -1;
	}
	int64_t count = count_with(kind, fn, data);
	return count < 0 ? -1 : count - counter_overhead;
}
