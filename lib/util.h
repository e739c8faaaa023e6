/*
 * util.h: allocation that never returns NULL (out of memory is the one
 * failure library code may end the process for), small string helpers and
 * secret wiping.
 */
#ifndef SECHUB_UTIL_H
#define SECHUB_UTIL_H

#include <stdarg.h>
#include <stddef.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
int	 xasprintf(char **, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	 xvasprintf(char **, const char *, va_list);

/* The value of a hex digit, or -1. */
static inline int
hexdigit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Four hex digits at p (as in a JSON \uXXXX escape) into *v: 0, or -1. */
static inline int
hex4(const void *p, unsigned int *v)
{
	const unsigned char	*s = p;
	int			 k, d;

	*v = 0;
	for (k = 0; k < 4; k++) {
		if ((d = hexdigit(s[k])) == -1)
			return -1;
		*v = *v << 4 | (unsigned int)d;
	}
	return 0;
}

/* Overwrite memory that held a secret; the compiler may not elide it. */
void	 wipe(void *, size_t);
/* wipe() the string then free() it; accepts NULL. */
void	 freezero_str(char *);

/* Growable byte buffer. buf_free() accepts NULL-initialised buffers. */
struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
};
void	 buf_init(struct buf *);
void	 buf_reserve(struct buf *, size_t);
void	 buf_add(struct buf *, const void *, size_t);
void	 buf_addc(struct buf *, char);
void	 buf_adds(struct buf *, const char *);
void	 buf_addf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* NUL-terminate (not counted in len) and return data. */
char	*buf_cstr(struct buf *);
void	 buf_reset(struct buf *);
void	 buf_free(struct buf *);

#endif
