/* The part of CoreVideo the iosurface-apple porting kit carries: constants, no buffers. */
#ifndef CLIENT_LIB_APPLE_INCLUDE_COREVIDEO_COREVIDEO_H
#define CLIENT_LIB_APPLE_INCLUDE_COREVIDEO_COREVIDEO_H

#include <CoreVideo/CVImageBuffer.h>
#include <CoreVideo/CVPixelBuffer.h>

#endif
