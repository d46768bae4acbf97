/*
 * Values larger than a Wayland message: an ICC profile, 64 KiB and 256 KiB blobs set in one
 * process and copied in another, a surface filled to its 4 MiB total, and answers to
 * copy_all_values that carry more than a message-sized answer can.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "e2e-util.h"

/* The size of the common sRGB ICC profile that Chromium and Mozilla attach to surfaces. */
#define ICC_SIZE 3144

/* A bytes value of len bytes whose content depends on the tag, so copies cannot pass by chance. */
static struct iosurface_value *blob(size_t len, uint32_t tag) {
	uint8_t *bytes = malloc(len);
	CHECK_NOT_NULL(bytes);
	for (size_t i = 0; i < len; i++) {
		bytes[i] = (uint8_t)(i * 131 + tag * 7 + (i >> 9));
	}
	struct iosurface_value *v = iosurface_value_new_bytes(bytes, len);
	free(bytes);
	CHECK_NOT_NULL(v);
	return v;
}

static void check_copy(struct iosurface *s, const char *key, const struct iosurface_value *want) {
	struct iosurface_value *got = iosurface_copy_value(s, key);
	if (got == NULL) {
		harness_fail("copy_value \"%s\": %s", key, strerror(errno));
	}
	CHECK_EQ(iosurface_value_get_type(got), iosurface_value_get_type(want));
	if (iosurface_value_get_type(want) == IOSURFACE_VALUE_BYTES) {
		size_t got_len = 0, want_len = 0;
		iosurface_value_get_bytes(got, &got_len);
		iosurface_value_get_bytes(want, &want_len);
		CHECK_EQ(got_len, want_len);
	}
	CHECK(iosurface_value_equal(got, want));
	iosurface_value_free(got);
}

static const struct {
	const char *key;
	size_t len;
	uint32_t tag;
} parent_values[] = {
	{ "IOSurfaceColorSpace", ICC_SIZE, 1 },
	{ "blob-64k", 64 * 1024, 2 },
	{ "blob-256k", 256 * 1024, 3 },
	{ "small", 16, 4 },
};
#define PARENT_VALUE_COUNT (sizeof(parent_values) / sizeof(parent_values[0]))

static void child_reads_and_replies(int sock) {
	struct iosurface_client *c = connect_client();
	int port = iosurface_port_receive(sock, NULL, NULL);
	CHECK_GE(port, 0);
	struct iosurface *t = iosurface_lookup_from_port(c, port);
	CHECK_NOT_NULL(t);
	close(port);
	struct iosurface_value *all = iosurface_copy_all_values(t);
	CHECK_NOT_NULL(all);
	CHECK_EQ(iosurface_value_get_count(all), PARENT_VALUE_COUNT);
	for (size_t i = 0; i < PARENT_VALUE_COUNT; i++) {
		struct iosurface_value *want = blob(parent_values[i].len, parent_values[i].tag);
		check_copy(t, parent_values[i].key, want);
		CHECK(iosurface_value_equal(iosurface_value_dictionary_get(all, parent_values[i].key),
				want));
		iosurface_value_free(want);
	}
	iosurface_value_free(all);
	// The other way: a 256 KiB value set here, read there.
	struct iosurface_value *reply = blob(256 * 1024, 9);
	CHECK_EQ(iosurface_set_value(t, "reply", reply), 0);
	iosurface_value_free(reply);
	CHECK_EQ(write(sock, "k", 1), 1);
	char ack;
	CHECK_EQ(read(sock, &ack, 1), 1);
	iosurface_unref(t);
	iosurface_client_destroy(c);
}

static char last_warning[512];

static void record_log(enum iosurface_log_level level, const char *message) {
	if (level == IOSURFACE_LOG_WARNING) {
		snprintf(last_warning, sizeof(last_warning), "%s", message);
	}
}

/* A set that does not land says so in the log, and the old value stays. */
TEST(a_refused_set_is_logged_and_the_old_value_stays) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct iosurface_client *c = connect_client();
	struct iosurface *s = create_bgra(c, 16, 16);
	struct iosurface_value *small = blob(100, 1);
	CHECK_EQ(iosurface_set_value(s, "profile", small), 0);
	iosurface_set_log_handler(IOSURFACE_LOG_WARNING, record_log);
	last_warning[0] = '\0';
	struct iosurface_value *huge = blob(512 * 1024, 2);
	CHECK_LT(iosurface_set_value(s, "profile", huge), 0);
	CHECK(strstr(last_warning, "profile") != NULL);
	iosurface_set_log_handler(IOSURFACE_LOG_SILENT, NULL);
	check_copy(s, "profile", small);
	iosurface_value_free(huge);
	iosurface_value_free(small);
	iosurface_unref(s);
	iosurface_client_destroy(c);
	harness_compositor_stop(hc);
}

