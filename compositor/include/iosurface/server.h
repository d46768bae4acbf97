/*
 * The iosurface_v1 server module for wlroots compositors.
 *
 * Adding it to a compositor takes two calls: iosurface_server_create() once the display and
 * renderer exist, and nothing else; it frees itself when the display is destroyed. Surfaces
 * shown through iosurface_v1.create_buffer are ordinary wlr_buffers, so wlr_surface, the scene
 * graph and direct scanout handle them like any client buffer.
 */
#ifndef COMPOSITOR_INCLUDE_IOSURFACE_SERVER_H
#define COMPOSITOR_INCLUDE_IOSURFACE_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include <wayland-server-core.h>

struct wlr_renderer;
struct wlr_buffer;

/** Options; zero-initialise, or use iosurface_server_options_init(). */
struct iosurface_server_options {
	/**
	 * Per-client limit on the bytes of its surfaces and of the values on them. 0: a quarter of
	 * the machine's physical memory (sysconf _SC_PHYS_PAGES), read at create; UINT64_MAX: no
	 * limit. Beyond it, create fails with failed(quota_bytes) and set_value with
	 * set_value_failed.
	 */
	uint64_t quota_bytes;
	/** Per-client limit on the number of surfaces it created; 0 means no limit. */
	uint32_t quota_count;
	/** Allow iosurface_manager_v1.lookup of surfaces created global (off: insecure). */
	bool allow_global_lookup;
	/** Largest width and height, and largest allocation; 0: the built-in maximum. */
	uint32_t max_dimension;
	uint32_t max_alloc_size;
	/** Most iosurface_v1 objects one client may hold (state slots); 0: 16384. */
	uint32_t max_objects_per_client;
	/** Most unbound ports one client may hold; 0: 64. Ports handed out at bind: 0: 16. */
	uint32_t max_unbound_ports;
	uint32_t initial_ports;
	/**
	 * Each surface costs the compositor one descriptor (two for GBM), each port one. Most
	 * surfaces one client may create: 0: 4096. Whatever the clients, the module keeps 256
	 * descriptors of the process's RLIMIT_NOFILE (read at create: raise it first) free for
	 * connections and the compositor itself, and refuses surfaces and ports beyond.
	 */
	uint32_t max_surfaces_per_client;
	/*
	 * Caps on the clients of one process together (clients are told apart by the pid of their
	 * socket's peer, SO_PEERCRED), so that several connections gain a process nothing.
	 */

	/**
	 * Most iosurface_v1 objects of one surface the process may hold (redeeming one port again
	 * and again gives a new object each time); 0: 256. Each object has a state slot the
	 * compositor writes when the surface's use count changes, so this bounds what one process
	 * makes every such change cost. Beyond it, redeem_port and lookup give failed(quota_count).
	 */
	uint32_t max_handles_per_surface;

	/**
	 * Most iosurface_params_v1 objects alive; 0: 4096. Beyond it, create_params is the
	 * protocol error iosurface_manager_v1.too_many_params.
	 */
	uint32_t max_params_per_process;
	/**
	 * Most bytes of values (keys and encodings) on the surfaces the process created, which the
	 * compositor keeps in its own heap; 0: 32 MiB. Beyond it, set_value gets set_value_failed.
	 */
	uint64_t max_value_bytes_per_process;
	/**
	 * Most of the module's descriptors (see max_surfaces_per_client) the process's surfaces and
	 * ports may hold; 0: a quarter of them. Beyond it, create gives failed(quota_count) and
	 * no new port is issued.
	 */
	uint32_t max_fds_per_process;
	/**
	 * Most live ports one client may have issued, bound or not, wherever their descriptors
	 * are: 0: 4096. A port counts until the last copy of its descriptor is closed in every
	 * process (or its issuer disconnects, for an unbound one). Beyond it, reserve_ports is
	 * answered with ports_refused (port_limit) and the stock is not refilled.
	 */
	uint32_t max_ports_per_client;
	/**
	 * The compositor's DRM device, for allocation: a descriptor of the node the backend
	 * displays on (wlr_backend_get_drm_fd(); a primary node gives dumb buffers for scanout
	 * usage, and GBM on its render node) or of the renderer's node (wlr_renderer_get_drm_fd():
	 * GBM). The module opens the device anew and keeps nothing of the descriptor, which stays
	 * the caller's. 0 or negative: none (a zero-initialised struct names no device; a device
	 * that is descriptor 0 is passed as a dup()). The module never scans /dev/dri.
	 */
	int drm_fd;
	/**
	 * A DRM device node to open instead of drm_fd, e.g. from the command line. NULL: use
	 * drm_fd; "": no DRM allocation at all (every surface memfd, udmabuf still used).
	 */
	const char *drm_device;
};

/** Usage totals, for inspection and benchmarks. */
struct iosurface_server_stats {
	uint32_t surfaces;       /* live surfaces */
	uint32_t clients;        /* bound managers */
	uint32_t ports;          /* live bound ports */
	uint32_t unbound_ports;  /* ports handed out, not bound yet */
	uint64_t allocated_bytes;
	uint32_t shown;          /* surfaces held for display */
};

struct iosurface_server {
	struct wl_display *display;
	struct wl_global *global;

	struct {
		/** Emitted before the server is freed. */
		struct wl_signal destroy;
	} events;

	void *data;
};

/** Fills options with the defaults. */
void iosurface_server_options_init(struct iosurface_server_options *options);

/**
 * Creates the iosurface_manager_v1 global. renderer (may be NULL) decides which formats can be
 * shown: those of the format table that it can texture from memory. options may be NULL for
 * the defaults; it is copied. Returns NULL on failure (logged). Freed with the display.
 */
struct iosurface_server *iosurface_server_create(struct wl_display *display,
		struct wlr_renderer *renderer, const struct iosurface_server_options *options);

/** Destroys the global and every object of it. Called by display destruction; NULL is a no-op. */
void iosurface_server_destroy(struct iosurface_server *server);

void iosurface_server_get_stats(struct iosurface_server *server,
		struct iosurface_server_stats *stats);

/**
 * Drops the pages of every volatile surface, as the system would under memory pressure. Each
 * holder is told (iosurface_v1.emptied). Returns the number of surfaces emptied.
 */
uint32_t iosurface_server_purge_volatile(struct iosurface_server *server);

/**
 * If buffer is (or wraps, through wlr_client_buffer) a wl_buffer made by
 * iosurface_v1.create_buffer, returns the surface's id; otherwise 0.
 */
uint32_t iosurface_server_surface_id_from_buffer(struct wlr_buffer *buffer);

#endif
