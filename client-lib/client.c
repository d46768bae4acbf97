#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client-private.h"

/* ---- Locking and notifications ---- */

void client_lock(struct iosurface_client *c) {
	pthread_mutex_lock(&c->lock);
}

void client_queue_notify(struct iosurface_client *c, struct iosurface *s, uint32_t event,
		uint32_t seed) {
	if (s->notify == NULL || !(s->notify_events & event)) {
		return;
	}
	struct pending_notify *n = wl_array_add(&c->notifications, sizeof(*n));
	if (n == NULL) {
		ios_log(IOSURFACE_LOG_ERROR, "out of memory: notification for surface %u lost", s->id);
		return;
	}
	atomic_fetch_add(&s->refs, 1);
	*n = (struct pending_notify){ s, event, seed };
}

void client_unlock(struct iosurface_client *c) {
	if (c->notifications.size == 0) {
		pthread_mutex_unlock(&c->lock);
		return;
	}
	// Callbacks run without the lock, so that they may call back into the library.
	struct wl_array pending = c->notifications;
	wl_array_init(&c->notifications);
	pthread_mutex_unlock(&c->lock);
	struct pending_notify *n;
	wl_array_for_each(n, &pending) {
		iosurface_notify_func_t notify = n->surface->notify;
		if (notify != NULL) {
			notify(n->surface, n->event, n->seed, n->surface->notify_data);
		}
		iosurface_unref(n->surface);
	}
	wl_array_release(&pending);
}

/* ---- Talking to the compositor ---- */

int client_lost(struct iosurface_client *c) {
	if (!atomic_load_explicit(&c->lost, memory_order_relaxed)) {
		ios_log(IOSURFACE_LOG_ERROR, "the connection to the compositor is lost (%s)",
				strerror(wl_display_get_error(c->display)));
		atomic_store(&c->lost, true);
		// Use-count reads see it with no system call and no lock.
		struct iosurface *s;
		wl_list_for_each(s, &c->surfaces, link) {
			atomic_store(&s->lost, true);
		}
	}
	return -EPIPE;
}

int client_check(struct iosurface_client *c) {
	if (atomic_load_explicit(&c->lost, memory_order_relaxed) ||
			wl_display_get_error(c->display) != 0) {
		return client_lost(c);
	}
	return 0;
}

int client_flush(struct iosurface_client *c) {
	// A full socket buffer must not lose a request the caller was promised was sent.
	// libwayland sends with MSG_NOSIGNAL: a closed socket gives EPIPE, not SIGPIPE.
	while (wl_display_flush(c->display) < 0) {
		if (errno != EAGAIN) {
			return client_lost(c);
		}
		struct pollfd pfd = { wl_display_get_fd(c->display), POLLOUT, 0 };
		if (poll(&pfd, 1, -1) < 0 && errno != EINTR) {
			return -errno;
		}
	}
	c->released_bytes = 0;
	return 0;
}

int client_roundtrip(struct iosurface_client *c) {
	if (wl_display_roundtrip_queue(c->display, c->queue) < 0) {
		return client_lost(c);
	}
	return 0;
}

int client_dispatch(struct iosurface_client *c) {
	if (wl_display_dispatch_queue(c->display, c->queue) < 0) {
		return client_lost(c);
	}
	return 0;
}

int client_dispatch_nonblock(struct iosurface_client *c) {
	while (wl_display_prepare_read_queue(c->display, c->queue) != 0) {
		if (wl_display_dispatch_queue_pending(c->display, c->queue) < 0) {
			return client_lost(c);
		}
	}
	wl_display_flush(c->display);
	struct pollfd pfd = { wl_display_get_fd(c->display), POLLIN, 0 };
	if (poll(&pfd, 1, 0) > 0) {
		if (wl_display_read_events(c->display) < 0) {
			return client_lost(c);
		}
	} else {
		wl_display_cancel_read(c->display);
	}
	int n = wl_display_dispatch_queue_pending(c->display, c->queue);
	return n < 0 ? client_lost(c) : n;
}

