/*
 * Views: xdg-shell toplevels, stacked from the layout's origin, fullscreen on request, and
 * their popups.
 *
 * Every wlroots release reaches this file through compat.h. Two lifecycle differences shape it:
 * from 0.18 the compositor sends the initial configure itself, in answer to the initial commit
 * (so a fullscreen request made before then is held until it), and a toplevel can be destroyed
 * before its xdg_surface (so a view follows the toplevel's destroy, not the surface's).
 */
#include <stdlib.h>

#include <wlr/types/wlr_output.h>
#include <wlr/types/wlr_output_layout.h>
#include <wlr/types/wlr_scene.h>
#include <wlr/types/wlr_seat.h>
#include <wlr/types/wlr_xdg_shell.h>
#include <wlr/util/box.h>
#include <wlr/util/log.h>

#include "reference.h"

struct popup {
	struct wlr_xdg_popup *wlr_popup;
	struct wl_listener commit;
	struct wl_listener destroy;
};

static void view_get_box(struct view *view, struct wlr_box *box) {
	struct wlr_box geometry;
	compat_xdg_surface_get_geometry(view->xdg_surface, &geometry);
	int x, y;
	compat_scene_node_get_position(&view->tree->node, &x, &y);
	*box = (struct wlr_box){
		.x = x,
		.y = y,
		.width = geometry.width,
		.height = geometry.height,
	};
}

/*
 * A fullscreen view covers its output alone: its output's background and the other views on
 * that output are disabled, not merely stacked below it, because wlr_scene only scans a surface
 * out directly when it is the one enabled node intersecting the output.
 */
void server_arrange(struct server *server) {
	struct output *output;
	wl_list_for_each(output, &server->outputs, link) {
		output->fullscreen = NULL;
	}
	// The most recently focused fullscreen view of each output wins.
	struct view *view;
	wl_list_for_each(view, &server->views, link) {
		output = view->fullscreen_output;
		if (view->mapped && output != NULL && output->fullscreen == NULL) {
			output->fullscreen = view;
			wlr_scene_node_raise_to_top(&view->tree->node);
		}
	}
	wl_list_for_each(output, &server->outputs, link) {
		wlr_scene_node_set_enabled(&output->background->node, output->fullscreen == NULL);
	}

	wl_list_for_each(view, &server->views, link) {
		struct wlr_box view_box;
		view_get_box(view, &view_box);
		bool covered = false;
		wl_list_for_each(output, &server->outputs, link) {
			if (output->fullscreen == NULL || output->fullscreen == view) {
				continue;
			}
			struct wlr_box output_box, intersection;
			compat_output_layout_get_box(server->output_layout, output->wlr_output, &output_box);
			if (wlr_box_intersection(&intersection, &view_box, &output_box)) {
				covered = true;
				break;
			}
		}
		wlr_scene_node_set_enabled(&view->tree->node, !covered);
	}
}

static void view_focus(struct view *view) {
	struct server *server = view->server;
	struct wlr_surface *surface = compat_xdg_surface_surface(view->xdg_surface);
	struct wlr_surface *previous = server->seat->keyboard_state.focused_surface;
	if (previous == surface) {
		return;
	}
	struct wlr_xdg_toplevel *previous_toplevel = compat_xdg_surface_toplevel(
			compat_xdg_surface_try_from_surface(previous));
	if (previous_toplevel != NULL) {
		compat_xdg_toplevel_set_activated(previous_toplevel, false);
	}

	wl_list_remove(&view->link);
	wl_list_insert(&server->views, &view->link);
	wlr_scene_node_raise_to_top(&view->tree->node);
	compat_xdg_toplevel_set_activated(view->toplevel, true);

	struct wlr_keyboard *keyboard = wlr_seat_get_keyboard(server->seat);
	if (keyboard != NULL) {
		wlr_seat_keyboard_notify_enter(server->seat, surface, keyboard->keycodes,
				keyboard->num_keycodes, &keyboard->modifiers);
	} else {
		wlr_seat_keyboard_notify_enter(server->seat, surface, NULL, 0, NULL);
	}
}

// Gives the keyboard to the most recent mapped view that is not hidden, if any.
static void server_focus_next(struct server *server) {
	struct view *view;
	wl_list_for_each(view, &server->views, link) {
		if (view->mapped && compat_scene_node_is_enabled(&view->tree->node)) {
			view_focus(view);
			return;
		}
	}
	wlr_seat_keyboard_notify_clear_focus(server->seat);
}

