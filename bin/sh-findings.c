/*
 * sh-findings: findings straight from the source: Security Hub or
 * GuardDuty with a cursor (every new or updated finding once, across runs),
 * or an SQS queue drained with delete-on-success; once, or followed.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "aws.h"
#include "clk.h"
#include "cursor.h"
#include "jl.h"
#include "log.h"
#include "opt.h"
#include "src.h"
#include "util.h"
#include "version.h"

#define DEFAULT_SINCE		(24 * 3600)
#define DEFAULT_OVERLAP		(10 * 60)
#define DEFAULT_INTERVAL	30
#define DEFAULT_MAX_RECEIVES	5
#define SQS_MAX_WAIT		20
#define END_SLACK_MS		(3600 * 1000LL)	/* clocks that run ahead */

enum source { SRC_SECURITYHUB, SRC_GUARDDUTY, SRC_SQS };

struct options {
	enum source	 source;
	const char	*queue;		/* sqs:URL */
	const char	*filters;
	int		 ocsf;
	int		 events;
	int		 follow;
	const char	*state;
	const char	*exec;
	const char	*rejects;
	int64_t		 since;		/* seconds */
	int64_t		 overlap;
	int64_t		 interval;
	long		 max_receives;
	int		 wait;		/* -1: 20 following, 1 draining */
	long		 visibility;	/* -1: the queue's */
	const char	**regions;
	size_t		 nregions;
	const char	*config_region;	/* region of the configuration file */
	const char	*profile;
};

/* A Region read from, and its connection. */
struct target {
	char		*region;
	struct aws_ctx	*aws;
};

/* One batch of lines to deliver, newline-terminated. */
struct batch {
	struct buf	 text;
	size_t		 n;
};

/* Called while a pipeline runs (SQS: keep its messages invisible). */
struct heartbeat {
	void		(*fn)(void *);
	void		*arg;
	long		 every_ms;
};

struct run {
	const struct options *o;
	struct cursor	*cursor;
	json_t		*filters;	/* Security Hub filters or GuardDuty
					   criteria */
	struct jl_writer *out;
	int		 out_failed;
	int		 rejects_fd;
	struct target	*targets;
	size_t		 ntargets;
	int		 auto_regions;	/* no --region: skip where disabled */
	unsigned long	 passed;	/* findings or events passed on */
};

static volatile sig_atomic_t stopping;

/* The Regions of the aws partition, for "every Region where enabled". */
static const char *all_regions[] = {
	"us-east-1", "us-east-2", "us-west-1", "us-west-2", "af-south-1",
	"ap-east-1", "ap-east-2", "ap-south-1", "ap-south-2",
	"ap-southeast-1", "ap-southeast-2", "ap-southeast-3",
	"ap-southeast-4", "ap-southeast-5", "ap-southeast-7",
	"ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
	"ca-central-1", "ca-west-1", "eu-central-1", "eu-central-2",
	"eu-west-1", "eu-west-2", "eu-west-3", "eu-south-1", "eu-south-2",
	"eu-north-1", "il-central-1", "me-south-1", "me-central-1",
	"mx-central-1", "sa-east-1"
};

static int64_t
parse_duration(const char *opt, const char *arg)
{
	int64_t	 secs;
	char	*cause;

	if (clk_parse_duration(arg, &secs, &cause) == -1)
		fatal_usage(opt, "%s", cause);
	return secs;
}

static long
parse_number(const char *opt, const char *arg, long min, long max)
{
	char	*end;
	long	 n;

	errno = 0;
	n = strtol(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || n < min || n > max)
		fatal_usage(opt, "%s: want a number from %ld to %ld", arg, min,
		    max);
	return n;
}

static void
parse_source(struct options *o, const char *arg, const char *where)
{
	if (strcmp(arg, "securityhub") == 0)
		o->source = SRC_SECURITYHUB;
	else if (strcmp(arg, "guardduty") == 0)
		o->source = SRC_GUARDDUTY;
	else if (strncmp(arg, "sqs:", 4) == 0 && (strncmp(arg + 4,
	    "https://", 8) == 0 || strncmp(arg + 4, "http://", 7) == 0)) {
		o->source = SRC_SQS;
		o->queue = arg + 4;
	} else
		fatal_usage(where, "%s: want securityhub, guardduty or "
		    "sqs:QUEUE_URL", arg);
}

