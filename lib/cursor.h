/*
 * cursor.h: where a reader of findings stopped, per region: the newest
 * UpdatedAt it has passed on, and the findings (Id + UpdatedAt) it has
 * passed on inside the overlap window before it, so that a later read that
 * starts at cursor - overlap (to catch late-arriving updates) skips what
 * was already seen and passes on every new or updated finding once.
 *
 * Marks are pending until cursor_commit(), which folds them in and writes
 * the state file atomically (a temporary file, fsync, rename; mode 0600):
 * a run that fails or is killed before a commit leaves the cursor where it
 * was. Without a file the cursor lives in memory only.
 */
#ifndef SECHUB_CURSOR_H
#define SECHUB_CURSOR_H

#include <stdint.h>

struct cursor;

/*
 * Load path (NULL: in memory only; a missing file is an empty cursor) for
 * source ("securityhub", "guardduty"): a file written for another source
 * is refused. overlap_ms: how far before the cursor reads start again.
 * NULL and *cause (caller frees) on error.
 */
struct cursor *cursor_open(const char *, const char *, int64_t, char **);
void	 cursor_free(struct cursor *);

/* Where the next read of region starts: 1 and *ms (the cursor minus the
 * overlap), or 0 if the region has no cursor yet. */
int	 cursor_start(const struct cursor *, const char *, int64_t *);
/* Was this finding (id, UpdatedAt text) passed on already? Committed or
 * pending marks both count. */
int	 cursor_seen(const struct cursor *, const char *, const char *,
	    const char *);
/* Note a finding as passed on (pending until cursor_commit()). */
void	 cursor_mark(struct cursor *, const char *, const char *, const char *,
	    int64_t);
/* Forget the pending marks (their batch was not delivered). */
void	 cursor_rollback(struct cursor *);
/* Fold the pending marks in and save. 0, or -1 and *cause. */
int	 cursor_commit(struct cursor *, char **);

/* An ASFF or GuardDuty time ("2026-01-05T00:10:00.123Z", offsets too) as
 * epoch milliseconds: 0, or -1 if it is not a time. */
int	 cursor_parse_ms(const char *, int64_t *);
/* Epoch milliseconds as "YYYY-MM-DDTHH:MM:SS.mmmZ" into buf (25 bytes). */
char	*cursor_format_ms(int64_t, char *);

#endif
