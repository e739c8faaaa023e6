/*
 * finding.c: which shape a JSON value is (ASFF, native GuardDuty, OCSF),
 * the envelopes findings travel in (events, get-findings documents,
 * arrays), and the walk that hands each finding over; the one place that
 * knows what a finding is (see finding.h). The shapes' fields are read in
 * finding_shape.c, over finding_span.c's walker.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clk.h"
#include "finding.h"
#include "finding_impl.h"
#include "util.h"

const char *
finding_shape_name(enum finding_shape shape)
{
	switch (shape) {
	case FINDING_ASFF:
		return "ASFF";
	case FINDING_GUARDDUTY:
		return "GuardDuty";
	case FINDING_OCSF:
		return "OCSF";
	}
	return "?";
}


/* --- the walk --------------------------------------------------------- */

static const struct {
	const char	*name;
	size_t		 len;
} slot_names[S_MAX] = {
#define N(s)	{ s, sizeof(s) - 1 }
	N("Id"), N("ProductArn"), N("SchemaVersion"), N("AwsAccountId"),
	N("Types"), N("Severity"), N("FindingProviderFields"), N("Region"),
	N("LastObservedAt"), N("UpdatedAt"), N("CreatedAt"),
	N("ProductName"), N("ProductFields"), N("Action"), N("Resources"),
	N("Title"), N("FirstObservedAt"),
	N("id"), N("arn"), N("type"), N("severity"), N("accountId"),
	N("region"), N("service"), N("resource"), N("updatedAt"),
	N("createdAt"), N("title"),
	N("class_uid"), N("finding_info"), N("severity_id"), N("cloud"),
	N("metadata"), N("evidences"), N("observables"), N("time_dt"),
	N("time"), N("unmapped"), N("resources"),
	N("detail"), N("findings"), N("Findings"), N("account"),
#undef N
};

static void
collect(struct members *ms, struct span obj)
{
	struct span_iter it;
	struct span	 k, v;
	size_t		 len;
	int		 i;

	memset(ms, 0, sizeof *ms);
	ms->obj = obj;
	if (span_iter_open(&it, obj, '{') != 0)
		return;
	while (span_iter_member(&it, &k, &v)) {
		len = k.e - k.p;
		for (i = 0; i < S_MAX; i++) {
			if (slot_names[i].len == len &&
			    memcmp(slot_names[i].name, k.p, len) == 0) {
				if (!HAS(ms->m[i]))
					ms->m[i] = v;
				else if (i == S_detail || i == S_findings ||
				    i == S_Findings)
					ms->dup = 1;
				break;
			}
		}
	}
}

static int
is_asff(const struct members *ms)
{
	return is_string(M(ms, Id)) && (is_string(M(ms, ProductArn)) ||
	    is_string(M(ms, SchemaVersion)) || is_string(M(ms, AwsAccountId)));
}

static int
is_ocsf(const struct members *ms)
{
	double	 c;

	if (span_number(M(ms, class_uid), &c) == 0)
		return c >= 2000 && c < 2100;
	return is_object(M(ms, finding_info));
}

static int
is_native(const struct members *ms)
{
	return is_string(M(ms, type)) &&
	    (is_string(M(ms, arn)) || is_string(M(ms, id))) &&
	    (is_object(M(ms, service)) || is_object(M(ms, resource)) ||
	    is_number(M(ms, severity)));
}

/* What reads each shape's fields, by enum finding_shape. */
static void (*const fill[])(struct walk *, const struct members *) = {
	finding_fill_asff, finding_fill_native, finding_fill_ocsf
};

/* Where the finding lies, for finding_path(). */
static void
set_path(struct walk *w, struct finding *f)
{
	char	 outer[24] = "", inner[24] = "";

	f->path_ok = !w->dup;
	if (w->outer >= 0)
		snprintf(outer, sizeof outer, "%ld%s", w->outer,
		    w->via != NULL ? "." : "");
	if (w->inner >= 0)
		snprintf(inner, sizeof inner, ".%ld", w->inner);
	snprintf(f->path, sizeof f->path, "%s%s%s", outer,
	    w->via != NULL ? w->via : "", inner);
}

/* Fill and hand over one finding of a known shape. */
static void
emit(struct walk *w, const struct members *ms, enum finding_shape shape)
{
	struct finding		*f = &w->f;

	if (w->stopped)
		return;
	memset(f, 0, offsetof(struct finding, ips));
	f->shape = shape;
	f->nips = f->nbad = 0;
	f->obj = ms->obj.p;
	f->obj_end = ms->obj.e;
	f->env = w->env != NULL ? w->env->obj.p : NULL;
	f->env_end = w->env != NULL ? w->env->obj.e : NULL;
	w->nconn = 0;
	w->action_type[0] = '\0';
	set_path(w, f);

	fill[shape](w, ms);
	finding_fill_finish(w);
	w->found++;
	if (w->cb(f, w->arg) != 0)
		w->stopped = 1;
}

/* A finding, on its own or inside a container; 0 if it is one. */
static int
visit_finding(struct walk *w, const struct members *ms)
{
	if (is_asff(ms))
		emit(w, ms, FINDING_ASFF);
	else if (is_ocsf(ms))
		emit(w, ms, FINDING_OCSF);
	else if (is_native(ms))
		emit(w, ms, FINDING_GUARDDUTY);
	else
		return -1;
	return 0;
}

