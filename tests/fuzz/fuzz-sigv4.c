/*
 * fuzz-sigv4.c: Signature Version 4 canonicalisation and signing
 * (lib/sigv4).
 *
 * The input is NUL-separated: method, path, query, then "name:value"
 * headers (names that are not HTTP tokens are left out: they come from our
 * code, not from input); the last piece is the body. Checks: signing succeeds whenever
 * there is a Host header; the signature is recomputed independently (HMAC
 * chain over the string to sign, with OpenSSL) and the string to sign names
 * the SHA-256 of the canonical request, which ends with the SHA-256 of the
 * body; the Authorization and X-Amz-Date values carry no control character
 * (no header injection) and the secret appears in no output; signing is
 * deterministic; UriEncode output decodes back to its input.
 */
#include "config.h"

#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "fuzz.h"
#include "sigv4.h"
#include "util.h"

#define SECRET	"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define TOKEN	"FAKE-SESSION-TOKEN-EXAMPLE"
#define MAXH	8

static void
hex(const unsigned char *d, size_t n, char *out)
{
	for (size_t k = 0; k < n; k++)
		snprintf(out + 2 * k, 3, "%02x", d[k]);
}

static void
hmac(const void *key, size_t keylen, const char *msg, unsigned char *out)
{
	unsigned int	 n = SHA256_DIGEST_LENGTH;

	HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)msg,
	    strlen(msg), out, &n);
}

static void
sha256_hex(const void *d, size_t n, char *out)
{
	unsigned char	 md[SHA256_DIGEST_LENGTH];

	SHA256(d, n, md);
	hex(md, sizeof md, out);
}

