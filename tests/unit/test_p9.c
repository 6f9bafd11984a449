/* SPDX-License-Identifier: MIT */
/*
 * The 9P2000.L server (devices/p9_server.c) driven directly with
 * hand-built messages over a temporary directory: the session (version,
 * attach), each request type, confinement against hostile requests ("..",
 * names with '/', symlinks to "/", to ".." and to a host file outside the
 * share, changes through such symlinks), the read-only share (EROFS for
 * every change), and malformed messages (short, lying sizes, huge counts,
 * too many names, unknown types) answered with Rlerror, never a crash,
 * plus the fid and msize limits. The virtio-9p device's transport side
 * (config space with the mount tag, one request through the queue) is at
 * the end.
 */
#include "test.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "devices/p9_server.h"
#include "devices/p9_wire.h"
#include "virtio_driver.h"

#define RESP_CAP 65536

struct t9 {
	char dir[64];	/* holds share/ and secret (outside the share) */
	char share[96]; /* the shared directory */
	struct p9_server *s;
	uint8_t req[RESP_CAP], resp[RESP_CAP];
	size_t rlen;
	struct p9_writer w;
};

static void t9_path(const struct t9 *t, const char *rel, char *out, size_t len)
{
	snprintf(out, len, "%s/%s", t->share, rel);
}

static bool t9_write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return false;
	fputs(text, f);
	return fclose(f) == 0;
}

static bool t9_setup_opts(struct t9 *t, bool read_only, unsigned max_fids)
{
	struct p9_server_params p = {0};
	char path[160];
	int ret;

	snprintf(t->dir, sizeof(t->dir), "/tmp/axvm-p9-XXXXXX");
	if (!mkdtemp(t->dir))
		return false;
	snprintf(t->share, sizeof(t->share), "%s/share", t->dir);
	snprintf(path, sizeof(path), "%s/secret", t->dir);
	if (mkdir(t->share, 0755) || !t9_write_file(path, "SECRET\n") || chmod(path, 0644))
		return false;
	t9_path(t, "file", path, sizeof(path));
	if (!t9_write_file(path, "hello"))
		return false;
	t9_path(t, "sub", path, sizeof(path));
	if (mkdir(path, 0755))
		return false;
	t9_path(t, "abs", path, sizeof(path));
	if (symlink("/", path))
		return false;
	t9_path(t, "up", path, sizeof(path));
	if (symlink("..", path))
		return false;
	t9_path(t, "sec", path, sizeof(path));
	{
		char target[160];

		snprintf(target, sizeof(target), "%s/secret", t->dir);
		if (symlink(target, path))
			return false;
	}
	p.root = t->share;
	p.read_only = read_only;
	p.max_fids = max_fids;
	ret = p9_server_create(&p, &t->s);
	if (ret)
		printf("    p9_server_create: %d %s\n", ret, axvm_error_message());
	return ret == 0;
}

static bool t9_setup(struct t9 *t, bool read_only)
{
	return t9_setup_opts(t, read_only, 0);
}

static void t9_teardown(struct t9 *t)
{
	char cmd[128];

	p9_server_destroy(t->s);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
	if (system(cmd) != 0)
		printf("    could not remove %s\n", t->dir);
}

/* Start a request of `type` (tag 1); fields follow with p9_put_*. */
static struct p9_writer *t9_begin(struct t9 *t, uint8_t type)
{
	p9_writer_init(&t->w, t->req, sizeof(t->req));
	p9_begin(&t->w, type, 1);
	return &t->w;
}

/* Send it with a reply buffer of `cap` bytes; returns the reply's type (0: none). */
static unsigned t9_send_cap(struct t9 *t, size_t cap)
{
	size_t len = p9_end(&t->w);

	t->rlen = p9_server_handle(t->s, t->req, len, t->resp, cap);
	return t->rlen >= P9_HDR_SIZE ? t->resp[4] : 0;
}

static unsigned t9_send(struct t9 *t)
{
	return t9_send_cap(t, RESP_CAP);
}

static uint32_t t9_u32(const struct t9 *t, size_t off)
{
	return (uint32_t)t->resp[off] | (uint32_t)t->resp[off + 1] << 8 |
	       (uint32_t)t->resp[off + 2] << 16 | (uint32_t)t->resp[off + 3] << 24;
}

/* The Rlerror errno of the last reply, 0 if it was not one. */
static int t9_err(const struct t9 *t)
{
	return t->rlen == 11 && t->resp[4] == P9_RLERROR ? (int)t9_u32(t, 7) : 0;
}

static void t9_str(struct p9_writer *w, const char *s)
{
	p9_put_str(w, s, strlen(s));
}

static int t9_version(struct t9 *t, uint32_t msize)
{
	struct p9_writer *w = t9_begin(t, P9_TVERSION);

	p9_put_u32(w, msize);
	t9_str(w, "9P2000.L");
	return t9_send(t) == P9_TVERSION + 1 ? 0 : -1;
}

static int t9_attach(struct t9 *t, uint32_t fid)
{
	struct p9_writer *w = t9_begin(t, P9_TATTACH);

	p9_put_u32(w, fid);
	p9_put_u32(w, P9_NOFID);
	t9_str(w, "root");
	t9_str(w, "");
	p9_put_u32(w, 0);
	return t9_send(t) == P9_TATTACH + 1 ? 0 : t9_err(t);
}

/* Walk fid -> newfid through n names: 0 on a full walk, else the errno (or -nwqid). */
static int t9_walk(struct t9 *t, uint32_t fid, uint32_t newfid, unsigned n, const char **names)
{
	struct p9_writer *w = t9_begin(t, P9_TWALK);

	p9_put_u32(w, fid);
	p9_put_u32(w, newfid);
	p9_put_u16(w, (uint16_t)n);
	for (unsigned i = 0; i < n; i++)
		t9_str(w, names[i]);
	if (t9_send(t) != P9_TWALK + 1)
		return t9_err(t);
	return t->resp[7] == n ? 0 : -(int)t->resp[7];
}

static int t9_walk1(struct t9 *t, uint32_t fid, uint32_t newfid, const char *name)
{
	return t9_walk(t, fid, newfid, 1, &name);
}

