/* CPU access (lock and unlock, bracketing dma-buf access) and the modification seed. */
#include <errno.h>
#include <linux/dma-buf.h>
#include <sys/ioctl.h>

#include "client-private.h"

static void dmabuf_sync(struct iosurface *s, uint64_t flags) {
	struct dma_buf_sync sync = { .flags = flags };
	while (ioctl(s->dmabuf_fd, DMA_BUF_IOCTL_SYNC, &sync) < 0 && errno == EINTR) {
	}
}

/* What lock and unlock share: checks the options, brackets dma-buf access (start or end). */
static int cpu_access(struct iosurface *s, uint32_t options, uint64_t start_or_end) {
	if (options & ~(uint32_t)(IOSURFACE_LOCK_READ_ONLY | IOSURFACE_LOCK_AVOID_SYNC)) {
		return -EINVAL;
	}
	bool read_only = options & IOSURFACE_LOCK_READ_ONLY;
	if (!read_only && s->read_only) {
		return -EACCES;
	}
	if (s->dmabuf_fd >= 0 && !(options & IOSURFACE_LOCK_AVOID_SYNC)) {
		dmabuf_sync(s, start_or_end | (read_only ? DMA_BUF_SYNC_READ : DMA_BUF_SYNC_RW));
	}
	return 0;
}

IOSURFACE_EXPORT int iosurface_lock(struct iosurface *s, uint32_t options, uint32_t *seed) {
	int ret = cpu_access(s, options, DMA_BUF_SYNC_START);
	if (ret < 0) {
		return ret;
	}
	if (seed != NULL) {
		*seed = atomic_load_explicit(s->seed, memory_order_acquire);
	}
	return 0;
}

IOSURFACE_EXPORT int iosurface_unlock(struct iosurface *s, uint32_t options, uint32_t *seed) {
	int ret = cpu_access(s, options, DMA_BUF_SYNC_END);
	if (ret < 0) {
		return ret;
	}
	uint32_t value;
	if (options & IOSURFACE_LOCK_READ_ONLY) {
		value = atomic_load_explicit(s->seed, memory_order_acquire);
	} else {
		value = atomic_fetch_add_explicit(s->seed, 1, memory_order_acq_rel) + 1;
		// Only when someone asked to be told does a write cost a message.
		uint32_t flags = atomic_load_explicit(&s->slot[IOS_SLOT_FLAGS], memory_order_acquire);
		struct iosurface_client *c = s->client;
		if ((flags & IOS_SLOT_FLAG_SEED_WATCHED) && c != NULL) {
			client_lock(c);
			if (s->proxy != NULL) {
				iosurface_v1_notify_seed(s->proxy);
				client_flush(c);
			}
			client_unlock(c);
		}
	}
	if (seed != NULL) {
		*seed = value;
	}
	return 0;
}

IOSURFACE_EXPORT uint32_t iosurface_get_seed(struct iosurface *s) {
	return atomic_load_explicit(s->seed, memory_order_acquire);
}
