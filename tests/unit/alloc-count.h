/*
 * Counts the heap blocks allocated and not yet freed by code linked with
 * -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=free,--wrap=strdup,--wrap=strndup
 * (the test and the static common library), and can make an allocation fail. Works in plain,
 * ASan and valgrind builds alike: the wrappers call the real functions.
 */
#ifndef TESTS_UNIT_ALLOC_COUNT_H
#define TESTS_UNIT_ALLOC_COUNT_H

#include <stddef.h>

/* Blocks allocated through the wrappers and not yet freed. */
long alloc_live(void);

/* Allocations that succeeded so far (to know how many failure points a call has). */
unsigned long alloc_total(void);

/* Makes the allocation n calls from now fail (0: the next one); -1 turns failures off. */
void alloc_fail_at(long n);

/* Whether an injected failure has happened since the last alloc_fail_at(). */
int alloc_failure_injected(void);

#endif
