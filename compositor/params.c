#define _GNU_SOURCE /* memfd seals */
#include <assert.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <wlr/util/log.h>

#include "server-private.h"

enum params_field {
	FIELD_SIZE = 1u << 0,
	FIELD_FORMAT = 1u << 1,
	FIELD_ELEMENT = 1u << 2,
	FIELD_LAYOUT = 1u << 3,
	FIELD_PLANE_COUNT = 1u << 4,
	FIELD_CACHE_MODE = 1u << 5,
	FIELD_USAGE = 1u << 6,
	FIELD_FLAGS = 1u << 7,
	FIELD_NAME = 1u << 8,
};

static const struct iosurface_params_v1_interface params_impl;

static struct ios_params *params_from_resource(struct wl_resource *resource) {
	assert(wl_resource_instance_of(resource, &iosurface_params_v1_interface, &params_impl));
	return wl_resource_get_user_data(resource);
}

/*
 * The params object if it may still be changed and the field was not set yet; otherwise
 * posts the error and returns NULL. Params cut loose from a departed client are inert.
 */
static struct ios_params *params_for_set(struct wl_resource *resource, enum params_field field,
		const char *request) {
	struct ios_params *params = params_from_resource(resource);
	if (params == NULL) {
		return NULL;
	}
	if (params->used) {
		wl_resource_post_error(resource, IOSURFACE_PARAMS_V1_ERROR_ALREADY_USED, "%s after create",
				request);
		return NULL;
	}
	if (params->set & field) {
		wl_resource_post_error(resource, IOSURFACE_PARAMS_V1_ERROR_ALREADY_SET,
				"%s was already made on this iosurface_params_v1", request);
		return NULL;
	}
	params->set |= field;
	return params;
}

static void params_handle_destroy(struct wl_client *client, struct wl_resource *resource) {
	wl_resource_destroy(resource);
}

// The setters only record what they are given: the layout's values are checked once, by
// ios_layout_compute at create (the same function the library runs before it sends them),
// and its one result is mapped to the protocol error.
static void params_handle_set_size(struct wl_client *client, struct wl_resource *resource,
		uint32_t width, uint32_t height) {
	struct ios_params *params = params_for_set(resource, FIELD_SIZE, "set_size");
	if (params != NULL) {
		params->req.width = width;
		params->req.height = height;
	}
}

static void params_handle_set_format(struct wl_client *client, struct wl_resource *resource,
		uint32_t format) {
	struct ios_params *params = params_for_set(resource, FIELD_FORMAT, "set_format");
	if (params != NULL) {
		params->req.format = format;
	}
}

static void params_handle_set_element(struct wl_client *client, struct wl_resource *resource,
		uint32_t bpe, uint32_t ew, uint32_t eh) {
	struct ios_params *params = params_for_set(resource, FIELD_ELEMENT, "set_element");
	if (params != NULL) {
		params->req.bytes_per_element = bpe;
		params->req.element_width = ew;
		params->req.element_height = eh;
	}
}

static void params_handle_set_layout(struct wl_client *client, struct wl_resource *resource,
		uint32_t bpr, uint32_t offset, uint32_t alloc_size) {
	struct ios_params *params = params_for_set(resource, FIELD_LAYOUT, "set_layout");
	if (params != NULL) {
		params->req.bytes_per_row = bpr;
		params->req.offset = offset;
		params->req.alloc_size = alloc_size;
	}
}

static void params_handle_set_plane_count(struct wl_client *client, struct wl_resource *resource,
		uint32_t plane_count) {
	struct ios_params *params = params_for_set(resource, FIELD_PLANE_COUNT, "set_plane_count");
	if (params != NULL) {
		params->req.plane_count = plane_count;
	}
}

