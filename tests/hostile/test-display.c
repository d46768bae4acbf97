/*
 * The display path under attack: wl_buffers of surfaces whose layout does not fit their
 * format, buffers destroyed or emptied while the compositor shows them, clients that vanish
 * while shown. The compositor must read only a surface's own memory, keep running, and give
 * back every descriptor.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hostile.h"
#include "xdg-shell-client-protocol.h"

/* ---- A toplevel showing one wl_buffer ---- */

struct window {
	struct hostile_conn *conn;
	struct wl_registry *registry;
	struct wl_compositor *compositor;
	struct xdg_wm_base *wm_base;
	struct wl_surface *surface;
	struct xdg_surface *xdg_surface;
	struct xdg_toplevel *toplevel;
	bool configured;
	uint32_t serial;
};

static void wm_base_handle_ping(void *data, struct xdg_wm_base *wm_base, uint32_t serial) {
	xdg_wm_base_pong(wm_base, serial);
}

static const struct xdg_wm_base_listener wm_base_listener = {
	.ping = wm_base_handle_ping,
};

static void xdg_surface_handle_configure(void *data, struct xdg_surface *xdg_surface,
		uint32_t serial) {
	struct window *w = data;
	w->configured = true;
	w->serial = serial;
}

static const struct xdg_surface_listener xdg_surface_listener = {
	.configure = xdg_surface_handle_configure,
};

static void toplevel_handle_configure(void *data, struct xdg_toplevel *toplevel, int32_t width,
		int32_t height, struct wl_array *states) {
}

static void toplevel_handle_close(void *data, struct xdg_toplevel *toplevel) {
}

static const struct xdg_toplevel_listener toplevel_listener = {
	.configure = toplevel_handle_configure,
	.close = toplevel_handle_close,
};

static void registry_handle_global(void *data, struct wl_registry *registry, uint32_t name,
		const char *interface, uint32_t version) {
	struct window *w = data;
	if (strcmp(interface, wl_compositor_interface.name) == 0) {
		w->compositor = wl_registry_bind(registry, name, &wl_compositor_interface, 4);
	} else if (strcmp(interface, xdg_wm_base_interface.name) == 0) {
		w->wm_base = wl_registry_bind(registry, name, &xdg_wm_base_interface, 1);
		xdg_wm_base_add_listener(w->wm_base, &wm_base_listener, w);
	}
}

static void registry_handle_global_remove(void *data, struct wl_registry *registry, uint32_t name) {
}

static const struct wl_registry_listener registry_listener = {
	.global = registry_handle_global,
	.global_remove = registry_handle_global_remove,
};

/* A mapped-to-be toplevel at the layout's origin, configured, with no buffer yet. */
static struct window *window_create(struct hostile_conn *conn) {
	struct window *w = calloc(1, sizeof(*w));
	CHECK_NOT_NULL(w);
	w->conn = conn;
	w->registry = wl_display_get_registry(conn->display);
	wl_registry_add_listener(w->registry, &registry_listener, w);
	hostile_roundtrip(conn);
	CHECK_NOT_NULL(w->compositor);
	CHECK_NOT_NULL(w->wm_base);
	w->surface = wl_compositor_create_surface(w->compositor);
	w->xdg_surface = xdg_wm_base_get_xdg_surface(w->wm_base, w->surface);
	xdg_surface_add_listener(w->xdg_surface, &xdg_surface_listener, w);
	w->toplevel = xdg_surface_get_toplevel(w->xdg_surface);
	xdg_toplevel_add_listener(w->toplevel, &toplevel_listener, w);
	xdg_toplevel_set_title(w->toplevel, "hostile");
	wl_surface_commit(w->surface);
	while (!w->configured) {
		hostile_roundtrip(conn);
	}
	xdg_surface_ack_configure(w->xdg_surface, w->serial);
	return w;
}

static void frame_handle_done(void *data, struct wl_callback *callback, uint32_t time) {
	bool *done = data;
	*done = true;
}