void view_set_fullscreen(struct view *view, struct output *output) {
	struct wlr_xdg_toplevel *toplevel = view->toplevel;
	view->fullscreen_output = output;
	if (output != NULL) {
		struct wlr_box box;
		compat_output_layout_get_box(view->server->output_layout, output->wlr_output, &box);
		compat_xdg_toplevel_set_fullscreen(toplevel, true);
		compat_xdg_toplevel_set_size(toplevel, box.width, box.height);
		wlr_scene_node_set_position(&view->tree->node, box.x, box.y);
	} else {
		compat_xdg_toplevel_set_fullscreen(toplevel, false);
		compat_xdg_toplevel_set_size(toplevel, 0, 0);
		wlr_scene_node_set_position(&view->tree->node, view->x, view->y);
	}
	server_arrange(view->server);
}

/*
 * Follows what the client asked for. Before the initial commit (0.18 and later) nothing may be
 * configured yet: the request is held, and the initial commit applies it.
 */
static void view_apply_requested_fullscreen(struct view *view) {
	if (!compat_xdg_surface_can_configure(view->xdg_surface)) {
		return;
	}
	struct wlr_output *requested_output;
	bool fullscreen = compat_xdg_toplevel_requested_fullscreen(view->toplevel, &requested_output);
	struct output *output = NULL;
	if (fullscreen) {
		if (requested_output != NULL && requested_output->data != NULL) {
			output = requested_output->data;
		} else {
			output = server_output_at(view->server, view->x, view->y);
		}
		if (output == NULL) {
			// No output to cover; the client still gets the configure it waits for.
			wlr_xdg_surface_schedule_configure(view->xdg_surface);
			return;
		}
	}
	view_set_fullscreen(view, output);
}

static void view_handle_map(struct wl_listener *listener, void *data) {
	struct view *view = wl_container_of(listener, view, map);
	view->mapped = true;
	server_arrange(view->server);
	// A view that opens behind a fullscreen one does not take the keyboard from it.
	if (compat_scene_node_is_enabled(&view->tree->node)) {
		view_focus(view);
	}
}

static void view_handle_unmap(struct wl_listener *listener, void *data) {
	struct view *view = wl_container_of(listener, view, unmap);
	struct server *server = view->server;
	view->mapped = false;
	server_arrange(server);
	if (server->seat->keyboard_state.focused_surface ==
			compat_xdg_surface_surface(view->xdg_surface)) {
		server_focus_next(server);
	}
}

static void view_handle_commit(struct wl_listener *listener, void *data) {
	struct view *view = wl_container_of(listener, view, commit);
	if (compat_xdg_surface_is_initial_commit(view->xdg_surface)) {
		// The initial configure: fullscreen if the client asked before this commit (so
		// that its first buffer can have the output's size), else a size of its choosing.
		struct wlr_output *requested_output;
		if (compat_xdg_toplevel_requested_fullscreen(view->toplevel, &requested_output)) {
			view_apply_requested_fullscreen(view);
		} else {
			compat_xdg_toplevel_set_size(view->toplevel, 0, 0);
		}
		return;
	}
	// A view that grows into an output covered by a fullscreen view has to be hidden.
	struct output *output;
	wl_list_for_each(output, &view->server->outputs, link) {
		if (output->fullscreen != NULL) {
			server_arrange(view->server);
			return;
		}
	}
}

static void view_handle_request_fullscreen(struct wl_listener *listener, void *data) {
	struct view *view = wl_container_of(listener, view, request_fullscreen);
	view_apply_requested_fullscreen(view);
}

static void view_handle_request_maximize(struct wl_listener *listener, void *data) {
	struct view *view = wl_container_of(listener, view, request_maximize);
	// Not supported, but xdg-shell still owes the client a configure in answer (once the
	// initial one may go).
	if (compat_xdg_surface_can_configure(view->xdg_surface)) {
		wlr_xdg_surface_schedule_configure(view->xdg_surface);
	}
}

static void view_handle_destroy(struct wl_listener *listener, void *data) {
	struct view *view = wl_container_of(listener, view, destroy);
	wl_list_remove(&view->map.link);
	wl_list_remove(&view->unmap.link);
	wl_list_remove(&view->commit.link);
	wl_list_remove(&view->destroy.link);
	wl_list_remove(&view->request_fullscreen.link);
	wl_list_remove(&view->request_maximize.link);
	wl_list_remove(&view->link);
	// The tree that held wlroots' surface tree; that one goes with it if the xdg_surface
	// outlives its toplevel, or went with the surface already.
	wlr_scene_node_destroy(&view->tree->node);
	view->xdg_surface->data = NULL;
	free(view);
}

