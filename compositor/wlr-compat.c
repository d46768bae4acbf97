/*
 * wlr-compat.h for each supported wlroots release; the header says what changed.
 */
#include <stdlib.h>
#include <string.h>

#include <wlr/render/drm_format_set.h>
#include <wlr/render/wlr_renderer.h>
#include <wlr/types/wlr_buffer.h>

#include "wlr-compat.h"

#define IOS_COMPAT_WLR_AT_LEAST(major, minor) \
	(WLR_VERSION_NUM >= IOS_COMPAT_WLR_VERSION(major, minor, 0))

size_t ios_compat_renderer_get_shm_formats(struct wlr_renderer *renderer, uint32_t **formats) {
	*formats = NULL;
#if IOS_COMPAT_WLR_AT_LEAST(0, 18)
	const struct wlr_drm_format_set *set = wlr_renderer_get_texture_formats(renderer,
			WLR_BUFFER_CAP_DATA_PTR);
	if (set == NULL || set->len == 0) {
		return 0;
	}
	*formats = calloc(set->len, sizeof(**formats));
	if (*formats == NULL) {
		return 0;
	}
	for (size_t i = 0; i < set->len; i++) {
		(*formats)[i] = set->formats[i].format;
	}
	return set->len;
#else
	size_t len = 0;
	const uint32_t *shm = wlr_renderer_get_shm_texture_formats(renderer, &len);
	if (shm == NULL || len == 0) {
		return 0;
	}
	*formats = calloc(len, sizeof(**formats));
	if (*formats == NULL) {
		return 0;
	}
	memcpy(*formats, shm, len * sizeof(**formats));
	return len;
#endif
}

struct wlr_buffer *ios_compat_client_buffer_source(struct wlr_buffer *buffer) {
	if (buffer == NULL) {
		return NULL;
	}
	struct wlr_client_buffer *client_buffer = wlr_client_buffer_get(buffer);
	if (client_buffer == NULL) {
		return NULL;
	}
	return client_buffer->source;
}
