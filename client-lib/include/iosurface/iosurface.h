/*
 * libiosurface: shared pixel buffers for Wayland clients, after Apple's IOSurface.
 *
 * Conventions: constructors return NULL and set errno; other functions return 0 or a
 * negative errno. Getters of a surface never fail: out-of-range questions answer 0.
 * Every function is safe to call from several threads at once on the same client.
 */
#ifndef CLIENT_LIB_INCLUDE_IOSURFACE_IOSURFACE_H
#define CLIENT_LIB_INCLUDE_IOSURFACE_IOSURFACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && __GNUC__ >= 4
#define IOSURFACE_EXPORT __attribute__((visibility("default")))
#else
#define IOSURFACE_EXPORT
#endif

struct wl_display;
struct wl_buffer;

struct iosurface_client;
struct iosurface;
struct iosurface_value;

#define IOSURFACE_MAX_PLANES 4

/** Lock options (IOSurface's kIOSurfaceLockReadOnly, kIOSurfaceLockAvoidSync). */
enum iosurface_lock_options {
	IOSURFACE_LOCK_READ_ONLY = 1u << 0,
	IOSURFACE_LOCK_AVOID_SYNC = 1u << 1,
};

/** Usage hints for iosurface_properties.usage. */
enum iosurface_usage {
	IOSURFACE_USAGE_CPU_READ = 1u << 0,
	IOSURFACE_USAGE_CPU_WRITE = 1u << 1,
	IOSURFACE_USAGE_GPU_READ = 1u << 2,
	IOSURFACE_USAGE_GPU_WRITE = 1u << 3,
	IOSURFACE_USAGE_SCANOUT = 1u << 4,
};

/** Cache modes (IOSurface's kIOMapDefaultCache, ...). Advisory on Linux. */
enum iosurface_cache_mode {
	IOSURFACE_CACHE_DEFAULT = 0,
	IOSURFACE_CACHE_INHIBIT = 1,
	IOSURFACE_CACHE_WRITE_THROUGH = 2,
	IOSURFACE_CACHE_COPY_BACK = 3,
	IOSURFACE_CACHE_WRITE_COMBINE = 4,
};

/** Purgeable states (IOSurface's kIOSurfacePurgeable...). */
enum iosurface_purgeable_state {
	IOSURFACE_PURGEABLE_NON_VOLATILE = 0,
	IOSURFACE_PURGEABLE_VOLATILE = 1,
	IOSURFACE_PURGEABLE_EMPTY = 2,
	IOSURFACE_PURGEABLE_KEEP_CURRENT = 3,
};

/** Allocators, as reported by iosurface_get_allocator(). */
enum iosurface_allocator {
	IOSURFACE_ALLOCATOR_MEMFD = 0,
	IOSURFACE_ALLOCATOR_GBM = 1,
	IOSURFACE_ALLOCATOR_DUMB = 2,
};

/** Properties with a published maximum and alignment (iosurface_get_property_maximum). */
enum iosurface_property {
	IOSURFACE_PROPERTY_WIDTH = 0,
	IOSURFACE_PROPERTY_HEIGHT,
	IOSURFACE_PROPERTY_BYTES_PER_ROW,
	IOSURFACE_PROPERTY_BYTES_PER_ELEMENT,
	IOSURFACE_PROPERTY_ELEMENT_WIDTH,
	IOSURFACE_PROPERTY_ELEMENT_HEIGHT,
	IOSURFACE_PROPERTY_OFFSET,
	IOSURFACE_PROPERTY_ALLOC_SIZE,
	IOSURFACE_PROPERTY_PLANE_COUNT,
	IOSURFACE_PROPERTY_PLANE_WIDTH,
	IOSURFACE_PROPERTY_PLANE_HEIGHT,
	IOSURFACE_PROPERTY_PLANE_BYTES_PER_ROW,
	IOSURFACE_PROPERTY_PLANE_OFFSET,
	IOSURFACE_PROPERTY_PLANE_SIZE,
	IOSURFACE_PROPERTY_PLANE_BYTES_PER_ELEMENT,
	IOSURFACE_PROPERTY_PLANE_ELEMENT_WIDTH,
	IOSURFACE_PROPERTY_PLANE_ELEMENT_HEIGHT,
	IOSURFACE_PROPERTY_NAME_LENGTH,
	IOSURFACE_PROPERTY_VALUE_SIZE,
	IOSURFACE_PROPERTY_VALUE_COUNT,
	IOSURFACE_PROPERTY_KEY_LENGTH,
	IOSURFACE_PROPERTY_VALUE_TOTAL, /* bytes of all keys and values of one surface */
	IOSURFACE_PROPERTY_COUNT,
};

