/*
 * Ports under attack: forged and foreign descriptors given to redeem_port, records written
 * into ports that name what the writer may not bind, too many ports, and a port flooded with
 * data. None of it may give access to a surface or stall the compositor.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/magic.h>

#include "hostile.h"

#define PORT_MAGIC 0x49535054u
#define BIND_READ_ONLY 1u

/* Redeems fd on conn (the descriptor stays the caller's) and waits for the answer. */
static struct hostile_surface *redeem(struct hostile_conn *conn, int fd) {
	struct hostile_surface *s = hostile_surface_wrap(conn,
			iosurface_manager_v1_redeem_port(conn->manager, fd));
	hostile_roundtrip(conn);
	return s;
}

/* The descriptor is refused with failed unknown_port, and the connection still creates. */
static void expect_forged_refused(struct hostile_conn *c, int fd, const char *what) {
	struct hostile_surface *s = redeem(c, fd);
	if (!s->failed || s->reason != IOSURFACE_V1_FAILURE_UNKNOWN_PORT) {
		const char *got = "nothing";
		if (s->done || s->failed) {
			got = s->done ? "done" : "failed";
		}
		FAIL("redeem_port of %s: expected failed unknown_port, got %s (reason %u)", what, got,
				s->reason);
	}
	hostile_expect_failed(s, IOSURFACE_V1_FAILURE_UNKNOWN_PORT);
	hostile_surface_destroy(s);
	struct hostile_surface *ok = hostile_create_ok(c, 16, 16);
	hostile_surface_destroy(ok);
	hostile_roundtrip(c);
}

typedef int (*forge_fn)(int extra[2]);

/* Starts a compositor (with a live surface and bound port of another client, so that there
 * is something to steal), redeems the forged descriptor, and expects unknown_port. */
static void run_forged(forge_fn forge, const char *what) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct hostile_conn *victim = hostile_connect();
	struct hostile_surface *v = hostile_create_ok(victim, 64, 64);
	uint32_t serial;
	int port = hostile_take_port(victim, &serial);
	iosurface_v1_bind_port(v->proxy, serial, 0);
	hostile_roundtrip(victim);

	struct hostile_conn *c = hostile_connect();
	int extra[2] = { -1, -1 };
	int fd = forge(extra);
	CHECK_GE(fd, 0);
	expect_forged_refused(c, fd, what);
	close(fd);
	for (int i = 0; i < 2; i++) {
		if (extra[i] >= 0) {
			close(extra[i]);
		}
	}
	hostile_disconnect(c);
	close(port);
	hostile_surface_destroy(v);
	hostile_roundtrip(victim);
	hostile_disconnect(victim);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

static int forge_pipe_write_end(int extra[2]) {
	int fds[2];
	CHECK_EQ(pipe2(fds, O_CLOEXEC), 0);
	extra[0] = fds[0];
	return fds[1];
}

TEST(redeem_of_a_pipe_of_our_own_is_unknown_port) {
	run_forged(forge_pipe_write_end, "the write end of a pipe of our own");
}

static int forge_pipe_read_end(int extra[2]) {
	int fds[2];
	CHECK_EQ(pipe2(fds, O_CLOEXEC), 0);
	extra[0] = fds[1];
	return fds[0];
}

TEST(redeem_of_the_read_end_of_a_pipe_is_unknown_port) {
	run_forged(forge_pipe_read_end, "the read end of a pipe of our own");
}

static int forge_regular_file(int extra[2]) {
	char path[] = "/tmp/iosurface-hostile-XXXXXX";
	int fd = mkostemp(path, O_CLOEXEC);
	CHECK_GE(fd, 0);
	unlink(path);
	CHECK_EQ(write(fd, "port", 4), 4);
	return fd;
}

TEST(redeem_of_a_regular_file_is_unknown_port) {
	run_forged(forge_regular_file, "a regular file");
}

static int forge_dev_null(int extra[2]) {
	return open("/dev/null", O_RDWR | O_CLOEXEC);
}

TEST(redeem_of_dev_null_is_unknown_port) {
	run_forged(forge_dev_null, "/dev/null");
}

static int forge_eventfd(int extra[2]) {
	return eventfd(0, EFD_CLOEXEC);
}

TEST(redeem_of_an_eventfd_is_unknown_port) {
	run_forged(forge_eventfd, "an eventfd");
}

