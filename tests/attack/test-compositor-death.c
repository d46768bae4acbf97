/*
 * attack-compositor-death: the compositor SIGKILLed while threads are blocked in library
 * calls that wait on it, and every call made after it is gone. Every call must return an
 * error (-EPIPE, or NULL with errno EPIPE), nothing may hang, and no signal may reach the
 * application: SIGPIPE keeps its default action here, so a write to a dead pipe or socket
 * ends the test process and fails the test.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <wayland-client.h>

#include "attack.h"
#include "client-private.h"
#include "e2e-util.h"

enum call {
	CALL_CREATE,
	CALL_SET_VALUE,
	CALL_COPY_VALUE,
	CALL_ROUNDTRIP,
	CALL_LOOKUP_UNBOUND, // a port whose binding never arrives
	CALL_LOOKUP_BOUND,
	CALL_CREATE_OTHER_CLIENT,
	CALL_COUNT,
};

static const char *const call_names[] = {
	[CALL_CREATE] = "iosurface_create",
	[CALL_SET_VALUE] = "iosurface_set_value",
	[CALL_COPY_VALUE] = "iosurface_copy_value",
	[CALL_ROUNDTRIP] = "iosurface_client_roundtrip",
	[CALL_LOOKUP_UNBOUND] = "iosurface_lookup_from_port (binding never sent)",
	[CALL_LOOKUP_BOUND] = "iosurface_lookup_from_port",
	[CALL_CREATE_OTHER_CLIENT] = "iosurface_create (second client)",
};

struct blocked {
	enum call call;
	struct iosurface_client *client;
	struct iosurface *surface;
	int port;
	pthread_t thread;
	atomic_bool returned;
	int ret; // 0 or a negative errno; for constructors -errno, or 1 if one was returned
};

static void *blocked_thread(void *data) {
	struct blocked *b = data;
	// Global: such a surface is created through the compositor (one round trip), which is
	// what this call must be blocked in; others need none.
	struct iosurface_properties props = { .width = 32, .height = 32, .pixel_format = 0x34325241,
		.global = true };
	struct iosurface *made = NULL;
	struct iosurface_value *v;
	errno = 0;
	switch (b->call) {
	case CALL_CREATE:
	case CALL_CREATE_OTHER_CLIENT:
		made = iosurface_create(b->client, &props);
		b->ret = made != NULL ? 1 : -errno;
		break;
	case CALL_SET_VALUE:
		v = iosurface_value_new_integer(42);
		b->ret = iosurface_set_value(b->surface, "answer", v);
		iosurface_value_free(v);
		break;
	case CALL_COPY_VALUE:
		v = iosurface_copy_value(b->surface, "answer");
		b->ret = v != NULL ? 1 : -errno;
		iosurface_value_free(v);
		break;
	case CALL_ROUNDTRIP:
		b->ret = iosurface_client_roundtrip(b->client);
		break;
	case CALL_LOOKUP_UNBOUND:
	case CALL_LOOKUP_BOUND:
		made = iosurface_lookup_from_port(b->client, b->port);
		b->ret = made != NULL ? 1 : -errno;
		break;
	case CALL_COUNT:
		break;
	}
	if (made != NULL) {
		iosurface_unref(made);
	}
	atomic_store(&b->returned, true);
	return NULL;
}

/* An unbound port of c's stock, taken out of it: no record, no bind_port will ever come. */
static int take_unbound_port(struct iosurface_client *c) {
	CHECK_EQ(iosurface_client_roundtrip(c), 0);
	client_lock(c);
	size_t count = c->ports.size / sizeof(struct stock_port);
	int fd = -1;
	if (count > 0) {
		struct stock_port *ports = c->ports.data;
		fd = ports[count - 1].fd;
		c->ports.size -= sizeof(struct stock_port);
	}
	client_unlock(c);
	if (fd < 0) {
		SETUP_FAIL("the client holds no unbound port");
	}
	return fd;
}