/** Component names (IOSurface's kIOSurfaceComponentName...). */
enum iosurface_component_name {
	IOSURFACE_COMPONENT_NAME_UNKNOWN = 0,
	IOSURFACE_COMPONENT_NAME_ALPHA,
	IOSURFACE_COMPONENT_NAME_RED,
	IOSURFACE_COMPONENT_NAME_GREEN,
	IOSURFACE_COMPONENT_NAME_BLUE,
	IOSURFACE_COMPONENT_NAME_LUMA,
	IOSURFACE_COMPONENT_NAME_CHROMA_RED,
	IOSURFACE_COMPONENT_NAME_CHROMA_BLUE,
};

/** Component types (IOSurface's kIOSurfaceComponentType...). */
enum iosurface_component_type {
	IOSURFACE_COMPONENT_TYPE_UNKNOWN = 0,
	IOSURFACE_COMPONENT_TYPE_UNSIGNED_INTEGER,
	IOSURFACE_COMPONENT_TYPE_SIGNED_INTEGER,
	IOSURFACE_COMPONENT_TYPE_FLOAT,
	IOSURFACE_COMPONENT_TYPE_SIGNED_NORMALIZED,
};

/** Component ranges (IOSurface's kIOSurfaceComponentRange...). */
enum iosurface_component_range {
	IOSURFACE_COMPONENT_RANGE_UNKNOWN = 0,
	IOSURFACE_COMPONENT_RANGE_FULL,
	IOSURFACE_COMPONENT_RANGE_VIDEO,
	IOSURFACE_COMPONENT_RANGE_WIDE,
};

/** Chroma subsampling (IOSurface's kIOSurfaceSubsampling...). */
enum iosurface_subsampling {
	IOSURFACE_SUBSAMPLING_UNKNOWN = 0,
	IOSURFACE_SUBSAMPLING_NONE,
	IOSURFACE_SUBSAMPLING_422,
	IOSURFACE_SUBSAMPLING_420,
	IOSURFACE_SUBSAMPLING_411,
};

/** Properties of one plane; zero fields take the computed default. */
struct iosurface_plane_properties {
	uint32_t width, height;
	size_t bytes_per_row;
	uint32_t bytes_per_element, element_width, element_height;
	size_t offset, size;
};

/**
 * Creation properties, the fields of IOSurface's property dictionary. Zero means "default",
 * as in IOSurface. pixel_format is a format code (a DRM fourcc, or Apple's code for a format
 * DRM has none for, see iosurface_format_from_ostype()), or one of Apple's codes ('BGRA',
 * '420v', ...), which the library converts; the surface then reports the format code. An
 * explicit bytes_per_element with no element size means 1x1 elements, as in IOSurface.
 * name may be NULL.
 */
struct iosurface_properties {
	uint32_t width, height, pixel_format;
	uint32_t bytes_per_element, element_width, element_height;
	size_t bytes_per_row, offset, alloc_size;
	uint32_t plane_count;
	struct iosurface_plane_properties planes[IOSURFACE_MAX_PLANES];
	uint32_t cache_mode, usage;
	bool pixel_size_casting_forbidden, global;
	const char *name;
};

/* ---- Clients ---- */

/*
 * Signals and a lost connection. No call of the library raises a signal in the application:
 * writes into ports are made with SIGPIPE blocked in the calling thread (a SIGPIPE they cause
 * is taken back; one pending before is left pending), and the connection is written with
 * MSG_NOSIGNAL.
 *
 * The connection is lost when the compositor exits, is killed, or drops the client after a
 * protocol error (on a shared wl_display, the application's own error too). From the first
 * call that notices it (any call that talks to the compositor, or iosurface_client_dispatch()
 * once the descriptor reports the hang-up), every call that needs the compositor returns
 * -EPIPE (constructors: NULL with errno EPIPE). What needs no compositor goes on working: the
 * memory stays mapped, lock, unlock and the getters work, and iosurface_get_use_count() is
 * this process's own count. The global figures went with the compositor, and every port with
 * it: iosurface_get_global_use_count() is then this process's own share only (1 while its use
 * count is above zero, else 0), and iosurface_is_in_use() says whether this process uses it.
 */

/**
 * Connects to the compositor named display_name (NULL: $WAYLAND_DISPLAY) on a connection of
 * the library's own. Returns NULL with errno ENOENT if there is none, EPROTONOSUPPORT if it
 * does not offer iosurface_manager_v1. Free with iosurface_client_destroy().
 */
