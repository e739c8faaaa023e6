/*
 * sh-extract-ip: read findings (Security Hub and GuardDuty events, ASFF,
 * get-findings output, native GuardDuty, OCSF) and write one IP record per
 * distinct (finding, remote address).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "finding.h"
#include "input.h"
#include "ip.h"
#include "jl.h"
#include "log.h"
#include "opt.h"
#include "util.h"

/* The output fields, in order; --keep may not replace them. */
static const char *const record_fields[] = {
	"HostIp", "IpVersion", "Direction", "ActionType", "FindingId",
	"FindingType", "Severity", "AccountId", "Region", "ObservedAt",
	"ProductName"
};

struct extract {
	int			 allow_private;
	size_t			 max_line;
	struct ip_list		 allowlist;
	char			**keep;
	size_t			 nkeep;

	const struct jl_record	*rec;
	struct jl_writer	*out;
	struct buf		 line;
	int			 out_failed;

	unsigned long		 findings;
	unsigned long		 written;
	unsigned long		 special;
	unsigned long		 allowlisted;
};

/* A JSON string of s, quotes included. */
static void
add_json_string(struct buf *b, const char *s)
{
	buf_addc(b, '"');
	for (; *s != '\0'; s++) {
		unsigned char	 c = *s;

		if (c == '"' || c == '\\') {
			buf_addc(b, '\\');
			buf_addc(b, c);
		} else if (c < 0x20)
			buf_addf(b, "\\u%04x", c);
		else
			buf_addc(b, c);
	}
	buf_addc(b, '"');
}

/* JSON text without the blanks between tokens (pretty input, one line out) */
static void
add_compact(struct buf *b, const char *p, size_t len)
{
	const char	*e = p + len, *q;
	int		 in_string = 0;

	for (q = p; q < e; q++) {
		if (in_string) {
			if (*q == '\\' && q + 1 < e) {
				q++;
				continue;
			}
			if (*q == '"')
				in_string = 0;
			continue;
		}
		if (*q == '"')
			in_string = 1;
		else if (*q == ' ' || *q == '\n' || *q == '\r' || *q == '\t') {
			buf_add(b, p, q - p);
			p = q + 1;
		}
	}
	buf_add(b, p, e - p);
}

static void
add_field(struct buf *b, const char *name, const struct finding_text *t)
{
	buf_addc(b, ',');
	buf_addc(b, '"');
	buf_adds(b, name);
	buf_adds(b, "\":");
	if (t->len == 0)
		buf_adds(b, "null");
	else
		buf_add(b, t->json, t->len);
}

static void
build_record(struct extract *x, const struct finding *f,
    const struct finding_ip *ip, const char *addr)
{
	struct buf	*b = &x->line;
	const char	*v;
	size_t		 i, len;

	buf_reset(b);
	buf_adds(b, "{\"HostIp\":\"");
	buf_adds(b, addr);
	buf_addf(b, "\",\"IpVersion\":%d,\"Direction\":\"%s\",\"ActionType\":",
	    ip->addr.family, ip->direction);
	if (ip->action_type[0] == '\0')
		buf_adds(b, "null");
	else {
		buf_addc(b, '"');
		buf_adds(b, ip->action_type);
		buf_addc(b, '"');
	}
	add_field(b, "FindingId", &f->id);
	add_field(b, "FindingType", &f->type);
	add_field(b, "Severity", &f->severity);
	add_field(b, "AccountId", &f->account);
	add_field(b, "Region", &f->region);
	add_field(b, "ObservedAt", &f->observed_at);
	add_field(b, "ProductName", &f->product);
	for (i = 0; i < x->nkeep; i++) {
		if ((v = finding_member(f, x->keep[i], &len)) == NULL)
			continue;
		buf_addc(b, ',');
		add_json_string(b, x->keep[i]);
		buf_addc(b, ':');
		add_compact(b, v, len);
	}
	buf_addc(b, '}');
}

/* Should this address be written? Says why not with --verbose. */
static int
wanted(struct extract *x, const struct finding_ip *ip, const char *addr)
{
	const struct ip_cidr	*blk;
	const char		*why;
	char			 cidr[IP_STRLEN];

	if (!x->allow_private && (why = ip_special(&ip->addr)) != NULL) {
		x->special++;
		log_info(jl_where(x->rec), "%s: %s address, not written",
		    addr, why);
		return 0;
	}
	if ((blk = ip_list_match(&x->allowlist, &ip->addr)) != NULL) {
		x->allowlisted++;
		log_info(jl_where(x->rec), "%s: in allowlist (%s), not written",
		    addr, ip_format_cidr(blk, cidr));
		return 0;
	}
	return 1;
}

static int
on_finding(const struct finding *f, void *arg)
{
	struct extract	*x = arg;
	char		 addr[IP_STRLEN], id[256], shown[VALUE_SHOW_SIZE];
	size_t		 i;

	x->findings++;
	for (i = 0; i < f->nbad; i++) {
		log_warn(jl_where(x->rec), "%s: not an IP address: %s",
		    finding_text_cstr(&f->id, id, sizeof id),
		    show_value(shown, f->bad[i].json, f->bad[i].len));
	}
	for (i = 0; i < f->nips; i++) {
		ip_format(&f->ips[i].addr, addr);
		if (!wanted(x, &f->ips[i], addr))
			continue;
		build_record(x, f, &f->ips[i], addr);
		if (jl_write_raw(x->out, x->line.data, x->line.len) != 0) {
			log_error("stdout", "%s", strerror(errno));
			x->out_failed = 1;
			return -1;
		}
		x->written++;
	}
	return 0;
}

