/*
 * Misuse of iosurface_v1: requests on objects that are not ready, malformed values and keys,
 * unknown enum values, bad ports, and everything a read-only holder may not do, including
 * writing through the descriptors it was given.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hostile.h"

/* bind_port flags: the port is read-only. */
#define BIND_READ_ONLY 1u

/* ---- Value encodings ---- */

static void put_bytes(struct wl_array *a, const void *data, size_t len) {
	void *p = wl_array_add(a, len);
	CHECK_NOT_NULL(p);
	memcpy(p, data, len);
}

static void put_u8(struct wl_array *a, uint8_t v) {
	put_bytes(a, &v, 1);
}

static void put_u32(struct wl_array *a, uint32_t v) {
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
	put_bytes(a, b, 4);
}

static void put_integer(struct wl_array *a, int64_t v) {
	put_u8(a, 'i');
	put_u32(a, (uint32_t)(uint64_t)v);
	put_u32(a, (uint32_t)((uint64_t)v >> 32));
}

/* A valid string value whose encoding is exactly total bytes long. */
static void put_string_of_size(struct wl_array *a, size_t total) {
	CHECK_GE(total, 5);
	put_u8(a, 's');
	put_u32(a, (uint32_t)(total - 5));
	char *p = wl_array_add(a, total - 5);
	CHECK_NOT_NULL(p);
	memset(p, 'v', total - 5);
}

static void set_integer(struct hostile_surface *s, const char *key, int64_t v) {
	struct wl_array a;
	wl_array_init(&a);
	put_integer(&a, v);
	iosurface_v1_set_value(s->proxy, key, &a);
	wl_array_release(&a);
}

/* ---- Runners ---- */

typedef void (*surface_abuse)(struct hostile_conn *c, struct hostile_surface *s);

/*
 * On a fresh compositor: creates a 64x64 ARGB8888 surface, lets abuse send requests on it, and
 * expects the protocol error code on the surface's object. Then a new client is served.
 */
#define expect_surface_error(abuse, code) expect_surface_error_at(__FILE__, __LINE__, abuse, code)
static void expect_surface_error_at(const char *file, int line, surface_abuse abuse,
		uint32_t code) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct hostile_conn *c = hostile_connect();
	struct hostile_surface *s = hostile_create_ok(c, 64, 64);
	abuse(c, s);
	hostile_expect_error_at(file, line, c, (struct wl_proxy *)s->proxy, &iosurface_v1_interface,
			code);
	hostile_surface_destroy(s);
	hostile_disconnect(c);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

/* ---- Objects that are not ready ---- */

static int request_index;

/* Sends request number request_index (0 set_in_use ... 9 create_buffer) on s. */
static void send_any_request(struct hostile_surface *s) {
	struct wl_array a;
	wl_array_init(&a);
	switch (request_index) {
	case 0:
		iosurface_v1_set_in_use(s->proxy, 1);
		break;
	case 1:
		put_integer(&a, 1);
		iosurface_v1_set_value(s->proxy, "key", &a);
		break;
	case 2:
		iosurface_v1_remove_value(s->proxy, "key");
		break;
	case 3:
		iosurface_v1_remove_all_values(s->proxy);
		break;
	case 4:
		iosurface_v1_get_values(s->proxy, NULL);
		break;
	case 5:
		iosurface_v1_set_purgeable(s->proxy, IOSURFACE_V1_PURGEABLE_KEEP_CURRENT);
		break;
	case 6:
		iosurface_v1_watch(s->proxy, IOSURFACE_V1_WATCH_NOT_IN_USE);
		break;
	case 7:
		iosurface_v1_notify_seed(s->proxy);
		break;
	case 8:
		iosurface_v1_bind_port(s->proxy, 1, 0);
		break;
	case 9: {
		struct wl_buffer *buffer = iosurface_v1_create_buffer(s->proxy);
		// Never used: the connection dies on this request.
		wl_proxy_destroy((struct wl_proxy *)buffer);
		break;
	}
	}
	wl_array_release(&a);
}

TEST(every_request_on_a_failed_object_is_not_ready) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	for (request_index = 0; request_index < 10; request_index++) {
		struct hostile_conn *c = hostile_connect();
		struct hostile_surface *s = hostile_create(c, 64, 64, 0x12345678, 0);
		hostile_expect_failed(s, IOSURFACE_V1_FAILURE_UNKNOWN_FORMAT);
		send_any_request(s);
		hostile_expect_error(c, s->proxy, &iosurface_v1_interface, IOSURFACE_V1_ERROR_NOT_READY);
		hostile_surface_destroy(s);
		hostile_disconnect(c);
	}
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

TEST(request_on_a_failed_redeem_is_not_ready) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct hostile_conn *c = hostile_connect();
	int fds[2];
	CHECK_EQ(pipe2(fds, O_CLOEXEC), 0);
	struct hostile_surface *s = hostile_surface_wrap(c,
			iosurface_manager_v1_redeem_port(c->manager, fds[1]));
	hostile_roundtrip(c);
	hostile_expect_failed(s, IOSURFACE_V1_FAILURE_UNKNOWN_PORT);
	set_integer(s, "k", 1);
	hostile_expect_error(c, s->proxy, &iosurface_v1_interface, IOSURFACE_V1_ERROR_NOT_READY);
	close(fds[0]);
	close(fds[1]);
	hostile_surface_destroy(s);
	hostile_disconnect(c);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

