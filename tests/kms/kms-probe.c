/*
 * What is on a KMS device's primary plane, seen from the kernel's side. Run inside the VM of
 * tests/kms/run-vm.sh, beside a compositor on the DRM backend.
 *
 *   kms-probe info
 *       one line per DRM card: driver, PRIME import/export, connected connectors and modes.
 *   kms-probe show --card PATH [--usage cpu|scanout] [--expect direct|composited] [--crc DIR]
 *       a Wayland client: shows a fullscreen iosurface with a known pattern, then reads the
 *       primary plane's framebuffer (DRM GETFB2, exported and mapped), counts the pixels that
 *       differ from the pattern, and reads the CRC vkms computed of the composed frame (DIR:
 *       /sys/kernel/debug/dri/N/crtc-0) against the CRC of the pattern. Then it writes a
 *       second pattern into the surface's memory with no commit: if the plane scans the
 *       surface's own pages, the framebuffer and the CRC follow; if the compositor composited
 *       the surface into a buffer of its own, they keep the first pattern. --expect says which
 *       one must be seen; exit 0 when it is and every pixel is right, 1 otherwise.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include <iosurface/iosurface.h>

#include "harness.h"
#include "window.h"

#ifdef NDEBUG
#error "kms-probe is a test program: build it without NDEBUG"
#endif

static void sleep_ms(int ms) {
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* The pattern: every pixel a function of its position and a seed, opaque XRGB8888. */
static uint32_t pattern_pixel(uint32_t x, uint32_t y, uint32_t seed) {
	uint32_t r = (x * 7 + seed * 31) & 0xff;
	uint32_t g = (y * 5 + seed * 17) & 0xff;
	uint32_t b = ((x ^ y) + seed * 11) & 0xff;
	return 0xff000000u | r << 16 | g << 8 | b;
}

static void pattern_fill(void *base, size_t stride, uint32_t w, uint32_t h, uint32_t seed) {
	for (uint32_t y = 0; y < h; y++) {
		uint32_t *row = (uint32_t *)((uint8_t *)base + y * stride);
		for (uint32_t x = 0; x < w; x++) {
			row[x] = pattern_pixel(x, y, seed);
		}
	}
}

/*
 * The kernel's crc32_le: reflected polynomial 0xedb88320, no inversion before or after. vkms
 * runs it over each row of the composed frame, as 16-bit A, R, G, B per pixel (an 8-bit
 * channel c becomes c * 257; X is opaque).
 */
static uint32_t crc32_le(uint32_t crc, const uint8_t *p, size_t len) {
	static uint32_t table[256];
	if (table[1] == 0) {
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;
			for (int k = 0; k < 8; k++) {
				c = (c & 1) ? (c >> 1) ^ 0xedb88320u : c >> 1;
			}
			table[i] = c;
		}
	}
	while (len-- > 0) {
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	}
	return crc;
}

static uint32_t pattern_vkms_crc(uint32_t w, uint32_t h, uint32_t seed) {
	uint16_t *row = calloc(w, 4 * sizeof(uint16_t));
	CHECK_NOT_NULL(row);
	uint32_t crc = 0;
	for (uint32_t y = 0; y < h; y++) {
		for (uint32_t x = 0; x < w; x++) {
			uint32_t p = pattern_pixel(x, y, seed);
			row[4 * x + 0] = 0xffff;
			row[4 * x + 1] = (uint16_t)(((p >> 16) & 0xff) * 257);
			row[4 * x + 2] = (uint16_t)(((p >> 8) & 0xff) * 257);
			row[4 * x + 3] = (uint16_t)((p & 0xff) * 257);
		}
		// Little-endian, as the kernel's u16s lie in memory on x86.
		crc = crc32_le(crc, (const uint8_t *)row, (size_t)w * 8);
	}
	free(row);
	return crc;
}

