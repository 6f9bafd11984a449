/* SPDX-License-Identifier: MIT */
/*
 * The 9P2000.L server (p9_server.h): the session (version, attach, flush,
 * clunk), walks, and the dispatch of each request type to its handler
 * (a table; the handlers' contract is in p9_call.h). Field lists follow
 * Linux's net/9p/client.c and QEMU's hw/9pfs/9p.c.
 */
#include "p9_server.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "p9_call.h"

#define P9_IOHDR 11u /* size type tag count */

typedef int (*p9_handler)(struct p9_call *c);

int p9_stat_qid(struct p9_fs *fs, const char *path, struct p9_qid *q)
{
	struct stat st;
	int ret = p9_fs_stat(fs, path, &st);

	if (!ret)
		p9_qid_from_stat(fs, &st, q);
	return ret;
}

int p9_lookup(struct p9_call *c, uint32_t id, struct p9_fid **f)
{
	*f = NULL;
	if (c->r->bad) /* the request ended before its fields: id is not one */
		return -EINVAL;
	*f = p9_fid_get(c->fs, id);
	return *f ? 0 : -EBADF;
}

/* ---- session ---- */

static int p9_op_version(struct p9_call *c)
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

static int p9_op_attach(struct p9_call *c)
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

static int p9_op_flush(struct p9_call *c)
{
	p9_get_u16(c->r); /* oldtag: every request is already answered */
	return c->r->bad ? -EINVAL : 0;
}

static int p9_op_clunk(struct p9_call *c)
{
	struct p9_fid *f;
	int ret = p9_lookup(c, p9_get_u32(c->r), &f);

	if (c->r->bad)
		return -EINVAL;
	if (!ret)
		p9_fid_put(c->fs, f);
	return ret;
}

static int p9_op_unsupported(struct p9_call *c)
{
	return -EOPNOTSUPP;
}

/* ---- names ---- */

static int p9_op_walk(struct p9_call *c)
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

/* ---- dispatch ---- */

static const p9_handler p9_handlers[P9_TYPE_MAX] = {
    [P9_TSTATFS] = p9_op_statfs,
    [P9_TLOPEN] = p9_op_lopen,
    [P9_TLCREATE] = p9_op_lcreate,
    [P9_TSYMLINK] = p9_op_symlink,
    [P9_TMKNOD] = p9_op_mknod,
    [P9_TRENAME] = p9_op_rename,
    [P9_TREADLINK] = p9_op_readlink,
    [P9_TGETATTR] = p9_op_getattr,
    [P9_TSETATTR] = p9_op_setattr,
    [P9_TXATTRWALK] = p9_op_unsupported,
    [P9_TXATTRCREATE] = p9_op_unsupported,
    [P9_TREADDIR] = p9_op_readdir,
    [P9_TFSYNC] = p9_op_fsync,
    [P9_TLOCK] = p9_op_lock,
    [P9_TGETLOCK] = p9_op_getlock,
    [P9_TLINK] = p9_op_link,
    [P9_TMKDIR] = p9_op_mkdir,
    [P9_TRENAMEAT] = p9_op_renameat,
    [P9_TUNLINKAT] = p9_op_unlinkat,
    [P9_TVERSION] = p9_op_version,
    [P9_TAUTH] = p9_op_unsupported,
    [P9_TATTACH] = p9_op_attach,
    [P9_TFLUSH] = p9_op_flush,
    [P9_TWALK] = p9_op_walk,
    [P9_TREAD] = p9_op_read,
    [P9_TWRITE] = p9_op_write,
    [P9_TCLUNK] = p9_op_clunk,
    [P9_TREMOVE] = p9_op_remove,
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
	s->fs.max_open = p->max_open ? p->max_open : P9_MAX_OPEN_DEFAULT;
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
