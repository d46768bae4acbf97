/*
 * The report: every row of every run as one markdown table, and the ratios against their
 * targets as an SVG chart. With several runs, a figure's rows (one per run) become one line:
 * the median of each column, and the lowest and highest ratio as its spread.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

struct figure {
	const struct bench_row *rows[BENCH_MAX_RUNS];
	int count;
	double value, floor, ratio, low, high;
	const struct bench_row *median; /* the run whose ratio is the median: its target and met */
};

/* The median of n values, NaNs left out; NAN if none is finite. */
static double median_of(double *v, int n) {
	size_t k = 0;
	for (int i = 0; i < n; i++) {
		if (isfinite(v[i])) {
			v[k++] = v[i];
		}
	}
	return k > 0 ? bench_median(v, k) : NAN;
}

/* Groups the rows by figure, in the order they first appear. Returns the number of figures. */
static int collect(struct figure *figures, int max) {
	int n = 0;
	for (int i = 0; i < bench_results->row_count; i++) {
		const struct bench_row *row = &bench_results->rows[i];
		int f = 0;
		while (f < n && strcmp(figures[f].rows[0]->figure, row->figure) != 0) {
			f++;
		}
		if (f == n) {
			if (n == max) {
				continue;
			}
			figures[n++] = (struct figure){ 0 };
		}
		if (figures[f].count < BENCH_MAX_RUNS) {
			figures[f].rows[figures[f].count++] = row;
		}
	}
	for (int f = 0; f < n; f++) {
		struct figure *fig = &figures[f];
		double values[BENCH_MAX_RUNS], floors[BENCH_MAX_RUNS], ratios[BENCH_MAX_RUNS];
		fig->low = INFINITY;
		fig->high = -INFINITY;
		for (int r = 0; r < fig->count; r++) {
			values[r] = fig->rows[r]->value;
			floors[r] = fig->rows[r]->floor;
			ratios[r] = fig->rows[r]->ratio;
			if (isfinite(ratios[r])) {
				fig->low = fmin(fig->low, ratios[r]);
				fig->high = fmax(fig->high, ratios[r]);
			}
		}
		fig->value = median_of(values, fig->count);
		fig->floor = median_of(floors, fig->count);
		fig->ratio = median_of(ratios, fig->count);
		// The run nearest the median ratio speaks for the figure's target and verdict.
		fig->median = fig->rows[0];
		double best = INFINITY;
		for (int r = 0; r < fig->count; r++) {
			double d = fabs(fig->rows[r]->ratio - fig->ratio);
			if (isfinite(d) && d < best) {
				best = d;
				fig->median = fig->rows[r];
			}
		}
	}
	return n;
}

static void format_number(char *out, size_t size, double v, const char *unit) {
	const char *space = unit[0] != '\0' ? " " : "";
	if (!isfinite(v)) {
		snprintf(out, size, "-");
	} else if (v >= 100 || v == (long long)v) {
		snprintf(out, size, "%.0f%s%s", v, space, unit);
	} else if (v >= 10) {
		snprintf(out, size, "%.1f%s%s", v, space, unit);
	} else {
		snprintf(out, size, "%.2f%s%s", v, space, unit);
	}
}

void bench_print_table(int runs) {
	static const char *const met_text[] = { "**no**", "yes", "-" };
	static struct figure figures[BENCH_MAX_ROWS];
	int n = collect(figures, BENCH_MAX_ROWS);
	if (runs > 1) {
		printf("| figure | iosurface | floor | ratio | spread | target | met? |\n");
		printf("|---|---:|---:|---:|---|---|---|\n");
	} else {
		printf("| figure | iosurface | floor | ratio | target | met? |\n");
		printf("|---|---:|---:|---:|---|---|\n");
	}
	for (int f = 0; f < n; f++) {
		const struct figure *fig = &figures[f];
		const struct bench_row *row = fig->median;
		char value[48], floor[48], ratio[32], spread[64];
		format_number(value, sizeof(value), fig->value, row->unit);
		format_number(floor, sizeof(floor), fig->floor, row->unit);
		snprintf(ratio, sizeof(ratio), isfinite(fig->ratio) ? "%.2fx" : "-", fig->ratio);
		if (runs > 1) {
			if (isfinite(fig->low)) {
				snprintf(spread, sizeof(spread), "%.2f-%.2fx of %d", fig->low, fig->high,
						fig->count);
			} else {
				snprintf(spread, sizeof(spread), "- of %d", fig->count);
			}
			printf("| %s | %s | %s | %s | %s | %s | %s |\n", row->figure, value, floor, ratio,
					spread, row->target, met_text[row->met]);
		} else {
			printf("| %s | %s | %s | %s | %s | %s |\n", row->figure, value, floor, ratio,
					row->target, met_text[row->met]);
		}
	}
	if (bench_results->note_count > 0) {
		printf("\n");
		for (int i = 0; i < bench_results->note_count; i++) {
			printf("- %s\n", bench_results->notes[i]);
		}
	}
}

