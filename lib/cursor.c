/*
 * cursor.c: the read position of sh-findings, per region, with the
 * findings seen inside the overlap window, kept in a state file that is
 * replaced atomically.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "clk.h"
#include "cursor.h"
#include "util.h"

#define CURSOR_VERSION	1

struct mark {
	char	*region;
	char	*id;
	char	*updated;	/* UpdatedAt as the service wrote it */
	int64_t	 ms;
	uint64_t hash;
};

/* Open addressing over marks, keyed by region, id and UpdatedAt. */
struct markset {
	struct mark	**slot;
	size_t		  cap;	/* a power of two, or 0 */
	size_t		  n;
};

struct region {
	char	*name;
	int64_t	 ms;		/* newest UpdatedAt passed on */
};

struct cursor {
	char		*path;
	char		*source;
	int64_t		 overlap_ms;
	struct region	*regions;
	size_t		 nregions;
	struct markset	 seen;
	struct markset	 pending;
};

static uint64_t
mark_hash(const char *region, const char *id, const char *updated)
{
	const char *parts[3] = { region, id, updated };
	uint64_t h = 1469598103934665603ULL;
	const unsigned char *p;
	int i;

	for (i = 0; i < 3; i++) {
		for (p = (const unsigned char *)parts[i]; *p != '\0'; p++)
			h = (h ^ *p) * 1099511628211ULL;
		h = (h ^ 0x1f) * 1099511628211ULL;
	}
	return h;
}

static void
mark_free(struct mark *m)
{
	if (m == NULL)
		return;
	free(m->region);
	free(m->id);
	free(m->updated);
	free(m);
}

static void
markset_clear(struct markset *s)
{
	size_t i;

	for (i = 0; i < s->cap; i++)
		mark_free(s->slot[i]);
	free(s->slot);
	memset(s, 0, sizeof(*s));
}

static struct mark **
markset_find(const struct markset *s, uint64_t h, const char *region,
    const char *id, const char *updated)
{
	size_t i;
	struct mark *m;

	if (s->cap == 0)
		return NULL;
	for (i = h & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
		if ((m = s->slot[i]) == NULL)
			return &s->slot[i];
		if (m->hash == h && strcmp(m->id, id) == 0 &&
		    strcmp(m->updated, updated) == 0 &&
		    strcmp(m->region, region) == 0)
			return &s->slot[i];
	}
}

static void markset_put(struct markset *, struct mark *);

static void
markset_grow(struct markset *s)
{
	struct markset bigger;
	size_t i;

	bigger.cap = s->cap != 0 ? s->cap * 2 : 64;
	bigger.n = 0;
	bigger.slot = xcalloc(bigger.cap, sizeof(*bigger.slot));
	for (i = 0; i < s->cap; i++)
		if (s->slot[i] != NULL)
			markset_put(&bigger, s->slot[i]);
	free(s->slot);
	*s = bigger;
}

/* Takes m; a duplicate is freed. */
static void
markset_put(struct markset *s, struct mark *m)
{
	struct mark **p;

	if ((s->n + 1) * 2 > s->cap)
		markset_grow(s);
	p = markset_find(s, m->hash, m->region, m->id, m->updated);
	if (*p != NULL) {
		mark_free(m);
		return;
	}
	*p = m;
	s->n++;
}

static struct mark *
mark_new(const char *region, const char *id, const char *updated,
    int64_t ms)
{
	struct mark *m = xcalloc(1, sizeof(*m));

	m->region = xstrdup(region);
	m->id = xstrdup(id);
	m->updated = xstrdup(updated);
	m->ms = ms;
	m->hash = mark_hash(region, id, updated);
	return m;
}

static struct region *
region_get(struct cursor *c, const char *name, int create)
{
	size_t i;

	for (i = 0; i < c->nregions; i++)
		if (strcmp(c->regions[i].name, name) == 0)
			return &c->regions[i];
	if (!create)
		return NULL;
	c->regions = xreallocarray(c->regions, c->nregions + 1,
	    sizeof(*c->regions));
	c->regions[c->nregions].name = xstrdup(name);
	c->regions[c->nregions].ms = INT64_MIN;
	return &c->regions[c->nregions++];
}

/* --- times ---------------------------------------------------------------- */

