/* Surfaces end to end: creation, description, formats, CPU access, seeds, values, purgeable. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <wayland-client.h>

#include "e2e-util.h"

/* The first path through all three parts: create, write, hand a port over, read back. */
TEST(pipeline_create_write_redeem) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct iosurface_client *a = connect_client();
	struct iosurface_client *b = connect_client();

	struct iosurface_properties props = {
		.width = 320,
		.height = 200,
		.pixel_format = iosurface_format_from_ostype(OSTYPE('B', 'G', 'R', 'A')),
	};
	CHECK_EQ(props.pixel_format, DRM_FORMAT_ARGB8888);
	struct iosurface *s = iosurface_create(a, &props);
	CHECK_NOT_NULL(s);
	CHECK_NE(iosurface_get_id(s), 0);
	fill_pattern(s, 42);

	int port = iosurface_create_port(s);
	CHECK_GE(port, 0);
	struct iosurface *t = iosurface_lookup_from_port(b, port);
	CHECK_NOT_NULL(t);
	CHECK_EQ(iosurface_get_id(t), iosurface_get_id(s));
	CHECK_EQ(iosurface_get_width(t), 320);
	CHECK_EQ(iosurface_get_bytes_per_row(t), iosurface_get_bytes_per_row(s));
	CHECK_EQ(check_pattern(t, 42), 0);
	// Not a copy: a write in one connection shows in the other at once.
	fill_pattern(t, 7);
	CHECK_EQ(check_pattern(s, 7), 0);

	close(port);
	iosurface_unref(t);
	iosurface_unref(s);
	iosurface_client_destroy(b);
	iosurface_client_destroy(a);
	harness_compositor_stop(hc);
}

TEST(defaults_as_iosurface) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct iosurface_client *c = connect_client();

	struct iosurface *s = create_bgra(c, 1920, 1080);
	CHECK_EQ(iosurface_get_bytes_per_element(s), 4);
	CHECK_EQ(iosurface_get_element_width(s), 1);
	CHECK_EQ(iosurface_get_element_height(s), 1);
	CHECK_EQ(iosurface_get_bytes_per_row(s), 7680);
	CHECK_EQ(iosurface_get_alloc_size(s), 8294400);
	CHECK_EQ(iosurface_get_plane_count(s), 0);
	CHECK_EQ(iosurface_get_allocator(s), IOSURFACE_ALLOCATOR_MEMFD);
	CHECK(iosurface_allows_pixel_size_casting(s));
	CHECK(!iosurface_is_read_only(s));
	// Plane 0 of a surface with no planes answers like the non-planar getter; others 0.
	CHECK_EQ(iosurface_get_width_of_plane(s, 0), 1920);
	CHECK_EQ(iosurface_get_bytes_per_row_of_plane(s, 0), 7680);
	CHECK_EQ(iosurface_get_width_of_plane(s, 1), 0);
	CHECK_EQ(iosurface_get_height_of_plane(s, 3), 0);
	CHECK(iosurface_get_base_address_of_plane(s, 0) == iosurface_get_base_address(s));
	CHECK(iosurface_get_base_address_of_plane(s, 1) == NULL);
	CHECK_EQ(iosurface_get_number_of_components_of_plane(s, 0), 4);
	CHECK_EQ(iosurface_get_name_of_component_of_plane(s, 0, 0), IOSURFACE_COMPONENT_NAME_ALPHA);
	CHECK_EQ(iosurface_get_bit_offset_of_component_of_plane(s, 0, 0), 24);
	CHECK_EQ(iosurface_get_subsampling(s), IOSURFACE_SUBSAMPLING_NONE);
	iosurface_unref(s);

	// NV12 ('420v'): two planes, the second half size, one after the other, aligned.
	struct iosurface_properties nv12 = {
		.width = 1921,
		.height = 1081,
		.pixel_format = iosurface_format_from_ostype(OSTYPE('4', '2', '0', 'v')),
		.name = "decoder output",
	};
	s = iosurface_create(c, &nv12);
	CHECK_NOT_NULL(s);
	CHECK_EQ(iosurface_get_pixel_format(s), DRM_FORMAT_NV12);
	CHECK_STREQ(iosurface_get_name(s), "decoder output");
	CHECK_EQ(iosurface_get_plane_count(s), 2);
	CHECK_EQ(iosurface_get_width_of_plane(s, 0), 1921);
	CHECK_EQ(iosurface_get_height_of_plane(s, 0), 1081);
	CHECK_EQ(iosurface_get_bytes_per_row_of_plane(s, 0), 1984);
	CHECK_EQ(iosurface_get_width_of_plane(s, 1), 961);
	CHECK_EQ(iosurface_get_height_of_plane(s, 1), 541);
	CHECK_EQ(iosurface_get_bytes_per_element_of_plane(s, 1), 2);
	CHECK_EQ(iosurface_get_bytes_per_row_of_plane(s, 1), 1984);
	CHECK_EQ(iosurface_get_offset_of_plane(s, 0), 0);
	CHECK_EQ(iosurface_get_offset_of_plane(s, 1), 1984 * 1081);
	CHECK_EQ(iosurface_get_offset_of_plane(s, 1) % 64, 0);
	CHECK_EQ(iosurface_get_width_of_plane(s, 2), 0);
	CHECK_EQ(iosurface_get_alloc_size(s) % 4096, 0);
	CHECK_GE(iosurface_get_alloc_size(s),
			iosurface_get_offset_of_plane(s, 1) + iosurface_get_size_of_plane(s, 1));
	CHECK_EQ(iosurface_get_subsampling(s), IOSURFACE_SUBSAMPLING_420);
	CHECK_EQ(iosurface_get_number_of_components_of_plane(s, 1), 2);
	CHECK_EQ(iosurface_get_name_of_component_of_plane(s, 1, 0),
			IOSURFACE_COMPONENT_NAME_CHROMA_BLUE);
	CHECK_EQ(iosurface_get_range_of_component_of_plane(s, 0, 0), IOSURFACE_COMPONENT_RANGE_VIDEO);
	CHECK_EQ(iosurface_get_number_of_components_of_plane(s, 2), 0);
	// Both planes are writable memory of the surface.
	uint8_t *uv = iosurface_get_base_address_of_plane(s, 1);
	memset(uv, 0x80, iosurface_get_size_of_plane(s, 1));
	iosurface_unref(s);

	iosurface_client_destroy(c);
	harness_compositor_stop(hc);
}

