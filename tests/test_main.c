/* SPDX-License-Identifier: MIT */
#include "test.h"

#include <stdarg.h>
#include <stdlib.h>

static struct test_case *test_head, **test_tail = &test_head;
static bool test_current_failed;

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

bool test_failed_now(void)
{
	return test_current_failed;
}

int main(int argc, char **argv)
{
	unsigned passed = 0, failed = 0;
	const char *filter = argc > 1 ? argv[1] : NULL;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (struct test_case *tc = test_head; tc; tc = tc->next) {
		if (filter && !strstr(tc->name, filter))
			continue;
		test_current_failed = false;
		tc->fn();
		if (test_current_failed) {
			failed++;
			printf("FAIL %s\n", tc->name);
		} else {
			passed++;
			if (getenv("TEST_VERBOSE"))
				printf("ok   %s\n", tc->name);
		}
	}
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
