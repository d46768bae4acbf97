/*
 * Figure 7: scale. 64 client processes hold 100, then 1,000, then 10,000 small surfaces
 * (64x64 BGRA) between them, then go back down to 1,000 and 100, up again, and so on; at each
 * step a probe measures create, lookup_from_port (in a second connection, so that it is a real
 * redemption), set_value + copy_value, and destroy. Each level's figure is the median of its
 * steps' medians, so that a drift of the machine over the run (a VM's CPUs warming up, load
 * that comes and goes) does not pass for an effect of the count. Each operation's cost at
 * 10,000 live surfaces is printed against its cost at 100.
 *
 * The compositor's memory is read from /proc/<pid>/status and smaps_rollup once the clients
 * are connected and again at 10,000 surfaces. The pixels are shmem the compositor never maps
 * (it maps a surface only to show it), so the growth is what the surfaces cost it beyond their
 * pixels: its objects, resources, tables and state slots.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <linux/futex.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <iosurface/iosurface.h>

#include "bench.h"

#define CLIENTS 64
#define LEVEL_COUNT 3
#define PERIOD (2 * (LEVEL_COUNT - 1)) /* steps from 100 up to 10,000 and back */
#define MAX_PASSES 8
#define MAX_PER_CLIENT (10000 / CLIENTS + 1)

static const int levels[LEVEL_COUNT] = { 100, 1000, 10000 };

/* Up and down and up again: the level of each step. */
static int level_of_step(int step) {
	int phase = step % PERIOD;
	return phase < LEVEL_COUNT ? phase : PERIOD - phase;
}

enum op {
	OP_CREATE,
	OP_LOOKUP,
	OP_VALUE,
	OP_DESTROY,
	OP_COUNT,
};

static const char *const op_names[OP_COUNT] = {
	"create (64x64)",
	"lookup_from_port",
	"set_value + copy_value",
	"destroy",
};

struct scale_shared {
	_Atomic int step; /* -1: connect only; step_count: finish */
	int step_count;
	_Atomic int ready; /* children done with the current step */
	_Atomic int max_fds;
	int fd_limit;
};

static const struct iosurface_properties small_props = {
	.width = 64,
	.height = 64,
	.pixel_format = BENCH_FORMAT_ARGB8888,
};

static void futex_wait(_Atomic int *word, int value) {
	syscall(SYS_futex, (int *)word, FUTEX_WAIT, value, NULL, NULL, 0);
}

static void futex_wake_all(_Atomic int *word) {
	syscall(SYS_futex, (int *)word, FUTEX_WAKE, 0x7fffffff, NULL, NULL, 0);
}

static int count_fds(const char *dir_path) {
	DIR *dir = opendir(dir_path);
	if (dir == NULL) {
		return -1;
	}
	int n = 0;
	struct dirent *entry;
	while ((entry = readdir(dir)) != NULL) {
		n += entry->d_name[0] != '.';
	}
	closedir(dir);
	return n - (strcmp(dir_path, "/proc/self/fd") == 0); // the directory's own descriptor
}

struct child_plan {
	int index;
	struct scale_shared *shared;
};

/* The surfaces client index holds at a level: the level spread evenly over the clients. */
static int share_of(int index, int level) {
	return level / CLIENTS + (index < level % CLIENTS ? 1 : 0);
}

static int population_child(void *data) {
	const struct child_plan *plan = data;
	struct scale_shared *shared = plan->shared;
	struct iosurface_client *client = iosurface_client_connect(NULL);
	CHECK_NOT_NULL(client);
	struct iosurface *held[MAX_PER_CLIENT];
	int count = 0;
	int seen = -1;
	atomic_fetch_add(&shared->ready, 1);
	for (;;) {
		int step = atomic_load(&shared->step);
		if (step == seen) {
			futex_wait(&shared->step, step);
			continue;
		}
		seen = step;
		if (step >= shared->step_count) {
			break;
		}
		int target = share_of(plan->index, levels[level_of_step(step)]);
		CHECK_LE(target, MAX_PER_CLIENT);
		while (count < target) {
			held[count] = iosurface_create(client, &small_props);
			CHECK_NOT_NULL(held[count]);
			count++;
		}
		while (count > target) {
			iosurface_unref(held[--count]);
		}
		// A round trip: the compositor has handled the destroys before the probe measures.
		CHECK_EQ(iosurface_client_roundtrip(client), 0);
		// The library keeps no descriptor per surface: it closes memory fds once mapped.
		int fds = count_fds("/proc/self/fd");
		int max = atomic_load(&shared->max_fds);
		while (fds > max && !atomic_compare_exchange_weak(&shared->max_fds, &max, fds)) {
		}
		atomic_fetch_add(&shared->ready, 1);
	}
	for (int i = 0; i < count; i++) {
		iosurface_unref(held[i]);
	}
	iosurface_client_destroy(client);
	return 0;
}

