/*
 * attack-soak: several processes churn for minutes (surfaces created and dropped, values set,
 * read back and removed, handoffs between clients, use counts, reconnections, and producers
 * SIGKILLed in the middle of a handoff) while the compositor's resident memory and descriptor
 * count are sampled. Memory must stay flat: the highest sample of the last third of the run
 * may exceed the highest of the first third (after a warm-up) by at most
 * ATTACK_SOAK_RSS_SLACK_KIB (default 16 MiB) plus 10 %. Descriptors likewise, within 64. At the
 * end, with every worker gone, descriptors and totals are exactly back at their baseline.
 *
 * ATTACK_SOAK_SECONDS: length of the churn (default 15); ATTACK_SOAK_WORKERS (default 4).
 * Under ASan the compositor's quarantine of freed memory is capped at 16 MiB for this test,
 * so that what is measured is the compositor's memory, not the sanitizer's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attack.h"
#include "e2e-util.h"

#define MAX_WORKERS 16
#define MAX_SAMPLES 4096

struct sample {
	int64_t ms;
	long rss_kib;
	int fds;
};

/* What the workers did, in a shared page, for the closing line. */
struct counts {
	atomic_ulong creates, values, handoffs, kills, reconnects;
};
static struct counts *counts;

static struct iosurface *create_random(struct iosurface_client *c, struct attack_rng *rng) {
	struct iosurface_properties props = {
		.width = 16 + attack_rng_below(rng, 500),
		.height = 16 + attack_rng_below(rng, 500),
		.pixel_format = attack_rng_below(rng, 3) == 0 ? DRM_FORMAT_NV12 : DRM_FORMAT_ARGB8888,
	};
	struct iosurface *s = iosurface_create(c, &props);
	if (s == NULL) {
		harness_fail("iosurface_create %ux%u: %s", props.width, props.height, strerror(errno));
	}
	// Touch the first row only: the pages are the kernel's business, not the compositor's.
	CHECK_EQ(iosurface_lock(s, 0, NULL), 0);
	memset(iosurface_get_base_address(s), 0x5a, iosurface_get_bytes_per_row(s));
	CHECK_EQ(iosurface_unlock(s, 0, NULL), 0);
	atomic_fetch_add(&counts->creates, 1);
	return s;
}

static void churn_values(struct iosurface *s, struct attack_rng *rng) {
	char key[32], bytes[1024];
	snprintf(key, sizeof(key), "key-%u", attack_rng_below(rng, 8));
	struct iosurface_value *v;
	if (attack_rng_below(rng, 2) == 0) {
		v = iosurface_value_new_integer((int64_t)attack_rng_next(rng));
	} else {
		size_t len = attack_rng_below(rng, sizeof(bytes));
		memset(bytes, (int)attack_rng_below(rng, 256), len);
		v = iosurface_value_new_bytes(bytes, len);
	}
	CHECK_NOT_NULL(v);
	CHECK_EQ(iosurface_set_value(s, key, v), 0);
	struct iosurface_value *back = iosurface_copy_value(s, key);
	CHECK_NOT_NULL(back);
	CHECK(iosurface_value_equal(v, back));
	atomic_fetch_add(&counts->values, 1);
	iosurface_value_free(back);
	iosurface_value_free(v);
	if (attack_rng_below(rng, 3) == 0) {
		CHECK_EQ(iosurface_remove_value(s, key), 0);
	}
}

/* A handoff from client a to client b through a socket, with use counts on the way. */
static void handoff(struct iosurface_client *b, struct iosurface *s, int sv[2],
		struct attack_rng *rng) {
	bool read_only = attack_rng_below(rng, 2) == 0;
	int port = read_only ? iosurface_create_port_read_only(s) : iosurface_create_port(s);
	CHECK_GE(port, 0);
	CHECK_EQ(iosurface_port_send(sv[0], port, NULL, 0), 0);
	close(port);
	port = iosurface_port_receive(sv[1], NULL, NULL);
	CHECK_GE(port, 0);
	struct iosurface *t = iosurface_lookup_from_port(b, port);
	CHECK_NOT_NULL(t);
	close(port);
	CHECK_EQ(iosurface_get_id(t), iosurface_get_id(s));
	CHECK_EQ(iosurface_is_read_only(t), read_only);
	iosurface_increment_use_count(t);
	CHECK(iosurface_is_in_use(s) || iosurface_is_in_use(t));
	iosurface_decrement_use_count(t);
	iosurface_unref(t);
	atomic_fetch_add(&counts->handoffs, 1);
}

