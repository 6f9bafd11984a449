/* SPDX-License-Identifier: MIT */
/*
 * The 9P2000.L server (p9_server.h): one handler per request type in a
 * table. A handler reads its fields, returns -EINVAL if the reader ran out
 * (then nothing has happened yet), does the work and writes the reply's
 * body; a negative Linux errno becomes an Rlerror (also when the reply
 * did not fit the guest's buffer: Linux sizes each buffer for its reply,
 * so only a hostile guest sees that, after the change it asked for). Field
 * lists follow
 * Linux's net/9p/client.c and QEMU's hw/9pfs/9p.c.
 */
#include "p9_server.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/error.h"
#include "p9_fid.h"

#define P9_IOHDR 11u /* size type tag count */

struct p9_server {
	struct p9_fs fs;
	uint32_t msize_max, msize;
};

struct p9_call {
	struct p9_server *s;
	struct p9_fs *fs;
	struct p9_reader *r;
	struct p9_writer *w;
};

typedef int (*p9_handler)(struct p9_call *c);

static int p9_stat_qid(struct p9_fs *fs, const char *path, struct p9_qid *q)
{
	struct stat st;
	int ret = p9_fs_stat(fs, path, &st);

	if (!ret)
		p9_qid_from_stat(fs, &st, q);
	return ret;
}

static int p9_lookup(struct p9_call *c, uint32_t id, struct p9_fid **f)
{
	*f = p9_fid_get(c->fs, id);
	return *f ? 0 : -EBADF;
}

/* ---- session ---- */

static int p9_version(struct p9_call *c)
{
	uint32_t msize = p9_get_u32(c->r);
	struct p9_str v = p9_get_str(c->r);
	static const char want[] = "9P2000.L";

	if (c->r->bad)
		return -EINVAL;
	/* A new session: every fid of the old one goes (9P "version"). */
	p9_fid_put_all(c->fs);
	if (msize < P9_MSIZE_MIN)
		return -EINVAL;
	c->s->msize = msize < c->s->msize_max ? msize : c->s->msize_max;
	p9_put_u32(c->w, c->s->msize);
	if (v.len == sizeof(want) - 1 && memcmp(v.s, want, v.len) == 0)
		p9_put_str(c->w, want, sizeof(want) - 1);
	else
		p9_put_str(c->w, "unknown", 7);
	return 0;
}

static int p9_attach(struct p9_call *c)
{
	uint32_t fid = p9_get_u32(c->r);
	struct p9_fid *f;
	struct p9_qid q;
	int ret;

	p9_get_u32(c->r); /* afid: no authentication */
	p9_get_str(c->r); /* uname */
	p9_get_str(c->r); /* aname: there is one tree, the share */
	p9_get_u32(c->r); /* n_uname */
	if (c->r->bad)
		return -EINVAL;
	ret = p9_stat_qid(c->fs, "", &q);
	if (!ret)
		ret = p9_fid_new(c->fs, fid, "", &f);
	if (ret)
		return ret;
	p9_put_qid(c->w, &q);
	return 0;
}

static int p9_flush(struct p9_call *c)
{
	p9_get_u16(c->r); /* oldtag: every request is already answered */
	return c->r->bad ? -EINVAL : 0;
}

static int p9_clunk(struct p9_call *c)
{
	struct p9_fid *f;
	int ret = p9_lookup(c, p9_get_u32(c->r), &f);

	if (c->r->bad)
		return -EINVAL;
	if (!ret)
		p9_fid_put(c->fs, f);
	return ret;
}

static int p9_unsupported(struct p9_call *c)
{
	return -EOPNOTSUPP;
}

/* ---- names ---- */

