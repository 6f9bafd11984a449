/* SPDX-License-Identifier: MIT */
/*
 * ns16550a UART, following the TI/National PC16550D datasheet ("PC16550D
 * Universal Asynchronous Receiver/Transmitter with FIFOs", section 8,
 * Registers) with byte-wide registers at consecutive offsets (reg-shift 0):
 *
 *   off  DLAB=0 read   DLAB=0 write   DLAB=1
 *   0    RBR receive   THR transmit   DLL divisor latch low
 *   1    IER           IER            DLM divisor latch high
 *   2    IIR           FCR
 *   3    LCR  (bit 7 = DLAB)
 *   4    MCR  DTR(0) RTS(1) OUT1(2) OUT2(3) LOOP(4)
 *   5    LSR  DR(0) OE(1) PE(2) FE(3) BI(4) THRE(5) TEMT(6) RXFE(7)
 *   6    MSR  DCTS(0) DDSR(1) TERI(2) DDCD(3) CTS(4) DSR(5) RI(6) DCD(7)
 *   7    SCR  scratch
 *
 *   IER: ERBFI(0) received data, ETBEI(1) THR empty, ELSI(2) line status,
 *        EDSSI(3) modem status.
 *   IIR (datasheet table 4, highest priority first; bit 0 = 1: none pending):
 *        0x06 line status, 0x04 received data, 0x0c character timeout,
 *        0x02 THR empty, 0x00 modem status; bits 7:6 = 11 with FIFOs on.
 *   FCR: enable(0) clear RX(1) clear TX(2) RX trigger level(7:6) 1/4/8/14.
 *
 * Emulation choices: a written byte is transmitted at once (into the
 * console's output buffer, or back into the receiver in loopback mode). The
 * transmit FIFO is the console's buffer: THRE and TEMT are set while it has
 * room for a FIFO's worth (16 bytes, what Linux writes per THR-empty
 * interrupt), and clear while the host has not drained it, so a guest waits
 * for a slow reader instead of losing output. The THR-empty interrupt is due
 * again right after a write when there is room, else once the host has made
 * room. A byte written while THRE is clear is lost (an overrun, as on real
 * parts), counted and logged.
 * The character-timeout condition is reported as soon as the receiver holds
 * fewer bytes than the trigger level (no real time passes on a virtual line).
 * The receiver pulls from the console input queue only while the guest uses
 * the UART for input (received-data interrupt enabled, or polling LSR/RBR),
 * and only while the console's input is the UART's or no one's: enabling
 * ERBFI or reading a byte from RBR claims it (axvm/console.h), so a guest that reads its console
 * through SBI or virtio-console (hvc0) is not robbed of input. (Reading an empty RBR claims
 * nothing: Linux does that when it closes ttyS0.) The divisor and line settings are stored and read
 * back but do not affect the virtual line.
 */
#include "ns16550a.h"

#include <inttypes.h>
#include <libfdt.h>
#include <stdio.h>

#include "core/error.h"
#include "devclass.h"

#include <stdlib.h>

#include "axvm/log.h"
#include "devices/dev_lock.h"

enum {
	NS16550A_REG_RBR = 0, /* also THR, DLL */
	NS16550A_REG_IER = 1, /* also DLM */
	NS16550A_REG_IIR = 2, /* also FCR */
	NS16550A_REG_LCR = 3,
	NS16550A_REG_MCR = 4,
	NS16550A_REG_LSR = 5,
	NS16550A_REG_MSR = 6,
	NS16550A_REG_SCR = 7,
};

#define NS16550A_IER_ERBFI 0x01
#define NS16550A_IER_ETBEI 0x02
#define NS16550A_IER_ELSI 0x04
#define NS16550A_IER_EDSSI 0x08
#define NS16550A_IER_MASK 0x0f

#define NS16550A_IIR_NONE 0x01
#define NS16550A_IIR_MSI 0x00
#define NS16550A_IIR_THRI 0x02
#define NS16550A_IIR_RDI 0x04
#define NS16550A_IIR_RLSI 0x06
#define NS16550A_IIR_CTI 0x0c
#define NS16550A_IIR_FIFO 0xc0

#define NS16550A_FCR_ENABLE 0x01
#define NS16550A_FCR_CLEAR_RX 0x02
#define NS16550A_FCR_CLEAR_TX 0x04

#define NS16550A_LCR_DLAB 0x80

