/*
 * IOSurface code the way browsers write it; see ported.h. Apple's headers only.
 */
#include <stdlib.h>
#include <string.h>

#include <CoreFoundation/CoreFoundation.h>
#include <CoreVideo/CoreVideo.h>
#include <IOSurface/IOSurface.h>
#include <mach/mach.h>

#include "ported.h"

static void put_int(CFMutableDictionaryRef dict, CFStringRef key, int32_t value) {
	CFNumberRef number = CFNumberCreate(NULL, kCFNumberSInt32Type, &value);
	CFDictionaryAddValue(dict, key, number);
	CFRelease(number);
}

static CFMutableDictionaryRef new_dictionary(void) {
	return CFDictionaryCreateMutable(kCFAllocatorDefault, 0, &kCFTypeDictionaryKeyCallBacks,
			&kCFTypeDictionaryValueCallBacks);
}

/* ---- Chromium ---- */

struct chromium_format {
	OSType code;
	int planes;
	int bytes_per_element[2];
	int subsampling[2];
};

static struct chromium_format chromium_format(enum ported_format format) {
	switch (format) {
	case PORTED_BGRA_8888:
		return (struct chromium_format){ 'BGRA', 1, { 4, 0 }, { 1, 1 } };
	case PORTED_BGRA_1010102:
		return (struct chromium_format){ 'l10r', 1, { 4, 0 }, { 1, 1 } };
	case PORTED_RGBA_F16:
		return (struct chromium_format){ 'RGhA', 1, { 8, 0 }, { 1, 1 } };
	case PORTED_R_8:
		return (struct chromium_format){ 'L008', 1, { 1, 0 }, { 1, 1 } };
	case PORTED_YUV_420_BIPLANAR:
		return (struct chromium_format){ '420v', 2, { 1, 2 }, { 1, 2 } };
	case PORTED_P010:
		return (struct chromium_format){ 'x420', 2, { 2, 4 }, { 1, 2 } };
	}
	return (struct chromium_format){ 0, 0, { 0, 0 }, { 1, 1 } };
}

IOSurfaceRef ported_chromium_create(int width, int height, enum ported_format format,
		bool should_clear) {
	struct chromium_format f = chromium_format(format);
	CFMutableDictionaryRef properties = new_dictionary();
	put_int(properties, kIOSurfaceWidth, width);
	put_int(properties, kIOSurfaceHeight, height);
	put_int(properties, kIOSurfacePixelFormat, (int32_t)f.code);
	if (f.planes > 1) {
		// Plane info only when there are several planes.
		CFMutableArrayRef planes = CFArrayCreateMutable(kCFAllocatorDefault, f.planes,
				&kCFTypeArrayCallBacks);
		size_t total = 0;
		for (int i = 0; i < f.planes; i++) {
			size_t factor = (size_t)f.subsampling[i];
			size_t plane_width = ((size_t)width + factor - 1) / factor;
			size_t plane_height = ((size_t)height + factor - 1) / factor;
			size_t row = IOSurfaceAlignProperty(kIOSurfacePlaneBytesPerRow,
					plane_width * (size_t)f.bytes_per_element[i]);
			size_t bytes = IOSurfaceAlignProperty(kIOSurfacePlaneSize, plane_height * row);
			size_t offset = IOSurfaceAlignProperty(kIOSurfacePlaneOffset, total);
			CFMutableDictionaryRef plane = new_dictionary();
			put_int(plane, kIOSurfacePlaneWidth, (int32_t)plane_width);
			put_int(plane, kIOSurfacePlaneHeight, (int32_t)plane_height);
			put_int(plane, kIOSurfacePlaneBytesPerElement, f.bytes_per_element[i]);
			put_int(plane, kIOSurfacePlaneBytesPerRow, (int32_t)row);
			put_int(plane, kIOSurfacePlaneSize, (int32_t)bytes);
			put_int(plane, kIOSurfacePlaneOffset, (int32_t)offset);
			CFArrayAppendValue(planes, plane);
			CFRelease(plane);
			total = offset + bytes;
		}
		CFDictionaryAddValue(properties, kIOSurfacePlaneInfo, planes);
		CFRelease(planes);
		put_int(properties, kIOSurfaceAllocSize,
				(int32_t)IOSurfaceAlignProperty(kIOSurfaceAllocSize, total));
	} else {
		size_t row = IOSurfaceAlignProperty(kIOSurfaceBytesPerRow,
				(size_t)width * (size_t)f.bytes_per_element[0]);
		put_int(properties, kIOSurfaceBytesPerElement, f.bytes_per_element[0]);
		put_int(properties, kIOSurfaceBytesPerRow, (int32_t)row);
		put_int(properties, kIOSurfaceAllocSize,
				(int32_t)IOSurfaceAlignProperty(kIOSurfaceAllocSize, (size_t)height * row));
	}
	IOSurfaceRef surface = IOSurfaceCreate(properties);
	CFRelease(properties);
	if (surface == NULL) {
		return NULL;
	}
	if (should_clear) {
		if (IOSurfaceLock(surface, 0, NULL) != kIOReturnSuccess ||
				IOSurfaceUnlock(surface, 0, NULL) != kIOReturnSuccess) {
			CFRelease(surface);
			return NULL;
		}
	}
	// Every surface starts as sRGB, named.
	IOSurfaceSetValue(surface, CFSTR("IOSurfaceColorSpace"), CFSTR("kCGColorSpaceSRGB"));
	return surface;
}