IOSURFACE_EXPORT struct iosurface_client *iosurface_client_connect(const char *display_name);

/**
 * Uses the application's connection. The library works on an event queue of its own, so the
 * application's dispatching is not disturbed; the display must outlive the client.
 */
IOSURFACE_EXPORT struct iosurface_client *iosurface_client_create(struct wl_display *display);

/**
 * Destroys the client. Surfaces still referenced become inert: their memory stays mapped
 * until their last unref, but they no longer talk to the compositor. NULL is a no-op.
 */
IOSURFACE_EXPORT void iosurface_client_destroy(struct iosurface_client *client);

/**
 * The process-wide client that the porting headers use, connected to $WAYLAND_DISPLAY on first
 * use and never destroyed. NULL with errno ENOENT if there is no compositor offering the
 * protocol. In a child forked without exec, the first call connects the child on its own: the
 * parent's connection is never touched, and surfaces the child inherited fail with EPIPE.
 */
IOSURFACE_EXPORT struct iosurface_client *iosurface_client_get_default(void);

/** The connection the client talks on (its own, or the one given at create). */
IOSURFACE_EXPORT struct wl_display *iosurface_client_get_display(struct iosurface_client *client);

/**
 * A descriptor to poll for POLLIN when waiting for notifications (the connection's fd).
 * Then call iosurface_client_dispatch().
 */
IOSURFACE_EXPORT int iosurface_client_get_fd(struct iosurface_client *client);

/**
 * Reads what the compositor sent, without blocking, and runs notification callbacks. Returns
 * the number of events handled or a negative errno (-EPIPE when the connection is lost).
 */
IOSURFACE_EXPORT int iosurface_client_dispatch(struct iosurface_client *client);

/** Waits until the compositor has handled every request sent so far. */
IOSURFACE_EXPORT int iosurface_client_roundtrip(struct iosurface_client *client);

/**
 * Sends what the library queued without sending. The creation of surfaces made with no round
 * trip and the destruction of released ones leave with the next message the client sends
 * anyway (any call that talks to the compositor, or a full buffer), so that creating or
 * releasing many surfaces wakes the compositor once. Until then the compositor holds the
 * memory of released surfaces; a release sends at once when that passes 32 MiB. Returns 0 or
 * a negative errno (-EPIPE).
 */
IOSURFACE_EXPORT int iosurface_client_flush(struct iosurface_client *client);

/** Whether the compositor lists this fourcc as allocatable with width and height alone. */
IOSURFACE_EXPORT bool iosurface_client_supports_format(struct iosurface_client *client,
		uint32_t fourcc);

/**
 * The fourccs the compositor can allocate from width and height alone (*formats, owned by the
 * client, valid until it is destroyed); returns their number.
 */
IOSURFACE_EXPORT size_t iosurface_client_get_formats(struct iosurface_client *client,
		const uint32_t **formats);

/** The fourccs iosurface_create_wl_buffer() accepts, as iosurface_client_get_formats(). */
IOSURFACE_EXPORT size_t iosurface_client_get_display_formats(struct iosurface_client *client,
		const uint32_t **formats);

/** Whether iosurface_create_wl_buffer() accepts surfaces of this fourcc. */
IOSURFACE_EXPORT bool iosurface_client_can_display_format(struct iosurface_client *client,
		uint32_t fourcc);

/** The client's quota: bytes (0: none) and surface count (0: none). */
IOSURFACE_EXPORT void iosurface_client_get_quota(struct iosurface_client *client,
		uint64_t *bytes, uint32_t *count);

/** Whether the compositor offers this allocator. */
IOSURFACE_EXPORT bool iosurface_client_has_allocator(struct iosurface_client *client,
		enum iosurface_allocator allocator);

/* ---- Properties ---- */

/** Largest accepted value of a property; 0 means no limit. Compositor-independent defaults. */
IOSURFACE_EXPORT size_t iosurface_get_property_maximum(enum iosurface_property property);

/** Alignment required of an explicit value of a property; 1 means none. */
IOSURFACE_EXPORT size_t iosurface_get_property_alignment(enum iosurface_property property);

/** value rounded up to the property's alignment (0 on overflow). */
IOSURFACE_EXPORT size_t iosurface_align_property(enum iosurface_property property, size_t value);

/** Same, as published by the compositor the client is connected to. */
IOSURFACE_EXPORT size_t iosurface_client_get_property_maximum(struct iosurface_client *client,
		enum iosurface_property property);
