/*
 * err.h: what kind of failure a cause describes, so that a program's exit
 * status follows from a value and never from the text of a message.
 *
 * A library function that can fail in more than one way takes an
 * `enum err_kind *` just before its `char **cause` and sets it whenever it
 * fails (the pointer may be NULL when the caller does not care). Functions
 * that can only fail at run time keep the plain `char **cause`.
 */
#ifndef SECHUB_ERR_H
#define SECHUB_ERR_H

#include "log.h"

enum err_kind {
	ERR_RUNTIME = 1,	/* I/O, store, network or service: EXIT_RUNTIME */
	ERR_CONFIG		/* bad URL, setting, missing region or
				   credentials: EXIT_USAGE */
};

/* Set *kind when kind is not NULL. */
static inline void
err_set(enum err_kind *kind, enum err_kind k)
{
	if (kind != NULL)
		*kind = k;
}

/* The exit status a failure of this kind ends a program with. */
static inline int
err_exit_status(enum err_kind k)
{
	return k == ERR_CONFIG ? EXIT_USAGE : EXIT_RUNTIME;
}

#endif