int
cursor_parse_ms(const char *s, int64_t *ms)
{
	time_t secs;
	size_t n = strlen(s);
	int64_t frac = 0;
	int digits = 0;
	const char *p;

	if (n < 19 || clk_parse(s, n, &secs) == -1)
		return -1;
	if (s[19] == '.')
		for (p = s + 20; *p >= '0' && *p <= '9'; p++)
			if (digits < 3) {
				frac = frac * 10 + (*p - '0');
				digits++;
			}
	for (; digits > 0 && digits < 3; digits++)
		frac *= 10;
	*ms = (int64_t)secs * 1000 + frac;
	return 0;
}

char *
cursor_format_ms(int64_t ms, char *buf)
{
	char	 t[CLK_BUFSZ];
	int64_t	 secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);

	clk_format((time_t)secs, t);
	/* "YYYY-MM-DDTHH:MM:SS" + ".mmm" + "Z" */
	snprintf(buf, 25, "%.19s.%03dZ", t, (int)(ms - secs * 1000));
	return buf;
}

/* --- loading -------------------------------------------------------------- */

static int
cursor_load_region(struct cursor *c, const char *name, json_t *v,
    char **cause)
{
	struct region *r;
	json_t *seen, *pair;
	const char *at, *id, *updated;
	int64_t ms;
	size_t i;

	at = json_string_value(json_object_get(v, "UpdatedAt"));
	seen = json_object_get(v, "Seen");
	if (at == NULL || cursor_parse_ms(at, &ms) == -1 ||
	    (seen != NULL && !json_is_array(seen)))
		goto bad;
	r = region_get(c, name, 1);
	r->ms = ms;
	json_array_foreach(seen, i, pair) {
		id = json_string_value(json_array_get(pair, 0));
		updated = json_string_value(json_array_get(pair, 1));
		if (id == NULL || updated == NULL ||
		    cursor_parse_ms(updated, &ms) == -1)
			goto bad;
		markset_put(&c->seen, mark_new(name, id, updated, ms));
	}
	return 0;
bad:
	xasprintf(cause, "%s: region %s: not a cursor (UpdatedAt and Seen "
	    "expected)", c->path, name);
	return -1;
}

static int
cursor_load(struct cursor *c, char **cause)
{
	json_error_t jerr;
	json_t *doc, *regions, *v;
	const char *name, *source;
	int r = -1;

	if ((doc = json_load_file(c->path, 0, &jerr)) == NULL) {
		if (access(c->path, F_OK) == -1 && errno == ENOENT)
			return 0;
		xasprintf(cause, "%s: %s", c->path, jerr.text);
		return -1;
	}
	source = json_string_value(json_object_get(doc, "Source"));
	regions = json_object_get(doc, "Regions");
	if (json_integer_value(json_object_get(doc, "Version")) !=
	    CURSOR_VERSION || source == NULL || !json_is_object(regions)) {
		xasprintf(cause, "%s: not a sh-findings state file (version "
		    "%d)", c->path, CURSOR_VERSION);
		goto out;
	}
	if (strcmp(source, c->source) != 0) {
		xasprintf(cause, "%s: the state of a %s source, not of %s",
		    c->path, source, c->source);
		goto out;
	}
	json_object_foreach(regions, name, v)
		if (cursor_load_region(c, name, v, cause) == -1)
			goto out;
	r = 0;
out:
	json_decref(doc);
	return r;
}

struct cursor *
cursor_open(const char *path, const char *source, int64_t overlap_ms,
    char **cause)
{
	struct cursor *c = xcalloc(1, sizeof(*c));

	*cause = NULL;
	c->path = path != NULL ? xstrdup(path) : NULL;
	c->source = xstrdup(source);
	c->overlap_ms = overlap_ms;
	if (path != NULL && cursor_load(c, cause) == -1) {
		cursor_free(c);
		return NULL;
	}
	return c;
}

void
cursor_free(struct cursor *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nregions; i++)
		free(c->regions[i].name);
	free(c->regions);
	markset_clear(&c->seen);
	markset_clear(&c->pending);
	free(c->path);
	free(c->source);
	free(c);
}

/* --- reading and marking -------------------------------------------------- */

int
cursor_start(const struct cursor *c, const char *region, int64_t *ms)
{
	const struct region *r;

	r = region_get((struct cursor *)c, region, 0);
	if (r == NULL || r->ms == INT64_MIN)
		return 0;
	*ms = r->ms - c->overlap_ms;
	return 1;
}

