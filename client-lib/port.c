#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client-private.h"

/* ---- Exporting and redeeming ---- */

/* Takes an unbound port from the stock; the client lock is held. */
static int take_port(struct iosurface_client *c, struct stock_port *out) {
	size_t count = c->ports.size / sizeof(struct stock_port);
	// The compositor sends a new port for every one bound; pick those up cheaply while
	// some are left, and wait for them only when none is.
	if (count < 4) {
		client_dispatch_nonblock(c);
		count = c->ports.size / sizeof(struct stock_port);
	}
	if (count == 0) {
		int ret = client_roundtrip(c);
		if (ret < 0) {
			return ret;
		}
		count = c->ports.size / sizeof(struct stock_port);
	}
	if (count == 0) {
		c->port_refusal = 0;
		iosurface_manager_v1_reserve_ports(c->manager, 1);
		int ret = client_roundtrip(c);
		if (ret < 0) {
			return ret;
		}
		count = c->ports.size / sizeof(struct stock_port);
		if (count == 0) {
			return c->port_refusal != 0 ? -c->port_refusal : -EMFILE;
		}
	}
	struct stock_port *ports = c->ports.data;
	*out = ports[count - 1];
	explicit_bzero(&ports[count - 1], sizeof(ports[count - 1]));
	c->ports.size -= sizeof(struct stock_port);
	return 0;
}

static int create_port(struct iosurface *s, bool read_only) {
	if (!read_only && s->read_only) {
		return -EACCES;
	}
	struct iosurface_client *c = s->client;
	if (c == NULL || s->proxy == NULL) {
		return -EPIPE;
	}
	client_lock(c);
	struct stock_port port = { .fd = -1 };
	int ret = client_check(c);
	// A port must find its surface even if this process exits right after passing it on,
	// when the compositor drops what it has not read yet: so the surface must exist there.
	if (ret == 0) {
		ret = surface_wait_adopted(s);
	}
	if (ret == 0) {
		ret = take_port(c, &port);
	}
	if (ret == 0) {
		// The record in the pipe outlives this process; the request keeps the order of this
		// connection's requests. The compositor binds on whichever it reads first, and
		// trusts the record only through its tag, which only this process can compute.
		struct ios_port_record record = {
			.surface_id = s->id,
			.slot = s->slot_index,
			.flags = read_only ? IOS_PORT_FLAG_READ_ONLY : 0,
		};
		uint8_t buf[IOS_PORT_RECORD_SIZE];
		ios_port_record_encode(port.key, port.serial, &record, buf);
		// Counted before the compositor can count it, so that this process never sees the
		// compositor's figure ahead of its own.
		atomic_fetch_add(&s->ports_created, 1);
		// The compositor may be gone, and the pipe's read end with it: no SIGPIPE.
		ssize_t n = ios_write_nosignal(port.fd, buf, sizeof(buf));
		if (n != (ssize_t)sizeof(buf)) {
			ret = n < 0 && errno != EPIPE ? -errno : -EPIPE;
			atomic_fetch_sub(&s->ports_created, 1);
		}
	}
	explicit_bzero(port.key, sizeof(port.key));
	if (ret == 0) {
		iosurface_v1_bind_port(s->proxy, port.serial, read_only ? 1 : 0);
		// Flushed before the caller can pass the descriptor on, so that the compositor
		// counts the port (+1 on the global use count) before anyone else can hold it. The
		// record is read only when the request cannot be: it wakes no one.
		ret = client_flush(c);
	}
	if (ret < 0 && port.fd >= 0) {
		close(port.fd);
	}
	client_unlock(c);
	return ret < 0 ? ret : port.fd;
}

IOSURFACE_EXPORT int iosurface_create_port(struct iosurface *s) {
	return create_port(s, false);
}

IOSURFACE_EXPORT int iosurface_create_port_read_only(struct iosurface *s) {
	return create_port(s, true);
}

/* Waits for a redeemed or looked-up surface; returns the caller's reference. Lock held. */
static struct iosurface *finish_lookup(struct iosurface_client *c, struct iosurface *s, int *err) {
	int ret = surface_wait_ready(s);
	if (ret == 0) {
		// The same process gets the same object, unless it would gain write access.
		struct iosurface *existing = client_find_surface(c, s->id);
		if (existing != NULL && (!existing->read_only || s->read_only)) {
			atomic_fetch_add(&existing->refs, 1);
			surface_detach(s);
			client_flush(c);
			surface_free(s);
			return existing;
		}
		ret = surface_finish(s);
	} else {
		surface_detach(s);
	}
	if (ret < 0) {
		surface_free(s);
		*err = -ret;
		return NULL;
	}
	return s;
}

/* Redeems port, or if it is negative looks up id; returns the caller's reference. */
static struct iosurface *lookup(struct iosurface_client *c, int port, uint32_t id) {
	struct iosurface *s = surface_new(c);
	if (s == NULL) {
		return NULL;
	}
	int err = 0;
	client_lock(c);
	surface_set_proxy(s,
			port >= 0 ? iosurface_manager_v1_redeem_port(c->manager, port) :
						iosurface_manager_v1_lookup(c->manager, id));
	struct iosurface *result = finish_lookup(c, s, &err);
	client_unlock(c);
	if (result == NULL) {
		errno = err;
	}
	return result;
}

IOSURFACE_EXPORT struct iosurface *iosurface_lookup_from_port(struct iosurface_client *c,
		int port) {
	struct stat st;
	if (c == NULL) {
		errno = EINVAL;
		return NULL;
	}
	if (port < 0 || fstat(port, &st) != 0) {
		errno = EBADF;
		return NULL;
	}
	if (!S_ISFIFO(st.st_mode)) {
		// No compositor port is anything but a pipe; spare the round trip.
		errno = ENOENT;
		return NULL;
	}
	return lookup(c, port, 0);
}

