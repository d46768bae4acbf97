/* Internals of libiosurface. Never installed. */
#ifndef CLIENT_LIB_CLIENT_PRIVATE_H
#define CLIENT_LIB_CLIENT_PRIVATE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <wayland-client.h>

#include "iosurface-common.h"
#include "iosurface-v1-client-protocol.h"
#include "iosurface/iosurface.h"
#include "value-codec.h"

/* common/ defines what both sides share with values of its own; they must be the public ones. */
#define SAME(a, b) ((int)(a) == (int)(b))
_Static_assert(SAME(IOS_MAX_PLANES, IOSURFACE_MAX_PLANES), "plane count");
_Static_assert(SAME(IOS_USAGE_CPU_READ, IOSURFACE_USAGE_CPU_READ) &&
				SAME(IOS_USAGE_CPU_WRITE, IOSURFACE_USAGE_CPU_WRITE) &&
				SAME(IOS_USAGE_GPU_READ, IOSURFACE_USAGE_GPU_READ) &&
				SAME(IOS_USAGE_GPU_WRITE, IOSURFACE_USAGE_GPU_WRITE) &&
				SAME(IOS_USAGE_SCANOUT, IOSURFACE_USAGE_SCANOUT),
		"usage bits");
_Static_assert(SAME(IOS_PROPERTY_WIDTH, IOSURFACE_PROPERTY_WIDTH) &&
				SAME(IOS_PROPERTY_PLANE_COUNT, IOSURFACE_PROPERTY_PLANE_COUNT) &&
				SAME(IOS_PROPERTY_NAME_LENGTH, IOSURFACE_PROPERTY_NAME_LENGTH) &&
				SAME(IOS_PROPERTY_VALUE_SIZE, IOSURFACE_PROPERTY_VALUE_SIZE) &&
				SAME(IOS_PROPERTY_VALUE_TOTAL, IOSURFACE_PROPERTY_VALUE_TOTAL) &&
				SAME(IOS_PROPERTY_COUNT, IOSURFACE_PROPERTY_COUNT),
		"properties");
_Static_assert(SAME(IOS_COMPONENT_NAME_ALPHA, IOSURFACE_COMPONENT_NAME_ALPHA) &&
				SAME(IOS_COMPONENT_NAME_CHROMA_BLUE, IOSURFACE_COMPONENT_NAME_CHROMA_BLUE) &&
				SAME(IOS_COMPONENT_TYPE_FLOAT, IOSURFACE_COMPONENT_TYPE_FLOAT) &&
				SAME(IOS_COMPONENT_TYPE_SIGNED_NORMALIZED,
						IOSURFACE_COMPONENT_TYPE_SIGNED_NORMALIZED) &&
				SAME(IOS_COMPONENT_RANGE_WIDE, IOSURFACE_COMPONENT_RANGE_WIDE) &&
				SAME(IOS_SUBSAMPLING_411, IOSURFACE_SUBSAMPLING_411),
		"components and subsampling");
#undef SAME

struct stock_port {
	int fd;
	uint32_t serial;
	uint8_t key[IOS_PORT_KEY_SIZE]; /* authenticates the record; never leaves the process */
};

/* A release sends what is queued once the compositor holds this much released memory. */
#define IOS_RELEASE_FLUSH_BYTES (32u << 20)

struct ticket {
	uint32_t surface_id, slot;
};

struct pending_notify {
	struct iosurface *surface; /* holds a reference */
	uint32_t event, seed;
};

struct iosurface_client {
	/* Guards everything below and every use of the connection by the library. */
	pthread_mutex_t lock;

	struct wl_display *display;
	bool owns_display;
	struct wl_event_queue *queue;
	struct wl_display *display_wrapper; /* on queue */
	struct wl_registry *registry;
	struct iosurface_manager_v1 *manager;
	bool manager_done;

	uint32_t limit_max[IOSURFACE_PROPERTY_COUNT];
	uint32_t limit_align[IOSURFACE_PROPERTY_COUNT];
	struct ios_limits limits;
	struct wl_array formats;         /* uint32_t */
	struct wl_array display_formats; /* uint32_t */
	uint64_t quota_bytes;
	uint32_t quota_count;
	uint32_t allocators;

	const uint32_t *pool;
	size_t pool_size;
	/* Another client of this process talks on the same connection: one header for both. */
	bool pool_shared;
	struct wl_list process_link; /* every client of this process */

	struct wl_array ports; /* struct stock_port */
	struct wl_array tickets; /* struct ticket */
	/* create_from_memory requests sent, and the alloc sizes of the last IOS_MAX_TICKETS. */
	uint32_t adopt_sent;
	/* Memory of surfaces released since the last flush, which the compositor still holds. */
	uint64_t released_bytes;
	uint32_t adopt_bytes[IOS_MAX_TICKETS];
	int port_refusal; /* errno of the last ports_refused, 0 if none since the last reserve */

	/* Set once the connection is lost; never cleared. */
	atomic_bool lost;

	struct wl_list surfaces; /* iosurface.link */
	struct wl_array notifications; /* struct pending_notify, delivered outside the lock */
};