static int t9_lopen(struct t9 *t, uint32_t fid, uint32_t flags)
{
	struct p9_writer *w = t9_begin(t, P9_TLOPEN);

	p9_put_u32(w, fid);
	p9_put_u32(w, flags);
	return t9_send(t) == P9_TLOPEN + 1 ? 0 : t9_err(t);
}

static int t9_clunk(struct t9 *t, uint32_t fid)
{
	p9_put_u32(t9_begin(t, P9_TCLUNK), fid);
	return t9_send(t) == P9_TCLUNK + 1 ? 0 : t9_err(t);
}

/* Read up to count bytes at offset into buf (NUL-terminated); bytes read or -errno. */
static int t9_read(struct t9 *t, uint32_t fid, uint64_t off, uint32_t count, char *buf, size_t len)
{
	struct p9_writer *w = t9_begin(t, P9_TREAD);
	uint32_t n;

	p9_put_u32(w, fid);
	p9_put_u64(w, off);
	p9_put_u32(w, count);
	if (t9_send(t) != P9_TREAD + 1)
		return -t9_err(t);
	n = t9_u32(t, 7);
	if (buf) {
		size_t c = n < len - 1 ? n : len - 1;

		memcpy(buf, t->resp + 11, c);
		buf[c] = 0;
	}
	return (int)n;
}

static int t9_write(struct t9 *t, uint32_t fid, uint64_t off, const char *data)
{
	struct p9_writer *w = t9_begin(t, P9_TWRITE);
	size_t n = strlen(data);

	p9_put_u32(w, fid);
	p9_put_u64(w, off);
	p9_put_u32(w, (uint32_t)n);
	memcpy(p9_put_space(w, n), data, n);
	if (t9_send(t) != P9_TWRITE + 1)
		return -t9_err(t);
	return (int)t9_u32(t, 7);
}

/* dfid + name requests: mkdir, lcreate (fid becomes the file), symlink, unlinkat. */
static int t9_mkdir(struct t9 *t, uint32_t dfid, const char *name)
{
	struct p9_writer *w = t9_begin(t, P9_TMKDIR);

	p9_put_u32(w, dfid);
	t9_str(w, name);
	p9_put_u32(w, 0755);
	p9_put_u32(w, 0);
	return t9_send(t) == P9_TMKDIR + 1 ? 0 : t9_err(t);
}

static int t9_lcreate(struct t9 *t, uint32_t fid, const char *name, uint32_t flags)
{
	struct p9_writer *w = t9_begin(t, P9_TLCREATE);

	p9_put_u32(w, fid);
	t9_str(w, name);
	p9_put_u32(w, flags);
	p9_put_u32(w, 0644);
	p9_put_u32(w, 0);
	return t9_send(t) == P9_TLCREATE + 1 ? 0 : t9_err(t);
}

static int t9_symlink(struct t9 *t, uint32_t dfid, const char *name, const char *target)
{
	struct p9_writer *w = t9_begin(t, P9_TSYMLINK);

	p9_put_u32(w, dfid);
	t9_str(w, name);
	t9_str(w, target);
	p9_put_u32(w, 0);
	return t9_send(t) == P9_TSYMLINK + 1 ? 0 : t9_err(t);
}

static int t9_unlinkat(struct t9 *t, uint32_t dfid, const char *name, uint32_t flags)
{
	struct p9_writer *w = t9_begin(t, P9_TUNLINKAT);

	p9_put_u32(w, dfid);
	t9_str(w, name);
	p9_put_u32(w, flags);
	return t9_send(t) == P9_TUNLINKAT + 1 ? 0 : t9_err(t);
}

static int t9_renameat(struct t9 *t, uint32_t od, const char *on, uint32_t nd, const char *nn)
{
	struct p9_writer *w = t9_begin(t, P9_TRENAMEAT);

	p9_put_u32(w, od);
	t9_str(w, on);
	p9_put_u32(w, nd);
	t9_str(w, nn);
	return t9_send(t) == P9_TRENAMEAT + 1 ? 0 : t9_err(t);
}

static int t9_setattr(struct t9 *t, uint32_t fid, uint32_t valid, uint32_t mode, uint64_t size)
{
	struct p9_writer *w = t9_begin(t, P9_TSETATTR);

	p9_put_u32(w, fid);
	p9_put_u32(w, valid);
	p9_put_u32(w, mode);
	p9_put_u32(w, 0);
	p9_put_u32(w, 0);
	p9_put_u64(w, size);
	for (int i = 0; i < 4; i++)
		p9_put_u64(w, 1000);
	return t9_send(t) == P9_TSETATTR + 1 ? 0 : t9_err(t);
}

/* Size and mode through Tgetattr. */
static int t9_getattr(struct t9 *t, uint32_t fid, uint64_t *size, uint32_t *mode)
{
	struct p9_writer *w = t9_begin(t, P9_TGETATTR);
	struct p9_reader r;

	p9_put_u32(w, fid);
	p9_put_u64(w, P9_GETATTR_BASIC);
	if (t9_send(t) != P9_TGETATTR + 1)
		return t9_err(t);
	p9_reader_init(&r, t->resp + 7, t->rlen - 7);
	p9_get_u64(&r);			 /* valid */
	p9_get_bytes(&r, 13);		 /* qid */
	*mode = p9_get_u32(&r);		 /* mode */
	p9_get_bytes(&r, 4 + 4 + 8 + 8); /* uid gid nlink rdev */
	*size = p9_get_u64(&r);
	return r.bad ? -1 : 0;
}

static bool host_file_is(const char *path, const char *want)
{
	char buf[256] = "";
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	return strcmp(buf, want) == 0;
}

/* A session: version + attach of fid 1 (the root). */
#define T9_SESSION(t, ro)                                                                          \
	struct t9 *t = calloc(1, sizeof(*t));                                                      \
	REQUIRE(t);                                                                                \
	if (!t9_setup(t, ro)) {                                                                    \
		free(t);                                                                           \
		REQUIRE(!"setup");                                                                 \
	}                                                                                          \
	CHECK_INT(0, t9_version(t, 65536));                                                        \
	CHECK_INT(0, t9_attach(t, 1))

