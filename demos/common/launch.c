#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "launch.h"

#define SOCKET_NAME "wayland-iosurface-demo"
#define READY_PREFIX "WAYLAND_DISPLAY="

uint64_t demo_now_ns(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void sleep_ms(int ms) {
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
	}
}

void demo_find_compositor(char *path, size_t size) {
	const char *env = getenv("IOSURFACE_COMPOSITOR");
	if (env != NULL && env[0] != '\0') {
		snprintf(path, size, "%s", env);
		return;
	}
	// In the build tree the demos sit in build/demos/<name>/, the compositor in
	// build/compositor/.
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash != NULL) {
			*slash = '\0';
			char candidate[PATH_MAX + 64];
			snprintf(candidate, sizeof(candidate), "%s/../../compositor/iosurface-compositor", exe);
			if (access(candidate, X_OK) == 0) {
				snprintf(path, size, "%s", candidate);
				return;
			}
		}
	}
	snprintf(path, size, "iosurface-compositor");
}

static char *dup_env(const char *name) {
	const char *value = getenv(name);
	return value != NULL ? strdup(value) : NULL;
}

static void restore_env(const char *name, const char *value) {
	if (value != NULL) {
		setenv(name, value, 1);
	} else {
		unsetenv(name);
	}
}

static void remove_dir(const char *path) {
	DIR *dir = opendir(path);
	if (dir == NULL) {
		return;
	}
	struct dirent *entry;
	while ((entry = readdir(dir)) != NULL) {
		if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) {
			continue;
		}
		char file[PATH_MAX];
		snprintf(file, sizeof(file), "%s/%s", path, entry->d_name);
		unlink(file);
	}
	closedir(dir);
	rmdir(path);
}

static void print_log(const char *path) {
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		return;
	}
	char line[512];
	while (fgets(line, sizeof(line), f) != NULL) {
		fprintf(stderr, "  compositor: %s", line);
	}
	fclose(f);
}

/* Reads the compositor's standard output until it says it is ready. */
static bool wait_ready(int fd, pid_t pid, int timeout_ms) {
	char buf[1024];
	size_t len = 0;
	uint64_t deadline = demo_now_ns() + (uint64_t)timeout_ms * 1000000u;
	for (;;) {
		uint64_t now = demo_now_ns();
		if (now >= deadline) {
			fprintf(stderr, "the compositor did not get ready within %d s\n", timeout_ms / 1000);
			return false;
		}
		struct pollfd pfd = { fd, POLLIN, 0 };
		int ret = poll(&pfd, 1, (int)((deadline - now) / 1000000u) + 1);
		if (ret < 0 && errno != EINTR) {
			return false;
		}
		if (ret <= 0) {
			continue;
		}
		ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			int status;
			if (waitpid(pid, &status, WNOHANG) == pid) {
				fprintf(stderr, "the compositor exited before it was ready (status %d)\n",
						WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
			} else {
				fprintf(stderr, "the compositor closed its output before it was ready\n");
			}
			return false;
		}
		len += (size_t)n;
		buf[len] = '\0';
		char *line = buf;
		char *nl;
		while ((nl = strchr(line, '\n')) != NULL) {
			*nl = '\0';
			if (strncmp(line, READY_PREFIX, strlen(READY_PREFIX)) == 0) {
				return true;
			}
			line = nl + 1;
		}
		// Keep the unfinished line; a line longer than the buffer is dropped.
		len = strlen(line);
		memmove(buf, line, len);
		if (len == sizeof(buf) - 1) {
			len = 0;
		}
	}
}