static void params_handle_set_plane(struct wl_client *client, struct wl_resource *resource,
		uint32_t index, uint32_t width, uint32_t height, uint32_t bpr, uint32_t bpe, uint32_t ew,
		uint32_t eh, uint32_t offset, uint32_t size) {
	struct ios_params *params = params_from_resource(resource);
	if (params == NULL) {
		return;
	}
	if (params->used) {
		wl_resource_post_error(resource, IOSURFACE_PARAMS_V1_ERROR_ALREADY_USED,
				"set_plane after create");
		return;
	}
	if (index >= IOS_MAX_PLANES) {
		wl_resource_post_error(resource, IOSURFACE_PARAMS_V1_ERROR_PLANE_INDEX,
				"plane index %u is not below %u", index, IOS_MAX_PLANES);
		return;
	}
	if (params->req.plane_set[index]) {
		wl_resource_post_error(resource, IOSURFACE_PARAMS_V1_ERROR_PLANE_SET,
				"plane %u was already set", index);
		return;
	}
	params->req.plane_set[index] = true;
	params->req.planes[index] = (struct ios_plane_layout){
		.width = width,
		.height = height,
		.bytes_per_row = bpr,
		.bytes_per_element = bpe,
		.element_width = ew,
		.element_height = eh,
		.offset = offset,
		.size = size,
	};
}

static void params_handle_set_cache_mode(struct wl_client *client, struct wl_resource *resource,
		uint32_t mode) {
	struct ios_params *params = params_for_set(resource, FIELD_CACHE_MODE, "set_cache_mode");
	if (params == NULL) {
		return;
	}
	if (mode > IOSURFACE_PARAMS_V1_CACHE_MODE_WRITE_COMBINE) {
		wl_resource_post_error(resource, IOSURFACE_PARAMS_V1_ERROR_INVALID_CACHE_MODE,
				"cache_mode %u is unknown", mode);
		return;
	}
	params->cache_mode = mode;
}

static void params_handle_set_usage(struct wl_client *client, struct wl_resource *resource,
		uint32_t usage) {
	struct ios_params *params = params_for_set(resource, FIELD_USAGE, "set_usage");
	if (params == NULL) {
		return;
	}
	uint32_t known = IOSURFACE_PARAMS_V1_USAGE_CPU_READ | IOSURFACE_PARAMS_V1_USAGE_CPU_WRITE |
			IOSURFACE_PARAMS_V1_USAGE_GPU_READ | IOSURFACE_PARAMS_V1_USAGE_GPU_WRITE |
			IOSURFACE_PARAMS_V1_USAGE_SCANOUT;
	if (usage & ~known) {
		wl_resource_post_error(resource, IOSURFACE_PARAMS_V1_ERROR_INVALID_USAGE,
				"usage 0x%x has unknown bits 0x%x", usage, usage & ~known);
		return;
	}
	params->usage = usage;
	params->req.usage = usage;
}

static void params_handle_set_flags(struct wl_client *client, struct wl_resource *resource,
		uint32_t flags) {
	struct ios_params *params = params_for_set(resource, FIELD_FLAGS, "set_flags");
	if (params == NULL) {
		return;
	}
	uint32_t known = IOSURFACE_PARAMS_V1_FLAGS_GLOBAL |
			IOSURFACE_PARAMS_V1_FLAGS_PIXEL_SIZE_CASTING_FORBIDDEN;
	if (flags & ~known) {
		wl_resource_post_error(resource, IOSURFACE_PARAMS_V1_ERROR_INVALID_FLAGS,
				"flags 0x%x has unknown bits 0x%x", flags, flags & ~known);
		return;
	}
	params->flags = flags;
}

static void params_handle_set_name(struct wl_client *client, struct wl_resource *resource,
		const char *name) {
	struct ios_params *params = params_for_set(resource, FIELD_NAME, "set_name");
	if (params == NULL) {
		return;
	}
	size_t len = strlen(name);
	if (len > IOS_MAX_NAME_LENGTH) {
		wl_resource_post_error(resource, IOSURFACE_PARAMS_V1_ERROR_INVALID_NAME,
				"name length %zu exceeds the maximum %u", len, IOS_MAX_NAME_LENGTH);
		return;
	}
	free(params->name);
	params->name = strdup(name);
	if (params->name == NULL) {
		wl_resource_post_no_memory(resource);
	}
}

