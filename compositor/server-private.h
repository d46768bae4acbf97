/*
 * Internals of the iosurface_v1 server module. One struct per protocol object or concern:
 * ios_owner (one per wl_client: quota, state pool, ports), ios_account (the clients of one
 * process: their share of what the compositor has), ios_holder (one client's handles on one
 * surface), ios_handle (an iosurface_v1 resource), ios_surface (the shared buffer itself),
 * ios_port, ios_buffer (a wl_buffer).
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
	uint32_t allocators; /* bit per enum iosurface_v1_allocator */

	struct wl_list owners; /* ios_owner.link */
	struct ios_table accounts; /* ios_account by pid, while a client of it is connected */
	struct wl_list surfaces; /* ios_surface.link */
	struct wl_list ports; /* ios_port.server_link */
	struct ios_table surfaces_by_id;
	struct ios_table ports_by_inode;
	struct ios_table memory_by_inode; /* memfd surfaces, by st_ino of their memory */
	dev_t shm_dev; /* st_dev of every memfd (the kernel's shared memory); 0: unknown */
	struct ios_table tickets_by_id; /* owners of tickets not used yet, by surface id */
	int port_epoll;
	struct wl_event_source *port_source;
	uint32_t next_surface_id;
	uint32_t port_count, unbound_port_count, shown_count;
	/* Descriptors held for surfaces and ports, and how many the process can spare. */
	uint32_t fd_count, fd_budget;
	uint32_t fds_per_process; /* the share of fd_budget one client process may hold */

	char *drm_device;
	int drm_fd; /* the module's own descriptor of the compositor's DRM device */
	int udmabuf_fd; /* /dev/udmabuf, or -1 */
	struct gbm_device *gbm;
	struct wl_event_source *gbm_probe; /* until the GBM probe ran */
	uint32_t alloc_logged; /* allocation fallbacks already logged */

	struct wl_listener display_destroy;
};

/* A surface id and state slot reserved for a create_from_memory of the client's. */
struct ios_ticket {
	uint32_t surface_id, slot;
	struct wl_resource *manager; /* that sent it, to refill; NULL once it is gone */
};

/*
 * The clients of one process, found by the pid of their sockets' peer: several connections of
 * one process share its caps, so that opening more connections gains nothing. Lives while one
 * of them is connected or a surface or port still holds descriptors charged to it (a surface
 * and a bound port outlive their creator).
 */
struct ios_account {
	struct ios_server *server;
	pid_t pid; /* 0: a client whose credentials are unknown, an account of its own */
	bool listed; /* in server->accounts */
	uint32_t owners; /* connected clients */
	uint32_t fds; /* descriptors held for its surfaces and ports */
	uint32_t params; /* iosurface_params_v1 objects alive */
	uint64_t value_bytes; /* keys and encodings of values on the surfaces it created */
	struct ios_table handles; /* by surface id: its clients' iosurface_v1 objects of it */
};

/* Everything one wl_client has through the module, whatever the number of manager binds. */
struct ios_owner {
	struct ios_server *server;
	struct wl_client *client;
	struct ios_account *account;
	struct wl_list link;

	uint64_t bytes; /* surface memory and values, checked by set_value */
	uint64_t surface_bytes; /* surface memory only, checked at creation */
	uint32_t count;
	uint32_t adopted; /* create_from_memory requests handled */

	struct ios_ticket tickets[IOS_MAX_TICKETS];
	uint32_t ticket_count;

	/* State pool: slots written here, mapped read-only by the client. */
	int pool_fd;
	uint32_t *pool;
	uint32_t pool_slots;
	uint32_t objects; /* iosurface_v1 objects holding a slot */
	struct wl_array slot_handles; /* struct ios_handle *, by slot */
	struct wl_array free_slots;   /* uint32_t */
	uint32_t next_slot;

	struct wl_list managers;      /* wl_resource links */
	struct wl_list handles;       /* ios_handle.owner_link */
	struct wl_list params;        /* ios_params.link */
	struct wl_list unbound_ports; /* ios_port.link */
	struct wl_list issued_ports;  /* ios_port.issuer_link: live ports it issued */
	struct wl_list dead_ports;    /* ios_port.link: died before bind_port named them */
	struct wl_list created;       /* ios_surface.creator_link */
	struct ios_table holders;     /* ios_holder by surface id */
	uint32_t unbound_count;
	uint32_t live_ports; /* issued and not dead, bound or not */
	uint32_t dead_count;
	uint32_t next_port_serial;