TEST(icc_64k_and_256k_values_across_processes) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	CHECK_GE(iosurface_get_property_maximum(IOSURFACE_PROPERTY_VALUE_SIZE), 256 * 1024 + 5);
	int sv[2];
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	pid_t pid = fork();
	CHECK_GE(pid, 0);
	if (pid == 0) {
		close(sv[0]);
		child_reads_and_replies(sv[1]);
		_exit(0);
	}
	close(sv[1]);
	struct iosurface_client *c = connect_client();
	struct iosurface *s = create_bgra(c, 16, 16);
	for (size_t i = 0; i < PARENT_VALUE_COUNT; i++) {
		struct iosurface_value *v = blob(parent_values[i].len, parent_values[i].tag);
		CHECK_EQ(iosurface_set_value(s, parent_values[i].key, v), 0);
		iosurface_value_free(v);
	}
	// Replacing a large value with a small one, and back, keeps the latest.
	struct iosurface_value *v = blob(10, 5);
	CHECK_EQ(iosurface_set_value(s, "blob-64k", v), 0);
	check_copy(s, "blob-64k", v);
	iosurface_value_free(v);
	v = blob(64 * 1024, 2);
	CHECK_EQ(iosurface_set_value(s, "blob-64k", v), 0);
	iosurface_value_free(v);

	int port = iosurface_create_port(s);
	CHECK_GE(port, 0);
	CHECK_EQ(iosurface_port_send(sv[0], port, NULL, 0), 0);
	close(port);
	char msg;
	CHECK_EQ(read(sv[0], &msg, 1), 1);
	struct iosurface_value *reply = blob(256 * 1024, 9);
	check_copy(s, "reply", reply);
	iosurface_value_free(reply);
	CHECK_EQ(write(sv[0], "k", 1), 1);
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(sv[0]);

	// One byte beyond the published size is refused before anything is sent.
	size_t max = iosurface_get_property_maximum(IOSURFACE_PROPERTY_VALUE_SIZE);
	v = blob(max - 5 + 1, 6);
	CHECK_ERRNO(iosurface_set_value(s, "too-big", v), EMSGSIZE);
	iosurface_value_free(v);
	v = blob(max - 5, 6);
	CHECK_EQ(iosurface_set_value(s, "just-fits", v), 0);
	check_copy(s, "just-fits", v);
	iosurface_value_free(v);

	iosurface_unref(s);
	iosurface_client_destroy(c);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

TEST(a_surface_holds_4_mib_of_values_and_copies_them_all) {
	struct harness_compositor *hc = harness_compositor_start(NULL);
	size_t total = iosurface_get_property_maximum(IOSURFACE_PROPERTY_VALUE_TOTAL);
	CHECK_EQ(total, 4u << 20);
	struct iosurface_client *a = connect_client();
	struct iosurface_client *b = connect_client();
	struct iosurface *s = create_bgra(a, 16, 16);
	int port = iosurface_create_port(s);
	struct iosurface *t = iosurface_lookup_from_port(b, port);
	CHECK_NOT_NULL(t);
	close(port);

	// Keys of 3 bytes, bytes values of 5 + n bytes encoded: 15 of 256 KiB, and a 16th that
	// brings the keys and encodings to exactly the total.
	struct iosurface_value *values[16];
	size_t used = 0;
	char key[8];
	for (int i = 0; i < 16; i++) {
		size_t len = i < 15 ? 256 * 1024 : total - used - 3 - 5;
		values[i] = blob(len, 20 + (uint32_t)i);
		snprintf(key, sizeof(key), "v%02d", i);
		CHECK_EQ(iosurface_set_value(s, key, values[i]), 0);
		used += 3 + 5 + len;
	}
	CHECK_EQ(used, total);
	// Full: one more byte of keys and values is refused, by either holder.
	struct iosurface_value *one = iosurface_value_new_boolean(true);
	CHECK_ERRNO(iosurface_set_value(t, "x", one), ENOSPC);
	CHECK_ERRNO(iosurface_set_value(s, "y", one), ENOSPC);

	// Every value, from the other connection, in one answer.
	struct iosurface_value *all = iosurface_copy_all_values(t);
	CHECK_NOT_NULL(all);
	CHECK_EQ(iosurface_value_get_count(all), 16);
	for (int i = 0; i < 16; i++) {
		snprintf(key, sizeof(key), "v%02d", i);
		CHECK(iosurface_value_equal(iosurface_value_dictionary_get(all, key), values[i]));
	}
	iosurface_value_free(all);

	// A removal makes room again.
	CHECK_EQ(iosurface_remove_value(t, "v03"), 0);
	CHECK_EQ(iosurface_set_value(t, "x", one), 0);
	check_copy(s, "x", one);

	iosurface_value_free(one);
	for (int i = 0; i < 16; i++) {
		iosurface_value_free(values[i]);
	}
	iosurface_unref(t);
	iosurface_unref(s);
	iosurface_client_destroy(b);
	iosurface_client_destroy(a);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

TEST(an_answer_beyond_what_messages_carry_arrives_whole) {
	// 64 values of 3,000 bytes each fit a message one by one, but not all in one answer: the
	// compositor sends the rest in memory, and the reader sees every one.
	struct harness_compositor *hc = harness_compositor_start(NULL);
	struct iosurface_client *a = connect_client();
	struct iosurface_client *b = connect_client();
	struct iosurface *s = create_bgra(a, 16, 16);
	int port = iosurface_create_port(s);
	struct iosurface *t = iosurface_lookup_from_port(b, port);
	CHECK_NOT_NULL(t);
	close(port);
	size_t count = iosurface_get_property_maximum(IOSURFACE_PROPERTY_VALUE_COUNT);
	CHECK_EQ(count, 64);
	struct iosurface_value *dict = iosurface_value_new_dictionary();
	char key[32];
	for (size_t i = 0; i < count; i++) {
		snprintf(key, sizeof(key), "k%02zu", i);
		CHECK_EQ(iosurface_value_dictionary_set(dict, key, blob(3000, (uint32_t)i)), 0);
	}
	CHECK_EQ(iosurface_set_values(s, dict), 0);
	struct iosurface_value *all = iosurface_copy_all_values(t);
	CHECK_NOT_NULL(all);
	CHECK_EQ(iosurface_value_get_count(all), count);
	CHECK(iosurface_value_equal(all, dict));
	iosurface_value_free(all);
	iosurface_value_free(dict);
	iosurface_unref(t);
	iosurface_unref(s);
	iosurface_client_destroy(b);
	iosurface_client_destroy(a);
	CHECK_EQ(harness_compositor_stop(hc), 0);
}

int main(int argc, char **argv) {
	return harness_main(argc, argv);
}