ssize_t ios_write_nosignal(int fd, const void *buf, size_t len) {
	// Writing into a pipe whose reader is gone raises SIGPIPE, and pipes have no
	// MSG_NOSIGNAL. Blocked in this thread, the signal stays pending instead; the one this
	// write made is taken back, and one that was pending before is left alone.
	sigset_t pipe_set, old_mask, pending;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old_mask);
	bool was_pending = sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE);
	ssize_t n;
	do {
		n = write(fd, buf, len);
	} while (n < 0 && errno == EINTR);
	int err = errno;
	if (n < 0 && err == EPIPE && !was_pending) {
		const struct timespec now = { 0, 0 };
		while (sigtimedwait(&pipe_set, NULL, &now) < 0 && errno == EINTR) {
		}
	}
	pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
	errno = err;
	return n;
}

/* ---- Manager events ---- */

static void manager_handle_limit(void *data, struct iosurface_manager_v1 *manager,
		uint32_t property, uint32_t maximum, uint32_t alignment) {
	struct iosurface_client *c = data;
	if (property < IOSURFACE_PROPERTY_COUNT) {
		c->limit_max[property] = maximum;
		c->limit_align[property] = alignment;
	}
}

static void add_format(struct wl_array *array, uint32_t format) {
	uint32_t *entry = wl_array_add(array, sizeof(*entry));
	if (entry != NULL) {
		*entry = format;
	}
}

static void manager_handle_format(void *data, struct iosurface_manager_v1 *manager,
		uint32_t format) {
	struct iosurface_client *c = data;
	add_format(&c->formats, format);
}

static void manager_handle_display_format(void *data, struct iosurface_manager_v1 *manager,
		uint32_t format) {
	struct iosurface_client *c = data;
	add_format(&c->display_formats, format);
}

static void manager_handle_quota(void *data, struct iosurface_manager_v1 *manager,
		uint32_t bytes_hi, uint32_t bytes_lo, uint32_t count) {
	struct iosurface_client *c = data;
	c->quota_bytes = (uint64_t)bytes_hi << 32 | bytes_lo;
	c->quota_count = count;
}

static void manager_handle_allocator(void *data, struct iosurface_manager_v1 *manager,
		uint32_t allocator) {
	struct iosurface_client *c = data;
	if (allocator < 32) {
		c->allocators |= 1u << allocator;
	}
}

static void manager_handle_state_pool(void *data, struct iosurface_manager_v1 *manager, int32_t fd,
		uint32_t size) {
	struct iosurface_client *c = data;
	if (c->pool == NULL && size > 0) {
		void *pool = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
		if (pool != MAP_FAILED) {
			c->pool = pool;
			c->pool_size = size;
		} else {
			ios_log(IOSURFACE_LOG_ERROR, "cannot map the state pool: %s", strerror(errno));
		}
	}
	close(fd);
}

static void manager_handle_port(void *data, struct iosurface_manager_v1 *manager, int32_t fd,
		uint32_t serial, struct wl_array *key) {
	struct iosurface_client *c = data;
	if (key->size != IOS_PORT_KEY_SIZE) {
		ios_log(IOSURFACE_LOG_ERROR, "port %u: a key of %zu bytes, not %d: port dropped", serial,
				key->size, IOS_PORT_KEY_SIZE);
		close(fd);
		return;
	}
	struct stock_port *port = wl_array_add(&c->ports, sizeof(*port));
	if (port == NULL) {
		close(fd);
		return;
	}
	port->fd = fd;
	port->serial = serial;
	memcpy(port->key, key->data, IOS_PORT_KEY_SIZE);
}

