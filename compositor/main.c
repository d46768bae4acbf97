/*
 * iosurface-compositor: the reference compositor of the iosurface_v1 module.
 *
 * A small wlroots compositor built on the scene graph: xdg-shell toplevels stacked from the
 * layout's origin, fullscreen on request, a keyboard if there is one, no pointer. It runs
 * headless (pixman, one output of a chosen size) where there is no display to open, and on
 * whatever wlroots picks (DRM, Wayland, X11) otherwise. wlr-screencopy and xdg-output let
 * grim read back what is shown; --debug-scanout says, for every frame, whether an iosurface
 * went to the output directly.
 */
#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <wayland-server-core.h>
#include <wlr/backend.h>
#include <wlr/backend/headless.h>
#include <wlr/render/allocator.h>
#include <wlr/render/pixman.h>
#include <wlr/render/wlr_renderer.h>
#include <wlr/types/wlr_buffer.h>
#include <wlr/types/wlr_data_device.h>
#include <wlr/types/wlr_input_device.h>
#include <wlr/types/wlr_keyboard.h>
#include <wlr/types/wlr_output.h>
#include <wlr/types/wlr_output_layout.h>
#include <wlr/types/wlr_scene.h>
#include <wlr/types/wlr_screencopy_v1.h>
#include <wlr/types/wlr_seat.h>
#include <wlr/types/wlr_xdg_output_v1.h>
#include <wlr/types/wlr_xdg_shell.h>
#include <wlr/util/box.h>
#include <wlr/util/log.h>
#include <xkbcommon/xkbcommon.h>

#include "iosurface/server.h"
#include "wlr-compat.h"

#define DEFAULT_WIDTH 1280
#define DEFAULT_HEIGHT 720
#define MAX_OUTPUT_SIZE 16384

// Exit statuses of the compositor itself; with -s the command's status is used instead.
#define EXIT_STARTUP_FAILED 1
#define EXIT_USAGE 2

static const float background_color[4] = { 0x20 / 255.0f, 0x20 / 255.0f, 0x20 / 255.0f, 1.0f };

struct server {
	struct wl_display *display;
	struct wlr_backend *backend;
	struct wlr_renderer *renderer;
	struct wlr_allocator *allocator;
	struct wlr_output_layout *output_layout;
	struct wlr_scene *scene;
	struct wlr_scene_tree *background_tree; // one rect per output, under the views
	struct wlr_scene_tree *view_tree;
	struct wlr_xdg_shell *xdg_shell;
	struct wlr_seat *seat;
	struct iosurface_server *iosurface;

	struct wl_list outputs; // output.link
	struct wl_list views; // view.link, most recently focused first
	struct wl_list keyboards; // keyboard.link

	struct wl_listener new_output;
	struct wl_listener new_input;
	struct wl_listener layout_change;
	struct wl_listener new_xdg_surface;
	struct wl_listener request_set_selection;

	struct wl_event_source *sigint_source;
	struct wl_event_source *sigterm_source;
	struct wl_event_source *sigusr1_source;
	struct wl_event_source *sigusr2_source;
	struct wl_event_source *sigchld_source;

	const char *socket;
	bool debug_scanout;
	pid_t child; // the -s command while it runs, else 0
	int child_status; // its exit status once it exited, else -1
	int stop_signal; // SIGINT or SIGTERM once one stopped us, else 0
	struct rlimit nofile; // RLIMIT_NOFILE as we found it, given back to the child
};

// What an output commit puts on screen, for --debug-scanout.
enum shown {
	SHOWN_NOTHING,
	SHOWN_COMPOSITED, // a frame rendered by the compositor
	SHOWN_IOSURFACE, // an iosurface_v1 buffer, scanned out directly
	SHOWN_CLIENT_BUFFER, // another client buffer (wl_shm, dma-buf), scanned out directly
};

struct output {
	struct server *server;
	struct wlr_output *wlr_output;
	struct wlr_scene_output *scene_output;
	struct wlr_scene_rect *background;
	struct view *fullscreen; // the view covering this output, if any
	enum shown shown; // by the commit under way
	uint32_t shown_id; // with SHOWN_IOSURFACE
	struct wl_list link; // server.outputs

	struct wl_listener frame;
	struct wl_listener precommit;
	struct wl_listener commit;
	struct wl_listener destroy;
};

struct view {
	struct server *server;
	struct wlr_xdg_surface *xdg_surface;
	struct wlr_scene_tree *tree; // ours: shown or hidden by server_arrange
	struct wlr_scene_tree *surface_tree; // wlroots': follows the surface's mapped state
	struct wl_list link; // server.views
	bool mapped;
	int x, y; // layout position when not fullscreen
	struct output *fullscreen_output; // NULL unless fullscreen

	struct wl_listener map;
	struct wl_listener unmap;
	struct wl_listener commit;
	struct wl_listener destroy;
	struct wl_listener request_fullscreen;
	struct wl_listener request_maximize;
};

struct keyboard {
	struct server *server;
	struct wlr_input_device *device;
	struct wlr_keyboard *wlr_keyboard;
	struct wl_list link; // server.keyboards

	struct wl_listener modifiers;
	struct wl_listener key;
	struct wl_listener destroy;
};

/* Views */

static void view_get_box(struct view *view, struct wlr_box *box) {
	struct wlr_box geometry;
	wlr_xdg_surface_get_geometry(view->xdg_surface, &geometry);
	*box = (struct wlr_box){
		.x = view->tree->node.state.x,
		.y = view->tree->node.state.y,
		.width = geometry.width,
		.height = geometry.height,
	};
}

/*
 * Shows what each output should show. A fullscreen view covers its output alone: its output's
 * background and the other views on that output are disabled, not merely stacked below it,
 * because wlr_scene only scans a surface out directly when it is the one enabled node
 * intersecting the output (wlroots 0.15 scene_output_scanout counts them).
 */
