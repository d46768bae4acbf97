/*
 * The subset of CoreFoundation that IOSurface code uses, for the iosurface-apple porting kit:
 * reference-counted CF objects (CFString, CFNumber, CFBoolean, CFNull, CFData, CFArray,
 * CFDictionary, and IOSurfaceRef) with Apple's names, types and semantics. What differs from
 * macOS is listed in doc/porting.md.
 *
 * Reference counts are atomic; an object may be retained and released from any thread, but a
 * mutable collection must not be changed while another thread uses it (as on macOS).
 * Allocators are accepted and ignored: every object comes from malloc.
 */
#ifndef CLIENT_LIB_APPLE_INCLUDE_COREFOUNDATION_COREFOUNDATION_H
#define CLIENT_LIB_APPLE_INCLUDE_COREFOUNDATION_COREFOUNDATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && __GNUC__ >= 4
#define CF_EXPORT __attribute__((visibility("default")))
#else
#define CF_EXPORT
#endif

/* ---- Basic types ---- */

typedef unsigned char Boolean;
typedef uint8_t UInt8;
typedef int8_t SInt8;
typedef uint16_t UInt16;
typedef int16_t SInt16;
typedef uint32_t UInt32;
typedef int32_t SInt32;
typedef uint64_t UInt64;
typedef int64_t SInt64;
typedef float Float32;
typedef double Float64;
typedef uint32_t OSType;
typedef int32_t OSStatus;
typedef uint32_t FourCharCode;

#ifndef TRUE
#define TRUE 1
#endif
#ifndef FALSE
#define FALSE 0
#endif

typedef unsigned long CFTypeID;
typedef unsigned long CFOptionFlags;
typedef unsigned long CFHashCode;
typedef signed long CFIndex;
typedef const void *CFTypeRef;

typedef struct {
	CFIndex location, length;
} CFRange;

static inline CFRange CFRangeMake(CFIndex location, CFIndex length) {
	CFRange range = { location, length };
	return range;
}

typedef enum {
	kCFCompareLessThan = -1,
	kCFCompareEqualTo = 0,
	kCFCompareGreaterThan = 1,
} CFComparisonResult;

enum {
	kCFNotFound = -1
};

typedef const struct __CFAllocator *CFAllocatorRef;
typedef const struct __CFString *CFStringRef;
typedef struct __CFString *CFMutableStringRef;
typedef const struct __CFNumber *CFNumberRef;
typedef const struct __CFBoolean *CFBooleanRef;
typedef const struct __CFNull *CFNullRef;
typedef const struct __CFData *CFDataRef;
typedef struct __CFData *CFMutableDataRef;
typedef const struct __CFArray *CFArrayRef;
typedef struct __CFArray *CFMutableArrayRef;
typedef const struct __CFDictionary *CFDictionaryRef;
typedef struct __CFDictionary *CFMutableDictionaryRef;

/** Accepted wherever Apple takes an allocator; all of them allocate with malloc. */
#define kCFAllocatorDefault ((CFAllocatorRef)NULL)
#define kCFAllocatorSystemDefault ((CFAllocatorRef)NULL)
#define kCFAllocatorMalloc ((CFAllocatorRef)NULL)

/* ---- Any CF object ---- */

/** Adds a reference; returns cf. cf must not be NULL (as on macOS). */
CF_EXPORT CFTypeRef CFRetain(CFTypeRef cf);

/** Drops a reference; the last one frees the object. NULL is ignored (macOS crashes). */
CF_EXPORT void CFRelease(CFTypeRef cf);

/** The reference count (constant objects such as CFSTR() report a large count). */
CF_EXPORT CFIndex CFGetRetainCount(CFTypeRef cf);

CF_EXPORT CFTypeID CFGetTypeID(CFTypeRef cf);

/**
 * Whether two objects are equal: same type and value, except that numbers compare by value
 * across types (the integer 1 equals the double 1.0, as on macOS). Equal objects hash alike.
 */
