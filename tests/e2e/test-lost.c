/*
 * A lost connection: the compositor killed, or the client dropped after a protocol error on
 * the application's own wl_display. Every call that needs the compositor returns -EPIPE, none
 * raises SIGPIPE (left at its default action, it would kill this process), and use-count reads
 * fall back to what this process knows.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <wayland-client.h>

#include "e2e-util.h"

/* SIGPIPE at its default action (terminate) and not blocked, as in most programs. */
static void default_sigpipe(void) {
	struct sigaction sa = { .sa_handler = SIG_DFL };
	sigemptyset(&sa.sa_mask);
	CHECK_EQ(sigaction(SIGPIPE, &sa, NULL), 0);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	CHECK_EQ(sigprocmask(SIG_UNBLOCK, &set, NULL), 0);
}

static bool sigpipe_pending(void) {
	sigset_t pending;
	CHECK_EQ(sigpending(&pending), 0);
	return sigismember(&pending, SIGPIPE);
}

static bool sigpipe_blocked(void) {
	sigset_t mask;
	CHECK_EQ(sigprocmask(SIG_BLOCK, NULL, &mask), 0);
	return sigismember(&mask, SIGPIPE);
}

static void kill_compositor(struct harness_compositor *hc) {
	CHECK_EQ(kill(harness_compositor_pid(hc), SIGKILL), 0);
	int status = harness_compositor_stop_status(hc);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

static void notified(struct iosurface *s, uint32_t event, uint32_t seed, void *data) {
}

/* Every call that needs the compositor, on a client whose connection is lost. */
static void expect_every_call_epipe(struct iosurface_client *c, struct iosurface *s, int port) {
	CHECK_ERRNO(iosurface_create_port(s), EPIPE);
	CHECK_ERRNO(iosurface_create_port_read_only(s), EPIPE);
	errno = 0;
	struct iosurface_properties props = {
		.width = 16,
		.height = 16,
		.pixel_format = DRM_FORMAT_ARGB8888,
	};
	CHECK(iosurface_create(c, &props) == NULL);
	CHECK_EQ(errno, EPIPE);
	errno = 0;
	CHECK(iosurface_lookup_from_port(c, port) == NULL);
	CHECK_EQ(errno, EPIPE);
	errno = 0;
	CHECK(iosurface_lookup(c, iosurface_get_id(s)) == NULL);
	CHECK_EQ(errno, EPIPE);
	struct iosurface_value *v = iosurface_value_new_integer(7);
	CHECK_NOT_NULL(v);
	CHECK_ERRNO(iosurface_set_value(s, "k", v), EPIPE);
	iosurface_value_free(v);
	errno = 0;
	CHECK(iosurface_copy_value(s, "k") == NULL);
	CHECK_EQ(errno, EPIPE);
	errno = 0;
	CHECK(iosurface_copy_all_values(s) == NULL);
	CHECK_EQ(errno, EPIPE);
	CHECK_ERRNO(iosurface_remove_value(s, "k"), EPIPE);
	CHECK_ERRNO(iosurface_remove_all_values(s), EPIPE);
	CHECK_ERRNO(iosurface_set_purgeable(s, IOSURFACE_PURGEABLE_VOLATILE, NULL), EPIPE);
	CHECK_ERRNO(iosurface_set_notify(s, IOSURFACE_NOTIFY_NOT_IN_USE, notified, NULL), EPIPE);
	if (iosurface_client_can_display_format(c, iosurface_get_pixel_format(s))) {
		errno = 0;
		CHECK(iosurface_create_wl_buffer(s) == NULL);
		CHECK_EQ(errno, EPIPE);
	}
	CHECK_ERRNO(iosurface_client_dispatch(c), EPIPE);
	CHECK_ERRNO(iosurface_client_roundtrip(c), EPIPE);
	// What needs no compositor still works on the mapping.
	CHECK_EQ(iosurface_lock(s, 0, NULL), 0);
	CHECK_EQ(iosurface_unlock(s, 0, NULL), 0);
	CHECK_EQ(check_pattern(s, 3), 0);
	CHECK(!sigpipe_pending());
}

TEST(compositor_killed_every_call_says_epipe_and_no_signal) {
	default_sigpipe();
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct iosurface_client *c = connect_client();
	struct iosurface *s = create_bgra(c, 32, 32);
	fill_pattern(s, 3);
	iosurface_increment_use_count(s);
	int port = iosurface_create_port(s);
	CHECK_GE(port, 0);
	CHECK_EQ(iosurface_client_roundtrip(c), 0);
	CHECK_EQ(iosurface_get_global_use_count(s), 2);
	kill_compositor(hc);

	// The first call after the death writes into a port whose reader is gone: the write
	// fails with EPIPE, and the SIGPIPE it makes must not reach this process.
	CHECK_ERRNO(iosurface_create_port(s), EPIPE);
	CHECK(!sigpipe_pending());
	CHECK(!sigpipe_blocked());
	expect_every_call_epipe(c, s, port);

	// The compositor's figures went with it, and the port with them: only this process's
	// share is known.
	CHECK_EQ(iosurface_get_use_count(s), 1);
	CHECK_EQ(iosurface_get_global_use_count(s), 1);
	CHECK(iosurface_is_in_use(s));
	iosurface_decrement_use_count(s);
	CHECK_EQ(iosurface_get_global_use_count(s), 0);
	CHECK(!iosurface_is_in_use(s));
	iosurface_increment_use_count(s);
	CHECK(iosurface_is_in_use(s));
	iosurface_decrement_use_count(s);
	close(port);
	iosurface_unref(s);
	iosurface_client_destroy(c);
}

TEST(pending_sigpipe_of_the_application_is_left_alone) {
	default_sigpipe();
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct iosurface_client *c = connect_client();
	struct iosurface *s = create_bgra(c, 16, 16);
	kill_compositor(hc);
	// The application blocks SIGPIPE and has one pending: the library must neither eat it
	// nor unblock it.
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	CHECK_EQ(sigprocmask(SIG_BLOCK, &set, NULL), 0);
	CHECK_EQ(raise(SIGPIPE), 0);
	CHECK(sigpipe_pending());
	CHECK_ERRNO(iosurface_create_port(s), EPIPE);
	CHECK(sigpipe_pending());
	CHECK(sigpipe_blocked());
	const struct timespec now = { 0, 0 };
	CHECK_EQ(sigtimedwait(&set, NULL, &now), SIGPIPE);
	CHECK(!sigpipe_pending());
	// Blocked by the application and none pending: the one the library's write makes is
	// taken back, and SIGPIPE stays blocked.
	CHECK_ERRNO(iosurface_create_port_read_only(s), EPIPE);
	CHECK(!sigpipe_pending());
	CHECK(sigpipe_blocked());
	CHECK_EQ(sigprocmask(SIG_UNBLOCK, &set, NULL), 0);
	iosurface_unref(s);
	iosurface_client_destroy(c);
}

static void registry_global(void *data, struct wl_registry *registry, uint32_t name,
		const char *interface, uint32_t version) {
}

static void registry_global_remove(void *data, struct wl_registry *registry, uint32_t name) {
}

static const struct wl_registry_listener registry_listener = {
	.global = registry_global,
	.global_remove = registry_global_remove,
};

TEST(shared_display_after_the_applications_protocol_error) {
	default_sigpipe();
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct wl_display *display = wl_display_connect(NULL);
	CHECK_NOT_NULL(display);
	struct iosurface_client *c = iosurface_client_create(display);
	CHECK_NOT_NULL(c);
	struct iosurface *s = create_bgra(c, 32, 32);
	fill_pattern(s, 3);
	iosurface_increment_use_count(s);
	int port = iosurface_create_port(s);
	CHECK_GE(port, 0);
	CHECK_EQ(iosurface_client_roundtrip(c), 0);
	// The application binds a global that does not exist: a protocol error, and the
	// compositor drops the whole connection, the library's objects with it.
	struct wl_registry *registry = wl_display_get_registry(display);
	wl_registry_add_listener(registry, &registry_listener, NULL);
	struct wl_proxy *bogus = wl_registry_bind(registry, 0xfffffff0u, &wl_registry_interface, 1);
	CHECK_EQ(wl_display_roundtrip(display), -1);
	CHECK_NE(wl_display_get_error(display), 0);
	expect_every_call_epipe(c, s, port);
	CHECK_EQ(iosurface_get_global_use_count(s), 1);
	iosurface_decrement_use_count(s);
	CHECK(!iosurface_is_in_use(s));
	close(port);
	iosurface_unref(s);
	iosurface_client_destroy(c);
	wl_proxy_destroy(bogus);
	wl_registry_destroy(registry);
	wl_display_disconnect(display);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

int main(int argc, char **argv) {
	return harness_main(argc, argv);
}
