/*
 * unit-value: the value API (iosurface_value_*) and the codec of client-lib/value.c
 * (ios_value_encode/decode/validate): building, copying and comparing values, the wire format
 * byte by byte, round trips, every prefix of an encoding, malformed input, the depth limit,
 * ownership, and allocation failure at every point. alloc-count.h counts live heap blocks, so
 * a leak fails the test in every build, not only under a sanitizer.
 */
#ifdef NDEBUG
#error "tests must be built without NDEBUG"
#endif

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "alloc-count.h"
#include "common-check.h"
#include "value-codec.h"

/* ---- Helpers ---- */

struct bytes {
	const char *data; /* may hold NULs: the length is explicit */
	size_t len;
};

#define BYTES(literal) ((struct bytes){ (literal), sizeof(literal) - 1 })

/* Decodes from a heap copy of exactly len bytes, so that ASan sees any over-read. */
static struct iosurface_value *decode_exact(const void *data, size_t len) {
	uint8_t *copy = malloc(len > 0 ? len : 1);
	if (copy == NULL) {
		abort();
	}
	memcpy(copy, data, len);
	struct iosurface_value *v = ios_value_decode(copy, len);
	free(copy);
	return v;
}

static bool validate_exact(const void *data, size_t len) {
	uint8_t *copy = malloc(len > 0 ? len : 1);
	if (copy == NULL) {
		abort();
	}
	memcpy(copy, data, len);
	bool ok = ios_value_validate(copy, len);
	free(copy);
	return ok;
}

/*
 * Decodes and validates an input that must be refused: NULL with errno EINVAL, validate false,
 * no block left allocated.
 */
static bool check_rejected(const void *data, size_t len, const char *what) {
	check_context("%s", what);
	long before = alloc_live();
	errno = 0;
	struct iosurface_value *v = decode_exact(data, len);
	int err = errno;
	bool ok = CHECK(v == NULL);
	iosurface_value_free(v);
	ok &= CHECK_EQ_I(err, EINVAL);
	ok &= CHECK(!validate_exact(data, len));
	ok &= CHECK_EQ_I(alloc_live(), before);
	return ok;
}

/* An input that must be accepted, decoded and re-encoded to the same bytes. */
static struct iosurface_value *check_accepted(const void *data, size_t len, const char *what) {
	check_context("%s", what);
	CHECK(validate_exact(data, len));
	struct iosurface_value *v = decode_exact(data, len);
	if (!CHECK(v != NULL)) {
		return NULL;
	}
	uint8_t *again = NULL;
	size_t again_len = 0;
	if (CHECK_EQ_I(ios_value_encode(v, &again, &again_len), 0)) {
		CHECK_EQ(again_len, len);
		CHECK(again_len == len && memcmp(again, data, len) == 0);
	}
	free(again);
	return v;
}

static uint8_t *encode_or_fail(const struct iosurface_value *v, size_t *len) {
	uint8_t *out = NULL;
	*len = 0;
	if (!CHECK_EQ_I(ios_value_encode(v, &out, len), 0)) {
		return NULL;
	}
	return out;
}

/*
 * A value with every type, nested three deep:
 * { "name": "camera 1", "size": [1920, 1080], "rate": 29.97, "hdr": false,
 *   "lut": <00 ff 00 01>, "meta": { "tags": ["a", "", true], "empty": {}, "none": [] } }
 */
static struct iosurface_value *build_sample(void) {
	struct iosurface_value *root = iosurface_value_new_dictionary();
	struct iosurface_value *size = iosurface_value_new_array();
	struct iosurface_value *meta = iosurface_value_new_dictionary();
	struct iosurface_value *tags = iosurface_value_new_array();
	static const uint8_t lut[] = { 0x00, 0xff, 0x00, 0x01 };
	int ret = 0;
	ret |= iosurface_value_dictionary_set(root, "name", iosurface_value_new_string("camera 1"));
	ret |= iosurface_value_array_append(size, iosurface_value_new_integer(1920));
	ret |= iosurface_value_array_append(size, iosurface_value_new_integer(1080));
	ret |= iosurface_value_dictionary_set(root, "size", size);
	ret |= iosurface_value_dictionary_set(root, "rate", iosurface_value_new_double(29.97));
	ret |= iosurface_value_dictionary_set(root, "hdr", iosurface_value_new_boolean(false));
	ret |= iosurface_value_dictionary_set(root, "lut", iosurface_value_new_bytes(lut, sizeof(lut)));
	ret |= iosurface_value_array_append(tags, iosurface_value_new_string("a"));
	ret |= iosurface_value_array_append(tags, iosurface_value_new_string(""));
	ret |= iosurface_value_array_append(tags, iosurface_value_new_boolean(true));
	ret |= iosurface_value_dictionary_set(meta, "tags", tags);
	ret |= iosurface_value_dictionary_set(meta, "empty", iosurface_value_new_dictionary());
	ret |= iosurface_value_dictionary_set(meta, "none", iosurface_value_new_array());
	ret |= iosurface_value_dictionary_set(root, "meta", meta);
	if (ret != 0) {
		fprintf(stderr, "building the sample value failed\n");
		exit(CHECK_EXIT_SETUP_FAILURE);
	}
	return root;
}

