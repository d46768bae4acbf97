#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client-private.h"

/* ---- Events ---- */

void surface_handle_value(void *data, struct iosurface_v1 *proxy, const char *key,
		struct wl_array *value) {
	struct iosurface *s = data;
	if (s->query == NULL) {
		return;
	}
	// The compositor checked the encoding, but the library trusts no peer with its memory.
	struct iosurface_value *v = ios_value_decode(value->data, value->size);
	if (v == NULL) {
		ios_log(IOSURFACE_LOG_ERROR, "surface %u: value \"%s\" is malformed", s->id, key);
		return;
	}
	iosurface_value_dictionary_set(s->query, key, v);
}

void surface_handle_value_memory(void *data, struct iosurface_v1 *proxy, const char *key,
		int32_t fd, uint32_t size) {
	struct iosurface *s = data;
	uint8_t *bytes = NULL;
	if (s->query == NULL) {
		goto out;
	}
	// The library trusts no peer with its memory: the seals and the size are checked before
	// the read, and the encoding after it.
	char msg[160];
	if (size == 0 || size > IOS_MAX_VALUE_SIZE ||
			ios_value_memory_check(fd, size, msg, sizeof(msg)) != IOS_VALUE_MEMORY_OK) {
		ios_log(IOSURFACE_LOG_ERROR, "surface %u: value \"%s\" in memory of %u bytes refused",
				s->id, key, size);
		goto out;
	}
	bytes = malloc(size);
	if (bytes == NULL || ios_value_memory_read(fd, bytes, size) < 0) {
		ios_log(IOSURFACE_LOG_ERROR, "surface %u: value \"%s\" (%u bytes) could not be read", s->id,
				key, size);
		goto out;
	}
	struct iosurface_value *v = ios_value_decode(bytes, size);
	if (v == NULL) {
		ios_log(IOSURFACE_LOG_ERROR, "surface %u: value \"%s\" is malformed", s->id, key);
		goto out;
	}
	iosurface_value_dictionary_set(s->query, key, v);
out:
	free(bytes);
	close(fd);
}

void surface_handle_values_done(void *data, struct iosurface_v1 *proxy) {
	struct iosurface *s = data;
	s->values_done = true;
}

void surface_handle_set_value_failed(void *data, struct iosurface_v1 *proxy, const char *key) {
	struct iosurface *s = data;
	s->value_refused++;
}

/* ---- Requests ---- */

static int check_key(struct iosurface *s, const char *key) {
	if (key == NULL) {
		return -EINVAL;
	}
	size_t len = strlen(key);
	size_t max = s->client != NULL ? s->client->limit_max[IOSURFACE_PROPERTY_KEY_LENGTH] :
									 IOS_MAX_KEY_LENGTH;
	return len == 0 || len > max ? -EINVAL : 0;
}

/* Sends one set_value after checking it; the client lock is held. */
static int send_value(struct iosurface *s, const char *key, const struct iosurface_value *v) {
	int ret = check_key(s, key);
	if (ret < 0) {
		return ret;
	}
	uint8_t *data;
	size_t len;
	ret = ios_value_encode(v, &data, &len);
	if (ret < 0) {
		return ret;
	}
	if (len > s->client->limit_max[IOSURFACE_PROPERTY_VALUE_SIZE]) {
		ret = -EMSGSIZE;
		goto out;
	}
	if (len <= IOS_MAX_INLINE_VALUE_SIZE) {
		struct wl_array array = { .size = len, .alloc = len, .data = data };
		iosurface_v1_set_value(s->proxy, key, &array);
		// Pushed out now, waiting for room if the socket is full: libwayland gives up the
		// connection when a request finds its buffer full and the socket too, as a run of
		// message-sized values from set_values can make it.
		ret = client_flush(s->client);
		goto out;
	}
	// Too large for a message: a sealed memfd carries it.
	int fd = ios_value_memory_create(data, len);
	if (fd < 0) {
		ret = fd;
		goto out;
	}
	// libwayland sends a duplicate of the descriptor.
	iosurface_v1_set_value_memory(s->proxy, key, fd, (uint32_t)len);
	close(fd);
out:
	free(data);
	return ret;
}

static struct iosurface_client *writable_client(struct iosurface *s, int *err) {
	if (s->read_only) {
		*err = -EACCES;
		return NULL;
	}
	if (s->client == NULL || s->proxy == NULL) {
		*err = -EPIPE;
		return NULL;
	}
	return s->client;
}

/*
 * After set_value requests (ret: how sending went): the values have landed, or were refused,
 * when the compositor answers the sync behind them. The client lock is held.
 */
static int finish_set(struct iosurface_client *c, struct iosurface *s, int ret) {
	if (ret == 0) {
		ret = client_roundtrip(c);
	}
	if (ret == 0 && s->value_refused > 0) {
		ret = -ENOSPC;
	}
	return ret;
}

