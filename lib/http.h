/*
 * http.h: HTTP(S) requests over libcurl with the retry policy every
 * networked program shares (the AWS SDKs' "standard" mode: bounded attempts,
 * exponential backoff with full jitter, Retry-After honoured).
 *
 * TLS verification is always on for https; AWS_CA_BUNDLE (or an explicit
 * ca_bundle) names extra trust. Nothing here prints; URLs may be secret
 * (Slack webhooks), so errors never include them: callers pass a display
 * name for messages.
 */
#ifndef SECHUB_HTTP_H
#define SECHUB_HTTP_H

#include <stddef.h>

struct http_header {
	char	*name;
	char	*value;
};

struct http_request {
	const char		*method;	/* "POST", "GET", "PUT" */
	const char		*url;
	const struct http_header *headers;	/* sent as given */
	size_t			 nheaders;
	const char		*body;
	size_t			 bodylen;
	long			 timeout_ms;	/* whole request; 0: 30 s */
	long			 connect_timeout_ms; /* 0: 5 s */
	const char		*ca_bundle;	/* NULL: AWS_CA_BUNDLE or system */
};

struct http_response {
	long			 status;	/* 0 if no HTTP answer */
	struct http_header	*headers;	/* names lower-cased */
	size_t			 nheaders;
	char			*body;		/* NUL-terminated */
	size_t			 bodylen;
};

/* One attempt. 0 with a response (any status), or -1 and *cause on a
 * transport failure (connect, TLS, timeout, reset). */
int	 http_do(const struct http_request *, struct http_response *, char **);
const char *http_response_header(const struct http_response *, const char *);
void	 http_response_free(struct http_response *);

/*
 * Retry policy. The caller classifies each outcome; http_retry_delay()
 * gives the time to sleep before attempt n (1-based: the delay after the
 * first failure is for n=1), full jitter over min(base * 2^(n-1), cap).
 */
struct http_retry {
	int	 max_attempts;	/* AWS_MAX_ATTEMPTS, default 3 */
	long	 base_ms;	/* 100 in the AWS standard mode (jitter over it) */
	long	 cap_ms;	/* 20000 */
};
void	 http_retry_init(struct http_retry *);
long	 http_retry_delay(const struct http_retry *, int);
/* Seconds or HTTP-date in a Retry-After header, in ms; -1 if absent. */
long	 http_retry_after_ms(const struct http_response *);
/* 1 for statuses worth another attempt: 429, 500, 502, 503, 504. */
int	 http_status_retryable(long);
void	 http_sleep_ms(long);

/* Global libcurl set-up, once per process (idempotent). */
void	 http_global_init(void);

#endif
