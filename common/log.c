#include "log.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "numparse.h"

static const char *msg_progname = "arstat";
static enum msg_level msg_threshold = MSG_INFO;
static unsigned long msg_errors;
static int msg_journal; /* stderr is the journal's stream: prefix priorities */

static const char *const msg_level_names[] = {
	"debug", "info", "warning", "error", "fatal", "panic",
};

/* The syslog priority of each level, as sd-daemon.h's SD_DEBUG ... SD_CRIT. */
static const char *const msg_level_prio[] = {
	"<7>", "<6>", "<4>", "<3>", "<2>", "<2>",
};

/*
 * 1 if stderr is the stream JOURNAL_STREAM names ("DEVICE:INODE", which
 * systemd sets for a service whose output goes to the journal). Compared
 * with stderr itself, not only looked for: a program started from such a
 * service with its stderr redirected to a file inherits the variable.
 */
static int msg_stderr_is_journal(void)
{
	const char *v = getenv("JOURNAL_STREAM"), *colon;
	int64_t dev, ino;
	struct stat st;

	if (v == NULL || fstat(STDERR_FILENO, &st) < 0)
		return 0;
	colon = strchr(v, ':');
	if (colon == NULL || num_parse_i64(v, (size_t)(colon - v), 0, INT64_MAX, &dev) < 0 ||
	    num_parse_i64_str(colon + 1, 0, INT64_MAX, &ino) < 0)
		return 0;
	return (uint64_t)dev == (uint64_t)st.st_dev && (uint64_t)ino == (uint64_t)st.st_ino;
}

void msg_init(const char *progname)
{
	if (progname != NULL)
		msg_progname = progname;
	msg_journal = msg_stderr_is_journal();
}

void msg_set_level(enum msg_level level)
{
	msg_threshold = level;
}

enum msg_level msg_get_level(void)
{
	return msg_threshold;
}

int msg_level_parse(const char *name, enum msg_level *out)
{
	if (strcmp(name, "debug") == 0)
		*out = MSG_DEBUG;
	else if (strcmp(name, "info") == 0)
		*out = MSG_INFO;
	else if (strcmp(name, "warn") == 0 || strcmp(name, "warning") == 0)
		*out = MSG_WARN;
	else if (strcmp(name, "error") == 0)
		*out = MSG_ERROR;
	else
		return -1;
	return 0;
}

unsigned long msg_error_count(void)
{
	return msg_errors;
}

static void msg_vprintf(enum msg_level level, const char *fmt, va_list ap)
{
	char text[2048];

	if (level < msg_threshold && level < MSG_FATAL)
		return;
	/* Format first and write once, so that lines of concurrent processes
	 * sharing one stderr do not interleave mid-line. */
	vsnprintf(text, sizeof(text), fmt, ap);
	fprintf(stderr, "%s%s: %s: %s\n", msg_journal ? msg_level_prio[level] : "", msg_progname,
	        msg_level_names[level], text);
	fflush(stderr);
}

#define MSG_BODY(level)                      \
	do {                                 \
		va_list ap;                  \
		va_start(ap, fmt);           \
		msg_vprintf(level, fmt, ap); \
		va_end(ap);                  \
	} while (0)

void msg_debug(const char *fmt, ...) { MSG_BODY(MSG_DEBUG); }
void msg_info(const char *fmt, ...) { MSG_BODY(MSG_INFO); }
void msg_warn(const char *fmt, ...) { MSG_BODY(MSG_WARN); }

void msg_error(const char *fmt, ...)
{
	msg_errors++;
	MSG_BODY(MSG_ERROR);
}

void msg_fatal(const char *fmt, ...)
{
	MSG_BODY(MSG_FATAL);
	exit(1);
}

void msg_fatal_status(int status, const char *fmt, ...)
{
	MSG_BODY(MSG_FATAL);
	exit(status);
}

void msg_panic(const char *fmt, ...)
{
	MSG_BODY(MSG_PANIC);
	abort();
}
