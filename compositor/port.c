#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <wlr/util/log.h>

#include "server-private.h"

/*
 * A port is the write end of a pipe; the compositor keeps the read end. The pipe's inode
 * identifies the port in any descriptor a client sends back, and the read end reports a
 * hang-up when the last write end is closed, in whatever process that happens.
 *
 * A client binds a port twice over: it writes a record into the pipe, then sends bind_port.
 * The request keeps the binding in order with the client's other requests; the record
 * survives the client, so a port exported just before its issuer exits (whose last requests
 * libwayland drops when the connection hangs up) or redeemed before the request is read still
 * finds its surface. Whichever comes first binds; the slot's bind count moves once.
 *
 * Only the request wakes the compositor: the read ends are watched for hang-up only, so an
 * export wakes it once, not twice, and a holder writing into a port makes it do no work. The
 * record is read when it is needed: before a redeem of a port still unbound is answered,
 * when the port dies, and when the issuer leaves.
 *
 * Whoever holds the descriptor can open the pipe for reading through /proc and put a record
 * of its own in place of the issuer's, so a record counts only if its tag checks out under the
 * port's key, which the compositor told the issuer's connection alone. The request needs no
 * tag: the connection it comes through is the issuer's.
 *
 * A port that dies before bind_port names it (a holder can kill an unbound port by a bad
 * record, or by taking the record out and closing its copy) is kept, with no descriptor, on
 * its issuer's dead_ports until the request comes: the request still counts the bind in the
 * slot, so the issuer's figures converge.
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

/* Takes the port off its issuer's stock: bind_port named it, it died, or the issuer left. */
static void port_unlist(struct ios_port *port) {
	wl_list_remove(&port->link);
	wl_list_init(&port->link);
	port->listed = false;
	port->issuer->unbound_count--;
	port->server->unbound_port_count--;
}

