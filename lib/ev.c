/*
 * ev.c: a JSON parser that keeps number text, key order and duplicates, the
 * flattening of an event into (path, leaf, array trail) fields, and the fast
 * path: one validating pass over a line that flattens only the used paths.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "ev.h"
#include "jtok_impl.h"
#include "util.h"

struct parser {
	struct ev_doc	*doc;
	const char	*s;
	size_t		 len;
	size_t		 pos;
	char		*cause;
};

static int	parse_value(struct parser *, int, uint32_t *);

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
fail(struct parser *p, const char *what)
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

static void
pool_add(struct ev_doc *d, const void *b, size_t n)
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
	pool_add(d, &c, 1);
}

static void
skip_blanks(struct parser *p)
{
	while (p->pos < p->len && (p->s[p->pos] == ' ' ||
	    p->s[p->pos] == '\t' || p->s[p->pos] == '\n' ||
	    p->s[p->pos] == '\r'))
		p->pos++;
}

static int
parse_hex4(struct parser *p, uint32_t *out)
{
	unsigned int	 v;

	if (p->len - p->pos < 4 || hex4(p->s + p->pos, &v) != 0)
		return fail(p, "bad \\u escape");
	p->pos += 4;
	*out = v;
	return 0;
}

static int
parse_escape(struct parser *p)
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
		pool_add(d, b, jtok_put_utf8(b, cp));
	}
	return 0;
}

/* A character that is not ASCII at p->pos, into the pool (out of line: the
 * string loop below stays lean for the ASCII it mostly sees). */
static __attribute__((noinline)) int
parse_utf8(struct parser *p)
{
	int	 n;

	n = jtok_utf8_len((const unsigned char *)p->s + p->pos,
	    p->len - p->pos);
	if (n <= 0)
		return fail(p, "invalid UTF-8");
	pool_add(p->doc, p->s + p->pos, n);
	p->pos += n;
	return 0;
}

/* Parse a string at p->pos (on the quote) into the pool. */
static int
parse_string(struct parser *p, uint32_t *off, uint32_t *len)
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
		pool_add(d, p->s + start, p->pos - start);
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
	pool_add(d, "", 1);	/* texts are C strings too */
	return 0;
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
parse_number(struct parser *p, uint32_t node)
{
	struct ev_doc	*d = p->doc;
	size_t		 start = p->pos;

	if (p->pos < p->len && p->s[p->pos] == '-')
		p->pos++;
	if (p->pos >= p->len || !is_digit(p->s[p->pos]))
		return fail(p, "bad number");
	if (p->s[p->pos] == '0')
		p->pos++;
	else
		while (p->pos < p->len && is_digit(p->s[p->pos]))
			p->pos++;
	if (p->pos < p->len && p->s[p->pos] == '.') {
		p->pos++;
		if (p->pos >= p->len || !is_digit(p->s[p->pos]))
			return fail(p, "bad number");
		while (p->pos < p->len && is_digit(p->s[p->pos]))
			p->pos++;
	}
	if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
		p->pos++;
		if (p->pos < p->len && (p->s[p->pos] == '+' ||
		    p->s[p->pos] == '-'))
			p->pos++;
		if (p->pos >= p->len || !is_digit(p->s[p->pos]))
			return fail(p, "bad number");
		while (p->pos < p->len && is_digit(p->s[p->pos]))
			p->pos++;
	}
	d->nodes[node].text = (uint32_t)d->poollen;
	d->nodes[node].textlen = (uint32_t)(p->pos - start);
	pool_add(d, p->s + start, p->pos - start);
	pool_add(d, "", 1);
	return 0;
}