struct plane_info {
	uint32_t width, height, bytes_per_row;
	uint32_t bytes_per_element, element_width, element_height;
	uint32_t offset, size;
};

struct iosurface {
	atomic_int refs;
	struct iosurface_client *client; /* NULL once the client is gone */
	struct iosurface_v1 *proxy;
	struct wl_list link;

	/* Description, fixed once ready. */
	uint32_t id, width, height, format;
	uint32_t bytes_per_element, element_width, element_height;
	uint32_t bytes_per_row, offset, alloc_size;
	uint32_t plane_count, cache_mode, usage, flags;
	enum iosurface_allocator allocator;
	bool read_only;
	struct plane_info planes[IOSURFACE_MAX_PLANES];
	char *name;

	/* Memory. */
	int mem_fd[2];
	uint32_t mem_type[2], mem_size[2];
	uint64_t modifier;
	void *map[2];
	size_t map_size[2];
	uint32_t seed_index, seed_offset, slot_index;
	_Atomic uint32_t *seed;
	const _Atomic uint32_t *slot;
	int dmabuf_fd; /* kept for DMA_BUF_IOCTL_SYNC */

	atomic_int use_count;
	atomic_uint ports_created;
	/* Which create_from_memory made it (client->adopt_sent then); 0 once it is known handled. */
	uint32_t adopt_seq;
	atomic_bool lost; /* the client's connection is lost: only use_count is known */

	/* Answers being collected by the thread that holds the client lock. */
	bool done, failed;
	uint32_t failure;
	char *failure_message;
	struct iosurface_value *query;
	bool values_done;
	int value_refused;
	bool purgeable_done;
	uint32_t purgeable_old;

	iosurface_notify_func_t notify;
	void *notify_data;
	uint32_t notify_events;
};

/* client.c */
void client_lock(struct iosurface_client *c);
/* Unlocks, then runs the notification callbacks queued meanwhile. */
void client_unlock(struct iosurface_client *c);
/*
 * Marks the connection lost (once), with every surface of the client; returns -EPIPE. The
 * lock is held. Every call that needs the compositor goes through one of the functions below,
 * which call it when libwayland reports an error, whatever the cause: the compositor exited
 * or dropped this client, for a protocol error of the library's or (on a shared wl_display)
 * of the application's.
 */
int client_lost(struct iosurface_client *c);
/* 0, or -EPIPE if the connection is known to be lost. Lock held. */
int client_check(struct iosurface_client *c);
int client_flush(struct iosurface_client *c);
int client_roundtrip(struct iosurface_client *c);
/* One blocking wl_display_dispatch_queue(); 0 or -EPIPE. */
int client_dispatch(struct iosurface_client *c);
int client_dispatch_nonblock(struct iosurface_client *c);
/*
 * write(2) that never raises SIGPIPE in the application, even into a pipe with no reader
 * (it fails with EPIPE then), and leaves a SIGPIPE already pending where it was.
 */
ssize_t ios_write_nosignal(int fd, const void *buf, size_t len);
void client_queue_notify(struct iosurface_client *c, struct iosurface *s, uint32_t event,
		uint32_t seed);

/* Reads the state pool's header: the quota use the compositor last published. */
void client_read_header(struct iosurface_client *c, uint64_t *bytes, uint32_t *count,
		uint32_t *adopted);

/* surface.c */
struct iosurface *surface_new(struct iosurface_client *c);
void surface_set_proxy(struct iosurface *s, struct iosurface_v1 *proxy);
/* Waits for the description, maps the memory and registers the surface. Lock held. */
int surface_finish(struct iosurface *s);
int surface_wait_ready(struct iosurface *s);
int surface_map(struct iosurface *s);
void surface_free(struct iosurface *s);
int failure_errno(uint32_t failure);
void surface_detach(struct iosurface *s);
/*
 * Waits until the compositor has adopted a surface this process created with no round trip
 * (one round trip, and only while it has not yet). The client lock is held.
 */
int surface_wait_adopted(struct iosurface *s);
struct iosurface *client_find_surface(struct iosurface_client *c, uint32_t id);

/*
 * iosurface_v1 events, each handled in the file of its concept; surface.c's listener names
 * them. data is the struct iosurface.
 */
/* values.c */
void surface_handle_value(void *data, struct iosurface_v1 *proxy, const char *key,
		struct wl_array *value);
void surface_handle_value_memory(void *data, struct iosurface_v1 *proxy, const char *key,
		int32_t fd, uint32_t size);
void surface_handle_values_done(void *data, struct iosurface_v1 *proxy);
void surface_handle_set_value_failed(void *data, struct iosurface_v1 *proxy, const char *key);
/* purgeable.c */
void surface_handle_purgeable_done(void *data, struct iosurface_v1 *proxy, uint32_t old_state);
/* use-count.c */
void surface_handle_emptied(void *data, struct iosurface_v1 *proxy);
void surface_handle_not_in_use(void *data, struct iosurface_v1 *proxy);
void surface_handle_seed_changed(void *data, struct iosurface_v1 *proxy, uint32_t seed);

/* log.c */
void ios_log(enum iosurface_log_level level, const char *fmt, ...)
		__attribute__((format(printf, 2, 3)));

#endif
