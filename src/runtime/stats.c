/* SPDX-License-Identifier: MIT */
/*
 * --stats: what each vCPU did in each boot, recorded once its thread is
 * joined and printed on stderr after the guest's last output (the counters are the VM layer's, read
 * through the library API: axvm_vcpu_exit_count, axvm_vcpu_instructions_retired).
 *
 *   stats: vcpu 0: instructions 123456; exits: Halt 3, SystemDown 1
 */
#include "runtime/rt.h"

#include <stdio.h>

#include "axvm/vcpu.h"

void rt_record_stats(struct axvm_runtime *rt)
{
	for (unsigned i = 0; rt->vm && i < rt->nvcpus; i++) {
		char line[1024];
		int n = snprintf(
		    line, sizeof(line), "stats: vcpu %u: instructions %llu; exits:", i,
		    (unsigned long long)axvm_vcpu_instructions_retired(axvm_vcpu(rt->vm, i)));
		const char *sep = " ";

		for (int r = 0; r < AXVM_EXIT_REASON_COUNT && n < (int)sizeof(line); r++) {
			uint64_t c = axvm_vcpu_exit_count(rt->vm, i, (enum axvm_exit_reason)r);

			if (!c)
				continue;
			n += snprintf(line + n, sizeof(line) - (size_t)n, "%s%s %llu", sep,
				      axvm_exit_reason_name((enum axvm_exit_reason)r),
				      (unsigned long long)c);
			sep = ", ";
		}
		n = snprintf(rt->stats + rt->stats_len, sizeof(rt->stats) - rt->stats_len, "%s\n",
			     line);
		if (n > 0 && rt->stats_len + (size_t)n < sizeof(rt->stats))
			rt->stats_len += (size_t)n; /* else dropped: too many boots */
	}
}

void rt_print_stats(struct axvm_runtime *rt)
{
	fwrite(rt->stats, 1, rt->stats_len, stderr);
}
