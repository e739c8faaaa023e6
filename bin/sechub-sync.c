/*
 * sechub: the targets and the store: make every target block the store's
 * active entries, forget what no target blocks any more, tell the channel.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "store.h"
#include "util.h"
#include "sechub.h"

/* --- the targets ---------------------------------------------------------- */

/*
 * The region to call a target in: its own, else sechub's. A WAF set of
 * scope CLOUDFRONT, or named by an ARN, says its own (waf-sync refuses a
 * --region that contradicts it), so only a region of the target itself
 * goes with it.
 */
static const char *
target_region(const struct sechub *h, const struct target *t)
{
	if (t->region != NULL)
		return t->region;
	if (t->kind == TARGET_WAF && (strcmp(t->scope, "CLOUDFRONT") == 0 ||
	    strncmp(t->ip_set, "arn:", 4) == 0))
		return NULL;
	return h->v[O_REGION].value;
}

/* The child command that plans or changes one target. */
static void
target_args(const struct sechub *h, const struct target *t,
    struct proc_argv *a)
{
	const char	*region = target_region(h, t);
	const char	*profile = t->profile != NULL ? t->profile :
	    h->v[O_PROFILE].value;

	proc_argv_init(a, target_prog(t));
	if (t->kind == TARGET_WAF) {
		proc_argv_add(a, "--ip-set");
		proc_argv_add(a, t->ip_set);
		proc_argv_add(a, "--scope");
		proc_argv_add(a, t->scope);
	} else {
		proc_argv_add(a, "--rule-group");
		proc_argv_add(a, t->rule_group);
	}
	if (region != NULL) {
		proc_argv_add(a, "--region");
		proc_argv_add(a, region);
	}
	if (profile != NULL) {
		proc_argv_add(a, "--profile");
		proc_argv_add(a, profile);
	}
	if (t->role_arn != NULL) {
		proc_argv_add(a, "--role-arn");
		proc_argv_add(a, t->role_arn);
	}
	if (t->external_id != NULL) {
		proc_argv_add(a, "--external-id");
		proc_argv_add(a, t->external_id);
	}
	allow_args(h, a);
	verbosity_args(a);
}

void
need_targets(const struct sechub *h)
{
	if (h->targets.n == 0)
		fatal_usage(NULL, "no target: set rule_group or targets in "
		    "the configuration, SECHUB_RULE_GROUP, or --rule-group");
}

static void
keep_summary(json_t *o, void *arg)
{
	struct result	*r = arg;

	if (r->summary == NULL && json_object_get(o, "Mode") != NULL)
		r->summary = json_incref(o);
}

const char *
result_error(const struct result *r)
{
	const char	*e;

	if (r->summary != NULL && (e = json_string_value(
	    json_object_get(r->summary, "Error"))) != NULL)
		return e;
	if (r->status < 2)
		return NULL;
	return r->prog != NULL && strcmp(r->prog, "waf-sync") == 0 ?
	    "waf-sync failed" : "nfw-sync failed";
}

static size_t sync_all(struct sechub *, const char *, const char *, int,
    int, struct result *);

/*
 * Make each target block exactly the records in fd (the store's active
 * entries), or plan it (dry). results[i] for targets.v[i]. Returns the
 * number of targets that failed.
 */
size_t
replace_all(struct sechub *h, const char *flow, int active, int dry,
    struct result *results)
{
	return sync_all(h, flow, "--replace", active, dry, results);
}

/*
 * Run each target's filter (nfw-sync, waf-sync) in MODE (--replace: block
 * exactly the records of fd; --remove: unblock them), or plan it (dry).
 * results[i] for targets.v[i]. Returns the number of targets that failed.
 */
