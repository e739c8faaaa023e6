/*
 * tap.h: a few macros for C unit tests that print TAP (Test Anything
 * Protocol) for automake's TAP driver. Header-only on purpose.
 */
#ifndef SECHUB_TAP_H
#define SECHUB_TAP_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n, tap_failed;

#define ok(cond, ...) do {						\
	int tap_c_ = !!(cond);						\
	tap_n++;							\
	if (!tap_c_)							\
		tap_failed++;						\
	printf("%sok %d - ", tap_c_ ? "" : "not ", tap_n);		\
	printf(__VA_ARGS__);						\
	printf("\n");							\
	if (!tap_c_)							\
		printf("#   failed at %s:%d\n", __FILE__, __LINE__);	\
} while (0)

#define is_int(got, want, ...) do {					\
	long long tap_g_ = (long long)(got), tap_w_ = (long long)(want); \
	ok(tap_g_ == tap_w_, __VA_ARGS__);				\
	if (tap_g_ != tap_w_)						\
		printf("#   got %lld, want %lld\n", tap_g_, tap_w_);	\
} while (0)

#define is_str(got, want, ...) do {					\
	const char *tap_g_ = (got), *tap_w_ = (want);			\
	int tap_e_ = (tap_g_ == NULL && tap_w_ == NULL) ||		\
	    (tap_g_ != NULL && tap_w_ != NULL &&			\
	    strcmp(tap_g_, tap_w_) == 0);				\
	ok(tap_e_, __VA_ARGS__);					\
	if (!tap_e_)							\
		printf("#   got \"%s\"\n#  want \"%s\"\n",		\
		    tap_g_ ? tap_g_ : "(null)", tap_w_ ? tap_w_ : "(null)"); \
} while (0)

static inline int
done_testing(void)
{
	printf("1..%d\n", tap_n);
	fflush(stdout);
	return tap_failed != 0;
}

#endif
