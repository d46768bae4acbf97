/*
 * fuzz-value-decode: arbitrary bytes into ios_value_decode(), the parser the compositor runs on
 * every value a client sets. Besides not crashing, leaking or reading out of bounds:
 * - ios_value_validate() agrees with ios_value_decode();
 * - whatever decodes re-encodes to the same bytes (the encoding is canonical), decodes again
 *   to an equal value, and copies to an equal value.
 *
 * Built with libFuzzer under -Dfuzz=true; tests/unit builds it without libFuzzer to replay
 * fuzz/corpus/fuzz-value-decode/ in every build (unit-fuzz-corpus).
 */
#ifdef NDEBUG
#error "fuzz targets must be built without NDEBUG"
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "value-codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond) \
	do { \
		if (!(cond)) { \
			fprintf(stderr, "%s:%d: fuzz check failed: %s\n", __FILE__, __LINE__, #cond); \
			abort(); \
		} \
	} while (0)

/* Reads every part of a decoded value through the public getters. */
static void walk(const struct iosurface_value *v, unsigned depth) {
	FUZZ_CHECK(depth <= IOS_MAX_VALUE_DEPTH);
	size_t len;
	switch (iosurface_value_get_type(v)) {
	case IOSURFACE_VALUE_STRING:
		FUZZ_CHECK(iosurface_value_get_string(v) != NULL);
		break;
	case IOSURFACE_VALUE_BYTES:
		FUZZ_CHECK(iosurface_value_get_bytes(v, &len) != NULL);
		break;
	case IOSURFACE_VALUE_INTEGER:
	case IOSURFACE_VALUE_DOUBLE:
	case IOSURFACE_VALUE_BOOLEAN:
		break;
	case IOSURFACE_VALUE_ARRAY:
		for (size_t i = 0; i < iosurface_value_get_count(v); i++) {
			FUZZ_CHECK(iosurface_value_get_key(v, i) == NULL);
			walk(iosurface_value_get_item(v, i), depth + 1);
		}
		break;
	case IOSURFACE_VALUE_DICTIONARY:
		for (size_t i = 0; i < iosurface_value_get_count(v); i++) {
			const char *key = iosurface_value_get_key(v, i);
			FUZZ_CHECK(key != NULL && key[0] != '\0');
			// Keys are unique: looking one up finds its own entry.
			FUZZ_CHECK(iosurface_value_dictionary_get(v, key) == iosurface_value_get_item(v, i));
			walk(iosurface_value_get_item(v, i), depth + 1);
		}
		break;
	default:
		FUZZ_CHECK(!"a decoded value has no valid type");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	bool valid = ios_value_validate(data, size);
	struct iosurface_value *v = ios_value_decode(data, size);
	FUZZ_CHECK(valid == (v != NULL));
	if (v == NULL) {
		return 0;
	}
	walk(v, 1);

	uint8_t *out = NULL;
	size_t out_len = 0;
	int ret = ios_value_encode(v, &out, &out_len);
	// The encoder may refuse values far over the wire limit, never one within it.
	FUZZ_CHECK(ret == 0 || size > IOS_MAX_VALUE_SIZE);
	if (ret == 0) {
		FUZZ_CHECK(out_len == size);
		FUZZ_CHECK(memcmp(out, data, size) == 0);
		struct iosurface_value *again = ios_value_decode(out, out_len);
		FUZZ_CHECK(again != NULL && iosurface_value_equal(v, again));
		iosurface_value_free(again);
		free(out);
	}

	struct iosurface_value *copy = iosurface_value_copy(v);
	FUZZ_CHECK(copy != NULL && iosurface_value_equal(copy, v) && iosurface_value_equal(v, copy));
	iosurface_value_free(copy);
	iosurface_value_free(v);
	return 0;
}
