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

/*
 * Neither side's public header is included here: what both sides share is defined below,
 * and the client library checks that its public enums carry the same values
 * (client-lib/client-private.h).
 */

/* ---- Shared enums (same values as the client's public enums and the protocol's) ---- */

#define IOS_MAX_PLANES 4

/* iosurface_params_v1.usage */
enum ios_usage {
	IOS_USAGE_CPU_READ = 1u << 0,
	IOS_USAGE_CPU_WRITE = 1u << 1,
	IOS_USAGE_GPU_READ = 1u << 2,
	IOS_USAGE_GPU_WRITE = 1u << 3,
	IOS_USAGE_SCANOUT = 1u << 4,
};

/* iosurface_manager_v1.property: properties with a published maximum and alignment. */
enum ios_property {
	IOS_PROPERTY_WIDTH = 0,
	IOS_PROPERTY_HEIGHT,
	IOS_PROPERTY_BYTES_PER_ROW,
	IOS_PROPERTY_BYTES_PER_ELEMENT,
	IOS_PROPERTY_ELEMENT_WIDTH,
	IOS_PROPERTY_ELEMENT_HEIGHT,
	IOS_PROPERTY_OFFSET,
	IOS_PROPERTY_ALLOC_SIZE,
	IOS_PROPERTY_PLANE_COUNT,
	IOS_PROPERTY_PLANE_WIDTH,
	IOS_PROPERTY_PLANE_HEIGHT,
	IOS_PROPERTY_PLANE_BYTES_PER_ROW,
	IOS_PROPERTY_PLANE_OFFSET,
	IOS_PROPERTY_PLANE_SIZE,
	IOS_PROPERTY_PLANE_BYTES_PER_ELEMENT,
	IOS_PROPERTY_PLANE_ELEMENT_WIDTH,
	IOS_PROPERTY_PLANE_ELEMENT_HEIGHT,
	IOS_PROPERTY_NAME_LENGTH,
	IOS_PROPERTY_VALUE_SIZE,
	IOS_PROPERTY_VALUE_COUNT,
	IOS_PROPERTY_KEY_LENGTH,
	IOS_PROPERTY_VALUE_TOTAL,
	IOS_PROPERTY_COUNT,
};

enum ios_component_name {
	IOS_COMPONENT_NAME_UNKNOWN = 0,
	IOS_COMPONENT_NAME_ALPHA,
	IOS_COMPONENT_NAME_RED,
	IOS_COMPONENT_NAME_GREEN,
	IOS_COMPONENT_NAME_BLUE,
	IOS_COMPONENT_NAME_LUMA,
	IOS_COMPONENT_NAME_CHROMA_RED,
	IOS_COMPONENT_NAME_CHROMA_BLUE,
};

enum ios_component_type {
	IOS_COMPONENT_TYPE_UNKNOWN = 0,
	IOS_COMPONENT_TYPE_UNSIGNED_INTEGER,
	IOS_COMPONENT_TYPE_SIGNED_INTEGER,
	IOS_COMPONENT_TYPE_FLOAT,
	IOS_COMPONENT_TYPE_SIGNED_NORMALIZED,
};

enum ios_component_range {
	IOS_COMPONENT_RANGE_UNKNOWN = 0,
	IOS_COMPONENT_RANGE_FULL,
	IOS_COMPONENT_RANGE_VIDEO,
	IOS_COMPONENT_RANGE_WIDE,
};

enum ios_subsampling {
	IOS_SUBSAMPLING_UNKNOWN = 0,
	IOS_SUBSAMPLING_NONE,
	IOS_SUBSAMPLING_422,
	IOS_SUBSAMPLING_420,
	IOS_SUBSAMPLING_411,
};

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
/*
 * One encoding, whichever way it travels: 256 KiB of bytes or string with its type byte and
 * length, and room for a small container around them.
 */
#define IOS_MAX_VALUE_SIZE ((256u << 10) + 64u)
#define IOS_MAX_VALUE_COUNT 64u
#define IOS_MAX_VALUE_TOTAL (4u << 20) /* keys and values of one surface */
/*
 * The largest encoding set_value and the value event carry in the message (a Wayland message
 * is at most 4096 bytes); larger ones travel in a sealed memfd (set_value_memory,
 * value_memory). Part of the protocol, not a limit a compositor sets.
 */
#define IOS_MAX_INLINE_VALUE_SIZE 3072u
/* What one answer to get_values carries in messages; the rest of it travels in memory. */
#define IOS_MAX_INLINE_ANSWER (64u << 10)
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

/* Slot 0 is the client's header: its quota use, with the same sequence word. */
#define IOS_HEADER_SLOT 0u

