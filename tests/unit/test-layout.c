/*
 * unit-layout: the layout rules of common/layout.c (ios_layout_compute, published maxima and
 * alignments): worked examples with the numbers written out, every failure status with the
 * field its message names, overflow attempts, and a randomized property test.
 */
#ifdef NDEBUG
#error "tests must be built without NDEBUG"
#endif

#include <drm_fourcc.h>

#include "common-check.h"
#include "iosurface-common.h"
#include "layout-invariants.h"

#define OSTYPE(a, b, c, d) \
	(((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (uint32_t)(d))
#define UNKNOWN_FOURCC OSTYPE('Z', 'Z', '9', '9')

static char msg[256];

static const char *status_name(enum ios_layout_status status) {
	switch (status) {
	case IOS_LAYOUT_OK:
		return "OK";
	case IOS_LAYOUT_INVALID_SIZE:
		return "INVALID_SIZE";
	case IOS_LAYOUT_INVALID_ELEMENT:
		return "INVALID_ELEMENT";
	case IOS_LAYOUT_INVALID_LAYOUT:
		return "INVALID_LAYOUT";
	case IOS_LAYOUT_INVALID_PLANE_COUNT:
		return "INVALID_PLANE_COUNT";
	case IOS_LAYOUT_UNKNOWN_FORMAT:
		return "UNKNOWN_FORMAT";
	}
	return "(not a status)";
}

static bool check_status(enum ios_layout_status got, enum ios_layout_status want,
		const char *expr, const char *file, int line) {
	if (got != want) {
		check_fail_header(file, line);
		fprintf(stderr, "%s: status %s != %s (message: \"%s\")\n", expr, status_name(got),
				status_name(want), msg);
	}
	return got == want;
}

/* CHECK_STATUS(compute(...), IOS_LAYOUT_OK): prints both statuses and the message. */
#define CHECK_STATUS(call, want) check_status((call), (want), #call, __FILE__, __LINE__)

static enum ios_layout_status compute(const struct ios_request *req,
		const struct ios_limits *limits, struct ios_layout *out) {
	memset(msg, 0, sizeof(msg));
	return ios_layout_compute(req, limits, out, msg, sizeof(msg));
}

static struct ios_request request(uint32_t width, uint32_t height, uint32_t format) {
	return (struct ios_request){ .width = width, .height = height, .format = format };
}

/* The invariants of every OK layout, plus: spelling it out explicitly gives it back. */
static bool check_layout_sound(const struct ios_request *req, const struct ios_limits *limits,
		const struct ios_layout *l) {
	char why[256];
	bool ok = layout_invariants_hold(req, limits, l, why, sizeof(why));
	if (!CHECK(ok)) {
		fprintf(stderr, "    broken rule: %s\n", why);
		return false;
	}
	struct ios_request again;
	struct ios_layout l2;
	layout_as_request(l, &again);
	if (!CHECK_STATUS(compute(&again, limits, &l2), IOS_LAYOUT_OK)) {
		return false;
	}
	return CHECK(memcmp(l, &l2, sizeof(l2)) == 0);
}

/* ---- Worked examples ---- */

static void test_argb_1080p(void) {
	struct ios_request req = request(1920, 1080, DRM_FORMAT_ARGB8888);
	struct ios_layout l;
	if (!CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_OK)) {
		return;
	}
	CHECK_STR_EQ(msg, "");
	CHECK_EQ(l.width, 1920);
	CHECK_EQ(l.height, 1080);
	CHECK_EQ(l.format, DRM_FORMAT_ARGB8888);
	CHECK_EQ(l.plane_count, 0);
	CHECK_EQ(l.bytes_per_element, 4);
	CHECK_EQ(l.element_width, 1);
	CHECK_EQ(l.element_height, 1);
	CHECK_EQ(l.bytes_per_row, 7680);
	CHECK_EQ(l.offset, 0);
	CHECK_EQ(l.alloc_size, 8294400); // 7680 * 1080, already a multiple of 4096
	check_layout_sound(&req, NULL, &l);
}

static void test_width_one(void) {
	// 'BGRA' is what an IOSurface user asks for.
	uint32_t format = ios_format_from_ostype(OSTYPE('B', 'G', 'R', 'A'));
	struct ios_request req = request(1, 1, format);
	struct ios_layout l;
	if (CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_OK)) {
		CHECK_EQ(l.bytes_per_row, 64); // 4 bytes rounded up to the row alignment
		CHECK_EQ(l.alloc_size, 4096);
		check_layout_sound(&req, NULL, &l);
	}
	req.height = 100;
	if (CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_OK)) {
		CHECK_EQ(l.bytes_per_row, 64);
		CHECK_EQ(l.alloc_size, 8192); // 6400 page-rounded
	}
	req.width = 17; // 68 bytes -> 128
	if (CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_OK)) {
		CHECK_EQ(l.bytes_per_row, 128);
		CHECK_EQ(l.alloc_size, 16384); // 12800 page-rounded
	}
}

