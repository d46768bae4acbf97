/* The umbrella header of IOSurface, for the iosurface-apple porting kit (no Objective-C). */
#ifndef CLIENT_LIB_APPLE_INCLUDE_IOSURFACE_IOSURFACE_H
#define CLIENT_LIB_APPLE_INCLUDE_IOSURFACE_IOSURFACE_H

#include <IOSurface/IOSurfaceRef.h>
#include <IOSurface/IOSurfaceTypes.h>

#endif