/* true, false, null: their text is kept like a number's */
static int
parse_word(struct parser *p, uint32_t node, const char *w)
{
	struct ev_doc	*d = p->doc;
	size_t		 n = strlen(w);

	if (p->len - p->pos < n || memcmp(p->s + p->pos, w, n) != 0)
		return fail(p, "unexpected character");
	p->pos += n;
	d->nodes[node].text = (uint32_t)d->poollen;
	d->nodes[node].textlen = (uint32_t)n;
	pool_add(d, w, n + 1);
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
parse_object(struct parser *p, int depth, uint32_t node)
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
		if (parse_string(p, &koff, &klen) != 0)
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
parse_array(struct parser *p, int depth, uint32_t node)
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
parse_value(struct parser *p, int depth, uint32_t *out)
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
		r = parse_string(p, &off, &len);
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
		if (p->s[p->pos] != '-' && !is_digit(p->s[p->pos]))
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
	struct parser	 p;
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

/* --- the fast path: a scanner directed by the paths rules use ------------ */

struct ev_pnode {
	uint32_t	 dot;		/* the child on '.', EV_NONE */
	uint32_t	 nchild;
	uint32_t	 only;		/* nchild 1: the child, on byte onlyc */
	unsigned char	 onlyc;
	int		 leaf;		/* a used path ends here */
	char		*path;		/* leaf: the path */
	size_t		 pathlen;
	size_t		 depth;		/* bytes from the root */
	const char	*below;		/* a used path through this node */
	/*
	 * A run: from here, single children that are no leaf and have no
	 * '.' transition, to run_end, over run_len bytes at below + depth.
	 * A key that ends inside a run ends on a path no rule uses.
	 */
	size_t		 run_len;
	uint32_t	 run_end;
};

/* A trie over path bytes; transitions in one open-addressing table. */
struct ev_paths {
	struct ev_pnode	*node;
	size_t		 n;
	size_t		 cap;
	uint64_t	*key;		/* (node << 8 | byte) + 1; 0: free */
	uint32_t	*val;
	size_t		 size;		/* power of 2 */
	size_t		 used;
	char		**strs;		/* copies of the paths added */
	size_t		 nstrs;
	int		 ready;		/* runs computed */
};

static size_t
trie_hash(uint64_t k, size_t size)
{
	return (size_t)((k * 0x9e3779b97f4a7c15ULL) >> 32) & (size - 1);
}

static uint32_t
trie_step(const struct ev_paths *t, uint32_t node, unsigned char c)
{
	uint64_t	 k = ((uint64_t)node << 8 | c) + 1;
	size_t		 i;

	/* long keys share long runs of single children: no hashing there */
	if (t->node[node].nchild <= 1)
		return t->node[node].nchild == 1 && t->node[node].onlyc == c ?
		    t->node[node].only : EV_NONE;
	for (i = trie_hash(k, t->size); t->key[i] != 0;
	    i = (i + 1) & (t->size - 1))
		if (t->key[i] == k)
			return t->val[i];
	return EV_NONE;
}

static uint32_t
trie_node(struct ev_paths *t)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->node = xreallocarray(t->node, t->cap, sizeof(*t->node));
	}
	memset(&t->node[t->n], 0, sizeof(*t->node));
	t->node[t->n].dot = EV_NONE;
	return (uint32_t)t->n++;
}

static void
trie_put(struct ev_paths *t, uint64_t k, uint32_t v)
{
	size_t	 i;

	for (i = trie_hash(k, t->size); t->key[i] != 0;
	    i = (i + 1) & (t->size - 1))
		;
	t->key[i] = k;
	t->val[i] = v;
	t->used++;
}

static void
trie_grow(struct ev_paths *t)
{
	uint64_t	*okey = t->key;
	uint32_t	*oval = t->val;
	size_t		 i, osize = t->size;

	t->size = osize ? osize * 2 : 256;
	t->key = xcalloc(t->size, sizeof(*t->key));
	t->val = xcalloc(t->size, sizeof(*t->val));
	t->used = 0;
	for (i = 0; i < osize; i++)
		if (okey[i] != 0)
			trie_put(t, okey[i], oval[i]);
	free(okey);
	free(oval);
}

struct ev_paths *
ev_paths_new(void)
{
	struct ev_paths	*t;

	t = xcalloc(1, sizeof(*t));
	trie_node(t);		/* the root */
	trie_grow(t);
	return t;
}

void
ev_paths_add(struct ev_paths *t, const char *path, size_t len)
{
	uint32_t	 nd = 0, next;
	size_t		 i;
	char		*cp = xstrndup(path, len);

	t->strs = xreallocarray(t->strs, t->nstrs + 1, sizeof(*t->strs));
	t->strs[t->nstrs++] = cp;
	t->ready = 0;
	if (t->node[0].below == NULL)
		t->node[0].below = cp;
	for (i = 0; i < len; i++) {
		unsigned char	 c = (unsigned char)path[i];

		if ((next = trie_step(t, nd, c)) == EV_NONE) {
			if ((t->used + 1) * 2 > t->size)
				trie_grow(t);
			next = trie_node(t);
			trie_put(t, ((uint64_t)nd << 8 | c) + 1, next);
			if (t->node[nd].nchild++ == 0) {
				t->node[nd].only = next;
				t->node[nd].onlyc = c;
			}
			if (c == '.')
				t->node[nd].dot = next;
			t->node[next].depth = i + 1;
			t->node[next].below = cp;
		}
		nd = next;
	}
	if (!t->node[nd].leaf) {
		t->node[nd].leaf = 1;
		t->node[nd].path = xstrndup(path, len);
		t->node[nd].pathlen = len;
	}
}

