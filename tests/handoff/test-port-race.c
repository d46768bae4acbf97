/*
 * The record-swap race: a receiver of a port reopens it through /proc/self/fd for reading,
 * takes the sender's record out before the compositor reads it, and writes its own naming
 * another of the sender's surfaces, or the same one writable, or takes it out and closes the
 * port. Run thousands of times, it must never get anything but what the sender named, and the
 * sender's use counts must converge.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "e2e-util.h"
#include "client-private.h"

#define HANDOFFS 3000
#define BATCH 4

/* What the sender tells the receiver with each port: everything an attacker could guess. */
struct race_target {
	uint32_t private_id, private_slot; /* a surface the receiver must never get */
	uint32_t shared_id, shared_slot;   /* the one the ports name, read-only */
};

enum race_mode {
	RACE_PRIVATE, /* the private surface, writable */
	RACE_UPGRADE, /* the shared surface, writable */
	RACE_BITFLIP, /* the genuine record replayed with one bit flipped */
	RACE_GUESS, /* a guessed id and slot, flags 0 */
	RACE_DRAIN, /* the record taken out, nothing written back */
	RACE_KILL, /* the record taken out and the port closed, never redeemed */
	RACE_MODES,
};

static const char *const mode_names[RACE_MODES] = {
	"private surface", "write upgrade", "bit-flipped replay", "guessed id and slot",
	"drained only", "drained and closed",
};

struct race_report {
	uint32_t drained[RACE_MODES]; /* the sender's record was still in the pipe */
	uint32_t refused[RACE_MODES]; /* the redeem failed (the port was killed) */
	uint32_t genuine[RACE_MODES]; /* the redeem gave the shared surface, read-only */
	uint32_t stolen[RACE_MODES];  /* anything else */
	uint32_t first_stolen_id, first_stolen_writable;
};

static void put_word(uint8_t *p, uint32_t v) {
	for (int b = 0; b < 4; b++) {
		p[b] = (uint8_t)(v >> (8 * b));
	}
}

/* xorshift: reproducible guesses, seeded per run. */
static uint32_t next_random(uint64_t *state) {
	uint64_t x = *state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return (uint32_t)(x >> 32);
}

static void send_byte(int fd, char c) {
	CHECK_EQ(write(fd, &c, 1), 1);
}

static char recv_byte(int fd) {
	char c = 0;
	CHECK_EQ(read(fd, &c, 1), 1);
	return c;
}

