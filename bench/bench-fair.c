/*
 * Fairness: what one hostile client can do to everyone else.
 *
 * Part 1. A hostile client process sits at one of the compositor's per-client caps and keeps
 * pressing against it, while this process, a well-behaved client, times bare round trips
 * (wl_display.sync) and keeps creating surfaces and handing them over through ports (created in
 * one connection, redeemed in a second). The caps, at their defaults:
 *
 *   handles  256 iosurface_v1 objects on one surface (its own port redeemed again and again),
 *            then set_in_use toggled on one of them without pause: every toggle changes the
 *            client's use share, so every holder's state slot is written;
 *   params   4,096 iosurface_params_v1 objects kept unused, then requests on them;
 *   values   value bytes up to its cap over many surfaces, then set_value without pause (each
 *            refused);
 *   fds      its process's share of the compositor's descriptors, taken through five
 *            connections, then creates without pause (each refused).
 *
 * A compositor that predates the caps is measured the same way (IOSURFACE_COMPOSITOR names it):
 * the hostile client then stops at 2,000 handles, 4,096 params, 64 MiB of values, or when
 * the compositor refuses it.
 *
 * Part 2. The cost of one request against the number of handles its sender holds on the
 * surface: a client redeems its own port until it holds 10, 256, 2,000 and 16,384 handles on
 * one surface (the cap raised for it, when the compositor has the option), and measures the
 * compositor's CPU time over batches of set_in_use on one handle, with and without another
 * handle in use (without, each request changes the client's share and so the use count every
 * holder sees); then with 16,384 handles as the default caps allow them, 256 on each of 64
 * surfaces.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <iosurface/iosurface.h>

#include "bench.h"
#include "hostile.h"

#define DEFAULT_HANDLES_CAP 256
#define OLD_HANDLES_TARGET 2000
#define PARAMS_TARGET 4096
#define VALUES_TARGET (64u << 20)
#define FD_CONNECTIONS 5
#define BATCH 32

enum scenario {
	SC_NONE,
	SC_HANDLES,
	SC_PARAMS,
	SC_VALUES,
	SC_FDS,
	SC_COUNT,
};

static const char *const scenario_names[SC_COUNT] = {
	"no hostile client",
	"hostile at handles per surface",
	"hostile at params objects",
	"hostile at value bytes",
	"hostile at its descriptor share (5 connections)",
};

#define LEVEL_COUNT 4
static const int levels[LEVEL_COUNT] = { 10, 256, 2000, 16384 };

struct fair_shared {
	_Atomic int ready;
	_Atomic int stop;
	_Atomic long pressed; /* requests sent while at the cap */
	long held; /* what it holds at the cap */
	int refused; /* the compositor refused it: the cap is real */
	char how[200];

	/* Part 2: microseconds per request, [level][0: share changes, 1: share unchanged]. */
	double cost_us[LEVEL_COUNT][2];
	int reached; /* levels reached */
	bool raised; /* the per-surface cap was raised for it */
	/* 16,384 handles at the default cap: 256 on each of 64 surfaces. */
	double spread_us[2];
	int spread_held;
	pid_t compositor; /* whose CPU time a request costs */
};

static bool compositor_has_option(const char *option) {
	const char *path = getenv("IOSURFACE_COMPOSITOR");
	if (path == NULL) {
		return false;
	}
	char cmd[4200];
	snprintf(cmd, sizeof(cmd), "'%s' --help 2>/dev/null", path);
	FILE *f = popen(cmd, "r");
	if (f == NULL) {
		return false;
	}
	char line[512];
	bool found = false;
	while (fgets(line, sizeof(line), f) != NULL) {
		found |= strstr(line, option) != NULL;
	}
	pclose(f);
	return found;
}

static void close_memory(struct hostile_surface *s) {
	for (int i = 0; i < 2; i++) {
		if (s->mem_fd[i] >= 0) {
			close(s->mem_fd[i]);
			s->mem_fd[i] = -1;
		}
	}
}

