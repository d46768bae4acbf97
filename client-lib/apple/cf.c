/*
 * The CoreFoundation subset of the porting kit: the object runtime (types, atomic reference
 * counts, equality and hashing) and the value types IOSurface code stores.
 */
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cf-private.h"

enum {
	TYPE_NULL = 16,
	TYPE_DICTIONARY = 18,
	TYPE_ARRAY = 19,
	TYPE_DATA = 20,
	TYPE_BOOLEAN = 21,
	TYPE_NUMBER = 22,
	TYPE_FIRST_REGISTERED = 64,
	TYPE_LIMIT = 128,
};

_Static_assert(__CF_STRING_TYPE_ID == 7, "CFSTR() names the string type");
#define TYPE_STRING __CF_STRING_TYPE_ID

struct __CFString {
	struct cf_header h;
	const char *bytes;
	long length;
	char storage[];
};

_Static_assert(offsetof(struct __CFString, bytes) == offsetof(struct __CFConstStr, bytes),
		"CFSTR() constants are strings");
_Static_assert(offsetof(struct __CFString, length) == offsetof(struct __CFConstStr, length),
		"CFSTR() constants are strings");

struct __CFNumber {
	struct cf_header h;
	CFNumberType type; /* canonical: SInt8..SInt64, Float32, Float64 */
	bool is_float;
	int64_t i;
	double d;
};

struct __CFBoolean {
	struct cf_header h;
	bool value;
};

struct __CFNull {
	struct cf_header h;
};

struct __CFData {
	struct cf_header h;
	bool mutable;
	UInt8 *bytes;
	CFIndex length, capacity;
};

struct __CFArray {
	struct cf_header h;
	bool mutable;
	CFArrayCallBacks cb;
	const void **values;
	CFIndex count, capacity;
};

struct __CFDictionary {
	struct cf_header h;
	bool mutable;
	CFDictionaryKeyCallBacks kcb;
	CFDictionaryValueCallBacks vcb;
	const void **keys, **values;
	CFHashCode *hashes;
	CFIndex count, capacity;
	/* Open addressing: entry index + 1, 0 for empty; size a power of two, at most half full. */
	CFIndex *index;
	size_t index_size;
};

static void cf_warn(const char *fmt, ...) {
	va_list args;
	va_start(args, fmt);
	fprintf(stderr, "iosurface-apple: ");
	vfprintf(stderr, fmt, args);
	fprintf(stderr, "\n");
	va_end(args);
}

/* ---- Runtime ---- */

static const struct cf_class *classes[TYPE_LIMIT];
static CFTypeID next_type = TYPE_FIRST_REGISTERED;
static pthread_mutex_t classes_lock = PTHREAD_MUTEX_INITIALIZER;

CFTypeID cf_register_class(const struct cf_class *cls) {
	pthread_mutex_lock(&classes_lock);
	CFTypeID id = 0;
	if (next_type < TYPE_LIMIT) {
		id = next_type++;
		classes[id] = cls;
	}
	pthread_mutex_unlock(&classes_lock);
	return id;
}

static const struct cf_class *class_of(CFTypeID type) {
	if (type < TYPE_FIRST_REGISTERED || type >= TYPE_LIMIT) {
		return NULL;
	}
	pthread_mutex_lock(&classes_lock);
	const struct cf_class *cls = classes[type];
	pthread_mutex_unlock(&classes_lock);
	return cls;
}

static void *cf_alloc(unsigned long type, size_t size) {
	struct cf_header *h = calloc(1, size);
	if (h != NULL) {
		h->type = type;
		h->refs = 1;
	}
	return h;
}

void *cf_create_instance(CFTypeID type, size_t size) {
	return cf_alloc(type, size);
}

static const struct cf_header *header(CFTypeRef cf) {
	return cf;
}

bool cf_is(CFTypeRef cf, CFTypeID type) {
	return cf != NULL && header(cf)->type == type;
}

bool cf_retain_if_alive(CFTypeRef cf) {
	struct cf_header *h = (struct cf_header *)cf;
	long refs = __atomic_load_n(&h->refs, __ATOMIC_RELAXED);
	while (refs != 0) {
		if (refs < 0) {
			return true;
		}
		if (__atomic_compare_exchange_n(&h->refs, &refs, refs + 1, true, __ATOMIC_ACQUIRE,
					__ATOMIC_RELAXED)) {
			return true;
		}
	}
	return false;
}

CF_EXPORT CFTypeRef CFRetain(CFTypeRef cf) {
	if (cf == NULL) {
		cf_warn("CFRetain(NULL)");
		return NULL;
	}
	struct cf_header *h = (struct cf_header *)cf;
	if (__atomic_load_n(&h->refs, __ATOMIC_RELAXED) >= 0) {
		__atomic_fetch_add(&h->refs, 1, __ATOMIC_RELAXED);
	}
	return cf;
}

static void finalize(CFTypeRef cf);

CF_EXPORT void CFRelease(CFTypeRef cf) {
	if (cf == NULL) {
		return;
	}
	struct cf_header *h = (struct cf_header *)cf;
	if (__atomic_load_n(&h->refs, __ATOMIC_RELAXED) < 0) {
		return;
	}
	if (__atomic_sub_fetch(&h->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		finalize(cf);
		free(h);
	}
}

CF_EXPORT CFIndex CFGetRetainCount(CFTypeRef cf) {
	long refs = __atomic_load_n(&header(cf)->refs, __ATOMIC_RELAXED);
	return refs < 0 ? LONG_MAX : refs;
}

CF_EXPORT CFTypeID CFGetTypeID(CFTypeRef cf) {
	return header(cf)->type;
}

static void release_all(const void **values, CFIndex count,
		void (*release)(CFAllocatorRef, const void *)) {
	if (release == NULL) {
		return;
	}
	for (CFIndex i = 0; i < count; i++) {
		release(NULL, values[i]);
	}
}

static void finalize(CFTypeRef cf) {
	switch (header(cf)->type) {
	case TYPE_DATA:
		free(((struct __CFData *)cf)->bytes);
		break;
	case TYPE_ARRAY: {
		struct __CFArray *a = (struct __CFArray *)cf;
		release_all(a->values, a->count, a->cb.release);
		free(a->values);
		break;
	}
	case TYPE_DICTIONARY: {
		struct __CFDictionary *d = (struct __CFDictionary *)cf;
		release_all(d->keys, d->count, d->kcb.release);
		release_all(d->values, d->count, d->vcb.release);
		free(d->keys);
		free(d->values);
		free(d->hashes);
		free(d->index);
		break;
	}
	default: {
		const struct cf_class *cls = class_of(header(cf)->type);
		if (cls != NULL && cls->finalize != NULL) {
			cls->finalize(cf);
		}
		break;
	}
	}
}

static CFHashCode hash_bytes(const void *data, size_t len) {
	// FNV-1a, 64 bits
	const unsigned char *p = data;
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < len; i++) {
		h = (h ^ p[i]) * 0x100000001b3ull;
	}
	return (CFHashCode)h;
}