/* What makes no sense together. */
static void
check_options(const struct options *o)
{
	if (o->source == SRC_SQS) {
		if (o->state != NULL || o->filters != NULL || o->ocsf ||
		    o->since >= 0 || o->overlap >= 0)
			fatal_usage(NULL, "--state, --since, --overlap, "
			    "--filters and --ocsf are for securityhub and "
			    "guardduty (a queue is its own cursor)");
		if (o->nregions > 1)
			fatal_usage("--region", "a queue is in one region");
		return;
	}
	if (o->max_receives >= 0 || o->wait >= 0 || o->visibility >= 0)
		fatal_usage(NULL, "--max-receives, --wait and "
		    "--visibility-timeout are for sqs:QUEUE_URL");
	if (o->ocsf && o->source != SRC_SECURITYHUB)
		fatal_usage("--ocsf", "only Security Hub has OCSF findings");
}

enum { O_SOURCE = 1, O_FILTERS, O_OCSF, O_EVENTS, O_STATE, O_SINCE,
    O_OVERLAP, O_FOLLOW, O_INTERVAL, O_EXEC, O_REJECTS, O_MAX_RECEIVES,
    O_WAIT, O_VISIBILITY, O_REGION, O_PROFILE };

static const struct opt options[] = {
	{ "source", 0, "SOURCE",
	    "securityhub (default), guardduty or sqs:QUEUE_URL", NULL, 0,
	    OPT_ID(O_SOURCE) },
	{ "filters", 0, "FILE", "Security Hub filters or GuardDuty criteria, "
	    "as the AWS CLI takes them", NULL, 0, OPT_ID(O_FILTERS) },
	{ "ocsf", 0, NULL, "Security Hub's GetFindingsV2: OCSF findings",
	    NULL, 0, OPT_ID(O_OCSF) },
	{ "events", 'e', NULL,
	    "wrap each finding in the event EventBridge delivers", NULL, 0,
	    OPT_ID(O_EVENTS) },
	{ "state", 0, "FILE", "keep the cursor in FILE across runs", NULL, 0,
	    OPT_ID(O_STATE) },
	{ "since", 0, "DURATION",
	    "where a region without a cursor starts (24h ago)", NULL, 0,
	    OPT_ID(O_SINCE) },
	{ "overlap", 0, "DURATION",
	    "read again this far before the cursor (10m)", NULL, 0,
	    OPT_ID(O_OVERLAP) },
	{ "follow", 'f', NULL, "keep reading, like tail -f", NULL, 0,
	    OPT_ID(O_FOLLOW) },
	{ "interval", 0, "DURATION",
	    "the pause between reads when following (30s)", NULL, 0,
	    OPT_ID(O_INTERVAL) },
	{ "exec", 0, "PIPELINE",
	    "run PIPELINE on each batch; it counts once PIPELINE exits 0",
	    NULL, 0, OPT_ID(O_EXEC) },
	{ "rejects", 0, "FILE",
	    "append poison SQS messages to FILE, byte for byte", NULL, 0,
	    OPT_ID(O_REJECTS) },
	{ "max-receives", 0, "N",
	    "an SQS message received more than N times is poison (5)", NULL,
	    0, OPT_ID(O_MAX_RECEIVES) },
	{ "wait", 0, "SECONDS",
	    "the long-poll wait of each SQS receive (20, draining 1)", NULL, 0,
	    OPT_ID(O_WAIT) },
	{ "visibility-timeout", 0, "SECONDS",
	    "hide received messages this long (the queue's)", NULL, 0,
	    OPT_ID(O_VISIBILITY) },
	{ "region", 0, "REGION",
	    "read this region (repeatable; default: every enabled one)",
	    "region", 0, OPT_ID(O_REGION) },
	{ "profile", 0, "NAME", "the AWS profile", "profile", 0,
	    OPT_ID(O_PROFILE) },
	OPT_COMMON,
	OPT_END
};