static size_t
sync_all(struct sechub *h, const char *flow, const char *mode, int in,
    int dry, struct result *results)
{
	struct proc_argv a;
	size_t		 i, failed = 0;
	int		 out;
	char		 name[300];

	for (i = 0; i < h->targets.n; i++) {
		out = tmpfile_or_die();
		rewind_fd(in);
		target_args(h, &h->targets.v[i], &a);
		proc_argv_add(&a, mode);
		if (strcmp(mode, "--replace") == 0)
			proc_argv_add(&a, "--allow-empty");
		proc_argv_add(&a, "--summary");
		proc_argv_add(&a, "--quiet");
		if (dry)
			proc_argv_add(&a, "--dry-run");
		snprintf(name, sizeof(name), "%s %s",
		    target_prog(&h->targets.v[i]), h->targets.v[i].name);
		results[i].summary = NULL;
		results[i].prog = target_prog(&h->targets.v[i]);
		results[i].status = run1(h, flow, name, &a, in, out);
		each_record(out, keep_summary, &results[i]);
		close(out);
		if (result_error(&results[i]) != NULL) {
			failed++;
			log_error(h->targets.v[i].name, "%s",
			    result_error(&results[i]));
		}
	}
	return failed;
}

void
results_free(struct result *r, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		json_decref(r[i].summary);
	free(r);
}

/* --- the store ------------------------------------------------------------ */

/* ipstore SUBCOMMAND [args] with the store options. */
void
ipstore_args(const struct sechub *h, struct proc_argv *a, const char *cmd)
{
	proc_argv_init(a, "ipstore");
	store_args(h, a);
	verbosity_args(a);
	proc_argv_add(a, cmd);
}

/* The store's URL, as the children resolve it (for messages). */
char *
store_url_text(const struct sechub *h)
{
	char	*url, *cause;

	if (h->v[O_STORE].value != NULL)
		return xstrdup(h->v[O_STORE].value);
	if ((url = store_default_url(&cause)) == NULL) {
		free(cause);
		return xstrdup("(default)");
	}
	return url;
}

/*
 * A SQLite store whose file does not exist yet: a fresh box, before the
 * first block. It is an empty blocklist; the first run that changes
 * something creates it (ensure_store).
 */
int
store_missing(const struct sechub *h)
{
	struct stat	 sb;
	char		*url = store_url_text(h);
	int		 missing;

	missing = strncmp(url, "sqlite:", 7) == 0 && stat(url + 7, &sb) == -1 &&
	    errno == ENOENT;
	free(url);
	return missing;
}

/* Create a missing SQLite store, unless this is a dry run. */
void
ensure_store(struct sechub *h, const char *flow)
{
	struct proc_argv a;

	if (h->dry_run || !store_missing(h))
		return;
	log_info(flow, "no store yet: creating it");
	ipstore_args(h, &a, "init");
	run1(h, flow, "ipstore init", &a, -1, -1);
}

/* The store's active entries (or, pending, those waiting to be unblocked)
 * into a new temporary file. */
int
store_list(struct sechub *h, const char *flow, int pending)
{
	struct proc_argv a;
	int		 fd = tmpfile_or_die();

	if (store_missing(h))
		return fd;	/* an empty blocklist */
	ipstore_args(h, &a, "list");
	if (pending)
		proc_argv_add(&a, "--removed");
	run1(h, flow, pending ? "ipstore list --removed" : "ipstore list", &a,
	    -1, fd);
	return fd;
}

struct rails {
	struct sechub	*h;
	int		 out;	/* records of entries to unblock */
	size_t		 n;
};

/* An active entry the allowlist or the special ranges now cover. */
static void
rails_entry(json_t *o, void *arg)
{
	struct rails	*r = arg;
	struct ip_cidr	 c;
	const char	*ip = json_string_value(json_object_get(o, "HostIp"));
	const char	*why;
	char		 text[IP_STRLEN];

	if (ip == NULL || ip_parse_cidr(ip, strlen(ip), 1, &c) != 0)
		return;
	if (ip_list_match(&r->h->allowlist, &c.addr) != NULL)
		why = "allowlisted";
	else if ((why = ip_cidr_special(&c)) == NULL)
		return;
	log_warn(ip_format_cidr(&c, text), "in the store but %s%s: "
	    "unblocking it", strcmp(why, "allowlisted") == 0 ? "" :
	    "special-purpose: ", why);
	put_record(r->out, o);
	r->n++;
}

/*
 * Entries the allowlist (or the rails) now cover are unblocked like any
 * other: marked pending with the reason "allowlisted".
 */
