// The test harness: forked tests with a timeout and a descriptor check, a headless compositor
// per test in a private runtime directory, spawned programs stopped by PID, PPM screenshots.
// _GNU_SOURCE: pipe2, prctl, strsignal, nftw.
#define _GNU_SOURCE
#include "harness.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define MAX_TESTS 512
#define MAX_SPAWNED 64
#define REASON_MAX 1024
#define DEFAULT_TEST_TIMEOUT_S 60
#define COMPOSITOR_START_TIMEOUT_MS 10000
#define COMPOSITOR_STOP_TIMEOUT_MS 10000
#define CAPTURE_TIMEOUT_MS 10000

struct harness_compositor {
	struct harness_compositor *next;
	pid_t pid;
	bool reaped;
	int wait_status;
	char *runtime_dir;
	char *socket;
	char *stdout_path;
	char *saved_xdg_runtime_dir; // NULL if it was unset
	char *saved_wayland_display;
	off_t read_offset;
	// On a DRM backend: the card it runs on, and until it is spawned the descriptor whose
	// lock holds the card (then the compositor's own descriptor 3 holds it).
	char *card;
	int card_lock_fd;
};

// What one test process owns. In a process the test forks itself (pid != owner) none of it
// is touched: a failing check there only ends that process.
static struct {
	pid_t owner;
	const char *test_name;
	int report_fd;
	struct harness_compositor *compositors;
	pid_t spawned[MAX_SPAWNED];
	int spawned_count;
	// The state of an enclosing test when harness_run_test() runs inside one; kept reachable
	// so that leak checkers do not count it.
	void *inherited;
} state = {
	.report_fd = -1,
};

static const struct harness_test *tests[MAX_TESTS];
static int test_count;

static volatile sig_atomic_t interrupted;

/* ---- Small helpers ---- */

int64_t harness_now_ms(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void harness_sleep_ms(int ms) {
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR && !interrupted) {
	}
}

static double timeout_factor(void) {
	const char *env = getenv("HARNESS_TIMEOUT_FACTOR");
	if (env == NULL || env[0] == '\0') {
		return 1.0;
	}
	char *end;
	double f = strtod(env, &end);
	if (*end != '\0' || !(f > 0.0) || f > 1000.0) {
		return 1.0;
	}
	return f;
}

void harness_require_fds(uint64_t n) {
	struct rlimit limit;
	if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
		SETUP_FAIL("getrlimit(RLIMIT_NOFILE): %s", strerror(errno));
	}
	if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < n) {
		SKIP("needs %llu descriptors in one process; the hard RLIMIT_NOFILE is %llu",
				(unsigned long long)n, (unsigned long long)limit.rlim_max);
	}
	if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < n) {
		limit.rlim_cur = n;
		if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
			SETUP_FAIL("setrlimit(RLIMIT_NOFILE, %llu): %s", (unsigned long long)n,
					strerror(errno));
		}
	}
}

int harness_scale_timeout(int timeout_ms) {
	double scaled = timeout_ms * timeout_factor();
	return scaled > INT_MAX ? INT_MAX : (int)scaled;
}

bool harness_streq(const char *a, const char *b) {
	if (a == NULL || b == NULL) {
		return a == b;
	}
	return strcmp(a, b) == 0;
}

static char *xstrdup(const char *s) {
	char *copy = strdup(s);
	if (copy == NULL) {
		fprintf(stderr, "harness: out of memory\n");
		abort();
	}
	return copy;
}

static char *xasprintf(const char *fmt, ...) HARNESS_PRINTF(1, 2);
static char *xasprintf(const char *fmt, ...) {
	va_list ap;
	va_start(ap, fmt);
	char *s = NULL;
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		fprintf(stderr, "harness: out of memory\n");
		abort();
	}
	return s;
}

static void describe_status(int status, char *buf, size_t size) {
	if (WIFEXITED(status)) {
		snprintf(buf, size, "exited with status %d", WEXITSTATUS(status));
	} else if (WIFSIGNALED(status)) {
		snprintf(buf, size, "killed by signal %d (%s)%s", WTERMSIG(status),
				strsignal(WTERMSIG(status)), WCOREDUMP(status) ? ", core dumped" : "");
	} else {
		snprintf(buf, size, "wait status 0x%x", status);
	}
}

static int status_to_code(int status) {
	if (WIFEXITED(status)) {
		return WEXITSTATUS(status);
	}
	if (WIFSIGNALED(status)) {
		return 128 + WTERMSIG(status);
	}
	return 255;
}

// Sends one line to the parent harness process (reasons, runtime directories).
static void report(char kind, const char *text) {
	if (state.report_fd < 0 || getpid() != state.owner) {
		return;
	}
	char line[REASON_MAX + 3];
	size_t n = 0;
	line[n++] = kind;
	line[n++] = ' ';
	for (const char *p = text; *p != '\0' && n < sizeof(line) - 1; p++) {
		line[n++] = (*p == '\n') ? ' ' : *p;
	}
	line[n++] = '\n';
	// One write of at most PIPE_BUF bytes is atomic.
	ssize_t r;
	do {
		r = write(state.report_fd, line, n);
	} while (r < 0 && errno == EINTR);
}

/* ---- Descriptors ---- */

struct fd_entry {
	int fd;
	char target[PATH_MAX];
};

struct fd_snapshot {
	struct fd_entry *entries;
	int count;
};

static int snapshot_fds(struct fd_snapshot *snap) {
	snap->entries = NULL;
	snap->count = 0;
	DIR *dir = opendir("/proc/self/fd");
	if (dir == NULL) {
		return -errno;
	}
	int capacity = 0;
	int self = dirfd(dir);
	struct dirent *de;
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.') {
			continue;
		}
		int fd = atoi(de->d_name);
		if (fd == self) {
			continue;
		}
		if (snap->count == capacity) {
			capacity = capacity ? capacity * 2 : 64;
			struct fd_entry *grown = realloc(snap->entries, capacity * sizeof(*grown));
			if (grown == NULL) {
				closedir(dir);
				free(snap->entries);
				snap->entries = NULL;
				return -ENOMEM;
			}
			snap->entries = grown;
		}
		struct fd_entry *e = &snap->entries[snap->count++];
		e->fd = fd;
		char link[64];
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		ssize_t len = readlink(link, e->target, sizeof(e->target) - 1);
		if (len < 0) {
			len = 0;
		}
		e->target[len] = '\0';
	}
	closedir(dir);
	return 0;
}

static const struct fd_entry *snapshot_find(const struct fd_snapshot *snap, int fd) {
	for (int i = 0; i < snap->count; i++) {
		if (snap->entries[i].fd == fd) {
			return &snap->entries[i];
		}
	}
	return NULL;
}

int harness_count_fds(void) {
	struct fd_snapshot snap;
	int r = snapshot_fds(&snap);
	if (r < 0) {
		return r;
	}
	free(snap.entries);
	return snap.count;
}

