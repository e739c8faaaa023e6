/*
 * nfw-sync: make the blocklist rules of a Network Firewall stateless rule
 * group drop exactly the addresses wanted (merge, replace or remove), with
 * optimistic locking, capacity checks and the safety rails.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws.h"
#include "http.h"
#include "input.h"
#include "ip.h"
#include "jl.h"
#include "log.h"
#include "nfw.h"
#include "opt.h"
#include "util.h"

/* Describe-plan-update rounds when the update token turns out stale. */
#define TOKEN_ATTEMPTS	5

struct options {
	const char	*rule_group;
	enum nfw_mode	 mode;
	int		 src_priority;
	int		 dst_priority;
	int		 allow_private;
	int		 allow_empty;
	int		 summary;
	int		 dry_run;
	const char	*allowlist;
	const char	*rejects;
	const char	*describe_file;	/* plan offline against this answer */
	struct aws_options aws;
	struct ip_list	 allow;		/* --allow blocks, then the file's */
	const char	*rule_group_where; /* where --rule-group came from */
	int		 modes;
};

/* One input record and what became of it. */
struct entry {
	json_t		*record;
	struct ip_addr	 addr;
	const char	*refused;	/* why it was not planned, or NULL */
};

struct entries {
	struct entry	*v;
	size_t		 n;
	size_t		 cap;
};

/* The outcome of the describe-plan-update loop. */
struct outcome {
	struct nfw_group *group;	/* last described state, or NULL */
	struct nfw_plan	 *plan;		/* last plan, or NULL */
	int		  applied;	/* the group is now as planned */
	int		  called;	/* UpdateRuleGroup succeeded */
	char		 *error;	/* what went wrong, or NULL */
};

enum { O_RULE_GROUP = 1, O_REPLACE, O_REMOVE, O_ALLOW, O_PRIORITY,
    O_DESCRIBE };

#define O struct options
static const struct opt options[] = {
	{ "rule-group", 'g', "NAME|ARN", "the rule group to update (required)",
	    "rule_group", 0, OPT_ID(O_RULE_GROUP) },
	{ "replace", 0, NULL, "block exactly the input's addresses", NULL, 0,
	    OPT_ID(O_REPLACE) },
	{ "remove", 0, NULL, "unblock the input's addresses", NULL, 0,
	    OPT_ID(O_REMOVE) },
	{ "allow-empty", 0, NULL,
	    "let --replace with no address unblock everything", NULL, 0,
	    OPT_SETS(O, allow_empty) },
	{ "allow-private", 0, NULL, "block special-purpose addresses too",
	    NULL, 0, OPT_SETS(O, allow_private) },
	{ "allowlist", 0, "FILE",
	    "never block the addresses and blocks listed in FILE",
	    "allowlist", 0, OPT_STRS(O, allowlist) },
	{ "allow", 0, "CIDR", "never block CIDR (repeatable)", "allow", 0,
	    OPT_ID(O_ALLOW) },
	{ "priority", 0, "SRC[,DST]",
	    "the priorities of the two rules (30000,30100)", NULL, 0,
	    OPT_ID(O_PRIORITY) },
	{ "summary", 0, NULL, "print one summary record instead of the records",
	    NULL, 0, OPT_SETS(O, summary) },
	OPT_DRY_RUN(O, dry_run, 0, "change nothing; print the plan and the "
	    "request"),
	{ "describe-file", 0, "FILE",
	    "plan against a saved DescribeRuleGroup answer (implies -n)",
	    NULL, 0, OPT_ID(O_DESCRIBE) },
	OPT_REJECTS(O, rejects, 0),
	OPT_PROFILE(O, aws.profile),
	OPT_REGION(O, aws.region),
	OPT_COMMON,
	OPT_END
};
#undef O

static const struct opt_prog prog = {
	"nfw-sync",
"usage: nfw-sync --rule-group NAME|ARN [--replace | --remove] [-nq]\n"
"                [--allow-empty] [--allow-private] [--allowlist FILE]\n"
"                [--allow CIDR] [--priority SRC[,DST]] [--summary]\n"
"                [--rejects FILE] [--profile NAME] [--region REGION]\n"
"                [--verbose] [--describe-file FILE] [file ...]\n",
	options, NULL
};

