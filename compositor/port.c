#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <wlr/util/log.h>

#include "server-private.h"

/*
 * A port is the write end of a pipe; the compositor keeps the read end. The pipe's inode
 * identifies the port in any descriptor a client sends back, and the read end reports a
 * hang-up when the last write end is closed, in whatever process that happens.
 *
 * A client binds a port twice over: it writes a 16-byte record into the pipe, then sends
 * bind_port. The request keeps the binding in order with the client's other requests; the
 * record survives the client, so a port exported just before its issuer exits (whose last
 * requests libwayland drops when the connection hangs up) or redeemed before the request is
 * read still finds its surface. Whichever comes first binds; the slot's bind count moves once.
 *
 * Read ends are watched by one epoll set of the module's, itself watched by the event loop,
 * so a port costs one descriptor and no wl_event_source.
 */

static uint64_t pipe_key(const struct stat *st) {
	return (uint64_t)st->st_ino;
}

/*
 * The port a descriptor is, if any. The inode number alone is not enough: a FIFO made on a
 * filesystem that numbers inodes in sequence (tmpfs) can be given a port's number on purpose.
 * Ports are anonymous pipes, all on the kernel's one pipefs, so the device must match too.
 */
static struct ios_port *port_from_stat(struct ios_server *server, const struct stat *st) {
	if (!S_ISFIFO(st->st_mode)) {
		return NULL;
	}
	struct ios_port *port = ios_table_get(&server->ports_by_inode, pipe_key(st));
	return port != NULL && port->dev == st->st_dev ? port : NULL;
}

static bool owner_holds_ticket(struct ios_owner *owner, uint32_t surface_id, uint32_t slot) {
	for (uint32_t i = 0; i < owner->ticket_count; i++) {
		if (owner->tickets[i].surface_id == surface_id && owner->tickets[i].slot == slot) {
			return true;
		}
	}
	return false;
}

static void fail_pending(struct ios_port *port, const char *why) {
	struct ios_handle *handle, *tmp;
	wl_list_for_each_safe(handle, tmp, &port->pending, pending_link) {
		wl_list_remove(&handle->pending_link);
		wl_list_init(&handle->pending_link);
		handle->pending_port = NULL;
		ios_handle_fail(handle, IOSURFACE_V1_FAILURE_UNKNOWN_PORT, "%s", why);
	}
	if (port->timer != NULL) {
		wl_event_source_remove(port->timer);
		port->timer = NULL;
	}
}

static void port_free(struct ios_port *port) {
	wl_list_remove(&port->server_link);
	free(port);
}

/* Takes the port off its issuer's list, once bind_port came or the issuer is gone. */
static void port_unlist(struct ios_port *port) {
	wl_list_remove(&port->link);
	wl_list_init(&port->link);
	port->issuer->unbound_count--;
	port->server->unbound_port_count--;
	port->issuer = NULL;
}

/* The port's last write end is gone, or the port is being torn down. */
void ios_port_destroy(struct ios_port *port) {
	struct ios_server *server = port->server;
	fail_pending(port, "the port died before it was bound");
	ios_table_remove(&server->ports_by_inode, port->key);
	epoll_ctl(server->port_epoll, EPOLL_CTL_DEL, port->read_fd, NULL);
	close(port->read_fd);
	ios_account_release_fds(port->account, 1);
	if (port->surface != NULL) {
		struct ios_surface *surface = port->surface;
		server->port_count--;
		surface->ports--;
		ios_surface_update_state(surface);
		ios_surface_unref(surface);
	}
	// Dead, it leaves its issuer's stock at once. A bind_port still on its way finds nothing
	// and moves nothing: either the port's record was read (and counted) first, which the
	// epoll handler and port_read make sure of, or the client never followed the protocol.
	if (port->issuer != NULL) {
		port_unlist(port);
	}
	port_free(port);
}

void ios_port_orphan(struct ios_port *port) {
	port_unlist(port);
	if (port->surface == NULL) {
		ios_port_destroy(port);
	}
}

static void bind_to(struct ios_port *port, struct ios_handle *handle, bool read_only) {
	struct ios_surface *surface = handle->surface;
	port->surface = surface;
	port->read_only = read_only;
	if (!port->counted) {
		port->counted = true;
		handle->binds_handled++;
	}
	ios_surface_ref(surface);
	surface->ports++;
	port->server->port_count++;
	ios_surface_update_state(surface);

	struct ios_handle *waiting, *tmp;
	wl_list_for_each_safe(waiting, tmp, &port->pending, pending_link) {
		wl_list_remove(&waiting->pending_link);
		wl_list_init(&waiting->pending_link);
		waiting->pending_port = NULL;
		ios_handle_attach(waiting, surface, read_only);
	}
	if (port->timer != NULL) {
		wl_event_source_remove(port->timer);
		port->timer = NULL;
	}
}

