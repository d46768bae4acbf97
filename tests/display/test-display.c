/*
 * Display: iosurfaces shown on a wl_surface with no copy, counted in use while the compositor
 * holds them, checked by reading the headless output back (wlr-screencopy, through grim).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "e2e-util.h"
#include "window.h"

#define BACKGROUND 0x202020u

static char *capture_path(void) {
	static char path[512];
	snprintf(path, sizeof(path), "%s/capture.ppm", getenv("XDG_RUNTIME_DIR"));
	return path;
}

static void capture(struct harness_image *img) {
	if (!harness_have_program("grim")) {
		SKIP("grim is not installed");
	}
	CHECK_EQ(harness_capture(capture_path()), 0);
	CHECK_EQ(harness_read_ppm(capture_path(), img), 0);
	unlink(capture_path());
}

/* Pixels of the w x h area at the origin that differ from the pattern (RGB of ARGB8888). */
static size_t compare_area(const struct harness_image *img, uint32_t w, uint32_t h, uint32_t tag) {
	size_t wrong = 0;
	for (uint32_t y = 0; y < h; y++) {
		for (uint32_t x = 0; x < w; x++) {
			uint32_t want = pattern_pixel(x, y, tag) & 0xffffff;
			uint32_t got = harness_image_pixel(img, (int)x, (int)y);
			if (got != want && wrong++ < 5) {
				fprintf(stderr, "pixel %u,%u: got 0x%06x, want 0x%06x\n", x, y, got, want);
			}
		}
	}
	return wrong;
}

static struct iosurface *create_format(struct iosurface_client *c, uint32_t w, uint32_t h,
		uint32_t format) {
	struct iosurface_properties props = { .width = w, .height = h, .pixel_format = format };
	struct iosurface *s = iosurface_create(c, &props);
	CHECK_NOT_NULL(s);
	return s;
}

/* Dispatches the window's connection until *counter reaches want or 3 s pass. */
static void wait_count(struct window *win, const int *counter, int want) {
	int64_t deadline = harness_now_ms() + harness_scale_timeout(3000);
	while (*counter < want && harness_now_ms() < deadline) {
		wl_display_roundtrip(win->display);
		harness_sleep_ms(5);
	}
	CHECK_EQ(*counter, want);
}

TEST(shown_pixels_exact) {
	const char *args[] = { "--size", "640x480", NULL };
	struct harness_compositor *hc = harness_compositor_start(args);
	struct window win;
	window_init(&win, false);
	struct iosurface_client *c = iosurface_client_create(win.display);
	CHECK_NOT_NULL(c);
	CHECK(iosurface_client_can_display_format(c, DRM_FORMAT_ARGB8888));
	CHECK(iosurface_client_can_display_format(c, DRM_FORMAT_XRGB8888));
	struct iosurface *s = create_format(c, 200, 120, DRM_FORMAT_ARGB8888);
	fill_pattern(s, 11);
	struct wl_buffer *buffer = iosurface_create_wl_buffer(s);
	CHECK_NOT_NULL(buffer);
	window_wait_configure(&win);
	window_show(&win, buffer);

	struct harness_image img;
	capture(&img);
	CHECK_EQ(img.width, 640);
	CHECK_EQ(img.height, 480);
	CHECK_EQ(compare_area(&img, 200, 120, 11), 0);
	CHECK_EQ(harness_image_pixel(&img, 400, 300), BACKGROUND);
	CHECK_EQ(harness_image_pixel(&img, 200, 0), BACKGROUND);
	CHECK_EQ(harness_image_pixel(&img, 0, 120), BACKGROUND);
	harness_image_finish(&img);

	// The producer writes again and commits: the screen follows, still with no copy.
	fill_pattern(s, 12);
	window_show(&win, buffer);
	capture(&img);
	CHECK_EQ(compare_area(&img, 200, 120, 12), 0);
	harness_image_finish(&img);

	wl_buffer_destroy(buffer);
	iosurface_unref(s);
	iosurface_client_destroy(c);
	window_finish(&win);
	harness_compositor_stop(hc);
}

