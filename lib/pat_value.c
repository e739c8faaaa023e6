/*
 * pat_value.c: the value tests of EventBridge's operators (exact strings
 * and numbers, prefix, suffix, equals-ignore-case, wildcard, numeric
 * ranges, cidr, anything-but), and numbers compared as exact decimals.
 */
#include <ctype.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "ev.h"
#include "ip.h"
#include "pat.h"
#include "pat_impl.h"
#include "util.h"

static char
dec_digit(const struct pat_dec *d, size_t k)
{
	k += d->lead;
	if (k < d->ilen)
		return d->ip[k];
	k -= d->ilen;
	return k < d->flen ? d->fp[k] : '0';
}

void
pat_dec_parse(const char *s, size_t len, struct pat_dec *d)
{
	const char	*end = s + len, *p = s;
	long long	 e = 0;
	int		 eneg = 0;
	size_t		 n, i;

	memset(d, 0, sizeof(*d));
	if (p < end && *p == '-') {
		d->neg = 1;
		p++;
	}
	while (p < end && *p == '0')
		p++;
	d->ip = p;
	while (p < end && isdigit((unsigned char)*p))
		p++;
	d->ilen = p - d->ip;
	d->fp = p;
	if (p < end && *p == '.') {
		d->fp = ++p;
		while (p < end && isdigit((unsigned char)*p))
			p++;
		d->flen = p - d->fp;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			eneg = *p++ == '-';
		for (; p < end && isdigit((unsigned char)*p); p++)
			if (e < 1000000000000LL)
				e = e * 10 + (*p - '0');
	}
	while (d->flen > 0 && d->fp[d->flen - 1] == '0')
		d->flen--;
	n = d->ilen + d->flen;
	for (i = 0; i < n && dec_digit(d, 0) == '0'; i++)
		d->lead++;
	if (d->lead == n) {
		d->zero = 1;
		return;
	}
	d->nsig = n - d->lead;
	while (d->nsig > 0 && dec_digit(d, d->nsig - 1) == '0')
		d->nsig--;
	d->exp = (long long)d->ilen - (long long)d->lead + (eneg ? -e : e);
}

static int
dec_cmp(const struct pat_dec *a, const struct pat_dec *b)
{
	size_t	 k, n;
	int	 sign;
	char	 x, y;

	if (a->zero || b->zero) {
		if (a->zero && b->zero)
			return 0;	/* -0 equals 0 */
		if (a->zero)
			return b->neg ? 1 : -1;
		return a->neg ? -1 : 1;
	}
	if (a->neg != b->neg)
		return a->neg ? -1 : 1;
	sign = a->neg ? -1 : 1;
	if (a->exp != b->exp)
		return a->exp < b->exp ? -sign : sign;
	n = a->nsig > b->nsig ? a->nsig : b->nsig;
	for (k = 0; k < n; k++) {
		x = dec_digit(a, k);
		y = dec_digit(b, k);
		if (x != y)
			return x < y ? -sign : sign;
	}
	return 0;
}

int
pat_num_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	struct pat_dec	 x, y;

	pat_dec_parse(a, alen, &x);
	pat_dec_parse(b, blen, &y);
	return dec_cmp(&x, &y);
}

int
pat_double_exact(const char *s, size_t len)
{
	char	 buf[64], *text;
	double	 v;
	int	 prec, r = 0;

	text = xstrndup(s, len);
	v = strtod(text, NULL);
	if (isfinite(v)) {
		for (prec = 1; prec <= 17; prec++) {
			snprintf(buf, sizeof(buf), "%.*e", prec - 1, v);
			if (strtod(buf, NULL) == v)
				break;
		}
		r = pat_num_cmp(s, len, buf, strlen(buf)) == 0;
	}
	free(text);
	return r;
}

/*
 * Can the engine compare this event number as a number (see
 * pat_double_exact)? Up to 15 significant digits in the range of normal
 * doubles always can: no two such decimals share a double (DBL_DIG).
 */
static int
dec_comparable(const struct pat_dec *d, const char *s, size_t len)
{
	if (d->zero || (d->nsig <= 15 && d->exp >= -306 && d->exp <= 308))
		return 1;
	return pat_double_exact(s, len);
}