IOSURFACE_EXPORT size_t iosurface_client_get_property_alignment(struct iosurface_client *client,
		enum iosurface_property property);

/* ---- Formats ---- */

/**
 * The format code for an Apple OSType: the DRM fourcc of the same layout and range ('BGRA'
 * gives ARGB8888, '420v' NV12), or, when DRM has none, the OSType itself ('420f', the
 * full-range NV12, stays '420f', so that every holder can tell the range; 'v210', 'w30r',
 * 'RGfA'...). 0 if the library does not know it.
 */
IOSURFACE_EXPORT uint32_t iosurface_format_from_ostype(uint32_t ostype);

/** The Apple OSType for a format code (a DRM fourcc or an Apple code); 0 if none. */
IOSURFACE_EXPORT uint32_t iosurface_format_to_ostype(uint32_t fourcc);

/** The name of a fourcc the library knows ("ARGB8888", "NV12", ...); NULL otherwise. */
IOSURFACE_EXPORT const char *iosurface_format_get_name(uint32_t fourcc);

/** Whether the library knows the layout and components of this fourcc. */
IOSURFACE_EXPORT bool iosurface_format_is_known(uint32_t fourcc);

/* ---- Surfaces ---- */

/**
 * Creates a surface (one round trip) and maps its memory. Returns a new reference, or NULL
 * with errno: EINVAL for properties that break a published limit (nothing is sent), EDQUOT
 * for a quota, ENOMEM, ENOTSUP for an unknown format without element sizes, EPIPE if the
 * connection is lost.
 */
IOSURFACE_EXPORT struct iosurface *iosurface_create(struct iosurface_client *client,
		const struct iosurface_properties *props);

/** Adds a reference; returns s. */
IOSURFACE_EXPORT struct iosurface *iosurface_ref(struct iosurface *s);

/** Drops a reference; the last one unmaps and releases the surface. NULL is a no-op. */
IOSURFACE_EXPORT void iosurface_unref(struct iosurface *s);

IOSURFACE_EXPORT uint32_t iosurface_get_id(struct iosurface *s);
IOSURFACE_EXPORT size_t iosurface_get_width(struct iosurface *s);
IOSURFACE_EXPORT size_t iosurface_get_height(struct iosurface *s);
IOSURFACE_EXPORT size_t iosurface_get_bytes_per_row(struct iosurface *s);
IOSURFACE_EXPORT size_t iosurface_get_bytes_per_element(struct iosurface *s);
IOSURFACE_EXPORT size_t iosurface_get_element_width(struct iosurface *s);
IOSURFACE_EXPORT size_t iosurface_get_element_height(struct iosurface *s);
IOSURFACE_EXPORT size_t iosurface_get_alloc_size(struct iosurface *s);
IOSURFACE_EXPORT size_t iosurface_get_offset(struct iosurface *s);
IOSURFACE_EXPORT uint32_t iosurface_get_pixel_format(struct iosurface *s);
IOSURFACE_EXPORT size_t iosurface_get_plane_count(struct iosurface *s);
IOSURFACE_EXPORT uint32_t iosurface_get_cache_mode(struct iosurface *s);
IOSURFACE_EXPORT uint32_t iosurface_get_usage(struct iosurface *s);
IOSURFACE_EXPORT bool iosurface_is_global(struct iosurface *s);
IOSURFACE_EXPORT bool iosurface_is_read_only(struct iosurface *s);
IOSURFACE_EXPORT enum iosurface_allocator iosurface_get_allocator(struct iosurface *s);
/** The name given at creation, owned by the surface; NULL if none. */
IOSURFACE_EXPORT const char *iosurface_get_name(struct iosurface *s);
IOSURFACE_EXPORT bool iosurface_allows_pixel_size_casting(struct iosurface *s);
IOSURFACE_EXPORT void *iosurface_get_base_address(struct iosurface *s);

/* Per plane: an index out of range answers 0, except plane 0 of a surface with no planes, which
 * answers like the non-planar getter. */
IOSURFACE_EXPORT size_t iosurface_get_width_of_plane(struct iosurface *s, size_t plane);
IOSURFACE_EXPORT size_t iosurface_get_height_of_plane(struct iosurface *s, size_t plane);
IOSURFACE_EXPORT size_t iosurface_get_bytes_per_row_of_plane(struct iosurface *s, size_t plane);
IOSURFACE_EXPORT size_t iosurface_get_bytes_per_element_of_plane(struct iosurface *s,
		size_t plane);