TEST(every_known_format_allocates) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct iosurface_client *c = connect_client();
	const uint32_t *formats;
	size_t count = iosurface_client_get_formats(c, &formats);
	CHECK_GE(count, 20);
	for (size_t i = 0; i < count; i++) {
		struct iosurface_properties props = { .width = 33, .height = 17, .pixel_format = formats[i] };
		struct iosurface *s = iosurface_create(c, &props);
		if (s == NULL) {
			harness_fail("format 0x%08x: %s", formats[i], strerror(errno));
		}
		CHECK(iosurface_format_is_known(formats[i]));
		// Every plane lies inside the allocation and is writable.
		size_t planes = iosurface_get_plane_count(s);
		for (size_t p = 0; p < (planes ? planes : 1); p++) {
			CHECK_LE(iosurface_get_offset_of_plane(s, p) + iosurface_get_size_of_plane(s, p),
					iosurface_get_alloc_size(s));
			memset(iosurface_get_base_address_of_plane(s, p), 0xa5,
					iosurface_get_size_of_plane(s, p));
		}
		iosurface_unref(s);
	}
	iosurface_client_destroy(c);
	harness_compositor_stop(hc);
}

TEST(apple_codes_accepted_at_creation) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct iosurface_client *c = connect_client();
	static const struct {
		uint32_t ostype, fourcc;
	} codes[] = {
		{ OSTYPE('B', 'G', 'R', 'A'), DRM_FORMAT_ARGB8888 },
		{ OSTYPE('4', '2', '0', 'v'), DRM_FORMAT_NV12 },
		// Full range has no DRM code: it keeps Apple's, so that every holder sees the range.
		{ OSTYPE('4', '2', '0', 'f'), OSTYPE('4', '2', '0', 'f') },
		{ OSTYPE('x', '4', '2', '0'), DRM_FORMAT_P010 },
		{ OSTYPE('L', '0', '0', '8'), DRM_FORMAT_R8 },
		{ OSTYPE('2', 'v', 'u', 'y'), DRM_FORMAT_UYVY },
	};
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		struct iosurface_properties props = { .width = 64, .height = 32,
			.pixel_format = codes[i].ostype };
		struct iosurface *s = iosurface_create(c, &props);
		CHECK_NOT_NULL(s);
		CHECK_EQ(iosurface_get_pixel_format(s), codes[i].fourcc);
		iosurface_unref(s);
	}
	iosurface_client_destroy(c);
	harness_compositor_stop(hc);
}

/* Another holder, in another connection, reads the same format code and range. */
TEST(full_range_is_seen_by_every_holder) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct iosurface_client *c = connect_client();
	struct iosurface_client *other = connect_client();
	static const struct {
		uint32_t code;
		enum iosurface_component_range range;
	} cases[] = {
		{ OSTYPE('4', '2', '0', 'f'), IOSURFACE_COMPONENT_RANGE_FULL },
		{ OSTYPE('4', '2', '0', 'v'), IOSURFACE_COMPONENT_RANGE_VIDEO },
		{ OSTYPE('x', 'f', '2', '2'), IOSURFACE_COMPONENT_RANGE_FULL },
		{ OSTYPE('y', 'u', 'v', 'f'), IOSURFACE_COMPONENT_RANGE_FULL },
		{ OSTYPE('y', 'u', 'v', 's'), IOSURFACE_COMPONENT_RANGE_VIDEO },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t code = cases[i].code;
		enum iosurface_component_range range = cases[i].range;
		struct iosurface_properties props = { .width = 64, .height = 32, .pixel_format = code };
		struct iosurface *s = iosurface_create(c, &props);
		CHECK_NOT_NULL(s);
		int port = iosurface_create_port(s);
		CHECK(port >= 0);
		struct iosurface *t = iosurface_lookup_from_port(other, port);
		CHECK_NOT_NULL(t);
		CHECK_EQ(iosurface_get_pixel_format(t), iosurface_format_from_ostype(code));
		CHECK_EQ(iosurface_format_to_ostype(iosurface_get_pixel_format(t)), code);
		CHECK_EQ(iosurface_get_range_of_component_of_plane(t, 0, 0), range);
		CHECK_EQ(iosurface_get_range_of_component_of_plane(s, 0, 0), range);
		iosurface_unref(t);
		close(port);
		iosurface_unref(s);
	}
	iosurface_client_destroy(other);
	iosurface_client_destroy(c);
	harness_compositor_stop(hc);
}