static void wait_ready(struct fair_shared *sh, pid_t pid, const char *what) {
	int64_t deadline = harness_now_ms() + harness_scale_timeout(240000);
	while (atomic_load(&sh->ready) == 0) {
		if (harness_now_ms() > deadline) {
			FAIL("the hostile client (%s) did not reach its cap in time", what);
		}
		if (harness_wait_pid(pid, 0) != -ETIMEDOUT) {
			FAIL("the hostile client (%s) ended before it reached its cap", what);
		}
		harness_sleep_ms(10);
	}
}

/* ---- Hostile clients (forked; each returns its exit status) ---- */

/*
 * Redeems s's port until the client holds target handles on s, or the compositor refuses
 * one. Returns the number held; *refused tells which.
 */
static int fill_handles(struct hostile_conn *c, int port, struct hostile_surface **h, int have,
		int target, bool *refused) {
	while (have < target && !*refused) {
		int batch = target - have < 64 ? target - have : 64;
		for (int i = 0; i < batch; i++) {
			h[have + i] = hostile_surface_wrap(c,
					iosurface_manager_v1_redeem_port(c->manager, port));
		}
		hostile_roundtrip(c);
		int kept = have;
		for (int i = have; i < have + batch; i++) {
			if (h[i]->done) {
				close_memory(h[i]);
				h[kept++] = h[i];
			} else {
				*refused = true;
				hostile_surface_destroy(h[i]);
			}
		}
		have = kept;
	}
	return have;
}

static struct hostile_surface *bound_surface(struct hostile_conn *c, int *port) {
	struct hostile_surface *s = hostile_create_ok(c, 64, 64);
	close_memory(s);
	uint32_t serial;
	*port = hostile_take_port(c, &serial);
	iosurface_v1_bind_port(s->proxy, serial, 0);
	hostile_roundtrip(c);
	return s;
}

static int hostile_handles(void *data) {
	struct fair_shared *sh = data;
	struct hostile_conn *c = hostile_connect();
	int target = sh->raised ? DEFAULT_HANDLES_CAP : OLD_HANDLES_TARGET;
	struct hostile_surface **h = calloc((size_t)target + 64, sizeof(*h));
	CHECK_NOT_NULL(h);
	int port;
	h[0] = bound_surface(c, &port);
	bool refused = false;
	int held = fill_handles(c, port, h, 1, target, &refused);
	if (sh->raised && !refused) {
		// One more must be refused: the cap is real.
		held = fill_handles(c, port, h, held, held + 1, &refused);
	}
	sh->held = held;
	sh->refused = refused;
	snprintf(sh->how, sizeof(sh->how), "%d handles on one surface%s", held,
			refused ? ", the next refused" : "");
	atomic_store(&sh->ready, 1);
	while (!atomic_load(&sh->stop)) {
		for (int i = 0; i < BATCH; i++) {
			iosurface_v1_set_in_use(h[0]->proxy, (uint32_t)(i & 1) ^ 1);
		}
		hostile_roundtrip(c);
		atomic_fetch_add(&sh->pressed, BATCH);
	}
	close(port);
	return 0;
}

static int hostile_params(void *data) {
	struct fair_shared *sh = data;
	struct hostile_conn *c = hostile_connect();
	struct iosurface_params_v1 **p = calloc(PARAMS_TARGET, sizeof(*p));
	CHECK_NOT_NULL(p);
	for (int i = 0; i < PARAMS_TARGET; i++) {
		p[i] = iosurface_manager_v1_create_params(c->manager);
		iosurface_params_v1_set_name(p[i], "hoarded");
		if (i % 128 == 127) {
			hostile_roundtrip(c);
		}
	}
	hostile_roundtrip(c);
	sh->held = PARAMS_TARGET;
	snprintf(sh->how, sizeof(sh->how), "%d unused params objects", PARAMS_TARGET);
	atomic_store(&sh->ready, 1);
	for (int i = 0; !atomic_load(&sh->stop); i = (i + 1) % PARAMS_TARGET) {
		// Requests that are valid once per object: a size on each in turn.
		if (i == 0) {
			for (int j = 0; j < PARAMS_TARGET; j++) {
				iosurface_params_v1_destroy(p[j]);
				p[j] = NULL;
			}
			hostile_roundtrip(c);
			for (int j = 0; j < PARAMS_TARGET; j++) {
				p[j] = iosurface_manager_v1_create_params(c->manager);
				if (j % 128 == 127) {
					hostile_roundtrip(c);
				}
			}
		}
		iosurface_params_v1_set_size(p[i], 64, 64);
		if (i % BATCH == BATCH - 1) {
			hostile_roundtrip(c);
			atomic_fetch_add(&sh->pressed, BATCH);
		}
	}
	return 0;
}

