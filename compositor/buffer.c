#include <assert.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <wayland-server-protocol.h>
#include <wlr/render/dmabuf.h>
#include <wlr/render/wlr_texture.h>
#include <wlr/types/wlr_buffer.h>
#include <wlr/util/log.h>

#include "server-private.h"
#include "wlr-compat.h"

/*
 * A wl_buffer made by iosurface_v1.create_buffer, as a wlr_buffer. wlroots finds it through
 * the resource interface registered below, locks it when a wl_surface commits it, and hands
 * its memory to the renderer by data pointer (memfd) or dma-buf (GBM), with no copy. wlroots
 * sends wl_buffer.release only for its own buffer types, so the module sends it when the
 * last lock goes; from the first lock until then, the surface counts as shown.
 */
struct ios_buffer {
	struct wlr_buffer base;
	struct wl_resource *resource;
	struct ios_surface *surface;
	bool read_only; /* made through a read-only iosurface_v1: nothing may write through it */
	bool held;
	struct wl_listener release;
};

static const struct wlr_buffer_impl buffer_impl;
static const struct wl_buffer_interface wl_buffer_impl;

static struct ios_buffer *buffer_from_wlr(struct wlr_buffer *wlr_buffer) {
	assert(wlr_buffer->impl == &buffer_impl);
	return wl_container_of(wlr_buffer, (struct ios_buffer *)NULL, base);
}

static void set_held(struct ios_buffer *buffer, bool held) {
	if (buffer->held == held) {
		return;
	}
	buffer->held = held;
	struct ios_surface *surface = buffer->surface;
	if (held) {
		surface->display_holds++;
	} else {
		surface->display_holds--;
	}
	if (surface->server != NULL) {
		surface->server->shown_count += held ? 1 : -1;
	}
	ios_surface_update_state(surface);
}

static void buffer_destroy(struct wlr_buffer *wlr_buffer) {
	struct ios_buffer *buffer = buffer_from_wlr(wlr_buffer);
	set_held(buffer, false);
	wl_list_remove(&buffer->release.link);
	ios_surface_unref(buffer->surface);
	free(buffer);
}

static bool buffer_get_dmabuf(struct wlr_buffer *wlr_buffer,
		struct wlr_dmabuf_attributes *attribs) {
	struct ios_buffer *buffer = buffer_from_wlr(wlr_buffer);
	// A dma-buf carries no access mode: whoever imports it may write (a capture, say), so a
	// read-only holder's buffer offers none.
	if (buffer->read_only) {
		return false;
	}
	return ios_alloc_get_dmabuf(buffer->surface, attribs);
}

static bool buffer_begin_data_ptr_access(struct wlr_buffer *wlr_buffer, uint32_t flags, void **data,
		uint32_t *format, size_t *stride) {
	struct ios_buffer *buffer = buffer_from_wlr(wlr_buffer);
	// The compositor's own mapping is writable; a client that holds the surface read-only
	// must not get a write through its buffer (a screen capture into it, say), whatever the
	// wlroots release would otherwise allow.
	if ((flags & WLR_BUFFER_DATA_PTR_ACCESS_WRITE) && buffer->read_only) {
		return false;
	}
	struct ios_surface *surface = buffer->surface;
	char *map = ios_alloc_map(surface);
	if (map == NULL) {
		return false;
	}
	ios_alloc_begin_access(surface);
	*data = map + surface->layout.offset;
	*format = surface->layout.format;
	*stride = surface->layout.bytes_per_row;
	return true;
}

static void buffer_end_data_ptr_access(struct wlr_buffer *wlr_buffer) {
	ios_alloc_end_access(buffer_from_wlr(wlr_buffer)->surface);
}

static const struct wlr_buffer_impl buffer_impl = {
	.destroy = buffer_destroy,
	.get_dmabuf = buffer_get_dmabuf,
	.begin_data_ptr_access = buffer_begin_data_ptr_access,
	.end_data_ptr_access = buffer_end_data_ptr_access,
};

