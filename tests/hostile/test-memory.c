/*
 * iosurface_params_v1.create_from_memory, misused: memory that breaks its rules, ids that are
 * not the client's unused tickets, quota overrun. Each ends the connection with the exact
 * protocol error on the params object, closes what it received, and leaves the compositor
 * serving; nothing of another client is touched.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hostile.h"

/* 32x32 ARGB8888: 128-byte rows, alloc_size one page, and the seed page after it. */
#define ALLOC_SIZE 4096
#define MEMORY_SIZE (ALLOC_SIZE + 4096)

enum memory_flaw {
	FLAW_NONE,
	FLAW_NO_SEALS,
	FLAW_NO_SHRINK_SEAL,
	FLAW_NO_SEAL_SEAL,
	FLAW_WRITE_SEAL,
	FLAW_FUTURE_WRITE_SEAL,
	FLAW_TOO_SMALL,
	FLAW_TOO_LARGE,
	FLAW_MODE_0600,
	FLAW_READ_ONLY,
};

/* A memfd as the rules want it, but for one flaw. */
static int make_memory(enum memory_flaw flaw) {
	int fd = memfd_create("hostile", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	CHECK_GE(fd, 0);
	off_t size = flaw == FLAW_TOO_SMALL ? ALLOC_SIZE : flaw == FLAW_TOO_LARGE ? MEMORY_SIZE * 2 :
																				  MEMORY_SIZE;
	CHECK_EQ(ftruncate(fd, size), 0);
	CHECK_EQ(fchmod(fd, flaw == FLAW_MODE_0600 ? 0600 : 0400), 0);
	int seals = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL;
	if (flaw == FLAW_NO_SHRINK_SEAL) {
		seals &= ~F_SEAL_SHRINK;
	} else if (flaw == FLAW_NO_SEAL_SEAL) {
		seals &= ~F_SEAL_SEAL;
	} else if (flaw == FLAW_WRITE_SEAL) {
		seals |= F_SEAL_WRITE;
	} else if (flaw == FLAW_FUTURE_WRITE_SEAL) {
		seals |= F_SEAL_FUTURE_WRITE;
	}
	if (flaw != FLAW_NO_SEALS) {
		CHECK_EQ(fcntl(fd, F_ADD_SEALS, seals), 0);
	}
	if (flaw == FLAW_READ_ONLY) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		int ro = open(path, O_RDONLY | O_CLOEXEC);
		CHECK_GE(ro, 0);
		close(fd);
		fd = ro;
	}
	return fd;
}

/* The oldest unused ticket of conn. */
static uint32_t take_ticket(struct hostile_conn *conn) {
	CHECK_GT(conn->ticket_count, 0);
	uint32_t id = conn->tickets[0].surface_id;
	memmove(conn->tickets, conn->tickets + 1, (conn->ticket_count - 1) * sizeof(conn->tickets[0]));
	conn->ticket_count--;
	return id;
}

/*
 * Sends a 32x32 ARGB8888 create_from_memory with this memory and id; alloc_size, if not 0,
 * sets the layout's (128-byte rows, offset 0).
 */
static struct iosurface_params_v1 *send_adopt_sized(struct hostile_conn *conn, int fd, uint32_t id,
		uint32_t alloc_size, struct iosurface_v1 **out) {
	struct iosurface_params_v1 *p = iosurface_manager_v1_create_params(conn->manager);
	iosurface_params_v1_set_size(p, 32, 32);
	iosurface_params_v1_set_format(p, DRM_FORMAT_ARGB8888);
	if (alloc_size != 0) {
		iosurface_params_v1_set_layout(p, 128, 0, alloc_size);
	}
	*out = iosurface_params_v1_create_from_memory(p, fd, id);
	return p;
}

static struct iosurface_params_v1 *send_adopt(struct hostile_conn *conn, int fd, uint32_t id,
		struct iosurface_v1 **out) {
	return send_adopt_sized(conn, fd, id, 0, out);
}

/*
 * Starts a compositor (with args), adopts fd (closed here) under a fresh ticket, with the
 * layout's alloc_size if not 0, and expects invalid_memory on the params object; the
 * compositor's descriptors come back to where they were with no client, and it serves the
 * next one.
 */