TEST(scanout_usage_falls_back_to_memfd_without_a_render_node) {
	if (access("/dev/dri", F_OK) == 0) {
		SKIP("this machine has /dev/dri: the GBM path would be taken");
	}
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct iosurface_client *c = connect_client();
	CHECK(iosurface_client_has_allocator(c, IOSURFACE_ALLOCATOR_MEMFD));
	CHECK(!iosurface_client_has_allocator(c, IOSURFACE_ALLOCATOR_GBM));
	struct iosurface_properties props = { .width = 64, .height = 64,
		.pixel_format = DRM_FORMAT_XRGB8888,
		.usage = IOSURFACE_USAGE_SCANOUT | IOSURFACE_USAGE_GPU_READ };
	struct iosurface *s = iosurface_create(c, &props);
	CHECK_NOT_NULL(s);
	CHECK_EQ(iosurface_get_allocator(s), IOSURFACE_ALLOCATOR_MEMFD);
	CHECK_EQ(iosurface_get_usage(s), IOSURFACE_USAGE_SCANOUT | IOSURFACE_USAGE_GPU_READ);
	fill_pattern(s, 3);
	CHECK_EQ(check_pattern(s, 3), 0);
	iosurface_unref(s);
	iosurface_client_destroy(c);
	harness_compositor_stop(hc);
}

TEST(unknown_format_is_plain_memory) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct iosurface_client *c = connect_client();
	struct iosurface_properties props = { .width = 100, .height = 10, .pixel_format = 0x12345678 };
	errno = 0;
	CHECK(iosurface_create(c, &props) == NULL);
	CHECK_EQ(errno, ENOTSUP);
	props.bytes_per_element = 2;
	struct iosurface *s = iosurface_create(c, &props);
	CHECK_NOT_NULL(s);
	CHECK_EQ(iosurface_get_bytes_per_row(s), 256);
	CHECK_EQ(iosurface_get_number_of_components_of_plane(s, 0), 0);
	iosurface_unref(s);
	iosurface_client_destroy(c);
	harness_compositor_stop(hc);
}

TEST(property_limits_match_compositor) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct iosurface_client *c = connect_client();
	for (int p = 0; p < IOSURFACE_PROPERTY_COUNT; p++) {
		CHECK_EQ(iosurface_client_get_property_maximum(c, p), iosurface_get_property_maximum(p));
		CHECK_EQ(iosurface_client_get_property_alignment(c, p),
				iosurface_get_property_alignment(p));
	}
	CHECK_EQ(iosurface_get_property_alignment(IOSURFACE_PROPERTY_BYTES_PER_ROW), 64);
	CHECK_EQ(iosurface_align_property(IOSURFACE_PROPERTY_BYTES_PER_ROW, 100), 128);
	CHECK_EQ(iosurface_align_property(IOSURFACE_PROPERTY_BYTES_PER_ROW, 128), 128);
	CHECK_EQ(iosurface_align_property(IOSURFACE_PROPERTY_WIDTH, 1001), 1001);
	CHECK_EQ(iosurface_align_property(IOSURFACE_PROPERTY_ALLOC_SIZE, (size_t)-1), 0);

	// An explicit bytes per row that is aligned is taken as is; the compositor agrees.
	size_t max_w = iosurface_get_property_maximum(IOSURFACE_PROPERTY_WIDTH);
	struct iosurface_properties props = {
		.width = 100,
		.height = 2,
		.pixel_format = DRM_FORMAT_ARGB8888,
		.bytes_per_row = iosurface_align_property(IOSURFACE_PROPERTY_BYTES_PER_ROW, 401),
	};
	struct iosurface *s = iosurface_create(c, &props);
	CHECK_NOT_NULL(s);
	CHECK_EQ(iosurface_get_bytes_per_row(s), 448);
	iosurface_unref(s);
	props.bytes_per_row = 0;
	props.width = (uint32_t)max_w;
	s = iosurface_create(c, &props);
	CHECK_NOT_NULL(s);
	iosurface_unref(s);

	// Each bad value is refused by the library with EINVAL before anything is sent, and
	// the connection stays usable.
	struct iosurface_properties bad[] = {
		{ .width = (uint32_t)max_w + 1, .height = 1, .pixel_format = DRM_FORMAT_ARGB8888 },
		{ .width = 0, .height = 1, .pixel_format = DRM_FORMAT_ARGB8888 },
		{ .width = 64, .height = 1, .pixel_format = DRM_FORMAT_ARGB8888, .bytes_per_row = 100 },
		{ .width = 64, .height = 1, .pixel_format = DRM_FORMAT_ARGB8888, .bytes_per_row = 192 },
		{ .width = 64, .height = 1, .pixel_format = DRM_FORMAT_ARGB8888, .offset = 3 },
		{ .width = 64, .height = 64, .pixel_format = DRM_FORMAT_ARGB8888, .alloc_size = 100 },
		{ .width = 64, .height = 1, .bytes_per_element = 65 },
		{ .width = 64, .height = 1, .bytes_per_element = 1, .element_width = 17 },
		{ .width = 64, .height = 1, .pixel_format = DRM_FORMAT_NV12, .plane_count = 3 },
		{ .width = 64, .height = 1, .pixel_format = DRM_FORMAT_ARGB8888, .plane_count = 5 },
		{ .width = 64, .height = 1, .pixel_format = DRM_FORMAT_ARGB8888, .cache_mode = 9 },
		{ .width = 64, .height = 1, .pixel_format = DRM_FORMAT_ARGB8888, .usage = 1u << 9 },
		{ .width = 16384, .height = 16384, .bytes_per_element = 64 },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		if (iosurface_create(c, &bad[i]) != NULL || errno != EINVAL) {
			harness_fail("bad properties #%zu: expected EINVAL, got errno %d", i, errno);
		}
	}
	char long_name[300];
	memset(long_name, 'n', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	struct iosurface_properties named = { .width = 8, .height = 8,
		.pixel_format = DRM_FORMAT_ARGB8888, .name = long_name };
	errno = 0;
	CHECK(iosurface_create(c, &named) == NULL);
	CHECK_EQ(errno, EINVAL);
	s = create_bgra(c, 8, 8);
	iosurface_unref(s);
	iosurface_client_destroy(c);
	harness_compositor_stop(hc);
}