#define T9_END(t)                                                                                  \
	t9_teardown(t);                                                                            \
	free(t)

TEST(test_p9_version_negotiates_msize_and_dialect)
{
	T9_SESSION(t, false);
	CHECK_INT(0, t9_version(t, 1u << 30));
	CHECK_U64(P9_MSIZE_MAX, t9_u32(t, 7)); /* clamped to the server's limit */
	CHECK_INT(0, memcmp(t->resp + 13, "9P2000.L", 8));
	CHECK_INT(0, p9_server_fid_count(t->s)); /* a new session drops the fids */
	{
		struct p9_writer *w = t9_begin(t, P9_TVERSION);

		p9_put_u32(w, 8192);
		t9_str(w, "9P2000.u");
		CHECK_INT(P9_TVERSION + 1, t9_send(t));
		CHECK_INT(8192, t9_u32(t, 7));
		CHECK_INT(0, memcmp(t->resp + 13, "unknown", 7));
	}
	CHECK_INT(0, t9_version(t, 100) == 0); /* below P9_MSIZE_MIN */
	CHECK_INT(EINVAL, t9_err(t));
	T9_END(t);
}

TEST(test_p9_walk_open_read_write_clunk)
{
	char buf[64];

	T9_SESSION(t, false);
	CHECK_INT(0, t9_walk1(t, 1, 2, "file"));
	CHECK_INT(P9_QTFILE, t->resp[9]);
	CHECK_INT(0, t9_lopen(t, 2, 0));
	CHECK_INT(5, t9_read(t, 2, 0, 100, buf, sizeof(buf)));
	CHECK_STR("hello", buf);
	CHECK_INT(3, t9_read(t, 2, 2, 100, buf, sizeof(buf)));
	CHECK_STR("llo", buf);
	CHECK_INT(-EBADF, t9_write(t, 2, 0, "x")); /* opened read-only */
	CHECK_INT(EBADF, t9_lopen(t, 2, 0));	   /* already open */
	CHECK_INT(0, t9_clunk(t, 2));
	CHECK_INT(EBADF, t9_clunk(t, 2));
	CHECK_INT(-EBADF, t9_read(t, 2, 0, 10, NULL, 0));

	CHECK_INT(0, t9_walk1(t, 1, 3, "file"));
	CHECK_INT(0, t9_lopen(t, 3, P9_DOTL_RDWR));
	CHECK_INT(3, t9_write(t, 3, 5, "abc"));
	CHECK_INT(0, t9_clunk(t, 3));
	{
		char path[160];

		t9_path(t, "file", path, sizeof(path));
		CHECK(host_file_is(path, "helloabc"));
	}
	CHECK_INT(ENOENT, t9_walk1(t, 1, 4, "missing"));
	CHECK_INT(1, p9_server_fid_count(t->s)); /* a failed walk makes no fid */
	CHECK_INT(0, t9_walk1(t, 1, 5, "sub"));
	CHECK_INT(EEXIST, t9_walk1(t, 1, 5, "file")); /* newfid in use */
	CHECK_INT(0, t9_walk1(t, 5, 5, ".."));	      /* newfid == fid moves it: back to the root */
	CHECK_INT(0, t9_walk1(t, 5, 6, "file"));
	CHECK_INT(3, p9_server_fid_count(t->s));
	T9_END(t);
}

TEST(test_p9_dotdot_never_leaves_the_root)
{
	const char *up3[] = {"..", "..", "..", "file"};
	const char *subup[] = {"sub", "..", "..", "..", "file"};
	uint64_t root_path, file_path;

	T9_SESSION(t, false);
	CHECK_INT(0, t9_walk1(t, 1, 2, "file"));
	memcpy(&file_path, t->resp + 9 + 5, 8);
	CHECK_INT(0, t9_walk(t, 1, 3, 4, up3));
	CHECK_INT(0, memcmp(&file_path, t->resp + 9 + 3 * 13 + 5, 8)); /* the share's own file */
	CHECK_INT(0, t9_walk(t, 1, 4, 5, subup));
	CHECK_INT(0, memcmp(&file_path, t->resp + 9 + 4 * 13 + 5, 8));
	CHECK_INT(0, t9_walk1(t, 1, 5, ".."));
	memcpy(&root_path, t->resp + 9 + 5, 8);
	CHECK_INT(0, t9_walk(t, 1, 6, 0, NULL)); /* a clone */
	CHECK_INT(0, t9_walk1(t, 6, 6, ".."));
	CHECK_INT(0, memcmp(&root_path, t->resp + 9 + 5, 8));
	T9_END(t);
}

TEST(test_p9_names_with_slashes_nul_or_empty_are_refused)
{
	const char *bad[] = {"../secret", "sub/../../secret", "/etc", "", "sub/"};
	struct p9_writer *w;

	T9_SESSION(t, false);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_INT(EINVAL, t9_walk1(t, 1, 2, bad[i]));
		CHECK_INT(EINVAL, t9_mkdir(t, 1, bad[i]));
		CHECK_INT(EINVAL, t9_lcreate(t, 1, bad[i], P9_DOTL_RDWR));
	}
	/* "file\0/../../secret": a NUL inside a name. */
	w = t9_begin(t, P9_TWALK);
	p9_put_u32(w, 1);
	p9_put_u32(w, 2);
	p9_put_u16(w, 1);
	p9_put_str(w, "file\0/../../secret", 18);
	CHECK_INT(P9_RLERROR, t9_send(t));
	CHECK_INT(EINVAL, t9_err(t));
	CHECK_INT(EINVAL, t9_mkdir(t, 1, ".."));
	CHECK_INT(EINVAL, t9_unlinkat(t, 1, "..", P9_DOTL_AT_REMOVEDIR));
	CHECK_INT(EINVAL, t9_renameat(t, 1, "file", 1, "../escaped"));
	CHECK_INT(1, p9_server_fid_count(t->s));
	{
		char path[160];

		snprintf(path, sizeof(path), "%s/escaped", t->dir);
		CHECK(access(path, F_OK) != 0);
	}
	T9_END(t);
}

