/*
 * compat.h for each supported wlroots release; the header says what changed.
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

#include "compat.h"
#if COMPAT_WLR_AT_LEAST(0, 16)
#include <wlr/types/wlr_subcompositor.h>
#endif

// The newest xdg_wm_base version each release implements, all of which the views handle.
#if COMPAT_WLR_AT_LEAST(0, 16)
#define XDG_WM_BASE_VERSION 6
#endif
#define WL_COMPOSITOR_VERSION 5

/* Backends */

struct wlr_backend *compat_backend_autocreate(struct wl_display *display) {
#if COMPAT_WLR_AT_LEAST(0, 18)
	return wlr_backend_autocreate(wl_display_get_event_loop(display), NULL);
#else
	return wlr_backend_autocreate(display);
#endif
}

struct wlr_backend *compat_headless_backend_create(struct wl_display *display) {
#if COMPAT_WLR_AT_LEAST(0, 18)
	return wlr_headless_backend_create(wl_display_get_event_loop(display));
#else
	return wlr_headless_backend_create(display);
#endif
}

/* Buffers */

bool compat_buffer_is_client_buffer(struct wlr_buffer *buffer) {
	return wlr_client_buffer_get(buffer) != NULL;
}

/* Globals */

bool compat_compositor_create(struct wl_display *display, struct wlr_renderer *renderer) {
#if COMPAT_WLR_AT_LEAST(0, 18)
	return wlr_compositor_create(display, WL_COMPOSITOR_VERSION, renderer) != NULL &&
			wlr_subcompositor_create(display) != NULL;
#else
	// In 0.15 the wl_subcompositor global is part of wlr_compositor.
	return wlr_compositor_create(display, renderer) != NULL;
#endif
}

struct wlr_xdg_shell *compat_xdg_shell_create(struct wl_display *display) {
#if COMPAT_WLR_AT_LEAST(0, 18)
	return wlr_xdg_shell_create(display, XDG_WM_BASE_VERSION);
#else
	return wlr_xdg_shell_create(display);
#endif
}

/* Outputs */

struct wlr_output_layout *compat_output_layout_create(struct wl_display *display) {
#if COMPAT_WLR_AT_LEAST(0, 18)
	return wlr_output_layout_create(display);
#else
	return wlr_output_layout_create();
#endif
}

void compat_output_layout_get_box(struct wlr_output_layout *layout, struct wlr_output *output,
		struct wlr_box *box) {
	// Passing a NULL output would ask for the whole layout's extents.
	assert(output != NULL);
#if COMPAT_WLR_AT_LEAST(0, 18)
	wlr_output_layout_get_box(layout, output, box);
#else
	struct wlr_box *found = wlr_output_layout_get_box(layout, output);
	if (found == NULL) {
		*box = (struct wlr_box){ 0 };
		return;
	}
	*box = *found;
#endif
}

bool compat_output_enable(struct wlr_output *output, int width, int height) {
	struct wlr_output_mode *mode = wlr_output_preferred_mode(output);
#if COMPAT_WLR_AT_LEAST(0, 18)
	struct wlr_output_state state;
	wlr_output_state_init(&state);
	wlr_output_state_set_enabled(&state, true);
	if (width > 0) {
		wlr_output_state_set_custom_mode(&state, width, height, 0);
	} else if (mode != NULL) {
		wlr_output_state_set_mode(&state, mode);
	}
	bool ok = wlr_output_commit_state(output, &state);
	wlr_output_state_finish(&state);
	return ok;
#else
	if (width > 0) {
		wlr_output_set_custom_mode(output, width, height, 0);
	} else if (mode != NULL) {
		wlr_output_set_mode(output, mode);
	}
	wlr_output_enable(output, true);
	if (!wlr_output_commit(output)) {
		// Leave nothing pending for the next commit to pick up.
		wlr_output_rollback(output);
		return false;
	}
	return true;
#endif
}