IOSURFACE_EXPORT size_t iosurface_get_element_width_of_plane(struct iosurface *s, size_t plane);
IOSURFACE_EXPORT size_t iosurface_get_element_height_of_plane(struct iosurface *s, size_t plane);
IOSURFACE_EXPORT size_t iosurface_get_offset_of_plane(struct iosurface *s, size_t plane);
IOSURFACE_EXPORT size_t iosurface_get_size_of_plane(struct iosurface *s, size_t plane);
IOSURFACE_EXPORT void *iosurface_get_base_address_of_plane(struct iosurface *s, size_t plane);

/* Components, from the format table; 0 / UNKNOWN for formats the library does not know. */
IOSURFACE_EXPORT size_t iosurface_get_number_of_components_of_plane(struct iosurface *s,
		size_t plane);
IOSURFACE_EXPORT enum iosurface_component_name iosurface_get_name_of_component_of_plane(
		struct iosurface *s, size_t plane, size_t component);
IOSURFACE_EXPORT enum iosurface_component_type iosurface_get_type_of_component_of_plane(
		struct iosurface *s, size_t plane, size_t component);
IOSURFACE_EXPORT enum iosurface_component_range iosurface_get_range_of_component_of_plane(
		struct iosurface *s, size_t plane, size_t component);
IOSURFACE_EXPORT size_t iosurface_get_bit_depth_of_component_of_plane(struct iosurface *s,
		size_t plane, size_t component);
IOSURFACE_EXPORT size_t iosurface_get_bit_offset_of_component_of_plane(struct iosurface *s,
		size_t plane, size_t component);
IOSURFACE_EXPORT enum iosurface_subsampling iosurface_get_subsampling(struct iosurface *s);

/* ---- CPU access and seed ---- */

/**
 * Begins CPU access. options: IOSURFACE_LOCK_READ_ONLY, IOSURFACE_LOCK_AVOID_SYNC. Not a
 * mutex: it brackets access for cache and dma-buf coherency and the seed. seed (may be
 * NULL) receives the current seed. -EACCES for a write lock on a read-only surface.
 */
IOSURFACE_EXPORT int iosurface_lock(struct iosurface *s, uint32_t options, uint32_t *seed);

/**
 * Ends CPU access. Ending a write lock increments the seed, seen by every holder in every
 * process with no round trip. seed (may be NULL) receives the seed after the unlock.
 */
IOSURFACE_EXPORT int iosurface_unlock(struct iosurface *s, uint32_t options, uint32_t *seed);

/** The current seed: one atomic load, no system call. */
IOSURFACE_EXPORT uint32_t iosurface_get_seed(struct iosurface *s);

/* ---- Values ---- */

enum iosurface_value_type {
	IOSURFACE_VALUE_STRING = 1,
	IOSURFACE_VALUE_INTEGER,
	IOSURFACE_VALUE_DOUBLE,
	IOSURFACE_VALUE_BOOLEAN,
	IOSURFACE_VALUE_BYTES,
	IOSURFACE_VALUE_ARRAY,
	IOSURFACE_VALUE_DICTIONARY,
};

/** New values; NULL with errno ENOMEM. The caller owns them (iosurface_value_free()). */
IOSURFACE_EXPORT struct iosurface_value *iosurface_value_new_string(const char *str);
IOSURFACE_EXPORT struct iosurface_value *iosurface_value_new_integer(int64_t i);
IOSURFACE_EXPORT struct iosurface_value *iosurface_value_new_double(double d);
IOSURFACE_EXPORT struct iosurface_value *iosurface_value_new_boolean(bool b);
IOSURFACE_EXPORT struct iosurface_value *iosurface_value_new_bytes(const void *data, size_t len);
IOSURFACE_EXPORT struct iosurface_value *iosurface_value_new_array(void);
IOSURFACE_EXPORT struct iosurface_value *iosurface_value_new_dictionary(void);
/** Appends item to an array, taking ownership of item (freed on failure too). */
IOSURFACE_EXPORT int iosurface_value_array_append(struct iosurface_value *array,
		struct iosurface_value *item);
/**
 * Sets key in a dictionary, taking ownership of item (freed on failure too); replaces an
 * existing key. -EINVAL for an empty key.
 */
IOSURFACE_EXPORT int iosurface_value_dictionary_set(struct iosurface_value *dict, const char *key,
		struct iosurface_value *item);
IOSURFACE_EXPORT struct iosurface_value *iosurface_value_copy(const struct iosurface_value *v);
IOSURFACE_EXPORT void iosurface_value_free(struct iosurface_value *v);
IOSURFACE_EXPORT bool iosurface_value_equal(const struct iosurface_value *a,
		const struct iosurface_value *b);

