/* SPDX-License-Identifier: MIT */
/*
 * insn_table.h's SYSTEM rows (ecall, ebreak, sret, wfi, sfence.vma and the
 * Svinval and Zawrs instructions) through the interpreter: every row
 * decodes to itself, does not exist with its extension off, and in U-mode
 * is an illegal instruction exactly when its s_only column says so; the
 * rows that only retire (the fences, wrs.*) retire in S-mode. A row added to
 * the table is walked here without an edit.
 */
#include "arch/riscv64/insn_table.h"
#include "test_hart_util.h"

#define P (RAM_BASE + 0x10000)

static const struct {
	const char *name;
	uint32_t match;
	uint64_t ext;
	bool s_only;
} sysrows[] = {
#define SYSROW(n, s, opc, mask, match, ext, s_only, fn) {s, match, ext, s_only},
    RV_INSN_SYSTEM(SYSROW)
#undef SYSROW
};
#define NSYS (sizeof(sysrows) / sizeof(sysrows[0]))

/* Runs insn then ebreak at P in mode priv with extensions ext_on; the trap's cause and sepc. */
static void sys_run(uint32_t insn, unsigned priv, uint64_t ext_on, uint64_t *cause, uint64_t *sepc)
{
	const uint32_t code[2] = {insn, EBREAK};
	struct hart_fix f;

	*cause = *sepc = ~0ull;
	if (fix_init(&f) || fix_code(&f, P, code, 2)) {
		test_fail_at(__FILE__, __LINE__, "fixture");
		fix_fini(&f);
		return;
	}
	f.h->ext_on = ext_on;
	f.h->priv = priv;
	f.h->pc = P;
	for (unsigned runs = 0; runs < 8 && f.h->pc != TRAP_END; runs++)
		fix_run(&f);
	if (f.h->pc == TRAP_END) {
		*cause = f.h->scause;
		*sepc = f.h->sepc;
	}
	fix_fini(&f);
}

TEST(every_system_row_decodes_to_itself_and_needs_its_extension)
{
	for (unsigned i = 0; i < NSYS; i++) {
		CHECK_INT((int)i, rv_insn_system_find(sysrows[i].match, ~0ull));
		if (sysrows[i].ext)
			CHECK_INT(-1, rv_insn_system_find(sysrows[i].match, ~sysrows[i].ext));
		CHECK(rv_insn_system_s_only((int)i) == sysrows[i].s_only);
	}
	/* sfence.vma's rs1/rs2 are operands; its rd is not */
	CHECK_INT(RV_I_SFENCE_VMA, rv_insn_system_find(0x12000073u | 5u << 15 | 6u << 20, 0));
	CHECK_INT(-1, rv_insn_system_find(0x12000073u | 1u << 7, ~0ull));
}

TEST(system_rows_in_u_mode_are_illegal_exactly_when_s_only)
{
	for (unsigned i = 0; i < NSYS; i++) {
		uint64_t cause, sepc, want;

		sys_run(sysrows[i].match, RV_PRIV_U, ~0ull, &cause, &sepc);
		if (sysrows[i].s_only)
			want = RV_EXC_ILLEGAL;
		else if (sysrows[i].match == 0x00000073u)
			want = RV_EXC_ECALL_U;
		else
			want =
			    RV_EXC_BREAKPOINT; /* ebreak itself, or the one after a retired row */
		if (cause != want)
			test_fail_at(__FILE__, __LINE__, "%s in U-mode: cause %llu, want %llu",
				     sysrows[i].name, (unsigned long long)cause,
				     (unsigned long long)want);
		if (!sysrows[i].s_only && sysrows[i].ext && sepc != P + 4)
			test_fail_at(__FILE__, __LINE__, "%s in U-mode did not retire (sepc %#llx)",
				     sysrows[i].name, (unsigned long long)sepc);
	}
}

TEST(system_rows_of_an_extension_retire_in_s_mode_and_are_illegal_without_it)
{
	for (unsigned i = 0; i < NSYS; i++) {
		uint64_t cause, sepc;

		if (!sysrows[i].ext)
			continue;
		sys_run(sysrows[i].match, RV_PRIV_S, ~0ull, &cause, &sepc);
		if (cause != RV_EXC_BREAKPOINT || sepc != P + 4)
			test_fail_at(__FILE__, __LINE__, "%s in S-mode: cause %llu sepc %#llx",
				     sysrows[i].name, (unsigned long long)cause,
				     (unsigned long long)sepc);
		sys_run(sysrows[i].match, RV_PRIV_S, ~sysrows[i].ext, &cause, &sepc);
		if (cause != RV_EXC_ILLEGAL || sepc != P)
			test_fail_at(__FILE__, __LINE__, "%s without its extension: cause %llu",
				     sysrows[i].name, (unsigned long long)cause);
	}
}
