#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client-private.h"

/* Slot of a surface whose client is gone: reads as "not in use", forever. */
static const _Atomic uint32_t detached_slot[IOS_SLOT_WORDS];

/* ---- iosurface_v1 events ---- */

static void surface_handle_description(void *data, struct iosurface_v1 *proxy, uint32_t id,
		uint32_t width, uint32_t height, uint32_t format, uint32_t bpe, uint32_t ew, uint32_t eh,
		uint32_t bpr, uint32_t offset, uint32_t alloc_size, uint32_t plane_count,
		uint32_t cache_mode, uint32_t usage, uint32_t flags, uint32_t allocator,
		uint32_t read_only) {
	struct iosurface *s = data;
	s->id = id;
	s->width = width;
	s->height = height;
	s->format = format;
	s->bytes_per_element = bpe;
	s->element_width = ew;
	s->element_height = eh;
	s->bytes_per_row = bpr;
	s->offset = offset;
	s->alloc_size = alloc_size;
	s->plane_count = plane_count <= IOSURFACE_MAX_PLANES ? plane_count : 0;
	s->cache_mode = cache_mode;
	s->usage = usage;
	s->flags = flags;
	s->allocator = allocator;
	s->read_only = read_only != 0;
}

static void surface_handle_plane(void *data, struct iosurface_v1 *proxy, uint32_t index,
		uint32_t width, uint32_t height, uint32_t bpr, uint32_t bpe, uint32_t ew, uint32_t eh,
		uint32_t offset, uint32_t size) {
	struct iosurface *s = data;
	if (index < IOSURFACE_MAX_PLANES) {
		s->planes[index] = (struct plane_info){ width, height, bpr, bpe, ew, eh, offset, size };
	}
}

static void surface_handle_name(void *data, struct iosurface_v1 *proxy, const char *name) {
	struct iosurface *s = data;
	free(s->name);
	s->name = strdup(name);
}

static void surface_handle_memory(void *data, struct iosurface_v1 *proxy, uint32_t index,
		int32_t fd, uint32_t type, uint32_t size, uint32_t modifier_hi, uint32_t modifier_lo,
		uint32_t flags) {
	struct iosurface *s = data;
	if (index >= 2 || s->mem_fd[index] >= 0) {
		close(fd);
		return;
	}
	s->mem_fd[index] = fd;
	s->mem_type[index] = type;
	s->mem_size[index] = size;
	if (index == 0) {
		s->modifier = (uint64_t)modifier_hi << 32 | modifier_lo;
	}
}

static void surface_handle_seed_location(void *data, struct iosurface_v1 *proxy, uint32_t index,
		uint32_t offset) {
	struct iosurface *s = data;
	s->seed_index = index;
	s->seed_offset = offset;
}

static void surface_handle_state_slot(void *data, struct iosurface_v1 *proxy, uint32_t index) {
	struct iosurface *s = data;
	s->slot_index = index;
}

static void surface_handle_done(void *data, struct iosurface_v1 *proxy) {
	struct iosurface *s = data;
	s->done = true;
}

static void surface_handle_failed(void *data, struct iosurface_v1 *proxy, uint32_t reason,
		const char *message) {
	struct iosurface *s = data;
	s->failed = true;
	s->failure = reason;
	free(s->failure_message);
	s->failure_message = strdup(message);
}

static const struct iosurface_v1_listener surface_listener = {
	.description = surface_handle_description,
	.plane = surface_handle_plane,
	.name = surface_handle_name,
	.memory = surface_handle_memory,
	.seed_location = surface_handle_seed_location,
	.state_slot = surface_handle_state_slot,
	.done = surface_handle_done,
	.failed = surface_handle_failed,
	.value = surface_handle_value,
	.value_memory = surface_handle_value_memory,
	.values_done = surface_handle_values_done,
	.set_value_failed = surface_handle_set_value_failed,
	.purgeable_done = surface_handle_purgeable_done,
	.emptied = surface_handle_emptied,
	.not_in_use = surface_handle_not_in_use,
	.seed_changed = surface_handle_seed_changed,
};

/* ---- Life cycle ---- */

