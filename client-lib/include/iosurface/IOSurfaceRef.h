/*
 * Apple's IOSurface names on top of libiosurface, with libiosurface's own types: a light
 * porting header for code that is rewritten anyway.
 *
 * Functions that take no client use the process-wide default client
 * (iosurface_client_get_default()), connected on first use. Property dictionaries become
 * struct iosurface_properties; a Mach port becomes a file descriptor (mach_port_t here is
 * an int that the caller closes); CFRetain/CFRelease become IOSurfaceRetain/IOSurfaceRelease.
 *
 * Code written for macOS that should build unchanged (CFDictionary properties, CF values,
 * CFRelease, mach_port_deallocate) uses the porting kit instead: pkg-config iosurface-apple
 * and <IOSurface/IOSurface.h>. The two cannot be included together.
 */
#ifndef CLIENT_LIB_INCLUDE_IOSURFACE_IOSURFACEREF_H
#define CLIENT_LIB_INCLUDE_IOSURFACE_IOSURFACEREF_H

#ifdef IOSURFACE_APPLE_KIT
#error "<iosurface/IOSurfaceRef.h> conflicts with the porting kit's <IOSurface/IOSurfaceRef.h>"
#endif

#include <iosurface/iosurface.h>

typedef struct iosurface *IOSurfaceRef;
typedef uint32_t IOSurfaceID;
typedef uint32_t IOSurfaceLockOptions;
typedef int32_t IOReturn;
typedef int mach_port_t;

#define kIOReturnSuccess 0
#define kIOSurfaceLockReadOnly IOSURFACE_LOCK_READ_ONLY
#define kIOSurfaceLockAvoidSync IOSURFACE_LOCK_AVOID_SYNC
#define kIOSurfacePurgeableNonVolatile IOSURFACE_PURGEABLE_NON_VOLATILE
#define kIOSurfacePurgeableVolatile IOSURFACE_PURGEABLE_VOLATILE
#define kIOSurfacePurgeableEmpty IOSURFACE_PURGEABLE_EMPTY
#define kIOSurfacePurgeableKeepCurrent IOSURFACE_PURGEABLE_KEEP_CURRENT

static inline IOSurfaceRef IOSurfaceCreate(const struct iosurface_properties *properties) {
	struct iosurface_client *client = iosurface_client_get_default();
	return client != NULL ? iosurface_create(client, properties) : NULL;
}

static inline IOSurfaceRef IOSurfaceRetain(IOSurfaceRef s) {
	return iosurface_ref(s);
}

static inline void IOSurfaceRelease(IOSurfaceRef s) {
	iosurface_unref(s);
}

static inline IOSurfaceID IOSurfaceGetID(IOSurfaceRef s) {
	return iosurface_get_id(s);
}

/** Like Apple's, the caller owns the result (IOSurfaceRelease). */
static inline IOSurfaceRef IOSurfaceLookup(IOSurfaceID id) {
	struct iosurface_client *client = iosurface_client_get_default();
	return client != NULL ? iosurface_lookup(client, id) : NULL;
}

/** A new port (a descriptor, -1 on failure); close() it as Apple code deallocates the right. */
static inline mach_port_t IOSurfaceCreateMachPort(IOSurfaceRef s) {
	int port = iosurface_create_port(s);
	return port >= 0 ? port : -1;
}

static inline IOSurfaceRef IOSurfaceLookupFromMachPort(mach_port_t port) {
	struct iosurface_client *client = iosurface_client_get_default();
	return client != NULL ? iosurface_lookup_from_port(client, port) : NULL;
}

static inline size_t IOSurfaceGetWidth(IOSurfaceRef s) {
	return iosurface_get_width(s);
}

static inline size_t IOSurfaceGetHeight(IOSurfaceRef s) {
	return iosurface_get_height(s);
}

static inline size_t IOSurfaceGetBytesPerRow(IOSurfaceRef s) {
	return iosurface_get_bytes_per_row(s);
}

static inline size_t IOSurfaceGetBytesPerElement(IOSurfaceRef s) {
	return iosurface_get_bytes_per_element(s);
}

static inline size_t IOSurfaceGetElementWidth(IOSurfaceRef s) {
	return iosurface_get_element_width(s);
}

static inline size_t IOSurfaceGetElementHeight(IOSurfaceRef s) {
	return iosurface_get_element_height(s);
}

static inline size_t IOSurfaceGetAllocSize(IOSurfaceRef s) {
	return iosurface_get_alloc_size(s);
}

/**
 * Apple's code of the surface's format ('BGRA' for ARGB8888 and XRGB8888, '420v' for NV12...),
 * as Apple code compares it; the DRM fourcc for a format with no Apple code.
 */
static inline uint32_t IOSurfaceGetPixelFormat(IOSurfaceRef s) {
	uint32_t fourcc = iosurface_get_pixel_format(s);
	uint32_t ostype = iosurface_format_to_ostype(fourcc);
	return ostype != 0 ? ostype : fourcc;
}

