/*
 * Tests of iosurface-info against a private headless compositor.
 *
 *     test-iosurface-info formats PATH-TO-IOSURFACE-INFO
 *         the listing names ARGB8888 and NV12 and gives the compositor's width limit
 *     test-iosurface-info port PATH-TO-IOSURFACE-INFO
 *         a surface with values, passed as an inherited descriptor (--port-fd), as text and
 *         as JSON
 *     test-iosurface-info socket PATH-TO-IOSURFACE-INFO
 *         the same surface, passed over an AF_UNIX socket (--socket)
 *
 * Exit status: 0 pass, 1 fail, 99 set-up failure (meson's convention).
 */
#ifdef NDEBUG
#error "tests must be built without NDEBUG"
#endif

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <iosurface/iosurface.h>

#include "launch.h"

#define EXIT_SETUP 99

static const char *info_path;
static struct demo_compositor compositor;
static bool compositor_running;

static void finish(int status) {
	if (compositor_running) {
		compositor_running = false;
		if (demo_compositor_stop(&compositor) != 0 && status == 0) {
			status = 1;
		}
	}
	exit(status);
}

__attribute__((format(printf, 2, 3))) static void fail(int status, const char *fmt, ...) {
	va_list args;
	va_start(args, fmt);
	fprintf(stderr, "FAIL: ");
	vfprintf(stderr, fmt, args);
	fprintf(stderr, "\n");
	va_end(args);
	finish(status);
}

/* Runs iosurface-info with args, keep_fd left open in it; returns its output (caller frees). */
static char *run_info(const char *const *args, int keep_fd, pid_t *pid_out) {
	int out[2];
	if (pipe(out) != 0) {
		fail(EXIT_SETUP, "pipe: %s", strerror(errno));
	}
	fcntl(out[0], F_SETFD, FD_CLOEXEC);
	fcntl(out[1], F_SETFD, FD_CLOEXEC);
	const char *argv[8] = { info_path };
	for (int i = 0; args[i] != NULL && i < 6; i++) {
		argv[i + 1] = args[i];
	}
	pid_t pid = demo_spawn(argv, keep_fd, out[1]);
	close(out[1]);
	if (pid < 0) {
		fail(EXIT_SETUP, "cannot run %s: %s", info_path, strerror(errno));
	}
	if (pid_out != NULL) {
		*pid_out = pid;
	}
	size_t size = 0, cap = 4096;
	char *text = malloc(cap);
	for (;;) {
		if (size + 1 >= cap) {
			cap *= 2;
			text = realloc(text, cap);
		}
		if (text == NULL) {
			fail(EXIT_SETUP, "out of memory");
		}
		ssize_t n = read(out[0], text + size, cap - size - 1);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			break;
		}
		size += (size_t)n;
	}
	close(out[0]);
	text[size] = '\0';
	return text;
}

static void wait_info(pid_t pid, const char *output) {
	// For the test log.
	fputs(output, stdout);
	int status = demo_wait(pid, 10000);
	if (status != 0) {
		fail(1, "iosurface-info ended with status %d; its output:\n%s", status, output);
	}
}

static void expect(const char *output, const char *needle) {
	if (strstr(output, needle) == NULL) {
		fail(1, "the output lacks \"%s\"; it was:\n%s", needle, output);
	}
}

/* The line of output that starts (after spaces) with prefix. */
static const char *find_line(const char *output, const char *prefix) {
	for (const char *line = output; line != NULL && *line != '\0';) {
		const char *p = line + strspn(line, " ");
		if (strncmp(p, prefix, strlen(prefix)) == 0) {
			return p;
		}
		line = strchr(line, '\n');
		line = line != NULL ? line + 1 : NULL;
	}
	return NULL;
}

static void test_formats(void) {
	struct iosurface_client *client = iosurface_client_connect(NULL);
	if (client == NULL) {
		fail(EXIT_SETUP, "cannot connect: %s", strerror(errno));
	}
	size_t max_width = iosurface_client_get_property_maximum(client, IOSURFACE_PROPERTY_WIDTH);
	iosurface_client_destroy(client);

	const char *args[] = { NULL };
	pid_t pid;
	char *output = run_info(args, -1, &pid);
	wait_info(pid, output);
	expect(output, "ARGB8888");
	expect(output, "NV12");
	expect(output, "'BGRA'");
	expect(output, "'420v'");
	expect(output, "memfd");
	// "width    16384    1": the limit the compositor published.
	const char *found = find_line(output, "width ");
	char line[256] = "", number[32];
	if (found != NULL) {
		snprintf(line, sizeof(line), "%.*s", (int)strcspn(found, "\n"), found);
	}
	snprintf(number, sizeof(number), " %zu ", max_width);
	if (max_width == 0 || strstr(line, number) == NULL) {
		fail(1, "no width line with the maximum %zu; the output was:\n%s", max_width, output);
	}
	free(output);
}