static void
unblock_allowlisted(struct sechub *h, const char *flow, int active, int dry)
{
	struct rails	 r = { h, tmpfile_or_die(), 0 };
	struct proc_argv a;

	each_record(active, rails_entry, &r);
	if (r.n > 0 && !dry) {
		ipstore_args(h, &a, "rm");
		proc_argv_add(&a, "--reason");
		proc_argv_add(&a, "allowlisted");
		proc_argv_add(&a, "-");
		rewind_fd(r.out);
		run1(h, flow, "ipstore rm", &a, r.out, -1);
	}
	close(r.out);
}

/* Mark every record of fd as no longer blocked anywhere. */
static void
mark_unblocked(json_t *o, void *arg)
{
	json_object_set_new(o, "Blocked", json_false());
	put_record(*(int *)arg, o);
}

void
collect_host(json_t *o, void *arg)
{
	struct hosts	*hs = arg;
	const char	*ip = json_string_value(json_object_get(o, "HostIp"));

	if (ip == NULL)
		return;
	hs->v = xreallocarray(hs->v, hs->n + 1, sizeof(*hs->v));
	hs->v[hs->n++] = xstrdup(ip);
}

struct filter {
	struct hosts	*out;	/* leave these out */
	int		 fd;
};

static void
filter_record(json_t *o, void *arg)
{
	struct filter	*f = arg;
	const char	*ip = json_string_value(json_object_get(o, "HostIp"));
	size_t		 i;

	for (i = 0; ip != NULL && i < f->out->n; i++)
		if (strcmp(f->out->v[i], ip) == 0)
			return;
	put_record(f->fd, o);
}

static void
copy_record(json_t *o, void *arg)
{
	put_record(*(int *)arg, o);
}

/*
 * The store's active entries as a dry run would leave them: what it lists,
 * plus the records of plus (would be added), minus those of minus (would be
 * removed). Either may be -1.
 */
static int
dry_active(struct sechub *h, const char *flow, int plus, int minus)
{
	struct hosts	 out = { NULL, 0 };
	struct filter	 f;
	int		 listed = store_list(h, flow, 0);
	size_t		 i;

	f.out = &out;
	f.fd = tmpfile_or_die();
	if (minus >= 0)
		each_record(minus, collect_host, &out);
	each_record(listed, filter_record, &f);
	if (plus >= 0)
		each_record(plus, copy_record, &f.fd);
	close(listed);
	for (i = 0; i < out.n; i++)
		free(out.v[i]);
	free(out.v);
	return f.fd;
}

/*
 * Converge: every target blocks exactly the store's active entries; then
 * the entries that were pending before it started, now unblocked
 * everywhere, are forgotten. A dry run plans it against the store as the
 * command would have left it (plus, minus: see dry_active()). Returns the
 * number of targets that failed; *results receives each target's summary
 * (results_free()).
 */
size_t
converge_with(struct sechub *h, const char *flow, int plus, int minus,
    struct result **results)
{
	struct result	*res = xcalloc(h->targets.n + 1, sizeof(*res));
	struct proc_argv a;
	int		 pending, active, unblocked;
	size_t		 failed;

	active = store_list(h, flow, 0);
	unblock_allowlisted(h, flow, active, h->dry_run);
	close(active);
	pending = store_list(h, flow, 1);
	active = h->dry_run ? dry_active(h, flow, plus, minus) :
	    store_list(h, flow, 0);
	if (count_records(active) == 0 && count_records(pending) == 0) {
		/*
		 * A store that holds nothing at all, active or pending: a
		 * fresh box, or a store setting pointing at the wrong place.
		 * Never wipe a group from it: take off what the command
		 * names (unblock), nothing else; status shows the rest.
		 */
		failed = 0;
		if (minus >= 0)
			failed = sync_all(h, flow, "--remove", minus,
			    h->dry_run, res);
		else
			log_info(flow, "the store is empty: the targets are "
			    "left as they are");
		close(active);
		close(pending);
		*results = res;
		return failed;
	}
	failed = replace_all(h, flow, active, h->dry_run, res);
	close(active);
	if (failed == 0 && !h->dry_run) {
		unblocked = tmpfile_or_die();
		each_record(pending, mark_unblocked, &unblocked);
		rewind_fd(unblocked);
		ipstore_args(h, &a, "forget");
		run1(h, flow, "ipstore forget", &a, unblocked, -1);
		close(unblocked);
	} else if (failed > 0)
		log_warn(flow, "%zu of %zu target%s failed: the store keeps "
		    "what they may still block, and the next run retries",
		    failed, h->targets.n, h->targets.n == 1 ? "" : "s");
	close(pending);
	*results = res;
	return failed;
}

