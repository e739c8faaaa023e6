/*
 * ev.h: JSON documents as EventBridge sees them.
 *
 * ev_doc parses raw JSON text into a small tree that keeps what matching
 * needs and jansson throws away: the exact text of every number, object
 * members in document order (duplicates included) and each value's byte
 * span. Patterns are compiled from it (lib/pat.c).
 *
 * ev_event flattens an event into fields the way event-ruler does: one
 * field per leaf (string, number, true, false, null), named by the object
 * keys from the root joined with '.', array levels left out of the name but
 * remembered in the field's trail (which element of which array it came
 * from) so that array consistency can be checked. A duplicate key keeps
 * only its last value. Empty arrays and objects give no field.
 *
 * Both are reusable: parsing again reuses the memory. Pointers handed out
 * stay valid until the next parse or the free.
 */
#ifndef SECHUB_EV_H
#define SECHUB_EV_H

#include <stddef.h>
#include <stdint.h>

#define EV_MAX_DEPTH	512	/* deeper nesting is rejected */
#define EV_NONE		UINT32_MAX

enum ev_type {
	EV_NULL,
	EV_FALSE,
	EV_TRUE,
	EV_NUMBER,
	EV_STRING,
	EV_ARRAY,
	EV_OBJECT
};

/* One value of a parsed document. Indexes refer to ev_doc.nodes. */
struct ev_node {
	enum ev_type	 type;
	uint32_t	 key;		/* object member: decoded key (pool) */
	uint32_t	 keylen;
	uint32_t	 text;		/* decoded string, or literal text */
	uint32_t	 textlen;
	uint32_t	 child;		/* first member or element, EV_NONE */
	uint32_t	 next;		/* next sibling, EV_NONE */
	uint32_t	 nchild;
	uint32_t	 src;		/* the value's bytes in the source */
	uint32_t	 srclen;
};

struct ev_doc {
	struct ev_node	*nodes;
	size_t		 n;
	size_t		 cap;
	char		*pool;		/* decoded strings and number texts */
	size_t		 poollen;
	size_t		 poolcap;
};

void	 ev_doc_init(struct ev_doc *);
/*
 * Parse one JSON text (surrounding blanks allowed). 0, or -1 and a reason
 * in *cause (caller frees): "... at line L, column C". Node 0 is the root.
 */
int	 ev_doc_parse(struct ev_doc *, const char *, size_t, char **);
void	 ev_doc_free(struct ev_doc *);

/* Borrowed views into the pool. */
#define EV_KEY(d, nd)	((d)->pool + (nd)->key)
#define EV_TEXT(d, nd)	((d)->pool + (nd)->text)

/* One enclosing array of a field: which array, which element. */
struct ev_step {
	uint32_t	 array;		/* array id, unique within the event */
	uint32_t	 index;		/* element index in that array */
};

/* One leaf of an event. */
struct ev_field {
	const char	*path;		/* "detail.findings.Severity.Label" */
	size_t		 pathlen;
	enum ev_type	 type;		/* EV_NULL .. EV_STRING */
	const char	*value;		/* decoded string or number text */
	size_t		 valuelen;
	const struct ev_step *trail;	/* outermost array first */
	size_t		 traillen;
};

struct ev_event {
	struct ev_doc	 doc;
	struct ev_field	*fields;
	size_t		 nfields;
	size_t		 cap;
	char		*paths;		/* path bytes of all fields */
	size_t		 pathslen;
	size_t		 pathscap;
	struct ev_step	*steps;		/* trail steps of all fields */
	size_t		 nsteps;
	size_t		 stepscap;
	struct ev_step	*scantrail;	/* ev_scan(): the current trail */
	size_t		 scantrailcap;
};

void	 ev_init(struct ev_event *);
/*
 * Parse and flatten an event. An event that is not a JSON object has no
 * fields (it matches nothing but patterns of absence). 0 or -1 and *cause.
 */
int	 ev_parse(struct ev_event *, const char *, size_t, char **);
void	 ev_free(struct ev_event *);

/* Do two fields come from compatible array elements (array consistency)? */
int	 ev_trail_compatible(const struct ev_field *, const struct ev_field *);

/*
 * The fast path: the field paths some rule uses, as a trie over their bytes,
 * and a scanner that validates an event line and flattens only the fields
 * on those paths (all that matching looks at), skipping the rest.
 */
struct ev_paths;

struct ev_paths *ev_paths_new(void);
void	 ev_paths_add(struct ev_paths *, const char *, size_t);
void	 ev_paths_free(struct ev_paths *);

/*
 * Scan one line of input (no line terminator): if it is exactly one JSON
 * object, valid as lib/jl.c validates (grammar, UTF-8, escapes, depth),
 * followed by blanks only, flatten into ev the fields whose paths are in
 * paths, as ev_parse() would (same order and values, equivalent trails), and
 * return the object's length. Return 0 in every other case (invalid, not an
 * object, a duplicate key on a used path, ...): the caller then takes the
 * slow path, jl_next() and ev_parse(). ev->doc is not filled.
 */
size_t	 ev_scan(struct ev_event *, struct ev_paths *, const char *,
	    size_t);

#endif
