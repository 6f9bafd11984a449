/* SPDX-License-Identifier: MIT */
/*
 * Runs every case of cases.h (written by gen.py) on the hart it boots on and
 * prints one line per case: "f4 x12 fcsr trapped", in hex. Under QEMU this
 * turns the case list into reference results for tests/unit/test_fpu_qemu.c.
 */
#include "guest.h"

#include "cases.h"

GUEST_PROGRAM("fp_vecgen");

struct fp_io {
	u64 a, b, c, fcsr, code;
	u64 f4, x12, fcsr_out;
};

void fp_exec(struct fp_io *io);

static u32 code[2] __attribute__((aligned(8)));

int main(unsigned long hartid, unsigned long dtb)
{
	csr_set(sstatus, SSTATUS_FS);
	trap_expect();
	printf("VECGEN BEGIN %u\n", (unsigned)(sizeof(cases) / sizeof(cases[0])));
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct vg_case *k = &cases[i];
		struct fp_io io = {
			.a = values[k->a],
			.b = values[k->b],
			.c = values[k->c],
			.fcsr = (u64)k->frm << 5,
			.code = (u64)(uintptr_t)code,
		};
		unsigned long before = last_trap.count;

		code[0] = k->insn;
		code[1] = 0x00008067; /* ret */
		fence_i();
		fp_exec(&io);
		printf("%lx %lx %lx %lx\n", io.f4, io.x12, io.fcsr_out,
		       last_trap.count - before);
	}
	printf("VECGEN END\n");
	return 0;
}