static void make_value(struct wl_array *value, uint32_t size) {
	wl_array_init(value);
	uint8_t *v = wl_array_add(value, size);
	CHECK_NOT_NULL(v);
	// A string: 's', its little-endian length, its bytes.
	v[0] = 's';
	uint32_t len = size - 5;
	for (int b = 0; b < 4; b++) {
		v[1 + b] = (uint8_t)(len >> (8 * b));
	}
	memset(v + 5, 'v', len);
}

static int hostile_values(void *data) {
	struct fair_shared *sh = data;
	struct hostile_conn *c = hostile_connect();
	struct wl_array value;
	make_value(&value, 3072);
	uint64_t total = 0;
	bool refused = false;
	struct hostile_surface *s = NULL;
	int surfaces = 0;
	while (!refused && total < VALUES_TARGET) {
		s = hostile_create_ok(c, 16, 16);
		close_memory(s);
		surfaces++;
		// 20 values of 3 KiB fit under the 64 KiB of one surface.
		for (int i = 0; i < 20; i++) {
			char key[32];
			snprintf(key, sizeof(key), "value-%d", i);
			iosurface_v1_set_value(s->proxy, key, &value);
			if (i % 4 == 3) {
				hostile_roundtrip(c);
			}
		}
		hostile_roundtrip(c);
		uint32_t set = 20 - s->set_value_failed;
		total += (uint64_t)set * (3072 + 7);
		refused = s->set_value_failed > 0;
	}
	sh->held = (long)total;
	sh->refused = refused;
	snprintf(sh->how, sizeof(sh->how), "%.1f MiB of values on %d surfaces%s",
			(double)total / (1 << 20), surfaces, refused ? ", then refused" : "");
	atomic_store(&sh->ready, 1);
	for (uint32_t n = 0; !atomic_load(&sh->stop); n++) {
		char key[32];
		snprintf(key, sizeof(key), "more-%u", n % 64);
		iosurface_v1_set_value(s->proxy, key, &value);
		if (n % 8 == 7) {
			hostile_roundtrip(c);
			atomic_fetch_add(&sh->pressed, 8);
		}
	}
	wl_array_release(&value);
	return 0;
}

static int hostile_fds(void *data) {
	struct fair_shared *sh = data;
	struct hostile_conn *c[FD_CONNECTIONS];
	long made = 0;
	for (int i = 0; i < FD_CONNECTIONS; i++) {
		c[i] = hostile_connect();
		// Until refused: by the descriptor share, or by the per-connection surface count.
		for (;;) {
			struct hostile_surface *s = hostile_create(c[i], 16, 16, DRM_FORMAT_ARGB8888, 0);
			if (!s->done) {
				hostile_surface_destroy(s);
				break;
			}
			close_memory(s);
			made++;
		}
	}
	sh->held = made;
	sh->refused = 1;
	snprintf(sh->how, sizeof(sh->how), "%ld surfaces over %d connections, then refused", made,
			FD_CONNECTIONS);
	atomic_store(&sh->ready, 1);
	for (int n = 0; !atomic_load(&sh->stop); n++) {
		struct hostile_surface *s = hostile_create(c[n % FD_CONNECTIONS], 16, 16,
				DRM_FORMAT_ARGB8888, 0);
		if (s->done) {
			close_memory(s);
		} else {
			hostile_surface_destroy(s);
		}
		atomic_fetch_add(&sh->pressed, 1);
	}
	return 0;
}