/* The port's last write end is gone, a bad record killed it, or it is being torn down. */
void ios_port_destroy(struct ios_port *port) {
	struct ios_server *server = port->server;
	fail_pending(port, "the port died before it was bound");
	// The use count first: holders spinning on it see the death before the clean-up.
	struct ios_surface *surface = port->surface;
	port->surface = NULL;
	if (surface != NULL) {
		server->port_count--;
		surface->ports--;
		ios_surface_update_state(surface);
	}
	ios_table_remove(&server->ports_by_inode, port->ino);
	epoll_ctl(server->port_epoll, EPOLL_CTL_DEL, port->read_fd, NULL);
	close(port->read_fd);
	port->read_fd = -1;
	ios_account_release_fds(port->account, 1);
	port->account = NULL;
	wl_list_remove(&port->server_link);
	port->dead = true;
	if (surface != NULL) {
		ios_surface_unref(surface);
	}
	struct ios_owner *issuer = port->issuer;
	if (issuer == NULL) {
		free(port);
		return;
	}
	issuer->live_ports--;
	wl_list_remove(&port->issuer_link);
	if (!port->listed) {
		free(port);
		return;
	}
	// It leaves the stock at once, but is kept, with no descriptor, until bind_port names
	// it, so that the request still counts the bind. Only the newest few are kept: an
	// issuer that follows the protocol has its request on the way, and one that closes
	// ports it never binds must not make the compositor remember them all.
	port_unlist(port);
	wl_list_insert(issuer->dead_ports.prev, &port->link);
	if (++issuer->dead_count > server->options.max_unbound_ports) {
		struct ios_port *oldest = wl_container_of(issuer->dead_ports.next, oldest, link);
		wl_list_remove(&oldest->link);
		issuer->dead_count--;
		free(oldest);
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
 * The issuer's object a record may bind through, or NULL if the record is not whole, its tag
 * is not the one the port's key gives, or it names what the issuer may not bind.
 */
/*
 * The object an authentic record names, or NULL. *later is set when the record is the
 * issuer's and names a surface it created with no round trip, whose create_from_memory is
 * still on its way: then bind_port, which follows it on the connection, binds the port.
 */
static struct ios_handle *record_handle(struct ios_port *port, const uint8_t *buf, size_t len,
		bool *read_only, bool *later) {
	struct ios_port_record record;
	*later = false;
	if (len < IOS_PORT_RECORD_SIZE ||
			!ios_port_record_decode(port->secret, port->serial, buf, &record)) {
		return NULL;
	}
	// From here on the record is the issuer's own: what it names is checked as bind_port
	// checks it, since a buggy issuer could write anything.
	struct ios_owner *owner = port->issuer;
	if (record.slot >= owner->next_slot || (record.flags & ~IOS_PORT_FLAG_READ_ONLY)) {
		return NULL;
	}
	struct ios_handle *handle = ((struct ios_handle **)owner->slot_handles.data)[record.slot];
	*read_only = (record.flags & IOS_PORT_FLAG_READ_ONLY) != 0;
	const struct ios_ticket *ticket = ios_owner_find_ticket(owner, record.surface_id);
	if (handle == NULL && ticket != NULL && ticket->slot == record.slot) {
		*later = true;
		return NULL;
	}
	if (handle == NULL || handle->surface == NULL || handle->surface->id != record.surface_id ||
			(handle->read_only && !*read_only)) {
		return NULL;
	}
	return handle;
}

/* Sends the issuer new ports once half its stock is gone: in batches, since a port costs
 * seven system calls, which would otherwise sit in front of every redeem that follows. */
static bool stock_low(const struct ios_owner *owner) {
	return owner->unbound_count <= owner->server->options.initial_ports / 2;
}

static void refill_if_low(struct ios_owner *owner) {
	if (stock_low(owner)) {
		ios_owner_refill_ports(owner);
	}
}

/*
 * Reads what was written into the port. The first record of a port not bound yet binds it,
 * if it is the issuer's (its tag checks out) and names an object the issuer may bind through;
 * anything else is drained and ignored. A bad first record kills the port: returns false
 * then, and the port must not be touched again.
 *
 * A port the record binds leaves the issuer's stock at once, and with refill the stock is
 * topped up, as bind_port would: the request may come later, or never if the issuer exited.
 * Not while the issuer leaves (refill false).
 */
static bool port_read(struct ios_port *port, bool refill) {
	uint8_t buf[256];
	ssize_t n;
	while ((n = read(port->read_fd, buf, sizeof(buf))) > 0) {
		if (port->surface == NULL && port->listed && !port->record_seen) {
			port->record_seen = true;
			bool read_only = false, later = false;
			struct ios_handle *handle = record_handle(port, buf, (size_t)n, &read_only, &later);
			if (handle == NULL && !later) {
				wlr_log(WLR_DEBUG, "iosurface: port %u: record refused (%zd bytes)", port->serial,
						n);
				ios_port_destroy(port);
				return false;
			}
			if (handle != NULL) {
				port_unlist(port);
				bind_to(port, handle, read_only);
				if (refill && port->issuer != NULL) {
					refill_if_low(port->issuer);
				}
			}
		}
		// A pipe reads short only when it is empty: spare the read that would say so.
		if ((size_t)n < sizeof(buf)) {
			break;
		}
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
		// Only hang-ups are watched. The record first: it counts the bind on the object it
		// names, as the request would, which the issuer's figures wait for.
		if (port->surface == NULL && !port_read(port, true)) {
			continue;
		}
		ios_port_destroy(port);
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

/* Makes a port for owner; NULL (reason set) if it may not have one or none can be made. */
static struct ios_port *port_issue(struct ios_owner *owner, int *client_fd,
		enum iosurface_manager_v1_port_refusal *reason) {
	struct ios_server *server = owner->server;
	*reason = IOSURFACE_MANAGER_V1_PORT_REFUSAL_PORT_LIMIT;
	if (owner->live_ports >= server->options.max_ports_per_client) {
		return NULL;
	}
	*reason = IOSURFACE_MANAGER_V1_PORT_REFUSAL_NO_RESOURCES;
	if (owner->unbound_count >= server->options.max_unbound_ports ||
			ios_account_take_fds(owner->account, 1) != 0) {
		return NULL;
	}
	struct ios_port *port = calloc(1, sizeof(*port));
	if (port == NULL) {
		wlr_log(WLR_ERROR, "iosurface: out of memory for a port");
		ios_account_release_fds(owner->account, 1);
		return NULL;
	}
	// The key that authenticates the issuer's record; only its connection is told.
	ssize_t got;
	do {
		got = getrandom(port->secret, sizeof(port->secret), 0);
	} while (got < 0 && errno == EINTR);
	if (got != (ssize_t)sizeof(port->secret)) {
		wlr_log_errno(WLR_ERROR, "iosurface: cannot draw a port key");
		ios_account_release_fds(owner->account, 1);
		free(port);
		return NULL;
	}
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) != 0) {
		wlr_log_errno(WLR_ERROR, "iosurface: cannot create a port");
		ios_account_release_fds(owner->account, 1);
		free(port);
		return NULL;
	}
	// One page holds a record many times over. The compositor reads a port only when it
	// needs to, so the pipe's capacity is what a holder can park in it; and every pipe's
	// pages count against its creator's pipe-user-pages budget, which the compositor's user
	// shares with its other programs (16 pages by default, 1 here).
	fcntl(fds[0], F_SETPIPE_SZ, IOS_PAGE_SIZE);
	// Only the compositor's end is non-blocking; the client's end behaves like any pipe.
	struct stat st;
	if (fcntl(fds[0], F_SETFL, O_NONBLOCK) != 0 || fstat(fds[0], &st) != 0) {
		goto error;
	}
	port->server = server;
	port->account = owner->account;
	port->read_fd = fds[0];
	port->ino = pipe_key(&st);
	port->dev = st.st_dev;
	wl_list_init(&port->pending);
	// No EPOLLIN: a write into the port wakes no one (see the top of this file).
	// EPOLLHUP and EPOLLERR are always reported.
	struct epoll_event event = { .events = 0, .data.ptr = port };
	if (epoll_ctl(server->port_epoll, EPOLL_CTL_ADD, fds[0], &event) != 0) {
		goto error;
	}
	if (!ios_table_put(&server->ports_by_inode, port->ino, port)) {
		epoll_ctl(server->port_epoll, EPOLL_CTL_DEL, fds[0], NULL);
		goto error;
	}
	wl_list_insert(&server->ports, &port->server_link);
	port->issuer = owner;
	port->serial = owner->next_port_serial++;
	port->listed = true;
	wl_list_insert(owner->unbound_ports.prev, &port->link);
	wl_list_insert(&owner->issued_ports, &port->issuer_link);
	owner->unbound_count++;
	owner->live_ports++;
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

bool ios_port_send(struct ios_owner *owner, struct wl_resource *manager,
		enum iosurface_manager_v1_port_refusal *reason) {
	int client_fd;
	struct ios_port *port = port_issue(owner, &client_fd, reason);
	if (port == NULL) {
		return false;
	}
	struct wl_array key = {
		.size = sizeof(port->secret),
		.alloc = sizeof(port->secret),
		.data = port->secret,
	};
	iosurface_manager_v1_send_port(manager, client_fd, port->serial, &key);
	close(client_fd);
	return true;
}

/* A port of owner's with this serial that bind_port has not named yet, dead or alive. */
static struct ios_port *find_unnamed(struct ios_owner *owner, uint32_t serial) {
	// Both lists hold at most max_unbound_ports ports.
	struct ios_port *port;
	wl_list_for_each(port, &owner->unbound_ports, link) {
		if (port->serial == serial) {
			return port;
		}
	}
	wl_list_for_each(port, &owner->dead_ports, link) {
		if (port->serial == serial) {
			return port;
		}
	}
	return NULL;
}

void ios_port_bind(struct ios_handle *handle, uint32_t serial, uint32_t flags) {
	struct ios_owner *owner = handle->owner;
	if (serial == 0 || serial >= owner->next_port_serial) {
		wl_resource_post_error(handle->resource, IOSURFACE_V1_ERROR_INVALID_PORT,
				"bind_port serial %u was never issued to this client", serial);
		return;
	}
	struct ios_port *port = find_unnamed(owner, serial);
	if (port == NULL) {
		// Already named by an earlier request: nothing moves.
		return;
	}
	bool counted_now = !port->counted;
	if (counted_now) {
		port->counted = true;
		handle->binds_handled++;
	}
	if (port->dead) {
		// It died first; the bind is counted all the same, so that the client's own count
		// of its new ports meets the compositor's.
		wl_list_remove(&port->link);
		owner->dead_count--;
		free(port);
		// Only this handle's bind count moves: nothing every holder sees.
		ios_handle_publish(handle);
	} else {
		port_unlist(port);
		if (port->surface == NULL) {
			bind_to(port, handle, (flags & IOS_PORT_FLAG_READ_ONLY) != 0);
		} else if (counted_now) {
			ios_handle_publish(handle);
		}
	}
	refill_if_low(owner);
}

void ios_port_issuer_gone(struct ios_owner *owner) {
	// Records first: they may name objects about to go.
	struct ios_port *port, *tmp;
	wl_list_for_each_safe(port, tmp, &owner->unbound_ports, link) {
		if (port->surface == NULL) {
			port_read(port, false);
		}
	}
	wl_list_for_each_safe(port, tmp, &owner->dead_ports, link) {
		free(port);
	}
	wl_list_init(&owner->dead_ports);
	owner->dead_count = 0;
	// An unbound port dies with its issuer; a bound one lives on by itself.
	wl_list_for_each_safe(port, tmp, &owner->issued_ports, issuer_link) {
		if (port->listed) {
			port_unlist(port);
		}
		wl_list_remove(&port->issuer_link);
		port->issuer = NULL;
		if (port->surface == NULL) {
			ios_port_destroy(port);
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
	// An unbound port's record is waiting in the pipe, unread yet.
	bool read_now = port != NULL && port->surface == NULL;
	if (read_now && !port_read(port, false)) {
		port = NULL;
	}
	if (port == NULL) {
		ios_handle_fail(handle, IOSURFACE_V1_FAILURE_UNKNOWN_PORT,
				"the descriptor is not a live port of this compositor");
		return;
	}
	if (port->surface != NULL) {
		ios_handle_attach(handle, port->surface, port->read_only);
		struct ios_owner *issuer = port->issuer;
		if (read_now && issuer != NULL && stock_low(issuer)) {
			// The answer leaves first: a batch of new ports costs the compositor tens of
			// system calls, which the redeemer need not wait for.
			wl_client_flush(wl_resource_get_client(handle->resource));
			ios_owner_refill_ports(issuer);
		}
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