	struct wl_listener client_destroy;
};

struct ios_surface {
	struct ios_server *server; /* NULL once the server is gone */
	uint32_t id;
	struct ios_layout layout;
	uint32_t cache_mode, usage, flags;
	enum iosurface_v1_allocator allocator;
	char *name;

	struct ios_owner *creator; /* memory accounted here; NULL once it disconnected */
	struct wl_list creator_link;
	struct ios_account *account; /* the creator's process: descriptors and value bytes */

	/* Memory 0: pixels (and, for memfd, the seed page after alloc_size). */
	int fd;
	uint32_t mem_size;
	uint64_t modifier;
	uint64_t mem_key; /* st_ino of a memfd surface's memory, in memory_by_inode; 0: none */
	/* For dma-buf surfaces the seed lives in a memfd of its own (memory 1). */
	int seed_fd;
	/* memfd surfaces: their udmabuf, made when first asked for a dma-buf; else -1. */
	int dmabuf_fd;
	uint32_t seed_offset;
	void *map; /* the compositor's mapping of the pixels, made on first display */

	uint32_t fds; /* descriptors it holds, counted in the server's budget */
	int refs; /* handles, bound ports, wl_buffers */
	struct wl_list handles; /* ios_handle.surface_link */
	struct wl_list not_in_use_watchers; /* ios_handle.not_in_use_link */
	struct wl_list seed_watchers; /* ios_handle.seed_link */
	uint32_t clients_in_use; /* holders with a handle in use */
	uint32_t ports;
	uint32_t display_holds;
	uint32_t use_count;
	/* What every holder's slot says now: written again only when it changes. */
	uint32_t published_use_count, published_flags, published_purgeable;

	enum iosurface_v1_purgeable purgeable;
	bool emptied;

	struct ios_value_entry *values; /* sorted by key */
	uint32_t value_count;
	uint32_t value_bytes; /* keys and encodings, charged to the creator's quota */

	struct wl_list link;
};

struct ios_value_entry {
	char *key;
	uint8_t *data;
	uint32_t len;
};

/*
 * One client's handles on one surface. The client's share of the use count is one while any
 * of them is in use; counting them here keeps every request's cost independent of how many
 * handles the client holds.
 */
struct ios_holder {
	struct ios_owner *owner;
	struct ios_surface *surface;
	uint32_t handles;
	uint32_t in_use; /* handles with set_in_use 1 */
};

struct ios_handle {
	struct wl_resource *resource;
	struct ios_owner *owner;
	struct ios_surface *surface; /* NULL until ready, or after failure */
	struct ios_holder *holder; /* with surface */
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
	struct wl_list not_in_use_link; /* ios_surface.not_in_use_watchers */
	struct wl_list seed_link; /* ios_surface.seed_watchers */
};

struct ios_port {
	struct ios_server *server;
	struct ios_account *account; /* its descriptor is charged here */
	struct ios_owner *issuer; /* until the issuer leaves */
	uint32_t serial;
	uint8_t secret[IOS_PORT_KEY_SIZE]; /* the key of its record's tag; the issuer's alone */
	int read_fd; /* -1 once dead */
	uint64_t ino; /* st_ino of the pipe */
	dev_t dev; /* st_dev of the pipe: pipefs */
	struct wl_event_source *timer; /* while redeems wait */
	struct ios_surface *surface; /* once bound, until dead */
	bool read_only;
	bool record_seen; /* the first record was read */
	bool counted; /* the slot's bind count moved for it */
	bool listed; /* on the issuer's stock: alive, neither bind_port nor a record bound it */
	bool dead; /* on the issuer's dead_ports until bind_port names it */
	struct wl_list pending; /* ios_handle.pending_link */
	struct wl_list link; /* ios_owner.unbound_ports while listed, dead_ports once dead */
	struct wl_list issuer_link; /* ios_owner.issued_ports, while alive and the issuer there */
	struct wl_list server_link; /* ios_server.ports, while alive */
};

struct ios_params {
	struct wl_resource *resource;
	struct ios_owner *owner;
	struct wl_resource *manager; /* it was made through; NULL once that is gone */
	struct ios_request req;
	uint32_t set;
	uint32_t cache_mode, usage, flags;
	char *name;
	bool used;
	struct wl_list link;
};

/* manager.c */
/*
 * Charges n descriptors to the account and the module's budget: 0, -EMFILE beyond the
 * process's share, -ENFILE beyond the budget.
 */