static void wait_ready(struct scale_shared *shared, int count) {
	uint64_t deadline = bench_now_ns() + 300000000000ull;
	while (atomic_load(&shared->ready) < count) {
		CHECK(bench_now_ns() < deadline);
		struct timespec ts = { 0, 2000000 };
		nanosleep(&ts, NULL);
	}
}

/* ---- Compositor memory ---- */

struct memory {
	long long vm_rss, rss_anon, rss_shmem; /* KiB, /proc/pid/status */
	long long private_dirty, anonymous;    /* KiB, /proc/pid/smaps_rollup */
	int fds;
};

static long long field_kib(const char *text, const char *name) {
	const char *p = text;
	size_t len = strlen(name);
	while ((p = strstr(p, name)) != NULL) {
		if ((p == text || p[-1] == '\n') && p[len] == ':') {
			return strtoll(p + len + 1, NULL, 10);
		}
		p += len;
	}
	return -1;
}

static void read_memory(pid_t pid, struct memory *m) {
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	char *status = harness_read_file(path, NULL);
	CHECK_NOT_NULL(status);
	m->vm_rss = field_kib(status, "VmRSS");
	m->rss_anon = field_kib(status, "RssAnon");
	m->rss_shmem = field_kib(status, "RssShmem");
	free(status);
	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
	char *rollup = harness_read_file(path, NULL);
	CHECK_NOT_NULL(rollup);
	m->private_dirty = field_kib(rollup, "Private_Dirty");
	m->anonymous = field_kib(rollup, "Anonymous");
	free(rollup);
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	m->fds = count_fds(path);
	CHECK(m->vm_rss > 0 && m->private_dirty >= 0 && m->anonymous >= 0);
}

static long long fd_limit_of(pid_t pid) {
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/limits", (int)pid);
	char *limits = harness_read_file(path, NULL);
	CHECK_NOT_NULL(limits);
	long long soft = -1;
	const char *line = strstr(limits, "Max open files");
	if (line != NULL) {
		soft = strtoll(line + strlen("Max open files"), NULL, 10);
	}
	free(limits);
	return soft;
}

/* ---- The probe ---- */

/* Medians in microseconds of each operation, over n rounds of one surface each. */
static void probe(struct iosurface_client *a, struct iosurface_client *b, int n,
		double medians[OP_COUNT]) {
	double *samples[OP_COUNT];
	for (int op = 0; op < OP_COUNT; op++) {
		samples[op] = calloc((size_t)n, sizeof(double));
		CHECK_NOT_NULL(samples[op]);
	}
	for (int i = 0; i < n; i++) {
		uint64_t t0 = bench_now_ns();
		struct iosurface *s = iosurface_create(a, &small_props);
		uint64_t t1 = bench_now_ns();
		CHECK_NOT_NULL(s);
		samples[OP_CREATE][i] = (double)(t1 - t0) / 1e3;

		int port = iosurface_create_port(s);
		CHECK_GE(port, 0);
		t0 = bench_now_ns();
		struct iosurface *redeemed = iosurface_lookup_from_port(b, port);
		t1 = bench_now_ns();
		CHECK_NOT_NULL(redeemed);
		CHECK_EQ(iosurface_get_id(redeemed), iosurface_get_id(s));
		samples[OP_LOOKUP][i] = (double)(t1 - t0) / 1e3;
		iosurface_unref(redeemed);
		close(port);

		struct iosurface_value *v = iosurface_value_new_integer(i);
		CHECK_NOT_NULL(v);
		t0 = bench_now_ns();
		CHECK_EQ(iosurface_set_value(s, "frame", v), 0);
		struct iosurface_value *copy = iosurface_copy_value(s, "frame");
		t1 = bench_now_ns();
		CHECK_NOT_NULL(copy);
		CHECK_EQ(iosurface_value_get_integer(copy), i);
		samples[OP_VALUE][i] = (double)(t1 - t0) / 1e3;
		iosurface_value_free(v);
		iosurface_value_free(copy);

		t0 = bench_now_ns();
		iosurface_unref(s);
		t1 = bench_now_ns();
		samples[OP_DESTROY][i] = (double)(t1 - t0) / 1e3;
	}
	for (int op = 0; op < OP_COUNT; op++) {
		medians[op] = bench_median(samples[op], (size_t)n);
		free(samples[op]);
	}
}

