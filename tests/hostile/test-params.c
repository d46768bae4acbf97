/*
 * Malformed iosurface_params_v1 requests: each must end the connection with the exact
 * protocol error on the params object, and leave the compositor serving other clients.
 */
#include <stdlib.h>
#include <string.h>

#include "hostile.h"

struct params_case {
	struct hostile_conn *conn;
	struct iosurface_params_v1 *params;
	struct hostile_surface *surfaces[2];
};

typedef void (*params_abuse)(struct params_case *pc);

/*
 * Starts a compositor, sends what abuse sends on a fresh params object, expects the protocol
 * error code on that object, then checks the compositor serves a new client and exits cleanly.
 */
#define expect_params_error(abuse, code) expect_params_error_at(__FILE__, __LINE__, abuse, code)
static void expect_params_error_at(const char *file, int line, params_abuse abuse, uint32_t code) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct params_case pc = { .conn = hostile_connect() };
	pc.params = iosurface_manager_v1_create_params(pc.conn->manager);
	abuse(&pc);
	hostile_expect_error_at(file, line, pc.conn, (struct wl_proxy *)pc.params,
			&iosurface_params_v1_interface, code);
	for (int i = 0; i < 2; i++) {
		hostile_surface_destroy(pc.surfaces[i]);
	}
	wl_proxy_destroy((struct wl_proxy *)pc.params);
	hostile_disconnect(pc.conn);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

/* Sends create on the case's params object and keeps the new object for clean-up. */
static void send_create(struct params_case *pc) {
	int i = pc->surfaces[0] == NULL ? 0 : 1;
	pc->surfaces[i] = hostile_surface_wrap(pc->conn, iosurface_params_v1_create(pc->params));
}

/*
 * Every layout property is checked once, at create, where the layout is computed (as
 * zwp_linux_buffer_params_v1 checks at create): a bad value is refused when create comes. So
 * a case that sets one bad property sets the rest valid (a 64x64 surface of the format) and
 * sends create with this.
 */
static void send_create_with_format(struct params_case *pc, uint32_t format) {
	iosurface_params_v1_set_format(pc->params, format);
	send_create(pc);
}

/* A valid create, answered (description, memory, done) before the next request is sent. */
static void create_and_wait(struct params_case *pc) {
	iosurface_params_v1_set_size(pc->params, 32, 32);
	iosurface_params_v1_set_format(pc->params, DRM_FORMAT_ARGB8888);
	send_create(pc);
	hostile_roundtrip(pc->conn);
	CHECK(pc->surfaces[0]->done);
}

/* ---- Each property set once ---- */

static void set_size_twice(struct params_case *pc) {
	iosurface_params_v1_set_size(pc->params, 16, 16);
	iosurface_params_v1_set_size(pc->params, 16, 16);
}

TEST(set_size_twice_is_already_set) {
	expect_params_error(set_size_twice, IOSURFACE_PARAMS_V1_ERROR_ALREADY_SET);
}

static void set_format_twice(struct params_case *pc) {
	iosurface_params_v1_set_format(pc->params, DRM_FORMAT_ARGB8888);
	iosurface_params_v1_set_format(pc->params, DRM_FORMAT_XRGB8888);
}

TEST(set_format_twice_is_already_set) {
	expect_params_error(set_format_twice, IOSURFACE_PARAMS_V1_ERROR_ALREADY_SET);
}

static void set_name_twice(struct params_case *pc) {
	iosurface_params_v1_set_name(pc->params, "one");
	iosurface_params_v1_set_name(pc->params, "two");
}

TEST(set_name_twice_is_already_set) {
	expect_params_error(set_name_twice, IOSURFACE_PARAMS_V1_ERROR_ALREADY_SET);
}

/* ---- Size ---- */

static void set_size_zero_width(struct params_case *pc) {
	iosurface_params_v1_set_size(pc->params, 0, 5);
	send_create_with_format(pc, DRM_FORMAT_ARGB8888);
}

TEST(set_size_zero_width_is_invalid_size) {
	expect_params_error(set_size_zero_width, IOSURFACE_PARAMS_V1_ERROR_INVALID_SIZE);
}

static void set_size_zero_height(struct params_case *pc) {
	iosurface_params_v1_set_size(pc->params, 5, 0);
	send_create_with_format(pc, DRM_FORMAT_ARGB8888);
}

