/*
 * Figures 4 and 5: the calls that must cost no system call and no round trip.
 *
 * iosurface_is_in_use, iosurface_get_seed and iosurface_get_use_count against an atomic load
 * (acquire) of a word in shared memory, in nanoseconds per call; lock + unlock of a write
 * (which increments the seed) on a memfd surface that nobody watches, against the atomic
 * increment it performs. Every loop has a compiler barrier per iteration, so that nothing is
 * hoisted out of it, and the same loop shape for the floor. The system calls made during
 * a loop of calls are counted by the kernel (perf counter on raw_syscalls:sys_enter).
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include <iosurface/iosurface.h>

#include "bench.h"

#define BARRIER() __asm__ volatile("" ::: "memory")

enum call {
	CALL_ATOMIC_LOAD,
	CALL_ATOMIC_INCREMENT,
	CALL_IS_IN_USE,
	CALL_GET_SEED,
	CALL_GET_USE_COUNT,
	CALL_LOCK_UNLOCK,
};

static _Atomic uint32_t *floor_word;

/* Runs n calls; returns a sum so that no result is dead. */
static uint64_t run(enum call call, struct iosurface *s, long n) {
	uint64_t sink = 0;
	switch (call) {
	case CALL_ATOMIC_LOAD:
		for (long i = 0; i < n; i++) {
			sink += atomic_load_explicit(floor_word, memory_order_acquire);
			BARRIER();
		}
		break;
	case CALL_ATOMIC_INCREMENT:
		for (long i = 0; i < n; i++) {
			sink += atomic_fetch_add_explicit(floor_word, 1, memory_order_acq_rel);
			BARRIER();
		}
		break;
	case CALL_IS_IN_USE:
		for (long i = 0; i < n; i++) {
			sink += iosurface_is_in_use(s);
			BARRIER();
		}
		break;
	case CALL_GET_SEED:
		for (long i = 0; i < n; i++) {
			sink += iosurface_get_seed(s);
			BARRIER();
		}
		break;
	case CALL_GET_USE_COUNT:
		for (long i = 0; i < n; i++) {
			sink += (uint64_t)iosurface_get_use_count(s);
			BARRIER();
		}
		break;
	case CALL_LOCK_UNLOCK:
		for (long i = 0; i < n; i++) {
			uint32_t seed;
			sink += (uint64_t)iosurface_lock(s, 0, NULL);
			sink += (uint64_t)iosurface_unlock(s, 0, &seed);
			sink += seed;
			BARRIER();
		}
		break;
	}
	return sink;
}

/* Nanoseconds per call: the median of a few runs of n calls. */
static double ns_per_call(enum call call, struct iosurface *s, long n, int runs) {
	double samples[16];
	volatile uint64_t sink = 0;
	run(call, s, n / 10 + 1);
	for (int r = 0; r < runs; r++) {
		uint64_t t0 = bench_now_ns();
		sink += run(call, s, n);
		samples[r] = (double)(bench_now_ns() - t0) / (double)n;
	}
	(void)sink;
	return bench_median(samples, (size_t)runs);
}

/* System calls made by n calls, or -1 if they cannot be counted here. */
static int64_t syscalls_of(enum call call, struct iosurface *s, long n) {
	int counter = bench_syscalls_begin();
	if (counter < 0) {
		return -1;
	}
	volatile uint64_t sink = run(call, s, n);
	(void)sink;
	return bench_syscalls_end(counter);
}

static void add_call_row(const char *name, double ns, double floor_ns, int64_t syscalls, long n,
		double limit_ns) {
	char figure[96], target[48];
	if (syscalls >= 0) {
		snprintf(figure, sizeof(figure), "%s (%lld syscalls in %.0e calls)", name,
				(long long)syscalls, (double)n);
	} else {
		snprintf(figure, sizeof(figure), "%s (syscalls not counted)", name);
	}
	snprintf(target, sizeof(target), "< %.0f ns, 0 syscalls", limit_ns);
	enum bench_met met = ns < limit_ns && syscalls == 0 ? BENCH_MET_YES : BENCH_MET_NO;
	if (ns < limit_ns && syscalls < 0) {
		met = BENCH_MET_UNKNOWN;
	}
	bench_add_row(figure, "ns", ns, floor_ns, target, met);
}

void bench_cheap_calls(void) {
	struct harness_compositor *hc = bench_compositor_start("1280x720");
	struct iosurface_client *client = iosurface_client_connect(NULL);
	CHECK_NOT_NULL(client);
	struct iosurface_properties props = {
		.width = 1920,
		.height = 1080,
		.pixel_format = BENCH_FORMAT_ARGB8888,
	};
	struct iosurface *s = iosurface_create(client, &props);
	CHECK_NOT_NULL(s);
	CHECK_EQ(iosurface_get_allocator(s), IOSURFACE_ALLOCATOR_MEMFD);
	// Like the seed and the state slot, the floor's word lives in a shared mapping.
	floor_word = bench_shared_alloc(4096);

	long n = bench_iters(10000000, 100000);
	long counted = bench_iters(1000000, 100000);
	int runs = bench_iters(7, 3);
	double load_ns = ns_per_call(CALL_ATOMIC_LOAD, s, n, runs);
	double inc_ns = ns_per_call(CALL_ATOMIC_INCREMENT, s, n, runs);
	struct {
		const char *name;
		enum call call;
		double floor_ns, limit_ns;
	} rows[] = {
		{ "is_in_use", CALL_IS_IN_USE, load_ns, 20 },
		{ "get_seed", CALL_GET_SEED, load_ns, 20 },
		{ "get_use_count", CALL_GET_USE_COUNT, load_ns, 20 },
		{ "lock + unlock (write, memfd, seed unwatched)", CALL_LOCK_UNLOCK, inc_ns, 100 },
	};
	uint32_t seed_before = iosurface_get_seed(s);
	int64_t lock_pairs = 0;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		double ns = ns_per_call(rows[i].call, s, n, runs);
		int64_t syscalls = syscalls_of(rows[i].call, s, counted);
		CHECK(ns > 0 && isfinite(ns));
		if (rows[i].call == CALL_LOCK_UNLOCK) {
			// syscalls_of runs the counted loop only where system calls can be counted.
			lock_pairs = (n / 10 + 1) + (int64_t)n * runs + (syscalls >= 0 ? counted : 0);
		}
		add_call_row(rows[i].name, ns, rows[i].floor_ns, syscalls, counted, rows[i].limit_ns);
	}
	// Every write unlock incremented the seed once, visibly.
	CHECK_EQ((uint32_t)(iosurface_get_seed(s) - seed_before), (uint32_t)lock_pairs);
	if (syscalls_of(CALL_ATOMIC_LOAD, s, 1) < 0) {
		bench_note("system calls not counted: %s", bench_syscalls_unavailable_reason());
	} else {
		bench_note("cheap calls: ns per call, median of %d loops of %.0e; system calls counted by "
				"a perf counter on raw_syscalls:sys_enter around a loop of %.0e calls; floors: "
				"atomic load (acquire), atomic increment (acq_rel) of a shared word",
				runs, (double)n, (double)counted);
	}

	bench_shared_free((void *)floor_word, 4096);
	iosurface_unref(s);
	iosurface_client_destroy(client);
	harness_compositor_stop(hc);
}
