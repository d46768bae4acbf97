/*
 * Lifecycle paths whose handling differs between wlroots releases, with iosurfaces on screen:
 * popups, a toplevel destroyed before its xdg_surface, fullscreen asked for before the first
 * commit (wlroots 0.18 and later leave the initial configure to the compositor), and an output
 * added and removed while an iosurface is shown on it (the reference compositor's
 * --debug-outputs: SIGUSR2 adds a headless output, or removes the added one). Each checks the
 * screen through wlr-screencopy (grim) and the surface's use count.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "e2e-util.h"
#include "window.h"
#include "xdg-shell-client-protocol.h"

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

/* Pixels of the w x h area at x0,y0 that differ from the pattern drawn from its corner. */
static size_t compare_rect(const struct harness_image *img, int x0, int y0, uint32_t w, uint32_t h,
		uint32_t tag) {
	size_t wrong = 0;
	for (uint32_t y = 0; y < h; y++) {
		for (uint32_t x = 0; x < w; x++) {
			uint32_t want = pattern_pixel(x, y, tag) & 0xffffff;
			uint32_t got = harness_image_pixel(img, x0 + (int)x, y0 + (int)y);
			if (got != want && wrong++ < 5) {
				fprintf(stderr, "pixel %d,%d: got 0x%06x, want 0x%06x\n", x0 + (int)x, y0 + (int)y,
						got, want);
			}
		}
	}
	return wrong;
}

static struct iosurface *create_shown(struct iosurface_client *c, uint32_t w, uint32_t h,
		uint32_t tag, struct wl_buffer **buffer) {
	struct iosurface_properties props = { .width = w,
		.height = h,
		.pixel_format = DRM_FORMAT_XRGB8888 };
	struct iosurface *s = iosurface_create(c, &props);
	CHECK_NOT_NULL(s);
	fill_pattern(s, tag);
	*buffer = iosurface_create_wl_buffer(s);
	CHECK_NOT_NULL(*buffer);
	return s;
}

/* Dispatches until *counter reaches want, or fails after 5 s (scaled). */
static void wait_counter(struct wl_display *display, const int *counter, int want) {
	int64_t deadline = harness_now_ms() + harness_scale_timeout(5000);
	while (*counter < want) {
		CHECK_LT(harness_now_ms(), deadline);
		CHECK_GE(wl_display_roundtrip(display), 0);
		harness_sleep_ms(5);
	}
}

/* Popups */

struct popup {
	struct wl_surface *surface;
	struct xdg_surface *xdg_surface;
	struct xdg_popup *xdg_popup;
	bool configured;
	int32_t x, y, width, height;
};

static void popup_surface_configure(void *data, struct xdg_surface *xdg_surface, uint32_t serial) {
	struct popup *popup = data;
	xdg_surface_ack_configure(xdg_surface, serial);
	popup->configured = true;
}

static const struct xdg_surface_listener popup_surface_listener = {
	.configure = popup_surface_configure,
};

static void popup_configure(void *data, struct xdg_popup *xdg_popup, int32_t x, int32_t y,
		int32_t width, int32_t height) {
	struct popup *popup = data;
	popup->x = x;
	popup->y = y;
	popup->width = width;
	popup->height = height;
}

static void popup_done(void *data, struct xdg_popup *xdg_popup) {
}

static const struct xdg_popup_listener popup_listener = {
	.configure = popup_configure,
	.popup_done = popup_done,
};