/* A node a run may pass through. */
static int
runnable(const struct ev_pnode *pn)
{
	return pn->nchild == 1 && !pn->leaf && pn->onlyc != '.';
}

/* Runs, from the leaves up (a child is created after its parent). */
static void
trie_runs(struct ev_paths *t)
{
	size_t		 i;

	for (i = t->n; i-- > 0; ) {
		struct ev_pnode *pn = &t->node[i];

		pn->run_len = 0;
		pn->run_end = (uint32_t)i;
		if (!runnable(pn))
			continue;
		if (runnable(&t->node[pn->only])) {
			pn->run_len = 1 + t->node[pn->only].run_len;
			pn->run_end = t->node[pn->only].run_end;
		} else {
			pn->run_len = 1;
			pn->run_end = pn->only;
		}
	}
	t->ready = 1;
}

/* Walk key bytes k[0..len) from node nd: the node reached, or EV_NONE. */
static inline uint32_t
trie_walk(const struct ev_paths *t, uint32_t nd, const unsigned char *k,
    size_t len)
{
	while (len > 0 && nd != EV_NONE) {
		const struct ev_pnode *pn = &t->node[nd];

		if (pn->run_len > 0) {
			/* most keys differ at once: no call for them */
			if (len < pn->run_len ||
			    *k != (unsigned char)pn->below[pn->depth] ||
			    memcmp(k, pn->below + pn->depth, pn->run_len) != 0)
				return EV_NONE;
			k += pn->run_len;
			len -= pn->run_len;
			nd = pn->run_end;
			continue;
		}
		nd = trie_step(t, nd, *k++);
		len--;
	}
	return nd;
}

void
ev_paths_free(struct ev_paths *t)
{
	size_t	 i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nstrs; i++)
		free(t->strs[i]);
	free(t->strs);
	for (i = 0; i < t->n; i++)
		free(t->node[i].path);
	free(t->node);
	free(t->key);
	free(t->val);
	free(t);
}

struct scan {
	const unsigned char *s;
	size_t		 len;
	size_t		 pos;
	struct ev_event	*ev;
	struct ev_paths	*t;
	struct ev_step	*trail;
	size_t		 ntrail;
	size_t		 trailcap;
	uint32_t	 narrays;
};

#define SCAN_DEPTH	512	/* open containers, as lib/jl.c allows */

static void
sc_ws(struct scan *x)
{
	while (x->pos < x->len && (x->s[x->pos] == ' ' ||
	    x->s[x->pos] == '\t' || x->s[x->pos] == '\r' ||
	    x->s[x->pos] == '\n'))
		x->pos++;
}

/*
 * The rest of a string from s[i], an escape or a byte that is not plain
 * ASCII, on (see sc_string_long).
 */
static __attribute__((noinline)) int
sc_string_rest(struct scan *x, int *esc, size_t i)
{
	const unsigned char *s = x->s;
	size_t		 len = x->len;
	int		 n;

	for (;;) {
		while (i < len && jtok_plain[s[i]])
			i++;
		if (i >= len)
			return -1;
		if (s[i] == '"') {
			x->pos = i + 1;
			return 0;
		}
		if (s[i] == '\\') {
			*esc = 1;
			n = jtok_escape_len(s, i, len);
		} else if (s[i] < 0x20)
			return -1;
		else
			n = jtok_utf8_len(s + i, len - i);
		if (n <= 0)
			return -1;
		i += (size_t)n;
	}
}

/*
 * Validate a string at x->pos (on its quote) as lib/jl.c does, from s[i] on
 * (the bytes before it are plain text); x->pos ends after the closing quote.
 * *esc tells whether it holds an escape. What is not plain ASCII is left to
 * sc_string_rest, by a jump: this loop stays lean for the plain text it
 * mostly sees.
 */
