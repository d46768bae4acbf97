/* IOKit's error codes, as IOSurface functions of the iosurface-apple porting kit return them. */
#ifndef CLIENT_LIB_APPLE_INCLUDE_IOKIT_IORETURN_H
#define CLIENT_LIB_APPLE_INCLUDE_IOKIT_IORETURN_H

#include <mach/mach.h>

typedef kern_return_t IOReturn;

#define iokit_common_err(code) ((IOReturn)(0xe0000000U | (code)))

#define kIOReturnSuccess KERN_SUCCESS
#define kIOReturnError iokit_common_err(0x2bc)
#define kIOReturnNoMemory iokit_common_err(0x2bd)
#define kIOReturnNoResources iokit_common_err(0x2be)
#define kIOReturnIPCError iokit_common_err(0x2bf)
#define kIOReturnNoDevice iokit_common_err(0x2c0)
#define kIOReturnNotPrivileged iokit_common_err(0x2c1)
#define kIOReturnBadArgument iokit_common_err(0x2c2)
#define kIOReturnLockedRead iokit_common_err(0x2c3)
#define kIOReturnLockedWrite iokit_common_err(0x2c4)
#define kIOReturnExclusiveAccess iokit_common_err(0x2c5)
#define kIOReturnUnsupported iokit_common_err(0x2c7)
#define kIOReturnInternalError iokit_common_err(0x2c9)
#define kIOReturnIOError iokit_common_err(0x2ca)
#define kIOReturnCannotLock iokit_common_err(0x2cc)
#define kIOReturnNotOpen iokit_common_err(0x2cd)
#define kIOReturnNotReadable iokit_common_err(0x2ce)
#define kIOReturnNotWritable iokit_common_err(0x2cf)
#define kIOReturnNotAligned iokit_common_err(0x2d0)
#define kIOReturnBusy iokit_common_err(0x2d5)
#define kIOReturnTimeout iokit_common_err(0x2d6)
#define kIOReturnNotReady iokit_common_err(0x2d8)
#define kIOReturnNotAttached iokit_common_err(0x2d9)
#define kIOReturnNoSpace iokit_common_err(0x2db)
#define kIOReturnMessageTooLarge iokit_common_err(0x2e1)
#define kIOReturnNotPermitted iokit_common_err(0x2e2)
#define kIOReturnUnsupportedMode iokit_common_err(0x2e6)
#define kIOReturnNotFound iokit_common_err(0x2f0)
#define kIOReturnInvalid iokit_common_err(0x1)

#endif