static int p9_walk(struct p9_call *c)
{
	uint32_t fid = p9_get_u32(c->r), newfid = p9_get_u32(c->r);
	uint16_t nwname = p9_get_u16(c->r);
	struct p9_str names[P9_MAXWELEM];
	struct p9_qid qids[P9_MAXWELEM];
	char path[P9_PATH_MAX];
	struct p9_fid *f, *nf;
	unsigned n;
	int ret = 0;

	if (nwname > P9_MAXWELEM)
		return -EINVAL;
	for (unsigned i = 0; i < nwname; i++)
		names[i] = p9_get_str(c->r);
	if (c->r->bad)
		return -EINVAL;
	ret = p9_lookup(c, fid, &f);
	if (ret)
		return ret;
	if (newfid != fid && p9_fid_get(c->fs, newfid))
		return -EEXIST;
	memcpy(path, f->path, f->path_len + 1);
	for (n = 0; n < nwname; n++) {
		const struct p9_str *nm = &names[n];
		char next[P9_PATH_MAX];

		if (nm->len == 2 && nm->s[0] == '.' && nm->s[1] == '.') {
			/* Lexically: the host never resolves "..", and the root is its own parent.
			 */
			char *slash = strrchr(path, '/');

			if (slash)
				*slash = 0;
			else
				path[0] = 0;
		} else if (!(nm->len == 1 && nm->s[0] == '.')) {
			ret = p9_path_join(path, nm, next);
			if (ret)
				break;
			memcpy(path, next, strlen(next) + 1);
		}
		ret = p9_stat_qid(c->fs, path, &qids[n]);
		if (ret)
			break;
	}
	if (n == 0 && nwname > 0)
		return ret;
	/* Linux sizes reply buffers to fit: a short one fails the walk before newfid exists. */
	if (c->w->cap - c->w->off < 2 + (size_t)n * P9_QID_SIZE)
		return -ENOBUFS;
	if (n == nwname) {
		/* Only a walk that reaches its end makes (or moves) newfid. */
		ret = newfid == fid ? p9_fid_set_path(c->fs, f, path)
				    : p9_fid_new(c->fs, newfid, path, &nf);
		if (ret)
			return ret;
	}
	p9_put_u16(c->w, (uint16_t)n);
	for (unsigned i = 0; i < n; i++)
		p9_put_qid(c->w, &qids[i]);
	return 0;
}

/* ---- open, read, write ---- */

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
	p9_qid_from_stat(c->fs, &st, q);
	return 0;
}

static int p9_lopen(struct p9_call *c)
{
	uint32_t fid = p9_get_u32(c->r), flags = p9_get_u32(c->r);
	struct p9_fid *f;
	struct p9_qid q;
	int hflags, ret;

	if (c->r->bad)
		return -EINVAL;
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

static int p9_lcreate(struct p9_call *c)
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
	if (c->r->bad)
		return -EINVAL;
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
	p9_qid_from_stat(c->fs, &st, &q);
	p9_put_qid(c->w, &q);
	p9_put_u32(c->w, 0);
	return 0;
}