IOSURFACE_EXPORT int iosurface_set_value(struct iosurface *s, const char *key,
		const struct iosurface_value *v) {
	int ret = v == NULL ? -EINVAL : 0;
	struct iosurface_client *c = ret == 0 ? writable_client(s, &ret) : NULL;
	if (c == NULL) {
		return ret;
	}
	client_lock(c);
	s->value_refused = 0;
	ret = send_value(s, key, v);
	ret = finish_set(c, s, ret);
	client_unlock(c);
	if (ret < 0) {
		// IOSurfaceSetValue returns nothing on macOS: a set that did not land must show.
		ios_log(IOSURFACE_LOG_WARNING, "iosurface_set_value of \"%s\" on surface %u: %s",
				key != NULL ? key : "(null)", s->id, strerror(-ret));
	}
	return ret;
}

IOSURFACE_EXPORT int iosurface_set_values(struct iosurface *s, const struct iosurface_value *dict) {
	if (dict == NULL || iosurface_value_get_type(dict) != IOSURFACE_VALUE_DICTIONARY) {
		return -EINVAL;
	}
	int ret = 0;
	struct iosurface_client *c = writable_client(s, &ret);
	if (c == NULL) {
		return ret;
	}
	// Every entry is checked before any is sent, so a bad one changes nothing.
	size_t count = iosurface_value_get_count(dict);
	for (size_t i = 0; i < count && ret == 0; i++) {
		uint8_t *data;
		size_t len;
		ret = check_key(s, iosurface_value_get_key(dict, i));
		if (ret == 0) {
			ret = ios_value_encode(iosurface_value_get_item(dict, i), &data, &len);
			if (ret == 0) {
				free(data);
				ret = len > c->limit_max[IOSURFACE_PROPERTY_VALUE_SIZE] ? -EMSGSIZE : 0;
			}
		}
	}
	if (ret < 0) {
		return ret;
	}
	client_lock(c);
	s->value_refused = 0;
	for (size_t i = 0; i < count && ret == 0; i++) {
		ret = send_value(s, iosurface_value_get_key(dict, i), iosurface_value_get_item(dict, i));
	}
	ret = finish_set(c, s, ret);
	client_unlock(c);
	return ret;
}

/* Asks the compositor for key (all if NULL); returns a dictionary. */
static struct iosurface_value *query_values(struct iosurface *s, const char *key) {
	struct iosurface_client *c = s->client;
	if (c == NULL || s->proxy == NULL) {
		errno = EPIPE;
		return NULL;
	}
	struct iosurface_value *dict = iosurface_value_new_dictionary();
	if (dict == NULL) {
		return NULL;
	}
	client_lock(c);
	s->query = dict;
	s->values_done = false;
	iosurface_v1_get_values(s->proxy, key);
	int ret = client_flush(c);
	while (ret == 0 && !s->values_done) {
		ret = client_dispatch(c);
	}
	s->query = NULL;
	client_unlock(c);
	if (ret < 0) {
		iosurface_value_free(dict);
		errno = -ret;
		return NULL;
	}
	return dict;
}

IOSURFACE_EXPORT struct iosurface_value *iosurface_copy_value(struct iosurface *s,
		const char *key) {
	if (check_key(s, key) < 0) {
		errno = EINVAL;
		return NULL;
	}
	struct iosurface_value *dict = query_values(s, key);
	if (dict == NULL) {
		return NULL;
	}
	const struct iosurface_value *item = iosurface_value_dictionary_get(dict, key);
	struct iosurface_value *copy = item != NULL ? iosurface_value_copy(item) : NULL;
	iosurface_value_free(dict);
	if (item == NULL) {
		errno = ENOENT;
	}
	return copy;
}

IOSURFACE_EXPORT struct iosurface_value *iosurface_copy_all_values(struct iosurface *s) {
	return query_values(s, NULL);
}

static int remove_values(struct iosurface *s, const char *key) {
	int ret = 0;
	struct iosurface_client *c = writable_client(s, &ret);
	if (c == NULL) {
		return ret;
	}
	client_lock(c);
	if (key != NULL) {
		iosurface_v1_remove_value(s->proxy, key);
	} else {
		iosurface_v1_remove_all_values(s->proxy);
	}
	ret = client_roundtrip(c);
	client_unlock(c);
	return ret;
}

IOSURFACE_EXPORT int iosurface_remove_value(struct iosurface *s, const char *key) {
	int ret = check_key(s, key);
	return ret < 0 ? ret : remove_values(s, key);
}

IOSURFACE_EXPORT int iosurface_remove_all_values(struct iosurface *s) {
	return remove_values(s, NULL);
}
