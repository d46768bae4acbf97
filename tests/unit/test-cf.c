/*
 * unit-cf: the porting kit's CoreFoundation subset on its own, and its Mach port names, with
 * no compositor: reference counts, equality and hashing within and across types, collections
 * with and without the kCFType callbacks, growth, mutable copies, conversions of numbers.
 */
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CoreFoundation/CoreFoundation.h>
#include <IOSurface/IOSurface.h>
#include <mach/mach.h>

#include "common-check.h"

static CFNumberRef int_number(int64_t i) {
	return CFNumberCreate(NULL, kCFNumberSInt64Type, &i);
}

static CFNumberRef double_number(double d) {
	return CFNumberCreate(NULL, kCFNumberDoubleType, &d);
}

static void test_type_ids(void) {
	CFTypeID ids[] = { CFStringGetTypeID(), CFNumberGetTypeID(), CFBooleanGetTypeID(),
		CFNullGetTypeID(), CFDataGetTypeID(), CFArrayGetTypeID(), CFDictionaryGetTypeID(),
		IOSurfaceGetTypeID() };
	size_t n = sizeof(ids) / sizeof(ids[0]);
	for (size_t i = 0; i < n; i++) {
		CHECK(ids[i] != 0);
		for (size_t j = 0; j < i; j++) {
			check_context("types %zu and %zu", i, j);
			CHECK(ids[i] != ids[j]);
		}
	}
	check_context_clear();
	CHECK_EQ(IOSurfaceGetTypeID(), IOSurfaceGetTypeID());
	CFNumberRef n1 = int_number(1);
	CHECK_EQ(CFGetTypeID(n1), CFNumberGetTypeID());
	CHECK_EQ(CFGetTypeID(CFSTR("x")), CFStringGetTypeID());
	CHECK_EQ(CFGetTypeID(kCFBooleanTrue), CFBooleanGetTypeID());
	CHECK_EQ(CFGetTypeID(kCFNull), CFNullGetTypeID());
	CFRelease(n1);
}

static void test_reference_counts(void) {
	CFStringRef s = CFStringCreateWithCString(NULL, "counted", kCFStringEncodingUTF8);
	if (!CHECK(s != NULL)) {
		return;
	}
	CHECK_EQ(CFGetRetainCount(s), 1);
	CHECK(CFRetain(s) == s);
	CHECK_EQ(CFGetRetainCount(s), 2);
	CFRelease(s);
	CHECK_EQ(CFGetRetainCount(s), 1);
	CFRelease(s);

	// Constants are never freed: retain and release leave them as they are.
	CFStringRef c = CFSTR("constant");
	CFIndex before = CFGetRetainCount(c);
	CHECK(before > 1000);
	CFRetain(c);
	CFRelease(c);
	CFRelease(c);
	CHECK_EQ(CFGetRetainCount(c), before);
	CHECK_EQ(CFGetRetainCount(kCFBooleanTrue), CFGetRetainCount(kCFBooleanTrue));
	CFRelease(kCFBooleanTrue);
	CHECK(CFBooleanGetValue(kCFBooleanTrue));
	CFRelease(NULL); // ignored
}