struct iosurface *surface_new(struct iosurface_client *c) {
	struct iosurface *s = calloc(1, sizeof(*s));
	if (s == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	atomic_init(&s->refs, 1);
	s->client = c;
	s->mem_fd[0] = s->mem_fd[1] = -1;
	s->dmabuf_fd = -1;
	s->slot = detached_slot;
	wl_list_init(&s->link);
	return s;
}

void surface_set_proxy(struct iosurface *s, struct iosurface_v1 *proxy) {
	s->proxy = proxy;
	iosurface_v1_add_listener(proxy, &surface_listener, s);
}

int failure_errno(uint32_t failure) {
	switch (failure) {
	case IOSURFACE_V1_FAILURE_QUOTA_BYTES:
	case IOSURFACE_V1_FAILURE_QUOTA_COUNT:
		return EDQUOT;
	case IOSURFACE_V1_FAILURE_NO_MEMORY:
		return ENOMEM;
	case IOSURFACE_V1_FAILURE_UNKNOWN_FORMAT:
		return ENOTSUP;
	case IOSURFACE_V1_FAILURE_LOOKUP_DISABLED:
	case IOSURFACE_V1_FAILURE_NOT_GLOBAL:
		return EPERM;
	default:
		return ENOENT;
	}
}

/* Dispatches until the compositor answered; the client lock is held. */
int surface_wait_ready(struct iosurface *s) {
	struct iosurface_client *c = s->client;
	int ret = client_flush(c);
	while (ret == 0 && !s->done && !s->failed) {
		ret = client_dispatch(c);
	}
	if (ret < 0) {
		return ret;
	}
	if (s->failed) {
		ios_log(IOSURFACE_LOG_WARNING, "iosurface: %s",
				s->failure_message ? s->failure_message : "");
		return -failure_errno(s->failure);
	}
	return 0;
}

int surface_map(struct iosurface *s) {
	struct iosurface_client *c = s->client;
	if (s->mem_fd[0] < 0 || s->seed_index > 1 || s->mem_fd[s->seed_index] < 0) {
		return -EPROTO;
	}
	size_t slot_end = ((size_t)s->slot_index + 1) * IOS_SLOT_SIZE;
	if (slot_end > c->pool_size) {
		return -EPROTO;
	}
	int prot = PROT_READ | (s->read_only ? 0 : PROT_WRITE);
	for (int i = 0; i < 2; i++) {
		if (s->mem_fd[i] < 0) {
			continue;
		}
		if (s->mem_size[i] == 0) {
			return -EPROTO;
		}
		void *map = mmap(NULL, s->mem_size[i], prot, MAP_SHARED, s->mem_fd[i], 0);
		if (map == MAP_FAILED) {
			return -errno;
		}
		s->map[i] = map;
		s->map_size[i] = s->mem_size[i];
	}
	// Everything the description promises must lie inside what was mapped.
	if ((uint64_t)s->alloc_size > s->map_size[0] ||
			(uint64_t)s->seed_offset + 4 > s->map_size[s->seed_index] || s->seed_offset % 4 != 0) {
		return -EPROTO;
	}
	for (uint32_t i = 0; i < s->plane_count; i++) {
		if ((uint64_t)s->planes[i].offset + s->planes[i].size > s->alloc_size) {
			return -EPROTO;
		}
	}
	s->seed = (_Atomic uint32_t *)((char *)s->map[s->seed_index] + s->seed_offset);
	s->slot = (const _Atomic uint32_t *)c->pool + (size_t)s->slot_index * IOS_SLOT_WORDS;
	if (s->mem_type[0] == IOSURFACE_V1_MEMORY_TYPE_DMABUF) {
		s->dmabuf_fd = s->mem_fd[0];
		s->mem_fd[0] = -1;
	}
	for (int i = 0; i < 2; i++) {
		if (s->mem_fd[i] >= 0) {
			close(s->mem_fd[i]);
			s->mem_fd[i] = -1;
		}
	}
	return 0;
}

/* Cuts the surface loose from its client; the client lock is held. */
void surface_detach(struct iosurface *s) {
	wl_list_remove(&s->link);
	wl_list_init(&s->link);
	if (s->proxy != NULL) {
		iosurface_v1_destroy(s->proxy);
		s->proxy = NULL;
	}
	s->slot = detached_slot;
	s->client = NULL;
}

void surface_free(struct iosurface *s) {
	for (int i = 0; i < 2; i++) {
		if (s->map[i] != NULL) {
			munmap(s->map[i], s->map_size[i]);
		}
		if (s->mem_fd[i] >= 0) {
			close(s->mem_fd[i]);
		}
	}
	if (s->dmabuf_fd >= 0) {
		close(s->dmabuf_fd);
	}
	iosurface_value_free(s->query);
	free(s->failure_message);
	free(s->name);
	free(s);
}

struct iosurface *client_find_surface(struct iosurface_client *c, uint32_t id) {
	struct iosurface *s;
	wl_list_for_each(s, &c->surfaces, link) {
		if (s->id == id) {
			return s;
		}
	}
	return NULL;
}

/* ---- Creation ---- */

static bool fits_u32(size_t value) {
	return value <= UINT32_MAX;
}

static int build_request(struct iosurface_client *c, const struct iosurface_properties *p,
		struct ios_request *req, struct ios_layout *layout) {
	memset(req, 0, sizeof(*req));
	if (!fits_u32(p->bytes_per_row) || !fits_u32(p->offset) || !fits_u32(p->alloc_size)) {
		ios_log(IOSURFACE_LOG_WARNING,
				"iosurface_create: bytes_per_row %zu, offset %zu or alloc_size %zu is above "
				"4 GiB",
				p->bytes_per_row, p->offset, p->alloc_size);
		return -EINVAL;
	}
	if (p->plane_count > IOSURFACE_MAX_PLANES || p->cache_mode > IOSURFACE_CACHE_WRITE_COMBINE) {
		ios_log(IOSURFACE_LOG_WARNING,
				"iosurface_create: plane_count %u (at most %u) or cache_mode %u is invalid",
				p->plane_count, IOSURFACE_MAX_PLANES, p->cache_mode);
		return -EINVAL;
	}
	uint32_t known_usage = IOSURFACE_USAGE_CPU_READ | IOSURFACE_USAGE_CPU_WRITE |
			IOSURFACE_USAGE_GPU_READ | IOSURFACE_USAGE_GPU_WRITE | IOSURFACE_USAGE_SCANOUT;
	if (p->usage & ~known_usage) {
		ios_log(IOSURFACE_LOG_WARNING, "iosurface_create: usage 0x%x has unknown bits", p->usage);
		return -EINVAL;
	}
	if (p->name != NULL && strlen(p->name) > c->limit_max[IOSURFACE_PROPERTY_NAME_LENGTH]) {
		ios_log(IOSURFACE_LOG_WARNING, "iosurface_create: name of %zu bytes exceeds %u",
				strlen(p->name), c->limit_max[IOSURFACE_PROPERTY_NAME_LENGTH]);
		return -EINVAL;
	}
	// Apple's codes ('BGRA', '420v', ...) are accepted too; none is also a known fourcc.
	uint32_t format = p->pixel_format;
	if (format != 0 && ios_format_lookup(format) == NULL && ios_format_from_ostype(format) != 0) {
		format = ios_format_from_ostype(format);
	}
	*req = (struct ios_request){
		.width = p->width,
		.height = p->height,
		.format = format,
		.bytes_per_element = p->bytes_per_element,
		.element_width = p->element_width,
		.element_height = p->element_height,
		.bytes_per_row = (uint32_t)p->bytes_per_row,
		.offset = (uint32_t)p->offset,
		.alloc_size = (uint32_t)p->alloc_size,
		.plane_count = p->plane_count,
		.usage = p->usage,
	};
	for (uint32_t i = 0; i < p->plane_count; i++) {
		const struct iosurface_plane_properties *pp = &p->planes[i];
		if (!fits_u32(pp->bytes_per_row) || !fits_u32(pp->offset) || !fits_u32(pp->size)) {
			return -EINVAL;
		}
		struct ios_plane_layout *rp = &req->planes[i];
		*rp = (struct ios_plane_layout){
			.width = pp->width,
			.height = pp->height,
			.bytes_per_row = (uint32_t)pp->bytes_per_row,
			.bytes_per_element = pp->bytes_per_element,
			.element_width = pp->element_width,
			.element_height = pp->element_height,
			.offset = (uint32_t)pp->offset,
			.size = (uint32_t)pp->size,
		};
		req->plane_set[i] = rp->width || rp->height || rp->bytes_per_row || rp->bytes_per_element ||
				rp->element_width || rp->element_height || rp->offset || rp->size;
	}
	char msg[256];
	enum ios_layout_status status = ios_layout_compute(req, &c->limits, layout, msg, sizeof(msg));
	if (status == IOS_LAYOUT_UNKNOWN_FORMAT) {
		ios_log(IOSURFACE_LOG_WARNING, "iosurface_create: %s", msg);
		return -ENOTSUP;
	}
	if (status != IOS_LAYOUT_OK) {
		ios_log(IOSURFACE_LOG_WARNING, "iosurface_create: %s", msg);
		return -EINVAL;
	}
	return 0;
}

/* Sends the properties on a new parameter object; the caller sends create and destroys it. */
static struct iosurface_params_v1 *send_params(struct iosurface_client *c,
		const struct iosurface_properties *p, const struct ios_request *req) {
	struct iosurface_params_v1 *params = iosurface_manager_v1_create_params(c->manager);
	iosurface_params_v1_set_size(params, req->width, req->height);
	if (req->format != 0) {
		iosurface_params_v1_set_format(params, req->format);
	}
	if (req->bytes_per_element || req->element_width || req->element_height) {
		iosurface_params_v1_set_element(params, req->bytes_per_element, req->element_width,
				req->element_height);
	}
	if (req->bytes_per_row || req->offset || req->alloc_size) {
		iosurface_params_v1_set_layout(params, req->bytes_per_row, req->offset, req->alloc_size);
	}
	if (req->plane_count != 0) {
		iosurface_params_v1_set_plane_count(params, req->plane_count);
	}
	for (uint32_t i = 0; i < req->plane_count; i++) {
		const struct ios_plane_layout *rp = &req->planes[i];
		if (req->plane_set[i]) {
			iosurface_params_v1_set_plane(params, i, rp->width, rp->height, rp->bytes_per_row,
					rp->bytes_per_element, rp->element_width, rp->element_height, rp->offset,
					rp->size);
		}
	}
	if (p->cache_mode != 0) {
		iosurface_params_v1_set_cache_mode(params, p->cache_mode);
	}
	if (p->usage != 0) {
		iosurface_params_v1_set_usage(params, p->usage);
	}
	uint32_t flags = (p->global ? IOSURFACE_PARAMS_V1_FLAGS_GLOBAL : 0) |
			(p->pixel_size_casting_forbidden ?
							IOSURFACE_PARAMS_V1_FLAGS_PIXEL_SIZE_CASTING_FORBIDDEN :
							0);
	if (flags != 0) {
		iosurface_params_v1_set_flags(params, flags);
	}
	if (p->name != NULL) {
		iosurface_params_v1_set_name(params, p->name);
	}
	return params;
}

/* ---- Creation with no round trip ---- */

/*
 * Whether one more surface of alloc_size surely fits the quota, as the compositor will count
 * it: 0 if so, -EAGAIN if only the compositor can tell (the round-trip path then asks it).
 */
static int check_quota(struct iosurface_client *c, uint32_t alloc_size) {
	uint64_t bytes;
	uint32_t count, adopted;
	client_read_header(c, &bytes, &count, &adopted);
	// What the header does not count yet: the creates sent since it was written. Surfaces
	// that die meanwhile (a destroy on its way) make the figure larger than the
	// compositor's, never smaller; so near the quota the compositor decides, in order.
	uint32_t in_flight = c->adopt_sent - adopted;
	if (in_flight > IOS_MAX_TICKETS) {
		return -EAGAIN;
	}
	for (uint32_t k = 0; k < in_flight; k++) {
		bytes += c->adopt_bytes[(c->adopt_sent - k) % IOS_MAX_TICKETS];
	}
	count += in_flight;
	if ((c->quota_count != 0 && count + 1 > c->quota_count) ||
			(c->quota_bytes != 0 && bytes + alloc_size > c->quota_bytes)) {
		return -EAGAIN;
	}
	return 0;
}

int surface_wait_adopted(struct iosurface *s) {
	struct iosurface_client *c = s->client;
	if (s->adopt_seq == 0 || c == NULL) {
		return 0;
	}
	uint64_t bytes;
	uint32_t count, adopted;
	client_read_header(c, &bytes, &count, &adopted);
	if ((int32_t)(adopted - s->adopt_seq) < 0) {
		int ret = client_roundtrip(c);
		if (ret < 0) {
			return ret;
		}
	}
	s->adopt_seq = 0;
	return 0;
}

/* Fills the description from the layout computed here, as the compositor computes it. */
static void describe(struct iosurface *s, const struct iosurface_properties *p,
		const struct ios_layout *l) {
	s->width = l->width;
	s->height = l->height;
	s->format = l->format;
	s->bytes_per_element = l->bytes_per_element;
	s->element_width = l->element_width;
	s->element_height = l->element_height;
	s->bytes_per_row = l->bytes_per_row;
	s->offset = l->offset;
	s->alloc_size = l->alloc_size;
	s->plane_count = l->plane_count;
	for (uint32_t i = 0; i < l->plane_count; i++) {
		const struct ios_plane_layout *lp = &l->planes[i];
		s->planes[i] = (struct plane_info){ lp->width, lp->height, lp->bytes_per_row,
			lp->bytes_per_element, lp->element_width, lp->element_height, lp->offset, lp->size };
	}
	s->cache_mode = p->cache_mode;
	s->usage = p->usage;
	s->flags = (p->global ? IOSURFACE_PARAMS_V1_FLAGS_GLOBAL : 0) |
			(p->pixel_size_casting_forbidden ?
							IOSURFACE_PARAMS_V1_FLAGS_PIXEL_SIZE_CASTING_FORBIDDEN :
							0);
	s->allocator = IOSURFACE_ALLOCATOR_MEMFD;
	s->read_only = false;
}

/*
 * Creates the surface in a memfd of this process's, under a ticket the compositor handed out
 * ahead, and tells the compositor with no round trip (create_from_memory, whose rules this
 * follows). Returns -EAGAIN where the round-trip path must be taken instead: no ticket, or
 * usage the compositor may want to allocate on its device. The client lock is held.
 */
static int create_in_own_memory(struct iosurface_client *c, const struct iosurface_properties *p,
		const struct ios_request *req, const struct ios_layout *layout, struct iosurface *s) {
	uint32_t device_usage = IOSURFACE_USAGE_GPU_READ | IOSURFACE_USAGE_GPU_WRITE |
			IOSURFACE_USAGE_SCANOUT;
	// Global surfaces may be looked up by id from another process at once: the compositor
	// must know them before this returns.
	if (((p->usage & device_usage) && (c->allocators & ~(1u << IOSURFACE_ALLOCATOR_MEMFD))) ||
			p->global || c->pool == NULL || c->pool_shared) {
		return -EAGAIN;
	}
	// Nothing here waits on the compositor, so ask the socket whether it is still there:
	// a lost compositor gives -EPIPE, as every other call does.
	int ret = client_check(c);
	if (ret < 0) {
		return ret;
	}
	struct pollfd pfd = { wl_display_get_fd(c->display), 0, 0 };
	if (poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLHUP | POLLERR))) {
		return client_lost(c);
	}
	size_t tickets = c->tickets.size / sizeof(struct ticket);
	if (tickets < IOS_TICKET_STOCK / 4) {
		// New tickets come as the compositor adopts surfaces; pick them up cheaply.
		client_dispatch_nonblock(c);
		tickets = c->tickets.size / sizeof(struct ticket);
	}
	if (tickets == 0) {
		return -EAGAIN;
	}
	ret = check_quota(c, layout->alloc_size);
	if (ret < 0) {
		return ret;
	}

	size_t size = (size_t)layout->alloc_size + IOS_PAGE_SIZE;
	int fd = memfd_create("iosurface", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0) {
		return -errno;
	}
	// Mode 0400: a read-only holder of another uid cannot reopen it writable. The seals keep
	// its size fixed, so that nobody faults on a mapping of it.
	void *map = MAP_FAILED;
	if (ftruncate(fd, (off_t)size) != 0 || fchmod(fd, 0400) != 0 ||
			fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0 ||
			(map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)) == MAP_FAILED) {
		ret = -errno;
		close(fd);
		return ret;
	}
	// Oldest first, so that one client's ids grow as it creates.
	struct ticket *stock = c->tickets.data;
	struct ticket ticket = stock[0];
	memmove(stock, stock + 1, (tickets - 1) * sizeof(*stock));
	c->tickets.size -= sizeof(struct ticket);

	describe(s, p, layout);
	s->id = ticket.surface_id;
	s->slot_index = ticket.slot;
	s->name = p->name != NULL ? strdup(p->name) : NULL;
	s->map[0] = map;
	s->map_size[0] = size;
	s->seed_index = 0;
	s->seed_offset = layout->alloc_size;
	s->seed = (_Atomic uint32_t *)((char *)map + layout->alloc_size);
	s->slot = (const _Atomic uint32_t *)c->pool + (size_t)ticket.slot * IOS_SLOT_WORDS;
	s->done = true;

	struct iosurface_params_v1 *params = send_params(c, p, req);
	surface_set_proxy(s, iosurface_params_v1_create_from_memory(params, fd, ticket.surface_id));
	iosurface_params_v1_destroy(params);
	// libwayland sends a copy of the descriptor; the mapping is all this process keeps.
	close(fd);
	c->adopt_sent++;
	c->adopt_bytes[c->adopt_sent % IOS_MAX_TICKETS] = layout->alloc_size;
	s->adopt_seq = c->adopt_sent;
	// Not flushed: the requests leave with the next message this client sends (libwayland
	// also flushes a full buffer). Nothing another process can do with the surface needs
	// the compositor to know it sooner: a port waits for it (surface_wait_adopted).
	wl_list_insert(&c->surfaces, &s->link);
	return 0;
}

