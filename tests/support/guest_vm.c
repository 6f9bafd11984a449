/* SPDX-License-Identifier: MIT */
/* Running guest images for tests: see guest_vm.h. */
#include "guest_vm.h"

#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "arch/riscv64/machine.h"
#include "axvm/axvm.h"
#include "axvm/riscv64.h"
#include "axvm/runtime.h"

#define GUEST_RAM_BASE 0x80000000ull
#define GUEST_RAM_SIZE (128ull << 20)
#define GUEST_FINISHER_BASE 0x100000ull

/* sifive,test0 values (QEMU hw/misc/sifive_test.c) */
#define FINISHER_FAIL 0x3333
#define FINISHER_PASS 0x5555
#define FINISHER_RESET 0x7777

static uint64_t guest_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void guest_set_error(struct guest_result *res, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void guest_set_error(struct guest_result *res, int err, const char *fmt, ...)
{
	va_list ap;

	if (res->error)
		return;
	res->error = err;
	va_start(ap, fmt);
	vsnprintf(res->error_msg, sizeof(res->error_msg), fmt, ap);
	va_end(ap);
}

const char *guest_path(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s.elf", AXVM_GUEST_DIR, name);
	return buf;
}

static void guest_console_append(struct guest_result *res, const uint8_t *buf, size_t len)
{
	size_t room = sizeof(res->console) - 1 - res->console_len;

	if (len > room)
		len = room;
	memcpy(res->console + res->console_len, buf, len);
	res->console_len += len;
	res->console[res->console_len] = '\0';
}

static void guest_console_write(void *opaque, const uint8_t *buf, size_t len)
{
	guest_console_append(opaque, buf, len);
}

/* ---- the raw runner's finisher ---- */
struct guest_finisher {
	struct axvm *vm;
	struct guest_result *res;
};

static int guest_finisher_read(void *opaque, uint64_t offset, unsigned width, uint64_t *value)
{
	*value = 0;
	return 0;
}

static int guest_finisher_write(void *opaque, uint64_t offset, unsigned width, uint64_t value)
{
	struct guest_finisher *f = opaque;
	uint32_t v = (uint32_t)value;

	if (offset != 0)
		return 0;
	switch (v & 0xffff) {
	case FINISHER_PASS:
		f->res->finished = true;
		f->res->finisher_pass = true;
		break;
	case FINISHER_FAIL:
		f->res->finished = true;
		f->res->finisher_code = v >> 16;
		break;
	case FINISHER_RESET:
		f->res->finished = true;
		f->res->finisher_code = FINISHER_RESET;
		break;
	default:
		return 0;
	}
	axvm_shutdown(f->vm);
	return 0;
}

static const struct axvm_device_ops guest_finisher_ops = {
    .read = guest_finisher_read,
    .write = guest_finisher_write,
};

/* ---- ELF64 riscv loading (PT_LOAD segments into guest RAM) ---- */
static int guest_load_elf(struct axvm *vm, const char *path, uint64_t *entry,
			  struct guest_result *res)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *data = NULL;
	long size;
	Elf64_Ehdr eh;
	int ret = -AXVM_EINVAL;

	if (!fp) {
		guest_set_error(res, -AXVM_ENOENT, "%s: %s", path, strerror(errno));
		return -AXVM_ENOENT;
	}
	if (fseek(fp, 0, SEEK_END) || (size = ftell(fp)) < (long)sizeof(eh) ||
	    fseek(fp, 0, SEEK_SET)) {
		guest_set_error(res, -AXVM_EIO, "%s: cannot size the file", path);
		fclose(fp);
		return -AXVM_EIO;
	}
	data = malloc((size_t)size);
	if (!data || fread(data, 1, (size_t)size, fp) != (size_t)size) {
		guest_set_error(res, -AXVM_EIO, "%s: read failed", path);
		goto out;
	}
	memcpy(&eh, data, sizeof(eh));
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_machine != EM_RISCV || eh.e_phentsize != sizeof(Elf64_Phdr) ||
	    eh.e_phoff + (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr) > (uint64_t)size) {
		guest_set_error(res, -AXVM_EINVAL, "%s: not an ELF64 riscv image", path);
		goto out;
	}
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, data + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD || ph.p_filesz == 0)
			continue;
		if (ph.p_offset + ph.p_filesz > (uint64_t)size) {
			guest_set_error(res, -AXVM_EINVAL, "%s: segment %u past end of file", path,
					i);
			goto out;
		}
		ret = axvm_write_guest(vm, ph.p_paddr, data + ph.p_offset, ph.p_filesz);
		if (ret) {
			guest_set_error(res, ret, "%s: segment %u at 0x%llx: %s", path, i,
					(unsigned long long)ph.p_paddr, axvm_strerror(ret));
			goto out;
		}
	}
	*entry = eh.e_entry;
	ret = 0;
out:
	free(data);
	fclose(fp);
	return ret;
}

