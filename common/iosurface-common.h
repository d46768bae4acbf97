/*
 * Code shared by the compositor module and libiosurface: the format table, the layout rules
 * (so that defaults computed on either side agree), the value codec and the wire layout of
 * the shared state. Never installed.
 */
#ifndef COMMON_IOSURFACE_COMMON_H
#define COMMON_IOSURFACE_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <iosurface/iosurface.h>

/* ---- Limits published by the compositor (defaults; the compositor may lower some) ---- */

#define IOS_MAX_DIMENSION 16384u
#define IOS_MAX_BYTES_PER_ELEMENT 64u
#define IOS_MAX_ELEMENT_DIMENSION 16u
#define IOS_MAX_ALLOC_SIZE (1u << 30)
#define IOS_ROW_ALIGNMENT 64u
#define IOS_OFFSET_ALIGNMENT 64u
#define IOS_PAGE_SIZE 4096u
#define IOS_MAX_NAME_LENGTH 255u
#define IOS_MAX_KEY_LENGTH 255u
#define IOS_MAX_VALUE_SIZE 3072u
#define IOS_MAX_VALUE_COUNT 64u
#define IOS_MAX_VALUE_TOTAL 65536u /* keys and values of one surface */
#define IOS_MAX_VALUE_DEPTH 8u

/* ---- State pool (see iosurface_manager_v1.state_pool) ---- */

#define IOS_SLOT_WORDS 8
#define IOS_SLOT_SIZE (IOS_SLOT_WORDS * 4)

enum ios_slot_word {
	IOS_SLOT_USE_COUNT = 0,
	IOS_SLOT_SELF_COUNTED = 1,
	IOS_SLOT_PORTS_COUNTED = 2,
	IOS_SLOT_FLAGS = 3,
	IOS_SLOT_PURGEABLE = 4,
	IOS_SLOT_SEQUENCE = 5, /* odd while the compositor writes the slot */
};

enum ios_slot_flags {
	IOS_SLOT_FLAG_EMPTIED = 1u << 0,
	IOS_SLOT_FLAG_SEED_WATCHED = 1u << 1,
	IOS_SLOT_FLAG_SHOWN = 1u << 2,
	IOS_SLOT_FLAG_VOLATILE = 1u << 3,
};


/* ---- Port record (see iosurface_manager_v1.port) ---- */

#define IOS_PORT_MAGIC 0x49535054u /* "ISPT" */
#define IOS_PORT_FLAG_READ_ONLY 1u

/* Written by the issuer into a port it binds; four little-endian words. */
struct ios_port_record {
	uint32_t magic, surface_id, slot, flags;
};

/* ---- Formats ---- */

struct ios_component {
	uint8_t name, type, range, bit_depth, bit_offset;
};

struct ios_plane_format {
	uint8_t bytes_per_element, element_width, element_height;
	uint8_t h_subsampling, v_subsampling;
	uint8_t component_count;
	struct ios_component components[4];
};

struct ios_format {
	uint32_t fourcc, ostype;
	const char *name;
	uint8_t plane_count; /* 0: one non-planar plane, described by planes[0] */
	uint8_t subsampling; /* enum iosurface_subsampling */
	struct ios_plane_format planes[IOSURFACE_MAX_PLANES];
};

const struct ios_format *ios_format_lookup(uint32_t fourcc);
const struct ios_format *ios_format_at(size_t index);
size_t ios_format_count(void);
uint32_t ios_format_from_ostype(uint32_t ostype);
uint32_t ios_format_to_ostype(uint32_t fourcc);
/* Writes a printable name ("NV12" or "0x12345678") into buf. */
const char *ios_fourcc_str(uint32_t fourcc, char buf[16]);

/* ---- Layout ---- */

struct ios_plane_layout {
	uint32_t width, height, bytes_per_row;
	uint32_t bytes_per_element, element_width, element_height;
	uint32_t offset, size;
};

/* Requested properties as they travel on the wire (32-bit fields). */
struct ios_request {
	uint32_t width, height, format;
	uint32_t bytes_per_element, element_width, element_height;
	uint32_t bytes_per_row, offset, alloc_size;
	uint32_t plane_count;
	bool plane_set[IOSURFACE_MAX_PLANES];
	struct ios_plane_layout planes[IOSURFACE_MAX_PLANES];
};

struct ios_layout {
	uint32_t width, height, format;
	uint32_t bytes_per_element, element_width, element_height;
	uint32_t bytes_per_row, offset, alloc_size;
	uint32_t plane_count;
	struct ios_plane_layout planes[IOSURFACE_MAX_PLANES];
};

/* Layout failures; each maps onto one iosurface_params_v1 error or failure reason. */
enum ios_layout_status {
	IOS_LAYOUT_OK = 0,
	IOS_LAYOUT_INVALID_SIZE,
	IOS_LAYOUT_INVALID_ELEMENT,
	IOS_LAYOUT_INVALID_LAYOUT,
	IOS_LAYOUT_INVALID_PLANE_COUNT,
	IOS_LAYOUT_UNKNOWN_FORMAT,
};

/*
 * Limits a compositor may set below the defaults (IOS_MAX_DIMENSION, IOS_MAX_ALLOC_SIZE), never
 * above: the overflow reasoning of the layout depends on them. A field of 0 is unset and leaves
 * the default, as a maximum of 0 means "no limit of its own" in IOSurface; a field above the
 * default is clamped to it. ios_layout_compute and ios_property_maximum read them the same way.
 */
struct ios_limits {
	uint32_t max_dimension, max_alloc_size;
};

/* The limits as the layout enforces them: limits (NULL: the defaults) read as said above. */
struct ios_limits ios_limits_effective(const struct ios_limits *limits);

/*
 * Computes the layout of a surface from requested properties, as IOSurface does, checking
 * every limit and every sum and product for overflow. On failure, fills msg with a sentence
 * naming the field and its value.
 */
enum ios_layout_status ios_layout_compute(const struct ios_request *req,
		const struct ios_limits *limits, struct ios_layout *out, char *msg, size_t msg_size);

size_t ios_property_maximum(enum iosurface_property property, const struct ios_limits *limits);
size_t ios_property_alignment(enum iosurface_property property);

/* ---- Values ---- */

/*
 * Encoding (little endian): one type byte, then
 *   's' u32 length, bytes (no NUL inside, UTF-8 not checked)   'i' i64   'd' f64   'b' u8 0/1
 *   'x' u32 length, bytes   'a' u32 count, items   'm' u32 count, (u32 key length, key, item)...
 * Nesting is limited to IOS_MAX_VALUE_DEPTH.
 */
int ios_value_encode(const struct iosurface_value *v, uint8_t **out, size_t *out_len);
/* Decodes exactly len bytes; returns NULL with errno EINVAL on any malformed input. */
struct iosurface_value *ios_value_decode(const uint8_t *data, size_t len);
/* Checks an encoding without building it. */
bool ios_value_validate(const uint8_t *data, size_t len);

#endif
