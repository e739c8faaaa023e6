/*
 * waf-sync: make AWS WAF (wafv2) IP sets, one IPv4 and one IPv6, hold
 * exactly the addresses wanted (merge, replace or remove), with the lock
 * token, the 10,000-address limit and the safety rails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws.h"
#include "conf.h"
#include "http.h"
#include "input.h"
#include "ip.h"
#include "jl.h"
#include "log.h"
#include "opt.h"
#include "util.h"
#include "waf.h"

/* Get-plan-update rounds when the lock token turns out stale. */
#define LOCK_ATTEMPTS	5
/* ListIPSets pages (of 100) read looking for a name. */
#define LIST_PAGES	100
/* One IP set of each version. */
#define MAX_SETS	2

/* An IP set to update, and what became of it. */
struct target {
	const char	 *given;	/* as named (or the --get-file) */
	const char	 *where;	/* where it was named */
	struct waf_ref	  ref;
	const char	 *get_file;	/* plan offline against this */
	enum waf_scope	  scope;
	struct waf_ipset *set;		/* last read, or NULL */
	struct waf_plan	 *plan;		/* last plan, or NULL */
	int		  applied;	/* the set is now as planned */
	int		  called;	/* UpdateIPSet succeeded */
	char		 *error;	/* what went wrong, or NULL */
	int		  config_error;	/* ... and it was the setup's fault
					   (no credentials): exit 2 */
};

struct options {
	struct target	 t[MAX_SETS];
	int		 nsets;
	const char	*files[MAX_SETS]; /* --get-file */
	const char	*files_where[MAX_SETS];
	int		 nfiles;
	const char	*id;
	const char	*id_where;
	enum waf_scope	 scope;
	const char	*scope_where;	/* NULL: not given */
	enum nfw_mode	 mode;
	int		 modes;
	int		 allow_private;
	int		 allow_empty;
	int		 allow_partial;
	int		 summary;
	int		 dry_run;
	const char	*allowlist;
	const char	*rejects;
	size_t		 max_line;	/* 0: the default */
	struct ip_list	 allow;		/* --allow blocks, then the file's */
	struct waf_rails rails;
	struct aws_options aws;
	const char	*region_where;	/* where --region came from */
};

/* One input record: its text (when the output needs it), its address or
 * block. */
struct entry {
	char		*text;
	size_t		 len;
	char		*where;
	struct ip_cidr	 block;
};

struct entries {
	struct entry	*v;
	size_t		 n, cap;
	unsigned long	 rejected;	/* records rejected */
	unsigned long	 unread;	/* files not read to the end */
};

enum { O_IP_SET = 1, O_ID, O_SCOPE, O_REPLACE, O_REMOVE, O_ALLOW,
    O_GET_FILE, O_REGION, O_MAX_LINE };

#define O struct options
static const struct opt options[] = {
	{ "ip-set", 'i', "NAME|ARN",
	    "an IP set to update (at most one IPv4, one IPv6)", "ip_set", 0,
	    OPT_ID(O_IP_SET) },
	{ "id", 0, "ID", "the IP set's id, so that ListIPSets is not called",
	    NULL, 0, OPT_ID(O_ID) },
	{ "scope", 0, "SCOPE",
	    "REGIONAL (the default) or CLOUDFRONT (us-east-1)", "scope", 0,
	    OPT_ID(O_SCOPE) },
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
	{ "summary", 0, NULL,
	    "print a summary record per IP set, not the records", NULL, 0,
	    OPT_SETS(O, summary) },
	OPT_DRY_RUN(O, dry_run, 0, "change nothing; print the plan and the "
	    "request"),
	{ "get-file", 0, "FILE",
	    "plan against a saved GetIPSet answer (implies -n)", NULL, 0,
	    OPT_ID(O_GET_FILE) },
	OPT_MAX_LINE(O_MAX_LINE, 0),
	OPT_REJECTS(O, rejects, 0),
	OPT_PROFILE(O, aws.profile),
	{ "region", 0, "REGION", "the AWS region", "region", 0,
	    OPT_ID(O_REGION) },
	OPT_ROLE(O, aws),
	OPT_COMMON,
	OPT_END
};
#undef O

static const struct opt_prog prog = {
	"waf-sync",
"usage: waf-sync --ip-set NAME|ARN [--ip-set NAME|ARN] [--id ID]\n"
"                [--scope REGIONAL|CLOUDFRONT] [--replace | --remove]\n"
"                [-nq] [--allow-empty] [--allow-partial] [--allow-private]\n"
"                [--allowlist FILE] [--allow CIDR] [--summary]\n"
"                [--max-line BYTES] [--rejects FILE] [--profile NAME]\n"
"                [--region REGION] [--role-arn ARN [--external-id ID]\n"
"                [--role-session-name NAME]] [--verbose]\n"
"                [--get-file FILE] [file ...]\n",
	options, NULL
};