int
cursor_seen(const struct cursor *c, const char *region, const char *id,
    const char *updated)
{
	uint64_t h = mark_hash(region, id, updated);
	struct mark **p;

	if ((p = markset_find(&c->seen, h, region, id, updated)) != NULL &&
	    *p != NULL)
		return 1;
	p = markset_find(&c->pending, h, region, id, updated);
	return p != NULL && *p != NULL;
}

void
cursor_mark(struct cursor *c, const char *region, const char *id,
    const char *updated, int64_t ms)
{
	markset_put(&c->pending, mark_new(region, id, updated, ms));
}

void
cursor_rollback(struct cursor *c)
{
	markset_clear(&c->pending);
}

/* --- committing ----------------------------------------------------------- */

static json_t *
cursor_to_json(const struct cursor *c)
{
	json_t *doc, *regions, *r, *seen;
	char t[25];
	size_t i, k;
	struct mark *m;

	doc = json_pack("{s:i, s:s, s:I}", "Version", CURSOR_VERSION,
	    "Source", c->source, "OverlapSeconds",
	    (json_int_t)(c->overlap_ms / 1000));
	regions = json_object();
	for (i = 0; i < c->nregions; i++) {
		if (c->regions[i].ms == INT64_MIN)
			continue;
		seen = json_array();
		for (k = 0; k < c->seen.cap; k++)
			if ((m = c->seen.slot[k]) != NULL &&
			    strcmp(m->region, c->regions[i].name) == 0)
				json_array_append_new(seen, json_pack("[s,s]",
				    m->id, m->updated));
		r = json_pack("{s:s, s:o}", "UpdatedAt",
		    cursor_format_ms(c->regions[i].ms, t), "Seen", seen);
		json_object_set_new(regions, c->regions[i].name, r);
	}
	json_object_set_new(doc, "Regions", regions);
	return doc;
}

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Replace path with text: a temporary file beside it, fsync, rename, and
 * fsync of the directory, so that a crash leaves the old or the new. */
static int
cursor_save(const char *path, const char *text, char **cause)
{
	char *tmp, *dircopy;
	int fd, dfd, saved;

	xasprintf(&tmp, "%s.XXXXXX", path);
	if ((fd = mkstemp(tmp)) == -1) {
		xasprintf(cause, "%s: %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	if (fchmod(fd, 0600) == -1 || write_all(fd, text, strlen(text)) ==
	    -1 || fsync(fd) == -1) {
		saved = errno;
		close(fd);
		goto fail;
	}
	if (close(fd) == -1) {
		saved = errno;
		goto fail;
	}
	if (rename(tmp, path) == -1) {
		saved = errno;
		goto fail;
	}
	free(tmp);
	dircopy = xstrdup(path);
	if ((dfd = open(dirname(dircopy), O_RDONLY | O_DIRECTORY)) != -1) {
		(void)fsync(dfd);
		close(dfd);
	}
	free(dircopy);
	return 0;
fail:
	unlink(tmp);
	xasprintf(cause, "%s: %s", path, strerror(saved));
	free(tmp);
	return -1;
}

/* Keep what a read starting at cursor - overlap can meet again. */
static void
cursor_prune(struct cursor *c)
{
	struct markset kept = { NULL, 0, 0 };
	struct region *r;
	size_t i;
	struct mark *m;

	for (i = 0; i < c->seen.cap; i++) {
		if ((m = c->seen.slot[i]) == NULL)
			continue;
		r = region_get(c, m->region, 0);
		if (r != NULL && m->ms >= r->ms - c->overlap_ms)
			markset_put(&kept, m);
		else
			mark_free(m);
	}
	free(c->seen.slot);
	c->seen = kept;
}

int
cursor_commit(struct cursor *c, char **cause)
{
	struct region *r;
	json_t *doc;
	char *dump, *text;
	size_t i;
	struct mark *m;
	int rv;

	*cause = NULL;
	for (i = 0; i < c->pending.cap; i++) {
		if ((m = c->pending.slot[i]) == NULL)
			continue;
		r = region_get(c, m->region, 1);
		if (m->ms > r->ms)
			r->ms = m->ms;
		markset_put(&c->seen, m);
	}
	free(c->pending.slot);
	memset(&c->pending, 0, sizeof(c->pending));
	cursor_prune(c);
	if (c->path == NULL)
		return 0;
	doc = cursor_to_json(c);
	dump = json_dumps(doc, JSON_INDENT(1));
	json_decref(doc);
	xasprintf(&text, "%s\n", dump != NULL ? dump : "");
	free(dump);
	rv = cursor_save(c->path, text, cause);
	free(text);
	return rv;
}
