/* SPDX-License-Identifier: MIT */
/*
 * The translator's x86-64 encoder (jit_x86.c): each form against the bytes
 * GNU as produces for the instruction in the comment, plus jumps, patching
 * and a full buffer.
 */
#include "test.h"

#include "arch/riscv64/jit_x86.h"

/* Encode with `call` (using b) into a fresh buffer and compare with the hex string. */
static void enc_check(const char *file, int line, const char *hex, struct x86_buf *b,
		      const uint8_t *start)
{
	char got[64] = "";
	size_t n = (size_t)(b->p - start);

	for (size_t i = 0; i < n && 2 * i + 2 < sizeof(got); i++)
		snprintf(got + 2 * i, 3, "%02x", start[i]);
	if (b->full || strcmp(got, hex) != 0)
		test_fail_at(file, line, "expected %s, got %s%s", hex, got,
			     b->full ? " (full)" : "");
}

#define ENC(hex, call)                                                                             \
	do {                                                                                       \
		uint8_t mem_[32];                                                                  \
		struct x86_buf buf_, *b = &buf_;                                                   \
                                                                                                   \
		x86_init(b, mem_, sizeof(mem_));                                                   \
		call;                                                                              \
		enc_check(__FILE__, __LINE__, hex, b, mem_);                                       \
	} while (0)