/* --- options -------------------------------------------------------------- */

struct naming {
	struct options	*o;
	const char	*where;
};

static int
from_command_line(const char *where)
{
	return strcmp(where, "--ip-set") == 0 || strcmp(where, "-i") == 0;
}

/* One IP set of an --ip-set value (the file's may name two). */
static int
add_ip_set(const char *word, size_t len, void *arg)
{
	struct naming	*nm = arg;
	struct options	*o = nm->o;
	struct target	*t;
	char		*name, *cause;

	name = xstrndup(word, len);
	if (o->nsets == MAX_SETS)
		fatal_usage(NULL, "%s %s: at most two IP sets, one IPv4 and "
		    "one IPv6", nm->where, name);
	t = &o->t[o->nsets++];
	if (waf_ref_parse(name, &t->ref, &cause) == -1)
		fatal_usage(NULL, "%s %s: %s", nm->where, name, cause);
	t->given = name;	/* lives as long as the program */
	t->where = nm->where;
	return 0;
}

static void
on_option(void *arg, int id, const char *value, const char *where)
{
	struct options	*o = arg;
	struct naming	 nm = { o, where };
	char		*cause;

	switch (id) {
	case O_IP_SET:
		/* the environment and the file may name two, blank-separated */
		if (from_command_line(where))
			add_ip_set(value, strlen(value), &nm);
		else
			conf_words(value, add_ip_set, &nm);
		if (o->nsets == 0)
			fatal_usage(NULL, "%s: no IP set named", where);
		break;
	case O_ID:
		if (!waf_id_valid(value))
			fatal_usage(NULL, "%s %s: an id is a lower-case UUID "
			    "(as ListIPSets gives it)", where, value);
		o->id = value;
		o->id_where = where;
		break;
	case O_SCOPE:
		if (waf_scope_parse(value, &o->scope) == -1)
			fatal_usage(NULL, "%s %s: REGIONAL or CLOUDFRONT",
			    where, value);
		o->scope_where = where;
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
	case O_GET_FILE:
		if (o->nfiles == MAX_SETS)
			fatal_usage(NULL, "%s %s: at most two IP sets, one IPv4 "
			    "and one IPv6", where, value);
		o->files_where[o->nfiles] = where;
		o->files[o->nfiles++] = value;
		o->dry_run = 1;	/* a saved answer cannot be updated */
		break;
	case O_REGION:
		o->aws.region = value;
		o->region_where = where;
		break;
	case O_MAX_LINE:
		if (parse_size(value, &o->max_line, &cause) != 0)
			fatal_usage(where, "%s", cause);
		break;
	}
}

/* Scope and region from the ARNs, the options and each other. */
static void
check_places(struct options *o)
{
	const char	*region = NULL;
	int		 i;

	for (i = 0; i < o->nsets; i++) {
		struct waf_ref *r = &o->t[i].ref;

		if (r->has_scope && o->scope_where != NULL &&
		    r->scope != o->scope)
			fatal_usage(NULL, "%s %s: the ARN says %s", o->scope_where,
			    waf_scope_name(o->scope), waf_scope_name(r->scope));
		if (r->has_scope)
			o->scope = r->scope;
		if (r->region == NULL)
			continue;
		if (region != NULL && strcmp(region, r->region) != 0)
			fatal_usage(NULL, "the two IP sets are in %s and %s: "
			    "sync them one at a time", region, r->region);
		region = r->region;
	}
	if (o->scope == WAF_CLOUDFRONT)
		region = WAF_CLOUDFRONT_REGION;
	if (region != NULL && o->region_where != NULL &&
	    strcmp(o->region_where, "--region") == 0 &&
	    strcmp(o->aws.region, region) != 0)
		fatal_usage(NULL, "--region %s: the IP set%s called in %s",
		    o->aws.region, o->scope == WAF_CLOUDFRONT ?
		    "s of scope CLOUDFRONT are" : " is", region);
	if (region != NULL)
		o->aws.region = region;
	for (i = 0; i < MAX_SETS; i++)
		o->t[i].scope = o->scope;
}

/* --get-file: the saved answers name the IP sets, not --ip-set. */
static void
use_files(struct options *o)
{
	int	 i;

	for (i = 0; i < o->nsets; i++) {
		if (from_command_line(o->t[i].where))
			fatal_usage(NULL, "--get-file and --ip-set exclude each "
			    "other: the saved answer names the IP set");
		/* the environment's or the file's ip_set gives way */
		waf_ref_free(&o->t[i].ref);
		free((char *)o->t[i].given);
	}
	memset(o->t, 0, sizeof(o->t));
	for (i = 0; i < o->nfiles; i++) {
		o->t[i].get_file = o->t[i].given = o->files[i];
		o->t[i].where = o->files_where[i];
	}
	o->nsets = o->nfiles;
}