/*
 * Reads what was written into the port. The first record of a port not bound yet binds it,
 * if it names one of the issuer's own objects it may bind through; anything else is drained
 * and ignored. A malformed first record kills the port: returns false then, the port freed.
 */
static bool port_read(struct ios_port *port) {
	uint8_t buf[256];
	ssize_t n;
	while ((n = read(port->read_fd, buf, sizeof(buf))) > 0) {
		if (port->surface != NULL || port->issuer == NULL || port->record_seen) {
			continue;
		}
		port->record_seen = true;
		struct ios_port_record record;
		if ((size_t)n < sizeof(record)) {
			wlr_log(WLR_DEBUG, "iosurface: port %u: short record", port->serial);
			ios_port_destroy(port);
			return false;
		}
		memcpy(&record, buf, sizeof(record));
		record.magic = le32toh(record.magic);
		record.surface_id = le32toh(record.surface_id);
		record.slot = le32toh(record.slot);
		record.flags = le32toh(record.flags);
		struct ios_owner *owner = port->issuer;
		struct ios_handle *handle = NULL;
		if (record.slot < owner->next_slot) {
			handle = ((struct ios_handle **)owner->slot_handles.data)[record.slot];
		}
		if (handle == NULL && record.magic == IOS_PORT_MAGIC &&
				owner_holds_ticket(owner, record.surface_id, record.slot)) {
			// A surface the issuer created with no round trip, whose create_from_memory
			// is still on its way: the bind_port request after it binds the port.
			continue;
		}
		bool read_only = (record.flags & IOS_PORT_FLAG_READ_ONLY) != 0;
		if (record.magic != IOS_PORT_MAGIC || (record.flags & ~IOS_PORT_FLAG_READ_ONLY) ||
				handle == NULL || handle->surface == NULL ||
				handle->surface->id != record.surface_id || (handle->read_only && !read_only)) {
			wlr_log(WLR_DEBUG, "iosurface: port %u: record refused", port->serial);
			ios_port_destroy(port);
			return false;
		}
		bind_to(port, handle, read_only);
	}
	return true;
}

static int handle_port_events(int fd, uint32_t mask, void *data) {
	struct ios_server *server = data;
	struct epoll_event events[32];
	int n = epoll_wait(server->port_epoll, events, 32, 0);
	for (int i = 0; i < n; i++) {
		// Handling one port never frees another, so every pointer of the batch stays valid.
		struct ios_port *port = events[i].data.ptr;
		// Data first: a record written just before the last close still binds.
		if ((events[i].events & EPOLLIN) && !port_read(port)) {
			continue;
		}
		if (events[i].events & (EPOLLHUP | EPOLLERR)) {
			ios_port_destroy(port);
		}
	}
	return 0;
}

bool ios_port_init(struct ios_server *server) {
	server->port_epoll = epoll_create1(EPOLL_CLOEXEC);
	if (server->port_epoll < 0) {
		return false;
	}
	struct wl_event_loop *loop = wl_display_get_event_loop(server->base.display);
	server->port_source = wl_event_loop_add_fd(loop, server->port_epoll, WL_EVENT_READABLE,
			handle_port_events, server);
	if (server->port_source == NULL) {
		close(server->port_epoll);
		server->port_epoll = -1;
		return false;
	}
	return true;
}

void ios_port_finish(struct ios_server *server) {
	if (server->port_source != NULL) {
		wl_event_source_remove(server->port_source);
		server->port_source = NULL;
	}
	if (server->port_epoll >= 0) {
		close(server->port_epoll);
		server->port_epoll = -1;
	}
}

struct ios_port *ios_port_issue(struct ios_owner *owner, int *client_fd) {
	struct ios_server *server = owner->server;
	if (owner->unbound_count >= server->options.max_unbound_ports ||
			ios_account_take_fds(owner->account, 1) != 0) {
		return NULL;
	}
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) != 0) {
		wlr_log_errno(WLR_ERROR, "iosurface: cannot create a port");
		ios_account_release_fds(owner->account, 1);
		return NULL;
	}
	// Only the compositor's end is non-blocking; the client's end behaves like any pipe.
	struct stat st;
	struct ios_port *port = calloc(1, sizeof(*port));
	if (port == NULL || fcntl(fds[0], F_SETFL, O_NONBLOCK) != 0 || fstat(fds[0], &st) != 0) {
		goto error;
	}
	port->server = server;
	port->account = owner->account;
	port->read_fd = fds[0];
	port->key = pipe_key(&st);
	port->dev = st.st_dev;
	wl_list_init(&port->pending);
	struct epoll_event event = { .events = EPOLLIN, .data.ptr = port };
	if (epoll_ctl(server->port_epoll, EPOLL_CTL_ADD, fds[0], &event) != 0) {
		goto error;
	}
	if (!ios_table_put(&server->ports_by_inode, port->key, port)) {
		epoll_ctl(server->port_epoll, EPOLL_CTL_DEL, fds[0], NULL);
		goto error;
	}
	wl_list_insert(&server->ports, &port->server_link);
	port->issuer = owner;
	port->serial = owner->next_port_serial++;
	wl_list_insert(owner->unbound_ports.prev, &port->link);
	owner->unbound_count++;
	server->unbound_port_count++;
	*client_fd = fds[1];
	return port;