int demo_compositor_start(struct demo_compositor *dc, int width, int height) {
	memset(dc, 0, sizeof(*dc));
	dc->pid = -1;
	char program[PATH_MAX];
	demo_find_compositor(program, sizeof(program));

	snprintf(dc->runtime_dir, sizeof(dc->runtime_dir), "/tmp/iosurface-demo-XXXXXX");
	if (mkdtemp(dc->runtime_dir) == NULL) {
		fprintf(stderr, "cannot create a runtime directory: %s\n", strerror(errno));
		return -1;
	}
	snprintf(dc->socket, sizeof(dc->socket), "%s", SOCKET_NAME);
	snprintf(dc->log_path, sizeof(dc->log_path), "%s/compositor.log", dc->runtime_dir);
	char size[32];
	snprintf(size, sizeof(size), "%dx%d", width, height);

	int out[2];
	if (pipe(out) != 0) {
		fprintf(stderr, "pipe: %s\n", strerror(errno));
		remove_dir(dc->runtime_dir);
		return -1;
	}
	fcntl(out[0], F_SETFD, FD_CLOEXEC);
	int log_fd = open(dc->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	dc->saved_runtime_dir = dup_env("XDG_RUNTIME_DIR");
	dc->saved_display = dup_env("WAYLAND_DISPLAY");
	setenv("XDG_RUNTIME_DIR", dc->runtime_dir, 1);
	unsetenv("WAYLAND_DISPLAY");

	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0) {
		// Our own process group: the terminal's Ctrl-C is for the demo, which stops us.
		setpgid(0, 0);
		// If the demo dies without stopping us, go too.
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent) {
			_exit(127);
		}
		dup2(out[1], STDOUT_FILENO);
		if (log_fd >= 0) {
			dup2(log_fd, STDERR_FILENO);
		}
		setenv("WLR_BACKENDS", "headless", 1);
		setenv("WLR_RENDERER", "pixman", 1);
		setenv("WLR_LIBINPUT_NO_DEVICES", "1", 1);
		const char *argv[] = { program, "--headless", "--size", size, "--socket", dc->socket,
			NULL };
		execvp(program, (char *const *)argv);
		fprintf(stderr, "cannot run %s: %s\n", program, strerror(errno));
		_exit(127);
	}
	close(out[1]);
	if (log_fd >= 0) {
		close(log_fd);
	}
	if (pid < 0) {
		fprintf(stderr, "fork: %s\n", strerror(errno));
		close(out[0]);
		demo_compositor_stop(dc);
		return -1;
	}
	dc->pid = pid;
	bool ready = wait_ready(out[0], pid, 10000);
	// It ignores SIGPIPE, so closing our end only makes its later writes fail.
	close(out[0]);
	if (!ready) {
		fprintf(stderr, "could not start %s (set IOSURFACE_COMPOSITOR to choose another)\n",
				program);
		print_log(dc->log_path);
		demo_compositor_stop(dc);
		return -1;
	}
	setenv("WAYLAND_DISPLAY", dc->socket, 1);
	return 0;
}

int demo_compositor_stop(struct demo_compositor *dc) {
	int status = 0;
	if (dc->pid > 0) {
		kill(dc->pid, SIGTERM);
		status = demo_wait(dc->pid, 5000);
		if (status == 128 + SIGTERM) {
			// It was stopped, not crashed.
			status = 0;
		}
		if (status != 0) {
			fprintf(stderr, "the compositor ended with status %d\n", status);
			print_log(dc->log_path);
		}
		dc->pid = -1;
	}
	if (dc->runtime_dir[0] != '\0') {
		remove_dir(dc->runtime_dir);
		dc->runtime_dir[0] = '\0';
	}
	restore_env("XDG_RUNTIME_DIR", dc->saved_runtime_dir);
	restore_env("WAYLAND_DISPLAY", dc->saved_display);
	free(dc->saved_runtime_dir);
	free(dc->saved_display);
	dc->saved_runtime_dir = dc->saved_display = NULL;
	return status;
}

pid_t demo_spawn(const char *const *argv, int keep_fd, int stdout_fd) {
	pid_t pid = fork();
	if (pid != 0) {
		return pid;
	}
	if (stdout_fd >= 0 && stdout_fd != STDOUT_FILENO) {
		dup2(stdout_fd, STDOUT_FILENO);
	}
	if (keep_fd >= 0) {
		// Descriptors from libwayland are close-on-exec: clear it for the one handed on.
		int flags = fcntl(keep_fd, F_GETFD);
		if (flags >= 0) {
			fcntl(keep_fd, F_SETFD, flags & ~FD_CLOEXEC);
		}
	}
	execvp(argv[0], (char *const *)argv);
	fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

int demo_wait(pid_t pid, int timeout_ms) {
	uint64_t deadline = demo_now_ns() + (uint64_t)timeout_ms * 1000000u;
	for (;;) {
		int status;
		pid_t ret = waitpid(pid, &status, WNOHANG);
		if (ret == pid) {
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		}
		if (ret < 0 && errno != EINTR) {
			return -1;
		}
		if (demo_now_ns() >= deadline) {
			kill(pid, SIGKILL);
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
			}
			return -1;
		}
		sleep_ms(5);
	}
}

uint64_t demo_cpu_time_ns(pid_t pid) {
	// The process's CPU-time clock counts in nanoseconds; /proc/PID/stat only in ticks
	// (10 ms), too coarse for a frame.
	clockid_t clock;
	struct timespec ts;
	if (clock_getcpuclockid(pid, &clock) == 0 && clock_gettime(clock, &ts) == 0) {
		return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	}
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		return 0;
	}
	char line[1024];
	char *ok = fgets(line, sizeof(line), f);
	fclose(f);
	// The command name, field 2, may hold spaces and parentheses: count from the last ')'.
	char *p = ok != NULL ? strrchr(line, ')') : NULL;
	if (p == NULL) {
		return 0;
	}
	// After ')': field 3 (state) ... field 14 (utime), field 15 (stime).
	unsigned long long utime = 0, stime = 0;
	if (sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) !=
			2) {
		return 0;
	}
	long ticks = sysconf(_SC_CLK_TCK);
	if (ticks <= 0) {
		return 0;
	}
	return (utime + stime) * (1000000000ull / (unsigned long long)ticks);
}
