/*
 * sh-match: grep for AWS events. Prints the input records that match any of
 * the given EventBridge event patterns, byte for byte as they came in.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ev.h"
#include "input.h"
#include "jl.h"
#include "log.h"
#include "opt.h"
#include "pat.h"
#include "util.h"

struct options {
	int		 invert;
	int		 count;
	int		 quiet;
	int		 explain;
	int		 check;
	int		 reference;
	const char	*tag;
	const char	*rejects;
	size_t		 max_line;
};

enum { O_PATTERN = 1, O_RULES, O_QUIET, O_MAX_LINE };

/* What the options leave for main(). */
struct parsed {
	struct options	 o;
	struct pat_set	*set;
	struct opt_value format;
};

#define P struct parsed
static const struct opt options[] = {
	{ "pattern", 'p', "FILE", "an event pattern (repeatable; - is stdin)",
	    NULL, 0, OPT_ID(O_PATTERN) },
	{ "rules", 0, "FILE",
	    "rules: {name: pattern}, or aws events list-rules output", NULL, 0,
	    OPT_ID(O_RULES) },
	{ "invert-match", 'v', NULL, "select the records that match no rule",
	    NULL, 0, OPT_SETS(P, o.invert) },
	{ "count", 'c', NULL, "print only the number of selected records",
	    NULL, 0, OPT_SETS(P, o.count) },
	{ "quiet", 'q', NULL, "print nothing; only the exit status", NULL, 0,
	    OPT_ID(O_QUIET) },
	{ "tag", 0, "FIELD", "add FIELD: [names of the matching rules]", NULL,
	    0, OPT_STRS(P, o.tag) },
	{ "explain", 0, NULL, "say on stderr why a record matched no rule",
	    NULL, 0, OPT_SETS(P, o.explain) },
	{ "check", 0, NULL, "only check the patterns; print how many are valid",
	    NULL, 0, OPT_SETS(P, o.check) },
	{ "format", 0, "text|json",
	    "--check: a summary line, or a JSON line per rule", NULL, 0,
	    OPT_KEEPS(P, format) },
	OPT_MAX_LINE(O_MAX_LINE, 0),
	OPT_REJECTS(P, o.rejects, 0),
	{ "reference", 0, NULL,
	    "match with the slow reference matcher (for tests)", NULL, 0,
	    OPT_SETS(P, o.reference) },
	OPT_HELP,
	OPT_VERSION,
	OPT_VERBOSE,
	OPT_END
};
#undef P

static const struct opt_prog prog = {
	"sh-match",
	"usage: sh-match [-cqv] [--explain] [--max-line bytes] "
	"[--rejects file]\n"
	"                [--tag field] [--verbose]\n"
	"                -p pattern.json | --rules rules.json ... "
	"[file ...]\n"
	"       sh-match --check [--format text|json] [-p pattern.json]\n"
	"                [--rules rules.json] [file ...]\n",
	options, NULL
};

/* What --check reports: each rule (or file) loaded, and why it failed. */
struct checked {
	char	*where;
	char	*name;		/* NULL: the file as a whole */
	char	*error;		/* NULL: valid */
};

static struct checked	*checked;
static size_t		 nchecked;
static int		 stdin_taken;	/* by -p - */

static void
check_note(const char *where, const char *name, const char *error)
{
	struct checked	*c;

	checked = xreallocarray(checked, nchecked + 1, sizeof(*checked));
	c = &checked[nchecked++];
	c->where = xstrdup(where);
	c->name = name != NULL ? xstrdup(name) : NULL;
	c->error = error != NULL ? xstrdup(error) : NULL;
}

/* A load failure of a whole file. */
static void
load_failed(const char *where, const char *fmt, const char *why)
{
	char	*msg;

	xasprintf(&msg, fmt, why);
	log_msg(LOG_USAGE, where, "%s", msg);
	check_note(where, NULL, msg);
	free(msg);
}

/* The whole of a file, NUL-terminated. NULL and *cause on error. */
static char *
slurp(const char *path, size_t *len, char **cause)
{
	struct buf	 b;
	char		 chunk[65536];
	size_t		 n;
	FILE		*fp;

	*cause = NULL;
	if (strcmp(path, "-") == 0) {
		if (stdin_taken++) {
			*cause = xstrdup("stdin can be read only once");
			return NULL;
		}
		fp = stdin;
	} else if ((fp = fopen(path, "r")) == NULL) {
		xasprintf(cause, "%s", strerror(errno));
		return NULL;
	}
	buf_init(&b);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_add(&b, chunk, n);
	if (ferror(fp)) {
		xasprintf(cause, "%s", strerror(errno));
		if (fp != stdin)
			fclose(fp);
		buf_free(&b);
		return NULL;
	}
	if (fp != stdin)
		fclose(fp);
	*len = b.len;
	return buf_cstr(&b);
}