static void buffer_handle_release(struct wl_listener *listener, void *data) {
	struct ios_buffer *buffer = wl_container_of(listener, buffer, release);
	set_held(buffer, false);
	if (buffer->resource != NULL) {
		wl_buffer_send_release(buffer->resource);
	}
}

static void wl_buffer_handle_destroy(struct wl_client *client, struct wl_resource *resource) {
	wl_resource_destroy(resource);
}

static const struct wl_buffer_interface wl_buffer_impl = {
	.destroy = wl_buffer_handle_destroy,
};

static void buffer_handle_resource_destroy(struct wl_resource *resource) {
	struct ios_buffer *buffer = wl_resource_get_user_data(resource);
	buffer->resource = NULL;
	wlr_buffer_drop(&buffer->base);
}

static bool buffer_is_instance(struct wl_resource *resource) {
	return wl_resource_instance_of(resource, &wl_buffer_interface, &wl_buffer_impl);
}

static struct wlr_buffer *buffer_from_resource(struct wl_resource *resource) {
	assert(buffer_is_instance(resource));
	struct ios_buffer *buffer = wl_resource_get_user_data(resource);
	// wlroots locks the buffer right after this returns: the compositor now holds it.
	set_held(buffer, true);
	return &buffer->base;
}

static const struct wlr_buffer_resource_interface resource_interface = {
	.name = "iosurface_v1",
	.is_instance = buffer_is_instance,
	.from_resource = buffer_from_resource,
};

void ios_buffer_register_interface(void) {
	// wlroots keeps registrations for the life of the process; register once.
	static bool registered = false;
	if (!registered) {
		wlr_buffer_register_resource_interface(&resource_interface);
		registered = true;
	}
}

void ios_buffer_create(struct ios_handle *handle, uint32_t id) {
	struct wl_client *client = wl_resource_get_client(handle->resource);
	struct ios_buffer *buffer = calloc(1, sizeof(*buffer));
	if (buffer == NULL) {
		wl_client_post_no_memory(client);
		return;
	}
	buffer->resource = wl_resource_create(client, &wl_buffer_interface, 1, id);
	if (buffer->resource == NULL) {
		free(buffer);
		wl_client_post_no_memory(client);
		return;
	}
	struct ios_surface *surface = handle->surface;
	wlr_buffer_init(&buffer->base, &buffer_impl, (int)surface->layout.width,
			(int)surface->layout.height);
	buffer->surface = surface;
	buffer->read_only = handle->read_only;
	ios_surface_ref(surface);
	buffer->release.notify = buffer_handle_release;
	wl_signal_add(&buffer->base.events.release, &buffer->release);
	wl_resource_set_implementation(buffer->resource, &wl_buffer_impl, buffer,
			buffer_handle_resource_destroy);
}

bool ios_server_can_display(struct ios_server *server, uint32_t format) {
	for (size_t i = 0; i < server->display_format_count; i++) {
		if (server->display_formats[i] == format) {
			return true;
		}
	}
	return false;
}

uint32_t iosurface_server_surface_id_from_buffer(struct wlr_buffer *wlr_buffer) {
	if (wlr_buffer == NULL) {
		return 0;
	}
	if (wlr_buffer->impl != &buffer_impl) {
		wlr_buffer = ios_compat_client_buffer_source(wlr_buffer);
		if (wlr_buffer == NULL || wlr_buffer->impl != &buffer_impl) {
			return 0;
		}
	}
	return buffer_from_wlr(wlr_buffer)->surface->id;
}

/*
 * The udmabuf probe. A wl_buffer of a memfd surface offers the renderer both its mapping and,
 * through /dev/udmabuf, a dma-buf (so that a KMS plane can scan it out). pixman takes the
 * mapping; wlroots' GLES2 and Vulkan renderers take the dma-buf when there is one, and only
 * it, so on a device that cannot import a udmabuf (virtio-gpu) they would show nothing. At
 * start-up a small memfd is offered to the renderer the same way; if it cannot make a
 * texture of it, memfd surfaces offer no dma-buf: they are shown through their mapping and
 * never scanned out.
 */