static const struct wl_callback_listener frame_listener = {
	.done = frame_handle_done,
};

/* Attaches buffer (may be NULL), commits, and waits (up to 3 s) for a frame to be shown. */
static bool window_show(struct window *w, struct wl_buffer *buffer, int32_t width, int32_t height) {
	bool done = false;
	struct wl_callback *frame = wl_surface_frame(w->surface);
	wl_callback_add_listener(frame, &frame_listener, &done);
	wl_surface_attach(w->surface, buffer, 0, 0);
	wl_surface_damage(w->surface, 0, 0, width, height);
	wl_surface_commit(w->surface);
	int64_t deadline = harness_now_ms() + harness_scale_timeout(3000);
	while (!done && harness_now_ms() < deadline) {
		hostile_roundtrip_within(w->conn, 50);
	}
	wl_callback_destroy(frame);
	return done;
}

static void window_destroy(struct window *w) {
	xdg_toplevel_destroy(w->toplevel);
	xdg_surface_destroy(w->xdg_surface);
	wl_surface_destroy(w->surface);
	xdg_wm_base_destroy(w->wm_base);
	wl_compositor_destroy(w->compositor);
	wl_registry_destroy(w->registry);
	free(w);
}

/* Drops the proxies locally only (the connection is about to go, as when a client dies). */
static void window_forget(struct window *w) {
	wl_proxy_destroy((struct wl_proxy *)w->toplevel);
	wl_proxy_destroy((struct wl_proxy *)w->xdg_surface);
	wl_proxy_destroy((struct wl_proxy *)w->surface);
	wl_proxy_destroy((struct wl_proxy *)w->wm_base);
	wl_proxy_destroy((struct wl_proxy *)w->compositor);
	wl_registry_destroy(w->registry);
	free(w);
}

static void fill_words(struct hostile_surface *s, uint32_t word) {
	uint32_t *map = mmap(NULL, s->alloc_size, PROT_READ | PROT_WRITE, MAP_SHARED, s->mem_fd[0], 0);
	CHECK(map != MAP_FAILED);
	for (size_t i = 0; i < s->alloc_size / 4; i++) {
		map[i] = word;
	}
	munmap(map, s->alloc_size);
}

static uint32_t slot_word(struct hostile_conn *c, struct hostile_surface *s, int word) {
	uint32_t *pool = mmap(NULL, c->pool_size, PROT_READ, MAP_SHARED, c->pool_fd, 0);
	CHECK(pool != MAP_FAILED);
	uint32_t v = __atomic_load_n(&pool[s->slot * 8 + word], __ATOMIC_ACQUIRE);
	munmap(pool, c->pool_size);
	return v;
}

#define SLOT_USE_COUNT 0
#define SLOT_FLAGS 3
#define SLOT_FLAG_SHOWN 4u

/* ---- Layouts that do not fit the format ---- */

/*
 * An ARGB8888 surface whose elements are declared 1 byte: its rows are width bytes, not
 * 4 x width. Shown as ARGB8888 with that stride, the last rows reach past the end of its
 * memory. The compositor must refuse the wl_buffer, or show it without reading outside the
 * surface: every pixel of the window must come from the surface's own memory.
 */