static bool double_as_int64(double d, int64_t *out) {
	if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0) || d != floor(d)) {
		return false;
	}
	*out = (int64_t)d;
	return true;
}

static Boolean number_equal(const struct __CFNumber *a, const struct __CFNumber *b);
static Boolean array_equal(const struct __CFArray *a, const struct __CFArray *b);
static Boolean dictionary_equal(const struct __CFDictionary *a, const struct __CFDictionary *b);

CF_EXPORT Boolean CFEqual(CFTypeRef cf1, CFTypeRef cf2) {
	if (cf1 == cf2) {
		return cf1 != NULL;
	}
	if (cf1 == NULL || cf2 == NULL || header(cf1)->type != header(cf2)->type) {
		return false;
	}
	switch (header(cf1)->type) {
	case TYPE_STRING: {
		const struct __CFString *a = cf1, *b = cf2;
		return a->length == b->length && memcmp(a->bytes, b->bytes, (size_t)a->length) == 0;
	}
	case TYPE_NUMBER:
		return number_equal(cf1, cf2);
	case TYPE_BOOLEAN:
		return ((const struct __CFBoolean *)cf1)->value == ((const struct __CFBoolean *)cf2)->value;
	case TYPE_NULL:
		return true;
	case TYPE_DATA: {
		const struct __CFData *a = cf1, *b = cf2;
		return a->length == b->length &&
				(a->length == 0 || memcmp(a->bytes, b->bytes, (size_t)a->length) == 0);
	}
	case TYPE_ARRAY:
		return array_equal(cf1, cf2);
	case TYPE_DICTIONARY:
		return dictionary_equal(cf1, cf2);
	default: {
		const struct cf_class *cls = class_of(header(cf1)->type);
		return cls != NULL && cls->equal != NULL && cls->equal(cf1, cf2);
	}
	}
}

CF_EXPORT CFHashCode CFHash(CFTypeRef cf) {
	switch (header(cf)->type) {
	case TYPE_STRING: {
		const struct __CFString *s = cf;
		return hash_bytes(s->bytes, (size_t)s->length);
	}
	case TYPE_NUMBER: {
		// Equal numbers hash alike whatever their type: integral values hash as integers.
		const struct __CFNumber *n = cf;
		int64_t i = n->i;
		if (n->is_float && !double_as_int64(n->d, &i)) {
			return hash_bytes(&n->d, sizeof(n->d));
		}
		return hash_bytes(&i, sizeof(i));
	}
	case TYPE_BOOLEAN:
		return ((const struct __CFBoolean *)cf)->value ? 1 : 0;
	case TYPE_NULL:
		return 0x4e554c4c;
	case TYPE_DATA: {
		const struct __CFData *d = cf;
		size_t n = d->length < 80 ? (size_t)d->length : 80;
		return hash_bytes(d->bytes, n) ^ (CFHashCode)d->length;
	}
	case TYPE_ARRAY:
		return (CFHashCode)((const struct __CFArray *)cf)->count;
	case TYPE_DICTIONARY:
		return (CFHashCode)((const struct __CFDictionary *)cf)->count;
	default: {
		const struct cf_class *cls = class_of(header(cf)->type);
		if (cls != NULL && cls->hash != NULL) {
			return cls->hash(cf);
		}
		return (CFHashCode)(uintptr_t)cf;
	}
	}
}

/* ---- CFString ---- */

CF_EXPORT CFTypeID CFStringGetTypeID(void) {
	return TYPE_STRING;
}

const char *cf_string_utf8(CFStringRef s) {
	return s->bytes;
}

char *cf_string_dup(CFStringRef s) {
	char *copy = malloc((size_t)s->length + 1);
	if (copy != NULL) {
		memcpy(copy, s->bytes, (size_t)s->length + 1);
	}
	return copy;
}

/* Length of the UTF-8 sequence starting at p (within len bytes); 0 if invalid. */
static size_t utf8_sequence(const unsigned char *p, size_t len, uint32_t *cp) {
	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	size_t n = p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc2 ? 2 : 0;
	if (n == 0 || (n == 4 && p[0] > 0xf4) || n > len) {
		return 0;
	}
	uint32_t c = p[0] & (0x7f >> n);
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80) {
			return 0;
		}
		c = c << 6 | (p[i] & 0x3f);
	}
	static const uint32_t min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	if (c < min[n] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
		return 0;
	}
	*cp = c;
	return n;
}

static CFStringRef string_from_utf8(const char *bytes, size_t len) {
	struct __CFString *s = cf_alloc(TYPE_STRING, sizeof(*s) + len + 1);
	if (s == NULL) {
		return NULL;
	}
	if (len > 0) {
		memcpy(s->storage, bytes, len);
	}
	s->storage[len] = '\0';
	s->bytes = s->storage;
	s->length = (long)len;
	return s;
}

CF_EXPORT CFStringRef CFStringCreateWithBytes(CFAllocatorRef alloc, const UInt8 *bytes,
		CFIndex numBytes, CFStringEncoding encoding, Boolean isExternalRepresentation) {
	if (numBytes < 0 || (bytes == NULL && numBytes != 0)) {
		return NULL;
	}
	size_t len = (size_t)numBytes;
	if (len > 0 && memchr(bytes, '\0', len) != NULL) {
		return NULL;
	}
	switch (encoding) {
	case kCFStringEncodingUTF8:
		for (size_t i = 0; i < len;) {
			uint32_t cp;
			size_t n = utf8_sequence(bytes + i, len - i, &cp);
			if (n == 0) {
				return NULL;
			}
			i += n;
		}
		return string_from_utf8((const char *)bytes, len);
	case kCFStringEncodingASCII:
	case kCFStringEncodingMacRoman:
	case kCFStringEncodingNonLossyASCII:
		// MacRoman's upper half is not Latin-1; only its ASCII half is taken.
		for (size_t i = 0; i < len; i++) {
			if (bytes[i] >= 0x80) {
				return NULL;
			}
		}
		return string_from_utf8((const char *)bytes, len);
	case kCFStringEncodingISOLatin1: {
		char *utf8 = malloc(len * 2 + 1);
		if (utf8 == NULL) {
			return NULL;
		}
		size_t out = 0;
		for (size_t i = 0; i < len; i++) {
			if (bytes[i] < 0x80) {
				utf8[out++] = (char)bytes[i];
			} else {
				utf8[out++] = (char)(0xc0 | bytes[i] >> 6);
				utf8[out++] = (char)(0x80 | (bytes[i] & 0x3f));
			}
		}
		CFStringRef s = string_from_utf8(utf8, out);
		free(utf8);
		return s;
	}
	default:
		return NULL;
	}
}