TEST(jit_x86_encodings_match_the_assembler)
{
	ENC("488b03", x86_mov_load(b, X86_RAX, X86_RBX, 0));		/* mov rax, [rbx] */
	ENC("488b4308", x86_mov_load(b, X86_RAX, X86_RBX, 8));		/* mov rax, [rbx+8] */
	ENC("4d8b0424", x86_mov_load(b, X86_R8, X86_R12, 0));		/* mov r8, [r12] */
	ENC("498b4d00", x86_mov_load(b, X86_RCX, X86_R13, 0));		/* mov rcx, [r13] */
	ENC("488b9300010000", x86_mov_load(b, X86_RDX, X86_RBX, 256));	/* mov rdx, [rbx+256] */
	ENC("4c8b7c24f8", x86_mov_load(b, X86_R15, X86_RSP, -8));	/* mov r15, [rsp-8] */
	ENC("48898308010000", x86_mov_store(b, X86_RBX, 264, X86_RAX)); /* mov [rbx+264], rax */
	ENC("4d894e10", x86_mov_store(b, X86_R14, 16, X86_R9));		/* mov [r14+16], r9 */
	ENC("480fbe00",
	    x86_load(b, X86_LD_S8, X86_RAX, X86_RAX, 0));	    /* movsx rax, byte ptr [rax] */
	ENC("0fb600", x86_load(b, X86_LD_U8, X86_RAX, X86_RAX, 0)); /* movzx eax, byte ptr [rax] */
	ENC("480fbf4a02",
	    x86_load(b, X86_LD_S16, X86_RCX, X86_RDX, 2)); /* movsx rcx, word ptr [rdx+2] */
	ENC("450fb713",
	    x86_load(b, X86_LD_U16, X86_R10, X86_R11, 0)); /* movzx r10d, word ptr [r11] */
	ENC("486300",
	    x86_load(b, X86_LD_S32, X86_RAX, X86_RAX, 0)); /* movsxd rax, dword ptr [rax] */
	ENC("418b4504",
	    x86_load(b, X86_LD_U32, X86_RAX, X86_R13, 4));	    /* mov eax, dword ptr [r13+4] */
	ENC("488b00", x86_load(b, X86_LD_64, X86_RAX, X86_RAX, 0)); /* mov rax, qword ptr [rax] */
	ENC("8808", x86_store(b, 1, X86_RAX, 0, X86_RCX));	    /* mov byte ptr [rax], cl */
	ENC("408830", x86_store(b, 1, X86_RAX, 0, X86_RSI));	    /* mov byte ptr [rax], sil */
	ENC("668908", x86_store(b, 2, X86_RAX, 0, X86_RCX));	    /* mov word ptr [rax], cx */
	ENC("45890c24", x86_store(b, 4, X86_R12, 0, X86_R9));	    /* mov dword ptr [r12], r9d */
	ENC("488908", x86_store(b, 8, X86_RAX, 0, X86_RCX));	    /* mov qword ptr [rax], rcx */
	ENC("48c74328fbffffff",
	    x86_store_imm32(b, X86_RBX, 40, -5));		    /* mov qword ptr [rbx+40], -5 */
	ENC("4c89e8", x86_mov_rr(b, X86_RAX, X86_R13));		    /* mov rax, r13 */
	ENC("4989f4", x86_mov_rr(b, X86_R12, X86_RSI));		    /* mov r12, rsi */
	ENC("4489c8", x86_mov_rr32(b, X86_RAX, X86_R9));	    /* mov eax, r9d */
	ENC("89c0", x86_mov_rr32(b, X86_RAX, X86_RAX));		    /* mov eax, eax */
	ENC("31c0", x86_mov_imm(b, X86_RAX, 0ull));		    /* xor eax, eax */
	ENC("41b978563412", x86_mov_imm(b, X86_R9, 0x12345678ull)); /* mov r9d, 0x12345678 */
	ENC("48c7c000f0ffff", x86_mov_imm(b, X86_RAX, 0xfffffffffffff000ull)); /* mov rax, -4096 */
	ENC("48ba0000000000000080",
	    x86_mov_imm(b, X86_RDX, 0x8000000000000000ull)); /* movabs rdx, 0x8000000000000000 */
	ENC("4863c0", x86_movsxd(b, X86_RAX, X86_RAX));	     /* movsxd rax, eax */
	ENC("4c63c1", x86_movsxd(b, X86_R8, X86_RCX));	     /* movsxd r8, ecx */
	ENC("498d4564", x86_lea(b, X86_RAX, X86_R13, 100));  /* lea rax, [r13+100] */
	ENC("488d5007", x86_lea(b, X86_RDX, X86_RAX, 7));    /* lea rdx, [rax+7] */
	ENC("4801c8", x86_alu_rr(b, X86_ADD, true, X86_RAX, X86_RCX));	     /* add rax, rcx */
	ENC("29c8", x86_alu_rr(b, X86_SUB, false, X86_RAX, X86_RCX));	     /* sub eax, ecx */
	ENC("4d31c8", x86_alu_rr(b, X86_XOR, true, X86_R8, X86_R9));	     /* xor r8, r9 */
	ENC("48034310", x86_alu_rm(b, X86_ADD, true, X86_RAX, X86_RBX, 16)); /* add rax, [rbx+16] */
	ENC("483b4318", x86_alu_rm(b, X86_CMP, true, X86_RAX, X86_RBX, 24)); /* cmp rax, [rbx+24] */
	ENC("234b08", x86_alu_rm(b, X86_AND, false, X86_RCX, X86_RBX, 8));   /* and ecx, [rbx+8] */
	ENC("4883c005", x86_alu_imm(b, X86_ADD, true, X86_RAX, 5));	     /* add rax, 5 */
	ENC("4881e200f0ffff", x86_alu_imm(b, X86_AND, true, X86_RDX, -4096)); /* and rdx, -4096 */
	ENC("4981fc2c010000", x86_alu_imm(b, X86_CMP, true, X86_R12, 300));   /* cmp r12, 300 */
	ENC("81c9e8030000", x86_alu_imm(b, X86_OR, false, X86_RCX, 1000));    /* or ecx, 1000 */
	ENC("493916", x86_cmp_mr(b, X86_R14, 0, X86_RDX));		      /* cmp [r14], rdx */
	ENC("49395608", x86_cmp_mr(b, X86_R14, 8, X86_RDX));		      /* cmp [r14+8], rdx */
	ENC("4885c9", x86_test_rr(b, true, X86_RCX, X86_RCX));		      /* test rcx, rcx */
	ENC("85c9", x86_test_rr(b, false, X86_RCX, X86_RCX));		      /* test ecx, ecx */
	ENC("48c1e00c", x86_shift_imm(b, X86_SHL, true, X86_RAX, 12));	      /* shl rax, 12 */
	ENC("c1e90c", x86_shift_imm(b, X86_SHR, false, X86_RCX, 12));	      /* shr ecx, 12 */
	ENC("49c1f93f", x86_shift_imm(b, X86_SAR, true, X86_R9, 63));	      /* sar r9, 63 */
	ENC("48d3e0", x86_shift_cl(b, X86_SHL, true, X86_RAX));		      /* shl rax, cl */
	ENC("d3f8", x86_shift_cl(b, X86_SAR, false, X86_RAX));		      /* sar eax, cl */
	ENC("480fafc1", x86_imul_rr(b, true, X86_RAX, X86_RCX));	      /* imul rax, rcx */
	ENC("410fafc0", x86_imul_rr(b, false, X86_RAX, X86_R8));	      /* imul eax, r8d */
	ENC("48f7d8", x86_unary(b, X86_NEG, true, X86_RAX));		      /* neg rax */
	ENC("48f7e1", x86_unary(b, X86_MUL, true, X86_RCX));		      /* mul rcx */
	ENC("48f7e9", x86_unary(b, X86_IMUL1, true, X86_RCX));		      /* imul rcx */
	ENC("f7f1", x86_unary(b, X86_DIV, false, X86_RCX));		      /* div ecx */
	ENC("48f7f9", x86_unary(b, X86_IDIV, true, X86_RCX));		      /* idiv rcx */
	ENC("4899", x86_cqo(b, true));					      /* cqo */
	ENC("99", x86_cqo(b, false));					      /* cdq */
	ENC("0f9cc00fb6c0", x86_setcc(b, X86_CC_L, X86_RAX));	  /* setl al; movzx eax, al */
	ENC("400f92c6400fb6f6", x86_setcc(b, X86_CC_B, X86_RSI)); /* setb sil; movzx esi, sil */
	ENC("410f94c1450fb6c9", x86_setcc(b, X86_CC_E, X86_R9));  /* sete r9b; movzx r9d, r9b */
	ENC("ffe0", x86_jmp_reg(b, X86_RAX));			  /* jmp rax */
	ENC("41ffe3", x86_jmp_reg(b, X86_R11));			  /* jmp r11 */
	ENC("ffd0", x86_call_reg(b, X86_RAX));			  /* call rax */
	ENC("41ffd3", x86_call_reg(b, X86_R11));		  /* call r11 */
	ENC("f0834b1000", x86_lock_or0(b, X86_RBX, 16));	  /* lock or dword [rbx+16], 0 */
	ENC("f0838b007a000000",
	    x86_lock_or0(b, X86_RBX, 0x7a00));		  /* lock or dword [rbx+0x7a00], 0 */
	ENC("f041834d0000", x86_lock_or0(b, X86_R13, 0)); /* lock or dword [r13+0], 0 */
	ENC("53", x86_push(b, X86_RBX));		  /* push rbx */
	ENC("4154", x86_push(b, X86_R12));		  /* push r12 */
	ENC("415f", x86_pop(b, X86_R15));		  /* pop r15 */
	ENC("c3", x86_ret(b));				  /* ret */
}

