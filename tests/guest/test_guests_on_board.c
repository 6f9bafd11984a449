/* SPDX-License-Identifier: MIT */
/*
 * Guests run the way users run them: the virt board and the runtime (the
 * library side of `axvm run -k`), and the CLI binary itself. The ISA suite
 * passes there too, with the generated device tree in a1.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "axvm/board.h"
#include "support/guest_vm.h"
#include "test.h"

static struct guest_result board_res;

static void board_run(const char *name)
{
	char path[512];

	CHECK_INT(0,
		  guest_vm_run_board(guest_path(name, path, sizeof(path)), 1, 10000, &board_res));
	CHECK(guest_result_passed(&board_res, name));
	CHECK_INT(0, board_res.status);
	if (test_failed_now() || getenv("GUEST_VERBOSE"))
		guest_result_dump(&board_res);
}

TEST(board_isa_int_passes)
{
	board_run("isa_int");
}

TEST(board_isa_muldiv_passes)
{
	board_run("isa_muldiv");
}

TEST(board_isa_amo_passes)
{
	board_run("isa_amo");
}

TEST(board_isa_rvc_passes)
{
	board_run("isa_rvc");
}

TEST(board_isa_csr_passes)
{
	board_run("isa_csr");
}

TEST(board_isa_mmu_passes)
{
	board_run("isa_mmu");
}

TEST(board_isa_irq_passes)
{
	board_run("isa_irq");
}

TEST(board_isa_fp_passes)
{
	board_run("isa_fp");
}

TEST(board_sbi_calls_behave)
{
	board_run("sbi");
	CHECK(guest_console_has_line(&board_res, "legacy console: ok"));
	CHECK(guest_console_has_line(&board_res, "  PMU 1 STA 1 SUSP 1 FWFT 1"));
	CHECK(guest_console_has_line(&board_res, "  suspended to RAM and resumed"));
	CHECK(guest_console_has_line(&board_res, "  DBTR 1 SSE 1"));
	CHECK(guest_console_has_line(&board_res, "  DBTR execute and store triggers taken"));
	CHECK(guest_console_has_line(&board_res, "  SSE handler ran, complete resumed"));
}

/*
 * The SBI guest again with the other execution engine than the run's
 * default (AXVM_JIT picks it for every hart created): DBTR's triggers and
 * SSE's delivery and complete go through the run loop either way.
 */
TEST(board_sbi_calls_behave_with_the_other_engine)
{
	const char *was = getenv("AXVM_JIT");
	char saved[8] = "";
	bool jit_now = !(was && was[0] == '0');

	if (was)
		snprintf(saved, sizeof(saved), "%s", was);
	setenv("AXVM_JIT", jit_now ? "0" : "1", 1);
	board_run("sbi");
	if (was)
		setenv("AXVM_JIT", saved, 1);
	else
		unsetenv("AXVM_JIT");
	CHECK(guest_console_has_line(&board_res, "  DBTR execute and store triggers taken"));
	CHECK(guest_console_has_line(&board_res, "  SSE handler ran, complete resumed"));
}

TEST(board_sstc_stimecmp_interrupt_taken)
{
	struct axvm_board_options opts;
	char path[512];

	axvm_board_options_init(&opts);
	opts.cpus = 1;
	opts.sstc = true;
	CHECK_INT(0, guest_vm_run_board_opts(guest_path("isa_irq", path, sizeof(path)), &opts,
					     10000, &board_res));
	CHECK(guest_result_passed(&board_res, "isa_irq"));
	CHECK(guest_console_has_line(&board_res, "  Sstc: stimecmp interrupt taken"));
	if (test_failed_now())
		guest_result_dump(&board_res);
}

TEST(board_without_sstc_stimecmp_is_illegal)
{
	board_run("isa_irq");
	CHECK(guest_console_has_line(&board_res, "  Sstc: absent (stimecmp illegal)"));
}

/* Needs the board's UART and PLIC: board only. */
TEST(board_isa_mmio_passes)
{
	board_run("isa_mmio");
}

TEST(board_failing_guest_status_is_its_code)
{
	char path[512];

	CHECK_INT(0,
		  guest_vm_run_board(guest_path("fail", path, sizeof(path)), 1, 10000, &board_res));
	CHECK_INT(7, board_res.status);
	CHECK(guest_console_has_line(&board_res, "FAIL fail 7"));
	CHECK(!guest_result_passed(&board_res, "fail"));
}

TEST(board_hello_greets_and_powers_off)
{
	char path[512];

	CHECK_INT(
	    0, guest_vm_run_board(guest_path("hello", path, sizeof(path)), 1, 10000, &board_res));
	CHECK(guest_console_has_line(&board_res, "axvm default guest: hello from hart 0"));
	CHECK(guest_console_has_line(&board_res, "self-check: 3 of 3 checks passed"));
	CHECK(guest_console_has_line(&board_res, "powering off"));
	CHECK(!board_res.timed_out);
	CHECK_INT(0, board_res.status);
	if (test_failed_now())
		guest_result_dump(&board_res);
}

/* Run the CLI: `axvm run -k GUEST.ext --timeout 10`; returns its exit status. */
static int cli_run_ext(const char *name, const char *ext, char *out, size_t outlen)
{
	char cmd[1200];
	size_t n = 0;
	FILE *p;
	int st;

	snprintf(cmd, sizeof(cmd), "%s/axvm run -k %s/%s.%s --timeout 10 2>&1 </dev/null",
		 AXVM_BUILD_DIR, AXVM_GUEST_DIR, name, ext);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (n + 1 < outlen && fgets(out + n, (int)(outlen - n), p))
		n += strlen(out + n);
	out[n] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int cli_run(const char *name, char *out, size_t outlen)
{
	return cli_run_ext(name, "elf", out, outlen);
}

TEST(cli_run_hello_exits_zero_with_greeting)
{
	static char out[8192];

	CHECK_INT(0, cli_run("hello", out, sizeof(out)));
	CHECK(strstr(out, "axvm default guest: hello from hart 0\n") != NULL);
	CHECK(strstr(out, "self-check: 3 of 3 checks passed\n") != NULL);
	if (test_failed_now())
		printf("%s", out);
}

TEST(cli_run_hello_flat_binary)
{
	static char out[8192];

	CHECK_INT(0, cli_run_ext("hello", "bin", out, sizeof(out)));
	CHECK(strstr(out, "axvm default guest: hello from hart 0\n") != NULL);
	if (test_failed_now())
		printf("%s", out);
}

TEST(cli_run_failing_guest_exits_with_its_code)
{
	static char out[8192];

	CHECK_INT(7, cli_run("fail", out, sizeof(out)));
	CHECK(strstr(out, "FAIL fail 7\n") != NULL);
}

TEST(cli_run_isa_mmu_exits_zero)
{
	static char out[16384];

	CHECK_INT(0, cli_run("isa_mmu", out, sizeof(out)));
	CHECK(strstr(out, "PASS isa_mmu\n") != NULL);
	if (test_failed_now())
		printf("%s", out);
}
