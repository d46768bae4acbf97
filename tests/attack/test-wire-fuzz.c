/*
 * attack-wire-fuzz: random requests on the compositor's socket, written as raw wire messages
 * (no libwayland on this side, so that malformed headers, wrong sizes, unknown objects and
 * opcodes, strings without their NUL and stray descriptors all reach the compositor), with
 * descriptors of every kind attached: directories, sockets, eventfds, pipe ends, pidfds,
 * unsealed, sealed and huge sparse memfds, O_PATH descriptors, /dev/null, the client's own
 * state pool and surface memory, and real ports: its own unbound ones, another client's, one
 * whose client is gone, and ports another client bound to its surface (read-write and
 * read-only), which redeem.
 *
 * Each connection binds iosurface_manager_v1 properly, then sends batches of mostly
 * well-typed requests on the objects it made (and now and then on anything), each batch
 * followed by wl_display.sync. Connections follow one another until the time is up.
 *
 * Oracle: the compositor never dies (ASan/UBSan abort it on a memory error), a probe client's
 * round trip always answers, a fresh client can create and map a surface, and at the end the
 * compositor's descriptor count and its live surface, port and client totals are back at
 * their baseline, and it exits cleanly (under ASan: without a leak).
 *
 * Environment:
 *   ATTACK_FUZZ_SECONDS      time per test (default 5)
 *   ATTACK_FUZZ_SEED         seed of both tests (default: 1 for fixed_seed, random for
 *                            random_seed); printed at the start either way
 *   ATTACK_FUZZ_FIRST        first connection index (default 0)
 *   ATTACK_FUZZ_CONNECTIONS  run exactly this many connections, with no time bound
 * Connection i draws everything from seed and i alone, so a failure at connection i replays
 * with ATTACK_FUZZ_SEED=seed ATTACK_FUZZ_FIRST=i ATTACK_FUZZ_CONNECTIONS=1 (or FIRST=0 and
 * CONNECTIONS=i+1 to replay the whole history); see doc/attacks.md.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

#include <iosurface/iosurface.h>

#include "attack.h"
#include "hostile.h"

/* ---- What the fuzzer knows of the protocol ---- */

enum iface {
	IFACE_DISPLAY,
	IFACE_REGISTRY,
	IFACE_CALLBACK,
	IFACE_MANAGER,
	IFACE_PARAMS,
	IFACE_SURFACE,
	IFACE_BUFFER,
	IFACE_COUNT,
};

/*
 * Request signatures, in opcode order: u uint, i int, s string, ? nullable string, a array,
 * n new_id, h fd, N untyped new_id (interface string, version, id). The object a new_id
 * makes is given after a ':' (first letter of the interface).
 */
static const char *const requests[IFACE_COUNT][12] = {
	[IFACE_DISPLAY] = { "n:c", "n:r" },
	[IFACE_REGISTRY] = { "uN" },
	[IFACE_CALLBACK] = { NULL },
	[IFACE_MANAGER] = { "", "n:p", "nh:s", "nu:s", "u" },
	[IFACE_PARAMS] = { "", "uu", "u", "uuu", "uuu", "u", "uuuuuuuuu", "u", "u", "u", "s", "n:s" },
	[IFACE_SURFACE] = { "", "u", "sa", "s", "", "?", "u", "u", "", "uu", "n:b", "shu" },
	[IFACE_BUFFER] = { "" },
};

static enum iface iface_of_letter(char c) {
	switch (c) {
	case 'c':
		return IFACE_CALLBACK;
	case 'r':
		return IFACE_REGISTRY;
	case 'p':
		return IFACE_PARAMS;
	case 's':
		return IFACE_SURFACE;
	case 'b':
		return IFACE_BUFFER;
	default:
		return IFACE_MANAGER;
	}
}

static unsigned request_count(enum iface iface) {
	unsigned n = 0;
	while (n < 12 && requests[iface][n] != NULL) {
		n++;
	}
	return n;
}

/* ---- The descriptor zoo ---- */

enum fd_kind {
	FD_DEV_NULL,
	FD_DIRECTORY,
	FD_O_PATH,
	FD_SOCKET,
	FD_LISTENING_SOCKET,
	FD_EVENTFD,
	FD_TIMERFD,
	FD_EPOLL,
	FD_PIPE_READ,
	FD_PIPE_WRITE,
	FD_FIFO_BY_PATH, // a named FIFO: a pipe the compositor did not make
	FD_PIDFD,
	FD_MEMFD_UNSEALED,
	FD_MEMFD_SEALED,
	FD_MEMFD_HUGE_SPARSE,
	FD_MEMFD_EMPTY,
	FD_PEER_SOCKET, // another client's connection to the compositor (see zoo_init)
	FD_STATE_POOL, // the client's own state pool
	FD_RECEIVED, // any descriptor the compositor sent (surface memory, ports)
	FD_OWN_PORT, // an unbound port of this connection
	FD_FOREIGN_PORT, // an unbound port of the probe client
	FD_CLOSED_PORT_PEER, // a port whose compositor-side read end is gone (stale inode)
	FD_BOUND_PORT, // a port another client bound to its surface, read-write
	FD_BOUND_PORT_READ_ONLY, // and read-only
	FD_KIND_COUNT,
};