static void expect_invalid_memory(int fd, uint32_t alloc_size, const char *const *args) {
	struct harness_compositor *hc = harness_compositor_start(args);
	int baseline = hostile_settled_fd_count(hc);
	struct hostile_conn *c = hostile_connect();
	struct iosurface_v1 *s;
	struct iosurface_params_v1 *p = send_adopt_sized(c, fd, take_ticket(c), alloc_size, &s);
	close(fd);
	hostile_expect_error(c, p, &iosurface_params_v1_interface,
			IOSURFACE_PARAMS_V1_ERROR_INVALID_MEMORY);
	wl_proxy_destroy((struct wl_proxy *)s);
	wl_proxy_destroy((struct wl_proxy *)p);
	hostile_disconnect(c);
	CHECK_EQ(hostile_wait_fd_count(hc, baseline, 2000), baseline);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

/* The same, with memory that breaks the rules by the flaw. */
static void expect_memory_error(enum memory_flaw flaw, const char *const *args) {
	expect_invalid_memory(make_memory(flaw), 0, args);
}

TEST(unsealed_memory_is_invalid_memory) {
	expect_memory_error(FLAW_NO_SEALS, NULL);
}

TEST(shrinkable_memory_is_invalid_memory) {
	expect_memory_error(FLAW_NO_SHRINK_SEAL, NULL);
}

TEST(memory_open_to_new_seals_is_invalid_memory) {
	expect_memory_error(FLAW_NO_SEAL_SEAL, NULL);
}

TEST(write_sealed_memory_is_invalid_memory) {
	expect_memory_error(FLAW_WRITE_SEAL, NULL);
}

TEST(future_write_sealed_memory_is_invalid_memory) {
	expect_memory_error(FLAW_FUTURE_WRITE_SEAL, NULL);
}

TEST(memory_too_small_is_invalid_memory) {
	expect_memory_error(FLAW_TOO_SMALL, NULL);
}

TEST(memory_larger_than_its_layout_is_invalid_memory) {
	// More than alloc_size and the seed page would be memory the quota does not count.
	expect_memory_error(FLAW_TOO_LARGE, NULL);
}

TEST(memory_of_mode_0600_is_invalid_memory) {
	expect_memory_error(FLAW_MODE_0600, NULL);
}

TEST(read_only_memory_descriptor_is_invalid_memory) {
	expect_memory_error(FLAW_READ_ONLY, NULL);
}

/* Descriptors that are no memfd at all. */
TEST(foreign_descriptors_are_invalid_memory) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	int baseline = hostile_settled_fd_count(hc);
	for (int kind = 0; kind < 5; kind++) {
		struct hostile_conn *c = hostile_connect();
		int fd = -1, other = -1;
		if (kind == 0) {
			int fds[2];
			CHECK_EQ(pipe2(fds, O_CLOEXEC), 0);
			fd = fds[1];
			other = fds[0];
		} else if (kind == 1) {
			int sv[2];
			CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
			fd = sv[0];
			other = sv[1];
		} else if (kind == 2) {
			fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		} else if (kind == 3) {
			fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		} else {
			// The client's own state pool: sealed against writing, and not its to give.
			fd = dup(c->pool_fd);
		}
		CHECK_GE(fd, 0);
		struct iosurface_v1 *s;
		struct iosurface_params_v1 *p = send_adopt(c, fd, take_ticket(c), &s);
		close(fd);
		if (other >= 0) {
			close(other);
		}
		hostile_expect_error(c, p, &iosurface_params_v1_interface,
				IOSURFACE_PARAMS_V1_ERROR_INVALID_MEMORY);
		wl_proxy_destroy((struct wl_proxy *)s);
		wl_proxy_destroy((struct wl_proxy *)p);
		hostile_disconnect(c);
	}
	CHECK_EQ(hostile_wait_fd_count(hc, baseline, 2000), baseline);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

/*
 * A hugetlbfs memfd, sealed and sized as the rules want: its inode number comes from another
 * counter than ordinary memfds', so it could equal another surface's and be taken for that
 * memory (refusing the other client's next surface). Memory of any device but memfd_create's
 * own is refused.
 */
TEST(hugetlbfs_memory_is_invalid_memory) {
	// 2 MiB - 4096 bytes of pixels and the seed page: one huge page, the only sizes hugetlbfs
	// takes. Creating and sizing the file reserves no huge page.
	const uint32_t huge = 2u << 20, alloc_size = huge - 4096;
	int fd = memfd_create("hostile-huge", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB);
	if (fd < 0 || ftruncate(fd, huge) != 0) {
		SKIP("no 2 MiB hugetlbfs memfd here: %s", strerror(errno));
	}
	CHECK_EQ(fchmod(fd, 0400), 0);
	CHECK_EQ(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL), 0);
	expect_invalid_memory(fd, alloc_size, NULL);
}

