/* Ports and use counts across processes: IOSurfaceCreateMachPort's handoff, exactly counted. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "e2e-util.h"
#include "client-private.h"

static int compositor_fds(struct harness_compositor *hc) {
	// Leaves out the descriptors of valgrind when it runs the compositor (the harness does),
	// and the shared-memory buffers wlroots makes for the output when it first renders,
	// which under valgrind can come after a test took its baseline.
	int n = harness_compositor_count_fds(hc);
	char dir[64];
	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)harness_compositor_pid(hc));
	DIR *d = opendir(dir);
	if (d != NULL) {
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
	}
	return n;
}

/*
 * The compositor's descriptor count at rest. libwayland closes its duplicates of the
 * descriptors it sent a little after the client received them, so take the lowest of a few
 * samples.
 */
static int settled_compositor_fds(struct harness_compositor *hc) {
	int low = compositor_fds(hc);
	for (int i = 0; i < 20; i++) {
		harness_sleep_ms(5);
		int n = compositor_fds(hc);
		low = n < low ? n : low;
	}
	return low;
}

/* Waits until the compositor holds `expected` descriptors (it notices closes by itself). */
static int wait_compositor_fds(struct harness_compositor *hc, int expected) {
	int64_t deadline = harness_now_ms() + harness_scale_timeout(3000);
	int n;
	while ((n = compositor_fds(hc)) != expected && harness_now_ms() < deadline) {
		harness_sleep_ms(2);
	}
	return n;
}

static void wait_child_ok(pid_t pid) {
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		harness_fail("child %d failed (status 0x%x)", (int)pid, status);
	}
}

static void send_byte(int fd, char c) {
	CHECK_EQ(write(fd, &c, 1), 1);
}

static char recv_byte(int fd) {
	char c = 0;
	CHECK_EQ(read(fd, &c, 1), 1);
	return c;
}

/* A -> B -> C: each redeems, C reads what A wrote; the global count checked at each step. */
TEST(handoff_a_b_c) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	int ab[2], bc[2];
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ab), 0);
	CHECK_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, bc), 0);

	pid_t c_pid = fork();
	CHECK_GE(c_pid, 0);
	if (c_pid == 0) {
		close(ab[0]);
		close(ab[1]);
		close(bc[0]);
		struct iosurface_client *c = connect_client();
		char payload[16];
		size_t len = sizeof(payload);
		int port = iosurface_port_receive(bc[1], payload, &len);
		CHECK_GE(port, 0);
		CHECK_EQ(len, 5);
		CHECK_EQ(memcmp(payload, "hello", 5), 0);
		struct iosurface *s = iosurface_lookup_from_port(c, port);
		CHECK_NOT_NULL(s);
		CHECK_EQ(check_pattern(s, 77), 0);
		close(port);
		iosurface_increment_use_count(s);
		// Counted by the compositor before A looks, so that A's wait is for the ports alone.
		CHECK_EQ(iosurface_client_roundtrip(c), 0);
		send_byte(bc[1], 'c');
		recv_byte(bc[1]);
		iosurface_decrement_use_count(s);
		iosurface_unref(s);
		iosurface_client_destroy(c);
		close(bc[1]);
		_exit(0);
	}
	pid_t b_pid = fork();
	CHECK_GE(b_pid, 0);
	if (b_pid == 0) {
		close(ab[0]);
		close(bc[1]);
		struct iosurface_client *c = connect_client();
		int port = iosurface_port_receive(ab[1], NULL, NULL);
		CHECK_GE(port, 0);
		struct iosurface *s = iosurface_lookup_from_port(c, port);
		CHECK_NOT_NULL(s);
		close(port);
		int port2 = iosurface_create_port(s);
		CHECK_GE(port2, 0);
		CHECK_EQ(iosurface_port_send(bc[0], port2, "hello", 5), 0);
		close(port2);
		CHECK_EQ(recv_byte(bc[0]), 'c');
		send_byte(ab[1], 'b');
		recv_byte(ab[1]);
		send_byte(bc[0], 'x');
		iosurface_unref(s);
		iosurface_client_destroy(c);
		close(ab[1]);
		close(bc[0]);
		_exit(0);
	}
	close(ab[1]);
	close(bc[0]);
	close(bc[1]);

	struct iosurface_client *a = connect_client();
	struct iosurface *s = create_bgra(a, 64, 48);
	fill_pattern(s, 77);
	CHECK_EQ(iosurface_get_global_use_count(s), 0);
	CHECK(!iosurface_is_in_use(s));
	int port = iosurface_create_port(s);
	CHECK_GE(port, 0);
	// A new port counts at once, in this process, with no round trip.
	CHECK_EQ(iosurface_get_global_use_count(s), 1);
	CHECK(iosurface_is_in_use(s));
	CHECK_EQ(iosurface_port_send(ab[0], port, NULL, 0), 0);
	close(port);
	CHECK_EQ(recv_byte(ab[0]), 'b');
	// B closed its copy of A's port; C holds a use count; B's port is closed too.
	CHECK_GLOBAL(s, 1);
	send_byte(ab[0], 'a');
	wait_child_ok(b_pid);
	wait_child_ok(c_pid);
	CHECK_GLOBAL(s, 0);
	close(ab[0]);
	iosurface_unref(s);
	iosurface_client_destroy(a);
	harness_compositor_stop(hc);
}

