/*
 * The command line of the reference compositor.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reference.h"

static void print_usage(FILE *f, const char *program) {
	fprintf(f,
			"Usage: %s [options]\n"
			"\n"
			"A wlroots compositor offering the iosurface_v1 protocol.\n"
			"\n"
			"  -s, --startup CMD          run CMD with /bin/sh -c when ready; exit with its status\n"
			"      --headless             no display: pixman, one headless output\n"
			"      --size WxH             output size: a headless output's (default %dx%d), or\n"
			"                             on a display a mode of that size\n"
			"      --socket NAME          listen on $XDG_RUNTIME_DIR/NAME (default: wayland-N)\n"
			"      --quota-bytes N[K|M|G] bytes of surfaces and values one client may have\n"
			"                             (0: a quarter of the memory)\n"
			"      --quota-count N        surfaces one client may create (0: the module's 4096)\n"
			"      --max-objects N        iosurface_v1 objects one client may hold\n"
			"      --max-handles-per-surface N  iosurface_v1 objects of one surface one\n"
			"                             process may hold (0: 256)\n"
			"      --max-params N         params objects the clients of one process may hold\n"
			"      --max-value-bytes N[K|M|G]  value bytes of one process's surfaces\n"
			"      --max-fds-per-process N  descriptors one process's surfaces and ports may\n"
			"                             hold (0: a quarter of the budget)\n"
			"      --max-ports N          live ports one client may have issued (0: 4096)\n"
			"      --allow-global-lookup  allow lookup of surfaces by global id (insecure)\n"
			"      --no-gbm               allocate every surface in memfd, never with GBM\n"
			"      --drm-device PATH      DRM device for allocation (default: the backend's)\n"
			"      --debug-scanout        print what each output commit shows\n"
			"      --debug-outputs        on SIGUSR2 also add a headless output, or remove the last\n"
			"  -v, --verbose              log more (twice: debug)\n"
			"  -h, --help                 show this help\n",
			program, DEFAULT_WIDTH, DEFAULT_HEIGHT);
}

static bool parse_u64(const char *text, bool suffixes, uint64_t max, uint64_t *value) {
	// strtoull would take "-1" as ULLONG_MAX: accept digits only.
	if (text[0] < '0' || text[0] > '9') {
		return false;
	}
	errno = 0;
	char *end;
	unsigned long long n = strtoull(text, &end, 10);
	if (errno != 0) {
		return false;
	}
	unsigned shift = 0;
	if (suffixes && *end != '\0' && end[1] == '\0') {
		switch (*end) {
		case 'K':
		case 'k':
			shift = 10;
			break;
		case 'M':
		case 'm':
			shift = 20;
			break;
		case 'G':
		case 'g':
			shift = 30;
			break;
		default:
			return false;
		}
		end++;
	}
	if (*end != '\0' || n > (max >> shift)) {
		return false;
	}
	*value = (uint64_t)n << shift;
	return true;
}

static bool parse_size(const char *text, int *width, int *height) {
	uint64_t w, h;
	char buf[32];
	const char *x = strchr(text, 'x');
	if (x == NULL || (size_t)(x - text) >= sizeof(buf)) {
		return false;
	}
	memcpy(buf, text, x - text);
	buf[x - text] = '\0';
	if (!parse_u64(buf, false, MAX_OUTPUT_SIZE, &w) ||
			!parse_u64(x + 1, false, MAX_OUTPUT_SIZE, &h) || w == 0 || h == 0) {
		return false;
	}
	*width = (int)w;
	*height = (int)h;
	return true;
}

enum {
	OPT_HEADLESS = 256,
	OPT_SIZE,
	OPT_SOCKET,
	OPT_QUOTA_BYTES,
	OPT_QUOTA_COUNT,
	OPT_MAX_OBJECTS,
	OPT_MAX_HANDLES_PER_SURFACE,
	OPT_MAX_PARAMS,
	OPT_MAX_VALUE_BYTES,
	OPT_MAX_FDS_PER_PROCESS,
	OPT_MAX_PORTS,
	OPT_ALLOW_GLOBAL_LOOKUP,
	OPT_NO_GBM,
	OPT_DRM_DEVICE,
	OPT_DEBUG_SCANOUT,
	OPT_DEBUG_OUTPUTS,
};

// Returns -1 to go on, else the status to exit with.
int parse_options(int argc, char *argv[], struct options *options) {
	static const struct option long_options[] = {
		{ "startup", required_argument, NULL, 's' },
		{ "headless", no_argument, NULL, OPT_HEADLESS },
		{ "size", required_argument, NULL, OPT_SIZE },
		{ "socket", required_argument, NULL, OPT_SOCKET },
		{ "quota-bytes", required_argument, NULL, OPT_QUOTA_BYTES },
		{ "quota-count", required_argument, NULL, OPT_QUOTA_COUNT },
		{ "max-objects", required_argument, NULL, OPT_MAX_OBJECTS },
		{ "max-handles-per-surface", required_argument, NULL, OPT_MAX_HANDLES_PER_SURFACE },
		{ "max-params", required_argument, NULL, OPT_MAX_PARAMS },
		{ "max-value-bytes", required_argument, NULL, OPT_MAX_VALUE_BYTES },
		{ "max-fds-per-process", required_argument, NULL, OPT_MAX_FDS_PER_PROCESS },
		{ "max-ports", required_argument, NULL, OPT_MAX_PORTS },
		{ "allow-global-lookup", no_argument, NULL, OPT_ALLOW_GLOBAL_LOOKUP },
		{ "no-gbm", no_argument, NULL, OPT_NO_GBM },
		{ "drm-device", required_argument, NULL, OPT_DRM_DEVICE },
		{ "debug-scanout", no_argument, NULL, OPT_DEBUG_SCANOUT },
		{ "debug-outputs", no_argument, NULL, OPT_DEBUG_OUTPUTS },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *program = argv[0];
	bool no_gbm = false;
	uint64_t value;

	*options = (struct options){
		.width = DEFAULT_WIDTH,
		.height = DEFAULT_HEIGHT,
	};
	iosurface_server_options_init(&options->iosurface);

	int c;
	while ((c = getopt_long(argc, argv, "s:vh", long_options, NULL)) != -1) {
		switch (c) {
		case 's':
			options->startup = optarg;
			break;
		case OPT_HEADLESS:
			options->headless = true;
			break;
		case OPT_SIZE:
			if (!parse_size(optarg, &options->width, &options->height)) {
				fprintf(stderr,
						"%s: invalid --size '%s': expected WIDTHxHEIGHT, "
						"each from 1 to %d\n",
						program, optarg, MAX_OUTPUT_SIZE);
				return EXIT_USAGE;
			}
			options->size_given = true;
			break;
		case OPT_SOCKET:
			if (optarg[0] == '\0' || strchr(optarg, '/') != NULL) {
				fprintf(stderr, "%s: invalid --socket '%s': expected a name without '/'\n", program,
						optarg);
				return EXIT_USAGE;
			}
			options->socket = optarg;
			break;
		case OPT_QUOTA_BYTES:
		case OPT_MAX_VALUE_BYTES:
			if (!parse_u64(optarg, true, UINT64_MAX, &value)) {
				fprintf(stderr,
						"%s: invalid --%s '%s': expected a number of "
						"bytes, optionally followed by K, M or G\n",
						program, c == OPT_QUOTA_BYTES ? "quota-bytes" : "max-value-bytes", optarg);
				return EXIT_USAGE;
			}
			if (c == OPT_QUOTA_BYTES) {
				options->iosurface.quota_bytes = value;
			} else {
				options->iosurface.max_value_bytes_per_process = value;
			}
			break;
		case OPT_QUOTA_COUNT:
		case OPT_MAX_OBJECTS:
		case OPT_MAX_HANDLES_PER_SURFACE:
		case OPT_MAX_PARAMS:
		case OPT_MAX_FDS_PER_PROCESS:
		case OPT_MAX_PORTS: {
			uint32_t *field = &options->iosurface.max_fds_per_process;
			if (c == OPT_QUOTA_COUNT) {
				field = &options->iosurface.quota_count;
			} else if (c == OPT_MAX_OBJECTS) {
				field = &options->iosurface.max_objects_per_client;
			} else if (c == OPT_MAX_HANDLES_PER_SURFACE) {
				field = &options->iosurface.max_handles_per_surface;
			} else if (c == OPT_MAX_PARAMS) {
				field = &options->iosurface.max_params_per_process;
			} else if (c == OPT_MAX_PORTS) {
				field = &options->iosurface.max_ports_per_client;
			}
			if (!parse_u64(optarg, false, UINT32_MAX, &value)) {
				const char *name = "";
				for (size_t i = 0; long_options[i].name != NULL; i++) {
					name = long_options[i].val == c ? long_options[i].name : name;
				}
				fprintf(stderr, "%s: invalid --%s '%s': expected a number from 0 to %" PRIu32 "\n",
						program, name, optarg, UINT32_MAX);
				return EXIT_USAGE;
			}
			*field = (uint32_t)value;
			break;
		}
		case OPT_ALLOW_GLOBAL_LOOKUP:
			options->iosurface.allow_global_lookup = true;
			break;
		case OPT_NO_GBM:
			no_gbm = true;
			break;
		case OPT_DRM_DEVICE:
			options->iosurface.drm_device = optarg;
			break;
		case OPT_DEBUG_SCANOUT:
			options->debug_scanout = true;
			break;
		case OPT_DEBUG_OUTPUTS:
			options->debug_outputs = true;
			break;
		case 'v':
			options->verbosity++;
			break;
		case 'h':
			print_usage(stdout, program);
			return EXIT_SUCCESS;
		default:
			fprintf(stderr, "Try '%s --help'.\n", program);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'; try '%s --help'.\n", program, argv[optind],
				program);
		return EXIT_USAGE;
	}
	if (no_gbm) {
		if (options->iosurface.drm_device != NULL) {
			fprintf(stderr, "%s: --no-gbm and --drm-device exclude each other\n", program);
			return EXIT_USAGE;
		}
		// The module reads an empty device path as "never use GBM".
		options->iosurface.drm_device = "";
	}
	return -1;
}