static void
parse_options(int argc, char **argv, struct options *o,
    struct opt_result *r)
{
	struct target	*t = &o->t[0];

	memset(o, 0, sizeof(*o));
	o->mode = NFW_MERGE;
	o->scope = WAF_REGIONAL;
	ip_list_init(&o->allow);
	opt_parse(&prog, argc, argv, on_option, o, r);
	if (o->nfiles > 0)
		use_files(o);
	if (o->nsets == 0)
		fatal_usage(NULL, "--ip-set is required");
	if (o->id != NULL) {
		if (o->nsets != 1 || t->ref.arn != NULL || o->nfiles > 0)
			fatal_usage(NULL, "%s: only with one --ip-set given by "
			    "name (an ARN holds the id)", o->id_where);
		t->ref.id = xstrdup(o->id);
	}
	check_places(o);
}

/* --- input ---------------------------------------------------------------- */

/*
 * Why the rails refuse to block an input address or block, or NULL (the
 * words and the judgement of nfw-sync).
 */
static const char *
vet(const struct options *o, const struct ip_cidr *c, char *why, size_t len)
{
	if (o->mode == NFW_REMOVE)
		return NULL;	/* unblocking is always safe */
	return ip_refusal(&o->allow, o->allow_private, c, why, len);
}

/* A block as a HostIp: a host as its address, else the CIDR block. */
static char *
block_text(const struct ip_cidr *c, char *text)
{
	if (c->bits == ip_maxbits(&c->addr))
		return ip_format(&c->addr, text);
	return ip_format_cidr(c, text);
}

static void
add_entry(const struct options *o, struct entries *es,
    const struct jl_record *rec, const struct ip_cidr *c)
{
	struct entry	*e;

	if (es->n == es->cap) {
		es->cap = es->cap ? es->cap * 2 : 64;
		es->v = xreallocarray(es->v, es->cap, sizeof(*es->v));
	}
	e = &es->v[es->n++];
	memset(e, 0, sizeof(*e));
	e->block = *c;
	e->where = xstrdup(jl_where(rec));
	if (!o->summary && !o->dry_run) {	/* the output needs them */
		e->text = xstrndup(rec->text, rec->len);
		e->len = rec->len;
	}
}

/* A HostIp that is neither an address nor a CIDR block, rejected. */
static void
reject_host(struct input *in, const struct jl_record *rec, const char *host,
    size_t len)
{
	struct ip_cidr	 c;
	char		 shown[VALUE_SHOW_SIZE], text[IP_STRLEN];

	show_value(shown, host, len);
	if (ip_parse_cidr(host, len, 1, &c) == 0)
		input_reject(in, rec, "HostIp \"%s\": host bits set: not a CIDR "
		    "block (%s is)", shown, ip_format_cidr(&c, text));
	else
		input_reject(in, rec, "HostIp \"%s\": not an IP address or "
		    "CIDR block", shown);
}

static void
read_input(const struct options *o, char **files, int nfiles,
    struct entries *es)
{
	struct input	*in;
	struct jl_record rec;
	struct ip_cidr	 c;
	json_t		*record, *v;
	const char	*host, *refused;
	char		*cause, reason[160], why[IP_STRLEN + 64];

	if ((in = input_new(files, nfiles, o->rejects, &cause)) == NULL)
		fatal_usage(NULL, "%s", cause);
	if (o->max_line > 0)
		input_set_max_line(in, o->max_line);
	while (input_next(in, &rec)) {
		if ((record = jl_decode(&rec, reason, sizeof(reason))) ==
		    NULL) {
			input_reject(in, &rec, "%s", reason);
			continue;
		}
		v = json_object_get(record, "HostIp");
		if (!json_is_object(record) || (host = json_string_value(v)) ==
		    NULL)
			input_reject(in, &rec, "no HostIp string");
		/* the string's own length: "203.0.113.1\u0000x" is no address */
		else if (ip_parse_host(host, json_string_length(v), &c) == -1)
			reject_host(in, &rec, host, json_string_length(v));
		else {
			if ((refused = vet(o, &c, why, sizeof(why))) != NULL)
				log_warn(jl_where(&rec), "%s: refused: %s", host,
				    refused);
			add_entry(o, es, &rec, &c);
		}
		json_decref(record);
	}
	es->rejected = input_rejected(in);
	es->unread = input_errors(in);
	input_free(in);
}

