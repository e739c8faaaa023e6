/*
 * slack-notify: pass records through unchanged and tell a Slack channel
 * about them: grouped over a short window, folded into digests, deduped,
 * at most one post a second, never showing the webhook URL.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clk.h"
#include "finding.h"
#include "http.h"
#include "input.h"
#include "jl.h"
#include "log.h"
#include "opt.h"
#include "slack.h"
#include "util.h"

struct options {
	const char		*rejects;
	size_t			 max_line;
	struct opt_value	 webhook_file;
	const struct conf	*conf;
	const char		*payloads;
	const char		*state;
	int			 dry_run;
	int64_t			 window_ms;	/* grouping window */
	size_t			 digest_after;
	int64_t			 dedupe_window;	/* seconds */
	long			 timeout_ms;
	unsigned int		 severities;	/* ranks to tell; 0: all */
	struct slack_template	*tpl[SLACK_NKINDS];
};

/* Items the reader hands to the sender. */
struct queue {
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	struct slack_item	**items;
	size_t			 n;
	struct timespec		 first;	/* arrival of items[0] (monotonic) */
	int			 eof;
	int			 done;	/* the sender has finished */
};

/* The sender's state. */
struct sender {
	const struct options	*opt;
	struct queue		*q;
	char			*url;		/* secret: never printed */
	char			 display[256];	/* what messages say instead */
	struct slack_state	*state;
	FILE			*payloads;
	struct slack_post_opts	 post;
	struct timespec		 last_post;
	int			 posted_any;
	int			 gone;		/* webhook unusable */
	char			 reported[8][200]; /* failures said once */
	int			 nreported;
	unsigned long		 messages, posted, unsent, duplicates;
};

static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;

enum { O_WINDOW = 1, O_DIGEST, O_DEDUPE, O_TEMPLATE, O_TIMEOUT, O_MAX_LINE,
    O_SEVERITY };

#define O struct options
static const struct opt options[] = {
	{ "webhook-file", 0, "FILE",
	    "the file holding the webhook URL (mode 600)", "webhook_file", 0,
	    OPT_KEEPS(O, webhook_file) },
	OPT_DRY_RUN(O, dry_run, 0, "post nothing; show the payloads on stderr"),
	{ "payloads", 0, "FILE", "append every payload to FILE", NULL, 0,
	    OPT_STRS(O, payloads) },
	{ "group-window", 0, "DURATION",
	    "group records arriving this close together (3s)", NULL, 0,
	    OPT_ID(O_WINDOW) },
	{ "digest-after", 0, "N",
	    "fold more than N records of a kind into a digest (5)", NULL, 0,
	    OPT_ID(O_DIGEST) },
	{ "state", 0, "FILE", "remember what was told across runs, in FILE",
	    NULL, 0, OPT_STRS(O, state) },
	{ "dedupe-window", 0, "DURATION",
	    "with --state: tell a finding again after this (24h)", NULL, 0,
	    OPT_ID(O_DEDUPE) },
	{ "template", 0, "FILE",
	    "replace one kind's message with your own (repeatable)", NULL, 0,
	    OPT_ID(O_TEMPLATE) },
	{ "severity", 0, "LIST",
	    "tell only findings of these labels (HIGH,CRITICAL)", NULL, 0,
	    OPT_ID(O_SEVERITY) },
	{ "timeout", 0, "DURATION",
	    "give up on one post after this long (10s)", NULL, 0,
	    OPT_ID(O_TIMEOUT) },
	OPT_MAX_LINE(O_MAX_LINE, 0),
	OPT_REJECTS(O, rejects, 0),
	OPT_COMMON,
	OPT_END
};
#undef O

static const struct opt_prog prog = {
	"slack-notify",
	"usage: slack-notify [-hnqV] [--verbose] [--rejects FILE]\n"
	"                    [--max-line BYTES] [--webhook-file FILE] "
	"[--payloads FILE]\n"
	"                    [--group-window DURATION] [--digest-after N]\n"
	"                    [--state FILE] [--dedupe-window DURATION]\n"
	"                    [--template FILE] [--timeout DURATION]"
	" [file ...]\n",
	options, NULL
};

static int64_t
ms_between(const struct timespec *a, const struct timespec *b)
{
	return ((int64_t)(b->tv_sec - a->tv_sec) * 1000 +
	    (b->tv_nsec - a->tv_nsec) / 1000000);
}

