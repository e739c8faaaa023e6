/*
 * finding_span.c: the span walker: JSON values as spans of a record's raw
 * text, visited without decoding them (only the strings a shape needs are
 * unescaped), with an index of where each container ends built in one
 * pass, so that stepping over a member costs a lookup.
 *
 * A walker of its own, beside ev.c's parser, because bench/json/run says
 * so: finding_each does its whole job on the span walker in 6.6 us an
 * event where parsing the event with ev.c and visiting only the members
 * finding.c looks at, without the shapes' logic, takes 8.2 us.
 */
#include "config.h"

#include <sys/types.h>

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clk.h"
#include "finding.h"
#include "finding_impl.h"
#include "jtok_impl.h"
#include "util.h"

/* p is at the opening quote: return past the closing one, or NULL. */
const char *
span_skip_string(const char *p, const char *e)
{
	const char	*q, *b;

	p++;
	for (;;) {
		if (p >= e || (q = memchr(p, '"', e - p)) == NULL)
			return NULL;
		for (b = q; b > p && b[-1] == '\\'; b--)
			;
		if (((q - b) & 1) == 0)
			return q + 1;
		p = q + 1;
	}
}

/* The index of the record being walked, in this thread. */
static _Thread_local const struct span_index *doc;

/*
 * The next '{', '[', '}' or ']' at or after p that is not inside a string:
 * a pointer to it, e if there is none, NULL in an unterminated string.
 */
static inline const char *
next_bracket(const char *p, const char *e)
{
	while (p != NULL && p < e) {
		switch (*p) {
		case '"':
			p = span_skip_string(p, e);
			continue;
		case '{': case '[': case '}': case ']':
			return p;
		}
		p++;
	}
	return p;
}

static void
doc_build(struct span_index *d, const char *text, size_t len)
{
	const char	*p = text, *e = text + len;
	uint32_t	*stack = NULL;
	size_t		 depth = 0, scap = 0;

	d->base = text;
	d->len = len;
	d->n = 0;
	if (len >= UINT32_MAX)
		return;
	for (; (p = next_bracket(p, e)) != NULL && p < e; p++) {
		if (*p == '}' || *p == ']') {
			if (depth == 0)
				break;
			d->end[stack[--depth]] = p + 1 - text;
			continue;
		}
		if (d->n == d->cap) {
			d->cap = d->cap ? d->cap * 2 : 256;
			d->open = xreallocarray(d->open, d->cap,
			    sizeof *d->open);
			d->end = xreallocarray(d->end, d->cap, sizeof *d->end);
		}
		if (depth == scap) {
			scap = scap ? scap * 2 : 64;
			stack = xreallocarray(stack, scap, sizeof *stack);
		}
		d->open[d->n] = p - text;
		d->end[d->n] = 0;
		stack[depth++] = d->n++;
	}
	free(stack);
}

/* The end of the container at p, from the index; NULL if not known. */
static const char *
doc_end(const char *p)
{
	size_t		 lo = 0, hi, mid;
	uint32_t	 off;

	if (doc == NULL || p < doc->base || p >= doc->base + doc->len)
		return NULL;
	off = p - doc->base;
	hi = doc->n;
	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (doc->open[mid] < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < doc->n && doc->open[lo] == off && doc->end[lo] != 0)
		return doc->base + doc->end[lo];
	return NULL;
}

/* p is at the first byte of a value: return past its end, or NULL. */
static const char *
skip_value(const char *p, const char *e)
{
	const char	*q;
	int		 depth = 0;

	if (p >= e)
		return NULL;
	if (*p == '"')
		return span_skip_string(p, e);
	if (*p != '{' && *p != '[') {
		while (p < e && *p != ',' && *p != '}' && *p != ']' &&
		    *p != ' ' && *p != '\n' && *p != '\r' && *p != '\t')
			p++;
		return p;
	}
	if ((q = doc_end(p)) != NULL && q <= e)
		return q;
	for (; (p = next_bracket(p, e)) != NULL && p < e; p++) {
		if (*p == '{' || *p == '[')
			depth++;
		else if (--depth == 0)
			return p + 1;
	}
	return NULL;
}

static int
iter_value(struct span_iter *it, struct span *val)
{
	const char	*q;

	/* no progress (a '}' where an element should be, in text that is
	 * not JSON) ends the walk rather than looping on the same byte */
	if ((q = skip_value(it->p, it->e)) == NULL || q == it->p)
		return 0;
	val->p = it->p;
	val->e = q;
	it->p = q;
	return 1;
}

/* Next member: key (contents, no quotes) and value. 0 at the end. */
int
span_iter_member(struct span_iter *it, struct span *key,
    struct span *val)
{
	const char	*p, *q;

	p = skip_ws(it->p, it->e);
	if (p < it->e && *p == ',')
		p = skip_ws(p + 1, it->e);
	if (p >= it->e || *p != '"' || (q = span_skip_string(p, it->e)) == NULL)
		return 0;
	key->p = p + 1;
	key->e = q - 1;
	p = skip_ws(q, it->e);
	if (p >= it->e || *p != ':')
		return 0;
	it->p = skip_ws(p + 1, it->e);
	return iter_value(it, val);
}

