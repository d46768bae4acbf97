/*
 * The wlroots calls whose signatures changed after 0.15, in one place.
 *
 * The server module and the reference compositor call these instead of wlroots wherever a later
 * release renamed a function, changed its arguments or moved a field, so that supporting another
 * release means adding branches to wlr-compat.c and nothing else. Each function names what
 * 0.16, 0.17 and 0.18 changed. Only 0.15 is implemented; other releases stop the build here.
 *
 * Functions that kept their shape from 0.15 to 0.18 (wlr_renderer_autocreate,
 * wlr_allocator_autocreate, wlr_renderer_init_wl_display, wlr_output_init_render,
 * wlr_output_layout_add_auto, wlr_scene_output_create, wlr_scene_output_send_frame_done,
 * wlr_scene_node_*, wlr_seat_*, wlr_xdg_output_manager_v1_create,
 * wlr_screencopy_manager_v1_create, wlr_data_device_manager_create) are called directly.
 */
#ifndef COMPOSITOR_WLR_COMPAT_H
#define COMPOSITOR_WLR_COMPAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <wlr/version.h>

#define COMPAT_WLR_VERSION(major, minor, micro) (((major) << 16) | ((minor) << 8) | (micro))

#if WLR_VERSION_NUM < COMPAT_WLR_VERSION(0, 15, 0) || \
		WLR_VERSION_NUM >= COMPAT_WLR_VERSION(0, 16, 0)
#error "wlr-compat.c implements wlroots 0.15 only: add the branches for this release there"
#endif

struct wl_display;
struct wl_signal;
struct wlr_backend;
struct wlr_box;
struct wlr_buffer;
struct wlr_input_device;
struct wlr_keyboard;
struct wlr_output;
struct wlr_output_event_commit;
struct wlr_output_event_precommit;
struct wlr_output_layout;
struct wlr_renderer;
struct wlr_scene;
struct wlr_scene_output;
struct wlr_scene_rect;
struct wlr_scene_tree;
struct wlr_seat;
struct wlr_surface;
struct wlr_xdg_shell;
struct wlr_xdg_surface;
struct wlr_xdg_toplevel;

/*
 * The keyboard key event passed to wlr_keyboard.events.key: struct wlr_event_keyboard_key in
 * 0.15, renamed struct wlr_keyboard_key_event in 0.16 (same fields).
 */
#define ios_compat_keyboard_key_event wlr_event_keyboard_key

/* Buffers and renderer */

/**
 * The DRM formats the renderer can make textures of from CPU memory. The array belongs to the
 * renderer and lives as long as it; *len receives its length.
 *
 * 0.15-0.17: wlr_renderer_get_shm_texture_formats. 0.18 replaced it with
 * wlr_renderer_get_texture_formats(renderer, WLR_BUFFER_CAP_DATA_PTR), a wlr_drm_format_set:
 * that branch has to keep an array of its .format fields for the renderer's lifetime.
 */
const uint32_t *ios_compat_renderer_get_shm_formats(struct wlr_renderer *renderer, size_t *len);

/**
 * If buffer is a wlr_client_buffer (the texture-backed copy a wlr_surface keeps of what a
 * client attached), returns the buffer it was made from; otherwise, or once that source is
 * destroyed, NULL. No reference is taken.
 *
 * 0.15-0.18: wlr_client_buffer_get(buffer)->source.
 */
struct wlr_buffer *ios_compat_client_buffer_source(struct wlr_buffer *buffer);

/* Backends */

/**
 * Creates the backend wlroots picks for the environment (WLR_BACKENDS, or DRM, Wayland, X11).
 * Returns NULL on failure (logged by wlroots).
 *
 * 0.15-0.16: wlr_backend_autocreate(display). 0.17: (display, struct wlr_session **).
 * 0.18: (wl_display_get_event_loop(display), struct wlr_session **).
 */
struct wlr_backend *ios_compat_backend_autocreate(struct wl_display *display);

/**
 * Creates a headless backend with no outputs; add them with wlr_headless_add_output().
 *
 * 0.15-0.17: wlr_headless_backend_create(display). 0.18: takes the event loop.
 */
struct wlr_backend *ios_compat_headless_backend_create(struct wl_display *display);

/* Globals */

/**
 * Creates wl_compositor and wl_subcompositor. Returns false on failure.
 *
 * 0.15: wlr_compositor_create(display, renderer) also makes the subcompositor. 0.16:
 * wlr_subcompositor_create(display) is a separate call. 0.17: wlr_compositor_create takes a
 * version (5) between display and renderer.
 */
bool ios_compat_compositor_create(struct wl_display *display, struct wlr_renderer *renderer);

/**
 * Creates the xdg_wm_base global.
 *
 * 0.15: wlr_xdg_shell_create(display), version 2. 0.16: takes the version to advertise (up
 * to 5 in 0.16, 6 in 0.17 and 0.18).
 */
struct wlr_xdg_shell *ios_compat_xdg_shell_create(struct wl_display *display);

/* Outputs */

/**
 * Creates an output layout.
 *
 * 0.15-0.17: wlr_output_layout_create(void). 0.18: takes the display.
 */
struct wlr_output_layout *ios_compat_output_layout_create(struct wl_display *display);

/**
 * Stores the output's box in layout coordinates in *box; an empty box if it is not in the
 * layout.
 *
 * 0.15: wlr_output_layout_get_box returns a pointer to a box the layout owns, NULL if the
 * output is not in it. 0.16: fills a box the caller passes (empty if not in the layout).
 */
void ios_compat_output_layout_get_box(struct wlr_output_layout *layout, struct wlr_output *output,
		struct wlr_box *box);