TEST(test_p9_symlinks_are_never_followed_on_the_host)
{
	const char *abs_etc[] = {"abs", "etc", "passwd"};
	const char *up_secret[] = {"up", "secret"};
	char secret[160], path[160];
	struct stat st;
	uint64_t size;
	uint32_t mode;

	T9_SESSION(t, false);
	snprintf(secret, sizeof(secret), "%s/secret", t->dir);
	/* Walks through a symlink stop at it (Rwalk with fewer qids, no newfid). */
	CHECK_INT(-1, t9_walk(t, 1, 2, 3, abs_etc));
	CHECK_INT(P9_QTSYMLINK, t->resp[9]);
	CHECK_INT(-1, t9_walk(t, 1, 2, 2, up_secret));
	CHECK_INT(1, p9_server_fid_count(t->s));

	/* A fid on the symlink itself: readlink gives the text; nothing opens through it. */
	CHECK_INT(0, t9_walk1(t, 1, 3, "sec"));
	p9_put_u32(t9_begin(t, P9_TREADLINK), 3);
	CHECK_INT(P9_TREADLINK + 1, t9_send(t));
	CHECK_INT(strlen(secret), t->resp[7] | t->resp[8] << 8);
	CHECK_INT(0, memcmp(t->resp + 9, secret, strlen(secret)));
	CHECK(t9_lopen(t, 3, 0) != 0);
	CHECK(t9_lopen(t, 3, P9_DOTL_RDWR | P9_DOTL_TRUNC) != 0);
	CHECK(t9_setattr(t, 3, P9_SETATTR_SIZE, 0, 0) != 0);
	CHECK(t9_setattr(t, 3, P9_SETATTR_MODE, 0777, 0) != 0);
	CHECK_INT(0, t9_getattr(t, 3, &size, &mode));
	CHECK(S_ISLNK(mode)); /* the link's own attributes */
	CHECK(host_file_is(secret, "SECRET\n"));
	REQUIRE(stat(secret, &st) == 0);
	CHECK_INT(0644, st.st_mode & 07777);

	/* Changes inside a symlinked "directory" fail: the host does not enter it. */
	CHECK_INT(0, t9_walk1(t, 1, 4, "up"));
	CHECK(t9_mkdir(t, 4, "made-outside") != 0);
	CHECK(t9_lcreate(t, 4, "made-outside", P9_DOTL_RDWR) != 0);
	CHECK(t9_symlink(t, 4, "made-outside", "x") != 0);
	CHECK(t9_unlinkat(t, 4, "secret", 0) != 0);
	CHECK(t9_renameat(t, 1, "file", 4, "made-outside") != 0);
	CHECK(t9_renameat(t, 4, "secret", 1, "stolen") != 0);
	snprintf(path, sizeof(path), "%s/made-outside", t->dir);
	CHECK(access(path, F_OK) != 0);
	CHECK(host_file_is(secret, "SECRET\n"));
	t9_path(t, "stolen", path, sizeof(path));
	CHECK(access(path, F_OK) != 0);

	/* A symlink the guest makes is stored as given and still never followed. */
	CHECK_INT(0, t9_symlink(t, 1, "mine", secret));
	CHECK_INT(0, t9_walk1(t, 1, 5, "mine"));
	CHECK(t9_lopen(t, 5, 0) != 0);
	CHECK(t9_lcreate(t, 1, "mine", P9_DOTL_RDWR) != 0); /* O_CREAT does not follow it */
	CHECK(host_file_is(secret, "SECRET\n"));
	T9_END(t);
}

TEST(test_p9_tree_changes)
{
	const char *deep[] = {"d", "e"};
	char path[160], buf[64];
	uint64_t size;
	uint32_t mode;

	T9_SESSION(t, false);
	CHECK_INT(0, t9_mkdir(t, 1, "d"));
	CHECK_INT(P9_QTDIR, t->resp[7]);
	CHECK_INT(EEXIST, t9_mkdir(t, 1, "d"));
	CHECK_INT(0, t9_walk1(t, 1, 2, "d"));
	CHECK_INT(0, t9_mkdir(t, 2, "e"));
	CHECK_INT(0, t9_walk(t, 1, 3, 2, deep));
	CHECK_INT(0, t9_lcreate(t, 3, "f", P9_DOTL_RDWR));
	CHECK_INT(4, t9_write(t, 3, 0, "data"));
	/* Rename the directory above an open fid: the fid follows. */
	CHECK_INT(0, t9_renameat(t, 1, "d", 1, "d2"));
	CHECK_INT(4, t9_read(t, 3, 0, 10, buf, sizeof(buf)));
	CHECK_STR("data", buf);
	CHECK_INT(0, t9_getattr(t, 3, &size, &mode));
	CHECK_INT(4, size);
	CHECK_INT(0, t9_setattr(t, 3, P9_SETATTR_SIZE | P9_SETATTR_MODE, 0600, 2));
	t9_path(t, "d2/e/f", path, sizeof(path));
	CHECK(host_file_is(path, "da"));
	{
		struct stat st;

		REQUIRE(stat(path, &st) == 0);
		CHECK_INT(0600, st.st_mode & 07777);
	}
	/* Trename: fid 3 (the file) into the root as "g". */
	{
		struct p9_writer *w = t9_begin(t, P9_TRENAME);

		p9_put_u32(w, 3);
		p9_put_u32(w, 1);
		t9_str(w, "g");
		CHECK_INT(P9_TRENAME + 1, t9_send(t));
	}
	t9_path(t, "g", path, sizeof(path));
	CHECK(host_file_is(path, "da"));
	CHECK_INT(0, t9_getattr(t, 3, &size, &mode)); /* fid 3 now names "g" */
	CHECK_INT(2, size);
	/* Tlink, Tsymlink, Treadlink, Tunlinkat. */
	{
		struct p9_writer *w = t9_begin(t, P9_TLINK);

		p9_put_u32(w, 1);
		p9_put_u32(w, 3);
		t9_str(w, "g-hard");
		CHECK_INT(P9_TLINK + 1, t9_send(t));
	}
	t9_path(t, "g-hard", path, sizeof(path));
	CHECK(host_file_is(path, "da"));
	CHECK_INT(0, t9_symlink(t, 1, "g-soft", "g"));
	t9_path(t, "g-soft", path, sizeof(path));
	{
		char target[16] = "";

		CHECK_INT(1, readlink(path, target, sizeof(target)));
		CHECK_STR("g", target);
	}
	CHECK_INT(0, t9_unlinkat(t, 1, "g-soft", 0));
	CHECK(access(path, F_OK) != 0);
	CHECK_INT(ENOTEMPTY, t9_unlinkat(t, 1, "d2", P9_DOTL_AT_REMOVEDIR));
	CHECK_INT(0, t9_walk1(t, 1, 4, "d2"));
	CHECK_INT(0, t9_unlinkat(t, 4, "e", P9_DOTL_AT_REMOVEDIR));
	/* Tremove clunks the fid, also when it fails. */
	p9_put_u32(t9_begin(t, P9_TREMOVE), 4);
	CHECK_INT(P9_TREMOVE + 1, t9_send(t));
	t9_path(t, "d2", path, sizeof(path));
	CHECK(access(path, F_OK) != 0);
	p9_put_u32(t9_begin(t, P9_TREMOVE), 1);
	CHECK_INT(EBUSY, t9_send(t) == P9_RLERROR ? t9_err(t) : 0); /* the root */
	CHECK_INT(EBADF, t9_clunk(t, 1));
	T9_END(t);
}