/* ---- The well-behaved client ---- */

struct victim_result {
	double median_ms, worst_ms;
	int iterations, create_failed, handoff_failed;
};

static void victim_run(struct victim_result *r) {
	struct iosurface_client *a = iosurface_client_connect(NULL);
	CHECK_NOT_NULL(a);
	struct iosurface_client *b = iosurface_client_connect(NULL);
	CHECK_NOT_NULL(b);
	int n = bench_iters(400, 40);
	double *samples = calloc((size_t)n, sizeof(*samples));
	CHECK_NOT_NULL(samples);
	*r = (struct victim_result){ .iterations = n };
	const struct iosurface_properties props = {
		.width = 64,
		.height = 64,
		.pixel_format = BENCH_FORMAT_ARGB8888,
	};
	for (int i = 0; i < n; i++) {
		uint64_t t0 = bench_now_ns();
		CHECK_EQ(iosurface_client_roundtrip(a), 0);
		samples[i] = (double)(bench_now_ns() - t0) / 1e6;
		struct iosurface *s = iosurface_create(a, &props);
		if (s == NULL) {
			r->create_failed++;
			continue;
		}
		int port = iosurface_create_port(s);
		struct iosurface *t = port >= 0 ? iosurface_lookup_from_port(b, port) : NULL;
		if (t == NULL || iosurface_get_id(t) != iosurface_get_id(s)) {
			r->handoff_failed++;
		}
		if (t != NULL) {
			iosurface_unref(t);
		}
		if (port >= 0) {
			close(port);
		}
		iosurface_unref(s);
	}
	r->median_ms = bench_median(samples, (size_t)n);
	r->worst_ms = samples[n - 1];
	free(samples);
	iosurface_client_destroy(b);
	iosurface_client_destroy(a);
}

static void run_scenario(enum scenario sc, bool has_caps, struct victim_result *r,
		struct fair_shared *sh) {
	struct harness_compositor *hc = bench_compositor_start("640x480");
	memset(sh, 0, sizeof(*sh));
	sh->raised = has_caps;
	static int (*const fns[SC_COUNT])(void *) = {
		[SC_HANDLES] = hostile_handles,
		[SC_PARAMS] = hostile_params,
		[SC_VALUES] = hostile_values,
		[SC_FDS] = hostile_fds,
	};
	pid_t pid = -1;
	if (fns[sc] != NULL) {
		pid = bench_fork(fns[sc], sh);
		wait_ready(sh, pid, scenario_names[sc]);
	}
	long pressed_before = atomic_load(&sh->pressed);
	victim_run(r);
	long pressed = atomic_load(&sh->pressed) - pressed_before;
	atomic_store(&sh->stop, 1);
	if (pid > 0) {
		bench_wait_child(pid, scenario_names[sc]);
	}
	CHECK_EQ(harness_compositor_stop(hc), 0);
	if (sc != SC_NONE) {
		bench_note("fairness, %s: it held %s and sent %ld more requests during the run; the "
				   "victim's %d creates: %d failed, handoffs: %d failed; round trip median "
				   "%.3f ms, worst %.3f ms",
				scenario_names[sc], sh->how, pressed, r->iterations, r->create_failed,
				r->handoff_failed, r->median_ms, r->worst_ms);
	}
}

/* ---- Part 2: cost per request ---- */

/*
 * The compositor's CPU time per request, in microseconds, over count set_in_use on h sent in
 * batches of BATCH, each followed by a round trip (whose cost, a few microseconds a batch, is
 * counted in).
 */
static double time_requests(struct fair_shared *sh, struct hostile_conn *c,
		struct hostile_surface *h, int count) {
	hostile_roundtrip(c);
	int64_t cpu0 = bench_process_cpu_ns(sh->compositor);
	CHECK_GE(cpu0, 0);
	for (int i = 0; i < count; i++) {
		iosurface_v1_set_in_use(h->proxy, (uint32_t)(i & 1) ^ 1);
		if (i % BATCH == BATCH - 1) {
			hostile_roundtrip(c);
		}
	}
	hostile_roundtrip(c);
	int64_t cpu1 = bench_process_cpu_ns(sh->compositor);
	return (double)(cpu1 - cpu0) / 1e3 / count;
}

