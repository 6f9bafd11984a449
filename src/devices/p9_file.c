/* SPDX-License-Identifier: MIT */
/*
 * 9P2000.L requests on one file (p9_call.h): open and create, read, write,
 * fsync, readdir, getattr, setattr, statfs, readlink, lock and getlock.
 * Only regular files and directories are opened; setattr never follows a
 * symlink (p9_server.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "p9_call.h"

static int p9_host_flags(uint32_t flags, bool read_only, int *out)
{
	uint32_t acc = flags & P9_DOTL_ACCMODE;
	int h;

	if (acc == P9_DOTL_ACCMODE)
		return -EINVAL;
	h = acc == P9_DOTL_WRONLY ? O_WRONLY : acc == P9_DOTL_RDWR ? O_RDWR : O_RDONLY;
	if (flags & P9_DOTL_TRUNC)
		h |= O_TRUNC;
	if (flags & P9_DOTL_APPEND)
		h |= O_APPEND;
	if (flags & P9_DOTL_DSYNC)
		h |= O_DSYNC;
	if (flags & P9_DOTL_SYNC)
		h |= O_SYNC;
	if (flags & P9_DOTL_DIRECTORY)
		h |= O_DIRECTORY;
	if (read_only && (acc != 0 || (flags & (P9_DOTL_TRUNC | P9_DOTL_CREATE))))
		return -EROFS;
	*out = h;
	return 0;
}

/* Only regular files and directories are opened (p9_server.h). */
static bool p9_openable(mode_t mode)
{
	return S_ISREG(mode) || S_ISDIR(mode);
}

static int p9_fid_open(struct p9_call *c, struct p9_fid *f, int hflags, struct p9_qid *q)
{
	struct stat st;
	int fd, ret;

	ret = p9_fs_stat(c->fs, f->path, &st);
	if (ret)
		return ret;
	if (!p9_openable(st.st_mode))
		return -EOPNOTSUPP;
	if (S_ISDIR(st.st_mode) && (hflags & O_ACCMODE) != O_RDONLY)
		return -EISDIR;
	if (c->fs->nopen >= c->fs->max_open)
		return -EMFILE;
	/* O_NONBLOCK: should a FIFO take the file's place meanwhile, it must not block. */
	fd = p9_fs_open(c->fs, f->path, hflags | O_NONBLOCK, 0);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) != 0 || !p9_openable(st.st_mode)) {
		close(fd);
		return -EOPNOTSUPP;
	}
	f->fd = fd;
	f->open_flags = hflags;
	f->is_dir = S_ISDIR(st.st_mode);
	c->fs->nopen++;
	p9_qid_from_stat(c->fs, &st, q);
	return 0;
}

int p9_op_lopen(struct p9_call *c)
{
	uint32_t fid = p9_get_u32(c->r), flags = p9_get_u32(c->r);
	struct p9_fid *f;
	struct p9_qid q;
	int hflags, ret;

	ret = p9_lookup(c, fid, &f);
	if (ret)
		return ret;
	if (f->fd >= 0)
		return -EBADF;
	ret = p9_host_flags(flags, c->fs->read_only, &hflags);
	if (!ret)
		ret = p9_fid_open(c, f, hflags, &q);
	if (ret)
		return ret;
	p9_put_qid(c->w, &q);
	p9_put_u32(c->w, 0); /* iounit: msize bounds it */
	return 0;
}

