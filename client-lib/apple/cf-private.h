/*
 * What the porting kit's files share about CF objects: the header every object starts with and
 * the registration of further types (IOSurfaceRef). Never installed.
 */
#ifndef CLIENT_LIB_APPLE_CF_PRIVATE_H
#define CLIENT_LIB_APPLE_CF_PRIVATE_H

#include <CoreFoundation/CoreFoundation.h>

/* Every object starts so; struct __CFConstStr of CFSTR() has the same first two fields. */
struct cf_header {
	unsigned long type;
	long refs; /* atomic; negative for constant objects that are never freed */
};

struct cf_class {
	const char *name;
	/* Called once, when the last reference goes; frees what the object owns, not itself. */
	void (*finalize)(CFTypeRef cf);
	/* May be NULL: identity. */
	Boolean (*equal)(CFTypeRef a, CFTypeRef b);
	CFHashCode (*hash)(CFTypeRef cf);
};

/* Returns the type id of a new class (cls must outlive the program); 0 if the table is full. */
CFTypeID cf_register_class(const struct cf_class *cls);

/* A new object of a registered type with one reference; size includes the header. */
void *cf_create_instance(CFTypeID type, size_t size);

/* Adds a reference unless the count already dropped to zero (the object is being finalized). */
bool cf_retain_if_alive(CFTypeRef cf);

/* Whether cf is an object of the type (false for NULL). */
bool cf_is(CFTypeRef cf, CFTypeID type);

/* A new UTF-8 copy of a string, owned by the caller (free()); NULL if out of memory. */
char *cf_string_dup(CFStringRef s);

/* The NUL-terminated UTF-8 bytes of a string, owned by it. */
const char *cf_string_utf8(CFStringRef s);

/* The number as an integer (false if it is a float with a fraction) or as a double. */
bool cf_number_get_int64(CFNumberRef n, int64_t *out);
double cf_number_get_double(CFNumberRef n);

#endif
