/* A minimal xdg-shell window for display tests: one wl_surface, shown by buffer. */
#ifndef TESTS_DISPLAY_WINDOW_H
#define TESTS_DISPLAY_WINDOW_H

#include <stdbool.h>
#include <stdint.h>

#include <wayland-client.h>

struct window {
	struct wl_display *display;
	struct wl_registry *registry;
	struct wl_compositor *compositor;
	struct xdg_wm_base *wm_base;
	struct wl_surface *surface;
	struct xdg_surface *xdg_surface;
	struct xdg_toplevel *toplevel;
	bool configured;
	int32_t width, height; /* last configure; 0: our choice */
	int32_t initial_width, initial_height; /* the first configure of the surface */
	bool initial_done;
	uint32_t frames; /* frame callbacks received */
};

/* Connects to $WAYLAND_DISPLAY and maps nothing yet; fails the test on error. */
void window_init(struct window *w, bool fullscreen);

/*
 * Makes a new toplevel surface on the window's connection (after the old one's wl_surface,
 * xdg_surface and toplevel are destroyed), as window_init does.
 */
void window_open(struct window *w, bool fullscreen);

/* Waits for the first configure (acked). */
void window_wait_configure(struct window *w);

/*
 * Attaches buffer (damage: everything), commits, and waits until the compositor has shown the
 * frame (its frame callback ran).
 */
void window_show(struct window *w, struct wl_buffer *buffer);

void window_finish(struct window *w);

/* Counts wl_buffer.release events into *counter. */
void buffer_count_releases(struct wl_buffer *buffer, int *counter);

#endif