static void
ts_add_ms(struct timespec *t, int64_t ms)
{
	t->tv_sec += ms / 1000;
	t->tv_nsec += (ms % 1000) * 1000000;
	if (t->tv_nsec >= 1000000000) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000;
	}
}

static void
post_trace(void *arg, const char *msg)
{
	struct sender	*s = arg;

	pthread_mutex_lock(&log_mu);
	log_debug(s->display, "%s", msg);
	pthread_mutex_unlock(&log_mu);
}

/* Report a delivery failure once per distinct reason. */
static void
report(struct sender *s, const struct slack_post_result *rs,
    const char *what)
{
	char	 key[200];
	int	 i;

	snprintf(key, sizeof(key), "%ld %s", rs->http_status, rs->reason);
	for (i = 0; i < s->nreported; i++)
		if (strcmp(s->reported[i], key) == 0) {
			log_raise(LOG_ERROR);
			return;
		}
	if (s->nreported < 8)
		snprintf(s->reported[s->nreported++], sizeof(key), "%s", key);
	pthread_mutex_lock(&log_mu);
	if (rs->http_status != 0)
		log_error(s->display, "HTTP %ld %s: %s", rs->http_status,
		    rs->reason, what);
	else
		log_error(s->display, "%s: %s", rs->reason, what);
	pthread_mutex_unlock(&log_mu);
}

/* Wait until a second has passed since the last post ended. */
static void
pace(struct sender *s)
{
	struct timespec	 now;
	int64_t		 ms;

	if (!s->posted_any)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if ((ms = 1000 - ms_between(&s->last_post, &now)) > 0)
		http_sleep_ms(ms);
}

static void
mark(struct sender *s, const struct slack_msg *m)
{
	size_t	 i;
	char	*cause;

	for (i = 0; i < m->nitems; i++) {
		if (m->items[i]->key == NULL)
			continue;
		if (slack_state_mark(s->state, m->items[i]->key, clk_now(),
		    &cause) == -1) {
			pthread_mutex_lock(&log_mu);
			log_error(s->opt->state, "%s", cause);
			pthread_mutex_unlock(&log_mu);
			free(cause);
			return;
		}
	}
}

/* Show or post one message. */
static void
deliver(struct sender *s, const struct slack_msg *m)
{
	struct slack_post_result rs;
	char			*text, *cause;

	s->messages++;
	if (slack_payload_check(m->payload, &cause) == -1) {
		pthread_mutex_lock(&log_mu);
		log_error(NULL, "message for %s outside Slack's limits: %s",
		    slack_kind_name(m->items[0]->kind), cause);
		pthread_mutex_unlock(&log_mu);
		free(cause);
		s->unsent++;
		return;
	}
	text = json_dumps(m->payload, JSON_COMPACT);
	if (s->payloads != NULL)
		fprintf(s->payloads, "%s\n", text), fflush(s->payloads);
	else if (s->opt->dry_run) {
		pthread_mutex_lock(&log_mu);
		fprintf(stderr, "%s\n", text);
		fflush(stderr);
		pthread_mutex_unlock(&log_mu);
	}
	if (s->opt->dry_run || s->gone) {
		if (s->gone)
			s->unsent++;
		free(text);
		return;
	}
	pace(s);
	slack_post(s->url, text, strlen(text), &s->post, &rs);
	clock_gettime(CLOCK_MONOTONIC, &s->last_post);
	s->posted_any = 1;
	free(text);
	switch (rs.status) {
	case SLACK_POSTED:
		s->posted++;
		mark(s, m);
		break;
	case SLACK_GONE:
		s->gone = 1;
		s->unsent++;
		report(s, &rs, "webhook unusable, posting nothing more");
		break;
	case SLACK_REFUSED:
		s->unsent++;
		report(s, &rs, "message refused");
		break;
	case SLACK_FAILED: {
		char	 what[64];

		s->unsent++;
		snprintf(what, sizeof(what), "message not posted after %d "
		    "attempt%s", rs.attempts, rs.attempts == 1 ? "" : "s");
		report(s, &rs, what);
		break;
	}
	}
}

