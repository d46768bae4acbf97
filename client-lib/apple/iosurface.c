/*
 * IOSurface's API over libiosurface: IOSurfaceRef as a CF object, creation from a property
 * dictionary, CF values converted to and from libiosurface's values, and Mach port names over
 * IOSurface ports.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CoreVideo/CoreVideo.h>
#include <IOSurface/IOSurface.h>
#include <iosurface/iosurface.h>

#include "apple-private.h"
#include "cf-private.h"

/* ---- Constant strings ---- */

#define CONST_STRING(name, text) \
	static const struct __CFConstStr name##_storage = { __CF_STRING_TYPE_ID, -1, text, \
		sizeof(text) - 1 }; \
	CF_EXPORT const CFStringRef name = (CFStringRef)(const void *)&name##_storage

CONST_STRING(kIOSurfaceAllocSize, "IOSurfaceAllocSize");
CONST_STRING(kIOSurfaceWidth, "IOSurfaceWidth");
CONST_STRING(kIOSurfaceHeight, "IOSurfaceHeight");
CONST_STRING(kIOSurfaceBytesPerRow, "IOSurfaceBytesPerRow");
CONST_STRING(kIOSurfaceBytesPerElement, "IOSurfaceBytesPerElement");
CONST_STRING(kIOSurfaceElementWidth, "IOSurfaceElementWidth");
CONST_STRING(kIOSurfaceElementHeight, "IOSurfaceElementHeight");
CONST_STRING(kIOSurfaceOffset, "IOSurfaceOffset");
CONST_STRING(kIOSurfacePlaneInfo, "IOSurfacePlaneInfo");
CONST_STRING(kIOSurfacePlaneWidth, "IOSurfacePlaneWidth");
CONST_STRING(kIOSurfacePlaneHeight, "IOSurfacePlaneHeight");
CONST_STRING(kIOSurfacePlaneBytesPerRow, "IOSurfacePlaneBytesPerRow");
CONST_STRING(kIOSurfacePlaneOffset, "IOSurfacePlaneOffset");
CONST_STRING(kIOSurfacePlaneSize, "IOSurfacePlaneSize");
CONST_STRING(kIOSurfacePlaneBase, "IOSurfacePlaneBase");
CONST_STRING(kIOSurfacePlaneBitsPerElement, "IOSurfacePlaneBitsPerElement");
CONST_STRING(kIOSurfacePlaneBytesPerElement, "IOSurfacePlaneBytesPerElement");
CONST_STRING(kIOSurfacePlaneElementWidth, "IOSurfacePlaneElementWidth");
CONST_STRING(kIOSurfacePlaneElementHeight, "IOSurfacePlaneElementHeight");
CONST_STRING(kIOSurfaceCacheMode, "IOSurfaceCacheMode");
CONST_STRING(kIOSurfaceIsGlobal, "IOSurfaceIsGlobal");
CONST_STRING(kIOSurfacePixelFormat, "IOSurfacePixelFormat");
CONST_STRING(kIOSurfacePixelSizeCastingAllowed, "IOSurfacePixelSizeCastingAllowed");
CONST_STRING(kIOSurfaceName, "IOSurfaceName");
CONST_STRING(kIOSurfacePlaneComponentBitDepths, "IOSurfacePlaneComponentBitDepths");
CONST_STRING(kIOSurfacePlaneComponentBitOffsets, "IOSurfacePlaneComponentBitOffsets");
CONST_STRING(kIOSurfacePlaneComponentNames, "IOSurfacePlaneComponentNames");
CONST_STRING(kIOSurfacePlaneComponentTypes, "IOSurfacePlaneComponentTypes");
CONST_STRING(kIOSurfacePlaneComponentRanges, "IOSurfacePlaneComponentRanges");
CONST_STRING(kIOSurfaceSubsampling, "IOSurfaceSubsampling");

CONST_STRING(kCVImageBufferYCbCrMatrixKey, "CVImageBufferYCbCrMatrix");
CONST_STRING(kCVImageBufferYCbCrMatrix_ITU_R_709_2, "ITU_R_709_2");
CONST_STRING(kCVImageBufferYCbCrMatrix_ITU_R_601_4, "ITU_R_601_4");
CONST_STRING(kCVImageBufferYCbCrMatrix_SMPTE_240M_1995, "SMPTE_240M_1995");
CONST_STRING(kCVImageBufferYCbCrMatrix_ITU_R_2020, "ITU_R_2020");
CONST_STRING(kCVImageBufferColorPrimariesKey, "CVImageBufferColorPrimaries");
CONST_STRING(kCVImageBufferColorPrimaries_ITU_R_709_2, "ITU_R_709_2");
CONST_STRING(kCVImageBufferColorPrimaries_EBU_3213, "EBU_3213");
CONST_STRING(kCVImageBufferColorPrimaries_SMPTE_C, "SMPTE_C");
CONST_STRING(kCVImageBufferColorPrimaries_P3_D65, "P3_D65");
CONST_STRING(kCVImageBufferColorPrimaries_ITU_R_2020, "ITU_R_2020");
CONST_STRING(kCVImageBufferTransferFunctionKey, "CVImageBufferTransferFunction");
CONST_STRING(kCVImageBufferTransferFunction_ITU_R_709_2, "ITU_R_709_2");
CONST_STRING(kCVImageBufferTransferFunction_sRGB, "IEC_sRGB");
CONST_STRING(kCVImageBufferTransferFunction_SMPTE_ST_2084_PQ, "SMPTE_ST_2084_PQ");
CONST_STRING(kCVImageBufferTransferFunction_ITU_R_2100_HLG, "ITU_R_2100_HLG");
CONST_STRING(kCVImageBufferTransferFunction_Linear, "Linear");
CONST_STRING(kCVImageBufferMasteringDisplayColorVolumeKey, "MasteringDisplayColorVolume");
CONST_STRING(kCVImageBufferContentLightLevelInfoKey, "ContentLightLevelInfo");

