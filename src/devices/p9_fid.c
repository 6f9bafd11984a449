/* SPDX-License-Identifier: MIT */
/* The 9P server's fid table and confined host access (p9_fid.h). */
#include "p9_fid.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "p9_server.h"

bool p9_name_ok(const struct p9_str *name)
{
	if (name->len == 0 || name->len > NAME_MAX)
		return false;
	if (memchr(name->s, '/', name->len) || memchr(name->s, 0, name->len))
		return false;
	if (name->s[0] == '.' && (name->len == 1 || (name->len == 2 && name->s[1] == '.')))
		return false;
	return true;
}

static unsigned p9_fid_hash(uint32_t id)
{
	return (id ^ (id >> 10) ^ (id >> 20)) & (P9_FID_BUCKETS - 1);
}

struct p9_fid *p9_fid_get(struct p9_fs *fs, uint32_t id)
{
	struct p9_fid *f;

	for (f = fs->bucket[p9_fid_hash(id)]; f; f = f->next)
		if (f->id == id)
			return f;
	return NULL;
}

int p9_fid_set_path(struct p9_fs *fs, struct p9_fid *f, const char *path)
{
	size_t len = strlen(path);
	char *copy;

	if (fs->path_bytes - f->path_len + len > P9_PATH_BYTES_MAX)
		return -ENFILE;
	copy = malloc(len + 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, path, len + 1);
	free(f->path);
	fs->path_bytes = fs->path_bytes - f->path_len + len;
	f->path = copy;
	f->path_len = len;
	return 0;
}

int p9_fid_new(struct p9_fs *fs, uint32_t id, const char *path, struct p9_fid **out)
{
	struct p9_fid *f;
	unsigned b = p9_fid_hash(id);
	int ret;

	*out = NULL;
	if (id == P9_NOFID || p9_fid_get(fs, id))
		return -EEXIST;
	if (fs->nfids >= fs->max_fids)
		return -ENFILE;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->id = id;
	f->fd = -1;
	ret = p9_fid_set_path(fs, f, path);
	if (ret) {
		free(f);
		return ret;
	}
	f->next = fs->bucket[b];
	fs->bucket[b] = f;
	fs->nfids++;
	*out = f;
	return 0;
}

void p9_fid_put(struct p9_fs *fs, struct p9_fid *f)
{
	struct p9_fid **pp = &fs->bucket[p9_fid_hash(f->id)];

	while (*pp != f)
		pp = &(*pp)->next;
	*pp = f->next;
	if (f->dir)
		closedir(f->dir);
	if (f->fd >= 0) {
		close(f->fd);
		fs->nopen--;
	}
	fs->path_bytes -= f->path_len;
	fs->nfids--;
	free(f->path);
	free(f);
}

void p9_fid_put_all(struct p9_fs *fs)
{
	for (unsigned b = 0; b < P9_FID_BUCKETS; b++)
		while (fs->bucket[b])
			p9_fid_put(fs, fs->bucket[b]);
}

void p9_fid_renamed(struct p9_fs *fs, const char *old_path, const char *new_path)
{
	size_t old_len = strlen(old_path), new_len = strlen(new_path);
	char buf[P9_PATH_MAX];

	for (unsigned b = 0; b < P9_FID_BUCKETS; b++) {
		for (struct p9_fid *f = fs->bucket[b]; f; f = f->next) {
			if (strncmp(f->path, old_path, old_len) != 0 ||
			    (f->path[old_len] != 0 && f->path[old_len] != '/'))
				continue;
			if (new_len + (f->path_len - old_len) >= sizeof(buf))
				continue; /* too deep now: its next use fails */
			memcpy(buf, new_path, new_len);
			memcpy(buf + new_len, f->path + old_len, f->path_len - old_len + 1);
			p9_fid_set_path(fs, f, buf); /* on failure it keeps the old name */
		}
	}
}

int p9_path_join(const char *dir, const struct p9_str *name, char *out)
{
	size_t dlen = strlen(dir);

	if (!p9_name_ok(name))
		return -EINVAL;
	if (dlen + 1 + name->len >= P9_PATH_MAX)
		return -ENAMETOOLONG;
	memcpy(out, dir, dlen);
	if (dlen)
		out[dlen++] = '/';
	memcpy(out + dlen, name->s, name->len);
	out[dlen + name->len] = 0;
	return 0;
}

static int p9_openat2(int dirfd, const char *path, int flags, unsigned mode)
{
	struct open_how how = {
	    .flags = (uint64_t)(flags | O_NOFOLLOW | O_CLOEXEC),
	    .mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
	    .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS,
	};
	long fd;

	do
		fd = syscall(SYS_openat2, dirfd, path[0] ? path : ".", &how, sizeof(how));
	while (fd < 0 && errno == EINTR);
	return fd < 0 ? -errno : (int)fd;
}

int p9_fs_open(struct p9_fs *fs, const char *path, int flags, unsigned mode)
{
	return p9_openat2(fs->root_fd, path, flags, mode);
}

int p9_fs_open_parent(struct p9_fs *fs, const char *path, const char **name)
{
	char dir[P9_PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t dlen;

	if (!path[0]) {
		*name = ".";
		return p9_openat2(fs->root_fd, "", O_PATH | O_DIRECTORY, 0);
	}
	if (!slash) {
		*name = path;
		return p9_openat2(fs->root_fd, "", O_PATH | O_DIRECTORY, 0);
	}
	dlen = (size_t)(slash - path);
	if (dlen >= sizeof(dir))
		return -ENAMETOOLONG;
	memcpy(dir, path, dlen);
	dir[dlen] = 0;
	*name = slash + 1;
	return p9_openat2(fs->root_fd, dir, O_PATH | O_DIRECTORY, 0);
}

int p9_fs_stat(struct p9_fs *fs, const char *path, struct stat *st)
{
	int fd = p9_fs_open(fs, path, O_PATH, 0), ret = 0;

	if (fd < 0)
		return fd;
	if (fstat(fd, st) != 0)
		ret = -errno;
	close(fd);
	return ret;
}

void p9_qid_from_stat(const struct p9_fs *fs, const struct stat *st, struct p9_qid *q)
{
	q->type = S_ISDIR(st->st_mode) ? P9_QTDIR : S_ISLNK(st->st_mode) ? P9_QTSYMLINK : P9_QTFILE;
	q->version = 0;
	/* Inode numbers repeat across file systems: keep those of another apart. */
	q->path = (uint64_t)st->st_ino;
	if (st->st_dev != fs->root_dev)
		q->path ^= (uint64_t)st->st_dev << 48;
}
