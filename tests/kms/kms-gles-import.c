/*
 * A GLES2 client importing an iosurface's memory as an EGLImage, with no copy. Run inside the
 * VM of tests/kms/run-vm.sh, beside a compositor, on the Mesa of the userland it was built for.
 *
 *   kms-gles-import --card PATH [--usage cpu|scanout]
 *
 * Creates a 256x256 XRGB8888 iosurface and fills a pattern from the CPU. Its memory becomes a
 * dma-buf: a dumb buffer already is one; a memfd (opened again through /proc/self/map_files, as
 * the library keeps no descriptor of it) goes through /dev/udmabuf (the library seals it against
 * shrinking, which udmabuf needs). EGL on a GBM device of the card (Mesa's driver for
 * it: kms_swrast where the card has no 3D) imports that dma-buf with EGL_EXT_image_dma_buf_import
 * as a texture, attached to a framebuffer object; glReadPixels must give the pattern. Then GL
 * clears a rectangle of it, and the CPU must see that rectangle in the surface's memory: both
 * sides work on the same pages. Prints what it did; exit 0 when every pixel is right, 1 when
 * one is not or a step failed (the step and its EGL or GL error named), 77 when the card or the
 * EGL display offers no dma-buf import (said why).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <GLES2/gl2.h>
#include <GLES2/gl2ext.h>
#include <drm_fourcc.h>
#include <gbm.h>
#include <linux/udmabuf.h>
#include <wayland-client.h>

#include <iosurface/iosurface.h>

#include "client-private.h"

#define SIZE 256
#define SKIP 77

static uint32_t pattern_pixel(uint32_t x, uint32_t y) {
	uint32_t r = (x * 7 + 31) & 0xff;
	uint32_t g = (y * 5 + 17) & 0xff;
	uint32_t b = ((x ^ y) + 11) & 0xff;
	return 0xff000000u | r << 16 | g << 8 | b;
}

static bool has_extension(const char *list, const char *name) {
	size_t len = strlen(name);
	for (const char *p = list; p != NULL && (p = strstr(p, name)) != NULL; p += len) {
		if ((p == list || p[-1] == ' ') && (p[len] == ' ' || p[len] == '\0')) {
			return true;
		}
	}
	return false;
}

/*
 * The memfd behind a mapping of this process: the library keeps no descriptor of a memfd
 * surface once it is mapped, so the test opens it again through /proc/self/map_files (root).
 */
static int memfd_of_mapping(const void *start) {
	FILE *maps = fopen("/proc/self/maps", "re");
	if (maps == NULL) {
		return -1;
	}
	char line[512];
	int fd = -1;
	while (fgets(line, sizeof(line), maps) != NULL) {
		unsigned long lo, hi;
		if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && lo == (unsigned long)start) {
			char path[96];
			snprintf(path, sizeof(path), "/proc/self/map_files/%lx-%lx", lo, hi);
			fd = open(path, O_RDWR | O_CLOEXEC);
			if (fd < 0) {
				printf("FAIL open %s: %s\n", path, strerror(errno));
			}
			break;
		}
	}
	fclose(maps);
	return fd;
}

/* The surface's memory as a dma-buf: its own descriptor, or one made by udmabuf from its memfd. */
static int surface_dmabuf(struct iosurface *s) {
	if (s->allocator != IOSURFACE_ALLOCATOR_MEMFD) {
		if (s->dmabuf_fd < 0) {
			printf("FAIL the %s surface keeps no dma-buf\n", "dumb or GBM");
			return -1;
		}
		return fcntl(s->dmabuf_fd, F_DUPFD_CLOEXEC, 0);
	}
	int memfd = memfd_of_mapping(s->map[0]);
	if (memfd < 0) {
		printf("FAIL no memfd behind the surface's mapping %p\n", s->map[0]);
		return -1;
	}
	struct stat st;
	fstat(memfd, &st);
	int dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		printf("SKIP no /dev/udmabuf (%s): a memfd surface has no dma-buf here\n",
				strerror(errno));
		exit(SKIP);
	}
	struct udmabuf_create create = {
		.memfd = (uint32_t)memfd,
		.flags = UDMABUF_FLAGS_CLOEXEC,
		.offset = 0,
		.size = (uint64_t)st.st_size,
	};
	int fd = ioctl(dev, UDMABUF_CREATE, &create);
	if (fd < 0) {
		printf("FAIL UDMABUF_CREATE on the surface's memfd (%lld bytes): %s\n",
				(long long)st.st_size, strerror(errno));
	}
	close(dev);
	close(memfd);
	return fd;
}