#define RECEIVED_MAX 64

struct zoo {
	int fds[FD_KIND_COUNT];
	int received[RECEIVED_MAX];
	size_t received_count;
	int own_ports[RECEIVED_MAX];
	size_t own_port_count;
	int state_pool;
};

static int open_or(const char *path, int flags) {
	int fd = open(path, flags | O_CLOEXEC);
	return fd;
}

static int make_memfd(const char *name, off_t size, bool seal) {
	int fd = memfd_create(name, MFD_CLOEXEC | (seal ? MFD_ALLOW_SEALING : 0));
	if (fd < 0) {
		return -1;
	}
	if (size > 0 && ftruncate(fd, size) != 0) {
		close(fd);
		return -1;
	}
	if (seal) {
		fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
	}
	return fd;
}

struct outside_fds {
	int peer_socket, foreign_port, stale_port, bound_port, bound_port_read_only;
	const char *fifo_path;
};

static int dup_or(int fd) {
	return fd >= 0 ? fcntl(fd, F_DUPFD_CLOEXEC, 0) : -1;
}

static void zoo_init(struct zoo *zoo, const struct outside_fds *outside) {
	for (int i = 0; i < FD_KIND_COUNT; i++) {
		zoo->fds[i] = -1;
	}
	zoo->received_count = 0;
	zoo->own_port_count = 0;
	zoo->state_pool = -1;
	zoo->fds[FD_DEV_NULL] = open_or("/dev/null", O_RDWR);
	zoo->fds[FD_DIRECTORY] = open_or("/", O_RDONLY | O_DIRECTORY);
	zoo->fds[FD_O_PATH] = open_or("/proc/self/exe", O_PATH);
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0) {
		zoo->fds[FD_SOCKET] = sv[0];
		close(sv[1]);
	}
	int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ls >= 0 && listen(ls, 1) != 0) {
		close(ls);
		ls = -1;
	}
	zoo->fds[FD_LISTENING_SOCKET] = ls;
	zoo->fds[FD_EVENTFD] = eventfd(1, EFD_CLOEXEC);
	zoo->fds[FD_TIMERFD] = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	zoo->fds[FD_EPOLL] = epoll_create1(EPOLL_CLOEXEC);
	int p[2];
	if (pipe2(p, O_CLOEXEC) == 0) {
		zoo->fds[FD_PIPE_READ] = p[0];
		zoo->fds[FD_PIPE_WRITE] = p[1];
	}
	zoo->fds[FD_FIFO_BY_PATH] = open_or(outside->fifo_path, O_RDWR | O_NONBLOCK);
	zoo->fds[FD_PIDFD] = (int)syscall(SYS_pidfd_open, getpid(), 0);
	zoo->fds[FD_MEMFD_UNSEALED] = make_memfd("attack-unsealed", 1 << 20, false);
	zoo->fds[FD_MEMFD_SEALED] = make_memfd("attack-sealed", 1 << 16, true);
	zoo->fds[FD_MEMFD_HUGE_SPARSE] = make_memfd("attack-huge", (off_t)1 << 40, false);
	zoo->fds[FD_MEMFD_EMPTY] = make_memfd("attack-empty", 0, true);
	// Not the connection's own socket: libwayland-server keeps descriptors no request took
	// until the client goes, so a client that sends its own end over itself never hangs up,
	// and lives on after its process (doc/attacks.md). Another client's socket is fair game.
	zoo->fds[FD_PEER_SOCKET] = dup_or(outside->peer_socket);
	zoo->fds[FD_FOREIGN_PORT] = dup_or(outside->foreign_port);
	zoo->fds[FD_CLOSED_PORT_PEER] = dup_or(outside->stale_port);
	zoo->fds[FD_BOUND_PORT] = dup_or(outside->bound_port);
	zoo->fds[FD_BOUND_PORT_READ_ONLY] = dup_or(outside->bound_port_read_only);
}

static void zoo_add_received(struct zoo *zoo, int fd) {
	struct stat st;
	if (zoo->state_pool < 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		// The first regular file a connection receives is its state pool.
		zoo->state_pool = fd;
		return;
	}
	if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode) && zoo->own_port_count < RECEIVED_MAX) {
		zoo->own_ports[zoo->own_port_count++] = fd;
		return;
	}
	if (zoo->received_count < RECEIVED_MAX) {
		zoo->received[zoo->received_count++] = fd;
		return;
	}
	close(fd);
}

