/*
 * authres_bench - throughput of domain/authres on a realistic mix of header
 * values (a benchmark, not a test). It reads each value with
 * authres_parse_ex() and the trust check, as the collector does, and reports
 * headers/s and MB/s on one core.
 *
 * The mix, by share of headers: Gmail (long, comments, ARC; 30 %), Microsoft
 * 365 style with an authserv-id (20 %), Japanese carriers (short, hardfail;
 * 20 %), OpenDKIM/OpenDMARC/SPF milters, folded (20 %), untrusted forged
 * headers (5 %) and malformed ones (5 %).
 *
 * Usage: authres_bench [MEGABYTES [ROUNDS]]   (default 256 MB, 5 rounds; the
 * best round is reported). Trust: none needed; it reads no input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "authres.h"
#include "numparse.h"

static const struct {
	int weight;
	const char *v;
} mix[] = {
	{ 30, "mx.google.com;\r\n       dkim=pass header.i=@example.co.jp header.s=20210112 header.b=Ab1Cd2Ef;\r\n"
	      "       arc=pass (i=1 spf=pass spfdomain=example.co.jp dkim=pass dkdomain=example.co.jp dmarc=pass fromdomain=example.co.jp);\r\n"
	      "       spf=pass (google.com: domain of newsletter@example.co.jp designates 209.85.220.41 as permitted sender) smtp.mailfrom=newsletter@example.co.jp;\r\n"
	      "       dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=example.co.jp" },
	{ 20, "mx.example.jp; spf=pass (sender IP is 40.107.22.51) smtp.mailfrom=contoso.com; dkim=pass (signature was verified) "
	      "header.d=contoso.com;dmarc=pass action=none header.from=contoso.com;compauth=pass reason=100" },
	{ 10, "mx.example.jp; spf=hardfail smtp.mailfrom=spammer.example; dkim=none; dmarc=fail (p=none dis=none) header.from=spammer.example" },
	{ 10, "mx.example.jp; spf=pass smtp.mailfrom=shop.example.ne.jp; dkim=pass header.d=shop.example.ne.jp; dmarc=pass (p=quarantine dis=none) header.from=shop.example.ne.jp" },
	{ 10, "mx.example.jp;\n\tdkim=pass (2048-bit key; unprotected) header.d=example.org header.i=@example.org header.a=rsa-sha256 header.s=s1 header.b=n+hM2AZB;\n\tdkim-atps=neutral" },
	{ 10, "mx.example.jp; dmarc=none (p=none dis=none) header.from=example.net; spf=softfail (domain owner discourages use of this host) smtp.mailfrom=example.net smtp.helo=mail.example.net" },
	{ 5, "mx.forged.example; spf=pass smtp.mailfrom=bank.example; dkim=pass header.d=bank.example; dmarc=pass header.from=bank.example" },
	{ 5, "mx.example.jp; spf=pass smtp.mailfrom=example.com; dkim=pass (good signature header.d=example.com" },
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static const char *const ids[] = { "mx.example.jp", "mx.google.com" };
	const struct authres_trust trust = { ids, 2 };
	int64_t mb = 256, rounds = 5;
	size_t nmix = sizeof(mix) / sizeof(mix[0]), total = 0, nvals = 0, cap, i, r;
	size_t *off = NULL, *len = NULL;
	char *buf = NULL;
	unsigned long ok = 0, untrusted = 0, malformed = 0;
	double best = 1e30;
	int rc = 1;

	if ((argc > 1 && num_parse_i64_str(argv[1], 1, 4096, &mb) < 0) ||
	    (argc > 2 && num_parse_i64_str(argv[2], 1, 100, &rounds) < 0)) {
		fputs("usage: authres_bench [MEGABYTES 1-4096 [ROUNDS 1-100]]\n", stderr);
		return 2;
	}
	cap = (size_t)mb * 1000 * 1000;
	/* One buffer of values laid out back to back, in a fixed shuffled order. */
	buf = malloc(cap + 4096);
	off = malloc((cap / 100 + 1) * sizeof(*off));
	len = malloc((cap / 100 + 1) * sizeof(*len));
	if (buf == NULL || off == NULL || len == NULL)
		goto out;
	{
		unsigned long long x = 88172645463325252ull;
		int wsum = 0;

		for (i = 0; i < nmix; i++)
			wsum += mix[i].weight;
		while (total < cap && nvals < cap / 100) {
			int pick;
			size_t l;

			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			pick = (int)(x % (unsigned long long)wsum);
			for (i = 0; i < nmix && pick >= mix[i].weight; i++)
				pick -= mix[i].weight;
			l = strlen(mix[i].v);
			memcpy(buf + total, mix[i].v, l);
			off[nvals] = total;
			len[nvals] = l;
			nvals++;
			total += l;
		}
	}
	for (r = 0; r < (size_t)rounds; r++) {
		double t0 = now(), t;

		ok = untrusted = malformed = 0;
		for (i = 0; i < nvals; i++) {
			struct authres_outcome o;

			switch (authres_parse_ex(buf + off[i], len[i], 0, &trust, &o)) {
			case AUTHRES_OK:
				ok++;
				break;
			case AUTHRES_UNTRUSTED:
				untrusted++;
				break;
			case AUTHRES_MALFORMED:
				malformed++;
				break;
			}
		}
		t = now() - t0;
		if (t < best)
			best = t;
	}
	printf("authres_bench: %zu headers, %.1f MB (avg %.0f bytes), best of %d rounds: %.3f s\n",
	       nvals, (double)total / 1e6, (double)total / (double)nvals, (int)rounds, best);
	printf("authres_bench: %.0f headers/s, %.0f MB/s (ok %lu, untrusted %lu, malformed %lu)\n",
	       (double)nvals / best, (double)total / 1e6 / best, ok, untrusted, malformed);
	rc = 0;
out:
	free(buf);
	free(off);
	free(len);
	return rc;
}
