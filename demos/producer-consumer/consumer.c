/*
 * The consumer: redeems the producer's ports once, makes one wl_buffer per surface, and for
 * every "surface i is ready" shows surface i in an xdg_toplevel, one frame per frame callback.
 * It holds a use count on a surface from the moment it is told about it until the compositor
 * releases the wl_buffer; dropping it is all the producer needs to reuse the surface.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <wayland-client.h>
#include <iosurface/iosurface.h>

#include "launch.h"
#include "producer-consumer.h"
#include "xdg-shell-client-protocol.h"

struct frame_buffer {
	struct consumer *consumer;
	struct iosurface *surface;
	struct wl_buffer *buffer;
	bool held; /* attached and not yet released by the compositor */
	bool in_use; /* we hold a use count */
};

struct consumer {
	const struct pc_options *options;
	struct pc_results *results;
	int sock;
	pid_t producer_pid, compositor_pid;

	struct wl_display *display;
	struct wl_registry *registry;
	struct wl_compositor *compositor;
	struct xdg_wm_base *wm_base;
	struct wl_surface *surface;
	struct xdg_surface *xdg_surface;
	struct xdg_toplevel *toplevel;
	bool configured, closed;

	struct iosurface_client *client;
	struct frame_buffer buffers[PC_MAX_POOL];
	uint32_t pool_size;

	/* Surfaces announced and not shown yet, in order. */
	uint32_t queue[PC_MAX_POOL];
	uint32_t queue_head, queue_len;

	struct wl_callback *frame_callback;
	uint64_t shown;
	bool last_presented; /* the frame callback of the last frame came back */

	/* Measurement. */
	uint64_t warmup;
	uint64_t start_ns, window_start_ns, next_report_ns;
	uint64_t producer_cpu0, consumer_cpu0, compositor_cpu0;
	bool window_started;
};

/* ---- Window ---- */

static void wm_base_handle_ping(void *data, struct xdg_wm_base *wm_base, uint32_t serial) {
	xdg_wm_base_pong(wm_base, serial);
}

static const struct xdg_wm_base_listener wm_base_listener = {
	.ping = wm_base_handle_ping,
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
	// The window keeps the size of the frames.
}

static void toplevel_handle_close(void *data, struct xdg_toplevel *toplevel) {
	struct consumer *c = data;
	c->closed = true;
}

static const struct xdg_toplevel_listener toplevel_listener = {
	.configure = toplevel_handle_configure,
	.close = toplevel_handle_close,
};

static void registry_handle_global(void *data, struct wl_registry *registry, uint32_t name,
		const char *interface, uint32_t version) {
	struct consumer *c = data;
	if (strcmp(interface, wl_compositor_interface.name) == 0 && c->compositor == NULL) {
		// Version 4 for wl_surface.damage_buffer.
		if (version >= 4) {
			c->compositor = wl_registry_bind(registry, name, &wl_compositor_interface, 4);
		}
	} else if (strcmp(interface, xdg_wm_base_interface.name) == 0 && c->wm_base == NULL) {
		c->wm_base = wl_registry_bind(registry, name, &xdg_wm_base_interface, 1);
		xdg_wm_base_add_listener(c->wm_base, &wm_base_listener, c);
	}
}

static void registry_handle_global_remove(void *data, struct wl_registry *registry, uint32_t name) {
}

static const struct wl_registry_listener registry_listener = {
	.global = registry_handle_global,
	.global_remove = registry_handle_global_remove,
};

static int open_window(struct consumer *c) {
	c->display = wl_display_connect(NULL);
	if (c->display == NULL) {
		bool unset = getenv("WAYLAND_DISPLAY") == NULL;
		fprintf(stderr, "consumer: cannot connect to the Wayland display%s\n",
				unset ? " (WAYLAND_DISPLAY is not set; try --headless)" : "");
		return -1;
	}
	c->registry = wl_display_get_registry(c->display);
	wl_registry_add_listener(c->registry, &registry_listener, c);
	if (wl_display_roundtrip(c->display) < 0) {
		return -1;
	}
	if (c->compositor == NULL || c->wm_base == NULL) {
		fprintf(stderr, "consumer: the compositor lacks wl_compositor 4 or xdg_wm_base\n");
		return -1;
	}
	c->surface = wl_compositor_create_surface(c->compositor);
	c->xdg_surface = xdg_wm_base_get_xdg_surface(c->wm_base, c->surface);
	xdg_surface_add_listener(c->xdg_surface, &xdg_surface_listener, c);
	c->toplevel = xdg_surface_get_toplevel(c->xdg_surface);
	xdg_toplevel_add_listener(c->toplevel, &toplevel_listener, c);
	xdg_toplevel_set_title(c->toplevel, "producer-consumer");
	xdg_toplevel_set_app_id(c->toplevel, "iosurface.producer-consumer");
	if (c->options->fullscreen) {
		// Asked before the first commit, so that the first configure already says it.
		xdg_toplevel_set_fullscreen(c->toplevel, NULL);
	}
	// The first commit, with no buffer, asks for the first configure.
	wl_surface_commit(c->surface);
	while (!c->configured) {
		if (wl_display_dispatch(c->display) < 0) {
			fprintf(stderr, "consumer: lost the compositor\n");
			return -1;
		}
	}
	return 0;
}