static int
clean(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

static void
check_uri_encode(const char *s, size_t len, int keep_slash)
{
	struct buf	 b;
	size_t		 k, j = 0;

	buf_init(&b);
	sigv4_uri_encode(&b, s, len, keep_slash);
	buf_cstr(&b);
	for (k = 0; k < b.len; k++, j++) {
		unsigned char	 c = (unsigned char)b.data[k], want;

		CHECK(j < len, "encoding longer than its input");
		want = (unsigned char)s[j];
		if (c == '%') {
			unsigned int	 v;

			CHECK(k + 2 < b.len, "cut %% escape");
			CHECK(sscanf(b.data + k + 1, "%2X", &v) == 1 &&
			    strchr("0123456789ABCDEF", b.data[k + 1]) &&
			    strchr("0123456789ABCDEF", b.data[k + 2]),
			    "bad escape %.3s", b.data + k);
			CHECK(v == want, "%%%02X for 0x%02x", v, want);
			k += 2;
		} else {
			CHECK((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
			    c == '_' || c == '~' || (keep_slash && c == '/'),
			    "0x%02x left unencoded", c);
			CHECK(c == want, "0x%02x for 0x%02x", c, want);
		}
	}
	CHECK(j == len, "encoding shorter than its input");
	buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char			*copy, *piece[3 + MAXH + 1];
	struct http_header	 h[MAXH + 1];
	struct sigv4_input	 in;
	struct sigv4_credentials cred;
	struct sigv4_output	 out, again;
	const char		*body;
	size_t			 npieces = 0, nh = 0, bodylen, off = 0;
	int			 has_host = 0, r;
	char			*cause, sts_hash[65], body_hash[65], sig[65];
	char			 date[9], scope[512];
	unsigned char		 k1[32], k2[32];
	char			 seed[sizeof SECRET + 4];

	check_uri_encode((const char *)data, len, len % 2);

	/* split: the first pieces are C strings, the body is the rest */
	copy = xmalloc(len + 1);
	memcpy(copy, data, len);
	copy[len] = '\0';
	while (npieces < 3 + MAXH) {
		char	*nul = memchr(copy + off, '\0', len - off);

		if (nul == NULL || nul == copy + len)
			break;
		piece[npieces++] = copy + off;
		off = (size_t)(nul - copy) + 1;
	}
	body = copy + off;
	bodylen = len - off;

	memset(&in, 0, sizeof in);
	in.method = npieces > 0 ? piece[0] : "POST";
	in.path = npieces > 1 ? piece[1] : "/";
	in.query = npieces > 2 ? piece[2] : NULL;
	for (size_t k = 3; k < npieces; k++) {
		char	*colon = strchr(piece[k], ':');

		/* names come from our code, never from input: HTTP tokens */
		if (colon == NULL || colon == piece[k] ||
		    strspn(piece[k], "!#$%&'*+-.^_`|~0123456789"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") !=
		    (size_t)(colon - piece[k]))
			continue;
		*colon = '\0';
		h[nh].name = piece[k];
		h[nh].value = colon + 1;
		if (strcasecmp(piece[k], "host") == 0)
			has_host = 1;
		nh++;
	}
	if (!has_host && len % 3 != 0) {
		h[nh].name = "Host";
		h[nh].value = "127.0.0.1:8000";
		nh++;
		has_host = 1;
	}
	in.headers = h;
	in.nheaders = nh;
	in.body = body;
	in.bodylen = bodylen;
	in.region = "us-east-1";
	in.service = "dynamodb";
	in.when = 1440938160;	/* 2015-08-30T12:36:00Z */
	in.keep_path = len % 5 == 0;
	in.unsigned_token = len % 7 == 0;
	cred.access_key_id = "AKIDEXAMPLE";
	cred.secret_access_key = SECRET;
	cred.session_token = len % 2 ? TOKEN : NULL;

	r = sigv4_sign(&in, &cred, &out, &cause);
	if (r != 0) {
		CHECK(cause != NULL, "no cause");
		CHECK(strstr(cause, SECRET) == NULL, "secret in the cause");
		free(cause);
		goto done;
	}
	CHECK(has_host, "signed a request without a Host header");
	CHECK(strlen(out.signature) == 64 &&
	    strspn(out.signature, "0123456789abcdef") == 64, "signature %s",
	    out.signature);
	CHECK(strcmp(out.amz_date, "20150830T123600Z") == 0, "date %s",
	    out.amz_date);
	CHECK(clean(out.authorization), "control character in Authorization");
	CHECK(clean(out.signed_headers), "control character in SignedHeaders");
	/* (unless the input itself holds it: the fuzzer learns it from the
	 * comparison below) */
	if (memmem(data, len, SECRET, strlen(SECRET)) == NULL)
		CHECK(strstr(out.authorization, SECRET) == NULL &&
		    strstr(out.canonical_request, SECRET) == NULL &&
		    strstr(out.string_to_sign, SECRET) == NULL,
		    "secret in output");

	/* the canonical request ends with the body's hash */
	sha256_hex(body, bodylen, body_hash);
	{
		const char	*nl = strrchr(out.canonical_request, '\n');

		CHECK(nl != NULL && strcmp(nl + 1, body_hash) == 0,
		    "canonical request does not end with the body hash");
	}
	/* the string to sign names the canonical request's hash */
	sha256_hex(out.canonical_request, strlen(out.canonical_request),
	    sts_hash);
	snprintf(scope, sizeof scope, "AWS4-HMAC-SHA256\n%s\n20150830/"
	    "us-east-1/dynamodb/aws4_request\n%s", out.amz_date, sts_hash);
	CHECK(strcmp(out.string_to_sign, scope) == 0, "string to sign:\n%s\ncanonical:\n%s\nwant:\n%s",
	    out.string_to_sign, out.canonical_request, scope);
	/* the signature, recomputed */
	snprintf(seed, sizeof seed, "AWS4%s", SECRET);
	memcpy(date, "20150830", 9);
	hmac(seed, strlen(seed), date, k1);
	hmac(k1, 32, "us-east-1", k2);
	hmac(k2, 32, "dynamodb", k1);
	hmac(k1, 32, "aws4_request", k2);
	hmac(k2, 32, out.string_to_sign, k1);
	hex(k1, 32, sig);
	CHECK(strcmp(sig, out.signature) == 0, "signature differs");
	/* the Authorization value names what was signed */
	snprintf(scope, sizeof scope, "SignedHeaders=%s, Signature=%s",
	    out.signed_headers, out.signature);
	CHECK(strstr(out.authorization, scope) != NULL, "authorization %s",
	    out.authorization);
	/* deterministic */
	CHECK(sigv4_sign(&in, &cred, &again, &cause) == 0 &&
	    strcmp(again.authorization, out.authorization) == 0,
	    "second signature differs");
	sigv4_output_free(&again);
	sigv4_output_free(&out);
done:
	free(copy);
	return 0;
}