/*
 * What the input allows: NULL, or why nothing may be changed. A mode that
 * unblocks what the input does not name must have all of it.
 */
static char *
refusal(const struct options *o, const struct entries *es, size_t usable)
{
	char	*s = NULL, rej[64] = "", unread[64] = "";

	if (o->mode != NFW_REPLACE)
		return NULL;
	if (!o->allow_partial && (es->rejected > 0 || es->unread > 0)) {
		if (es->rejected > 0)
			snprintf(rej, sizeof(rej), "%lu record%s rejected",
			    es->rejected, es->rejected == 1 ? "" : "s");
		if (es->unread > 0)
			snprintf(unread, sizeof(unread), "%s%lu file%s not "
			    "read to the end", es->rejected > 0 ? ", " : "",
			    es->unread, es->unread == 1 ? "" : "s");
		xasprintf(&s, "--replace: the input is not whole (%s%s): "
		    "nothing changed, as what it lost would be unblocked "
		    "(use --allow-partial to replace with what was read)",
		    rej, unread);
	} else if (!o->allow_empty && usable == 0)
		s = xstrdup("--replace with no address to block would "
		    "unblock everything: refused (use --allow-empty if that "
		    "is what you want)");
	return s;
}

/* Addresses the rails let through. */
static size_t
count_usable(const struct options *o, const struct entries *es,
    const int *families)
{
	char	 why[IP_STRLEN + 64];
	size_t	 i, n = 0;

	for (i = 0; i < es->n; i++)
		if (vet(o, &es->v[i].block, why, sizeof(why)) == NULL &&
		    (families == NULL ||
		    families[es->v[i].block.addr.family == 6]))
			n++;
	return n;
}

/* --- calls ---------------------------------------------------------------- */

/* The set's name once read, else how it was named. */
static const char *
label(const struct target *t)
{
	return t->set != NULL ? waf_ipset_name(t->set) : t->given;
}

/* What a call's failure does to the target. */
static void
call_failed(struct target *t, const struct aws_error *err, const char *op)
{
	char	 buf[1024];

	t->error = xstrdup(aws_error_format(err, &aws_wafv2, op, buf,
	    sizeof(buf)));
	t->config_error = err->config_error;
}

/* ListIPSets until the name turns up: 0, or -1 and t->error. */
static int
find_id(struct aws_ctx *aws, struct target *t)
{
	struct aws_error err;
	json_t		*req, *resp;
	const char	*id, *next;
	char		*marker = NULL, *cause;
	int		 page, found = 0;

	for (page = 0; page < LIST_PAGES && found == 0; page++) {
		req = json_pack("{s:s, s:i}", "Scope",
		    waf_scope_name(t->scope), "Limit", 100);
		if (marker != NULL)
			json_object_set_new(req, "NextMarker",
			    json_string(marker));
		if (aws_call(aws, &aws_wafv2, "ListIPSets", req, &resp,
		    &err) == -1) {
			json_decref(req);
			call_failed(t, &err, "ListIPSets");
			break;
		}
		json_decref(req);
		if ((found = waf_list_find(resp, t->ref.name, &id, &next,
		    &cause)) == 1)
			t->ref.id = xstrdup(id);
		else if (found == -1)
			t->error = cause;
		else if (next == NULL || (marker != NULL &&
		    strcmp(next, marker) == 0))
			found = -1;	/* the end, or the same page again */
		free(marker);
		marker = found == 0 ? xstrdup(next) : NULL;
		json_decref(resp);
	}
	free(marker);
	if (t->ref.id != NULL)
		return 0;
	if (t->error == NULL)
		xasprintf(&t->error, "no IP set %s of scope %s in %s",
		    t->ref.name, waf_scope_name(t->scope), aws_region(aws));
	return -1;
}

/* The GetIPSet answer, from the service or the saved file. */
static json_t *
get_answer(struct aws_ctx *aws, struct target *t)
{
	struct aws_error err;
	json_error_t	 jerr;
	json_t		*req, *resp = NULL;

	if (t->get_file != NULL) {
		if ((resp = json_load_file(t->get_file, 0, &jerr)) == NULL)
			xasprintf(&t->error, "%s:%d: %s", t->get_file,
			    jerr.line, jerr.text);
		return resp;
	}
	if (t->ref.id == NULL && find_id(aws, t) == -1)
		return NULL;
	req = json_pack("{s:s, s:s, s:s}", "Name", t->ref.name, "Scope",
	    waf_scope_name(t->scope), "Id", t->ref.id);
	if (aws_call(aws, &aws_wafv2, "GetIPSet", req, &resp, &err) == -1)
		call_failed(t, &err, "GetIPSet");
	json_decref(req);
	return resp;
}