static void manager_handle_ports_refused(void *data, struct iosurface_manager_v1 *manager,
		uint32_t reason, uint32_t count) {
	struct iosurface_client *c = data;
	c->port_refusal = reason == IOSURFACE_MANAGER_V1_PORT_REFUSAL_PORT_LIMIT ? EMFILE : ENOMEM;
}

static void manager_handle_ticket(void *data, struct iosurface_manager_v1 *manager,
		uint32_t surface_id, uint32_t slot) {
	struct iosurface_client *c = data;
	struct ticket *ticket = wl_array_add(&c->tickets, sizeof(*ticket));
	// Lost on allocation failure: creation takes the round-trip path instead.
	if (ticket != NULL) {
		*ticket = (struct ticket){ surface_id, slot };
	}
}

static void manager_handle_done(void *data, struct iosurface_manager_v1 *manager,
		uint32_t max_unbound_ports) {
	struct iosurface_client *c = data;
	c->limits.max_dimension = c->limit_max[IOSURFACE_PROPERTY_WIDTH];
	c->limits.max_alloc_size = c->limit_max[IOSURFACE_PROPERTY_ALLOC_SIZE];
	c->manager_done = true;
}

static const struct iosurface_manager_v1_listener manager_listener = {
	.limit = manager_handle_limit,
	.format = manager_handle_format,
	.display_format = manager_handle_display_format,
	.quota = manager_handle_quota,
	.allocator = manager_handle_allocator,
	.state_pool = manager_handle_state_pool,
	.port = manager_handle_port,
	.ticket = manager_handle_ticket,
	.ports_refused = manager_handle_ports_refused,
	.done = manager_handle_done,
};

void client_read_header(struct iosurface_client *c, uint64_t *bytes, uint32_t *count,
		uint32_t *adopted) {
	const _Atomic uint32_t *header = (const _Atomic uint32_t *)c->pool +
			(size_t)IOS_HEADER_SLOT * IOS_SLOT_WORDS;
	uint32_t seq, lo, hi;
	do {
		// The compositor keeps the sequence odd while it writes (see the state slots).
		seq = atomic_load_explicit(&header[IOS_SLOT_SEQUENCE], memory_order_acquire);
		lo = atomic_load_explicit(&header[IOS_HEADER_BYTES_LO], memory_order_relaxed);
		hi = atomic_load_explicit(&header[IOS_HEADER_BYTES_HI], memory_order_relaxed);
		*count = atomic_load_explicit(&header[IOS_HEADER_COUNT], memory_order_relaxed);
		*adopted = atomic_load_explicit(&header[IOS_HEADER_ADOPTED], memory_order_relaxed);
		atomic_thread_fence(memory_order_acquire);
	} while ((seq & 1) ||
			seq != atomic_load_explicit(&header[IOS_SLOT_SEQUENCE], memory_order_relaxed));
	*bytes = (uint64_t)hi << 32 | lo;
}

static void registry_handle_global(void *data, struct wl_registry *registry, uint32_t name,
		const char *interface, uint32_t version) {
	struct iosurface_client *c = data;
	if (c->manager == NULL && strcmp(interface, iosurface_manager_v1_interface.name) == 0) {
		c->manager = wl_registry_bind(registry, name, &iosurface_manager_v1_interface, 1);
		iosurface_manager_v1_add_listener(c->manager, &manager_listener, c);
	}
}

static void registry_handle_global_remove(void *data, struct wl_registry *registry, uint32_t name) {
}

static const struct wl_registry_listener registry_listener = {
	.global = registry_handle_global,
	.global_remove = registry_handle_global_remove,
};

/* ---- Clients ---- */

/*
 * Clients of this process, by connection. Two clients on one wl_display are one client to the
 * compositor, with one quota and one header: neither can then count the other's creates in
 * flight, so both create through the compositor (round trip) from then on.
 */
static pthread_mutex_t clients_lock = PTHREAD_MUTEX_INITIALIZER;
static struct wl_list clients = { &clients, &clients }; /* iosurface_client.process_link */

