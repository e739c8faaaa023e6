/*
 * ev.c: a JSON parser that keeps number text, key order and duplicates
 * (jansson keeps none of them, and EventBridge compares all three), and
 * the flattening of an event into (path, leaf, array trail) fields. Every
 * pattern is compiled from this parser's tree, and every event the fast
 * path (ev_scan.c) does not take is parsed with it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ev.h"
#include "ev_impl.h"
#include "jtok_impl.h"
#include "util.h"

static int	parse_value(struct ev_parser *, int, uint32_t *);

void
ev_doc_init(struct ev_doc *d)
{
	memset(d, 0, sizeof(*d));
}

void
ev_doc_free(struct ev_doc *d)
{
	if (d == NULL)
		return;
	free(d->nodes);
	free(d->pool);
	memset(d, 0, sizeof(*d));
}

static int
fail(struct ev_parser *p, const char *what)
{
	size_t	 i, line = 1, col = 1;

	for (i = 0; i < p->pos && i < p->len; i++) {
		if (p->s[i] == '\n') {
			line++;
			col = 1;
		} else
			col++;
	}
	if (p->cause == NULL)
		xasprintf(&p->cause, "%s at line %zu, column %zu", what, line,
		    col);
	return -1;
}

static uint32_t
new_node(struct ev_doc *d, enum ev_type type, size_t src)
{
	struct ev_node	*nd;

	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 64;
		d->nodes = xreallocarray(d->nodes, d->cap, sizeof(*d->nodes));
	}
	nd = &d->nodes[d->n];
	memset(nd, 0, sizeof(*nd));
	nd->type = type;
	nd->child = nd->next = EV_NONE;
	nd->src = (uint32_t)src;
	return (uint32_t)d->n++;
}

void
ev_pool_add(struct ev_doc *d, const void *b, size_t n)
{
	if (d->poollen + n + 1 > d->poolcap) {
		while (d->poollen + n + 1 > d->poolcap)
			d->poolcap = d->poolcap ? d->poolcap * 2 : 256;
		d->pool = xrealloc(d->pool, d->poolcap);
	}
	memcpy(d->pool + d->poollen, b, n);
	d->poollen += n;
}

static void
pool_addc(struct ev_doc *d, unsigned char c)
{
	ev_pool_add(d, &c, 1);
}

static void
skip_blanks(struct ev_parser *p)
{
	while (p->pos < p->len && (p->s[p->pos] == ' ' ||
	    p->s[p->pos] == '\t' || p->s[p->pos] == '\n' ||
	    p->s[p->pos] == '\r'))
		p->pos++;
}

static int
parse_hex4(struct ev_parser *p, uint32_t *out)
{
	unsigned int	 v;

	if (p->len - p->pos < 4 || hex4(p->s + p->pos, &v) != 0)
		return fail(p, "bad \\u escape");
	p->pos += 4;
	*out = v;
	return 0;
}

static int
parse_escape(struct ev_parser *p)
{
	struct ev_doc	*d = p->doc;
	uint32_t	 cp, lo;
	char		 c;

	if (p->pos >= p->len)
		return fail(p, "unterminated string");
	c = p->s[p->pos++];
	switch (c) {
	case '"': case '\\': case '/':
		pool_addc(d, c);
		return 0;
	case 'b': pool_addc(d, '\b'); return 0;
	case 'f': pool_addc(d, '\f'); return 0;
	case 'n': pool_addc(d, '\n'); return 0;
	case 'r': pool_addc(d, '\r'); return 0;
	case 't': pool_addc(d, '\t'); return 0;
	case 'u':
		break;
	default:
		p->pos--;
		return fail(p, "bad escape in string");
	}
	if (parse_hex4(p, &cp) != 0)
		return -1;
	if (cp >= 0xd800 && cp <= 0xdbff && p->len - p->pos >= 6 &&
	    p->s[p->pos] == '\\' && p->s[p->pos + 1] == 'u') {
		size_t	 save = p->pos;

		p->pos += 2;
		if (parse_hex4(p, &lo) != 0)
			return -1;
		if (lo >= 0xdc00 && lo <= 0xdfff)
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		else
			p->pos = save;
	}
	{
		unsigned char	 b[4];

		/* lone surrogates are kept in the same three-byte shape */
		ev_pool_add(d, b, jtok_put_utf8(b, cp));
	}
	return 0;
}

