#!/usr/bin/env python3
"""Compares arstat-authres --all with python3-authres, line by line.

Usage: authres_compare.py TAGGED.tsv OURS.txt REFERENCE.txt
TAGGED.tsv is authres_gen.py's output (tags, value); OURS.txt has the lines
of `arstat-authres --all --escaped` (policy= and trusted= are dropped before
comparing); REFERENCE.txt those of authres_pyref.py. A disagreement is
explained only when the value carries a tag listed below AND the direction is
the documented one (the reference rejects, arstat reads it); every such
difference is described in domain/AUTHRES-DIFFERENCES.md. Exit 1 if any
disagreement is unexplained, or if fewer than 10,000 values were compared.
"""
import re
import sys

# tag -> (who rejects, why); kept in step with AUTHRES-DIFFERENCES.md.
EXPLAINED = {
    "quoted-id": "python3-authres reads the authserv-id as a dot-atom only; RFC 8601 allows a quoted-string (value)",
    "version-n": "python3-authres raises UnsupportedVersionError for a header version other than 1; RFC 8601 section 2.2 allows 1*DIGIT",
    "utf8": "python3-authres allows only US-ASCII in comments and quoted strings; RFC 8616 allows UTF-8",
    "colon-value": "python3-authres stops an unquoted value at ':' (https://...); arstat tolerates it, as real BIMI headers need",
    "cfws-ws-comment-ws": "python3-authres takes white space only once around comments in CFWS, so ' (c) ' between symbols fails; RFC 5322 CFWS allows it",
    "empty-quoted": "python3-authres treats an empty quoted-string as missing (reason=\"\" is 'Expected reason'); RFC 5322 allows \"\"",
    "trailing-semicolon": "python3-authres rejects a trailing ';'; arstat tolerates it (AOL, Yahoo, Microsoft write it)",
}

# tag -> why; here the reference reads the value and arstat rejects it.
EXPLAINED_REVERSE = {
    "bad-open-quote": "python3-authres (non-strict, as shipped) drops a property it cannot parse, even an unterminated quoted string at the end, and reads the header; arstat reports it as malformed",
    "bad-open-comment": "python3-authres (non-strict) drops a property followed by an unterminated comment and reads the header; arstat reports it as malformed",
    "empty-value": "after an empty value ('smtp.helo= header.d=x') RFC 8601's pvalue = [CFWS] value makes the next word the value, so arstat then finds a stray '.'; python3-authres reads an empty value",
}


def main():
    tagged, ours, ref = sys.argv[1:4]
    with open(tagged, encoding="utf-8") as f:
        rows = [l.rstrip("\n").split("\t", 1) for l in f]
    with open(ours, encoding="utf-8") as f:
        got = [re.sub(r" policy=.*", "", l.rstrip("\n")) for l in f]
    with open(ref, encoding="utf-8") as f:
        want = [l.rstrip("\n") for l in f]
    if not (len(rows) == len(got) == len(want)):
        print("line counts differ: %d %d %d" % (len(rows), len(got), len(want)))
        return 1
    agree = explained = 0
    per_tag = {}
    bad = []
    both_ok = both_err = 0
    for (tags, value), g, w in zip(rows, got, want):
        tagset = set() if tags == "-" else set(tags.split(","))
        g_err, w_err = g.startswith("error="), w == "error"
        if (g_err and w_err) or g == w:
            agree += 1
            both_err += g_err
            both_ok += not g_err
            continue
        reasons = [t for t in sorted(tagset) if t in EXPLAINED]
        if w_err and not g_err and reasons:
            explained += 1
            for t in reasons:
                per_tag[t] = per_tag.get(t, 0) + 1
            continue
        rev = [t for t in sorted(tagset) if t in EXPLAINED_REVERSE]
        if g_err and not w_err and rev:
            explained += 1
            for t in rev:
                per_tag[t] = per_tag.get(t, 0) + 1
            continue
        bad.append((tags, value, g, w))
    n = len(rows)
    print("differential: %d values, %d agree (%d both read, %d both reject), "
          "%d explained differences, %d unexplained" % (n, agree, both_ok, both_err, explained, len(bad)))
    for t, c in sorted(per_tag.items()):
        print("  explained by %-20s %5d  (%s)" % (t, c, EXPLAINED.get(t) or EXPLAINED_REVERSE[t]))
    for tags, value, g, w in bad[:30]:
        print("UNEXPLAINED [%s] %s\n  arstat: %s\n  python: %s" % (tags, value, g, w))
    if bad or n < 10000:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