/* A descriptor of the kind the fuzzer drew; /dev/null when that kind is not at hand. */
static int zoo_pick(struct zoo *zoo, struct attack_rng *rng) {
	enum fd_kind kind = attack_rng_below(rng, FD_KIND_COUNT);
	uint32_t index = attack_rng_below(rng, RECEIVED_MAX);
	int fd = -1;
	switch (kind) {
	case FD_STATE_POOL:
		fd = zoo->state_pool;
		break;
	case FD_RECEIVED:
		fd = zoo->received_count > 0 ? zoo->received[index % zoo->received_count] : -1;
		break;
	case FD_OWN_PORT:
		fd = zoo->own_port_count > 0 ? zoo->own_ports[index % zoo->own_port_count] : -1;
		break;
	default:
		fd = zoo->fds[kind];
		break;
	}
	return fd >= 0 ? fd : zoo->fds[FD_DEV_NULL];
}

static void zoo_finish(struct zoo *zoo) {
	for (int i = 0; i < FD_KIND_COUNT; i++) {
		if (zoo->fds[i] >= 0) {
			close(zoo->fds[i]);
		}
	}
	for (size_t i = 0; i < zoo->received_count; i++) {
		close(zoo->received[i]);
	}
	for (size_t i = 0; i < zoo->own_port_count; i++) {
		close(zoo->own_ports[i]);
	}
	if (zoo->state_pool >= 0) {
		close(zoo->state_pool);
	}
}

/* ---- One connection ---- */

#define MAX_OBJECTS 256
#define MAX_MESSAGE 4096
#define MAX_FDS_PER_MESSAGE 4

struct object {
	uint32_t id;
	enum iface iface;
};

struct conn {
	int fd;
	bool broken; // the compositor closed it (protocol error) or it timed out
	bool timed_out; // a sync got no answer in time
	bool desynced; // a header lied about its size: the framing is lost from there on
	struct attack_rng rng;
	struct object objects[MAX_OBJECTS];
	size_t object_count;
	uint32_t next_id;
	uint32_t manager_name;
	uint32_t sync_id, sync_done;
	struct zoo zoo;
	uint8_t in[65536];
	size_t in_len;
	uint32_t requests_sent, fds_sent, surfaces_done, surfaces_failed;
	bool protocol_error;
};

static void track(struct conn *c, uint32_t id, enum iface iface) {
	if (c->object_count < MAX_OBJECTS) {
		c->objects[c->object_count++] = (struct object){ id, iface };
	}
}

/* Reads what the compositor sent: globals, the sync's done, descriptors. Returns false at EOF. */
static bool read_events(struct conn *c) {
	char control[CMSG_SPACE(sizeof(int) * 28)];
	struct iovec iov = { c->in + c->in_len, sizeof(c->in) - c->in_len };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control,
		.msg_controllen = sizeof(control),
	};
	ssize_t n = recvmsg(c->fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0) {
		return errno == EAGAIN || errno == EINTR;
	}
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm != NULL; cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
			size_t count = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			int fds[28];
			memcpy(fds, CMSG_DATA(cm), count * sizeof(int));
			for (size_t i = 0; i < count; i++) {
				zoo_add_received(&c->zoo, fds[i]);
			}
		}
	}
	if (n <= 0) {
		return false;
	}
	c->in_len += (size_t)n;
	size_t pos = 0;
	while (c->in_len - pos >= 8) {
		uint32_t header[2];
		memcpy(header, c->in + pos, 8);
		uint32_t size = header[1] >> 16, opcode = header[1] & 0xffff;
		if (size < 8 || size > c->in_len - pos) {
			break;
		}
		const uint8_t *args = c->in + pos + 8;
		if (header[0] == 1 && opcode == 0) {
			c->protocol_error = true; // wl_display.error: the connection ends
		} else if (header[0] == 2 && opcode == 0 && size >= 16) {
			// wl_registry.global: name, interface, version.
			uint32_t name, len;
			memcpy(&name, args, 4);
			memcpy(&len, args + 4, 4);
			if (len <= size - 16 && len > 0 &&
					strncmp((const char *)args + 8, "iosurface_manager_v1", len) == 0) {
				c->manager_name = name;
			}
		} else if (header[0] == c->sync_id && opcode == 0) {
			c->sync_done = c->sync_id;
		} else if (opcode == 6 || opcode == 7) {
			// iosurface_v1.done or .failed: how far the fuzzing got.
			for (size_t i = 0; i < c->object_count; i++) {
				if (c->objects[i].id == header[0] && c->objects[i].iface == IFACE_SURFACE) {
					c->surfaces_done += opcode == 6;
					c->surfaces_failed += opcode == 7;
					break;
				}
			}
		}
		pos += size;
	}
	memmove(c->in, c->in + pos, c->in_len - pos);
	c->in_len -= pos;
	if (c->in_len == sizeof(c->in)) {
		c->in_len = 0; // a message larger than the buffer: not the compositor's
	}
	return true;
}