/* [[[...[leaf]...]]] with `arrays` arrays around leaf (NULL: innermost array empty). */
static struct iosurface_value *build_nest(unsigned arrays, struct iosurface_value *leaf) {
	struct iosurface_value *v = leaf;
	for (unsigned i = 0; i < arrays; i++) {
		struct iosurface_value *a = iosurface_value_new_array();
		if (v != NULL && iosurface_value_array_append(a, v) != 0) {
			exit(CHECK_EXIT_SETUP_FAILURE);
		}
		v = a;
	}
	return v;
}

/* ---- Building and reading ---- */

static void test_scalars(void) {
	long before = alloc_live();
	struct iosurface_value *s = iosurface_value_new_string("héllo");
	struct iosurface_value *i = iosurface_value_new_integer(INT64_MIN);
	struct iosurface_value *d = iosurface_value_new_double(-2.5);
	struct iosurface_value *b = iosurface_value_new_boolean(true);
	static const uint8_t raw[] = { 1, 0, 2, 0 };
	struct iosurface_value *x = iosurface_value_new_bytes(raw, sizeof(raw));
	struct iosurface_value *empty = iosurface_value_new_bytes(NULL, 0);
	if (!CHECK(s && i && d && b && x && empty)) {
		return;
	}
	CHECK_EQ(iosurface_value_get_type(s), IOSURFACE_VALUE_STRING);
	CHECK_EQ(iosurface_value_get_type(i), IOSURFACE_VALUE_INTEGER);
	CHECK_EQ(iosurface_value_get_type(d), IOSURFACE_VALUE_DOUBLE);
	CHECK_EQ(iosurface_value_get_type(b), IOSURFACE_VALUE_BOOLEAN);
	CHECK_EQ(iosurface_value_get_type(x), IOSURFACE_VALUE_BYTES);
	CHECK_STR_EQ(iosurface_value_get_string(s), "héllo");
	CHECK_EQ_I(iosurface_value_get_integer(i), INT64_MIN);
	CHECK(iosurface_value_get_double(d) == -2.5);
	CHECK(iosurface_value_get_boolean(b));
	size_t len = 99;
	const uint8_t *got = iosurface_value_get_bytes(x, &len);
	CHECK_EQ(len, sizeof(raw));
	CHECK(got != NULL && memcmp(got, raw, sizeof(raw)) == 0);
	CHECK(iosurface_value_get_bytes(empty, &len) != NULL);
	CHECK_EQ(len, 0);

	// Asking a value for another type answers "nothing".
	CHECK(iosurface_value_get_string(i) == NULL);
	CHECK_EQ_I(iosurface_value_get_integer(s), 0);
	CHECK(iosurface_value_get_double(i) == 0.0);
	CHECK(!iosurface_value_get_boolean(i));
	len = 99;
	CHECK(iosurface_value_get_bytes(s, &len) == NULL);
	CHECK_EQ(len, 0);
	CHECK_EQ(iosurface_value_get_count(s), 0);
	CHECK(iosurface_value_get_item(i, 0) == NULL);
	CHECK(iosurface_value_get_key(i, 0) == NULL);
	CHECK(iosurface_value_dictionary_get(s, "x") == NULL);
	CHECK(iosurface_value_get_string(NULL) == NULL);
	CHECK_EQ(iosurface_value_get_count(NULL), 0);

	// Constructors check their arguments.
	errno = 0;
	CHECK(iosurface_value_new_string(NULL) == NULL);
	CHECK_EQ_I(errno, EINVAL);
	errno = 0;
	CHECK(iosurface_value_new_bytes(NULL, 1) == NULL);
	CHECK_EQ_I(errno, EINVAL);

	iosurface_value_free(s);
	iosurface_value_free(i);
	iosurface_value_free(d);
	iosurface_value_free(b);
	iosurface_value_free(x);
	iosurface_value_free(empty);
	iosurface_value_free(NULL);
	CHECK_EQ_I(alloc_live(), before);
}

