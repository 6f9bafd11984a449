/* SPDX-License-Identifier: MIT */
/*
 * The 9P server's fid table and its confined view of the shared directory
 * (private to p9_server.c; the rules are in p9_server.h). A fid's path is
 * relative to the share's root: "" is the root, "a/b" a descendant; paths
 * only ever hold names p9_name_ok accepted.
 *
 * Every function returns 0 (or an fd) or a negative Linux errno.
 */
#ifndef AXVM_DEVICES_P9_FID_H
#define AXVM_DEVICES_P9_FID_H

#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "p9_wire.h"

#define P9_FID_BUCKETS 1024u
#define P9_PATH_MAX 4096u /* bytes of a relative path with its NUL */

struct p9_fid {
	uint32_t id;
	struct p9_fid *next; /* hash chain */
	char *path;
	size_t path_len;
	int fd;		/* -1 until Tlopen / Tlcreate */
	int open_flags; /* host flags fd was opened with */
	bool is_dir;	/* fd is a directory */
	DIR *dir;	/* Treaddir's stream, on a dup of fd */
};

struct p9_fs {
	int root_fd; /* O_RDONLY | O_DIRECTORY */
	dev_t root_dev;
	bool read_only;
	unsigned max_fids, nfids;
	unsigned max_open, nopen; /* fids holding a host fd (Tlopen, Tlcreate) */
	size_t path_bytes;	  /* summed over the fids, bounded by P9_PATH_BYTES_MAX */
	struct p9_fid *bucket[P9_FID_BUCKETS];
};

/* A name the guest gives for one directory entry: not "", ".", "..", no '/', no NUL. */
bool p9_name_ok(const struct p9_str *name);

struct p9_fid *p9_fid_get(struct p9_fs *fs, uint32_t id);
/* A new fid with a copy of path (-EEXIST if id is in use, -ENFILE over the limits). */
int p9_fid_new(struct p9_fs *fs, uint32_t id, const char *path, struct p9_fid **out);
/* Give fid a new path (a copy). */
int p9_fid_set_path(struct p9_fs *fs, struct p9_fid *f, const char *path);
/* Close what the fid holds and forget it. */
void p9_fid_put(struct p9_fs *fs, struct p9_fid *f);
void p9_fid_put_all(struct p9_fs *fs);
/* After a rename of old -> new: fids at or below old now name new. */
void p9_fid_renamed(struct p9_fs *fs, const char *old_path, const char *new_path);

/* "dir" + "name" into out (P9_PATH_MAX bytes): -ENAMETOOLONG, -EINVAL for a bad name. */
int p9_path_join(const char *dir, const struct p9_str *name, char *out);

/*
 * openat2(root, path, flags | O_NOFOLLOW | O_CLOEXEC, mode) beneath the
 * root, following no symlink. Returns the fd or -errno.
 */
int p9_fs_open(struct p9_fs *fs, const char *path, int flags, unsigned mode);
/*
 * The directory holding path's last component, opened O_PATH, and that
 * component (a pointer into path; "." for the root itself).
 */
int p9_fs_open_parent(struct p9_fs *fs, const char *path, const char **name);
/* lstat of path (through an O_PATH fd). */
int p9_fs_stat(struct p9_fs *fs, const char *path, struct stat *st);

void p9_qid_from_stat(const struct p9_fs *fs, const struct stat *st, struct p9_qid *q);

#endif