void harness_print_fds(void) {
	struct fd_snapshot snap;
	if (snapshot_fds(&snap) < 0) {
		fprintf(stderr, "harness: cannot list /proc/self/fd\n");
		return;
	}
	for (int i = 0; i < snap.count; i++) {
		fprintf(stderr, "  fd %d -> %s\n", snap.entries[i].fd, snap.entries[i].target);
	}
	free(snap.entries);
}

// Compares two snapshots; prints every difference to stderr and summarises them in reason.
// Returns the number of differences.
static int compare_fds(const struct fd_snapshot *before, const struct fd_snapshot *after,
		char *reason, size_t size) {
	int differences = 0;
	size_t used = 0;
	reason[0] = '\0';
	for (int i = 0; i < after->count; i++) {
		const struct fd_entry *a = &after->entries[i];
		const struct fd_entry *b = snapshot_find(before, a->fd);
		char what[2 * PATH_MAX + 64];
		if (b == NULL) {
			snprintf(what, sizeof(what), "fd %d -> %s leaked", a->fd, a->target);
		} else if (strcmp(a->target, b->target) != 0) {
			snprintf(what, sizeof(what), "fd %d now -> %s (was %s)", a->fd, a->target,
					b->target);
		} else {
			continue;
		}
		fprintf(stderr, "harness: %s\n", what);
		if (used < size) {
			used += snprintf(reason + used, size - used, "%s%s", differences ? "; " : "", what);
		}
		differences++;
	}
	for (int i = 0; i < before->count; i++) {
		const struct fd_entry *b = &before->entries[i];
		if (snapshot_find(after, b->fd) != NULL) {
			continue;
		}
		char what[2 * PATH_MAX + 64];
		snprintf(what, sizeof(what), "fd %d -> %s was closed by the test", b->fd, b->target);
		fprintf(stderr, "harness: %s\n", what);
		if (used < size) {
			used += snprintf(reason + used, size - used, "%s%s", differences ? "; " : "", what);
		}
		differences++;
	}
	return differences;
}

/* ---- Processes ---- */

static void spawned_add(pid_t pid) {
	if (state.spawned_count < MAX_SPAWNED) {
		state.spawned[state.spawned_count++] = pid;
	}
}

static void spawned_remove(pid_t pid) {
	for (int i = 0; i < state.spawned_count; i++) {
		if (state.spawned[i] == pid) {
			state.spawned[i] = state.spawned[--state.spawned_count];
			return;
		}
	}
}

// Waits for pid up to timeout_ms (unscaled; 0: just looks). Returns 1 and the status when it
// has exited, 0 on timeout, a negative errno on error.
static int wait_for(pid_t pid, int timeout_ms, int *status) {
	int64_t deadline = harness_now_ms() + timeout_ms;
	int delay = 1;
	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);
		if (r == pid) {
			return 1;
		}
		if (r < 0 && errno != EINTR) {
			return -errno;
		}
		int64_t left = deadline - harness_now_ms();
		if (left <= 0) {
			return 0;
		}
		harness_sleep_ms(delay < left ? delay : (int)left);
		if (delay < 20) {
			delay *= 2;
		}
	}
}

int harness_wait_pid(pid_t pid, int timeout_ms) {
	int status;
	int r = wait_for(pid, timeout_ms > 0 ? harness_scale_timeout(timeout_ms) : 0, &status);
	if (r < 0) {
		return r;
	}
	if (r == 0) {
		return -ETIMEDOUT;
	}
	spawned_remove(pid);
	return status_to_code(status);
}

int harness_stop_pid(pid_t pid, int sig, int timeout_ms) {
	if (pid <= 0) {
		return -EINVAL;
	}
	if (kill(pid, sig ? sig : SIGTERM) < 0 && errno != ESRCH) {
		return -errno;
	}
	int r = harness_wait_pid(pid, timeout_ms);
	if (r != -ETIMEDOUT) {
		return r;
	}
	kill(pid, SIGKILL);
	int status;
	r = wait_for(pid, 10000, &status);
	if (r <= 0) {
		return r < 0 ? r : -ETIMEDOUT;
	}
	spawned_remove(pid);
	return status_to_code(status);
}

bool harness_have_program(const char *name) {
	if (name == NULL || name[0] == '\0') {
		return false;
	}
	if (strchr(name, '/') != NULL) {
		return access(name, X_OK) == 0;
	}
	const char *path = getenv("PATH");
	if (path == NULL) {
		path = "/usr/local/bin:/usr/bin:/bin";
	}
	char *copy = xstrdup(path);
	bool found = false;
	char *save = NULL;
	for (char *dir = strtok_r(copy, ":", &save); dir != NULL; dir = strtok_r(NULL, ":", &save)) {
		char *full = xasprintf("%s/%s", dir, name);
		struct stat st;
		found = stat(full, &st) == 0 && S_ISREG(st.st_mode) && access(full, X_OK) == 0;
		free(full);
		if (found) {
			break;
		}
	}
	free(copy);
	return found;
}

// posix_spawn with signals back to their defaults, an empty mask, stdin from /dev/null and
// optional output files. Returns the PID or a negative errno.
// keep_fd, unless -1, becomes the child's descriptor 3.
static pid_t spawn_process(const char *const *argv, char *const *envp, const char *stdout_path,
		const char *stderr_path, int keep_fd) {
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);

	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	if (stdout_path != NULL) {
		posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, stdout_path,
				O_WRONLY | O_CREAT | O_TRUNC, 0600);
	}
	if (stderr_path != NULL) {
		posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, stderr_path,
				O_WRONLY | O_CREAT | O_TRUNC, 0600);
	}

	// Nothing else of the test's: a descriptor the test forgot to mark close-on-exec must not
	// keep a socket or port alive in the compositor.
	// (A descriptor given to keep goes to 3 first; a dup2 onto itself clears close-on-exec.)
	if (keep_fd >= 0) {
		posix_spawn_file_actions_adddup2(&fa, keep_fd, STDERR_FILENO + 1);
	}
	posix_spawn_file_actions_addclosefrom_np(&fa, STDERR_FILENO + (keep_fd >= 0 ? 2 : 1));

	sigset_t mask, defaults;
	sigemptyset(&mask);
	sigemptyset(&defaults);
	int sigs[] = { SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGALRM, SIGUSR1, SIGUSR2 };
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		sigaddset(&defaults, sigs[i]);
	}
	posix_spawnattr_setsigmask(&attr, &mask);
	posix_spawnattr_setsigdefault(&attr, &defaults);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

	fflush(NULL);
	pid_t pid;
	int err = posix_spawnp(&pid, argv[0], &fa, &attr, (char *const *)argv,
			envp != NULL ? envp : environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	if (err != 0) {
		return -err;
	}
	return pid;
}

pid_t harness_spawn(const char *const *argv, const char *stdout_path, const char *stderr_path) {
	if (argv == NULL || argv[0] == NULL) {
		return -EINVAL;
	}
	if (!harness_have_program(argv[0])) {
		return -ENOENT;
	}
	pid_t pid = spawn_process(argv, NULL, stdout_path, stderr_path, -1);
	if (pid > 0) {
		spawned_add(pid);
	}
	return pid;
}

