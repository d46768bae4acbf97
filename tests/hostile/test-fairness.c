/*
 * Fair sharing: every per-client resource has a cap, exceeding it is a failed event, a refused
 * set_value or a protocol error whose message names the cap, and while one hostile client
 * sits at a cap and keeps pressing against it, a second client, in another process, keeps
 * creating surfaces and handing them over. Caps on params, value bytes and descriptors count
 * the connections of one process together. No timing is asserted here: bench/bench-fair.c
 * measures the round trips.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hostile.h"

#define SLOT_USE_COUNT 0
#define SLOT_SELF_COUNTED 1

static uint32_t slot_word(struct hostile_conn *c, struct hostile_surface *s, int word) {
	uint32_t *pool = mmap(NULL, c->pool_size, PROT_READ, MAP_SHARED, c->pool_fd, 0);
	CHECK(pool != MAP_FAILED);
	uint32_t v = __atomic_load_n(&pool[s->slot * 8 + word], __ATOMIC_ACQUIRE);
	munmap(pool, c->pool_size);
	return v;
}

static void close_memory(struct hostile_surface *s) {
	for (int i = 0; i < 2; i++) {
		if (s->mem_fd[i] >= 0) {
			close(s->mem_fd[i]);
			s->mem_fd[i] = -1;
		}
	}
}

static void expect_message_names(struct hostile_surface *s, const char *cap) {
	if (strstr(s->message, cap) == NULL) {
		FAIL("the failure message \"%s\" does not name %s", s->message, cap);
	}
}

static struct hostile_surface *redeem(struct hostile_conn *c, int port) {
	struct hostile_surface *r = hostile_surface_wrap(c,
			iosurface_manager_v1_redeem_port(c->manager, port));
	hostile_roundtrip(c);
	return r;
}

/* A surface of c and a port bound to it; the caller closes the port. */
static struct hostile_surface *create_with_port(struct hostile_conn *c, int *port) {
	struct hostile_surface *s = hostile_create_ok(c, 32, 32);
	uint32_t serial;
	*port = hostile_take_port(c, &serial);
	iosurface_v1_bind_port(s->proxy, serial, 0);
	hostile_roundtrip(c);
	return s;
}

/* One create and one handoff to another connection, both of which must succeed. */
static void create_and_hand_over(struct hostile_conn *a, struct hostile_conn *b) {
	int port;
	struct hostile_surface *s = create_with_port(a, &port);
	struct hostile_surface *r = redeem(b, port);
	if (!r->done) {
		FAIL("the handoff of surface %u failed: reason %u: %s", s->id, r->reason, r->message);
	}
	CHECK_EQ(r->id, s->id);
	close(port);
	hostile_surface_destroy(r);
	hostile_surface_destroy(s);
	hostile_roundtrip(a);
	hostile_roundtrip(b);
}

static void run_in_child(int (*fn)(void *), void *data) {
	fflush(NULL);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		_exit(fn(data));
	}
	int status = harness_wait_pid(pid, 60000);
	if (status != 0) {
		FAIL("the other process ended with %d", status);
	}
}

/* Redeems the port *data in a process of its own, which must succeed. */
static int redeem_in_child(void *data) {
	int port = *(int *)data;
	struct hostile_conn *c = hostile_connect();
	struct hostile_surface *r = redeem(c, port);
	if (!r->done) {
		FAIL("another process's redeem failed: reason %u: %s", r->reason, r->message);
	}
	hostile_surface_destroy(r);
	hostile_roundtrip(c);
	hostile_disconnect(c);
	return 0;
}

/* ---- Use counts through per-client holder records ---- */