static void
visit_list(struct walk *w, struct span list)
{
	struct span_iter it;
	struct span	 el;
	struct members	 ms;

	if (span_iter_open(&it, list, '[') != 0)
		return;
	for (w->inner = 0; !w->stopped && span_iter_elem(&it, &el);
	    w->inner++) {
		collect(&ms, el);
		if (visit_finding(w, &ms) != 0)
			w->unknown++;
	}
	w->inner = -1;
}

/* A record: a finding, an event, a get-findings document. */
static void
visit_value(struct walk *w, struct span v)
{
	struct members	 ms, detail;

	collect(&ms, v);
	if (visit_finding(w, &ms) == 0)
		return;
	if (is_object(M(&ms, detail))) {
		collect(&detail, M(&ms, detail));
		w->env = &ms;
		w->dup = ms.dup;
		if (is_array(M(&detail, findings))) {
			w->via = "detail.findings";
			w->dup |= detail.dup;
			visit_list(w, M(&detail, findings));
		} else if (is_native(&detail)) {
			w->via = "detail";
			emit(w, &detail, FINDING_GUARDDUTY);
		} else
			w->unknown++;
		w->env = NULL;
		w->via = NULL;
		w->dup = 0;
		return;
	}
	if (is_array(M(&ms, Findings))) {
		w->via = "Findings";
		w->dup = ms.dup;
		visit_list(w, M(&ms, Findings));
		w->via = NULL;
		w->dup = 0;
		return;
	}
	w->unknown++;
}

int
finding_each(const char *text, size_t len, finding_cb cb, void *arg,
    size_t *unknown)
{
	struct walk			 w;
	struct span			 v, el;
	struct span_iter		 it;
	struct span_index		 index;
	const struct span_index		*saved;

	memset(&w, 0, sizeof w);
	w.cb = cb;
	w.arg = arg;
	w.outer = w.inner = -1;
	saved = span_index_begin(&index, text, len);
	v.p = skip_ws(text, text + len);
	v.e = text + len;
	if (v.p < v.e && *v.p == '[') {
		/* an array of findings, events or documents */
		span_iter_open(&it, v, '[');
		for (w.outer = 0; !w.stopped && span_iter_elem(&it, &el);
		    w.outer++)
			visit_value(&w, el);
	} else
		visit_value(&w, v);
	span_index_end(&index, saved);
	free(w.f.ips);
	free(w.f.bad);
	if (unknown != NULL)
		*unknown = w.unknown;
	return w.stopped ? -1 : w.found;
}

const char *
finding_member(const struct finding *f, const char *name, size_t *len)
{
	struct span	 obj, v;

	obj.p = f->obj;
	obj.e = f->obj_end;
	v = span_member(obj, name);
	if (!HAS(v) && f->env != NULL) {
		obj.p = f->env;
		obj.e = f->env_end;
		v = span_member(obj, name);
	}
	if (!HAS(v))
		return NULL;
	*len = v.e - v.p;
	return v.p;
}

const char *
finding_path(const struct finding *f)
{
	return f->path_ok ? f->path : NULL;
}

char *
finding_text_cstr(const struct finding_text *t, char *buf, size_t size)
{
	struct span	 v;

	v.p = t->json;
	v.e = t->len == 0 ? t->json : t->json + t->len;
	if (size > 0 && (t->len == 0 || span_string(v, buf, size) < 0))
		buf[0] = '\0';
	return buf;
}

const char *
finding_json(const struct finding *f, size_t *len)
{
	*len = f->obj_end - f->obj;
	return f->obj;
}

char *
finding_text_dup(const struct finding_text *t)
{
	struct span	 v;
	char		*s;

	if (t->json == NULL || t->len == 0)
		return NULL;	/* absent: no pointer arithmetic on NULL */
	v.p = t->json;
	v.e = t->json + t->len;
	if (is_string(v) && t->len <= 2)
		return NULL;
	if (!is_string(v))
		return xstrndup(t->json, t->len);
	s = xmalloc(t->len + 5);	/* unescaped is never longer */
	if (span_string(v, s, t->len + 5) < 0) {
		free(s);
		return NULL;
	}
	return s;
}

char *
finding_time_dup(const struct finding_text *t)
{
	struct span	 v;
	char		 b[CLK_BUFSZ];
	time_t		 when;

	v.p = t->json;
	v.e = t->len == 0 ? t->json : t->json + t->len;
	if (t->len != 0 && span_time(v, &when) == 0)
		return xstrdup(clk_format(when, b));
	return finding_text_dup(t);
}

char *
finding_product_dup(const struct finding *f)
{
	char		*s, *arn;
	const char	*slash;

	if ((s = finding_text_dup(&f->product)) != NULL)
		return s;
	if ((arn = finding_text_dup(&f->product_arn)) == NULL)
		return NULL;
	/* arn:aws:securityhub:us-east-1::product/aws/guardduty */
	if ((slash = strrchr(arn, '/')) != NULL && slash[1] != '\0')
		s = xstrdup(slash + 1);
	free(arn);
	return s;
}
