// peer-weston-simple-shm: a stock wl_shm client (weston-simple-shm) is shown by the reference
// compositor, read back with grim (wlr-screencopy): its 250x250 animated window sits at the
// top-left of a 640x480 output and nothing else is drawn.
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"

#define OUTPUT_W 640
#define OUTPUT_H 480
#define WINDOW_SIZE 250

static void capture(struct harness_compositor *hc, const char *name, struct harness_image *img) {
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", harness_compositor_runtime_dir(hc), name);
	CHECK_EQ(harness_capture(path), 0);
	CHECK_EQ(harness_read_ppm(path, img), 0);
	CHECK_EQ(img->width, OUTPUT_W);
	CHECK_EQ(img->height, OUTPUT_H);
}

static void dump_output(const char *path) {
	char *text = harness_read_file(path, NULL);
	if (text != NULL && text[0] != '\0') {
		fprintf(stderr, "%s:\n%s\n", path, text);
	}
	free(text);
}

// Distinct colours in a rectangle (bounded: stops counting at max).
static int distinct_colors(const struct harness_image *img, int x0, int y0, int w, int h,
		int max) {
	static uint32_t seen[4096];
	int count = 0;
	for (int y = y0; y < y0 + h && count < max; y++) {
		for (int x = x0; x < x0 + w && count < max; x++) {
			uint32_t c = harness_image_pixel(img, x, y);
			bool found = false;
			for (int i = 0; i < count; i++) {
				if (seen[i] == c) {
					found = true;
					break;
				}
			}
			if (!found && count < (int)(sizeof(seen) / sizeof(seen[0]))) {
				seen[count++] = c;
			}
		}
	}
	return count;
}

TEST(weston_simple_shm_is_shown) {
	if (!harness_have_program("weston-simple-shm")) {
		SKIP("weston-simple-shm is not installed (Debian: weston)");
	}
	if (!harness_have_program("grim")) {
		SKIP("grim is not installed (Debian: grim)");
	}
	const char *args[] = { "--size", "640x480", NULL };
	struct harness_compositor *hc = harness_compositor_start(args);

	char out[512], err[512];
	snprintf(out, sizeof(out), "%s/simple-shm.out", harness_compositor_runtime_dir(hc));
	snprintf(err, sizeof(err), "%s/simple-shm.err", harness_compositor_runtime_dir(hc));
	const char *argv[] = { "weston-simple-shm", NULL };
	pid_t pid = harness_spawn(argv, out, err);
	CHECK_GT(pid, 0);
	// About 1.5 s of drawing; slower runs (valgrind) get more time for the first frame.
	harness_sleep_ms(1500);
	struct harness_image first, second;
	int64_t deadline = harness_now_ms() + harness_scale_timeout(10000);
	for (;;) {
		if (harness_wait_pid(pid, 0) != -ETIMEDOUT) {
			dump_output(out);
			dump_output(err);
			FAIL("weston-simple-shm exited early");
		}
		capture(hc, "first.ppm", &first);
		if (harness_image_pixel(&first, WINDOW_SIZE / 2, WINDOW_SIZE / 2) !=
						harness_image_pixel(&first, OUTPUT_W - 1, OUTPUT_H - 1) ||
				harness_now_ms() > deadline) {
			break;
		}
		harness_image_finish(&first);
		harness_sleep_ms(500);
	}
	harness_sleep_ms(300);
	capture(hc, "second.ppm", &second);

	// The background: the far corner, and all of the output outside the window's square
	// (with a margin of 10 pixels) has that one colour.
	uint32_t background = harness_image_pixel(&first, OUTPUT_W - 1, OUTPUT_H - 1);
	for (int y = 300; y < OUTPUT_H; y++) {
		for (int x = 400; x < OUTPUT_W; x++) {
			CHECK_EQ(harness_image_pixel(&first, x, y), background);
		}
	}
	int stray = 0;
	for (int y = 0; y < OUTPUT_H; y++) {
		for (int x = 0; x < OUTPUT_W; x++) {
			if ((x >= WINDOW_SIZE + 10 || y >= WINDOW_SIZE + 10) &&
					harness_image_pixel(&first, x, y) != background) {
				stray++;
			}
		}
	}
	CHECK_EQ(stray, 0);

	// The window: 250x250 at 0,0, nearly all of it unlike the background, many colours.
	int unlike = 0;
	for (int y = 0; y < WINDOW_SIZE; y++) {
		for (int x = 0; x < WINDOW_SIZE; x++) {
			if (harness_image_pixel(&first, x, y) != background) {
				unlike++;
			}
		}
	}
	CHECK_GE(unlike, WINDOW_SIZE * WINDOW_SIZE * 95 / 100);
	CHECK_GE(distinct_colors(&first, 0, 0, WINDOW_SIZE, WINDOW_SIZE, 1000), 200);

	// Animated: frame callbacks keep coming, so the two captures differ inside the window.
	int changed = 0;
	for (int y = 0; y < WINDOW_SIZE; y++) {
		for (int x = 0; x < WINDOW_SIZE; x++) {
			if (harness_image_pixel(&first, x, y) != harness_image_pixel(&second, x, y)) {
				changed++;
			}
		}
	}
	CHECK_GE(changed, 100);
	harness_image_finish(&first);
	harness_image_finish(&second);

	// Still running: stop it by PID. It does not catch SIGTERM, so it dies of it.
	CHECK_ERRNO(harness_wait_pid(pid, 0), ETIMEDOUT);
	int status = harness_stop_pid(pid, SIGTERM, 5000);
	if (status != 0 && status != 128 + SIGTERM) {
		dump_output(err);
		FAIL("weston-simple-shm ended with %d after SIGTERM", status);
	}
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

int main(int argc, char **argv) {
	return harness_main(argc, argv);
}
