/*
 * store.c: the store front end: URL parsing, the default location, entry
 * conversion to and from records, and dispatch to a backend.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "clk.h"
#include "ip.h"
#include "store.h"
#include "store_impl.h"
#include "util.h"

static const struct store_backend *const store_backends[] = {
	&store_sqlite_backend,
#ifdef HAVE_STORE_DDB
	&store_ddb_backend,
#endif
};

/* Fields the store owns: never copied from an input record. */
static const char *const store_own_fields[] = {
	"HostIp", "NewIP", "CreatedAt", "LastSeenAt", "ExpiresAt", "RemovedAt",
	"RemovedReason", NULL
};

char *
store_cause(const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	xvasprintf(&s, fmt, ap);
	va_end(ap);
	return s;
}

void
store_entry_clear(struct store_entry *e)
{
	if (e == NULL)
		return;
	free(e->host_ip);
	free(e->removed_reason);
	free(e->finding_id);
	free(e->finding_type);
	free(e->severity);
	free(e->account_id);
	free(e->region);
	json_decref(e->record);
	memset(e, 0, sizeof(*e));
}

static char *
dup_or_null(const char *s)
{
	return s == NULL ? NULL : xstrdup(s);
}

void
store_entry_copy(struct store_entry *dst, const struct store_entry *src)
{
	dst->host_ip = dup_or_null(src->host_ip);
	dst->created_at = src->created_at;
	dst->last_seen_at = src->last_seen_at;
	dst->expires_at = src->expires_at;
	dst->removed_at = src->removed_at;
	dst->removed_reason = dup_or_null(src->removed_reason);
	dst->finding_id = dup_or_null(src->finding_id);
	dst->finding_type = dup_or_null(src->finding_type);
	dst->severity = dup_or_null(src->severity);
	dst->account_id = dup_or_null(src->account_id);
	dst->region = dup_or_null(src->region);
	dst->record = src->record == NULL ? NULL : json_deep_copy(src->record);
}

/* The finding fields kept in their own columns, and where they live. */
static char **
entry_field(struct store_entry *e, const char *name)
{
	if (strcmp(name, "FindingId") == 0)
		return &e->finding_id;
	if (strcmp(name, "FindingType") == 0)
		return &e->finding_type;
	if (strcmp(name, "Severity") == 0)
		return &e->severity;
	if (strcmp(name, "AccountId") == 0)
		return &e->account_id;
	if (strcmp(name, "Region") == 0)
		return &e->region;
	return NULL;
}

static int
own_field(const char *name)
{
	size_t	 i;

	for (i = 0; store_own_fields[i] != NULL; i++)
		if (strcmp(name, store_own_fields[i]) == 0)
			return 1;
	return 0;
}

/* Canonical form of a HostIp value into buf (IP_STRLEN), or a reason. */
static int
canonical_ip(const json_t *v, char *buf, char **cause)
{
	const char	*s;
	size_t		 len;

	if (v == NULL) {
		*cause = xstrdup("no HostIp");
		return -1;
	}
	if (!json_is_string(v)) {
		*cause = xstrdup("HostIp is not a string");
		return -1;
	}
	s = json_string_value(v);
	len = json_string_length(v);
	if (ip_host_key(s, len, buf) != 0) {
		char	 shown[VALUE_SHOW_SIZE];

		*cause = store_cause("invalid HostIp \"%s\"",
		    show_value(shown, s, len));
		return -1;
	}
	return 0;
}

int
store_entry_from_json(struct store_entry *e, const json_t *rec,
    char **cause)
{
	char		 ip[IP_STRLEN];
	const char	*key;
	json_t		*v, *rest;
	char		**field;

	*cause = NULL;
	memset(e, 0, sizeof(*e));
	if (!json_is_object(rec)) {
		*cause = xstrdup("record is not an object");
		return -1;
	}
	if (canonical_ip(json_object_get(rec, "HostIp"), ip, cause) != 0)
		return -1;
	e->host_ip = xstrdup(ip);
	rest = json_object();
	json_object_foreach((json_t *)rec, key, v) {
		if (own_field(key))
			continue;
		field = entry_field(e, key);
		/* a column holds C text: a value with a NUL in it stays in the
		 * record, where it is kept as given */
		if (field != NULL && json_is_string(v) &&
		    strlen(json_string_value(v)) == json_string_length(v)) {
			*field = xstrdup(json_string_value(v));
			continue;
		}
		json_object_set(rest, key, v);
	}
	if (json_object_size(rest) == 0) {
		json_decref(rest);
		rest = NULL;
	}
	e->record = rest;
	return 0;
}