static inline void *IOSurfaceGetBaseAddress(IOSurfaceRef s) {
	return iosurface_get_base_address(s);
}

static inline size_t IOSurfaceGetPlaneCount(IOSurfaceRef s) {
	return iosurface_get_plane_count(s);
}

static inline size_t IOSurfaceGetWidthOfPlane(IOSurfaceRef s, size_t plane) {
	return iosurface_get_width_of_plane(s, plane);
}

static inline size_t IOSurfaceGetHeightOfPlane(IOSurfaceRef s, size_t plane) {
	return iosurface_get_height_of_plane(s, plane);
}

static inline size_t IOSurfaceGetBytesPerRowOfPlane(IOSurfaceRef s, size_t plane) {
	return iosurface_get_bytes_per_row_of_plane(s, plane);
}

static inline size_t IOSurfaceGetBytesPerElementOfPlane(IOSurfaceRef s, size_t plane) {
	return iosurface_get_bytes_per_element_of_plane(s, plane);
}

static inline size_t IOSurfaceGetElementWidthOfPlane(IOSurfaceRef s, size_t plane) {
	return iosurface_get_element_width_of_plane(s, plane);
}

static inline size_t IOSurfaceGetElementHeightOfPlane(IOSurfaceRef s, size_t plane) {
	return iosurface_get_element_height_of_plane(s, plane);
}

static inline void *IOSurfaceGetBaseAddressOfPlane(IOSurfaceRef s, size_t plane) {
	return iosurface_get_base_address_of_plane(s, plane);
}

static inline size_t IOSurfaceGetNumberOfComponentsOfPlane(IOSurfaceRef s, size_t plane) {
	return iosurface_get_number_of_components_of_plane(s, plane);
}

static inline size_t IOSurfaceGetBitDepthOfComponentOfPlane(IOSurfaceRef s, size_t plane,
		size_t component) {
	return iosurface_get_bit_depth_of_component_of_plane(s, plane, component);
}

static inline size_t IOSurfaceGetBitOffsetOfComponentOfPlane(IOSurfaceRef s, size_t plane,
		size_t component) {
	return iosurface_get_bit_offset_of_component_of_plane(s, plane, component);
}

static inline IOReturn IOSurfaceLock(IOSurfaceRef s, IOSurfaceLockOptions options,
		uint32_t *seed) {
	return iosurface_lock(s, options, seed);
}

static inline IOReturn IOSurfaceUnlock(IOSurfaceRef s, IOSurfaceLockOptions options,
		uint32_t *seed) {
	return iosurface_unlock(s, options, seed);
}

static inline uint32_t IOSurfaceGetSeed(IOSurfaceRef s) {
	return iosurface_get_seed(s);
}

static inline void IOSurfaceIncrementUseCount(IOSurfaceRef s) {
	iosurface_increment_use_count(s);
}

static inline void IOSurfaceDecrementUseCount(IOSurfaceRef s) {
	iosurface_decrement_use_count(s);
}

static inline int32_t IOSurfaceGetUseCount(IOSurfaceRef s) {
	return iosurface_get_use_count(s);
}

static inline bool IOSurfaceIsInUse(IOSurfaceRef s) {
	return iosurface_is_in_use(s);
}

static inline IOReturn IOSurfaceSetPurgeable(IOSurfaceRef s, uint32_t new_state,
		uint32_t *old_state) {
	return iosurface_set_purgeable(s, new_state, old_state);
}

static inline bool IOSurfaceAllowsPixelSizeCasting(IOSurfaceRef s) {
	return iosurface_allows_pixel_size_casting(s);
}

static inline size_t IOSurfaceGetPropertyMaximum(enum iosurface_property property) {
	return iosurface_get_property_maximum(property);
}

static inline size_t IOSurfaceGetPropertyAlignment(enum iosurface_property property) {
	return iosurface_get_property_alignment(property);
}

static inline size_t IOSurfaceAlignProperty(enum iosurface_property property, size_t value) {
	return iosurface_align_property(property, value);
}

static inline IOReturn IOSurfaceSetValue(IOSurfaceRef s, const char *key,
		const struct iosurface_value *value) {
	return iosurface_set_value(s, key, value);
}

static inline struct iosurface_value *IOSurfaceCopyValue(IOSurfaceRef s, const char *key) {
	return iosurface_copy_value(s, key);
}

static inline IOReturn IOSurfaceRemoveValue(IOSurfaceRef s, const char *key) {
	return iosurface_remove_value(s, key);
}

static inline struct iosurface_value *IOSurfaceCopyAllValues(IOSurfaceRef s) {
	return iosurface_copy_all_values(s);
}

static inline IOReturn IOSurfaceSetValues(IOSurfaceRef s, const struct iosurface_value *dict) {
	return iosurface_set_values(s, dict);
}

static inline IOReturn IOSurfaceRemoveAllValues(IOSurfaceRef s) {
	return iosurface_remove_all_values(s);
}

#endif