static void clients_add(struct iosurface_client *c) {
	pthread_mutex_lock(&clients_lock);
	struct iosurface_client *other;
	wl_list_for_each(other, &clients, process_link) {
		if (other->display == c->display) {
			client_lock(other);
			other->pool_shared = true;
			client_unlock(other);
			c->pool_shared = true;
		}
	}
	wl_list_insert(&clients, &c->process_link);
	pthread_mutex_unlock(&clients_lock);
}

static void clients_remove(struct iosurface_client *c) {
	pthread_mutex_lock(&clients_lock);
	wl_list_remove(&c->process_link);
	pthread_mutex_unlock(&clients_lock);
}

static struct iosurface_client *client_init(struct wl_display *display, bool owns) {
	struct iosurface_client *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	pthread_mutex_init(&c->lock, NULL);
	c->display = display;
	c->owns_display = owns;
	wl_array_init(&c->formats);
	wl_array_init(&c->display_formats);
	wl_array_init(&c->ports);
	wl_array_init(&c->tickets);
	wl_array_init(&c->notifications);
	wl_list_init(&c->surfaces);
	wl_list_init(&c->process_link);
	int err = ENOMEM;
	c->queue = wl_display_create_queue(display);
	c->display_wrapper = c->queue ? wl_proxy_create_wrapper(display) : NULL;
	if (c->display_wrapper == NULL) {
		goto error;
	}
	wl_proxy_set_queue((struct wl_proxy *)c->display_wrapper, c->queue);
	c->registry = wl_display_get_registry(c->display_wrapper);
	if (c->registry == NULL) {
		goto error;
	}
	wl_registry_add_listener(c->registry, &registry_listener, c);
	// One round trip for the globals, a second one for the manager's description.
	if (client_roundtrip(c) < 0) {
		err = EPIPE;
		goto error;
	}
	if (c->manager == NULL) {
		ios_log(IOSURFACE_LOG_ERROR, "the compositor does not offer iosurface_manager_v1");
		err = EPROTONOSUPPORT;
		goto error;
	}
	while (!c->manager_done) {
		if (client_roundtrip(c) < 0) {
			err = EPIPE;
			goto error;
		}
	}
	if (c->pool == NULL) {
		err = EPROTO;
		goto error;
	}
	clients_add(c);
	return c;

error:
	c->owns_display = false;
	iosurface_client_destroy(c);
	if (owns) {
		wl_display_disconnect(display);
	}
	errno = err;
	return NULL;
}

IOSURFACE_EXPORT struct iosurface_client *iosurface_client_connect(const char *display_name) {
	struct wl_display *display = wl_display_connect(display_name);
	if (display == NULL) {
		ios_log(IOSURFACE_LOG_ERROR, "cannot connect to Wayland display %s",
				display_name != NULL ? display_name : "$WAYLAND_DISPLAY");
		errno = ENOENT;
		return NULL;
	}
	return client_init(display, true);
}

IOSURFACE_EXPORT struct iosurface_client *iosurface_client_create(struct wl_display *display) {
	if (display == NULL) {
		errno = EINVAL;
		return NULL;
	}
	return client_init(display, false);
}

