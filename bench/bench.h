/*
 * iosurface-bench: the performance figures of doc/DESIGN section 5, each printed beside a floor
 * measured in the same run. See doc/benchmarks.md for what each figure measures and why.
 *
 * Every benchmark is a harness test (tests/harness): it runs forked, in a process group of its
 * own, starts its own headless compositor in a private XDG_RUNTIME_DIR, and everything it
 * started is stopped when it ends, whatever happens. It reports its figures as rows in
 * shared memory that the parent prints as one table.
 */
#ifndef BENCH_BENCH_H
#define BENCH_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "harness.h"

#define BENCH_MAX_RUNS 9
#define BENCH_MAX_ROWS (48 * BENCH_MAX_RUNS)
#define BENCH_MAX_NOTES 64
#define BENCH_TEXT 640

/* DRM_FORMAT_ARGB8888, Apple's 'BGRA'. */
#define BENCH_FORMAT_ARGB8888 0x34325241u

/** Whether a row's figure met its target. */
enum bench_met {
	BENCH_MET_NO = 0,
	BENCH_MET_YES = 1,
	BENCH_MET_UNKNOWN = 2, /* nothing to compare, or the check could not be made */
};

struct bench_row {
	char figure[96];
	char unit[16];
	double value;  /* the iosurface figure */
	double floor;  /* measured beside it; NAN if the figure has none */
	double ratio;  /* value / floor, or NAN */
	char target[48];
	enum bench_met met;
};

/* Lives in shared memory: benchmarks run in forked children and write here. */
struct bench_results {
	int row_count;
	struct bench_row rows[BENCH_MAX_ROWS];
	int note_count;
	char notes[BENCH_MAX_NOTES][BENCH_TEXT];
};

struct bench_config {
	bool quick; /* few iterations: checks that it runs and the figures are sane */
};

extern struct bench_results *bench_results;
extern struct bench_config bench_config;

/* Picks the iteration count for the mode: quick runs are a smoke test. */
static inline int bench_iters(int full, int quick) {
	return bench_config.quick ? quick : full;
}

/**
 * Adds a row. ratio is computed from value and floor when both are finite and floor > 0.
 * met is decided by the caller (targets differ in kind).
 */
struct bench_row *bench_add_row(const char *figure, const char *unit, double value, double floor,
		const char *target, enum bench_met met);

/**
 * Prints the rows as one markdown table (bench/report.c). With runs > 1 the rows of a figure
 * (one per run) become one line: the median of each column and the spread of the ratio.
 */
void bench_print_table(int runs);
/** Writes the ratios against their targets as an SVG chart; false (logged) on failure. */
bool bench_write_svg(const char *path, int runs);

/** Adds a line under the table (details: counts, sizes, how a figure was taken). */
void bench_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** CLOCK_MONOTONIC in nanoseconds. */
uint64_t bench_now_ns(void);

/** The median of n samples (sorts them). 0 for n == 0. */
double bench_median(double *samples, size_t n);

/** The CPU time (user + system) of a process in nanoseconds, or -1. */
int64_t bench_process_cpu_ns(pid_t pid);

enum bench_syscall_counter {
	BENCH_SYSCALL_COUNTER_UNKNOWN,
	BENCH_SYSCALL_COUNTER_NONE,
	BENCH_SYSCALL_COUNTER_PERF,
	BENCH_SYSCALL_COUNTER_SECCOMP,
};

/**
 * How system calls are counted here (bench/syscalls.c): a perf counter where the kernel lets
 * us, else a seccomp filter, which works on any machine; BENCH_SYSCALL_COUNTER=perf|seccomp|none
 * forces one. Chosen and calibrated on first use.
 */
enum bench_syscall_counter bench_syscall_counter(void);
/** What counts them, or why nothing can. */
const char *bench_syscall_counter_description(void);
/**
 * Runs fn(data) and returns the number of system calls it made, less the counter's own
 * overhead; -1 if they cannot be counted here. Under the seccomp counter fn runs in a forked
 * child (only its writes to shared mappings are seen afterwards) and every system call it
 * attempts fails with ENOSYS: only sections that are meant to make none are worth counting.
 */
int64_t bench_count_syscalls(void (*fn)(void *data), void *data);

struct iosurface_client;

/** Median of n bare round trips to the compositor (wl_display.sync), in microseconds. */
double bench_roundtrip_us(struct iosurface_client *client, int n);

/** Starts the reference compositor headless with a private runtime directory. */
struct harness_compositor *bench_compositor_start(const char *size);

/** A shared anonymous mapping that forked children see, for their results and barriers. */
void *bench_shared_alloc(size_t size);
void bench_shared_free(void *p, size_t size);

/** Forks a child that runs fn(arg) and exits with its return value. */
pid_t bench_fork(int (*fn)(void *arg), void *arg);

/** Waits for a child forked by bench_fork; fails the benchmark if it did not exit with 0. */
void bench_wait_child(pid_t pid, const char *what);

/** Reads one whole buffer from a descriptor or fails the benchmark. */
void bench_read_full(int fd, void *buf, size_t len);
void bench_write_full(int fd, const void *buf, size_t len);

/** Sends a descriptor with one byte over SCM_RIGHTS, as the floors do, or fails. */
void bench_send_fd(int sock, int fd);
/** Receives a descriptor sent by bench_send_fd(), or fails. */
int bench_receive_fd(int sock);

/* The benchmarks, one per file. */
void bench_alloc(void);
void bench_handoff(void);
void bench_port_death(void);
void bench_cheap_calls(void);
void bench_frames(void);
void bench_scale(void);
void bench_fairness(void);

#endif