/* A rule name from a pattern file: its base name without ".json". */
static char *
rule_name(const char *path)
{
	const char	*base = strrchr(path, '/');
	size_t		 n;

	base = base != NULL ? base + 1 : path;
	n = strlen(base);
	if (n > 5 && strcmp(base + n - 5, ".json") == 0)
		n -= 5;
	return xstrndup(base, n);
}

/* Compile a rule; in_rules says whether to name it in a message. */
static void
add_rule(struct pat_set *set, const char *where, const char *name,
    const char *text, size_t len, int in_rules)
{
	char	*cause;

	if (pat_set_add(set, name, text, len, &cause) >= 0) {
		log_debug(where, "rule %s compiled", name);
		check_note(where, name, NULL);
		return;
	}
	check_note(where, name, cause);
	if (in_rules)
		log_msg(LOG_USAGE, where, "rule %s: %s", name, cause);
	else
		log_msg(LOG_USAGE, where, "%s", cause);
	free(cause);
}

static void
load_pattern(struct pat_set *set, const char *path)
{
	char	*text, *cause, *name;
	size_t	 len;

	if ((text = slurp(path, &len, &cause)) == NULL) {
		load_failed(path, "%s", cause);
		free(cause);
		return;
	}
	name = strcmp(path, "-") == 0 ? xstrdup("stdin") : rule_name(path);
	add_rule(set, path, name, text, len, 0);
	free(name);
	free(text);
}

static uint32_t
member(const struct ev_doc *d, uint32_t obj, const char *key)
{
	uint32_t	 m, found = EV_NONE;

	for (m = d->nodes[obj].child; m != EV_NONE; m = d->nodes[m].next)
		if (strcmp(EV_KEY(d, &d->nodes[m]), key) == 0)
			found = m;	/* the last duplicate wins */
	return found;
}

/* One rule of `aws events list-rules` / `describe-rule` output. */
static void
load_aws_rule(struct pat_set *set, const char *path, const struct ev_doc *d,
    uint32_t rule)
{
	uint32_t	 name, pattern;
	const char	*nm;

	if (d->nodes[rule].type != EV_OBJECT) {
		load_failed(path, "%s", "Rules: an element is not an object");
		return;
	}
	name = member(d, rule, "Name");
	pattern = member(d, rule, "EventPattern");
	nm = name != EV_NONE && d->nodes[name].type == EV_STRING ?
	    EV_TEXT(d, &d->nodes[name]) : "(unnamed)";
	if (pattern == EV_NONE) {
		log_info(path, "rule %s: no EventPattern (a scheduled rule?), "
		    "skipped", nm);
		return;
	}
	if (d->nodes[pattern].type != EV_STRING) {
		log_msg(LOG_USAGE, path, "rule %s: EventPattern is not a "
		    "string", nm);
		check_note(path, nm, "EventPattern is not a string");
		return;
	}
	add_rule(set, path, nm, EV_TEXT(d, &d->nodes[pattern]),
	    d->nodes[pattern].textlen, 1);
}

/*
 * A rules file: {"name": pattern or "pattern as JSON text", ...}, or what
 * `aws events list-rules`
 * ({"Rules": [{"Name": .., "EventPattern": "<json text>"}]}) or
 * `aws events describe-rule` ({"Name": .., "EventPattern": ".."}) print.
 */
static void
load_rules(struct pat_set *set, const char *path)
{
	struct ev_doc	 d;
	char		*text, *cause;
	size_t		 len;
	uint32_t	 m, rules;

	if ((text = slurp(path, &len, &cause)) == NULL) {
		load_failed(path, "%s", cause);
		free(cause);
		return;
	}
	ev_doc_init(&d);
	if (ev_doc_parse(&d, text, len, &cause) != 0) {
		load_failed(path, "invalid JSON: %s", cause);
		free(cause);
	} else if (d.nodes[0].type != EV_OBJECT)
		load_failed(path, "%s", "not a JSON object");
	else if ((rules = member(&d, 0, "Rules")) != EV_NONE &&
	    d.nodes[rules].type == EV_ARRAY) {
		for (m = d.nodes[rules].child; m != EV_NONE;
		    m = d.nodes[m].next)
			load_aws_rule(set, path, &d, m);
	} else if ((m = member(&d, 0, "EventPattern")) != EV_NONE &&
	    d.nodes[m].type == EV_STRING)
		load_aws_rule(set, path, &d, 0);
	else {
		/* a pattern, or a string holding one as EventPattern does */
		for (m = d.nodes[0].child; m != EV_NONE; m = d.nodes[m].next)
			if (d.nodes[m].type == EV_STRING)
				add_rule(set, path, EV_KEY(&d, &d.nodes[m]),
				    EV_TEXT(&d, &d.nodes[m]),
				    d.nodes[m].textlen, 1);
			else
				add_rule(set, path, EV_KEY(&d, &d.nodes[m]),
				    text + d.nodes[m].src, d.nodes[m].srclen,
				    1);
	}
	ev_doc_free(&d);
	free(text);
}