void ported_set_icc_profile(IOSurfaceRef surface, const UInt8 *icc, CFIndex len) {
	CFDataRef data = CFDataCreate(NULL, icc, len);
	IOSurfaceSetValue(surface, CFSTR("IOSurfaceColorSpace"), data);
	CFRelease(data);
}

void ported_set_hdr_metadata(IOSurfaceRef surface, const void *bytes, size_t len) {
	CFDataRef data = CFDataCreate(NULL, bytes, (CFIndex)len);
	IOSurfaceSetValue(surface, CFSTR("IOSurfaceHDRMetadata"), data);
	CFRelease(data);
}

bool ported_get_hdr_metadata(IOSurfaceRef surface, void *bytes, size_t len) {
	CFTypeRef value = IOSurfaceCopyValue(surface, CFSTR("IOSurfaceHDRMetadata"));
	if (value == NULL) {
		return false;
	}
	bool ok = CFGetTypeID(value) == CFDataGetTypeID() && CFDataGetLength(value) == (CFIndex)len;
	if (ok) {
		memcpy(bytes, CFDataGetBytePtr(value), len);
	}
	CFRelease(value);
	return ok;
}

mach_port_t ported_port_retain(mach_port_t port) {
	kern_return_t kr = mach_port_mod_refs(mach_task_self(), port, MACH_PORT_RIGHT_SEND, 1);
	return kr == KERN_SUCCESS ? port : MACH_PORT_NULL;
}

void ported_port_release(mach_port_t port) {
	mach_port_mod_refs(mach_task_self(), port, MACH_PORT_RIGHT_SEND, -1);
}

IOSurfaceRef ported_port_to_surface(mach_port_t port) {
	if (port == MACH_PORT_NULL) {
		return NULL;
	}
	return IOSurfaceLookupFromMachPort(port);
}

/* ---- Mozilla ---- */

static void mozilla_size_properties(CFMutableDictionaryRef dict, int width, int height,
		int bytes_per_pixel) {
	put_int(dict, kIOSurfaceWidth, width);
	put_int(dict, kIOSurfaceHeight, height);
	CFDictionaryAddValue(dict, kIOSurfaceIsGlobal, kCFBooleanTrue);
	put_int(dict, kIOSurfaceBytesPerElement, bytes_per_pixel);
	size_t row = IOSurfaceAlignProperty(kIOSurfaceBytesPerRow, (size_t)width * bytes_per_pixel);
	put_int(dict, kIOSurfaceBytesPerRow, (int32_t)row);
	// One SIMD register of padding past the last row.
	size_t total = IOSurfaceAlignProperty(kIOSurfaceAllocSize, (size_t)height * row + 16);
	put_int(dict, kIOSurfaceAllocSize, (int32_t)total);
}

