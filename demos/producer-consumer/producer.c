/*
 * The producer: a pool of surfaces, each handed to the consumer once through a port, then
 * drawn into and announced again and again. A surface is drawn into only when the compositor
 * says it is no longer in use: the consumer holds a use count while it shows it, and the
 * compositor counts it while it displays it. No timer, no message back from the consumer.
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

struct pool_entry {
	struct producer *producer;
	struct iosurface *surface;
	uint32_t index;
	bool busy; /* with the consumer or the compositor: not ours to draw into */
};

struct producer {
	const struct pc_options *options;
	int sock;
	struct iosurface_client *client;
	struct pool_entry pool[PC_MAX_POOL];
	uint32_t next; /* where the search for a free surface starts, to keep the order */
	uint32_t *scratch; /* --copy: the private frame drawn first */
	uint64_t warmup;
	bool stop;
	struct pc_producer_stats stats;
};

static struct iosurface *allocate(struct producer *p) {
	struct iosurface_properties props = {
		.width = p->options->width,
		.height = p->options->height,
		.pixel_format = iosurface_format_from_ostype('BGRA'),
		.usage = IOSURFACE_USAGE_CPU_WRITE,
		.name = "producer-consumer frame",
	};
	struct iosurface *s = iosurface_create(p->client, &props);
	if (s != NULL) {
		// Counted wherever it happens, so that an allocation in the frame loop would show.
		p->stats.surfaces_allocated++;
		if (p->stats.frames >= p->warmup) {
			p->stats.surfaces_allocated_after_warmup++;
		}
	}
	return s;
}

static void handle_notify(struct iosurface *s, uint32_t event, uint32_t seed, void *data) {
	struct pool_entry *entry = data;
	// A notification says the count reached zero at some point; the slot says whether it
	// still is. Only the consumer can make it nonzero again, and only after we announce
	// the surface, so a surface seen free here stays free until then.
	if ((event & IOSURFACE_NOTIFY_NOT_IN_USE) && !iosurface_is_in_use(s)) {
		entry->busy = false;
	}
}

/* Hands every surface of the pool to the consumer, once. */
static int hand_over_pool(struct producer *p) {
	for (uint32_t i = 0; i < p->options->pool_size; i++) {
		struct pool_entry *entry = &p->pool[i];
		entry->producer = p;
		entry->index = i;
		entry->surface = allocate(p);
		if (entry->surface == NULL) {
			fprintf(stderr, "producer: cannot create surface %u: %s\n", i, strerror(errno));
			return -1;
		}
		int port = iosurface_create_port(entry->surface);
		if (port < 0) {
			fprintf(stderr, "producer: cannot create a port: %s\n", strerror(-port));
			return -1;
		}
		struct pc_handoff handoff = { i, p->options->pool_size };
		int ret = iosurface_port_send(p->sock, port, &handoff, sizeof(handoff));
		// Our copy goes now; the port lives on in the consumer until it has redeemed it.
		close(port);
		if (ret < 0) {
			fprintf(stderr, "producer: cannot send a port: %s\n", strerror(-ret));
			return -1;
		}
		// Busy until the port is gone: the compositor says so with the first notification
		// (at once if the consumer already closed it).
		entry->busy = true;
		ret = iosurface_set_notify(entry->surface, IOSURFACE_NOTIFY_NOT_IN_USE, handle_notify,
				entry);
		if (ret < 0) {
			fprintf(stderr, "producer: iosurface_set_notify failed: %s\n", strerror(-ret));
			return -1;
		}
	}
	return 0;
}

static struct pool_entry *take_free(struct producer *p) {
	for (uint32_t n = 0; n < p->options->pool_size; n++) {
		struct pool_entry *entry = &p->pool[(p->next + n) % p->options->pool_size];
		if (!entry->busy) {
			p->next = (entry->index + 1) % p->options->pool_size;
			return entry;
		}
	}
	return NULL;
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

static int draw(struct producer *p, struct pool_entry *entry) {
	struct iosurface *s = entry->surface;
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
	if (hand_over_pool(p) != 0) {
		return -1;
	}
	uint64_t frames = p->options->frames;
	while (!p->stop && (frames == 0 || p->stats.frames < frames)) {
		// Notifications already read by an earlier call run here, without waiting.
		if (iosurface_client_dispatch(p->client) < 0) {
			fprintf(stderr, "producer: lost the compositor\n");
			return -1;
		}
		struct pool_entry *entry = take_free(p);
		if (entry == NULL) {
			p->stats.waits++;
			if (wait_for_events(p) != 0) {
				return -1;
			}
			continue;
		}
		if (draw(p, entry) != 0) {
			return -1;
		}
		entry->busy = true;
		uint32_t index = entry->index;
		if (send(p->sock, &index, sizeof(index), MSG_NOSIGNAL) != sizeof(index)) {
			if (!p->stop) {
				fprintf(stderr, "producer: the consumer is gone\n");
			}
			return p->stop ? 0 : -1;
		}
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
	for (uint32_t i = 0; i < options->pool_size; i++) {
		iosurface_unref(p.pool[i].surface);
	}
	iosurface_client_destroy(p.client);
	free(p.scratch);
	return status;
}
