/*
 * jtok_impl.h: the rules of JSON's tokens that every hand-written walker in
 * lib/ shares (jl.c's reader, ev.c's parser and scanner, finding.c, slack):
 * which bytes stand for themselves in a string, what a valid UTF-8 sequence
 * is, what a valid escape is, and how a code point is written in UTF-8.
 * Internal to lib/; programs use jl.h.
 *
 * Everything here is static inline: the readers' inner loops call these
 * for every string and must not pay a call for it.
 */
#ifndef SECHUB_JTOK_IMPL_H
#define SECHUB_JTOK_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* Bytes that stand for themselves in a string: ASCII but '"', '\\', C0. */
static const unsigned char jtok_plain[256] = {
	[0x20] = 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1
};

/*
 * JTOK_MORE: the text ends before the token does (the -1 of util.h's
 * utf8_seq_len(), the UTF-8 sequences' length).
 */
#define JTOK_MORE	(-1)

/* Why an escape is not valid (jtok_escape_len). */
#define JTOK_BAD_ESCAPE		(-2)	/* \ followed by no escape letter */
#define JTOK_BAD_HEX		(-3)	/* \u not followed by 4 hex digits */
#define JTOK_LONE_SURROGATE	(-4)	/* \uD800-\uDFFF not in a pair */

/*
 * The escape at s[i] (a backslash) of a string in s[0..len): its length
 * (2, 6, or 12 for a surrogate pair), JTOK_MORE if the text ends before
 * it does, or one of the reasons above. A \u escape of a surrogate is
 * valid only as a high one followed at once by a low one (what jansson and
 * RFC 8259's interoperable subset accept).
 */
static inline int
jtok_escape_len(const unsigned char *s, size_t i, size_t len)
{
	unsigned int	 u, u2;

	if (i + 1 >= len)
		return JTOK_MORE;
	switch (s[i + 1]) {
	case '"': case '\\': case '/': case 'b': case 'f':
	case 'n': case 'r': case 't':
		return 2;
	case 'u':
		break;
	default:
		return JTOK_BAD_ESCAPE;
	}
	if (i + 6 > len)
		return JTOK_MORE;
	if (hex4(s + i + 2, &u) != 0)
		return JTOK_BAD_HEX;
	if (u >= 0xdc00 && u <= 0xdfff)
		return JTOK_LONE_SURROGATE;
	if (u < 0xd800 || u > 0xdbff)
		return 6;
	/* a high surrogate: what follows must be a low one */
	if ((i + 6 < len && s[i + 6] != '\\') ||
	    (i + 7 < len && s[i + 7] != 'u'))
		return JTOK_LONE_SURROGATE;
	if (i + 12 > len)
		return JTOK_MORE;
	if (hex4(s + i + 8, &u2) != 0 || u2 < 0xdc00 || u2 > 0xdfff)
		return JTOK_LONE_SURROGATE;
	return 12;
}

/*
 * Write code point cp (at most U+10FFFF) as UTF-8 into out (4 bytes of
 * room); returns the length. A lone surrogate (which only ev.c's lenient
 * parser lets through) gets the three-byte shape, as WTF-8 writes it.
 */
static inline size_t
jtok_put_utf8(unsigned char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = 0xc0 | (cp >> 6);
		out[1] = 0x80 | (cp & 0x3f);
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = 0xe0 | (cp >> 12);
		out[1] = 0x80 | ((cp >> 6) & 0x3f);
		out[2] = 0x80 | (cp & 0x3f);
		return 3;
	}
	out[0] = 0xf0 | (cp >> 18);
	out[1] = 0x80 | ((cp >> 12) & 0x3f);
	out[2] = 0x80 | ((cp >> 6) & 0x3f);
	out[3] = 0x80 | (cp & 0x3f);
	return 4;
}

#endif
