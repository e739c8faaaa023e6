/*
 * sigv4.c: AWS Signature Version 4: canonical request, string to sign,
 * derived key and Authorization header (rules in aws-wire.md section 1).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "sigv4.h"
#include "util.h"

#define SIGV4_ALGORITHM	"AWS4-HMAC-SHA256"

/* Headers that proxies may change or that the SDKs never sign. */
static const char *sigv4_unsigned_headers[] = {
	"authorization", "connection", "expect", "keep-alive",
	"proxy-authenticate", "proxy-authorization", "te", "trailer",
	"transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id",
	"x-amz-date", "x-amz-security-token",
};

struct sigv4_hdr {
	char	*name;		/* lower-case */
	char	*value;		/* trimmed, inner runs of blanks collapsed */
	size_t	 order;		/* position in the request, for stable sort */
};

struct sigv4_param {
	char	*name;		/* encoded */
	char	*value;		/* encoded */
};

static const char sigv4_hexdigits[] = "0123456789abcdef";

static void
sigv4_hex(const unsigned char *in, size_t len, char *out)
{
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = sigv4_hexdigits[in[i] >> 4];
		out[2 * i + 1] = sigv4_hexdigits[in[i] & 0xf];
	}
	out[2 * len] = '\0';
}

void
sigv4_sha256_hex(const void *data, size_t len, char *out)
{
	unsigned char md[SHA256_DIGEST_LENGTH];

	SHA256(data != NULL ? data : (const void *)"", len, md);
	sigv4_hex(md, sizeof(md), out);
}

static void
sigv4_hmac(const void *key, size_t keylen, const char *msg,
    unsigned char out[SHA256_DIGEST_LENGTH])
{
	unsigned int outlen = SHA256_DIGEST_LENGTH;

	HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)msg,
	    strlen(msg), out, &outlen);
}

static int
sigv4_unreserved(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

void
sigv4_uri_encode(struct buf *b, const char *s, size_t len, int keep_slash)
{
	static const char up[] = "0123456789ABCDEF";
	unsigned char c;
	size_t i;

	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if ((c < 0x80 && sigv4_unreserved(c)) ||
		    (keep_slash && c == '/'))
			buf_addc(b, (char)c);
		else {
			buf_addc(b, '%');
			buf_addc(b, up[c >> 4]);
			buf_addc(b, up[c & 0xf]);
		}
	}
}

/* Decode %XX (not '+') and encode again: one encoding, whatever came in. */
static char *
sigv4_reencode(const char *s, size_t len)
{
	struct buf raw, enc;
	size_t i;
	int hi, lo;

	buf_init(&raw);
	buf_init(&enc);
	for (i = 0; i < len; i++) {
		if (s[i] == '%' && i + 2 < len &&
		    (hi = hexdigit((unsigned char)s[i + 1])) != -1 &&
		    (lo = hexdigit((unsigned char)s[i + 2])) != -1) {
			buf_addc(&raw, (char)(hi << 4 | lo));
			i += 2;
		} else
			buf_addc(&raw, s[i]);
	}
	sigv4_uri_encode(&enc, buf_cstr(&raw), raw.len, 0);
	buf_free(&raw);
	buf_cstr(&enc);
	return enc.data;
}

/* RFC 3986 dot-segment removal, empty segments dropped. */
static char *
sigv4_normalize_path(const char *path)
{
	const char **segs = NULL;
	size_t nsegs = 0, i, len;
	const char *p, *end, *last = NULL;
	struct buf b;
	int trailing;

	buf_init(&b);
	p = path;
	while (*p != '\0') {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		end = strchr(p, '/');
		len = end != NULL ? (size_t)(end - p) : strlen(p);
		last = p;
		if (len == 1 && p[0] == '.')
			;
		else if (len == 2 && p[0] == '.' && p[1] == '.') {
			if (nsegs > 0)
				nsegs--;
		} else {
			segs = xreallocarray(segs, nsegs + 1, sizeof(*segs));
			segs[nsegs++] = p;
		}
		p += len;
	}
	len = strlen(path);
	trailing = (len > 0 && path[len - 1] == '/') || (last != NULL &&
	    (strcmp(last, ".") == 0 || strcmp(last, "..") == 0));
	for (i = 0; i < nsegs; i++) {
		buf_addc(&b, '/');
		end = strchr(segs[i], '/');
		buf_add(&b, segs[i], end != NULL ? (size_t)(end - segs[i]) :
		    strlen(segs[i]));
	}
	if (nsegs == 0 || trailing)
		buf_addc(&b, '/');
	free(segs);
	buf_cstr(&b);
	return b.data;
}

static void
sigv4_canonical_uri(struct buf *b, const struct sigv4_input *in)
{
	const char *path = in->path != NULL && *in->path != '\0' ?
	    in->path : "/";
	char *norm;

	if (in->keep_path)
		norm = xstrdup(path);
	else
		norm = sigv4_normalize_path(path);
	sigv4_uri_encode(b, norm, strlen(norm), 1);
	free(norm);
}