static void test_nv12_1080p(void) {
	struct ios_request req = request(1920, 1080, DRM_FORMAT_NV12);
	struct ios_layout l;
	if (!CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_OK)) {
		return;
	}
	CHECK_EQ(l.plane_count, 2);
	const struct ios_plane_layout *y = &l.planes[0], *uv = &l.planes[1];
	CHECK_EQ(y->width, 1920);
	CHECK_EQ(y->height, 1080);
	CHECK_EQ(y->bytes_per_element, 1);
	CHECK_EQ(y->bytes_per_row, 1920);
	CHECK_EQ(y->offset, 0);
	CHECK_EQ(y->size, 2073600);
	CHECK_EQ(uv->width, 960);
	CHECK_EQ(uv->height, 540);
	CHECK_EQ(uv->bytes_per_element, 2);
	CHECK_EQ(uv->bytes_per_row, 1920);
	CHECK_EQ(uv->offset, 2073600); // right after the luma plane, already aligned
	CHECK_EQ(uv->size, 1036800);
	CHECK_EQ(l.bytes_per_row, 1920); // the surface answers with plane 0
	CHECK_EQ(l.bytes_per_element, 1);
	CHECK_EQ(l.alloc_size, 3112960); // 3110400 page-rounded
	CHECK_EQ(uv->offset % 64, 0);
	check_layout_sound(&req, NULL, &l);
}

static void test_nv12_odd(void) {
	struct ios_request req = request(1921, 1081, DRM_FORMAT_NV12);
	struct ios_layout l;
	if (!CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_OK)) {
		return;
	}
	const struct ios_plane_layout *y = &l.planes[0], *uv = &l.planes[1];
	CHECK_EQ(y->width, 1921);
	CHECK_EQ(y->height, 1081);
	CHECK_EQ(y->bytes_per_row, 1984);
	CHECK_EQ(y->size, 1984 * 1081);
	CHECK_EQ(uv->width, 961); // chroma rounds up: the last column and row still get a sample
	CHECK_EQ(uv->height, 541);
	CHECK_EQ(uv->bytes_per_row, 1984); // 1922 bytes rounded up
	CHECK_EQ(uv->offset, 2144704);
	CHECK_EQ(uv->size, 1984 * 541);
	CHECK_EQ(l.alloc_size, 3219456);
	check_layout_sound(&req, NULL, &l);
}

static void test_yuv420_odd(void) {
	struct ios_request req = request(1921, 1081, DRM_FORMAT_YUV420);
	struct ios_layout l;
	if (!CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_OK)) {
		return;
	}
	CHECK_EQ(l.plane_count, 3);
	CHECK_EQ(l.planes[0].bytes_per_row, 1984);
	CHECK_EQ(l.planes[0].offset, 0);
	for (unsigned i = 1; i < 3; i++) {
		check_context("plane %u", i);
		CHECK_EQ(l.planes[i].width, 961);
		CHECK_EQ(l.planes[i].height, 541);
		CHECK_EQ(l.planes[i].bytes_per_element, 1);
		CHECK_EQ(l.planes[i].bytes_per_row, 1024);
		CHECK_EQ(l.planes[i].size, 1024 * 541);
	}
	check_context_clear();
	CHECK_EQ(l.planes[1].offset, 2144704);
	CHECK_EQ(l.planes[2].offset, 2698688);
	CHECK_EQ(l.alloc_size, 3256320);
	check_layout_sound(&req, NULL, &l);
}

static void test_yuyv(void) {
	struct ios_request req = request(1920, 1080, DRM_FORMAT_YUYV);
	struct ios_layout l;
	if (CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_OK)) {
		CHECK_EQ(l.plane_count, 0);
		CHECK_EQ(l.element_width, 2);
		CHECK_EQ(l.element_height, 1);
		CHECK_EQ(l.bytes_per_element, 4);
		CHECK_EQ(l.bytes_per_row, 3840); // 960 elements of 4 bytes
		CHECK_EQ(l.alloc_size, 4149248); // 3840 * 1080 page-rounded
		check_layout_sound(&req, NULL, &l);
	}
	req.width = 1921; // 961 elements, the last one half used
	if (CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_OK)) {
		CHECK_EQ(l.bytes_per_row, 3904);
		check_layout_sound(&req, NULL, &l);
	}
	req = request(1920, 1080, DRM_FORMAT_UYVY);
	if (CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_OK)) {
		CHECK_EQ(l.element_width, 2);
		CHECK_EQ(l.bytes_per_row, 3840);
	}
}

/*
 * IOSurface's rule: an explicit bytes per element with no element size means 1x1 elements.
 * 'yuvs' created as Mozilla does (2 bytes per element, no row size) must get rows of
 * width * 2 bytes; taking the format's 2x1 element made them half that, and writes of a row
 * ran off the mapping.
 */
static void test_explicit_element_is_one_pixel(void) {
	static const uint32_t formats[] = { DRM_FORMAT_YUYV, DRM_FORMAT_UYVY };
	for (size_t i = 0; i < 2; i++) {
		check_context("format %zu", i);
		struct ios_request req = request(1920, 1080, formats[i]);
		req.bytes_per_element = 2;
		struct ios_layout l;
		if (CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_OK)) {
			CHECK_EQ(l.element_width, 1);
			CHECK_EQ(l.element_height, 1);
			CHECK_EQ(l.bytes_per_element, 2);
			CHECK(l.bytes_per_row >= 3840);
			CHECK(l.alloc_size >= 3840u * 1080);
			check_layout_sound(&req, NULL, &l);
		}
		// Both given: taken as given.
		req.element_width = 2;
		req.bytes_per_element = 4;
		if (CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_OK)) {
			CHECK_EQ(l.element_width, 2);
			CHECK_EQ(l.bytes_per_row, 3840);
		}
	}
	// Per plane too: NV12's chroma plane with 2 bytes per element and no element size.
	struct ios_request req = request(64, 64, DRM_FORMAT_NV12);
	req.planes[1].bytes_per_element = 2;
	struct ios_layout l;
	if (CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_OK)) {
		CHECK_EQ(l.planes[1].element_width, 1);
		CHECK_EQ(l.planes[1].bytes_per_row, 64);
		check_layout_sound(&req, NULL, &l);
	}
}

