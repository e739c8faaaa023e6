/*
 * finding-agree.c: for every record of the files named, what sh-extract-ip
 * calls a finding (finding_each(), as bin/sh-extract-ip.c walks a record)
 * and what slack-notify calls one (slack_classify_text(), as
 * bin/slack-notify.c sorts a record) must be the same findings, with the
 * same ids, in the same order. Prints "R records, F findings" and exits 0
 * when they agree on every record; says where they differ and exits 1
 * otherwise (2: a file cannot be read). Used by tests/extract/agree.sh.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "finding.h"
#include "jl.h"
#include "slack.h"
#include "util.h"

static int
add_id(const struct finding *f, void *arg)
{
	struct buf	*b = arg;
	char		*id = finding_text_dup(&f->id);

	buf_addf(b, "[%s]", id ? id : "");
	free(id);
	return 0;
}

/* The findings of one record, both ways: 0 if the same, else 1. */
static int
compare(const struct jl_record *rec, unsigned long *nfindings)
{
	struct slack_item	**items = NULL;
	struct buf		 a, b;
	size_t			 n = 0, i;
	char			 reason[160];
	json_t			*v;
	int			 nf, differ;

	buf_init(&a);
	buf_init(&b);
	nf = finding_each(rec->text, rec->len, add_id, &a, NULL);
	if ((v = jl_decode(rec, reason, sizeof reason)) == NULL) {
		printf("%s: not decoded: %s\n", jl_where(rec), reason);
		return 1;
	}
	slack_classify_text(rec->text, rec->len, v, &items, &n);
	for (i = 0; i < n; i++) {
		if (items[i]->kind == SLACK_FINDING)
			buf_addf(&b, "[%s]", items[i]->field[SF_ID] ?
			    items[i]->field[SF_ID] : "");
		slack_item_free(items[i]);
	}
	free(items);
	json_decref(v);
	differ = strcmp(buf_cstr(&a), buf_cstr(&b)) != 0;
	if (differ)
		printf("%s: sh-extract-ip finds %s, slack-notify %s\n",
		    jl_where(rec), a.len ? a.data : "nothing",
		    b.len ? b.data : "nothing");
	*nfindings += nf > 0 ? (unsigned long)nf : 0;
	buf_free(&a);
	buf_free(&b);
	return differ;
}

int
main(int argc, char **argv)
{
	struct jl_reader	*r;
	struct jl_record	 rec;
	struct jl_error		 e;
	unsigned long		 records = 0, findings = 0, bad = 0;
	char			*cause;
	int			 i, st;

	for (i = 1; i < argc; i++) {
		if ((r = jl_open(argv[i], &cause)) == NULL) {
			fprintf(stderr, "finding-agree: %s\n", cause);
			return 2;
		}
		while ((st = jl_next(r, &rec, &e)) != JL_EOF &&
		    st != JL_IOERR) {
			if (st != JL_RECORD)
				continue;
			records++;
			bad += compare(&rec, &findings);
		}
		jl_close(r);
	}
	printf("%lu records, %lu findings\n", records, findings);
	return bad == 0 ? 0 : 1;
}