static int
sigv4_param_cmp(const void *a, const void *b)
{
	const struct sigv4_param *pa = a, *pb = b;
	int r;

	if ((r = strcmp(pa->name, pb->name)) != 0)
		return r;
	return strcmp(pa->value, pb->value);
}

static void
sigv4_canonical_query(struct buf *b, const char *query)
{
	struct sigv4_param *params = NULL;
	size_t n = 0, i, len;
	const char *p, *end, *eq;

	if (query == NULL)
		return;
	for (p = query; *p != '\0'; p = *end != '\0' ? end + 1 : end) {
		end = strchr(p, '&');
		if (end == NULL)
			end = p + strlen(p);
		len = end - p;
		if (len == 0)
			continue;
		params = xreallocarray(params, n + 1, sizeof(*params));
		eq = memchr(p, '=', len);
		if (eq != NULL) {
			params[n].name = sigv4_reencode(p, eq - p);
			params[n].value = sigv4_reencode(eq + 1, end - eq - 1);
		} else {
			params[n].name = sigv4_reencode(p, len);
			params[n].value = xstrdup("");
		}
		n++;
	}
	if (n > 0)
		qsort(params, n, sizeof(*params), sigv4_param_cmp);
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_addc(b, '&');
		buf_adds(b, params[i].name);
		buf_addc(b, '=');
		buf_adds(b, params[i].value);
		free(params[i].name);
		free(params[i].value);
	}
	free(params);
}

/* Trimall: no leading/trailing blanks, inner runs of blanks as one space. */
static char *
sigv4_trimall(const char *v)
{
	struct buf b;
	int blank = 0;

	buf_init(&b);
	for (; *v != '\0'; v++) {
		if (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n') {
			blank = 1;
			continue;
		}
		if (blank && b.len > 0)
			buf_addc(&b, ' ');
		blank = 0;
		buf_addc(&b, *v);
	}
	buf_cstr(&b);
	return b.data;
}

static int
sigv4_hdr_cmp(const void *a, const void *b)
{
	const struct sigv4_hdr *ha = a, *hb = b;
	int r;

	if ((r = strcmp(ha->name, hb->name)) != 0)
		return r;
	return ha->order < hb->order ? -1 : ha->order > hb->order;
}

static int
sigv4_signable(const char *lname)
{
	size_t i;

	for (i = 0; i < sizeof(sigv4_unsigned_headers) /
	    sizeof(sigv4_unsigned_headers[0]); i++)
		if (strcmp(lname, sigv4_unsigned_headers[i]) == 0)
			return 0;
	return 1;
}

static void
sigv4_hdr_add(struct sigv4_hdr **h, size_t *n, const char *name,
    const char *value)
{
	struct sigv4_hdr *e;
	size_t i;

	*h = xreallocarray(*h, *n + 1, sizeof(**h));
	e = &(*h)[*n];
	e->name = xstrdup(name);
	for (i = 0; e->name[i] != '\0'; i++)
		e->name[i] = tolower((unsigned char)e->name[i]);
	e->value = sigv4_trimall(value != NULL ? value : "");
	e->order = (*n)++;
}

/*
 * Canonical headers and signed headers. Repeated names are joined with ','
 * in the order they came.
 */
static int
sigv4_canonical_headers(struct buf *canon, struct buf *names,
    const struct sigv4_input *in, const struct sigv4_credentials *cred,
    const char *amz_date, char **cause)
{
	struct sigv4_hdr *h = NULL;
	size_t n = 0, i;
	int have_host = 0, r = -1;
	char *lname;

	for (i = 0; i < in->nheaders; i++) {
		lname = xstrdup(in->headers[i].name);
		for (char *q = lname; *q != '\0'; q++)
			*q = tolower((unsigned char)*q);
		if (strcmp(lname, "host") == 0)
			have_host = 1;
		if (sigv4_signable(lname))
			sigv4_hdr_add(&h, &n, lname, in->headers[i].value);
		free(lname);
	}
	if (!have_host) {
		*cause = xstrdup("request has no host header");
		goto out;
	}
	sigv4_hdr_add(&h, &n, "x-amz-date", amz_date);
	if (cred->session_token != NULL && *cred->session_token != '\0' &&
	    !in->unsigned_token)
		sigv4_hdr_add(&h, &n, "x-amz-security-token",
		    cred->session_token);
	qsort(h, n, sizeof(*h), sigv4_hdr_cmp);
	for (i = 0; i < n; i++) {
		if (i > 0 && strcmp(h[i].name, h[i - 1].name) == 0) {
			/* Same name: append to the previous line. */
			canon->len--;		/* drop its '\n' */
			buf_addc(canon, ',');
			buf_adds(canon, h[i].value);
			buf_addc(canon, '\n');
			continue;
		}
		if (names->len > 0)
			buf_addc(names, ';');
		buf_adds(names, h[i].name);
		buf_adds(canon, h[i].name);
		buf_addc(canon, ':');
		buf_adds(canon, h[i].value);
		buf_addc(canon, '\n');
	}
	r = 0;
out:
	for (i = 0; i < n; i++) {
		free(h[i].name);
		freezero_str(h[i].value);
	}
	free(h);
	return r;
}