/* A producer that sends a port and is SIGKILLed before it can do anything more. */
static void handoff_from_victim(struct iosurface_client *c, struct attack_rng *rng) {
	int sv[2];
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	fflush(NULL);
	pid_t victim = fork();
	CHECK_GE(victim, 0);
	if (victim == 0) {
		close(sv[0]);
		struct iosurface_client *vc = connect_client();
		struct iosurface *s = create_random(vc, rng);
		churn_values(s, rng);
		create_random(vc, rng); // left for the kill to clean up
		int port = iosurface_create_port(s);
		CHECK_GE(port, 0);
		CHECK_EQ(iosurface_port_send(sv[1], port, NULL, 0), 0);
		for (;;) {
			pause();
		}
	}
	close(sv[1]);
	int port = iosurface_port_receive(sv[0], NULL, NULL);
	CHECK_GE(port, 0);
	CHECK_EQ(kill(victim, SIGKILL), 0);
	CHECK_EQ(waitpid(victim, NULL, 0), victim);
	atomic_fetch_add(&counts->kills, 1);
	struct iosurface *s = iosurface_lookup_from_port(c, port);
	CHECK_NOT_NULL(s);
	close(port);
	CHECK_EQ(*(uint8_t *)iosurface_get_base_address(s), 0x5a);
	iosurface_unref(s);
	close(sv[0]);
}

static void worker(unsigned index, int64_t deadline) {
	struct attack_rng rng;
	attack_rng_seed(&rng, 0x50a4 + index);
	int sv[2];
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	while (harness_now_ms() < deadline) {
		struct iosurface_client *a = connect_client(), *b = connect_client();
		for (int cycle = 0; cycle < 20 && harness_now_ms() < deadline; cycle++) {
			struct iosurface *s[4];
			unsigned n = 1 + attack_rng_below(&rng, 4);
			for (unsigned i = 0; i < n; i++) {
				s[i] = create_random(a, &rng);
				churn_values(s[i], &rng);
				if (attack_rng_below(&rng, 2) == 0) {
					handoff(b, s[i], sv, &rng);
				}
			}
			for (unsigned i = 0; i < n; i++) {
				iosurface_unref(s[i]);
			}
			if (attack_rng_below(&rng, 10) == 0) {
				handoff_from_victim(b, &rng);
			}
		}
		iosurface_client_destroy(b);
		iosurface_client_destroy(a);
		atomic_fetch_add(&counts->reconnects, 1);
	}
	close(sv[0]);
	close(sv[1]);
}

static long max_rss(const struct sample *samples, size_t from, size_t to) {
	long m = 0;
	for (size_t i = from; i < to; i++) {
		m = samples[i].rss_kib > m ? samples[i].rss_kib : m;
	}
	return m;
}

static int max_fds(const struct sample *samples, size_t from, size_t to) {
	int m = 0;
	for (size_t i = from; i < to; i++) {
		m = samples[i].fds > m ? samples[i].fds : m;
	}
	return m;
}