TEST(in_use_while_shown) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct window win;
	window_init(&win, false);
	struct iosurface_client *c = iosurface_client_create(win.display);
	CHECK_NOT_NULL(c);
	struct iosurface *s = create_format(c, 64, 64, DRM_FORMAT_XRGB8888);
	struct iosurface *other = create_format(c, 64, 64, DRM_FORMAT_XRGB8888);
	fill_pattern(s, 1);
	fill_pattern(other, 2);
	// A second process's view of the surface: it sees the compositor's hold too.
	struct iosurface_client *watcher = connect_client();
	int port = iosurface_create_port_read_only(s);
	struct iosurface *seen = iosurface_lookup_from_port(watcher, port);
	CHECK_NOT_NULL(seen);
	close(port);
	CHECK_GLOBAL(seen, 0);

	struct wl_buffer *buffer = iosurface_create_wl_buffer(s);
	struct wl_buffer *next = iosurface_create_wl_buffer(other);
	int releases = 0, next_releases = 0;
	buffer_count_releases(buffer, &releases);
	buffer_count_releases(next, &next_releases);
	window_wait_configure(&win);
	CHECK(!iosurface_is_in_use(s));
	window_show(&win, buffer);
	// From commit until release the compositor holds it: in use, in every holder.
	CHECK_EQ(iosurface_get_global_use_count(s), 1);
	CHECK(iosurface_is_in_use(s));
	CHECK_GLOBAL(seen, 1);
	CHECK(iosurface_is_in_use(seen));
	CHECK_EQ(releases, 0);

	window_show(&win, next);
	wait_count(&win, &releases, 1);
	// Released means not in use, unless others hold it.
	CHECK_GLOBAL(s, 0);
	CHECK_GLOBAL(seen, 0);
	CHECK(iosurface_is_in_use(other));
	iosurface_increment_use_count(seen);
	CHECK_GLOBAL(s, 1);
	iosurface_decrement_use_count(seen);
	CHECK_GLOBAL(s, 0);

	// The read-only holder may show it too: showing only reads.
	struct wl_buffer *ro_buffer = iosurface_create_wl_buffer(seen);
	CHECK_NOT_NULL(ro_buffer);
	wl_buffer_destroy(ro_buffer);

	wl_buffer_destroy(next);
	wl_buffer_destroy(buffer);
	iosurface_unref(seen);
	iosurface_client_destroy(watcher);
	iosurface_unref(other);
	iosurface_unref(s);
	iosurface_client_destroy(c);
	window_finish(&win);
	harness_compositor_stop(hc);
}

TEST(buffer_outlives_surface_reference) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct window win;
	window_init(&win, false);
	struct iosurface_client *c = iosurface_client_create(win.display);
	struct iosurface *s = create_format(c, 100, 50, DRM_FORMAT_ARGB8888);
	fill_pattern(s, 21);
	struct wl_buffer *buffer = iosurface_create_wl_buffer(s);
	// The wl_buffer keeps the surface alive in the compositor after the last client ref.
	iosurface_unref(s);
	window_wait_configure(&win);
	window_show(&win, buffer);
	struct harness_image img;
	capture(&img);
	// The client's mapping is gone, but the compositor's memory is the same pages.
	CHECK_EQ(compare_area(&img, 100, 50, 21), 0);
	harness_image_finish(&img);
	wl_buffer_destroy(buffer);
	iosurface_client_destroy(c);
	window_finish(&win);
	harness_compositor_stop(hc);
}

TEST(unsupported_format_refused) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct iosurface_client *c = connect_client();
	struct iosurface *s = create_format(c, 64, 64, DRM_FORMAT_NV12);
	CHECK(!iosurface_client_can_display_format(c, DRM_FORMAT_NV12));
	errno = 0;
	CHECK(iosurface_create_wl_buffer(s) == NULL);
	CHECK_EQ(errno, ENOTSUP);
	// The connection survived: nothing was sent.
	CHECK_EQ(iosurface_client_roundtrip(c), 0);
	iosurface_unref(s);
	iosurface_client_destroy(c);
	harness_compositor_stop(hc);
}

