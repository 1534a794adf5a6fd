#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_ocf into tests/fuzz/corpus/ocf/.

Each seed is a whole Avro object container file of schema counts-v1 (the
schema as Avro C writes it: compact, without docs), written by the small
encoder below: the codecs null and deflate, one block and several, a file
with no block, and damaged ones (cut inside a block, a sync marker changed,
a block count beyond every bound, a count a record short, a string of
length -1), one of a schema that is not ours, and one of schema "null"
whose block claims 60 million records of no bytes. With --sink FILE, the
header and first block of a file the collector's file sink wrote are added
(the corpus holds one, from tests/integration/aggregator_filesink.sh's
input). File names are the SHA-1 of the content, as libFuzzer names its own
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


def zlong(n):
    n = (n << 1) ^ (n >> 63)
    out = bytearray()
    while n & ~0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


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
        out += zlong(len(datums)) + zlong(len(data)) + data + sync
    return out


def write(data):
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def sink_head(path):
    """The header and first block of a container file (null codec)."""
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
    if len(sys.argv) == 3 and sys.argv[1] == "--sink":
        write(sink_head(sys.argv[2]))


if __name__ == "__main__":
    main()
