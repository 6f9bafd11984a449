/* SPDX-License-Identifier: MIT */
/*
 * Inside the 9P server (p9_server.h): the server's state and one request
 * being served, shared by the dispatcher (p9_server.c: session, walk,
 * dispatch) and the handlers in p9_file.c (open, read, write, readdir,
 * attributes, locks) and p9_tree.c (changes to the tree). A handler reads
 * its fields from c->r, returns -EINVAL if the reader ran out (before it
 * changed anything), does the work and writes the reply's body to c->w; a
 * negative Linux errno becomes an Rlerror (also when the reply did not fit
 * the guest's buffer: Linux sizes each buffer for its reply, so only a
 * hostile guest sees that, after the change it asked for; Twalk checks
 * first, so that no fid appears behind an error).
 */
#ifndef AXVM_DEVICES_P9_CALL_H
#define AXVM_DEVICES_P9_CALL_H

#include "p9_fid.h"
#include "p9_wire.h"

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

/* The fid `id` of a request: -EINVAL if the request was cut short (its fields are not all there),
 * -EBADF if no such fid. */
int p9_lookup(struct p9_call *c, uint32_t id, struct p9_fid **f);
/* The qid of path (lstat). */
int p9_stat_qid(struct p9_fs *fs, const char *path, struct p9_qid *q);

/* p9_file.c */
int p9_op_lopen(struct p9_call *c);
int p9_op_lcreate(struct p9_call *c);
int p9_op_read(struct p9_call *c);
int p9_op_write(struct p9_call *c);
int p9_op_fsync(struct p9_call *c);
int p9_op_readdir(struct p9_call *c);
int p9_op_getattr(struct p9_call *c);
int p9_op_setattr(struct p9_call *c);
int p9_op_statfs(struct p9_call *c);
int p9_op_readlink(struct p9_call *c);
int p9_op_lock(struct p9_call *c);
int p9_op_getlock(struct p9_call *c);

/* p9_tree.c */
int p9_op_mkdir(struct p9_call *c);
int p9_op_symlink(struct p9_call *c);
int p9_op_mknod(struct p9_call *c);
int p9_op_link(struct p9_call *c);
int p9_op_unlinkat(struct p9_call *c);
int p9_op_remove(struct p9_call *c);
int p9_op_rename(struct p9_call *c);
int p9_op_renameat(struct p9_call *c);

#endif
