/* SPDX-License-Identifier: MIT */
#include <axvm/exit.h>

#include <inttypes.h>
#include <stdio.h>

static const char *const exit_names[AXVM_EXIT_REASON_COUNT] = {
    [AXVM_EXIT_HYPERCALL] = "Hypercall",
    [AXVM_EXIT_MMIO_READ] = "MmioRead",
    [AXVM_EXIT_MMIO_WRITE] = "MmioWrite",
    [AXVM_EXIT_SYSREG_READ] = "SysRegRead",
    [AXVM_EXIT_SYSREG_WRITE] = "SysRegWrite",
    [AXVM_EXIT_IO_READ] = "IoRead",
    [AXVM_EXIT_IO_WRITE] = "IoWrite",
    [AXVM_EXIT_EXTERNAL_INTERRUPT] = "ExternalInterrupt",
    [AXVM_EXIT_NESTED_PAGE_FAULT] = "NestedPageFault",
    [AXVM_EXIT_HALT] = "Halt",
    [AXVM_EXIT_CPU_UP] = "CpuUp",
    [AXVM_EXIT_CPU_DOWN] = "CpuDown",
    [AXVM_EXIT_SYSTEM_DOWN] = "SystemDown",
    [AXVM_EXIT_SEND_IPI] = "SendIPI",
    [AXVM_EXIT_NOTHING] = "Nothing",
    [AXVM_EXIT_FAIL_ENTRY] = "FailEntry",
    [AXVM_EXIT_DEBUG] = "Debug",
};

const char *axvm_exit_reason_name(enum axvm_exit_reason reason)
{
	if ((unsigned)reason >= AXVM_EXIT_REASON_COUNT)
		return "Unknown";
	return exit_names[reason];
}

static const char *exit_access_name(uint32_t flags)
{
	switch (flags) {
	case 1:
		return "read";
	case 2:
		return "write";
	case 4:
		return "exec";
	default:
		return "?";
	}
}

static const char *exit_down_name(enum axvm_system_down_type type)
{
	switch (type) {
	case AXVM_SYSTEM_DOWN_POWEROFF:
		return "poweroff";
	case AXVM_SYSTEM_DOWN_COLD_REBOOT:
		return "cold-reboot";
	case AXVM_SYSTEM_DOWN_WARM_REBOOT:
		return "warm-reboot";
	}
	return "?";
}

int axvm_exit_format(const struct axvm_exit *e, char *buf, size_t len)
{
	const char *name = axvm_exit_reason_name(e->reason);

	switch (e->reason) {
	case AXVM_EXIT_HYPERCALL:
		return snprintf(buf, len,
				"%s nr=0x%" PRIx64 " fid=0x%" PRIx64 " args=[0x%" PRIx64
				", 0x%" PRIx64 ", 0x%" PRIx64 ", 0x%" PRIx64 ", 0x%" PRIx64
				", 0x%" PRIx64 "]",
				name, e->hypercall.nr, e->hypercall.fid, e->hypercall.args[0],
				e->hypercall.args[1], e->hypercall.args[2], e->hypercall.args[3],
				e->hypercall.args[4], e->hypercall.args[5]);
	case AXVM_EXIT_MMIO_READ:
		return snprintf(buf, len,
				"%s addr=0x%" PRIx64 " width=%u reg=x%u reg_width=%u sign_ext=%d",
				name, e->mmio_read.addr, e->mmio_read.width, e->mmio_read.reg,
				e->mmio_read.reg_width, e->mmio_read.sign_ext);
	case AXVM_EXIT_MMIO_WRITE:
		return snprintf(buf, len, "%s addr=0x%" PRIx64 " width=%u data=0x%" PRIx64, name,
				e->mmio_write.addr, e->mmio_write.width, e->mmio_write.data);
	case AXVM_EXIT_SYSREG_READ:
		return snprintf(buf, len, "%s addr=0x%" PRIx64 " reg=x%u", name,
				e->sysreg_read.addr, e->sysreg_read.reg);
	case AXVM_EXIT_SYSREG_WRITE:
		return snprintf(buf, len, "%s addr=0x%" PRIx64 " value=0x%" PRIx64, name,
				e->sysreg_write.addr, e->sysreg_write.value);
	case AXVM_EXIT_IO_READ:
		return snprintf(buf, len, "%s port=0x%x width=%u reg=%u", name, e->io_read.port,
				e->io_read.width, e->io_read.reg);
	case AXVM_EXIT_IO_WRITE:
		return snprintf(buf, len, "%s port=0x%x width=%u data=0x%" PRIx64, name,
				e->io_write.port, e->io_write.width, e->io_write.data);
	case AXVM_EXIT_EXTERNAL_INTERRUPT:
		return snprintf(buf, len, "%s vector=%" PRIu64, name, e->external_interrupt.vector);
	case AXVM_EXIT_NESTED_PAGE_FAULT:
		return snprintf(buf, len, "%s addr=0x%" PRIx64 " access=%s", name,
				e->nested_page_fault.addr,
				exit_access_name(e->nested_page_fault.access_flags));
	case AXVM_EXIT_CPU_UP:
		return snprintf(buf, len,
				"%s target=%" PRIu64 " entry=0x%" PRIx64 " arg=0x%" PRIx64, name,
				e->cpu_up.target_cpu, e->cpu_up.entry_point, e->cpu_up.arg);
	case AXVM_EXIT_CPU_DOWN:
		return snprintf(buf, len, "%s state=%" PRIu64, name, e->cpu_down.state);
	case AXVM_EXIT_SYSTEM_DOWN:
		return snprintf(buf, len, "%s type=%s code=%" PRIu64, name,
				exit_down_name(e->system_down.type), e->system_down.code);
	case AXVM_EXIT_SEND_IPI:
		return snprintf(
		    buf, len,
		    "%s target=%" PRIu64 " aux=0x%" PRIx64 " all=%d self=%d vector=%" PRIu64, name,
		    e->send_ipi.target_cpu, e->send_ipi.target_cpu_aux, e->send_ipi.send_to_all,
		    e->send_ipi.send_to_self, e->send_ipi.vector);
	case AXVM_EXIT_FAIL_ENTRY:
		return snprintf(buf, len, "%s reason=0x%" PRIx64, name, e->fail_entry.reason);
	case AXVM_EXIT_DEBUG:
		return snprintf(buf, len, "%s kind=%u addr=0x%" PRIx64, name, e->debug.kind,
				e->debug.addr);
	case AXVM_EXIT_HALT:
	case AXVM_EXIT_NOTHING:
	case AXVM_EXIT_REASON_COUNT:
		break;
	}
	return snprintf(buf, len, "%s", name);
}