static void
parse_priority(const char *arg, const char *where, struct options *o)
{
	char	*end;
	long	 src, dst;

	src = strtol(arg, &end, 10);
	if (*end == ',')
		dst = strtol(end + 1, &end, 10);
	else if (src > NFW_PRIORITY_MAX)
		dst = 0;	/* refused below; src + 100 may overflow */
	else
		dst = src + 100;
	if (*end != '\0' || src < 1 || src > NFW_PRIORITY_MAX || dst < 1 ||
	    dst > NFW_PRIORITY_MAX || src == dst)
		fatal_usage(NULL, "%s %s: want two distinct numbers from 1 "
		    "to %d", where, arg, NFW_PRIORITY_MAX);
	o->src_priority = (int)src;
	o->dst_priority = (int)dst;
}

static void
on_option(void *arg, int id, const char *value, const char *where)
{
	struct options	*o = arg;
	char		*cause;

	switch (id) {
	case O_RULE_GROUP:
		o->rule_group = value;
		o->rule_group_where = where;
		break;
	case O_REPLACE:
	case O_REMOVE:
		if (o->modes++ > 0)
			fatal_usage(NULL, "--replace and --remove exclude "
			    "each other");
		o->mode = id == O_REPLACE ? NFW_REPLACE : NFW_REMOVE;
		break;
	case O_ALLOW:
		if (conf_add_cidrs(&o->allow, value, &cause) != 0)
			fatal_usage(where, "%s", cause);
		break;
	case O_PRIORITY:
		parse_priority(value, where, o);
		break;
	case O_DESCRIBE:
		o->describe_file = value;
		o->dry_run = 1;	/* a saved answer cannot be updated */
		break;
	}
}

static void
parse_options(int argc, char **argv, struct options *o,
    struct opt_result *r)
{
	const char	*g;