static void kill_compositor(struct harness_compositor *hc) {
	CHECK_EQ(kill(harness_compositor_pid(hc), SIGKILL), 0);
	int status = harness_compositor_stop_status(hc);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

TEST(blocked_calls_return_epipe) {
	signal(SIGPIPE, SIG_DFL);
	struct harness_compositor *hc = harness_compositor_start(NULL);
	pid_t pid = harness_compositor_pid(hc);
	struct iosurface_client *a = connect_client(), *b = connect_client();
	struct iosurface *s = create_bgra(a, 64, 64);
	int bound_port = iosurface_create_port(s);
	CHECK_GE(bound_port, 0);
	int unbound_port = take_unbound_port(a);
	CHECK_EQ(iosurface_client_roundtrip(a), 0);

	struct blocked calls[CALL_COUNT];
	for (int i = 0; i < CALL_COUNT; i++) {
		calls[i] = (struct blocked){
			.call = (enum call)i,
			.client = i == CALL_CREATE || i == CALL_SET_VALUE || i == CALL_COPY_VALUE ? a : b,
			.surface = s,
			.port = i == CALL_LOOKUP_UNBOUND ? unbound_port : bound_port,
		};
	}
	// The redeem of a port whose binding never comes waits in the compositor itself.
	CHECK_EQ(pthread_create(&calls[CALL_LOOKUP_UNBOUND].thread, NULL, blocked_thread,
					 &calls[CALL_LOOKUP_UNBOUND]),
			0);
	// Every other call waits because the compositor is stopped.
	harness_sleep_ms(50);
	CHECK_EQ(kill(pid, SIGSTOP), 0);
	for (int i = 0; i < CALL_COUNT; i++) {
		if (i != CALL_LOOKUP_UNBOUND) {
			CHECK_EQ(pthread_create(&calls[i].thread, NULL, blocked_thread, &calls[i]), 0);
		}
	}
	harness_sleep_ms(300);
	for (int i = 0; i < CALL_COUNT; i++) {
		if (atomic_load(&calls[i].returned)) {
			FAIL("%s returned (%d) before the compositor died: it was not blocked", call_names[i],
					calls[i].ret);
		}
	}
	kill_compositor(hc); // SIGKILL ends a stopped process too

	int64_t deadline = harness_now_ms() + harness_scale_timeout(10000);
	for (int i = 0; i < CALL_COUNT; i++) {
		while (!atomic_load(&calls[i].returned) && harness_now_ms() < deadline) {
			harness_sleep_ms(5);
		}
		if (!atomic_load(&calls[i].returned)) {
			FAIL("%s still blocked 10 s after the compositor died", call_names[i]);
		}
		CHECK_EQ(pthread_join(calls[i].thread, NULL), 0);
	}
	char wrong[1024] = "";
	for (int i = 0; i < CALL_COUNT; i++) {
		if (calls[i].ret != -EPIPE) {
			size_t len = strlen(wrong);
			snprintf(wrong + len, sizeof(wrong) - len, "%s%s gave %d (%s)", len ? "; " : "",
					call_names[i], calls[i].ret,
					calls[i].ret < 0 ? strerror(-calls[i].ret) : "success");
		}
	}
	if (wrong[0] != '\0') {
		FAIL("once the compositor died, expected -EPIPE from every call: %s", wrong);
	}
	close(bound_port);
	close(unbound_port);
	iosurface_unref(s);
	iosurface_client_destroy(b);
	iosurface_client_destroy(a);
}

/*
 * Calls expr (0 or a negative errno; constructors give 1 or -errno) after naming it on stderr,
 * and notes in `wrong` anything but -EPIPE.
 */
#define AFTER_DEATH(name, expr) \
	do { \
		fprintf(stderr, "calling %s\n", #name); \
		errno = 0; \
		long r_ = (long)(expr); \
		if (r_ != -EPIPE) { \
			size_t len_ = strlen(wrong); \
			snprintf(wrong + len_, sizeof(wrong) - len_, "%s%s gave %ld (%s)", len_ ? "; " : "", \
					#name, r_, r_ < 0 ? strerror((int)-r_) : "success"); \
		} \
	} while (0)

/* Every call after the compositor is gone, one by one, in the order an application might. */
TEST(calls_after_death) {
	signal(SIGPIPE, SIG_DFL);
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct iosurface_client *c = connect_client();
	struct iosurface *s = create_bgra(c, 64, 64);
	int old_port = iosurface_create_port(s);
	CHECK_GE(old_port, 0);
	CHECK_EQ(iosurface_client_roundtrip(c), 0);
	kill_compositor(hc);

	// Each call is named on stderr first: a signal that ends the process names its call.
	struct iosurface_properties props = { .width = 32, .height = 32, .pixel_format = 0x34325241 };
	char wrong[1024] = "";
	struct iosurface *got;
	struct iosurface_value *v = iosurface_value_new_string("gone");
	AFTER_DEATH(iosurface_create, (got = iosurface_create(c, &props)) != NULL ? 1 : -errno);
	AFTER_DEATH(iosurface_client_roundtrip, iosurface_client_roundtrip(c));
	AFTER_DEATH(iosurface_set_value, iosurface_set_value(s, "k", v));
	struct iosurface_value *copied = NULL;
	AFTER_DEATH(iosurface_copy_value,
			(copied = iosurface_copy_value(s, "k")) != NULL ? 1 : -errno);
	iosurface_value_free(copied);
	AFTER_DEATH(iosurface_remove_value, iosurface_remove_value(s, "k"));
	AFTER_DEATH(iosurface_lookup_from_port,
			(got = iosurface_lookup_from_port(c, old_port)) != NULL ? 1 : -errno);
	struct wl_buffer *buffer = NULL;
	AFTER_DEATH(iosurface_create_wl_buffer,
			(buffer = iosurface_create_wl_buffer(s)) != NULL ? 1 : -errno);
	if (buffer != NULL) {
		wl_buffer_destroy(buffer);
	}
	// Said now, in case the next calls end the process.
	fprintf(stderr, "so far: %s\n", wrong[0] != '\0' ? wrong : "every call gave -EPIPE");
	// Exporting writes the port's record into a pipe whose reader is dead.
	AFTER_DEATH(iosurface_create_port, iosurface_create_port(s));
	AFTER_DEATH(iosurface_create_port_read_only, iosurface_create_port_read_only(s));
	iosurface_value_free(v);
	if (wrong[0] != '\0') {
		FAIL("once the compositor died, expected -EPIPE from every call: %s", wrong);
	}
	// The memory stays mapped: CPU access goes on without the compositor.
	fill_pattern(s, 3);
	CHECK_EQ(check_pattern(s, 3), 0);
	iosurface_increment_use_count(s);
	iosurface_decrement_use_count(s);
	close(old_port);
	iosurface_unref(s);
	iosurface_client_destroy(c);
}

int main(int argc, char **argv) {
	return harness_main(argc, argv);
}