struct wlr_buffer *compat_output_precommit_buffer(void *precommit_event) {
	struct wlr_output_event_precommit *event = precommit_event;
#if COMPAT_WLR_AT_LEAST(0, 18)
	if (!(event->state->committed & WLR_OUTPUT_STATE_BUFFER)) {
		return NULL;
	}
	return event->state->buffer;
#else
	// For a rendered frame the pending buffer is the back buffer; for direct scan-out, the
	// client's buffer as the scene attached it.
	struct wlr_output *output = event->output;
	if (!(output->pending.committed & WLR_OUTPUT_STATE_BUFFER)) {
		return NULL;
	}
	return output->pending.buffer;
#endif
}

bool compat_output_commit_has_buffer(void *commit_event) {
	struct wlr_output_event_commit *event = commit_event;
#if COMPAT_WLR_AT_LEAST(0, 18)
	return event->state->committed & WLR_OUTPUT_STATE_BUFFER;
#else
	return event->committed & WLR_OUTPUT_STATE_BUFFER;
#endif
}

/* Scene graph */

#if COMPAT_WLR_AT_LEAST(0, 16)
struct wlr_scene_tree *compat_scene_add_tree(struct wlr_scene *scene) {
	return wlr_scene_tree_create(&scene->tree);
}

struct wlr_scene_tree *compat_scene_tree_create(struct wlr_scene_tree *parent) {
	return wlr_scene_tree_create(parent);
}

struct wlr_scene_rect *compat_scene_rect_create(struct wlr_scene_tree *parent, int width,
		int height, const float color[static 4]) {
	return wlr_scene_rect_create(parent, width, height, color);
}

struct wlr_scene_tree *compat_scene_xdg_surface_create(struct wlr_scene_tree *parent,
		struct wlr_xdg_surface *xdg_surface) {
	return wlr_scene_xdg_surface_create(parent, xdg_surface);
}

bool compat_scene_output_commit(struct wlr_scene_output *scene_output) {
	return wlr_scene_output_commit(scene_output, NULL);
}

void compat_scene_destroy(struct wlr_scene *scene) {
	wlr_scene_node_destroy(&scene->tree.node);
}

void compat_scene_node_get_position(struct wlr_scene_node *node, int *x, int *y) {
	*x = node->x;
	*y = node->y;
}

bool compat_scene_node_is_enabled(struct wlr_scene_node *node) {
	return node->enabled;
}
#else
struct wlr_scene_tree *compat_scene_add_tree(struct wlr_scene *scene) {
	return wlr_scene_tree_create(&scene->node);
}

struct wlr_scene_tree *compat_scene_tree_create(struct wlr_scene_tree *parent) {
	return wlr_scene_tree_create(&parent->node);
}

struct wlr_scene_rect *compat_scene_rect_create(struct wlr_scene_tree *parent, int width,
		int height, const float color[static 4]) {
	return wlr_scene_rect_create(&parent->node, width, height, color);
}

struct wlr_scene_tree *compat_scene_xdg_surface_create(struct wlr_scene_tree *parent,
		struct wlr_xdg_surface *xdg_surface) {
	// 0.15 returns the node of the tree it made; hand back the tree, as later releases do.
	struct wlr_scene_node *node = wlr_scene_xdg_surface_create(&parent->node, xdg_surface);
	if (node == NULL) {
		return NULL;
	}
	assert(node->type == WLR_SCENE_NODE_TREE);
	struct wlr_scene_tree *tree = wl_container_of(node, tree, node);
	return tree;
}

bool compat_scene_output_commit(struct wlr_scene_output *scene_output) {
	return wlr_scene_output_commit(scene_output);
}

void compat_scene_destroy(struct wlr_scene *scene) {
	wlr_scene_node_destroy(&scene->node);
}

void compat_scene_node_get_position(struct wlr_scene_node *node, int *x, int *y) {
	*x = node->state.x;
	*y = node->state.y;
}

bool compat_scene_node_is_enabled(struct wlr_scene_node *node) {
	return node->state.enabled;
}
#endif

/* xdg-shell */