int ios_account_take_fds(struct ios_account *account, uint32_t n);
/* Gives them back; frees the account if nothing else holds it. */
void ios_account_release_fds(struct ios_account *account, uint32_t n);
struct ios_owner *ios_owner_get(struct ios_server *server, struct wl_client *client);
/* Writes the owner's quota use into the header of its state pool. */
void ios_owner_publish(struct ios_owner *owner);
/* The most surfaces the owner may have: the quota or the per-client cap, whichever is lower. */
uint32_t ios_owner_count_limit(const struct ios_owner *owner);
/* The unused ticket of surface_id, or NULL; valid until the owner's tickets change. */
const struct ios_ticket *ios_owner_find_ticket(const struct ios_owner *owner,
		uint32_t surface_id);
/* Takes the unused ticket of surface_id; false if there is none. */
bool ios_owner_take_ticket(struct ios_owner *owner, uint32_t surface_id, struct ios_ticket *out);
/* Sends tickets through manager until its stock is full again. */
void ios_owner_refill_tickets(struct ios_owner *owner, struct wl_resource *manager);
/* Sends new ports until the client's stock of unbound ports is full again. */
void ios_owner_refill_ports(struct ios_owner *owner);

/* surface.c */
struct ios_handle *ios_handle_create(struct ios_owner *owner, struct wl_client *client,
		uint32_t version, uint32_t id);
/* The same, with a slot reserved earlier (a ticket's). */
struct ios_handle *ios_handle_create_in_slot(struct ios_owner *owner, struct wl_client *client,
		uint32_t version, uint32_t id, uint32_t slot);
/*
 * Links the handle to the surface without sending anything: the client described it. False if
 * a cap refused it (the handle was told: failed).
 */
bool ios_handle_adopt(struct ios_handle *handle, struct ios_surface *surface);
/* Rewrites the handle's own slot: its bind count moved with nothing else. */
void ios_handle_publish(struct ios_handle *handle);
bool ios_owner_slot_alloc(struct ios_owner *owner, uint32_t *slot);
void ios_owner_slot_release(struct ios_owner *owner, uint32_t slot);
void ios_handle_fail(struct ios_handle *handle, enum iosurface_v1_failure reason, const char *fmt,
		...);
void ios_handle_attach(struct ios_handle *handle, struct ios_surface *surface, bool read_only);
void ios_handle_destroy(struct ios_handle *handle);
struct ios_surface *ios_surface_create(struct ios_server *server, struct ios_owner *creator,
		const struct ios_layout *layout, uint32_t cache_mode, uint32_t usage, uint32_t flags,
		const char *name, enum iosurface_v1_failure *reason, char *msg, size_t msg_size);
/* A surface in memory the client made (fd, owned from now on) under a ticket's id. */
struct ios_surface *ios_surface_adopt(struct ios_server *server, struct ios_owner *creator,
		const struct ios_layout *layout, uint32_t cache_mode, uint32_t usage, uint32_t flags,
		const char *name, int fd, uint32_t id, uint64_t mem_key);
void ios_surface_ref(struct ios_surface *surface);
void ios_surface_unref(struct ios_surface *surface);
void ios_surface_update_state(struct ios_surface *surface);
bool ios_surface_empty(struct ios_surface *surface);
void ios_surface_detach_server(struct ios_surface *surface);

/* params.c */
void ios_params_create(struct ios_owner *owner, struct wl_resource *manager, uint32_t id);
void ios_params_destroy(struct ios_params *params);

/* port.c */
bool ios_port_init(struct ios_server *server);
void ios_port_finish(struct ios_server *server);
/* Sends owner a new unbound port through manager; false, with the reason, if it cannot. */
bool ios_port_send(struct ios_owner *owner, struct wl_resource *manager,
		enum iosurface_manager_v1_port_refusal *reason);
void ios_port_destroy(struct ios_port *port);
/*
 * The issuer is leaving: binds what its records say, before its objects go; then an unbound
 * port dies, a bound one lives on by itself.
 */
void ios_port_issuer_gone(struct ios_owner *owner);
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
/* A dma-buf of size bytes of a memfd sealed against shrinking, or -1 (errno set). */
int ios_udmabuf_create(struct ios_server *server, int memfd, size_t size);
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
/* Turns udmabuf off if the renderer cannot make a texture of one (see buffer.c). */
void ios_buffer_probe_udmabuf(struct ios_server *server, struct wlr_renderer *renderer);
bool ios_server_can_display(struct ios_server *server, uint32_t format);

#endif
