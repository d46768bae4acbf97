/* Surface pools: recycling driven by the compositor's not-in-use notification. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <sys/resource.h>
#include <unistd.h>

#include "e2e-util.h"

static const struct iosurface_properties bgra_1080p = {
	.width = 1920,
	.height = 1080,
	.pixel_format = DRM_FORMAT_ARGB8888,
	.name = "pool test",
};

/* Takes from pool, dispatching notifications until one is free. */
static struct iosurface *take_waiting(struct iosurface_client *c, struct iosurface_pool *pool) {
	int64_t deadline = harness_now_ms() + harness_scale_timeout(5000);
	for (;;) {
		struct iosurface *s = iosurface_pool_take(pool);
		if (s != NULL || errno != EAGAIN || harness_now_ms() > deadline) {
			return s;
		}
		struct pollfd pfd = { iosurface_client_get_fd(c), POLLIN, 0 };
		poll(&pfd, 1, 50);
	}
}

static long minor_faults(void) {
	struct rusage usage;
	CHECK_EQ(getrusage(RUSAGE_SELF, &usage), 0);
	return usage.ru_minflt;
}

TEST(pool_recycles_an_unshared_surface_at_once) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct iosurface_client *c = connect_client();
	struct iosurface_pool *pool = iosurface_pool_create(c, &bgra_1080p, NULL);
	CHECK_NOT_NULL(pool);

	struct iosurface *s = iosurface_pool_take(pool);
	CHECK_NOT_NULL(s);
	CHECK_EQ(iosurface_get_width(s), 1920);
	CHECK_STREQ(iosurface_get_name(s), "pool test");
	uint32_t id = iosurface_get_id(s);
	CHECK_EQ(iosurface_pool_recycle(pool, s, IOSURFACE_POOL_RECYCLE_UNSHARED), 0);
	struct iosurface_pool_stats stats;
	iosurface_pool_get_stats(pool, &stats);
	CHECK_EQ(stats.surfaces, 1);
	CHECK_EQ(stats.idle, 1);

	struct iosurface *t = iosurface_pool_take(pool);
	CHECK_NOT_NULL(t);
	CHECK_EQ(iosurface_get_id(t), id);
	iosurface_pool_get_stats(pool, &stats);
	CHECK_EQ(stats.created, 1);
	CHECK_EQ(stats.taken, 1);
	// Given back twice, or something that is not the pool's: refused.
	CHECK_EQ(iosurface_pool_recycle(pool, t, 0), 0);
	iosurface_ref(t);
	CHECK_EQ(iosurface_pool_recycle(pool, t, 0), -EINVAL);
	struct iosurface *other = create_bgra(c, 16, 16);
	CHECK_EQ(iosurface_pool_recycle(pool, other, 0), -EINVAL);
	iosurface_unref(other);
	iosurface_unref(t);

	iosurface_pool_destroy(pool);
	iosurface_client_destroy(c);
	harness_compositor_stop(hc);
}

TEST(pool_bounds_the_surfaces_it_owns_and_keeps) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct iosurface_client *c = connect_client();
	struct iosurface_pool_options options;
	iosurface_pool_options_init(&options);
	options.max_surfaces = 3;
	options.max_idle = 1;
	struct iosurface_pool *pool = iosurface_pool_create(c, &bgra_1080p, &options);
	CHECK_NOT_NULL(pool);

	struct iosurface *s[3];
	for (int i = 0; i < 3; i++) {
		s[i] = iosurface_pool_take(pool);
		CHECK_NOT_NULL(s[i]);
	}
	CHECK(iosurface_pool_take(pool) == NULL);
	CHECK_EQ(errno, EAGAIN);
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(iosurface_pool_recycle(pool, s[i], IOSURFACE_POOL_RECYCLE_UNSHARED), 0);
	}
	struct iosurface_pool_stats stats;
	iosurface_pool_get_stats(pool, &stats);
	CHECK_EQ(stats.idle, 1);
	CHECK_EQ(stats.surfaces, 1);
	CHECK_EQ(iosurface_pool_flush(pool), 1);
	iosurface_pool_get_stats(pool, &stats);
	CHECK_EQ(stats.surfaces, 0);

	// Bad options are refused.
	options.max_idle = 4;
	CHECK(iosurface_pool_create(c, &bgra_1080p, &options) == NULL);
	CHECK_EQ(errno, EINVAL);
	options.max_surfaces = 0;
	CHECK(iosurface_pool_create(c, &bgra_1080p, &options) == NULL);

	iosurface_pool_destroy(pool);
	iosurface_client_destroy(c);
	harness_compositor_stop(hc);
}

/*
 * A surface handed to another process comes back only when that process lets it go, and it
 * is the notification that brings it back: until then the pool makes a new one.
 */