static void test_containers(void) {
	long before = alloc_live();
	struct iosurface_value *root = build_sample();
	CHECK_EQ(iosurface_value_get_type(root), IOSURFACE_VALUE_DICTIONARY);
	CHECK_EQ(iosurface_value_get_count(root), 6);
	// Entries keep their insertion order.
	static const char *const keys[] = { "name", "size", "rate", "hdr", "lut", "meta" };
	for (size_t k = 0; k < 6; k++) {
		CHECK_STR_EQ(iosurface_value_get_key(root, k), keys[k]);
		CHECK(iosurface_value_get_item(root, k) ==
				iosurface_value_dictionary_get(root, keys[k]));
	}
	CHECK(iosurface_value_get_key(root, 6) == NULL);
	CHECK(iosurface_value_get_item(root, 6) == NULL);
	CHECK(iosurface_value_dictionary_get(root, "missing") == NULL);
	CHECK(iosurface_value_dictionary_get(root, NULL) == NULL);

	const struct iosurface_value *size = iosurface_value_dictionary_get(root, "size");
	CHECK_EQ(iosurface_value_get_type(size), IOSURFACE_VALUE_ARRAY);
	CHECK_EQ(iosurface_value_get_count(size), 2);
	CHECK_EQ_I(iosurface_value_get_integer(iosurface_value_get_item(size, 1)), 1080);
	CHECK(iosurface_value_get_key(size, 0) == NULL); // arrays have no keys
	const struct iosurface_value *meta = iosurface_value_dictionary_get(root, "meta");
	const struct iosurface_value *tags = iosurface_value_dictionary_get(meta, "tags");
	CHECK_EQ(iosurface_value_get_count(tags), 3);
	CHECK_STR_EQ(iosurface_value_get_string(iosurface_value_get_item(tags, 1)), "");
	CHECK_EQ(iosurface_value_get_count(iosurface_value_dictionary_get(meta, "empty")), 0);

	// Setting an existing key replaces its value in place.
	CHECK_EQ_I(iosurface_value_dictionary_set(root, "hdr", iosurface_value_new_integer(7)), 0);
	CHECK_EQ(iosurface_value_get_count(root), 6);
	CHECK_STR_EQ(iosurface_value_get_key(root, 3), "hdr");
	CHECK_EQ_I(iosurface_value_get_integer(iosurface_value_dictionary_get(root, "hdr")), 7);

	// Many entries: the storage grows.
	struct iosurface_value *big = iosurface_value_new_array();
	for (int i = 0; i < 1000; i++) {
		CHECK_EQ_I(iosurface_value_array_append(big, iosurface_value_new_integer(i)), 0);
	}
	CHECK_EQ(iosurface_value_get_count(big), 1000);
	CHECK_EQ_I(iosurface_value_get_integer(iosurface_value_get_item(big, 999)), 999);
	iosurface_value_free(big);

	iosurface_value_free(root);
	CHECK_EQ_I(alloc_live(), before);
}

static void test_copy_and_equal(void) {
	long before = alloc_live();
	struct iosurface_value *a = build_sample();
	struct iosurface_value *b = iosurface_value_copy(a);
	if (!CHECK(b != NULL)) {
		return;
	}
	CHECK(b != a);
	CHECK(iosurface_value_equal(a, b));
	CHECK(iosurface_value_equal(b, a));
	// A deep copy: changing the copy leaves the original alone.
	struct iosurface_value *meta = (struct iosurface_value *)iosurface_value_dictionary_get(b,
			"meta");
	CHECK_EQ_I(iosurface_value_dictionary_set(meta, "new", iosurface_value_new_boolean(true)),
			0);
	CHECK(!iosurface_value_equal(a, b));
	CHECK(iosurface_value_dictionary_get(iosurface_value_dictionary_get(a, "meta"), "new") ==
			NULL);
	iosurface_value_free(b);

	// Dictionaries compare as sets of entries; arrays in order.
	struct iosurface_value *d1 = iosurface_value_new_dictionary();
	struct iosurface_value *d2 = iosurface_value_new_dictionary();
	iosurface_value_dictionary_set(d1, "x", iosurface_value_new_integer(1));
	iosurface_value_dictionary_set(d1, "y", iosurface_value_new_integer(2));
	iosurface_value_dictionary_set(d2, "y", iosurface_value_new_integer(2));
	iosurface_value_dictionary_set(d2, "x", iosurface_value_new_integer(1));
	CHECK(iosurface_value_equal(d1, d2));
	iosurface_value_dictionary_set(d2, "x", iosurface_value_new_integer(3));
	CHECK(!iosurface_value_equal(d1, d2));
	iosurface_value_dictionary_set(d2, "x", iosurface_value_new_integer(1));
	iosurface_value_dictionary_set(d2, "z", iosurface_value_new_integer(1));
	CHECK(!iosurface_value_equal(d1, d2));
	CHECK(!iosurface_value_equal(d2, d1));
	struct iosurface_value *a1 = build_nest(1, iosurface_value_new_integer(1));
	struct iosurface_value *a2 = build_nest(1, iosurface_value_new_integer(2));
	iosurface_value_array_append(a1, iosurface_value_new_integer(2));
	iosurface_value_array_append(a2, iosurface_value_new_integer(1));
	CHECK(!iosurface_value_equal(a1, a2));

	// Types never compare equal across: 1 is not 1.0 nor true; strings are not bytes.
	struct iosurface_value *one_i = iosurface_value_new_integer(1);
	struct iosurface_value *one_d = iosurface_value_new_double(1.0);
	struct iosurface_value *one_b = iosurface_value_new_boolean(true);
	struct iosurface_value *str = iosurface_value_new_string("ab");
	struct iosurface_value *raw = iosurface_value_new_bytes("ab", 2);
	CHECK(!iosurface_value_equal(one_i, one_d));
	CHECK(!iosurface_value_equal(one_i, one_b));
	CHECK(!iosurface_value_equal(str, raw));
	CHECK(iosurface_value_equal(NULL, NULL));
	CHECK(!iosurface_value_equal(one_i, NULL));
	CHECK(!iosurface_value_equal(NULL, one_i));

	// Bytes compare by length too, past an embedded NUL.
	struct iosurface_value *r1 = iosurface_value_new_bytes("a\0b", 3);
	struct iosurface_value *r2 = iosurface_value_new_bytes("a\0c", 3);
	struct iosurface_value *r3 = iosurface_value_new_bytes("a\0b", 2);
	CHECK(!iosurface_value_equal(r1, r2));
	CHECK(!iosurface_value_equal(r1, r3));

	// A NaN is equal to its own copy.
	struct iosurface_value *nan = iosurface_value_new_double(NAN);
	struct iosurface_value *nan_copy = iosurface_value_copy(nan);
	CHECK(iosurface_value_equal(nan, nan_copy));

	errno = 0;
	CHECK(iosurface_value_copy(NULL) == NULL);
	CHECK_EQ_I(errno, EINVAL);

	struct iosurface_value *all[] = { a, d1, d2, a1, a2, one_i, one_d, one_b, str, raw, r1, r2,
		r3, nan, nan_copy };
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		iosurface_value_free(all[i]);
	}
	CHECK_EQ_I(alloc_live(), before);
}

