/* SPDX-License-Identifier: MIT */
/*
 * SiFive test finisher (compatible "sifive,test0"), as QEMU's sifive_test
 * device. One 32-bit register at offset 0, write-only (reads return 0):
 *
 *   bits 15:0   command: 0x3333 FAIL, 0x5555 PASS, 0x7777 RESET
 *   bits 31:16  exit code for FAIL
 *
 * PASS ends the VM with status 0, FAIL with a non-zero status made from the
 * code (test_finisher_fail_status), RESET asks for a cold reboot; any other
 * command is ignored. Linux drives it through the syscon-poweroff (0x5555)
 * and syscon-reboot (0x7777) nodes.
 */
#include "test_finisher.h"

#include <libfdt.h>
#include <stdlib.h>

#include "core/error.h"
#include "devclass.h"

struct axvm_test_finisher {
	void (*fn)(void *opaque, enum axvm_system_down_type type, int status);
	void *opaque;
};

static int test_finisher_read(void *opaque, uint64_t offset, unsigned width, uint64_t *value)
{
	*value = 0;
	return 0;
}

/*
 * The status is a process exit status, 8 bits: the code's low byte, as
 * exit(3) and QEMU keep it, except that a low byte of 0 (code 0, 256, ...)
 * becomes 1. A failing guest must never exit 0, where QEMU lets it.
 */
static int test_finisher_fail_status(uint32_t code)
{
	return (code & 0xff) ? (int)(code & 0xff) : 1;
}

static int test_finisher_write(void *opaque, uint64_t offset, unsigned width, uint64_t value)
{
	struct axvm_test_finisher *tf = opaque;
	uint32_t cmd = (uint32_t)value & 0xffff;
	uint32_t code = ((uint32_t)value >> 16) & 0xffff;

	if (offset != 0 || !tf->fn)
		return 0;
	switch (cmd) {
	case AXVM_TEST_FINISHER_PASS:
		tf->fn(tf->opaque, AXVM_SYSTEM_DOWN_POWEROFF, 0);
		break;
	case AXVM_TEST_FINISHER_FAIL:
		tf->fn(tf->opaque, AXVM_SYSTEM_DOWN_POWEROFF, test_finisher_fail_status(code));
		break;
	case AXVM_TEST_FINISHER_RESET:
		tf->fn(tf->opaque, AXVM_SYSTEM_DOWN_COLD_REBOOT, 0);
		break;
	default:
		break;
	}
	return 0;
}

const struct axvm_device_ops axvm_test_finisher_ops = {
    .read = test_finisher_read,
    .write = test_finisher_write,
};

int axvm_test_finisher_create(void (*fn)(void *opaque, enum axvm_system_down_type type, int status),
			      void *opaque, struct axvm_test_finisher **out)
{
	struct axvm_test_finisher *tf;

	*out = NULL;
	tf = calloc(1, sizeof(*tf));
	if (!tf)
		return -AXVM_ENOMEM;
	tf->fn = fn;
	tf->opaque = opaque;
	*out = tf;
	return 0;
}

void axvm_test_finisher_destroy(struct axvm_test_finisher *tf)
{
	free(tf);
}

/* ---- the device class: the board's power-off and reboot switch ---- */

static int test_finisher_class_create(const struct axvm_devclass_ctx *ctx, void **state)
{
	struct axvm_test_finisher *tf;
	int ret = axvm_devclass_no_options(ctx, axvm_test_finisher_class.name);

	*state = NULL;
	if (ret)
		return ret;
	ret = axvm_test_finisher_create(ctx->system_down, ctx->board, &tf);
	if (ret)
		return axvm_devclass_fail_code(ctx, axvm_test_finisher_class.name, ret);
	*state = tf;
	return 0;
}

static void test_finisher_class_destroy(void *state)
{
	axvm_test_finisher_destroy(state);
}

/* power/reset/syscon-poweroff.yaml and syscon-reboot.yaml: the commands Linux writes. */
static int test_finisher_syscon(void *fdt, const char *name, const char *compat, uint32_t regmap,
				uint32_t value)
{
	int node, ret = axvm_devclass_fdt_root_node(fdt, name, &node);

	if (ret)
		return ret;
	ret = fdt_setprop_u32(fdt, node, "value", value);
	if (ret >= 0)
		ret = fdt_setprop_u32(fdt, node, "offset", 0);
	if (ret >= 0)
		ret = fdt_setprop_u32(fdt, node, "regmap", regmap);
	if (ret >= 0)
		ret = fdt_setprop_string(fdt, node, "compatible", compat);
	return axvm_devclass_fdt_err(ret);
}

/* QEMU virt's test node, a syscon, with /poweroff and /reboot beside /soc. */
static int test_finisher_class_fdt_node(void *state, void *fdt, int parent,
					const struct axvm_devclass_fdt_ctx *f)
{
	static const char *const compat[] = {"sifive,test1", "sifive,test0", "syscon", NULL};
	uint32_t phandle = axvm_devclass_fdt_phandle(f);
	int node, ret;

	ret = axvm_devclass_fdt_subnode(fdt, parent, "test", f->base, &node);
	if (ret)
		return ret;
	ret = axvm_devclass_fdt_err(fdt_setprop_u32(fdt, node, "phandle", phandle));
	if (!ret)
		ret = axvm_devclass_fdt_reg(fdt, node, f->base, f->size);
	if (!ret)
		ret = axvm_devclass_fdt_strlist(fdt, node, "compatible", compat);
	if (!ret)
		ret = test_finisher_syscon(fdt, "poweroff", "syscon-poweroff", phandle,
					   AXVM_TEST_FINISHER_PASS);
	if (!ret)
		ret = test_finisher_syscon(fdt, "reboot", "syscon-reboot", phandle,
					   AXVM_TEST_FINISHER_RESET);
	return ret;
}

const struct axvm_devclass axvm_test_finisher_class = {
    .name = "sifive-test",
    .mmio_size = AXVM_TEST_FINISHER_MMIO_SIZE,
    .min_width = 4,
    .max_width = 4,
    .ops = &axvm_test_finisher_ops,
    .create = test_finisher_class_create,
    .destroy = test_finisher_class_destroy,
    .fdt_node = test_finisher_class_fdt_node,
    .fdt_name = "test",
};
