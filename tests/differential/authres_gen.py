#!/usr/bin/env python3
"""Deterministic generator of Authentication-Results values for the
differential test of arstat-authres against Debian's python3-authres.

Usage: authres_gen.py N SEED > out.tsv
Each output line: TAGS<TAB>VALUE, VALUE with the escapes \\\\ \\n \\r \\t (the
format of ar-vectors.tsv and `arstat-authres --escaped`), TAGS a comma list
("-" for none). Most values stay inside the grammar both parsers implement
(RFC 8601 section 2.2 with CFWS anywhere, folding, nested comments, quoted
strings, versions, case); a tag marks each value that uses a feature on which
the two parsers are known to differ (domain/AUTHRES-DIFFERENCES.md,
"differential"), or a malformation that both must reject ("bad-*").
"""
import random
import sys

METHODS = ["spf", "dkim", "dmarc", "arc", "iprev", "auth", "dkim-adsp", "x-foo",
           "sender-id", "bimi", "SPF", "Dkim", "DMARC", "dkim-atps", "x-ms-exchange"]
RESULTS = ["pass", "fail", "softfail", "neutral", "none", "temperror", "permerror",
           "policy", "hardfail", "tempfail", "foo", "Pass", "FAIL", "bestguesspass"]
PTYPES = ["smtp", "header", "body", "policy", "SMTP", "Header"]
PROPS = ["mailfrom", "helo", "d", "i", "s", "b", "from", "iprev", "auth",
         "published-domain-policy", "remote-ip", "a"]
WORDS = ["good", "signature", "sender", "IP", "is", "192.0.2.1", "p=reject", "dis=none",
         "domain", "of", "designates", "as", "permitted", "key;", "x=y", "[ip4:192.0.2.0/24]",
         "1024-bit", "google.com:", "a,b", "sp=none", "i=1", "spf=pass", "dkim=fail"]


def domain(r):
    return "%s.%s.%s" % (r.choice(["mx", "mail", "relay", "a", "b1", "mta-7"]),
                         r.choice(["example", "test", "corp-x", "e9"]),
                         r.choice(["jp", "com", "ne.jp", "org"]))


def fws(r):
    return r.choice([" ", " ", " ", "  ", "\t", "\r\n\t", "\r\n ", "\n\t", "\n    "])


def comment(r, depth=0, utf8=False):
    parts = []
    for _ in range(r.randint(0, 5)):
        k = r.random()
        if k < 0.08 and depth < 3:
            parts.append(comment(r, depth + 1))
        elif k < 0.14:
            parts.append("\\" + r.choice(["(", ")", "\\", "x", "\""]))
        elif k < 0.18:
            parts.append(r.choice(["\r\n ", "\n\t"]))
        else:
            parts.append(r.choice(WORDS))
    body = " ".join(parts)
    if utf8:
        body += " \u65e5\u672c\u8a9e"
    return "(" + body + ")"


def cfws(r, opt=True, tags=None):
    """White space, folds and comments; may be empty when opt."""
    k = r.random()
    if opt and k < 0.45:
        return ""
    if k < 0.9:
        return fws(r)
    utf8 = tags is not None and r.random() < 0.01
    if utf8:
        tags.add("utf8")
    # White space on both sides of a comment is rarer, so that more values
    # stay clear of python3-authres's CFWS quirk and get compared in full.
    pre = r.choice(["", "", " ", fws(r)])
    post = r.choice(["", " "]) if pre == "" or r.random() < 0.1 else ""
    return pre + comment(r, utf8=utf8) + post


def quoted(r, tags):
    body = r.choice(["a b", "x;y", "reason text", "a\\\"b", "k=v", "1.2.3.4"])
    if r.random() < 0.03:
        body = ""
    if r.random() < 0.01:
        tags.add("utf8")
        body += "\u00e9"
    return '"' + body + '"'


def pvalue(r, tags):
    k = r.random()
    if k < 0.1:
        return quoted(r, tags)
    if k < 0.14:
        tags.add("empty-value")
        return ""
    if k < 0.145:
        tags.add("colon-value")
        return "https://" + domain(r) + "/x.pem"
    return r.choice([domain(r), "@" + domain(r), "user@" + domain(r), "192.0.2.%d" % r.randint(0, 255),
                     "AbC/d+e=", "rsa-sha256", "reject", "quarantine", "none", "s2048"])


