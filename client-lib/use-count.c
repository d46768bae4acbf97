/*
 * Use counts, per process and global (read from the compositor's state slot with no round
 * trip), and the notification of their changes, of seeds and of purged memory.
 */
#include <errno.h>

#include "client-private.h"

/* ---- Events ---- */

void surface_handle_emptied(void *data, struct iosurface_v1 *proxy) {
	struct iosurface *s = data;
	if (s->client != NULL) {
		client_queue_notify(s->client, s, IOSURFACE_NOTIFY_EMPTIED, 0);
	}
}

void surface_handle_not_in_use(void *data, struct iosurface_v1 *proxy) {
	struct iosurface *s = data;
	if (s->client != NULL) {
		client_queue_notify(s->client, s, IOSURFACE_NOTIFY_NOT_IN_USE, 0);
	}
}

void surface_handle_seed_changed(void *data, struct iosurface_v1 *proxy, uint32_t seed) {
	struct iosurface *s = data;
	if (s->client != NULL) {
		client_queue_notify(s->client, s, IOSURFACE_NOTIFY_SEED, seed);
	}
}

/* ---- Use counts ---- */

static void send_in_use(struct iosurface *s, uint32_t in_use) {
	struct iosurface_client *c = s->client;
	if (c != NULL && s->proxy != NULL) {
		iosurface_v1_set_in_use(s->proxy, in_use);
		client_flush(c);
	}
}

IOSURFACE_EXPORT void iosurface_increment_use_count(struct iosurface *s) {
	struct iosurface_client *c = s->client;
	if (c == NULL) {
		atomic_fetch_add(&s->use_count, 1);
		return;
	}
	// Transitions are decided under the lock so that the last message sent matches the count.
	client_lock(c);
	if (atomic_fetch_add(&s->use_count, 1) == 0) {
		send_in_use(s, 1);
	}
	client_unlock(c);
}

IOSURFACE_EXPORT void iosurface_decrement_use_count(struct iosurface *s) {
	struct iosurface_client *c = s->client;
	if (c != NULL) {
		client_lock(c);
	}
	int count = atomic_load(&s->use_count);
	if (count <= 0) {
		ios_log(IOSURFACE_LOG_ERROR, "surface %u: use count decremented below zero", s->id);
	} else if (atomic_fetch_sub(&s->use_count, 1) == 1) {
		send_in_use(s, 0);
	}
	if (c != NULL) {
		client_unlock(c);
	}
}

IOSURFACE_EXPORT int32_t iosurface_get_use_count(struct iosurface *s) {
	return atomic_load_explicit(&s->use_count, memory_order_relaxed);
}

IOSURFACE_EXPORT uint32_t iosurface_get_global_use_count(struct iosurface *s) {
	if (atomic_load_explicit(&s->lost, memory_order_relaxed)) {
		// The compositor's figure went with the connection, and so did every port (each
		// port is a pipe the compositor read): this process's own share is all that is known.
		return atomic_load_explicit(&s->use_count, memory_order_relaxed) > 0 ? 1 : 0;
	}
	const _Atomic uint32_t *slot = s->slot;
	uint32_t use, self, ports_counted, seq;
	// The words come from one update of the compositor's (a sequence lock: it makes the
	// sequence odd while it writes).
	do {
		seq = atomic_load_explicit(&slot[IOS_SLOT_SEQUENCE], memory_order_acquire);
		use = atomic_load_explicit(&slot[IOS_SLOT_USE_COUNT], memory_order_relaxed);
		self = atomic_load_explicit(&slot[IOS_SLOT_SELF_COUNTED], memory_order_relaxed);
		ports_counted = atomic_load_explicit(&slot[IOS_SLOT_PORTS_COUNTED], memory_order_relaxed);
		atomic_thread_fence(memory_order_acquire);
	} while ((seq & 1) ||
			seq != atomic_load_explicit(&slot[IOS_SLOT_SEQUENCE], memory_order_relaxed));
	// The compositor's figure, with this process's own share and ports taken as they are
	// now rather than as the compositor last heard of them.
	int64_t total = (int64_t)use - self;
	if (total < 0) {
		total = 0;
	}
	total += atomic_load_explicit(&s->use_count, memory_order_relaxed) > 0 ? 1 : 0;
	if (s->client != NULL) {
		uint32_t pending = atomic_load_explicit(&s->ports_created, memory_order_relaxed) -
				ports_counted;
		if (pending < (1u << 31)) {
			total += pending;
		}
	}
	return total > UINT32_MAX ? UINT32_MAX : (uint32_t)total;
}

IOSURFACE_EXPORT bool iosurface_is_in_use(struct iosurface *s) {
	return iosurface_get_global_use_count(s) > 0;
}

/* ---- Notification ---- */

IOSURFACE_EXPORT int iosurface_set_notify(struct iosurface *s, uint32_t events,
		iosurface_notify_func_t callback, void *data) {
	uint32_t known = IOSURFACE_NOTIFY_NOT_IN_USE | IOSURFACE_NOTIFY_SEED | IOSURFACE_NOTIFY_EMPTIED;
	if ((events & ~known) || (events != 0 && callback == NULL)) {
		return -EINVAL;
	}
	struct iosurface_client *c = s->client;
	if (c == NULL) {
		return -EPIPE;
	}
	client_lock(c);
	s->notify = events != 0 ? callback : NULL;
	s->notify_data = data;
	s->notify_events = events;
	uint32_t watch = 0;
	watch |= (events & IOSURFACE_NOTIFY_NOT_IN_USE) ? IOSURFACE_V1_WATCH_NOT_IN_USE : 0;
	watch |= (events & IOSURFACE_NOTIFY_SEED) ? IOSURFACE_V1_WATCH_SEED : 0;
	iosurface_v1_watch(s->proxy, watch);
	int ret = client_flush(c);
	client_unlock(c);
	return ret;
}
