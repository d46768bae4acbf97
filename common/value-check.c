/*
 * ios_value_validate: the checks of ios_value_decode (value.c), walking the encoding without
 * building a value. The server module checks every value a client sets with it, and so needs
 * none of the iosurface_value_* API of the client library.
 */
#include <stdlib.h>
#include <string.h>

#include "iosurface-common.h"

struct check_reader {
	const uint8_t *data;
	size_t len, pos;
};

struct check_key {
	const uint8_t *data;
	uint32_t len;
};

static bool check_skip(struct check_reader *r, size_t n) {
	if (n > r->len - r->pos) {
		return false;
	}
	r->pos += n;
	return true;
}

static bool check_u32(struct check_reader *r, uint32_t *x) {
	if (r->len - r->pos < 4) {
		return false;
	}
	const uint8_t *b = r->data + r->pos;
	*x = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
	r->pos += 4;
	return true;
}

static bool check_blob(struct check_reader *r, const uint8_t **data, uint32_t *len) {
	if (!check_u32(r, len) || *len > r->len - r->pos) {
		return false;
	}
	*data = r->data + r->pos;
	r->pos += *len;
	return true;
}

static bool check_value(struct check_reader *r, unsigned depth);

static bool check_list(struct check_reader *r, unsigned depth, bool dictionary) {
	uint32_t count;
	// Each item takes at least two bytes, so a count beyond that is a lie.
	if (!check_u32(r, &count) || count > (r->len - r->pos) / 2) {
		return false;
	}
	struct check_key *keys = NULL;
	if (dictionary && count > 0) {
		keys = calloc(count, sizeof(*keys));
		if (keys == NULL) {
			return false;
		}
	}
	bool ok = true;
	for (uint32_t i = 0; ok && i < count; i++) {
		if (dictionary) {
			const uint8_t *key;
			uint32_t key_len;
			if (!check_blob(r, &key, &key_len) || key_len == 0 ||
					memchr(key, '\0', key_len) != NULL) {
				ok = false;
				break;
			}
			// A key twice would make two encodings of one dictionary; refuse it.
			for (uint32_t j = 0; j < i; j++) {
				if (keys[j].len == key_len && memcmp(keys[j].data, key, key_len) == 0) {
					ok = false;
					break;
				}
			}
			keys[i] = (struct check_key){ key, key_len };
		}
		ok = ok && check_value(r, depth + 1);
	}
	free(keys);
	return ok;
}

static bool check_value(struct check_reader *r, unsigned depth) {
	uint8_t tag;
	if (depth > IOS_MAX_VALUE_DEPTH || r->pos >= r->len) {
		return false;
	}
	tag = r->data[r->pos++];
	const uint8_t *blob;
	uint32_t len;
	switch (tag) {
	case 's':
	case 'x':
		if (!check_blob(r, &blob, &len)) {
			return false;
		}
		return tag != 's' || memchr(blob, '\0', len) == NULL;
	case 'i':
	case 'd':
		return check_skip(r, 8);
	case 'b':
		return r->pos < r->len && r->data[r->pos++] <= 1;
	case 'a':
	case 'm':
		return check_list(r, depth, tag == 'm');
	default:
		return false;
	}
}

bool ios_value_validate(const uint8_t *data, size_t len) {
	struct check_reader r = { data, len, 0 };
	return data != NULL && check_value(&r, 1) && r.pos == len;
}
