/*
 * iosurface-info: what an iosurface compositor offers, and what a surface is.
 *
 * Without a port it lists the compositor's formats, display formats, property limits,
 * allocators and quotas. Given a port (an inherited descriptor, or one received over an
 * AF_UNIX socket) it redeems it and describes the surface: layout, planes, components,
 * values, use counts, purgeable state. See iosurface-info(1).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <iosurface/iosurface.h>

#include "json.h"
#include "launch.h"

/* ---- Names ---- */

static const char *const property_names[IOSURFACE_PROPERTY_COUNT] = {
	[IOSURFACE_PROPERTY_WIDTH] = "width",
	[IOSURFACE_PROPERTY_HEIGHT] = "height",
	[IOSURFACE_PROPERTY_BYTES_PER_ROW] = "bytes per row",
	[IOSURFACE_PROPERTY_BYTES_PER_ELEMENT] = "bytes per element",
	[IOSURFACE_PROPERTY_ELEMENT_WIDTH] = "element width",
	[IOSURFACE_PROPERTY_ELEMENT_HEIGHT] = "element height",
	[IOSURFACE_PROPERTY_OFFSET] = "offset",
	[IOSURFACE_PROPERTY_ALLOC_SIZE] = "alloc size",
	[IOSURFACE_PROPERTY_PLANE_COUNT] = "plane count",
	[IOSURFACE_PROPERTY_PLANE_WIDTH] = "plane width",
	[IOSURFACE_PROPERTY_PLANE_HEIGHT] = "plane height",
	[IOSURFACE_PROPERTY_PLANE_BYTES_PER_ROW] = "plane bytes per row",
	[IOSURFACE_PROPERTY_PLANE_OFFSET] = "plane offset",
	[IOSURFACE_PROPERTY_PLANE_SIZE] = "plane size",
	[IOSURFACE_PROPERTY_PLANE_BYTES_PER_ELEMENT] = "plane bytes per element",
	[IOSURFACE_PROPERTY_PLANE_ELEMENT_WIDTH] = "plane element width",
	[IOSURFACE_PROPERTY_PLANE_ELEMENT_HEIGHT] = "plane element height",
	[IOSURFACE_PROPERTY_NAME_LENGTH] = "name length",
	[IOSURFACE_PROPERTY_VALUE_SIZE] = "value size",
	[IOSURFACE_PROPERTY_VALUE_COUNT] = "value count",
	[IOSURFACE_PROPERTY_KEY_LENGTH] = "key length",
};

static const enum iosurface_allocator allocators[] = {
	IOSURFACE_ALLOCATOR_MEMFD,
	IOSURFACE_ALLOCATOR_GBM,
	IOSURFACE_ALLOCATOR_DUMB,
};

static const char *allocator_name(enum iosurface_allocator allocator) {
	switch (allocator) {
	case IOSURFACE_ALLOCATOR_MEMFD:
		return "memfd";
	case IOSURFACE_ALLOCATOR_GBM:
		return "gbm";
	case IOSURFACE_ALLOCATOR_DUMB:
		return "dumb";
	}
	return "unknown";
}

static const char *component_name(enum iosurface_component_name name) {
	switch (name) {
	case IOSURFACE_COMPONENT_NAME_ALPHA:
		return "alpha";
	case IOSURFACE_COMPONENT_NAME_RED:
		return "red";
	case IOSURFACE_COMPONENT_NAME_GREEN:
		return "green";
	case IOSURFACE_COMPONENT_NAME_BLUE:
		return "blue";
	case IOSURFACE_COMPONENT_NAME_LUMA:
		return "luma";
	case IOSURFACE_COMPONENT_NAME_CHROMA_RED:
		return "chroma red";
	case IOSURFACE_COMPONENT_NAME_CHROMA_BLUE:
		return "chroma blue";
	case IOSURFACE_COMPONENT_NAME_UNKNOWN:
		break;
	}
	return "unknown";
}

static const char *component_type(enum iosurface_component_type type) {
	switch (type) {
	case IOSURFACE_COMPONENT_TYPE_UNSIGNED_INTEGER:
		return "unsigned integer";
	case IOSURFACE_COMPONENT_TYPE_SIGNED_INTEGER:
		return "signed integer";
	case IOSURFACE_COMPONENT_TYPE_FLOAT:
		return "float";
	case IOSURFACE_COMPONENT_TYPE_SIGNED_NORMALIZED:
		return "signed normalized";
	case IOSURFACE_COMPONENT_TYPE_UNKNOWN:
		break;
	}
	return "unknown type";
}

