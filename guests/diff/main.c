// SPDX-License-Identifier: MIT
/*
 * Differential-test guest: runs one generated program (diff_prog, see
 * tests/diff/gen.py) and prints every dump it asks for. The output between
 * "DIFF-BEGIN" and "DIFF-END" must be identical under QEMU and under axvm.
 */
#include "guest.h"
#include "diff.h"

GUEST_PROGRAM("diff");

extern void diff_body(void);
extern u64 diff_area[512];
extern u64 diff_log[D_LOG_WORDS];
extern const char diff_prog_name[];
void diff_dump(u64 *tp);

static unsigned diff_dumps;

static u64 diff_buf_hash(const u8 *p)
{
	u64 h = 0xcbf29ce484222325ull;

	for (unsigned i = 0; i < D_BUF_SIZE; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

static void diff_print_regs(char c, const u64 *r)
{
	for (unsigned i = 0; i < 32; i += 4)
		printf("%c%02u %016lx %016lx %016lx %016lx\n", c, i, r[i], r[i + 1], r[i + 2],
		       r[i + 3]);
}

void diff_dump(u64 *tp)
{
	const u64 *save = (const u64 *)((char *)tp + D_SAVEX);
	const u64 *end = (const u64 *)save[3];

	printf("B %u\n", diff_dumps++);
	for (const u64 *p = diff_log; p < end; p++) {
		if (*p == D_TRAP_MARK && p + 3 < end) {
			/*
			 * EBREAK: stval is either zero or the instruction's
			 * address (privileged spec, stval), both correct.
			 */
			if (p[1] == 3 && (p[2] == 0 || p[2] == p[3]))
				printf("T cause 3 tval 0-or-epc epc %lx\n", p[3]);
			else
				printf("T cause %lx tval %lx epc %lx\n", p[1], p[2], p[3]);
			p += 3;
		} else {
			printf("L %016lx\n", *p);
		}
	}
	diff_print_regs('X', save);
	diff_print_regs('F', (const u64 *)((char *)tp + D_SAVEF));
	printf("C fcsr %lx buf %016lx\n", *(u64 *)((char *)tp + D_FCSR),
	       diff_buf_hash((const u8 *)tp + D_BUF));
}

int main(unsigned long hartid, unsigned long dtb)
{
	const u64 *buf = (const u64 *)((const char *)diff_area + 2048 + D_BUF);

	/* FS = Initial: the program starts with F/D usable and clean state. */
	csr_clear(sstatus, SSTATUS_FS);
	csr_set(sstatus, 1ul << 13);
	printf("DIFF-BEGIN %s\n", diff_prog_name);
	diff_body();
	csr_write(sie, 0);
	csr_clear(sip, 2);
	for (unsigned i = 0; i < D_BUF_SIZE / 8; i += 4)
		printf("M%03u %016lx %016lx %016lx %016lx\n", i, buf[i], buf[i + 1], buf[i + 2],
		       buf[i + 3]);
	printf("DIFF-END\n");
	return 0;
}