TEST(shown_by_another_process) {
	const char *args[] = { "--size", "320x240", NULL };
	struct harness_compositor *hc = harness_compositor_start(args);
	int sv[2];
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	pid_t pid = fork();
	CHECK_GE(pid, 0);
	if (pid == 0) {
		// The consumer: redeems a read-only port and shows the producer's pixels.
		close(sv[0]);
		struct window win;
		window_init(&win, false);
		struct iosurface_client *c = iosurface_client_create(win.display);
		CHECK_NOT_NULL(c);
		int port = iosurface_port_receive(sv[1], NULL, NULL);
		CHECK_GE(port, 0);
		struct iosurface *s = iosurface_lookup_from_port(c, port);
		CHECK_NOT_NULL(s);
		close(port);
		CHECK(iosurface_is_read_only(s));
		struct wl_buffer *buffer = iosurface_create_wl_buffer(s);
		CHECK_NOT_NULL(buffer);
		window_wait_configure(&win);
		window_show(&win, buffer);
		CHECK_EQ(write(sv[1], "s", 1), 1);
		char c2;
		CHECK_EQ(read(sv[1], &c2, 1), 1);
		wl_buffer_destroy(buffer);
		iosurface_unref(s);
		iosurface_client_destroy(c);
		window_finish(&win);
		_exit(0);
	}
	close(sv[1]);
	struct iosurface_client *c = connect_client();
	struct iosurface *s = create_format(c, 128, 96, DRM_FORMAT_ARGB8888);
	fill_pattern(s, 33);
	int port = iosurface_create_port_read_only(s);
	CHECK_EQ(iosurface_port_send(sv[0], port, NULL, 0), 0);
	close(port);
	char m;
	CHECK_EQ(read(sv[0], &m, 1), 1);
	// Shown by the consumer: in use for the producer too.
	CHECK_GLOBAL(s, 1);
	struct harness_image img;
	capture(&img);
	CHECK_EQ(compare_area(&img, 128, 96, 33), 0);
	harness_image_finish(&img);
	CHECK_EQ(write(sv[0], "x", 1), 1);
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_GLOBAL(s, 0);
	close(sv[0]);
	iosurface_unref(s);
	iosurface_client_destroy(c);
	harness_compositor_stop(hc);
}

TEST(direct_scanout) {
	const char *args[] = { "--size", "320x240", "--debug-scanout", NULL };
	struct harness_compositor *hc = harness_compositor_start(args);
	struct window win;
	window_init(&win, true);
	struct iosurface_client *c = iosurface_client_create(win.display);
	CHECK_NOT_NULL(c);
	window_wait_configure(&win);
	CHECK_EQ(win.width, 320);
	CHECK_EQ(win.height, 240);
	struct iosurface *s = create_format(c, 320, 240, DRM_FORMAT_XRGB8888);
	fill_pattern(s, 44);
	struct wl_buffer *buffer = iosurface_create_wl_buffer(s);
	CHECK_NOT_NULL(buffer);
	window_show(&win, buffer);
	// No capture is pending: the frame goes to the output as the surface's own buffer.
	char line[256], want[64];
	snprintf(want, sizeof(want), " iosurface %u", iosurface_get_id(s));
	bool direct = false;
	int64_t deadline = harness_now_ms() + harness_scale_timeout(5000);
	while (!direct && harness_now_ms() < deadline) {
		// Keep frames coming: headless outputs only render when something changed.
		window_show(&win, buffer);
		if (harness_compositor_wait_line(hc, "scanout ", 500, line, sizeof(line)) == 0) {
			const char *at = strstr(line, " iosurface ");
			direct = at != NULL && strcmp(at, want) == 0;
		}
	}
	if (!direct) {
		harness_fail("no frame scanned out surface %u directly; last line: %s",
				iosurface_get_id(s), line);
	}
	// Then a later frame, captured (which composites it), shows its pixels.
	struct harness_image img;
	capture(&img);
	CHECK_EQ(compare_area(&img, 320, 240, 44), 0);
	harness_image_finish(&img);

	wl_buffer_destroy(buffer);
	iosurface_unref(s);
	iosurface_client_destroy(c);
	window_finish(&win);
	harness_compositor_stop(hc);
}

int main(int argc, char **argv) {
	return harness_main(argc, argv);
}
