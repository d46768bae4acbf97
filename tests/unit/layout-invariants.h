/*
 * What a successful ios_layout_compute() promises, written once for the unit test (random
 * requests) and the fuzz target (fuzzed requests). Recomputed here in 64 bits from the
 * request and the result, independently of common/layout.c.
 */
#ifndef TESTS_UNIT_LAYOUT_INVARIANTS_H
#define TESTS_UNIT_LAYOUT_INVARIANTS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "iosurface-common.h"

static inline uint64_t inv_div_up(uint64_t a, uint64_t b) {
	return (a + b - 1) / b;
}

static inline uint64_t inv_align(uint64_t a, uint64_t b) {
	return inv_div_up(a, b) * b;
}

__attribute__((format(printf, 3, 4))) static inline bool inv_broken(char *why, size_t why_size,
		const char *fmt, ...) {
	va_list args;
	va_start(args, fmt);
	vsnprintf(why, why_size, fmt, args);
	va_end(args);
	return false;
}

#define INV_RULE(cond, ...) \
	do { \
		if (!(cond)) { \
			return inv_broken(why, why_size, __VA_ARGS__); \
		} \
	} while (0)

/* One block of rows: the whole surface when it has no planes, or one plane. */
struct inv_region {
	uint64_t width, height, bpr, bpe, ew, eh, offset, size;
	bool gpu;
};

/*
 * The default row: the row of elements aligned to IOS_ROW_ALIGNMENT, or the row itself when
 * an explicit size (limit, 0: none) has no room for aligned rows but has for tight ones and
 * the usage needs no alignment.
 */
static inline uint64_t inv_default_bpr(const struct inv_region *r, uint64_t limit) {
	uint64_t row = inv_div_up(r->width, r->ew) * r->bpe;
	uint64_t rows = inv_div_up(r->height, r->eh);
	uint64_t aligned = inv_align(row, IOS_ROW_ALIGNMENT);
	if (!r->gpu && limit != 0 && aligned * rows > limit && row * rows <= limit) {
		return row;
	}
	return aligned;
}

static inline bool inv_region_ok(const char *what, const struct inv_region *r,
		const struct ios_limits *limits, uint64_t alloc, char *why, size_t why_size) {
	INV_RULE(r->width >= 1 && r->width <= limits->max_dimension, "%swidth %llu out of range",
			what, (unsigned long long)r->width);
	INV_RULE(r->height >= 1 && r->height <= limits->max_dimension, "%sheight %llu out of range",
			what, (unsigned long long)r->height);
	INV_RULE(r->bpe >= 1 && r->bpe <= IOS_MAX_BYTES_PER_ELEMENT,
			"%sbytes_per_element %llu out of range", what, (unsigned long long)r->bpe);
	INV_RULE(r->ew >= 1 && r->ew <= IOS_MAX_ELEMENT_DIMENSION && r->eh >= 1 &&
					r->eh <= IOS_MAX_ELEMENT_DIMENSION,
			"%selement %llux%llu out of range", what, (unsigned long long)r->ew,
			(unsigned long long)r->eh);
	INV_RULE(r->bpr % r->bpe == 0 || r->bpr % IOS_ROW_ALIGNMENT == 0,
			"%sbytes_per_row %llu a multiple of neither the element nor the alignment", what,
			(unsigned long long)r->bpr);
	INV_RULE(!r->gpu || r->bpr % IOS_ROW_ALIGNMENT == 0,
			"%sbytes_per_row %llu not aligned for GPU usage", what, (unsigned long long)r->bpr);
	uint64_t row = inv_div_up(r->width, r->ew) * r->bpe;
	INV_RULE(r->bpr >= row, "%sbytes_per_row %llu < row of %llu bytes", what,
			(unsigned long long)r->bpr, (unsigned long long)row);
	INV_RULE(r->bpr <= (uint64_t)IOS_MAX_DIMENSION * IOS_MAX_BYTES_PER_ELEMENT,
			"%sbytes_per_row %llu above the maximum", what, (unsigned long long)r->bpr);
	uint64_t rows = r->bpr * inv_div_up(r->height, r->eh);
	INV_RULE(r->size >= rows, "%ssize %llu < %llu bytes of rows", what,
			(unsigned long long)r->size, (unsigned long long)rows);
	INV_RULE(r->offset % IOS_OFFSET_ALIGNMENT == 0, "%soffset %llu not aligned", what,
			(unsigned long long)r->offset);
	INV_RULE(r->offset + r->size <= alloc, "%s[%llu, +%llu) ends past alloc_size %llu", what,
			(unsigned long long)r->offset, (unsigned long long)r->size,
			(unsigned long long)alloc);
	return true;
}

/*
 * True if out is a valid answer to req under limits (NULL: the defaults); otherwise false
 * with the broken rule written into why. Limits are read as struct ios_limits documents: a
 * field of 0 is unset (the default), a field above the default is the default. Spelled out
 * here rather than taken from ios_limits_effective(), so that the check stays independent.
 */
