/* SPDX-License-Identifier: MIT */
/*
 * SBI Debug Console extension (EID 0x4442434E "DBCN"; SBI spec v2.0 chapter 12):
 *   0 console_write(num_bytes, base_addr_lo, base_addr_hi) -> bytes written
 *   1 console_read(num_bytes, base_addr_lo, base_addr_hi)  -> bytes read
 *   2 console_write_byte(byte)
 * The buffer is guest-physical (lo | hi << 64: on RV64 hi must be 0). The
 * whole range [base, base + num_bytes) must be guest RAM the guest may read
 * (write) for console_write (console_read): it may span adjacent RAM
 * regions, but not MMIO, holes, or the top of the address space. Otherwise
 * the call fails with SBI_ERR_INVALID_PARAM and moves nothing: the DBCN
 * tables name that code for a range breaking the rules of "Shared memory
 * physical address range parameter" (as OpenSBI returns it), although that
 * section itself speaks of SBI_ERR_INVALID_ADDRESS. Both calls are
 * non-blocking and may move fewer bytes than asked (at most SBI_DBCN_CHUNK
 * per call, and console_write only what the console's output buffer takes:
 * when the host has not drained it, after waiting a moment, possibly 0):
 * the guest loops. console_write_byte blocks, as the spec says, until the
 * byte is taken (rv_sbi_console_put_blocking).
 */
#include "arch/riscv64/hart.h"
#include "arch/riscv64/machine.h"
#include "arch/riscv64/sbi.h"

enum {
	SBI_DBCN_CONSOLE_WRITE = 0,
	SBI_DBCN_CONSOLE_READ = 1,
	SBI_DBCN_CONSOLE_WRITE_BYTE = 2,
};

#define SBI_DBCN_CHUNK 1024u
#define SBI_DBCN_WAIT_NS 10000000ull /* 10 ms */

static struct axvm_console *sbi_dbcn_console(const struct rv_sbi_call *call)
{
	return call->machine ? call->machine->console : NULL;
}

/*
 * The guest buffer [gpa, gpa + len) is RAM with `flags` throughout, possibly
 * over several adjacent regions.
 */
static bool sbi_dbcn_buffer_ok(struct rv_hart *h, uint64_t gpa, uint64_t len, uint32_t flags)
{
	struct axvm_region_info r;

	if (len && gpa + len - 1 < gpa)
		return false; /* wraps */
	while (len) {
		uint64_t avail;

		if (axvm_addrspace_find(h->as, gpa, &r) != 0 || r.kind == AXVM_REGION_MMIO ||
		    (r.flags & flags) != flags)
			return false;
		avail = r.size - (gpa - r.gpa);
		if (avail >= len)
			return true;
		gpa += avail;
		len -= avail;
	}
	return true;
}

/* Copy between the guest range (checked by sbi_dbcn_buffer_ok) and buf, region by region. */
static int sbi_dbcn_copy(struct rv_hart *h, uint64_t gpa, uint8_t *buf, uint64_t len, bool to_guest)
{
	while (len) {
		struct axvm_region_info r;
		uint64_t n;
		int err = axvm_addrspace_find(h->as, gpa, &r);

		if (err)
			return err;
		n = r.size - (gpa - r.gpa);
		if (n > len)
			n = len;
		err = to_guest ? axvm_addrspace_write(h->as, gpa, buf, n)
			       : axvm_addrspace_read(h->as, gpa, buf, n);
		if (err)
			return err;
		gpa += n;
		buf += n;
		len -= n;
	}
	return 0;
}

static int sbi_dbcn_write(struct rv_sbi_call *call)
{
	struct axvm_console *con = sbi_dbcn_console(call);
	uint8_t buf[SBI_DBCN_CHUNK];
	uint64_t len = call->args[0] < SBI_DBCN_CHUNK ? call->args[0] : SBI_DBCN_CHUNK;
	uint64_t gpa = call->args[1];

	if (call->args[2] != 0 ||
	    !sbi_dbcn_buffer_ok(call->hart, gpa, call->args[0], AXVM_MEM_READ) ||
	    sbi_dbcn_copy(call->hart, gpa, buf, len, false) != 0) {
		rv_sbi_log_guest(call, "console_write: buffer not readable guest RAM");
		call->error = SBI_ERR_INVALID_PARAM;
		return 1;
	}
	call->value = len;
	if (con && len) {
		call->value = axvm_console_write(con, buf, (size_t)len);
		/* A full buffer: give the host a moment rather than have the guest spin. */
		if (!call->value && axvm_console_wait_output_room(con, 1, SBI_DBCN_WAIT_NS))
			call->value = axvm_console_write(con, buf, (size_t)len);
	}
	return 1;
}

static int sbi_dbcn_read(struct rv_sbi_call *call)
{
	uint8_t buf[SBI_DBCN_CHUNK];
	uint64_t len = call->args[0] < SBI_DBCN_CHUNK ? call->args[0] : SBI_DBCN_CHUNK;
	uint64_t gpa = call->args[1], n = 0;
	struct axvm_console *con = sbi_dbcn_console(call);

	/* Check before popping: bytes taken from the queue must not be lost. */
	if (call->args[2] != 0 ||
	    !sbi_dbcn_buffer_ok(call->hart, gpa, call->args[0], AXVM_MEM_WRITE)) {
		rv_sbi_log_guest(call, "console_read: buffer not writable guest RAM");
		call->error = SBI_ERR_INVALID_PARAM;
		return 1;
	}
	if (con)
		rv_sbi_console_claim(con);
	while (con && n < len) {
		int c = axvm_console_pop_for(con, RV_SBI_CONSOLE_CONSUMER);

		if (c < 0)
			break;
		buf[n++] = (uint8_t)c;
	}
	if (n && sbi_dbcn_copy(call->hart, gpa, buf, n, true) != 0) {
		call->error = SBI_ERR_FAILED;
		return 1;
	}
	call->value = n;
	return 1;
}

static int sbi_dbcn_handler(struct rv_sbi_call *call)
{
	switch (call->fid) {
	case SBI_DBCN_CONSOLE_WRITE:
		return sbi_dbcn_write(call);
	case SBI_DBCN_CONSOLE_READ:
		return sbi_dbcn_read(call);
	case SBI_DBCN_CONSOLE_WRITE_BYTE:
		rv_sbi_console_put_blocking(call, (uint8_t)call->args[0]);
		return 1;
	default:
		rv_sbi_log_guest(call, "unknown DBCN function");
		call->error = SBI_ERR_NOT_SUPPORTED;
		return 1;
	}
}

const struct rv_sbi_ext rv_sbi_ext_dbcn = {
    .name = "DBCN",
    .eid_min = SBI_EXT_DBCN,
    .eid_max = SBI_EXT_DBCN,
    .handler = sbi_dbcn_handler,
};
