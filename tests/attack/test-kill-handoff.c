/*
 * attack-kill-handoff: a process SIGKILLed at every point of a port handoff, the other one
 * surviving. The victim reports each point it reaches over a control socket and stops at the
 * one it is to die at, so the kill lands exactly there, not at a time.
 *
 * Producer killed (the test process consumes): once connected, once it created and filled a
 * surface, after the export before the send, after the send before the redeem, after the
 * consumer redeemed, while it holds a use count of its own, while the consumer uses the
 * surface, and in the middle of writing its pixels under a lock.
 * Consumer killed (the test process produces): with the port received and not redeemed,
 * after the redeem, while it holds a use count, and in the middle of writing.
 *
 * After each kill: the compositor is alive and serving; a port sent before the producer died
 * still redeems to its pixels (the port holds a reference); the survivor's global use count
 * converges to exactly its own share and is_in_use goes false when it should; once the
 * survivor lets go, the compositor's surfaces, ports, clients and descriptors are back at
 * their baseline.
 *
 * ATTACK_KILL_ROUNDS: rounds of every point (default 2); odd rounds use read-only ports.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attack.h"
#include "e2e-util.h"

#define TAG 0x5a

enum producer_point {
	P_CONNECTED = 1,
	P_CREATED,
	P_EXPORTED,
	P_SENT,
	P_REDEEMED,
	P_OWN_USE,
	P_CONSUMER_USING,
	P_WRITING,
	P_END,
};

static const char *const producer_points[] = {
	[P_CONNECTED] = "connected",
	[P_CREATED] = "created",
	[P_EXPORTED] = "exported, not sent",
	[P_SENT] = "sent, not redeemed",
	[P_REDEEMED] = "redeemed by the consumer",
	[P_OWN_USE] = "holding a use count",
	[P_CONSUMER_USING] = "consumer using it",
	[P_WRITING] = "writing under a lock",
};

enum consumer_point {
	C_RECEIVED = 1,
	C_REDEEMED,
	C_IN_USE,
	C_WRITING,
	C_END,
};

static const char *const consumer_points[] = {
	[C_RECEIVED] = "port received, not redeemed",
	[C_REDEEMED] = "redeemed",
	[C_IN_USE] = "holding a use count",
	[C_WRITING] = "writing under a lock",
};

/* In the victim: says it reached point; stops there for good if it is the one to die at. */
static void reach(int ctl, int point, int die_at) {
	char c = (char)point;
	if (write(ctl, &c, 1) != 1) {
		_exit(1);
	}
	if (point == die_at) {
		for (;;) {
			pause();
		}
	}
}

/* In the victim: waits for the survivor's go. */
static void await(int ctl) {
	char c;
	if (read(ctl, &c, 1) != 1) {
		_exit(1);
	}
}

static void go(int ctl) {
	char c = 'g';
	CHECK_EQ(write(ctl, &c, 1), 1);
}

/* In the survivor: the next point the victim reports (fails if it died on its own). */
static int next_point(int ctl, pid_t victim) {
	struct pollfd pfd = { ctl, POLLIN, 0 };
	if (poll(&pfd, 1, harness_scale_timeout(10000)) != 1) {
		FAIL("the victim %d reported nothing for 10 s", (int)victim);
	}
	char c;
	if (read(ctl, &c, 1) != 1) {
		int status = 0;
		waitpid(victim, &status, 0);
		FAIL("the victim %d ended before its point (status 0x%x)", (int)victim, status);
	}
	return c;
}