int surface_finish(struct iosurface *s) {
	int ret = surface_wait_ready(s);
	if (ret == 0) {
		ret = surface_map(s);
		if (ret < 0) {
			ios_log(IOSURFACE_LOG_ERROR, "surface %u: cannot map its memory: %s", s->id,
					strerror(-ret));
		}
	}
	if (ret < 0) {
		surface_detach(s);
		return ret;
	}
	wl_list_insert(&s->client->surfaces, &s->link);
	return 0;
}

IOSURFACE_EXPORT struct iosurface *iosurface_create(struct iosurface_client *c,
		const struct iosurface_properties *props) {
	if (c == NULL || props == NULL) {
		errno = EINVAL;
		return NULL;
	}
	struct ios_request req;
	struct ios_layout layout;
	int ret = build_request(c, props, &req, &layout);
	if (ret < 0) {
		errno = -ret;
		return NULL;
	}
	struct iosurface *s = surface_new(c);
	if (s == NULL) {
		return NULL;
	}
	client_lock(c);
	ret = c->manager != NULL ? create_in_own_memory(c, props, &req, &layout, s) : -EPIPE;
	if (ret == -EAGAIN) {
		// The compositor allocates: one round trip.
		struct iosurface_params_v1 *params = send_params(c, props, &req);
		surface_set_proxy(s, iosurface_params_v1_create(params));
		iosurface_params_v1_destroy(params);
		ret = surface_finish(s);
	}
	client_unlock(c);
	if (ret < 0) {
		surface_free(s);
		errno = -ret;
		return NULL;
	}
	return s;
}

IOSURFACE_EXPORT struct iosurface *iosurface_ref(struct iosurface *s) {
	if (s != NULL) {
		atomic_fetch_add(&s->refs, 1);
	}
	return s;
}

IOSURFACE_EXPORT void iosurface_unref(struct iosurface *s) {
	if (s == NULL) {
		return;
	}
	struct iosurface_client *c = s->client;
	if (c == NULL) {
		if (atomic_fetch_sub(&s->refs, 1) == 1) {
			surface_free(s);
		}
		return;
	}
	// Under the lock, so that a concurrent lookup cannot revive a surface being freed.
	client_lock(c);
	bool last = atomic_fetch_sub(&s->refs, 1) == 1;
	if (last) {
		// The destroy leaves with the next message this client sends, so that releasing
		// many surfaces wakes the compositor once; but the compositor holds a released
		// surface's memory until then, so past IOS_RELEASE_FLUSH_BYTES of it, now.
		uint64_t released = c->released_bytes + s->alloc_size;
		surface_detach(s);
		c->released_bytes = released;
		if (released >= IOS_RELEASE_FLUSH_BYTES) {
			client_flush(c);
		}
	}
	client_unlock(c);
	if (last) {
		surface_free(s);
	}
}
