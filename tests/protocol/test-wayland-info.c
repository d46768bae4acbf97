// protocol-wayland-info: a stock client (wayland-info) lists iosurface_manager_v1, version 1,
// among the compositor's globals.
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

TEST(wayland_info_lists_manager) {
	if (!harness_have_program("wayland-info")) {
		SKIP("wayland-info is not installed (Debian: wayland-utils)");
	}
	struct harness_compositor *hc = harness_compositor_start(NULL);

	char out[512], err[512];
	snprintf(out, sizeof(out), "%s/wayland-info.out", harness_compositor_runtime_dir(hc));
	snprintf(err, sizeof(err), "%s/wayland-info.err", harness_compositor_runtime_dir(hc));
	const char *argv[] = { "wayland-info", NULL };
	pid_t pid = harness_spawn(argv, out, err);
	CHECK_GT(pid, 0);
	int status = harness_wait_pid(pid, 10000);
	if (status == -ETIMEDOUT) {
		harness_stop_pid(pid, SIGKILL, 1000);
	}
	char *text = harness_read_file(out, NULL);
	CHECK_NOT_NULL(text);
	if (status != 0) {
		char *errors = harness_read_file(err, NULL);
		fprintf(stderr, "wayland-info stdout:\n%s\nstderr:\n%s\n", text,
				errors != NULL ? errors : "");
		free(errors);
	}
	CHECK_EQ(status, 0);

	// interface: 'iosurface_manager_v1',    version:  1, name:  9
	const char *line = strstr(text, "'iosurface_manager_v1'");
	if (line == NULL) {
		fprintf(stderr, "wayland-info output:\n%s\n", text);
		free(text);
		FAIL("iosurface_manager_v1 is not among the globals wayland-info lists");
	}
	const char *version = strstr(line, "version:");
	CHECK_NOT_NULL(version);
	const char *eol = strchr(line, '\n');
	CHECK(eol == NULL || version < eol);
	CHECK_EQ(strtol(version + strlen("version:"), NULL, 10), 1);
	// Advertised once.
	CHECK(strstr(line + 1, "'iosurface_manager_v1'") == NULL);
	free(text);

	CHECK_EQ(harness_compositor_stop(hc), 0);
}

int main(int argc, char **argv) {
	return harness_main(argc, argv);
}