#if COMPAT_WLR_AT_LEAST(0, 18)
static void handle_new_toplevel(struct wl_listener *listener, void *data) {
	struct compat_xdg_shell_events *events = wl_container_of(listener, events,
			new_toplevel_listener);
	events->new_toplevel(events, data);
}

static void handle_new_popup(struct wl_listener *listener, void *data) {
	struct compat_xdg_shell_events *events = wl_container_of(listener, events, new_popup_listener);
	events->new_popup(events, data);
}
#else
static void handle_new_surface(struct wl_listener *listener, void *data) {
	struct compat_xdg_shell_events *events = wl_container_of(listener, events, new_surface);
	struct wlr_xdg_surface *xdg_surface = data;
	switch (xdg_surface->role) {
	case WLR_XDG_SURFACE_ROLE_TOPLEVEL:
		events->new_toplevel(events, xdg_surface->toplevel);
		break;
	case WLR_XDG_SURFACE_ROLE_POPUP:
		events->new_popup(events, xdg_surface->popup);
		break;
	case WLR_XDG_SURFACE_ROLE_NONE:
		break;
	}
}
#endif

void compat_xdg_shell_events_init(struct compat_xdg_shell_events *events,
		struct wlr_xdg_shell *shell) {
#if COMPAT_WLR_AT_LEAST(0, 18)
	events->new_toplevel_listener.notify = handle_new_toplevel;
	wl_signal_add(&shell->events.new_toplevel, &events->new_toplevel_listener);
	events->new_popup_listener.notify = handle_new_popup;
	wl_signal_add(&shell->events.new_popup, &events->new_popup_listener);
	wl_list_init(&events->new_surface.link);
#else
	events->new_surface.notify = handle_new_surface;
	wl_signal_add(&shell->events.new_surface, &events->new_surface);
	wl_list_init(&events->new_toplevel_listener.link);
	wl_list_init(&events->new_popup_listener.link);
#endif
}

void compat_xdg_shell_events_finish(struct compat_xdg_shell_events *events) {
	struct wl_listener *listeners[] = {
		&events->new_surface,
		&events->new_toplevel_listener,
		&events->new_popup_listener,
	};
	for (size_t i = 0; i < sizeof(listeners) / sizeof(listeners[0]); i++) {
		if (listeners[i]->link.next != NULL) {
			wl_list_remove(&listeners[i]->link);
			wl_list_init(&listeners[i]->link);
		}
	}
}

struct wlr_xdg_surface *compat_xdg_toplevel_base(struct wlr_xdg_toplevel *toplevel) {
	return toplevel->base;
}

struct wlr_xdg_surface *compat_xdg_popup_base(struct wlr_xdg_popup *popup) {
	return popup->base;
}

struct wlr_surface *compat_xdg_surface_surface(struct wlr_xdg_surface *xdg_surface) {
	return xdg_surface->surface;
}

struct wlr_surface *compat_xdg_popup_parent(struct wlr_xdg_popup *popup) {
	return popup->parent;
}

struct wl_signal *compat_xdg_surface_map_signal(struct wlr_xdg_surface *xdg_surface) {
#if COMPAT_WLR_AT_LEAST(0, 18)
	return &xdg_surface->surface->events.map;
#else
	return &xdg_surface->events.map;
#endif
}

struct wl_signal *compat_xdg_surface_unmap_signal(struct wlr_xdg_surface *xdg_surface) {
#if COMPAT_WLR_AT_LEAST(0, 18)
	return &xdg_surface->surface->events.unmap;
#else
	return &xdg_surface->events.unmap;
#endif
}

struct wl_signal *compat_xdg_toplevel_destroy_signal(struct wlr_xdg_toplevel *toplevel) {
#if COMPAT_WLR_AT_LEAST(0, 18)
	return &toplevel->events.destroy;
#else
	return &toplevel->base->events.destroy;
#endif
}