/**
 * Enables the output with its preferred mode (if it has modes; a headless output keeps its
 * custom size) and commits. Returns false if the backend refused.
 *
 * 0.15: wlr_output_set_mode/wlr_output_enable/wlr_output_commit on the output's pending
 * state. 0.16 added struct wlr_output_state and wlr_output_commit_state; 0.18 removed the
 * pending-state functions, so that branch fills a wlr_output_state.
 */
bool ios_compat_output_enable(struct wlr_output *output);

/**
 * The buffer an output commit is about to put on screen, rendered or scanned out directly, or
 * NULL if the commit carries none. Call from a wlr_output.events.precommit handler; valid
 * during it only. The commit may still fail.
 *
 * Needed because in 0.15 the commit event cannot tell: its event->buffer is the output's
 * rendered back buffer, NULL for a buffer scanned out directly. 0.15: the output's pending
 * state. 0.16: event->state (0.16 also fixed the commit event's buffer; 0.17 replaced it with
 * event->state).
 */
struct wlr_buffer *ios_compat_output_event_precommit_buffer(
		const struct wlr_output_event_precommit *event);

/**
 * Whether a successful output commit carried a buffer. Call from a wlr_output.events.commit
 * handler.
 *
 * 0.15-0.16: event->committed. 0.17: event->state->committed.
 */
bool ios_compat_output_event_commit_has_buffer(const struct wlr_output_event_commit *event);

/* Scene graph */

/**
 * Adds a tree at the top of the scene's root, and a tree under a tree.
 *
 * 0.15: every node takes a struct wlr_scene_node *parent and the root is scene->node. 0.16:
 * parents are struct wlr_scene_tree and the root is scene->tree. Keeping to trees here makes
 * the callers the same on both.
 */
struct wlr_scene_tree *ios_compat_scene_add_tree(struct wlr_scene *scene);
struct wlr_scene_tree *ios_compat_scene_tree_create(struct wlr_scene_tree *parent);

/** A solid rectangle under parent. 0.16: the parent is a tree (see above). */
struct wlr_scene_rect *ios_compat_scene_rect_create(struct wlr_scene_tree *parent, int width,
		int height, const float color[static 4]);

/**
 * A tree showing an xdg_surface and its subsurfaces, under parent, placed so that its origin is
 * the window geometry's top-left corner; popups go in the tree of their parent. The tree is
 * enabled while the surface is mapped and destroyed with the surface. Returns NULL on failure.
 *
 * 0.15: wlr_scene_xdg_surface_create takes and returns a node (the node of a tree). 0.16:
 * takes and returns a struct wlr_scene_tree.
 */
struct wlr_scene_tree *ios_compat_scene_xdg_surface_create(struct wlr_scene_tree *parent,
		struct wlr_xdg_surface *xdg_surface);

/**
 * Renders (or scans out) the scene on the output and commits. Returns false on failure.
 *
 * 0.15-0.16: wlr_scene_output_commit(scene_output). 0.17: takes an options pointer (NULL).
 */
bool ios_compat_scene_output_commit(struct wlr_scene_output *scene_output);

/**
 * Destroys the scene with every node and scene output in it.
 *
 * 0.15: wlr_scene_node_destroy(&scene->node). 0.16: &scene->tree.node.
 */
void ios_compat_scene_destroy(struct wlr_scene *scene);

/* xdg-shell */

/**
 * The signals emitted when an xdg_surface is mapped and unmapped.
 *
 * 0.15-0.16: xdg_surface->events.map/unmap. 0.17: moved to the wlr_surface:
 * xdg_surface->surface->events.map/unmap.
 */
struct wl_signal *ios_compat_xdg_surface_map_signal(struct wlr_xdg_surface *xdg_surface);
struct wl_signal *ios_compat_xdg_surface_unmap_signal(struct wlr_xdg_surface *xdg_surface);

/**
 * The xdg_surface whose role surface is surface, or NULL if it has none.
 *
 * 0.15-0.16: wlr_surface_is_xdg_surface() then wlr_xdg_surface_from_wlr_surface(). 0.17:
 * wlr_xdg_surface_try_from_wlr_surface().
 */
struct wlr_xdg_surface *ios_compat_xdg_surface_try_from_surface(struct wlr_surface *surface);

/**
 * Schedule a configure with the toplevel state changed; each returns its serial.
 *
 * 0.15: wlr_xdg_toplevel_set_* take the struct wlr_xdg_surface. 0.16: they take the struct
 * wlr_xdg_toplevel.
 */
uint32_t ios_compat_xdg_toplevel_set_size(struct wlr_xdg_toplevel *toplevel, uint32_t width,
		uint32_t height);
uint32_t ios_compat_xdg_toplevel_set_activated(struct wlr_xdg_toplevel *toplevel, bool activated);
uint32_t ios_compat_xdg_toplevel_set_fullscreen(struct wlr_xdg_toplevel *toplevel, bool fullscreen);

/* Input */

/**
 * The keyboard of an input device of type WLR_INPUT_DEVICE_KEYBOARD.
 *
 * 0.15: device->keyboard. 0.16: wlr_keyboard_from_input_device(device).
 */
struct wlr_keyboard *ios_compat_keyboard_from_input_device(struct wlr_input_device *device);

/**
 * Makes the device's keyboard the seat's current keyboard.
 *
 * 0.15: wlr_seat_set_keyboard takes the input device. 0.16: it takes the struct wlr_keyboard.
 */
void ios_compat_seat_set_keyboard(struct wlr_seat *seat, struct wlr_input_device *device);

#endif