/* Shared by the two "creator gone" tests: the creator hands a port over, then dies. */
static void creator_gone(bool kill_it) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	int fd_baseline = settled_compositor_fds(hc);
	int sv[2];
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	pid_t creator = fork();
	CHECK_GE(creator, 0);
	if (creator == 0) {
		close(sv[0]);
		struct iosurface_client *c = connect_client();
		struct iosurface *s = create_bgra(c, 100, 100);
		fill_pattern(s, 5);
		int port = iosurface_create_port(s);
		CHECK_EQ(iosurface_port_send(sv[1], port, NULL, 0), 0);
		if (kill_it) {
			// Killed with everything still open: the compositor cleans up after it.
			pause();
		}
		close(port);
		iosurface_unref(s);
		iosurface_client_destroy(c);
		_exit(0);
	}
	close(sv[1]);
	int port = iosurface_port_receive(sv[0], NULL, NULL);
	CHECK_GE(port, 0);
	if (kill_it) {
		CHECK_EQ(kill(creator, SIGKILL), 0);
		int status;
		CHECK_EQ(waitpid(creator, &status, 0), creator);
		CHECK(WIFSIGNALED(status));
	} else {
		wait_child_ok(creator);
	}
	close(sv[0]);
	// The creator is gone; the port alone keeps the surface alive.
	struct iosurface_client *b = connect_client();
	struct iosurface *s = iosurface_lookup_from_port(b, port);
	CHECK_NOT_NULL(s);
	CHECK_EQ(check_pattern(s, 5), 0);
	CHECK_GLOBAL(s, 1);
	close(port);
	CHECK_GLOBAL(s, 0);
	iosurface_unref(s);
	iosurface_client_destroy(b);
	// Nothing of the creator or of the port is left in the compositor.
	CHECK_EQ(wait_compositor_fds(hc, fd_baseline), fd_baseline);
	harness_compositor_stop(hc);
}

TEST(creator_exits_before_redeem) {
	creator_gone(false);
}

TEST(creator_killed_mid_handoff) {
	creator_gone(true);
}

