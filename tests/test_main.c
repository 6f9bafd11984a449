/* SPDX-License-Identifier: MIT */
#include "test.h"

#include <stdarg.h>
#include <stdlib.h>

static struct test_case *test_head, **test_tail = &test_head;
static bool test_current_failed;
static char test_skip_reason[256]; /* non-empty: the current test skipped */

void test_register(struct test_case *tc)
{
	*test_tail = tc;
	test_tail = &tc->next;
}

void test_fail_at(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	test_current_failed = true;
	fprintf(stdout, "    %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
}

void test_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(test_skip_reason, sizeof(test_skip_reason), fmt, ap);
	va_end(ap);
	if (!test_skip_reason[0])
		snprintf(test_skip_reason, sizeof(test_skip_reason), "(no reason given)");
}

bool test_failed_now(void)
{
	return test_current_failed;
}

int main(int argc, char **argv)
{
	unsigned passed = 0, failed = 0, skipped = 0;
	const char *filter = argc > 1 ? argv[1] : NULL;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (struct test_case *tc = test_head; tc; tc = tc->next) {
		if (filter && !strstr(tc->name, filter))
			continue;
		test_current_failed = false;
		test_skip_reason[0] = '\0';
		tc->fn();
		if (test_current_failed) {
			failed++;
			printf("FAIL %s\n", tc->name);
		} else if (test_skip_reason[0]) {
			skipped++;
			printf("SKIP %s: %s\n", tc->name, test_skip_reason);
		} else {
			passed++;
			if (getenv("TEST_VERBOSE"))
				printf("ok   %s\n", tc->name);
		}
	}
	printf("%u passed, %u failed, %u skipped\n", passed, failed, skipped);
	return failed ? 1 : 0;
}