static void
sigv4_signing_key(const char *secret, const char *date, const char *region,
    const char *service, unsigned char key[SHA256_DIGEST_LENGTH])
{
	unsigned char k[SHA256_DIGEST_LENGTH];
	char *seed;

	xasprintf(&seed, "AWS4%s", secret);
	sigv4_hmac(seed, strlen(seed), date, k);
	freezero_str(seed);
	sigv4_hmac(k, sizeof(k), region, key);
	sigv4_hmac(key, SHA256_DIGEST_LENGTH, service, k);
	sigv4_hmac(k, sizeof(k), "aws4_request", key);
	wipe(k, sizeof(k));
}

int
sigv4_sign(const struct sigv4_input *in, const struct sigv4_credentials *cred,
    struct sigv4_output *out, char **cause)
{
	struct buf creq, canon, names, sts;
	unsigned char key[SHA256_DIGEST_LENGTH], sig[SHA256_DIGEST_LENGTH];
	char date[9], hash[65];
	struct tm tm;
	int r = -1;

	memset(out, 0, sizeof(*out));
	*cause = NULL;
	buf_init(&creq);
	buf_init(&canon);
	buf_init(&names);
	buf_init(&sts);

	if (cred == NULL || cred->access_key_id == NULL ||
	    cred->secret_access_key == NULL) {
		*cause = xstrdup("no credentials to sign with");
		goto out;
	}
	if (in->region == NULL || in->service == NULL) {
		*cause = xstrdup("no region or service to sign for");
		goto out;
	}
	if (gmtime_r(&in->when, &tm) == NULL ||
	    strftime(out->amz_date, sizeof(out->amz_date), "%Y%m%dT%H%M%SZ",
	    &tm) != 16) {
		*cause = xstrdup("signing time out of range");
		goto out;
	}
	memcpy(date, out->amz_date, 8);
	date[8] = '\0';

	if (sigv4_canonical_headers(&canon, &names, in, cred, out->amz_date,
	    cause) == -1)
		goto out;
	buf_adds(&creq, in->method != NULL ? in->method : "GET");
	buf_addc(&creq, '\n');
	sigv4_canonical_uri(&creq, in);
	buf_addc(&creq, '\n');
	sigv4_canonical_query(&creq, in->query);
	buf_addc(&creq, '\n');
	buf_add(&creq, canon.data, canon.len);
	buf_addc(&creq, '\n');
	buf_add(&creq, names.data, names.len);
	buf_addc(&creq, '\n');
	sigv4_sha256_hex(in->body, in->body != NULL ? in->bodylen : 0, hash);
	buf_adds(&creq, hash);
	buf_cstr(&creq);

	sigv4_sha256_hex(creq.data, creq.len, hash);
	buf_addf(&sts, "%s\n%s\n%s/%s/%s/aws4_request\n%s", SIGV4_ALGORITHM,
	    out->amz_date, date, in->region, in->service, hash);

	sigv4_signing_key(cred->secret_access_key, date, in->region,
	    in->service, key);
	sigv4_hmac(key, sizeof(key), buf_cstr(&sts), sig);
	wipe(key, sizeof(key));
	sigv4_hex(sig, sizeof(sig), out->signature);

	out->canonical_request = xstrdup(creq.data);
	out->string_to_sign = xstrdup(sts.data);
	out->signed_headers = xstrdup(buf_cstr(&names));
	xasprintf(&out->authorization,
	    "%s Credential=%s/%s/%s/%s/aws4_request, SignedHeaders=%s, "
	    "Signature=%s", SIGV4_ALGORITHM, cred->access_key_id, date,
	    in->region, in->service, out->signed_headers, out->signature);
	r = 0;
out:
	if (creq.data != NULL)
		wipe(creq.data, creq.cap);
	if (canon.data != NULL)
		wipe(canon.data, canon.cap);
	buf_free(&creq);
	buf_free(&canon);
	buf_free(&names);
	buf_free(&sts);
	if (r == -1)
		sigv4_output_free(out);
	return r;
}

void
sigv4_output_free(struct sigv4_output *out)
{
	if (out == NULL)
		return;
	freezero_str(out->canonical_request);
	free(out->string_to_sign);
	free(out->signed_headers);
	free(out->authorization);
	memset(out, 0, sizeof(*out));
}
