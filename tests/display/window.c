#include <errno.h>
#include <string.h>

#include "harness.h"
#include "window.h"
#include "xdg-shell-client-protocol.h"

static void wm_base_ping(void *data, struct xdg_wm_base *wm_base, uint32_t serial) {
	xdg_wm_base_pong(wm_base, serial);
}

static const struct xdg_wm_base_listener wm_base_listener = {
	.ping = wm_base_ping,
};

static void registry_global(void *data, struct wl_registry *registry, uint32_t name,
		const char *interface, uint32_t version) {
	struct window *w = data;
	if (strcmp(interface, wl_compositor_interface.name) == 0) {
		w->compositor = wl_registry_bind(registry, name, &wl_compositor_interface, 4);
	} else if (strcmp(interface, xdg_wm_base_interface.name) == 0) {
		w->wm_base = wl_registry_bind(registry, name, &xdg_wm_base_interface, 1);
		xdg_wm_base_add_listener(w->wm_base, &wm_base_listener, w);
	}
}

static void registry_global_remove(void *data, struct wl_registry *registry, uint32_t name) {
}

static const struct wl_registry_listener registry_listener = {
	.global = registry_global,
	.global_remove = registry_global_remove,
};

static void xdg_surface_configure(void *data, struct xdg_surface *xdg_surface, uint32_t serial) {
	struct window *w = data;
	xdg_surface_ack_configure(xdg_surface, serial);
	w->configured = true;
	if (!w->initial_done) {
		w->initial_width = w->width;
		w->initial_height = w->height;
		w->initial_done = true;
	}
}

static const struct xdg_surface_listener xdg_surface_listener = {
	.configure = xdg_surface_configure,
};

static void toplevel_configure(void *data, struct xdg_toplevel *toplevel, int32_t width,
		int32_t height, struct wl_array *states) {
	struct window *w = data;
	w->width = width;
	w->height = height;
}

static void toplevel_close(void *data, struct xdg_toplevel *toplevel) {
}

static const struct xdg_toplevel_listener toplevel_listener = {
	.configure = toplevel_configure,
	.close = toplevel_close,
};

void window_init(struct window *w, bool fullscreen) {
	memset(w, 0, sizeof(*w));
	w->display = wl_display_connect(NULL);
	if (w->display == NULL) {
		harness_fail("wl_display_connect: %s", strerror(errno));
	}
	w->registry = wl_display_get_registry(w->display);
	wl_registry_add_listener(w->registry, &registry_listener, w);
	CHECK_GE(wl_display_roundtrip(w->display), 0);
	CHECK_NOT_NULL(w->compositor);
	CHECK_NOT_NULL(w->wm_base);
	window_open(w, fullscreen);
}

void window_open(struct window *w, bool fullscreen) {
	w->configured = false;
	w->initial_done = false;
	w->surface = wl_compositor_create_surface(w->compositor);
	w->xdg_surface = xdg_wm_base_get_xdg_surface(w->wm_base, w->surface);
	xdg_surface_add_listener(w->xdg_surface, &xdg_surface_listener, w);
	w->toplevel = xdg_surface_get_toplevel(w->xdg_surface);
	xdg_toplevel_add_listener(w->toplevel, &toplevel_listener, w);
	xdg_toplevel_set_title(w->toplevel, "iosurface test");
	if (fullscreen) {
		xdg_toplevel_set_fullscreen(w->toplevel, NULL);
	}
	wl_surface_commit(w->surface);
}

void window_wait_configure(struct window *w) {
	while (!w->configured) {
		CHECK_GE(wl_display_dispatch(w->display), 0);
	}
}

static void frame_done(void *data, struct wl_callback *callback, uint32_t time) {
	struct window *w = data;
	w->frames++;
	wl_callback_destroy(callback);
}

static const struct wl_callback_listener frame_listener = {
	.done = frame_done,
};

void window_show(struct window *w, struct wl_buffer *buffer) {
	uint32_t frames = w->frames;
	struct wl_callback *callback = wl_surface_frame(w->surface);
	wl_callback_add_listener(callback, &frame_listener, w);
	wl_surface_attach(w->surface, buffer, 0, 0);
	wl_surface_damage_buffer(w->surface, 0, 0, INT32_MAX, INT32_MAX);
	wl_surface_commit(w->surface);
	int64_t deadline = harness_now_ms() + harness_scale_timeout(5000);
	while (w->frames == frames) {
		CHECK_LT(harness_now_ms(), deadline);
		CHECK_GE(wl_display_dispatch(w->display), 0);
	}
}

void window_finish(struct window *w) {
	xdg_toplevel_destroy(w->toplevel);
	xdg_surface_destroy(w->xdg_surface);
	wl_surface_destroy(w->surface);
	xdg_wm_base_destroy(w->wm_base);
	wl_compositor_destroy(w->compositor);
	wl_registry_destroy(w->registry);
	wl_display_roundtrip(w->display);
	wl_display_disconnect(w->display);
}

static void buffer_release(void *data, struct wl_buffer *buffer) {
	int *counter = data;
	(*counter)++;
}

static const struct wl_buffer_listener buffer_listener = {
	.release = buffer_release,
};

void buffer_count_releases(struct wl_buffer *buffer, int *counter) {
	wl_buffer_add_listener(buffer, &buffer_listener, counter);
}
