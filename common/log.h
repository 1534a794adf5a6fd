/*
 * log - diagnostics with grades of trouble, after Postfix msg.c.
 *
 * msg_debug/msg_info/msg_warn go on; msg_error is counted and goes on;
 * msg_fatal is the environment's fault (bad configuration, missing file) and
 * exits with status 1, msg_fatal_status with a status of sysexits.h
 * (EX_USAGE 64 for a bad command line, EX_CONFIG 78 for a bad configuration,
 * which systemd units name in RestartPreventExitStatus= so that a broken
 * configuration is not restarted for ever); msg_panic is our bug and aborts.
 *
 * Messages go to stderr as "PROGRAM: LEVEL: text". When stderr is the
 * journal's stream (systemd sets JOURNAL_STREAM to its device and inode),
 * each starts with its syslog priority, "<3>" for an error, "<4>" a
 * warning, "<6>" info, "<7>" debug, "<2>" fatal and panic, which journald
 * takes as the entry's PRIORITY: journalctl -p warning then shows warnings
 * and worse. Privacy rule: nothing that
 * identifies a message, a person or a host may be logged at info level or
 * above; such detail belongs in msg_debug only.
 */
#ifndef ARSTAT_LOG_H
#define ARSTAT_LOG_H

#include <stdarg.h>

enum msg_level { MSG_DEBUG = 0, MSG_INFO, MSG_WARN, MSG_ERROR, MSG_FATAL, MSG_PANIC };

/* Set the program name shown in every message (not copied: pass a literal),
 * and look whether stderr is the journal's stream (see above). */
void msg_init(const char *progname);
/* Messages below this level are dropped (default MSG_INFO). */
void msg_set_level(enum msg_level level);
enum msg_level msg_get_level(void);
/* Parse "debug", "info", "warn", "error"; returns 0 or -1. */
int msg_level_parse(const char *name, enum msg_level *out);
/* Number of msg_error() calls so far. */
unsigned long msg_error_count(void);

void msg_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void msg_fatal_status(int status, const char *fmt, ...)
        __attribute__((format(printf, 2, 3), noreturn));
void msg_panic(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
