/*
 * iosurface-bench: runs the benchmarks and prints one table.
 *
 *     iosurface-bench [--quick] [NAME...]
 *
 * --quick runs few iterations: a smoke test that the benchmarks run and report sane figures
 * (meson test --suite bench). Without it, the full run (meson test --benchmark) takes a few
 * minutes. Exit status: 0 every benchmark ran (whether or not its targets were met: speed
 * never fails a run), 1 a benchmark failed, 77 the compositor is not there, 99 set-up failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <iosurface/iosurface.h>

#include "bench.h"

struct bench_results *bench_results;
struct bench_config bench_config;

/* ---- Rows and notes ---- */

struct bench_row *bench_add_row(const char *figure, const char *unit, double value, double floor,
		const char *target, enum bench_met met) {
	CHECK_LT(bench_results->row_count, BENCH_MAX_ROWS);
	struct bench_row *row = &bench_results->rows[bench_results->row_count++];
	snprintf(row->figure, sizeof(row->figure), "%s", figure);
	snprintf(row->unit, sizeof(row->unit), "%s", unit);
	snprintf(row->target, sizeof(row->target), "%s", target);
	row->value = value;
	row->floor = floor;
	row->ratio = isfinite(value) && isfinite(floor) && floor > 0 ? value / floor : NAN;
	row->met = met;
	return row;
}

void bench_note(const char *fmt, ...) {
	if (bench_results->note_count >= BENCH_MAX_NOTES) {
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(bench_results->notes[bench_results->note_count++], BENCH_TEXT, fmt, ap);
	va_end(ap);
}

/* ---- Time ---- */

uint64_t bench_now_ns(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int compare_double(const void *a, const void *b) {
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y ? 1 : 0;
}

double bench_median(double *samples, size_t n) {
	if (n == 0) {
		return 0;
	}
	qsort(samples, n, sizeof(*samples), compare_double);
	return n % 2 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
}

int64_t bench_process_cpu_ns(pid_t pid) {
	clockid_t clock;
	struct timespec ts;
	if (clock_getcpuclockid(pid, &clock) == 0 && clock_gettime(clock, &ts) == 0) {
		return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	}
	// Clock ticks from /proc: coarse, but enough over a long window.
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	char *stat = harness_read_file(path, NULL);
	if (stat == NULL) {
		return -1;
	}
	// Fields after the command name, which is in parentheses and may hold spaces.
	const char *p = strrchr(stat, ')');
	unsigned long long utime = 0, stime = 0;
	int n = p != NULL ? sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
						&utime, &stime)
					  : 0;
	free(stat);
	if (n != 2) {
		return -1;
	}
	return (int64_t)((utime + stime) * (1000000000ull / (unsigned long long)sysconf(_SC_CLK_TCK)));
}

double bench_roundtrip_us(struct iosurface_client *client, int n) {
	double *samples = calloc((size_t)n, sizeof(double));
	CHECK_NOT_NULL(samples);
	for (int i = 0; i < n; i++) {
		uint64_t t0 = bench_now_ns();
		CHECK_EQ(iosurface_client_roundtrip(client), 0);
		samples[i] = (double)(bench_now_ns() - t0) / 1e3;
	}
	double median = bench_median(samples, (size_t)n);
	free(samples);
	return median;
}

/* ---- Processes and shared memory ---- */

struct harness_compositor *bench_compositor_start(const char *size) {
	const char *args[] = { "--size", size, "--no-gbm", NULL };
	return harness_compositor_start(args);
}

void *bench_shared_alloc(size_t size) {
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		SETUP_FAIL("mmap %zu shared bytes: %s", size, strerror(errno));
	}
	return p;
}

void bench_shared_free(void *p, size_t size) {
	munmap(p, size);
}

pid_t bench_fork(int (*fn)(void *arg), void *arg) {
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		SETUP_FAIL("fork: %s", strerror(errno));
	}
	if (pid == 0) {
		_exit(fn(arg));
	}
	return pid;
}

void bench_wait_child(pid_t pid, const char *what) {
	int status;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			FAIL("waitpid %s: %s", what, strerror(errno));
		}
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		FAIL("%s ended with status 0x%x", what, status);
	}
}

void bench_read_full(int fd, void *buf, size_t len) {
	size_t got = 0;
	while (got < len) {
		ssize_t n = read(fd, (char *)buf + got, len - got);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			FAIL("read: %s", n == 0 ? "end of file" : strerror(errno));
		}
		got += (size_t)n;
	}
}

void bench_write_full(int fd, const void *buf, size_t len) {
	size_t done = 0;
	while (done < len) {
		ssize_t n = write(fd, (const char *)buf + done, len - done);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0) {
			FAIL("write: %s", strerror(errno));
		}
		done += (size_t)n;
	}
}

