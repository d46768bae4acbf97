/*
 * apple-ported: IOSurface code written as Chromium, Mozilla and WebKit write it (ported.c),
 * run against the reference compositor through the porting kit. Each scenario runs in a
 * worker process of its own: the default client the kit uses is never destroyed, and would
 * otherwise fail the harness's descriptor check.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CoreVideo/CoreVideo.h>
#include <IOSurface/IOSurface.h>
#include <iosurface/iosurface.h>

#include "harness.h"
#include "ported.h"

#ifdef NDEBUG
#error "tests need assert()"
#endif

static int wait_exit(pid_t pid) {
	int code = harness_wait_pid(pid, 60000);
	if (code == -ETIMEDOUT) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	return code;
}

static void in_worker(void (*fn)(void)) {
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		fn();
		_exit(0);
	}
	CHECK_EQ(wait_exit(pid), 0);
}

#define WORKER_TEST(name) \
	static void name##_body(void); \
	TEST(name) { \
		struct harness_compositor *hc = harness_compositor_start(NULL); \
		in_worker(name##_body); \
		harness_compositor_stop(hc); \
	} \
	static void name##_body(void)

/* Every plane lies inside the allocation and takes full rows; write every byte of them. */
static void check_planes_writable(IOSurfaceRef s) {
	size_t planes = IOSurfaceGetPlaneCount(s);
	size_t count = planes != 0 ? planes : 1;
	uint8_t *base = IOSurfaceGetBaseAddress(s);
	size_t alloc = IOSurfaceGetAllocSize(s);
	CHECK_EQ(IOSurfaceLock(s, 0, NULL), kIOReturnSuccess);
	for (size_t p = 0; p < count; p++) {
		uint8_t *plane = IOSurfaceGetBaseAddressOfPlane(s, p);
		CHECK_NOT_NULL(plane);
		size_t ew = IOSurfaceGetElementWidthOfPlane(s, p);
		size_t row = (IOSurfaceGetWidthOfPlane(s, p) + ew - 1) / ew *
				IOSurfaceGetBytesPerElementOfPlane(s, p);
		size_t bpr = IOSurfaceGetBytesPerRowOfPlane(s, p);
		size_t rows = IOSurfaceGetHeightOfPlane(s, p) / IOSurfaceGetElementHeightOfPlane(s, p);
		CHECK_GE(bpr, row);
		CHECK_LE((size_t)(plane - base) + bpr * (rows - 1) + row, alloc);
		for (size_t y = 0; y < rows; y++) {
			memset(plane + y * bpr, (int)(0x40 + p), row);
		}
	}
	CHECK_EQ(IOSurfaceUnlock(s, 0, NULL), kIOReturnSuccess);
}

static void check_value(IOSurfaceRef s, CFStringRef key, CFTypeRef want) {
	CFTypeRef got = IOSurfaceCopyValue(s, key);
	CHECK_NOT_NULL(got);
	CHECK(CFEqual(got, want));
	CFRelease(got);
}

/* ---- Chromium ---- */

WORKER_TEST(chromium_creates_each_buffer_format) {
	static const struct {
		enum ported_format format;
		OSType code;
		size_t planes, bpe0;
	} cases[] = {
		{ PORTED_BGRA_8888, 'BGRA', 0, 4 },
		{ PORTED_BGRA_1010102, 'l10r', 0, 4 },
		{ PORTED_RGBA_F16, 'RGhA', 0, 8 },
		{ PORTED_R_8, 'L008', 0, 1 },
		{ PORTED_YUV_420_BIPLANAR, '420v', 2, 1 },
		{ PORTED_P010, 'x420', 2, 2 },
	};
	static const int sizes[][2] = { { 100, 100 }, { 101, 99 }, { 1920, 1080 } };
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (size_t k = 0; k < 3; k++) {
			IOSurfaceRef s = ported_chromium_create(sizes[k][0], sizes[k][1], cases[i].format,
					true);
			CHECK_NOT_NULL(s);
			CHECK_EQ(CFGetTypeID(s), IOSurfaceGetTypeID());
			CHECK_EQ(IOSurfaceGetWidth(s), (size_t)sizes[k][0]);
			CHECK_EQ(IOSurfaceGetHeight(s), (size_t)sizes[k][1]);
			CHECK_EQ(IOSurfaceGetPixelFormat(s), cases[i].code);
			CHECK_EQ(IOSurfaceGetPlaneCount(s), cases[i].planes);
			CHECK_EQ(IOSurfaceGetBytesPerElementOfPlane(s, 0), cases[i].bpe0);
			if (cases[i].planes == 2) {
				// Plane sizes round up (Chromium's odd-size test).
				CHECK_EQ(IOSurfaceGetWidthOfPlane(s, 1), (size_t)(sizes[k][0] + 1) / 2);
				CHECK_EQ(IOSurfaceGetHeightOfPlane(s, 1), (size_t)(sizes[k][1] + 1) / 2);
			}
			check_planes_writable(s);
			check_value(s, CFSTR("IOSurfaceColorSpace"), CFSTR("kCGColorSpaceSRGB"));
			CHECK_EQ(CFGetRetainCount(s), 1);
			CFRelease(s);
		}
	}
}

