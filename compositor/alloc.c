#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <drm.h>
#include <drm_fourcc.h>
#include <drm_mode.h>
#include <linux/dma-buf.h>
#include <linux/udmabuf.h>
#include <wlr/render/dmabuf.h>
#include <wlr/util/log.h>
#include <xf86drm.h>

#if IOS_HAVE_GBM
#include <gbm.h>
#endif

#include "server-private.h"

/*
 * Allocators.
 *
 * memfd is the default and works everywhere: a memfd sealed against shrinking and growing, so
 * the compositor never faults on a mapping. Where the kernel has /dev/udmabuf, a displayed
 * memfd surface also becomes a dma-buf on demand (udmabuf takes the memfd's own pages, and
 * wants F_SEAL_SHRINK and no write seal), so that a KMS plane can scan it out.
 *
 * The compositor names its DRM device (iosurface_server_options.drm_fd); the module never
 * scans /dev/dri. On that device it opens a descriptor of its own (wlroots closes the GEM
 * handles it imports on its descriptor; a shared one would close ours) and offers:
 *   dumb  for surfaces with scanout usage and no GPU usage, when the device is a display
 *         (primary) node: a dumb buffer of the display device, exported read-write;
 *   gbm   for surfaces with GPU usage: a GBM buffer object on the device's render node (a
 *         device without one has no GPU), exported read-write as its first export
 *         (the kernel caches a buffer's dma-buf: a later read-write export stays read-only).
 * Each is probed once (a small buffer allocated, exported and mapped writable) and offered
 * only when the probe passed; GBM is probed when the event loop first runs, not inside
 * iosurface_server_create(), so that loading a Mesa driver does not delay the compositor's
 * start. Every fallback is logged with its reason, once per server and reason.
 */

#define PROBE_SIZE 64

int ios_memfd_create_sealed(const char *name, size_t size, bool future_write_seal, void **map) {
	int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0) {
		return -1;
	}
	if (ftruncate(fd, (off_t)size) != 0) {
		goto error;
	}
	if (map != NULL) {
		// Mapped before F_SEAL_FUTURE_WRITE: this mapping stays writable, no later one can be.
		*map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (*map == MAP_FAILED) {
			*map = NULL;
			goto error;
		}
	}
	int seals = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL;
	if (future_write_seal) {
		seals |= F_SEAL_FUTURE_WRITE;
	}
	if (fcntl(fd, F_ADD_SEALS, seals) != 0) {
		if (map != NULL) {
			munmap(*map, size);
			*map = NULL;
		}
		goto error;
	}
	return fd;

error:;
	int err = errno;
	close(fd);
	errno = err;
	return -1;
}

static size_t page_round(size_t size) {
	return (size + IOS_PAGE_SIZE - 1) & ~((size_t)IOS_PAGE_SIZE - 1);
}

/* Logs a fallback once per server and reason: a busy compositor would repeat it per surface. */
static void log_fallback(struct ios_server *server, uint32_t reason_bit, const char *fmt, ...)
		__attribute__((format(printf, 3, 4)));

static void log_fallback(struct ios_server *server, uint32_t reason_bit, const char *fmt, ...) {
	if (server->alloc_logged & reason_bit) {
		return;
	}
	server->alloc_logged |= reason_bit;
	char msg[256];
	va_list args;
	va_start(args, fmt);
	vsnprintf(msg, sizeof(msg), fmt, args);
	va_end(args);
	wlr_log(WLR_INFO, "iosurface: %s", msg);
}

enum {
	FALLBACK_DUMB_FORMAT = 1u << 0,
	FALLBACK_DUMB_FAILED = 1u << 1,
	FALLBACK_GBM_FORMAT = 1u << 2,
	FALLBACK_GBM_FAILED = 1u << 3,
	FALLBACK_NO_DUMB = 1u << 4,
	FALLBACK_NO_GBM = 1u << 5,
	FALLBACK_UDMABUF = 1u << 6,
	FALLBACK_NO_UDMABUF = 1u << 7,
	FALLBACK_LAYOUT = 1u << 8,
};