static void server_arrange(struct server *server) {
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
			ios_compat_output_layout_get_box(server->output_layout, output->wlr_output, &output_box);
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
	struct wlr_surface *surface = view->xdg_surface->surface;
	struct wlr_surface *previous = server->seat->keyboard_state.focused_surface;
	if (previous == surface) {
		return;
	}
	struct wlr_xdg_surface *previous_xdg = ios_compat_xdg_surface_try_from_surface(previous);
	if (previous_xdg != NULL && previous_xdg->role == WLR_XDG_SURFACE_ROLE_TOPLEVEL) {
		ios_compat_xdg_toplevel_set_activated(previous_xdg->toplevel, false);
	}

	wl_list_remove(&view->link);
	wl_list_insert(&server->views, &view->link);
	wlr_scene_node_raise_to_top(&view->tree->node);
	ios_compat_xdg_toplevel_set_activated(view->xdg_surface->toplevel, true);

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
		if (view->mapped && view->tree->node.state.enabled) {
			view_focus(view);
			return;
		}
	}
	wlr_seat_keyboard_notify_clear_focus(server->seat);
}

static struct output *server_output_at(struct server *server, int x, int y) {
	struct wlr_output *wlr_output = wlr_output_layout_output_at(server->output_layout, x, y);
	if (wlr_output != NULL) {
		return wlr_output->data;
	}
	if (wl_list_empty(&server->outputs)) {
		return NULL;
	}
	struct output *output = wl_container_of(server->outputs.next, output, link);
	return output;
}

/*
 * Makes the view cover output (sized to it and placed at its origin), or, with output NULL,
 * puts it back where it was at the size the client chooses.
 */
static void view_set_fullscreen(struct view *view, struct output *output) {
	struct wlr_xdg_toplevel *toplevel = view->xdg_surface->toplevel;
	view->fullscreen_output = output;
	if (output != NULL) {
		struct wlr_box box;
		ios_compat_output_layout_get_box(view->server->output_layout, output->wlr_output, &box);
		ios_compat_xdg_toplevel_set_fullscreen(toplevel, true);
		ios_compat_xdg_toplevel_set_size(toplevel, box.width, box.height);
		wlr_scene_node_set_position(&view->tree->node, box.x, box.y);
	} else {
		ios_compat_xdg_toplevel_set_fullscreen(toplevel, false);
		ios_compat_xdg_toplevel_set_size(toplevel, 0, 0);
		wlr_scene_node_set_position(&view->tree->node, view->x, view->y);
	}
	server_arrange(view->server);
}