static locale_t	 utf8_locale;
static int	 utf8_tried;

/* Decode one UTF-8 code point (input is valid, or WTF-8 for surrogates). */
static size_t
next_cp(const unsigned char *s, size_t n, uint32_t *cp)
{
	if (s[0] < 0x80 || n < 2) {
		*cp = s[0];
		return 1;
	}
	if (s[0] < 0xe0) {
		*cp = ((s[0] & 0x1f) << 6) | (s[1] & 0x3f);
		return 2;
	}
	if (s[0] < 0xf0 || n < 4) {
		if (n < 3) {
			*cp = s[0];
			return 1;
		}
		*cp = ((s[0] & 0x0f) << 12) | ((s[1] & 0x3f) << 6) |
		    (s[2] & 0x3f);
		return 3;
	}
	*cp = ((s[0] & 0x07) << 18) | ((s[1] & 0x3f) << 12) |
	    ((s[2] & 0x3f) << 6) | (s[3] & 0x3f);
	return 4;
}

static uint32_t
cp_lower(uint32_t c)
{
	if (c < 0x80)
		return tolower((int)c);
	return utf8_locale ? (uint32_t)towlower_l((wint_t)c, utf8_locale) : c;
}

static uint32_t
cp_upper(uint32_t c)
{
	if (c < 0x80)
		return toupper((int)c);
	return utf8_locale ? (uint32_t)towupper_l((wint_t)c, utf8_locale) : c;
}

/*
 * event-ruler's equals-ignore-case: each character of the operand also
 * accepts its lower- and upper-case forms. Compares the operand o with the
 * value v character by character: all of it (mode 0), its start (1) or
 * its end (2).
 */
static int
eic_match(const char *o, size_t olen, const char *v, size_t vlen, int mode)
{
	const unsigned char *op = (const unsigned char *)o;
	const unsigned char *vp = (const unsigned char *)v;
	size_t		 oi = 0, vi = 0, k, n;
	uint32_t	 oc, vc;

	if (mode == 2) {	/* suffix: align the ends by characters */
		size_t	 ochars = 0, vchars = 0;

		for (k = 0; k < olen; k += n, ochars++)
			n = next_cp(op + k, olen - k, &oc);
		for (k = 0; k < vlen; k += n, vchars++)
			n = next_cp(vp + k, vlen - k, &vc);
		if (vchars < ochars)
			return 0;
		for (k = 0; k < vchars - ochars; k++)
			vi += next_cp(vp + vi, vlen - vi, &vc);
	}
	while (oi < olen) {
		if (vi >= vlen)
			return 0;
		oi += next_cp(op + oi, olen - oi, &oc);
		vi += next_cp(vp + vi, vlen - vi, &vc);
		if (vc != oc && vc != cp_lower(oc) && vc != cp_upper(oc))
			return 0;
	}
	return mode == 1 || vi == vlen;
}

static int
wild_match(const struct pat_wild *w, const char *v, size_t vlen)
{
	const struct pat_str *first = &w->seg[0], *last = &w->seg[w->nseg - 1];
	size_t		 i, pos, end;
	const char	*hit;

	if (w->nseg == 1)
		return vlen == first->len && memcmp(v, first->s, vlen) == 0;
	if (vlen < first->len + last->len ||
	    memcmp(v, first->s, first->len) != 0 ||
	    memcmp(v + vlen - last->len, last->s, last->len) != 0)
		return 0;
	pos = first->len;
	end = vlen - last->len;
	/* leftmost placement of each middle segment is always best */
	for (i = 1; i + 1 < w->nseg; i++) {
		if (w->seg[i].len == 0)
			continue;
		hit = memmem(v + pos, end - pos, w->seg[i].s, w->seg[i].len);
		if (hit == NULL)
			return 0;
		pos = hit - v + w->seg[i].len;
	}
	return 1;
}

static int
str_eq(const struct pat_str *s, const char *v, size_t vlen)
{
	return s->len == vlen && memcmp(s->s, v, vlen) == 0;
}

static int
num_eq(const struct pat_str *n, const char *v, size_t vlen)
{
	if (str_eq(n, v, vlen))
		return 1;
	return n->dexact && pat_num_cmp(n->s, n->len, v, vlen) == 0;
}

