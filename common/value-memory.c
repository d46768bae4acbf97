/*
 * Values too large for a Wayland message travel in a sealed memfd (set_value_memory and
 * value_memory): the sender writes the encoding, seals the memfd against any change, and the
 * receiver checks the seals and the size before it reads. Both sides use these functions.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "iosurface-common.h"

#define VALUE_SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL)

int ios_value_memory_create(const uint8_t *data, size_t len) {
	int fd = memfd_create("iosurface-value", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0) {
		return -errno;
	}
	size_t done = 0;
	while (done < len) {
		ssize_t n = write(fd, data + done, len - done);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			goto error;
		}
		done += (size_t)n;
	}
	if (fcntl(fd, F_ADD_SEALS, VALUE_SEALS) < 0) {
		goto error;
	}
	return fd;

error:;
	int err = errno != 0 ? errno : EIO;
	close(fd);
	return -err;
}

enum ios_value_memory_status ios_value_memory_check(int fd, uint32_t size, char *msg,
		size_t msg_size) {
	int seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0) {
		snprintf(msg, msg_size, "fd is not a memfd that can be sealed (F_GET_SEALS: %s)",
				errno == EINVAL ? "not supported" : "failed");
		return IOS_VALUE_MEMORY_NOT_SEALED;
	}
	if ((seals & (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)) !=
			(F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)) {
		snprintf(msg, msg_size,
				"fd seals 0x%x lack F_SEAL_SHRINK, F_SEAL_GROW or F_SEAL_SEAL (0x%x needed)",
				(unsigned)seals, (unsigned)VALUE_SEALS);
		return IOS_VALUE_MEMORY_NOT_SEALED;
	}
	if (!(seals & F_SEAL_WRITE)) {
		snprintf(msg, msg_size, "fd seals 0x%x lack F_SEAL_WRITE: the memory is writable",
				(unsigned)seals);
		return IOS_VALUE_MEMORY_WRITABLE;
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		snprintf(msg, msg_size, "fd cannot be examined (fstat failed)");
		return IOS_VALUE_MEMORY_NOT_SEALED;
	}
	if (!S_ISREG(st.st_mode) || st.st_size != (off_t)size) {
		snprintf(msg, msg_size, "size %u is not the memfd's size, %lld bytes", size,
				(long long)st.st_size);
		return IOS_VALUE_MEMORY_BAD_SIZE;
	}
	return IOS_VALUE_MEMORY_OK;
}

int ios_value_memory_read(int fd, uint8_t *out, size_t len) {
	size_t done = 0;
	while (done < len) {
		ssize_t n = pread(fd, out + done, len - done, (off_t)done);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0) {
			return -errno;
		}
		if (n == 0) {
			return -EIO; // cannot happen behind F_SEAL_SHRINK, checked all the same
		}
		done += (size_t)n;
	}
	return 0;
}
