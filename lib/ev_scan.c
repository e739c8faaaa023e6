/*
 * ev_scan.c: sh-match's fast path: the field paths some rule uses, as a
 * trie, and a scanner that validates one line as lib/jl.c does and, in the
 * same pass, flattens only the fields on those paths (what matching looks
 * at), skipping the rest without keeping it.
 *
 * A walker of its own, beside jl.c's reader and ev.c's parser, because
 * bench/json/run says so: on bench/match's events it takes 1.9 us an event
 * where validating with jl.c and parsing and flattening with ev.c take
 * 3.7 + 11.1 us (7.8 times as long; bench/match/run shows the same as the
 * fast cases against --reference).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "ev.h"
#include "ev_impl.h"
#include "jtok_impl.h"
#include "util.h"

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
			n = utf8_seq_len(s + i, len - i);
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
	if (i >= len || !ev_is_digit(s[i]))
		return -1;
	if (s[i] == '0') {
		if (++i < len && ev_is_digit(s[i]))
			return -1;
	} else
		while (i < len && ev_is_digit(s[i]))
			i++;
	if (i < len && s[i] == '.') {
		if (++i >= len || !ev_is_digit(s[i]))
			return -1;
		while (i < len && ev_is_digit(s[i]))
			i++;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= len || !ev_is_digit(s[i]))
			return -1;
		while (i < len && ev_is_digit(s[i]))
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
		struct ev_parser	 p;

		memset(&p, 0, sizeof(p));
		p.doc = &ev->doc;
		p.s = (const char *)x->s;
		p.len = x->len;
		p.pos = start;
		if (ev_parse_string(&p, &off, &len) != 0) {
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
		ev_pool_add(&ev->doc, x->s + start, len);
		ev_pool_add(&ev->doc, "", 1);
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
			struct ev_parser	 p;
			size_t		 save = d->poollen;
			uint32_t	 off, len;

			memset(&p, 0, sizeof(p));
			p.doc = d;
			p.s = (const char *)x->s;
			p.len = x->len;
			p.pos = kstart;
			if (ev_parse_string(&p, &off, &len) != 0) {
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
