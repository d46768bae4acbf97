/*
 * What IOSurface code needs of Mach, for the iosurface-apple porting kit. A port here is an
 * IOSurface port of libiosurface, a file descriptor: its name is the descriptor plus one, so
 * that MACH_PORT_NULL (0) stays "no port". The kit counts send rights per name;
 * mach_port_deallocate() and mach_port_mod_refs() with MACH_PORT_RIGHT_SEND drop them, and the
 * last one closes the descriptor. To hand a port to another process, send its descriptor
 * (iosurface_mach_port_get_fd(), then iosurface_port_send()); the receiver adopts it with
 * iosurface_mach_port_adopt_fd().
 */
#ifndef CLIENT_LIB_APPLE_INCLUDE_MACH_MACH_H
#define CLIENT_LIB_APPLE_INCLUDE_MACH_MACH_H

#include <CoreFoundation/CoreFoundation.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef unsigned int natural_t;
typedef int integer_t;
typedef natural_t mach_port_name_t;
typedef mach_port_name_t mach_port_t;
typedef mach_port_t task_t;
typedef mach_port_t ipc_space_t;
typedef natural_t mach_port_right_t;
typedef integer_t mach_port_delta_t;
typedef natural_t mach_port_urefs_t;
typedef int kern_return_t;
typedef kern_return_t mach_error_t;

#define MACH_PORT_NULL ((mach_port_t)0)
#define MACH_PORT_DEAD ((mach_port_t)~0U)
#define MACH_PORT_VALID(name) ((name) != MACH_PORT_NULL && (name) != MACH_PORT_DEAD)

#define MACH_PORT_RIGHT_SEND ((mach_port_right_t)0)
#define MACH_PORT_RIGHT_RECEIVE ((mach_port_right_t)1)
#define MACH_PORT_RIGHT_SEND_ONCE ((mach_port_right_t)2)
#define MACH_PORT_RIGHT_PORT_SET ((mach_port_right_t)3)
#define MACH_PORT_RIGHT_DEAD_NAME ((mach_port_right_t)4)

#define KERN_SUCCESS 0
#define KERN_INVALID_ADDRESS 1
#define KERN_PROTECTION_FAILURE 2
#define KERN_NO_SPACE 3
#define KERN_INVALID_ARGUMENT 4
#define KERN_FAILURE 5
#define KERN_RESOURCE_SHORTAGE 6
#define KERN_NOT_RECEIVER 7
#define KERN_NO_ACCESS 8
#define KERN_INVALID_NAME 15
#define KERN_INVALID_TASK 16
#define KERN_INVALID_RIGHT 17
#define KERN_INVALID_VALUE 18
#define KERN_UREFS_OVERFLOW 19

/** The calling task; the only one the kit knows. */
static inline mach_port_t mach_task_self(void) {
	return (mach_port_t)1;
}

/**
 * Drops one send right of name; the last closes the port's descriptor. KERN_INVALID_TASK for
 * another task, KERN_INVALID_NAME for a name that is not a live port of the kit.
 */
CF_EXPORT kern_return_t mach_port_deallocate(ipc_space_t task, mach_port_name_t name);

/**
 * Adds delta send rights to name (right must be MACH_PORT_RIGHT_SEND: KERN_INVALID_RIGHT
 * otherwise); reaching zero closes the descriptor. KERN_INVALID_VALUE if that would go below
 * zero, KERN_UREFS_OVERFLOW above 65534, KERN_INVALID_NAME for an unknown name.
 */
CF_EXPORT kern_return_t mach_port_mod_refs(ipc_space_t task, mach_port_name_t name,
		mach_port_right_t right, mach_port_delta_t delta);

/** The number of send rights of name (*refs), as Apple's for MACH_PORT_RIGHT_SEND. */
CF_EXPORT kern_return_t mach_port_get_refs(ipc_space_t task, mach_port_name_t name,
		mach_port_right_t right, mach_port_urefs_t *refs);

/** A constant text for a kern_return_t or IOReturn. */
CF_EXPORT const char *mach_error_string(mach_error_t error_value);

/* ---- Not Apple's: between ports and descriptors ---- */

/** The descriptor of a port (owned by the port), or -1 if name is not a live port. */
CF_EXPORT int iosurface_mach_port_get_fd(mach_port_t name);

/**
 * Makes a descriptor received from another process (iosurface_port_receive()) a port with one
 * send right, owned by the kit from now on; MACH_PORT_NULL if fd is negative or out of memory
 * (fd is then closed).
 */
CF_EXPORT mach_port_t iosurface_mach_port_adopt_fd(int fd);

#ifdef __cplusplus
}
#endif

#endif
