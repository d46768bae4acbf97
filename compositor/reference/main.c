/*
 * iosurface-compositor: the reference compositor of the iosurface_v1 module (see reference.h).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <wayland-server-core.h>
#include <wlr/util/log.h>

#include "reference.h"

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
		.child_status = -1,
	};
	wl_list_init(&server.outputs);
	wl_list_init(&server.views);
	wl_list_init(&server.keyboards);
	// So that server_finish can remove every listener, added or not.
	wl_list_init(&server.new_output.link);
	wl_list_init(&server.new_input.link);
	wl_list_init(&server.layout_change.link);
	wl_list_init(&server.request_set_selection.link);

	// A client or a startup command that goes away must not kill us with a write.
	struct sigaction ignore = { .sa_handler = SIG_IGN };
	sigemptyset(&ignore.sa_mask);
	sigaction(SIGPIPE, &ignore, NULL);

	if (!server_start(&server, &options)) {
		server_finish(&server);
		return EXIT_STARTUP_FAILED;
	}

	// Ready: say where, then run the startup command.
	setenv("WAYLAND_DISPLAY", server.socket, 1);
	printf("WAYLAND_DISPLAY=%s\n", server.socket);
	fflush(stdout);
	if (options.startup != NULL) {
		server.child = server_spawn_startup(&server, options.startup);
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