void bench_scale(void) {
	// 10,000 surfaces and 66 connections with their stocks of ports and tickets, in the
	// compositor (which inherits this limit).
	harness_require_fds(10000 + 66 * 40 + 512);
	struct harness_compositor *hc = bench_compositor_start("1280x720");
	pid_t compositor = harness_compositor_pid(hc);
	struct scale_shared *shared = bench_shared_alloc(sizeof(*shared));
	atomic_store(&shared->step, -1);
	struct rlimit limit;
	CHECK_EQ(getrlimit(RLIMIT_NOFILE, &limit), 0);
	shared->fd_limit = (int)limit.rlim_cur;

	struct child_plan plans[CLIENTS];
	pid_t children[CLIENTS];
	for (int i = 0; i < CLIENTS; i++) {
		plans[i] = (struct child_plan){ i, shared };
		children[i] = bench_fork(population_child, &plans[i]);
	}
	struct iosurface_client *a = iosurface_client_connect(NULL);
	struct iosurface_client *b = iosurface_client_connect(NULL);
	CHECK_NOT_NULL(a);
	CHECK_NOT_NULL(b);
	wait_ready(shared, CLIENTS);
	// Warm the probe's path (first surfaces, first ports) before anything is measured.
	int rounds = bench_iters(200, 10);
	double warm[OP_COUNT];
	probe(a, b, bench_iters(50, 2), warm);
	struct memory before, after;
	read_memory(compositor, &before);

	// Per level, the medians of each step spent there.
	double *step_medians[LEVEL_COUNT][OP_COUNT];
	int visits[LEVEL_COUNT] = { 0 };
	for (int level = 0; level < LEVEL_COUNT; level++) {
		for (int op = 0; op < OP_COUNT; op++) {
			step_medians[level][op] = calloc(2 * MAX_PASSES + 1, sizeof(double));
			CHECK_NOT_NULL(step_medians[level][op]);
		}
	}
	int passes = bench_iters(MAX_PASSES, 1);
	shared->step_count = passes * PERIOD + 1;
	double fill_s[LEVEL_COUNT] = { 0 };
	for (int step = 0; step < shared->step_count; step++) {
		int level = level_of_step(step);
		atomic_store(&shared->ready, 0);
		atomic_store(&shared->step, step);
		futex_wake_all(&shared->step);
		uint64_t t0 = bench_now_ns();
		wait_ready(shared, CLIENTS);
		double seconds = (double)(bench_now_ns() - t0) / 1e9;
		fill_s[level] = seconds > fill_s[level] ? seconds : fill_s[level];
		if (step == LEVEL_COUNT - 1) {
			read_memory(compositor, &after);
		}
		double m[OP_COUNT];
		probe(a, b, rounds, m);
		for (int op = 0; op < OP_COUNT; op++) {
			step_medians[level][op][visits[level]] = m[op];
		}
		visits[level]++;
	}
	atomic_store(&shared->step, shared->step_count);
	futex_wake_all(&shared->step);
	double medians[LEVEL_COUNT][OP_COUNT];
	for (int level = 0; level < LEVEL_COUNT; level++) {
		for (int op = 0; op < OP_COUNT; op++) {
			medians[level][op] = bench_median(step_medians[level][op], (size_t)visits[level]);
			free(step_medians[level][op]);
		}
		bench_note("scale: %d live surfaces (%d visits of %d rounds, reached in at most %.2f s): "
				"create %.1f us, lookup_from_port %.1f us, set_value + copy_value %.1f us, "
				"destroy %.1f us", levels[level], visits[level], rounds, fill_s[level],
				medians[level][OP_CREATE], medians[level][OP_LOOKUP], medians[level][OP_VALUE],
				medians[level][OP_DESTROY]);
	}
	for (int i = 0; i < CLIENTS; i++) {
		bench_wait_child(children[i], "population client");
	}
	iosurface_client_destroy(a);
	iosurface_client_destroy(b);

	for (int op = 0; op < OP_COUNT; op++) {
		char figure[96];
		snprintf(figure, sizeof(figure), "scale: %s at 10,000 vs 100 live surfaces",
				op_names[op]);
		double v = medians[LEVEL_COUNT - 1][op], f = medians[0][op];
		CHECK(v > 0 && f > 0);
		struct bench_row *row = bench_add_row(figure, "us", v, f, "flat: <= 1.5x",
				BENCH_MET_UNKNOWN);
		row->met = row->ratio <= 1.5 ? BENCH_MET_YES : BENCH_MET_NO;
	}
	int surfaces = levels[LEVEL_COUNT - 1];
	double per_surface = (double)(after.vm_rss - before.vm_rss) * 1024 / surfaces;
	bench_add_row("scale: compositor memory per surface beyond pixels (VmRSS growth)", "B",
			per_surface, NAN, "< 2048 B", per_surface < 2048 ? BENCH_MET_YES : BENCH_MET_NO);
	bench_note("scale memory, per surface over %d surfaces in %d clients: VmRSS %+.0f B, "
			"Private_Dirty %+.0f B, Anonymous %+.0f B, RssShmem %+.0f B (state slots; pixels are "
			"never mapped by the compositor)", surfaces, CLIENTS,
			(double)(after.vm_rss - before.vm_rss) * 1024 / surfaces,
			(double)(after.private_dirty - before.private_dirty) * 1024 / surfaces,
			(double)(after.anonymous - before.anonymous) * 1024 / surfaces,
			(double)(after.rss_shmem - before.rss_shmem) * 1024 / surfaces);
	bench_note("scale descriptors: compositor %d open at %d surfaces (%d before), its limit %lld; "
			"clients at most %d open each, their limit %d", after.fds, surfaces, before.fds,
			fd_limit_of(compositor), atomic_load(&shared->max_fds), shared->fd_limit);
	bench_shared_free(shared, sizeof(*shared));
	harness_compositor_stop(hc);
}
