/*
 * aws_config.c: the AWS CLI's shared files (~/.aws/config with [profile x]
 * sections, ~/.aws/credentials with [x]), including the nested lines of
 * [services x] sections, and profile lookups across both.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_impl.h"
#include "util.h"

static char *
aws_ini_trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
	    e[-1] == '\n'))
		*--e = '\0';
	return s;
}

static void
aws_ini_add(struct aws_ini *ini, const char *section, const char *key,
    const char *value, int line)
{
	struct aws_ini_entry *e;
	char *p;

	ini->entries = xreallocarray(ini->entries, ini->n + 1,
	    sizeof(*ini->entries));
	e = &ini->entries[ini->n++];
	e->section = xstrdup(section);
	e->key = xstrdup(key);
	for (p = e->key; *p != '\0'; p++)
		*p = tolower((unsigned char)*p);
	e->value = xstrdup(value);
	e->line = line;
}

/*
 * "[profile x]" in the config file names profile x; "[default]" and
 * "[profile default]" both name the default profile. Other sections of the
 * config file ("[services x]", "[sso-session x]") keep their name; a bare
 * "[x]" there is not a profile (as in the CLI), so it gets a name no
 * profile lookup matches.
 */
static char *
aws_ini_section_name(const char *raw, int is_config)
{
	const char *p = raw;
	char *name;

	if (!is_config || strcmp(p, "default") == 0 ||
	    strncmp(p, "services ", 9) == 0 ||
	    strncmp(p, "sso-session ", 12) == 0)
		return xstrdup(p);
	if (strncmp(p, "profile", 7) == 0 && (p[7] == ' ' || p[7] == '\t')) {
		p += 7;
		while (*p == ' ' || *p == '\t')
			p++;
		return xstrdup(p);
	}
	xasprintf(&name, "[%s]", p);
	return name;
}

int
aws_ini_load(const char *path, int is_config, struct aws_ini *ini,
    char **cause)
{
	FILE *f;
	char *line = NULL, *s, *eq, *section = NULL, *parent = NULL, *key;
	size_t cap = 0;
	ssize_t len;
	int lineno = 0, r = -1;

	memset(ini, 0, sizeof(*ini));
	ini->path = xstrdup(path);
	if ((f = fopen(path, "r")) == NULL) {
		if (errno == ENOENT)
			return 0;
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((len = getline(&line, &cap, f)) != -1) {
		lineno++;
		if (line[0] == ' ' || line[0] == '\t') {
			/* A nested line of the previous key with no value. */
			s = aws_ini_trim(line);
			if (*s == '\0' || *s == '#' || *s == ';')
				continue;
			if (section == NULL || parent == NULL ||
			    (eq = strchr(s, '=')) == NULL) {
				xasprintf(cause, "%s:%d: unexpected indented "
				    "line", path, lineno);
				goto out;
			}
			*eq = '\0';
			xasprintf(&key, "%s.%s", parent, aws_ini_trim(s));
			aws_ini_add(ini, section, key, aws_ini_trim(eq + 1),
			    lineno);
			free(key);
			continue;
		}
		s = aws_ini_trim(line);
		if (*s == '\0' || *s == '#' || *s == ';')
			continue;
		free(parent);
		parent = NULL;
		if (*s == '[') {
			char *end = strchr(s, ']');

			if (end == NULL) {
				xasprintf(cause, "%s:%d: unterminated section "
				    "header", path, lineno);
				goto out;
			}
			*end = '\0';
			free(section);
			section = aws_ini_section_name(aws_ini_trim(s + 1),
			    is_config);
			ini->sections = xreallocarray(ini->sections,
			    ini->nsections + 1, sizeof(*ini->sections));
			ini->sections[ini->nsections++] = xstrdup(section);
			continue;
		}
		if ((eq = strchr(s, '=')) == NULL) {
			xasprintf(cause, "%s:%d: expected key = value", path,
			    lineno);
			goto out;
		}
		if (section == NULL) {
			xasprintf(cause, "%s:%d: setting outside a section",
			    path, lineno);
			goto out;
		}
		*eq = '\0';
		key = aws_ini_trim(s);
		s = aws_ini_trim(eq + 1);
		if (*s == '\0')
			parent = xstrdup(key);
		aws_ini_add(ini, section, key, s, lineno);
	}
	if (ferror(f)) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		goto out;
	}
	r = 0;
out:
	if (line != NULL)
		wipe(line, cap);
	free(line);
	free(section);
	free(parent);
	fclose(f);
	if (r == -1)
		aws_ini_free(ini);
	return r;
}

void
aws_ini_free(struct aws_ini *ini)
{
	size_t i;

	for (i = 0; i < ini->n; i++) {
		free(ini->entries[i].section);
		free(ini->entries[i].key);
		freezero_str(ini->entries[i].value);
	}
	for (i = 0; i < ini->nsections; i++)
		free(ini->sections[i]);
	free(ini->sections);
	free(ini->entries);
	free(ini->path);
	memset(ini, 0, sizeof(*ini));
}

/* The last setting of key in section wins, as in the CLI. */
const char *
aws_ini_get(const struct aws_ini *ini, const char *section, const char *key)
{
	const char *v = NULL;
	size_t i;

	for (i = 0; i < ini->n; i++)
		if (strcmp(ini->entries[i].section, section) == 0 &&
		    strcmp(ini->entries[i].key, key) == 0)
			v = ini->entries[i].value;
	return v;
}

int
aws_ini_has_section(const struct aws_ini *ini, const char *section)
{
	size_t i;

	for (i = 0; i < ini->nsections; i++)
		if (strcmp(ini->sections[i], section) == 0)
			return 1;
	return 0;
}

const char *
aws_profile_get(const struct aws_ctx *ctx, const char *profile,
    const char *key)
{
	const char *v;

	if ((v = aws_ini_get(&ctx->credentials, profile, key)) != NULL)
		return v;
	return aws_ini_get(&ctx->config, profile, key);
}

int
aws_profile_exists(const struct aws_ctx *ctx, const char *profile)
{
	return aws_ini_has_section(&ctx->credentials, profile) ||
	    aws_ini_has_section(&ctx->config, profile);
}