static void kill_victim(pid_t victim) {
	CHECK_EQ(kill(victim, SIGKILL), 0);
	int status;
	CHECK_EQ(waitpid(victim, &status, 0), victim);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

/* Rewrites the pixels for good; says it reached point once the first pass is done. */
static void write_forever(struct iosurface *s, int ctl, int point) {
	for (uint32_t tag = TAG + 1;; tag++) {
		fill_pattern(s, tag);
		if (tag == TAG + 1) {
			reach(ctl, point, -1);
		}
	}
}

static void producer_victim(int ctl, int sock, int die_at, bool read_only) {
	struct iosurface_client *c = connect_client();
	reach(ctl, P_CONNECTED, die_at);
	struct iosurface *s = create_bgra(c, 64, 64);
	fill_pattern(s, TAG);
	reach(ctl, P_CREATED, die_at);
	int port = read_only ? iosurface_create_port_read_only(s) : iosurface_create_port(s);
	CHECK_GE(port, 0);
	reach(ctl, P_EXPORTED, die_at);
	CHECK_EQ(iosurface_port_send(sock, port, NULL, 0), 0);
	close(port);
	reach(ctl, P_SENT, die_at);
	await(ctl);
	reach(ctl, P_REDEEMED, die_at);
	iosurface_increment_use_count(s);
	CHECK_EQ(iosurface_client_roundtrip(c), 0);
	reach(ctl, P_OWN_USE, die_at);
	await(ctl);
	reach(ctl, P_CONSUMER_USING, die_at);
	write_forever(s, ctl, P_WRITING);
}

/* The port from the victim, redeemed: the pixels must be those it wrote. */
static struct iosurface *redeem(struct iosurface_client *c, int sock, bool read_only) {
	int port = iosurface_port_receive(sock, NULL, NULL);
	CHECK_GE(port, 0);
	struct iosurface *s = iosurface_lookup_from_port(c, port);
	CHECK_NOT_NULL(s);
	CHECK_EQ(iosurface_is_read_only(s), read_only);
	CHECK_EQ(check_pattern(s, TAG), 0);
	// The port is still open here: it counts.
	CHECK(iosurface_is_in_use(s));
	close(port);
	return s;
}

static void wait_in_use(struct iosurface *s, bool want, const char *when) {
	int64_t deadline = harness_now_ms() + harness_scale_timeout(5000);
	while (iosurface_is_in_use(s) != want && harness_now_ms() < deadline) {
		harness_sleep_ms(2);
	}
	if (iosurface_is_in_use(s) != want) {
		FAIL("is_in_use stays %s %s (global use count %u)", want ? "false" : "true", when,
				iosurface_get_global_use_count(s));
	}
}

struct baseline {
	struct attack_stats stats;
	int fds;
};

static void check_baseline(struct harness_compositor *hc, const struct baseline *base,
		const char *role, const char *point, unsigned round) {
	struct attack_stats now;
	char a[160], b[160];
	if (!attack_wait_stats(hc, &base->stats, false, 5000, &now)) {
		FAIL("%s killed %s (round %u): the totals stay [%s], were [%s]", role, point, round,
				attack_stats_str(&now, a, sizeof(a)), attack_stats_str(&base->stats, b, sizeof(b)));
	}
	// The survivor's stock of unbound ports (one descriptor each in the compositor) is
	// refilled when it runs low, not port for port: count the descriptors beside it.
	int64_t deadline = harness_now_ms() + harness_scale_timeout(5000);
	int fds, want;
	for (;;) {
		attack_stats(hc, &now);
		fds = attack_fd_count(hc);
		want = base->fds - (int)base->stats.unbound_ports + (int)now.unbound_ports;
		if (fds == want || harness_now_ms() >= deadline) {
			break;
		}
		harness_sleep_ms(10);
	}
	if (fds != want) {
		FAIL("%s killed %s (round %u): the compositor holds %d descriptors with %u unbound "
			 "ports, %d with %u before",
				role, point, round, fds, now.unbound_ports, base->fds, base->stats.unbound_ports);
	}
}

static void kill_producer_at(struct harness_compositor *hc, struct iosurface_client *c,
		const struct baseline *base, int die_at, unsigned round) {
	bool read_only = round % 2 == 1;
	int ctl[2], sock[2];
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ctl), 0);
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sock), 0);
	fflush(NULL);
	pid_t victim = fork();
	CHECK_GE(victim, 0);
	if (victim == 0) {
		close(ctl[0]);
		close(sock[0]);
		producer_victim(ctl[1], sock[1], die_at, read_only);
		_exit(0);
	}
	close(ctl[1]);
	close(sock[1]);

	struct iosurface *s = NULL;
	bool using = false;
	for (;;) {
		int point = next_point(ctl[0], victim);
		if (point == die_at) {
			kill_victim(victim);
			break;
		}
		if (point == P_SENT) {
			s = redeem(c, sock[0], read_only);
			go(ctl[0]);
		} else if (point == P_OWN_USE) {
			// The producer's share reaches this process without a round trip of its own.
			wait_in_use(s, true, "while the producer holds a use count");
			CHECK_GLOBAL(s, 1);
			iosurface_increment_use_count(s);
			CHECK_EQ(iosurface_lock(s, IOSURFACE_LOCK_READ_ONLY, NULL), 0);
			using = true;
			go(ctl[0]);
		} else if (point == P_CONSUMER_USING) {
			CHECK_GLOBAL(s, 2);
		}
	}

	if (die_at == P_SENT) {
		// Sent just before the producer died: the port holds the surface for it.
		s = redeem(c, sock[0], read_only);
	}
	if (s != NULL) {
		CHECK_EQ(check_pattern(s, TAG) == 0, die_at < P_WRITING);
		if (using) {
			// The producer's share went with it; this process's own stays.
			CHECK_GLOBAL(s, 1);
			CHECK(iosurface_is_in_use(s));
			CHECK_EQ(iosurface_unlock(s, IOSURFACE_LOCK_READ_ONLY, NULL), 0);
			iosurface_decrement_use_count(s);
		}
		wait_in_use(s, false, "once the producer is dead and the consumer let go");
		CHECK_EQ(iosurface_get_global_use_count(s), 0);
		CHECK_EQ(iosurface_client_roundtrip(c), 0);
		iosurface_unref(s);
		// The release leaves with the next message; this process sends none before the check.
		CHECK_EQ(iosurface_client_flush(c), 0);
	}
	close(ctl[0]);
	close(sock[0]);
	check_baseline(hc, base, "producer", producer_points[die_at], round);
}

