/* SPDX-License-Identifier: MIT */
/*
 * SBI Debug Console extension (EID 0x4442434E "DBCN"; SBI spec v2.0 chapter 12):
 *   0 console_write(num_bytes, base_addr_lo, base_addr_hi) -> bytes written
 *   1 console_read(num_bytes, base_addr_lo, base_addr_hi)  -> bytes read
 *   2 console_write_byte(byte)
 * The buffer is guest-physical (lo | hi << 64: on RV64 hi must be 0) and
 * must lie inside one RAM region; otherwise SBI_ERR_INVALID_PARAM. Both
 * calls are non-blocking and may move fewer bytes than asked (at most
 * SBI_DBCN_CHUNK per call): the guest loops.
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

static struct axvm_console *sbi_dbcn_console(const struct rv_sbi_call *call)
{
	return call->machine ? call->machine->console : NULL;
}

/* The guest buffer [gpa, gpa + len) lies in one RAM region (not MMIO). */
static bool sbi_dbcn_buffer_ok(struct rv_hart *h, uint64_t gpa, uint64_t len)
{
	struct axvm_region_info r;

	if (len == 0)
		return true;
	if (gpa + len < gpa || axvm_addrspace_find(h->as, gpa, &r) != 0)
		return false;
	return r.kind != AXVM_REGION_MMIO && gpa + len <= r.gpa + r.size;
}

static int sbi_dbcn_write(struct rv_sbi_call *call)
{
	uint8_t buf[SBI_DBCN_CHUNK];
	uint64_t len = call->args[0] < SBI_DBCN_CHUNK ? call->args[0] : SBI_DBCN_CHUNK;
	uint64_t gpa = call->args[1];

	if (call->args[2] != 0 || !sbi_dbcn_buffer_ok(call->hart, gpa, len) ||
	    (len && axvm_addrspace_read(call->hart->as, gpa, buf, len) != 0)) {
		rv_sbi_log_guest(call, "console_write: buffer outside guest RAM");
		call->error = SBI_ERR_INVALID_PARAM;
		return 1;
	}
	if (sbi_dbcn_console(call))
		axvm_console_write(sbi_dbcn_console(call), buf, (size_t)len);
	call->value = len;
	return 1;
}

static int sbi_dbcn_read(struct rv_sbi_call *call)
{
	uint8_t buf[SBI_DBCN_CHUNK];
	uint64_t len = call->args[0] < SBI_DBCN_CHUNK ? call->args[0] : SBI_DBCN_CHUNK;
	uint64_t gpa = call->args[1], n = 0;
	struct axvm_console *con = sbi_dbcn_console(call);

	/* Check before popping: bytes taken from the queue must not be lost. */
	if (call->args[2] != 0 || !sbi_dbcn_buffer_ok(call->hart, gpa, len)) {
		rv_sbi_log_guest(call, "console_read: buffer outside guest RAM");
		call->error = SBI_ERR_INVALID_PARAM;
		return 1;
	}
	while (con && n < len) {
		int c = axvm_console_pop(con);

		if (c < 0)
			break;
		buf[n++] = (uint8_t)c;
	}
	if (n && axvm_addrspace_write(call->hart->as, gpa, buf, n) != 0) {
		call->error = SBI_ERR_FAILED;
		return 1;
	}
	call->value = n;
	return 1;
}

static int sbi_dbcn_handler(struct rv_sbi_call *call)
{
	uint8_t byte;

	switch (call->fid) {
	case SBI_DBCN_CONSOLE_WRITE:
		return sbi_dbcn_write(call);
	case SBI_DBCN_CONSOLE_READ:
		return sbi_dbcn_read(call);
	case SBI_DBCN_CONSOLE_WRITE_BYTE:
		byte = (uint8_t)call->args[0];
		if (sbi_dbcn_console(call))
			axvm_console_write(sbi_dbcn_console(call), &byte, 1);
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
