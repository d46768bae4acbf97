/*
 * Mach port names over IOSurface ports (descriptors): a table of send-right counts, indexed by
 * descriptor, so that code which adds and drops rights (Chromium's scoped port) closes the
 * descriptor exactly when the last right goes.
 */
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include <IOKit/IOReturn.h>

#include "apple-private.h"

#define MAX_UREFS 65534

static pthread_mutex_t ports_lock = PTHREAD_MUTEX_INITIALIZER;
static uint32_t *port_refs; /* by descriptor; 0: not a port of the kit */
static size_t port_refs_size;

mach_port_t apple_port_register(int fd) {
	if (fd < 0 || fd == INT_MAX) {
		return MACH_PORT_NULL;
	}
	pthread_mutex_lock(&ports_lock);
	if ((size_t)fd >= port_refs_size) {
		size_t size = port_refs_size > 0 ? port_refs_size : 64;
		while (size <= (size_t)fd) {
			size *= 2;
		}
		uint32_t *refs = realloc(port_refs, size * sizeof(*refs));
		if (refs == NULL) {
			pthread_mutex_unlock(&ports_lock);
			close(fd);
			return MACH_PORT_NULL;
		}
		for (size_t i = port_refs_size; i < size; i++) {
			refs[i] = 0;
		}
		port_refs = refs;
		port_refs_size = size;
	}
	port_refs[fd] = 1;
	pthread_mutex_unlock(&ports_lock);
	return (mach_port_t)fd + 1;
}

/* The descriptor of a live name, with ports_lock held; -1 if none. */
static int live_fd(mach_port_name_t name) {
	if (!MACH_PORT_VALID(name) || name > (mach_port_name_t)INT_MAX) {
		return -1;
	}
	size_t fd = (size_t)name - 1;
	return fd < port_refs_size && port_refs[fd] > 0 ? (int)fd : -1;
}

CF_EXPORT int iosurface_mach_port_get_fd(mach_port_t name) {
	pthread_mutex_lock(&ports_lock);
	int fd = live_fd(name);
	pthread_mutex_unlock(&ports_lock);
	return fd;
}

CF_EXPORT mach_port_t iosurface_mach_port_adopt_fd(int fd) {
	return apple_port_register(fd);
}

CF_EXPORT kern_return_t mach_port_mod_refs(ipc_space_t task, mach_port_name_t name,
		mach_port_right_t right, mach_port_delta_t delta) {
	if (task != mach_task_self()) {
		return KERN_INVALID_TASK;
	}
	if (right != MACH_PORT_RIGHT_SEND) {
		return KERN_INVALID_RIGHT;
	}
	pthread_mutex_lock(&ports_lock);
	int fd = live_fd(name);
	if (fd < 0) {
		pthread_mutex_unlock(&ports_lock);
		return KERN_INVALID_NAME;
	}
	int64_t refs = (int64_t)port_refs[fd] + delta;
	if (refs < 0) {
		pthread_mutex_unlock(&ports_lock);
		return KERN_INVALID_VALUE;
	}
	if (refs > MAX_UREFS) {
		pthread_mutex_unlock(&ports_lock);
		return KERN_UREFS_OVERFLOW;
	}
	port_refs[fd] = (uint32_t)refs;
	// Closed under the lock: a new port cannot take the descriptor number before it is free.
	if (refs == 0) {
		close(fd);
	}
	pthread_mutex_unlock(&ports_lock);
	return KERN_SUCCESS;
}

CF_EXPORT kern_return_t mach_port_deallocate(ipc_space_t task, mach_port_name_t name) {
	return mach_port_mod_refs(task, name, MACH_PORT_RIGHT_SEND, -1);
}

CF_EXPORT kern_return_t mach_port_get_refs(ipc_space_t task, mach_port_name_t name,
		mach_port_right_t right, mach_port_urefs_t *refs) {
	if (task != mach_task_self()) {
		return KERN_INVALID_TASK;
	}
	pthread_mutex_lock(&ports_lock);
	int fd = live_fd(name);
	uint32_t count = fd >= 0 ? port_refs[fd] : 0;
	pthread_mutex_unlock(&ports_lock);
	if (fd < 0) {
		return KERN_INVALID_NAME;
	}
	*refs = right == MACH_PORT_RIGHT_SEND ? count : 0;
	return KERN_SUCCESS;
}

CF_EXPORT const char *mach_error_string(mach_error_t error_value) {
	switch (error_value) {
	case KERN_SUCCESS:
		return "(os/kern) successful";
	case KERN_INVALID_ARGUMENT:
		return "(os/kern) invalid argument";
	case KERN_FAILURE:
		return "(os/kern) failure";
	case KERN_RESOURCE_SHORTAGE:
		return "(os/kern) resource shortage";
	case KERN_INVALID_NAME:
		return "(os/kern) invalid name";
	case KERN_INVALID_TASK:
		return "(os/kern) invalid task";
	case KERN_INVALID_RIGHT:
		return "(os/kern) invalid right";
	case KERN_INVALID_VALUE:
		return "(os/kern) invalid value";
	case KERN_UREFS_OVERFLOW:
		return "(os/kern) urefs overflow";
	case kIOReturnError:
		return "(iokit/common) general error";
	case kIOReturnNoMemory:
		return "(iokit/common) memory allocation error";
	case kIOReturnBadArgument:
		return "(iokit/common) invalid argument";
	case kIOReturnUnsupported:
		return "(iokit/common) unsupported function";
	case kIOReturnNotPermitted:
		return "(iokit/common) not permitted";
	case kIOReturnNoSpace:
		return "(iokit/common) no space available";
	case kIOReturnNotFound:
		return "(iokit/common) data was not found";
	case kIOReturnNotAttached:
		return "(iokit/common) device not attached";
	case kIOReturnMessageTooLarge:
		return "(iokit/common) message too large";
	default:
		return "unknown error code";
	}
}