/*
 * An allocation of width * height * 4 + 16 with no row size (Mozilla's SWGL padding): aligned
 * rows do not fit at widths that are not a multiple of 16, tight rows do, as on macOS. Too
 * small for even tight rows is refused, saying so.
 */
static void test_alloc_size_fits_rows(void) {
	static const uint32_t widths[] = { 300, 301, 1000, 1366, 64 };
	for (size_t i = 0; i < sizeof(widths) / sizeof(widths[0]); i++) {
		uint32_t w = widths[i];
		check_context("width %u", w);
		struct ios_request req = request(w, 200, DRM_FORMAT_ARGB8888);
		req.alloc_size = w * 200 * 4 + 16;
		struct ios_layout l;
		if (CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_OK)) {
			CHECK(l.bytes_per_row * 200 <= req.alloc_size);
			CHECK_EQ(l.bytes_per_row, w * 4); // tight, or aligned when that is the same
			check_layout_sound(&req, NULL, &l);
		}
		// With room for aligned rows, aligned rows.
		req.alloc_size = ((w * 4 + 63) / 64 * 64) * 200;
		if (CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_OK)) {
			CHECK_EQ(l.bytes_per_row, (w * 4 + 63) / 64 * 64);
		}
		req.alloc_size = w * 200 * 4 - 1;
		if (CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_INVALID_LAYOUT)) {
			CHECK_CONTAINS(msg, "alloc_size");
		}
	}
	// A plane size that leaves no room for aligned rows gets tight ones.
	struct ios_request req = request(300, 100, DRM_FORMAT_NV12);
	req.planes[0].size = 300 * 100;
	struct ios_layout l;
	if (CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_OK)) {
		CHECK_EQ(l.planes[0].bytes_per_row, 300);
		check_layout_sound(&req, NULL, &l);
	}
}

/* ---- Explicit properties ---- */

static void test_explicit_bytes_per_row(void) {
	struct ios_request req = request(1920, 1080, DRM_FORMAT_ARGB8888);
	struct ios_layout l;
	req.bytes_per_row = 8192;
	if (CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_OK)) {
		CHECK_EQ(l.bytes_per_row, 8192);
		CHECK_EQ(l.alloc_size, 8192 * 1080);
		check_layout_sound(&req, NULL, &l);
	}
	req.bytes_per_row = 7680; // exactly the row
	CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_OK);
	// As on macOS, any multiple of the element that holds a row (surfman passes width * 4).
	req.bytes_per_row = 7680 + 4;
	if (CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_OK)) {
		CHECK_EQ(l.bytes_per_row, 7684);
		check_layout_sound(&req, NULL, &l);
	}
	req = request(300, 300, DRM_FORMAT_ARGB8888);
	req.bytes_per_row = 1200;
	if (CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_OK)) {
		CHECK_EQ(l.bytes_per_row, 1200);
		CHECK_EQ(l.alloc_size, 360448); // 360000 page-rounded
		check_layout_sound(&req, NULL, &l);
	}
	// GPU and scanout usage still need the published alignment.
	req.usage = IOS_USAGE_GPU_READ;
	if (CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_INVALID_LAYOUT)) {
		CHECK_CONTAINS(msg, "GPU");
	}
	req.bytes_per_row = 1216;
	CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_OK);
	req = request(1920, 1080, DRM_FORMAT_ARGB8888);

	static const uint32_t bad[] = {
		7616, // too small by one alignment step
		4, // far too small
		7680 + 2, // a multiple of neither the element nor the alignment
		7680 + 63,
		16384u * 64 + 64, // above the maximum
		0xffffffc0u,
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		check_context("bytes_per_row %u", bad[i]);
		req.bytes_per_row = bad[i];
		if (CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_INVALID_LAYOUT)) {
			CHECK_CONTAINS(msg, "bytes_per_row");
		}
	}

	// The same rules per plane, and the message says which plane.
	check_context("NV12 plane 1");
	req = request(1920, 1080, DRM_FORMAT_NV12);
	req.planes[1].bytes_per_row = 1856;
	if (CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_INVALID_LAYOUT)) {
		CHECK_CONTAINS(msg, "plane 1 bytes_per_row");
	}
	req.planes[1].bytes_per_row = 1920 + 2; // CbCr elements are 2 bytes: accepted
	CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_OK);
	req.planes[1].bytes_per_row = 1920 + 33;
	if (CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_INVALID_LAYOUT)) {
		CHECK_CONTAINS(msg, "plane 1 bytes_per_row");
	}
	req.planes[1].bytes_per_row = 4096;
	if (CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_OK)) {
		CHECK_EQ(l.planes[1].bytes_per_row, 4096);
		CHECK_EQ(l.planes[1].size, 4096 * 540);
		check_layout_sound(&req, NULL, &l);
	}
}

