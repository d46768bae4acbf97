/*
 * The wlroots differences the server module depends on, in one place.
 *
 * The module calls these instead of wlroots wherever a release it supports (0.15, 0.18, 0.19,
 * 0.20) renamed a function, changed its arguments or moved a field, so that supporting another
 * release means adding a branch to wlr-compat.c and nothing else. Each function names what
 * changed and when. The reference compositor has its own compatibility file
 * (reference/compat.h): the module's is not part of its public header.
 */
#ifndef COMPOSITOR_WLR_COMPAT_H
#define COMPOSITOR_WLR_COMPAT_H

#include <stddef.h>
#include <stdint.h>

#include <wlr/version.h>

#define IOS_COMPAT_WLR_VERSION(major, minor, micro) (((major) << 16) | ((minor) << 8) | (micro))

#define IOS_COMPAT_WLR_IN(first, end) \
	(WLR_VERSION_NUM >= IOS_COMPAT_WLR_VERSION(0, first, 0) && \
			WLR_VERSION_NUM < IOS_COMPAT_WLR_VERSION(0, end, 0))

#if !(IOS_COMPAT_WLR_IN(15, 16) || IOS_COMPAT_WLR_IN(18, 21))
#error "wlr-compat.c supports wlroots 0.15, 0.18, 0.19 and 0.20: add the branches for this release"
#endif

/*
 * struct wlr_buffer_impl, wlr_buffer_init and the buffer resource interface, which buffer.c
 * implements: in wlr/types/wlr_buffer.h in 0.15, in wlr/interfaces/wlr_buffer.h from 0.16.
 */
#include <wlr/types/wlr_buffer.h>
#if WLR_VERSION_NUM >= IOS_COMPAT_WLR_VERSION(0, 16, 0)
#include <wlr/interfaces/wlr_buffer.h>
#endif

struct wlr_renderer;

/**
 * The DRM formats the renderer can make textures of from CPU memory, in an array the caller
 * frees; returns its length, 0 (and *formats NULL) if there are none or on allocation failure.
 *
 * 0.15-0.17: wlr_renderer_get_shm_texture_formats, an array of the renderer's. 0.18 replaced it
 * with wlr_renderer_get_texture_formats(renderer, WLR_BUFFER_CAP_DATA_PTR), a format set.
 */
size_t ios_compat_renderer_get_shm_formats(struct wlr_renderer *renderer, uint32_t **formats);

/**
 * If buffer is a wlr_client_buffer (the texture-backed copy a wlr_surface keeps of what a
 * client attached), returns the buffer it was made from; otherwise, or once that source is
 * released, NULL. No reference is taken.
 *
 * 0.15-0.20: wlr_client_buffer_get(buffer)->source.
 */
struct wlr_buffer *ios_compat_client_buffer_source(struct wlr_buffer *buffer);

#endif