pid_t harness_spawn_cmd(const char *const *argv) {
	return harness_spawn(argv, NULL, NULL);
}

/* ---- Files ---- */

char *harness_read_file(const char *path, size_t *len) {
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		return NULL;
	}
	size_t size = 0, capacity = 4096;
	char *buf = malloc(capacity);
	if (buf == NULL) {
		close(fd);
		errno = ENOMEM;
		return NULL;
	}
	for (;;) {
		if (capacity - size < 2) {
			char *grown = realloc(buf, capacity * 2);
			if (grown == NULL) {
				free(buf);
				close(fd);
				errno = ENOMEM;
				return NULL;
			}
			buf = grown;
			capacity *= 2;
		}
		ssize_t n = read(fd, buf + size, capacity - size - 1);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0) {
			int err = errno;
			free(buf);
			close(fd);
			errno = err;
			return NULL;
		}
		if (n == 0) {
			break;
		}
		size += n;
	}
	close(fd);
	buf[size] = '\0';
	if (len != NULL) {
		*len = size;
	}
	return buf;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw) {
	(void)st;
	(void)ftw;
	int r = (type == FTW_DP) ? rmdir(path) : unlink(path);
	if (r < 0 && errno != ENOENT) {
		fprintf(stderr, "harness: cannot remove %s: %s\n", path, strerror(errno));
	}
	return 0;
}

int harness_remove_tree(const char *path) {
	struct stat st;
	if (lstat(path, &st) < 0) {
		return errno == ENOENT ? 0 : -errno;
	}
	if (nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) < 0) {
		return -errno;
	}
	return lstat(path, &st) == 0 ? -ENOTEMPTY : 0;
}

/* ---- Compositor ---- */

static void restore_env(const char *name, const char *value) {
	if (value != NULL) {
		setenv(name, value, 1);
	} else {
		unsetenv(name);
	}
}

static const char *compositor_path(char *buf, size_t size) {
	const char *env = getenv("IOSURFACE_COMPOSITOR");
	if (env != NULL && env[0] != '\0') {
		return env;
	}
	const char *root = getenv("IOSURFACE_BUILD_ROOT");
	if (root != NULL && root[0] != '\0') {
		snprintf(buf, size, "%s/compositor/iosurface-compositor", root);
		return buf;
	}
	// Run by hand from the build tree: look beside the test's ancestors.
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *slash;
		while ((slash = strrchr(exe, '/')) != NULL && slash != exe) {
			*slash = '\0';
			int len = snprintf(buf, size, "%s/compositor/iosurface-compositor", exe);
			if (len > 0 && (size_t)len < size && access(buf, X_OK) == 0) {
				return buf;
			}
		}
	}
	snprintf(buf, size, "build/compositor/iosurface-compositor");
	return buf;
}

static bool env_is_dropped(const char *entry) {
	static const char *const dropped[] = {
		"WAYLAND_DISPLAY=", "WAYLAND_SOCKET=", "DISPLAY=", "WLR_BACKENDS=", "WLR_RENDERER=",
		"WLR_LIBINPUT_NO_DEVICES=", "XDG_RUNTIME_DIR=", "WLR_DRM_DEVICES=", NULL,
	};
	for (int i = 0; dropped[i] != NULL; i++) {
		if (strncmp(entry, dropped[i], strlen(dropped[i])) == 0) {
			return true;
		}
	}
	return false;
}

static bool socket_accepts(const char *path) {
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(addr.sun_path)) {
		return false;
	}
	strcpy(addr.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		return false;
	}
	bool ok = connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0;
	close(fd);
	return ok;
}

// Reaps hc if it has exited; returns whether it is still running.
static bool compositor_poll(struct harness_compositor *hc) {
	if (hc->reaped) {
		return false;
	}
	int status;
	if (wait_for(hc->pid, 0, &status) == 1) {
		hc->reaped = true;
		hc->wait_status = status;
		return false;
	}
	return true;
}

// The soft limit on open files of a process, from /proc/PID/limits; -1 if unknown.
static long soft_fd_limit(pid_t pid) {
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/limits", (int)pid);
	char *text = harness_read_file(path, NULL);
	if (text == NULL) {
		return -1;
	}
	long limit = -1;
	const char *line = strstr(text, "Max open files");
	if (line != NULL) {
		char *end;
		limit = strtol(line + strlen("Max open files"), &end, 10);
		if (end == line + strlen("Max open files")) {
			limit = -1;
		}
	}
	free(text);
	return limit;
}

int harness_compositor_count_fds(struct harness_compositor *hc) {
	// valgrind keeps its own descriptors just below the real soft limit and lowers the limit
	// its client sees; nothing else opens descriptors that high.
	long limit = soft_fd_limit(hc->pid);
	long ceiling = limit > 64 ? limit - 32 : LONG_MAX;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)hc->pid);
	DIR *dir = opendir(path);
	if (dir == NULL) {
		return -errno;
	}
	// On a DRM backend wlroots' swapchain allocates and drops the output's buffers (dma-bufs)
	// and frame timers as it renders, whenever it likes, and the module's GBM probe holds the
	// card's render node for a while after the start (a second under TCG): there those and
	// the DRM device nodes are left out of the count, which the headless runs of the same
	// tests still check in full.
	bool drm = hc->card != NULL;
	int count = 0;
	struct dirent *de;
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.') {
			continue;
		}
		if (strtol(de->d_name, NULL, 10) >= ceiling) {
			continue;
		}
		if (drm) {
			char link[400], target[256];
			snprintf(link, sizeof(link), "%s/%s", path, de->d_name);
			ssize_t len = readlink(link, target, sizeof(target) - 1);
			if (len > 0) {
				target[len] = '\0';
				if (strstr(target, "dmabuf") != NULL || strstr(target, "timerfd") != NULL ||
						strncmp(target, "/dev/dri/", strlen("/dev/dri/")) == 0) {
					continue;
				}
			}
		}
		count++;
	}
	closedir(dir);
	return count;
}

bool harness_compositor_alive(struct harness_compositor *hc) {
	return compositor_poll(hc);
}

static void compositor_unlink(struct harness_compositor *hc) {
	for (struct harness_compositor **p = &state.compositors; *p != NULL; p = &(*p)->next) {
		if (*p == hc) {
			*p = hc->next;
			return;
		}
	}
}

static void card_release(struct harness_compositor *hc) {
	if (hc->card_lock_fd >= 0) {
		close(hc->card_lock_fd);
		hc->card_lock_fd = -1;
	}
}

static void compositor_free(struct harness_compositor *hc) {
	card_release(hc);
	free(hc->card);
	free(hc->runtime_dir);
	free(hc->socket);
	free(hc->stdout_path);
	free(hc->saved_xdg_runtime_dir);
	free(hc->saved_wayland_display);
	free(hc);
}

