#define _GNU_SOURCE
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <wlr/render/wlr_renderer.h>
#include <wlr/util/log.h>

#include "server-private.h"
#include "wlr-compat.h"

#define MANAGER_VERSION 1

static const struct iosurface_manager_v1_interface manager_impl;

static struct ios_owner *owner_from_manager(struct wl_resource *resource) {
	assert(wl_resource_instance_of(resource, &iosurface_manager_v1_interface, &manager_impl));
	return wl_resource_get_user_data(resource);
}

static void manager_handle_destroy(struct wl_client *client, struct wl_resource *resource) {
	wl_resource_destroy(resource);
}

static void manager_handle_create_params(struct wl_client *client, struct wl_resource *resource,
		uint32_t id) {
	struct ios_owner *owner = owner_from_manager(resource);
	ios_params_create(owner, resource, id);
}

static void manager_handle_redeem_port(struct wl_client *client, struct wl_resource *resource,
		uint32_t id, int32_t fd) {
	struct ios_owner *owner = owner_from_manager(resource);
	struct ios_handle *handle = ios_handle_create(owner, client, wl_resource_get_version(resource),
			id);
	if (handle == NULL) {
		close(fd);
		return;
	}
	ios_port_redeem(handle, fd);
}

static void manager_handle_lookup(struct wl_client *client, struct wl_resource *resource,
		uint32_t id, uint32_t surface_id) {
	struct ios_owner *owner = owner_from_manager(resource);
	struct ios_server *server = owner->server;
	struct ios_handle *handle = ios_handle_create(owner, client, wl_resource_get_version(resource),
			id);
	if (handle == NULL) {
		return;
	}
	if (!server->options.allow_global_lookup) {
		ios_handle_fail(handle, IOSURFACE_V1_FAILURE_LOOKUP_DISABLED,
				"this compositor does not allow lookup by id");
		return;
	}
	struct ios_surface *surface = ios_table_get(&server->surfaces_by_id, surface_id);
	if (surface == NULL && ios_table_get(&server->tickets_by_id, surface_id) != NULL) {
		// Created with no round trip, its creation not read yet: such surfaces are never
		// global (a global one is created through the compositor, so that this finds it).
		ios_handle_fail(handle, IOSURFACE_V1_FAILURE_NOT_GLOBAL, "surface %u is not global",
				surface_id);
		return;
	}
	if (surface == NULL) {
		ios_handle_fail(handle, IOSURFACE_V1_FAILURE_UNKNOWN_ID, "no surface with id %u",
				surface_id);
		return;
	}
	if (!(surface->flags & IOSURFACE_PARAMS_V1_FLAGS_GLOBAL)) {
		ios_handle_fail(handle, IOSURFACE_V1_FAILURE_NOT_GLOBAL, "surface %u is not global",
				surface_id);
		return;
	}
	ios_handle_attach(handle, surface, false);
}

static void manager_handle_reserve_ports(struct wl_client *client, struct wl_resource *resource,
		uint32_t count) {
	struct ios_owner *owner = owner_from_manager(resource);
	uint32_t max = owner->server->options.max_unbound_ports;
	if (count > max || owner->unbound_count + count > max) {
		wl_resource_post_error(resource, IOSURFACE_MANAGER_V1_ERROR_TOO_MANY_PORTS,
				"reserve_ports count %u: the client holds %u unbound ports of at most %u", count,
				owner->unbound_count, max);
		return;
	}
	for (uint32_t i = 0; i < count; i++) {
		enum iosurface_manager_v1_port_refusal reason;
		if (!ios_port_send(owner, resource, &reason)) {
			iosurface_manager_v1_send_ports_refused(resource, reason, count - i);
			break;
		}
	}
}

static const struct iosurface_manager_v1_interface manager_impl = {
	.destroy = manager_handle_destroy,
	.create_params = manager_handle_create_params,
	.redeem_port = manager_handle_redeem_port,
	.lookup = manager_handle_lookup,
	.reserve_ports = manager_handle_reserve_ports,
};