/* Sends a sync and waits for its done, EOF, or timeout_ms (scaled). */
static void sync_and_read(struct conn *c, int timeout_ms) {
	if (c->broken) {
		return;
	}
	uint32_t id = c->next_id++;
	uint32_t msg[3] = { 1, (12u << 16) | 0, id };
	c->sync_id = id;
	if (send(c->fd, msg, sizeof(msg), MSG_NOSIGNAL) != (ssize_t)sizeof(msg)) {
		c->broken = true;
		return;
	}
	int64_t deadline = harness_now_ms() + harness_scale_timeout(timeout_ms);
	while (c->sync_done != id) {
		int left = (int)(deadline - harness_now_ms());
		if (left <= 0) {
			// A header that promised more bytes than were sent keeps the compositor
			// waiting for them: not a hang, the probe client decides that.
			c->broken = true;
			return;
		}
		struct pollfd pfd = { c->fd, POLLIN, 0 };
		if (poll(&pfd, 1, left) > 0 && !read_events(c)) {
			c->broken = true;
			return;
		}
	}
}

/* ---- Building requests ---- */

struct message {
	uint8_t data[MAX_MESSAGE];
	size_t len;
	int fds[MAX_FDS_PER_MESSAGE];
	size_t fd_count;
};

static void put_u32(struct message *m, uint32_t v) {
	if (m->len + 4 <= MAX_MESSAGE) {
		memcpy(m->data + m->len, &v, 4);
		m->len += 4;
	}
}

static void put_bytes(struct message *m, const void *data, size_t len, uint32_t declared) {
	put_u32(m, declared);
	size_t padded = (len + 3) & ~(size_t)3;
	if (m->len + padded > MAX_MESSAGE) {
		return;
	}
	memset(m->data + m->len, 0, padded);
	memcpy(m->data + m->len, data, len);
	m->len += padded;
}

static const uint32_t interesting[] = {
	0, 1, 2, 3, 4, 7, 16, 64, 255, 256, 4096, 16384, 16385, 65535, 0x10000, 1u << 30,
	(1u << 30) + 1, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff,
	0x34325241, // ARGB8888
	0x3231564e, // NV12
	0x30313050, // P010
	0x20203852, // R8
	0x56595559, // YUYV
};

static uint32_t fuzz_uint(struct attack_rng *rng) {
	switch (attack_rng_below(rng, 4)) {
	case 0:
		return interesting[attack_rng_below(rng, sizeof(interesting) / sizeof(interesting[0]))];
	case 1:
		return attack_rng_below(rng, 8);
	case 2:
		return 1 + attack_rng_below(rng, 2048);
	default:
		return (uint32_t)attack_rng_next(rng);
	}
}

static void put_fuzz_string(struct message *m, struct attack_rng *rng, bool nullable) {
	char buf[400];
	uint32_t choice = attack_rng_below(rng, 10);
	if (nullable && choice == 0) {
		put_u32(m, 0); // NULL
		return;
	}
	size_t len = choice < 5 ? 1 + attack_rng_below(rng, 24) : attack_rng_below(rng, 320);
	for (size_t i = 0; i < len; i++) {
		buf[i] = choice < 5 ? (char)('a' + attack_rng_below(rng, 26)) :
							  (char)attack_rng_below(rng, 256);
	}
	if (len == 0 || choice != 9) {
		buf[len] = '\0'; // a proper string; choice 9 leaves the NUL out
		len++;
	}
	uint32_t declared = (uint32_t)len;
	if (attack_rng_below(rng, 20) == 0) {
		declared = fuzz_uint(rng); // a length that is not the string's
	}
	put_bytes(m, buf, len, declared);
}