WORKER_TEST(chromium_hdr_metadata_round_trip) {
	IOSurfaceRef s = ported_chromium_create(100, 100, PORTED_BGRA_8888, false);
	CHECK_NOT_NULL(s);
	// Primaries, white point, luminance, content light levels: 12 floats.
	float in[12] = { 1, 2, 4, 5, 7, 8, 10, 11, 13, 14, 15, 16 }, out[12] = { 0 };
	CHECK(!ported_get_hdr_metadata(s, out, sizeof(out)));
	ported_set_hdr_metadata(s, in, sizeof(in));
	CHECK(ported_get_hdr_metadata(s, out, sizeof(out)));
	CHECK(memcmp(in, out, sizeof(in)) == 0);
	// CoreVideo's own HDR keys, as a decoder attaches them.
	UInt8 mastering[24], light[4] = { 0x03, 0xe8, 0x01, 0x90 };
	for (int i = 0; i < 24; i++) {
		mastering[i] = (UInt8)(i * 11);
	}
	CFDataRef m = CFDataCreate(NULL, mastering, 24), l = CFDataCreate(NULL, light, 4);
	IOSurfaceSetValue(s, kCVImageBufferMasteringDisplayColorVolumeKey, m);
	IOSurfaceSetValue(s, kCVImageBufferContentLightLevelInfoKey, l);
	CFDictionaryRef all = IOSurfaceCopyAllValues(s);
	CHECK_NOT_NULL(all);
	CHECK_EQ(CFDictionaryGetCount(all), 4); // with the color space and Chromium's metadata
	CHECK(CFEqual(CFDictionaryGetValue(all, kCVImageBufferMasteringDisplayColorVolumeKey), m));
	CHECK(CFEqual(CFDictionaryGetValue(all, kCVImageBufferContentLightLevelInfoKey), l));
	CFRelease(all);
	CFRelease(m);
	CFRelease(l);
	IOSurfaceRemoveValue(s, CFSTR("IOSurfaceHDRMetadata"));
	CHECK(!ported_get_hdr_metadata(s, out, sizeof(out)));
	CFRelease(s);
}

/*
 * Chromium and Mozilla attach an ICC profile when no named space fits. A small profile is
 * stored, and so is the common sRGB profile of 3,144 bytes, larger than a Wayland message.
 * A set beyond the value limit is refused, logged, and the old value stays
 * (IOSurfaceSetValue returns nothing).
 */
WORKER_TEST(icc_profile_values) {
	IOSurfaceRef s = ported_chromium_create(64, 64, PORTED_BGRA_8888, false);
	CHECK_NOT_NULL(s);
	UInt8 *icc = malloc(3144);
	CHECK_NOT_NULL(icc);
	for (int i = 0; i < 3144; i++) {
		icc[i] = (UInt8)(i * 31 + 7);
	}
	ported_set_icc_profile(s, icc, 548);
	CFDataRef small = CFDataCreate(NULL, icc, 548);
	check_value(s, CFSTR("IOSurfaceColorSpace"), small);

	ported_set_icc_profile(s, icc, 3144);
	CFDataRef large = CFDataCreate(NULL, icc, 3144);
	check_value(s, CFSTR("IOSurfaceColorSpace"), large);

	// A byte value travels as a type byte, a 4-byte length and the bytes.
	size_t over = iosurface_get_property_maximum(IOSURFACE_PROPERTY_VALUE_SIZE) - 5 + 1;
	UInt8 *huge = calloc(1, over);
	CHECK_NOT_NULL(huge);
	ported_set_icc_profile(s, huge, (CFIndex)over);
	check_value(s, CFSTR("IOSurfaceColorSpace"), large);
	free(huge);
	CFRelease(small);
	CFRelease(large);
	free(icc);
	CFRelease(s);
}