static int cmd_info(void) {
	DIR *dir = opendir("/dev/dri");
	if (dir == NULL) {
		printf("info: no /dev/dri: %s\n", strerror(errno));
		return 1;
	}
	struct dirent *entry;
	while ((entry = readdir(dir)) != NULL) {
		if (strncmp(entry->d_name, "card", 4) != 0) {
			continue;
		}
		char path[300];
		snprintf(path, sizeof(path), "/dev/dri/%s", entry->d_name);
		int fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			printf("card %s: open: %s\n", path, strerror(errno));
			continue;
		}
		drmVersionPtr v = drmGetVersion(fd);
		uint64_t prime = 0, dumb = 0;
		drmGetCap(fd, DRM_CAP_PRIME, &prime);
		drmGetCap(fd, DRM_CAP_DUMB_BUFFER, &dumb);
		printf("card %s: driver=%s prime-import=%d prime-export=%d dumb=%d", path,
				v != NULL ? v->name : "?", !!(prime & DRM_PRIME_CAP_IMPORT),
				!!(prime & DRM_PRIME_CAP_EXPORT), (int)dumb);
		drmFreeVersion(v);
		drmModeResPtr res = drmModeGetResources(fd);
		for (int i = 0; res != NULL && i < res->count_connectors; i++) {
			drmModeConnectorPtr conn = drmModeGetConnector(fd, res->connectors[i]);
			if (conn != NULL && conn->connection == DRM_MODE_CONNECTED && conn->count_modes > 0) {
				printf(" connector=%u:%ux%u", conn->connector_id, conn->modes[0].hdisplay,
						conn->modes[0].vdisplay);
			}
			drmModeFreeConnector(conn);
		}
		drmModeFreeResources(res);
		printf("\n");
		close(fd);
	}
	closedir(dir);
	return 0;
}

struct plane_fb {
	uint32_t fb_id, width, height, format, pitch, handle;
	uint64_t modifier;
	char exporter[64];
	ino_t inode;
	uint8_t *map;
	size_t size;
	int dmabuf;
};

static uint32_t plane_type(int fd, uint32_t plane_id) {
	drmModeObjectPropertiesPtr props = drmModeObjectGetProperties(fd, plane_id,
			DRM_MODE_OBJECT_PLANE);
	uint32_t type = UINT32_MAX;
	for (uint32_t i = 0; props != NULL && i < props->count_props; i++) {
		drmModePropertyPtr prop = drmModeGetProperty(fd, props->props[i]);
		if (prop != NULL && strcmp(prop->name, "type") == 0) {
			type = (uint32_t)props->prop_values[i];
		}
		drmModeFreeProperty(prop);
	}
	drmModeFreeObjectProperties(props);
	return type;
}

static void read_exporter(int dmabuf, char *name, size_t size) {
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", dmabuf);
	snprintf(name, size, "?");
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		return;
	}
	char line[256];
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "exp_name: %63s", name) == 1) {
			break;
		}
	}
	fclose(f);
}

