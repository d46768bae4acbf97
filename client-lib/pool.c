/*
 * Surface pools: what CoreVideo's CVPixelBufferPool and WebKit's IOSurfacePool give macOS
 * code, on top of the public API. Surfaces of one description are handed out, given back, and
 * handed out again once no process uses them. The compositor says when that is (the
 * not-in-use notification): nothing here polls or sleeps.
 *
 * Entries live in an array sized once at create, so that taking and recycling allocate
 * nothing; a recycled surface keeps its pages, so taking it again touches no new page.
 */
#define _GNU_SOURCE /* PTHREAD_MUTEX_RECURSIVE */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "client-private.h"

enum entry_state {
	ENTRY_EMPTY, /* no surface */
	ENTRY_IDLE, /* in the pool, not in use anywhere: ready to be taken */
	ENTRY_TAKEN, /* with the caller */
	ENTRY_RETURNING, /* given back, in use elsewhere: waiting for the notification */
};

struct pool_entry {
	struct iosurface_pool *pool;
	struct iosurface *surface; /* the pool's reference */
	enum entry_state state;
	bool is_volatile;
	/*
	 * A new surface's first notification is the compositor's answer to the watch made at
	 * creation ("not in use" at once, since nothing uses it yet): it says nothing of a
	 * consumer, and is skipped.
	 */
	bool skip_first;
	/* The count fell to zero while the caller had it: the consumer was already done. */
	bool released;
};

struct iosurface_pool {
	struct iosurface_client *client;
	struct iosurface_properties props;
	char *name;
	struct iosurface_plane_properties planes[IOSURFACE_MAX_PLANES];
	struct iosurface_pool_options options;
	pthread_mutex_t lock;
	struct pool_entry *entries; /* options.max_surfaces of them */
	uint32_t surface_count, idle_count;
	uint32_t next; /* where the search for an idle entry starts: oldest first, round robin */
	uint64_t created;
};

IOSURFACE_EXPORT void iosurface_pool_options_init(struct iosurface_pool_options *options) {
	memset(options, 0, sizeof(*options));
	options->max_surfaces = IOSURFACE_POOL_DEFAULT_MAX_SURFACES;
	options->max_idle = 0;
}

/* Drops an entry's surface; the pool lock is held. */
static void entry_release(struct pool_entry *entry) {
	struct iosurface_pool *pool = entry->pool;
	if (entry->state == ENTRY_IDLE) {
		pool->idle_count--;
	}
	pool->surface_count--;
	struct iosurface *s = entry->surface;
	entry->surface = NULL;
	entry->state = ENTRY_EMPTY;
	entry->is_volatile = false;
	// No callback may run for an entry that is gone.
	iosurface_set_notify(s, 0, NULL, NULL);
	iosurface_unref(s);
}

/* The entry is free; the pool lock is held. Keeps it, or lets it go past max_idle. */
static void entry_make_idle(struct pool_entry *entry) {
	struct iosurface_pool *pool = entry->pool;
	entry->state = ENTRY_IDLE;
	pool->idle_count++;
	if (pool->idle_count > pool->options.max_idle) {
		entry_release(entry);
	}
}

static void handle_notify(struct iosurface *s, uint32_t event, uint32_t seed, void *data) {
	(void)seed;
	struct pool_entry *entry = data;
	struct iosurface_pool *pool = entry->pool;
	pthread_mutex_lock(&pool->lock);
	// The notification says the count fell to zero; the state slot says whether it still is.
	if (entry->surface == s && (event & IOSURFACE_NOTIFY_NOT_IN_USE)) {
		if (entry->skip_first) {
			entry->skip_first = false;
		} else if (!iosurface_is_in_use(s)) {
			if (entry->state == ENTRY_RETURNING) {
				entry_make_idle(entry);
			} else if (entry->state == ENTRY_TAKEN) {
				entry->released = true;
			}
		}
	}
	pthread_mutex_unlock(&pool->lock);
}

