/*
 * Abuse without protocol errors: clients that hoard objects, take every port and trash it,
 * die by SIGKILL in the middle of their work, or never read what the compositor sends. The
 * compositor keeps serving, and once such a client is gone its descriptor count
 * (/proc/<pid>/fd) is back to where it was, so nothing leaked a descriptor.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <sys/resource.h>
#include <unistd.h>

#include "hostile.h"
#include "iosurface-common.h"


/* The compositor's descriptor count must come back to baseline within 2 s. */
#define expect_fd_baseline(hc, baseline) \
	do { \
		int now_ = hostile_wait_fd_count(hc, baseline, 2000); \
		if (now_ != (baseline)) { \
			FAIL("the compositor has %d descriptors, %d at the start", now_, baseline); \
		} \
	} while (0)

/* Checks a new client is served, then that this left nothing open either. */
static void finish(struct harness_compositor *hc, int baseline) {
	hostile_check_serving(hc);
	expect_fd_baseline(hc, baseline);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

TEST(two_thousand_unused_params_then_disconnect) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	int baseline = hostile_settled_fd_count(hc);
	struct hostile_conn *c = hostile_connect();
	static struct iosurface_params_v1 *params[2000];
	for (int i = 0; i < 2000; i++) {
		struct iosurface_params_v1 *p = iosurface_manager_v1_create_params(c->manager);
		params[i] = p;
		// Some half-described, none created, none destroyed.
		if (i % 3 == 0) {
			iosurface_params_v1_set_size(p, 64, 64);
			iosurface_params_v1_set_name(p, "hoarded");
		}
		if (i % 100 == 99) {
			hostile_roundtrip(c);
		}
	}
	hostile_roundtrip(c);
	// Params hold no descriptor: the count is that of any connected client.
	struct hostile_conn *plain = hostile_connect();
	int with_two = hostile_settled_fd_count(hc);
	hostile_disconnect(plain);
	int with_one = hostile_settled_fd_count(hc);
	CHECK_EQ(with_two - with_one, with_one - baseline);
	// Dropped with the connection, as a crashing client would: no destroy is sent (the
	// proxies are only freed on this side).
	for (int i = 0; i < 2000; i++) {
		wl_proxy_destroy((struct wl_proxy *)params[i]);
	}
	hostile_disconnect(c);
	expect_fd_baseline(hc, baseline);
	finish(hc, baseline);
}

TEST(every_port_taken_trashed_and_closed) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	int baseline = hostile_settled_fd_count(hc);
	struct hostile_conn *c = hostile_connect();
	int connected = hostile_settled_fd_count(hc);
	uint32_t initial = (uint32_t)c->port_count;
	uint32_t max = c->max_unbound_ports;
	CHECK_LE(max, HOSTILE_MAX_PORTS);
	iosurface_manager_v1_reserve_ports(c->manager, max - initial);
	hostile_roundtrip(c);
	CHECK_EQ(c->port_count, max);
	// Each port costs the compositor one descriptor, the read end.
	CHECK_EQ(hostile_settled_fd_count(hc), connected + (int)(max - initial));

	// Bind a few to a surface, by record and by request, then trash every port: garbage in
	// the unbound ones kills them, garbage in the bound ones stays there, unread, until they
	// die. A port holds one page (a_port_holds_one_page): the garbage fits beside a record.
	struct hostile_surface *s = hostile_create_ok(c, 32, 32);
	int bound[4];
	for (int i = 0; i < 4; i++) {
		uint32_t serial;
		uint8_t key[16];
		bound[i] = hostile_take_port_key(c, &serial, key);
		if (i % 2 == 0) {
			hostile_write_record(bound[i], serial, key, s->id, s->slot, 0);
		}
		iosurface_v1_bind_port(s->proxy, serial, 0);
	}
	hostile_roundtrip(c);
	uint8_t garbage[4096 - 64];
	for (size_t i = 0; i < sizeof(garbage); i++) {
		garbage[i] = (uint8_t)(i * 193 + 11);
	}
	for (int i = 0; i < 4; i++) {
		CHECK_EQ(write(bound[i], garbage, sizeof(garbage)), (ssize_t)sizeof(garbage));
	}
	while (c->port_count > 0) {
		int fd = hostile_take_port(c, NULL);
		CHECK_EQ(write(fd, garbage, sizeof(garbage)), (ssize_t)sizeof(garbage));
		close(fd);
	}
	for (int i = 0; i < 4; i++) {
		close(bound[i]);
	}
	hostile_roundtrip(c);
	// Every port is dead: the compositor holds no read end, only the connection's own
	// descriptors and the surface.
	int with_surface = hostile_wait_fd_count(hc, connected - (int)initial + 1, 2000);
	CHECK_EQ(with_surface, connected - (int)initial + 1);
	// The surface and the connection still work.
	struct hostile_surface *t = hostile_create_ok(c, 32, 32);
	hostile_surface_destroy(t);
	hostile_surface_destroy(s);
	hostile_roundtrip(c);
	hostile_disconnect(c);
	expect_fd_baseline(hc, baseline);
	finish(hc, baseline);
}