error:
	wlr_log_errno(WLR_ERROR, "iosurface: cannot set up a port");
	ios_account_release_fds(owner->account, 1);
	free(port);
	close(fds[0]);
	close(fds[1]);
	return NULL;
}

void ios_port_bind(struct ios_handle *handle, uint32_t serial, uint32_t flags) {
	struct ios_owner *owner = handle->owner;
	if (serial == 0 || serial >= owner->next_port_serial) {
		wl_resource_post_error(handle->resource, IOSURFACE_V1_ERROR_INVALID_PORT,
				"bind_port serial %u was never issued to this client", serial);
		return;
	}
	struct ios_port *port = NULL, *it;
	// The list holds the client's stock, a few dozen ports at most.
	wl_list_for_each(it, &owner->unbound_ports, link) {
		if (it->serial == serial) {
			port = it;
			break;
		}
	}
	if (port == NULL) {
		// Already bound through an earlier request: nothing moves.
		return;
	}
	port_unlist(port);
	if (!port->counted) {
		port->counted = true;
		handle->binds_handled++;
	}
	if (port->surface == NULL) {
		bind_to(port, handle, (flags & IOS_PORT_FLAG_READ_ONLY) != 0);
	} else {
		ios_surface_update_state(handle->surface);
	}
	// Refill in batches, once half the stock is gone: a port costs seven system calls,
	// which would otherwise sit in front of every redeem that follows a bind.
	if (owner->unbound_count <= owner->server->options.initial_ports / 2) {
		ios_owner_refill_ports(owner);
	}
}

void ios_port_drain_issued(struct ios_owner *owner) {
	struct ios_port *port, *tmp;
	wl_list_for_each_safe(port, tmp, &owner->unbound_ports, link) {
		if (port->surface == NULL) {
			port_read(port);
		}
	}
}

static int port_handle_timeout(void *data) {
	struct ios_port *port = data;
	fail_pending(port, "the port was not bound in time");
	return 0;
}

void ios_port_redeem(struct ios_handle *handle, int fd) {
	struct ios_server *server = handle->owner->server;
	struct stat st;
	struct ios_port *port = fstat(fd, &st) == 0 ? port_from_stat(server, &st) : NULL;
	close(fd);
	// An unbound port's record may be waiting in the pipe, unread yet.
	if (port != NULL && port->surface == NULL && port->issuer != NULL && !port_read(port)) {
		port = NULL;
	}
	if (port == NULL) {
		ios_handle_fail(handle, IOSURFACE_V1_FAILURE_UNKNOWN_PORT,
				"the descriptor is not a live port of this compositor");
		return;
	}
	if (port->surface != NULL) {
		ios_handle_attach(handle, port->surface, port->read_only);
		return;
	}
	// Issued but not bound yet: the issuer's binding may still be on its way.
	if (port->timer == NULL) {
		struct wl_event_loop *loop = wl_display_get_event_loop(server->base.display);
		port->timer = wl_event_loop_add_timer(loop, port_handle_timeout, port);
		if (port->timer == NULL) {
			ios_handle_fail(handle, IOSURFACE_V1_FAILURE_NO_MEMORY, "cannot wait for the port");
			return;
		}
		wl_event_source_timer_update(port->timer, IOS_REDEEM_TIMEOUT_MS);
	}
	handle->pending_port = port;
	wl_list_insert(port->pending.prev, &handle->pending_link);
}

void ios_port_cancel_pending(struct ios_handle *handle) {
	if (handle->pending_port == NULL) {
		return;
	}
	struct ios_port *port = handle->pending_port;
	wl_list_remove(&handle->pending_link);
	wl_list_init(&handle->pending_link);
	handle->pending_port = NULL;
	if (wl_list_empty(&port->pending) && port->timer != NULL) {
		wl_event_source_remove(port->timer);
		port->timer = NULL;
	}
}
