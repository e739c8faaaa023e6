/*
 * sechub: status, config and doctor: what the targets block, the settings
 * and where each came from, the checks of the setup.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "aws.h"
#include "clk.h"
#include "slack.h"
#include "store.h"
#include "util.h"
#include "sechub.h"

/* --- status ----------------------------------------------------------------- */


static json_int_t
summary_int(const json_t *s, const char *key)
{
	return json_integer_value(json_object_get(s, key));
}

/* The key of a summary that names what a target is: RuleGroup, IPSet. */
static const char *
place_key(const struct target *t)
{
	return t->kind == TARGET_WAF ? "IPSet" : "RuleGroup";
}

/* What a target's summary says it is (its ARN), else as configured. */
static const char *
summary_place(const struct target *t, const json_t *s)
{
	const char	*v = s != NULL ? json_string_value(json_object_get(s,
	    place_key(t))) : NULL;

	return v != NULL ? v : target_place(t);
}

/*
 * What the store needs of the target (*used) and what it holds (the
 * integer, or null: not said): a rule group's capacity units; an IP
 * set's blocks, of the 10,000 it holds.
 */
static const json_t *
target_capacity(const struct target *t, const json_t *s, json_int_t *used)
{
	int	 waf = t->kind == TARGET_WAF;

	*used = summary_int(s, waf ? "Blocks" : "CapacityUsed");
	return json_object_get(s, waf ? "Limit" : "Capacity");
}

static void
status_capacity(const struct target *t, const json_t *s, json_t *o)
{
	const json_t	*cap;
	json_int_t	 used;

	cap = target_capacity(t, s, &used);
	json_object_set_new(o, "CapacityUsed", json_integer(used));
	json_object_set_new(o, "Capacity", cap != NULL ? json_incref(
	    (json_t *)cap) : json_null());
}

/* A target's status record from its dry-run plan. */
static json_t *
target_status(const struct target *t, const struct result *r, int *drift)
{
	const json_t	*s = r->summary;
	const char	*e = result_error(r);
	json_t		*o, *missing, *extra, *unsafe;

	o = json_pack("{s:s, s:s}", "Target", t->name, place_key(t),
	    summary_place(t, s));
	if (e != NULL) {
		json_object_set_new(o, "Error", json_string(e));
		return o;
	}
	missing = json_object_get(s, "AddedBlocks");
	extra = json_object_get(s, "RemovedBlocks");
	unsafe = json_object_get(s, "Cleaned");
	json_object_set_new(o, "Blocked", json_integer(summary_int(s,
	    "Total") - summary_int(s, "Added") + summary_int(s, "Removed")));
	status_capacity(t, s, o);
	if (json_object_get(s, "LastModified") != NULL)
		json_object_set(o, "LastModified",
		    json_object_get(s, "LastModified"));
	json_object_set_new(o, "NotBlocked", missing != NULL ?
	    json_incref(missing) : json_array());
	json_object_set_new(o, "NotInStore", extra != NULL ?
	    json_incref(extra) : json_array());
	json_object_set_new(o, "Unsafe", unsafe != NULL ? json_incref(unsafe) :
	    json_array());
	*drift = json_array_size(json_object_get(o, "NotBlocked")) > 0 ||
	    json_array_size(json_object_get(o, "NotInStore")) > 0 ||
	    json_array_size(json_object_get(o, "Unsafe")) > 0;
	json_object_set_new(o, "InSync", json_boolean(!*drift));
	return o;
}

/* "a, b, c and 4 more" of a JSON array of strings (or objects' Block). */
static void
list_text(const json_t *a, char *buf, size_t len)
{
	const json_t	*v;
	const char	*s;
	size_t		 i, n = 0;

	buf[0] = '\0';
	json_array_foreach(a, i, v) {
		if (i == 5) {
			snprintf(buf + n, len - n, " and %zu more",
			    json_array_size(a) - 5);
			return;
		}
		s = json_is_string(v) ? json_string_value(v) :
		    json_string_value(json_object_get(v, "Block"));
		n += snprintf(buf + n, n < len ? len - n : 0, "%s%s",
		    i > 0 ? ", " : "", s != NULL ? s : "?");
		if (n >= len)
			return;
	}
}

