/*
 * Functions written the way Chromium (ui/gfx/mac/io_surface.cc), Mozilla
 * (gfx/2d/MacIOSurface.cpp) and WebKit (IOSurface.mm, IOSurfacePool) use IOSurface: the same
 * calls in the same order, in this project's own words. ported.c includes Apple's headers only
 * and builds with `pkg-config --cflags --libs iosurface-apple` and nothing else
 * (test apple-pkg-config proves it); the harness tests drive it.
 */
#ifndef TESTS_APPLE_PORTED_H
#define TESTS_APPLE_PORTED_H

#include <IOSurface/IOSurface.h>

/* Chromium's buffer formats, as far as IOSurface backs them. */
enum ported_format {
	PORTED_BGRA_8888,
	PORTED_BGRA_1010102,
	PORTED_RGBA_F16,
	PORTED_R_8,
	PORTED_YUV_420_BIPLANAR,
	PORTED_P010,
};

/*
 * Chromium's creation: a mutable dictionary of SInt32 CFNumbers; plane info only for several
 * planes, each plane's row and size aligned with IOSurfaceAlignProperty, the allocation size
 * summed and aligned; then a lock/unlock pair to clear it and an sRGB color space value.
 */
IOSurfaceRef ported_chromium_create(int width, int height, enum ported_format format,
		bool should_clear);

/* Mozilla's single-plane creation: global, explicit bytes per element, row and +16 padding. */
IOSurfaceRef ported_mozilla_create(int width, int height, OSType format, int bytes_per_pixel);

/* Mozilla's 4:2:2 packed creation as the issue measured it: bytes per element 2, no row size. */
IOSurfaceRef ported_mozilla_create_422_without_row(int width, int height, bool full_range);

/* Mozilla's bi-planar creation (4:2:0 8 or 10 bit, 4:2:2 10 bit; video or full range). */
IOSurfaceRef ported_mozilla_create_biplanar(int width, int height, bool half_height_chroma,
		bool ten_bit, bool full_range);

/* Mozilla's common properties: YCbCr matrix, primaries, transfer function (BT.709 or 2020). */
void ported_mozilla_set_common_properties(IOSurfaceRef surface, bool bt2020);

/* WebKit's 32-bit and bi-planar option dictionaries ('BGRA', 'w30r'; 'b3a8', '422f'). */
IOSurfaceRef ported_webkit_create_32bit(int width, int height, OSType format);
IOSurfaceRef ported_webkit_create_biplanar(int width, int height, OSType format,
		int bytes_per_element_0, int bytes_per_element_1);

/* Stores an ICC profile of len bytes as IOSurfaceColorSpace (Chromium's non-named spaces). */
void ported_set_icc_profile(IOSurfaceRef surface, const UInt8 *icc, CFIndex len);

/*
 * HDR metadata, as Chromium keeps it: one CFData under a key of its own. Get answers false
 * when the surface has none.
 */
void ported_set_hdr_metadata(IOSurfaceRef surface, const void *bytes, size_t len);
bool ported_get_hdr_metadata(IOSurfaceRef surface, void *bytes, size_t len);

/* A pool of reusable surfaces driven by IOSurfaceIsInUse, after WebKit's IOSurfacePool. */
struct ported_pool;
struct ported_pool *ported_pool_create(void);
/* Takes ownership of surface (one reference). */
void ported_pool_add(struct ported_pool *pool, IOSurfaceRef surface);
/* A free surface of that size (its old contents, made non-volatile), owned by the caller. */
IOSurfaceRef ported_pool_take(struct ported_pool *pool, size_t width, size_t height,
		bool *was_emptied);
/* Moves surfaces no longer in use to the free list; marks free surfaces volatile. */
void ported_pool_collect(struct ported_pool *pool);
size_t ported_pool_in_use_count(const struct ported_pool *pool);
size_t ported_pool_free_count(const struct ported_pool *pool);
void ported_pool_destroy(struct ported_pool *pool);

/*
 * Chromium's scoped send right: a copy adds a send right, each destruction drops one
 * (mach_port_mod_refs), and the surface comes from IOSurfaceLookupFromMachPort.
 */
mach_port_t ported_port_retain(mach_port_t port);
void ported_port_release(mach_port_t port);
IOSurfaceRef ported_port_to_surface(mach_port_t port);

#endif
