/*
 * store_dry.c: the dry-run store (STORE_DRY_RUN): a backend that wraps the
 * real one, reads through it, and keeps every change in memory, so that a
 * dry run goes through the very code a real run does, sees its own
 * changes, and never calls a write of the real store.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clk.h"
#include "store.h"
#include "store_impl.h"
#include "util.h"

/* One address the dry run changed: its entry as it would be, or gone. */
struct dry_slot {
	char			*ip;		/* NULL: an empty slot */
	int			 present;	/* 0: forgotten */
	struct store_entry	 e;
};

struct dry {
	struct store		*real;
	struct dry_slot		*slot;		/* open addressing */
	size_t			 cap;		/* a power of two */
	size_t			 n;
};

static uint64_t
dry_hash(const char *s)
{
	uint64_t	 h = 1469598103934665603ULL;	/* FNV-1a */

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static struct dry_slot *
dry_find(struct dry *d, const char *ip)
{
	size_t	 i;

	if (d->cap == 0)
		return NULL;
	for (i = dry_hash(ip) & (d->cap - 1); d->slot[i].ip != NULL;
	    i = (i + 1) & (d->cap - 1))
		if (strcmp(d->slot[i].ip, ip) == 0)
			return &d->slot[i];
	return NULL;
}

static void
dry_grow(struct dry *d)
{
	struct dry_slot	*old = d->slot;
	size_t		 i, j, cap = d->cap;

	d->cap = cap == 0 ? 256 : cap * 2;
	d->slot = xcalloc(d->cap, sizeof(*d->slot));
	for (i = 0; i < cap; i++) {
		if (old[i].ip == NULL)
			continue;
		for (j = dry_hash(old[i].ip) & (d->cap - 1);
		    d->slot[j].ip != NULL; j = (j + 1) & (d->cap - 1))
			;
		d->slot[j] = old[i];
	}
	free(old);
}

/* The slot of ip, made if need be (present 0, entry empty). */
static struct dry_slot *
dry_slot(struct dry *d, const char *ip)
{
	struct dry_slot	*s;
	size_t		 i;

	if ((s = dry_find(d, ip)) != NULL)
		return s;
	if ((d->n + 1) * 2 > d->cap)
		dry_grow(d);
	for (i = dry_hash(ip) & (d->cap - 1); d->slot[i].ip != NULL;
	    i = (i + 1) & (d->cap - 1))
		;
	d->slot[i].ip = xstrdup(ip);
	d->n++;
	return &d->slot[i];
}

/* Record e (copied) as the entry of its address, or none (e NULL). */
static void
dry_put(struct dry *d, const char *ip, const struct store_entry *e)
{
	struct dry_slot	*s = dry_slot(d, ip);

	store_entry_clear(&s->e);
	s->present = e != NULL;
	if (e != NULL)
		store_entry_copy(&s->e, e);
}

/* The entry as the dry run sees it: 1 and *e (caller clears), 0, -1. */
static int
dry_read(struct dry *d, const char *ip, struct store_entry *e, char **cause)
{
	struct dry_slot	*s;

	memset(e, 0, sizeof(*e));
	if ((s = dry_find(d, ip)) == NULL)
		return d->real->backend->get(d->real, ip, e, cause);
	if (!s->present)
		return 0;
	store_entry_copy(e, &s->e);
	return 1;
}

static int
dry_open(struct store *st, const char *target, int flags,
    const struct aws_options *aws, enum err_kind *kind, char **cause)
{
	/* store_dry_wrap() sets it up around an open store instead */
	*kind = ERR_RUNTIME;
	*cause = xstrdup("a dry-run store is opened by store_open()");
	return -1;
}

static void
dry_close(struct store *st)
{
	struct dry	*d = st->state;
	size_t		 i;

	for (i = 0; i < d->cap; i++) {
		free(d->slot[i].ip);
		store_entry_clear(&d->slot[i].e);
	}
	free(d->slot);
	store_close(d->real);
	free(d);
	st->state = NULL;
}

static int
dry_init(struct store *st, char **cause)
{
	*cause = xstrdup("init changes the store: no dry run of it");
	return -1;
}

/* Replace a string field of dst by src's. */
static void
take_string(char **dst, const char *src)
{
	free(*dst);
	*dst = src != NULL ? xstrdup(src) : NULL;
}

/* 1 and *cause if the real store would refuse the entry as given. */
static int
dry_refuses(struct dry *d, const struct store_entry *e, char **cause)
{
	if (d->real->backend->refuses == NULL)
		return 0;
	return d->real->backend->refuses(d->real, e, cause);
}

static int
dry_add(struct store *st, struct store_entry *e, int *is_new, char **cause)
{
	struct dry		*d = st->state;
	struct store_entry	 cur;
	time_t			 now = clk_now();
	int			 r;

	if (dry_refuses(d, e, cause))
		return 1;
	if ((r = dry_read(d, e->host_ip, &cur, cause)) < 0)
		return -1;
	*is_new = r == 0 || cur.removed_at != 0;
	if (*is_new) {
		/* a new block, as the backends make it */
		e->created_at = e->last_seen_at = now;
		dry_put(d, e->host_ip, e);
		store_entry_clear(&cur);
		return 0;
	}
	if (cur.last_seen_at < now)
		cur.last_seen_at = now;
	if (cur.expires_at != 0 && e->expires_at > cur.expires_at)
		cur.expires_at = e->expires_at;
	e->created_at = cur.created_at;
	e->last_seen_at = cur.last_seen_at;
	e->expires_at = cur.expires_at;
	dry_put(d, e->host_ip, &cur);
	store_entry_clear(&cur);
	return 0;
}

static int
dry_merge(struct store *st, struct store_entry *e, int *is_new, char **cause)
{
	struct dry		*d = st->state;
	struct store_entry	 cur;
	int			 r;

	if (dry_refuses(d, e, cause))
		return 1;
	if ((r = dry_read(d, e->host_ip, &cur, cause)) < 0)
		return -1;
	*is_new = r == 0;
	if (r == 1) {
		store_merge_times(&cur, &cur, e);
		store_entry_clear(e);	/* what would be stored, whole */
		store_entry_copy(e, &cur);
	}
	dry_put(d, e->host_ip, r == 1 ? &cur : e);
	store_entry_clear(&cur);
	return 0;
}

static int
dry_commit(struct store *st, char **cause)
{
	return 0;	/* nothing is ever written */
}

static int
dry_get(struct store *st, const char *ip, struct store_entry *e,
    char **cause)
{
	return dry_read(st->state, ip, e, cause);
}

/* The entry, if it matches m: 1 and *e, else 0 (nothing to clear), -1. */
static int
dry_matching(struct dry *d, const char *ip, const struct store_match *m,
    struct store_entry *e, char **cause)
{
	int	 r;

	if ((r = dry_read(d, ip, e, cause)) != 1)
		return r;
	if (store_match_entry(m, e))
		return 1;
	store_entry_clear(e);
	return 0;
}

/* Hand e to *out (may be NULL), or clear it. */
static void
hand_back(struct store_entry *e, struct store_entry *out)
{
	if (out != NULL)
		*out = *e;
	else
		store_entry_clear(e);
}

static int
dry_unblock(struct store *st, const char *ip, const struct store_match *m,
    const char *reason, struct store_entry *out, char **cause)
{
	struct dry		*d = st->state;
	struct store_entry	 e;
	time_t			 now = clk_now();
	int			 r;

	if ((r = dry_matching(d, ip, m, &e, cause)) != 1)
		return r;
	e.removed_at = now > 0 ? now : 1;
	take_string(&e.removed_reason, reason);
	dry_put(d, ip, &e);
	hand_back(&e, out);
	return 1;
}

static int
dry_forget(struct store *st, const char *ip, const struct store_match *m,
    struct store_entry *out, char **cause)
{
	struct dry		*d = st->state;
	struct store_entry	 e;
	int			 r;

	if ((r = dry_matching(d, ip, m, &e, cause)) != 1)
		return r;
	dry_put(d, ip, NULL);
	hand_back(&e, out);
	return 1;
}

/*
 * A scan: the real store's entries that match, in HostIp order, with the
 * changed ones replaced by the dry run's (which go where their address
 * sorts, if they match).
 */
struct dry_scan {
	struct dry		 *d;
	const struct store_match *m;
	struct dry_slot		**mine;		/* changed and matching, sorted */
	size_t			  n, k;
	store_cb		  cb;
	void			 *arg;
	int			  stop;
};

static int
slot_cmp(const void *a, const void *b)
{
	return strcmp((*(struct dry_slot *const *)a)->ip,
	    (*(struct dry_slot *const *)b)->ip);
}

/* Pass on the dry run's entries that sort before ip (NULL: all left). */
static void
emit_mine(struct dry_scan *ds, const char *ip)
{
	while (!ds->stop && ds->k < ds->n &&
	    (ip == NULL || strcmp(ds->mine[ds->k]->ip, ip) < 0))
		ds->stop = ds->cb(&ds->mine[ds->k++]->e, ds->arg) != 0;
}

static int
scan_real(const struct store_entry *e, void *arg)
{
	struct dry_scan	*ds = arg;

	emit_mine(ds, e->host_ip);
	if (!ds->stop && dry_find(ds->d, e->host_ip) == NULL)
		ds->stop = ds->cb(e, ds->arg) != 0;
	return ds->stop;
}

static int
dry_scan(struct store *st, const struct store_match *m, store_cb cb,
    void *arg, char **cause)
{
	struct dry	*d = st->state;
	struct dry_scan	 ds;
	size_t		 i;
	int		 r;

	memset(&ds, 0, sizeof(ds));
	ds.d = d;
	ds.m = m;
	ds.cb = cb;
	ds.arg = arg;
	ds.mine = xreallocarray(NULL, d->n + 1, sizeof(*ds.mine));
	for (i = 0; i < d->cap; i++)
		if (d->slot[i].ip != NULL && d->slot[i].present &&
		    store_match_entry(m, &d->slot[i].e))
			ds.mine[ds.n++] = &d->slot[i];
	qsort(ds.mine, ds.n, sizeof(*ds.mine), slot_cmp);
	r = d->real->backend->scan(d->real, m, scan_real, &ds, cause);
	if (r == 0)
		emit_mine(&ds, NULL);
	free(ds.mine);
	return r;
}

static int
count_one(const struct store_entry *e, void *arg)
{
	(*(uint64_t *)arg)++;
	return 0;
}

static int
dry_count(struct store *st, const struct store_match *m, uint64_t *n,
    char **cause)
{
	*n = 0;
	return dry_scan(st, m, count_one, n, cause);
}

static const char *
dry_notice(struct store *st)
{
	return store_notice(((struct dry *)st->state)->real);
}

const struct store_backend store_dry_backend = {
	.scheme = "dry-run",
	.open = dry_open,
	.close = dry_close,
	.init = dry_init,
	.add = dry_add,
	.merge = dry_merge,
	.commit = dry_commit,
	.get = dry_get,
	.unblock = dry_unblock,
	.forget = dry_forget,
	.scan = dry_scan,
	.count = dry_count,
	.notice = dry_notice,
};

void *
store_dry_wrap(struct store *real)
{
	struct dry	*d;

	d = xcalloc(1, sizeof(*d));
	d->real = real;
	return d;
}