static void test_strings(void) {
	CFStringRef a = CFStringCreateWithCString(NULL, "IOSurfaceColorSpace", kCFStringEncodingUTF8);
	if (!CHECK(a != NULL)) {
		return;
	}
	CHECK(CFEqual(a, CFSTR("IOSurfaceColorSpace")));
	CHECK_EQ(CFHash(a), CFHash(CFSTR("IOSurfaceColorSpace")));
	CHECK(!CFEqual(a, CFSTR("IOSurfaceColorspace")));
	CHECK_EQ(CFStringGetLength(a), 19);
	char buf[32];
	CHECK(CFStringGetCString(a, buf, sizeof(buf), kCFStringEncodingUTF8));
	CHECK_STR_EQ(buf, "IOSurfaceColorSpace");
	CHECK(!CFStringGetCString(a, buf, 19, kCFStringEncodingUTF8)); // no room for the NUL
	CHECK(CFStringGetCString(a, buf, 20, kCFStringEncodingASCII));
	CHECK_STR_EQ(CFStringGetCStringPtr(a, kCFStringEncodingUTF8), "IOSurfaceColorSpace");
	CHECK_EQ_I(CFStringCompare(a, CFSTR("IOSurfaceColorSpace"), 0), kCFCompareEqualTo);
	CHECK_EQ_I(CFStringCompare(a, CFSTR("iosurfacecolorspace"), kCFCompareCaseInsensitive),
			kCFCompareEqualTo);
	CHECK_EQ_I(CFStringCompare(a, CFSTR("iosurfacecolorspace"), 0), kCFCompareLessThan);
	CHECK_EQ_I(CFStringCompare(CFSTR("b"), CFSTR("ab"), 0), kCFCompareGreaterThan);
	CHECK_EQ_I(CFStringCompare(CFSTR("ab"), CFSTR("abc"), 0), kCFCompareLessThan);
	CHECK(CFStringHasPrefix(a, CFSTR("IOSurface")));
	CHECK(CFStringHasSuffix(a, CFSTR("Space")));
	CHECK(CFStringCreateCopy(NULL, a) == a);
	CFRelease(a);
	CFRelease(a);

	// UTF-16 lengths, as macOS counts them; encodings.
	CFStringRef e = CFStringCreateWithCString(NULL, "h\xc3\xa9llo \xf0\x9f\x98\x80",
			kCFStringEncodingUTF8);
	if (CHECK(e != NULL)) {
		CHECK_EQ(CFStringGetLength(e), 8); // 6 + a surrogate pair
		CHECK(!CFStringGetCString(e, buf, sizeof(buf), kCFStringEncodingASCII));
		CHECK(CFStringGetCStringPtr(e, kCFStringEncodingASCII) == NULL);
		CFRelease(e);
	}
	CHECK(CFStringCreateWithCString(NULL, "\xc3\x28", kCFStringEncodingUTF8) == NULL);
	CHECK(CFStringCreateWithCString(NULL, "\xed\xa0\x80", kCFStringEncodingUTF8) == NULL);
	CHECK(CFStringCreateWithCString(NULL, "\xc0\xaf", kCFStringEncodingUTF8) == NULL);
	CHECK(CFStringCreateWithCString(NULL, "caf\xe9", kCFStringEncodingASCII) == NULL);
	CFStringRef latin = CFStringCreateWithCString(NULL, "caf\xe9", kCFStringEncodingISOLatin1);
	CFStringRef utf8 = CFStringCreateWithCString(NULL, "caf\xc3\xa9", kCFStringEncodingUTF8);
	if (CHECK(latin != NULL && utf8 != NULL)) {
		CHECK(CFEqual(latin, utf8));
		CHECK_EQ(CFHash(latin), CFHash(utf8));
	}
	CFRelease(latin);
	CFRelease(utf8);
	CHECK(CFStringCreateWithCString(NULL, "x", kCFStringEncodingInvalidId) == NULL);
	CHECK(CFStringCreateWithBytes(NULL, (const UInt8 *)"a\0b", 3, kCFStringEncodingUTF8, false) ==
			NULL);
	CFStringRef empty = CFStringCreateWithBytes(NULL, NULL, 0, kCFStringEncodingUTF8, false);
	if (CHECK(empty != NULL)) {
		CHECK_EQ(CFStringGetLength(empty), 0);
		CHECK(CFEqual(empty, CFSTR("")));
		CFRelease(empty);
	}
	CHECK_EQ(CFStringGetMaximumSizeForEncoding(10, kCFStringEncodingUTF8), 30);
}