enum ios_header_word {
	IOS_HEADER_BYTES_LO = 0,
	IOS_HEADER_BYTES_HI = 1,
	IOS_HEADER_COUNT = 2,
	IOS_HEADER_ADOPTED = 3, /* create_from_memory requests handled */
};

/* Tickets: surfaces a client may create with no round trip, handed out ahead. */
#define IOS_TICKET_STOCK 16u
#define IOS_MAX_TICKETS 64u

enum ios_slot_flags {
	IOS_SLOT_FLAG_EMPTIED = 1u << 0,
	IOS_SLOT_FLAG_SEED_WATCHED = 1u << 1,
	IOS_SLOT_FLAG_SHOWN = 1u << 2,
	IOS_SLOT_FLAG_VOLATILE = 1u << 3,
};


/* ---- Port record (see iosurface_manager_v1.port) ---- */

#define IOS_PORT_MAGIC 0x49535054u /* "ISPT" */
#define IOS_PORT_FLAG_READ_ONLY 1u
#define IOS_PORT_KEY_SIZE 16
/* The magic, the three fields and a 64-bit tag, all little-endian. */
#define IOS_PORT_RECORD_SIZE 24

/* What the issuer writes into a port it binds. */
struct ios_port_record {
	uint32_t surface_id, slot, flags;
};

/* SipHash-2-4 of len bytes under a 128-bit key (the key's bytes read as two LE words). */
uint64_t ios_siphash24(const uint8_t key[IOS_PORT_KEY_SIZE], const void *data, size_t len);

/* Writes the record for the port with the given serial and key, tag included. */
void ios_port_record_encode(const uint8_t key[IOS_PORT_KEY_SIZE], uint32_t serial,
		const struct ios_port_record *record, uint8_t out[IOS_PORT_RECORD_SIZE]);

/*
 * Reads a record written for the port with the given serial and key. Returns false, record
 * untouched, if the magic is wrong or the tag does not match what the key gives for the
 * serial and the fields (compared in constant time).
 */
bool ios_port_record_decode(const uint8_t key[IOS_PORT_KEY_SIZE], uint32_t serial,
		const uint8_t in[IOS_PORT_RECORD_SIZE], struct ios_port_record *record);

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
	uint8_t subsampling; /* enum ios_subsampling */
	struct ios_plane_format planes[IOS_MAX_PLANES];
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
	uint32_t usage; /* enum ios_usage: GPU and scanout usage need aligned rows */
	bool plane_set[IOS_MAX_PLANES];
	struct ios_plane_layout planes[IOS_MAX_PLANES];
};

struct ios_layout {
	uint32_t width, height, format;
	uint32_t bytes_per_element, element_width, element_height;
	uint32_t bytes_per_row, offset, alloc_size;
	uint32_t plane_count;
	struct ios_plane_layout planes[IOS_MAX_PLANES];
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

size_t ios_property_maximum(enum ios_property property, const struct ios_limits *limits);
size_t ios_property_alignment(enum ios_property property);

/* ---- Values ---- */

/*
 * Encoding (little endian): one type byte, then
 *   's' u32 length, bytes (no NUL inside, UTF-8 not checked)   'i' i64   'd' f64   'b' u8 0/1
 *   'x' u32 length, bytes   'a' u32 count, items   'm' u32 count, (u32 key length, key, item)...
 * Nesting is limited to IOS_MAX_VALUE_DEPTH.
 */
/* Checks an encoding without building it (the client library's value-codec.h builds them). */
bool ios_value_validate(const uint8_t *data, size_t len);

/* ---- Values in memory (set_value_memory, value_memory) ---- */

enum ios_value_memory_status {
	IOS_VALUE_MEMORY_OK = 0,
	IOS_VALUE_MEMORY_NOT_SEALED, /* not a memfd, or lacks a seal other than F_SEAL_WRITE */
	IOS_VALUE_MEMORY_WRITABLE, /* lacks F_SEAL_WRITE */
	IOS_VALUE_MEMORY_BAD_SIZE, /* not a regular file of exactly the size given */
};

/*
 * A new memfd (close-on-exec) holding the len bytes of data, sealed against shrinking,
 * growing, writing and further sealing. Returns the descriptor or a negative errno.
 */
int ios_value_memory_create(const uint8_t *data, size_t len);

/*
 * Checks that fd is a memfd so sealed and of exactly size bytes, so that reading it is safe
 * and its bytes cannot change while they are read. On failure, fills msg with a sentence
 * naming what is wrong. Does not close fd.
 */
enum ios_value_memory_status ios_value_memory_check(int fd, uint32_t size, char *msg,
		size_t msg_size);

/* Reads len bytes from offset 0 of a checked memfd (pread: the file offset is left alone). */
int ios_value_memory_read(int fd, uint8_t *out, size_t len);

#endif
