#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into tests/fuzz/corpus/TARGET/.

Targets (the input layout of each is at the top of its fuzz_TARGET.c):
  authres  one flags byte (AUTHRES_F_*: 1 truncated, 2 Exim escapes,
           4 Postfix "??", 8 ARC instance) followed by a header value: every
           value of ../shared/data/ar-vectors.tsv with flags 0, a cut copy of
           each with flag 1, and hand-written values for the variants the
           vectors do not cover (skipped when the vectors are not there);
  input    a mode byte and a chunk/clock byte, then log lines: the project's
           golden input lines (tests/golden/input/*.in) for each whole-line
           format and, without their syslog prefix, for each program parser;
           hand-written Postfix lines; timestamps of every form;
  state    a file byte, then an identity, a sequence, a checkpoint (the
           golden one of tests/unit/golden/checkpoint-v1.hex, and small ones
           written by the encoder below) or an outbox;
  config   configuration files for fuzz_config.c's table;
  csv      a reader byte and a chunk byte, then a report or spam CSV (the
           golden reports of tests/unit/golden/ and small hand-written ones);
  declare  declarations of accounts (aggregator/declare.c), good and with
           every kind of bad row, for fuzz_declare.c's register of jp-alpha
           and jp-beta;
  record   schema v2 records (fates, input losses, vouched spans), written
           by the Avro binary encoder below from counts-v2.avsc: bodies
           behind the harness's v2 header (first byte 0x03), whole records
           with the published fingerprint (first byte 0x00), and a few that
           are wrong on purpose (a fate out of range, a v1 body under the v2
           fingerprint, a span that ends before it starts). The v1 seeds in
           corpus/record came from the encoder of the time and fuzzing.
A few dozen seeds per target at most: fuzzing finds the rest. File names are
the SHA-1 of the content, as libFuzzer names its own finds, so rerunning
this script is idempotent.
Usage: tests/fuzz/make_seeds.py [--vectors VECTORS.tsv] [TARGET...] (all by default)
"""
import binascii
import glob
import hashlib
import os
import re
import struct
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.join(HERE, "..", "..")
VECTORS = os.path.join(TOP, "..", "shared", "data", "ar-vectors.tsv")

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



def write(target, data):
    out = os.path.join(HERE, "corpus", target)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, hashlib.sha1(data).hexdigest()), "wb") as f:
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


def seeds_authres(vectors):
    with open(vectors, "rb") as f:
        for line in f:
            cols = line.rstrip(b"\n").split(b"\t")
            raw = unescape(cols[7])
            write("authres", bytes([0]) + raw)
            write("authres", bytes([1]) + raw[: max(1, len(raw) * 2 // 3)])
    for flags, value in EXTRA:
        write("authres", bytes([flags]) + value)


# fuzz_input.c's modes, by index.
MODE = {"syslog": 0, "exim": 1, "rspamd": 2, "time": 3, "postfix/cleanup": 4,
        "postfix/qmgr": 5, "opendmarc": 6, "opendkim": 7, "amavis": 8,
        "rspamd-msg": 9, "exim-msg": 10, "spamd": 11, "MailScanner": 12,
        "pmg-smtp-filter": 13, "postfix/lmtp": 14}
NEW_YEAR = 0x80

POSTFIX = [
    b"2026-11-22T10:00:00.123456+09:00 mx1 postfix/cleanup[4242]: 4F1A2B3C4D: info: header "
    b"Authentication-Results: mx.example.jp; spf=pass smtp.mailfrom=example.com; dkim=pass "
    b"header.d=example.com; dmarc=pass (p=reject dis=none) header.from=example.com from "
    b"mail.example.com[192.0.2.10]; from=<a@example.com> to=<u@example.jp> proto=ESMTP "
    b"helo=<mail.example.com>",
    b"2026-11-22T10:00:00.2+09:00 mx1 postfix/cleanup[4242]: 4F1A2B3C4D: message-id=<m1@example.com>",
    b"2026-11-22T10:00:01+09:00 mx1 postfix/qmgr[9]: 4F1A2B3C4D: from=<a@example.com>, size=2888, nrcpt=1 (queue active)",
    b"2026-11-22T10:00:02+09:00 mx1 postfix/qmgr[9]: 4F1A2B3C4D: removed",
    b"Nov 22 10:00:03 mx1 postfix/cleanup[77]: 4bXk2R0Zz3z9vQ: info: header X-Spam-Flag: YES "
    b"from unknown[198.51.100.7]; from=<b@cheap.example> to=<u@example.jp> proto=ESMTP helo=<x>",
    b"Nov  2 10:00:04 mx1 postfix-out/cleanup[78]: 4bXk2R0Zz3z9vQ: message-id=<m2@cheap.example>",
    b"Nov 02 10:00:05 mx1 postfix/qmgr[9]: 4bXk2R0Zz3z9vQ: removed",
    b"2026-11-22T10:00:06Z mx1 postfix/smtpd[5]: connect from unknown[198.51.100.7]",
    b"2026-11-22T10:00:07+09:00 mx1 postfix/cleanup[4242]: warning: header_checks: too long",
    b"2026-11-22T10:00:08+09:00 mx1 postfix/cleanup[4242]: 4F1A2B3C4",
]

STAMPS = [
    b"2026-11-22T10:00:00.123456+09:00 x", b"2026-11-22T10:00:00Z", b"2026-11-22T10:00:59.5-05:30",
    b"2026-11-22T10:01:00+09:00", b"Nov  2 10:00:00 x", b"Nov 02 10:00:00", b"Dec 31 23:59:59",
    b"Jan  1 00:00:01", b"Feb 29 12:00:00", b"2026-11-22 10:00:00 x", b"2026-11-22 10:00:00 +0900 x",
    b"2026-03-29 02:30:00", b"2026-10-25 02:30:00", b"2026-12-31T23:59:60Z",
]


def golden_lines(name):
    with open(os.path.join(TOP, "tests", "golden", "input", name + ".in"), "rb") as f:
        return [l.rstrip(b"\n") for l in f if l.strip() and not l.startswith(b"#")]


def input_seed(mode, lines, flags=0):
    write("input", bytes([MODE[mode], flags]) + b"\n".join(lines) + b"\n")


SYSLOG_MSG = re.compile(rb" ([A-Za-z][A-Za-z/-]*)\[\d+\]: ")


def seeds_input():
    syslog = list(POSTFIX)
    for name in ("amavis", "opendkim", "opendmarc", "spamd", "mailscanner", "pmg"):
        lines = golden_lines(name)
        syslog += lines
        input_seed("syslog", lines)
    input_seed("syslog", POSTFIX)
    input_seed("syslog", POSTFIX, 7)                 # fed 7 bytes at a time
    input_seed("syslog", POSTFIX[4:7], NEW_YEAR | 1)  # a byte at a time, after New Year
    input_seed("syslog", [b"A" * 600, POSTFIX[3]])   # an overlong line first
    input_seed("rspamd", golden_lines("rspamd_symbols"))
    for name in ("exim", "rspamd"):
        lines = golden_lines(name)
        input_seed(name, lines)
        input_seed(name, lines[:4], 3)
        syslog += [l for l in lines if SYSLOG_MSG.search(l)]
    input_seed("time", STAMPS)
    input_seed("time", STAMPS, NEW_YEAR)
    # Each program's part of the syslog lines, after "TAG[PID]: ".
    by_tag = {}
    for line in syslog:
        m = SYSLOG_MSG.search(line)
        if m is None:
            continue
        tag = m.group(1).decode()
        tag = "postfix/" + tag.split("/")[1] if tag.startswith("postfix") else tag
        by_tag.setdefault(tag, []).append(line[m.end():])
    for tag, mode in (("postfix/cleanup", "postfix/cleanup"), ("postfix/qmgr", "postfix/qmgr"),
                      ("opendmarc", "opendmarc"), ("opendkim", "opendkim"),
                      ("amavis", "amavis"), ("rspamd", "rspamd-msg"), ("exim", "exim-msg"),
                      ("spamd", "spamd"), ("MailScanner", "MailScanner"),
                      ("pmg-smtp-filter", "pmg-smtp-filter"), ("postfix/lmtp", "postfix/lmtp")):
        if by_tag.get(tag):
            input_seed(mode, by_tag[tag])
    # rspamd and Exim through syslog, written from their file lines.
    for name, mode, tag in (("rspamd", "rspamd-msg", "rspamd"), ("exim", "exim-msg", "exim")):
        msgs = [l[20:] for l in golden_lines(name) if re.match(rb"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ", l)]
        msgs = [m.split(b" ", 1)[-1] if name == "rspamd" and m.startswith(b"#") else m for m in msgs]
        input_seed(mode, msgs[:12])
        input_seed("syslog", [b"2026-11-22T10:00:00+09:00 mx3 " + tag.encode() + b"[1]: " + m
                              for m in msgs[:12]])


# ---- records of schema v2 (fuzz_record.c) ----

# The published fingerprint of schemas/counts-v2.avsc (pinned in
# tests/unit/test_record.c).
COUNTS_V2_FINGERPRINT = 0x3d9ad876c2dfe1a6


def avro_long(v):
    z = (v << 1) ^ (v >> 63)
    z &= (1 << 64) - 1
    out = bytearray()
    while z >= 0x80:
        out.append((z & 0x7f) | 0x80)
        z >>= 7
    out.append(z)
    return bytes(out)


def avro_string(b):
    return avro_long(len(b)) + b


def v2_body(cells, health=(0,) * 8, vouch=(0, 0), seq=1, start=1793458800000, blocks=None,
            fates=True, carrier=b"jp-alpha", correction=0):
    """A v2 body; cells are (spf, dkim, dmarc, arc, policy, spam, fate, messages)
    symbol indexes. blocks: sizes of the array blocks (a negative size writes
    the block with its byte size), one block of all cells by default."""
    out = avro_string(carrier) + avro_string(b"00ff" * 16)
    out += avro_long(7) + avro_long(seq) + avro_long(start) + avro_long(start + 60000)
    out += bytes([correction])
    blocks = blocks or ([len(cells)] if cells else [])
    i = 0
    for n in blocks:
        items = b""
        for c in cells[i:i + abs(n)]:
            items += b"".join(avro_long(x) for x in (c[:6] + (c[6],) if fates else c[:6]))
            items += avro_long(c[7])
        i += abs(n)
        out += avro_long(n) + (avro_long(len(items)) if n < 0 else b"") + items
    out += avro_long(0)
    out += b"".join(avro_long(h) for h in health)
    out += avro_long(vouch[0]) + avro_long(vouch[1])
    return out


def seeds_record():
    hdr = b"\xc3\x01" + u64(COUNTS_V2_FINGERPRINT)
    cells = [(1, 1, 1, 8, 3, 1, 1, 1000), (2, 2, 2, 8, 3, 2, 2, 25), (1, 2, 2, 8, 3, 0, 4, 3),
             (3, 1, 1, 1, 1, 1, 3, 123456), (0, 8, 8, 8, 0, 0, 0, 7)]
    hour = (1793458800000 - 3600000, 1793458800000)
    good = [
        v2_body([]),
        v2_body(cells),
        v2_body(cells, health=(100, 1, 0, 2, 1, 0, 0, 3), vouch=hour),
        v2_body(cells, blocks=[-2, 3], vouch=hour, correction=1),
        v2_body([(8, 8, 8, 8, 3, 2, 4, 1)], health=(2 ** 62, 0, 0, 0, 0, 0, 0, 1)),
    ]
    for body in good:
        write("record", b"\x03" + body)
    write("record", b"\x00" + hdr + good[2])
    write("record", b"\x00" + hdr + good[3])
    # Wrong on purpose: a fate index past the five symbols; v1's layout
    # (no fate, seven health counters, no span) under the v2 fingerprint;
    # a vouched span that ends before it starts; the same cell twice with
    # different fates (allowed) and with the same fate (refused).
    write("record", b"\x03" + v2_body([(1, 1, 1, 8, 3, 1, 5, 1)]))
    write("record", b"\x03" + v2_body(cells, fates=False)[:-3])
    write("record", b"\x03" + v2_body(cells, vouch=(hour[1], hour[0])))
    write("record", b"\x03" + v2_body([(1, 1, 1, 8, 3, 1, 1, 1), (1, 1, 1, 8, 3, 1, 2, 1)]))
    write("record", b"\x03" + v2_body([(1, 1, 1, 8, 3, 1, 2, 1), (1, 1, 1, 8, 3, 1, 2, 1)]))


# ---- the collector's state directory (fuzz_state.c) ----

def u8(v): return struct.pack("<B", v)
def u32(v): return struct.pack("<I", v)
def u64(v): return struct.pack("<Q", v)
def i64(v): return struct.pack("<q", v)
def sbytes(b): return u32(len(b)) + b


IDENTITY = b"epoch=7\nsecret=000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f\n"
WINDOW_MS = 300000
T0 = 1795348800000  # 2026-11-22T12:00:00Z


def tail_pos(offset, fp=b""):
    # dev, ino, fingerprint (length, 16-byte hash), offset, previous fingerprint, when
    h = hashlib.sha256(fp).digest()[:16]
    return (u64(65024) + u64(1000 + offset) + u32(len(fp)) + sbytes(h) + u64(offset) +
            u32(0) + sbytes(bytes(16)) + i64(T0))


def message(key, t, results, policy=0, spam=0, done=-1):
    # key, first, event, msgid, last, done times, countable, results by method, policy, spam
    return (sbytes(key) + i64(t) + i64(t) + i64(t) + i64(t + 500) + i64(done) + u8(1) +
            bytes(results) + u8(policy) + u8(spam))


def health(lines=0):
    return i64(lines) + i64(0) * 6


def window(index, cells, correction=0, lines=0):
    body = i64(index) + u8(correction) + u32(len(cells)) + health(lines)
    for key, count in cells:
        body += u32(key) + i64(count)
    return body


def windows(wins, taken_below=0, any_taken=0):
    return i64(WINDOW_MS) + i64(taken_below) + u8(any_taken) + u32(len(wins)) + b"".join(wins)


def vouch(published, lo=0, hi=0):
    # windows.c's vouch state after the windows: tag 'V', published end, pending span
    return u8(0x56) + i64(published) + i64(lo) + i64(hi)


def checkpoint_body(inputs, msgs, wins, next_seq=1, outbox=(0, 0), log_now=T0):
    body = i64(next_seq) + u64(outbox[0]) + u64(outbox[1]) + i64(log_now) + u32(len(inputs))
    for name, pos in inputs:
        body += sbytes(name) + pos
    return body + u32(len(msgs)) + b"".join(msgs) + wins


def frame(body):
    return b"ARSTCKP1" + u32(1) + body + u32(zlib.crc32(body))


def outbox_frame(seq, data):
    return u32(len(data)) + i64(seq) + data + u32(zlib.crc32(i64(seq) + data))


def seeds_state():
    write("state", b"\0" + IDENTITY)
    write("state", b"\0" + IDENTITY.replace(b"\n", b"\r\n"))
    write("state", b"\0" + b"# written by hand\nsecret=" + b"ab" * 16 + b"\nepoch=9223372036854775807\n")
    write("state", b"\0epoch=7\nsecret=0001\n")
    write("state", b"\1next=1\n")
    write("state", b"\1next=9223372036854775807\n")
    write("state", b"\1next=0\n")
    with open(os.path.join(TOP, "tests", "unit", "golden", "checkpoint-v1.hex"), "rb") as f:
        golden = binascii.unhexlify(b"".join(l.strip() for l in f if not l.startswith(b"#")))
    write("state", b"\3" + golden)
    write("state", b"\3" + golden[:200])
    write("state", b"\2" + golden[12:-4])
    idx = T0 // WINDOW_MS
    wins = windows([window(idx, [(0, 3), (1234, 1)], lines=40),
                    window(idx + 1, [(99, 2)]),
                    window(idx - 3, [(5, 1)], correction=1)], taken_below=idx - 1, any_taken=1)
    msgs = [message(b"mx1\0" + b"4F1A2B3C4D", T0, [1, 1, 1, 0]),
            message(b"mx1\0" + b"4F1A2B3C4E", T0 + 1000, [2, 0, 2, 0], 3, 1, T0 + 2000)]
    write("state", b"\2" + checkpoint_body([], [], windows([])))
    write("state", b"\2" + checkpoint_body([(b"main", tail_pos(0))], [], wins, 51, (0, 5509)))
    write("state", b"\2" + checkpoint_body([(b"main", tail_pos(122390, b"x" * 1024)),
                                           (b"alt", tail_pos(0))], msgs, wins, 7))
    write("state", b"\3" + frame(checkpoint_body([], msgs[:1], windows([window(idx, [(7, 1)])]))))
    # Issue 13: the vouch state, pending and published only.
    write("state", b"\2" + checkpoint_body([(b"main", tail_pos(0))], [], wins + vouch(
        T0 - 12 * WINDOW_MS, T0 - 10 * WINDOW_MS, T0 + WINDOW_MS), 51, (0, 5509)))
    write("state", b"\2" + checkpoint_body([], [], windows([]) + vouch(T0)))
    recs = [outbox_frame(5, b"\xc3\x01" + bytes(8) + b"body-5"), outbox_frame(6, b"x" * 40),
            outbox_frame(7, b"")]
    write("state", b"\4\0\0" + b"".join(recs))
    write("state", b"\4" + bytes([len(recs[0]), 0]) + b"".join(recs))
    write("state", b"\4\0" + bytes([len(recs[2])]) + b"".join(recs))
    write("state", b"\4\0\5" + b"".join(recs) + b"junk!")


# ---- the configuration reader (fuzz_config.c's table) ----

CONFIGS = [
    b"# a comment\n\ncount = 5\nflag = yes\nname = mx1\n",
    b"offset = -9223372036854775808\ncount=1000000\r\nflag=off\n",
    b"kafka.bootstrap.servers = localhost:9092\nkafka.security.protocol=ssl\ntopic = t\n",
    b"\tcount\t=\t42\t\nflag = true\nflag = 0\nname = a = b\n",
    b"count = 1000001\n",
    b"unknown = 1\n",
    b"count\n",
    b"name = " + b"x" * 5000 + b"\n",
    b"count = 0x10\n",
    b"flag = maybe\n",
]


def seeds_config():
    for c in CONFIGS:
        write("config", c)


# ---- arstat-plot's CSV readers (fuzz_csv.c) ----

REPORT_HEAD = (b"month,scope,method,providers,messages,none,pass,fail,softfail,neutral,temperror,"
               b"permerror,policy,share_none,share_pass,share_fail,share_softfail,share_neutral,"
               b"share_temperror,share_permerror,share_policy,share_non_none")
SPAM_HEAD = b"month,scope,providers,messages,spam,share_spam,daily_messages,daily_spam"


def seeds_csv():
    for path in sorted(glob.glob(os.path.join(TOP, "tests", "unit", "golden", "report-*.ref"))):
        with open(path, "rb") as f:
            data = f.read()
        if b"cp932" in path.encode():
            continue
        spam = b"spam" in os.path.basename(path).encode()
        write("csv", bytes([1 if spam else 0, 7]) + data)
    write("csv", b"\0\1" + REPORT_HEAD + b"\n2026-11,all,spf,1,0,0,0,0,0,0,0,0,0,,,,,,,,,\n")
    write("csv", b"\0\3" + REPORT_HEAD + b"\r\n2026-11,\"a,b\",dkim,1,10,1,9,0,0,0,0,0,0,"
          b"10,90,0,0,0,0,0,0,90\r\n2026-11,\"a,b\",dkim,1,10,1,9,0,0,0,0,0,0,10,90,0,0,0,0,0,0,90\r\n")
    write("csv", b"\0\40\xef\xbb\xbf" + REPORT_HEAD + b",extra\n2026-12,c1,dmarc,2,5,0,5,0,0,0,0,0,0,"
          b"0,100,0,0,0,0,0,0,100,x\n")
    write("csv", b"\1\5" + SPAM_HEAD + b"\n2026-11,all,3,100,12,12.00,3,0.39\n2026-11,c1,1,0,0,,0,0\n")
    write("csv", b"\1\5" + SPAM_HEAD + b"\n2026-13,all,3,100,12,12.00,3,0\n")


# ---- the aggregator's declarations of accounts (fuzz_declare.c) ----

DECLARE_HEAD = b"carrier,month,accounts,filter_users"


def seeds_declare():
    write("declare", DECLARE_HEAD + b"\njp-alpha,2026-10,1200000,800000\njp-beta,2026-10,300,0\n")
    write("declare", b"\xef\xbb\xbf# demo figures\r\n" + DECLARE_HEAD +
          b"\r\njp-alpha,2026-11,5,5\r\n\r\n")
    write("declare", DECLARE_HEAD + b"\njp-alpha,2026-10,10,11\njp-gamma,2026-10,1,0\n"
          b"jp-beta,2027-01,1,0\njp-beta,2026-1,1,0\njp-alpha,2026-10,-1,0\n"
          b"jp-alpha,2026-10,1e3,0\n\"jp-beta\",2026-10,1,0\n")
    write("declare", DECLARE_HEAD + b"\njp-alpha,2026-10,1000000001,0\njp-alpha,2026-10,1,0,9\n"
          b"jp-alpha,2026-09,1,0\njp-alpha,2026-09,2,0\n")
    write("declare", b"carrier,month\njp-alpha,2026-10\n")
    write("declare", DECLARE_HEAD + b"\n")
    write("declare", DECLARE_HEAD + b"\njp-alpha,2026-10,1,\0\n")


TARGETS = {"input": seeds_input, "state": seeds_state, "config": seeds_config, "csv": seeds_csv,
           "declare": seeds_declare, "record": seeds_record}


def main():
    args = sys.argv[1:]
    vectors = VECTORS
    if len(args) >= 2 and args[0] == "--vectors":
        vectors = args[1]
        args = args[2:]
    targets = args or ["authres"] + sorted(TARGETS)
    for t in targets:
        if t == "authres":
            if os.path.exists(vectors):
                seeds_authres(vectors)
            elif args:
                sys.exit("make_seeds.py: %s: not found" % vectors)
            else:
                print("make_seeds.py: %s not found: authres skipped" % vectors, file=sys.stderr)
        elif t in TARGETS:
            TARGETS[t]()
        else:
            sys.exit("make_seeds.py: unknown target %s" % t)


if __name__ == "__main__":
    main()
