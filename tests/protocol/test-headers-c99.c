/*
 * protocol-headers-c99: the generated headers, client and server in one translation unit too,
 * compile with -std=c99 -pedantic -Werror -Wall -Wextra; the interface tables say what the
 * XML says.
 */
#ifdef NDEBUG
#error "tests must be built without NDEBUG"
#endif

#include "iosurface-v1-client-protocol.h"
#include "iosurface-v1-protocol.h"
#include "headers-c99.h"

#include <stdio.h>
#include <string.h>

static int problems;

static void check(int ok, const char *what, const char *iface, const char *detail) {
	if (!ok) {
		printf("FAIL %s: %s%s%s\n", iface, what, detail ? ": " : "", detail ? detail : "");
		problems++;
	}
}

/* A wl_message signature: an optional since-version, then i u f s o n a h with optional '?'. */
static int signature_valid(const char *sig, int *args) {
	const char *p = sig;
	*args = 0;
	while (*p >= '0' && *p <= '9') {
		p++;
	}
	while (*p != '\0') {
		if (*p == '?') {
			p++;
			if (*p != 's' && *p != 'o' && *p != 'n' && *p != 'a') {
				return 0;
			}
		}
		if (strchr("iufsonah", *p) == NULL) {
			return 0;
		}
		(*args)++;
		p++;
	}
	return 1;
}

static void check_messages(const struct wl_interface *iface, const struct wl_message *messages,
		int count, const char *kind) {
	int i, j;
	for (i = 0; i < count; i++) {
		const struct wl_message *m = &messages[i];
		int args;
		check(m->name != NULL && m->name[0] != '\0', "message without a name", iface->name, kind);
		check(m->signature != NULL && signature_valid(m->signature, &args),
				"invalid signature", iface->name, m->name);
		for (j = 0; j < i; j++) {
			check(strcmp(messages[j].name, m->name) != 0, "duplicate message", iface->name,
					m->name);
		}
	}
}

static void check_interface(const struct wl_interface *iface, const char *name) {
	check(strcmp(iface->name, name) == 0, "wrong name", name, iface->name);
	check(iface->version == 1, "version is not 1", name, NULL);
	check(iface->method_count > 0, "no requests", name, NULL);
	check_messages(iface, iface->methods, iface->method_count, "request");
	check_messages(iface, iface->events, iface->event_count, "event");
}

int main(void) {
	check_interface(&iosurface_manager_v1_interface, "iosurface_manager_v1");
	check_interface(&iosurface_params_v1_interface, "iosurface_params_v1");
	check_interface(&iosurface_v1_interface, "iosurface_v1");
	/* Every interface has a destroy request, as wayland-protocols asks. */
	check(IOSURFACE_MANAGER_V1_DESTROY_SINCE_VERSION == 1, "destroy", "iosurface_manager_v1", NULL);
	check(IOSURFACE_PARAMS_V1_DESTROY_SINCE_VERSION == 1, "destroy", "iosurface_params_v1", NULL);
	check(IOSURFACE_V1_DESTROY_SINCE_VERSION == 1, "destroy", "iosurface_v1", NULL);
	problems += check_client_header();
	problems += check_server_header();
	if (problems == 0) {
		printf("PASS protocol headers (C99)\n");
	}
	return problems == 0 ? 0 : 1;
}
