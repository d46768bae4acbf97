/*
 * The wlroots differences the reference compositor depends on, in one place: nothing else in
 * reference/ reads a field or calls a function whose shape changed between the releases it
 * supports (0.15, 0.18, 0.19, 0.20). Each function names what changed and when. The module has
 * its own compatibility file; this one only uses wlroots' public headers.
 */
#ifndef REFERENCE_COMPAT_H
#define REFERENCE_COMPAT_H

#include <stdbool.h>
#include <stdint.h>

#include <wayland-server-core.h>
#include <wlr/version.h>

#define COMPAT_WLR_VERSION(major, minor) (((major) << 16) | ((minor) << 8))
#define COMPAT_WLR_AT_LEAST(major, minor) (WLR_VERSION_NUM >= COMPAT_WLR_VERSION(major, minor))

#define COMPAT_WLR_BEFORE(major, minor) (WLR_VERSION_NUM < COMPAT_WLR_VERSION(major, minor))

#if !((COMPAT_WLR_AT_LEAST(0, 15) && COMPAT_WLR_BEFORE(0, 16)) || \
		(COMPAT_WLR_AT_LEAST(0, 18) && COMPAT_WLR_BEFORE(0, 21)))
#error "reference/compat.c supports wlroots 0.15, 0.18, 0.19 and 0.20: add this release there"
#endif

struct wlr_backend;
struct wlr_box;
struct wlr_buffer;
struct wlr_input_device;
struct wlr_keyboard;
struct wlr_output;
struct wlr_output_layout;
struct wlr_renderer;
struct wlr_scene;
struct wlr_scene_node;
struct wlr_scene_output;
struct wlr_scene_rect;
struct wlr_scene_tree;
struct wlr_seat;
struct wlr_surface;
struct wlr_xdg_popup;
struct wlr_xdg_shell;
struct wlr_xdg_surface;
struct wlr_xdg_toplevel;

/*
 * The keyboard key event of wlr_keyboard.events.key: struct wlr_event_keyboard_key in 0.15,
 * struct wlr_keyboard_key_event from 0.16 (same fields).
 */
#if COMPAT_WLR_AT_LEAST(0, 16)
#define compat_keyboard_key_event wlr_keyboard_key_event
#else
#define compat_keyboard_key_event wlr_event_keyboard_key
#endif

/* Backends */

/**
 * The backend wlroots picks for the environment, or NULL (logged by wlroots).
 * 0.15-0.16: takes the display. 0.17: and a session pointer. 0.18: the event loop instead.
 */
struct wlr_backend *compat_backend_autocreate(struct wl_display *display);

/** A headless backend with no outputs. 0.15-0.17: the display; 0.18: the event loop. */
struct wlr_backend *compat_headless_backend_create(struct wl_display *display);

/* Buffers */

/** Whether buffer is a wlr_client_buffer (a surface's copy of a client buffer). */
bool compat_buffer_is_client_buffer(struct wlr_buffer *buffer);

/* Globals */

/**
 * wl_compositor and wl_subcompositor. 0.15: one call makes both. 0.16: a separate
 * wlr_subcompositor_create. 0.17: wlr_compositor_create takes a version.
 */
bool compat_compositor_create(struct wl_display *display, struct wlr_renderer *renderer);

/** xdg_wm_base. 0.15: version 2, implied. 0.16: the version is an argument. */
struct wlr_xdg_shell *compat_xdg_shell_create(struct wl_display *display);

/* Outputs */

/** 0.15-0.17: wlr_output_layout_create(void). 0.18: takes the display. */
struct wlr_output_layout *compat_output_layout_create(struct wl_display *display);

/**
 * The output's box in layout coordinates; empty if it is not in the layout.
 * 0.15: a pointer to the layout's box, NULL if absent. 0.16: fills the caller's box.
 */
void compat_output_layout_get_box(struct wlr_output_layout *layout, struct wlr_output *output,
		struct wlr_box *box);

/**
 * Enables the output and commits: with a mode of width x height when width > 0 (a custom mode:
 * the DRM backend makes its timings), else its preferred mode (a headless output keeps its size).
 * 0.15: the output's pending state. 0.18: a struct wlr_output_state (the pending-state
 * functions are gone).
 */
bool compat_output_enable(struct wlr_output *output, int width, int height);

/**
 * The buffer an output commit is about to show (rendered, or a client's scanned out), or NULL;
 * from a wlr_output.events.precommit handler. 0.15: the output's pending state (the commit
 * event has no buffer for direct scan-out). 0.17: event->state.
 */
struct wlr_buffer *compat_output_precommit_buffer(void *precommit_event);

/** Whether a commit (wlr_output.events.commit) carried a buffer. 0.17: event->state. */
bool compat_output_commit_has_buffer(void *commit_event);

/* Scene graph */

/**
 * Trees: at the top of the scene's root, and under a tree. 0.15: parents are nodes and the
 * root is scene->node. 0.16: parents are trees, the root is scene->tree.
 */
struct wlr_scene_tree *compat_scene_add_tree(struct wlr_scene *scene);
struct wlr_scene_tree *compat_scene_tree_create(struct wlr_scene_tree *parent);
struct wlr_scene_rect *compat_scene_rect_create(struct wlr_scene_tree *parent, int width,
		int height, const float color[static 4]);

/**
 * A tree showing an xdg_surface (and its subsurfaces and popups' trees), under parent; destroyed
 * with the surface. 0.15: takes and returns nodes. 0.16: trees.
 */
struct wlr_scene_tree *compat_scene_xdg_surface_create(struct wlr_scene_tree *parent,
		struct wlr_xdg_surface *xdg_surface);