/* ---- Mozilla ---- */

WORKER_TEST(mozilla_single_plane_surfaces) {
	IOSurfaceRef s = ported_mozilla_create(300, 200, kCVPixelFormatType_32BGRA, 4);
	CHECK_NOT_NULL(s);
	CHECK_EQ(IOSurfaceGetUseCount(s), 1);
	CHECK(IOSurfaceIsInUse(s));
	check_planes_writable(s);
	IOSurfaceDecrementUseCount(s);
	CHECK_EQ(IOSurfaceGetUseCount(s), 0);
	CFRelease(s);

	static const OSType packed[] = { kCVPixelFormatType_422YpCbCr8_yuvs,
		kCVPixelFormatType_422YpCbCr8FullRange };
	for (int i = 0; i < 2; i++) {
		s = ported_mozilla_create(1920, 1080, packed[i], 2);
		CHECK_NOT_NULL(s);
		CHECK_EQ(IOSurfaceGetPixelFormat(s), packed[i]);
		CHECK_GE(IOSurfaceGetBytesPerRow(s), 3840);
		check_planes_writable(s);
		IOSurfaceDecrementUseCount(s);
		CFRelease(s);

		// The measurement: bytes per element 2 and no row size. Rows must hold
		// width * 2 bytes (they got half of that before).
		s = ported_mozilla_create_422_without_row(1920, 1080, i == 1);
		CHECK_NOT_NULL(s);
		CHECK_GE(IOSurfaceGetBytesPerRow(s), 3840);
		CHECK_GE(IOSurfaceGetAllocSize(s), 3840 * 1080);
		CHECK_EQ(IOSurfaceGetPixelFormat(s), packed[i]);
		CHECK_EQ(IOSurfaceGetRangeOfComponentOfPlane(s, 0, 0),
				i == 1 ? kIOSurfaceComponentRangeFullRange : kIOSurfaceComponentRangeVideoRange);
		uint8_t *base = IOSurfaceGetBaseAddress(s);
		CHECK_EQ(IOSurfaceLock(s, 0, NULL), kIOReturnSuccess);
		for (size_t y = 0; y < 1080; y++) {
			memset(base + y * IOSurfaceGetBytesPerRow(s), 0x80, 1920 * 2);
		}
		CHECK_EQ(IOSurfaceUnlock(s, 0, NULL), kIOReturnSuccess);
		CFRelease(s);
	}
}

