#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "iosurface-common.h"

// Every input is a 32-bit value bounded before it is multiplied (dimensions by
// IOS_MAX_DIMENSION, element sizes by IOS_MAX_BYTES_PER_ELEMENT), so products and sums
// computed in 64 bits cannot overflow; each result is then checked against the 32-bit
// maximum before it is stored.

static enum ios_layout_status fail(enum ios_layout_status status, char *msg, size_t msg_size,
		const char *fmt, ...) {
	if (msg != NULL && msg_size > 0) {
		va_list args;
		va_start(args, fmt);
		vsnprintf(msg, msg_size, fmt, args);
		va_end(args);
	}
	return status;
}

static uint64_t div_round_up(uint64_t a, uint64_t b) {
	return (a + b - 1) / b;
}

static uint64_t align_up(uint64_t value, uint64_t alignment) {
	return div_round_up(value, alignment) * alignment;
}

struct ios_limits ios_limits_effective(const struct ios_limits *limits) {
	struct ios_limits effective = { IOS_MAX_DIMENSION, IOS_MAX_ALLOC_SIZE };
	if (limits != NULL) {
		if (limits->max_dimension != 0 && limits->max_dimension < effective.max_dimension) {
			effective.max_dimension = limits->max_dimension;
		}
		if (limits->max_alloc_size != 0 && limits->max_alloc_size < effective.max_alloc_size) {
			effective.max_alloc_size = limits->max_alloc_size;
		}
	}
	return effective;
}

size_t ios_property_maximum(enum ios_property property, const struct ios_limits *limits) {
	// The maximum the layout enforces: a raised or unset limit is not published as it was given.
	struct ios_limits effective = ios_limits_effective(limits);
	uint32_t max_dim = effective.max_dimension;
	uint32_t max_alloc = effective.max_alloc_size;
	switch (property) {
	case IOS_PROPERTY_WIDTH:
	case IOS_PROPERTY_HEIGHT:
	case IOS_PROPERTY_PLANE_WIDTH:
	case IOS_PROPERTY_PLANE_HEIGHT:
		return max_dim;
	case IOS_PROPERTY_BYTES_PER_ROW:
	case IOS_PROPERTY_PLANE_BYTES_PER_ROW:
		return (size_t)max_dim * IOS_MAX_BYTES_PER_ELEMENT;
	case IOS_PROPERTY_BYTES_PER_ELEMENT:
	case IOS_PROPERTY_PLANE_BYTES_PER_ELEMENT:
		return IOS_MAX_BYTES_PER_ELEMENT;
	case IOS_PROPERTY_ELEMENT_WIDTH:
	case IOS_PROPERTY_ELEMENT_HEIGHT:
	case IOS_PROPERTY_PLANE_ELEMENT_WIDTH:
	case IOS_PROPERTY_PLANE_ELEMENT_HEIGHT:
		return IOS_MAX_ELEMENT_DIMENSION;
	case IOS_PROPERTY_OFFSET:
	case IOS_PROPERTY_ALLOC_SIZE:
	case IOS_PROPERTY_PLANE_OFFSET:
	case IOS_PROPERTY_PLANE_SIZE:
		return max_alloc;
	case IOS_PROPERTY_PLANE_COUNT:
		return IOS_MAX_PLANES;
	case IOS_PROPERTY_NAME_LENGTH:
		return IOS_MAX_NAME_LENGTH;
	case IOS_PROPERTY_VALUE_SIZE:
		return IOS_MAX_VALUE_SIZE;
	case IOS_PROPERTY_VALUE_COUNT:
		return IOS_MAX_VALUE_COUNT;
	case IOS_PROPERTY_KEY_LENGTH:
		return IOS_MAX_KEY_LENGTH;
	case IOS_PROPERTY_VALUE_TOTAL:
		return IOS_MAX_VALUE_TOTAL;
	case IOS_PROPERTY_COUNT:
		break;
	}
	return 0;
}

size_t ios_property_alignment(enum ios_property property) {
	switch (property) {
	case IOS_PROPERTY_BYTES_PER_ROW:
	case IOS_PROPERTY_PLANE_BYTES_PER_ROW:
		return IOS_ROW_ALIGNMENT;
	case IOS_PROPERTY_OFFSET:
	case IOS_PROPERTY_PLANE_OFFSET:
		return IOS_OFFSET_ALIGNMENT;
	case IOS_PROPERTY_ALLOC_SIZE:
		return IOS_PAGE_SIZE;
	default:
		return property < IOS_PROPERTY_COUNT ? 1 : 0;
	}
}