void bench_send_fd(int sock, int fd) {
	char byte = 'f';
	struct iovec iov = { &byte, 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	memset(&control, 0, sizeof(control));
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	ssize_t n;
	do {
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n != 1) {
		FAIL("sendmsg: %s", strerror(errno));
	}
}

int bench_receive_fd(int sock) {
	char byte;
	struct iovec iov = { &byte, 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	ssize_t n;
	do {
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
	if (n != 1 || cmsg == NULL || cmsg->cmsg_type != SCM_RIGHTS) {
		FAIL("recvmsg: no descriptor (%zd, %s)", n, strerror(errno));
	}
	int fd;
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	return fd;
}

/* ---- Main ---- */

struct bench_entry {
	struct harness_test test;
	int timeout_s; /* full run; quick runs get a fifth, at least 60 s */
};

#define BENCH_ENTRY(fn, timeout) { { &#fn[6], fn, __FILE__, __LINE__ }, timeout }

static const struct bench_entry benchmarks[] = {
	BENCH_ENTRY(bench_alloc, 300),
	BENCH_ENTRY(bench_handoff, 300),
	BENCH_ENTRY(bench_port_death, 300),
	BENCH_ENTRY(bench_cheap_calls, 300),
	BENCH_ENTRY(bench_frames, 300),
	BENCH_ENTRY(bench_scale, 900),
	BENCH_ENTRY(bench_fairness, 900),
};
#define BENCH_COUNT (sizeof(benchmarks) / sizeof(benchmarks[0]))

static bool selected(int argc, char **argv, const char *name) {
	bool any = false;
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-') {
			continue;
		}
		any = true;
		if (strcmp(argv[i], name) == 0) {
			return true;
		}
	}
	return !any;
}

int main(int argc, char **argv) {
	int runs = 1;
	const char *svg = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--quick") == 0) {
			bench_config.quick = true;
		} else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
			runs = atoi(argv[++i]);
			if (runs < 1 || runs > BENCH_MAX_RUNS) {
				fprintf(stderr, "%s: --runs takes 1 to %d\n", argv[0], BENCH_MAX_RUNS);
				return 2;
			}
			argv[i] = "-";
		} else if (strcmp(argv[i], "--svg") == 0 && i + 1 < argc) {
			svg = argv[++i];
			argv[i] = "-";
		} else if (strcmp(argv[i], "--list") == 0) {
			for (size_t b = 0; b < BENCH_COUNT; b++) {
				printf("%s\n", benchmarks[b].test.name);
			}
			return 0;
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "usage: %s [--quick] [--runs N] [--svg FILE] [--list] [NAME...]\n",
					argv[0]);
			return 2;
		} else {
			bool known = false;
			for (size_t b = 0; b < BENCH_COUNT; b++) {
				known |= strcmp(argv[i], benchmarks[b].test.name) == 0;
			}
			if (!known) {
				fprintf(stderr, "%s: no benchmark named %s (see --list)\n", argv[0], argv[i]);
				return 2;
			}
		}
	}
#ifdef BENCH_COMPOSITOR
	// Run from the build tree by hand: the compositor built beside us.
	setenv("IOSURFACE_COMPOSITOR", BENCH_COMPOSITOR, 0);
#endif
	bench_results = mmap(NULL, sizeof(*bench_results), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (bench_results == MAP_FAILED) {
		perror("mmap");
		return HARNESS_EXIT_SETUP;
	}
	memset(bench_results, 0, sizeof(*bench_results));

	int ran = 0, failed = 0, skipped = 0, setup = 0;
	for (int r = 0; r < runs; r++) {
		// Notes are kept from the last run only; rows from every run, for the spread.
		bench_results->note_count = 0;
		for (size_t b = 0; b < BENCH_COUNT; b++) {
			const struct bench_entry *entry = &benchmarks[b];
			if (!selected(argc, argv, entry->test.name)) {
				continue;
			}
			int timeout_s = bench_config.quick ? entry->timeout_s / 5 : entry->timeout_s;
			if (timeout_s < 60) {
				timeout_s = 60;
			}
			char reason[512];
			uint64_t start = bench_now_ns();
			enum harness_result result = harness_run_test(&entry->test, timeout_s * 1000, reason,
					sizeof(reason));
			double seconds = (double)(bench_now_ns() - start) / 1e9;
			ran++;
			switch (result) {
			case HARNESS_RESULT_PASS:
				fprintf(stderr, "bench %s: done in %.1f s\n", entry->test.name, seconds);
				break;
			case HARNESS_RESULT_SKIP:
				skipped++;
				fprintf(stderr, "bench %s: SKIP: %s\n", entry->test.name, reason);
				break;
			case HARNESS_RESULT_SETUP:
				setup++;
				fprintf(stderr, "bench %s: SET-UP FAILURE: %s\n", entry->test.name, reason);
				break;
			case HARNESS_RESULT_FAIL:
			case HARNESS_RESULT_TIMEOUT:
				failed++;
				fprintf(stderr, "bench %s: FAIL: %s\n", entry->test.name, reason);
				break;
			}
		}
	}
	printf("iosurface-bench%s",
			bench_config.quick ? " --quick (smoke test: few iterations, "
								 "figures not meaningful)" :
								 "");
	if (runs > 1) {
		printf(" --runs %d (each figure the median of the runs, with the spread of its ratio)",
				runs);
	}
	printf("\n\n");
	bench_print_table(runs);
	fflush(stdout);
	if (svg != NULL && !bench_write_svg(svg, runs)) {
		return HARNESS_EXIT_SETUP;
	}
	if (failed > 0) {
		return HARNESS_EXIT_FAIL;
	}
	if (setup > 0) {
		return HARNESS_EXIT_SETUP;
	}
	return ran > 0 && skipped == ran ? HARNESS_EXIT_SKIP : 0;
}
