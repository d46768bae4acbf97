#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "alloc-count.h"

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *ptr, size_t size);
void __real_free(void *ptr);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *ptr, size_t size);
void __wrap_free(void *ptr);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);

static long live;
static unsigned long total;
static long fail_countdown = -1;
static int injected;

long alloc_live(void) {
	return live;
}

unsigned long alloc_total(void) {
	return total;
}

void alloc_fail_at(long n) {
	fail_countdown = n;
	injected = 0;
}

int alloc_failure_injected(void) {
	return injected;
}

/* Whether this allocation is the one to fail. */
static int should_fail(void) {
	if (fail_countdown < 0) {
		return 0;
	}
	if (fail_countdown-- == 0) {
		injected = 1;
		errno = ENOMEM;
		return 1;
	}
	return 0;
}

static void *counted(void *p) {
	if (p != NULL) {
		live++;
		total++;
	}
	return p;
}

void *__wrap_malloc(size_t size) {
	return should_fail() ? NULL : counted(__real_malloc(size));
}

void *__wrap_calloc(size_t n, size_t size) {
	return should_fail() ? NULL : counted(__real_calloc(n, size));
}

void *__wrap_realloc(void *ptr, size_t size) {
	if (ptr == NULL) {
		return __wrap_malloc(size);
	}
	if (should_fail()) {
		return NULL; // the old block stays allocated
	}
	void *p = __real_realloc(ptr, size);
	if (p != NULL) {
		total++;
	} else if (size == 0) {
		live--; // freed
	}
	return p;
}

void __wrap_free(void *ptr) {
	if (ptr != NULL) {
		live--;
	}
	__real_free(ptr);
}

char *__wrap_strdup(const char *s) {
	return should_fail() ? NULL : counted(__real_strdup(s));
}

char *__wrap_strndup(const char *s, size_t n) {
	return should_fail() ? NULL : counted(__real_strndup(s, n));
}