/* Drop duplicates (this run, and posted within the window before). */
static size_t
dedupe(struct sender *s, struct slack_item **items, size_t n)
{
	size_t	 i, kept = 0;
	int	 r;
	char	*cause = NULL;
	time_t	 since = clk_now() - (time_t)s->opt->dedupe_window;

	for (i = 0; i < n; i++) {
		r = 1;
		if (items[i]->key != NULL &&
		    ((r = slack_state_first(s->state, items[i]->key,
		    &cause)) == 1) && s->opt->dedupe_window > 0)
			r = slack_state_seen(s->state, items[i]->key, since,
			    &cause) == 0 ? 1 : cause ? -1 : 0;
		if (r == -1) {
			pthread_mutex_lock(&log_mu);
			log_error(s->opt->state, "%s", cause);
			pthread_mutex_unlock(&log_mu);
			free(cause);
			cause = NULL;
			r = 1;
		}
		if (r == 1)
			items[kept++] = items[i];
		else {
			s->duplicates++;
			slack_item_free(items[i]);
		}
	}
	return (kept);
}

static void
send_batch(struct sender *s, struct slack_item **items, size_t n)
{
	struct slack_msg	*msgs;
	size_t			 nmsgs, i;

	n = dedupe(s, items, n);
	nmsgs = slack_group(items, n, s->opt->digest_after, s->opt->tpl,
	    &msgs);
	for (i = 0; i < nmsgs; i++)
		deliver(s, &msgs[i]);
	slack_msgs_free(msgs, nmsgs);
	for (i = 0; i < n; i++)
		slack_item_free(items[i]);
}

/* The sender thread: wait for a window's worth of items, then send. */
static void *
sender_main(void *arg)
{
	struct sender		*s = arg;
	struct queue		*q = s->q;
	struct timespec		 deadline;
	struct slack_item	**items;
	size_t			 n;

	pthread_mutex_lock(&q->mu);
	for (;;) {
		while (q->n == 0 && !q->eof)
			pthread_cond_wait(&q->cv, &q->mu);
		if (q->n == 0)
			break;
		deadline = q->first;
		ts_add_ms(&deadline, s->opt->window_ms);
		while (!q->eof && pthread_cond_timedwait(&q->cv, &q->mu,
		    &deadline) != ETIMEDOUT)
			;
		items = q->items;
		n = q->n;
		q->items = NULL;
		q->n = 0;
		pthread_mutex_unlock(&q->mu);
		send_batch(s, items, n);
		free(items);
		pthread_mutex_lock(&q->mu);
	}
	q->done = 1;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
	return (NULL);
}

/*
 * SIGINT, SIGTERM, SIGHUP: tell what is waiting in the window at once,
 * then die of the signal as if it had not been caught. Every record read
 * so far has already been passed through.
 */
static void *
signal_main(void *arg)
{
	struct queue	*q = arg;
	sigset_t	 set;
	int		 sig;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	if (sigwait(&set, &sig) != 0)
		return (NULL);
	pthread_mutex_lock(&q->mu);
	q->eof = 1;
	pthread_cond_broadcast(&q->cv);
	while (!q->done)
		pthread_cond_wait(&q->cv, &q->mu);
	pthread_mutex_unlock(&q->mu);
	pthread_mutex_lock(&log_mu);
	log_info(NULL, "%s: pending messages sent, stopping", strsignal(sig));
	pthread_mutex_unlock(&log_mu);
	signal(sig, SIG_DFL);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
	return (NULL);
}

