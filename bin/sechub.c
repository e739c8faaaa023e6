/*
 * sechub: the operator's command. Block and unblock addresses, see what
 * every target blocks and whether it agrees with the store, make every
 * target block exactly the store's active entries, run the three flows,
 * show the settings and check the setup. Built on the six filters, which it
 * runs as child processes.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "aws.h"
#include "clk.h"
#include "conf.h"
#include "ip.h"
#include "jl.h"
#include "log.h"
#include "opt.h"
#include "proc.h"
#include "slack.h"
#include "store.h"
#include "target.h"
#include "util.h"

#ifndef SECHUB_EXAMPLES_DIR
#define SECHUB_EXAMPLES_DIR "/usr/local/share/sechub-tools/examples"
#endif
#define RECORD_PATTERN	"patterns/catch-remote-hosts.json"
#define SEND_PATTERN	"patterns/high-critical.json"
#define LOCK_WAIT_S	60	/* for another sechub to finish */
#define FLOOR_V4	16	/* shortest prefix sechub block takes */
#define FLOOR_V6	32

enum { C_BLOCK, C_UNBLOCK, C_STATUS, C_RECONCILE, C_RUN, C_CONFIG, C_DOCTOR };
#define S_BLOCK		(1u << C_BLOCK)
#define S_UNBLOCK	(1u << C_UNBLOCK)
#define S_STATUS	(1u << C_STATUS)
#define S_RECONCILE	(1u << C_RECONCILE)
#define S_RUN		(1u << C_RUN)
#define S_CONFIG	(1u << C_CONFIG)
#define S_DOCTOR	(1u << C_DOCTOR)
#define S_CHANGE	(S_BLOCK | S_UNBLOCK | S_RECONCILE | S_RUN)

static const struct opt_cmd commands[] = {
	{ "block", C_BLOCK, S_BLOCK, 1, -1,
	    "block addresses or CIDR blocks on every target" },
	{ "unblock", C_UNBLOCK, S_UNBLOCK, 1, -1,
	    "unblock them on every target, then forget them" },
	{ "status", C_STATUS, S_STATUS, 0, 0,
	    "what each target blocks, and where it differs from the store" },
	{ "reconcile", C_RECONCILE, S_RECONCILE, 0, 0,
	    "make every target block exactly the store's active entries" },
	{ "run", C_RUN, S_RUN, 1, -1,
	    "run a flow: record, send, prune or all [EVENTS...]" },
	{ "config", C_CONFIG, S_CONFIG, 0, 0,
	    "show every setting and where it came from" },
	{ "doctor", C_DOCTOR, S_DOCTOR, 0, 0,
	    "check what would otherwise fail at 3 a.m." },
	{ NULL, 0, 0, 0, 0, NULL }
};

enum {
	O_STORE, O_RULE_GROUP, O_ALLOWLIST, O_ALLOW, O_WEBHOOK, O_RETENTION,
	O_STATE_DIR, O_PROFILE, O_REGION, O_REASON, O_FOR, O_FORMAT,
	O_RECORD_PATTERN, O_SEND_PATTERN, O_SOURCE, O_INTERVAL, O_MAX
};

/* Everything a command needs. */
struct sechub {
	struct opt_value  v[O_MAX];	/* option values, from wherever */
	char		**allow;	/* --allow / allow values */
	size_t		  nallow;
	const char	 *allow_where;
	int		  dry_run;
	int		  force;
	int		  follow;
	int		  json;
	struct conf	 *conf;
	struct targets	  targets;
	struct ip_list	  allowlist;	/* file and inline, for the rails */
	char		 *state_dir;
	int		  lock_fd;
	int		  status;	/* the worst exit status so far */
};