static const struct opt_prog prog = {
	"sh-findings",
"usage: sh-findings [--source securityhub|guardduty|sqs:QUEUE_URL]\n"
"                   [--filters FILE] [--ocsf] [-e] [--state FILE]\n"
"                   [--since DURATION] [--overlap DURATION]\n"
"                   [-f [--interval DURATION]] [--exec PIPELINE]\n"
"                   [--rejects FILE] [--max-receives N] [--wait SECONDS]\n"
"                   [--visibility-timeout SECONDS] [--region REGION ...]\n"
"                   [--profile NAME] [-q] [--verbose]\n",
	options, NULL
};

static void
on_option(void *arg, int id, const char *value, const char *where)
{
	struct options	*o = arg;

	switch (id) {
	case O_SOURCE:
		parse_source(o, value, where);
		break;
	case O_FILTERS:
		o->filters = value;
		break;
	case O_OCSF:
		o->ocsf = 1;
		break;
	case O_EVENTS:
		o->events = 1;
		break;
	case O_STATE:
		o->state = value;
		break;
	case O_SINCE:
		o->since = parse_duration(where, value);
		break;
	case O_OVERLAP:
		o->overlap = parse_duration(where, value);
		break;
	case O_FOLLOW:
		o->follow = 1;
		break;
	case O_INTERVAL:
		if ((o->interval = parse_duration(where, value)) < 1)
			fatal_usage(where, "at least 1s");
		break;
	case O_EXEC:
		o->exec = value;
		break;
	case O_REJECTS:
		o->rejects = value;
		break;
	case O_MAX_RECEIVES:
		o->max_receives = parse_number(where, value, 1, 1000);
		break;
	case O_WAIT:
		o->wait = (int)parse_number(where, value, 0, SQS_MAX_WAIT);
		break;
	case O_VISIBILITY:
		o->visibility = parse_number(where, value, 1, 43200);
		break;
	case O_REGION:
		if (*where != '-') {	/* the configuration's: the default */
			o->config_region = value;
			break;
		}
		o->regions = xreallocarray(o->regions, o->nregions + 1,
		    sizeof(*o->regions));
		o->regions[o->nregions++] = value;
		break;
	case O_PROFILE:
		o->profile = value;
		break;
	}
}

static void
parse_options(int argc, char **argv, struct options *o,
    struct opt_result *res)
{
	memset(o, 0, sizeof(*o));
	o->since = o->overlap = o->interval = -1;
	o->max_receives = o->visibility = -1;
	o->wait = -1;
	opt_parse(&prog, argc, argv, on_option, o, res);
	if (res->noperands > 0)
		fatal_usage(res->operands[0], "sh-findings reads no files");
	check_options(o);
}

/* --- signals and sleeping ------------------------------------------------- */

static void
on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

static void
setup_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleep ms, or until a stop is asked for. */
static void
nap(int64_t ms)
{
	int64_t until = now_ms() + ms, left;
	struct timespec ts;

	while (!stopping && (left = until - now_ms()) > 0) {
		if (left > 100)
			left = 100;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)left * 1000000;
		nanosleep(&ts, NULL);
	}
}

/* --- delivery ------------------------------------------------------------- */

static void
batch_add(struct batch *b, const char *text, size_t len)
{
	buf_add(&b->text, text, len);
	buf_addc(&b->text, '\n');
	b->n++;
}

static void
batch_add_json(struct batch *b, const json_t *v)
{
	char	*s;

	s = json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(15));
	batch_add(b, s, strlen(s));
	free(s);
}

static void
batch_clear(struct batch *b)
{
	buf_reset(&b->text);
	b->n = 0;
}

static int
write_lines(struct run *r, const struct batch *b)
{
	const char *p = b->text.data, *e = p + b->text.len, *nl;

	for (; p < e; p = nl + 1) {
		nl = memchr(p, '\n', e - p);
		if (jl_write_raw(r->out, p, nl - p) == -1)
			goto fail;
	}
	if (jl_writer_flush(r->out) == -1)
		goto fail;
	return 0;
fail:
	log_error("stdout", "%s", strerror(errno));
	r->out_failed = 1;
	return -1;
}

/* The batch on a temporary file, so that a pipeline that is slow to
 * read never blocks us (the heartbeat goes on). */