/* A character that is not ASCII at p->pos, into the pool (out of line: the
 * string loop below stays lean for the ASCII it mostly sees). */
static __attribute__((noinline)) int
parse_utf8(struct ev_parser *p)
{
	int	 n;

	n = utf8_seq_len((const unsigned char *)p->s + p->pos,
	    p->len - p->pos);
	if (n <= 0)
		return fail(p, "invalid UTF-8");
	ev_pool_add(p->doc, p->s + p->pos, n);
	p->pos += n;
	return 0;
}

/* Parse a string at p->pos (on the quote) into the pool. */
int
ev_parse_string(struct ev_parser *p, uint32_t *off, uint32_t *len)
{
	struct ev_doc	*d = p->doc;
	const unsigned char *s = (const unsigned char *)p->s;
	size_t		 start;

	p->pos++;
	*off = (uint32_t)d->poollen;
	for (;;) {
		start = p->pos;
		while (p->pos < p->len && jtok_plain[s[p->pos]])
			p->pos++;
		ev_pool_add(d, p->s + start, p->pos - start);
		if (p->pos >= p->len)
			return fail(p, "unterminated string");
		if (s[p->pos] == '"')
			break;
		if (s[p->pos] == '\\') {
			p->pos++;
			if (parse_escape(p) != 0)
				return -1;
		} else if (s[p->pos] < 0x20)
			return fail(p, "control character in string");
		else if (parse_utf8(p) != 0)
			return -1;
	}
	p->pos++;
	*len = (uint32_t)(d->poollen - *off);
	ev_pool_add(d, "", 1);	/* texts are C strings too */
	return 0;
}

static int
parse_number(struct ev_parser *p, uint32_t node)
{
	struct ev_doc	*d = p->doc;
	size_t		 start = p->pos;

	if (p->pos < p->len && p->s[p->pos] == '-')
		p->pos++;
	if (p->pos >= p->len || !ev_is_digit(p->s[p->pos]))
		return fail(p, "bad number");
	if (p->s[p->pos] == '0')
		p->pos++;
	else
		while (p->pos < p->len && ev_is_digit(p->s[p->pos]))
			p->pos++;
	if (p->pos < p->len && p->s[p->pos] == '.') {
		p->pos++;
		if (p->pos >= p->len || !ev_is_digit(p->s[p->pos]))
			return fail(p, "bad number");
		while (p->pos < p->len && ev_is_digit(p->s[p->pos]))
			p->pos++;
	}
	if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
		p->pos++;
		if (p->pos < p->len && (p->s[p->pos] == '+' ||
		    p->s[p->pos] == '-'))
			p->pos++;
		if (p->pos >= p->len || !ev_is_digit(p->s[p->pos]))
			return fail(p, "bad number");
		while (p->pos < p->len && ev_is_digit(p->s[p->pos]))
			p->pos++;
	}
	d->nodes[node].text = (uint32_t)d->poollen;
	d->nodes[node].textlen = (uint32_t)(p->pos - start);
	ev_pool_add(d, p->s + start, p->pos - start);
	ev_pool_add(d, "", 1);
	return 0;
}

/* true, false, null: their text is kept like a number's */
static int
parse_word(struct ev_parser *p, uint32_t node, const char *w)
{
	struct ev_doc	*d = p->doc;
	size_t		 n = strlen(w);

	if (p->len - p->pos < n || memcmp(p->s + p->pos, w, n) != 0)
		return fail(p, "unexpected character");
	p->pos += n;
	d->nodes[node].text = (uint32_t)d->poollen;
	d->nodes[node].textlen = (uint32_t)n;
	ev_pool_add(d, w, n + 1);
	return 0;
}

static void
link_child(struct ev_doc *d, uint32_t parent, uint32_t *last, uint32_t nd)
{
	if (*last == EV_NONE)
		d->nodes[parent].child = nd;
	else
		d->nodes[*last].next = nd;
	*last = nd;
	d->nodes[parent].nchild++;
}