int
span_iter_elem(struct span_iter *it, struct span *val)
{
	const char	*p;

	p = skip_ws(it->p, it->e);
	if (p < it->e && *p == ',')
		p = skip_ws(p + 1, it->e);
	if (p >= it->e || *p == ']')
		return 0;
	it->p = p;
	return iter_value(it, val);
}

/* A member of an object, or SPAN_NONE. */
struct span
span_member(struct span obj, const char *name)
{
	struct span_iter it;
	struct span	 k, v;
	size_t		 len = strlen(name);

	if (span_iter_open(&it, obj, '{') == 0) {
		while (span_iter_member(&it, &k, &v))
			if (span_is(k, name, len))
				return v;
	}
	return SPAN_NONE;
}

void
span_members(struct span obj, const char *const *names, struct span *out)
{
	struct span_iter it;
	struct span	 k, v;
	size_t		 i, n, left, len[SPAN_MEMBERS_MAX];

	for (n = 0; names[n] != NULL && n < SPAN_MEMBERS_MAX; n++) {
		out[n] = SPAN_NONE;
		len[n] = strlen(names[n]);
	}
	if (span_iter_open(&it, obj, '{') != 0)
		return;
	for (left = n; left > 0 && span_iter_member(&it, &k, &v); )
		for (i = 0; i < n; i++)
			if (!HAS(out[i]) && span_is(k, names[i], len[i])) {
				out[i] = v;
				left--;
				break;
			}
}

int
span_number(struct span v, double *d)
{
	char	 tmp[64], *end;
	size_t	 n;

	if (!is_number(v) || (n = v.e - v.p) >= sizeof tmp)
		return -1;
	memcpy(tmp, v.p, n);
	tmp[n] = '\0';
	*d = strtod(tmp, &end);
	return *end == '\0' ? 0 : -1;
}

static int
hexval(const char *p, const char *e, unsigned int *v)
{
	return e - p < 4 ? -1 : hex4(p, v);
}

/*
 * The contents of a string token, unescaped, into buf (NUL-terminated).
 * Returns the length, or -1 if v is no string or does not fit.
 */
long
span_string(struct span v, char *buf, size_t size)
{
	const char	*p, *e, *q;
	size_t		 n = 0, run;
	unsigned int	 cp, lo;

	if (!is_string(v) || v.e - v.p < 2 || size == 0)
		return -1;
	p = v.p + 1;
	e = v.e - 1;

	while (p < e) {
		if (n + 5 > size)
			return -1;
		if (*p != '\\') {
			/* a run without escapes, in one copy */
			if ((q = memchr(p, '\\', e - p)) == NULL)
				q = e;
			run = q - p;
			if (n + run + 4 > size)
				return -1;
			memcpy(buf + n, p, run);
			n += run;
			p = q;
			continue;
		}
		if (++p >= e)
			return -1;
		switch (*p++) {
		case 'b': buf[n++] = '\b'; break;
		case 'f': buf[n++] = '\f'; break;
		case 'n': buf[n++] = '\n'; break;
		case 'r': buf[n++] = '\r'; break;
		case 't': buf[n++] = '\t'; break;
		case 'u':
			if (hexval(p, e, &cp) != 0)
				return -1;
			p += 4;
			if (cp >= 0xd800 && cp < 0xdc00 && e - p >= 6 &&
			    p[0] == '\\' && p[1] == 'u' &&
			    hexval(p + 2, e, &lo) == 0 &&
			    lo >= 0xdc00 && lo < 0xe000) {
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				    (lo - 0xdc00);
				p += 6;
			}
			n += jtok_put_utf8((unsigned char *)buf + n, cp);
			break;
		default:	/* \" \\ \/ */
			buf[n++] = p[-1];
			break;
		}
	}
	buf[n] = '\0';
	return (long)n;
}

int
span_string_is(struct span v, const char *s)
{
	char	 tmp[64];

	return span_string(v, tmp, sizeof tmp) >= 0 && strcmp(tmp, s) == 0;
}

const struct span_index *
span_index_begin(struct span_index *d, const char *text,
    size_t len)
{
	const struct span_index	*saved = doc;

	memset(d, 0, sizeof(*d));
	doc_build(d, text, len);
	doc = d;
	return saved;
}

void
span_index_end(struct span_index *d, const struct span_index *saved)
{
	doc = saved;
	free(d->open);
	free(d->end);
}

int
span_time(struct span v, time_t *t)
{
	char	 tmp[64];
	long	 n;
	double	 d;

	if (is_string(v))
		return (n = span_string(v, tmp, sizeof tmp)) > 0 &&
		    clk_parse(tmp, n, t) == 0 ? 0 : -1;
	if (span_number(v, &d) != 0)
		return -1;
	if (d > 1e11)
		d /= 1000;	/* epoch milliseconds */
	if (!(d >= 0 && d <= 253402300799.0))	/* to 9999-12-31 */
		return -1;
	*t = (time_t)d;
	return 0;
}
