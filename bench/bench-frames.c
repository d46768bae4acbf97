/*
 * Figure 6: producer -> consumer -> display, 1920x1080 ARGB8888, steady state.
 *
 * Two processes and the compositor. The consumer shows frames on an xdg_toplevel, one per
 * frame callback: on each callback it asks the producer for a frame (one byte over a
 * socketpair), gets back an index, attaches the matching wl_buffer and commits. The producer
 * draws every pixel of each frame with the CPU.
 *
 * iosurface: the producer allocates a pool of surfaces once and hands each to the consumer
 * through a port once; the consumer redeems each and makes one wl_buffer per surface. From
 * then on only indices cross the socket: the producer draws straight into a surface that is
 * not in use (iosurface_is_in_use: the compositor counts a surface from commit to release) and
 * the compositor reads the same pages. No byte is copied by either process.
 *
 * Floor, wl_shm with one copy: the producer draws into a shared frame ring it handed to the
 * consumer once (so the hand-over itself copies nothing either); the consumer copies each frame
 * into one of its own wl_shm buffers that the compositor has released, attaches and commits.
 * This is the usual pipeline of a process that receives frames it did not allocate from the
 * compositor, e.g. a UI process fed by a decoder process.
 *
 * CPU time of the three processes is read from their CPU clocks (clock_getcpuclockid) at the
 * start and end of a window of frames taken after a warm-up; copies and allocations are
 * counted by the code that makes them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <iosurface/iosurface.h>
#include <wayland-client.h>

#include "bench.h"
#include "xdg-shell-client-protocol.h"

#define FRAME_WIDTH 1920
#define FRAME_HEIGHT 1080
#define FRAME_STRIDE (FRAME_WIDTH * 4)
#define FRAME_SIZE ((size_t)FRAME_STRIDE * FRAME_HEIGHT)
#define POOL_SIZE 4 /* buffers in flight: the pool of surfaces, and of wl_shm buffers */
#define RING_SLOTS 2

enum mode {
	MODE_SHM,
	MODE_IOSURFACE,
};

/* Written by the children, read by the parent. */
struct frames_shared {
	/*
	 * Frames committed by the consumer (low 32 bits) and of them those it copied into a
	 * wl_shm buffer (high 32 bits): one word, so that a snapshot sees a frame and its copy
	 * together.
	 */
	_Atomic uint64_t frame_counts;
	_Atomic int stop;              /* set by the parent */
	_Atomic uint64_t allocations;  /* surfaces or wl_shm buffers made, by either process */
	_Atomic uint64_t stalls;       /* producer found no free surface and waited */
};

struct frames_plan {
	enum mode mode;
	int sock, parent_sock;
	struct frames_shared *shared;
};

static void draw(uint32_t *pixels, size_t stride_words, uint32_t frame) {
	// Every pixel, opaque, different in every frame.
	for (uint32_t y = 0; y < FRAME_HEIGHT; y++) {
		uint32_t *row = pixels + y * stride_words;
		uint32_t base = 0xff000000u | ((frame * 4 + y) & 0xff) << 16;
		for (uint32_t x = 0; x < FRAME_WIDTH; x++) {
			row[x] = base | (x & 0xffff);
		}
	}
}

/* ---- Producer ---- */