CF_EXPORT CFStringRef CFStringCreateWithCString(CFAllocatorRef alloc, const char *cStr,
		CFStringEncoding encoding) {
	if (cStr == NULL) {
		return NULL;
	}
	return CFStringCreateWithBytes(alloc, (const UInt8 *)cStr, (CFIndex)strlen(cStr), encoding,
			false);
}

CF_EXPORT CFStringRef CFStringCreateCopy(CFAllocatorRef alloc, CFStringRef theString) {
	// Strings are immutable: a copy is the same object, as on macOS.
	return CFRetain(theString);
}

CF_EXPORT CFIndex CFStringGetLength(CFStringRef theString) {
	const unsigned char *p = (const unsigned char *)theString->bytes;
	size_t len = (size_t)theString->length;
	CFIndex units = 0;
	for (size_t i = 0; i < len;) {
		uint32_t cp = 0;
		size_t n = utf8_sequence(p + i, len - i, &cp);
		if (n == 0) {
			n = 1; // constant strings are not checked: count a bad byte as one unit
		}
		units += cp >= 0x10000 ? 2 : 1;
		i += n;
	}
	return units;
}

CF_EXPORT Boolean CFStringGetCString(CFStringRef theString, char *buffer, CFIndex bufferSize,
		CFStringEncoding encoding) {
	if (buffer == NULL || bufferSize <= 0) {
		return false;
	}
	size_t len = (size_t)theString->length;
	if (encoding != kCFStringEncodingUTF8) {
		if (encoding != kCFStringEncodingASCII && encoding != kCFStringEncodingMacRoman &&
				encoding != kCFStringEncodingNonLossyASCII &&
				encoding != kCFStringEncodingISOLatin1) {
			return false;
		}
		// Only ASCII text converts losslessly to these here (Latin-1 included, for brevity).
		for (size_t i = 0; i < len; i++) {
			if ((unsigned char)theString->bytes[i] >= 0x80) {
				return false;
			}
		}
	}
	if (len + 1 > (size_t)bufferSize) {
		return false;
	}
	memcpy(buffer, theString->bytes, len + 1);
	return true;
}

CF_EXPORT const char *CFStringGetCStringPtr(CFStringRef theString, CFStringEncoding encoding) {
	if (encoding == kCFStringEncodingUTF8) {
		return theString->bytes;
	}
	for (long i = 0; i < theString->length; i++) {
		if ((unsigned char)theString->bytes[i] >= 0x80) {
			return NULL;
		}
	}
	return encoding == kCFStringEncodingASCII || encoding == kCFStringEncodingMacRoman ?
			theString->bytes :
			NULL;
}

CF_EXPORT CFIndex CFStringGetMaximumSizeForEncoding(CFIndex length, CFStringEncoding encoding) {
	switch (encoding) {
	case kCFStringEncodingUTF8:
		return length > LONG_MAX / 3 ? kCFNotFound : length * 3;
	case kCFStringEncodingASCII:
	case kCFStringEncodingMacRoman:
	case kCFStringEncodingISOLatin1:
		return length;
	default:
		return kCFNotFound;
	}
}