/* ---- The wire format, byte by byte (iosurface-common.h) ---- */

static void check_encodes_to(struct iosurface_value *v, struct bytes want, const char *what) {
	check_context("%s", what);
	size_t len;
	uint8_t *got = encode_or_fail(v, &len);
	if (got != NULL && CHECK_EQ(len, want.len)) {
		for (size_t i = 0; i < len; i++) {
			check_context("%s, byte %zu", what, i);
			CHECK_EQ(got[i], (uint8_t)want.data[i]);
		}
	}
	free(got);
	struct iosurface_value *back = check_accepted(want.data, want.len, what);
	CHECK(iosurface_value_equal(back, v));
	iosurface_value_free(back);
	iosurface_value_free(v);
}

static void test_wire_format(void) {
	long before = alloc_live();
	check_encodes_to(iosurface_value_new_integer(1), BYTES("i\1\0\0\0\0\0\0\0"), "integer 1");
	check_encodes_to(iosurface_value_new_integer(-2), BYTES("i\xfe\xff\xff\xff\xff\xff\xff\xff"),
			"integer -2");
	check_encodes_to(iosurface_value_new_integer(0x0102030405060708),
			BYTES("i\x08\x07\x06\x05\x04\x03\x02\x01"), "integer, little endian");
	check_encodes_to(iosurface_value_new_double(1.0), BYTES("d\0\0\0\0\0\0\xf0\x3f"),
			"double 1.0");
	check_encodes_to(iosurface_value_new_double(-0.0), BYTES("d\0\0\0\0\0\0\0\x80"),
			"double -0.0");
	check_encodes_to(iosurface_value_new_boolean(true), BYTES("b\1"), "true");
	check_encodes_to(iosurface_value_new_boolean(false), BYTES("b\0"), "false");
	check_encodes_to(iosurface_value_new_string("ab"), BYTES("s\2\0\0\0ab"), "string");
	check_encodes_to(iosurface_value_new_string(""), BYTES("s\0\0\0\0"), "empty string");
	check_encodes_to(iosurface_value_new_bytes("a\0b", 3), BYTES("x\3\0\0\0a\0b"), "bytes");
	check_encodes_to(iosurface_value_new_array(), BYTES("a\0\0\0\0"), "empty array");
	check_encodes_to(build_nest(1, iosurface_value_new_boolean(true)),
			BYTES("a\1\0\0\0b\1"), "array");
	struct iosurface_value *dict = iosurface_value_new_dictionary();
	iosurface_value_dictionary_set(dict, "k", iosurface_value_new_integer(5));
	iosurface_value_dictionary_set(dict, "lm", iosurface_value_new_boolean(false));
	check_encodes_to(dict, BYTES("m\2\0\0\0\1\0\0\0ki\5\0\0\0\0\0\0\0\2\0\0\0lmb\0"),
			"dictionary");
	CHECK_EQ_I(alloc_live(), before);
}

/* ---- Round trips ---- */

