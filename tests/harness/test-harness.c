// The harness tests itself: every check that guards the other suites is shown able to fail.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

// What a nested test tells its parent, in memory shared across the fork (no descriptor).
struct shared {
	pid_t compositor_pid;
	char runtime_dir[256];
};

static struct shared *shared_create(void) {
	struct shared *sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			-1, 0);
	CHECK(sh != MAP_FAILED);
	memset(sh, 0, sizeof(*sh));
	return sh;
}

static struct shared *nested_shared;

static void shared_destroy(struct shared *sh) {
	munmap(sh, sizeof(*sh));
}

static bool path_exists(const char *path) {
	struct stat st;
	return lstat(path, &st) == 0;
}

static bool process_exists(pid_t pid) {
	return pid > 0 && (kill(pid, 0) == 0 || errno != ESRCH);
}

// Runs body as a test of its own and returns the result; reason receives the harness's words.
static enum harness_result run_nested(void (*body)(void), int timeout_ms, char *reason,
		size_t size) {
	const struct harness_test t = { "nested", body, __FILE__, __LINE__ };
	return harness_run_test(&t, timeout_ms, reason, size);
}

#define CHECK_CONTAINS(haystack, needle) \
	do { \
		if (strstr((haystack), (needle)) == NULL) { \
			FAIL("\"%s\" does not contain \"%s\"", (haystack), (needle)); \
		} \
	} while (0)

/* ---- Compositor control ---- */

TEST(compositor_start_stop) {
	const char *saved_xdg = getenv("XDG_RUNTIME_DIR");
	char *saved = saved_xdg != NULL ? strdup(saved_xdg) : NULL;
	int fds_before = harness_count_fds();

	struct harness_compositor *hc = harness_compositor_start(NULL);
	CHECK_NOT_NULL(hc);
	// No descriptor of the compositor stays in the test process.
	CHECK_EQ(harness_count_fds(), fds_before);

	char dir[256], sock[512];
	snprintf(dir, sizeof(dir), "%s", harness_compositor_runtime_dir(hc));
	CHECK_STREQ(getenv("XDG_RUNTIME_DIR"), dir);
	CHECK_STREQ(getenv("WAYLAND_DISPLAY"), harness_compositor_socket(hc));
	CHECK_EQ(strncmp(dir, "/tmp/", 5), 0);

	struct stat st;
	CHECK_EQ(stat(dir, &st), 0);
	CHECK(S_ISDIR(st.st_mode));
	CHECK_EQ(st.st_mode & 0777, 0700);
	snprintf(sock, sizeof(sock), "%s/%s", dir, harness_compositor_socket(hc));
	CHECK_EQ(stat(sock, &st), 0);
	CHECK(S_ISSOCK(st.st_mode));

	pid_t pid = harness_compositor_pid(hc);
	CHECK_GT(pid, 0);
	CHECK(harness_compositor_alive(hc));

	// The compositor announces its socket on stdout, which lands in a file the test reads.
	char line[256], expected[256];
	CHECK_EQ(harness_compositor_wait_line(hc, "WAYLAND_DISPLAY=", 5000, line, sizeof(line)), 0);
	snprintf(expected, sizeof(expected), "WAYLAND_DISPLAY=%s", harness_compositor_socket(hc));
	CHECK_STREQ(line, expected);
	// Consumed: a second wait does not see it again.
	CHECK_ERRNO(harness_compositor_wait_line(hc, "WAYLAND_DISPLAY=", 200, NULL, 0), ETIMEDOUT);

	// Its descriptors can be counted from here (the handoff tests watch them).
	CHECK_GE(harness_compositor_count_fds(hc), 3);

	// SIGTERM ends it with status 0; everything is removed and the environment restored.
	CHECK_EQ(harness_compositor_stop(hc), 0);
	CHECK(!path_exists(dir));
	CHECK(!process_exists(pid));
	CHECK_STREQ(getenv("XDG_RUNTIME_DIR"), saved);
	CHECK_EQ(harness_count_fds(), fds_before);
	free(saved);
}