TEST(set_size_zero_height_is_invalid_size) {
	expect_params_error(set_size_zero_height, IOSURFACE_PARAMS_V1_ERROR_INVALID_SIZE);
}

static void set_size_20000(struct params_case *pc) {
	iosurface_params_v1_set_size(pc->params, 20000, 10);
	send_create_with_format(pc, DRM_FORMAT_ARGB8888);
}

TEST(set_size_20000_wide_is_invalid_size) {
	expect_params_error(set_size_20000, IOSURFACE_PARAMS_V1_ERROR_INVALID_SIZE);
}

static void set_size_one_over_limit(struct params_case *pc) {
	uint32_t max = pc->conn->limit_max[IOSURFACE_MANAGER_V1_PROPERTY_HEIGHT];
	CHECK_GT(max, 0);
	iosurface_params_v1_set_size(pc->params, 1, max + 1);
	send_create_with_format(pc, DRM_FORMAT_ARGB8888);
}

TEST(set_size_one_over_published_limit_is_invalid_size) {
	expect_params_error(set_size_one_over_limit, IOSURFACE_PARAMS_V1_ERROR_INVALID_SIZE);
}

static void set_size_max_uint(struct params_case *pc) {
	iosurface_params_v1_set_size(pc->params, UINT32_MAX, UINT32_MAX);
	send_create_with_format(pc, DRM_FORMAT_ARGB8888);
}

TEST(set_size_uint32_max_is_invalid_size) {
	expect_params_error(set_size_max_uint, IOSURFACE_PARAMS_V1_ERROR_INVALID_SIZE);
}

static void create_without_size(struct params_case *pc) {
	iosurface_params_v1_set_format(pc->params, DRM_FORMAT_ARGB8888);
	send_create(pc);
}

TEST(create_without_size_is_invalid_size) {
	expect_params_error(create_without_size, IOSURFACE_PARAMS_V1_ERROR_INVALID_SIZE);
}

/* ---- Elements ---- */

static void set_element_bpe_65(struct params_case *pc) {
	iosurface_params_v1_set_size(pc->params, 64, 64);
	iosurface_params_v1_set_element(pc->params, 65, 1, 1);
	send_create_with_format(pc, DRM_FORMAT_ARGB8888);
}

TEST(set_element_bpe_65_is_invalid_element) {
	expect_params_error(set_element_bpe_65, IOSURFACE_PARAMS_V1_ERROR_INVALID_ELEMENT);
}

static void set_element_width_17(struct params_case *pc) {
	iosurface_params_v1_set_size(pc->params, 64, 64);
	iosurface_params_v1_set_element(pc->params, 4, 17, 1);
	send_create_with_format(pc, DRM_FORMAT_ARGB8888);
}

TEST(set_element_width_17_is_invalid_element) {
	expect_params_error(set_element_width_17, IOSURFACE_PARAMS_V1_ERROR_INVALID_ELEMENT);
}

static void set_element_height_17(struct params_case *pc) {
	iosurface_params_v1_set_size(pc->params, 64, 64);
	iosurface_params_v1_set_element(pc->params, 4, 1, 17);
	send_create_with_format(pc, DRM_FORMAT_ARGB8888);
}

TEST(set_element_height_17_is_invalid_element) {
	expect_params_error(set_element_height_17, IOSURFACE_PARAMS_V1_ERROR_INVALID_ELEMENT);
}

static void set_plane_bpe_65(struct params_case *pc) {
	iosurface_params_v1_set_size(pc->params, 64, 64);
	iosurface_params_v1_set_plane(pc->params, 0, 0, 0, 0, 65, 0, 0, 0, 0);
	send_create_with_format(pc, DRM_FORMAT_NV12);
}

TEST(set_plane_bpe_65_is_invalid_element) {
	expect_params_error(set_plane_bpe_65, IOSURFACE_PARAMS_V1_ERROR_INVALID_ELEMENT);
}

/* ---- Layout ---- */