/* ---- Surfaces ---- */

static void buffer_handle_release(void *data, struct wl_buffer *buffer) {
	struct frame_buffer *fb = data;
	fb->held = false;
	fb->consumer->results->releases++;
	// The compositor is done with it and so are we: this is what frees it for the producer.
	if (fb->in_use) {
		fb->in_use = false;
		iosurface_decrement_use_count(fb->surface);
	}
}

static const struct wl_buffer_listener buffer_listener = {
	.release = buffer_handle_release,
};

/* Receives one port per surface of the pool and redeems each. */
static int receive_pool(struct consumer *c) {
	uint32_t received = 0;
	c->pool_size = 1;
	while (received < c->pool_size) {
		struct pc_handoff handoff;
		size_t len = sizeof(handoff);
		int port = iosurface_port_receive(c->sock, &handoff, &len);
		if (port < 0) {
			fprintf(stderr, "consumer: no port from the producer: %s\n", strerror(-port));
			return -1;
		}
		if (len != sizeof(handoff) || handoff.pool_size == 0 || handoff.pool_size > PC_MAX_POOL ||
				handoff.index >= handoff.pool_size || c->buffers[handoff.index].surface != NULL) {
			fprintf(stderr, "consumer: malformed hand-off from the producer\n");
			close(port);
			return -1;
		}
		c->pool_size = handoff.pool_size;
		struct frame_buffer *fb = &c->buffers[handoff.index];
		fb->consumer = c;
		fb->surface = iosurface_lookup_from_port(c->client, port);
		int err = errno;
		// Redeemed: the port has done its job. Closing it lets the surface go free.
		close(port);
		if (fb->surface == NULL) {
			fprintf(stderr, "consumer: cannot redeem the port of surface %u: %s\n", handoff.index,
					strerror(err));
			return -1;
		}
		fb->buffer = iosurface_create_wl_buffer(fb->surface);
		if (fb->buffer == NULL) {
			fprintf(stderr, "consumer: cannot show surface %u: %s\n", iosurface_get_id(fb->surface),
					strerror(errno));
			return -1;
		}
		wl_buffer_add_listener(fb->buffer, &buffer_listener, fb);
		received++;
	}
	printf("consumer: redeemed %u ports: surfaces", c->pool_size);
	for (uint32_t i = 0; i < c->pool_size; i++) {
		printf(" %u", iosurface_get_id(c->buffers[i].surface));
	}
	printf(", %zux%zu\n", iosurface_get_width(c->buffers[0].surface),
			iosurface_get_height(c->buffers[0].surface));
	return 0;
}

/* ---- Showing frames ---- */

static void show_next(struct consumer *c);

static void start_window(struct consumer *c) {
	c->window_started = true;
	c->window_start_ns = demo_now_ns();
	c->producer_cpu0 = demo_cpu_time_ns(c->producer_pid);
	c->consumer_cpu0 = demo_cpu_time_ns(getpid());
	c->compositor_cpu0 = c->compositor_pid > 0 ? demo_cpu_time_ns(c->compositor_pid) : 0;
	c->results->window_frames = 0;
}

static void end_window(struct consumer *c) {
	struct pc_results *r = c->results;
	if (!c->window_started) {
		start_window(c);
	}
	r->window_ns = demo_now_ns() - c->window_start_ns;
	r->producer_cpu_ns = demo_cpu_time_ns(c->producer_pid) - c->producer_cpu0;
	r->consumer_cpu_ns = demo_cpu_time_ns(getpid()) - c->consumer_cpu0;
	if (c->compositor_pid > 0) {
		r->compositor_cpu_ns = demo_cpu_time_ns(c->compositor_pid) - c->compositor_cpu0;
	}
}

static void frame_handle_done(void *data, struct wl_callback *callback, uint32_t time) {
	struct consumer *c = data;
	wl_callback_destroy(callback);
	c->frame_callback = NULL;
	if (c->options->frames != 0 && c->shown >= c->options->frames) {
		c->last_presented = true;
		return;
	}
	show_next(c);
}

