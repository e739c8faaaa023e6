/*
 * target.c: the enforcement points of a profile, from the configuration.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "target.h"
#include "util.h"
#include "waf.h"

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

/* The IP set of a WAF target: one name or ARN, and its scope. */
static int
waf_target(const struct conf *c, const char *name, struct target *x,
    char **cause)
{
	struct conf_origin	 o;
	struct waf_ref		 ref;
	enum waf_scope		 scope = WAF_REGIONAL;
	const char		*set, *sc;
	char			*why;

	if (conf_get(c, name, "rule_group", &o) != NULL) {
		xasprintf(cause, "%s: [target %s]: rule_group: a target of "
		    "type waf names an ip_set", o.where, name);
		return -1;
	}
	if ((set = conf_get(c, name, "ip_set", &o)) == NULL) {
		xasprintf(cause, "%s: [target %s]: no ip_set", conf_path(c),
		    name);
		return -1;
	}
	snprintf(x->where, sizeof(x->where), "%s", o.where);
	if (set[strcspn(set, " \t,")] != '\0') {
		xasprintf(cause, "%s: [target %s]: ip_set: one IP set per "
		    "target (an IPv4 and an IPv6 set are two targets)", o.where,
		    name);
		return -1;
	}
	if (waf_ref_parse(set, &ref, &why) == -1) {
		xasprintf(cause, "%s: ip_set %s: %s", o.where, set, why);
		free(why);
		return -1;
	}
	if ((sc = conf_get(c, name, "scope", &o)) != NULL &&
	    waf_scope_parse(sc, &scope) == -1) {
		xasprintf(cause, "%s: scope %s: REGIONAL or CLOUDFRONT",
		    o.where, sc);
		waf_ref_free(&ref);
		return -1;
	}
	if (sc == NULL && ref.has_scope)
		scope = ref.scope;
	waf_ref_free(&ref);
	x->ip_set = xstrdup(set);
	x->scope = xstrdup(waf_scope_name(scope));
	return 0;
}

/* The rule group of a Network Firewall target. */
static int
nfw_target(const struct conf *c, const char *name, struct target *x,
    char **cause)
{
	struct conf_origin	 o;
	const char		*group;

	if (conf_get(c, name, "ip_set", &o) != NULL ||
	    conf_get(c, name, "scope", &o) != NULL) {
		xasprintf(cause, "%s: [target %s]: a WAF key: set type = waf "
		    "for an IP set", o.where, name);
		return -1;
	}
	if ((group = conf_get(c, name, "rule_group", &o)) == NULL) {
		xasprintf(cause, "%s: [target %s]: no rule_group",
		    conf_path(c), name);
		return -1;
	}
	x->rule_group = xstrdup(group);
	snprintf(x->where, sizeof(x->where), "%s", o.where);
	return 0;
}

/* One [target NAME] section. */
static int
section_target(const struct conf *c, const char *name, struct targets *t,
    char **cause)
{
	struct conf_origin	 o;
	struct target		*x;
	const char		*type;
	int			 r;

	type = conf_get(c, name, "type", &o);
	if (type != NULL && strcmp(type, "nfw") != 0 &&
	    strcmp(type, "waf") != 0) {
		xasprintf(cause, "%s: type %s: unknown (nfw or waf)", o.where,
		    type);
		return -1;
	}
	x = push(t);
	x->name = xstrdup(name);
	x->kind = type != NULL && strcmp(type, "waf") == 0 ? TARGET_WAF :
	    TARGET_NFW;
	r = x->kind == TARGET_WAF ? waf_target(c, name, x, cause) :
	    nfw_target(c, name, x, cause);
	if (r == -1)
		return -1;
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
		free(t->v[i].ip_set);
		free(t->v[i].scope);
		free(t->v[i].region);
		free(t->v[i].profile);
		free(t->v[i].role_arn);
		free(t->v[i].external_id);
	}
	free(t->v);
	memset(t, 0, sizeof(*t));
}

const char *
target_prog(const struct target *t)
{
	return t->kind == TARGET_WAF ? "waf-sync" : "nfw-sync";
}

const char *
target_place(const struct target *t)
{
	return t->kind == TARGET_WAF ? t->ip_set : t->rule_group;
}