IOSURFACE_EXPORT enum iosurface_value_type iosurface_value_get_type(const struct iosurface_value *v);
/** The string, owned by the value; NULL if not a string. */
IOSURFACE_EXPORT const char *iosurface_value_get_string(const struct iosurface_value *v);
IOSURFACE_EXPORT int64_t iosurface_value_get_integer(const struct iosurface_value *v);
IOSURFACE_EXPORT double iosurface_value_get_double(const struct iosurface_value *v);
IOSURFACE_EXPORT bool iosurface_value_get_boolean(const struct iosurface_value *v);
/** The bytes, owned by the value; NULL if not bytes. */
IOSURFACE_EXPORT const void *iosurface_value_get_bytes(const struct iosurface_value *v,
		size_t *len);
/** Items of an array or entries of a dictionary. */
IOSURFACE_EXPORT size_t iosurface_value_get_count(const struct iosurface_value *v);
/** Item i of an array or value of entry i of a dictionary, owned by v; NULL if out of range. */
IOSURFACE_EXPORT const struct iosurface_value *iosurface_value_get_item(
		const struct iosurface_value *v, size_t i);
/** Key of entry i of a dictionary, owned by v. */
IOSURFACE_EXPORT const char *iosurface_value_get_key(const struct iosurface_value *v, size_t i);
/** Value under key in a dictionary, owned by v; NULL if absent. */
IOSURFACE_EXPORT const struct iosurface_value *iosurface_value_dictionary_get(
		const struct iosurface_value *v, const char *key);

/**
 * Stores a copy of v under key in the compositor. When it returns 0 the value has landed:
 * every other holder copying key sees it. -EACCES on a read-only surface, -EINVAL for an
 * empty or too long key, -EMSGSIZE for a value over the size limit, -ENOSPC when the surface
 * holds the maximum number or total size of values, or the creator's byte quota (which
 * values count against) is used up.
 */
IOSURFACE_EXPORT int iosurface_set_value(struct iosurface *s, const char *key,
		const struct iosurface_value *v);

/** A copy of the value under key, owned by the caller; NULL with errno ENOENT if absent. */
IOSURFACE_EXPORT struct iosurface_value *iosurface_copy_value(struct iosurface *s, const char *key);

IOSURFACE_EXPORT int iosurface_remove_value(struct iosurface *s, const char *key);

/** Every value as a dictionary owned by the caller (empty if none). */
IOSURFACE_EXPORT struct iosurface_value *iosurface_copy_all_values(struct iosurface *s);

/** Sets every entry of a dictionary, as one iosurface_set_value() each, then waits once. */
IOSURFACE_EXPORT int iosurface_set_values(struct iosurface *s, const struct iosurface_value *dict);

IOSURFACE_EXPORT int iosurface_remove_all_values(struct iosurface *s);

/* ---- Use counts ---- */

/** Per-process use count; only 0<->1 transitions reach the compositor, with no round trip. */
IOSURFACE_EXPORT void iosurface_increment_use_count(struct iosurface *s);
IOSURFACE_EXPORT void iosurface_decrement_use_count(struct iosurface *s);

/** This process's use count: no system call. */
IOSURFACE_EXPORT int32_t iosurface_get_use_count(struct iosurface *s);

/**
 * Whether any process uses the surface, a live port refers to it, or the compositor shows it.
 * No system call, no round trip; never "free" while the compositor still holds it. Once the
 * connection is lost, whether this process uses it (see "Signals and a lost connection").
 */
IOSURFACE_EXPORT bool iosurface_is_in_use(struct iosurface *s);

/**
 * The global use count: processes with a use count above zero, live ports, and the
 * compositor's display holds. This process's share and its new ports count at once; other
 * processes' changes as soon as the compositor has handled them. Once the connection is lost,
 * this process's share alone: 1 or 0.
 */
IOSURFACE_EXPORT uint32_t iosurface_get_global_use_count(struct iosurface *s);

/* ---- Purgeable memory ---- */

/**
 * Sets the purgeable state (one round trip). old_state (may be NULL) receives the previous
 * state: IOSURFACE_PURGEABLE_EMPTY if the memory was dropped while volatile.
 */
IOSURFACE_EXPORT int iosurface_set_purgeable(struct iosurface *s, uint32_t new_state,
		uint32_t *old_state);

/** Whether the memory was emptied (it reads as zeros). No system call. */
IOSURFACE_EXPORT bool iosurface_was_emptied(struct iosurface *s);

/* ---- Notification ---- */