TEST(compositor_two_at_once) {
	struct harness_compositor *a = harness_compositor_start(NULL);
	struct harness_compositor *b = harness_compositor_start(NULL);
	CHECK(strcmp(harness_compositor_runtime_dir(a), harness_compositor_runtime_dir(b)) != 0);
	CHECK(strcmp(harness_compositor_socket(a), harness_compositor_socket(b)) != 0);
	CHECK_STREQ(getenv("WAYLAND_DISPLAY"), harness_compositor_socket(b));
	CHECK_EQ(harness_compositor_stop(b), 0);
	CHECK_STREQ(getenv("WAYLAND_DISPLAY"), harness_compositor_socket(a));
	CHECK_EQ(harness_compositor_stop(a), 0);
}

static void body_compositor_then_fail(void) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	nested_shared->compositor_pid = harness_compositor_pid(hc);
	snprintf(nested_shared->runtime_dir, sizeof(nested_shared->runtime_dir), "%s",
			harness_compositor_runtime_dir(hc));
	CHECK_EQ(1 + 1, 3);
}

TEST(failure_stops_compositor) {
	nested_shared = shared_create();
	char reason[1024];
	CHECK_EQ(run_nested(body_compositor_then_fail, 20000, reason, sizeof(reason)),
			HARNESS_RESULT_FAIL);
	CHECK_CONTAINS(reason, "CHECK_EQ(1 + 1, 3) failed: 1 + 1 = 2");
	CHECK_CONTAINS(reason, "3 = 3");
	CHECK_CONTAINS(reason, "test-harness.c:");
	CHECK_GT(nested_shared->compositor_pid, 0);
	CHECK(!process_exists(nested_shared->compositor_pid));
	CHECK(nested_shared->runtime_dir[0] == '/');
	CHECK(!path_exists(nested_shared->runtime_dir));
	shared_destroy(nested_shared);
}

static void body_compositor_then_hang(void) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	nested_shared->compositor_pid = harness_compositor_pid(hc);
	snprintf(nested_shared->runtime_dir, sizeof(nested_shared->runtime_dir), "%s",
			harness_compositor_runtime_dir(hc));
	for (;;) {
		pause();
	}
}

TEST(timeout_kills_test_and_compositor) {
	nested_shared = shared_create();
	char reason[1024];
	int64_t start = harness_now_ms();
	int timeout = harness_scale_timeout(1500);
	CHECK_EQ(run_nested(body_compositor_then_hang, timeout, reason, sizeof(reason)),
			HARNESS_RESULT_TIMEOUT);
	int64_t elapsed = harness_now_ms() - start;
	CHECK_GE(elapsed, timeout);
	CHECK_LE(elapsed, timeout + harness_scale_timeout(5000));
	CHECK_CONTAINS(reason, "timed out");
	CHECK_GT(nested_shared->compositor_pid, 0);
	CHECK(!process_exists(nested_shared->compositor_pid));
	CHECK(!path_exists(nested_shared->runtime_dir));
	shared_destroy(nested_shared);
}

static void body_compositor_not_stopped(void) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	nested_shared->compositor_pid = harness_compositor_pid(hc);
	snprintf(nested_shared->runtime_dir, sizeof(nested_shared->runtime_dir), "%s",
			harness_compositor_runtime_dir(hc));
}

TEST(compositor_left_running_fails) {
	nested_shared = shared_create();
	char reason[1024];
	CHECK_EQ(run_nested(body_compositor_not_stopped, 20000, reason, sizeof(reason)),
			HARNESS_RESULT_FAIL);
	CHECK_CONTAINS(reason, "without stopping compositor");
	CHECK(!process_exists(nested_shared->compositor_pid));
	CHECK(!path_exists(nested_shared->runtime_dir));
	shared_destroy(nested_shared);
}

static void body_compositor_crashes(void) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	// SIGKILL: under ASan a SIGSEGV is caught and turned into exit status 1.
	kill(harness_compositor_pid(hc), SIGKILL);
	harness_sleep_ms(100);
	harness_compositor_stop(hc);
}

TEST(compositor_crash_fails_test) {
	char reason[1024];
	CHECK_EQ(run_nested(body_compositor_crashes, 20000, reason, sizeof(reason)),
			HARNESS_RESULT_FAIL);
	CHECK_CONTAINS(reason, "crashed");
	CHECK_CONTAINS(reason, "signal 9");
}

static void body_compositor_missing(void) {
	setenv("IOSURFACE_COMPOSITOR", "/nonexistent/iosurface-compositor", 1);
	harness_compositor_start(NULL);
}