TEST(test_p9_readdir_lists_every_entry_across_small_replies)
{
	unsigned seen = 0, calls = 0;
	uint64_t offset = 0;
	bool file = false, sub = false;

	T9_SESSION(t, false);
	CHECK_INT(0, t9_walk(t, 1, 2, 0, NULL));
	CHECK_INT(0, t9_lopen(t, 2, P9_DOTL_DIRECTORY));
	for (;;) {
		struct p9_writer *w = t9_begin(t, P9_TREADDIR);
		struct p9_reader r;
		uint32_t count;

		p9_put_u32(w, 2);
		p9_put_u64(w, offset);
		p9_put_u32(w, 40); /* room for one entry at a time */
		REQUIRE(t9_send(t) == P9_TREADDIR + 1);
		count = t9_u32(t, 7);
		if (!count || ++calls > 50)
			break;
		p9_reader_init(&r, t->resp + 11, count);
		while (p9_reader_left(&r) && !r.bad) {
			struct p9_str name;

			p9_get_bytes(&r, 13);
			offset = p9_get_u64(&r);
			p9_get_u8(&r);
			name = p9_get_str(&r);
			seen++;
			file |= name.len == 4 && !memcmp(name.s, "file", 4);
			sub |= name.len == 3 && !memcmp(name.s, "sub", 3);
		}
		CHECK(!r.bad);
	}
	CHECK_INT(7, seen); /* . .. file sub abs up sec */
	CHECK(file && sub);
	CHECK_INT(0, t9_walk1(t, 1, 3, "file"));
	CHECK_INT(0, t9_lopen(t, 3, 0));
	{
		struct p9_writer *w = t9_begin(t, P9_TREADDIR);

		p9_put_u32(w, 3);
		p9_put_u64(w, 0);
		p9_put_u32(w, 4096);
		CHECK_INT(P9_RLERROR, t9_send(t));
		CHECK_INT(ENOTDIR, t9_err(t));
	}
	T9_END(t);
}

TEST(test_p9_other_requests)
{
	struct p9_writer *w;

	T9_SESSION(t, false);
	p9_put_u32(t9_begin(t, P9_TSTATFS), 1);
	CHECK_INT(P9_TSTATFS + 1, t9_send(t));
	CHECK_INT(7 + 4 + 4 + 6 * 8 + 4, t->rlen);
	CHECK_INT(0, t9_walk1(t, 1, 2, "file"));
	CHECK_INT(0, t9_lopen(t, 2, P9_DOTL_RDWR));
	w = t9_begin(t, P9_TFSYNC);
	p9_put_u32(w, 2);
	p9_put_u32(w, 1);
	CHECK_INT(P9_TFSYNC + 1, t9_send(t));
	w = t9_begin(t, P9_TLOCK);
	p9_put_u32(w, 2);
	p9_put_u8(w, 1);
	p9_put_u32(w, 0);
	p9_put_u64(w, 0);
	p9_put_u64(w, 0);
	p9_put_u32(w, 42);
	t9_str(w, "guest");
	CHECK_INT(P9_TLOCK + 1, t9_send(t));
	CHECK_INT(P9_LOCK_SUCCESS, t->resp[7]);
	w = t9_begin(t, P9_TGETLOCK);
	p9_put_u32(w, 2);
	p9_put_u8(w, 1);
	p9_put_u64(w, 5);
	p9_put_u64(w, 10);
	p9_put_u32(w, 42);
	t9_str(w, "guest");
	CHECK_INT(P9_TGETLOCK + 1, t9_send(t));
	CHECK_INT(P9_LOCK_TYPE_UNLCK, t->resp[7]);
	p9_put_u16(t9_begin(t, P9_TFLUSH), 7);
	CHECK_INT(P9_TFLUSH + 1, t9_send(t));
	w = t9_begin(t, P9_TXATTRWALK);
	p9_put_u32(w, 1);
	p9_put_u32(w, 9);
	t9_str(w, "security.capability");
	CHECK_INT(P9_RLERROR, t9_send(t));
	CHECK_INT(EOPNOTSUPP, t9_err(t));
	/* mknod: a FIFO yes (never opened), a device node no. */
	w = t9_begin(t, P9_TMKNOD);
	p9_put_u32(w, 1);
	t9_str(w, "fifo");
	p9_put_u32(w, S_IFIFO | 0644);
	p9_put_u32(w, 0);
	p9_put_u32(w, 0);
	p9_put_u32(w, 0);
	CHECK_INT(P9_TMKNOD + 1, t9_send(t));
	CHECK_INT(0, t9_walk1(t, 1, 3, "fifo"));
	CHECK_INT(EOPNOTSUPP, t9_lopen(t, 3, 0)); /* would block the event thread */
	w = t9_begin(t, P9_TMKNOD);
	p9_put_u32(w, 1);
	t9_str(w, "null");
	p9_put_u32(w, S_IFCHR | 0666);
	p9_put_u32(w, 1);
	p9_put_u32(w, 3);
	p9_put_u32(w, 0);
	CHECK_INT(P9_RLERROR, t9_send(t));
	CHECK_INT(EPERM, t9_err(t));
	T9_END(t);
}

