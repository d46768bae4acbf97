#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "value-codec.h"

struct iosurface_value {
	enum iosurface_value_type type;
	union {
		int64_t i;
		double d;
		bool b;
		struct {
			char *data; /* NUL-terminated for strings */
			size_t len;
		} bytes;
		struct {
			struct iosurface_value **items;
			char **keys; /* dictionaries only */
			size_t count, cap;
		} list;
	} u;
};

static struct iosurface_value *value_new(enum iosurface_value_type type) {
	struct iosurface_value *v = calloc(1, sizeof(*v));
	if (v == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	v->type = type;
	return v;
}

static struct iosurface_value *value_new_blob(enum iosurface_value_type type, const void *data,
		size_t len) {
	struct iosurface_value *v = value_new(type);
	if (v == NULL) {
		return NULL;
	}
	v->u.bytes.data = malloc(len + 1);
	if (v->u.bytes.data == NULL) {
		free(v);
		errno = ENOMEM;
		return NULL;
	}
	if (len > 0) {
		memcpy(v->u.bytes.data, data, len);
	}
	v->u.bytes.data[len] = '\0';
	v->u.bytes.len = len;
	return v;
}

IOSURFACE_EXPORT struct iosurface_value *iosurface_value_new_string(const char *str) {
	if (str == NULL) {
		errno = EINVAL;
		return NULL;
	}
	return value_new_blob(IOSURFACE_VALUE_STRING, str, strlen(str));
}

IOSURFACE_EXPORT struct iosurface_value *iosurface_value_new_integer(int64_t i) {
	struct iosurface_value *v = value_new(IOSURFACE_VALUE_INTEGER);
	if (v != NULL) {
		v->u.i = i;
	}
	return v;
}

IOSURFACE_EXPORT struct iosurface_value *iosurface_value_new_double(double d) {
	struct iosurface_value *v = value_new(IOSURFACE_VALUE_DOUBLE);
	if (v != NULL) {
		v->u.d = d;
	}
	return v;
}

IOSURFACE_EXPORT struct iosurface_value *iosurface_value_new_boolean(bool b) {
	struct iosurface_value *v = value_new(IOSURFACE_VALUE_BOOLEAN);
	if (v != NULL) {
		v->u.b = b;
	}
	return v;
}

IOSURFACE_EXPORT struct iosurface_value *iosurface_value_new_bytes(const void *data, size_t len) {
	if (data == NULL && len > 0) {
		errno = EINVAL;
		return NULL;
	}
	return value_new_blob(IOSURFACE_VALUE_BYTES, data, len);
}

IOSURFACE_EXPORT struct iosurface_value *iosurface_value_new_array(void) {
	return value_new(IOSURFACE_VALUE_ARRAY);
}

IOSURFACE_EXPORT struct iosurface_value *iosurface_value_new_dictionary(void) {
	return value_new(IOSURFACE_VALUE_DICTIONARY);
}

IOSURFACE_EXPORT void iosurface_value_free(struct iosurface_value *v) {
	if (v == NULL) {
		return;
	}
	switch (v->type) {
	case IOSURFACE_VALUE_STRING:
	case IOSURFACE_VALUE_BYTES:
		free(v->u.bytes.data);
		break;
	case IOSURFACE_VALUE_ARRAY:
	case IOSURFACE_VALUE_DICTIONARY:
		for (size_t i = 0; i < v->u.list.count; i++) {
			iosurface_value_free(v->u.list.items[i]);
			if (v->u.list.keys != NULL) {
				free(v->u.list.keys[i]);
			}
		}
		free(v->u.list.items);
		free(v->u.list.keys);
		break;
	default:
		break;
	}
	free(v);
}

static int list_push(struct iosurface_value *list, char *key, struct iosurface_value *item) {
	if (list->u.list.count == list->u.list.cap) {
		size_t cap = list->u.list.cap ? list->u.list.cap * 2 : 4;
		struct iosurface_value **items = realloc(list->u.list.items, cap * sizeof(*items));
		if (items == NULL) {
			return -ENOMEM;
		}
		list->u.list.items = items;
		if (list->type == IOSURFACE_VALUE_DICTIONARY) {
			char **keys = realloc(list->u.list.keys, cap * sizeof(*keys));
			if (keys == NULL) {
				return -ENOMEM;
			}
			list->u.list.keys = keys;
		}
		list->u.list.cap = cap;
	}
	list->u.list.items[list->u.list.count] = item;
	if (list->type == IOSURFACE_VALUE_DICTIONARY) {
		list->u.list.keys[list->u.list.count] = key;
	}
	list->u.list.count++;
	return 0;
}

IOSURFACE_EXPORT int iosurface_value_array_append(struct iosurface_value *array,
		struct iosurface_value *item) {
	if (array == NULL || item == NULL || array->type != IOSURFACE_VALUE_ARRAY || item == array) {
		iosurface_value_free(item);
		return -EINVAL;
	}
	int ret = list_push(array, NULL, item);
	if (ret < 0) {
		iosurface_value_free(item);
	}
	return ret;
}

static ssize_t dict_index(const struct iosurface_value *dict, const char *key) {
	for (size_t i = 0; i < dict->u.list.count; i++) {
		if (strcmp(dict->u.list.keys[i], key) == 0) {
			return (ssize_t)i;
		}
	}
	return -1;
}

IOSURFACE_EXPORT int iosurface_value_dictionary_set(struct iosurface_value *dict, const char *key,
		struct iosurface_value *item) {
	if (dict == NULL || key == NULL || key[0] == '\0' || item == NULL ||
			dict->type != IOSURFACE_VALUE_DICTIONARY || item == dict) {
		iosurface_value_free(item);
		return -EINVAL;
	}
	ssize_t i = dict_index(dict, key);
	if (i >= 0) {
		iosurface_value_free(dict->u.list.items[i]);
		dict->u.list.items[i] = item;
		return 0;
	}
	char *copy = strdup(key);
	if (copy == NULL) {
		iosurface_value_free(item);
		return -ENOMEM;
	}
	int ret = list_push(dict, copy, item);
	if (ret < 0) {
		free(copy);
		iosurface_value_free(item);
	}
	return ret;
}

IOSURFACE_EXPORT struct iosurface_value *iosurface_value_copy(const struct iosurface_value *v) {
	if (v == NULL) {
		errno = EINVAL;
		return NULL;
	}
	switch (v->type) {
	case IOSURFACE_VALUE_STRING:
	case IOSURFACE_VALUE_BYTES:
		return value_new_blob(v->type, v->u.bytes.data, v->u.bytes.len);
	case IOSURFACE_VALUE_ARRAY:
	case IOSURFACE_VALUE_DICTIONARY:;
		struct iosurface_value *copy = value_new(v->type);
		if (copy == NULL) {
			return NULL;
		}
		for (size_t i = 0; i < v->u.list.count; i++) {
			struct iosurface_value *item = iosurface_value_copy(v->u.list.items[i]);
			int ret;
			if (item == NULL) {
				ret = -ENOMEM;
			} else if (v->type == IOSURFACE_VALUE_ARRAY) {
				ret = iosurface_value_array_append(copy, item);
			} else {
				ret = iosurface_value_dictionary_set(copy, v->u.list.keys[i], item);
			}
			if (ret < 0) {
				iosurface_value_free(copy);
				errno = -ret;
				return NULL;
			}
		}
		return copy;
	default:;
		struct iosurface_value *scalar = value_new(v->type);
		if (scalar != NULL) {
			scalar->u = v->u;
		}
		return scalar;
	}
}

IOSURFACE_EXPORT bool iosurface_value_equal(const struct iosurface_value *a,
		const struct iosurface_value *b) {
	if (a == NULL || b == NULL) {
		return a == b;
	}
	if (a->type != b->type) {
		return false;
	}
	switch (a->type) {
	case IOSURFACE_VALUE_INTEGER:
		return a->u.i == b->u.i;
	case IOSURFACE_VALUE_DOUBLE:
		return memcmp(&a->u.d, &b->u.d, sizeof(double)) == 0 || a->u.d == b->u.d;
	case IOSURFACE_VALUE_BOOLEAN:
		return a->u.b == b->u.b;
	case IOSURFACE_VALUE_STRING:
	case IOSURFACE_VALUE_BYTES:
		return a->u.bytes.len == b->u.bytes.len &&
				memcmp(a->u.bytes.data, b->u.bytes.data, a->u.bytes.len) == 0;
	case IOSURFACE_VALUE_ARRAY:
		if (a->u.list.count != b->u.list.count) {
			return false;
		}
		for (size_t i = 0; i < a->u.list.count; i++) {
			if (!iosurface_value_equal(a->u.list.items[i], b->u.list.items[i])) {
				return false;
			}
		}
		return true;
	case IOSURFACE_VALUE_DICTIONARY:
		if (a->u.list.count != b->u.list.count) {
			return false;
		}
		for (size_t i = 0; i < a->u.list.count; i++) {
			const struct iosurface_value *other = iosurface_value_dictionary_get(b,
					a->u.list.keys[i]);
			if (!iosurface_value_equal(a->u.list.items[i], other)) {
				return false;
			}
		}
		return true;
	}
	return false;
}

IOSURFACE_EXPORT enum iosurface_value_type iosurface_value_get_type(
		const struct iosurface_value *v) {
	return v != NULL ? v->type : 0;
}

IOSURFACE_EXPORT const char *iosurface_value_get_string(const struct iosurface_value *v) {
	return v != NULL && v->type == IOSURFACE_VALUE_STRING ? v->u.bytes.data : NULL;
}

IOSURFACE_EXPORT int64_t iosurface_value_get_integer(const struct iosurface_value *v) {
	return v != NULL && v->type == IOSURFACE_VALUE_INTEGER ? v->u.i : 0;
}

IOSURFACE_EXPORT double iosurface_value_get_double(const struct iosurface_value *v) {
	return v != NULL && v->type == IOSURFACE_VALUE_DOUBLE ? v->u.d : 0.0;
}

IOSURFACE_EXPORT bool iosurface_value_get_boolean(const struct iosurface_value *v) {
	return v != NULL && v->type == IOSURFACE_VALUE_BOOLEAN ? v->u.b : false;
}

IOSURFACE_EXPORT const void *iosurface_value_get_bytes(const struct iosurface_value *v,
		size_t *len) {
	if (v == NULL || v->type != IOSURFACE_VALUE_BYTES) {
		if (len != NULL) {
			*len = 0;
		}
		return NULL;
	}
	if (len != NULL) {
		*len = v->u.bytes.len;
	}
	return v->u.bytes.data;
}

IOSURFACE_EXPORT size_t iosurface_value_get_count(const struct iosurface_value *v) {
	if (v == NULL || (v->type != IOSURFACE_VALUE_ARRAY && v->type != IOSURFACE_VALUE_DICTIONARY)) {
		return 0;
	}
	return v->u.list.count;
}

IOSURFACE_EXPORT const struct iosurface_value *iosurface_value_get_item(const struct iosurface_value
																				*v,
		size_t i) {
	return i < iosurface_value_get_count(v) ? v->u.list.items[i] : NULL;
}

IOSURFACE_EXPORT const char *iosurface_value_get_key(const struct iosurface_value *v, size_t i) {
	if (v == NULL || v->type != IOSURFACE_VALUE_DICTIONARY || i >= v->u.list.count) {
		return NULL;
	}
	return v->u.list.keys[i];
}

IOSURFACE_EXPORT const struct iosurface_value *
iosurface_value_dictionary_get(const struct iosurface_value *v, const char *key) {
	if (v == NULL || key == NULL || v->type != IOSURFACE_VALUE_DICTIONARY) {
		return NULL;
	}
	ssize_t i = dict_index(v, key);
	return i >= 0 ? v->u.list.items[i] : NULL;
}

/* ---- Encoding ---- */

struct writer {
	uint8_t *data;
	size_t len, cap;
	bool failed, no_memory;
};

static void put(struct writer *w, const void *src, size_t n) {
	if (w->failed) {
		return;
	}
	// Values over the wire limit are refused anyway; stop growing well before memory runs out.
	if (w->len + n > IOS_MAX_VALUE_SIZE * 4) {
		w->failed = true;
		return;
	}
	if (w->len + n > w->cap) {
		size_t cap = w->cap ? w->cap : 64;
		while (cap < w->len + n) {
			cap *= 2;
		}
		uint8_t *data = realloc(w->data, cap);
		if (data == NULL) {
			w->failed = true;
			w->no_memory = true;
			return;
		}
		w->data = data;
		w->cap = cap;
	}
	memcpy(w->data + w->len, src, n);
	w->len += n;
}

static void put_u32(struct writer *w, uint32_t x) {
	uint8_t b[4] = { x & 0xff, (x >> 8) & 0xff, (x >> 16) & 0xff, x >> 24 };
	put(w, b, 4);
}

static void put_u64(struct writer *w, uint64_t x) {
	put_u32(w, (uint32_t)x);
	put_u32(w, (uint32_t)(x >> 32));
}

static void put_blob(struct writer *w, const char *data, size_t len) {
	if (len > UINT32_MAX) {
		w->failed = true;
		return;
	}
	put_u32(w, (uint32_t)len);
	put(w, data, len);
}

static void encode(struct writer *w, const struct iosurface_value *v, unsigned depth) {
	if (depth > IOS_MAX_VALUE_DEPTH) {
		w->failed = true;
		return;
	}
	uint8_t tag;
	switch (v->type) {
	case IOSURFACE_VALUE_STRING:
		tag = 's';
		put(w, &tag, 1);
		put_blob(w, v->u.bytes.data, v->u.bytes.len);
		break;
	case IOSURFACE_VALUE_BYTES:
		tag = 'x';
		put(w, &tag, 1);
		put_blob(w, v->u.bytes.data, v->u.bytes.len);
		break;
	case IOSURFACE_VALUE_INTEGER:
		tag = 'i';
		put(w, &tag, 1);
		put_u64(w, (uint64_t)v->u.i);
		break;
	case IOSURFACE_VALUE_DOUBLE:;
		uint64_t bits;
		memcpy(&bits, &v->u.d, sizeof(bits));
		tag = 'd';
		put(w, &tag, 1);
		put_u64(w, bits);
		break;
	case IOSURFACE_VALUE_BOOLEAN:;
		uint8_t b[2] = { 'b', v->u.b ? 1 : 0 };
		put(w, b, 2);
		break;
	case IOSURFACE_VALUE_ARRAY:
	case IOSURFACE_VALUE_DICTIONARY:
		tag = v->type == IOSURFACE_VALUE_ARRAY ? 'a' : 'm';
		put(w, &tag, 1);
		put_u32(w, (uint32_t)v->u.list.count);
		for (size_t i = 0; i < v->u.list.count && !w->failed; i++) {
			if (v->type == IOSURFACE_VALUE_DICTIONARY) {
				put_blob(w, v->u.list.keys[i], strlen(v->u.list.keys[i]));
			}
			encode(w, v->u.list.items[i], depth + 1);
		}
		break;
	default:
		w->failed = true;
		break;
	}
}

int ios_value_encode(const struct iosurface_value *v, uint8_t **out, size_t *out_len) {
	if (v == NULL) {
		return -EINVAL;
	}
	struct writer w = { 0 };
	encode(&w, v, 1);
	if (w.failed) {
		free(w.data);
		return w.no_memory ? -ENOMEM : -EMSGSIZE;
	}
	*out = w.data;
	*out_len = w.len;
	return 0;
}

/* ---- Decoding: every length is checked against what is left before it is used ---- */

struct reader {
	const uint8_t *data;
	size_t len, pos;
};

static bool get(struct reader *r, void *dst, size_t n) {
	if (n > r->len - r->pos) {
		return false;
	}
	memcpy(dst, r->data + r->pos, n);
	r->pos += n;
	return true;
}

static bool get_u32(struct reader *r, uint32_t *x) {
	uint8_t b[4];
	if (!get(r, b, 4)) {
		return false;
	}
	*x = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
	return true;
}

static bool get_u64(struct reader *r, uint64_t *x) {
	uint32_t lo, hi;
	if (!get_u32(r, &lo) || !get_u32(r, &hi)) {
		return false;
	}
	*x = (uint64_t)hi << 32 | lo;
	return true;
}

/* A length-prefixed blob, pointed to in place. */
static bool get_blob(struct reader *r, const uint8_t **data, uint32_t *len) {
	if (!get_u32(r, len) || *len > r->len - r->pos) {
		return false;
	}
	*data = r->data + r->pos;
	r->pos += *len;
	return true;
}

/* Decodes one value into *out. */
static bool decode(struct reader *r, unsigned depth, struct iosurface_value **out) {
	uint8_t tag;
	if (depth > IOS_MAX_VALUE_DEPTH || !get(r, &tag, 1)) {
		return false;
	}
	struct iosurface_value *v = NULL;
	const uint8_t *blob;
	uint32_t len, count;
	uint64_t bits;
	switch (tag) {
	case 's':
	case 'x':
		if (!get_blob(r, &blob, &len)) {
			return false;
		}
		if (tag == 's' && memchr(blob, '\0', len) != NULL) {
			return false;
		}
		v = value_new_blob(tag == 's' ? IOSURFACE_VALUE_STRING : IOSURFACE_VALUE_BYTES, blob, len);
		break;
	case 'i':
	case 'd':
		if (!get_u64(r, &bits)) {
			return false;
		}
		v = value_new(tag == 'i' ? IOSURFACE_VALUE_INTEGER : IOSURFACE_VALUE_DOUBLE);
		if (v != NULL && tag == 'i') {
			v->u.i = (int64_t)bits;
		} else if (v != NULL) {
			memcpy(&v->u.d, &bits, sizeof(bits));
		}
		break;
	case 'b':;
		uint8_t b;
		if (!get(r, &b, 1) || b > 1) {
			return false;
		}
		v = iosurface_value_new_boolean(b);
		break;
	case 'a':
	case 'm':
		// Each item takes at least two bytes, so a count beyond that is a lie.
		if (!get_u32(r, &count) || count > (r->len - r->pos) / 2) {
			return false;
		}
		v = value_new(tag == 'a' ? IOSURFACE_VALUE_ARRAY : IOSURFACE_VALUE_DICTIONARY);
		if (v == NULL) {
			return false;
		}
		for (uint32_t i = 0; i < count; i++) {
			const uint8_t *key = NULL;
			uint32_t key_len = 0;
			if (tag == 'm' &&
					(!get_blob(r, &key, &key_len) || key_len == 0 ||
							memchr(key, '\0', key_len) != NULL)) {
				iosurface_value_free(v);
				return false;
			}
			struct iosurface_value *item = NULL;
			if (!decode(r, depth + 1, &item)) {
				iosurface_value_free(v);
				return false;
			}
			int ret;
			if (tag == 'a') {
				ret = iosurface_value_array_append(v, item);
			} else {
				// A key twice would make two encodings of one dictionary; refuse it.
				char *k = strndup((const char *)key, key_len);
				if (k == NULL || iosurface_value_dictionary_get(v, k) != NULL) {
					iosurface_value_free(item);
					ret = -EINVAL;
				} else {
					// Frees item itself on failure.
					ret = iosurface_value_dictionary_set(v, k, item);
				}
				free(k);
			}
			if (ret < 0) {
				iosurface_value_free(v);
				return false;
			}
		}
		break;
	default:
		return false;
	}
	if (v == NULL) {
		return false;
	}
	*out = v;
	return true;
}

struct iosurface_value *ios_value_decode(const uint8_t *data, size_t len) {
	struct reader r = { data, len, 0 };
	struct iosurface_value *v = NULL;
	if (data == NULL || !decode(&r, 1, &v) || r.pos != len) {
		iosurface_value_free(v);
		errno = EINVAL;
		return NULL;
	}
	return v;
}