static int p9_read(struct p9_call *c)
{
	uint32_t fid = p9_get_u32(c->r);
	uint64_t offset = p9_get_u64(c->r);
	uint32_t count = p9_get_u32(c->r);
	size_t room = c->w->cap - c->w->off - 4;
	struct p9_fid *f;
	uint8_t *data;
	ssize_t n;
	int ret;

	if (c->r->bad || offset > INT64_MAX)
		return -EINVAL;
	ret = p9_lookup(c, fid, &f);
	if (ret)
		return ret;
	if (f->fd < 0 || (f->open_flags & O_ACCMODE) == O_WRONLY)
		return -EBADF;
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

static int p9_write(struct p9_call *c)
{
	uint32_t fid = p9_get_u32(c->r);
	uint64_t offset = p9_get_u64(c->r);
	uint32_t count = p9_get_u32(c->r);
	const uint8_t *data = p9_get_bytes(c->r, count);
	struct p9_fid *f;
	ssize_t n;
	int ret;

	if (c->r->bad || offset > INT64_MAX)
		return -EINVAL;
	ret = p9_lookup(c, fid, &f);
	if (ret)
		return ret;
	if (f->fd < 0 || (f->open_flags & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	do
		n = pwrite(f->fd, data, count, (off_t)offset);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	p9_put_u32(c->w, (uint32_t)n);
	return 0;
}

static int p9_fsync(struct p9_call *c)
{
	uint32_t fid = p9_get_u32(c->r), datasync = p9_get_u32(c->r);
	struct p9_fid *f;
	int ret;

	if (c->r->bad)
		return -EINVAL;
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
static int p9_readdir(struct p9_call *c)
{
	uint32_t fid = p9_get_u32(c->r);
	uint64_t offset = p9_get_u64(c->r);
	uint32_t count = p9_get_u32(c->r);
	size_t room = c->w->cap - c->w->off - 4, start;
	struct p9_fid *f;
	int ret;

	if (c->r->bad)
		return -EINVAL;
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

static int p9_getattr(struct p9_call *c)
{
	uint32_t fid = p9_get_u32(c->r);
	struct p9_fid *f;
	struct p9_qid q;
	struct stat st;
	int ret;

	p9_get_u64(c->r); /* request_mask: the basic set is always there */
	if (c->r->bad)
		return -EINVAL;
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

static int p9_setattr(struct p9_call *c)
{
	uint32_t fid = p9_get_u32(c->r), valid = p9_get_u32(c->r);
	uint32_t mode = p9_get_u32(c->r), uid = p9_get_u32(c->r), gid = p9_get_u32(c->r);
	uint64_t size = p9_get_u64(c->r);
	uint64_t at_s = p9_get_u64(c->r), at_ns = p9_get_u64(c->r);
	uint64_t mt_s = p9_get_u64(c->r), mt_ns = p9_get_u64(c->r);
	const char *name;
	struct p9_fid *f;
	int dirfd, ret;

	if (c->r->bad)
		return -EINVAL;
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

static int p9_statfs(struct p9_call *c)
{
	uint32_t fid = p9_get_u32(c->r);
	struct p9_fid *f;
	struct statfs sf;
	int fd, ret;

	if (c->r->bad)
		return -EINVAL;
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

static int p9_readlink(struct p9_call *c)
{
	uint32_t fid = p9_get_u32(c->r);
	char target[P9_PATH_MAX];
	struct p9_fid *f;
	struct stat st;
	ssize_t n = 0;
	int fd, ret;

	if (c->r->bad)
		return -EINVAL;
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

static int p9_lock(struct p9_call *c)
{
	uint32_t fid = p9_get_u32(c->r);
	struct p9_fid *f;

	p9_get_u8(c->r);  /* type */
	p9_get_u32(c->r); /* flags */
	p9_get_u64(c->r); /* start */
	p9_get_u64(c->r); /* length */
	p9_get_u32(c->r); /* proc_id */
	p9_get_str(c->r); /* client_id */
	if (c->r->bad)
		return -EINVAL;
	if (p9_lookup(c, fid, &f))
		return -EBADF;
	p9_put_u8(c->w, P9_LOCK_SUCCESS); /* p9_server.h: locks always succeed */
	return 0;
}

static int p9_getlock(struct p9_call *c)
{
	uint32_t fid = p9_get_u32(c->r);
	struct p9_fid *f;
	uint64_t start, length;
	uint32_t proc_id;
	struct p9_str client;

	p9_get_u8(c->r);
	start = p9_get_u64(c->r);
	length = p9_get_u64(c->r);
	proc_id = p9_get_u32(c->r);
	client = p9_get_str(c->r);
	if (c->r->bad)
		return -EINVAL;
	if (p9_lookup(c, fid, &f))
		return -EBADF;
	p9_put_u8(c->w, P9_LOCK_TYPE_UNLCK);
	p9_put_u64(c->w, start);
	p9_put_u64(c->w, length);
	p9_put_u32(c->w, proc_id);
	p9_put_str(c->w, client.s, client.len);
	return 0;
}

/* ---- changes to the tree ---- */

/* The directory fid's O_PATH fd, after the read-only and name checks. */
static int p9_dir_for_change(struct p9_call *c, uint32_t dfid, const struct p9_str *name,
			     struct p9_fid **df)
{
	int ret;

	if (c->r->bad)
		return -EINVAL;
	ret = p9_lookup(c, dfid, df);
	if (ret)
		return ret;
	if (c->fs->read_only)
		return -EROFS;
	if (!p9_name_ok(name))
		return -EINVAL;
	return p9_fs_open(c->fs, (*df)->path, O_PATH | O_DIRECTORY, 0);
}

/* A NUL-terminated copy of a name p9_name_ok accepted. */
static void p9_cstr(const struct p9_str *s, char *out)
{
	memcpy(out, s->s, s->len);
	out[s->len] = 0;
}

static int p9_reply_qid_at(struct p9_call *c, int dirfd, const char *name)
{
	struct stat st;
	struct p9_qid q;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return -errno;
	p9_qid_from_stat(c->fs, &st, &q);
	p9_put_qid(c->w, &q);
	return 0;
}

static int p9_mkdir(struct p9_call *c)
{
	uint32_t dfid = p9_get_u32(c->r);
	struct p9_str name = p9_get_str(c->r);
	uint32_t mode = p9_get_u32(c->r);
	char nm[NAME_MAX + 1];
	struct p9_fid *df;
	int dirfd, ret;

	p9_get_u32(c->r); /* gid */
	dirfd = p9_dir_for_change(c, dfid, &name, &df);
	if (dirfd < 0)
		return dirfd;
	p9_cstr(&name, nm);
	ret = mkdirat(dirfd, nm, mode & 07777) == 0 ? p9_reply_qid_at(c, dirfd, nm) : -errno;
	close(dirfd);
	return ret;
}

static int p9_symlink(struct p9_call *c)
{
	uint32_t dfid = p9_get_u32(c->r);
	struct p9_str name = p9_get_str(c->r), target = p9_get_str(c->r);
	char nm[NAME_MAX + 1], tg[P9_PATH_MAX];
	struct p9_fid *df;
	int dirfd, ret;

	p9_get_u32(c->r); /* gid */
	if (!c->r->bad &&
	    (target.len == 0 || target.len >= sizeof(tg) || memchr(target.s, 0, target.len)))
		return -EINVAL;
	dirfd = p9_dir_for_change(c, dfid, &name, &df);
	if (dirfd < 0)
		return dirfd;
	p9_cstr(&name, nm);
	memcpy(tg, target.s, target.len); /* stored as given: the host never follows it */
	tg[target.len] = 0;
	ret = symlinkat(tg, dirfd, nm) == 0 ? p9_reply_qid_at(c, dirfd, nm) : -errno;
	close(dirfd);
	return ret;
}

static int p9_mknod(struct p9_call *c)
{
	uint32_t dfid = p9_get_u32(c->r);
	struct p9_str name = p9_get_str(c->r);
	uint32_t mode = p9_get_u32(c->r);
	char nm[NAME_MAX + 1];
	struct p9_fid *df;
	int dirfd, ret;

	p9_get_u32(c->r); /* major */
	p9_get_u32(c->r); /* minor */
	p9_get_u32(c->r); /* gid */
	dirfd = p9_dir_for_change(c, dfid, &name, &df);
	if (dirfd < 0)
		return dirfd;
	/* No device nodes: the guest must not reach the host's devices through the share. */
	if (!S_ISFIFO(mode) && !S_ISSOCK(mode) && !S_ISREG(mode)) {
		close(dirfd);
		return -EPERM;
	}
	p9_cstr(&name, nm);
	ret = mknodat(dirfd, nm, mode & (S_IFMT | 07777), 0) == 0 ? p9_reply_qid_at(c, dirfd, nm)
								  : -errno;
	close(dirfd);
	return ret;
}

static int p9_link(struct p9_call *c)
{
	uint32_t dfid = p9_get_u32(c->r), fid = p9_get_u32(c->r);
	struct p9_str name = p9_get_str(c->r);
	char nm[NAME_MAX + 1];
	const char *old_name;
	struct p9_fid *df, *f = NULL;
	int dirfd, old_dir, ret;

	if (!c->r->bad && p9_lookup(c, fid, &f))
		return -EBADF;
	dirfd = p9_dir_for_change(c, dfid, &name, &df);
	if (dirfd < 0)
		return dirfd;
	old_dir = p9_fs_open_parent(c->fs, f->path, &old_name);
	if (old_dir < 0) {
		close(dirfd);
		return old_dir;
	}
	p9_cstr(&name, nm);
	/* No AT_SYMLINK_FOLLOW: a symlink is linked as itself. */
	ret = linkat(old_dir, old_name, dirfd, nm, 0) == 0 ? 0 : -errno;
	close(old_dir);
	close(dirfd);
	return ret;
}

static int p9_unlinkat(struct p9_call *c)
{
	uint32_t dfid = p9_get_u32(c->r);
	struct p9_str name = p9_get_str(c->r);
	uint32_t flags = p9_get_u32(c->r);
	char nm[NAME_MAX + 1];
	struct p9_fid *df;
	int dirfd, ret;

	dirfd = p9_dir_for_change(c, dfid, &name, &df);
	if (dirfd < 0)
		return dirfd;
	p9_cstr(&name, nm);
	ret = unlinkat(dirfd, nm, (flags & P9_DOTL_AT_REMOVEDIR) ? AT_REMOVEDIR : 0) == 0 ? 0
											  : -errno;
	close(dirfd);
	return ret;
}

static int p9_remove(struct p9_call *c)
{
	struct p9_fid *f;
	const char *name;
	struct stat st;
	int dirfd, ret;

	ret = p9_lookup(c, p9_get_u32(c->r), &f);
	if (c->r->bad)
		return -EINVAL;
	if (ret)
		return ret;
	if (c->fs->read_only)
		ret = -EROFS;
	else if (!f->path[0])
		ret = -EBUSY;
	else if ((dirfd = p9_fs_open_parent(c->fs, f->path, &name)) < 0)
		ret = dirfd;
	else {
		if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			ret = -errno;
		else if (unlinkat(dirfd, name, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) != 0)
			ret = -errno;
		close(dirfd);
	}
	p9_fid_put(c->fs, f); /* Tremove clunks the fid even when it fails */
	return ret;
}

/* Rename old_path (a fid's or dir+name) into directory fid nd as new_name. */
static int p9_do_rename(struct p9_call *c, const char *old_path, struct p9_fid *nd,
			const struct p9_str *new_name)
{
	char new_path[P9_PATH_MAX], nm[NAME_MAX + 1];
	const char *old_name;
	int old_dir, new_dir, ret;

	if (c->fs->read_only)
		return -EROFS;
	if (!old_path[0])
		return -EBUSY;
	ret = p9_path_join(nd->path, new_name, new_path);
	if (ret)
		return ret;
	old_dir = p9_fs_open_parent(c->fs, old_path, &old_name);
	if (old_dir < 0)
		return old_dir;
	new_dir = p9_fs_open(c->fs, nd->path, O_PATH | O_DIRECTORY, 0);
	if (new_dir < 0) {
		close(old_dir);
		return new_dir;
	}
	p9_cstr(new_name, nm);
	ret = renameat(old_dir, old_name, new_dir, nm) == 0 ? 0 : -errno;
	close(old_dir);
	close(new_dir);
	if (!ret)
		p9_fid_renamed(c->fs, old_path, new_path);
	return ret;
}

static int p9_rename(struct p9_call *c)
{
	uint32_t fid = p9_get_u32(c->r), dfid = p9_get_u32(c->r);
	struct p9_str name = p9_get_str(c->r);
	char old_path[P9_PATH_MAX];
	struct p9_fid *f, *df;

	if (c->r->bad)
		return -EINVAL;
	if (p9_lookup(c, fid, &f) || p9_lookup(c, dfid, &df))
		return -EBADF;
	memcpy(old_path, f->path, f->path_len + 1); /* the rename rewrites f->path */
	return p9_do_rename(c, old_path, df, &name);
}

static int p9_renameat(struct p9_call *c)
{
	uint32_t ofid = p9_get_u32(c->r);
	struct p9_str oname = p9_get_str(c->r);
	uint32_t nfid = p9_get_u32(c->r);
	struct p9_str nname = p9_get_str(c->r);
	char old_path[P9_PATH_MAX];
	struct p9_fid *od, *nd;
	int ret;

	if (c->r->bad)
		return -EINVAL;
	if (p9_lookup(c, ofid, &od) || p9_lookup(c, nfid, &nd))
		return -EBADF;
	ret = p9_path_join(od->path, &oname, old_path);
	if (ret)
		return ret;
	return p9_do_rename(c, old_path, nd, &nname);
}

/* ---- dispatch ---- */

static const p9_handler p9_handlers[P9_TYPE_MAX] = {
    [P9_TSTATFS] = p9_statfs,
    [P9_TLOPEN] = p9_lopen,
    [P9_TLCREATE] = p9_lcreate,
    [P9_TSYMLINK] = p9_symlink,
    [P9_TMKNOD] = p9_mknod,
    [P9_TRENAME] = p9_rename,
    [P9_TREADLINK] = p9_readlink,
    [P9_TGETATTR] = p9_getattr,
    [P9_TSETATTR] = p9_setattr,
    [P9_TXATTRWALK] = p9_unsupported,
    [P9_TXATTRCREATE] = p9_unsupported,
    [P9_TREADDIR] = p9_readdir,
    [P9_TFSYNC] = p9_fsync,
    [P9_TLOCK] = p9_lock,
    [P9_TGETLOCK] = p9_getlock,
    [P9_TLINK] = p9_link,
    [P9_TMKDIR] = p9_mkdir,
    [P9_TRENAMEAT] = p9_renameat,
    [P9_TUNLINKAT] = p9_unlinkat,
    [P9_TVERSION] = p9_version,
    [P9_TAUTH] = p9_unsupported,
    [P9_TATTACH] = p9_attach,
    [P9_TFLUSH] = p9_flush,
    [P9_TWALK] = p9_walk,
    [P9_TREAD] = p9_read,
    [P9_TWRITE] = p9_write,
    [P9_TCLUNK] = p9_clunk,
    [P9_TREMOVE] = p9_remove,
};

static size_t p9_error_reply(struct p9_writer *w, uint16_t tag, int err)
{
	p9_begin(w, P9_RLERROR, tag);
	p9_put_u32(w, (uint32_t)err);
	return p9_end(w);
}

size_t p9_server_handle(struct p9_server *s, const uint8_t *req, size_t req_len, uint8_t *resp,
			size_t resp_cap)
{
	struct p9_reader r;
	struct p9_writer w;
	struct p9_call c = {s, &s->fs, &r, &w};
	uint32_t size;
	uint8_t type;
	uint16_t tag;
	int ret;

	if (resp_cap > s->msize)
		resp_cap = s->msize;
	p9_writer_init(&w, resp, resp_cap);
	p9_reader_init(&r, req, req_len);
	size = p9_get_u32(&r);
	type = p9_get_u8(&r);
	tag = p9_get_u16(&r);
	if (r.bad || resp_cap < P9_IOHDR)
		return 0;
	if (size < P9_HDR_SIZE || size > req_len)
		return p9_error_reply(&w, tag, EINVAL); /* a lying size */
	r.len = size;
	if (type >= P9_TYPE_MAX || !p9_handlers[type] || (type & 1))
		return p9_error_reply(&w, tag, EOPNOTSUPP);
	p9_begin(&w, (uint8_t)(type + 1), tag);
	ret = p9_handlers[type](&c);
	if (!ret && (r.bad || w.bad))
		ret = r.bad ? -EINVAL : -ENOBUFS;
	if (ret)
		return p9_error_reply(&w, tag, -ret);
	return p9_end(&w);
}

unsigned p9_server_fid_count(const struct p9_server *s)
{
	return s->fs.nfids;
}

int p9_server_create(const struct p9_server_params *p, struct p9_server **out)
{
	struct p9_server *s;
	struct stat st;
	int fd, probe;

	*out = NULL;
	fd = open(p->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return axvm_error_set(errno == ENOENT ? -AXVM_ENOENT : -AXVM_EINVAL, "%s: %s",
				      p->root, strerror(errno));
	if (fstat(fd, &st) != 0) {
		close(fd);
		return axvm_error_set(-AXVM_EIO, "%s: %s", p->root, strerror(errno));
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		close(fd);
		return axvm_error_set(-AXVM_ENOMEM, "%s: out of memory", p->root);
	}
	s->fs.root_fd = fd;
	s->fs.root_dev = st.st_dev;
	s->fs.read_only = p->read_only;
	s->fs.max_fids = p->max_fids ? p->max_fids : P9_MAX_FIDS_DEFAULT;
	s->msize_max = p->msize_max && p->msize_max < P9_MSIZE_MAX ? p->msize_max : P9_MSIZE_MAX;
	if (s->msize_max < P9_MSIZE_MIN)
		s->msize_max = P9_MSIZE_MIN;
	s->msize = s->msize_max;
	/* Confinement rests on openat2: without it, no share (p9_server.h). */
	probe = p9_fs_open(&s->fs, "", O_PATH | O_DIRECTORY, 0);
	if (probe < 0) {
		p9_server_destroy(s);
		return axvm_error_set(
		    -AXVM_ENOTSUP, "%s: cannot open it beneath itself (%s)%s", p->root,
		    strerror(-probe),
		    probe == -ENOSYS ? ": the host kernel lacks openat2 (Linux 5.6+)" : "");
	}
	close(probe);
	*out = s;
	return 0;
}

void p9_server_destroy(struct p9_server *s)
{
	if (!s)
		return;
	p9_fid_put_all(&s->fs);
	close(s->fs.root_fd);
	free(s);
}