TEST(test_p9_read_only_share_refuses_every_change)
{
	char path[160];
	struct p9_writer *w;

	T9_SESSION(t, true);
	CHECK_INT(0, t9_walk1(t, 1, 2, "file"));
	CHECK_INT(EROFS, t9_lopen(t, 2, P9_DOTL_WRONLY));
	CHECK_INT(EROFS, t9_lopen(t, 2, P9_DOTL_RDWR));
	CHECK_INT(EROFS, t9_lopen(t, 2, P9_DOTL_TRUNC));
	CHECK_INT(EROFS, t9_setattr(t, 2, P9_SETATTR_SIZE, 0, 0));
	CHECK_INT(EROFS, t9_setattr(t, 2, P9_SETATTR_MODE, 0777, 0));
	CHECK_INT(EROFS, t9_setattr(t, 2, P9_SETATTR_ATIME | P9_SETATTR_MTIME, 0, 0));
	CHECK_INT(EROFS, t9_mkdir(t, 1, "new"));
	CHECK_INT(EROFS, t9_lcreate(t, 1, "new", P9_DOTL_RDWR));
	CHECK_INT(EROFS, t9_symlink(t, 1, "new", "file"));
	CHECK_INT(EROFS, t9_unlinkat(t, 1, "file", 0));
	CHECK_INT(EROFS, t9_renameat(t, 1, "file", 1, "new"));
	w = t9_begin(t, P9_TLINK);
	p9_put_u32(w, 1);
	p9_put_u32(w, 2);
	t9_str(w, "new");
	t9_send(t);
	CHECK_INT(EROFS, t9_err(t));
	w = t9_begin(t, P9_TMKNOD);
	p9_put_u32(w, 1);
	t9_str(w, "new");
	p9_put_u32(w, S_IFIFO | 0644);
	p9_put_u32(w, 0);
	p9_put_u32(w, 0);
	p9_put_u32(w, 0);
	t9_send(t);
	CHECK_INT(EROFS, t9_err(t));
	p9_put_u32(t9_begin(t, P9_TREMOVE), 2);
	t9_send(t);
	CHECK_INT(EROFS, t9_err(t));
	t9_path(t, "file", path, sizeof(path));
	CHECK(host_file_is(path, "hello"));
	t9_path(t, "new", path, sizeof(path));
	CHECK(access(path, F_OK) != 0);
	/* Reading still works. */
	CHECK_INT(0, t9_walk1(t, 1, 3, "file"));
	CHECK_INT(0, t9_lopen(t, 3, 0));
	CHECK_INT(5, t9_read(t, 3, 0, 100, NULL, 0));
	T9_END(t);
}

TEST(test_p9_hostile_messages_get_rlerror)
{
	static const uint8_t shorty[] = {5, 0, 0};
	uint8_t msg[64];
	struct p9_writer *w;

	T9_SESSION(t, false);
	/* Fewer than 7 bytes: no tag to answer. */
	CHECK_INT(0, p9_server_handle(t->s, shorty, sizeof(shorty), t->resp, RESP_CAP));
	/* A size field larger than the message. */
	memcpy(msg, (const uint8_t[]){200, 0, 0, 0, P9_TCLUNK, 9, 0, 1, 0, 0, 0}, 11);
	t->rlen = p9_server_handle(t->s, msg, 11, t->resp, RESP_CAP);
	CHECK_INT(EINVAL, t9_err(t));
	CHECK_INT(9, t->resp[5]); /* the request's tag */
	/* A size field below the header's. */
	msg[0] = 3;
	t->rlen = p9_server_handle(t->s, msg, 11, t->resp, RESP_CAP);
	CHECK_INT(EINVAL, t9_err(t));
	/* The size says less than the fields need: Tclunk without its fid. */
	msg[0] = 9;
	t->rlen = p9_server_handle(t->s, msg, 11, t->resp, RESP_CAP);
	CHECK_INT(EINVAL, t9_err(t));
	CHECK_INT(1, p9_server_fid_count(t->s));
	/* No room for even an Rlerror. */
	msg[0] = 11;
	CHECK_INT(0, p9_server_handle(t->s, msg, 11, t->resp, 10));
	/* Unknown and reply types. */
	CHECK_INT(P9_RLERROR, (p9_put_u32(t9_begin(t, 200), 1), t9_send(t)));
	CHECK_INT(EOPNOTSUPP, t9_err(t));
	CHECK_INT(P9_RLERROR, (p9_put_u32(t9_begin(t, P9_TWALK + 1), 1), t9_send(t)));
	CHECK_INT(EOPNOTSUPP, t9_err(t));
	/* A string longer than the message. */
	w = t9_begin(t, P9_TWALK);
	p9_put_u32(w, 1);
	p9_put_u32(w, 2);
	p9_put_u16(w, 1);
	p9_put_u16(w, 60000);
	p9_put_str(w, "abc", 3);
	CHECK_INT(P9_RLERROR, t9_send(t));
	CHECK_INT(EINVAL, t9_err(t));
	/* More names than Twalk allows. */
	w = t9_begin(t, P9_TWALK);
	p9_put_u32(w, 1);
	p9_put_u32(w, 2);
	p9_put_u16(w, P9_MAXWELEM + 1);
	for (unsigned i = 0; i <= P9_MAXWELEM; i++)
		t9_str(w, "sub");
	CHECK_INT(P9_RLERROR, t9_send(t));
	CHECK_INT(EINVAL, t9_err(t));
	/* A Twrite whose count is larger than its data. */
	CHECK_INT(0, t9_walk1(t, 1, 2, "file"));
	CHECK_INT(0, t9_lopen(t, 2, P9_DOTL_RDWR));
	w = t9_begin(t, P9_TWRITE);
	p9_put_u32(w, 2);
	p9_put_u64(w, 0);
	p9_put_u32(w, 0xffffffffu);
	t9_str(w, "xyz");
	CHECK_INT(P9_RLERROR, t9_send(t));
	CHECK_INT(EINVAL, t9_err(t));
	/* A huge Tread count is cut to the reply buffer; a huge offset is refused. */
	w = t9_begin(t, P9_TREAD);
	p9_put_u32(w, 2);
	p9_put_u64(w, 0);
	p9_put_u32(w, 0xffffffffu);
	CHECK_INT(P9_TREAD + 1, t9_send_cap(t, 13));
	CHECK_INT(2, t9_u32(t, 7));
	CHECK_INT(13, t->rlen);
	CHECK_INT(-EINVAL, t9_read(t, 2, UINT64_MAX, 10, NULL, 0));
	/* A reply buffer too small for an Rwalk: no newfid appears. */
	{
		const char *two[] = {"sub", ".."};

		w = t9_begin(t, P9_TWALK);
		p9_put_u32(w, 1);
		p9_put_u32(w, 7);
		p9_put_u16(w, 2);
		t9_str(w, two[0]);
		t9_str(w, two[1]);
		CHECK_INT(P9_RLERROR, t9_send_cap(t, 20));
		CHECK_INT(ENOBUFS, t9_err(t));
		CHECK_INT(2, p9_server_fid_count(t->s));
	}
	/* Requests on fids that do not exist. */
	CHECK_INT(EBADF, t9_lopen(t, 99, 0));
	CHECK_INT(EBADF, t9_walk1(t, 99, 100, "file"));
	CHECK_INT(EBADF, t9_mkdir(t, 99, "x"));
	CHECK_INT(EEXIST, t9_attach(t, 1)); /* fid in use */
	T9_END(t);
}

