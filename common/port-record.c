/*
 * The port record and its authentication. A record binds a port to one of its issuer's
 * surfaces; whoever else holds the port's descriptor can read and write the pipe too, so the
 * record carries a tag computed under a key that only the issuer's connection was told
 * (iosurface_manager_v1.port). The tag is SipHash-2-4 (Aumasson and Bernstein, 2012), a
 * pseudorandom function keyed with 128 bits, with a 64-bit output.
 */
#include <string.h>

#include "iosurface-common.h"

static uint64_t load_le64(const uint8_t *p) {
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--) {
		v = v << 8 | p[i];
	}
	return v;
}

static void store_le64(uint8_t *p, uint64_t v) {
	for (int i = 0; i < 8; i++) {
		p[i] = (uint8_t)(v >> (8 * i));
	}
}

static uint32_t load_le32(const uint8_t *p) {
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void store_le32(uint8_t *p, uint32_t v) {
	for (int i = 0; i < 4; i++) {
		p[i] = (uint8_t)(v >> (8 * i));
	}
}

static inline uint64_t rotl(uint64_t x, unsigned b) {
	return x << b | x >> (64 - b);
}

struct sip_state {
	uint64_t v0, v1, v2, v3;
};

static void sip_round(struct sip_state *s) {
	s->v0 += s->v1;
	s->v1 = rotl(s->v1, 13);
	s->v1 ^= s->v0;
	s->v0 = rotl(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = rotl(s->v3, 16);
	s->v3 ^= s->v2;
	s->v0 += s->v3;
	s->v3 = rotl(s->v3, 21);
	s->v3 ^= s->v0;
	s->v2 += s->v1;
	s->v1 = rotl(s->v1, 17);
	s->v1 ^= s->v2;
	s->v2 = rotl(s->v2, 32);
}

/* One message word: two compression rounds. */
static void sip_compress(struct sip_state *s, uint64_t m) {
	s->v3 ^= m;
	sip_round(s);
	sip_round(s);
	s->v0 ^= m;
}

uint64_t ios_siphash24(const uint8_t key[IOS_PORT_KEY_SIZE], const void *data, size_t len) {
	uint64_t k0 = load_le64(key), k1 = load_le64(key + 8);
	// The initial constants spell "somepseudorandomlygeneratedbytes".
	struct sip_state s = {
		k0 ^ 0x736f6d6570736575ull,
		k1 ^ 0x646f72616e646f6dull,
		k0 ^ 0x6c7967656e657261ull,
		k1 ^ 0x7465646279746573ull,
	};
	const uint8_t *p = data;
	size_t whole = len - len % 8;
	for (size_t i = 0; i < whole; i += 8) {
		sip_compress(&s, load_le64(p + i));
	}
	// The last word holds the remaining bytes and, in its top byte, the length mod 256.
	uint64_t last = (uint64_t)(len & 0xff) << 56;
	for (size_t i = 0; i < len % 8; i++) {
		last |= (uint64_t)p[whole + i] << (8 * i);
	}
	sip_compress(&s, last);
	// Finalization: four rounds.
	s.v2 ^= 0xff;
	for (int i = 0; i < 4; i++) {
		sip_round(&s);
	}
	return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

/* The tag covers the port's serial and the three fields, each a little-endian word. */
static uint64_t record_tag(const uint8_t key[IOS_PORT_KEY_SIZE], uint32_t serial,
		const struct ios_port_record *record) {
	uint8_t msg[16];
	store_le32(msg, serial);
	store_le32(msg + 4, record->surface_id);
	store_le32(msg + 8, record->slot);
	store_le32(msg + 12, record->flags);
	return ios_siphash24(key, msg, sizeof(msg));
}

void ios_port_record_encode(const uint8_t key[IOS_PORT_KEY_SIZE], uint32_t serial,
		const struct ios_port_record *record, uint8_t out[IOS_PORT_RECORD_SIZE]) {
	store_le32(out, IOS_PORT_MAGIC);
	store_le32(out + 4, record->surface_id);
	store_le32(out + 8, record->slot);
	store_le32(out + 12, record->flags);
	store_le64(out + 16, record_tag(key, serial, record));
}

bool ios_port_record_decode(const uint8_t key[IOS_PORT_KEY_SIZE], uint32_t serial,
		const uint8_t in[IOS_PORT_RECORD_SIZE], struct ios_port_record *record) {
	struct ios_port_record r = {
		.surface_id = load_le32(in + 4),
		.slot = load_le32(in + 8),
		.flags = load_le32(in + 12),
	};
	uint8_t expected[8];
	store_le64(expected, record_tag(key, serial, &r));
	// Every byte is compared whatever the others hold, so that the time taken tells nothing
	// of how much of a guessed tag was right.
	uint8_t diff = 0;
	for (int i = 0; i < 8; i++) {
		diff |= (uint8_t)(expected[i] ^ in[16 + i]);
	}
	if ((diff | (load_le32(in) != IOS_PORT_MAGIC)) != 0) {
		return false;
	}
	*record = r;
	return true;
}