static void
set_time(json_t *o, const char *key, time_t t)
{
	char	 buf[CLK_BUFSZ];

	json_object_set_new(o, key, json_string(clk_format(t, buf)));
}

static void
set_string(json_t *o, const char *key, const char *s)
{
	if (s != NULL)
		json_object_set_new(o, key, json_string(s));
}

json_t *
store_entry_to_json(const struct store_entry *e)
{
	json_t		*o, *v;
	const char	*key;

	o = json_object();
	set_string(o, "HostIp", e->host_ip);
	if (e->created_at != 0)		/* 0: unknown (store.h) */
		set_time(o, "CreatedAt", e->created_at);
	if (e->last_seen_at != 0)
		set_time(o, "LastSeenAt", e->last_seen_at);
	if (e->expires_at != 0)
		set_time(o, "ExpiresAt", e->expires_at);
	if (e->removed_at != 0) {
		set_time(o, "RemovedAt", e->removed_at);
		set_string(o, "RemovedReason", e->removed_reason);
	}
	set_string(o, "FindingId", e->finding_id);
	set_string(o, "FindingType", e->finding_type);
	set_string(o, "Severity", e->severity);
	set_string(o, "AccountId", e->account_id);
	set_string(o, "Region", e->region);
	if (json_is_object(e->record)) {
		json_object_foreach(e->record, key, v) {
			if (json_object_get(o, key) == NULL)
				json_object_set(o, key, v);
		}
	}
	return o;
}

int
store_match_entry(const struct store_match *m, const struct store_entry *e)
{
	time_t	 t;

	if (m == NULL)
		return 1;
	if ((m->state == STORE_ACTIVE && e->removed_at != 0) ||
	    (m->state == STORE_PENDING && e->removed_at == 0))
		return 0;
	if ((m->removed_from != 0 || m->removed_before != 0) &&
	    e->removed_at == 0)
		return 0;
	if ((m->removed_from != 0 && e->removed_at < m->removed_from) ||
	    (m->removed_before != 0 && e->removed_at >= m->removed_before))
		return 0;
	if (m->before == 0 && m->expired_at == 0)
		return 1;
	t = m->by == STORE_BY_CREATED ? e->created_at : e->last_seen_at;
	/* an unknown time (0) is never old enough */
	if (m->before != 0 && t != 0 && t < m->before)
		return 1;
	if (m->expired_at != 0 && e->expires_at != 0 &&
	    e->expires_at <= m->expired_at)
		return 1;
	return 0;
}

/* mkdir -p with mode 0700 for the directories we create. */
static int
make_dirs(const char *path, char **cause)
{
	char	*copy, *p, c;
	int	 r = -1;

	copy = xstrdup(path);
	for (p = copy + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		c = *p;
		*p = '\0';
		if (mkdir(copy, 0700) != 0 && errno != EEXIST) {
			*cause = store_cause("cannot create directory %s: %s",
			    copy, strerror(errno));
			goto out;
		}
		if (c == '\0')
			break;
		*p = c;
	}
	r = 0;
out:
	free(copy);
	return r;
}

/*
 * systemd's StateDirectory= for a service, else $XDG_DATA_HOME/sechub-tools,
 * else ~/.local/share/sechub-tools.
 */
static char *
default_dir(char **cause)
{
	const char	*xdg, *home;
	char		*dir;

	if ((dir = systemd_state_dir()) != NULL)
		return dir;
	xdg = getenv("XDG_DATA_HOME");
	if (xdg != NULL && xdg[0] == '/') {
		xasprintf(&dir, "%s/sechub-tools", xdg);
		return dir;
	}
	home = getenv("HOME");
	if (home == NULL || home[0] == '\0') {
		*cause = xstrdup("no default store: neither XDG_DATA_HOME nor "
		    "HOME is set (use --store or SECHUB_STORE)");
		return NULL;
	}
	xasprintf(&dir, "%s/.local/share/sechub-tools", home);
	return dir;
}

char *
store_default_url(char **cause)
{
	const char	*env;
	char		*dir, *url;

	*cause = NULL;
	env = getenv("SECHUB_STORE");
	if (env != NULL && env[0] != '\0')
		return xstrdup(env);
	if ((dir = default_dir(cause)) == NULL)
		return NULL;
	xasprintf(&url, "sqlite:%s/%s", dir, STORE_DEFAULT_NAME);
	free(dir);
	return url;
}

