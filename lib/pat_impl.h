/*
 * pat_impl.h: the compiled form of event patterns, shared by the files of
 * lib/pat*: pat_value.c (the operators' value tests, exact decimals),
 * pat_compile.c (a pattern's text into leaves and sub-rules, with
 * EventBridge's reasons), pat.c (the set: rules, interned paths, condition
 * classes, the exact-string index, anchors), pat_match.c (the indexed
 * matcher) and pat_explain.c (the reference evaluator and --explain).
 * Internal to lib/; the interface is pat.h.
 */
#ifndef SECHUB_PAT_IMPL_H
#define SECHUB_PAT_IMPL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ev.h"
#include "ip.h"
#include "pat.h"

#define REASON	"Event pattern is not valid. Reason: "

enum pat_kind {
	K_STRING,		/* exact string */
	K_NUMBER,		/* exact number (numeric equality) */
	K_TRUE,
	K_FALSE,
	K_NULL,
	K_PREFIX,
	K_PREFIX_EIC,
	K_SUFFIX,
	K_SUFFIX_EIC,
	K_EIC,
	K_WILDCARD,
	K_NUMERIC,
	K_CIDR,
	K_EXISTS,		/* exists: true (false is a condition flag) */
	K_BUT_STRING,		/* anything-but: strings */
	K_BUT_NUMBER,		/* anything-but: numbers */
	K_BUT_PREFIX,
	K_BUT_SUFFIX,
	K_BUT_EIC,
	K_BUT_WILDCARD
};

struct pat_str {
	char		*s;
	size_t		 len;
	int		 dexact;	/* number: exact as a double */
};

/* A wildcard operand: literal segments between the stars. */
struct pat_wild {
	struct pat_str	*seg;
	size_t		 nseg;		/* stars + 1 */
};

/* A JSON number as sign, significant digits and a decimal exponent. */
struct pat_dec {
	int		 neg;
	int		 zero;
	const char	*ip, *fp;	/* integer and fraction digits */
	size_t		 ilen, flen;
	long long	 exp;		/* value = 0.D x 10^exp */
	size_t		 lead;		/* leading zeros of D skipped */
	size_t		 nsig;		/* significant digits of D */
};

/* One alternative of a leaf's value array. */
struct pat_alt {
	enum pat_kind	 kind;
	struct pat_str	*op;		/* operands: strings or number texts */
	size_t		 nop;
	struct pat_wild	*wild;		/* K_WILDCARD, K_BUT_WILDCARD */
	size_t		 nwild;
	struct pat_str	 lo, hi;	/* K_NUMERIC; s NULL when open */
	struct pat_dec	*dec;		/* K_NUMERIC: lo and hi, parsed */
	int		 lo_incl, hi_incl;
	struct ip_cidr	 cidr;
};

/* A leaf of the pattern: a path and its alternatives. */
struct pat_leaf {
	char		*path;
	size_t		 pathlen;
	uint32_t	 seq;		/* document order */
	struct pat_alt	*alt;
	size_t		 nalt;
	int		 exists_false;	/* an {"exists": false} alternative */
	char		*src;		/* the value array's text */
};

/* A condition of a sub-rule: a leaf, on an interned path. */
struct pat_cond {
	const struct pat_leaf *leaf;
	uint32_t	 path;
	uint32_t	 sub;
	/*
	 * Its place among its sub-rule's conditions in the order EventBridge
	 * takes keys in (sorted, as Java sorts strings), and whether one that
	 * can choose a field comes before it: an {"exists": false} is judged
	 * against the array elements of the fields chosen before it.
	 */
	uint32_t	 rank;
	int		 prior;
	/* the leaf, if the condition may hold by absence with a prior */
	const struct pat_leaf *absent;
};

struct pat_sub {
	size_t		 rule;
	uint32_t	*cond;		/* indexes into set->conds */
	size_t		 ncond;
	int		 absent;	/* some cond has pat_cond.absent */
};

struct pat_rule {
	char		*name;
	struct pat_leaf	*leaf;
	size_t		 nleaf;
	size_t		 firstsub;
	size_t		 nsub;
};

/*
 * Conditions whose alternatives are all exact strings, indexed by those
 * strings: one lookup per event value instead of one test per rule. The
 * first value transition of what can become an automaton.
 */
struct pat_exact {
	const char	*value;		/* borrowed from the leaf; NULL: free */
	size_t		 len;
	uint32_t	*cond;
	size_t		 ncond;
};

/*
 * Conditions with the same path and the same value array, whatever rule
 * they come from, are one class: tested once per event field. The sub-rules
 * that need a class to hold (it is their rarest condition that cannot hold
 * by absence) are anchored on it, so an event looks only at the sub-rules
 * whose anchor it hit.
 */
struct pat_cls {
	const struct pat_leaf *leaf;
	uint32_t	 path;
	uint32_t	 users;		/* sub-rules with this condition */
	uint32_t	*anchored;	/* sub-rules anchored here */
	size_t		 nanchored;
};

/* A distinct field path used by some rule, with every condition on it. */
struct pat_path {
	char		*name;
	size_t		 len;
	uint32_t	*cond;		/* classes tested one by one */
	size_t		 ncond;
	struct pat_exact *exact;	/* open addressing, power of 2 */
	size_t		 nexact;
	size_t		 exactsize;
	uint32_t	 seen;		/* scratch: event generation */
};

/* Scratch of pat_set_match: candidates of a condition, as a list. */
struct pat_hit {
	uint32_t	 field;
	uint32_t	 next;
};