static uint64_t guest_elf_entry(const char *path)
{
	FILE *fp = fopen(path, "rb");
	Elf64_Ehdr eh;
	uint64_t entry = 0;

	if (fp) {
		if (fread(&eh, sizeof(eh), 1, fp) == 1)
			entry = eh.e_entry;
		fclose(fp);
	}
	return entry;
}

/* ---- the raw runner ---- */
static bool guest_raw_step(struct axvm *vm, struct guest_result *res, uint64_t deadline)
{
	struct axvm_vcpu *vcpu = axvm_vcpu(vm, 0);
	struct axvm_exit exit;
	int ret;

	if (guest_now_ms() > deadline) {
		res->timed_out = true;
		return false;
	}
	ret = axvm_run_vcpu(vm, 0, &exit);
	if (ret == -AXVM_ESHUTDOWN)
		return false; /* the finisher stopped the VM */
	if (ret) {
		guest_set_error(res, ret, "axvm_run_vcpu: %s (%s)", axvm_strerror(ret),
				axvm_error_message());
		return false;
	}
	res->exits[exit.reason]++;
	switch (exit.reason) {
	case AXVM_EXIT_NOTHING:
		return true;
	case AXVM_EXIT_HALT:
		axvm_vcpu_wait_for_interrupt(vcpu, 10 * 1000 * 1000);
		return true;
	case AXVM_EXIT_SEND_IPI:
		axvm_vcpu_inject_interrupt(vcpu, AXVM_RISCV64_IRQ_SSI);
		return true;
	case AXVM_EXIT_HYPERCALL:
		/* an SBI call nobody served: the hart already answered "not supported" */
		return true;
	case AXVM_EXIT_SYSTEM_DOWN:
		res->system_down = true;
		res->down_type = exit.system_down.type;
		res->down_code = exit.system_down.code;
		return false;
	default: {
		char buf[160];

		axvm_exit_format(&exit, buf, sizeof(buf));
		guest_set_error(res, -AXVM_ENOTSUP, "raw runner cannot handle exit %s", buf);
		return false;
	}
	}
}

int guest_vm_run_raw(const char *elf, uint64_t timeout_ms, struct guest_result *res)
{
	const struct axvm_hal *hal = axvm_hal_linux();
	struct axvm_console_sink sink = {.write = guest_console_write, .opaque = res};
	struct axvm_riscv64_config rvcfg = {0};
	struct guest_finisher fin = {0};
	struct axvm_device_desc desc = {0};
	struct axvm_console *con = NULL;
	struct rv_machine *machine = NULL;
	struct axvm_config *cfg;
	struct axvm *vm = NULL;
	uint64_t entry = 0, start = guest_now_ms();
	int ret;

	memset(res, 0, sizeof(*res));
	cfg = calloc(1, sizeof(*cfg));
	if (!cfg)
		return -AXVM_ENOMEM;
	ret = axvm_console_create(&sink, &con);
	if (ret)
		goto out;
	ret = rv_machine_create(1, con, &machine);
	if (ret)
		goto out;
	rvcfg.machine = machine;
	rvcfg.epoch_ns = hal->now_ns(hal->ctx);
	axvm_config_init(cfg);
	snprintf(cfg->name, sizeof(cfg->name), "guest-test");
	cfg->cpu_num = 1;
	cfg->region_count = 1;
	cfg->regions[0].gpa = GUEST_RAM_BASE;
	cfg->regions[0].size = GUEST_RAM_SIZE;
	cfg->regions[0].flags = AXVM_MEM_READ | AXVM_MEM_WRITE | AXVM_MEM_EXEC;
	cfg->regions[0].map_type = AXVM_MAP_ALLOC;
	cfg->bsp_entry = cfg->ap_entry = guest_elf_entry(elf);
	cfg->vcpu_ops = axvm_riscv64_vcpu_ops();
	cfg->vcpu_arch_config = &rvcfg;
	ret = axvm_create(cfg, &vm);
	if (ret) {
		guest_set_error(res, ret, "axvm_create: %s", axvm_strerror(ret));
		goto out;
	}
	ret = axvm_init(vm);
	if (ret) {
		guest_set_error(res, ret, "axvm_init: %s", axvm_error_message());
		goto out;
	}
	ret = rv_machine_attach_vm(machine, vm);
	if (ret) {
		guest_set_error(res, ret, "rv_machine_attach_vm: %s", axvm_strerror(ret));
		goto out;
	}
	fin.vm = vm;
	fin.res = res;
	desc.name = "test-finisher";
	desc.base = GUEST_FINISHER_BASE;
	desc.size = 0x1000;
	desc.min_width = 4;
	desc.max_width = 4;
	desc.ops = &guest_finisher_ops;
	desc.opaque = &fin;
	ret = axvm_register_device(vm, AXVM_BUS_MMIO, &desc);
	if (ret) {
		guest_set_error(res, ret, "finisher: %s", axvm_error_message());
		goto out;
	}
	ret = guest_load_elf(vm, elf, &entry, res);
	if (ret)
		goto out;
	/* a0 = hart id 0, a1 = no device tree */
	axvm_vcpu_set_gpr(axvm_vcpu(vm, 0), 10, 0);
	axvm_vcpu_set_gpr(axvm_vcpu(vm, 0), 11, 0);
	ret = axvm_boot(vm);
	if (ret) {
		guest_set_error(res, ret, "axvm_boot: %s", axvm_error_message());
		goto out;
	}
	while (guest_raw_step(vm, res, start + timeout_ms))
		;
	for (int i = 0; i < AXVM_EXIT_REASON_COUNT; i++)
		res->exits[i] = axvm_exit_count(vm, (enum axvm_exit_reason)i);
	ret = res->error;
out:
	if (res->finished)
		res->status = res->finisher_pass ? 0 : (int)res->finisher_code;
	else if (res->system_down)
		res->status = res->down_code ? 1 : 0;
	else
		res->status = 1;
	res->elapsed_ms = guest_now_ms() - start;
	if (ret && !res->error)
		guest_set_error(res, ret, "%s", axvm_strerror(ret));
	if (vm)
		axvm_destroy(vm);
	if (machine)
		rv_machine_destroy(machine);
	if (con)
		axvm_console_destroy(con);
	free(cfg);
	return ret;
}

