/*
 * sigv4.h: AWS Signature Version 4 (HMAC-SHA256, Authorization header),
 * for any HTTP request: path and query canonicalisation, signed headers,
 * session tokens, non-default ports (the caller's Host header is signed as
 * given).
 *
 * The signer adds nothing to the request itself: it hands back the values
 * of the X-Amz-Date and Authorization headers, which the caller sends along
 * with X-Amz-Security-Token when there is a session token.
 */
#ifndef SECHUB_SIGV4_H
#define SECHUB_SIGV4_H

#include <stddef.h>
#include <time.h>

#include "http.h"
#include "util.h"

struct sigv4_credentials {
	const char	*access_key_id;
	const char	*secret_access_key;
	const char	*session_token;		/* NULL if none */
};

struct sigv4_input {
	const char	*method;
	const char	*path;		/* as sent, raw or %-encoded; "": "/" */
	const char	*query;		/* after '?', as sent; NULL: none */
	const struct http_header *headers; /* with Host, no X-Amz-Date */
	size_t		 nheaders;
	const void	*body;
	size_t		 bodylen;
	const char	*region;
	const char	*service;	/* signing name: "dynamodb" */
	time_t		 when;		/* signing time, UTC */
	int		 keep_path;	/* S3 style: no dot-segment removal */
	int		 unsigned_token; /* send the token but do not sign it */
};

struct sigv4_output {
	char		 amz_date[17];	/* "20150830T123600Z": X-Amz-Date */
	char		 signature[65];	/* lower-case hex */
	char		*canonical_request; /* may hold the token: wiped */
	char		*string_to_sign;
	char		*signed_headers;	/* "content-type;host;..." */
	char		*authorization;	/* the Authorization header's value */
};

/* Sign. 0 and out filled (sigv4_output_free), or -1 and *cause. */
int	 sigv4_sign(const struct sigv4_input *,
	    const struct sigv4_credentials *, struct sigv4_output *, char **);
void	 sigv4_output_free(struct sigv4_output *);

/* UriEncode(): every byte but A-Z a-z 0-9 - . _ ~ (and '/' if keep_slash)
 * as %XX, upper-case hex. Appends to b. */
void	 sigv4_uri_encode(struct buf *, const char *, size_t, int);
/* Lower-case hex SHA-256 of data into out (65 bytes). */
void	 sigv4_sha256_hex(const void *, size_t, char *);

#endif
