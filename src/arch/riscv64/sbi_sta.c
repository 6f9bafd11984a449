/* SPDX-License-Identifier: MIT */
/*
 * SBI Steal-time Accounting extension (EID 0x535441 "STA"; SBI spec v2.0
 * chapter 16):
 *   0 set_shmem(shmem_phys_lo, shmem_phys_hi, flags)
 * The 64-byte record (sequence u32, flags u32, steal u64 ns, preempted u8,
 * padding) is zeroed by set_shmem and brought up to date each time the
 * hart is about to run guest code (rv_hart_run's entry, rv_sbi_sta_update),
 * at most once per STA_PERIOD_NS: sequence goes odd, steal grows, preempted
 * is cleared, sequence goes even again.
 *
 * Steal time is how long this vCPU's host thread was runnable but waiting
 * for a host CPU since set_shmem: the HAL's thread_wait_ns (Linux: the run
 * delay of /proc/thread-self/schedstat). A halted vCPU sleeps in the HAL's
 * wait and is not runnable, so idle time is never steal time, as the spec
 * asks. A host that cannot tell (no thread_wait_ns) has no STA: probe says 0.
 * Nothing is written while the guest does not run (a stopped or suspended
 * hart does not enter run()).
 */
#include "arch/riscv64/gmem.h"
#include "arch/riscv64/hart.h"
#include "arch/riscv64/sbi.h"

enum {
	SBI_STA_SET_SHMEM = 0,
};

#define STA_SIZE 64u
#define STA_OFF_SEQUENCE 0
#define STA_OFF_STEAL 8
#define STA_OFF_PREEMPTED 16
/* A guest tick is >= 1 ms (HZ <= 1000): fresher figures would go unread. */
#define STA_PERIOD_NS 1000000ull

static uint64_t sta_wait_ns(const struct rv_hart *h)
{
	return h->hal->thread_wait_ns ? h->hal->thread_wait_ns(h->hal->ctx) : UINT64_MAX;
}

void rv_sbi_sta_update(struct rv_hart *h)
{
	uint64_t now = h->hal->now_ns(h->hal->ctx), wait, steal, avail;
	uint32_t seq;
	uint8_t zero = 0;
	void *hva;
	uintptr_t p;

	if (now < h->sbi.sta_next_ns)
		return;
	h->sbi.sta_next_ns = now + STA_PERIOD_NS;
	wait = sta_wait_ns(h);
	if (wait == UINT64_MAX || wait < h->sbi.sta_last_wait)
		return;
	/* The record was populated by set_shmem; a guest that remapped it loses updates. */
	if (axvm_addrspace_translate(h->as, h->sbi.sta_gpa, AXVM_ACCESS_WRITE, &hva, &avail,
				     NULL) != 0 ||
	    avail < STA_SIZE)
		return;
	p = (uintptr_t)hva;
	axvm_addrspace_note_write(h->as); /* written below, on this thread (dcache.c) */
	rv_gmem_load(&seq, p + STA_OFF_SEQUENCE, 4);
	seq++;
	seq |= 1; /* odd: an update in progress (even if the guest scribbled on it) */
	rv_gmem_store(p + STA_OFF_SEQUENCE, &seq, 4);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	rv_gmem_load(&steal, p + STA_OFF_STEAL, 8);
	steal += wait - h->sbi.sta_last_wait;
	rv_gmem_store(p + STA_OFF_STEAL, &steal, 8);
	rv_gmem_store(p + STA_OFF_PREEMPTED, &zero, 1);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	seq++;
	rv_gmem_store(p + STA_OFF_SEQUENCE, &seq, 4);
	h->sbi.sta_last_wait = wait;
}

static void sta_set_shmem(struct rv_sbi_call *call)
{
	static const uint8_t zeros[STA_SIZE];
	struct rv_hart *h = call->hart;
	uint64_t lo = call->args[0], hi = call->args[1];
	struct axvm_region_info r;

	if (call->args[2] != 0) {
		call->error = SBI_ERR_INVALID_PARAM;
		return;
	}
	if (lo == UINT64_MAX && hi == UINT64_MAX) {
		h->sbi.sta_gpa = RV_STA_OFF;
		return;
	}
	if (lo % STA_SIZE) {
		call->error = SBI_ERR_INVALID_PARAM;
		return;
	}
	/* RV64: an address needing the high word does not exist. */
	if (hi != 0 || axvm_addrspace_find(h->as, lo, &r) != 0 || r.kind == AXVM_REGION_MMIO ||
	    !(r.flags & AXVM_MEM_WRITE) || r.size - (lo - r.gpa) < STA_SIZE ||
	    axvm_addrspace_write(h->as, lo, zeros, STA_SIZE) != 0) {
		rv_sbi_log_guest(call, "STA set_shmem: not writable RAM");
		call->error = SBI_ERR_INVALID_ADDRESS;
		return;
	}
	h->sbi.sta_gpa = lo;
	h->sbi.sta_last_wait = sta_wait_ns(h);
	if (h->sbi.sta_last_wait == UINT64_MAX)
		h->sbi.sta_last_wait = 0;
	h->sbi.sta_next_ns = 0; /* the next entry into the guest writes the first figure */
}

static long sbi_sta_probe(const struct rv_sbi_call *call)
{
	return call->hart->hal->thread_wait_ns != NULL;
}

static int sbi_sta_handler(struct rv_sbi_call *call)
{
	if (call->fid != SBI_STA_SET_SHMEM) {
		rv_sbi_log_guest(call, "unknown STA function");
		call->error = SBI_ERR_NOT_SUPPORTED;
		return 1;
	}
	sta_set_shmem(call);
	return 1;
}

const struct rv_sbi_ext rv_sbi_ext_sta = {
    .name = "STA",
    .eid_min = SBI_EXT_STA,
    .eid_max = SBI_EXT_STA,
    .probe = sbi_sta_probe,
    .handler = sbi_sta_handler,
};