// Bytes per row need not be a multiple of 64, as on macOS, but must be a multiple of the
// element or of 64, hold a row and stay below the maximum.
static void set_layout_bpr_over_max(struct params_case *pc) {
	iosurface_params_v1_set_size(pc->params, 64, 64);
	// The published maximum is 16384 * 64.
	iosurface_params_v1_set_layout(pc->params, 16384u * 64 + 4, 0, 0);
	send_create_with_format(pc, DRM_FORMAT_ARGB8888);
}

TEST(set_layout_bpr_over_max_is_invalid_layout) {
	expect_params_error(set_layout_bpr_over_max, IOSURFACE_PARAMS_V1_ERROR_INVALID_LAYOUT);
}

static void bpr_off_element(struct params_case *pc) {
	iosurface_params_v1_set_size(pc->params, 10, 1);
	iosurface_params_v1_set_format(pc->params, DRM_FORMAT_ARGB8888);
	iosurface_params_v1_set_layout(pc->params, 42, 0, 0);
	send_create(pc);
}

TEST(bpr_off_element_is_invalid_layout_at_create) {
	expect_params_error(bpr_off_element, IOSURFACE_PARAMS_V1_ERROR_INVALID_LAYOUT);
}

static void set_layout_offset_3(struct params_case *pc) {
	iosurface_params_v1_set_size(pc->params, 64, 64);
	iosurface_params_v1_set_layout(pc->params, 0, 3, 0);
	send_create_with_format(pc, DRM_FORMAT_ARGB8888);
}

TEST(set_layout_offset_3_is_invalid_layout) {
	expect_params_error(set_layout_offset_3, IOSURFACE_PARAMS_V1_ERROR_INVALID_LAYOUT);
}

static void set_layout_alloc_over_1gib(struct params_case *pc) {
	iosurface_params_v1_set_size(pc->params, 64, 64);
	iosurface_params_v1_set_layout(pc->params, 0, 0, (1u << 30) + 4096);
	send_create_with_format(pc, DRM_FORMAT_ARGB8888);
}

TEST(set_layout_alloc_over_1gib_is_invalid_layout) {
	expect_params_error(set_layout_alloc_over_1gib, IOSURFACE_PARAMS_V1_ERROR_INVALID_LAYOUT);
}

static void set_layout_alloc_max_uint(struct params_case *pc) {
	iosurface_params_v1_set_size(pc->params, 64, 64);
	iosurface_params_v1_set_layout(pc->params, 0, 0, UINT32_MAX);
	send_create_with_format(pc, DRM_FORMAT_ARGB8888);
}

TEST(set_layout_alloc_uint32_max_is_invalid_layout) {
	expect_params_error(set_layout_alloc_max_uint, IOSURFACE_PARAMS_V1_ERROR_INVALID_LAYOUT);
}

static void set_layout_bpr_huge(struct params_case *pc) {
	iosurface_params_v1_set_size(pc->params, 64, 64);
	// A multiple of 64 beyond the published maximum bytes per row.
	iosurface_params_v1_set_layout(pc->params, 0xffffffc0u, 0, 0);
	send_create_with_format(pc, DRM_FORMAT_ARGB8888);
}

TEST(set_layout_bpr_over_maximum_is_invalid_layout) {
	expect_params_error(set_layout_bpr_huge, IOSURFACE_PARAMS_V1_ERROR_INVALID_LAYOUT);
}

static void bpr_smaller_than_row(struct params_case *pc) {
	// 100 ARGB pixels take 400 bytes; 64 cannot hold a row.
	iosurface_params_v1_set_size(pc->params, 100, 10);
	iosurface_params_v1_set_format(pc->params, DRM_FORMAT_ARGB8888);
	iosurface_params_v1_set_layout(pc->params, 64, 0, 0);
	send_create(pc);
}

TEST(bpr_smaller_than_a_row_is_invalid_layout_at_create) {
	expect_params_error(bpr_smaller_than_row, IOSURFACE_PARAMS_V1_ERROR_INVALID_LAYOUT);
}

static void alloc_smaller_than_layout(struct params_case *pc) {
	iosurface_params_v1_set_size(pc->params, 256, 256);
	iosurface_params_v1_set_format(pc->params, DRM_FORMAT_ARGB8888);
	iosurface_params_v1_set_layout(pc->params, 0, 0, 4096);
	send_create(pc);
}

