/*
 * Input: keyboards (the keymap from XKB_DEFAULT_*, Alt+Escape to quit) and the selection.
 * There is no cursor: pointers, touch and tablets are left alone.
 */
#include <stdlib.h>

#include <wlr/types/wlr_data_device.h>
#include <wlr/types/wlr_input_device.h>
#include <wlr/types/wlr_keyboard.h>
#include <wlr/types/wlr_seat.h>
#include <wlr/util/log.h>
#include <xkbcommon/xkbcommon.h>

#include "reference.h"

static void keyboard_handle_modifiers(struct wl_listener *listener, void *data) {
	struct keyboard *keyboard = wl_container_of(listener, keyboard, modifiers);
	// The seat sends to clients the state of its current keyboard; make it this one.
	compat_seat_set_keyboard(keyboard->server->seat, keyboard->device);
	wlr_seat_keyboard_notify_modifiers(keyboard->server->seat, &keyboard->wlr_keyboard->modifiers);
}

static void keyboard_handle_key(struct wl_listener *listener, void *data) {
	struct keyboard *keyboard = wl_container_of(listener, keyboard, key);
	struct server *server = keyboard->server;
	struct compat_keyboard_key_event *event = data;

	// Alt+Escape is the one binding of the compositor: without it a DRM or nested session
	// could not be left from the keyboard.
	uint32_t modifiers = wlr_keyboard_get_modifiers(keyboard->wlr_keyboard);
	if ((modifiers & WLR_MODIFIER_ALT) && event->state == WL_KEYBOARD_KEY_STATE_PRESSED) {
		const xkb_keysym_t *syms;
		// libinput keycodes are evdev codes; xkb's are offset by 8.
		int count = xkb_state_key_get_syms(keyboard->wlr_keyboard->xkb_state, event->keycode + 8,
				&syms);
		for (int i = 0; i < count; i++) {
			if (syms[i] == XKB_KEY_Escape) {
				wl_display_terminate(server->display);
				return;
			}
		}
	}

	compat_seat_set_keyboard(server->seat, keyboard->device);
	wlr_seat_keyboard_notify_key(server->seat, event->time_msec, event->keycode, event->state);
}

static void server_update_capabilities(struct server *server) {
	uint32_t caps = 0;
	if (!wl_list_empty(&server->keyboards)) {
		caps |= WL_SEAT_CAPABILITY_KEYBOARD;
	}
	wlr_seat_set_capabilities(server->seat, caps);
}

static void keyboard_handle_destroy(struct wl_listener *listener, void *data) {
	struct keyboard *keyboard = wl_container_of(listener, keyboard, destroy);
	struct server *server = keyboard->server;
	wl_list_remove(&keyboard->modifiers.link);
	wl_list_remove(&keyboard->key.link);
	wl_list_remove(&keyboard->destroy.link);
	wl_list_remove(&keyboard->link);
	free(keyboard);
	server_update_capabilities(server);
}

static void server_new_keyboard(struct server *server, struct wlr_input_device *device) {
	struct wlr_keyboard *wlr_keyboard = compat_keyboard_from_input_device(device);

	// The keymap comes from the XKB_DEFAULT_* variables, else xkbcommon's defaults.
	struct xkb_context *context = xkb_context_new(XKB_CONTEXT_NO_FLAGS);
	if (context == NULL) {
		wlr_log(WLR_ERROR, "Keyboard %s: cannot create an xkb context", device->name);
		return;
	}
	struct xkb_keymap *keymap = xkb_keymap_new_from_names(context, NULL,
			XKB_KEYMAP_COMPILE_NO_FLAGS);
	xkb_context_unref(context);
	if (keymap == NULL) {
		wlr_log(WLR_ERROR, "Keyboard %s: cannot compile a keymap", device->name);
		return;
	}
	bool keymap_set = wlr_keyboard_set_keymap(wlr_keyboard, keymap);
	xkb_keymap_unref(keymap);
	if (!keymap_set) {
		wlr_log(WLR_ERROR, "Keyboard %s: cannot set its keymap", device->name);
		return;
	}
	wlr_keyboard_set_repeat_info(wlr_keyboard, 25, 600);

	struct keyboard *keyboard = calloc(1, sizeof(*keyboard));
	if (keyboard == NULL) {
		wlr_log(WLR_ERROR, "Out of memory for keyboard %s", device->name);
		return;
	}
	keyboard->server = server;
	keyboard->device = device;
	keyboard->wlr_keyboard = wlr_keyboard;
	keyboard->modifiers.notify = keyboard_handle_modifiers;
	wl_signal_add(&wlr_keyboard->events.modifiers, &keyboard->modifiers);
	keyboard->key.notify = keyboard_handle_key;
	wl_signal_add(&wlr_keyboard->events.key, &keyboard->key);
	keyboard->destroy.notify = keyboard_handle_destroy;
	wl_signal_add(&device->events.destroy, &keyboard->destroy);
	wl_list_insert(&server->keyboards, &keyboard->link);

	compat_seat_set_keyboard(server->seat, device);
	server_update_capabilities(server);
}

void input_handle_new(struct wl_listener *listener, void *data) {
	struct server *server = wl_container_of(listener, server, new_input);
	struct wlr_input_device *device = data;
	if (device->type == WLR_INPUT_DEVICE_KEYBOARD) {
		server_new_keyboard(server, device);
	} else {
		// There is no cursor: pointers, touch and tablets are left alone.
		wlr_log(WLR_DEBUG, "Ignoring input device %s", device->name);
	}
}

void input_handle_request_set_selection(struct wl_listener *listener, void *data) {
	struct server *server = wl_container_of(listener, server, request_set_selection);
	struct wlr_seat_request_set_selection_event *event = data;
	wlr_seat_set_selection(server->seat, event->source, event->serial);
}