/* The framebuffer on the primary plane, mapped for reading; false when there is none. */
static bool plane_fb_get(int fd, struct plane_fb *out) {
	memset(out, 0, sizeof(*out));
	out->dmabuf = -1;
	drmSetClientCap(fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1);
	drmModePlaneResPtr planes = drmModeGetPlaneResources(fd);
	CHECK_NOT_NULL(planes);
	for (uint32_t i = 0; i < planes->count_planes && out->fb_id == 0; i++) {
		drmModePlanePtr plane = drmModeGetPlane(fd, planes->planes[i]);
		if (plane != NULL && plane->fb_id != 0 &&
				plane_type(fd, plane->plane_id) == DRM_PLANE_TYPE_PRIMARY) {
			out->fb_id = plane->fb_id;
		}
		drmModeFreePlane(plane);
	}
	drmModeFreePlaneResources(planes);
	if (out->fb_id == 0) {
		return false;
	}
	drmModeFB2Ptr fb = drmModeGetFB2(fd, out->fb_id);
	if (fb == NULL) {
		printf("GETFB2 %u: %s\n", out->fb_id, strerror(errno));
		return false;
	}
	out->width = fb->width;
	out->height = fb->height;
	out->format = fb->pixel_format;
	out->pitch = fb->pitches[0];
	out->handle = fb->handles[0];
	out->modifier = fb->modifier;
	drmModeFreeFB2(fb);
	if (out->handle == 0) {
		printf("GETFB2 %u gave no handle (not root?)\n", out->fb_id);
		return false;
	}
	// An imported buffer exports as the dma-buf it came from: its exporter and inode name it.
	if (drmPrimeHandleToFD(fd, out->handle, DRM_CLOEXEC, &out->dmabuf) != 0) {
		printf("PRIME export of the plane's buffer: %s\n", strerror(errno));
		return false;
	}
	struct stat st;
	fstat(out->dmabuf, &st);
	out->inode = st.st_ino;
	read_exporter(out->dmabuf, out->exporter, sizeof(out->exporter));
	out->size = (size_t)out->pitch * out->height;
	void *map = mmap(NULL, out->size, PROT_READ, MAP_SHARED, out->dmabuf, 0);
	if (map == MAP_FAILED) {
		// Some exporters refuse mmap of the dma-buf; the driver's dumb mapping still works.
		struct drm_mode_map_dumb req = { .handle = out->handle };
		if (drmIoctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &req) == 0) {
			map = mmap(NULL, out->size, PROT_READ, MAP_SHARED, fd, (off_t)req.offset);
		}
	}
	if (map == MAP_FAILED) {
		printf("cannot map the plane's buffer: %s\n", strerror(errno));
		return false;
	}
	out->map = map;
	return true;
}

static void plane_fb_finish(int fd, struct plane_fb *fb) {
	if (fb->map != NULL) {
		munmap(fb->map, fb->size);
	}
	if (fb->dmabuf >= 0) {
		close(fb->dmabuf);
	}
	if (fb->handle != 0) {
		drmCloseBufferHandle(fd, fb->handle);
	}
}

/* Pixels of the plane's buffer that differ from the pattern (X ignored), over w x h. */
static uint64_t plane_fb_wrong(const struct plane_fb *fb, uint32_t w, uint32_t h, uint32_t seed) {
	uint64_t wrong = 0;
	for (uint32_t y = 0; y < h && y < fb->height; y++) {
		const uint32_t *row = (const uint32_t *)(fb->map + (size_t)y * fb->pitch);
		for (uint32_t x = 0; x < w && x < fb->width; x++) {
			if ((row[x] & 0xffffff) != (pattern_pixel(x, y, seed) & 0xffffff)) {
				wrong++;
			}
		}
	}
	return wrong + (uint64_t)w * h -
			(uint64_t)(w < fb->width ? w : fb->width) * (h < fb->height ? h : fb->height);
}

/*
 * The newest CRC vkms computed, after `frames` new ones; false if none came in time. The data
 * file gives one "frame crc" line per read, one per vblank, from when it is opened.
 */
static bool crc_read(const char *dir, int frames, uint32_t *crc) {
	char path[512];
	snprintf(path, sizeof(path), "%s/crc/control", dir);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "auto", 4) != 4) {
		printf("crc: %s: %s\n", path, strerror(errno));
		if (fd >= 0) {
			close(fd);
		}
		return false;
	}
	close(fd);
	snprintf(path, sizeof(path), "%s/crc/data", dir);
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		printf("crc: %s: %s\n", path, strerror(errno));
		return false;
	}
	int got = 0;
	int64_t deadline = harness_now_ms() + harness_scale_timeout(5000);
	while (got < frames) {
		int64_t left = deadline - harness_now_ms();
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0) {
			printf("crc: %d of %d CRCs in %d ms\n", got, frames, harness_scale_timeout(5000));
			break;
		}
		char line[128];
		ssize_t n = read(fd, line, sizeof(line) - 1);
		if (n <= 0) {
			if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
				continue;
			}
			printf("crc: read %s: %s\n", path, n < 0 ? strerror(errno) : "end of file");
			break;
		}
		// "0x%08x 0x%08x\n" (frame, crc), or XXXXXXXXXX for a frame with no counter.
		line[n] = '\0';
		unsigned int value;
		if (n > 11 && sscanf(line + 10, " %x", &value) == 1) {
			*crc = value;
			got++;
		}
	}
	close(fd);
	return got == frames;
}