static const struct store_backend *
find_backend(const char *url, const char **target, char **cause)
{
	const char	*colon;
	size_t		 i, n;

	colon = strchr(url, ':');
	if (colon == NULL || colon == url) {
		*cause = store_cause("bad store URL \"%s\": expected "
		    "sqlite:PATH or dynamodb:TABLE", url);
		return NULL;
	}
	n = colon - url;
	if (colon[1] == '\0') {
		*cause = store_cause("bad store URL \"%s\": nothing after "
		    "\"%.*s:\"", url, (int)n, url);
		return NULL;
	}
	for (i = 0; i < sizeof(store_backends) / sizeof(store_backends[0]);
	    i++) {
		if (strlen(store_backends[i]->scheme) == n &&
		    strncmp(store_backends[i]->scheme, url, n) == 0) {
			*target = colon + 1;
			return store_backends[i];
		}
	}
	if (n == 8 && strncmp(url, "dynamodb", n) == 0)
		*cause = store_cause("bad store URL \"%s\": this build has "
		    "no DynamoDB backend", url);
	else
		*cause = store_cause("bad store URL \"%s\": unknown kind "
		    "\"%.*s\" (sqlite:PATH or dynamodb:TABLE)", url, (int)n,
		    url);
	return NULL;
}

/* The dry-run store around st, under the same URL. */
static struct store *
dry_run(struct store *real)
{
	struct store	*st;

	st = xcalloc(1, sizeof(*st));
	st->backend = &store_dry_backend;
	st->url = xstrdup(real->url);
	st->state = store_dry_wrap(real);
	real->warn_to = st;	/* what the real one reads is told through it */
	return st;
}

struct store *
store_open(const char *url, int flags, const struct aws_options *aws,
    enum err_kind *kindp, char **cause)
{
	enum err_kind			 kind = ERR_RUNTIME;
	const struct store_backend	*be;
	const char			*target;
	struct store			*st = NULL;
	char				*dir = NULL, *owned = NULL;
	const char			*env;

	*cause = NULL;
	if (url == NULL) {
		env = getenv("SECHUB_STORE");
		if (env != NULL && env[0] != '\0')
			url = env;
		else {
			/* The default location: create its directory. */
			if ((dir = default_dir(cause)) == NULL) {
				kind = ERR_CONFIG;	/* no HOME */
				goto fail;
			}
			if ((flags & STORE_CREATE) &&
			    !(flags & STORE_DRY_RUN) &&
			    make_dirs(dir, cause) != 0)
				goto fail;
			xasprintf(&owned, "sqlite:%s/%s", dir,
			    STORE_DEFAULT_NAME);
			url = owned;
		}
	}
	if ((be = find_backend(url, &target, cause)) == NULL) {
		kind = ERR_CONFIG;
		goto fail;
	}
	st = xcalloc(1, sizeof(*st));
	st->backend = be;
	st->url = xstrdup(url);
	if (be->open(st, target, flags, aws, &kind, cause) != 0)
		goto fail;
	if (flags & STORE_DRY_RUN)
		st = dry_run(st);
	free(dir);
	free(owned);
	return st;
fail:
	err_set(kindp, kind);
	if (st != NULL) {
		free(st->url);
		free(st);
	}
	free(dir);
	free(owned);
	return NULL;
}

void
store_close(struct store *st)
{
	size_t	 i;

	if (st == NULL)
		return;
	st->backend->close(st);
	for (i = 0; i < st->nwarned; i++)
		free(st->warned[i]);
	free(st->warned);
	free(st->url);
	free(st);
}

void
store_on_warning(struct store *st, store_warn_fn fn, void *arg)
{
	st->warn = fn;
	st->warn_arg = arg;
}

static int
warned_cmp(const void *key, const void *elem)
{
	return strcmp(key, *(char *const *)elem);
}