/* A saved answer's ARN says its scope. */
static void
file_scope(struct target *t, const json_t *resp)
{
	struct waf_ref	 ref;
	const char	*arn;
	char		*cause = NULL;

	arn = json_string_value(json_object_get(json_object_get(resp,
	    "IPSet"), "ARN"));
	if (arn != NULL && waf_ref_parse(arn, &ref, &cause) == 0) {
		t->scope = ref.scope;
		waf_ref_free(&ref);
	} else
		free(cause);
}

/*
 * Read the IP set: 0, or -1 with t->error. The set of an earlier round
 * stays when this one cannot read it: it is the last state known.
 */
static int
get_set(struct aws_ctx *aws, struct target *t)
{
	struct waf_ipset *s;
	json_t		*resp;
	char		*cause;

	if ((resp = get_answer(aws, t)) == NULL)
		return -1;
	if (t->get_file != NULL)
		file_scope(t, resp);
	s = waf_ipset_from_get(resp, t->scope, &cause);
	json_decref(resp);
	if (s == NULL) {
		xasprintf(&t->error, "%s: %s", t->given, cause);
		free(cause);
		return -1;
	}
	waf_ipset_free(t->set);
	t->set = s;
	return 0;
}

/* Update with the plan; 1 done, 0 stale lock token, -1 error. */
static int
update(struct aws_ctx *aws, struct target *t)
{
	struct aws_error err;
	json_t		*req, *resp = NULL;
	int		 r;

	req = waf_plan_request(t->plan, t->set);
	r = aws_call(aws, &aws_wafv2, "UpdateIPSet", req, &resp, &err);
	json_decref(req);
	json_decref(resp);
	if (r == 0)
		return 1;
	if (strcmp(err.type, "WAFOptimisticLockException") == 0)
		return 0;
	call_failed(t, &err, "UpdateIPSet");
	return -1;
}

static char *
limit_error(const struct target *t)
{
	char	*s;

	xasprintf(&s, "%s: too many addresses: %zu CIDR blocks, more than "
	    "the %d an IP set holds: nothing changed; prune addresses or "
	    "aggregate them upstream", label(t), t->plan->nblocks,
	    WAF_MAX_ADDRESSES);
	return s;
}

/* Plan against the set read; 1 when there is nothing to send. */
static int
plan(const struct options *o, struct target *t, const struct nfw_set *input)
{
	waf_plan_free(t->plan);
	t->plan = waf_plan_new(t->set, o->mode, input, &o->rails);
	log_info(label(t), "%s: %zu blocks (at most %d), %zu before",
	    nfw_mode_name(o->mode), t->plan->nblocks, WAF_MAX_ADDRESSES,
	    waf_ipset_entries(t->set));
	if (!t->plan->changed) {
		log_info(label(t), "no change: UpdateIPSet not called");
		t->applied = 1;
		return 1;
	}
	if (!t->plan->fits) {
		t->error = limit_error(t);
		return 1;
	}
	return o->dry_run;
}

static void
sync_set(struct aws_ctx *aws, const struct options *o, struct target *t,
    const struct nfw_set *input)
{
	struct http_retry retry;
	int		 attempt, r;

	http_retry_init(&retry);
	for (attempt = 1; attempt <= LOCK_ATTEMPTS; attempt++) {
		if (attempt > 1 && get_set(aws, t) == -1)
			return;
		if (plan(o, t, input))
			return;
		if ((r = update(aws, t)) != 0) {
			t->applied = t->called = r == 1;
			return;
		}
		log_info("UpdateIPSet", "WAFOptimisticLockException: the IP set "
		    "changed since it was read; reading it again");
		http_sleep_ms(http_retry_delay(&retry, attempt));
	}
	xasprintf(&t->error, "UpdateIPSet: WAFOptimisticLockException: "
	    "retried %d times, giving up", LOCK_ATTEMPTS);
}

/* --- the run -------------------------------------------------------------- */

/* The set of each version, or NULL. */
static struct target *
target_of(struct options *o, int family)
{
	int	 i;

	for (i = 0; i < o->nsets; i++)
		if (o->t[i].set != NULL &&
		    waf_ipset_family(o->t[i].set) == family)
			return &o->t[i];
	return NULL;
}

static void
fail_all(struct options *o, const char *why, int config_error)
{
	int	 i;

	for (i = 0; i < o->nsets; i++)
		if (o->t[i].error == NULL) {
			o->t[i].error = xstrdup(why);
			o->t[i].config_error = config_error;
		}
}