WORKER_TEST(mozilla_biplanar_surfaces_keep_their_range) {
	static const struct {
		bool half_height, ten_bit, full;
		OSType code;
		size_t bpe1;
	} cases[] = {
		{ true, false, false, '420v', 2 },
		{ true, false, true, '420f', 2 },
		{ true, true, false, 'x420', 4 },
		{ true, true, true, 'xf20', 4 },
		{ false, true, false, 'x422', 4 },
		{ false, true, true, 'xf22', 4 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		IOSurfaceRef s = ported_mozilla_create_biplanar(1279, 719, cases[i].half_height,
				cases[i].ten_bit, cases[i].full);
		CHECK_NOT_NULL(s);
		CHECK_EQ(IOSurfaceGetPixelFormat(s), cases[i].code);
		CHECK_EQ(IOSurfaceGetPlaneCount(s), 2);
		CHECK_EQ(IOSurfaceGetBytesPerElementOfPlane(s, 1), cases[i].bpe1);
		CHECK_EQ(IOSurfaceGetWidthOfPlane(s, 1), 640);
		CHECK_EQ(IOSurfaceGetHeightOfPlane(s, 1), cases[i].half_height ? 360 : 719);
		IOSurfaceComponentRange range = cases[i].full ? kIOSurfaceComponentRangeFullRange :
														kIOSurfaceComponentRangeVideoRange;
		CHECK_EQ(IOSurfaceGetRangeOfComponentOfPlane(s, 0, 0), range);
		CHECK_EQ(IOSurfaceGetRangeOfComponentOfPlane(s, 1, 1), range);
		check_planes_writable(s);
		ported_mozilla_set_common_properties(s, cases[i].ten_bit);
		check_value(s, CFSTR("IOSurfaceYCbCrMatrix"),
				cases[i].ten_bit ? kCVImageBufferYCbCrMatrix_ITU_R_2020 :
								   kCVImageBufferYCbCrMatrix_ITU_R_709_2);
		check_value(s, CFSTR("IOSurfaceTransferFunction"),
				cases[i].ten_bit ? CFSTR("SMPTE_ST_2084_PQ") : CFSTR("ITU_R_709_2"));
		// Read-only lock and unlock, as the compositor side does.
		uint32_t seed = 0;
		CHECK_EQ(IOSurfaceLock(s, kIOSurfaceLockReadOnly, &seed), kIOReturnSuccess);
		CHECK_EQ(IOSurfaceUnlock(s, kIOSurfaceLockReadOnly, NULL), kIOReturnSuccess);
		CHECK_EQ(IOSurfaceGetSeed(s), seed);
		IOSurfaceDecrementUseCount(s);
		CFRelease(s);
	}
}

/* ---- WebKit ---- */

WORKER_TEST(webkit_surfaces) {
	IOSurfaceRef s = ported_webkit_create_32bit(333, 77, 'BGRA');
	CHECK_NOT_NULL(s);
	CHECK_EQ(IOSurfaceGetElementWidth(s), 1);
	check_planes_writable(s);
	CFRelease(s);
	s = ported_webkit_create_32bit(333, 77, 'w30r');
	CHECK_NOT_NULL(s);
	CHECK_EQ(IOSurfaceGetPixelFormat(s), 'w30r');
	CHECK_EQ(IOSurfaceGetNumberOfComponentsOfPlane(s, 0), 3);
	CHECK_EQ(IOSurfaceGetRangeOfComponentOfPlane(s, 0, 0), kIOSurfaceComponentRangeWideRange);
	CHECK_EQ(IOSurfaceGetBitDepthOfComponentOfPlane(s, 0, 0), 10);
	CFRelease(s);
	s = ported_webkit_create_biplanar(333, 77, 'b3a8', 4, 1);
	CHECK_NOT_NULL(s);
	CHECK_EQ(IOSurfaceGetPixelFormat(s), 'b3a8');
	CHECK_EQ(IOSurfaceGetPlaneCount(s), 2);
	CHECK_EQ(IOSurfaceGetNameOfComponentOfPlane(s, 1, 0), kIOSurfaceComponentNameAlpha);
	check_planes_writable(s);
	CFRelease(s);
	s = ported_webkit_create_biplanar(333, 77, '422f', 1, 1);
	CHECK_NOT_NULL(s);
	CHECK_EQ(IOSurfaceGetPixelFormat(s), '422f');
	CHECK_EQ(IOSurfaceGetSubsampling(s), kIOSurfaceSubsampling422);
	check_planes_writable(s);
	CFRelease(s);
}

/* ---- Across processes ---- */

static void send_port(int sock, mach_port_t port, uint32_t tag) {
	CHECK_EQ(iosurface_port_send(sock, iosurface_mach_port_get_fd(port), &tag, sizeof(tag)), 0);
}

static mach_port_t receive_port(int sock, uint32_t *tag) {
	size_t len = sizeof(*tag);
	int fd = iosurface_port_receive(sock, tag, &len);
	CHECK(fd >= 0);
	CHECK_EQ(len, sizeof(*tag));
	mach_port_t port = iosurface_mach_port_adopt_fd(fd);
	CHECK(MACH_PORT_VALID(port));
	return port;
}

static void send_byte(int sock, char c) {
	CHECK_EQ(write(sock, &c, 1), 1);
}

static char receive_byte(int sock) {
	char c = 0;
	CHECK_EQ(read(sock, &c, 1), 1);
	return c;
}

static uint32_t pattern(size_t x, size_t y, uint32_t tag) {
	return 0xff000000u | (uint32_t)((x * 3 + y * 5 + tag) & 0xffffff);
}

static void fill(IOSurfaceRef s, uint32_t tag) {
	CHECK_EQ(IOSurfaceLock(s, 0, NULL), kIOReturnSuccess);
	uint8_t *base = IOSurfaceGetBaseAddress(s);
	for (size_t y = 0; y < IOSurfaceGetHeight(s); y++) {
		uint32_t *row = (uint32_t *)(base + y * IOSurfaceGetBytesPerRow(s));
		for (size_t x = 0; x < IOSurfaceGetWidth(s); x++) {
			row[x] = pattern(x, y, tag);
		}
	}
	CHECK_EQ(IOSurfaceUnlock(s, 0, NULL), kIOReturnSuccess);
}

static size_t wrong_pixels(IOSurfaceRef s, uint32_t tag) {
	size_t wrong = 0;
	CHECK_EQ(IOSurfaceLock(s, kIOSurfaceLockReadOnly, NULL), kIOReturnSuccess);
	const uint8_t *base = IOSurfaceGetBaseAddress(s);
	for (size_t y = 0; y < IOSurfaceGetHeight(s); y++) {
		const uint32_t *row = (const uint32_t *)(base + y * IOSurfaceGetBytesPerRow(s));
		for (size_t x = 0; x < IOSurfaceGetWidth(s); x++) {
			wrong += row[x] != pattern(x, y, tag);
		}
	}
	CHECK_EQ(IOSurfaceUnlock(s, kIOSurfaceLockReadOnly, NULL), kIOReturnSuccess);
	return wrong;
}

static void consumer_of_port(int sock) {
	uint32_t id = 0;
	mach_port_t port = receive_port(sock, &id);
	IOSurfaceRef s = ported_port_to_surface(port);
	CHECK_NOT_NULL(s);
	// The surface holds itself now: the right is dropped at once, as Chromium's scoper does.
	CHECK_EQ(mach_port_deallocate(mach_task_self(), port), KERN_SUCCESS);
	CHECK_EQ(iosurface_mach_port_get_fd(port), -1);
	CHECK_EQ(CFGetTypeID(s), IOSurfaceGetTypeID());
	CHECK_EQ(IOSurfaceGetID(s), id);
	CHECK_EQ(wrong_pixels(s, 1), 0);
	check_value(s, CFSTR("IOSurfaceColorSpace"), CFSTR("kCGColorSpaceSRGB"));
	uint32_t before = IOSurfaceGetSeed(s), after = 0;
	fill(s, 2);
	IOSurfaceUnlock(s, kIOSurfaceLockReadOnly, NULL); // unbalanced: refused or harmless
	CHECK_EQ(IOSurfaceLock(s, kIOSurfaceLockReadOnly, NULL), kIOReturnSuccess);
	CHECK_EQ(IOSurfaceUnlock(s, kIOSurfaceLockReadOnly, &after), kIOReturnSuccess);
	CHECK(after != before);
	IOSurfaceSetValue(s, CFSTR("written-by"), CFSTR("consumer"));
	CFRelease(s);
}

WORKER_TEST(port_handed_to_another_process_and_deallocated) {
	int sv[2];
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	IOSurfaceRef s = ported_chromium_create(256, 128, PORTED_BGRA_8888, true);
	CHECK_NOT_NULL(s);
	fill(s, 1);

	// In the process that holds it, a lookup gives the same object, retained.
	mach_port_t own = IOSurfaceCreateMachPort(s);
	CHECK(MACH_PORT_VALID(own));
	IOSurfaceRef same = IOSurfaceLookupFromMachPort(own);
	CHECK(same == s);
	CHECK_EQ(CFGetRetainCount(s), 2);
	CFRelease(same);
	CHECK_EQ(mach_port_deallocate(mach_task_self(), own), KERN_SUCCESS);

	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		close(sv[0]);
		consumer_of_port(sv[1]);
		_exit(0);
	}
	close(sv[1]);
	mach_port_t port = IOSurfaceCreateMachPort(s);
	CHECK(MACH_PORT_VALID(port));
	mach_port_t copy = ported_port_retain(port); // a scoped copy: two send rights
	CHECK(copy == port);
	send_port(sv[0], port, IOSurfaceGetID(s));
	int fd = iosurface_mach_port_get_fd(port);
	ported_port_release(copy);
	CHECK(fcntl(fd, F_GETFD) >= 0);
	CHECK_EQ(mach_port_deallocate(mach_task_self(), port), KERN_SUCCESS);
	CHECK(fcntl(fd, F_GETFD) < 0); // the last right closed it
	CHECK_EQ(mach_port_deallocate(mach_task_self(), port), KERN_INVALID_NAME);
	CHECK_EQ(wait_exit(pid), 0);
	close(sv[0]);

	CHECK_EQ(wrong_pixels(s, 2), 0);
	check_value(s, CFSTR("written-by"), CFSTR("consumer"));
	CFRelease(s);
}