void
store_warn_entry(struct store *st, const char *ip, const char *what)
{
	size_t	 lo = 0, hi, mid;
	int	 c;

	while (st->warn_to != NULL)
		st = st->warn_to;
	if (st->warn == NULL || ip == NULL)
		return;
	/* where ip goes in the sorted keys, unless it is there */
	for (hi = st->nwarned; lo < hi; ) {
		mid = lo + (hi - lo) / 2;
		if ((c = warned_cmp(ip, &st->warned[mid])) == 0)
			return;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	st->warned = xreallocarray(st->warned, st->nwarned + 1,
	    sizeof(*st->warned));
	memmove(st->warned + lo + 1, st->warned + lo,
	    (st->nwarned - lo) * sizeof(*st->warned));
	st->warned[lo] = xstrdup(ip);
	st->nwarned++;
	st->warn(ip, what, st->warn_arg);
}

const char *
store_url(const struct store *st)
{
	return st->url;
}

int
store_init(struct store *st, char **cause)
{
	*cause = NULL;
	return st->backend->init(st, cause);
}

const char *
store_notice(struct store *st)
{
	if (st->backend->notice == NULL)
		return NULL;
	return st->backend->notice(st);
}

void
store_merge_times(struct store_entry *out, const struct store_entry *a,
    const struct store_entry *b)
{
	const struct store_entry *p = NULL;
	time_t	 created, seen, expires;
	char	*reason = NULL;

	/* the earlier, unless one is unknown (0) */
	created = a->created_at == 0 ? b->created_at : b->created_at == 0 ?
	    a->created_at : a->created_at < b->created_at ? a->created_at :
	    b->created_at;
	seen = a->last_seen_at > b->last_seen_at ? a->last_seen_at :
	    b->last_seen_at;
	expires = a->expires_at == 0 || b->expires_at == 0 ? 0 :
	    a->expires_at > b->expires_at ? a->expires_at : b->expires_at;
	/* the later event wins: an unblock at or after the other side last
	 * saw the address, or a sighting after the unblock */
	if (a->removed_at != 0 && b->removed_at != 0)
		p = a->removed_at <= b->removed_at ? a : b;
	else if (a->removed_at != 0 && a->removed_at >= b->last_seen_at)
		p = a;
	else if (b->removed_at != 0 && b->removed_at >= a->last_seen_at)
		p = b;
	if (p != NULL)
		reason = xstrdup(p->removed_reason != NULL ?
		    p->removed_reason : STORE_EXPIRED);
	out->created_at = created;
	out->last_seen_at = seen;
	out->expires_at = expires;
	out->removed_at = p != NULL ? p->removed_at : 0;
	free(out->removed_reason);
	out->removed_reason = reason;
}

/* The entry's key must be canonical: programs build it through ip.h. */
static int
check_key(const char *ip, char *canon, char **cause)
{
	if (ip == NULL || ip_host_key(ip, strlen(ip), canon) != 0) {
		char	 shown[VALUE_SHOW_SIZE];

		*cause = store_cause("invalid HostIp \"%s\"", ip == NULL ? "" :
		    show_value(shown, ip, strlen(ip)));
		return -1;
	}
	return 0;
}

static int
canonical_entry(struct store_entry *e, char **cause)
{
	char	 canon[IP_STRLEN];

	if (check_key(e->host_ip, canon, cause) != 0)
		return -1;
	if (strcmp(canon, e->host_ip) != 0) {
		free(e->host_ip);
		e->host_ip = xstrdup(canon);
	}
	return 0;
}

int
store_add(struct store *st, struct store_entry *e, int *is_new,
    char **cause)
{
	*cause = NULL;
	*is_new = 0;
	if (canonical_entry(e, cause) != 0)
		return -1;
	e->removed_at = 0;	/* what is added is blocked */
	free(e->removed_reason);
	e->removed_reason = NULL;
	return st->backend->add(st, e, is_new, cause);
}

int
store_merge(struct store *st, struct store_entry *e, int *is_new,
    char **cause)
{
	*cause = NULL;
	*is_new = 0;
	if (canonical_entry(e, cause) != 0)
		return -1;
	return st->backend->merge(st, e, is_new, cause);
}

int
store_commit(struct store *st, char **cause)
{
	*cause = NULL;
	return st->backend->commit(st, cause);
}

int
store_get(struct store *st, const char *ip, struct store_entry *e,
    char **cause)
{
	char	 canon[IP_STRLEN];

	*cause = NULL;
	memset(e, 0, sizeof(*e));
	if (check_key(ip, canon, cause) != 0)
		return -1;
	return st->backend->get(st, canon, e, cause);
}

/* m with its state forced, for the operations that apply to one state. */
static void
match_in(struct store_match *dst, const struct store_match *m,
    enum store_state state)
{
	if (m != NULL)
		*dst = *m;
	else
		memset(dst, 0, sizeof(*dst));
	dst->state = state;
}

int
store_valid_reason(const char *reason, char **cause)
{
	const char	*p;
	json_t		*v;

	if (reason == NULL || *reason == '\0') {
		*cause = store_cause("an unblock needs a reason");
		return -1;
	}
	if (strlen(reason) > STORE_REASON_MAX) {
		*cause = store_cause("a reason is at most %d bytes",
		    STORE_REASON_MAX);
		return -1;
	}
	for (p = reason; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			*cause = store_cause("a reason holds no control "
			    "characters");
			return -1;
		}
	}
	if ((v = json_string(reason)) == NULL) {
		*cause = store_cause("a reason is UTF-8 text");
		return -1;
	}
	json_decref(v);
	return 0;
}