IOSurfaceRef ported_mozilla_create(int width, int height, OSType format, int bytes_per_pixel) {
	CFMutableDictionaryRef props = new_dictionary();
	mozilla_size_properties(props, width, height, bytes_per_pixel);
	put_int(props, kIOSurfacePixelFormat, (int32_t)format);
	IOSurfaceRef surface = IOSurfaceCreate(props);
	CFRelease(props);
	if (surface != NULL) {
		IOSurfaceIncrementUseCount(surface);
	}
	return surface;
}

IOSurfaceRef ported_mozilla_create_422_without_row(int width, int height, bool full_range) {
	CFMutableDictionaryRef props = new_dictionary();
	put_int(props, kIOSurfaceWidth, width);
	put_int(props, kIOSurfaceHeight, height);
	put_int(props, kIOSurfaceBytesPerElement, 2);
	put_int(props, kIOSurfacePixelFormat,
			(int32_t)(full_range ? kCVPixelFormatType_422YpCbCr8FullRange :
								   kCVPixelFormatType_422YpCbCr8_yuvs));
	IOSurfaceRef surface = IOSurfaceCreate(props);
	CFRelease(props);
	return surface;
}

static size_t mozilla_plane(CFMutableDictionaryRef *out, int width, int height, size_t offset,
		int bytes_per_pixel) {
	size_t row = IOSurfaceAlignProperty(kIOSurfacePlaneBytesPerRow,
			(size_t)width * bytes_per_pixel);
	size_t total = IOSurfaceAlignProperty(kIOSurfacePlaneSize, (size_t)height * row + 16);
	*out = new_dictionary();
	put_int(*out, kIOSurfacePlaneWidth, width);
	put_int(*out, kIOSurfacePlaneHeight, height);
	put_int(*out, kIOSurfacePlaneBytesPerRow, (int32_t)row);
	put_int(*out, kIOSurfacePlaneOffset, (int32_t)offset);
	put_int(*out, kIOSurfacePlaneSize, (int32_t)total);
	put_int(*out, kIOSurfacePlaneBytesPerElement, bytes_per_pixel);
	return total;
}

IOSurfaceRef ported_mozilla_create_biplanar(int width, int height, bool half_height_chroma,
		bool ten_bit, bool full_range) {
	CFMutableDictionaryRef props = new_dictionary();
	put_int(props, kIOSurfaceWidth, width);
	put_int(props, kIOSurfaceHeight, height);
	CFDictionaryAddValue(props, kIOSurfaceIsGlobal, kCFBooleanTrue);
	OSType format;
	if (half_height_chroma) {
		format = ten_bit ? (full_range ? kCVPixelFormatType_420YpCbCr10BiPlanarFullRange :
										 kCVPixelFormatType_420YpCbCr10BiPlanarVideoRange) :
						   (full_range ? kCVPixelFormatType_420YpCbCr8BiPlanarFullRange :
										 kCVPixelFormatType_420YpCbCr8BiPlanarVideoRange);
	} else {
		format = full_range ? kCVPixelFormatType_422YpCbCr10BiPlanarFullRange :
							  kCVPixelFormatType_422YpCbCr10BiPlanarVideoRange;
	}
	put_int(props, kIOSurfacePixelFormat, (int32_t)format);
	int bytes_per_pixel = ten_bit ? 2 : 1;
	int chroma_width = (width + 1) / 2;
	int chroma_height = half_height_chroma ? (height + 1) / 2 : height;
	CFMutableDictionaryRef planes[2];
	size_t luma_bytes = mozilla_plane(&planes[0], width, height, 0, bytes_per_pixel);
	size_t chroma_offset = IOSurfaceAlignProperty(kIOSurfacePlaneOffset, luma_bytes);
	size_t chroma_bytes = mozilla_plane(&planes[1], chroma_width, chroma_height, chroma_offset,
			bytes_per_pixel * 2);
	put_int(props, kIOSurfaceAllocSize,
			(int32_t)IOSurfaceAlignProperty(kIOSurfaceAllocSize, chroma_offset + chroma_bytes));
	CFArrayRef array = CFArrayCreate(kCFAllocatorDefault, (const void **)planes, 2,
			&kCFTypeArrayCallBacks);
	CFRelease(planes[0]);
	CFRelease(planes[1]);
	CFDictionaryAddValue(props, kIOSurfacePlaneInfo, array);
	CFRelease(array);
	IOSurfaceRef surface = IOSurfaceCreate(props);
	CFRelease(props);
	if (surface != NULL) {
		IOSurfaceIncrementUseCount(surface);
	}
	return surface;
}