static const char *component_range(enum iosurface_component_range range) {
	switch (range) {
	case IOSURFACE_COMPONENT_RANGE_FULL:
		return "full range";
	case IOSURFACE_COMPONENT_RANGE_VIDEO:
		return "video range";
	case IOSURFACE_COMPONENT_RANGE_WIDE:
		return "wide range";
	case IOSURFACE_COMPONENT_RANGE_UNKNOWN:
		break;
	}
	return "unknown range";
}

static const char *subsampling_name(enum iosurface_subsampling subsampling) {
	switch (subsampling) {
	case IOSURFACE_SUBSAMPLING_NONE:
		return "none";
	case IOSURFACE_SUBSAMPLING_422:
		return "4:2:2";
	case IOSURFACE_SUBSAMPLING_420:
		return "4:2:0";
	case IOSURFACE_SUBSAMPLING_411:
		return "4:1:1";
	case IOSURFACE_SUBSAMPLING_UNKNOWN:
		break;
	}
	return "unknown";
}

static const char *cache_mode_name(uint32_t mode) {
	switch (mode) {
	case IOSURFACE_CACHE_DEFAULT:
		return "default";
	case IOSURFACE_CACHE_INHIBIT:
		return "inhibit";
	case IOSURFACE_CACHE_WRITE_THROUGH:
		return "write through";
	case IOSURFACE_CACHE_COPY_BACK:
		return "copy back";
	case IOSURFACE_CACHE_WRITE_COMBINE:
		return "write combine";
	}
	return "unknown";
}

static const char *purgeable_name(uint32_t state) {
	switch (state) {
	case IOSURFACE_PURGEABLE_NON_VOLATILE:
		return "non-volatile";
	case IOSURFACE_PURGEABLE_VOLATILE:
		return "volatile";
	case IOSURFACE_PURGEABLE_EMPTY:
		return "empty";
	}
	return "unknown";
}

static const struct {
	uint32_t bit;
	const char *name;
} usage_bits[] = {
	{ IOSURFACE_USAGE_CPU_READ, "cpu-read" },
	{ IOSURFACE_USAGE_CPU_WRITE, "cpu-write" },
	{ IOSURFACE_USAGE_GPU_READ, "gpu-read" },
	{ IOSURFACE_USAGE_GPU_WRITE, "gpu-write" },
	{ IOSURFACE_USAGE_SCANOUT, "scanout" },
};

static bool printable(uint8_t c) {
	return c >= 0x20 && c < 0x7f;
}

/* Four characters, highest byte first (Apple's OSType) or lowest first (DRM fourcc). */
static void four_chars(uint32_t code, bool high_first, char out[5]) {
	for (int i = 0; i < 4; i++) {
		int shift = high_first ? 24 - 8 * i : 8 * i;
		uint8_t c = (uint8_t)(code >> shift);
		out[i] = printable(c) ? (char)c : '?';
	}
	out[4] = '\0';
}

/* "'BGRA'", or the number for codes that are not four characters (k32ARGBPixelFormat is 32). */
static void ostype_str(uint32_t ostype, char out[16]) {
	bool chars = true;
	for (int i = 0; i < 4; i++) {
		chars = chars && printable((uint8_t)(ostype >> (8 * i)));
	}
	if (ostype == 0) {
		snprintf(out, 16, "-");
	} else if (chars) {
		char c[5];
		four_chars(ostype, true, c);
		snprintf(out, 16, "'%s'", c);
	} else {
		snprintf(out, 16, "%" PRIu32, ostype);
	}
}

/*
 * DRM's names for the formats one is likely to meet (libdrm's drmGetFormatName gives only
 * the four characters); others print as their four characters.
 */