static bool alloc_memfd(struct ios_surface *surface) {
	// One page after the pixels holds the seed, so that exactly the holders that may write
	// the pixels may write the seed, through the same mapping.
	size_t size = (size_t)surface->layout.alloc_size + IOS_PAGE_SIZE;
	surface->fd = ios_memfd_create_sealed("iosurface", size, false, NULL);
	if (surface->fd < 0) {
		return false;
	}
	// Descriptors already open keep their mode; this only stops a read-only holder of
	// another uid from reopening its descriptor writable through /proc/self/fd.
	fchmod(surface->fd, 0400);
	surface->allocator = IOSURFACE_V1_ALLOCATOR_MEMFD;
	surface->mem_size = (uint32_t)size;
	surface->seed_offset = surface->layout.alloc_size;
	return true;
}

/*
 * A dma-buf allocation's result becomes the surface's memory when it has the layout computed
 * for the surface: its rows bytes_per_row apart and at least alloc_size bytes. The layout is
 * what the client asked for and what its quota was charged with; a buffer that differs is
 * refused (the surface falls back to memfd), never described otherwise.
 */
static bool adopt_dmabuf(struct ios_server *server, struct ios_surface *surface, int fd,
		uint32_t pitch, uint64_t modifier, enum iosurface_v1_allocator allocator) {
	const struct ios_layout *l = &surface->layout;
	// The kernel's size of the buffer, page-rounded, whatever the allocator computed.
	off_t size = lseek(fd, 0, SEEK_END);
	if (pitch != l->bytes_per_row || size < (off_t)l->alloc_size) {
		log_fallback(server, FALLBACK_LAYOUT,
				"a %ux%u %s buffer has %u bytes per row and %lld bytes, the layout %u and %u: "
				"memfd",
				l->width, l->height, allocator == IOSURFACE_V1_ALLOCATOR_GBM ? "GBM" : "dumb", pitch,
				(long long)size, l->bytes_per_row, l->alloc_size);
		close(fd);
		return false;
	}
	surface->seed_fd = ios_memfd_create_sealed("iosurface-seed", IOS_PAGE_SIZE, false, NULL);
	if (surface->seed_fd < 0) {
		close(fd);
		return false;
	}
	surface->fd = fd;
	surface->mem_size = l->alloc_size;
	surface->modifier = modifier;
	surface->seed_offset = 0;
	surface->allocator = allocator;
	return true;
}

/* Single-plane formats of 1x1 elements only: what a dumb or GBM buffer describes. */
static bool simple_format(const struct ios_layout *l) {
	const struct ios_format *fmt = ios_format_lookup(l->format);
	return fmt != NULL && fmt->plane_count == 0 && l->offset == 0 && l->element_width == 1 &&
			l->element_height == 1 && l->bytes_per_element >= 1 && l->bytes_per_element <= 8;
}

/*
 * A dumb buffer of the display device, exported read-write. The GEM handle is closed at
 * once: the dma-buf keeps the buffer alive, and the handle would only cost the module's file.
 */
static int dumb_create(int drm_fd, uint32_t width, uint32_t height, uint32_t bpp, uint32_t *pitch,
		uint64_t *size) {
	struct drm_mode_create_dumb create = { .width = width, .height = height, .bpp = bpp };
	if (drmIoctl(drm_fd, DRM_IOCTL_MODE_CREATE_DUMB, &create) != 0) {
		return -1;
	}
	int fd = -1;
	int ret = drmPrimeHandleToFD(drm_fd, create.handle, DRM_CLOEXEC | DRM_RDWR, &fd);
	int err = errno;
	struct drm_mode_destroy_dumb destroy = { .handle = create.handle };
	drmIoctl(drm_fd, DRM_IOCTL_MODE_DESTROY_DUMB, &destroy);
	if (ret != 0) {
		errno = err;
		return -1;
	}
	*pitch = create.pitch;
	*size = create.size;
	return fd;
}

