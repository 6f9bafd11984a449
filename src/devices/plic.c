/* SPDX-License-Identifier: MIT */
/*
 * The platform-level interrupt controller, following the RISC-V PLIC
 * specification (riscv-plic.adoc v1.0.0, "Memory Map" and chapters on
 * gateways, priorities, enables, thresholds and claim/complete), as the
 * SiFive PLIC that QEMU's virt machine provides. All registers are 32 bits:
 *
 *   0x000000 + 4*s            priority of source s (s = 1..1023; 0 reserved)
 *   0x001000 + 4*(s/32)       pending bits, source s at bit s%32 (read-only)
 *   0x002000 + 0x80*c + 4*w   enable bits of context c, sources 32w..32w+31
 *   0x200000 + 0x1000*c       priority threshold of context c
 *   0x200004 + 0x1000*c       claim (read) / complete (write) of context c
 *
 * Priorities and thresholds are WARL 0..7 (3 bits, as QEMU's virt). Priority
 * 0 means "never interrupt". A context's interrupt line is raised while some
 * source is pending, enabled for it, and has a priority above its threshold.
 * A claim returns the highest-priority pending enabled source of non-zero
 * priority (ties go to the lowest id) and clears its pending bit; as the
 * spec says, the threshold does not affect claims. Sources are level
 * triggered through a gateway: while a source is claimed (in service) it
 * cannot become pending again; a completion for a source enabled in that
 * context releases the gateway, and a line still high then pends again.
 * Completions for sources not enabled in the context are ignored (spec).
 * As in QEMU, a source whose line drops before it is claimed stops pending
 * (the spec lets the gateway keep the request), which spares the guest
 * spurious claims.
 */
#include "plic.h"

#include <libfdt.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "devclass.h"

#define PLIC_PRIORITY_BASE 0x000000
#define PLIC_PENDING_BASE 0x001000
#define PLIC_ENABLE_BASE 0x002000
#define PLIC_ENABLE_STRIDE 0x80
#define PLIC_CONTEXT_BASE 0x200000
#define PLIC_CONTEXT_STRIDE 0x1000
#define PLIC_CONTEXT_THRESHOLD 0x0
#define PLIC_CONTEXT_CLAIM 0x4

#define PLIC_WORDS ((AXVM_PLIC_MAX_SOURCES + 1) / 32)

struct plic_context {
	uint32_t enable[PLIC_WORDS];
	uint32_t threshold;
	bool output;
};

struct axvm_plic {
	pthread_mutex_t lock;
	struct axvm_plic_params params;
	uint32_t priority[AXVM_PLIC_MAX_SOURCES + 1];
	uint32_t pending[PLIC_WORDS];
	uint32_t level[PLIC_WORDS];	 /* the source lines as last driven */
	uint32_t in_service[PLIC_WORDS]; /* claimed, not completed yet */
	struct plic_context *ctx;
	/* Made by the class: the harts' external interrupt lines (ctx_output's target). */
	void (*hart_irq)(void *board, unsigned hart, bool supervisor, bool level);
	void *board;
};

static bool plic_bit(const uint32_t *words, unsigned s)
{
	return (words[s / 32] >> (s % 32)) & 1;
}

static void plic_set_bit(uint32_t *words, unsigned s, bool v)
{
	if (v)
		words[s / 32] |= 1u << (s % 32);
	else
		words[s / 32] &= ~(1u << (s % 32));
}

/* The gateway: a high line that is not in service becomes pending. */
static void plic_gateway(struct axvm_plic *p, unsigned s)
{
	if (plic_bit(p->level, s) && !plic_bit(p->in_service, s))
		plic_set_bit(p->pending, s, true);
}