TEST(test_p9_fid_table_is_bounded)
{
	struct t9 *t = calloc(1, sizeof(*t));
	unsigned made = 0;

	REQUIRE(t);
	if (!t9_setup_opts(t, false, 8)) {
		free(t);
		REQUIRE(!"setup");
	}
	CHECK_INT(0, t9_version(t, 65536));
	CHECK_INT(0, t9_attach(t, 1));
	for (uint32_t id = 2; id < 20; id++)
		if (t9_walk(t, 1, id, 0, NULL) == 0)
			made++;
	CHECK_INT(7, made);
	CHECK_INT(ENFILE, t9_walk(t, 1, 50, 0, NULL));
	CHECK_INT(0, t9_clunk(t, 2));
	CHECK_INT(0, t9_walk(t, 1, 50, 0, NULL));
	CHECK_INT(8, p9_server_fid_count(t->s));
	T9_END(t);
}

TEST(test_p9_open_files_are_bounded)
{
	struct t9 *t = calloc(1, sizeof(*t));

	REQUIRE(t);
	if (!t9_setup_opts(t, false, 0)) {
		free(t);
		REQUIRE(!"setup");
	}
	p9_server_destroy(t->s);
	{
		struct p9_server_params p = {.root = t->share, .max_open = 2};

		REQUIRE(p9_server_create(&p, &t->s) == 0);
	}
	CHECK_INT(0, t9_version(t, 65536));
	CHECK_INT(0, t9_attach(t, 1));
	for (uint32_t id = 2; id < 6; id++)
		CHECK_INT(0, t9_walk1(t, 1, id, "file"));
	CHECK_INT(0, t9_lopen(t, 2, 0));
	CHECK_INT(0, t9_lopen(t, 3, 0));
	CHECK_INT(EMFILE, t9_lopen(t, 4, 0));
	CHECK_INT(EMFILE, t9_lcreate(t, 5, "new", P9_DOTL_RDWR));
	CHECK_INT(0, t9_clunk(t, 2)); /* closing one makes room */
	CHECK_INT(0, t9_lopen(t, 4, 0));
	T9_END(t);
}

TEST(test_p9_create_refuses_a_missing_directory_or_file)
{
	struct p9_server *s;
	struct p9_server_params p = {.root = "/nonexistent-axvm-share"};

	CHECK(p9_server_create(&p, &s) < 0);
	CHECK(strstr(axvm_error_message(), "/nonexistent-axvm-share: No such file") != NULL);
	p.root = "/etc/passwd";
	CHECK(p9_server_create(&p, &s) < 0);
	CHECK(strstr(axvm_error_message(), "Not a directory") != NULL);
}

/* ---- the virtio device ---- */

TEST(test_virtio_9p_config_has_the_tag_and_serves_a_request)
{
	struct vdrv d;
	char dir[] = "/tmp/axvm-v9p-XXXXXX", opts[128];
	uint64_t req, resp;
	uint32_t used;
	uint8_t *m;

	REQUIRE(mkdtemp(dir));
	snprintf(opts, sizeof(opts), "%s,tag=hostshare", dir);
	REQUIRE_OK(vdrv_setup(&d, &axvm_virtio_9p_class, opts, NULL));
	CHECK_INT(9, vdrv_rd(&d, VDRV_DEVICE_ID));
	CHECK_U64(1, vdrv_device_features(&d) & 1); /* VIRTIO_9P_MOUNT_TAG */
	CHECK_INT(9, vdrv_rd_width(&d, VDRV_CONFIG, 2));
	{
		char tag[10] = "";

		for (unsigned i = 0; i < 9; i++)
			tag[i] = (char)vdrv_rd_width(&d, VDRV_CONFIG + 2 + i, 1);
		CHECK_STR("hostshare", tag);
	}
	REQUIRE(vdrv_init(&d, 1, 1, 16));
	req = vdrv_alloc(&d, 64, 8);
	resp = vdrv_alloc(&d, 64, 8);
	m = vdrv_host(&d, req);
	/* Tversion tag 0xffff msize 8192 "9P2000.L", in two segments. */
	memcpy(m,
	       "\x15\x00\x00\x00\x64\xff\xff\x00\x20\x00\x00\x08\x00"
	       "9P2000.L",
	       21);
	{
		struct vdrv_buf b[3] = {{req, 5, false}, {req + 5, 16, false}, {resp, 64, true}};

		vdrv_post(&d, 0, b, 3);
	}
	vdrv_kick(&d, 0);
	REQUIRE(vdrv_wait_used(&d, 0, 1));
	vdrv_take_used(&d, 0, &used);
	CHECK_INT(21, used);
	m = vdrv_host(&d, resp);
	CHECK_INT(P9_TVERSION + 1, m[4]);
	CHECK_INT(0, memcmp(m + 13, "9P2000.L", 8));
	vdrv_teardown(&d);
	rmdir(dir);
}

