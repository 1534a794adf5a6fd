#!/usr/bin/python3
"""Reference side of the differential test: reads escaped values (one per
line, escapes \\\\ \\n \\r \\t) and prints, per line, what Debian's
python3-authres (1.2.0) parses, in the form of `arstat-authres --all`
without policy/trusted:
  authserv=<id> spf=<r,...> dkim=<r,...> dmarc=<r,...> arc=<r,...>
or "error" when it raises. Run with Debian's /usr/bin/python3, where the
package is installed.
"""
import sys

import authres

METHODS = ["spf", "dkim", "dmarc", "arc"]


def unescape(s):
    out, i = [], 0
    while i < len(s):
        if s[i] == "\\" and i + 1 < len(s) and s[i + 1] in "\\nrt":
            out.append({"\\": "\\", "n": "\n", "r": "\r", "t": "\t"}[s[i + 1]])
            i += 2
        else:
            out.append(s[i])
            i += 1
    return "".join(out)


def main():
    fc = authres.FeatureContext()
    for line in sys.stdin.buffer:
        value = unescape(line.decode("utf-8").rstrip("\n"))
        try:
            h = fc.parse_value(value)
        except Exception:  # every failure of the reference counts as a rejection
            print("error")
            continue
        lists = {m: [] for m in METHODS}
        for r in h.results:
            if r.method in lists:
                lists[r.method].append(r.result.lower())
        print("authserv=%s %s" % (h.authserv_id.lower(), " ".join(
            "%s=%s" % (m, ",".join(lists[m]) or "-") for m in METHODS)))


if __name__ == "__main__":
    main()