#define PROBE_WIDTH 32
#define PROBE_HEIGHT 32
#define PROBE_STRIDE (PROBE_WIDTH * 4)
#define PROBE_BYTES (PROBE_STRIDE * PROBE_HEIGHT)

struct probe_buffer {
	struct wlr_buffer base;
	int dmabuf_fd;
	void *map;
};

static void probe_destroy(struct wlr_buffer *wlr_buffer) {
	struct probe_buffer *probe = wl_container_of(wlr_buffer, probe, base);
	close(probe->dmabuf_fd);
	munmap(probe->map, PROBE_BYTES);
	free(probe);
}

static bool probe_get_dmabuf(struct wlr_buffer *wlr_buffer, struct wlr_dmabuf_attributes *attribs) {
	struct probe_buffer *probe = wl_container_of(wlr_buffer, probe, base);
	*attribs = (struct wlr_dmabuf_attributes){
		.width = PROBE_WIDTH,
		.height = PROBE_HEIGHT,
		.format = DRM_FORMAT_ARGB8888,
		.modifier = DRM_FORMAT_MOD_LINEAR,
		.n_planes = 1,
	};
	attribs->stride[0] = PROBE_STRIDE;
	attribs->fd[0] = probe->dmabuf_fd;
	return true;
}

static bool probe_begin_data_ptr_access(struct wlr_buffer *wlr_buffer, uint32_t flags, void **data,
		uint32_t *format, size_t *stride) {
	struct probe_buffer *probe = wl_container_of(wlr_buffer, probe, base);
	*data = probe->map;
	*format = DRM_FORMAT_ARGB8888;
	*stride = PROBE_STRIDE;
	return true;
}

static void probe_end_data_ptr_access(struct wlr_buffer *wlr_buffer) {
}

static const struct wlr_buffer_impl probe_impl = {
	.destroy = probe_destroy,
	.get_dmabuf = probe_get_dmabuf,
	.begin_data_ptr_access = probe_begin_data_ptr_access,
	.end_data_ptr_access = probe_end_data_ptr_access,
};

void ios_buffer_probe_udmabuf(struct ios_server *server, struct wlr_renderer *renderer) {
	if (renderer == NULL || server->udmabuf_fd < 0) {
		return;
	}
	struct probe_buffer *probe = calloc(1, sizeof(*probe));
	if (probe == NULL) {
		return;
	}
	probe->dmabuf_fd = -1;
	void *map = NULL;
	int memfd = ios_memfd_create_sealed("iosurface-udmabuf-probe", PROBE_BYTES, false, &map);
	if (memfd < 0) {
		wlr_log_errno(WLR_ERROR, "iosurface: cannot make the udmabuf probe's memory");
		free(probe);
		return;
	}
	probe->dmabuf_fd = ios_udmabuf_create(server, memfd, PROBE_BYTES);
	close(memfd);
	probe->map = map;
	if (probe->dmabuf_fd < 0) {
		// ios_alloc_get_dmabuf logs it, and falls back, at the first surface shown.
		munmap(map, PROBE_BYTES);
		free(probe);
		return;
	}
	wlr_buffer_init(&probe->base, &probe_impl, PROBE_WIDTH, PROBE_HEIGHT);
	struct wlr_texture *texture = wlr_texture_from_buffer(renderer, &probe->base);
	if (texture != NULL) {
		wlr_texture_destroy(texture);
	}
	wlr_buffer_drop(&probe->base);
	if (texture == NULL) {
		wlr_log(WLR_INFO,
				"iosurface: the renderer cannot make a texture of a udmabuf (its device does "
				"not import one): memfd surfaces are shown through their mapping, never "
				"scanned out");
		close(server->udmabuf_fd);
		server->udmabuf_fd = -1;
	}
}