/* Best pending enabled source for a context with priority > min_prio; 0 if none. */
static unsigned plic_best(const struct axvm_plic *p, const struct plic_context *c,
			  uint32_t min_prio)
{
	unsigned best = 0;
	uint32_t best_prio = min_prio;

	for (unsigned w = 0; w <= p->params.ndev / 32; w++) {
		uint32_t bits = p->pending[w] & c->enable[w];

		while (bits) {
			unsigned s = w * 32 + (unsigned)__builtin_ctz(bits);

			bits &= bits - 1;
			if (p->priority[s] > best_prio) {
				best = s;
				best_prio = p->priority[s];
			}
		}
	}
	return best;
}

static void plic_update(struct axvm_plic *p)
{
	for (unsigned i = 0; i < p->params.contexts; i++) {
		struct plic_context *c = &p->ctx[i];
		bool out = plic_best(p, c, c->threshold) != 0;

		if (out != c->output) {
			c->output = out;
			if (p->params.ctx_output)
				p->params.ctx_output(p->params.opaque, i, out);
		}
	}
}

static uint32_t plic_claim(struct axvm_plic *p, struct plic_context *c)
{
	unsigned s = plic_best(p, c, 0);

	if (s) {
		plic_set_bit(p->pending, s, false);
		plic_set_bit(p->in_service, s, true);
	}
	return s;
}

static void plic_complete(struct axvm_plic *p, struct plic_context *c, uint32_t s)
{
	if (s == 0 || s > p->params.ndev || !plic_bit(c->enable, s))
		return;
	plic_set_bit(p->in_service, s, false);
	plic_gateway(p, s);
}

/* Mask of the enable/pending bits in word w that name real sources. */
static uint32_t plic_valid_mask(const struct axvm_plic *p, unsigned w)
{
	uint32_t mask = ~0u;

	if (w == 0)
		mask &= ~1u; /* source 0 does not exist */
	if (w == p->params.ndev / 32)
		mask &= (2u << (p->params.ndev % 32)) - 1; /* wraps to ~0u for bit 31 */
	else if (w > p->params.ndev / 32)
		mask = 0;
	return mask;
}

static uint32_t plic_read_locked(struct axvm_plic *p, uint64_t off)
{
	if (off < PLIC_PENDING_BASE) {
		unsigned s = (unsigned)(off / 4);

		return s >= 1 && s <= p->params.ndev ? p->priority[s] : 0;
	}
	if (off < PLIC_ENABLE_BASE) {
		unsigned w = (unsigned)((off - PLIC_PENDING_BASE) / 4);

		return w < PLIC_WORDS ? p->pending[w] : 0;
	}
	if (off < PLIC_CONTEXT_BASE) {
		uint64_t c = (off - PLIC_ENABLE_BASE) / PLIC_ENABLE_STRIDE;
		unsigned w = (unsigned)((off - PLIC_ENABLE_BASE) % PLIC_ENABLE_STRIDE / 4);

		return c < p->params.contexts ? p->ctx[c].enable[w] : 0;
	}
	uint64_t c = (off - PLIC_CONTEXT_BASE) / PLIC_CONTEXT_STRIDE;
	uint64_t reg = (off - PLIC_CONTEXT_BASE) % PLIC_CONTEXT_STRIDE;

	if (c >= p->params.contexts)
		return 0;
	if (reg == PLIC_CONTEXT_THRESHOLD)
		return p->ctx[c].threshold;
	if (reg == PLIC_CONTEXT_CLAIM)
		return plic_claim(p, &p->ctx[c]);
	return 0;
}

static void plic_write_locked(struct axvm_plic *p, uint64_t off, uint32_t v)
{
	if (off < PLIC_PENDING_BASE) {
		unsigned s = (unsigned)(off / 4);

		if (s >= 1 && s <= p->params.ndev)
			p->priority[s] = v & AXVM_PLIC_MAX_PRIORITY;
		return;
	}
	if (off < PLIC_ENABLE_BASE)
		return; /* pending bits are read-only */
	if (off < PLIC_CONTEXT_BASE) {
		uint64_t c = (off - PLIC_ENABLE_BASE) / PLIC_ENABLE_STRIDE;
		unsigned w = (unsigned)((off - PLIC_ENABLE_BASE) % PLIC_ENABLE_STRIDE / 4);

		if (c < p->params.contexts)
			p->ctx[c].enable[w] = v & plic_valid_mask(p, w);
		return;
	}
	uint64_t c = (off - PLIC_CONTEXT_BASE) / PLIC_CONTEXT_STRIDE;
	uint64_t reg = (off - PLIC_CONTEXT_BASE) % PLIC_CONTEXT_STRIDE;

	if (c >= p->params.contexts)
		return;
	if (reg == PLIC_CONTEXT_THRESHOLD)
		p->ctx[c].threshold = v & AXVM_PLIC_MAX_PRIORITY;
	else if (reg == PLIC_CONTEXT_CLAIM)
		plic_complete(p, &p->ctx[c], v);
}