// Stops the process (if still running), removes the directory, restores the environment.
// Returns the wait status, or -ETIMEDOUT if SIGTERM was not enough.
static int compositor_teardown(struct harness_compositor *hc, int timeout_ms) {
	int result = 0;
	if (hc->pid > 0 && !hc->reaped) {
		kill(hc->pid, SIGTERM);
		int status;
		int r = wait_for(hc->pid, timeout_ms, &status);
		if (r == 1) {
			hc->reaped = true;
			hc->wait_status = status;
		} else {
			fprintf(stderr, "harness: compositor %d did not exit on SIGTERM, killing it\n",
					(int)hc->pid);
			kill(hc->pid, SIGKILL);
			if (wait_for(hc->pid, 10000, &status) == 1) {
				hc->reaped = true;
				hc->wait_status = status;
			}
			result = -ETIMEDOUT;
		}
	}
	if (result == 0) {
		result = hc->wait_status;
	}
	if (hc->runtime_dir != NULL) {
		if (getenv("HARNESS_KEEP_RUNTIME_DIR") != NULL) {
			fprintf(stderr, "harness: keeping %s\n", hc->runtime_dir);
		} else {
			harness_remove_tree(hc->runtime_dir);
		}
		report('d', hc->runtime_dir);
	}
	restore_env("XDG_RUNTIME_DIR", hc->saved_xdg_runtime_dir);
	restore_env("WAYLAND_DISPLAY", hc->saved_wayland_display);
	return result;
}

// Splits HARNESS_COMPOSITOR_WRAPPER on spaces into argv; returns the number of words.
static int wrapper_words(char *wrapper, const char **argv, int max) {
	int n = 0;
	char *save = NULL;
	for (char *w = strtok_r(wrapper, " \t", &save); w != NULL && n < max;
			w = strtok_r(NULL, " \t", &save)) {
		argv[n++] = w;
	}
	return n;
}

/*
 * On a DRM backend each compositor takes a card of HARNESS_DRM_CARDS (paths separated by spaces;
 * WLR_DRM_DEVICES when unset) that no other compositor holds, so that tests run in parallel
 * share the cards and a card has one master at a time. A card is held by a flock() on its own
 * file in HARNESS_DRM_LOCK_DIR (default /tmp), taken here and handed to the compositor as its
 * descriptor 3: the lock lasts exactly as long as the compositor (the card's master), however
 * it ends, and the test keeps no descriptor. A process whose compositors hold no card waits for
 * one; one whose compositor holds a card already takes another only if it is free at once (two
 * tests each holding one card and waiting for the other's would wait for ever). Returns NULL
 * with *why set when the compositor must run headless instead.
 */
static char *card_take(struct harness_compositor *hc, const char **why) {
	const char *cards = getenv("HARNESS_DRM_CARDS");
	if (cards == NULL || cards[0] == '\0') {
		cards = getenv("WLR_DRM_DEVICES");
	}
	if (cards == NULL || cards[0] == '\0') {
		*why = "neither HARNESS_DRM_CARDS nor WLR_DRM_DEVICES names a card";
		return NULL;
	}
	const char *dir = getenv("HARNESS_DRM_LOCK_DIR");
	if (dir == NULL || dir[0] == '\0') {
		dir = "/tmp";
	}
	bool holding = false;
	for (struct harness_compositor *other = hc->next; other != NULL; other = other->next) {
		holding = holding || other->card != NULL;
	}
	int64_t wait_ms = harness_scale_timeout(120000);
	int64_t deadline = harness_now_ms() + wait_ms;
	for (;;) {
		char *list = xstrdup(cards);
		char *save = NULL;
		bool opened = false;
		for (char *card = strtok_r(list, " :", &save); card != NULL;
				card = strtok_r(NULL, " :", &save)) {
			// Cards this process's compositors hold.
			bool mine = false;
			for (struct harness_compositor *o = hc->next; o != NULL; o = o->next) {
				mine = mine || (o->card != NULL && strcmp(o->card, card) == 0);
			}
			if (mine) {
				continue;
			}
			const char *base = strrchr(card, '/') != NULL ? strrchr(card, '/') + 1 : card;
			char *lock_path = xasprintf("%s/harness-drm-%s.lock", dir, base);
			int fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
			free(lock_path);
			if (fd < 0) {
				continue;
			}
			opened = true;
			if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
				hc->card_lock_fd = fd;
				char *taken = xstrdup(card);
				free(list);
				return taken;
			}
			close(fd);
		}
		free(list);
		if (holding) {
			*why = "another compositor of this test holds a card and no other card is free";
			return NULL;
		}
		if (!opened) {
			*why = "no lock file of a card could be opened in HARNESS_DRM_LOCK_DIR";
			return NULL;
		}
		if (harness_now_ms() >= deadline) {
			*why = "no card became free in time";
			return NULL;
		}
		harness_sleep_ms(50);
	}
}

// HARNESS_DRM_REPORT names a file that gets a line per compositor started on a DRM backend:
// "PROGRAM TEST drm CARD" or "PROGRAM TEST headless WHY", for tests/kms/guest.sh to count.
static void card_report(const char *card, const char *why) {
	const char *path = getenv("HARNESS_DRM_REPORT");
	if (path == NULL || path[0] == '\0') {
		return;
	}
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		return;
	}
	char line[512];
	int n = snprintf(line, sizeof(line), "%s %s %s %s\n", program_invocation_short_name,
			state.test_name != NULL ? state.test_name : "-", card != NULL ? "drm" : "headless",
			card != NULL ? card : why);
	if (n > (int)sizeof(line) - 1) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	// One write with O_APPEND: the lines of tests running in parallel do not mix.
	ssize_t r;
	do {
		r = write(fd, line, n);
	} while (r < 0 && errno == EINTR);
	close(fd);
}

struct harness_compositor *harness_compositor_start(const char *const *extra_args) {
	static unsigned counter;
	struct harness_compositor *hc = calloc(1, sizeof(*hc));
	if (hc == NULL) {
		SETUP_FAIL("harness_compositor_start: out of memory");
	}
	hc->card_lock_fd = -1;
	// Registered first: a failure below cleans up through the list.
	hc->next = state.compositors;
	state.compositors = hc;

	const char *old = getenv("XDG_RUNTIME_DIR");
	hc->saved_xdg_runtime_dir = old != NULL ? xstrdup(old) : NULL;
	old = getenv("WAYLAND_DISPLAY");
	hc->saved_wayland_display = old != NULL ? xstrdup(old) : NULL;

	char dir_template[] = "/tmp/iosurface-test-XXXXXX";
	if (mkdtemp(dir_template) == NULL) {
		SETUP_FAIL("mkdtemp %s: %s", dir_template, strerror(errno));
	}
	hc->runtime_dir = xstrdup(dir_template);
	report('D', hc->runtime_dir);
	if (chmod(hc->runtime_dir, 0700) < 0) {
		SETUP_FAIL("chmod %s: %s", hc->runtime_dir, strerror(errno));
	}
	hc->socket = xasprintf("wayland-iosurface-%d-%u", (int)getpid(), counter++);
	hc->stdout_path = xasprintf("%s/compositor.out", hc->runtime_dir);
	char *socket_path = xasprintf("%s/%s", hc->runtime_dir, hc->socket);