#define NS16550A_MCR_DTR 0x01
#define NS16550A_MCR_RTS 0x02
#define NS16550A_MCR_OUT1 0x04
#define NS16550A_MCR_OUT2 0x08
#define NS16550A_MCR_LOOP 0x10
#define NS16550A_MCR_MASK 0x1f

#define NS16550A_LSR_DR 0x01
#define NS16550A_LSR_OE 0x02
#define NS16550A_LSR_PE 0x04
#define NS16550A_LSR_FE 0x08
#define NS16550A_LSR_BI 0x10
#define NS16550A_LSR_THRE 0x20
#define NS16550A_LSR_TEMT 0x40
#define NS16550A_LSR_ERRORS (NS16550A_LSR_OE | NS16550A_LSR_PE | NS16550A_LSR_FE | NS16550A_LSR_BI)

#define NS16550A_MSR_DCTS 0x01
#define NS16550A_MSR_DDSR 0x02
#define NS16550A_MSR_TERI 0x04
#define NS16550A_MSR_DDCD 0x08
#define NS16550A_MSR_CTS 0x10
#define NS16550A_MSR_DSR 0x20
#define NS16550A_MSR_RI 0x40
#define NS16550A_MSR_DCD 0x80
#define NS16550A_MSR_DELTAS 0x0f

struct axvm_ns16550a {
	struct dev_lock lock;
	struct axvm_console *console;
	struct axvm_irq_line irq;

	uint8_t rx[AXVM_NS16550A_FIFO_SIZE];
	unsigned rx_head, rx_count;

	uint8_t ier, lcr, mcr, lsr_errors, msr, scr, fcr;
	uint8_t dll, dlm;
	bool thr_ipending; /* THR-empty interrupt due (cleared by IIR read / THR write) */
	bool tx_waiting;   /* THR is "full": the console has no room for a FIFO's worth */
	/* The guest started reading through us: claim the console's input once unlocked. */
	bool claim_pending;
	bool irq_level;
	uint64_t tx_overruns;
	struct axvm_ratelimit overrun_limit;
};

static unsigned ns16550a_rx_capacity(const struct axvm_ns16550a *u)
{
	return (u->fcr & NS16550A_FCR_ENABLE) ? AXVM_NS16550A_FIFO_SIZE : 1;
}

static unsigned ns16550a_rx_trigger(const struct axvm_ns16550a *u)
{
	static const unsigned levels[4] = {1, 4, 8, 14};

	if (!(u->fcr & NS16550A_FCR_ENABLE))
		return 1;
	return levels[u->fcr >> 6];
}

static void ns16550a_rx_push(struct axvm_ns16550a *u, uint8_t byte)
{
	if (u->rx_count >= ns16550a_rx_capacity(u)) {
		u->lsr_errors |= NS16550A_LSR_OE;
		return;
	}
	u->rx[(u->rx_head + u->rx_count) % AXVM_NS16550A_FIFO_SIZE] = byte;
	u->rx_count++;
}

/* Pull console input into the receiver while there is room. */
static void ns16550a_rx_fill(struct axvm_ns16550a *u)
{
	if (!u->console || (u->mcr & NS16550A_MCR_LOOP))
		return;
	while (u->rx_count < ns16550a_rx_capacity(u)) {
		int c = axvm_console_pop_for(u->console, u);

		if (c < 0)
			break;
		ns16550a_rx_push(u, (uint8_t)c);
	}
}

/* The pending interrupt of highest priority, as IIR bits 3:0. */
static uint8_t ns16550a_iir_id(const struct axvm_ns16550a *u)
{
	if ((u->ier & NS16550A_IER_ELSI) && (u->lsr_errors & NS16550A_LSR_ERRORS))
		return NS16550A_IIR_RLSI;
	if ((u->ier & NS16550A_IER_ERBFI) && u->rx_count) {
		if (u->rx_count >= ns16550a_rx_trigger(u))
			return NS16550A_IIR_RDI;
		return NS16550A_IIR_CTI;
	}
	if ((u->ier & NS16550A_IER_ETBEI) && u->thr_ipending)
		return NS16550A_IIR_THRI;
	if ((u->ier & NS16550A_IER_EDSSI) && (u->msr & NS16550A_MSR_DELTAS))
		return NS16550A_IIR_MSI;
	return NS16550A_IIR_NONE;
}

static void ns16550a_update_irq(struct axvm_ns16550a *u)
{
	bool level = ns16550a_iir_id(u) != NS16550A_IIR_NONE;

	if (level != u->irq_level) {
		u->irq_level = level;
		axvm_irq_line_set(&u->irq, level);
	}
}

