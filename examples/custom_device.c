/* SPDX-License-Identifier: MIT */
/*
 * A user-defined MMIO device: a counter with a doorbell that raises an
 * interrupt, registered with axvm_register_device and driven by guest code.
 * axvm_run_vcpu routes the guest's accesses to it (no exit reaches main);
 * the device prints every access it sees, which shows the bus's width
 * contract at work.
 *
 * Register map (base 0x10000000, 32-bit registers, little endian):
 *   0x00 COUNTER   R/W  the count
 *   0x04 DOORBELL  W    COUNTER += value, then raise the interrupt; reads 0
 *   0x08 ACK       W    any write lowers the interrupt; reads 0
 *   0x0c ID        R    0x52544e43 ("CNTR")
 * The interrupt is the supervisor external interrupt (SEI) of vCPU 0.
 *
 * The width contract: the device declares min_width = max_width = 4, so its
 * read/write ops only ever see aligned 4-byte accesses at offsets 0, 4, 8,
 * 0xc. The bus adapts the guest's accesses:
 *   lbu 13(s0)  one byte   -> the device sees a 4-byte read at 0xc
 *   sh  4(s0)   two bytes  -> read-modify-write: a 4-byte read at 4, then
 *                             a 4-byte write at 4 (so a register with read
 *                             side effects should not take narrow stores)
 *   ld  0(s0)   eight      -> split: 4-byte reads at 0 and at 4
 *
 * Build: cc -std=c11 custom_device.c $(pkg-config --cflags --libs libaxvm)
 */
#include <axvm/axvm.h>

#include <inttypes.h>
#include <stdio.h>

#define RAM_BASE 0x80000000ull
#define RAM_SIZE (1ull << 20)
#define CNTR_BASE 0x10000000ull
#define CNTR_SIZE 0x10ull

#define CNTR_REG_COUNTER 0x0
#define CNTR_REG_DOORBELL 0x4
#define CNTR_REG_ACK 0x8
#define CNTR_REG_ID 0xc
#define CNTR_ID 0x52544e43u

/* Guest registers the guest leaves its results in (x9, x18..x20). */
#define REG_S1 9
#define REG_S2 18
#define REG_S3 19
#define REG_S4 20

/*
 * The guest (hand-assembled): install a trap handler, enable SEI, poke the
 * device with accesses of every width, power off through SBI SRST. The
 * handler acknowledges the device and counts interrupts in s1.
 */
static const uint32_t guest_code[] = {
    0x00000297, /* 0x00 auipc t0, 0                                       */
    0x05428293, /* 0x04 addi  t0, t0, 0x54     t0 = handler               */
    0x10529073, /* 0x08 csrw  stvec, t0                                   */
    0x20000293, /* 0x0c li    t0, 0x200        SEIE                       */
    0x1042a073, /* 0x10 csrs  sie, t0                                     */
    0x10016073, /* 0x14 csrsi sstatus, 2       SIE: take interrupts       */
    0x10000437, /* 0x18 lui   s0, 0x10000      s0 = CNTR_BASE             */
    0x00000493, /* 0x1c li    s1, 0            interrupts taken           */
    0x00c42903, /* 0x20 lw    s2, 12(s0)       ID                         */
    0x00d44983, /* 0x24 lbu   s3, 13(s0)       ID's byte 1: 'N'           */
    0x00500293, /* 0x28 li    t0, 5                                       */
    0x00542223, /* 0x2c sw    t0, 4(s0)        doorbell 5 -> interrupt    */
    0x00700293, /* 0x30 li    t0, 7                                       */
    0x00541223, /* 0x34 sh    t0, 4(s0)        doorbell 7 -> interrupt    */
    0x00043a03, /* 0x38 ld    s4, 0(s0)        COUNTER | DOORBELL << 32   */
    0x535258b7, /* 0x3c lui   a7, 0x53525                                 */
    0x3548889b, /* 0x40 addiw a7, a7, 0x354    SBI EID "SRST"             */
    0x00000813, /* 0x44 li    a6, 0                                       */
    0x00000513, /* 0x48 li    a0, 0                                       */
    0x00000593, /* 0x4c li    a1, 0                                       */
    0x00000073, /* 0x50 ecall                  power off                  */
    /* handler: */
    0x00100313, /* 0x54 li    t1, 1                                       */
    0x00642423, /* 0x58 sw    t1, 8(s0)        ACK                        */
    0x00148493, /* 0x5c addi  s1, s1, 1                                   */
    0x10200073, /* 0x60 sret                                              */
};

struct cntr {
	struct axvm *vm; /* to find the vCPU to interrupt */
	uint32_t counter;
	unsigned accesses;
	bool released;
};

/*
 * Device ops run on whichever vCPU thread made the access; a device shared
 * by several vCPUs would lock here. This VM has one vCPU.
 */
static int cntr_read(void *opaque, uint64_t offset, unsigned width, uint64_t *value)
{
	struct cntr *c = opaque;

	switch (offset) {
	case CNTR_REG_COUNTER:
		*value = c->counter;
		break;
	case CNTR_REG_ID:
		*value = CNTR_ID;
		break;
	default: /* DOORBELL, ACK: write-only, read as 0 */
		*value = 0;
		break;
	}
	c->accesses++;
	printf("  cntr: read  offset 0x%02" PRIx64 " width %u -> 0x%" PRIx64 "\n", offset, width,
	       *value);
	return 0;
}

