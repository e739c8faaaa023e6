/*
 * pat.h: EventBridge event patterns, the whole language.
 *
 * A pat_set holds any number of named rules compiled together. Compiling
 * validates a pattern the way EventBridge does and, when it is not valid,
 * hands back EventBridge's own reason ("Event pattern is not valid.
 * Reason: ..."). A compiled rule is a list of sub-rules ($or expanded), each
 * an AND of conditions on one field path; conditions of all rules are
 * indexed by path, so that matching an event looks each of its fields up
 * once (the shape an automaton can grow from).
 *
 * Two evaluators answer the same question: pat_set_match() (indexed, all
 * rules at once; what sh-match uses) and pat_ref_match() (one rule, by
 * plain scans of the event; the reference the fast path is tested
 * against). They share only the value tests of the operators.
 *
 * Semantics follow EventBridge (see man/sh-match.1): arrays are transparent,
 * conditions on fields of objects inside an array must hold in the same
 * element (array consistency), numbers compare as exact decimals.
 */
#ifndef SECHUB_PAT_H
#define SECHUB_PAT_H

#include <stddef.h>
#include <stdint.h>

#include "ev.h"

#define PAT_MAX_COMBINATIONS	1000	/* $or expansions per rule */
#define PAT_MAX_WILDCARDS	5	/* '*' per wildcard operand */

struct pat_set;

struct pat_set *pat_set_new(void);
void	 pat_set_free(struct pat_set *);

/*
 * Compile a pattern (JSON text of len bytes) as a rule named name (copied).
 * Returns the rule's index, or -1 and *cause (caller frees), e.g.
 * "Event pattern is not valid. Reason: Empty arrays are not allowed".
 */
int	 pat_set_add(struct pat_set *, const char *, const char *, size_t,
	    char **);
size_t	 pat_set_count(const struct pat_set *);
const char *pat_set_name(const struct pat_set *, size_t);

/*
 * The distinct field paths the rules use (what an event scanner needs to
 * keep, see ev_scan()): how many, and path i with its length.
 */
size_t	 pat_set_npaths(const struct pat_set *);
const char *pat_set_path(const struct pat_set *, size_t, size_t *);

/*
 * Match an event against every rule. matched (pat_set_count() bytes) gets
 * 1 for each rule that matches. Returns the number of matching rules. Uses
 * scratch space in the set: one caller at a time.
 */
size_t	 pat_set_match(struct pat_set *, const struct ev_event *, uint8_t *);

/* The reference evaluator: does rule i match the event? 1 or 0. */
int	 pat_ref_match(const struct pat_set *, size_t, const struct ev_event *);

/*
 * Why rule i does not match the event: the first condition that fails, as
 * "PATH: why" (caller frees), or NULL if it matches.
 */
char	*pat_explain(const struct pat_set *, size_t, const struct ev_event *);

/*
 * Exact decimal comparison of two JSON number texts: <0, 0, >0. Exposed
 * for tests.
 */
int	 pat_num_cmp(const char *, size_t, const char *, size_t);

#endif