#define FORMAT(name) \
	{ DRM_FORMAT_##name, #name }
static const struct {
	uint32_t fourcc;
	const char *name;
} format_names[] = {
	FORMAT(ARGB8888),
	FORMAT(XRGB8888),
	FORMAT(ABGR8888),
	FORMAT(XBGR8888),
	FORMAT(RGBA8888),
	FORMAT(RGBX8888),
	FORMAT(BGRA8888),
	FORMAT(BGRX8888),
	FORMAT(ARGB2101010),
	FORMAT(XRGB2101010),
	FORMAT(ABGR2101010),
	FORMAT(XBGR2101010),
	FORMAT(ABGR16161616F),
	FORMAT(XBGR16161616F),
	FORMAT(ABGR16161616),
	FORMAT(RGB565),
	FORMAT(RGB888),
	FORMAT(BGR888),
	FORMAT(R8),
	FORMAT(R16),
	FORMAT(GR88),
	FORMAT(GR1616),
	FORMAT(NV12),
	FORMAT(NV21),
	FORMAT(NV16),
	FORMAT(NV61),
	FORMAT(NV24),
	FORMAT(NV42),
	FORMAT(P010),
	FORMAT(P012),
	FORMAT(P016),
	FORMAT(P210),
	FORMAT(YUV420),
	FORMAT(YVU420),
	FORMAT(YUV422),
	FORMAT(YUV444),
	FORMAT(YUYV),
	FORMAT(YVYU),
	FORMAT(UYVY),
	FORMAT(VYUY),
	FORMAT(AYUV),
	FORMAT(XYUV8888),
};
#undef FORMAT

static void format_name(uint32_t fourcc, char out[32]) {
	for (size_t i = 0; i < sizeof(format_names) / sizeof(format_names[0]); i++) {
		if (format_names[i].fourcc == fourcc) {
			snprintf(out, 32, "%s", format_names[i].name);
			return;
		}
	}
	char c[5];
	four_chars(fourcc, false, c);
	snprintf(out, 32, "%s", c);
}

/* ---- The compositor ---- */

static void print_format_list(const uint32_t *formats, size_t count) {
	printf("  %-6s  %-16s  %s\n", "fourcc", "name", "OSType");
	for (size_t i = 0; i < count; i++) {
		char fourcc[5], name[32], ostype[16];
		four_chars(formats[i], false, fourcc);
		format_name(formats[i], name);
		ostype_str(iosurface_format_to_ostype(formats[i]), ostype);
		printf("  %-6s  %-16s  %s\n", fourcc, name, ostype);
	}
}

static void print_limit(size_t value, const char *none) {
	if (value == 0) {
		printf("  %-14s", none);
	} else {
		printf("  %-14zu", value);
	}
}

static void print_compositor(struct iosurface_client *client, const char *display_name) {
	printf("compositor: %s\n", display_name);

	const uint32_t *formats;
	size_t count = iosurface_client_get_formats(client, &formats);
	printf("\nformats (%zu, allocatable from width and height alone):\n", count);
	print_format_list(formats, count);

	count = iosurface_client_get_display_formats(client, &formats);
	printf("\ndisplay formats (%zu, accepted by iosurface_create_wl_buffer):\n", count);
	print_format_list(formats, count);

	printf("\nproperty limits:\n");
	printf("  %-24s  %-14s  %s\n", "property", "maximum", "alignment");
	for (int p = 0; p < IOSURFACE_PROPERTY_COUNT; p++) {
		printf("  %-24s", property_names[p]);
		print_limit(iosurface_client_get_property_maximum(client, p), "none");
		size_t alignment = iosurface_client_get_property_alignment(client, p);
		printf("  %zu\n", alignment);
	}

	printf("\nallocators:");
	for (size_t i = 0; i < sizeof(allocators) / sizeof(allocators[0]); i++) {
		if (iosurface_client_has_allocator(client, allocators[i])) {
			printf(" %s", allocator_name(allocators[i]));
		}
	}
	printf("\n");

	uint64_t quota_bytes;
	uint32_t quota_count;
	iosurface_client_get_quota(client, &quota_bytes, &quota_count);
	printf("quota: ");
	if (quota_bytes == 0) {
		printf("bytes unlimited");
	} else {
		printf("%" PRIu64 " bytes", quota_bytes);
	}
	if (quota_count == 0) {
		printf(", surfaces unlimited\n");
	} else {
		printf(", %" PRIu32 " surfaces\n", quota_count);
	}
}

/* ---- A surface ---- */

static void print_string(const char *s) {
	putchar('"');
	for (; *s != '\0'; s++) {
		uint8_t c = (uint8_t)*s;
		if (c == '"' || c == '\\') {
			printf("\\%c", c);
		} else if (c < 0x20 || c == 0x7f) {
			printf("\\x%02x", c);
		} else {
			putchar(c);
		}
	}
	putchar('"');
}

static void print_value(const struct iosurface_value *v, int depth) {
	switch (iosurface_value_get_type(v)) {
	case IOSURFACE_VALUE_STRING:
		printf("string ");
		print_string(iosurface_value_get_string(v));
		printf("\n");
		return;
	case IOSURFACE_VALUE_INTEGER:
		printf("integer %" PRId64 "\n", iosurface_value_get_integer(v));
		return;
	case IOSURFACE_VALUE_DOUBLE: {
		char text[32];
		json_format_double(iosurface_value_get_double(v), text);
		printf("double %s\n", text);
		return;
	}
	case IOSURFACE_VALUE_BOOLEAN:
		printf("boolean %s\n", iosurface_value_get_boolean(v) ? "true" : "false");
		return;
	case IOSURFACE_VALUE_BYTES: {
		size_t len;
		const uint8_t *bytes = iosurface_value_get_bytes(v, &len);
		printf("bytes (%zu):", len);
		for (size_t i = 0; i < len && i < 32; i++) {
			printf(" %02x", bytes[i]);
		}
		printf(len > 32 ? " ...\n" : "\n");
		return;
	}
	case IOSURFACE_VALUE_ARRAY: {
		size_t count = iosurface_value_get_count(v);
		printf("array (%zu)\n", count);
		for (size_t i = 0; i < count; i++) {
			printf("%*s[%zu]: ", 2 * (depth + 1), "", i);
			print_value(iosurface_value_get_item(v, i), depth + 1);
		}
		return;
	}
	case IOSURFACE_VALUE_DICTIONARY: {
		size_t count = iosurface_value_get_count(v);
		printf("dictionary (%zu)\n", count);
		for (size_t i = 0; i < count; i++) {
			printf("%*s", 2 * (depth + 1), "");
			print_string(iosurface_value_get_key(v, i));
			printf(": ");
			print_value(iosurface_value_get_item(v, i), depth + 1);
		}
		return;
	}
	}
	printf("unknown type %d\n", (int)iosurface_value_get_type(v));
}

static void print_plane(struct iosurface *s, size_t plane) {
	printf("  plane %zu: %zux%zu, %zu bytes per row, %zu bytes per element, element %zux%zu, "
		   "offset %zu, size %zu\n",
			plane, iosurface_get_width_of_plane(s, plane), iosurface_get_height_of_plane(s, plane),
			iosurface_get_bytes_per_row_of_plane(s, plane),
			iosurface_get_bytes_per_element_of_plane(s, plane),
			iosurface_get_element_width_of_plane(s, plane),
			iosurface_get_element_height_of_plane(s, plane),
			iosurface_get_offset_of_plane(s, plane), iosurface_get_size_of_plane(s, plane));
	size_t components = iosurface_get_number_of_components_of_plane(s, plane);
	for (size_t c = 0; c < components; c++) {
		printf("    component %zu: %s, %s, %s, %zu bits at bit %zu\n", c,
				component_name(iosurface_get_name_of_component_of_plane(s, plane, c)),
				component_type(iosurface_get_type_of_component_of_plane(s, plane, c)),
				component_range(iosurface_get_range_of_component_of_plane(s, plane, c)),
				iosurface_get_bit_depth_of_component_of_plane(s, plane, c),
				iosurface_get_bit_offset_of_component_of_plane(s, plane, c));
	}
}

static void print_usage_bits(uint32_t usage) {
	if (usage == 0) {
		printf("none");
	}
	const char *sep = "";
	for (size_t i = 0; i < sizeof(usage_bits) / sizeof(usage_bits[0]); i++) {
		if (usage & usage_bits[i].bit) {
			printf("%s%s", sep, usage_bits[i].name);
			sep = ", ";
		}
	}
	printf("\n");
}

/* What takes a request to learn, asked once for either output. */
struct surface_state {
	int purgeable_error; /* 0, or the negative errno of the query */
	uint32_t purgeable;
	struct iosurface_value *values;
};

static int query_state(struct iosurface *s, struct surface_state *state) {
	state->purgeable_error = iosurface_set_purgeable(s, IOSURFACE_PURGEABLE_KEEP_CURRENT,
			&state->purgeable);
	state->values = iosurface_copy_all_values(s);
	if (state->values == NULL) {
		fprintf(stderr, "iosurface-info: cannot read the values: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static void print_surface(struct iosurface *s, const char *source,
		const struct surface_state *state) {
	const char *name = iosurface_get_name(s);
	printf("surface %" PRIu32, iosurface_get_id(s));
	if (name != NULL) {
		printf(" ");
		print_string(name);
	}
	printf(" (%s)\n", source);

	uint32_t format = iosurface_get_pixel_format(s);
	char fourcc[5], fname[32], ostype[16];
	four_chars(format, false, fourcc);
	format_name(format, fname);
	ostype_str(iosurface_format_to_ostype(format), ostype);
	printf("  size: %zux%zu\n", iosurface_get_width(s), iosurface_get_height(s));
	printf("  pixel format: %s (fourcc %s, OSType %s)%s\n", fname, fourcc, ostype,
			iosurface_format_is_known(format) ? "" : ", not known to the library");
	printf("  bytes per element: %zu, element %zux%zu\n", iosurface_get_bytes_per_element(s),
			iosurface_get_element_width(s), iosurface_get_element_height(s));
	printf("  bytes per row: %zu\n", iosurface_get_bytes_per_row(s));
	printf("  offset: %zu\n", iosurface_get_offset(s));
	printf("  alloc size: %zu\n", iosurface_get_alloc_size(s));
	size_t planes = iosurface_get_plane_count(s);
	printf("  planes: %zu%s\n", planes, planes == 0 ? " (not planar; plane 0 is the surface)" : "");
	for (size_t p = 0; p < (planes == 0 ? 1 : planes); p++) {
		print_plane(s, p);
	}
	printf("  subsampling: %s\n", subsampling_name(iosurface_get_subsampling(s)));
	printf("  cache mode: %s\n", cache_mode_name(iosurface_get_cache_mode(s)));
	printf("  usage: ");
	print_usage_bits(iosurface_get_usage(s));
	printf("  global: %s\n", iosurface_is_global(s) ? "yes" : "no");
	printf("  pixel size casting: %s\n",
			iosurface_allows_pixel_size_casting(s) ? "allowed" : "forbidden");
	printf("  allocator: %s\n", allocator_name(iosurface_get_allocator(s)));
	printf("  read-only: %s\n", iosurface_is_read_only(s) ? "yes" : "no");
	printf("  seed: %" PRIu32 "\n", iosurface_get_seed(s));

	// The port this program was given is alive while it runs: it counts too.
	printf("  use count (this process): %" PRId32 "\n", iosurface_get_use_count(s));
	printf("  global use count: %" PRIu32 " (including the port given to iosurface-info)\n",
			iosurface_get_global_use_count(s));
	printf("  in use: %s\n", iosurface_is_in_use(s) ? "yes" : "no");

	if (state->purgeable_error == 0) {
		printf("  purgeable: %s\n", purgeable_name(state->purgeable));
	} else {
		printf("  purgeable: unknown (%s)\n", strerror(-state->purgeable_error));
	}
	printf("  emptied: %s\n", iosurface_was_emptied(s) ? "yes" : "no");

	const struct iosurface_value *values = state->values;
	size_t count = iosurface_value_get_count(values);
	printf("  values (%zu):%s\n", count, count == 0 ? " none" : "");
	for (size_t i = 0; i < count; i++) {
		printf("    ");
		print_string(iosurface_value_get_key(values, i));
		printf(": ");
		print_value(iosurface_value_get_item(values, i), 2);
	}
}

/* ---- The same as JSON ---- */

static void json_format(struct json *j, const char *key, uint32_t fourcc) {
	char chars[5], name[32], ostype[16];
	four_chars(fourcc, false, chars);
	format_name(fourcc, name);
	json_begin_object(j, key);
	json_string(j, "fourcc", chars);
	json_uint(j, "code", fourcc);
	json_string(j, "name", name);
	uint32_t os = iosurface_format_to_ostype(fourcc);
	ostype_str(os, ostype);
	if (os == 0) {
		json_null(j, "ostype");
	} else if (ostype[0] == '\'') {
		ostype[5] = '\0';
		json_string(j, "ostype", ostype + 1);
	} else {
		json_uint(j, "ostype", os);
	}
	json_end_object(j);
}

static void json_format_list(struct json *j, const char *key, const uint32_t *formats,
		size_t count) {
	json_begin_array(j, key);
	for (size_t i = 0; i < count; i++) {
		json_format(j, NULL, formats[i]);
	}
	json_end_array(j);
}

static void json_compositor(struct iosurface_client *client, const char *display_name) {
	struct json j = { 0 };
	json_begin_object(&j, NULL);
	json_string(&j, "display", display_name);
	const uint32_t *formats;
	size_t count = iosurface_client_get_formats(client, &formats);
	json_format_list(&j, "formats", formats, count);
	count = iosurface_client_get_display_formats(client, &formats);
	json_format_list(&j, "display_formats", formats, count);
	json_begin_object(&j, "limits");
	for (int p = 0; p < IOSURFACE_PROPERTY_COUNT; p++) {
		json_begin_object(&j, property_names[p]);
		json_uint(&j, "maximum", iosurface_client_get_property_maximum(client, p));
		json_uint(&j, "alignment", iosurface_client_get_property_alignment(client, p));
		json_end_object(&j);
	}
	json_end_object(&j);
	json_begin_array(&j, "allocators");
	for (size_t i = 0; i < sizeof(allocators) / sizeof(allocators[0]); i++) {
		if (iosurface_client_has_allocator(client, allocators[i])) {
			json_string(&j, NULL, allocator_name(allocators[i]));
		}
	}
	json_end_array(&j);
	uint64_t quota_bytes;
	uint32_t quota_count;
	iosurface_client_get_quota(client, &quota_bytes, &quota_count);
	json_begin_object(&j, "quota");
	json_uint(&j, "bytes", quota_bytes);
	json_uint(&j, "surfaces", quota_count);
	json_end_object(&j);
	json_end_object(&j);
}

/* A value as {"type": ..., "value": ...}; bytes as a hexadecimal string. */
static void json_value(struct json *j, const char *key, const struct iosurface_value *v) {
	json_begin_object(j, key);
	switch (iosurface_value_get_type(v)) {
	case IOSURFACE_VALUE_STRING:
		json_string(j, "type", "string");
		json_string(j, "value", iosurface_value_get_string(v));
		break;
	case IOSURFACE_VALUE_INTEGER:
		json_string(j, "type", "integer");
		json_int(j, "value", iosurface_value_get_integer(v));
		break;
	case IOSURFACE_VALUE_DOUBLE:
		json_string(j, "type", "double");
		json_double(j, "value", iosurface_value_get_double(v));
		break;
	case IOSURFACE_VALUE_BOOLEAN:
		json_string(j, "type", "boolean");
		json_bool(j, "value", iosurface_value_get_boolean(v));
		break;
	case IOSURFACE_VALUE_BYTES: {
		size_t len;
		const uint8_t *bytes = iosurface_value_get_bytes(v, &len);
		char *hex = malloc(2 * len + 1);
		for (size_t i = 0; hex != NULL && i < len; i++) {
			snprintf(hex + 2 * i, 3, "%02x", bytes[i]);
		}
		if (hex != NULL) {
			hex[2 * len] = '\0';
		}
		json_string(j, "type", "bytes");
		json_string(j, "value", hex);
		free(hex);
		break;
	}
	case IOSURFACE_VALUE_ARRAY:
		json_string(j, "type", "array");
		json_begin_array(j, "value");
		for (size_t i = 0; i < iosurface_value_get_count(v); i++) {
			json_value(j, NULL, iosurface_value_get_item(v, i));
		}
		json_end_array(j);
		break;
	case IOSURFACE_VALUE_DICTIONARY:
		json_string(j, "type", "dictionary");
		json_begin_object(j, "value");
		for (size_t i = 0; i < iosurface_value_get_count(v); i++) {
			json_value(j, iosurface_value_get_key(v, i), iosurface_value_get_item(v, i));
		}
		json_end_object(j);
		break;
	default:
		json_string(j, "type", "unknown");
		break;
	}
	json_end_object(j);
}

static void json_plane(struct json *j, struct iosurface *s, size_t plane) {
	json_begin_object(j, NULL);
	json_uint(j, "width", iosurface_get_width_of_plane(s, plane));
	json_uint(j, "height", iosurface_get_height_of_plane(s, plane));
	json_uint(j, "bytes_per_row", iosurface_get_bytes_per_row_of_plane(s, plane));
	json_uint(j, "bytes_per_element", iosurface_get_bytes_per_element_of_plane(s, plane));
	json_uint(j, "element_width", iosurface_get_element_width_of_plane(s, plane));
	json_uint(j, "element_height", iosurface_get_element_height_of_plane(s, plane));
	json_uint(j, "offset", iosurface_get_offset_of_plane(s, plane));
	json_uint(j, "size", iosurface_get_size_of_plane(s, plane));
	json_begin_array(j, "components");
	size_t components = iosurface_get_number_of_components_of_plane(s, plane);
	for (size_t c = 0; c < components; c++) {
		json_begin_object(j, NULL);
		json_string(j, "name",
				component_name(iosurface_get_name_of_component_of_plane(s, plane, c)));
		json_string(j, "type",
				component_type(iosurface_get_type_of_component_of_plane(s, plane, c)));
		json_string(j, "range",
				component_range(iosurface_get_range_of_component_of_plane(s, plane, c)));
		json_uint(j, "bit_depth", iosurface_get_bit_depth_of_component_of_plane(s, plane, c));
		json_uint(j, "bit_offset", iosurface_get_bit_offset_of_component_of_plane(s, plane, c));
		json_end_object(j);
	}
	json_end_array(j);
	json_end_object(j);
}

static void json_surface(struct iosurface *s, const char *source,
		const struct surface_state *state) {
	struct json j = { 0 };
	json_begin_object(&j, NULL);
	json_string(&j, "source", source);
	json_uint(&j, "id", iosurface_get_id(s));
	json_string(&j, "name", iosurface_get_name(s));
	json_uint(&j, "width", iosurface_get_width(s));
	json_uint(&j, "height", iosurface_get_height(s));
	json_format(&j, "pixel_format", iosurface_get_pixel_format(s));
	json_bool(&j, "format_known", iosurface_format_is_known(iosurface_get_pixel_format(s)));
	json_uint(&j, "bytes_per_element", iosurface_get_bytes_per_element(s));
	json_uint(&j, "element_width", iosurface_get_element_width(s));
	json_uint(&j, "element_height", iosurface_get_element_height(s));
	json_uint(&j, "bytes_per_row", iosurface_get_bytes_per_row(s));
	json_uint(&j, "offset", iosurface_get_offset(s));
	json_uint(&j, "alloc_size", iosurface_get_alloc_size(s));
	size_t planes = iosurface_get_plane_count(s);
	json_uint(&j, "plane_count", planes);
	json_begin_array(&j, "planes");
	for (size_t p = 0; p < (planes == 0 ? 1 : planes); p++) {
		json_plane(&j, s, p);
	}
	json_end_array(&j);
	json_string(&j, "subsampling", subsampling_name(iosurface_get_subsampling(s)));
	json_string(&j, "cache_mode", cache_mode_name(iosurface_get_cache_mode(s)));
	json_begin_array(&j, "usage");
	for (size_t i = 0; i < sizeof(usage_bits) / sizeof(usage_bits[0]); i++) {
		if (iosurface_get_usage(s) & usage_bits[i].bit) {
			json_string(&j, NULL, usage_bits[i].name);
		}
	}
	json_end_array(&j);
	json_bool(&j, "global", iosurface_is_global(s));
	json_bool(&j, "pixel_size_casting", iosurface_allows_pixel_size_casting(s));
	json_string(&j, "allocator", allocator_name(iosurface_get_allocator(s)));
	json_bool(&j, "read_only", iosurface_is_read_only(s));
	json_uint(&j, "seed", iosurface_get_seed(s));
	json_int(&j, "use_count", iosurface_get_use_count(s));
	json_uint(&j, "global_use_count", iosurface_get_global_use_count(s));
	json_bool(&j, "in_use", iosurface_is_in_use(s));
	if (state->purgeable_error == 0) {
		json_string(&j, "purgeable", purgeable_name(state->purgeable));
	} else {
		json_null(&j, "purgeable");
	}
	json_bool(&j, "emptied", iosurface_was_emptied(s));
	json_begin_object(&j, "values");
	for (size_t i = 0; i < iosurface_value_get_count(state->values); i++) {
		json_value(&j, iosurface_value_get_key(state->values, i),
				iosurface_value_get_item(state->values, i));
	}
	json_end_object(&j);
	json_end_object(&j);
}

/* Connects to an AF_UNIX socket and receives one port. Returns it or -1. */
static int receive_port(const char *path, char *source, size_t source_size) {
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "iosurface-info: socket path too long: %s\n", path);
		return -1;
	}
	strcpy(addr.sun_path, path);
	// Whatever kind of socket the sender listens on.
	static const int types[] = { SOCK_STREAM, SOCK_SEQPACKET };
	int sock = -1;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]) && sock < 0; i++) {
		sock = socket(AF_UNIX, types[i] | SOCK_CLOEXEC, 0);
		if (sock >= 0 && connect(sock, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
			int err = errno;
			close(sock);
			sock = -1;
			if (err != EPROTOTYPE) {
				fprintf(stderr, "iosurface-info: cannot connect to %s: %s\n", path, strerror(err));
				return -1;
			}
		}
	}
	if (sock < 0) {
		fprintf(stderr, "iosurface-info: cannot connect to %s\n", path);
		return -1;
	}
	static uint8_t payload[IOSURFACE_PORT_PAYLOAD_MAX];
	size_t len = sizeof(payload);
	int port = iosurface_port_receive(sock, payload, &len);
	close(sock);
	if (port < 0) {
		fprintf(stderr, "iosurface-info: no port received from %s: %s\n", path, strerror(-port));
		return -1;
	}
	int n = snprintf(source, source_size, "port received from %s, payload of %zu bytes", path, len);
	for (size_t i = 0; i < len && i < 16 && n > 0 && (size_t)n < source_size; i++) {
		n += snprintf(source + n, source_size - (size_t)n, "%s%02x", i == 0 ? ": " : " ",
				payload[i]);
	}
	if (len > 16 && n > 0 && (size_t)n < source_size) {
		snprintf(source + n, source_size - (size_t)n, " ...");
	}
	return port;
}