/* The record with "tag": [names of the matching rules] added at its end. */
static void
tag_record(struct buf *out, const struct jl_record *rec, const char *tag,
    const struct pat_set *set, const uint8_t *matched)
{
	size_t	 i, n = 0, end = rec->len - 1;	/* the closing brace */
	const char *p;

	buf_reset(out);
	buf_add(out, rec->text, end);
	while (end > 0 && (rec->text[end - 1] == ' ' ||
	    rec->text[end - 1] == '\t' || rec->text[end - 1] == '\n' ||
	    rec->text[end - 1] == '\r'))
		end--;
	if (rec->text[end - 1] != '{')
		buf_addc(out, ',');
	buf_addc(out, '"');
	for (p = tag; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			buf_addc(out, '\\');
		buf_addc(out, *p);
	}
	buf_adds(out, "\":[");
	for (i = 0; i < pat_set_count(set); i++) {
		if (!matched[i])
			continue;
		buf_adds(out, n++ > 0 ? ",\"" : "\"");
		for (p = pat_set_name(set, i); *p != '\0'; p++) {
			if (*p == '"' || *p == '\\')
				buf_addf(out, "\\%c", *p);
			else if ((unsigned char)*p < 0x20)
				buf_addf(out, "\\u%04x", (unsigned char)*p);
			else
				buf_addc(out, *p);
		}
		buf_addc(out, '"');
	}
	buf_adds(out, "]}");
}

static void
explain(const struct pat_set *set, const struct ev_event *ev,
    const struct jl_record *rec)
{
	char	*why;
	size_t	 i;

	for (i = 0; i < pat_set_count(set); i++) {
		if ((why = pat_explain(set, i, ev)) == NULL)
			continue;
		log_warn(jl_where(rec), "rule %s: %s", pat_set_name(set, i),
		    why);
		free(why);
	}
}

/* Match every record; returns the number of records selected. */
static unsigned long
run(struct pat_set *set, const struct options *o, char **files, int nfiles)
{
	struct input	*in;
	struct jl_writer *w = NULL;
	struct jl_record rec;
	struct ev_event	 ev;
	struct ev_paths	*paths = NULL;
	struct buf	 tagged;
	uint8_t		*matched;
	unsigned long	 selected = 0;
	size_t		 i, nmatch, linelen, vlen, plen;
	const char	*line, *p;
	char		*cause;
	int		 fast;

	if ((in = input_new(files, nfiles, o->rejects, &cause)) == NULL)
		fatal_usage(NULL, "%s", cause);
	if (o->max_line > 0)
		input_set_max_line(in, o->max_line);
	if (!o->count && !o->quiet)
		w = jl_writer_new(1, "<stdout>");
	matched = xcalloc(pat_set_count(set) + 1, 1);
	ev_init(&ev);
	buf_init(&tagged);
	/*
	 * The fast path validates and flattens a line in one pass, keeping
	 * only the fields some rule looks at; anything it does not take
	 * (pretty-printed or malformed input, duplicate keys on used paths,
	 * not an object) goes the slow way below, which decides as before.
	 */
	fast = !o->reference && !o->explain;
	if (fast) {
		paths = ev_paths_new();
		for (i = 0; i < pat_set_npaths(set); i++) {
			p = pat_set_path(set, i, &plen);
			ev_paths_add(paths, p, plen);
		}
	}
	for (;;) {
		if (fast) {
			if (!input_peek_line(in, &line, &linelen))
				break;
			if ((vlen = ev_scan(&ev, paths, line, linelen)) > 0) {
				input_take_line(in, &rec, vlen);
				nmatch = pat_set_match(set, &ev, matched);
				goto decided;
			}
		}
		if (!input_next(in, &rec))
			break;
		if (ev_parse(&ev, rec.text, rec.len, &cause) != 0) {
			input_reject(in, &rec, "%s", cause);
			free(cause);
			continue;
		}
		if (ev.doc.nodes[0].type != EV_OBJECT) {
			input_reject(in, &rec, "not a JSON object");
			continue;
		}
		if (o->reference) {
			for (nmatch = 0, i = 0; i < pat_set_count(set); i++)
				nmatch += matched[i] =
				    (uint8_t)pat_ref_match(set, i, &ev);
		} else
			nmatch = pat_set_match(set, &ev, matched);
		if (nmatch == 0 && o->explain)
			explain(set, &ev, &rec);
decided:
		if ((nmatch > 0) == o->invert)
			continue;
		selected++;
		if (w == NULL)
			continue;
		if (o->tag != NULL) {
			tag_record(&tagged, &rec, o->tag, set, matched);
			if (jl_write_raw(w, tagged.data, tagged.len) != 0)
				break;
		} else if (jl_write_raw(w, rec.text, rec.len) != 0)
			break;
	}
	if (w != NULL && jl_writer_free(w) != 0)
		log_error("<stdout>", "%s", strerror(errno));
	buf_free(&tagged);
	ev_paths_free(paths);
	ev_free(&ev);
	free(matched);
	input_free(in);
	return selected;
}