TEST(soak) {
	uint64_t seconds = attack_env_u64("ATTACK_SOAK_SECONDS", 15);
	unsigned workers = (unsigned)attack_env_u64("ATTACK_SOAK_WORKERS", 4);
	long slack_kib = (long)attack_env_u64("ATTACK_SOAK_RSS_SLACK_KIB", 16 * 1024);
	workers = workers < 1 ? 1 : workers > MAX_WORKERS ? MAX_WORKERS : workers;
	// A worker holds about 64 descriptors in the compositor at its peak (three clients' state
	// pools and stocks of unbound ports, a few surfaces); the compositor keeps a budget of its
	// hard RLIMIT_NOFILE less 256 (half of it when that is 512 or less). Fit the workers in.
	struct rlimit nofile;
	CHECK_EQ(getrlimit(RLIMIT_NOFILE, &nofile), 0);
	uint64_t hard = nofile.rlim_max == RLIM_INFINITY ? 1u << 20 : nofile.rlim_max;
	uint64_t budget = hard > 512 ? hard - 256 : hard / 2;
	if (budget / 64 < workers) {
		if (budget / 64 < 1) {
			SKIP("RLIMIT_NOFILE %llu leaves the compositor too few descriptors for a soak",
					(unsigned long long)hard);
		}
		printf("soak: %llu descriptors for the compositor: %llu workers instead of %u\n",
				(unsigned long long)budget, (unsigned long long)(budget / 64), workers);
		workers = (unsigned)(budget / 64);
	}
	const char *asan = getenv("ASAN_OPTIONS");
	if (asan != NULL) {
		char *capped;
		CHECK_GE(asprintf(&capped, "%s:quarantine_size_mb=16", asan), 0);
		setenv("ASAN_OPTIONS", capped, 1);
		free(capped);
	}
	counts = mmap(NULL, sizeof(*counts), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(counts != MAP_FAILED);
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct attack_stats base, now;
	attack_stats(hc, &base);
	int base_fds = attack_settled_fd_count(hc);

	int64_t start = harness_now_ms();
	int64_t deadline = start + (int64_t)seconds * 1000;
	pid_t pids[MAX_WORKERS];
	fflush(NULL);
	for (unsigned i = 0; i < workers; i++) {
		pids[i] = fork();
		CHECK_GE(pids[i], 0);
		if (pids[i] == 0) {
			worker(i, deadline);
			_exit(0);
		}
	}

	static struct sample samples[MAX_SAMPLES];
	size_t count = 0;
	int64_t interval = (int64_t)seconds * 1000 / 200 > 250 ? (int64_t)seconds * 1000 / 200 : 250;
	while (harness_now_ms() < deadline && count < MAX_SAMPLES) {
		harness_sleep_ms((int)interval);
		if (!harness_compositor_alive(hc)) {
			FAIL("the compositor died during the soak, %lld ms in",
					(long long)(harness_now_ms() - start));
		}
		samples[count++] = (struct sample){ harness_now_ms() - start, attack_rss_kib(hc),
			attack_fd_count(hc) };
	}
	for (unsigned i = 0; i < workers; i++) {
		int status = harness_wait_pid(pids[i], 60000);
		if (status != 0) {
			FAIL("soak worker %u ended with %d", i, status);
		}
	}
	if (count < 9) {
		SKIP("too few samples (%zu) for a soak: ATTACK_SOAK_SECONDS is %llu", count,
				(unsigned long long)seconds);
	}

	// The first ninth is warm-up (allocator arenas, wlroots' first frames); then the first
	// third of what is left against its last third.
	size_t warm = count / 9, third = (count - warm) / 3;
	long early_rss = max_rss(samples, warm, warm + third);
	long late_rss = max_rss(samples, count - third, count);
	int early_fds = max_fds(samples, warm, warm + third);
	int late_fds = max_fds(samples, count - third, count);
	printf("soak: %u workers, %llu s: %lu surfaces, %lu values, %lu handoffs, %lu producers "
		   "killed, %lu reconnections; %zu samples; compositor RSS %ld KiB at the first sample, "
		   "%ld KiB max early, %ld KiB max late; descriptors %d max early, %d max late\n",
			workers, (unsigned long long)seconds, atomic_load(&counts->creates),
			atomic_load(&counts->values), atomic_load(&counts->handoffs),
			atomic_load(&counts->kills), atomic_load(&counts->reconnects), count,
			samples[0].rss_kib, early_rss, late_rss, early_fds, late_fds);
	if (late_rss > early_rss + slack_kib + early_rss / 10) {
		FAIL("the compositor's memory grew from %ld KiB to %ld KiB (allowed: %ld KiB + 10 %%)",
				early_rss, late_rss, slack_kib);
	}
	if (late_fds > early_fds + 64) {
		FAIL("the compositor's descriptors grew from %d to %d", early_fds, late_fds);
	}

	char a[160], b[160];
	if (!attack_wait_stats(hc, &base, true, 5000, &now)) {
		FAIL("after the soak the totals are [%s], before [%s]",
				attack_stats_str(&now, a, sizeof(a)), attack_stats_str(&base, b, sizeof(b)));
	}
	int fds = attack_wait_fd_count(hc, base_fds, 5000);
	if (fds != base_fds) {
		FAIL("after the soak the compositor holds %d descriptors, %d before", fds, base_fds);
	}
	harness_compositor_stop(hc);
	munmap(counts, sizeof(*counts));
}

int main(int argc, char **argv) {
	return harness_main(argc, argv);
}