static void test_invalid_size(void) {
	struct ios_layout l;
	struct ios_request req = request(0, 1080, DRM_FORMAT_ARGB8888);
	if (CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_INVALID_SIZE)) {
		CHECK_CONTAINS(msg, "width");
	}
	req = request(1920, 0, DRM_FORMAT_ARGB8888);
	CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_INVALID_SIZE);
	req = request(IOS_MAX_DIMENSION + 1, 1, DRM_FORMAT_R8);
	if (CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_INVALID_SIZE)) {
		CHECK_CONTAINS(msg, "16385");
	}
	req = request(1, IOS_MAX_DIMENSION + 1, DRM_FORMAT_R8);
	CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_INVALID_SIZE);
	req = request(UINT32_MAX, UINT32_MAX, DRM_FORMAT_R8);
	CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_INVALID_SIZE);
	req = request(IOS_MAX_DIMENSION, 1, DRM_FORMAT_R8);
	CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_OK);

	// A compositor that lowers the maximum dimension.
	struct ios_limits limits = { 4096, IOS_MAX_ALLOC_SIZE };
	req = request(4096, 4096, DRM_FORMAT_R8);
	CHECK_STATUS(compute(&req, &limits, &l), IOS_LAYOUT_OK);
	req.width = 4097;
	CHECK_STATUS(compute(&req, &limits, &l), IOS_LAYOUT_INVALID_SIZE);

	// An explicit plane size counts too.
	req = request(64, 64, DRM_FORMAT_NV12);
	req.planes[1].width = IOS_MAX_DIMENSION + 1;
	if (CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_INVALID_SIZE)) {
		CHECK_CONTAINS(msg, "plane 1");
	}
}

static void test_invalid_element(void) {
	struct ios_layout l;
	struct ios_request req = request(64, 64, UNKNOWN_FOURCC);
	req.bytes_per_element = IOS_MAX_BYTES_PER_ELEMENT + 1;
	if (CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_INVALID_ELEMENT)) {
		CHECK_CONTAINS(msg, "bytes_per_element 65");
	}
	req.bytes_per_element = IOS_MAX_BYTES_PER_ELEMENT;
	if (CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_OK)) {
		CHECK_EQ(l.bytes_per_row, 64 * 64);
	}
	// Overriding a known format's element.
	req = request(64, 64, DRM_FORMAT_ARGB8888);
	req.bytes_per_element = 65;
	CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_INVALID_ELEMENT);
	req.bytes_per_element = UINT32_MAX;
	CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_INVALID_ELEMENT);
	req = request(64, 64, DRM_FORMAT_ARGB8888);
	req.element_width = IOS_MAX_ELEMENT_DIMENSION + 1;
	if (CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_INVALID_ELEMENT)) {
		CHECK_CONTAINS(msg, "element");
	}
	req.element_width = 1;
	req.element_height = IOS_MAX_ELEMENT_DIMENSION + 1;
	CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_INVALID_ELEMENT);
	req.element_height = IOS_MAX_ELEMENT_DIMENSION;
	if (CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_OK)) {
		CHECK_EQ(l.element_height, 16);
		CHECK_EQ(l.alloc_size, 4096); // 4 rows of 16 elements
		check_layout_sound(&req, NULL, &l);
	}
	req = request(64, 64, DRM_FORMAT_NV12);
	req.planes[1].bytes_per_element = 65;
	if (CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_INVALID_ELEMENT)) {
		CHECK_CONTAINS(msg, "plane 1 bytes_per_element");
	}
}

static void test_unknown_format(void) {
	struct ios_layout l;
	struct ios_request req = request(64, 64, UNKNOWN_FOURCC);
	if (CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_UNKNOWN_FORMAT)) {
		CHECK_CONTAINS(msg, "bytes_per_element");
		CHECK_CONTAINS(msg, "0x5a5a3939");
	}
	req.format = 0;
	CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_UNKNOWN_FORMAT);

	// With an element size it is plain memory.
	req = request(100, 10, UNKNOWN_FOURCC);
	req.bytes_per_element = 2;
	if (CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_OK)) {
		CHECK_EQ(l.format, UNKNOWN_FOURCC);
		CHECK_EQ(l.plane_count, 0);
		CHECK_EQ(l.bytes_per_element, 2);
		CHECK_EQ(l.element_width, 1);
		CHECK_EQ(l.bytes_per_row, 256); // 200 bytes rounded up
		CHECK_EQ(l.alloc_size, 4096);
		check_layout_sound(&req, NULL, &l);
	}
	// Planar plain memory: the surface element size serves every plane without its own.
	req.plane_count = 2;
	req.planes[1].bytes_per_element = 4;
	if (CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_OK)) {
		CHECK_EQ(l.plane_count, 2);
		CHECK_EQ(l.planes[0].bytes_per_element, 2);
		CHECK_EQ(l.planes[1].bytes_per_element, 4);
		CHECK_EQ(l.planes[1].width, 100); // no subsampling without a format
		CHECK_EQ(l.planes[1].bytes_per_row, 448);
		check_layout_sound(&req, NULL, &l);
	}
	req.bytes_per_element = 0;
	if (CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_UNKNOWN_FORMAT)) {
		CHECK_CONTAINS(msg, "plane 0 bytes_per_element");
	}
}

static void test_plane_count(void) {
	struct ios_layout l;
	struct ios_request req = request(64, 64, DRM_FORMAT_NV12);
	req.plane_count = 2;
	CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_OK);
	static const uint32_t bad[] = { 1, 3, 4, 5, UINT32_MAX };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		check_context("NV12 plane_count %u", bad[i]);
		req.plane_count = bad[i];
		if (CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_INVALID_PLANE_COUNT)) {
			CHECK_CONTAINS(msg, "plane_count");
		}
	}
	check_context("ARGB8888 with planes");
	req = request(64, 64, DRM_FORMAT_ARGB8888);
	req.plane_count = 2;
	CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_INVALID_PLANE_COUNT);

	check_context("a plane set beyond the count");
	req = request(64, 64, DRM_FORMAT_NV12);
	req.plane_set[2] = true;
	req.planes[2].bytes_per_row = 64;
	if (CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_INVALID_PLANE_COUNT)) {
		CHECK_CONTAINS(msg, "plane 2");
	}
	req = request(64, 64, DRM_FORMAT_ARGB8888);
	req.plane_set[0] = true;
	CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_INVALID_PLANE_COUNT);
}