/* A 640x480 surface with values; returns it and a port of it. */
static struct iosurface *make_surface(struct iosurface_client *client, int *port) {
	struct iosurface_properties props = {
		.width = 640,
		.height = 480,
		.pixel_format = iosurface_format_from_ostype('BGRA'),
		.name = "info test",
	};
	struct iosurface *s = iosurface_create(client, &props);
	if (s == NULL) {
		fail(EXIT_SETUP, "iosurface_create: %s", strerror(errno));
	}
	struct iosurface_value *label = iosurface_value_new_string("hello from the test");
	struct iosurface_value *list = iosurface_value_new_array();
	iosurface_value_array_append(list, iosurface_value_new_integer(42));
	iosurface_value_array_append(list, iosurface_value_new_boolean(true));
	if (iosurface_set_value(s, "demo.label", label) != 0 ||
			iosurface_set_value(s, "demo.list", list) != 0) {
		fail(1, "iosurface_set_value failed");
	}
	iosurface_value_free(label);
	iosurface_value_free(list);
	*port = iosurface_create_port(s);
	if (*port < 0) {
		fail(1, "iosurface_create_port: %s", strerror(-*port));
	}
	return s;
}

static void expect_surface(const char *output, struct iosurface *s) {
	char id[32];
	snprintf(id, sizeof(id), "surface %" PRIu32 " \"info test\"", iosurface_get_id(s));
	expect(output, id);
	expect(output, "size: 640x480");
	expect(output, "pixel format: ARGB8888");
	expect(output, "\"demo.label\": string \"hello from the test\"");
	expect(output, "\"demo.list\": array (2)");
	expect(output, "[0]: integer 42");
	expect(output, "[1]: boolean true");
	expect(output, "component 0: alpha, unsigned integer, full range, 8 bits at bit 24");
	expect(output, "allocator: memfd");
}

static void test_port(void) {
	struct iosurface_client *client = iosurface_client_connect(NULL);
	if (client == NULL) {
		fail(EXIT_SETUP, "cannot connect: %s", strerror(errno));
	}
	int port;
	struct iosurface *s = make_surface(client, &port);
	char fd_text[16];
	snprintf(fd_text, sizeof(fd_text), "%d", port);
	const char *args[] = { "--port-fd", fd_text, NULL };
	pid_t pid;
	char *output = run_info(args, port, &pid);
	wait_info(pid, output);
	expect_surface(output, s);
	expect(output, "port on descriptor");
	free(output);

	// The same as JSON.
	const char *json_args[] = { "--json", "--port-fd", fd_text, NULL };
	output = run_info(json_args, port, &pid);
	wait_info(pid, output);
	expect(output, "\"width\": 640,");
	expect(output, "\"height\": 480,");
	expect(output, "\"ostype\": \"BGRA\"");
	expect(output,
			"\"demo.label\": {\n      \"type\": \"string\",\n"
			"      \"value\": \"hello from the test\"\n");
	expect(output, "\"type\": \"integer\",\n          \"value\": 42\n");
	free(output);
	close(port);
	iosurface_unref(s);
	iosurface_client_destroy(client);
}

static void test_socket(void) {
	struct iosurface_client *client = iosurface_client_connect(NULL);
	if (client == NULL) {
		fail(EXIT_SETUP, "cannot connect: %s", strerror(errno));
	}
	int port;
	struct iosurface *s = make_surface(client, &port);

	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/info-test.sock", compositor.runtime_dir);
	int listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (listener < 0 || bind(listener, (struct sockaddr *)&addr, sizeof(addr)) != 0 ||
			listen(listener, 1) != 0) {
		fail(EXIT_SETUP, "cannot listen on %s: %s", addr.sun_path, strerror(errno));
	}

	// iosurface-info connects, we send, it describes; its output is read once it is done.
	int out[2];
	if (pipe(out) != 0) {
		fail(EXIT_SETUP, "pipe: %s", strerror(errno));
	}
	fcntl(out[0], F_SETFD, FD_CLOEXEC);
	fcntl(out[1], F_SETFD, FD_CLOEXEC);
	const char *argv[] = { info_path, "--socket", addr.sun_path, NULL };
	pid_t pid = demo_spawn(argv, -1, out[1]);
	close(out[1]);
	int conn = accept(listener, NULL, NULL);
	if (conn < 0) {
		fail(1, "accept: %s", strerror(errno));
	}
	const char payload[] = "abc";
	int ret = iosurface_port_send(conn, port, payload, 3);
	if (ret != 0) {
		fail(1, "iosurface_port_send: %s", strerror(-ret));
	}
	close(conn);
	close(listener);
	unlink(addr.sun_path);

	static char output[65536];
	size_t size = 0;
	ssize_t n;
	while ((n = read(out[0], output + size, sizeof(output) - 1 - size)) > 0) {
		size += (size_t)n;
	}
	close(out[0]);
	output[size] = '\0';
	wait_info(pid, output);
	expect_surface(output, s);
	expect(output, "payload of 3 bytes: 61 62 63");
	close(port);
	iosurface_unref(s);
	iosurface_client_destroy(client);
}

int main(int argc, char *argv[]) {
	if (argc != 3) {
		fprintf(stderr, "Usage: %s formats|port|socket PATH-TO-IOSURFACE-INFO\n", argv[0]);
		return EXIT_SETUP;
	}
	info_path = argv[2];
	void (*test)(void) = NULL;
	if (strcmp(argv[1], "formats") == 0) {
		test = test_formats;
	} else if (strcmp(argv[1], "port") == 0) {
		test = test_port;
	} else if (strcmp(argv[1], "socket") == 0) {
		test = test_socket;
	} else {
		fprintf(stderr, "unknown test %s\n", argv[1]);
		return EXIT_SETUP;
	}
	if (demo_compositor_start(&compositor, 640, 480) != 0) {
		return EXIT_SETUP;
	}
	compositor_running = true;
	test();
	printf("PASS %s\n", argv[1]);
	finish(0);
}