TEST(planes_explicit) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct iosurface_client *c = connect_client();
	// Plane layout given in full, as CoreVideo does for NV12.
	struct iosurface_properties props = {
		.width = 64,
		.height = 32,
		.pixel_format = DRM_FORMAT_NV12,
		.plane_count = 2,
		.planes = {
			{ .width = 64, .height = 32, .bytes_per_row = 128, .offset = 0 },
			{ .width = 32, .height = 16, .bytes_per_row = 128, .offset = 8192 },
		},
	};
	struct iosurface *s = iosurface_create(c, &props);
	CHECK_NOT_NULL(s);
	CHECK_EQ(iosurface_get_bytes_per_row_of_plane(s, 0), 128);
	CHECK_EQ(iosurface_get_offset_of_plane(s, 1), 8192);
	CHECK_EQ(iosurface_get_size_of_plane(s, 1), 128 * 16);
	iosurface_unref(s);
	// Overlapping planes are refused.
	props.planes[1].offset = 64 * 32 / 2;
	props.planes[1].offset -= props.planes[1].offset % 64;
	errno = 0;
	CHECK(iosurface_create(c, &props) == NULL);
	CHECK_EQ(errno, EINVAL);
	iosurface_client_destroy(c);
	harness_compositor_stop(hc);
}

TEST(memory_is_sealed) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct iosurface_client *c = connect_client();
	struct iosurface *s = create_bgra(c, 64, 64);
	// Reach the memfd behind the mapping and try to shrink it: the seals refuse.
	char path[128];
	uintptr_t start = (uintptr_t)iosurface_get_base_address(s);
	FILE *maps = fopen("/proc/self/maps", "r");
	CHECK_NOT_NULL(maps);
	char line[512];
	uintptr_t lo = 0, hi = 0;
	while (fgets(line, sizeof(line), maps) != NULL) {
		unsigned long a, b;
		if (sscanf(line, "%lx-%lx", &a, &b) == 2 && a <= start && start < b) {
			lo = a;
			hi = b;
			break;
		}
	}
	fclose(maps);
	CHECK_NE(lo, 0);
	snprintf(path, sizeof(path), "/proc/self/map_files/%lx-%lx", (unsigned long)lo,
			(unsigned long)hi);
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		iosurface_unref(s);
		iosurface_client_destroy(c);
		harness_compositor_stop(hc);
		SKIP("cannot open %s (%s): needs CAP_SYS_ADMIN", path, strerror(errno));
	}
	int seals = fcntl(fd, F_GET_SEALS);
	CHECK_EQ(seals & (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL),
			F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
	CHECK_EQ(ftruncate(fd, 4096), -1);
	CHECK_EQ(errno, EPERM);
	close(fd);
	iosurface_unref(s);
	iosurface_client_destroy(c);
	harness_compositor_stop(hc);
}

TEST(ids_unique) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct iosurface_client *c = connect_client();
	// Never reused, whichever way a surface was created (with tickets handed out ahead, or
	// through the compositor when they run out).
	uint32_t ids[200];
	for (int i = 0; i < 200; i++) {
		struct iosurface *s = create_bgra(c, 16, 16);
		ids[i] = iosurface_get_id(s);
		CHECK_NE(ids[i], 0);
		for (int j = 0; j < i; j++) {
			CHECK_NE(ids[j], ids[i]);
		}
		iosurface_unref(s);
	}
	iosurface_client_destroy(c);
	harness_compositor_stop(hc);
}