/* The [base + index + disp] forms (the TLB check, the fused add+access). */
TEST(jit_x86_indexed_forms_match_the_assembler)
{
	ENC("4a8d0417", x86_lea_idx(b, X86_RAX, X86_RDI, X86_R10, 0));	/* lea rax, [rdi+r10] */
	ENC("4d8d4c0d08", x86_lea_idx(b, X86_R9, X86_R13, X86_RCX, 8)); /* lea r9, [r13+rcx+8] */
	/* rbp/r13 as the base without displacement go in the index (no disp8, no complex LEA) */
	ENC("488d042e", x86_lea_idx(b, X86_RAX, X86_RBP, X86_RSI, 0));	  /* lea rax, [rsi+rbp] */
	ENC("4b8d042e", x86_lea_idx(b, X86_RAX, X86_R13, X86_R14, 0));	  /* lea rax, [r14+r13] */
	ENC("4a8d7c1dfc", x86_lea_idx(b, X86_RDI, X86_RBP, X86_R11, -4)); /* lea rdi, [rbp+r11-4] */
	ENC("4a03443108", x86_alu_rm_idx(b, X86_ADD, true, X86_RAX, X86_RCX, X86_R14,
					 8));				  /* add rax, [rcx+r14+8] */
	ENC("4a391431", x86_cmp_mr_idx(b, X86_RCX, X86_R14, 0, X86_RDX)); /* cmp [rcx+r14], rdx */
	ENC("4a391439", x86_cmp_mr_idx(b, X86_RCX, X86_R15, 0, X86_RDX)); /* cmp [rcx+r15], rdx */
	ENC("498b940980000000",
	    x86_mov_load_idx(b, X86_RDX, X86_R9, X86_RCX, 0x80)); /* mov rdx, [r9+rcx+0x80] */
	ENC("480fbe0410", x86_load_idx(b, X86_LD_S8, X86_RAX, X86_RAX, X86_RDX, 0));
	ENC("0fb62c10", x86_load_idx(b, X86_LD_U8, X86_RBP, X86_RAX, X86_RDX, 0));
	ENC("4c0fbf3c10", x86_load_idx(b, X86_LD_S16, X86_R15, X86_RAX, X86_RDX, 0));
	ENC("440fb70c10", x86_load_idx(b, X86_LD_U16, X86_R9, X86_RAX, X86_RDX, 0));
	ENC("4c633c10", x86_load_idx(b, X86_LD_S32, X86_R15, X86_RAX, X86_RDX, 0));
	ENC("8b3410", x86_load_idx(b, X86_LD_U32, X86_RSI, X86_RAX, X86_RDX, 0));
	ENC("4c8b1c10", x86_load_idx(b, X86_LD_64, X86_R11, X86_RAX, X86_RDX, 0));
	ENC("45880c07", x86_store_idx(b, 1, X86_R15, X86_RAX, 0, X86_R9));
	ENC("40883407", x86_store_idx(b, 1, X86_RDI, X86_RAX, 0, X86_RSI));
	ENC("66890c28", x86_store_idx(b, 2, X86_RBP, X86_RAX, 0, X86_RCX)); /* [rax+rbp] */
	ENC("41893c01", x86_store_idx(b, 4, X86_R9, X86_RAX, 0, X86_RDI));
	ENC("4c891c16", x86_store_idx(b, 8, X86_RSI, X86_RDX, 0, X86_R11));
	ENC("881407", x86_store_idx(b, 1, X86_RDI, X86_RAX, 0, X86_RDX));
	ENC("c4e3fbf0c808", x86_rorx(b, X86_RCX, X86_RAX, 8)); /* rorx rcx, rax, 8 */
	ENC("c4c3fbf0cf08", x86_rorx(b, X86_RCX, X86_R15, 8)); /* rorx rcx, r15, 8 */
	ENC("c443fbf0ca08", x86_rorx(b, X86_R9, X86_R10, 8));  /* rorx r9, r10, 8 */
}

