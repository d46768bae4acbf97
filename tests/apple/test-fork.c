/*
 * apple-fork: the default client (what the porting headers use) after fork() without exec.
 * The child's first call connects the child on its own and never writes on, or reads from,
 * the parent's connection; the parent keeps working; surfaces the child inherited fail
 * cleanly. Each scenario runs in a worker process of its own, since the default client is
 * never destroyed and would otherwise fail the harness's descriptor check.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <iosurface/iosurface.h>
#include <wayland-client.h>

#include "harness.h"

#ifdef NDEBUG
#error "tests need assert()"
#endif

static struct iosurface *create_small(struct iosurface_client *c) {
	struct iosurface_properties props = { .width = 32,
		.height = 8,
		.pixel_format = DRM_FORMAT_ARGB8888 };
	return iosurface_create(c, &props);
}

/* A surface, a value on it, a round trip: everything a user does on a connection. */
static void use_client(struct iosurface_client *c) {
	struct iosurface *s = create_small(c);
	CHECK_NOT_NULL(s);
	struct iosurface_value *v = iosurface_value_new_integer(42);
	CHECK_EQ(iosurface_set_value(s, "key", v), 0);
	iosurface_value_free(v);
	struct iosurface_value *back = iosurface_copy_value(s, "key");
	CHECK_NOT_NULL(back);
	CHECK_EQ(iosurface_value_get_integer(back), 42);
	iosurface_value_free(back);
	CHECK_EQ(iosurface_client_roundtrip(c), 0);
	iosurface_unref(s);
}

static ino_t socket_inode(struct iosurface_client *c) {
	struct stat st;
	CHECK_EQ(fstat(wl_display_get_fd(iosurface_client_get_display(c)), &st), 0);
	return st.st_ino;
}

static int wait_exit(pid_t pid) {
	int code = harness_wait_pid(pid, 30000);
	if (code == -ETIMEDOUT) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	return code;
}

/* Runs fn in a worker process and fails the test unless it exits 0. */
static void in_worker(void (*fn)(void)) {
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		fn();
		_exit(0);
	}
	CHECK_EQ(wait_exit(pid), 0);
}

static void parent_first(void) {
	struct iosurface_client *parent = iosurface_client_get_default();
	CHECK_NOT_NULL(parent);
	use_client(parent);
	struct iosurface *before_fork = create_small(parent);
	CHECK_NOT_NULL(before_fork);
	ino_t parent_socket = socket_inode(parent);

	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		struct iosurface_client *child = iosurface_client_get_default();
		CHECK_NOT_NULL(child);
		CHECK(child != parent);
		CHECK(socket_inode(child) != parent_socket);
		// The inherited connection's descriptor no longer leads to the parent's socket.
		CHECK(socket_inode(parent) != parent_socket);
		use_client(child);
		CHECK(iosurface_client_get_default() == child);
		// A surface inherited from the parent fails instead of talking on its connection.
		struct iosurface_value *v = iosurface_value_new_integer(7);
		CHECK_ERRNO(iosurface_set_value(before_fork, "child", v), EPIPE);
		iosurface_value_free(v);
		_exit(0);
	}
	CHECK_EQ(wait_exit(pid), 0);

	// The parent's connection is intact: same client, same socket, no error.
	CHECK(iosurface_client_get_default() == parent);
	CHECK_EQ(socket_inode(parent), parent_socket);
	use_client(parent);
	struct iosurface_value *v = iosurface_value_new_integer(8);
	CHECK_EQ(iosurface_set_value(before_fork, "parent", v), 0);
	iosurface_value_free(v);
	struct iosurface_value *none = iosurface_copy_value(before_fork, "child");
	CHECK(none == NULL);
	iosurface_unref(before_fork);
}

TEST(child_of_a_connected_parent_connects_anew) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	in_worker(parent_first);
	harness_compositor_stop(hc);
}

static void child_first(void) {
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		struct iosurface_client *child = iosurface_client_get_default();
		CHECK_NOT_NULL(child);
		use_client(child);
		_exit(0);
	}
	CHECK_EQ(wait_exit(pid), 0);
	struct iosurface_client *parent = iosurface_client_get_default();
	CHECK_NOT_NULL(parent);
	use_client(parent);
}

TEST(parent_connects_after_its_child_did) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	in_worker(child_first);
	harness_compositor_stop(hc);
}

static void both_at_once(void) {
	struct iosurface_client *parent = iosurface_client_get_default();
	CHECK_NOT_NULL(parent);
	pid_t pids[3];
	for (int i = 0; i < 3; i++) {
		pids[i] = fork();
		CHECK(pids[i] >= 0);
		if (pids[i] == 0) {
			struct iosurface_client *child = iosurface_client_get_default();
			CHECK_NOT_NULL(child);
			for (int k = 0; k < 20; k++) {
				use_client(child);
			}
			_exit(0);
		}
	}
	// The parent works on its connection while the children work on theirs.
	for (int k = 0; k < 20; k++) {
		use_client(parent);
	}
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(wait_exit(pids[i]), 0);
	}
	use_client(parent);
}

TEST(parent_and_children_work_at_the_same_time) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	in_worker(both_at_once);
	harness_compositor_stop(hc);
}

int main(int argc, char **argv) {
	return harness_main(argc, argv);
}