int p9_op_lcreate(struct p9_call *c)
{
	uint32_t fid = p9_get_u32(c->r);
	struct p9_str name = p9_get_str(c->r);
	uint32_t flags = p9_get_u32(c->r), mode = p9_get_u32(c->r);
	char path[P9_PATH_MAX];
	struct p9_fid *f;
	struct p9_qid q;
	struct stat st;
	int hflags, fd, ret;

	p9_get_u32(c->r); /* gid */
	ret = p9_lookup(c, fid, &f);
	if (ret)
		return ret;
	if (f->fd >= 0)
		return -EBADF;
	if (c->fs->read_only)
		return -EROFS;
	ret = p9_path_join(f->path, &name, path);
	if (!ret)
		ret = p9_host_flags(flags & ~P9_DOTL_DIRECTORY, false, &hflags);
	if (ret)
		return ret;
	if (flags & P9_DOTL_EXCL)
		hflags |= O_EXCL;
	if (c->fs->nopen >= c->fs->max_open)
		return -EMFILE;
	fd = p9_fs_open(c->fs, path, hflags | O_CREAT | O_NONBLOCK, mode & 07777);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EOPNOTSUPP;
	}
	ret = p9_fid_set_path(c->fs, f, path);
	if (ret) {
		close(fd);
		return ret;
	}
	f->fd = fd;
	f->open_flags = hflags;
	c->fs->nopen++;
	p9_qid_from_stat(c->fs, &st, &q);
	p9_put_qid(c->w, &q);
	p9_put_u32(c->w, 0);
	return 0;
}

/*
 * The open fid of a read or write at offset, refused when it was opened
 * only for the other direction (`wrong`: O_WRONLY for a read, O_RDONLY
 * for a write) or when the request itself is malformed.
 */
static int p9_io_fid(struct p9_call *c, uint32_t fid, uint64_t offset, int wrong, struct p9_fid **f)
{
	int ret;

	if (c->r->bad || offset > INT64_MAX)
		return -EINVAL;
	ret = p9_lookup(c, fid, f);
	if (ret)
		return ret;
	if ((*f)->fd < 0 || ((*f)->open_flags & O_ACCMODE) == wrong)
		return -EBADF;
	return 0;
}

int p9_op_read(struct p9_call *c)
{
	uint32_t fid = p9_get_u32(c->r);
	uint64_t offset = p9_get_u64(c->r);
	uint32_t count = p9_get_u32(c->r);
	size_t room = c->w->cap - c->w->off - 4;
	struct p9_fid *f;
	uint8_t *data;
	ssize_t n;
	int ret;

	ret = p9_io_fid(c, fid, offset, O_WRONLY, &f);
	if (ret)
		return ret;
	if (count > room)
		count = (uint32_t)room;
	p9_put_u32(c->w, 0);
	data = c->w->buf + c->w->off;
	do
		n = pread(f->fd, data, count, (off_t)offset);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	c->w->off -= 4;
	p9_put_u32(c->w, (uint32_t)n);
	c->w->off += (size_t)n;
	return 0;
}

int p9_op_write(struct p9_call *c)
{
	uint32_t fid = p9_get_u32(c->r);
	uint64_t offset = p9_get_u64(c->r);
	uint32_t count = p9_get_u32(c->r);
	const uint8_t *data = p9_get_bytes(c->r, count);
	struct p9_fid *f;
	ssize_t n;
	int ret;

	ret = p9_io_fid(c, fid, offset, O_RDONLY, &f);
	if (ret)
		return ret;
	do
		n = pwrite(f->fd, data, count, (off_t)offset);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	p9_put_u32(c->w, (uint32_t)n);
	return 0;
}

int p9_op_fsync(struct p9_call *c)
{
	uint32_t fid = p9_get_u32(c->r), datasync = p9_get_u32(c->r);
	struct p9_fid *f;
	int ret;

	ret = p9_lookup(c, fid, &f);
	if (ret)
		return ret;
	if (f->fd < 0)
		return -EBADF;
	if ((datasync ? fdatasync(f->fd) : fsync(f->fd)) != 0)
		return -errno;
	return 0;
}

