/* SPDX-License-Identifier: MIT */
/*
 * The smallest useful VM: a config filled in by hand (one RAM region and one
 * emulated-device window with no model behind it), a few hand-encoded
 * riscv64 instructions, and a run loop on vCPU 0 that prints every exit
 * axvm_run_vcpu hands back until the guest powers off (SystemDown) or
 * halts with nothing that could wake it.
 *
 * Because no device model is registered for the window at 0x10000000, the
 * guest's loads and stores there come back to us as MmioRead / MmioWrite
 * exits: this loop is the device. That is the reference design's run loop
 * (axvisor's vmm handles exits the same way).
 *
 * Build: cc -std=c11 minimal.c $(pkg-config --cflags --libs libaxvm)
 * Run:   ./minimal          (exit status 0 when the guest powered off cleanly)
 */
#include <axvm/axvm.h>

#include <inttypes.h>
#include <stdio.h>

#define RAM_BASE 0x80000000ull
#define RAM_SIZE (1ull << 20)
#define PORT_BASE 0x10000000ull /* an MMIO window no device model claims */

/*
 * The guest, assembled by hand (riscv64-unknown-elf-as + objdump). It writes
 * "hi" to the port one byte at a time, reads a 32-bit word back, writes that
 * word + 1, and powers off through SBI System Reset (the VMM serves SBI).
 */
static const uint32_t guest_code[] = {
    0x100002b7, /* lui   t0, 0x10000          t0 = PORT_BASE            */
    0x06800313, /* li    t1, 'h'                                         */
    0x00628023, /* sb    t1, 0(t0)            -> MmioWrite width 1       */
    0x06900313, /* li    t1, 'i'                                         */
    0x00628023, /* sb    t1, 0(t0)            -> MmioWrite width 1       */
    0x0042a603, /* lw    a2, 4(t0)            -> MmioRead width 4, a2    */
    0x00160613, /* addi  a2, a2, 1                                       */
    0x00c2a423, /* sw    a2, 8(t0)            -> MmioWrite width 4       */
    0x535258b7, /* lui   a7, 0x53525                                     */
    0x3548889b, /* addiw a7, a7, 0x354        a7 = SBI EID "SRST"        */
    0x00000813, /* li    a6, 0                FID 0: system_reset        */
    0x00000513, /* li    a0, 0                type 0: shutdown           */
    0x00000593, /* li    a1, 0                reason 0: none             */
    0x00000073, /* ecall                      -> SystemDown              */
};

/* The library logs nothing unless we install a sink. */
static void log_to_stderr(void *opaque, enum axvm_log_level level, const char *msg)
{
	(void)opaque;
	(void)level;
	fprintf(stderr, "axvm: %s\n", msg);
}

/*
 * A load the VMM emulates: the exit says how the value must be extended
 * into the destination register (lb vs lbu, lw vs lwu, and for RV64 "w"
 * instructions a 4-byte register view). axvm_run_vcpu does this itself for
 * reads a registered device answers; here we are the device.
 */
static uint64_t extend(uint64_t v, const struct axvm_exit *e)
{
	unsigned bits = e->mmio_read.width * 8u;

	if (bits < 64) {
		v &= (1ull << bits) - 1;
		if (e->mmio_read.sign_ext && (v >> (bits - 1)) & 1)
			v |= ~0ull << bits;
	}
	if (e->mmio_read.reg_width && e->mmio_read.reg_width < 8)
		v &= (1ull << (e->mmio_read.reg_width * 8u)) - 1;
	return v;
}

int main(void)
{
	struct axvm_config cfg;
	struct axvm *vm = NULL;
	struct axvm_exit exit;
	char text[160];
	int ret, status = 1;

	axvm_log_set_sink(log_to_stderr, NULL);
	axvm_log_set_level(AXVM_LOG_WARN);

	/* 1. Config: defaults (1 vCPU, the riscv64 software hart, the Linux HAL). */
	axvm_config_init(&cfg);
	snprintf(cfg.name, sizeof(cfg.name), "minimal");
	cfg.bsp_entry = cfg.ap_entry = RAM_BASE;
	cfg.regions[cfg.region_count++] = (struct axvm_mem_region){
	    .gpa = RAM_BASE,
	    .size = RAM_SIZE,
	    .flags = AXVM_MEM_READ | AXVM_MEM_WRITE | AXVM_MEM_EXEC,
	    .map_type = AXVM_MAP_ALLOC,
	};
	/* An emulated device with no model: axvm_init maps its page as MMIO. */
	cfg.emu_devices[cfg.emu_device_count++] = (struct axvm_emu_device){
	    .name = "port",
	    .base_gpa = PORT_BASE,
	    .length = 0x1000,
	    .emu_type = AXVM_EMU_DUMMY,
	};

	/* 2. Create (Loading) and init (Loaded: vCPU built, memory mapped). */
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

	/* 3. Load the image into guest RAM, then boot (Running). */
	ret = axvm_write_guest(vm, RAM_BASE, guest_code, sizeof(guest_code));
	if (!ret)
		ret = axvm_boot(vm);
	if (ret) {
		fprintf(stderr, "load/boot: %s\n", axvm_error_message());
		goto out;
	}

	/* 4. The run loop: every exit that comes back is ours to handle. */
	for (;;) {
		struct axvm_vcpu *vcpu = axvm_vcpu(vm, 0);

		ret = axvm_run_vcpu(vm, 0, &exit);
		if (ret) {
			fprintf(stderr, "run: %s (%s)\n", axvm_strerror(ret), axvm_error_message());
			break;
		}
		axvm_exit_format(&exit, text, sizeof(text));
		printf("exit: %s\n", text);

		switch (exit.reason) {
		case AXVM_EXIT_MMIO_WRITE:
			/* The pc is already past the store: just resume. */
			if (exit.mmio_write.addr == PORT_BASE)
				printf("  guest wrote '%c'\n", (char)exit.mmio_write.data);
			continue;
		case AXVM_EXIT_MMIO_READ:
			/* Past the load too: put the value in its register, then resume. */
			axvm_vcpu_set_gpr(vcpu, exit.mmio_read.reg, extend(42, &exit));
			continue;
		case AXVM_EXIT_SYSTEM_DOWN:
			printf("guest powered off (type %d, code %" PRIu64 ")\n",
			       (int)exit.system_down.type, exit.system_down.code);
			status = exit.system_down.code == 0 ? 0 : 1;
			break;
		case AXVM_EXIT_HALT:
			/*
			 * wfi with no interrupt pending. A real VMM sleeps in
			 * axvm_vcpu_wait_for_interrupt and resumes; this VM has
			 * nothing that could ever raise one, so we stop.
			 */
			printf("guest halted\n");
			break;
		case AXVM_EXIT_NOTHING:
			/* Run budget spent or kicked: nothing to do but resume. */
			continue;
		default:
			printf("  unexpected exit, stopping\n");
			break;
		}
		break;
	}
	printf("exits: %" PRIu64 " MmioWrite, %" PRIu64 " MmioRead, %" PRIu64 " SystemDown\n",
	       axvm_exit_count(vm, AXVM_EXIT_MMIO_WRITE), axvm_exit_count(vm, AXVM_EXIT_MMIO_READ),
	       axvm_exit_count(vm, AXVM_EXIT_SYSTEM_DOWN));

	/* 5. Shutdown (Stopped: no vCPU is inside axvm_run_vcpu) and destroy. */
	axvm_shutdown(vm);
	printf("status: %s\n", axvm_status_name(axvm_status(vm)));
out:
	axvm_destroy(vm);
	return ret ? 1 : status;
}
