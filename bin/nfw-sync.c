/*
 * nfw-sync: make the blocklist rules of a Network Firewall stateless rule
 * group drop exactly the addresses wanted (merge, replace or remove), with
 * optimistic locking, capacity checks and the safety rails.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws.h"
#include "ev.h"
#include "http.h"
#include "input.h"
#include "ip.h"
#include "jl.h"
#include "log.h"
#include "nfw.h"
#include "opt.h"
#include "spool.h"
#include "util.h"

/* Describe-plan-update rounds when the update token turns out stale. */
#define TOKEN_ATTEMPTS	5
/* The dry-run plan is written in pieces of this size. */
#define PLAN_CHUNK	(1024 * 1024)
/* The largest capacity a stateless rule group can be created with. */
#define GROUP_MAX_CAPACITY	30000

struct options {
	const char	*rule_group;
	enum nfw_mode	 mode;
	int		 src_priority;
	int		 dst_priority;
	int		 allow_private;
	int		 allow_empty;
	int		 allow_partial;
	int		 summary;
	int		 dry_run;
	const char	*allowlist;
	const char	*rejects;
	size_t		 max_line;
	const char	*describe_file;	/* plan offline against this answer */
	struct nfw_rails rails;		/* allow and allow_private */
	struct aws_options aws;
	struct ip_list	 allow;		/* --allow blocks, then the file's */
	const char	*rule_group_where; /* where --rule-group came from */
	int		 modes;
};

/* What the input gave. */
struct reading {
	struct nfw_set	 input;		/* the addresses to plan with */
	struct spool	*spool;		/* the records, or NULL: none kept */
	unsigned long	 rejected;	/* records rejected */
	unsigned long	 unread;	/* files not read to the end */
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
    O_DESCRIBE, O_MAX_LINE };

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
	{ "allow-partial", 0, NULL,
	    "let --replace go on with an input not read whole", NULL, 0,
	    OPT_SETS(O, allow_partial) },
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
	OPT_MAX_LINE(O_MAX_LINE, 0),
	OPT_REJECTS(O, rejects, 0),
	OPT_PROFILE(O, aws.profile),
	OPT_REGION(O, aws.region),
	OPT_ROLE(O, aws),
	OPT_COMMON,
	OPT_END
};
#undef O

