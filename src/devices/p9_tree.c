/* SPDX-License-Identifier: MIT */
/*
 * 9P2000.L changes to the tree (p9_call.h): mkdir, symlink, mknod, link,
 * unlinkat, remove, rename and renameat. Each works on a directory fd
 * opened beneath the share and one checked name, never following a
 * symlink; a read-only share answers EROFS first.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "p9_call.h"

/* The directory fid's O_PATH fd, after the read-only and name checks. */
static int p9_dir_for_change(struct p9_call *c, uint32_t dfid, const struct p9_str *name,
			     struct p9_fid **df)
{
	int ret;

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

int p9_op_mkdir(struct p9_call *c)
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

int p9_op_symlink(struct p9_call *c)
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

int p9_op_mknod(struct p9_call *c)
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

int p9_op_link(struct p9_call *c)
{
	uint32_t dfid = p9_get_u32(c->r), fid = p9_get_u32(c->r);
	struct p9_str name = p9_get_str(c->r);
	char nm[NAME_MAX + 1];
	const char *old_name;
	struct p9_fid *df, *f = NULL;
	int dirfd, old_dir, ret;

	ret = p9_lookup(c, fid, &f);
	if (ret)
		return ret;
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

int p9_op_unlinkat(struct p9_call *c)
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

int p9_op_remove(struct p9_call *c)
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

int p9_op_rename(struct p9_call *c)
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

int p9_op_renameat(struct p9_call *c)
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
