/*
 * Apple's IOSurface API, for the iosurface-apple porting kit (pkg-config iosurface-apple): an
 * IOSurfaceRef is a CF object (CFRetain, CFRelease, CFGetTypeID() == IOSurfaceGetTypeID())
 * over a surface of libiosurface; properties are CFDictionaries keyed by the kIOSurface*
 * strings; values are CF objects; ports are Mach port names over descriptors (<mach/mach.h>).
 *
 * Functions that create or look up surfaces use libiosurface's default client
 * (iosurface_client_get_default()), connected to $WAYLAND_DISPLAY on first use. Failures are
 * logged by libiosurface at warning level. What still differs from macOS: doc/porting.md.
 */
#ifndef CLIENT_LIB_APPLE_INCLUDE_IOSURFACE_IOSURFACEREF_H
#define CLIENT_LIB_APPLE_INCLUDE_IOSURFACE_IOSURFACEREF_H

#include <CoreFoundation/CoreFoundation.h>
#include <IOKit/IOReturn.h>
#include <IOSurface/IOSurfaceTypes.h>
#include <mach/mach.h>

#ifdef CLIENT_LIB_INCLUDE_IOSURFACE_IOSURFACEREF_H
#error "<iosurface/IOSurfaceRef.h> and the porting kit's <IOSurface/IOSurfaceRef.h> conflict"
#endif
#define IOSURFACE_APPLE_KIT 1