void ported_mozilla_set_common_properties(IOSurfaceRef surface, bool bt2020) {
	IOSurfaceSetValue(surface, CFSTR("IOSurfaceYCbCrMatrix"),
			bt2020 ? kCVImageBufferYCbCrMatrix_ITU_R_2020 : kCVImageBufferYCbCrMatrix_ITU_R_709_2);
	IOSurfaceSetValue(surface, CFSTR("IOSurfaceColorPrimaries"),
			bt2020 ? kCVImageBufferColorPrimaries_ITU_R_2020 :
					 kCVImageBufferColorPrimaries_ITU_R_709_2);
	IOSurfaceSetValue(surface, CFSTR("IOSurfaceTransferFunction"),
			bt2020 ? kCVImageBufferTransferFunction_SMPTE_ST_2084_PQ :
					 kCVImageBufferTransferFunction_ITU_R_709_2);
}

/* ---- WebKit ---- */

IOSurfaceRef ported_webkit_create_32bit(int width, int height, OSType format) {
	size_t row = IOSurfaceAlignProperty(kIOSurfaceBytesPerRow, (size_t)width * 4);
	size_t total = IOSurfaceAlignProperty(kIOSurfaceAllocSize, (size_t)height * row);
	CFMutableDictionaryRef options = new_dictionary();
	put_int(options, kIOSurfaceWidth, width);
	put_int(options, kIOSurfaceHeight, height);
	put_int(options, kIOSurfacePixelFormat, (int32_t)format);
	put_int(options, kIOSurfaceBytesPerElement, 4);
	put_int(options, kIOSurfaceBytesPerRow, (int32_t)row);
	put_int(options, kIOSurfaceAllocSize, (int32_t)total);
	put_int(options, kIOSurfaceElementWidth, 1);
	put_int(options, kIOSurfaceElementHeight, 1);
	CFStringRef name = CFStringCreateWithCString(NULL, "WebKit canvas", kCFStringEncodingASCII);
	CFDictionaryAddValue(options, kIOSurfaceName, name);
	CFRelease(name);
	IOSurfaceRef surface = IOSurfaceCreate(options);
	CFRelease(options);
	return surface;
}

IOSurfaceRef ported_webkit_create_biplanar(int width, int height, OSType format,
		int bytes_per_element_0, int bytes_per_element_1) {
	int bpe[2] = { bytes_per_element_0, bytes_per_element_1 };
	int widths[2] = { width, format == '422f' ? (width + 1) / 2 : width };
	CFMutableArrayRef planes = CFArrayCreateMutable(NULL, 0, &kCFTypeArrayCallBacks);
	size_t total = 0;
	for (int i = 0; i < 2; i++) {
		size_t row = IOSurfaceAlignProperty(kIOSurfacePlaneBytesPerRow,
				(size_t)widths[i] * (format == '422f' && i == 1 ? 2 : (size_t)bpe[i]));
		size_t size = IOSurfaceAlignProperty(kIOSurfacePlaneSize, (size_t)height * row);
		CFMutableDictionaryRef plane = new_dictionary();
		put_int(plane, kIOSurfacePlaneWidth, widths[i]);
		put_int(plane, kIOSurfacePlaneHeight, height);
		put_int(plane, kIOSurfacePlaneBytesPerRow, (int32_t)row);
		put_int(plane, kIOSurfacePlaneOffset, (int32_t)total);
		put_int(plane, kIOSurfacePlaneSize, (int32_t)size);
		CFArrayAppendValue(planes, plane);
		CFRelease(plane);
		total += size;
	}
	CFMutableDictionaryRef options = new_dictionary();
	put_int(options, kIOSurfaceWidth, width);
	put_int(options, kIOSurfaceHeight, height);
	put_int(options, kIOSurfacePixelFormat, (int32_t)format);
	put_int(options, kIOSurfaceAllocSize, (int32_t)total);
	CFDictionaryAddValue(options, kIOSurfacePlaneInfo, planes);
	CFRelease(planes);
	IOSurfaceRef surface = IOSurfaceCreate(options);
	CFRelease(options);
	return surface;
}