TEST(closed_unbound_ports_do_not_count_against_reserve_ports) {
	// "One that is closed in every process before it is bound is forgotten": once the
	// compositor has seen the ports die, asking for new ones is within the limit.
	struct harness_compositor *hc = harness_compositor_start(NULL);
	int baseline = hostile_settled_fd_count(hc);
	struct hostile_conn *c = hostile_connect();
	int connected = hostile_settled_fd_count(hc);
	uint32_t initial = (uint32_t)c->port_count;
	uint32_t max = c->max_unbound_ports;
	iosurface_manager_v1_reserve_ports(c->manager, max - initial);
	hostile_roundtrip(c);
	CHECK_EQ(c->port_count, max);
	while (c->port_count > 0) {
		close(hostile_take_port(c, NULL));
	}
	// The compositor closed every read end: it has seen every port die.
	CHECK_EQ(hostile_wait_fd_count(hc, connected - (int)initial, 2000), connected - (int)initial);
	uint32_t before = c->ports_received;
	iosurface_manager_v1_reserve_ports(c->manager, initial);
	if (wl_display_roundtrip(c->display) < 0) {
		const struct wl_interface *iface = NULL;
		uint32_t code = wl_display_get_protocol_error(c->display, &iface, NULL);
		hostile_disconnect(c);
		CHECK_EQ(harness_compositor_stop(hc), 0);
		FAIL("reserve_ports(%u) with no live unbound port gave protocol error %u on %s", initial,
				code, iface != NULL ? iface->name : "-");
	}
	CHECK_EQ(c->ports_received - before, initial);
	hostile_disconnect(c);
	expect_fd_baseline(hc, baseline);
	finish(hc, baseline);
}

/* ---- Clients killed in the middle ---- */

/*
 * The victim child: creates surfaces as fast as it can, binds ports to them (by record and
 * by request), sets values, redeems its own unbound ports and a port of the parent that
 * is never bound, until it is killed.
 */
HARNESS_NORETURN static void busy_client(int foreign_port, int ready_fd) {
	// It keeps every descriptor it is sent; at the soft limit of 1024 the kernel would drop
	// the next ones and libwayland would end the connection, a failure of this process, not
	// of the compositor's.
	struct rlimit limit;
	if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
		limit.rlim_cur = limit.rlim_max;
		setrlimit(RLIMIT_NOFILE, &limit);
	}
	struct hostile_conn *c = hostile_connect();
	char byte = 1;
	if (write(ready_fd, &byte, 1) != 1) {
		_exit(1);
	}
	for (uint32_t i = 0;; i++) {
		struct iosurface_params_v1 *p = iosurface_manager_v1_create_params(c->manager);
		iosurface_params_v1_set_size(p, 64 + i % 64, 32);
		iosurface_params_v1_set_format(p, i % 5 == 0 ? DRM_FORMAT_NV12 : DRM_FORMAT_ARGB8888);
		struct hostile_surface *s = hostile_surface_wrap(c, iosurface_params_v1_create(p));
		iosurface_params_v1_destroy(p);
		hostile_roundtrip(c);
		if (!s->done) {
			continue;
		}
		uint32_t serial;
		if (c->port_count > 2) {
			uint8_t key[16];
			int port = hostile_take_port_key(c, &serial, key);
			if (i % 2 == 0) {
				hostile_write_record(port, serial, key, s->id, s->slot, i % 4 == 0 ? 1 : 0);
			}
			iosurface_v1_bind_port(s->proxy, serial, i % 4 == 0 ? 1 : 0);
			// Kept open: the port keeps the surface until this process dies.
		}
		if (i % 7 == 0 && c->port_count > 2) {
			// A redeem of our own port not bound yet: it waits.
			iosurface_manager_v1_redeem_port(c->manager, c->ports[c->port_count - 1].fd);
		}
		if (i % 11 == 0 && foreign_port >= 0) {
			iosurface_manager_v1_redeem_port(c->manager, foreign_port);
		}
		struct wl_array value;
		wl_array_init(&value);
		uint8_t *v = wl_array_add(&value, 9);
		memset(v, 0, 9);
		v[0] = 'i';
		char key[16];
		snprintf(key, sizeof(key), "k%u", i % 80);
		iosurface_v1_set_value(s->proxy, key, &value);
		wl_array_release(&value);
		iosurface_v1_set_in_use(s->proxy, 1);
		wl_display_flush(c->display);
	}
}