static int
sc_string_long(struct scan *x, int *esc, size_t i)
{
	const unsigned char *s = x->s;
	size_t		 len = x->len;

	*esc = 0;
#ifdef __SSE2__
	const __m128i	 q = _mm_set1_epi8('"');
	const __m128i	 bs = _mm_set1_epi8('\\');
	const __m128i	 sp = _mm_set1_epi8(0x20);

	while (i + 16 <= len) {
		__m128i	 v = _mm_loadu_si128((const __m128i *)(s + i));
		int	 m = _mm_movemask_epi8(_mm_or_si128(
		    _mm_or_si128(_mm_cmpeq_epi8(v, q),
		    _mm_cmpeq_epi8(v, bs)), _mm_cmplt_epi8(v, sp)));

		if (m != 0) {
			i += (size_t)__builtin_ctz((unsigned)m);
			break;
		}
		i += 16;
	}
#endif
	while (i < len && jtok_plain[s[i]])
		i++;
	if (i >= len)
		return -1;
	if (s[i] == '"') {
		x->pos = i + 1;
		return 0;
	}
	return sc_string_rest(x, esc, i);
}

/*
 * Most strings in a finding are keys and short values: when the closing
 * quote is among the next 16 bytes and nothing before it needs a second
 * look, it is found here without a call.
 */
static inline int
sc_string(struct scan *x, int *esc)
{
#ifdef __SSE2__
	const unsigned char *s = x->s;
	size_t		 i = x->pos + 1;

	if (i + 16 <= x->len) {
		__m128i	 v = _mm_loadu_si128((const __m128i *)(s + i));
		int	 m = _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(
		    _mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
		    _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
		    _mm_cmplt_epi8(v, _mm_set1_epi8(0x20))));

		if (m == 0)
			return sc_string_long(x, esc, i + 16);
		i += (size_t)__builtin_ctz((unsigned)m);
		if (s[i] == '"') {
			*esc = 0;
			x->pos = i + 1;
			return 0;
		}
		return sc_string_long(x, esc, i);
	}
#endif
	return sc_string_long(x, esc, x->pos + 1);
}

static int
sc_number(struct scan *x)
{
	const unsigned char *s = x->s;
	size_t		 i = x->pos, len = x->len;

	if (s[i] == '-')
		i++;
	if (i >= len || !is_digit(s[i]))
		return -1;
	if (s[i] == '0') {
		if (++i < len && is_digit(s[i]))
			return -1;
	} else
		while (i < len && is_digit(s[i]))
			i++;
	if (i < len && s[i] == '.') {
		if (++i >= len || !is_digit(s[i]))
			return -1;
		while (i < len && is_digit(s[i]))
			i++;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= len || !is_digit(s[i]))
			return -1;
		while (i < len && is_digit(s[i]))
			i++;
	}
	x->pos = i;
	return 0;
}

static int
sc_literal(struct scan *x, enum ev_type *type)
{
	static const char *const words[] = { "null", "false", "true" };
	const char	*w;
	size_t		 n;

	*type = x->s[x->pos] == 'n' ? EV_NULL : x->s[x->pos] == 'f' ?
	    EV_FALSE : EV_TRUE;
	w = words[*type];
	n = strlen(w);
	if (x->len - x->pos < n || memcmp(x->s + x->pos, w, n) != 0)
		return -1;
	x->pos += n;
	return 0;
}

/* Validate a value without keeping anything. */
static int
sc_skip(struct scan *x, int depth)
{
	enum ev_type	 type;
	int		 esc;
	char		 close;

	if (x->pos >= x->len)
		return -1;
	switch (x->s[x->pos]) {
	case '"':
		return sc_string(x, &esc);
	case 't': case 'f': case 'n':
		return sc_literal(x, &type);
	case '{':
	case '[':
		break;
	default:
		return sc_number(x);
	}
	if (depth >= SCAN_DEPTH)
		return -1;
	close = x->s[x->pos] == '{' ? '}' : ']';
	x->pos++;
	sc_ws(x);
	if (x->pos < x->len && x->s[x->pos] == close) {
		x->pos++;
		return 0;
	}
	for (;;) {
		if (close == '}') {
			if (x->pos >= x->len || x->s[x->pos] != '"' ||
			    sc_string(x, &esc) != 0)
				return -1;
			sc_ws(x);
			if (x->pos >= x->len || x->s[x->pos] != ':')
				return -1;
			x->pos++;
			sc_ws(x);
		}
		/* strings, most of what is skipped, without a call */
		if (x->pos < x->len && x->s[x->pos] == '"') {
			if (sc_string(x, &esc) != 0)
				return -1;
		} else if (sc_skip(x, depth + 1) != 0)
			return -1;
		sc_ws(x);
		if (x->pos >= x->len)
			return -1;
		if (x->s[x->pos] == ',') {
			x->pos++;
			sc_ws(x);
			continue;
		}
		if (x->s[x->pos] != close)
			return -1;
		x->pos++;
		return 0;
	}
}

