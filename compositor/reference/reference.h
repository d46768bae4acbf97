/*
 * iosurface-compositor: the reference compositor of the iosurface_v1 module.
 *
 * A small wlroots compositor built on the scene graph: xdg-shell toplevels stacked from the
 * layout's origin, fullscreen on request, popups, a keyboard if there is one, no pointer. It
 * runs headless (pixman, one output of a chosen size) where there is no display to open, and on
 * whatever wlroots picks (DRM, Wayland, X11) otherwise. wlr-screencopy and xdg-output let grim
 * read back what is shown; --debug-scanout says, for every frame, whether an iosurface went to
 * the output directly.
 *
 * It uses the module through its public header and wlroots through compat.h wherever a
 * wlroots release changed something: each concept has its file (options.c, server.c for
 * start, finish and the startup command, view.c, output.c, input.c).
 */
#ifndef REFERENCE_REFERENCE_H
#define REFERENCE_REFERENCE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <wayland-server-core.h>

#include "compat.h"
#include "iosurface/server.h"

#define DEFAULT_WIDTH 1280
#define DEFAULT_HEIGHT 720
#define MAX_OUTPUT_SIZE 16384

// Exit statuses of the compositor itself; with -s the command's status is used instead.
#define EXIT_STARTUP_FAILED 1
#define EXIT_USAGE 2

struct wlr_allocator;
struct wlr_backend;
struct wlr_input_device;
struct wlr_keyboard;
struct wlr_output;
struct wlr_output_layout;
struct wlr_renderer;
struct wlr_scene;
struct wlr_scene_output;
struct wlr_scene_rect;
struct wlr_scene_tree;
struct wlr_seat;
struct wlr_xdg_popup;
struct wlr_xdg_shell;
struct wlr_xdg_surface;
struct wlr_xdg_toplevel;

/* Options (options.c) */

struct options {
	bool headless;
	int width, height;
	bool size_given; // --size: also a display's mode
	const char *socket;
	const char *startup;
	bool debug_scanout;
	bool debug_outputs;
	int verbosity;
	struct iosurface_server_options iosurface;
};

/** Returns -1 to go on, else the status to exit with (after --help or a usage error). */
int parse_options(int argc, char *argv[], struct options *options);

/* The server (server.c): start, finish, signals and the startup command */

struct server {
	struct wl_display *display;
	struct wlr_backend *backend;
	bool headless;
	int output_width, output_height; // of headless outputs
	bool output_size_given; // --size on a display: a mode of that size
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
	struct compat_xdg_shell_events xdg_shell_events;
	struct wl_listener request_set_selection;

	struct wl_event_source *sigint_source;
	struct wl_event_source *sigterm_source;
	struct wl_event_source *sigusr1_source;
	struct wl_event_source *sigusr2_source;
	struct wl_event_source *sigchld_source;

	const char *socket;
	bool debug_scanout;
	bool debug_outputs;
	pid_t child; // the -s command while it runs, else 0
	int child_status; // its exit status once it exited, else -1
	int stop_signal; // SIGINT or SIGTERM once one stopped us, else 0
	struct rlimit nofile; // RLIMIT_NOFILE as we found it, given back to the child
};

/** Sets up everything up to a running backend and a listening socket. False on failure. */
bool server_start(struct server *server, const struct options *options);
/** Takes down whatever server_start made, clients first. */
void server_finish(struct server *server);
/** Runs the startup command in a process group of its own; its pid, or -1 (logged). */
pid_t server_spawn_startup(struct server *server, const char *command);

/* Views (view.c): xdg-shell toplevels and popups */

struct view {
	struct server *server;
	struct wlr_xdg_toplevel *toplevel;
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

void view_handle_new_toplevel(struct compat_xdg_shell_events *events,
		struct wlr_xdg_toplevel *toplevel);
void view_handle_new_popup(struct compat_xdg_shell_events *events, struct wlr_xdg_popup *popup);
/** Makes the view cover output, or with output NULL puts it back where it was. */
void view_set_fullscreen(struct view *view, struct output *output);
/** Shows what each output should show (fullscreen views cover their output alone). */
void server_arrange(struct server *server);

/* Outputs (output.c), with --debug-scanout and --debug-outputs */

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

void output_handle_new(struct wl_listener *listener, void *data);
void output_handle_layout_change(struct wl_listener *listener, void *data);
/** The output at a layout point, else the first one, else NULL. */
struct output *server_output_at(struct server *server, int x, int y);
/**
 * --debug-outputs, on SIGUSR2: with one output, adds a headless one beside it; with more,
 * removes the last. Prints "outputs N" once done.
 */
void server_toggle_output(struct server *server);

/* Input (input.c): keyboards and the selection */

struct keyboard {
	struct server *server;
	struct wlr_input_device *device;
	struct wlr_keyboard *wlr_keyboard;
	struct wl_list link; // server.keyboards

	struct wl_listener modifiers;
	struct wl_listener key;
	struct wl_listener destroy;
};

void input_handle_new(struct wl_listener *listener, void *data);
void input_handle_request_set_selection(struct wl_listener *listener, void *data);

#endif