/* ---- Logging ---- */

void apple_warn(const char *fmt, ...) {
	// As libiosurface: shown unless IOSURFACE_LOG_LEVEL asks for less than warnings.
	const char *env = getenv("IOSURFACE_LOG_LEVEL");
	if (env != NULL &&
			(strcmp(env, "silent") == 0 || strcmp(env, "error") == 0 || strcmp(env, "0") == 0 ||
					strcmp(env, "1") == 0)) {
		return;
	}
	char message[512];
	va_list args;
	va_start(args, fmt);
	vsnprintf(message, sizeof(message), fmt, args);
	va_end(args);
	fprintf(stderr, "iosurface-apple: %s\n", message);
}

static IOReturn io_return(int err) {
	switch (err < 0 ? -err : err) {
	case 0:
		return kIOReturnSuccess;
	case EINVAL:
		return kIOReturnBadArgument;
	case ENOMEM:
		return kIOReturnNoMemory;
	case EACCES:
	case EPERM:
		return kIOReturnNotPermitted;
	case ENOENT:
		return kIOReturnNotFound;
	case ENOSPC:
	case EDQUOT:
		return kIOReturnNoSpace;
	case EMSGSIZE:
		return kIOReturnMessageTooLarge;
	case ENOTSUP:
		return kIOReturnUnsupported;
	case EBUSY:
		return kIOReturnBusy;
	case EPIPE:
	case ECONNRESET:
		return kIOReturnNotAttached;
	default:
		return kIOReturnError;
	}
}

/* ---- IOSurfaceRef ---- */

struct __IOSurface {
	struct cf_header h;
	struct iosurface *s;
};

// One IOSurfaceRef per surface of libiosurface in the process, so that a lookup of a surface
// the process holds gives the same object, as on macOS. Entries are weak: the object's last
// release removes it.
static pthread_mutex_t wrappers_lock = PTHREAD_MUTEX_INITIALIZER;
static struct __IOSurface **wrappers;
static size_t wrapper_count, wrapper_capacity;

static void surface_finalize(CFTypeRef cf) {
	struct __IOSurface *w = (struct __IOSurface *)cf;
	pthread_mutex_lock(&wrappers_lock);
	for (size_t i = 0; i < wrapper_count; i++) {
		if (wrappers[i] == w) {
			wrappers[i] = wrappers[--wrapper_count];
			break;
		}
	}
	pthread_mutex_unlock(&wrappers_lock);
	iosurface_unref(w->s);
}

static Boolean surface_equal(CFTypeRef a, CFTypeRef b) {
	return ((const struct __IOSurface *)a)->s == ((const struct __IOSurface *)b)->s;
}

static CFHashCode surface_hash(CFTypeRef cf) {
	return iosurface_get_id(((const struct __IOSurface *)cf)->s);
}

static const struct cf_class surface_class = {
	.name = "IOSurface",
	.finalize = surface_finalize,
	.equal = surface_equal,
	.hash = surface_hash,
};

static pthread_once_t surface_type_once = PTHREAD_ONCE_INIT;
static CFTypeID surface_type;

static void register_surface_type(void) {
	surface_type = cf_register_class(&surface_class);
}

CF_EXPORT CFTypeID IOSurfaceGetTypeID(void) {
	pthread_once(&surface_type_once, register_surface_type);
	return surface_type;
}

/* The IOSurfaceRef of s, taking over the caller's reference to s; NULL if s is. */
static IOSurfaceRef wrap(struct iosurface *s) {
	if (s == NULL) {
		return NULL;
	}
	CFTypeID type = IOSurfaceGetTypeID();
	pthread_mutex_lock(&wrappers_lock);
	for (size_t i = 0; i < wrapper_count; i++) {
		if (wrappers[i]->s == s && cf_retain_if_alive(wrappers[i])) {
			IOSurfaceRef w = wrappers[i];
			pthread_mutex_unlock(&wrappers_lock);
			iosurface_unref(s); // the object holds a reference of its own
			return w;
		}
	}
	if (wrapper_count == wrapper_capacity) {
		size_t capacity = wrapper_capacity > 0 ? wrapper_capacity * 2 : 16;
		struct __IOSurface **grown = realloc(wrappers, capacity * sizeof(*grown));
		if (grown == NULL) {
			pthread_mutex_unlock(&wrappers_lock);
			iosurface_unref(s);
			return NULL;
		}
		wrappers = grown;
		wrapper_capacity = capacity;
	}
	struct __IOSurface *w = type != 0 ? cf_create_instance(type, sizeof(*w)) : NULL;
	if (w == NULL) {
		pthread_mutex_unlock(&wrappers_lock);
		iosurface_unref(s);
		return NULL;
	}
	w->s = s;
	wrappers[wrapper_count++] = w;
	pthread_mutex_unlock(&wrappers_lock);
	return w;
}