static void
status_table(json_t **rows, size_t n, const json_t *store)
{
	char	 cap[64], list[512];
	size_t	 i;

	printf("%-20s %-10s %-14s %s\n", "TARGET", "BLOCKED", "CAPACITY",
	    "STATE");
	for (i = 0; i < n; i++) {
		const json_t	*r = rows[i];
		const char	*name = json_string_value(json_object_get(r,
		    "Target"));

		if (json_object_get(r, "Error") != NULL) {
			printf("%-20s %-10s %-14s failed: %s\n", name, "-", "-",
			    json_string_value(json_object_get(r, "Error")));
			continue;
		}
		if (json_is_integer(json_object_get(r, "Capacity")))
			snprintf(cap, sizeof(cap), "%lld/%lld",
			    (long long)summary_int(r, "CapacityUsed"),
			    (long long)summary_int(r, "Capacity"));
		else
			snprintf(cap, sizeof(cap), "%lld/?",
			    (long long)summary_int(r, "CapacityUsed"));
		printf("%-20s %-10lld %-14s %s\n", name,
		    (long long)summary_int(r, "Blocked"), cap,
		    json_is_true(json_object_get(r, "InSync")) ? "in sync" :
		    "DRIFT");
	}
	for (i = 0; i < n; i++) {
		const json_t	*r = rows[i];
		const char	*name = json_string_value(json_object_get(r,
		    "Target"));
		static const char *const kinds[][2] = {
			{ "NotBlocked", "in the store, not blocked" },
			{ "NotInStore", "blocked, not in the store" },
			{ "Unsafe", "blocked, but allowlisted or special" }
		};
		size_t	 k;

		for (k = 0; k < 3; k++) {
			if (json_array_size(json_object_get(r,
			    kinds[k][0])) == 0)
				continue;
			list_text(json_object_get(r, kinds[k][0]), list,
			    sizeof(list));
			printf("%s: %s: %s\n", name, kinds[k][1], list);
		}
	}
	printf("store %s: %lld active, %lld pending unblock\n",
	    json_string_value(json_object_get(store, "Store")),
	    (long long)summary_int(store, "Active"),
	    (long long)summary_int(store, "Pending"));
}


void
cmd_status(struct sechub *h, char **argv, int argc)
{
	struct result	*res = xcalloc(h->targets.n + 1, sizeof(*res));
	json_t		**rows, *store;
	int		 active, pending, drift, any_drift = 0;
	size_t		 i;
	char		*url = store_url_text(h);

	need_targets(h);
	active = store_list(h, "status", 0);
	pending = store_list(h, "status", 1);
	replace_all(h, "status", active, 1, res);
	rows = xcalloc(h->targets.n + 1, sizeof(*rows));
	for (i = 0; i < h->targets.n; i++) {
		drift = 0;
		rows[i] = target_status(&h->targets.v[i], &res[i], &drift);
		any_drift |= drift;
	}
	store = json_pack("{s:s, s:I, s:I}", "Store", url, "Active",
	    (json_int_t)count_records(active), "Pending",
	    (json_int_t)count_records(pending));
	if (h->json) {
		for (i = 0; i < h->targets.n; i++)
			put_record(STDOUT_FILENO, rows[i]);
		put_record(STDOUT_FILENO, store);
	} else
		status_table(rows, h->targets.n, store);
	if (any_drift)
		raise_status(h, EXIT_REJECTED);	/* 1: drift */
	for (i = 0; i < h->targets.n; i++)
		json_decref(rows[i]);
	json_decref(store);
	free(rows);
	free(url);
	results_free(res, h->targets.n);
	close(active);
	close(pending);
}

/* --- config ----------------------------------------------------------------- */

/* The index in v[] of the option that stands for a key, or -1. */
static int
option_of(const char *key)
{
	const struct opt *o;

	for (o = sechub_options; o->name != NULL; o++)
		if (o->setting != NULL && strcmp(o->setting, key) == 0 &&
		    o->action == OPT_KEEP)
			return (int)((o->at - offsetof(struct sechub, v)) /
			    sizeof(struct opt_value));
	return -1;
}

static char *
default_of(const char *key)
{
	char	*s = NULL, *cause;

	if (strcmp(key, "store") == 0) {
		if ((s = store_default_url(&cause)) == NULL)
			free(cause);
	} else if (strcmp(key, "retention") == 0)
		s = xstrdup("720h");
	else if (strcmp(key, "state_dir") == 0)
		s = default_state_dir();
	else if (strcmp(key, "record_pattern") == 0)
		xasprintf(&s, "%s/%s", SECHUB_EXAMPLES_DIR, RECORD_PATTERN);
	else if (strcmp(key, "send_pattern") == 0)
		xasprintf(&s, "%s/%s", SECHUB_EXAMPLES_DIR, SEND_PATTERN);
	return s;
}

