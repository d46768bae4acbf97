/*
 * fuzz-layout: bytes into a struct ios_request (and sometimes lowered limits), then
 * ios_layout_compute(), which the compositor runs on every surface a client asks for.
 * A refusal must be a known status with a message; an OK layout must satisfy every rule of
 * tests/unit/layout-invariants.h (planes inside alloc_size, disjoint, aligned, rows long
 * enough, explicit properties honoured, defaults tight) and come back unchanged when sent
 * again with every property explicit.
 *
 * Input, read front to back (missing bytes read as 0):
 *   format byte   index into the format table; one past it: a raw u32 fourcc; two past: 0
 *   limits byte   bit 0: custom limits follow (u16 max_dimension, field max_alloc_size)
 *   fields        width, height, bytes_per_element, element_width, element_height,
 *                 bytes_per_row, offset, alloc_size
 *   byte          plane_count % 6
 *   byte          bit i: plane i set, its fields follow: width, height, bytes_per_row,
 *                 bytes_per_element, element_width, element_height, offset, size
 * A field is a shape byte and a value shaped by it (see take_field), so that small, aligned
 * and near-overflow values are all a mutation away.
 *
 * fuzz/corpus/fuzz-layout/ holds seeds; tests/unit replays them in every build.
 */
#ifdef NDEBUG
#error "fuzz targets must be built without NDEBUG"
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iosurface-common.h"
#include "layout-invariants.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond) \
	do { \
		if (!(cond)) { \
			fprintf(stderr, "%s:%d: fuzz check failed: %s\n", __FILE__, __LINE__, #cond); \
			abort(); \
		} \
	} while (0)

struct input {
	const uint8_t *data;
	size_t size, pos;
};

static uint8_t take_byte(struct input *in) {
	return in->pos < in->size ? in->data[in->pos++] : 0;
}

static uint32_t take_le(struct input *in, unsigned bytes) {
	uint32_t v = 0;
	for (unsigned i = 0; i < bytes; i++) {
		v |= (uint32_t)take_byte(in) << (8 * i);
	}
	return v;
}

static uint32_t take_field(struct input *in) {
	uint8_t shape = take_byte(in);
	switch (shape & 7) {
	case 0:
		return 0; // default
	case 1:
		return take_byte(in);
	case 2:
		return take_le(in, 2);
	case 3:
		return take_le(in, 4);
	case 4:
		return take_le(in, 2) * 64u; // row and offset alignment
	case 5:
		return take_le(in, 2) * 4096u; // pages
	case 6:
		return 1u + (shape >> 3); // 1..32
	default:
		return UINT32_MAX - (shape >> 3); // near the top
	}
}

static void take_request(struct input *in, struct ios_request *req, struct ios_limits *limits,
		bool *use_limits) {
	memset(req, 0, sizeof(*req));
	size_t n = ios_format_count();
	size_t f = take_byte(in) % (n + 2);
	req->format = f < n ? ios_format_at(f)->fourcc : f == n ? take_le(in, 4) : 0;
	*use_limits = take_byte(in) & 1;
	if (*use_limits) {
		// The compositor may lower the limits, never raise them.
		limits->max_dimension = 1 + take_le(in, 2) % IOS_MAX_DIMENSION;
		limits->max_alloc_size = take_field(in);
	}
	req->width = take_field(in);
	req->height = take_field(in);
	req->bytes_per_element = take_field(in);
	req->element_width = take_field(in);
	req->element_height = take_field(in);
	req->bytes_per_row = take_field(in);
	req->offset = take_field(in);
	req->alloc_size = take_field(in);
	req->plane_count = take_byte(in) % 6;
	uint8_t planes = take_byte(in);
	for (unsigned i = 0; i < IOS_MAX_PLANES; i++) {
		if (!(planes & (1u << i))) {
			continue;
		}
		struct ios_plane_layout *p = &req->planes[i];
		req->plane_set[i] = true;
		p->width = take_field(in);
		p->height = take_field(in);
		p->bytes_per_row = take_field(in);
		p->bytes_per_element = take_field(in);
		p->element_width = take_field(in);
		p->element_height = take_field(in);
		p->offset = take_field(in);
		p->size = take_field(in);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	struct input in = { data, size, 0 };
	struct ios_request req;
	struct ios_limits limits;
	bool use_limits;
	take_request(&in, &req, &limits, &use_limits);
	const struct ios_limits *lim = use_limits ? &limits : NULL;

	char msg[256];
	struct ios_layout out;
	enum ios_layout_status status = ios_layout_compute(&req, lim, &out, msg, sizeof(msg));
	FUZZ_CHECK(status <= IOS_LAYOUT_UNKNOWN_FORMAT);
	FUZZ_CHECK(memchr(msg, '\0', sizeof(msg)) != NULL);

	// The message buffer changes nothing but the message.
	struct ios_layout quiet;
	FUZZ_CHECK(ios_layout_compute(&req, lim, &quiet, NULL, 0) == status);
	char tiny[1] = { 'x' };
	FUZZ_CHECK(ios_layout_compute(&req, lim, &quiet, tiny, sizeof(tiny)) == status);
	FUZZ_CHECK(tiny[0] == '\0');

	if (status != IOS_LAYOUT_OK) {
		FUZZ_CHECK(msg[0] != '\0'); // every refusal says why
		return 0;
	}
	FUZZ_CHECK(msg[0] == '\0');
	FUZZ_CHECK(memcmp(&quiet, &out, sizeof(out)) == 0);

	char why[256];
	if (!layout_invariants_hold(&req, lim, &out, why, sizeof(why))) {
		fprintf(stderr, "layout invariant broken: %s\n", why);
		abort();
	}

	struct ios_request again;
	struct ios_layout out2;
	layout_as_request(&out, &again);
	status = ios_layout_compute(&again, lim, &out2, msg, sizeof(msg));
	if (status != IOS_LAYOUT_OK) {
		fprintf(stderr, "the explicit form of an OK layout is refused: %s\n", msg);
		abort();
	}
	FUZZ_CHECK(memcmp(&out, &out2, sizeof(out)) == 0);
	return 0;
}