static void test_plane_offsets(void) {
	struct ios_layout l;
	struct ios_request req = request(1920, 1080, DRM_FORMAT_NV12);
	req.planes[1].offset = 64; // inside the luma plane
	if (CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_INVALID_LAYOUT)) {
		CHECK_CONTAINS(msg, "overlaps");
	}
	req.planes[1].offset = 2073600 - 64; // the last 64 bytes of luma
	CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_INVALID_LAYOUT);
	req.planes[1].offset = 2073600 + 32; // unaligned
	if (CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_INVALID_LAYOUT)) {
		CHECK_CONTAINS(msg, "plane 1 offset");
	}
	req.planes[1].offset = 2073600; // touching, not overlapping
	CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_OK);
	req.planes[1].offset = 4 * 1024 * 1024; // a gap is fine; alloc_size covers it
	if (CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_OK)) {
		CHECK_EQ(l.planes[1].offset, 4 * 1024 * 1024);
		CHECK_EQ(l.alloc_size, 5234688); // 4 MiB + 1036800 page-rounded
		check_layout_sound(&req, NULL, &l);
	}

	// Chroma first, luma after it.
	req = request(1920, 1080, DRM_FORMAT_NV12);
	req.planes[1].offset = 64;
	req.planes[0].offset = 64 + 1036800;
	if (CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_OK)) {
		CHECK_EQ(l.alloc_size, 3112960);
		check_layout_sound(&req, NULL, &l);
	}
	req.planes[0].offset -= 64; // now they share 64 bytes
	CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_INVALID_LAYOUT);

	// Explicit plane sizes can make planes overlap too.
	req = request(1920, 1080, DRM_FORMAT_NV12);
	req.planes[0].size = 2073600 + 4096;
	req.planes[1].offset = 2073600 + 64;
	CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_INVALID_LAYOUT);
	req.planes[1].offset = 0; // default: after the enlarged plane 0
	if (CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_OK)) {
		CHECK_EQ(l.planes[1].offset, 2073600 + 4096);
	}
	req.planes[0].size = 2073600 - 1; // smaller than its rows
	if (CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_INVALID_LAYOUT)) {
		CHECK_CONTAINS(msg, "plane 0 size");
	}
}

static void test_surface_offset(void) {
	struct ios_layout l;
	struct ios_request req = request(64, 64, DRM_FORMAT_ARGB8888);
	req.offset = 4096;
	if (CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_OK)) {
		CHECK_EQ(l.offset, 4096);
		CHECK_EQ(l.alloc_size, 4096 + 64 * 256);
		check_layout_sound(&req, NULL, &l);
	}
	req.offset = 100;
	if (CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_INVALID_LAYOUT)) {
		CHECK_CONTAINS(msg, "offset");
	}
	req = request(64, 64, DRM_FORMAT_NV12);
	req.offset = 8192;
	if (CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_OK)) {
		CHECK_EQ(l.planes[0].offset, 8192);
		CHECK_EQ(l.planes[1].offset, 8192 + 4096);
		check_layout_sound(&req, NULL, &l);
	}
}

static void test_alloc_size(void) {
	struct ios_layout l;
	struct ios_request req = request(1920, 1080, DRM_FORMAT_ARGB8888);
	req.alloc_size = 8294400 - 1;
	if (CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_INVALID_LAYOUT)) {
		CHECK_CONTAINS(msg, "alloc_size");
	}
	req.alloc_size = 8294400;
	if (CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_OK)) {
		CHECK_EQ(l.alloc_size, 8294400);
	}
	req.alloc_size = 8294400 + 1; // more is fine, rounded up to a page
	if (CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_OK)) {
		CHECK_EQ(l.alloc_size, 8294400 + 4096);
		check_layout_sound(&req, NULL, &l);
	}
	req = request(1920, 1080, DRM_FORMAT_NV12);
	req.alloc_size = 3110400 - 64; // cuts the chroma plane
	CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_INVALID_LAYOUT);
}

static void test_limits(void) {
	struct ios_layout l;
	struct ios_limits limits = { IOS_MAX_DIMENSION, 1024 * 1024 };
	struct ios_request req = request(1920, 1080, DRM_FORMAT_ARGB8888);
	if (CHECK_STATUS(compute(&req, &limits, &l), IOS_LAYOUT_INVALID_LAYOUT)) {
		CHECK_CONTAINS(msg, "alloc_size");
	}
	req = request(512, 512, DRM_FORMAT_ARGB8888); // exactly 1 MiB
	if (CHECK_STATUS(compute(&req, &limits, &l), IOS_LAYOUT_OK)) {
		CHECK_EQ(l.alloc_size, 1024 * 1024);
	}
	req.offset = 64; // one cache line more
	CHECK_STATUS(compute(&req, &limits, &l), IOS_LAYOUT_INVALID_LAYOUT);
	req = request(64, 64, DRM_FORMAT_ARGB8888);
	req.alloc_size = 1024 * 1024 + 1;
	CHECK_STATUS(compute(&req, &limits, &l), IOS_LAYOUT_INVALID_LAYOUT);
	req = request(64, 64, DRM_FORMAT_ARGB8888);
	req.offset = 2 * 1024 * 1024;
	CHECK_STATUS(compute(&req, &limits, &l), IOS_LAYOUT_INVALID_LAYOUT);
	req = request(512, 512, DRM_FORMAT_NV12);
	req.planes[1].offset = 1024 * 1024;
	if (CHECK_STATUS(compute(&req, &limits, &l), IOS_LAYOUT_INVALID_LAYOUT)) {
		CHECK_CONTAINS(msg, "plane 1");
	}
}

