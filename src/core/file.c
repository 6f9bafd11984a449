/* SPDX-License-Identifier: MIT */
#include "core/file.h"

#include "core/error.h"

#include <axvm/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

const char *axvm_file_kind(mode_t mode)
{
	if (S_ISREG(mode))
		return "a regular file";
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISSOCK(mode))
		return "a socket";
	return "a special file";
}

static int file_errno_fail(const char *path)
{
	int e = errno;
	char buf[128];

	return axvm_error_set(e == ENOENT ? -AXVM_ENOENT : -AXVM_EIO, "%s: cannot open: %s", path,
			      strerror_r(e, buf, sizeof(buf)));
}

int axvm_file_open_regular(const char *path, int *fd, struct stat *st)
{
	int flags;

	*fd = -1;
	/*
	 * Refuse by stat before opening: opening a device can have effects of
	 * its own (a tty, a watchdog), and opening a FIFO waits for a writer.
	 */
	if (stat(path, st) != 0)
		return file_errno_fail(path);
	if (!S_ISREG(st->st_mode))
		goto not_regular;
	/* O_NONBLOCK: a FIFO swapped in after the stat must not block the open. */
	*fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (*fd < 0)
		return file_errno_fail(path);
	if (fstat(*fd, st) != 0) {
		int ret = file_errno_fail(path);

		close(*fd);
		*fd = -1;
		return ret;
	}
	if (!S_ISREG(st->st_mode)) {
		close(*fd);
		*fd = -1;
		goto not_regular;
	}
	/* Blocking again, so that mandatory locks or slow filesystems never give EAGAIN. */
	flags = fcntl(*fd, F_GETFL);
	if (flags >= 0)
		fcntl(*fd, F_SETFL, flags & ~O_NONBLOCK);
	return 0;

not_regular:
	return axvm_error_set(-AXVM_EIO, "%s: is %s, not a regular file", path,
			      axvm_file_kind(st->st_mode));
}