/* ---- board + runtime ---- */
int guest_vm_run_board(const char *elf, unsigned cpus, uint64_t timeout_ms,
		       struct guest_result *res)
{
	struct axvm_board_options board;

	axvm_board_options_init(&board);
	board.cpus = cpus;
	return guest_vm_run_board_opts(elf, &board, timeout_ms, res);
}

int guest_vm_run_board_opts(const char *elf, const struct axvm_board_options *board,
			    uint64_t timeout_ms, struct guest_result *res)
{
	struct axvm_runtime_options opts;
	struct axvm_runtime_result rr;
	struct axvm_runtime *rt = NULL;
	char path[] = "/tmp/axvm-guest-console-XXXXXX";
	uint64_t start = guest_now_ms();
	int fd, ret;
	FILE *fp;

	memset(res, 0, sizeof(*res));
	fd = mkstemp(path);
	if (fd < 0) {
		guest_set_error(res, -AXVM_EIO, "mkstemp: %s", strerror(errno));
		return -AXVM_EIO;
	}
	close(fd);
	axvm_runtime_options_init(&opts);
	opts.board = *board;
	opts.board.kernel_path = elf;
	opts.console_path = path;
	opts.console_stdin = false;
	opts.handle_signals = false;
	opts.timeout_ms = timeout_ms;
	opts.max_reboots = 1;
	ret = axvm_runtime_create(&opts, &rt);
	if (ret) {
		guest_set_error(res, ret, "axvm_runtime_create: %s", axvm_strerror(ret));
		goto out;
	}
	ret = axvm_runtime_run(rt, &rr);
	if (ret) {
		guest_set_error(res, ret, "axvm_runtime_run: %s", axvm_runtime_error(rt));
		goto out;
	}
	res->status = rr.status;
	res->timed_out = rr.end == AXVM_RUNTIME_END_TIMEOUT;
	res->system_down = rr.end == AXVM_RUNTIME_END_POWEROFF;
	/* The runtime reports the finisher and SRST alike as a poweroff with a status. */
	res->finished = rr.end == AXVM_RUNTIME_END_POWEROFF;
	res->finisher_pass = res->finished && rr.status == 0;
	res->finisher_code = (unsigned)rr.status;
out:
	if (rt)
		axvm_runtime_destroy(rt);
	fp = fopen(path, "rb");
	if (fp) {
		uint8_t buf[4096];
		size_t n;

		while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
			guest_console_append(res, buf, n);
		fclose(fp);
	}
	unlink(path);
	res->elapsed_ms = guest_now_ms() - start;
	return ret;
}

/* ---- checks ---- */
bool guest_console_has_line(const struct guest_result *res, const char *line)
{
	size_t n = strlen(line);
	const char *p = res->console;

	while ((p = strstr(p, line)) != NULL) {
		bool at_start = p == res->console || p[-1] == '\n';
		char end = p[n];

		if (at_start && (end == '\n' || end == '\r' || end == '\0'))
			return true;
		p += n;
	}
	return false;
}

bool guest_result_passed(const struct guest_result *res, const char *name)
{
	char line[128];

	snprintf(line, sizeof(line), "PASS %s", name);
	return !res->error && !res->timed_out && res->finished && res->finisher_pass &&
	       guest_console_has_line(res, line);
}

void guest_result_dump(const struct guest_result *res)
{
	const char *p = res->console;

	printf("    guest: error=%d (%s) finished=%d pass=%d code=%u system_down=%d "
	       "timed_out=%d status=%d %llu ms\n",
	       res->error, res->error_msg, res->finished, res->finisher_pass, res->finisher_code,
	       res->system_down, res->timed_out, res->status, (unsigned long long)res->elapsed_ms);
	while (*p) {
		const char *nl = strchr(p, '\n');
		int len = nl ? (int)(nl - p) : (int)strlen(p);

		printf("    | %.*s\n", len, p);
		p += len + (nl ? 1 : 0);
	}
}