/* The consumer holds surfaces in use as told: 'u' + index, 'd' + index, 'q' to quit. */
static void consumer_of_pool(int sock) {
	IOSurfaceRef surfaces[3];
	for (int i = 0; i < 3; i++) {
		uint32_t index = 0;
		mach_port_t port = receive_port(sock, &index);
		surfaces[index] = ported_port_to_surface(port);
		CHECK_NOT_NULL(surfaces[index]);
		CHECK_EQ(mach_port_deallocate(mach_task_self(), port), KERN_SUCCESS);
	}
	send_byte(sock, 'r');
	for (;;) {
		char op = receive_byte(sock);
		if (op == 'q') {
			break;
		}
		int index = receive_byte(sock) - '0';
		CHECK(index >= 0 && index < 3);
		if (op == 'u') {
			IOSurfaceIncrementUseCount(surfaces[index]);
		} else {
			IOSurfaceDecrementUseCount(surfaces[index]);
		}
		send_byte(sock, 'k');
	}
	for (int i = 0; i < 3; i++) {
		CFRelease(surfaces[i]);
	}
}

/* Another process's use count reaches this one through the compositor: wait for it. */
static bool wait_in_use(IOSurfaceRef s, bool in_use) {
	int64_t deadline = harness_now_ms() + harness_scale_timeout(10000);
	while ((bool)IOSurfaceIsInUse(s) != in_use) {
		if (harness_now_ms() > deadline) {
			return false;
		}
		harness_sleep_ms(5);
	}
	return true;
}