TEST(lock_and_seed) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct iosurface_client *a = connect_client();
	struct iosurface_client *b = connect_client();
	struct iosurface *s = create_bgra(a, 64, 64);
	int port = iosurface_create_port(s);
	struct iosurface *t = iosurface_lookup_from_port(b, port);
	CHECK_NOT_NULL(t);
	close(port);

	uint32_t seed0 = iosurface_get_seed(s), seed;
	CHECK_EQ(iosurface_get_seed(t), seed0);
	CHECK_EQ(iosurface_lock(s, IOSURFACE_LOCK_READ_ONLY, &seed), 0);
	CHECK_EQ(seed, seed0);
	CHECK_EQ(iosurface_unlock(s, IOSURFACE_LOCK_READ_ONLY, &seed), 0);
	CHECK_EQ(seed, seed0);
	CHECK_EQ(iosurface_get_seed(t), seed0);
	CHECK_EQ(iosurface_lock(s, IOSURFACE_LOCK_AVOID_SYNC, &seed), 0);
	CHECK_EQ(iosurface_unlock(s, IOSURFACE_LOCK_AVOID_SYNC, &seed), 0);
	CHECK_EQ(seed, seed0 + 1);
	// The other connection sees it with no round trip: the seed lives in shared memory.
	CHECK_EQ(iosurface_get_seed(t), seed0 + 1);
	CHECK_EQ(iosurface_lock(t, 0, NULL), 0);
	CHECK_EQ(iosurface_unlock(t, 0, &seed), 0);
	CHECK_EQ(seed, seed0 + 2);
	CHECK_EQ(iosurface_get_seed(s), seed0 + 2);
	CHECK_ERRNO(iosurface_lock(s, 0x80, NULL), EINVAL);

	iosurface_unref(t);
	iosurface_unref(s);
	iosurface_client_destroy(b);
	iosurface_client_destroy(a);
	harness_compositor_stop(hc);
}

TEST(seed_across_processes) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	int sv[2];
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	pid_t pid = fork();
	CHECK_GE(pid, 0);
	if (pid == 0) {
		close(sv[0]);
		struct iosurface_client *c = connect_client();
		int port = iosurface_port_receive(sv[1], NULL, NULL);
		CHECK_GE(port, 0);
		struct iosurface *t = iosurface_lookup_from_port(c, port);
		CHECK_NOT_NULL(t);
		uint32_t seed = iosurface_get_seed(t);
		for (int i = 0; i < 100; i++) {
			iosurface_lock(t, 0, NULL);
			iosurface_unlock(t, 0, NULL);
		}
		CHECK_EQ(iosurface_get_seed(t), seed + 100);
		CHECK_EQ(write(sv[1], "k", 1), 1);
		char ack;
		CHECK_EQ(read(sv[1], &ack, 1), 1);
		close(port);
		iosurface_unref(t);
		iosurface_client_destroy(c);
		_exit(0);
	}
	close(sv[1]);
	struct iosurface_client *c = connect_client();
	struct iosurface *s = create_bgra(c, 32, 32);
	uint32_t seed0 = iosurface_get_seed(s);
	int port = iosurface_create_port(s);
	CHECK_EQ(iosurface_port_send(sv[0], port, NULL, 0), 0);
	close(port);
	char msg;
	CHECK_EQ(read(sv[0], &msg, 1), 1);
	CHECK_EQ(iosurface_get_seed(s), seed0 + 100);
	CHECK_EQ(write(sv[0], "k", 1), 1);
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(sv[0]);
	iosurface_unref(s);
	iosurface_client_destroy(c);
	harness_compositor_stop(hc);
}

static struct iosurface_value *sample_dictionary(void) {
	struct iosurface_value *dict = iosurface_value_new_dictionary();
	struct iosurface_value *array = iosurface_value_new_array();
	CHECK_EQ(iosurface_value_array_append(array, iosurface_value_new_integer(-5)), 0);
	CHECK_EQ(iosurface_value_array_append(array, iosurface_value_new_string("two")), 0);
	CHECK_EQ(iosurface_value_array_append(array, iosurface_value_new_double(3.25)), 0);
	CHECK_EQ(iosurface_value_dictionary_set(dict, "list", array), 0);
	CHECK_EQ(iosurface_value_dictionary_set(dict, "flag", iosurface_value_new_boolean(true)), 0);
	static const uint8_t bytes[] = { 0, 1, 2, 255 };
	CHECK_EQ(iosurface_value_dictionary_set(dict, "blob",
					 iosurface_value_new_bytes(bytes, sizeof(bytes))),
			0);
	return dict;
}