/* ---- Creation ---- */

/* A non-negative integer property up to max; false (logged) if present with the wrong type. */
static bool read_uint(CFDictionaryRef dict, CFStringRef key, uint64_t max, uint64_t *out,
		bool *present) {
	CFTypeRef value = CFDictionaryGetValue(dict, key);
	*present = value != NULL;
	if (value == NULL) {
		return true;
	}
	int64_t v;
	if (!cf_is(value, CFNumberGetTypeID())) {
		apple_warn("IOSurfaceCreate: %s must be a CFNumber", cf_string_utf8(key));
		return false;
	}
	if (!cf_number_get_int64(value, &v) || v < 0 || (uint64_t)v > max) {
		apple_warn("IOSurfaceCreate: %s %g is not an integer from 0 to %llu", cf_string_utf8(key),
				cf_number_get_double(value), (unsigned long long)max);
		return false;
	}
	*out = (uint64_t)v;
	return true;
}

static bool read_u32(CFDictionaryRef dict, CFStringRef key, uint32_t *out) {
	uint64_t v = 0;
	bool present;
	if (!read_uint(dict, key, UINT32_MAX, &v, &present)) {
		return false;
	}
	if (present) {
		*out = (uint32_t)v;
	}
	return true;
}

static bool read_size(CFDictionaryRef dict, CFStringRef key, size_t *out) {
	uint64_t v = 0;
	bool present;
	if (!read_uint(dict, key, UINT32_MAX, &v, &present)) {
		return false;
	}
	if (present) {
		*out = (size_t)v;
	}
	return true;
}

static bool read_bool(CFDictionaryRef dict, CFStringRef key, bool *out, bool *present) {
	CFTypeRef value = CFDictionaryGetValue(dict, key);
	*present = value != NULL;
	if (value == NULL) {
		return true;
	}
	if (!cf_is(value, CFBooleanGetTypeID())) {
		apple_warn("IOSurfaceCreate: %s must be a CFBoolean", cf_string_utf8(key));
		return false;
	}
	*out = CFBooleanGetValue(value);
	return true;
}

/* Component descriptions are checked for their type; the format table decides the rest. */
static bool check_number_array(CFDictionaryRef dict, CFStringRef key) {
	CFTypeRef value = CFDictionaryGetValue(dict, key);
	if (value == NULL) {
		return true;
	}
	bool ok = cf_is(value, CFArrayGetTypeID());
	for (CFIndex i = 0; ok && i < CFArrayGetCount(value); i++) {
		ok = cf_is(CFArrayGetValueAtIndex(value, i), CFNumberGetTypeID());
	}
	if (!ok) {
		apple_warn("IOSurfaceCreate: %s must be a CFArray of CFNumbers", cf_string_utf8(key));
	}
	return ok;
}

static bool check_components(CFDictionaryRef dict) {
	uint64_t v;
	bool present;
	return check_number_array(dict, kIOSurfacePlaneComponentBitDepths) &&
			check_number_array(dict, kIOSurfacePlaneComponentBitOffsets) &&
			check_number_array(dict, kIOSurfacePlaneComponentNames) &&
			check_number_array(dict, kIOSurfacePlaneComponentTypes) &&
			check_number_array(dict, kIOSurfacePlaneComponentRanges) &&
			read_uint(dict, kIOSurfaceSubsampling, UINT32_MAX, &v, &present);
}

static bool read_plane(CFDictionaryRef dict, size_t index, struct iosurface_plane_properties *p) {
	if (!cf_is(dict, CFDictionaryGetTypeID())) {
		apple_warn("IOSurfaceCreate: plane %zu of kIOSurfacePlaneInfo is not a CFDictionary",
				index);
		return false;
	}
	uint64_t base = 0, bits = 0;
	bool has_base, has_bits, has_offset;
	if (!read_u32(dict, kIOSurfacePlaneWidth, &p->width) ||
			!read_u32(dict, kIOSurfacePlaneHeight, &p->height) ||
			!read_size(dict, kIOSurfacePlaneBytesPerRow, &p->bytes_per_row) ||
			!read_size(dict, kIOSurfacePlaneSize, &p->size) ||
			!read_u32(dict, kIOSurfacePlaneBytesPerElement, &p->bytes_per_element) ||
			!read_u32(dict, kIOSurfacePlaneElementWidth, &p->element_width) ||
			!read_u32(dict, kIOSurfacePlaneElementHeight, &p->element_height) ||
			!read_size(dict, kIOSurfacePlaneOffset, &p->offset) ||
			!read_uint(dict, kIOSurfacePlaneBase, UINT32_MAX, &base, &has_base) ||
			!read_uint(dict, kIOSurfacePlaneBitsPerElement, 8 * 64, &bits, &has_bits) ||
			!check_components(dict)) {
		return false;
	}
	has_offset = CFDictionaryContainsKey(dict, kIOSurfacePlaneOffset);
	// The plane base is the plane's offset in the allocation: it must agree with the offset.
	if (has_base) {
		if (has_offset && base != p->offset) {
			apple_warn("IOSurfaceCreate: plane %zu base %llu differs from its offset %zu", index,
					(unsigned long long)base, p->offset);
			return false;
		}
		p->offset = (size_t)base;
	}
	if (has_bits) {
		if (bits % 8 != 0 || (p->bytes_per_element != 0 && bits != 8u * p->bytes_per_element)) {
			apple_warn("IOSurfaceCreate: plane %zu bits per element %llu does not make whole "
					   "bytes per element %u",
					index, (unsigned long long)bits, p->bytes_per_element);
			return false;
		}
		p->bytes_per_element = (uint32_t)(bits / 8);
	}
	return true;
}