IOSURFACE_EXPORT struct iosurface_pool *iosurface_pool_create(struct iosurface_client *client,
		const struct iosurface_properties *props, const struct iosurface_pool_options *options) {
	if (client == NULL || props == NULL) {
		errno = EINVAL;
		return NULL;
	}
	struct iosurface_pool_options defaults;
	if (options == NULL) {
		iosurface_pool_options_init(&defaults);
		options = &defaults;
	}
	if (options->max_surfaces == 0 || options->max_surfaces > IOSURFACE_POOL_MAX_SURFACES ||
			options->max_idle > options->max_surfaces) {
		errno = EINVAL;
		return NULL;
	}
	struct iosurface_pool *pool = calloc(1, sizeof(*pool));
	if (pool == NULL) {
		return NULL;
	}
	pool->client = client;
	pool->options = *options;
	if (pool->options.max_idle == 0) {
		pool->options.max_idle = options->max_surfaces;
	}
	pool->props = *props;
	memcpy(pool->planes, props->planes, sizeof(pool->planes));
	if (props->name != NULL) {
		pool->name = strdup(props->name);
		if (pool->name == NULL) {
			goto error_pool;
		}
		pool->props.name = pool->name;
	}
	pool->entries = calloc(options->max_surfaces, sizeof(*pool->entries));
	if (pool->entries == NULL) {
		goto error_name;
	}
	for (uint32_t i = 0; i < options->max_surfaces; i++) {
		pool->entries[i].pool = pool;
	}
	// Recursive: a call made under the lock (set_purgeable, unref) may run notification
	// callbacks on this thread, and the pool's own takes the lock.
	pthread_mutexattr_t attr;
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
	int err = pthread_mutex_init(&pool->lock, &attr);
	pthread_mutexattr_destroy(&attr);
	if (err != 0) {
		goto error_entries;
	}
	return pool;

error_entries:
	free(pool->entries);
error_name:
	free(pool->name);
error_pool:
	free(pool);
	errno = ENOMEM;
	return NULL;
}

IOSURFACE_EXPORT void iosurface_pool_destroy(struct iosurface_pool *pool) {
	if (pool == NULL) {
		return;
	}
	pthread_mutex_lock(&pool->lock);
	for (uint32_t i = 0; i < pool->options.max_surfaces; i++) {
		if (pool->entries[i].surface != NULL) {
			entry_release(&pool->entries[i]);
		}
	}
	pthread_mutex_unlock(&pool->lock);
	pthread_mutex_destroy(&pool->lock);
	free(pool->entries);
	free(pool->name);
	free(pool);
}

/* Makes a surface for an empty entry; the pool lock is held. */
static int entry_fill(struct pool_entry *entry) {
	struct iosurface_pool *pool = entry->pool;
	struct iosurface *s = iosurface_create(pool->client, &pool->props);
	if (s == NULL) {
		return -errno;
	}
	// Watched for its whole life: the compositor tells every fall of the count to zero.
	int ret = iosurface_set_notify(s, IOSURFACE_NOTIFY_NOT_IN_USE, handle_notify, entry);
	if (ret < 0) {
		iosurface_unref(s);
		return ret;
	}
	entry->surface = s;
	entry->state = ENTRY_TAKEN;
	entry->skip_first = true;
	entry->released = false;
	pool->surface_count++;
	pool->created++;
	return 0;
}

/* Takes an idle entry back from volatile; the pool lock is held. */
static void entry_keep(struct pool_entry *entry) {
	if (!entry->is_volatile) {
		return;
	}
	uint32_t old = IOSURFACE_PURGEABLE_NON_VOLATILE;
	// Emptied or not, the caller gets usable memory: emptied pages read as zeros.
	if (iosurface_set_purgeable(entry->surface, IOSURFACE_PURGEABLE_NON_VOLATILE, &old) == 0) {
		entry->is_volatile = false;
	}
}

IOSURFACE_EXPORT struct iosurface *iosurface_pool_take(struct iosurface_pool *pool) {
	if (pool == NULL) {
		errno = EINVAL;
		return NULL;
	}
	// Notifications already received make their surfaces idle first.
	iosurface_client_dispatch(pool->client);
	pthread_mutex_lock(&pool->lock);
	uint32_t n = pool->options.max_surfaces;
	struct pool_entry *found = NULL, *empty = NULL;
	for (uint32_t k = 0; k < n && found == NULL; k++) {
		struct pool_entry *entry = &pool->entries[(pool->next + k) % n];
		if (entry->state == ENTRY_IDLE) {
			found = entry;
		} else if (entry->state == ENTRY_EMPTY && empty == NULL) {
			empty = entry;
		}
	}
	struct iosurface *result = NULL;
	int err = 0;
	if (found != NULL) {
		pool->idle_count--;
		found->state = ENTRY_TAKEN;
		found->released = false;
		entry_keep(found);
		pool->next = (uint32_t)(found - pool->entries + 1) % n;
		result = iosurface_ref(found->surface);
	} else if (empty != NULL) {
		int ret = entry_fill(empty);
		if (ret == 0) {
			result = iosurface_ref(empty->surface);
		} else {
			err = -ret;
		}
	} else {
		// Every surface is in use somewhere; one comes back with a notification.
		err = EAGAIN;
	}
	pthread_mutex_unlock(&pool->lock);
	if (result == NULL) {
		errno = err;
	}
	return result;
}