CF_EXPORT Boolean CFEqual(CFTypeRef cf1, CFTypeRef cf2);
CF_EXPORT CFHashCode CFHash(CFTypeRef cf);

/** A new string describing the object (for logs; the format is not Apple's). */
CF_EXPORT CFStringRef CFCopyDescription(CFTypeRef cf);

/** Writes a description of the object to stderr. */
CF_EXPORT void CFShow(CFTypeRef cf);

/* ---- CFString ---- */

typedef UInt32 CFStringEncoding;
enum {
	kCFStringEncodingMacRoman = 0,
	kCFStringEncodingASCII = 0x0600,
	kCFStringEncodingUTF8 = 0x08000100,
	kCFStringEncodingNonLossyASCII = 0x0BFF,
	kCFStringEncodingISOLatin1 = 0x0201,
	kCFStringEncodingInvalidId = 0xffffffffU,
};

enum {
	kCFCompareCaseInsensitive = 1,
	kCFCompareBackwards = 4,
	kCFCompareAnchored = 8,
	kCFCompareNonliteral = 16,
	kCFCompareLocalized = 32,
	kCFCompareNumerically = 64,
};
typedef CFOptionFlags CFStringCompareFlags;

/* The layout of a constant string made by CFSTR(); private to the kit. */
struct __CFConstStr {
	unsigned long type; /* CFStringGetTypeID() */
	long refs; /* negative: never freed */
	const char *bytes; /* UTF-8, NUL-terminated */
	long length; /* bytes, without the NUL */
};

#define __CF_STRING_TYPE_ID 7UL

/**
 * A constant string for a C string literal, valid for the life of the program and never
 * freed, as on macOS (retain and release do nothing). Needs GCC or Clang (a statement
 * expression); usable in functions, not in static initializers.
 */
#define CFSTR(literal) \
	(__extension__({ \
		static const struct __CFConstStr __cf_const_str = { __CF_STRING_TYPE_ID, -1, \
			"" literal "", (long)sizeof(literal) - 1 }; \
		(CFStringRef)(const void *)&__cf_const_str; \
	}))

CF_EXPORT CFTypeID CFStringGetTypeID(void);

/**
 * A new string from a NUL-terminated C string. Encodings: UTF-8 (checked), ASCII (bytes
 * below 128), ISO Latin-1 and MacRoman (converted to UTF-8; MacRoman's upper half is taken as
 * Latin-1). NULL for bytes invalid in the encoding or an unknown encoding.
 */
CF_EXPORT CFStringRef CFStringCreateWithCString(CFAllocatorRef alloc, const char *cStr,
		CFStringEncoding encoding);

/** The same from numBytes bytes (no NUL needed; an embedded NUL is refused). */
CF_EXPORT CFStringRef CFStringCreateWithBytes(CFAllocatorRef alloc, const UInt8 *bytes,
		CFIndex numBytes, CFStringEncoding encoding, Boolean isExternalRepresentation);

CF_EXPORT CFStringRef CFStringCreateCopy(CFAllocatorRef alloc, CFStringRef theString);

/** The length in UTF-16 code units, as on macOS. */
CF_EXPORT CFIndex CFStringGetLength(CFStringRef theString);

/**
 * Copies the string, NUL-terminated, into buffer of bufferSize bytes. false if it does not fit
 * or cannot be represented in the encoding (UTF-8 or ASCII).
 */
CF_EXPORT Boolean CFStringGetCString(CFStringRef theString, char *buffer, CFIndex bufferSize,
		CFStringEncoding encoding);

/** The string's own UTF-8 bytes for UTF-8 (and for ASCII when it is ASCII); else NULL. */
CF_EXPORT const char *CFStringGetCStringPtr(CFStringRef theString, CFStringEncoding encoding);

/** The largest number of bytes length UTF-16 units can take in the encoding. */
CF_EXPORT CFIndex CFStringGetMaximumSizeForEncoding(CFIndex length, CFStringEncoding encoding);