static void test_numbers_every_type(void) {
	static const CFNumberType types[] = { kCFNumberSInt8Type, kCFNumberSInt16Type,
		kCFNumberSInt32Type, kCFNumberSInt64Type, kCFNumberFloat32Type, kCFNumberFloat64Type,
		kCFNumberCharType, kCFNumberShortType, kCFNumberIntType, kCFNumberLongType,
		kCFNumberLongLongType, kCFNumberFloatType, kCFNumberDoubleType, kCFNumberCFIndexType,
		kCFNumberNSIntegerType, kCFNumberCGFloatType };
	CFNumberRef reference = int_number(42);
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		check_context("type %d", types[i]);
		union {
			int8_t i8;
			int16_t i16;
			int32_t i32;
			int64_t i64;
			long l;
			float f;
			double d;
		} in, out;
		// The whole union, not only its first member: the bytes are compared below.
		memset(&in, 0, sizeof(in));
		memset(&out, 0, sizeof(out));
		switch (types[i]) {
		case kCFNumberSInt8Type:
		case kCFNumberCharType:
			in.i8 = 42;
			break;
		case kCFNumberSInt16Type:
		case kCFNumberShortType:
			in.i16 = 42;
			break;
		case kCFNumberSInt32Type:
		case kCFNumberIntType:
			in.i32 = 42;
			break;
		case kCFNumberLongType:
		case kCFNumberCFIndexType:
		case kCFNumberNSIntegerType:
			in.l = 42;
			break;
		case kCFNumberSInt64Type:
		case kCFNumberLongLongType:
			in.i64 = 42;
			break;
		case kCFNumberFloat32Type:
		case kCFNumberFloatType:
			in.f = 42.0f;
			break;
		default:
			in.d = 42.0;
			break;
		}
		CFNumberRef n = CFNumberCreate(NULL, types[i], &in);
		if (!CHECK(n != NULL)) {
			continue;
		}
		CHECK(CFNumberGetValue(n, types[i], &out));
		CHECK(memcmp(&in, &out, sizeof(in)) == 0);
		// 42 whatever its type: equal to the integer 42, with the same hash.
		CHECK(CFEqual(n, reference));
		CHECK_EQ(CFHash(n), CFHash(reference));
		CHECK_EQ_I(CFNumberCompare(n, reference, NULL), kCFCompareEqualTo);
		int32_t as_int = 0;
		CHECK(CFNumberGetValue(n, kCFNumberSInt32Type, &as_int));
		CHECK_EQ(as_int, 42);
		CFRelease(n);
	}
	check_context_clear();
	CFRelease(reference);
	CHECK(CFNumberCreate(NULL, (CFNumberType)0, &(int){ 1 }) == NULL);
	CHECK(CFNumberCreate(NULL, (CFNumberType)17, &(int){ 1 }) == NULL);
}

static void test_number_conversions(void) {
	CFNumberRef one = int_number(1), one_d = double_number(1.0), half = double_number(1.5);
	CHECK(CFEqual(one, one_d)); // as on macOS
	CHECK_EQ(CFHash(one), CFHash(one_d));
	CHECK(!CFEqual(one, half));
	CHECK_EQ_I(CFNumberCompare(one, half, NULL), kCFCompareLessThan);
	CHECK_EQ_I(CFNumberCompare(half, one, NULL), kCFCompareGreaterThan);
	CHECK(!CFNumberIsFloatType(one));
	CHECK(CFNumberIsFloatType(one_d));
	CHECK_EQ_I(CFNumberGetType(one), kCFNumberSInt64Type);
	CHECK_EQ_I(CFNumberGetType(one_d), kCFNumberFloat64Type);
	int32_t i32;
	CHECK(!CFNumberGetValue(half, kCFNumberSInt32Type, &i32)); // a fraction is lost
	CHECK_EQ(i32, 1);
	int i = 7;
	CFNumberRef seven = CFNumberCreate(NULL, kCFNumberIntType, &i);
	CHECK_EQ_I(CFNumberGetType(seven), kCFNumberSInt32Type);
	CHECK_EQ(CFNumberGetByteSize(seven), 4);
	CFNumberRef big = int_number(300);
	int8_t i8;
	CHECK(!CFNumberGetValue(big, kCFNumberSInt8Type, &i8)); // saturated
	CHECK_EQ_I(i8, 127);
	CFNumberRef negative = int_number(-5);
	uint32_t pixel_format;
	CHECK(CFNumberGetValue(negative, kCFNumberSInt32Type, &pixel_format));
	CHECK_EQ_I((int32_t)pixel_format, -5);
	CFNumberRef huge = int_number(INT64_MAX);
	double d;
	CHECK(!CFNumberGetValue(huge, kCFNumberDoubleType, &d)); // 2^63 - 1 is not a double
	float f;
	CFNumberRef tenth = double_number(0.1);
	CHECK(!CFNumberGetValue(tenth, kCFNumberFloat32Type, &f));
	CHECK(CFNumberGetValue(half, kCFNumberFloat32Type, &f));
	CHECK(f == 1.5f);
	CFNumberRef nan1 = double_number(NAN), nan2 = double_number(NAN);
	CHECK(CFEqual(nan1, nan2));
	CHECK(!CFEqual(nan1, one));
	// Other types never equal numbers.
	CHECK(!CFEqual(one, kCFBooleanTrue));
	CHECK(!CFEqual(kCFBooleanTrue, one));
	CHECK(!CFEqual(CFSTR("1"), one));
	CFRelease(one);
	CFRelease(one_d);
	CFRelease(half);
	CFRelease(seven);
	CFRelease(big);
	CFRelease(negative);
	CFRelease(huge);
	CFRelease(tenth);
	CFRelease(nan1);
	CFRelease(nan2);
}

