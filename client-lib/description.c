/* The description of a surface: its size, layout, planes, format and components. */
#include "client-private.h"

IOSURFACE_EXPORT uint32_t iosurface_get_id(struct iosurface *s) {
	return s->id;
}

IOSURFACE_EXPORT size_t iosurface_get_width(struct iosurface *s) {
	return s->width;
}

IOSURFACE_EXPORT size_t iosurface_get_height(struct iosurface *s) {
	return s->height;
}

IOSURFACE_EXPORT size_t iosurface_get_bytes_per_row(struct iosurface *s) {
	return s->bytes_per_row;
}

IOSURFACE_EXPORT size_t iosurface_get_bytes_per_element(struct iosurface *s) {
	return s->bytes_per_element;
}

IOSURFACE_EXPORT size_t iosurface_get_element_width(struct iosurface *s) {
	return s->element_width;
}

IOSURFACE_EXPORT size_t iosurface_get_element_height(struct iosurface *s) {
	return s->element_height;
}

IOSURFACE_EXPORT size_t iosurface_get_alloc_size(struct iosurface *s) {
	return s->alloc_size;
}

IOSURFACE_EXPORT size_t iosurface_get_offset(struct iosurface *s) {
	return s->offset;
}

IOSURFACE_EXPORT uint32_t iosurface_get_pixel_format(struct iosurface *s) {
	return s->format;
}

IOSURFACE_EXPORT size_t iosurface_get_plane_count(struct iosurface *s) {
	return s->plane_count;
}

IOSURFACE_EXPORT uint32_t iosurface_get_cache_mode(struct iosurface *s) {
	return s->cache_mode;
}

IOSURFACE_EXPORT uint32_t iosurface_get_usage(struct iosurface *s) {
	return s->usage;
}

IOSURFACE_EXPORT bool iosurface_is_global(struct iosurface *s) {
	return (s->flags & IOSURFACE_PARAMS_V1_FLAGS_GLOBAL) != 0;
}

IOSURFACE_EXPORT bool iosurface_is_read_only(struct iosurface *s) {
	return s->read_only;
}

IOSURFACE_EXPORT enum iosurface_allocator iosurface_get_allocator(struct iosurface *s) {
	return s->allocator;
}

IOSURFACE_EXPORT const char *iosurface_get_name(struct iosurface *s) {
	return s->name;
}

IOSURFACE_EXPORT bool iosurface_allows_pixel_size_casting(struct iosurface *s) {
	return !(s->flags & IOSURFACE_PARAMS_V1_FLAGS_PIXEL_SIZE_CASTING_FORBIDDEN);
}

IOSURFACE_EXPORT void *iosurface_get_base_address(struct iosurface *s) {
	return (char *)s->map[0] + s->offset;
}

/*
 * IOSurface's rule for plane indices: out of range answers 0, except plane 0 of a surface
 * with no planes, which answers like the non-planar getter. Returns NULL for "answer 0",
 * and for plane 0 of a non-planar surface a plane made from the surface's own description.
 */
static bool plane_of(struct iosurface *s, size_t plane, struct plane_info *out) {
	if (s->plane_count == 0) {
		if (plane != 0) {
			return false;
		}
		*out = (struct plane_info){ s->width, s->height, s->bytes_per_row, s->bytes_per_element,
			s->element_width, s->element_height, s->offset, s->alloc_size - s->offset };
		return true;
	}
	if (plane >= s->plane_count) {
		return false;
	}
	*out = s->planes[plane];
	return true;
}

#define PLANE_GETTER(field) \
	IOSURFACE_EXPORT size_t iosurface_get_##field##_of_plane(struct iosurface *s, size_t plane) { \
		struct plane_info p; \
		return plane_of(s, plane, &p) ? p.field : 0; \
	}

PLANE_GETTER(width)
PLANE_GETTER(height)
PLANE_GETTER(bytes_per_row)
PLANE_GETTER(bytes_per_element)
PLANE_GETTER(element_width)
PLANE_GETTER(element_height)
PLANE_GETTER(offset)
PLANE_GETTER(size)

IOSURFACE_EXPORT void *iosurface_get_base_address_of_plane(struct iosurface *s, size_t plane) {
	struct plane_info p;
	return plane_of(s, plane, &p) ? (char *)s->map[0] + p.offset : NULL;
}

static const struct ios_component *component_of(struct iosurface *s, size_t plane,
		size_t component) {
	const struct ios_format *fmt = ios_format_lookup(s->format);
	struct plane_info p;
	if (fmt == NULL || !plane_of(s, plane, &p) || fmt->plane_count != s->plane_count) {
		return NULL;
	}
	const struct ios_plane_format *pf = &fmt->planes[plane];
	return component < pf->component_count ? &pf->components[component] : NULL;
}

IOSURFACE_EXPORT size_t iosurface_get_number_of_components_of_plane(struct iosurface *s,
		size_t plane) {
	const struct ios_format *fmt = ios_format_lookup(s->format);
	struct plane_info p;
	if (fmt == NULL || !plane_of(s, plane, &p) || fmt->plane_count != s->plane_count) {
		return 0;
	}
	return fmt->planes[plane].component_count;
}

IOSURFACE_EXPORT enum iosurface_component_name
iosurface_get_name_of_component_of_plane(struct iosurface *s, size_t plane, size_t component) {
	const struct ios_component *c = component_of(s, plane, component);
	return c != NULL ? c->name : IOSURFACE_COMPONENT_NAME_UNKNOWN;
}

IOSURFACE_EXPORT enum iosurface_component_type
iosurface_get_type_of_component_of_plane(struct iosurface *s, size_t plane, size_t component) {
	const struct ios_component *c = component_of(s, plane, component);
	return c != NULL ? c->type : IOSURFACE_COMPONENT_TYPE_UNKNOWN;
}

IOSURFACE_EXPORT enum iosurface_component_range
iosurface_get_range_of_component_of_plane(struct iosurface *s, size_t plane, size_t component) {
	const struct ios_component *c = component_of(s, plane, component);
	return c != NULL ? c->range : IOSURFACE_COMPONENT_RANGE_UNKNOWN;
}

IOSURFACE_EXPORT size_t iosurface_get_bit_depth_of_component_of_plane(struct iosurface *s,
		size_t plane, size_t component) {
	const struct ios_component *c = component_of(s, plane, component);
	return c != NULL ? c->bit_depth : 0;
}

IOSURFACE_EXPORT size_t iosurface_get_bit_offset_of_component_of_plane(struct iosurface *s,
		size_t plane, size_t component) {
	const struct ios_component *c = component_of(s, plane, component);
	return c != NULL ? c->bit_offset : 0;
}

IOSURFACE_EXPORT enum iosurface_subsampling iosurface_get_subsampling(struct iosurface *s) {
	const struct ios_format *fmt = ios_format_lookup(s->format);
	return fmt != NULL ? fmt->subsampling : IOSURFACE_SUBSAMPLING_UNKNOWN;
}
