/*
 * unit-format: the format table of common/format.c against the DRM fourcc definitions.
 *
 * The expected component layouts below are the bit-layout comments of
 * /usr/include/libdrm/drm_fourcc.h, copied as text ("[31:0] A:R:G:B 8:8:8:8") and parsed here,
 * so that the table is checked against an independent description rather than against a second
 * copy of itself.
 */
#ifdef NDEBUG
#error "tests must be built without NDEBUG"
#endif

#include <ctype.h>
#include <stdlib.h>

#include <drm_fourcc.h>

#include "common-check.h"
#include "iosurface-common.h"

#define OSTYPE(a, b, c, d) \
	(((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (uint32_t)(d))

/* Type and range of the color components; alpha is always full range. */
enum kind {
	RGB,
	RGB_FLOAT,
	RGB_WIDE,
	YUV,
	YUV_FULL,
};

struct expected_plane {
	uint8_t bytes_per_element, element_width, element_height, h_subsampling, v_subsampling;
	/* The drm_fourcc.h comment of this plane, or the same notation for a format DRM lacks
	 * (of the big-endian word for Apple's big-endian formats); NULL: see its own test. */
	const char *drm_layout;
};

struct expected_format {
	uint32_t fourcc;
	const char *name;
	uint8_t plane_count; /* 0: non-planar */
	enum ios_subsampling subsampling;
	enum kind kind;
	struct expected_plane planes[3];
};

#define NONE IOS_SUBSAMPLING_NONE
#define S422 IOS_SUBSAMPLING_422
#define S420 IOS_SUBSAMPLING_420

static const struct expected_format expected[] = {
	{ DRM_FORMAT_ARGB8888, "ARGB8888", 0, NONE, RGB,
		{ { 4, 1, 1, 1, 1, "[31:0] A:R:G:B 8:8:8:8" } } },
	{ DRM_FORMAT_XRGB8888, "XRGB8888", 0, NONE, RGB,
		{ { 4, 1, 1, 1, 1, "[31:0] x:R:G:B 8:8:8:8" } } },
	{ DRM_FORMAT_ABGR8888, "ABGR8888", 0, NONE, RGB,
		{ { 4, 1, 1, 1, 1, "[31:0] A:B:G:R 8:8:8:8" } } },
	{ DRM_FORMAT_XBGR8888, "XBGR8888", 0, NONE, RGB,
		{ { 4, 1, 1, 1, 1, "[31:0] x:B:G:R 8:8:8:8" } } },
	{ DRM_FORMAT_RGBA8888, "RGBA8888", 0, NONE, RGB,
		{ { 4, 1, 1, 1, 1, "[31:0] R:G:B:A 8:8:8:8" } } },
	{ DRM_FORMAT_BGRA8888, "BGRA8888", 0, NONE, RGB,
		{ { 4, 1, 1, 1, 1, "[31:0] B:G:R:A 8:8:8:8" } } },
	{ DRM_FORMAT_ARGB2101010, "ARGB2101010", 0, NONE, RGB,
		{ { 4, 1, 1, 1, 1, "[31:0] A:R:G:B 2:10:10:10" } } },
	{ DRM_FORMAT_ABGR16161616F, "ABGR16161616F", 0, NONE, RGB_FLOAT,
		{ { 8, 1, 1, 1, 1, "[63:0] A:B:G:R 16:16:16:16" } } },
	{ DRM_FORMAT_R8, "R8", 0, NONE, RGB, { { 1, 1, 1, 1, 1, "[7:0] R" } } },
	{ DRM_FORMAT_R16, "R16", 0, NONE, RGB, { { 2, 1, 1, 1, 1, "[15:0] R" } } },
	{ DRM_FORMAT_GR88, "GR88", 0, NONE, RGB, { { 2, 1, 1, 1, 1, "[15:0] G:R 8:8" } } },
	{ DRM_FORMAT_GR1616, "GR1616", 0, NONE, RGB, { { 4, 1, 1, 1, 1, "[31:0] G:R 16:16" } } },
	{ DRM_FORMAT_NV12, "NV12", 2, S420, YUV,
		{ { 1, 1, 1, 1, 1, "[7:0] Y" }, { 2, 1, 1, 2, 2, "[15:0] Cr:Cb" } } },
	{ DRM_FORMAT_NV16, "NV16", 2, S422, YUV,
		{ { 1, 1, 1, 1, 1, "[7:0] Y" }, { 2, 1, 1, 2, 1, "[15:0] Cr:Cb" } } },
	{ DRM_FORMAT_NV24, "NV24", 2, NONE, YUV,
		{ { 1, 1, 1, 1, 1, "[7:0] Y" }, { 2, 1, 1, 1, 1, "[15:0] Cr:Cb" } } },
	{ DRM_FORMAT_P010, "P010", 2, S420, YUV,
		{ { 2, 1, 1, 1, 1, "[15:0] Y:x [10:6]" },
				{ 4, 1, 1, 2, 2, "[31:0] Cr:x:Cb:x [10:6:10:6]" } } },
	{ DRM_FORMAT_P210, "P210", 2, S422, YUV,
		{ { 2, 1, 1, 1, 1, "[15:0] Y:x [10:6]" },
				{ 4, 1, 1, 2, 1, "[31:0] Cr:x:Cb:x [10:6:10:6]" } } },
	{ DRM_FORMAT_YUV420, "YUV420", 3, S420, YUV,
		{ { 1, 1, 1, 1, 1, "[7:0] Y" }, { 1, 1, 1, 2, 2, "[7:0] Cb" },
				{ 1, 1, 1, 2, 2, "[7:0] Cr" } } },
	/* Packed 4:2:2: one element is two pixels, with two luma samples. */
	{ DRM_FORMAT_YUYV, "YUYV", 0, S422, YUV,
		{ { 4, 2, 1, 1, 1, "[31:0] Cr0:Y1:Cb0:Y0 8:8:8:8" } } },
	{ DRM_FORMAT_UYVY, "UYVY", 0, S422, YUV,
		{ { 4, 2, 1, 1, 1, "[31:0] Y1:Cr0:Y0:Cb0 8:8:8:8" } } },
	{ DRM_FORMAT_BGR888, "BGR888", 0, NONE, RGB, { { 3, 1, 1, 1, 1, "[23:0] B:G:R 8:8:8" } } },
	/* Formats known by their Apple code: full-range twins, then what DRM has no code for. */
	{ OSTYPE('4', '2', '0', 'f'), "420f", 2, S420, YUV_FULL,
		{ { 1, 1, 1, 1, 1, "[7:0] Y" }, { 2, 1, 1, 2, 2, "[15:0] Cr:Cb" } } },
	{ OSTYPE('4', '2', '2', 'f'), "422f", 2, S422, YUV_FULL,
		{ { 1, 1, 1, 1, 1, "[7:0] Y" }, { 2, 1, 1, 2, 1, "[15:0] Cr:Cb" } } },
	{ OSTYPE('4', '4', '4', 'f'), "444f", 2, NONE, YUV_FULL,
		{ { 1, 1, 1, 1, 1, "[7:0] Y" }, { 2, 1, 1, 1, 1, "[15:0] Cr:Cb" } } },
	{ OSTYPE('x', 'f', '2', '0'), "xf20", 2, S420, YUV_FULL,
		{ { 2, 1, 1, 1, 1, "[15:0] Y:x [10:6]" },
				{ 4, 1, 1, 2, 2, "[31:0] Cr:x:Cb:x [10:6:10:6]" } } },
	{ OSTYPE('x', 'f', '2', '2'), "xf22", 2, S422, YUV_FULL,
		{ { 2, 1, 1, 1, 1, "[15:0] Y:x [10:6]" },
				{ 4, 1, 1, 2, 1, "[31:0] Cr:x:Cb:x [10:6:10:6]" } } },
	{ OSTYPE('f', '4', '2', '0'), "f420", 3, S420, YUV_FULL,
		{ { 1, 1, 1, 1, 1, "[7:0] Y" }, { 1, 1, 1, 2, 2, "[7:0] Cb" },
				{ 1, 1, 1, 2, 2, "[7:0] Cr" } } },
	{ OSTYPE('y', 'u', 'v', 'f'), "yuvf", 0, S422, YUV_FULL,
		{ { 4, 2, 1, 1, 1, "[31:0] Cr0:Y1:Cb0:Y0 8:8:8:8" } } },
	{ OSTYPE('x', '4', '4', '4'), "x444", 2, NONE, YUV,
		{ { 2, 1, 1, 1, 1, "[15:0] Y:x [10:6]" },
				{ 4, 1, 1, 1, 1, "[31:0] Cr:x:Cb:x [10:6:10:6]" } } },
	{ OSTYPE('x', 'f', '4', '4'), "xf44", 2, NONE, YUV_FULL,
		{ { 2, 1, 1, 1, 1, "[15:0] Y:x [10:6]" },
				{ 4, 1, 1, 1, 1, "[31:0] Cr:x:Cb:x [10:6:10:6]" } } },
	{ OSTYPE('v', '2', '1', '0'), "v210", 0, S422, YUV, { { 16, 6, 1, 1, 1, NULL } } },
	{ OSTYPE('a', '2', 'v', 'y'), "a2vy", 2, S422, YUV,
		{ { 4, 2, 1, 1, 1, "[31:0] Y1:Cr0:Y0:Cb0 8:8:8:8" }, { 1, 1, 1, 1, 1, "[7:0] A" } } },
	{ OSTYPE('y', '4', '1', '6'), "y416", 0, NONE, YUV,
		{ { 8, 1, 1, 1, 1, "[63:0] Cr:Cb:Y:A 16:16:16:16" } } },
	{ OSTYPE('v', '4', '0', '8'), "v408", 0, NONE, YUV,
		{ { 4, 1, 1, 1, 1, "[31:0] A:Cr:Y:Cb 8:8:8:8" } } },
	{ OSTYPE('w', '3', '0', 'r'), "w30r", 0, NONE, RGB_WIDE,
		{ { 4, 1, 1, 1, 1, "[31:0] x:R:G:B 2:10:10:10" } } },
	{ OSTYPE('b', '3', 'a', '8'), "b3a8", 2, NONE, RGB_WIDE,
		{ { 4, 1, 1, 1, 1, "[31:0] x:R:G:B 2:10:10:10" }, { 1, 1, 1, 1, 1, "[7:0] A" } } },
	{ OSTYPE('R', '1', '0', 'k'), "R10k", 0, NONE, RGB,
		{ { 4, 1, 1, 1, 1, "[31:0] R:G:B:x 10:10:10:2" } } },
	{ OSTYPE('b', '6', '4', 'a'), "b64a", 0, NONE, RGB,
		{ { 8, 1, 1, 1, 1, "[63:0] A:R:G:B 16:16:16:16" } } },
	{ OSTYPE('R', 'G', 'f', 'A'), "RGfA", 0, NONE, RGB_FLOAT,
		{ { 16, 1, 1, 1, 1, "[127:0] A:B:G:R 32:32:32:32" } } },
	{ OSTYPE('L', '0', '0', 'h'), "L00h", 0, NONE, RGB_FLOAT, { { 2, 1, 1, 1, 1, "[15:0] R" } } },
	{ OSTYPE('L', '0', '0', 'f'), "L00f", 0, NONE, RGB_FLOAT, { { 4, 1, 1, 1, 1, "[31:0] R" } } },
	{ OSTYPE('2', 'C', '0', 'h'), "2C0h", 0, NONE, RGB_FLOAT,
		{ { 4, 1, 1, 1, 1, "[31:0] G:R 16:16" } } },
};

#define EXPECTED_COUNT (sizeof(expected) / sizeof(expected[0]))

/* ---- drm_fourcc.h notation: "[hi:0] N1:...:Nk s1:...:sk", most significant first ---- */

struct parsed_component {
	enum ios_component_name name;
	unsigned depth, offset;
};

struct parsed_layout {
	unsigned bits, count;
	struct parsed_component components[8];
};

static enum ios_component_name component_name(const char *token, size_t len) {
	while (len > 0 && isdigit((unsigned char)token[len - 1])) {
		len--; // Y0, Y1, Cb0, Cr0: the sample index does not matter here
	}
	static const struct {
		const char *token;
		enum ios_component_name name;
	} names[] = {
		{ "A", IOS_COMPONENT_NAME_ALPHA },
		{ "R", IOS_COMPONENT_NAME_RED },
		{ "G", IOS_COMPONENT_NAME_GREEN },
		{ "B", IOS_COMPONENT_NAME_BLUE },
		{ "Y", IOS_COMPONENT_NAME_LUMA },
		{ "Cb", IOS_COMPONENT_NAME_CHROMA_BLUE },
		{ "Cr", IOS_COMPONENT_NAME_CHROMA_RED },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strlen(names[i].token) == len && strncmp(names[i].token, token, len) == 0) {
			return names[i].name;
		}
	}
	return IOS_COMPONENT_NAME_UNKNOWN; // "x": padding
}

/* Returns false if the text is not in the notation (a mistake in this file, not in the table). */
static bool parse_drm_layout(const char *text, struct parsed_layout *out) {
	memset(out, 0, sizeof(*out));
	unsigned hi, lo;
	int used;
	if (sscanf(text, "[%u:%u]%n", &hi, &lo, &used) != 2 || lo != 0) {
		return false;
	}
	out->bits = hi + 1;
	const char *p = text + used;
	while (*p == ' ') {
		p++;
	}
	const char *tokens[8];
	size_t token_lens[8];
	unsigned n = 0;
	while (n < 8) {
		size_t len = strcspn(p, ": ");
		tokens[n] = p;
		token_lens[n++] = len;
		p += len;
		if (*p != ':') {
			break;
		}
		p++;
	}
	while (*p == ' ' || *p == '[') {
		p++;
	}
	unsigned sizes[8];
	unsigned sized = 0;
	while (sized < 8 && isdigit((unsigned char)*p)) {
		sizes[sized++] = (unsigned)strtoul(p, (char **)&p, 10);
		if (*p != ':') {
			break;
		}
		p++;
	}
	if (sized == 0) {
		// "[15:0] Cr:Cb": equal shares
		for (unsigned i = 0; i < n; i++) {
			sizes[i] = out->bits / n;
		}
	} else if (sized != n) {
		return false;
	}
	unsigned offset = out->bits;
	for (unsigned i = 0; i < n; i++) {
		if (sizes[i] > offset) {
			return false;
		}
		offset -= sizes[i];
		enum ios_component_name name = component_name(tokens[i], token_lens[i]);
		if (name != IOS_COMPONENT_NAME_UNKNOWN) {
			out->components[out->count++] =
					(struct parsed_component){ name, sizes[i], offset };
		}
	}
	return offset == 0;
}

static const struct expected_format *find_expected(uint32_t fourcc) {
	for (size_t i = 0; i < EXPECTED_COUNT; i++) {
		if (expected[i].fourcc == fourcc) {
			return &expected[i];
		}
	}
	return NULL;
}

static const char *fourcc_text(uint32_t fourcc) {
	static char buf[16];
	return ios_fourcc_str(fourcc, buf);
}

/* ---- Test cases ---- */

/* The table holds exactly the formats above, once each, and nothing past its end. */
static void test_table_is_complete(void) {
	CHECK_EQ(ios_format_count(), EXPECTED_COUNT);
	for (size_t i = 0; i < ios_format_count(); i++) {
		const struct ios_format *fmt = ios_format_at(i);
		if (!CHECK(fmt != NULL)) {
			return;
		}
		check_context("table entry %zu (%s)", i, fmt->name);
		CHECK(find_expected(fmt->fourcc) != NULL);
		for (size_t j = 0; j < i; j++) {
			CHECK(ios_format_at(j)->fourcc != fmt->fourcc);
		}
	}
	CHECK(ios_format_at(ios_format_count()) == NULL);
	CHECK(ios_format_at((size_t)-1) == NULL);
}

static void test_lookup(void) {
	for (size_t i = 0; i < EXPECTED_COUNT; i++) {
		const struct expected_format *e = &expected[i];
		check_context("%s", e->name);
		const struct ios_format *fmt = ios_format_lookup(e->fourcc);
		if (!CHECK(fmt != NULL)) {
			continue;
		}
		CHECK_EQ(fmt->fourcc, e->fourcc);
		CHECK_STR_EQ(fmt->name, e->name);
		char buf[16];
		CHECK_STR_EQ(ios_fourcc_str(e->fourcc, buf), e->name);
		CHECK_EQ(fmt->plane_count, e->plane_count);
		CHECK_EQ(fmt->subsampling, e->subsampling);
	}
	check_context("unknown codes");
	CHECK(ios_format_lookup(0) == NULL);
	CHECK(ios_format_lookup(DRM_FORMAT_NV21) == NULL);
	CHECK(ios_format_lookup(DRM_FORMAT_RGB565) == NULL);
	CHECK(ios_format_lookup(0xffffffffu) == NULL);
	char buf[16];
	CHECK_STR_EQ(ios_fourcc_str(0x12345678u, buf), "0x12345678");
	CHECK_STR_EQ(ios_fourcc_str(0, buf), "0x00000000");
}

static void test_planes(void) {
	for (size_t i = 0; i < EXPECTED_COUNT; i++) {
		const struct expected_format *e = &expected[i];
		const struct ios_format *fmt = ios_format_lookup(e->fourcc);
		if (fmt == NULL) {
			continue; // reported by test_lookup
		}
		unsigned described = e->plane_count != 0 ? e->plane_count : 1;
		for (unsigned p = 0; p < IOS_MAX_PLANES; p++) {
			check_context("%s plane %u", e->name, p);
			const struct ios_plane_format *pf = &fmt->planes[p];
			if (p >= described) {
				// Planes past the format's count describe nothing.
				CHECK_EQ(pf->bytes_per_element, 0);
				CHECK_EQ(pf->component_count, 0);
				continue;
			}
			const struct expected_plane *ep = &e->planes[p];
			CHECK_EQ(pf->bytes_per_element, ep->bytes_per_element);
			CHECK_EQ(pf->element_width, ep->element_width);
			CHECK_EQ(pf->element_height, ep->element_height);
			CHECK_EQ(pf->h_subsampling, ep->h_subsampling);
			CHECK_EQ(pf->v_subsampling, ep->v_subsampling);
		}
	}
}

/* Every component's name, depth and bit offset as drm_fourcc.h describes it; type and range. */
static void test_components_match_drm(void) {
	for (size_t i = 0; i < EXPECTED_COUNT; i++) {
		const struct expected_format *e = &expected[i];
		const struct ios_format *fmt = ios_format_lookup(e->fourcc);
		if (fmt == NULL) {
			continue;
		}
		unsigned described = e->plane_count != 0 ? e->plane_count : 1;
		for (unsigned p = 0; p < described; p++) {
			check_context("%s plane %u \"%s\"", e->name, p, e->planes[p].drm_layout);
			const struct ios_plane_format *pf = &fmt->planes[p];
			struct parsed_layout drm;
			if (e->planes[p].drm_layout == NULL) {
				continue;
			}
			if (!CHECK(parse_drm_layout(e->planes[p].drm_layout, &drm))) {
				continue;
			}
			// The comment describes the whole element.
			CHECK_EQ(drm.bits, 8u * e->planes[p].bytes_per_element);
			if (!CHECK_EQ(pf->component_count, drm.count)) {
				continue;
			}
			for (unsigned c = 0; c < drm.count; c++) {
				const struct parsed_component *want = &drm.components[c];
				const struct ios_component *got = NULL;
				for (unsigned k = 0; k < pf->component_count; k++) {
					if (pf->components[k].bit_offset == want->offset) {
						got = &pf->components[k];
					}
				}
				check_context("%s plane %u \"%s\", component at bit %u", e->name, p,
						e->planes[p].drm_layout, want->offset);
				if (!CHECK(got != NULL)) {
					continue;
				}
				CHECK_EQ(got->name, want->name);
				CHECK_EQ(got->bit_depth, want->depth);
				CHECK_EQ(got->type,
						e->kind == RGB_FLOAT ? IOS_COMPONENT_TYPE_FLOAT :
											   IOS_COMPONENT_TYPE_UNSIGNED_INTEGER);
				enum ios_component_range range = e->kind == YUV ? IOS_COMPONENT_RANGE_VIDEO :
						e->kind == RGB_WIDE                     ? IOS_COMPONENT_RANGE_WIDE :
																  IOS_COMPONENT_RANGE_FULL;
				if (want->name == IOS_COMPONENT_NAME_ALPHA) {
					range = IOS_COMPONENT_RANGE_FULL;
				}
				CHECK_EQ(got->range, range);
			}
		}
	}
}

/*
 * Properties every entry of the table must have, whatever its format: components inside the
 * element and disjoint, valid enum values, subsampling consistent with the chroma planes.
 */
static void test_components_consistent(void) {
	for (size_t i = 0; i < ios_format_count(); i++) {
		const struct ios_format *fmt = ios_format_at(i);
		unsigned described = fmt->plane_count != 0 ? fmt->plane_count : 1;
		CHECK(fmt->plane_count <= IOS_MAX_PLANES);
		bool any_420 = false, any_422 = false, any_subsampled = false;
		for (unsigned p = 0; p < described; p++) {
			const struct ios_plane_format *pf = &fmt->planes[p];
			check_context("%s plane %u", fmt->name, p);
			CHECK(pf->bytes_per_element >= 1 && pf->bytes_per_element <= 16);
			CHECK(pf->element_width >= 1 && pf->element_height >= 1);
			CHECK(pf->h_subsampling >= 1 && pf->v_subsampling >= 1);
			CHECK(pf->component_count >= 1 && pf->component_count <= 4);
			unsigned bits = 8u * pf->bytes_per_element;
			bool used[128] = { false };
			for (unsigned c = 0; c < pf->component_count && c < 4; c++) {
				const struct ios_component *comp = &pf->components[c];
				check_context("%s plane %u component %u", fmt->name, p, c);
				CHECK(comp->name >= IOS_COMPONENT_NAME_ALPHA &&
						comp->name <= IOS_COMPONENT_NAME_CHROMA_BLUE);
				CHECK(comp->type == IOS_COMPONENT_TYPE_UNSIGNED_INTEGER ||
						comp->type == IOS_COMPONENT_TYPE_FLOAT);
				CHECK(comp->range == IOS_COMPONENT_RANGE_FULL ||
						comp->range == IOS_COMPONENT_RANGE_VIDEO ||
						comp->range == IOS_COMPONENT_RANGE_WIDE);
				if (!CHECK(comp->bit_depth >= 1 && comp->bit_offset + comp->bit_depth <= bits)) {
					continue;
				}
				bool overlaps = false;
				for (unsigned b = comp->bit_offset; b < comp->bit_offset + comp->bit_depth; b++) {
					overlaps |= used[b];
					used[b] = true;
				}
				CHECK(!overlaps); // with an earlier component
			}
			if (pf->h_subsampling == 2 && pf->v_subsampling == 2) {
				any_420 = true;
			}
			if ((pf->h_subsampling == 2 && pf->v_subsampling == 1) ||
					(pf->element_width >= 2 && pf->element_height == 1)) {
				any_422 = true;
			}
			if (pf->h_subsampling != 1 || pf->v_subsampling != 1 || pf->element_width != 1 ||
					pf->element_height != 1) {
				any_subsampled = true;
			}
		}
		check_context("%s", fmt->name);
		switch (fmt->subsampling) {
		case IOS_SUBSAMPLING_420:
			CHECK(any_420);
			break;
		case IOS_SUBSAMPLING_422:
			CHECK(any_422 && !any_420);
			break;
		case IOS_SUBSAMPLING_NONE:
			CHECK(!any_subsampled);
			break;
		default:
			CHECK_EQ(fmt->subsampling, IOS_SUBSAMPLING_NONE);
			break;
		}
	}
}

static void test_ostype(void) {
	static const struct {
		uint32_t ostype, fourcc;
	} to_fourcc[] = {
		{ OSTYPE('B', 'G', 'R', 'A'), DRM_FORMAT_ARGB8888 },
		{ OSTYPE('R', 'G', 'B', 'A'), DRM_FORMAT_ABGR8888 },
		{ OSTYPE('A', 'B', 'G', 'R'), DRM_FORMAT_RGBA8888 },
		{ 0x00000020, DRM_FORMAT_BGRA8888 }, // k32ARGBPixelFormat
		{ OSTYPE('4', '2', '0', 'v'), DRM_FORMAT_NV12 },
		{ OSTYPE('4', '2', '2', 'v'), DRM_FORMAT_NV16 },
		{ OSTYPE('4', '4', '4', 'v'), DRM_FORMAT_NV24 },
		{ OSTYPE('x', '4', '2', '0'), DRM_FORMAT_P010 },
		{ OSTYPE('x', '4', '2', '2'), DRM_FORMAT_P210 },
		{ OSTYPE('y', '4', '2', '0'), DRM_FORMAT_YUV420 },
		{ OSTYPE('L', '0', '0', '8'), DRM_FORMAT_R8 },
		{ OSTYPE('L', '0', '1', '6'), DRM_FORMAT_R16 },
		{ OSTYPE('2', 'v', 'u', 'y'), DRM_FORMAT_UYVY },
		{ OSTYPE('y', 'u', 'v', 's'), DRM_FORMAT_YUYV },
		{ OSTYPE('R', 'G', 'h', 'A'), DRM_FORMAT_ABGR16161616F },
		{ OSTYPE('l', '1', '0', 'r'), DRM_FORMAT_ARGB2101010 },
		{ 0x00000018, DRM_FORMAT_BGR888 }, // k24RGBPixelFormat
		// Full range keeps its own code, so that every holder can tell the range.
		{ OSTYPE('4', '2', '0', 'f'), OSTYPE('4', '2', '0', 'f') },
		{ OSTYPE('x', 'f', '2', '0'), OSTYPE('x', 'f', '2', '0') },
		{ OSTYPE('x', 'f', '2', '2'), OSTYPE('x', 'f', '2', '2') },
		{ OSTYPE('f', '4', '2', '0'), OSTYPE('f', '4', '2', '0') },
		{ OSTYPE('y', 'u', 'v', 'f'), OSTYPE('y', 'u', 'v', 'f') },
		{ OSTYPE('x', 'f', '4', '4'), OSTYPE('x', 'f', '4', '4') },
		{ OSTYPE('w', '3', '0', 'r'), OSTYPE('w', '3', '0', 'r') },
		{ OSTYPE('v', '2', '1', '0'), OSTYPE('v', '2', '1', '0') },
	};
	for (size_t i = 0; i < sizeof(to_fourcc) / sizeof(to_fourcc[0]); i++) {
		uint32_t ostype = to_fourcc[i].ostype;
		check_context("ostype 0x%08x ('%c%c%c%c')", ostype, (char)(ostype >> 24),
				(char)(ostype >> 16), (char)(ostype >> 8), (char)ostype);
		CHECK_EQ(ios_format_from_ostype(ostype), to_fourcc[i].fourcc);
	}

	// Back: each format gives its primary code ('BGRA' for both ARGB8888 and XRGB8888).
	static const struct {
		uint32_t fourcc, ostype;
	} to_ostype[] = {
		{ DRM_FORMAT_ARGB8888, OSTYPE('B', 'G', 'R', 'A') },
		{ DRM_FORMAT_NV12, OSTYPE('4', '2', '0', 'v') },
		{ DRM_FORMAT_P010, OSTYPE('x', '4', '2', '0') },
		{ DRM_FORMAT_R8, OSTYPE('L', '0', '0', '8') },
		{ DRM_FORMAT_UYVY, OSTYPE('2', 'v', 'u', 'y') },
		{ DRM_FORMAT_YUYV, OSTYPE('y', 'u', 'v', 's') },
		{ DRM_FORMAT_ABGR16161616F, OSTYPE('R', 'G', 'h', 'A') },
		{ DRM_FORMAT_ARGB2101010, OSTYPE('l', '1', '0', 'r') },
		{ DRM_FORMAT_XRGB8888, OSTYPE('B', 'G', 'R', 'A') },
		{ OSTYPE('4', '2', '0', 'f'), OSTYPE('4', '2', '0', 'f') },
	};
	for (size_t i = 0; i < sizeof(to_ostype) / sizeof(to_ostype[0]); i++) {
		check_context("%s", fourcc_text(to_ostype[i].fourcc));
		CHECK_EQ(ios_format_to_ostype(to_ostype[i].fourcc), to_ostype[i].ostype);
	}

	check_context("unknown codes");
	CHECK_EQ(ios_format_from_ostype(0), 0);
	CHECK_EQ(ios_format_from_ostype(OSTYPE('z', 'z', 'z', 'z')), 0);
	CHECK_EQ(ios_format_from_ostype(DRM_FORMAT_ARGB8888), 0); // a fourcc is not an OSType
	CHECK_EQ(ios_format_to_ostype(0), 0);
	CHECK_EQ(ios_format_to_ostype(DRM_FORMAT_NV21), 0);
	CHECK_EQ(ios_format_to_ostype(OSTYPE('B', 'G', 'R', 'A')), 0); // nor the reverse
}

/*
 * A format's code is its DRM fourcc, or its Apple code when DRM has none; the two kinds never
 * meet: no entry's code is another entry's Apple code, so converting an Apple code can never
 * land on an unrelated DRM format.
 */
static void test_codes_never_collide(void) {
	for (size_t i = 0; i < ios_format_count(); i++) {
		const struct ios_format *a = ios_format_at(i);
		for (size_t j = 0; j < ios_format_count(); j++) {
			const struct ios_format *b = ios_format_at(j);
			check_context("%s vs %s", a->name, b->name);
			if (i != j && a->fourcc != a->ostype) {
				CHECK(a->fourcc != b->ostype);
			}
		}
	}
}

/* Each full-range twin has exactly its video-range format's layout, with every color component
 * full range; the range is what tells them apart. */
static void test_full_range_twins(void) {
	static const struct {
		uint32_t full, video;
	} twins[] = {
		{ OSTYPE('4', '2', '0', 'f'), DRM_FORMAT_NV12 },
		{ OSTYPE('4', '2', '2', 'f'), DRM_FORMAT_NV16 },
		{ OSTYPE('4', '4', '4', 'f'), DRM_FORMAT_NV24 },
		{ OSTYPE('x', 'f', '2', '0'), DRM_FORMAT_P010 },
		{ OSTYPE('x', 'f', '2', '2'), DRM_FORMAT_P210 },
		{ OSTYPE('f', '4', '2', '0'), DRM_FORMAT_YUV420 },
		{ OSTYPE('y', 'u', 'v', 'f'), DRM_FORMAT_YUYV },
		{ OSTYPE('x', 'f', '4', '4'), OSTYPE('x', '4', '4', '4') },
	};
	for (size_t i = 0; i < sizeof(twins) / sizeof(twins[0]); i++) {
		const struct ios_format *f = ios_format_lookup(twins[i].full);
		const struct ios_format *v = ios_format_lookup(twins[i].video);
		check_context("%s", fourcc_text(twins[i].full));
		if (!CHECK(f != NULL && v != NULL)) {
			continue;
		}
		CHECK(f->fourcc != v->fourcc);
		CHECK_EQ(f->plane_count, v->plane_count);
		CHECK_EQ(f->subsampling, v->subsampling);
		unsigned described = f->plane_count != 0 ? f->plane_count : 1;
		for (unsigned p = 0; p < described; p++) {
			const struct ios_plane_format *a = &f->planes[p], *b = &v->planes[p];
			CHECK_EQ(a->bytes_per_element, b->bytes_per_element);
			CHECK_EQ(a->element_width, b->element_width);
			CHECK_EQ(a->h_subsampling, b->h_subsampling);
			CHECK_EQ(a->v_subsampling, b->v_subsampling);
			CHECK_EQ(a->component_count, b->component_count);
			for (unsigned c = 0; c < a->component_count && c < 4; c++) {
				CHECK_EQ(a->components[c].name, b->components[c].name);
				CHECK_EQ(a->components[c].bit_offset, b->components[c].bit_offset);
				CHECK_EQ(a->components[c].bit_depth, b->components[c].bit_depth);
				CHECK_EQ(a->components[c].range, IOS_COMPONENT_RANGE_FULL);
				CHECK_EQ(b->components[c].range, IOS_COMPONENT_RANGE_VIDEO);
			}
		}
	}
}

/* 'v210' packs 6 pixels into four 32-bit words; the table gives the samples of the first word. */
static void test_v210(void) {
	const struct ios_format *f = ios_format_lookup(OSTYPE('v', '2', '1', '0'));
	if (!CHECK(f != NULL)) {
		return;
	}
	const struct ios_plane_format *pf = &f->planes[0];
	CHECK_EQ(pf->bytes_per_element, 16);
	CHECK_EQ(pf->element_width, 6);
	if (CHECK_EQ(pf->component_count, 3)) {
		CHECK_EQ(pf->components[0].name, IOS_COMPONENT_NAME_CHROMA_BLUE);
		CHECK_EQ(pf->components[0].bit_offset, 0);
		CHECK_EQ(pf->components[1].name, IOS_COMPONENT_NAME_LUMA);
		CHECK_EQ(pf->components[1].bit_offset, 10);
		CHECK_EQ(pf->components[2].name, IOS_COMPONENT_NAME_CHROMA_RED);
		CHECK_EQ(pf->components[2].bit_offset, 20);
		for (unsigned c = 0; c < 3; c++) {
			CHECK_EQ(pf->components[c].bit_depth, 10);
		}
	}
}

/*
 * fourcc -> OSType -> fourcc lands on a format with the same memory layout (XRGB8888 comes
 * back as ARGB8888: same element, same color components, plus alpha).
 */
static void test_ostype_round_trip(void) {
	for (size_t i = 0; i < ios_format_count(); i++) {
		const struct ios_format *fmt = ios_format_at(i);
		check_context("%s", fmt->name);
		uint32_t ostype = ios_format_to_ostype(fmt->fourcc);
		if (ostype == 0) {
			continue;
		}
		const struct ios_format *back = ios_format_lookup(ios_format_from_ostype(ostype));
		if (!CHECK(back != NULL)) {
			continue;
		}
		CHECK_EQ(back->plane_count, fmt->plane_count);
		CHECK_EQ(back->subsampling, fmt->subsampling);
		unsigned described = fmt->plane_count != 0 ? fmt->plane_count : 1;
		for (unsigned p = 0; p < described; p++) {
			const struct ios_plane_format *a = &fmt->planes[p], *b = &back->planes[p];
			check_context("%s -> %s plane %u", fmt->name, back->name, p);
			CHECK_EQ(b->bytes_per_element, a->bytes_per_element);
			CHECK_EQ(b->element_width, a->element_width);
			CHECK_EQ(b->element_height, a->element_height);
			CHECK_EQ(b->h_subsampling, a->h_subsampling);
			CHECK_EQ(b->v_subsampling, a->v_subsampling);
			for (unsigned c = 0; c < a->component_count && c < 4; c++) {
				bool found = false;
				for (unsigned k = 0; k < b->component_count && k < 4; k++) {
					found |= memcmp(&a->components[c], &b->components[k],
							sizeof(a->components[c])) == 0;
				}
				CHECK(found);
			}
		}
	}
}

/*
 * The library takes an Apple code wherever it takes a fourcc; that works only while no Apple
 * code of the table is also the code of another format (formats DRM has no code for are
 * known by their Apple code, so it finds themselves).
 */
static void test_ostype_never_a_known_fourcc(void) {
	for (size_t i = 0; i < ios_format_count(); i++) {
		const struct ios_format *fmt = ios_format_at(i);
		check_context("%s", fmt->name);
		const struct ios_format *same = fmt->ostype != 0 ? ios_format_lookup(fmt->ostype) : NULL;
		CHECK(same == NULL || same == fmt);
	}
}

int main(void) {
	RUN_TEST(test_table_is_complete);
	RUN_TEST(test_lookup);
	RUN_TEST(test_planes);
	RUN_TEST(test_components_match_drm);
	RUN_TEST(test_components_consistent);
	RUN_TEST(test_ostype);
	RUN_TEST(test_codes_never_collide);
	RUN_TEST(test_full_range_twins);
	RUN_TEST(test_v210);
	RUN_TEST(test_ostype_round_trip);
	RUN_TEST(test_ostype_never_a_known_fourcc);
	return check_report();
}
