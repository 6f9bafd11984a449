/* SPDX-License-Identifier: MIT */
/*
 * Host side of guest tests: run a riscv64 guest image (guests/, built into
 * AXVM_GUEST_DIR) and collect what it did.
 *
 * Two ways, the same result:
 *   guest_vm_run_raw()    builds a one-vCPU VM through the public VM API
 *                         (RAM at 0x80000000, the riscv64 software hart, the
 *                         SBI machine for console output), registers its own
 *                         sifive,test0-style finisher at 0x100000, loads the
 *                         ELF and drives vCPU 0 with axvm_run_vcpu,
 *                         handling Halt/Nothing/SendIPI/SystemDown itself.
 *   guest_vm_run_board()  runs the image the way `axvm run -k` does: the
 *                         virt board plus the runtime (one thread per vCPU,
 *                         HSM, device tree), console captured to a file.
 *
 * A guest from guests/lib reports "PASS name" / "FAIL name code" on the SBI
 * console and through the finisher; guest_result_passed() checks both.
 */
#ifndef AXVM_TESTS_GUEST_VM_H
#define AXVM_TESTS_GUEST_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "axvm/exit.h"

#define GUEST_CONSOLE_MAX (64 * 1024)

struct guest_result {
	int error; /* 0, or a negative AXVM_E* if the VM failed to build/run */
	char error_msg[256];
	bool finished;		/* the guest wrote the finisher */
	bool finisher_pass;	/* ... with 0x5555 */
	unsigned finisher_code; /* ... the code of (code << 16) | 0x3333 */
	bool system_down;	/* SBI SRST / legacy shutdown */
	enum axvm_system_down_type down_type;
	uint64_t down_code;
	int status; /* exit status as the CLI would report it */
	bool timed_out;
	uint64_t elapsed_ms;
	uint64_t exits[AXVM_EXIT_REASON_COUNT]; /* raw runner only */
	char console[GUEST_CONSOLE_MAX];
	size_t console_len;
};

/* Full path of a guest image: AXVM_GUEST_DIR "/" name ".elf". */
const char *guest_path(const char *name, char *buf, size_t len);

/* Run `elf` on one vCPU through the VM API (see above). */
int guest_vm_run_raw(const char *elf, uint64_t timeout_ms, struct guest_result *res);

/* Run `elf` on the virt board with the runtime and `cpus` vCPUs. */
int guest_vm_run_board(const char *elf, unsigned cpus, uint64_t timeout_ms,
		       struct guest_result *res);

/* The same with every board option (kernel_path is set to elf; console is the runtime's). */
struct axvm_board_options;
int guest_vm_run_board_opts(const char *elf, const struct axvm_board_options *board,
			    uint64_t timeout_ms, struct guest_result *res);

/* The console holds the line "PASS <name>" and the finisher said pass. */
bool guest_result_passed(const struct guest_result *res, const char *name);
/* The console holds `line` as a whole line. */
bool guest_console_has_line(const struct guest_result *res, const char *line);
/* Print the console (indented) for a failing test's log. */
void guest_result_dump(const struct guest_result *res);

#endif
