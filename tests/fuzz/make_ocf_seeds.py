#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_ocf into tests/fuzz/corpus/ocf/.

Each seed is a whole Avro object container file of schema counts-v1 (the
schema as Avro C writes it: compact, without docs), written by the small
encoder below: the codecs snappy (what the file sink writes), null and
deflate, one block and several, a file with no block, and damaged ones (cut
inside a block, a sync marker changed, a block count beyond every bound, a
count a record short, a string of length -1, a snappy block failing its
CRC-32, one stating an uncompressed size beyond the reader's limit, one
shorter than its checksum, one whose copy reaches before its start), one of
a schema that is not ours, and one of schema "null" whose block claims 60
million records of no bytes. The snappy encoder writes literals only (valid
snappy, as any decoder reads it); real compressed blocks come from --sink
FILE, which adds the header and first block of a file the collector's file
sink (or arstat-aggregator-testgen ocf, the same Avro C writer) wrote. The
corpus holds one of each codec the sink has written: null, from
tests/integration/aggregator_filesink.sh's input, and snappy. File names are the SHA-1 of the content, as libFuzzer names its own
finds, so rerunning this script is idempotent.
Usage: tests/fuzz/make_ocf_seeds.py [--sink FILE.avro]
"""
import hashlib
import json
import os
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "ocf")
SCHEMA = os.path.join(HERE, "..", "..", "schemas", "counts-v1.avsc")


def uvarint(n):
    out = bytearray()
    while n & ~0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def zlong(n):
    return uvarint((n << 1) ^ (n >> 63))


def zbytes(b):
    return zlong(len(b)) + b


def strip_docs(v):
    if isinstance(v, dict):
        return {k: strip_docs(x) for k, x in v.items() if k != "doc"}
    if isinstance(v, list):
        return [strip_docs(x) for x in v]
    return v


def schema_text(extra=False):
    with open(SCHEMA) as f:
        s = strip_docs(json.load(f))
    if extra:
        s["fields"].append({"name": "extra", "type": "long", "default": 0})
    return json.dumps(s, separators=(",", ":")).encode()


def record(i, extra=False):
    """Record i: carrier jp-fuzz, collector fz, seq i + 1, two cells."""
    start = 1793614020000 + i * 60000
    out = zbytes(b"jp-fuzz") + zbytes(b"fz") + zlong(7) + zlong(i + 1)
    out += zlong(start) + zlong(start + 60000) + b"\x00"
    # cells: spf, dkim, dmarc, arc (Result), dmarc_policy, spam, messages
    cells = [(1, 1, 1, 8, 3, 1, 100 + i), (2, 0, 2, 8, 1, 2, 1 + i % 7)]
    out += zlong(len(cells))
    for c in cells:
        out += b"".join(zlong(v) for v in c)
    out += zlong(0)
    out += b"".join(zlong(v) for v in (i, 0, 0, 1, 0, 0, 0))
    if extra:
        out += zlong(99)
    return out


def snappy_literals(data):
    """data as a snappy stream of literals only: the uncompressed length,
    then literal elements of up to 65536 bytes (tag 61: a 2-byte length)."""
    out = bytearray(uvarint(len(data)))
    for i in range(0, len(data), 65536):
        part = data[i:i + 65536]
        if len(part) <= 60:
            out.append((len(part) - 1) << 2)
        else:
            out.append(61 << 2)
            out += (len(part) - 1).to_bytes(2, "little")
        out += part
    return bytes(out)


def snappy_block(data):
    """The Avro snappy codec: compressed data, then the big-endian CRC-32 of
    the uncompressed data."""
    return snappy_literals(data) + zlib.crc32(data).to_bytes(4, "big")


def ocf(blocks, codec=b"null", schema=None, sync=b"arstat-fuzz-sync"):
    """blocks: lists of datums; each list is one block."""
    schema = schema if schema is not None else schema_text()
    out = b"Obj\x01" + zlong(2) + zbytes(b"avro.codec") + zbytes(codec)
    out += zbytes(b"avro.schema") + zbytes(schema) + zlong(0) + sync
    for datums in blocks:
        data = b"".join(datums)
        if codec == b"deflate":
            z = zlib.compressobj(6, zlib.DEFLATED, -15)
            data = z.compress(data) + z.flush()
        elif codec == b"snappy":
            data = snappy_block(data)
        out += zlong(len(datums)) + zlong(len(data)) + data + sync
    return out


def write(data):
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def sink_head(path):
    """The header and first block of a container file (any codec)."""
    with open(path, "rb") as f:
        b = f.read()

    def rlong(i):
        n = s = 0
        while True:
            c = b[i]
            i += 1
            n |= (c & 0x7F) << s
            s += 7
            if not c & 0x80:
                return (n >> 1) ^ -(n & 1), i

    i = 4
    while True:
        count, i = rlong(i)
        if count == 0:
            break
        for _ in range(abs(count) * 2):
            n, i = rlong(i)
            i += n
    i += 16
    _, i = rlong(i)
    size, i = rlong(i)
    return b[: i + size + 16]


def main():
    os.makedirs(OUT, exist_ok=True)
    recs = [record(i) for i in range(8)]
    one = ocf([recs[:3]])
    write(one)                                              # null, one block
    write(ocf([recs[0:2], recs[2:4], recs[4:6]]))           # null, three blocks
    write(ocf([recs[:3]], codec=b"deflate"))                # deflate, one block
    three_z = ocf([recs[0:2], recs[2:4], recs[4:6]], codec=b"deflate")
    write(three_z)                                          # deflate, three blocks
    write(ocf([], codec=b"deflate"))                        # a header and no block
    three = ocf([recs[0:2], recs[2:4], recs[4:6]])
    write(three[: len(three) - 40])                         # cut inside the last block
    write(three_z[: len(three_z) - 30])                     # the same, deflate
    first_sync = len(ocf([recs[0:2]])) - 16
    bad_sync = bytearray(three)
    bad_sync[first_sync + 3] ^= 0xFF                        # marker after block 1 damaged
    write(bytes(bad_sync))
    hdr = len(ocf([]))
    huge = bytearray(three)
    huge[hdr:hdr + 1] = zlong(1 << 62)                      # block count beyond every bound
    write(bytes(huge))
    big = bytearray(three)
    big[hdr:hdr + 1] = zlong(60000000)                      # a count in bounds, far too many
    write(bytes(big))
    short = bytearray(one)
    short[hdr] = zlong(2)[0]                                # one record's bytes left over
    write(bytes(short))
    neg = bytearray(one)
    at = neg.rfind(zbytes(b"jp-fuzz"))
    neg[at] = zlong(-1)[0]                                  # last record: string length -1
    write(bytes(neg))
    extra = [record(i, extra=True) for i in range(3)]
    write(ocf([extra], codec=b"deflate", schema=schema_text(extra=True)))  # not our schema
    # Schema "null": records of no bytes, a block claiming 60 million.
    write(b"Obj\x01" + zlong(1) + zbytes(b"avro.schema") + zbytes(b'"null"') + zlong(0) +
          b"arstat-fuzz-sync" + zlong(60000000) + zlong(0) + b"arstat-fuzz-sync")
    # snappy: what the file sink writes.
    write(ocf([recs[:3]], codec=b"snappy"))                 # snappy, one block
    three_s = ocf([recs[0:2], recs[2:4], recs[4:6]], codec=b"snappy")
    write(three_s)                                          # snappy, three blocks
    write(ocf([], codec=b"snappy"))                         # a header and no block
    write(three_s[: len(three_s) - 30])                     # cut inside the last block
    first_s = len(ocf([recs[0:2]], codec=b"snappy"))
    crc = bytearray(three_s)
    crc[first_s - 17] ^= 0x01                               # block 1's CRC-32 wrong
    write(bytes(crc))
    flip = bytearray(three_s)
    flip[first_s - 30] ^= 0x04                              # a bit of block 1's data
    write(bytes(flip))
    # Blocks of two records that are not what they say: an uncompressed
    # size of 2^31 stated (beyond the reader's limit), 3 bytes (shorter than
    # a checksum), a copy of offset 9 from the stream's third byte.
    hdr_s = ocf([], codec=b"snappy")
    sync = b"arstat-fuzz-sync"
    for body in (uvarint(1 << 31) + b"\x00" + b"\x00\x00\x00\x00", b"\x01\x00\x00",
                 b"\x08\x04ab\x0d\x09" + zlib.crc32(b"ab\x00\x00\x00\x00\x00\x00")
                 .to_bytes(4, "big")):
        write(hdr_s + zlong(2) + zbytes(body) + sync + three_s[len(hdr_s):])
    if len(sys.argv) == 3 and sys.argv[1] == "--sink":
        write(sink_head(sys.argv[2]))


if __name__ == "__main__":
    main()