static void popup_handle_commit(struct wl_listener *listener, void *data) {
	struct popup *popup = wl_container_of(listener, popup, commit);
	struct wlr_xdg_surface *base = compat_xdg_popup_base(popup->wlr_popup);
	if (compat_xdg_surface_is_initial_commit(base)) {
		// The popup's place was set by its positioner: the configure just confirms it.
		wlr_xdg_surface_schedule_configure(base);
	}
}

static void popup_handle_destroy(struct wl_listener *listener, void *data) {
	struct popup *popup = wl_container_of(listener, popup, destroy);
	wl_list_remove(&popup->commit.link);
	wl_list_remove(&popup->destroy.link);
	free(popup);
}

void view_handle_new_popup(struct compat_xdg_shell_events *events,
		struct wlr_xdg_popup *wlr_popup) {
	struct wlr_xdg_surface *base = compat_xdg_popup_base(wlr_popup);
	struct popup *popup = calloc(1, sizeof(*popup));
	if (popup == NULL) {
		wlr_log(WLR_ERROR, "Out of memory for a popup");
		wl_resource_post_no_memory(base->resource);
		return;
	}
	popup->wlr_popup = wlr_popup;
	popup->commit.notify = popup_handle_commit;
	wl_signal_add(&compat_xdg_surface_surface(base)->events.commit, &popup->commit);
	popup->destroy.notify = popup_handle_destroy;
	wl_signal_add(compat_xdg_popup_destroy_signal(wlr_popup), &popup->destroy);

	// A popup goes into the tree of its parent, which holds that tree in its data field.
	struct wlr_xdg_surface *parent = compat_xdg_surface_try_from_surface(
			compat_xdg_popup_parent(wlr_popup));
	if (parent == NULL || parent->data == NULL) {
		wlr_log(WLR_DEBUG, "Popup without an xdg_surface parent in the scene; not shown");
		return;
	}
	base->data = compat_scene_xdg_surface_create(parent->data, base);
	if (base->data == NULL) {
		wlr_log(WLR_ERROR, "Failed to add a popup to the scene");
	}
}

void view_handle_new_toplevel(struct compat_xdg_shell_events *events,
		struct wlr_xdg_toplevel *toplevel) {
	struct server *server = wl_container_of(events, server, xdg_shell_events);
	struct wlr_xdg_surface *xdg_surface = compat_xdg_toplevel_base(toplevel);
	struct view *view = calloc(1, sizeof(*view));
	if (view == NULL) {
		wlr_log(WLR_ERROR, "Out of memory for a toplevel");
		wl_resource_post_no_memory(xdg_surface->resource);
		return;
	}
	view->server = server;
	view->toplevel = toplevel;
	view->xdg_surface = xdg_surface;
	view->tree = compat_scene_tree_create(server->view_tree);
	if (view->tree == NULL) {
		goto error_view;
	}
	view->surface_tree = compat_scene_xdg_surface_create(view->tree, xdg_surface);
	if (view->surface_tree == NULL) {
		goto error_tree;
	}
	xdg_surface->data = view->surface_tree;
	// New toplevels start at the layout's origin.
	wlr_scene_node_set_position(&view->tree->node, view->x, view->y);
	wl_list_insert(server->views.prev, &view->link);

	view->map.notify = view_handle_map;
	wl_signal_add(compat_xdg_surface_map_signal(xdg_surface), &view->map);
	view->unmap.notify = view_handle_unmap;
	wl_signal_add(compat_xdg_surface_unmap_signal(xdg_surface), &view->unmap);
	view->commit.notify = view_handle_commit;
	wl_signal_add(&compat_xdg_surface_surface(xdg_surface)->events.commit, &view->commit);
	view->destroy.notify = view_handle_destroy;
	wl_signal_add(compat_xdg_toplevel_destroy_signal(toplevel), &view->destroy);
	view->request_fullscreen.notify = view_handle_request_fullscreen;
	wl_signal_add(compat_xdg_toplevel_request_fullscreen_signal(toplevel),
			&view->request_fullscreen);
	view->request_maximize.notify = view_handle_request_maximize;
	wl_signal_add(compat_xdg_toplevel_request_maximize_signal(toplevel), &view->request_maximize);

	// With wlroots 0.15 a client may have asked for fullscreen before its first commit, and
	// the initial configure is wlroots' own: answer in it. Later releases apply it in
	// view_handle_commit.
	struct wlr_output *requested_output;
	if (compat_xdg_toplevel_requested_fullscreen(toplevel, &requested_output)) {
		view_apply_requested_fullscreen(view);
	}
	return;

error_tree:
	wlr_scene_node_destroy(&view->tree->node);
error_view:
	free(view);
	wlr_log(WLR_ERROR, "Failed to add a toplevel to the scene");
	wl_resource_post_no_memory(xdg_surface->resource);
}
