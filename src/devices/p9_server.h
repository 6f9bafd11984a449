/* SPDX-License-Identifier: MIT */
/*
 * A 9P2000.L file server over one host directory (the protocol Linux's
 * `mount -t 9p -o trans=virtio,version=9p2000.L` speaks), independent of
 * its transport: virtio_9p.c hands it one request message at a time and
 * carries the reply back. No threads; the caller serialises requests (the
 * event loop's thread, for the virtio device), and each is served to the
 * end before the next (so Tflush has nothing to cancel).
 *
 * Confinement (the guest names every path; none may reach outside the
 * shared directory):
 *  - a fid is a path relative to the share's root, kept as normalised
 *    components: a name with '/', a NUL, "" or longer than NAME_MAX is
 *    refused; ".." drops the last component lexically (".." of the root is
 *    the root, as 9P says), so the host never resolves "..";
 *  - every host access goes through openat2(root_fd, path,
 *    RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS) and
 *    O_NOFOLLOW, or a *at() call on a directory fd opened that way with a
 *    single checked name and AT_SYMLINK_NOFOLLOW: the host follows no
 *    symlink at all (the guest's kernel reads them with Treadlink and
 *    resolves them itself, in the guest);
 *  - without openat2 (Linux < 5.6) the share is refused at create time;
 *  - only regular files and directories are opened (a FIFO or device node
 *    in the share is not: it could block the event thread or reach a host
 *    device); mknod makes FIFOs, sockets and regular files only;
 *  - a read-only share answers EROFS to every change.
 *
 * Bounds: msize at most P9_MSIZE_MAX, at most `max_fids` fids and
 * P9_PATH_BYTES_MAX bytes of fid paths (then ENFILE), at most `max_open`
 * of them open, each holding one host fd (then EMFILE: the guest cannot
 * use up the VMM's fd table); every field is read
 * through the bounded reader of p9_wire.h, so a short message, a lying
 * size or count, or a huge count is an Rlerror, never an overrun.
 *
 * Ownership: files are created as the VMM's user; a chown the host refuses
 * (EPERM, not running as root) is ignored, as QEMU's security_model=none
 * does. Locks always succeed (as QEMU's 9p: the guest's own kernel keeps
 * its locks; the host's processes are not told). Extended attributes are
 * not offered (EOPNOTSUPP). Errors are Linux errno values (Rlerror): the
 * host's own, which are Linux's too.
 */
#ifndef AXVM_DEVICES_P9_SERVER_H
#define AXVM_DEVICES_P9_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define P9_MSIZE_MAX (1u << 20)
#define P9_MSIZE_MIN 4096u
#define P9_MAX_FIDS_DEFAULT 16384u
#define P9_MAX_OPEN_DEFAULT 512u
#define P9_PATH_BYTES_MAX (16u << 20)

struct p9_server;

struct p9_server_params {
	const char *root; /* the host directory */
	bool read_only;
	uint32_t msize_max; /* 0: P9_MSIZE_MAX */
	unsigned max_fids;  /* 0: P9_MAX_FIDS_DEFAULT */
	unsigned max_open;  /* fids open at once (host fds): 0: P9_MAX_OPEN_DEFAULT */
};

/*
 * Open the shared directory (it must exist and be a directory). 0 or a
 * negative AXVM_E* with the thread's message (core/error.h) naming it.
 */
int p9_server_create(const struct p9_server_params *p, struct p9_server **out);
void p9_server_destroy(struct p9_server *s);

/*
 * Serve one request (`req_len` bytes at req; its size field says how much
 * of it is the message) and write the reply into resp (`resp_cap` bytes:
 * the guest's buffer, further bounded by the negotiated msize). Returns the
 * reply's length, or 0 when no reply can be written (fewer than 7 bytes of
 * request, or room for less than an Rlerror).
 */
size_t p9_server_handle(struct p9_server *s, const uint8_t *req, size_t req_len, uint8_t *resp,
			size_t resp_cap);

/* Fids in use (tests). */
unsigned p9_server_fid_count(const struct p9_server *s);

#endif