	setenv("XDG_RUNTIME_DIR", hc->runtime_dir, 1);
	setenv("WAYLAND_DISPLAY", hc->socket, 1);

	// argv: [wrapper...] compositor --headless --socket NAME [extra...]
	char path_buf[PATH_MAX];
	const char *path = compositor_path(path_buf, sizeof(path_buf));
	const char *wrapper_env = getenv("HARNESS_COMPOSITOR_WRAPPER");
	char *wrapper = xstrdup(wrapper_env != NULL ? wrapper_env : "");
	int extra = 0;
	while (extra_args != NULL && extra_args[extra] != NULL) {
		extra++;
	}
	const char **argv = calloc(32 + extra + 5, sizeof(*argv));
	if (argv == NULL) {
		SETUP_FAIL("harness_compositor_start: out of memory");
	}
	int argc = wrapper_words(wrapper, argv, 32);
	argv[argc++] = path;
	// HARNESS_BACKEND=drm: the wlroots backend to run on (tests/kms/ runs the suite on KMS).
	const char *backend = getenv("HARNESS_BACKEND");
	if (backend == NULL || backend[0] == '\0') {
		backend = "headless";
	}
	// A DRM card has one master: a compositor takes a card no other holds (card_take), or runs
	// headless, and says so; so does one that asks for what only a headless backend does.
	if (strcmp(backend, "headless") != 0) {
		const char *why = NULL;
		for (int i = 0; i < extra; i++) {
			if (strcmp(extra_args[i], "--debug-outputs") == 0) {
				why = "--debug-outputs adds and removes headless outputs";
			}
		}
		if (why == NULL) {
			hc->card = card_take(hc, &why);
		}
		card_report(hc->card, why);
		if (hc->card == NULL) {
			fprintf(stderr, "harness: compositor on headless, not %s: %s\n", backend, why);
			backend = "headless";
		}
	}
	if (strcmp(backend, "headless") == 0) {
		argv[argc++] = "--headless";
	}
	argv[argc++] = "--socket";
	argv[argc++] = hc->socket;
	for (int i = 0; i < extra; i++) {
		argv[argc++] = extra_args[i];
	}
	argv[argc] = NULL;

	// The environment: ours, less anything that would point it at another display.
	size_t env_count = 0;
	while (environ[env_count] != NULL) {
		env_count++;
	}
	char **envp = calloc(env_count + 6, sizeof(*envp));
	if (envp == NULL) {
		SETUP_FAIL("harness_compositor_start: out of memory");
	}
	size_t n = 0;
	for (size_t i = 0; i < env_count; i++) {
		if (!env_is_dropped(environ[i])) {
			envp[n++] = environ[i];
		}
	}
	char *xdg_entry = xasprintf("XDG_RUNTIME_DIR=%s", hc->runtime_dir);
	envp[n++] = xdg_entry;
	char *backend_entry = xasprintf("WLR_BACKENDS=%s", backend);
	envp[n++] = backend_entry;
	envp[n++] = "WLR_RENDERER=pixman";
	envp[n++] = "WLR_LIBINPUT_NO_DEVICES=1";
	char *card_entry = hc->card != NULL ? xasprintf("WLR_DRM_DEVICES=%s", hc->card) : NULL;
	if (card_entry != NULL) {
		envp[n++] = card_entry;
	}
	envp[n] = NULL;

	if (access(path, X_OK) < 0) {
		int err = errno;
		free(envp);
		free(xdg_entry);
		free(backend_entry);
		free(card_entry);
		free(argv);
		free(wrapper);
		free(socket_path);
		SETUP_FAIL("compositor %s: %s (set IOSURFACE_COMPOSITOR or build it)", path,
				strerror(err));
	}
	pid_t pid = spawn_process(argv, envp, hc->stdout_path, NULL, hc->card_lock_fd);
	// The lock is the compositor's now: it holds the card until the compositor is gone, however
	// it goes, and no descriptor of it stays open here.
	card_release(hc);
	free(envp);
	free(xdg_entry);
	free(backend_entry);
	free(card_entry);
	free(argv);
	free(wrapper);
	if (pid < 0) {
		free(socket_path);
		SETUP_FAIL("cannot start compositor %s: %s", path, strerror((int)-pid));
	}
	hc->pid = pid;

	// Ready when the socket accepts a connection.
	int64_t deadline = harness_now_ms() + harness_scale_timeout(COMPOSITOR_START_TIMEOUT_MS);
	int delay = 2;
	for (;;) {
		if (socket_accepts(socket_path)) {
			break;
		}
		if (!compositor_poll(hc)) {
			char how[128];
			describe_status(hc->wait_status, how, sizeof(how));
			char *out = harness_read_file(hc->stdout_path, NULL);
			fprintf(stderr, "harness: compositor stdout:\n%s\n", out != NULL ? out : "");
			free(out);
			free(socket_path);
			SETUP_FAIL("compositor %s %s before its socket accepted connections", path, how);
		}
		if (harness_now_ms() >= deadline) {
			free(socket_path);
			SETUP_FAIL("compositor %s: socket %s not accepting connections after %d ms", path,
					hc->socket, harness_scale_timeout(COMPOSITOR_START_TIMEOUT_MS));
		}
		harness_sleep_ms(delay);
		if (delay < 20) {
			delay *= 2;
		}
	}
	free(socket_path);
	return hc;
}

int harness_compositor_stop_status(struct harness_compositor *hc) {
	if (hc == NULL) {
		return -EINVAL;
	}
	compositor_unlink(hc);
	int r = compositor_teardown(hc, harness_scale_timeout(COMPOSITOR_STOP_TIMEOUT_MS));
	compositor_free(hc);
	return r;
}

int harness_compositor_stop(struct harness_compositor *hc) {
	if (hc == NULL) {
		FAIL("harness_compositor_stop(NULL)");
	}
	pid_t pid = hc->pid;
	int status = harness_compositor_stop_status(hc);
	if (status == -ETIMEDOUT) {
		FAIL("compositor %d did not exit within %d ms of SIGTERM", (int)pid,
				harness_scale_timeout(COMPOSITOR_STOP_TIMEOUT_MS));
	}
	if (WIFSIGNALED(status)) {
		char how[128];
		describe_status(status, how, sizeof(how));
		FAIL("compositor %d crashed: %s", (int)pid, how);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		char how[128];
		describe_status(status, how, sizeof(how));
		FAIL("compositor %d %s (expected 0 on SIGTERM)", (int)pid, how);
	}
	return WEXITSTATUS(status);
}

pid_t harness_compositor_pid(const struct harness_compositor *hc) {
	return hc->pid;
}

const char *harness_compositor_stdout_path(const struct harness_compositor *hc) {
	return hc->stdout_path;
}

const char *harness_compositor_runtime_dir(const struct harness_compositor *hc) {
	return hc->runtime_dir;
}

const char *harness_compositor_socket(const struct harness_compositor *hc) {
	return hc->socket;
}