/* The value of one key and where it came from (value NULL: unset). */
static void
setting_of(const struct sechub *h, const struct conf_key *k, char **value,
    char **origin)
{
	struct conf_origin o;
	const char	*v;
	int		 id = option_of(k->name), env_only;
	size_t		 i, n;
	struct buf	 b;

	*value = *origin = NULL;
	if (strcmp(k->name, "allow") == 0 && h->nallow > 0) {
		buf_init(&b);
		for (i = 0; i < h->nallow; i++)
			buf_addf(&b, "%s%s", i > 0 ? ", " : "", h->allow[i]);
		*value = xstrdup(buf_cstr(&b));
		buf_free(&b);
		*origin = xstrdup(h->allow_where);
		return;
	}
	if (id >= 0 && h->v[id].value != NULL) {
		*value = xstrdup(h->v[id].value);
		*origin = xstrdup(h->v[id].where);
		/* "FILE:LINE: key" is FILE:LINE here, as for the others */
		n = strlen(*origin);
		if (n > strlen(k->name) + 2 && strcmp(*origin + n -
		    strlen(k->name), k->name) == 0 && (*origin)[n -
		    strlen(k->name) - 2] == ':')
			(*origin)[n - strlen(k->name) - 2] = '\0';
		return;
	}
	if ((v = conf_setting(h->conf, k->name, &o, &env_only)) != NULL) {
		*value = xstrdup(v);
		*origin = xstrdup(o.where);
		return;
	}
	if ((*value = default_of(k->name)) != NULL)
		*origin = xstrdup("default");
}

static void
mask(const struct conf_key *k, char **value)
{
	if (*value == NULL || !(k->flags & CONF_SECRET))
		return;
	freezero_str(*value);
	*value = xstrdup("(set, not shown)");
}

void
cmd_config(struct sechub *h, char **argv, int argc)
{
	const struct conf_key *k;
	char		*value, *origin;
	json_t		*o;
	size_t		 i;

	if (!h->json)
		printf("%-16s %s (profile %s)\n", "file",
		    conf_path(h->conf) != NULL ? conf_path(h->conf) :
		    "none (built-in defaults)", conf_profile(h->conf));
	for (k = conf_keys; k->name != NULL; k++) {
		if (!(k->flags & CONF_IN_PROFILE))
			continue;
		setting_of(h, k, &value, &origin);
		mask(k, &value);
		if (h->json) {
			o = json_pack("{s:s, s:s?, s:s?}", "Key", k->name,
			    "Value", value, "From", origin);
			put_record(STDOUT_FILENO, o);
			json_decref(o);
		} else
			printf("%-16s %-40s %s\n", k->name, value != NULL ?
			    value : "-", origin != NULL ? origin : "not set");
		free(value);
		free(origin);
	}
	for (i = 0; i < h->targets.n; i++) {
		const struct target *t = &h->targets.v[i];

		if (h->json) {
			o = json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:s?, "
			    "s:s}", "Target", t->name, place_key(t),
			    target_place(t), "Scope", t->scope, "Region",
			    t->region, "Profile", t->profile, "RoleArn",
			    t->role_arn, "From", t->where);
			put_record(STDOUT_FILENO, o);
			json_decref(o);
		} else
			printf("target %-9s %s %s%s%s%s%s%s%s%s%s (%s)\n",
			    t->name, t->kind == TARGET_WAF ? "ip set" :
			    "rule group", target_place(t),
			    t->scope ? ", scope " : "",
			    t->scope ? t->scope : "",
			    t->region ? ", region " : "",
			    t->region ? t->region : "",
			    t->profile ? ", profile " : "",
			    t->profile ? t->profile : "",
			    t->role_arn ? ", role " : "",
			    t->role_arn ? t->role_arn : "", t->where);
	}
	if (!h->json && h->targets.n == 0)
		printf("no target: set rule_group or targets\n");
	fflush(stdout);
}

/* --- doctor ----------------------------------------------------------------- */