void ios_owner_refill_ports(struct ios_owner *owner) {
	if (wl_list_empty(&owner->managers)) {
		return;
	}
	struct wl_resource *manager = wl_resource_from_link(owner->managers.next);
	enum iosurface_manager_v1_port_refusal reason;
	while (owner->unbound_count < owner->server->options.initial_ports &&
			ios_port_send(owner, manager, &reason)) {
	}
}

/* ---- Accounts ---- */

static void account_maybe_free(struct ios_account *account) {
	if (account->owners > 0 || account->fds > 0) {
		return;
	}
	// Values and params live on surfaces and clients, which hold descriptors or owners.
	assert(account->params == 0 && account->value_bytes == 0 && account->handles.count == 0);
	ios_table_finish(&account->handles);
	if (account->listed) {
		ios_table_remove(&account->server->accounts, (uint64_t)account->pid);
	}
	free(account);
}

static struct ios_account *account_get(struct ios_server *server, struct wl_client *client) {
	pid_t pid = 0;
	uid_t uid;
	gid_t gid;
	wl_client_get_credentials(client, &pid, &uid, &gid);
	struct ios_account *account = pid > 0 ? ios_table_get(&server->accounts, (uint64_t)pid) : NULL;
	if (account == NULL) {
		account = calloc(1, sizeof(*account));
		if (account == NULL) {
			return NULL;
		}
		account->server = server;
		account->pid = pid > 0 ? pid : 0;
		if (pid > 0) {
			if (!ios_table_put(&server->accounts, (uint64_t)pid, account)) {
				free(account);
				return NULL;
			}
			account->listed = true;
		}
	}
	account->owners++;
	return account;
}

static void account_drop_owner(struct ios_account *account) {
	assert(account->owners > 0);
	// The last client of the process is gone: a new process given the same pid later must
	// not inherit what this one still holds through surfaces and ports.
	if (--account->owners == 0 && account->listed) {
		ios_table_remove(&account->server->accounts, (uint64_t)account->pid);
		account->listed = false;
	}
	account_maybe_free(account);
}

int ios_account_take_fds(struct ios_account *account, uint32_t n) {
	struct ios_server *server = account->server;
	if (account->fds + n > server->fds_per_process) {
		return -EMFILE;
	}
	if (server->fd_count + n > server->fd_budget) {
		return -ENFILE;
	}
	account->fds += n;
	server->fd_count += n;
	return 0;
}

void ios_account_release_fds(struct ios_account *account, uint32_t n) {
	struct ios_server *server = account->server;
	assert(account->fds >= n && server->fd_count >= n);
	account->fds -= n;
	server->fd_count -= n;
	account_maybe_free(account);
}

/* ---- Owners ---- */

/* ---- Quota use and tickets ---- */

void ios_owner_publish(struct ios_owner *owner) {
	if (owner->pool == NULL) {
		return;
	}
	uint32_t *header = owner->pool + (size_t)IOS_HEADER_SLOT * IOS_SLOT_WORDS;
	// The same sequence lock as the object slots: the words must come from one update.
	uint32_t seq = __atomic_load_n(&header[IOS_SLOT_SEQUENCE], __ATOMIC_RELAXED);
	__atomic_store_n(&header[IOS_SLOT_SEQUENCE], seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&header[IOS_HEADER_BYTES_LO], (uint32_t)owner->surface_bytes,
			__ATOMIC_RELAXED);
	__atomic_store_n(&header[IOS_HEADER_BYTES_HI], (uint32_t)(owner->surface_bytes >> 32),
			__ATOMIC_RELAXED);
	__atomic_store_n(&header[IOS_HEADER_COUNT], owner->count, __ATOMIC_RELAXED);
	__atomic_store_n(&header[IOS_HEADER_ADOPTED], owner->adopted, __ATOMIC_RELAXED);
	__atomic_store_n(&header[IOS_SLOT_SEQUENCE], seq + 2, __ATOMIC_RELEASE);
}