static const struct wl_callback_listener frame_listener = {
	.done = frame_handle_done,
};

static void show_next(struct consumer *c) {
	if (c->frame_callback != NULL || c->queue_len == 0) {
		return;
	}
	uint32_t index = c->queue[c->queue_head];
	c->queue_head = (c->queue_head + 1) % PC_MAX_POOL;
	c->queue_len--;
	struct frame_buffer *fb = &c->buffers[index];

	// Attach the surface itself: the compositor reads the producer's pixels, no copy.
	wl_surface_attach(c->surface, fb->buffer, 0, 0);
	wl_surface_damage_buffer(c->surface, 0, 0, INT32_MAX, INT32_MAX);
	c->frame_callback = wl_surface_frame(c->surface);
	wl_callback_add_listener(c->frame_callback, &frame_listener, c);
	wl_surface_commit(c->surface);
	fb->held = true;
	c->shown++;
	c->results->frames = c->shown;
	if (c->window_started) {
		c->results->window_frames++;
	} else if (c->shown >= c->warmup) {
		start_window(c);
	}
}

/* "Surface i is ready": take a use count on it at once, then show it in turn. */
static int handle_ready(struct consumer *c, uint32_t index) {
	if (index >= c->pool_size) {
		fprintf(stderr, "consumer: the producer announced surface %u of %u\n", index, c->pool_size);
		return -1;
	}
	struct frame_buffer *fb = &c->buffers[index];
	if (fb->in_use || c->queue_len == PC_MAX_POOL) {
		fprintf(stderr, "consumer: the producer reused surface %u while it was in use\n", index);
		return -1;
	}
	fb->in_use = true;
	iosurface_increment_use_count(fb->surface);
	c->queue[(c->queue_head + c->queue_len) % PC_MAX_POOL] = index;
	c->queue_len++;
	show_next(c);
	return 0;
}

static int handle_socket(struct consumer *c) {
	for (;;) {
		union {
			uint32_t index;
			struct pc_producer_stats stats;
		} message;
		ssize_t n = recv(c->sock, &message, sizeof(message), MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			return 0;
		}
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n == sizeof(uint32_t)) {
			if (handle_ready(c, message.index) != 0) {
				return -1;
			}
			continue;
		}
		fprintf(stderr, "consumer: %s\n",
				n == 0 ? "the producer went away" : "unexpected message from the producer");
		return -1;
	}
}

static void report_progress(struct consumer *c) {
	uint64_t now = demo_now_ns();
	if (now < c->next_report_ns) {
		return;
	}
	double seconds = (double)(now - c->start_ns) / 1e9;
	printf("  %6.1f s: %llu frames shown\n", seconds, (unsigned long long)c->shown);
	fflush(stdout);
	c->next_report_ns += 1000000000u;
}

static bool finished(struct consumer *c) {
	if (pc_interrupted || c->closed) {
		c->results->interrupted = true;
		return true;
	}
	return c->options->frames != 0 && c->last_presented;
}

static int main_loop(struct consumer *c) {
	int fd = wl_display_get_fd(c->display);
	while (!finished(c)) {
		while (wl_display_prepare_read(c->display) != 0) {
			if (wl_display_dispatch_pending(c->display) < 0) {
				goto lost;
			}
		}
		if (wl_display_flush(c->display) < 0 && errno != EAGAIN) {
			wl_display_cancel_read(c->display);
			goto lost;
		}
		if (finished(c)) {
			wl_display_cancel_read(c->display);
			break;
		}
		uint64_t now = demo_now_ns();
		int timeout = c->next_report_ns > now ? (int)((c->next_report_ns - now) / 1000000u) + 1 : 0;
		struct pollfd fds[2] = {
			{ fd, POLLIN, 0 },
			{ c->sock, POLLIN, 0 },
		};
		int ret = poll(fds, 2, timeout);
		if (ret < 0 && errno != EINTR) {
			wl_display_cancel_read(c->display);
			fprintf(stderr, "consumer: poll: %s\n", strerror(errno));
			return -1;
		}
		if (ret > 0 && (fds[0].revents & POLLIN)) {
			if (wl_display_read_events(c->display) < 0) {
				goto lost;
			}
		} else {
			wl_display_cancel_read(c->display);
		}
		if (wl_display_dispatch_pending(c->display) < 0) {
			goto lost;
		}
		// The library's own queue: nothing is expected there, but nothing may pile up.
		if (iosurface_client_dispatch(c->client) < 0) {
			goto lost;
		}
		if (ret > 0 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
			if (handle_socket(c) != 0) {
				return -1;
			}
		}
		report_progress(c);
	}
	return 0;

lost:
	fprintf(stderr, "consumer: lost the compositor: %s\n", strerror(errno));
	return -1;
}

