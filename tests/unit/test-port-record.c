/*
 * unit-port-record: SipHash-2-4 against the test vectors its authors published, and the
 * authentication of port records: any change to any bit of a record, another key or another
 * serial is refused.
 */
#ifdef NDEBUG
#error "tests must be built without NDEBUG"
#endif

#include "common-check.h"
#include "iosurface-common.h"

/*
 * SipHash-2-4 with the key 00 01 02 ... 0f of the message 00 01 02 ... (i - 1), for i from 0
 * to 63: the vectors of the SipHash paper's reference implementation.
 */
static const uint64_t vectors[64] = {
	0x726fdb47dd0e0e31ull, 0x74f839c593dc67fdull, 0x0d6c8009d9a94f5aull, 0x85676696d7fb7e2dull,
	0xcf2794e0277187b7ull, 0x18765564cd99a68dull, 0xcbc9466e58fee3ceull, 0xab0200f58b01d137ull,
	0x93f5f5799a932462ull, 0x9e0082df0ba9e4b0ull, 0x7a5dbbc594ddb9f3ull, 0xf4b32f46226bada7ull,
	0x751e8fbc860ee5fbull, 0x14ea5627c0843d90ull, 0xf723ca908e7af2eeull, 0xa129ca6149be45e5ull,
	0x3f2acc7f57c29bdbull, 0x699ae9f52cbe4794ull, 0x4bc1b3f0968dd39cull, 0xbb6dc91da77961bdull,
	0xbed65cf21aa2ee98ull, 0xd0f2cbb02e3b67c7ull, 0x93536795e3a33e88ull, 0xa80c038ccd5ccec8ull,
	0xb8ad50c6f649af94ull, 0xbce192de8a85b8eaull, 0x17d835b85bbb15f3ull, 0x2f2e6163076bcfadull,
	0xde4daaaca71dc9a5ull, 0xa6a2506687956571ull, 0xad87a3535c49ef28ull, 0x32d892fad841c342ull,
	0x7127512f72f27cceull, 0xa7f32346f95978e3ull, 0x12e0b01abb051238ull, 0x15e034d40fa197aeull,
	0x314dffbe0815a3b4ull, 0x027990f029623981ull, 0xcadcd4e59ef40c4dull, 0x9abfd8766a33735cull,
	0x0e3ea96b5304a7d0ull, 0xad0c42d6fc585992ull, 0x187306c89bc215a9ull, 0xd4a60abcf3792b95ull,
	0xf935451de4f21df2ull, 0xa9538f0419755787ull, 0xdb9acddff56ca510ull, 0xd06c98cd5c0975ebull,
	0xe612a3cb9ecba951ull, 0xc766e62cfcadaf96ull, 0xee64435a9752fe72ull, 0xa192d576b245165aull,
	0x0a8787bf8ecb74b2ull, 0x81b3e73d20b49b6full, 0x7fa8220ba3b2eceaull, 0x245731c13ca42499ull,
	0xb78dbfaf3a8d83bdull, 0xea1ad565322a1a0bull, 0x60e61c23a3795013ull, 0x6606d7e446282b93ull,
	0x6ca4ecb15c5f91e1ull, 0x9f626da15c9625f3ull, 0xe51b38608ef25f57ull, 0x958a324ceb064572ull,
};

static void siphash_published_vectors(void) {
	uint8_t key[IOS_PORT_KEY_SIZE], msg[64];
	for (int i = 0; i < IOS_PORT_KEY_SIZE; i++) {
		key[i] = (uint8_t)i;
	}
	for (int i = 0; i < 64; i++) {
		msg[i] = (uint8_t)i;
	}
	for (size_t len = 0; len < 64; len++) {
		check_context("message of %zu bytes", len);
		CHECK_EQ(ios_siphash24(key, msg, len), vectors[len]);
	}
}

static void fill_key(uint8_t key[IOS_PORT_KEY_SIZE], uint8_t seed) {
	for (int i = 0; i < IOS_PORT_KEY_SIZE; i++) {
		key[i] = (uint8_t)(seed * 37 + i * 101 + 7);
	}
}

static void record_round_trip(void) {
	uint8_t key[IOS_PORT_KEY_SIZE];
	fill_key(key, 1);
	struct ios_port_record in = { 42, 7, IOS_PORT_FLAG_READ_ONLY }, out = { 0 };
	uint8_t buf[IOS_PORT_RECORD_SIZE];
	ios_port_record_encode(key, 1234, &in, buf);
	// The layout the protocol documents: magic, id, slot, flags, tag, little-endian.
	CHECK_EQ(buf[0], 0x54);
	CHECK_EQ(buf[3], 0x49);
	CHECK_EQ(buf[4], 42);
	CHECK_EQ(buf[8], 7);
	CHECK_EQ(buf[12], 1);
	uint8_t msg[16] = { 0xd2, 0x04, 0, 0, 42, 0, 0, 0, 7, 0, 0, 0, 1, 0, 0, 0 };
	uint64_t tag = ios_siphash24(key, msg, sizeof(msg));
	for (int i = 0; i < 8; i++) {
		CHECK_EQ(buf[16 + i], (uint8_t)(tag >> (8 * i)));
	}
	CHECK(ios_port_record_decode(key, 1234, buf, &out));
	CHECK_EQ(out.surface_id, 42);
	CHECK_EQ(out.slot, 7);
	CHECK_EQ(out.flags, IOS_PORT_FLAG_READ_ONLY);
}

static void record_any_bit_flip_is_refused(void) {
	uint8_t key[IOS_PORT_KEY_SIZE];
	fill_key(key, 2);
	struct ios_port_record in = { 3, 1, IOS_PORT_FLAG_READ_ONLY };
	uint8_t buf[IOS_PORT_RECORD_SIZE];
	ios_port_record_encode(key, 9, &in, buf);
	for (int bit = 0; bit < IOS_PORT_RECORD_SIZE * 8; bit++) {
		check_context("bit %d flipped", bit);
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		struct ios_port_record out = { 0xdead, 0xbeef, 0xf00 };
		CHECK(!ios_port_record_decode(key, 9, buf, &out));
		// Refused records leave the output alone.
		CHECK_EQ(out.surface_id, 0xdead);
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	check_context_clear();
	struct ios_port_record out;
	CHECK(ios_port_record_decode(key, 9, buf, &out));
}

static void record_other_key_or_serial_is_refused(void) {
	uint8_t key[IOS_PORT_KEY_SIZE], other[IOS_PORT_KEY_SIZE];
	fill_key(key, 3);
	struct ios_port_record in = { 5, 2, 0 }, out;
	uint8_t buf[IOS_PORT_RECORD_SIZE];
	ios_port_record_encode(key, 77, &in, buf);
	// Another port's serial: a record replayed into another port of the same key.
	CHECK(!ios_port_record_decode(key, 78, buf, &out));
	CHECK(!ios_port_record_decode(key, 76, buf, &out));
	// Any other key, however close.
	for (int bit = 0; bit < IOS_PORT_KEY_SIZE * 8; bit++) {
		check_context("key bit %d flipped", bit);
		for (int i = 0; i < IOS_PORT_KEY_SIZE; i++) {
			other[i] = key[i];
		}
		other[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		CHECK(!ios_port_record_decode(other, 77, buf, &out));
	}
	check_context_clear();
	CHECK(ios_port_record_decode(key, 77, buf, &out));
}

int main(void) {
	RUN_TEST(siphash_published_vectors);
	RUN_TEST(record_round_trip);
	RUN_TEST(record_any_bit_flip_is_refused);
	RUN_TEST(record_other_key_or_serial_is_refused);
	return check_report();
}