/* A pool of free and in-use surfaces, as WebKit keeps one. */
#define POOL_MAX 32

struct ported_pool {
	IOSurfaceRef free[POOL_MAX], in_use[POOL_MAX];
	size_t free_count, in_use_count;
};

struct ported_pool *ported_pool_create(void) {
	return calloc(1, sizeof(struct ported_pool));
}

void ported_pool_add(struct ported_pool *pool, IOSurfaceRef surface) {
	if (IOSurfaceIsInUse(surface)) {
		if (pool->in_use_count < POOL_MAX) {
			pool->in_use[pool->in_use_count++] = surface;
			return;
		}
	} else if (pool->free_count < POOL_MAX) {
		pool->free[pool->free_count++] = surface;
		return;
	}
	CFRelease(surface);
}

static IOSurfaceRef take_at(IOSurfaceRef *list, size_t *count, size_t i, bool *was_emptied) {
	IOSurfaceRef surface = list[i];
	list[i] = list[--*count];
	uint32_t old = kIOSurfacePurgeableNonVolatile;
	IOSurfaceSetPurgeable(surface, kIOSurfacePurgeableNonVolatile, &old);
	*was_emptied = old == kIOSurfacePurgeableEmpty;
	return surface;
}

IOSurfaceRef ported_pool_take(struct ported_pool *pool, size_t width, size_t height,
		bool *was_emptied) {
	for (size_t i = 0; i < pool->free_count; i++) {
		if (IOSurfaceGetWidth(pool->free[i]) == width &&
				IOSurfaceGetHeight(pool->free[i]) == height) {
			return take_at(pool->free, &pool->free_count, i, was_emptied);
		}
	}
	// Some in-use surfaces may have become free since the last collection.
	for (size_t i = 0; i < pool->in_use_count; i++) {
		IOSurfaceRef s = pool->in_use[i];
		if (IOSurfaceGetWidth(s) == width && IOSurfaceGetHeight(s) == height &&
				!IOSurfaceIsInUse(s)) {
			return take_at(pool->in_use, &pool->in_use_count, i, was_emptied);
		}
	}
	return NULL;
}

void ported_pool_collect(struct ported_pool *pool) {
	for (size_t i = 0; i < pool->in_use_count;) {
		if (IOSurfaceIsInUse(pool->in_use[i])) {
			i++;
			continue;
		}
		IOSurfaceRef s = pool->in_use[i];
		pool->in_use[i] = pool->in_use[--pool->in_use_count];
		pool->free[pool->free_count++] = s;
	}
	for (size_t i = 0; i < pool->free_count; i++) {
		IOSurfaceSetPurgeable(pool->free[i], kIOSurfacePurgeableVolatile, NULL);
	}
}

size_t ported_pool_in_use_count(const struct ported_pool *pool) {
	return pool->in_use_count;
}

size_t ported_pool_free_count(const struct ported_pool *pool) {
	return pool->free_count;
}

void ported_pool_destroy(struct ported_pool *pool) {
	for (size_t i = 0; i < pool->free_count; i++) {
		CFRelease(pool->free[i]);
	}
	for (size_t i = 0; i < pool->in_use_count; i++) {
		CFRelease(pool->in_use[i]);
	}
	free(pool);
}