static inline bool layout_invariants_hold(const struct ios_request *req,
		const struct ios_limits *given, const struct ios_layout *out, char *why,
		size_t why_size) {
	struct ios_limits effective = { IOS_MAX_DIMENSION, IOS_MAX_ALLOC_SIZE };
	if (given != NULL && given->max_dimension != 0 && given->max_dimension < IOS_MAX_DIMENSION) {
		effective.max_dimension = given->max_dimension;
	}
	if (given != NULL && given->max_alloc_size != 0 &&
			given->max_alloc_size < IOS_MAX_ALLOC_SIZE) {
		effective.max_alloc_size = given->max_alloc_size;
	}
	const struct ios_limits *limits = &effective;
	const struct ios_format *fmt = ios_format_lookup(req->format);
	uint64_t alloc = out->alloc_size;
	bool gpu = (req->usage & (IOS_USAGE_GPU_READ | IOS_USAGE_GPU_WRITE | IOS_USAGE_SCANOUT)) != 0;

	INV_RULE(out->width == req->width && out->height == req->height,
			"size %ux%u differs from the request %ux%u", out->width, out->height, req->width,
			req->height);
	INV_RULE(out->format == req->format, "format changed");
	INV_RULE(out->offset == req->offset, "offset %u differs from the request %u", out->offset,
			req->offset);
	INV_RULE(alloc > 0 && alloc % IOS_PAGE_SIZE == 0, "alloc_size %llu not page-rounded",
			(unsigned long long)alloc);
	INV_RULE(alloc <= limits->max_alloc_size, "alloc_size %llu above the limit %u",
			(unsigned long long)alloc, limits->max_alloc_size);
	if (req->alloc_size != 0) {
		INV_RULE(alloc == inv_align(req->alloc_size, IOS_PAGE_SIZE),
				"alloc_size %llu is not the requested %u page-rounded",
				(unsigned long long)alloc, req->alloc_size);
	}
	uint32_t want_planes = req->plane_count != 0 ? req->plane_count
			: fmt != NULL ? fmt->plane_count : 0;
	INV_RULE(out->plane_count == want_planes, "plane_count %u, expected %u", out->plane_count,
			want_planes);

	uint64_t end = 0;
	if (out->plane_count == 0) {
		const struct ios_plane_format *pf = fmt != NULL ? &fmt->planes[0] : NULL;
		struct inv_region r = {
			.width = out->width,
			.height = out->height,
			.bpr = out->bytes_per_row,
			.bpe = out->bytes_per_element,
			.ew = out->element_width,
			.eh = out->element_height,
			.offset = out->offset,
			.gpu = gpu,
		};
		r.size = r.bpr * inv_div_up(r.height, r.eh ? r.eh : 1);
		INV_RULE(r.bpe == (req->bytes_per_element ? req->bytes_per_element
								 : pf ? pf->bytes_per_element : 0),
				"bytes_per_element %llu is neither requested nor the format's",
				(unsigned long long)r.bpe);
		// An explicit bytes per element makes the default element 1x1, as in IOSurface.
		const struct ios_plane_format *epf = req->bytes_per_element ? NULL : pf;
		INV_RULE(r.ew ==
								(req->element_width ? req->element_width :
												epf ? epf->element_width :
													  1) &&
						r.eh ==
								(req->element_height ? req->element_height :
												epf  ? epf->element_height :
													   1),
				"element %llux%llu is neither requested nor the format's", (unsigned long long)r.ew,
				(unsigned long long)r.eh);
		if (!inv_region_ok("", &r, limits, alloc, why, why_size)) {
			return false;
		}
		if (req->bytes_per_row != 0) {
			INV_RULE(r.bpr == req->bytes_per_row, "bytes_per_row %llu, requested %u",
					(unsigned long long)r.bpr, req->bytes_per_row);
		} else {
			uint64_t room = req->alloc_size > req->offset ? req->alloc_size - req->offset : 0;
			uint64_t tight = inv_default_bpr(&r, room);
			INV_RULE(r.bpr == tight, "default bytes_per_row %llu, expected %llu",
					(unsigned long long)r.bpr, (unsigned long long)tight);
		}
		end = r.offset + r.size;
		for (unsigned i = 0; i < IOS_MAX_PLANES; i++) {
			const struct ios_plane_layout *p = &out->planes[i];
			INV_RULE(p->width == 0 && p->size == 0 && p->bytes_per_row == 0 && p->offset == 0,
					"plane %u described on a surface without planes", i);
		}
	} else {
		INV_RULE(out->plane_count <= IOS_MAX_PLANES, "plane_count %u", out->plane_count);
		for (unsigned i = 0; i < out->plane_count; i++) {
			const struct ios_plane_format *pf = fmt != NULL ? &fmt->planes[i] : NULL;
			const struct ios_plane_layout *rp = &req->planes[i];
			const struct ios_plane_layout *p = &out->planes[i];
			char what[24];
			snprintf(what, sizeof(what), "plane %u ", i);
			struct inv_region r = {
				.width = p->width,
				.height = p->height,
				.bpr = p->bytes_per_row,
				.bpe = p->bytes_per_element,
				.ew = p->element_width,
				.eh = p->element_height,
				.offset = p->offset,
				.size = p->size,
				.gpu = gpu,
			};
			if (!inv_region_ok(what, &r, limits, alloc, why, why_size)) {
				return false;
			}
			uint64_t want_bpe = rp->bytes_per_element ? rp->bytes_per_element
					: pf ? pf->bytes_per_element : req->bytes_per_element;
			INV_RULE(r.bpe == want_bpe, "plane %u bytes_per_element %llu, expected %llu", i,
					(unsigned long long)r.bpe, (unsigned long long)want_bpe);
			uint64_t want_w = rp->width ? rp->width
					: inv_div_up(req->width, pf ? pf->h_subsampling : 1);
			uint64_t want_h = rp->height ? rp->height
					: inv_div_up(req->height, pf ? pf->v_subsampling : 1);
			INV_RULE(r.width == want_w && r.height == want_h,
					"plane %u is %llux%llu, expected %llux%llu", i, (unsigned long long)r.width,
					(unsigned long long)r.height, (unsigned long long)want_w,
					(unsigned long long)want_h);
			if (rp->bytes_per_row != 0) {
				INV_RULE(r.bpr == rp->bytes_per_row, "plane %u bytes_per_row %llu, requested %u",
						i, (unsigned long long)r.bpr, rp->bytes_per_row);
			} else {
				uint64_t tight = inv_default_bpr(&r, rp->size);
				INV_RULE(r.bpr == tight, "plane %u default bytes_per_row %llu, expected %llu", i,
						(unsigned long long)r.bpr, (unsigned long long)tight);
			}
			if (rp->size != 0) {
				INV_RULE(r.size == rp->size, "plane %u size %llu, requested %u", i,
						(unsigned long long)r.size, rp->size);
			} else {
				INV_RULE(r.size == r.bpr * inv_div_up(r.height, r.eh),
						"plane %u default size %llu is not its rows", i,
						(unsigned long long)r.size);
			}
			if (rp->offset != 0) {
				INV_RULE(r.offset == rp->offset, "plane %u offset %llu, requested %u", i,
						(unsigned long long)r.offset, rp->offset);
			} else {
				// Default: plane 0 at the surface offset, the others packed after the planes
				// before them.
				uint64_t want = i == 0 ? req->offset : inv_align(end, IOS_OFFSET_ALIGNMENT);
				INV_RULE(r.offset == want, "plane %u default offset %llu, expected %llu", i,
						(unsigned long long)r.offset, (unsigned long long)want);
			}
			if (r.offset + r.size > end) {
				end = r.offset + r.size;
			}
			for (unsigned j = 0; j < i; j++) {
				const struct ios_plane_layout *q = &out->planes[j];
				INV_RULE((uint64_t)q->offset + q->size <= r.offset ||
								r.offset + r.size <= q->offset,
						"plane %u [%u, +%u) overlaps plane %u [%llu, +%llu)", j, q->offset,
						q->size, i, (unsigned long long)r.offset, (unsigned long long)r.size);
			}
		}
		for (unsigned i = out->plane_count; i < IOS_MAX_PLANES; i++) {
			const struct ios_plane_layout *p = &out->planes[i];
			INV_RULE(p->width == 0 && p->size == 0 && p->bytes_per_row == 0 && p->offset == 0,
					"plane %u described beyond plane_count %u", i, out->plane_count);
		}
		const struct ios_plane_layout *p0 = &out->planes[0];
		INV_RULE(out->bytes_per_row == p0->bytes_per_row &&
						out->bytes_per_element == p0->bytes_per_element &&
						out->element_width == p0->element_width &&
						out->element_height == p0->element_height,
				"surface row properties differ from plane 0's");
	}
	if (req->alloc_size == 0) {
		INV_RULE(alloc == inv_align(end, IOS_PAGE_SIZE),
				"default alloc_size %llu, expected %llu (layout ends at %llu)",
				(unsigned long long)alloc, (unsigned long long)inv_align(end, IOS_PAGE_SIZE),
				(unsigned long long)end);
	}
	return true;
}

/*
 * The request that spells out every property of a computed layout. A client that computed a
 * layout itself and sends it explicitly must get the same layout back.
 */
static inline void layout_as_request(const struct ios_layout *l, struct ios_request *req) {
	memset(req, 0, sizeof(*req));
	req->width = l->width;
	req->height = l->height;
	req->format = l->format;
	req->offset = l->offset;
	req->alloc_size = l->alloc_size;
	req->plane_count = l->plane_count;
	if (l->plane_count == 0) {
		req->bytes_per_row = l->bytes_per_row;
		req->bytes_per_element = l->bytes_per_element;
		req->element_width = l->element_width;
		req->element_height = l->element_height;
		return;
	}
	for (unsigned i = 0; i < l->plane_count && i < IOS_MAX_PLANES; i++) {
		req->plane_set[i] = true;
		req->planes[i] = l->planes[i];
	}
}

#undef INV_RULE

#endif
