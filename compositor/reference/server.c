/*
 * Start and finish of the reference compositor, its signals, and the startup command (-s).
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <wayland-server-core.h>
#include <wlr/backend.h>
#include <wlr/backend/headless.h>
#include <wlr/render/allocator.h>
#include <wlr/render/pixman.h>
#include <wlr/render/wlr_renderer.h>
#include <wlr/types/wlr_data_device.h>
#include <wlr/types/wlr_output_layout.h>
#include <wlr/types/wlr_scene.h>
#include <wlr/types/wlr_screencopy_v1.h>
#include <wlr/types/wlr_seat.h>
#include <wlr/types/wlr_xdg_output_v1.h>
#include <wlr/types/wlr_xdg_shell.h>
#include <wlr/util/log.h>

#include "reference.h"

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

/*
 * SIGUSR2: one line of the module's totals on stdout, which the attack tests read to see every
 * surface and port of a client go when it does; with --debug-outputs it also adds an output,
 * or removes the last one.
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
	if (server->debug_outputs) {
		server_toggle_output(server);
	}
	return 0;
}

pid_t server_spawn_startup(struct server *server, const char *command) {
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
 * globals (wl_drm on 0.15, the iosurface module) hold the renderer until the display destroys them.
 */
void server_finish(struct server *server) {
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
	compat_xdg_shell_events_finish(&server->xdg_shell_events);
	wl_list_remove(&server->new_output.link);
	if (server->scene != NULL) {
		compat_scene_destroy(server->scene);
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
bool server_start(struct server *server, const struct options *options) {
	raise_nofile_limit(server);
	server->debug_scanout = options->debug_scanout;
	server->debug_outputs = options->debug_outputs;
	server->output_width = options->width;
	server->output_height = options->height;
	server->output_size_given = options->size_given;

	// The display: the socket, the globals, the event loop.
	server->display = wl_display_create();
	if (server->display == NULL) {
		wlr_log(WLR_ERROR, "Cannot create the Wayland display");
		return false;
	}
	struct wl_event_loop *loop = wl_display_get_event_loop(server->display);

	// The backend: outputs and input devices.
	bool headless = want_headless(options);
	server->headless = headless;
	if (headless) {
		server->backend = compat_headless_backend_create(server->display);
		if (server->backend != NULL &&
				wlr_headless_add_output(server->backend, options->width, options->height) == NULL) {
			wlr_log(WLR_ERROR, "Cannot add a %dx%d headless output", options->width,
					options->height);
			return false;
		}
	} else {
		server->backend = compat_backend_autocreate(server->display);
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
	if (!compat_compositor_create(server->display, server->renderer) ||
			wlr_data_device_manager_create(server->display) == NULL) {
		wlr_log(WLR_ERROR, "Cannot create the core globals");
		return false;
	}

	// The output layout, xdg-output (so that clients such as grim know where outputs are)
	// and wlr-screencopy (so that they can read them back).
	server->output_layout = compat_output_layout_create(server->display);
	if (server->output_layout == NULL ||
			wlr_xdg_output_manager_v1_create(server->display, server->output_layout) == NULL ||
			wlr_screencopy_manager_v1_create(server->display) == NULL) {
		wlr_log(WLR_ERROR, "Cannot create the output globals");
		return false;
	}
	server->layout_change.notify = output_handle_layout_change;
	wl_signal_add(&server->output_layout->events.change, &server->layout_change);

	// The scene: output backgrounds at the bottom, views above them.
	server->scene = wlr_scene_create();
	if (server->scene == NULL) {
		wlr_log(WLR_ERROR, "Cannot create the scene");
		return false;
	}
	server->background_tree = compat_scene_add_tree(server->scene);
	server->view_tree = compat_scene_add_tree(server->scene);
	if (server->background_tree == NULL || server->view_tree == NULL) {
		wlr_log(WLR_ERROR, "Cannot create the scene");
		return false;
	}

	// New outputs join the layout and the scene.
	server->new_output.notify = output_handle_new;
	wl_signal_add(&server->backend->events.new_output, &server->new_output);

	// xdg-shell: toplevels and popups.
	server->xdg_shell = compat_xdg_shell_create(server->display);
	if (server->xdg_shell == NULL) {
		wlr_log(WLR_ERROR, "Cannot create xdg-shell");
		return false;
	}
	server->xdg_shell_events.new_toplevel = view_handle_new_toplevel;
	server->xdg_shell_events.new_popup = view_handle_new_popup;
	compat_xdg_shell_events_init(&server->xdg_shell_events, server->xdg_shell);

	// The seat, with the keyboards the backend finds.
	server->seat = wlr_seat_create(server->display, "seat0");
	if (server->seat == NULL) {
		wlr_log(WLR_ERROR, "Cannot create the seat");
		return false;
	}
	server->request_set_selection.notify = input_handle_request_set_selection;
	wl_signal_add(&server->seat->events.request_set_selection, &server->request_set_selection);
	server->new_input.notify = input_handle_new;
	wl_signal_add(&server->backend->events.new_input, &server->new_input);

	// The iosurface_manager_v1 global; it frees itself with the display. Its DRM device is
	// the one the backend displays on, else the renderer's (none when headless with pixman).
	struct iosurface_server_options iosurface_options = options->iosurface;
	iosurface_options.drm_fd = wlr_backend_get_drm_fd(server->backend);
	if (iosurface_options.drm_fd < 0) {
		iosurface_options.drm_fd = wlr_renderer_get_drm_fd(server->renderer);
	}
	server->iosurface = iosurface_server_create(server->display, server->renderer,
			&iosurface_options);
	if (server->iosurface == NULL) {
		wlr_log(WLR_ERROR, "Cannot create the iosurface_manager_v1 global");
		return false;
	}

	// Signals, read from the event loop: stop, purge volatile surfaces, print the totals (and
	// with --debug-outputs add or remove an output), startup command done.
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