TEST(a_clients_share_counts_once_whatever_its_handles) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct hostile_conn *a = hostile_connect();
	struct hostile_conn *b = hostile_connect();
	int port;
	struct hostile_surface *s = create_with_port(a, &port);
	struct hostile_surface *h1 = redeem(a, port);
	struct hostile_surface *h2 = redeem(a, port);
	struct hostile_surface *hb = redeem(b, port);
	CHECK(h1->done && h2->done && hb->done);
	// The port alone.
	CHECK_EQ(slot_word(a, s, SLOT_USE_COUNT), 1);
	iosurface_v1_set_in_use(h1->proxy, 1);
	iosurface_v1_set_in_use(h2->proxy, 1);
	hostile_roundtrip(a);
	struct hostile_surface *mine[3] = { s, h1, h2 };
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(slot_word(a, mine[i], SLOT_USE_COUNT), 2);
		CHECK_EQ(slot_word(a, mine[i], SLOT_SELF_COUNTED), 1);
	}
	CHECK_EQ(slot_word(b, hb, SLOT_USE_COUNT), 2);
	CHECK_EQ(slot_word(b, hb, SLOT_SELF_COUNTED), 0);
	iosurface_v1_set_in_use(hb->proxy, 1);
	hostile_roundtrip(b);
	CHECK_EQ(slot_word(a, s, SLOT_USE_COUNT), 3);
	// One of two handles out of use: the share stays.
	iosurface_v1_set_in_use(h1->proxy, 0);
	hostile_roundtrip(a);
	CHECK_EQ(slot_word(a, s, SLOT_USE_COUNT), 3);
	CHECK_EQ(slot_word(a, h1, SLOT_SELF_COUNTED), 1);
	// The last in-use handle destroyed: the share goes, in every slot.
	hostile_surface_destroy(h2);
	hostile_roundtrip(a);
	CHECK_EQ(slot_word(a, s, SLOT_USE_COUNT), 2);
	CHECK_EQ(slot_word(a, h1, SLOT_SELF_COUNTED), 0);
	CHECK_EQ(slot_word(b, hb, SLOT_USE_COUNT), 2);
	// The other client leaves: its share goes.
	hostile_surface_destroy(hb);
	hostile_roundtrip(b);
	hostile_disconnect(b);
	hostile_roundtrip(a);
	CHECK_EQ(slot_word(a, s, SLOT_USE_COUNT), 1);
	// A handle made now starts with what the others see.
	struct hostile_surface *h3 = redeem(a, port);
	CHECK_EQ(slot_word(a, h3, SLOT_USE_COUNT), 1);
	iosurface_v1_set_in_use(h3->proxy, 1);
	hostile_roundtrip(a);
	CHECK_EQ(slot_word(a, h1, SLOT_USE_COUNT), 2);
	CHECK_EQ(slot_word(a, h3, SLOT_SELF_COUNTED), 1);
	close(port);
	hostile_surface_destroy(h3);
	hostile_surface_destroy(h1);
	hostile_surface_destroy(s);
	hostile_roundtrip(a);
	hostile_disconnect(a);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

/* ---- Each cap, alone ---- */

