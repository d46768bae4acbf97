#include <stdio.h>

#include <drm_fourcc.h>

#include "iosurface-common.h"

#define OSTYPE(a, b, c, d) \
	(((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (uint32_t)(d))

enum {
	N_A = IOS_COMPONENT_NAME_ALPHA,
	N_R = IOS_COMPONENT_NAME_RED,
	N_G = IOS_COMPONENT_NAME_GREEN,
	N_B = IOS_COMPONENT_NAME_BLUE,
	N_Y = IOS_COMPONENT_NAME_LUMA,
	N_CR = IOS_COMPONENT_NAME_CHROMA_RED,
	N_CB = IOS_COMPONENT_NAME_CHROMA_BLUE,
	T_U = IOS_COMPONENT_TYPE_UNSIGNED_INTEGER,
	T_F = IOS_COMPONENT_TYPE_FLOAT,
	R_FULL = IOS_COMPONENT_RANGE_FULL,
	R_VIDEO = IOS_COMPONENT_RANGE_VIDEO,
	R_WIDE = IOS_COMPONENT_RANGE_WIDE,
};

/* Component: name, type, range, bit depth, bit offset in the little-endian element. */
#define C(n, t, r, depth, off) { (n), (t), (r), (depth), (off) }
#define RGB8(n, off) C(n, T_U, R_FULL, 8, off)
#define YUV8(n, off) C(n, T_U, R_VIDEO, 8, off)
#define YUV10(n, off) C(n, T_U, R_VIDEO, 10, off)
#define FULL8(n, off) C(n, T_U, R_FULL, 8, off)
#define FULL10(n, off) C(n, T_U, R_FULL, 10, off)
#define HALF(n, off) C(n, T_F, R_FULL, 16, off)
#define FLOAT(n, off) C(n, T_F, R_FULL, 32, off)

/*
 * Formats with no DRM fourcc of the same layout and range (full-range YCbCr, Apple's big-endian
 * and wide-gamut formats...) are known by their Apple code: their "fourcc" is the OSType
 * itself. Apple's codes are big-endian character codes and DRM's little-endian ones, so the
 * two sets do not meet (unit-format checks it).
 */
#define OWN(a, b, c, d) OSTYPE(a, b, c, d), OSTYPE(a, b, c, d)

/* Plane: bytes per element, element w/h, subsampling h/v, component count, components. */
#define PLANE(bpe, ew, eh, hs, vs, n, ...) { (bpe), (ew), (eh), (hs), (vs), (n), { __VA_ARGS__ } }

static const struct ios_format formats[] = {
	{ DRM_FORMAT_ARGB8888, OSTYPE('B', 'G', 'R', 'A'), "ARGB8888", 0, IOS_SUBSAMPLING_NONE,
			{ PLANE(4, 1, 1, 1, 1, 4, RGB8(N_A, 24), RGB8(N_R, 16), RGB8(N_G, 8), RGB8(N_B, 0)) } },
	{ DRM_FORMAT_XRGB8888, OSTYPE('B', 'G', 'R', 'A'), "XRGB8888", 0, IOS_SUBSAMPLING_NONE,
			{ PLANE(4, 1, 1, 1, 1, 3, RGB8(N_R, 16), RGB8(N_G, 8), RGB8(N_B, 0)) } },
	{ DRM_FORMAT_ABGR8888, OSTYPE('R', 'G', 'B', 'A'), "ABGR8888", 0, IOS_SUBSAMPLING_NONE,
			{ PLANE(4, 1, 1, 1, 1, 4, RGB8(N_A, 24), RGB8(N_B, 16), RGB8(N_G, 8), RGB8(N_R, 0)) } },
	{ DRM_FORMAT_XBGR8888, OSTYPE('R', 'G', 'B', 'A'), "XBGR8888", 0, IOS_SUBSAMPLING_NONE,
			{ PLANE(4, 1, 1, 1, 1, 3, RGB8(N_B, 16), RGB8(N_G, 8), RGB8(N_R, 0)) } },
	{ DRM_FORMAT_RGBA8888, OSTYPE('A', 'B', 'G', 'R'), "RGBA8888", 0, IOS_SUBSAMPLING_NONE,
			{ PLANE(4, 1, 1, 1, 1, 4, RGB8(N_R, 24), RGB8(N_G, 16), RGB8(N_B, 8), RGB8(N_A, 0)) } },
	/* Apple's k32ARGBPixelFormat is the number 32, not a four-character code. */
	{ DRM_FORMAT_BGRA8888, 0x00000020, "BGRA8888", 0, IOS_SUBSAMPLING_NONE,
			{ PLANE(4, 1, 1, 1, 1, 4, RGB8(N_B, 24), RGB8(N_G, 16), RGB8(N_R, 8), RGB8(N_A, 0)) } },
	{ DRM_FORMAT_ARGB2101010, OSTYPE('l', '1', '0', 'r'), "ARGB2101010", 0, IOS_SUBSAMPLING_NONE,
			{ PLANE(4, 1, 1, 1, 1, 4, C(N_A, T_U, R_FULL, 2, 30), C(N_R, T_U, R_FULL, 10, 20),
					C(N_G, T_U, R_FULL, 10, 10), C(N_B, T_U, R_FULL, 10, 0)) } },
	{ DRM_FORMAT_ABGR16161616F, OSTYPE('R', 'G', 'h', 'A'), "ABGR16161616F", 0,
			IOS_SUBSAMPLING_NONE,
			{ PLANE(8, 1, 1, 1, 1, 4, C(N_A, T_F, R_FULL, 16, 48), C(N_B, T_F, R_FULL, 16, 32),
					C(N_G, T_F, R_FULL, 16, 16), C(N_R, T_F, R_FULL, 16, 0)) } },
	{ DRM_FORMAT_R8, OSTYPE('L', '0', '0', '8'), "R8", 0, IOS_SUBSAMPLING_NONE,
			{ PLANE(1, 1, 1, 1, 1, 1, RGB8(N_R, 0)) } },
	{ DRM_FORMAT_R16, OSTYPE('L', '0', '1', '6'), "R16", 0, IOS_SUBSAMPLING_NONE,
			{ PLANE(2, 1, 1, 1, 1, 1, C(N_R, T_U, R_FULL, 16, 0)) } },
	{ DRM_FORMAT_GR88, OSTYPE('2', 'C', '0', '8'), "GR88", 0, IOS_SUBSAMPLING_NONE,
			{ PLANE(2, 1, 1, 1, 1, 2, RGB8(N_G, 8), RGB8(N_R, 0)) } },
	{ DRM_FORMAT_GR1616, OSTYPE('2', 'C', '1', '6'), "GR1616", 0, IOS_SUBSAMPLING_NONE,
			{ PLANE(4, 1, 1, 1, 1, 2, C(N_G, T_U, R_FULL, 16, 16), C(N_R, T_U, R_FULL, 16, 0)) } },
	{ DRM_FORMAT_NV12, OSTYPE('4', '2', '0', 'v'), "NV12", 2, IOS_SUBSAMPLING_420,
			{ PLANE(1, 1, 1, 1, 1, 1, YUV8(N_Y, 0)),
					PLANE(2, 1, 1, 2, 2, 2, YUV8(N_CB, 0), YUV8(N_CR, 8)) } },
	{ DRM_FORMAT_NV16, OSTYPE('4', '2', '2', 'v'), "NV16", 2, IOS_SUBSAMPLING_422,
			{ PLANE(1, 1, 1, 1, 1, 1, YUV8(N_Y, 0)),
					PLANE(2, 1, 1, 2, 1, 2, YUV8(N_CB, 0), YUV8(N_CR, 8)) } },
	{ DRM_FORMAT_NV24, OSTYPE('4', '4', '4', 'v'), "NV24", 2, IOS_SUBSAMPLING_NONE,
			{ PLANE(1, 1, 1, 1, 1, 1, YUV8(N_Y, 0)),
					PLANE(2, 1, 1, 1, 1, 2, YUV8(N_CB, 0), YUV8(N_CR, 8)) } },
	{ DRM_FORMAT_P010, OSTYPE('x', '4', '2', '0'), "P010", 2, IOS_SUBSAMPLING_420,
			{ PLANE(2, 1, 1, 1, 1, 1, YUV10(N_Y, 6)),
					PLANE(4, 1, 1, 2, 2, 2, YUV10(N_CB, 6), YUV10(N_CR, 22)) } },
	{ DRM_FORMAT_P210, OSTYPE('x', '4', '2', '2'), "P210", 2, IOS_SUBSAMPLING_422,
			{ PLANE(2, 1, 1, 1, 1, 1, YUV10(N_Y, 6)),
					PLANE(4, 1, 1, 2, 1, 2, YUV10(N_CB, 6), YUV10(N_CR, 22)) } },
	{ DRM_FORMAT_YUV420, OSTYPE('y', '4', '2', '0'), "YUV420", 3, IOS_SUBSAMPLING_420,
			{ PLANE(1, 1, 1, 1, 1, 1, YUV8(N_Y, 0)), PLANE(1, 1, 1, 2, 2, 1, YUV8(N_CB, 0)),
					PLANE(1, 1, 1, 2, 2, 1, YUV8(N_CR, 0)) } },
	{ DRM_FORMAT_YUYV, OSTYPE('y', 'u', 'v', 's'), "YUYV", 0, IOS_SUBSAMPLING_422,
			{ PLANE(4, 2, 1, 1, 1, 4, YUV8(N_Y, 0), YUV8(N_CB, 8), YUV8(N_Y, 16),
					YUV8(N_CR, 24)) } },
	{ DRM_FORMAT_UYVY, OSTYPE('2', 'v', 'u', 'y'), "UYVY", 0, IOS_SUBSAMPLING_422,
			{ PLANE(4, 2, 1, 1, 1, 4, YUV8(N_CB, 0), YUV8(N_Y, 8), YUV8(N_CR, 16),
					YUV8(N_Y, 24)) } },
	/* Apple's k24RGBPixelFormat (the number 24): bytes R, G, B. */
	{ DRM_FORMAT_BGR888, 0x00000018, "BGR888", 0, IOS_SUBSAMPLING_NONE,
			{ PLANE(3, 1, 1, 1, 1, 3, RGB8(N_R, 0), RGB8(N_G, 8), RGB8(N_B, 16)) } },

	/* Full-range twins of the video-range YCbCr formats above: same layout, own code. */
	{ OWN('4', '2', '0', 'f'), "420f", 2, IOS_SUBSAMPLING_420,
			{ PLANE(1, 1, 1, 1, 1, 1, FULL8(N_Y, 0)),
					PLANE(2, 1, 1, 2, 2, 2, FULL8(N_CB, 0), FULL8(N_CR, 8)) } },
	{ OWN('4', '2', '2', 'f'), "422f", 2, IOS_SUBSAMPLING_422,
			{ PLANE(1, 1, 1, 1, 1, 1, FULL8(N_Y, 0)),
					PLANE(2, 1, 1, 2, 1, 2, FULL8(N_CB, 0), FULL8(N_CR, 8)) } },
	{ OWN('4', '4', '4', 'f'), "444f", 2, IOS_SUBSAMPLING_NONE,
			{ PLANE(1, 1, 1, 1, 1, 1, FULL8(N_Y, 0)),
					PLANE(2, 1, 1, 1, 1, 2, FULL8(N_CB, 0), FULL8(N_CR, 8)) } },
	{ OWN('x', 'f', '2', '0'), "xf20", 2, IOS_SUBSAMPLING_420,
			{ PLANE(2, 1, 1, 1, 1, 1, FULL10(N_Y, 6)),
					PLANE(4, 1, 1, 2, 2, 2, FULL10(N_CB, 6), FULL10(N_CR, 22)) } },
	{ OWN('x', 'f', '2', '2'), "xf22", 2, IOS_SUBSAMPLING_422,
			{ PLANE(2, 1, 1, 1, 1, 1, FULL10(N_Y, 6)),
					PLANE(4, 1, 1, 2, 1, 2, FULL10(N_CB, 6), FULL10(N_CR, 22)) } },
	{ OWN('f', '4', '2', '0'), "f420", 3, IOS_SUBSAMPLING_420,
			{ PLANE(1, 1, 1, 1, 1, 1, FULL8(N_Y, 0)), PLANE(1, 1, 1, 2, 2, 1, FULL8(N_CB, 0)),
					PLANE(1, 1, 1, 2, 2, 1, FULL8(N_CR, 0)) } },
	{ OWN('y', 'u', 'v', 'f'), "yuvf", 0, IOS_SUBSAMPLING_422,
			{ PLANE(4, 2, 1, 1, 1, 4, FULL8(N_Y, 0), FULL8(N_CB, 8), FULL8(N_Y, 16),
					FULL8(N_CR, 24)) } },

	/* 10-bit 4:4:4 bi-planar (P010's samples, no subsampling), video and full range. */
	{ OWN('x', '4', '4', '4'), "x444", 2, IOS_SUBSAMPLING_NONE,
			{ PLANE(2, 1, 1, 1, 1, 1, YUV10(N_Y, 6)),
					PLANE(4, 1, 1, 1, 1, 2, YUV10(N_CB, 6), YUV10(N_CR, 22)) } },
	{ OWN('x', 'f', '4', '4'), "xf44", 2, IOS_SUBSAMPLING_NONE,
			{ PLANE(2, 1, 1, 1, 1, 1, FULL10(N_Y, 6)),
					PLANE(4, 1, 1, 1, 1, 2, FULL10(N_CB, 6), FULL10(N_CR, 22)) } },

	/* 'v210': 6 pixels in 16 bytes (four 32-bit words of three 10-bit samples); the offsets
	 * are those of the first word (Cb0, Y0, Cr0). */
	{ OWN('v', '2', '1', '0'), "v210", 0, IOS_SUBSAMPLING_422,
			{ PLANE(16, 6, 1, 1, 1, 3, YUV10(N_CB, 0), YUV10(N_Y, 10), YUV10(N_CR, 20)) } },
	/* 'a2vy': '2vuy' and a full-resolution 8-bit alpha plane. */
	{ OWN('a', '2', 'v', 'y'), "a2vy", 2, IOS_SUBSAMPLING_422,
			{ PLANE(4, 2, 1, 1, 1, 4, YUV8(N_CB, 0), YUV8(N_Y, 8), YUV8(N_CR, 16), YUV8(N_Y, 24)),
					PLANE(1, 1, 1, 1, 1, 1, RGB8(N_A, 0)) } },
	/* 'y416': A, Y', Cb, Cr, 16-bit little-endian samples. */
	{ OWN('y', '4', '1', '6'), "y416", 0, IOS_SUBSAMPLING_NONE,
			{ PLANE(8, 1, 1, 1, 1, 4, C(N_A, T_U, R_FULL, 16, 0), C(N_Y, T_U, R_VIDEO, 16, 16),
					C(N_CB, T_U, R_VIDEO, 16, 32), C(N_CR, T_U, R_VIDEO, 16, 48)) } },
	/* 'v408': bytes Cb, Y', Cr, A. */
	{ OWN('v', '4', '0', '8'), "v408", 0, IOS_SUBSAMPLING_NONE,
			{ PLANE(4, 1, 1, 1, 1, 4, YUV8(N_CB, 0), YUV8(N_Y, 8), YUV8(N_CR, 16),
					RGB8(N_A, 24)) } },

	/* Wide-gamut 10-bit RGB (Apple's extended range), little endian, 2 top bits unused. */
	{ OWN('w', '3', '0', 'r'), "w30r", 0, IOS_SUBSAMPLING_NONE,
			{ PLANE(4, 1, 1, 1, 1, 3, C(N_R, T_U, R_WIDE, 10, 20), C(N_G, T_U, R_WIDE, 10, 10),
					C(N_B, T_U, R_WIDE, 10, 0)) } },
	/* The same with an 8-bit alpha plane. */
	{ OWN('b', '3', 'a', '8'), "b3a8", 2, IOS_SUBSAMPLING_NONE,
			{ PLANE(4, 1, 1, 1, 1, 3, C(N_R, T_U, R_WIDE, 10, 20), C(N_G, T_U, R_WIDE, 10, 10),
					  C(N_B, T_U, R_WIDE, 10, 0)),
					PLANE(1, 1, 1, 1, 1, 1, RGB8(N_A, 0)) } },
	/* Big-endian formats: their bit offsets count in the big-endian element, as Apple's
	 * descriptions do; a little-endian reader must swap the element first. */
	{ OWN('R', '1', '0', 'k'), "R10k", 0, IOS_SUBSAMPLING_NONE,
			{ PLANE(4, 1, 1, 1, 1, 3, C(N_R, T_U, R_FULL, 10, 22), C(N_G, T_U, R_FULL, 10, 12),
					C(N_B, T_U, R_FULL, 10, 2)) } },
	{ OWN('b', '6', '4', 'a'), "b64a", 0, IOS_SUBSAMPLING_NONE,
			{ PLANE(8, 1, 1, 1, 1, 4, C(N_A, T_U, R_FULL, 16, 48), C(N_R, T_U, R_FULL, 16, 32),
					C(N_G, T_U, R_FULL, 16, 16), C(N_B, T_U, R_FULL, 16, 0)) } },

	/* Floating point: R, G, B, A in memory order; one and two half or single components. */
	{ OWN('R', 'G', 'f', 'A'), "RGfA", 0, IOS_SUBSAMPLING_NONE,
			{ PLANE(16, 1, 1, 1, 1, 4, FLOAT(N_R, 0), FLOAT(N_G, 32), FLOAT(N_B, 64),
					FLOAT(N_A, 96)) } },
	{ OWN('L', '0', '0', 'h'), "L00h", 0, IOS_SUBSAMPLING_NONE,
			{ PLANE(2, 1, 1, 1, 1, 1, HALF(N_R, 0)) } },
	{ OWN('L', '0', '0', 'f'), "L00f", 0, IOS_SUBSAMPLING_NONE,
			{ PLANE(4, 1, 1, 1, 1, 1, FLOAT(N_R, 0)) } },
	{ OWN('2', 'C', '0', 'h'), "2C0h", 0, IOS_SUBSAMPLING_NONE,
			{ PLANE(4, 1, 1, 1, 1, 2, HALF(N_R, 0), HALF(N_G, 16)) } },
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