static void consumer_victim(int ctl, int sock, int die_at) {
	int port = iosurface_port_receive(sock, NULL, NULL);
	CHECK_GE(port, 0);
	struct iosurface_client *c = connect_client();
	reach(ctl, C_RECEIVED, die_at);
	struct iosurface *s = iosurface_lookup_from_port(c, port);
	CHECK_NOT_NULL(s);
	close(port);
	reach(ctl, C_REDEEMED, die_at);
	iosurface_increment_use_count(s);
	CHECK_EQ(iosurface_client_roundtrip(c), 0);
	reach(ctl, C_IN_USE, die_at);
	write_forever(s, ctl, C_WRITING);
}

static void kill_consumer_at(struct harness_compositor *hc, struct iosurface_client *c,
		const struct baseline *base, int die_at, unsigned round) {
	struct iosurface *s = create_bgra(c, 64, 64);
	fill_pattern(s, TAG);
	int ctl[2], sock[2];
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ctl), 0);
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sock), 0);
	int port = iosurface_create_port(s);
	CHECK_GE(port, 0);
	CHECK_EQ(iosurface_port_send(sock[0], port, NULL, 0), 0);
	close(port);
	fflush(NULL);
	pid_t victim = fork();
	CHECK_GE(victim, 0);
	if (victim == 0) {
		close(ctl[0]);
		close(sock[0]);
		consumer_victim(ctl[1], sock[1], die_at);
		_exit(0);
	}
	close(ctl[1]);
	close(sock[1]);
	for (;;) {
		int point = next_point(ctl[0], victim);
		if (point == C_IN_USE) {
			wait_in_use(s, true, "while the consumer holds a use count");
			CHECK_GLOBAL(s, 1);
		}
		if (point == die_at) {
			kill_victim(victim);
			break;
		}
	}
	// The consumer's share, and its copy of the port, went with it.
	wait_in_use(s, false, "once the consumer is dead");
	CHECK_EQ(iosurface_get_global_use_count(s), 0);
	if (die_at >= C_WRITING) {
		CHECK_GT(check_pattern(s, TAG), 0); // it did write
	}
	iosurface_unref(s);
	CHECK_EQ(iosurface_client_roundtrip(c), 0);
	close(ctl[0]);
	close(sock[0]);
	check_baseline(hc, base, "consumer", consumer_points[die_at], round);
}

TEST(kill_at_every_point) {
	unsigned rounds = (unsigned)attack_env_u64("ATTACK_KILL_ROUNDS", 2);
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct iosurface_client *c = connect_client();
	CHECK_EQ(iosurface_client_roundtrip(c), 0);
	// One export first, so that the stock of ports this client keeps is at its level.
	struct iosurface *warm = create_bgra(c, 16, 16);
	close(iosurface_create_port(warm));
	iosurface_unref(warm);
	CHECK_EQ(iosurface_client_roundtrip(c), 0);
	harness_sleep_ms(100);
	struct baseline base;
	attack_stats(hc, &base.stats);
	base.fds = attack_settled_fd_count(hc);

	unsigned kills = 0;
	for (unsigned round = 0; round < rounds; round++) {
		for (int point = P_CONNECTED; point < P_END; point++) {
			kill_producer_at(hc, c, &base, point, round);
			kills++;
		}
		for (int point = C_RECEIVED; point < C_END; point++) {
			kill_consumer_at(hc, c, &base, point, round);
			kills++;
		}
		CHECK(harness_compositor_alive(hc));
	}
	printf("kill-handoff: %u kills at %d points, every one converged\n", kills,
			(P_END - 1) + (C_END - 1));
	iosurface_client_destroy(c);
	harness_compositor_stop(hc);
}

int main(int argc, char **argv) {
	return harness_main(argc, argv);
}
