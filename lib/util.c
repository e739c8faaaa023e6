/*
 * util.c: allocation that never fails (out of memory ends the process),
 * growable buffers, wiping of secrets and no core dumps, private files,
 * sizes, and values shown safely in messages.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/stat.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

static void
oom(void)
{
	static const char msg[] = "fatal: out of memory\n";

	fwrite(msg, 1, sizeof msg - 1, stderr);
	abort();
}

void *
xmalloc(size_t n)
{
	void	*p;

	if ((p = malloc(n == 0 ? 1 : n)) == NULL)
		oom();
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void	*p;

	if ((p = calloc(n == 0 ? 1 : n, size == 0 ? 1 : size)) == NULL)
		oom();
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	if ((p = realloc(p, n == 0 ? 1 : n)) == NULL)
		oom();
	return p;
}

void *
xreallocarray(void *p, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		oom();
	return xrealloc(p, n * size);
}

char *
xstrdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		oom();
	return p;
}

char *
xstrndup(const char *s, size_t n)
{
	char	*p;

	p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
systemd_state_dir(void)
{
	const char	*d = getenv("STATE_DIRECTORY");

	if (d == NULL || d[0] != '/')
		return NULL;
	return xstrndup(d, strcspn(d, ":"));
}

int
xvasprintf(char **ret, const char *fmt, va_list ap)
{
	int	 n;

	if ((n = vasprintf(ret, fmt, ap)) == -1)
		oom();
	return n;
}

int
xasprintf(char **ret, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = xvasprintf(ret, fmt, ap);
	va_end(ap);
	return n;
}

void
wipe(void *p, size_t n)
{
	if (p == NULL || n == 0)
		return;
#ifdef HAVE_EXPLICIT_BZERO
	explicit_bzero(p, n);
#else
	{
		volatile unsigned char *vp = p;

		while (n-- > 0)
			*vp++ = 0;
	}
#endif
}

void
freezero_str(char *s)
{
	if (s == NULL)
		return;
	wipe(s, strlen(s));
	free(s);
}

void
buf_init(struct buf *b)
{
	b->data = NULL;
	b->len = b->cap = 0;
}

void
buf_reserve(struct buf *b, size_t more)
{
	size_t	 want;

	if (b->len + more + 1 <= b->cap)
		return;
	want = b->cap == 0 ? 256 : b->cap;
	while (want < b->len + more + 1) {
		if (want > SIZE_MAX / 2)
			oom();
		want *= 2;
	}
	b->data = xrealloc(b->data, want);
	b->cap = want;
}

void
buf_add(struct buf *b, const void *p, size_t n)
{
	buf_reserve(b, n);
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

void
buf_addc(struct buf *b, char c)
{
	buf_reserve(b, 1);
	b->data[b->len++] = c;
}

void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	buf_reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

char *
buf_cstr(struct buf *b)
{
	buf_reserve(b, 0);
	b->data[b->len] = '\0';
	return b->data;
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	buf_init(b);
}

int
no_core_dumps(char **cause)
{
	struct rlimit	 rl = { 0, 0 };

	*cause = NULL;
	if (setrlimit(RLIMIT_CORE, &rl) == -1) {
		xasprintf(cause, "cannot disable core dumps: %s",
		    strerror(errno));
		return -1;
	}
#if defined(__linux__) && defined(PR_SET_DUMPABLE)
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1) {
		xasprintf(cause, "cannot make the process not dumpable: %s",
		    strerror(errno));
		return -1;
	}
#endif
	return 0;
}

int
open_private(const char *path, int flags, char **cause)
{
	struct stat	 st;
	int		 fd, saved;

	*cause = NULL;
	fd = open(path, flags | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd != -1)
		return fd;
	saved = errno;
	/* ELOOP on Linux, EMLINK on FreeBSD, EFTYPE on NetBSD */
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
		xasprintf(cause, "%s: is a symbolic link: refusing to follow "
		    "it (name the file itself)", path);
	else
		xasprintf(cause, "%s: %s", path, strerror(saved));
	return -1;
}

int
parse_size(const char *text, size_t *out, char **cause)
{
	unsigned long long	 v = 0, unit = 1;
	const char		*p = text;

	*cause = NULL;
	if (*p < '0' || *p > '9')
		goto bad;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (SIZE_MAX / 4) / 10)
			goto big;
		v = v * 10 + (unsigned)(*p - '0');
	}
	switch (*p) {
	case '\0':
		break;
	case 'k': case 'K':
		unit = 1024;
		break;
	case 'm': case 'M':
		unit = 1024 * 1024;
		break;
	case 'g': case 'G':
		unit = 1024 * 1024 * 1024;
		break;
	default:
		goto bad;
	}
	if (*p != '\0' && p[1] != '\0')
		goto bad;
	if (v > (SIZE_MAX / 4) / unit)
		goto big;
	if ((v *= unit) == 0) {
		xasprintf(cause, "%s: must be at least 1 byte", text);
		return -1;
	}
	*out = (size_t)v;
	return 0;
bad:
	xasprintf(cause, "%s: not a size (bytes, or a number with K, M or G)",
	    text);
	return -1;
big:
	xasprintf(cause, "%s: too large", text);
	return -1;
}

/*
 * Length of the character at p (at most avail bytes) that a terminal shows
 * as it is: 1 for printable ASCII, 2 to 4 for a valid UTF-8 sequence that
 * is not a C1 control; 0 for anything to escape.
 */
static int
printable_len(const unsigned char *p, size_t avail)
{
	int	 n;

	if (p[0] >= 0x20 && p[0] < 0x7f)
		return 1;
	if (p[0] < 0x80 || (n = utf8_seq_len(p, avail)) <= 0)
		return 0;
	if (p[0] == 0xc2 && p[1] < 0xa0)
		return 0;	/* U+0080..U+009F: the C1 controls */
	return n;
}

size_t
vis_str(char *dst, size_t dstsz, const void *src, size_t len)
{
	static const char	 cstyle[] = "abtnvfr";
	const unsigned char	*s = src;
	size_t			 i = 0, o = 0;
	char			 esc[5];
	int			 n;

	if (dstsz == 0)
		return 0;
	while (i < len) {
		if ((n = printable_len(s + i, len - i)) > 0) {
			if (o + (size_t)n >= dstsz)
				break;
			memcpy(dst + o, s + i, (size_t)n);
			o += (size_t)n;
			i += (size_t)n;
			continue;
		}
		if (s[i] >= '\a' && s[i] <= '\r')
			snprintf(esc, sizeof esc, "\\%c", cstyle[s[i] - '\a']);
		else
			snprintf(esc, sizeof esc, "\\%03o", s[i]);
		n = (int)strlen(esc);
		if (o + (size_t)n >= dstsz)
			break;
		memcpy(dst + o, esc, (size_t)n);
		o += (size_t)n;
		i++;
	}
	dst[o] = '\0';
	return i;
}

char *
show_value(char *buf, const void *value, size_t len)
{
	size_t	 shown, n = len > VALUE_SHOW_MAX ? VALUE_SHOW_MAX : len;

	/* cut at a character: step back over UTF-8 continuation bytes */
	if (n < len)
		while (n > 0 && n > VALUE_SHOW_MAX - 3 &&
		    (((const unsigned char *)value)[n] & 0xc0) == 0x80)
			n--;
	shown = vis_str(buf, VALUE_SHOW_SIZE - 3, value, n);
	if (shown < len)
		strcat(buf, "...");
	return buf;
}