TEST(port_closed_before_redeem) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct iosurface_client *a = connect_client();
	struct iosurface *s = create_bgra(a, 16, 16);
	int port = iosurface_create_port(s);
	int copy = dup(port);
	CHECK_EQ(iosurface_get_global_use_count(s), 1);
	close(port);
	// One copy left: still alive.
	harness_sleep_ms(20);
	CHECK_EQ(iosurface_get_global_use_count(s), 1);
	close(copy);
	CHECK_GLOBAL(s, 0);
	errno = 0;
	CHECK(iosurface_lookup_from_port(a, copy) == NULL);
	CHECK_EQ(errno, EBADF);
	iosurface_unref(s);
	iosurface_client_destroy(a);
	harness_compositor_stop(hc);
}

TEST(ten_thousand_ports) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct iosurface_client *a = connect_client();
	struct iosurface *s = create_bgra(a, 16, 16);
	iosurface_increment_use_count(s);
	CHECK_EQ(iosurface_client_roundtrip(a), 0);
	uint32_t start = iosurface_get_global_use_count(s);
	CHECK_EQ(start, 1);
	int comp_fds = settled_compositor_fds(hc);
	int my_fds = harness_count_fds();
	int stock_start = (int)(a->ports.size / sizeof(struct stock_port));
	int live[16];
	for (int i = 0; i < 10000; i++) {
		int port = i % 3 == 0 ? iosurface_create_port_read_only(s) : iosurface_create_port(s);
		CHECK_GE(port, 0);
		live[i % 16] = port;
		if (i % 16 == 15) {
			CHECK_EQ(iosurface_get_global_use_count(s), start + 16);
			for (int j = 0; j < 16; j++) {
				close(live[j]);
			}
			// The compositor notices the closes by itself.
			CHECK_GLOBAL(s, start);
		}
	}
	CHECK_GLOBAL(s, start);
	// No descriptor leaked on either side. Each unbound port in the library's stock is one
	// descriptor on each side, and the stock is refilled in batches, so count it.
	CHECK_EQ(iosurface_client_roundtrip(a), 0);
	int stock_change = (int)(a->ports.size / sizeof(struct stock_port)) - stock_start;
	CHECK_EQ(wait_compositor_fds(hc, comp_fds + stock_change), comp_fds + stock_change);
	CHECK_EQ(harness_count_fds(), my_fds + stock_change);
	iosurface_decrement_use_count(s);
	CHECK_EQ(iosurface_get_global_use_count(s), 0);
	iosurface_unref(s);
	iosurface_client_destroy(a);
	harness_compositor_stop(hc);
}

TEST(create_port_beyond_the_live_port_cap_is_emfile) {
	const char *args[] = { "--max-ports", "24", NULL };
	struct harness_compositor *hc = harness_compositor_start(args);
	struct iosurface_client *a = connect_client();
	struct iosurface *s = create_bgra(a, 16, 16);
	int ports[32];
	int n = 0, ret;
	while ((ret = iosurface_create_port(s)) >= 0) {
		CHECK_LT(n, 32);
		ports[n++] = ret;
	}
	CHECK_ERRNO(ret, EMFILE);
	CHECK_EQ(n, 24);
	CHECK_EQ(iosurface_get_global_use_count(s), 24);
	// Another client of the same compositor is not held back.
	struct iosurface_client *b = connect_client();
	struct iosurface *t = create_bgra(b, 16, 16);
	int other = iosurface_create_port(t);
	CHECK_GE(other, 0);
	close(other);
	iosurface_unref(t);
	iosurface_client_destroy(b);
	// A port closed makes room, once the compositor has seen it die.
	close(ports[--n]);
	int64_t deadline = harness_now_ms() + harness_scale_timeout(3000);
	while ((ret = iosurface_create_port_read_only(s)) == -EMFILE && harness_now_ms() < deadline) {
		harness_sleep_ms(5);
	}
	CHECK_GE(ret, 0);
	ports[n++] = ret;
	while (n > 0) {
		close(ports[--n]);
	}
	CHECK_GLOBAL(s, 0);
	iosurface_unref(s);
	iosurface_client_destroy(a);
	harness_compositor_stop(hc);
}