/* Apple's shifted cache mode (kIOSurfaceMapWriteCombineCache...) as libiosurface's. */
static bool read_cache_mode(CFDictionaryRef dict, uint32_t *out) {
	uint32_t mode = 0;
	if (!read_u32(dict, kIOSurfaceCacheMode, &mode)) {
		return false;
	}
	uint32_t m = mode >> kIOSurfaceMapCacheShift;
	if ((mode & ((1u << kIOSurfaceMapCacheShift) - 1)) != 0 || m > kIOSurfaceCopybackInnerCache) {
		apple_warn("IOSurfaceCreate: kIOSurfaceCacheMode 0x%x is not a kIOSurfaceMap...Cache",
				mode);
		return false;
	}
	// Inner-copyback is a copyback mode without outer caching; to the CPU here, copyback.
	*out = m == kIOSurfaceCopybackInnerCache ? IOSURFACE_CACHE_COPY_BACK : m;
	return true;
}

static bool read_properties(CFDictionaryRef dict, struct iosurface_properties *p, char **name) {
	bool global = false, casting = true, present;
	if (!read_u32(dict, kIOSurfaceWidth, &p->width) ||
			!read_u32(dict, kIOSurfaceHeight, &p->height) ||
			!read_u32(dict, kIOSurfacePixelFormat, &p->pixel_format) ||
			!read_u32(dict, kIOSurfaceBytesPerElement, &p->bytes_per_element) ||
			!read_u32(dict, kIOSurfaceElementWidth, &p->element_width) ||
			!read_u32(dict, kIOSurfaceElementHeight, &p->element_height) ||
			!read_size(dict, kIOSurfaceBytesPerRow, &p->bytes_per_row) ||
			!read_size(dict, kIOSurfaceOffset, &p->offset) ||
			!read_size(dict, kIOSurfaceAllocSize, &p->alloc_size) ||
			!read_cache_mode(dict, &p->cache_mode) ||
			!read_bool(dict, kIOSurfaceIsGlobal, &global, &present) ||
			!read_bool(dict, kIOSurfacePixelSizeCastingAllowed, &casting, &present) ||
			!check_components(dict)) {
		return false;
	}
	p->global = global;
	p->pixel_size_casting_forbidden = !casting;
	CFTypeRef value = CFDictionaryGetValue(dict, kIOSurfaceName);
	if (value != NULL) {
		if (!cf_is(value, CFStringGetTypeID())) {
			apple_warn("IOSurfaceCreate: kIOSurfaceName must be a CFString");
			return false;
		}
		*name = cf_string_dup(value);
		p->name = *name;
	}
	CFTypeRef planes = CFDictionaryGetValue(dict, kIOSurfacePlaneInfo);
	if (planes != NULL) {
		if (!cf_is(planes, CFArrayGetTypeID())) {
			apple_warn("IOSurfaceCreate: kIOSurfacePlaneInfo must be a CFArray");
			return false;
		}
		CFIndex count = CFArrayGetCount(planes);
		if (count > IOSURFACE_MAX_PLANES) {
			apple_warn("IOSurfaceCreate: %ld planes, at most %d", count, IOSURFACE_MAX_PLANES);
			return false;
		}
		p->plane_count = (uint32_t)count;
		for (CFIndex i = 0; i < count; i++) {
			if (!read_plane(CFArrayGetValueAtIndex(planes, i), (size_t)i, &p->planes[i])) {
				return false;
			}
		}
	}
	return true;
}

CF_EXPORT IOSurfaceRef IOSurfaceCreate(CFDictionaryRef properties) {
	if (!cf_is(properties, CFDictionaryGetTypeID())) {
		apple_warn("IOSurfaceCreate: the properties are not a CFDictionary");
		return NULL;
	}
	struct iosurface_properties p = { 0 };
	char *name = NULL;
	struct iosurface *s = NULL;
	if (read_properties(properties, &p, &name)) {
		struct iosurface_client *client = iosurface_client_get_default();
		if (client == NULL) {
			apple_warn("IOSurfaceCreate: no compositor offers iosurface_manager_v1");
		} else {
			s = iosurface_create(client, &p);
		}
	}
	free(name);
	return wrap(s);
}

CF_EXPORT IOSurfaceRef IOSurfaceLookup(IOSurfaceID csid) {
	struct iosurface_client *client = iosurface_client_get_default();
	return client != NULL ? wrap(iosurface_lookup(client, csid)) : NULL;
}

/* ---- Getters ---- */

#define S(buffer) (((struct __IOSurface *)(buffer))->s)

CF_EXPORT IOSurfaceID IOSurfaceGetID(IOSurfaceRef buffer) {
	return iosurface_get_id(S(buffer));
}