TEST(jit_x86_jumps_are_patched_relative_to_their_end)
{
	uint8_t mem[32];
	struct x86_buf b;
	uint8_t *rel, *rel2;

	x86_init(&b, mem, sizeof(mem));
	rel = x86_jcc32(&b, X86_CC_NE); /* 0f 85 rel32 at mem + 0 */
	x86_ret(&b);			/* mem + 6 */
	rel2 = x86_jmp32(&b);		/* e9 rel32 at mem + 7 */
	x86_patch_rel32(rel, mem + 6);
	x86_patch_rel32(rel2, mem);
	CHECK(!b.full);
	CHECK_INT(12, b.p - mem);
	CHECK_INT(0x0f, mem[0]);
	CHECK_INT(0x85, mem[1]);
	CHECK_INT(0, mem[2] | mem[3] | mem[4] | mem[5]); /* +0: the next instruction */
	CHECK_INT(0xe9, mem[7]);
	CHECK_INT(0xf4, mem[8]); /* -12 */
	CHECK_INT(0xff, mem[9] & mem[10] & mem[11]);
}

TEST(jit_x86_full_buffer_is_reported_and_not_overrun)
{
	uint8_t mem[8] = {0};
	struct x86_buf b;

	x86_init(&b, mem, 4);
	x86_mov_imm(&b, X86_RDX, 0x8000000000000000ull); /* 10 bytes */
	CHECK(b.full);
	CHECK_INT(4, b.p - mem);
	CHECK_INT(0, mem[4] | mem[5] | mem[6] | mem[7]);
	CHECK(x86_jmp32(&b) == NULL);
}