/* The rule: clients with a use count above zero + live ports + the compositor's holds. */
TEST(global_use_count_rule) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	int sv[2];
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	struct iosurface_client *a = connect_client();
	struct iosurface *s = create_bgra(a, 16, 16);
	int port = iosurface_create_port(s);
	CHECK_EQ(iosurface_get_global_use_count(s), 1);

	pid_t b_pid = fork();
	CHECK_GE(b_pid, 0);
	if (b_pid == 0) {
		close(sv[0]);
		struct iosurface_client *b = connect_client();
		struct iosurface *t = iosurface_lookup_from_port(b, port);
		CHECK_NOT_NULL(t);
		close(port);
		CHECK_EQ(iosurface_get_use_count(t), 0);
		iosurface_increment_use_count(t);
		iosurface_increment_use_count(t);
		CHECK_EQ(iosurface_get_use_count(t), 2);
		// The compositor has B's share before A looks: A's wait below then waits for the
		// port's death alone.
		CHECK_EQ(iosurface_client_roundtrip(b), 0);
		send_byte(sv[1], '1');
		recv_byte(sv[1]);
		iosurface_decrement_use_count(t);
		send_byte(sv[1], '2');
		recv_byte(sv[1]);
		// Exits holding a use count: its share goes with its connection.
		_exit(0);
	}
	close(sv[1]);
	close(port);
	CHECK_EQ(recv_byte(sv[0]), '1');
	// B's share (its count is 2, it counts once) and no port left.
	CHECK_GLOBAL(s, 1);
	iosurface_increment_use_count(s);
	CHECK_EQ(iosurface_get_use_count(s), 1);
	CHECK_EQ(iosurface_get_global_use_count(s), 2);
	iosurface_increment_use_count(s);
	CHECK_EQ(iosurface_get_global_use_count(s), 2);
	send_byte(sv[0], 'x');
	CHECK_EQ(recv_byte(sv[0]), '2');
	CHECK_GLOBAL(s, 2);
	send_byte(sv[0], 'x');
	wait_child_ok(b_pid);
	CHECK_GLOBAL(s, 1);
	iosurface_decrement_use_count(s);
	CHECK_EQ(iosurface_get_global_use_count(s), 1);
	iosurface_decrement_use_count(s);
	CHECK_EQ(iosurface_get_global_use_count(s), 0);
	CHECK(!iosurface_is_in_use(s));
	// Below zero is refused, not wrapped.
	iosurface_decrement_use_count(s);
	CHECK_EQ(iosurface_get_use_count(s), 0);
	CHECK_EQ(iosurface_client_roundtrip(a), 0);
	CHECK_EQ(iosurface_get_global_use_count(s), 0);
	close(sv[0]);
	iosurface_unref(s);
	iosurface_client_destroy(a);
	harness_compositor_stop(hc);
}

TEST(same_process_same_surface) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct iosurface_client *a = connect_client();
	struct iosurface *s = create_bgra(a, 16, 16);
	int port = iosurface_create_port(s);
	struct iosurface *t = iosurface_lookup_from_port(a, port);
	CHECK(t == s);
	// The port was not consumed.
	struct iosurface *u = iosurface_lookup_from_port(a, port);
	CHECK(u == s);
	close(port);
	iosurface_unref(u);
	iosurface_unref(t);
	CHECK_EQ(iosurface_get_width(s), 16);
	iosurface_unref(s);
	iosurface_client_destroy(a);
	harness_compositor_stop(hc);
}