/* Products and sums that would wrap in 32 bits must be refused, never wrapped into "OK". */
static void test_overflow(void) {
	struct ios_layout l;
	struct ios_request req = request(16384, 16384, UNKNOWN_FOURCC);
	req.bytes_per_element = 64; // 16 GiB
	CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_INVALID_LAYOUT);
	req = request(16384, 16384, DRM_FORMAT_ARGB8888); // exactly the 1 GiB maximum
	if (CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_OK)) {
		CHECK_EQ(l.alloc_size, 1u << 30);
	}
	req.offset = 64;
	CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_INVALID_LAYOUT);

	// The same with the largest limit a 32-bit field can carry.
	struct ios_limits wide = { IOS_MAX_DIMENSION, UINT32_MAX };
	req = request(16384, 16384, UNKNOWN_FOURCC);
	req.bytes_per_element = 64;
	CHECK_STATUS(compute(&req, &wide, &l), IOS_LAYOUT_INVALID_LAYOUT);
	req = request(16384, 16384, UNKNOWN_FOURCC);
	req.bytes_per_element = 16; // exactly 4 GiB: one byte too many for 32 bits
	CHECK_STATUS(compute(&req, &wide, &l), IOS_LAYOUT_INVALID_LAYOUT);
	req = request(16384, 16384, DRM_FORMAT_ARGB8888);
	req.bytes_per_row = 16384u * 64; // 1 MiB rows * 16384 = 16 GiB
	CHECK_STATUS(compute(&req, &wide, &l), IOS_LAYOUT_INVALID_LAYOUT);
	req = request(64, 64, DRM_FORMAT_ARGB8888);
	req.alloc_size = UINT32_MAX - 4094; // page-rounds to 2^32
	CHECK_STATUS(compute(&req, &wide, &l), IOS_LAYOUT_INVALID_LAYOUT);
	req = request(64, 64, DRM_FORMAT_ARGB8888);
	req.offset = UINT32_MAX - 63; // offset + size wraps
	CHECK_STATUS(compute(&req, &wide, &l), IOS_LAYOUT_INVALID_LAYOUT);
	req = request(64, 64, DRM_FORMAT_NV12);
	req.planes[1].offset = UINT32_MAX - 63;
	CHECK_STATUS(compute(&req, &wide, &l), IOS_LAYOUT_INVALID_LAYOUT);
	req = request(64, 64, DRM_FORMAT_NV12);
	req.planes[0].size = UINT32_MAX;
	CHECK_STATUS(compute(&req, &wide, &l), IOS_LAYOUT_INVALID_LAYOUT);
	req = request(64, 64, DRM_FORMAT_NV12);
	req.planes[0].offset = UINT32_MAX - 4095 - 63;
	req.planes[0].size = 4096;
	req.planes[1].size = UINT32_MAX - 4096; // chained default offset overflows
	CHECK_STATUS(compute(&req, &wide, &l), IOS_LAYOUT_INVALID_LAYOUT);
	req = request(16384, 16384, UNKNOWN_FOURCC);
	req.plane_count = 4;
	req.bytes_per_element = 4; // 4 planes of 1 GiB each
	CHECK_STATUS(compute(&req, &wide, &l), IOS_LAYOUT_INVALID_LAYOUT);

	// An unset alloc_size limit is the default, not 0: the layout and its invariants agree
	// (fuzz/corpus/fuzz-layout/limit-alloc-unset is the input that found the disagreement).
	struct ios_limits unset = { IOS_MAX_DIMENSION, 0 };
	req = request(100, 100, DRM_FORMAT_ARGB8888);
	if (CHECK_STATUS(compute(&req, &unset, &l), IOS_LAYOUT_OK)) {
		check_layout_sound(&req, &unset, &l);
	}
	req = request(16384, 16384, DRM_FORMAT_ARGB8888);
	req.bytes_per_element = 8; // 2 GiB: above the default that the unset limit leaves
	CHECK_STATUS(compute(&req, &unset, &l), IOS_LAYOUT_INVALID_LAYOUT);
}

/* ---- Published maxima and alignments ---- */

