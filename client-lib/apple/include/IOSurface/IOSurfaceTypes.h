/* IOSurface's types and constants, for the iosurface-apple porting kit. */
#ifndef CLIENT_LIB_APPLE_INCLUDE_IOSURFACE_IOSURFACETYPES_H
#define CLIENT_LIB_APPLE_INCLUDE_IOSURFACE_IOSURFACETYPES_H

#include <stdint.h>

typedef uint32_t IOSurfaceID;

typedef uint32_t IOSurfaceLockOptions;
enum {
	kIOSurfaceLockReadOnly = 0x00000001,
	kIOSurfaceLockAvoidSync = 0x00000002,
};

typedef uint32_t IOSurfacePurgeabilityState;
enum {
	kIOSurfacePurgeableNonVolatile = 0,
	kIOSurfacePurgeableVolatile = 1,
	kIOSurfacePurgeableEmpty = 2,
	kIOSurfacePurgeableKeepCurrent = 3,
};

/* Cache modes, and their values for kIOSurfaceCacheMode (shifted, as IOKit's kIOMap...). */
enum {
	kIOSurfaceDefaultCache = 0,
	kIOSurfaceInhibitCache = 1,
	kIOSurfaceWriteThruCache = 2,
	kIOSurfaceCopybackCache = 3,
	kIOSurfaceWriteCombineCache = 4,
	kIOSurfaceCopybackInnerCache = 5,
};
enum {
	kIOSurfaceMapCacheShift = 8,
	kIOSurfaceMapDefaultCache = kIOSurfaceDefaultCache << kIOSurfaceMapCacheShift,
	kIOSurfaceMapInhibitCache = kIOSurfaceInhibitCache << kIOSurfaceMapCacheShift,
	kIOSurfaceMapWriteThruCache = kIOSurfaceWriteThruCache << kIOSurfaceMapCacheShift,
	kIOSurfaceMapCopybackCache = kIOSurfaceCopybackCache << kIOSurfaceMapCacheShift,
	kIOSurfaceMapWriteCombineCache = kIOSurfaceWriteCombineCache << kIOSurfaceMapCacheShift,
	kIOSurfaceMapCopybackInnerCache = kIOSurfaceCopybackInnerCache << kIOSurfaceMapCacheShift,
};

typedef int32_t IOSurfaceComponentName;
enum {
	kIOSurfaceComponentNameUnknown = 0,
	kIOSurfaceComponentNameAlpha = 1,
	kIOSurfaceComponentNameRed = 2,
	kIOSurfaceComponentNameGreen = 3,
	kIOSurfaceComponentNameBlue = 4,
	kIOSurfaceComponentNameLuma = 5,
	kIOSurfaceComponentNameChromaRed = 6,
	kIOSurfaceComponentNameChromaBlue = 7,
};

typedef int32_t IOSurfaceComponentType;
enum {
	kIOSurfaceComponentTypeUnknown = 0,
	kIOSurfaceComponentTypeUnsignedInteger = 1,
	kIOSurfaceComponentTypeSignedInteger = 2,
	kIOSurfaceComponentTypeFloat = 3,
	kIOSurfaceComponentTypeSignedNormalized = 4,
};

typedef int32_t IOSurfaceComponentRange;
enum {
	kIOSurfaceComponentRangeUnknown = 0,
	kIOSurfaceComponentRangeFullRange = 1,
	kIOSurfaceComponentRangeVideoRange = 2,
	kIOSurfaceComponentRangeWideRange = 3,
};

typedef int32_t IOSurfaceSubsampling;
enum {
	kIOSurfaceSubsamplingUnknown = 0,
	kIOSurfaceSubsamplingNone = 1,
	kIOSurfaceSubsampling422 = 2,
	kIOSurfaceSubsampling420 = 3,
	kIOSurfaceSubsampling411 = 4,
};

#endif
