/* SPDX-License-Identifier: MIT */
/*
 * The compressed-instruction expander against the GNU assembler: each pair
 * is a 16-bit instruction and the 32-bit instruction it stands for, both
 * assembled by riscv64-unknown-elf-as (rv64gc), plus the reserved encodings
 * that must be illegal. Also one compressed instruction executed at the very
 * end of a page.
 */
#include "arch/riscv64/decode.h"
#include "test_hart_util.h"

static const struct {
	uint16_t c;
	uint32_t expanded;
} rvc_pairs[] = {
    {0x0054, 0x00410693}, /* c.addi4spn a3, sp, 4 */
    {0x0044, 0x00410493}, /* c.addi4spn s1, sp, 4 */
    {0x040c, 0x20010593}, /* c.addi4spn a1, sp, 512 */
    {0x6188, 0x0005b503}, /* c.ld a0, 0(a1) */
    {0xe188, 0x00a5b023}, /* c.sd a0, 0(a1) */
    {0x2188, 0x0005b507}, /* c.fld f10, 0(a1) */
    {0xa188, 0x00a5b027}, /* c.fsd f10, 0(a1) */
    {0x6380, 0x0007b403}, /* c.ld s0, 0(a5) */
    {0xe380, 0x0087b023}, /* c.sd s0, 0(a5) */
    {0x2380, 0x0007b407}, /* c.fld f8, 0(a5) */
    {0xa380, 0x0087b027}, /* c.fsd f8, 0(a5) */
    {0x6588, 0x0085b503}, /* c.ld a0, 8(a1) */
    {0xe588, 0x00a5b423}, /* c.sd a0, 8(a1) */
    {0x2588, 0x0085b507}, /* c.fld f10, 8(a1) */
    {0xa588, 0x00a5b427}, /* c.fsd f10, 8(a1) */
    {0x6780, 0x0087b403}, /* c.ld s0, 8(a5) */
    {0xe780, 0x0087b423}, /* c.sd s0, 8(a5) */
    {0x2780, 0x0087b407}, /* c.fld f8, 8(a5) */
    {0xa780, 0x0087b427}, /* c.fsd f8, 8(a5) */
    {0x7de8, 0x0f85b503}, /* c.ld a0, 248(a1) */
    {0xfde8, 0x0ea5bc23}, /* c.sd a0, 248(a1) */
    {0x3de8, 0x0f85b507}, /* c.fld f10, 248(a1) */
    {0xbde8, 0x0ea5bc27}, /* c.fsd f10, 248(a1) */
    {0x7fe0, 0x0f87b403}, /* c.ld s0, 248(a5) */
    {0xffe0, 0x0e87bc23}, /* c.sd s0, 248(a5) */
    {0x3fe0, 0x0f87b407}, /* c.fld f8, 248(a5) */
    {0xbfe0, 0x0e87bc27}, /* c.fsd f8, 248(a5) */
    {0x4290, 0x0006a603}, /* c.lw a2, 0(a3) */
    {0xc290, 0x00c6a023}, /* c.sw a2, 0(a3) */
    {0x42d0, 0x0046a603}, /* c.lw a2, 4(a3) */
    {0xc2d0, 0x00c6a223}, /* c.sw a2, 4(a3) */
    {0x5ef0, 0x07c6a603}, /* c.lw a2, 124(a3) */
    {0xdef0, 0x06c6ae23}, /* c.sw a2, 124(a3) */
    {0x42b0, 0x0406a603}, /* c.lw a2, 64(a3) */
    {0xc2b0, 0x04c6a023}, /* c.sw a2, 64(a3) */
    {0x1281, 0xfe028293}, /* c.addi t0, -32 */
    {0x3881, 0xfe08889b}, /* c.addiw a7, -32 */
    {0x5d81, 0xfe000d93}, /* c.li s11, -32 */
    {0x9b01, 0xfe077713}, /* c.andi a4, -32 */
    {0x12fd, 0xfff28293}, /* c.addi t0, -1 */
    {0x38fd, 0xfff8889b}, /* c.addiw a7, -1 */
    {0x5dfd, 0xfff00d93}, /* c.li s11, -1 */
    {0x9b7d, 0xfff77713}, /* c.andi a4, -1 */
    {0x0285, 0x00128293}, /* c.addi t0, 1 */
    {0x2885, 0x0018889b}, /* c.addiw a7, 1 */
    {0x4d85, 0x00100d93}, /* c.li s11, 1 */
    {0x8b05, 0x00177713}, /* c.andi a4, 1 */
    {0x02fd, 0x01f28293}, /* c.addi t0, 31 */
    {0x28fd, 0x01f8889b}, /* c.addiw a7, 31 */
    {0x4dfd, 0x01f00d93}, /* c.li s11, 31 */
    {0x8b7d, 0x01f77713}, /* c.andi a4, 31 */
    {0x6305, 0x00001337}, /* c.lui t1, 1 */
    {0x637d, 0x0001f337}, /* c.lui t1, 31 */
    {0x737d, 0xfffff337}, /* c.lui t1, 1048575 */
    {0x7301, 0xfffe0337}, /* c.lui t1, 1048544 */
    {0x7101, 0xe0010113}, /* c.addi16sp sp, -512 */
    {0x6141, 0x01010113}, /* c.addi16sp sp, 16 */
    {0x617d, 0x1f010113}, /* c.addi16sp sp, 496 */
    {0x717d, 0xff010113}, /* c.addi16sp sp, -16 */
    {0x8385, 0x0017d793}, /* c.srli a5, 1 */
    {0x8485, 0x4014d493}, /* c.srai s1, 1 */
    {0x0f86, 0x001f9f93}, /* c.slli t6, 1 */
    {0x83fd, 0x01f7d793}, /* c.srli a5, 31 */
    {0x84fd, 0x41f4d493}, /* c.srai s1, 31 */
    {0x0ffe, 0x01ff9f93}, /* c.slli t6, 31 */
    {0x9381, 0x0207d793}, /* c.srli a5, 32 */
    {0x9481, 0x4204d493}, /* c.srai s1, 32 */
    {0x1f82, 0x020f9f93}, /* c.slli t6, 32 */
    {0x93fd, 0x03f7d793}, /* c.srli a5, 63 */
    {0x94fd, 0x43f4d493}, /* c.srai s1, 63 */
    {0x1ffe, 0x03ff9f93}, /* c.slli t6, 63 */
    {0x8d05, 0x40950533}, /* c.sub a0, s1 */
    {0x8d25, 0x00954533}, /* c.xor a0, s1 */
    {0x8d45, 0x00956533}, /* c.or a0, s1 */
    {0x8d65, 0x00957533}, /* c.and a0, s1 */
    {0x9d05, 0x4095053b}, /* c.subw a0, s1 */
    {0x9d25, 0x0095053b}, /* c.addw a0, s1 */
    {0xb001, 0x801ff06f}, /* c.j .-2048 */
    {0xbffd, 0xfffff06f}, /* c.j .-2 */
    {0xa009, 0x0020006f}, /* c.j .+2 */
    {0xaffd, 0x7fe0006f}, /* c.j .+2046 */
    {0xa101, 0x4000006f}, /* c.j .+1024 */
    {0xb101, 0xc01ff06f}, /* c.j .-1024 */
    {0xa46d, 0x2aa0006f}, /* c.j .+682 */
    {0xb56d, 0xeabff06f}, /* c.j .-342 */
    {0xd281, 0xf00680e3}, /* c.beqz a3, .-256 */
    {0xf001, 0xf00410e3}, /* c.bnez s0, .-256 */
    {0xdefd, 0xfe068fe3}, /* c.beqz a3, .-2 */
    {0xfc7d, 0xfe041fe3}, /* c.bnez s0, .-2 */
    {0xc289, 0x00068163}, /* c.beqz a3, .+2 */
    {0xe009, 0x00041163}, /* c.bnez s0, .+2 */
    {0xcefd, 0x0e068f63}, /* c.beqz a3, .+254 */
    {0xec7d, 0x0e041f63}, /* c.bnez s0, .+254 */
    {0xc6cd, 0x0a068563}, /* c.beqz a3, .+170 */
    {0xe44d, 0x0a041563}, /* c.bnez s0, .+170 */
    {0xd6cd, 0xfa0685e3}, /* c.beqz a3, .-86 */
    {0xf44d, 0xfa0415e3}, /* c.bnez s0, .-86 */
    {0x6382, 0x00013383}, /* c.ldsp t2, 0(sp) */
    {0xe01e, 0x00713023}, /* c.sdsp t2, 0(sp) */
    {0x2f02, 0x00013f07}, /* c.fldsp f30, 0(sp) */
    {0xa07a, 0x01e13027}, /* c.fsdsp f30, 0(sp) */
    {0x63a2, 0x00813383}, /* c.ldsp t2, 8(sp) */
    {0xe41e, 0x00713423}, /* c.sdsp t2, 8(sp) */
    {0x2f22, 0x00813f07}, /* c.fldsp f30, 8(sp) */
    {0xa47a, 0x01e13427}, /* c.fsdsp f30, 8(sp) */
    {0x73fe, 0x1f813383}, /* c.ldsp t2, 504(sp) */
    {0xff9e, 0x1e713c23}, /* c.sdsp t2, 504(sp) */
    {0x3f7e, 0x1f813f07}, /* c.fldsp f30, 504(sp) */
    {0xbffa, 0x1fe13c27}, /* c.fsdsp f30, 504(sp) */
    {0x6392, 0x10013383}, /* c.ldsp t2, 256(sp) */
    {0xe21e, 0x10713023}, /* c.sdsp t2, 256(sp) */
    {0x2f12, 0x10013f07}, /* c.fldsp f30, 256(sp) */
    {0xa27a, 0x11e13027}, /* c.fsdsp f30, 256(sp) */
    {0x4082, 0x00012083}, /* c.lwsp ra, 0(sp) */
    {0xc006, 0x00112023}, /* c.swsp ra, 0(sp) */
    {0x4092, 0x00412083}, /* c.lwsp ra, 4(sp) */
    {0xc206, 0x00112223}, /* c.swsp ra, 4(sp) */
    {0x50fe, 0x0fc12083}, /* c.lwsp ra, 252(sp) */
    {0xdf86, 0x0e112e23}, /* c.swsp ra, 252(sp) */
    {0x408a, 0x08012083}, /* c.lwsp ra, 128(sp) */
    {0xc106, 0x08112023}, /* c.swsp ra, 128(sp) */
    {0x8282, 0x00028067}, /* c.jr t0 */
    {0x9502, 0x000500e7}, /* c.jalr a0 */
    {0x857e, 0x01f00533}, /* c.mv a0, t6 */
    {0x992e, 0x00b90933}, /* c.add s2, a1 */
    {0x9002, 0x00100073}, /* c.ebreak */
    {0x0001, 0x00000013}, /* c.nop */
};