enum iosurface_notify_events {
	IOSURFACE_NOTIFY_NOT_IN_USE = 1u << 0,
	IOSURFACE_NOTIFY_SEED = 1u << 1,
	IOSURFACE_NOTIFY_EMPTIED = 1u << 2,
};

/**
 * Called from iosurface_client_dispatch() (or any call that reads the connection) with the
 * event that happened; seed is the new seed for IOSURFACE_NOTIFY_SEED.
 */
typedef void (*iosurface_notify_func_t)(struct iosurface *s, uint32_t event, uint32_t seed,
		void *data);

/**
 * Asks to be told of events (a mask of iosurface_notify_events; 0 stops). The callback runs
 * when the client dispatches; poll iosurface_client_get_fd() to know when to.
 * IOSURFACE_NOTIFY_NOT_IN_USE on a surface that is not in use at that moment is told at once
 * (on the next dispatch), so a pool cannot miss a surface that was already free.
 */
IOSURFACE_EXPORT int iosurface_set_notify(struct iosurface *s, uint32_t events,
		iosurface_notify_func_t callback, void *data);

/* ---- Ports ---- */

/**
 * A new port: a descriptor holding a reference to the surface, owned by the caller, to pass
 * to any process; close() in every process ends it. No round trip. -EACCES on a read-only
 * surface, -EMFILE if the compositor gives this client no more ports (it has as many live
 * ports as one client may: close some), -ENOMEM if it could not make one, -EPIPE once the
 * connection is lost (never SIGPIPE).
 * Only this process can bind the port: whoever else holds the descriptor cannot make it name
 * anything else, or give more access than was asked.
 */
IOSURFACE_EXPORT int iosurface_create_port(struct iosurface *s);

/** A port that gives whoever redeems it read-only access. */
IOSURFACE_EXPORT int iosurface_create_port_read_only(struct iosurface *s);

/**
 * Redeems a port (at most one round trip); the port is not consumed. In the process that
 * already holds the surface, returns a new reference to the same object. NULL with errno
 * ENOENT for an unknown, dead, forged or foreign port, EBADF for a closed descriptor.
 */
IOSURFACE_EXPORT struct iosurface *iosurface_lookup_from_port(struct iosurface_client *client,
		int port);

/**
 * Looks up a global surface by id. NULL with errno EPERM when the compositor does not allow
 * lookup by id or the surface is not global, ENOENT if there is no such surface.
 */
IOSURFACE_EXPORT struct iosurface *iosurface_lookup(struct iosurface_client *client, uint32_t id);

#define IOSURFACE_PORT_PAYLOAD_MAX 4096

/**
 * Sends a port and an optional payload (up to IOSURFACE_PORT_PAYLOAD_MAX bytes) as one message
 * over an AF_UNIX socket (SCM_RIGHTS). The port stays the caller's.
 */
IOSURFACE_EXPORT int iosurface_port_send(int socket, int port, const void *payload, size_t len);

/**
 * Receives a message sent by iosurface_port_send(). payload may be NULL; otherwise *len is its
 * capacity on entry and the payload's length on return. Returns the port (owned by the
 * caller) or a negative errno: -EBADMSG for a message with no port or a truncated payload,
 * -ECONNRESET when the peer closed.
 */
IOSURFACE_EXPORT int iosurface_port_receive(int socket, void *payload, size_t *len);

/* ---- Display ---- */

/**
 * A wl_buffer showing the surface with no copy (no round trip). Its events are dispatched on
 * the default queue of the client's display; destroy it with wl_buffer_destroy(). A surface
 * held read-only may be shown too. NULL with errno ENOTSUP if the compositor cannot show the
 * format.
 */
IOSURFACE_EXPORT struct wl_buffer *iosurface_create_wl_buffer(struct iosurface *s);

/* ---- Pools ---- */

/**
 * A pool of surfaces of one description, as CoreVideo's CVPixelBufferPool and WebKit's
 * IOSurfacePool: a surface given back is handed out again once no process uses it, which the
 * compositor tells (the not-in-use notification; nothing polls). Taking a recycled surface
 * allocates nothing and touches no new page. Thread-safe. The pool sets the notification
 * callback of its surfaces: do not call iosurface_set_notify() on them.
 */
struct iosurface_pool;

#define IOSURFACE_POOL_DEFAULT_MAX_SURFACES 8
#define IOSURFACE_POOL_MAX_SURFACES 1024

struct iosurface_pool_options {
	/** Most surfaces the pool owns at once, in use or idle: 1 to IOSURFACE_POOL_MAX_SURFACES. */
	uint32_t max_surfaces;
	/**
	 * Most idle surfaces kept; one more given back is released. At most max_surfaces; 0: as
	 * many as max_surfaces.
	 */
	uint32_t max_idle;
};

