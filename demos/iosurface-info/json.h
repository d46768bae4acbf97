/* A minimal JSON writer for iosurface-info --json: indented output to stdout. */
#ifndef DEMOS_IOSURFACE_INFO_JSON_H
#define DEMOS_IOSURFACE_INFO_JSON_H

#include <stdbool.h>
#include <stdint.h>

#define JSON_MAX_DEPTH 32

struct json {
	int depth;
	bool has_items[JSON_MAX_DEPTH];
};

/*
 * key is the member name inside an object, NULL inside an array or at the top. Nesting
 * deeper than JSON_MAX_DEPTH is written flat (values nest at most 8 deep).
 */
void json_begin_object(struct json *j, const char *key);
void json_end_object(struct json *j);
void json_begin_array(struct json *j, const char *key);
void json_end_array(struct json *j);
void json_string(struct json *j, const char *key, const char *value); /* NULL writes null */
void json_uint(struct json *j, const char *key, uint64_t value);
void json_int(struct json *j, const char *key, int64_t value);
void json_double(struct json *j, const char *key, double value); /* not finite: null */
void json_bool(struct json *j, const char *key, bool value);
void json_null(struct json *j, const char *key);

/* The shortest of 15 or 17 significant digits that reads back as the same double. */
void json_format_double(double value, char out[32]);

#endif