IOSURFACE_EXPORT struct iosurface *iosurface_lookup(struct iosurface_client *c, uint32_t id) {
	if (c == NULL) {
		errno = EINVAL;
		return NULL;
	}
	return lookup(c, -1, id);
}

/* ---- Passing ports over any AF_UNIX socket ---- */

#define PORT_MESSAGE_MAGIC 0x50534f49u /* "IOSP" */

struct port_header {
	uint32_t magic, length;
};

IOSURFACE_EXPORT int iosurface_port_send(int sock, int port, const void *payload, size_t len) {
	if (port < 0 || len > IOSURFACE_PORT_PAYLOAD_MAX || (payload == NULL && len > 0)) {
		return -EINVAL;
	}
	struct port_header header = { PORT_MESSAGE_MAGIC, (uint32_t)len };
	struct iovec iov[2] = {
		{ &header, sizeof(header) },
		{ (void *)payload, len },
	};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	memset(&control, 0, sizeof(control));
	struct msghdr msg = {
		.msg_iov = iov,
		.msg_iovlen = len > 0 ? 2 : 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &port, sizeof(int));

	size_t total = sizeof(header) + len, sent = 0;
	while (sent < total) {
		ssize_t n = sendmsg(sock, &msg, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			return -errno;
		}
		sent += (size_t)n;
		// A stream socket may take part of it; the descriptor went with the first byte.
		msg.msg_control = NULL;
		msg.msg_controllen = 0;
		while (n > 0 && msg.msg_iovlen > 0) {
			if ((size_t)n >= msg.msg_iov[0].iov_len) {
				n -= (ssize_t)msg.msg_iov[0].iov_len;
				msg.msg_iov++;
				msg.msg_iovlen--;
			} else {
				msg.msg_iov[0].iov_base = (char *)msg.msg_iov[0].iov_base + n;
				msg.msg_iov[0].iov_len -= (size_t)n;
				n = 0;
			}
		}
	}
	return 0;
}

/* Reads exactly len bytes from a stream socket. */
static int read_full(int sock, void *buf, size_t len) {
	size_t got = 0;
	while (got < len) {
		ssize_t n = recv(sock, (char *)buf + got, len - got, 0);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0) {
			return -errno;
		}
		if (n == 0) {
			return -ECONNRESET;
		}
		got += (size_t)n;
	}
	return 0;
}

/* Keeps the first descriptor of a message and closes any other a peer slipped in. */
static int take_fds(struct msghdr *msg) {
	int port = -1;
	for (struct cmsghdr *cmsg = CMSG_FIRSTHDR(msg); cmsg != NULL; cmsg = CMSG_NXTHDR(msg, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS) {
			continue;
		}
		size_t n = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int), sizeof(int));
			if (port < 0) {
				port = fd;
			} else {
				close(fd);
			}
		}
	}
	return port;
}

IOSURFACE_EXPORT int iosurface_port_receive(int sock, void *payload, size_t *len) {
	int type = 0;
	socklen_t optlen = sizeof(type);
	if (getsockopt(sock, SOL_SOCKET, SO_TYPE, &type, &optlen) != 0) {
		return -errno;
	}
	size_t capacity = payload != NULL && len != NULL ? *len : 0;
	bool stream = type == SOCK_STREAM;
	struct port_header header;
	// Datagram sockets deliver a message whole, so it is read in one go with room for the
	// largest payload; stream sockets are read header first.
	char scratch[IOSURFACE_PORT_PAYLOAD_MAX + 1];
	struct iovec iov[2] = {
		{ &header, sizeof(header) },
		{ scratch, sizeof(scratch) },
	};
	union {
		char buf[CMSG_SPACE(sizeof(int) * 8)];
		struct cmsghdr align;
	} control;
	struct msghdr msg = {
		.msg_iov = iov,
		.msg_iovlen = stream ? 1 : 2,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	ssize_t n;
	do {
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		return -errno;
	}
	int port = take_fds(&msg);
	int ret = 0;
	if (n == 0) {
		ret = -ECONNRESET;
	} else if (msg.msg_flags & MSG_CTRUNC) {
		ret = -EBADMSG;
	} else if (stream && (size_t)n < sizeof(header)) {
		ret = read_full(sock, (char *)&header + n, sizeof(header) - (size_t)n);
	} else if (!stream && ((size_t)n < sizeof(header) || (msg.msg_flags & MSG_TRUNC))) {
		ret = -EBADMSG;
	}
	if (ret == 0 &&
			(header.magic != PORT_MESSAGE_MAGIC || header.length > IOSURFACE_PORT_PAYLOAD_MAX)) {
		ret = -EBADMSG;
	}
	if (ret == 0 && stream) {
		ret = read_full(sock, scratch, header.length);
	} else if (ret == 0 && (size_t)n - sizeof(header) != header.length) {
		ret = -EBADMSG;
	}
	if (ret == 0 && port < 0) {
		ret = -EBADMSG;
	}
	if (ret == 0 && header.length > capacity && header.length > 0) {
		ret = -EMSGSIZE;
	}
	if (ret < 0) {
		if (port >= 0) {
			close(port);
		}
		return ret;
	}
	if (header.length > 0) {
		memcpy(payload, scratch, header.length);
	}
	if (len != NULL) {
		*len = header.length;
	}
	return port;
}