static int producer_iosurface(const struct frames_plan *plan) {
	struct iosurface_client *client = iosurface_client_connect(NULL);
	CHECK_NOT_NULL(client);
	struct iosurface_properties props = {
		.width = FRAME_WIDTH,
		.height = FRAME_HEIGHT,
		.pixel_format = BENCH_FORMAT_ARGB8888,
	};
	struct iosurface *pool[POOL_SIZE];
	for (uint32_t i = 0; i < POOL_SIZE; i++) {
		pool[i] = iosurface_create(client, &props);
		CHECK_NOT_NULL(pool[i]);
		atomic_fetch_add(&plan->shared->allocations, 1);
		int port = iosurface_create_port(pool[i]);
		CHECK_GE(port, 0);
		CHECK_EQ(iosurface_port_send(plan->sock, port, &i, sizeof(i)), 0);
		close(port);
	}
	// Once the consumer has redeemed them and closed its copies of the ports, nothing holds
	// the surfaces until they are shown.
	char byte;
	bench_read_full(plan->sock, &byte, 1);
	for (uint32_t i = 0; i < POOL_SIZE; i++) {
		uint64_t deadline = bench_now_ns() + 5000000000ull;
		while (iosurface_is_in_use(pool[i])) {
			CHECK(bench_now_ns() < deadline);
			usleep(100);
		}
	}

	uint32_t frame = 0, next = 0;
	while (read(plan->sock, &byte, 1) == 1) {
		// The consumer asks for a frame only after the compositor handled its last commit,
		// so every surface it shows or is about to show already counts as in use.
		uint32_t pick = POOL_SIZE;
		uint64_t deadline = bench_now_ns() + 5000000000ull;
		while (pick == POOL_SIZE) {
			for (uint32_t k = 0; k < POOL_SIZE; k++) {
				uint32_t i = (next + k) % POOL_SIZE;
				if (!iosurface_is_in_use(pool[i])) {
					pick = i;
					break;
				}
			}
			if (pick == POOL_SIZE) {
				atomic_fetch_add(&plan->shared->stalls, 1);
				CHECK(bench_now_ns() < deadline);
				usleep(50);
			}
		}
		next = (pick + 1) % POOL_SIZE;
		struct iosurface *s = pool[pick];
		CHECK_EQ(iosurface_lock(s, 0, NULL), 0);
		draw(iosurface_get_base_address(s), iosurface_get_bytes_per_row(s) / 4, frame++);
		CHECK_EQ(iosurface_unlock(s, 0, NULL), 0);
		bench_write_full(plan->sock, &pick, sizeof(pick));
	}
	for (uint32_t i = 0; i < POOL_SIZE; i++) {
		iosurface_unref(pool[i]);
	}
	iosurface_client_destroy(client);
	return 0;
}

static int producer_shm(const struct frames_plan *plan) {
	size_t size = FRAME_SIZE * RING_SLOTS;
	int fd = memfd_create("bench-ring", MFD_CLOEXEC);
	CHECK_GE(fd, 0);
	CHECK_EQ(ftruncate(fd, (off_t)size), 0);
	uint8_t *ring = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(ring != MAP_FAILED);
	bench_send_fd(plan->sock, fd);
	close(fd);
	uint32_t frame = 0;
	char byte;
	while (read(plan->sock, &byte, 1) == 1) {
		// The consumer asks for a frame after it copied the last one: any slot is free.
		uint32_t slot = frame % RING_SLOTS;
		draw((uint32_t *)(ring + slot * FRAME_SIZE), FRAME_WIDTH, frame++);
		bench_write_full(plan->sock, &slot, sizeof(slot));
	}
	munmap(ring, size);
	return 0;
}

static int producer_main(void *data) {
	const struct frames_plan *plan = data;
	close(plan->parent_sock);
	int ret = plan->mode == MODE_IOSURFACE ? producer_iosurface(plan) : producer_shm(plan);
	close(plan->sock);
	return ret;
}

/* ---- Consumer ---- */

struct consumer {
	const struct frames_plan *plan;
	struct wl_display *display;
	struct wl_compositor *compositor;
	struct wl_shm *shm;
	struct xdg_wm_base *wm_base;
	struct wl_surface *surface;
	struct xdg_surface *xdg_surface;
	struct xdg_toplevel *toplevel;
	bool configured, frame_done;

	struct wl_buffer *buffers[POOL_SIZE];
	bool busy[POOL_SIZE];
	uint8_t *shm_map; /* the consumer's own wl_shm pool, POOL_SIZE frames */
	const uint8_t *ring;

	struct iosurface_client *client;
	struct iosurface *surfaces[POOL_SIZE];
};

static void wm_base_handle_ping(void *data, struct xdg_wm_base *wm_base, uint32_t serial) {
	xdg_wm_base_pong(wm_base, serial);
}

static const struct xdg_wm_base_listener wm_base_listener = {
	.ping = wm_base_handle_ping,
};

static void registry_handle_global(void *data, struct wl_registry *registry, uint32_t name,
		const char *interface, uint32_t version) {
	struct consumer *c = data;
	if (strcmp(interface, wl_compositor_interface.name) == 0) {
		c->compositor = wl_registry_bind(registry, name, &wl_compositor_interface, 4);
	} else if (strcmp(interface, wl_shm_interface.name) == 0) {
		c->shm = wl_registry_bind(registry, name, &wl_shm_interface, 1);
	} else if (strcmp(interface, xdg_wm_base_interface.name) == 0) {
		c->wm_base = wl_registry_bind(registry, name, &xdg_wm_base_interface, 1);
		xdg_wm_base_add_listener(c->wm_base, &wm_base_listener, c);
	}
}