struct element {
	uint32_t bpe, ew, eh;
};

static enum ios_layout_status check_element(const char *what, const struct element *e, char *msg,
		size_t msg_size) {
	if (e->bpe > IOS_MAX_BYTES_PER_ELEMENT) {
		return fail(IOS_LAYOUT_INVALID_ELEMENT, msg, msg_size,
				"%sbytes_per_element %u exceeds the maximum %u", what, e->bpe,
				IOS_MAX_BYTES_PER_ELEMENT);
	}
	if (e->ew > IOS_MAX_ELEMENT_DIMENSION || e->eh > IOS_MAX_ELEMENT_DIMENSION) {
		return fail(IOS_LAYOUT_INVALID_ELEMENT, msg, msg_size,
				"%selement size %ux%u exceeds the maximum %u", what, e->ew, e->eh,
				IOS_MAX_ELEMENT_DIMENSION);
	}
	return IOS_LAYOUT_OK;
}

/*
 * Bytes per row and size of a width x height block of elements, explicit or computed. As on
 * macOS, an explicit row size is accepted when it holds a row and is a multiple of the element
 * size or of the published alignment (what IOSurfaceAlignProperty() gives); only GPU and
 * scanout usage need the alignment. The default row is
 * aligned to 64 bytes, unless an explicit size (req_size, or room, what the allocation leaves
 * for the block) cannot hold such rows: then the rows are tight, as code that computes an
 * allocation of width * height * bytes per element expects.
 */
static enum ios_layout_status lay_rows(const char *what, uint64_t width, uint64_t height,
		const struct element *e, bool gpu, uint32_t req_bpr, uint32_t req_size, uint64_t room,
		uint32_t *bpr_out, uint32_t *size_out, char *msg, size_t msg_size) {
	uint64_t min_bpr = div_round_up(width, e->ew) * e->bpe;
	uint64_t max_bpr = (uint64_t)IOS_MAX_DIMENSION * IOS_MAX_BYTES_PER_ELEMENT;
	uint64_t rows = div_round_up(height, e->eh);
	uint64_t bpr;
	if (req_bpr != 0) {
		if (req_bpr < min_bpr) {
			return fail(IOS_LAYOUT_INVALID_LAYOUT, msg, msg_size,
					"%sbytes_per_row %u is less than the %llu bytes of a row", what, req_bpr,
					(unsigned long long)min_bpr);
		}
		if (req_bpr % e->bpe != 0 && req_bpr % IOS_ROW_ALIGNMENT != 0) {
			return fail(IOS_LAYOUT_INVALID_LAYOUT, msg, msg_size,
					"%sbytes_per_row %u is a multiple of neither the %u bytes of an element nor "
					"%u",
					what, req_bpr, e->bpe, IOS_ROW_ALIGNMENT);
		}
		if (gpu && req_bpr % IOS_ROW_ALIGNMENT != 0) {
			return fail(IOS_LAYOUT_INVALID_LAYOUT, msg, msg_size,
					"%sbytes_per_row %u is not a multiple of %u, which GPU and scanout usage "
					"need",
					what, req_bpr, IOS_ROW_ALIGNMENT);
		}
		if (req_bpr > max_bpr) {
			return fail(IOS_LAYOUT_INVALID_LAYOUT, msg, msg_size,
					"%sbytes_per_row %u exceeds the maximum %llu", what, req_bpr,
					(unsigned long long)max_bpr);
		}
		bpr = req_bpr;
	} else {
		bpr = align_up(min_bpr, IOS_ROW_ALIGNMENT);
		uint64_t limit = req_size != 0 ? req_size : room;
		if (!gpu && limit != 0 && bpr * rows > limit && min_bpr * rows <= limit) {
			bpr = min_bpr;
		}
	}
	uint64_t size = bpr * rows;
	if (req_size != 0) {
		if (req_size < size) {
			return fail(IOS_LAYOUT_INVALID_LAYOUT, msg, msg_size,
					"%ssize %u is less than the %llu bytes of its rows", what, req_size,
					(unsigned long long)size);
		}
		size = req_size;
	}
	if (size > UINT32_MAX) {
		return fail(IOS_LAYOUT_INVALID_LAYOUT, msg, msg_size, "%ssize %llu is too large", what,
				(unsigned long long)size);
	}
	*bpr_out = (uint32_t)bpr;
	*size_out = (uint32_t)size;
	return IOS_LAYOUT_OK;
}

static uint32_t or_default(uint32_t value, uint32_t fallback) {
	return value != 0 ? value : fallback;
}

