/*
 * A small wlroots compositor written apart from the project, the way a compositor developer
 * adds the iosurface_v1 module after reading doc/compositor-guide.md: the lines that bring the
 * module in end with "// iosurface-module" (the run script counts them: at most 20).
 *
 * Headless only: one output of --size, xdg-shell toplevels at the layout's origin, screencopy
 * and xdg-output so that grim can read the output back. It takes the options the test harness
 * gives a compositor (--headless --socket NAME [--size WxH]). Its own code branches on the
 * wlroots release, as any compositor built against more than one would.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <wayland-server-core.h>
#include <wlr/backend.h>
#include <wlr/backend/headless.h>
#include <wlr/render/allocator.h>
#include <wlr/render/pixman.h>
#include <wlr/render/wlr_renderer.h>
#include <wlr/types/wlr_compositor.h>
#include <wlr/types/wlr_output.h>
#include <wlr/types/wlr_output_layout.h>
#include <wlr/types/wlr_scene.h>
#include <wlr/types/wlr_screencopy_v1.h>
#include <wlr/types/wlr_xdg_output_v1.h>
#include <wlr/types/wlr_xdg_shell.h>
#include <wlr/util/log.h>
#include <wlr/version.h>
#if WLR_VERSION_MINOR >= 16
#include <wlr/types/wlr_subcompositor.h>
#endif

#include <iosurface/server.h> // iosurface-module

#define NEW_WLROOTS (WLR_VERSION_MINOR >= 18)

struct adopter {
	struct wl_display *display;
	struct wlr_backend *backend;
	struct wlr_renderer *renderer;
	struct wlr_allocator *allocator;
	struct wlr_output_layout *layout;
	struct wlr_scene *scene;
	struct wl_listener new_output;
	struct wl_listener new_toplevel;
	struct wl_event_source *sigterm;
};

struct adopter_output {
	struct wlr_scene_output *scene_output;
	struct wl_listener frame;
	struct wl_listener destroy;
};

struct adopter_toplevel {
	struct wlr_xdg_toplevel *toplevel;
	struct wl_listener commit;
	struct wl_listener destroy;
};

static void output_frame(struct wl_listener *listener, void *data) {
	struct adopter_output *output = wl_container_of(listener, output, frame);
#if NEW_WLROOTS
	wlr_scene_output_commit(output->scene_output, NULL);
#else
	wlr_scene_output_commit(output->scene_output);
#endif
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	wlr_scene_output_send_frame_done(output->scene_output, &now);
}

static void output_destroy(struct wl_listener *listener, void *data) {
	struct adopter_output *output = wl_container_of(listener, output, destroy);
	wl_list_remove(&output->frame.link);
	wl_list_remove(&output->destroy.link);
	free(output);
}

static void new_output(struct wl_listener *listener, void *data) {
	struct adopter *adopter = wl_container_of(listener, adopter, new_output);
	struct wlr_output *wlr_output = data;
	wlr_output_init_render(wlr_output, adopter->allocator, adopter->renderer);
#if NEW_WLROOTS
	struct wlr_output_state state;
	wlr_output_state_init(&state);
	wlr_output_state_set_enabled(&state, true);
	wlr_output_commit_state(wlr_output, &state);
	wlr_output_state_finish(&state);
#else
	wlr_output_enable(wlr_output, true);
	wlr_output_commit(wlr_output);
#endif
	struct adopter_output *output = calloc(1, sizeof(*output));
	if (output == NULL) {
		return;
	}
	output->scene_output = wlr_scene_output_create(adopter->scene, wlr_output);
	output->frame.notify = output_frame;
	wl_signal_add(&wlr_output->events.frame, &output->frame);
	output->destroy.notify = output_destroy;
	wl_signal_add(&wlr_output->events.destroy, &output->destroy);
	wlr_output_layout_add_auto(adopter->layout, wlr_output);
}

static void toplevel_commit(struct wl_listener *listener, void *data) {
	struct adopter_toplevel *toplevel = wl_container_of(listener, toplevel, commit);
#if NEW_WLROOTS
	if (toplevel->toplevel->base->initial_commit) {
		wlr_xdg_toplevel_set_size(toplevel->toplevel, 0, 0);
	}
#else
	(void)toplevel;
#endif
}

static void toplevel_destroy(struct wl_listener *listener, void *data) {
	struct adopter_toplevel *toplevel = wl_container_of(listener, toplevel, destroy);
	wl_list_remove(&toplevel->commit.link);
	wl_list_remove(&toplevel->destroy.link);
	free(toplevel);
}

static void new_toplevel(struct wl_listener *listener, void *data) {
	struct adopter *adopter = wl_container_of(listener, adopter, new_toplevel);
#if NEW_WLROOTS
	struct wlr_xdg_toplevel *wlr_toplevel = data;
	wlr_scene_xdg_surface_create(&adopter->scene->tree, wlr_toplevel->base);
	struct wl_signal *destroy = &wlr_toplevel->events.destroy;
#else
	struct wlr_xdg_surface *xdg_surface = data;
	if (xdg_surface->role != WLR_XDG_SURFACE_ROLE_TOPLEVEL) {
		return;
	}
	struct wlr_xdg_toplevel *wlr_toplevel = xdg_surface->toplevel;
	wlr_scene_xdg_surface_create(&adopter->scene->node, xdg_surface);
	struct wl_signal *destroy = &xdg_surface->events.destroy;
#endif
	struct adopter_toplevel *toplevel = calloc(1, sizeof(*toplevel));
	if (toplevel == NULL) {
		return;
	}
	toplevel->toplevel = wlr_toplevel;
	toplevel->commit.notify = toplevel_commit;
	wl_signal_add(&wlr_toplevel->base->surface->events.commit, &toplevel->commit);
	toplevel->destroy.notify = toplevel_destroy;
	wl_signal_add(destroy, &toplevel->destroy);
}

static int handle_sigterm(int signal_number, void *data) {
	wl_display_terminate(data);
	return 0;
}

int main(int argc, char *argv[]) {
	const char *socket = NULL;
	int width = 1280, height = 720;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc) {
			socket = argv[++i];
		} else if (strcmp(argv[i], "--size") == 0 && i + 1 < argc) {
			if (sscanf(argv[++i], "%dx%d", &width, &height) != 2 || width <= 0 || height <= 0) {
				fprintf(stderr, "adopter: bad --size\n");
				return 2;
			}
		} else if (strcmp(argv[i], "--headless") != 0) {
			fprintf(stderr, "usage: %s [--headless] [--socket NAME] [--size WxH]\n", argv[0]);
			return 2;
		}
	}
	wlr_log_init(WLR_ERROR, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct adopter adopter = { 0 };
	adopter.display = wl_display_create();
	struct wl_event_loop *loop = wl_display_get_event_loop(adopter.display);
#if NEW_WLROOTS
	adopter.backend = wlr_headless_backend_create(loop);
#else
	adopter.backend = wlr_headless_backend_create(adopter.display);
#endif
	adopter.renderer = wlr_pixman_renderer_create();
	if (adopter.backend == NULL || adopter.renderer == NULL ||
			!wlr_renderer_init_wl_display(adopter.renderer, adopter.display)) {
		fprintf(stderr, "adopter: cannot create the backend or the renderer\n");
		return 1;
	}
	adopter.allocator = wlr_allocator_autocreate(adopter.backend, adopter.renderer);
#if NEW_WLROOTS
	wlr_compositor_create(adopter.display, 5, adopter.renderer);
	wlr_subcompositor_create(adopter.display);
	adopter.layout = wlr_output_layout_create(adopter.display);
	struct wlr_xdg_shell *xdg_shell = wlr_xdg_shell_create(adopter.display, 3);
	adopter.new_toplevel.notify = new_toplevel;
	wl_signal_add(&xdg_shell->events.new_toplevel, &adopter.new_toplevel);
#else
	wlr_compositor_create(adopter.display, adopter.renderer);
	adopter.layout = wlr_output_layout_create();
	struct wlr_xdg_shell *xdg_shell = wlr_xdg_shell_create(adopter.display);
	adopter.new_toplevel.notify = new_toplevel;
	wl_signal_add(&xdg_shell->events.new_surface, &adopter.new_toplevel);
#endif
	wlr_xdg_output_manager_v1_create(adopter.display, adopter.layout);
	wlr_screencopy_manager_v1_create(adopter.display);
	// One output at the layout's origin: the scene's coordinates are the output's.
	adopter.scene = wlr_scene_create();
	adopter.new_output.notify = new_output;
	wl_signal_add(&adopter.backend->events.new_output, &adopter.new_output);
	wlr_headless_add_output(adopter.backend, width, height);

	// iosurface-module {
	// The iosurface_manager_v1 global, with the default options; freed with the display.
	if (iosurface_server_create(adopter.display, adopter.renderer, NULL) == NULL) {
		fprintf(stderr, "adopter: cannot create the iosurface_manager_v1 global\n");
		return 1;
	}
	// iosurface-module }

	adopter.sigterm = wl_event_loop_add_signal(loop, SIGTERM, handle_sigterm, adopter.display);
	if (socket != NULL ? wl_display_add_socket(adopter.display, socket) != 0 :
						 (socket = wl_display_add_socket_auto(adopter.display)) == NULL) {
		fprintf(stderr, "adopter: cannot listen\n");
		return 1;
	}
	if (!wlr_backend_start(adopter.backend)) {
		fprintf(stderr, "adopter: cannot start the backend\n");
		return 1;
	}
	printf("WAYLAND_DISPLAY=%s\n", socket);
	fflush(stdout);
	wl_display_run(adopter.display);

	wl_event_source_remove(adopter.sigterm);
	wl_display_destroy_clients(adopter.display);
	wl_list_remove(&adopter.new_toplevel.link);
	wl_list_remove(&adopter.new_output.link);
#if NEW_WLROOTS
	wlr_scene_node_destroy(&adopter.scene->tree.node);
#else
	wlr_scene_node_destroy(&adopter.scene->node);
#endif
	wlr_backend_destroy(adopter.backend);
	wlr_output_layout_destroy(adopter.layout);
	wl_display_destroy(adopter.display);
	wlr_allocator_destroy(adopter.allocator);
	wlr_renderer_destroy(adopter.renderer);
	return 0;
}