static void put_fuzz_array(struct message *m, struct attack_rng *rng) {
	uint8_t buf[1200];
	size_t len = 0;
	switch (attack_rng_below(rng, 6)) {
	case 0: { // an integer value
		buf[len++] = 'i';
		uint64_t v = attack_rng_next(rng);
		memcpy(buf + len, &v, 8);
		len += 8;
		break;
	}
	case 1: { // a string value whose length may lie
		buf[len++] = 's';
		uint32_t n = attack_rng_below(rng, 3) == 0 ? fuzz_uint(rng) : 5;
		memcpy(buf + len, &n, 4);
		memcpy(buf + len + 4, "hello", 5);
		len += 9;
		break;
	}
	case 2: { // nested arrays, deeper than allowed now and then
		uint32_t depth = attack_rng_below(rng, 40);
		for (uint32_t i = 0; i < depth && len + 5 < sizeof(buf); i++) {
			uint32_t one = 1;
			buf[len++] = 'a';
			memcpy(buf + len, &one, 4);
			len += 4;
		}
		buf[len++] = 'b';
		buf[len++] = 1;
		break;
	}
	case 3: { // a dictionary with a count that may lie
		buf[len++] = 'm';
		uint32_t count = attack_rng_below(rng, 2) ? 1 : fuzz_uint(rng);
		uint32_t klen = 1;
		memcpy(buf + len, &count, 4);
		memcpy(buf + len + 4, &klen, 4);
		buf[len + 8] = 'k';
		buf[len + 9] = 'd';
		double d = (double)attack_rng_next(rng);
		memcpy(buf + len + 10, &d, 8);
		len += 18;
		break;
	}
	case 4: // big
		len = attack_rng_below(rng, sizeof(buf));
		memset(buf, 'x', len);
		if (len > 0) {
			buf[0] = 'x';
		}
		if (len >= 5) {
			uint32_t n = (uint32_t)len - 5;
			memcpy(buf + 1, &n, 4);
		}
		break;
	default: // noise
		len = attack_rng_below(rng, 64);
		for (size_t i = 0; i < len; i++) {
			buf[i] = (uint8_t)attack_rng_next(rng);
		}
		break;
	}
	uint32_t declared = (uint32_t)len;
	if (attack_rng_below(rng, 20) == 0) {
		declared = fuzz_uint(rng);
	}
	put_bytes(m, buf, len, declared);
}

static uint32_t fuzz_new_id(struct conn *c) {
	switch (attack_rng_below(&c->rng, 40)) {
	case 0:
		return 0;
	case 1: // one in use
		return c->objects[attack_rng_below(&c->rng, (uint32_t)c->object_count)].id;
	case 2: // the server's range
		return 0xff000000u + attack_rng_below(&c->rng, 4);
	case 3: // a gap in the sequence
		return c->next_id + 1 + attack_rng_below(&c->rng, 100);
	default:
		return c->next_id++;
	}
}

/* Builds one request on a random object; returns false if nothing was built. */
static void build_request(struct conn *c, struct message *m) {
	struct attack_rng *rng = &c->rng;
	m->len = 0;
	m->fd_count = 0;
	struct object target;
	uint32_t pick = attack_rng_below(rng, 100);
	if (pick < 3) {
		target = (struct object){ fuzz_uint(rng), IFACE_MANAGER }; // any id at all
	} else {
		// Mostly the newest objects, where the interesting state is.
		uint32_t n = (uint32_t)c->object_count;
		uint32_t i = pick < 60 && n > 3 ? n - 1 - attack_rng_below(rng, n < 6 ? n : 6) :
										  attack_rng_below(rng, n);
		target = c->objects[i];
	}
	unsigned count = request_count(target.iface);
	uint32_t opcode = attack_rng_below(rng, 20) == 0 || count == 0 ? attack_rng_below(rng, 16) :
																	 attack_rng_below(rng, count);
	// Destructors end most connections' interesting objects too soon: make them rarer.
	if (opcode == 0 && target.iface != IFACE_DISPLAY && target.iface != IFACE_REGISTRY &&
			attack_rng_below(rng, 3) != 0 && count > 1) {
		opcode = 1 + attack_rng_below(rng, count - 1);
	}
	const char *sig = opcode < count ? requests[target.iface][opcode] : "uuu";
	put_u32(m, target.id);
	put_u32(m, 0); // size and opcode, below
	enum iface made = IFACE_COUNT;
	uint32_t made_id = 0;
	for (const char *p = sig; *p != '\0'; p++) {
		switch (*p) {
		case 'u':
		case 'i':
			put_u32(m, fuzz_uint(rng));
			break;
		case 's':
		case '?':
			put_fuzz_string(m, rng, *p == '?');
			break;
		case 'a':
			put_fuzz_array(m, rng);
			break;
		case 'n':
			made_id = fuzz_new_id(c);
			put_u32(m, made_id);
			if (p[1] == ':' && p[2] != '\0') {
				made = iface_of_letter(p[2]);
			}
			break;
		case 'h':
			m->fds[m->fd_count++] = zoo_pick(&c->zoo, rng);
			break;
		case 'N': {
			static const char *const names[] = { "iosurface_manager_v1", "wl_compositor",
				"iosurface_v1", "", "wl_shm" };
			const char *name = names[attack_rng_below(rng, 5)];
			put_bytes(m, name, strlen(name) + 1, (uint32_t)strlen(name) + 1);
			put_u32(m, attack_rng_below(rng, 4));
			made_id = fuzz_new_id(c);
			put_u32(m, made_id);
			made = IFACE_MANAGER;
			break;
		}
		case ':':
			p += p[1] != '\0' ? 1 : 0;
			break;
		default:
			break;
		}
	}
	if (made != IFACE_COUNT && made_id != 0 && made_id < 0xff000000u) {
		track(c, made_id, made);
	}
	// Stray descriptors, which no argument takes: libwayland queues them for later requests.
	if (attack_rng_below(rng, 8) == 0) {
		uint32_t extra = 1 + attack_rng_below(rng, MAX_FDS_PER_MESSAGE - 1);
		while (extra-- > 0 && m->fd_count < MAX_FDS_PER_MESSAGE) {
			m->fds[m->fd_count++] = zoo_pick(&c->zoo, rng);
		}
	}
	uint32_t size = (uint32_t)m->len;
	switch (attack_rng_below(rng, 50)) {
	case 0: // a size that is not the message's: shorter, unaligned, or less than a header
		size = attack_rng_below(rng, size + 1);
		c->desynced = true;
		break;
	case 1: // a byte of the arguments flipped
		if (m->len > 8) {
			uint8_t bit = (uint8_t)(1u << attack_rng_below(rng, 8));
			m->data[8 + attack_rng_below(rng, (uint32_t)m->len - 8)] ^= bit;
		}
		break;
	case 2: // truncated on the wire, with the full size declared
		m->len = 8 + attack_rng_below(rng, (uint32_t)m->len - 7);
		c->desynced = true;
		break;
	default:
		break;
	}
	uint32_t second = (size << 16) | (opcode & 0xffff);
	memcpy(m->data + 4, &second, 4);
}