uint32_t ios_owner_count_limit(const struct ios_owner *owner) {
	const struct iosurface_server_options *o = &owner->server->options;
	if (o->quota_count != 0 && o->quota_count < o->max_surfaces_per_client) {
		return o->quota_count;
	}
	return o->max_surfaces_per_client;
}

const struct ios_ticket *ios_owner_find_ticket(const struct ios_owner *owner,
		uint32_t surface_id) {
	// A few dozen at most: the walk is bounded by IOS_MAX_TICKETS.
	for (uint32_t i = 0; i < owner->ticket_count; i++) {
		if (owner->tickets[i].surface_id == surface_id) {
			return &owner->tickets[i];
		}
	}
	return NULL;
}

bool ios_owner_take_ticket(struct ios_owner *owner, uint32_t surface_id, struct ios_ticket *out) {
	const struct ios_ticket *ticket = ios_owner_find_ticket(owner, surface_id);
	if (ticket == NULL) {
		return false;
	}
	*out = *ticket;
	owner->tickets[ticket - owner->tickets] = owner->tickets[--owner->ticket_count];
	ios_table_remove(&owner->server->tickets_by_id, surface_id);
	return true;
}

static uint32_t tickets_sent_through(struct ios_owner *owner, struct wl_resource *manager) {
	uint32_t n = 0;
	for (uint32_t i = 0; i < owner->ticket_count; i++) {
		n += owner->tickets[i].manager == manager;
	}
	return n;
}

void ios_owner_refill_tickets(struct ios_owner *owner, struct wl_resource *manager) {
	struct ios_server *server = owner->server;
	uint32_t held = tickets_sent_through(owner, manager);
	// In batches, once half the stock is used, like ports.
	if (held > IOS_TICKET_STOCK / 2) {
		return;
	}
	while (held < IOS_TICKET_STOCK && owner->ticket_count < IOS_MAX_TICKETS &&
			server->next_surface_id != 0) {
		struct ios_ticket *ticket = &owner->tickets[owner->ticket_count];
		// Each ticket holds the descriptor its surface will cost, so that adopting it
		// cannot fail for want of one.
		if (ios_account_take_fds(owner->account, 1) != 0) {
			break;
		}
		if (!ios_owner_slot_alloc(owner, &ticket->slot)) {
			ios_account_release_fds(owner->account, 1);
			break;
		}
		if (!ios_table_put(&server->tickets_by_id, server->next_surface_id, owner)) {
			ios_owner_slot_release(owner, ticket->slot);
			ios_account_release_fds(owner->account, 1);
			break;
		}
		ticket->surface_id = server->next_surface_id++;
		ticket->manager = manager;
		owner->ticket_count++;
		held++;
		iosurface_manager_v1_send_ticket(manager, ticket->surface_id, ticket->slot);
	}
}

static void owner_drop_tickets(struct ios_owner *owner) {
	for (uint32_t i = 0; i < owner->ticket_count; i++) {
		ios_owner_slot_release(owner, owner->tickets[i].slot);
		ios_table_remove(&owner->server->tickets_by_id, owner->tickets[i].surface_id);
	}
	ios_account_release_fds(owner->account, owner->ticket_count);
	owner->ticket_count = 0;
}