TEST(alloc_smaller_than_layout_is_invalid_layout_at_create) {
	expect_params_error(alloc_smaller_than_layout, IOSURFACE_PARAMS_V1_ERROR_INVALID_LAYOUT);
}

static void layout_beyond_max_alloc(struct params_case *pc) {
	// 16384 x 16384 x 4 bytes is exactly 1 GiB, the maximum; an offset pushes it over.
	iosurface_params_v1_set_size(pc->params, 16384, 16384);
	iosurface_params_v1_set_format(pc->params, DRM_FORMAT_ARGB8888);
	iosurface_params_v1_set_layout(pc->params, 0, 64, 0);
	send_create(pc);
}

TEST(layout_beyond_max_alloc_is_invalid_layout_at_create) {
	expect_params_error(layout_beyond_max_alloc, IOSURFACE_PARAMS_V1_ERROR_INVALID_LAYOUT);
}

static void overlapping_planes(struct params_case *pc) {
	// NV12 64x64: plane 0 is [0, 4096); plane 1 placed at 1024 overlaps it.
	iosurface_params_v1_set_size(pc->params, 64, 64);
	iosurface_params_v1_set_format(pc->params, DRM_FORMAT_NV12);
	iosurface_params_v1_set_plane(pc->params, 1, 0, 0, 0, 0, 0, 0, 1024, 0);
	send_create(pc);
}

TEST(overlapping_planes_are_invalid_layout_at_create) {
	expect_params_error(overlapping_planes, IOSURFACE_PARAMS_V1_ERROR_INVALID_LAYOUT);
}

static void plane_bpr_over_max(struct params_case *pc) {
	iosurface_params_v1_set_size(pc->params, 64, 64);
	iosurface_params_v1_set_plane(pc->params, 0, 0, 0, 16384u * 64 + 64, 0, 0, 0, 0, 0);
	send_create_with_format(pc, DRM_FORMAT_NV12);
}

TEST(set_plane_bpr_over_max_is_invalid_layout) {
	expect_params_error(plane_bpr_over_max, IOSURFACE_PARAMS_V1_ERROR_INVALID_LAYOUT);
}

static void plane_bpr_off_element(struct params_case *pc) {
	iosurface_params_v1_set_size(pc->params, 64, 64);
	iosurface_params_v1_set_format(pc->params, DRM_FORMAT_NV12);
	iosurface_params_v1_set_plane(pc->params, 1, 0, 0, 101, 0, 0, 0, 0, 0);
	send_create(pc);
}

TEST(plane_bpr_off_element_is_invalid_layout_at_create) {
	expect_params_error(plane_bpr_off_element, IOSURFACE_PARAMS_V1_ERROR_INVALID_LAYOUT);
}

static void plane_offset_3(struct params_case *pc) {
	iosurface_params_v1_set_size(pc->params, 64, 64);
	iosurface_params_v1_set_plane(pc->params, 1, 0, 0, 0, 0, 0, 0, 3, 0);
	send_create_with_format(pc, DRM_FORMAT_NV12);
}

TEST(set_plane_offset_3_is_invalid_layout) {
	expect_params_error(plane_offset_3, IOSURFACE_PARAMS_V1_ERROR_INVALID_LAYOUT);
}

static void plane_size_too_small(struct params_case *pc) {
	// NV12 64x64 plane 0 needs 4096 bytes.
	iosurface_params_v1_set_size(pc->params, 64, 64);
	iosurface_params_v1_set_format(pc->params, DRM_FORMAT_NV12);
	iosurface_params_v1_set_plane(pc->params, 0, 0, 0, 0, 0, 0, 0, 0, 1024);
	send_create(pc);
}

TEST(plane_size_below_its_rows_is_invalid_layout_at_create) {
	expect_params_error(plane_size_too_small, IOSURFACE_PARAMS_V1_ERROR_INVALID_LAYOUT);
}

/* ---- Planes ---- */

static void set_plane_index_4(struct params_case *pc) {
	iosurface_params_v1_set_plane(pc->params, 4, 0, 0, 0, 0, 0, 0, 0, 0);
}

TEST(set_plane_index_4_is_plane_index) {
	expect_params_error(set_plane_index_4, IOSURFACE_PARAMS_V1_ERROR_PLANE_INDEX);
}