/* --- Slack ----------------------------------------------------------------- */

static int
webhook_configured(const struct sechub *h)
{
	const char	*env = getenv("SLACK_WEBHOOK_URL");

	return h->v[O_WEBHOOK].value != NULL || (env != NULL && *env != '\0') ||
	    conf_get(h->conf, NULL, "webhook_url", NULL) != NULL;
}

/* Tell the channel about the records in fd (if a webhook is set up). */
void
tell(struct sechub *h, const char *flow, int fd)
{
	struct proc_argv a;
	char		*state;

	if (!webhook_configured(h)) {
		log_info(flow, "no webhook configured: Slack not told");
		return;
	}
	proc_argv_init(&a, "slack-notify");
	xasprintf(&state, "%s/slack.db", h->state_dir);
	proc_argv_add(&a, "--state");
	proc_argv_add(&a, state);
	free(state);
	if (h->v[O_WEBHOOK].value != NULL) {
		proc_argv_add(&a, "--webhook-file");
		proc_argv_add(&a, h->v[O_WEBHOOK].value);
	}
	if (h->severity != NULL) {
		proc_argv_add(&a, "--severity");
		proc_argv_add(&a, h->severity);
	}
	if (h->dry_run)
		proc_argv_add(&a, "--dry-run");
	verbosity_args(&a);
	rewind_fd(fd);
	run1(h, flow, "slack-notify", &a, fd, -1);
}

/* The failed targets' summaries, so that the channel hears of them. */
void
tell_failures(struct sechub *h, const char *flow, const struct result *res)
{
	size_t	 i, n = 0;
	int	 fd = tmpfile_or_die();

	for (i = 0; i < h->targets.n; i++)
		if (result_error(&res[i]) != NULL && res[i].summary != NULL) {
			put_record(fd, res[i].summary);
			n++;
		}
	if (n > 0)
		tell(h, flow, fd);
	close(fd);
}

/* --- annotating records with what the targets did -------------------------- */

struct annotate {
	struct sechub		*h;
	const struct result	*res;
	int			 out;
	int			 unblock;	/* records of unblocked entries */
};

static void
annotate_record(json_t *o, void *arg)
{
	struct annotate	*an = arg;
	json_t		*failed = json_array();
	const char	*e;
	size_t		 i;
	char		*s;

	for (i = 0; i < an->h->targets.n; i++)
		if ((e = result_error(&an->res[i])) != NULL) {
			xasprintf(&s, "%s: %s", an->h->targets.v[i].name, e);
			json_array_append_new(failed, json_string(s));
			free(s);
		}
	if (an->unblock) {
		json_object_set_new(o, "Blocked",
		    json_boolean(json_array_size(failed) > 0));
		json_object_set_new(o, "Unblocked",
		    json_boolean(json_array_size(failed) == 0));
	} else
		json_object_set_new(o, "Blocked",
		    json_boolean(json_array_size(failed) == 0));
	if (json_array_size(failed) > 0)
		json_object_set_new(o, "Failed", failed);
	else
		json_decref(failed);
	if (an->h->dry_run)
		json_object_set_new(o, "DryRun", json_true());
	put_record(an->out, o);
}

/* The records of fd, annotated, into a new temporary file. */
int
annotate(struct sechub *h, int fd, const struct result *res, int unblock)
{
	struct annotate	 an = { h, res, tmpfile_or_die(), unblock };

	each_record(fd, annotate_record, &an);
	return an.out;
}