TEST(pool_waits_for_the_consumer_to_let_go) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct iosurface_client *producer = connect_client();
	struct iosurface_client *consumer = connect_client();
	struct iosurface_pool *pool = iosurface_pool_create(producer, &bgra_1080p, NULL);
	CHECK_NOT_NULL(pool);

	struct iosurface *s = iosurface_pool_take(pool);
	CHECK_NOT_NULL(s);
	uint32_t id = iosurface_get_id(s);
	int port = iosurface_create_port(s);
	CHECK_GE(port, 0);
	struct iosurface *held = iosurface_lookup_from_port(consumer, port);
	CHECK_NOT_NULL(held);
	iosurface_increment_use_count(held);
	close(port);
	CHECK_EQ(iosurface_pool_recycle(pool, s, 0), 0);
	CHECK_GLOBAL(held, 1);

	// In use by the consumer: not handed out again.
	struct iosurface *t = iosurface_pool_take(pool);
	CHECK_NOT_NULL(t);
	CHECK_NE(iosurface_get_id(t), id);
	CHECK_EQ(iosurface_pool_recycle(pool, t, IOSURFACE_POOL_RECYCLE_UNSHARED), 0);

	// The consumer is done: the notification makes it idle, and it is taken again.
	iosurface_decrement_use_count(held);
	iosurface_unref(held);
	CHECK_EQ(iosurface_client_roundtrip(consumer), 0);
	int64_t deadline = harness_now_ms() + harness_scale_timeout(5000);
	struct iosurface_pool_stats stats;
	do {
		struct pollfd pfd = { iosurface_client_get_fd(producer), POLLIN, 0 };
		poll(&pfd, 1, 50);
		CHECK_GE(iosurface_client_dispatch(producer), 0);
		iosurface_pool_get_stats(pool, &stats);
	} while (stats.idle < 2 && harness_now_ms() < deadline);
	CHECK_EQ(stats.idle, 2);
	CHECK_EQ(stats.returning, 0);
	CHECK_EQ(stats.created, 2);

	iosurface_pool_destroy(pool);
	iosurface_client_destroy(consumer);
	iosurface_client_destroy(producer);
	harness_compositor_stop(hc);
}

/* Steady state: no surface created and no new page touched per frame. */
TEST(pool_steady_state_allocates_nothing) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct iosurface_client *c = connect_client();
	struct iosurface_pool_options options;
	iosurface_pool_options_init(&options);
	options.max_surfaces = 2;
	struct iosurface_pool *pool = iosurface_pool_create(c, &bgra_1080p, &options);
	CHECK_NOT_NULL(pool);

	long before = 0;
	const int warmup = 4, frames = 200;
	for (int i = 0; i < warmup + frames; i++) {
		if (i == warmup) {
			before = minor_faults();
		}
		struct iosurface *s = take_waiting(c, pool);
		CHECK_NOT_NULL(s);
		CHECK_EQ(iosurface_lock(s, 0, NULL), 0);
		uint32_t *pixels = iosurface_get_base_address(s);
		size_t words = iosurface_get_alloc_size(s) / 4;
		// Every page of the surface, every frame.
		for (size_t w = 0; w < words; w += 1024) {
			pixels[w] = (uint32_t)i;
		}
		CHECK_EQ(iosurface_unlock(s, 0, NULL), 0);
		CHECK_EQ(iosurface_pool_recycle(pool, s, IOSURFACE_POOL_RECYCLE_UNSHARED), 0);
	}
	long faults = minor_faults() - before;
	struct iosurface_pool_stats stats;
	iosurface_pool_get_stats(pool, &stats);
	CHECK_EQ(stats.created, 1);
	// A new 1080p surface per frame would fault in about 2,000 pages each time.
	fprintf(stderr, "pool: %ld minor faults over %d frames\n", faults, frames);
	CHECK_LT(faults, 64);

	iosurface_pool_destroy(pool);
	iosurface_client_destroy(c);
	harness_compositor_stop(hc);
}

TEST(pool_idle_surfaces_can_be_made_volatile) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct iosurface_client *c = connect_client();
	struct iosurface_pool *pool = iosurface_pool_create(c, &bgra_1080p, NULL);
	CHECK_NOT_NULL(pool);

	struct iosurface *s = iosurface_pool_take(pool);
	CHECK_NOT_NULL(s);
	uint32_t id = iosurface_get_id(s);
	CHECK_EQ(iosurface_pool_recycle(pool, s, IOSURFACE_POOL_RECYCLE_UNSHARED), 0);
	CHECK_EQ(iosurface_pool_make_idle_volatile(pool), 1);
	struct iosurface_pool_stats stats;
	iosurface_pool_get_stats(pool, &stats);
	CHECK_EQ(stats.volatile_idle, 1);
	// Taken again, it is non-volatile.
	struct iosurface *t = iosurface_pool_take(pool);
	CHECK_NOT_NULL(t);
	CHECK_EQ(iosurface_get_id(t), id);
	uint32_t old = 99;
	CHECK_EQ(iosurface_set_purgeable(t, IOSURFACE_PURGEABLE_KEEP_CURRENT, &old), 0);
	CHECK_EQ(old, IOSURFACE_PURGEABLE_NON_VOLATILE);
	CHECK_EQ(iosurface_pool_recycle(pool, t, IOSURFACE_POOL_RECYCLE_UNSHARED), 0);

	iosurface_pool_destroy(pool);
	iosurface_client_destroy(c);
	harness_compositor_stop(hc);
}

int main(int argc, char **argv) {
	return harness_main(argc, argv);
}