TEST(forged_and_foreign_ports) {
	// A second compositor issues a port that the first must not honour.
	struct harness_compositor *other = harness_compositor_start(NULL);
	struct iosurface_client *oc = connect_client();
	struct iosurface *os = create_bgra(oc, 8, 8);
	int foreign = iosurface_create_port(os);
	CHECK_GE(foreign, 0);
	// harness_compositor_stop() restores the environment, so start the first compositor only
	// after the client of the second is connected; both run at once.
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct iosurface_client *c = connect_client();
	int comp_fds = settled_compositor_fds(hc);


	int pipefd[2];
	CHECK_EQ(pipe2(pipefd, O_CLOEXEC), 0);
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	int efd = eventfd(0, EFD_CLOEXEC);
	int sv[2];
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	int memfd = memfd_create("forged", MFD_CLOEXEC);
	int forged[] = { pipefd[1], pipefd[0], devnull, efd, sv[0], memfd, foreign };
	for (size_t i = 0; i < sizeof(forged) / sizeof(forged[0]); i++) {
		errno = 0;
		if (iosurface_lookup_from_port(c, forged[i]) != NULL || errno != ENOENT) {
			harness_fail("forged port #%zu: expected ENOENT, got errno %d", i, errno);
		}
	}
	errno = 0;
	CHECK(iosurface_lookup_from_port(c, 1000) == NULL);
	CHECK_EQ(errno, EBADF);
	// The connection is still fine, and the compositor kept none of them.
	struct iosurface *s = create_bgra(c, 8, 8);
	iosurface_unref(s);
	CHECK_EQ(iosurface_client_roundtrip(c), 0);
	CHECK_EQ(wait_compositor_fds(hc, comp_fds), comp_fds);

	close(pipefd[0]);
	close(pipefd[1]);
	close(devnull);
	close(efd);
	close(sv[0]);
	close(sv[1]);
	close(memfd);
	iosurface_client_destroy(c);
	harness_compositor_stop(hc);
	close(foreign);
	iosurface_unref(os);
	iosurface_client_destroy(oc);
	harness_compositor_stop(other);
}

TEST(read_only_ports) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct iosurface_client *a = connect_client();
	struct iosurface *s = create_bgra(a, 32, 32);
	fill_pattern(s, 3);
	int ro = iosurface_create_port_read_only(s);
	CHECK_GE(ro, 0);

	int sv[2];
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	pid_t pid = fork();
	CHECK_GE(pid, 0);
	if (pid == 0) {
		close(sv[0]);
		struct iosurface_client *b = connect_client();
		int port = iosurface_port_receive(sv[1], NULL, NULL);
		struct iosurface *t = iosurface_lookup_from_port(b, port);
		CHECK_NOT_NULL(t);
		close(port);
		CHECK(iosurface_is_read_only(t));
		CHECK_EQ(check_pattern(t, 3), 0);
		uint32_t seed = iosurface_get_seed(t);
		CHECK_ERRNO(iosurface_lock(t, 0, NULL), EACCES);
		CHECK_ERRNO(iosurface_unlock(t, 0, NULL), EACCES);
		CHECK_EQ(iosurface_get_seed(t), seed);
		struct iosurface_value *v = iosurface_value_new_integer(1);
		CHECK_ERRNO(iosurface_set_value(t, "k", v), EACCES);
		CHECK_ERRNO(iosurface_remove_value(t, "k"), EACCES);
		CHECK_ERRNO(iosurface_remove_all_values(t), EACCES);
		iosurface_value_free(v);
		CHECK_ERRNO(iosurface_create_port(t), EACCES);
		int again = iosurface_create_port_read_only(t);
		CHECK_GE(again, 0);
		close(again);
		// The mapping itself is read-only: a write faults.
		pid_t writer = fork();
		if (writer == 0) {
			signal(SIGSEGV, SIG_DFL);
			*(volatile uint32_t *)iosurface_get_base_address(t) = 1;
			_exit(0);
		}
		int status;
		CHECK_EQ(waitpid(writer, &status, 0), writer);
		CHECK(WIFSIGNALED(status) && (WTERMSIG(status) == SIGSEGV || WTERMSIG(status) == SIGBUS));
		// Neither can the seed be written: it lives in the same read-only mapping.
		iosurface_unref(t);
		iosurface_client_destroy(b);
		_exit(0);
	}
	close(sv[1]);
	CHECK_EQ(iosurface_port_send(sv[0], ro, NULL, 0), 0);
	wait_child_ok(pid);
	close(sv[0]);
	close(ro);
	CHECK_EQ(check_pattern(s, 3), 0);
	iosurface_unref(s);
	iosurface_client_destroy(a);
	harness_compositor_stop(hc);
}

