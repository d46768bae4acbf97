/* Small helpers shared by the end-to-end, handoff and display tests. */
#ifndef TESTS_E2E_E2E_UTIL_H
#define TESTS_E2E_E2E_UTIL_H

#include <errno.h>
#include <string.h>

#include <drm_fourcc.h>
#include <iosurface/iosurface.h>

#include "harness.h"

#define OSTYPE(a, b, c, d) \
	(((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (uint32_t)(d))

static inline struct iosurface_client *connect_client(void) {
	struct iosurface_client *c = iosurface_client_connect(NULL);
	if (c == NULL) {
		harness_fail("iosurface_client_connect: %s", strerror(errno));
	}
	return c;
}

static inline struct iosurface *create_bgra(struct iosurface_client *c, uint32_t w, uint32_t h) {
	struct iosurface_properties props = {
		.width = w,
		.height = h,
		.pixel_format = DRM_FORMAT_ARGB8888,
	};
	struct iosurface *s = iosurface_create(c, &props);
	if (s == NULL) {
		harness_fail("iosurface_create %ux%u: %s", w, h, strerror(errno));
	}
	return s;
}

/* A pixel value that depends on the position and a tag, so copies cannot pass by chance. */
static inline uint32_t pattern_pixel(uint32_t x, uint32_t y, uint32_t tag) {
	return 0xff000000u | ((x * 7 + tag) & 0xff) << 16 | ((y * 13 + tag) & 0xff) << 8 |
			((x ^ y ^ tag) & 0xff);
}

static inline void fill_pattern(struct iosurface *s, uint32_t tag) {
	CHECK_EQ(iosurface_lock(s, 0, NULL), 0);
	uint8_t *base = iosurface_get_base_address(s);
	size_t bpr = iosurface_get_bytes_per_row(s);
	for (uint32_t y = 0; y < iosurface_get_height(s); y++) {
		uint32_t *row = (uint32_t *)(base + y * bpr);
		for (uint32_t x = 0; x < iosurface_get_width(s); x++) {
			row[x] = pattern_pixel(x, y, tag);
		}
	}
	CHECK_EQ(iosurface_unlock(s, 0, NULL), 0);
}

/* Number of pixels that differ from the pattern. */
static inline size_t check_pattern(struct iosurface *s, uint32_t tag) {
	CHECK_EQ(iosurface_lock(s, IOSURFACE_LOCK_READ_ONLY, NULL), 0);
	const uint8_t *base = iosurface_get_base_address(s);
	size_t bpr = iosurface_get_bytes_per_row(s), wrong = 0;
	for (uint32_t y = 0; y < iosurface_get_height(s); y++) {
		const uint32_t *row = (const uint32_t *)(base + y * bpr);
		for (uint32_t x = 0; x < iosurface_get_width(s); x++) {
			wrong += row[x] != pattern_pixel(x, y, tag);
		}
	}
	CHECK_EQ(iosurface_unlock(s, IOSURFACE_LOCK_READ_ONLY, NULL), 0);
	return wrong;
}

/*
 * Waits until the global use count, which the compositor publishes asynchronously (after a
 * port dies, another process changes its share...), equals expected. Returns the last value.
 */
static inline uint32_t wait_global_use_count(struct iosurface *s, uint32_t expected) {
	int64_t deadline = harness_now_ms() + harness_scale_timeout(3000);
	uint32_t got;
	while ((got = iosurface_get_global_use_count(s)) != expected &&
			harness_now_ms() < deadline) {
		harness_sleep_ms(1);
	}
	return got;
}

#define CHECK_GLOBAL(s, expected) CHECK_EQ(wait_global_use_count((s), (expected)), (expected))

#endif
