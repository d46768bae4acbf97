/*
 * The test harness every end-to-end test links (harness_dep).
 *
 * A test file defines its tests with TEST(name) { ... } and calls harness_main() from main().
 * Each test runs in a forked child of its own, in a process group of its own, with a timeout
 * (60 s, or HARNESS_TIMEOUT seconds). The child counts its open descriptors before and after
 * the body and fails the test on any difference. A failing check prints file:line, both sides
 * and the expressions, stops what the test started (compositors, spawned programs) and ends
 * the child; the parent prints one line per test:
 *
 *     PASS name
 *     FAIL name: reason
 *     SKIP name: reason
 *
 * Exit codes follow meson: 0 all passed (some may have skipped), 77 all skipped, 99 a set-up
 * failure (and no other failure), 1 any failure.
 *
 * Environment:
 *   HARNESS_TIMEOUT             seconds per test (default 60)
 *   HARNESS_TIMEOUT_FACTOR      multiplies every timeout of the harness (e.g. 10 under valgrind)
 *   IOSURFACE_COMPOSITOR        the compositor to start (set by tests/meson.build)
 *   IOSURFACE_BUILD_ROOT        fallback: $IOSURFACE_BUILD_ROOT/compositor/iosurface-compositor
 *   HARNESS_COMPOSITOR_WRAPPER  a command line (split on spaces) the compositor runs under,
 *                               e.g. "valgrind --error-exitcode=42 --leak-check=full"
 *   HARNESS_KEEP_RUNTIME_DIR    if set, runtime directories are left in place for debugging
 */
#ifndef TESTS_HARNESS_HARNESS_H
#define TESTS_HARNESS_HARNESS_H

#ifdef NDEBUG
#error "tests must be built without NDEBUG: they rely on assert()"
#endif

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HARNESS_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define HARNESS_NORETURN __attribute__((noreturn))

/* Exit codes of a test child, as meson reads them. */
#define HARNESS_EXIT_PASS 0
#define HARNESS_EXIT_FAIL 1
#define HARNESS_EXIT_SKIP 77
#define HARNESS_EXIT_SETUP 99

/* ---- Registration ---- */

struct harness_test {
	const char *name;
	void (*func)(void);
	const char *file;
	int line;
};

/** Adds a test to the table harness_main() runs. Called by TEST(); t must outlive the run. */
void harness_register(const struct harness_test *t);

/**
 * Defines a test function and registers it before main() runs. Tests run in the order of
 * their definition within a file.
 */
#define TEST(name) \
	static void harness_test_##name(void); \
	__attribute__((constructor)) static void harness_register_##name(void) { \
		static const struct harness_test harness_test_desc_##name = { \
			#name, harness_test_##name, __FILE__, __LINE__, \
		}; \
		harness_register(&harness_test_desc_##name); \
	} \
	static void harness_test_##name(void)

/**
 * Runs every registered test, or only those named in argv[1..] (an unknown name is a
 * failure), each in a forked child with a timeout. Returns the exit code for main().
 * "--list" prints the names and returns 0.
 */
int harness_main(int argc, char **argv);

/** What harness_run_test() saw. */
enum harness_result {
	HARNESS_RESULT_PASS,
	HARNESS_RESULT_FAIL,
	HARNESS_RESULT_SKIP,
	HARNESS_RESULT_SETUP, /* the test could not set itself up (exit 99) */
	HARNESS_RESULT_TIMEOUT, /* also a failure */
};

/**
 * Runs one test the way harness_main() does: forked, in its own process group, with the
 * descriptor check and a timeout of timeout_ms (<= 0: the default). reason (may be NULL)
 * receives why it failed or skipped, or "" if it passed. Whatever the test left running in
 * its process group is killed and reaped afterwards, and its runtime directories removed.
 * Usable from inside a test, to prove that the harness catches a fault.
 */
enum harness_result harness_run_test(const struct harness_test *t, int timeout_ms,
		char *reason, size_t reason_size);

/* ---- Failing, skipping, checks ---- */