static void test_booleans_and_null(void) {
	CHECK(CFBooleanGetValue(kCFBooleanTrue));
	CHECK(!CFBooleanGetValue(kCFBooleanFalse));
	CHECK(!CFEqual(kCFBooleanTrue, kCFBooleanFalse));
	CHECK(CFEqual(kCFBooleanTrue, kCFBooleanTrue));
	CHECK(CFHash(kCFBooleanTrue) != CFHash(kCFBooleanFalse));
	CHECK(CFEqual(kCFNull, kCFNull));
	CHECK(!CFEqual(kCFNull, kCFBooleanFalse));
	CHECK(!CFEqual(NULL, NULL));
}

static void test_data(void) {
	UInt8 bytes[300];
	for (size_t i = 0; i < sizeof(bytes); i++) {
		bytes[i] = (UInt8)(i * 7);
	}
	CFDataRef d = CFDataCreate(NULL, bytes, sizeof(bytes));
	if (!CHECK(d != NULL)) {
		return;
	}
	bytes[0] ^= 0xff; // copied at creation
	CHECK_EQ(CFDataGetLength(d), 300);
	CHECK_EQ(CFDataGetBytePtr(d)[0], 0);
	CHECK_EQ(CFDataGetBytePtr(d)[299], (UInt8)(299 * 7));
	UInt8 part[4];
	CFDataGetBytes(d, CFRangeMake(10, 4), part);
	CHECK_EQ(part[0], 70);
	CHECK(CFDataGetMutableBytePtr((CFMutableDataRef)d) == NULL); // immutable

	CFMutableDataRef m = CFDataCreateMutableCopy(NULL, 0, d);
	CHECK(CFEqual(m, d));
	CHECK_EQ(CFHash(m), CFHash(d));
	CFDataAppendBytes(m, (const UInt8 *)"xyz", 3);
	CHECK_EQ(CFDataGetLength(m), 303);
	CHECK_EQ(CFDataGetLength(d), 300);
	CHECK(!CFEqual(m, d));
	CFDataSetLength(m, 400);
	CHECK_EQ(CFDataGetBytePtr(m)[302], 'z');
	CHECK_EQ(CFDataGetBytePtr(m)[399], 0);
	CFDataSetLength(m, 300);
	CHECK(CFEqual(m, d));
	CFDataGetMutableBytePtr(m)[5] ^= 1;
	CHECK(!CFEqual(m, d));
	CFDataRef copy = CFDataCreateCopy(NULL, m);
	CHECK(CFEqual(copy, m));
	CHECK(copy != (CFDataRef)m);
	CHECK(CFDataCreateCopy(NULL, d) == d); // an immutable copy of immutable data is itself
	CFRelease(d);
	CFRelease(d);
	CFRelease(copy);
	CFRelease(m);

	CFMutableDataRef grow = CFDataCreateMutable(NULL, 0);
	for (int i = 0; i < 10000; i++) {
		UInt8 b = (UInt8)i;
		CFDataAppendBytes(grow, &b, 1);
	}
	CHECK_EQ(CFDataGetLength(grow), 10000);
	CHECK_EQ(CFDataGetBytePtr(grow)[9999], (UInt8)9999);
	CFRelease(grow);
}

