/*
 * The value codec of the client library: struct iosurface_value to and from the encoding
 * described in common/iosurface-common.h, whose ios_value_validate the compositor uses. Here,
 * not in common/, because it builds the client's public value type. Never installed.
 */
#ifndef CLIENT_LIB_VALUE_CODEC_H
#define CLIENT_LIB_VALUE_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include <iosurface/iosurface.h>

#include "iosurface-common.h"

/* Encodes v into a new buffer (*out, malloc'd) of *out_len bytes; 0 or a negative errno. */
int ios_value_encode(const struct iosurface_value *v, uint8_t **out, size_t *out_len);
/* Decodes exactly len bytes; returns NULL with errno EINVAL on any malformed input. */
struct iosurface_value *ios_value_decode(const uint8_t *data, size_t len);

#endif
