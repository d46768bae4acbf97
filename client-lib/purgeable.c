/* Purgeable memory: volatile surfaces the compositor may empty under memory pressure. */
#include <errno.h>

#include "client-private.h"

void surface_handle_purgeable_done(void *data, struct iosurface_v1 *proxy, uint32_t old_state) {
	struct iosurface *s = data;
	s->purgeable_done = true;
	s->purgeable_old = old_state;
}

IOSURFACE_EXPORT int iosurface_set_purgeable(struct iosurface *s, uint32_t new_state,
		uint32_t *old_state) {
	if (new_state > IOSURFACE_PURGEABLE_KEEP_CURRENT) {
		return -EINVAL;
	}
	if (s->read_only && new_state != IOSURFACE_PURGEABLE_KEEP_CURRENT) {
		return -EACCES;
	}
	struct iosurface_client *c = s->client;
	if (c == NULL) {
		return -EPIPE;
	}
	client_lock(c);
	s->purgeable_done = false;
	iosurface_v1_set_purgeable(s->proxy, new_state);
	int ret = client_flush(c);
	while (ret == 0 && !s->purgeable_done) {
		ret = client_dispatch(c);
	}
	if (ret == 0 && old_state != NULL) {
		*old_state = s->purgeable_old;
	}
	client_unlock(c);
	return ret;
}

IOSURFACE_EXPORT bool iosurface_was_emptied(struct iosurface *s) {
	return (atomic_load_explicit(&s->slot[IOS_SLOT_FLAGS], memory_order_acquire) &
				   IOS_SLOT_FLAG_EMPTIED) != 0;
}
