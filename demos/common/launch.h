/*
 * Helpers the demos share: starting a private headless compositor, spawning and stopping
 * programs by PID, reading a process's CPU time. Not part of libiosurface.
 */
#ifndef DEMOS_COMMON_LAUNCH_H
#define DEMOS_COMMON_LAUNCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/** A compositor started by demo_compositor_start(). */
struct demo_compositor {
	pid_t pid;
	char runtime_dir[64];
	char socket[32];
	char log_path[128];
	/* XDG_RUNTIME_DIR and WAYLAND_DISPLAY as they were before the start (NULL: unset). */
	char *saved_runtime_dir, *saved_display;
};

/**
 * Finds the compositor program: $IOSURFACE_COMPOSITOR, else
 * ../../compositor/iosurface-compositor relative to this executable (the build tree), else
 * "iosurface-compositor" (searched in $PATH when run). Writes it to path.
 */
void demo_find_compositor(char *path, size_t size);

/**
 * Starts `iosurface-compositor --headless --size WxH --socket NAME` in a private runtime
 * directory (mode 0700 under /tmp), in a process group of its own so that a Ctrl-C meant for
 * the demo does not reach it, and waits (up to 10 s) until it says it is ready. Sets
 * XDG_RUNTIME_DIR and WAYLAND_DISPLAY in this process, so that connections made afterwards,
 * here or in children, reach it. Its standard error goes to a log file that is printed if
 * it fails. Returns 0, or -1 after printing why.
 */
int demo_compositor_start(struct demo_compositor *dc, int width, int height);

/**
 * Stops it by PID (SIGTERM, then SIGKILL after 5 s), removes the runtime directory and
 * restores the environment. Returns its exit status (0..255), 128 + signal if it died of
 * one other than SIGTERM, or -1 if it had to be killed.
 */
int demo_compositor_stop(struct demo_compositor *dc);

/**
 * Spawns argv[0] (searched in $PATH) with this environment. keep_fd, if not negative, stays
 * open in the program under the same number; stdout_fd, if not negative, becomes its
 * standard output. Returns its PID or -1 with errno.
 */
pid_t demo_spawn(const char *const *argv, int keep_fd, int stdout_fd);

/**
 * Waits up to timeout_ms for a child. Returns its exit status, 128 + signal, or -1 if it is
 * still running after the timeout (it is then killed with SIGKILL and reaped).
 */
int demo_wait(pid_t pid, int timeout_ms);

/**
 * User + system CPU time of a process in nanoseconds: its CPU-time clock, else utime + stime
 * from /proc/PID/stat; 0 if unknown.
 */
uint64_t demo_cpu_time_ns(pid_t pid);

/** Monotonic time in nanoseconds. */
uint64_t demo_now_ns(void);

#endif