// Looks for a complete line starting with prefix after hc->read_offset.
static bool find_line(struct harness_compositor *hc, const char *prefix, char *out,
		size_t out_size) {
	int fd = open(hc->stdout_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		return false;
	}
	bool found = false;
	char buf[4096];
	char line[4096];
	size_t line_len = 0;
	bool line_overflow = false;
	off_t line_start = hc->read_offset;
	off_t pos = hc->read_offset;
	for (;;) {
		ssize_t n = pread(fd, buf, sizeof(buf), pos);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			break;
		}
		for (ssize_t i = 0; i < n && !found; i++) {
			pos++;
			if (buf[i] != '\n') {
				if (line_len < sizeof(line) - 1) {
					line[line_len++] = buf[i];
				} else {
					line_overflow = true;
				}
				continue;
			}
			line[line_len] = '\0';
			line_start = pos;
			if (strncmp(line, prefix, strlen(prefix)) == 0 && !line_overflow) {
				found = true;
				if (out != NULL && out_size > 0) {
					snprintf(out, out_size, "%s", line);
				}
			}
			line_len = 0;
			line_overflow = false;
		}
		if (found) {
			break;
		}
	}
	close(fd);
	// Consume every complete line read, matched or not; keep a partial line for later.
	hc->read_offset = line_start;
	return found;
}

int harness_compositor_wait_line(struct harness_compositor *hc, const char *prefix,
		int timeout_ms, char *out, size_t out_size) {
	int64_t deadline = harness_now_ms() + harness_scale_timeout(timeout_ms);
	int delay = 1;
	for (;;) {
		bool alive = compositor_poll(hc);
		if (find_line(hc, prefix, out, out_size)) {
			return 0;
		}
		if (!alive) {
			return -ESRCH;
		}
		int64_t left = deadline - harness_now_ms();
		if (left <= 0) {
			return -ETIMEDOUT;
		}
		harness_sleep_ms(delay < left ? delay : (int)left);
		if (delay < 20) {
			delay *= 2;
		}
	}
}

/* ---- Images ---- */

// Reads one header token of a PPM, skipping whitespace and comments.
static bool ppm_number(const unsigned char *buf, size_t len, size_t *pos, long *value) {
	while (*pos < len) {
		if (buf[*pos] == '#') {
			while (*pos < len && buf[*pos] != '\n') {
				(*pos)++;
			}
		} else if (buf[*pos] == ' ' || buf[*pos] == '\t' || buf[*pos] == '\n' ||
				buf[*pos] == '\r') {
			(*pos)++;
		} else {
			break;
		}
	}
	long v = 0;
	size_t digits = 0;
	while (*pos < len && buf[*pos] >= '0' && buf[*pos] <= '9') {
		v = v * 10 + (buf[*pos] - '0');
		if (v > 1000000) {
			return false;
		}
		(*pos)++;
		digits++;
	}
	*value = v;
	return digits > 0;
}

int harness_read_ppm(const char *path, struct harness_image *img) {
	img->width = img->height = 0;
	img->data = NULL;
	size_t len;
	unsigned char *buf = (unsigned char *)harness_read_file(path, &len);
	if (buf == NULL) {
		return -errno;
	}
	size_t pos = 2;
	long width, height, maxval;
	if (len < 2 || buf[0] != 'P' || buf[1] != '6' || !ppm_number(buf, len, &pos, &width) ||
			!ppm_number(buf, len, &pos, &height) || !ppm_number(buf, len, &pos, &maxval) ||
			width <= 0 || height <= 0 || maxval != 255 || pos >= len) {
		free(buf);
		return -EINVAL;
	}
	pos++; // the single whitespace after maxval
	size_t size = (size_t)width * (size_t)height * 3;
	if (len - pos < size) {
		free(buf);
		return -EINVAL;
	}
	img->data = malloc(size);
	if (img->data == NULL) {
		free(buf);
		return -ENOMEM;
	}
	memcpy(img->data, buf + pos, size);
	img->width = (int)width;
	img->height = (int)height;
	free(buf);
	return 0;
}