static int forge_socket(int extra[2]) {
	int sv[2];
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	extra[0] = sv[1];
	return sv[0];
}

TEST(redeem_of_a_socket_is_unknown_port) {
	run_forged(forge_socket, "a socket");
}

static int forge_named_fifo(int extra[2]) {
	char dir[] = "/tmp/iosurface-hostile-XXXXXX";
	CHECK_NOT_NULL(mkdtemp(dir));
	char path[64];
	snprintf(path, sizeof(path), "%s/fifo", dir);
	CHECK_EQ(mkfifo(path, 0600), 0);
	int fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	unlink(path);
	rmdir(dir);
	return fd;
}

TEST(redeem_of_a_named_fifo_is_unknown_port) {
	run_forged(forge_named_fifo, "a named FIFO");
}

static int forge_memfd(int extra[2]) {
	int fd = memfd_create("not-a-port", MFD_CLOEXEC);
	CHECK_GE(fd, 0);
	CHECK_EQ(ftruncate(fd, 4096), 0);
	return fd;
}

TEST(redeem_of_a_memfd_is_unknown_port) {
	run_forged(forge_memfd, "a memfd");
}

static int forge_epoll(int extra[2]) {
	return epoll_create1(EPOLL_CLOEXEC);
}

TEST(redeem_of_an_epoll_fd_is_unknown_port) {
	run_forged(forge_epoll, "an epoll descriptor");
}