/* The ratio a target asks for, from its text ("<= 1.5x", "< 1x (less than wl_shm)"). */
static bool target_ratio(const char *target, double *out) {
	const char *p = strstr(target, "<=");
	p = p != NULL ? p + 2 : (target[0] == '<' ? target + 1 : NULL);
	if (p == NULL) {
		return false;
	}
	char *end;
	double v = strtod(p, &end);
	if (end == p || *end != 'x' || !(v > 0)) {
		return false;
	}
	*out = v;
	return true;
}

static void xml_text(FILE *f, const char *s) {
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '&':
			fputs("&amp;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

bool bench_write_svg(const char *path, int runs) {
	static struct figure figures[BENCH_MAX_ROWS];
	int n = collect(figures, BENCH_MAX_ROWS);
	struct {
		const struct figure *fig;
		double target;
	} bars[BENCH_MAX_ROWS];
	int count = 0;
	double top = 1;
	for (int f = 0; f < n; f++) {
		double target;
		if (isfinite(figures[f].ratio) && target_ratio(figures[f].median->target, &target)) {
			bars[count].fig = &figures[f];
			bars[count].target = target;
			count++;
			top = fmax(top, fmax(target, isfinite(figures[f].high) ? figures[f].high : 0));
		}
	}
	FILE *f = fopen(path, "w");
	if (f == NULL) {
		perror(path);
		return false;
	}
	// One row per figure: the median ratio as a bar, the spread as a whisker, the target as
	// a mark; green where the median meets it, red where not. Ratios to a floor measured
	// in the same run, so the scale is the same for all.
	const int label_w = 520, plot_w = 420, row_h = 28, top_h = 46, width = label_w + plot_w + 80;
	int height = top_h + row_h * count + 40;
	top = ceil(top);
	fprintf(f,
			"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
			"font-family=\"DejaVu Sans, sans-serif\" font-size=\"12\">\n",
			width, height);
	fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
	fprintf(f,
			"<text x=\"10\" y=\"20\" font-size=\"14\" font-weight=\"bold\">iosurface-bench: "
			"ratio to the floor measured beside it (median of %d run%s; whisker: spread; "
			"mark: target)</text>\n",
			runs, runs == 1 ? "" : "s");
	for (int t = 0; t <= (int)top; t++) {
		double x = label_w + plot_w * t / top;
		fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>\n", x,
				top_h - 6, x, height - 34);
		fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%dx</text>\n", x, height - 18,
				t);
	}
	for (int i = 0; i < count; i++) {
		const struct figure *fig = bars[i].fig;
		int y = top_h + row_h * i;
		bool met = fig->ratio <= bars[i].target;
		fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", label_w - 8, y + 16);
		xml_text(f, fig->median->figure);
		fprintf(f, "</text>\n");
		fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>\n", label_w,
				y + 5, plot_w * fig->ratio / top, row_h - 10, met ? "#4a9a4a" : "#c44");
		if (isfinite(fig->low) && fig->high > fig->low) {
			fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"black\"/>\n",
					label_w + plot_w * fig->low / top, y + row_h / 2,
					label_w + plot_w * fig->high / top, y + row_h / 2);
		}
		double tx = label_w + plot_w * bars[i].target / top;
		fprintf(f,
				"<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"black\" "
				"stroke-width=\"3\"/>\n",
				tx, y + 2, tx, y + row_h - 2);
		fprintf(f, "<text x=\"%.1f\" y=\"%d\">%.2fx</text>\n",
				label_w +
						plot_w *
								fmax(fmax(fig->ratio, bars[i].target),
										isfinite(fig->high) ? fig->high : 0) /
								top +
						8,
				y + 16, fig->ratio);
	}
	fprintf(f, "</svg>\n");
	bool ok = fclose(f) == 0;
	if (!ok) {
		perror(path);
	}
	return ok;
}