/**
 * Compares by Unicode code point (UTF-8 byte order); kCFCompareCaseInsensitive folds ASCII
 * letters. Other flags are ignored.
 */
CF_EXPORT CFComparisonResult CFStringCompare(CFStringRef theString1, CFStringRef theString2,
		CFStringCompareFlags compareOptions);

CF_EXPORT Boolean CFStringHasPrefix(CFStringRef theString, CFStringRef prefix);
CF_EXPORT Boolean CFStringHasSuffix(CFStringRef theString, CFStringRef suffix);

/* ---- CFNumber ---- */

typedef enum {
	kCFNumberSInt8Type = 1,
	kCFNumberSInt16Type = 2,
	kCFNumberSInt32Type = 3,
	kCFNumberSInt64Type = 4,
	kCFNumberFloat32Type = 5,
	kCFNumberFloat64Type = 6,
	kCFNumberCharType = 7,
	kCFNumberShortType = 8,
	kCFNumberIntType = 9,
	kCFNumberLongType = 10,
	kCFNumberLongLongType = 11,
	kCFNumberFloatType = 12,
	kCFNumberDoubleType = 13,
	kCFNumberCFIndexType = 14,
	kCFNumberNSIntegerType = 15,
	kCFNumberCGFloatType = 16,
	kCFNumberMaxType = 16,
} CFNumberType;

CF_EXPORT CFTypeID CFNumberGetTypeID(void);

/** A new number from the value of type theType at valuePtr; NULL for an unknown type. */
CF_EXPORT CFNumberRef CFNumberCreate(CFAllocatorRef allocator, CFNumberType theType,
		const void *valuePtr);

/** The canonical type the number is stored as (SInt8..SInt64, Float32 or Float64). */
CF_EXPORT CFNumberType CFNumberGetType(CFNumberRef number);
CF_EXPORT CFIndex CFNumberGetByteSize(CFNumberRef number);
CF_EXPORT Boolean CFNumberIsFloatType(CFNumberRef number);

/**
 * Converts the number to theType at valuePtr. Returns false if the conversion lost
 * information (a fraction dropped, a value out of range, saturated), as on macOS.
 */
CF_EXPORT Boolean CFNumberGetValue(CFNumberRef number, CFNumberType theType, void *valuePtr);

/** Compares by value across types. */
CF_EXPORT CFComparisonResult CFNumberCompare(CFNumberRef number, CFNumberRef otherNumber,
		void *context);

/* ---- CFBoolean and CFNull ---- */

CF_EXPORT extern const CFBooleanRef kCFBooleanTrue;
CF_EXPORT extern const CFBooleanRef kCFBooleanFalse;
CF_EXPORT CFTypeID CFBooleanGetTypeID(void);
CF_EXPORT Boolean CFBooleanGetValue(CFBooleanRef boolean);

CF_EXPORT extern const CFNullRef kCFNull;
CF_EXPORT CFTypeID CFNullGetTypeID(void);

/* ---- CFData ---- */

CF_EXPORT CFTypeID CFDataGetTypeID(void);
CF_EXPORT CFDataRef CFDataCreate(CFAllocatorRef allocator, const UInt8 *bytes, CFIndex length);
CF_EXPORT CFDataRef CFDataCreateCopy(CFAllocatorRef allocator, CFDataRef theData);
/** capacity is a hint; 0 means unbounded, as on macOS. */
CF_EXPORT CFMutableDataRef CFDataCreateMutable(CFAllocatorRef allocator, CFIndex capacity);
CF_EXPORT CFMutableDataRef CFDataCreateMutableCopy(CFAllocatorRef allocator, CFIndex capacity,
		CFDataRef theData);