/**
 * Fails the current test: prints the message, stops the compositors and programs the test
 * started through the harness, and ends the test's process with HARNESS_EXIT_FAIL. In a
 * process the test forked itself, only ends that process (exit status 1).
 */
HARNESS_NORETURN HARNESS_PRINTF(1, 2) void harness_fail(const char *fmt, ...);
HARNESS_NORETURN HARNESS_PRINTF(3, 4) void harness_fail_at(const char *file, int line,
		const char *fmt, ...);
/** Same as harness_fail but ends with HARNESS_EXIT_SKIP. */
HARNESS_NORETURN HARNESS_PRINTF(3, 4) void harness_skip_at(const char *file, int line,
		const char *fmt, ...);
/** Same as harness_fail but ends with HARNESS_EXIT_SETUP (99): the test could not run. */
HARNESS_NORETURN HARNESS_PRINTF(3, 4) void harness_setup_fail_at(const char *file, int line,
		const char *fmt, ...);

/** SKIP("reason") or SKIP("%s is not installed", name): ends the test as skipped. */
#define SKIP(...) harness_skip_at(__FILE__, __LINE__, __VA_ARGS__)
/** SETUP_FAIL("...") ends the test with exit code 99. */
#define SETUP_FAIL(...) harness_setup_fail_at(__FILE__, __LINE__, __VA_ARGS__)
/** FAIL("...") fails with file:line. */
#define FAIL(...) harness_fail_at(__FILE__, __LINE__, __VA_ARGS__)

void harness_check_cmp_failed(const char *file, int line, const char *macro, const char *a_expr,
		const char *b_expr, long long a, long long b) HARNESS_NORETURN;
void harness_check_streq_failed(const char *file, int line, const char *a_expr,
		const char *b_expr, const char *a, const char *b) HARNESS_NORETURN;
void harness_check_errno_failed(const char *file, int line, const char *expr,
		const char *errno_expr, long long got, int expected) HARNESS_NORETURN;

