/*
 * conf.c: read the configuration file (INI, like ~/.aws/config), check
 * every key and value, and answer "what is this setting, and where did it
 * come from".
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clk.h"
#include "conf.h"
#include "ip.h"
#include "util.h"

#define P	CONF_IN_PROFILE
#define T	CONF_IN_TARGET

const struct conf_key conf_keys[] = {
	{ "store", CONF_STRING, P, { "SECHUB_STORE" },
	    "the blocklist store: sqlite:PATH or dynamodb:TABLE" },
	{ "rule_group", CONF_STRING, P | T, { "SECHUB_RULE_GROUP" },
	    "the Network Firewall rule group to update (name or ARN)" },
	{ "ip_set", CONF_STRING, P | T, { "SECHUB_IP_SET" },
	    "the WAF IP sets to update (names or ARNs; one IPv4, one IPv6)" },
	{ "scope", CONF_STRING, P | T, { NULL },
	    "the scope of the WAF IP sets: REGIONAL or CLOUDFRONT" },
	{ "targets", CONF_NAMES, P, { NULL },
	    "the [target NAME] sections this profile enforces the "
	    "blocklist on" },
	{ "allowlist", CONF_PATH, P, { "SECHUB_ALLOWLIST" },
	    "a file of addresses and CIDR blocks never to block" },
	{ "allow", CONF_CIDRS, P, { NULL },
	    "addresses and CIDR blocks never to block, inline" },
	{ "webhook_file", CONF_PATH, P, { "SECHUB_WEBHOOK_FILE" },
	    "the file holding the Slack webhook URL (mode 600)" },
	{ "webhook_url", CONF_STRING, P | CONF_SECRET | CONF_ENV_ELSEWHERE,
	    { "SLACK_WEBHOOK_URL" },
	    "the Slack webhook URL itself (the file must then be mode 600)" },
	{ "retention", CONF_DURATION, P, { "SECHUB_RETENTION" },
	    "how long an address stays blocked after it was last seen" },
	{ "state_dir", CONF_PATH, P, { "SECHUB_STATE_DIR" },
	    "where sechub keeps its state (Slack de-duplication, cursors)" },
	{ "profile", CONF_STRING, P | T | CONF_ENV_ELSEWHERE,
	    { "AWS_PROFILE", "AWS_DEFAULT_PROFILE" },
	    "the AWS profile (of ~/.aws/config) to call AWS with" },
	{ "region", CONF_STRING, P | T | CONF_ENV_ELSEWHERE,
	    { "AWS_REGION", "AWS_DEFAULT_REGION" },
	    "the AWS region" },
	{ "type", CONF_STRING, T, { NULL },
	    "what the target is: nfw (a Network Firewall rule group) or waf "
	    "(an AWS WAF IP set)" },
	{ "role_arn", CONF_STRING, T, { NULL },
	    "a role to assume for this target (another account)" },
	{ "external_id", CONF_STRING, T, { NULL },
	    "the external id the role's trust policy asks for" },
	{ "source", CONF_STRING, P, { NULL },
	    "where sh-findings reads findings: securityhub, guardduty or "
	    "sqs:QUEUE_URL" },
	{ "record_pattern", CONF_PATH, P, { NULL },
	    "the event pattern of the record-ip flow" },
	{ "send_pattern", CONF_PATH, P, { NULL },
	    "the event pattern of the send-findings flow" },
	{ NULL, CONF_STRING, 0, { NULL }, NULL }
};

#undef P
#undef T

struct conf_entry {
	char	*section;	/* "default", "profile prod", "target x" */
	char	*key;
	char	*value;
	int	 line;
};

struct conf {
	char			*path;	/* NULL: no file */
	char			*profile;
	char			*section; /* "default" or "profile NAME" */
	struct conf_entry	*v;
	size_t			 n;
	char			**targets;
	size_t			 ntargets;
	int			 has_secret;
};

