#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hostile.h"
#include "iosurface-common.h"

// The last message libwayland-client logged: the text of a protocol error, for failures.
static char last_log[512];

static void log_handler(const char *fmt, va_list args) {
	vsnprintf(last_log, sizeof(last_log), fmt, args);
	size_t len = strlen(last_log);
	if (len > 0 && last_log[len - 1] == '\n') {
		last_log[len - 1] = '\0';
	}
}

/* ---- Manager ---- */

static void manager_handle_limit(void *data, struct iosurface_manager_v1 *manager,
		uint32_t property, uint32_t maximum, uint32_t alignment) {
	struct hostile_conn *conn = data;
	if (property < HOSTILE_PROPERTY_COUNT) {
		conn->limit_max[property] = maximum;
		conn->limit_align[property] = alignment;
	}
}

static void manager_handle_format(void *data, struct iosurface_manager_v1 *manager,
		uint32_t format) {
}

static void manager_handle_display_format(void *data, struct iosurface_manager_v1 *manager,
		uint32_t format) {
	struct hostile_conn *conn = data;
	if (conn->display_format_count < HOSTILE_MAX_FORMATS) {
		conn->display_formats[conn->display_format_count++] = format;
	}
}

static void manager_handle_quota(void *data, struct iosurface_manager_v1 *manager,
		uint32_t bytes_hi, uint32_t bytes_lo, uint32_t count) {
	struct hostile_conn *conn = data;
	conn->quota_bytes = (uint64_t)bytes_hi << 32 | bytes_lo;
	conn->quota_count = count;
}

static void manager_handle_allocator(void *data, struct iosurface_manager_v1 *manager,
		uint32_t allocator) {
}

static void manager_handle_state_pool(void *data, struct iosurface_manager_v1 *manager, int32_t fd,
		uint32_t size) {
	struct hostile_conn *conn = data;
	if (conn->pool_fd >= 0) {
		close(conn->pool_fd);
	}
	conn->pool_fd = fd;
	conn->pool_size = size;
}

static void manager_handle_port(void *data, struct iosurface_manager_v1 *manager, int32_t fd,
		uint32_t serial, struct wl_array *key) {
	struct hostile_conn *conn = data;
	conn->ports_received++;
	if (conn->port_count >= HOSTILE_MAX_PORTS || key->size != 16) {
		close(fd);
		return;
	}
	struct hostile_port *port = &conn->ports[conn->port_count++];
	port->fd = fd;
	port->serial = serial;
	memcpy(port->key, key->data, 16);
}

static void manager_handle_ports_refused(void *data, struct iosurface_manager_v1 *manager,
		uint32_t reason, uint32_t count) {
	struct hostile_conn *conn = data;
	conn->ports_refused_reason = reason + 1;
	conn->ports_refused_count = count;
}

static void manager_handle_ticket(void *data, struct iosurface_manager_v1 *manager,
		uint32_t surface_id, uint32_t slot) {
	struct hostile_conn *conn = data;
	if (conn->ticket_count < HOSTILE_MAX_TICKETS) {
		conn->tickets[conn->ticket_count++] = (struct hostile_ticket){ surface_id, slot };
	}
}

static void manager_handle_done(void *data, struct iosurface_manager_v1 *manager,
		uint32_t max_unbound_ports) {
	struct hostile_conn *conn = data;
	conn->done = true;
	conn->max_unbound_ports = max_unbound_ports;
}

static const struct iosurface_manager_v1_listener manager_listener = {
	.limit = manager_handle_limit,
	.format = manager_handle_format,
	.display_format = manager_handle_display_format,
	.quota = manager_handle_quota,
	.allocator = manager_handle_allocator,
	.state_pool = manager_handle_state_pool,
	.port = manager_handle_port,
	.ticket = manager_handle_ticket,
	.ports_refused = manager_handle_ports_refused,
	.done = manager_handle_done,
};

static void registry_handle_global(void *data, struct wl_registry *registry, uint32_t name,
		const char *interface, uint32_t version) {
	struct hostile_conn *conn = data;
	if (strcmp(interface, iosurface_manager_v1_interface.name) == 0 && conn->manager == NULL) {
		conn->manager = wl_registry_bind(registry, name, &iosurface_manager_v1_interface, 1);
		iosurface_manager_v1_add_listener(conn->manager, &manager_listener, conn);
	}
}

static void registry_handle_global_remove(void *data, struct wl_registry *registry, uint32_t name) {
}