struct notify_log {
	int not_in_use, seeds;
	uint32_t last_seed;
};

static void on_notify(struct iosurface *s, uint32_t event, uint32_t seed, void *data) {
	struct notify_log *log = data;
	if (event == IOSURFACE_NOTIFY_NOT_IN_USE) {
		log->not_in_use++;
	} else if (event == IOSURFACE_NOTIFY_SEED) {
		log->seeds++;
		log->last_seed = seed;
	}
}

/* Polls the client's descriptor and dispatches until cond holds or 3 s pass. */
#define DISPATCH_UNTIL(client, cond) \
	do { \
		int64_t deadline_ = harness_now_ms() + harness_scale_timeout(3000); \
		while (!(cond) && harness_now_ms() < deadline_) { \
			struct pollfd pfd_ = { iosurface_client_get_fd(client), POLLIN, 0 }; \
			poll(&pfd_, 1, 50); \
			CHECK_GE(iosurface_client_dispatch(client), 0); \
		} \
		CHECK(cond); \
	} while (0)

TEST(notifications) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct iosurface_client *a = connect_client();
	struct iosurface_client *b = connect_client();
	struct iosurface *s = create_bgra(a, 16, 16);
	int port = iosurface_create_port(s);
	struct iosurface *t = iosurface_lookup_from_port(b, port);
	CHECK_NOT_NULL(t);
	struct notify_log log = { 0 };
	CHECK_EQ(iosurface_set_notify(s, IOSURFACE_NOTIFY_NOT_IN_USE | IOSURFACE_NOTIFY_SEED,
					 on_notify, &log),
			0);
	CHECK_EQ(iosurface_client_roundtrip(a), 0);
	CHECK_EQ(log.not_in_use, 0);
	close(port);
	// The last port died: told, through the descriptor, without asking.
	DISPATCH_UNTIL(a, log.not_in_use == 1);
	iosurface_increment_use_count(t);
	CHECK_GLOBAL(s, 1);
	iosurface_decrement_use_count(t);
	DISPATCH_UNTIL(a, log.not_in_use == 2);
	// A write ended in another connection: told with the new seed.
	CHECK_EQ(iosurface_lock(t, 0, NULL), 0);
	uint32_t seed;
	CHECK_EQ(iosurface_unlock(t, 0, &seed), 0);
	DISPATCH_UNTIL(a, log.seeds == 1);
	CHECK_EQ(log.last_seed, seed);
	// Unwatched writes cost nothing and tell nobody.
	CHECK_EQ(iosurface_set_notify(s, 0, NULL, NULL), 0);
	CHECK_EQ(iosurface_client_roundtrip(a), 0);
	CHECK_EQ(iosurface_lock(t, 0, NULL), 0);
	CHECK_EQ(iosurface_unlock(t, 0, NULL), 0);
	CHECK_EQ(iosurface_client_roundtrip(b), 0);
	CHECK_EQ(iosurface_client_roundtrip(a), 0);
	CHECK_EQ(log.seeds, 1);
	CHECK_ERRNO(iosurface_set_notify(s, 0x100, on_notify, &log), EINVAL);
	iosurface_unref(t);
	iosurface_unref(s);
	iosurface_client_destroy(b);
	iosurface_client_destroy(a);
	harness_compositor_stop(hc);
}

