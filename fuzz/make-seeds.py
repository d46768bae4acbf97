#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz targets into fuzz/corpus/<target>/.

The seeds are committed; run this only to regenerate them after the input format of a target
changes (see the comment at the top of fuzz-layout.c, and the value encoding in
common/iosurface-common.h). Files it does not name are left alone, so inputs saved from fuzzing
runs can sit beside them.
"""

import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data):
    folder = os.path.join(HERE, 'corpus', target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), 'wb') as f:
        f.write(data)


# ---- fuzz-value-decode: the value encoding ----

def s(text):
    raw = text.encode('utf-8')
    return b's' + struct.pack('<I', len(raw)) + raw


def x(raw):
    return b'x' + struct.pack('<I', len(raw)) + raw


def i(n):
    return b'i' + struct.pack('<q', n)


def d(f):
    return b'd' + struct.pack('<d', f)


def b(flag):
    return b'b' + bytes([1 if flag else 0])


def a(*items):
    return b'a' + struct.pack('<I', len(items)) + b''.join(items)


def m(*entries):
    out = b'm' + struct.pack('<I', len(entries))
    for key, item in entries:
        raw = key.encode('utf-8')
        out += struct.pack('<I', len(raw)) + raw + item
    return out


def nest_dictionaries(keys, leaf):
    for key in reversed(keys):
        leaf = m((key, leaf))
    return leaf


def nest(levels, leaf):
    for _ in range(levels):
        leaf = a(leaf)
    return leaf


VALUES = {
    'integer': i(1920),
    'integer-min': i(-2**63),
    'double': d(29.97),
    'double-nan': d(float('nan')),
    'double-negative-zero': d(-0.0),
    'true': b(True),
    'string': s('camera 1'),
    'string-empty': s(''),
    'string-utf8': s('日本語 ✓'),
    'bytes': x(b'\x00\xff\x00\x01'),
    'bytes-empty': x(b''),
    'array-empty': a(),
    'dictionary-empty': m(),
    'array-mixed': a(i(1), d(2.5), b(False), s('three'), x(b'4'), a(), m()),
    'dictionary': m(('width', i(1920)), ('height', i(1080)), ('name', s('preview'))),
    'sample': m(('name', s('camera 1')), ('size', a(i(1920), i(1080))), ('rate', d(29.97)),
                ('hdr', b(False)), ('lut', x(b'\x00\xff\x00\x01')),
                ('meta', m(('tags', a(s('a'), s(''), b(True))), ('empty', m()), ('none', a())))),
    'deepest': nest(7, i(0)),
    'deepest-dictionaries': nest_dictionaries('abcdefg', b(True)),
}

# ---- fuzz-layout: the request encoding of fuzz-layout.c ----

FORMATS = ['ARGB8888', 'XRGB8888', 'ABGR8888', 'XBGR8888', 'RGBA8888', 'BGRA8888',
           'ARGB2101010', 'ABGR16161616F', 'R8', 'R16', 'GR88', 'GR1616', 'NV12', 'NV16',
           'NV24', 'P010', 'P210', 'YUV420', 'YUYV', 'UYVY']  # the order of common/format.c
RAW_FOURCC = len(FORMATS)


def field(v):
    if v == 0:
        return b'\0'
    if v < 0x100:
        return b'\1' + bytes([v])
    if v < 0x10000:
        return b'\2' + struct.pack('<H', v)
    return b'\3' + struct.pack('<I', v)


def request(fmt, width, height, bpe=0, ew=0, eh=0, bpr=0, offset=0, alloc=0, plane_count=0,
            planes=None, limits=None, fourcc=0):
    out = bytes([fmt])
    if fmt == RAW_FOURCC:
        out += struct.pack('<I', fourcc)
    if limits is None:
        out += b'\0'
    else:
        out += b'\1' + struct.pack('<H', limits[0] - 1) + field(limits[1])
    for v in (width, height, bpe, ew, eh, bpr, offset, alloc):
        out += field(v)
    out += bytes([plane_count])
    planes = planes or {}
    mask = 0
    for index in planes:
        mask |= 1 << index
    out += bytes([mask])
    for index in sorted(planes):
        p = planes[index]
        for key in ('width', 'height', 'bpr', 'bpe', 'ew', 'eh', 'offset', 'size'):
            out += field(p.get(key, 0))
    return out


def fmt(name):
    return FORMATS.index(name)


ZZ99 = 0x5a5a3939

LAYOUTS = {
    'argb-1080p': request(fmt('ARGB8888'), 1920, 1080),
    'nv12-planes-explicit': request(fmt('NV12'), 1920, 1080, planes={
        1: {'offset': 4 << 20, 'bpr': 4096}}),
    'nv12-chroma-first': request(fmt('NV12'), 1920, 1080, planes={
        0: {'offset': 64 + 1036800}, 1: {'offset': 64}}),
    'nv12-overlap': request(fmt('NV12'), 1920, 1080, planes={1: {'offset': 64}}),
    'nv12-plane-count-mismatch': request(fmt('NV12'), 64, 64, plane_count=3),
    'unknown-bpe2': request(RAW_FOURCC, 100, 10, bpe=2, fourcc=ZZ99),
    'unknown-no-bpe': request(RAW_FOURCC, 100, 10, fourcc=ZZ99),
    'unknown-planar': request(RAW_FOURCC, 640, 480, bpe=1, plane_count=3, fourcc=ZZ99, planes={
        1: {'width': 320, 'height': 240, 'bpe': 2}, 2: {'bpe': 4, 'size': 1 << 21}}),
    'limits-1mib': request(fmt('ARGB8888'), 512, 512, limits=(4096, 1 << 20)),
    'overflow-16k-bpe64': request(RAW_FOURCC, 16384, 16384, bpe=64, fourcc=ZZ99),
    'max-argb-16k': request(fmt('ARGB8888'), 16384, 16384),
    'explicit-argb': request(fmt('ARGB8888'), 1920, 1080, bpr=8192, offset=4096, alloc=9 << 20),
    'bpr-too-small': request(fmt('ARGB8888'), 1920, 1080, bpr=7616),
    'yuyv-element-height': request(fmt('YUYV'), 1921, 1081, eh=16),
    'bpe-65': request(fmt('ARGB8888'), 64, 64, bpe=65),
    'width-0': request(fmt('ARGB8888'), 0, 64),
}
for name in FORMATS:
    LAYOUTS['default-' + name.lower() + '-odd'] = request(fmt(name), 1921, 1081)


def main():
    for name, data in VALUES.items():
        write('fuzz-value-decode', name, data)
    for name, data in LAYOUTS.items():
        write('fuzz-layout', name, data)


if __name__ == '__main__':
    main()