/* Rreaddir: qid[13] offset[8] type[1] name[s] per entry, at most count bytes. */
int p9_op_readdir(struct p9_call *c)
{
	uint32_t fid = p9_get_u32(c->r);
	uint64_t offset = p9_get_u64(c->r);
	uint32_t count = p9_get_u32(c->r);
	size_t room = c->w->cap - c->w->off - 4, start;
	struct p9_fid *f;
	int ret;

	ret = p9_lookup(c, fid, &f);
	if (ret)
		return ret;
	if (f->fd < 0)
		return -EBADF;
	if (!f->is_dir)
		return -ENOTDIR;
	if (count < room)
		room = count;
	if (!f->dir) {
		int dfd = fcntl(f->fd, F_DUPFD_CLOEXEC, 0);

		if (dfd < 0)
			return -errno;
		f->dir = fdopendir(dfd);
		if (!f->dir) {
			ret = -errno;
			close(dfd);
			return ret;
		}
	}
	if (offset == 0)
		rewinddir(f->dir);
	else
		seekdir(f->dir, (long)offset);
	p9_put_u32(c->w, 0);
	start = c->w->off;
	for (;;) {
		long here = telldir(f->dir);
		struct dirent *de;
		struct p9_qid q = {0};
		size_t nlen, need;

		errno = 0;
		de = readdir(f->dir);
		if (!de) {
			if (errno)
				return -errno;
			break;
		}
		nlen = strlen(de->d_name);
		need = P9_QID_SIZE + 8 + 1 + 2 + nlen;
		if (c->w->off - start + need > room) {
			seekdir(f->dir, here); /* the next call starts with it */
			break;
		}
		q.type = de->d_type == DT_DIR ? P9_QTDIR : de->d_type == DT_LNK ? P9_QTSYMLINK : 0;
		q.path = de->d_ino;
		p9_put_qid(c->w, &q);
		p9_put_u64(c->w, (uint64_t)telldir(f->dir));
		p9_put_u8(c->w, de->d_type);
		p9_put_str(c->w, de->d_name, nlen);
	}
	{
		uint32_t n = (uint32_t)(c->w->off - start);

		c->w->off = start - 4;
		p9_put_u32(c->w, n);
		c->w->off = start + n;
	}
	return 0;
}

/* ---- attributes ---- */

static int p9_fid_stat(struct p9_call *c, struct p9_fid *f, struct stat *st)
{
	if (f->fd >= 0)
		return fstat(f->fd, st) == 0 ? 0 : -errno;
	return p9_fs_stat(c->fs, f->path, st);
}

int p9_op_getattr(struct p9_call *c)
{
	uint32_t fid = p9_get_u32(c->r);
	struct p9_fid *f;
	struct p9_qid q;
	struct stat st;
	int ret;

	p9_get_u64(c->r); /* request_mask: the basic set is always there */
	ret = p9_lookup(c, fid, &f);
	if (!ret)
		ret = p9_fid_stat(c, f, &st);
	if (ret)
		return ret;
	p9_qid_from_stat(c->fs, &st, &q);
	p9_put_u64(c->w, P9_GETATTR_BASIC);
	p9_put_qid(c->w, &q);
	p9_put_u32(c->w, st.st_mode);
	p9_put_u32(c->w, st.st_uid);
	p9_put_u32(c->w, st.st_gid);
	p9_put_u64(c->w, st.st_nlink);
	p9_put_u64(c->w, st.st_rdev);
	p9_put_u64(c->w, (uint64_t)st.st_size);
	p9_put_u64(c->w, (uint64_t)st.st_blksize);
	p9_put_u64(c->w, (uint64_t)st.st_blocks);
	p9_put_u64(c->w, (uint64_t)st.st_atim.tv_sec);
	p9_put_u64(c->w, (uint64_t)st.st_atim.tv_nsec);
	p9_put_u64(c->w, (uint64_t)st.st_mtim.tv_sec);
	p9_put_u64(c->w, (uint64_t)st.st_mtim.tv_nsec);
	p9_put_u64(c->w, (uint64_t)st.st_ctim.tv_sec);
	p9_put_u64(c->w, (uint64_t)st.st_ctim.tv_nsec);
	for (unsigned i = 0; i < 4; i++)
		p9_put_u64(c->w, 0); /* btime, gen, data_version: not offered */
	return 0;
}

