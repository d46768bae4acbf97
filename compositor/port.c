#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <wlr/util/log.h>

#include "server-private.h"

/*
 * A port is the write end of a pipe; the compositor keeps the read end. The pipe's inode
 * identifies the port in any descriptor a client sends back, and the read end reports a
 * hang-up when the last write end is closed, in whatever process that happens.
 */

static uint64_t pipe_key(const struct stat *st) {
	// All pipes live on one pipefs instance, so the inode number alone is unique.
	return (uint64_t)st->st_ino;
}

static void fail_pending(struct ios_port *port, const char *why) {
	struct ios_handle *handle, *tmp;
	wl_list_for_each_safe(handle, tmp, &port->pending, pending_link) {
		wl_list_remove(&handle->pending_link);
		wl_list_init(&handle->pending_link);
		handle->pending_port = NULL;
		handle_fail(handle, IOSURFACE_V1_FAILURE_UNKNOWN_PORT, "%s", why);
	}
	if (port->timer != NULL) {
		wl_event_source_remove(port->timer);
		port->timer = NULL;
	}
}

void port_destroy(struct ios_port *port) {
	struct ios_server *server = port->server;
	fail_pending(port, "the port died before it was bound");
	ios_table_remove(&server->ports_by_inode, port->key);
	wl_event_source_remove(port->source);
	close(port->read_fd);
	wl_list_remove(&port->server_link);
	if (port->issuer != NULL) {
		wl_list_remove(&port->link);
		port->issuer->unbound_count--;
		server->unbound_port_count--;
	}
	if (port->surface != NULL) {
		struct ios_surface *surface = port->surface;
		server->port_count--;
		surface->ports--;
		surface_update_state(surface);
		surface_unref(surface);
	}
	free(port);
}

static int port_handle_event(int fd, uint32_t mask, void *data) {
	struct ios_port *port = data;
	if (mask & (WL_EVENT_HANGUP | WL_EVENT_ERROR)) {
		port_destroy(port);
		return 0;
	}
	// Someone wrote into a port. It carries nothing; drain it so the loop stays quiet.
	char buf[256];
	while (read(fd, buf, sizeof(buf)) > 0) {
	}
	return 0;
}

struct ios_port *port_issue(struct ios_owner *owner, int *client_fd) {
	struct ios_server *server = owner->server;
	if (owner->unbound_count >= server->options.max_unbound_ports) {
		return NULL;
	}
	int fds[2];
	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
		wlr_log_errno(WLR_ERROR, "iosurface: cannot create a port");
		return NULL;
	}
	struct stat st;
	struct ios_port *port = calloc(1, sizeof(*port));
	if (port == NULL || fstat(fds[0], &st) != 0) {
		goto error;
	}
	// The client's end blocks like any pipe would; only our read end is non-blocking.
	fcntl(fds[1], F_SETFL, 0);
	port->server = server;
	port->read_fd = fds[0];
	port->key = pipe_key(&st);
	wl_list_init(&port->pending);
	struct wl_event_loop *loop = wl_display_get_event_loop(server->base.display);
	port->source = wl_event_loop_add_fd(loop, fds[0], WL_EVENT_READABLE, port_handle_event, port);
	if (port->source == NULL) {
		goto error;
	}
	if (!ios_table_put(&server->ports_by_inode, port->key, port)) {
		wl_event_source_remove(port->source);
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
	free(port);
	close(fds[0]);
	close(fds[1]);
	return NULL;
}

void port_bind(struct ios_handle *handle, uint32_t serial, uint32_t flags) {
	struct ios_owner *owner = handle->owner;
	struct ios_surface *surface = handle->surface;
	if (serial == 0 || serial >= owner->next_port_serial) {
		wl_resource_post_error(handle->resource, IOSURFACE_V1_ERROR_INVALID_PORT,
				"bind_port serial %u was never issued to this client", serial);
		return;
	}
	handle->binds_handled++;
	struct ios_port *port = NULL, *it;
	// The stock is short (a few dozen at most) and the oldest port is bound first.
	wl_list_for_each(it, &owner->unbound_ports, link) {
		if (it->serial == serial) {
			port = it;
			break;
		}
	}
	if (port == NULL) {
		// Already bound, or closed everywhere before this request arrived: nothing to count.
		surface_update_state(surface);
		return;
	}
	wl_list_remove(&port->link);
	wl_list_init(&port->link);
	port->issuer = NULL;
	owner->unbound_count--;
	owner->server->unbound_port_count--;
	owner->server->port_count++;
	port->surface = surface;
	port->read_only = (flags & 1u) != 0;
	surface_ref(surface);
	surface->ports++;
	surface_update_state(surface);

	struct ios_handle *waiting, *tmp;
	wl_list_for_each_safe(waiting, tmp, &port->pending, pending_link) {
		wl_list_remove(&waiting->pending_link);
		wl_list_init(&waiting->pending_link);
		waiting->pending_port = NULL;
		handle_attach(waiting, surface, port->read_only);
	}
	if (port->timer != NULL) {
		wl_event_source_remove(port->timer);
		port->timer = NULL;
	}
	owner_refill_ports(owner);
}

static int port_handle_timeout(void *data) {
	struct ios_port *port = data;
	fail_pending(port, "the port was not bound in time");
	return 0;
}

void port_redeem(struct ios_handle *handle, int fd) {
	struct ios_server *server = handle->owner->server;
	struct stat st;
	struct ios_port *port = NULL;
	if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode)) {
		port = ios_table_get(&server->ports_by_inode, pipe_key(&st));
	}
	close(fd);
	if (port == NULL) {
		handle_fail(handle, IOSURFACE_V1_FAILURE_UNKNOWN_PORT,
				"the descriptor is not a live port of this compositor");
		return;
	}
	if (port->surface != NULL) {
		handle_attach(handle, port->surface, port->read_only);
		return;
	}
	// Issued but not bound yet: the issuer's bind_port may still be on its way.
	if (port->timer == NULL) {
		struct wl_event_loop *loop = wl_display_get_event_loop(server->base.display);
		port->timer = wl_event_loop_add_timer(loop, port_handle_timeout, port);
		if (port->timer == NULL) {
			handle_fail(handle, IOSURFACE_V1_FAILURE_NO_MEMORY, "cannot wait for the port");
			return;
		}
		wl_event_source_timer_update(port->timer, IOS_REDEEM_TIMEOUT_MS);
	}
	handle->pending_port = port;
	wl_list_insert(port->pending.prev, &handle->pending_link);
}

void port_cancel_pending(struct ios_handle *handle) {
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
