/*
 * Internals of the iosurface_v1 server module. One struct per protocol object or concern:
 * ios_owner (one per wl_client: quota, state pool, ports), ios_handle (an iosurface_v1
 * resource), ios_surface (the shared buffer itself), ios_port, ios_buffer (a wl_buffer).
 */
#ifndef COMPOSITOR_SERVER_PRIVATE_H
#define COMPOSITOR_SERVER_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <wayland-server-core.h>

#include "iosurface-common.h"
#include "iosurface-v1-protocol.h"
#include "iosurface/server.h"

struct wlr_renderer;

#define IOS_REDEEM_TIMEOUT_MS 5000

/* A map from 64-bit keys to pointers, open addressing; cost does not grow with the count. */
struct ios_table {
	struct ios_table_entry *entries;
	size_t cap, count, tombstones;
};

void ios_table_finish(struct ios_table *table);
void *ios_table_get(const struct ios_table *table, uint64_t key);
bool ios_table_put(struct ios_table *table, uint64_t key, void *value);
void ios_table_remove(struct ios_table *table, uint64_t key);

struct ios_server {
	struct iosurface_server base;
	struct iosurface_server_options options;
	struct ios_limits limits;

	uint32_t *display_formats;
	size_t display_format_count;
	uint32_t allocators; /* bit per enum iosurface_allocator */

	struct wl_list owners; /* ios_owner.link */
	struct wl_list surfaces; /* ios_surface.link */
	struct wl_list ports; /* ios_port.server_link */
	struct ios_table surfaces_by_id;
	struct ios_table ports_by_inode;
	int port_epoll;
	struct wl_event_source *port_source;
	uint32_t next_surface_id;
	uint32_t port_count, unbound_port_count, shown_count;
	/* Descriptors held for surfaces and ports, and how many the process can spare. */
	uint32_t fd_count, fd_budget;

	char *drm_device;
	int drm_fd; /* the module's own descriptor of the compositor's DRM device */
	int udmabuf_fd; /* /dev/udmabuf, or -1 */
	struct gbm_device *gbm;
	struct wl_event_source *gbm_probe; /* until the GBM probe ran */
	uint32_t alloc_logged; /* allocation fallbacks already logged */

	struct wl_listener display_destroy;
};

/* Everything one wl_client has through the module, whatever the number of manager binds. */
struct ios_owner {
	struct ios_server *server;
	struct wl_client *client;
	struct wl_list link;

	uint64_t bytes;
	uint32_t count;

	/* State pool: slots written here, mapped read-only by the client. */
	int pool_fd;
	uint32_t *pool;
	uint32_t pool_slots;
	struct wl_array slot_handles; /* struct ios_handle *, by slot */
	struct wl_array free_slots;   /* uint32_t */
	uint32_t next_slot;

	struct wl_list managers;      /* wl_resource links */
	struct wl_list handles;       /* ios_handle.owner_link */
	struct wl_list params;        /* ios_params.link */
	struct wl_list unbound_ports; /* ios_port.link */
	struct wl_list created;       /* ios_surface.creator_link */
	uint32_t unbound_count;
	uint32_t next_port_serial;

	struct wl_listener client_destroy;
};

struct ios_surface {
	struct ios_server *server; /* NULL once the server is gone */
	uint32_t id;
	struct ios_layout layout;
	uint32_t cache_mode, usage, flags;
	enum iosurface_allocator allocator;
	char *name;

	struct ios_owner *creator; /* memory accounted here; NULL once it disconnected */
	struct wl_list creator_link;

	/* Memory 0: pixels (and, for memfd, the seed page after alloc_size). */
	int fd;
	uint32_t mem_size;
	uint64_t modifier;
	/* For dma-buf surfaces the seed lives in a memfd of its own (memory 1). */
	int seed_fd;
	/* memfd surfaces: their udmabuf, made when first asked for a dma-buf; else -1. */
	int dmabuf_fd;
	uint32_t seed_offset;
	void *map; /* the compositor's mapping of the pixels, made on first display */

	uint32_t fds; /* descriptors it holds, counted in the server's budget */
	int refs; /* handles, bound ports, wl_buffers */
	struct wl_list handles; /* ios_handle.surface_link */
	uint32_t ports;
	uint32_t display_holds;
	uint32_t use_count;

	enum iosurface_purgeable_state purgeable;
	bool emptied;

	struct ios_value_entry *values;
	uint32_t value_count;
	uint32_t value_bytes; /* keys and encodings, charged to the creator's quota */

	struct wl_list link;
};

struct ios_value_entry {
	char *key;
	uint8_t *data;
	uint32_t len;
};

struct ios_handle {
	struct wl_resource *resource;
	struct ios_owner *owner;
	struct ios_surface *surface; /* NULL until ready, or after failure */
	uint32_t slot;
	bool has_slot;
	bool read_only;
	bool in_use;
	uint32_t watch;
	uint32_t binds_handled;