TEST(compositor_missing_is_setup_failure) {
	char reason[1024];
	CHECK_EQ(run_nested(body_compositor_missing, 20000, reason, sizeof(reason)),
			HARNESS_RESULT_SETUP);
	CHECK_CONTAINS(reason, "/nonexistent/iosurface-compositor");
}

/* ---- Descriptor check ---- */

static void body_leaks_fd(void) {
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	CHECK_GE(fd, 0);
}

static void body_closes_fd(void) {
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	CHECK_GE(fd, 0);
	close(fd);
}

TEST(fd_leak_is_caught) {
	char reason[1024];
	CHECK_EQ(run_nested(body_leaks_fd, 10000, reason, sizeof(reason)), HARNESS_RESULT_FAIL);
	CHECK_CONTAINS(reason, "leaked");
	CHECK_CONTAINS(reason, "/dev/null");
	CHECK_EQ(run_nested(body_closes_fd, 10000, reason, sizeof(reason)), HARNESS_RESULT_PASS);
	CHECK_STREQ(reason, "");
}

static void body_closes_foreign_fd(void) {
	// fd 0 was open before the body: closing it is a difference as well.
	close(STDIN_FILENO);
}

TEST(fd_closed_is_caught) {
	int saved = dup(STDIN_FILENO);
	CHECK_GE(saved, 0);
	char reason[1024];
	CHECK_EQ(run_nested(body_closes_foreign_fd, 10000, reason, sizeof(reason)),
			HARNESS_RESULT_FAIL);
	CHECK_CONTAINS(reason, "fd 0");
	close(saved);
}

TEST(count_fds) {
	int before = harness_count_fds();
	CHECK_GE(before, 3);
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	CHECK_EQ(harness_count_fds(), before + 1);
	close(fd);
	CHECK_EQ(harness_count_fds(), before);
}

/* ---- Timeouts, crashes, results ---- */

static void body_sleeps(void) {
	harness_sleep_ms(30000);
}

TEST(timeout_is_enforced) {
	char reason[1024];
	int64_t start = harness_now_ms();
	CHECK_EQ(run_nested(body_sleeps, 300, reason, sizeof(reason)), HARNESS_RESULT_TIMEOUT);
	CHECK_LE(harness_now_ms() - start, 5000);
	CHECK_CONTAINS(reason, "timed out after 300 ms");
}

static void body_crashes(void) {
	raise(SIGABRT);
}

static void body_skips(void) {
	SKIP("no %s here", "frobnicator");
}

static void body_passes(void) {
}

static void body_check_streq(void) {
	CHECK_STREQ("abc", "abd");
}

static void body_check_errno_wrong(void) {
	CHECK_ERRNO(-ENOENT, EINVAL);
}

static void body_check_errno_right(void) {
	CHECK_ERRNO(-EINVAL, EINVAL);
	CHECK_ERRNO(-EINVAL, -EINVAL);
}

static void body_check_not_null(void) {
	errno = ENOMEM;
	void *p = NULL;
	CHECK_NOT_NULL(p);
}

static void body_check_ne(void) {
	CHECK_NE(5, 5);
}

static void body_harness_fail(void) {
	harness_fail("custom %d", 42);
}

static void body_exit_nonzero(void) {
	exit(3);
}

TEST(results_and_messages) {
	char reason[1024];
	CHECK_EQ(run_nested(body_passes, 10000, reason, sizeof(reason)), HARNESS_RESULT_PASS);

	CHECK_EQ(run_nested(body_crashes, 10000, reason, sizeof(reason)), HARNESS_RESULT_FAIL);
	CHECK_CONTAINS(reason, "signal 6");

	CHECK_EQ(run_nested(body_skips, 10000, reason, sizeof(reason)), HARNESS_RESULT_SKIP);
	CHECK_CONTAINS(reason, "no frobnicator here");

	CHECK_EQ(run_nested(body_check_streq, 10000, reason, sizeof(reason)), HARNESS_RESULT_FAIL);
	CHECK_CONTAINS(reason, "\"abc\"");
	CHECK_CONTAINS(reason, "\"abd\"");

	CHECK_EQ(run_nested(body_check_errno_wrong, 10000, reason, sizeof(reason)),
			HARNESS_RESULT_FAIL);
	CHECK_CONTAINS(reason, "ENOENT");
	CHECK_CONTAINS(reason, "EINVAL");

	CHECK_EQ(run_nested(body_check_errno_right, 10000, reason, sizeof(reason)),
			HARNESS_RESULT_PASS);

	CHECK_EQ(run_nested(body_check_not_null, 10000, reason, sizeof(reason)),
			HARNESS_RESULT_FAIL);
	CHECK_CONTAINS(reason, "CHECK_NOT_NULL(p)");
	CHECK_CONTAINS(reason, "Cannot allocate memory");

	CHECK_EQ(run_nested(body_check_ne, 10000, reason, sizeof(reason)), HARNESS_RESULT_FAIL);
	CHECK_CONTAINS(reason, "CHECK_NE(5, 5)");

	CHECK_EQ(run_nested(body_harness_fail, 10000, reason, sizeof(reason)), HARNESS_RESULT_FAIL);
	CHECK_CONTAINS(reason, "custom 42");

	CHECK_EQ(run_nested(body_exit_nonzero, 10000, reason, sizeof(reason)), HARNESS_RESULT_FAIL);
	CHECK_CONTAINS(reason, "status 3");
}