CF_EXPORT CFIndex CFDataGetLength(CFDataRef theData);
CF_EXPORT const UInt8 *CFDataGetBytePtr(CFDataRef theData);
CF_EXPORT UInt8 *CFDataGetMutableBytePtr(CFMutableDataRef theData);
CF_EXPORT void CFDataGetBytes(CFDataRef theData, CFRange range, UInt8 *buffer);
/** Grows with zero bytes or shrinks. */
CF_EXPORT void CFDataSetLength(CFMutableDataRef theData, CFIndex length);
CF_EXPORT void CFDataIncreaseLength(CFMutableDataRef theData, CFIndex extraLength);
CF_EXPORT void CFDataAppendBytes(CFMutableDataRef theData, const UInt8 *bytes, CFIndex length);

/* ---- Callbacks of collections ---- */

typedef const void *(*CFArrayRetainCallBack)(CFAllocatorRef allocator, const void *value);
typedef void (*CFArrayReleaseCallBack)(CFAllocatorRef allocator, const void *value);
typedef CFStringRef (*CFArrayCopyDescriptionCallBack)(const void *value);
typedef Boolean (*CFArrayEqualCallBack)(const void *value1, const void *value2);

typedef struct {
	CFIndex version;
	CFArrayRetainCallBack retain;
	CFArrayReleaseCallBack release;
	CFArrayCopyDescriptionCallBack copyDescription;
	CFArrayEqualCallBack equal;
} CFArrayCallBacks;

/** Retain, release, CFEqual: for CF objects. NULL callbacks mean plain pointers. */
CF_EXPORT extern const CFArrayCallBacks kCFTypeArrayCallBacks;

typedef const void *(*CFDictionaryRetainCallBack)(CFAllocatorRef allocator, const void *value);
typedef void (*CFDictionaryReleaseCallBack)(CFAllocatorRef allocator, const void *value);
typedef CFStringRef (*CFDictionaryCopyDescriptionCallBack)(const void *value);
typedef Boolean (*CFDictionaryEqualCallBack)(const void *value1, const void *value2);
typedef CFHashCode (*CFDictionaryHashCallBack)(const void *value);

typedef struct {
	CFIndex version;
	CFDictionaryRetainCallBack retain;
	CFDictionaryReleaseCallBack release;
	CFDictionaryCopyDescriptionCallBack copyDescription;
	CFDictionaryEqualCallBack equal;
	CFDictionaryHashCallBack hash;
} CFDictionaryKeyCallBacks;

typedef struct {
	CFIndex version;
	CFDictionaryRetainCallBack retain;
	CFDictionaryReleaseCallBack release;
	CFDictionaryCopyDescriptionCallBack copyDescription;
	CFDictionaryEqualCallBack equal;
} CFDictionaryValueCallBacks;

CF_EXPORT extern const CFDictionaryKeyCallBacks kCFTypeDictionaryKeyCallBacks;
/** Keys are copied if mutable; the kit's strings are immutable, so they are retained. */
CF_EXPORT extern const CFDictionaryKeyCallBacks kCFCopyStringDictionaryKeyCallBacks;
CF_EXPORT extern const CFDictionaryValueCallBacks kCFTypeDictionaryValueCallBacks;

/* ---- CFArray ---- */

CF_EXPORT CFTypeID CFArrayGetTypeID(void);
CF_EXPORT CFArrayRef CFArrayCreate(CFAllocatorRef allocator, const void **values, CFIndex numValues,
		const CFArrayCallBacks *callBacks);
CF_EXPORT CFArrayRef CFArrayCreateCopy(CFAllocatorRef allocator, CFArrayRef theArray);
/** capacity is a hint; 0 means unbounded. */
CF_EXPORT CFMutableArrayRef CFArrayCreateMutable(CFAllocatorRef allocator, CFIndex capacity,
		const CFArrayCallBacks *callBacks);
CF_EXPORT CFMutableArrayRef CFArrayCreateMutableCopy(CFAllocatorRef allocator, CFIndex capacity,
		CFArrayRef theArray);