static void registry_handle_global_remove(void *data, struct wl_registry *registry,
		uint32_t name) {
}

static const struct wl_registry_listener registry_listener = {
	.global = registry_handle_global,
	.global_remove = registry_handle_global_remove,
};

static void xdg_surface_handle_configure(void *data, struct xdg_surface *xdg_surface,
		uint32_t serial) {
	struct consumer *c = data;
	xdg_surface_ack_configure(xdg_surface, serial);
	c->configured = true;
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

static void buffer_handle_release(void *data, struct wl_buffer *buffer) {
	bool *busy = data;
	*busy = false;
}

static const struct wl_buffer_listener buffer_listener = {
	.release = buffer_handle_release,
};

static void frame_handle_done(void *data, struct wl_callback *callback, uint32_t time) {
	struct consumer *c = data;
	c->frame_done = true;
	wl_callback_destroy(callback);
}

static const struct wl_callback_listener frame_listener = {
	.done = frame_handle_done,
};

static void dispatch_until(struct consumer *c, const bool *flag, bool value) {
	while (*flag != value) {
		if (wl_display_dispatch(c->display) < 0) {
			FAIL("consumer: connection lost (%s)", strerror(wl_display_get_error(c->display)));
		}
	}
}

static void consumer_setup_window(struct consumer *c) {
	c->display = wl_display_connect(NULL);
	CHECK_NOT_NULL(c->display);
	struct wl_registry *registry = wl_display_get_registry(c->display);
	wl_registry_add_listener(registry, &registry_listener, c);
	CHECK_GE(wl_display_roundtrip(c->display), 0);
	wl_registry_destroy(registry);
	CHECK_NOT_NULL(c->compositor);
	CHECK_NOT_NULL(c->shm);
	CHECK_NOT_NULL(c->wm_base);
	c->surface = wl_compositor_create_surface(c->compositor);
	c->xdg_surface = xdg_wm_base_get_xdg_surface(c->wm_base, c->surface);
	xdg_surface_add_listener(c->xdg_surface, &xdg_surface_listener, c);
	c->toplevel = xdg_surface_get_toplevel(c->xdg_surface);
	xdg_toplevel_add_listener(c->toplevel, &toplevel_listener, c);
	xdg_toplevel_set_title(c->toplevel, "iosurface-bench frames");
	wl_surface_commit(c->surface);
	dispatch_until(c, &c->configured, true);
}

static void consumer_setup_iosurface(struct consumer *c) {
	const struct frames_plan *plan = c->plan;
	c->client = iosurface_client_create(c->display);
	CHECK_NOT_NULL(c->client);
	for (int n = 0; n < POOL_SIZE; n++) {
		uint32_t index;
		size_t len = sizeof(index);
		int port = iosurface_port_receive(plan->sock, &index, &len);
		CHECK_GE(port, 0);
		CHECK(len == sizeof(index) && index < POOL_SIZE);
		c->surfaces[index] = iosurface_lookup_from_port(c->client, port);
		CHECK_NOT_NULL(c->surfaces[index]);
		atomic_fetch_add(&plan->shared->allocations, 1);
		close(port);
		c->buffers[index] = iosurface_create_wl_buffer(c->surfaces[index]);
		CHECK_NOT_NULL(c->buffers[index]);
		wl_buffer_add_listener(c->buffers[index], &buffer_listener, &c->busy[index]);
	}
	char byte = 'k';
	bench_write_full(plan->sock, &byte, 1);
}

static void consumer_setup_shm(struct consumer *c) {
	const struct frames_plan *plan = c->plan;
	int ring_fd = bench_receive_fd(plan->sock);
	c->ring = mmap(NULL, FRAME_SIZE * RING_SLOTS, PROT_READ, MAP_SHARED, ring_fd, 0);
	CHECK(c->ring != MAP_FAILED);
	close(ring_fd);
	size_t size = FRAME_SIZE * POOL_SIZE;
	int fd = memfd_create("bench-wl-shm", MFD_CLOEXEC);
	CHECK_GE(fd, 0);
	CHECK_EQ(ftruncate(fd, (off_t)size), 0);
	c->shm_map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(c->shm_map != MAP_FAILED);
	struct wl_shm_pool *pool = wl_shm_create_pool(c->shm, fd, (int32_t)size);
	close(fd);
	for (int i = 0; i < POOL_SIZE; i++) {
		c->buffers[i] = wl_shm_pool_create_buffer(pool, (int32_t)(FRAME_SIZE * (size_t)i),
				FRAME_WIDTH, FRAME_HEIGHT, FRAME_STRIDE, WL_SHM_FORMAT_ARGB8888);
		wl_buffer_add_listener(c->buffers[i], &buffer_listener, &c->busy[i]);
		atomic_fetch_add(&plan->shared->allocations, 1);
	}
	wl_shm_pool_destroy(pool);
}

/* The wl_shm buffer to copy the next frame into: one the compositor released. */
static int free_shm_buffer(struct consumer *c) {
	for (;;) {
		for (int i = 0; i < POOL_SIZE; i++) {
			if (!c->busy[i]) {
				return i;
			}
		}
		if (wl_display_dispatch(c->display) < 0) {
			FAIL("consumer: connection lost");
		}
	}
}

static int consumer_main(void *data) {
	const struct frames_plan *plan = data;
	close(plan->parent_sock);
	struct consumer c = { .plan = plan };
	consumer_setup_window(&c);
	if (plan->mode == MODE_IOSURFACE) {
		consumer_setup_iosurface(&c);
	} else {
		consumer_setup_shm(&c);
	}

	while (!atomic_load(&plan->shared->stop)) {
		char request = 'f';
		bench_write_full(plan->sock, &request, 1);
		uint32_t index;
		bench_read_full(plan->sock, &index, sizeof(index));
		CHECK_LT(index, plan->mode == MODE_IOSURFACE ? POOL_SIZE : RING_SLOTS);
		int b = (int)index;
		if (plan->mode == MODE_SHM) {
			b = free_shm_buffer(&c);
			memcpy(c.shm_map + FRAME_SIZE * (size_t)b, c.ring + FRAME_SIZE * index, FRAME_SIZE);
		}
		c.busy[b] = true;
		wl_surface_attach(c.surface, c.buffers[b], 0, 0);
		wl_surface_damage_buffer(c.surface, 0, 0, INT32_MAX, INT32_MAX);
		struct wl_callback *callback = wl_surface_frame(c.surface);
		wl_callback_add_listener(callback, &frame_listener, &c);
		c.frame_done = false;
		wl_surface_commit(c.surface);
		dispatch_until(&c, &c.frame_done, true);
		atomic_fetch_add(&plan->shared->frame_counts,
				1 | (plan->mode == MODE_SHM ? UINT64_C(1) << 32 : 0));
	}
	// The producer sees the end of the socket and stops.
	close(plan->sock);

	wl_surface_attach(c.surface, NULL, 0, 0);
	wl_surface_commit(c.surface);
	for (int i = 0; i < POOL_SIZE; i++) {
		wl_buffer_destroy(c.buffers[i]);
		iosurface_unref(c.surfaces[i]);
	}
	xdg_toplevel_destroy(c.toplevel);
	xdg_surface_destroy(c.xdg_surface);
	wl_surface_destroy(c.surface);
	wl_display_roundtrip(c.display);
	iosurface_client_destroy(c.client);
	if (c.shm_map != NULL) {
		munmap(c.shm_map, FRAME_SIZE * POOL_SIZE);
		munmap((void *)c.ring, FRAME_SIZE * RING_SLOTS);
	}
	xdg_wm_base_destroy(c.wm_base);
	wl_shm_destroy(c.shm);
	wl_compositor_destroy(c.compositor);
	wl_display_disconnect(c.display);
	return 0;
}

/* ---- The run ---- */

struct frames_result {
	double cpu_us[3]; /* per frame: producer, consumer, compositor */
	double total_us;
	double bytes_per_frame, allocations_per_frame;
	double fps;
	uint64_t stalls;
};

struct snapshot {
	int frames;
	int64_t cpu[3];
	uint64_t bytes, allocations, ns;
};

static void wait_frames(struct frames_shared *shared, int frames) {
	uint64_t deadline = bench_now_ns() + 60000000000ull;
	while ((int)(uint32_t)atomic_load(&shared->frame_counts) < frames) {
		CHECK(bench_now_ns() < deadline);
		struct timespec ts = { 0, 200000 };
		nanosleep(&ts, NULL);
	}
}

static void take_snapshot(struct frames_shared *shared, const pid_t pids[3], struct snapshot *s) {
	uint64_t counts = atomic_load(&shared->frame_counts);
	s->frames = (int)(uint32_t)counts;
	s->bytes = (counts >> 32) * FRAME_SIZE;
	for (int i = 0; i < 3; i++) {
		s->cpu[i] = bench_process_cpu_ns(pids[i]);
		CHECK_GE(s->cpu[i], 0);
	}
	s->allocations = atomic_load(&shared->allocations);
	s->ns = bench_now_ns();
}

static void run_pipeline(enum mode mode, pid_t compositor, int warm, int window,
		struct frames_result *out) {
	int sv[2];
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	struct frames_shared *shared = bench_shared_alloc(sizeof(*shared));
	struct frames_plan producer_plan = {
		.mode = mode, .sock = sv[0], .parent_sock = sv[1], .shared = shared,
	};
	struct frames_plan consumer_plan = {
		.mode = mode, .sock = sv[1], .parent_sock = sv[0], .shared = shared,
	};
	pid_t producer = bench_fork(producer_main, &producer_plan);
	pid_t consumer = bench_fork(consumer_main, &consumer_plan);
	close(sv[0]);
	close(sv[1]);
	const pid_t pids[3] = { producer, consumer, compositor };

	struct snapshot a, b;
	wait_frames(shared, warm);
	take_snapshot(shared, pids, &a);
	wait_frames(shared, a.frames + window);
	take_snapshot(shared, pids, &b);
	atomic_store(&shared->stop, 1);
	bench_wait_child(consumer, "frames consumer");
	bench_wait_child(producer, "frames producer");

	double frames = b.frames - a.frames;
	CHECK_GT(frames, 0);
	out->total_us = 0;
	for (int i = 0; i < 3; i++) {
		out->cpu_us[i] = (double)(b.cpu[i] - a.cpu[i]) / 1e3 / frames;
		out->total_us += out->cpu_us[i];
	}
	out->bytes_per_frame = (double)(b.bytes - a.bytes) / frames;
	out->allocations_per_frame = (double)(b.allocations - a.allocations) / frames;
	out->fps = frames / ((double)(b.ns - a.ns) / 1e9);
	out->stalls = atomic_load(&shared->stalls);
	bench_shared_free(shared, sizeof(*shared));
}

void bench_frames(void) {
	struct harness_compositor *hc = bench_compositor_start("1920x1080");
	pid_t compositor = harness_compositor_pid(hc);
	int warm = bench_iters(60, 5);
	int window = bench_iters(300, 20);
	struct frames_result shm, ios;
	run_pipeline(MODE_SHM, compositor, warm, window, &shm);
	run_pipeline(MODE_IOSURFACE, compositor, warm, window, &ios);
	CHECK(ios.total_us > 0 && shm.total_us > 0);
	CHECK_EQ(shm.bytes_per_frame, FRAME_SIZE);

	struct bench_row *row = bench_add_row(
			"1080p frames: CPU time per frame, producer + consumer + compositor", "us",
			ios.total_us, shm.total_us, "< 1x (less than wl_shm)", BENCH_MET_UNKNOWN);
	row->met = row->ratio < 1.0 ? BENCH_MET_YES : BENCH_MET_NO;
	bench_add_row("1080p frames: bytes copied per frame", "B", ios.bytes_per_frame,
			shm.bytes_per_frame, "0", ios.bytes_per_frame == 0 ? BENCH_MET_YES : BENCH_MET_NO);
	bench_add_row("1080p frames: surfaces allocated per frame", "", ios.allocations_per_frame,
			shm.allocations_per_frame, "0",
			ios.allocations_per_frame == 0 ? BENCH_MET_YES : BENCH_MET_NO);
	bench_note("frames, iosurface: %.0f frames/s; CPU us per frame: producer %.0f, consumer %.0f, "
			"compositor %.0f; producer waited for a free surface %llu times", ios.fps,
			ios.cpu_us[0], ios.cpu_us[1], ios.cpu_us[2], (unsigned long long)ios.stalls);
	bench_note("frames, wl_shm + 1 copy: %.0f frames/s; CPU us per frame: producer %.0f, consumer "
			"%.0f, compositor %.0f", shm.fps, shm.cpu_us[0], shm.cpu_us[1], shm.cpu_us[2]);
	bench_note("frames: %d frames after %d of warm-up, pools of %d buffers; CPU time from the "
			"processes' CPU clocks (this VM has no cycle counter)", window, warm, POOL_SIZE);
	harness_compositor_stop(hc);
}