TEST(request_before_done_on_a_pending_redeem_is_not_ready) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	// The issuer never binds this port: a redeem of it waits (up to 5 s) for bind_port.
	struct hostile_conn *issuer = hostile_connect();
	uint32_t serial;
	int port = hostile_take_port(issuer, &serial);
	struct hostile_conn *c = hostile_connect();
	struct hostile_surface *s = hostile_surface_wrap(c,
			iosurface_manager_v1_redeem_port(c->manager, port));
	hostile_roundtrip(c);
	CHECK(!s->done && !s->failed);
	iosurface_v1_set_in_use(s->proxy, 1);
	hostile_expect_error(c, s->proxy, &iosurface_v1_interface, IOSURFACE_V1_ERROR_NOT_READY);
	hostile_surface_destroy(s);
	hostile_disconnect(c);
	// The issuer's port is untouched: binding it now works.
	struct hostile_surface *mine = hostile_create_ok(issuer, 16, 16);
	iosurface_v1_bind_port(mine->proxy, serial, 0);
	hostile_roundtrip(issuer);
	close(port);
	hostile_surface_destroy(mine);
	hostile_roundtrip(issuer);
	hostile_disconnect(issuer);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

/* ---- Values ---- */

/* Malformed encodings, each sent on a fresh connection. */
static int malformed_index;
#define MALFORMED_COUNT 13

static void build_malformed(struct wl_array *a, int index) {
	switch (index) {
	case 0: // unknown type byte
		put_u8(a, 'z');
		break;
	case 1: // string longer than the data
		put_u8(a, 's');
		put_u32(a, 100);
		put_bytes(a, "abc", 3);
		break;
	case 2: // boolean that is neither 0 nor 1
		put_u8(a, 'b');
		put_u8(a, 2);
		break;
	case 3: // trailing garbage after a complete value
		put_u8(a, 'b');
		put_u8(a, 1);
		put_u8(a, 0);
		break;
	case 4: // truncated integer
		put_u8(a, 'i');
		put_u32(a, 7);
		break;
	case 5: // NUL inside a string
		put_u8(a, 's');
		put_u32(a, 3);
		put_bytes(a, "a\0b", 3);
		break;
	case 6: // array whose count lies
		put_u8(a, 'a');
		put_u32(a, UINT32_MAX);
		put_integer(a, 1);
		break;
	case 7: // nesting far beyond the limit
		for (int i = 0; i < 40; i++) {
			put_u8(a, 'a');
			put_u32(a, 1);
		}
		put_integer(a, 1);
		break;
	case 8: // dictionary with an empty key
		put_u8(a, 'm');
		put_u32(a, 1);
		put_u32(a, 0);
		put_integer(a, 1);
		break;
	case 9: // nothing at all
		break;
	case 10: // bytes value with a length past the end
		put_u8(a, 'x');
		put_u32(a, UINT32_MAX);
		put_bytes(a, "xyz", 3);
		break;
	case 11: // dictionary key with a length past the end
		put_u8(a, 'm');
		put_u32(a, 1);
		put_u32(a, 0x7fffffff);
		put_bytes(a, "kk", 2);
		break;
	case 12: // dictionary with one key twice
		put_u8(a, 'm');
		put_u32(a, 2);
		for (int i = 0; i < 2; i++) {
			put_u32(a, 1);
			put_u8(a, 'k');
			put_integer(a, i);
		}
		break;
	}
}

static void set_malformed_value(struct hostile_conn *c, struct hostile_surface *s) {
	struct wl_array a;
	wl_array_init(&a);
	build_malformed(&a, malformed_index);
	iosurface_v1_set_value(s->proxy, "key", &a);
	wl_array_release(&a);
}

TEST(malformed_values_are_invalid_value) {
	for (malformed_index = 0; malformed_index < MALFORMED_COUNT; malformed_index++) {
		fprintf(stderr, "malformed value %d\n", malformed_index);
		expect_surface_error(set_malformed_value, IOSURFACE_V1_ERROR_INVALID_VALUE);
	}
}

static void set_value_3073(struct hostile_conn *c, struct hostile_surface *s) {
	// set_value carries at most 3072 bytes, whatever the published value size.
	uint32_t max = c->limit_max[IOSURFACE_MANAGER_V1_PROPERTY_VALUE_SIZE];
	CHECK_GT(max, 3072);
	struct wl_array a;
	wl_array_init(&a);
	put_string_of_size(&a, 3073);
	iosurface_v1_set_value(s->proxy, "big", &a);
	wl_array_release(&a);
}

TEST(value_one_byte_over_3072_is_invalid_value) {
	expect_surface_error(set_value_3073, IOSURFACE_V1_ERROR_INVALID_VALUE);
}

static void set_value_3500(struct hostile_conn *c, struct hostile_surface *s) {
	// Well over the limit, still inside Wayland's 4096-byte message.
	struct wl_array a;
	wl_array_init(&a);
	put_string_of_size(&a, 3500);
	iosurface_v1_set_value(s->proxy, "big", &a);
	wl_array_release(&a);
}

TEST(value_of_3500_bytes_is_invalid_value) {
	expect_surface_error(set_value_3500, IOSURFACE_V1_ERROR_INVALID_VALUE);
}

TEST(value_of_exactly_3072_bytes_and_key_of_255_are_accepted) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct hostile_conn *c = hostile_connect();
	struct hostile_surface *s = hostile_create_ok(c, 64, 64);
	struct wl_array a;
	wl_array_init(&a);
	put_string_of_size(&a, 3072);
	char key[256];
	memset(key, 'k', 255);
	key[255] = '\0';
	iosurface_v1_set_value(s->proxy, key, &a);
	wl_array_release(&a);
	iosurface_v1_get_values(s->proxy, key);
	hostile_roundtrip(c);
	CHECK_EQ(s->values, 1);
	CHECK_EQ(s->values_done, 1);
	hostile_surface_destroy(s);
	hostile_roundtrip(c);
	hostile_disconnect(c);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

/* ---- Values in memory (set_value_memory) ---- */

#define ALL_SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL)