static bool send_message(struct conn *c, const struct message *m) {
	union {
		char buf[CMSG_SPACE(sizeof(int) * MAX_FDS_PER_MESSAGE)];
		struct cmsghdr align;
	} control;
	struct iovec iov = { (void *)m->data, m->len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (m->fd_count > 0) {
		memset(&control, 0, sizeof(control));
		msg.msg_control = control.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * m->fd_count);
		struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * m->fd_count);
		memcpy(CMSG_DATA(cm), m->fds, sizeof(int) * m->fd_count);
	}
	ssize_t n = sendmsg(c->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n < 0 && errno == EAGAIN) {
		// The compositor reads slower than we write: let it catch up.
		struct pollfd pfd = { c->fd, POLLOUT, 0 };
		poll(&pfd, 1, harness_scale_timeout(2000));
		n = sendmsg(c->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
	}
	if (n != (ssize_t)m->len) {
		return false;
	}
	c->requests_sent++;
	c->fds_sent += (uint32_t)m->fd_count;
	return true;
}

/* A request with only uint (or new_id) arguments, as it should be. */
static void send_simple(struct conn *c, uint32_t object, uint32_t opcode, const uint32_t *args,
		size_t count) {
	struct message m = { .len = 0 };
	put_u32(&m, object);
	put_u32(&m, (uint32_t)((8 + 4 * count) << 16) | opcode);
	for (size_t i = 0; i < count; i++) {
		put_u32(&m, args[i]);
	}
	if (!c->broken && !send_message(c, &m)) {
		c->broken = true;
	}
}

static int connect_socket(void) {
	const char *dir = getenv("XDG_RUNTIME_DIR"), *name = getenv("WAYLAND_DISPLAY");
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	if (dir == NULL || name == NULL ||
			(size_t)snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/%s", dir, name) >=
					sizeof(addr.sun_path)) {
		FAIL("no compositor socket to connect to");
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
		FAIL("cannot connect to %s: %s", addr.sun_path, strerror(errno));
	}
	return fd;
}

struct totals {
	uint64_t connections, requests, fds, protocol_errors, closed, timeouts, desynced;
	uint64_t surfaces_done, surfaces_failed;
};