/* The modem status inputs: looped back from MCR in loopback mode, else a live line. */
static uint8_t ns16550a_msr_inputs(const struct axvm_ns16550a *u)
{
	uint8_t m = 0;

	if (!(u->mcr & NS16550A_MCR_LOOP))
		return NS16550A_MSR_DCD | NS16550A_MSR_DSR | NS16550A_MSR_CTS;
	if (u->mcr & NS16550A_MCR_RTS)
		m |= NS16550A_MSR_CTS;
	if (u->mcr & NS16550A_MCR_DTR)
		m |= NS16550A_MSR_DSR;
	if (u->mcr & NS16550A_MCR_OUT1)
		m |= NS16550A_MSR_RI;
	if (u->mcr & NS16550A_MCR_OUT2)
		m |= NS16550A_MSR_DCD;
	return m;
}

static void ns16550a_update_msr(struct axvm_ns16550a *u)
{
	uint8_t old = u->msr & ~NS16550A_MSR_DELTAS;
	uint8_t now = ns16550a_msr_inputs(u);
	uint8_t deltas = u->msr & NS16550A_MSR_DELTAS;
	uint8_t changed = old ^ now;

	if (changed & NS16550A_MSR_CTS)
		deltas |= NS16550A_MSR_DCTS;
	if (changed & NS16550A_MSR_DSR)
		deltas |= NS16550A_MSR_DDSR;
	if ((old & NS16550A_MSR_RI) && !(now & NS16550A_MSR_RI))
		deltas |= NS16550A_MSR_TERI;
	if (changed & NS16550A_MSR_DCD)
		deltas |= NS16550A_MSR_DDCD;
	u->msr = now | deltas;
}

/* The transmitter can take a FIFO's worth (loopback and no console: always). */
static bool ns16550a_tx_ready(const struct axvm_ns16550a *u)
{
	return !u->console || (u->mcr & NS16550A_MCR_LOOP) ||
	       axvm_console_output_room(u->console) >= AXVM_NS16550A_FIFO_SIZE;
}

/* THR empty again: the interrupt is due now, or when the host has made room. */
static void ns16550a_thr_emptied(struct axvm_ns16550a *u)
{
	if (ns16550a_tx_ready(u) ||
	    axvm_console_request_output_room(u->console, AXVM_NS16550A_FIFO_SIZE)) {
		u->thr_ipending = true;
		return;
	}
	u->tx_waiting = true;
}

static void ns16550a_transmit(struct axvm_ns16550a *u, uint8_t byte)
{
	if (u->mcr & NS16550A_MCR_LOOP) {
		ns16550a_rx_push(u, byte);
	} else if (u->console && axvm_console_write(u->console, &byte, 1) == 0) {
		u->tx_overruns++;
		axvm_log_ratelimited(&u->overrun_limit, AXVM_LOG_DEBUG,
				     "ns16550a: THR written while THRE was clear: byte lost "
				     "(%llu so far)",
				     (unsigned long long)u->tx_overruns);
	}
	ns16550a_thr_emptied(u);
}

static uint8_t ns16550a_read_locked(struct axvm_ns16550a *u, uint64_t offset)
{
	uint8_t v = 0, id;

	switch (offset) {
	case NS16550A_REG_RBR:
		if (u->lcr & NS16550A_LCR_DLAB)
			return u->dll;
		ns16550a_rx_fill(u);
		if (u->rx_count) {
			v = u->rx[u->rx_head];
			u->rx_head = (u->rx_head + 1) % AXVM_NS16550A_FIFO_SIZE;
			u->rx_count--;
			ns16550a_rx_fill(u);
			/* Input taken through the UART (a polling guest). */
			u->claim_pending = true;
		}
		return v;
	case NS16550A_REG_IER:
		if (u->lcr & NS16550A_LCR_DLAB)
			return u->dlm;
		return u->ier;
	case NS16550A_REG_IIR:
		id = ns16550a_iir_id(u);
		/* Reading IIR while it reports THR empty clears that interrupt. */
		if (id == NS16550A_IIR_THRI)
			u->thr_ipending = false;
		return id | ((u->fcr & NS16550A_FCR_ENABLE) ? NS16550A_IIR_FIFO : 0);
	case NS16550A_REG_LCR:
		return u->lcr;
	case NS16550A_REG_MCR:
		return u->mcr;
	case NS16550A_REG_LSR:
		ns16550a_rx_fill(u);
		v = u->lsr_errors;
		if (ns16550a_tx_ready(u))
			v |= NS16550A_LSR_THRE | NS16550A_LSR_TEMT;
		if (u->rx_count)
			v |= NS16550A_LSR_DR;
		u->lsr_errors = 0;
		return v;
	case NS16550A_REG_MSR:
		v = u->msr;
		u->msr &= ~NS16550A_MSR_DELTAS;
		return v;
	case NS16550A_REG_SCR:
		return u->scr;
	default:
		return 0;
	}
}

