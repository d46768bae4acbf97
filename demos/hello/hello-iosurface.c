/*
 * hello-iosurface: the shortest path through libiosurface.
 *
 * One connection creates a 256x256 BGRA surface, writes a pattern into it and makes a port;
 * a second connection (standing in for another process) redeems the port and checks that it
 * sees every pixel the first one wrote, through the same memory, with no copy.
 *
 *     hello-iosurface             uses the compositor of $WAYLAND_DISPLAY
 *     hello-iosurface --headless  starts a private headless iosurface-compositor first
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <iosurface/iosurface.h>

#include "launch.h"

#define SIZE 256

/* The pattern: a gradient in red and green, a checkerboard in blue, opaque. */
static uint32_t pattern(uint32_t x, uint32_t y) {
	uint32_t blue = ((x / 32 + y / 32) % 2) ? 0xff : 0x40;
	return 0xff000000u | x << 16 | y << 8 | blue;
}

static int run(void) {
	int status = 1;
	struct iosurface_client *first = NULL, *second = NULL;
	struct iosurface *surface = NULL, *redeemed = NULL;
	int port = -1;

	// 1. Connect, as the producing process would.
	first = iosurface_client_connect(NULL);
	if (first == NULL) {
		fprintf(stderr,
				"hello-iosurface: cannot connect to an iosurface compositor: %s\n"
				"  (is WAYLAND_DISPLAY set? try --headless)\n",
				strerror(errno));
		goto out;
	}
	printf("connected to the compositor\n");

	// 2. Create a surface: width, height and format are enough; the compositor lays it out.
	struct iosurface_properties props = {
		.width = SIZE,
		.height = SIZE,
		.pixel_format = iosurface_format_from_ostype('BGRA'),
		.name = "hello",
	};
	surface = iosurface_create(first, &props);
	if (surface == NULL) {
		fprintf(stderr, "hello-iosurface: iosurface_create failed: %s\n", strerror(errno));
		goto out;
	}
	size_t bytes_per_row = iosurface_get_bytes_per_row(surface);
	printf("created surface %u: %zux%zu, %zu bytes per row, %zu bytes\n", iosurface_get_id(surface),
			iosurface_get_width(surface), iosurface_get_height(surface), bytes_per_row,
			iosurface_get_alloc_size(surface));

	// 3. Write the pattern between lock and unlock; unlocking a write bumps the seed.
	uint32_t seed;
	int ret = iosurface_lock(surface, 0, &seed);
	if (ret < 0) {
		fprintf(stderr, "hello-iosurface: iosurface_lock failed: %s\n", strerror(-ret));
		goto out;
	}
	uint8_t *base = iosurface_get_base_address(surface);
	for (uint32_t y = 0; y < SIZE; y++) {
		uint32_t *row = (uint32_t *)(base + y * bytes_per_row);
		for (uint32_t x = 0; x < SIZE; x++) {
			row[x] = pattern(x, y);
		}
	}
	iosurface_unlock(surface, 0, &seed);
	printf("wrote %d pixels; the seed is now %u\n", SIZE * SIZE, seed);

	// 4. A port: a descriptor that holds a reference to the surface, to hand to anyone.
	port = iosurface_create_port(surface);
	if (port < 0) {
		fprintf(stderr, "hello-iosurface: iosurface_create_port failed: %s\n", strerror(-port));
		goto out;
	}
	printf("created port (descriptor %d)\n", port);

	// 5. A second connection redeems the port. Another process would receive the descriptor
	// over a socket first (iosurface_port_send / iosurface_port_receive).
	second = iosurface_client_connect(NULL);
	if (second == NULL) {
		fprintf(stderr, "hello-iosurface: second connection failed: %s\n", strerror(errno));
		goto out;
	}
	redeemed = iosurface_lookup_from_port(second, port);
	if (redeemed == NULL) {
		fprintf(stderr, "hello-iosurface: iosurface_lookup_from_port failed: %s\n",
				strerror(errno));
		goto out;
	}
	printf("second connection redeemed the port: surface %u, %zux%zu, seed %u\n",
			iosurface_get_id(redeemed), iosurface_get_width(redeemed),
			iosurface_get_height(redeemed), iosurface_get_seed(redeemed));
	if (iosurface_get_id(redeemed) != iosurface_get_id(surface) ||
			iosurface_get_width(redeemed) != SIZE || iosurface_get_height(redeemed) != SIZE ||
			iosurface_get_pixel_format(redeemed) != props.pixel_format ||
			iosurface_get_seed(redeemed) != seed) {
		fprintf(stderr, "hello-iosurface: the redeemed surface is described differently\n");
		goto out;
	}

	// 6. Read every pixel back through the second mapping.
	iosurface_lock(redeemed, IOSURFACE_LOCK_READ_ONLY, NULL);
	const uint8_t *other = iosurface_get_base_address(redeemed);
	size_t other_bpr = iosurface_get_bytes_per_row(redeemed);
	size_t mismatches = 0;
	for (uint32_t y = 0; y < SIZE; y++) {
		const uint32_t *row = (const uint32_t *)(other + y * other_bpr);
		for (uint32_t x = 0; x < SIZE; x++) {
			if (row[x] != pattern(x, y)) {
				if (mismatches == 0) {
					fprintf(stderr,
							"hello-iosurface: pixel (%u, %u) reads 0x%08x, "
							"expected 0x%08x\n",
							x, y, row[x], pattern(x, y));
				}
				mismatches++;
			}
		}
	}
	iosurface_unlock(redeemed, IOSURFACE_LOCK_READ_ONLY, NULL);
	if (mismatches > 0) {
		fprintf(stderr, "hello-iosurface: %zu of %d pixels differ\n", mismatches, SIZE * SIZE);
		goto out;
	}
	printf("all %d pixels read back identical through the second connection\n", SIZE * SIZE);
	status = 0;

out:
	if (port >= 0) {
		close(port);
	}
	iosurface_unref(redeemed);
	iosurface_unref(surface);
	iosurface_client_destroy(second);
	iosurface_client_destroy(first);
	return status;
}

int main(int argc, char *argv[]) {
	bool headless = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--headless") == 0) {
			headless = true;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			printf("Usage: %s [--headless]\n", argv[0]);
			return 0;
		} else {
			fprintf(stderr, "Usage: %s [--headless]\n", argv[0]);
			return 1;
		}
	}

	struct demo_compositor compositor;
	if (headless) {
		if (demo_compositor_start(&compositor, 640, 480) != 0) {
			return 1;
		}
		printf("started a headless compositor (pid %d) on %s\n", (int)compositor.pid,
				compositor.socket);
	}
	int status = run();
	if (headless && demo_compositor_stop(&compositor) != 0 && status == 0) {
		fprintf(stderr, "hello-iosurface: the compositor did not stop cleanly\n");
		status = 1;
	}
	printf(status == 0 ? "hello-iosurface: success\n" : "hello-iosurface: FAILED\n");
	return status;
}