/* Candidate fields of one condition. */
struct pat_cands {
	const uint32_t	*field;		/* fields that pass the test */
	size_t		 n;
	const struct pat_cond *cond;
};

struct pat_set {
	struct pat_rule	*rules;
	size_t		 nrules;
	struct pat_sub	*subs;
	size_t		 nsubs;
	struct pat_cond	*conds;
	size_t		 nconds;
	struct pat_path	*paths;
	size_t		 npaths;
	uint32_t	*table;		/* open addressing: path index + 1 */
	size_t		 tablesize;
	struct pat_cls	*cls;
	size_t		 ncls;
	uint32_t	*cond_cls;	/* condition -> class */
	uint32_t	*clstable;	/* open addressing: class index + 1 */
	size_t		 clstablesize;
	uint32_t	*always;	/* sub-rules with no anchor */
	size_t		 nalways;
	int		 anchored;	/* anchors up to date */

	/* scratch for pat_set_match, per class */
	uint32_t	 gen;
	uint32_t	*cond_gen;
	uint32_t	*cond_head;
	uint32_t	*hitcls;	/* classes hit by this event */
	size_t		 nhitcls;
	struct pat_hit	*hits;
	size_t		 nhits;
	size_t		 hitscap;
	size_t		 maxcond;	/* most conditions of one sub-rule */
	struct pat_cands *cands;		/* maxcond of them */
	uint32_t	*pool;		/* hitscap of them */
};

/* --- pat_value.c ------------------------------------------------------- */

/* Does field f satisfy the alternative? */
int	 pat_test_alt(const struct pat_alt *, const struct ev_field *);
/*
 * Is the number text exactly what its double prints as (finite, and the
 * shortest decimal of the nearest double)? What event-ruler asks of every
 * number it compares as a number.
 */
int	 pat_double_exact(const char *, size_t);
/* A number's text parsed (pointing into it) for pat_dec_cmp(). */
void	 pat_dec_parse(const char *, size_t, struct pat_dec *);
/* An IP as EventBridge reads one (no IPv4-in-IPv6 dotted forms). */
int	 pat_parse_ip(const char *, size_t, struct ip_addr *);
/* Once, before any test: what the value tests need (case mappings). */
void	 pat_value_init(void);

/* Does field f satisfy one of the leaf's alternatives? */
static inline int
pat_test_leaf(const struct pat_leaf *l, const struct ev_field *f)
{
	size_t	 i;

	for (i = 0; i < l->nalt; i++)
		if (pat_test_alt(&l->alt[i], f))
			return 1;
	return 0;
}

/* --- pat_compile.c ----------------------------------------------------- */

/* A sub-rule before duplicate paths are resolved: indexes of leaves. */
struct pat_combo {
	size_t		*leaf;
	size_t		 n;
};

struct pat_compiled {
	struct pat_leaf	*leaf;
	size_t		 nleaf;
	struct pat_combo *combo;	/* $or expanded */
	size_t		 ncombo;
};

/*
 * Compile one pattern: 0, or -1 and *cause (caller frees), EventBridge's
 * whole message ("Event pattern is not valid. Reason: ...").
 */
int	 pat_compile(const char *, size_t, struct pat_compiled *, char **);
/* Free what pat_compile made (leaf NULL: the leaves were taken). */
void	 pat_compiled_free(struct pat_compiled *);
void	 pat_leaves_free(struct pat_leaf *, size_t);

/* --- pat.c --------------------------------------------------------------- */

/* Anchor every sub-rule (before matching, after rules were added). */
void	 pat_anchor_subs(struct pat_set *);

static inline uint32_t
hash_path(const char *s, size_t len)
{
	uint32_t	 h = 2166136261u;
	size_t		 i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

static inline uint32_t
lookup_path(const struct pat_set *set, const char *s, size_t len)
{
	size_t		 i, mask = set->tablesize - 1;
	uint32_t	 v;

	if (set->tablesize == 0)
		return EV_NONE;
	for (i = hash_path(s, len) & mask; (v = set->table[i]) != 0;
	    i = (i + 1) & mask) {
		const struct pat_path *p = &set->paths[v - 1];

		if (p->len == len && memcmp(p->name, s, len) == 0)
			return v - 1;
	}
	return EV_NONE;
}

static inline struct pat_exact *
exact_slot(const struct pat_path *p, const char *v, size_t len)
{
	size_t	 i, mask = p->exactsize - 1;

	if (p->exactsize == 0)
		return NULL;
	for (i = hash_path(v, len) & mask; p->exact[i].value != NULL;
	    i = (i + 1) & mask)
		if (p->exact[i].len == len &&
		    memcmp(p->exact[i].value, v, len) == 0)
			break;
	return &p->exact[i];
}

/*
 * Two field paths in the order EventBridge takes keys in: as Java compares
 * strings (by UTF-16 code units, not by code points). <0, 0, >0.
 */
int	 pat_path_cmp(const char *, size_t, const char *, size_t);

/* --- pat_match.c ------------------------------------------------------ */

/*
 * Can one candidate field per condition be chosen so that no two come from
 * different elements of one array? c is reordered.
 */
int	 pat_consistent(const struct ev_event *, struct pat_cands *, size_t);
/*
 * The same when some condition may hold by absence though the event has
 * its path (pat_cond.absent): the conditions are taken in key order, and
 * each such one holds, instead of choosing a field, when no field on its
 * path fits the fields chosen before it (c[i].cond set for every one).
 */
int	 pat_consistent_in_order(const struct ev_event *, struct pat_cands *,
	    size_t);

#endif
