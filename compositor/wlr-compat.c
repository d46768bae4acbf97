/*
 * wlroots 0.15 implementations of wlr-compat.h. A later release gets its own branch beside
 * each function, under a WLR_VERSION_NUM check; the header says what changed.
 */
#include <assert.h>

#include <wlr/backend.h>
#include <wlr/backend/headless.h>
#include <wlr/render/wlr_renderer.h>
#include <wlr/types/wlr_buffer.h>
#include <wlr/types/wlr_compositor.h>
#include <wlr/types/wlr_input_device.h>
#include <wlr/types/wlr_keyboard.h>
#include <wlr/types/wlr_output.h>
#include <wlr/types/wlr_output_layout.h>
#include <wlr/types/wlr_scene.h>
#include <wlr/types/wlr_seat.h>
#include <wlr/types/wlr_xdg_shell.h>
#include <wlr/util/box.h>

#include "wlr-compat.h"

const uint32_t *ios_compat_renderer_get_shm_formats(struct wlr_renderer *renderer, size_t *len) {
	return wlr_renderer_get_shm_texture_formats(renderer, len);
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

struct wlr_backend *ios_compat_backend_autocreate(struct wl_display *display) {
	return wlr_backend_autocreate(display);
}

struct wlr_backend *ios_compat_headless_backend_create(struct wl_display *display) {
	return wlr_headless_backend_create(display);
}

bool ios_compat_compositor_create(struct wl_display *display, struct wlr_renderer *renderer) {
	// In 0.15 the wl_subcompositor global is part of wlr_compositor.
	return wlr_compositor_create(display, renderer) != NULL;
}

struct wlr_xdg_shell *ios_compat_xdg_shell_create(struct wl_display *display) {
	return wlr_xdg_shell_create(display);
}

struct wlr_output_layout *ios_compat_output_layout_create(struct wl_display *display) {
	return wlr_output_layout_create();
}

void ios_compat_output_layout_get_box(struct wlr_output_layout *layout, struct wlr_output *output,
		struct wlr_box *box) {
	// Passing a NULL output would ask for the whole layout's extents.
	assert(output != NULL);
	struct wlr_box *found = wlr_output_layout_get_box(layout, output);
	if (found == NULL) {
		*box = (struct wlr_box){ 0 };
		return;
	}
	*box = *found;
}

bool ios_compat_output_enable(struct wlr_output *output) {
	struct wlr_output_mode *mode = wlr_output_preferred_mode(output);
	if (mode != NULL) {
		wlr_output_set_mode(output, mode);
	}
	wlr_output_enable(output, true);
	if (!wlr_output_commit(output)) {
		// Leave nothing pending for the next commit to pick up.
		wlr_output_rollback(output);
		return false;
	}
	return true;
}

struct wlr_buffer *ios_compat_output_event_precommit_buffer(
		const struct wlr_output_event_precommit *event) {
	struct wlr_output *output = event->output;
	// For a rendered frame the pending buffer is the back buffer; for direct scan-out, the
	// client's buffer as the scene attached it.
	if (!(output->pending.committed & WLR_OUTPUT_STATE_BUFFER)) {
		return NULL;
	}
	return output->pending.buffer;
}

bool ios_compat_output_event_commit_has_buffer(const struct wlr_output_event_commit *event) {
	return event->committed & WLR_OUTPUT_STATE_BUFFER;
}

struct wlr_scene_tree *ios_compat_scene_add_tree(struct wlr_scene *scene) {
	return wlr_scene_tree_create(&scene->node);
}

struct wlr_scene_tree *ios_compat_scene_tree_create(struct wlr_scene_tree *parent) {
	return wlr_scene_tree_create(&parent->node);
}

struct wlr_scene_rect *ios_compat_scene_rect_create(struct wlr_scene_tree *parent, int width,
		int height, const float color[static 4]) {
	return wlr_scene_rect_create(&parent->node, width, height, color);
}

struct wlr_scene_tree *ios_compat_scene_xdg_surface_create(struct wlr_scene_tree *parent,
		struct wlr_xdg_surface *xdg_surface) {
	// 0.15 returns the node of the tree it made; hand back the tree, as 0.16 does.
	struct wlr_scene_node *node = wlr_scene_xdg_surface_create(&parent->node, xdg_surface);
	if (node == NULL) {
		return NULL;
	}
	assert(node->type == WLR_SCENE_NODE_TREE);
	struct wlr_scene_tree *tree = wl_container_of(node, tree, node);
	return tree;
}

bool ios_compat_scene_output_commit(struct wlr_scene_output *scene_output) {
	return wlr_scene_output_commit(scene_output);
}

void ios_compat_scene_destroy(struct wlr_scene *scene) {
	wlr_scene_node_destroy(&scene->node);
}

struct wl_signal *ios_compat_xdg_surface_map_signal(struct wlr_xdg_surface *xdg_surface) {
	return &xdg_surface->events.map;
}

struct wl_signal *ios_compat_xdg_surface_unmap_signal(struct wlr_xdg_surface *xdg_surface) {
	return &xdg_surface->events.unmap;
}

struct wlr_xdg_surface *ios_compat_xdg_surface_try_from_surface(struct wlr_surface *surface) {
	if (surface == NULL || !wlr_surface_is_xdg_surface(surface)) {
		return NULL;
	}
	return wlr_xdg_surface_from_wlr_surface(surface);
}

uint32_t ios_compat_xdg_toplevel_set_size(struct wlr_xdg_toplevel *toplevel, uint32_t width,
		uint32_t height) {
	return wlr_xdg_toplevel_set_size(toplevel->base, width, height);
}

uint32_t ios_compat_xdg_toplevel_set_activated(struct wlr_xdg_toplevel *toplevel, bool activated) {
	return wlr_xdg_toplevel_set_activated(toplevel->base, activated);
}

uint32_t ios_compat_xdg_toplevel_set_fullscreen(struct wlr_xdg_toplevel *toplevel, bool fullscreen) {
	return wlr_xdg_toplevel_set_fullscreen(toplevel->base, fullscreen);
}

struct wlr_keyboard *ios_compat_keyboard_from_input_device(struct wlr_input_device *device) {
	assert(device->type == WLR_INPUT_DEVICE_KEYBOARD);
	return device->keyboard;
}

void ios_compat_seat_set_keyboard(struct wlr_seat *seat, struct wlr_input_device *device) {
	wlr_seat_set_keyboard(seat, device);
}
