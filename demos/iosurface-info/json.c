#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "json.h"

static void write_string(const char *s) {
	putchar('"');
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '"':
			fputs("\\\"", stdout);
			break;
		case '\\':
			fputs("\\\\", stdout);
			break;
		case '\n':
			fputs("\\n", stdout);
			break;
		case '\t':
			fputs("\\t", stdout);
			break;
		default:
			if (c < 0x20 || c == 0x7f) {
				printf("\\u%04x", c);
			} else {
				// UTF-8 passes through; the library does not check it, nor do we.
				putchar(c);
			}
		}
	}
	putchar('"');
}

/* Starts a member or an element: the comma, a new line, the indent and the key. */
static void item(struct json *j, const char *key) {
	int level = j->depth < JSON_MAX_DEPTH ? j->depth : JSON_MAX_DEPTH - 1;
	if (j->depth > 0) {
		if (j->has_items[level]) {
			putchar(',');
		}
		putchar('\n');
		printf("%*s", 2 * j->depth, "");
	}
	j->has_items[level] = true;
	if (key != NULL) {
		write_string(key);
		fputs(": ", stdout);
	}
}

static void begin(struct json *j, const char *key, char bracket) {
	item(j, key);
	putchar(bracket);
	j->depth++;
	if (j->depth < JSON_MAX_DEPTH) {
		j->has_items[j->depth] = false;
	}
}

static void end(struct json *j, char bracket) {
	int level = j->depth < JSON_MAX_DEPTH ? j->depth : JSON_MAX_DEPTH - 1;
	bool had_items = j->has_items[level];
	j->depth--;
	if (had_items) {
		printf("\n%*s", 2 * j->depth, "");
	}
	putchar(bracket);
	if (j->depth == 0) {
		putchar('\n');
	}
}

void json_begin_object(struct json *j, const char *key) {
	begin(j, key, '{');
}

void json_end_object(struct json *j) {
	end(j, '}');
}

void json_begin_array(struct json *j, const char *key) {
	begin(j, key, '[');
}

void json_end_array(struct json *j) {
	end(j, ']');
}

void json_string(struct json *j, const char *key, const char *value) {
	item(j, key);
	if (value != NULL) {
		write_string(value);
	} else {
		fputs("null", stdout);
	}
}

void json_uint(struct json *j, const char *key, uint64_t value) {
	item(j, key);
	printf("%" PRIu64, value);
}

void json_int(struct json *j, const char *key, int64_t value) {
	item(j, key);
	printf("%" PRId64, value);
}

void json_double(struct json *j, const char *key, double value) {
	item(j, key);
	if (!isfinite(value)) {
		fputs("null", stdout);
		return;
	}
	char text[32];
	json_format_double(value, text);
	fputs(text, stdout);
}

void json_format_double(double value, char out[32]) {
	snprintf(out, 32, "%.15g", value);
	if (strtod(out, NULL) != value) {
		snprintf(out, 32, "%.17g", value);
	}
}

void json_bool(struct json *j, const char *key, bool value) {
	item(j, key);
	fputs(value ? "true" : "false", stdout);
}

void json_null(struct json *j, const char *key) {
	item(j, key);
	fputs("null", stdout);
}
