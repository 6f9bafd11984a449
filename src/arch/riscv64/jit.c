/* SPDX-License-Identifier: MIT */
/*
 * The translator (see jit.h): decoded slots -> x86-64 through jit_x86.c.
 *
 * Register use inside generated code (set up by the entry trampoline):
 *   rbx = the hart (guest registers at h->x[i]; the block's most used
 *         ones are loaded into host registers at its entry and stored
 *         back, if it writes them, at every exit),
 *   r12 = instructions the batch may still start (exec.c's `left`), minus
 *         the block's length while inside it (jit_loop_back),
 *   r13 = the guest-virtual address of the page (a decoded page serves
 *         every alias, so the pc is never a constant),
 *   r14 = this mode's R software TLB table (the W table follows it),
 *   rbp r15 rdi rsi r8-r11 = up to eight cached guest registers (jit_cache_regs;
 *         the caller-saved ones are pushed around a call, jit_call_save),
 *   rax rcx rdx = scratch (and rsi in exits, after the cache is stored back).
 * A block is: check (r12 >= its length, else leave with nothing done), the
 * body, then the exit stubs, each of which stores the cached registers
 * back, sets h->pc, subtracts what its path retired from r12, and returns
 * to exec.c through the epilogue or jumps to the next block (of this page
 * directly or through its table, of another page through jit_far).
 */
#include "arch/riscv64/jit.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arch/riscv64/fpu_host.h"
#include "arch/riscv64/hart.h"
#include "arch/riscv64/interp.h"
#include "arch/riscv64/jit_csr.h"
#include "arch/riscv64/jit_sse.h"
#include "arch/riscv64/jit_x86.h"

#if defined(__x86_64__) && defined(__linux__) && !defined(AXVM_NO_JIT)

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "axvm/log.h"

/*
 * A slot becomes hot after this many entries from exec.c. Translating a
 * block costs about 5-8 us, the time to interpret it some dozens of times.
 * A Debian boot at 256 translated 10,100 blocks (77 ms) and interpreted
 * 62 M instructions; at 64, 20,000 blocks (28 MB of code) and 27 M; at
 * 32, 28,500 blocks (39 MB, no flush in 64 MiB) and 18 M, the least host
 * time of 256, 64, 32 and 20 (docs/bench.md). Lower thresholds once
 * measured slower, before batch ends stopped interpreting, cold slots
 * stopped asking the translator and the TLB grew.
 */
#define JIT_HOT 32u
/* count[] value of a slot whose block could not be translated: never try again. */
#define JIT_NEVER UINT16_MAX
/* Longest block in guest instructions, and the most exits one can have. */
#define JIT_MAX_INSNS 64u
_Static_assert(JIT_MAX_INSNS <= RV_JIT_SLACK, "a pass must fit the batch slack");
#define JIT_MAX_STUBS                                                                              \
	(3u * JIT_MAX_INSNS + 2u) /* a load or store has two: refill and slow exit                 \
				   */

typedef int64_t (*jit_entry_fn)(struct rv_hart *h, int64_t left, uint64_t page_va, const void *code,
				const void *tr, const void *tw);

enum jit_stub_kind {
	STUB_PC,     /* h->pc = page_va + pcoff */
	STUB_CHAIN,  /* in-page target slot: the next block, or h->pc = its address */
	STUB_REFILL, /* a TLB miss at rax: refill through jit_refill and go `back`, else slow exit
		      */
	STUB_GUESS, /* a guessed addend was wrong: take the entry's (rcx, table `how`), go `back` */
	STUB_LOOP_OUT, /* a loop on the block's start ran out of budget (r12 already charged) */
};

struct jit_stub {
	uint8_t *rel; /* rel32 to point at the stub */
	enum jit_stub_kind kind;
	int32_t pcoff; /* STUB_PC: pc - page_va; STUB_CHAIN: the slot */
	unsigned k;    /* instructions retired on this path */
	bool slow;     /* the instruction at pc must run in the interpreter first */
	bool leave;    /* STUB_PC, not slow: back to exec.c, no jump to the next block */
	bool no_wb;    /* before the cached registers were loaded: nothing to write back */
	uint8_t *back; /* STUB_REFILL: where the hit path continues (rax = host address) */
	unsigned how;  /* STUB_REFILL: enum rv_acc | size << 4 */
	uint8_t fs;    /* jit_tr's fs_on | fs_dirty << 1 where the exit is taken */
	/* STUB_REFILL of a guessed load (jit_guessed_load): redo it from [rax], then `back` */
	bool reload;
	uint8_t reload_kind, reload_dst; /* enum x86_load, enum x86_reg */
	/*
	 * STUB_REFILL of jit_access_reg: va is that register (copied to rax
	 * first), and a store is redone at [rax] too: `restore` bytes of host
	 * register reload_dst, or of guest register restore_x when that is 0xff.
	 */
	uint8_t va_reg; /* 0xff: rax holds va already */
	uint8_t restore, restore_x;
};

/* Host registers that hold guest registers inside a block (rbp survives calls; the rest are
 * pushed). */
#define JIT_NCACHE 8
static const enum x86_reg jit_cache_regs[JIT_NCACHE] = {X86_RBP, X86_R15, X86_RDI, X86_RSI,
							X86_R8,	 X86_R9,  X86_R10, X86_R11};

struct jit_tr {
	struct rv_jit *j;
	struct rv_jit_page *jp;
	struct x86_buf b;
	unsigned start;
	uint8_t *check; /* the block's first byte (rw) */
	uint8_t *body;	/* after the cached registers are loaded: a self-loop's target */
	unsigned len;	/* guest instructions in the block */
	/* Guest register -> index in jit_cache_regs + 1 (0: in memory); the cached ones. */
	uint8_t cache_of[33];
	uint8_t cached[JIT_NCACHE];
	unsigned ncached;
	/*
	 * Written somewhere in the block: stored back at exits. Set while the
	 * body is emitted; every exit but a jalr's (the block's last
	 * instruction) is emitted after the body, so each sees the whole set.
	 */
	bool dirty[JIT_NCACHE];
	struct jit_stub stub[JIT_MAX_STUBS];
	unsigned nstub;
	/*
	 * An earlier F/D instruction of the block (in emission order, so on every
	 * path here) found sstatus.FS on / left it Dirty: later ones need not
	 * check / set it again (nothing a block calls turns FS off).
	 */
	bool fs_on, fs_dirty;
	/*
	 * Guest registers some instruction of the block writes other than by
	 * adding a constant to themselves: a load based on one has a computed
	 * address (a table index, a loaded pointer) on the loop's critical path,
	 * and guesses its TLB addend (jit_tlb). Induction variables do not.
	 */
	bool computed[33];
	/*
	 * At the instruction being translated: guest registers known to hold a
	 * sign-extended 32-bit value (set by W operations, narrow loads, lui,
	 * compares, bitwise operations of such values), so that a sext.w of
	 * one is a move or nothing (jit_sx_update). Forgotten at the block's
	 * start and at every slot a branch of the block targets (tgt[]).
	 */
	bool sx[33];
	uint16_t tgt[JIT_MAX_INSNS];
	unsigned ntgt;
	/*
	 * The slots this block translated, in order: where each one's host code
	 * starts, the instructions retired before it on the block's path, and
	 * the FS facts there (jit_inner_jump).
	 */
	struct {
		uint8_t *at;
		uint16_t slot;
		uint8_t k, fs;
	} em[JIT_MAX_INSNS];
	unsigned nem;
	/* chain exits to untranslated slots emitted in this block (jit_patch_chains) */
	struct {
		uint8_t *rel;
		uint16_t slot;
	} pend[JIT_MAX_STUBS];
	unsigned npend;
};

struct rv_jit {
	uint8_t *rw; /* emitting view */
	uint8_t *rx; /* running view (same memfd) */
	size_t size;
	size_t used;	   /* bytes of rw in use */
	size_t keep;	   /* trampoline + epilogue: never flushed */
	size_t populated;  /* bytes from the start already backed in both views (jit_populate) */
	uint8_t *epilogue; /* rw address */
	jit_entry_fn enter;
	uint64_t gen;
	bool profile;	   /* AXVM_JIT_STATS=1: count slow exits by operation */
	unsigned hot;	   /* JIT_HOT, or AXVM_JIT_HOT from the environment (tests: 1 = at once) */
	unsigned slot_hot; /* of those, counted by exec.c in the slot (rv_dinsn.hot, <= 255) */
	struct rv_jit_stats stats;
	struct jit_tr *tr;   /* scratch for the block being translated */
	bool fpu_inline;     /* D arithmetic as inline SSE (AXVM_JIT_FPU=call: jit_fpu_call only) */
	unsigned next_guess; /* the next hart jit_guess[] slot a guessing load site gets */
	bool bmi2;	     /* the host has BMI2's rorx (the TLB index in one instruction) */
	int perfmap; /* AXVM_JIT_PERFMAP=1: /tmp/perf-PID.map (append), blocks named by guest pc;
			else -1 */
};

bool rv_jit_supported(void)
{
	return true;
}

#define XOFF(r) ((int32_t)(offsetof(struct rv_hart, x) + 8u * (r)))
#define PC_OFF ((int32_t)offsetof(struct rv_hart, pc))
#define SLOW_OFF ((int32_t)offsetof(struct rv_hart, jit_exit_slow))
#define XDP_OFF ((int32_t)offsetof(struct rv_hart, jit_xd))
#define JIT_W_TABLE ((int32_t)(RV_TLB_SIZE * sizeof(struct rv_tlb_entry)))
#define GUESS_OFF(i) ((int32_t)(offsetof(struct rv_hart, jit_guess) + 8u * (i)))

/*
 * AXVM_JIT_PERFMAP=1: append each block to /tmp/perf-PID.map, the file perf
 * reads for symbols of JIT code (the "perf map" convention, as QEMU's
 * -perfmap), so that `perf report` names host samples in translated code by
 * the guest pc they run ("guest_<pc>"). Several harts append to one file;
 * each line is written whole. A flushed cache reuses addresses: perf takes
 * the last entry, so a long run can misname early samples.
 */
static void jit_perfmap_open(struct rv_jit *j)
{
	const char *want = getenv("AXVM_JIT_PERFMAP");
	char path[64];

	j->perfmap = -1;
	if (!want || want[0] != '1')
		return;
	snprintf(path, sizeof(path), "/tmp/perf-%ld.map", (long)getpid());
	j->perfmap = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (j->perfmap < 0)
		axvm_log(AXVM_LOG_WARN, "jit: AXVM_JIT_PERFMAP: cannot open %s: %s", path,
			 strerror(errno));
}

/* One perf map line per block (one write: O_APPEND keeps harts' lines whole). */
static void jit_perfmap_add(const struct rv_jit *j, const void *code, size_t size, uint64_t pc)
{
	char line[80];
	int n = snprintf(line, sizeof(line), "%lx %zx guest_%llx\n", (unsigned long)(uintptr_t)code,
			 size, (unsigned long long)pc);

	if (n > 0 && write(j->perfmap, line, (size_t)n) != n)
		axvm_log(AXVM_LOG_DEBUG, "jit: AXVM_JIT_PERFMAP: short write");
}

static void jit_emit_runtime(struct rv_jit *j)
{
	struct x86_buf b;
	static const enum x86_reg saved[] = {X86_RBX, X86_RBP, X86_R12, X86_R13, X86_R14, X86_R15};
	void *fn;

	x86_init(&b, j->rw, j->size);
	/* enter(h, left, page_va, code, tr, tw): SysV rdi rsi rdx rcx r8 r9. */
	for (unsigned i = 0; i < 6; i++)
		x86_push(&b, saved[i]);
	x86_alu_imm(&b, X86_SUB, true, X86_RSP, 8); /* 16-byte alignment, for tidiness */
	x86_mov_rr(&b, X86_RBX, X86_RDI);
	x86_mov_rr(&b, X86_R12, X86_RSI);
	x86_mov_rr(&b, X86_R13, X86_RDX);
	x86_mov_rr(&b, X86_R14, X86_R8); /* tw (r9) is r14 + JIT_W_TABLE: r15 caches a register */
	x86_jmp_reg(&b, X86_RCX);
	j->epilogue = b.p;
	x86_mov_rr(&b, X86_RAX, X86_R12);
	x86_alu_imm(&b, X86_ADD, true, X86_RSP, 8);
	for (unsigned i = 6; i-- > 0;)
		x86_pop(&b, saved[i]);
	x86_ret(&b);
	j->used = j->keep = (size_t)(b.p - j->rw + 15) & ~(size_t)15;
	fn = j->rx;
	memcpy(&j->enter, &fn, sizeof(fn)); /* object -> function pointer, without the cast */
}

struct rv_jit *rv_jit_create(size_t cache_size)
{
	struct rv_jit *j;
	int fd;