static uint32_t layout_error(enum ios_layout_status status) {
	switch (status) {
	case IOS_LAYOUT_INVALID_SIZE:
		return IOSURFACE_PARAMS_V1_ERROR_INVALID_SIZE;
	case IOS_LAYOUT_INVALID_ELEMENT:
		return IOSURFACE_PARAMS_V1_ERROR_INVALID_ELEMENT;
	case IOS_LAYOUT_INVALID_PLANE_COUNT:
		return IOSURFACE_PARAMS_V1_ERROR_INVALID_PLANE_COUNT;
	default:
		return IOSURFACE_PARAMS_V1_ERROR_INVALID_LAYOUT;
	}
}

static void params_handle_create(struct wl_client *client, struct wl_resource *resource,
		uint32_t id) {
	struct ios_params *params = params_from_resource(resource);
	if (params == NULL) {
		return;
	}
	if (params->used) {
		wl_resource_post_error(resource, IOSURFACE_PARAMS_V1_ERROR_ALREADY_USED,
				"create was already called");
		return;
	}
	params->used = true;
	struct ios_owner *owner = params->owner;
	struct ios_server *server = owner->server;
	struct ios_handle *handle = ios_handle_create(owner, client, wl_resource_get_version(resource),
			id);
	if (handle == NULL) {
		return;
	}

	char msg[256];
	struct ios_layout layout;
	enum ios_layout_status status = ios_layout_compute(&params->req, &server->limits, &layout, msg,
			sizeof(msg));
	if (status == IOS_LAYOUT_UNKNOWN_FORMAT) {
		ios_handle_fail(handle, IOSURFACE_V1_FAILURE_UNKNOWN_FORMAT, "%s", msg);
		return;
	}
	if (status != IOS_LAYOUT_OK) {
		wl_resource_post_error(resource, layout_error(status), "create: %s", msg);
		return;
	}

	const struct iosurface_server_options *o = &server->options;
	if (o->quota_count != 0 && owner->count >= o->quota_count) {
		ios_handle_fail(handle, IOSURFACE_V1_FAILURE_QUOTA_COUNT,
				"the client has %u surfaces, its quota", owner->count);
		return;
	}
	// Surface memory only: values are checked when they are set.
	if (o->quota_bytes != 0 && owner->surface_bytes + layout.alloc_size > o->quota_bytes) {
		ios_handle_fail(handle, IOSURFACE_V1_FAILURE_QUOTA_BYTES,
				"%u more bytes would exceed the client's quota: %llu of %llu bytes in use",
				layout.alloc_size, (unsigned long long)owner->surface_bytes,
				(unsigned long long)o->quota_bytes);
		return;
	}

	if (owner->count >= o->max_surfaces_per_client) {
		ios_handle_fail(handle, IOSURFACE_V1_FAILURE_QUOTA_COUNT,
				"the client has %u surfaces, the most this compositor allows one client",
				owner->count);
		return;
	}

	enum iosurface_v1_failure reason;
	struct ios_surface *surface = ios_surface_create(server, owner, &layout, params->cache_mode,
			params->usage, params->flags, params->name, &reason, msg, sizeof(msg));
	if (surface == NULL) {
		// A client at its cap may try again and again: only the compositor's own failures
		// are worth an error in its log.
		wlr_log(reason == IOSURFACE_V1_FAILURE_NO_MEMORY ? WLR_ERROR : WLR_DEBUG, "iosurface: %s",
				msg);
		ios_handle_fail(handle, reason, "%s", msg);
		return;
	}
	ios_handle_attach(handle, surface, false);
}

/*
 * Why memory a client made cannot be adopted, or NULL if it can: a memfd of exactly the
 * layout's size and the seed page, writable through this descriptor, of mode 0400 (so that a
 * read-only holder of another uid cannot reopen it writable), sealed against shrinking and
 * growing (so that the compositor never faults on its mapping) and against new seals (so that
 * nobody can stop the writers later), and the memory of no other surface.
 */
