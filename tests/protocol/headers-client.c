/* The generated client header alone: self-contained, C99, pedantic. */
#include "iosurface-v1-client-protocol.h"
#include "headers-c99.h"

#include <stdio.h>

int check_client_header(void) {
	int problems = 0;
	/* The proxies' types and the request stubs exist with the names the XML gives. */
	struct iosurface_manager_v1 *manager = NULL;
	struct iosurface_params_v1 *params = NULL;
	struct iosurface_v1 *surface = NULL;
	(void)manager;
	(void)params;
	(void)surface;
	if (iosurface_manager_v1_interface.version != 1) {
		printf("client header: iosurface_manager_v1 version %d\n",
				iosurface_manager_v1_interface.version);
		problems++;
	}
	{
		/* The destructor stubs exist with the signatures a client expects. */
		void (*manager_destroy)(struct iosurface_manager_v1 *) = iosurface_manager_v1_destroy;
		void (*params_destroy)(struct iosurface_params_v1 *) = iosurface_params_v1_destroy;
		void (*surface_destroy)(struct iosurface_v1 *) = iosurface_v1_destroy;
		(void)manager_destroy;
		(void)params_destroy;
		(void)surface_destroy;
	}
	return problems;
}
