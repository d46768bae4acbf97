#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <unistd.h>

#include "attack.h"

void attack_stats(struct harness_compositor *hc, struct attack_stats *stats) {
	char line[256];
	if (kill(harness_compositor_pid(hc), SIGUSR2) != 0) {
		FAIL("cannot signal the compositor: %s", strerror(errno));
	}
	int ret = harness_compositor_wait_line(hc, "stats ", 5000, line, sizeof(line));
	if (ret != 0) {
		FAIL("the compositor printed no totals after SIGUSR2: %s", strerror(-ret));
	}
	memset(stats, 0, sizeof(*stats));
	if (sscanf(line,
				"stats surfaces %" SCNu32 " clients %" SCNu32 " ports %" SCNu32
				" unbound_ports %" SCNu32 " allocated_bytes %" SCNu64 " shown %" SCNu32,
				&stats->surfaces, &stats->clients, &stats->ports, &stats->unbound_ports,
				&stats->allocated_bytes, &stats->shown) != 6) {
		FAIL("cannot read the compositor's totals from '%s'", line);
	}
}

static bool stats_equal(const struct attack_stats *a, const struct attack_stats *b,
		bool check_unbound) {
	return a->surfaces == b->surfaces && a->clients == b->clients && a->ports == b->ports &&
			a->shown == b->shown && a->allocated_bytes == b->allocated_bytes &&
			(!check_unbound || a->unbound_ports == b->unbound_ports);
}

bool attack_wait_stats(struct harness_compositor *hc, const struct attack_stats *want,
		bool check_unbound, int timeout_ms, struct attack_stats *stats) {
	int64_t deadline = harness_now_ms() + harness_scale_timeout(timeout_ms);
	for (;;) {
		attack_stats(hc, stats);
		if (stats_equal(stats, want, check_unbound)) {
			return true;
		}
		if (harness_now_ms() >= deadline) {
			return false;
		}
		harness_sleep_ms(20);
	}
}

const char *attack_stats_str(const struct attack_stats *stats, char *buf, size_t size) {
	snprintf(buf, size,
			"surfaces %" PRIu32 " clients %" PRIu32 " ports %" PRIu32 " unbound %" PRIu32
			" bytes %" PRIu64 " shown %" PRIu32,
			stats->surfaces, stats->clients, stats->ports, stats->unbound_ports,
			stats->allocated_bytes, stats->shown);
	return buf;
}

int attack_fd_count(struct harness_compositor *hc) {
	int n = harness_compositor_count_fds(hc);
	if (n < 0) {
		FAIL("cannot count the compositor's descriptors: %s", strerror(-n));
	}
	char dir[64];
	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)harness_compositor_pid(hc));
	DIR *d = opendir(dir);
	if (d == NULL) {
		return n;
	}
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		char path[400], target[256];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		ssize_t len = readlink(path, target, sizeof(target) - 1);
		if (len > 0) {
			target[len] = '\0';
			n -= strncmp(target, "/dev/shm/wlroots-", 17) == 0;
		}
	}
	closedir(d);
	return n;
}

int attack_settled_fd_count(struct harness_compositor *hc) {
	int low = attack_fd_count(hc);
	for (int i = 0; i < 20; i++) {
		harness_sleep_ms(10);
		int n = attack_fd_count(hc);
		low = n < low ? n : low;
	}
	return low;
}

int attack_wait_fd_count(struct harness_compositor *hc, int want, int timeout_ms) {
	int64_t deadline = harness_now_ms() + harness_scale_timeout(timeout_ms);
	int n;
	while ((n = attack_fd_count(hc)) != want && harness_now_ms() < deadline) {
		harness_sleep_ms(10);
	}
	return n;
}

long attack_rss_kib(struct harness_compositor *hc) {
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)harness_compositor_pid(hc));
	FILE *f = fopen(path, "re");
	if (f == NULL) {
		return -1;
	}
	char line[256];
	long kib = -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1) {
			break;
		}
	}
	fclose(f);
	return kib;
}

uint64_t attack_env_u64(const char *name, uint64_t fallback) {
	const char *value = getenv(name);
	if (value == NULL || value[0] == '\0') {
		return fallback;
	}
	char *end;
	errno = 0;
	unsigned long long v = strtoull(value, &end, 0);
	if (errno != 0 || *end != '\0') {
		return fallback;
	}
	return v;
}

static uint64_t splitmix64(uint64_t *x) {
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void attack_rng_seed(struct attack_rng *rng, uint64_t seed) {
	rng->state = splitmix64(&seed);
	if (rng->state == 0) {
		rng->state = 1;
	}
}

uint64_t attack_rng_next(struct attack_rng *rng) {
	uint64_t x = rng->state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng->state = x;
	return x * 0x2545f4914f6cdd1dull;
}

uint32_t attack_rng_below(struct attack_rng *rng, uint32_t n) {
	return (uint32_t)((attack_rng_next(rng) >> 32) % n);
}

uint64_t attack_random_seed(void) {
	uint64_t seed = 0;
	if (getrandom(&seed, sizeof(seed), 0) != (ssize_t)sizeof(seed)) {
		seed = (uint64_t)harness_now_ms() ^ ((uint64_t)getpid() << 32);
	}
	return seed;
}