	if (!cache_size)
		cache_size = RV_JIT_DEFAULT_CACHE;
	if (cache_size < RV_JIT_MIN_CACHE)
		cache_size = RV_JIT_MIN_CACHE;
	cache_size = (cache_size + 4095) & ~(size_t)4095;
	j = calloc(1, sizeof(*j));
	if (!j)
		return NULL;
	fd = memfd_create("axvm-jit", MFD_CLOEXEC);
	if (fd < 0)
		goto fail;
	if (ftruncate(fd, (off_t)cache_size) != 0) {
		close(fd);
		goto fail;
	}
	j->rw = mmap(NULL, cache_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	j->rx = mmap(NULL, cache_size, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
	close(fd);
	if (j->rw == MAP_FAILED || j->rx == MAP_FAILED) {
		if (j->rw != MAP_FAILED)
			munmap(j->rw, cache_size);
		if (j->rx != MAP_FAILED)
			munmap(j->rx, cache_size);
		goto fail;
	}
	j->size = cache_size;
	j->gen = 1;
	j->hot = JIT_HOT;
	if (getenv("AXVM_JIT_HOT") && atoi(getenv("AXVM_JIT_HOT")) > 0)
		j->hot = (unsigned)atoi(getenv("AXVM_JIT_HOT"));
	j->profile = getenv("AXVM_JIT_STATS") && getenv("AXVM_JIT_STATS")[0] == '1';
	j->fpu_inline = !(getenv("AXVM_JIT_FPU") && strcmp(getenv("AXVM_JIT_FPU"), "call") == 0);
	j->bmi2 = __builtin_cpu_supports("bmi2");
	jit_perfmap_open(j);
	if (j->hot >= JIT_NEVER)
		j->hot = JIT_NEVER - 1;
	j->slot_hot = j->hot - 1 < UINT8_MAX ? j->hot - 1 : UINT8_MAX;
	j->tr = malloc(sizeof(*j->tr));
	if (!j->tr) {
		munmap(j->rw, cache_size);
		munmap(j->rx, cache_size);
		goto fail;
	}
	jit_emit_runtime(j);
	return j;
fail:
	free(j);
	return NULL;
}

void rv_jit_destroy(struct rv_jit *j)
{
	const char *dump = getenv("AXVM_JIT_DUMP");

	if (!j)
		return;
	/* AXVM_JIT_DUMP=FILE: the code cache as raw bytes, for objdump -b binary (profiling aid).
	 */
	if (dump && *dump) {
		int fd = open(dump, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		if (fd >= 0) {
			if (write(fd, j->rw, j->used) != (ssize_t)j->used)
				axvm_log(AXVM_LOG_WARN, "jit: AXVM_JIT_DUMP=%s: short write", dump);
			close(fd);
		}
	}
	if (j->perfmap >= 0)
		close(j->perfmap);
	munmap(j->rw, j->size);
	munmap(j->rx, j->size);
	free(j->tr);
	free(j);
}

const struct rv_jit_stats *rv_jit_stats(const struct rv_jit *j)
{
	return &j->stats;
}

unsigned rv_jit_slot_hot(const struct rv_jit *j)
{
	return j->slot_hot;
}

static uint8_t *jit_rx_to_rw(const struct rv_jit *j, const void *rx)
{
	return j->rw + ((const uint8_t *)rx - j->rx);
}

static const void *jit_rw_to_rx(const struct rv_jit *j, const uint8_t *rw)
{
	return j->rx + (rw - j->rw);
}

/* ---- translation ---- */

static void jit_stub(struct jit_tr *t, uint8_t *rel, enum jit_stub_kind kind, int32_t pcoff,
		     unsigned k, bool slow)
{
	struct jit_stub *s;

	if (t->nstub >= JIT_MAX_STUBS) {
		t->b.full = true; /* cannot happen with JIT_MAX_STUBS; fail safe */
		return;
	}
	s = &t->stub[t->nstub++];
	s->rel = rel;
	s->kind = kind;
	s->pcoff = pcoff;
	s->k = k;
	s->slow = slow;
	s->leave = false;
	s->no_wb = false;
	s->back = NULL;
	s->how = 0;
	s->fs = (uint8_t)(t->fs_on | t->fs_dirty << 1);
	s->reload = false;
	s->va_reg = 0xff;
	s->restore = 0;
}

/* An unconditional exit: jump to a stub. */
static void jit_exit(struct jit_tr *t, enum jit_stub_kind kind, int32_t pcoff, unsigned k,
		     bool slow)
{
	jit_stub(t, x86_jmp32(&t->b), kind, pcoff, k, slow);
}

/* An exit to the in-page slot, or to the next page when it is past the end. */
static void jit_exit_slot(struct jit_tr *t, unsigned slot, unsigned k, bool slow)
{
	if (slot >= RV_DPAGE_SLOTS)
		jit_exit(t, STUB_PC, (int32_t)(2u * slot), k, slow);
	else
		jit_exit(t, slow ? STUB_PC : STUB_CHAIN, (int32_t)(slot * (slow ? 2u : 1u)), k,
			 slow);
}

static void jit_ld(struct jit_tr *t, enum x86_reg r, unsigned xr)
{
	if (t->cache_of[xr]) {
		if (jit_cache_regs[t->cache_of[xr] - 1] != r)
			x86_mov_rr(&t->b, r, jit_cache_regs[t->cache_of[xr] - 1]);
	} else {
		x86_mov_load(&t->b, r, X86_RBX, XOFF(xr)); /* x[0] reads 0 from memory */
	}
}

static void jit_st(struct jit_tr *t, unsigned xr, enum x86_reg r)
{
	if (xr == 0 || xr >= 32) /* rd 32 is the x0 sink */
		return;
	if (t->cache_of[xr]) {
		x86_mov_rr(&t->b, jit_cache_regs[t->cache_of[xr] - 1], r);
		t->dirty[t->cache_of[xr] - 1] = true;
	} else {
		x86_mov_store(&t->b, X86_RBX, XOFF(xr), r);
	}
}

/*
 * Where an operation computes rd: rd's own host register when it is cached
 * and is not `avoid` (a second source read after the first is loaded; 0 =
 * none), else rax (then stored to rd).
 */
static enum x86_reg jit_work(struct jit_tr *t, unsigned rd, unsigned avoid)
{
	if (rd == 0 || rd >= 32 || !t->cache_of[rd] || (avoid && rd == avoid))
		return X86_RAX;
	t->dirty[t->cache_of[rd] - 1] = true;
	return jit_cache_regs[t->cache_of[rd] - 1];
}

/* dst op= guest register xr. */
static void jit_src(struct jit_tr *t, enum x86_alu op, bool w64, enum x86_reg dst, unsigned xr)
{
	if (t->cache_of[xr])
		x86_alu_rr(&t->b, op, w64, dst, jit_cache_regs[t->cache_of[xr] - 1]);
	else
		x86_alu_rm(&t->b, op, w64, dst, X86_RBX, XOFF(xr));
}

/* Guest register rd = a sign-extended 32-bit constant. */
static void jit_set_imm(struct jit_tr *t, unsigned rd, int32_t imm)
{
	if (rd == 0 || rd >= 32)
		return;
	if (t->cache_of[rd]) {
		x86_mov_imm(&t->b, jit_cache_regs[t->cache_of[rd] - 1], (uint64_t)(int64_t)imm);
		t->dirty[t->cache_of[rd] - 1] = true;
	} else
		x86_store_imm32(&t->b, X86_RBX, XOFF(rd), imm);
}

/* Load the cached guest registers (block entry) / store them back (every exit). */
static void jit_cache_load(struct jit_tr *t)
{
	for (unsigned i = 0; i < t->ncached; i++)
		x86_mov_load(&t->b, jit_cache_regs[i], X86_RBX, XOFF(t->cached[i]));
}

static void jit_cache_store(struct jit_tr *t)
{
	for (unsigned i = 0; i < t->ncached; i++)
		if (t->dirty[i])
			x86_mov_store(&t->b, X86_RBX, XOFF(t->cached[i]), jit_cache_regs[i]);
}

static void jit_here(struct jit_tr *t, uint8_t *rel)
{
	x86_patch_rel32(rel, t->b.p);
}

/*
 * The TLB check's compare, va in host register `va`: rcx = the entry's
 * offset, ((va >> 12) & (RV_TLB_SIZE - 1)) * 16 (the rotated-in low bits
 * are masked off); rdx = the tag of the access's last byte's page (so an
 * access crossing a page misses), no code bit; then compared with the
 * entry at [rcx + r14 + tdisp] (no add for the entry). The caller's jne
 * takes the miss.
 */
static void jit_tlb_compare(struct jit_tr *t, enum x86_reg va, unsigned size, int32_t tdisp)
{
	struct x86_buf *b = &t->b;

	_Static_assert(sizeof(struct rv_tlb_entry) == 16, "index scaling below");
	if (t->j->bmi2) {
		x86_rorx(b, X86_RCX, va, 8);
	} else {
		x86_mov_rr(b, X86_RCX, va);
		x86_shift_imm(b, X86_SHR, true, X86_RCX, 8);
	}
	x86_alu_imm(b, X86_AND, false, X86_RCX, (RV_TLB_SIZE - 1) << 4);
	if (size > 1)
		x86_lea(b, X86_RDX, va, (int32_t)size - 1);
	else
		x86_mov_rr(b, X86_RDX, va);
	x86_alu_imm(b, X86_AND, true, X86_RDX, (int32_t)~RV_PAGE_MASK);
	x86_cmp_mr_idx(b, X86_RCX, X86_R14, tdisp, X86_RDX);
}

/*
 * The software TLB hit check for an access of `size` bytes at rax in the
 * table at `table` (r14/r15): on a hit rax becomes the host address; a miss
 * goes to a refill stub (jit_refill: the walk in C, then back here with the
 * host address), and what the refill cannot serve leaves through a slow
 * exit at pcoff with k retired.
 */
static struct jit_stub *jit_tlb_at(struct jit_tr *t, enum x86_reg table, unsigned size,
				   int32_t pcoff, unsigned k, bool guess)
{
	uint8_t *miss;
	struct jit_stub *refill;
	/* the W table follows the R table (tlb.e[priv][acc]): r15 is free for a guest register */
	int32_t tdisp = table == X86_R15 ? JIT_W_TABLE : 0;
	struct x86_buf *b = &t->b;

	_Static_assert(offsetof(struct rv_tlb, e[0][RV_ACC_W]) -
			       offsetof(struct rv_tlb, e[0][RV_ACC_R]) ==
			   JIT_W_TABLE,
		       "the W table at r14 + JIT_W_TABLE");

	jit_tlb_compare(t, X86_RAX, size, tdisp);
	miss = x86_jcc32(b, X86_CC_NE);
	jit_stub(t, miss, STUB_REFILL, pcoff, k, true);
	refill =
	    t->nstub && t->stub[t->nstub - 1].kind == STUB_REFILL ? &t->stub[t->nstub - 1] : NULL;
	if (guess) {
		/*
		 * rdx = this site's last addend, loaded independently of rax: the
		 * access waits for one add, not for the entry's load; the compare
		 * with the entry (the truth) only steers a predicted branch.
		 */
		unsigned g = t->j->next_guess++ % RV_JIT_GUESSES;

		x86_mov_load(b, X86_RDX, X86_RBX, GUESS_OFF(g));
		x86_cmp_mr_idx(b, X86_RCX, X86_R14, tdisp + 8, X86_RDX);
		jit_stub(t, x86_jcc32(b, X86_CC_NE), STUB_GUESS, GUESS_OFF(g), 0, false);
		if (t->stub[t->nstub - 1].kind == STUB_GUESS) {
			t->stub[t->nstub - 1].how = (unsigned)tdisp;
			t->stub[t->nstub - 1].back = b->p;
		}
		/* the access itself adds rdx (jit_guessed_load): the refill's host address differs
		 */
		if (refill)
			refill->how = RV_ACC_R | size << 4;
		return refill;
	} else {
		x86_alu_rm_idx(b, X86_ADD, true, X86_RAX, X86_RCX, X86_R14,
			       tdisp + 8); /* + addend */
	}
	if (refill) {
		refill->back = b->p;
		refill->how = (table == X86_R15 ? RV_ACC_W : RV_ACC_R) | size << 4;
	}
	return NULL;
}

/*
 * A load or store at 0(breg), breg a cached guest register: the TLB check
 * reads breg itself and the access addresses [breg + addend] (rax the
 * entry's addend, or rdx the guessed one), so va is never copied into rax.
 * A miss's stub copies it there for jit_refill and redoes the access from
 * the host address. Loads go to w; stores take host register src, or guest
 * register src_x (src = 0xff) through rdx.
 */
static void jit_access_reg(struct jit_tr *t, enum x86_reg breg, bool store, unsigned size,
			   enum x86_load kind, enum x86_reg w, unsigned src, unsigned src_x,
			   int32_t pcoff, unsigned k, bool guess)
{
	struct x86_buf *b = &t->b;
	int32_t tdisp = store ? JIT_W_TABLE : 0;
	struct jit_stub *refill;
	enum x86_reg add = X86_RAX;

	jit_tlb_compare(t, breg, size, tdisp);
	jit_stub(t, x86_jcc32(b, X86_CC_NE), STUB_REFILL, pcoff, k, true);
	refill = t->stub[t->nstub - 1].kind == STUB_REFILL ? &t->stub[t->nstub - 1] : NULL;
	if (guess && !store) {
		unsigned g = t->j->next_guess++ % RV_JIT_GUESSES;

		x86_mov_load(b, X86_RDX, X86_RBX, GUESS_OFF(g));
		x86_cmp_mr_idx(b, X86_RCX, X86_R14, 8, X86_RDX);
		jit_stub(t, x86_jcc32(b, X86_CC_NE), STUB_GUESS, GUESS_OFF(g), 0, false);
		if (t->stub[t->nstub - 1].kind == STUB_GUESS) {
			t->stub[t->nstub - 1].how = 0;
			t->stub[t->nstub - 1].back = b->p;
		}
		add = X86_RDX;
	} else {
		x86_mov_load_idx(b, X86_RAX, X86_RCX, X86_R14, tdisp + 8);
	}
	if (!store) {
		x86_load_idx(b, kind, w, breg, add, 0);
	} else if (src != 0xff) {
		x86_store_idx(b, size, breg, add, 0, (enum x86_reg)src);
	} else {
		/* rdx is free after the check (a store never guesses: add is rax) */
		x86_mov_load(b, X86_RDX, X86_RBX, XOFF(src_x));
		x86_store_idx(b, size, breg, add, 0, X86_RDX);
	}
	if (refill) {
		refill->back = b->p;
		refill->how = (store ? RV_ACC_W : RV_ACC_R) | size << 4;
		refill->va_reg = (uint8_t)breg;
		if (store) {
			refill->restore = (uint8_t)size;
			refill->reload_dst = (uint8_t)src;
			refill->restore_x = (uint8_t)src_x;
		} else {
			refill->reload = true;
			refill->reload_kind = (uint8_t)kind;
			refill->reload_dst = (uint8_t)w;
		}
	}
}

/* The cached register holding guest register xr, or 0xff. */
static unsigned jit_reg_of(const struct jit_tr *t, unsigned xr)
{
	return t->cache_of[xr] ? (unsigned)jit_cache_regs[t->cache_of[xr] - 1] : 0xffu;
}

/*
 * A load at a computed address (rax = va) guessing its TLB addend: the
 * load addresses [rax + rdx], so that the address waits for no add at all
 * once va is known. A TLB miss refills and redoes the load from the host
 * address the refill returns (the stub's copy of it).
 */
static void jit_guessed_load(struct jit_tr *t, enum x86_load kind, enum x86_reg w, unsigned size,
			     int32_t pcoff, unsigned k)
{
	struct jit_stub *refill = jit_tlb_at(t, X86_R14, size, pcoff, k, true);

	x86_load_idx(&t->b, kind, w, X86_RAX, X86_RDX, 0);
	if (refill) {
		refill->back = t->b.p;
		refill->reload = true;
		refill->reload_kind = (uint8_t)kind;
		refill->reload_dst = (uint8_t)w;
	}
}

static void jit_tlb(struct jit_tr *t, enum x86_reg table, unsigned size, int32_t pcoff, unsigned k)
{
	jit_tlb_at(t, table, size, pcoff, k, false);
}

/*
 * A translated load or store missed the TLB: refill it as the interpreter
 * would (rv_mmu_refill) and return the host address of the access, or 0 when
 * the interpreter must run it (a fault to raise, MMIO, a page crossing, a
 * store to decoded code). Until this, every miss left the block: a Debian
 * boot left 1.07 million times for it.
 */
static uintptr_t jit_refill(struct rv_hart *h, uint64_t va, unsigned how)
{
	unsigned size = how >> 4;
	uint8_t *host;

	if (((va ^ (va + size - 1)) & ~RV_PAGE_MASK) != 0)
		return 0; /* crosses a page: two translations, the interpreter's span */
	host = rv_mmu_refill(h, va, (enum rv_acc)(how & 15));
	if (!host)
		return 0;
	h->jit->stats.refills++;
	return (uintptr_t)host;
}

/*
 * A jump to rax on another page (registers stored back, budget charged):
 * if the X TLB maps that page for this mode, its decoded page is known
 * (tlb.xd, cleared whenever the page is reset or freed) and has a block of
 * this generation at the target, go straight there with r13 = the new
 * page; anything else falls through with rax intact. This is exec.c's
 * `enter` fast path in host code: the same entries, the same checks.
 */
static void jit_far(struct jit_tr *t)
{
	struct x86_buf *b = &t->b;
	uint8_t *miss[4], *none;

	/* idx * 16, and the X entry: R table (r14) + 2 tables */
	x86_mov_rr(b, X86_RCX, X86_RAX);
	x86_shift_imm(b, X86_SHR, true, X86_RCX, 8);
	x86_alu_imm(b, X86_AND, false, X86_RCX, (RV_TLB_SIZE - 1) << 4);
	x86_lea(b, X86_RDX, X86_RCX, 0);
	x86_alu_rr(b, X86_ADD, true, X86_RDX, X86_R14);
	x86_mov_rr(b, X86_RSI, X86_RAX);
	x86_alu_imm(b, X86_AND, true, X86_RSI, (int32_t)~RV_PAGE_MASK);
	x86_cmp_mr(b, X86_RDX, (int32_t)(2 * RV_TLB_SIZE * sizeof(struct rv_tlb_entry)), X86_RSI);
	miss[0] = x86_jcc32(b, X86_CC_NE);
	/* dp = jit_xd[idx] (idx * 16 / 2 = idx * 8) */
	x86_shift_imm(b, X86_SHR, false, X86_RCX, 1);
	x86_alu_rm(b, X86_ADD, true, X86_RCX, X86_RBX, XDP_OFF);
	x86_mov_load(b, X86_RDX, X86_RCX, 0);
	x86_test_rr(b, true, X86_RDX, X86_RDX);
	miss[1] = x86_jcc32(b, X86_CC_E);
	/* dp's table of this generation (code of an older one is unreachable), jp = dp->jit */
	x86_mov_imm(b, X86_RCX, t->j->gen);
	x86_cmp_mr(b, X86_RDX, (int32_t)offsetof(struct rv_dpage, jit_gen), X86_RCX);
	miss[2] = x86_jcc32(b, X86_CC_NE);
	x86_mov_load(b, X86_RDX, X86_RDX, (int32_t)offsetof(struct rv_dpage, jit));
	x86_test_rr(b, true, X86_RDX, X86_RDX);
	miss[3] = x86_jcc32(b, X86_CC_E);
	/* s[(va & 0xfff) / 2].entry: 16-byte slots */
	_Static_assert(sizeof(struct rv_jit_slot) == 16, "index scaling below");
	x86_mov_rr32(b, X86_RCX, X86_RAX);
	x86_alu_imm(b, X86_AND, false, X86_RCX, (int32_t)(RV_PAGE_MASK & ~1ull));
	x86_shift_imm(b, X86_SHL, false, X86_RCX, 3);
	x86_alu_rr(b, X86_ADD, true, X86_RCX, X86_RDX);
	x86_mov_load(
	    b, X86_RCX, X86_RCX,
	    (int32_t)(offsetof(struct rv_jit_page, s) + offsetof(struct rv_jit_slot, entry)));
	x86_test_rr(b, true, X86_RCX, X86_RCX);
	none = x86_jcc32(b, X86_CC_E);
	x86_mov_rr(b, X86_R13, X86_RSI);
	x86_jmp_reg(b, X86_RCX);
	for (unsigned i = 0; i < 4; i++)
		jit_here(t, miss[i]);
	jit_here(t, none);
}

/*
 * jalr to rax (registers stored back, budget charged): a target on this
 * page whose block exists runs next; anything else falls through to the
 * exit with rax intact.
 */
static void jit_jalr_lookup(struct jit_tr *t)
{
	struct x86_buf *b = &t->b;
	uint8_t *other, *none;

	x86_mov_rr(b, X86_RCX, X86_RAX);
	x86_alu_rr(b, X86_XOR, true, X86_RCX, X86_R13);
	x86_shift_imm(b, X86_SHR, true, X86_RCX, 12);
	other = x86_jcc32(b, X86_CC_NE); /* another page */
	x86_mov_rr32(b, X86_RCX, X86_RAX);
	x86_alu_imm(b, X86_AND, false, X86_RCX, (int32_t)(RV_PAGE_MASK & ~1ull));
	x86_shift_imm(b, X86_SHL, false, X86_RCX,
		      3); /* (offset / 2) * sizeof(struct rv_jit_slot) */
	x86_mov_imm(b, X86_RDX, (uint64_t)(uintptr_t)&t->jp->s[0].entry);
	x86_alu_rr(b, X86_ADD, true, X86_RCX, X86_RDX);
	x86_mov_load(b, X86_RCX, X86_RCX, 0);
	x86_test_rr(b, true, X86_RCX, X86_RCX);
	none = x86_jcc32(b, X86_CC_E);
	x86_jmp_reg(b, X86_RCX);
	jit_here(t, other);
	jit_far(t);
	jit_here(t, none);
}

/* rax = guest register xr + imm. */
static void jit_addr(struct jit_tr *t, unsigned xr, int64_t imm)
{
	if (t->cache_of[xr] && imm) {
		x86_lea(&t->b, X86_RAX, jit_cache_regs[t->cache_of[xr] - 1], (int32_t)imm);
		return;
	}
	jit_ld(t, X86_RAX, xr);
	if (imm)
		x86_alu_imm(&t->b, X86_ADD, true, X86_RAX, (int32_t)imm);
}

/*
 * A jump back to the block's start, k instructions retired on the path: the
 * registers stay where they are while the budget covers another pass. r12,
 * biased by the block's length, minus k is what the next pass's entry check
 * would leave: not negative means it fits.
 */
static void jit_loop_back(struct jit_tr *t, unsigned k)
{
	x86_alu_imm(&t->b, X86_SUB, true, X86_R12, (int32_t)k);
	x86_patch_rel32(x86_jcc32(&t->b, X86_CC_GE), t->body);
	jit_exit(t, STUB_LOOP_OUT, 0, k, false);
}

/*
 * A conditional branch's compare of rs1 with rs2: the cached register itself
 * (test for rs2 = x0: the same flags as cmp with 0), else through rax; when
 * only rs2 is cached, rs2 with rs1 and the condition swapped. Returns the
 * x86 condition for the branch's `cc`.
 */
static enum x86_cc jit_branch_cmp(struct jit_tr *t, unsigned rs1, unsigned rs2, enum x86_cc cc)
{
	enum x86_reg a = X86_RAX;

	if (!t->cache_of[rs1] && t->cache_of[rs2]) {
		a = jit_cache_regs[t->cache_of[rs2] - 1];
		if (rs1 == 0)
			x86_test_rr(&t->b, true, a, a);
		else
			x86_alu_rm(&t->b, X86_CMP, true, a, X86_RBX, XOFF(rs1));
		switch (cc) {
		case X86_CC_B:
			return X86_CC_A;
		case X86_CC_AE:
			return X86_CC_BE;
		case X86_CC_L:
			return X86_CC_G;
		case X86_CC_GE:
			return X86_CC_LE;
		default:
			return cc; /* E, NE */
		}
	}

	if (t->cache_of[rs1])
		a = jit_cache_regs[t->cache_of[rs1] - 1];
	else
		jit_ld(t, X86_RAX, rs1);
	if (rs2 == 0)
		x86_test_rr(&t->b, true, a, a);
	else
		jit_src(t, X86_CMP, true, a, rs2);
	return cc;
}

/*
 * The branch, load and store rows of insn_table.h (and their fused "add
 * then access" forms), generated: a branch's x86 condition, a load's x86
 * load kind (width and widening), the bytes moved.
 */
enum jit_mem_kind { JM_NONE = 0, JM_BRANCH, JM_LOAD, JM_STORE, JM_ADD_LOAD, JM_ADD_STORE };

struct jit_mem_row {
	uint8_t kind; /* enum jit_mem_kind */
	uint8_t x;    /* JM_BRANCH: enum x86_cc; loads: enum x86_load */
	uint8_t size; /* bytes loaded or stored */
};

#define J_LD(k) .x = X86_LD_##k
#define J_ST .x = 0
#define J_BR(cc) .x = X86_CC_##cc
static const struct jit_mem_row jit_mem_rows[RV_DOP_COUNT] = {
#define JIT_BR_ROW(n, s, opc, mask, match, ext, jx, cond) [RV_DOP_##n] = {.kind = JM_BRANCH, jx},
#define JIT_LD_ROW(n, s, opc, mask, match, ext, jx, type, xt)                                      \
	[RV_DOP_##n] = {.kind = JM_LOAD, .size = sizeof(type), jx},                                \
	[RV_DOP_ADD_##n] = {.kind = JM_ADD_LOAD, .size = sizeof(type), jx},
#define JIT_ST_ROW(n, s, opc, mask, match, ext, jx, type)                                          \
	[RV_DOP_##n] = {.kind = JM_STORE, .size = sizeof(type), jx},                               \
	[RV_DOP_ADD_##n] = {.kind = JM_ADD_STORE, .size = sizeof(type), jx},
    RV_INSN_BRANCH(JIT_BR_ROW) RV_INSN_LOAD(JIT_LD_ROW) RV_INSN_STORE(JIT_ST_ROW)
#undef JIT_BR_ROW
#undef JIT_LD_ROW
#undef JIT_ST_ROW
};
#undef J_LD
#undef J_ST
#undef J_BR

static unsigned jit_mem_kind(unsigned op)
{
	return op < RV_DOP_COUNT ? jit_mem_rows[op].kind : JM_NONE;
}

/*
 * The integer ALU rows of insn_table.h, generated: each row's translation
 * column (a recipe name, defined here) and a function computing its
 * semantics column, which J_CALL rows are translated into a call of. Every
 * list of the translator (what it translates, how, which operand fields a
 * row reads) comes from this one array, so a row added to the table is
 * translated without an edit here.
 */
enum jit_alu_kind {
	JK_NONE = 0, /* not an ALU row */
	JK_ALU,	     /* x86 ALU op */
	JK_SET,	     /* cmp, setcc */
	JK_SHF,	     /* x86 shift */
	JK_MUL,	     /* imul r, r */
	JK_MULH,     /* the high half of a one-operand mul/imul */
	JK_MULHSU,
	JK_DIV,
	JK_CALL,
};

struct jit_alu_row {
	uint64_t (*fn)(uint64_t a, uint64_t b); /* the semantics column */
	uint8_t kind;				/* enum jit_alu_kind */
	uint8_t b;				/* enum jit_alu_b: what the second operand is */
	uint8_t op;	/* enum x86_alu / x86_shift / x86_cc / x86_unary, by kind */
	bool w64;	/* 64-bit operation (else 32, sign-extended) */
	bool sign, rem; /* JK_DIV */
};

enum jit_alu_b { JIT_B_IMM = 1, JIT_B_REG, JIT_B_ZERO };
#define JIT_B_R JIT_B_REG
#define JIT_B_I JIT_B_IMM
#define JIT_B_S6 JIT_B_IMM
#define JIT_B_S5 JIT_B_IMM
#define JIT_B_U JIT_B_ZERO

/* The recipes of the table's translation column. */
#define J_ALU(o) .kind = JK_ALU, .op = X86_##o, .w64 = true
#define J_ALUW(o) .kind = JK_ALU, .op = X86_##o, .w64 = false
#define J_SET(cc) .kind = JK_SET, .op = X86_CC_##cc, .w64 = true
#define J_SHF(o) .kind = JK_SHF, .op = X86_##o, .w64 = true
#define J_SHFW(o) .kind = JK_SHF, .op = X86_##o, .w64 = false
#define J_MUL .kind = JK_MUL, .w64 = true
#define J_MULW .kind = JK_MUL, .w64 = false
#define J_MULH(o) .kind = JK_MULH, .op = X86_##o, .w64 = true
#define J_MULHSU .kind = JK_MULHSU, .w64 = true
#define JIT_DIV_S true
#define JIT_DIV_U false
#define JIT_DIV_Q false
#define JIT_DIV_R true
#define J_DIV(s, r, w) .kind = JK_DIV, .w64 = (w) == 64, .sign = JIT_DIV_##s, .rem = JIT_DIV_##r
#define J_CALL .kind = JK_CALL

/* b is what exec.c gives the expression: rs2 (R), the immediate (I, S5, S6), 0 (U). */
#define JIT_ALU_FN(n, s, opc, mask, match, fmt, ext, jx, expr)                                     \
	static uint64_t jit_alu_##n(uint64_t a, uint64_t b)                                        \
	{                                                                                          \
		(void)b;                                                                           \
		return (expr);                                                                     \
	}
RV_INSN_ALU(JIT_ALU_FN)
#undef JIT_ALU_FN

static const struct jit_alu_row jit_alu_rows[RV_DOP_COUNT] = {
#define JIT_ALU_ROW(n, s, opc, mask, match, fmt, ext, jx, expr)                                    \
	[RV_DOP_##n] = {.fn = jit_alu_##n, .b = JIT_B_##fmt, jx},
    RV_INSN_ALU(JIT_ALU_ROW)
#undef JIT_ALU_ROW
};
#undef J_ALU
#undef J_ALUW
#undef J_SET
#undef J_SHF
#undef J_SHFW
#undef J_MUL
#undef J_MULW
#undef J_MULH
#undef J_MULHSU
#undef J_DIV
#undef J_CALL
#undef JIT_B_R
#undef JIT_B_I
#undef JIT_B_S6
#undef JIT_B_S5
#undef JIT_B_U

/* A row of the ALU table (translated, one way or another). */
static const struct jit_alu_row *jit_alu_row(unsigned op)
{
	return op < RV_DOP_COUNT && jit_alu_rows[op].kind ? &jit_alu_rows[op] : NULL;
}

/* rax = rs1, rcx = rs2, then the M extension's divisions with RISC-V's corner cases. */
static void jit_div(struct jit_tr *t, const struct jit_alu_row *r)
{
	struct x86_buf *b = &t->b;
	bool w64 = r->w64, sign = r->sign, rem = r->rem;
	uint8_t *zero, *minus1 = NULL, *done1, *done2 = NULL;

	x86_test_rr(b, w64, X86_RCX, X86_RCX);
	zero = x86_jcc32(b, X86_CC_E);
	if (sign) {
		x86_alu_imm(b, X86_CMP, w64, X86_RCX, -1);
		minus1 = x86_jcc32(b, X86_CC_E);
		x86_cqo(b, w64);
		x86_unary(b, X86_IDIV, w64, X86_RCX);
	} else {
		x86_alu_rr(b, X86_XOR, false, X86_RDX, X86_RDX);
		x86_unary(b, X86_DIV, w64, X86_RCX);
	}
	if (rem)
		x86_mov_rr(b, X86_RAX, X86_RDX);
	done1 = x86_jmp32(b);
	/* Divisor 0: quotient all ones, remainder the dividend. */
	jit_here(t, zero);
	if (!rem)
		x86_mov_imm(b, X86_RAX, UINT64_MAX);
	if (sign) {
		done2 = x86_jmp32(b);
		/* Divisor -1: quotient -dividend (wraps for the minimum: the overflow case),
		 * remainder 0. */
		jit_here(t, minus1);
		if (rem)
			x86_alu_rr(b, X86_XOR, false, X86_RAX, X86_RAX);
		else
			x86_unary(b, X86_NEG, w64, X86_RAX);
	}
	jit_here(t, done1);
	if (done2)
		jit_here(t, done2);
	if (!w64)
		x86_movsxd(b, X86_RAX, X86_RAX); /* W forms: the 32-bit result sign-extended */
}

/*
 * LR/SC/AMO (GENERIC, major opcode AMO): insn_table.h's AMO rows, each a
 * call of amo.c's fast form with the row's width, access and helper or, when
 * that cannot finish, the interpreter. An encoding without a row (illegal)
 * is not translated.
 */
#define JIT_AMO_FN(n, s, opc, mask, match, width, acc, fn)                                         \
	static int jit_amo_##n(struct rv_hart *h, uint32_t insn)                                   \
	{                                                                                          \
		return rv_amo_fast_run(h, insn, (width), RV_ACC_##acc, fn);                        \
	}
RV_INSN_AMO(JIT_AMO_FN)
#undef JIT_AMO_FN

/* The AMO row's translator call for a GENERIC slot, or NULL. */
static const void *jit_amo(const struct rv_dinsn *d)
{
	if (d->op != RV_DOP_GENERIC || ((uint32_t)d->imm & 0x7f) != 0x2f)
		return NULL;
	switch (rv_insn_amo_find((uint32_t)d->imm)) {
#define JIT_AMO_CASE(n, s, ...)                                                                    \
	case RV_I_##n:                                                                             \
		return (const void *)jit_amo_##n;
		RV_INSN_AMO(JIT_AMO_CASE)
#undef JIT_AMO_CASE
	default:
		return NULL;
	}
}

/*
 * The cache-block operations: insn_table.h's CBO rows, each a call of the
 * row's fast helper (guarded by the row's extension) or, when that cannot
 * finish, the interpreter.
 */
#define JIT_CBO_FN(n, s, opc, mask, match, ext, fast, slow)                                        \
	static int jit_cbo_##n(struct rv_hart *h, uint32_t insn)                                   \
	{                                                                                          \
		if ((ext) && !(h->ext_on & (ext)))                                                 \
			return 1;                                                                  \
		return fast(h, insn);                                                              \
	}
RV_INSN_CBO(JIT_CBO_FN)
#undef JIT_CBO_FN

/* The CBO row's translator call for a GENERIC slot, or NULL. */
static const void *jit_cbo(const struct rv_dinsn *d)
{
	if (d->op != RV_DOP_GENERIC)
		return NULL;
	switch (rv_insn_cbo_find(d->insn, AXVM_RISCV64_EXT_ALL)) {
#define JIT_CBO_CASE(n, s, ...)                                                                    \
	case RV_I_##n:                                                                             \
		return (const void *)jit_cbo_##n;
		RV_INSN_CBO(JIT_CBO_CASE)
#undef JIT_CBO_CASE
	default:
		return NULL;
	}
}

/* FENCE (any sets, FENCE.TSO, PAUSE): GENERIC with MISC-MEM funct3 0. */
static bool jit_fence(const struct rv_dinsn *d)
{
	return d->op == RV_DOP_GENERIC && ((uint32_t)d->imm & 0x707f) == 0x000f;
}

/*
 * F/D arithmetic, exactly as exec.c's do_fpu: fpu.c itself (bit-identical
 * results, flags and NaNs by construction). Nonzero: FS is off or fpu.c
 * refused it; nothing changed and the interpreter runs it (and raises).
 */
static int jit_fpu_call(struct rv_hart *h, uint32_t insn)
{
	if (!(h->sstatus & RV_SSTATUS_FS) || rv_fpu_execute_fast(&h->fpu, insn, h->x))
		return 1;
	h->x[0] = 0;
	rv_hart_fs_dirty(h);
	return 0;
}

/* A cache register a call may clobber (rbp and r15 survive calls). */
static bool jit_caller_saved(enum x86_reg r)
{
	return r != X86_RBP && r != X86_R15;
}

/*
 * Around a call from a block: the cached guest registers in caller-saved
 * host registers are pushed (and the stack kept 16-byte aligned: inside a
 * block rsp is, see jit_emit_runtime) and popped after. Returns the bytes
 * pushed.
 */
static int32_t jit_call_save(struct jit_tr *t)
{
	int32_t n = 0;

	for (unsigned i = 0; i < t->ncached; i++)
		if (jit_caller_saved(jit_cache_regs[i])) {
			x86_push(&t->b, jit_cache_regs[i]);
			n += 8;
		}
	if (n & 8) {
		x86_alu_imm(&t->b, X86_SUB, true, X86_RSP, 8);
		n += 8;
	}
	return n;
}

static void jit_call_restore(struct jit_tr *t, int32_t n)
{
	if (n & 8)
		return; /* cannot happen: jit_call_save pads to 16 */
	for (unsigned i = 0; i < t->ncached; i++)
		if (jit_caller_saved(jit_cache_regs[i]))
			n -= 8;
	if (n)
		x86_alu_imm(&t->b, X86_ADD, true, X86_RSP, 8);
	for (unsigned i = t->ncached; i-- > 0;)
		if (jit_caller_saved(jit_cache_regs[i]))
			x86_pop(&t->b, jit_cache_regs[i]);
}

static void jit_call(struct jit_tr *t, const void *fn)
{
	x86_mov_imm(&t->b, X86_RAX, (uint64_t)(uintptr_t)fn);
	x86_call_reg(&t->b, X86_RAX);
}

#define FOFF(r) ((int32_t)(offsetof(struct rv_hart, fpu.f) + 8u * (r)))
#define SSTATUS_OFF ((int32_t)offsetof(struct rv_hart, sstatus))

/*
 * A call to fn(h, insn) that runs one instruction on the hart in memory:
 * nonzero means it changed nothing and the interpreter must run it (slow
 * exit at off). The x registers it reads (reads: 1 = rs1, 2 = rs2 of insn)
 * are stored first if cached; x[rd], if it writes one, is reloaded after.
 */
static void jit_call_insn(struct jit_tr *t, const void *fn, uint32_t insn, unsigned reads,
			  bool writes, int32_t off, unsigned k)
{
	struct x86_buf *b = &t->b;
	unsigned rd = (insn >> 7) & 31, rs[2] = {(insn >> 15) & 31, (insn >> 20) & 31};
	int32_t n;

	for (unsigned i = 0; i < 2; i++)
		if ((reads & (1u << i)) && t->cache_of[rs[i]])
			x86_mov_store(b, X86_RBX, XOFF(rs[i]),
				      jit_cache_regs[t->cache_of[rs[i]] - 1]);
	n = jit_call_save(t);
	x86_mov_rr(b, X86_RDI, X86_RBX);
	x86_mov_imm(b, X86_RSI, insn);
	jit_call(t, fn);
	jit_call_restore(t, n);
	x86_test_rr(b, false, X86_RAX, X86_RAX);
	jit_stub(t, x86_jcc32(b, X86_CC_NE), STUB_PC, off, k, true);
	if (writes && t->cache_of[rd])
		x86_mov_load(b, jit_cache_regs[t->cache_of[rd] - 1], X86_RBX, XOFF(rd));
}

/*
 * A Zicsr instruction that rv_jit_csr_can accepts: a call of rv_jit_csr_run
 * with x[rs1] stored first if cached and x[rd] reloaded after. SLOW: a slow
 * exit at it (nothing changed: the interpreter runs it and raises); LEAVE:
 * it retired, and the block goes back to exec.c after it, which ends the
 * batch (h->recheck) so that the run loop takes the interrupt it enabled.
 */
static void jit_csr(struct jit_tr *t, uint32_t insn, int32_t off, unsigned k)
{
	struct x86_buf *b = &t->b;
	unsigned rd = (insn >> 7) & 31, rs1 = (insn >> 15) & 31;
	int32_t n;

	if (t->cache_of[rs1]) /* the immediate forms: a harmless store */
		x86_mov_store(b, X86_RBX, XOFF(rs1), jit_cache_regs[t->cache_of[rs1] - 1]);
	n = jit_call_save(t);
	x86_mov_rr(b, X86_RDI, X86_RBX);
	x86_mov_imm(b, X86_RSI, insn);
	jit_call(t, (const void *)rv_jit_csr_run);
	jit_call_restore(t, n);
	x86_alu_imm(b, X86_CMP, false, X86_RAX, RV_JIT_CSR_SLOW);
	jit_stub(t, x86_jcc32(b, X86_CC_E), STUB_PC, off, k, true);
	if (rd && t->cache_of[rd]) /* before the test: a mov leaves the flags alone */
		x86_mov_load(b, jit_cache_regs[t->cache_of[rd] - 1], X86_RBX, XOFF(rd));
	x86_test_rr(b, false, X86_RAX, X86_RAX);
	jit_stub(t, x86_jcc32(b, X86_CC_NE), STUB_PC, off + 4, k + 1, false);
	if (t->nstub && t->stub[t->nstub - 1].kind == STUB_PC)
		t->stub[t->nstub - 1].leave = true;
	if (rv_jit_csr_writes_sstatus(insn))
		t->fs_on = t->fs_dirty = false; /* it may have turned FS off or made it Clean */
}

/* FS off: leave for the interpreter (which raises the illegal instruction). */
static void jit_fs_check(struct jit_tr *t, int32_t off, unsigned k)
{
	if (t->fs_on)
		return;
	x86_mov_load(&t->b, X86_RAX, X86_RBX, SSTATUS_OFF);
	x86_alu_imm(&t->b, X86_AND, true, X86_RAX, (int32_t)RV_SSTATUS_FS);
	jit_stub(t, x86_jcc32(&t->b, X86_CC_E), STUB_PC, off, k, true);
	t->fs_on = true;
}

/* FS = Dirty, as rv_hart_fs_dirty (once per block). */
static void jit_fs_dirty(struct jit_tr *t)
{
	if (t->fs_dirty)
		return;
	x86_mov_load(&t->b, X86_RAX, X86_RBX, SSTATUS_OFF);
	x86_alu_imm(&t->b, X86_OR, true, X86_RAX, (int32_t)RV_SSTATUS_FS);
	x86_mov_store(&t->b, X86_RBX, SSTATUS_OFF, X86_RAX);
	t->fs_dirty = true;
}

#define FCSR_OFF ((int32_t)offsetof(struct rv_hart, fpu.fcsr))

/*
 * S and D arithmetic inline (fadd/fsub/fmul/fdiv/fsqrt, and the fused forms
 * when the host has FMA3; singles only with every operand NaN-boxed), in RNE
 * (static, or dynamic with frm = RNE), as SSE2
 * under the MXCSR rv_jit_try guarantees (RNE, all masked, no DAZ/FTZ). The
 * result is kept only when it is finite with |r| at least twice the
 * smallest normal (biased exponent 2..max-1). Then the operation raised nothing RISC-V would flag
 * but NX: NV and a NaN go together (so do DZ and an infinity, OF and an
 * infinity in RNE, UF and a result below the smallest normal), and a NaN
 * never reaches a register. With fflags.NX already set (most FP code after
 * its first inexact result) no MXCSR flag is needed at all; with NX clear,
 * MXCSR's flags are cleared first (ldmxcsr) and its PE read after (stmxcsr)
 * to set NX. Everything else (another rounding mode, a zero, subnormal,
 * infinite or NaN result) takes the call to jit_fpu_call, which computes the
 * instruction again from the unchanged registers (rd is written only when
 * the result is kept).
 */
static bool jit_fpu_inline_op(uint32_t insn)
{
	unsigned opc = insn & 0x7f, f5 = insn >> 27, rm = (insn >> 12) & 7;

	if (((insn >> 25) & 3) > 1 || (rm != RV_RM_RNE && rm != RV_RM_DYN))
		return false; /* S and D only */
	if (opc == RV_OPC_OP_FP)
		return f5 <= 3 || (f5 == 0x0b && ((insn >> 20) & 31) == 0);
	return rv_fpu_host_has_fma(); /* MADD, MSUB, NMSUB, NMADD */
}

/*
 * xmm0 = the operation of insn (D, RNE: the caller made sure), then the
 * result check: returns the jcc to take when it is not normal and finite
 * (biased exponent - 2 >= 0x7fd, unsigned; |r| >= 2^-1021 passes).
 */
static uint8_t *jit_fpu_sse_op(struct jit_tr *t, uint32_t insn)
{
	static const enum sse_op arith[4] = {SSE_ADDSD, SSE_SUBSD, SSE_MULSD, SSE_DIVSD};
	/* MADD a*b+c, MSUB a*b-c, NMSUB -(a*b)+c, NMADD -(a*b)-c */
	static const enum sse_fma fused[4] = {SSE_VFMADD231SD, SSE_VFMSUB231SD, SSE_VFNMADD231SD,
					      SSE_VFNMSUB231SD};
	struct x86_buf *b = &t->b;
	unsigned opc = insn & 0x7f, f5 = insn >> 27;
	unsigned rs1 = (insn >> 15) & 31, rs2 = (insn >> 20) & 31;
	bool dbl = ((insn >> 25) & 3) == 1;

	/* Singles: the low 4 bytes of the (NaN-boxed, checked by the caller) register. */
	if (opc != RV_OPC_OP_FP) {
		/* xmm0 = c, xmm1 = a, then xmm0 = xmm1 * b +- xmm0 */
		sse_scalar_mem(b, dbl, SSE_MOVSD_LOAD, 0, X86_RBX, FOFF(insn >> 27));
		sse_scalar_mem(b, dbl, SSE_MOVSD_LOAD, 1, X86_RBX, FOFF(rs1));
		sse_fma_mem(b, dbl, fused[(opc - RV_OPC_MADD) >> 2], 0, 1, X86_RBX, FOFF(rs2));
	} else if (f5 == 0x0b) {
		sse_scalar_mem(b, dbl, SSE_SQRTSD, 0, X86_RBX, FOFF(rs1));
	} else {
		sse_scalar_mem(b, dbl, SSE_MOVSD_LOAD, 0, X86_RBX, FOFF(rs1));
		sse_scalar_mem(b, dbl, arith[f5], 0, X86_RBX, FOFF(rs2));
	}
	/* biased exponent - 2 < max - 2 (unsigned): finite, at least twice the smallest normal */
	sse_movq_r_x(b, X86_RAX, 0);
	x86_shift_imm(b, X86_SHR, dbl, X86_RAX, dbl ? 52 : 23);
	x86_alu_imm(b, X86_AND, false, X86_RAX, dbl ? 0x7ff : 0xff);
	x86_alu_imm(b, X86_SUB, false, X86_RAX, 2);
	x86_alu_imm(b, X86_CMP, false, X86_RAX, dbl ? 0x7fd : 0xfd);
	return x86_jcc32(b, X86_CC_AE);
}

/* rd = xmm0: a double, or a single NaN-boxed (upper 32 bits all ones). */
static void jit_fpu_sse_store(struct jit_tr *t, bool dbl, unsigned rd)
{
	if (!dbl)
		x86_store_imm32(&t->b, X86_RBX, FOFF(rd), -1);
	sse_scalar_mem(&t->b, dbl, SSE_MOVSD_STORE, 0, X86_RBX, FOFF(rd));
}

static void jit_fpu_inline(struct jit_tr *t, uint32_t insn, int32_t off, unsigned k)
{
	struct x86_buf *b = &t->b;
	unsigned rd = (insn >> 7) & 31, nbox = 0;
	bool dbl = ((insn >> 25) & 3) == 1;
	uint8_t *slow[3 + 3], *not_nx, *done[2], *nx_exact;

	jit_fs_check(t, off, k);
	if (!dbl) {
		/* every single operand NaN-boxed (else it reads as the canonical NaN: the call's)
		 */
		unsigned regs[3] = {(insn >> 15) & 31, (insn >> 20) & 31, insn >> 27};
		unsigned n = (insn & 0x7f) != RV_OPC_OP_FP ? 3 : (insn >> 27) == 0x0b ? 1 : 2;

		for (unsigned i = 0; i < n; i++) {
			x86_mov_load(b, X86_RAX, X86_RBX, FOFF(regs[i]));
			x86_shift_imm(b, X86_SHR, true, X86_RAX, 32);
			x86_alu_imm(b, X86_CMP, false, X86_RAX, -1);
			slow[3 + nbox++] = x86_jcc32(b, X86_CC_NE);
		}
	}
	/* (fcsr & 0xe1) for a dynamic rm (frm must be RNE), (fcsr & 1) for RNE: 1 = NX set */
	x86_load(b, X86_LD_U32, X86_RAX, X86_RBX, FCSR_OFF);
	x86_alu_imm(b, X86_AND, false, X86_RAX, ((insn >> 12) & 7) == RV_RM_DYN ? 0xe1 : 0x01);
	x86_alu_imm(b, X86_CMP, false, X86_RAX, 1);
	not_nx = x86_jcc32(b, X86_CC_NE);
	/* NX set: no MXCSR flag needed (see above) */
	slow[0] = jit_fpu_sse_op(t, insn);
	jit_fpu_sse_store(t, dbl, rd);
	done[0] = x86_jmp32(b);
	/* NX clear (rax 0; anything else is another frm): the host's PE decides NX */
	jit_here(t, not_nx);
	x86_test_rr(b, false, X86_RAX, X86_RAX);
	slow[1] = x86_jcc32(b, X86_CC_NE);
	sse_ldmxcsr_imm(b, 0x1f80); /* RNE, all masked, no DAZ/FTZ, flags clear */
	slow[2] = jit_fpu_sse_op(t, insn);
	/* normal and finite: of the flags only PE (inexact) can be set (DE is not RISC-V's) */
	sse_stmxcsr_test(b, 0x20);
	nx_exact = x86_jcc32(b, X86_CC_E);
	sse_or_byte(b, X86_RBX, FCSR_OFF, RV_FFLAGS_NX);
	jit_here(t, nx_exact);
	jit_fpu_sse_store(t, dbl, rd);
	done[1] = x86_jmp32(b);
	/* another rounding mode, an un-boxed single, a result not normal and finite: the call */
	for (unsigned i = 0; i < 3 + nbox; i++)
		jit_here(t, slow[i]);
	jit_call_insn(t, (const void *)jit_fpu_call, insn, 0, false, off, k);
	jit_here(t, done[0]);
	jit_here(t, done[1]);
	/* Both paths leave FS Dirty (jit_fpu_call sets it or leaves the block). */
	jit_fs_dirty(t);
}

/*
 * FCVT.W.D / FCVT.L.D in RTZ: cvttsd2si. x86 answers every invalid case
 * (NaN, out of range) with the "integer indefinite" INT_MIN, where RISC-V
 * saturates: that value, and the legitimate INT_MIN with it, takes the
 * call. Otherwise the truncation is RISC-V's, and NX (inexact) is whether
 * the integer converted back differs from the operand (exact: the integer
 * came from a double), needed only while fflags.NX is clear.
 */
static void jit_fpu_inline_trunc(struct jit_tr *t, uint32_t insn, int32_t off, unsigned k)
{
	struct x86_buf *b = &t->b;
	unsigned rd = (insn >> 7) & 31, rs1 = (insn >> 15) & 31;
	bool w64 = ((insn >> 20) & 31) == 2;
	uint8_t *slow, *nx_set, *exact, *done;

	jit_fs_check(t, off, k);
	sse_cvttsd2si_mem(b, w64, X86_RAX, X86_RBX, FOFF(rs1));
	if (w64) {
		x86_mov_imm(b, X86_RCX, UINT64_C(0x8000000000000000));
		x86_alu_rr(b, X86_CMP, true, X86_RAX, X86_RCX);
	} else {
		x86_alu_imm(b, X86_CMP, false, X86_RAX, INT32_MIN);
	}
	slow = x86_jcc32(b, X86_CC_E);
	if (!w64)
		x86_movsxd(b, X86_RAX, X86_RAX);
	x86_load(b, X86_LD_U32, X86_RCX, X86_RBX, FCSR_OFF);
	x86_alu_imm(b, X86_AND, false, X86_RCX, RV_FFLAGS_NX);
	nx_set = x86_jcc32(b, X86_CC_NE);
	sse_cvtsi2sd_r(b, 1, X86_RAX);
	sse_ucomisd_mem(b, 1, X86_RBX, FOFF(rs1));
	exact = x86_jcc32(b, X86_CC_E);
	sse_or_byte(b, X86_RBX, FCSR_OFF, RV_FFLAGS_NX);
	jit_here(t, nx_set);
	jit_here(t, exact);
	jit_st(t, rd, X86_RAX);
	done = x86_jmp32(b);
	jit_here(t, slow);
	jit_call_insn(t, (const void *)jit_fpu_call, insn, 0, true, off, k);
	jit_here(t, done);
}

/*
 * The D operations that round nothing, inline: FSGNJ/FSGNJN/FSGNJX.D (bits),
 * FMV.X.D / FMV.D.X (moves), FCVT.D.W / FCVT.D.WU (every 32-bit integer is
 * a double: exact, no flag; static rm only, a reserved one is illegal),
 * FCVT.W.D / FCVT.L.D in RTZ (jit_fpu_inline_trunc) and FEQ/FLT/FLE.D (ucomisd: ordered operands
 * raise no RISC-V flag; unordered ones, where NV depends on the kind of NaN, take the call).
 * Returns false if insn is none of them.
 */
static bool jit_fpu_inline_exact(struct jit_tr *t, uint32_t insn, int32_t off, unsigned k)
{
	struct x86_buf *b = &t->b;
	unsigned f5 = insn >> 27, f3 = (insn >> 12) & 7, rd = (insn >> 7) & 31;
	unsigned rs1 = (insn >> 15) & 31, rs2 = (insn >> 20) & 31;
	uint8_t *unordered, *done;

	if ((insn & 0x7f) != RV_OPC_OP_FP || ((insn >> 25) & 3) != 1)
		return false;
	switch (f5) {
	case 0x04: /* FSGNJ.D, FSGNJN.D, FSGNJX.D */
		if (f3 > 2)
			return false;
		jit_fs_check(t, off, k);
		x86_mov_load(b, X86_RAX, X86_RBX, FOFF(rs1));
		x86_mov_load(b, X86_RCX, X86_RBX, FOFF(rs2));
		x86_shift_imm(b, X86_SHR, true, X86_RCX, 63); /* rcx = sign of rs2 */
		if (f3 == 1)
			x86_alu_imm(b, X86_XOR, false, X86_RCX, 1);
		x86_shift_imm(b, X86_SHL, true, X86_RCX, 63);
		if (f3 != 2) { /* clear rs1's sign, then rcx's */
			x86_shift_imm(b, X86_SHL, true, X86_RAX, 1);
			x86_shift_imm(b, X86_SHR, true, X86_RAX, 1);
		}
		x86_alu_rr(b, X86_XOR, true, X86_RAX, X86_RCX);
		x86_mov_store(b, X86_RBX, FOFF(rd), X86_RAX);
		jit_fs_dirty(t);
		return true;
	case 0x1c: /* FMV.X.D (funct3 0); FCLASS.D is the call's */
	case 0x1e: /* FMV.D.X */
		if (f3 != 0 || rs2 != 0)
			return false;
		jit_fs_check(t, off, k);
		if (f5 == 0x1c) {
			x86_mov_load(b, X86_RAX, X86_RBX, FOFF(rs1));
			jit_st(t, rd, X86_RAX);
		} else {
			jit_ld(t, X86_RAX, rs1);
			x86_mov_store(b, X86_RBX, FOFF(rd), X86_RAX);
			jit_fs_dirty(t);
		}
		return true;
	case 0x1a: /* FCVT.D.W (rs2 0), FCVT.D.WU (rs2 1) */
		if (rs2 > 1 || f3 > RV_RM_RMM)
			return false;
		jit_fs_check(t, off, k);
		jit_ld(t, X86_RAX, rs1);
		if (rs2 == 0)
			x86_movsxd(b, X86_RAX, X86_RAX);
		else
			x86_mov_rr32(b, X86_RAX, X86_RAX);
		sse_cvtsi2sd_r(b, 0, X86_RAX);
		sse_sd_mem(b, SSE_MOVSD_STORE, 0, X86_RBX, FOFF(rd));
		jit_fs_dirty(t);
		return true;
	case 0x18: /* FCVT.W.D (rs2 0), FCVT.L.D (rs2 2) with rm RTZ (C's casts) */
		if ((rs2 != 0 && rs2 != 2) || f3 != RV_RM_RTZ)
			return false;
		jit_fpu_inline_trunc(t, insn, off, k);
		return true;
	case 0x14: /* FLE.D (0), FLT.D (1), FEQ.D (2) */
		if (f3 > 2)
			return false;
		jit_fs_check(t, off, k);
		/* FLE a, b is b >= a (CF clear with xmm0 = b); FLT a < b (CF); FEQ (ZF) */
		sse_sd_mem(b, SSE_MOVSD_LOAD, 0, X86_RBX, FOFF(f3 == 0 ? rs2 : rs1));
		sse_ucomisd_mem(b, 0, X86_RBX, FOFF(f3 == 0 ? rs1 : rs2));
		unordered = x86_jcc32(b, SSE_CC_P);
		x86_setcc(b, f3 == 0 ? X86_CC_AE : f3 == 1 ? X86_CC_B : X86_CC_E, X86_RAX);
		jit_st(t, rd, X86_RAX);
		done = x86_jmp32(b);
		jit_here(t, unordered);
		jit_call_insn(t, (const void *)jit_fpu_call, insn, 0, true, off, k);
		jit_here(t, done);
		return true;
	default:
		return false;
	}
}

/* rcx = a row's second operand: rs2, the immediate, or 0. */
static void jit_alu_b_rcx(struct jit_tr *t, const struct jit_alu_row *r, const struct rv_dinsn *d)
{
	if (r->b == JIT_B_REG)
		jit_ld(t, X86_RCX, d->rs2);
	else
		x86_mov_imm(&t->b, X86_RCX, r->b == JIT_B_IMM ? (uint64_t)(int64_t)d->imm : 0);
}

/* Guest register rd = guest register src (a move, or a constant 0 from x0). */
static void jit_copy(struct jit_tr *t, unsigned rd, unsigned src)
{
	enum x86_reg w;

	if (src == 0) {
		jit_set_imm(t, rd, 0);
		return;
	}
	w = jit_work(t, rd, 0);
	jit_ld(t, w, src);
	if (w == X86_RAX)
		jit_st(t, rd, X86_RAX);
}

/*
 * The 64-bit ALU forms that need less than the recipe: a move (c.mv is
 * add rd, x0, rs2; mv is addi rd, rs, 0; or/xor with x0 or 0), a constant
 * (op x0 with an immediate), and a commutative operation whose rd is its
 * rs2 (computed in rd's register with the operands swapped). True if done.
 */
static bool jit_alu_simple(struct jit_tr *t, const struct rv_dinsn *d, unsigned op, bool reg,
			   int32_t imm)
{
	bool mv = op == X86_ADD || op == X86_OR || op == X86_XOR;
	enum x86_reg w;

	if (d->rd == 0 || d->rd >= 32)
		return false;
	if (mv && reg && d->rs1 == 0) {
		jit_copy(t, d->rd, d->rs2);
		return true;
	}
	if (mv && ((reg && d->rs2 == 0) || (!reg && imm == 0))) {
		jit_copy(t, d->rd, d->rs1);
		return true;
	}
	if (mv && !reg && d->rs1 == 0) {
		jit_set_imm(t, d->rd, imm);
		return true;
	}
	if (!reg || d->rd != d->rs2 || d->rd == d->rs1 || !t->cache_of[d->rd] ||
	    !(mv || op == X86_AND))
		return false;
	w = jit_work(t, d->rd, 0); /* rd = rs2 op rs1, in place */
	jit_src(t, (enum x86_alu)op, true, w, d->rs1);
	return true;
}

/*
 * An ALU row of insn_table.h by its translation recipe. The work register
 * is rd's host register when it is cached (and not rs2, read after rs1 is
 * loaded), else rax; the rdx:rax recipes (high multiply, divide) and calls
 * compute in rax.
 */
static unsigned jit_alu(struct jit_tr *t, const struct rv_dinsn *d, const struct jit_alu_row *r)
{
	struct x86_buf *b = &t->b;
	bool reg = r->b == JIT_B_REG;
	int32_t imm = r->b == JIT_B_IMM ? (int32_t)d->imm : 0;
	enum x86_reg w;

	if (r->kind == JK_ALU && r->w64 && jit_alu_simple(t, d, r->op, reg, imm))
		return 1;
	if (r->kind == JK_ALU && !r->w64 && r->op == X86_ADD && !reg && imm == 0 && t->sx[d->rs1]) {
		if (d->rd != d->rs1) /* sext.w of a value that is sign-extended already */
			jit_copy(t, d->rd, d->rs1);
		return 1;
	}
	switch (r->kind) {
	case JK_ALU:
	case JK_SET:
	case JK_SHF:
	case JK_MUL:
		w = jit_work(t, d->rd, reg ? d->rs2 : 0);
		if ((r->kind == JK_SHF && reg) || r->kind == JK_MUL)
			jit_alu_b_rcx(t, r, d); /* before w, which may be rs2's register */
		jit_ld(t, w, d->rs1);
		switch (r->kind) {
		case JK_ALU:
			if (reg)
				jit_src(t, (enum x86_alu)r->op, r->w64, w, d->rs2);
			else if (imm || r->w64) /* addiw rd, rs, 0 is sext.w */
				x86_alu_imm(b, (enum x86_alu)r->op, r->w64, w, imm);
			break;
		case JK_SET:
			if (reg)
				jit_src(t, X86_CMP, true, w, d->rs2);
			else
				x86_alu_imm(b, X86_CMP, true, w, imm);
			x86_setcc(b, (enum x86_cc)r->op, w);
			break;
		case JK_SHF:
			if (reg)
				x86_shift_cl(b, (enum x86_shift)r->op, r->w64, w);
			else
				x86_shift_imm(b, (enum x86_shift)r->op, r->w64, w, (unsigned)imm);
			break;
		default: /* JK_MUL */
			x86_imul_rr(b, r->w64, w, X86_RCX);
			break;
		}
		/* srliw by 1..31 clears bit 31: the 32-bit op's zero extension is the sign one */
		if (!r->w64 && !(r->kind == JK_SHF && !reg && r->op == X86_SHR && (imm & 31)))
			x86_movsxd(b, w, w);
		if (w == X86_RAX)
			jit_st(t, d->rd, X86_RAX);
		return 1;
	case JK_MULH:
		jit_ld(t, X86_RAX, d->rs1);
		jit_alu_b_rcx(t, r, d);
		x86_unary(b, (enum x86_unary)r->op, true, X86_RCX);
		x86_mov_rr(b, X86_RAX, X86_RDX);
		break;
	case JK_MULHSU:
		/* high(signed a * unsigned b) = high(a * b unsigned) - (a < 0 ? b : 0) */
		jit_ld(t, X86_RAX, d->rs1);
		jit_alu_b_rcx(t, r, d);
		x86_unary(b, X86_MUL, true, X86_RCX);
		jit_ld(t, X86_RAX, d->rs1); /* again: rd is written only below */
		x86_shift_imm(b, X86_SAR, true, X86_RAX, 63);
		x86_alu_rr(b, X86_AND, true, X86_RAX, X86_RCX);
		x86_alu_rr(b, X86_SUB, true, X86_RDX, X86_RAX);
		x86_mov_rr(b, X86_RAX, X86_RDX);
		break;
	case JK_DIV:
		jit_ld(t, X86_RAX, d->rs1);
		jit_alu_b_rcx(t, r, d);
		jit_div(t, r);
		break;
	default: { /* JK_CALL: the row's semantics, generated (jit_alu_rows) */
		int32_t n = jit_call_save(t);

		jit_ld(t, X86_RAX, d->rs1);
		jit_alu_b_rcx(t, r, d);
		x86_mov_rr(b, X86_RDI, X86_RAX);
		x86_mov_rr(b, X86_RSI, X86_RCX);
		jit_call(t, (const void *)r->fn);
		jit_call_restore(t, n);
		break;
	}
	}
	jit_st(t, d->rd, X86_RAX);
	return 1;
}

/*
 * A branch, load or store row of insn_table.h at page offset off (k retired
 * before it), or its fused "add t, rs1, rs2; access at imm(t)" form.
 */
static unsigned jit_mem(struct jit_tr *t, const struct rv_dinsn *d, int32_t off, unsigned k)
{
	const struct jit_mem_row *m = &jit_mem_rows[d->op];
	struct x86_buf *b = &t->b;
	int64_t imm = d->imm;

	switch (m->kind) {
	case JM_BRANCH: {
		uint8_t *rel;
		enum x86_cc cc = jit_branch_cmp(t, d->rs1, d->rs2, (enum x86_cc)m->x);

		if (d->target >= 0 && (unsigned)d->target == t->start) {
			/* not taken: jump over the loop's back edge */
			rel = x86_jcc32(b, (enum x86_cc)(cc ^ 1));
			jit_loop_back(t, k + 1);
			jit_here(t, rel);
			return 1;
		}
		rel = x86_jcc32(b, cc);
		if (d->target >= 0)
			jit_stub(t, rel, STUB_CHAIN, d->target, k + 1, false);
		else
			jit_stub(t, rel, STUB_PC, (int32_t)(off + imm), k + 1, false);
		return 1;
	}
	case JM_LOAD: {
		enum x86_reg w = jit_work(t, d->rd, 0);

		if (imm == 0 && t->cache_of[d->rs1]) {
			jit_access_reg(t, (enum x86_reg)jit_reg_of(t, d->rs1), false, m->size,
				       (enum x86_load)m->x, w, 0, 0, off, k, t->computed[d->rs1]);
			if (w == X86_RAX)
				jit_st(t, d->rd, X86_RAX);
			return 1;
		}
		jit_addr(t, d->rs1, imm);
		if (t->computed[d->rs1]) {
			jit_guessed_load(t, (enum x86_load)m->x, w, m->size, off, k);
		} else {
			jit_tlb(t, X86_R14, m->size, off, k);
			x86_load(b, (enum x86_load)m->x, w, X86_RAX, 0);
		}
		if (w == X86_RAX)
			jit_st(t, d->rd, X86_RAX);
		return 1;
	}
	case JM_STORE:
		if (imm == 0 && t->cache_of[d->rs1]) {
			jit_access_reg(t, (enum x86_reg)jit_reg_of(t, d->rs1), true, m->size,
				       X86_LD_64, X86_RAX, jit_reg_of(t, d->rs2), d->rs2, off, k,
				       false);
			return 1;
		}
		jit_addr(t, d->rs1, imm);
		jit_tlb(t, X86_R15, m->size, off, k);
		if (t->cache_of[d->rs2]) {
			x86_store(b, m->size, X86_RAX, 0, jit_cache_regs[t->cache_of[d->rs2] - 1]);
		} else {
			jit_ld(t, X86_RDX, d->rs2); /* rdx is free after the TLB check */
			x86_store(b, m->size, X86_RAX, 0, X86_RDX);
		}
		return 1;
	default: {
		/* add t, rs1, rs2 (t written first), then the access at imm(t). */
		int32_t off2 = off + 2 * (int32_t)d->first_step;
		unsigned tg = (unsigned)d->target;

		if (imm == 0 && tg > 0 && tg < 32 && t->cache_of[tg] && t->cache_of[d->rs1] &&
		    t->cache_of[d->rs2]) {
			/* t = rs1 + rs2 in t's register, then the access at 0(t) */
			enum x86_reg tr = (enum x86_reg)jit_reg_of(t, tg);

			x86_lea_idx(b, tr, (enum x86_reg)jit_reg_of(t, d->rs1),
				    (enum x86_reg)jit_reg_of(t, d->rs2), 0);
			t->dirty[t->cache_of[tg] - 1] = true;
			if (m->kind == JM_ADD_LOAD) {
				enum x86_reg w = jit_work(t, d->rd, 0);

				jit_access_reg(t, tr, false, m->size, (enum x86_load)m->x, w, 0, 0,
					       off2, k + 1, true);
				if (w == X86_RAX)
					jit_st(t, d->rd, X86_RAX);
			} else {
				jit_access_reg(t, tr, true, m->size, X86_LD_64, X86_RAX,
					       jit_reg_of(t, d->rd), d->rd, off2, k + 1, false);
			}
			return 2;
		}
		if (t->cache_of[d->rs1] && t->cache_of[d->rs2])
			x86_lea_idx(b, X86_RAX, jit_cache_regs[t->cache_of[d->rs1] - 1],
				    jit_cache_regs[t->cache_of[d->rs2] - 1], 0);
		else {
			jit_ld(t, X86_RAX, d->rs1);
			jit_src(t, X86_ADD, true, X86_RAX, d->rs2);
		}
		jit_st(t, (unsigned)d->target, X86_RAX);
		if (imm)
			x86_alu_imm(b, X86_ADD, true, X86_RAX, (int32_t)imm);
		if (m->kind == JM_ADD_LOAD) {
			enum x86_reg w = jit_work(t, d->rd, 0);

			/* rs1 + rs2: a computed address */
			jit_guessed_load(t, (enum x86_load)m->x, w, m->size, off2, k + 1);
			if (w == X86_RAX)
				jit_st(t, d->rd, X86_RAX);
		} else {
			jit_tlb(t, X86_R15, m->size, off2, k + 1);
			if (t->cache_of[d->rd]) {
				x86_store(b, m->size, X86_RAX, 0,
					  jit_cache_regs[t->cache_of[d->rd] - 1]);
			} else {
				jit_ld(t, X86_RDX, d->rd);
				x86_store(b, m->size, X86_RAX, 0, X86_RDX);
			}
		}
		return 2;
	}
	}
}

static void jit_sx_forget(struct jit_tr *t)
{
	memset(t->sx, 0, sizeof(t->sx));
	t->sx[0] = true; /* x0 reads 0 */
}

/* A slot some branch of the block targets: another path may reach it (jit_inner_jump). */
static void jit_sx_merge(struct jit_tr *t, unsigned slot)
{
	for (unsigned i = 0; i < t->ntgt; i++)
		if (t->tgt[i] == slot) {
			jit_sx_forget(t);
			return;
		}
}

/* After d was translated: what it wrote is or is not a sign-extended 32-bit value. */
static void jit_sx_update(struct jit_tr *t, const struct rv_dinsn *d)
{
	const struct jit_alu_row *r = jit_alu_row(d->op);
	unsigned mk = jit_mem_kind(d->op), rd = d->rd < 32 ? d->rd : 0;
	bool v = false;

	if (r) {
		bool reg = r->b == JIT_B_REG;
		unsigned b = reg ? d->rs2 : 0; /* an immediate is sign-extended from 12 bits */

		if (!r->w64 && r->kind != JK_CALL)
			v = true; /* W operations: sign-extended by definition */
		else if (r->kind == JK_SET)
			v = true; /* 0 or 1 */
		else if (r->kind == JK_ALU &&
			 (r->op == X86_XOR || r->op == X86_OR || r->op == X86_AND))
			v = t->sx[d->rs1] && t->sx[b];
		else if (r->kind == JK_ALU && r->op == X86_ADD &&
			 ((reg && (d->rs1 == 0 || d->rs2 == 0)) || (!reg && d->imm == 0)))
			v = t->sx[d->rs1] && t->sx[b]; /* a move (x0 is 0) */
	} else if (mk == JM_BRANCH || mk == JM_STORE || d->op == RV_DOP_NOP ||
		   d->op == RV_DOP_FLW || d->op == RV_DOP_FLD || d->op == RV_DOP_FSW ||
		   d->op == RV_DOP_FSD || jit_fence(d)) {
		return; /* no x register written */
	} else if (mk == JM_ADD_STORE) {
		if (d->target > 0 && d->target < 32)
			t->sx[d->target] = false;
		return;
	} else if (mk == JM_LOAD || mk == JM_ADD_LOAD) {
		enum x86_load x = (enum x86_load)jit_mem_rows[d->op].x;

		if (mk == JM_ADD_LOAD && d->target > 0 && d->target < 32)
			t->sx[d->target] = false;
		v = x != X86_LD_U32 && x != X86_LD_64;
	} else if (d->op == RV_DOP_LUI || d->op == RV_DOP_LI) {
		v = true;
	} else if (d->op == RV_DOP_AUIPC || d->op == RV_DOP_JAL || d->op == RV_DOP_JALR ||
		   d->op == RV_DOP_ZEXTW) {
		v = false;
	} else {
		/* anything else (shift pairs, calls writing through memory): forget it all */
		jit_sx_forget(t);
		return;
	}
	if (rd)
		t->sx[rd] = v;
}

/*
 * Translate one slot at page offset `off` (k instructions retired before
 * it). Returns the instructions it retires, 0 if it is not translated (the
 * block ends before it); *end is set when it ends the block itself.
 */
/*
 * The recipes of insn_table.h's jump-row kinds: link is the row's value for
 * rd and next its next pc, both relative to the page (r13) for the
 * pc-relative kinds (K_UPPER: link is the constant). Jumps end the block:
 * jal chains to an in-page target or exits with the pc, jalr looks up.
 */
static unsigned jit_K_UPPER(struct jit_tr *t, const struct rv_dinsn *d, int32_t off, unsigned k,
			    int64_t link, int64_t next, bool *end)
{
	(void)off, (void)k, (void)next, (void)end;
	jit_set_imm(t, d->rd, (int32_t)link);
	return 1;
}

static unsigned jit_K_PCREL(struct jit_tr *t, const struct rv_dinsn *d, int32_t off, unsigned k,
			    int64_t link, int64_t next, bool *end)
{
	struct x86_buf *b = &t->b;

	(void)off, (void)k, (void)next, (void)end;
	if (link == (int32_t)link) {
		x86_lea(b, X86_RAX, X86_R13, (int32_t)link);
	} else {
		x86_mov_imm(b, X86_RAX, (uint64_t)link);
		x86_alu_rr(b, X86_ADD, true, X86_RAX, X86_R13);
	}
	jit_st(t, d->rd, X86_RAX);
	return 1;
}

static unsigned jit_K_JUMP(struct jit_tr *t, const struct rv_dinsn *d, int32_t off, unsigned k,
			   int64_t link, int64_t next, bool *end)
{
	(void)off;
	x86_lea(&t->b, X86_RAX, X86_R13, (int32_t)link);
	jit_st(t, d->rd, X86_RAX);
	if (d->target >= 0 && (unsigned)d->target == t->start)
		jit_loop_back(t, k + 1);
	else if (d->target >= 0)
		jit_exit(t, STUB_CHAIN, d->target, k + 1, false);
	else
		jit_exit(t, STUB_PC, (int32_t)next, k + 1, false);
	*end = true;
	return 1;
}

/* The target is the row's next pc, (x[rs1] + imm) & ~1, computed here. */
static unsigned jit_K_JUMPR(struct jit_tr *t, const struct rv_dinsn *d, int32_t off, unsigned k,
			    int64_t link, int64_t next, bool *end)
{
	struct x86_buf *b = &t->b;

	(void)off, (void)next;
	jit_ld(t, X86_RAX, d->rs1);
	if (d->imm)
		x86_alu_imm(b, X86_ADD, true, X86_RAX, (int32_t)d->imm);
	x86_alu_imm(b, X86_AND, true, X86_RAX, -2);
	x86_lea(b, X86_RCX, X86_R13, (int32_t)link);
	jit_st(t, d->rd, X86_RCX);
	jit_cache_store(t);
	/* The block's last instruction (k + 1 = its length): r12, biased by that, is exact. */
	(void)k;
	jit_jalr_lookup(t);
	x86_mov_store(b, X86_RBX, PC_OFF, X86_RAX);
	x86_patch_rel32(x86_jmp32(b), t->j->epilogue);
	*end = true;
	return 1;
}

/*
 * slli rd, rs1, a; srli rd, rd, b (the fused SHIFTS pair writing one
 * register): in rd's register, and for a = 32 (zero-extend then scale, an
 * unsigned index) a 32-bit move and one shift.
 */
static void jit_shifts_in_place(struct jit_tr *t, const struct rv_dinsn *d)
{
	struct x86_buf *b = &t->b;
	unsigned shl = (unsigned)d->imm & 63, shr = ((unsigned)d->imm >> 8) & 63;
	enum x86_reg w = jit_work(t, d->rd, 0);

	if (shl == 32 && shr <= 32) {
		if (t->cache_of[d->rs1])
			x86_mov_rr32(b, w, jit_cache_regs[t->cache_of[d->rs1] - 1]);
		else
			x86_load(b, X86_LD_U32, w, X86_RBX, XOFF(d->rs1));
		if (shr < 32)
			x86_shift_imm(b, X86_SHL, true, w, 32 - shr);
	} else {
		jit_ld(t, w, d->rs1);
		x86_shift_imm(b, X86_SHL, true, w, shl);
		x86_shift_imm(b, X86_SHR, true, w, shr);
	}
	if (w == X86_RAX)
		jit_st(t, d->rd, X86_RAX);
}

static unsigned jit_insn(struct jit_tr *t, const struct rv_dinsn *d, unsigned slot, unsigned k,
			 bool *end)
{
	struct x86_buf *b = &t->b;
	int32_t off = (int32_t)(2u * slot), len = 2 * d->step;
	int64_t imm = d->imm;
	unsigned op = d->op;

	*end = false;
	if (jit_mem_kind(op))
		return jit_mem(t, d, off, k);
	switch (op) {
	case RV_DOP_NOP:
		return 1;
	case RV_DOP_LI:
		jit_set_imm(t, d->rd, d->imm);
		return 2;
		/*
		 * insn_table.h's lui/auipc/jal/jalr rows, one recipe per kind; the rows'
		 * value and next pc evaluated with pc = the page offset (r13 holds the
		 * page's guest address; the pc-relative rows are linear in pc).
		 */
#define JIT_JUMP_CASE(n, s, opc, mask, match, immf, kind, ...)                                     \
	case RV_DOP_##n: {                                                                         \
		uint64_t link, next = rv_insn_jump_exec(RV_I_##n, (uint64_t)(int64_t)off,          \
							(uint64_t)len, 0, (uint64_t)imm, &link);   \
		return jit_##kind(t, d, off, k, (int64_t)link, (int64_t)next, end);                \
	}
		RV_INSN_JUMP(JIT_JUMP_CASE)
#undef JIT_JUMP_CASE
	case RV_DOP_ZEXTW: {
		enum x86_reg w = jit_work(t, d->rd, 0);

		if (t->cache_of[d->rs1])
			x86_mov_rr32(b, w, jit_cache_regs[t->cache_of[d->rs1] - 1]);
		else
			x86_load(b, X86_LD_U32, w, X86_RBX, XOFF(d->rs1));
		if (w == X86_RAX)
			jit_st(t, d->rd, X86_RAX);
		return 2;
	}
	case RV_DOP_GENERIC:	  /* only FENCE, cbo.*, the A extension and some CSRs (jit_can) */
		if (jit_cbo(d)) { /* reads x[rs1] */
			jit_call_insn(t, jit_cbo(d), d->insn, 1, false, off, k);
			return 1;
		}
		if (jit_amo(d)) {
			/* reads x[rs1] and x[rs2], writes x[rd]: through h->x */
			jit_call_insn(t, jit_amo(d), (uint32_t)d->imm, 1 | 2, true, off, k);
			return 1;
		}
		if (rv_jit_csr_can((uint32_t)d->imm)) {
			jit_csr(t, (uint32_t)d->imm, off, k);
			return 1;
		}
		x86_lock_or0(b, X86_RBX, (int32_t)offsetof(struct rv_hart, fence_word));
		return 1;
	case RV_DOP_FLW:
	case RV_DOP_FLD:
	case RV_DOP_FSW:
	case RV_DOP_FSD: {
		bool dbl = op == RV_DOP_FLD || op == RV_DOP_FSD, store = op >= RV_DOP_FSW;

		jit_fs_check(t, off, k);
		jit_addr(t, d->rs1, imm);
		jit_tlb(t, store ? X86_R15 : X86_R14, dbl ? 8 : 4, off, k);
		if (store) {
			x86_mov_load(b, X86_RDX, X86_RBX, FOFF(d->rs2));
			x86_store(b, dbl ? 8 : 4, X86_RAX, 0, X86_RDX);
			return 1;
		}
		x86_load(b, dbl ? X86_LD_64 : X86_LD_U32, X86_RCX, X86_RAX, 0);
		if (!dbl) { /* NaN-boxed */
			x86_mov_imm(b, X86_RDX, 0xffffffff00000000ull);
			x86_alu_rr(b, X86_OR, true, X86_RCX, X86_RDX);
		}
		x86_mov_store(b, X86_RBX, FOFF(d->rd), X86_RCX);
		jit_fs_dirty(t);
		return 1;
	}
	case RV_DOP_FPU: {
		uint32_t insn = d->insn, f5 = insn >> 27;
		/* OP-FP forms that write x[rd] (compares, to-integer, fmv.x/fclass) / read x[rs1].
		 */
		bool opfp = (insn & 0x7f) == 0x53;
		bool xw = opfp && (f5 == 0x14 || f5 == 0x18 || f5 == 0x1c);
		bool xr = opfp && (f5 == 0x1a || f5 == 0x1e);

		if (t->j->fpu_inline && jit_fpu_inline_op(insn)) {
			jit_fpu_inline(t, insn, off, k);
			return 1;
		}
		if (t->j->fpu_inline && jit_fpu_inline_exact(t, insn, off, k))
			return 1;
		jit_call_insn(t, (const void *)jit_fpu_call, insn, xr ? 1 : 0, xw, off, k);
		t->fs_on = t->fs_dirty = true; /* jit_fpu_call checked and set it, or left */
		return 1;
	}
	case RV_DOP_SHIFTS:
		if ((unsigned)d->target == d->rd) {
			jit_shifts_in_place(t, d);
			return 2;
		}
		jit_ld(t, X86_RAX, d->rs1);
		x86_shift_imm(b, X86_SHL, true, X86_RAX, (unsigned)imm & 63);
		jit_st(t, (unsigned)d->target, X86_RAX);
		x86_shift_imm(b, X86_SHR, true, X86_RAX, ((unsigned)imm >> 8) & 63);
		jit_st(t, d->rd, X86_RAX);
		return 2;
	default:
		break;
	}
	if (jit_alu_row(op))
		return jit_alu(t, d, jit_alu_row(op));
	return 0; /* GENERIC but FENCE, STEP, DECODE, PAGE_END: not here */
}

/*
 * A chain exit to a slot this block translated itself (the child loop and
 * the swap of a heapsort, an outer loop around an inner one): jump there
 * inside the block, the registers staying where they are. r12 is made what
 * the block's path would have left at that slot (the code there charges its
 * exits from the block's start): forward, the path here retired no more
 * than the block's length allows, and the code there was emitted with the
 * same FS facts or it is not used; backward, another pass of that part
 * needs the budget: checked like a loop on the start, else the block leaves
 * with pc at the slot. False if the slot is not one of the block's.
 */
static bool jit_inner_jump(struct jit_tr *t, const struct jit_stub *s)
{
	struct x86_buf *b = &t->b;

	for (unsigned i = 0; i < t->nem; i++) {
		unsigned kt = t->em[i].k;

		if (t->em[i].slot != (unsigned)s->pcoff)
			continue;
		if (kt >= s->k) {
			if (t->em[i].fs != s->fs)
				return false;
			if (kt != s->k)
				x86_alu_imm(b, X86_SUB, true, X86_R12, (int32_t)s->k - (int32_t)kt);
			x86_patch_rel32(x86_jmp32(b), t->em[i].at);
			return true;
		}
		x86_alu_imm(b, X86_SUB, true, X86_R12, (int32_t)(s->k - kt));
		x86_patch_rel32(x86_jcc32(b, X86_CC_GE), t->em[i].at);
		if (kt != t->len)
			x86_alu_imm(b, X86_SUB, true, X86_R12, (int32_t)kt - (int32_t)t->len);
		jit_cache_store(t);
		x86_lea(b, X86_RAX, X86_R13, (int32_t)(2u * (unsigned)s->pcoff));
		x86_mov_store(b, X86_RBX, PC_OFF, X86_RAX);
		x86_patch_rel32(x86_jmp32(b), t->j->epilogue);
		return true;
	}
	return false;
}

/* Emit the exit stubs collected while translating the body. */
static void jit_emit_stubs(struct jit_tr *t)
{
	struct x86_buf *b = &t->b;

	for (unsigned i = 0; i < t->nstub; i++) {
		const struct jit_stub *s = &t->stub[i];

		jit_here(t, s->rel);
		if (s->kind == STUB_GUESS) {
			/* the entry's addend (rcx = its index) becomes the guess, and is used */
			x86_mov_load_idx(b, X86_RDX, X86_RCX, X86_R14, (int32_t)s->how + 8);
			x86_mov_store(b, X86_RBX, s->pcoff, X86_RDX);
			x86_patch_rel32(x86_jmp32(b), s->back);
			continue;
		}
		if (s->kind == STUB_REFILL) {
			/* rax = va; the cached registers survive the call (pushed or rbp) */
			int32_t n;

			if (s->va_reg != 0xff)
				x86_mov_rr(b, X86_RAX, (enum x86_reg)s->va_reg);
			n = jit_call_save(t);

			x86_mov_rr(b, X86_RDI, X86_RBX);
			x86_mov_rr(b, X86_RSI, X86_RAX);
			x86_mov_imm(b, X86_RDX, s->how);
			jit_call(t, (const void *)jit_refill);
			jit_call_restore(t, n);
			x86_test_rr(b, true, X86_RAX, X86_RAX);
			if (s->reload || s->restore) {
				uint8_t *fail = x86_jcc32(b, X86_CC_E);

				if (s->restore && s->reload_dst == 0xff) {
					x86_mov_load(b, X86_RDX, X86_RBX, XOFF(s->restore_x));
					x86_store(b, s->restore, X86_RAX, 0, X86_RDX);
				} else if (s->restore) {
					x86_store(b, s->restore, X86_RAX, 0,
						  (enum x86_reg)s->reload_dst);
				} else {
					x86_load(b, (enum x86_load)s->reload_kind,
						 (enum x86_reg)s->reload_dst, X86_RAX, 0);
				}
				x86_patch_rel32(x86_jmp32(b), s->back);
				jit_stub(t, fail, STUB_PC, s->pcoff, s->k, true);
				continue;
			}
			x86_patch_rel32(x86_jcc32(b, X86_CC_NE), s->back);
			jit_exit(t, STUB_PC, s->pcoff, s->k, true); /* emitted later in this loop */
			continue;
		}
		if (s->kind == STUB_CHAIN && (unsigned)s->pcoff == t->start) {
			/* A loop on itself not inlined (jit_loop_back): the same, here. */
			x86_alu_imm(b, X86_SUB, true, X86_R12, (int32_t)s->k);
			x86_patch_rel32(x86_jcc32(b, X86_CC_GE), t->body);
		}
		if (s->kind == STUB_LOOP_OUT ||
		    (s->kind == STUB_CHAIN && (unsigned)s->pcoff == t->start)) {
			x86_alu_imm(b, X86_ADD, true, X86_R12, (int32_t)t->len); /* unbiased */
			jit_cache_store(t);
			x86_lea(b, X86_RAX, X86_R13, (int32_t)(2u * t->start));
			x86_mov_store(b, X86_RBX, PC_OFF, X86_RAX);
			x86_patch_rel32(x86_jmp32(b), t->j->epilogue);
			continue;
		}
		/* r12 is biased by the block's length (jit_translate_once): charge k, unbias */
		if (s->kind == STUB_CHAIN && jit_inner_jump(t, s))
			continue;
		if (s->k != t->len)
			x86_alu_imm(b, X86_SUB, true, X86_R12, (int32_t)s->k - (int32_t)t->len);
		if (s->kind == STUB_CHAIN) {
			unsigned slot = (unsigned)s->pcoff;
			const void *next = t->jp->s[slot].entry;
			uint8_t *miss;

			jit_cache_store(t);
			if (next) { /* same page, same generation: they die together */
				x86_patch_rel32(x86_jmp32(b), jit_rx_to_rw(t->j, next));
				continue;
			}
			/*
			 * Not translated yet: a jmp to the next instruction, pointed at the
			 * block once it exists (jit_patch_chains); until then look at the
			 * page's table when we get here.
			 */
			if (t->npend < JIT_MAX_STUBS) {
				uint8_t *rel = x86_jmp32(b);

				x86_patch_rel32(rel, b->p);
				t->pend[t->npend].rel = rel;
				t->pend[t->npend++].slot = (uint16_t)slot;
			}
			x86_mov_imm(b, X86_RAX, (uint64_t)(uintptr_t)&t->jp->s[slot].entry);
			x86_mov_load(b, X86_RAX, X86_RAX, 0);
			x86_test_rr(b, true, X86_RAX, X86_RAX);
			miss = x86_jcc32(b, X86_CC_E);
			x86_jmp_reg(b, X86_RAX);
			jit_here(t, miss);
			x86_lea(b, X86_RAX, X86_R13, (int32_t)(2u * slot));
		} else {
			if (!s->no_wb)
				jit_cache_store(t);
			x86_lea(b, X86_RAX, X86_R13, s->pcoff);
			if (!s->slow && !s->leave) /* a jump to another page */
				jit_far(t);
		}
		x86_mov_store(b, X86_RBX, PC_OFF, X86_RAX);
		if (s->slow)
			x86_store_imm32(b, X86_RBX, SLOW_OFF, 1);
		x86_patch_rel32(x86_jmp32(b), t->j->epilogue);
	}
}

/* exec.c sets a slot's handler when it decodes it (dcache.h). */
static bool jit_decoded(const struct rv_dinsn *d)
{
	return d->fn != NULL;
}

/* Operations jit_insn translates (everything else ends the block before it). */
static bool jit_can(const struct rv_dinsn *d)
{
	unsigned op = d->op;

	if (jit_alu_row(op) || jit_mem_kind(op) || jit_fence(d) || jit_amo(d) || jit_cbo(d) ||
	    (op == RV_DOP_GENERIC && rv_jit_csr_can((uint32_t)d->imm)))
		return true;
	switch (op) {
	case RV_DOP_FLW:
	case RV_DOP_FLD:
	case RV_DOP_FSW:
	case RV_DOP_FSD:
	case RV_DOP_FPU:
	case RV_DOP_NOP:
#define JIT_JUMP_CAN(n, ...) case RV_DOP_##n:
		RV_INSN_JUMP(JIT_JUMP_CAN)
#undef JIT_JUMP_CAN
		return true;
	default: /* the fused pairs (the add+access ones are jit_mem_kind's) */
		return op == RV_DOP_ZEXTW || op == RV_DOP_LI || op == RV_DOP_SHIFTS;
	}
}

/*
 * The slot at `slot` as exec.c would run it: decoded already, or decoded
 * now into *tmp (the page keeps it undecoded; exec.c decodes it when it
 * gets there). A block no longer ends at code exec.c has not reached yet,
 * such as the fall-through of a branch that was always taken so far.
 */
static const struct rv_dinsn *jit_slot(const struct rv_hart *h, const struct rv_dpage *dp,
				       unsigned slot, struct rv_dinsn *tmp)
{
	const struct rv_dinsn *d = &dp->slot[slot];

	if (jit_decoded(d))
		return d;
	rv_dcache_decode_into(h, dp, slot, tmp);
	return tmp;
}

/*
 * Back the code cache ahead of emission, JIT_POPULATE bytes at a time, in
 * both views: one madvise each instead of a host page fault per 4 KiB in
 * each view (a Debian boot emits 18 MiB: 9,000 faults, costly in a
 * virtualized host). Only an optimization: without MADV_POPULATE_* (Linux
 * before 5.14) the pages fault in as before.
 */
#define JIT_POPULATE (256u << 10)
static void jit_populate(struct rv_jit *j)
{
#if defined(MADV_POPULATE_WRITE) && defined(MADV_POPULATE_READ)
	size_t n;

	if (j->used + JIT_POPULATE / 2 <= j->populated || j->populated >= j->size)
		return;
	/*
	 * Growing steps (16 KiB, then as much as is backed, up to JIT_POPULATE):
	 * a small guest's few blocks need not back 2 x 256 KiB (a third of
	 * creating and running a tiny VM, which translates a loop or two).
	 */
	n = j->populated < (16u << 10) ? (16u << 10) : j->populated;
	if (n > JIT_POPULATE)
		n = JIT_POPULATE;
	if (n > j->size - j->populated)
		n = j->size - j->populated;
	madvise(j->rw + j->populated, n, MADV_POPULATE_WRITE);
	madvise(j->rx + j->populated, n, MADV_POPULATE_READ);
	j->populated += n;
#else
	(void)j;
#endif
}

static void jit_page_sync(struct rv_jit *j, struct rv_dpage *dp)
{
	if (dp->jit_gen != j->gen) {
		memset(dp->jit->s, 0, sizeof(dp->jit->s));
		dp->jit->npatch = 0; /* the blocks they were in are unreachable now */
		dp->jit_gen = j->gen;
	}
}

/*
 * The operand fields an operation reads or writes, as a bit mask (1 = rs1,
 * 2 = rs2, 4 = rd, 8 = target): predecode.c fills every field from the raw
 * bits, so an immediate operation's "rs2" is noise that must not win a host
 * register.
 */
static unsigned jit_fields(unsigned op)
{
	switch (op) {
	case RV_DOP_NOP:
	case RV_DOP_GENERIC: /* FENCE, and the A extension's operands through memory */
	case RV_DOP_FPU:     /* integer operands through memory (jit_insn) */
		return 0;
	case RV_DOP_FLW:
	case RV_DOP_FLD:
	case RV_DOP_FSW:
	case RV_DOP_FSD: /* rd / rs2 are f registers */
		return 1;
	case RV_DOP_LUI:
	case RV_DOP_LI:
	case RV_DOP_AUIPC:
	case RV_DOP_JAL:
		return 4;
	case RV_DOP_ZEXTW:
		return 1 | 4;
	case RV_DOP_SHIFTS:
		return 1 | 4 | 8;
	default:
		break;
	}
	switch (jit_mem_kind(op)) {
	case JM_BRANCH:
	case JM_STORE:
		return 1 | 2;
	case JM_LOAD:
		return 1 | 4;
	case JM_ADD_LOAD:
	case JM_ADD_STORE:
		return 1 | 2 | 4 | 8;
	default:
		break;
	}
	if (op == RV_DOP_JALR)
		return 1 | 4;
	if (jit_alu_row(op) && jit_alu_rows[op].b != JIT_B_REG)
		return 1 | 4; /* an ALU row with an immediate (or no) second operand */
	return 1 | 2 | 4;     /* the register-register ALU operations */
}

/* addi/addiw rd, rd, imm: an induction variable's step (its loads do not guess, jit_tlb). */
static bool jit_induction(const struct rv_dinsn *d)
{
	const struct jit_alu_row *r = jit_alu_row(d->op);

	return r && r->kind == JK_ALU && r->op == X86_ADD && r->b == JIT_B_IMM && d->rd == d->rs1;
}

/*
 * Choose the guest registers to keep in host registers: the most used ones
 * over the slots the block will cover (the same walk as the translation),
 * counting only the fields each operation uses.
 */
static void jit_choose_cache(struct jit_tr *t, const struct rv_hart *h, const struct rv_dpage *dp)
{
	unsigned uses[33] = {0}, slot = t->start, k = 0, n = 0, loop_end = 0;
	/* per instruction: the registers of its fields (0 = none), for the weighting below */
	uint8_t regs[JIT_MAX_INSNS][4];

	memset(t->cache_of, 0, sizeof(t->cache_of));
	memset(t->computed, 0, sizeof(t->computed));
	t->ntgt = 0;
	t->ncached = 0;
	while (slot < RV_DPAGE_SLOTS && k + 2 <= JIT_MAX_INSNS) {
		struct rv_dinsn tmp;
		const struct rv_dinsn *d = jit_slot(h, dp, slot, &tmp);
		unsigned f;

		if (!jit_can(d))
			break;
		f = jit_fields(d->op);
		regs[n][0] = f & 1 ? d->rs1 : 0;
		regs[n][1] = f & 2 ? d->rs2 : 0;
		regs[n][2] = (f & 4) && d->rd < 32 ? d->rd : 0;
		regs[n][3] = (f & 8) && d->target > 0 && d->target < 32 ? (uint8_t)d->target : 0;
		if ((f & 4) && d->rd < 32 && !jit_induction(d))
			t->computed[d->rd] = true;
		if ((f & 8) && d->target > 0 && d->target < 32)
			t->computed[d->target] = true;
		if ((jit_mem_kind(d->op) == JM_BRANCH || d->op == RV_DOP_JAL) && d->target >= 0 &&
		    t->ntgt < JIT_MAX_INSNS)
			t->tgt[t->ntgt++] = (uint16_t)d->target;
		/* a branch or jal back to the start: everything up to here is a loop body */
		if ((jit_mem_kind(d->op) == JM_BRANCH || d->op == RV_DOP_JAL) &&
		    d->target == (int32_t)t->start)
			loop_end = n + 1;
		n++;
		k += d->op >= RV_DOP_ZEXTW ? 2u : 1u; /* as jit_insn counts: fused pairs are two */
		if (d->op == RV_DOP_JAL || d->op == RV_DOP_JALR)
			break;
		slot += d->step;
	}
	/*
	 * A use inside a loop on the block's start counts eight times one after
	 * it: the tail runs once per loop exit (a sieve's inner loop kept its
	 * stored value in memory for the outer loop's registers).
	 */
	for (unsigned i = 0; i < n; i++)
		for (unsigned f = 0; f < 4; f++)
			uses[regs[i][f]] += i < loop_end ? 8u : 1u;
	uses[0] = 0;
	while (t->ncached < JIT_NCACHE) {
		unsigned best = 0;

		for (unsigned r = 1; r < 32; r++)
			if (!t->cache_of[r] && uses[r] > uses[best])
				best = r;
		if (!uses[best])
			break;
		t->dirty[t->ncached] = false; /* set by whatever writes it (jit_st & co.) */
		t->cached[t->ncached++] = (uint8_t)best;
		t->cache_of[best] = (uint8_t)t->ncached;
	}
}

/*
 * The block just emitted made it into the cache: its chain exits to slots
 * without a block join the page's list (the ones that do not fit stay
 * lookups).
 */
static void jit_pend_commit(struct jit_tr *t)
{
	for (unsigned i = 0; i < t->npend && t->jp->npatch < RV_JIT_PATCHES; i++) {
		struct rv_jit_patch *p = &t->jp->patch[t->jp->npatch++];

		p->at = (uint32_t)(t->pend[i].rel - t->j->rw);
		p->slot = t->pend[i].slot;
	}
}

/*
 * Slot `slot` of the page got its block `code`: every chain exit of the
 * page's blocks waiting for it becomes a direct jump (through the RW view;
 * this hart's thread is the only one running its cache's code, and it is
 * here, not in a block).
 */
static void jit_patch_chains(struct rv_jit *j, struct rv_jit_page *jp, unsigned slot,
			     const void *code)
{
	for (unsigned i = 0; i < jp->npatch;) {
		if (jp->patch[i].slot != slot) {
			i++;
			continue;
		}
		x86_patch_rel32(j->rw + jp->patch[i].at, jit_rx_to_rw(j, code));
		j->stats.patched++;
		jp->patch[i] = jp->patch[--jp->npatch];
	}
}

/* One attempt at the block at `start` into the free part of the cache; NULL if it did not fit. */
static const void *jit_translate_once(struct rv_hart *h, struct rv_dpage *dp, unsigned start,
				      unsigned *ninsns)
{
	struct rv_jit *j = h->jit;
	struct jit_tr *t = j->tr;
	unsigned slot = start, k = 0;
	uint8_t *check_imm;
	bool end = false;

	t->j = j;
	t->jp = dp->jit;
	t->start = start;
	t->nstub = 0;
	t->npend = 0;
	t->nem = 0;
	jit_sx_forget(t);
	t->len = 0;
	t->fs_on = t->fs_dirty = false;
	jit_choose_cache(t, h, dp);
	jit_populate(j);
	x86_init(&t->b, j->rw + j->used, j->size - j->used);
	t->check = t->b.p;
	/*
	 * sub r12, imm32 (the length, patched below); jl -> leave with nothing
	 * done. Inside the block r12 is biased by the length (the instructions
	 * the batch may start after this block's): a loop on the block's start
	 * charges its path and tests the sign (jit_loop_back), and every exit
	 * charges what its path retired minus the length.
	 */
	x86_byte(&t->b, 0x49);
	x86_byte(&t->b, 0x81);
	x86_byte(&t->b, 0xec);
	check_imm = t->b.p;
	x86_u32(&t->b, 0);
	jit_stub(t, x86_jcc32(&t->b, X86_CC_L), STUB_PC, (int32_t)(2u * start), 0, true);
	t->stub[t->nstub - 1].no_wb = true;
	jit_cache_load(t);
	t->body = t->b.p;
	while (!end) {
		struct rv_dinsn tmp;
		const struct rv_dinsn *d =
		    slot < RV_DPAGE_SLOTS ? jit_slot(h, dp, slot, &tmp) : &dp->slot[slot];
		unsigned n = 0;

		if (slot < RV_DPAGE_SLOTS && jit_can(d) && k + 2 <= JIT_MAX_INSNS) {
			t->em[t->nem].at = t->b.p;
			t->em[t->nem].slot = (uint16_t)slot;
			t->em[t->nem].k = (uint8_t)k;
			t->em[t->nem++].fs = (uint8_t)(t->fs_on | t->fs_dirty << 1);
			jit_sx_merge(t, slot);
			n = jit_insn(t, d, slot, k, &end);
			if (n)
				jit_sx_update(t, d);
		}
		if (!n) {
			/* Untranslatable (slow: the interpreter runs it), or long enough (chain
			 * on). */
			bool slow = slot < RV_DPAGE_SLOTS && k + 2 <= JIT_MAX_INSNS;

			if (k == 0)
				return NULL;
			jit_exit_slot(t, slot, k, slow);
			break;
		}
		k += n;
		slot += d->step;
	}
	if (t->b.full)
		return NULL;
	t->len = k;
	memcpy(check_imm, &k, 4);
	jit_emit_stubs(t);
	if (t->b.full)
		return NULL;
	*ninsns = k;
	jit_pend_commit(t);
	j->stats.code_bytes += (uint64_t)(t->b.p - t->check);
	j->used = (size_t)(t->b.p - j->rw + 15) & ~(size_t)15;
	return jit_rw_to_rx(j, t->check);
}

/*
 * The thread's CPU time, for the translation-time counter: only with
 * AXVM_JIT_STATS=1 (j->profile), since CLOCK_THREAD_CPUTIME_ID is a real
 * system call (no vDSO): two per block were 24,000 of a Debian boot's
 * system calls, each a trap in a paravirtualized host.
 */
static uint64_t jit_now_ns(const struct rv_jit *j)
{
	struct timespec ts;

	if (!j->profile)
		return 0;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); /* CPU time: not the waits of a busy host */
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * Translate the block at `start` of dp; when the cache is full, empty it
 * (every page's table goes stale by generation) and try once more.
 */
static const void *jit_translate(struct rv_hart *h, struct rv_dpage *dp, unsigned start,
				 uint64_t page_va)
{
	struct rv_jit *j = h->jit;
	uint64_t t0 = jit_now_ns(j);
	unsigned n = 0;
	const void *code = jit_translate_once(h, dp, start, &n);

	if (!code && j->tr->b.full && j->used > j->keep) {
		j->gen++;
		j->used = j->keep;
		j->stats.flushes++;
		jit_page_sync(j, dp);
		code = jit_translate_once(h, dp, start, &n);
	}
	j->stats.translate_ns += jit_now_ns(j) - t0;
	if (code) {
		j->stats.blocks++;
		j->stats.guest_insns += n;
		if (j->perfmap >= 0)
			jit_perfmap_add(j, code, (size_t)(j->rx + j->used - (const uint8_t *)code),
					page_va + 2u * start);
	}
	return code;
}

#define EXEC_PROFILE(c) __builtin_expect(!!(c), 0)

/* AXVM_JIT_STATS=1: which operation made the block leave for the interpreter. */
static void jit_profile_exit(struct rv_hart *h)
{
	uint64_t pc = h->pc;
	unsigned idx = (pc >> 12) & (RV_TLB_SIZE - 1);
	const struct rv_dpage *dp = h->tlb.xd[h->priv][idx];
	const struct rv_dinsn *d;

	if (!dp || h->tlb.e[h->priv][RV_ACC_X][idx].tag != (pc & ~RV_PAGE_MASK))
		return;
	d = &dp->slot[(pc & RV_PAGE_MASK) >> 1];
	h->jit->stats.slow_exit_op[d->op]++;
	if (d->op == RV_DOP_GENERIC) {
		uint32_t insn = (uint32_t)d->imm;

		h->jit->stats.slow_exit_generic[insn & 127]++;
		if ((insn & 127) == 0x73 && ((insn >> 12) & 3))
			h->jit->stats.slow_exit_csr[insn >> 20]++;
	}
}

bool rv_jit_try(struct rv_hart *h, struct rv_dpage *dp, unsigned slot, uint64_t page_va,
		int64_t *left, bool counted)
{
	struct rv_jit *j = h->jit;
	struct rv_jit_page *jp = dp->jit;
	const void *code;
	int64_t after, give;

	/*
	 * Misaligned accesses must reach interp.c (FWFT delegates them to the
	 * guest, or the PMU counts them): translated loads and stores do not
	 * test alignment, so run interpreted meanwhile. Only an SBI call
	 * changes the flag, and no block holds an ecall: checking here suffices.
	 */
	j->stats.asks++;
	if (h->sbi.misaligned_slow)
		return false;
	code = NULL;
	if (jp) {
		jit_page_sync(j, dp);
		code = jp->s[slot].entry;
	}
	if (!code) {
		/* The slot's own count first, as exec.c keeps it (rv_dinsn.hot). */
		if (!counted && dp->slot[slot].hot < j->slot_hot) {
			dp->slot[slot].hot++;
			return false;
		}
		/*
		 * The page's table (32 KiB) only once a slot is this hot: a Debian
		 * boot enters 3,900 pages, and most never get a block.
		 */
		if (!jp) {
			/*
			 * Zeroed already: current without jit_page_sync's memset, which
			 * would fault in all 32 KiB of fresh memory (most of a Debian
			 * boot's host page faults) where a page uses a few entries.
			 */
			jp = dp->jit = rv_dcache_new_jit_page(&h->dc);
			if (!jp)
				return false;
			dp->jit_gen = j->gen;
		}
		if (jp->s[slot].count == JIT_NEVER || ++jp->s[slot].count < j->hot - j->slot_hot)
			return false;
		if (!jit_decoded(&dp->slot[slot])) {
			jp->s[slot]
			    .count--; /* not decoded yet (first visit): try at the next one */
			return false;
		}
		code = jit_translate(h, dp, slot, page_va);
		if (!code) {
			jp->s[slot].count = JIT_NEVER;
			j->stats.failed++;
			return false;
		}
		jp->s[slot].entry = code;
		jit_patch_chains(j, jp, slot, code);
	}
	h->jit_exit_slow = 0;
	h->jit_xd = h->tlb.xd[h->priv];
	j->stats.runs++;
	/*
	 * A batch whose end need not be exact lends the block the slack: the
	 * block that does not fit the rest of the batch runs anyway (one pass
	 * at most, as every chain and loop back checks the budget), instead of
	 * running interpreted to the exact end and its successor starting
	 * interpreted mid-block in the next batch. A Debian boot interpreted
	 * 30 million instructions fewer.
	 */
	give = *left + h->batch_slack;
	after = j->enter(h, give, page_va, code, h->tlb.e[h->priv][RV_ACC_R],
			 h->tlb.e[h->priv][RV_ACC_W]);
	if (after == give)
		return false; /* the budget did not cover it: nothing ran, pc unchanged */
	j->stats.insns += (uint64_t)(give - after);
	*left = after - h->batch_slack;
	if (EXEC_PROFILE(j->profile) && h->jit_exit_slow)
		jit_profile_exit(h);
	return true;
}

#else /* not x86-64 Linux: the interpreter only */

struct rv_jit {
	struct rv_jit_stats stats;
};

bool rv_jit_supported(void)
{
	return false;
}

struct rv_jit *rv_jit_create(size_t cache_size)
{
	(void)cache_size;
	return NULL;
}

void rv_jit_destroy(struct rv_jit *j)
{
	(void)j;
}

const struct rv_jit_stats *rv_jit_stats(const struct rv_jit *j)
{
	return &j->stats;
}

unsigned rv_jit_slot_hot(const struct rv_jit *j)
{
	(void)j;
	return 0;
}

bool rv_jit_try(struct rv_hart *h, struct rv_dpage *dp, unsigned slot, uint64_t page_va,
		int64_t *left, bool counted)
{
	(void)h;
	(void)dp;
	(void)slot;
	(void)page_va;
	(void)left;
	(void)counted;
	return false;
}

#endif