/** Renders or scans out the scene on the output. 0.17: takes an options pointer. */
bool compat_scene_output_commit(struct wlr_scene_output *scene_output);

/** Destroys the scene. 0.15: scene->node. 0.16: scene->tree.node. */
void compat_scene_destroy(struct wlr_scene *scene);

/**
 * A node's position and whether it is enabled. 0.15: node->state.{x,y,enabled}. 0.16: the
 * fields moved to the node itself.
 */
void compat_scene_node_get_position(struct wlr_scene_node *node, int *x, int *y);
bool compat_scene_node_is_enabled(struct wlr_scene_node *node);

/* xdg-shell */

/**
 * Tells of new toplevels and popups, each once it has its role. 0.15: xdg_shell.new_surface,
 * emitted when the role is given. 0.18: new_surface comes before any role; new_toplevel and
 * new_popup come with it.
 */
struct compat_xdg_shell_events {
	void (*new_toplevel)(struct compat_xdg_shell_events *events, struct wlr_xdg_toplevel *toplevel);
	void (*new_popup)(struct compat_xdg_shell_events *events, struct wlr_xdg_popup *popup);

	struct wl_listener new_surface;
	struct wl_listener new_toplevel_listener;
	struct wl_listener new_popup_listener;
};
void compat_xdg_shell_events_init(struct compat_xdg_shell_events *events,
		struct wlr_xdg_shell *shell);
/** Removes the listeners; safe on a zeroed struct and twice. */
void compat_xdg_shell_events_finish(struct compat_xdg_shell_events *events);

/** A toplevel's and a popup's xdg_surface; its wlr_surface. */
struct wlr_xdg_surface *compat_xdg_toplevel_base(struct wlr_xdg_toplevel *toplevel);
struct wlr_xdg_surface *compat_xdg_popup_base(struct wlr_xdg_popup *popup);
struct wlr_surface *compat_xdg_surface_surface(struct wlr_xdg_surface *xdg_surface);
/** The popup's parent surface (may be NULL until the client sets one). */
struct wlr_surface *compat_xdg_popup_parent(struct wlr_xdg_popup *popup);

/** Map and unmap. 0.15-0.16: xdg_surface.events. 0.17: wlr_surface.events. */
struct wl_signal *compat_xdg_surface_map_signal(struct wlr_xdg_surface *xdg_surface);
struct wl_signal *compat_xdg_surface_unmap_signal(struct wlr_xdg_surface *xdg_surface);

/**
 * Emitted when a toplevel or popup goes; its xdg_surface may outlive it. 0.15: the
 * xdg_surface's destroy (toplevel and surface went together). 0.18: the role object's own.
 */
struct wl_signal *compat_xdg_toplevel_destroy_signal(struct wlr_xdg_toplevel *toplevel);
struct wl_signal *compat_xdg_popup_destroy_signal(struct wlr_xdg_popup *popup);

/**
 * From a wl_surface.commit handler: whether this is the surface's initial commit, which the
 * compositor must answer with a configure. 0.15: never (wlroots sends the initial configure
 * itself). 0.18: xdg_surface->initial_commit.
 */
bool compat_xdg_surface_is_initial_commit(struct wlr_xdg_surface *xdg_surface);

/**
 * Whether the surface's initial commit was handled, so that a configure may be scheduled.
 * 0.15: always (a configure may go any time). 0.18: xdg_surface->initialized; scheduling one
 * before is a protocol violation wlroots refuses.
 */
bool compat_xdg_surface_can_configure(struct wlr_xdg_surface *xdg_surface);

/** The xdg_surface whose role surface is surface, or NULL. 0.17: a single call. */
struct wlr_xdg_surface *compat_xdg_surface_try_from_surface(struct wlr_surface *surface);

/** The toplevel of an xdg_surface with that role, else NULL. */
struct wlr_xdg_toplevel *compat_xdg_surface_toplevel(struct wlr_xdg_surface *xdg_surface);

/** The window geometry. 0.19: a field; before, wlr_xdg_surface_get_geometry. */
void compat_xdg_surface_get_geometry(struct wlr_xdg_surface *xdg_surface, struct wlr_box *box);

/**
 * What the client asked for: fullscreen, and on which output (NULL: any).
 */
bool compat_xdg_toplevel_requested_fullscreen(struct wlr_xdg_toplevel *toplevel,
		struct wlr_output **output);

/** Toplevel state changes; each schedules a configure. 0.15: they take the xdg_surface. */
void compat_xdg_toplevel_set_size(struct wlr_xdg_toplevel *toplevel, int width, int height);
void compat_xdg_toplevel_set_activated(struct wlr_xdg_toplevel *toplevel, bool activated);
void compat_xdg_toplevel_set_fullscreen(struct wlr_xdg_toplevel *toplevel, bool fullscreen);

/** request_fullscreen and request_maximize (no change, here to keep field access in one place). */
struct wl_signal *compat_xdg_toplevel_request_fullscreen_signal(struct wlr_xdg_toplevel *toplevel);
struct wl_signal *compat_xdg_toplevel_request_maximize_signal(struct wlr_xdg_toplevel *toplevel);

/* Input */

/** The keyboard of a keyboard device. 0.15: device->keyboard. 0.16: a function. */
struct wlr_keyboard *compat_keyboard_from_input_device(struct wlr_input_device *device);

/** The seat's current keyboard. 0.15: takes the device. 0.16: the struct wlr_keyboard. */
void compat_seat_set_keyboard(struct wlr_seat *seat, struct wlr_input_device *device);

#endif
