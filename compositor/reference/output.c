/*
 * Outputs: each joins the layout and the scene with a background under the views. With
 * --debug-scanout every commit says what it shows; with --debug-outputs SIGUSR2 adds or
 * removes a headless output, for tests of what happens to views and iosurfaces on it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <wlr/backend/headless.h>
#include <wlr/render/allocator.h>
#include <wlr/types/wlr_buffer.h>
#include <wlr/types/wlr_output.h>
#include <wlr/types/wlr_output_layout.h>
#include <wlr/types/wlr_scene.h>
#include <wlr/util/box.h>
#include <wlr/util/log.h>

#include "reference.h"

static const float background_color[4] = { 0x20 / 255.0f, 0x20 / 255.0f, 0x20 / 255.0f, 1.0f };

struct output *server_output_at(struct server *server, int x, int y) {
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

static void output_handle_frame(struct wl_listener *listener, void *data) {
	struct output *output = wl_container_of(listener, output, frame);
	if (!compat_scene_output_commit(output->scene_output)) {
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
	struct wlr_buffer *buffer = compat_output_precommit_buffer(data);
	// When the scene scans a surface out, the output gets the surface's wlr_client_buffer
	// as is; a rendered frame is a buffer of the output's own swapchain.
	output->shown_id = 0;
	if (buffer == NULL) {
		output->shown = SHOWN_NOTHING;
	} else if ((output->shown_id = iosurface_server_surface_id_from_buffer(buffer)) != 0) {
		output->shown = SHOWN_IOSURFACE;
	} else if (compat_buffer_is_client_buffer(buffer)) {
		output->shown = SHOWN_CLIENT_BUFFER;
	} else {
		output->shown = SHOWN_COMPOSITED;
	}
}

static void output_handle_commit(struct wl_listener *listener, void *data) {
	struct output *output = wl_container_of(listener, output, commit);
	if (!output->server->debug_scanout || !compat_output_commit_has_buffer(data)) {
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
	// The scene output would go with the wlr_output, but only after this: destroy it first, or
	// removing the background would damage an output that is being destroyed. (Without a
	// scene, at the end, both went with it.)
	if (server->scene != NULL) {
		wlr_scene_output_destroy(output->scene_output);
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
void output_handle_layout_change(struct wl_listener *listener, void *data) {
	struct server *server = wl_container_of(listener, server, layout_change);
	struct output *output;
	wl_list_for_each(output, &server->outputs, link) {
		struct wlr_box box;
		compat_output_layout_get_box(server->output_layout, output->wlr_output, &box);
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

void output_handle_new(struct wl_listener *listener, void *data) {
	struct server *server = wl_container_of(listener, server, new_output);
	struct wlr_output *wlr_output = data;

	// Render with our renderer, into buffers from our allocator.
	if (!wlr_output_init_render(wlr_output, server->allocator, server->renderer)) {
		wlr_log(WLR_ERROR, "Output %s: cannot render to it", wlr_output->name);
		return;
	}
	// Turn it on: its preferred mode, or for a headless output the size it was made with; a
	// display given --size gets a mode of that size if it takes one.
	bool enabled = false;
	if (!server->headless && server->output_size_given) {
		enabled = compat_output_enable(wlr_output, server->output_width, server->output_height);
		if (!enabled) {
			wlr_log(WLR_ERROR, "Output %s: no %dx%d mode, its preferred mode instead",
					wlr_output->name, server->output_width, server->output_height);
		}
	}
	if (!enabled && !compat_output_enable(wlr_output, 0, 0)) {
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
	output->background = compat_scene_rect_create(server->background_tree, wlr_output->width,
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


static int output_count(struct server *server) {
	return wl_list_length(&server->outputs);
}

void server_toggle_output(struct server *server) {
	if (!server->headless) {
		wlr_log(WLR_ERROR, "--debug-outputs: only a headless backend can add outputs");
		return;
	}
	if (output_count(server) <= 1) {
		if (wlr_headless_add_output(server->backend, server->output_width, server->output_height) ==
				NULL) {
			wlr_log(WLR_ERROR, "--debug-outputs: cannot add a headless output");
		}
	} else {
		struct output *last = wl_container_of(server->outputs.prev, last, link);
		wlr_output_destroy(last->wlr_output);
	}
	printf("outputs %d\n", output_count(server));
	fflush(stdout);
}
