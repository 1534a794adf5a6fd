#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_authres into tests/fuzz/corpus/authres/.

Each seed is one flags byte (AUTHRES_F_*: 1 truncated, 2 Exim escapes,
4 Postfix "??", 8 ARC instance) followed by a header value. Seeds: every value
of ../shared/data/ar-vectors.tsv with flags 0, a cut copy of each with flag 1,
and hand-written values for the variants the vectors do not cover. File names
are the SHA-1 of the content, as libFuzzer names its own finds, so rerunning
this script is idempotent. Usage: tests/fuzz/make_seeds.py [VECTORS.tsv]
"""
import hashlib
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "authres")
VECTORS = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    HERE, "..", "..", "..", "shared", "data", "ar-vectors.tsv")

EXTRA = [
    (2, rb"mx.example.jp;\n\tspf=pass smtp.mailfrom=a.example;\n\tdkim=pass (2048-bit\n\t key) header.d=a.example"),
    (4, b"mx.example.jp;??spf=pass smtp.mailfrom=a.example;??dkim=fail header.d=b.example; dmarc=fail (p=reject dis=reject)"),
    (5, b"mx.example.jp; spf=pass smtp.mailfrom=a.example;? dkim=pa"),
    (1, b"mx.example.jp; spf=pass; dmarc=pass (p=rej"),
    (8, b"i=1; mx.google.com; arc=pass (i=1 spf=pass spfdomain=a.example dkim=pass dkdomain=a.example dmarc=pass fromdomain=a.example); spf=pass"),
    (0, b"Pass (mx.example.jp: domain of a@a.example designates 192.0.2.1 as permitted sender) client-ip=192.0.2.1; envelope-from=a@a.example; helo=mail.a.example; receiver=mx.example.jp; identity=mailfrom"),
    (0, b"spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=a.example; dkim=pass (signature was verified) header.d=a.example;dmarc=pass action=none header.from=a.example;compauth=pass reason=100"),
    (0, b"mx.example.jp; spf=hardfail smtp.mailfrom=a.example; dkim=hardfail header.d=a.example; dmarc=fail policy.published-domain-policy=reject policy.applied-disposition=quarantine"),
    (0, b"mx.example.jp; arc=pass (0 oda=1 ltdi=1 spf=[1,1,smtp.mailfrom=a.example] dkim=[1,1,header.d=a.example] dmarc=[1,1,header.from=a.example])"),
    (0, b"\"mx.example.jp\" 1 (v); none"),
    (0, b"mx.example.jp; dkim=pass (((((((((((nested))))))))))) header.i=\"\\\"q\\\"\"@a.example"),
]


def write(flags, value):
    data = bytes([flags]) + value
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def unescape(s):
    out, i = bytearray(), 0
    while i < len(s):
        c = s[i]
        if c == 0x5c and i + 1 < len(s) and s[i + 1] in b"\\nrt":
            out += {ord("\\"): b"\\", ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t"}[s[i + 1]]
            i += 2
        else:
            out.append(c)
            i += 1
    return bytes(out)


def main():
    os.makedirs(OUT, exist_ok=True)
    with open(VECTORS, "rb") as f:
        for line in f:
            cols = line.rstrip(b"\n").split(b"\t")
            raw = unescape(cols[7])
            write(0, raw)
            write(1, raw[: max(1, len(raw) * 2 // 3)])
    for flags, value in EXTRA:
        write(flags, value)


if __name__ == "__main__":
    main()