static const struct opt_prog prog = {
	"nfw-sync",
"usage: nfw-sync --rule-group NAME|ARN [--replace | --remove] [-nq]\n"
"                [--allow-empty] [--allow-partial] [--allow-private]\n"
"                [--allowlist FILE] [--allow CIDR] [--priority SRC[,DST]]\n"
"                [--summary] [--max-line BYTES] [--rejects FILE]\n"
"                [--profile NAME] [--region REGION] [--role-arn ARN\n"
"                [--external-id ID] [--role-session-name NAME]]\n"
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
	case O_MAX_LINE:
		if (parse_size(value, &o->max_line, &cause) != 0)
			fatal_usage(where, "%s", cause);
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

/* Is the block one address? */
static int
is_host(const struct ip_cidr *c)
{
	return c->bits == ip_maxbits(&c->addr);
}

/*
 * Why the rails refuse to block an input address or block, or NULL. A
 * block is refused whole when any address of it would be.
 */
static const char *
vet(const struct options *o, const struct ip_cidr *c, char *why, size_t len)
{
	if (o->mode == NFW_REMOVE)
		return NULL;	/* unblocking is always safe */
	return ip_refusal(&o->allow, o->allow_private, c, why, len);
}

/* The record's HostIp (borrowed) and block, or NULL and a reason. */
static const char *
record_host(const json_t *record, struct ip_cidr *c, char *why, size_t len)
{
	const json_t	*v = json_object_get(record, "HostIp");
	const char	*host = json_string_value(v);
	size_t		 hostlen = json_string_length(v);
	char		 shown[VALUE_SHOW_SIZE], text[IP_STRLEN];

	if (!json_is_object(record) || host == NULL) {
		snprintf(why, len, "no HostIp string");
		return NULL;
	}
	/* the string's own length: "203.0.113.1\u0000x" is no address */
	if (ip_parse_host(host, hostlen, c) == 0)
		return host;
	show_value(shown, host, hostlen);
	if (ip_parse_cidr(host, hostlen, 1, c) == 0)
		snprintf(why, len, "HostIp \"%s\": host bits set: not a CIDR "
		    "block (%s is)", shown, ip_format_cidr(c, text));
	else
		snprintf(why, len, "HostIp \"%s\": not an IP address or CIDR "
		    "block", shown);
	return NULL;
}

/* Plan with an address or block, keep its record. */
static void
take(const struct options *o, struct reading *rd, const struct jl_record *rec,
    const char *host, size_t hostlen, const struct ip_cidr *c)
{
	const char	*refused;
	char		 why[IP_STRLEN + 64];

	if ((refused = vet(o, c, why, sizeof(why))) != NULL)
		log_warn(jl_where(rec), "%.*s: refused: %s", (int)hostlen, host,
		    refused);
	else
		nfw_set_add_cidr(&rd->input, c);
	if (rd->spool != NULL)
		spool_add(rd->spool, rec->text, rec->len);
}

/*
 * Can jansson read every number of this valid JSON text (which the output
 * needs)? Only one with an exponent or hundreds of digits can overflow a
 * double; those take the slow path, which rejects what jansson cannot
 * read.
 */
static int
plain_numbers(const char *s, size_t len)
{
	size_t	 i, digits = 0;
	int	 in_string = 0;

	for (i = 0; i < len; i++) {
		if (in_string) {
			if (s[i] == '\\')
				i++;
			else if (s[i] == '"')
				in_string = 0;
			continue;
		}
		if (s[i] == '"')
			in_string = 1;
		else if (s[i] >= '0' && s[i] <= '9') {
			if (++digits > 300)
				return 0;
			continue;
		} else if ((s[i] == 'e' || s[i] == 'E') && i > 0 &&
		    ((s[i - 1] >= '0' && s[i - 1] <= '9') || s[i - 1] == '.'))
			return 0;
		digits = 0;
	}
	return 1;
}

/*
 * The fast path: a one-line object whose only "HostIp" is a top-level
 * string holding an address or block. Everything else takes the slow path, which
 * decides (and words its rejections) as it always has.
 */
static int
fast_record(struct input *in, struct ev_event *ev, struct ev_paths *paths,
    struct jl_record *rec, const char **host, size_t *hostlen,
    struct ip_cidr *c)
{
	const struct ev_field *f;
	const char	*line;
	size_t		 linelen, vlen;

	if (!input_peek_line(in, &line, &linelen))
		return -1;	/* the end of all input */
	if ((vlen = ev_scan(ev, paths, line, linelen)) == 0 ||
	    ev->nfields != 1 || !plain_numbers(line, vlen))
		return 0;
	f = &ev->fields[0];
	if (f->type != EV_STRING || f->traillen != 0 ||
	    ip_parse_host(f->value, f->valuelen, c) == -1)
		return 0;
	input_take_line(in, rec, vlen);
	*host = f->value;
	*hostlen = f->valuelen;
	return 1;
}

/*
 * Read every record: the addresses to plan with into rd->input, the
 * records themselves (when the output needs them) into rd->spool. Only
 * the set stays in memory: it grows with the distinct addresses.
 */
static void
read_input(const struct options *o, char **files, int nfiles,
    struct reading *rd)
{
	struct input	*in;
	struct jl_record rec;
	struct ev_event	 ev;
	struct ev_paths	*paths;
	struct ip_cidr	 c;
	json_t		*record;
	const char	*host;
	size_t		 hostlen;
	char		*cause, reason[320];
	int		 r;

	if ((in = input_new(files, nfiles, o->rejects, &cause)) == NULL)
		fatal_usage(NULL, "%s", cause);
	if (o->max_line > 0)
		input_set_max_line(in, o->max_line);
	ev_init(&ev);
	paths = ev_paths_new();
	ev_paths_add(paths, "HostIp", 6);
	for (;;) {
		if ((r = fast_record(in, &ev, paths, &rec, &host, &hostlen,
		    &c)) == 1) {
			take(o, rd, &rec, host, hostlen, &c);
			continue;
		}
		if (r == -1 || !input_next(in, &rec))
			break;
		if ((record = jl_decode(&rec, reason, sizeof(reason))) ==
		    NULL) {
			input_reject(in, &rec, "%s", reason);
			continue;
		}
		if ((host = record_host(record, &c, reason,
		    sizeof(reason))) == NULL)
			input_reject(in, &rec, "%s", reason);
		else
			take(o, rd, &rec, host, json_string_length(
			    json_object_get(record, "HostIp")), &c);
		json_decref(record);
	}
	rd->rejected = input_rejected(in);
	rd->unread = input_errors(in);
	ev_paths_free(paths);
	ev_free(&ev);
	input_free(in);
	nfw_set_normalise(&rd->input);
}

/*
 * What the input allows: NULL, or why nothing may be changed. A mode
 * that unblocks what the input does not name must have all of it.
 */
static char *
refusal(const struct options *o, const struct reading *rd)
{
	char	*s = NULL, rej[64] = "", unread[64] = "";

	if (o->mode == NFW_REPLACE && !o->allow_partial &&
	    (rd->rejected > 0 || rd->unread > 0)) {
		if (rd->rejected > 0)
			snprintf(rej, sizeof(rej), "%lu record%s rejected",
			    rd->rejected, rd->rejected == 1 ? "" : "s");
		if (rd->unread > 0)
			snprintf(unread, sizeof(unread), "%s%lu file%s not "
			    "read to the end", rd->rejected > 0 ? ", " : "",
			    rd->unread, rd->unread == 1 ? "" : "s");
		xasprintf(&s, "--replace: the input is not whole (%s%s): "
		    "nothing changed, as what it lost would be unblocked "
		    "(use --allow-partial to replace with what was read)",
		    rej, unread);
	} else if (o->mode == NFW_REPLACE && !o->allow_empty &&
	    nfw_set_size(&rd->input) == 0)
		s = xstrdup("--replace with no address to block would "
		    "unblock everything: refused (use --allow-empty if that "
		    "is what you want)");
	return s;
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

static json_t *
describe(struct aws_ctx *aws, const struct options *o, char **error)
{
	struct aws_error err;
	json_error_t	 jerr;
	json_t		*req, *resp = NULL;
	int		 r;

	if (o->describe_file != NULL) {
		if ((resp = json_load_file(o->describe_file, 0, &jerr)) ==
		    NULL)
			xasprintf(error, "%s:%d: %s", o->describe_file,
			    jerr.line, jerr.text);
		return resp;
	}
	req = describe_request(o->rule_group);
	r = aws_call(aws, &aws_network_firewall, "DescribeRuleGroup", req,
	    &resp, &err);
	json_decref(req);
	if (r == -1) {
		*error = call_error(&err, "DescribeRuleGroup");
		return NULL;
	}
	return resp;
}

/*
 * Describe and plan; 0, or -1 with out->error. The group and plan of an
 * earlier round stay when this one cannot describe: they are the last
 * state known.
 */
static int
describe_and_plan(struct aws_ctx *aws, const struct options *o,
    const struct nfw_set *input, struct outcome *out)
{
	struct nfw_group *g;
	json_t		*resp;
	char		*cause;

	if ((resp = describe(aws, o, &out->error)) == NULL)
		return -1;
	g = nfw_group_from_describe(resp, o->src_priority, o->dst_priority,
	    &cause);
	json_decref(resp);
	if (g == NULL) {
		xasprintf(&out->error, "%s: %s", o->rule_group, cause);
		free(cause);
		return -1;
	}
	nfw_group_free(out->group);
	nfw_plan_free(out->plan);
	out->group = g;
	out->plan = nfw_plan_new(g, o->mode, input, &o->rails);
	return 0;
}

/* How many of our blocks (two units each) fit in capacity beside other. */
static int64_t
blocks_room(int64_t capacity, int64_t other)
{
	return capacity > other ? (capacity - other) / 2 : 0;
}

/*
 * The numbers of a change that does not fit, and what would make it fit:
 * a group recreated with enough capacity, unless even the largest a group
 * can have is too small.
 */
static char *
capacity_error(const struct options *o, const struct outcome *out)
{
	const struct nfw_plan *p = out->plan;
	int64_t	 other = nfw_group_other_capacity(out->group);
	int64_t	 room = blocks_room(p->capacity, other);
	char	*s, *advice;

	if (p->capacity_needed <= GROUP_MAX_CAPACITY)
		xasprintf(&advice, "prune addresses or recreate the rule "
		    "group with a capacity of at least %lld",
		    (long long)p->capacity_needed);
	else
		xasprintf(&advice, "prune addresses: no rule group holds more "
		    "than %d, room for %lld blocks beside the other rules",
		    GROUP_MAX_CAPACITY, (long long)blocks_room(
		    GROUP_MAX_CAPACITY, other));
	xasprintf(&s, "%s: capacity exceeded: 2 rules x %zu blocks + %lld for "
	    "other rules = %lld, more than the group's capacity %lld (room "
	    "for %lld blocks, %lld too many): nothing changed; %s",
	    o->rule_group, p->nblocks, (long long)other,
	    (long long)p->capacity_needed, (long long)p->capacity,
	    (long long)room, (long long)p->nblocks - (long long)room, advice);
	free(advice);
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
    const struct nfw_set *input, struct outcome *out)
{
	struct http_retry retry;
	int		 attempt, r;

	http_retry_init(&retry);
	for (attempt = 1; attempt <= TOKEN_ATTEMPTS; attempt++) {
		if (describe_and_plan(aws, o, input, out) == -1)
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

static void
run(const struct options *o, const struct reading *rd, struct outcome *out)
{
	struct aws_ctx	*aws;
	char		*cause;

	if ((out->error = refusal(o, rd)) != NULL)
		return;
	if (rd->spool != NULL && spool_finish(rd->spool, &cause) == -1) {
		out->error = cause;
		return;
	}
	if (o->describe_file != NULL)
		aws = NULL;	/* offline: nothing to call */
	else if ((aws = aws_new(&o->aws, &cause)) == NULL)
		fatal_usage(NULL, "%s", cause);
	sync_group(aws, o, &rd->input, out);
	aws_free(aws);
}

/* --- what the rails found ------------------------------------------------- */

/* A block as a HostIp: a host as its address, else the CIDR block. */
static char *
block_text(const struct ip_cidr *c, char *text)
{
	if (is_host(c))
		return ip_format(&c->addr, text);
	return ip_format_cidr(c, text);
}

static void
warn_notes(const struct options *o, const struct outcome *out)
{
	const struct nfw_plan *p = out->plan;
	const struct nfw_note *n;
	const char	*what;
	char		 text[IP_STRLEN], *rule;
	size_t		 i;

	if (p == NULL)
		return;
	if (out->called)
		what = "removed from the group";
	else if (o->dry_run && out->error == NULL)
		what = "would be removed from the group";
	else
		what = "still in the group";
	for (i = 0; i < p->ncleaned; i++) {
		n = &p->cleaned[i];
		log_warn(o->rule_group, "%s: %s: %s", what,
		    ip_format_cidr(&n->block, text), n->reason);
	}
	for (i = 0; i < p->nleft_alone; i++) {
		n = &p->left_alone[i];
		if (n->priority >= 0)
			xasprintf(&rule, "rule at priority %d", n->priority);
		else
			rule = xstrdup("rule without a valid priority");
		log_warn(o->rule_group, "%s drops %s %s: %s: not ours, left "
		    "alone", rule, n->match, ip_format_cidr(&n->block, text),
		    n->reason);
		free(rule);
	}
}

/*
 * [{"Block": ..., "Reason": ...}]; for other rules' blocks with the rule's
 * Priority (null: not a valid one) and Match first.
 */
static json_t *
notes_json(const struct nfw_note *v, size_t n, int others)
{
	json_t	*a = json_array(), *o;
	char	 text[IP_STRLEN];
	size_t	 i;

	for (i = 0; i < n; i++) {
		o = json_object();
		if (others) {
			json_object_set_new(o, "Priority", v[i].priority < 0 ?
			    json_null() : json_integer(v[i].priority));
			json_object_set_new(o, "Match",
			    json_string(v[i].match));
		}
		json_object_set_new(o, "Block",
		    json_string(ip_format_cidr(&v[i].block, text)));
		json_object_set_new(o, "Reason", json_string(v[i].reason));
		json_array_append_new(a, o);
	}
	return a;
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
	if (p != NULL && done && p->ncleaned > 0)
		json_object_set_new(s, "Cleaned", notes_json(p->cleaned,
		    p->ncleaned, 0));
	if (p != NULL && p->nleft_alone > 0)
		json_object_set_new(s, "LeftAlone", notes_json(p->left_alone,
		    p->nleft_alone, 1));
	return s;
}

/* Write b out once it holds a chunk (all of it when last). 0 or -1. */
static int
plan_flush(struct buf *b, int last)
{
	size_t	 off = 0;
	ssize_t	 n;

	if (!last && b->len < PLAN_CHUNK)
		return 0;
	while (off < b->len) {
		if ((n = write(STDOUT_FILENO, b->data + off, b->len - off)) ==
		    -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		off += (size_t)n;
	}
	buf_reset(b);
	return 0;
}

static int
dump_cb(const char *text, size_t len, void *arg)
{
	buf_add(arg, text, len);
	return 0;
}

struct plan_list {
	struct buf	*b;
	int		 first;
};

static int
plan_block(const struct ip_cidr *c, void *arg)
{
	struct plan_list *l = arg;
	char		 text[IP_STRLEN];

	if (!l->first)
		buf_addc(l->b, ',');
	l->first = 0;
	buf_addc(l->b, '"');
	buf_adds(l->b, ip_format_cidr(c, text));
	buf_addc(l->b, '"');
	return plan_flush(l->b, 0);
}

/* ,"name":["192.0.2.1/32",...], written as it goes. 0 or -1. */
static int
plan_blocks(struct buf *b, const char *name, const struct nfw_set *s)
{
	struct plan_list l = { b, 1 };
	int		 r;

	buf_addf(b, ",\"%s\":[", name);
	r = nfw_set_each_cidr(s, plan_block, &l);
	buf_addc(b, ']');
	return r;
}

/*
 * The dry run's one record: the summary, then the blocks and the request.
 * A plan of millions of blocks is written out in pieces as it is made,
 * never held whole. 0 or -1.
 */
static int
write_plan(const struct options *o, const struct outcome *out)
{
	const struct nfw_plan *p = out->plan;
	struct buf	 b;
	json_t		*s = summary(o, out), *req;
	int		 r;

	if (p != NULL)
		json_object_set_new(s, "Changed", json_boolean(p->changed));
	buf_init(&b);
	json_dump_callback(s, dump_cb, &b, JSON_COMPACT);
	json_decref(s);
	if (p == NULL) {
		buf_addc(&b, '\n');
		r = plan_flush(&b, 1);
		goto out;
	}
	b.len--;	/* the summary's closing brace */
	if ((r = plan_blocks(&b, "AddedBlocks", &p->added)) == 0)
		r = plan_blocks(&b, "RemovedBlocks", &p->removed);
	buf_adds(&b, ",\"UpdateRuleGroup\":");
	if (p->changed && p->fits && out->error == NULL) {
		req = nfw_plan_request(p, out->group);
		json_dump_callback(req, dump_cb, &b, JSON_COMPACT);
		json_decref(req);
	} else
		buf_adds(&b, "null");
	buf_adds(&b, "}\n");
	if (r == 0)
		r = plan_flush(&b, 1);
out:
	buf_free(&b);
	return r;
}

/*
 * Mark a record with what happened to its address or block. Blocked is
 * false only when the group, as read or as changed, blocks no address of
 * it; when the group could not be read at all it is null: nobody knows.
 * Unblocked: it blocked some before, none now.
 */
static void
mark(const struct options *o, const struct outcome *out, json_t *record,
    const struct ip_cidr *c)
{
	const struct nfw_set *now;
	const char	*reason, *refused;
	char		 why[IP_STRLEN + 64];
	int		 before, after;

	refused = vet(o, c, why, sizeof(why));
	reason = refused != NULL ? refused : out->error;
	if (out->group == NULL) {
		json_object_set_new(record, "Blocked", json_null());
		if (o->mode == NFW_REMOVE)
			json_object_set_new(record, "Unblocked",
			    json_false());
		goto out;
	}
	before = nfw_set_overlaps(nfw_group_blocked(out->group), c);
	now = out->applied ? &out->plan->blocked :
	    nfw_group_blocked(out->group);
	after = nfw_set_overlaps(now, c);
	json_object_set_new(record, "Blocked", json_boolean(after));
	if (o->mode == NFW_REMOVE) {
		json_object_set_new(record, "Unblocked",
		    json_boolean(before && !after));
		if (before && !after)
			reason = NULL;
		else if (reason == NULL)
			reason = "not blocked";
	} else if (after && out->error == NULL && refused == NULL)
		reason = NULL;	/* a refused block may be blocked in part */
	else if (reason == NULL && !after)
		reason = "not blocked";
out:
	if (reason != NULL)
		json_object_set_new(record, "Reason", json_string(reason));
}

/* Each input record as it came, marked. 0 or -1 (reported). */
static int
write_records(const struct options *o, const struct outcome *out,
    struct spool *sp, struct jl_writer *w)
{
	struct jl_reader *r = spool_reader(sp);
	struct jl_record rec;
	struct jl_error	 err;
	struct ip_cidr	 c;
	json_t		*record;
	char		 why[320];
	int		 st, ret = 0;

	while (ret == 0 && (st = jl_next(r, &rec, &err)) != JL_EOF) {
		record = st == JL_RECORD ? jl_decode(&rec, why, sizeof(why)) :
		    NULL;
		if (record == NULL || record_host(record, &c, why,
		    sizeof(why)) == NULL) {
			log_error("<records>", "kept records do not read "
			    "back: the output stops here");
			json_decref(record);
			ret = -1;
			break;
		}
		mark(o, out, record, &c);
		if (jl_write(w, record) == -1)
			ret = -1;
		json_decref(record);
	}
	jl_close(r);
	return ret;
}

/*
 * One record per block the rails took out of (or found in) our rules, so
 * that the people told about blocks hear of it. Cleaned marks them as not
 * from the input.
 */
static int
write_cleaned(const struct outcome *out, struct jl_writer *w)
{
	const struct nfw_plan *p = out->plan;
	json_t		*rec;
	char		 text[IP_STRLEN], *reason;
	size_t		 i;
	int		 r = 0;

	for (i = 0; p != NULL && i < p->ncleaned && r == 0; i++) {
		if (out->applied)
			reason = xstrdup(p->cleaned[i].reason);
		else
			xasprintf(&reason, "%s: not removed: %s",
			    p->cleaned[i].reason, out->error);
		rec = json_pack("{s:s, s:b, s:b, s:s, s:b}", "HostIp",
		    block_text(&p->cleaned[i].block, text), "Blocked",
		    !out->applied, "Unblocked", out->applied, "Reason", reason,
		    "Cleaned", 1);
		r = jl_write(w, rec);
		json_decref(rec);
		free(reason);
	}
	return r;
}

static void
write_output(const struct options *o, const struct outcome *out,
    struct spool *sp)
{
	struct jl_writer *w;
	json_t		*s;
	int		 r = 0;

	if (o->dry_run) {
		if (write_plan(o, out) == -1)
			log_error("<stdout>", "write error: %s",
			    strerror(errno));
		return;
	}
	w = jl_writer_new(STDOUT_FILENO, "<stdout>");
	if (o->summary) {
		s = summary(o, out);
		r = jl_write(w, s);
		json_decref(s);
	} else if ((r = write_records(o, out, sp, w)) == 0)
		r = write_cleaned(out, w);
	if (jl_writer_free(w) == -1 || r == -1)
		log_error("<stdout>", "write error");
}

/* --- main ----------------------------------------------------------------- */

int
main(int argc, char **argv)
{
	struct options	 o;
	struct opt_result args;
	struct reading	 rd;
	struct outcome	 out = { NULL, NULL, 0, 0, NULL };
	char		*cause;

	log_init("nfw-sync");
	if (no_core_dumps(&cause) != 0)
		fatal(NULL, "%s", cause);
	parse_options(argc, argv, &o, &args);
	if (o.allowlist != NULL && ip_list_load(&o.allow, o.allowlist,
	    &cause) == -1)
		fatal_usage(NULL, "%s", cause);
	o.rails.allowlist = &o.allow;
	o.rails.allow_private = o.allow_private;

	memset(&rd, 0, sizeof(rd));
	nfw_set_init(&rd.input);
	if (!o.dry_run && !o.summary &&
	    (rd.spool = spool_new(NULL, &cause)) == NULL)
		fatal(NULL, "%s", cause);
	read_input(&o, args.operands, args.noperands, &rd);
	run(&o, &rd, &out);
	if (out.error != NULL)
		log_error(NULL, "%s", out.error);
	warn_notes(&o, &out);
	write_output(&o, &out, rd.spool);

	spool_free(rd.spool);
	nfw_set_free(&rd.input);
	free(out.error);
	nfw_plan_free(out.plan);
	nfw_group_free(out.group);
	ip_list_free(&o.allow);
	opt_result_free(&args);
	log_close_stdout();
	return log_exit_status();
}
