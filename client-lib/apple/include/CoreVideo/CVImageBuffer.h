/*
 * CoreVideo's attachment values that IOSurface code stores as surface values (YCbCr matrix,
 * color primaries, transfer function), for the iosurface-apple porting kit: CFStrings of the
 * same text as Apple's.
 */
#ifndef CLIENT_LIB_APPLE_INCLUDE_COREVIDEO_CVIMAGEBUFFER_H
#define CLIENT_LIB_APPLE_INCLUDE_COREVIDEO_CVIMAGEBUFFER_H

#include <CoreFoundation/CoreFoundation.h>

#ifdef __cplusplus
extern "C" {
#endif

CF_EXPORT extern const CFStringRef kCVImageBufferYCbCrMatrixKey;
CF_EXPORT extern const CFStringRef kCVImageBufferYCbCrMatrix_ITU_R_709_2;
CF_EXPORT extern const CFStringRef kCVImageBufferYCbCrMatrix_ITU_R_601_4;
CF_EXPORT extern const CFStringRef kCVImageBufferYCbCrMatrix_SMPTE_240M_1995;
CF_EXPORT extern const CFStringRef kCVImageBufferYCbCrMatrix_ITU_R_2020;
CF_EXPORT extern const CFStringRef kCVImageBufferColorPrimariesKey;
CF_EXPORT extern const CFStringRef kCVImageBufferColorPrimaries_ITU_R_709_2;
CF_EXPORT extern const CFStringRef kCVImageBufferColorPrimaries_EBU_3213;
CF_EXPORT extern const CFStringRef kCVImageBufferColorPrimaries_SMPTE_C;
CF_EXPORT extern const CFStringRef kCVImageBufferColorPrimaries_P3_D65;
CF_EXPORT extern const CFStringRef kCVImageBufferColorPrimaries_ITU_R_2020;
CF_EXPORT extern const CFStringRef kCVImageBufferTransferFunctionKey;
CF_EXPORT extern const CFStringRef kCVImageBufferTransferFunction_ITU_R_709_2;
CF_EXPORT extern const CFStringRef kCVImageBufferTransferFunction_sRGB;
CF_EXPORT extern const CFStringRef kCVImageBufferTransferFunction_SMPTE_ST_2084_PQ;
CF_EXPORT extern const CFStringRef kCVImageBufferTransferFunction_ITU_R_2100_HLG;
CF_EXPORT extern const CFStringRef kCVImageBufferTransferFunction_Linear;
CF_EXPORT extern const CFStringRef kCVImageBufferMasteringDisplayColorVolumeKey;
CF_EXPORT extern const CFStringRef kCVImageBufferContentLightLevelInfoKey;

#ifdef __cplusplus
}
#endif

#endif
