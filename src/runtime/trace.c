/* SPDX-License-Identifier: MIT */
/*
 * --trace: one line per exit of the chosen kinds, written under a lock by
 * the vCPU thread that took the exit (the VM layer's exit hook):
 *
 *   0.001234567 vcpu 0 MmioWrite addr=0x100000 width=4 data=0x5555
 *
 * (seconds of host monotonic time since the run began). Off, nothing is
 * installed and the run loop pays one predictable branch. SBI calls the
 * hart serves itself (Base, TIME, IPI, RFENCE, HSM, SRST, DBCN) are not
 * exits and are not traced yet; "sbi" traces the Hypercall exits.
 */
#include "runtime/rt.h"

#include <errno.h>
#include <string.h>

#include "core/error.h"

static const struct {
	const char *name;
	uint32_t mask;
} trace_kinds[] = {
    {"exits", ~0u},
    {"mmio", 1u << AXVM_EXIT_MMIO_READ | 1u << AXVM_EXIT_MMIO_WRITE},
    {"sbi", 1u << AXVM_EXIT_HYPERCALL},
    {"irq", 1u << AXVM_EXIT_EXTERNAL_INTERRUPT | 1u << AXVM_EXIT_SEND_IPI},
};

static void trace_exit(void *opaque, unsigned vcpu, const struct axvm_exit *exit)
{
	struct axvm_runtime *rt = opaque;
	char desc[192];
	uint64_t t;

	if (!(rt->trace_mask & (1u << exit->reason)))
		return;
	t = rt_hal_now(rt) - rt->trace_t0;
	axvm_exit_format(exit, desc, sizeof(desc));
	pthread_mutex_lock(&rt->trace_lock);
	fprintf(rt->trace_out, "%llu.%09llu vcpu %u %s\n", (unsigned long long)(t / 1000000000u),
		(unsigned long long)(t % 1000000000u), vcpu, desc);
	pthread_mutex_unlock(&rt->trace_lock);
}

int rt_trace_open(struct axvm_runtime *rt)
{
	const char *spec = rt->opts.trace, *p;

	if (!spec)
		return 0;
	/* From here on rt_trace_close (the runtime's cleanup, also on failure) undoes it. */
	pthread_mutex_init(&rt->trace_lock, NULL);
	rt->trace_open = true;
	rt->trace_mask = 0;
	rt->trace_out = stderr;
	for (p = spec; *p;) {
		size_t len = strcspn(p, ",");
		bool known = false;

		if (len > 5 && !strncmp(p, "file=", 5)) {
			char path[4096];

			if (len - 5 >= sizeof(path) || rt->trace_owned)
				return axvm_error_set(-AXVM_EINVAL, "--trace %s: bad file=", spec);
			memcpy(path, p + 5, len - 5);
			path[len - 5] = '\0';
			rt->trace_out = fopen(path, "we");
			if (!rt->trace_out) {
				rt->trace_out = stderr;
				return axvm_error_set(-AXVM_EIO, "--trace file=%s: %s", path,
						      strerror(errno));
			}
			rt->trace_owned = true;
			known = true;
		}
		for (size_t i = 0; !known && i < sizeof(trace_kinds) / sizeof(trace_kinds[0]); i++)
			if (strlen(trace_kinds[i].name) == len &&
			    !strncmp(p, trace_kinds[i].name, len)) {
				rt->trace_mask |= trace_kinds[i].mask;
				known = true;
			}
		if (!known)
			return axvm_error_set(-AXVM_EINVAL,
					      "--trace %s: '%.*s' is not exits, mmio, sbi, irq or "
					      "file=PATH",
					      spec, (int)len, p);
		p += len;
		if (*p == ',')
			p++;
	}
	if (!rt->trace_mask)
		return axvm_error_set(-AXVM_EINVAL, "--trace %s: nothing to trace", spec);
	rt->trace_t0 = rt_hal_now(rt);
	return 0;
}

void rt_trace_install(struct axvm_runtime *rt)
{
	if (rt->trace_mask && rt->vm)
		axvm_set_exit_trace(rt->vm, trace_exit, rt);
}

void rt_trace_close(struct axvm_runtime *rt)
{
	if (!rt->trace_open)
		return;
	if (rt->trace_owned)
		fclose(rt->trace_out);
	else if (rt->trace_out)
		fflush(rt->trace_out);
	pthread_mutex_destroy(&rt->trace_lock);
	rt->trace_open = false;
	rt->trace_owned = false;
	rt->trace_mask = 0;
	rt->trace_out = NULL;
}
