/*
 * The test pattern: eight colour bars scrolling right, a grey ramp with a square bouncing
 * across it, and the frame number in a black box. Everything moves every frame, so a still
 * screenshot or a stuck pipeline shows. Drawn with plain stores: no copy.
 */
#include <string.h>

#include "producer-consumer.h"

void pc_copy(void *dst, const void *src, size_t len, uint64_t *counter) {
	memcpy(dst, src, len);
	*counter += len;
}

/* ARGB8888 as a little-endian 32-bit word: 0xAARRGGBB. */
static const uint32_t bar_colors[8] = {
	0xffc0c0c0, /* grey */
	0xffc0c000, /* yellow */
	0xff00c0c0, /* cyan */
	0xff00c000, /* green */
	0xffc000c0, /* magenta */
	0xffc00000, /* red */
	0xff0000c0, /* blue */
	0xff101010, /* black */
};

/* Digits 0-9 in a 3x5 grid, one bit per cell, top row in the high bits. */
static const uint16_t digit_cells[10] = {
	0x7b6f, /* 111 101 101 101 111 */
	0x2c97, /* 010 110 010 010 111 */
	0x73e7, /* 111 001 111 100 111 */
	0x73cf, /* 111 001 111 001 111 */
	0x5bc9, /* 101 101 111 001 001 */
	0x79cf, /* 111 100 111 001 111 */
	0x79ef, /* 111 100 111 101 111 */
	0x7249, /* 111 001 001 001 001 */
	0x7bef, /* 111 101 111 101 111 */
	0x7bcf, /* 111 101 111 001 111 */
};

struct image {
	char *base;
	size_t bytes_per_row;
	int width, height;
};

static void fill_rect(const struct image *img, int x0, int y0, int x1, int y1, uint32_t color) {
	x0 = x0 < 0 ? 0 : x0;
	y0 = y0 < 0 ? 0 : y0;
	x1 = x1 > img->width ? img->width : x1;
	y1 = y1 > img->height ? img->height : y1;
	for (int y = y0; y < y1; y++) {
		uint32_t *row = (uint32_t *)(img->base + (size_t)y * img->bytes_per_row);
		for (int x = x0; x < x1; x++) {
			row[x] = color;
		}
	}
}

/* A rectangle in a band that wraps around horizontally. */
static void fill_wrapped(const struct image *img, int x0, int x1, int y0, int y1, uint32_t color) {
	int w = img->width;
	int span = x1 - x0 > w ? w : x1 - x0;
	x0 %= w;
	x1 = x0 + span;
	fill_rect(img, x0, y0, x1, y1, color);
	if (x1 > w) {
		fill_rect(img, 0, y0, x1 - w, y1, color);
	}
}

static void draw_number(const struct image *img, int x, int y, int scale, uint64_t number,
		int digits) {
	int pad = scale;
	int digit_width = 4 * scale;
	fill_rect(img, x, y, x + 2 * pad + digits * digit_width - scale, y + 2 * pad + 5 * scale,
			0xff000000);
	for (int i = digits - 1; i >= 0; i--) {
		uint16_t cells = digit_cells[number % 10];
		number /= 10;
		int dx = x + pad + i * digit_width;
		for (int row = 0; row < 5; row++) {
			for (int col = 0; col < 3; col++) {
				if (cells & (1u << (14 - (row * 3 + col)))) {
					fill_rect(img, dx + col * scale, y + pad + row * scale, dx + (col + 1) * scale,
							y + pad + (row + 1) * scale, 0xffffffff);
				}
			}
		}
	}
}

void pc_draw_frame(void *base, size_t bytes_per_row, uint32_t width, uint32_t height,
		uint64_t frame) {
	struct image img = { base, bytes_per_row, (int)width, (int)height };
	int w = img.width, h = img.height;
	int bars_bottom = h * 2 / 3;

	// Colour bars, scrolling right by 4 pixels a frame.
	int offset = (int)((frame * 4) % (uint64_t)w);
	for (int i = 0; i < 8; i++) {
		int x0 = i * w / 8, x1 = (i + 1) * w / 8;
		fill_wrapped(&img, x0 + offset, x1 + offset, 0, bars_bottom, bar_colors[i]);
	}

	// A grey ramp in 16 steps below them.
	for (int i = 0; i < 16; i++) {
		uint32_t v = (uint32_t)(i * 255 / 15);
		fill_rect(&img, i * w / 16, bars_bottom, (i + 1) * w / 16, h,
				0xff000000u | v << 16 | v << 8 | v);
	}

	// A square bouncing from side to side across the ramp.
	int side = (h - bars_bottom) / 2;
	int travel = w - side;
	if (side > 0 && travel > 0) {
		int pos = (int)((frame * 8) % (uint64_t)(2 * travel));
		int x = pos < travel ? pos : 2 * travel - pos;
		int y = bars_bottom + (h - bars_bottom - side) / 2;
		fill_rect(&img, x, y, x + side, y + side, 0xffff8000);
	}

	// The frame number, large enough to read in a screenshot.
	int scale = h / 60 > 1 ? h / 60 : 1;
	draw_number(&img, scale, scale, scale, frame, 6);
}
