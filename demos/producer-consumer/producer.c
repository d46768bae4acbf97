/*
 * The producer: a pool of surfaces (the library's iosurface_pool), each handed to the consumer
 * once through a port, then drawn into and announced again and again. A surface is drawn into
 * only when the compositor says it is no longer in use: the consumer holds a use count while
 * it shows it, and the compositor counts it while it displays it. No timer, no message back
 * from the consumer.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <iosurface/iosurface.h>

#include "producer-consumer.h"

struct producer {
	const struct pc_options *options;
	int sock;
	struct iosurface_client *client;
	/* The library's pool recycles a surface when the compositor says nobody uses it. */
	struct iosurface_pool *pool;
	uint32_t ids[PC_MAX_POOL]; /* the surface id behind each index the consumer knows */
	uint32_t handed_over;
	uint32_t *scratch; /* --copy: the private frame drawn first */
	uint64_t warmup;
	bool stop;
	struct pc_producer_stats stats;
};

static int create_pool(struct producer *p) {
	struct iosurface_properties props = {
		.width = p->options->width,
		.height = p->options->height,
		.pixel_format = iosurface_format_from_ostype('BGRA'),
		.usage = IOSURFACE_USAGE_CPU_WRITE,
		.name = "producer-consumer frame",
	};
	struct iosurface_pool_options options;
	iosurface_pool_options_init(&options);
	options.max_surfaces = p->options->pool_size;
	p->pool = iosurface_pool_create(p->client, &props, &options);
	if (p->pool == NULL) {
		fprintf(stderr, "producer: cannot create a pool: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

/* The index the consumer knows a surface by; hands a new surface over first, once. */
static int index_of(struct producer *p, struct iosurface *s, uint32_t *index) {
	uint32_t id = iosurface_get_id(s);
	for (uint32_t i = 0; i < p->handed_over; i++) {
		if (p->ids[i] == id) {
			*index = i;
			return 0;
		}
	}
	if (p->handed_over == p->options->pool_size) {
		fprintf(stderr, "producer: the pool made more surfaces than it may\n");
		return -1;
	}
	uint32_t i = p->handed_over;
	int port = iosurface_create_port(s);
	if (port < 0) {
		fprintf(stderr, "producer: cannot create a port: %s\n", strerror(-port));
		return -1;
	}
	struct pc_handoff handoff = { i, p->options->pool_size };
	int ret = iosurface_port_send(p->sock, port, &handoff, sizeof(handoff));
	// Our copy goes now; the port lives on in the consumer until it has redeemed it, and
	// keeps the surface in use until then.
	close(port);
	if (ret < 0) {
		fprintf(stderr, "producer: cannot send a port: %s\n", strerror(-ret));
		return -1;
	}
	p->ids[i] = id;
	p->handed_over++;
	*index = i;
	return 0;
}

/*
 * Takes every surface of the pool once and hands each to the consumer, which expects them all
 * before the first frame. Each comes back when the consumer has redeemed and closed its port.
 */
static int hand_over_pool(struct producer *p) {
	// All taken before any is given back, so that each is a new one.
	struct iosurface *taken[PC_MAX_POOL] = { 0 };
	int ret = 0;
	for (uint32_t i = 0; i < p->options->pool_size && ret == 0; i++) {
		taken[i] = iosurface_pool_take(p->pool);
		if (taken[i] == NULL) {
			fprintf(stderr, "producer: cannot create surface %u: %s\n", i, strerror(errno));
			ret = -1;
		}
	}
	for (uint32_t i = 0; i < p->options->pool_size && taken[i] != NULL; i++) {
		uint32_t index;
		if (ret == 0) {
			ret = index_of(p, taken[i], &index);
		}
		iosurface_pool_recycle(p->pool, taken[i], 0);
	}
	return ret;
}

/* Counts the surfaces the pool created, so that an allocation in the frame loop would show. */
static void count_allocations(struct producer *p) {
	struct iosurface_pool_stats stats;
	iosurface_pool_get_stats(p->pool, &stats);
	if (stats.created > p->stats.surfaces_allocated) {
		if (p->stats.frames >= p->warmup) {
			p->stats.surfaces_allocated_after_warmup += stats.created - p->stats.surfaces_allocated;
		}
		p->stats.surfaces_allocated = stats.created;
	}
}

static void handle_socket(struct producer *p) {
	uint32_t message;
	ssize_t n = recv(p->sock, &message, sizeof(message), MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
		return;
	}
	if (n == sizeof(message) && message == PC_STOP) {
		p->stop = true;
		return;
	}
	if (n != 0) {
		fprintf(stderr, "producer: unexpected message from the consumer\n");
	}
	// The consumer is gone: nothing left to produce for.
	p->stop = true;
	p->sock = -1;
}

/* Waits for a notification or a message. Returns 0, or -1 if the compositor is gone. */
static int wait_for_events(struct producer *p) {
	struct pollfd fds[2] = {
		{ iosurface_client_get_fd(p->client), POLLIN, 0 },
		{ p->sock, POLLIN, 0 },
	};
	if (poll(fds, p->sock >= 0 ? 2 : 1, -1) < 0) {
		return errno == EINTR ? 0 : -1;
	}
	if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
		int ret = iosurface_client_dispatch(p->client);
		if (ret < 0) {
			fprintf(stderr, "producer: lost the compositor: %s\n", strerror(-ret));
			return -1;
		}
	}
	if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
		handle_socket(p);
	}
	return 0;
}

static int draw(struct producer *p, struct iosurface *s) {
	int ret = iosurface_lock(s, 0, NULL);
	if (ret < 0) {
		fprintf(stderr, "producer: iosurface_lock failed: %s\n", strerror(-ret));
		return -1;
	}
	uint32_t width = p->options->width, height = p->options->height;
	char *base = iosurface_get_base_address(s);
	size_t bytes_per_row = iosurface_get_bytes_per_row(s);
	if (p->scratch == NULL) {
		pc_draw_frame(base, bytes_per_row, width, height, p->stats.frames);
	} else {
		// What a wl_shm client does: draw in its own memory, copy into the shared buffer.
		pc_draw_frame(p->scratch, (size_t)width * 4, width, height, p->stats.frames);
		uint64_t before = p->stats.bytes_copied;
		for (uint32_t y = 0; y < height; y++) {
			pc_copy(base + y * bytes_per_row, p->scratch + (size_t)y * width, (size_t)width * 4,
					&p->stats.bytes_copied);
		}
		if (p->stats.frames >= p->warmup) {
			p->stats.bytes_copied_after_warmup += p->stats.bytes_copied - before;
		}
	}
	iosurface_unlock(s, 0, NULL);
	return 0;
}

static int run(struct producer *p) {
	if (create_pool(p) != 0 || hand_over_pool(p) != 0) {
		return -1;
	}
	uint64_t frames = p->options->frames;
	while (!p->stop && (frames == 0 || p->stats.frames < frames)) {
		// A surface nobody uses: the pool's own, or a new one while it has fewer than
		// --pool. None free: wait for the compositor to say one is.
		struct iosurface *s = iosurface_pool_take(p->pool);
		count_allocations(p);
		if (s == NULL) {
			if (errno != EAGAIN) {
				fprintf(stderr, "producer: cannot take a surface: %s\n", strerror(errno));
				return -1;
			}
			p->stats.waits++;
			if (wait_for_events(p) != 0) {
				return -1;
			}
			continue;
		}
		uint32_t index;
		if (draw(p, s) != 0 || index_of(p, s, &index) != 0) {
			iosurface_unref(s);
			return -1;
		}
		if (send(p->sock, &index, sizeof(index), MSG_NOSIGNAL) != sizeof(index)) {
			iosurface_unref(s);
			if (!p->stop) {
				fprintf(stderr, "producer: the consumer is gone\n");
			}
			return p->stop ? 0 : -1;
		}
		// Back to the pool, handed out again once the consumer (which holds a use count
		// while it shows the frame, or the port until it redeemed it) and the compositor
		// let it go.
		iosurface_pool_recycle(p->pool, s, 0);
		p->stats.frames++;
	}
	// Done drawing: wait for the consumer to ask for the figures.
	while (!p->stop) {
		if (wait_for_events(p) != 0) {
			return -1;
		}
	}
	return 0;
}

int producer_run(const struct pc_options *options, int sock) {
	struct producer p = {
		.options = options,
		.sock = sock,
		.warmup = pc_warmup_frames(options),
	};
	int status = 1;
	p.client = iosurface_client_connect(NULL);
	if (p.client == NULL) {
		fprintf(stderr, "producer: cannot connect to the compositor: %s\n", strerror(errno));
		goto out;
	}
	if (options->copy) {
		p.scratch = malloc((size_t)options->width * options->height * 4);
		if (p.scratch == NULL) {
			fprintf(stderr, "producer: out of memory\n");
			goto out;
		}
	}
	if (run(&p) == 0) {
		status = 0;
		if (p.sock >= 0 &&
				send(p.sock, &p.stats, sizeof(p.stats), MSG_NOSIGNAL) != sizeof(p.stats)) {
			fprintf(stderr, "producer: cannot send the figures: %s\n", strerror(errno));
			status = 1;
		}
	}

out:
	iosurface_pool_destroy(p.pool);
	iosurface_client_destroy(p.client);
	free(p.scratch);
	return status;
}