CF_EXPORT kern_return_t IOSurfaceLock(IOSurfaceRef buffer, IOSurfaceLockOptions options,
		uint32_t *seed) {
	return io_return(iosurface_lock(S(buffer), options, seed));
}

CF_EXPORT kern_return_t IOSurfaceUnlock(IOSurfaceRef buffer, IOSurfaceLockOptions options,
		uint32_t *seed) {
	return io_return(iosurface_unlock(S(buffer), options, seed));
}

CF_EXPORT uint32_t IOSurfaceGetSeed(IOSurfaceRef buffer) {
	return iosurface_get_seed(S(buffer));
}

CF_EXPORT size_t IOSurfaceGetAllocSize(IOSurfaceRef buffer) {
	return iosurface_get_alloc_size(S(buffer));
}

CF_EXPORT size_t IOSurfaceGetWidth(IOSurfaceRef buffer) {
	return iosurface_get_width(S(buffer));
}

CF_EXPORT size_t IOSurfaceGetHeight(IOSurfaceRef buffer) {
	return iosurface_get_height(S(buffer));
}

CF_EXPORT size_t IOSurfaceGetBytesPerElement(IOSurfaceRef buffer) {
	return iosurface_get_bytes_per_element(S(buffer));
}

CF_EXPORT size_t IOSurfaceGetBytesPerRow(IOSurfaceRef buffer) {
	return iosurface_get_bytes_per_row(S(buffer));
}

CF_EXPORT void *IOSurfaceGetBaseAddress(IOSurfaceRef buffer) {
	return iosurface_get_base_address(S(buffer));
}

CF_EXPORT size_t IOSurfaceGetElementWidth(IOSurfaceRef buffer) {
	return iosurface_get_element_width(S(buffer));
}

CF_EXPORT size_t IOSurfaceGetElementHeight(IOSurfaceRef buffer) {
	return iosurface_get_element_height(S(buffer));
}

CF_EXPORT OSType IOSurfaceGetPixelFormat(IOSurfaceRef buffer) {
	uint32_t code = iosurface_get_pixel_format(S(buffer));
	uint32_t ostype = iosurface_format_to_ostype(code);
	return ostype != 0 ? ostype : code;
}

CF_EXPORT size_t IOSurfaceGetPlaneCount(IOSurfaceRef buffer) {
	return iosurface_get_plane_count(S(buffer));
}

CF_EXPORT size_t IOSurfaceGetWidthOfPlane(IOSurfaceRef buffer, size_t planeIndex) {
	return iosurface_get_width_of_plane(S(buffer), planeIndex);
}

CF_EXPORT size_t IOSurfaceGetHeightOfPlane(IOSurfaceRef buffer, size_t planeIndex) {
	return iosurface_get_height_of_plane(S(buffer), planeIndex);
}

CF_EXPORT size_t IOSurfaceGetBytesPerElementOfPlane(IOSurfaceRef buffer, size_t planeIndex) {
	return iosurface_get_bytes_per_element_of_plane(S(buffer), planeIndex);
}

CF_EXPORT size_t IOSurfaceGetBytesPerRowOfPlane(IOSurfaceRef buffer, size_t planeIndex) {
	return iosurface_get_bytes_per_row_of_plane(S(buffer), planeIndex);
}

CF_EXPORT void *IOSurfaceGetBaseAddressOfPlane(IOSurfaceRef buffer, size_t planeIndex) {
	return iosurface_get_base_address_of_plane(S(buffer), planeIndex);
}

CF_EXPORT size_t IOSurfaceGetElementWidthOfPlane(IOSurfaceRef buffer, size_t planeIndex) {
	return iosurface_get_element_width_of_plane(S(buffer), planeIndex);
}

CF_EXPORT size_t IOSurfaceGetElementHeightOfPlane(IOSurfaceRef buffer, size_t planeIndex) {
	return iosurface_get_element_height_of_plane(S(buffer), planeIndex);
}

CF_EXPORT size_t IOSurfaceGetNumberOfComponentsOfPlane(IOSurfaceRef buffer, size_t planeIndex) {
	return iosurface_get_number_of_components_of_plane(S(buffer), planeIndex);
}

CF_EXPORT IOSurfaceComponentName IOSurfaceGetNameOfComponentOfPlane(IOSurfaceRef buffer,
		size_t planeIndex, size_t componentIndex) {
	return iosurface_get_name_of_component_of_plane(S(buffer), planeIndex, componentIndex);
}

CF_EXPORT IOSurfaceComponentType IOSurfaceGetTypeOfComponentOfPlane(IOSurfaceRef buffer,
		size_t planeIndex, size_t componentIndex) {
	return iosurface_get_type_of_component_of_plane(S(buffer), planeIndex, componentIndex);
}

CF_EXPORT IOSurfaceComponentRange IOSurfaceGetRangeOfComponentOfPlane(IOSurfaceRef buffer,
		size_t planeIndex, size_t componentIndex) {
	return iosurface_get_range_of_component_of_plane(S(buffer), planeIndex, componentIndex);
}

CF_EXPORT size_t IOSurfaceGetBitDepthOfComponentOfPlane(IOSurfaceRef buffer, size_t planeIndex,
		size_t componentIndex) {
	return iosurface_get_bit_depth_of_component_of_plane(S(buffer), planeIndex, componentIndex);
}