static void test_round_trip(void) {
	long before = alloc_live();
	static const double doubles[] = { 0.0, -0.0, 1.5, -1e308, DBL_MIN, DBL_MIN / 4, DBL_MAX,
		INFINITY, -INFINITY, NAN };
	static const int64_t integers[] = { 0, 1, -1, INT64_MIN, INT64_MAX, 0x7fffffff, 0x80000000 };
	uint8_t all_bytes[256];
	for (int i = 0; i < 256; i++) {
		all_bytes[i] = (uint8_t)i;
	}
	struct iosurface_value *values = iosurface_value_new_array();
	for (size_t i = 0; i < sizeof(doubles) / sizeof(doubles[0]); i++) {
		iosurface_value_array_append(values, iosurface_value_new_double(doubles[i]));
	}
	for (size_t i = 0; i < sizeof(integers) / sizeof(integers[0]); i++) {
		iosurface_value_array_append(values, iosurface_value_new_integer(integers[i]));
	}
	iosurface_value_array_append(values, iosurface_value_new_bytes(all_bytes, sizeof(all_bytes)));
	iosurface_value_array_append(values, iosurface_value_new_bytes(NULL, 0));
	iosurface_value_array_append(values, iosurface_value_new_string("日本語 ✓"));
	iosurface_value_array_append(values, build_sample());
	// As deep as an item of an array may go.
	iosurface_value_array_append(values, build_nest(IOS_MAX_VALUE_DEPTH - 1, NULL));

	// Each item on its own, then the whole array.
	size_t count = iosurface_value_get_count(values);
	for (size_t i = 0; i <= count; i++) {
		const struct iosurface_value *v = i < count ? iosurface_value_get_item(values, i) : values;
		check_context("item %zu of %zu", i, count);
		size_t len;
		uint8_t *enc = encode_or_fail(v, &len);
		if (enc == NULL) {
			continue;
		}
		struct iosurface_value *back = check_accepted(enc, len, "round trip");
		check_context("item %zu of %zu", i, count);
		CHECK(iosurface_value_equal(back, v));
		if (iosurface_value_get_type(v) == IOSURFACE_VALUE_DOUBLE) {
			// Bit for bit, not only ==: -0.0 stays negative, NaN stays NaN.
			double x = iosurface_value_get_double(v), y = iosurface_value_get_double(back);
			CHECK(memcmp(&x, &y, sizeof(x)) == 0);
		}
		iosurface_value_free(back);
		free(enc);
	}
	iosurface_value_free(values);
	CHECK_EQ_I(alloc_live(), before);
}

/* ---- Malformed input ---- */

/* No proper prefix of an encoding is an encoding; none may be read past its end. */
static void test_truncations(void) {
	struct iosurface_value *v = build_sample();
	size_t len;
	uint8_t *enc = encode_or_fail(v, &len);
	iosurface_value_free(v);
	if (enc == NULL) {
		return;
	}
	for (size_t n = 0; n < len; n++) {
		char what[64];
		snprintf(what, sizeof(what), "prefix of %zu of %zu bytes", n, len);
		check_rejected(enc, n, what);
	}
	// Nor is an encoding with anything after it.
	uint8_t *longer = malloc(len + 1);
	memcpy(longer, enc, len);
	longer[len] = 0;
	check_rejected(longer, len + 1, "one byte too many");
	free(longer);
	free(enc);

	check_context("NULL input");
	CHECK(ios_value_decode(NULL, 0) == NULL);
	CHECK(!ios_value_validate(NULL, 0));
	CHECK(ios_value_decode(NULL, 5) == NULL);
}

static void test_malformed(void) {
	static const struct {
		struct bytes input;
		const char *what;
	} bad[] = {
		{ BYTES("z"), "unknown tag" },
		{ BYTES("\0"), "tag 0" },
		{ BYTES("S\0\0\0\0"), "tags are case-sensitive" },
		{ BYTES("b\2"), "boolean 2" },
		{ BYTES("b\xff"), "boolean 255" },
		{ BYTES("s\3\0\0\0a\0b"), "string with an embedded NUL" },
		{ BYTES("s\1\0\0\0\0"), "string of one NUL" },
		{ BYTES("s\4\0\0\0abc"), "string length one past the end" },
		{ BYTES("s\xff\xff\xff\xff" "abc"), "string length 2^32-1" },
		{ BYTES("x\xff\xff\xff\x7f"), "bytes length 2^31-1" },
		{ BYTES("a\2\0\0\0b\1"), "array count 2 with one item" },
		{ BYTES("a\0\0\0\0b\1"), "array count 0 with one item" },
		{ BYTES("a\xff\xff\xff\xff" "b\1b\1"), "array count 2^32-1" },
		{ BYTES("a\1\0\0\0"), "array missing its item" },
		{ BYTES("m\1\0\0\0\1\0\0\0k"), "dictionary entry without a value" },
		{ BYTES("m\2\0\0\0\1\0\0\0kb\1"), "dictionary count 2 with one entry" },
		{ BYTES("m\xff\xff\xff\xff\1\0\0\0kb\1"), "dictionary count 2^32-1" },
		{ BYTES("m\1\0\0\0\0\0\0\0b\1"), "dictionary key empty" },
		{ BYTES("m\1\0\0\0\2\0\0\0k\0b\1"), "dictionary key with a NUL" },
		{ BYTES("m\1\0\0\0\xff\xff\xff\xff" "kb\1"), "dictionary key length 2^32-1" },
		{ BYTES("m\1\0\0\0\1\0\0\0kz"), "dictionary value with an unknown tag" },
		{ BYTES("m\2\0\0\0\1\0\0\0kb\1\1\0\0\0kb\0"), "dictionary key twice" },
		{ BYTES("i\1\0\0\0\0\0\0"), "integer of 7 bytes" },
		{ BYTES("d\0\0\0\0"), "double of 4 bytes" },
		{ BYTES("b\1b\1"), "two values" },
		{ BYTES(""), "nothing" },
	};
	long before = alloc_live();
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		check_rejected(bad[i].input.data, bad[i].input.len, bad[i].what);
	}
	// The near misses that are fine.
	static const struct {
		struct bytes input;
		const char *what;
	} good[] = {
		{ BYTES("x\3\0\0\0a\0b"), "bytes with an embedded NUL" },
		{ BYTES("x\0\0\0\0"), "empty bytes" },
		{ BYTES("m\0\0\0\0"), "empty dictionary" },
		{ BYTES("m\1\0\0\0\3\0\0\0\xff\xfe\xfd" "b\0"), "key that is not UTF-8" },
		{ BYTES("s\2\0\0\0\xc3\x28"), "string that is not UTF-8 (not checked)" },
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		iosurface_value_free(check_accepted(good[i].input.data, good[i].input.len, good[i].what));
	}
	check_context_clear();
	CHECK_EQ_I(alloc_live(), before);
}

