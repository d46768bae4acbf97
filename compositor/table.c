#include <stdlib.h>

#include "server-private.h"

/*
 * Open addressing with linear probing over a power-of-two array. Keys are surface ids and
 * pipe inode numbers, so a multiplicative hash spreads them well enough.
 */

struct ios_table_entry {
	uint64_t key;
	void *value; /* NULL: empty; TOMBSTONE: removed */
};

static char tombstone;
#define TOMBSTONE ((void *)&tombstone)

static size_t slot_of(uint64_t key, size_t cap) {
	return (size_t)((key * 0x9e3779b97f4a7c15ull) >> 17) & (cap - 1);
}

void ios_table_finish(struct ios_table *table) {
	free(table->entries);
	*table = (struct ios_table){ 0 };
}

static struct ios_table_entry *find(const struct ios_table *table, uint64_t key) {
	if (table->cap == 0) {
		return NULL;
	}
	for (size_t i = slot_of(key, table->cap);; i = (i + 1) & (table->cap - 1)) {
		struct ios_table_entry *entry = &table->entries[i];
		if (entry->value == NULL) {
			return NULL;
		}
		if (entry->value != TOMBSTONE && entry->key == key) {
			return entry;
		}
	}
}

void *ios_table_get(const struct ios_table *table, uint64_t key) {
	struct ios_table_entry *entry = find(table, key);
	return entry != NULL ? entry->value : NULL;
}

static bool grow(struct ios_table *table) {
	size_t cap = table->cap ? table->cap : 16;
	// Keep the load (live and removed) under one half.
	while ((table->count + 1) * 2 > cap) {
		cap *= 2;
	}
	struct ios_table_entry *entries = calloc(cap, sizeof(*entries));
	if (entries == NULL) {
		return false;
	}
	for (size_t i = 0; i < table->cap; i++) {
		struct ios_table_entry *old = &table->entries[i];
		if (old->value == NULL || old->value == TOMBSTONE) {
			continue;
		}
		size_t j = slot_of(old->key, cap);
		while (entries[j].value != NULL) {
			j = (j + 1) & (cap - 1);
		}
		entries[j] = *old;
	}
	free(table->entries);
	table->entries = entries;
	table->cap = cap;
	table->tombstones = 0;
	return true;
}

bool ios_table_put(struct ios_table *table, uint64_t key, void *value) {
	struct ios_table_entry *entry = find(table, key);
	if (entry != NULL) {
		entry->value = value;
		return true;
	}
	if ((table->count + table->tombstones + 1) * 2 > table->cap && !grow(table)) {
		return false;
	}
	size_t i = slot_of(key, table->cap);
	while (table->entries[i].value != NULL && table->entries[i].value != TOMBSTONE) {
		i = (i + 1) & (table->cap - 1);
	}
	if (table->entries[i].value == TOMBSTONE) {
		table->tombstones--;
	}
	table->entries[i] = (struct ios_table_entry){ key, value };
	table->count++;
	return true;
}

void ios_table_remove(struct ios_table *table, uint64_t key) {
	struct ios_table_entry *entry = find(table, key);
	if (entry != NULL) {
		entry->value = TOMBSTONE;
		table->count--;
		table->tombstones++;
	}
}