/*
 * An IP in an event value or a cidr operand. EventBridge knows plain IPv4
 * and IPv6 text; the IPv4-in-IPv6 dotted forms are not addresses to it.
 */
int
pat_parse_ip(const char *s, size_t len, struct ip_addr *ip)
{
	if (memchr(s, ':', len) != NULL && memchr(s, '.', len) != NULL)
		return -1;
	return ip_parse(s, len, ip);
}

int
pat_test_alt(const struct pat_alt *a, const struct ev_field *f)
{
	const char	*v = f->value;
	size_t		 n = f->valuelen, i;
	int		 str = f->type == EV_STRING, num = f->type == EV_NUMBER;
	struct ip_addr	 ip;

	switch (a->kind) {
	case K_STRING:
		return str && str_eq(&a->op[0], v, n);
	case K_NUMBER:
		return num && num_eq(&a->op[0], v, n);
	case K_TRUE:
		return f->type == EV_TRUE;
	case K_FALSE:
		return f->type == EV_FALSE;
	case K_NULL:
		return f->type == EV_NULL;
	case K_PREFIX:
		return str && n >= a->op[0].len &&
		    memcmp(v, a->op[0].s, a->op[0].len) == 0;
	case K_SUFFIX:
		return str && n >= a->op[0].len &&
		    memcmp(v + n - a->op[0].len, a->op[0].s, a->op[0].len) == 0;
	case K_EIC:
		return str && eic_match(a->op[0].s, a->op[0].len, v, n, 0);
	case K_PREFIX_EIC:
		return str && eic_match(a->op[0].s, a->op[0].len, v, n, 1);
	case K_SUFFIX_EIC:
		return str && eic_match(a->op[0].s, a->op[0].len, v, n, 2);
	case K_WILDCARD:
		return str && wild_match(&a->wild[0], v, n);
	case K_NUMERIC: {
		struct pat_dec	 d;
		int		 c;

		/* a number the engine cannot compare is no number to it */
		if (!num)
			return 0;
		pat_dec_parse(v, n, &d);
		if (!dec_comparable(&d, v, n))
			return 0;
		if (a->lo.s != NULL && ((c = dec_cmp(&d, &a->dec[0])) < 0 ||
		    (c == 0 && !a->lo_incl)))
			return 0;
		if (a->hi.s != NULL && ((c = dec_cmp(&d, &a->dec[1])) > 0 ||
		    (c == 0 && !a->hi_incl)))
			return 0;
		return 1;
	}
	case K_CIDR:
		return str && pat_parse_ip(v, n, &ip) == 0 &&
		    ip.family == a->cidr.addr.family &&
		    ip_cidr_contains(&a->cidr, &ip);
	case K_EXISTS:
		return 1;
	case K_BUT_STRING:
		for (i = 0; str && i < a->nop; i++)
			if (str_eq(&a->op[i], v, n))
				return 0;
		return 1;
	case K_BUT_NUMBER:
		for (i = 0; num && i < a->nop; i++)
			if (num_eq(&a->op[i], v, n))
				return 0;
		return 1;
	case K_BUT_PREFIX:
		for (i = 0; str && i < a->nop; i++)
			if (n >= a->op[i].len &&
			    memcmp(v, a->op[i].s, a->op[i].len) == 0)
				return 0;
		return 1;
	case K_BUT_SUFFIX:
		for (i = 0; str && i < a->nop; i++)
			if (n >= a->op[i].len && memcmp(v + n - a->op[i].len,
			    a->op[i].s, a->op[i].len) == 0)
				return 0;
		return 1;
	case K_BUT_EIC:
		for (i = 0; str && i < a->nop; i++)
			if (eic_match(a->op[i].s, a->op[i].len, v, n, 0))
				return 0;
		return 1;
	case K_BUT_WILDCARD:
		for (i = 0; str && i < a->nwild; i++)
			if (wild_match(&a->wild[i], v, n))
				return 0;
		return 1;
	}
	return 0;
}

void
pat_value_init(void)
{
	if (!utf8_tried) {
		utf8_tried = 1;
		utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	}
}
