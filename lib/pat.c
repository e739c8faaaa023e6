/*
 * pat.c: compile EventBridge event patterns (with EventBridge's reasons for
 * invalid ones), the operators' value tests, the indexed matcher over all
 * rules and the plain reference evaluator.
 */
#include <ctype.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "ev.h"
#include "ip.h"
#include "pat.h"
#include "util.h"

#define REASON	"Event pattern is not valid. Reason: "

enum pat_kind {
	K_STRING,		/* exact string */
	K_NUMBER,		/* exact number (numeric equality) */
	K_TRUE,
	K_FALSE,
	K_NULL,
	K_PREFIX,
	K_PREFIX_EIC,
	K_SUFFIX,
	K_SUFFIX_EIC,
	K_EIC,
	K_WILDCARD,
	K_NUMERIC,
	K_CIDR,
	K_EXISTS,		/* exists: true (false is a condition flag) */
	K_BUT_STRING,		/* anything-but: strings */
	K_BUT_NUMBER,		/* anything-but: numbers */
	K_BUT_PREFIX,
	K_BUT_SUFFIX,
	K_BUT_EIC,
	K_BUT_WILDCARD
};

struct pat_str {
	char		*s;
	size_t		 len;
	int		 dexact;	/* number: exact as a double */
};

/* A wildcard operand: literal segments between the stars. */
struct pat_wild {
	struct pat_str	*seg;
	size_t		 nseg;		/* stars + 1 */
};

/* One alternative of a leaf's value array. */
struct pat_alt {
	enum pat_kind	 kind;
	struct pat_str	*op;		/* operands: strings or number texts */
	size_t		 nop;
	struct pat_wild	*wild;		/* K_WILDCARD, K_BUT_WILDCARD */
	size_t		 nwild;
	struct pat_str	 lo, hi;	/* K_NUMERIC; s NULL when open */
	int		 lo_incl, hi_incl;
	struct ip_cidr	 cidr;
};

/* A leaf of the pattern: a path and its alternatives. */
struct pat_leaf {
	char		*path;
	size_t		 pathlen;
	uint32_t	 seq;		/* document order */
	struct pat_alt	*alt;
	size_t		 nalt;
	int		 exists_false;	/* an {"exists": false} alternative */
	char		*src;		/* the value array's text */
};

/* A condition of a sub-rule: a leaf, on an interned path. */
struct pat_cond {
	const struct pat_leaf *leaf;
	uint32_t	 path;
	uint32_t	 sub;
};

struct pat_sub {
	size_t		 rule;
	uint32_t	*cond;		/* indexes into set->conds */
	size_t		 ncond;
};

struct pat_rule {
	char		*name;
	struct pat_leaf	*leaf;
	size_t		 nleaf;
	size_t		 firstsub;
	size_t		 nsub;
};

/*
 * Conditions whose alternatives are all exact strings, indexed by those
 * strings: one lookup per event value instead of one test per rule. The
 * first value transition of what can become an automaton.
 */
struct pat_exact {
	const char	*value;		/* borrowed from the leaf; NULL: free */
	size_t		 len;
	uint32_t	*cond;
	size_t		 ncond;
};

/*
 * Conditions with the same path and the same value array, whatever rule
 * they come from, are one class: tested once per event field. The sub-rules
 * that need a class to hold (it is their rarest condition that cannot hold
 * by absence) are anchored on it, so an event looks only at the sub-rules
 * whose anchor it hit.
 */
struct pat_cls {
	const struct pat_leaf *leaf;
	uint32_t	 path;
	uint32_t	 users;		/* sub-rules with this condition */
	uint32_t	*anchored;	/* sub-rules anchored here */
	size_t		 nanchored;
};

/* A distinct field path used by some rule, with every condition on it. */
struct pat_path {
	char		*name;
	size_t		 len;
	uint32_t	*cond;		/* classes tested one by one */
	size_t		 ncond;
	struct pat_exact *exact;	/* open addressing, power of 2 */
	size_t		 nexact;
	size_t		 exactsize;
	uint32_t	 seen;		/* scratch: event generation */
};

/* Scratch of pat_set_match: candidates of a condition, as a list. */
struct pat_hit {
	uint32_t	 field;
	uint32_t	 next;
};

/* Candidate fields of one condition. */
struct cands {
	const uint32_t	*field;
	size_t		 n;
};

struct pat_set {
	struct pat_rule	*rules;
	size_t		 nrules;
	struct pat_sub	*subs;
	size_t		 nsubs;
	struct pat_cond	*conds;
	size_t		 nconds;
	struct pat_path	*paths;
	size_t		 npaths;
	uint32_t	*table;		/* open addressing: path index + 1 */
	size_t		 tablesize;
	struct pat_cls	*cls;
	size_t		 ncls;
	uint32_t	*cond_cls;	/* condition -> class */
	uint32_t	*clstable;	/* open addressing: class index + 1 */
	size_t		 clstablesize;
	uint32_t	*always;	/* sub-rules with no anchor */
	size_t		 nalways;
	int		 anchored;	/* anchors up to date */

	/* scratch for pat_set_match, per class */
	uint32_t	 gen;
	uint32_t	*cond_gen;
	uint32_t	*cond_head;
	uint32_t	*hitcls;	/* classes hit by this event */
	size_t		 nhitcls;
	struct pat_hit	*hits;
	size_t		 nhits;
	size_t		 hitscap;
	size_t		 maxcond;	/* most conditions of one sub-rule */
	struct cands	*cands;		/* maxcond of them */
	uint32_t	*pool;		/* hitscap of them */
};

/* --- numbers ------------------------------------------------------------- */

/* A JSON number as sign, significant digits and a decimal exponent. */
struct dec {
	int		 neg;
	int		 zero;
	const char	*ip, *fp;	/* integer and fraction digits */
	size_t		 ilen, flen;
	long long	 exp;		/* value = 0.D x 10^exp */
	size_t		 lead;		/* leading zeros of D skipped */
	size_t		 nsig;		/* significant digits of D */
};

static char
dec_digit(const struct dec *d, size_t k)
{
	k += d->lead;
	if (k < d->ilen)
		return d->ip[k];
	k -= d->ilen;
	return k < d->flen ? d->fp[k] : '0';
}

static void
dec_parse(const char *s, size_t len, struct dec *d)
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
dec_cmp(const struct dec *a, const struct dec *b)
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
	struct dec	 x, y;

	dec_parse(a, alen, &x);
	dec_parse(b, blen, &y);
	return dec_cmp(&x, &y);
}

/*
 * Is the number exactly what its double prints as (event-ruler gives a
 * literal a numeric matcher only then; 20-digit integers only match by
 * text)?
 */
static int
double_exact(const char *s, size_t len)
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

/* --- value tests --------------------------------------------------------- */

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
static int
parse_ip(const char *s, size_t len, struct ip_addr *ip)
{
	if (memchr(s, ':', len) != NULL && memchr(s, '.', len) != NULL)
		return -1;
	return ip_parse(s, len, ip);
}

static int
test_alt(const struct pat_alt *a, const struct ev_field *f)
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
	case K_NUMERIC:
		if (!num)
			return 0;
		if (a->lo.s != NULL) {
			int c = pat_num_cmp(v, n, a->lo.s, a->lo.len);

			if (c < 0 || (c == 0 && !a->lo_incl))
				return 0;
		}
		if (a->hi.s != NULL) {
			int c = pat_num_cmp(v, n, a->hi.s, a->hi.len);

			if (c > 0 || (c == 0 && !a->hi_incl))
				return 0;
		}
		return 1;
	case K_CIDR:
		return str && parse_ip(v, n, &ip) == 0 &&
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