int main(int argc, char *argv[]) {
	setvbuf(stdout, NULL, _IOLBF, 0);
	const char *card = NULL;
	uint32_t usage = IOSURFACE_USAGE_CPU_WRITE | IOSURFACE_USAGE_CPU_READ;
	static const struct option long_options[] = {
		{ "card", required_argument, NULL, 'c' },
		{ "usage", required_argument, NULL, 'u' },
		{ 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
		switch (c) {
		case 'c':
			card = optarg;
			break;
		case 'u':
			if (strcmp(optarg, "scanout") == 0) {
				usage |= IOSURFACE_USAGE_SCANOUT;
			} else if (strcmp(optarg, "cpu") != 0) {
				fprintf(stderr, "kms-gles-import: --usage takes cpu or scanout\n");
				return 2;
			}
			break;
		default:
			return 2;
		}
	}
	if (card == NULL) {
		fprintf(stderr, "usage: kms-gles-import --card PATH [--usage cpu|scanout]\n");
		return 2;
	}

	// EGL on a GBM device of the card.
	int card_fd = open(card, O_RDWR | O_CLOEXEC);
	if (card_fd < 0) {
		printf("FAIL open %s: %s\n", card, strerror(errno));
		return 1;
	}
	struct gbm_device *gbm = gbm_create_device(card_fd);
	if (gbm == NULL) {
		printf("FAIL gbm_create_device(%s)\n", card);
		return 1;
	}
	printf("gbm: backend %s\n", gbm_device_get_backend_name(gbm));
	PFNEGLGETPLATFORMDISPLAYEXTPROC get_platform_display =
			(PFNEGLGETPLATFORMDISPLAYEXTPROC)eglGetProcAddress("eglGetPlatformDisplayEXT");
	if (get_platform_display == NULL) {
		printf("FAIL no eglGetPlatformDisplayEXT\n");
		return 1;
	}
	EGLDisplay dpy = get_platform_display(EGL_PLATFORM_GBM_KHR, gbm, NULL);
	EGLint major, minor;
	if (dpy == EGL_NO_DISPLAY || !eglInitialize(dpy, &major, &minor)) {
		printf("FAIL eglInitialize on GBM of %s: EGL error %#x\n", card, eglGetError());
		return 1;
	}
	const char *extensions = eglQueryString(dpy, EGL_EXTENSIONS);
	printf("egl: %d.%d, vendor %s\n", major, minor, eglQueryString(dpy, EGL_VENDOR));
	if (!has_extension(extensions, "EGL_EXT_image_dma_buf_import")) {
		printf("SKIP the EGL display of %s has no EGL_EXT_image_dma_buf_import\n", card);
		return SKIP;
	}
	if (!has_extension(extensions, "EGL_KHR_surfaceless_context")) {
		printf("SKIP the EGL display of %s has no EGL_KHR_surfaceless_context\n", card);
		return SKIP;
	}
	eglBindAPI(EGL_OPENGL_ES_API);
	static const EGLint context_attribs[] = { EGL_CONTEXT_CLIENT_VERSION, 2, EGL_NONE };
	EGLContext ctx = eglCreateContext(dpy, EGL_NO_CONFIG_KHR, EGL_NO_CONTEXT, context_attribs);
	if (ctx == EGL_NO_CONTEXT || !eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, ctx)) {
		printf("FAIL a GLES2 context: EGL error %#x\n", eglGetError());
		return 1;
	}
	printf("gl: %s, %s\n", glGetString(GL_RENDERER), glGetString(GL_VERSION));
	PFNEGLCREATEIMAGEKHRPROC create_image =
			(PFNEGLCREATEIMAGEKHRPROC)eglGetProcAddress("eglCreateImageKHR");
	PFNEGLDESTROYIMAGEKHRPROC destroy_image =
			(PFNEGLDESTROYIMAGEKHRPROC)eglGetProcAddress("eglDestroyImageKHR");
	PFNGLEGLIMAGETARGETTEXTURE2DOESPROC image_target_texture =
			(PFNGLEGLIMAGETARGETTEXTURE2DOESPROC)eglGetProcAddress("glEGLImageTargetTexture2DOES");
	if (create_image == NULL || destroy_image == NULL || image_target_texture == NULL) {
		printf("FAIL no eglCreateImageKHR or glEGLImageTargetTexture2DOES\n");
		return 1;
	}

	// The iosurface, filled from the CPU.
	struct wl_display *display = wl_display_connect(NULL);
	if (display == NULL) {
		printf("FAIL no Wayland display\n");
		return 1;
	}
	struct iosurface_client *client = iosurface_client_create(display);
	if (client == NULL) {
		printf("FAIL iosurface_client_create\n");
		return 1;
	}
	struct iosurface_properties props = {
		.width = SIZE,
		.height = SIZE,
		.pixel_format = DRM_FORMAT_XRGB8888,
		.usage = usage,
	};
	struct iosurface *s = iosurface_create(client, &props);
	if (s == NULL) {
		printf("FAIL iosurface_create: %s\n", strerror(errno));
		return 1;
	}
	static const char *const allocators[] = { "memfd", "gbm", "dumb" };
	size_t stride = iosurface_get_bytes_per_row(s);
	printf("surface: id %u, %dx%d, allocator %s, %zu bytes per row\n", iosurface_get_id(s),
			SIZE, SIZE, s->allocator < 3 ? allocators[s->allocator] : "?", stride);
	if (iosurface_lock(s, 0, NULL) != 0) {
		printf("FAIL iosurface_lock\n");
		return 1;
	}
	uint8_t *base = iosurface_get_base_address(s);
	for (uint32_t y = 0; y < SIZE; y++) {
		for (uint32_t x = 0; x < SIZE; x++) {
			((uint32_t *)(base + y * stride))[x] = pattern_pixel(x, y);
		}
	}
	iosurface_unlock(s, 0, NULL);

	// Its memory as an EGLImage, a texture, the colour of a framebuffer object.
	int dmabuf = surface_dmabuf(s);
	if (dmabuf < 0) {
		return 1;
	}
	const EGLint image_attribs[] = {
		EGL_WIDTH, SIZE,
		EGL_HEIGHT, SIZE,
		EGL_LINUX_DRM_FOURCC_EXT, DRM_FORMAT_XRGB8888,
		EGL_DMA_BUF_PLANE0_FD_EXT, dmabuf,
		EGL_DMA_BUF_PLANE0_OFFSET_EXT, (EGLint)s->offset,
		EGL_DMA_BUF_PLANE0_PITCH_EXT, (EGLint)stride,
		EGL_NONE,
	};
	EGLImageKHR image = create_image(dpy, EGL_NO_CONTEXT, EGL_LINUX_DMA_BUF_EXT, NULL,
			image_attribs);
	if (image == EGL_NO_IMAGE_KHR) {
		printf("FAIL eglCreateImageKHR(EGL_LINUX_DMA_BUF_EXT) of the surface: EGL error %#x\n",
				eglGetError());
		return 1;
	}
	printf("egl: imported the surface's dma-buf as an EGLImage\n");
	GLuint tex, fbo;
	glGenTextures(1, &tex);
	glBindTexture(GL_TEXTURE_2D, tex);
	image_target_texture(GL_TEXTURE_2D, image);
	glGenFramebuffers(1, &fbo);
	glBindFramebuffer(GL_FRAMEBUFFER, fbo);
	glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, tex, 0);
	GLenum fb_status = glCheckFramebufferStatus(GL_FRAMEBUFFER);
	if (fb_status != GL_FRAMEBUFFER_COMPLETE) {
		printf("FAIL the EGLImage's texture as a framebuffer: status %#x, GL error %#x\n",
				fb_status, glGetError());
		return 1;
	}

	// GL reads the CPU's pattern.
	uint8_t *pixels = malloc((size_t)SIZE * SIZE * 4);
	if (pixels == NULL) {
		return 1;
	}
	glReadPixels(0, 0, SIZE, SIZE, GL_RGBA, GL_UNSIGNED_BYTE, pixels);
	uint64_t wrong = 0;
	for (uint32_t y = 0; y < SIZE; y++) {
		for (uint32_t x = 0; x < SIZE; x++) {
			const uint8_t *p = pixels + ((size_t)y * SIZE + x) * 4;
			uint32_t want = pattern_pixel(x, y);
			wrong += p[0] != ((want >> 16) & 0xff) || p[1] != ((want >> 8) & 0xff) ||
					p[2] != (want & 0xff);
		}
	}
	printf("%s gl reads the CPU's pattern: %" PRIu64 " of %d pixels wrong (GL error %#x)\n",
			wrong == 0 ? "PASS" : "FAIL", wrong, SIZE * SIZE, glGetError());
	int failures = wrong != 0;

	// The CPU reads what GL wrote: a rectangle cleared to pure green.
	glEnable(GL_SCISSOR_TEST);
	glScissor(16, 32, 64, 48);
	glClearColor(0.0f, 1.0f, 0.0f, 1.0f);
	glClear(GL_COLOR_BUFFER_BIT);
	glFinish();
	iosurface_lock(s, IOSURFACE_LOCK_READ_ONLY, NULL);
	wrong = 0;
	for (uint32_t y = 0; y < SIZE; y++) {
		for (uint32_t x = 0; x < SIZE; x++) {
			bool inside = x >= 16 && x < 80 && y >= 32 && y < 80;
			uint32_t want = inside ? 0x00ff00 : pattern_pixel(x, y) & 0xffffff;
			wrong += (((uint32_t *)(base + y * stride))[x] & 0xffffff) != want;
		}
	}
	iosurface_unlock(s, IOSURFACE_LOCK_READ_ONLY, NULL);
	printf("%s the CPU reads what GL wrote: %" PRIu64 " of %d pixels wrong\n",
			wrong == 0 ? "PASS" : "FAIL", wrong, SIZE * SIZE);
	failures += wrong != 0;

	free(pixels);
	glDeleteFramebuffers(1, &fbo);
	glDeleteTextures(1, &tex);
	destroy_image(dpy, image);
	close(dmabuf);
	eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
	eglDestroyContext(dpy, ctx);
	eglTerminate(dpy);
	gbm_device_destroy(gbm);
	close(card_fd);
	iosurface_unref(s);
	iosurface_client_destroy(client);
	wl_display_disconnect(display);
	return failures == 0 ? 0 : 1;
}