/* Keep the leaf value s[start..x->pos) as a field on path node nd. */
static int
sc_emit(struct scan *x, uint32_t nd, enum ev_type type, size_t start,
    int esc)
{
	struct ev_event	*ev = x->ev;
	struct ev_field	*fl;
	uint32_t	 off, len;

	if (ev->nfields == ev->cap) {
		ev->cap = ev->cap ? ev->cap * 2 : 32;
		ev->fields = xreallocarray(ev->fields, ev->cap,
		    sizeof(*ev->fields));
	}
	if (ev->nsteps + x->ntrail > ev->stepscap) {
		while (ev->nsteps + x->ntrail > ev->stepscap)
			ev->stepscap = ev->stepscap ? ev->stepscap * 2 : 32;
		ev->steps = xreallocarray(ev->steps, ev->stepscap,
		    sizeof(*ev->steps));
	}
	if (type == EV_STRING && esc) {
		struct parser	 p;

		memset(&p, 0, sizeof(p));
		p.doc = &ev->doc;
		p.s = (const char *)x->s;
		p.len = x->len;
		p.pos = start;
		if (parse_string(&p, &off, &len) != 0) {
			free(p.cause);
			return -1;
		}
	} else {
		if (type == EV_STRING) {
			start++;
			len = (uint32_t)(x->pos - 1 - start);
		} else
			len = (uint32_t)(x->pos - start);
		off = (uint32_t)ev->doc.poollen;
		pool_add(&ev->doc, x->s + start, len);
		pool_add(&ev->doc, "", 1);
	}
	fl = &ev->fields[ev->nfields++];
	fl->path = x->t->node[nd].path;
	fl->pathlen = x->t->node[nd].pathlen;
	fl->type = type;
	/* offsets for now, pointers at the end */
	fl->value = (const char *)(uintptr_t)off;
	fl->valuelen = len;
	fl->trail = (const struct ev_step *)(uintptr_t)ev->nsteps;
	fl->traillen = x->ntrail;
	if (x->ntrail > 0)
		memcpy(ev->steps + ev->nsteps, x->trail,
		    x->ntrail * sizeof(*x->trail));
	ev->nsteps += x->ntrail;
	return 0;
}

static int	sc_object(struct scan *, int, uint32_t);
static int	sc_array(struct scan *, int, uint32_t);

/* A value on path node nd (EV_NONE: a path no rule uses). */
static int
sc_value(struct scan *x, int depth, uint32_t nd)
{
	const struct ev_pnode *pn;
	enum ev_type	 type;
	size_t		 start = x->pos;
	int		 esc;

	if (nd == EV_NONE || x->pos >= x->len)
		return sc_skip(x, depth);
	pn = &x->t->node[nd];
	switch (x->s[x->pos]) {
	case '{':
		if (pn->dot == EV_NONE)
			return sc_skip(x, depth);
		return sc_object(x, depth, pn->dot);
	case '[':
		return sc_array(x, depth, nd);
	case '"':
		if (sc_string(x, &esc) != 0)
			return -1;
		type = EV_STRING;
		break;
	case 't': case 'f': case 'n':
		if (sc_literal(x, &type) != 0)
			return -1;
		esc = 0;
		break;
	default:
		if (sc_number(x) != 0)
			return -1;
		type = EV_NUMBER;
		esc = 0;
		break;
	}
	if (!pn->leaf)
		return 0;
	return sc_emit(x, nd, type, start, esc);
}

#define SCAN_SEEN	32	/* used keys of one object tracked */

