/* Showing a surface on a wl_surface: a wl_buffer of its memory, with no copy. */
#include <errno.h>

#include "client-private.h"

IOSURFACE_EXPORT struct wl_buffer *iosurface_create_wl_buffer(struct iosurface *s) {
	struct iosurface_client *c = s->client;
	if (c == NULL) {
		errno = EPIPE;
		return NULL;
	}
	if (!iosurface_client_can_display_format(c, s->format)) {
		errno = ENOTSUP;
		return NULL;
	}
	client_lock(c);
	int err = -client_check(c);
	struct wl_buffer *buffer = NULL;
	if (err == 0 && s->proxy != NULL) {
		buffer = iosurface_v1_create_buffer(s->proxy);
		err = buffer == NULL ? ENOMEM : 0;
	}
	if (buffer != NULL) {
		// The application attaches it and listens for release on its own queue.
		wl_proxy_set_queue((struct wl_proxy *)buffer, NULL);
		err = -client_flush(c);
		if (err != 0) {
			wl_buffer_destroy(buffer);
			buffer = NULL;
		}
	}
	client_unlock(c);
	if (buffer == NULL) {
		errno = err != 0 ? err : EPIPE;
	}
	return buffer;
}