/* Decode and validate agree on random corruptions of valid encodings. */
static void test_validate_agrees_with_decode(void) {
	uint64_t state = 0x243f6a8885a308d3ull;
	long before = alloc_live();
	struct iosurface_value *sample = build_sample();
	size_t len;
	uint8_t *enc = encode_or_fail(sample, &len);
	iosurface_value_free(sample);
	if (enc == NULL) {
		return;
	}
	unsigned accepted = 0, rejected = 0;
	uint8_t *buf = malloc(len + 16);
	for (unsigned it = 0; it < 20000; it++) {
		memcpy(buf, enc, len);
		size_t n = len;
		unsigned edits = 1 + it % 3;
		for (unsigned e = 0; e < edits; e++) {
			state ^= state << 13;
			state ^= state >> 7;
			state ^= state << 17;
			size_t at = (size_t)(state >> 16) % n;
			switch (state % 4) {
			case 0: // a random byte
				buf[at] = (uint8_t)(state >> 8);
				break;
			case 1: // one bit
				buf[at] ^= (uint8_t)(1u << ((state >> 8) % 8));
				break;
			case 2: // a small number, as in a length or a count
				buf[at] = (uint8_t)((state >> 8) % 4);
				break;
			default: // cut the end
				n = at + 1;
				break;
			}
		}
		bool valid = validate_exact(buf, n);
		struct iosurface_value *v = decode_exact(buf, n);
		check_context("iteration %u", it);
		if (!CHECK_EQ(valid, v != NULL)) {
			iosurface_value_free(v);
			break;
		}
		if (valid) {
			accepted++;
		} else {
			rejected++;
		}
		iosurface_value_free(v);
	}
	free(buf);
	free(enc);
	check_context_clear();
	printf("corrupted encodings: %u accepted, %u rejected\n", accepted, rejected);
	CHECK(accepted > 100 && rejected > 100); // both paths exercised
	CHECK_EQ_I(alloc_live(), before);
}

/* ---- Limits ---- */

static void test_depth_limit(void) {
	long before = alloc_live();
	uint8_t *out = NULL;
	size_t len;

	// Encoding: IOS_MAX_VALUE_DEPTH levels pass, one more does not.
	struct iosurface_value *deepest = build_nest(IOS_MAX_VALUE_DEPTH, NULL);
	CHECK_EQ_I(ios_value_encode(deepest, &out, &len), 0);
	CHECK_EQ(len, 5 * IOS_MAX_VALUE_DEPTH);
	free(out);
	out = NULL;
	struct iosurface_value *too_deep = build_nest(IOS_MAX_VALUE_DEPTH + 1, NULL);
	CHECK(ios_value_encode(too_deep, &out, &len) < 0);
	iosurface_value_free(deepest);
	iosurface_value_free(too_deep);
	// A scalar is a level too.
	struct iosurface_value *leaf_ok =
			build_nest(IOS_MAX_VALUE_DEPTH - 1, iosurface_value_new_integer(1));
	struct iosurface_value *leaf_deep =
			build_nest(IOS_MAX_VALUE_DEPTH, iosurface_value_new_integer(1));
	CHECK_EQ_I(ios_value_encode(leaf_ok, &out, &len), 0);
	free(out);
	out = NULL;
	CHECK(ios_value_encode(leaf_deep, &out, &len) < 0);
	iosurface_value_free(leaf_ok);
	iosurface_value_free(leaf_deep);
	// Dictionaries count like arrays.
	struct iosurface_value *d = iosurface_value_new_integer(0);
	for (unsigned i = 0; i < IOS_MAX_VALUE_DEPTH; i++) {
		struct iosurface_value *outer = iosurface_value_new_dictionary();
		iosurface_value_dictionary_set(outer, "k", d);
		d = outer;
	}
	CHECK(ios_value_encode(d, &out, &len) < 0);
	iosurface_value_free(d);
	CHECK_EQ_I(alloc_live(), before);

	// Decoding: the same limit, and a deep bomb is refused without deep recursion.
	enum { BOMB = 100000 };
	uint8_t *nest = calloc(BOMB + 1, 5);
	for (unsigned levels = IOS_MAX_VALUE_DEPTH; levels <= IOS_MAX_VALUE_DEPTH + 1; levels++) {
		size_t n = 0;
		for (unsigned i = 0; i < levels; i++) {
			nest[n++] = 'a';
			nest[n++] = i + 1 < levels ? 1 : 0;
			nest[n++] = 0;
			nest[n++] = 0;
			nest[n++] = 0;
		}
		char what[64];
		snprintf(what, sizeof(what), "%u nested arrays", levels);
		if (levels <= IOS_MAX_VALUE_DEPTH) {
			iosurface_value_free(check_accepted(nest, n, what));
		} else {
			check_rejected(nest, n, what);
		}
	}
	for (size_t i = 0; i < BOMB; i++) {
		memcpy(nest + 5 * i, "a\1\0\0\0", 5);
	}
	memcpy(nest + 5 * BOMB, "a\0\0\0\0", 5);
	check_rejected(nest, 5 * (BOMB + 1), "100000 nested arrays");
	free(nest);
	check_context_clear();
	CHECK_EQ_I(alloc_live(), before);
}