/*
 * The memory of another client's surface, which this client holds writable through a port:
 * adopting it as its own would hand out a second surface over someone else's pixels.
 */
TEST(memory_of_another_surface_is_invalid_memory) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct hostile_conn *owner = hostile_connect();
	struct hostile_conn *c = hostile_connect();
	struct hostile_surface *victim = hostile_create_ok(owner, 32, 32);
	CHECK_GE(victim->mem_fd[0], 0);
	struct iosurface_v1 *s;
	struct iosurface_params_v1 *p = send_adopt(c, victim->mem_fd[0], take_ticket(c), &s);
	hostile_expect_error(c, p, &iosurface_params_v1_interface,
			IOSURFACE_PARAMS_V1_ERROR_INVALID_MEMORY);
	wl_proxy_destroy((struct wl_proxy *)s);
	wl_proxy_destroy((struct wl_proxy *)p);
	hostile_disconnect(c);
	// The victim's surface is untouched and still served.
	hostile_roundtrip(owner);
	CHECK(victim->done && !victim->failed);
	hostile_surface_destroy(victim);
	hostile_disconnect(owner);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

/* Ids the client holds no unused ticket for: invented, another client's, its own used one. */
TEST(ids_outside_the_clients_tickets_are_invalid_ticket) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct hostile_conn *other = hostile_connect();
	for (int kind = 0; kind < 4; kind++) {
		struct hostile_conn *c = hostile_connect();
		uint32_t id = 0;
		if (kind == 0) {
			id = 999999;
		} else if (kind == 1) {
			id = other->tickets[0].surface_id;
		} else if (kind == 2) {
			id = 0;
		} else {
			// Used once, properly: the second use is refused.
			id = take_ticket(c);
			int fd = make_memory(FLAW_NONE);
			struct iosurface_v1 *first;
			struct iosurface_params_v1 *p = send_adopt(c, fd, id, &first);
			close(fd);
			iosurface_params_v1_destroy(p);
			hostile_roundtrip(c);
			iosurface_v1_destroy(first);
		}
		int fd = make_memory(FLAW_NONE);
		struct iosurface_v1 *s;
		struct iosurface_params_v1 *p = send_adopt(c, fd, id, &s);
		close(fd);
		hostile_expect_error(c, p, &iosurface_params_v1_interface,
				IOSURFACE_PARAMS_V1_ERROR_INVALID_TICKET);
		wl_proxy_destroy((struct wl_proxy *)s);
		wl_proxy_destroy((struct wl_proxy *)p);
		hostile_disconnect(c);
	}
	// The other client's ticket is still its own.
	int fd = make_memory(FLAW_NONE);
	struct iosurface_v1 *s;
	struct iosurface_params_v1 *p = send_adopt(other, fd, take_ticket(other), &s);
	close(fd);
	iosurface_params_v1_destroy(p);
	hostile_roundtrip(other);
	iosurface_v1_destroy(s);
	hostile_disconnect(other);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