static void run_short_rows(uint32_t bpe, uint32_t ew) {
	const uint32_t width = 1024, height = 64;
	struct harness_compositor *hc = harness_compositor_start(HOSTILE_ARGS("--size", "1280x128"));
	int baseline = hostile_settled_fd_count(hc);
	// Another client's surface, shown first, so that its memory is mapped in the compositor
	// near where the hostile surface will be.
	struct hostile_conn *victim = hostile_connect();
	struct hostile_surface *v = hostile_create_ok(victim, 64, 64);
	fill_words(v, 0xff5a5a5au);
	struct window *vw = window_create(victim);
	struct wl_buffer *vb = iosurface_v1_create_buffer(v->proxy);
	CHECK(window_show(vw, vb, 64, 64));

	struct hostile_conn *c = hostile_connect();
	struct iosurface_params_v1 *p = iosurface_manager_v1_create_params(c->manager);
	iosurface_params_v1_set_size(p, width, height);
	iosurface_params_v1_set_format(p, DRM_FORMAT_ARGB8888);
	iosurface_params_v1_set_element(p, bpe, ew, 1);
	struct hostile_surface *s = hostile_surface_wrap(c, iosurface_params_v1_create(p));
	iosurface_params_v1_destroy(p);
	hostile_roundtrip(c);
	CHECK(s->done);
	CHECK_LT(s->bytes_per_row, width * 4);
	const uint32_t pattern = 0xff123456u;
	fill_words(s, pattern);
	struct window *w = window_create(c);
	struct wl_buffer *b = iosurface_v1_create_buffer(s->proxy);
	if (wl_display_roundtrip(c->display) < 0) {
		// Refusing the buffer is a fix; it must be the documented error on the surface.
		hostile_expect_error(c, s->proxy, &iosurface_v1_interface,
				IOSURFACE_V1_ERROR_UNSUPPORTED_FORMAT);
		wl_proxy_destroy((struct wl_proxy *)b);
		window_forget(w);
		hostile_surface_destroy(s);
		hostile_disconnect(c);
	} else {
		// Both windows sit at the origin; ours, opaque, is on top.
		bool shown = window_show(w, b, (int32_t)width, (int32_t)height);
		bool alive = harness_compositor_alive(hc);
		if (!alive) {
			FAIL("the compositor died showing an ARGB8888 surface with %u-byte rows",
					s->bytes_per_row);
		}
		CHECK(shown);
		if (!harness_have_program("grim")) {
			SKIP("grim is not installed: cannot read back what is shown");
		}
		char path[4200];
		snprintf(path, sizeof(path), "%s/shot.ppm", harness_compositor_runtime_dir(hc));
		CHECK_EQ(harness_capture(path), 0);
		struct harness_image img;
		CHECK_EQ(harness_read_ppm(path, &img), 0);
		uint32_t outside = 0, sample = 0;
		int sx = -1, sy = -1;
		for (int y = 0; y < (int)height && y < img.height; y++) {
			for (int x = 0; x < (int)width && x < img.width; x++) {
				uint32_t px = harness_image_pixel(&img, x, y);
				if (px != (pattern & 0xffffffu)) {
					if (outside++ == 0) {
						sample = px;
						sx = x;
						sy = y;
					}
				}
			}
		}
		harness_image_finish(&img);
		unlink(path);
		uint32_t alloc_size = s->alloc_size, bytes_per_row = s->bytes_per_row;
		wl_buffer_destroy(b);
		window_destroy(w);
		hostile_surface_destroy(s);
		hostile_roundtrip(c);
		hostile_disconnect(c);
		if (outside > 0) {
			// Rows of bytes_per_row bytes shown as width x 4 bytes reach past alloc_size.
			FAIL("%u pixels from outside its %u bytes (rows of %u; first %d,%d: 0x%06x)", outside,
					alloc_size, bytes_per_row, sx, sy, sample);
		}
	}
	wl_buffer_destroy(vb);
	window_destroy(vw);
	hostile_surface_destroy(v);
	hostile_roundtrip(victim);
	hostile_disconnect(victim);
	hostile_check_serving(hc);
	CHECK_EQ(hostile_wait_fd_count(hc, baseline, 2000), baseline);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

TEST(argb_buffer_with_1_byte_elements_reads_only_its_memory) {
	run_short_rows(1, 1);
}

TEST(argb_buffer_with_16_pixel_elements_reads_only_its_memory) {
	run_short_rows(4, 16);
}

/* ---- Lifetimes while shown ---- */

TEST(buffer_and_surface_destroyed_while_shown) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	int baseline = hostile_settled_fd_count(hc);
	struct hostile_conn *c = hostile_connect();
	struct hostile_surface *s = hostile_create_ok(c, 128, 128);
	fill_words(s, 0xff00ff00u);
	struct window *w = window_create(c);
	struct wl_buffer *b = iosurface_v1_create_buffer(s->proxy);
	CHECK(window_show(w, b, 128, 128));
	CHECK(slot_word(c, s, SLOT_FLAGS) & SLOT_FLAG_SHOWN);
	CHECK_GE(slot_word(c, s, SLOT_USE_COUNT), 1);
	// Both handles go while the compositor still holds the buffer for display.
	wl_buffer_destroy(b);
	hostile_surface_destroy(s);
	hostile_roundtrip(c);
	// Frames go on; then the window goes too.
	harness_sleep_ms(100);
	hostile_roundtrip(c);
	CHECK(harness_compositor_alive(hc));
	window_destroy(w);
	hostile_roundtrip(c);
	hostile_disconnect(c);
	CHECK_EQ(hostile_wait_fd_count(hc, baseline, 2000), baseline);
	hostile_check_serving(hc);
	CHECK_EQ(hostile_wait_fd_count(hc, baseline, 2000), baseline);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

TEST(client_gone_while_shown) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	int baseline = hostile_settled_fd_count(hc);
	for (int round = 0; round < 3; round++) {
		struct hostile_conn *c = hostile_connect();
		struct hostile_surface *s = hostile_create_ok(c, 96, 64);
		fill_words(s, 0xff0000ffu);
		struct window *w = window_create(c);
		struct wl_buffer *b[2] = { iosurface_v1_create_buffer(s->proxy),
			iosurface_v1_create_buffer(s->proxy) };
		CHECK(window_show(w, b[0], 96, 64));
		// A second buffer of the same surface attached and committed, not waited for.
		wl_surface_attach(w->surface, b[1], 0, 0);
		wl_surface_commit(w->surface);
		if (round == 1) {
			// A port keeps the surface past the client.
			uint32_t serial;
			int port = hostile_take_port(c, &serial);
			iosurface_v1_bind_port(s->proxy, serial, 0);
			hostile_roundtrip(c);
			wl_proxy_destroy((struct wl_proxy *)b[0]);
			wl_proxy_destroy((struct wl_proxy *)b[1]);
			window_forget(w);
			hostile_surface_destroy(s);
			hostile_disconnect(c);
			harness_sleep_ms(100);
			close(port);
		} else {
			wl_proxy_destroy((struct wl_proxy *)b[0]);
			wl_proxy_destroy((struct wl_proxy *)b[1]);
			window_forget(w);
			hostile_surface_destroy(s);
			hostile_disconnect(c);
		}
		CHECK(harness_compositor_alive(hc));
	}
	CHECK_EQ(hostile_wait_fd_count(hc, baseline, 2000), baseline);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

TEST(surface_emptied_while_shown) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct hostile_conn *c = hostile_connect();
	struct hostile_surface *s = hostile_create_ok(c, 128, 128);
	fill_words(s, 0xffffffffu);
	struct window *w = window_create(c);
	struct wl_buffer *b = iosurface_v1_create_buffer(s->proxy);
	CHECK(window_show(w, b, 128, 128));
	// Drop the pages under the compositor's mapping.
	iosurface_v1_set_purgeable(s->proxy, IOSURFACE_V1_PURGEABLE_EMPTY);
	hostile_roundtrip(c);
	CHECK_EQ(s->purgeable_done, 1);
	CHECK(window_show(w, b, 128, 128));
	CHECK(harness_compositor_alive(hc));
	wl_buffer_destroy(b);
	window_destroy(w);
	hostile_surface_destroy(s);
	hostile_roundtrip(c);
	hostile_disconnect(c);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

int main(int argc, char **argv) {
	return harness_main(argc, argv);
}