enum ios_layout_status ios_layout_compute(const struct ios_request *req,
		const struct ios_limits *limits, struct ios_layout *out, char *msg, size_t msg_size) {
	// Limits may be lowered, never raised: the overflow reasoning above depends on them.
	struct ios_limits clamped = ios_limits_effective(limits);
	limits = &clamped;
	enum ios_layout_status status;
	memset(out, 0, sizeof(*out));
	if (msg != NULL && msg_size > 0) {
		msg[0] = '\0';
	}

	if (req->width == 0 || req->height == 0) {
		return fail(IOS_LAYOUT_INVALID_SIZE, msg, msg_size,
				"width %u x height %u: both must be set", req->width, req->height);
	}
	if (req->width > limits->max_dimension || req->height > limits->max_dimension) {
		return fail(IOS_LAYOUT_INVALID_SIZE, msg, msg_size,
				"width %u x height %u exceeds the maximum %u", req->width, req->height,
				limits->max_dimension);
	}
	if (req->offset % IOS_OFFSET_ALIGNMENT != 0 || req->offset > limits->max_alloc_size) {
		return fail(IOS_LAYOUT_INVALID_LAYOUT, msg, msg_size,
				"offset %u is not a multiple of %u below %u", req->offset, IOS_OFFSET_ALIGNMENT,
				limits->max_alloc_size);
	}

	const struct ios_format *fmt = ios_format_lookup(req->format);
	if (req->plane_count > IOS_MAX_PLANES) {
		return fail(IOS_LAYOUT_INVALID_PLANE_COUNT, msg, msg_size,
				"plane_count %u exceeds the maximum %u", req->plane_count, IOS_MAX_PLANES);
	}
	if (fmt != NULL && req->plane_count != 0 && req->plane_count != fmt->plane_count) {
		return fail(IOS_LAYOUT_INVALID_PLANE_COUNT, msg, msg_size,
				"plane_count %u differs from the %u planes of format %s", req->plane_count,
				fmt->plane_count, fmt->name);
	}
	uint32_t plane_count = req->plane_count != 0 ? req->plane_count : (fmt ? fmt->plane_count : 0);
	for (uint32_t i = plane_count; i < IOS_MAX_PLANES; i++) {
		if (req->plane_set[i]) {
			return fail(IOS_LAYOUT_INVALID_PLANE_COUNT, msg, msg_size,
					"plane %u was set but the surface has %u planes", i, plane_count);
		}
	}

	out->width = req->width;
	out->height = req->height;
	out->format = req->format;
	out->offset = req->offset;
	out->plane_count = plane_count;
	bool gpu = (req->usage & (IOS_USAGE_GPU_READ | IOS_USAGE_GPU_WRITE | IOS_USAGE_SCANOUT)) != 0;
	uint64_t end;

	if (plane_count == 0) {
		const struct ios_plane_format *pf = fmt ? &fmt->planes[0] : NULL;
		// As IOSurface: an explicit bytes per element makes the element one pixel unless its
		// size is given too ('yuvs' with 2 bytes per element is 2 bytes per pixel).
		bool own = req->bytes_per_element != 0;
		struct element e = {
			.bpe = or_default(req->bytes_per_element, pf ? pf->bytes_per_element : 0),
			.ew = or_default(req->element_width, pf && !own ? pf->element_width : 1),
			.eh = or_default(req->element_height, pf && !own ? pf->element_height : 1),
		};
		if (e.bpe == 0) {
			char name[16];
			return fail(IOS_LAYOUT_UNKNOWN_FORMAT, msg, msg_size,
					"format %s is unknown and bytes_per_element is not set",
					ios_fourcc_str(req->format, name));
		}
		if ((status = check_element("", &e, msg, msg_size)) != IOS_LAYOUT_OK) {
			return status;
		}
		uint32_t size;
		uint64_t room = req->alloc_size > req->offset ? req->alloc_size - req->offset : 0;
		if ((status = lay_rows("", req->width, req->height, &e, gpu, req->bytes_per_row, 0, room,
					 &out->bytes_per_row, &size, msg, msg_size)) != IOS_LAYOUT_OK) {
			return status;
		}
		out->bytes_per_element = e.bpe;
		out->element_width = e.ew;
		out->element_height = e.eh;
		end = (uint64_t)req->offset + size;
	} else {
		end = 0;
		for (uint32_t i = 0; i < plane_count; i++) {
			const struct ios_plane_format *pf = fmt ? &fmt->planes[i] : NULL;
			const struct ios_plane_layout *rp = &req->planes[i];
			struct ios_plane_layout *p = &out->planes[i];
			char what[24];
			snprintf(what, sizeof(what), "plane %u ", i);
			bool own = rp->bytes_per_element != 0;
			struct element e = {
				.bpe = or_default(rp->bytes_per_element,
						pf ? pf->bytes_per_element : req->bytes_per_element),
				.ew = or_default(rp->element_width, pf && !own ? pf->element_width : 1),
				.eh = or_default(rp->element_height, pf && !own ? pf->element_height : 1),
			};
			if (e.bpe == 0) {
				char name[16];
				return fail(IOS_LAYOUT_UNKNOWN_FORMAT, msg, msg_size,
						"format %s is unknown and plane %u bytes_per_element is not set",
						ios_fourcc_str(req->format, name), i);
			}
			if ((status = check_element(what, &e, msg, msg_size)) != IOS_LAYOUT_OK) {
				return status;
			}
			uint64_t hs = pf ? pf->h_subsampling : 1;
			uint64_t vs = pf ? pf->v_subsampling : 1;
			uint64_t w = rp->width != 0 ? rp->width : div_round_up(req->width, hs);
			uint64_t h = rp->height != 0 ? rp->height : div_round_up(req->height, vs);
			if (w > limits->max_dimension || h > limits->max_dimension) {
				return fail(IOS_LAYOUT_INVALID_SIZE, msg, msg_size,
						"plane %u width %llu x height %llu exceeds the maximum %u", i,
						(unsigned long long)w, (unsigned long long)h, limits->max_dimension);
			}
			if ((status = lay_rows(what, w, h, &e, gpu, rp->bytes_per_row, rp->size, 0,
						 &p->bytes_per_row, &p->size, msg, msg_size)) != IOS_LAYOUT_OK) {
				return status;
			}
			uint64_t offset;
			if (rp->offset != 0) {
				if (rp->offset % IOS_OFFSET_ALIGNMENT != 0) {
					return fail(IOS_LAYOUT_INVALID_LAYOUT, msg, msg_size,
							"plane %u offset %u is not a multiple of %u", i, rp->offset,
							IOS_OFFSET_ALIGNMENT);
				}
				offset = rp->offset;
			} else {
				offset = i == 0 ? req->offset : align_up(end, IOS_OFFSET_ALIGNMENT);
			}
			if (offset + p->size > limits->max_alloc_size) {
				return fail(IOS_LAYOUT_INVALID_LAYOUT, msg, msg_size,
						"plane %u ends at %llu, beyond the maximum alloc_size %u", i,
						(unsigned long long)(offset + p->size), limits->max_alloc_size);
			}
			p->width = (uint32_t)w;
			p->height = (uint32_t)h;
			p->bytes_per_element = e.bpe;
			p->element_width = e.ew;
			p->element_height = e.eh;
			p->offset = (uint32_t)offset;
			if (offset + p->size > end) {
				end = offset + p->size;
			}
		}
		for (uint32_t i = 0; i < plane_count; i++) {
			for (uint32_t j = i + 1; j < plane_count; j++) {
				const struct ios_plane_layout *a = &out->planes[i], *b = &out->planes[j];
				if ((uint64_t)a->offset < (uint64_t)b->offset + b->size &&
						(uint64_t)b->offset < (uint64_t)a->offset + a->size) {
					return fail(IOS_LAYOUT_INVALID_LAYOUT, msg, msg_size,
							"plane %u [%u, +%u) overlaps plane %u [%u, +%u)", i, a->offset, a->size,
							j, b->offset, b->size);
				}
			}
		}
		out->bytes_per_row = out->planes[0].bytes_per_row;
		out->bytes_per_element = out->planes[0].bytes_per_element;
		out->element_width = out->planes[0].element_width;
		out->element_height = out->planes[0].element_height;
	}

	uint64_t alloc = end;
	if (req->alloc_size != 0) {
		if (req->alloc_size < end) {
			return fail(IOS_LAYOUT_INVALID_LAYOUT, msg, msg_size,
					"alloc_size %u is less than the %llu bytes of the layout", req->alloc_size,
					(unsigned long long)end);
		}
		alloc = req->alloc_size;
	}
	alloc = align_up(alloc, IOS_PAGE_SIZE);
	if (alloc > limits->max_alloc_size) {
		return fail(IOS_LAYOUT_INVALID_LAYOUT, msg, msg_size,
				"alloc_size %llu exceeds the maximum %u", (unsigned long long)alloc,
				limits->max_alloc_size);
	}
	out->alloc_size = (uint32_t)alloc;
	return IOS_LAYOUT_OK;
}