static void set_plane_index_max(struct params_case *pc) {
	iosurface_params_v1_set_plane(pc->params, UINT32_MAX, 0, 0, 0, 0, 0, 0, 0, 0);
}

TEST(set_plane_index_uint32_max_is_plane_index) {
	expect_params_error(set_plane_index_max, IOSURFACE_PARAMS_V1_ERROR_PLANE_INDEX);
}

static void set_plane_twice(struct params_case *pc) {
	iosurface_params_v1_set_plane(pc->params, 1, 0, 0, 0, 0, 0, 0, 0, 0);
	iosurface_params_v1_set_plane(pc->params, 1, 0, 0, 0, 0, 0, 0, 0, 0);
}

TEST(set_plane_twice_is_plane_set) {
	expect_params_error(set_plane_twice, IOSURFACE_PARAMS_V1_ERROR_PLANE_SET);
}

static void set_plane_count_5(struct params_case *pc) {
	iosurface_params_v1_set_size(pc->params, 64, 64);
	iosurface_params_v1_set_plane_count(pc->params, 5);
	send_create_with_format(pc, DRM_FORMAT_ARGB8888);
}

TEST(set_plane_count_5_is_invalid_plane_count) {
	expect_params_error(set_plane_count_5, IOSURFACE_PARAMS_V1_ERROR_INVALID_PLANE_COUNT);
}

static void nv12_with_3_planes(struct params_case *pc) {
	iosurface_params_v1_set_size(pc->params, 64, 64);
	iosurface_params_v1_set_format(pc->params, DRM_FORMAT_NV12);
	iosurface_params_v1_set_plane_count(pc->params, 3);
	send_create(pc);
}

TEST(nv12_with_plane_count_3_is_invalid_plane_count_at_create) {
	expect_params_error(nv12_with_3_planes, IOSURFACE_PARAMS_V1_ERROR_INVALID_PLANE_COUNT);
}

static void plane_beyond_plane_count(struct params_case *pc) {
	// ARGB8888 has no planes; setting plane 0 describes a plane it does not have.
	iosurface_params_v1_set_size(pc->params, 64, 64);
	iosurface_params_v1_set_format(pc->params, DRM_FORMAT_ARGB8888);
	iosurface_params_v1_set_plane(pc->params, 2, 0, 0, 0, 0, 0, 0, 0, 0);
	send_create(pc);
}

TEST(plane_beyond_plane_count_is_invalid_plane_count_at_create) {
	expect_params_error(plane_beyond_plane_count, IOSURFACE_PARAMS_V1_ERROR_INVALID_PLANE_COUNT);
}

/* ---- Enums, flags, name ---- */

static void set_cache_mode_9(struct params_case *pc) {
	iosurface_params_v1_set_cache_mode(pc->params, 9);
}

TEST(set_cache_mode_9_is_invalid_cache_mode) {
	expect_params_error(set_cache_mode_9, IOSURFACE_PARAMS_V1_ERROR_INVALID_CACHE_MODE);
}

static void set_usage_0x100(struct params_case *pc) {
	iosurface_params_v1_set_usage(pc->params, 0x100);
}

TEST(set_usage_0x100_is_invalid_usage) {
	expect_params_error(set_usage_0x100, IOSURFACE_PARAMS_V1_ERROR_INVALID_USAGE);
}

static void set_flags_0x80(struct params_case *pc) {
	iosurface_params_v1_set_flags(pc->params, 0x80);
}

TEST(set_flags_0x80_is_invalid_flags) {
	expect_params_error(set_flags_0x80, IOSURFACE_PARAMS_V1_ERROR_INVALID_FLAGS);
}

static void set_name_300(struct params_case *pc) {
	char name[301];
	memset(name, 'n', 300);
	name[300] = '\0';
	iosurface_params_v1_set_name(pc->params, name);
}

TEST(set_name_300_chars_is_invalid_name) {
	expect_params_error(set_name_300, IOSURFACE_PARAMS_V1_ERROR_INVALID_NAME);
}

static void set_name_256(struct params_case *pc) {
	uint32_t max = pc->conn->limit_max[IOSURFACE_MANAGER_V1_PROPERTY_NAME_LENGTH];
	CHECK_GT(max, 0);
	CHECK_LT(max, 1000);
	char name[1001];
	memset(name, 'n', max + 1);
	name[max + 1] = '\0';
	iosurface_params_v1_set_name(pc->params, name);
}