static int
batch_file(const struct batch *b)
{
	char	 path[] = "/tmp/sh-findings.XXXXXX";
	size_t	 off = 0;
	ssize_t	 n;
	int	 fd;
	const char *dir = getenv("TMPDIR");
	char	*p = NULL;

	if (dir != NULL && *dir != '\0')
		xasprintf(&p, "%s/sh-findings.XXXXXX", dir);
	if ((fd = mkstemp(p != NULL ? p : path)) == -1) {
		free(p);
		return -1;
	}
	unlink(p != NULL ? p : path);
	free(p);
	while (off < b->text.len) {
		if ((n = write(fd, b->text.data + off, b->text.len - off)) ==
		    -1) {
			if (errno == EINTR)
				continue;
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	if (lseek(fd, 0, SEEK_SET) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
run_pipeline(struct run *r, const struct batch *b, struct heartbeat *hb)
{
	pid_t	 pid;
	int	 fd, status;
	int64_t	 next_beat;

	if ((fd = batch_file(b)) == -1) {
		log_error("--exec", "temporary file: %s", strerror(errno));
		return -1;
	}
	if (jl_writer_flush(r->out) == -1) {
		close(fd);
		return -1;
	}
	if ((pid = fork()) == -1) {
		log_error("--exec", "fork: %s", strerror(errno));
		close(fd);
		return -1;
	}
	if (pid == 0) {
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		if (dup2(fd, STDIN_FILENO) == -1)
			_exit(126);
		close(fd);
		execl("/bin/sh", "sh", "-c", r->o->exec, (char *)NULL);
		_exit(127);
	}
	close(fd);
	next_beat = hb != NULL ? now_ms() + hb->every_ms : INT64_MAX;
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			break;
		if (w == -1 && errno != EINTR) {
			log_error("--exec", "wait: %s", strerror(errno));
			return -1;
		}
		if (hb != NULL && now_ms() >= next_beat) {
			hb->fn(hb->arg);
			next_beat = now_ms() + hb->every_ms;
		}
		usleep(5000);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		log_error("--exec", "the pipeline exited %d: %zu records left "
		    "for the next run", WEXITSTATUS(status), b->n);
	else
		log_error("--exec", "the pipeline was killed by signal %d: "
		    "%zu records left for the next run", WTERMSIG(status),
		    b->n);
	return -1;
}

/* Hand a batch on: to the pipeline, or to stdout. 0 once delivered. */
static int
deliver(struct run *r, const struct batch *b, struct heartbeat *hb)
{
	if (b->n == 0)
		return 0;
	if (r->o->exec != NULL) {
		if (run_pipeline(r, b, hb) == -1)
			return -1;
	} else if (write_lines(r, b) == -1)
		return -1;
	r->passed += b->n;
	return 0;
}

/* --- regions -------------------------------------------------------------- */

static struct aws_ctx *
open_region(const struct options *o, const char *region)
{
	struct aws_options ao;
	struct aws_ctx	*aws;
	char		*cause;

	memset(&ao, 0, sizeof(ao));
	ao.profile = o->profile;
	ao.region = region != NULL ? region : o->config_region;

	if ((aws = aws_new(&ao, &cause)) == NULL)
		fatal_usage(NULL, "%s", cause);
	return aws;
}

static void
add_target(struct run *r, const char *region)
{
	size_t	 i;

	for (i = 0; i < r->ntargets; i++)
		if (strcmp(r->targets[i].region, region) == 0)
			return;
	r->targets = xreallocarray(r->targets, r->ntargets + 1,
	    sizeof(*r->targets));
	r->targets[r->ntargets].region = xstrdup(region);
	r->targets[r->ntargets].aws = open_region(r->o, region);
	r->ntargets++;
}

/* The Region an opt-in Region's calls fail in when it is not enabled. */
static int
region_disabled(const struct aws_error *err)
{
	return strcmp(err->type, "UnrecognizedClientException") == 0 ||
	    strcmp(err->type, "InvalidClientTokenId") == 0;
}

static void
report(const char *region, const struct aws_service *svc, const char *op,
    const struct aws_error *err)
{
	char	 msg[1024];

	aws_error_format(err, svc, op, msg, sizeof(msg));
	if (err->config_error)
		log_msg(LOG_USAGE, region, "%s", msg);
	else
		log_error(region, "%s", msg);
}

/* --region, else the aggregator's home Region (Security Hub), else every
 * Region of the partition (skipped where the service is not enabled). */
static void
pick_regions(struct run *r)
{
	const struct options *o = r->o;
	struct aws_ctx	*base;
	struct aws_error err;
	char		*home = NULL;
	size_t		 i;

	if (o->nregions > 0) {
		for (i = 0; i < o->nregions; i++)
			add_target(r, o->regions[i]);
		return;
	}
	base = open_region(o, NULL);
	if (o->source == SRC_SECURITYHUB) {
		if (shub_home_region(base, &home, &err) == -1) {
			report(aws_region(base), &aws_securityhub,
			    "ListFindingAggregators", &err);
			aws_free(base);
			return;
		}
		if (home != NULL) {
			log_info(home, "the finding aggregator's home region");
			add_target(r, home);
			free(home);
			aws_free(base);
			return;
		}
	}
	if (strncmp(aws_region(base), "cn-", 3) == 0 ||
	    strncmp(aws_region(base), "us-gov-", 7) == 0 ||
	    strncmp(aws_region(base), "us-iso", 6) == 0)
		add_target(r, aws_region(base));	/* another partition */
	else {
		r->auto_regions = 1;
		for (i = 0; i < sizeof(all_regions) / sizeof(*all_regions);
		    i++)
			add_target(r, all_regions[i]);
	}
	aws_free(base);
}

/* --- Security Hub and GuardDuty, with the cursor -------------------------- */

/* Add a page of findings to the batch, skipping what the cursor saw. */
static void
take_findings(struct run *r, const char *region, const json_t *findings,
    struct batch *b)
{
	const struct options *o = r->o;
	struct src_key	 k;
	json_t		*f, *ev;
	size_t		 i;
	int		 keyed;

	json_array_foreach(findings, i, f) {
		keyed = (o->source == SRC_GUARDDUTY ? gd_key(f, &k) :
		    shub_key(f, o->ocsf, &k)) == 0;
		if (keyed && cursor_seen(r->cursor, region, k.id, k.updated))
			continue;
		if (!keyed)
			log_warn(region, "a finding without an id and update "
			    "time: passed on, but not de-duplicated");
		if (o->events) {
			ev = o->source == SRC_GUARDDUTY ? gd_event(f) :
			    shub_event(f, o->ocsf);
			batch_add_json(b, ev);
			json_decref(ev);
		} else
			batch_add_json(b, f);
		if (keyed)
			cursor_mark(r->cursor, region, k.id, k.updated,
			    k.updated_ms);
	}
}

/* Deliver, then move the cursor; on failure forget the marks. */
static int
settle(struct run *r, struct batch *b)
{
	char	*cause;
	int	 rv = 0;

	if (deliver(r, b, NULL) == -1) {
		cursor_rollback(r->cursor);
		rv = -1;
	} else if (cursor_commit(r->cursor, &cause) == -1) {
		log_error("--state", "%s", cause);
		free(cause);
		rv = -1;
	}
	batch_clear(b);
	return rv;
}

static int64_t
start_ms(struct run *r, const char *region)
{
	int64_t	 ms;

	if (cursor_start(r->cursor, region, &ms))
		return ms;
	return ((int64_t)clk_now() - r->o->since) * 1000;
}

static int
pass_securityhub(struct run *r, struct target *t)
{
	const char *op = r->o->ocsf ? "GetFindingsV2" : "GetFindings";
	struct aws_error err;
	struct batch	 b;
	json_t		*findings;
	char		*token = NULL, *next;
	int64_t		 start = start_ms(r, t->region);
	int64_t		 end = (int64_t)clk_now() * 1000 + END_SLACK_MS;
	int		 rv = 0;

	memset(&b, 0, sizeof(b));
	buf_init(&b.text);
	do {
		if (shub_get_page(t->aws, r->o->ocsf, r->filters, start, end,
		    token, &findings, &next, &err) == -1) {
			if (r->auto_regions && (shub_not_enabled(&err) ||
			    region_disabled(&err)))
				log_info(t->region, "Security Hub is not "
				    "enabled here: skipped");
			else {
				report(t->region, &aws_securityhub, op, &err);
				rv = -1;
			}
			break;
		}
		free(token);
		token = next;
		take_findings(r, t->region, findings, &b);
		json_decref(findings);
		if (settle(r, &b) == -1) {
			rv = -1;
			break;
		}
	} while (token != NULL && !stopping);
	free(token);
	buf_free(&b.text);
	return rv;
}

static int
pass_detector(struct run *r, struct target *t, const char *detector)
{
	struct aws_error err;
	struct batch	 b;
	json_t		*ids, *findings;
	char		*token = NULL, *next;
	int64_t		 start = start_ms(r, t->region);
	int		 rv = 0;

	memset(&b, 0, sizeof(b));
	buf_init(&b.text);
	do {
		if (gd_list_page(t->aws, detector, r->filters, start, token,
		    &ids, &next, &err) == -1) {
			report(t->region, &aws_guardduty, "ListFindings", &err);
			rv = -1;
			break;
		}
		free(token);
		token = next;
		if (json_array_size(ids) > 0) {
			if (gd_get_findings(t->aws, detector, ids, &findings,
			    &err) == -1) {
				json_decref(ids);
				report(t->region, &aws_guardduty,
				    "GetFindings", &err);
				rv = -1;
				break;
			}
			take_findings(r, t->region, findings, &b);
			json_decref(findings);
		}
		json_decref(ids);
		if (settle(r, &b) == -1) {
			rv = -1;
			break;
		}
	} while (token != NULL && !stopping);
	free(token);
	buf_free(&b.text);
	return rv;
}

static int
pass_guardduty(struct run *r, struct target *t)
{
	struct aws_error err;
	json_t		*detectors, *d;
	size_t		 i;
	int		 rv = 0;

	if (gd_detectors(t->aws, &detectors, &err) == -1) {
		if (r->auto_regions && region_disabled(&err)) {
			log_info(t->region, "region not enabled: skipped");
			return 0;
		}
		report(t->region, &aws_guardduty, "ListDetectors", &err);
		return -1;
	}
	if (json_array_size(detectors) == 0 && !r->auto_regions)
		log_warn(t->region, "GuardDuty has no detector here");
	json_array_foreach(detectors, i, d)
		if (!stopping && pass_detector(r, t, json_string_value(d)) ==
		    -1)
			rv = -1;
	json_decref(detectors);
	return rv;
}

static void
run_cursor(struct run *r)
{
	const struct options *o = r->o;
	size_t	 i;

	for (;;) {
		for (i = 0; i < r->ntargets && !stopping && !r->out_failed;
		    i++)
			(void)(o->source == SRC_GUARDDUTY ?
			    pass_guardduty(r, &r->targets[i]) :
			    pass_securityhub(r, &r->targets[i]));
		if (!o->follow || stopping || r->out_failed)
			break;
		nap(o->interval * 1000);
	}
}

/* --- SQS ------------------------------------------------------------------ */

struct drain {
	struct run		*run;
	struct target		*t;
	long			 visibility;
	struct sqs_message	 m[SQS_BATCH];
	int			 n;
	struct sqs_message	*good[SQS_BATCH];	/* delivered together */
	int			 ngood;
	struct sqs_message	*done[SQS_BATCH];	/* to delete */
	int			 ndone;
};

/* Keep the batch's messages invisible while the pipeline runs. */
static void
extend(void *arg)
{
	struct drain	*d = arg;
	struct aws_error err;
	char		 why[128];
	int		 failed;

	if (sqs_extend(d->t->aws, d->run->o->queue, d->good, d->ngood,
	    d->visibility, &failed, why, sizeof(why), &err) == -1)
		report(d->t->region, &aws_sqs, "ChangeMessageVisibilityBatch",
		    &err);
	else if (failed > 0)
		log_warn(d->t->region, "ChangeMessageVisibilityBatch: %d of "
		    "%d messages: %s", failed, d->ngood, why);
	else
		log_debug(d->t->region, "visibility of %d messages extended "
		    "by %lds", d->ngood, d->visibility);
}

static int
keep_rejected(struct run *r, const struct sqs_message *m)
{
	size_t	 off = 0, len = m->bodylen;
	ssize_t	 n;
	char	*text;

	text = xmalloc(len + 1);
	memcpy(text, m->body, len);
	if (len == 0 || text[len - 1] != '\n')
		text[len++] = '\n';
	while (off < len) {
		if ((n = write(r->rejects_fd, text + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		off += (size_t)n;
	}
	free(text);
	if (off < len || fsync(r->rejects_fd) == -1) {
		log_error(r->o->rejects, "%s", strerror(errno));
		return -1;
	}
	return 0;
}

/* A message that cannot be delivered: kept in --rejects, then deleted. */
static void
poison(struct drain *d, struct sqs_message *m, const char *why)
{
	struct run	*r = d->run;

	if (r->rejects_fd == -1) {
		log_reject(m->message_id, "%s: left in the queue (no "
		    "--rejects)", why);
		return;
	}
	log_reject(m->message_id, "%s: moved to %s", why, r->o->rejects);
	if (keep_rejected(r, m) == 0)
		d->done[d->ndone++] = m;
}

static void
sort_batch(struct drain *d, struct batch *b)
{
	const struct options *o = d->run->o;
	json_t		*ev;
	const char	*text;
	size_t		 len;
	char		*owned, why[128], msg[192];
	int		 i;

	d->ngood = d->ndone = 0;
	for (i = 0; i < d->n; i++) {
		struct sqs_message *m = &d->m[i];

		if (sqs_event(m->body, m->bodylen, &ev, &text, &len, &owned,
		    why, sizeof(why)) == -1) {
			poison(d, m, why);
			continue;
		}
		json_decref(ev);
		if (m->receives > o->max_receives) {
			snprintf(msg, sizeof(msg), "received %ld times, more "
			    "than --max-receives %ld", m->receives,
			    o->max_receives);
			poison(d, m, msg);
		} else {
			batch_add(b, text, len);
			d->good[d->ngood++] = m;
		}
		free(owned);
	}
}

static void
delete_done(struct drain *d)
{
	struct aws_error err;
	char		 why[128];
	int		 failed;

	if (d->ndone == 0)
		return;
	if (sqs_delete(d->t->aws, d->run->o->queue, d->done, d->ndone,
	    &failed, why, sizeof(why), &err) == -1)
		report(d->t->region, &aws_sqs, "DeleteMessageBatch", &err);
	else if (failed > 0)
		log_error(d->t->region, "DeleteMessageBatch: %d of %d "
		    "messages not deleted (they will come again): %s", failed,
		    d->ndone, why);
}

/* One receive and what follows. -1 to stop draining. */
static int
drain_once(struct drain *d, struct batch *b, int wait)
{
	struct run	*r = d->run;
	struct heartbeat hb = { extend, d, 0 };
	struct aws_error err;
	int		 i, rv = 0;

	if (sqs_receive(d->t->aws, r->o->queue, wait, r->o->visibility,
	    d->m, &d->n, &err) == -1) {
		report(d->t->region, &aws_sqs, "ReceiveMessage", &err);
		if (!r->o->follow || err.config_error)
			return -1;
		nap(r->o->interval * 1000);	/* and try again */
		return 0;
	}
	if (d->n == 0)
		return r->o->follow ? 0 : -1;
	sort_batch(d, b);
	/* a third of the timeout: two chances before it runs out */
	hb.every_ms = d->visibility * 1000 / 3;
	if (deliver(r, b, d->visibility > 0 ? &hb : NULL) == 0)
		for (i = 0; i < d->ngood; i++)
			d->done[d->ndone++] = d->good[i];
	else
		rv = -1;
	delete_done(d);
	batch_clear(b);
	for (i = 0; i < d->n; i++)
		sqs_message_clear(&d->m[i]);
	d->n = 0;
	return rv == -1 && !r->o->follow ? -1 : 0;
}

static void
run_sqs(struct run *r)
{
	const struct options *o = r->o;
	struct drain	 d;
	struct batch	 b;
	struct aws_error err;
	char		*region;
	int		 wait;

	memset(&d, 0, sizeof(d));
	d.run = r;
	if (o->nregions > 0)
		add_target(r, o->regions[0]);
	else if ((region = sqs_url_region(o->queue)) != NULL) {
		add_target(r, region);
		free(region);
	} else {
		struct aws_ctx *base = open_region(o, NULL);

		add_target(r, aws_region(base));
		aws_free(base);
	}
	d.t = &r->targets[0];
	if ((d.visibility = o->visibility) < 0 && sqs_visibility(d.t->aws,
	    o->queue, &d.visibility, &err) == -1) {
		report(d.t->region, &aws_sqs, "GetQueueAttributes", &err);
		return;
	}
	wait = o->wait >= 0 ? o->wait : o->follow ? SQS_MAX_WAIT : 1;
	memset(&b, 0, sizeof(b));
	buf_init(&b.text);
	while (!stopping && !r->out_failed)
		if (drain_once(&d, &b, wait) == -1)
			break;
	buf_free(&b.text);
}

/* --- main ----------------------------------------------------------------- */

static void
load_filters(struct run *r)
{
	const struct options *o = r->o;
	char	*cause = NULL;

	if (o->source == SRC_SECURITYHUB)
		r->filters = o->filters != NULL ? shub_filters_load(o->filters,
		    o->ocsf, &cause) : shub_filters_builtin(o->ocsf);
	else
		r->filters = o->filters != NULL ? gd_criteria_load(o->filters,
		    &cause) : gd_criteria_builtin();
	if (r->filters == NULL)
		fatal_usage("--filters", "%s", cause);
}

static void
setup(struct run *r, struct options *o)
{
	char	*cause;

	if (clk_init(&cause) == -1)
		fatal_usage("SECHUB_NOW", "%s", cause);
	if (o->since < 0)
		o->since = DEFAULT_SINCE;
	if (o->overlap < 0)
		o->overlap = DEFAULT_OVERLAP;
	if (o->interval < 0)
		o->interval = DEFAULT_INTERVAL;
	if (o->max_receives < 0)
		o->max_receives = DEFAULT_MAX_RECEIVES;
	memset(r, 0, sizeof(*r));
	r->o = o;
	r->rejects_fd = -1;
	/* ours: 0600, never through a symbolic link in its place */
	if (o->rejects != NULL && (r->rejects_fd = open_private(o->rejects,
	    O_WRONLY | O_APPEND, &cause)) == -1)
		fatal_usage("--rejects", "%s", cause);
	if (o->source != SRC_SQS) {
		load_filters(r);
		if ((r->cursor = cursor_open(o->state, o->source ==
		    SRC_GUARDDUTY ? "guardduty" : "securityhub",
		    o->overlap * 1000, &cause)) == NULL)
			fatal_usage("--state", "%s", cause);
	}
	if (fcntl(STDOUT_FILENO, F_GETFD) == -1)
		fatal("stdout", "%s", strerror(errno));
	r->out = jl_writer_new(STDOUT_FILENO, "stdout");
	setup_signals();
}

static void
teardown(struct run *r)
{
	size_t	 i;

	if (jl_writer_free(r->out) == -1 && !r->out_failed)
		log_error("stdout", "%s", strerror(errno));
	for (i = 0; i < r->ntargets; i++) {
		free(r->targets[i].region);
		aws_free(r->targets[i].aws);
	}
	free(r->targets);
	cursor_free(r->cursor);
	json_decref(r->filters);
	if (r->rejects_fd != -1)
		close(r->rejects_fd);
}

int
main(int argc, char **argv)
{
	struct options	 o;
	struct opt_result res;
	struct run	 r;
	char		*cause;

	log_init("sh-findings");
	/* it holds an AWS secret */
	if (no_core_dumps(&cause) != 0)
		fatal(NULL, "%s", cause);
	parse_options(argc, argv, &o, &res);
	setup(&r, &o);
	if (o.source == SRC_SQS)
		run_sqs(&r);
	else {
		pick_regions(&r);
		run_cursor(&r);
	}
	log_info(NULL, "%lu %s passed on%s", r.passed, o.source == SRC_SQS ?
	    "events" : "findings", stopping ? " (stopped by a signal)" : "");
	teardown(&r);
	free(o.regions);
	opt_result_free(&res);
	log_close_stdout();
	return log_exit_status();
}
