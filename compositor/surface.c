#define _GNU_SOURCE
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <wlr/util/log.h>

#include "server-private.h"

static const struct iosurface_v1_interface surface_impl;

static struct ios_handle *handle_from_resource(struct wl_resource *resource) {
	assert(wl_resource_instance_of(resource, &iosurface_v1_interface, &surface_impl));
	return wl_resource_get_user_data(resource);
}

/* The handle, if it is ready for requests; otherwise posts not_ready and returns NULL. */
static struct ios_handle *ready_handle(struct wl_resource *resource, const char *request) {
	struct ios_handle *handle = handle_from_resource(resource);
	if (handle == NULL || handle->surface == NULL) {
		wl_resource_post_error(resource, IOSURFACE_V1_ERROR_NOT_READY,
				"%s on an iosurface_v1 that failed or is not ready", request);
		return NULL;
	}
	return handle;
}

static struct ios_handle *writable_handle(struct wl_resource *resource, const char *request) {
	struct ios_handle *handle = ready_handle(resource, request);
	if (handle != NULL && handle->read_only) {
		wl_resource_post_error(resource, IOSURFACE_V1_ERROR_READ_ONLY,
				"%s on surface %u, which this client holds read-only", request,
				handle->surface->id);
		return NULL;
	}
	return handle;
}

static void store_word(uint32_t *slot, enum ios_slot_word word, uint32_t value) {
	__atomic_store_n(&slot[word], value, __ATOMIC_RELEASE);
}

static uint32_t *handle_slot(struct ios_handle *handle) {
	if (!handle->has_slot || handle->owner == NULL) {
		return NULL;
	}
	return handle->owner->pool + (size_t)handle->slot * IOS_SLOT_WORDS;
}