TEST(values_shared_between_holders) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct iosurface_client *a = connect_client();
	struct iosurface_client *b = connect_client();
	struct iosurface *s = create_bgra(a, 16, 16);
	int port = iosurface_create_port(s);
	struct iosurface *t = iosurface_lookup_from_port(b, port);
	CHECK_NOT_NULL(t);
	close(port);

	errno = 0;
	CHECK(iosurface_copy_value(t, "missing") == NULL);
	CHECK_EQ(errno, ENOENT);

	struct iosurface_value *name = iosurface_value_new_string("frame 1");
	CHECK_EQ(iosurface_set_value(s, "name", name), 0);
	// Landed when the call returned: the other connection copies it with no waiting.
	struct iosurface_value *copy = iosurface_copy_value(t, "name");
	CHECK_NOT_NULL(copy);
	CHECK(iosurface_value_equal(copy, name));
	CHECK_STREQ(iosurface_value_get_string(copy), "frame 1");
	iosurface_value_free(copy);

	struct iosurface_value *dict = sample_dictionary();
	CHECK_EQ(iosurface_set_value(t, "meta", dict), 0);
	copy = iosurface_copy_value(s, "meta");
	CHECK_NOT_NULL(copy);
	CHECK(iosurface_value_equal(copy, dict));
	iosurface_value_free(copy);

	struct iosurface_value *all = iosurface_copy_all_values(s);
	CHECK_NOT_NULL(all);
	CHECK_EQ(iosurface_value_get_count(all), 2);
	CHECK(iosurface_value_equal(iosurface_value_dictionary_get(all, "name"), name));
	iosurface_value_free(all);

	CHECK_EQ(iosurface_remove_value(s, "name"), 0);
	errno = 0;
	CHECK(iosurface_copy_value(t, "name") == NULL);
	CHECK_EQ(errno, ENOENT);

	// set_values sets every entry; remove_all_values empties.
	CHECK_EQ(iosurface_set_values(s, dict), 0);
	all = iosurface_copy_all_values(t);
	CHECK_EQ(iosurface_value_get_count(all), 4);
	iosurface_value_free(all);
	CHECK_EQ(iosurface_remove_all_values(t), 0);
	all = iosurface_copy_all_values(s);
	CHECK_EQ(iosurface_value_get_count(all), 0);
	iosurface_value_free(all);

	// Limits: keys, sizes, count.
	char key[300];
	memset(key, 'k', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	CHECK_ERRNO(iosurface_set_value(s, key, name), EINVAL);
	CHECK_ERRNO(iosurface_set_value(s, "", name), EINVAL);
	// One byte beyond the published size (bytes travel with a type byte and a length).
	size_t over = iosurface_get_property_maximum(IOSURFACE_PROPERTY_VALUE_SIZE) - 5 + 1;
	char *big = calloc(1, over);
	struct iosurface_value *huge = iosurface_value_new_bytes(big, over);
	free(big);
	CHECK_ERRNO(iosurface_set_value(s, "huge", huge), EMSGSIZE);
	iosurface_value_free(huge);
	for (int i = 0; i < 64; i++) {
		snprintf(key, sizeof(key), "key%d", i);
		CHECK_EQ(iosurface_set_value(s, key, name), 0);
	}
	CHECK_ERRNO(iosurface_set_value(t, "one-too-many", name), ENOSPC);
	CHECK_EQ(iosurface_set_value(t, "key3", dict), 0);
	all = iosurface_copy_all_values(t);
	CHECK_EQ(iosurface_value_get_count(all), 64);
	iosurface_value_free(all);

	iosurface_value_free(dict);
	iosurface_value_free(name);
	iosurface_unref(t);
	iosurface_unref(s);
	iosurface_client_destroy(b);
	iosurface_client_destroy(a);
	harness_compositor_stop(hc);
}

static void count_notify(struct iosurface *s, uint32_t event, uint32_t seed, void *data) {
	int *counts = data;
	counts[event == IOSURFACE_NOTIFY_EMPTIED ? 0 : event == IOSURFACE_NOTIFY_SEED ? 1 : 2]++;
}

TEST(purgeable_states) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct iosurface_client *a = connect_client();
	struct iosurface_client *b = connect_client();
	struct iosurface *s = create_bgra(a, 64, 64);
	fill_pattern(s, 9);
	int port = iosurface_create_port(s);
	struct iosurface *t = iosurface_lookup_from_port(b, port);
	CHECK_NOT_NULL(t);
	close(port);
	int counts[3] = { 0 };
	CHECK_EQ(iosurface_set_notify(t, IOSURFACE_NOTIFY_EMPTIED, count_notify, counts), 0);

	uint32_t old = 99;
	CHECK_EQ(iosurface_set_purgeable(s, IOSURFACE_PURGEABLE_KEEP_CURRENT, &old), 0);
	CHECK_EQ(old, IOSURFACE_PURGEABLE_NON_VOLATILE);
	CHECK_EQ(iosurface_set_purgeable(s, IOSURFACE_PURGEABLE_VOLATILE, &old), 0);
	CHECK_EQ(old, IOSURFACE_PURGEABLE_NON_VOLATILE);
	CHECK(!iosurface_was_emptied(s));
	CHECK_EQ(check_pattern(s, 9), 0);
	// Back to non-volatile before any purge: content kept, old state volatile.
	CHECK_EQ(iosurface_set_purgeable(s, IOSURFACE_PURGEABLE_NON_VOLATILE, &old), 0);
	CHECK_EQ(old, IOSURFACE_PURGEABLE_VOLATILE);
	CHECK_EQ(check_pattern(s, 9), 0);

	uint32_t seed = iosurface_get_seed(s);
	CHECK_EQ(iosurface_set_purgeable(s, IOSURFACE_PURGEABLE_EMPTY, &old), 0);
	CHECK_EQ(old, IOSURFACE_PURGEABLE_NON_VOLATILE);
	CHECK(iosurface_was_emptied(s));
	CHECK(iosurface_was_emptied(t));
	// Emptied memory reads as zeros in every holder; the seed survives.
	const uint32_t *px = iosurface_get_base_address(t);
	size_t nonzero = 0;
	for (size_t i = 0; i < 64 * 64; i++) {
		nonzero += px[i] != 0;
	}
	CHECK_EQ(nonzero, 0);
	CHECK_EQ(iosurface_get_seed(t), seed);
	CHECK_EQ(iosurface_client_roundtrip(b), 0);
	CHECK_EQ(counts[0], 1);
	CHECK_EQ(iosurface_set_purgeable(s, IOSURFACE_PURGEABLE_NON_VOLATILE, &old), 0);
	CHECK_EQ(old, IOSURFACE_PURGEABLE_EMPTY);
	CHECK(!iosurface_was_emptied(s));

	// A read-only holder may only ask.
	int ro = iosurface_create_port_read_only(s);
	struct iosurface_client *c = connect_client();
	struct iosurface *r = iosurface_lookup_from_port(c, ro);
	CHECK_NOT_NULL(r);
	close(ro);
	CHECK_ERRNO(iosurface_set_purgeable(r, IOSURFACE_PURGEABLE_EMPTY, &old), EACCES);
	CHECK_EQ(iosurface_set_purgeable(r, IOSURFACE_PURGEABLE_KEEP_CURRENT, &old), 0);
	CHECK_EQ(old, IOSURFACE_PURGEABLE_NON_VOLATILE);
	CHECK_ERRNO(iosurface_set_purgeable(s, 7, &old), EINVAL);
	iosurface_unref(r);
	iosurface_client_destroy(c);

	iosurface_unref(t);
	iosurface_unref(s);
	iosurface_client_destroy(b);
	iosurface_client_destroy(a);
	harness_compositor_stop(hc);
}