static void test_property_maximum_alignment(void) {
	CHECK_EQ(ios_property_maximum(IOS_PROPERTY_WIDTH, NULL), IOS_MAX_DIMENSION);
	CHECK_EQ(ios_property_maximum(IOS_PROPERTY_ALLOC_SIZE, NULL), IOS_MAX_ALLOC_SIZE);
	CHECK_EQ(ios_property_maximum(IOS_PROPERTY_PLANE_COUNT, NULL), IOS_MAX_PLANES);
	struct ios_limits limits = { 4096, 1u << 24 };
	CHECK_EQ(ios_property_maximum(IOS_PROPERTY_HEIGHT, &limits), 4096);
	CHECK_EQ(ios_property_maximum(IOS_PROPERTY_PLANE_SIZE, &limits), 1u << 24);
	// An unset (0) or raised limit publishes the maximum the layout enforces: the default.
	struct ios_limits unset = { 0, 0 }, raised = { UINT32_MAX, UINT32_MAX };
	CHECK_EQ(ios_property_maximum(IOS_PROPERTY_WIDTH, &unset), IOS_MAX_DIMENSION);
	CHECK_EQ(ios_property_maximum(IOS_PROPERTY_ALLOC_SIZE, &unset), IOS_MAX_ALLOC_SIZE);
	CHECK_EQ(ios_property_maximum(IOS_PROPERTY_HEIGHT, &raised), IOS_MAX_DIMENSION);
	CHECK_EQ(ios_property_maximum(IOS_PROPERTY_OFFSET, &raised), IOS_MAX_ALLOC_SIZE);
	CHECK_EQ(ios_property_alignment(IOS_PROPERTY_COUNT), 0);
	CHECK_EQ(ios_property_maximum(IOS_PROPERTY_COUNT, NULL), 0);
	for (int p = 0; p < IOS_PROPERTY_COUNT; p++) {
		check_context("property %d", p);
		size_t align = ios_property_alignment((enum ios_property)p);
		CHECK(align >= 1 && (align & (align - 1)) == 0);
		CHECK(ios_property_maximum((enum ios_property)p, NULL) > 0);
	}

	size_t bpr_align = ios_property_alignment(IOS_PROPERTY_BYTES_PER_ROW);
	size_t plane_bpr_align = ios_property_alignment(IOS_PROPERTY_PLANE_BYTES_PER_ROW);
	size_t offset_align = ios_property_alignment(IOS_PROPERTY_PLANE_OFFSET);
	size_t alloc_align = ios_property_alignment(IOS_PROPERTY_ALLOC_SIZE);
	size_t max_bpr = ios_property_maximum(IOS_PROPERTY_BYTES_PER_ROW, NULL);
	size_t max_alloc = ios_property_maximum(IOS_PROPERTY_ALLOC_SIZE, NULL);
	size_t max_bpe = ios_property_maximum(IOS_PROPERTY_BYTES_PER_ELEMENT, NULL);
	size_t max_ew = ios_property_maximum(IOS_PROPERTY_ELEMENT_WIDTH, NULL);
	size_t max_plane_size = ios_property_maximum(IOS_PROPERTY_PLANE_SIZE, NULL);

	// Every default layout of every format honours what is published.
	static const uint32_t sizes[][2] = { { 1, 1 }, { 2, 2 }, { 3, 5 }, { 63, 17 }, { 64, 64 },
		{ 640, 480 }, { 1919, 1079 }, { 1920, 1080 }, { 4096, 2160 }, { 16384, 1 }, { 1, 16384 } };
	for (size_t f = 0; f < ios_format_count(); f++) {
		const struct ios_format *fmt = ios_format_at(f);
		for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
			check_context("%s %ux%u", fmt->name, sizes[s][0], sizes[s][1]);
			struct ios_request req = request(sizes[s][0], sizes[s][1], fmt->fourcc);
			struct ios_layout l;
			if (!CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_OK)) {
				continue;
			}
			CHECK_EQ(l.bytes_per_row % bpr_align, 0);
			CHECK(l.bytes_per_row <= max_bpr);
			CHECK(l.bytes_per_element <= max_bpe);
			CHECK(l.element_width <= max_ew);
			CHECK_EQ(l.offset % offset_align, 0);
			CHECK_EQ(l.alloc_size % alloc_align, 0);
			CHECK(l.alloc_size <= max_alloc);
			for (unsigned i = 0; i < l.plane_count; i++) {
				CHECK_EQ(l.planes[i].bytes_per_row % plane_bpr_align, 0);
				CHECK_EQ(l.planes[i].offset % offset_align, 0);
				CHECK(l.planes[i].size <= max_plane_size);
			}
			check_layout_sound(&req, NULL, &l);
		}
	}

	// An explicit value at the published alignment and maximum is accepted; one step off is not.
	check_context("explicit values");
	struct ios_layout l;
	struct ios_request req = request(1000, 10, DRM_FORMAT_ARGB8888);
	req.bytes_per_row = 4000 + bpr_align - 4000 % bpr_align;
	CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_OK);
	req.bytes_per_row += bpr_align / 2; // still a multiple of the 4-byte element
	CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_OK);
	req.usage = IOS_USAGE_SCANOUT; // which needs the alignment
	CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_INVALID_LAYOUT);
	req.usage = 0;
	req.bytes_per_row += 1;
	CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_INVALID_LAYOUT);
	req = request(IOS_MAX_DIMENSION, 1, UNKNOWN_FOURCC);
	req.bytes_per_element = (uint32_t)max_bpe;
	req.bytes_per_row = (uint32_t)max_bpr;
	CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_OK);
	req.bytes_per_row = (uint32_t)(max_bpr + bpr_align);
	CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_INVALID_LAYOUT);
	req = request(64, 64, DRM_FORMAT_ARGB8888);
	req.offset = (uint32_t)offset_align;
	CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_OK);
	req.offset = (uint32_t)offset_align / 2;
	CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_INVALID_LAYOUT);
	req = request(64, 64, DRM_FORMAT_ARGB8888);
	req.alloc_size = (uint32_t)max_alloc;
	CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_OK);
	req.alloc_size = (uint32_t)max_alloc + 1;
	CHECK_STATUS(compute(&req, NULL, &l), IOS_LAYOUT_INVALID_LAYOUT);
}

/* ---- Randomized property test ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void) {
	// xorshift64*: a fixed sequence, so that a failure reproduces
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static uint32_t pick(uint32_t n) {
	return (uint32_t)(rng() % n);
}

/* Mostly 0 (default); otherwise small, aligned, near a boundary or anything. */
static uint32_t random_field(uint32_t small, uint32_t aligned_unit) {
	switch (pick(8)) {
	case 0:
	case 1:
	case 2:
	case 3:
		return 0;
	case 4:
		return 1 + pick(small);
	case 5:
		return aligned_unit * (1 + pick(small));
	case 6:
		return aligned_unit * (1 + pick(small)) + pick(3) - 1;
	default:
		return (uint32_t)rng();
	}
}