/* Two sets of one version are one too many (a usage error): 0 or -1. */
static int
check_versions(struct options *o)
{
	char	*why;

	if (o->nsets < 2 || o->t[0].set == NULL || o->t[1].set == NULL ||
	    waf_ipset_family(o->t[0].set) != waf_ipset_family(o->t[1].set))
		return 0;
	xasprintf(&why, "%s and %s are both %s sets: name one IPv4 and one "
	    "IPv6 set", o->t[0].given, o->t[1].given,
	    waf_ipset_version(o->t[0].set));
	fail_all(o, why, 1);
	free(why);
	/* neither is changed, and no record says more than nobody knows */
	waf_ipset_free(o->t[0].set);
	waf_ipset_free(o->t[1].set);
	o->t[0].set = o->t[1].set = NULL;
	return -1;
}

/* Why an address of no named set's version is not planned. */
static const char *
version_refusal(struct options *o, const struct ip_addr *a, char *why,
    size_t len)
{
	int	 i;

	if (target_of(o, a->family) != NULL)
		return NULL;
	for (i = 0; i < o->nsets; i++)
		if (o->t[i].set == NULL)
			return NULL;	/* it may have been this one */
	/* one set read, of the other version (two are one of each) */
	snprintf(why, len, "an IPv%d address, and the IP set %s holds IPv%d "
	    "addresses only", a->family, o->t[0].given,
	    waf_ipset_family(o->t[0].set));
	return why;
}

/* The input of each version's set; version refusals warned about. */
static void
route(struct options *o, const struct entries *es, struct nfw_set *input,
    int *families)
{
	const struct entry *e;
	char		 why[IP_STRLEN + 160], text[IP_STRLEN];
	size_t		 i;

	nfw_set_init(&input[0]);
	nfw_set_init(&input[1]);
	families[0] = target_of(o, 4) != NULL;
	families[1] = target_of(o, 6) != NULL;
	for (i = 0; i < es->n; i++) {
		e = &es->v[i];
		if (vet(o, &e->block, why, sizeof(why)) != NULL)
			continue;	/* warned about as it was read */
		if (version_refusal(o, &e->block.addr, why, sizeof(why)) !=
		    NULL) {
			log_warn(e->where, "%s: refused: %s",
			    block_text(&e->block, text), why);
			continue;
		}
		nfw_set_add_cidr(&input[e->block.addr.family == 6], &e->block);
	}
	nfw_set_normalise(&input[0]);
	nfw_set_normalise(&input[1]);
}

/* --verbose: where the calls go, and the region they are signed for. */
static void
trace_endpoint(struct aws_ctx *aws)
{
	char	*url, *cause = NULL;

	if ((url = aws_endpoint(aws, &aws_wafv2, &cause)) == NULL) {
		free(cause);
		return;		/* the first call says what is wrong */
	}
	log_info(NULL, "calling %s, signed for %s", url, aws_region(aws));
	free(url);
}

static void
run(struct options *o, const struct entries *es)
{
	struct aws_ctx	*aws = NULL;
	struct nfw_set	 input[2];
	struct target	*t;
	char		*cause;
	int		 i, families[2];

	if ((cause = refusal(o, es, count_usable(o, es, NULL))) != NULL)
		goto refused;
	if (o->nfiles == 0 && (aws = aws_new(&o->aws, &cause)) == NULL)
		fatal_usage(NULL, "%s", cause);
	if (aws != NULL)
		trace_endpoint(aws);
	for (i = 0; i < o->nsets; i++)
		(void)get_set(aws, &o->t[i]);
	if (check_versions(o) == -1) {
		aws_free(aws);
		return;
	}
	route(o, es, input, families);
	if ((cause = refusal(o, es, count_usable(o, es, families))) != NULL) {
		nfw_set_free(&input[0]);
		nfw_set_free(&input[1]);
		goto refused;
	}
	for (i = 0; i < o->nsets; i++) {
		t = &o->t[i];
		if (t->set != NULL)
			sync_set(aws, o, t, &input[waf_ipset_family(t->set) ==
			    6]);
	}
	nfw_set_free(&input[0]);
	nfw_set_free(&input[1]);
	aws_free(aws);
	return;
refused:
	fail_all(o, cause, 0);
	free(cause);
	aws_free(aws);
}

/* --- what the rails found ------------------------------------------------- */

static void
warn_cleaned(const struct options *o, const struct target *t)
{
	const char	*what;
	char		 text[IP_STRLEN];
	size_t		 i;

	if (t->plan == NULL)
		return;
	if (t->called)
		what = "removed from the IP set";
	else if (o->dry_run && t->error == NULL)
		what = "would be removed from the IP set";
	else
		what = "still in the IP set";
	for (i = 0; i < t->plan->ncleaned; i++)
		log_warn(label(t), "%s: %s: %s", what, ip_format_cidr(
		    &t->plan->cleaned[i].block, text),
		    t->plan->cleaned[i].reason);
}