/* An object whose keys continue the path at trie node from. */
static int
sc_object(struct scan *x, int depth, uint32_t from)
{
	const struct ev_paths *t = x->t;
	uint32_t	 seen[SCAN_SEEN], nd;
	size_t		 nseen = 0, i, kstart;
	int		 esc;

	if (depth >= SCAN_DEPTH)
		return -1;
	x->pos++;
	sc_ws(x);
	if (x->pos < x->len && x->s[x->pos] == '}') {
		x->pos++;
		return 0;
	}
	for (;;) {
		if (x->pos >= x->len || x->s[x->pos] != '"')
			return -1;
		kstart = x->pos;
		if (sc_string(x, &esc) != 0)
			return -1;
		if (!esc)
			nd = trie_walk(t, from, x->s + kstart + 1,
			    x->pos - kstart - 2);
		else {
			struct ev_doc	*d = &x->ev->doc;
			struct parser	 p;
			size_t		 save = d->poollen;
			uint32_t	 off, len;

			memset(&p, 0, sizeof(p));
			p.doc = d;
			p.s = (const char *)x->s;
			p.len = x->len;
			p.pos = kstart;
			if (parse_string(&p, &off, &len) != 0) {
				free(p.cause);
				return -1;
			}
			nd = trie_walk(t, from,
			    (const unsigned char *)d->pool + off, len);
			d->poollen = save;
		}
		if (nd != EV_NONE && !t->node[nd].leaf &&
		    t->node[nd].dot == EV_NONE)
			nd = EV_NONE;	/* only a longer key would be used */
		if (nd != EV_NONE) {
			/* a duplicate of a used key: the slow path decides */
			for (i = 0; i < nseen; i++)
				if (seen[i] == nd)
					return -1;
			if (nseen == SCAN_SEEN)
				return -1;
			seen[nseen++] = nd;
		}
		sc_ws(x);
		if (x->pos >= x->len || x->s[x->pos] != ':')
			return -1;
		x->pos++;
		sc_ws(x);
		if (nd == EV_NONE && x->pos < x->len && x->s[x->pos] == '"') {
			if (sc_string(x, &esc) != 0)
				return -1;
		} else if (sc_value(x, depth + 1, nd) != 0)
			return -1;
		sc_ws(x);
		if (x->pos >= x->len)
			return -1;
		if (x->s[x->pos] == ',') {
			x->pos++;
			sc_ws(x);
			continue;
		}
		if (x->s[x->pos] != '}')
			return -1;
		x->pos++;
		return 0;
	}
}

/* An array on path node nd: its elements are on the same path. */
static int
sc_array(struct scan *x, int depth, uint32_t nd)
{
	size_t		 step;
	uint32_t	 index = 0;

	if (depth >= SCAN_DEPTH)
		return -1;
	if (x->ntrail == x->trailcap) {
		x->trailcap = x->trailcap ? x->trailcap * 2 : 8;
		x->trail = xreallocarray(x->trail, x->trailcap,
		    sizeof(*x->trail));
	}
	step = x->ntrail++;
	x->trail[step].array = x->narrays++;
	x->pos++;
	sc_ws(x);
	if (x->pos < x->len && x->s[x->pos] == ']') {
		x->pos++;
		x->ntrail--;
		return 0;
	}
	for (;;) {
		x->trail[step].index = index++;
		if (sc_value(x, depth + 1, nd) != 0)
			return -1;
		sc_ws(x);
		if (x->pos >= x->len)
			return -1;
		if (x->s[x->pos] == ',') {
			x->pos++;
			sc_ws(x);
			continue;
		}
		if (x->s[x->pos] != ']')
			return -1;
		x->pos++;
		x->ntrail--;
		return 0;
	}
}

size_t
ev_scan(struct ev_event *ev, struct ev_paths *t, const char *text,
    size_t len)
{
	struct scan	 x;
	size_t		 i, end = 0;

	ev->nfields = 0;
	ev->pathslen = 0;
	ev->nsteps = 0;
	ev->doc.n = 0;
	ev->doc.poollen = 0;
	if (len >= UINT32_MAX)
		return 0;
	if (!t->ready)
		trie_runs(t);
	memset(&x, 0, sizeof(x));
	x.s = (const unsigned char *)text;
	x.len = len;
	x.ev = ev;
	x.t = t;
	x.trail = ev->scantrail;
	x.trailcap = ev->scantrailcap;
	sc_ws(&x);
	if (x.pos >= len || x.s[x.pos] != '{' || sc_object(&x, 0, 0) != 0)
		goto out;
	end = x.pos;
	sc_ws(&x);
	if (x.pos != len) {
		end = 0;
		goto out;
	}
	for (i = 0; i < ev->nfields; i++) {
		ev->fields[i].value = ev->doc.pool +
		    (uintptr_t)ev->fields[i].value;
		ev->fields[i].trail = ev->fields[i].traillen == 0 ? NULL :
		    ev->steps + (uintptr_t)ev->fields[i].trail;
	}
out:
	ev->scantrail = x.trail;
	ev->scantrailcap = x.trailcap;
	return end;
}