	struct ios_port *pending_port; /* redeem waiting for bind_port */
	struct wl_list pending_link;

	struct wl_list owner_link;
	struct wl_list surface_link;
};

struct ios_port {
	struct ios_server *server;
	struct ios_owner *issuer; /* while unbound */
	uint32_t serial;
	int read_fd;
	uint64_t key; /* st_ino of the pipe */
	dev_t dev; /* st_dev of the pipe: pipefs */
	struct wl_event_source *timer; /* while redeems wait */
	struct ios_surface *surface; /* once bound */
	bool read_only;
	bool record_seen; /* the first record was read */
	bool counted; /* the slot's bind count moved for it */
	struct wl_list pending; /* ios_handle.pending_link */
	struct wl_list link; /* ios_owner.unbound_ports */
	struct wl_list server_link;
};

struct ios_params {
	struct wl_resource *resource;
	struct ios_owner *owner;
	struct ios_request req;
	uint32_t set;
	uint32_t cache_mode, usage, flags;
	char *name;
	bool used;
	struct wl_list link;
};

/* Whether n more descriptors fit in the module's budget; counts them if so. */
bool ios_server_take_fds(struct ios_server *server, uint32_t n);
void ios_server_release_fds(struct ios_server *server, uint32_t n);

/* manager.c */
struct ios_owner *ios_owner_get(struct ios_server *server, struct wl_client *client);
/* Sends new ports until the client's stock of unbound ports is full again. */
void ios_owner_refill_ports(struct ios_owner *owner);

/* surface.c */
struct ios_handle *ios_handle_create(struct ios_owner *owner, struct wl_client *client,
		uint32_t version, uint32_t id);
void ios_handle_fail(struct ios_handle *handle, enum iosurface_v1_failure reason, const char *fmt,
		...);
void ios_handle_attach(struct ios_handle *handle, struct ios_surface *surface, bool read_only);
void ios_handle_destroy(struct ios_handle *handle);
struct ios_surface *ios_surface_create(struct ios_server *server, struct ios_owner *creator,
		const struct ios_layout *layout, uint32_t cache_mode, uint32_t usage, uint32_t flags,
		const char *name, enum iosurface_v1_failure *reason, char *msg, size_t msg_size);
void ios_surface_ref(struct ios_surface *surface);
void ios_surface_unref(struct ios_surface *surface);
void ios_surface_update_state(struct ios_surface *surface);
bool ios_surface_empty(struct ios_surface *surface);
void *ios_surface_map(struct ios_surface *surface);
void ios_surface_detach_server(struct ios_surface *surface);

/* params.c */
void ios_params_create(struct ios_owner *owner, struct wl_client *client, uint32_t version,
		uint32_t id);
void ios_params_destroy(struct ios_params *params);

/* port.c */
bool ios_port_init(struct ios_server *server);
void ios_port_finish(struct ios_server *server);
struct ios_port *ios_port_issue(struct ios_owner *owner, int *client_fd);
void ios_port_destroy(struct ios_port *port);
/* Binds what the issuer's records say, before its objects go. */
void ios_port_drain_issued(struct ios_owner *owner);
/* The issuer is leaving: an unbound port dies, a bound one lives on by itself. */
void ios_port_orphan(struct ios_port *port);
void ios_port_redeem(struct ios_handle *handle, int fd);
void ios_port_bind(struct ios_handle *handle, uint32_t serial, uint32_t flags);
void ios_port_cancel_pending(struct ios_handle *handle);

/* alloc.c */
bool ios_alloc_init(struct ios_server *server);
void ios_alloc_finish(struct ios_server *server);
bool ios_alloc_surface(struct ios_server *server, struct ios_surface *surface);
void ios_alloc_free(struct ios_surface *surface);
/*
 * The surface as a dma-buf, whatever its allocator (a memfd through /dev/udmabuf); false when
 * it has none. The descriptor stays the surface's.
 */
struct wlr_dmabuf_attributes;
bool ios_alloc_get_dmabuf(struct ios_surface *surface, struct wlr_dmabuf_attributes *attribs);
/* The compositor's read-write mapping of the pixels, whatever the allocator; NULL on error. */
void *ios_alloc_map(struct ios_surface *surface);
/* Brackets CPU access to a mapped dma-buf surface (DMA_BUF_IOCTL_SYNC); no-ops for memfd. */
void ios_alloc_begin_access(struct ios_surface *surface);
void ios_alloc_end_access(struct ios_surface *surface);
int ios_memfd_create_sealed(const char *name, size_t size, bool future_write_seal, void **map);

/* buffer.c */
void ios_buffer_create(struct ios_handle *handle, uint32_t id);
void ios_buffer_register_interface(void);
bool ios_server_can_display(struct ios_server *server, uint32_t format);

#endif