/** Fills options with the defaults (8 surfaces, all of which may be kept idle). */
IOSURFACE_EXPORT void iosurface_pool_options_init(struct iosurface_pool_options *options);

/**
 * A pool of surfaces made with props (copied, name included) on client, which must outlive
 * it. options may be NULL for the defaults. Surfaces are created on demand. NULL with errno
 * EINVAL (bad options) or ENOMEM.
 */
IOSURFACE_EXPORT struct iosurface_pool *iosurface_pool_create(struct iosurface_client *client,
		const struct iosurface_properties *props, const struct iosurface_pool_options *options);

/**
 * Releases the pool's references. Surfaces still taken stay valid until their holders unref
 * them; they are no longer recycled. NULL is a no-op.
 */
IOSURFACE_EXPORT void iosurface_pool_destroy(struct iosurface_pool *pool);

/**
 * A surface not in use by any process (a new reference, for iosurface_pool_recycle()): an
 * idle one if there is one, else a new one while the pool has fewer than max_surfaces. Runs
 * the notifications already received first. NULL with errno EAGAIN when every surface is in
 * use (one comes back when a notification is dispatched: poll iosurface_client_get_fd()), or
 * the errno of iosurface_create(). Pixels are as the last user left them, or zeros.
 */
IOSURFACE_EXPORT struct iosurface *iosurface_pool_take(struct iosurface_pool *pool);

enum iosurface_pool_recycle_flags {
	/**
	 * The surface was not handed to another process (or every process it was handed to is
	 * done): idle at once if it is not in use now.
	 */
	IOSURFACE_POOL_RECYCLE_UNSHARED = 1u << 0,
};

/**
 * Gives back a surface taken from pool, with the caller's reference. By default it is handed
 * out again after its global use count next falls to zero (the notification), as a surface
 * shown by a consumer does when the consumer lets it go: give it back once the processes it
 * was handed to hold it (a use count, a port, a display), for example right after announcing
 * a frame whose consumer keeps a port or a use count until it is done. With
 * IOSURFACE_POOL_RECYCLE_UNSHARED it is idle at once when not in use. -EINVAL if s is not
 * taken from this pool.
 */
IOSURFACE_EXPORT int iosurface_pool_recycle(struct iosurface_pool *pool, struct iosurface *s,
		uint32_t flags);

/**
 * Makes every idle surface volatile (its memory may be dropped under pressure; one round trip
 * each), as an application going idle would. A volatile surface taken again is made
 * non-volatile first; if it was emptied its pixels read as zeros. Returns the number marked
 * or a negative errno.
 */
IOSURFACE_EXPORT int iosurface_pool_make_idle_volatile(struct iosurface_pool *pool);

/** Releases every idle surface now; returns how many. */
IOSURFACE_EXPORT int iosurface_pool_flush(struct iosurface_pool *pool);

struct iosurface_pool_stats {
	uint32_t surfaces;      /* owned by the pool now */
	uint32_t idle;          /* ready to be taken */
	uint32_t volatile_idle; /* of those, volatile */
	uint32_t taken;         /* with the caller */
	uint32_t returning;     /* given back, still in use somewhere */
	uint64_t created;       /* surfaces created over the pool's life */
};

/** The pool's counts. */
IOSURFACE_EXPORT void iosurface_pool_get_stats(struct iosurface_pool *pool,
		struct iosurface_pool_stats *stats);

/* ---- Logging ---- */

/**
 * Levels, most severe first. WARNING tells why a request was refused (a creation whose
 * properties break a rule, a value that could not be stored); it is the default level.
 */
enum iosurface_log_level {
	IOSURFACE_LOG_SILENT = 0,
	IOSURFACE_LOG_ERROR,
	IOSURFACE_LOG_WARNING,
	IOSURFACE_LOG_INFO,
	IOSURFACE_LOG_DEBUG,
};

typedef void (*iosurface_log_func_t)(enum iosurface_log_level level, const char *message);

/**
 * Where library messages go and up to which level. Without a call, messages up to
 * IOSURFACE_LOG_WARNING go to stderr; IOSURFACE_LOG_LEVEL (silent, error, warning, info,
 * debug, or their number) changes the level.
 */
IOSURFACE_EXPORT void iosurface_set_log_handler(enum iosurface_log_level level,
		iosurface_log_func_t handler);

#ifdef __cplusplus
}
#endif

#endif
