/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for everything a guest controls in an SBI call: a7/a6/a0..a5,
 * plus the satp and sstatus a legacy call's hart-mask pointer is translated
 * with, and the guest memory (page tables, DBCN buffers) it points into. Not
 * part of the default build. With libFuzzer (clang): `make fuzz`, then
 *
 *   build/fuzz/fuzz_sbi -max_len=4096
 *
 * Without libFuzzer, add
 * -DFUZZ_STANDALONE (and drop "fuzzer," from -fsanitize) to run the target over
 * the files named on its command line, e.g. to replay a crasher.
 *
 * Input: a sequence of 80-byte records, one call each: hart index, eid
 * selector, fid, satp selector, HSM reset flag, a0..a5, sstatus. The same
 * bytes (up to 4 KiB) also fill the start of guest RAM, so page-table walks
 * and DBCN buffers find attacker-chosen data. The contract checked:
 * rv_sbi_ecall never fails on the host side, an exit it returns is a valid
 * reason, and a call answered in place leaves a standard SBI error in a0
 * (SBI 3.0's DENIED_LOCKED included, for FWFT). PMU, STA, SUSP and FWFT
 * state carries over from call to call, and a steal-time record a call set
 * up is updated after it as the next entry into the guest would.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/riscv64/hart.h"
#include "arch/riscv64/machine.h"
#include "arch/riscv64/sbi.h"
#include "axvm/addrspace.h"
#include "axvm/console.h"

#define FUZZ_RAM_BASE 0x80000000ull
#define FUZZ_RAM_SIZE (64ull << 10)
#define FUZZ_HARTS 4
#define FUZZ_RECORD 80

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t fuzz_u64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static void fuzz_sink(void *opaque, const uint8_t *buf, size_t len)
{
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t eids[] = {SBI_EXT_BASE, SBI_EXT_TIME, SBI_EXT_IPI,  SBI_EXT_RFENCE,
					SBI_EXT_HSM,  SBI_EXT_SRST, SBI_EXT_DBCN, SBI_EXT_PMU,
					SBI_EXT_STA,  SBI_EXT_SUSP, SBI_EXT_FWFT, SBI_EXT_DBTR,
					SBI_EXT_SSE};
	struct axvm_console_sink sink = {.write = fuzz_sink};
	struct axvm_riscv64_config cfg = {0};
	struct axvm_addrspace *as = NULL;
	struct axvm_console *con = NULL;
	struct rv_machine *m = NULL;
	struct rv_hart *h[FUZZ_HARTS] = {0};
	size_t ram_bytes = size < 4096 ? size : 4096;

	if (axvm_addrspace_create(axvm_hal_linux(), &as) ||
	    axvm_addrspace_map_linear(as, FUZZ_RAM_BASE, FUZZ_RAM_SIZE,
				      AXVM_MEM_READ | AXVM_MEM_WRITE | AXVM_MEM_EXEC) ||
	    axvm_addrspace_map_mmio(as, 0x10000000, 0x1000) || axvm_console_create(&sink, &con) ||
	    rv_machine_create(FUZZ_HARTS, con, &m))
		abort();
	cfg.machine = m;
	for (unsigned i = 0; i < FUZZ_HARTS; i++) {
		if (rv_hart_create(&cfg, i, axvm_hal_linux(), &h[i]))
			abort();
		h[i]->as = as;
		rv_machine_attach_hart(m, i, h[i]);
	}
	if (ram_bytes && axvm_addrspace_write(as, FUZZ_RAM_BASE, data, ram_bytes))
		abort();
	axvm_console_push(con, (const uint8_t *)"in", 2);

	for (; size >= FUZZ_RECORD; data += FUZZ_RECORD, size -= FUZZ_RECORD) {
		struct rv_hart *t = h[data[0] % FUZZ_HARTS];
		struct axvm_exit exit;
		uint8_t sel = data[1];
		int ret;

		/* Mostly real extensions (and legacy 0x00-0x0f), sometimes anything. */
		if (sel < 0xc0)
			t->x[17] = eids[sel % (sizeof(eids) / sizeof(eids[0]))];
		else if (sel < 0xf0)
			t->x[17] = sel & 0x0f;
		else
			t->x[17] = fuzz_u64(data + 8);
		t->x[16] = data[2] & 0x0f;
		for (int r = 0; r < 6; r++)
			t->x[10 + r] = fuzz_u64(data + 8 + 8 * r);
		/* satp: Bare, or Sv39/Sv48 with a root page inside RAM. */
		t->satp = data[3] & 1
			      ? 0
			      : ((8ull + (data[3] >> 1 & 1)) << 60) |
				    ((FUZZ_RAM_BASE >> 12) + data[4] % (FUZZ_RAM_SIZE >> 12));
		t->sstatus = fuzz_u64(data + 56) & (RV_SSTATUS_SUM | RV_SSTATUS_MXR);
		t->pc = FUZZ_RAM_BASE;
		ret = rv_sbi_ecall(t, &exit);
		if (ret < 0 || (unsigned)exit.reason >= AXVM_EXIT_REASON_COUNT)
			abort();
		if (ret > 0 && t->x[17] > 0x0f &&
		    ((int64_t)t->x[10] > 0 || (int64_t)t->x[10] < SBI_ERR_DENIED_LOCKED))
			abort();
		/* A steal-time record the call may have set up, as the next guest entry writes it.
		 */
		if (t->sbi.sta_gpa != RV_STA_OFF) {
			t->sbi.sta_next_ns = 0;
			rv_sbi_sta_update(t);
		}
		/* PMU counters read as their CSRs do. */
		if (rv_sbi_pmu_hw_read(t, 0) != rv_sbi_pmu_hw_read(t, 0))
			abort();
		if (data[5] == 0)
			rv_machine_reset_hsm(m);
	}

	for (unsigned i = 0; i < FUZZ_HARTS; i++)
		rv_hart_destroy(h[i]);
	rv_machine_destroy(m);
	axvm_console_destroy(con);
	axvm_addrspace_destroy(as);
	return 0;
}

#ifdef FUZZ_STANDALONE
int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		static uint8_t buf[1 << 20];
		size_t n;

		if (!f) {
			perror(argv[i]);
			return 1;
		}
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		LLVMFuzzerTestOneInput(buf, n);
		printf("%s: ok\n", argv[i]);
	}
	return 0;
}
#endif
