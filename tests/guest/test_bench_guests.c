/* SPDX-License-Identifier: MIT */
/*
 * The benchmark guests (guests/bench/, timed by `make bench`) compute the
 * right results on our VMM: each runs at its small default size on the virt
 * board + runtime, as `axvm run -k` would, and its BENCH lines must carry
 * the checksums QEMU (virt, OpenSBI) prints for the same binaries. No
 * timing is checked here; only that the counters moved.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/guest_vm.h"
#include "test.h"

static struct guest_result bench_res;

static bool bench_run(const char *name, uint64_t timeout_ms)
{
	char path[512];
	int ret =
	    guest_vm_run_board(guest_path(name, path, sizeof(path)), 1, timeout_ms, &bench_res);

	CHECK_INT(0, ret);
	if (getenv("GUEST_VERBOSE"))
		guest_result_dump(&bench_res);
	return ret == 0;
}

/*
 * The BENCH line of section `section`: its check= value, and whether its
 * insns= and ticks= were nonzero. False if there is no such line.
 */
static bool bench_line(const char *section, uint64_t *check, bool *counted)
{
	char key[64];
	const char *p;
	uint64_t insns = 0, ticks = 0;

	snprintf(key, sizeof(key), "BENCH %s ", section);
	p = strstr(bench_res.console, key);
	if (!p)
		return false;
	if (sscanf(p + strlen(key),
		   "insns=%" SCNu64 " ticks=%" SCNu64 " tb=%*u work=%*u check=%" SCNx64, &insns,
		   &ticks, check) != 3)
		return false;
	*counted = insns > 0 && ticks > 0;
	return true;
}

static void bench_expect(const char *section, uint64_t expected)
{
	uint64_t check = 0;
	bool counted = false;

	CHECK(bench_line(section, &check, &counted));
	CHECK_U64(expected, check);
	CHECK(counted);
	if (test_failed_now())
		guest_result_dump(&bench_res);
}

TEST(bench_int_crc32_sort_sieve_match_qemu)
{
	if (!bench_run("bench_int", 20000))
		return;
	CHECK(guest_result_passed(&bench_res, "bench_int"));
	bench_expect("int.crc32", 0x6de3f071);
	bench_expect("int.sort", 0xa20a70e193511231ull);
	/* pi(2^20) = 82025 primes below 2^20 */
	bench_expect("int.sieve", 82025);
}

TEST(bench_mem_pointer_chase_ends_on_qemus_node)
{
	if (!bench_run("bench_mem", 20000))
		return;
	CHECK(guest_result_passed(&bench_res, "bench_mem"));
	bench_expect("mem.chase", 0x9fed);
}

TEST(bench_fp_matmul_sum_is_bit_exact)
{
	if (!bench_run("bench_fp", 20000))
		return;
	CHECK(guest_result_passed(&bench_res, "bench_fp"));
	bench_expect("fp.matmul", 0x3f68c22989e87d80ull);
}

TEST(bench_trap_makes_64k_ecall_round_trips)
{
	if (!bench_run("bench_trap", 20000))
		return;
	CHECK(guest_result_passed(&bench_res, "bench_trap"));
	/* the handler adds 3 per call */
	bench_expect("trap.ecall", 3 * 65536);
}

TEST(bench_mmio_scratch_register_reads_back_writes)
{
	if (!bench_run("bench_mmio", 20000))
		return;
	CHECK(guest_result_passed(&bench_res, "bench_mmio"));
	/* 16384 writes of (u8)i leave 0xff; 16384 reads of it sum to 0x3fc000 */
	bench_expect("mmio.write", 0xff);
	bench_expect("mmio.read", 0x3fc000);
}

TEST(bench_tiny_powers_off_passing)
{
	if (!bench_run("bench_tiny", 10000))
		return;
	CHECK(guest_result_passed(&bench_res, "bench_tiny"));
	CHECK_INT(0, bench_res.status);
}

TEST(bench_idle_waits_in_wfi_until_stopped)
{
	if (!bench_run("bench_idle", 300))
		return;
	CHECK(guest_console_has_line(&bench_res, "bench_idle: waiting in wfi"));
	CHECK(bench_res.timed_out);
	CHECK(!bench_res.finished);
}