static int
test_leaf(const struct pat_leaf *l, const struct ev_field *f)
{
	size_t	 i;

	for (i = 0; i < l->nalt; i++)
		if (test_alt(&l->alt[i], f))
			return 1;
	return 0;
}

/* --- compiling ----------------------------------------------------------- */

/* A rule before $or expansion: a product of factors. */
struct prod;
struct factor {
	int		 is_or;
	size_t		 leaf;		/* !is_or */
	struct prod	*br;		/* is_or: the branches */
	size_t		 nbr;
};
struct prod {
	struct factor	*f;
	size_t		 n;
};

struct comp {
	struct ev_doc	 doc;
	const char	*text;
	char		*cause;
	struct pat_leaf	*leaf;
	size_t		 nleaf;
	size_t		 leafcap;
	uint32_t	 seq;
	struct buf	 path;
	int		 depth;		/* keys in path */
};

static const char *reserved_in_or[] = {
	"anything-but", "cidr", "equals-ignore-case", "exactly", "exists",
	"numeric", "prefix", "suffix", "wildcard", "regex",
	"=", "<", "<=", ">", ">=", NULL
};

static int
err(struct comp *c, const char *fmt, ...)
{
	va_list	 ap;

	if (c->cause == NULL) {
		va_start(ap, fmt);
		xvasprintf(&c->cause, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static const struct ev_node *
node(const struct comp *c, uint32_t i)
{
	return &c->doc.nodes[i];
}

static const char *
key_of(const struct comp *c, uint32_t i)
{
	return EV_KEY(&c->doc, node(c, i));
}

static const char *
text_of(const struct comp *c, uint32_t i)
{
	return EV_TEXT(&c->doc, node(c, i));
}

static int
key_is(const struct comp *c, uint32_t i, const char *k)
{
	return node(c, i)->keylen == strlen(k) &&
	    memcmp(key_of(c, i), k, node(c, i)->keylen) == 0;
}

/* How event-ruler names a token it did not expect. */
static const char *
token_text(const struct comp *c, uint32_t i)
{
	switch (node(c, i)->type) {
	case EV_NULL:	return "null";
	case EV_TRUE:	return "true";
	case EV_FALSE:	return "false";
	case EV_ARRAY:	return "[";
	case EV_OBJECT:	return "{";
	default:	return text_of(c, i);
	}
}

static struct pat_str
str_of(const struct comp *c, uint32_t i)
{
	struct pat_str	 s;

	s.len = node(c, i)->textlen;
	s.s = xstrndup(text_of(c, i), s.len);
	s.dexact = node(c, i)->type == EV_NUMBER ?
	    double_exact(s.s, s.len) : 0;
	return s;
}

static struct pat_alt *
new_alt(struct pat_leaf *l, enum pat_kind kind)
{
	struct pat_alt	*a;

	l->alt = xreallocarray(l->alt, l->nalt + 1, sizeof(*l->alt));
	a = &l->alt[l->nalt++];
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	return a;
}

static void
add_op(struct pat_alt *a, struct pat_str s)
{
	a->op = xreallocarray(a->op, a->nop + 1, sizeof(*a->op));
	a->op[a->nop++] = s;
}

/*
 * A wildcard operand: '*' is the wildcard, "\*" and "\\" are a literal star
 * and backslash. Positions in messages count the operand's opening quote.
 */
static int
parse_wild(struct comp *c, const char *s, size_t len, struct pat_wild *w)
{
	struct buf	 seg;
	size_t		 i, stars = 0;

	memset(w, 0, sizeof(*w));
	for (i = 0; i < len; i++) {
		if (s[i] == '\\') {
			if (i + 1 >= len ||
			    (s[i + 1] != '*' && s[i + 1] != '\\'))
				return err(c,
				    "Invalid escape character at pos %zu",
				    i + 1);
			i++;
		} else if (s[i] == '*') {
			if (i + 1 < len && s[i + 1] == '*')
				return err(c, "Consecutive wildcard "
				    "characters at pos %zu", i + 1);
			stars++;
		}
	}
	if (stars > PAT_MAX_WILDCARDS)
		return err(c, "Rule is too complex - try using fewer wildcard "
		    "characters or fewer repeating character sequences after a "
		    "wildcard character");
	w->seg = xcalloc(stars + 1, sizeof(*w->seg));
	buf_init(&seg);
	for (i = 0; i <= len; i++) {
		if (i == len || s[i] == '*') {
			w->seg[w->nseg].len = seg.len;
			w->seg[w->nseg].s = xstrndup(seg.data ? seg.data : "",
			    seg.len);
			w->nseg++;
			buf_reset(&seg);
		} else if (s[i] == '\\')
			buf_addc(&seg, s[++i]);
		else
			buf_addc(&seg, s[i]);
	}
	buf_free(&seg);
	return 0;
}

static int
compile_wildcard(struct comp *c, uint32_t opnd, struct pat_alt *a)
{
	a->wild = xreallocarray(a->wild, a->nwild + 1, sizeof(*a->wild));
	if (parse_wild(c, text_of(c, opnd), node(c, opnd)->textlen,
	    &a->wild[a->nwild]) != 0)
		return -1;
	a->nwild++;
	return 0;
}

static int
only_one_key(struct comp *c, uint32_t obj)
{
	if (node(c, obj)->nchild > 1)
		return err(c, "Only one key allowed in match expression");
	return 0;
}

/* prefix or suffix, optionally with equals-ignore-case inside. */
static int
compile_affix(struct comp *c, struct pat_leaf *l, uint32_t opnd, int suffix)
{
	const char	*name = suffix ? "suffix" : "prefix";
	struct pat_alt	*a;
	uint32_t	 in;

	if (node(c, opnd)->type == EV_STRING) {
		a = new_alt(l, suffix ? K_SUFFIX : K_PREFIX);
		add_op(a, str_of(c, opnd));
		return 0;
	}
	if (node(c, opnd)->type != EV_OBJECT)
		return err(c, "%s match pattern must be a string", name);
	if ((in = node(c, opnd)->child) == EV_NONE)
		return err(c, "Match expression name not found");
	if (!key_is(c, in, "equals-ignore-case"))
		return err(c, "Unsupported %s pattern: %s", name,
		    key_of(c, in));
	if (node(c, in)->type != EV_STRING)
		return err(c,
		    "equals-ignore-case match pattern must be a string");
	if (only_one_key(c, opnd) != 0)
		return -1;
	a = new_alt(l, suffix ? K_SUFFIX_EIC : K_PREFIX_EIC);
	add_op(a, str_of(c, in));
	return 0;
}

static int
compile_but_list(struct comp *c, struct pat_leaf *l, uint32_t opnd)
{
	struct pat_alt	*a;
	uint32_t	 e;
	int		 nstr = 0, nnum = 0;

	for (e = node(c, opnd)->child; e != EV_NONE; e = node(c, e)->next) {
		if (node(c, e)->type == EV_STRING)
			nstr++;
		else if (node(c, e)->type == EV_NUMBER)
			nnum++;
		else
			return err(c, "Inside anything but list, "
			    "start|null|boolean is not supported.");
	}
	if ((nstr > 0) == (nnum > 0))
		return err(c, "Inside anything but list, either all values are "
		    "number or string, mixed type is not supported");
	a = new_alt(l, nstr ? K_BUT_STRING : K_BUT_NUMBER);
	for (e = node(c, opnd)->child; e != EV_NONE; e = node(c, e)->next)
		add_op(a, str_of(c, e));
	return 0;
}

/* anything-but {prefix|suffix|equals-ignore-case|wildcard: s | [s...]} */
static int
compile_but_object(struct comp *c, struct pat_leaf *l, uint32_t opnd)
{
	struct pat_alt	*a;
	uint32_t	 in, e;
	enum pat_kind	 kind;
	int		 affix;

	if ((in = node(c, opnd)->child) == EV_NONE)
		return err(c, "Match expression name not found");
	if (key_is(c, in, "prefix"))
		kind = K_BUT_PREFIX;
	else if (key_is(c, in, "suffix"))
		kind = K_BUT_SUFFIX;
	else if (key_is(c, in, "equals-ignore-case"))
		kind = K_BUT_EIC;
	else if (key_is(c, in, "wildcard"))
		kind = K_BUT_WILDCARD;
	else
		return err(c, "Unsupported anything-but pattern: %s",
		    key_of(c, in));
	affix = kind == K_BUT_PREFIX || kind == K_BUT_SUFFIX;
	a = new_alt(l, kind);
	if (node(c, in)->type == EV_OBJECT)
		return err(c, "Value of anything-but must be an array or "
		    "single string/number value.");
	if (node(c, in)->type == EV_ARRAY && node(c, in)->nchild == 0)
		return err(c, "Empty arrays are not allowed");
	e = node(c, in)->type == EV_ARRAY ? node(c, in)->child : in;
	for (; e != EV_NONE; e = in == e ? EV_NONE : node(c, e)->next) {
		if (node(c, e)->type != EV_STRING) {
			if (kind == K_BUT_EIC && e != in)
				return err(c, "Inside anything-but/"
				    "equals-ignore-case list, "
				    "number|start|null|boolean is not "
				    "supported.");
			if (kind == K_BUT_EIC)
				return err(c, "equals-ignore-case match "
				    "pattern must be a string");
			if (kind == K_BUT_WILDCARD)
				return err(c,
				    "wildcard match pattern must be a string");
			return err(c, "%s match pattern must be a string",
			    kind == K_BUT_PREFIX ? "prefix" : "suffix");
		}
		if (affix && node(c, e)->textlen == 0)
			return err(c, "Null prefix/suffix not allowed");
		if (kind == K_BUT_WILDCARD) {
			if (compile_wildcard(c, e, a) != 0)
				return -1;
		} else
			add_op(a, str_of(c, e));
	}
	return only_one_key(c, opnd);
}

static int
compile_but(struct comp *c, struct pat_leaf *l, uint32_t opnd)
{
	struct pat_alt	*a;

	switch (node(c, opnd)->type) {
	case EV_STRING:
		a = new_alt(l, K_BUT_STRING);
		add_op(a, str_of(c, opnd));
		return 0;
	case EV_NUMBER:
		a = new_alt(l, K_BUT_NUMBER);
		add_op(a, str_of(c, opnd));
		return 0;
	case EV_ARRAY:
		return compile_but_list(c, l, opnd);
	case EV_OBJECT:
		return compile_but_object(c, l, opnd);
	default:
		return err(c, "Value of anything-but must be an array or "
		    "single string/number value.");
	}
}

static const char *
numeric_opname(const char *op)
{
	return strcmp(op, "=") == 0 ? "equals" : op;
}

static int
compile_numeric(struct comp *c, struct pat_leaf *l, uint32_t opnd)
{
	struct pat_alt	*a;
	uint32_t	 e[5], x;
	size_t		 n = 0;
	const char	*op;

	if (node(c, opnd)->type != EV_ARRAY)
		return err(c, "Value of numeric must be an array.");
	for (x = node(c, opnd)->child; x != EV_NONE && n < 5;
	    x = node(c, x)->next)
		e[n++] = x;
	if (n == 0)
		return err(c, "Invalid member in numeric match: ]");
	if (node(c, e[0])->type != EV_STRING)
		return err(c, "Invalid member in numeric match: %s",
		    token_text(c, e[0]));
	op = text_of(c, e[0]);
	if (strcmp(op, "=") != 0 && strcmp(op, "<") != 0 &&
	    strcmp(op, "<=") != 0 && strcmp(op, ">") != 0 &&
	    strcmp(op, ">=") != 0)
		return err(c, "Unrecognized numeric range operator: %s", op);
	if (n < 2 || node(c, e[1])->type != EV_NUMBER)
		return err(c, "Value of %s must be numeric",
		    numeric_opname(op));
	a = new_alt(l, K_NUMERIC);
	if (op[0] == '=') {
		a->lo = str_of(c, e[1]);
		a->hi = str_of(c, e[1]);
		a->lo_incl = a->hi_incl = 1;
	} else if (op[0] == '<') {
		a->hi = str_of(c, e[1]);
		a->hi_incl = op[1] == '=';
	} else {
		a->lo = str_of(c, e[1]);
		a->lo_incl = op[1] == '=';
	}
	if (n == 2)
		return 0;
	if (op[0] != '>')
		return err(c, "Too many elements in numeric expression");
	op = token_text(c, e[2]);
	if (node(c, e[2])->type != EV_STRING ||
	    (strcmp(op, "<") != 0 && strcmp(op, "<=") != 0))
		return err(c, "Bad numeric range operator: %s", op);
	if (n < 4 || node(c, e[3])->type != EV_NUMBER)
		return err(c, "Value of %s must be numeric", op);
	a->hi = str_of(c, e[3]);
	a->hi_incl = op[1] == '=';
	if (n > 4)
		return err(c, "Too many terms in numeric range expression");
	if (pat_num_cmp(a->lo.s, a->lo.len, a->hi.s, a->hi.len) >= 0)
		return err(c, "Bottom must be less than top");
	return 0;
}

static void
mask_host_bits(struct ip_cidr *cidr)
{
	int	 i, bits = cidr->bits;

	for (i = 0; i < 16; i++) {
		if (bits >= 8)
			bits -= 8;
		else {
			cidr->addr.bytes[i] &= (uint8_t)(0xff00 >> bits);
			bits = 0;
		}
	}
}

static int
compile_cidr(struct comp *c, struct pat_leaf *l, uint32_t opnd)
{
	struct pat_alt	*a;
	const char	*s = text_of(c, opnd), *slash, *p;
	size_t		 len = node(c, opnd)->textlen;
	long		 bits = 0;
	int		 neg = 0;
	struct ip_addr	 ip;

	if (node(c, opnd)->type != EV_STRING)
		return err(c, "prefix match pattern must be a string");
	slash = memchr(s, '/', len);
	if (slash == NULL || memchr(slash + 1, '/', s + len - slash - 1))
		return err(c, "Malformed CIDR, one '/' required");
	p = slash + 1;
	if (p < s + len && (*p == '-' || *p == '+'))
		neg = *p++ == '-';
	if (p == s + len || s + len - p > 9)
		return err(c, "Malformed CIDR, mask bits must be an integer");
	for (; p < s + len; p++) {
		if (!isdigit((unsigned char)*p))
			return err(c,
			    "Malformed CIDR, mask bits must be an integer");
		bits = bits * 10 + (*p - '0');
	}
	if (neg && bits != 0)
		return err(c, "Malformed CIDR, mask bits must not be negative");
	if (parse_ip(s, slash - s, &ip) != 0)
		return err(c, "Nonstandard IP address: %.*s",
		    (int)(slash - s), s);
	if (ip.family == 4 && bits >= 32)
		return err(c, "IPv4 mask bits must be < 32");
	if (ip.family == 6 && bits >= 128)
		return err(c, "IPv6 mask bits must be < 128");
	a = new_alt(l, K_CIDR);
	a->cidr.addr = ip;
	a->cidr.bits = (int)bits;
	mask_host_bits(&a->cidr);
	return 0;
}

/* One operator object of a value array. */
static int
compile_op(struct comp *c, struct pat_leaf *l, uint32_t obj)
{
	struct pat_alt	*a;
	uint32_t	 m = node(c, obj)->child;
	const char	*k;
	int		 r;

	if (m == EV_NONE)
		return err(c, "Match expression name not found");
	k = key_of(c, m);
	if (strcmp(k, "prefix") == 0 || strcmp(k, "suffix") == 0)
		r = compile_affix(c, l, m, k[0] == 's');
	else if (strcmp(k, "equals-ignore-case") == 0 ||
	    strcmp(k, "exactly") == 0) {
		if (node(c, m)->type != EV_STRING)
			return err(c, "%s match pattern must be a string", k);
		a = new_alt(l, k[0] == 'e' && k[1] == 'q' ? K_EIC : K_STRING);
		add_op(a, str_of(c, m));
		r = 0;
	} else if (strcmp(k, "anything-but") == 0)
		r = compile_but(c, l, m);
	else if (strcmp(k, "numeric") == 0)
		r = compile_numeric(c, l, m);
	else if (strcmp(k, "exists") == 0) {
		if (node(c, m)->type == EV_TRUE)
			new_alt(l, K_EXISTS);
		else if (node(c, m)->type == EV_FALSE)
			l->exists_false = 1;
		else
			return err(c, "exists match pattern must be "
			    "either true or false.");
		r = 0;
	} else if (strcmp(k, "cidr") == 0)
		r = compile_cidr(c, l, m);
	else if (strcmp(k, "wildcard") == 0) {
		if (node(c, m)->type != EV_STRING)
			return err(c,
			    "wildcard match pattern must be a string");
		r = compile_wildcard(c, m, new_alt(l, K_WILDCARD));
	} else
		return err(c, "Unrecognized match type %s", k);
	if (r != 0)
		return -1;
	return only_one_key(c, obj);
}

/* A value array: the alternatives of one field. */
static int
compile_leaf(struct comp *c, uint32_t arr, size_t *out)
{
	struct pat_leaf	*l;
	uint32_t	 e;

	if (node(c, arr)->nchild == 0)
		return err(c, "Empty arrays are not allowed");
	if (c->nleaf == c->leafcap) {
		c->leafcap = c->leafcap ? c->leafcap * 2 : 16;
		c->leaf = xreallocarray(c->leaf, c->leafcap, sizeof(*c->leaf));
	}
	*out = c->nleaf;
	l = &c->leaf[c->nleaf++];
	memset(l, 0, sizeof(*l));
	l->path = xstrndup(c->path.data ? c->path.data : "", c->path.len);
	l->pathlen = c->path.len;
	l->seq = c->seq++;
	l->src = xstrndup(c->text + node(c, arr)->src, node(c, arr)->srclen);
	for (e = node(c, arr)->child; e != EV_NONE; e = node(c, e)->next) {
		l = &c->leaf[*out];
		switch (node(c, e)->type) {
		case EV_ARRAY:
			return err(c, "Match value must be String, number, "
			    "true, false, or null");
		case EV_OBJECT:
			if (compile_op(c, l, e) != 0)
				return -1;
			break;
		case EV_STRING:
			add_op(new_alt(l, K_STRING), str_of(c, e));
			break;
		case EV_NUMBER:
			add_op(new_alt(l, K_NUMBER), str_of(c, e));
			break;
		case EV_TRUE:
			new_alt(l, K_TRUE);
			break;
		case EV_FALSE:
			new_alt(l, K_FALSE);
			break;
		case EV_NULL:
			new_alt(l, K_NULL);
			break;
		}
	}
	return 0;
}

static void
prod_add(struct prod *p, struct factor f)
{
	p->f = xreallocarray(p->f, p->n + 1, sizeof(*p->f));
	p->f[p->n++] = f;
}

static void
prod_free(struct prod *p)
{
	size_t	 i, j;

	for (i = 0; i < p->n; i++) {
		for (j = 0; j < p->f[i].nbr; j++)
			prod_free(&p->f[i].br[j]);
		free(p->f[i].br);
	}
	free(p->f);
	p->f = NULL;
	p->n = 0;
}

static int	compile_object(struct comp *, uint32_t, struct prod *, int);

static int
compile_or(struct comp *c, uint32_t m, struct factor *f)
{
	uint32_t	 e;

	memset(f, 0, sizeof(*f));
	f->is_or = 1;
	if (node(c, m)->type != EV_ARRAY)
		return err(c, "It must be an Array followed with $or.");
	f->br = xcalloc(node(c, m)->nchild + 1, sizeof(*f->br));
	for (e = node(c, m)->child; e != EV_NONE; e = node(c, e)->next) {
		if (node(c, e)->type != EV_OBJECT)
			return err(c, "Only JSON object is allowed in array of "
			    "$or relationship.");
		if (compile_object(c, e, &f->br[f->nbr++], 1) != 0)
			return -1;
	}
	if (f->nbr < 2)
		return err(c, "There must have at least 2 Objects in $or "
		    "relationship.");
	return 0;
}

static int
shadowed_member(const struct comp *c, uint32_t m)
{
	uint32_t	 x;

	for (x = node(c, m)->next; x != EV_NONE; x = node(c, x)->next)
		if (node(c, x)->keylen == node(c, m)->keylen &&
		    memcmp(key_of(c, x), key_of(c, m), node(c, m)->keylen) == 0)
			return 1;
	return 0;
}

static int
compile_member(struct comp *c, uint32_t m, struct prod *out)
{
	struct factor	 f;
	size_t		 save = c->path.len, leaf = 0;
	int		 r = 0;

	if (key_is(c, m, "$or")) {
		r = compile_or(c, m, &f);
		if (r == 0)
			prod_add(out, f);
		else {
			struct prod tmp = { NULL, 0 };

			prod_add(&tmp, f);
			prod_free(&tmp);
		}
		return r;
	}
	if (node(c, m)->type != EV_OBJECT && node(c, m)->type != EV_ARRAY)
		return err(c, "\"%s\" must be an object or an array",
		    key_of(c, m));
	if (c->depth++ > 0)
		buf_addc(&c->path, '.');
	buf_add(&c->path, key_of(c, m), node(c, m)->keylen);
	if (node(c, m)->type == EV_OBJECT)
		r = compile_object(c, m, out, 0);
	else if ((r = compile_leaf(c, m, &leaf)) == 0) {
		memset(&f, 0, sizeof(f));
		f.leaf = leaf;
		prod_add(out, f);
	}
	c->depth--;
	c->path.len = save;
	return r;
}

static int
compile_object(struct comp *c, uint32_t obj, struct prod *out, int in_or)
{
	struct prod	 dead = { NULL, 0 };
	uint32_t	 m;
	size_t		 i;
	int		 r = 0;

	if (node(c, obj)->nchild == 0)
		return err(c, "Empty objects are not allowed");
	for (m = node(c, obj)->child; m != EV_NONE && r == 0;
	    m = node(c, m)->next) {
		for (i = 0; in_or && reserved_in_or[i] != NULL; i++)
			if (key_is(c, m, reserved_in_or[i]))
				return err(c, "%s is Ruler reserved fieldName "
				    "which cannot be used inside $or.",
				    reserved_in_or[i]);
		/* a duplicate key: the last one wins, all are validated */
		r = compile_member(c, m, shadowed_member(c, m) ? &dead : out);
	}
	prod_free(&dead);
	return r;
}

/* Number of sub-rules a product expands into, saturating above the limit. */
static size_t
prod_count(const struct prod *p)
{
	size_t	 n = 1, i, j, sum;

	for (i = 0; i < p->n; i++) {
		if (!p->f[i].is_or)
			continue;
		for (sum = 0, j = 0; j < p->f[i].nbr; j++) {
			sum += prod_count(&p->f[i].br[j]);
			if (sum > PAT_MAX_COMBINATIONS)
				sum = PAT_MAX_COMBINATIONS + 1;
		}
		n *= sum;
		if (n > PAT_MAX_COMBINATIONS)
			n = PAT_MAX_COMBINATIONS + 1;
	}
	return n;
}

/* A list of leaves: one sub-rule before duplicates are resolved. */
struct combo {
	size_t		*leaf;
	size_t		 n;
};
struct combos {
	struct combo	*c;
	size_t		 n;
};

static void
combos_free(struct combos *cs)
{
	size_t	 i;

	for (i = 0; i < cs->n; i++)
		free(cs->c[i].leaf);
	free(cs->c);
	cs->c = NULL;
	cs->n = 0;
}

static void
combo_cat(struct combo *dst, const struct combo *a, const struct combo *b)
{
	dst->n = a->n + b->n;
	dst->leaf = xreallocarray(NULL, dst->n + 1, sizeof(*dst->leaf));
	if (a->n > 0)
		memcpy(dst->leaf, a->leaf, a->n * sizeof(*a->leaf));
	if (b->n > 0)
		memcpy(dst->leaf + a->n, b->leaf, b->n * sizeof(*b->leaf));
}

static void
expand(const struct prod *p, struct combos *out)
{
	struct combos	 cur, next, br;
	struct combo	 one;
	size_t		 i, j, k, b;

	cur.c = xcalloc(1, sizeof(*cur.c));
	cur.n = 1;
	for (i = 0; i < p->n; i++) {
		next.c = NULL;
		next.n = 0;
		if (!p->f[i].is_or) {
			one.leaf = (size_t *)&p->f[i].leaf;
			one.n = 1;
			next.c = xcalloc(cur.n, sizeof(*next.c));
			for (j = 0; j < cur.n; j++)
				combo_cat(&next.c[next.n++], &cur.c[j], &one);
		} else {
			for (b = 0; b < p->f[i].nbr; b++) {
				expand(&p->f[i].br[b], &br);
				next.c = xreallocarray(next.c,
				    next.n + cur.n * br.n + 1, sizeof(*next.c));
				for (j = 0; j < cur.n; j++)
					for (k = 0; k < br.n; k++)
						combo_cat(&next.c[next.n++],
						    &cur.c[j], &br.c[k]);
				combos_free(&br);
			}
		}
		combos_free(&cur);
		cur = next;
	}
	*out = cur;
}

/* --- the set ------------------------------------------------------------- */

static uint32_t
hash_path(const char *s, size_t len)
{
	uint32_t	 h = 2166136261u;
	size_t		 i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

/*
 * Room for one more element in an array of n that grows by doubling (its
 * capacity is the next power of two): thousands of rules stay linear.
 */
static void *
grow(void *p, size_t n, size_t size)
{
	if (n == 0 || (n & (n - 1)) == 0)
		return xreallocarray(p, n == 0 ? 1 : n * 2, size);
	return p;
}

static uint32_t
lookup_path(const struct pat_set *set, const char *s, size_t len)
{
	size_t		 i, mask = set->tablesize - 1;
	uint32_t	 v;

	if (set->tablesize == 0)
		return EV_NONE;
	for (i = hash_path(s, len) & mask; (v = set->table[i]) != 0;
	    i = (i + 1) & mask) {
		const struct pat_path *p = &set->paths[v - 1];

		if (p->len == len && memcmp(p->name, s, len) == 0)
			return v - 1;
	}
	return EV_NONE;
}

static void
table_insert(struct pat_set *set, uint32_t idx)
{
	size_t	 i, mask = set->tablesize - 1;
	const struct pat_path *p = &set->paths[idx];

	for (i = hash_path(p->name, p->len) & mask; set->table[i] != 0;
	    i = (i + 1) & mask)
		;
	set->table[i] = idx + 1;
}

static uint32_t
intern_path(struct pat_set *set, const char *s, size_t len)
{
	uint32_t	 idx, i;

	if ((idx = lookup_path(set, s, len)) != EV_NONE)
		return idx;
	if ((set->npaths + 1) * 2 > set->tablesize) {
		set->tablesize = set->tablesize ? set->tablesize * 2 : 64;
		free(set->table);
		set->table = xcalloc(set->tablesize, sizeof(*set->table));
		for (i = 0; i < set->npaths; i++)
			table_insert(set, i);
	}
	set->paths = grow(set->paths, set->npaths, sizeof(*set->paths));
	idx = (uint32_t)set->npaths++;
	memset(&set->paths[idx], 0, sizeof(set->paths[idx]));
	set->paths[idx].name = xstrndup(s, len);
	set->paths[idx].len = len;
	table_insert(set, idx);
	return idx;
}

struct pat_set *
pat_set_new(void)
{
	if (!utf8_tried) {
		utf8_tried = 1;
		utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	}
	return xcalloc(1, sizeof(struct pat_set));
}

static void
alt_free(struct pat_alt *a)
{
	size_t	 i, j;

	for (i = 0; i < a->nop; i++)
		free(a->op[i].s);
	free(a->op);
	for (i = 0; i < a->nwild; i++) {
		for (j = 0; j < a->wild[i].nseg; j++)
			free(a->wild[i].seg[j].s);
		free(a->wild[i].seg);
	}
	free(a->wild);
	free(a->lo.s);
	free(a->hi.s);
}

static void
leaves_free(struct pat_leaf *leaf, size_t n)
{
	size_t	 i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < leaf[i].nalt; j++)
			alt_free(&leaf[i].alt[j]);
		free(leaf[i].alt);
		free(leaf[i].path);
		free(leaf[i].src);
	}
	free(leaf);
}

void
pat_set_free(struct pat_set *set)
{
	size_t	 i, j;

	if (set == NULL)
		return;
	for (i = 0; i < set->nrules; i++) {
		free(set->rules[i].name);
		leaves_free(set->rules[i].leaf, set->rules[i].nleaf);
	}
	free(set->rules);
	for (i = 0; i < set->nsubs; i++)
		free(set->subs[i].cond);
	free(set->subs);
	free(set->conds);
	for (i = 0; i < set->npaths; i++) {
		free(set->paths[i].name);
		free(set->paths[i].cond);
		for (j = 0; j < set->paths[i].exactsize; j++)
			free(set->paths[i].exact[j].cond);
		free(set->paths[i].exact);
	}
	free(set->paths);
	free(set->table);
	free(set->cond_gen);
	free(set->cond_head);
	free(set->hitcls);
	for (i = 0; i < set->ncls; i++)
		free(set->cls[i].anchored);
	free(set->cls);
	free(set->cond_cls);
	free(set->clstable);
	free(set->always);
	free(set->hits);
	free(set->cands);
	free(set->pool);
	free(set);
}

size_t
pat_set_count(const struct pat_set *set)
{
	return set->nrules;
}

const char *
pat_set_name(const struct pat_set *set, size_t i)
{
	return set->rules[i].name;
}

size_t
pat_set_npaths(const struct pat_set *set)
{
	return set->npaths;
}

const char *
pat_set_path(const struct pat_set *set, size_t i, size_t *len)
{
	*len = set->paths[i].len;
	return set->paths[i].name;
}

/*
 * Turn one expansion into a sub-rule: the same path twice (written inside
 * and outside an $or, or as "a.b" and a:{b}) keeps the leaf written last.
 */
static void
add_sub(struct pat_set *set, size_t rule, const struct pat_leaf *leaf,
    const struct combo *cb)
{
	struct pat_sub	*s;
	struct pat_cond	*cd;
	size_t		 i, j;
	int		 keep;

	set->subs = grow(set->subs, set->nsubs, sizeof(*set->subs));
	s = &set->subs[set->nsubs];
	s->rule = rule;
	s->cond = xreallocarray(NULL, cb->n + 1, sizeof(*s->cond));
	s->ncond = 0;
	for (i = 0; i < cb->n; i++) {
		const struct pat_leaf *l = &leaf[cb->leaf[i]];

		for (keep = 1, j = 0; j < cb->n && keep; j++) {
			const struct pat_leaf *o = &leaf[cb->leaf[j]];

			if (o->pathlen == l->pathlen && o->seq > l->seq &&
			    memcmp(o->path, l->path, l->pathlen) == 0)
				keep = 0;
		}
		if (!keep)
			continue;
		set->conds = grow(set->conds, set->nconds,
		    sizeof(*set->conds));
		cd = &set->conds[set->nconds];
		cd->leaf = l;
		cd->path = intern_path(set, l->path, l->pathlen);
		cd->sub = (uint32_t)set->nsubs;
		s->cond[s->ncond++] = (uint32_t)set->nconds++;
	}
	if (s->ncond > set->maxcond)
		set->maxcond = s->ncond;
	set->nsubs++;
}

static struct pat_exact *
exact_slot(const struct pat_path *p, const char *v, size_t len)
{
	size_t	 i, mask = p->exactsize - 1;

	if (p->exactsize == 0)
		return NULL;
	for (i = hash_path(v, len) & mask; p->exact[i].value != NULL;
	    i = (i + 1) & mask)
		if (p->exact[i].len == len &&
		    memcmp(p->exact[i].value, v, len) == 0)
			break;
	return &p->exact[i];
}

static void
exact_add(struct pat_path *p, const struct pat_str *v, uint32_t cond)
{
	struct pat_exact *e, *old = p->exact;
	size_t		 i, oldsize = p->exactsize;

	if ((p->nexact + 1) * 2 > p->exactsize) {
		p->exactsize = p->exactsize ? p->exactsize * 2 : 8;
		p->exact = xcalloc(p->exactsize, sizeof(*p->exact));
		for (i = 0; i < oldsize; i++)
			if (old[i].value != NULL)
				*exact_slot(p, old[i].value, old[i].len) =
				    old[i];
		free(old);
	}
	e = exact_slot(p, v->s, v->len);
	if (e->value == NULL) {
		e->value = v->s;
		e->len = v->len;
		p->nexact++;
	} else if (e->ncond > 0 && e->cond[e->ncond - 1] == cond)
		return;		/* ["x", "x"] */
	e->cond = grow(e->cond, e->ncond, sizeof(*e->cond));
	e->cond[e->ncond++] = cond;
}

static int
all_exact_strings(const struct pat_leaf *l)
{
	size_t	 i;

	for (i = 0; i < l->nalt; i++)
		if (l->alt[i].kind != K_STRING)
			return 0;
	return l->nalt > 0;
}

static uint32_t
cls_hash(uint32_t path, const char *src)
{
	return hash_path(src, strlen(src)) ^ (path * 0x9e3779b9u);
}

static void
clstable_insert(struct pat_set *set, uint32_t k)
{
	size_t	 i, mask = set->clstablesize - 1;

	for (i = cls_hash(set->cls[k].path, set->cls[k].leaf->src) & mask;
	    set->clstable[i] != 0; i = (i + 1) & mask)
		;
	set->clstable[i] = k + 1;
}

/* The class of condition i: found, or new (then 1 in *fresh). */
static uint32_t
intern_cls(struct pat_set *set, size_t i, int *fresh)
{
	const struct pat_cond *cd = &set->conds[i];
	size_t		 j, mask = set->clstablesize - 1;
	uint32_t	 v, k;

	*fresh = 0;
	for (j = set->clstablesize == 0 ? 0 :
	    cls_hash(cd->path, cd->leaf->src) & mask;
	    set->clstablesize > 0 && (v = set->clstable[j]) != 0;
	    j = (j + 1) & mask) {
		const struct pat_cls *c = &set->cls[v - 1];

		if (c->path == cd->path &&
		    strcmp(c->leaf->src, cd->leaf->src) == 0)
			return v - 1;
	}
	if ((set->ncls + 1) * 2 > set->clstablesize) {
		set->clstablesize = set->clstablesize ?
		    set->clstablesize * 2 : 64;
		free(set->clstable);
		set->clstable = xcalloc(set->clstablesize,
		    sizeof(*set->clstable));
		for (k = 0; k < set->ncls; k++)
			clstable_insert(set, k);
	}
	set->cls = grow(set->cls, set->ncls, sizeof(*set->cls));
	k = (uint32_t)set->ncls++;
	memset(&set->cls[k], 0, sizeof(set->cls[k]));
	set->cls[k].leaf = cd->leaf;
	set->cls[k].path = cd->path;
	clstable_insert(set, k);
	*fresh = 1;
	return k;
}

static void
index_conds(struct pat_set *set, size_t from)
{
	size_t	 i, j;
	uint32_t k;
	int	 fresh;

	for (i = from; i < set->nconds; i++) {
		struct pat_path *p = &set->paths[set->conds[i].path];
		const struct pat_leaf *l = set->conds[i].leaf;

		set->cond_cls = grow(set->cond_cls, i, sizeof(*set->cond_cls));
		set->cond_cls[i] = k = intern_cls(set, i, &fresh);
		if (!fresh)
			continue;
		if (all_exact_strings(l)) {
			for (j = 0; j < l->nalt; j++)
				exact_add(p, &l->alt[j].op[0], k);
			continue;
		}
		p->cond = grow(p->cond, p->ncond, sizeof(*p->cond));
		p->cond[p->ncond++] = k;
	}
	set->anchored = 0;
}

/*
 * Anchor every sub-rule on its condition that the fewest sub-rules share,
 * among those that cannot hold by absence ({"exists": false}); sub-rules
 * without one are looked at for every event.
 */
static void
anchor_subs(struct pat_set *set)
{
	size_t		 i, j;
	uint32_t	 k, best;

	for (k = 0; k < set->ncls; k++) {
		set->cls[k].users = 0;
		free(set->cls[k].anchored);	/* grow() starts again */
		set->cls[k].anchored = NULL;
		set->cls[k].nanchored = 0;
	}
	for (i = 0; i < set->nsubs; i++)
		for (j = 0; j < set->subs[i].ncond; j++)
			set->cls[set->cond_cls[set->subs[i].cond[j]]].users++;
	set->always = xreallocarray(set->always, set->nsubs + 1,
	    sizeof(*set->always));
	set->nalways = 0;
	for (i = 0; i < set->nsubs; i++) {
		best = EV_NONE;
		for (j = 0; j < set->subs[i].ncond; j++) {
			uint32_t cd = set->subs[i].cond[j];

			k = set->cond_cls[cd];
			if (set->conds[cd].leaf->exists_false)
				continue;
			if (best == EV_NONE ||
			    set->cls[k].users < set->cls[best].users)
				best = k;
		}
		if (best == EV_NONE) {
			set->always[set->nalways++] = (uint32_t)i;
			continue;
		}
		set->cls[best].anchored = grow(set->cls[best].anchored,
		    set->cls[best].nanchored,
		    sizeof(*set->cls[best].anchored));
		set->cls[best].anchored[set->cls[best].nanchored++] =
		    (uint32_t)i;
	}
	/* scratch of pat_set_match, per class; stamps of 0 are never current */
	set->cond_gen = xreallocarray(set->cond_gen, set->ncls + 1,
	    sizeof(*set->cond_gen));
	set->cond_head = xreallocarray(set->cond_head, set->ncls + 1,
	    sizeof(*set->cond_head));
	set->hitcls = xreallocarray(set->hitcls, set->ncls + 1,
	    sizeof(*set->hitcls));
	memset(set->cond_gen, 0, (set->ncls + 1) * sizeof(*set->cond_gen));
	set->cands = xreallocarray(set->cands, set->maxcond + 1,
	    sizeof(*set->cands));
	set->anchored = 1;
}

int
pat_set_add(struct pat_set *set, const char *name, const char *text,
    size_t len, char **cause)
{
	struct comp	 c;
	struct prod	 top = { NULL, 0 };
	struct combos	 cs = { NULL, 0 };
	struct pat_rule	*r;
	char		*why = NULL;
	size_t		 i, firstcond = set->nconds;
	int		 idx = -1;

	*cause = NULL;
	memset(&c, 0, sizeof(c));
	ev_doc_init(&c.doc);
	buf_init(&c.path);
	c.text = text;
	if (ev_doc_parse(&c.doc, text, len, &why) != 0) {
		xasprintf(cause, REASON "invalid JSON: %s", why);
		free(why);
		goto out;
	}
	if (c.doc.nodes[0].type != EV_OBJECT) {
		xasprintf(cause, REASON "Filter is not an object");
		goto out;
	}
	if (compile_object(&c, 0, &top, 0) != 0) {
		xasprintf(cause, REASON "%s", c.cause);
		goto out;
	}
	if (prod_count(&top) > PAT_MAX_COMBINATIONS) {
		xasprintf(cause, REASON "The $or in the pattern expands into "
		    "more than %d combinations", PAT_MAX_COMBINATIONS);
		goto out;
	}
	expand(&top, &cs);
	set->rules = grow(set->rules, set->nrules, sizeof(*set->rules));
	r = &set->rules[set->nrules];
	r->name = xstrdup(name);
	r->leaf = c.leaf;
	r->nleaf = c.nleaf;
	c.leaf = NULL;
	c.nleaf = 0;
	r->firstsub = set->nsubs;
	for (i = 0; i < cs.n; i++)
		add_sub(set, set->nrules, r->leaf, &cs.c[i]);
	r->nsub = set->nsubs - r->firstsub;
	index_conds(set, firstcond);
	idx = (int)set->nrules++;
out:
	combos_free(&cs);
	prod_free(&top);
	leaves_free(c.leaf, c.nleaf);
	free(c.cause);
	buf_free(&c.path);
	ev_doc_free(&c.doc);
	return idx;
}

/* --- matching ------------------------------------------------------------ */

/* Is field f compatible with the k fields chosen so far? */
static int
fits(const struct ev_event *ev, uint32_t f, const uint32_t *chosen, size_t k)
{
	size_t	 j;

	for (j = 0; j < k; j++)
		if (!ev_trail_compatible(&ev->fields[f],
		    &ev->fields[chosen[j]]))
			return 0;
	return 1;
}

/*
 * Choose one candidate field per condition so that no two chosen fields
 * come from different elements of one array: backtracking, with a look
 * ahead that drops a choice at once when it leaves a later condition
 * nothing to choose from (which keeps crafted events from making this
 * exponential in the common shapes).
 */
static int
pick(const struct ev_event *ev, const struct cands *c, size_t n, size_t k,
    uint32_t *chosen)
{
	size_t	 i, j, m;

	if (k == n)
		return 1;
	for (i = 0; i < c[k].n; i++) {
		if (!fits(ev, c[k].field[i], chosen, k))
			continue;
		chosen[k] = c[k].field[i];
		for (j = k + 1; j < n; j++) {
			for (m = 0; m < c[j].n; m++)
				if (fits(ev, c[j].field[m], chosen, k + 1))
					break;
			if (m == c[j].n)
				break;
		}
		if (j == n && pick(ev, c, n, k + 1, chosen))
			return 1;
	}
	return 0;
}

static int
needs_pick(const struct ev_event *ev, const struct cands *c, size_t n)
{
	size_t	 i, j;

	if (n < 2)
		return 0;
	for (i = 0; i < n; i++)
		for (j = 0; j < c[i].n; j++)
			if (ev->fields[c[i].field[j]].traillen > 0)
				return 1;
	return 0;
}

static int
consistent(const struct ev_event *ev, struct cands *c, size_t n)
{
	struct cands	 t;
	uint32_t	*chosen;
	size_t		 i, j;
	int		 r;

	if (!needs_pick(ev, c, n))
		return 1;
	/* fewest candidates first: the answer is the same, found sooner */
	for (i = 1; i < n; i++) {
		t = c[i];
		for (j = i; j > 0 && c[j - 1].n > t.n; j--)
			c[j] = c[j - 1];
		c[j] = t;
	}
	chosen = xreallocarray(NULL, n, sizeof(*chosen));
	r = pick(ev, c, n, 0, chosen);
	free(chosen);
	return r;
}

static void
add_hit(struct pat_set *set, uint32_t cond, uint32_t field)
{
	if (set->nhits == set->hitscap) {
		set->hitscap = set->hitscap ? set->hitscap * 2 : 256;
		set->hits = xreallocarray(set->hits, set->hitscap,
		    sizeof(*set->hits));
		set->pool = xreallocarray(set->pool, set->hitscap,
		    sizeof(*set->pool));
	}
	if (set->cond_gen[cond] != set->gen) {
		set->cond_gen[cond] = set->gen;
		set->cond_head[cond] = EV_NONE;
		set->hitcls[set->nhitcls++] = cond;
	}
	set->hits[set->nhits].field = field;
	set->hits[set->nhits].next = set->cond_head[cond];
	set->cond_head[cond] = (uint32_t)set->nhits++;
}

static int
sub_matches(struct pat_set *set, const struct pat_sub *s,
    const struct ev_event *ev, struct cands *c, uint32_t *pool)
{
	size_t		 i, n = 0, used = 0;
	uint32_t	 h;

	for (i = 0; i < s->ncond; i++) {
		const struct pat_cond *cd = &set->conds[s->cond[i]];
		uint32_t	 k = set->cond_cls[s->cond[i]];

		if (set->cond_gen[k] == set->gen) {
			c[n].field = pool + used;
			c[n].n = 0;
			for (h = set->cond_head[k]; h != EV_NONE;
			    h = set->hits[h].next)
				pool[used + c[n].n++] = set->hits[h].field;
			used += c[n++].n;
		} else if (!cd->leaf->exists_false ||
		    set->paths[cd->path].seen == set->gen)
			return 0;
	}
	return consistent(ev, c, n);
}

size_t
pat_set_match(struct pat_set *set, const struct ev_event *ev,
    uint8_t *matched)
{
	struct cands	*c;
	uint32_t	*pool, pid;
	size_t		 i, j, nmatch = 0;

	memset(matched, 0, set->nrules);
	if (!set->anchored)
		anchor_subs(set);
	if (++set->gen == 0) {		/* wrapped: forget old stamps */
		memset(set->cond_gen, 0, set->ncls * sizeof(*set->cond_gen));
		for (i = 0; i < set->npaths; i++)
			set->paths[i].seen = 0;
		set->gen = 1;
	}
	set->nhits = 0;
	set->nhitcls = 0;
	for (i = 0; i < ev->nfields; i++) {
		const struct ev_field *f = &ev->fields[i];

		if ((pid = lookup_path(set, f->path, f->pathlen)) == EV_NONE)
			continue;
		set->paths[pid].seen = set->gen;
		if (f->type == EV_STRING && set->paths[pid].nexact > 0) {
			const struct pat_exact *e = exact_slot(&set->paths[pid],
			    f->value, f->valuelen);

			for (j = 0; e->value != NULL && j < e->ncond; j++)
				add_hit(set, e->cond[j], (uint32_t)i);
		}
		for (j = 0; j < set->paths[pid].ncond; j++) {
			uint32_t cd = set->paths[pid].cond[j];

			if (test_leaf(set->cls[cd].leaf, f))
				add_hit(set, cd, (uint32_t)i);
		}
	}
	c = set->cands;
	pool = set->pool;
	/* only sub-rules whose anchor was hit, and those without one */
	for (i = 0; i <= set->nhitcls; i++) {
		const uint32_t *sub;
		size_t		 nsub;

		if (i < set->nhitcls) {
			sub = set->cls[set->hitcls[i]].anchored;
			nsub = set->cls[set->hitcls[i]].nanchored;
		} else {
			sub = set->always;
			nsub = set->nalways;
		}
		for (j = 0; j < nsub; j++) {
			const struct pat_sub *s = &set->subs[sub[j]];

			if (matched[s->rule])
				continue;
			if (sub_matches(set, s, ev, c, pool)) {
				matched[s->rule] = 1;
				nmatch++;
			}
		}
	}
	return nmatch;
}

/*
 * The reference evaluator, for one sub-rule: scan every field of the event
 * for every condition. fail, if not NULL, gets the index of the first
 * condition that cannot be met on its own (or ncond when only array
 * consistency fails).
 */
static int
ref_sub(const struct pat_set *set, const struct pat_sub *s,
    const struct ev_event *ev, size_t *fail)
{
	struct cands	*c;
	uint32_t	*pool;
	size_t		 i, j, n = 0, used = 0, present;
	int		 r = 0;

	c = xreallocarray(NULL, s->ncond + 1, sizeof(*c));
	pool = xreallocarray(NULL, s->ncond * ev->nfields + 1, sizeof(*pool));
	for (i = 0; i < s->ncond; i++) {
		const struct pat_leaf *l = set->conds[s->cond[i]].leaf;

		c[n].field = pool + used;
		c[n].n = 0;
		for (present = 0, j = 0; j < ev->nfields; j++) {
			const struct ev_field *f = &ev->fields[j];

			if (f->pathlen != l->pathlen ||
			    memcmp(f->path, l->path, l->pathlen) != 0)
				continue;
			present++;
			if (test_leaf(l, f))
				pool[used + c[n].n++] = (uint32_t)j;
		}
		if (c[n].n > 0)
			used += c[n++].n;
		else if (!(l->exists_false && present == 0)) {
			if (fail != NULL)
				*fail = i;
			goto out;
		}
	}
	if (fail != NULL)
		*fail = s->ncond;
	r = consistent(ev, c, n);
out:
	free(c);
	free(pool);
	return r;
}

int
pat_ref_match(const struct pat_set *set, size_t rule,
    const struct ev_event *ev)
{
	const struct pat_rule *r = &set->rules[rule];
	size_t	 i;

	for (i = 0; i < r->nsub; i++)
		if (ref_sub(set, &set->subs[r->firstsub + i], ev, NULL))
			return 1;
	return 0;
}

static void
quote_value(struct buf *b, const struct ev_field *f)
{
	size_t	 i, n = f->valuelen > VALUE_SHOW_MAX ? VALUE_SHOW_MAX :
	    f->valuelen;

	if (f->type != EV_STRING) {
		buf_add(b, f->value, f->valuelen);
		return;
	}
	buf_addc(b, '"');
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)f->value[i];

		if (ch == '"' || ch == '\\')
			buf_addf(b, "\\%c", ch);
		else if (ch < 0x20)
			buf_addf(b, "\\u%04x", ch);
		else
			buf_addc(b, (char)ch);
	}
	buf_adds(b, n < f->valuelen ? "...\"" : "\"");
}

