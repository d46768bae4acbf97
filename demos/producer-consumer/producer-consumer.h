/*
 * producer-consumer: a producer process draws frames into a pool of IOSurfaces and a consumer
 * process shows them in a window, with no copy, each surface handed over once through a port.
 *
 * Messages on the socket pair (SOCK_SEQPACKET, so each send is one message):
 *   producer -> consumer, once per surface: iosurface_port_send() with a struct pc_handoff;
 *   producer -> consumer, once per frame:   a uint32_t, the index of a surface that is ready;
 *   consumer -> producer, at the end:       a uint32_t, PC_STOP;
 *   producer -> consumer, in answer:        a struct pc_producer_stats.
 * The consumer says nothing when it is done with a surface: it drops its use count, and the
 * producer learns that the surface is free from the compositor (IOSURFACE_NOTIFY_NOT_IN_USE).
 */
#ifndef DEMOS_PRODUCER_CONSUMER_PRODUCER_CONSUMER_H
#define DEMOS_PRODUCER_CONSUMER_PRODUCER_CONSUMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <sys/types.h>

#define PC_MAX_POOL 16
#define PC_STOP UINT32_MAX

struct pc_options {
	uint32_t width, height;
	uint32_t pool_size;
	uint64_t frames; /* 0: until interrupted */
	bool headless;
	bool copy; /* draw into private memory and copy into the surface, as a wl_shm client does */
	bool fullscreen; /* ask for a fullscreen window */
	const char *screenshot;
};

/* The payload sent with each port. */
struct pc_handoff {
	uint32_t index, pool_size;
};

/* What the producer counted, sent back at the end. */
struct pc_producer_stats {
	uint64_t frames;
	uint64_t bytes_copied, bytes_copied_after_warmup;
	uint64_t surfaces_allocated, surfaces_allocated_after_warmup;
	uint64_t waits; /* times it had to wait for a surface to be free */
};

/* What the consumer measured. */
struct pc_results {
	uint64_t frames;
	uint64_t window_frames; /* frames shown after warm-up, the measured window */
	uint64_t window_ns; /* wall time of the window */
	uint64_t producer_cpu_ns; /* CPU time of each process in the window */
	uint64_t consumer_cpu_ns;
	uint64_t compositor_cpu_ns;
	uint64_t consumer_bytes_copied;
	uint64_t releases; /* wl_buffer.release events seen */
	bool interrupted;
	bool have_producer_stats;
	struct pc_producer_stats producer;
};

/* Frames left out of the measurement while pages are first touched and the pipeline fills. */
uint64_t pc_warmup_frames(const struct pc_options *options);

/*
 * Every copy of pixel data the demo makes goes through here, so that "bytes copied per frame"
 * is counted, not assumed.
 */
void pc_copy(void *dst, const void *src, size_t len, uint64_t *counter);

/* Draws frame number frame of the test pattern into a BGRA (ARGB8888) image. */
void pc_draw_frame(void *base, size_t bytes_per_row, uint32_t width, uint32_t height,
		uint64_t frame);

/* Runs the producer on one end of the socket pair. Returns the exit status. */
int producer_run(const struct pc_options *options, int sock);

/*
 * Runs the consumer: shows frames until options->frames are shown or it is interrupted, then
 * takes the screenshot, stops the producer and fills results. compositor_pid is 0 if the
 * compositor is not ours to measure. Returns 0 or -1 after printing why.
 */
int consumer_run(const struct pc_options *options, int sock, pid_t producer_pid,
		pid_t compositor_pid, struct pc_results *results);

/* Set from the signal handler: stop at the next occasion. */
extern volatile sig_atomic_t pc_interrupted;

#endif