static const char *check_memory(struct ios_server *server, int fd, const struct ios_layout *layout,
		uint64_t *key, char *buf, size_t buf_size) {
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		return "the memory is not a regular file";
	}
	int seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0) {
		return "the memory is not a memfd (it takes no seals)";
	}
	// Inode numbers are unique on one device only: a hugetlbfs memfd could share its number
	// with another surface's memory, and be refused in its place, or have it refused.
	if (server->shm_dev != 0 && st.st_dev != server->shm_dev) {
		return "the memory is not on the filesystem of memfd_create (hugetlbfs is refused)";
	}
	int required = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL;
	if ((seals & required) != required) {
		snprintf(buf, buf_size,
				"the memory has seals 0x%x; it needs F_SEAL_SHRINK, "
				"F_SEAL_GROW and F_SEAL_SEAL",
				seals);
		return buf;
	}
	if (seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)) {
		snprintf(buf, buf_size, "the memory has seals 0x%x; a write seal stops its writers",
				seals);
		return buf;
	}
	int flags = fcntl(fd, F_GETFL);
	if (flags < 0 || (flags & O_ACCMODE) != O_RDWR) {
		return "the memory descriptor is not open read-write";
	}
	if ((st.st_mode & 07777) != 0400) {
		snprintf(buf, buf_size, "the memory has mode 0%o; it must be 0400", st.st_mode & 07777);
		return buf;
	}
	uint64_t expected = (uint64_t)layout->alloc_size + IOS_PAGE_SIZE;
	if ((uint64_t)st.st_size != expected) {
		snprintf(buf, buf_size, "the memory is %lld bytes; alloc_size %u and the seed page "
				"make %llu", (long long)st.st_size, layout->alloc_size,
				(unsigned long long)expected);
		return buf;
	}
	if (ios_table_get(&server->memory_by_inode, (uint64_t)st.st_ino) != NULL) {
		return "the memory is that of another surface";
	}
	*key = (uint64_t)st.st_ino;
	return NULL;
}

static void params_handle_create_from_memory(struct wl_client *client,
		struct wl_resource *resource, uint32_t id, int32_t fd, uint32_t surface_id) {
	struct ios_params *params = params_from_resource(resource);
	if (params == NULL) {
		goto error_fd;
	}
	if (params->used) {
		wl_resource_post_error(resource, IOSURFACE_PARAMS_V1_ERROR_ALREADY_USED,
				"create_from_memory: create was already called");
		goto error_fd;
	}
	params->used = true;
	struct ios_owner *owner = params->owner;
	struct ios_server *server = owner->server;

	char msg[256];
	struct ios_layout layout;
	enum ios_layout_status status = ios_layout_compute(&params->req, &server->limits, &layout, msg,
			sizeof(msg));
	if (status == IOS_LAYOUT_UNKNOWN_FORMAT) {
		// The client has the format list: with memory of its own it must know the layout.
		wl_resource_post_error(resource, IOSURFACE_PARAMS_V1_ERROR_UNKNOWN_FORMAT,
				"create_from_memory: %s", msg);
		goto error_fd;
	}
	if (status != IOS_LAYOUT_OK) {
		wl_resource_post_error(resource, layout_error(status), "create_from_memory: %s", msg);
		goto error_fd;
	}
	uint64_t key = 0;
	const char *why = check_memory(server, fd, &layout, &key, msg, sizeof(msg));
	if (why != NULL) {
		wl_resource_post_error(resource, IOSURFACE_PARAMS_V1_ERROR_INVALID_MEMORY,
				"create_from_memory of surface %u: %s", surface_id, why);
		goto error_fd;
	}
	// The client was told its quota and its use (the state pool's header), and counts what
	// it sent since: following the rules, it never gets here over quota.
	const struct iosurface_server_options *o = &server->options;
	if (owner->count + 1 > ios_owner_count_limit(owner)) {
		wl_resource_post_error(resource, IOSURFACE_PARAMS_V1_ERROR_OVER_QUOTA,
				"create_from_memory: the client has %u surfaces, its quota", owner->count);
		goto error_fd;
	}
	if (o->quota_bytes != 0 && owner->surface_bytes + layout.alloc_size > o->quota_bytes) {
		wl_resource_post_error(resource, IOSURFACE_PARAMS_V1_ERROR_OVER_QUOTA,
				"create_from_memory: %u more bytes would exceed the quota: %llu of %llu "
				"bytes in use",
				layout.alloc_size, (unsigned long long)owner->surface_bytes,
				(unsigned long long)o->quota_bytes);
		goto error_fd;
	}
	struct ios_ticket ticket;
	if (!ios_owner_take_ticket(owner, surface_id, &ticket)) {
		wl_resource_post_error(resource, IOSURFACE_PARAMS_V1_ERROR_INVALID_TICKET,
				"create_from_memory: surface id %u is not an unused ticket of this client",
				surface_id);
		goto error_fd;
	}
	owner->adopted++;
	struct ios_handle *handle = ios_handle_create_in_slot(owner, client,
			wl_resource_get_version(resource), id, ticket.slot);
	if (handle == NULL) {
		ios_owner_slot_release(owner, ticket.slot);
		ios_account_release_fds(owner->account, 1);
		goto error_fd;
	}
	struct ios_surface *surface = ios_surface_adopt(server, owner, &layout, params->cache_mode,
			params->usage, params->flags, params->name, fd, ticket.surface_id, key);
	if (surface == NULL) {
		ios_account_release_fds(owner->account, 1);
		wl_resource_post_no_memory(resource);
		return;
	}
	// The ticket's descriptor is the surface's from now on.
	ios_surface_ref(surface);
	bool linked = ios_handle_adopt(handle, surface);
	ios_surface_unref(surface);
	if (!linked) {
		return;
	}
	ios_owner_publish(owner);
	struct wl_resource *manager = ticket.manager != NULL ? ticket.manager : params->manager;
	if (manager != NULL) {
		ios_owner_refill_tickets(owner, manager);
	}
	return;

error_fd:
	close(fd);
}