TEST(clients_killed_while_creating_leave_nothing_behind) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	int baseline = hostile_settled_fd_count(hc);
	// A port of ours that the dying clients redeem; we bind it only after they are gone.
	struct hostile_conn *parent = hostile_connect();
	int parent_count = hostile_settled_fd_count(hc);
	uint32_t serial;
	int foreign = hostile_take_port(parent, &serial);

	const int delays_ms[] = { 0, 15, 60, 150, 400 };
	int busiest = 0;
	for (size_t k = 0; k < sizeof(delays_ms) / sizeof(delays_ms[0]); k++) {
		int ready[2];
		CHECK_EQ(pipe2(ready, O_CLOEXEC), 0);
		pid_t pid = fork();
		CHECK_GE(pid, 0);
		if (pid == 0) {
			close(ready[0]);
			busy_client(foreign, ready[1]);
		}
		close(ready[1]);
		char byte;
		CHECK_EQ(read(ready[0], &byte, 1), 1);
		close(ready[0]);
		harness_sleep_ms(delays_ms[k]);
		int count = hostile_compositor_fd_count(hc);
		busiest = count > busiest ? count : busiest;
		CHECK_EQ(kill(pid, SIGKILL), 0);
		int status;
		CHECK_EQ(waitpid(pid, &status, 0), pid);
		CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
		CHECK(harness_compositor_alive(hc));
	}
	// The clients got far enough to hold surfaces and ports in the compositor.
	CHECK_GT(busiest, parent_count + 20);
	// Everything the dead clients had is gone; only our connection and its ports remain.
	int now = hostile_wait_fd_count(hc, parent_count, 2000);
	if (now != parent_count) {
		FAIL("%d descriptors in the compositor once the killed clients are gone, %d before", now,
				parent_count);
	}
	// Binding the port they redeemed (waiters gone) is harmless, and it still works.
	struct hostile_surface *s = hostile_create_ok(parent, 16, 16);
	iosurface_v1_bind_port(s->proxy, serial, 0);
	hostile_roundtrip(parent);
	struct hostile_conn *c = hostile_connect();
	struct hostile_surface *r = hostile_surface_wrap(c,
			iosurface_manager_v1_redeem_port(c->manager, foreign));
	hostile_roundtrip(c);
	CHECK(r->done);
	CHECK_EQ(r->id, s->id);
	hostile_surface_destroy(r);
	hostile_roundtrip(c);
	hostile_disconnect(c);
	close(foreign);
	hostile_surface_destroy(s);
	hostile_roundtrip(parent);
	hostile_disconnect(parent);
	expect_fd_baseline(hc, baseline);
	finish(hc, baseline);
}

TEST(surfaces_kept_by_ports_of_a_departed_creator_are_freed_with_the_ports) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	int baseline = hostile_settled_fd_count(hc);
	struct hostile_conn *c = hostile_connect();
	int ports[8];
	for (int i = 0; i < 8; i++) {
		struct hostile_surface *s = hostile_create_ok(c, 64, 64);
		uint32_t serial;
		ports[i] = hostile_take_port(c, &serial);
		iosurface_v1_bind_port(s->proxy, serial, (uint32_t)(i % 2));
		hostile_surface_destroy(s);
	}
	hostile_roundtrip(c);
	hostile_disconnect(c);
	// The creator is gone; each port still holds a surface (its memfd) and its read end.
	CHECK_EQ(hostile_settled_fd_count(hc), baseline + 16);
	struct hostile_conn *other = hostile_connect();
	struct hostile_surface *r = hostile_surface_wrap(other,
			iosurface_manager_v1_redeem_port(other->manager, ports[3]));
	hostile_roundtrip(other);
	CHECK(r->done);
	CHECK_EQ(r->read_only, 1);
	hostile_surface_destroy(r);
	hostile_roundtrip(other);
	hostile_disconnect(other);
	for (int i = 0; i < 8; i++) {
		close(ports[i]);
	}
	expect_fd_baseline(hc, baseline);
	finish(hc, baseline);
}