/* ---- Main ---- */

struct options {
	bool headless, json;
	const char *display;
	int port_fd;
	const char *socket_path;
};

static void print_usage(FILE *f, const char *program) {
	fprintf(f,
			"Usage: %s [options]\n"
			"\n"
			"Lists what an iosurface compositor offers; given a port, describes its surface.\n"
			"\n"
			"      --display NAME   the compositor's socket (default: $WAYLAND_DISPLAY)\n"
			"      --headless       start a private headless iosurface-compositor to ask\n"
			"      --port-fd N      describe the surface of the port open as descriptor N\n"
			"      --socket PATH    connect to an AF_UNIX socket, receive one port, describe\n"
			"                       its surface\n"
			"      --json           print JSON rather than text\n"
			"  -h, --help           show this help\n",
			program);
}

static int parse_options(int argc, char *argv[], struct options *options) {
	static const struct option long_options[] = {
		{ "display", required_argument, NULL, 'd' },
		{ "headless", no_argument, NULL, 'H' },
		{ "port-fd", required_argument, NULL, 'p' },
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	*options = (struct options){ .port_fd = -1 };
	int c;
	while ((c = getopt_long(argc, argv, "h", long_options, NULL)) != -1) {
		switch (c) {
		case 'd':
			options->display = optarg;
			break;
		case 'H':
			options->headless = true;
			break;
		case 'p': {
			char *end;
			errno = 0;
			long fd = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || optarg[0] == '\0' || fd < 0 || fd > INT32_MAX) {
				fprintf(stderr, "%s: invalid --port-fd '%s'\n", argv[0], optarg);
				return 2;
			}
			options->port_fd = (int)fd;
			break;
		}
		case 's':
			options->socket_path = optarg;
			break;
		case 'j':
			options->json = true;
			break;
		case 'h':
			print_usage(stdout, argv[0]);
			return 0;
		default:
			print_usage(stderr, argv[0]);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", argv[0], argv[optind]);
		return 2;
	}
	if (options->port_fd >= 0 && options->socket_path != NULL) {
		fprintf(stderr, "%s: --port-fd and --socket exclude each other\n", argv[0]);
		return 2;
	}
	if (options->headless && options->display != NULL) {
		fprintf(stderr, "%s: --headless and --display exclude each other\n", argv[0]);
		return 2;
	}
	return -1;
}

static int run(const struct options *options) {
	struct iosurface_client *client = iosurface_client_connect(options->display);
	if (client == NULL) {
		fprintf(stderr, "iosurface-info: cannot connect to an iosurface compositor: %s\n",
				strerror(errno));
		return 1;
	}
	int status = 1;
	struct iosurface *surface = NULL;
	int port = -1;
	char source[256];
	if (options->port_fd >= 0) {
		port = options->port_fd;
		snprintf(source, sizeof(source), "port on descriptor %d", port);
	} else if (options->socket_path != NULL) {
		port = receive_port(options->socket_path, source, sizeof(source));
		if (port < 0) {
			goto out;
		}
	}

	if (port < 0) {
		const char *name = options->display != NULL ? options->display : getenv("WAYLAND_DISPLAY");
		name = name != NULL ? name : "wayland-0";
		if (options->json) {
			json_compositor(client, name);
		} else {
			print_compositor(client, name);
		}
		status = 0;
		goto out;
	}
	surface = iosurface_lookup_from_port(client, port);
	if (surface == NULL) {
		fprintf(stderr, "iosurface-info: cannot redeem the %s: %s\n", source, strerror(errno));
		goto out;
	}
	struct surface_state state = { 0 };
	if (query_state(surface, &state) == 0) {
		if (options->json) {
			json_surface(surface, source, &state);
		} else {
			print_surface(surface, source, &state);
		}
		status = 0;
	}
	iosurface_value_free(state.values);

out:
	iosurface_unref(surface);
	if (port >= 0) {
		close(port);
	}
	iosurface_client_destroy(client);
	return status;
}

int main(int argc, char *argv[]) {
	struct options options;
	int status = parse_options(argc, argv, &options);
	if (status >= 0) {
		return status;
	}
	struct demo_compositor compositor;
	if (options.headless) {
		if (demo_compositor_start(&compositor, 640, 480) != 0) {
			return 1;
		}
	}
	status = run(&options);
	if (options.headless && demo_compositor_stop(&compositor) != 0) {
		status = 1;
	}
	return status;
}