IOSURFACE_EXPORT void iosurface_client_destroy(struct iosurface_client *c) {
	if (c == NULL) {
		return;
	}
	clients_remove(c);
	client_lock(c);
	struct iosurface *s, *tmp;
	wl_list_for_each_safe(s, tmp, &c->surfaces, link) {
		surface_detach(s);
	}
	struct stock_port *port;
	wl_array_for_each(port, &c->ports) {
		close(port->fd);
	}
	// The keys authenticate bindings: leave none in freed memory.
	if (c->ports.data != NULL) {
		explicit_bzero(c->ports.data, c->ports.alloc);
	}
	wl_array_release(&c->ports);
	wl_array_release(&c->tickets);
	if (c->manager != NULL) {
		iosurface_manager_v1_destroy(c->manager);
	}
	if (c->registry != NULL) {
		wl_registry_destroy(c->registry);
	}
	if (c->display_wrapper != NULL) {
		wl_proxy_wrapper_destroy(c->display_wrapper);
	}
	wl_display_flush(c->display);
	client_unlock(c);
	if (c->queue != NULL) {
		wl_event_queue_destroy(c->queue);
	}
	if (c->pool != NULL) {
		munmap((void *)c->pool, c->pool_size);
	}
	wl_array_release(&c->formats);
	wl_array_release(&c->display_formats);
	wl_array_release(&c->notifications);
	pthread_mutex_destroy(&c->lock);
	if (c->owns_display) {
		wl_display_disconnect(c->display);
	}
	free(c);
}

IOSURFACE_EXPORT struct wl_display *iosurface_client_get_display(struct iosurface_client *c) {
	return c->display;
}

IOSURFACE_EXPORT int iosurface_client_get_fd(struct iosurface_client *c) {
	return wl_display_get_fd(c->display);
}

IOSURFACE_EXPORT int iosurface_client_dispatch(struct iosurface_client *c) {
	client_lock(c);
	int ret = client_dispatch_nonblock(c);
	client_unlock(c);
	return ret;
}

IOSURFACE_EXPORT int iosurface_client_flush(struct iosurface_client *c) {
	if (c == NULL) {
		return -EINVAL;
	}
	client_lock(c);
	int ret = client_flush(c);
	client_unlock(c);
	return ret;
}

IOSURFACE_EXPORT int iosurface_client_roundtrip(struct iosurface_client *c) {
	client_lock(c);
	int ret = client_roundtrip(c);
	client_unlock(c);
	return ret;
}

static bool array_has(const struct wl_array *array, uint32_t value) {
	const uint32_t *v;
	wl_array_for_each(v, array) {
		if (*v == value) {
			return true;
		}
	}
	return false;
}

IOSURFACE_EXPORT bool iosurface_client_supports_format(struct iosurface_client *c,
		uint32_t fourcc) {
	return array_has(&c->formats, fourcc);
}

IOSURFACE_EXPORT size_t iosurface_client_get_formats(struct iosurface_client *c,
		const uint32_t **formats) {
	*formats = c->formats.data;
	return c->formats.size / sizeof(uint32_t);
}

IOSURFACE_EXPORT size_t iosurface_client_get_display_formats(struct iosurface_client *c,
		const uint32_t **formats) {
	*formats = c->display_formats.data;
	return c->display_formats.size / sizeof(uint32_t);
}

IOSURFACE_EXPORT bool iosurface_client_can_display_format(struct iosurface_client *c,
		uint32_t fourcc) {
	return array_has(&c->display_formats, fourcc);
}

IOSURFACE_EXPORT void iosurface_client_get_quota(struct iosurface_client *c, uint64_t *bytes,
		uint32_t *count) {
	if (bytes != NULL) {
		*bytes = c->quota_bytes;
	}
	if (count != NULL) {
		*count = c->quota_count;
	}
}

IOSURFACE_EXPORT bool iosurface_client_has_allocator(struct iosurface_client *c,
		enum iosurface_allocator allocator) {
	return (unsigned)allocator < 32 && (c->allocators & (1u << allocator));
}

/* ---- Properties ---- */

IOSURFACE_EXPORT size_t iosurface_get_property_maximum(enum iosurface_property property) {
	return ios_property_maximum((enum ios_property)property, NULL);
}

IOSURFACE_EXPORT size_t iosurface_get_property_alignment(enum iosurface_property property) {
	return ios_property_alignment((enum ios_property)property);
}