static int
parse_object(struct ev_parser *p, int depth, uint32_t node)
{
	uint32_t	 last = EV_NONE, child, koff, klen;

	p->pos++;
	skip_blanks(p);
	if (p->pos < p->len && p->s[p->pos] == '}') {
		p->pos++;
		return 0;
	}
	for (;;) {
		skip_blanks(p);
		if (p->pos >= p->len || p->s[p->pos] != '"')
			return fail(p, "object key expected");
		if (ev_parse_string(p, &koff, &klen) != 0)
			return -1;
		skip_blanks(p);
		if (p->pos >= p->len || p->s[p->pos] != ':')
			return fail(p, "':' expected");
		p->pos++;
		if (parse_value(p, depth + 1, &child) != 0)
			return -1;
		p->doc->nodes[child].key = koff;
		p->doc->nodes[child].keylen = klen;
		link_child(p->doc, node, &last, child);
		skip_blanks(p);
		if (p->pos < p->len && p->s[p->pos] == ',') {
			p->pos++;
			continue;
		}
		if (p->pos < p->len && p->s[p->pos] == '}') {
			p->pos++;
			return 0;
		}
		return fail(p, "',' or '}' expected");
	}
}

static int
parse_array(struct ev_parser *p, int depth, uint32_t node)
{
	uint32_t	 last = EV_NONE, child;

	p->pos++;
	skip_blanks(p);
	if (p->pos < p->len && p->s[p->pos] == ']') {
		p->pos++;
		return 0;
	}
	for (;;) {
		if (parse_value(p, depth + 1, &child) != 0)
			return -1;
		link_child(p->doc, node, &last, child);
		skip_blanks(p);
		if (p->pos < p->len && p->s[p->pos] == ',') {
			p->pos++;
			continue;
		}
		if (p->pos < p->len && p->s[p->pos] == ']') {
			p->pos++;
			return 0;
		}
		return fail(p, "',' or ']' expected");
	}
}

static int
parse_value(struct ev_parser *p, int depth, uint32_t *out)
{
	struct ev_doc	*d = p->doc;
	uint32_t	 nd, off, len;
	int		 r;

	skip_blanks(p);
	if (depth > EV_MAX_DEPTH)
		return fail(p, "nesting too deep");
	if (p->pos >= p->len)
		return fail(p, "unexpected end of text");
	switch (p->s[p->pos]) {
	case '{':
		nd = new_node(d, EV_OBJECT, p->pos);
		r = parse_object(p, depth, nd);
		break;
	case '[':
		nd = new_node(d, EV_ARRAY, p->pos);
		r = parse_array(p, depth, nd);
		break;
	case '"':
		nd = new_node(d, EV_STRING, p->pos);
		r = ev_parse_string(p, &off, &len);
		d->nodes[nd].text = off;
		d->nodes[nd].textlen = len;
		break;
	case 't':
		nd = new_node(d, EV_TRUE, p->pos);
		r = parse_word(p, nd, "true");
		break;
	case 'f':
		nd = new_node(d, EV_FALSE, p->pos);
		r = parse_word(p, nd, "false");
		break;
	case 'n':
		nd = new_node(d, EV_NULL, p->pos);
		r = parse_word(p, nd, "null");
		break;
	default:
		if (p->s[p->pos] != '-' && !ev_is_digit(p->s[p->pos]))
			return fail(p, "unexpected character");
		nd = new_node(d, EV_NUMBER, p->pos);
		r = parse_number(p, nd);
		break;
	}
	if (r != 0)
		return -1;
	d->nodes[nd].srclen = (uint32_t)(p->pos - d->nodes[nd].src);
	*out = nd;
	return 0;
}