/* chmod that never follows a symlink (fchmodat2's AT_SYMLINK_NOFOLLOW where the host has it). */
static int p9_chmod(int dirfd, const char *name, mode_t mode)
{
	struct stat st;

#ifdef SYS_fchmodat2
	if (syscall(SYS_fchmodat2, dirfd, name, mode, AT_SYMLINK_NOFOLLOW) == 0)
		return 0;
	if (errno != ENOSYS)
		return -errno;
#endif
	/* The server is single-threaded: nothing of the guest's swaps the name between these. */
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return -errno;
	if (S_ISLNK(st.st_mode))
		return -EOPNOTSUPP;
	return fchmodat(dirfd, name, mode, 0) == 0 ? 0 : -errno;
}

static int p9_truncate(struct p9_call *c, struct p9_fid *f, uint64_t size)
{
	struct stat st;
	int fd = f->fd, ret = 0;

	if (size > INT64_MAX)
		return -EINVAL;
	if (fd < 0 || (f->open_flags & O_ACCMODE) == O_RDONLY) {
		fd = p9_fs_open(c->fs, f->path, O_WRONLY | O_NONBLOCK, 0);
		if (fd < 0)
			return fd;
	}
	if (fstat(fd, &st) != 0)
		ret = -errno;
	else if (!S_ISREG(st.st_mode))
		ret = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
	else if (ftruncate(fd, (off_t)size) != 0)
		ret = -errno;
	if (fd != f->fd)
		close(fd);
	return ret;
}

int p9_op_setattr(struct p9_call *c)
{
	uint32_t fid = p9_get_u32(c->r), valid = p9_get_u32(c->r);
	uint32_t mode = p9_get_u32(c->r), uid = p9_get_u32(c->r), gid = p9_get_u32(c->r);
	uint64_t size = p9_get_u64(c->r);
	uint64_t at_s = p9_get_u64(c->r), at_ns = p9_get_u64(c->r);
	uint64_t mt_s = p9_get_u64(c->r), mt_ns = p9_get_u64(c->r);
	const char *name;
	struct p9_fid *f;
	int dirfd, ret;

	ret = p9_lookup(c, fid, &f);
	if (ret)
		return ret;
	if (!(valid & (P9_SETATTR_MODE | P9_SETATTR_UID | P9_SETATTR_GID | P9_SETATTR_SIZE |
		       P9_SETATTR_ATIME | P9_SETATTR_MTIME | P9_SETATTR_CTIME)))
		return 0;
	if (c->fs->read_only)
		return -EROFS;
	dirfd = p9_fs_open_parent(c->fs, f->path, &name);
	if (dirfd < 0)
		return dirfd;
	if (valid & P9_SETATTR_MODE)
		ret = p9_chmod(dirfd, name, mode & 07777);
	if (!ret && (valid & (P9_SETATTR_UID | P9_SETATTR_GID))) {
		uid_t u = (valid & P9_SETATTR_UID) ? uid : (uid_t)-1;
		gid_t g = (valid & P9_SETATTR_GID) ? gid : (gid_t)-1;

		/* Not root on the host: files stay the VMM user's (p9_server.h). */
		if (fchownat(dirfd, name, u, g, AT_SYMLINK_NOFOLLOW) != 0 && errno != EPERM)
			ret = -errno;
	}
	if (!ret && (valid & P9_SETATTR_SIZE))
		ret = p9_truncate(c, f, size);
	if (!ret && (valid & (P9_SETATTR_ATIME | P9_SETATTR_MTIME))) {
		struct timespec ts[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}};

		if (valid & P9_SETATTR_ATIME) {
			ts[0].tv_nsec = UTIME_NOW;
			if (valid & P9_SETATTR_ATIME_SET)
				ts[0] = (struct timespec){(time_t)at_s, (long)at_ns};
		}
		if (valid & P9_SETATTR_MTIME) {
			ts[1].tv_nsec = UTIME_NOW;
			if (valid & P9_SETATTR_MTIME_SET)
				ts[1] = (struct timespec){(time_t)mt_s, (long)mt_ns};
		}
		if (((valid & P9_SETATTR_ATIME_SET) && at_ns >= 1000000000u) ||
		    ((valid & P9_SETATTR_MTIME_SET) && mt_ns >= 1000000000u))
			ret = -EINVAL;
		else if (utimensat(dirfd, name, ts, AT_SYMLINK_NOFOLLOW) != 0)
			ret = -errno;
	}
	close(dirfd);
	return ret;
}

