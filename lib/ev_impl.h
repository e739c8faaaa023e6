/*
 * ev_impl.h: what ev.c (the parser and the flattening) and ev_scan.c (the
 * fast path) share. Internal to lib/; the interface is ev.h.
 */
#ifndef SECHUB_EV_IMPL_H
#define SECHUB_EV_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "ev.h"
#include "util.h"

/* The parser's state over one text (ev.c). */
struct ev_parser {
	struct ev_doc	*doc;
	const char	*s;
	size_t		 len;
	size_t		 pos;
	char		*cause;		/* the first failure, caller frees */
};

/* Append n bytes to the document's pool. */
void	 ev_pool_add(struct ev_doc *, const void *, size_t);

/*
 * Parse the string at p->pos (on its quote) into the pool: its decoded
 * text at *off, *len bytes (NUL-terminated in the pool). 0, or -1 with
 * p->cause.
 */
int	 ev_parse_string(struct ev_parser *, uint32_t *, uint32_t *);

static inline int
ev_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

#endif