static void owner_destroy(struct ios_owner *owner) {
	// wl_client_destroy() emits its destroy signal before it destroys the client's
	// resources, so everything that points at the owner is cut loose here. Ports first:
	// their records may name objects about to go.
	ios_port_issuer_gone(owner);
	struct ios_handle *handle, *handle_tmp;
	wl_list_for_each_safe(handle, handle_tmp, &owner->handles, owner_link) {
		ios_handle_destroy(handle);
	}
	struct ios_params *params, *params_tmp;
	wl_list_for_each_safe(params, params_tmp, &owner->params, link) {
		ios_params_destroy(params);
	}
	owner_drop_tickets(owner);
	struct wl_resource *manager, *manager_tmp;
	wl_resource_for_each_safe(manager, manager_tmp, &owner->managers) {
		wl_resource_set_user_data(manager, NULL);
		wl_list_remove(wl_resource_get_link(manager));
		wl_list_init(wl_resource_get_link(manager));
	}
	struct ios_surface *surface, *surface_tmp;
	wl_list_for_each_safe(surface, surface_tmp, &owner->created, creator_link) {
		surface->creator = NULL;
		wl_list_remove(&surface->creator_link);
		wl_list_init(&surface->creator_link);
	}
	wl_list_remove(&owner->client_destroy.link);
	wl_list_remove(&owner->link);
	if (owner->pool != NULL) {
		munmap(owner->pool, (size_t)owner->pool_slots * IOS_SLOT_SIZE);
	}
	if (owner->pool_fd >= 0) {
		close(owner->pool_fd);
	}
	wl_array_release(&owner->slot_handles);
	wl_array_release(&owner->free_slots);
	// Every handle is gone, and its holder with it.
	assert(owner->holders.count == 0);
	ios_table_finish(&owner->holders);
	account_drop_owner(owner->account);
	free(owner);
}

static void owner_handle_client_destroy(struct wl_listener *listener, void *data) {
	struct ios_owner *owner = wl_container_of(listener, owner, client_destroy);
	owner_destroy(owner);
}

struct ios_owner *ios_owner_get(struct ios_server *server, struct wl_client *client) {
	struct wl_listener *listener = wl_client_get_destroy_listener(client,
			owner_handle_client_destroy);
	if (listener != NULL) {
		struct ios_owner *owner = wl_container_of(listener, owner, client_destroy);
		return owner;
	}
	struct ios_owner *owner = calloc(1, sizeof(*owner));
	if (owner == NULL) {
		return NULL;
	}
	owner->server = server;
	owner->client = client;
	owner->account = account_get(server, client);
	if (owner->account == NULL) {
		free(owner);
		return NULL;
	}
	owner->pool_fd = -1;
	// One slot per object, the header, and the slots of tickets not used yet.
	owner->pool_slots = server->options.max_objects_per_client + 1 + IOS_MAX_TICKETS;
	size_t pool_size = (size_t)owner->pool_slots * IOS_SLOT_SIZE;
	void *pool;
	owner->pool_fd = ios_memfd_create_sealed("iosurface-state", pool_size, true, &pool);
	if (owner->pool_fd < 0) {
		wlr_log_errno(WLR_ERROR, "iosurface: cannot create a state pool");
		account_drop_owner(owner->account);
		free(owner);
		return NULL;
	}
	owner->pool = pool;
	wl_array_init(&owner->slot_handles);
	wl_array_init(&owner->free_slots);
	// Slot 0 is the header (quota use), never an object's.
	struct ios_handle **header = wl_array_add(&owner->slot_handles, sizeof(*header));
	if (header == NULL) {
		munmap(pool, pool_size);
		close(owner->pool_fd);
		free(owner);
		return NULL;
	}
	*header = NULL;
	owner->next_slot = IOS_HEADER_SLOT + 1;
	wl_list_init(&owner->managers);
	wl_list_init(&owner->handles);
	wl_list_init(&owner->params);
	wl_list_init(&owner->unbound_ports);
	wl_list_init(&owner->issued_ports);
	wl_list_init(&owner->dead_ports);
	wl_list_init(&owner->created);
	owner->next_port_serial = 1;
	owner->client_destroy.notify = owner_handle_client_destroy;
	wl_client_add_destroy_listener(client, &owner->client_destroy);
	wl_list_insert(&server->owners, &owner->link);
	return owner;
}

static void manager_handle_resource_destroy(struct wl_resource *resource) {
	struct ios_owner *owner = wl_resource_get_user_data(resource);
	if (owner != NULL) {
		// Its tickets stay the client's; new ones go through another manager.
		for (uint32_t i = 0; i < owner->ticket_count; i++) {
			if (owner->tickets[i].manager == resource) {
				owner->tickets[i].manager = NULL;
			}
		}
		struct ios_params *params;
		wl_list_for_each(params, &owner->params, link) {
			if (params->manager == resource) {
				params->manager = NULL;
			}
		}
	}
	wl_list_remove(wl_resource_get_link(resource));
}