#define H struct sechub
#define V(id)	OPT_KEEPS(H, v[id])
static const struct opt options[] = {
	OPT_STORE(H, v[O_STORE], 0),
	{ "rule-group", 'g', "NAME|ARN",
	    "act on this rule group only, not the configured targets",
	    "rule_group", 0, V(O_RULE_GROUP) },
	{ "allowlist", 0, "FILE",
	    "never block the addresses and blocks listed in FILE",
	    "allowlist", 0, V(O_ALLOWLIST) },
	{ "allow", 0, "CIDR", "never block CIDR (repeatable)", "allow", 0,
	    OPT_ID(O_ALLOW) },
	{ "webhook-file", 0, "FILE", "the file holding the Slack webhook URL",
	    "webhook_file", 0, V(O_WEBHOOK) },
	{ "retention", 0, "DURATION",
	    "run prune: unblock what was not seen for this long (720h)",
	    "retention", S_RUN | S_CONFIG | S_DOCTOR, V(O_RETENTION) },
	{ "state-dir", 0, "DIR", "where sechub keeps its state", "state_dir",
	    0, V(O_STATE_DIR) },
	{ "profile", 0, "NAME", "the AWS profile", "profile", 0,
	    V(O_PROFILE) },
	{ "region", 0, "REGION", "the AWS region", "region", 0, V(O_REGION) },
	OPT_DRY_RUN(H, dry_run, 0, "change nothing anywhere; show what would "
	    "happen"),
	{ "reason", 0, "TEXT",
	    "block, unblock: why, for the store and the channel", NULL,
	    S_BLOCK | S_UNBLOCK, V(O_REASON) },
	{ "for", 0, "DURATION",
	    "block: unblock after this long, whatever the retention", NULL,
	    S_BLOCK, V(O_FOR) },
	{ "force", 0, NULL,
	    "block: take a block wider than /16 (IPv4) or /32 (IPv6)", NULL,
	    S_BLOCK, OPT_SETS(H, force) },
	{ "format", 0, "table|json",
	    "status, config: aligned columns or JSON lines", NULL,
	    S_STATUS | S_CONFIG, V(O_FORMAT) },
	{ "record-pattern", 0, "FILE",
	    "run record: the event pattern of the flow", "record_pattern",
	    S_RUN | S_CONFIG | S_DOCTOR, V(O_RECORD_PATTERN) },
	{ "send-pattern", 0, "FILE", "run send: the event pattern of the flow",
	    "send_pattern", S_RUN | S_CONFIG | S_DOCTOR, V(O_SEND_PATTERN) },
	{ "follow", 'f', NULL,
	    "run: take the events from sh-findings, following the source",
	    NULL, S_RUN, OPT_SETS(H, follow) },
	{ "source", 0, "SOURCE",
	    "run --follow: securityhub, guardduty or sqs:QUEUE_URL", "source",
	    S_RUN | S_CONFIG, V(O_SOURCE) },
	{ "interval", 0, "DURATION",
	    "run --follow: the pause between reads (30s)", NULL, S_RUN,
	    V(O_INTERVAL) },
	OPT_COMMON,
	OPT_END
};
#undef V
#undef H

static const struct opt_prog prog = {
	"sechub",
	"usage: sechub [-nqV] [--verbose] [--config FILE] "
	"[--config-profile NAME]\n"
	"              command [argument ...]\n"
	"       sechub block [--reason TEXT] [--for DURATION] [--force] "
	"ADDR|CIDR ...\n"
	"       sechub unblock [--reason TEXT] ADDR|CIDR ...\n"
	"       sechub status [--format table|json]\n"
	"       sechub reconcile\n"
	"       sechub run record|send|prune|all [EVENTS ...]\n"
	"       sechub run [--source SOURCE] --follow record|send|all\n"
	"       sechub config [--format table|json]\n"
	"       sechub doctor\n",
	options, commands
};

/* Raise the command's exit status (never lower it). */
static void
raise_status(struct sechub *h, int status)
{
	if (status > h->status)
		h->status = status;
}

/* --- options ------------------------------------------------------------- */

static void
on_option(void *arg, int id, const char *value, const char *where)
{
	struct sechub	*h = arg;

	if (id != O_ALLOW)
		return;
	h->allow = xreallocarray(h->allow, h->nallow + 1, sizeof(*h->allow));
	h->allow[h->nallow++] = xstrdup(value);
	h->allow_where = where;
}

/* --- running the filters ------------------------------------------------- */

/* Options every child that touches the store gets. */
static void
store_args(const struct sechub *h, struct proc_argv *a)
{
	if (h->v[O_STORE].value != NULL) {
		proc_argv_add(a, "--store");
		proc_argv_add(a, h->v[O_STORE].value);
	}
	if (h->v[O_PROFILE].value != NULL) {
		proc_argv_add(a, "--profile");
		proc_argv_add(a, h->v[O_PROFILE].value);
	}
	if (h->v[O_REGION].value != NULL) {
		proc_argv_add(a, "--region");
		proc_argv_add(a, h->v[O_REGION].value);
	}
}

/* The allowlist options of sh-extract-ip and nfw-sync. */
static void
allow_args(const struct sechub *h, struct proc_argv *a)
{
	size_t	 i;

	if (h->v[O_ALLOWLIST].value != NULL) {
		proc_argv_add(a, "--allowlist");
		proc_argv_add(a, h->v[O_ALLOWLIST].value);
	}
	for (i = 0; i < h->nallow; i++) {
		proc_argv_add(a, "--allow");
		proc_argv_add(a, h->allow[i]);
	}
}

static void
verbosity_args(struct proc_argv *a)
{
	if (log_verbose())
		proc_argv_add(a, "--verbose");
}

/*
 * Run stages as one pipeline and name the first that failed (status 2 or
 * more: sh-match's 1 is "nothing matched", the others' 1 "records
 * rejected"). Returns the worst status of the stages.
 */
static int
run_stages(struct sechub *h, const char *flow, const struct proc_stage *st,
    size_t n, int in, int out)
{
	int	 status[8], worst = 0, failed;
	size_t	 i;
	char	*cause;

	if (proc_pipeline(st, n, in, out, status, &cause) != 0) {
		log_error(flow, "%s", cause);
		free(cause);
	}
	for (i = 0; i < n; i++)
		if (status[i] > worst && !(i == 0 && status[i] == 1 &&
		    strcmp(st[i].name, "sh-match") == 0))
			worst = status[i];
	if ((failed = proc_failed(status, n, 2)) >= 0) {
		if (n > 1)
			log_error(flow, "stage %d (%s) failed with status %d",
			    failed + 1, st[failed].name, status[failed]);
		else
			log_error(flow, "%s failed with status %d",
			    st[failed].name, status[failed]);
	}
	raise_status(h, worst >= 2 ? EXIT_RUNTIME : worst);
	return worst;
}