/* One fuzzed connection, drawn from seed and index alone. */
static void run_connection(uint64_t seed, uint64_t index, const struct outside_fds *outside,
		struct totals *totals) {
	struct conn *c = calloc(1, sizeof(*c));
	CHECK_NOT_NULL(c);
	attack_rng_seed(&c->rng, seed ^ (index * 0x9e3779b97f4a7c15ull));
	c->fd = connect_socket();
	zoo_init(&c->zoo, outside);
	track(c, 1, IFACE_DISPLAY);
	// wl_display.get_registry(2), then a sync for the globals.
	uint32_t get_registry[3] = { 1, (12u << 16) | 1, 2 };
	CHECK_EQ(send(c->fd, get_registry, sizeof(get_registry), MSG_NOSIGNAL), 12);
	track(c, 2, IFACE_REGISTRY);
	c->next_id = 3;
	sync_and_read(c, 5000);
	if (c->broken || c->manager_name == 0) {
		FAIL("connection %" PRIu64 ": no iosurface_manager_v1 global (%s)", index,
				c->broken ? "no answer" : "not advertised");
	}
	// wl_registry.bind(name, "iosurface_manager_v1", 1, id), mostly as it should be.
	struct message m = { .len = 0 };
	put_u32(&m, 2);
	put_u32(&m, 0);
	put_u32(&m, attack_rng_below(&c->rng, 50) == 0 ? fuzz_uint(&c->rng) : c->manager_name);
	put_bytes(&m, "iosurface_manager_v1", 21, 21);
	put_u32(&m, attack_rng_below(&c->rng, 50) == 0 ? fuzz_uint(&c->rng) : 1);
	uint32_t manager_id = c->next_id++;
	put_u32(&m, manager_id);
	uint32_t second = ((uint32_t)m.len << 16) | 0;
	memcpy(m.data + 4, &second, 4);
	send_message(c, &m);
	track(c, manager_id, IFACE_MANAGER);
	sync_and_read(c, 5000);

	// Most connections first make a few surfaces properly, so that the fuzzed requests reach
	// the state behind them (values, use counts, ports, buffers), not only the first check.
	uint32_t surfaces = attack_rng_below(&c->rng, 4);
	for (uint32_t i = 0; i < surfaces && !c->broken; i++) {
		uint32_t params = c->next_id++, surface;
		bool planar = attack_rng_below(&c->rng, 3) == 0;
		send_simple(c, manager_id, 1, (uint32_t[]){ params }, 1);
		send_simple(c, params, 1,
				(uint32_t[]){ 1 + attack_rng_below(&c->rng, 256),
						1 + attack_rng_below(&c->rng, 256) },
				2);
		send_simple(c, params, 2, (uint32_t[]){ planar ? 0x3231564e : 0x34325241 }, 1);
		surface = c->next_id++;
		send_simple(c, params, 11, (uint32_t[]){ surface }, 1);
		track(c, params, IFACE_PARAMS);
		track(c, surface, IFACE_SURFACE);
	}
	sync_and_read(c, 5000);

	uint32_t batches = 1 + attack_rng_below(&c->rng, 12);
	for (uint32_t b = 0; b < batches && !c->broken; b++) {
		uint32_t n = 1 + attack_rng_below(&c->rng, 24);
		for (uint32_t i = 0; i < n && !c->broken; i++) {
			build_request(c, &m);
			if (!send_message(c, &m)) {
				c->broken = true;
			}
		}
		// Once the framing is lost the compositor may wait for bytes that never come; the
		// probe, not this connection, tells whether it still serves.
		sync_and_read(c, c->desynced ? 200 : 3000);
	}
	totals->connections++;
	totals->requests += c->requests_sent;
	totals->fds += c->fds_sent;
	totals->protocol_errors += c->protocol_error;
	totals->timeouts += c->timed_out;
	totals->closed += c->broken && !c->protocol_error && !c->timed_out;
	totals->desynced += c->desynced;
	totals->surfaces_done += c->surfaces_done;
	totals->surfaces_failed += c->surfaces_failed;
	close(c->fd);
	zoo_finish(&c->zoo);
	free(c);
}

/* ---- The tests ---- */