static const struct wl_registry_listener registry_listener = {
	.global = registry_handle_global,
	.global_remove = registry_handle_global_remove,
};

struct hostile_conn *hostile_connect_to(const char *name) {
	wl_log_set_handler_client(log_handler);
	struct hostile_conn *conn = calloc(1, sizeof(*conn));
	CHECK_NOT_NULL(conn);
	conn->pool_fd = -1;
	conn->display = wl_display_connect(name);
	if (conn->display == NULL) {
		FAIL("wl_display_connect(%s): %s", name != NULL ? name : "$WAYLAND_DISPLAY",
				strerror(errno));
	}
	conn->registry = wl_display_get_registry(conn->display);
	wl_registry_add_listener(conn->registry, &registry_listener, conn);
	hostile_roundtrip(conn);
	if (conn->manager == NULL) {
		FAIL("the compositor does not advertise iosurface_manager_v1");
	}
	while (!conn->done) {
		hostile_roundtrip(conn);
	}
	CHECK(conn->pool_fd >= 0);
	return conn;
}

struct hostile_conn *hostile_connect(void) {
	return hostile_connect_to(NULL);
}

void hostile_roundtrip(struct hostile_conn *conn) {
	if (wl_display_roundtrip(conn->display) < 0) {
		const struct wl_interface *iface = NULL;
		uint32_t id = 0;
		int err = wl_display_get_error(conn->display);
		uint32_t code = 0;
		if (err == EPROTO) {
			code = wl_display_get_protocol_error(conn->display, &iface, &id);
		}
		FAIL("the connection broke: error %d (%s), protocol error %u on %s@%u: %s", err,
				strerror(err), code, iface != NULL ? iface->name : "-", id, last_log);
	}
}

static void sync_handle_done(void *data, struct wl_callback *callback, uint32_t serial) {
	bool *done = data;
	*done = true;
}

static const struct wl_callback_listener sync_listener = {
	.done = sync_handle_done,
};

int hostile_roundtrip_within(struct hostile_conn *conn, int timeout_ms) {
	bool done = false;
	struct wl_callback *callback = wl_display_sync(conn->display);
	wl_callback_add_listener(callback, &sync_listener, &done);
	int64_t start = harness_now_ms();
	int64_t deadline = start + timeout_ms;
	while (!done) {
		if (wl_display_dispatch_pending(conn->display) < 0) {
			FAIL("the connection broke while waiting for a sync: %s", last_log);
		}
		if (done) {
			break;
		}
		if (wl_display_prepare_read(conn->display) != 0) {
			continue;
		}
		if (wl_display_flush(conn->display) < 0 && errno != EAGAIN) {
			wl_display_cancel_read(conn->display);
			FAIL("wl_display_flush: %s", strerror(errno));
		}
		int64_t left = deadline - harness_now_ms();
		if (left <= 0) {
			wl_display_cancel_read(conn->display);
			break;
		}
		struct pollfd pfd = { .fd = wl_display_get_fd(conn->display), .events = POLLIN };
		int ret = poll(&pfd, 1, (int)left);
		if (ret > 0) {
			if (wl_display_read_events(conn->display) < 0) {
				FAIL("the connection broke while waiting for a sync: %s", strerror(errno));
			}
		} else {
			wl_display_cancel_read(conn->display);
		}
	}
	wl_callback_destroy(callback);
	return done ? (int)(harness_now_ms() - start) : -1;
}

void hostile_disconnect(struct hostile_conn *conn) {
	for (size_t i = 0; i < conn->port_count; i++) {
		close(conn->ports[i].fd);
	}
	conn->port_count = 0;
	if (conn->pool_fd >= 0) {
		close(conn->pool_fd);
	}
	bool broken = wl_display_get_error(conn->display) != 0;
	if (conn->manager != NULL) {
		if (broken) {
			wl_proxy_destroy((struct wl_proxy *)conn->manager);
		} else {
			iosurface_manager_v1_destroy(conn->manager);
		}
	}
	wl_registry_destroy(conn->registry);
	wl_display_disconnect(conn->display);
	free(conn);
}

int hostile_take_port(struct hostile_conn *conn, uint32_t *serial) {
	return hostile_take_port_key(conn, serial, NULL);
}

