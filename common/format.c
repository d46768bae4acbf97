#include <stdio.h>

#include <drm_fourcc.h>

#include "iosurface-common.h"

#define OSTYPE(a, b, c, d) \
	(((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (uint32_t)(d))

enum {
	N_A = IOSURFACE_COMPONENT_NAME_ALPHA,
	N_R = IOSURFACE_COMPONENT_NAME_RED,
	N_G = IOSURFACE_COMPONENT_NAME_GREEN,
	N_B = IOSURFACE_COMPONENT_NAME_BLUE,
	N_Y = IOSURFACE_COMPONENT_NAME_LUMA,
	N_CR = IOSURFACE_COMPONENT_NAME_CHROMA_RED,
	N_CB = IOSURFACE_COMPONENT_NAME_CHROMA_BLUE,
	T_U = IOSURFACE_COMPONENT_TYPE_UNSIGNED_INTEGER,
	T_F = IOSURFACE_COMPONENT_TYPE_FLOAT,
	R_FULL = IOSURFACE_COMPONENT_RANGE_FULL,
	R_VIDEO = IOSURFACE_COMPONENT_RANGE_VIDEO,
};

/* Component: name, type, range, bit depth, bit offset in the little-endian element. */
#define C(n, t, r, depth, off) { (n), (t), (r), (depth), (off) }
#define RGB8(n, off) C(n, T_U, R_FULL, 8, off)
#define YUV8(n, off) C(n, T_U, R_VIDEO, 8, off)
#define YUV10(n, off) C(n, T_U, R_VIDEO, 10, off)

/* Plane: bytes per element, element w/h, subsampling h/v, component count, components. */
#define PLANE(bpe, ew, eh, hs, vs, n, ...) { (bpe), (ew), (eh), (hs), (vs), (n), { __VA_ARGS__ } }

static const struct ios_format formats[] = {
	{ DRM_FORMAT_ARGB8888, OSTYPE('B', 'G', 'R', 'A'), "ARGB8888", 0, IOSURFACE_SUBSAMPLING_NONE,
		{ PLANE(4, 1, 1, 1, 1, 4, RGB8(N_A, 24), RGB8(N_R, 16), RGB8(N_G, 8), RGB8(N_B, 0)) } },
	{ DRM_FORMAT_XRGB8888, OSTYPE('B', 'G', 'R', 'A'), "XRGB8888", 0, IOSURFACE_SUBSAMPLING_NONE,
		{ PLANE(4, 1, 1, 1, 1, 3, RGB8(N_R, 16), RGB8(N_G, 8), RGB8(N_B, 0)) } },
	{ DRM_FORMAT_ABGR8888, OSTYPE('R', 'G', 'B', 'A'), "ABGR8888", 0, IOSURFACE_SUBSAMPLING_NONE,
		{ PLANE(4, 1, 1, 1, 1, 4, RGB8(N_A, 24), RGB8(N_B, 16), RGB8(N_G, 8), RGB8(N_R, 0)) } },
	{ DRM_FORMAT_XBGR8888, OSTYPE('R', 'G', 'B', 'A'), "XBGR8888", 0, IOSURFACE_SUBSAMPLING_NONE,
		{ PLANE(4, 1, 1, 1, 1, 3, RGB8(N_B, 16), RGB8(N_G, 8), RGB8(N_R, 0)) } },
	{ DRM_FORMAT_RGBA8888, OSTYPE('A', 'B', 'G', 'R'), "RGBA8888", 0, IOSURFACE_SUBSAMPLING_NONE,
		{ PLANE(4, 1, 1, 1, 1, 4, RGB8(N_R, 24), RGB8(N_G, 16), RGB8(N_B, 8), RGB8(N_A, 0)) } },
	/* Apple's k32ARGBPixelFormat is the number 32, not a four-character code. */
	{ DRM_FORMAT_BGRA8888, 0x00000020, "BGRA8888", 0, IOSURFACE_SUBSAMPLING_NONE,
		{ PLANE(4, 1, 1, 1, 1, 4, RGB8(N_B, 24), RGB8(N_G, 16), RGB8(N_R, 8), RGB8(N_A, 0)) } },
	{ DRM_FORMAT_ARGB2101010, OSTYPE('l', '1', '0', 'r'), "ARGB2101010", 0,
		IOSURFACE_SUBSAMPLING_NONE,
		{ PLANE(4, 1, 1, 1, 1, 4, C(N_A, T_U, R_FULL, 2, 30), C(N_R, T_U, R_FULL, 10, 20),
				C(N_G, T_U, R_FULL, 10, 10), C(N_B, T_U, R_FULL, 10, 0)) } },
	{ DRM_FORMAT_ABGR16161616F, OSTYPE('R', 'G', 'h', 'A'), "ABGR16161616F", 0,
		IOSURFACE_SUBSAMPLING_NONE,
		{ PLANE(8, 1, 1, 1, 1, 4, C(N_A, T_F, R_FULL, 16, 48), C(N_B, T_F, R_FULL, 16, 32),
				C(N_G, T_F, R_FULL, 16, 16), C(N_R, T_F, R_FULL, 16, 0)) } },
	{ DRM_FORMAT_R8, OSTYPE('L', '0', '0', '8'), "R8", 0, IOSURFACE_SUBSAMPLING_NONE,
		{ PLANE(1, 1, 1, 1, 1, 1, RGB8(N_R, 0)) } },
	{ DRM_FORMAT_R16, OSTYPE('L', '0', '1', '6'), "R16", 0, IOSURFACE_SUBSAMPLING_NONE,
		{ PLANE(2, 1, 1, 1, 1, 1, C(N_R, T_U, R_FULL, 16, 0)) } },
	{ DRM_FORMAT_GR88, OSTYPE('2', 'C', '0', '8'), "GR88", 0, IOSURFACE_SUBSAMPLING_NONE,
		{ PLANE(2, 1, 1, 1, 1, 2, RGB8(N_G, 8), RGB8(N_R, 0)) } },
	{ DRM_FORMAT_GR1616, OSTYPE('2', 'C', '1', '6'), "GR1616", 0, IOSURFACE_SUBSAMPLING_NONE,
		{ PLANE(4, 1, 1, 1, 1, 2, C(N_G, T_U, R_FULL, 16, 16), C(N_R, T_U, R_FULL, 16, 0)) } },
	{ DRM_FORMAT_NV12, OSTYPE('4', '2', '0', 'v'), "NV12", 2, IOSURFACE_SUBSAMPLING_420,
		{ PLANE(1, 1, 1, 1, 1, 1, YUV8(N_Y, 0)),
				PLANE(2, 1, 1, 2, 2, 2, YUV8(N_CB, 0), YUV8(N_CR, 8)) } },
	{ DRM_FORMAT_NV16, OSTYPE('4', '2', '2', 'v'), "NV16", 2, IOSURFACE_SUBSAMPLING_422,
		{ PLANE(1, 1, 1, 1, 1, 1, YUV8(N_Y, 0)),
				PLANE(2, 1, 1, 2, 1, 2, YUV8(N_CB, 0), YUV8(N_CR, 8)) } },
	{ DRM_FORMAT_NV24, OSTYPE('4', '4', '4', 'v'), "NV24", 2, IOSURFACE_SUBSAMPLING_NONE,
		{ PLANE(1, 1, 1, 1, 1, 1, YUV8(N_Y, 0)),
				PLANE(2, 1, 1, 1, 1, 2, YUV8(N_CB, 0), YUV8(N_CR, 8)) } },
	{ DRM_FORMAT_P010, OSTYPE('x', '4', '2', '0'), "P010", 2, IOSURFACE_SUBSAMPLING_420,
		{ PLANE(2, 1, 1, 1, 1, 1, YUV10(N_Y, 6)),
				PLANE(4, 1, 1, 2, 2, 2, YUV10(N_CB, 6), YUV10(N_CR, 22)) } },
	{ DRM_FORMAT_P210, OSTYPE('x', '4', '2', '2'), "P210", 2, IOSURFACE_SUBSAMPLING_422,
		{ PLANE(2, 1, 1, 1, 1, 1, YUV10(N_Y, 6)),
				PLANE(4, 1, 1, 2, 1, 2, YUV10(N_CB, 6), YUV10(N_CR, 22)) } },
	{ DRM_FORMAT_YUV420, OSTYPE('y', '4', '2', '0'), "YUV420", 3, IOSURFACE_SUBSAMPLING_420,
		{ PLANE(1, 1, 1, 1, 1, 1, YUV8(N_Y, 0)), PLANE(1, 1, 1, 2, 2, 1, YUV8(N_CB, 0)),
				PLANE(1, 1, 1, 2, 2, 1, YUV8(N_CR, 0)) } },
	{ DRM_FORMAT_YUYV, OSTYPE('y', 'u', 'v', 's'), "YUYV", 0, IOSURFACE_SUBSAMPLING_422,
		{ PLANE(4, 2, 1, 1, 1, 4, YUV8(N_Y, 0), YUV8(N_CB, 8), YUV8(N_Y, 16), YUV8(N_CR, 24)) } },
	{ DRM_FORMAT_UYVY, OSTYPE('2', 'v', 'u', 'y'), "UYVY", 0, IOSURFACE_SUBSAMPLING_422,
		{ PLANE(4, 2, 1, 1, 1, 4, YUV8(N_CB, 0), YUV8(N_Y, 8), YUV8(N_CR, 16), YUV8(N_Y, 24)) } },
};

/* Apple codes that map onto a format whose primary code is another one. */
static const struct {
	uint32_t ostype, fourcc;
} ostype_aliases[] = {
	{ OSTYPE('4', '2', '0', 'f'), DRM_FORMAT_NV12 },
	{ OSTYPE('4', '2', '2', 'f'), DRM_FORMAT_NV16 },
	{ OSTYPE('4', '4', '4', 'f'), DRM_FORMAT_NV24 },
	{ OSTYPE('x', 'f', '2', '0'), DRM_FORMAT_P010 },
	{ OSTYPE('x', 'f', '2', '2'), DRM_FORMAT_P210 },
	{ OSTYPE('f', '4', '2', '0'), DRM_FORMAT_YUV420 },
};

size_t ios_format_count(void) {
	return sizeof(formats) / sizeof(formats[0]);
}

const struct ios_format *ios_format_at(size_t index) {
	return index < ios_format_count() ? &formats[index] : NULL;
}

const struct ios_format *ios_format_lookup(uint32_t fourcc) {
	if (fourcc == 0) {
		return NULL;
	}
	for (size_t i = 0; i < ios_format_count(); i++) {
		if (formats[i].fourcc == fourcc) {
			return &formats[i];
		}
	}
	return NULL;
}

uint32_t ios_format_from_ostype(uint32_t ostype) {
	if (ostype == 0) {
		return 0;
	}
	// The first entry with a code wins, so 'BGRA' gives ARGB8888 rather than XRGB8888.
	for (size_t i = 0; i < ios_format_count(); i++) {
		if (formats[i].ostype == ostype) {
			return formats[i].fourcc;
		}
	}
	for (size_t i = 0; i < sizeof(ostype_aliases) / sizeof(ostype_aliases[0]); i++) {
		if (ostype_aliases[i].ostype == ostype) {
			return ostype_aliases[i].fourcc;
		}
	}
	return 0;
}

uint32_t ios_format_to_ostype(uint32_t fourcc) {
	const struct ios_format *fmt = ios_format_lookup(fourcc);
	return fmt != NULL ? fmt->ostype : 0;
}

const char *ios_fourcc_str(uint32_t fourcc, char buf[16]) {
	const struct ios_format *fmt = ios_format_lookup(fourcc);
	if (fmt != NULL) {
		snprintf(buf, 16, "%s", fmt->name);
	} else {
		snprintf(buf, 16, "0x%08x", fourcc);
	}
	return buf;
}