static int
run1(struct sechub *h, const char *flow, const char *name,
    struct proc_argv *a, int in, int out)
{
	struct proc_stage st = { name, a->v };
	int		 r;

	r = run_stages(h, flow, &st, 1, in, out);
	proc_argv_free(a);
	return r;
}

static int
tmpfile_or_die(void)
{
	char	*cause;
	int	 fd;

	if ((fd = proc_tmpfile(&cause)) == -1)
		fatal(NULL, "%s", cause);
	return fd;
}

static void
rewind_fd(int fd)
{
	if (lseek(fd, 0, SEEK_SET) == -1)
		fatal(NULL, "lseek: %s", strerror(errno));
}

/* Call cb for each JSON object in fd (from the start); skips the rest. */
static void
each_record(int fd, void (*cb)(json_t *, void *), void *arg)
{
	struct jl_reader *r;
	struct jl_record rec;
	struct jl_error	 err;
	json_t		*o;
	char		 reason[160];
	int		 s;

	rewind_fd(fd);
	r = jl_from_fd(fd, "<child>");
	while ((s = jl_next(r, &rec, &err)) != JL_EOF && s != JL_IOERR) {
		if (s != JL_RECORD || (o = jl_decode(&rec, reason,
		    sizeof(reason))) == NULL)
			continue;
		if (json_is_object(o))
			cb(o, arg);
		json_decref(o);
	}
	jl_close(r);
}

/* Append one record to fd as a line. */
static void
put_record(int fd, const json_t *o)
{
	char	*s = json_dumps(o, JSON_COMPACT);
	size_t	 n;

	if (s == NULL)
		abort();
	n = strlen(s);
	s[n] = '\n';
	if (write(fd, s, n + 1) != (ssize_t)(n + 1))
		fatal(NULL, "temporary file: %s", strerror(errno));
	free(s);
}

/* Copy fd's bytes to our stdout (or nowhere for NULL). */
static void
print_records(int fd)
{
	char	 buf[65536];
	ssize_t	 n;

	rewind_fd(fd);
	fflush(stdout);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (write(STDOUT_FILENO, buf, n) != n) {
			log_error("stdout", "%s", strerror(errno));
			return;
		}
}

/* --- state and locking --------------------------------------------------- */

static char *
default_state_dir(void)
{
	const char	*x = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	char		*d;

	if (x != NULL && *x == '/')
		xasprintf(&d, "%s/sechub-tools", x);
	else if (home != NULL && *home == '/')
		xasprintf(&d, "%s/.local/state/sechub-tools", home);
	else
		fatal_usage(NULL, "no state directory: set state_dir, "
		    "SECHUB_STATE_DIR or --state-dir (no $HOME)");
	return d;
}

/* mkdir -p with 0700 for what we create. 0, or -1 and errno. */
static int
make_dirs(const char *path)
{
	char	*p = xstrdup(path), *s;
	int	 r = 0;

	for (s = p + 1; r == 0 && (s = strchr(s, '/')) != NULL; s++) {
		*s = '\0';
		if (mkdir(p, 0700) != 0 && errno != EEXIST)
			r = -1;
		*s = '/';
	}
	if (r == 0 && mkdir(p, 0700) != 0 && errno != EEXIST)
		r = -1;
	free(p);
	return r;
}

static void
open_state(struct sechub *h)
{
	h->state_dir = h->v[O_STATE_DIR].value != NULL ?
	    xstrdup(h->v[O_STATE_DIR].value) : default_state_dir();
	if (make_dirs(h->state_dir) != 0)
		fatal(h->state_dir, "cannot create the state directory: %s",
		    strerror(errno));
}

/* One changing command at a time on this host: wait for the others. */
static void
lock_state(struct sechub *h)
{
	char	*path;
	int	 waited = 0;

	xasprintf(&path, "%s/lock", h->state_dir);
	h->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (h->lock_fd == -1)
		fatal(path, "%s", strerror(errno));
	while (flock(h->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno != EWOULDBLOCK)
			fatal(path, "%s", strerror(errno));
		if (waited == 0)
			log_info(path, "another sechub is running; waiting");
		if (waited++ >= LOCK_WAIT_S * 10)
			fatal(path, "another sechub has held the lock for "
			    "%ds; giving up", LOCK_WAIT_S);
		usleep(100000);
	}
	free(path);
}

/* --- the targets ---------------------------------------------------------- */

/* The child command that plans or changes one target. */
static void
target_args(const struct sechub *h, const struct target *t,
    struct proc_argv *a)
{
	const char	*region = t->region != NULL ? t->region :
	    h->v[O_REGION].value;
	const char	*profile = t->profile != NULL ? t->profile :
	    h->v[O_PROFILE].value;