TEST(set_name_one_over_published_limit_is_invalid_name) {
	expect_params_error(set_name_256, IOSURFACE_PARAMS_V1_ERROR_INVALID_NAME);
}

/* ---- One create per object ---- */

static void create_twice(struct params_case *pc) {
	create_and_wait(pc);
	send_create(pc);
}

TEST(create_twice_is_already_used) {
	expect_params_error(create_twice, IOSURFACE_PARAMS_V1_ERROR_ALREADY_USED);
}

static void create_failed_then_again(struct params_case *pc) {
	// A create that failed (unknown format) still used the object.
	iosurface_params_v1_set_size(pc->params, 32, 32);
	iosurface_params_v1_set_format(pc->params, 0x12345678);
	send_create(pc);
	hostile_roundtrip(pc->conn);
	hostile_expect_failed(pc->surfaces[0], IOSURFACE_V1_FAILURE_UNKNOWN_FORMAT);
	send_create(pc);
}

TEST(create_after_failed_create_is_already_used) {
	expect_params_error(create_failed_then_again, IOSURFACE_PARAMS_V1_ERROR_ALREADY_USED);
}

/* Which set request set_after_create sends: 0 set_size ... 9 set_name. */
static int set_request_index;

static void set_after_create(struct params_case *pc) {
	create_and_wait(pc);
	struct iosurface_params_v1 *p = pc->params;
	switch (set_request_index) {
	case 0:
		iosurface_params_v1_set_size(p, 8, 8);
		break;
	case 1:
		iosurface_params_v1_set_format(p, DRM_FORMAT_ARGB8888);
		break;
	case 2:
		iosurface_params_v1_set_element(p, 4, 1, 1);
		break;
	case 3:
		iosurface_params_v1_set_layout(p, 0, 0, 0);
		break;
	case 4:
		iosurface_params_v1_set_plane_count(p, 0);
		break;
	case 5:
		iosurface_params_v1_set_plane(p, 0, 0, 0, 0, 0, 0, 0, 0, 0);
		break;
	case 6:
		iosurface_params_v1_set_cache_mode(p, 0);
		break;
	case 7:
		iosurface_params_v1_set_usage(p, 0);
		break;
	case 8:
		iosurface_params_v1_set_flags(p, 0);
		break;
	case 9:
		iosurface_params_v1_set_name(p, "late");
		break;
	}
}

TEST(every_set_after_create_is_already_used) {
	for (set_request_index = 0; set_request_index < 10; set_request_index++) {
		expect_params_error(set_after_create, IOSURFACE_PARAMS_V1_ERROR_ALREADY_USED);
	}
}

/* ---- Limits that are not errors ---- */

TEST(largest_published_values_are_accepted) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct hostile_conn *c = hostile_connect();
	// Exactly the limits: 255-byte name, 64-byte elements of 16x16, 4 planes of plain memory.
	uint32_t name_max = c->limit_max[IOSURFACE_MANAGER_V1_PROPERTY_NAME_LENGTH];
	char name[1001];
	CHECK_LT(name_max, 1000);
	memset(name, 'n', name_max);
	name[name_max] = '\0';
	struct iosurface_params_v1 *p = iosurface_manager_v1_create_params(c->manager);
	iosurface_params_v1_set_size(p, 64, 64);
	iosurface_params_v1_set_element(p, 64, 16, 16);
	iosurface_params_v1_set_plane_count(p, 4);
	iosurface_params_v1_set_name(p, name);
	iosurface_params_v1_set_cache_mode(p, IOSURFACE_PARAMS_V1_CACHE_MODE_WRITE_COMBINE);
	iosurface_params_v1_set_usage(p, 0x1f);
	iosurface_params_v1_set_flags(p, 0x3);
	struct hostile_surface *s = hostile_surface_wrap(c, iosurface_params_v1_create(p));
	iosurface_params_v1_destroy(p);
	hostile_roundtrip(c);
	CHECK(s->done);
	CHECK_EQ(s->plane_count, 4);
	hostile_surface_destroy(s);
	hostile_disconnect(c);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

int main(int argc, char **argv) {
	return harness_main(argc, argv);
}
