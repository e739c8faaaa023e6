/*
 * util.h: allocation that never returns NULL (out of memory is the one
 * failure library code may end the process for), small string helpers,
 * secret wiping and keeping secrets in the process, files created private,
 * and the one way a value from the data is shown in a message.
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
/*
 * The directory systemd made for a service with StateDirectory= (the first
 * of $STATE_DIRECTORY, when absolute), malloc'd; NULL outside such a unit.
 */
char	*systemd_state_dir(void);
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

/*
 * Length of a valid UTF-8 sequence starting with a byte >= 0x80 at p (at
 * most avail bytes): 2 to 4, 0 if invalid (overlong, a surrogate, above
 * U+10FFFF), -1 if more bytes are needed.
 */
static inline int
utf8_seq_len(const unsigned char *p, size_t avail)
{
	unsigned char	 c = p[0], lo = 0x80, hi = 0xbf;
	int		 n;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;	/* overlong */
		else if (c == 0xed)
			hi = 0x9f;	/* surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;	/* above U+10FFFF */
	} else
		return 0;
	for (int k = 1; k < n; k++) {
		if ((size_t)k >= avail)
			return -1;
		if (p[k] < (k == 1 ? lo : 0x80) || p[k] > (k == 1 ? hi : 0xbf))
			return 0;
	}
	return n;
}

/* Overwrite memory that held a secret; the compiler may not elide it. */
void	 wipe(void *, size_t);
/* wipe() the string then free() it; accepts NULL. */
void	 freezero_str(char *);

/*
 * Secrets do not outlive the process: no core dump (RLIMIT_CORE 0, soft and
 * hard) and not dumpable (PR_SET_DUMPABLE 0: no core, no ptrace by another
 * process of the same user, /proc/PID owned by root), as OpenSSH does.
 * Call first thing in main, before any secret is read. 0, or -1 and *cause.
 */
int	 no_core_dumps(char **);

/*
 * Open a file the program writes (--rejects, --payloads, state files):
 * created mode 0600 when it does not exist, never through a symbolic link
 * in its place (O_NOFOLLOW). flags: the access mode and O_APPEND or
 * O_TRUNC; O_CREAT, O_NOFOLLOW and O_CLOEXEC are added. A descriptor, or
 * -1 and *cause ("PATH: why", caller frees).
 */
int	 open_private(const char *, int, char **);

/*
 * A size in bytes: decimal digits, optionally followed by K, M or G
 * (powers of 1024), at least 1 and at most SIZE_MAX / 4. 0, or -1 and
 * *cause (caller frees).
 */
int	 parse_size(const char *, size_t *, char **);

/*
 * Text for a terminal (vis(3) with VIS_CSTYLE, octal otherwise): printable
 * ASCII and valid UTF-8 characters are kept; \a \b \t \n \v \f \r
 * stand for those bytes; every other control character (C0, DEL, C1 as a
 * byte or as UTF-8) and every byte that is not UTF-8 is \ooo (three octal
 * digits). A backslash stands for itself. Writes at most dstsz - 1 bytes and
 * a NUL into dst, never splitting an escape or a character; returns the
 * number of source bytes shown.
 */
size_t	 vis_str(char *, size_t, const void *, size_t);

/*
 * A value from the data (a bad HostIp, a line of a file), for a message:
 * its first VALUE_SHOW_MAX bytes, shown as vis_str() does, with "..."
 * after it when it was cut. buf has VALUE_SHOW_SIZE bytes; returns buf.
 * Every message that quotes such a value goes through this, so values are
 * cut to one length everywhere.
 */
#define VALUE_SHOW_MAX	64
#define VALUE_SHOW_SIZE	(VALUE_SHOW_MAX * 4 + 4)
char	*show_value(char *, const void *, size_t);

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
