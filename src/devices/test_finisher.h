/* SPDX-License-Identifier: MIT */
/*
 * The SiFive test finisher (sifive,test0): a guest writes one word to end
 * the VM (see test_finisher.c). Register it with axvm_test_finisher_ops,
 * 32-bit accesses, over AXVM_TEST_FINISHER_MMIO_SIZE.
 *
 * Threads: the ops are safe from any thread; the callback runs on the
 * writing vCPU's thread.
 */
#ifndef AXVM_DEVICES_TEST_FINISHER_H
#define AXVM_DEVICES_TEST_FINISHER_H

#include <axvm/device.h>
#include <axvm/exit.h>

#define AXVM_TEST_FINISHER_MMIO_SIZE 0x1000
#define AXVM_TEST_FINISHER_FAIL 0x3333
#define AXVM_TEST_FINISHER_PASS 0x5555
#define AXVM_TEST_FINISHER_RESET 0x7777

struct axvm_test_finisher;

/*
 * fn gets type POWEROFF with an exit status (0 for pass; for fail the code's
 * low 8 bits, or 1 if those are 0: never 0) or COLD_REBOOT.
 */
int axvm_test_finisher_create(void (*fn)(void *opaque, enum axvm_system_down_type type, int status),
			      void *opaque, struct axvm_test_finisher **out);
void axvm_test_finisher_destroy(struct axvm_test_finisher *tf);

extern const struct axvm_device_ops axvm_test_finisher_ops;

#endif