static bool alloc_dumb(struct ios_server *server, struct ios_surface *surface) {
	const struct ios_layout *l = &surface->layout;
	if (!simple_format(l)) {
		log_fallback(server, FALLBACK_DUMB_FORMAT,
				"scanout usage with a planar or offset layout (format %#x): memfd, not dumb",
				l->format);
		return false;
	}
	uint32_t pitch;
	uint64_t size;
	int fd = dumb_create(server->drm_fd, l->width, l->height, l->bytes_per_element * 8, &pitch,
			&size);
	if (fd < 0) {
		log_fallback(server, FALLBACK_DUMB_FAILED, "dumb buffer %ux%u failed (%s): memfd", l->width,
				l->height, strerror(errno));
		return false;
	}
	return adopt_dmabuf(server, surface, fd, pitch, DRM_FORMAT_MOD_LINEAR,
			IOSURFACE_V1_ALLOCATOR_DUMB);
}

/* Whether a dma-buf maps writable: what a client of the surface will do. */
static bool dmabuf_maps_writable(int fd, size_t size) {
	void *map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		return false;
	}
	munmap(map, size);
	return true;
}

static bool probe_dumb(struct ios_server *server) {
	uint32_t pitch;
	uint64_t size;
	int fd = dumb_create(server->drm_fd, PROBE_SIZE, PROBE_SIZE, 32, &pitch, &size);
	if (fd < 0) {
		wlr_log(WLR_INFO, "iosurface: no dumb allocator: CREATE_DUMB or its export failed: %s",
				strerror(errno));
		return false;
	}
	bool ok = dmabuf_maps_writable(fd, (size_t)size);
	if (!ok) {
		wlr_log(WLR_INFO, "iosurface: no dumb allocator: its dma-buf does not map writable: %s",
				strerror(errno));
	}
	close(fd);
	return ok;
}

#if IOS_HAVE_GBM
/* A buffer object's first export, read-write; the object itself is not kept. */
static int gbm_bo_export_rw(struct ios_server *server, struct gbm_bo *bo) {
	int fd = -1;
	if (drmPrimeHandleToFD(gbm_device_get_fd(server->gbm), gbm_bo_get_handle(bo).u32,
				DRM_CLOEXEC | DRM_RDWR, &fd) != 0) {
		return -1;
	}
	return fd;
}

static bool alloc_gbm(struct ios_server *server, struct ios_surface *surface) {
	const struct ios_layout *l = &surface->layout;
	if (!simple_format(l)) {
		log_fallback(server, FALLBACK_GBM_FORMAT,
				"GPU usage with a planar or offset layout (format %#x): memfd, not GBM", l->format);
		return false;
	}
	uint32_t flags = GBM_BO_USE_LINEAR | GBM_BO_USE_RENDERING;
	if (surface->usage & IOSURFACE_PARAMS_V1_USAGE_SCANOUT) {
		flags |= GBM_BO_USE_SCANOUT;
	}
	struct gbm_bo *bo = gbm_bo_create(server->gbm, l->width, l->height, l->format, flags);
	if (bo == NULL) {
		log_fallback(server, FALLBACK_GBM_FAILED, "gbm_bo_create %ux%u %#x failed (%s): memfd",
				l->width, l->height, l->format, strerror(errno));
		return false;
	}
	uint32_t stride = gbm_bo_get_stride(bo);
	uint64_t modifier = gbm_bo_get_modifier(bo);
	int fd = gbm_bo_export_rw(server, bo);
	int err = errno;
	gbm_bo_destroy(bo);
	if (fd < 0) {
		log_fallback(server, FALLBACK_GBM_FAILED,
				"read-write export of a GBM buffer failed (%s): memfd", strerror(err));
		return false;
	}
	return adopt_dmabuf(server, surface, fd, stride, modifier, IOSURFACE_V1_ALLOCATOR_GBM);
}