static void ns16550a_write_locked(struct axvm_ns16550a *u, uint64_t offset, uint8_t v)
{
	switch (offset) {
	case NS16550A_REG_RBR:
		if (u->lcr & NS16550A_LCR_DLAB) {
			u->dll = v;
			break;
		}
		u->thr_ipending = false;
		ns16550a_transmit(u, v);
		break;
	case NS16550A_REG_IER:
		if (u->lcr & NS16550A_LCR_DLAB) {
			u->dlm = v;
			break;
		}
		/* Enabling the THR-empty interrupt while THR is empty raises it. */
		if ((v & NS16550A_IER_ETBEI) && !(u->ier & NS16550A_IER_ETBEI))
			ns16550a_thr_emptied(u);
		/*
		 * The guest reads its console here now (Linux opened ttyS0).
		 * Disabling releases nothing: Linux's console writes turn the
		 * interrupts off and on around every message.
		 */
		if ((v & NS16550A_IER_ERBFI) && !(u->ier & NS16550A_IER_ERBFI))
			u->claim_pending = true;
		u->ier = v & NS16550A_IER_MASK;
		break;
	case NS16550A_REG_IIR: /* FCR */
		if ((v ^ u->fcr) & NS16550A_FCR_ENABLE)
			v |= NS16550A_FCR_CLEAR_RX | NS16550A_FCR_CLEAR_TX;
		if (v & NS16550A_FCR_CLEAR_RX) {
			u->rx_head = 0;
			u->rx_count = 0;
		}
		/* The transmitter never holds bytes, so clearing it changes nothing. */
		u->fcr = v & (NS16550A_FCR_ENABLE | 0xc0);
		break;
	case NS16550A_REG_LCR:
		u->lcr = v;
		break;
	case NS16550A_REG_MCR:
		u->mcr = v & NS16550A_MCR_MASK;
		ns16550a_update_msr(u);
		break;
	case NS16550A_REG_LSR:
	case NS16550A_REG_MSR:
		break; /* read-only (factory test on real parts) */
	case NS16550A_REG_SCR:
		u->scr = v;
		break;
	default:
		break;
	}
}

/* Registers whose read changes state (and so perhaps the interrupt line). */
static bool ns16550a_read_has_effects(uint64_t offset)
{
	return offset == NS16550A_REG_RBR || offset == NS16550A_REG_IIR ||
	       offset == NS16550A_REG_LSR || offset == NS16550A_REG_MSR;
}

/* A claim noted under the lock (and cleared): true if there is one to make. */
static bool ns16550a_take_claim(struct axvm_ns16550a *u)
{
	bool claim = u->claim_pending && u->console;

	u->claim_pending = false;
	return claim;
}

/*
 * Claim the console's input, outside the UART's lock: the console calls the
 * listeners, ours included, when the owner changes.
 */
static void ns16550a_claim(struct axvm_ns16550a *u, bool claim)
{
	if (claim && axvm_console_input_owner(u->console) != u) {
		axvm_debug("ns16550a: the guest reads its console here: it takes the input");
		axvm_console_claim_input(u->console, u);
	}
}

static int ns16550a_read(void *opaque, uint64_t offset, unsigned width, uint64_t *value)
{
	struct axvm_ns16550a *u = opaque;
	bool claim;

	dev_lock(&u->lock);
	*value = ns16550a_read_locked(u, offset);
	if (ns16550a_read_has_effects(offset))
		ns16550a_update_irq(u);
	claim = ns16550a_take_claim(u);
	dev_unlock(&u->lock);
	ns16550a_claim(u, claim);
	return 0;
}

static int ns16550a_write(void *opaque, uint64_t offset, unsigned width, uint64_t value)
{
	struct axvm_ns16550a *u = opaque;

	bool claim;

	dev_lock(&u->lock);
	ns16550a_write_locked(u, offset, (uint8_t)value);
	claim = ns16550a_take_claim(u);
	if (u->ier & NS16550A_IER_ERBFI)
		ns16550a_rx_fill(u);
	ns16550a_update_irq(u);
	dev_unlock(&u->lock);
	/* On a claim, the input listener fills the receiver and raises the interrupt. */
	ns16550a_claim(u, claim);
	return 0;
}