static void
extract_record(struct extract *x, const struct jl_record *rec)
{
	size_t	 unknown;
	int	 n;

	x->rec = rec;
	n = finding_each(rec->text, rec->len, on_finding, x, &unknown);
	if (unknown == 1 && n == 0)
		log_warn(jl_where(rec), "not a finding of any known shape");
	else if (unknown == 1)
		log_warn(jl_where(rec), "1 value in it is not a finding of "
		    "any known shape");
	else if (unknown > 1)
		log_warn(jl_where(rec), "%zu values in it are not findings "
		    "of any known shape", unknown);
}

static void
add_keep(struct extract *x, const char *arg)
{
	char	*list, *p, *field;
	size_t	 i;

	list = p = xstrdup(arg);
	while ((field = strsep(&p, ",")) != NULL) {
		if (*field == '\0')
			fatal_usage(NULL, "--keep: empty field name");
		for (i = 0; i < sizeof record_fields / sizeof *record_fields;
		    i++) {
			if (strcmp(field, record_fields[i]) == 0)
				fatal_usage(NULL, "--keep %s: would replace "
				    "an output field", field);
		}
		x->keep = xreallocarray(x->keep, x->nkeep + 1,
		    sizeof *x->keep);
		x->keep[x->nkeep++] = xstrdup(field);
	}
	free(list);
}

enum { O_ALLOWLIST = 1, O_ALLOW, O_KEEP, O_MAX_LINE };

struct parsed {
	struct extract	*x;
	const char	*rejects;
	int		 allow_private;
};

#define O struct parsed
static const struct opt options[] = {
	{ "allow-private", 0, NULL,
	    "keep private and other special-purpose addresses", NULL, 0,
	    OPT_SETS(O, allow_private) },
	{ "allowlist", 0, "FILE",
	    "leave out the addresses and blocks listed in FILE", "allowlist",
	    0, OPT_ID(O_ALLOWLIST) },
	{ "allow", 0, "CIDR", "leave out CIDR (repeatable)", "allow", 0,
	    OPT_ID(O_ALLOW) },
	{ "keep", 'k', "FIELD[,FIELD]",
	    "copy these fields of the finding into each record", NULL, 0,
	    OPT_ID(O_KEEP) },
	OPT_MAX_LINE(O_MAX_LINE, 0),
	OPT_REJECTS(O, rejects, 0),
	OPT_COMMON,
	OPT_END
};
#undef O

static const struct opt_prog prog = {
	"sh-extract-ip",
"usage: sh-extract-ip [-hqV] [--allow-private] [--allowlist file]\n"
"                     [-k field] [--max-line bytes] [--rejects file]\n"
"                     [--verbose] [file ...]\n",
	options, NULL
};

static void
on_option(void *arg, int id, const char *value, const char *where)
{
	struct parsed	*p = arg;
	char		*cause;

	switch (id) {
	case O_ALLOWLIST:
		if (ip_list_load(&p->x->allowlist, value, &cause) != 0)
			fatal_usage(where, "%s", cause);
		break;
	case O_ALLOW:
		if (conf_add_cidrs(&p->x->allowlist, value, &cause) != 0)
			fatal_usage(where, "%s", cause);
		break;
	case O_KEEP:
		add_keep(p->x, value);
		break;
	case O_MAX_LINE:
		if (parse_size(value, &p->x->max_line, &cause) != 0)
			fatal_usage(where, "%s", cause);
		break;
	}
}

int
main(int argc, char **argv)
{
	struct extract	 x;
	struct parsed	 p = { &x, NULL, 0 };
	struct opt_result args;
	struct input	*in;
	struct jl_record rec;
	char		*cause;
	size_t		 i;

	log_init("sh-extract-ip");
	memset(&x, 0, sizeof x);
	ip_list_init(&x.allowlist);
	buf_init(&x.line);
	opt_parse(&prog, argc, argv, on_option, &p, &args);
	x.allow_private = p.allow_private;

	/* never let an input or --rejects file take the place of stdout */
	if (fcntl(STDOUT_FILENO, F_GETFD) == -1)
		fatal("stdout", "%s", strerror(errno));
	if ((in = input_new(args.operands, args.noperands, p.rejects,
	    &cause)) == NULL)
		fatal_usage(NULL, "%s", cause);
	if (x.max_line > 0)
		input_set_max_line(in, x.max_line);
	x.out = jl_writer_new(STDOUT_FILENO, "stdout");

	while (!x.out_failed && input_next(in, &rec))
		extract_record(&x, &rec);

	if (jl_writer_free(x.out) != 0 && !x.out_failed)
		log_error("stdout", "%s", strerror(errno));
	/* after an unreadable input, its error says it all */
	if (x.findings == 0 && !x.out_failed && log_count(LOG_ERROR) == 0)
		log_warn(NULL, "no findings in the input");
	log_info(NULL, "records %lu, rejected %lu, findings %lu, written %lu, "
	    "special-purpose %lu, allowlisted %lu", input_records(in),
	    input_rejected(in), x.findings, x.written, x.special,
	    x.allowlisted);

	input_free(in);
	ip_list_free(&x.allowlist);
	for (i = 0; i < x.nkeep; i++)
		free(x.keep[i]);
	free(x.keep);
	buf_free(&x.line);
	opt_result_free(&args);
	if (!x.out_failed)
		log_close_stdout();
	return log_exit_status();
}