uint32_t harness_image_pixel(const struct harness_image *img, int x, int y) {
	if (x < 0 || y < 0 || x >= img->width || y >= img->height) {
		FAIL("pixel %d,%d outside the %dx%d image", x, y, img->width, img->height);
	}
	const uint8_t *p = img->data + ((size_t)y * img->width + x) * 3;
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

void harness_image_finish(struct harness_image *img) {
	free(img->data);
	img->data = NULL;
	img->width = img->height = 0;
}

int harness_capture(const char *path) {
	if (!harness_have_program("grim")) {
		return -ENOENT;
	}
	const char *argv[] = { "grim", "-t", "ppm", path, NULL };
	pid_t pid = harness_spawn_cmd(argv);
	if (pid < 0) {
		return pid;
	}
	int r = harness_wait_pid(pid, CAPTURE_TIMEOUT_MS);
	if (r == -ETIMEDOUT) {
		fprintf(stderr, "harness: grim did not finish, stopping it\n");
		r = harness_stop_pid(pid, SIGKILL, 1000);
	}
	return r;
}

/* ---- Failing ---- */

// Stops what the test started, in reverse order of creation.
static void cleanup_test_resources(void) {
	while (state.compositors != NULL) {
		struct harness_compositor *hc = state.compositors;
		state.compositors = hc->next;
		compositor_teardown(hc, harness_scale_timeout(2000));
		compositor_free(hc);
	}
	for (int i = 0; i < state.spawned_count; i++) {
		pid_t pid = state.spawned[i];
		int status;
		if (wait_for(pid, 0, &status) != 0) {
			continue; // exited, or not ours
		}
		kill(pid, SIGTERM);
		if (wait_for(pid, 1000, &status) == 0) {
			kill(pid, SIGKILL);
			wait_for(pid, 5000, &status);
		}
	}
	state.spawned_count = 0;
}

HARNESS_NORETURN static void end_test(int code, const char *kind, const char *file, int line,
		const char *fmt, va_list ap) {
	char message[REASON_MAX];
	int n = 0;
	if (file != NULL) {
		n = snprintf(message, sizeof(message), "%s:%d: ", file, line);
	}
	vsnprintf(message + n, sizeof(message) - n, fmt, ap);
	bool owner = state.owner != 0 && getpid() == state.owner;
	if (owner) {
		fprintf(stderr, "%s: %s: %s\n", state.test_name, kind, message);
	} else {
		fprintf(stderr, "[process %d] %s: %s\n", (int)getpid(), kind, message);
	}
	if (!owner) {
		// A process the test forked: only end it.
		fflush(NULL);
		_exit(code == HARNESS_EXIT_FAIL ? 1 : code);
	}
	report('R', message);
	cleanup_test_resources();
	fflush(NULL);
	// _exit: a test that stopped half-way would otherwise be reported for its leaks too.
	_exit(code);
}

void harness_fail_at(const char *file, int line, const char *fmt, ...) {
	va_list ap;
	va_start(ap, fmt);
	end_test(HARNESS_EXIT_FAIL, "FAIL", file, line, fmt, ap);
}

void harness_fail(const char *fmt, ...) {
	va_list ap;
	va_start(ap, fmt);
	end_test(HARNESS_EXIT_FAIL, "FAIL", NULL, 0, fmt, ap);
}

void harness_skip_at(const char *file, int line, const char *fmt, ...) {
	va_list ap;
	va_start(ap, fmt);
	end_test(HARNESS_EXIT_SKIP, "SKIP", file, line, fmt, ap);
}

void harness_setup_fail_at(const char *file, int line, const char *fmt, ...) {
	va_list ap;
	va_start(ap, fmt);
	end_test(HARNESS_EXIT_SETUP, "SET-UP FAILURE", file, line, fmt, ap);
}

void harness_check_cmp_failed(const char *file, int line, const char *macro, const char *a_expr,
		const char *b_expr, long long a, long long b) {
	harness_fail_at(file, line, "%s(%s, %s) failed: %s = %lld (0x%llx), %s = %lld (0x%llx)",
			macro, a_expr, b_expr, a_expr, a, (unsigned long long)a, b_expr, b,
			(unsigned long long)b);
}

void harness_check_streq_failed(const char *file, int line, const char *a_expr,
		const char *b_expr, const char *a, const char *b) {
	harness_fail_at(file, line, "CHECK_STREQ(%s, %s) failed: %s = %s%s%s, %s = %s%s%s", a_expr,
			b_expr, a_expr, a ? "\"" : "", a ? a : "NULL", a ? "\"" : "", b_expr, b ? "\"" : "",
			b ? b : "NULL", b ? "\"" : "");
}

void harness_check_errno_failed(const char *file, int line, const char *expr,
		const char *errno_expr, long long got, int expected) {
	char got_desc[128];
	if (got < 0 && got > -4096) {
		snprintf(got_desc, sizeof(got_desc), "%lld (-%s: %s)", got,
				strerrorname_np((int)-got) ? strerrorname_np((int)-got) : "?",
				strerror((int)-got));
	} else {
		snprintf(got_desc, sizeof(got_desc), "%lld (not a negative errno)", got);
	}
	harness_fail_at(file, line, "CHECK_ERRNO(%s, %s) failed: got %s, expected -%d (-%s: %s)",
			expr, errno_expr, got_desc, expected,
			strerrorname_np(expected) ? strerrorname_np(expected) : "?", strerror(expected));
}

/* ---- Running tests ---- */

void harness_register(const struct harness_test *t) {
	if (test_count == MAX_TESTS) {
		fprintf(stderr, "harness: more than %d tests\n", MAX_TESTS);
		abort();
	}
	// Keep the table in file and line order, whatever order constructors run in.
	int i = test_count++;
	while (i > 0) {
		const struct harness_test *prev = tests[i - 1];
		int c = strcmp(prev->file, t->file);
		if (c < 0 || (c == 0 && prev->line <= t->line)) {
			break;
		}
		tests[i] = prev;
		i--;
	}
	tests[i] = t;
}

HARNESS_NORETURN static void run_child(const struct harness_test *t, int report_fd) {
	setpgid(0, 0);
	// harness_main() catches these to stop the current test; the test and the processes it
	// forks must die of them as usual.
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	// Hide an enclosing test's state: a failure here must not stop its compositors.
	if (state.report_fd >= 0) {
		close(state.report_fd);
	}
	if (state.compositors != NULL) {
		state.inherited = state.compositors;
	}
	state.compositors = NULL;
	state.spawned_count = 0;
	state.owner = getpid();
	state.test_name = t->name;
	state.report_fd = report_fd;

	struct fd_snapshot before, after;
	if (snapshot_fds(&before) < 0) {
		SETUP_FAIL("cannot list /proc/self/fd");
	}
	t->func();
	if (snapshot_fds(&after) < 0) {
		SETUP_FAIL("cannot list /proc/self/fd");
	}

	char reason[REASON_MAX];
	int leaks = compare_fds(&before, &after, reason, sizeof(reason));
	free(before.entries);
	free(after.entries);
	if (leaks > 0) {
		harness_fail("%d descriptor difference(s) after the test: %s", leaks, reason);
	}
	if (state.compositors != NULL) {
		harness_fail("the test returned without stopping compositor %d",
				(int)state.compositors->pid);
	}
	for (int i = 0; i < state.spawned_count; i++) {
		if (harness_wait_pid(state.spawned[i], 0) == -ETIMEDOUT) {
			harness_fail("the test returned with spawned process %d still running",
					(int)state.spawned[i]);
		}
	}
	fflush(NULL);
	// exit(), not _exit(): leak checkers report at exit.
	exit(HARNESS_EXIT_PASS);
}

struct dir_list {
	char **dirs;
	int count;
};

static void dir_list_update(struct dir_list *list, char kind, const char *dir) {
	if (kind == 'D') {
		char **grown = realloc(list->dirs, (list->count + 1) * sizeof(*grown));
		if (grown == NULL) {
			return;
		}
		list->dirs = grown;
		list->dirs[list->count++] = xstrdup(dir);
		return;
	}
	for (int i = 0; i < list->count; i++) {
		if (strcmp(list->dirs[i], dir) == 0) {
			free(list->dirs[i]);
			list->dirs[i] = list->dirs[--list->count];
			return;
		}
	}
}

// Reads what the child reported: the last reason and the runtime directories still present.
static void read_reports(int fd, char *reason, size_t reason_size, struct dir_list *dirs) {
	char buf[8192];
	size_t used = 0;
	for (;;) {
		ssize_t n = read(fd, buf + used, sizeof(buf) - 1 - used);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			break;
		}
		used += n;
		buf[used] = '\0';
		char *start = buf, *nl;
		while ((nl = strchr(start, '\n')) != NULL) {
			*nl = '\0';
			if (start[0] == 'R' && start[1] == ' ') {
				if (reason[0] == '\0') {
					snprintf(reason, reason_size, "%s", start + 2);
				}
			} else if ((start[0] == 'D' || start[0] == 'd') && start[1] == ' ') {
				dir_list_update(dirs, start[0], start + 2);
			}
			start = nl + 1;
		}
		used = strlen(start);
		memmove(buf, start, used);
		if (used == sizeof(buf) - 1) {
			used = 0; // an overlong line: drop it
		}
	}
}

// Kills whatever is left in the test's process group and reaps what was reparented to us.
static void kill_group(pid_t pgid) {
	kill(-pgid, SIGKILL);
	int64_t deadline = harness_now_ms() + 5000;
	while (harness_now_ms() < deadline) {
		int status;
		pid_t r = waitpid(-pgid, &status, WNOHANG);
		if (r < 0) {
			break; // ECHILD: nothing left that is ours
		}
		if (r == 0) {
			harness_sleep_ms(5);
		}
	}
}