/* The GBM device, on the render node of the compositor's device. */
static bool gbm_open(struct ios_server *server) {
	char *render = drmGetRenderDeviceNameFromFd(server->drm_fd);
	if (render == NULL) {
		return false;
	}
	int fd = open(render, O_RDWR | O_CLOEXEC);
	free(render);
	if (fd < 0) {
		return false;
	}
	server->gbm = gbm_create_device(fd);
	if (server->gbm == NULL) {
		close(fd);
		return false;
	}
	return true;
}

static void gbm_close(struct ios_server *server) {
	if (server->gbm != NULL) {
		int fd = gbm_device_get_fd(server->gbm);
		gbm_device_destroy(server->gbm);
		close(fd);
		server->gbm = NULL;
	}
}

static void probe_gbm(void *data) {
	struct ios_server *server = data;
	// An idle source is removed once it ran.
	server->gbm_probe = NULL;
	const char *why = NULL;
	int err = 0;
	if (!gbm_open(server)) {
		why = "cannot open the render node or create a GBM device on it";
		err = errno;
	} else {
		struct gbm_bo *bo = gbm_bo_create(server->gbm, PROBE_SIZE, PROBE_SIZE, GBM_FORMAT_XRGB8888,
				GBM_BO_USE_LINEAR | GBM_BO_USE_RENDERING);
		if (bo == NULL) {
			why = "gbm_bo_create failed";
			err = errno;
		} else {
			int fd = gbm_bo_export_rw(server, bo);
			err = errno;
			size_t size = (size_t)gbm_bo_get_stride(bo) * PROBE_SIZE;
			gbm_bo_destroy(bo);
			if (fd < 0) {
				why = "its read-write export failed";
			} else if (!dmabuf_maps_writable(fd, size)) {
				why = "its dma-buf does not map writable";
				err = errno;
			}
			if (fd >= 0) {
				close(fd);
			}
		}
	}
	if (why != NULL) {
		wlr_log(WLR_INFO, "iosurface: no GBM allocator: %s: %s", why, strerror(err));
		gbm_close(server);
		return;
	}
	server->allocators |= 1u << IOSURFACE_V1_ALLOCATOR_GBM;
	wlr_log(WLR_INFO, "iosurface: GBM allocation on %s", gbm_device_get_backend_name(server->gbm));
}
#endif

/* The module's own descriptor of the compositor's device (the same file, a new open). */
static int reopen_device(int fd) {
	char *name = drmGetDeviceNameFromFd2(fd);
	int own = -1;
	if (name != NULL) {
		own = open(name, O_RDWR | O_CLOEXEC);
		free(name);
	}
	if (own < 0) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		own = open(path, O_RDWR | O_CLOEXEC);
	}
	return own;
}