TEST(test_virtio_9p_options_errors_name_the_problem)
{
	struct vdrv d;

	CHECK(vdrv_setup(&d, &axvm_virtio_9p_class, "/tmp", NULL) < 0);
	CHECK(strstr(d.err, "no mount tag given") != NULL);
	vdrv_teardown(&d);
	CHECK(vdrv_setup(&d, &axvm_virtio_9p_class, "tag=x", NULL) < 0);
	CHECK(strstr(d.err, "no directory given") != NULL);
	vdrv_teardown(&d);
	CHECK(vdrv_setup(&d, &axvm_virtio_9p_class, "/tmp,tag=x,cache=loose", NULL) < 0);
	CHECK(strstr(d.err, "unknown option \"cache=loose\"") != NULL);
	vdrv_teardown(&d);
}

/*
 * A slow host file system: the test's own fstatfs (it takes the place of
 * libc's in this statically linked binary) blocks while `statfs_hold` is
 * set, up to 3 s, as a hung network file system would.
 */
static int statfs_hold;

int fstatfs(int fd, struct statfs *buf)
{
	for (int i = 0; i < 300 && __atomic_load_n(&statfs_hold, __ATOMIC_ACQUIRE); i++)
		usleep(10000);
	return (int)syscall(SYS_fstatfs, fd, buf);
}

static void v9p_timer_fired(void *opaque, uint32_t events)
{
	*(int *)opaque = 1;
}

/* One message through the queue (request at req, reply room at resp); false if unanswered. */
static bool v9p_call(struct vdrv *d, uint64_t req, uint32_t req_len, uint64_t resp)
{
	struct vdrv_buf b[2] = {{req, req_len, false}, {resp, 256, true}};
	uint32_t used;

	vdrv_post(d, 0, b, 2);
	vdrv_kick(d, 0);
	if (!vdrv_wait_used(d, 0, 1))
		return false;
	vdrv_take_used(d, 0, &used);
	return used >= 7;
}

/*
 * While the server waits on a slow host call (Tstatfs), the event loop
 * every device shares keeps running: a timer due in 1 ms fires at once,
 * not after the call; the reply comes once the host call returns.
 */
TEST(test_virtio_9p_slow_host_call_does_not_stall_the_event_loop)
{
	static const uint8_t version[] = "\x15\x00\x00\x00\x64\xff\xff\x00\x20\x00\x00\x08\x00"
					 "9P2000.L";
	/* Tattach tag 1 fid 0 afid NOFID uname "" aname "" n_uname 0 */
	static const uint8_t attach[] = "\x17\x00\x00\x00\x68\x01\x00\x00\x00\x00\x00\xff\xff\xff"
					"\xff\x00\x00\x00\x00\x00\x00\x00\x00";
	/* Tstatfs tag 2 fid 0 */
	static const uint8_t statfs_msg[] = "\x0b\x00\x00\x00\x08\x02\x00\x00\x00\x00\x00";
	struct vdrv d;
	struct axvm_event *timer;
	char dir[] = "/tmp/axvm-v9p-XXXXXX", opts[128];
	uint64_t req, resp, t0, waited;
	struct timespec ts;
	int fired = 0;
	uint32_t used;
	uint8_t *m;

	REQUIRE(mkdtemp(dir));
	snprintf(opts, sizeof(opts), "%s,tag=slow", dir);
	REQUIRE_OK(vdrv_setup(&d, &axvm_virtio_9p_class, opts, NULL));
	REQUIRE(vdrv_init(&d, 1, 1, 16));
	req = vdrv_alloc(&d, 64, 8);
	resp = vdrv_alloc(&d, 256, 8);
	memcpy(vdrv_host(&d, req), version, 21);
	REQUIRE(v9p_call(&d, req, 21, resp));
	memcpy(vdrv_host(&d, req), attach, 23);
	REQUIRE(v9p_call(&d, req, 23, resp));
	CHECK_INT(P9_TATTACH + 1, ((uint8_t *)vdrv_host(&d, resp))[4]);

	__atomic_store_n(&statfs_hold, 1, __ATOMIC_RELEASE);
	memcpy(vdrv_host(&d, req), statfs_msg, 11);
	{
		struct vdrv_buf b[2] = {{req, 11, false}, {resp, 256, true}};

		vdrv_post(&d, 0, b, 2);
	}
	vdrv_kick(&d, 0);
	REQUIRE_OK(axvm_event_add_timer(d.loop, v9p_timer_fired, &fired, &timer));
	clock_gettime(CLOCK_MONOTONIC, &ts);
	t0 = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	axvm_event_timer_arm(timer, 1000000);
	for (int i = 0; i < 100 && !fired; i++)
		axvm_event_loop_run_once(d.loop, 50);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	waited = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec - t0;
	CHECK(fired);
	CHECK(waited < 1000000000u);			       /* the held call lasts 3 s */
	CHECK_INT(0, vdrv_used_idx(&d, 0) - d.q[0].used_seen); /* still being served */
	__atomic_store_n(&statfs_hold, 0, __ATOMIC_RELEASE);
	REQUIRE(vdrv_wait_used(&d, 0, 1));
	vdrv_take_used(&d, 0, &used);
	m = vdrv_host(&d, resp);
	CHECK_INT(P9_TSTATFS + 1, m[4]);
	axvm_event_remove(timer);
	vdrv_teardown(&d);
	rmdir(dir);
}