TEST(handles_beyond_the_default_cap_on_one_surface_are_failed_quota_count) {
	// Redeeming its own port again and again, a client could hold 16,384 objects of one
	// surface, each a slot the compositor writes whenever the surface's use count changes.
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct hostile_conn *c = hostile_connect();
	int port;
	struct hostile_surface *s = create_with_port(c, &port);
	static struct hostile_surface *h[300];
	int held = 1;
	struct hostile_surface *refused = NULL;
	while (held < 300 && refused == NULL) {
		struct hostile_surface *r = redeem(c, port);
		if (r->done) {
			close_memory(r);
			h[held++] = r;
		} else {
			refused = r;
		}
	}
	CHECK_NOT_NULL(refused);
	CHECK_EQ(held, 256);
	hostile_expect_failed(refused, IOSURFACE_V1_FAILURE_QUOTA_COUNT);
	expect_message_names(refused, "max_handles_per_surface");
	hostile_surface_destroy(refused);
	// The cap is per surface and per process: another connection of this process is
	// refused too, another surface and another process are free.
	struct hostile_conn *b = hostile_connect();
	struct hostile_surface *hb = redeem(b, port);
	hostile_expect_failed(hb, IOSURFACE_V1_FAILURE_QUOTA_COUNT);
	hostile_surface_destroy(hb);
	struct hostile_surface *other = hostile_create_ok(c, 16, 16);
	run_in_child(redeem_in_child, &port);
	// One given back, one more allowed.
	hostile_surface_destroy(h[held - 1]);
	hostile_roundtrip(c);
	h[held - 1] = redeem(c, port);
	CHECK(h[held - 1]->done);
	for (int i = 1; i < held; i++) {
		hostile_surface_destroy(h[i]);
	}
	// Given back, to every connection of the process.
	hostile_roundtrip(c);
	hb = redeem(b, port);
	CHECK(hb->done);
	hostile_surface_destroy(hb);
	hostile_roundtrip(b);
	hostile_disconnect(b);
	hostile_surface_destroy(other);
	hostile_surface_destroy(s);
	close(port);
	hostile_roundtrip(c);
	hostile_disconnect(c);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

TEST(lookup_beyond_the_handle_cap_is_failed_quota_count) {
	struct harness_compositor *hc = harness_compositor_start(
			HOSTILE_ARGS("--max-handles-per-surface", "2", "--allow-global-lookup"));
	struct hostile_conn *c = hostile_connect();
	struct iosurface_params_v1 *p = iosurface_manager_v1_create_params(c->manager);
	iosurface_params_v1_set_size(p, 16, 16);
	iosurface_params_v1_set_format(p, DRM_FORMAT_ARGB8888);
	iosurface_params_v1_set_flags(p, IOSURFACE_PARAMS_V1_FLAGS_GLOBAL);
	struct hostile_surface *s = hostile_surface_wrap(c, iosurface_params_v1_create(p));
	iosurface_params_v1_destroy(p);
	hostile_roundtrip(c);
	CHECK(s->done);
	struct hostile_surface *l1 = hostile_surface_wrap(c,
			iosurface_manager_v1_lookup(c->manager, s->id));
	struct hostile_surface *l2 = hostile_surface_wrap(c,
			iosurface_manager_v1_lookup(c->manager, s->id));
	hostile_roundtrip(c);
	CHECK(l1->done);
	hostile_expect_failed(l2, IOSURFACE_V1_FAILURE_QUOTA_COUNT);
	expect_message_names(l2, "max_handles_per_surface");
	hostile_surface_destroy(l2);
	hostile_surface_destroy(l1);
	hostile_surface_destroy(s);
	hostile_roundtrip(c);
	hostile_disconnect(c);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

TEST(params_beyond_the_cap_of_a_process_are_too_many_params) {
	struct harness_compositor *hc = harness_compositor_start(HOSTILE_ARGS("--max-params", "16"));
	// Two connections of one process share the cap.
	struct hostile_conn *a = hostile_connect();
	struct hostile_conn *b = hostile_connect();
	struct iosurface_params_v1 *pa[10], *pb[7];
	for (int i = 0; i < 10; i++) {
		pa[i] = iosurface_manager_v1_create_params(a->manager);
	}
	hostile_roundtrip(a);
	for (int i = 0; i < 5; i++) {
		pb[i] = iosurface_manager_v1_create_params(b->manager);
	}
	hostile_roundtrip(b);
	// A params object used and destroyed is given back: creates go on at 15 of 16.
	struct hostile_surface *s = hostile_create_ok(a, 16, 16);
	struct hostile_surface *s1 = hostile_create_ok(b, 16, 16);
	pb[5] = iosurface_manager_v1_create_params(b->manager);
	hostile_roundtrip(b);
	pb[6] = iosurface_manager_v1_create_params(b->manager);
	hostile_expect_error(b, b->manager, &iosurface_manager_v1_interface,
			IOSURFACE_MANAGER_V1_ERROR_TOO_MANY_PARAMS);
	for (int i = 0; i < 7; i++) {
		wl_proxy_destroy((struct wl_proxy *)pb[i]);
	}
	hostile_surface_destroy(s1);
	hostile_disconnect(b);
	// b's are given back with its connection.
	struct hostile_surface *s2 = hostile_create_ok(a, 16, 16);
	for (int i = 0; i < 10; i++) {
		iosurface_params_v1_destroy(pa[i]);
	}
	hostile_surface_destroy(s2);
	hostile_surface_destroy(s);
	hostile_roundtrip(a);
	hostile_disconnect(a);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

/* Sets 3 KiB values on new surfaces until one is refused; returns the bytes set. */
static long fill_values_until_refused(struct hostile_conn *c, struct hostile_surface **surfaces,
		int *count, int max) {
	struct wl_array value;
	wl_array_init(&value);
	uint8_t *v = wl_array_add(&value, 3072);
	CHECK_NOT_NULL(v);
	v[0] = 's';
	uint32_t len = 3072 - 5;
	for (int b = 0; b < 4; b++) {
		v[1 + b] = (uint8_t)(len >> (8 * b));
	}
	memset(v + 5, 'v', len);
	long total = 0;
	bool refused = false;
	while (!refused && *count < max) {
		struct hostile_surface *s = hostile_create_ok(c, 16, 16);
		close_memory(s);
		surfaces[(*count)++] = s;
		for (int i = 0; i < 16 && !refused; i++) {
			char key[16];
			snprintf(key, sizeof(key), "key-%02d", i);
			iosurface_v1_set_value(s->proxy, key, &value);
			hostile_roundtrip(c);
			refused = s->set_value_failed > 0;
			total += refused ? 0 : (long)(strlen(key) + 3072);
		}
	}
	wl_array_release(&value);
	CHECK(refused);
	return total;
}

TEST(value_bytes_beyond_the_cap_of_a_process_are_set_value_failed) {
	struct harness_compositor *hc = harness_compositor_start(
			HOSTILE_ARGS("--max-value-bytes", "100K"));
	struct hostile_conn *a = hostile_connect();
	struct hostile_conn *b = hostile_connect();
	static struct hostile_surface *s[64];
	int count = 0;
	long total = fill_values_until_refused(a, s, &count, 32);
	CHECK_LE(total, 100 * 1024);
	CHECK_GT(total, 100 * 1024 - 3100);
	// The second connection of the process is refused at once.
	int before = count;
	CHECK_EQ(fill_values_until_refused(b, s, &count, 64), 0);
	CHECK_EQ(count, before + 1);
	// Removing values gives their bytes back, to either connection.
	struct wl_array value;
	wl_array_init(&value);
	uint8_t *v = wl_array_add(&value, 3072);
	v[0] = 's';
	memcpy(v + 1, "\xfb\x0b\0\0", 4);
	memset(v + 5, 'w', 3072 - 5);
	uint32_t failed = s[before]->set_value_failed;
	iosurface_v1_set_value(s[before]->proxy, "again", &value);
	hostile_roundtrip(b);
	CHECK_EQ(s[before]->set_value_failed, failed + 1);
	iosurface_v1_remove_all_values(s[0]->proxy);
	hostile_roundtrip(a);
	iosurface_v1_set_value(s[before]->proxy, "again", &value);
	hostile_roundtrip(b);
	CHECK_EQ(s[before]->set_value_failed, failed + 1);
	wl_array_release(&value);
	for (int i = 0; i < count; i++) {
		hostile_surface_destroy(s[i]);
	}
	hostile_roundtrip(a);
	hostile_roundtrip(b);
	hostile_disconnect(b);
	hostile_disconnect(a);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

/* Creates surfaces through c until one fails; returns how many were made. */
static int create_until_refused(struct hostile_conn *c, struct hostile_surface **s, int max,
		struct hostile_surface **refused) {
	int made = 0;
	while (made < max) {
		struct hostile_surface *x = hostile_create(c, 16, 16, DRM_FORMAT_ARGB8888, 0);
		if (!x->done) {
			*refused = x;
			return made;
		}
		close_memory(x);
		s[made++] = x;
	}
	*refused = NULL;
	return made;
}

static int victim_child(void *data) {
	struct hostile_conn *a = hostile_connect();
	struct hostile_conn *b = hostile_connect();
	for (int i = 0; i < 10; i++) {
		create_and_hand_over(a, b);
	}
	hostile_disconnect(b);
	hostile_disconnect(a);
	return 0;
}

TEST(descriptors_of_one_process_over_five_connections_stop_at_its_share) {
	// Each connection's stock of 16 ports and 16 tickets (each holds the descriptor of the
	// surface it may become) takes descriptors too: 5 x 32 of the 250.
	struct harness_compositor *hc = harness_compositor_start(
			HOSTILE_ARGS("--max-fds-per-process", "250"));
	int baseline = hostile_settled_fd_count(hc);
	struct hostile_conn *c[5];
	static struct hostile_surface *s[5][200];
	int made[5], total = 0;
	struct hostile_surface *refused = NULL;
	for (int i = 0; i < 5; i++) {
		c[i] = hostile_connect();
	}
	for (int i = 0; i < 5; i++) {
		made[i] = create_until_refused(c[i], s[i], 200, &refused);
		total += made[i];
		CHECK_NOT_NULL(refused);
		hostile_expect_failed(refused, IOSURFACE_V1_FAILURE_QUOTA_COUNT);
		expect_message_names(refused, "max_fds_per_process");
		hostile_surface_destroy(refused);
	}
	// A create reserves two descriptors (a GBM surface keeps both), so the last one of the
	// share may stay unused.
	CHECK_GE(total, 250 - 5 * 32 - 1);
	CHECK_LE(total, 250 - 5 * 32);
	// Another process is served in full: creates and handoffs.
	run_in_child(victim_child, NULL);
	// One connection gone, its descriptors come back to the process.
	for (int i = 0; i < made[4]; i++) {
		hostile_surface_destroy(s[4][i]);
	}
	hostile_disconnect(c[4]);
	hostile_roundtrip(c[0]);
	int more = create_until_refused(c[0], s[0] + made[0], 200 - made[0], &refused);
	CHECK_EQ(more, made[4] + 32);
	hostile_surface_destroy(refused);
	made[0] += more;
	for (int i = 0; i < 4; i++) {
		for (int j = 0; j < made[i]; j++) {
			hostile_surface_destroy(s[i][j]);
		}
		hostile_roundtrip(c[i]);
		hostile_disconnect(c[i]);
	}
	if (hostile_wait_fd_count(hc, baseline, 2000) != baseline) {
		FAIL("the compositor's descriptors did not come back to %d", baseline);
	}
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

/* ---- A second client served while a hostile one sits at each cap ---- */

enum cap {
	CAP_HANDLES,
	CAP_PARAMS,
	CAP_VALUES,
	CAP_FDS,
};

struct pressing {
	enum cap cap;
	int ready_fd; /* one byte when at the cap */
};

/* Fills the cap, says so, then presses against it until killed. */
static int hostile_child(void *data) {
	struct pressing *p = data;
	struct hostile_conn *c = hostile_connect();
	struct hostile_surface *refused = NULL;
	int port;
	struct hostile_surface *s = NULL;
	switch (p->cap) {
	case CAP_HANDLES: {
		s = create_with_port(c, &port);
		for (int held = 1; refused == NULL; held++) {
			struct hostile_surface *r = redeem(c, port);
			if (!r->done) {
				refused = r;
			}
			close_memory(r);
			CHECK_LE(held, 64);
		}
		hostile_expect_failed(refused, IOSURFACE_V1_FAILURE_QUOTA_COUNT);
		break;
	}
	case CAP_PARAMS:
		for (int i = 0; i < 64; i++) {
			iosurface_manager_v1_create_params(c->manager);
		}
		hostile_roundtrip(c);
		break;
	case CAP_VALUES: {
		static struct hostile_surface *v[64];
		int count = 0;
		fill_values_until_refused(c, v, &count, 64);
		s = v[count - 1];
		break;
	}
	case CAP_FDS: {
		static struct hostile_surface *x[5][200];
		struct hostile_conn *more[4];
		for (int i = 0; i < 4; i++) {
			more[i] = hostile_connect();
		}
		create_until_refused(c, x[0], 200, &refused);
		CHECK_NOT_NULL(refused);
		for (int i = 0; i < 4; i++) {
			create_until_refused(more[i], x[i + 1], 200, &refused);
			CHECK_NOT_NULL(refused);
		}
		break;
	}
	}
	char byte = 'r';
	CHECK_EQ(write(p->ready_fd, &byte, 1), 1);
	for (uint32_t n = 0;; n++) {
		switch (p->cap) {
		case CAP_HANDLES:
			// Every toggle changes the client's share: the use count every holder sees.
			iosurface_v1_set_in_use(s->proxy, n & 1);
			break;
		case CAP_PARAMS:
			hostile_roundtrip(c);
			break;
		case CAP_VALUES: {
			struct wl_array value;
			wl_array_init(&value);
			uint8_t *v = wl_array_add(&value, 9);
			memcpy(v, "s\4\0\0\0abcd", 9);
			char key[16];
			snprintf(key, sizeof(key), "more-%u", n % 32);
			iosurface_v1_set_value(s->proxy, key, &value);
			wl_array_release(&value);
			break;
		}
		case CAP_FDS: {
			struct hostile_surface *x = hostile_create(c, 16, 16, DRM_FORMAT_ARGB8888, 0);
			CHECK(!x->done);
			hostile_surface_destroy(x);
			break;
		}
		}
		if (n % 16 == 15) {
			hostile_roundtrip(c);
		}
	}
	return 0;
}

static void served_beside(enum cap cap, const char *const *args) {
	struct harness_compositor *hc = harness_compositor_start(args);
	int pipefd[2];
	CHECK_EQ(pipe(pipefd), 0);
	struct pressing p = { .cap = cap, .ready_fd = pipefd[1] };
	fflush(NULL);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		close(pipefd[0]);
		_exit(hostile_child(&p));
	}
	close(pipefd[1]);
	char byte;
	if (read(pipefd[0], &byte, 1) != 1) {
		FAIL("the hostile client ended before it reached its cap");
	}
	close(pipefd[0]);
	struct hostile_conn *a = hostile_connect();
	struct hostile_conn *b = hostile_connect();
	for (int i = 0; i < 20; i++) {
		create_and_hand_over(a, b);
		CHECK_EQ(harness_wait_pid(pid, 0), -ETIMEDOUT);
	}
	hostile_disconnect(b);
	hostile_disconnect(a);
	harness_stop_pid(pid, SIGKILL, 5000);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

TEST(second_client_served_beside_one_at_the_handle_cap) {
	served_beside(CAP_HANDLES, HOSTILE_ARGS("--max-handles-per-surface", "32"));
}

TEST(second_client_served_beside_one_at_the_params_cap) {
	served_beside(CAP_PARAMS, HOSTILE_ARGS("--max-params", "64"));
}

TEST(second_client_served_beside_one_at_the_value_bytes_cap) {
	served_beside(CAP_VALUES, HOSTILE_ARGS("--max-value-bytes", "64K"));
}

TEST(second_client_served_beside_one_at_its_descriptor_share) {
	served_beside(CAP_FDS, HOSTILE_ARGS("--max-fds-per-process", "160"));
}

int main(int argc, char **argv) {
	return harness_main(argc, argv);
}