/* -p and --rules load in the order given; -q is grep's. */
static void
on_option(void *arg, int id, const char *value, const char *where)
{
	struct parsed	*p = arg;
	char		*cause;

	switch (id) {
	case O_PATTERN:
		load_pattern(p->set, value);
		break;
	case O_RULES:
		load_rules(p->set, value);
		break;
	case O_QUIET:
		p->o.quiet = 1;
		log_set_quiet(1);
		break;
	case O_MAX_LINE:
		if (parse_size(value, &p->o.max_line, &cause) != 0)
			fatal_usage(where, "%s", cause);
		break;
	}
}

/* --check: what was loaded, as a line or a JSON line per rule. */
static int
report_check(int json, int quiet)
{
	struct jl_writer *w = jl_writer_new(1, "<stdout>");
	json_t		*r;
	size_t		 i, invalid = 0;
	int		 failed = 0;

	for (i = 0; i < nchecked; i++) {
		invalid += checked[i].error != NULL;
		if (!json || failed)
			continue;
		r = json_pack("{s:s}", "File", checked[i].where);
		if (checked[i].name != NULL)
			json_object_set_new(r, "Rule",
			    json_string(checked[i].name));
		json_object_set_new(r, "Valid",
		    json_boolean(checked[i].error == NULL));
		if (checked[i].error != NULL)
			json_object_set_new(r, "Error",
			    json_string(checked[i].error));
		failed = jl_write(w, r) != 0;
		json_decref(r);
	}
	if (jl_writer_free(w) != 0 || failed)
		log_error("<stdout>", "%s", strerror(errno));
	if (!json && !quiet)
		printf("%zu rule%s valid, %zu invalid\n", nchecked - invalid,
		    nchecked - invalid == 1 ? "" : "s", invalid);
	return invalid > 0;
}

static void
free_checked(void)
{
	size_t	 i;

	for (i = 0; i < nchecked; i++) {
		free(checked[i].where);
		free(checked[i].name);
		free(checked[i].error);
	}
	free(checked);
}

int
main(int argc, char **argv)
{
	struct parsed	 p;
	struct opt_result args;
	unsigned long	 selected;
	int		 i, status, json;

	log_init("sh-match");
	memset(&p, 0, sizeof(p));
	p.format.value = "text";
	p.set = pat_set_new();
	opt_parse(&prog, argc, argv, on_option, &p, &args);
	if (strcmp(p.format.value, "text") != 0 &&
	    strcmp(p.format.value, "json") != 0)
		fatal_usage(p.format.where, "expected text or json, not "
		    "\"%s\"", p.format.value);
	json = strcmp(p.format.value, "json") == 0;
	if (p.o.check)		/* operands are more patterns to check */
		for (i = 0; i < args.noperands; i++)
			load_pattern(p.set, args.operands[i]);
	if (p.o.check && nchecked > 0) {
		status = report_check(json, p.o.quiet) ? 2 : 0;
		log_close_stdout();
		status = log_exit_status() == EXIT_OK ? status : 2;
		goto out;
	}
	status = EXIT_USAGE;
	if (log_count(LOG_USAGE) > 0)
		goto out;	/* every bad pattern has been named */
	if (pat_set_count(p.set) == 0) {
		log_msg(LOG_USAGE, NULL, "no pattern: give -p FILE or "
		    "--rules FILE");
		opt_usage(&prog);
	}
	if (stdin_taken && args.noperands == 0)
		fatal_usage("-p -", "the pattern came from stdin: name the "
		    "files of events");
	selected = run(p.set, &p.o, args.operands, args.noperands);
	if (p.o.count && !p.o.quiet)
		printf("%lu\n", selected);
	log_close_stdout();
	/* grep's convention: trouble of any kind outranks a match */
	status = log_exit_status() != EXIT_OK ? 2 : selected > 0 ? 0 : 1;
out:
	pat_set_free(p.set);
	free_checked();
	opt_result_free(&args);
	return status;
}