char *
pat_explain(const struct pat_set *set, size_t rule, const struct ev_event *ev)
{
	const struct pat_rule *r = &set->rules[rule];
	const struct pat_sub *s;
	const struct pat_leaf *l;
	struct buf	 b;
	size_t		 i, fail = 0, f, best = 0, nvals = 0, first = 0;

	if (pat_ref_match(set, rule, ev))
		return NULL;
	/* with $or: the alternative that met the most conditions in order */
	for (i = 0; i < r->nsub; i++) {
		ref_sub(set, &set->subs[r->firstsub + i], ev, &f);
		if (i == 0 || f > fail) {
			fail = f;
			best = i;
		}
	}
	s = &set->subs[r->firstsub + best];
	buf_init(&b);
	if (r->nsub > 1)
		buf_addf(&b, "($or alternative %zu of %zu) ", best + 1,
		    r->nsub);
	if (fail == s->ncond) {
		buf_adds(&b, "the conditions hold only in different elements "
		    "of one array");
		return buf_cstr(&b);
	}
	l = set->conds[s->cond[fail]].leaf;
	for (i = 0; i < ev->nfields; i++)
		if (ev->fields[i].pathlen == l->pathlen &&
		    memcmp(ev->fields[i].path, l->path, l->pathlen) == 0) {
			if (nvals++ == 0)
				first = i;
		}
	buf_add(&b, l->path, l->pathlen);
	if (nvals == 0)
		buf_addf(&b, ": no such field, pattern wants %s", l->src);
	else {
		buf_adds(&b, ": ");
		quote_value(&b, &ev->fields[first]);
		if (nvals > 1)
			buf_addf(&b, " (and %zu more values)", nvals - 1);
		buf_addf(&b, " does not match %s", l->src);
	}
	return buf_cstr(&b);
}