static int fold(int c, bool insensitive) {
	return insensitive && c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

CF_EXPORT CFComparisonResult CFStringCompare(CFStringRef theString1, CFStringRef theString2,
		CFStringCompareFlags compareOptions) {
	bool insensitive = compareOptions & kCFCompareCaseInsensitive;
	const unsigned char *a = (const unsigned char *)theString1->bytes;
	const unsigned char *b = (const unsigned char *)theString2->bytes;
	size_t la = (size_t)theString1->length, lb = (size_t)theString2->length;
	for (size_t i = 0; i < la && i < lb; i++) {
		int ca = fold(a[i], insensitive), cb = fold(b[i], insensitive);
		if (ca != cb) {
			return ca < cb ? kCFCompareLessThan : kCFCompareGreaterThan;
		}
	}
	return la == lb ? kCFCompareEqualTo : la < lb ? kCFCompareLessThan : kCFCompareGreaterThan;
}

CF_EXPORT Boolean CFStringHasPrefix(CFStringRef theString, CFStringRef prefix) {
	return prefix->length <= theString->length &&
			memcmp(theString->bytes, prefix->bytes, (size_t)prefix->length) == 0;
}

CF_EXPORT Boolean CFStringHasSuffix(CFStringRef theString, CFStringRef suffix) {
	return suffix->length <= theString->length &&
			memcmp(theString->bytes + theString->length - suffix->length, suffix->bytes,
					(size_t)suffix->length) == 0;
}

/* ---- CFNumber ---- */

CF_EXPORT CFTypeID CFNumberGetTypeID(void) {
	return TYPE_NUMBER;
}

static CFNumberType canonical_type(CFNumberType type) {
	switch (type) {
	case kCFNumberSInt8Type:
	case kCFNumberCharType:
		return kCFNumberSInt8Type;
	case kCFNumberSInt16Type:
	case kCFNumberShortType:
		return kCFNumberSInt16Type;
	case kCFNumberSInt32Type:
	case kCFNumberIntType:
		return kCFNumberSInt32Type;
	case kCFNumberSInt64Type:
	case kCFNumberLongType:
	case kCFNumberLongLongType:
	case kCFNumberCFIndexType:
	case kCFNumberNSIntegerType:
		return sizeof(long) == 4 && type == kCFNumberLongType ? kCFNumberSInt32Type :
																kCFNumberSInt64Type;
	case kCFNumberFloat32Type:
	case kCFNumberFloatType:
		return kCFNumberFloat32Type;
	case kCFNumberFloat64Type:
	case kCFNumberDoubleType:
	case kCFNumberCGFloatType:
		return kCFNumberFloat64Type;
	}
	return (CFNumberType)0;
}

CF_EXPORT CFNumberRef CFNumberCreate(CFAllocatorRef allocator, CFNumberType theType,
		const void *valuePtr) {
	CFNumberType type = canonical_type(theType);
	if (type == 0 || valuePtr == NULL) {
		return NULL;
	}
	struct __CFNumber *n = cf_alloc(TYPE_NUMBER, sizeof(*n));
	if (n == NULL) {
		return NULL;
	}
	n->type = type;
	switch (theType) {
	case kCFNumberSInt8Type:
	case kCFNumberCharType:
		n->i = *(const int8_t *)valuePtr;
		break;
	case kCFNumberSInt16Type:
	case kCFNumberShortType:
		n->i = *(const int16_t *)valuePtr;
		break;
	case kCFNumberSInt32Type:
	case kCFNumberIntType:
		n->i = *(const int32_t *)valuePtr;
		break;
	case kCFNumberLongType:
		n->i = *(const long *)valuePtr;
		break;
	case kCFNumberCFIndexType:
	case kCFNumberNSIntegerType:
		n->i = *(const CFIndex *)valuePtr;
		break;
	case kCFNumberSInt64Type:
	case kCFNumberLongLongType:
		n->i = *(const int64_t *)valuePtr;
		break;
	case kCFNumberFloat32Type:
	case kCFNumberFloatType:
		n->is_float = true;
		n->d = *(const float *)valuePtr;
		break;
	case kCFNumberFloat64Type:
	case kCFNumberDoubleType:
	case kCFNumberCGFloatType:
		n->is_float = true;
		n->d = *(const double *)valuePtr;
		break;
	}
	return n;
}

CF_EXPORT CFNumberType CFNumberGetType(CFNumberRef number) {
	return number->type;
}

CF_EXPORT CFIndex CFNumberGetByteSize(CFNumberRef number) {
	switch (number->type) {
	case kCFNumberSInt8Type:
		return 1;
	case kCFNumberSInt16Type:
		return 2;
	case kCFNumberSInt32Type:
	case kCFNumberFloat32Type:
		return 4;
	default:
		return 8;
	}
}

CF_EXPORT Boolean CFNumberIsFloatType(CFNumberRef number) {
	return number->is_float;
}

bool cf_number_get_int64(CFNumberRef n, int64_t *out) {
	if (!n->is_float) {
		*out = n->i;
		return true;
	}
	return double_as_int64(n->d, out);
}

double cf_number_get_double(CFNumberRef n) {
	return n->is_float ? n->d : (double)n->i;
}

/* The integer value, saturated to [min, max]; *exact false if anything was lost. */
static int64_t number_to_int(CFNumberRef n, int64_t min, int64_t max, bool *exact) {
	int64_t v;
	if (!n->is_float) {
		v = n->i;
	} else if (isnan(n->d)) {
		*exact = false;
		return 0;
	} else if (n->d <= -9223372036854775808.0) {
		*exact = false;
		v = INT64_MIN;
	} else if (n->d >= 9223372036854775808.0) {
		*exact = false;
		v = INT64_MAX;
	} else {
		v = (int64_t)n->d; // truncates toward zero, as on macOS
		if ((double)v != n->d) {
			*exact = false;
		}
	}
	if (v < min) {
		*exact = false;
		return min;
	}
	if (v > max) {
		*exact = false;
		return max;
	}
	return v;
}

CF_EXPORT Boolean CFNumberGetValue(CFNumberRef number, CFNumberType theType, void *valuePtr) {
	if (valuePtr == NULL) {
		return false;
	}
	bool exact = true;
	switch (theType) {
	case kCFNumberSInt8Type:
	case kCFNumberCharType:
		*(int8_t *)valuePtr = (int8_t)number_to_int(number, INT8_MIN, INT8_MAX, &exact);
		return exact;
	case kCFNumberSInt16Type:
	case kCFNumberShortType:
		*(int16_t *)valuePtr = (int16_t)number_to_int(number, INT16_MIN, INT16_MAX, &exact);
		return exact;
	case kCFNumberSInt32Type:
	case kCFNumberIntType:
		*(int32_t *)valuePtr = (int32_t)number_to_int(number, INT32_MIN, INT32_MAX, &exact);
		return exact;
	case kCFNumberLongType:
		*(long *)valuePtr = (long)number_to_int(number, LONG_MIN, LONG_MAX, &exact);
		return exact;
	case kCFNumberCFIndexType:
	case kCFNumberNSIntegerType:
		*(CFIndex *)valuePtr = (CFIndex)number_to_int(number, LONG_MIN, LONG_MAX, &exact);
		return exact;
	case kCFNumberSInt64Type:
	case kCFNumberLongLongType:
		*(int64_t *)valuePtr = number_to_int(number, INT64_MIN, INT64_MAX, &exact);
		return exact;
	case kCFNumberFloat32Type:
	case kCFNumberFloatType: {
		double d = cf_number_get_double(number);
		float f = (float)d;
		*(float *)valuePtr = f;
		if (number->is_float) {
			return (double)f == d || isnan(d);
		}
		return fabs((double)f) < 9.2e18 && (int64_t)f == number->i;
	}
	case kCFNumberFloat64Type:
	case kCFNumberDoubleType:
	case kCFNumberCGFloatType: {
		double d = cf_number_get_double(number);
		*(double *)valuePtr = d;
		return number->is_float || (d < 9223372036854775808.0 && (int64_t)d == number->i);
	}
	}
	return false;
}

CF_EXPORT CFComparisonResult CFNumberCompare(CFNumberRef number, CFNumberRef otherNumber,
		void *context) {
	if (!number->is_float && !otherNumber->is_float) {
		return number->i < otherNumber->i  ? kCFCompareLessThan :
				number->i > otherNumber->i ? kCFCompareGreaterThan :
											 kCFCompareEqualTo;
	}
	long double a = number->is_float ? number->d : (long double)number->i;
	long double b = otherNumber->is_float ? otherNumber->d : (long double)otherNumber->i;
	return a < b ? kCFCompareLessThan : a > b ? kCFCompareGreaterThan : kCFCompareEqualTo;
}

static Boolean number_equal(const struct __CFNumber *a, const struct __CFNumber *b) {
	if (a->is_float && b->is_float) {
		return a->d == b->d || (isnan(a->d) && isnan(b->d));
	}
	int64_t ia, ib;
	return cf_number_get_int64(a, &ia) && cf_number_get_int64(b, &ib) && ia == ib;
}

/* ---- CFBoolean, CFNull ---- */

static const struct __CFBoolean boolean_true = { { TYPE_BOOLEAN, -1 }, true };
static const struct __CFBoolean boolean_false = { { TYPE_BOOLEAN, -1 }, false };
CF_EXPORT const CFBooleanRef kCFBooleanTrue = &boolean_true;
CF_EXPORT const CFBooleanRef kCFBooleanFalse = &boolean_false;

CF_EXPORT CFTypeID CFBooleanGetTypeID(void) {
	return TYPE_BOOLEAN;
}

CF_EXPORT Boolean CFBooleanGetValue(CFBooleanRef boolean) {
	return boolean->value;
}

static const struct __CFNull null_object = { { TYPE_NULL, -1 } };
CF_EXPORT const CFNullRef kCFNull = &null_object;

CF_EXPORT CFTypeID CFNullGetTypeID(void) {
	return TYPE_NULL;
}

/* ---- CFData ---- */

CF_EXPORT CFTypeID CFDataGetTypeID(void) {
	return TYPE_DATA;
}

static bool data_reserve(struct __CFData *d, CFIndex length) {
	if (length <= d->capacity) {
		return true;
	}
	CFIndex capacity = d->capacity > 0 ? d->capacity : 16;
	while (capacity < length) {
		if (capacity > LONG_MAX / 2) {
			return false;
		}
		capacity *= 2;
	}
	UInt8 *bytes = realloc(d->bytes, (size_t)capacity);
	if (bytes == NULL) {
		return false;
	}
	d->bytes = bytes;
	d->capacity = capacity;
	return true;
}

static struct __CFData *data_new(const UInt8 *bytes, CFIndex length, bool mutable) {
	if (length < 0 || (bytes == NULL && length > 0)) {
		return NULL;
	}
	struct __CFData *d = cf_alloc(TYPE_DATA, sizeof(*d));
	if (d == NULL) {
		return NULL;
	}
	d->mutable = mutable;
	if (!data_reserve(d, length > 0 ? length : 1)) {
		free(d);
		return NULL;
	}
	if (length > 0) {
		memcpy(d->bytes, bytes, (size_t)length);
	}
	d->length = length;
	return d;
}

CF_EXPORT CFDataRef CFDataCreate(CFAllocatorRef allocator, const UInt8 *bytes, CFIndex length) {
	return data_new(bytes, length, false);
}

CF_EXPORT CFDataRef CFDataCreateCopy(CFAllocatorRef allocator, CFDataRef theData) {
	if (!theData->mutable) {
		return CFRetain(theData);
	}
	return data_new(theData->bytes, theData->length, false);
}

CF_EXPORT CFMutableDataRef CFDataCreateMutable(CFAllocatorRef allocator, CFIndex capacity) {
	return data_new(NULL, 0, true);
}

CF_EXPORT CFMutableDataRef CFDataCreateMutableCopy(CFAllocatorRef allocator, CFIndex capacity,
		CFDataRef theData) {
	return data_new(theData->bytes, theData->length, true);
}

CF_EXPORT CFIndex CFDataGetLength(CFDataRef theData) {
	return theData->length;
}

CF_EXPORT const UInt8 *CFDataGetBytePtr(CFDataRef theData) {
	return theData->bytes;
}

CF_EXPORT UInt8 *CFDataGetMutableBytePtr(CFMutableDataRef theData) {
	return theData->mutable ? theData->bytes : NULL;
}

CF_EXPORT void CFDataGetBytes(CFDataRef theData, CFRange range, UInt8 *buffer) {
	if (range.location < 0 || range.length < 0 || range.location > theData->length - range.length) {
		cf_warn("CFDataGetBytes: range [%ld, +%ld) outside %ld bytes", range.location, range.length,
				theData->length);
		return;
	}
	memcpy(buffer, theData->bytes + range.location, (size_t)range.length);
}

CF_EXPORT void CFDataSetLength(CFMutableDataRef theData, CFIndex length) {
	if (!theData->mutable || length < 0 || !data_reserve(theData, length)) {
		cf_warn("CFDataSetLength: immutable data, bad length or out of memory");
		return;
	}
	if (length > theData->length) {
		memset(theData->bytes + theData->length, 0, (size_t)(length - theData->length));
	}
	theData->length = length;
}

CF_EXPORT void CFDataIncreaseLength(CFMutableDataRef theData, CFIndex extraLength) {
	if (extraLength < 0 || theData->length > LONG_MAX - extraLength) {
		return;
	}
	CFDataSetLength(theData, theData->length + extraLength);
}

CF_EXPORT void CFDataAppendBytes(CFMutableDataRef theData, const UInt8 *bytes, CFIndex length) {
	if (!theData->mutable || length < 0 || theData->length > LONG_MAX - length ||
			!data_reserve(theData, theData->length + length)) {
		cf_warn("CFDataAppendBytes: immutable data, bad length or out of memory");
		return;
	}
	if (length > 0) {
		memcpy(theData->bytes + theData->length, bytes, (size_t)length);
	}
	theData->length += length;
}

/* ---- Callbacks for CF objects ---- */

static const void *type_retain(CFAllocatorRef allocator, const void *value) {
	return CFRetain(value);
}

static void type_release(CFAllocatorRef allocator, const void *value) {
	CFRelease(value);
}

static Boolean type_equal(const void *a, const void *b) {
	return CFEqual(a, b);
}

static CFHashCode type_hash(const void *value) {
	return CFHash(value);
}

CF_EXPORT const CFArrayCallBacks kCFTypeArrayCallBacks = { 0, type_retain, type_release,
	CFCopyDescription, type_equal };
CF_EXPORT const CFDictionaryKeyCallBacks kCFTypeDictionaryKeyCallBacks = { 0, type_retain,
	type_release, CFCopyDescription, type_equal, type_hash };
CF_EXPORT const CFDictionaryKeyCallBacks kCFCopyStringDictionaryKeyCallBacks = { 0, type_retain,
	type_release, CFCopyDescription, type_equal, type_hash };
CF_EXPORT const CFDictionaryValueCallBacks kCFTypeDictionaryValueCallBacks = { 0, type_retain,
	type_release, CFCopyDescription, type_equal };

/* ---- CFArray ---- */

CF_EXPORT CFTypeID CFArrayGetTypeID(void) {
	return TYPE_ARRAY;
}

static bool array_reserve(struct __CFArray *a, CFIndex count) {
	if (count <= a->capacity) {
		return true;
	}
	CFIndex capacity = a->capacity > 0 ? a->capacity : 4;
	while (capacity < count) {
		capacity *= 2;
	}
	const void **values = realloc(a->values, (size_t)capacity * sizeof(*values));
	if (values == NULL) {
		return false;
	}
	a->values = values;
	a->capacity = capacity;
	return true;
}

static struct __CFArray *array_new(const void **values, CFIndex count, const CFArrayCallBacks *cb,
		bool mutable) {
	if (count < 0 || (values == NULL && count > 0)) {
		return NULL;
	}
	struct __CFArray *a = cf_alloc(TYPE_ARRAY, sizeof(*a));
	if (a == NULL) {
		return NULL;
	}
	a->mutable = mutable;
	if (cb != NULL) {
		a->cb = *cb;
	}
	if (!array_reserve(a, count > 0 ? count : 1)) {
		free(a);
		return NULL;
	}
	for (CFIndex i = 0; i < count; i++) {
		a->values[i] = a->cb.retain ? a->cb.retain(NULL, values[i]) : values[i];
	}
	a->count = count;
	return a;
}

CF_EXPORT CFArrayRef CFArrayCreate(CFAllocatorRef allocator, const void **values, CFIndex numValues,
		const CFArrayCallBacks *callBacks) {
	return array_new(values, numValues, callBacks, false);
}

CF_EXPORT CFArrayRef CFArrayCreateCopy(CFAllocatorRef allocator, CFArrayRef theArray) {
	return array_new(theArray->values, theArray->count, &theArray->cb, false);
}

CF_EXPORT CFMutableArrayRef CFArrayCreateMutable(CFAllocatorRef allocator, CFIndex capacity,
		const CFArrayCallBacks *callBacks) {
	return array_new(NULL, 0, callBacks, true);
}

CF_EXPORT CFMutableArrayRef CFArrayCreateMutableCopy(CFAllocatorRef allocator, CFIndex capacity,
		CFArrayRef theArray) {
	return array_new(theArray->values, theArray->count, &theArray->cb, true);
}

CF_EXPORT CFIndex CFArrayGetCount(CFArrayRef theArray) {
	return theArray->count;
}

static bool index_ok(const char *fn, CFIndex idx, CFIndex limit) {
	if (idx < 0 || idx >= limit) {
		cf_warn("%s: index %ld out of bounds (%ld)", fn, idx, limit);
		return false;
	}
	return true;
}

static bool range_ok(const char *fn, CFRange range, CFIndex count) {
	if (range.location < 0 || range.length < 0 || range.location > count - range.length) {
		cf_warn("%s: range [%ld, +%ld) out of bounds (%ld)", fn, range.location, range.length,
				count);
		return false;
	}
	return true;
}

CF_EXPORT const void *CFArrayGetValueAtIndex(CFArrayRef theArray, CFIndex idx) {
	return index_ok("CFArrayGetValueAtIndex", idx, theArray->count) ? theArray->values[idx] : NULL;
}

CF_EXPORT void CFArrayGetValues(CFArrayRef theArray, CFRange range, const void **values) {
	if (range_ok("CFArrayGetValues", range, theArray->count)) {
		memcpy(values, theArray->values + range.location, (size_t)range.length * sizeof(*values));
	}
}

static bool array_item_equal(CFArrayRef a, const void *item, const void *value) {
	return item == value || (a->cb.equal != NULL && a->cb.equal(item, value));
}

CF_EXPORT CFIndex CFArrayGetFirstIndexOfValue(CFArrayRef theArray, CFRange range,
		const void *value) {
	if (!range_ok("CFArrayGetFirstIndexOfValue", range, theArray->count)) {
		return kCFNotFound;
	}
	for (CFIndex i = range.location; i < range.location + range.length; i++) {
		if (array_item_equal(theArray, theArray->values[i], value)) {
			return i;
		}
	}
	return kCFNotFound;
}

CF_EXPORT Boolean CFArrayContainsValue(CFArrayRef theArray, CFRange range, const void *value) {
	return CFArrayGetFirstIndexOfValue(theArray, range, value) != kCFNotFound;
}

static bool array_mutable(const char *fn, CFMutableArrayRef a) {
	if (!a->mutable) {
		cf_warn("%s on an immutable array", fn);
	}
	return a->mutable;
}

CF_EXPORT void CFArrayInsertValueAtIndex(CFMutableArrayRef theArray, CFIndex idx,
		const void *value) {
	if (!array_mutable("CFArrayInsertValueAtIndex", theArray) ||
			!index_ok("CFArrayInsertValueAtIndex", idx, theArray->count + 1) ||
			!array_reserve(theArray, theArray->count + 1)) {
		return;
	}
	memmove(theArray->values + idx + 1, theArray->values + idx,
			(size_t)(theArray->count - idx) * sizeof(*theArray->values));
	theArray->values[idx] = theArray->cb.retain ? theArray->cb.retain(NULL, value) : value;
	theArray->count++;
}

CF_EXPORT void CFArrayAppendValue(CFMutableArrayRef theArray, const void *value) {
	CFArrayInsertValueAtIndex(theArray, theArray->count, value);
}

CF_EXPORT void CFArraySetValueAtIndex(CFMutableArrayRef theArray, CFIndex idx, const void *value) {
	if (!array_mutable("CFArraySetValueAtIndex", theArray)) {
		return;
	}
	if (idx == theArray->count) {
		CFArrayAppendValue(theArray, value);
		return;
	}
	if (!index_ok("CFArraySetValueAtIndex", idx, theArray->count)) {
		return;
	}
	const void *old = theArray->values[idx];
	theArray->values[idx] = theArray->cb.retain ? theArray->cb.retain(NULL, value) : value;
	if (theArray->cb.release) {
		theArray->cb.release(NULL, old);
	}
}

CF_EXPORT void CFArrayRemoveValueAtIndex(CFMutableArrayRef theArray, CFIndex idx) {
	if (!array_mutable("CFArrayRemoveValueAtIndex", theArray) ||
			!index_ok("CFArrayRemoveValueAtIndex", idx, theArray->count)) {
		return;
	}
	const void *old = theArray->values[idx];
	memmove(theArray->values + idx, theArray->values + idx + 1,
			(size_t)(theArray->count - idx - 1) * sizeof(*theArray->values));
	theArray->count--;
	if (theArray->cb.release) {
		theArray->cb.release(NULL, old);
	}
}

CF_EXPORT void CFArrayRemoveAllValues(CFMutableArrayRef theArray) {
	if (!array_mutable("CFArrayRemoveAllValues", theArray)) {
		return;
	}
	CFIndex count = theArray->count;
	theArray->count = 0;
	release_all(theArray->values, count, theArray->cb.release);
}

static Boolean array_equal(const struct __CFArray *a, const struct __CFArray *b) {
	if (a->count != b->count) {
		return false;
	}
	for (CFIndex i = 0; i < a->count; i++) {
		if (!array_item_equal(a, a->values[i], b->values[i])) {
			return false;
		}
	}
	return true;
}

/* ---- CFDictionary ---- */

CF_EXPORT CFTypeID CFDictionaryGetTypeID(void) {
	return TYPE_DICTIONARY;
}

static CFHashCode key_hash(CFDictionaryRef d, const void *key) {
	return d->kcb.hash != NULL ? d->kcb.hash(key) : (CFHashCode)(uintptr_t)key;
}

static bool key_equal(CFDictionaryRef d, const void *a, const void *b) {
	return a == b || (d->kcb.equal != NULL && d->kcb.equal(a, b));
}

static bool value_equal(CFDictionaryRef d, const void *a, const void *b) {
	return a == b || (d->vcb.equal != NULL && d->vcb.equal(a, b));
}

static void index_insert(struct __CFDictionary *d, CFIndex entry) {
	size_t mask = d->index_size - 1;
	size_t slot = (size_t)d->hashes[entry] & mask;
	while (d->index[slot] != 0) {
		slot = (slot + 1) & mask;
	}
	d->index[slot] = entry + 1;
}

static bool index_rebuild(struct __CFDictionary *d, size_t size) {
	CFIndex *index = calloc(size, sizeof(*index));
	if (index == NULL) {
		return false;
	}
	free(d->index);
	d->index = index;
	d->index_size = size;
	for (CFIndex i = 0; i < d->count; i++) {
		index_insert(d, i);
	}
	return true;
}

/* Entry of key, or -1. */
static CFIndex dict_find(CFDictionaryRef d, const void *key) {
	if (d->count == 0) {
		return -1;
	}
	CFHashCode hash = key_hash(d, key);
	size_t mask = d->index_size - 1;
	for (size_t slot = (size_t)hash & mask;; slot = (slot + 1) & mask) {
		CFIndex entry = d->index[slot];
		if (entry == 0) {
			return -1;
		}
		entry--;
		if (d->hashes[entry] == hash && key_equal(d, d->keys[entry], key)) {
			return entry;
		}
	}
}

static bool dict_reserve(struct __CFDictionary *d, CFIndex count) {
	if (count > d->capacity) {
		CFIndex capacity = d->capacity > 0 ? d->capacity * 2 : 8;
		while (capacity < count) {
			capacity *= 2;
		}
		const void **keys = realloc(d->keys, (size_t)capacity * sizeof(*keys));
		if (keys == NULL) {
			return false;
		}
		d->keys = keys;
		const void **values = realloc(d->values, (size_t)capacity * sizeof(*values));
		if (values == NULL) {
			return false;
		}
		d->values = values;
		CFHashCode *hashes = realloc(d->hashes, (size_t)capacity * sizeof(*hashes));
		if (hashes == NULL) {
			return false;
		}
		d->hashes = hashes;
		d->capacity = capacity;
	}
	if ((size_t)count * 2 > d->index_size) {
		size_t size = d->index_size > 0 ? d->index_size : 16;
		while ((size_t)count * 2 > size) {
			size *= 2;
		}
		return index_rebuild(d, size);
	}
	return true;
}

static void dict_add(struct __CFDictionary *d, const void *key, const void *value) {
	if (!dict_reserve(d, d->count + 1)) {
		cf_warn("CFDictionary: out of memory");
		return;
	}
	CFIndex entry = d->count++;
	d->keys[entry] = d->kcb.retain ? d->kcb.retain(NULL, key) : key;
	d->values[entry] = d->vcb.retain ? d->vcb.retain(NULL, value) : value;
	d->hashes[entry] = key_hash(d, key);
	index_insert(d, entry);
}

static void dict_replace(struct __CFDictionary *d, CFIndex entry, const void *value) {
	const void *old = d->values[entry];
	d->values[entry] = d->vcb.retain ? d->vcb.retain(NULL, value) : value;
	if (d->vcb.release) {
		d->vcb.release(NULL, old);
	}
}

static struct __CFDictionary *dict_new(const CFDictionaryKeyCallBacks *kcb,
		const CFDictionaryValueCallBacks *vcb, bool mutable) {
	struct __CFDictionary *d = cf_alloc(TYPE_DICTIONARY, sizeof(*d));
	if (d == NULL) {
		return NULL;
	}
	d->mutable = mutable;
	if (kcb != NULL) {
		d->kcb = *kcb;
	}
	if (vcb != NULL) {
		d->vcb = *vcb;
	}
	if (!dict_reserve(d, 1)) {
		CFRelease(d);
		return NULL;
	}
	return d;
}

CF_EXPORT CFDictionaryRef CFDictionaryCreate(CFAllocatorRef allocator, const void **keys,
		const void **values, CFIndex numValues, const CFDictionaryKeyCallBacks *keyCallBacks,
		const CFDictionaryValueCallBacks *valueCallBacks) {
	if (numValues < 0 || (numValues > 0 && (keys == NULL || values == NULL))) {
		return NULL;
	}
	struct __CFDictionary *d = dict_new(keyCallBacks, valueCallBacks, false);
	for (CFIndex i = 0; d != NULL && i < numValues; i++) {
		CFIndex entry = dict_find(d, keys[i]);
		if (entry >= 0) {
			dict_replace(d, entry, values[i]);
		} else {
			dict_add(d, keys[i], values[i]);
		}
	}
	return d;
}

static struct __CFDictionary *dict_copy(CFDictionaryRef src, bool mutable) {
	struct __CFDictionary *d = dict_new(&src->kcb, &src->vcb, mutable);
	if (d != NULL && !dict_reserve(d, src->count)) {
		CFRelease(d);
		return NULL;
	}
	for (CFIndex i = 0; d != NULL && i < src->count; i++) {
		dict_add(d, src->keys[i], src->values[i]);
	}
	return d;
}

CF_EXPORT CFDictionaryRef CFDictionaryCreateCopy(CFAllocatorRef allocator,
		CFDictionaryRef theDict) {
	return dict_copy(theDict, false);
}

CF_EXPORT CFMutableDictionaryRef CFDictionaryCreateMutable(CFAllocatorRef allocator,
		CFIndex capacity, const CFDictionaryKeyCallBacks *keyCallBacks,
		const CFDictionaryValueCallBacks *valueCallBacks) {
	return dict_new(keyCallBacks, valueCallBacks, true);
}

CF_EXPORT CFMutableDictionaryRef CFDictionaryCreateMutableCopy(CFAllocatorRef allocator,
		CFIndex capacity, CFDictionaryRef theDict) {
	return dict_copy(theDict, true);
}

CF_EXPORT CFIndex CFDictionaryGetCount(CFDictionaryRef theDict) {
	return theDict->count;
}

CF_EXPORT Boolean CFDictionaryGetValueIfPresent(CFDictionaryRef theDict, const void *key,
		const void **value) {
	CFIndex entry = dict_find(theDict, key);
	if (entry < 0) {
		return false;
	}
	if (value != NULL) {
		*value = theDict->values[entry];
	}
	return true;
}

CF_EXPORT const void *CFDictionaryGetValue(CFDictionaryRef theDict, const void *key) {
	const void *value = NULL;
	CFDictionaryGetValueIfPresent(theDict, key, &value);
	return value;
}

CF_EXPORT Boolean CFDictionaryContainsKey(CFDictionaryRef theDict, const void *key) {
	return dict_find(theDict, key) >= 0;
}

CF_EXPORT Boolean CFDictionaryContainsValue(CFDictionaryRef theDict, const void *value) {
	for (CFIndex i = 0; i < theDict->count; i++) {
		if (value_equal(theDict, theDict->values[i], value)) {
			return true;
		}
	}
	return false;
}

CF_EXPORT void CFDictionaryGetKeysAndValues(CFDictionaryRef theDict, const void **keys,
		const void **values) {
	for (CFIndex i = 0; i < theDict->count; i++) {
		if (keys != NULL) {
			keys[i] = theDict->keys[i];
		}
		if (values != NULL) {
			values[i] = theDict->values[i];
		}
	}
}

CF_EXPORT void CFDictionaryApplyFunction(CFDictionaryRef theDict,
		CFDictionaryApplierFunction applier, void *context) {
	for (CFIndex i = 0; i < theDict->count; i++) {
		applier(theDict->keys[i], theDict->values[i], context);
	}
}

static bool dict_mutable(const char *fn, CFMutableDictionaryRef d) {
	if (!d->mutable) {
		cf_warn("%s on an immutable dictionary", fn);
	}
	return d->mutable;
}

CF_EXPORT void CFDictionaryAddValue(CFMutableDictionaryRef theDict, const void *key,
		const void *value) {
	if (dict_mutable("CFDictionaryAddValue", theDict) && dict_find(theDict, key) < 0) {
		dict_add(theDict, key, value);
	}
}

CF_EXPORT void CFDictionarySetValue(CFMutableDictionaryRef theDict, const void *key,
		const void *value) {
	if (!dict_mutable("CFDictionarySetValue", theDict)) {
		return;
	}
	CFIndex entry = dict_find(theDict, key);
	if (entry >= 0) {
		dict_replace(theDict, entry, value);
	} else {
		dict_add(theDict, key, value);
	}
}

CF_EXPORT void CFDictionaryReplaceValue(CFMutableDictionaryRef theDict, const void *key,
		const void *value) {
	if (!dict_mutable("CFDictionaryReplaceValue", theDict)) {
		return;
	}
	CFIndex entry = dict_find(theDict, key);
	if (entry >= 0) {
		dict_replace(theDict, entry, value);
	}
}

CF_EXPORT void CFDictionaryRemoveValue(CFMutableDictionaryRef theDict, const void *key) {
	if (!dict_mutable("CFDictionaryRemoveValue", theDict)) {
		return;
	}
	CFIndex entry = dict_find(theDict, key);
	if (entry < 0) {
		return;
	}
	const void *old_key = theDict->keys[entry], *old_value = theDict->values[entry];
	// The last entry takes the removed one's place; the index is rebuilt.
	CFIndex last = --theDict->count;
	theDict->keys[entry] = theDict->keys[last];
	theDict->values[entry] = theDict->values[last];
	theDict->hashes[entry] = theDict->hashes[last];
	if (!index_rebuild(theDict, theDict->index_size)) {
		cf_warn("CFDictionaryRemoveValue: out of memory");
		abort(); // the index would no longer match the entries
	}
	if (theDict->kcb.release) {
		theDict->kcb.release(NULL, old_key);
	}
	if (theDict->vcb.release) {
		theDict->vcb.release(NULL, old_value);
	}
}

CF_EXPORT void CFDictionaryRemoveAllValues(CFMutableDictionaryRef theDict) {
	if (!dict_mutable("CFDictionaryRemoveAllValues", theDict)) {
		return;
	}
	CFIndex count = theDict->count;
	theDict->count = 0;
	memset(theDict->index, 0, theDict->index_size * sizeof(*theDict->index));
	release_all(theDict->keys, count, theDict->kcb.release);
	release_all(theDict->values, count, theDict->vcb.release);
}

static Boolean dictionary_equal(const struct __CFDictionary *a, const struct __CFDictionary *b) {
	if (a->count != b->count) {
		return false;
	}
	for (CFIndex i = 0; i < a->count; i++) {
		CFIndex j = dict_find(b, a->keys[i]);
		if (j < 0 || !value_equal(a, a->values[i], b->values[j])) {
			return false;
		}
	}
	return true;
}

/* ---- Descriptions ---- */

CF_EXPORT CFStringRef CFCopyDescription(CFTypeRef cf) {
	char buf[128];
	if (cf == NULL) {
		snprintf(buf, sizeof(buf), "<NULL>");
	} else {
		switch (header(cf)->type) {
		case TYPE_STRING:
			return CFRetain(cf);
		case TYPE_NUMBER: {
			const struct __CFNumber *n = cf;
			if (n->is_float) {
				snprintf(buf, sizeof(buf), "%g", n->d);
			} else {
				snprintf(buf, sizeof(buf), "%lld", (long long)n->i);
			}
			break;
		}
		case TYPE_BOOLEAN:
			snprintf(buf, sizeof(buf), "%s", CFBooleanGetValue(cf) ? "true" : "false");
			break;
		case TYPE_NULL:
			snprintf(buf, sizeof(buf), "<null>");
			break;
		case TYPE_DATA:
			snprintf(buf, sizeof(buf), "<data, %ld bytes>", CFDataGetLength(cf));
			break;
		case TYPE_ARRAY:
			snprintf(buf, sizeof(buf), "<array, %ld values>", CFArrayGetCount(cf));
			break;
		case TYPE_DICTIONARY:
			snprintf(buf, sizeof(buf), "<dictionary, %ld pairs>", CFDictionaryGetCount(cf));
			break;
		default: {
			const struct cf_class *cls = class_of(header(cf)->type);
			snprintf(buf, sizeof(buf), "<%s %p>", cls != NULL ? cls->name : "CFType", cf);
			break;
		}
		}
	}
	return string_from_utf8(buf, strlen(buf));
}

CF_EXPORT void CFShow(CFTypeRef cf) {
	CFStringRef s = CFCopyDescription(cf);
	if (s != NULL) {
		fprintf(stderr, "%s\n", s->bytes);
		CFRelease(s);
	}
}
