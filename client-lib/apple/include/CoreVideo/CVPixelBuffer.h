/*
 * CoreVideo's pixel format codes, for the iosurface-apple porting kit. Which of them
 * IOSurfaceCreate() lays out by itself is listed in doc/porting.md; any other is accepted with
 * explicit element sizes, as plain memory.
 */
#ifndef CLIENT_LIB_APPLE_INCLUDE_COREVIDEO_CVPIXELBUFFER_H
#define CLIENT_LIB_APPLE_INCLUDE_COREVIDEO_CVPIXELBUFFER_H

#include <CoreFoundation/CoreFoundation.h>

#define CV_FOURCC(a, b, c, d) \
	((OSType)(((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (uint32_t)(d)))

enum {
	kCVPixelFormatType_1Monochrome = 0x00000001,
	kCVPixelFormatType_16BE555 = 0x00000010,
	kCVPixelFormatType_16LE555 = CV_FOURCC('L', '5', '5', '5'),
	kCVPixelFormatType_16LE5551 = CV_FOURCC('5', '5', '5', '1'),
	kCVPixelFormatType_16BE565 = 0x00000011,
	kCVPixelFormatType_16LE565 = CV_FOURCC('L', '5', '6', '5'),
	kCVPixelFormatType_24RGB = 0x00000018,
	kCVPixelFormatType_24BGR = CV_FOURCC('2', '4', 'B', 'G'),
	kCVPixelFormatType_32ARGB = 0x00000020,
	kCVPixelFormatType_32BGRA = CV_FOURCC('B', 'G', 'R', 'A'),
	kCVPixelFormatType_32ABGR = CV_FOURCC('A', 'B', 'G', 'R'),
	kCVPixelFormatType_32RGBA = CV_FOURCC('R', 'G', 'B', 'A'),
	kCVPixelFormatType_64ARGB = CV_FOURCC('b', '6', '4', 'a'),
	kCVPixelFormatType_64RGBALE = CV_FOURCC('l', '6', '4', 'r'),
	kCVPixelFormatType_48RGB = CV_FOURCC('b', '4', '8', 'r'),
	kCVPixelFormatType_32AlphaGray = CV_FOURCC('b', '3', '2', 'a'),
	kCVPixelFormatType_16Gray = CV_FOURCC('b', '1', '6', 'g'),
	kCVPixelFormatType_30RGB = CV_FOURCC('R', '1', '0', 'k'),
	kCVPixelFormatType_422YpCbCr8 = CV_FOURCC('2', 'v', 'u', 'y'),
	kCVPixelFormatType_4444YpCbCrA8 = CV_FOURCC('v', '4', '0', '8'),
	kCVPixelFormatType_4444YpCbCrA8R = CV_FOURCC('r', '4', '0', '8'),
	kCVPixelFormatType_4444AYpCbCr8 = CV_FOURCC('y', '4', '0', '8'),
	kCVPixelFormatType_4444AYpCbCr16 = CV_FOURCC('y', '4', '1', '6'),
	kCVPixelFormatType_444YpCbCr8 = CV_FOURCC('v', '3', '0', '8'),
	kCVPixelFormatType_422YpCbCr16 = CV_FOURCC('v', '2', '1', '6'),
	kCVPixelFormatType_422YpCbCr10 = CV_FOURCC('v', '2', '1', '0'),
	kCVPixelFormatType_444YpCbCr10 = CV_FOURCC('v', '4', '1', '0'),
	kCVPixelFormatType_420YpCbCr8Planar = CV_FOURCC('y', '4', '2', '0'),
	kCVPixelFormatType_420YpCbCr8PlanarFullRange = CV_FOURCC('f', '4', '2', '0'),
	kCVPixelFormatType_422YpCbCr_4A_8BiPlanar = CV_FOURCC('a', '2', 'v', 'y'),
	kCVPixelFormatType_420YpCbCr8BiPlanarVideoRange = CV_FOURCC('4', '2', '0', 'v'),
	kCVPixelFormatType_420YpCbCr8BiPlanarFullRange = CV_FOURCC('4', '2', '0', 'f'),
	kCVPixelFormatType_422YpCbCr8BiPlanarVideoRange = CV_FOURCC('4', '2', '2', 'v'),
	kCVPixelFormatType_422YpCbCr8BiPlanarFullRange = CV_FOURCC('4', '2', '2', 'f'),
	kCVPixelFormatType_444YpCbCr8BiPlanarVideoRange = CV_FOURCC('4', '4', '4', 'v'),
	kCVPixelFormatType_444YpCbCr8BiPlanarFullRange = CV_FOURCC('4', '4', '4', 'f'),
	kCVPixelFormatType_422YpCbCr8_yuvs = CV_FOURCC('y', 'u', 'v', 's'),
	kCVPixelFormatType_422YpCbCr8FullRange = CV_FOURCC('y', 'u', 'v', 'f'),
	kCVPixelFormatType_OneComponent8 = CV_FOURCC('L', '0', '0', '8'),
	kCVPixelFormatType_TwoComponent8 = CV_FOURCC('2', 'C', '0', '8'),
	kCVPixelFormatType_30RGBLEPackedWideGamut = CV_FOURCC('w', '3', '0', 'r'),
	kCVPixelFormatType_ARGB2101010LEPacked = CV_FOURCC('l', '1', '0', 'r'),
	kCVPixelFormatType_40ARGBLEWideGamut = CV_FOURCC('w', '4', '0', 'a'),
	kCVPixelFormatType_40ARGBLEWideGamutPremultiplied = CV_FOURCC('w', '4', '0', 'm'),
	kCVPixelFormatType_OneComponent10 = CV_FOURCC('L', '0', '1', '0'),
	kCVPixelFormatType_OneComponent12 = CV_FOURCC('L', '0', '1', '2'),
	kCVPixelFormatType_OneComponent16 = CV_FOURCC('L', '0', '1', '6'),
	kCVPixelFormatType_TwoComponent16 = CV_FOURCC('2', 'C', '1', '6'),
	kCVPixelFormatType_OneComponent16Half = CV_FOURCC('L', '0', '0', 'h'),
	kCVPixelFormatType_OneComponent32Float = CV_FOURCC('L', '0', '0', 'f'),
	kCVPixelFormatType_TwoComponent16Half = CV_FOURCC('2', 'C', '0', 'h'),
	kCVPixelFormatType_TwoComponent32Float = CV_FOURCC('2', 'C', '0', 'f'),
	kCVPixelFormatType_64RGBAHalf = CV_FOURCC('R', 'G', 'h', 'A'),
	kCVPixelFormatType_128RGBAFloat = CV_FOURCC('R', 'G', 'f', 'A'),
	kCVPixelFormatType_420YpCbCr10BiPlanarVideoRange = CV_FOURCC('x', '4', '2', '0'),
	kCVPixelFormatType_422YpCbCr10BiPlanarVideoRange = CV_FOURCC('x', '4', '2', '2'),
	kCVPixelFormatType_444YpCbCr10BiPlanarVideoRange = CV_FOURCC('x', '4', '4', '4'),
	kCVPixelFormatType_420YpCbCr10BiPlanarFullRange = CV_FOURCC('x', 'f', '2', '0'),
	kCVPixelFormatType_422YpCbCr10BiPlanarFullRange = CV_FOURCC('x', 'f', '2', '2'),
	kCVPixelFormatType_444YpCbCr10BiPlanarFullRange = CV_FOURCC('x', 'f', '4', '4'),
	kCVPixelFormatType_420YpCbCr8VideoRange_8A_TriPlanar = CV_FOURCC('v', '0', 'a', '8'),
	kCVPixelFormatType_30RGBLE_8A_BiPlanar = CV_FOURCC('b', '3', 'a', '8'),
	kCVPixelFormatType_Lossless_420YpCbCr8BiPlanarVideoRange = CV_FOURCC('&', '8', 'v', '0'),
	kCVPixelFormatType_Lossless_420YpCbCr8BiPlanarFullRange = CV_FOURCC('&', '8', 'f', '0'),
};

#endif
