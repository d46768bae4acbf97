/*
 * Assertions for the unit tests of common/ (no compositor, no harness). A failed check prints
 * where it is, the expression and both sides, marks the running test case failed and returns
 * false, so that a test case can stop early (`if (!CHECK(p != NULL)) return;`) or go on to
 * report every difference at once. main() runs the cases with RUN_TEST and returns
 * check_report(): 0 when every check passed, 1 otherwise.
 */
#ifndef TESTS_UNIT_COMMON_CHECK_H
#define TESTS_UNIT_COMMON_CHECK_H

#ifdef NDEBUG
#error "tests must be built without NDEBUG"
#endif

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Exit codes understood by meson. */
#define CHECK_EXIT_SKIP 77
#define CHECK_EXIT_SETUP_FAILURE 99

static const char *check_test_name = "";
static char check_context_buf[256];
static unsigned check_case_failures, check_failed_cases, check_cases;

/*
 * Names what the following checks are about (the format, the iteration, the input), printed
 * with each failure until the next call or the end of the test case.
 */
__attribute__((format(printf, 1, 2))) static inline void check_context(const char *fmt, ...) {
	va_list args;
	va_start(args, fmt);
	vsnprintf(check_context_buf, sizeof(check_context_buf), fmt, args);
	va_end(args);
}

static inline void check_context_clear(void) {
	check_context_buf[0] = '\0';
}

static inline void check_fail_header(const char *file, int line) {
	if (check_case_failures++ == 0) {
		check_failed_cases++;
	}
	fprintf(stderr, "%s:%d: in %s%s%s: ", file, line, check_test_name,
			check_context_buf[0] != '\0' ? ", " : "", check_context_buf);
}

static inline bool check_true(bool ok, const char *expr, const char *file, int line) {
	if (!ok) {
		check_fail_header(file, line);
		fprintf(stderr, "CHECK(%s) failed\n", expr);
	}
	return ok;
}

static inline bool check_eq_u(uint64_t a, uint64_t b, const char *ea, const char *eb,
		const char *file, int line) {
	if (a != b) {
		check_fail_header(file, line);
		fprintf(stderr, "CHECK_EQ(%s, %s) failed: %" PRIu64 " (0x%" PRIx64 ") != %" PRIu64
				" (0x%" PRIx64 ")\n", ea, eb, a, a, b, b);
	}
	return a == b;
}

static inline bool check_eq_i(int64_t a, int64_t b, const char *ea, const char *eb,
		const char *file, int line) {
	if (a != b) {
		check_fail_header(file, line);
		fprintf(stderr, "CHECK_EQ_I(%s, %s) failed: %" PRId64 " != %" PRId64 "\n", ea, eb, a, b);
	}
	return a == b;
}

static inline bool check_str_eq(const char *a, const char *b, const char *ea, const char *eb,
		const char *file, int line) {
	bool ok = a != NULL && b != NULL ? strcmp(a, b) == 0 : a == b;
	if (!ok) {
		check_fail_header(file, line);
		fprintf(stderr, "CHECK_STR_EQ(%s, %s) failed: \"%s\" != \"%s\"\n", ea, eb,
				a ? a : "(null)", b ? b : "(null)");
	}
	return ok;
}

static inline bool check_contains(const char *haystack, const char *needle, const char *eh,
		const char *file, int line) {
	bool ok = haystack != NULL && strstr(haystack, needle) != NULL;
	if (!ok) {
		check_fail_header(file, line);
		fprintf(stderr, "CHECK_CONTAINS(%s, \"%s\") failed: \"%s\"\n", eh, needle,
				haystack ? haystack : "(null)");
	}
	return ok;
}

#define CHECK(cond) check_true((cond), #cond, __FILE__, __LINE__)
/* Compares as unsigned 64-bit numbers (sizes, fourcc codes, enums). */
#define CHECK_EQ(a, b) check_eq_u((uint64_t)(a), (uint64_t)(b), #a, #b, __FILE__, __LINE__)
/* Compares as signed 64-bit numbers (return codes, errno). */
#define CHECK_EQ_I(a, b) check_eq_i((int64_t)(a), (int64_t)(b), #a, #b, __FILE__, __LINE__)
#define CHECK_STR_EQ(a, b) check_str_eq((a), (b), #a, #b, __FILE__, __LINE__)
#define CHECK_CONTAINS(haystack, needle) \
	check_contains((haystack), (needle), #haystack, __FILE__, __LINE__)

static inline void check_run(const char *name, void (*fn)(void)) {
	check_test_name = name;
	check_context_clear();
	check_case_failures = 0;
	check_cases++;
	fn();
	printf("%s %s\n", check_case_failures == 0 ? "ok  " : "FAIL", name);
	fflush(stdout);
}

#define RUN_TEST(fn) check_run(#fn, fn)

static inline int check_report(void) {
	printf("%u of %u test cases failed\n", check_failed_cases, check_cases);
	return check_failed_cases == 0 ? 0 : 1;
}

#endif