// A check failing in a process the test forked ends only that process.
TEST(check_in_forked_helper) {
	pid_t pid = fork();
	CHECK_GE(pid, 0);
	if (pid == 0) {
		CHECK_EQ(1, 2);
		_exit(0);
	}
	CHECK_EQ(harness_wait_pid(pid, 10000), 1);
}

// A process the test forks dies of SIGTERM (the harness's own handler is not inherited).
TEST(forked_helper_dies_of_sigterm) {
	pid_t pid = fork();
	CHECK_GE(pid, 0);
	if (pid == 0) {
		for (;;) {
			pause();
		}
	}
	CHECK_EQ(harness_stop_pid(pid, SIGTERM, 5000), 128 + SIGTERM);
}

/* ---- Spawning ---- */

TEST(spawn_and_wait) {
	const char *true_argv[] = { "true", NULL };
	pid_t pid = harness_spawn_cmd(true_argv);
	CHECK_GT(pid, 0);
	CHECK_EQ(harness_wait_pid(pid, 10000), 0);

	const char *exit3[] = { "sh", "-c", "exit 3", NULL };
	pid = harness_spawn_cmd(exit3);
	CHECK_GT(pid, 0);
	CHECK_EQ(harness_wait_pid(pid, 10000), 3);

	const char *sleeper[] = { "sleep", "30", NULL };
	pid = harness_spawn_cmd(sleeper);
	CHECK_GT(pid, 0);
	CHECK_ERRNO(harness_wait_pid(pid, 0), ETIMEDOUT);
	CHECK_ERRNO(harness_wait_pid(pid, 100), ETIMEDOUT);
	CHECK_EQ(harness_stop_pid(pid, 0, 5000), 128 + SIGTERM);

	const char *missing[] = { "iosurface-no-such-program", NULL };
	CHECK_ERRNO(harness_spawn_cmd(missing), ENOENT);
	CHECK(!harness_have_program("iosurface-no-such-program"));
	CHECK(harness_have_program("sh"));
}

TEST(spawn_output_to_file) {
	char dir[] = "/tmp/iosurface-harness-XXXXXX";
	CHECK_NOT_NULL(mkdtemp(dir));
	char out[256], err[256];
	snprintf(out, sizeof(out), "%s/out", dir);
	snprintf(err, sizeof(err), "%s/err", dir);
	const char *argv[] = { "sh", "-c", "echo to-out; echo to-err >&2", NULL };
	pid_t pid = harness_spawn(argv, out, err);
	CHECK_GT(pid, 0);
	CHECK_EQ(harness_wait_pid(pid, 10000), 0);
	char *text = harness_read_file(out, NULL);
	CHECK_NOT_NULL(text);
	CHECK_STREQ(text, "to-out\n");
	free(text);
	text = harness_read_file(err, NULL);
	CHECK_NOT_NULL(text);
	CHECK_STREQ(text, "to-err\n");
	free(text);
	CHECK_EQ(harness_remove_tree(dir), 0);
	CHECK(!path_exists(dir));
}