TEST(hart_rvc_expansion_matches_the_assembler)
{
	for (size_t i = 0; i < sizeof(rvc_pairs) / sizeof(rvc_pairs[0]); i++) {
		uint32_t got = rv_expand_compressed(rvc_pairs[i].c);

		if (got != rvc_pairs[i].expanded)
			test_fail_at(__FILE__, __LINE__, "0x%04x: expected 0x%08x, got 0x%08x",
				     rvc_pairs[i].c, rvc_pairs[i].expanded, got);
	}
}

TEST(hart_rvc_reserved_encodings_are_illegal)
{
	static const uint16_t reserved[] = {
	    0x0000, /* all zeros */
	    0x0004, /* c.addi4spn with nzuimm = 0 */
	    0x8000, /* quadrant 0, funct3 100 */
	    0x2001, /* c.addiw with rd = 0 */
	    0x6101, /* c.addi16sp with nzimm = 0 */
	    0x6081, /* c.lui with nzimm = 0 */
	    0x9c41, /* quadrant 1 misc-alu 1-11-10 */
	    0x9c61, /* quadrant 1 misc-alu 1-11-11 */
	    0x4002, /* c.lwsp with rd = 0 */
	    0x6002, /* c.ldsp with rd = 0 */
	    0x8002, /* c.jr with rs1 = 0 */
	};

	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (rv_expand_compressed(reserved[i]) != 0)
			test_fail_at(__FILE__, __LINE__, "0x%04x: expected illegal", reserved[i]);
}

TEST(hart_compressed_instruction_at_the_end_of_a_page)
{
	FIX(f);
	uint16_t cli = 0x4515; /* c.li a0, 5 */
	uint32_t wfi = WFI;

	f.h->x[1] = RAM_BASE + 0x1ffe;
	CODE(f, RAM_BASE, JALR(0, 1, 0));
	REQUIRE_OK(axvm_addrspace_write(f.as, RAM_BASE + 0x1ffe, &cli, 2));
	REQUIRE_OK(axvm_addrspace_write(f.as, RAM_BASE + 0x2000, &wfi, 4));
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(5, f.h->x[10]);
	CHECK_U64(RAM_BASE + 0x2004, f.h->pc);
	fix_fini(&f);
}