bool ios_alloc_init(struct ios_server *server) {
	server->allocators = 1u << IOSURFACE_V1_ALLOCATOR_MEMFD;
	server->udmabuf_fd = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	if (server->udmabuf_fd < 0) {
		wlr_log(WLR_INFO,
				"iosurface: no /dev/udmabuf (%s): memfd surfaces are composited, never scanned out",
				strerror(errno));
	}
	const char *path = server->options.drm_device;
	if (path != NULL && path[0] == '\0') {
		wlr_log(WLR_INFO, "iosurface: DRM allocation turned off; every surface uses memfd");
		return false;
	}
	if (path != NULL) {
		server->drm_fd = open(path, O_RDWR | O_CLOEXEC);
		if (server->drm_fd < 0) {
			wlr_log_errno(WLR_ERROR, "iosurface: cannot open %s; every surface uses memfd", path);
			return false;
		}
	} else if (server->options.drm_fd > 0) {
		server->drm_fd = reopen_device(server->options.drm_fd);
		if (server->drm_fd < 0) {
			wlr_log_errno(WLR_ERROR,
					"iosurface: cannot reopen the compositor's DRM device (descriptor %d); memfd only",
					server->options.drm_fd);
			return false;
		}
	} else {
		wlr_log(WLR_INFO,
				"iosurface: the compositor named no DRM device; every surface uses memfd");
		return false;
	}
	drmVersionPtr version = drmGetVersion(server->drm_fd);
	if (version == NULL) {
		wlr_log(WLR_ERROR, "iosurface: the DRM device given is not one; every surface uses memfd");
		close(server->drm_fd);
		server->drm_fd = -1;
		return false;
	}
	bool primary = drmGetNodeTypeFromFd(server->drm_fd) == DRM_NODE_PRIMARY;
	wlr_log(WLR_INFO, "iosurface: DRM device %s (%s node)", version->name,
			primary ? "primary" : "render");
	drmFreeVersion(version);
	// Dumb buffers are display buffers: only a primary node has them (a render node refuses
	// CREATE_DUMB), and only its own planes can be relied on to import them.
	if (primary && probe_dumb(server)) {
		server->allocators |= 1u << IOSURFACE_V1_ALLOCATOR_DUMB;
		wlr_log(WLR_INFO, "iosurface: dumb allocation for scanout usage");
	}
#if IOS_HAVE_GBM
	// GBM needs a render node: a device without one (vkms, a display-only card) has no GPU,
	// and Mesa would only make dumb buffers there, at the cost of loading a software driver
	// at every start (about a second in the test VM).
	char *render = drmGetRenderDeviceNameFromFd(server->drm_fd);
	if (render == NULL) {
		wlr_log(WLR_INFO, "iosurface: no GBM allocator: the DRM device has no render node");
	} else {
		free(render);
		struct wl_event_loop *loop = wl_display_get_event_loop(server->base.display);
		server->gbm_probe = wl_event_loop_add_idle(loop, probe_gbm, server);
		if (server->gbm_probe == NULL) {
			wlr_log(WLR_ERROR, "iosurface: cannot schedule the GBM probe; no GBM allocator");
		}
	}
#else
	wlr_log(WLR_INFO, "iosurface: built without GBM");
#endif
	return true;
}

void ios_alloc_finish(struct ios_server *server) {
#if IOS_HAVE_GBM
	if (server->gbm_probe != NULL) {
		wl_event_source_remove(server->gbm_probe);
		server->gbm_probe = NULL;
	}
	gbm_close(server);
#endif
	if (server->drm_fd >= 0) {
		close(server->drm_fd);
		server->drm_fd = -1;
	}
	if (server->udmabuf_fd >= 0) {
		close(server->udmabuf_fd);
		server->udmabuf_fd = -1;
	}
}

bool ios_alloc_surface(struct ios_server *server, struct ios_surface *surface) {
	surface->dmabuf_fd = -1;
	uint32_t gpu = IOSURFACE_PARAMS_V1_USAGE_GPU_READ | IOSURFACE_PARAMS_V1_USAGE_GPU_WRITE;
	bool wants_gpu = surface->usage & gpu;
	bool wants_scanout = surface->usage & IOSURFACE_PARAMS_V1_USAGE_SCANOUT;
	bool has_dumb = server->allocators & (1u << IOSURFACE_V1_ALLOCATOR_DUMB);
	bool has_gbm = server->allocators & (1u << IOSURFACE_V1_ALLOCATOR_GBM);
	// CPU-written scanout: a dumb buffer of the display; GPU use: GBM, else a dumb buffer
	// when it is also for scanout.
	if (wants_scanout && !wants_gpu && has_dumb && alloc_dumb(server, surface)) {
		return true;
	}
#if IOS_HAVE_GBM
	if (wants_gpu && has_gbm && alloc_gbm(server, surface)) {
		return true;
	}
#endif
	if (wants_gpu && wants_scanout && has_dumb && alloc_dumb(server, surface)) {
		return true;
	}
	if (wants_gpu && !has_gbm) {
		log_fallback(server, FALLBACK_NO_GBM, "GPU usage asked, no GBM allocator: memfd");
	} else if (wants_scanout && !has_dumb && !has_gbm) {
		log_fallback(server, FALLBACK_NO_DUMB, "scanout usage, no dumb or GBM allocator: memfd%s",
				server->udmabuf_fd >= 0 ? " (a dma-buf through udmabuf)" : "");
	}
	return alloc_memfd(surface);
}