/* [{"Block": ..., "Reason": ...}] */
static json_t *
cleaned_json(const struct waf_plan *p)
{
	json_t	*a = json_array();
	char	 text[IP_STRLEN];
	size_t	 i;

	for (i = 0; i < p->ncleaned; i++)
		json_array_append_new(a, json_pack("{s:s, s:s}", "Block",
		    ip_format_cidr(&p->cleaned[i].block, text), "Reason",
		    p->cleaned[i].reason));
	return a;
}

/* --- output --------------------------------------------------------------- */

static json_t *
summary(const struct options *o, const struct target *t)
{
	const struct waf_plan *p = t->plan;
	json_t	*s;
	int	 done = t->applied || (o->dry_run && t->error == NULL);

	s = json_pack("{s:s}", "IPSet", t->set != NULL &&
	    waf_ipset_arn(t->set) != NULL ? waf_ipset_arn(t->set) :
	    t->given);
	if (t->set != NULL) {
		json_object_set_new(s, "Name",
		    json_string(waf_ipset_name(t->set)));
		json_object_set_new(s, "Scope",
		    json_string(waf_scope_name(waf_ipset_scope(t->set))));
		json_object_set_new(s, "IPAddressVersion",
		    json_string(waf_ipset_version(t->set)));
	}
	json_object_set_new(s, "Mode", json_string(nfw_mode_name(o->mode)));
	if (p != NULL) {
		json_object_set_new(s, "Added",
		    json_integer(done ? nfw_set_count(&p->added) : 0));
		json_object_set_new(s, "Removed",
		    json_integer(done ? nfw_set_count(&p->removed) : 0));
		json_object_set_new(s, "Total", json_integer(nfw_set_count(
		    done ? &p->blocked : waf_ipset_blocked(t->set))));
		json_object_set_new(s, "Blocks", json_integer(p->nblocks));
		json_object_set_new(s, "Limit",
		    json_integer(WAF_MAX_ADDRESSES));
	}
	json_object_set_new(s, "Changed", json_boolean(o->dry_run && p !=
	    NULL ? p->changed : t->called));
	json_object_set_new(s, "DryRun", json_boolean(o->dry_run));
	if (t->error != NULL)
		json_object_set_new(s, "Error", json_string(t->error));
	if (p != NULL && done && p->ncleaned > 0)
		json_object_set_new(s, "Cleaned", cleaned_json(p));
	return s;
}

static json_t *
dry_run_plan(const struct options *o, const struct target *t)
{
	const struct waf_plan *p = t->plan;
	json_t	*s = summary(o, t);

	if (p == NULL)
		return s;
	json_object_set_new(s, "AddedBlocks", nfw_set_json(&p->added));
	json_object_set_new(s, "RemovedBlocks", nfw_set_json(&p->removed));
	json_object_set_new(s, "UpdateIPSet", p->changed && p->fits &&
	    t->error == NULL ? waf_plan_request(p, t->set) : json_null());
	return s;
}

/* Why a set could not be read. */
static const char *
unread_error(const struct options *o)
{
	int	 i;

	for (i = 0; i < o->nsets; i++)
		if (o->t[i].set == NULL && o->t[i].error != NULL)
			return o->t[i].error;
	return NULL;
}

/*
 * Mark a record with what happened to its address or block (Blocked
 * while the set holds any address of it). Blocked is false only
 * when the set, after a run that succeeded or had nothing to do, does not
 * hold it; null when nobody knows (the set could not be read or changed,
 * or no set of the address's version is named).
 */
static void
mark(struct options *o, json_t *record, const struct ip_cidr *c)
{
	const struct target *t = target_of(o, c->addr.family);
	const struct nfw_set *now;
	const char	*reason, *refused;
	char		 why[IP_STRLEN + 160];
	int		 before, after;

	if ((refused = vet(o, c, why, sizeof(why))) == NULL)
		refused = version_refusal(o, &c->addr, why, sizeof(why));
	reason = refused;
	if (t == NULL) {	/* unread, or no set of its version */
		json_object_set_new(record, "Blocked", json_null());
		if (o->mode == NFW_REMOVE)
			json_object_set_new(record, "Unblocked",
			    json_false());
		if (reason == NULL)
			reason = unread_error(o);
		goto out;
	}
	before = nfw_set_overlaps(waf_ipset_blocked(t->set), c);
	now = t->applied ? &t->plan->blocked : waf_ipset_blocked(t->set);
	after = nfw_set_overlaps(now, c);
	if (reason == NULL)
		reason = t->error;
	json_object_set_new(record, "Blocked", after ? json_true() :
	    t->error != NULL ? json_null() : json_false());
	if (o->mode == NFW_REMOVE) {
		json_object_set_new(record, "Unblocked",
		    json_boolean(before && !after));
		if (before && !after)
			reason = NULL;
		else if (reason == NULL)
			reason = "not blocked";
	} else if (after && t->error == NULL && refused == NULL)
		reason = NULL;	/* a refused block may be blocked in part */
	else if (reason == NULL)
		reason = "not blocked";
out:
	if (reason != NULL)
		json_object_set_new(record, "Reason", json_string(reason));
}