CF_EXPORT size_t IOSurfaceGetBitOffsetOfComponentOfPlane(IOSurfaceRef buffer, size_t planeIndex,
		size_t componentIndex) {
	return iosurface_get_bit_offset_of_component_of_plane(S(buffer), planeIndex, componentIndex);
}

CF_EXPORT IOSurfaceSubsampling IOSurfaceGetSubsampling(IOSurfaceRef buffer) {
	return iosurface_get_subsampling(S(buffer));
}

CF_EXPORT void IOSurfaceIncrementUseCount(IOSurfaceRef buffer) {
	iosurface_increment_use_count(S(buffer));
}

CF_EXPORT void IOSurfaceDecrementUseCount(IOSurfaceRef buffer) {
	iosurface_decrement_use_count(S(buffer));
}

CF_EXPORT int32_t IOSurfaceGetUseCount(IOSurfaceRef buffer) {
	return iosurface_get_use_count(S(buffer));
}

CF_EXPORT Boolean IOSurfaceIsInUse(IOSurfaceRef buffer) {
	return iosurface_is_in_use(S(buffer));
}

CF_EXPORT Boolean IOSurfaceAllowsPixelSizeCasting(IOSurfaceRef buffer) {
	return iosurface_allows_pixel_size_casting(S(buffer));
}

CF_EXPORT kern_return_t IOSurfaceSetPurgeable(IOSurfaceRef buffer, uint32_t newState,
		uint32_t *oldState) {
	return io_return(iosurface_set_purgeable(S(buffer), newState, oldState));
}

/* ---- Values ---- */

static struct iosurface_value *value_from_cf(CFTypeRef cf, unsigned depth, char *why,
		size_t why_size);

static struct iosurface_value *dictionary_from_cf(CFDictionaryRef dict, unsigned depth, char *why,
		size_t why_size) {
	struct iosurface_value *v = iosurface_value_new_dictionary();
	CFIndex count = CFDictionaryGetCount(dict);
	const void **keys = calloc(count > 0 ? (size_t)count : 1, sizeof(*keys));
	const void **values = calloc(count > 0 ? (size_t)count : 1, sizeof(*values));
	if (v == NULL || keys == NULL || values == NULL) {
		snprintf(why, why_size, "out of memory");
		goto error;
	}
	CFDictionaryGetKeysAndValues(dict, keys, values);
	for (CFIndex i = 0; i < count; i++) {
		if (!cf_is(keys[i], CFStringGetTypeID())) {
			snprintf(why, why_size, "a dictionary key is not a CFString");
			goto error;
		}
		struct iosurface_value *item = value_from_cf(values[i], depth + 1, why, why_size);
		if (item == NULL || iosurface_value_dictionary_set(v, cf_string_utf8(keys[i]), item) < 0) {
			if (item != NULL) {
				snprintf(why, why_size, "dictionary key \"%s\" refused", cf_string_utf8(keys[i]));
			}
			goto error;
		}
	}
	free(keys);
	free(values);
	return v;

error:
	free(keys);
	free(values);
	iosurface_value_free(v);
	return NULL;
}

static struct iosurface_value *value_from_cf(CFTypeRef cf, unsigned depth, char *why,
		size_t why_size) {
	if (cf == NULL) {
		snprintf(why, why_size, "NULL value");
		return NULL;
	}
	if (depth > 8) {
		snprintf(why, why_size, "nested deeper than 8");
		return NULL;
	}
	CFTypeID type = CFGetTypeID(cf);
	struct iosurface_value *v = NULL;
	if (type == CFStringGetTypeID()) {
		v = iosurface_value_new_string(cf_string_utf8(cf));
	} else if (type == CFNumberGetTypeID()) {
		int64_t i;
		v = !CFNumberIsFloatType(cf) && cf_number_get_int64(cf, &i) ?
				iosurface_value_new_integer(i) :
				iosurface_value_new_double(cf_number_get_double(cf));
	} else if (type == CFBooleanGetTypeID()) {
		v = iosurface_value_new_boolean(CFBooleanGetValue(cf));
	} else if (type == CFDataGetTypeID()) {
		v = iosurface_value_new_bytes(CFDataGetBytePtr(cf), (size_t)CFDataGetLength(cf));
	} else if (type == CFArrayGetTypeID()) {
		v = iosurface_value_new_array();
		for (CFIndex i = 0; v != NULL && i < CFArrayGetCount(cf); i++) {
			struct iosurface_value *item = value_from_cf(CFArrayGetValueAtIndex(cf, i), depth + 1,
					why, why_size);
			if (item == NULL || iosurface_value_array_append(v, item) < 0) {
				iosurface_value_free(v);
				return NULL;
			}
		}
	} else if (type == CFDictionaryGetTypeID()) {
		return dictionary_from_cf(cf, depth, why, why_size);
	} else {
		snprintf(why, why_size, "a value of CF type %lu cannot be stored", type);
		return NULL;
	}
	if (v == NULL) {
		snprintf(why, why_size, "out of memory");
	}
	return v;
}