/* ---- A client that never reads ---- */

TEST(client_that_never_reads_its_events) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	int baseline = hostile_settled_fd_count(hc);
	struct hostile_conn *c = hostile_connect();
	// Every create answers with a descriptor and a dozen events; none is ever read. The
	// compositor may cut the client off when its buffers fill; it must not leak or block.
	static struct iosurface_v1 *surfaces[4000];
	int sent = 0;
	for (; sent < 4000 && wl_display_get_error(c->display) == 0; sent++) {
		struct iosurface_params_v1 *p = iosurface_manager_v1_create_params(c->manager);
		iosurface_params_v1_set_size(p, 16, 16);
		iosurface_params_v1_set_format(p, DRM_FORMAT_ARGB8888);
		surfaces[sent] = iosurface_params_v1_create(p);
		iosurface_params_v1_destroy(p);
		if (wl_display_flush(c->display) < 0 && errno != EAGAIN) {
			break;
		}
	}
	// Meanwhile another client is served promptly.
	struct hostile_conn *probe = hostile_connect();
	CHECK_GE(hostile_roundtrip_within(probe, harness_scale_timeout(2000)), 0);
	hostile_disconnect(probe);
	// Dropped unread: the proxies are freed on this side only, no destroy is sent.
	for (int i = 0; i < sent; i++) {
		wl_proxy_destroy((struct wl_proxy *)surfaces[i]);
	}
	hostile_disconnect(c);
	expect_fd_baseline(hc, baseline);
	finish(hc, baseline);
}

/* ---- Values made large by one holder ---- */

/* Sets max_count values of max_size encoded bytes under max_length keys on s. */
static void fill_values(struct hostile_conn *c, struct hostile_surface *s, uint32_t tag) {
	uint32_t count = c->limit_max[IOSURFACE_MANAGER_V1_PROPERTY_VALUE_COUNT];
	uint32_t size = c->limit_max[IOSURFACE_MANAGER_V1_PROPERTY_VALUE_SIZE];
	uint32_t key_len = c->limit_max[IOSURFACE_MANAGER_V1_PROPERTY_KEY_LENGTH];
	CHECK_GT(count, 0);
	CHECK_GE(size, 5);
	CHECK_LT(key_len, 1000);
	struct wl_array value;
	wl_array_init(&value);
	uint8_t *v = wl_array_add(&value, size);
	CHECK_NOT_NULL(v);
	// A string of size - 5 bytes: 's', little-endian length, bytes.
	v[0] = 's';
	uint32_t len = size - 5;
	for (int b = 0; b < 4; b++) {
		v[1 + b] = (uint8_t)(len >> (8 * b));
	}
	memset(v + 5, 'v', len);
	char key[1001];
	memset(key, 'k', key_len);
	key[key_len] = '\0';
	// Beyond what a message carries, the value travels in a sealed memfd.
	int fd = size > IOS_MAX_INLINE_VALUE_SIZE ? ios_value_memory_create(v, size) : -1;
	CHECK(size <= IOS_MAX_INLINE_VALUE_SIZE || fd >= 0);
	for (uint32_t i = 0; i < count; i++) {
		snprintf(key, sizeof(key), "%u-%u-", tag, i);
		key[strlen(key)] = 'k';
		if (fd >= 0) {
			iosurface_v1_set_value_memory(s->proxy, key, fd, size);
		} else {
			iosurface_v1_set_value(s->proxy, key, &value);
		}
		// libwayland-client gives up on EAGAIN: never run far ahead of the compositor.
		if (i % 4 == 3) {
			hostile_roundtrip(c);
		}
	}
	if (fd >= 0) {
		close(fd);
	}
	wl_array_release(&value);
}