static int cntr_write(void *opaque, uint64_t offset, unsigned width, uint64_t value)
{
	struct cntr *c = opaque;
	struct axvm_vcpu *vcpu = axvm_vcpu(c->vm, 0);

	c->accesses++;
	printf("  cntr: write offset 0x%02" PRIx64 " width %u <- 0x%" PRIx64 "\n", offset, width,
	       value);
	switch (offset) {
	case CNTR_REG_COUNTER:
		c->counter = (uint32_t)value;
		return 0;
	case CNTR_REG_DOORBELL:
		c->counter += (uint32_t)value;
		/* Safe from any thread; wakes the vCPU if it sleeps in wfi. */
		return axvm_vcpu_inject_interrupt(vcpu, AXVM_RISCV64_IRQ_SEI);
	case CNTR_REG_ACK:
		return axvm_vcpu_clear_interrupt(vcpu, AXVM_RISCV64_IRQ_SEI);
	default:
		/* ID is read-only: an error here is logged and the store dropped. */
		return -AXVM_EPERM;
	}
}

/*
 * Called when the VM (its bus) is destroyed: where a heap-allocated device
 * would free its state. Ours lives in main, which outlives the VM, because
 * a failed axvm_register_device may or may not have called release already
 * (see docs/embedding.md), so freeing there is not safe.
 */
static void cntr_release(void *opaque)
{
	struct cntr *c = opaque;

	c->released = true;
}

static const struct axvm_device_ops cntr_ops = {
    .read = cntr_read,
    .write = cntr_write,
    .release = cntr_release,
};

static void log_to_stderr(void *opaque, enum axvm_log_level level, const char *msg)
{
	(void)opaque;
	(void)level;
	fprintf(stderr, "axvm: %s\n", msg);
}

int main(void)
{
	struct axvm_config cfg;
	struct axvm *vm = NULL;
	struct axvm_exit exit;
	struct cntr cntr = {0}, *c = &cntr;
	uint64_t s1 = 0, s2 = 0, s3 = 0, s4 = 0;
	char text[160];
	int ret;

	axvm_log_set_sink(log_to_stderr, NULL);
	axvm_log_set_level(AXVM_LOG_WARN);

	axvm_config_init(&cfg);
	cfg.bsp_entry = cfg.ap_entry = RAM_BASE;
	cfg.regions[cfg.region_count++] = (struct axvm_mem_region){
	    .gpa = RAM_BASE,
	    .size = RAM_SIZE,
	    .flags = AXVM_MEM_READ | AXVM_MEM_WRITE | AXVM_MEM_EXEC,
	    .map_type = AXVM_MAP_ALLOC,
	};
	ret = axvm_create(&cfg, &vm);
	if (ret) {
		fprintf(stderr, "axvm_create: %s\n", axvm_strerror(ret));
		return 1;
	}
	ret = axvm_init(vm);
	if (ret) {
		fprintf(stderr, "axvm_init: %s\n", axvm_error_message());
		goto out;
	}

	/* Register the device: after init (its vCPU exists), before boot. */
	c->vm = vm;
	ret = axvm_register_device(vm, AXVM_BUS_MMIO,
				   &(struct axvm_device_desc){
				       .name = "cntr",
				       .base = CNTR_BASE,
				       .size = CNTR_SIZE,
				       .min_width = 4,
				       .max_width = 4,
				       .ops = &cntr_ops,
				       .opaque = c,
				   });
	if (ret) {
		fprintf(stderr, "register: %s\n", axvm_error_message());
		goto out;
	}

	ret = axvm_write_guest(vm, RAM_BASE, guest_code, sizeof(guest_code));
	if (!ret)
		ret = axvm_boot(vm);
	if (ret) {
		fprintf(stderr, "load/boot: %s\n", axvm_error_message());
		goto out;
	}

	/* Device accesses are handled inside; only the poweroff should come back. */
	do {
		ret = axvm_run_vcpu(vm, 0, &exit);
	} while (!ret && exit.reason == AXVM_EXIT_NOTHING);
	if (ret) {
		fprintf(stderr, "run: %s\n", axvm_error_message());
		goto out;
	}
	axvm_exit_format(&exit, text, sizeof(text));
	printf("exit: %s\n", text);

	/* The vCPU is unbound again: its registers may be read from this thread. */
	axvm_vcpu_get_gpr(axvm_vcpu(vm, 0), REG_S1, &s1);
	axvm_vcpu_get_gpr(axvm_vcpu(vm, 0), REG_S2, &s2);
	axvm_vcpu_get_gpr(axvm_vcpu(vm, 0), REG_S3, &s3);
	axvm_vcpu_get_gpr(axvm_vcpu(vm, 0), REG_S4, &s4);
	printf("guest: interrupts taken %" PRIu64 ", id 0x%" PRIx64 ", id byte 1 0x%" PRIx64
	       ", ld 0x%" PRIx64 "\n",
	       s1, s2, s3, s4);
	printf("device: %u accesses, counter %u; MmioRead exits %" PRIu64
	       ", MmioWrite exits %" PRIu64 "\n",
	       c->accesses, c->counter, axvm_exit_count(vm, AXVM_EXIT_MMIO_READ),
	       axvm_exit_count(vm, AXVM_EXIT_MMIO_WRITE));
	if (exit.reason != AXVM_EXIT_SYSTEM_DOWN || s1 != 2 || s2 != CNTR_ID || s3 != 0x4e ||
	    s4 != 12)
		ret = -AXVM_EINVAL;
out:
	axvm_destroy(vm); /* calls cntr_release */
	printf("device released: %s\n", c->released ? "yes" : "no");
	return ret || !c->released ? 1 : 0;
}