def resinfo(r, tags):
    out = r.choice(METHODS)
    if r.random() < 0.08:
        out += cfws(r, tags=tags) + "/" + cfws(r, tags=tags) + "1"
    out += cfws(r, tags=tags) + "=" + cfws(r, tags=tags) + r.choice(RESULTS)
    if r.random() < 0.3:
        out += cfws(r, False, tags)
    if r.random() < 0.15:
        out += " reason" + cfws(r, tags=tags) + "=" + cfws(r, tags=tags) + \
            (quoted(r, tags) if r.random() < 0.5 else r.choice(["good", "bad-sig", "x1"]))
    for _ in range(r.randint(0, 4)):
        k = r.random()
        if k < 0.05:
            out += " action=" + r.choice(["none", "quarantine", "oreject"])
        elif k < 0.08:
            out += " x-ptype.prop=" + pvalue(r, tags)
        else:
            out += cfws(r, False, tags) + r.choice(PTYPES) + cfws(r, tags=tags) + "." + \
                cfws(r, tags=tags) + r.choice(PROPS) + cfws(r, tags=tags) + "=" + pvalue(r, tags)
        if r.random() < 0.2:
            out += cfws(r, False, tags)
    return out


def header(r):
    tags = set()
    out = cfws(r, tags=tags)
    if r.random() < 0.05:
        tags.add("quoted-id")
        out += '"' + domain(r) + '"'
    else:
        d = domain(r)
        out += d.upper() if r.random() < 0.1 else d
    k = r.random()
    if k < 0.1:
        out += cfws(r, False, tags) + "1"
    elif k < 0.13:
        tags.add("version-n")
        out += cfws(r, False, tags) + str(r.randint(2, 9))
    out += cfws(r, tags=tags)
    if r.random() < 0.06:
        out += ";" + cfws(r, tags=tags) + "none" + cfws(r, tags=tags)
    else:
        n = r.randint(1, 6)
        for i in range(n):
            out += ";" + cfws(r, tags=tags) + resinfo(r, tags)
        if r.random() < 0.05:
            tags.add("trailing-semicolon")
            out += ";" + r.choice(["", " "])
    # Malformations both parsers must reject.
    k = r.random()
    if k < 0.1:
        kind = r.choice(["no-id", "no-equals", "open-comment", "bare-lf", "none-and-result",
                         "empty-result", "open-quote", "stray-dot"])
        tags.add("bad-" + kind)
        if kind == "no-id":
            out = "spf=pass smtp.mailfrom=" + domain(r) + "; dkim=pass"
        elif kind == "no-equals":
            out += "; dkim pass"
        elif kind == "open-comment":
            out += " (unterminated"
        elif kind == "bare-lf":
            out += ";\ndkim=pass"
        elif kind == "none-and-result":
            out = domain(r) + "; none; spf=pass"
        elif kind == "empty-result":
            out += "; dkim="
        elif kind == "open-quote":
            out += "; dkim=pass header.d=\"abc"
        else:
            out += "; dkim=pass ."
    return tags, out


def python_cfws_quirks(value, tags):
    """Tags the shapes on which python3-authres 1.2.0 is known to fail:
    white space, then a comment, then white space again (its CFWS rule takes
    white space only once); and an empty quoted string ("" is false in
    Python, so reason="" is "Expected reason")."""
    depth, quoted, i, n = 0, False, 0, len(value)
    while i < n:
        c = value[i]
        if c == "\\":
            i += 2
            continue
        if quoted:
            if c == '"':
                quoted = False
        elif c == "(":
            if depth == 0:
                start = i
            depth += 1
        elif c == ")" and depth > 0:
            depth -= 1
            if depth == 0 and start > 0 and value[start - 1] in " \t\n" and \
                    i + 1 < n and value[i + 1] in " \t\r\n":
                tags.add("cfws-ws-comment-ws")
        elif depth == 0 and c == '"':
            if value[i:i + 2] == '""':
                tags.add("empty-quoted")
            quoted = True
        i += 1


def escape(s):
    return s.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")


def main():
    n, seed = int(sys.argv[1]), int(sys.argv[2])
    r = random.Random(seed)
    w = sys.stdout.buffer
    for _ in range(n):
        tags, value = header(r)
        python_cfws_quirks(value, tags)
        w.write(("%s\t%s\n" % (",".join(sorted(tags)) or "-", escape(value))).encode("utf-8"))


if __name__ == "__main__":
    main()