	proc_argv_init(a, "nfw-sync");
	proc_argv_add(a, "--rule-group");
	proc_argv_add(a, t->rule_group);
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

static void
need_targets(const struct sechub *h)
{
	if (h->targets.n == 0)
		fatal_usage(NULL, "no target: set rule_group or targets in "
		    "the configuration, SECHUB_RULE_GROUP, or --rule-group");
}

/* What one target's nfw-sync --summary said. */
struct result {
	json_t	*summary;	/* NULL if it printed none */
	int	 status;
};

static void
keep_summary(json_t *o, void *arg)
{
	struct result	*r = arg;

	if (r->summary == NULL && json_object_get(o, "Mode") != NULL)
		r->summary = json_incref(o);
}

static const char *
result_error(const struct result *r)
{
	const char	*e;

	if (r->summary != NULL && (e = json_string_value(
	    json_object_get(r->summary, "Error"))) != NULL)
		return e;
	return r->status >= 2 ? "nfw-sync failed" : NULL;
}

/*
 * Make each target block exactly the records in fd (the store's active
 * entries), or plan it (dry). results[i] for targets.v[i]. Returns the
 * number of targets that failed.
 */
static size_t
replace_all(struct sechub *h, const char *flow, int active, int dry,
    struct result *results)
{
	struct proc_argv a;
	size_t		 i, failed = 0;
	int		 out;
	char		 name[300];

