/*
 * target.c: the enforcement points of a profile, from the configuration.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "target.h"
#include "util.h"

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

static struct target *
push(struct targets *t)
{
	t->v = xreallocarray(t->v, t->n + 1, sizeof(*t->v));
	memset(&t->v[t->n], 0, sizeof(t->v[t->n]));
	return &t->v[t->n++];
}

/* One [target NAME] section. */
static int
section_target(const struct conf *c, const char *name, struct targets *t,
    char **cause)
{
	struct conf_origin	 o;
	struct target		*x;
	const char		*type, *group;

	type = conf_get(c, name, "type", &o);
	if (type != NULL && strcmp(type, "nfw") != 0) {
		xasprintf(cause, "%s: type %s: unknown (nfw)", o.where, type);
		return -1;
	}
	if ((group = conf_get(c, name, "rule_group", &o)) == NULL) {
		xasprintf(cause, "%s: [target %s]: no rule_group",
		    conf_path(c), name);
		return -1;
	}
	x = push(t);
	x->name = xstrdup(name);
	x->kind = TARGET_NFW;
	x->rule_group = xstrdup(group);
	snprintf(x->where, sizeof(x->where), "%s", o.where);
	x->region = dup_or_null(conf_get(c, name, "region", NULL));
	x->profile = dup_or_null(conf_get(c, name, "profile", NULL));
	x->role_arn = dup_or_null(conf_get(c, name, "role_arn", NULL));
	x->external_id = dup_or_null(conf_get(c, name, "external_id", NULL));
	if (x->external_id != NULL && x->role_arn == NULL) {
		xasprintf(cause, "%s: [target %s]: external_id without "
		    "role_arn", conf_path(c), name);
		return -1;
	}
	return 0;
}

struct names {
	const struct conf	*c;
	struct targets		*t;
	char			*cause;
};

static int
each_name(const char *w, size_t n, void *arg)
{
	struct names	*s = arg;
	char		*name = xstrndup(w, n);
	size_t		 i;
	int		 r = 0;

	for (i = 0; i < s->t->n; i++)
		if (strcmp(s->t->v[i].name, name) == 0)
			break;
	if (i == s->t->n)	/* listed twice: once is enough */
		r = section_target(s->c, name, s->t, &s->cause);
	free(name);
	return r != 0;
}

int
targets_load(const struct conf *c, const char *rule_group,
    const char *where, const char *region, const char *profile,
    struct targets *t, char **cause)
{
	struct names	 s = { c, t, NULL };
	struct target	*x;
	const char	*list;

	memset(t, 0, sizeof(*t));
	if (rule_group != NULL) {
		x = push(t);
		x->name = xstrdup(rule_group);
		x->kind = TARGET_NFW;
		x->rule_group = xstrdup(rule_group);
		x->region = dup_or_null(region);
		x->profile = dup_or_null(profile);
		snprintf(x->where, sizeof(x->where), "%s",
		    where != NULL ? where : "rule_group");
		if (where != NULL && (where[0] == '-' ||
		    strncmp(where, "SECHUB_", 7) == 0))
			return 0;	/* given for this call: only it */
	}
	if ((list = conf_get(c, NULL, "targets", NULL)) != NULL &&
	    conf_words(list, each_name, &s) != 0) {
		*cause = s.cause;
		targets_free(t);
		return -1;
	}
	return 0;
}

void
targets_free(struct targets *t)
{
	size_t	 i;

	for (i = 0; i < t->n; i++) {
		free(t->v[i].name);
		free(t->v[i].rule_group);
		free(t->v[i].region);
		free(t->v[i].profile);
		free(t->v[i].role_arn);
		free(t->v[i].external_id);
	}
	free(t->v);
	memset(t, 0, sizeof(*t));
}