static void random_request(struct ios_request *req, struct ios_limits *limits, bool *use_limits) {
	memset(req, 0, sizeof(*req));
	uint32_t n = (uint32_t)ios_format_count();
	uint32_t f = pick(n + 2);
	req->format = f < n ? ios_format_at(f)->fourcc : f == n ? UNKNOWN_FOURCC : 0;
	req->width = pick(16) == 0 ? (uint32_t)rng() : 1 + pick(pick(2) ? 64 : 4096);
	req->height = pick(16) == 0 ? pick(20000) : 1 + pick(pick(2) ? 64 : 4096);
	req->bytes_per_element = pick(3) == 0 ? 1 + pick(70) : 0;
	req->element_width = pick(8) == 0 ? pick(18) : 0;
	req->element_height = pick(8) == 0 ? pick(18) : 0;
	req->bytes_per_row = random_field(300, IOS_ROW_ALIGNMENT);
	req->offset = random_field(100, IOS_OFFSET_ALIGNMENT);
	req->alloc_size = random_field(1000, IOS_PAGE_SIZE);
	req->plane_count = pick(4) == 0 ? pick(6) : 0;
	req->usage = pick(4) == 0 ? IOS_USAGE_GPU_READ : 0;
	const struct ios_format *fmt = ios_format_lookup(req->format);
	uint32_t planes = req->plane_count != 0 ? req->plane_count : fmt ? fmt->plane_count : 0;
	for (unsigned i = 0; i < IOS_MAX_PLANES; i++) {
		// Now and then a plane the surface does not have.
		if (pick(i < planes ? 3 : 50) != 0) {
			continue;
		}
		struct ios_plane_layout *p = &req->planes[i];
		req->plane_set[i] = true;
		p->width = pick(4) == 0 ? 1 + pick(4096) : 0;
		p->height = pick(4) == 0 ? 1 + pick(4096) : 0;
		p->bytes_per_row = random_field(300, IOS_ROW_ALIGNMENT);
		p->bytes_per_element = pick(4) == 0 ? 1 + pick(70) : 0;
		p->element_width = pick(8) == 0 ? pick(18) : 0;
		p->element_height = pick(8) == 0 ? pick(18) : 0;
		p->offset = random_field(100000, IOS_OFFSET_ALIGNMENT);
		p->size = random_field(100000, 64);
	}
	*use_limits = pick(4) == 0;
	limits->max_dimension = 1 + pick(IOS_MAX_DIMENSION);
	limits->max_alloc_size = pick(2) ? (uint32_t)rng() : 1 + pick(IOS_MAX_ALLOC_SIZE);
}

static void test_random_requests(void) {
	enum { ITERATIONS = 20000 };
	unsigned seen[IOS_LAYOUT_UNKNOWN_FORMAT + 1] = { 0 };
	unsigned sound = 0;
	for (unsigned it = 0; it < ITERATIONS; it++) {
		struct ios_request req;
		struct ios_limits limits;
		bool use_limits;
		random_request(&req, &limits, &use_limits);
		const struct ios_limits *lim = use_limits ? &limits : NULL;
		check_context("iteration %u", it);
		struct ios_layout l;
		enum ios_layout_status status = compute(&req, lim, &l);
		if (!CHECK(status <= IOS_LAYOUT_UNKNOWN_FORMAT)) {
			continue;
		}
		seen[status]++;
		if (status != IOS_LAYOUT_OK) {
			CHECK(msg[0] != '\0'); // every refusal says why
			continue;
		}
		CHECK_STR_EQ(msg, "");
		if (check_layout_sound(&req, lim, &l)) {
			sound++;
		} else {
			break; // one broken layout says enough
		}
	}
	printf("random layouts: %u OK, %u INVALID_SIZE, %u INVALID_ELEMENT, %u INVALID_LAYOUT, "
			"%u INVALID_PLANE_COUNT, %u UNKNOWN_FORMAT\n",
			seen[0], seen[1], seen[2], seen[3], seen[4], seen[5]);
	// The generator must reach every outcome, or the test proves little.
	check_context_clear();
	CHECK(seen[IOS_LAYOUT_OK] >= ITERATIONS / 10);
	CHECK_EQ(sound, seen[IOS_LAYOUT_OK]);
	for (int s = 1; s <= IOS_LAYOUT_UNKNOWN_FORMAT; s++) {
		check_context("status %s", status_name((enum ios_layout_status)s));
		CHECK(seen[s] > 0);
	}
}

int main(void) {
	RUN_TEST(test_argb_1080p);
	RUN_TEST(test_width_one);
	RUN_TEST(test_nv12_1080p);
	RUN_TEST(test_nv12_odd);
	RUN_TEST(test_yuv420_odd);
	RUN_TEST(test_yuyv);
	RUN_TEST(test_explicit_element_is_one_pixel);
	RUN_TEST(test_alloc_size_fits_rows);
	RUN_TEST(test_explicit_bytes_per_row);
	RUN_TEST(test_invalid_size);
	RUN_TEST(test_invalid_element);
	RUN_TEST(test_unknown_format);
	RUN_TEST(test_plane_count);
	RUN_TEST(test_plane_offsets);
	RUN_TEST(test_surface_offset);
	RUN_TEST(test_alloc_size);
	RUN_TEST(test_limits);
	RUN_TEST(test_overflow);
	RUN_TEST(test_property_maximum_alignment);
	RUN_TEST(test_random_requests);
	return check_report();
}