	for (i = 0; i < h->targets.n; i++) {
		out = tmpfile_or_die();
		rewind_fd(active);
		target_args(h, &h->targets.v[i], &a);
		proc_argv_add(&a, "--replace");
		proc_argv_add(&a, "--allow-empty");
		proc_argv_add(&a, "--summary");
		proc_argv_add(&a, "--quiet");
		if (dry)
			proc_argv_add(&a, "--dry-run");
		snprintf(name, sizeof(name), "nfw-sync %s",
		    h->targets.v[i].name);
		results[i].summary = NULL;
		results[i].status = run1(h, flow, name, &a, active, out);
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

static void
results_free(struct result *r, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		json_decref(r[i].summary);
	free(r);
}

/* --- the store ------------------------------------------------------------ */

/* ipstore SUBCOMMAND [args] with the store options. */
static void
ipstore_args(const struct sechub *h, struct proc_argv *a, const char *cmd)
{
	proc_argv_init(a, "ipstore");
	store_args(h, a);
	verbosity_args(a);
	proc_argv_add(a, cmd);
}

/* The store's active entries (or, pending, those waiting to be unblocked)
 * into a new temporary file. */
static int
store_list(struct sechub *h, const char *flow, int pending)
{
	struct proc_argv a;
	int		 fd = tmpfile_or_die();

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

/* Host addresses of records, for a dry run's picture of the store. */
struct hosts {
	char	**v;
	size_t	  n;
};

static void
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
static size_t
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
static void
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
	if (h->dry_run)
		proc_argv_add(&a, "--dry-run");
	verbosity_args(&a);
	rewind_fd(fd);
	run1(h, flow, "slack-notify", &a, fd, -1);
}

/* The failed targets' summaries, so that the channel hears of them. */
static void
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
static int
annotate(struct sechub *h, int fd, const struct result *res, int unblock)
{
	struct annotate	 an = { h, res, tmpfile_or_die(), unblock };

	each_record(fd, annotate_record, &an);
	return an.out;
}

/* --- block and unblock ------------------------------------------------------ */

/* user@host, for the store's record of who did it. */
static char *
actor(void)
{
	struct passwd	*pw = getpwuid(getuid());
	char		 host[256], *s;

	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	xasprintf(&s, "%s@%s", pw != NULL ? pw->pw_name : "unknown", host);
	return s;
}

/*
 * An address or block an operator asked to block: canonical text into buf,
 * or NULL after saying why it is refused (the rails, the floor).
 */
static const char *
vet_block(struct sechub *h, const char *arg, char *buf)
{
	struct ip_cidr	 c;
	const char	*why;
	size_t		 i;
	int		 host;

	if (ip_parse_cidr(arg, strlen(arg), 0, &c) != 0) {
		log_reject(arg, "not an address or CIDR block (host bits "
		    "must be zero)");
		return NULL;
	}
	host = c.bits == ip_maxbits(&c.addr);
	if ((why = ip_cidr_special(&c)) != NULL) {
		log_reject(arg, "refused: special-purpose: %s", why);
		return NULL;
	}
	for (i = 0; i < h->allowlist.n; i++) {
		const struct ip_cidr *a = &h->allowlist.blocks[i];

		if (a->addr.family == c.addr.family &&
		    (ip_cidr_contains(a, &c.addr) ||
		    ip_cidr_contains(&c, &a->addr))) {
			log_reject(arg, "refused: allowlisted: %s",
			    ip_format_cidr(a, buf));
			return NULL;
		}
	}
	if (!host && !h->force && c.bits < (c.addr.family == 4 ? FLOOR_V4 :
	    FLOOR_V6)) {
		log_reject(arg, "refused: wider than /%d: use --force if you "
		    "mean it", c.addr.family == 4 ? FLOOR_V4 : FLOOR_V6);
		return NULL;
	}
	return host ? ip_format(&c.addr, buf) : ip_format_cidr(&c, buf);
}

/* Records {"HostIp": ...} for the arguments into a new temporary file. */
static int
argument_records(struct sechub *h, char **argv, int argc, int block,
    size_t *n)
{
	json_t		*o;
	char		 buf[IP_STRLEN], *who = actor();
	const char	*ip;
	struct ip_cidr	 c;
	int		 i, fd = tmpfile_or_die();

	*n = 0;
	for (i = 0; i < argc; i++) {
		if (block)
			ip = vet_block(h, argv[i], buf);
		else if (ip_parse_cidr(argv[i], strlen(argv[i]), 0, &c) == 0)
			ip = c.bits == ip_maxbits(&c.addr) ?
			    ip_format(&c.addr, buf) : ip_format_cidr(&c, buf);
		else {
			log_reject(argv[i], "not an address or CIDR block");
			ip = NULL;
		}
		if (ip == NULL) {
			raise_status(h, EXIT_REJECTED);
			continue;
		}
		o = json_pack("{s:s}", "HostIp", ip);
		if (block) {
			json_object_set_new(o, "Source", json_string("manual"));
			json_object_set_new(o, "BlockedBy", json_string(who));
			if (h->v[O_REASON].value != NULL)
				json_object_set_new(o, "Reason",
				    json_string(h->v[O_REASON].value));
		}
		put_record(fd, o);
		json_decref(o);
		(*n)++;
	}
	free(who);
	return fd;
}

static void
cmd_block(struct sechub *h, char **argv, int argc)
{
	struct proc_argv a;
	struct result	*res;
	size_t		 n;
	int		 in, added, out;

	need_targets(h);
	in = argument_records(h, argv, argc, 1, &n);
	if (n == 0) {
		close(in);
		return;
	}
	added = tmpfile_or_die();
	ipstore_args(h, &a, "add");
	if (h->v[O_FOR].value != NULL) {
		proc_argv_add(&a, "--ttl");
		proc_argv_add(&a, h->v[O_FOR].value);
	}
	if (h->dry_run)
		proc_argv_add(&a, "--dry-run");
	rewind_fd(in);
	run1(h, "block", "ipstore add", &a, in, added);
	close(in);
	converge_with(h, "block", added, -1, &res);
	out = annotate(h, added, res, 0);
	print_records(out);
	tell(h, "block", out);
	tell_failures(h, "block", res);
	results_free(res, h->targets.n);
	close(out);
	close(added);
}

/* Records of what was asked to be unblocked but is not in the store. */
struct absent {
	struct hosts	 removed;
	int		 fd;
};

static void
add_absent(json_t *o, void *arg)
{
	struct absent	*ab = arg;
	const char	*ip = json_string_value(json_object_get(o, "HostIp"));
	size_t		 i;

	for (i = 0; ip != NULL && i < ab->removed.n; i++)
		if (strcmp(ab->removed.v[i], ip) == 0)
			return;
	json_object_set_new(o, "Reason", json_string("not in the store"));
	put_record(ab->fd, o);
}

static void
cmd_unblock(struct sechub *h, char **argv, int argc)
{
	struct proc_argv a;
	struct result	*res;
	struct absent	 ab = { { NULL, 0 }, -1 };
	size_t		 n, i;
	int		 in, removed, out;

	need_targets(h);
	in = argument_records(h, argv, argc, 0, &n);
	if (n == 0) {
		close(in);
		return;
	}
	removed = tmpfile_or_die();
	ipstore_args(h, &a, "rm");
	if (h->v[O_REASON].value != NULL) {
		proc_argv_add(&a, "--reason");
		proc_argv_add(&a, h->v[O_REASON].value);
	}
	if (h->dry_run)
		proc_argv_add(&a, "--dry-run");
	proc_argv_add(&a, "-");
	rewind_fd(in);
	run1(h, "unblock", "ipstore rm", &a, in, removed);
	/* what the store did not have may still be blocked: say so too */
	each_record(removed, collect_host, &ab.removed);
	ab.fd = removed;
	lseek(removed, 0, SEEK_END);
	each_record(in, add_absent, &ab);
	converge_with(h, "unblock", -1, in, &res);
	out = annotate(h, removed, res, 1);
	print_records(out);
	tell(h, "unblock", out);
	tell_failures(h, "unblock", res);
	results_free(res, h->targets.n);
	for (i = 0; i < ab.removed.n; i++)
		free(ab.removed.v[i]);
	free(ab.removed.v);
	close(out);
	close(removed);
	close(in);
}

/* --- reconcile and the flows ------------------------------------------------ */

/* One result record per target, named. */
static int
target_summaries(struct sechub *h, const struct result *res)
{
	json_t	*o;
	size_t	 i;
	int	 fd = tmpfile_or_die();

	for (i = 0; i < h->targets.n; i++) {
		o = res[i].summary != NULL ? json_deep_copy(res[i].summary) :
		    json_pack("{s:s, s:s}", "RuleGroup",
		    h->targets.v[i].rule_group, "Error", "no result");
		json_object_set_new(o, "Target",
		    json_string(h->targets.v[i].name));
		put_record(fd, o);
		json_decref(o);
	}
	return fd;
}

static void
cmd_reconcile(struct sechub *h, char **argv, int argc)
{
	struct result	*res;
	int		 fd;

	need_targets(h);
	converge_with(h, "reconcile", -1, -1, &res);
	fd = target_summaries(h, res);
	print_records(fd);
	tell(h, "reconcile", fd);
	close(fd);
	results_free(res, h->targets.n);
}

static char *
pattern_path(struct sechub *h, int id, const char *name)
{
	char	*p;

	if (h->v[id].value != NULL)
		return xstrdup(h->v[id].value);
	xasprintf(&p, "%s/%s", SECHUB_EXAMPLES_DIR, name);
	if (access(p, R_OK) != 0)
		fatal_usage(NULL, "%s: %s (set %s in the configuration)", p,
		    strerror(errno), id == O_RECORD_PATTERN ? "record_pattern" :
		    "send_pattern");
	return p;
}

/* sh-match -p PATTERN [files]: events from files, or from in_fd. */
static void
match_args(struct sechub *h, struct proc_argv *a, const char *pattern,
    char **files, int nfiles)
{
	int	 i;

	proc_argv_init(a, "sh-match");
	proc_argv_add(a, "-p");
	proc_argv_add(a, pattern);
	for (i = 0; i < nfiles; i++)
		proc_argv_add(a, files[i]);
}

/* record-ip: block the remote hosts of matching findings. */
static void
flow_record(struct sechub *h, char **files, int nfiles, int in)
{
	struct proc_argv m, x, add;
	struct proc_stage st[3];
	struct result	*res;
	char		*pattern = pattern_path(h, O_RECORD_PATTERN,
	    RECORD_PATTERN);
	int		 batch = tmpfile_or_die(), out;

	need_targets(h);
	match_args(h, &m, pattern, files, nfiles);
	proc_argv_init(&x, "sh-extract-ip");
	allow_args(h, &x);
	ipstore_args(h, &add, "add");
	if (h->dry_run)
		proc_argv_add(&add, "--dry-run");
	st[0] = (struct proc_stage){ "sh-match", m.v };
	st[1] = (struct proc_stage){ "sh-extract-ip", x.v };
	st[2] = (struct proc_stage){ "ipstore add", add.v };
	run_stages(h, "record-ip", st, 3, in, batch);
	proc_argv_free(&m);
	proc_argv_free(&x);
	proc_argv_free(&add);
	free(pattern);
	/* whatever failed above, the targets follow the store */
	converge_with(h, "record-ip", batch, -1, &res);
	out = annotate(h, batch, res, 0);
	tell(h, "record-ip", out);
	tell_failures(h, "record-ip", res);
	results_free(res, h->targets.n);
	close(out);
	close(batch);
}

/* send-findings: tell the channel of the findings that matter. */
static void
flow_send(struct sechub *h, char **files, int nfiles, int in)
{
	struct proc_argv m;
	char		*pattern = pattern_path(h, O_SEND_PATTERN,
	    SEND_PATTERN);
	int		 matched = tmpfile_or_die();

	match_args(h, &m, pattern, files, nfiles);
	run1(h, "send-findings", "sh-match", &m, in, matched);
	free(pattern);
	tell(h, "send-findings", matched);
	close(matched);
}

/* prune-ip: unblock what has not been seen for the retention. */
static void
flow_prune(struct sechub *h)
{
	struct proc_argv a;
	struct result	*res;
	int		 pruned = tmpfile_or_die(), out;

	need_targets(h);
	proc_argv_init(&a, "ipstore-prune");
	store_args(h, &a);
	verbosity_args(&a);
	if (h->v[O_RETENTION].value != NULL) {
		proc_argv_add(&a, "--older-than");
		proc_argv_add(&a, h->v[O_RETENTION].value);
	}
	proc_argv_add(&a, "--removed");
	if (h->dry_run)
		proc_argv_add(&a, "--dry-run");
	run1(h, "prune-ip", "ipstore-prune", &a, -1, pruned);
	converge_with(h, "prune-ip", -1, pruned, &res);
	out = annotate(h, pruned, res, 1);
	tell(h, "prune-ip", out);
	tell_failures(h, "prune-ip", res);
	results_free(res, h->targets.n);
	close(out);
	close(pruned);
}

/* The events of `run all`, read once into a file the flows share. */
static int
copy_events(char **files, int nfiles)
{
	char	 buf[65536];
	ssize_t	 n;
	int	 i, in, fd = tmpfile_or_die();

	for (i = 0; i < (nfiles > 0 ? nfiles : 1); i++) {
		if (nfiles == 0 || strcmp(files[i], "-") == 0)
			in = STDIN_FILENO;
		else if ((in = open(files[i], O_RDONLY | O_CLOEXEC)) == -1)
			fatal(files[i], "%s", strerror(errno));
		while ((n = read(in, buf, sizeof(buf))) > 0)
			if (write(fd, buf, n) != n)
				fatal(NULL, "temporary file: %s",
				    strerror(errno));
		if (n < 0)
			fatal(nfiles > 0 ? files[i] : "<stdin>", "%s",
			    strerror(errno));
		if (in != STDIN_FILENO)
			close(in);
	}
	return fd;
}

/* "'text'" for sh -c, single quotes escaped. */
static void
shell_quote(struct buf *b, const char *text)
{
	buf_addc(b, '\'');
	for (; *text != '\0'; text++)
		if (*text == '\'')
			buf_adds(b, "'\\''");
		else
			buf_addc(b, *text);
	buf_adds(b, "' ");
}

/*
 * run --follow: become sh-findings in follow mode, which runs `sechub run
 * FLOW` on each batch of events and moves its cursor only when that
 * succeeded.
 */
static void
follow(struct sechub *h, const char *flow)
{
	struct proc_argv a;
	struct buf	 cmd;
	const char	*self = proc_self();
	char		*cause;

	if (strcmp(flow, "prune") == 0)
		fatal_usage("--follow", "prune reads no events");
	if (self == NULL)
		fatal(NULL, "cannot find the running program");
	buf_init(&cmd);
	shell_quote(&cmd, self);
	if (h->dry_run)
		buf_adds(&cmd, "--dry-run ");
	if (log_verbose())
		buf_adds(&cmd, "--verbose ");
	buf_addf(&cmd, "run %s", flow);
	proc_argv_init(&a, "sh-findings");
	proc_argv_add(&a, "--follow");
	proc_argv_add(&a, "--events");
	proc_argv_add(&a, "--state");
	proc_argv_addf(&a, "%s/findings.state", h->state_dir);
	if (h->v[O_SOURCE].value != NULL) {
		proc_argv_add(&a, "--source");
		proc_argv_add(&a, h->v[O_SOURCE].value);
	}
	if (h->v[O_INTERVAL].value != NULL) {
		proc_argv_add(&a, "--interval");
		proc_argv_add(&a, h->v[O_INTERVAL].value);
	}
	if (h->v[O_PROFILE].value != NULL) {
		proc_argv_add(&a, "--profile");
		proc_argv_add(&a, h->v[O_PROFILE].value);
	}
	verbosity_args(&a);
	proc_argv_add(&a, "--exec");
	proc_argv_add(&a, buf_cstr(&cmd));
	buf_free(&cmd);
	/* each batch's run takes the lock itself */
	if (h->lock_fd != -1) {
		close(h->lock_fd);
		h->lock_fd = -1;
	}
	proc_exec(a.v, &cause);
	fatal(NULL, "%s", cause);
}

static void
cmd_run(struct sechub *h, char **argv, int argc)
{
	const char	*flow = argv[0];
	int		 events;

	if (h->follow) {
		if (argc > 1)
			fatal_usage("--follow", "reads no files: the events "
			    "come from sh-findings");
		follow(h, flow);
	}

	if (strcmp(flow, "record") == 0)
		flow_record(h, argv + 1, argc - 1, STDIN_FILENO);
	else if (strcmp(flow, "send") == 0)
		flow_send(h, argv + 1, argc - 1, STDIN_FILENO);
	else if (strcmp(flow, "prune") == 0) {
		if (argc > 1)
			fatal_usage("run prune", "takes no events");
		flow_prune(h);
	} else if (strcmp(flow, "all") == 0) {
		events = copy_events(argv + 1, argc - 1);
		rewind_fd(events);
		flow_record(h, NULL, 0, events);
		rewind_fd(events);
		flow_send(h, NULL, 0, events);
		flow_prune(h);
		close(events);
	} else
		fatal_usage(flow, "unknown flow (record, send, prune, all)");
}

/* --- status ----------------------------------------------------------------- */

static size_t
count_records(int fd)
{
	char	 buf[65536];
	ssize_t	 n, i;
	size_t	 lines = 0;

	rewind_fd(fd);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (i = 0; i < n; i++)
			lines += buf[i] == '\n';
	return lines;
}

static json_int_t
summary_int(const json_t *s, const char *key)
{
	return json_integer_value(json_object_get(s, key));
}

/* A target's status record from its dry-run plan. */
static json_t *
target_status(const struct target *t, const struct result *r, int *drift)
{
	const json_t	*s = r->summary;
	const char	*e = result_error(r);
	json_t		*o, *missing, *extra, *unsafe;

	o = json_pack("{s:s, s:s}", "Target", t->name, "RuleGroup",
	    s != NULL && json_string_value(json_object_get(s, "RuleGroup")) ?
	    json_string_value(json_object_get(s, "RuleGroup")) :
	    t->rule_group);
	if (e != NULL) {
		json_object_set_new(o, "Error", json_string(e));
		return o;
	}
	missing = json_object_get(s, "AddedBlocks");
	extra = json_object_get(s, "RemovedBlocks");
	unsafe = json_object_get(s, "Cleaned");
	json_object_set_new(o, "Blocked", json_integer(summary_int(s,
	    "Total") - summary_int(s, "Added") + summary_int(s, "Removed")));
	json_object_set_new(o, "CapacityUsed", json_integer(summary_int(s,
	    "CapacityUsed")));
	json_object_set(o, "Capacity", json_object_get(s, "Capacity"));
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

static char *
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

static void
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

	for (o = options; o->name != NULL; o++)
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
	else if (strcmp(key, "state_dir") == 0) {
		const char *x = getenv("XDG_STATE_HOME");
		const char *home = getenv("HOME");

		if (x != NULL && *x == '/')
			xasprintf(&s, "%s/sechub-tools", x);
		else if (home != NULL && *home == '/')
			xasprintf(&s, "%s/.local/state/sechub-tools", home);
	} else if (strcmp(key, "record_pattern") == 0)
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

static void
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
			o = json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:s}",
			    "Target", t->name, "RuleGroup", t->rule_group,
			    "Region", t->region, "Profile", t->profile,
			    "RoleArn", t->role_arn, "From", t->where);
			put_record(STDOUT_FILENO, o);
			json_decref(o);
		} else
			printf("target %-9s rule group %s%s%s%s%s%s%s (%s)\n",
			    t->name, t->rule_group,
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
	const json_t	*s;
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
			check(c, 2, t->name, "%s: %s", t->rule_group,
			    result_error(&res[i]));
			continue;
		}
		s = res[i].summary;
		used = summary_int(s, "CapacityUsed");
		cap = json_is_integer(json_object_get(s, "Capacity")) ?
		    summary_int(s, "Capacity") : -1;
		if (cap > 0 && used * 10 > cap * 9)
			check(c, 1, t->name, "%s answers; capacity %lld of %lld "
			    "(less than 10%% left)", json_string_value(
			    json_object_get(s, "RuleGroup")), (long long)used,
			    (long long)cap);
		else
			check(c, 0, t->name, "%s answers; the store needs "
			    "capacity %lld of %lld", json_string_value(
			    json_object_get(s, "RuleGroup")), (long long)used,
			    (long long)cap);
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
		xasprintf(&p, "%s/%s", SECHUB_EXAMPLES_DIR, name);
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

static void
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

/* --- main ------------------------------------------------------------------- */

typedef void cmd_fn(struct sechub *, char **, int);

static cmd_fn *const run_command[] = {
	[C_BLOCK] = cmd_block,
	[C_UNBLOCK] = cmd_unblock,
	[C_STATUS] = cmd_status,
	[C_RECONCILE] = cmd_reconcile,
	[C_RUN] = cmd_run,
	[C_CONFIG] = cmd_config,
	[C_DOCTOR] = cmd_doctor
};

static void
setup(struct sechub *h, const struct opt_result *args)
{
	const char	*f = h->v[O_FORMAT].value;
	char		*cause;
	size_t		 i;

	if (f != NULL && strcmp(f, "table") != 0 && strcmp(f, "json") != 0)
		fatal_usage(h->v[O_FORMAT].where, "expected table or json, not "
		    "\"%s\"", f);
	h->json = f != NULL && strcmp(f, "json") == 0;
	if (h->v[O_FOR].value != NULL) {
		int64_t	 s;

		if (clk_parse_duration(h->v[O_FOR].value, &s, &cause) != 0)
			fatal_usage(h->v[O_FOR].where, "%s", cause);
	}
	ip_list_init(&h->allowlist);
	if (h->v[O_ALLOWLIST].value != NULL && ip_list_load(&h->allowlist,
	    h->v[O_ALLOWLIST].value, &cause) != 0)
		fatal_usage(h->v[O_ALLOWLIST].where, "%s", cause);
	for (i = 0; i < h->nallow; i++)
		if (conf_add_cidrs(&h->allowlist, h->allow[i], &cause) != 0)
			fatal_usage(h->allow_where, "%s", cause);
	if (targets_load(h->conf, h->v[O_RULE_GROUP].value,
	    h->v[O_RULE_GROUP].where, h->v[O_REGION].value, h->v[O_PROFILE].value,
	    &h->targets, &cause) != 0)
		fatal_usage(NULL, "%s", cause);
	/* the children read the same configuration */
	if (opt_config_path() != NULL)
		setenv("SECHUB_CONFIG", opt_config_path(), 1);
	if (opt_config_profile() != NULL)
		setenv("SECHUB_PROFILE", opt_config_profile(), 1);
	if (args->cmd->scope & (S_CHANGE | S_DOCTOR))
		open_state(h);
	if (args->cmd->scope & S_CHANGE)
		lock_state(h);
}

int
main(int argc, char **argv)
{
	struct sechub		 h;
	struct opt_result	 args;
	char			*cause;
	size_t			 i;
	unsigned long		 errors;
	int			 status;

	log_init("sechub");
	memset(&h, 0, sizeof(h));
	h.lock_fd = -1;
	opt_parse(&prog, argc, argv, on_option, &h, &args);
	h.conf = args.conf;
	if (clk_init(&cause) != 0)
		fatal_usage("SECHUB_NOW", "%s", cause);
	setup(&h, &args);
	run_command[args.cmd->id](&h, args.operands, args.noperands);

	/* doctor's checks say what failed, its status is theirs alone */
	status = args.cmd->id == C_DOCTOR ? h.status : h.status >
	    log_exit_status() ? h.status : log_exit_status();
	if (h.lock_fd != -1)
		close(h.lock_fd);
	targets_free(&h.targets);
	ip_list_free(&h.allowlist);
	for (i = 0; i < h.nallow; i++)
		free(h.allow[i]);
	free(h.allow);
	free(h.state_dir);
	opt_result_free(&args);
	errors = log_count(LOG_ERROR);
	log_close_stdout();
	return log_count(LOG_ERROR) > errors ? EXIT_RUNTIME : status;
}