	memset(o, 0, sizeof(*o));
	o->mode = NFW_MERGE;
	o->src_priority = NFW_SRC_PRIORITY;
	o->dst_priority = NFW_DST_PRIORITY;
	ip_list_init(&o->allow);
	opt_parse(&prog, argc, argv, on_option, o, r);
	if ((g = o->rule_group) == NULL || *g == '\0')
		fatal_usage(NULL, "--rule-group is required");
	if (strncmp(g, "arn:", 4) != 0 && (strlen(g) > 128 ||
	    g[strspn(g, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")] != '\0'))
		fatal_usage(NULL, "%s %s: a name is 1 to 128 letters, "
		    "digits and hyphens, or give the ARN", o->rule_group_where,
		    g);
}

/* --- input ---------------------------------------------------------------- */

static const char *
vet(const struct options *o, const struct ip_list *allow,
    const struct ip_addr *a, char *why, size_t len)
{
	const struct ip_cidr *c;
	const char	*special;
	char		 text[IP_STRLEN];

	if (o->mode == NFW_REMOVE)
		return NULL;	/* unblocking is always safe */
	if ((c = ip_list_match(allow, a)) != NULL) {
		snprintf(why, len, "allowlisted: %s", ip_format_cidr(c, text));
		return why;
	}
	if (!o->allow_private && (special = ip_special(a)) != NULL) {
		snprintf(why, len, "special-purpose address: %s", special);
		return why;
	}
	return NULL;
}

static void
add_entry(struct entries *es, json_t *record, const struct ip_addr *a,
    const char *refused)
{
	struct entry	*e;

	if (es->n == es->cap) {
		es->cap = es->cap ? es->cap * 2 : 64;
		es->v = xreallocarray(es->v, es->cap, sizeof(*es->v));
	}
	e = &es->v[es->n++];
	e->record = record;
	e->addr = *a;
	e->refused = refused != NULL ? xstrdup(refused) : NULL;
}

static void
read_input(const struct options *o, char **files, int nfiles,
    const struct ip_list *allow, struct entries *es)
{
	struct input	*in;
	struct jl_record rec;
	struct ip_addr	 a;
	json_t		*record;
	const char	*host, *refused;
	char		*cause, reason[160], why[IP_STRLEN + 64];

	if ((in = input_new(files, nfiles, o->rejects, &cause)) == NULL)
		fatal_usage(NULL, "%s", cause);
	while (input_next(in, &rec)) {
		if ((record = jl_decode(&rec, reason, sizeof(reason))) ==
		    NULL) {
			input_reject(in, &rec, "%s", reason);
			continue;
		}
		host = json_string_value(json_object_get(record, "HostIp"));
		if (!json_is_object(record) || host == NULL) {
			input_reject(in, &rec, "no HostIp string");
			json_decref(record);
			continue;
		}
		/* the string's own length: "203.0.113.1\u0000x" is no address */
		if (ip_parse(host, json_string_length(json_object_get(record,
		    "HostIp")), &a) == -1) {
			input_reject(in, &rec, "HostIp %s: not an IP address",
			    host);
			json_decref(record);
			continue;
		}
		refused = vet(o, allow, &a, why, sizeof(why));
		if (refused != NULL)
			log_warn(jl_where(&rec), "%s: refused: %s", host,
			    refused);
		add_entry(es, record, &a, refused);
	}
	input_free(in);
}

/* --- the describe, plan, update loop ------------------------------------ */

static json_t *
describe_request(const char *rule_group)
{
	if (strncmp(rule_group, "arn:", 4) == 0)
		return json_pack("{s:s}", "RuleGroupArn", rule_group);
	return json_pack("{s:s, s:s}", "RuleGroupName", rule_group, "Type",
	    "STATELESS");
}

static char *
call_error(const struct aws_error *err, const char *op)
{
	char	 buf[1024];

	return xstrdup(aws_error_format(err, &aws_network_firewall, op, buf,
	    sizeof(buf)));
}

/* Describe and plan; 0, or -1 with out->error. */
static int
describe_and_plan(struct aws_ctx *aws, const struct options *o,
    const struct ip_addr *addrs, size_t n, struct outcome *out)
{
	struct aws_error err;
	json_t		*req, *resp = NULL;
	char		*cause;
	int		 r;

	nfw_group_free(out->group);
	nfw_plan_free(out->plan);
	out->group = NULL;
	out->plan = NULL;
	if (o->describe_file != NULL) {
		json_error_t	 jerr;

		resp = json_load_file(o->describe_file, 0, &jerr);
		if (resp == NULL) {
			xasprintf(&out->error, "%s:%d: %s", o->describe_file,
			    jerr.line, jerr.text);
			return -1;
		}
	} else {
		req = describe_request(o->rule_group);
		r = aws_call(aws, &aws_network_firewall, "DescribeRuleGroup",
		    req, &resp, &err);
		json_decref(req);
		if (r == -1) {
			out->error = call_error(&err, "DescribeRuleGroup");
			return -1;
		}
	}
	out->group = nfw_group_from_describe(resp, o->src_priority,
	    o->dst_priority, &cause);
	json_decref(resp);
	if (out->group == NULL) {
		xasprintf(&out->error, "%s: %s", o->rule_group, cause);
		free(cause);
		return -1;
	}
	out->plan = nfw_plan_new(out->group, o->mode, addrs, n);
	return 0;
}

static char *
capacity_error(const struct options *o, const struct outcome *out)
{
	const struct nfw_plan *p = out->plan;
	char	*s;

	xasprintf(&s, "%s: capacity exceeded: 2 rules x %zu blocks + %lld for "
	    "other rules = %lld, more than the group's capacity %lld: "
	    "nothing changed; prune addresses or recreate the rule group "
	    "with a larger capacity", o->rule_group, p->nblocks,
	    (long long)nfw_group_other_capacity(out->group),
	    (long long)p->capacity_needed, (long long)p->capacity);
	return s;
}

/* Update with the planned request; 1 done, 0 stale token, -1 error. */
static int
update(struct aws_ctx *aws, struct outcome *out)
{
	struct aws_error err;
	json_t		*req, *resp = NULL;
	int		 r;

	req = nfw_plan_request(out->plan, out->group);
	r = aws_call(aws, &aws_network_firewall, "UpdateRuleGroup", req,
	    &resp, &err);
	json_decref(req);
	json_decref(resp);
	if (r == 0)
		return 1;
	if (strcmp(err.type, "InvalidTokenException") == 0)
		return 0;
	out->error = call_error(&err, "UpdateRuleGroup");
	return -1;
}

static void
sync_group(struct aws_ctx *aws, const struct options *o,
    const struct ip_addr *addrs, size_t n, struct outcome *out)
{
	struct http_retry retry;
	int		 attempt, r;

	http_retry_init(&retry);
	for (attempt = 1; attempt <= TOKEN_ATTEMPTS; attempt++) {
		if (describe_and_plan(aws, o, addrs, n, out) == -1)
			return;
		log_info(o->rule_group, "%s: %zu blocks, capacity %lld of "
		    "%lld%s", nfw_mode_name(o->mode), out->plan->nblocks,
		    (long long)out->plan->capacity_needed,
		    (long long)out->plan->capacity, out->plan->capacity < 0 ?
		    " (the group did not say: not checked)" : "");
		if (!out->plan->changed) {
			log_info(o->rule_group, "no change: UpdateRuleGroup "
			    "not called");
			out->applied = 1;
			return;
		}
		if (!out->plan->fits) {
			out->error = capacity_error(o, out);
			return;
		}
		if (o->dry_run)
			return;
		if ((r = update(aws, out)) != 0) {
			out->applied = out->called = r == 1;
			return;
		}
		log_info("UpdateRuleGroup", "InvalidTokenException: the group "
		    "changed since it was read; reading it again");
		http_sleep_ms(http_retry_delay(&retry, attempt));
	}
	xasprintf(&out->error, "UpdateRuleGroup: InvalidTokenException: "
	    "retried %d times, giving up", TOKEN_ATTEMPTS);
}

/* --- output ------------------------------------------------------------- */

static json_t *
summary(const struct options *o, const struct outcome *out)
{
	const struct nfw_plan *p = out->plan;
	json_t	*s;
	int	 done = out->applied || o->dry_run;	/* else nothing moved */

	s = json_pack("{s:s, s:s}", "RuleGroup", out->group != NULL &&
	    nfw_group_arn(out->group) != NULL ? nfw_group_arn(out->group) :
	    o->rule_group, "Mode", nfw_mode_name(o->mode));
	if (p != NULL) {
		json_object_set_new(s, "Added",
		    json_integer(done ? nfw_set_count(&p->added) : 0));
		json_object_set_new(s, "Removed",
		    json_integer(done ? nfw_set_count(&p->removed) : 0));
		json_object_set_new(s, "Total", json_integer(nfw_set_count(
		    done ? &p->blocked : nfw_group_blocked(out->group))));
		json_object_set_new(s, "Blocks", json_integer(p->nblocks));
		json_object_set_new(s, "CapacityUsed",
		    json_integer(p->capacity_needed));
		json_object_set_new(s, "Capacity", p->capacity < 0 ?
		    json_null() : json_integer(p->capacity));
	}
	json_object_set_new(s, "Changed", json_boolean(out->called));
	json_object_set_new(s, "DryRun", json_boolean(o->dry_run));
	if (out->error != NULL)
		json_object_set_new(s, "Error", json_string(out->error));
	return s;
}

static json_t *
dry_run_plan(const struct options *o, const struct outcome *out)
{
	json_t	*s = summary(o, out);
	int	 send;

	if (out->plan == NULL)
		return s;
	send = out->plan->changed && out->plan->fits;
	json_object_set_new(s, "Changed", json_boolean(out->plan->changed));
	json_object_set_new(s, "AddedBlocks", nfw_set_json(&out->plan->added));
	json_object_set_new(s, "RemovedBlocks",
	    nfw_set_json(&out->plan->removed));
	json_object_set_new(s, "UpdateRuleGroup", send ?
	    nfw_plan_request(out->plan, out->group) : json_null());
	return s;
}

/* Mark a record with what happened to its address. */
static void
mark(const struct options *o, const struct outcome *out, struct entry *e)
{
	const struct nfw_set *now = NULL;
	int		 before = 0, after = 0;
	const char	*reason = NULL;

	if (out->group != NULL) {
		before = nfw_set_contains(nfw_group_blocked(out->group),
		    &e->addr);
		now = out->applied ? &out->plan->blocked :
		    nfw_group_blocked(out->group);
		after = nfw_set_contains(now, &e->addr);
	}
	if (e->refused != NULL)
		reason = e->refused;
	else if (out->error != NULL)
		reason = out->error;
	json_object_set_new(e->record, "Blocked", json_boolean(after));
	if (o->mode == NFW_REMOVE) {
		json_object_set_new(e->record, "Unblocked",
		    json_boolean(before && !after));
		if (reason == NULL && !before)
			reason = "not blocked";
		if (before && !after)
			reason = NULL;
	} else if (after)
		reason = NULL;
	if (reason != NULL)
		json_object_set_new(e->record, "Reason", json_string(reason));
}

static void
write_output(const struct options *o, const struct outcome *out,
    struct entries *es)
{
	struct jl_writer *w = jl_writer_new(1, "<stdout>");
	json_t		*s;
	size_t		 i;
	int		 r = 0;

	if (o->dry_run || o->summary) {
		s = o->dry_run ? dry_run_plan(o, out) : summary(o, out);
		r = jl_write(w, s);
		json_decref(s);
	} else
		for (i = 0; i < es->n && r == 0; i++) {
			mark(o, out, &es->v[i]);
			r = jl_write(w, es->v[i].record);
		}
	if (jl_writer_free(w) == -1 || r == -1)
		log_error("<stdout>", "write error");
}

/* --- main ----------------------------------------------------------------- */

static void
run(const struct options *o, struct entries *es, struct outcome *out)
{
	struct aws_ctx	*aws;
	struct ip_addr	*addrs;
	size_t		 i, n = 0;
	char		*cause;

	addrs = xreallocarray(NULL, es->n + 1, sizeof(*addrs));
	for (i = 0; i < es->n; i++)
		if (es->v[i].refused == NULL)
			addrs[n++] = es->v[i].addr;
	if (n == 0 && o->mode == NFW_REPLACE && !o->allow_empty) {
		out->error = xstrdup("--replace with no address to block "
		    "would unblock everything: refused (use --allow-empty "
		    "if that is what you want)");
		free(addrs);
		return;
	}
	if (o->describe_file != NULL)
		aws = NULL;	/* offline: nothing to call */
	else if ((aws = aws_new(&o->aws, &cause)) == NULL)
		fatal_usage(NULL, "%s", cause);
	sync_group(aws, o, addrs, n, out);
	aws_free(aws);
	free(addrs);
}

int
main(int argc, char **argv)
{
	struct options	 o;
	struct opt_result args;
	struct entries	 es = { NULL, 0, 0 };
	struct outcome	 out = { NULL, NULL, 0, 0, NULL };
	char		*cause;
	size_t		 i;

	log_init("nfw-sync");
	parse_options(argc, argv, &o, &args);
	if (o.allowlist != NULL && ip_list_load(&o.allow, o.allowlist,
	    &cause) == -1)
		fatal_usage(NULL, "%s", cause);
	read_input(&o, args.operands, args.noperands, &o.allow, &es);
	run(&o, &es, &out);
	if (out.error != NULL)
		log_error(NULL, "%s", out.error);
	write_output(&o, &out, &es);

	for (i = 0; i < es.n; i++) {
		json_decref(es.v[i].record);
		free((char *)es.v[i].refused);
	}
	free(es.v);
	free(out.error);
	nfw_plan_free(out.plan);
	nfw_group_free(out.group);
	ip_list_free(&o.allow);
	opt_result_free(&args);
	log_close_stdout();
	return log_exit_status();
}