static const struct iosurface_params_v1_interface params_impl = {
	.destroy = params_handle_destroy,
	.set_size = params_handle_set_size,
	.set_format = params_handle_set_format,
	.set_element = params_handle_set_element,
	.set_layout = params_handle_set_layout,
	.set_plane_count = params_handle_set_plane_count,
	.set_plane = params_handle_set_plane,
	.set_cache_mode = params_handle_set_cache_mode,
	.set_usage = params_handle_set_usage,
	.set_flags = params_handle_set_flags,
	.set_name = params_handle_set_name,
	.create = params_handle_create,
	.create_from_memory = params_handle_create_from_memory,
};

void ios_params_destroy(struct ios_params *params) {
	params->owner->account->params--;
	wl_list_remove(&params->link);
	wl_resource_set_user_data(params->resource, NULL);
	free(params->name);
	free(params);
}

static void params_handle_resource_destroy(struct wl_resource *resource) {
	struct ios_params *params = params_from_resource(resource);
	if (params != NULL) {
		ios_params_destroy(params);
	}
}

void ios_params_create(struct ios_owner *owner, struct wl_resource *manager, uint32_t id) {
	struct wl_client *client = wl_resource_get_client(manager);
	struct ios_account *account = owner->account;
	uint32_t max = owner->server->options.max_params_per_process;
	// Unused params objects cost the compositor memory and nothing else: without a cap, one
	// client could make it hold any amount.
	if (account->params >= max) {
		wl_resource_post_error(manager, IOSURFACE_MANAGER_V1_ERROR_TOO_MANY_PARAMS,
				"create_params: the client's process holds %u iosurface_params_v1 objects, the "
				"most allowed (max_params_per_process)",
				account->params);
		return;
	}
	struct wl_resource *resource = wl_resource_create(client, &iosurface_params_v1_interface,
			wl_resource_get_version(manager), id);
	if (resource == NULL) {
		wl_client_post_no_memory(client);
		return;
	}
	struct ios_params *params = calloc(1, sizeof(*params));
	if (params == NULL) {
		wl_resource_destroy(resource);
		wl_client_post_no_memory(client);
		return;
	}
	params->resource = resource;
	params->owner = owner;
	params->manager = manager;
	account->params++;
	wl_list_insert(&owner->params, &params->link);
	wl_resource_set_implementation(resource, &params_impl, params, params_handle_resource_destroy);
}