static struct pool_entry *entry_of(struct iosurface_pool *pool, struct iosurface *s) {
	for (uint32_t i = 0; i < pool->options.max_surfaces; i++) {
		if (pool->entries[i].surface == s) {
			return &pool->entries[i];
		}
	}
	return NULL;
}

IOSURFACE_EXPORT int iosurface_pool_recycle(struct iosurface_pool *pool, struct iosurface *s,
		uint32_t flags) {
	if (pool == NULL || s == NULL || (flags & ~IOSURFACE_POOL_RECYCLE_UNSHARED)) {
		return -EINVAL;
	}
	pthread_mutex_lock(&pool->lock);
	struct pool_entry *entry = entry_of(pool, s);
	if (entry == NULL || entry->state != ENTRY_TAKEN) {
		pthread_mutex_unlock(&pool->lock);
		return -EINVAL;
	}
	// Not in use, and either never shared or already let go of since it was taken (the
	// notification came while the caller had it): idle now. Otherwise the next fall of the
	// count to zero brings it back.
	if (((flags & IOSURFACE_POOL_RECYCLE_UNSHARED) || entry->released) &&
			!iosurface_is_in_use(s)) {
		entry_make_idle(entry);
	} else {
		entry->state = ENTRY_RETURNING;
	}
	pthread_mutex_unlock(&pool->lock);
	// The caller's reference; the pool keeps its own.
	iosurface_unref(s);
	return 0;
}

IOSURFACE_EXPORT int iosurface_pool_make_idle_volatile(struct iosurface_pool *pool) {
	if (pool == NULL) {
		return -EINVAL;
	}
	int marked = 0, err = 0;
	pthread_mutex_lock(&pool->lock);
	for (uint32_t i = 0; i < pool->options.max_surfaces; i++) {
		struct pool_entry *entry = &pool->entries[i];
		if (entry->state != ENTRY_IDLE || entry->is_volatile) {
			continue;
		}
		int ret = iosurface_set_purgeable(entry->surface, IOSURFACE_PURGEABLE_VOLATILE, NULL);
		if (ret < 0) {
			err = ret;
			break;
		}
		entry->is_volatile = true;
		marked++;
	}
	pthread_mutex_unlock(&pool->lock);
	return err < 0 ? err : marked;
}

IOSURFACE_EXPORT int iosurface_pool_flush(struct iosurface_pool *pool) {
	if (pool == NULL) {
		return -EINVAL;
	}
	int released = 0;
	pthread_mutex_lock(&pool->lock);
	for (uint32_t i = 0; i < pool->options.max_surfaces; i++) {
		if (pool->entries[i].state == ENTRY_IDLE) {
			entry_release(&pool->entries[i]);
			released++;
		}
	}
	pthread_mutex_unlock(&pool->lock);
	return released;
}

IOSURFACE_EXPORT void iosurface_pool_get_stats(struct iosurface_pool *pool,
		struct iosurface_pool_stats *stats) {
	memset(stats, 0, sizeof(*stats));
	if (pool == NULL) {
		return;
	}
	pthread_mutex_lock(&pool->lock);
	stats->surfaces = pool->surface_count;
	stats->idle = pool->idle_count;
	stats->created = pool->created;
	for (uint32_t i = 0; i < pool->options.max_surfaces; i++) {
		stats->returning += pool->entries[i].state == ENTRY_RETURNING;
		stats->taken += pool->entries[i].state == ENTRY_TAKEN;
		stats->volatile_idle += pool->entries[i].state == ENTRY_IDLE &&
				pool->entries[i].is_volatile;
	}
	pthread_mutex_unlock(&pool->lock);
}