static void test_arrays(void) {
	CFStringRef item = CFStringCreateWithCString(NULL, "plane", kCFStringEncodingUTF8);
	CFMutableArrayRef a = CFArrayCreateMutable(NULL, 0, &kCFTypeArrayCallBacks);
	CFArrayAppendValue(a, item);
	CHECK_EQ(CFGetRetainCount(item), 2); // the kCFType callbacks retain
	CFArrayAppendValue(a, item);
	CHECK_EQ(CFGetRetainCount(item), 3);
	CHECK_EQ(CFArrayGetCount(a), 2);
	CHECK(CFArrayGetValueAtIndex(a, 1) == item);
	CFArrayRemoveValueAtIndex(a, 0);
	CHECK_EQ(CFGetRetainCount(item), 2);

	// Copies: immutable and mutable, each holding its own references.
	CFArrayRef copy = CFArrayCreateCopy(NULL, a);
	CHECK_EQ(CFGetRetainCount(item), 3);
	CFMutableArrayRef mcopy = CFArrayCreateMutableCopy(NULL, 0, a);
	CFArrayAppendValue(mcopy, CFSTR("more"));
	CHECK_EQ(CFArrayGetCount(a), 1);
	CHECK_EQ(CFArrayGetCount(mcopy), 2);
	CHECK(CFEqual(copy, a));
	CHECK(!CFEqual(mcopy, a));
	CFArrayAppendValue((CFMutableArrayRef)copy, item); // refused: immutable
	CHECK_EQ(CFArrayGetCount(copy), 1);
	CFRelease(copy);
	CFRelease(mcopy);
	CHECK_EQ(CFGetRetainCount(item), 2);
	CFArrayRemoveAllValues(a);
	CHECK_EQ(CFGetRetainCount(item), 1);
	CFRelease(a);

	// Equality is by element, across number types.
	CFNumberRef one = int_number(1), one_d = double_number(1.0);
	const void *ints[] = { one, CFSTR("x") }, *doubles[] = { one_d, CFSTR("x") };
	CFArrayRef ai = CFArrayCreate(NULL, ints, 2, &kCFTypeArrayCallBacks);
	CFArrayRef ad = CFArrayCreate(NULL, doubles, 2, &kCFTypeArrayCallBacks);
	CHECK(CFEqual(ai, ad));
	CHECK_EQ(CFHash(ai), CFHash(ad));
	CHECK(CFArrayContainsValue(ai, CFRangeMake(0, 2), one_d));
	CHECK_EQ_I(CFArrayGetFirstIndexOfValue(ad, CFRangeMake(0, 2), CFSTR("x")), 1);
	CHECK_EQ_I(CFArrayGetFirstIndexOfValue(ad, CFRangeMake(0, 1), CFSTR("x")), kCFNotFound);
	CFRelease(ai);
	CFRelease(ad);

	// NULL callbacks: plain pointers, not retained.
	CFMutableArrayRef raw = CFArrayCreateMutable(NULL, 0, NULL);
	CFArrayAppendValue(raw, one);
	CHECK_EQ(CFGetRetainCount(one), 1);
	CFArrayInsertValueAtIndex(raw, 0, one_d);
	CFArraySetValueAtIndex(raw, 2, item);
	CHECK_EQ(CFArrayGetCount(raw), 3);
	CHECK(CFArrayGetValueAtIndex(raw, 0) == one_d);
	CHECK(CFArrayGetValueAtIndex(raw, 1) == one);
	CHECK(CFArrayGetValueAtIndex(raw, 7) == NULL); // out of bounds, logged
	CFRelease(raw);
	CHECK_EQ(CFGetRetainCount(one), 1);

	// Growth.
	CFMutableArrayRef many = CFArrayCreateMutable(NULL, 1, &kCFTypeArrayCallBacks);
	for (int i = 0; i < 5000; i++) {
		CFNumberRef n = int_number(i);
		CFArrayAppendValue(many, n);
		CFRelease(n);
	}
	CHECK_EQ(CFArrayGetCount(many), 5000);
	int64_t last = 0;
	CFNumberGetValue(CFArrayGetValueAtIndex(many, 4999), kCFNumberSInt64Type, &last);
	CHECK_EQ(last, 4999);
	CFRelease(many);
	CFRelease(one);
	CFRelease(one_d);
	CFRelease(item);
}