static int cmd_show(int argc, char *argv[]) {
	const char *card = NULL, *crc_dir = NULL, *expect = NULL;
	uint32_t usage = IOSURFACE_USAGE_CPU_WRITE | IOSURFACE_USAGE_CPU_READ;
	static const struct option long_options[] = {
		{ "card", required_argument, NULL, 'c' },
		{ "usage", required_argument, NULL, 'u' },
		{ "expect", required_argument, NULL, 'e' },
		{ "crc", required_argument, NULL, 'r' },
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
			} else if (strcmp(optarg, "gpu") == 0) {
				usage |= IOSURFACE_USAGE_GPU_READ;
			} else if (strcmp(optarg, "cpu") != 0) {
				fprintf(stderr, "kms-probe: --usage takes cpu, scanout or gpu\n");
				return 2;
			}
			break;
		case 'e':
			expect = optarg;
			break;
		case 'r':
			crc_dir = optarg;
			break;
		default:
			return 2;
		}
	}
	if (card == NULL || (expect != NULL && strcmp(expect, "direct") != 0 &&
			strcmp(expect, "composited") != 0)) {
		fprintf(stderr, "kms-probe show: --card PATH needed; --expect direct|composited\n");
		return 2;
	}
	int fd = open(card, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		printf("FAIL show: open %s: %s\n", card, strerror(errno));
		return 1;
	}

	struct window w;
	window_init(&w, true);
	window_wait_configure(&w);
	if (w.width <= 0 || w.height <= 0) {
		printf("FAIL show: the fullscreen configure gave %dx%d\n", w.width, w.height);
		return 1;
	}
	uint32_t width = (uint32_t)w.width, height = (uint32_t)w.height;
	struct iosurface_client *client = iosurface_client_create(w.display);
	CHECK_NOT_NULL(client);
	struct iosurface_properties props = {
		.width = width,
		.height = height,
		.pixel_format = DRM_FORMAT_XRGB8888,
		.usage = usage,
	};
	struct iosurface *s = iosurface_create(client, &props);
	if (s == NULL) {
		printf("FAIL show: iosurface_create %ux%u usage %#x: %s\n", width, height, usage,
				strerror(errno));
		return 1;
	}
	static const char *const allocators[] = { "memfd", "gbm", "dumb" };
	enum iosurface_allocator allocator = iosurface_get_allocator(s);
	printf("surface: id %u, %ux%u, allocator %s, usage %#x\n", iosurface_get_id(s), width, height,
			allocator < 3 ? allocators[allocator] : "?", usage);
	CHECK_EQ(iosurface_lock(s, 0, NULL), 0);
	pattern_fill(iosurface_get_base_address(s), iosurface_get_bytes_per_row(s), width, height, 1);
	CHECK_EQ(iosurface_unlock(s, 0, NULL), 0);
	struct wl_buffer *buffer = iosurface_create_wl_buffer(s);
	CHECK_NOT_NULL(buffer);
	window_show(&w, buffer);
	// A second frame: the first commit may still carry the window's old state.
	window_show(&w, buffer);
	sleep_ms(harness_scale_timeout(200));

	int failures = 0;
	struct plane_fb fb;
	if (!plane_fb_get(fd, &fb)) {
		printf("FAIL show: no framebuffer on the primary plane of %s\n", card);
		return 1;
	}
	uint64_t wrong = plane_fb_wrong(&fb, width, height, 1);
	printf("plane: fb %u, %ux%u, format %.4s, pitch %u, modifier %#" PRIx64
			", exporter %s, inode %lu\n",
			fb.fb_id, fb.width, fb.height, (const char *)&fb.format, fb.pitch, fb.modifier,
			fb.exporter, (unsigned long)fb.inode);
	printf("%s pixels: %" PRIu64 " of %" PRIu64 " wrong\n", wrong == 0 ? "PASS" : "FAIL", wrong,
			(uint64_t)width * height);
	failures += wrong != 0;
	uint32_t crc = 0;
	if (crc_dir != NULL) {
		uint32_t want = pattern_vkms_crc(width, height, 1);
		if (!crc_read(crc_dir, 3, &crc)) {
			printf("FAIL crc: cannot read %s/crc/data\n", crc_dir);
			failures++;
		} else {
			printf("%s crc: vkms %08x, pattern %08x\n", crc == want ? "PASS" : "FAIL", crc, want);
			failures += crc != want;
		}
	}
	plane_fb_finish(fd, &fb);

	// The second pattern, written into the surface's memory with no commit.
	CHECK_EQ(iosurface_lock(s, 0, NULL), 0);
	pattern_fill(iosurface_get_base_address(s), iosurface_get_bytes_per_row(s), width, height, 2);
	CHECK_EQ(iosurface_unlock(s, 0, NULL), 0);
	sleep_ms(harness_scale_timeout(200));
	bool followed;
	if (!plane_fb_get(fd, &fb)) {
		printf("FAIL show: the primary plane lost its framebuffer\n");
		return 1;
	}
	uint64_t wrong2 = plane_fb_wrong(&fb, width, height, 2);
	uint64_t wrong1 = plane_fb_wrong(&fb, width, height, 1);
	followed = wrong2 == 0;
	printf("after a write with no commit: the plane has the %s pattern (%" PRIu64
			" pixels off the new one, %" PRIu64 " off the old)\n",
			followed ? "new" : wrong1 == 0 ? "old" : "neither", wrong2, wrong1);
	plane_fb_finish(fd, &fb);
	if (crc_dir != NULL) {
		uint32_t want = pattern_vkms_crc(width, height, followed ? 2 : 1);
		uint32_t crc2 = 0;
		if (!crc_read(crc_dir, 3, &crc2)) {
			printf("FAIL crc: cannot read %s/crc/data\n", crc_dir);
			failures++;
		} else {
			printf("%s crc after the write: vkms %08x, %s pattern %08x\n",
					crc2 == want ? "PASS" : "FAIL", crc2, followed ? "new" : "old", want);
			failures += crc2 != want;
		}
	}
	const char *seen = followed ? "direct" : wrong1 == 0 ? "composited" : "unknown";
	if (expect != NULL) {
		bool ok = strcmp(expect, seen) == 0;
		printf("%s scanout: %s, expected %s\n", ok ? "PASS" : "FAIL", seen, expect);
		failures += !ok;
	} else {
		printf("scanout: %s\n", seen);
	}

	wl_buffer_destroy(buffer);
	iosurface_unref(s);
	iosurface_client_destroy(client);
	window_finish(&w);
	close(fd);
	return failures == 0 ? 0 : 1;
}

int main(int argc, char *argv[]) {
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && strcmp(argv[1], "info") == 0) {
		return cmd_info();
	}
	if (argc == 3 && strcmp(argv[1], "crc") == 0) {
		uint32_t crc = 0;
		bool ok = crc_read(argv[2], 3, &crc);
		printf("crc: %s %08x\n", ok ? "read" : "none", crc);
		return ok ? 0 : 1;
	}
	if (argc >= 2 && strcmp(argv[1], "show") == 0) {
		return cmd_show(argc - 1, argv + 1);
	}
	fprintf(stderr, "usage: kms-probe info | kms-probe show --card PATH [--usage cpu|scanout]\n"
			"       [--expect direct|composited] [--crc /sys/kernel/debug/dri/N/crtc-0]\n");
	return 2;
}