static int forge_directory(int extra[2]) {
	return open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

TEST(redeem_of_a_directory_is_unknown_port) {
	run_forged(forge_directory, "a directory");
}

TEST(redeem_of_descriptors_the_compositor_sent_is_unknown_port) {
	// The state pool and a surface's memory come from the compositor but are not ports.
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct hostile_conn *c = hostile_connect();
	struct hostile_surface *s = hostile_create_ok(c, 32, 32);
	expect_forged_refused(c, c->pool_fd, "the state pool");
	expect_forged_refused(c, s->mem_fd[0], "a surface's memory");
	expect_forged_refused(c, wl_display_get_fd(c->display), "the Wayland socket");
	hostile_surface_destroy(s);
	hostile_roundtrip(c);
	hostile_disconnect(c);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

TEST(redeem_of_a_port_of_another_compositor_is_unknown_port) {
	struct harness_compositor *first = harness_compositor_start(NULL);
	char first_socket[4096];
	snprintf(first_socket, sizeof(first_socket), "%s/%s", harness_compositor_runtime_dir(first),
			harness_compositor_socket(first));
	struct harness_compositor *second = harness_compositor_start(NULL);

	// A bound port of the first compositor...
	struct hostile_conn *a = hostile_connect_to(first_socket);
	struct hostile_surface *s = hostile_create_ok(a, 64, 64);
	uint32_t serial;
	int port = hostile_take_port(a, &serial);
	iosurface_v1_bind_port(s->proxy, serial, 0);
	hostile_roundtrip(a);
	// ...means nothing to the second.
	struct hostile_conn *b = hostile_connect();
	expect_forged_refused(b, port, "a port of another compositor");
	// An unbound one neither (and it is not waited for).
	int unbound = hostile_take_port(a, NULL);
	int64_t start = harness_now_ms();
	expect_forged_refused(b, unbound, "an unbound port of another compositor");
	CHECK_LT(harness_now_ms() - start, 2000);
	close(unbound);
	hostile_disconnect(b);

	close(port);
	hostile_surface_destroy(s);
	hostile_roundtrip(a);
	hostile_disconnect(a);
	hostile_check_serving(second);
	CHECK_EQ(harness_compositor_stop(second), 0);
	hostile_check_serving(first);
	CHECK_EQ(harness_compositor_stop(first), 0);
}

/* ---- Unbound ports ---- */

TEST(redeem_of_a_port_never_bound_fails_after_the_wait) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct hostile_conn *issuer = hostile_connect();
	uint32_t serial;
	int port = hostile_take_port(issuer, &serial);
	struct hostile_conn *c = hostile_connect();
	int64_t start = harness_now_ms();
	struct hostile_surface *s = redeem(c, port);
	CHECK(!s->done && !s->failed);
	// The connection serves other requests while the redeem waits.
	struct hostile_surface *ok = hostile_create_ok(c, 16, 16);
	hostile_surface_destroy(ok);
	while (!s->failed && !s->done && harness_now_ms() - start < harness_scale_timeout(15000)) {
		hostile_roundtrip_within(c, 100);
	}
	int64_t waited = harness_now_ms() - start;
	hostile_expect_failed(s, IOSURFACE_V1_FAILURE_UNKNOWN_PORT);
	CHECK_GE(waited, 4500);
	hostile_surface_destroy(s);
	hostile_roundtrip(c);
	hostile_disconnect(c);
	close(port);
	hostile_roundtrip(issuer);
	hostile_disconnect(issuer);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

TEST(redeem_waiting_for_a_port_whose_issuer_leaves_is_unknown_port) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct hostile_conn *issuer = hostile_connect();
	struct hostile_surface *mine = hostile_create_ok(issuer, 16, 16);
	int port = hostile_take_port(issuer, NULL);
	struct hostile_conn *c = hostile_connect();
	struct hostile_surface *s = redeem(c, port);
	CHECK(!s->done && !s->failed);
	int64_t start = harness_now_ms();
	hostile_surface_destroy(mine);
	hostile_disconnect(issuer);
	while (!s->failed && !s->done && harness_now_ms() - start < harness_scale_timeout(10000)) {
		hostile_roundtrip_within(c, 100);
	}
	hostile_expect_failed(s, IOSURFACE_V1_FAILURE_UNKNOWN_PORT);
	CHECK_LT(harness_now_ms() - start, 4000);
	// Our copy of the port is as dead as the others.
	hostile_surface_destroy(s);
	s = redeem(c, port);
	hostile_expect_failed(s, IOSURFACE_V1_FAILURE_UNKNOWN_PORT);
	hostile_surface_destroy(s);
	close(port);
	hostile_roundtrip(c);
	hostile_disconnect(c);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

TEST(redeem_waiting_then_destroyed_or_disconnected_is_harmless) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct hostile_conn *issuer = hostile_connect();
	struct hostile_surface *mine = hostile_create_ok(issuer, 16, 16);
	uint32_t serial;
	int port = hostile_take_port(issuer, &serial);
	// One waiter destroys its object, another disconnects, while both wait.
	struct hostile_conn *c1 = hostile_connect();
	struct hostile_surface *w1 = redeem(c1, port);
	struct hostile_conn *c2 = hostile_connect();
	struct hostile_surface *w2 = redeem(c2, port);
	struct hostile_surface *w2b = redeem(c2, port);
	CHECK(!w1->done && !w2->done && !w2b->done);
	hostile_surface_destroy(w1);
	hostile_roundtrip(c1);
	hostile_surface_destroy(w2);
	hostile_surface_destroy(w2b);
	hostile_disconnect(c2);
	// A later waiter still gets the surface once it is bound.
	struct hostile_surface *w3 = redeem(c1, port);
	iosurface_v1_bind_port(mine->proxy, serial, 0);
	hostile_roundtrip(issuer);
	hostile_roundtrip(c1);
	CHECK(w3->done);
	CHECK_EQ(w3->id, mine->id);
	hostile_surface_destroy(w3);
	hostile_roundtrip(c1);
	hostile_disconnect(c1);
	close(port);
	hostile_surface_destroy(mine);
	hostile_roundtrip(issuer);
	hostile_disconnect(issuer);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

/* ---- Records written into ports ---- */

/* Writes a record with the port's true key: the issuer's own, as far as the tag goes. */
static void write_record(int port, uint32_t magic, uint32_t serial, const uint8_t key[16],
		uint32_t id, uint32_t slot, uint32_t flags) {
	uint8_t rec[HOSTILE_RECORD_SIZE];
	hostile_encode_record(rec, magic, serial, key, id, slot, flags);
	CHECK_EQ(write(port, rec, sizeof(rec)), (ssize_t)sizeof(rec));
}

enum record_tag {
	TAG_TRUE, /* under the port's key */
	TAG_OTHER_PORT, /* under the key of another port of ours */
	TAG_FLIPPED, /* under the port's key, then one bit of it flipped */
	TAG_OTHER_SERIAL, /* under the port's key, for another serial */
};

struct record_case {
	const char *what;
	uint32_t magic;
	int id_of; /* 0: the victim's surface id, 1: ours, 2: 999999 */
	int slot_of; /* 0: the victim's slot, 1: ours, 2: 0xffffffff, 3: a slot never used */
	uint32_t flags;
	bool through_read_only; /* our object is a read-only one */
	enum record_tag tag;
};

static const struct record_case record_cases[] = {
	{ "another client's surface id in our slot", PORT_MAGIC, 0, 1, 0, false, TAG_TRUE },
	{ "an id of no surface", PORT_MAGIC, 2, 1, 0, false, TAG_TRUE },
	{ "a slot index out of range", PORT_MAGIC, 1, 2, 0, false, TAG_TRUE },
	{ "a slot never allocated", PORT_MAGIC, 1, 3, 0, false, TAG_TRUE },
	{ "a wrong magic", 0x12345678u, 1, 1, 0, false, TAG_TRUE },
	{ "unknown flags", PORT_MAGIC, 1, 1, 6, false, TAG_TRUE },
	{ "write access through a read-only object", PORT_MAGIC, 1, 1, 0, true, TAG_TRUE },
	{ "a tag made with another port's key", PORT_MAGIC, 1, 1, 0, false, TAG_OTHER_PORT },
	{ "a tag with one bit flipped", PORT_MAGIC, 1, 1, 0, false, TAG_FLIPPED },
	{ "a tag made for another serial", PORT_MAGIC, 1, 1, 0, false, TAG_OTHER_SERIAL },
};

/*
 * The victim has a surface; we hold our own surface (or a read-only one of the victim's) and
 * bind one of our ports by a record naming what we may not bind, or naming our own surface
 * under a tag that is not the port's. The port must die: a redeem of it gives unknown_port,
 * never a surface.
 */
static void run_record_case(const struct record_case *rc) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct hostile_conn *victim = hostile_connect();
	struct hostile_surface *v = hostile_create_ok(victim, 64, 64);
	struct hostile_conn *c = hostile_connect();
	struct hostile_surface *ours;
	if (rc->through_read_only) {
		uint32_t serial;
		int ro = hostile_take_port(victim, &serial);
		iosurface_v1_bind_port(v->proxy, serial, BIND_READ_ONLY);
		hostile_roundtrip(victim);
		ours = redeem(c, ro);
		close(ro);
		CHECK(ours->done);
		CHECK_EQ(ours->read_only, 1);
	} else {
		ours = hostile_create_ok(c, 32, 32);
	}
	const uint32_t ids[] = { v->id, ours->id, 999999 };
	const uint32_t slots[] = { v->slot, ours->slot, 0xffffffffu, ours->slot + 100 };
	uint32_t id = ids[rc->id_of];
	uint32_t slot = slots[rc->slot_of];
	uint32_t serial, other_serial;
	uint8_t key[16], other_key[16];
	int other = hostile_take_port_key(c, &other_serial, other_key);
	int port = hostile_take_port_key(c, &serial, key);
	switch (rc->tag) {
	case TAG_TRUE:
		write_record(port, rc->magic, serial, key, id, slot, rc->flags);
		break;
	case TAG_OTHER_PORT:
		write_record(port, rc->magic, serial, other_key, id, slot, rc->flags);
		break;
	case TAG_OTHER_SERIAL:
		write_record(port, rc->magic, other_serial, key, id, slot, rc->flags);
		break;
	case TAG_FLIPPED: {
		uint8_t rec[HOSTILE_RECORD_SIZE];
		hostile_encode_record(rec, rc->magic, serial, key, id, slot, rc->flags);
		rec[HOSTILE_RECORD_SIZE - 3] ^= 0x10;
		CHECK_EQ(write(port, rec, sizeof(rec)), (ssize_t)sizeof(rec));
		break;
	}
	}
	close(other);
	struct hostile_conn *thief = hostile_connect();
	struct hostile_surface *got = redeem(thief, port);
	if (got->done) {
		FAIL("a record with %s bound the port: a redeem got surface %u (the victim's is %u)",
				rc->what, got->id, v->id);
	}
	hostile_expect_failed(got, IOSURFACE_V1_FAILURE_UNKNOWN_PORT);
	hostile_surface_destroy(got);
	// The issuer's bind_port of the dead port is ignored, not an error.
	iosurface_v1_bind_port(ours->proxy, serial, BIND_READ_ONLY);
	hostile_roundtrip(c);
	got = redeem(thief, port);
	hostile_expect_failed(got, IOSURFACE_V1_FAILURE_UNKNOWN_PORT);
	hostile_surface_destroy(got);
	hostile_roundtrip(thief);
	hostile_disconnect(thief);
	close(port);
	hostile_surface_destroy(ours);
	hostile_roundtrip(c);
	hostile_disconnect(c);
	// The victim's surface is untouched: no port counts in its use once the ports we
	// closed are seen dead (asynchronously).
	uint32_t *pool = mmap(NULL, victim->pool_size, PROT_READ, MAP_SHARED, victim->pool_fd, 0);
	CHECK(pool != MAP_FAILED);
	int64_t deadline = harness_now_ms() + harness_scale_timeout(2000);
	while (__atomic_load_n(&pool[v->slot * 8 + 0], __ATOMIC_ACQUIRE) != 0 &&
			harness_now_ms() < deadline) {
		harness_sleep_ms(10);
	}
	CHECK_EQ(__atomic_load_n(&pool[v->slot * 8 + 0], __ATOMIC_ACQUIRE), 0);
	munmap(pool, victim->pool_size);
	hostile_surface_destroy(v);
	hostile_roundtrip(victim);
	hostile_disconnect(victim);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

TEST(record_naming_another_clients_surface_kills_the_port) {
	run_record_case(&record_cases[0]);
}

TEST(record_naming_no_surface_kills_the_port) {
	run_record_case(&record_cases[1]);
}

TEST(record_with_slot_out_of_range_kills_the_port) {
	run_record_case(&record_cases[2]);
}

TEST(record_with_unused_slot_kills_the_port) {
	run_record_case(&record_cases[3]);
}

TEST(record_with_wrong_magic_kills_the_port) {
	run_record_case(&record_cases[4]);
}

TEST(record_with_unknown_flags_kills_the_port) {
	run_record_case(&record_cases[5]);
}

TEST(record_asking_write_through_read_only_object_kills_the_port) {
	run_record_case(&record_cases[6]);
}

TEST(record_tagged_with_another_ports_key_kills_the_port) {
	run_record_case(&record_cases[7]);
}

TEST(record_with_a_flipped_tag_bit_kills_the_port) {
	run_record_case(&record_cases[8]);
}

TEST(record_tagged_for_another_serial_kills_the_port) {
	run_record_case(&record_cases[9]);
}

TEST(record_with_the_true_tag_binds_without_bind_port) {
	// The control of the cases above: the same record with the port's own tag binds, and
	// the redeem gets the surface before any bind_port.
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct hostile_conn *c = hostile_connect();
	struct hostile_surface *s = hostile_create_ok(c, 32, 32);
	uint32_t serial;
	uint8_t key[16];
	int port = hostile_take_port_key(c, &serial, key);
	write_record(port, PORT_MAGIC, serial, key, s->id, s->slot, BIND_READ_ONLY);
	struct hostile_conn *b = hostile_connect();
	struct hostile_surface *got = redeem(b, port);
	CHECK(got->done);
	CHECK_EQ(got->id, s->id);
	CHECK_EQ(got->read_only, 1);
	hostile_surface_destroy(got);
	hostile_roundtrip(b);
	hostile_disconnect(b);
	iosurface_v1_bind_port(s->proxy, serial, BIND_READ_ONLY);
	hostile_roundtrip(c);
	close(port);
	hostile_surface_destroy(s);
	hostile_roundtrip(c);
	hostile_disconnect(c);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

TEST(short_record_and_garbage_kill_the_port) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct hostile_conn *c = hostile_connect();
	struct hostile_surface *s = hostile_create_ok(c, 32, 32);
	struct hostile_conn *thief = hostile_connect();
	// Half a valid record, then garbage: neither may bind.
	uint8_t half[8] = { 0x54, 0x50, 0x53, 0x49, (uint8_t)s->id, 0, 0, 0 };
	uint8_t garbage[4096];
	for (size_t i = 0; i < sizeof(garbage); i++) {
		garbage[i] = (uint8_t)(i * 131 + 17);
	}
	int p1 = hostile_take_port(c, NULL);
	CHECK_EQ(write(p1, half, sizeof(half)), (ssize_t)sizeof(half));
	int p2 = hostile_take_port(c, NULL);
	CHECK_EQ(write(p2, garbage, sizeof(garbage)), (ssize_t)sizeof(garbage));
	struct hostile_surface *g1 = redeem(thief, p1);
	struct hostile_surface *g2 = redeem(thief, p2);
	hostile_expect_failed(g1, IOSURFACE_V1_FAILURE_UNKNOWN_PORT);
	hostile_expect_failed(g2, IOSURFACE_V1_FAILURE_UNKNOWN_PORT);
	hostile_surface_destroy(g1);
	hostile_surface_destroy(g2);
	close(p1);
	close(p2);
	hostile_roundtrip(thief);
	hostile_disconnect(thief);
	hostile_surface_destroy(s);
	hostile_roundtrip(c);
	hostile_disconnect(c);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

/*
 * The compositor reads a port only when it needs to: what a holder writes into a bound port
 * stays there until the port dies. The pipe holds one page, so that is all a holder can park
 * in each port it has (and all a port costs its creator's pipe-user-pages budget).
 */
TEST(a_port_holds_one_page) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct hostile_conn *c = hostile_connect();
	int port = hostile_take_port(c, NULL);
	CHECK_EQ(fcntl(port, F_GETPIPE_SZ), 4096);
	close(port);
	hostile_roundtrip(c);
	hostile_disconnect(c);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

TEST(garbage_after_a_binding_is_discarded) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct hostile_conn *c = hostile_connect();
	struct hostile_surface *s = hostile_create_ok(c, 32, 32);
	uint32_t serial;
	uint8_t key[16];
	int port = hostile_take_port_key(c, &serial, key);
	// A genuine record naming another of our surfaces after the binding changes nothing.
	struct hostile_surface *other = hostile_create_ok(c, 32, 32);
	iosurface_v1_bind_port(s->proxy, serial, 0);
	hostile_roundtrip(c);
	write_record(port, PORT_MAGIC, serial, key, other->id, other->slot, 0);
	uint8_t junk[1000];
	memset(junk, 0xee, sizeof(junk));
	CHECK_EQ(write(port, junk, sizeof(junk)), (ssize_t)sizeof(junk));
	struct hostile_conn *b = hostile_connect();
	struct hostile_surface *got = redeem(b, port);
	CHECK(got->done);
	CHECK_EQ(got->id, s->id);
	hostile_surface_destroy(got);
	hostile_roundtrip(b);
	hostile_disconnect(b);
	close(port);
	hostile_surface_destroy(other);
	hostile_surface_destroy(s);
	hostile_roundtrip(c);
	hostile_disconnect(c);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

/* ---- Too many ports ---- */

TEST(reserve_ports_beyond_the_limit_is_too_many_ports) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct hostile_conn *c = hostile_connect();
	uint32_t max = c->max_unbound_ports;
	CHECK_GT(max, 0);
	CHECK_LE(max, HOSTILE_MAX_PORTS);
	uint32_t held = (uint32_t)c->port_count;
	CHECK_LE(held, max);
	// Up to the limit is fine...
	iosurface_manager_v1_reserve_ports(c->manager, max - held);
	hostile_roundtrip(c);
	CHECK_EQ(c->port_count, max);
	// ...one more is not.
	iosurface_manager_v1_reserve_ports(c->manager, 1);
	hostile_expect_error(c, c->manager, &iosurface_manager_v1_interface,
			IOSURFACE_MANAGER_V1_ERROR_TOO_MANY_PORTS);
	hostile_disconnect(c);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

TEST(reserve_ports_uint32_max_is_too_many_ports) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct hostile_conn *c = hostile_connect();
	iosurface_manager_v1_reserve_ports(c->manager, UINT32_MAX);
	hostile_expect_error(c, c->manager, &iosurface_manager_v1_interface,
			IOSURFACE_MANAGER_V1_ERROR_TOO_MANY_PORTS);
	hostile_disconnect(c);
	// Sums that wrap around 32 bits too.
	c = hostile_connect();
	iosurface_manager_v1_reserve_ports(c->manager, UINT32_MAX - (uint32_t)c->port_count + 1);
	hostile_expect_error(c, c->manager, &iosurface_manager_v1_interface,
			IOSURFACE_MANAGER_V1_ERROR_TOO_MANY_PORTS);
	hostile_disconnect(c);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

/* ---- Live ports per client ---- */

#define PORT_CAP 40

TEST(live_ports_beyond_the_cap_are_refused_and_come_back_when_closed) {
	const char *args[] = { "--max-ports", "40", NULL };
	struct harness_compositor *hc = harness_compositor_start(args);
	struct hostile_conn *c = hostile_connect();
	struct hostile_surface *s = hostile_create_ok(c, 16, 16);
	// Bind every port the compositor sends and keep it open: the stock is refilled until
	// the client holds the cap, bound or not.
	int held[PORT_CAP + 16];
	int n = 0;
	while (c->port_count > 0) {
		while (c->port_count > 0) {
			uint32_t serial;
			int fd = hostile_take_port(c, &serial);
			CHECK_LT(n, PORT_CAP + 16);
			held[n++] = fd;
			iosurface_v1_bind_port(s->proxy, serial, 0);
		}
		hostile_roundtrip(c);
	}
	CHECK_EQ(n, PORT_CAP);
	// One more is refused, not a protocol error: the client cannot know when ports it
	// passed on are closed elsewhere.
	iosurface_manager_v1_reserve_ports(c->manager, 3);
	hostile_roundtrip(c);
	CHECK_EQ(c->port_count, 0);
	CHECK_EQ(c->ports_refused_reason, IOSURFACE_MANAGER_V1_PORT_REFUSAL_PORT_LIMIT + 1);
	CHECK_EQ(c->ports_refused_count, 3);
	// The cap is per client: another one gets its whole stock and binds.
	struct hostile_conn *other = hostile_connect();
	CHECK_GT(other->port_count, 0);
	CHECK_EQ(other->ports_refused_reason, 0);
	hostile_disconnect(other);
	// Closing ports gives room again, once the compositor sees them die.
	for (int i = 0; i < 5; i++) {
		close(held[--n]);
	}
	int64_t deadline = harness_now_ms() + harness_scale_timeout(3000);
	while (c->port_count < 5 && harness_now_ms() < deadline) {
		c->ports_refused_reason = 0;
		iosurface_manager_v1_reserve_ports(c->manager, 5 - (uint32_t)c->port_count);
		hostile_roundtrip(c);
		if (c->port_count < 5) {
			harness_sleep_ms(5);
		}
	}
	CHECK_EQ(c->port_count, 5);
	while (n > 0) {
		close(held[--n]);
	}
	hostile_surface_destroy(s);
	hostile_roundtrip(c);
	hostile_disconnect(c);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

/* ---- Identity ---- */

static bool is_tmpfs(const char *dir) {
	struct statfs sfs;
	return statfs(dir, &sfs) == 0 && sfs.f_type == TMPFS_MAGIC && access(dir, W_OK) == 0;
}

TEST(fifo_with_the_inode_number_of_a_port_is_not_that_port) {
	// Ports are known by the pipe's inode. A FIFO on another filesystem can carry the same
	// inode number: tmpfs numbers its inodes in sequence, so anyone can create FIFOs until
	// one has the number of a port another client bound, then redeem it.
	const char *base = "/dev/shm";
	if (!is_tmpfs(base)) {
		SKIP("%s is not a writable tmpfs", base);
	}
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct hostile_conn *victim = hostile_connect();
	struct hostile_surface *v = hostile_create_ok(victim, 64, 64);
	uint32_t serial;
	int port = hostile_take_port(victim, &serial);
	iosurface_v1_bind_port(v->proxy, serial, 0);
	hostile_roundtrip(victim);
	struct stat pst;
	CHECK_EQ(fstat(port, &pst), 0);

	char dir[64];
	snprintf(dir, sizeof(dir), "%s/iosurface-hostile-XXXXXX", base);
	CHECK_NOT_NULL(mkdtemp(dir));
	char path[96];
	snprintf(path, sizeof(path), "%s/f", dir);
	// A few microseconds per inode: give up (skip) if the port's number is too far ahead
	// or already behind, or after 20 s.
	int fifo = -1;
	const unsigned long max_distance = 3ul * 1000 * 1000;
	int64_t deadline = harness_now_ms() + 20000;
	for (long i = 0;; i++) {
		if (mknod(path, S_IFIFO | 0600, 0) != 0) {
			break;
		}
		struct stat st;
		CHECK_EQ(stat(path, &st), 0);
		if (st.st_ino == pst.st_ino) {
			fifo = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
			unlink(path);
			break;
		}
		unlink(path);
		if (st.st_ino > pst.st_ino || (i == 0 && pst.st_ino - st.st_ino > max_distance)) {
			break;
		}
		if (i % 4096 == 0 && harness_now_ms() > deadline) {
			break;
		}
	}
	rmdir(dir);
	if (fifo < 0) {
		close(port);
		hostile_surface_destroy(v);
		hostile_roundtrip(victim);
		hostile_disconnect(victim);
		CHECK_EQ(harness_compositor_stop(hc), 0);
		SKIP("no FIFO in %s could get the port's inode number %lu", base,
				(unsigned long)pst.st_ino);
	}
	struct stat fst;
	CHECK_EQ(fstat(fifo, &fst), 0);
	CHECK_EQ(fst.st_ino, pst.st_ino);
	CHECK_NE(fst.st_dev, pst.st_dev);

	struct hostile_conn *thief = hostile_connect();
	struct hostile_surface *got = redeem(thief, fifo);
	bool stolen = got->done;
	uint32_t got_id = got->id;
	hostile_surface_destroy(got);
	hostile_roundtrip(thief);
	hostile_disconnect(thief);
	close(fifo);
	close(port);
	hostile_surface_destroy(v);
	hostile_roundtrip(victim);
	hostile_disconnect(victim);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
	if (stolen) {
		// Same inode number, another device: the compositor compared st_ino alone.
		FAIL("a FIFO in %s with inode %lu (dev %lu; the port's dev %lu) redeemed surface %u", base,
				(unsigned long)fst.st_ino, (unsigned long)fst.st_dev, (unsigned long)pst.st_dev,
				got_id);
	}
}

/* ---- Flooding ---- */

/* Processes writing into bound ports at once, one port each. */
#define FLOOD_WRITERS 2

TEST(flooding_a_bound_port_does_not_stall_the_compositor) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	int ready[2], go[2];
	CHECK_EQ(pipe2(ready, O_CLOEXEC), 0);
	CHECK_EQ(pipe2(go, O_CLOEXEC), 0);
	pid_t pid = fork();
	CHECK_GE(pid, 0);
	if (pid == 0) {
		// The flooder: binds a port, then writes into it as fast as it can, forever.
		signal(SIGPIPE, SIG_IGN);
		close(ready[0]);
		close(go[1]);
		struct hostile_conn *c = hostile_connect();
		struct hostile_surface *s = hostile_create_ok(c, 16, 16);
		int ports[FLOOD_WRITERS];
		for (int i = 0; i < FLOOD_WRITERS; i++) {
			uint32_t serial;
			ports[i] = hostile_take_port(c, &serial);
			iosurface_v1_bind_port(s->proxy, serial, 0);
		}
		hostile_roundtrip(c);
		char byte = 1;
		if (write(ready[1], &byte, 1) != 1 || read(go[0], &byte, 1) != 1) {
			_exit(1);
		}
		// One writer process per port; they die with this process's group.
		int port = ports[0];
		pid_t flooder = getpid();
		for (int i = 1; i < FLOOD_WRITERS; i++) {
			if (fork() == 0) {
				// Killing the first writer kills them all.
				prctl(PR_SET_PDEATHSIG, SIGKILL);
				if (getppid() != flooder) {
					_exit(0);
				}
				port = ports[i];
				break;
			}
		}
		static char junk[65536];
		memset(junk, 0x5a, sizeof(junk));
		for (;;) {
			if (write(port, junk, sizeof(junk)) < 0 && errno != EINTR) {
				_exit(2);
			}
		}
	}
	close(ready[1]);
	close(go[0]);
	char byte;
	CHECK_EQ(read(ready[0], &byte, 1), 1);
	struct hostile_conn *probe = hostile_connect();
	CHECK_EQ(write(go[1], &byte, 1), 1);
	harness_sleep_ms(200);

	int worst = 0, stalls = 0;
	for (int i = 0; i < 20; i++) {
		int ms = hostile_roundtrip_within(probe, harness_scale_timeout(2000));
		if (ms < 0) {
			stalls++;
		} else if (ms > worst) {
			worst = ms;
		}
		harness_sleep_ms(20);
	}
	kill(pid, SIGKILL);
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	close(ready[0]);
	close(go[1]);
	// Once the flood stops the probe's answers must all arrive.
	hostile_roundtrip(probe);
	hostile_disconnect(probe);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
	if (stalls > 0) {
		// One client writing into its bound ports stalled the compositor for the others.
		FAIL("%d of 20 roundtrips took over 2 s (the worst answered took %d ms)", stalls, worst);
	}
}

int main(int argc, char **argv) {
	return harness_main(argc, argv);
}