TEST(popup_shown_and_destroyed) {
	const char *args[] = { "--size", "320x240", NULL };
	struct harness_compositor *hc = harness_compositor_start(args);
	struct window win;
	window_init(&win, false);
	struct iosurface_client *c = iosurface_client_create(win.display);
	CHECK_NOT_NULL(c);
	struct wl_buffer *buffer, *popup_buffer;
	struct iosurface *s = create_shown(c, 200, 120, 51, &buffer);
	struct iosurface *ps = create_shown(c, 60, 40, 52, &popup_buffer);
	window_wait_configure(&win);
	window_show(&win, buffer);

	// A 60x40 popup whose top-left corner is at 20,30 of the window.
	struct popup popup = { 0 };
	struct xdg_positioner *positioner = xdg_wm_base_create_positioner(win.wm_base);
	xdg_positioner_set_size(positioner, 60, 40);
	xdg_positioner_set_anchor_rect(positioner, 20, 30, 1, 1);
	xdg_positioner_set_anchor(positioner, XDG_POSITIONER_ANCHOR_TOP_LEFT);
	xdg_positioner_set_gravity(positioner, XDG_POSITIONER_GRAVITY_BOTTOM_RIGHT);
	popup.surface = wl_compositor_create_surface(win.compositor);
	popup.xdg_surface = xdg_wm_base_get_xdg_surface(win.wm_base, popup.surface);
	xdg_surface_add_listener(popup.xdg_surface, &popup_surface_listener, &popup);
	popup.xdg_popup = xdg_surface_get_popup(popup.xdg_surface, win.xdg_surface, positioner);
	xdg_popup_add_listener(popup.xdg_popup, &popup_listener, &popup);
	xdg_positioner_destroy(positioner);
	wl_surface_commit(popup.surface);
	int64_t deadline = harness_now_ms() + harness_scale_timeout(5000);
	while (!popup.configured) {
		CHECK_LT(harness_now_ms(), deadline);
		CHECK_GE(wl_display_roundtrip(win.display), 0);
	}
	CHECK_EQ(popup.x, 20);
	CHECK_EQ(popup.y, 30);
	CHECK_EQ(popup.width, 60);
	CHECK_EQ(popup.height, 40);
	wl_surface_attach(popup.surface, popup_buffer, 0, 0);
	wl_surface_damage_buffer(popup.surface, 0, 0, INT32_MAX, INT32_MAX);
	wl_surface_commit(popup.surface);
	// The popup's frame is drawn with the next frame of the window.
	window_show(&win, buffer);
	CHECK_GLOBAL(ps, 1);

	struct harness_image img;
	capture(&img);
	CHECK_EQ(compare_rect(&img, 20, 30, 60, 40, 52), 0);
	CHECK_EQ(harness_image_pixel(&img, 10, 10), pattern_pixel(10, 10, 51) & 0xffffff);
	harness_image_finish(&img);

	// Destroyed: the window shows through again, and the popup's surface is free.
	int released = 0;
	buffer_count_releases(popup_buffer, &released);
	xdg_popup_destroy(popup.xdg_popup);
	xdg_surface_destroy(popup.xdg_surface);
	wl_surface_destroy(popup.surface);
	window_show(&win, buffer);
	wait_counter(win.display, &released, 1);
	CHECK_GLOBAL(ps, 0);
	capture(&img);
	CHECK_EQ(compare_rect(&img, 0, 0, 200, 120, 51), 0);
	harness_image_finish(&img);

	wl_buffer_destroy(popup_buffer);
	iosurface_unref(ps);
	wl_buffer_destroy(buffer);
	iosurface_unref(s);
	iosurface_client_destroy(c);
	window_finish(&win);
	harness_compositor_stop(hc);
}

/* A toplevel destroyed before its surface */

TEST(toplevel_destroyed_before_surface) {
	const char *args[] = { "--size", "320x240", NULL };
	struct harness_compositor *hc = harness_compositor_start(args);
	struct window win;
	window_init(&win, false);
	struct iosurface_client *c = iosurface_client_create(win.display);
	CHECK_NOT_NULL(c);
	struct wl_buffer *buffer;
	struct iosurface *s = create_shown(c, 200, 120, 71, &buffer);
	window_wait_configure(&win);
	window_show(&win, buffer);
	CHECK_GLOBAL(s, 1);

	// The role object goes first: the surface is unmapped, while the xdg_surface and the
	// wl_surface (which still holds the buffer) live on.
	xdg_toplevel_destroy(win.toplevel);
	CHECK_GE(wl_display_roundtrip(win.display), 0);
	struct harness_image img;
	capture(&img);
	CHECK_EQ(harness_image_pixel(&img, 10, 10), BACKGROUND);
	harness_image_finish(&img);
	CHECK(harness_compositor_alive(hc));

	// Then the rest: the buffer is let go and the surface is no longer in use.
	int released = 0;
	buffer_count_releases(buffer, &released);
	xdg_surface_destroy(win.xdg_surface);
	wl_surface_destroy(win.surface);
	wait_counter(win.display, &released, 1);
	CHECK_GLOBAL(s, 0);

	// A new window on the same connection is shown as usual.
	window_open(&win, false);
	window_wait_configure(&win);
	window_show(&win, buffer);
	CHECK_GLOBAL(s, 1);
	capture(&img);
	CHECK_EQ(compare_rect(&img, 0, 0, 200, 120, 71), 0);
	harness_image_finish(&img);

	wl_buffer_destroy(buffer);
	iosurface_unref(s);
	iosurface_client_destroy(c);
	window_finish(&win);
	harness_compositor_stop(hc);
}

/* Fullscreen asked for before the first commit */

TEST(fullscreen_before_first_commit) {
	const char *args[] = { "--size", "320x240", NULL };
	struct harness_compositor *hc = harness_compositor_start(args);
	struct window win;
	// set_fullscreen goes before the surface's first commit.
	window_init(&win, true);
	struct iosurface_client *c = iosurface_client_create(win.display);
	CHECK_NOT_NULL(c);
	window_wait_configure(&win);
	// The first configure already has the output's size (not one configure for the window
	// and then another for fullscreen).
	CHECK_EQ(win.initial_width, 320);
	CHECK_EQ(win.initial_height, 240);
	struct wl_buffer *buffer;
	struct iosurface *s = create_shown(c, 320, 240, 81, &buffer);
	window_show(&win, buffer);
	CHECK_GLOBAL(s, 1);
	struct harness_image img;
	capture(&img);
	CHECK_EQ(compare_rect(&img, 0, 0, 320, 240, 81), 0);
	harness_image_finish(&img);

	wl_buffer_destroy(buffer);
	iosurface_unref(s);
	iosurface_client_destroy(c);
	window_finish(&win);
	harness_compositor_stop(hc);
}