/* Writes the handle's slot from what the surface published and what is the handle's own. */
static void publish_slot(struct ios_handle *h) {
	if (h->surface == NULL) {
		return;
	}
	uint32_t *slot = handle_slot(h);
	if (slot == NULL) {
		return;
	}
	struct ios_surface *surface = h->surface;
	// A sequence lock: readers combine several words, which must come from one update.
	uint32_t seq = __atomic_load_n(&slot[IOS_SLOT_SEQUENCE], __ATOMIC_RELAXED);
	__atomic_store_n(&slot[IOS_SLOT_SEQUENCE], seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	store_word(slot, IOS_SLOT_SELF_COUNTED, h->holder->in_use > 0 ? 1 : 0);
	store_word(slot, IOS_SLOT_PORTS_COUNTED, h->binds_handled);
	store_word(slot, IOS_SLOT_FLAGS, surface->published_flags);
	store_word(slot, IOS_SLOT_PURGEABLE, surface->published_purgeable);
	store_word(slot, IOS_SLOT_USE_COUNT, surface->published_use_count);
	__atomic_store_n(&slot[IOS_SLOT_SEQUENCE], seq + 2, __ATOMIC_RELEASE);
}

void ios_handle_publish(struct ios_handle *handle) {
	publish_slot(handle);
}

/*
 * Computes the use count and flags from counters kept up to date by each request (nothing
 * here walks the handles to count), and writes them into every holder's slot if they changed.
 * The words of a slot that belong to its handle (its client's share, its bind count) only move
 * together with the use count, so a change of theirs is written too. The cost is one slot per
 * handle on the surface, and only when what every holder sees changes; one client's part of
 * it is bounded by max_handles_per_surface, which counts the clients of one process together.
 */
void ios_surface_update_state(struct ios_surface *surface) {
	uint32_t old = surface->use_count;
	surface->use_count = surface->clients_in_use + surface->ports + surface->display_holds;

	uint32_t flags = 0;
	flags |= surface->emptied ? IOS_SLOT_FLAG_EMPTIED : 0;
	flags |= !wl_list_empty(&surface->seed_watchers) ? IOS_SLOT_FLAG_SEED_WATCHED : 0;
	flags |= surface->display_holds > 0 ? IOS_SLOT_FLAG_SHOWN : 0;
	flags |= surface->purgeable == IOSURFACE_V1_PURGEABLE_VOLATILE ? IOS_SLOT_FLAG_VOLATILE : 0;

	if (surface->use_count == surface->published_use_count && flags == surface->published_flags &&
			(uint32_t)surface->purgeable == surface->published_purgeable) {
		return;
	}
	surface->published_use_count = surface->use_count;
	surface->published_flags = flags;
	surface->published_purgeable = surface->purgeable;
	struct ios_handle *h;
	wl_list_for_each(h, &surface->handles, surface_link) {
		publish_slot(h);
	}
	if (old > 0 && surface->use_count == 0) {
		wl_list_for_each(h, &surface->not_in_use_watchers, not_in_use_link) {
			iosurface_v1_send_not_in_use(h->resource);
		}
	}
}

void ios_surface_ref(struct ios_surface *surface) {
	surface->refs++;
}

/* Gives back what the surface holds of its creator's process. */
static void surface_release_account(struct ios_surface *surface) {
	struct ios_account *account = surface->account;
	if (account == NULL) {
		return;
	}
	surface->account = NULL;
	account->value_bytes -= surface->value_bytes;
	ios_account_release_fds(account, surface->fds);
}

static void surface_free(struct ios_surface *surface) {
	if (surface->server != NULL) {
		ios_table_remove(&surface->server->surfaces_by_id, surface->id);
		if (surface->mem_key != 0) {
			ios_table_remove(&surface->server->memory_by_inode, surface->mem_key);
		}
		wl_list_remove(&surface->link);
	}
	surface_release_account(surface);
	if (surface->creator != NULL) {
		surface->creator->bytes -= surface->layout.alloc_size + surface->value_bytes;
		surface->creator->surface_bytes -= surface->layout.alloc_size;
		surface->creator->count--;
		ios_owner_publish(surface->creator);
	}
	wl_list_remove(&surface->creator_link);
	ios_alloc_free(surface);
	for (uint32_t i = 0; i < surface->value_count; i++) {
		free(surface->values[i].key);
		free(surface->values[i].data);
	}
	free(surface->values);
	free(surface->name);
	free(surface);
}

void ios_surface_unref(struct ios_surface *surface) {
	assert(surface->refs > 0);
	if (--surface->refs == 0) {
		surface_free(surface);
	}
}

void ios_surface_detach_server(struct ios_surface *surface) {
	// Only wl_buffers still held by the renderer can keep a surface alive here; it lives on
	// without its server until they let go.
	surface_release_account(surface);
	ios_table_remove(&surface->server->surfaces_by_id, surface->id);
	if (surface->mem_key != 0) {
		ios_table_remove(&surface->server->memory_by_inode, surface->mem_key);
		surface->mem_key = 0;
	}
	wl_list_remove(&surface->link);
	wl_list_init(&surface->link);
	surface->server = NULL;
}

static struct ios_surface *surface_new(struct ios_server *server, const struct ios_layout *layout,
		uint32_t cache_mode, uint32_t usage, uint32_t flags, const char *name) {
	struct ios_surface *surface = calloc(1, sizeof(*surface));
	if (surface == NULL || (name != NULL && (surface->name = strdup(name)) == NULL)) {
		free(surface);
		return NULL;
	}
	surface->server = server;
	surface->layout = *layout;
	surface->cache_mode = cache_mode;
	surface->usage = usage;
	surface->flags = flags;
	surface->fd = -1;
	surface->seed_fd = -1;
	surface->dmabuf_fd = -1;
	surface->purgeable = IOSURFACE_V1_PURGEABLE_NON_VOLATILE;
	surface->published_purgeable = surface->purgeable;
	wl_list_init(&surface->handles);
	wl_list_init(&surface->not_in_use_watchers);
	wl_list_init(&surface->seed_watchers);
	wl_list_init(&surface->creator_link);
	return surface;
}

/*
 * Enters a surface, its descriptors already charged to the creator's process, in the server's
 * tables (by id, and by memory); false on no memory.
 */
static bool surface_register(struct ios_surface *surface, struct ios_owner *creator) {
	struct ios_server *server = surface->server;
	if (!ios_table_put(&server->surfaces_by_id, surface->id, surface)) {
		return false;
	}
	if (surface->mem_key != 0 &&
			!ios_table_put(&server->memory_by_inode, surface->mem_key, surface)) {
		ios_table_remove(&server->surfaces_by_id, surface->id);
		return false;
	}
	wl_list_insert(&server->surfaces, &surface->link);
	surface->account = creator->account;
	surface->creator = creator;
	wl_list_insert(&creator->created, &surface->creator_link);
	creator->bytes += surface->layout.alloc_size;
	creator->surface_bytes += surface->layout.alloc_size;
	creator->count++;
	ios_owner_publish(creator);
	return true;
}

static uint64_t memory_key(int fd) {
	struct stat st;
	return fstat(fd, &st) == 0 ? (uint64_t)st.st_ino : 0;
}

struct ios_surface *ios_surface_create(struct ios_server *server, struct ios_owner *creator,
		const struct ios_layout *layout, uint32_t cache_mode, uint32_t usage, uint32_t flags,
		const char *name, enum iosurface_v1_failure *reason, char *msg, size_t msg_size) {
	*reason = IOSURFACE_V1_FAILURE_NO_MEMORY;
	if (server->next_surface_id == 0) {
		snprintf(msg, msg_size, "surface ids are exhausted");
		return NULL;
	}
	struct ios_surface *surface = surface_new(server, layout, cache_mode, usage, flags, name);
	if (surface == NULL) {
		snprintf(msg, msg_size, "out of memory");
		return NULL;
	}
	struct ios_account *account = creator->account;
	int ret = ios_account_take_fds(account, 2);
	if (ret != 0) {
		if (ret == -EMFILE) {
			*reason = IOSURFACE_V1_FAILURE_QUOTA_COUNT;
			snprintf(msg, msg_size,
					"the client's process holds %u of the %u descriptors one process may "
					"(max_fds_per_process)",
					account->fds, server->fds_per_process);
		} else {
			snprintf(msg, msg_size, "the compositor has no descriptor to spare");
		}
		goto error_surface;
	}
	if (!ios_alloc_surface(server, surface)) {
		ios_account_release_fds(account, 2);
		snprintf(msg, msg_size, "cannot allocate %u bytes: %s", layout->alloc_size,
				strerror(errno));
		goto error_surface;
	}
	// Two were reserved; a memfd surface keeps one.
	surface->fds = surface->seed_fd >= 0 ? 2 : 1;
	if (surface->fds < 2) {
		ios_account_release_fds(account, 2 - surface->fds);
	}
	if (surface->allocator == IOSURFACE_V1_ALLOCATOR_MEMFD) {
		// Known by its inode, so that no client can adopt it as memory of its own.
		surface->mem_key = memory_key(surface->fd);
	}
	surface->id = server->next_surface_id++;
	if (!surface_register(surface, creator)) {
		snprintf(msg, msg_size, "out of memory");
		goto error_alloc;
	}
	return surface;

error_alloc:
	ios_alloc_free(surface);
	ios_account_release_fds(account, surface->fds);
error_surface:
	free(surface->name);
	free(surface);
	return NULL;
}

struct ios_surface *ios_surface_adopt(struct ios_server *server, struct ios_owner *creator,
		const struct ios_layout *layout, uint32_t cache_mode, uint32_t usage, uint32_t flags,
		const char *name, int fd, uint32_t id, uint64_t mem_key) {
	struct ios_surface *surface = surface_new(server, layout, cache_mode, usage, flags, name);
	if (surface == NULL) {
		close(fd);
		return NULL;
	}
	surface->fd = fd;
	surface->fds = 1; // the ticket's, charged to the process when it was issued
	surface->allocator = IOSURFACE_V1_ALLOCATOR_MEMFD;
	surface->mem_size = layout->alloc_size + IOS_PAGE_SIZE;
	surface->seed_offset = layout->alloc_size;
	surface->mem_key = mem_key;
	surface->id = id;
	if (!surface_register(surface, creator)) {
		close(fd);
		free(surface->name);
		free(surface);
		return NULL;
	}
	return surface;
}

bool ios_surface_empty(struct ios_surface *surface) {
	if (surface->allocator != IOSURFACE_V1_ALLOCATOR_MEMFD) {
		return false;
	}
	// Only the pixels: the seed page after alloc_size survives a purge.
	if (fallocate(surface->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
				surface->layout.alloc_size) != 0) {
		wlr_log_errno(WLR_ERROR, "iosurface: cannot purge surface %u", surface->id);
		return false;
	}
	surface->emptied = true;
	struct ios_handle *h;
	wl_list_for_each(h, &surface->handles, surface_link) {
		iosurface_v1_send_emptied(h->resource);
	}
	return true;
}

/* ---- Holders ---- */

static struct ios_holder *holder_get(struct ios_owner *owner, struct ios_surface *surface) {
	struct ios_holder *holder = ios_table_get(&owner->holders, surface->id);
	if (holder != NULL) {
		return holder;
	}
	holder = calloc(1, sizeof(*holder));
	if (holder == NULL) {
		return NULL;
	}
	holder->owner = owner;
	holder->surface = surface;
	if (!ios_table_put(&owner->holders, surface->id, holder)) {
		free(holder);
		return NULL;
	}
	return holder;
}

/*
 * The handles the clients of one process hold on a surface, kept in the account's table as
 * the value itself (a count, never 0: a count of 0 is removed).
 */
static uint32_t account_handles(struct ios_account *account, uint32_t surface_id) {
	return (uint32_t)(uintptr_t)ios_table_get(&account->handles, surface_id);
}

static bool account_set_handles(struct ios_account *account, uint32_t surface_id, uint32_t n) {
	if (n == 0) {
		ios_table_remove(&account->handles, surface_id);
		return true;
	}
	return ios_table_put(&account->handles, surface_id, (void *)(uintptr_t)n);
}

static void holder_drop_handle(struct ios_holder *holder) {
	assert(holder->handles > 0);
	struct ios_account *account = holder->owner->account;
	uint32_t id = holder->surface->id;
	account_set_handles(account, id, account_handles(account, id) - 1);
	if (--holder->handles == 0) {
		assert(holder->in_use == 0);
		ios_table_remove(&holder->owner->holders, holder->surface->id);
		free(holder);
	}
}

/* ---- Handles ---- */

bool ios_owner_slot_alloc(struct ios_owner *owner, uint32_t *slot) {
	if (owner->free_slots.size > 0) {
		owner->free_slots.size -= sizeof(uint32_t);
		*slot = *(uint32_t *)((char *)owner->free_slots.data + owner->free_slots.size);
		return true;
	}
	if (owner->next_slot >= owner->pool_slots) {
		return false;
	}
	struct ios_handle **entry = wl_array_add(&owner->slot_handles, sizeof(*entry));
	if (entry == NULL) {
		return false;
	}
	*entry = NULL;
	*slot = owner->next_slot++;
	return true;
}

void ios_owner_slot_release(struct ios_owner *owner, uint32_t slot) {
	memset(owner->pool + (size_t)slot * IOS_SLOT_WORDS, 0, IOS_SLOT_SIZE);
	((struct ios_handle **)owner->slot_handles.data)[slot] = NULL;
	uint32_t *entry = wl_array_add(&owner->free_slots, sizeof(*entry));
	// On allocation failure the slot is lost to the client, nothing else.
	if (entry != NULL) {
		*entry = slot;
	}
}

static void surface_handle_resource_destroy(struct wl_resource *resource) {
	struct ios_handle *handle = handle_from_resource(resource);
	if (handle != NULL) {
		ios_handle_destroy(handle);
	}
}

static struct ios_handle *handle_create(struct ios_owner *owner, struct wl_client *client,
		uint32_t version, uint32_t id, const uint32_t *reserved_slot) {
	struct wl_resource *resource = wl_resource_create(client, &iosurface_v1_interface, version, id);
	if (resource == NULL) {
		wl_client_post_no_memory(client);
		return NULL;
	}
	struct ios_handle *handle = calloc(1, sizeof(*handle));
	if (handle == NULL) {
		wl_resource_destroy(resource);
		wl_client_post_no_memory(client);
		return NULL;
	}
	handle->resource = resource;
	handle->owner = owner;
	wl_list_init(&handle->pending_link);
	wl_list_init(&handle->surface_link);
	wl_list_init(&handle->not_in_use_link);
	wl_list_init(&handle->seed_link);
	wl_list_insert(&owner->handles, &handle->owner_link);
	wl_resource_set_implementation(resource, &surface_impl, handle,
			surface_handle_resource_destroy);
	// A ticket's object was reserved with the ticket; others count against the limit.
	if (reserved_slot != NULL) {
		handle->slot = *reserved_slot;
	} else if (owner->objects >= owner->server->options.max_objects_per_client ||
			!ios_owner_slot_alloc(owner, &handle->slot)) {
		ios_handle_fail(handle, IOSURFACE_V1_FAILURE_QUOTA_COUNT,
				"the client holds %u iosurface_v1 objects, the most allowed", owner->objects);
		return NULL;
	}
	handle->has_slot = true;
	owner->objects++;
	((struct ios_handle **)owner->slot_handles.data)[handle->slot] = handle;
	return handle;
}

struct ios_handle *ios_handle_create(struct ios_owner *owner, struct wl_client *client,
		uint32_t version, uint32_t id) {
	return handle_create(owner, client, version, id, NULL);
}

struct ios_handle *ios_handle_create_in_slot(struct ios_owner *owner, struct wl_client *client,
		uint32_t version, uint32_t id, uint32_t slot) {
	return handle_create(owner, client, version, id, &slot);
}

void ios_handle_fail(struct ios_handle *handle, enum iosurface_v1_failure reason, const char *fmt,
		...) {
	char msg[256];
	va_list args;
	va_start(args, fmt);
	vsnprintf(msg, sizeof(msg), fmt, args);
	va_end(args);
	iosurface_v1_send_failed(handle->resource, reason, msg);
}

static int reopen_read_only(int fd) {
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return open(path, O_RDONLY | O_CLOEXEC);
}

static bool send_memory(struct ios_handle *handle, uint32_t index, int fd, uint32_t type,
		uint32_t size, uint64_t modifier) {
	uint32_t flags = 0;
	int send_fd = fd;
	if (handle->read_only) {
		// A descriptor opened read-only cannot be mapped writable, whatever the client does.
		send_fd = reopen_read_only(fd);
		if (send_fd < 0) {
			wlr_log_errno(WLR_ERROR, "iosurface: cannot reopen surface memory read-only");
			return false;
		}
		flags |= IOSURFACE_V1_MEMORY_FLAGS_READ_ONLY;
	}
	iosurface_v1_send_memory(handle->resource, index, send_fd, type, size,
			(uint32_t)(modifier >> 32), (uint32_t)modifier, flags);
	if (send_fd != fd) {
		close(send_fd);
	}
	return true;
}

/* Links a handle to its surface; false if the process's cap or memory refused (told). */
static bool handle_link(struct ios_handle *handle, struct ios_surface *surface, bool read_only) {
	struct ios_holder *holder = holder_get(handle->owner, surface);
	if (holder == NULL) {
		wl_resource_post_no_memory(handle->resource);
		return false;
	}
	// Counted for the process: each of these is a slot written whenever the surface's use
	// count changes, and more connections must not buy more of them.
	struct ios_account *account = handle->owner->account;
	uint32_t held = account_handles(account, surface->id);
	uint32_t max = surface->server != NULL ? surface->server->options.max_handles_per_surface :
											 UINT32_MAX;
	if (held >= max || !account_set_handles(account, surface->id, held + 1)) {
		if (holder->handles == 0) {
			ios_table_remove(&handle->owner->holders, surface->id);
			free(holder);
		}
		ios_handle_fail(handle,
				held >= max ? IOSURFACE_V1_FAILURE_QUOTA_COUNT : IOSURFACE_V1_FAILURE_NO_MEMORY,
				"the client's process holds %u iosurface_v1 objects of surface %u, the most "
				"allowed (max_handles_per_surface)",
				held, surface->id);
		return false;
	}
	holder->handles++;
	handle->holder = holder;
	handle->surface = surface;
	handle->read_only = read_only;
	ios_surface_ref(surface);
	wl_list_insert(surface->handles.prev, &handle->surface_link);
	// A new handle changes nothing the other holders see: only its own slot is written.
	publish_slot(handle);
	return true;
}

bool ios_handle_adopt(struct ios_handle *handle, struct ios_surface *surface) {
	return handle_link(handle, surface, false);
}

void ios_handle_attach(struct ios_handle *handle, struct ios_surface *surface, bool read_only) {
	if (read_only && surface->allocator != IOSURFACE_V1_ALLOCATOR_MEMFD) {
		// A dma-buf cannot be reopened read-only, and its mmap ignores the open mode.
		ios_handle_fail(handle, IOSURFACE_V1_FAILURE_UNKNOWN_PORT,
				"read-only access to dma-buf surface %u is not supported", surface->id);
		return;
	}
	if (!handle_link(handle, surface, read_only)) {
		return;
	}

	const struct ios_layout *l = &surface->layout;
	struct wl_resource *r = handle->resource;
	iosurface_v1_send_description(r, surface->id, l->width, l->height, l->format,
			l->bytes_per_element, l->element_width, l->element_height, l->bytes_per_row, l->offset,
			l->alloc_size, l->plane_count, surface->cache_mode, surface->usage, surface->flags,
			surface->allocator, read_only ? 1 : 0);
	for (uint32_t i = 0; i < l->plane_count; i++) {
		const struct ios_plane_layout *p = &l->planes[i];
		iosurface_v1_send_plane(r, i, p->width, p->height, p->bytes_per_row, p->bytes_per_element,
				p->element_width, p->element_height, p->offset, p->size);
	}
	if (surface->name != NULL) {
		iosurface_v1_send_name(r, surface->name);
	}
	bool ok;
	if (surface->allocator == IOSURFACE_V1_ALLOCATOR_MEMFD) {
		ok = send_memory(handle, 0, surface->fd, IOSURFACE_V1_MEMORY_TYPE_MEMFD, surface->mem_size,
				0);
		iosurface_v1_send_seed_location(r, 0, surface->seed_offset);
	} else {
		ok = send_memory(handle, 0, surface->fd, IOSURFACE_V1_MEMORY_TYPE_DMABUF, surface->mem_size,
					 surface->modifier) &&
				send_memory(handle, 1, surface->seed_fd, IOSURFACE_V1_MEMORY_TYPE_MEMFD,
						IOS_PAGE_SIZE, 0);
		iosurface_v1_send_seed_location(r, 1, 0);
	}
	if (!ok) {
		wl_resource_post_no_memory(r);
		return;
	}
	iosurface_v1_send_state_slot(r, handle->slot);
	iosurface_v1_send_done(r);
}

void ios_handle_destroy(struct ios_handle *handle) {
	ios_port_cancel_pending(handle);
	struct ios_surface *surface = handle->surface;
	if (surface != NULL) {
		wl_list_remove(&handle->surface_link);
		wl_list_remove(&handle->not_in_use_link);
		wl_list_remove(&handle->seed_link);
		struct ios_holder *holder = handle->holder;
		if (handle->in_use && --holder->in_use == 0) {
			surface->clients_in_use--;
		}
		holder_drop_handle(holder);
		handle->holder = NULL;
		handle->surface = NULL;
		ios_surface_update_state(surface);
	}
	if (handle->has_slot) {
		ios_owner_slot_release(handle->owner, handle->slot);
		handle->owner->objects--;
	}
	wl_list_remove(&handle->owner_link);
	wl_resource_set_user_data(handle->resource, NULL);
	free(handle);
	if (surface != NULL) {
		ios_surface_unref(surface);
	}
}

/* ---- Requests ---- */

static void surface_handle_destroy(struct wl_client *client, struct wl_resource *resource) {
	wl_resource_destroy(resource);
}

static void surface_handle_set_in_use(struct wl_client *client, struct wl_resource *resource,
		uint32_t in_use) {
	struct ios_handle *handle = ready_handle(resource, "set_in_use");
	if (handle == NULL || handle->in_use == (in_use != 0)) {
		return;
	}
	handle->in_use = in_use != 0;
	// The client's share moves only when its first handle goes in use or its last comes out.
	struct ios_holder *holder = handle->holder;
	if (handle->in_use) {
		if (holder->in_use++ > 0) {
			return;
		}
		handle->surface->clients_in_use++;
	} else {
		if (--holder->in_use > 0) {
			return;
		}
		handle->surface->clients_in_use--;
	}
	ios_surface_update_state(handle->surface);
}

static bool check_key(struct wl_resource *resource, const char *key) {
	size_t len = strlen(key);
	if (len == 0 || len > IOS_MAX_KEY_LENGTH) {
		wl_resource_post_error(resource, IOSURFACE_V1_ERROR_INVALID_KEY,
				"key length %zu is not between 1 and %u", len, IOS_MAX_KEY_LENGTH);
		return false;
	}
	return true;
}

/*
 * Where key is in the surface's values, kept sorted by key, or where it would go: a binary
 * search, so a lookup costs O(log n) in the values. *found tells which.
 */
static uint32_t value_index(struct ios_surface *surface, const char *key, bool *found) {
	uint32_t lo = 0, hi = surface->value_count;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int cmp = strcmp(surface->values[mid].key, key);
		if (cmp == 0) {
			*found = true;
			return mid;
		}
		if (cmp < 0) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	*found = false;
	return lo;
}

static struct ios_value_entry *find_value(struct ios_surface *surface, const char *key) {
	bool found;
	uint32_t i = value_index(surface, key, &found);
	return found ? &surface->values[i] : NULL;
}

/* Bytes a value entry costs: its key and its encoding. */
static uint32_t entry_bytes(const char *key, uint32_t len) {
	return (uint32_t)strlen(key) + len;
}

/*
 * Charges (or with a negative delta, refunds) value bytes to the surface, its creator and its
 * creator's process.
 */
static void charge_values(struct ios_surface *surface, int64_t delta) {
	surface->value_bytes = (uint32_t)((int64_t)surface->value_bytes + delta);
	if (surface->creator != NULL) {
		surface->creator->bytes = (uint64_t)((int64_t)surface->creator->bytes + delta);
	}
	if (surface->account != NULL) {
		surface->account->value_bytes = (uint64_t)((int64_t)surface->account->value_bytes + delta);
	}
}

/*
 * Whether delta more value bytes fit: under the per-surface total (an answer to get_values
 * must fit in what libwayland can queue to the reader), under the creator's byte quota, and
 * under what the compositor keeps in its heap for the creator's process.
 */
static bool values_fit(struct ios_surface *surface, int64_t delta) {
	if (delta <= 0) {
		return true;
	}
	if ((int64_t)surface->value_bytes + delta > IOS_MAX_VALUE_TOTAL) {
		return false;
	}
	if (surface->server == NULL) {
		return true;
	}
	const struct iosurface_server_options *o = &surface->server->options;
	struct ios_owner *creator = surface->creator;
	if (creator != NULL && o->quota_bytes != 0 &&
			creator->bytes + (uint64_t)delta > o->quota_bytes) {
		return false;
	}
	struct ios_account *account = surface->account;
	if (account != NULL &&
			account->value_bytes + (uint64_t)delta > o->max_value_bytes_per_process) {
		wlr_log(WLR_DEBUG,
				"iosurface: set_value refused: the process of surface %u's creator has %llu "
				"bytes of values, the most allowed (max_value_bytes_per_process %llu)",
				surface->id, (unsigned long long)account->value_bytes,
				(unsigned long long)o->max_value_bytes_per_process);
		return false;
	}
	return true;
}

/* Whether a value of len bytes under key would be stored; its entry, if any, and the delta. */
static bool value_fits(struct ios_surface *surface, const char *key, uint32_t len,
		uint32_t *index, struct ios_value_entry **entry, int64_t *delta) {
	bool found;
	*index = value_index(surface, key, &found);
	*entry = found ? &surface->values[*index] : NULL;
	*delta = (int64_t)entry_bytes(key, len) -
			(*entry != NULL ? (int64_t)entry_bytes((*entry)->key, (*entry)->len) : 0);
	return (*entry != NULL || surface->value_count < IOS_MAX_VALUE_COUNT) &&
			values_fit(surface, *delta);
}

/*
 * Stores the len bytes of data, a checked encoding, under key, taking data (malloc'd): kept,
 * or freed when the set is refused or memory runs out.
 */
static void store_value(struct wl_resource *resource, struct ios_surface *surface, const char *key,
		uint8_t *data, uint32_t len) {
	uint32_t index;
	struct ios_value_entry *entry;
	int64_t delta;
	// Refused, not an error: other holders fill the same surface.
	if (!value_fits(surface, key, len, &index, &entry, &delta)) {
		free(data);
		iosurface_v1_send_set_value_failed(resource, key);
		return;
	}
	if (entry != NULL) {
		free(entry->data);
		entry->data = data;
		entry->len = len;
		charge_values(surface, delta);
		return;
	}
	struct ios_value_entry *values = realloc(surface->values,
			(surface->value_count + 1) * sizeof(*values));
	char *key_copy = strdup(key);
	if (values == NULL || key_copy == NULL) {
		if (values != NULL) {
			surface->values = values;
		}
		free(key_copy);
		free(data);
		wl_resource_post_no_memory(resource);
		return;
	}
	surface->values = values;
	memmove(&values[index + 1], &values[index], (surface->value_count - index) * sizeof(*values));
	values[index] = (struct ios_value_entry){ key_copy, data, len };
	surface->value_count++;
	charge_values(surface, delta);
}

static void surface_handle_set_value(struct wl_client *client, struct wl_resource *resource,
		const char *key, struct wl_array *value) {
	struct ios_handle *handle = writable_handle(resource, "set_value");
	if (handle == NULL || !check_key(resource, key)) {
		return;
	}
	if (value->size > IOS_MAX_INLINE_VALUE_SIZE || !ios_value_validate(value->data, value->size)) {
		wl_resource_post_error(resource, IOSURFACE_V1_ERROR_INVALID_VALUE,
				"value of key \"%s\" (%zu bytes) is malformed or over %u bytes "
				"(larger values travel in set_value_memory)",
				key, value->size, IOS_MAX_INLINE_VALUE_SIZE);
		return;
	}
	uint8_t *data = malloc(value->size > 0 ? value->size : 1);
	if (data == NULL) {
		wl_resource_post_no_memory(resource);
		return;
	}
	memcpy(data, value->data, value->size);
	store_value(resource, handle->surface, key, data, (uint32_t)value->size);
}

static void surface_handle_set_value_memory(struct wl_client *client, struct wl_resource *resource,
		const char *key, int32_t fd, uint32_t size) {
	uint8_t *data = NULL;
	struct ios_handle *handle = writable_handle(resource, "set_value_memory");
	if (handle == NULL || !check_key(resource, key)) {
		goto out;
	}
	if (size == 0 || size > IOS_MAX_VALUE_SIZE) {
		wl_resource_post_error(resource, IOSURFACE_V1_ERROR_INVALID_VALUE,
				"set_value_memory: size %u of key \"%s\" is not between 1 and %u", size, key,
				IOS_MAX_VALUE_SIZE);
		goto out;
	}
	char msg[160];
	if (ios_value_memory_check(fd, size, msg, sizeof(msg)) != IOS_VALUE_MEMORY_OK) {
		wl_resource_post_error(resource, IOSURFACE_V1_ERROR_INVALID_MEMORY,
				"set_value_memory of key \"%s\": %s", key, msg);
		goto out;
	}
	// A set that will be refused costs no copy: values can be large.
	uint32_t index;
	struct ios_value_entry *entry;
	int64_t delta;
	if (!value_fits(handle->surface, key, size, &index, &entry, &delta)) {
		iosurface_v1_send_set_value_failed(resource, key);
		goto out;
	}
	data = malloc(size);
	if (data == NULL) {
		wl_resource_post_no_memory(resource);
		goto out;
	}
	// pread, not mmap: the bytes are copied into the heap anyway, and the seals checked above
	// keep them from changing under the read.
	int ret = ios_value_memory_read(fd, data, size);
	if (ret < 0) {
		wlr_log(WLR_ERROR, "iosurface: set_value_memory: reading %u bytes failed: %s", size,
				strerror(-ret));
		wl_resource_post_no_memory(resource);
		goto out;
	}
	if (!ios_value_validate(data, size)) {
		wl_resource_post_error(resource, IOSURFACE_V1_ERROR_INVALID_VALUE,
				"set_value_memory: value of key \"%s\" (%u bytes) is malformed", key, size);
		goto out;
	}
	store_value(resource, handle->surface, key, data, size);
	data = NULL;
out:
	free(data);
	close(fd);
}

static void remove_entry(struct ios_surface *surface, struct ios_value_entry *entry) {
	charge_values(surface, -(int64_t)entry_bytes(entry->key, entry->len));
	free(entry->key);
	free(entry->data);
	size_t after = (size_t)(surface->values + surface->value_count - (entry + 1));
	memmove(entry, entry + 1, after * sizeof(*entry));
	surface->value_count--;
}

static void surface_handle_remove_value(struct wl_client *client, struct wl_resource *resource,
		const char *key) {
	struct ios_handle *handle = writable_handle(resource, "remove_value");
	if (handle == NULL || !check_key(resource, key)) {
		return;
	}
	struct ios_value_entry *entry = find_value(handle->surface, key);
	if (entry != NULL) {
		remove_entry(handle->surface, entry);
	}
}

static void surface_handle_remove_all_values(struct wl_client *client,
		struct wl_resource *resource) {
	struct ios_handle *handle = writable_handle(resource, "remove_all_values");
	if (handle == NULL) {
		return;
	}
	while (handle->surface->value_count > 0) {
		// From the end: nothing to move.
		remove_entry(handle->surface, &handle->surface->values[handle->surface->value_count - 1]);
	}
}

static void surface_handle_get_values(struct wl_client *client, struct wl_resource *resource,
		const char *key) {
	struct ios_handle *handle = ready_handle(resource, "get_values");
	if (handle == NULL) {
		return;
	}
	struct ios_surface *surface = handle->surface;
	uint32_t first = 0, end = surface->value_count;
	if (key != NULL) {
		bool found;
		first = value_index(surface, key, &found);
		end = found ? first + 1 : first;
	}
	// Up to IOS_MAX_INLINE_ANSWER bytes in messages, the rest in memory, so that the answer
	// stays within what libwayland can queue to a client that reads it only afterwards.
	size_t inline_bytes = 0;
	for (uint32_t i = first; i < end; i++) {
		struct ios_value_entry *entry = &surface->values[i];
		size_t cost = entry_bytes(entry->key, entry->len);
		if (entry->len <= IOS_MAX_INLINE_VALUE_SIZE &&
				inline_bytes + cost <= IOS_MAX_INLINE_ANSWER) {
			inline_bytes += cost;
			struct wl_array array = {
				.size = entry->len,
				.alloc = entry->len,
				.data = entry->data,
			};
			iosurface_v1_send_value(resource, entry->key, &array);
			continue;
		}
		int fd = ios_value_memory_create(entry->data, entry->len);
		if (fd < 0) {
			wlr_log(WLR_ERROR, "iosurface: get_values: a memfd of %u bytes for surface %u: %s",
					entry->len, surface->id, strerror(-fd));
			wl_resource_post_no_memory(resource);
			return;
		}
		// libwayland sends a duplicate of the descriptor.
		iosurface_v1_send_value_memory(resource, entry->key, fd, entry->len);
		close(fd);
	}
	iosurface_v1_send_values_done(resource);
}

static void surface_handle_set_purgeable(struct wl_client *client, struct wl_resource *resource,
		uint32_t state) {
	struct ios_handle *handle = ready_handle(resource, "set_purgeable");
	if (handle == NULL) {
		return;
	}
	if (state > IOSURFACE_V1_PURGEABLE_KEEP_CURRENT) {
		wl_resource_post_error(resource, IOSURFACE_V1_ERROR_INVALID_PURGEABLE,
				"purgeable state %u is unknown", state);
		return;
	}
	if (handle->read_only && state != IOSURFACE_V1_PURGEABLE_KEEP_CURRENT) {
		wl_resource_post_error(resource, IOSURFACE_V1_ERROR_READ_ONLY,
				"set_purgeable %u on surface %u, which this client holds read-only", state,
				handle->surface->id);
		return;
	}
	struct ios_surface *surface = handle->surface;
	enum iosurface_v1_purgeable old = surface->purgeable;
	switch (state) {
	case IOSURFACE_V1_PURGEABLE_NON_VOLATILE:
		surface->purgeable = IOSURFACE_V1_PURGEABLE_NON_VOLATILE;
		// The old state (empty) told the client its content is gone; start afresh.
		surface->emptied = false;
		break;
	case IOSURFACE_V1_PURGEABLE_VOLATILE:
		if (surface->purgeable != IOSURFACE_V1_PURGEABLE_EMPTY) {
			surface->purgeable = IOSURFACE_V1_PURGEABLE_VOLATILE;
		}
		break;
	case IOSURFACE_V1_PURGEABLE_EMPTY:
		if (ios_surface_empty(surface)) {
			surface->purgeable = IOSURFACE_V1_PURGEABLE_EMPTY;
		}
		break;
	default:
		break;
	}
	ios_surface_update_state(surface);
	iosurface_v1_send_purgeable_done(resource, old);
}

static void surface_handle_watch(struct wl_client *client, struct wl_resource *resource,
		uint32_t events) {
	struct ios_handle *handle = ready_handle(resource, "watch");
	if (handle == NULL) {
		return;
	}
	uint32_t known = IOSURFACE_V1_WATCH_NOT_IN_USE | IOSURFACE_V1_WATCH_SEED;
	if (events & ~known) {
		wl_resource_post_error(resource, IOSURFACE_V1_ERROR_INVALID_WATCH,
				"watch events 0x%x has unknown bits 0x%x", events, events & ~known);
		return;
	}
	handle->watch = events;
	wl_list_remove(&handle->not_in_use_link);
	wl_list_init(&handle->not_in_use_link);
	wl_list_remove(&handle->seed_link);
	wl_list_init(&handle->seed_link);
	if (events & IOSURFACE_V1_WATCH_NOT_IN_USE) {
		wl_list_insert(handle->surface->not_in_use_watchers.prev, &handle->not_in_use_link);
	}
	if (events & IOSURFACE_V1_WATCH_SEED) {
		wl_list_insert(handle->surface->seed_watchers.prev, &handle->seed_link);
	}
	ios_surface_update_state(handle->surface);
	// A pool asking to be told when a surface is free must not miss that it already is.
	if ((events & IOSURFACE_V1_WATCH_NOT_IN_USE) && handle->surface->use_count == 0) {
		iosurface_v1_send_not_in_use(resource);
	}
}

static void surface_handle_notify_seed(struct wl_client *client, struct wl_resource *resource) {
	struct ios_handle *handle = writable_handle(resource, "notify_seed");
	if (handle == NULL) {
		return;
	}
	struct ios_surface *surface = handle->surface;
	uint32_t seed = 0;
	int fd = surface->allocator == IOSURFACE_V1_ALLOCATOR_MEMFD ? surface->fd : surface->seed_fd;
	if (pread(fd, &seed, sizeof(seed), surface->seed_offset) != sizeof(seed)) {
		wlr_log_errno(WLR_ERROR, "iosurface: cannot read the seed of surface %u", surface->id);
		return;
	}
	struct ios_handle *h;
	wl_list_for_each(h, &surface->seed_watchers, seed_link) {
		iosurface_v1_send_seed_changed(h->resource, seed);
	}
}

static void surface_handle_bind_port(struct wl_client *client, struct wl_resource *resource,
		uint32_t serial, uint32_t flags) {
	struct ios_handle *handle = ready_handle(resource, "bind_port");
	if (handle == NULL) {
		return;
	}
	if (flags & ~IOS_PORT_FLAG_READ_ONLY) {
		wl_resource_post_error(resource, IOSURFACE_V1_ERROR_INVALID_PORT,
				"bind_port flags 0x%x has unknown bits", flags);
		return;
	}
	if (handle->read_only && !(flags & IOS_PORT_FLAG_READ_ONLY)) {
		wl_resource_post_error(resource, IOSURFACE_V1_ERROR_READ_ONLY,
				"bind_port of a writable port to surface %u, which this client holds read-only",
				handle->surface->id);
		return;
	}
	ios_port_bind(handle, serial, flags);
}

static void surface_handle_create_buffer(struct wl_client *client, struct wl_resource *resource,
		uint32_t id) {
	struct ios_handle *handle = ready_handle(resource, "create_buffer");
	if (handle == NULL) {
		return;
	}
	struct ios_surface *surface = handle->surface;
	char name[16];
	if (surface->server == NULL ||
			!ios_server_can_display(surface->server, surface->layout.format)) {
		wl_resource_post_error(resource, IOSURFACE_V1_ERROR_UNSUPPORTED_FORMAT,
				"create_buffer: format %s of surface %u cannot be shown",
				ios_fourcc_str(surface->layout.format, name), surface->id);
		return;
	}
	// The renderer reads rows of width pixels of the format; an element size overridden at
	// creation would make it read past the surface's memory.
	const struct ios_layout *l = &surface->layout;
	const struct ios_plane_format *pf = &ios_format_lookup(l->format)->planes[0];
	if (l->plane_count != 0 || l->bytes_per_element != pf->bytes_per_element ||
			l->element_width != 1 || l->element_height != 1 ||
			(uint64_t)l->offset + (uint64_t)l->bytes_per_row * l->height > l->alloc_size) {
		wl_resource_post_error(resource, IOSURFACE_V1_ERROR_UNSUPPORTED_FORMAT,
				"create_buffer: surface %u has %u-byte %ux%u elements, not the layout of %s",
				surface->id, l->bytes_per_element, l->element_width, l->element_height,
				ios_fourcc_str(l->format, name));
		return;
	}
	ios_buffer_create(handle, id);
}

static const struct iosurface_v1_interface surface_impl = {
	.destroy = surface_handle_destroy,
	.set_in_use = surface_handle_set_in_use,
	.set_value = surface_handle_set_value,
	.set_value_memory = surface_handle_set_value_memory,
	.remove_value = surface_handle_remove_value,
	.remove_all_values = surface_handle_remove_all_values,
	.get_values = surface_handle_get_values,
	.set_purgeable = surface_handle_set_purgeable,
	.watch = surface_handle_watch,
	.notify_seed = surface_handle_notify_seed,
	.bind_port = surface_handle_bind_port,
	.create_buffer = surface_handle_create_buffer,
};
