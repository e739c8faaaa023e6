/*
 * pat_match.c: the indexed matcher: every field of an event looked up once
 * by path, the exact strings of all rules in one lookup, the other
 * conditions tested once per class, then only the sub-rules anchored on
 * what was hit, with array consistency checked last.
 */
#include <stdlib.h>
#include <string.h>

#include "ev.h"
#include "pat.h"
#include "pat_impl.h"
#include "util.h"

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
pick(const struct ev_event *ev, const struct pat_cands *c, size_t n, size_t k,
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
needs_pick(const struct ev_event *ev, const struct pat_cands *c, size_t n)
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

/* The fields on the path of an absence condition: what would block it. */
static uint32_t *
blockers(const struct ev_event *ev, const struct pat_leaf *l, size_t *n)
{
	uint32_t	*b = xreallocarray(NULL, ev->nfields + 1, sizeof(*b));
	size_t		 j;

	for (*n = 0, j = 0; j < ev->nfields; j++)
		if (ev->fields[j].pathlen == l->pathlen &&
		    memcmp(ev->fields[j].path, l->path, l->pathlen) == 0)
			b[(*n)++] = (uint32_t)j;
	return b;
}

struct in_order {
	const struct ev_event	*ev;
	const struct pat_cands	*c;	/* by rank */
	size_t			 n;
	uint32_t		**block;	/* fields on c[k]'s path */
	size_t			*nblock;
	uint32_t		*chosen;
};

/* Can every condition from k on that cannot hold by absence still choose
 * a field that fits the nchosen fields chosen? */
static int
still_open(const struct in_order *o, size_t k, size_t nchosen)
{
	size_t	 j, m;

	for (j = k; j < o->n; j++) {
		if (o->c[j].cond->absent != NULL)
			continue;
		for (m = 0; m < o->c[j].n; m++)
			if (fits(o->ev, o->c[j].field[m], o->chosen, nchosen))
				break;
		if (m == o->c[j].n)
			return 0;
	}
	return 1;
}

/*
 * The conditions in key order, as EventBridge's engine takes them: each
 * chooses a field that fits those chosen before it, or holds by absence
 * when no field on its path fits them.
 */
static int
pick_in_order(const struct in_order *o, size_t k, size_t nchosen)
{
	const struct pat_cands	*c = &o->c[k];
	size_t			 i;

	if (k == o->n)
		return 1;
	for (i = 0; i < c->n; i++) {
		if (!fits(o->ev, c->field[i], o->chosen, nchosen))
			continue;
		o->chosen[nchosen] = c->field[i];
		if (still_open(o, k + 1, nchosen + 1) &&
		    pick_in_order(o, k + 1, nchosen + 1))
			return 1;
	}
	if (c->cond->absent == NULL)
		return 0;
	for (i = 0; i < o->nblock[k]; i++)
		if (fits(o->ev, o->block[k][i], o->chosen, nchosen))
			return 0;
	return pick_in_order(o, k + 1, nchosen);
}

int
pat_consistent_in_order(const struct ev_event *ev, struct pat_cands *c,
    size_t n)
{
	struct in_order		 o;
	struct pat_cands	 t;
	size_t			 i, j;
	int			 r;

	for (i = 1; i < n; i++) {
		t = c[i];
		for (j = i; j > 0 && c[j - 1].cond->rank > t.cond->rank;
		    j--)
			c[j] = c[j - 1];
		c[j] = t;
	}
	o.ev = ev;
	o.c = c;
	o.n = n;
	o.block = xcalloc(n + 1, sizeof(*o.block));
	o.nblock = xcalloc(n + 1, sizeof(*o.nblock));
	o.chosen = xreallocarray(NULL, n + 1, sizeof(*o.chosen));
	for (i = 0; i < n; i++)
		if (c[i].cond->absent != NULL)
			o.block[i] = blockers(ev, c[i].cond->absent,
			    &o.nblock[i]);
	r = pick_in_order(&o, 0, 0);
	for (i = 0; i < n; i++)
		free(o.block[i]);
	free(o.block);
	free(o.nblock);
	free(o.chosen);
	return r;
}

int
pat_consistent(const struct ev_event *ev, struct pat_cands *c, size_t n)
{
	struct pat_cands	 t;
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

/*
 * A sub-rule in which an {"exists": false} may hold though the event has its
 * path: every condition's candidates, taken in key order (pat_consistent).
 */
static __attribute__((noinline)) int
sub_matches_in_order(struct pat_set *set, const struct pat_sub *s,
    const struct ev_event *ev, struct pat_cands *c, uint32_t *pool)
{
	size_t		 i, n = 0, used = 0;
	uint32_t	 h;

	for (i = 0; i < s->ncond; i++) {
		const struct pat_cond *cd = &set->conds[s->cond[i]];
		uint32_t	 k = set->cond_cls[s->cond[i]];

		c[n].field = pool + used;
		c[n].n = 0;
		c[n].cond = cd;
		if (set->cond_gen[k] == set->gen) {
			for (h = set->cond_head[k]; h != EV_NONE;
			    h = set->hits[h].next)
				pool[used + c[n].n++] = set->hits[h].field;
			used += c[n++].n;
		} else if (!cd->leaf->exists_false)
			return 0;
		else if (set->paths[cd->path].seen != set->gen)
			continue;	/* absent from the event: holds */
		else if (cd->absent == NULL)
			return 0;	/* present, and nothing to judge by */
		else
			n++;		/* present: judged in key order */
	}
	return pat_consistent_in_order(ev, c, n);
}

static int
sub_matches(struct pat_set *set, const struct pat_sub *s,
    const struct ev_event *ev, struct pat_cands *c, uint32_t *pool)
{
	size_t		 i, n = 0, used = 0;
	uint32_t	 h;

	if (s->absent)
		return sub_matches_in_order(set, s, ev, c, pool);
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
	return pat_consistent(ev, c, n);
}

size_t
pat_set_match(struct pat_set *set, const struct ev_event *ev,
    uint8_t *matched)
{
	struct pat_cands	*c;
	uint32_t	*pool, pid;
	size_t		 i, j, nmatch = 0;

	memset(matched, 0, set->nrules);
	if (!set->anchored)
		pat_anchor_subs(set);
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

			if (pat_test_leaf(set->cls[cd].leaf, f))
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