/* A memfd holding a valid string value of total bytes, with the given seals added. */
static int value_memfd(size_t total, int seals) {
	struct wl_array a;
	wl_array_init(&a);
	put_string_of_size(&a, total);
	int fd = memfd_create("hostile-value", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	CHECK_GE(fd, 0);
	CHECK_EQ(write(fd, a.data, a.size), (ssize_t)a.size);
	wl_array_release(&a);
	if (seals != 0) {
		CHECK_EQ(fcntl(fd, F_ADD_SEALS, seals), 0);
	}
	return fd;
}

static void send_value_memory(struct hostile_surface *s, int fd, uint32_t size) {
	iosurface_v1_set_value_memory(s->proxy, "big", fd, size);
	close(fd);
}

static void set_value_memory_unsealed(struct hostile_conn *c, struct hostile_surface *s) {
	send_value_memory(s, value_memfd(8192, 0), 8192);
}

TEST(set_value_memory_unsealed_is_invalid_memory) {
	expect_surface_error(set_value_memory_unsealed, IOSURFACE_V1_ERROR_INVALID_MEMORY);
}

static void set_value_memory_writable(struct hostile_conn *c, struct hostile_surface *s) {
	// Every seal but F_SEAL_WRITE: the sender could change the bytes under the read.
	send_value_memory(s, value_memfd(8192, ALL_SEALS & ~F_SEAL_WRITE), 8192);
}

TEST(set_value_memory_writable_is_invalid_memory) {
	expect_surface_error(set_value_memory_writable, IOSURFACE_V1_ERROR_INVALID_MEMORY);
}

static void set_value_memory_shrinkable(struct hostile_conn *c, struct hostile_surface *s) {
	send_value_memory(s, value_memfd(8192, ALL_SEALS & ~F_SEAL_SHRINK), 8192);
}

TEST(set_value_memory_without_seal_shrink_is_invalid_memory) {
	expect_surface_error(set_value_memory_shrinkable, IOSURFACE_V1_ERROR_INVALID_MEMORY);
}

static void set_value_memory_pipe(struct hostile_conn *c, struct hostile_surface *s) {
	int p[2];
	CHECK_EQ(pipe2(p, O_CLOEXEC), 0);
	close(p[0]);
	send_value_memory(s, p[1], 8192);
}

TEST(set_value_memory_of_a_pipe_is_invalid_memory) {
	expect_surface_error(set_value_memory_pipe, IOSURFACE_V1_ERROR_INVALID_MEMORY);
}

static void set_value_memory_size_smaller(struct hostile_conn *c, struct hostile_surface *s) {
	send_value_memory(s, value_memfd(8192, ALL_SEALS), 8191);
}

TEST(set_value_memory_size_below_the_memfd_is_invalid_memory) {
	expect_surface_error(set_value_memory_size_smaller, IOSURFACE_V1_ERROR_INVALID_MEMORY);
}

static void set_value_memory_size_larger(struct hostile_conn *c, struct hostile_surface *s) {
	send_value_memory(s, value_memfd(8192, ALL_SEALS), 8193);
}

TEST(set_value_memory_size_beyond_the_memfd_is_invalid_memory) {
	expect_surface_error(set_value_memory_size_larger, IOSURFACE_V1_ERROR_INVALID_MEMORY);
}

static void set_value_memory_size_zero(struct hostile_conn *c, struct hostile_surface *s) {
	send_value_memory(s, value_memfd(8192, ALL_SEALS), 0);
}

TEST(set_value_memory_size_zero_is_invalid_value) {
	expect_surface_error(set_value_memory_size_zero, IOSURFACE_V1_ERROR_INVALID_VALUE);
}

static void set_value_memory_over_limit(struct hostile_conn *c, struct hostile_surface *s) {
	uint32_t max = c->limit_max[IOSURFACE_MANAGER_V1_PROPERTY_VALUE_SIZE];
	CHECK_GE(max, 256 * 1024);
	send_value_memory(s, value_memfd(max + 1, ALL_SEALS), max + 1);
}

TEST(set_value_memory_one_byte_over_the_published_size_is_invalid_value) {
	expect_surface_error(set_value_memory_over_limit, IOSURFACE_V1_ERROR_INVALID_VALUE);
}

static void set_value_memory_huge_size(struct hostile_conn *c, struct hostile_surface *s) {
	send_value_memory(s, value_memfd(8192, ALL_SEALS), UINT32_MAX);
}

TEST(set_value_memory_size_uint32_max_is_invalid_value) {
	expect_surface_error(set_value_memory_huge_size, IOSURFACE_V1_ERROR_INVALID_VALUE);
}

static void set_value_memory_malformed(struct hostile_conn *c, struct hostile_surface *s) {
	// A string whose length word claims one byte more than the memory holds.
	int fd = memfd_create("hostile-value", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	CHECK_GE(fd, 0);
	uint32_t size = 8192;
	uint8_t *bytes = calloc(1, size);
	CHECK_NOT_NULL(bytes);
	bytes[0] = 's';
	uint32_t len = size - 4;
	memcpy(bytes + 1, &len, 4);
	CHECK_EQ(write(fd, bytes, size), (ssize_t)size);
	free(bytes);
	CHECK_EQ(fcntl(fd, F_ADD_SEALS, ALL_SEALS), 0);
	send_value_memory(s, fd, size);
}

TEST(set_value_memory_malformed_is_invalid_value) {
	expect_surface_error(set_value_memory_malformed, IOSURFACE_V1_ERROR_INVALID_VALUE);
}

static void set_value_memory_empty_key(struct hostile_conn *c, struct hostile_surface *s) {
	int fd = value_memfd(8192, ALL_SEALS);
	iosurface_v1_set_value_memory(s->proxy, "", fd, 8192);
	close(fd);
}

TEST(set_value_memory_with_empty_key_is_invalid_key) {
	expect_surface_error(set_value_memory_empty_key, IOSURFACE_V1_ERROR_INVALID_KEY);
}

TEST(set_value_memory_refusals_close_every_descriptor) {
	// Each refusal above kills the connection; the descriptor it carried must not stay open
	// in the compositor. Many refused sets in a row, each on a new client, leave the
	// compositor's descriptor count where it was.
	struct harness_compositor *hc = harness_compositor_start(NULL);
	int before = hostile_settled_fd_count(hc);
	for (int i = 0; i < 20; i++) {
		struct hostile_conn *c = hostile_connect();
		struct hostile_surface *s = hostile_create_ok(c, 16, 16);
		switch (i % 4) {
		case 0:
			set_value_memory_unsealed(c, s);
			break;
		case 1:
			set_value_memory_writable(c, s);
			break;
		case 2:
			set_value_memory_size_larger(c, s);
			break;
		default:
			set_value_memory_malformed(c, s);
			break;
		}
		hostile_expect_error(c, (struct wl_proxy *)s->proxy, &iosurface_v1_interface,
				i % 4 == 3 ? IOSURFACE_V1_ERROR_INVALID_VALUE : IOSURFACE_V1_ERROR_INVALID_MEMORY);
		hostile_surface_destroy(s);
		hostile_disconnect(c);
	}
	// A stored value's memfd is closed too, and so is each the compositor makes to answer.
	struct hostile_conn *c = hostile_connect();
	struct hostile_surface *s = hostile_create_ok(c, 16, 16);
	for (int i = 0; i < 20; i++) {
		send_value_memory(s, value_memfd(8192, ALL_SEALS), 8192);
		iosurface_v1_get_values(s->proxy, NULL);
	}
	hostile_roundtrip(c);
	CHECK_EQ(s->value_memory, 20);
	CHECK_EQ(s->value_memory_bytes, 20 * 8192);
	CHECK_EQ(s->values_done, 20);
	CHECK_EQ(s->set_value_failed, 0);
	hostile_surface_destroy(s);
	hostile_roundtrip(c);
	hostile_disconnect(c);
	hostile_check_serving(hc);
	CHECK_EQ(hostile_wait_fd_count(hc, before, 2000), before);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

TEST(set_value_memory_beyond_the_total_is_set_value_failed_and_keeps_the_rest) {
	// 4 MiB of keys and values per surface: 15 values of 256 KiB fit (each with its 5-byte
	// header and a 4-byte key), a 16th does not; the refusal is an event, not an error, and
	// comes before the memory is read (malformed memory in a set that cannot fit is refused
	// the same way).
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct hostile_conn *c = hostile_connect();
	uint32_t total = c->limit_max[IOSURFACE_MANAGER_V1_PROPERTY_VALUE_TOTAL];
	CHECK_EQ(total, 4u << 20);
	struct hostile_surface *s = hostile_create_ok(c, 16, 16);
	uint32_t size = 256 * 1024 + 5;
	char key[16];
	for (int i = 0; i < 15; i++) {
		snprintf(key, sizeof(key), "k%03d", i);
		int fd = value_memfd(size, ALL_SEALS);
		iosurface_v1_set_value_memory(s->proxy, key, fd, size);
		close(fd);
		hostile_roundtrip(c);
	}
	CHECK_EQ(s->set_value_failed, 0);
	int fd = value_memfd(size, ALL_SEALS);
	iosurface_v1_set_value_memory(s->proxy, "k015", fd, size);
	close(fd);
	hostile_roundtrip(c);
	CHECK_EQ(s->set_value_failed, 1);
	CHECK_STREQ(s->failed_key, "k015");
	// Malformed (a string whose length runs past the end) and, at the same size, with no
	// room left (15 entries leave 4194304 - 15 * 262153 = 262009 bytes): refused unread.
	fd = memfd_create("hostile-value", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	CHECK_GE(fd, 0);
	CHECK_EQ(ftruncate(fd, size), 0);
	uint8_t bad[8] = { 's', 0xff, 0xff, 0xff, 0x7f, 0, 0, 0 };
	CHECK_EQ(write(fd, bad, sizeof(bad)), (ssize_t)sizeof(bad));
	CHECK_EQ(fcntl(fd, F_ADD_SEALS, ALL_SEALS), 0);
	iosurface_v1_set_value_memory(s->proxy, "bad", fd, size);
	close(fd);
	hostile_roundtrip(c);
	CHECK_EQ(s->set_value_failed, 2);
	CHECK_STREQ(s->failed_key, "bad");
	// All 15 stored values come back, in memory.
	iosurface_v1_get_values(s->proxy, NULL);
	hostile_roundtrip(c);
	CHECK_EQ(s->value_memory, 15);
	CHECK_EQ(s->value_memory_bytes, 15 * size);
	CHECK_EQ(s->values_done, 1);
	hostile_surface_destroy(s);
	hostile_roundtrip(c);
	hostile_disconnect(c);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

static void ro_set_value_memory(struct hostile_surface *r) {
	int fd = value_memfd(8192, ALL_SEALS);
	iosurface_v1_set_value_memory(r->proxy, "big", fd, 8192);
	close(fd);
}

static void set_value_empty_key(struct hostile_conn *c, struct hostile_surface *s) {
	set_integer(s, "", 1);
}

TEST(set_value_with_empty_key_is_invalid_key) {
	expect_surface_error(set_value_empty_key, IOSURFACE_V1_ERROR_INVALID_KEY);
}

static void set_value_key_256(struct hostile_conn *c, struct hostile_surface *s) {
	char key[257];
	memset(key, 'k', 256);
	key[256] = '\0';
	set_integer(s, key, 1);
}

TEST(set_value_with_256_byte_key_is_invalid_key) {
	expect_surface_error(set_value_key_256, IOSURFACE_V1_ERROR_INVALID_KEY);
}

static void remove_value_empty_key(struct hostile_conn *c, struct hostile_surface *s) {
	iosurface_v1_remove_value(s->proxy, "");
}

TEST(remove_value_with_empty_key_is_invalid_key) {
	expect_surface_error(remove_value_empty_key, IOSURFACE_V1_ERROR_INVALID_KEY);
}

static void remove_value_key_256(struct hostile_conn *c, struct hostile_surface *s) {
	char key[257];
	memset(key, 'k', 256);
	key[256] = '\0';
	iosurface_v1_remove_value(s->proxy, key);
}

TEST(remove_value_with_256_byte_key_is_invalid_key) {
	expect_surface_error(remove_value_key_256, IOSURFACE_V1_ERROR_INVALID_KEY);
}

TEST(more_than_64_values_is_set_value_failed_event) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct hostile_conn *c = hostile_connect();
	uint32_t max = c->limit_max[IOSURFACE_MANAGER_V1_PROPERTY_VALUE_COUNT];
	CHECK_EQ(max, 64);
	struct hostile_surface *s = hostile_create_ok(c, 64, 64);
	char key[32];
	for (uint32_t i = 0; i < max; i++) {
		snprintf(key, sizeof(key), "key-%u", i);
		set_integer(s, key, i);
	}
	hostile_roundtrip(c);
	CHECK_EQ(s->set_value_failed, 0);

	set_integer(s, "one-too-many", 1);
	hostile_roundtrip(c);
	CHECK_EQ(s->set_value_failed, 1);
	CHECK_STREQ(s->failed_key, "one-too-many");

	// Another holder's values count against the same surface.
	uint32_t serial;
	int port = hostile_take_port(c, &serial);
	iosurface_v1_bind_port(s->proxy, serial, 0);
	hostile_roundtrip(c);
	struct hostile_conn *c2 = hostile_connect();
	struct hostile_surface *s2 = hostile_surface_wrap(c2,
			iosurface_manager_v1_redeem_port(c2->manager, port));
	hostile_roundtrip(c2);
	close(port);
	CHECK(s2->done);
	set_integer(s2, "from-the-other", 1);
	hostile_roundtrip(c2);
	CHECK_EQ(s2->set_value_failed, 1);
	CHECK_STREQ(s2->failed_key, "from-the-other");

	// Replacing a value that exists is still allowed, and a removal makes room.
	set_integer(s, "key-3", 33);
	hostile_roundtrip(c);
	CHECK_EQ(s->set_value_failed, 1);
	iosurface_v1_remove_value(s->proxy, "key-7");
	set_integer(s, "one-too-many", 1);
	iosurface_v1_get_values(s->proxy, NULL);
	hostile_roundtrip(c);
	CHECK_EQ(s->set_value_failed, 1);
	CHECK_EQ(s->values, max);
	CHECK_EQ(s->values_done, 1);

	hostile_surface_destroy(s2);
	hostile_roundtrip(c2);
	hostile_disconnect(c2);
	hostile_surface_destroy(s);
	hostile_roundtrip(c);
	hostile_disconnect(c);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

/* ---- Enums ---- */

static void set_purgeable_7(struct hostile_conn *c, struct hostile_surface *s) {
	iosurface_v1_set_purgeable(s->proxy, 7);
}

TEST(set_purgeable_7_is_invalid_purgeable) {
	expect_surface_error(set_purgeable_7, IOSURFACE_V1_ERROR_INVALID_PURGEABLE);
}

static void set_purgeable_4(struct hostile_conn *c, struct hostile_surface *s) {
	iosurface_v1_set_purgeable(s->proxy, 4);
}

TEST(set_purgeable_4_is_invalid_purgeable) {
	expect_surface_error(set_purgeable_4, IOSURFACE_V1_ERROR_INVALID_PURGEABLE);
}

static void watch_0x10(struct hostile_conn *c, struct hostile_surface *s) {
	iosurface_v1_watch(s->proxy, 0x10);
}

TEST(watch_0x10_is_invalid_watch) {
	expect_surface_error(watch_0x10, IOSURFACE_V1_ERROR_INVALID_WATCH);
}

/* ---- bind_port ---- */

static void bind_port_999999(struct hostile_conn *c, struct hostile_surface *s) {
	iosurface_v1_bind_port(s->proxy, 999999, 0);
}

TEST(bind_port_serial_never_issued_is_invalid_port) {
	expect_surface_error(bind_port_999999, IOSURFACE_V1_ERROR_INVALID_PORT);
}

static void bind_port_serial_0(struct hostile_conn *c, struct hostile_surface *s) {
	iosurface_v1_bind_port(s->proxy, 0, 0);
}

TEST(bind_port_serial_0_is_invalid_port) {
	expect_surface_error(bind_port_serial_0, IOSURFACE_V1_ERROR_INVALID_PORT);
}

static void bind_port_next_serial(struct hostile_conn *c, struct hostile_surface *s) {
	// One past the newest serial this client received.
	uint32_t newest = 0;
	for (size_t i = 0; i < c->port_count; i++) {
		if (c->ports[i].serial > newest) {
			newest = c->ports[i].serial;
		}
	}
	CHECK_GT(newest, 0);
	iosurface_v1_bind_port(s->proxy, newest + 1, 0);
}

TEST(bind_port_next_serial_not_yet_issued_is_invalid_port) {
	expect_surface_error(bind_port_next_serial, IOSURFACE_V1_ERROR_INVALID_PORT);
}

static void bind_port_flags_2(struct hostile_conn *c, struct hostile_surface *s) {
	CHECK_GT(c->port_count, 0);
	iosurface_v1_bind_port(s->proxy, c->ports[0].serial, 2);
}

TEST(bind_port_flags_2_is_invalid_port) {
	expect_surface_error(bind_port_flags_2, IOSURFACE_V1_ERROR_INVALID_PORT);
}

TEST(bind_port_twice_or_after_death_is_ignored) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct hostile_conn *c = hostile_connect();
	struct hostile_surface *s = hostile_create_ok(c, 16, 16);
	uint32_t serial, dead_serial;
	int port = hostile_take_port(c, &serial);
	iosurface_v1_bind_port(s->proxy, serial, 0);
	iosurface_v1_bind_port(s->proxy, serial, 1);
	iosurface_v1_bind_port(s->proxy, serial, 0);
	int dead = hostile_take_port(c, &dead_serial);
	close(dead);
	// The compositor notices the dead port asynchronously; either order must be harmless.
	harness_sleep_ms(50);
	iosurface_v1_bind_port(s->proxy, dead_serial, 0);
	hostile_roundtrip(c);
	// Word 2 of the slot counts each port once, when the first of its record and its
	// bind_port is handled: the dead one too, however the request and its death were
	// ordered (a holder of the descriptor can kill a port before the request is read, and
	// the issuer's figures must converge all the same). The repeated requests count nothing.
	uint32_t *pool = mmap(NULL, c->pool_size, PROT_READ, MAP_SHARED, c->pool_fd, 0);
	CHECK(pool != MAP_FAILED);
	CHECK_EQ(__atomic_load_n(&pool[s->slot * 8 + 2], __ATOMIC_ACQUIRE), 2);
	// One live port once the dead one is gone: the use count settles at 1.
	int64_t deadline = harness_now_ms() + harness_scale_timeout(2000);
	while (__atomic_load_n(&pool[s->slot * 8 + 0], __ATOMIC_ACQUIRE) != 1 &&
			harness_now_ms() < deadline) {
		harness_sleep_ms(10);
	}
	CHECK_EQ(__atomic_load_n(&pool[s->slot * 8 + 0], __ATOMIC_ACQUIRE), 1);
	munmap(pool, c->pool_size);
	close(port);
	hostile_surface_destroy(s);
	hostile_roundtrip(c);
	hostile_disconnect(c);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

/* ---- create_buffer ---- */

TEST(create_buffer_of_nv12_is_unsupported_format) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct hostile_conn *c = hostile_connect();
	CHECK_GT(c->display_format_count, 0);
	for (size_t i = 0; i < c->display_format_count; i++) {
		CHECK_NE(c->display_formats[i], DRM_FORMAT_NV12);
	}
	struct hostile_surface *nv12 = hostile_create(c, 64, 64, DRM_FORMAT_NV12, 0);
	CHECK(nv12->done);
	CHECK_EQ(nv12->plane_count, 2);
	struct wl_buffer *buffer = iosurface_v1_create_buffer(nv12->proxy);
	hostile_expect_error(c, nv12->proxy, &iosurface_v1_interface,
			IOSURFACE_V1_ERROR_UNSUPPORTED_FORMAT);
	wl_proxy_destroy((struct wl_proxy *)buffer);
	hostile_surface_destroy(nv12);
	hostile_disconnect(c);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

TEST(create_buffer_of_plain_memory_is_unsupported_format) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct hostile_conn *c = hostile_connect();
	struct hostile_surface *s = hostile_create(c, 64, 64, 0x12345678, 4);
	CHECK(s->done);
	struct wl_buffer *buffer = iosurface_v1_create_buffer(s->proxy);
	hostile_expect_error(c, s->proxy, &iosurface_v1_interface,
			IOSURFACE_V1_ERROR_UNSUPPORTED_FORMAT);
	wl_proxy_destroy((struct wl_proxy *)buffer);
	hostile_surface_destroy(s);
	hostile_disconnect(c);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

/* ---- Read-only holders ---- */

struct read_only_pair {
	struct hostile_conn *writer, *reader;
	struct hostile_surface *w, *r;
};

/* The writer creates a surface and binds a read-only port; the reader redeems it. */
static void read_only_pair_open(struct read_only_pair *p) {
	p->writer = hostile_connect();
	p->w = hostile_create_ok(p->writer, 64, 64);
	uint32_t serial;
	int port = hostile_take_port(p->writer, &serial);
	iosurface_v1_bind_port(p->w->proxy, serial, BIND_READ_ONLY);
	hostile_roundtrip(p->writer);
	p->reader = hostile_connect();
	p->r = hostile_surface_wrap(p->reader,
			iosurface_manager_v1_redeem_port(p->reader->manager, port));
	hostile_roundtrip(p->reader);
	close(port);
	if (!p->r->done) {
		FAIL("redeeming a read-only port failed: reason %u: %s", p->r->reason, p->r->message);
	}
	CHECK_EQ(p->r->id, p->w->id);
	CHECK_EQ(p->r->read_only, 1);
	CHECK_EQ(p->r->mem_flags[0] & IOSURFACE_V1_MEMORY_FLAGS_READ_ONLY,
			IOSURFACE_V1_MEMORY_FLAGS_READ_ONLY);
	CHECK_EQ(p->w->read_only, 0);
}

static void read_only_pair_close(struct read_only_pair *p) {
	hostile_surface_destroy(p->r);
	hostile_disconnect(p->reader);
	hostile_surface_destroy(p->w);
	hostile_roundtrip(p->writer);
	hostile_disconnect(p->writer);
}

typedef void (*read_only_abuse)(struct hostile_surface *r);

#define expect_read_only_error(abuse) expect_read_only_error_at(__FILE__, __LINE__, abuse)
static void expect_read_only_error_at(const char *file, int line, read_only_abuse abuse) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct read_only_pair p;
	read_only_pair_open(&p);
	set_integer(p.w, "kept", 1);
	hostile_roundtrip(p.writer);
	abuse(p.r);
	hostile_expect_error_at(file, line, p.reader, (struct wl_proxy *)p.r->proxy,
			&iosurface_v1_interface, IOSURFACE_V1_ERROR_READ_ONLY);
	// The writer's surface is untouched and still works.
	iosurface_v1_get_values(p.w->proxy, "kept");
	iosurface_v1_set_purgeable(p.w->proxy, IOSURFACE_V1_PURGEABLE_KEEP_CURRENT);
	hostile_roundtrip(p.writer);
	CHECK_EQ(p.w->values, 1);
	CHECK_EQ(p.w->purgeable_done, 1);
	CHECK_EQ(p.w->old_state, IOSURFACE_V1_PURGEABLE_NON_VOLATILE);
	CHECK_EQ(p.w->emptied, 0);
	read_only_pair_close(&p);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

static void ro_set_value(struct hostile_surface *r) {
	set_integer(r, "key", 1);
}

TEST(read_only_set_value_is_read_only) {
	expect_read_only_error(ro_set_value);
}

static void ro_remove_value(struct hostile_surface *r) {
	iosurface_v1_remove_value(r->proxy, "kept");
}

TEST(read_only_set_value_memory_is_read_only) {
	expect_read_only_error(ro_set_value_memory);
}

TEST(read_only_remove_value_is_read_only) {
	expect_read_only_error(ro_remove_value);
}

static void ro_remove_all_values(struct hostile_surface *r) {
	iosurface_v1_remove_all_values(r->proxy);
}

TEST(read_only_remove_all_values_is_read_only) {
	expect_read_only_error(ro_remove_all_values);
}

static void ro_set_purgeable_non_volatile(struct hostile_surface *r) {
	iosurface_v1_set_purgeable(r->proxy, IOSURFACE_V1_PURGEABLE_NON_VOLATILE);
}

TEST(read_only_set_purgeable_non_volatile_is_read_only) {
	expect_read_only_error(ro_set_purgeable_non_volatile);
}

static void ro_set_purgeable_volatile(struct hostile_surface *r) {
	iosurface_v1_set_purgeable(r->proxy, IOSURFACE_V1_PURGEABLE_VOLATILE);
}

TEST(read_only_set_purgeable_volatile_is_read_only) {
	expect_read_only_error(ro_set_purgeable_volatile);
}

static void ro_set_purgeable_empty(struct hostile_surface *r) {
	iosurface_v1_set_purgeable(r->proxy, IOSURFACE_V1_PURGEABLE_EMPTY);
}

TEST(read_only_set_purgeable_empty_is_read_only) {
	expect_read_only_error(ro_set_purgeable_empty);
}

static void ro_notify_seed(struct hostile_surface *r) {
	iosurface_v1_notify_seed(r->proxy);
}

TEST(read_only_notify_seed_is_read_only) {
	expect_read_only_error(ro_notify_seed);
}

static void ro_bind_writable_port(struct hostile_surface *r) {
	CHECK_GT(r->conn->port_count, 0);
	iosurface_v1_bind_port(r->proxy, r->conn->ports[0].serial, 0);
}

TEST(read_only_bind_port_writable_is_read_only) {
	expect_read_only_error(ro_bind_writable_port);
}

TEST(read_only_holder_may_do_what_reads) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct read_only_pair p;
	read_only_pair_open(&p);
	set_integer(p.w, "kept", 1);
	hostile_roundtrip(p.writer);
	iosurface_v1_set_purgeable(p.r->proxy, IOSURFACE_V1_PURGEABLE_KEEP_CURRENT);
	iosurface_v1_get_values(p.r->proxy, NULL);
	iosurface_v1_watch(p.r->proxy, IOSURFACE_V1_WATCH_SEED);
	iosurface_v1_set_in_use(p.r->proxy, 1);
	iosurface_v1_set_in_use(p.r->proxy, 0);
	// A read-only holder may pass on read-only ports, and those stay read-only.
	uint32_t serial;
	int port = hostile_take_port(p.reader, &serial);
	iosurface_v1_bind_port(p.r->proxy, serial, BIND_READ_ONLY);
	hostile_roundtrip(p.reader);
	CHECK_EQ(p.r->purgeable_done, 1);
	CHECK_EQ(p.r->values, 1);
	struct hostile_conn *third = hostile_connect();
	struct hostile_surface *t = hostile_surface_wrap(third,
			iosurface_manager_v1_redeem_port(third->manager, port));
	hostile_roundtrip(third);
	close(port);
	CHECK(t->done);
	CHECK_EQ(t->read_only, 1);
	set_integer(t, "key", 1);
	hostile_expect_error(third, t->proxy, &iosurface_v1_interface, IOSURFACE_V1_ERROR_READ_ONLY);
	hostile_surface_destroy(t);
	hostile_disconnect(third);
	read_only_pair_close(&p);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

TEST(read_only_memory_descriptor_cannot_write) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct read_only_pair p;
	read_only_pair_open(&p);
	int fd = p.r->mem_fd[0];
	size_t size = p.r->mem_size[0];
	CHECK_EQ(size, p.w->mem_size[0]);
	CHECK_EQ(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDONLY);

	errno = 0;
	void *map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(map == MAP_FAILED);
	CHECK_EQ(errno, EACCES);
	errno = 0;
	CHECK_EQ(write(fd, "x", 1), -1);
	CHECK_EQ(errno, EBADF);
	errno = 0;
	CHECK_EQ(pwrite(fd, "x", 1, 0), -1);
	CHECK_EQ(errno, EBADF);
	CHECK_EQ(ftruncate(fd, 0), -1);
	CHECK_EQ(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 4096), -1);

	// Readable and shared: the writer's pixels and seed show through; the mapping cannot be
	// made writable afterwards.
	uint8_t *wmap = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, p.w->mem_fd[0], 0);
	CHECK(wmap != MAP_FAILED);
	uint8_t *rmap = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(rmap != MAP_FAILED);
	wmap[100] = 0xab;
	__atomic_store_n((uint32_t *)(wmap + p.w->seed_offset), 41, __ATOMIC_RELEASE);
	CHECK_EQ(rmap[100], 0xab);
	CHECK_EQ(p.r->seed_index, 0);
	CHECK_EQ(__atomic_load_n((uint32_t *)(rmap + p.r->seed_offset), __ATOMIC_ACQUIRE), 41);
	errno = 0;
	CHECK_EQ(mprotect(rmap, size, PROT_READ | PROT_WRITE), -1);
	CHECK_EQ(errno, EACCES);
	munmap(rmap, size);
	munmap(wmap, size);

	read_only_pair_close(&p);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

TEST(read_only_memory_descriptor_cannot_be_reopened_writable_by_another_uid) {
	// /proc/self/fd/N opens the file afresh, with the access the file's mode allows. The
	// module makes surface memfds 0400, so a read-only holder of another uid can neither
	// reopen its descriptor writable nor give itself the permission back. (A holder of the
	// compositor's own uid owns the file and can; doc/protocol.md states that limit.)
	if (geteuid() != 0) {
		SKIP("needs root, to run the read-only holder as another uid");
	}
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct read_only_pair p;
	read_only_pair_open(&p);
	pid_t pid = fork();
	CHECK_GE(pid, 0);
	if (pid == 0) {
		if (setgid(65534) != 0 || setuid(65534) != 0) {
			_exit(3);
		}
		// Changing uid makes /proc/self root's; make it this process's again, so that the
		// check below is the file's mode and nothing else.
		prctl(PR_SET_DUMPABLE, 1);
		char path[64];
		snprintf(path, sizeof(path), "/proc/self/fd/%d", p.r->mem_fd[0]);
		char target[128];
		ssize_t reachable = readlink(path, target, sizeof(target));
		int rw = open(path, O_RDWR | O_CLOEXEC);
		int rw_errno = errno;
		int chmod_ret = fchmod(p.r->mem_fd[0], 0600);
		void *map = mmap(NULL, p.r->mem_size[0], PROT_READ | PROT_WRITE, MAP_SHARED,
				p.r->mem_fd[0], 0);
		// 0: as expected; 1: could reopen writable; 2: could chmod; 4: mapped writable;
		// 8: /proc/self/fd was not reachable, or the reopen failed for another reason than
		// the file's mode, so the test would prove nothing.
		_exit((rw >= 0 ? 1 : 0) | (chmod_ret == 0 ? 2 : 0) | (map != MAP_FAILED ? 4 : 0) |
				(reachable < 0 || (rw < 0 && rw_errno != EACCES) ? 8 : 0));
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	read_only_pair_close(&p);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 0);
}

/* ---- Descriptors no client may write ---- */

TEST(state_pool_cannot_be_written_by_any_client) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct hostile_conn *c = hostile_connect();
	struct hostile_surface *s = hostile_create_ok(c, 16, 16);
	int fd = c->pool_fd;
	size_t size = c->pool_size;
	CHECK_GT(size, 0);

	int seals = fcntl(fd, F_GET_SEALS);
	CHECK_GE(seals, 0);
	CHECK_EQ(seals & (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL | F_SEAL_FUTURE_WRITE),
			F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL | F_SEAL_FUTURE_WRITE);
	errno = 0;
	CHECK_EQ(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), -1);
	CHECK_EQ(errno, EPERM);

	errno = 0;
	void *map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(map == MAP_FAILED);
	CHECK(errno == EPERM || errno == EACCES);
	errno = 0;
	CHECK_EQ(write(fd, "x", 1), -1);
	CHECK(errno == EPERM || errno == EBADF);
	errno = 0;
	CHECK_EQ(pwrite(fd, "x", 1, 0), -1);
	CHECK(errno == EPERM || errno == EBADF);
	errno = 0;
	CHECK_EQ(ftruncate(fd, 0), -1);
	CHECK_EQ(ftruncate(fd, (off_t)size * 2), -1);

	// Not through a fresh open of the same file either.
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	int rw = open(path, O_RDWR | O_CLOEXEC);
	if (rw >= 0) {
		errno = 0;
		map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, rw, 0);
		CHECK(map == MAP_FAILED);
		CHECK(errno == EPERM || errno == EACCES);
		CHECK_EQ(write(rw, "x", 1), -1);
		close(rw);
	}

	// A read-only mapping works, shows the slot, and cannot be made writable.
	uint32_t *pool = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(pool != MAP_FAILED);
	iosurface_v1_set_in_use(s->proxy, 1);
	hostile_roundtrip(c);
	CHECK_EQ(__atomic_load_n(&pool[s->slot * 8 + 0], __ATOMIC_ACQUIRE), 1);
	CHECK_EQ(__atomic_load_n(&pool[s->slot * 8 + 1], __ATOMIC_ACQUIRE), 1);
	errno = 0;
	CHECK_EQ(mprotect(pool, size, PROT_READ | PROT_WRITE), -1);
	CHECK(errno == EACCES || errno == EPERM);
	munmap(pool, size);

	hostile_surface_destroy(s);
	hostile_roundtrip(c);
	hostile_disconnect(c);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

TEST(surface_memory_cannot_be_resized_by_its_writer) {
	// A shrunk memfd would make the compositor's own mapping fault (SIGBUS) when it shows it.
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct hostile_conn *c = hostile_connect();
	struct hostile_surface *s = hostile_create_ok(c, 64, 64);
	int fd = s->mem_fd[0];
	int seals = fcntl(fd, F_GET_SEALS);
	CHECK_GE(seals, 0);
	CHECK_EQ(seals & (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL),
			F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
	errno = 0;
	CHECK_EQ(ftruncate(fd, 0), -1);
	CHECK_EQ(errno, EPERM);
	errno = 0;
	CHECK_EQ(ftruncate(fd, (off_t)s->mem_size[0] * 2), -1);
	CHECK_EQ(errno, EPERM);
	errno = 0;
	CHECK_EQ(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), -1);
	CHECK_EQ(errno, EPERM);
	// Punching a hole is allowed (it keeps the size); the surface still works afterwards.
	fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, s->mem_size[0]);
	set_integer(s, "still", 1);
	iosurface_v1_notify_seed(s->proxy);
	hostile_roundtrip(c);
	hostile_surface_destroy(s);
	hostile_roundtrip(c);
	hostile_disconnect(c);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

int main(int argc, char **argv) {
	return harness_main(argc, argv);
}