static void count_pairs(const void *key, const void *value, void *context) {
	(*(int *)context)++;
}

static void test_dictionaries(void) {
	CFMutableDictionaryRef d = CFDictionaryCreateMutable(NULL, 0, &kCFTypeDictionaryKeyCallBacks,
			&kCFTypeDictionaryValueCallBacks);
	CFStringRef key = CFStringCreateWithCString(NULL, "IOSurfaceWidth", kCFStringEncodingUTF8);
	CFNumberRef w = int_number(1920), w2 = int_number(3840);
	CFDictionaryAddValue(d, key, w);
	CHECK_EQ(CFGetRetainCount(key), 2);
	CHECK_EQ(CFGetRetainCount(w), 2);
	// Found with an equal key of another object (a constant string).
	CHECK(CFDictionaryGetValue(d, CFSTR("IOSurfaceWidth")) == w);
	CFDictionaryAddValue(d, CFSTR("IOSurfaceWidth"), w2); // present: nothing changes
	CHECK(CFDictionaryGetValue(d, key) == w);
	CFDictionaryReplaceValue(d, CFSTR("absent"), w2); // absent: nothing changes
	CHECK(!CFDictionaryContainsKey(d, CFSTR("absent")));
	CFDictionarySetValue(d, CFSTR("IOSurfaceWidth"), w2);
	CHECK(CFDictionaryGetValue(d, key) == w2);
	CHECK_EQ(CFGetRetainCount(w), 1); // the replaced value was released
	CHECK_EQ(CFDictionaryGetCount(d), 1);
	CHECK(CFDictionaryContainsValue(d, w2));
	CFDictionaryRemoveValue(d, key);
	CHECK_EQ(CFDictionaryGetCount(d), 0);
	CHECK_EQ(CFGetRetainCount(key), 1);
	CHECK_EQ(CFGetRetainCount(w2), 1);

	// Number keys find each other across types, as hash and equality agree.
	CFNumberRef one = int_number(1), one_d = double_number(1.0);
	CFDictionarySetValue(d, one_d, CFSTR("one"));
	CHECK(CFDictionaryGetValue(d, one) != NULL);
	CHECK(CFEqual(CFDictionaryGetValue(d, one), CFSTR("one")));

	// Growth to thousands of keys of two types, then removal of half.
	for (int i = 0; i < 3000; i++) {
		CFNumberRef k = int_number(i + 10);
		char text[32];
		snprintf(text, sizeof(text), "key-%d", i);
		CFStringRef sk = CFStringCreateWithCString(NULL, text, kCFStringEncodingUTF8);
		CFDictionarySetValue(d, k, sk);
		CFDictionarySetValue(d, sk, k);
		CFRelease(k);
		CFRelease(sk);
	}
	CHECK_EQ(CFDictionaryGetCount(d), 6001);
	bool all_found = true;
	for (int i = 0; i < 3000; i += 7) {
		CFNumberRef k = int_number(i + 10);
		char text[32];
		snprintf(text, sizeof(text), "key-%d", i);
		CFStringRef sk = CFStringCreateWithCString(NULL, text, kCFStringEncodingUTF8);
		all_found &= CFEqual(CFDictionaryGetValue(d, k), sk);
		all_found &= CFEqual(CFDictionaryGetValue(d, sk), k);
		CFRelease(k);
		CFRelease(sk);
	}
	CHECK(all_found);
	for (int i = 0; i < 3000; i += 2) {
		CFNumberRef k = int_number(i + 10);
		CFDictionaryRemoveValue(d, k);
		CFRelease(k);
	}
	CHECK_EQ(CFDictionaryGetCount(d), 4501);
	CFNumberRef k11 = int_number(11), k12 = int_number(12);
	CHECK(CFDictionaryGetValue(d, k11) != NULL);
	CHECK(CFDictionaryGetValue(d, k12) == NULL);
	int pairs = 0;
	CFDictionaryApplyFunction(d, count_pairs, &pairs);
	CHECK_EQ(pairs, 4501);

	// Mutable copies are independent; equality is by content, not order.
	CFMutableDictionaryRef copy = CFDictionaryCreateMutableCopy(NULL, 0, d);
	CHECK(CFEqual(copy, d));
	CFDictionaryRemoveValue(copy, k11);
	CHECK(!CFEqual(copy, d));
	CHECK(CFDictionaryGetValue(d, k11) != NULL);
	CFDictionaryRef frozen = CFDictionaryCreateCopy(NULL, copy);
	CFDictionarySetValue((CFMutableDictionaryRef)frozen, k11, k11); // refused: immutable
	CHECK(CFEqual(frozen, copy));
	CFRelease(frozen);
	CFRelease(copy);

	const void *keys[] = { CFSTR("a"), CFSTR("b"), CFSTR("a") };
	const void *values[] = { one, one_d, w };
	CFDictionaryRef made = CFDictionaryCreate(NULL, keys, values, 3, &kCFTypeDictionaryKeyCallBacks,
			&kCFTypeDictionaryValueCallBacks);
	CHECK_EQ(CFDictionaryGetCount(made), 2);
	CHECK(CFDictionaryGetValue(made, CFSTR("a")) == w); // the last pair of a key wins
	const void *rev_keys[] = { CFSTR("b"), CFSTR("a") };
	const void *rev_values[] = { one, w };
	CFDictionaryRef reordered = CFDictionaryCreate(NULL, rev_keys, rev_values, 2,
			&kCFTypeDictionaryKeyCallBacks, &kCFTypeDictionaryValueCallBacks);
	CHECK(CFEqual(made, reordered)); // b: 1.0 equals 1
	CHECK_EQ(CFHash(made), CFHash(reordered));
	CFRelease(made);
	CFRelease(reordered);

	CFDictionaryRemoveAllValues(d);
	CHECK_EQ(CFDictionaryGetCount(d), 0);
	CHECK_EQ(CFGetRetainCount(one_d), 1);
	CHECK(CFDictionaryGetValue(d, k11) == NULL);
	CFDictionarySetValue(d, k11, k12); // usable after being emptied
	CHECK(CFDictionaryGetValue(d, k11) == k12);
	CFRelease(d);
	CHECK_EQ(CFGetRetainCount(k12), 1);

	// NULL callbacks: pointer keys, nothing retained.
	CFMutableDictionaryRef raw = CFDictionaryCreateMutable(NULL, 0, NULL, NULL);
	CFDictionarySetValue(raw, one, one_d);
	CHECK_EQ(CFGetRetainCount(one), 1);
	CHECK(CFDictionaryGetValue(raw, one) == one_d);
	CHECK(CFDictionaryGetValue(raw, one_d) == NULL); // equal but another pointer
	CFRelease(raw);

	CFRelease(k11);
	CFRelease(k12);
	CFRelease(one);
	CFRelease(one_d);
	CFRelease(key);
	CFRelease(w);
	CFRelease(w2);
}