int hostile_take_port_key(struct hostile_conn *conn, uint32_t *serial, uint8_t key[16]) {
	if (conn->port_count == 0) {
		FAIL("no unbound port left (received %u)", conn->ports_received);
	}
	struct hostile_port port = conn->ports[0];
	memmove(&conn->ports[0], &conn->ports[1], (conn->port_count - 1) * sizeof(conn->ports[0]));
	conn->port_count--;
	if (serial != NULL) {
		*serial = port.serial;
	}
	if (key != NULL) {
		memcpy(key, port.key, 16);
	}
	return port.fd;
}

static void put_le32(uint8_t *p, uint32_t v) {
	for (int i = 0; i < 4; i++) {
		p[i] = (uint8_t)(v >> (8 * i));
	}
}

void hostile_encode_record(uint8_t out[HOSTILE_RECORD_SIZE], uint32_t magic, uint32_t serial,
		const uint8_t key[16], uint32_t id, uint32_t slot, uint32_t flags) {
	uint8_t msg[16];
	put_le32(msg, serial);
	put_le32(msg + 4, id);
	put_le32(msg + 8, slot);
	put_le32(msg + 12, flags);
	uint64_t tag = ios_siphash24(key, msg, sizeof(msg));
	put_le32(out, magic);
	memcpy(out + 4, msg + 4, 12);
	put_le32(out + 16, (uint32_t)tag);
	put_le32(out + 20, (uint32_t)(tag >> 32));
}

void hostile_write_record(int port, uint32_t serial, const uint8_t key[16], uint32_t id,
		uint32_t slot, uint32_t flags) {
	uint8_t rec[HOSTILE_RECORD_SIZE];
	hostile_encode_record(rec, 0x49535054u, serial, key, id, slot, flags);
	CHECK_EQ(write(port, rec, sizeof(rec)), (ssize_t)sizeof(rec));
}

/* ---- Surfaces ---- */

static void surface_handle_description(void *data, struct iosurface_v1 *proxy, uint32_t surface_id,
		uint32_t width, uint32_t height, uint32_t format, uint32_t bytes_per_element,
		uint32_t element_width, uint32_t element_height, uint32_t bytes_per_row, uint32_t offset,
		uint32_t alloc_size, uint32_t plane_count, uint32_t cache_mode, uint32_t usage,
		uint32_t flags, uint32_t allocator, uint32_t read_only) {
	struct hostile_surface *s = data;
	s->described = true;
	s->id = surface_id;
	s->width = width;
	s->height = height;
	s->format = format;
	s->bytes_per_row = bytes_per_row;
	s->alloc_size = alloc_size;
	s->plane_count = plane_count;
	s->flags = flags;
	s->allocator = allocator;
	s->read_only = read_only;
}

static void surface_handle_plane(void *data, struct iosurface_v1 *proxy, uint32_t index,
		uint32_t width, uint32_t height, uint32_t bytes_per_row, uint32_t bytes_per_element,
		uint32_t element_width, uint32_t element_height, uint32_t offset, uint32_t size) {
}

static void surface_handle_name(void *data, struct iosurface_v1 *proxy, const char *name) {
}

static void surface_handle_memory(void *data, struct iosurface_v1 *proxy, uint32_t index,
		int32_t fd, uint32_t type, uint32_t size, uint32_t modifier_hi, uint32_t modifier_lo,
		uint32_t flags) {
	struct hostile_surface *s = data;
	if (index >= 2 || s->mem_fd[index] >= 0) {
		close(fd);
		return;
	}
	s->mem_fd[index] = fd;
	s->mem_type[index] = type;
	s->mem_size[index] = size;
	s->mem_flags[index] = flags;
}

static void surface_handle_seed_location(void *data, struct iosurface_v1 *proxy, uint32_t index,
		uint32_t offset) {
	struct hostile_surface *s = data;
	s->seed_index = index;
	s->seed_offset = offset;
}

static void surface_handle_state_slot(void *data, struct iosurface_v1 *proxy, uint32_t index) {
	struct hostile_surface *s = data;
	s->slot = index;
}

static void surface_handle_done(void *data, struct iosurface_v1 *proxy) {
	struct hostile_surface *s = data;
	s->done = true;
}

static void surface_handle_failed(void *data, struct iosurface_v1 *proxy, uint32_t reason,
		const char *message) {
	struct hostile_surface *s = data;
	s->failed = true;
	s->reason = reason;
	snprintf(s->message, sizeof(s->message), "%s", message);
}

static void surface_handle_value(void *data, struct iosurface_v1 *proxy, const char *key,
		struct wl_array *value) {
	struct hostile_surface *s = data;
	s->values++;
}