IOSURFACE_EXPORT size_t iosurface_align_property(enum iosurface_property property, size_t value) {
	size_t alignment = ios_property_alignment((enum ios_property)property);
	if (alignment <= 1) {
		return value;
	}
	size_t rem = value % alignment;
	if (rem == 0) {
		return value;
	}
	if (value > SIZE_MAX - (alignment - rem)) {
		return 0;
	}
	return value + (alignment - rem);
}

IOSURFACE_EXPORT size_t iosurface_client_get_property_maximum(struct iosurface_client *c,
		enum iosurface_property property) {
	return (unsigned)property < IOSURFACE_PROPERTY_COUNT ? c->limit_max[property] : 0;
}

IOSURFACE_EXPORT size_t iosurface_client_get_property_alignment(struct iosurface_client *c,
		enum iosurface_property property) {
	return (unsigned)property < IOSURFACE_PROPERTY_COUNT ? c->limit_align[property] : 0;
}

/* ---- Formats ---- */

IOSURFACE_EXPORT uint32_t iosurface_format_from_ostype(uint32_t ostype) {
	return ios_format_from_ostype(ostype);
}

IOSURFACE_EXPORT uint32_t iosurface_format_to_ostype(uint32_t fourcc) {
	return ios_format_to_ostype(fourcc);
}

IOSURFACE_EXPORT const char *iosurface_format_get_name(uint32_t fourcc) {
	const struct ios_format *fmt = ios_format_lookup(fourcc);
	return fmt != NULL ? fmt->name : NULL;
}

IOSURFACE_EXPORT bool iosurface_format_is_known(uint32_t fourcc) {
	return ios_format_lookup(fourcc) != NULL;
}

/* ---- The default client of the porting header ---- */

// The default client belongs to the process that connected it (default_pid). A child forked
// without exec inherits the structure and a descriptor of the same socket: writing on it would
// interleave the child's requests with the parent's, and reading would steal the parent's
// events. So the child's first call abandons the inherited client and connects anew.
static pthread_once_t default_atfork_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t default_lock = PTHREAD_MUTEX_INITIALIZER;
static struct iosurface_client *default_client;
static pid_t default_pid; /* the process default_client (or its failure) belongs to */
static bool default_tried;

// Held across fork() so that the child never inherits it locked by a thread it does not have.
static void default_prepare_fork(void) {
	pthread_mutex_lock(&default_lock);
}

static void default_after_fork(void) {
	pthread_mutex_unlock(&default_lock);
}

static void default_register_atfork(void) {
	pthread_atfork(default_prepare_fork, default_after_fork, default_after_fork);
}

/*
 * Makes the inherited client's descriptor a socket whose peer is gone, without a byte sent:
 * anything the child still does with a surface of the parent's fails with EPIPE instead of
 * reaching the parent's connection. The structure itself is left as it is (freeing it would
 * send destroy requests).
 */
static void sever_inherited_client(struct iosurface_client *c) {
	int fd = wl_display_get_fd(c->display);
	int pair[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0) {
		ios_log(IOSURFACE_LOG_ERROR, "after fork: cannot replace the parent's connection: %s",
				strerror(errno));
		return;
	}
	close(pair[1]);
	if (dup2(pair[0], fd) >= 0) {
		fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	close(pair[0]);
}

IOSURFACE_EXPORT struct iosurface_client *iosurface_client_get_default(void) {
	pthread_once(&default_atfork_once, default_register_atfork);
	pthread_mutex_lock(&default_lock);
	pid_t pid = getpid();
	if (default_tried && default_pid != pid) {
		if (default_client != NULL) {
			ios_log(IOSURFACE_LOG_DEBUG, "forked: the default client connects anew");
			sever_inherited_client(default_client);
		}
		default_client = NULL;
		default_tried = false;
	}
	if (!default_tried) {
		default_client = iosurface_client_connect(NULL);
		default_pid = pid;
		default_tried = true;
	}
	struct iosurface_client *c = default_client;
	pthread_mutex_unlock(&default_lock);
	if (c == NULL) {
		errno = ENOENT;
	}
	return c;
}
