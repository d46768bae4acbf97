/*
 * producer-consumer: frames drawn in one process, shown by another, with no copy.
 *
 * The process forks: the child is the producer (producer.c), the parent the consumer
 * (consumer.c); they talk over a socket pair. With --headless the parent first starts a
 * private headless compositor and stops it at the end. See producer-consumer(1).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "launch.h"
#include "producer-consumer.h"

volatile sig_atomic_t pc_interrupted;

uint64_t pc_warmup_frames(const struct pc_options *options) {
	uint64_t warmup = options->pool_size + 2u;
	if (options->frames != 0 && warmup > options->frames / 2) {
		warmup = options->frames / 2;
	}
	return warmup;
}

static void handle_interrupt(int sig) {
	pc_interrupted = 1;
}

static void print_usage(FILE *f, const char *program) {
	fprintf(f,
			"Usage: %s [options]\n"
			"\n"
			"A producer process draws frames into a pool of IOSurfaces; a consumer process\n"
			"shows them in a window with no copy. Each surface is handed over once, through\n"
			"a port; the producer reuses a surface when the compositor says it is no longer\n"
			"in use.\n"
			"\n"
			"      --headless         start a private headless iosurface-compositor\n"
			"      --size WxH         frame size (default 1280x720)\n"
			"      --pool N           surfaces in the pool, 2 to %d (default 3)\n"
			"      --frames N         show N frames, then exit (default: until interrupted)\n"
			"      --screenshot FILE  save the output with grim at the end\n"
			"      --copy             draw into private memory and copy into the surface, as\n"
			"                         a wl_shm client would (for comparison)\n"
			"      --fullscreen       ask for the window fullscreen (frames of the output's\n"
			"                         size may then go to the display plane with no copy)\n"
			"  -h, --help             show this help\n",
			program, PC_MAX_POOL);
}

static bool parse_uint(const char *text, uint64_t max, uint64_t *value) {
	if (text[0] < '0' || text[0] > '9') {
		return false;
	}
	errno = 0;
	char *end;
	unsigned long long n = strtoull(text, &end, 10);
	if (errno != 0 || *end != '\0' || n > max) {
		return false;
	}
	*value = n;
	return true;
}

static bool parse_size(const char *text, uint32_t *width, uint32_t *height) {
	const char *x = strchr(text, 'x');
	if (x == NULL || x - text > 10) {
		return false;
	}
	char w_text[16];
	memcpy(w_text, text, (size_t)(x - text));
	w_text[x - text] = '\0';
	uint64_t w, h;
	if (!parse_uint(w_text, 16384, &w) || !parse_uint(x + 1, 16384, &h) || w == 0 || h == 0) {
		return false;
	}
	*width = (uint32_t)w;
	*height = (uint32_t)h;
	return true;
}

enum {
	OPT_HEADLESS = 256,
	OPT_SIZE,
	OPT_POOL,
	OPT_FRAMES,
	OPT_SCREENSHOT,
	OPT_COPY,
	OPT_FULLSCREEN,
};

/* Returns -1 to go on, else the status to exit with. */
static int parse_options(int argc, char *argv[], struct pc_options *options) {
	static const struct option long_options[] = {
		{ "headless", no_argument, NULL, OPT_HEADLESS },
		{ "size", required_argument, NULL, OPT_SIZE },
		{ "pool", required_argument, NULL, OPT_POOL },
		{ "frames", required_argument, NULL, OPT_FRAMES },
		{ "screenshot", required_argument, NULL, OPT_SCREENSHOT },
		{ "copy", no_argument, NULL, OPT_COPY },
		{ "fullscreen", no_argument, NULL, OPT_FULLSCREEN },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	*options = (struct pc_options){
		.width = 1280,
		.height = 720,
		.pool_size = 3,
	};
	uint64_t value;
	int c;
	while ((c = getopt_long(argc, argv, "h", long_options, NULL)) != -1) {
		switch (c) {
		case OPT_HEADLESS:
			options->headless = true;
			break;
		case OPT_SIZE:
			if (!parse_size(optarg, &options->width, &options->height)) {
				fprintf(stderr,
						"%s: invalid --size '%s': expected WIDTHxHEIGHT, each from 1 "
						"to 16384\n",
						argv[0], optarg);
				return 2;
			}
			break;
		case OPT_POOL:
			// One surface cannot work: the compositor keeps showing it until another one
			// replaces it, so it never stops being in use.
			if (!parse_uint(optarg, PC_MAX_POOL, &value) || value < 2) {
				fprintf(stderr, "%s: invalid --pool '%s': expected 2 to %d\n", argv[0], optarg,
						PC_MAX_POOL);
				return 2;
			}
			options->pool_size = (uint32_t)value;
			break;
		case OPT_FRAMES:
			if (!parse_uint(optarg, UINT32_MAX, &value) || value == 0) {
				fprintf(stderr, "%s: invalid --frames '%s': expected a positive number\n", argv[0],
						optarg);
				return 2;
			}
			options->frames = value;
			break;
		case OPT_SCREENSHOT:
			options->screenshot = optarg;
			break;
		case OPT_COPY:
			options->copy = true;
			break;
		case OPT_FULLSCREEN:
			options->fullscreen = true;
			break;
		case 'h':
			print_usage(stdout, argv[0]);
			return 0;
		default:
			print_usage(stderr, argv[0]);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", argv[0], argv[optind]);
		return 2;
	}
	return -1;
}

static double per_frame_ms(uint64_t ns, uint64_t frames) {
	return frames > 0 ? (double)ns / 1e6 / (double)frames : 0.0;
}

static void print_results(const struct pc_options *options, const struct pc_results *r,
		bool measured_compositor) {
	uint64_t frames = r->window_frames;
	uint64_t warmup = pc_warmup_frames(options);
	printf("\nproducer-consumer: %" PRIu64 " frames of %" PRIu32 "x%" PRIu32 " BGRA through a "
		   "pool of %" PRIu32 " surfaces%s\n",
			r->frames, options->width, options->height, options->pool_size,
			r->interrupted ? " (interrupted)" : "");
	if (frames == 0) {
		printf("  too few frames to measure after the %" PRIu64 " frames of warm-up\n", warmup);
		return;
	}
	printf("  measured over %" PRIu64 " frames after %" PRIu64 " of warm-up:\n", frames, warmup);
	printf("  frames per second:           %.1f\n", (double)frames * 1e9 / (double)r->window_ns);
	printf("  CPU time per frame:          producer %.3f ms, consumer %.3f ms",
			per_frame_ms(r->producer_cpu_ns, frames), per_frame_ms(r->consumer_cpu_ns, frames));
	if (measured_compositor) {
		printf(", compositor %.3f ms", per_frame_ms(r->compositor_cpu_ns, frames));
	}
	printf("\n");
	if (r->have_producer_stats) {
		const struct pc_producer_stats *p = &r->producer;
		uint64_t copied = p->bytes_copied_after_warmup + r->consumer_bytes_copied;
		printf("  pixel bytes copied per frame: %.0f (producer %.0f, consumer %.0f)%s\n",
				(double)copied / (double)frames,
				(double)p->bytes_copied_after_warmup / (double)frames,
				(double)r->consumer_bytes_copied / (double)frames,
				options->copy ? " [--copy]" : "");
		printf("  surfaces allocated per frame: %.2f after warm-up (%" PRIu64 " in all)\n",
				(double)p->surfaces_allocated_after_warmup / (double)frames, p->surfaces_allocated);
		printf("  producer waited for a free surface %" PRIu64 " times; %" PRIu64
			   " buffer releases\n",
				p->waits, r->releases);
	}
}

int main(int argc, char *argv[]) {
	struct pc_options options;
	int status = parse_options(argc, argv, &options);
	if (status >= 0) {
		return status;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);

	struct demo_compositor compositor = { .pid = -1 };
	if (options.headless) {
		if (demo_compositor_start(&compositor, (int)options.width, (int)options.height) != 0) {
			return 1;
		}
		printf("started a headless compositor (pid %d, %" PRIu32 "x%" PRIu32 ") on %s\n",
				(int)compositor.pid, options.width, options.height, compositor.socket);
	}

	status = 1;
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
		fprintf(stderr, "socketpair: %s\n", strerror(errno));
		goto out;
	}
	pid_t producer = fork();
	if (producer < 0) {
		fprintf(stderr, "fork: %s\n", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		goto out;
	}
	if (producer == 0) {
		// Ctrl-C is for the consumer, which then stops us in order.
		signal(SIGINT, SIG_IGN);
		close(sv[0]);
		_exit(producer_run(&options, sv[1]));
	}
	close(sv[1]);
	printf("producer: pid %d, consumer: pid %d\n", (int)producer, (int)getpid());

	struct sigaction sa = { .sa_handler = handle_interrupt };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	struct pc_results results;
	int consumer_status = consumer_run(&options, sv[0], producer,
			options.headless ? compositor.pid : 0, &results);
	close(sv[0]);
	int producer_status = demo_wait(producer, 10000);
	if (producer_status != 0) {
		fprintf(stderr, "producer-consumer: the producer ended with status %d\n", producer_status);
	}
	if (consumer_status == 0) {
		print_results(&options, &results, options.headless);
	}
	status = consumer_status == 0 && producer_status == 0 ? 0 : 1;

out:
	if (options.headless && demo_compositor_stop(&compositor) != 0) {
		fprintf(stderr, "producer-consumer: the compositor did not stop cleanly\n");
		status = 1;
	}
	return status;
}