/* Console input arrived (called on the pushing thread). */
static void ns16550a_input_ready(void *opaque)
{
	struct axvm_ns16550a *u = opaque;

	dev_lock(&u->lock);
	if (u->ier & NS16550A_IER_ERBFI) {
		ns16550a_rx_fill(u);
		ns16550a_update_irq(u);
	}
	dev_unlock(&u->lock);
}

/* The host drained the console's output: THR is empty again (the draining thread). */
static void ns16550a_output_room(void *opaque)
{
	struct axvm_ns16550a *u = opaque;

	dev_lock(&u->lock);
	if (u->tx_waiting) {
		u->tx_waiting = false;
		ns16550a_thr_emptied(u);
		ns16550a_update_irq(u);
	}
	dev_unlock(&u->lock);
}

const struct axvm_device_ops axvm_ns16550a_ops = {
    .read = ns16550a_read,
    .write = ns16550a_write,
};

int axvm_ns16550a_create(struct axvm_console *console, const struct axvm_irq_line *irq,
			 struct axvm_ns16550a **out)
{
	struct axvm_ns16550a *u;

	*out = NULL;
	u = calloc(1, sizeof(*u));
	if (!u)
		return -AXVM_ENOMEM;
	u->console = console;
	if (irq)
		u->irq = *irq;
	u->msr = ns16550a_msr_inputs(u);
	/* 115200 baud from the 3.6864 MHz clock, as firmware would leave it. */
	u->dll = 2;
	if (console) {
		struct axvm_console_listener l = {ns16550a_input_ready, ns16550a_output_room, u};
		int ret = axvm_console_register_listener(console, &l);

		if (ret) {
			free(u);
			return ret;
		}
	}
	*out = u;
	return 0;
}

void axvm_ns16550a_destroy(struct axvm_ns16550a *u)
{
	if (!u)
		return;
	if (u->console)
		axvm_console_unregister_listener(u->console, u);
	free(u);
}

/* ---- the device class: the board's serial console ---- */

static int ns16550a_class_create(const struct axvm_devclass_ctx *ctx, void **state)
{
	struct axvm_ns16550a *u;
	int ret = axvm_devclass_no_options(ctx, axvm_ns16550a_class.name);

	*state = NULL;
	if (ret)
		return ret;
	ret = axvm_ns16550a_create(ctx->console, &ctx->irq, &u);
	if (ret)
		return axvm_devclass_fail_code(ctx, axvm_ns16550a_class.name, ret);
	*state = u;
	return 0;
}

static void ns16550a_class_destroy(void *state)
{
	axvm_ns16550a_destroy(state);
}

/* serial/8250.yaml; QEMU virt's node, and serial0 so that it is ttyS0 whatever the probe order. */
static int ns16550a_class_fdt_node(void *state, void *fdt, int parent,
				   const struct axvm_devclass_fdt_ctx *f)
{
	char path[64];
	int node, aliases, ret;

	ret = axvm_devclass_fdt_subnode(fdt, parent, "serial", f->base, &node);
	if (ret)
		return ret;
	ret = fdt_setprop_u32(fdt, node, "interrupts", f->irq);
	if (ret >= 0)
		ret = fdt_setprop_u32(fdt, node, "interrupt-parent", f->interrupt_parent);
	if (ret >= 0)
		ret = fdt_setprop_u32(fdt, node, "clock-frequency", AXVM_NS16550A_CLOCK_HZ);
	if (ret >= 0)
		ret = axvm_devclass_fdt_reg(fdt, node, f->base, f->size);
	if (ret >= 0)
		ret = fdt_setprop_string(fdt, node, "compatible", "ns16550a");
	if (ret < 0)
		return axvm_devclass_fdt_err(ret);
	ret = axvm_devclass_fdt_root_node(fdt, "aliases", &aliases);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "/soc/serial@%" PRIx64, f->base);
	return axvm_devclass_fdt_err(fdt_setprop_string(fdt, aliases, "serial0", path));
}

const struct axvm_devclass axvm_ns16550a_class = {
    .name = "ns16550a",
    .mmio_size = AXVM_NS16550A_MMIO_SIZE,
    .min_width = 1,
    .max_width = 1,
    .ops = &axvm_ns16550a_ops,
    .create = ns16550a_class_create,
    .destroy = ns16550a_class_destroy,
    .fdt_node = ns16550a_class_fdt_node,
    .fdt_name = "serial",
};
