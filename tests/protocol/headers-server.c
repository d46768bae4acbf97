/* The generated server header alone: self-contained, C99, pedantic. */
#include "iosurface-v1-protocol.h"
#include "headers-c99.h"

#include <stdio.h>

int check_server_header(void) {
	int problems = 0;
	/* The implementation structs exist with one member per request. */
	struct iosurface_manager_v1_interface manager_impl = { 0 };
	struct iosurface_params_v1_interface params_impl = { 0 };
	struct iosurface_v1_interface surface_impl = { 0 };
	(void)manager_impl;
	(void)params_impl;
	(void)surface_impl;
	if (iosurface_v1_interface.version != 1) {
		printf("server header: iosurface_v1 version %d\n", iosurface_v1_interface.version);
		problems++;
	}
	if (sizeof(struct iosurface_manager_v1_interface) / sizeof(void (*)(void)) !=
			(size_t)iosurface_manager_v1_interface.method_count) {
		printf("server header: iosurface_manager_v1_interface has %zu members, %d requests\n",
				sizeof(struct iosurface_manager_v1_interface) / sizeof(void (*)(void)),
				iosurface_manager_v1_interface.method_count);
		problems++;
	}
	return problems;
}