TEST(adopting_past_the_count_quota_is_over_quota) {
	struct harness_compositor *hc = harness_compositor_start(HOSTILE_ARGS("--quota-count", "1"));
	struct hostile_conn *c = hostile_connect();
	CHECK_EQ(c->quota_count, 1);
	struct iosurface_v1 *s[2];
	struct iosurface_params_v1 *p[2];
	for (int i = 0; i < 2; i++) {
		int fd = make_memory(FLAW_NONE);
		p[i] = send_adopt(c, fd, take_ticket(c), &s[i]);
		close(fd);
	}
	hostile_expect_error(c, p[1], &iosurface_params_v1_interface,
			IOSURFACE_PARAMS_V1_ERROR_OVER_QUOTA);
	for (int i = 0; i < 2; i++) {
		wl_proxy_destroy((struct wl_proxy *)s[i]);
		wl_proxy_destroy((struct wl_proxy *)p[i]);
	}
	hostile_disconnect(c);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

TEST(adopting_an_unknown_format_without_elements_is_unknown_format) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct hostile_conn *c = hostile_connect();
	int fd = make_memory(FLAW_NONE);
	struct iosurface_params_v1 *p = iosurface_manager_v1_create_params(c->manager);
	iosurface_params_v1_set_size(p, 32, 32);
	iosurface_params_v1_set_format(p, 0x20202020);
	struct iosurface_v1 *s = iosurface_params_v1_create_from_memory(p, fd, take_ticket(c));
	close(fd);
	hostile_expect_error(c, p, &iosurface_params_v1_interface,
			IOSURFACE_PARAMS_V1_ERROR_UNKNOWN_FORMAT);
	wl_proxy_destroy((struct wl_proxy *)s);
	wl_proxy_destroy((struct wl_proxy *)p);
	hostile_disconnect(c);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

/*
 * Adopted memory is a surface like any other: values stick, the state slot is written, and
 * the compositor's copy of the descriptor goes with the surface.
 */
TEST(adopted_memory_is_a_surface) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	int baseline = hostile_settled_fd_count(hc);
	struct hostile_conn *c = hostile_connect();
	CHECK_GT(c->ticket_count, 0);
	uint32_t slot = c->tickets[0].slot;
	int fd = make_memory(FLAW_NONE);
	struct iosurface_v1 *proxy;
	struct iosurface_params_v1 *p = send_adopt(c, fd, take_ticket(c), &proxy);
	close(fd);
	iosurface_params_v1_destroy(p);
	struct hostile_surface *s = hostile_surface_wrap(c, proxy);
	iosurface_v1_set_in_use(proxy, 1);
	hostile_roundtrip(c);
	// No event: the object was ready at once.
	CHECK(!s->done && !s->failed);
	uint32_t *pool = mmap(NULL, c->pool_size, PROT_READ, MAP_SHARED, c->pool_fd, 0);
	CHECK(pool != MAP_FAILED);
	CHECK_EQ(__atomic_load_n(&pool[slot * 8 + 0], __ATOMIC_ACQUIRE), 1);
	CHECK_EQ(__atomic_load_n(&pool[slot * 8 + 1], __ATOMIC_ACQUIRE), 1);
	// The header counts it.
	CHECK_EQ(__atomic_load_n(&pool[2], __ATOMIC_ACQUIRE), 1);
	CHECK_EQ(__atomic_load_n(&pool[0], __ATOMIC_ACQUIRE), ALLOC_SIZE);
	CHECK_EQ(__atomic_load_n(&pool[3], __ATOMIC_ACQUIRE), 1);
	munmap(pool, c->pool_size);
	hostile_surface_destroy(s);
	hostile_roundtrip(c);
	hostile_disconnect(c);
	CHECK_EQ(hostile_wait_fd_count(hc, baseline, 2000), baseline);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

/* A client that creates and leaves before the compositor read its requests leaks nothing. */
TEST(creating_and_leaving_at_once_leaks_nothing) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	int baseline = hostile_settled_fd_count(hc);
	for (int round = 0; round < 20; round++) {
		struct hostile_conn *c = hostile_connect();
		struct iosurface_v1 *s[HOSTILE_MAX_TICKETS];
		size_t n = 0;
		while (c->ticket_count > 0) {
			int fd = make_memory(FLAW_NONE);
			struct iosurface_params_v1 *p = send_adopt(c, fd, take_ticket(c), &s[n++]);
			close(fd);
			iosurface_params_v1_destroy(p);
		}
		wl_display_flush(c->display);
		// Gone from this side only: the compositor never hears of it.
		for (size_t i = 0; i < n; i++) {
			wl_proxy_destroy((struct wl_proxy *)s[i]);
		}
		hostile_disconnect(c);
	}
	CHECK_EQ(hostile_wait_fd_count(hc, baseline, 5000), baseline);
	hostile_check_serving(hc);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

int main(int argc, char **argv) {
	return harness_main(argc, argv);
}