int
ev_doc_parse(struct ev_doc *d, const char *s, size_t len, char **cause)
{
	struct ev_parser	 p;
	uint32_t	 root;

	*cause = NULL;
	d->n = 0;
	d->poollen = 0;
	if (len >= UINT32_MAX) {
		*cause = xstrdup("document too large");
		return -1;
	}
	memset(&p, 0, sizeof(p));
	p.doc = d;
	p.s = s;
	p.len = len;
	if (len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		p.pos = 3;	/* a UTF-8 byte order mark, as editors write */
	if (parse_value(&p, 0, &root) != 0) {
		*cause = p.cause;
		return -1;
	}
	skip_blanks(&p);
	if (p.pos != len) {
		fail(&p, "trailing characters after the JSON value");
		*cause = p.cause;
		return -1;
	}
	return 0;
}

/* --- flattening ---------------------------------------------------------- */

struct flat {
	struct ev_event	*ev;
	struct buf	 path;		/* current path */
	struct ev_step	*trail;		/* current trail */
	size_t		 ntrail;
	size_t		 trailcap;
	uint32_t	 narrays;
};

void
ev_init(struct ev_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev_doc_init(&ev->doc);
}

void
ev_free(struct ev_event *ev)
{
	if (ev == NULL)
		return;
	ev_doc_free(&ev->doc);
	free(ev->fields);
	free(ev->paths);
	free(ev->steps);
	free(ev->scantrail);
	memset(ev, 0, sizeof(*ev));
}

static void
emit_field(struct flat *f, const struct ev_node *nd)
{
	struct ev_event	*ev = f->ev;
	struct ev_field	*fl;

	if (ev->nfields == ev->cap) {
		ev->cap = ev->cap ? ev->cap * 2 : 32;
		ev->fields = xreallocarray(ev->fields, ev->cap,
		    sizeof(*ev->fields));
	}
	if (ev->pathslen + f->path.len + 1 > ev->pathscap) {
		while (ev->pathslen + f->path.len + 1 > ev->pathscap)
			ev->pathscap = ev->pathscap ? ev->pathscap * 2 : 512;
		ev->paths = xrealloc(ev->paths, ev->pathscap);
	}
	if (ev->nsteps + f->ntrail > ev->stepscap) {
		while (ev->nsteps + f->ntrail > ev->stepscap)
			ev->stepscap = ev->stepscap ? ev->stepscap * 2 : 32;
		ev->steps = xreallocarray(ev->steps, ev->stepscap,
		    sizeof(*ev->steps));
	}
	fl = &ev->fields[ev->nfields++];
	/* offsets for now; ev_parse turns them into pointers at the end */
	fl->path = (const char *)(uintptr_t)ev->pathslen;
	fl->pathlen = f->path.len;
	if (f->path.len > 0)
		memcpy(ev->paths + ev->pathslen, f->path.data, f->path.len);
	ev->pathslen += f->path.len;
	ev->paths[ev->pathslen++] = '\0';
	fl->type = nd->type;
	fl->value = EV_TEXT(&ev->doc, nd);
	fl->valuelen = nd->textlen;
	fl->trail = (const struct ev_step *)(uintptr_t)ev->nsteps;
	fl->traillen = f->ntrail;
	if (f->ntrail > 0)
		memcpy(ev->steps + ev->nsteps, f->trail,
		    f->ntrail * sizeof(*f->trail));
	ev->nsteps += f->ntrail;
}

static void	flatten(struct flat *, uint32_t);

static int
key_cmp(const struct ev_doc *d, uint32_t a, uint32_t b)
{
	const struct ev_node *x = &d->nodes[a], *y = &d->nodes[b];

	if (x->keylen != y->keylen)
		return x->keylen < y->keylen ? -1 : 1;
	return memcmp(EV_KEY(d, x), EV_KEY(d, y), x->keylen);
}

/* Is member m shadowed by a later member with the same key? */
static int
shadowed(const struct ev_doc *d, uint32_t m)
{
	uint32_t	 c;

	for (c = d->nodes[m].next; c != EV_NONE; c = d->nodes[c].next)
		if (key_cmp(d, m, c) == 0)
			return 1;
	return 0;
}

static const struct ev_doc *sort_doc;

static int
member_qsort_cmp(const void *a, const void *b)
{
	uint32_t	 x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	int		 r;

	if ((r = key_cmp(sort_doc, x, y)) != 0)
		return r;
	return x < y ? -1 : x > y;	/* node order is document order */
}

/*
 * Mark members shadowed by a later duplicate in dead[] (one byte per
 * member, in document order). Small objects are checked pairwise; large
 * ones are sorted so that a million-key object stays cheap.
 */
static void
dead_members(const struct ev_doc *d, const struct ev_node *obj, uint8_t *dead)
{
	uint32_t	*idx, *sorted, c, i, lo, hi, mid;

	if (obj->nchild <= 16) {
		for (i = 0, c = obj->child; c != EV_NONE;
		    c = d->nodes[c].next)
			dead[i++] = shadowed(d, c);
		return;
	}
	idx = xreallocarray(NULL, obj->nchild, sizeof(*idx));
	sorted = xreallocarray(NULL, obj->nchild, sizeof(*sorted));
	for (i = 0, c = obj->child; c != EV_NONE; c = d->nodes[c].next)
		idx[i++] = c;
	memcpy(sorted, idx, obj->nchild * sizeof(*idx));
	sort_doc = d;
	qsort(sorted, obj->nchild, sizeof(*sorted), member_qsort_cmp);
	memset(dead, 0, obj->nchild);
	for (i = 0; i + 1 < obj->nchild; i++) {
		if (key_cmp(d, sorted[i], sorted[i + 1]) != 0)
			continue;
		/* members are numbered in document order: idx is ascending */
		for (lo = 0, hi = obj->nchild; lo < hi; ) {
			mid = (lo + hi) / 2;
			if (idx[mid] < sorted[i])
				lo = mid + 1;
			else
				hi = mid;
		}
		dead[lo] = 1;
	}
	free(sorted);
	free(idx);
}

static void
flatten_object(struct flat *f, uint32_t node)
{
	const struct ev_doc *d = &f->ev->doc;
	uint32_t	 c, i, n = d->nodes[node].nchild;
	uint8_t		 small[16], *dead;
	size_t		 save = f->path.len;

	dead = n <= sizeof(small) ? small : xmalloc(n);
	dead_members(d, &d->nodes[node], dead);
	for (i = 0, c = d->nodes[node].child; c != EV_NONE;
	    c = d->nodes[c].next, i++) {
		if (dead[i])
			continue;
		if (node != 0)	/* keys below the root object */
			buf_addc(&f->path, '.');
		buf_add(&f->path, EV_KEY(d, &d->nodes[c]), d->nodes[c].keylen);
		flatten(f, c);
		f->path.len = save;
	}
	if (dead != small)
		free(dead);
}

static void
flatten_array(struct flat *f, uint32_t node)
{
	const struct ev_doc *d = &f->ev->doc;
	uint32_t	 c, i, id = f->narrays++;

	if (f->ntrail == f->trailcap) {
		f->trailcap = f->trailcap ? f->trailcap * 2 : 8;
		f->trail = xreallocarray(f->trail, f->trailcap,
		    sizeof(*f->trail));
	}
	f->ntrail++;
	for (i = 0, c = d->nodes[node].child; c != EV_NONE;
	    c = d->nodes[c].next, i++) {
		f->trail[f->ntrail - 1].array = id;
		f->trail[f->ntrail - 1].index = i;
		flatten(f, c);
	}
	f->ntrail--;
}

static void
flatten(struct flat *f, uint32_t node)
{
	const struct ev_node *nd = &f->ev->doc.nodes[node];

	switch (nd->type) {
	case EV_OBJECT:
		flatten_object(f, node);
		break;
	case EV_ARRAY:
		flatten_array(f, node);
		break;
	default:
		emit_field(f, nd);
		break;
	}
}

int
ev_parse(struct ev_event *ev, const char *s, size_t len, char **cause)
{
	struct flat	 f;
	size_t		 i;

	ev->nfields = 0;
	ev->pathslen = 0;
	ev->nsteps = 0;
	if (ev_doc_parse(&ev->doc, s, len, cause) != 0)
		return -1;
	if (ev->doc.nodes[0].type != EV_OBJECT)
		return 0;
	memset(&f, 0, sizeof(f));
	f.ev = ev;
	buf_init(&f.path);
	flatten(&f, 0);
	buf_free(&f.path);
	free(f.trail);
	for (i = 0; i < ev->nfields; i++) {
		ev->fields[i].path = ev->paths + (uintptr_t)ev->fields[i].path;
		ev->fields[i].trail = ev->fields[i].traillen == 0 ? NULL :
		    ev->steps + (uintptr_t)ev->fields[i].trail;
	}
	return 0;
}

int
ev_trail_compatible(const struct ev_field *a, const struct ev_field *b)
{
	size_t	 i, n = a->traillen < b->traillen ? a->traillen : b->traillen;

	/*
	 * Trails are root-to-leaf: the first step where they differ decides.
	 * The same array with different elements conflicts; different arrays
	 * mean the paths parted at an object, where anything goes.
	 */
	for (i = 0; i < n; i++) {
		if (a->trail[i].array != b->trail[i].array)
			return 1;
		if (a->trail[i].index != b->trail[i].index)
			return 0;
	}
	return 1;
}