static int cost_child(void *data) {
	struct fair_shared *sh = data;
	struct hostile_conn *c = hostile_connect();
	int max = levels[LEVEL_COUNT - 1];
	struct hostile_surface **h = calloc((size_t)max + 64, sizeof(*h));
	CHECK_NOT_NULL(h);
	int port;
	h[0] = bound_surface(c, &port);
	int held = 1;
	bool refused = false;
	int64_t budget_ms = bench_config.quick ? 5000 : 60000;
	for (int l = 0; l < LEVEL_COUNT; l++) {
		int64_t start = harness_now_ms();
		// Fill in steps, so that a compositor that slows down with each handle is given up
		// on once it takes too long.
		while (held < levels[l] && !refused && harness_now_ms() - start < budget_ms) {
			int step = levels[l] - held < 256 ? levels[l] - held : 256;
			held = fill_handles(c, port, h, held, held + step, &refused);
		}
		if (held < levels[l]) {
			break;
		}
		int count = bench_iters(1024, 256);
		// The client's share changes with each request: the use count every holder sees.
		sh->cost_us[l][0] = time_requests(sh, c, h[0], count);
		// Another handle in use: the share stays; nothing anyone sees changes.
		iosurface_v1_set_in_use(h[1]->proxy, 1);
		sh->cost_us[l][1] = time_requests(sh, c, h[0], count);
		iosurface_v1_set_in_use(h[1]->proxy, 0);
		hostile_roundtrip(c);
		sh->reached = l + 1;
	}
	close(port);
	return 0;
}

/* 16,384 handles as the default caps allow them: 256 on each of 64 surfaces. */
static int spread_child(void *data) {
	struct fair_shared *sh = data;
	struct hostile_conn *c = hostile_connect();
	struct hostile_surface **h = calloc(16384 + 64, sizeof(*h));
	CHECK_NOT_NULL(h);
	int held = 0, ports[64];
	for (int i = 0; i < 64; i++) {
		bool refused = false;
		h[held] = bound_surface(c, &ports[i]);
		held = fill_handles(c, ports[i], h, held + 1, held + DEFAULT_HANDLES_CAP, &refused);
		CHECK(!refused);
	}
	sh->spread_held = held;
	int count = bench_iters(1024, 64);
	sh->spread_us[0] = time_requests(sh, c, h[0], count);
	iosurface_v1_set_in_use(h[1]->proxy, 1);
	sh->spread_us[1] = time_requests(sh, c, h[0], count);
	for (int i = 0; i < 64; i++) {
		close(ports[i]);
	}
	return 0;
}