TEST(volatile_purged_under_pressure) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct iosurface_client *c = connect_client();
	struct iosurface *keep = create_bgra(c, 32, 32);
	struct iosurface *vol = create_bgra(c, 32, 32);
	fill_pattern(keep, 1);
	fill_pattern(vol, 2);
	CHECK_EQ(iosurface_set_purgeable(vol, IOSURFACE_PURGEABLE_VOLATILE, NULL), 0);
	// The reference compositor purges volatile surfaces on SIGUSR1, as it would under
	// memory pressure.
	CHECK_EQ(kill(harness_compositor_pid(hc), SIGUSR1), 0);
	int64_t deadline = harness_now_ms() + harness_scale_timeout(3000);
	while (!iosurface_was_emptied(vol) && harness_now_ms() < deadline) {
		harness_sleep_ms(5);
	}
	CHECK(iosurface_was_emptied(vol));
	CHECK(!iosurface_was_emptied(keep));
	CHECK_EQ(check_pattern(keep, 1), 0);
	uint32_t old;
	CHECK_EQ(iosurface_set_purgeable(vol, IOSURFACE_PURGEABLE_NON_VOLATILE, &old), 0);
	CHECK_EQ(old, IOSURFACE_PURGEABLE_EMPTY);
	iosurface_unref(vol);
	iosurface_unref(keep);
	iosurface_client_destroy(c);
	harness_compositor_stop(hc);
}

TEST(quotas) {
	const char *args[] = { "--quota-count", "3", "--quota-bytes", "1048576", NULL };
	struct harness_compositor *hc = harness_compositor_start(args);
	struct iosurface_client *c = connect_client();
	uint64_t bytes;
	uint32_t count;
	iosurface_client_get_quota(c, &bytes, &count);
	CHECK_EQ(bytes, 1048576);
	CHECK_EQ(count, 3);
	struct iosurface *s[3];
	for (int i = 0; i < 3; i++) {
		s[i] = create_bgra(c, 64, 64);
	}
	struct iosurface_properties props = { .width = 64, .height = 64,
		.pixel_format = DRM_FORMAT_ARGB8888 };
	errno = 0;
	CHECK(iosurface_create(c, &props) == NULL);
	CHECK_EQ(errno, EDQUOT);
	iosurface_unref(s[2]);
	// 1 MiB: a 512x512 BGRA surface fits, a second one would not.
	props.width = props.height = 400;
	s[2] = iosurface_create(c, &props);
	CHECK_NOT_NULL(s[2]);
	iosurface_unref(s[1]);
	errno = 0;
	CHECK(iosurface_create(c, &props) == NULL);
	CHECK_EQ(errno, EDQUOT);
	// Quotas are per client: another one starts afresh.
	struct iosurface_client *d = connect_client();
	struct iosurface *other = iosurface_create(d, &props);
	CHECK_NOT_NULL(other);
	iosurface_unref(other);
	iosurface_client_destroy(d);
	iosurface_unref(s[2]);
	iosurface_unref(s[0]);
	iosurface_client_destroy(c);
	harness_compositor_stop(hc);
}