int ios_udmabuf_create(struct ios_server *server, int memfd, size_t size) {
	struct udmabuf_create create = {
		.memfd = (uint32_t)memfd,
		.flags = UDMABUF_FLAGS_CLOEXEC,
		.offset = 0,
		.size = size,
	};
	return ioctl(server->udmabuf_fd, UDMABUF_CREATE, &create);
}

bool ios_alloc_get_dmabuf(struct ios_surface *surface, struct wlr_dmabuf_attributes *attribs) {
	int fd = surface->fd;
	if (surface->allocator == IOSURFACE_V1_ALLOCATOR_MEMFD) {
		struct ios_server *server = surface->server;
		// Emptied pages would be replaced by fresh ones in the memfd, not in the udmabuf,
		// which pins the old ones: a volatile surface is shown through its mapping only.
		if (server == NULL || surface->purgeable != IOSURFACE_V1_PURGEABLE_NON_VOLATILE ||
				surface->emptied) {
			return false;
		}
		if (server->udmabuf_fd < 0) {
			return false;
		}
		if (surface->dmabuf_fd < 0) {
			// Charged to the creator's process, with the surface's other descriptors.
			if (surface->account == NULL || ios_account_take_fds(surface->account, 1) != 0) {
				log_fallback(server, FALLBACK_UDMABUF, "no descriptor to spare for a udmabuf");
				return false;
			}
			surface->dmabuf_fd = ios_udmabuf_create(server, surface->fd,
					page_round(surface->layout.alloc_size));
			if (surface->dmabuf_fd < 0) {
				ios_account_release_fds(surface->account, 1);
				log_fallback(server, FALLBACK_UDMABUF,
						"UDMABUF_CREATE failed (%s): memfd surfaces are composited",
						strerror(errno));
				return false;
			}
			surface->fds++;
		}
		fd = surface->dmabuf_fd;
	}
	*attribs = (struct wlr_dmabuf_attributes){
		.width = (int32_t)surface->layout.width,
		.height = (int32_t)surface->layout.height,
		.format = surface->layout.format,
		.modifier = surface->allocator == IOSURFACE_V1_ALLOCATOR_MEMFD ? DRM_FORMAT_MOD_LINEAR :
				surface->modifier,
		.n_planes = 1,
	};
	attribs->offset[0] = surface->layout.offset;
	attribs->stride[0] = surface->layout.bytes_per_row;
	attribs->fd[0] = fd;
	return true;
}

void *ios_alloc_map(struct ios_surface *surface) {
	if (surface->map == NULL) {
		void *map = mmap(NULL, surface->layout.alloc_size, PROT_READ | PROT_WRITE, MAP_SHARED,
				surface->fd, 0);
		if (map == MAP_FAILED) {
			wlr_log_errno(WLR_ERROR, "iosurface: cannot map surface %u", surface->id);
			return NULL;
		}
		surface->map = map;
	}
	return surface->map;
}

static void dmabuf_sync(struct ios_surface *surface, uint64_t flags) {
	if (surface->allocator == IOSURFACE_V1_ALLOCATOR_MEMFD) {
		return;
	}
	struct dma_buf_sync sync = { .flags = flags | DMA_BUF_SYNC_READ };
	while (ioctl(surface->fd, DMA_BUF_IOCTL_SYNC, &sync) != 0 && errno == EINTR) {
	}
}

void ios_alloc_begin_access(struct ios_surface *surface) {
	dmabuf_sync(surface, DMA_BUF_SYNC_START);
}

void ios_alloc_end_access(struct ios_surface *surface) {
	dmabuf_sync(surface, DMA_BUF_SYNC_END);
}

void ios_alloc_free(struct ios_surface *surface) {
	if (surface->map != NULL) {
		munmap(surface->map, surface->layout.alloc_size);
	}
	if (surface->dmabuf_fd >= 0) {
		close(surface->dmabuf_fd);
	}
	if (surface->fd >= 0) {
		close(surface->fd);
	}
	if (surface->seed_fd >= 0) {
		close(surface->seed_fd);
	}
}
