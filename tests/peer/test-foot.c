// peer-foot: a stock terminal (foot, a wl_shm client with client-side decorations and
// font rendering) is shown by the reference compositor, read back with grim.
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"

#define OUTPUT_W 640
#define OUTPUT_H 480
#define BACKGROUND 0x202020u

static int capture(struct harness_compositor *hc, struct harness_image *img) {
	char path[512];
	snprintf(path, sizeof(path), "%s/foot.ppm", harness_compositor_runtime_dir(hc));
	CHECK_EQ(harness_capture(path), 0);
	CHECK_EQ(harness_read_ppm(path, img), 0);
	CHECK_EQ(img->width, OUTPUT_W);
	CHECK_EQ(img->height, OUTPUT_H);
	int unlike = 0;
	for (int y = 0; y < OUTPUT_H; y++) {
		for (int x = 0; x < OUTPUT_W; x++) {
			unlike += harness_image_pixel(img, x, y) != BACKGROUND;
		}
	}
	return unlike;
}

TEST(foot_is_shown) {
	if (!harness_have_program("foot")) {
		SKIP("foot is not installed (Debian: foot)");
	}
	if (!harness_have_program("grim")) {
		SKIP("grim is not installed (Debian: grim)");
	}
	const char *args[] = { "--size", "640x480", NULL };
	struct harness_compositor *hc = harness_compositor_start(args);
	char out[512];
	snprintf(out, sizeof(out), "%s/foot.log", harness_compositor_runtime_dir(hc));
	// A full line of '#' in the first row of cells, then nothing but waiting.
	const char *argv[] = { "foot", "--config=/dev/null", "sh", "-c",
		"printf '%080d\\n' 0 | tr 0 '#'; exec sleep 60", NULL };
	pid_t pid = harness_spawn(argv, out, out);
	CHECK_GT(pid, 0);
	struct harness_image img = { 0 };
	int unlike = 0;
	int64_t deadline = harness_now_ms() + harness_scale_timeout(10000);
	do {
		harness_sleep_ms(300);
		if (harness_wait_pid(pid, 0) != -ETIMEDOUT) {
			char *log = harness_read_file(out, NULL);
			fprintf(stderr, "%s\n", log != NULL ? log : "");
			free(log);
			FAIL("foot exited early");
		}
		harness_image_finish(&img);
		unlike = capture(hc, &img);
	} while (unlike < OUTPUT_W * OUTPUT_H / 2 && harness_now_ms() < deadline);
	// The window covers most of the output (foot opens larger than 640x480).
	CHECK_GE(unlike, OUTPUT_W * OUTPUT_H / 2);
	// Its terminal background is one colour over most of the lower part...
	uint32_t term_bg = harness_image_pixel(&img, OUTPUT_W / 2, OUTPUT_H - 20);
	CHECK_NE(term_bg, BACKGROUND);
	int same = 0;
	for (int y = OUTPUT_H / 2; y < OUTPUT_H; y++) {
		for (int x = 0; x < OUTPUT_W; x++) {
			same += harness_image_pixel(&img, x, y) == term_bg;
		}
	}
	CHECK_GE(same, OUTPUT_W * (OUTPUT_H / 2) * 9 / 10);
	// ...and the row of '#' near the top is drawn in other colours (glyphs, antialiased).
	int ink = 0;
	for (int y = 0; y < 80; y++) {
		for (int x = 0; x < OUTPUT_W; x++) {
			uint32_t c = harness_image_pixel(&img, x, y);
			ink += c != term_bg && c != BACKGROUND;
		}
	}
	CHECK_GE(ink, 2000);
	harness_image_finish(&img);
	// foot ends its shell and exits with the shell's status; it must stop, not crash.
	int status = harness_stop_pid(pid, SIGTERM, 5000);
	CHECK_GE(status, 0);
	CHECK_NE(status, 128 + SIGSEGV);
	CHECK_NE(status, 128 + SIGABRT);
	CHECK_NE(status, 128 + SIGKILL);
	harness_compositor_stop(hc);
}

int main(int argc, char **argv) {
	return harness_main(argc, argv);
}