struct wl_signal *compat_xdg_popup_destroy_signal(struct wlr_xdg_popup *popup) {
#if COMPAT_WLR_AT_LEAST(0, 18)
	return &popup->events.destroy;
#else
	return &popup->base->events.destroy;
#endif
}

bool compat_xdg_surface_is_initial_commit(struct wlr_xdg_surface *xdg_surface) {
#if COMPAT_WLR_AT_LEAST(0, 18)
	return xdg_surface->initial_commit;
#else
	return false;
#endif
}

bool compat_xdg_surface_can_configure(struct wlr_xdg_surface *xdg_surface) {
#if COMPAT_WLR_AT_LEAST(0, 18)
	return xdg_surface->initialized;
#else
	return true;
#endif
}

struct wlr_xdg_surface *compat_xdg_surface_try_from_surface(struct wlr_surface *surface) {
	if (surface == NULL) {
		return NULL;
	}
#if COMPAT_WLR_AT_LEAST(0, 18)
	return wlr_xdg_surface_try_from_wlr_surface(surface);
#else
	if (!wlr_surface_is_xdg_surface(surface)) {
		return NULL;
	}
	return wlr_xdg_surface_from_wlr_surface(surface);
#endif
}

struct wlr_xdg_toplevel *compat_xdg_surface_toplevel(struct wlr_xdg_surface *xdg_surface) {
	if (xdg_surface == NULL || xdg_surface->role != WLR_XDG_SURFACE_ROLE_TOPLEVEL) {
		return NULL;
	}
	return xdg_surface->toplevel;
}

void compat_xdg_surface_get_geometry(struct wlr_xdg_surface *xdg_surface, struct wlr_box *box) {
#if COMPAT_WLR_AT_LEAST(0, 19)
	*box = xdg_surface->geometry;
#else
	wlr_xdg_surface_get_geometry(xdg_surface, box);
#endif
}

bool compat_xdg_toplevel_requested_fullscreen(struct wlr_xdg_toplevel *toplevel,
		struct wlr_output **output) {
	*output = toplevel->requested.fullscreen_output;
	return toplevel->requested.fullscreen;
}

#if COMPAT_WLR_AT_LEAST(0, 16)
#define TOPLEVEL_ARG(toplevel) (toplevel)
#else
#define TOPLEVEL_ARG(toplevel) ((toplevel)->base)
#endif

void compat_xdg_toplevel_set_size(struct wlr_xdg_toplevel *toplevel, int width, int height) {
	wlr_xdg_toplevel_set_size(TOPLEVEL_ARG(toplevel), width, height);
}

void compat_xdg_toplevel_set_activated(struct wlr_xdg_toplevel *toplevel, bool activated) {
	wlr_xdg_toplevel_set_activated(TOPLEVEL_ARG(toplevel), activated);
}

void compat_xdg_toplevel_set_fullscreen(struct wlr_xdg_toplevel *toplevel, bool fullscreen) {
	wlr_xdg_toplevel_set_fullscreen(TOPLEVEL_ARG(toplevel), fullscreen);
}

struct wl_signal *compat_xdg_toplevel_request_fullscreen_signal(struct wlr_xdg_toplevel *toplevel) {
	return &toplevel->events.request_fullscreen;
}

struct wl_signal *compat_xdg_toplevel_request_maximize_signal(struct wlr_xdg_toplevel *toplevel) {
	return &toplevel->events.request_maximize;
}

/* Input */

struct wlr_keyboard *compat_keyboard_from_input_device(struct wlr_input_device *device) {
	assert(device->type == WLR_INPUT_DEVICE_KEYBOARD);
#if COMPAT_WLR_AT_LEAST(0, 16)
	return wlr_keyboard_from_input_device(device);
#else
	return device->keyboard;
#endif
}

void compat_seat_set_keyboard(struct wlr_seat *seat, struct wlr_input_device *device) {
#if COMPAT_WLR_AT_LEAST(0, 16)
	wlr_seat_set_keyboard(seat, wlr_keyboard_from_input_device(device));
#else
	wlr_seat_set_keyboard(seat, device);
#endif
}