static CFTypeRef value_to_cf(const struct iosurface_value *v) {
	switch (iosurface_value_get_type(v)) {
	case IOSURFACE_VALUE_STRING: {
		const char *str = iosurface_value_get_string(v);
		CFStringRef s = CFStringCreateWithCString(NULL, str, kCFStringEncodingUTF8);
		// Another process's bytes need not be UTF-8; keep them readable rather than lose them.
		return s != NULL ? s : CFStringCreateWithCString(NULL, str, kCFStringEncodingISOLatin1);
	}
	case IOSURFACE_VALUE_INTEGER: {
		int64_t i = iosurface_value_get_integer(v);
		return CFNumberCreate(NULL, kCFNumberSInt64Type, &i);
	}
	case IOSURFACE_VALUE_DOUBLE: {
		double d = iosurface_value_get_double(v);
		return CFNumberCreate(NULL, kCFNumberFloat64Type, &d);
	}
	case IOSURFACE_VALUE_BOOLEAN:
		return iosurface_value_get_boolean(v) ? kCFBooleanTrue : kCFBooleanFalse;
	case IOSURFACE_VALUE_BYTES: {
		size_t len = 0;
		const void *bytes = iosurface_value_get_bytes(v, &len);
		return CFDataCreate(NULL, bytes, (CFIndex)len);
	}
	case IOSURFACE_VALUE_ARRAY: {
		CFMutableArrayRef a = CFArrayCreateMutable(NULL, 0, &kCFTypeArrayCallBacks);
		for (size_t i = 0; a != NULL && i < iosurface_value_get_count(v); i++) {
			CFTypeRef item = value_to_cf(iosurface_value_get_item(v, i));
			if (item == NULL) {
				CFRelease(a);
				return NULL;
			}
			CFArrayAppendValue(a, item);
			CFRelease(item);
		}
		return a;
	}
	case IOSURFACE_VALUE_DICTIONARY: {
		CFMutableDictionaryRef d = CFDictionaryCreateMutable(NULL, 0,
				&kCFTypeDictionaryKeyCallBacks, &kCFTypeDictionaryValueCallBacks);
		for (size_t i = 0; d != NULL && i < iosurface_value_get_count(v); i++) {
			CFStringRef key = CFStringCreateWithCString(NULL, iosurface_value_get_key(v, i),
					kCFStringEncodingUTF8);
			CFTypeRef item = value_to_cf(iosurface_value_get_item(v, i));
			if (key != NULL && item != NULL) {
				CFDictionarySetValue(d, key, item);
			}
			if (key != NULL) {
				CFRelease(key);
			}
			if (item != NULL) {
				CFRelease(item);
			}
			if (key == NULL || item == NULL) {
				CFRelease(d);
				return NULL;
			}
		}
		return d;
	}
	}
	return NULL;
}

static const char *set_failure(int ret, char *buf, size_t size) {
	if (ret == -EMSGSIZE) {
		snprintf(buf, size, "the value is larger than the limit of %zu bytes",
				iosurface_get_property_maximum(IOSURFACE_PROPERTY_VALUE_SIZE));
		return buf;
	}
	return strerror(-ret);
}

CF_EXPORT void IOSurfaceSetValue(IOSurfaceRef buffer, CFStringRef key, CFTypeRef value) {
	if (!cf_is(key, CFStringGetTypeID())) {
		apple_warn("IOSurfaceSetValue: the key is not a CFString");
		return;
	}
	char why[160] = "";
	struct iosurface_value *v = value_from_cf(value, 0, why, sizeof(why));
	if (v == NULL) {
		apple_warn("IOSurfaceSetValue(\"%s\") on surface %u: %s; the old value stays",
				cf_string_utf8(key), IOSurfaceGetID(buffer), why);
		return;
	}
	int ret = iosurface_set_value(S(buffer), cf_string_utf8(key), v);
	iosurface_value_free(v);
	if (ret < 0) {
		apple_warn("IOSurfaceSetValue(\"%s\") on surface %u failed: %s; the old value stays",
				cf_string_utf8(key), IOSurfaceGetID(buffer), set_failure(ret, why, sizeof(why)));
	}
}

CF_EXPORT CFTypeRef IOSurfaceCopyValue(IOSurfaceRef buffer, CFStringRef key) {
	if (!cf_is(key, CFStringGetTypeID())) {
		return NULL;
	}
	struct iosurface_value *v = iosurface_copy_value(S(buffer), cf_string_utf8(key));
	if (v == NULL) {
		return NULL;
	}
	CFTypeRef cf = value_to_cf(v);
	iosurface_value_free(v);
	return cf;
}

CF_EXPORT void IOSurfaceRemoveValue(IOSurfaceRef buffer, CFStringRef key) {
	if (!cf_is(key, CFStringGetTypeID())) {
		apple_warn("IOSurfaceRemoveValue: the key is not a CFString");
		return;
	}
	int ret = iosurface_remove_value(S(buffer), cf_string_utf8(key));
	if (ret < 0 && ret != -ENOENT) {
		apple_warn("IOSurfaceRemoveValue(\"%s\"): %s", cf_string_utf8(key), strerror(-ret));
	}
}