/* Drains the sender's record, if still there, and writes a forgery in its place. */
static void tamper(int port, int i, const struct race_target *t, uint64_t *seed,
		struct race_report *report) {
	enum race_mode mode = (enum race_mode)(i % RACE_MODES);
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", port);
	int rd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	CHECK_GE(rd, 0);
	// Keeps the layout of whatever it drained, so that it works against any record format
	// that starts with the magic, id, slot and flags words, and rewrites the fields.
	uint8_t rec[256];
	ssize_t n = read(rd, rec, sizeof(rec));
	close(rd);
	size_t rec_len = 16;
	if (n > 0) {
		report->drained[mode]++;
		rec_len = (size_t)n;
	} else {
		// Too late: the compositor has read it. Write a forgery all the same.
		memset(rec, 0, sizeof(rec));
		put_word(rec, 0x49535054u);
	}
	switch (mode) {
	case RACE_PRIVATE:
		put_word(rec + 4, t->private_id);
		put_word(rec + 8, t->private_slot);
		put_word(rec + 12, 0);
		break;
	case RACE_BITFLIP:
		if (n > 0) {
			uint32_t bit = next_random(seed) % (uint32_t)(rec_len * 8);
			// Half the time the read-only flag itself: the most tempting bit.
			if (i % 2 == 0) {
				bit = 12 * 8;
			}
			rec[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			break;
		}
		// Nothing to replay: ask for write access instead.
		/* fallthrough */
	case RACE_UPGRADE:
		put_word(rec + 4, t->shared_id);
		put_word(rec + 8, t->shared_slot);
		put_word(rec + 12, 0);
		break;
	case RACE_GUESS: {
		uint32_t top = t->private_id > t->shared_id ? t->private_id : t->shared_id;
		put_word(rec + 4, 1 + next_random(seed) % (top + 2));
		put_word(rec + 8, next_random(seed) % 8);
		put_word(rec + 12, 0);
		break;
	}
	case RACE_DRAIN:
	case RACE_KILL:
		// The binding is left to the sender's bind_port, or the port to die unbound.
		return;
	case RACE_MODES:
		break;
	}
	CHECK_EQ(write(port, rec, rec_len), (ssize_t)rec_len);
}

/* Redeems a tampered port and records what it gave. */
static void redeem(struct iosurface_client *c, int port, int i, const struct race_target *t,
		struct race_report *report) {
	enum race_mode mode = (enum race_mode)(i % RACE_MODES);
	struct iosurface *s = iosurface_lookup_from_port(c, port);
	if (s == NULL) {
		CHECK_EQ(errno, ENOENT);
		report->refused[mode]++;
		return;
	}
	bool writable = !iosurface_is_read_only(s);
	if (iosurface_lock(s, 0, NULL) == 0) {
		writable = true;
		iosurface_unlock(s, 0, NULL);
	}
	if (iosurface_get_id(s) == t->shared_id && !writable) {
		report->genuine[mode]++;
	} else {
		if (report->first_stolen_id == 0) {
			report->first_stolen_id = iosurface_get_id(s);
			report->first_stolen_writable = writable;
		}
		report->stolen[mode]++;
	}
	iosurface_unref(s);
}

/*
 * The attacker. Ports come in batches; the sender stops the compositor during every other
 * batch, so that each record of those is still in its pipe when the receiver looks (the
 * worst case), and lets the other batches race freely.
 */
static void receiver(int sock, int sync, uint64_t seed) {
	struct iosurface_client *c = connect_client();
	struct race_report report = { 0 };
	// Connected: from now on the sender may stop the compositor.
	send_byte(sync, 'c');
	for (int i = 0; i < HANDOFFS; i += BATCH) {
		int ports[BATCH];
		struct race_target t[BATCH];
		for (int j = 0; j < BATCH; j++) {
			size_t len = sizeof(t[j]);
			ports[j] = iosurface_port_receive(sock, &t[j], &len);
			CHECK_GE(ports[j], 0);
			CHECK_EQ(len, sizeof(t[j]));
			tamper(ports[j], i + j, &t[j], &seed, &report);
			if ((i + j) % RACE_MODES == RACE_KILL) {
				close(ports[j]);
				ports[j] = -1;
			}
		}
		// Tampered with: the sender may let the compositor run again.
		send_byte(sync, 't');
		CHECK_EQ(recv_byte(sync), 'g');
		for (int j = 0; j < BATCH; j++) {
			if (ports[j] >= 0) {
				redeem(c, ports[j], i + j, &t[j], &report);
				close(ports[j]);
			}
		}
		send_byte(sync, 'r');
	}
	iosurface_client_destroy(c);
	CHECK_EQ(write(sync, &report, sizeof(report)), (ssize_t)sizeof(report));
}

TEST(record_swap_race_never_rebinds_a_port) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	pid_t compositor = harness_compositor_pid(hc);
	int sv[2], sync[2];
	CHECK_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sync), 0);
	uint64_t seed = (uint64_t)harness_now_ms() * 0x9e3779b97f4a7c15ull | 1;
	printf("seed %llu\n", (unsigned long long)seed);
	pid_t pid = fork();
	CHECK_GE(pid, 0);
	if (pid == 0) {
		close(sv[0]);
		close(sync[0]);
		receiver(sv[1], sync[1], seed);
		close(sv[1]);
		close(sync[1]);
		_exit(0);
	}
	close(sv[1]);
	close(sync[1]);

	struct iosurface_client *a = connect_client();
	struct iosurface *secret = create_bgra(a, 32, 32);
	fill_pattern(secret, 99);
	struct iosurface *shared = create_bgra(a, 32, 32);
	fill_pattern(shared, 11);
	// Created with no round trip: the compositor must have read them before it is stopped,
	// or the first export would wait for it (a port must find its surface).
	CHECK_EQ(iosurface_client_roundtrip(a), 0);
	struct race_target t = {
		.private_id = iosurface_get_id(secret),
		.private_slot = secret->slot_index,
		.shared_id = iosurface_get_id(shared),
		.shared_slot = shared->slot_index,
	};
	CHECK_EQ(recv_byte(sync[0]), 'c');
	for (int i = 0; i < HANDOFFS; i += BATCH) {
		bool stop = (i / BATCH) % 2 == 0;
		// A batch takes fewer ports than the stock holds, so that no export waits for the
		// stopped compositor.
		CHECK_GE((int)(a->ports.size / sizeof(struct stock_port)), BATCH);
		if (stop) {
			CHECK_EQ(kill(compositor, SIGSTOP), 0);
		}
		for (int j = 0; j < BATCH; j++) {
			int port = iosurface_create_port_read_only(shared);
			CHECK_GE(port, 0);
			CHECK_EQ(iosurface_port_send(sv[0], port, &t, sizeof(t)), 0);
			close(port);
		}
		CHECK_EQ(recv_byte(sync[0]), 't');
		if (stop) {
			CHECK_EQ(kill(compositor, SIGCONT), 0);
		}
		send_byte(sync[0], 'g');
		CHECK_EQ(recv_byte(sync[0]), 'r');
		// Picks up the ports the compositor sent to refill the stock.
		CHECK_EQ(iosurface_client_roundtrip(a), 0);
	}
	struct race_report report;
	CHECK_EQ(read(sync[0], &report, sizeof(report)), (ssize_t)sizeof(report));
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(sv[0]);
	close(sync[0]);

	uint32_t drained = 0, stolen = 0;
	for (int m = 0; m < RACE_MODES; m++) {
		printf("%-20s drained %4u  refused %4u  genuine %4u  stolen %4u\n", mode_names[m],
				report.drained[m], report.refused[m], report.genuine[m], report.stolen[m]);
		drained += report.drained[m];
		stolen += report.stolen[m];
	}
	fflush(stdout);
	if (stolen > 0) {
		FAIL("%u of %d handoffs gave the receiver something the sender did not name (first: "
				"surface %u, %s; the shared one is %u, the private one %u)", stolen, HANDOFFS,
				report.first_stolen_id, report.first_stolen_writable ? "writable" : "read-only",
				t.shared_id, t.private_id);
	}
	// A record taken out leaves the binding to the sender's request, which names the same.
	CHECK_EQ(report.refused[RACE_DRAIN], 0);
	// The race must have been run for the test to mean anything: every record of a batch
	// sent while the compositor was stopped was still in its pipe. And since the compositor
	// reads a record only when it needs it (a redeem, the port's death, the issuer
	// leaving), none of it, stopped or not, had read one before the receiver looked.
	CHECK_GE(drained, HANDOFFS / 2);
	CHECK_EQ(drained, HANDOFFS);
	// Nothing wrote into the sender's surfaces.
	CHECK_EQ(check_pattern(secret, 99), 0);
	CHECK_EQ(check_pattern(shared, 11), 0);
	// Every port is closed: the sender's use counts converge, whatever the records said.
	CHECK_EQ(iosurface_client_roundtrip(a), 0);
	CHECK_EQ(wait_global_use_count(secret, 0), 0);
	CHECK_EQ(wait_global_use_count(shared, 0), 0);
	CHECK(!iosurface_is_in_use(secret));
	CHECK(!iosurface_is_in_use(shared));
	iosurface_unref(secret);
	iosurface_unref(shared);
	iosurface_client_destroy(a);
	harness_compositor_stop(hc);
}

int main(int argc, char **argv) {
	return harness_main(argc, argv);
}
