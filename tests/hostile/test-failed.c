/*
 * Failures a client cannot predict are failed events, not protocol errors: unknown formats,
 * quotas, lookups the compositor refuses. The connection stays usable after each.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hostile.h"

/* A valid encoded integer value ('i', little-endian i64). */
static void put_integer(struct wl_array *array, int64_t v) {
	uint8_t *p = wl_array_add(array, 9);
	CHECK_NOT_NULL(p);
	p[0] = 'i';
	for (int i = 0; i < 8; i++) {
		p[1 + i] = (uint8_t)((uint64_t)v >> (8 * i));
	}
}

/* The surface still works: its memory keeps what is written, values are stored. */
static void check_surface_works(struct hostile_surface *s, uint8_t tag) {
	CHECK(s->done);
	uint8_t *map = mmap(NULL, s->alloc_size, PROT_READ | PROT_WRITE, MAP_SHARED, s->mem_fd[0], 0);
	CHECK(map != MAP_FAILED);
	memset(map, tag, s->alloc_size);
	CHECK_EQ(map[0], tag);
	CHECK_EQ(map[s->alloc_size - 1], tag);
	munmap(map, s->alloc_size);

	struct wl_array value;
	wl_array_init(&value);
	put_integer(&value, tag);
	iosurface_v1_set_value(s->proxy, "tag", &value);
	wl_array_release(&value);
	uint32_t before = s->values;
	iosurface_v1_get_values(s->proxy, "tag");
	hostile_roundtrip(s->conn);
	CHECK_EQ(s->values, before + 1);
}

/* ---- Formats ---- */

TEST(unknown_format_without_bpe_is_failed_unknown_format) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct hostile_conn *c = hostile_connect();
	struct hostile_surface *s = hostile_create(c, 64, 64, 0x12345678, 0);
	hostile_expect_failed(s, IOSURFACE_V1_FAILURE_UNKNOWN_FORMAT);
	// Still usable: the same format with explicit element sizes is plain memory.
	struct hostile_surface *plain = hostile_create(c, 64, 64, 0x12345678, 4);
	CHECK(plain->done);
	CHECK_EQ(plain->format, 0x12345678);
	CHECK_EQ(plain->bytes_per_row, 256);
	check_surface_works(plain, 0x5a);
	hostile_surface_destroy(plain);
	hostile_surface_destroy(s);
	hostile_roundtrip(c);
	hostile_disconnect(c);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

TEST(unknown_planar_format_without_bpe_is_failed_unknown_format) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct hostile_conn *c = hostile_connect();
	struct iosurface_params_v1 *p = iosurface_manager_v1_create_params(c->manager);
	iosurface_params_v1_set_size(p, 64, 64);
	iosurface_params_v1_set_format(p, 0x12345678);
	iosurface_params_v1_set_plane_count(p, 2);
	iosurface_params_v1_set_plane(p, 0, 0, 0, 0, 1, 0, 0, 0, 0);
	struct hostile_surface *s = hostile_surface_wrap(c, iosurface_params_v1_create(p));
	iosurface_params_v1_destroy(p);
	hostile_roundtrip(c);
	// Plane 1 has no element size.
	hostile_expect_failed(s, IOSURFACE_V1_FAILURE_UNKNOWN_FORMAT);
	hostile_surface_destroy(s);
	struct hostile_surface *ok = hostile_create_ok(c, 16, 16);
	hostile_surface_destroy(ok);
	hostile_roundtrip(c);
	hostile_disconnect(c);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

/* ---- Quotas ---- */

