/*
 * unit-fuzz-corpus: replays the committed seed corpus of each fuzz target without libFuzzer,
 * so that the parsers and their checks run in every build (and under ASan/valgrind in CI).
 * The fuzz sources are compiled with LLVMFuzzerTestOneInput renamed (see meson.build). Every
 * prefix of every seed is fed too: truncation is the commonest malformation.
 *
 * Usage: unit-fuzz-corpus CORPUS_DIR   (holds one folder per target, named after it)
 * A broken check aborts, which fails the test; a missing or empty folder is a set-up failure.
 */
#ifdef NDEBUG
#error "tests must be built without NDEBUG"
#endif

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common-check.h"

int fuzz_value_decode_one_input(const uint8_t *data, size_t size);
int fuzz_layout_one_input(const uint8_t *data, size_t size);

static const struct {
	const char *name;
	int (*one_input)(const uint8_t *data, size_t size);
} targets[] = {
	{ "fuzz-value-decode", fuzz_value_decode_one_input },
	{ "fuzz-layout", fuzz_layout_one_input },
};

static int compare_names(const void *a, const void *b) {
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads a whole file into a buffer of exactly its size (ASan sees any over-read). */
static uint8_t *read_file(const char *path, size_t *size) {
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		return NULL;
	}
	uint8_t *data = NULL;
	size_t len = 0;
	uint8_t chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		uint8_t *grown = realloc(data, len + n);
		if (grown == NULL) {
			free(data);
			fclose(f);
			return NULL;
		}
		data = grown;
		memcpy(data + len, chunk, n);
		len += n;
	}
	bool failed = ferror(f);
	fclose(f);
	if (failed) {
		free(data);
		return NULL;
	}
	if (data == NULL) {
		data = malloc(1); // an empty file is a valid input
	}
	*size = len;
	return data;
}

/* Replays every file of dir; returns the number of files, or -1 on a set-up failure. */
static long replay(const char *dir, int (*one_input)(const uint8_t *, size_t)) {
	DIR *d = opendir(dir);
	if (d == NULL) {
		fprintf(stderr, "%s: %s\n", dir, strerror(errno));
		return -1;
	}
	char **names = NULL;
	size_t count = 0;
	struct dirent *entry;
	while ((entry = readdir(d)) != NULL) {
		if (entry->d_name[0] == '.') {
			continue;
		}
		char **grown = realloc(names, (count + 1) * sizeof(*names));
		if (grown == NULL || (grown[count] = strdup(entry->d_name)) == NULL) {
			fprintf(stderr, "out of memory\n");
			exit(CHECK_EXIT_SETUP_FAILURE);
		}
		names = grown;
		count++;
	}
	closedir(d);
	qsort(names, count, sizeof(*names), compare_names); // the same order every run

	long replayed = 0;
	for (size_t i = 0; i < count; i++) {
		char path[4096];
		size_t size;
		uint8_t *data = NULL;
		if (snprintf(path, sizeof(path), "%s/%s", dir, names[i]) >= (int)sizeof(path)) {
			errno = ENAMETOOLONG;
		} else {
			data = read_file(path, &size);
		}
		if (data == NULL) {
			fprintf(stderr, "%s: cannot read: %s\n", path, strerror(errno));
			replayed = -1;
		} else {
			for (size_t n = 0; n <= size; n++) {
				// A prefix is copied, so that reading past it is caught too.
				uint8_t *prefix = malloc(n > 0 ? n : 1);
				memcpy(prefix, data, n);
				one_input(prefix, n);
				free(prefix);
			}
			free(data);
			if (replayed >= 0) {
				replayed++;
			}
		}
		free(names[i]);
	}
	free(names);
	return replayed;
}

int main(int argc, char **argv) {
	if (argc != 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
		return CHECK_EXIT_SETUP_FAILURE;
	}
	for (size_t t = 0; t < sizeof(targets) / sizeof(targets[0]); t++) {
		char dir[4096];
		snprintf(dir, sizeof(dir), "%s/%s", argv[1], targets[t].name);
		long files = replay(dir, targets[t].one_input);
		if (files <= 0) {
			fprintf(stderr, "%s: no seed replayed\n", dir);
			return CHECK_EXIT_SETUP_FAILURE;
		}
		printf("%s: %ld seeds and all their prefixes replayed\n", targets[t].name, files);
	}
	return 0;
}
