/*
 * slack_impl.h: what the files of lib/slack* share. From the bottom:
 * slack_text.c (kind names, JSON lookups, escaping and cutting, Block Kit
 * pieces, console links, the mrkdwn rule), slack_tpl.c (the payload check and
 * templates, on the text layer), slack_render.c (one item's message and
 * digests, on both), slack.c (kinds, classification by finding.c,
 * grouping) and slack_post.c (delivery, dedupe state). Each file uses only
 * the ones above it in this list. Internal to lib/; the interface is
 * slack.h.
 */
#ifndef SECHUB_SLACK_IMPL_H
#define SECHUB_SLACK_IMPL_H

#include <stddef.h>
#include <jansson.h>

#include "slack.h"
#include "util.h"

#define ELLIPSIS	"\xe2\x80\xa6"	/* U+2026, 3 bytes */
#define IP_LEN_GUARD	100	/* longer "HostIp" values are cut */

/* --- slack_text.c: JSON lookups (borrowed values or new strings) -------- */

/* A string at path, or NULL (empty strings count as absent). */
const char *slack_js(const json_t *, const char *);
/* A scalar at path as a new string, or NULL. */
char	*slack_jdup(const json_t *, const char *);
/* Value as display text: strings as they are, the rest as compact JSON. */
char	*slack_jtext(const json_t *);
/* A time as RFC 3339 UTC when it parses (strings or epoch ms), else as is. */
char	*slack_jtime(const json_t *, const char *);

/* --- escaping, cutting, Block Kit pieces --------------------------------- */

/* The emoji of a severity rank (0 INFORMATIONAL..4 CRITICAL, else ?). */
const char *slack_sev_emoji(int);
/* Escaped (NULL: "-"), in at most max bytes. */
void	 slack_esc(struct buf *, const char *, size_t);
/* mrkdwn already (a template's) in at most max bytes, cut between tokens. */
void	 slack_append_mrkdwn(struct buf *, const char *, size_t, size_t);
json_t	*slack_section(struct buf *);
json_t	*slack_header(const char *);
json_t	*slack_context(struct buf *);
/* A section field "*Name*\nvalue"; value is escaped; code: in backticks. */
void	 slack_add_field(json_t *, const char *, const char *, int);
json_t	*slack_fields_section(json_t *);
/* The payload: fallback text (escaped, short) and blocks. */
json_t	*slack_payload(struct buf *, json_t *);
/* "<url|label>" with the URL made safe for mrkdwn. */
void	 slack_add_link(struct buf *, const char *, const char *);

/* --- console links (new strings) ----------------------------------------- */

char	*slack_securityhub_link(const char *, const char *);
char	*slack_guardduty_link(const char *, const char *);

/* --- the mrkdwn rule ----------------------------------------------------- */

/* Characters (not bytes) of UTF-8 text. */
size_t	 slack_chars(const char *);
/* Every &, < and > escaped, but in <link|label>: 0, or -1 and *cause. */
int	 slack_check_mrkdwn(const char *, char **, const char *);

#endif