static void lookup_by_id(bool allowed) {
	const char *args[] = { "--allow-global-lookup", NULL };
	struct harness_compositor *hc = harness_compositor_start(allowed ? args : NULL);
	struct iosurface_client *a = connect_client();
	struct iosurface_client *b = connect_client();
	struct iosurface_properties props = { .width = 8, .height = 8,
		.pixel_format = DRM_FORMAT_ARGB8888, .global = true };
	struct iosurface *g = iosurface_create(a, &props);
	CHECK_NOT_NULL(g);
	CHECK(iosurface_is_global(g));
	struct iosurface *n = create_bgra(a, 8, 8);
	CHECK(!iosurface_is_global(n));
	errno = 0;
	struct iosurface *t = iosurface_lookup(b, iosurface_get_id(g));
	if (allowed) {
		CHECK_NOT_NULL(t);
		CHECK_EQ(iosurface_get_id(t), iosurface_get_id(g));
		iosurface_unref(t);
	} else {
		CHECK(t == NULL);
		CHECK_EQ(errno, EPERM);
	}
	errno = 0;
	CHECK(iosurface_lookup(b, iosurface_get_id(n)) == NULL);
	CHECK_EQ(errno, EPERM);
	errno = 0;
	CHECK(iosurface_lookup(b, 999999) == NULL);
	CHECK_EQ(errno, allowed ? ENOENT : EPERM);
	iosurface_unref(n);
	iosurface_unref(g);
	iosurface_client_destroy(b);
	iosurface_client_destroy(a);
	harness_compositor_stop(hc);
}

TEST(lookup_by_id_allowed) {
	lookup_by_id(true);
}

TEST(lookup_by_id_refused_by_default) {
	lookup_by_id(false);
}

static void port_message_over(int type) {
	int sv[2];
	CHECK_EQ(socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv), 0);
	int pipefd[2];
	CHECK_EQ(pipe2(pipefd, O_CLOEXEC), 0);
	// Any descriptor travels; only the compositor tells a port from a forgery.
	char payload[IOSURFACE_PORT_PAYLOAD_MAX];
	for (size_t i = 0; i < sizeof(payload); i++) {
		payload[i] = (char)(i * 31);
	}
	CHECK_EQ(iosurface_port_send(sv[0], pipefd[1], payload, sizeof(payload)), 0);
	char got[IOSURFACE_PORT_PAYLOAD_MAX];
	size_t len = sizeof(got);
	int fd = iosurface_port_receive(sv[1], got, &len);
	CHECK_GE(fd, 0);
	CHECK_EQ(len, sizeof(payload));
	CHECK_EQ(memcmp(got, payload, len), 0);
	close(fd);
	// Too small a buffer: refused, descriptor closed.
	CHECK_EQ(iosurface_port_send(sv[0], pipefd[1], payload, 100), 0);
	len = 10;
	CHECK_ERRNO(iosurface_port_receive(sv[1], got, &len), EMSGSIZE);
	// A message with no descriptor is not a port.
	if (type != SOCK_STREAM) {
		uint32_t fake[2] = { 0x50534f49u, 0 };
		CHECK_EQ(send(sv[0], fake, sizeof(fake), 0), (ssize_t)sizeof(fake));
		CHECK_ERRNO(iosurface_port_receive(sv[1], NULL, NULL), EBADMSG);
	}
	CHECK_ERRNO(iosurface_port_send(sv[0], pipefd[1], payload, IOSURFACE_PORT_PAYLOAD_MAX + 1),
			EINVAL);
	close(sv[0]);
	if (type != SOCK_DGRAM) {
		CHECK_ERRNO(iosurface_port_receive(sv[1], NULL, NULL), ECONNRESET);
	}
	close(sv[1]);
	close(pipefd[0]);
	close(pipefd[1]);
}

TEST(port_messages_stream) {
	port_message_over(SOCK_STREAM);
}

TEST(port_messages_seqpacket) {
	port_message_over(SOCK_SEQPACKET);
}

TEST(port_messages_dgram) {
	port_message_over(SOCK_DGRAM);
}

int main(int argc, char **argv) {
	return harness_main(argc, argv);
}