int p9_op_statfs(struct p9_call *c)
{
	uint32_t fid = p9_get_u32(c->r);
	struct p9_fid *f;
	struct statfs sf;
	int fd, ret;

	ret = p9_lookup(c, fid, &f);
	if (ret)
		return ret;
	fd = p9_fs_open(c->fs, f->path, O_PATH, 0);
	if (fd < 0)
		return fd;
	ret = fstatfs(fd, &sf) == 0 ? 0 : -errno;
	close(fd);
	if (ret)
		return ret;
	p9_put_u32(c->w, (uint32_t)sf.f_type);
	p9_put_u32(c->w, (uint32_t)sf.f_bsize);
	p9_put_u64(c->w, sf.f_blocks);
	p9_put_u64(c->w, sf.f_bfree);
	p9_put_u64(c->w, sf.f_bavail);
	p9_put_u64(c->w, sf.f_files);
	p9_put_u64(c->w, sf.f_ffree);
	{
		uint64_t fsid;

		memcpy(&fsid, &sf.f_fsid, sizeof(fsid));
		p9_put_u64(c->w, fsid);
	}
	p9_put_u32(c->w, (uint32_t)sf.f_namelen);
	return 0;
}

int p9_op_readlink(struct p9_call *c)
{
	uint32_t fid = p9_get_u32(c->r);
	char target[P9_PATH_MAX];
	struct p9_fid *f;
	struct stat st;
	ssize_t n = 0;
	int fd, ret;

	ret = p9_lookup(c, fid, &f);
	if (ret)
		return ret;
	fd = p9_fs_open(c->fs, f->path, O_PATH, 0);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) != 0)
		ret = -errno;
	else if (!S_ISLNK(st.st_mode))
		ret = -EINVAL;
	else if ((n = readlinkat(fd, "", target, sizeof(target))) < 0)
		ret = -errno;
	else if ((size_t)n >= sizeof(target))
		ret = -ENAMETOOLONG;
	close(fd);
	if (ret)
		return ret;
	p9_put_str(c->w, target, (size_t)n);
	return c->w->bad ? -ENOBUFS : 0;
}

int p9_op_lock(struct p9_call *c)
{
	uint32_t fid = p9_get_u32(c->r);
	struct p9_fid *f;
	int ret;

	p9_get_u8(c->r);  /* type */
	p9_get_u32(c->r); /* flags */
	p9_get_u64(c->r); /* start */
	p9_get_u64(c->r); /* length */
	p9_get_u32(c->r); /* proc_id */
	p9_get_str(c->r); /* client_id */
	ret = p9_lookup(c, fid, &f);
	if (ret)
		return ret;
	p9_put_u8(c->w, P9_LOCK_SUCCESS); /* p9_server.h: locks always succeed */
	return 0;
}

int p9_op_getlock(struct p9_call *c)
{
	uint32_t fid = p9_get_u32(c->r);
	struct p9_fid *f;
	uint64_t start, length;
	uint32_t proc_id;
	struct p9_str client;
	int ret;

	p9_get_u8(c->r);
	start = p9_get_u64(c->r);
	length = p9_get_u64(c->r);
	proc_id = p9_get_u32(c->r);
	client = p9_get_str(c->r);
	ret = p9_lookup(c, fid, &f);
	if (ret)
		return ret;
	p9_put_u8(c->w, P9_LOCK_TYPE_UNLCK);
	p9_put_u64(c->w, start);
	p9_put_u64(c->w, length);
	p9_put_u32(c->w, proc_id);
	p9_put_str(c->w, client.s, client.len);
	return 0;
}