static int default_timeout_ms(void) {
	int seconds = DEFAULT_TEST_TIMEOUT_S;
	const char *env = getenv("HARNESS_TIMEOUT");
	if (env != NULL && atoi(env) > 0) {
		seconds = atoi(env);
	}
	return harness_scale_timeout(seconds * 1000);
}

static enum harness_result run_test(const struct harness_test *t, int timeout_ms, char *reason,
		size_t reason_size);

enum harness_result harness_run_test(const struct harness_test *t, int timeout_ms,
		char *reason, size_t reason_size) {
	char why[REASON_MAX] = "";
	enum harness_result r = run_test(t, timeout_ms, why, sizeof(why));
	if (reason != NULL && reason_size > 0) {
		snprintf(reason, reason_size, "%s", why);
	}
	return r;
}

static enum harness_result run_test(const struct harness_test *t, int timeout_ms, char *reason,
		size_t reason_size) {
	if (timeout_ms <= 0) {
		timeout_ms = default_timeout_ms();
	}
	// Orphans of the test (its compositor, when it dies first) come back to us for reaping.
	prctl(PR_SET_CHILD_SUBREAPER, 1);

	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0) {
		snprintf(reason, reason_size, "pipe2: %s", strerror(errno));
		return HARNESS_RESULT_SETUP;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		int err = errno;
		close(fds[0]);
		close(fds[1]);
		snprintf(reason, reason_size, "fork: %s", strerror(err));
		return HARNESS_RESULT_SETUP;
	}
	if (pid == 0) {
		close(fds[0]);
		run_child(t, fds[1]);
	}
	close(fds[1]);
	setpgid(pid, pid); // also in the child: whichever runs first

	// Wait without reaping, so that the PID and its group stay ours until the group is killed.
	int64_t deadline = harness_now_ms() + timeout_ms;
	bool timed_out = false;
	int delay = 1;
	for (;;) {
		siginfo_t info = { 0 };
		if (waitid(P_PID, pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid) {
			break;
		}
		if (interrupted || harness_now_ms() >= deadline) {
			timed_out = !interrupted;
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			siginfo_t dead;
			waitid(P_PID, pid, &dead, WEXITED | WNOWAIT);
			break;
		}
		harness_sleep_ms(delay);
		if (delay < 20) {
			delay *= 2;
		}
	}
	// The test process is a zombie now, so its PID and group cannot be reused yet: kill what
	// is left in the group, then reap the test process, then the rest.
	kill(-pid, SIGKILL);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
	}
	kill_group(pid);

	struct dir_list dirs = { 0 };
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	read_reports(fds[0], reason, reason_size, &dirs);
	close(fds[0]);
	for (int i = 0; i < dirs.count; i++) {
		if (getenv("HARNESS_KEEP_RUNTIME_DIR") == NULL) {
			harness_remove_tree(dirs.dirs[i]);
		}
		free(dirs.dirs[i]);
	}
	free(dirs.dirs);

	if (interrupted) {
		snprintf(reason, reason_size, "interrupted");
		return HARNESS_RESULT_FAIL;
	}
	if (timed_out) {
		char prefix[REASON_MAX];
		snprintf(prefix, sizeof(prefix), "%s", reason);
		// A reason cut short is still a reason.
		if (snprintf(reason, reason_size, "timed out after %d ms%s%s", timeout_ms,
					prefix[0] ? "; " : "", prefix) >= (int)reason_size) {
			reason[reason_size - 1] = '\0';
		}
		return HARNESS_RESULT_TIMEOUT;
	}
	if (WIFEXITED(status)) {
		switch (WEXITSTATUS(status)) {
		case HARNESS_EXIT_PASS:
			return HARNESS_RESULT_PASS;
		case HARNESS_EXIT_SKIP:
			return HARNESS_RESULT_SKIP;
		case HARNESS_EXIT_SETUP:
			return HARNESS_RESULT_SETUP;
		default:
			break;
		}
	}
	if (reason[0] == '\0') {
		char how[128];
		describe_status(status, how, sizeof(how));
		// 23 is LeakSanitizer's exit code; valgrind's is what --error-exitcode says.
		const char *hint = "";
		if (WIFEXITED(status) && WEXITSTATUS(status) == 23) {
			hint = " (LeakSanitizer found a leak? see its report above)";
		} else if (WIFEXITED(status)) {
			hint = " without a failed check (a sanitizer or valgrind error? see above)";
		}
		snprintf(reason, reason_size, "test process %s%s", how, hint);
	}
	return HARNESS_RESULT_FAIL;
}

static void handle_interrupt(int sig) {
	(void)sig;
	interrupted = 1;
}

int harness_main(int argc, char **argv) {
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (argc > 1 && strcmp(argv[1], "--list") == 0) {
		for (int i = 0; i < test_count; i++) {
			printf("%s\n", tests[i]->name);
		}
		return 0;
	}
	bool selected[MAX_TESTS] = { false };
	if (argc > 1) {
		for (int a = 1; a < argc; a++) {
			bool found = false;
			for (int i = 0; i < test_count; i++) {
				if (strcmp(tests[i]->name, argv[a]) == 0) {
					selected[i] = true;
					found = true;
				}
			}
			if (!found) {
				printf("FAIL %s: no such test\n", argv[a]);
				return HARNESS_EXIT_FAIL;
			}
		}
	} else {
		for (int i = 0; i < test_count; i++) {
			selected[i] = true;
		}
	}

	// meson stops a test with SIGTERM to its process group; tests run in groups of their own,
	// so pass it on.
	struct sigaction sa = { .sa_handler = handle_interrupt };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	int passed = 0, failed = 0, skipped = 0, setup = 0;
	for (int i = 0; i < test_count && !interrupted; i++) {
		if (!selected[i]) {
			continue;
		}
		char reason[REASON_MAX];
		int64_t start = harness_now_ms();
		enum harness_result r = harness_run_test(tests[i], 0, reason, sizeof(reason));
		fprintf(stderr, "harness: %s took %lld ms\n", tests[i]->name,
				(long long)(harness_now_ms() - start));
		switch (r) {
		case HARNESS_RESULT_PASS:
			printf("PASS %s\n", tests[i]->name);
			passed++;
			break;
		case HARNESS_RESULT_SKIP:
			printf("SKIP %s: %s\n", tests[i]->name, reason[0] ? reason : "skipped");
			skipped++;
			break;
		case HARNESS_RESULT_SETUP:
			printf("FAIL %s: set-up failure: %s\n", tests[i]->name, reason);
			setup++;
			break;
		case HARNESS_RESULT_FAIL:
		case HARNESS_RESULT_TIMEOUT:
			printf("FAIL %s: %s\n", tests[i]->name, reason);
			failed++;
			break;
		}
	}
	printf("%d passed, %d failed, %d skipped\n", passed, failed + setup, skipped);
	if (interrupted || failed > 0) {
		return HARNESS_EXIT_FAIL;
	}
	if (setup > 0) {
		return HARNESS_EXIT_SETUP;
	}
	if (skipped > 0 && passed == 0) {
		return HARNESS_EXIT_SKIP;
	}
	return HARNESS_EXIT_PASS;
}
