/*
 * record_int - what the record modules (record.c, record_batch.c) share and
 * no one else uses.
 */
#ifndef ARSTAT_RECORD_INT_H
#define ARSTAT_RECORD_INT_H

#include "strbuf.h"

/* Replace err's content with the reason; err may be NULL (the reason is
 * then not formatted). */
void record_err(struct strbuf *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
