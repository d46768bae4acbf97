/*
 * Figure 1: create + map + destroy a 1920x1080 BGRA surface, pages untouched, against the
 * floor memfd_create + ftruncate + mmap + munmap + close of the same size.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <iosurface/iosurface.h>

#include "bench.h"

static double time_floor(size_t size) {
	uint64_t t0 = bench_now_ns();
	int fd = memfd_create("bench-floor", MFD_CLOEXEC);
	CHECK_GE(fd, 0);
	CHECK_EQ(ftruncate(fd, (off_t)size), 0);
	void *map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(map != MAP_FAILED);
	munmap(map, size);
	close(fd);
	return (double)(bench_now_ns() - t0);
}

static double time_surface(struct iosurface_client *client,
		const struct iosurface_properties *props) {
	uint64_t t0 = bench_now_ns();
	struct iosurface *s = iosurface_create(client, props);
	CHECK_NOT_NULL(s);
	CHECK_NOT_NULL(iosurface_get_base_address(s));
	iosurface_unref(s);
	return (double)(bench_now_ns() - t0);
}

void bench_alloc(void) {
	struct harness_compositor *hc = bench_compositor_start("1280x720");
	struct iosurface_client *client = iosurface_client_connect(NULL);
	CHECK_NOT_NULL(client);
	struct iosurface_properties props = {
		.width = 1920,
		.height = 1080,
		.pixel_format = BENCH_FORMAT_ARGB8888,
	};
	struct iosurface *first = iosurface_create(client, &props);
	CHECK_NOT_NULL(first);
	size_t size = iosurface_get_alloc_size(first);
	CHECK_GE(size, (size_t)1920 * 1080 * 4);
	iosurface_unref(first);

	int iters = bench_iters(3000, 30);
	int block = bench_iters(100, 10);
	double *ios = calloc((size_t)iters, sizeof(double));
	double *floor = calloc((size_t)iters, sizeof(double));
	CHECK_NOT_NULL(ios);
	CHECK_NOT_NULL(floor);
	for (int i = 0; i < bench_iters(200, 5); i++) {
		time_surface(client, &props);
		time_floor(size);
	}
	// The compositor's part happens on its own time (the requests leave with a later flush):
	// its CPU time over the loop is reported beside the figure.
	CHECK_EQ(iosurface_client_roundtrip(client), 0);
	int64_t compositor_cpu = bench_process_cpu_ns(harness_compositor_pid(hc));
	// Alternate blocks, so that drift in the machine's speed hits both alike.
	for (int done = 0; done < iters; done += block) {
		int n = iters - done < block ? iters - done : block;
		for (int i = 0; i < n; i++) {
			floor[done + i] = time_floor(size);
		}
		for (int i = 0; i < n; i++) {
			ios[done + i] = time_surface(client, &props);
		}
	}
	CHECK_EQ(iosurface_client_roundtrip(client), 0);
	double compositor_us = compositor_cpu >= 0 ?
			(double)(bench_process_cpu_ns(harness_compositor_pid(hc)) - compositor_cpu) / 1e3 /
					iters :
			-1;
	double ios_us = bench_median(ios, (size_t)iters) / 1e3;
	double floor_us = bench_median(floor, (size_t)iters) / 1e3;
	CHECK(ios_us > 0 && floor_us > 0);
	struct bench_row *row = bench_add_row("create + map + destroy, 1080p BGRA, untouched", "us",
			ios_us, floor_us, "<= 1.5x", BENCH_MET_UNKNOWN);
	row->met = row->ratio <= 1.5 ? BENCH_MET_YES : BENCH_MET_NO;
	double roundtrip_us = bench_roundtrip_us(client, bench_iters(2000, 20));
	bench_note("create+map+destroy: median of %d, alloc size %zu bytes; floor = memfd_create + "
			"ftruncate + mmap + munmap + close of that size; a bare round trip to the compositor "
			"(wl_display.sync) takes %.1f us here, so floor + one round trip = %.2fx the floor; "
			"no round trip is made (the memory is the client's, adopted by the compositor from "
			"the request stream), and the compositor spends %.1f us of CPU per surface on its "
			"own time",
			iters, size, roundtrip_us, (floor_us + roundtrip_us) / floor_us, compositor_us);

	free(ios);
	free(floor);
	iosurface_client_destroy(client);
	harness_compositor_stop(hc);
}
