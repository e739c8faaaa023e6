/*
 * pat_explain.c: the reference evaluator (one rule, by plain scans of the
 * event: what the indexed matcher is tested against) and --explain's
 * account of why a rule does not match.
 */
#include <stdlib.h>
#include <string.h>

#include "ev.h"
#include "pat.h"
#include "pat_impl.h"
#include "util.h"

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
	struct pat_cands	*c;
	uint32_t	*pool;
	size_t		 i, j, n = 0, used = 0, present;
	int		 r = 0, in_order = 0;

	c = xreallocarray(NULL, s->ncond + 1, sizeof(*c));
	pool = xreallocarray(NULL, s->ncond * ev->nfields + 1, sizeof(*pool));
	for (i = 0; i < s->ncond; i++) {
		const struct pat_cond *cd = &set->conds[s->cond[i]];
		const struct pat_leaf *l = cd->leaf;

		c[n].field = pool + used;
		c[n].n = 0;
		c[n].cond = cd;
		for (present = 0, j = 0; j < ev->nfields; j++) {
			const struct ev_field *f = &ev->fields[j];

			if (f->pathlen != l->pathlen ||
			    memcmp(f->path, l->path, l->pathlen) != 0)
				continue;
			present++;
			if (pat_test_leaf(l, f))
				pool[used + c[n].n++] = (uint32_t)j;
		}
		/* an {"exists": false} whose path the event has holds only if
		 * none of its fields fits those chosen before it */
		if (present > 0 && cd->absent != NULL)
			in_order = 1;
		if (c[n].n > 0 || (present > 0 && cd->absent != NULL))
			used += c[n++].n;
		else if (!(l->exists_false && present == 0)) {
			if (fail != NULL)
				*fail = i;
			goto out;
		}
	}
	if (fail != NULL)
		*fail = s->ncond;
	r = in_order ? pat_consistent_in_order(ev, c, n) :
	    pat_consistent(ev, c, n);
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
		buf_adds(&b, s->absent ? "no element of the array holds "
		    "the fields the conditions want, without those that "
		    "must be absent" : "the conditions hold only in "
		    "different elements of one array");
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