static int plic_read(void *opaque, uint64_t offset, unsigned width, uint64_t *value)
{
	struct axvm_plic *p = opaque;

	pthread_mutex_lock(&p->lock);
	*value = plic_read_locked(p, offset);
	plic_update(p);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

static int plic_write(void *opaque, uint64_t offset, unsigned width, uint64_t value)
{
	struct axvm_plic *p = opaque;

	pthread_mutex_lock(&p->lock);
	plic_write_locked(p, offset, (uint32_t)value);
	plic_update(p);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

const struct axvm_device_ops axvm_plic_ops = {
    .read = plic_read,
    .write = plic_write,
};

void axvm_plic_set_irq(struct axvm_plic *p, unsigned irq, bool level)
{
	if (irq == 0 || irq > p->params.ndev)
		return;
	pthread_mutex_lock(&p->lock);
	plic_set_bit(p->level, irq, level);
	/*
	 * A level source withdraws its request when the line drops, unless
	 * it was already claimed (then the handler runs anyway).
	 */
	if (level)
		plic_gateway(p, irq);
	else
		plic_set_bit(p->pending, irq, false);
	plic_update(p);
	pthread_mutex_unlock(&p->lock);
}

void axvm_plic_irq_line_set(void *opaque, unsigned irq, bool level)
{
	axvm_plic_set_irq(opaque, irq, level);
}

int axvm_plic_create(const struct axvm_plic_params *params, struct axvm_plic **out)
{
	struct axvm_plic *p;

	*out = NULL;
	if (params->ndev == 0 || params->ndev > AXVM_PLIC_MAX_SOURCES || params->contexts == 0 ||
	    params->contexts > (AXVM_PLIC_MMIO_SIZE - PLIC_CONTEXT_BASE) / PLIC_CONTEXT_STRIDE)
		return -AXVM_EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -AXVM_ENOMEM;
	p->ctx = calloc(params->contexts, sizeof(*p->ctx));
	if (!p->ctx)
		goto err_free_plic;
	if (pthread_mutex_init(&p->lock, NULL) != 0)
		goto err_free_ctx;
	p->params = *params;
	*out = p;
	return 0;

err_free_ctx:
	free(p->ctx);
err_free_plic:
	free(p);
	return -AXVM_ENOMEM;
}

void axvm_plic_destroy(struct axvm_plic *p)
{
	if (!p)
		return;
	pthread_mutex_destroy(&p->lock);
	free(p->ctx);
	free(p);
}

/* ---- the device class: the board's interrupt controller ---- */

#define PLIC_IRQ_M_EXT 11 /* mcause/mip bit of M-mode external interrupts */
#define PLIC_IRQ_S_EXT 9  /* S-mode external interrupts */

/* Two contexts per hart, as QEMU's virt: 2N is hart N's M-mode, 2N + 1 its S-mode. */
static void plic_class_output(void *opaque, unsigned context, bool level)
{
	struct axvm_plic *p = opaque;

	p->hart_irq(p->board, context / 2, context & 1, level);
}

static int plic_class_create(const struct axvm_devclass_ctx *ctx, void **state)
{
	struct axvm_plic_params params = {.contexts = 2 * ctx->harts};
	const char *cursor = ctx->options;
	struct axvm_devopt opt;
	struct axvm_plic *p;
	int ret;

	*state = NULL;
	while ((ret = axvm_devopt_next(&cursor, &opt)) > 0) {
		char *end;
		unsigned long v = strtoul(opt.value, &end, 0);

		if (strcmp(opt.key, "ndev") != 0 || !opt.value[0] || *end || v == 0 ||
		    v > AXVM_PLIC_MAX_SOURCES)
			return axvm_devclass_fail(
			    ctx, axvm_plic_class.name, -AXVM_EINVAL, "\"%s%s%s\": want ndev=1..%d",
			    opt.key, opt.key[0] ? "=" : "", opt.value, AXVM_PLIC_MAX_SOURCES);
		params.ndev = (unsigned)v;
	}
	if (ret < 0 || params.ndev == 0 || !ctx->hart_irq)
		return axvm_devclass_fail(ctx, axvm_plic_class.name, -AXVM_EINVAL,
					  "needs ndev=N and the harts' interrupt lines");
	ret = axvm_plic_create(&params, &p);
	if (ret)
		return axvm_devclass_fail_code(ctx, axvm_plic_class.name, ret);
	/* No line can change before the board runs: wire the outputs now. */
	p->hart_irq = ctx->hart_irq;
	p->board = ctx->board;
	p->params.ctx_output = plic_class_output;
	p->params.opaque = p;
	*state = p;
	return 0;
}

static void plic_class_destroy(void *state)
{
	axvm_plic_destroy(state);
}

/* sifive,plic-1.0.0.yaml; QEMU virt's node. */
static int plic_class_fdt_node(void *state, void *fdt, int parent,
			       const struct axvm_devclass_fdt_ctx *f)
{
	static const char *const compat[] = {"sifive,plic-1.0.0", "riscv,plic0", NULL};
	const struct axvm_plic *p = state;
	fdt32_t *cells;
	int node, ret;

	ret = axvm_devclass_fdt_subnode(fdt, parent, "plic", f->base, &node);
	if (ret)
		return ret;
	cells = calloc(4 * (size_t)f->harts, sizeof(*cells));
	if (!cells)
		return -AXVM_ENOMEM;
	for (unsigned i = 0; i < f->harts; i++) {
		cells[4 * i + 0] = cpu_to_fdt32(f->hart_intc[i]);
		cells[4 * i + 1] = cpu_to_fdt32(PLIC_IRQ_M_EXT);
		cells[4 * i + 2] = cpu_to_fdt32(f->hart_intc[i]);
		cells[4 * i + 3] = cpu_to_fdt32(PLIC_IRQ_S_EXT);
	}
	ret = fdt_setprop_u32(fdt, node, "phandle", f->phandle);
	if (ret >= 0)
		ret = fdt_setprop_u32(fdt, node, "riscv,ndev", p->params.ndev);
	if (ret >= 0)
		ret = axvm_devclass_fdt_reg(fdt, node, f->base, f->size);
	if (ret >= 0)
		ret = fdt_setprop(fdt, node, "interrupts-extended", cells,
				  (int)(4 * f->harts * sizeof(*cells)));
	free(cells);
	if (ret >= 0)
		ret = fdt_setprop_empty(fdt, node, "interrupt-controller");
	if (ret >= 0)
		ret = axvm_devclass_fdt_strlist(fdt, node, "compatible", compat);
	if (ret >= 0)
		ret = fdt_setprop_u32(fdt, node, "#address-cells", 0);
	if (ret >= 0)
		ret = fdt_setprop_u32(fdt, node, "#interrupt-cells", 1);
	return axvm_devclass_fdt_err(ret);
}

const struct axvm_devclass axvm_plic_class = {
    .name = "plic",
    .mmio_size = AXVM_PLIC_MMIO_SIZE,
    .min_width = 4,
    .max_width = 4,
    .ops = &axvm_plic_ops,
    .create = plic_class_create,
    .destroy = plic_class_destroy,
    .fdt_node = plic_class_fdt_node,
    .fdt_name = "plic",
    .irq_set = axvm_plic_irq_line_set,
};