static void surface_handle_value_memory(void *data, struct iosurface_v1 *proxy, const char *key,
		int32_t fd, uint32_t size) {
	struct hostile_surface *s = data;
	// What the compositor sends must meet the rule it enforces on clients.
	struct stat st;
	int seals = fcntl(fd, F_GET_SEALS);
	CHECK_EQ(fstat(fd, &st), 0);
	CHECK_EQ((uint64_t)st.st_size, (uint64_t)size);
	CHECK_EQ(seals & (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL),
			F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
	close(fd);
	s->value_memory++;
	s->value_memory_bytes += size;
}

static void surface_handle_values_done(void *data, struct iosurface_v1 *proxy) {
	struct hostile_surface *s = data;
	s->values_done++;
}

static void surface_handle_set_value_failed(void *data, struct iosurface_v1 *proxy,
		const char *key) {
	struct hostile_surface *s = data;
	s->set_value_failed++;
	snprintf(s->failed_key, sizeof(s->failed_key), "%s", key);
}

static void surface_handle_purgeable_done(void *data, struct iosurface_v1 *proxy,
		uint32_t old_state) {
	struct hostile_surface *s = data;
	s->purgeable_done++;
	s->old_state = old_state;
}

static void surface_handle_emptied(void *data, struct iosurface_v1 *proxy) {
	struct hostile_surface *s = data;
	s->emptied++;
}

static void surface_handle_not_in_use(void *data, struct iosurface_v1 *proxy) {
	struct hostile_surface *s = data;
	s->not_in_use++;
}

static void surface_handle_seed_changed(void *data, struct iosurface_v1 *proxy, uint32_t seed) {
	struct hostile_surface *s = data;
	s->seed_changed++;
}

static const struct iosurface_v1_listener surface_listener = {
	.description = surface_handle_description,
	.plane = surface_handle_plane,
	.name = surface_handle_name,
	.memory = surface_handle_memory,
	.seed_location = surface_handle_seed_location,
	.state_slot = surface_handle_state_slot,
	.done = surface_handle_done,
	.failed = surface_handle_failed,
	.value = surface_handle_value,
	.value_memory = surface_handle_value_memory,
	.values_done = surface_handle_values_done,
	.set_value_failed = surface_handle_set_value_failed,
	.purgeable_done = surface_handle_purgeable_done,
	.emptied = surface_handle_emptied,
	.not_in_use = surface_handle_not_in_use,
	.seed_changed = surface_handle_seed_changed,
};

struct hostile_surface *hostile_surface_wrap(struct hostile_conn *conn,
		struct iosurface_v1 *proxy) {
	struct hostile_surface *s = calloc(1, sizeof(*s));
	CHECK_NOT_NULL(s);
	CHECK_NOT_NULL(proxy);
	s->conn = conn;
	s->proxy = proxy;
	s->mem_fd[0] = s->mem_fd[1] = -1;
	iosurface_v1_add_listener(proxy, &surface_listener, s);
	return s;
}

void hostile_surface_destroy(struct hostile_surface *s) {
	if (s == NULL) {
		return;
	}
	if (wl_display_get_error(s->conn->display) != 0) {
		wl_proxy_destroy((struct wl_proxy *)s->proxy);
	} else {
		iosurface_v1_destroy(s->proxy);
	}
	for (int i = 0; i < 2; i++) {
		if (s->mem_fd[i] >= 0) {
			close(s->mem_fd[i]);
		}
	}
	free(s);
}

struct hostile_surface *hostile_create(struct hostile_conn *conn, uint32_t width, uint32_t height,
		uint32_t format, uint32_t bpe) {
	struct iosurface_params_v1 *params = iosurface_manager_v1_create_params(conn->manager);
	iosurface_params_v1_set_size(params, width, height);
	if (format != 0) {
		iosurface_params_v1_set_format(params, format);
	}
	if (bpe != 0) {
		iosurface_params_v1_set_element(params, bpe, 0, 0);
	}
	struct hostile_surface *s = hostile_surface_wrap(conn, iosurface_params_v1_create(params));
	iosurface_params_v1_destroy(params);
	hostile_roundtrip(conn);
	if (!s->done && !s->failed) {
		FAIL("create %ux%u: neither done nor failed after a roundtrip", width, height);
	}
	return s;
}

struct hostile_surface *hostile_create_ok(struct hostile_conn *conn, uint32_t width,
		uint32_t height) {
	struct hostile_surface *s = hostile_create(conn, width, height, DRM_FORMAT_ARGB8888, 0);
	if (!s->done) {
		FAIL("create %ux%u ARGB8888 failed: reason %u: %s", width, height, s->reason, s->message);
	}
	CHECK(s->mem_fd[0] >= 0);
	return s;
}

/* ---- Checks ---- */

void hostile_expect_error_at(const char *file, int line, struct hostile_conn *conn,
		struct wl_proxy *object, const struct wl_interface *iface, uint32_t code) {
	last_log[0] = '\0';
	int ret = wl_display_roundtrip(conn->display);
	if (ret != -1) {
		harness_fail_at(file, line, "expected protocol error %u on %s; the roundtrip gave %d", code,
				iface->name, ret);
	}
	int err = wl_display_get_error(conn->display);
	if (err != EPROTO) {
		harness_fail_at(file, line, "expected EPROTO (error %u on %s), got error %d (%s)", code,
				iface->name, err, strerror(err));
	}
	const struct wl_interface *got_iface = NULL;
	uint32_t id = 0;
	uint32_t got = wl_display_get_protocol_error(conn->display, &got_iface, &id);
	uint32_t want_id = object != NULL ? wl_proxy_get_id(object) : id;
	if (got_iface != iface || got != code || id != want_id) {
		const char *got_name = got_iface != NULL ? got_iface->name : "(none)";
		harness_fail_at(file, line, "expected protocol error %u on %s@%u, got %u on %s@%u (\"%s\")",
				code, iface->name, want_id, got, got_name, id, last_log);
	}
}

void hostile_expect_failed_at(const char *file, int line, struct hostile_surface *s,
		uint32_t reason) {
	if (!s->failed) {
		harness_fail_at(file, line, "expected failed with reason %u, got %s", reason,
				s->done ? "done" : "nothing");
	}
	if (s->reason != reason) {
		harness_fail_at(file, line, "expected failed with reason %u, got reason %u (\"%s\")",
				reason, s->reason, s->message);
	}
	if (s->done || s->described || s->mem_fd[0] >= 0) {
		harness_fail_at(file, line, "a failed object also received its description");
	}
}

void hostile_check_serving_at(const char *file, int line, struct harness_compositor *hc) {
	if (!harness_compositor_alive(hc)) {
		harness_fail_at(file, line, "the compositor is not running any more");
	}
	struct hostile_conn *conn = hostile_connect();
	struct hostile_surface *s = hostile_create(conn, 64, 32, DRM_FORMAT_ARGB8888, 0);
	if (!s->done) {
		harness_fail_at(file, line, "a new client cannot create a surface: reason %u: %s",
				s->reason, s->message);
	}
	size_t len = s->alloc_size;
	uint8_t *map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, s->mem_fd[0], 0);
	if (map == MAP_FAILED) {
		harness_fail_at(file, line, "mmap of a new surface: %s", strerror(errno));
	}
	for (size_t i = 0; i < len; i++) {
		map[i] = (uint8_t)(i * 31 + 7);
	}
	for (size_t i = 0; i < len; i++) {
		if (map[i] != (uint8_t)(i * 31 + 7)) {
			harness_fail_at(file, line, "surface memory does not keep what was written");
		}
	}
	munmap(map, len);
	hostile_surface_destroy(s);
	hostile_roundtrip(conn);
	hostile_disconnect(conn);
}

int hostile_compositor_fd_count(struct harness_compositor *hc) {
	// The harness's count: on a DRM backend it leaves out the buffers and timers wlroots
	// makes and drops as it renders.
	int count = harness_compositor_count_fds(hc);
	if (count < 0) {
		FAIL("counting the compositor's descriptors: %s", strerror(-count));
	}
	return count;
}

int hostile_wait_fd_count(struct harness_compositor *hc, int want, int timeout_ms) {
	int64_t deadline = harness_now_ms() + harness_scale_timeout(timeout_ms);
	int count;
	while ((count = hostile_compositor_fd_count(hc)) != want && harness_now_ms() < deadline) {
		harness_sleep_ms(20);
	}
	return count;
}

int hostile_settled_fd_count(struct harness_compositor *hc) {
	int count = hostile_compositor_fd_count(hc);
	int64_t stable_since = harness_now_ms();
	int64_t deadline = stable_since + harness_scale_timeout(3000);
	while (harness_now_ms() - stable_since < 200 && harness_now_ms() < deadline) {
		harness_sleep_ms(20);
		int now = hostile_compositor_fd_count(hc);
		if (now != count) {
			count = now;
			stable_since = harness_now_ms();
		}
	}
	return count;
}
