/*
 * gnuplot - run gnuplot on a script we wrote, safely.
 *
 * gnuplot is started with posix_spawnp and an argv array, never through a
 * shell. The script and the data go into mkstemp files in a private
 * directory (mkdtemp under $TMPDIR, else /tmp) that belongs to one
 * `struct gnuplot`; gnuplot_free() empties and removes it, so nothing is
 * left behind on any path. gnuplot runs with -d (no ~/.gnuplot, no system
 * gnuplotrc), stdin and stdout on /dev/null, and stderr captured: on failure
 * its messages become ours; on success they are passed on as warnings.
 *
 * What gnuplot is trusted with: the scripts are ours, but gnuplot can run
 * commands (system(), backquotes, `!`), so every string that comes from
 * input must reach a script only through gnuplot_quote().
 */
#ifndef ARSTAT_GNUPLOT_H
#define ARSTAT_GNUPLOT_H

#include <signal.h>
#include <stddef.h>

#include "strbuf.h"

#define GNUPLOT_TIMEOUT_DEFAULT 120 /* seconds */
#define GNUPLOT_TIMEOUT_MIN 1
#define GNUPLOT_TIMEOUT_MAX 3600

struct gnuplot_opts {
	const char *program;   /* looked up in PATH; "gnuplot" if NULL */
	unsigned timeout_sec;  /* a run taking longer is killed and fails */
	int keep_temp;         /* leave the directory for debugging (and say where) */
	/* If non-NULL and set (by a signal handler) while gnuplot runs, the run
	 * is killed and fails as interrupted. */
	volatile sig_atomic_t *stop;
};

struct gnuplot;

/*
 * Create the private directory. Returns the runner, or NULL with the
 * reason in err (the environment's fault: no writable temporary directory).
 * The strings in opts are copied.
 */
struct gnuplot *gnuplot_new(const struct gnuplot_opts *opts, struct strbuf *err);
/* Remove every file in the directory and the directory. NULL is a no-op. */
void gnuplot_free(struct gnuplot *g);
/* The private directory's path; owned by g. */
const char *gnuplot_dir(const struct gnuplot *g);

/*
 * Create a new file in the private directory named `prefix` plus a random
 * suffix (prefix must not contain '/') holding data[0..len) (len may be 0,
 * to reserve a name for gnuplot to write). Returns 0 and *path (the
 * caller's to free; the file itself is removed by gnuplot_free), or -1 with
 * the reason in err.
 */
int gnuplot_temp_file(struct gnuplot *g, const char *prefix, const void *data, size_t len,
                      char **path, struct strbuf *err);

/*
 * Run gnuplot on script[0..len) and wait for it. Returns 0 if it exited
 * with status 0, or -1 with the reason (spawn failure, exit status or
 * signal, timeout, interruption, and what gnuplot wrote to stderr) in err.
 */
int gnuplot_run(struct gnuplot *g, const char *script, size_t len, struct strbuf *err);

/*
 * Append s[0..len) to out as a gnuplot single-quoted string, quotes
 * included. Inside single quotes gnuplot knows no escapes, no backquote
 * command substitution and no @macros; the only special character is the
 * quote itself, written twice. A line end would end the command, so CR, LF
 * and every other control character become a space. Returns 0, or -1 if
 * out's cap is reached (out may then hold part of the string).
 */
int gnuplot_quote(struct strbuf *out, const char *s, size_t len);
/* Same for a NUL-terminated string. */
int gnuplot_quote_str(struct strbuf *out, const char *s);

#endif
