/*
 * pat_compile.c: an event pattern's text into leaves (a field path and its
 * alternatives) and sub-rules ($or expanded), validated the way
 * EventBridge validates it, with EventBridge's reason when it is not valid.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ev.h"
#include "ip.h"
#include "pat.h"
#include "pat_impl.h"
#include "util.h"

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
	    pat_double_exact(s.s, s.len) : 0;
	return s;
}

/*
 * A number the engine can compare: finite, and just what the nearest
 * double prints as (1E309, 1E-325 and 20-digit integers are not).
 */
static int
comparable(struct comp *c, uint32_t num)
{
	if (!pat_double_exact(text_of(c, num), node(c, num)->textlen))
		return err(c, "Cannot compare number : %s", text_of(c, num));
	return 0;
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

	/* in the list's order, as the engine reads it */
	for (e = node(c, opnd)->child; e != EV_NONE; e = node(c, e)->next) {
		if (node(c, e)->type == EV_STRING)
			nstr++;
		else if (node(c, e)->type == EV_NUMBER) {
			if (comparable(c, e) != 0)
				return -1;
			nnum++;
		} else
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
		if (comparable(c, opnd) != 0)
			return -1;
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

/* The bounds of a numeric condition, parsed once for the value tests. */
static int
numeric_done(struct comp *c, struct pat_alt *a)
{
	a->dec = xcalloc(2, sizeof(*a->dec));
	if (a->lo.s != NULL)
		pat_dec_parse(a->lo.s, a->lo.len, &a->dec[0]);
	if (a->hi.s != NULL)
		pat_dec_parse(a->hi.s, a->hi.len, &a->dec[1]);
	return 0;
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
		return comparable(c, e[1]) != 0 ? -1 : numeric_done(c, a);
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
	if (comparable(c, e[1]) != 0 || comparable(c, e[3]) != 0)
		return -1;
	if (pat_num_cmp(a->lo.s, a->lo.len, a->hi.s, a->hi.len) >= 0)
		return err(c, "Bottom must be less than top");
	return numeric_done(c, a);
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
	if (pat_parse_ip(s, slash - s, &ip) != 0)
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

/* Sub-rules before duplicates are resolved. */
struct combos {
	struct pat_combo *c;
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
combo_cat(struct pat_combo *dst, const struct pat_combo *a,
    const struct pat_combo *b)
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
	struct pat_combo one;
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
	free(a->dec);
}

void
pat_leaves_free(struct pat_leaf *leaf, size_t n)
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

int
pat_compile(const char *text, size_t len, struct pat_compiled *out,
    char **cause)
{
	struct comp	 c;
	struct prod	 top = { NULL, 0 };
	struct combos	 cs = { NULL, 0 };
	char		*why = NULL;
	int		 r = -1;

	*cause = NULL;
	memset(out, 0, sizeof(*out));
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
	out->leaf = c.leaf;
	out->nleaf = c.nleaf;
	out->combo = cs.c;
	out->ncombo = cs.n;
	c.leaf = NULL;
	c.nleaf = 0;
	r = 0;
out:
	prod_free(&top);
	pat_leaves_free(c.leaf, c.nleaf);
	free(c.cause);
	buf_free(&c.path);
	ev_doc_free(&c.doc);
	return r;
}

void
pat_compiled_free(struct pat_compiled *pc)
{
	struct combos	 cs;

	cs.c = pc->combo;
	cs.n = pc->ncombo;
	combos_free(&cs);
	pat_leaves_free(pc->leaf, pc->nleaf);
	memset(pc, 0, sizeof(*pc));
}