TEST(huge_get_values_answer_made_by_another_holder_does_not_cut_the_reader_off) {
	// One client fills a shared surface with the most values of the largest size; another
	// holder asks for all values and reads the answer a little later, as a busy client
	// would. The values of a surface total up to 4 MiB, far more than libwayland can queue:
	// the answer must carry them in memory, not cost the reader its connection.
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct hostile_conn *h = hostile_connect();
	struct hostile_surface *s = hostile_create_ok(h, 16, 16);
	uint32_t serial;
	int port = hostile_take_port(h, &serial);
	iosurface_v1_bind_port(s->proxy, serial, 1);
	hostile_roundtrip(h);
	struct hostile_conn *reader = hostile_connect();
	struct hostile_surface *r = hostile_surface_wrap(reader,
			iosurface_manager_v1_redeem_port(reader->manager, port));
	hostile_roundtrip(reader);
	close(port);
	CHECK(r->done);
	fill_values(h, s, 1);
	hostile_roundtrip(h);
	// The published total (keys and values of one surface) stops the filling early.
	uint32_t total = h->limit_max[IOSURFACE_MANAGER_V1_PROPERTY_VALUE_TOTAL];
	CHECK_GT(total, 0);
	CHECK_GT(s->set_value_failed, 0);
	uint32_t stored = 64 - s->set_value_failed;

	iosurface_v1_get_values(r->proxy, NULL);
	CHECK_GE(wl_display_flush(reader->display), 0);
	harness_sleep_ms(500);
	int ret = wl_display_roundtrip(reader->display);
	int err = wl_display_get_error(reader->display);
	uint32_t values = r->values + r->value_memory;
	// Values beyond a message's size come in memory, and the answer carries at most 64 KiB
	// in messages.
	CHECK_GT(r->value_memory, 0);
	hostile_surface_destroy(r);
	hostile_disconnect(reader);
	hostile_surface_destroy(s);
	hostile_roundtrip(h);
	hostile_disconnect(h);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
	if (ret < 0) {
		// The compositor could not queue the answer to get_values and cut the reader off.
		FAIL("the reader lost its connection (error %d: %s) after %u of %u values", err,
				strerror(err), values, stored);
	}
	CHECK_EQ(values, stored);
}

static long compositor_rss_kib(struct harness_compositor *hc) {
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)harness_compositor_pid(hc));
	char *text = harness_read_file(path, NULL);
	CHECK_NOT_NULL(text);
	const char *line = strstr(text, "VmRSS:");
	CHECK_NOT_NULL(line);
	long kib = strtol(line + strlen("VmRSS:"), NULL, 10);
	free(text);
	return kib;
}

TEST(memory_a_client_makes_the_compositor_hold_is_bounded_by_its_quota) {
	// With a 1 MiB byte quota, a client makes 256 one-page surfaces (its whole quota) and
	// attaches the most values of the largest size to each: the compositor stores them in
	// its own heap. That memory must stay near the client's quota, not 50 times it.
	// 256 surfaces of one process: its share of the compositor's descriptors must hold them.
	harness_require_fds(4 * (256 + 128) + 256);
	struct harness_compositor *hc = harness_compositor_start(
			HOSTILE_ARGS("--quota-bytes", "1048576"));
	struct hostile_conn *c = hostile_connect();
	long before = compositor_rss_kib(hc);
	struct hostile_surface *s[256];
	int made = 0;
	// The quota counts the surfaces' memory at creation and values as they are set: values
	// stop being stored once both reach it (the client is told, set_value_failed), and the
	// client then stops sending them, so that what is measured is what the compositor holds
	// rather than the requests it has read and freed (which an AddressSanitizer build keeps
	// in quarantine).
	bool refused = false;
	for (; made < 256; made++) {
		s[made] = hostile_create(c, 32, 32, DRM_FORMAT_ARGB8888, 0);
		if (!s[made]->done) {
			hostile_expect_failed(s[made], IOSURFACE_V1_FAILURE_QUOTA_BYTES);
			hostile_surface_destroy(s[made]);
			break;
		}
		if (!refused) {
			fill_values(c, s[made], (uint32_t)made);
			hostile_roundtrip(c);
			refused = s[made]->set_value_failed > 0;
		}
	}
	CHECK(refused);
	hostile_roundtrip(c);
	long grown = compositor_rss_kib(hc) - before;
	for (int i = 0; i < made; i++) {
		hostile_surface_destroy(s[i]);
	}
	hostile_roundtrip(c);
	hostile_disconnect(c);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
	// Slack for the compositor's own bookkeeping of 256 surfaces.
	if (grown > 1024 + 16 * 1024) {
		FAIL("with a 1 MiB quota, a client grew the compositor's memory by %ld KiB (%d surfaces)",
				grown, made);
	}
}

int main(int argc, char **argv) {
	return harness_main(argc, argv);
}