/* One record per block the rails took out of (or found in) a set. */
static int
write_cleaned(const struct target *t, struct jl_writer *w)
{
	const struct waf_plan *p = t->plan;
	json_t		*rec;
	char		 text[IP_STRLEN], *reason;
	size_t		 i;
	int		 r = 0;

	for (i = 0; p != NULL && i < p->ncleaned && r == 0; i++) {
		if (t->applied)
			reason = xstrdup(p->cleaned[i].reason);
		else
			xasprintf(&reason, "%s: not removed: %s",
			    p->cleaned[i].reason, t->error);
		rec = json_pack("{s:s, s:b, s:b, s:s, s:b}", "HostIp",
		    block_text(&p->cleaned[i].block, text), "Blocked",
		    !t->applied, "Unblocked", t->applied, "Reason", reason,
		    "Cleaned", 1);
		r = jl_write(w, rec);
		json_decref(rec);
		free(reason);
	}
	return r;
}

static int
write_records(struct options *o, const struct entries *es,
    struct jl_writer *w)
{
	json_t	*record;
	size_t	 i;
	int	 r = 0;

	for (i = 0; i < es->n && r == 0; i++) {
		/* read once already: it decodes again */
		if ((record = json_loadb(es->v[i].text, es->v[i].len,
		    JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL)) == NULL)
			fatal(es->v[i].where, "the record does not read back");
		mark(o, record, &es->v[i].block);
		r = jl_write(w, record);
		json_decref(record);
	}
	for (i = 0; i < (size_t)o->nsets && r == 0; i++)
		r = write_cleaned(&o->t[i], w);
	return r;
}

static void
write_output(struct options *o, const struct entries *es)
{
	struct jl_writer *w = jl_writer_new(1, "<stdout>");
	json_t		*s;
	int		 i, r = 0;

	for (i = 0; i < o->nsets; i++)
		warn_cleaned(o, &o->t[i]);
	if (o->dry_run || o->summary)
		for (i = 0; i < o->nsets && r == 0; i++) {
			s = o->dry_run ? dry_run_plan(o, &o->t[i]) :
			    summary(o, &o->t[i]);
			r = jl_write(w, s);
			json_decref(s);
		}
	else
		r = write_records(o, es, w);
	if (jl_writer_free(w) == -1 || r == -1)
		log_error("<stdout>", "write error");
}

/* --- main ----------------------------------------------------------------- */

static void
free_all(struct options *o, struct opt_result *args, struct entries *es)
{
	size_t	 i;
	int	 k;

	for (i = 0; i < es->n; i++) {
		free(es->v[i].text);
		free(es->v[i].where);
	}
	free(es->v);
	for (k = 0; k < MAX_SETS; k++) {
		waf_ref_free(&o->t[k].ref);
		waf_ipset_free(o->t[k].set);
		waf_plan_free(o->t[k].plan);
		free(o->t[k].error);
		if (o->t[k].get_file == NULL)
			free((char *)o->t[k].given);
	}
	ip_list_free(&o->allow);
	opt_result_free(args);
}

int
main(int argc, char **argv)
{
	struct options	 o;
	struct opt_result args;
	struct entries	 es;
	char		*cause;
	int		 i;

	log_init("waf-sync");
	/* it holds an AWS secret */
	if (no_core_dumps(&cause) != 0)
		fatal(NULL, "%s", cause);
	parse_options(argc, argv, &o, &args);
	if (o.allowlist != NULL && ip_list_load(&o.allow, o.allowlist,
	    &cause) == -1)
		fatal_usage(NULL, "%s", cause);
	o.rails.allowlist = &o.allow;
	o.rails.allow_private = o.allow_private;
	memset(&es, 0, sizeof(es));
	read_input(&o, args.operands, args.noperands, &es);
	run(&o, &es);
	for (i = 0; i < o.nsets; i++)	/* one refusal of both, once */
		if (o.t[i].error != NULL && (i == 0 || o.t[0].error == NULL ||
		    strcmp(o.t[0].error, o.t[i].error) != 0))
			log_msg(o.t[i].config_error ? LOG_USAGE : LOG_ERROR,
			    NULL, "%s", o.t[i].error);
	write_output(&o, &es);
	free_all(&o, &args, &es);
	log_close_stdout();
	return log_exit_status();
}