/* Encoding refuses what the decoder would refuse, or grows without bound: no leak either way. */
static void test_encode_refusals(void) {
	long before = alloc_live();
	uint8_t *out = NULL;
	size_t len;
	CHECK_EQ_I(ios_value_encode(NULL, &out, &len), -EINVAL);

	// The encoder stops at four times the value limit, well before memory runs out.
	uint8_t *big = calloc(1, 4 * IOS_MAX_VALUE_SIZE);
	struct iosurface_value *huge = iosurface_value_new_bytes(big, 4 * IOS_MAX_VALUE_SIZE);
	CHECK(ios_value_encode(huge, &out, &len) < 0);
	iosurface_value_free(huge);
	struct iosurface_value *max = iosurface_value_new_bytes(big, IOS_MAX_VALUE_SIZE);
	if (CHECK_EQ_I(ios_value_encode(max, &out, &len), 0)) {
		CHECK_EQ(len, IOS_MAX_VALUE_SIZE + 5);
		free(out);
	}
	iosurface_value_free(max);
	free(big);

	// A dictionary key the decoder refuses ("dictionary key empty") is refused when set.
	struct iosurface_value *dict = iosurface_value_new_dictionary();
	long with_dict = alloc_live();
	CHECK_EQ_I(iosurface_value_dictionary_set(dict, "", iosurface_value_new_integer(1)),
			-EINVAL);
	CHECK_EQ(iosurface_value_get_count(dict), 0);
	CHECK_EQ_I(alloc_live(), with_dict); // the item was freed
	iosurface_value_free(dict);
	CHECK_EQ_I(alloc_live(), before);
}

/* ---- Ownership ---- */

static void test_ownership(void) {
	long before = alloc_live();
	struct iosurface_value *array = iosurface_value_new_array();
	struct iosurface_value *dict = iosurface_value_new_dictionary();
	struct iosurface_value *scalar = iosurface_value_new_integer(3);
	long base = alloc_live();

	// Every failing append or set still takes the item and frees it.
	CHECK_EQ_I(iosurface_value_array_append(scalar, iosurface_value_new_string("x")), -EINVAL);
	CHECK_EQ_I(iosurface_value_array_append(dict, iosurface_value_new_string("x")), -EINVAL);
	CHECK_EQ_I(iosurface_value_array_append(NULL, iosurface_value_new_string("x")), -EINVAL);
	CHECK_EQ_I(iosurface_value_array_append(array, NULL), -EINVAL);
	CHECK_EQ_I(iosurface_value_dictionary_set(array, "k", iosurface_value_new_string("x")),
			-EINVAL);
	CHECK_EQ_I(iosurface_value_dictionary_set(NULL, "k", iosurface_value_new_string("x")),
			-EINVAL);
	CHECK_EQ_I(iosurface_value_dictionary_set(dict, NULL, iosurface_value_new_string("x")),
			-EINVAL);
	CHECK_EQ_I(iosurface_value_dictionary_set(dict, "k", NULL), -EINVAL);
	CHECK_EQ_I(alloc_live(), base);
	CHECK_EQ(iosurface_value_get_count(array), 0);
	CHECK_EQ(iosurface_value_get_count(dict), 0);

	// Replacing a key frees the old value.
	iosurface_value_dictionary_set(dict, "k", build_sample());
	long with_sample = alloc_live();
	CHECK(with_sample > base);
	iosurface_value_dictionary_set(dict, "k", iosurface_value_new_integer(1));
	CHECK(alloc_live() < with_sample);

	// The dictionary copies the key; the caller keeps its own.
	char key[] = "mutable";
	iosurface_value_dictionary_set(dict, key, iosurface_value_new_integer(2));
	key[0] = 'X';
	CHECK_EQ_I(iosurface_value_get_integer(iosurface_value_dictionary_get(dict, "mutable")), 2);

	// Appending an array to itself fails, and consumes it like any failed append.
	struct iosurface_value *self = iosurface_value_new_array();
	long with_self = alloc_live();
	CHECK_EQ_I(iosurface_value_array_append(self, self), -EINVAL);
	CHECK_EQ_I(alloc_live(), with_self - 1);

	iosurface_value_free(array);
	iosurface_value_free(dict);
	iosurface_value_free(scalar);
	CHECK_EQ_I(alloc_live(), before);
}

/* ---- Out of memory at every allocation ---- */

