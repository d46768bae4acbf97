/*
 * The module's allocation when the DRM device it is given is unusable: the compositor starts,
 * offers memfd only, and a surface asking for scanout and GPU use is a working memfd surface.
 * The device paths with a DRM device (dumb, GBM, udmabuf) are proven in the KMS VM
 * (tests/kms/run-vm.sh); this runs everywhere.
 */
#include <stdio.h>
#include <stdlib.h>

#include "e2e-util.h"

#ifdef NDEBUG
#error "tests must be built without NDEBUG"
#endif

static void check_memfd_only(const char *device) {
	const char *args[] = { "--drm-device", device, NULL };
	struct harness_compositor *hc = harness_compositor_start(args);
	struct iosurface_client *c = connect_client();
	CHECK(iosurface_client_has_allocator(c, IOSURFACE_ALLOCATOR_MEMFD));
	CHECK(!iosurface_client_has_allocator(c, IOSURFACE_ALLOCATOR_GBM));
	CHECK(!iosurface_client_has_allocator(c, IOSURFACE_ALLOCATOR_DUMB));
	uint32_t usages[] = {
		IOSURFACE_USAGE_SCANOUT,
		IOSURFACE_USAGE_GPU_READ | IOSURFACE_USAGE_GPU_WRITE,
		IOSURFACE_USAGE_SCANOUT | IOSURFACE_USAGE_GPU_READ,
	};
	for (size_t i = 0; i < sizeof(usages) / sizeof(usages[0]); i++) {
		struct iosurface_properties props = { .width = 64, .height = 32,
			.pixel_format = DRM_FORMAT_XRGB8888, .usage = usages[i] };
		struct iosurface *s = iosurface_create(c, &props);
		CHECK_NOT_NULL(s);
		CHECK_EQ(iosurface_get_allocator(s), IOSURFACE_ALLOCATOR_MEMFD);
		CHECK_EQ(iosurface_get_usage(s), usages[i]);
		fill_pattern(s, (uint32_t)i + 1);
		CHECK_EQ(check_pattern(s, (uint32_t)i + 1), 0);
		iosurface_unref(s);
	}
	iosurface_client_destroy(c);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

TEST(device_that_does_not_exist) {
	check_memfd_only("/nonexistent/dri/card0");
}

TEST(device_that_is_not_drm) {
	// Opens fine; drmGetVersion refuses it.
	check_memfd_only("/dev/null");
}

TEST(no_drm_allocation) {
	// "" turns DRM allocation off (the reference compositor's --no-gbm).
	const char *args[] = { "--no-gbm", NULL };
	struct harness_compositor *hc = harness_compositor_start(args);
	struct iosurface_client *c = connect_client();
	CHECK(!iosurface_client_has_allocator(c, IOSURFACE_ALLOCATOR_GBM));
	CHECK(!iosurface_client_has_allocator(c, IOSURFACE_ALLOCATOR_DUMB));
	struct iosurface_properties props = { .width = 16, .height = 16,
		.pixel_format = DRM_FORMAT_XRGB8888, .usage = IOSURFACE_USAGE_SCANOUT };
	struct iosurface *s = iosurface_create(c, &props);
	CHECK_NOT_NULL(s);
	CHECK_EQ(iosurface_get_allocator(s), IOSURFACE_ALLOCATOR_MEMFD);
	iosurface_unref(s);
	iosurface_client_destroy(c);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

int main(int argc, char **argv) {
	return harness_main(argc, argv);
}