CF_EXPORT void IOSurfaceSetValues(IOSurfaceRef buffer, CFDictionaryRef keysAndValues) {
	char why[160] = "";
	if (!cf_is(keysAndValues, CFDictionaryGetTypeID())) {
		apple_warn("IOSurfaceSetValues: not a CFDictionary");
		return;
	}
	struct iosurface_value *v = dictionary_from_cf(keysAndValues, 0, why, sizeof(why));
	if (v == NULL) {
		apple_warn("IOSurfaceSetValues on surface %u: %s; nothing was set", IOSurfaceGetID(buffer),
				why);
		return;
	}
	int ret = iosurface_set_values(S(buffer), v);
	iosurface_value_free(v);
	if (ret < 0) {
		apple_warn("IOSurfaceSetValues on surface %u failed: %s", IOSurfaceGetID(buffer),
				set_failure(ret, why, sizeof(why)));
	}
}

CF_EXPORT CFDictionaryRef IOSurfaceCopyAllValues(IOSurfaceRef buffer) {
	struct iosurface_value *v = iosurface_copy_all_values(S(buffer));
	CFTypeRef cf = v != NULL ? value_to_cf(v) : NULL;
	iosurface_value_free(v);
	if (cf == NULL) {
		return CFDictionaryCreate(NULL, NULL, NULL, 0, &kCFTypeDictionaryKeyCallBacks,
				&kCFTypeDictionaryValueCallBacks);
	}
	return cf;
}

CF_EXPORT void IOSurfaceRemoveAllValues(IOSurfaceRef buffer) {
	int ret = iosurface_remove_all_values(S(buffer));
	if (ret < 0) {
		apple_warn("IOSurfaceRemoveAllValues: %s", strerror(-ret));
	}
}

/* ---- Ports ---- */

CF_EXPORT mach_port_t IOSurfaceCreateMachPort(IOSurfaceRef buffer) {
	int fd = iosurface_create_port(S(buffer));
	if (fd < 0) {
		apple_warn("IOSurfaceCreateMachPort on surface %u: %s", IOSurfaceGetID(buffer),
				strerror(-fd));
		return MACH_PORT_NULL;
	}
	return apple_port_register(fd);
}

CF_EXPORT IOSurfaceRef IOSurfaceLookupFromMachPort(mach_port_t port) {
	int fd = iosurface_mach_port_get_fd(port);
	if (fd < 0) {
		return NULL;
	}
	struct iosurface_client *client = iosurface_client_get_default();
	return client != NULL ? wrap(iosurface_lookup_from_port(client, fd)) : NULL;
}

/* ---- Limits ---- */

static bool property_of(CFStringRef key, enum iosurface_property *out) {
	static const struct {
		const CFStringRef *key;
		enum iosurface_property property;
	} keys[] = {
		{ &kIOSurfaceWidth, IOSURFACE_PROPERTY_WIDTH },
		{ &kIOSurfaceHeight, IOSURFACE_PROPERTY_HEIGHT },
		{ &kIOSurfaceBytesPerRow, IOSURFACE_PROPERTY_BYTES_PER_ROW },
		{ &kIOSurfaceBytesPerElement, IOSURFACE_PROPERTY_BYTES_PER_ELEMENT },
		{ &kIOSurfaceElementWidth, IOSURFACE_PROPERTY_ELEMENT_WIDTH },
		{ &kIOSurfaceElementHeight, IOSURFACE_PROPERTY_ELEMENT_HEIGHT },
		{ &kIOSurfaceOffset, IOSURFACE_PROPERTY_OFFSET },
		{ &kIOSurfaceAllocSize, IOSURFACE_PROPERTY_ALLOC_SIZE },
		{ &kIOSurfacePlaneInfo, IOSURFACE_PROPERTY_PLANE_COUNT },
		{ &kIOSurfacePlaneWidth, IOSURFACE_PROPERTY_PLANE_WIDTH },
		{ &kIOSurfacePlaneHeight, IOSURFACE_PROPERTY_PLANE_HEIGHT },
		{ &kIOSurfacePlaneBytesPerRow, IOSURFACE_PROPERTY_PLANE_BYTES_PER_ROW },
		{ &kIOSurfacePlaneOffset, IOSURFACE_PROPERTY_PLANE_OFFSET },
		{ &kIOSurfacePlaneSize, IOSURFACE_PROPERTY_PLANE_SIZE },
		{ &kIOSurfacePlaneBytesPerElement, IOSURFACE_PROPERTY_PLANE_BYTES_PER_ELEMENT },
		{ &kIOSurfacePlaneElementWidth, IOSURFACE_PROPERTY_PLANE_ELEMENT_WIDTH },
		{ &kIOSurfacePlaneElementHeight, IOSURFACE_PROPERTY_PLANE_ELEMENT_HEIGHT },
		{ &kIOSurfaceName, IOSURFACE_PROPERTY_NAME_LENGTH },
	};
	if (!cf_is(key, CFStringGetTypeID())) {
		return false;
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (CFEqual(*keys[i].key, key)) {
			*out = keys[i].property;
			return true;
		}
	}
	return false;
}

CF_EXPORT size_t IOSurfaceGetPropertyMaximum(CFStringRef property) {
	enum iosurface_property p;
	return property_of(property, &p) ? iosurface_get_property_maximum(p) : 0;
}

CF_EXPORT size_t IOSurfaceGetPropertyAlignment(CFStringRef property) {
	enum iosurface_property p;
	return property_of(property, &p) ? iosurface_get_property_alignment(p) : 1;
}

CF_EXPORT size_t IOSurfaceAlignProperty(CFStringRef property, size_t value) {
	enum iosurface_property p;
	return property_of(property, &p) ? iosurface_align_property(p, value) : value;
}