static void test_nested_equality(void) {
	CFMutableDictionaryRef a = CFDictionaryCreateMutable(NULL, 0, &kCFTypeDictionaryKeyCallBacks,
			&kCFTypeDictionaryValueCallBacks);
	CFMutableDictionaryRef b = CFDictionaryCreateMutable(NULL, 0, &kCFTypeDictionaryKeyCallBacks,
			&kCFTypeDictionaryValueCallBacks);
	CFMutableArrayRef pa = CFArrayCreateMutable(NULL, 0, &kCFTypeArrayCallBacks);
	CFMutableArrayRef pb = CFArrayCreateMutable(NULL, 0, &kCFTypeArrayCallBacks);
	CFNumberRef n = int_number(64);
	CFNumberRef nd = double_number(64.0);
	CFArrayAppendValue(pa, n);
	CFArrayAppendValue(pb, nd);
	CFDictionarySetValue(a, CFSTR("planes"), pa);
	CFDictionarySetValue(b, CFSTR("planes"), pb);
	CHECK(CFEqual(a, b));
	CFArrayAppendValue(pb, kCFBooleanTrue);
	CHECK(!CFEqual(a, b));
	CFRelease(a);
	CFRelease(b);
	CFRelease(pa);
	CFRelease(pb);
	CFRelease(n);
	CFRelease(nd);
}