struct checks {
	int	 failed;
	int	 warned;
};

static void __attribute__((format(printf, 4, 5)))
check(struct checks *c, int level, const char *what, const char *fmt, ...)
{
	va_list	 ap;

	printf("%-4s %s: ", level == 0 ? "ok" : level == 1 ? "warn" : "FAIL",
	    what);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (level == 2)
		c->failed++;
	else if (level == 1)
		c->warned++;
}

/* Run a child quietly; its status, and its stderr's first line in why. */
static int
quiet_run(struct proc_argv *a, int in, int out, char *why, size_t len)
{
	struct proc_stage st = { a->v[0], a->v };
	int		 status, err = tmpfile_or_die(), saved;
	char		*cause;
	ssize_t		 n;

	fflush(stderr);
	saved = dup(STDERR_FILENO);
	dup2(err, STDERR_FILENO);
	if (proc_pipeline(&st, 1, in, out, &status, &cause) != 0)
		free(cause);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind_fd(err);
	n = read(err, why, len - 1);
	why[n > 0 ? n : 0] = '\0';
	why[strcspn(why, "\n")] = '\0';
	close(err);
	proc_argv_free(a);
	return status;
}

static void
doctor_store(struct sechub *h, struct checks *c)
{
	struct proc_argv a;
	char		 why[512], count[64];
	char		*url = store_url_text(h);
	int		 out = tmpfile_or_die(), st;
	ssize_t		 n;

	ipstore_args(h, &a, "count");
	if ((st = quiet_run(&a, -1, out, why, sizeof(why))) != 0)
		check(c, strstr(why, "no such store") != NULL ? 1 : 2, "store",
		    "%s: %s", url, why);
	else {
		rewind_fd(out);
		n = read(out, count, sizeof(count) - 1);
		count[n > 0 ? n : 0] = '\0';
		count[strcspn(count, "\n")] = '\0';
		if (strncmp(url, "sqlite:", 7) == 0 && access(url + 7, W_OK) != 0)
			check(c, 2, "store", "%s: not writable: %s", url,
			    strerror(errno));
		else
			check(c, 0, "store", "%s: %s entries", url, count);
	}
	close(out);
	free(url);
}

static void
doctor_targets(struct sechub *h, struct checks *c)
{
	struct result	*res = xcalloc(h->targets.n + 1, sizeof(*res));
	int		 active, saved, null;
	size_t		 i;
	const json_t	*s, *limit;
	json_int_t	 used, cap;

	if (h->targets.n == 0) {
		check(c, 2, "targets", "none: set rule_group or targets");
		free(res);
		return;
	}
	active = store_list(h, "doctor", 0);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	null = open("/dev/null", O_WRONLY);
	dup2(null, STDERR_FILENO);
	replace_all(h, "doctor", active, 1, res);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(null);
	for (i = 0; i < h->targets.n; i++) {
		const struct target *t = &h->targets.v[i];

		if (result_error(&res[i]) != NULL) {
			check(c, 2, t->name, "%s: %s", target_place(t),
			    result_error(&res[i]));
			continue;
		}
		s = res[i].summary;
		limit = target_capacity(t, s, &used);
		cap = json_is_integer(limit) ? json_integer_value(limit) : -1;
		if (cap > 0 && used * 10 > cap * 9)
			check(c, 1, t->name, "%s answers; capacity %lld of %lld "
			    "(less than 10%% left)", summary_place(t, s),
			    (long long)used, (long long)cap);
		else
			check(c, 0, t->name, "%s answers; the store needs "
			    "capacity %lld of %lld", summary_place(t, s),
			    (long long)used, (long long)cap);
	}
	close(active);
	results_free(res, h->targets.n);
}

