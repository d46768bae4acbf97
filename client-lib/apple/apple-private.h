/* What the porting kit's files share. Never installed. */
#ifndef CLIENT_LIB_APPLE_APPLE_PRIVATE_H
#define CLIENT_LIB_APPLE_APPLE_PRIVATE_H

#include <mach/mach.h>

/* Makes fd a port with one send right; MACH_PORT_NULL (fd closed) if it cannot. */
mach_port_t apple_port_register(int fd);

/* Warnings of the kit, shown as libiosurface's are (IOSURFACE_LOG_LEVEL, default warning). */
void apple_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