static bool fd_open(int fd) {
	return fcntl(fd, F_GETFD) >= 0;
}

static void test_mach_send_rights(void) {
	int pipe_fds[2];
	if (!CHECK(pipe(pipe_fds) == 0)) {
		return;
	}
	close(pipe_fds[1]);
	int fd = pipe_fds[0];
	mach_port_t port = iosurface_mach_port_adopt_fd(fd);
	CHECK(MACH_PORT_VALID(port));
	CHECK(port != (mach_port_t)fd); // a name, not the descriptor: 0 stays MACH_PORT_NULL
	CHECK_EQ_I(iosurface_mach_port_get_fd(port), fd);
	mach_port_urefs_t refs = 0;
	CHECK_EQ_I(mach_port_get_refs(mach_task_self(), port, MACH_PORT_RIGHT_SEND, &refs),
			KERN_SUCCESS);
	CHECK_EQ(refs, 1);
	// A scoped port's copy adds a send right; each drop takes one; the last closes.
	CHECK_EQ_I(mach_port_mod_refs(mach_task_self(), port, MACH_PORT_RIGHT_SEND, 1), KERN_SUCCESS);
	CHECK_EQ_I(mach_port_get_refs(mach_task_self(), port, MACH_PORT_RIGHT_SEND, &refs),
			KERN_SUCCESS);
	CHECK_EQ(refs, 2);
	CHECK_EQ_I(mach_port_mod_refs(mach_task_self(), port, MACH_PORT_RIGHT_SEND, -3),
			KERN_INVALID_VALUE);
	CHECK_EQ_I(mach_port_mod_refs(mach_task_self(), port, MACH_PORT_RIGHT_RECEIVE, -1),
			KERN_INVALID_RIGHT);
	CHECK_EQ_I(mach_port_deallocate(mach_task_self() + 1, port), KERN_INVALID_TASK);
	CHECK_EQ_I(mach_port_deallocate(mach_task_self(), port), KERN_SUCCESS);
	CHECK(fd_open(fd));
	CHECK_EQ_I(mach_port_deallocate(mach_task_self(), port), KERN_SUCCESS);
	CHECK(!fd_open(fd));
	CHECK_EQ_I(mach_port_deallocate(mach_task_self(), port), KERN_INVALID_NAME);
	CHECK_EQ_I(iosurface_mach_port_get_fd(port), -1);
	CHECK_EQ_I(mach_port_deallocate(mach_task_self(), MACH_PORT_NULL), KERN_INVALID_NAME);
	CHECK_EQ_I(mach_port_deallocate(mach_task_self(), MACH_PORT_DEAD), KERN_INVALID_NAME);
	CHECK(iosurface_mach_port_adopt_fd(-1) == MACH_PORT_NULL);
	CHECK_STR_EQ(mach_error_string(KERN_SUCCESS), "(os/kern) successful");
}

int main(void) {
	RUN_TEST(test_type_ids);
	RUN_TEST(test_reference_counts);
	RUN_TEST(test_strings);
	RUN_TEST(test_numbers_every_type);
	RUN_TEST(test_number_conversions);
	RUN_TEST(test_booleans_and_null);
	RUN_TEST(test_data);
	RUN_TEST(test_arrays);
	RUN_TEST(test_dictionaries);
	RUN_TEST(test_nested_equality);
	RUN_TEST(test_mach_send_rights);
	return check_report();
}