/* Whose credentials the targets and a DynamoDB store are called with. */
static void
doctor_credentials(struct sechub *h, struct checks *c)
{
	struct aws_options	 o = { h->v[O_PROFILE].value,
	    h->v[O_REGION].value, NULL, NULL, NULL };
	const struct aws_identity *id;
	struct aws_error	 err;
	struct aws_ctx		*ctx;
	char			*cause, buf[1024];
	const char		*store = h->v[O_STORE].value;
	size_t			 i;

	for (i = 0; i < h->targets.n && o.region == NULL; i++)
		o.region = h->targets.v[i].region;
	if (h->targets.n == 0 && (store == NULL ||
	    strncmp(store, "dynamodb:", 9) != 0))
		return;		/* nothing calls AWS */
	if ((ctx = aws_new(&o, &cause)) == NULL) {
		check(c, 2, "credentials", "%s", cause);
		free(cause);
		return;
	}
	if (aws_caller_identity(ctx, &id, &err) != 0) {
		snprintf(buf, sizeof(buf), "%s", err.message);
		check(c, 2, "credentials", "STS GetCallerIdentity: %s%s%s",
		    err.type, err.type[0] != '\0' ? ": " : "", buf);
	} else
		check(c, 0, "credentials", "%s (account %s, from %s)", id->arn,
		    id->account, aws_credentials_source(ctx) != NULL ?
		    aws_credentials_source(ctx) : "?");
	aws_free(ctx);
}

static void
doctor_webhook(struct sechub *h, struct checks *c)
{
	struct conf_origin o;
	const char	*file = h->v[O_WEBHOOK].value;
	const char	*env = getenv("SLACK_WEBHOOK_URL");
	char		*url = NULL, *cause = NULL, shown[256];

	if (file != NULL)
		url = slack_webhook_read(file, &cause);
	else if (env != NULL && *env != '\0')
		url = xstrdup(env);
	else if (conf_get(h->conf, NULL, "webhook_url", &o) != NULL)
		url = xstrdup(conf_get(h->conf, NULL, "webhook_url", &o));
	else {
		check(c, 1, "webhook", "none configured: nobody will be told");
		return;
	}
	if (url == NULL) {
		check(c, 2, "webhook", "%s", cause);
		free(cause);
		return;
	}
	if (slack_webhook_check(url, &cause) != 0) {
		check(c, 2, "webhook", "%s", cause);
		free(cause);
	} else
		check(c, 0, "webhook", "%s%s%s", slack_webhook_display(url,
		    shown, sizeof(shown)), file != NULL ? " from " : "",
		    file != NULL ? file : "");
	freezero_str(url);
}

static void
doctor_pattern(struct sechub *h, struct checks *c, int id, const char *name,
    const char *what)
{
	struct proc_argv a;
	char		*p, why[512];

	if (h->v[id].value != NULL)
		p = xstrdup(h->v[id].value);
	else
		p = default_pattern(name);
	proc_argv_init(&a, "sh-match");
	proc_argv_add(&a, "--check");
	proc_argv_add(&a, "--quiet");
	proc_argv_add(&a, "-p");
	proc_argv_add(&a, p);
	if (quiet_run(&a, -1, -1, why, sizeof(why)) != 0)
		check(c, 2, what, "%s", why);
	else
		check(c, 0, what, "%s", p);
	free(p);
}

void
cmd_doctor(struct sechub *h, char **argv, int argc)
{
	struct checks	 c = { 0, 0 };
	char		 buf[CLK_BUFSZ], *probe;
	time_t		 now = clk_now();
	int		 fd;

	check(&c, 0, "config", "%s (profile %s)", conf_path(h->conf) != NULL ?
	    conf_path(h->conf) : "no file: built-in defaults",
	    conf_profile(h->conf));
	doctor_store(h, &c);
	doctor_credentials(h, &c);
	doctor_targets(h, &c);
	doctor_webhook(h, &c);
	doctor_pattern(h, &c, O_RECORD_PATTERN, RECORD_PATTERN,
	    "record pattern");
	doctor_pattern(h, &c, O_SEND_PATTERN, SEND_PATTERN, "send pattern");
	xasprintf(&probe, "%s/.doctor", h->state_dir);
	if ((fd = open(probe, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) == -1)
		check(&c, 2, "state", "%s: not writable: %s", h->state_dir,
		    strerror(errno));
	else {
		close(fd);
		unlink(probe);
		check(&c, 0, "state", "%s", h->state_dir);
	}
	free(probe);
	if (getenv("SECHUB_NOW") != NULL)
		check(&c, 1, "clock", "SECHUB_NOW is set: the time is fixed at "
		    "%s", clk_format(now, buf));
	else if (now < 1735689600)	/* 2025-01-01 */
		check(&c, 2, "clock", "%s is in the past: set the clock (NTP)",
		    clk_format(now, buf));
	else
		check(&c, 0, "clock", "%s", clk_format(now, buf));
	h->status = c.failed > 0 ? EXIT_REJECTED : 0;
}