#define CHECK(cond) \
	do { \
		if (!(cond)) { \
			harness_fail_at(__FILE__, __LINE__, "CHECK(%s) failed", #cond); \
		} \
	} while (0)

#define HARNESS_CHECK_CMP(macro, a, b, op) \
	do { \
		long long harness_a_ = (long long)(a); \
		long long harness_b_ = (long long)(b); \
		if (!(harness_a_ op harness_b_)) { \
			harness_check_cmp_failed(__FILE__, __LINE__, macro, #a, #b, harness_a_, \
					harness_b_); \
		} \
	} while (0)

/* Integer comparisons; both sides are evaluated once, as long long, and printed on failure. */
#define CHECK_EQ(a, b) HARNESS_CHECK_CMP("CHECK_EQ", a, b, ==)
#define CHECK_NE(a, b) HARNESS_CHECK_CMP("CHECK_NE", a, b, !=)
#define CHECK_GE(a, b) HARNESS_CHECK_CMP("CHECK_GE", a, b, >=)
#define CHECK_LE(a, b) HARNESS_CHECK_CMP("CHECK_LE", a, b, <=)
#define CHECK_GT(a, b) HARNESS_CHECK_CMP("CHECK_GT", a, b, >)
#define CHECK_LT(a, b) HARNESS_CHECK_CMP("CHECK_LT", a, b, <)

/** String equality; NULL equals only NULL. */
#define CHECK_STREQ(a, b) \
	do { \
		const char *harness_sa_ = (a); \
		const char *harness_sb_ = (b); \
		if (!harness_streq(harness_sa_, harness_sb_)) { \
			harness_check_streq_failed(__FILE__, __LINE__, #a, #b, harness_sa_, \
					harness_sb_); \
		} \
	} while (0)

/** p is not NULL; on failure prints errno too (constructors report through it). */
#define CHECK_NOT_NULL(p) \
	do { \
		if ((p) == NULL) { \
			harness_fail_at(__FILE__, __LINE__, "CHECK_NOT_NULL(%s) failed (errno %d: %s)", \
					#p, errno, strerror(errno)); \
		} \
	} while (0)

/**
 * expr returns a negative errno; it must be -expected (expected given as EINVAL or -EINVAL).
 * Prints both as numbers and strerror() on failure.
 */
#define CHECK_ERRNO(expr, expected) \
	do { \
		long long harness_r_ = (long long)(expr); \
		int harness_e_ = (expected); \
		if (harness_e_ < 0) { \
			harness_e_ = -harness_e_; \
		} \
		if (harness_r_ != -(long long)harness_e_) { \
			harness_check_errno_failed(__FILE__, __LINE__, #expr, #expected, harness_r_, \
					harness_e_); \
		} \
	} while (0)

bool harness_streq(const char *a, const char *b);

/* ---- Descriptors ---- */

/** The number of descriptors open in this process (/proc/self/fd). */
int harness_count_fds(void);

/** Prints every open descriptor and what it points to, to stderr. */
void harness_print_fds(void);

/**
 * For a test that needs n descriptors in one process (a compositor it starts afterwards
 * inherits the limit): raises the soft RLIMIT_NOFILE to n if it is lower, and skips the test,
 * saying why, if the hard limit is lower (a machine set up with few descriptors).
 */
void harness_require_fds(uint64_t n);

/* ---- Timeouts ---- */

/** timeout_ms scaled by HARNESS_TIMEOUT_FACTOR (valgrind runs set it). */
int harness_scale_timeout(int timeout_ms);

/** Monotonic milliseconds. */
int64_t harness_now_ms(void);

/** Sleeps ms milliseconds (restarts on EINTR). */
void harness_sleep_ms(int ms);

/* ---- Compositor ---- */

struct harness_compositor;

/**
 * Starts the compositor: a private runtime directory (mkdtemp under /tmp, mode 0700) becomes
 * XDG_RUNTIME_DIR of this process and WAYLAND_DISPLAY names a fresh socket in it; the compositor
 * runs as `$IOSURFACE_COMPOSITOR --headless --socket NAME [extra_args...]` with
 * WLR_BACKENDS=headless WLR_RENDERER=pixman WLR_LIBINPUT_NO_DEVICES=1, its stdout in a file of
 * the runtime directory, its stderr inherited. Returns once the socket accepts a connection (up
 * to 10 s). extra_args may be NULL; it ends with NULL. On failure the test ends with exit code
 * 99 and a message. No descriptor of the compositor stays open in this process.
 *
 * HARNESS_BACKEND=drm (tests/kms/ sets it) runs it on wlroots' DRM backend instead, on a card
 * of HARNESS_DRM_CARDS (or WLR_DRM_DEVICES) that no other compositor holds: a flock() on a file
 * of HARNESS_DRM_LOCK_DIR, which the compositor holds as its descriptor 3 for as long as it
 * runs (as would a child it leaves behind); `--size` then asks the card for a mode of that
 * size. It runs headless, saying so on stderr, when no card is free (a process that holds none
 * waits for one) or with --debug-outputs. HARNESS_DRM_REPORT names a file that gets a line per
 * such start: "PROGRAM TEST drm CARD" or "PROGRAM TEST headless WHY".
 */
struct harness_compositor *harness_compositor_start(const char *const *extra_args);

/**
 * Stops it: SIGTERM, up to 10 s to exit, then SIGKILL; removes the runtime directory, restores
 * XDG_RUNTIME_DIR and WAYLAND_DISPLAY as they were before the start, and frees hc. Returns the
 * compositor's exit code; the test fails (after the clean-up) if it crashed, had to be killed
 * or exited nonzero.
 */
int harness_compositor_stop(struct harness_compositor *hc);

/**
 * Like harness_compositor_stop but never fails the test: returns the raw wait status
 * (see waitpid(2)), or -ETIMEDOUT if it had to be killed. For tests that expect a crash or an
 * error exit.
 */
int harness_compositor_stop_status(struct harness_compositor *hc);

pid_t harness_compositor_pid(const struct harness_compositor *hc);
/** The file that receives the compositor's stdout; valid until stop. */
const char *harness_compositor_stdout_path(const struct harness_compositor *hc);
/** The private runtime directory (XDG_RUNTIME_DIR); valid until stop. */
const char *harness_compositor_runtime_dir(const struct harness_compositor *hc);
/** The socket name (WAYLAND_DISPLAY); valid until stop. */
const char *harness_compositor_socket(const struct harness_compositor *hc);

/**
 * Waits up to timeout_ms (scaled) for a complete line starting with prefix in the compositor's
 * stdout, after the lines consumed by earlier calls. Lines before the match are consumed too.
 * Copies the line without its newline into out (may be NULL; truncated to out_size). Returns 0,
 * -ETIMEDOUT, or -ESRCH if the compositor exited without printing it.
 */
int harness_compositor_wait_line(struct harness_compositor *hc, const char *prefix,
		int timeout_ms, char *out, size_t out_size);

/**
 * The number of descriptors open in the compositor process (/proc/PID/fd), leaving out those a
 * wrapper such as valgrind keeps for itself at the top of the descriptor range (within 32 of
 * the soft RLIMIT_NOFILE). A negative errno if it cannot be read.
 */
int harness_compositor_count_fds(struct harness_compositor *hc);

/** Whether the compositor process is still running (not exited, not a zombie). */
bool harness_compositor_alive(struct harness_compositor *hc);

/* ---- Other programs ---- */

/** Whether name is an executable in $PATH (or a path to one). */
bool harness_have_program(const char *name);

/**
 * Spawns argv[0] (searched in $PATH) with this process's environment, stdin from /dev/null,
 * stdout and stderr to the given files (created or truncated; NULL: inherited). The program
 * stays in the test's process group and is stopped if the test fails. Returns its PID or a
 * negative errno (-ENOENT if it is not installed).
 */
pid_t harness_spawn(const char *const *argv, const char *stdout_path, const char *stderr_path);

/** harness_spawn(argv, NULL, NULL). */
pid_t harness_spawn_cmd(const char *const *argv);

/**
 * Waits up to timeout_ms (scaled; 0: just looks) for a spawned process. Returns its exit code
 * (0..255), 128 + the signal that killed it, -ETIMEDOUT if still running (it keeps running), or
 * a negative errno.
 */
int harness_wait_pid(pid_t pid, int timeout_ms);

/**
 * Stops a spawned process: sig (SIGTERM if 0), then up to timeout_ms (scaled) to exit, then
 * SIGKILL. Returns as harness_wait_pid (so 128 + 15 for a program that died of SIGTERM).
 */
int harness_stop_pid(pid_t pid, int sig, int timeout_ms);

/* ---- Images ---- */

struct harness_image {
	int width, height;
	uint8_t *data; /* width * height * 3 bytes, RGB */
};

/** Reads a binary PPM (P6, maxval 255). Returns 0 or a negative errno (-EINVAL: malformed). */
int harness_read_ppm(const char *path, struct harness_image *img);

/** The pixel at x, y as 0xRRGGBB; x and y must be inside the image. */
uint32_t harness_image_pixel(const struct harness_image *img, int x, int y);

/** Frees the pixels; img may be reused. */
void harness_image_finish(struct harness_image *img);

/**
 * Runs `grim -t ppm path` against the current WAYLAND_DISPLAY and waits for it (10 s, scaled).
 * Returns 0, -ENOENT if grim is not installed, or a positive exit code / 128 + signal of grim.
 */
int harness_capture(const char *path);

/* ---- Files ---- */

/**
 * Reads a whole file into a NUL-terminated malloc'd buffer (caller frees). NULL with errno on
 * failure.
 */
char *harness_read_file(const char *path, size_t *len);

/** Removes a directory tree (no error if it does not exist). Returns 0 or a negative errno. */
int harness_remove_tree(const char *path);

#ifdef __cplusplus
}
#endif

#endif