TEST(quota_count_exceeded_is_failed_and_destroy_frees_it) {
	struct harness_compositor *hc = harness_compositor_start(HOSTILE_ARGS("--quota-count", "2"));
	struct hostile_conn *c = hostile_connect();
	CHECK_EQ(c->quota_count, 2);
	struct hostile_surface *a = hostile_create_ok(c, 64, 64);
	struct hostile_surface *b = hostile_create_ok(c, 64, 64);
	struct hostile_surface *x = hostile_create(c, 64, 64, DRM_FORMAT_ARGB8888, 0);
	hostile_expect_failed(x, IOSURFACE_V1_FAILURE_QUOTA_COUNT);
	// A failed create counts for nothing, however often it is tried.
	struct hostile_surface *y = hostile_create(c, 1, 1, DRM_FORMAT_ARGB8888, 0);
	hostile_expect_failed(y, IOSURFACE_V1_FAILURE_QUOTA_COUNT);
	hostile_surface_destroy(x);
	hostile_surface_destroy(y);

	// The surfaces made before the refusal still work.
	check_surface_works(a, 1);
	check_surface_works(b, 2);

	// The quota is per client.
	struct hostile_conn *other = hostile_connect();
	struct hostile_surface *o = hostile_create_ok(other, 64, 64);
	hostile_surface_destroy(o);
	hostile_roundtrip(other);
	hostile_disconnect(other);

	// Destroying one gives its place back.
	hostile_surface_destroy(a);
	hostile_roundtrip(c);
	struct hostile_surface *a2 = hostile_create_ok(c, 64, 64);
	check_surface_works(a2, 3);
	struct hostile_surface *z = hostile_create(c, 64, 64, DRM_FORMAT_ARGB8888, 0);
	hostile_expect_failed(z, IOSURFACE_V1_FAILURE_QUOTA_COUNT);

	hostile_surface_destroy(z);
	hostile_surface_destroy(a2);
	hostile_surface_destroy(b);
	hostile_roundtrip(c);
	hostile_disconnect(c);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

TEST(quota_bytes_exceeded_is_failed_and_destroy_frees_it) {
	// 256x256 ARGB8888 is 262144 bytes: four fit in 1 MiB, with 1 KiB left for values.
	struct harness_compositor *hc = harness_compositor_start(
			HOSTILE_ARGS("--quota-bytes", "1049600"));
	struct hostile_conn *c = hostile_connect();
	CHECK_EQ(c->quota_bytes, 1049600);
	struct hostile_surface *s[4];
	for (int i = 0; i < 4; i++) {
		s[i] = hostile_create_ok(c, 256, 256);
		CHECK_EQ(s[i]->alloc_size, 262144);
	}
	struct hostile_surface *x = hostile_create(c, 256, 256, DRM_FORMAT_ARGB8888, 0);
	hostile_expect_failed(x, IOSURFACE_V1_FAILURE_QUOTA_BYTES);
	hostile_surface_destroy(x);
	// Even one page more is refused.
	x = hostile_create(c, 1, 1, DRM_FORMAT_ARGB8888, 0);
	hostile_expect_failed(x, IOSURFACE_V1_FAILURE_QUOTA_BYTES);
	hostile_surface_destroy(x);

	for (int i = 0; i < 4; i++) {
		check_surface_works(s[i], (uint8_t)(0x10 + i));
	}

	hostile_surface_destroy(s[2]);
	hostile_roundtrip(c);
	s[2] = hostile_create_ok(c, 256, 256);
	check_surface_works(s[2], 0x22);
	x = hostile_create(c, 1, 1, DRM_FORMAT_ARGB8888, 0);
	hostile_expect_failed(x, IOSURFACE_V1_FAILURE_QUOTA_BYTES);
	hostile_surface_destroy(x);

	for (int i = 0; i < 4; i++) {
		hostile_surface_destroy(s[i]);
	}
	hostile_roundtrip(c);
	hostile_disconnect(c);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

TEST(quota_bytes_one_surface_larger_than_quota_is_failed) {
	struct harness_compositor *hc = harness_compositor_start(
			HOSTILE_ARGS("--quota-bytes", "1049600"));
	struct hostile_conn *c = hostile_connect();
	struct hostile_surface *x = hostile_create(c, 1024, 1024, DRM_FORMAT_ARGB8888, 0);
	hostile_expect_failed(x, IOSURFACE_V1_FAILURE_QUOTA_BYTES);
	hostile_surface_destroy(x);
	struct hostile_surface *ok = hostile_create_ok(c, 512, 512);
	check_surface_works(ok, 9);
	hostile_surface_destroy(ok);
	hostile_roundtrip(c);
	hostile_disconnect(c);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

/* An encoded bytes value of len bytes ('x', little-endian u32 length, bytes). */
static void put_bytes(struct wl_array *array, uint32_t len) {
	uint8_t *p = wl_array_add(array, 5 + len);
	CHECK_NOT_NULL(p);
	p[0] = 'x';
	for (int i = 0; i < 4; i++) {
		p[1 + i] = (uint8_t)(len >> (8 * i));
	}
	memset(p + 5, 0xab, len);
}

TEST(values_count_against_the_creators_byte_quota) {
	struct harness_compositor *hc = harness_compositor_start(
			HOSTILE_ARGS("--quota-bytes", "1049600"));
	struct hostile_conn *c = hostile_connect();
	struct hostile_surface *s = hostile_create_ok(c, 512, 512);
	// 1 KiB of quota is left: a 2000-byte value is refused, by event; a small one is stored.
	struct wl_array value;
	wl_array_init(&value);
	put_bytes(&value, 2000);
	iosurface_v1_set_value(s->proxy, "big", &value);
	wl_array_release(&value);
	hostile_roundtrip(c);
	CHECK_EQ(s->set_value_failed, 1);
	wl_array_init(&value);
	put_bytes(&value, 600);
	iosurface_v1_set_value(s->proxy, "small", &value);
	wl_array_release(&value);
	hostile_roundtrip(c);
	CHECK_EQ(s->set_value_failed, 1);
	// A second 600-byte value no longer fits; removing the first makes room again.
	wl_array_init(&value);
	put_bytes(&value, 600);
	iosurface_v1_set_value(s->proxy, "second", &value);
	hostile_roundtrip(c);
	CHECK_EQ(s->set_value_failed, 2);
	iosurface_v1_remove_value(s->proxy, "small");
	iosurface_v1_set_value(s->proxy, "second", &value);
	wl_array_release(&value);
	hostile_roundtrip(c);
	CHECK_EQ(s->set_value_failed, 2);
	hostile_surface_destroy(s);
	hostile_roundtrip(c);
	hostile_disconnect(c);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

TEST(quota_counts_surfaces_kept_alive_by_ports_until_the_port_dies) {
	struct harness_compositor *hc = harness_compositor_start(HOSTILE_ARGS("--quota-count", "2"));
	struct hostile_conn *c = hostile_connect();
	struct hostile_surface *a = hostile_create_ok(c, 64, 64);
	uint32_t serial;
	int port = hostile_take_port(c, &serial);
	iosurface_v1_bind_port(a->proxy, serial, 0);
	hostile_surface_destroy(a);
	hostile_roundtrip(c);
	// The port keeps the surface, and the quota still counts it.
	struct hostile_surface *b = hostile_create_ok(c, 64, 64);
	struct hostile_surface *x = hostile_create(c, 64, 64, DRM_FORMAT_ARGB8888, 0);
	hostile_expect_failed(x, IOSURFACE_V1_FAILURE_QUOTA_COUNT);
	hostile_surface_destroy(x);
	// The port's last close frees the surface and its place; the compositor sees the
	// hang-up asynchronously.
	close(port);
	int64_t deadline = harness_now_ms() + harness_scale_timeout(2000);
	struct hostile_surface *y = NULL;
	for (;;) {
		y = hostile_create(c, 64, 64, DRM_FORMAT_ARGB8888, 0);
		if (y->done || harness_now_ms() > deadline) {
			break;
		}
		hostile_expect_failed(y, IOSURFACE_V1_FAILURE_QUOTA_COUNT);
		hostile_surface_destroy(y);
		harness_sleep_ms(20);
	}
	if (!y->done) {
		FAIL("the quota was not given back 2 s after the port died: reason %u: %s", y->reason,
				y->message);
	}
	hostile_surface_destroy(y);
	hostile_surface_destroy(b);
	hostile_roundtrip(c);
	hostile_disconnect(c);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

/* ---- Objects ---- */

TEST(objects_beyond_max_objects_are_failed_quota_count) {
	// Each iosurface_v1 takes a slot of the state pool; past the limit, creates, redeems and
	// lookups fail, and a freed slot is given again.
	struct harness_compositor *hc = harness_compositor_start(HOSTILE_ARGS("--max-objects", "3"));
	struct hostile_conn *c = hostile_connect();
	// Three objects, the header and the slots tickets may hold.
	CHECK_EQ(c->pool_size, (3 + 1 + 64) * 32);
	struct hostile_surface *s[3];
	for (int i = 0; i < 3; i++) {
		s[i] = hostile_create_ok(c, 16, 16);
		CHECK_GT(s[i]->slot, 0);
		CHECK_LT(s[i]->slot, 3 + 1 + 64);
	}
	struct hostile_surface *x = hostile_create(c, 16, 16, DRM_FORMAT_ARGB8888, 0);
	hostile_expect_failed(x, IOSURFACE_V1_FAILURE_QUOTA_COUNT);
	// The redeem of a live, bound port fails the same way, and closes what it received.
	uint32_t serial;
	int port = hostile_take_port(c, &serial);
	iosurface_v1_bind_port(s[0]->proxy, serial, 0);
	struct hostile_surface *r = hostile_surface_wrap(c,
			iosurface_manager_v1_redeem_port(c->manager, port));
	hostile_roundtrip(c);
	hostile_expect_failed(r, IOSURFACE_V1_FAILURE_QUOTA_COUNT);
	hostile_surface_destroy(r);
	hostile_surface_destroy(x);
	// A slot given back is used again, zeroed.
	uint32_t freed = s[1]->slot;
	hostile_surface_destroy(s[1]);
	hostile_roundtrip(c);
	s[1] = hostile_surface_wrap(c, iosurface_manager_v1_redeem_port(c->manager, port));
	hostile_roundtrip(c);
	CHECK(s[1]->done);
	CHECK_EQ(s[1]->slot, freed);
	close(port);
	// Requests on an object that got no slot are not_ready.
	x = hostile_create(c, 16, 16, DRM_FORMAT_ARGB8888, 0);
	hostile_expect_failed(x, IOSURFACE_V1_FAILURE_QUOTA_COUNT);
	iosurface_v1_set_in_use(x->proxy, 1);
	hostile_expect_error(c, x->proxy, &iosurface_v1_interface, IOSURFACE_V1_ERROR_NOT_READY);
	hostile_surface_destroy(x);
	for (int i = 0; i < 3; i++) {
		hostile_surface_destroy(s[i]);
	}
	hostile_disconnect(c);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

TEST(children_outlive_a_destroyed_manager) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct hostile_conn *c = hostile_connect();
	struct hostile_surface *s = hostile_create_ok(c, 16, 16);
	struct iosurface_params_v1 *p = iosurface_manager_v1_create_params(c->manager);
	iosurface_params_v1_set_size(p, 32, 32);
	iosurface_params_v1_set_format(p, DRM_FORMAT_ARGB8888);
	iosurface_manager_v1_destroy(c->manager);
	c->manager = NULL;
	hostile_roundtrip(c);
	// The params object and the surface still work; binding a port gets no new one.
	struct hostile_surface *t = hostile_surface_wrap(c, iosurface_params_v1_create(p));
	iosurface_params_v1_destroy(p);
	uint32_t serial;
	int port = hostile_take_port(c, &serial);
	uint32_t received = c->ports_received;
	iosurface_v1_bind_port(s->proxy, serial, 0);
	iosurface_v1_set_in_use(t->proxy, 1);
	iosurface_v1_get_values(s->proxy, NULL);
	hostile_roundtrip(c);
	CHECK(t->done);
	CHECK_EQ(s->values_done, 1);
	CHECK_EQ(c->ports_received, received);
	// Another client redeems the port bound after the manager went.
	struct hostile_conn *b = hostile_connect();
	struct hostile_surface *r = hostile_surface_wrap(b,
			iosurface_manager_v1_redeem_port(b->manager, port));
	hostile_roundtrip(b);
	close(port);
	CHECK(r->done);
	CHECK_EQ(r->id, s->id);
	hostile_surface_destroy(r);
	hostile_roundtrip(b);
	hostile_disconnect(b);
	hostile_surface_destroy(t);
	hostile_surface_destroy(s);
	hostile_roundtrip(c);
	hostile_disconnect(c);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

/* ---- Lookup ---- */

static struct hostile_surface *create_with_flags(struct hostile_conn *c, uint32_t flags) {
	struct iosurface_params_v1 *p = iosurface_manager_v1_create_params(c->manager);
	iosurface_params_v1_set_size(p, 32, 32);
	iosurface_params_v1_set_format(p, DRM_FORMAT_ARGB8888);
	iosurface_params_v1_set_flags(p, flags);
	struct hostile_surface *s = hostile_surface_wrap(c, iosurface_params_v1_create(p));
	iosurface_params_v1_destroy(p);
	hostile_roundtrip(c);
	CHECK(s->done);
	return s;
}

static struct hostile_surface *lookup(struct hostile_conn *c, uint32_t id) {
	struct hostile_surface *s = hostile_surface_wrap(c,
			iosurface_manager_v1_lookup(c->manager, id));
	hostile_roundtrip(c);
	CHECK(s->done || s->failed);
	return s;
}

TEST(lookup_without_permission_is_failed_lookup_disabled) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct hostile_conn *owner = hostile_connect();
	struct hostile_surface *g = create_with_flags(owner, IOSURFACE_PARAMS_V1_FLAGS_GLOBAL);
	struct hostile_conn *c = hostile_connect();
	uint32_t ids[] = { g->id, 0, 999999, UINT32_MAX };
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		struct hostile_surface *s = lookup(c, ids[i]);
		hostile_expect_failed(s, IOSURFACE_V1_FAILURE_LOOKUP_DISABLED);
		hostile_surface_destroy(s);
	}
	struct hostile_surface *ok = hostile_create_ok(c, 8, 8);
	hostile_surface_destroy(ok);
	hostile_roundtrip(c);
	hostile_disconnect(c);
	hostile_surface_destroy(g);
	hostile_roundtrip(owner);
	hostile_disconnect(owner);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

TEST(lookup_of_non_global_is_failed_not_global) {
	struct harness_compositor *hc = harness_compositor_start(HOSTILE_ARGS("--allow-global-lookup"));
	struct hostile_conn *owner = hostile_connect();
	struct hostile_surface *n = create_with_flags(owner, 0);
	struct hostile_surface *casting = create_with_flags(owner,
			IOSURFACE_PARAMS_V1_FLAGS_PIXEL_SIZE_CASTING_FORBIDDEN);
	struct hostile_conn *c = hostile_connect();
	struct hostile_surface *s = lookup(c, n->id);
	hostile_expect_failed(s, IOSURFACE_V1_FAILURE_NOT_GLOBAL);
	hostile_surface_destroy(s);
	s = lookup(c, casting->id);
	hostile_expect_failed(s, IOSURFACE_V1_FAILURE_NOT_GLOBAL);
	hostile_surface_destroy(s);
	// Not even its creator may look it up.
	s = lookup(owner, n->id);
	hostile_expect_failed(s, IOSURFACE_V1_FAILURE_NOT_GLOBAL);
	hostile_surface_destroy(s);

	struct hostile_surface *ok = hostile_create_ok(c, 8, 8);
	hostile_surface_destroy(ok);
	hostile_roundtrip(c);
	hostile_disconnect(c);
	hostile_surface_destroy(n);
	hostile_surface_destroy(casting);
	hostile_roundtrip(owner);
	hostile_disconnect(owner);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

TEST(lookup_of_unknown_id_is_failed_unknown_id) {
	struct harness_compositor *hc = harness_compositor_start(HOSTILE_ARGS("--allow-global-lookup"));
	struct hostile_conn *owner = hostile_connect();
	struct hostile_surface *g = create_with_flags(owner, IOSURFACE_PARAMS_V1_FLAGS_GLOBAL);
	struct hostile_conn *c = hostile_connect();
	// An id that named a surface no longer does. (The ids right after g's are reserved as
	// tickets for the two clients' creates with no round trip: of surfaces not global.)
	struct hostile_surface *dead = hostile_create_ok(owner, 16, 16);
	uint32_t dead_id = dead->id;
	hostile_surface_destroy(dead);
	hostile_roundtrip(owner);

	uint32_t ids[] = { 0, 999999, UINT32_MAX, dead_id, g->id + 1000 };
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		struct hostile_surface *s = lookup(c, ids[i]);
		hostile_expect_failed(s, IOSURFACE_V1_FAILURE_UNKNOWN_ID);
		hostile_surface_destroy(s);
	}

	// The global one is found, with full access, the same surface.
	struct hostile_surface *found = lookup(c, g->id);
	CHECK(found->done);
	CHECK_EQ(found->id, g->id);
	CHECK_EQ(found->read_only, 0);
	CHECK_EQ(found->mem_flags[0] & IOSURFACE_V1_MEMORY_FLAGS_READ_ONLY, 0);
	hostile_surface_destroy(found);
	hostile_roundtrip(c);

	// Once it is gone, its id is unknown and never reused.
	uint32_t gone = g->id;
	hostile_surface_destroy(g);
	hostile_roundtrip(owner);
	struct hostile_surface *s = lookup(c, gone);
	hostile_expect_failed(s, IOSURFACE_V1_FAILURE_UNKNOWN_ID);
	hostile_surface_destroy(s);
	struct hostile_surface *next = create_with_flags(owner, IOSURFACE_PARAMS_V1_FLAGS_GLOBAL);
	CHECK_NE(next->id, gone);
	hostile_surface_destroy(next);
	hostile_roundtrip(owner);

	hostile_disconnect(c);
	hostile_disconnect(owner);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

int main(int argc, char **argv) {
	return harness_main(argc, argv);
}
