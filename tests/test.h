/* SPDX-License-Identifier: MIT */
/*
 * A tiny test harness: tests register themselves with TEST(name), checks
 * print expected and actual values, and main() (from test_main.c) runs every
 * test (or those whose name contains argv[1]) and ends with
 * "N passed, N failed, N skipped". A test that cannot run here (a host tool
 * missing) says so with TEST_SKIP("why"): it is counted as skipped, never as
 * passed, and scripts/run-tests.sh lists it with its reason.
 */
#ifndef AXVM_TEST_H
#define AXVM_TEST_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct test_case {
	const char *name;
	void (*fn)(void);
	const char *file;
	struct test_case *next;
};

void test_register(struct test_case *tc);
void test_fail_at(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
bool test_failed_now(void);
void test_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define TEST(name)                                                                                 \
	static void name(void);                                                                    \
	static struct test_case name##_case = {#name, name, __FILE__, NULL};                       \
	__attribute__((constructor)) static void name##_register(void)                             \
	{                                                                                          \
		test_register(&name##_case);                                                       \
	}                                                                                          \
	static void name(void)

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			test_fail_at(__FILE__, __LINE__, "check failed: %s", #cond);               \
	} while (0)

#define CHECK_INT(expected, actual)                                                                \
	do {                                                                                       \
		long long e_ = (long long)(expected), a_ = (long long)(actual);                    \
		if (e_ != a_)                                                                      \
			test_fail_at(__FILE__, __LINE__, "%s: expected %lld, got %lld", #actual,   \
				     e_, a_);                                                      \
	} while (0)

#define CHECK_U64(expected, actual)                                                                \
	do {                                                                                       \
		uint64_t e_ = (uint64_t)(expected), a_ = (uint64_t)(actual);                       \
		if (e_ != a_)                                                                      \
			test_fail_at(__FILE__, __LINE__,                                           \
				     "%s: expected 0x%" PRIx64 ", got 0x%" PRIx64, #actual, e_,    \
				     a_);                                                          \
	} while (0)

#define CHECK_STR(expected, actual)                                                                \
	do {                                                                                       \
		const char *e_ = (expected), *a_ = (actual);                                       \
		if (!a_ || strcmp(e_, a_) != 0)                                                    \
			test_fail_at(__FILE__, __LINE__, "%s: expected \"%s\", got \"%s\"",        \
				     #actual, e_, a_ ? a_ : "(null)");                             \
	} while (0)

/* Checks that return from the test on failure (for preconditions). */
#define REQUIRE(cond)                                                                              \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			test_fail_at(__FILE__, __LINE__, "requirement failed: %s", #cond);         \
			return;                                                                    \
		}                                                                                  \
	} while (0)

#define REQUIRE_OK(expr)                                                                           \
	do {                                                                                       \
		int r_ = (expr);                                                                   \
		if (r_ != 0) {                                                                     \
			test_fail_at(__FILE__, __LINE__, "%s: expected 0, got %d", #expr, r_);     \
			return;                                                                    \
		}                                                                                  \
	} while (0)

/* Skip the rest of the test, saying why ("dtc not installed"). */
#define TEST_SKIP(...)                                                                             \
	do {                                                                                       \
		test_skip(__VA_ARGS__);                                                            \
		return;                                                                            \
	} while (0)

#endif