static void run_spread(struct fair_shared *sh) {
	struct harness_compositor *hc = bench_compositor_start("640x480");
	sh->compositor = harness_compositor_pid(hc);
	pid_t pid = bench_fork(spread_child, sh);
	bench_wait_child(pid, "the spread probe");
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

static void run_costs(bool has_caps, struct fair_shared *sh) {
	struct harness_compositor *hc;
	memset(sh, 0, sizeof(*sh));
	if (has_caps) {
		hc = harness_compositor_start(HOSTILE_ARGS("--size", "640x480", "--no-gbm",
				"--max-handles-per-surface", "16384"));
		sh->raised = true;
	} else {
		hc = bench_compositor_start("640x480");
	}
	sh->compositor = harness_compositor_pid(hc);
	pid_t pid = bench_fork(cost_child, sh);
	bench_wait_child(pid, "the cost probe");
	// A compositor whose teardown is quadratic in the handles of a client may take longer
	// than the harness waits to let it go; that is a figure, not a failure of the bench.
	int status = harness_compositor_stop_status(hc);
	if (status == -ETIMEDOUT) {
		bench_note("per request: the compositor did not exit within 10 s of SIGTERM after the "
				   "probe (%d handles on one surface) and was killed",
				levels[sh->reached > 0 ? sh->reached - 1 : 0]);
	} else if (status != 0) {
		FAIL("the compositor ended with status 0x%x", status);
	}
}

void bench_fairness(void) {
	// The hostile client fills its process's share of the compositor's descriptors (a quarter
	// of the budget) with surfaces for values: enough of them to reach the value cap.
	harness_require_fds(4 * 1024 + 256);
	bool has_caps = compositor_has_option("--max-handles-per-surface");
	struct fair_shared *sh = bench_shared_alloc(sizeof(*sh));
	struct victim_result results[SC_COUNT];
	for (int sc = 0; sc < SC_COUNT; sc++) {
		run_scenario((enum scenario)sc, has_caps, &results[sc], sh);
	}
	double floor = results[SC_NONE].median_ms;
	for (int sc = 1; sc < SC_COUNT; sc++) {
		char figure[96];
		snprintf(figure, sizeof(figure), "fairness: round trip, %s: median", scenario_names[sc]);
		struct victim_result *r = &results[sc];
		bench_add_row(figure, "ms", r->median_ms, floor, "< 10 ms",
				r->median_ms < 10 ? BENCH_MET_YES : BENCH_MET_NO);
		snprintf(figure, sizeof(figure), "fairness: round trip, %s: worst", scenario_names[sc]);
		bench_add_row(figure, "ms", r->worst_ms, results[SC_NONE].worst_ms, "-", BENCH_MET_UNKNOWN);
		snprintf(figure, sizeof(figure), "fairness: creates + handoffs refused, %s",
				scenario_names[sc]);
		int failed = r->create_failed + r->handoff_failed;
		bench_add_row(figure, "", failed, NAN, "0", failed == 0 ? BENCH_MET_YES : BENCH_MET_NO);
	}
	bench_note("fairness, no hostile client: round trip median %.3f ms, worst %.3f ms (%d "
			   "round trips, each followed by a create and a handoff)",
			results[SC_NONE].median_ms, results[SC_NONE].worst_ms, results[SC_NONE].iterations);

	run_costs(has_caps, sh);
	static const char *const kinds[2] = { "share changes", "share unchanged" };
	for (int k = 0; k < 2; k++) {
		char text[BENCH_TEXT];
		int len = snprintf(text, sizeof(text),
				"per request, set_in_use (%s), by handles held on "
				"one surface%s:",
				kinds[k], sh->raised ? " (cap raised to 16384)" : "");
		for (int l = 0; l < LEVEL_COUNT && len < (int)sizeof(text); l++) {
			if (l < sh->reached) {
				len += snprintf(text + len, sizeof(text) - (size_t)len, " %d: %.2f us", levels[l],
						sh->cost_us[l][k]);
			} else {
				len += snprintf(text + len, sizeof(text) - (size_t)len, " %d: not reached",
						levels[l]);
			}
		}
		bench_note("%s", text);
	}
	if (has_caps) {
		run_spread(sh);
		bench_note("per request, set_in_use, %d handles at the default cap (256 on each of 64 "
				   "surfaces): %.2f us (share changes), %.2f us (share unchanged)",
				sh->spread_held, sh->spread_us[0], sh->spread_us[1]);
		for (int k = 0; k < 2; k++) {
			char figure[96];
			snprintf(figure, sizeof(figure), "per request at 16384 (256 x 64) vs 10 handles, %s",
					kinds[k]);
			bench_add_row(figure, "us", sh->spread_us[k], sh->cost_us[0][k], "-",
					BENCH_MET_UNKNOWN);
		}
	}
	for (int k = 0; k < 2; k++) {
		int top = sh->reached - 1;
		if (top < 1) {
			continue;
		}
		char figure[96];
		snprintf(figure, sizeof(figure), "per request at %d vs 10 handles on a surface, %s",
				levels[top], kinds[k]);
		bench_add_row(figure, "us", sh->cost_us[top][k], sh->cost_us[0][k], "-", BENCH_MET_UNKNOWN);
	}
	bench_shared_free(sh, sizeof(*sh));
}