const struct conf_key *
conf_key_find(const char *name)
{
	const struct conf_key *k;

	for (k = conf_keys; k->name != NULL; k++)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

/* --- values --------------------------------------------------------------- */

int
conf_words(const char *s, int (*cb)(const char *, size_t, void *), void *arg)
{
	size_t	 n;
	int	 r;

	for (;;) {
		s += strspn(s, " \t,");
		if (*s == '\0')
			return 0;
		n = strcspn(s, " \t,");
		if ((r = cb(s, n, arg)) != 0)
			return r;
		s += n;
	}
}

struct word_check {
	enum conf_type	 type;
	char		*why;
};

static int
check_word(const char *w, size_t n, void *arg)
{
	struct word_check *c = arg;
	struct ip_cidr	 cidr;
	char		*text = xstrndup(w, n);
	size_t		 i;

	if (c->type == CONF_CIDRS && ip_parse_cidr(text, n, 0, &cidr) != 0)
		xasprintf(&c->why, "\"%s\": not an address or CIDR block",
		    text);
	for (i = 0; c->type == CONF_NAMES && i < n && c->why == NULL; i++)
		if (!isalnum((unsigned char)w[i]) &&
		    strchr("-_.", w[i]) == NULL)
			xasprintf(&c->why, "\"%s\": a name is letters, digits, "
			    "'-', '_' and '.'", text);
	free(text);
	return c->why != NULL;
}

struct cidr_add {
	struct ip_list	*list;
	char		*why;
};

static int
add_cidr(const char *w, size_t n, void *arg)
{
	struct cidr_add	*a = arg;
	struct ip_cidr	 c;

	if (ip_parse_cidr(w, n, 0, &c) != 0) {
		xasprintf(&a->why, "%.*s: not an address or CIDR block",
		    (int)n, w);
		return 1;
	}
	ip_list_add(a->list, &c);
	return 0;
}

int
conf_add_cidrs(struct ip_list *list, const char *value, char **cause)
{
	struct cidr_add	 a = { list, NULL };

	if (conf_words(value, add_cidr, &a) == 0)
		return 0;
	*cause = a.why;
	return -1;
}

/* NULL if value is good for the key, else why not (caller frees). */
static char *
check_value(const struct conf_key *k, const char *value)
{
	struct word_check c = { k->type, NULL };
	int64_t		 seconds;
	char		*why = NULL;

	switch (k->type) {
	case CONF_STRING:
	case CONF_PATH:
		if (*value == '\0')
			xasprintf(&why, "%s: empty value", k->name);
		break;
	case CONF_DURATION:
		if (clk_parse_duration(value, &seconds, &c.why) != 0) {
			xasprintf(&why, "%s: %s", k->name, c.why);
			free(c.why);
		} else if (seconds <= 0)
			xasprintf(&why, "%s: must be longer than 0s", k->name);
		break;
	case CONF_CIDRS:
	case CONF_NAMES:
		if (conf_words(value, check_word, &c) != 0) {
			xasprintf(&why, "%s: %s", k->name, c.why);
			free(c.why);
		}
		break;
	case CONF_BOOL:
		if (conf_bool(value) == -1)
			xasprintf(&why, "%s: \"%s\": expected yes or no",
			    k->name, value);
		break;
	}
	return why;
}

int
conf_bool(const char *s)
{
	static const char *yes[] = { "yes", "true", "on", "1", NULL };
	static const char *no[] = { "no", "false", "off", "0", NULL };
	int	 i;

	for (i = 0; yes[i] != NULL; i++)
		if (strcasecmp(s, yes[i]) == 0)
			return 1;
	for (i = 0; no[i] != NULL; i++)
		if (strcasecmp(s, no[i]) == 0)
			return 0;
	return -1;
}

/* --- reading the file ----------------------------------------------------- */

static char *
trim(char *s)
{
	char	*end;

	s += strspn(s, " \t");
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* "default", "profile NAME" or "target NAME", normalised; NULL if not. */
static char *
section_name(const char *text)
{
	char	 kind[16], name[256], rest[2], *s;

	if (strcmp(text, "default") == 0)
		return xstrdup("default");
	if (sscanf(text, "%15s %255s %1s", kind, name, rest) != 2 ||
	    (strcmp(kind, "profile") != 0 && strcmp(kind, "target") != 0))
		return NULL;
	if (name[strspn(name, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")] != '\0')
		return NULL;
	xasprintf(&s, "%s %s", kind, name);
	return s;
}

static int
is_target(const char *section)
{
	return strncmp(section, "target ", 7) == 0;
}

static void
add_entry(struct conf *c, const char *section, const char *key,
    const char *value, int line)
{
	struct conf_entry *e;

	c->v = xreallocarray(c->v, c->n + 1, sizeof(*c->v));
	e = &c->v[c->n++];
	e->section = xstrdup(section);
	e->key = xstrdup(key);
	e->value = xstrdup(value);
	e->line = line;
}

static struct conf_entry *
find_entry(const struct conf *c, const char *section, const char *key)
{
	size_t	 i;

	for (i = 0; i < c->n; i++)
		if (strcmp(c->v[i].section, section) == 0 &&
		    strcmp(c->v[i].key, key) == 0)
			return &c->v[i];
	return NULL;
}

static int
has_section(const char *section, char **sections, size_t nsections)
{
	size_t	 i;

	for (i = 0; i < nsections; i++)
		if (strcmp(sections[i], section) == 0)
			return 1;
	return 0;
}

/* One "key = value" line of section; NULL, or why it is refused. */
static char *
key_line(struct conf *c, const char *section, char *text, int line)
{
	const struct conf_key *k;
	char	*eq, *key, *value, *why;

	if ((eq = strchr(text, '=')) == NULL)
		return xstrdup("expected key = value");
	*eq = '\0';
	key = trim(text);
	value = trim(eq + 1);
	if ((k = conf_key_find(key)) == NULL) {
		xasprintf(&why, "%s: unknown key", key);
		return why;
	}
	if (!(k->flags & (is_target(section) ? CONF_IN_TARGET :
	    CONF_IN_PROFILE))) {
		xasprintf(&why, "%s: not a key of a [%s] section", key,
		    is_target(section) ? "target NAME" : "profile");
		return why;
	}
	if (find_entry(c, section, key) != NULL) {
		xasprintf(&why, "%s: set twice in [%s]", key, section);
		return why;
	}
	if ((why = check_value(k, value)) != NULL)
		return why;
	if (k->flags & CONF_SECRET)
		c->has_secret = 1;
	add_entry(c, section, key, value, line);
	return NULL;
}

struct targets_check {
	char	**sections;
	size_t	  nsections;
	char	 *why;
};

static int
check_target_name(const char *w, size_t n, void *arg)
{
	struct targets_check *t = arg;
	char	*section;

	xasprintf(&section, "target %.*s", (int)n, w);
	if (!has_section(section, t->sections, t->nsections))
		xasprintf(&t->why, "targets: no [%s] section", section);
	free(section);
	return t->why != NULL;
}

/* Every name in a targets key has its section; NULL or why, and *line. */
static char *
check_targets(const struct conf *c, char **sections, size_t nsections,
    int *line)
{
	struct targets_check t = { sections, nsections, NULL };
	size_t	 i;

	for (i = 0; i < c->n && t.why == NULL; i++) {
		if (strcmp(c->v[i].key, "targets") != 0)
			continue;
		*line = c->v[i].line;
		conf_words(c->v[i].value, check_target_name, &t);
	}
	return t.why;
}

/* Parse the open file; 0, or -1 and *cause. */
static int
parse(struct conf *c, FILE *fp, char **cause)
{
	char	 *text = NULL, *s, *section = NULL, *why = NULL;
	char	**sections = NULL;
	size_t	  cap = 0, nsections = 0;
	int	  line = 0, r = -1;

	while (getline(&text, &cap, fp) != -1) {
		line++;
		s = trim(text);
		if (*s == '\0' || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			free(section);
			section = NULL;
			if (s[strlen(s) - 1] == ']') {
				s[strlen(s) - 1] = '\0';
				section = section_name(trim(s + 1));
			}
			if (section == NULL) {
				why = xstrdup("expected [default], "
				    "[profile NAME] or [target NAME]");
				break;
			}
			if (has_section(section, sections, nsections)) {
				xasprintf(&why, "[%s]: a second time", section);
				break;
			}
			sections = xreallocarray(sections, nsections + 1,
			    sizeof(*sections));
			sections[nsections++] = xstrdup(section);
			if (is_target(section)) {
				c->targets = xreallocarray(c->targets,
				    c->ntargets + 1, sizeof(*c->targets));
				c->targets[c->ntargets++] =
				    xstrdup(section + 7);
			}
			continue;
		}
		if (section == NULL) {
			why = xstrdup("a key before the first [section]");
			break;
		}
		if ((why = key_line(c, section, s, line)) != NULL)
			break;
	}
	if (why == NULL && ferror(fp)) {
		xasprintf(cause, "%s: %s", c->path, strerror(errno));
		goto out;
	}
	if (why != NULL) {
		xasprintf(cause, "%s:%d: %s", c->path, line, why);
		goto out;
	}
	if ((why = check_targets(c, sections, nsections, &line)) != NULL) {
		xasprintf(cause, "%s:%d: %s", c->path, line, why);
		goto out;
	}
	if (strcmp(c->section, "default") != 0 &&
	    !has_section(c->section, sections, nsections)) {
		xasprintf(cause, "%s: no [%s] section", c->path, c->section);
		goto out;
	}
	r = 0;
out:
	while (nsections > 0)
		free(sections[--nsections]);
	free(sections);
	free(section);
	free(why);
	free(text);
	return r;
}

/* The file to read, and whether it was named (so must exist). */
static char *
search_path(const char *path, int *named)
{
	const char	*env, *home;
	char		*p;

	*named = 1;
	if (path != NULL)
		return xstrdup(path);
	if ((env = getenv("SECHUB_CONFIG")) != NULL && *env != '\0')
		return xstrdup(env);
	*named = 0;
	if ((env = getenv("XDG_CONFIG_HOME")) != NULL && *env == '/')
		xasprintf(&p, "%s/sechub-tools/config", env);
	else if ((home = getenv("HOME")) != NULL && *home == '/')
		xasprintf(&p, "%s/.config/sechub-tools/config", home);
	else
		p = NULL;
	if (p != NULL && access(p, F_OK) == 0)
		return p;
	free(p);
	return xstrdup("/etc/sechub-tools/config");
}

static int
check_mode(const struct conf *c, FILE *fp, char **cause)
{
	struct stat	 st;

	if (!c->has_secret || fstat(fileno(fp), &st) != 0 ||
	    !S_ISREG(st.st_mode) || (st.st_mode & 077) == 0)
		return 0;
	xasprintf(cause, "%s: holds a secret but is readable or writable by "
	    "others (mode %04o); chmod 600 it", c->path,
	    (unsigned)(st.st_mode & 07777));
	return -1;
}

struct conf *
conf_load(const char *path, const char *profile, char **cause)
{
	struct conf	*c = xcalloc(1, sizeof(*c));
	FILE		*fp = NULL;
	int		 named;

	*cause = NULL;
	if (profile == NULL && (profile = getenv("SECHUB_PROFILE")) != NULL &&
	    *profile == '\0')
		profile = NULL;
	c->profile = xstrdup(profile != NULL ? profile : "default");
	if (strcmp(c->profile, "default") == 0)
		c->section = xstrdup("default");
	else
		xasprintf(&c->section, "profile %s", c->profile);
	c->path = search_path(path, &named);
	if ((fp = fopen(c->path, "r")) == NULL) {
		if (errno == ENOENT && !named) {
			free(c->path);
			c->path = NULL;
			goto none;
		}
		xasprintf(cause, "%s: %s", c->path, strerror(errno));
		goto fail;
	}
	if (parse(c, fp, cause) != 0 || check_mode(c, fp, cause) != 0)
		goto fail;
	fclose(fp);
	return c;
none:
	if (strcmp(c->profile, "default") != 0) {
		xasprintf(cause, "profile %s: no configuration file "
		    "(SECHUB_CONFIG, ~/.config/sechub-tools/config, "
		    "/etc/sechub-tools/config)", c->profile);
		goto fail;
	}
	return c;
fail:
	if (fp != NULL)
		fclose(fp);
	conf_free(c);
	return NULL;
}

void
conf_free(struct conf *c)
{
	size_t	 i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++) {
		free(c->v[i].section);
		free(c->v[i].key);
		freezero_str(c->v[i].value);
	}
	for (i = 0; i < c->ntargets; i++)
		free(c->targets[i]);
	free(c->targets);
	free(c->v);
	free(c->path);
	free(c->profile);
	free(c->section);
	free(c);
}

const char *
conf_path(const struct conf *c)
{
	return c->path;
}

const char *
conf_profile(const struct conf *c)
{
	return c->profile;
}

size_t
conf_ntargets(const struct conf *c)
{
	return c->ntargets;
}

const char *
conf_target_name(const struct conf *c, size_t i)
{
	return i < c->ntargets ? c->targets[i] : NULL;
}

/* --- lookups -------------------------------------------------------------- */

const char *
conf_get(const struct conf *c, const char *target, const char *key,
    struct conf_origin *o)
{
	const struct conf_entry *e;
	char	*section = NULL;

	if (c == NULL || c->path == NULL)
		return NULL;
	if (target != NULL)
		xasprintf(&section, "target %s", target);
	e = find_entry(c, section != NULL ? section : c->section, key);
	free(section);
	if (e == NULL)
		return NULL;
	if (o != NULL) {
		o->source = CONF_FROM_FILE;
		snprintf(o->where, sizeof(o->where), "%s:%d", c->path,
		    e->line);
	}
	return e->value;
}

const char *
conf_setting(const struct conf *c, const char *key, struct conf_origin *o,
    int *env_only)
{
	const struct conf_key *k = conf_key_find(key);
	const char	*v;
	int		 i;

	*env_only = 0;
	if (k == NULL)
		return NULL;
	for (i = 0; i < 3 && k->env[i] != NULL; i++) {
		if ((v = getenv(k->env[i])) == NULL || *v == '\0')
			continue;
		o->source = CONF_FROM_ENV;
		snprintf(o->where, sizeof(o->where), "%s", k->env[i]);
		*env_only = (k->flags & CONF_ENV_ELSEWHERE) != 0;
		return v;
	}
	return conf_get(c, NULL, key, o);
}