/* An output added and removed while an iosurface is shown on it */

struct outputs {
	struct wl_output *added; // the newest wl_output announced
	uint32_t added_name;
	bool removed;
};

static void outputs_global(void *data, struct wl_registry *registry, uint32_t name,
		const char *interface, uint32_t version) {
	struct outputs *outputs = data;
	if (strcmp(interface, wl_output_interface.name) == 0 && name > outputs->added_name) {
		if (outputs->added != NULL) {
			wl_output_destroy(outputs->added);
		}
		outputs->added = wl_registry_bind(registry, name, &wl_output_interface, 1);
		outputs->added_name = name;
	}
}

static void outputs_global_remove(void *data, struct wl_registry *registry, uint32_t name) {
	struct outputs *outputs = data;
	if (name == outputs->added_name) {
		outputs->removed = true;
	}
}

static const struct wl_registry_listener outputs_listener = {
	.global = outputs_global,
	.global_remove = outputs_global_remove,
};

static void toggle_output(struct harness_compositor *hc, const char *want) {
	CHECK_EQ(kill(harness_compositor_pid(hc), SIGUSR2), 0);
	char line[64];
	CHECK_EQ(harness_compositor_wait_line(hc, "outputs ", harness_scale_timeout(5000), line,
					 sizeof(line)),
			0);
	CHECK_STREQ(line, want);
}

TEST(output_added_and_removed_while_shown) {
	const char *args[] = { "--size", "320x240", "--debug-outputs", NULL };
	struct harness_compositor *hc = harness_compositor_start(args);
	struct window win;
	window_init(&win, false);
	struct iosurface_client *c = iosurface_client_create(win.display);
	CHECK_NOT_NULL(c);
	struct wl_buffer *buffer, *full_buffer;
	struct iosurface *s = create_shown(c, 200, 120, 91, &buffer);
	struct iosurface *fs = create_shown(c, 320, 240, 92, &full_buffer);
	window_wait_configure(&win);
	window_show(&win, buffer);

	// A second output, right of the first; the window goes fullscreen on it.
	struct outputs outputs = { 0 };
	struct wl_registry *registry = wl_display_get_registry(win.display);
	wl_registry_add_listener(registry, &outputs_listener, &outputs);
	CHECK_GE(wl_display_roundtrip(win.display), 0);
	uint32_t first_name = outputs.added_name;
	toggle_output(hc, "outputs 2");
	int64_t deadline = harness_now_ms() + harness_scale_timeout(5000);
	while (outputs.added_name == first_name) {
		CHECK_LT(harness_now_ms(), deadline);
		CHECK_GE(wl_display_roundtrip(win.display), 0);
	}
	win.configured = false;
	xdg_toplevel_set_fullscreen(win.toplevel, outputs.added);
	window_wait_configure(&win);
	CHECK_EQ(win.width, 320);
	CHECK_EQ(win.height, 240);
	window_show(&win, full_buffer);
	CHECK_GLOBAL(fs, 1);
	struct harness_image img;
	capture(&img);
	CHECK_EQ(img.width, 640);
	CHECK_EQ(compare_rect(&img, 320, 0, 320, 240, 92), 0);
	CHECK_EQ(harness_image_pixel(&img, 10, 10), BACKGROUND);
	harness_image_finish(&img);

	// The output goes while the surface is on it: the window comes back, not fullscreen, and
	// shows its next buffer on the first output.
	win.configured = false;
	toggle_output(hc, "outputs 1");
	window_wait_configure(&win);
	CHECK_EQ(win.width, 0);
	CHECK_EQ(win.height, 0);
	deadline = harness_now_ms() + harness_scale_timeout(5000);
	while (!outputs.removed) {
		CHECK_LT(harness_now_ms(), deadline);
		CHECK_GE(wl_display_roundtrip(win.display), 0);
	}
	window_show(&win, buffer);
	CHECK_GLOBAL(fs, 0);
	CHECK_GLOBAL(s, 1);
	capture(&img);
	CHECK_EQ(img.width, 320);
	CHECK_EQ(compare_rect(&img, 0, 0, 200, 120, 91), 0);
	harness_image_finish(&img);
	CHECK(harness_compositor_alive(hc));

	wl_output_destroy(outputs.added);
	wl_registry_destroy(registry);
	wl_buffer_destroy(full_buffer);
	iosurface_unref(fs);
	wl_buffer_destroy(buffer);
	iosurface_unref(s);
	iosurface_client_destroy(c);
	window_finish(&win);
	harness_compositor_stop(hc);
}

int main(int argc, char **argv) {
	return harness_main(argc, argv);
}
