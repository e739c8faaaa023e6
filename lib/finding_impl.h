/*
 * finding_impl.h: what the files of lib/finding* share: finding_span.c
 * (the span walker over a record's raw text), finding_shape.c (what each
 * shape says: the fields of struct finding and the remote addresses) and
 * finding.c (which shape a value is, the envelopes, the walk). Internal
 * to lib/; the interface is finding.h.
 */
#ifndef SECHUB_FINDING_IMPL_H
#define SECHUB_FINDING_IMPL_H

#include <stddef.h>
#include <string.h>

#include "finding.h"

/* --- finding_span.c: JSON values as spans of text ------------------------ */

/*
 * A JSON value as a span of text. The walker trusts that the text is valid
 * JSON (the reader checked it) but never reads outside [p, e).
 */
struct span {
	const char	*p;
	const char	*e;
};

#define SPAN_NONE	((struct span){ NULL, NULL })
#define HAS(s)		((s).p != NULL)

/* An iterator over the members of an object or the elements of an array. */
struct span_iter {
	const char	*p;
	const char	*e;
};

/*
 * Where each object and array of a record ends, found in one pass so that
 * stepping over a member is a lookup rather than a scan.
 */
struct span_index {
	const char	*base;
	size_t		 len;
	uint32_t	*open;	/* offsets of '{' and '[', ascending */
	uint32_t	*end;	/* past the matching close, or 0 */
	size_t		 n;
	size_t		 cap;
};

/*
 * Index text (len bytes) and use the index in this thread until
 * span_index_end() hands back the one used before (walks may nest).
 */
const struct span_index *span_index_begin(struct span_index *, const char *,
	    size_t);
void	 span_index_end(struct span_index *, const struct span_index *);

static inline const char *
skip_ws(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	return p;
}

/* p is at the opening quote: return past the closing one, or NULL. */
const char *span_skip_string(const char *, const char *);

/* Start on the members or elements of v, opened by '{' or '[': 0, -1. */
static inline int
span_iter_open(struct span_iter *it, struct span v, char open)
{
	if (v.p == NULL || v.p >= v.e || *v.p != open)
		return -1;
	it->p = v.p + 1;
	it->e = v.e;
	return 0;
}

/* Next member: key (contents, no quotes) and value; 0 at the end. */
int	 span_iter_member(struct span_iter *, struct span *, struct span *);
int	 span_iter_elem(struct span_iter *, struct span *);

/* A member of an object, or SPAN_NONE. */
struct span span_member(struct span, const char *);
/*
 * Members of an object in one pass: out[i] for names[i] (NULL-ended, at
 * most SPAN_MEMBERS_MAX names), SPAN_NONE for those it lacks.
 */
#define SPAN_MEMBERS_MAX	8
void	 span_members(struct span, const char *const *, struct span *);
/* A JSON number as a double: 0, or -1. */
int	 span_number(struct span, double *);
/*
 * The contents of a string token, unescaped, into buf (NUL-terminated):
 * the length, or -1 if v is no string or does not fit.
 */
long	 span_string(struct span, char *, size_t);
int	 span_string_is(struct span, const char *);
/* A time: an RFC 3339 string, or epoch seconds or milliseconds. */
int	 span_time(struct span, time_t *);

static inline int
span_is(struct span s, const char *lit, size_t len)
{
	return (size_t)(s.e - s.p) == len && memcmp(s.p, lit, len) == 0;
}
#define IS(s, lit)	span_is((s), (lit), sizeof(lit) - 1)

static inline int
is_string(struct span v)
{
	return HAS(v) && v.p < v.e && *v.p == '"';
}

static inline int
is_object(struct span v)
{
	return HAS(v) && v.p < v.e && *v.p == '{';
}

static inline int
is_array(struct span v)
{
	return HAS(v) && v.p < v.e && *v.p == '[';
}

static inline int
is_number(struct span v)
{
	return HAS(v) && v.p < v.e && (*v.p == '-' ||
	    (*v.p >= '0' && *v.p <= '9'));
}

/* --- finding.c: the members a shape is recognised by -------------------- */

/* The top-level members any shape (or envelope) may need. */
enum slot {
	/* ASFF */
	S_Id, S_ProductArn, S_SchemaVersion, S_AwsAccountId, S_Types,
	S_Severity, S_FindingProviderFields, S_Region, S_LastObservedAt,
	S_UpdatedAt, S_CreatedAt, S_ProductName, S_ProductFields, S_Action,
	S_Resources, S_Title, S_FirstObservedAt,
	/* native GuardDuty */
	S_id, S_arn, S_type, S_severity, S_accountId, S_region, S_service,
	S_resource, S_updatedAt, S_createdAt, S_title,
	/* OCSF */
	S_class_uid, S_finding_info, S_severity_id, S_cloud, S_metadata,
	S_evidences, S_observables, S_time_dt, S_time, S_unmapped,
	S_resources,
	/* envelopes */
	S_detail, S_findings, S_Findings, S_account,
	S_MAX
};

struct members {
	struct span	 obj;
	struct span	 m[S_MAX];
	int		 dup;	/* detail, findings or Findings twice */
};

#define M(ms, s)	((ms)->m[S_ ## s])

/* --- finding_shape.c: what a finding of each shape says ----------------- */

/* What connectionDirection said for an action type, while walking. */
struct conn_dir {
	char		 action[FINDING_ACTION_MAX];
	const char	*dir;
};

struct walk {
	struct finding		 f;
	finding_cb		 cb;
	void			*arg;
	int			 found;
	int			 stopped;
	size_t			 unknown;
	const struct members	*env;	/* the event, or NULL */
	/* where the finding lies: the record's element (-1 if the record is
	 * no array), the envelope's member path (NULL: none), the element of
	 * its list (-1: no list); dup if a key on the way appears twice */
	long			 outer, inner;
	const char		*via;
	int			 dup;
	struct conn_dir		 conn[8];
	size_t			 nconn;
	char			 action_type[FINDING_ACTION_MAX];
};

void	 finding_fill_asff(struct walk *, const struct members *);
void	 finding_fill_native(struct walk *, const struct members *);
void	 finding_fill_ocsf(struct walk *, const struct members *);
/* The fields every shape falls back on (the envelope's), directions. */
void	 finding_fill_finish(struct walk *);

#endif
