#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <wlr/util/log.h>

#if IOS_HAVE_GBM
#include <gbm.h>
#endif

#include "server-private.h"

/*
 * Allocators. memfd is the default and works everywhere: a sealed memfd whose size no client
 * can change, so the compositor never faults on a mapping. Surfaces that ask for GPU or
 * scanout use get a GBM buffobject when a render node exists.
 */

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

#if IOS_HAVE_GBM
static int open_render_node(const char *path) {
	if (path != NULL) {
		return open(path, O_RDWR | O_CLOEXEC);
	}
	DIR *dir = opendir("/dev/dri");
	if (dir == NULL) {
		return -1;
	}
	int fd = -1;
	struct dirent *entry;
	while (fd < 0 && (entry = readdir(dir)) != NULL) {
		if (strncmp(entry->d_name, "renderD", 7) == 0) {
			char node[300];
			snprintf(node, sizeof(node), "/dev/dri/%s", entry->d_name);
			fd = open(node, O_RDWR | O_CLOEXEC);
		}
	}
	closedir(dir);
	return fd;
}

static bool alloc_gbm(struct ios_server *server, struct ios_surface *surface) {
	struct ios_layout *l = &surface->layout;
	const struct ios_format *fmt = ios_format_lookup(l->format);
	if (fmt == NULL || fmt->plane_count != 0 || l->offset != 0) {
		return false;
	}
	uint32_t flags = GBM_BO_USE_LINEAR | GBM_BO_USE_RENDERING;
	if (surface->usage & IOSURFACE_PARAMS_V1_USAGE_SCANOUT) {
		flags |= GBM_BO_USE_SCANOUT;
	}
	struct gbm_bo *bo = gbm_bo_create(server->gbm, l->width, l->height, l->format, flags);
	if (bo == NULL) {
		return false;
	}
	uint64_t stride = gbm_bo_get_stride(bo);
	uint64_t size = stride * l->height;
	int fd = gbm_bo_get_fd(bo);
	uint64_t modifier = gbm_bo_get_modifier(bo);
	gbm_bo_destroy(bo);
	if (fd < 0 || size > server->limits.max_alloc_size) {
		if (fd >= 0) {
			close(fd);
		}
		return false;
	}
	surface->seed_fd = ios_memfd_create_sealed("iosurface-seed", IOS_PAGE_SIZE, false, NULL);
	if (surface->seed_fd < 0) {
		close(fd);
		return false;
	}
	// The buffer object's own stride wins over the computed one.
	l->bytes_per_row = (uint32_t)stride;
	l->alloc_size = (uint32_t)size;
	surface->fd = fd;
	surface->mem_size = (uint32_t)size;
	surface->modifier = modifier;
	surface->seed_offset = 0;
	surface->allocator = IOSURFACE_V1_ALLOCATOR_GBM;
	return true;
}
#endif

bool ios_alloc_init(struct ios_server *server) {
	server->allocators = 1u << IOSURFACE_V1_ALLOCATOR_MEMFD;
	const char *path = server->options.drm_device;
	if (path != NULL && path[0] == '\0') {
		return false;
	}
#if IOS_HAVE_GBM
	server->drm_fd = open_render_node(path);
	if (server->drm_fd < 0) {
		wlr_log(WLR_INFO,
				"iosurface: no DRM render node (%s); surfaces with GPU or scanout "
				"usage fall back to memfd",
				path != NULL ? path : "/dev/dri/renderD*");
		return false;
	}
	server->gbm = gbm_create_device(server->drm_fd);
	if (server->gbm == NULL) {
		wlr_log(WLR_ERROR, "iosurface: cannot create a GBM device; using memfd only");
		close(server->drm_fd);
		server->drm_fd = -1;
		return false;
	}
	server->allocators |= 1u << IOSURFACE_V1_ALLOCATOR_GBM;
	wlr_log(WLR_INFO, "iosurface: GBM allocation on %s", gbm_device_get_backend_name(server->gbm));
	return true;
#else
	wlr_log(WLR_INFO, "iosurface: built without GBM; every surface uses memfd");
	return false;
#endif
}

void ios_alloc_finish(struct ios_server *server) {
#if IOS_HAVE_GBM
	if (server->gbm != NULL) {
		gbm_device_destroy(server->gbm);
		server->gbm = NULL;
	}
#endif
	if (server->drm_fd >= 0) {
		close(server->drm_fd);
		server->drm_fd = -1;
	}
}

bool ios_alloc_surface(struct ios_server *server, struct ios_surface *surface) {
#if IOS_HAVE_GBM
	uint32_t gpu = IOSURFACE_PARAMS_V1_USAGE_GPU_READ | IOSURFACE_PARAMS_V1_USAGE_GPU_WRITE |
			IOSURFACE_PARAMS_V1_USAGE_SCANOUT;
	if (server->gbm != NULL && (surface->usage & gpu) && alloc_gbm(server, surface)) {
		return true;
	}
#endif
	return alloc_memfd(surface);
}

void ios_alloc_free(struct ios_surface *surface) {
	if (surface->map != NULL) {
		munmap(surface->map, surface->layout.alloc_size);
	}
	if (surface->fd >= 0) {
		close(surface->fd);
	}
	if (surface->seed_fd >= 0) {
		close(surface->seed_fd);
	}
}