static void
enqueue(struct queue *q, struct slack_item **items, size_t n)
{
	size_t	 i;

	pthread_mutex_lock(&q->mu);
	if (q->n == 0)
		clock_gettime(CLOCK_MONOTONIC, &q->first);
	q->items = xreallocarray(q->items, q->n + n, sizeof(*q->items));
	for (i = 0; i < n; i++)
		q->items[q->n++] = items[i];
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

/*
 * --severity: keep the items to tell, drop the findings of other labels
 * (and those of none). Other items are told whatever their severity.
 */
static size_t
keep_severities(struct slack_item **items, size_t n, unsigned int set)
{
	size_t	 i, kept = 0;

	for (i = 0; i < n; i++) {
		if (set == 0 || items[i]->kind != SLACK_FINDING ||
		    (items[i]->sevrank >= 0 && (set & 1u << items[i]->sevrank)))
			items[kept++] = items[i];
		else
			slack_item_free(items[i]);
	}
	return (kept);
}

/* The reader: pass each record through, hand its items to the sender. */
static void
read_records(struct input *in, struct queue *q, unsigned int severities)
{
	struct jl_writer	*out = jl_writer_new(STDOUT_FILENO, "stdout");
	struct jl_record	 rec;
	struct slack_item	**items = NULL;
	size_t			 n;
	json_t			*v;
	char			 reason[160];
	int			 out_ok = 1;

	while (input_next(in, &rec)) {
		if (out_ok && jl_write_raw(out, rec.text, rec.len) == -1) {
			pthread_mutex_lock(&log_mu);
			log_error("stdout", "%s", strerror(errno));
			pthread_mutex_unlock(&log_mu);
			out_ok = 0;
		}
		if ((v = jl_decode(&rec, reason, sizeof(reason))) == NULL) {
			input_reject(in, &rec, "%s", reason);
			continue;
		}
		n = 0;
		slack_classify_text(rec.text, rec.len, v, &items, &n);
		json_decref(v);
		enqueue(q, items, keep_severities(items, n, severities));
	}
	free(items);
	if (jl_writer_free(out) == -1 && out_ok) {
		pthread_mutex_lock(&log_mu);
		log_error("stdout", "%s", strerror(errno));
		pthread_mutex_unlock(&log_mu);
	}
}

static int64_t
duration(const char *where, const char *arg)
{
	int64_t	 v;
	char	*cause;

	if (clk_parse_duration(arg, &v, &cause) == -1)
		fatal_usage(where, "%s", cause);
	return (v);
}

static void
load_template(struct options *o, const char *path)
{
	struct slack_template	*t;
	char			*cause;
	enum slack_kind		 k;

	if ((t = slack_template_load(path, &cause)) == NULL)
		fatal_usage(NULL, "--template: %s", cause);
	k = slack_template_kind(t);
	if (o->tpl[k] != NULL)
		fatal_usage(NULL, "--template: %s: a second template for %s",
		    path, slack_kind_name(k));
	o->tpl[k] = t;
}

static void
on_option(void *arg, int id, const char *value, const char *where)
{
	struct options	*o = arg;
	char		*end, *cause;
	long		 n;

	switch (id) {
	case O_WINDOW:
		o->window_ms = duration(where, value) * 1000;
		break;
	case O_DIGEST:
		errno = 0;
		n = strtol(value, &end, 10);
		if (*value == '\0' || *end != '\0' || errno != 0 || n < 0 ||
		    n > 1000000)
			fatal_usage(NULL, "%s: %s: not a count", where, value);
		o->digest_after = (size_t)n;
		break;
	case O_DEDUPE:
		o->dedupe_window = duration(where, value);
		break;
	case O_TEMPLATE:
		load_template(o, value);
		break;
	case O_TIMEOUT:
		o->timeout_ms = duration(where, value) * 1000;
		if (o->timeout_ms <= 0)
			fatal_usage(where, "must be at least 1s");
		break;
	case O_SEVERITY:
		if (finding_label_set(value, &o->severities, &cause) == -1)
			fatal_usage(where, "%s", cause);
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
	memset(o, 0, sizeof(*o));
	o->window_ms = 3000;
	o->digest_after = 5;
	o->dedupe_window = 24 * 3600;
	o->timeout_ms = 10000;
	opt_parse(&prog, argc, argv, on_option, o, r);
	o->conf = r->conf;
}

/*
 * The webhook: --webhook-file or $SECHUB_WEBHOOK_FILE, else
 * $SLACK_WEBHOOK_URL, else the configuration's webhook_file or
 * webhook_url; checked.
 */
static void
setup_webhook(struct sender *s, const struct options *o)
{
	const char	*env = getenv("SLACK_WEBHOOK_URL"), *file = NULL;
	const char	*where = o->webhook_file.where;
	struct conf_origin origin;
	char		*cause;

	if (o->webhook_file.value != NULL && (env == NULL || *env == '\0' ||
	    where[0] == '-' || strcmp(where, "SECHUB_WEBHOOK_FILE") == 0))
		file = o->webhook_file.value;
	if (file != NULL) {
		if ((s->url = slack_webhook_read(file, &cause)) == NULL)
			fatal_usage(where[0] == '-' ? "--webhook-file" : where,
			    "%s", cause);
	} else if (env != NULL && *env != '\0') {
		s->url = xstrdup(env);
		where = "SLACK_WEBHOOK_URL";
	} else if ((env = conf_get(o->conf, NULL, "webhook_url",
	    &origin)) != NULL) {
		s->url = xstrdup(env);
		where = origin.where;
	} else if (!o->dry_run)
		fatal_usage(NULL, "no webhook: set SLACK_WEBHOOK_URL or use "
		    "--webhook-file (or --dry-run)");
	if (s->url == NULL) {
		snprintf(s->display, sizeof(s->display), "dry run");
		return;
	}
	if (slack_webhook_check(s->url, &cause) == -1) {
		freezero_str(s->url);
		fatal_usage(file != NULL ? file : where, "%s", cause);
	}
	slack_webhook_display(s->url, s->display, sizeof(s->display));
}

/* The payloads file: ours (0600, no symbolic link in its place). */
static FILE *
open_payloads(const char *path)
{
	FILE	*f;
	char	*cause;
	int	 fd;

	if ((fd = open_private(path, O_WRONLY | O_APPEND, &cause)) == -1)
		fatal_usage(NULL, "--payloads: %s", cause);
	if ((f = fdopen(fd, "a")) == NULL)
		fatal(NULL, "--payloads: %s: %s", path, strerror(errno));
	return (f);
}

static void
setup_sender(struct sender *s, const struct options *o, struct queue *q)
{
	char	*cause;

	memset(s, 0, sizeof(*s));
	s->opt = o;
	s->q = q;
	setup_webhook(s, o);
	if ((s->state = slack_state_open(o->state, &cause)) == NULL)
		fatal_usage(NULL, "--state: %s", cause);
	if (o->state != NULL && o->dedupe_window > 0 && slack_state_expire(
	    s->state, clk_now() - (time_t)o->dedupe_window, &cause) == -1)
		fatal(o->state, "%s", cause);
	if (o->payloads != NULL)
		s->payloads = open_payloads(o->payloads);
	slack_post_opts_init(&s->post);
	s->post.timeout_ms = o->timeout_ms;
	s->post.trace = post_trace;
	s->post.trace_arg = s;
}

static void
finish_sender(struct sender *s)
{
	int	 i;

	if (s->unsent > 0 || log_verbose())
		log_info(s->display, "%lu message%s, %lu posted, %lu not "
		    "posted, %lu duplicate%s skipped", s->messages,
		    s->messages == 1 ? "" : "s", s->posted, s->unsent,
		    s->duplicates, s->duplicates == 1 ? "" : "s");
	if (s->payloads != NULL && fclose(s->payloads) != 0)
		log_error(s->opt->payloads, "%s", strerror(errno));
	slack_state_close(s->state);
	freezero_str(s->url);
	for (i = 0; i < SLACK_NKINDS; i++)
		slack_template_free(s->opt->tpl[i]);
}

int
main(int argc, char **argv)
{
	struct options		 opt;
	struct opt_result	 args;
	struct queue		 q;
	struct sender		 s;
	struct input		*in;
	pthread_t		 tid, sigtid;
	pthread_condattr_t	 ca;
	sigset_t		 sigs;
	char			*cause;

	log_init("slack-notify");
	/* the webhook is a secret */
	if (no_core_dumps(&cause) != 0)
		fatal(NULL, "%s", cause);
	/* A reader that went away must not cost the channel its messages:
	 * the write error is reported and the records are still told. */
	signal(SIGPIPE, SIG_IGN);
	parse_options(argc, argv, &opt, &args);
	if (clk_init(&cause) == -1)
		fatal_usage("SECHUB_NOW", "%s", cause);
	http_global_init();

	memset(&q, 0, sizeof(q));
	pthread_mutex_init(&q.mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&q.cv, &ca);
	setup_sender(&s, &opt, &q);
	if ((in = input_new(args.operands, args.noperands, opt.rejects,
	    &cause)) == NULL)
		fatal_usage(NULL, "%s", cause);
	if (opt.max_line > 0)
		input_set_max_line(in, opt.max_line);
	/* Signals go to signal_main only (threads inherit the mask). */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	if (pthread_create(&tid, NULL, sender_main, &s) != 0 ||
	    pthread_create(&sigtid, NULL, signal_main, &q) != 0)
		fatal(NULL, "cannot start a thread");

	read_records(in, &q, opt.severities);
	pthread_mutex_lock(&q.mu);
	q.eof = 1;
	pthread_cond_signal(&q.cv);
	pthread_mutex_unlock(&q.mu);
	pthread_join(tid, NULL);
	pthread_cancel(sigtid);
	pthread_join(sigtid, NULL);

	input_free(in);
	finish_sender(&s);
	free(q.items);
	opt_result_free(&args);
	log_close_stdout();
	return (log_exit_status());
}