static void manager_bind(struct wl_client *client, void *data, uint32_t version, uint32_t id) {
	struct ios_server *server = data;
	struct wl_resource *resource = wl_resource_create(client, &iosurface_manager_v1_interface,
			version, id);
	if (resource == NULL) {
		wl_client_post_no_memory(client);
		return;
	}
	struct ios_owner *owner = ios_owner_get(server, client);
	if (owner == NULL) {
		wl_resource_destroy(resource);
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(resource, &manager_impl, owner, manager_handle_resource_destroy);
	wl_list_insert(owner->managers.prev, wl_resource_get_link(resource));

	for (uint32_t p = 0; p < IOS_PROPERTY_COUNT; p++) {
		iosurface_manager_v1_send_limit(resource, p, ios_property_maximum(p, &server->limits),
				ios_property_alignment(p));
	}
	for (size_t i = 0; i < ios_format_count(); i++) {
		iosurface_manager_v1_send_format(resource, ios_format_at(i)->fourcc);
	}
	for (size_t i = 0; i < server->display_format_count; i++) {
		iosurface_manager_v1_send_display_format(resource, server->display_formats[i]);
	}
	uint64_t quota = server->options.quota_bytes;
	iosurface_manager_v1_send_quota(resource, (uint32_t)(quota >> 32), (uint32_t)quota,
			ios_owner_count_limit(owner));
	for (uint32_t a = 0; a <= IOSURFACE_V1_ALLOCATOR_DUMB; a++) {
		if (server->allocators & (1u << a)) {
			iosurface_manager_v1_send_allocator(resource, a);
		}
	}
	iosurface_manager_v1_send_state_pool(resource, owner->pool_fd,
			owner->pool_slots * IOS_SLOT_SIZE);
	ios_owner_refill_ports(owner);
	ios_owner_refill_tickets(owner, resource);
	iosurface_manager_v1_send_done(resource, server->options.max_unbound_ports);
}

void iosurface_server_options_init(struct iosurface_server_options *options) {
	memset(options, 0, sizeof(*options));
	options->max_dimension = IOS_MAX_DIMENSION;
	options->max_alloc_size = IOS_MAX_ALLOC_SIZE;
	options->max_objects_per_client = 16384;
	options->max_unbound_ports = 64;
	options->initial_ports = 16;
	options->max_surfaces_per_client = 4096;
	options->max_handles_per_surface = 256;
	options->max_params_per_process = 4096;
	options->max_value_bytes_per_process = 32u << 20;
	options->max_ports_per_client = 4096;
}

/* A quarter of the machine's memory, or 4 GiB when it cannot be read. */
/*
 * The device of the kernel's shared memory, on which every memfd lives but those of
 * hugetlbfs: memory of another device is refused, so that an inode number names one file.
 */
static dev_t shm_device(void) {
	int fd = memfd_create("iosurface-probe", MFD_CLOEXEC);
	struct stat st;
	dev_t dev = fd >= 0 && fstat(fd, &st) == 0 ? st.st_dev : 0;
	if (fd >= 0) {
		close(fd);
	}
	if (dev == 0) {
		wlr_log_errno(WLR_ERROR, "iosurface: cannot learn the device of memfds");
	}
	return dev;
}

static uint64_t default_quota_bytes(void) {
	long pages = sysconf(_SC_PHYS_PAGES);
	long page_size = sysconf(_SC_PAGE_SIZE);
	if (pages <= 0 || page_size <= 0) {
		return 4ull << 30;
	}
	return (uint64_t)pages * (uint64_t)page_size / 4;
}

static void handle_display_destroy(struct wl_listener *listener, void *data) {
	struct ios_server *server = wl_container_of(listener, server, display_destroy);
	iosurface_server_destroy(&server->base);
}

static void init_display_formats(struct ios_server *server, struct wlr_renderer *renderer) {
	if (renderer == NULL) {
		return;
	}
	uint32_t *formats = NULL;
	size_t len = ios_compat_renderer_get_shm_formats(renderer, &formats);
	server->display_formats = calloc(len > 0 ? len : 1, sizeof(uint32_t));
	if (server->display_formats == NULL) {
		free(formats);
		return;
	}
	// Only formats whose layout the module knows, and single-plane ones: the memfd path
	// hands the renderer one data pointer and one stride.
	for (size_t i = 0; i < len; i++) {
		const struct ios_format *fmt = ios_format_lookup(formats[i]);
		if (fmt != NULL && fmt->plane_count == 0 && fmt->planes[0].element_width == 1) {
			server->display_formats[server->display_format_count++] = formats[i];
		}
	}
	free(formats);
}

struct iosurface_server *iosurface_server_create(struct wl_display *display,
		struct wlr_renderer *renderer, const struct iosurface_server_options *options) {
	struct ios_server *server = calloc(1, sizeof(*server));
	if (server == NULL) {
		wlr_log_errno(WLR_ERROR, "iosurface: allocation failed");
		return NULL;
	}
	iosurface_server_options_init(&server->options);
	if (options != NULL) {
		struct iosurface_server_options defaults = server->options;
		server->options = *options;
		if (server->options.max_dimension == 0 ||
				server->options.max_dimension > IOS_MAX_DIMENSION) {
			server->options.max_dimension = defaults.max_dimension;
		}
		if (server->options.max_alloc_size == 0 ||
				server->options.max_alloc_size > IOS_MAX_ALLOC_SIZE) {
			server->options.max_alloc_size = defaults.max_alloc_size;
		}
		if (server->options.max_objects_per_client == 0) {
			server->options.max_objects_per_client = defaults.max_objects_per_client;
		}
		if (server->options.max_unbound_ports == 0) {
			server->options.max_unbound_ports = defaults.max_unbound_ports;
		}
		if (server->options.initial_ports == 0) {
			server->options.initial_ports = defaults.initial_ports;
		}
		if (server->options.max_surfaces_per_client == 0) {
			server->options.max_surfaces_per_client = defaults.max_surfaces_per_client;
		}
		if (server->options.max_handles_per_surface == 0) {
			server->options.max_handles_per_surface = defaults.max_handles_per_surface;
		}
		if (server->options.max_params_per_process == 0) {
			server->options.max_params_per_process = defaults.max_params_per_process;
		}
		if (server->options.max_value_bytes_per_process == 0) {
			server->options.max_value_bytes_per_process = defaults.max_value_bytes_per_process;
		}
		if (server->options.max_ports_per_client == 0) {
			server->options.max_ports_per_client = defaults.max_ports_per_client;
		}
		if (server->options.initial_ports > server->options.max_unbound_ports) {
			server->options.initial_ports = server->options.max_unbound_ports;
		}
		// The caller's string may not outlive this call.
		if (options->drm_device != NULL) {
			server->drm_device = strdup(options->drm_device);
		}
		server->options.drm_device = server->drm_device;
	}
	// A client that could make the compositor run out of descriptors would get every other
	// client's requests with descriptors refused (and those clients disconnected).
	struct rlimit nofile;
	uint64_t limit = getrlimit(RLIMIT_NOFILE, &nofile) == 0 ? nofile.rlim_cur : 1024;
	server->fd_budget = limit > 512 ? (uint32_t)(limit > UINT32_MAX ? UINT32_MAX : limit) - 256 :
									  (uint32_t)limit / 2;
	// Nor may one process: a quarter each, so that it takes four to starve the others.
	server->fds_per_process = server->options.max_fds_per_process != 0 ?
			server->options.max_fds_per_process :
			server->fd_budget / 4;
	if (server->options.quota_bytes == 0) {
		server->options.quota_bytes = default_quota_bytes();
	}
	server->limits.max_dimension = server->options.max_dimension;
	server->limits.max_alloc_size = server->options.max_alloc_size;
	server->next_surface_id = 1;
	server->drm_fd = -1;
	server->port_epoll = -1;
	server->shm_dev = shm_device();
	wl_list_init(&server->owners);
	wl_list_init(&server->surfaces);
	wl_list_init(&server->ports);
	wl_signal_init(&server->base.events.destroy);
	server->base.display = display;

	init_display_formats(server, renderer);
	ios_alloc_init(server);
	ios_buffer_probe_udmabuf(server, renderer);
	if (!ios_port_init(server)) {
		wlr_log_errno(WLR_ERROR, "iosurface: cannot watch ports");
		ios_alloc_finish(server);
		free(server->display_formats);
		free(server->drm_device);
		free(server);
		return NULL;
	}

	ios_buffer_register_interface();
	server->base.global = wl_global_create(display, &iosurface_manager_v1_interface,
			MANAGER_VERSION, server, manager_bind);
	if (server->base.global == NULL) {
		wlr_log(WLR_ERROR, "iosurface: cannot create the iosurface_manager_v1 global");
		ios_port_finish(server);
		ios_alloc_finish(server);
		free(server->display_formats);
		free(server->drm_device);
		free(server);
		return NULL;
	}
	server->display_destroy.notify = handle_display_destroy;
	wl_display_add_destroy_listener(display, &server->display_destroy);
	return &server->base;
}

void iosurface_server_destroy(struct iosurface_server *base) {
	if (base == NULL) {
		return;
	}
	struct ios_server *server = wl_container_of(base, server, base);
	wl_signal_emit(&base->events.destroy, base);

	struct ios_owner *owner, *owner_tmp;
	wl_list_for_each_safe(owner, owner_tmp, &server->owners, link) {
		owner_destroy(owner);
	}
	// Bound ports keep surfaces alive past their creators; the server takes them down.
	struct ios_port *port, *port_tmp;
	wl_list_for_each_safe(port, port_tmp, &server->ports, server_link) {
		ios_port_destroy(port);
	}
	struct ios_surface *surface, *surface_tmp;
	wl_list_for_each_safe(surface, surface_tmp, &server->surfaces, link) {
		ios_surface_detach_server(surface);
	}
	// Clients, ports and attached surfaces are gone: so are the accounts they were charged to.
	assert(server->accounts.count == 0 && server->fd_count == 0);
	ios_table_finish(&server->accounts);
	ios_table_finish(&server->ports_by_inode);
	ios_table_finish(&server->surfaces_by_id);
	ios_table_finish(&server->memory_by_inode);
	ios_table_finish(&server->tickets_by_id);
	wl_list_remove(&server->display_destroy.link);
	wl_global_destroy(base->global);
	ios_port_finish(server);
	ios_alloc_finish(server);
	free(server->display_formats);
	free(server->drm_device);
	free(server);
}

void iosurface_server_get_stats(struct iosurface_server *base,
		struct iosurface_server_stats *stats) {
	struct ios_server *server = wl_container_of(base, server, base);
	memset(stats, 0, sizeof(*stats));
	stats->surfaces = (uint32_t)server->surfaces_by_id.count;
	stats->clients = (uint32_t)wl_list_length(&server->owners);
	stats->ports = server->port_count;
	stats->unbound_ports = server->unbound_port_count;
	stats->shown = server->shown_count;
	struct ios_owner *owner;
	wl_list_for_each(owner, &server->owners, link) {
		stats->allocated_bytes += owner->bytes;
	}
}

uint32_t iosurface_server_purge_volatile(struct iosurface_server *base) {
	struct ios_server *server = wl_container_of(base, server, base);
	uint32_t purged = 0;
	struct ios_surface *surface;
	wl_list_for_each(surface, &server->surfaces, link) {
		if (surface->purgeable == IOSURFACE_V1_PURGEABLE_VOLATILE && ios_surface_empty(surface)) {
			surface->purgeable = IOSURFACE_V1_PURGEABLE_EMPTY;
			ios_surface_update_state(surface);
			purged++;
		}
	}
	return purged;
}