static void tell(int sock, char op, int index) {
	send_byte(sock, op);
	send_byte(sock, (char)('0' + index));
	CHECK_EQ(receive_byte(sock), 'k');
}

WORKER_TEST(use_counts_drive_a_pool) {
	int sv[2];
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		close(sv[0]);
		consumer_of_pool(sv[1]);
		_exit(0);
	}
	close(sv[1]);
	IOSurfaceRef s[3];
	for (uint32_t i = 0; i < 3; i++) {
		s[i] = ported_chromium_create(64, 64, PORTED_BGRA_8888, false);
		CHECK_NOT_NULL(s[i]);
		fill(s[i], 10 + i);
		mach_port_t port = IOSurfaceCreateMachPort(s[i]);
		send_port(sv[0], port, i);
		CHECK_EQ(mach_port_deallocate(mach_task_self(), port), KERN_SUCCESS);
	}
	CHECK_EQ(receive_byte(sv[0]), 'r');
	// With every port gone, nothing uses the surfaces until the consumer says so.
	for (int i = 0; i < 3; i++) {
		CHECK(wait_in_use(s[i], false));
	}
	tell(sv[0], 'u', 0);
	tell(sv[0], 'u', 1);
	CHECK(wait_in_use(s[0], true));
	CHECK(wait_in_use(s[1], true));
	CHECK_EQ(IOSurfaceGetUseCount(s[0]), 0); // this process's count; the use is elsewhere

	struct ported_pool *pool = ported_pool_create();
	CHECK_NOT_NULL(pool);
	for (int i = 0; i < 3; i++) {
		ported_pool_add(pool, (IOSurfaceRef)CFRetain(s[i]));
	}
	CHECK_EQ(ported_pool_in_use_count(pool), 2);
	CHECK_EQ(ported_pool_free_count(pool), 1);
	bool emptied = false;
	IOSurfaceRef taken = ported_pool_take(pool, 64, 64, &emptied);
	CHECK(taken == s[2]);
	CHECK(!emptied);
	CHECK_EQ(wrong_pixels(taken, 12), 0);
	CHECK(ported_pool_take(pool, 64, 64, &emptied) == NULL); // the rest is in use
	CFRelease(taken);

	tell(sv[0], 'd', 0);
	CHECK(wait_in_use(s[0], false));
	taken = ported_pool_take(pool, 64, 64, &emptied); // found among the in-use ones
	CHECK(taken == s[0]);
	CFRelease(taken);

	ported_pool_collect(pool);
	CHECK_EQ(ported_pool_in_use_count(pool), 1);
	send_byte(sv[0], 'q');
	CHECK_EQ(wait_exit(pid), 0);
	close(sv[0]);
	// The consumer exited without decrementing: its use ends with it.
	CHECK(wait_in_use(s[1], false));
	ported_pool_collect(pool); // moved to the free list and marked volatile
	CHECK_EQ(ported_pool_in_use_count(pool), 0);
	CHECK_EQ(ported_pool_free_count(pool), 1);
	taken = ported_pool_take(pool, 64, 64, &emptied);
	CHECK(taken == s[1]);
	if (!emptied) {
		CHECK_EQ(wrong_pixels(taken, 11), 0);
	}
	CFRelease(taken);
	ported_pool_destroy(pool);
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(CFGetRetainCount(s[i]), 1);
		CFRelease(s[i]);
	}
}

int main(int argc, char **argv) {
	return harness_main(argc, argv);
}
