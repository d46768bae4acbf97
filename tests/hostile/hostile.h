/*
 * Helpers for the hostile-client tests: raw libwayland-client connections that bind
 * iosurface_manager_v1 and send what libiosurface never would, and checks of what the
 * compositor answers (the exact protocol error, failed events, its descriptor count).
 *
 * Every descriptor the compositor sends (state pool, ports, surface memory) is kept in the
 * structs below and closed by hostile_disconnect()/hostile_surface_destroy(), so that the
 * harness's descriptor check holds in every test.
 */
#ifndef TESTS_HOSTILE_HOSTILE_H
#define TESTS_HOSTILE_HOSTILE_H

#include <stdbool.h>
#include <stdint.h>

#include <drm_fourcc.h>
#include <wayland-client.h>

#include "harness.h"
#include "iosurface-v1-client-protocol.h"

#define HOSTILE_MAX_PORTS 512
#define HOSTILE_MAX_FORMATS 256
#define HOSTILE_PROPERTY_COUNT 32

struct hostile_port {
	int fd;
	uint32_t serial;
	uint8_t key[16];
};

#define HOSTILE_MAX_TICKETS 256

struct hostile_ticket {
	uint32_t surface_id, slot;
};

struct hostile_conn {
	struct wl_display *display;
	struct wl_registry *registry;
	struct iosurface_manager_v1 *manager;
	bool done;

	int pool_fd;
	uint32_t pool_size;
	uint32_t max_unbound_ports;
	uint64_t quota_bytes;
	uint32_t quota_count;
	uint32_t limit_max[HOSTILE_PROPERTY_COUNT];
	uint32_t limit_align[HOSTILE_PROPERTY_COUNT];
	uint32_t display_formats[HOSTILE_MAX_FORMATS];
	size_t display_format_count;

	/* Unbound ports received and not taken yet, oldest first. */
	struct hostile_port ports[HOSTILE_MAX_PORTS];
	size_t port_count;
	uint32_t ports_received;
	struct hostile_ticket tickets[HOSTILE_MAX_TICKETS];
	size_t ticket_count;
	/* The last ports_refused event: reason + 1 (0: none) and count. */
	uint32_t ports_refused_reason, ports_refused_count;
};

struct hostile_surface {
	struct hostile_conn *conn;
	struct iosurface_v1 *proxy;

	bool described, done, failed;
	uint32_t reason;
	char message[256];

	uint32_t id, width, height, format, bytes_per_row, alloc_size, plane_count;
	uint32_t flags, allocator, read_only;
	int mem_fd[2];
	uint32_t mem_size[2], mem_type[2], mem_flags[2];
	uint32_t seed_index, seed_offset, slot;

	uint32_t set_value_failed;
	char failed_key[300];
	uint32_t values, values_done;
	uint32_t value_memory; /* value_memory events; each descriptor checked and closed */
	uint32_t value_memory_bytes; /* the sizes they gave, added */
	uint32_t purgeable_done, old_state;
	uint32_t emptied, not_in_use, seed_changed;
};

/* Connects to $WAYLAND_DISPLAY (name NULL) or name, binds the manager, waits for its done. */
struct hostile_conn *hostile_connect_to(const char *name);
struct hostile_conn *hostile_connect(void);
/* Closes every descriptor still held and disconnects. The surfaces must be destroyed first. */
void hostile_disconnect(struct hostile_conn *conn);
/* wl_display_roundtrip, failing the test if the connection broke. */
void hostile_roundtrip(struct hostile_conn *conn);

/*
 * A wl_display.sync that must come back within timeout_ms (not scaled): returns its latency in
 * milliseconds, or -1 if it did not (the connection stays usable; a late answer is dropped).
 */
int hostile_roundtrip_within(struct hostile_conn *conn, int timeout_ms);

/* Takes the oldest unbound port: the caller owns the returned descriptor. */
int hostile_take_port(struct hostile_conn *conn, uint32_t *serial);
/* The same, with the port's key (16 bytes) for records the compositor will believe. */
int hostile_take_port_key(struct hostile_conn *conn, uint32_t *serial, uint8_t key[16]);

/* Size of a port record: magic, surface id, slot, flags, tag. */
#define HOSTILE_RECORD_SIZE 24

/*
 * Encodes a port record as iosurface_manager_v1.port describes it, with the given magic and
 * a tag computed under key for (serial, id, slot, flags): what a client holding the key can
 * write, for any content it likes.
 */
void hostile_encode_record(uint8_t out[HOSTILE_RECORD_SIZE], uint32_t magic, uint32_t serial,
		const uint8_t key[16], uint32_t id, uint32_t slot, uint32_t flags);

/* Writes a genuine record (the right magic and tag) into port; fails the test if it cannot. */
void hostile_write_record(int port, uint32_t serial, const uint8_t key[16], uint32_t id,
		uint32_t slot, uint32_t flags);

/* Listens to an iosurface_v1 made by create, redeem_port or lookup. */
struct hostile_surface *hostile_surface_wrap(struct hostile_conn *conn, struct iosurface_v1 *proxy);
/* Sends destroy (if the connection still works), closes the memory descriptors, frees. */
void hostile_surface_destroy(struct hostile_surface *s);

/*
 * Sends a params object (set_size, set_format unless 0, set_element unless bpe is 0, then
 * create, destroy) and waits for the answer. The surface may have failed: check s->done.
 */
struct hostile_surface *hostile_create(struct hostile_conn *conn, uint32_t width, uint32_t height,
		uint32_t format, uint32_t bpe);
/* An ARGB8888 surface that must succeed. */
struct hostile_surface *hostile_create_ok(struct hostile_conn *conn, uint32_t width,
		uint32_t height);

/*
 * Waits for the protocol error that the requests already sent must cause: the roundtrip fails,
 * wl_display_get_error() is EPROTO and wl_display_get_protocol_error() gives exactly this
 * interface, code and object (object may be NULL to skip the id check).
 */
#define hostile_expect_error(conn, object, iface, code) \
	hostile_expect_error_at(__FILE__, __LINE__, conn, (struct wl_proxy *)(object), iface, code)
void hostile_expect_error_at(const char *file, int line, struct hostile_conn *conn,
		struct wl_proxy *object, const struct wl_interface *iface, uint32_t code);

/* Whether the failed event carried this reason; fails the test otherwise. */
#define hostile_expect_failed(s, why) hostile_expect_failed_at(__FILE__, __LINE__, s, why)
void hostile_expect_failed_at(const char *file, int line, struct hostile_surface *s,
		uint32_t reason);

/*
 * The compositor is alive and serves a new client: a fresh connection creates a surface,
 * maps its memory, writes and reads it back.
 */
#define hostile_check_serving(hc) hostile_check_serving_at(__FILE__, __LINE__, hc)
void hostile_check_serving_at(const char *file, int line, struct harness_compositor *hc);

/* Descriptors open in the compositor (entries of /proc/<pid>/fd). */
int hostile_compositor_fd_count(struct harness_compositor *hc);
/*
 * Waits up to timeout_ms (scaled) for the compositor's descriptor count to equal want;
 * returns the last count seen.
 */
int hostile_wait_fd_count(struct harness_compositor *hc, int want, int timeout_ms);
/*
 * The compositor's count once it settled (unchanged for 200 ms): taken as the baseline with
 * no client connected.
 */
int hostile_settled_fd_count(struct harness_compositor *hc);

/* Starts the compositor with extra arguments (NULL-terminated list, may be empty). */
#define HOSTILE_ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

#endif
