/*
 * pat.c: a set of compiled rules: their sub-rules and conditions, the field
 * paths they use (interned), conditions with the same path and value array
 * as one class, the index of exact strings, and each sub-rule's anchor
 * (what pat_match.c looks at first).
 */
#include <stdlib.h>
#include <string.h>

#include "ev.h"
#include "pat.h"
#include "pat_impl.h"
#include "util.h"

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
	pat_value_init();
	return xcalloc(1, sizeof(struct pat_set));
}

void
pat_set_free(struct pat_set *set)
{
	size_t	 i, j;

	if (set == NULL)
		return;
	for (i = 0; i < set->nrules; i++) {
		free(set->rules[i].name);
		pat_leaves_free(set->rules[i].leaf, set->rules[i].nleaf);
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

/* The UTF-16 code unit at the start of a code point (its high surrogate). */
static uint32_t
first_unit(const unsigned char *s, size_t n)
{
	uint32_t	 cp;

	if (s[0] < 0x80 || n < 2)
		return s[0];
	if (s[0] < 0xe0)
		return ((s[0] & 0x1f) << 6) | (s[1] & 0x3f);
	if (s[0] < 0xf0 || n < 4)
		return n < 3 ? s[0] : ((s[0] & 0x0f) << 12) |
		    ((s[1] & 0x3f) << 6) | (s[2] & 0x3f);
	cp = ((s[0] & 0x07) << 18) | ((s[1] & 0x3f) << 12) |
	    ((s[2] & 0x3f) << 6) | (s[3] & 0x3f);
	return 0xd800 + ((cp - 0x10000) >> 10);
}

int
pat_path_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	const unsigned char *x = (const unsigned char *)a;
	const unsigned char *y = (const unsigned char *)b;
	size_t		 i = 0, n = alen < blen ? alen : blen;
	uint32_t	 ux, uy;

	while (i < n && x[i] == y[i])
		i++;
	if (i == n)
		return alen < blen ? -1 : alen > blen;
	/* UTF-8 sorts by code point; back to the start of the code points
	 * that differ, and compare their first UTF-16 units */
	while (i > 0 && (x[i] & 0xc0) == 0x80)
		i--;
	ux = first_unit(x + i, alen - i);
	uy = first_unit(y + i, blen - i);
	if (ux != uy)
		return ux < uy ? -1 : 1;
	/* two code points above U+FFFF with the same high surrogate */
	return memcmp(x + i, y + i, n - i) < 0 ? -1 : 1;
}

/* Each condition's rank in key order, and whether one that may choose a
 * field (any but a bare {"exists": false}) comes before it. */
static void
rank_conds(struct pat_set *set, struct pat_sub *s)
{
	size_t		 i, j;

	for (i = 0; i < s->ncond; i++) {
		struct pat_cond *a = &set->conds[s->cond[i]];

		a->rank = 0;
		a->prior = 0;
		for (j = 0; j < s->ncond; j++) {
			const struct pat_cond *b = &set->conds[s->cond[j]];

			if (j == i || pat_path_cmp(b->leaf->path,
			    b->leaf->pathlen, a->leaf->path,
			    a->leaf->pathlen) >= 0)
				continue;
			a->rank++;
			if (b->leaf->nalt > 0)
				a->prior = 1;
		}
		a->absent = a->leaf->exists_false && a->prior ? a->leaf : NULL;
		s->absent |= a->absent != NULL;
	}
}

/*
 * Turn one expansion into a sub-rule: the same path twice (written inside
 * and outside an $or, or as "a.b" and a:{b}) keeps the leaf written last.
 */
static void
add_sub(struct pat_set *set, size_t rule, const struct pat_leaf *leaf,
    const struct pat_combo *cb)
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
	s->absent = 0;
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
		memset(cd, 0, sizeof(*cd));
		cd->leaf = l;
		cd->path = intern_path(set, l->path, l->pathlen);
		cd->sub = (uint32_t)set->nsubs;
		s->cond[s->ncond++] = (uint32_t)set->nconds++;
	}
	for (i = 0; i < s->ncond; i++)	/* ranks matter for absence only */
		if (set->conds[s->cond[i]].leaf->exists_false) {
			rank_conds(set, s);
			break;
		}
	if (s->ncond > set->maxcond)
		set->maxcond = s->ncond;
	set->nsubs++;
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
void
pat_anchor_subs(struct pat_set *set)
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
	struct pat_compiled pc;
	struct pat_rule	*r;
	size_t		 i, firstcond = set->nconds;

	if (pat_compile(text, len, &pc, cause) != 0)
		return -1;
	set->rules = grow(set->rules, set->nrules, sizeof(*set->rules));
	r = &set->rules[set->nrules];
	r->name = xstrdup(name);
	r->leaf = pc.leaf;
	r->nleaf = pc.nleaf;
	pc.leaf = NULL;
	pc.nleaf = 0;
	r->firstsub = set->nsubs;
	for (i = 0; i < pc.ncombo; i++)
		add_sub(set, set->nrules, r->leaf, &pc.combo[i]);
	r->nsub = set->nsubs - r->firstsub;
	index_conds(set, firstcond);
	pat_compiled_free(&pc);
	return (int)set->nrules++;
}
