/*
 * Helpers of the attack suite (tests/attack): the compositor's totals, its descriptor count
 * and memory, and the knobs that size a run from the environment.
 *
 * The suite attacks the reference compositor the way a hostile or crashing process would:
 * a wire fuzzer, SIGKILLs at every point of a handoff, the compositor's own death under
 * blocked calls, and a soak. doc/attacks.md says what each one asserts and how to replay it.
 */
#ifndef TESTS_ATTACK_ATTACK_H
#define TESTS_ATTACK_ATTACK_H

#include <stdbool.h>
#include <stdint.h>

#include "harness.h"

/* The line the compositor prints on SIGUSR2 (iosurface_server_get_stats()). */
struct attack_stats {
	uint32_t surfaces, clients, ports, unbound_ports, shown;
	uint64_t allocated_bytes;
};

/* Asks the compositor for its totals (SIGUSR2) and reads them; fails the test if it cannot. */
void attack_stats(struct harness_compositor *hc, struct attack_stats *stats);

/*
 * Waits up to timeout_ms (scaled) for the totals to equal want in surfaces, clients and ports
 * (unbound ports too if check_unbound). Returns true if they did; stats holds the last read.
 */
bool attack_wait_stats(struct harness_compositor *hc, const struct attack_stats *want,
		bool check_unbound, int timeout_ms, struct attack_stats *stats);

/* "surfaces N clients N ports N unbound N bytes N" for messages. */
const char *attack_stats_str(const struct attack_stats *stats, char *buf, size_t size);

/*
 * Descriptors open in the compositor (/proc/PID/fd), leaving out those of a wrapper such as
 * valgrind and the shared-memory buffers wlroots makes for its output when it first renders.
 */
int attack_fd_count(struct harness_compositor *hc);

/* The lowest count over 200 ms: libwayland closes its copies of sent descriptors lazily. */
int attack_settled_fd_count(struct harness_compositor *hc);

/* Waits up to timeout_ms (scaled) for the count to fall to want; returns the last count. */
int attack_wait_fd_count(struct harness_compositor *hc, int want, int timeout_ms);

/* The compositor's resident memory in KiB (VmRSS), or -1. */
long attack_rss_kib(struct harness_compositor *hc);

/* An unsigned integer from the environment, or fallback if unset or not a number. */
uint64_t attack_env_u64(const char *name, uint64_t fallback);

/* xorshift64*, seeded through splitmix64 so that any seed, 0 included, works. */
struct attack_rng {
	uint64_t state;
};
void attack_rng_seed(struct attack_rng *rng, uint64_t seed);
uint64_t attack_rng_next(struct attack_rng *rng);
/* Uniform in [0, n); n must be > 0. */
uint32_t attack_rng_below(struct attack_rng *rng, uint32_t n);
/* A seed from the kernel's random source. */
uint64_t attack_random_seed(void);

#endif