// Follows what the client asked for, before its first commit or since.
static void view_apply_requested_fullscreen(struct view *view) {
	struct wlr_xdg_toplevel_requested *requested = &view->xdg_surface->toplevel->requested;
	struct output *output = NULL;
	if (requested->fullscreen) {
		if (requested->fullscreen_output != NULL && requested->fullscreen_output->data != NULL) {
			output = requested->fullscreen_output->data;
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
	if (view->tree->node.state.enabled) {
		view_focus(view);
	}
}

static void view_handle_unmap(struct wl_listener *listener, void *data) {
	struct view *view = wl_container_of(listener, view, unmap);
	struct server *server = view->server;
	view->mapped = false;
	server_arrange(server);
	if (server->seat->keyboard_state.focused_surface == view->xdg_surface->surface) {
		server_focus_next(server);
	}
}

static void view_handle_commit(struct wl_listener *listener, void *data) {
	struct view *view = wl_container_of(listener, view, commit);
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
	// Not supported, but xdg-shell still owes the client a configure in answer.
	wlr_xdg_surface_schedule_configure(view->xdg_surface);
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
	// surface_tree went with the xdg_surface already; this is the tree that held it.
	wlr_scene_node_destroy(&view->tree->node);
	free(view);
}

static void server_new_popup(struct server *server, struct wlr_xdg_surface *xdg_surface) {
	// A popup goes into the tree of its parent, which holds that tree in its data field.
	struct wlr_xdg_surface *parent = ios_compat_xdg_surface_try_from_surface(
			xdg_surface->popup->parent);
	if (parent == NULL || parent->data == NULL) {
		wlr_log(WLR_DEBUG, "Popup without an xdg_surface parent in the scene; not shown");
		return;
	}
	xdg_surface->data = ios_compat_scene_xdg_surface_create(parent->data, xdg_surface);
	if (xdg_surface->data == NULL) {
		wlr_log(WLR_ERROR, "Failed to add a popup to the scene");
	}
}

static void server_new_toplevel(struct server *server, struct wlr_xdg_surface *xdg_surface) {
	struct view *view = calloc(1, sizeof(*view));
	if (view == NULL) {
		wlr_log(WLR_ERROR, "Out of memory for a toplevel");
		wl_resource_post_no_memory(xdg_surface->resource);
		return;
	}
	view->server = server;
	view->xdg_surface = xdg_surface;
	view->tree = ios_compat_scene_tree_create(server->view_tree);
	if (view->tree == NULL) {
		goto error_view;
	}
	view->surface_tree = ios_compat_scene_xdg_surface_create(view->tree, xdg_surface);
	if (view->surface_tree == NULL) {
		goto error_tree;
	}
	xdg_surface->data = view->surface_tree;
	// New toplevels start at the layout's origin.
	wlr_scene_node_set_position(&view->tree->node, view->x, view->y);
	wl_list_insert(server->views.prev, &view->link);

	view->map.notify = view_handle_map;
	wl_signal_add(ios_compat_xdg_surface_map_signal(xdg_surface), &view->map);
	view->unmap.notify = view_handle_unmap;
	wl_signal_add(ios_compat_xdg_surface_unmap_signal(xdg_surface), &view->unmap);
	view->commit.notify = view_handle_commit;
	wl_signal_add(&xdg_surface->surface->events.commit, &view->commit);
	view->destroy.notify = view_handle_destroy;
	wl_signal_add(&xdg_surface->events.destroy, &view->destroy);
	view->request_fullscreen.notify = view_handle_request_fullscreen;
	wl_signal_add(&xdg_surface->toplevel->events.request_fullscreen, &view->request_fullscreen);
	view->request_maximize.notify = view_handle_request_maximize;
	wl_signal_add(&xdg_surface->toplevel->events.request_maximize, &view->request_maximize);

	// A client may have asked for fullscreen before this first commit; answer in the
	// initial configure, so that its first buffer can already have the output's size.
	if (xdg_surface->toplevel->requested.fullscreen) {
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

static void server_handle_new_xdg_surface(struct wl_listener *listener, void *data) {
	struct server *server = wl_container_of(listener, server, new_xdg_surface);
	struct wlr_xdg_surface *xdg_surface = data;
	switch (xdg_surface->role) {
	case WLR_XDG_SURFACE_ROLE_TOPLEVEL:
		server_new_toplevel(server, xdg_surface);
		break;
	case WLR_XDG_SURFACE_ROLE_POPUP:
		server_new_popup(server, xdg_surface);
		break;
	case WLR_XDG_SURFACE_ROLE_NONE:
		break;
	}
}

/* Outputs */

static void output_handle_frame(struct wl_listener *listener, void *data) {
	struct output *output = wl_container_of(listener, output, frame);
	if (!ios_compat_scene_output_commit(output->scene_output)) {
		wlr_log(WLR_DEBUG, "Output %s: commit failed", output->wlr_output->name);
	}
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	wlr_scene_output_send_frame_done(output->scene_output, &now);
}

/*
 * --debug-scanout: what a commit shows is read at precommit and printed once the commit went
 * through. (In wlroots 0.15 the commit event has no buffer for direct scan-out.)
 */
static void output_handle_precommit(struct wl_listener *listener, void *data) {
	struct output *output = wl_container_of(listener, output, precommit);
	if (!output->server->debug_scanout) {
		return;
	}
	struct wlr_buffer *buffer = ios_compat_output_event_precommit_buffer(data);
	// When the scene scans a surface out, the output gets the surface's wlr_client_buffer
	// as is; a rendered frame is a buffer of the output's own swapchain.
	output->shown_id = 0;
	if (buffer == NULL) {
		output->shown = SHOWN_NOTHING;
	} else if ((output->shown_id = iosurface_server_surface_id_from_buffer(buffer)) != 0) {
		output->shown = SHOWN_IOSURFACE;
	} else if (wlr_client_buffer_get(buffer) != NULL) {
		output->shown = SHOWN_CLIENT_BUFFER;
	} else {
		output->shown = SHOWN_COMPOSITED;
	}
}

static void output_handle_commit(struct wl_listener *listener, void *data) {
	struct output *output = wl_container_of(listener, output, commit);
	if (!output->server->debug_scanout || !ios_compat_output_event_commit_has_buffer(data)) {
		return;
	}
	const char *name = output->wlr_output->name;
	switch (output->shown) {
	case SHOWN_NOTHING:
		return;
	case SHOWN_IOSURFACE:
		printf("scanout %s iosurface %" PRIu32 "\n", name, output->shown_id);
		break;
	case SHOWN_CLIENT_BUFFER:
		printf("scanout %s client\n", name);
		break;
	case SHOWN_COMPOSITED:
		printf("scanout %s composited\n", name);
		break;
	}
	fflush(stdout);
	output->shown = SHOWN_NOTHING;
}

static void output_handle_destroy(struct wl_listener *listener, void *data) {
	struct output *output = wl_container_of(listener, output, destroy);
	struct server *server = output->server;
	wl_list_remove(&output->frame.link);
	wl_list_remove(&output->precommit.link);
	wl_list_remove(&output->commit.link);
	wl_list_remove(&output->destroy.link);
	wl_list_remove(&output->link);
	output->wlr_output->data = NULL;
	// The scene output is an addon of the wlr_output and goes with it.
	if (server->scene != NULL) {
		wlr_scene_node_destroy(&output->background->node);
	}
	struct view *view, *tmp;
	wl_list_for_each_safe(view, tmp, &server->views, link) {
		if (view->fullscreen_output == output) {
			view_set_fullscreen(view, NULL);
		}
	}
	free(output);
}

// Places each output's viewport and background where the layout has put the output.
static void server_handle_layout_change(struct wl_listener *listener, void *data) {
	struct server *server = wl_container_of(listener, server, layout_change);
	struct output *output;
	wl_list_for_each(output, &server->outputs, link) {
		struct wlr_box box;
		ios_compat_output_layout_get_box(server->output_layout, output->wlr_output, &box);
		wlr_scene_output_set_position(output->scene_output, box.x, box.y);
		wlr_scene_node_set_position(&output->background->node, box.x, box.y);
		wlr_scene_rect_set_size(output->background, box.width, box.height);
	}
	// Outputs moved or changed size: fullscreen views follow theirs.
	struct view *view;
	wl_list_for_each(view, &server->views, link) {
		if (view->fullscreen_output != NULL) {
			view_set_fullscreen(view, view->fullscreen_output);
		}
	}
	server_arrange(server);
}

static void server_handle_new_output(struct wl_listener *listener, void *data) {
	struct server *server = wl_container_of(listener, server, new_output);
	struct wlr_output *wlr_output = data;

	// Render with our renderer, into buffers from our allocator.
	if (!wlr_output_init_render(wlr_output, server->allocator, server->renderer)) {
		wlr_log(WLR_ERROR, "Output %s: cannot render to it", wlr_output->name);
		return;
	}
	// Turn it on: its preferred mode, or for a headless output the size it was made with.
	if (!ios_compat_output_enable(wlr_output)) {
		wlr_log(WLR_ERROR, "Output %s: cannot enable it", wlr_output->name);
		return;
	}

	struct output *output = calloc(1, sizeof(*output));
	if (output == NULL) {
		wlr_log(WLR_ERROR, "Out of memory for output %s", wlr_output->name);
		return;
	}
	output->server = server;
	output->wlr_output = wlr_output;

	// Its viewport on the scene, and the background under every view on it.
	output->scene_output = wlr_scene_output_create(server->scene, wlr_output);
	if (output->scene_output == NULL) {
		goto error_output;
	}
	output->background = ios_compat_scene_rect_create(server->background_tree, wlr_output->width,
			wlr_output->height, background_color);
	if (output->background == NULL) {
		goto error_scene_output;
	}

	wlr_output->data = output;
	output->frame.notify = output_handle_frame;
	wl_signal_add(&wlr_output->events.frame, &output->frame);
	output->precommit.notify = output_handle_precommit;
	wl_signal_add(&wlr_output->events.precommit, &output->precommit);
	output->commit.notify = output_handle_commit;
	wl_signal_add(&wlr_output->events.commit, &output->commit);
	output->destroy.notify = output_handle_destroy;
	wl_signal_add(&wlr_output->events.destroy, &output->destroy);
	wl_list_insert(server->outputs.prev, &output->link);

	// Place it right of the others; this emits the layout change that positions it.
	wlr_output_layout_add_auto(server->output_layout, wlr_output);
	wlr_log(WLR_INFO, "Output %s: %dx%d", wlr_output->name, wlr_output->width, wlr_output->height);
	return;

error_scene_output:
	wlr_scene_output_destroy(output->scene_output);
error_output:
	free(output);
	wlr_log(WLR_ERROR, "Output %s: cannot add it to the scene", wlr_output->name);
}

/* Input */

static void keyboard_handle_modifiers(struct wl_listener *listener, void *data) {
	struct keyboard *keyboard = wl_container_of(listener, keyboard, modifiers);
	// The seat sends to clients the state of its current keyboard; make it this one.
	ios_compat_seat_set_keyboard(keyboard->server->seat, keyboard->device);
	wlr_seat_keyboard_notify_modifiers(keyboard->server->seat, &keyboard->wlr_keyboard->modifiers);
}

static void keyboard_handle_key(struct wl_listener *listener, void *data) {
	struct keyboard *keyboard = wl_container_of(listener, keyboard, key);
	struct server *server = keyboard->server;
	struct ios_compat_keyboard_key_event *event = data;

	// Alt+Escape is the one binding of the compositor: without it a DRM or nested session
	// could not be left from the keyboard.
	uint32_t modifiers = wlr_keyboard_get_modifiers(keyboard->wlr_keyboard);
	if ((modifiers & WLR_MODIFIER_ALT) && event->state == WL_KEYBOARD_KEY_STATE_PRESSED) {
		const xkb_keysym_t *syms;
		// libinput keycodes are evdev codes; xkb's are offset by 8.
		int count = xkb_state_key_get_syms(keyboard->wlr_keyboard->xkb_state, event->keycode + 8,
				&syms);
		for (int i = 0; i < count; i++) {
			if (syms[i] == XKB_KEY_Escape) {
				wl_display_terminate(server->display);
				return;
			}
		}
	}

	ios_compat_seat_set_keyboard(server->seat, keyboard->device);
	wlr_seat_keyboard_notify_key(server->seat, event->time_msec, event->keycode, event->state);
}

static void server_update_capabilities(struct server *server) {
	uint32_t caps = 0;
	if (!wl_list_empty(&server->keyboards)) {
		caps |= WL_SEAT_CAPABILITY_KEYBOARD;
	}
	wlr_seat_set_capabilities(server->seat, caps);
}

static void keyboard_handle_destroy(struct wl_listener *listener, void *data) {
	struct keyboard *keyboard = wl_container_of(listener, keyboard, destroy);
	struct server *server = keyboard->server;
	wl_list_remove(&keyboard->modifiers.link);
	wl_list_remove(&keyboard->key.link);
	wl_list_remove(&keyboard->destroy.link);
	wl_list_remove(&keyboard->link);
	free(keyboard);
	server_update_capabilities(server);
}

static void server_new_keyboard(struct server *server, struct wlr_input_device *device) {
	struct wlr_keyboard *wlr_keyboard = ios_compat_keyboard_from_input_device(device);

	// The keymap comes from the XKB_DEFAULT_* variables, else xkbcommon's defaults.
	struct xkb_context *context = xkb_context_new(XKB_CONTEXT_NO_FLAGS);
	if (context == NULL) {
		wlr_log(WLR_ERROR, "Keyboard %s: cannot create an xkb context", device->name);
		return;
	}
	struct xkb_keymap *keymap = xkb_keymap_new_from_names(context, NULL,
			XKB_KEYMAP_COMPILE_NO_FLAGS);
	xkb_context_unref(context);
	if (keymap == NULL) {
		wlr_log(WLR_ERROR, "Keyboard %s: cannot compile a keymap", device->name);
		return;
	}
	bool keymap_set = wlr_keyboard_set_keymap(wlr_keyboard, keymap);
	xkb_keymap_unref(keymap);
	if (!keymap_set) {
		wlr_log(WLR_ERROR, "Keyboard %s: cannot set its keymap", device->name);
		return;
	}
	wlr_keyboard_set_repeat_info(wlr_keyboard, 25, 600);

	struct keyboard *keyboard = calloc(1, sizeof(*keyboard));
	if (keyboard == NULL) {
		wlr_log(WLR_ERROR, "Out of memory for keyboard %s", device->name);
		return;
	}
	keyboard->server = server;
	keyboard->device = device;
	keyboard->wlr_keyboard = wlr_keyboard;
	keyboard->modifiers.notify = keyboard_handle_modifiers;
	wl_signal_add(&wlr_keyboard->events.modifiers, &keyboard->modifiers);
	keyboard->key.notify = keyboard_handle_key;
	wl_signal_add(&wlr_keyboard->events.key, &keyboard->key);
	keyboard->destroy.notify = keyboard_handle_destroy;
	wl_signal_add(&device->events.destroy, &keyboard->destroy);
	wl_list_insert(&server->keyboards, &keyboard->link);

	ios_compat_seat_set_keyboard(server->seat, device);
	server_update_capabilities(server);
}

static void server_handle_new_input(struct wl_listener *listener, void *data) {
	struct server *server = wl_container_of(listener, server, new_input);
	struct wlr_input_device *device = data;
	if (device->type == WLR_INPUT_DEVICE_KEYBOARD) {
		server_new_keyboard(server, device);
	} else {
		// There is no cursor: pointers, touch and tablets are left alone.
		wlr_log(WLR_DEBUG, "Ignoring input device %s", device->name);
	}
}

static void server_handle_request_set_selection(struct wl_listener *listener, void *data) {
	struct server *server = wl_container_of(listener, server, request_set_selection);
	struct wlr_seat_request_set_selection_event *event = data;
	wlr_seat_set_selection(server->seat, event->source, event->serial);
}

/* Signals and the startup command */

static int handle_stop_signal(int signal_number, void *data) {
	struct server *server = data;
	wlr_log(WLR_INFO, "Stopping on signal %d", signal_number);
	server->stop_signal = signal_number;
	wl_display_terminate(server->display);
	return 0;
}

static int handle_sigusr1(int signal_number, void *data) {
	struct server *server = data;
	uint32_t purged = iosurface_server_purge_volatile(server->iosurface);
	wlr_log(WLR_INFO, "SIGUSR1: emptied %" PRIu32 " volatile surface%s", purged,
			purged == 1 ? "" : "s");
	return 0;
}

/*
 * SIGUSR2: one line of the module's totals on stdout, which the attack tests read to see
 * every surface and port of a client go when it does.
 */
static int handle_sigusr2(int signal_number, void *data) {
	struct server *server = data;
	struct iosurface_server_stats stats;
	iosurface_server_get_stats(server->iosurface, &stats);
	printf("stats surfaces %" PRIu32 " clients %" PRIu32 " ports %" PRIu32
			" unbound_ports %" PRIu32 " allocated_bytes %" PRIu64 " shown %" PRIu32 "\n",
			stats.surfaces, stats.clients, stats.ports, stats.unbound_ports,
			stats.allocated_bytes, stats.shown);
	fflush(stdout);
	return 0;
}

static int handle_sigchld(int signal_number, void *data) {
	struct server *server = data;
	if (server->child == 0) {
		return 0;
	}
	int status;
	pid_t pid;
	do {
		pid = waitpid(server->child, &status, WNOHANG);
	} while (pid < 0 && errno == EINTR);
	if (pid <= 0) {
		// The command still runs: the signal was for another child.
		return 0;
	}
	// What it left running in its process group would outlive the compositor.
	kill(-server->child, SIGTERM);
	server->child = 0;
	if (WIFSIGNALED(status)) {
		server->child_status = 128 + WTERMSIG(status);
	} else {
		server->child_status = WEXITSTATUS(status);
	}
	wlr_log(WLR_INFO, "Startup command exited with status %d", server->child_status);
	wl_display_terminate(server->display);
	return 0;
}

static pid_t spawn_startup(struct server *server, const char *command) {
	pid_t pid = fork();
	if (pid < 0) {
		wlr_log_errno(WLR_ERROR, "fork");
		return -1;
	}
	if (pid == 0) {
		// A process group of its own, so that all it starts can be stopped with it.
		setpgid(0, 0);
		// Undo what the compositor set for itself and exec would hand on: the signals the
		// event loop blocked to read them from a signalfd, ignored SIGPIPE, the raised
		// descriptor limit.
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		setrlimit(RLIMIT_NOFILE, &server->nofile);
		char *const argv[] = { "/bin/sh", "-c", (char *)command, NULL };
		execv("/bin/sh", argv);
		_exit(127);
	}
	// Also here: a kill from server_finish may come before the child has run at all.
	setpgid(pid, pid);
	return pid;
}

/* Command line */

struct options {
	bool headless;
	int width, height;
	const char *socket;
	const char *startup;
	bool debug_scanout;
	int verbosity;
	struct iosurface_server_options iosurface;
};

static void print_usage(FILE *f, const char *program) {
	fprintf(f,
			"Usage: %s [options]\n"
			"\n"
			"A wlroots compositor offering the iosurface_v1 protocol.\n"
			"\n"
			"  -s, --startup CMD          run CMD with /bin/sh -c when ready; exit with its status\n"
			"      --headless             no display: pixman, one headless output\n"
			"      --size WxH             headless output size (default %dx%d)\n"
			"      --socket NAME          listen on $XDG_RUNTIME_DIR/NAME (default: wayland-N)\n"
			"      --quota-bytes N[K|M|G] bytes of surfaces and values one client may have\n"
			"                             (0: a quarter of the memory)\n"
			"      --quota-count N        surfaces one client may create (0: the module's 4096)\n"
			"      --max-objects N        iosurface_v1 objects one client may hold\n"
			"      --max-handles-per-surface N  iosurface_v1 objects of one surface one\n"
			"                             process may hold (0: 256)\n"
			"      --max-params N         params objects the clients of one process may hold\n"
			"      --max-value-bytes N[K|M|G]  value bytes of one process's surfaces\n"
			"      --max-fds-per-process N  descriptors one process's surfaces and ports may\n"
			"                             hold (0: a quarter of the budget)\n"
			"      --max-ports N          live ports one client may have issued (0: 4096)\n"
			"      --allow-global-lookup  allow lookup of surfaces by global id (insecure)\n"
			"      --no-gbm               allocate every surface in memfd, never with GBM\n"
			"      --drm-device PATH      render node for GBM allocation\n"
			"      --debug-scanout        print what each output commit shows\n"
			"  -v, --verbose              log more (twice: debug)\n"
			"  -h, --help                 show this help\n",
			program, DEFAULT_WIDTH, DEFAULT_HEIGHT);
}

static bool parse_u64(const char *text, bool suffixes, uint64_t max, uint64_t *value) {
	// strtoull would take "-1" as ULLONG_MAX: accept digits only.
	if (text[0] < '0' || text[0] > '9') {
		return false;
	}
	errno = 0;
	char *end;
	unsigned long long n = strtoull(text, &end, 10);
	if (errno != 0) {
		return false;
	}
	unsigned shift = 0;
	if (suffixes && *end != '\0' && end[1] == '\0') {
		switch (*end) {
		case 'K':
		case 'k':
			shift = 10;
			break;
		case 'M':
		case 'm':
			shift = 20;
			break;
		case 'G':
		case 'g':
			shift = 30;
			break;
		default:
			return false;
		}
		end++;
	}
	if (*end != '\0' || n > (max >> shift)) {
		return false;
	}
	*value = (uint64_t)n << shift;
	return true;
}

static bool parse_size(const char *text, int *width, int *height) {
	uint64_t w, h;
	char buf[32];
	const char *x = strchr(text, 'x');
	if (x == NULL || (size_t)(x - text) >= sizeof(buf)) {
		return false;
	}
	memcpy(buf, text, x - text);
	buf[x - text] = '\0';
	if (!parse_u64(buf, false, MAX_OUTPUT_SIZE, &w) ||
			!parse_u64(x + 1, false, MAX_OUTPUT_SIZE, &h) || w == 0 || h == 0) {
		return false;
	}
	*width = (int)w;
	*height = (int)h;
	return true;
}

enum {
	OPT_HEADLESS = 256,
	OPT_SIZE,
	OPT_SOCKET,
	OPT_QUOTA_BYTES,
	OPT_QUOTA_COUNT,
	OPT_MAX_OBJECTS,
	OPT_MAX_HANDLES_PER_SURFACE,
	OPT_MAX_PARAMS,
	OPT_MAX_VALUE_BYTES,
	OPT_MAX_FDS_PER_PROCESS,
	OPT_MAX_PORTS,
	OPT_ALLOW_GLOBAL_LOOKUP,
	OPT_NO_GBM,
	OPT_DRM_DEVICE,
	OPT_DEBUG_SCANOUT,
};

// Returns -1 to go on, else the status to exit with.
static int parse_options(int argc, char *argv[], struct options *options) {
	static const struct option long_options[] = {
		{ "startup", required_argument, NULL, 's' },
		{ "headless", no_argument, NULL, OPT_HEADLESS },
		{ "size", required_argument, NULL, OPT_SIZE },
		{ "socket", required_argument, NULL, OPT_SOCKET },
		{ "quota-bytes", required_argument, NULL, OPT_QUOTA_BYTES },
		{ "quota-count", required_argument, NULL, OPT_QUOTA_COUNT },
		{ "max-objects", required_argument, NULL, OPT_MAX_OBJECTS },
		{ "max-handles-per-surface", required_argument, NULL, OPT_MAX_HANDLES_PER_SURFACE },
		{ "max-params", required_argument, NULL, OPT_MAX_PARAMS },
		{ "max-value-bytes", required_argument, NULL, OPT_MAX_VALUE_BYTES },
		{ "max-fds-per-process", required_argument, NULL, OPT_MAX_FDS_PER_PROCESS },
		{ "max-ports", required_argument, NULL, OPT_MAX_PORTS },
		{ "allow-global-lookup", no_argument, NULL, OPT_ALLOW_GLOBAL_LOOKUP },
		{ "no-gbm", no_argument, NULL, OPT_NO_GBM },
		{ "drm-device", required_argument, NULL, OPT_DRM_DEVICE },
		{ "debug-scanout", no_argument, NULL, OPT_DEBUG_SCANOUT },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *program = argv[0];
	bool no_gbm = false;
	uint64_t value;

	*options = (struct options){
		.width = DEFAULT_WIDTH,
		.height = DEFAULT_HEIGHT,
	};
	iosurface_server_options_init(&options->iosurface);

	int c;
	while ((c = getopt_long(argc, argv, "s:vh", long_options, NULL)) != -1) {
		switch (c) {
		case 's':
			options->startup = optarg;
			break;
		case OPT_HEADLESS:
			options->headless = true;
			break;
		case OPT_SIZE:
			if (!parse_size(optarg, &options->width, &options->height)) {
				fprintf(stderr,
						"%s: invalid --size '%s': expected WIDTHxHEIGHT, "
						"each from 1 to %d\n",
						program, optarg, MAX_OUTPUT_SIZE);
				return EXIT_USAGE;
			}
			break;
		case OPT_SOCKET:
			if (optarg[0] == '\0' || strchr(optarg, '/') != NULL) {
				fprintf(stderr, "%s: invalid --socket '%s': expected a name without '/'\n", program,
						optarg);
				return EXIT_USAGE;
			}
			options->socket = optarg;
			break;
		case OPT_QUOTA_BYTES:
		case OPT_MAX_VALUE_BYTES:
			if (!parse_u64(optarg, true, UINT64_MAX, &value)) {
				fprintf(stderr,
						"%s: invalid --%s '%s': expected a number of "
						"bytes, optionally followed by K, M or G\n",
						program, c == OPT_QUOTA_BYTES ? "quota-bytes" : "max-value-bytes", optarg);
				return EXIT_USAGE;
			}
			if (c == OPT_QUOTA_BYTES) {
				options->iosurface.quota_bytes = value;
			} else {
				options->iosurface.max_value_bytes_per_process = value;
			}
			break;
		case OPT_QUOTA_COUNT:
		case OPT_MAX_OBJECTS:
		case OPT_MAX_HANDLES_PER_SURFACE:
		case OPT_MAX_PARAMS:
		case OPT_MAX_FDS_PER_PROCESS: {
			uint32_t *field = &options->iosurface.max_fds_per_process;
			if (c == OPT_QUOTA_COUNT) {
				field = &options->iosurface.quota_count;
			} else if (c == OPT_MAX_OBJECTS) {
				field = &options->iosurface.max_objects_per_client;
			} else if (c == OPT_MAX_HANDLES_PER_SURFACE) {
				field = &options->iosurface.max_handles_per_surface;
			} else if (c == OPT_MAX_PARAMS) {
				field = &options->iosurface.max_params_per_process;
			}
			if (!parse_u64(optarg, false, UINT32_MAX, &value)) {
				const char *name = "";
				for (size_t i = 0; long_options[i].name != NULL; i++) {
					name = long_options[i].val == c ? long_options[i].name : name;
				}
				fprintf(stderr, "%s: invalid --%s '%s': expected a number from 0 to %" PRIu32 "\n",
						program, name, optarg, UINT32_MAX);
				return EXIT_USAGE;
			}
			*field = (uint32_t)value;
			break;
		}
		case OPT_MAX_PORTS:
			if (!parse_u64(optarg, false, UINT32_MAX, &value)) {
				fprintf(stderr,
						"%s: invalid --max-ports '%s': expected a number from 0 to %" PRIu32 "\n",
						program, optarg, UINT32_MAX);
				return EXIT_USAGE;
			}
			options->iosurface.max_ports_per_client = (uint32_t)value;
			break;
		case OPT_ALLOW_GLOBAL_LOOKUP:
			options->iosurface.allow_global_lookup = true;
			break;
		case OPT_NO_GBM:
			no_gbm = true;
			break;
		case OPT_DRM_DEVICE:
			options->iosurface.drm_device = optarg;
			break;
		case OPT_DEBUG_SCANOUT:
			options->debug_scanout = true;
			break;
		case 'v':
			options->verbosity++;
			break;
		case 'h':
			print_usage(stdout, program);
			return EXIT_SUCCESS;
		default:
			fprintf(stderr, "Try '%s --help'.\n", program);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'; try '%s --help'.\n", program, argv[optind],
				program);
		return EXIT_USAGE;
	}
	if (no_gbm) {
		if (options->iosurface.drm_device != NULL) {
			fprintf(stderr, "%s: --no-gbm and --drm-device exclude each other\n", program);
			return EXIT_USAGE;
		}
		// The module reads an empty device path as "never use GBM".
		options->iosurface.drm_device = "";
	}
	return -1;
}

/*
 * Headless when asked, when WLR_BACKENDS names only the headless backend (so that --size
 * applies), and when there is nothing else to open. The last case matters: as root with no
 * backend named, wlroots would start a seat session and wait for a DRM card.
 */
static bool want_headless(const struct options *options) {
	if (options->headless) {
		return true;
	}
	const char *backends = getenv("WLR_BACKENDS");
	if (backends != NULL) {
		return strcmp(backends, "headless") == 0;
	}
	return getenv("WAYLAND_DISPLAY") == NULL && getenv("DISPLAY") == NULL &&
			access("/dev/dri", F_OK) != 0;
}

// The module holds a descriptor per surface and per port: allow as many as the hard limit.
static void raise_nofile_limit(struct server *server) {
	if (getrlimit(RLIMIT_NOFILE, &server->nofile) != 0) {
		wlr_log_errno(WLR_ERROR, "getrlimit(RLIMIT_NOFILE)");
		server->nofile.rlim_cur = server->nofile.rlim_max = RLIM_INFINITY;
		return;
	}
	struct rlimit raised = server->nofile;
	raised.rlim_cur = raised.rlim_max;
	if (raised.rlim_cur != server->nofile.rlim_cur && setrlimit(RLIMIT_NOFILE, &raised) != 0) {
		wlr_log_errno(WLR_ERROR, "setrlimit(RLIMIT_NOFILE)");
	}
}

/*
 * Takes down whatever server_start made, clients first. Mostly the reverse order of creation,
 * with two exceptions: the backend goes before the layout, allocator and renderer, because
 * its outputs use all three; and the display goes before the allocator and renderer, because
 * globals (wl_drm, the iosurface module) hold the renderer until the display destroys them.
 */
static void server_finish(struct server *server) {
	if (server->display != NULL) {
		wl_display_destroy_clients(server->display);
	}
	if (server->child > 0) {
		// Stopped before the startup command ended: it has no compositor any more.
		kill(-server->child, SIGTERM);
	}
	struct wl_event_source *sources[] = {
		server->sigchld_source,
		server->sigusr2_source,
		server->sigusr1_source,
		server->sigterm_source,
		server->sigint_source,
	};
	for (size_t i = 0; i < sizeof(sources) / sizeof(sources[0]); i++) {
		if (sources[i] != NULL) {
			wl_event_source_remove(sources[i]);
		}
	}
	wl_list_remove(&server->new_input.link);
	wl_list_remove(&server->request_set_selection.link);
	wl_list_remove(&server->new_xdg_surface.link);
	wl_list_remove(&server->new_output.link);
	if (server->scene != NULL) {
		ios_compat_scene_destroy(server->scene);
		server->scene = NULL;
	}
	wl_list_remove(&server->layout_change.link);
	if (server->backend != NULL) {
		wlr_backend_destroy(server->backend);
	}
	if (server->output_layout != NULL) {
		wlr_output_layout_destroy(server->output_layout);
	}
	if (server->display != NULL) {
		wl_display_destroy(server->display);
	}
	if (server->allocator != NULL) {
		wlr_allocator_destroy(server->allocator);
	}
	if (server->renderer != NULL) {
		wlr_renderer_destroy(server->renderer);
	}
}

// Sets up everything up to a running backend and a listening socket. False on failure, logged.
static bool server_start(struct server *server, const struct options *options) {
	// The display: the socket, the globals, the event loop.
	server->display = wl_display_create();
	if (server->display == NULL) {
		wlr_log(WLR_ERROR, "Cannot create the Wayland display");
		return false;
	}
	struct wl_event_loop *loop = wl_display_get_event_loop(server->display);

	// The backend: outputs and input devices.
	bool headless = want_headless(options);
	if (headless) {
		server->backend = ios_compat_headless_backend_create(server->display);
		if (server->backend != NULL &&
				wlr_headless_add_output(server->backend, options->width, options->height) == NULL) {
			wlr_log(WLR_ERROR, "Cannot add a %dx%d headless output", options->width,
					options->height);
			return false;
		}
	} else {
		server->backend = ios_compat_backend_autocreate(server->display);
	}
	if (server->backend == NULL) {
		wlr_log(WLR_ERROR, "Cannot create the %s backend", headless ? "headless" : "wlroots");
		return false;
	}

	// The renderer, and wl_shm (plus linux-dmabuf and wl_drm where it can import dma-bufs).
	const char *renderer_name = getenv("WLR_RENDERER");
	if (headless && (renderer_name == NULL || strcmp(renderer_name, "pixman") == 0)) {
		// Headless renders with pixman unless WLR_RENDERER says otherwise: it needs no GPU.
		// (wlr_renderer_autocreate would first look for a DRM render node, and log an
		// error where there is none.)
		server->renderer = wlr_pixman_renderer_create();
	} else {
		server->renderer = wlr_renderer_autocreate(server->backend);
	}
	if (server->renderer == NULL) {
		wlr_log(WLR_ERROR, "Cannot create a renderer");
		return false;
	}
	if (!wlr_renderer_init_wl_display(server->renderer, server->display)) {
		wlr_log(WLR_ERROR, "Cannot create the buffer globals of the renderer");
		return false;
	}

	// The allocator of the buffers outputs are rendered into.
	server->allocator = wlr_allocator_autocreate(server->backend, server->renderer);
	if (server->allocator == NULL) {
		wlr_log(WLR_ERROR, "Cannot create an allocator");
		return false;
	}

	// wl_compositor, wl_subcompositor and wl_data_device_manager.
	if (!ios_compat_compositor_create(server->display, server->renderer) ||
			wlr_data_device_manager_create(server->display) == NULL) {
		wlr_log(WLR_ERROR, "Cannot create the core globals");
		return false;
	}

	// The output layout, xdg-output (so that clients such as grim know where outputs are)
	// and wlr-screencopy (so that they can read them back).
	server->output_layout = ios_compat_output_layout_create(server->display);
	if (server->output_layout == NULL ||
			wlr_xdg_output_manager_v1_create(server->display, server->output_layout) == NULL ||
			wlr_screencopy_manager_v1_create(server->display) == NULL) {
		wlr_log(WLR_ERROR, "Cannot create the output globals");
		return false;
	}
	server->layout_change.notify = server_handle_layout_change;
	wl_signal_add(&server->output_layout->events.change, &server->layout_change);

	// The scene: output backgrounds at the bottom, views above them.
	server->scene = wlr_scene_create();
	if (server->scene == NULL) {
		wlr_log(WLR_ERROR, "Cannot create the scene");
		return false;
	}
	server->background_tree = ios_compat_scene_add_tree(server->scene);
	server->view_tree = ios_compat_scene_add_tree(server->scene);
	if (server->background_tree == NULL || server->view_tree == NULL) {
		wlr_log(WLR_ERROR, "Cannot create the scene");
		return false;
	}

	// New outputs join the layout and the scene.
	server->new_output.notify = server_handle_new_output;
	wl_signal_add(&server->backend->events.new_output, &server->new_output);

	// xdg-shell: toplevels and popups.
	server->xdg_shell = ios_compat_xdg_shell_create(server->display);
	if (server->xdg_shell == NULL) {
		wlr_log(WLR_ERROR, "Cannot create xdg-shell");
		return false;
	}
	server->new_xdg_surface.notify = server_handle_new_xdg_surface;
	wl_signal_add(&server->xdg_shell->events.new_surface, &server->new_xdg_surface);

	// The seat, with the keyboards the backend finds.
	server->seat = wlr_seat_create(server->display, "seat0");
	if (server->seat == NULL) {
		wlr_log(WLR_ERROR, "Cannot create the seat");
		return false;
	}
	server->request_set_selection.notify = server_handle_request_set_selection;
	wl_signal_add(&server->seat->events.request_set_selection, &server->request_set_selection);
	server->new_input.notify = server_handle_new_input;
	wl_signal_add(&server->backend->events.new_input, &server->new_input);

	// The iosurface_manager_v1 global; it frees itself with the display.
	server->iosurface = iosurface_server_create(server->display, server->renderer,
			&options->iosurface);
	if (server->iosurface == NULL) {
		wlr_log(WLR_ERROR, "Cannot create the iosurface_manager_v1 global");
		return false;
	}

	// Signals, read from the event loop: stop, purge volatile surfaces, print the totals,
	// startup command done.
	server->sigint_source = wl_event_loop_add_signal(loop, SIGINT, handle_stop_signal, server);
	server->sigterm_source = wl_event_loop_add_signal(loop, SIGTERM, handle_stop_signal, server);
	server->sigusr1_source = wl_event_loop_add_signal(loop, SIGUSR1, handle_sigusr1, server);
	server->sigusr2_source = wl_event_loop_add_signal(loop, SIGUSR2, handle_sigusr2, server);
	server->sigchld_source = wl_event_loop_add_signal(loop, SIGCHLD, handle_sigchld, server);
	if (server->sigint_source == NULL || server->sigterm_source == NULL ||
			server->sigusr1_source == NULL || server->sigusr2_source == NULL ||
			server->sigchld_source == NULL) {
		wlr_log(WLR_ERROR, "Cannot watch signals");
		return false;
	}

	// The socket clients connect to.
	if (options->socket != NULL) {
		if (wl_display_add_socket(server->display, options->socket) != 0) {
			wlr_log(WLR_ERROR,
					"Cannot listen on socket %s (in use, or XDG_RUNTIME_DIR "
					"unusable)",
					options->socket);
			return false;
		}
		server->socket = options->socket;
	} else {
		server->socket = wl_display_add_socket_auto(server->display);
		if (server->socket == NULL) {
			wlr_log(WLR_ERROR, "Cannot find a free socket name in XDG_RUNTIME_DIR");
			return false;
		}
	}

	// Start the backend: outputs and input devices appear now.
	if (!wlr_backend_start(server->backend)) {
		wlr_log(WLR_ERROR, "Cannot start the backend");
		return false;
	}
	return true;
}

int main(int argc, char *argv[]) {
	struct options options;
	int status = parse_options(argc, argv, &options);
	if (status >= 0) {
		return status;
	}
	enum wlr_log_importance log_level = WLR_ERROR;
	if (options.verbosity == 1) {
		log_level = WLR_INFO;
	} else if (options.verbosity > 1) {
		log_level = WLR_DEBUG;
	}
	wlr_log_init(log_level, NULL);

	struct server server = {
		.debug_scanout = options.debug_scanout,
		.child_status = -1,
	};
	wl_list_init(&server.outputs);
	wl_list_init(&server.views);
	wl_list_init(&server.keyboards);
	// So that server_finish can remove every listener, added or not.
	wl_list_init(&server.new_output.link);
	wl_list_init(&server.new_input.link);
	wl_list_init(&server.layout_change.link);
	wl_list_init(&server.new_xdg_surface.link);
	wl_list_init(&server.request_set_selection.link);

	// A client or a startup command that goes away must not kill us with a write.
	struct sigaction ignore = { .sa_handler = SIG_IGN };
	sigemptyset(&ignore.sa_mask);
	sigaction(SIGPIPE, &ignore, NULL);
	raise_nofile_limit(&server);

	if (!server_start(&server, &options)) {
		server_finish(&server);
		return EXIT_STARTUP_FAILED;
	}

	// Ready: say where, then run the startup command.
	setenv("WAYLAND_DISPLAY", server.socket, 1);
	printf("WAYLAND_DISPLAY=%s\n", server.socket);
	fflush(stdout);
	if (options.startup != NULL) {
		server.child = spawn_startup(&server, options.startup);
		if (server.child < 0) {
			server.child = 0;
			server_finish(&server);
			return EXIT_STARTUP_FAILED;
		}
	}
	wlr_log(WLR_INFO, "Running on WAYLAND_DISPLAY=%s", server.socket);
	wl_display_run(server.display);

	if (server.child_status >= 0) {
		status = server.child_status;
	} else if (server.child > 0 && server.stop_signal != 0) {
		// Stopped before the command finished: its outcome is unknown, so is ours.
		status = 128 + server.stop_signal;
	} else {
		status = EXIT_SUCCESS;
	}
	server_finish(&server);
	return status;
}
