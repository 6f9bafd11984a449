/* SPDX-License-Identifier: MIT */
/*
 * Opening the files a user names (kernel, initrd, device tree, VM config).
 * Only regular files are read: a FIFO without a writer would block the open
 * (and the read) forever, /dev/zero never ends, and a directory or socket
 * cannot be read at all. Such a file is refused with its kind, e.g.
 * "vm.toml: is a FIFO, not a regular file". Internal to the library.
 *
 * Threads: safe from any thread.
 */
#ifndef AXVM_CORE_FILE_H
#define AXVM_CORE_FILE_H

#include <stddef.h>
#include <sys/stat.h>

/*
 * Open `path` read-only (symlinks followed) if it is a regular file: 0 with
 * *fd (close-on-exec, blocking) and its fstat in *st. Otherwise -AXVM_ENOENT
 * (no such file) or -AXVM_EIO, with the message "path: reason" ("cannot open:
 * Permission denied", "is a FIFO, not a regular file"). Never blocks, also
 * when the file is swapped for a FIFO after it was checked.
 */
int axvm_file_open_regular(const char *path, int *fd, struct stat *st);

/* "a FIFO", "a directory", ... for the kind of file st_mode describes. */
const char *axvm_file_kind(mode_t mode);

#endif