// A descriptor the test forgot to mark close-on-exec does not reach spawned programs.
TEST(spawn_closes_inherited_fds) {
	char dir[] = "/tmp/iosurface-harness-XXXXXX";
	CHECK_NOT_NULL(mkdtemp(dir));
	char out[256];
	snprintf(out, sizeof(out), "%s/fds", dir);
	int fd = open("/dev/null", O_RDONLY); // no O_CLOEXEC on purpose
	CHECK_GE(fd, 0);
	CHECK_EQ(dup2(fd, 50), 50);
	const char *argv[] = { "ls", "-1", "/proc/self/fd", NULL };
	pid_t pid = harness_spawn(argv, out, NULL);
	CHECK_GT(pid, 0);
	CHECK_EQ(harness_wait_pid(pid, 10000), 0);
	close(50);
	close(fd);
	char *text = harness_read_file(out, NULL);
	CHECK_NOT_NULL(text);
	CHECK_CONTAINS(text, "0\n1\n2\n");
	CHECK(strstr(text, "50\n") == NULL);
	free(text);
	CHECK_EQ(harness_remove_tree(dir), 0);
}

static void body_spawn_left_running(void) {
	const char *sleeper[] = { "sleep", "30", NULL };
	nested_shared->compositor_pid = harness_spawn_cmd(sleeper);
}

TEST(spawned_left_running_fails) {
	nested_shared = shared_create();
	char reason[1024];
	CHECK_EQ(run_nested(body_spawn_left_running, 10000, reason, sizeof(reason)),
			HARNESS_RESULT_FAIL);
	CHECK_CONTAINS(reason, "still running");
	CHECK(!process_exists(nested_shared->compositor_pid));
	shared_destroy(nested_shared);
}

/* ---- Images ---- */

TEST(ppm_reader) {
	char dir[] = "/tmp/iosurface-harness-XXXXXX";
	CHECK_NOT_NULL(mkdtemp(dir));
	char path[256];
	snprintf(path, sizeof(path), "%s/image.ppm", dir);

	FILE *f = fopen(path, "we");
	CHECK_NOT_NULL(f);
	fprintf(f, "P6\n# a comment\n3 2\n255\n");
	const unsigned char pixels[] = {
		0xff, 0x00, 0x00, 0x00, 0xff, 0x00, 0x00, 0x00, 0xff,
		0x12, 0x34, 0x56, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff,
	};
	fwrite(pixels, 1, sizeof(pixels), f);
	fclose(f);

	struct harness_image img;
	CHECK_EQ(harness_read_ppm(path, &img), 0);
	CHECK_EQ(img.width, 3);
	CHECK_EQ(img.height, 2);
	CHECK_EQ(harness_image_pixel(&img, 0, 0), 0xff0000);
	CHECK_EQ(harness_image_pixel(&img, 1, 0), 0x00ff00);
	CHECK_EQ(harness_image_pixel(&img, 2, 0), 0x0000ff);
	CHECK_EQ(harness_image_pixel(&img, 0, 1), 0x123456);
	CHECK_EQ(harness_image_pixel(&img, 2, 1), 0xffffff);
	harness_image_finish(&img);
	CHECK(img.data == NULL);

	// Truncated pixel data and a wrong magic are refused.
	f = fopen(path, "we");
	CHECK_NOT_NULL(f);
	fprintf(f, "P6 3 2 255\n");
	fwrite(pixels, 1, sizeof(pixels) - 1, f);
	fclose(f);
	CHECK_ERRNO(harness_read_ppm(path, &img), EINVAL);
	f = fopen(path, "we");
	CHECK_NOT_NULL(f);
	fprintf(f, "P3 1 1 255\n0 0 0\n");
	fclose(f);
	CHECK_ERRNO(harness_read_ppm(path, &img), EINVAL);
	CHECK_ERRNO(harness_read_ppm("/nonexistent.ppm", &img), ENOENT);

	CHECK_EQ(harness_remove_tree(dir), 0);
}

TEST(capture) {
	if (!harness_have_program("grim")) {
		SKIP("grim is not installed");
	}
	const char *args[] = { "--size", "320x240", NULL };
	struct harness_compositor *hc = harness_compositor_start(args);
	char path[512];
	snprintf(path, sizeof(path), "%s/capture.ppm", harness_compositor_runtime_dir(hc));
	CHECK_EQ(harness_capture(path), 0);
	struct harness_image img;
	CHECK_EQ(harness_read_ppm(path, &img), 0);
	CHECK_EQ(img.width, 320);
	CHECK_EQ(img.height, 240);
	harness_image_finish(&img);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

int main(int argc, char **argv) {
	return harness_main(argc, argv);
}