int
store_unblock(struct store *st, const char *ip, const struct store_match *m,
    const char *reason, struct store_entry *out, char **cause)
{
	struct store_match	 am;
	char			 canon[IP_STRLEN];

	*cause = NULL;
	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (check_key(ip, canon, cause) != 0 ||
	    store_valid_reason(reason, cause) != 0)
		return -1;
	match_in(&am, m, STORE_ACTIVE);
	return st->backend->unblock(st, canon, &am, reason, out, cause);
}

int
store_forget(struct store *st, const char *ip, const struct store_match *m,
    struct store_entry *out, char **cause)
{
	struct store_match	 pm;
	char			 canon[IP_STRLEN];

	*cause = NULL;
	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (check_key(ip, canon, cause) != 0)
		return -1;
	match_in(&pm, m, STORE_PENDING);
	return st->backend->forget(st, canon, &pm, out, cause);
}

int
store_scan(struct store *st, const struct store_match *m, store_cb cb,
    void *arg, char **cause)
{
	*cause = NULL;
	return st->backend->scan(st, m, cb, arg, cause);
}

int
store_count(struct store *st, const struct store_match *m, uint64_t *n,
    char **cause)
{
	*cause = NULL;
	*n = 0;
	return st->backend->count(st, m, n, cause);
}

/*
 * The bulk operations: collect the keys of the matching entries, then
 * apply the one-entry operation to each (which checks the match again,
 * atomically), committing every STORE_BATCH.
 */
struct keys {
	char	**v;
	size_t	  n;
	size_t	  cap;
};

static int
collect_key(const struct store_entry *e, void *arg)
{
	struct keys	*k = arg;

	if (k->n == k->cap) {
		k->cap = k->cap == 0 ? 1024 : k->cap * 2;
		k->v = xreallocarray(k->v, k->cap, sizeof(*k->v));
	}
	k->v[k->n++] = xstrdup(e->host_ip);
	return 0;
}

/* One entry: store_unblock (reason set) or store_forget (reason NULL). */
static int
bulk_one(struct store *st, const char *ip, const struct store_match *m,
    const char *reason, struct store_entry *out, char **cause)
{
	if (reason != NULL)
		return st->backend->unblock(st, ip, m, reason, out, cause);
	return st->backend->forget(st, ip, m, out, cause);
}

static int
bulk(struct store *st, const struct store_match *m, const char *reason,
    store_cb cb, void *arg, uint64_t *n, char **cause)
{
	struct keys		 k = { NULL, 0, 0 };
	struct store_entry	*batch;
	size_t			 i, j, nb = 0;
	int			 r = -1, found, stop = 0;

	*cause = NULL;
	*n = 0;
	batch = xcalloc(STORE_BATCH, sizeof(*batch));
	if (st->backend->scan(st, m, collect_key, &k, cause) != 0)
		goto out;
	for (i = 0; i < k.n && !stop; i++) {
		found = bulk_one(st, k.v[i], m, reason, &batch[nb], cause);
		if (found < 0)
			goto out;
		if (found)
			nb++;
		if (nb < STORE_BATCH && i + 1 < k.n)
			continue;
		if (st->backend->commit(st, cause) != 0)
			goto out;
		for (j = 0; j < nb; j++) {
			(*n)++;
			if (cb != NULL && !stop && cb(&batch[j], arg) != 0)
				stop = 1;
			store_entry_clear(&batch[j]);
		}
		nb = 0;
	}
	r = 0;
out:
	for (j = 0; j < nb; j++)
		store_entry_clear(&batch[j]);
	for (i = 0; i < k.n; i++)
		free(k.v[i]);
	free(k.v);
	free(batch);
	return r;
}

int
store_unblock_all(struct store *st, const struct store_match *m,
    const char *reason, store_cb cb, void *arg, uint64_t *n, char **cause)
{
	struct store_match	 am;

	*cause = NULL;
	*n = 0;
	if (store_valid_reason(reason, cause) != 0)
		return -1;
	match_in(&am, m, STORE_ACTIVE);
	return bulk(st, &am, reason, cb, arg, n, cause);
}

int
store_forget_all(struct store *st, const struct store_match *m, store_cb cb,
    void *arg, uint64_t *n, char **cause)
{
	struct store_match	 pm;

	match_in(&pm, m, STORE_PENDING);
	return bulk(st, &pm, NULL, cb, arg, n, cause);
}