static void test_allocation_failures(void) {
	long before = alloc_live();
	struct iosurface_value *sample = build_sample();
	size_t len;
	uint8_t *enc = encode_or_fail(sample, &len);
	if (enc == NULL) {
		return;
	}

	// How many allocations each operation makes when nothing fails.
	unsigned long t0 = alloc_total();
	struct iosurface_value *v = ios_value_decode(enc, len);
	unsigned long decode_allocs = alloc_total() - t0;
	iosurface_value_free(v);
	t0 = alloc_total();
	v = iosurface_value_copy(sample);
	unsigned long copy_allocs = alloc_total() - t0;
	iosurface_value_free(v);
	t0 = alloc_total();
	uint8_t *out = NULL;
	size_t out_len;
	ios_value_encode(sample, &out, &out_len);
	unsigned long encode_allocs = alloc_total() - t0;
	free(out);
	CHECK(decode_allocs > 10 && copy_allocs > 10 && encode_allocs >= 1);

	long base = alloc_live();
	for (unsigned long k = 0; k < decode_allocs; k++) {
		check_context("decode, allocation %lu of %lu fails", k, decode_allocs);
		alloc_fail_at((long)k);
		v = ios_value_decode(enc, len);
		CHECK(alloc_failure_injected());
		alloc_fail_at(-1);
		CHECK(v == NULL);
		iosurface_value_free(v);
		CHECK_EQ_I(alloc_live(), base);
	}
	for (unsigned long k = 0; k < copy_allocs; k++) {
		check_context("copy, allocation %lu of %lu fails", k, copy_allocs);
		alloc_fail_at((long)k);
		errno = 0;
		v = iosurface_value_copy(sample);
		int err = errno;
		alloc_fail_at(-1);
		CHECK(v == NULL);
		CHECK_EQ_I(err, ENOMEM);
		iosurface_value_free(v);
		CHECK_EQ_I(alloc_live(), base);
	}
	for (unsigned long k = 0; k < encode_allocs; k++) {
		check_context("encode, allocation %lu of %lu fails", k, encode_allocs);
		alloc_fail_at((long)k);
		out = NULL;
		CHECK(ios_value_encode(sample, &out, &out_len) < 0);
		alloc_fail_at(-1);
		CHECK_EQ_I(alloc_live(), base);
	}

	// Append and set take the item even when the container cannot grow: with four entries the
	// next one reallocates the items (and, for a dictionary, copies the key and reallocates
	// the keys).
	for (long k = 0; k < 3; k++) {
		check_context("append/set, allocation %ld fails", k);
		struct iosurface_value *array = iosurface_value_new_array();
		struct iosurface_value *dict = iosurface_value_new_dictionary();
		for (int i = 0; i < 4; i++) {
			char key[8];
			snprintf(key, sizeof(key), "k%d", i);
			iosurface_value_array_append(array, iosurface_value_new_integer(i));
			iosurface_value_dictionary_set(dict, key, iosurface_value_new_integer(i));
		}
		base = alloc_live();
		struct iosurface_value *item = iosurface_value_new_string("item");
		alloc_fail_at(k);
		int ret = iosurface_value_array_append(array, item);
		bool failed = alloc_failure_injected();
		alloc_fail_at(-1);
		CHECK(failed == (k == 0)); // one allocation only
		CHECK_EQ_I(ret, failed ? -ENOMEM : 0);
		CHECK_EQ(iosurface_value_get_count(array), failed ? 4 : 5);
		if (failed) {
			CHECK_EQ_I(alloc_live(), base);
		}

		base = alloc_live();
		item = iosurface_value_new_string("item");
		alloc_fail_at(k);
		ret = iosurface_value_dictionary_set(dict, "new", item);
		failed = alloc_failure_injected();
		alloc_fail_at(-1);
		CHECK(failed);
		CHECK_EQ_I(ret, -ENOMEM);
		CHECK_EQ(iosurface_value_get_count(dict), 4);
		CHECK(iosurface_value_dictionary_get(dict, "new") == NULL);
		CHECK_EQ_I(alloc_live(), base);
		// And the dictionary still works.
		CHECK_EQ_I(iosurface_value_dictionary_set(dict, "new", iosurface_value_new_integer(9)), 0);
		CHECK_EQ_I(iosurface_value_get_integer(iosurface_value_dictionary_get(dict, "new")), 9);
		iosurface_value_free(array);
		iosurface_value_free(dict);
	}

	iosurface_value_free(sample);
	free(enc);
	check_context_clear();
	CHECK_EQ_I(alloc_live(), before);
}

int main(void) {
	RUN_TEST(test_scalars);
	RUN_TEST(test_containers);
	RUN_TEST(test_copy_and_equal);
	RUN_TEST(test_wire_format);
	RUN_TEST(test_round_trip);
	RUN_TEST(test_truncations);
	RUN_TEST(test_malformed);
	RUN_TEST(test_validate_agrees_with_decode);
	RUN_TEST(test_depth_limit);
	RUN_TEST(test_encode_refusals);
	RUN_TEST(test_ownership);
	RUN_TEST(test_allocation_failures);
	return check_report();
}