TEST(surfaces_per_client_capped) {
	// Each surface costs the compositor a descriptor; one client may not take them all.
	// 4,096 surfaces of one process fit in its share (a quarter of the compositor's budget:
	// its RLIMIT_NOFILE less 256) only on a machine that allows enough descriptors.
	harness_require_fds(4 * (4096 + 128) + 256);
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct iosurface_client *c = connect_client();
	enum { MAX = 4096 };
	struct iosurface **all = calloc(MAX, sizeof(*all));
	CHECK_NOT_NULL(all);
	for (int i = 0; i < MAX; i++) {
		all[i] = create_bgra(c, 4, 4);
	}
	struct iosurface_properties props = { .width = 4, .height = 4,
		.pixel_format = DRM_FORMAT_ARGB8888 };
	errno = 0;
	CHECK(iosurface_create(c, &props) == NULL);
	CHECK_EQ(errno, EDQUOT);
	// Another client is not affected.
	struct iosurface_client *d = connect_client();
	struct iosurface *other = create_bgra(d, 4, 4);
	iosurface_unref(other);
	iosurface_client_destroy(d);
	iosurface_unref(all[0]);
	all[0] = create_bgra(c, 4, 4);
	for (int i = 0; i < MAX; i++) {
		iosurface_unref(all[i]);
	}
	free(all);
	iosurface_client_destroy(c);
	harness_compositor_stop(hc);
}

struct thread_ctx {
	struct iosurface_client *client;
	int index, failures;
};

static void *hammer(void *data) {
	struct thread_ctx *ctx = data;
	for (int i = 0; i < 60; i++) {
		struct iosurface_properties props = { .width = 16 + ctx->index, .height = 16,
			.pixel_format = DRM_FORMAT_ARGB8888 };
		struct iosurface *s = iosurface_create(ctx->client, &props);
		if (s == NULL) {
			ctx->failures++;
			continue;
		}
		iosurface_increment_use_count(s);
		struct iosurface_value *v = iosurface_value_new_integer(i);
		if (iosurface_set_value(s, "i", v) != 0) {
			ctx->failures++;
		}
		struct iosurface_value *back = iosurface_copy_value(s, "i");
		if (!iosurface_value_equal(back, v)) {
			ctx->failures++;
		}
		iosurface_value_free(back);
		iosurface_value_free(v);
		int port = iosurface_create_port(s);
		struct iosurface *same = port >= 0 ? iosurface_lookup_from_port(ctx->client, port) : NULL;
		if (same != s) {
			ctx->failures++;
		}
		iosurface_unref(same);
		if (port >= 0) {
			close(port);
		}
		iosurface_lock(s, 0, NULL);
		iosurface_unlock(s, 0, NULL);
		iosurface_decrement_use_count(s);
		iosurface_unref(s);
	}
	return NULL;
}

TEST(one_client_many_threads) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct iosurface_client *c = connect_client();
	pthread_t threads[8];
	struct thread_ctx ctx[8];
	for (int i = 0; i < 8; i++) {
		ctx[i] = (struct thread_ctx){ c, i, 0 };
		CHECK_EQ(pthread_create(&threads[i], NULL, hammer, &ctx[i]), 0);
	}
	for (int i = 0; i < 8; i++) {
		pthread_join(threads[i], NULL);
		CHECK_EQ(ctx[i].failures, 0);
	}
	iosurface_client_destroy(c);
	harness_compositor_stop(hc);
}

static void registry_global(void *data, struct wl_registry *registry, uint32_t name,
		const char *interface, uint32_t version) {
	int *globals = data;
	(*globals)++;
}

static void registry_global_remove(void *data, struct wl_registry *registry, uint32_t name) {
}

static const struct wl_registry_listener registry_listener = {
	.global = registry_global,
	.global_remove = registry_global_remove,
};

TEST(shares_the_application_connection) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct wl_display *display = wl_display_connect(NULL);
	CHECK_NOT_NULL(display);
	int globals = 0;
	struct wl_registry *registry = wl_display_get_registry(display);
	wl_registry_add_listener(registry, &registry_listener, &globals);
	// The application has events pending on its own queue; the library must not eat them.
	CHECK_EQ(wl_display_flush(display) >= 0, 1);
	struct iosurface_client *c = iosurface_client_create(display);
	CHECK_NOT_NULL(c);
	CHECK(iosurface_client_get_display(c) == display);
	struct iosurface *s = create_bgra(c, 32, 32);
	CHECK_EQ(globals, 0);
	CHECK_GE(wl_display_roundtrip(display), 0);
	CHECK_GT(globals, 0);
	int before = globals;
	CHECK_GE(wl_display_roundtrip(display), 0);
	CHECK_EQ(globals, before);
	iosurface_unref(s);
	iosurface_client_destroy(c);
	wl_registry_destroy(registry);
	wl_display_disconnect(display);
	harness_compositor_stop(hc);
}

TEST(no_compositor_clear_error) {
	char dir[] = "/tmp/iosurface-nocomp-XXXXXX";
	CHECK_NOT_NULL(mkdtemp(dir));
	setenv("XDG_RUNTIME_DIR", dir, 1);
	setenv("WAYLAND_DISPLAY", "wayland-nowhere", 1);
	errno = 0;
	CHECK(iosurface_client_connect(NULL) == NULL);
	CHECK_EQ(errno, ENOENT);
	rmdir(dir);
}

int main(int argc, char **argv) {
	return harness_main(argc, argv);
}
