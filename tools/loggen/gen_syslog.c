/*
 * gen_syslog - what every program that logs through syslog (Postfix, the
 * milters, amavis) puts before its text: "STAMP HOST PROG[PID]: ", the stamp
 * as the carrier's syslog writes it (collector/input_syslog.c reads it).
 */
#include "loggen_int.h"

void gen_syslog_stamp(struct gen *g, struct lbuf *b, int64_t us)
{
	if (g->su->stamps == TS_RFC3339)
		loggen_time_rfc3339(g, b, us);
	else
		loggen_time_bsd(g, b, us, g->su->stamps == TS_MAILLOG);
}

void gen_syslog_prefix(struct gen *g, struct lbuf *b, int64_t t, const char *prog,
                       const char *sub, unsigned pid)
{
	gen_syslog_stamp(g, b, t);
	lb_chr(b, ' ');
	lb_str(b, g->host);
	lb_chr(b, ' ');
	lb_str(b, prog);
	if (sub != NULL) {
		lb_chr(b, '/');
		lb_str(b, sub);
	}
	lb_chr(b, '[');
	lb_dec(b, pid, 1);
	lb_str(b, "]: ");
}