#ifdef __cplusplus
extern "C" {
#endif

typedef struct __IOSurface *IOSurfaceRef;

/* Property keys: CFStrings of the same text as Apple's. */
CF_EXPORT extern const CFStringRef kIOSurfaceAllocSize; /* CFNumber */
CF_EXPORT extern const CFStringRef kIOSurfaceWidth; /* CFNumber */
CF_EXPORT extern const CFStringRef kIOSurfaceHeight; /* CFNumber */
CF_EXPORT extern const CFStringRef kIOSurfaceBytesPerRow; /* CFNumber */
CF_EXPORT extern const CFStringRef kIOSurfaceBytesPerElement; /* CFNumber */
CF_EXPORT extern const CFStringRef kIOSurfaceElementWidth; /* CFNumber */
CF_EXPORT extern const CFStringRef kIOSurfaceElementHeight; /* CFNumber */
CF_EXPORT extern const CFStringRef kIOSurfaceOffset; /* CFNumber */
CF_EXPORT extern const CFStringRef kIOSurfacePlaneInfo; /* CFArray of CFDictionary */
CF_EXPORT extern const CFStringRef kIOSurfacePlaneWidth; /* CFNumber */
CF_EXPORT extern const CFStringRef kIOSurfacePlaneHeight; /* CFNumber */
CF_EXPORT extern const CFStringRef kIOSurfacePlaneBytesPerRow; /* CFNumber */
CF_EXPORT extern const CFStringRef kIOSurfacePlaneOffset; /* CFNumber */
CF_EXPORT extern const CFStringRef kIOSurfacePlaneSize; /* CFNumber */
CF_EXPORT extern const CFStringRef kIOSurfacePlaneBase; /* CFNumber */
CF_EXPORT extern const CFStringRef kIOSurfacePlaneBitsPerElement; /* CFNumber */
CF_EXPORT extern const CFStringRef kIOSurfacePlaneBytesPerElement; /* CFNumber */
CF_EXPORT extern const CFStringRef kIOSurfacePlaneElementWidth; /* CFNumber */
CF_EXPORT extern const CFStringRef kIOSurfacePlaneElementHeight; /* CFNumber */
CF_EXPORT extern const CFStringRef kIOSurfaceCacheMode; /* CFNumber (kIOSurfaceMap...) */
CF_EXPORT extern const CFStringRef kIOSurfaceIsGlobal; /* CFBoolean */
CF_EXPORT extern const CFStringRef kIOSurfacePixelFormat; /* CFNumber (OSType) */
CF_EXPORT extern const CFStringRef kIOSurfacePixelSizeCastingAllowed; /* CFBoolean */
CF_EXPORT extern const CFStringRef kIOSurfaceName; /* CFString */
CF_EXPORT extern const CFStringRef kIOSurfacePlaneComponentBitDepths; /* CFArray of CFNumber */
CF_EXPORT extern const CFStringRef kIOSurfacePlaneComponentBitOffsets; /* CFArray of CFNumber */
CF_EXPORT extern const CFStringRef kIOSurfacePlaneComponentNames; /* CFArray of CFNumber */
CF_EXPORT extern const CFStringRef kIOSurfacePlaneComponentTypes; /* CFArray of CFNumber */
CF_EXPORT extern const CFStringRef kIOSurfacePlaneComponentRanges; /* CFArray of CFNumber */
CF_EXPORT extern const CFStringRef kIOSurfaceSubsampling; /* CFNumber */

CF_EXPORT CFTypeID IOSurfaceGetTypeID(void);

/**
 * Creates a surface from a dictionary of kIOSurface* keys with Apple's value types; the caller
 * owns the result (CFRelease). NULL, with the reason logged, for a property of the wrong type
 * or value, or a surface the compositor refuses.
 */
CF_EXPORT IOSurfaceRef IOSurfaceCreate(CFDictionaryRef properties);

/** A global surface by id; the caller owns the result. NULL if none (or not allowed). */
CF_EXPORT IOSurfaceRef IOSurfaceLookup(IOSurfaceID csid);

CF_EXPORT IOSurfaceID IOSurfaceGetID(IOSurfaceRef buffer);

/** kIOReturnSuccess, or kIOReturnNotPermitted for a write lock on a read-only surface. */
CF_EXPORT kern_return_t IOSurfaceLock(IOSurfaceRef buffer, IOSurfaceLockOptions options,
		uint32_t *seed);
CF_EXPORT kern_return_t IOSurfaceUnlock(IOSurfaceRef buffer, IOSurfaceLockOptions options,
		uint32_t *seed);
CF_EXPORT uint32_t IOSurfaceGetSeed(IOSurfaceRef buffer);

CF_EXPORT size_t IOSurfaceGetAllocSize(IOSurfaceRef buffer);
CF_EXPORT size_t IOSurfaceGetWidth(IOSurfaceRef buffer);
CF_EXPORT size_t IOSurfaceGetHeight(IOSurfaceRef buffer);
CF_EXPORT size_t IOSurfaceGetBytesPerElement(IOSurfaceRef buffer);
CF_EXPORT size_t IOSurfaceGetBytesPerRow(IOSurfaceRef buffer);
CF_EXPORT void *IOSurfaceGetBaseAddress(IOSurfaceRef buffer);
CF_EXPORT size_t IOSurfaceGetElementWidth(IOSurfaceRef buffer);
CF_EXPORT size_t IOSurfaceGetElementHeight(IOSurfaceRef buffer);
/** Apple's code of the format ('BGRA', '420f', ...); a DRM fourcc if Apple has none. */
CF_EXPORT OSType IOSurfaceGetPixelFormat(IOSurfaceRef buffer);

CF_EXPORT size_t IOSurfaceGetPlaneCount(IOSurfaceRef buffer);
CF_EXPORT size_t IOSurfaceGetWidthOfPlane(IOSurfaceRef buffer, size_t planeIndex);
CF_EXPORT size_t IOSurfaceGetHeightOfPlane(IOSurfaceRef buffer, size_t planeIndex);
CF_EXPORT size_t IOSurfaceGetBytesPerElementOfPlane(IOSurfaceRef buffer, size_t planeIndex);
CF_EXPORT size_t IOSurfaceGetBytesPerRowOfPlane(IOSurfaceRef buffer, size_t planeIndex);
CF_EXPORT void *IOSurfaceGetBaseAddressOfPlane(IOSurfaceRef buffer, size_t planeIndex);
CF_EXPORT size_t IOSurfaceGetElementWidthOfPlane(IOSurfaceRef buffer, size_t planeIndex);
CF_EXPORT size_t IOSurfaceGetElementHeightOfPlane(IOSurfaceRef buffer, size_t planeIndex);

CF_EXPORT size_t IOSurfaceGetNumberOfComponentsOfPlane(IOSurfaceRef buffer, size_t planeIndex);
CF_EXPORT IOSurfaceComponentName IOSurfaceGetNameOfComponentOfPlane(IOSurfaceRef buffer,
		size_t planeIndex, size_t componentIndex);
CF_EXPORT IOSurfaceComponentType IOSurfaceGetTypeOfComponentOfPlane(IOSurfaceRef buffer,
		size_t planeIndex, size_t componentIndex);
CF_EXPORT IOSurfaceComponentRange IOSurfaceGetRangeOfComponentOfPlane(IOSurfaceRef buffer,
		size_t planeIndex, size_t componentIndex);
CF_EXPORT size_t IOSurfaceGetBitDepthOfComponentOfPlane(IOSurfaceRef buffer, size_t planeIndex,
		size_t componentIndex);
CF_EXPORT size_t IOSurfaceGetBitOffsetOfComponentOfPlane(IOSurfaceRef buffer, size_t planeIndex,
		size_t componentIndex);
CF_EXPORT IOSurfaceSubsampling IOSurfaceGetSubsampling(IOSurfaceRef buffer);

/**
 * Stores a copy of value (CFString, CFNumber, CFBoolean, CFData, CFArray, or CFDictionary with
 * CFString keys, nested) under key. Returns nothing, as on macOS; a refused value (type, size,
 * count) is logged at warning level and leaves the old value in place.
 */
CF_EXPORT void IOSurfaceSetValue(IOSurfaceRef buffer, CFStringRef key, CFTypeRef value);
/** A new CF object for the value under key, owned by the caller; NULL if absent. */
CF_EXPORT CFTypeRef IOSurfaceCopyValue(IOSurfaceRef buffer, CFStringRef key);
CF_EXPORT void IOSurfaceRemoveValue(IOSurfaceRef buffer, CFStringRef key);
/** Sets every pair of a dictionary (CFString keys); failures are logged. */
CF_EXPORT void IOSurfaceSetValues(IOSurfaceRef buffer, CFDictionaryRef keysAndValues);
/** Every value, as a new dictionary owned by the caller (empty if none). */
CF_EXPORT CFDictionaryRef IOSurfaceCopyAllValues(IOSurfaceRef buffer);
CF_EXPORT void IOSurfaceRemoveAllValues(IOSurfaceRef buffer);

CF_EXPORT void IOSurfaceIncrementUseCount(IOSurfaceRef buffer);
CF_EXPORT void IOSurfaceDecrementUseCount(IOSurfaceRef buffer);
CF_EXPORT int32_t IOSurfaceGetUseCount(IOSurfaceRef buffer);
CF_EXPORT Boolean IOSurfaceIsInUse(IOSurfaceRef buffer);
CF_EXPORT Boolean IOSurfaceAllowsPixelSizeCasting(IOSurfaceRef buffer);

CF_EXPORT kern_return_t IOSurfaceSetPurgeable(IOSurfaceRef buffer, uint32_t newState,
		uint32_t *oldState);

/**
 * A new port (one send right, which the caller drops with mach_port_deallocate()) that
 * another process redeems with IOSurfaceLookupFromMachPort(); MACH_PORT_NULL on failure.
 */
CF_EXPORT mach_port_t IOSurfaceCreateMachPort(IOSurfaceRef buffer);

/**
 * The surface a port refers to; the caller owns the result, the port keeps its rights. In the
 * process that holds the surface already, the same IOSurfaceRef, retained.
 */
CF_EXPORT IOSurfaceRef IOSurfaceLookupFromMachPort(mach_port_t port);

/** Limits of a property key (kIOSurfaceWidth, kIOSurfaceBytesPerRow, ...); 0 if unknown. */
CF_EXPORT size_t IOSurfaceGetPropertyMaximum(CFStringRef property);
CF_EXPORT size_t IOSurfaceGetPropertyAlignment(CFStringRef property);
CF_EXPORT size_t IOSurfaceAlignProperty(CFStringRef property, size_t value);

#ifdef __cplusplus
}
#endif

#endif