static void wire_fuzz(uint64_t seed) {
	uint64_t seconds = attack_env_u64("ATTACK_FUZZ_SECONDS", 5);
	uint64_t first = attack_env_u64("ATTACK_FUZZ_FIRST", 0);
	uint64_t fixed_count = attack_env_u64("ATTACK_FUZZ_CONNECTIONS", 0);
	printf("wire-fuzz: seed %" PRIu64 " (replay: ATTACK_FUZZ_SEED=%" PRIu64 ")\n", seed, seed);
	fflush(stdout);

	struct harness_compositor *hc = harness_compositor_start(NULL);
	char fifo_path[512];
	snprintf(fifo_path, sizeof(fifo_path), "%s/attack-fifo", harness_compositor_runtime_dir(hc));
	CHECK_EQ(mkfifo(fifo_path, 0600), 0);

	// The probe: another client that must be answered all along, and whose unbound ports the
	// fuzzed connections send as someone else's ports.
	struct hostile_conn *probe = hostile_connect();
	uint32_t serial;
	int foreign_port = hostile_take_port(probe, &serial);
	// A port the compositor took back: its descriptor stays here, its read end is gone.
	struct hostile_conn *gone = hostile_connect();
	int stale_port = hostile_take_port(gone, &serial);
	hostile_disconnect(gone);

	// Ports bound to a surface of a libiosurface client, as an application exports them.
	struct iosurface_client *owner = iosurface_client_connect(NULL);
	CHECK_NOT_NULL(owner);
	struct iosurface_properties props = { .width = 64, .height = 64, .pixel_format = 0x34325241 };
	struct iosurface *owned = iosurface_create(owner, &props);
	CHECK_NOT_NULL(owned);
	struct outside_fds outside = {
		.peer_socket = wl_display_get_fd(probe->display),
		.foreign_port = foreign_port,
		.stale_port = stale_port,
		.bound_port = iosurface_create_port(owned),
		.bound_port_read_only = iosurface_create_port_read_only(owned),
		.fifo_path = fifo_path,
	};
	CHECK_GE(outside.bound_port, 0);
	CHECK_GE(outside.bound_port_read_only, 0);
	CHECK_EQ(iosurface_client_roundtrip(owner), 0);

	hostile_roundtrip(probe);
	struct attack_stats base, now;
	struct attack_stats empty;
	attack_stats(hc, &empty);
	int base_fds = attack_settled_fd_count(hc);
	base = empty;
	char a[160], b[160];

	struct totals totals = { 0 };
	int64_t deadline = harness_now_ms() + (int64_t)seconds * 1000;
	int worst_ms = 0;
	for (uint64_t i = first;; i++) {
		if (fixed_count != 0 ? i >= first + fixed_count : harness_now_ms() >= deadline) {
			break;
		}
		run_connection(seed, i, &outside, &totals);
		if (!harness_compositor_alive(hc)) {
			FAIL("the compositor died during connection %" PRIu64 " of seed %" PRIu64
				 " (replay: ATTACK_FUZZ_SEED=%" PRIu64 " ATTACK_FUZZ_FIRST=0"
				 " ATTACK_FUZZ_CONNECTIONS=%" PRIu64 ")",
					i, seed, seed, i + 1);
		}
		int ms = hostile_roundtrip_within(probe, harness_scale_timeout(5000));
		if (ms < 0) {
			FAIL("the probe's round trip got no answer after connection %" PRIu64
				 " of seed %" PRIu64 " (replay: ATTACK_FUZZ_SEED=%" PRIu64
				 " ATTACK_FUZZ_FIRST=0 ATTACK_FUZZ_CONNECTIONS=%" PRIu64 ")",
					i, seed, seed, i + 1);
		}
		worst_ms = ms > worst_ms ? ms : worst_ms;
		if (i % 50 == 49) {
			hostile_check_serving(hc);
		}
	}

	printf("wire-fuzz: seed %" PRIu64 ": %" PRIu64 " connections, %" PRIu64 " requests, %" PRIu64
		   " descriptors sent; %" PRIu64 " ended by a protocol error, %" PRIu64
		   " closed otherwise, %" PRIu64 " with a sync unanswered after a lying header (of %" PRIu64
		   "); %" PRIu64 " surfaces made or redeemed, %" PRIu64 " refused with failed; slowest "
		   "probe round trip %d ms\n",
			seed, totals.connections, totals.requests, totals.fds, totals.protocol_errors,
			totals.closed, totals.timeouts, totals.desynced, totals.surfaces_done,
			totals.surfaces_failed, worst_ms);
	// Everything the fuzzed connections made must be gone with them.
	hostile_check_serving(hc);
	if (!attack_wait_stats(hc, &base, true, 5000, &now)) {
		FAIL("after %" PRIu64 " connections of seed %" PRIu64 " the totals are [%s], at the "
			 "start [%s]",
				totals.connections, seed, attack_stats_str(&now, a, sizeof(a)),
				attack_stats_str(&base, b, sizeof(b)));
	}
	int fds = attack_wait_fd_count(hc, base_fds, 5000);
	if (fds != base_fds) {
		FAIL("after %" PRIu64 " connections of seed %" PRIu64 " the compositor holds %d "
			 "descriptors, %d at the start",
				totals.connections, seed, fds, base_fds);
	}
	// A fuzzer that never gets past the first request proves little.
	CHECK_GT(totals.connections, 0);
	CHECK_GT(totals.requests, 10 * totals.connections);

	close(outside.bound_port);
	close(outside.bound_port_read_only);
	iosurface_unref(owned);
	iosurface_client_destroy(owner);
	close(foreign_port);
	close(stale_port);
	hostile_disconnect(probe);
	unlink(fifo_path);
	harness_compositor_stop(hc);
}

TEST(fixed_seed) {
	wire_fuzz(attack_env_u64("ATTACK_FUZZ_SEED", 1));
}

TEST(random_seed) {
	wire_fuzz(attack_env_u64("ATTACK_FUZZ_SEED", attack_random_seed()));
}

int main(int argc, char **argv) {
	return harness_main(argc, argv);
}