CF_EXPORT CFIndex CFArrayGetCount(CFArrayRef theArray);
/** The value at idx, not retained; idx must be in range. */
CF_EXPORT const void *CFArrayGetValueAtIndex(CFArrayRef theArray, CFIndex idx);
CF_EXPORT void CFArrayGetValues(CFArrayRef theArray, CFRange range, const void **values);
CF_EXPORT Boolean CFArrayContainsValue(CFArrayRef theArray, CFRange range, const void *value);
CF_EXPORT CFIndex CFArrayGetFirstIndexOfValue(CFArrayRef theArray, CFRange range,
		const void *value);
CF_EXPORT void CFArrayAppendValue(CFMutableArrayRef theArray, const void *value);
CF_EXPORT void CFArrayInsertValueAtIndex(CFMutableArrayRef theArray, CFIndex idx,
		const void *value);
CF_EXPORT void CFArraySetValueAtIndex(CFMutableArrayRef theArray, CFIndex idx, const void *value);
CF_EXPORT void CFArrayRemoveValueAtIndex(CFMutableArrayRef theArray, CFIndex idx);
CF_EXPORT void CFArrayRemoveAllValues(CFMutableArrayRef theArray);

/* ---- CFDictionary ---- */

typedef void (*CFDictionaryApplierFunction)(const void *key, const void *value, void *context);

CF_EXPORT CFTypeID CFDictionaryGetTypeID(void);
CF_EXPORT CFDictionaryRef CFDictionaryCreate(CFAllocatorRef allocator, const void **keys,
		const void **values, CFIndex numValues, const CFDictionaryKeyCallBacks *keyCallBacks,
		const CFDictionaryValueCallBacks *valueCallBacks);
CF_EXPORT CFDictionaryRef CFDictionaryCreateCopy(CFAllocatorRef allocator, CFDictionaryRef theDict);
/** capacity is a hint; 0 means unbounded. */
CF_EXPORT CFMutableDictionaryRef CFDictionaryCreateMutable(CFAllocatorRef allocator,
		CFIndex capacity, const CFDictionaryKeyCallBacks *keyCallBacks,
		const CFDictionaryValueCallBacks *valueCallBacks);
CF_EXPORT CFMutableDictionaryRef CFDictionaryCreateMutableCopy(CFAllocatorRef allocator,
		CFIndex capacity, CFDictionaryRef theDict);
CF_EXPORT CFIndex CFDictionaryGetCount(CFDictionaryRef theDict);
/** The value under key, not retained; NULL if absent. */
CF_EXPORT const void *CFDictionaryGetValue(CFDictionaryRef theDict, const void *key);
CF_EXPORT Boolean CFDictionaryGetValueIfPresent(CFDictionaryRef theDict, const void *key,
		const void **value);
CF_EXPORT Boolean CFDictionaryContainsKey(CFDictionaryRef theDict, const void *key);
CF_EXPORT Boolean CFDictionaryContainsValue(CFDictionaryRef theDict, const void *value);
CF_EXPORT void CFDictionaryGetKeysAndValues(CFDictionaryRef theDict, const void **keys,
		const void **values);
CF_EXPORT void CFDictionaryApplyFunction(CFDictionaryRef theDict,
		CFDictionaryApplierFunction applier, void *context);
/** Adds the pair if key is absent; otherwise does nothing. */
CF_EXPORT void CFDictionaryAddValue(CFMutableDictionaryRef theDict, const void *key,
		const void *value);
/** Adds or replaces. */
CF_EXPORT void CFDictionarySetValue(CFMutableDictionaryRef theDict, const void *key,
		const void *value);
/** Replaces if key is present; otherwise does nothing. */
CF_EXPORT void CFDictionaryReplaceValue(CFMutableDictionaryRef theDict, const void *key,
		const void *value);
CF_EXPORT void CFDictionaryRemoveValue(CFMutableDictionaryRef theDict, const void *key);
CF_EXPORT void CFDictionaryRemoveAllValues(CFMutableDictionaryRef theDict);

#ifdef __cplusplus
}
#endif

#endif
