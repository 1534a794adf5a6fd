/*
 * fdio - whole writes on a file descriptor. write(2) may write less than
 * asked (a pipe, a signal, a full disk part-way); every caller that means
 * "all of it or an error" goes through here.
 */
#ifndef ARSTAT_FDIO_H
#define ARSTAT_FDIO_H

#include <stddef.h>

/*
 * Write data[0..len) to fd, retrying short writes and EINTR. Returns 0, or -1
 * with errno set by the failing write (part of data may have been written).
 */
int fdio_write_all(int fd, const void *data, size_t len);

#endif