/* ---- The end ---- */

static int take_screenshot(const char *path) {
	unlink(path);
	const char *argv[] = { "grim", path, NULL };
	pid_t pid = demo_spawn(argv, -1, -1);
	if (pid < 0) {
		fprintf(stderr, "consumer: cannot run grim: %s\n", strerror(errno));
		return -1;
	}
	int status = demo_wait(pid, 10000);
	struct stat st;
	if (status != 0 || stat(path, &st) != 0 || st.st_size == 0) {
		fprintf(stderr, "consumer: grim %s failed (status %d)\n", path, status);
		return -1;
	}
	printf("consumer: screenshot saved to %s\n", path);
	return 0;
}

/* Stops the producer and collects its figures, skipping frames announced meanwhile. */
static int stop_producer(struct consumer *c) {
	uint32_t stop = PC_STOP;
	if (send(c->sock, &stop, sizeof(stop), MSG_NOSIGNAL) != sizeof(stop)) {
		fprintf(stderr, "consumer: the producer is gone\n");
		return -1;
	}
	for (;;) {
		struct pollfd pfd = { c->sock, POLLIN, 0 };
		if (poll(&pfd, 1, 10000) <= 0) {
			fprintf(stderr, "consumer: the producer did not answer\n");
			return -1;
		}
		struct pc_producer_stats stats;
		ssize_t n = recv(c->sock, &stats, sizeof(stats), 0);
		if (n == sizeof(uint32_t) || (n < 0 && errno == EINTR)) {
			continue;
		}
		if (n != sizeof(stats)) {
			fprintf(stderr, "consumer: no figures from the producer\n");
			return -1;
		}
		c->results->producer = stats;
		c->results->have_producer_stats = true;
		return 0;
	}
}

static void destroy(struct consumer *c) {
	for (uint32_t i = 0; i < PC_MAX_POOL; i++) {
		struct frame_buffer *fb = &c->buffers[i];
		if (fb->buffer != NULL) {
			wl_buffer_destroy(fb->buffer);
		}
		if (fb->in_use) {
			iosurface_decrement_use_count(fb->surface);
		}
		iosurface_unref(fb->surface);
	}
	if (c->frame_callback != NULL) {
		wl_callback_destroy(c->frame_callback);
	}
	// The library shares the connection: it goes before the display.
	iosurface_client_destroy(c->client);
	if (c->toplevel != NULL) {
		xdg_toplevel_destroy(c->toplevel);
	}
	if (c->xdg_surface != NULL) {
		xdg_surface_destroy(c->xdg_surface);
	}
	if (c->surface != NULL) {
		wl_surface_destroy(c->surface);
	}
	if (c->wm_base != NULL) {
		xdg_wm_base_destroy(c->wm_base);
	}
	if (c->compositor != NULL) {
		wl_compositor_destroy(c->compositor);
	}
	if (c->registry != NULL) {
		wl_registry_destroy(c->registry);
	}
	if (c->display != NULL) {
		wl_display_disconnect(c->display);
	}
}

int consumer_run(const struct pc_options *options, int sock, pid_t producer_pid,
		pid_t compositor_pid, struct pc_results *results) {
	struct consumer c = {
		.options = options,
		.results = results,
		.sock = sock,
		.producer_pid = producer_pid,
		.compositor_pid = compositor_pid,
		.warmup = pc_warmup_frames(options),
	};
	memset(results, 0, sizeof(*results));
	int status = -1;
	if (open_window(&c) != 0) {
		goto out;
	}
	// The library on our own connection, so that its wl_buffers are ours to attach.
	c.client = iosurface_client_create(c.display);
	if (c.client == NULL) {
		fprintf(stderr, "consumer: the compositor does not offer iosurface_v1: %s\n",
				strerror(errno));
		goto out;
	}
	if (receive_pool(&c) != 0) {
		goto out;
	}
	c.start_ns = demo_now_ns();
	c.next_report_ns = c.start_ns + 1000000000u;
	if (main_loop(&c) != 0) {
		goto out;
	}
	end_window(&c);
	if (options->screenshot != NULL && !results->interrupted &&
			take_screenshot(options->screenshot) != 0) {
		goto out;
	}
	if (stop_producer(&c) != 0) {
		goto out;
	}
	status = 0;

out:
	destroy(&c);
	return status;
}
