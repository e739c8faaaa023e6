/*
 * t-sigv4.c: the SigV4 signer against every case in tests/sigv4 (the AWS
 * suite plus a DynamoDB-shaped vector), and the signer's own contract.
 */
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "sigv4.h"
#include "util.h"
#include "tap.h"

static void
tap_diff(const char *what, const char *got, const char *want)
{
	printf("# %s differs\n# --- got\n%s\n# --- want\n%s\n", what, got,
	    want);
}

static char *
slurp(const char *dir, const char *name, size_t *lenp)
{
	char *path, *data = NULL;
	size_t len = 0, n;
	FILE *f;
	char chunk[4096];

	xasprintf(&path, "%s/%s", dir, name);
	f = fopen(path, "rb");
	free(path);
	if (f == NULL)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		data = xrealloc(data, len + n + 1);
		memcpy(data + len, chunk, n);
		len += n;
	}
	fclose(f);
	if (data == NULL)
		data = xstrdup("");
	data[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return data;
}

struct req {
	char			*method;
	char			*path;
	char			*query;
	struct http_header	*h;
	size_t			 nh;
	char			*body;
	size_t			 bodylen;
};

static void
req_add_header(struct req *r, const char *name, const char *value)
{
	r->h = xreallocarray(r->h, r->nh + 1, sizeof(*r->h));
	r->h[r->nh].name = xstrdup(name);
	r->h[r->nh].value = xstrdup(value);
	r->nh++;
}

/* request.txt: request line, Name:value headers (folded lines join with a
 * space), blank line, body. */
static int
req_parse(char *text, size_t len, struct req *r)
{
	char *line, *next, *sp, *http, *colon, *q, *joined;
	char *end = text + len;

	memset(r, 0, sizeof(*r));
	if ((next = strchr(text, '\n')) == NULL)
		return -1;
	*next++ = '\0';
	if ((sp = strchr(text, ' ')) == NULL ||
	    (http = strstr(sp, " HTTP/")) == NULL)
		return -1;
	r->method = xstrndup(text, sp - text);
	r->path = xstrndup(sp + 1, http - sp - 1);
	if ((q = strchr(r->path, '?')) != NULL) {
		*q = '\0';
		r->query = xstrdup(q + 1);
	}
	for (line = next; line < end; line = next) {
		if ((next = strchr(line, '\n')) == NULL)
			next = end;
		else
			*next++ = '\0';
		if (*line == '\0')
			break;
		if ((*line == ' ' || *line == '\t') && r->nh > 0) {
			xasprintf(&joined, "%s %s", r->h[r->nh - 1].value,
			    line);
			free(r->h[r->nh - 1].value);
			r->h[r->nh - 1].value = joined;
			continue;
		}
		if ((colon = strchr(line, ':')) == NULL)
			return -1;
		*colon = '\0';
		req_add_header(r, line, colon + 1);
	}
	if (next < end) {
		r->bodylen = end - next;
		r->body = xstrndup(next, r->bodylen);
	}
	return 0;
}

static void
req_free(struct req *r)
{
	size_t i;

	for (i = 0; i < r->nh; i++) {
		free(r->h[i].name);
		free(r->h[i].value);
	}
	free(r->h);
	free(r->method);
	free(r->path);
	free(r->query);
	free(r->body);
}

static const char *
jstr(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* The Authorization line of header-signed-request.txt. */
static char *
expected_authorization(const char *dir)
{
	char *text, *p, *e, *auth = NULL;

	if ((text = slurp(dir, "header-signed-request.txt", NULL)) == NULL)
		return NULL;
	if ((p = strstr(text, "\nAuthorization:")) != NULL) {
		p += strlen("\nAuthorization:");
		e = strchr(p, '\n');
		auth = xstrndup(p, e != NULL ? (size_t)(e - p) : strlen(p));
	}
	free(text);
	return auth;
}

static void
run_case(const char *root, const char *name)
{
	char *dir, *ctxtext = NULL, *reqtext = NULL, *cause = NULL;
	char *want_creq = NULL, *want_sts = NULL, *want_sig = NULL;
	char *want_auth = NULL, hash[65];
	json_t *ctx = NULL, *cred;
	struct req r;
	struct sigv4_input in;
	struct sigv4_credentials c;
	struct sigv4_output out;
	struct tm tm;
	size_t reqlen;
	int rc;

	memset(&r, 0, sizeof(r));
	xasprintf(&dir, "%s/%s", root, name);
	ctxtext = slurp(dir, "context.json", NULL);
	reqtext = slurp(dir, "request.txt", &reqlen);
	want_creq = slurp(dir, "header-canonical-request.txt", NULL);
	want_sts = slurp(dir, "header-string-to-sign.txt", NULL);
	want_sig = slurp(dir, "header-signature.txt", NULL);
	want_auth = expected_authorization(dir);
	if (ctxtext == NULL || reqtext == NULL || want_creq == NULL ||
	    want_sts == NULL || want_sig == NULL || want_auth == NULL ||
	    (ctx = json_loads(ctxtext, 0, NULL)) == NULL ||
	    req_parse(reqtext, reqlen, &r) == -1) {
		ok(0, "%s: case files readable", name);
		goto out;
	}
	cred = json_object_get(ctx, "credentials");
	c.access_key_id = jstr(cred, "access_key_id");
	c.secret_access_key = jstr(cred, "secret_access_key");
	c.session_token = jstr(cred, "token");

	memset(&in, 0, sizeof(in));
	memset(&tm, 0, sizeof(tm));
	if (strptime(jstr(ctx, "timestamp"), "%Y-%m-%dT%H:%M:%SZ", &tm) ==
	    NULL) {
		ok(0, "%s: timestamp", name);
		goto out;
	}
	in.when = timegm(&tm);
	in.method = r.method;
	in.path = r.path;
	in.query = r.query;
	in.region = jstr(ctx, "region");
	in.service = jstr(ctx, "service");
	in.keep_path = !json_is_true(json_object_get(ctx, "normalize"));
	in.unsigned_token =
	    json_is_true(json_object_get(ctx, "omit_session_token"));
	if (json_is_true(json_object_get(ctx, "sign_body"))) {
		sigv4_sha256_hex(r.body, r.bodylen, hash);
		req_add_header(&r, "x-amz-content-sha256", hash);
	}
	if (json_is_true(json_object_get(ctx, "sign_body")) ||
	    json_is_true(json_object_get(ctx, "hash_body"))) {
		in.body = r.body;
		in.bodylen = r.bodylen;
	}
	in.headers = r.h;
	in.nheaders = r.nh;

	rc = sigv4_sign(&in, &c, &out, &cause);
	ok(rc == 0, "%s: signs", name);
	if (rc != 0) {
		printf("# %s\n", cause);
		free(cause);
		goto out;
	}
	ok(strcmp(out.canonical_request, want_creq) == 0,
	    "%s: canonical request", name);
	if (strcmp(out.canonical_request, want_creq) != 0)
		tap_diff("canonical request", out.canonical_request, want_creq);
	ok(strcmp(out.string_to_sign, want_sts) == 0,
	    "%s: string to sign", name);
	if (strcmp(out.string_to_sign, want_sts) != 0)
		tap_diff("string to sign", out.string_to_sign, want_sts);
	ok(strcmp(out.signature, want_sig) == 0, "%s: signature", name);
	ok(strcmp(out.authorization, want_auth) == 0,
	    "%s: authorization header", name);
	if (strcmp(out.authorization, want_auth) != 0)
		tap_diff("authorization", out.authorization, want_auth);
	ok(strstr(out.authorization, c.secret_access_key) == NULL &&
	    strstr(out.string_to_sign, c.secret_access_key) == NULL &&
	    strstr(out.canonical_request, c.secret_access_key) == NULL,
	    "%s: secret key appears in no output", name);
	sigv4_output_free(&out);
out:
	json_decref(ctx);
	req_free(&r);
	free(dir);
	free(ctxtext);
	free(reqtext);
	free(want_creq);
	free(want_sts);
	free(want_sig);
	free(want_auth);
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
contract(void)
{
	struct http_header h[] = {
		{ "Content-Type", "application/x-amz-json-1.0" },
		{ "User-Agent", "sechub-tools/0.1.0" },
		{ "X-Amz-Date", "19990101T000000Z" },
	};
	struct sigv4_credentials c = { "AKIDEXAMPLE", "secret", NULL };
	struct sigv4_input in;
	struct sigv4_output out;
	char *cause = NULL;

	memset(&in, 0, sizeof(in));
	in.method = "POST";
	in.path = "/";
	in.region = "us-east-1";
	in.service = "dynamodb";
	in.when = 0;
	in.headers = h;
	in.nheaders = 3;
	ok(sigv4_sign(&in, &c, &out, &cause) == -1 && cause != NULL &&
	    strcmp(cause, "request has no host header") == 0,
	    "a request without host is refused");
	free(cause);

	h[2].name = "Host";
	h[2].value = "dynamodb.us-east-1.amazonaws.com";
	in.when = 1704067200;
	ok(sigv4_sign(&in, &c, &out, &cause) == 0,
	    "signs a request with host");
	ok(strcmp(out.signed_headers, "content-type;host;x-amz-date") ==
	    0, "user-agent is not signed, x-amz-date is added");
	ok(strcmp(out.amz_date, "20240101T000000Z") == 0,
	    "x-amz-date is the signing time in UTC");
	sigv4_output_free(&out);

	c.secret_access_key = NULL;
	ok(sigv4_sign(&in, &c, &out, &cause) == -1 && cause != NULL,
	    "no secret, no signature");
	free(cause);
}

int
main(void)
{
	const char *top = getenv("top_srcdir");
	char *root, **names = NULL;
	size_t n = 0, i;
	struct dirent *de;
	DIR *d;

	xasprintf(&root, "%s/tests/sigv4", top != NULL ? top : ".");
	if ((d = opendir(root)) == NULL) {
		printf("1..0 # SKIP cannot open %s\n", root);
		free(root);
		return 0;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || strcmp(de->d_name, "README") == 0)
			continue;
		names = xreallocarray(names, n + 1, sizeof(*names));
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), name_cmp);
	ok(n == 39, "39 cases (38 from the AWS suite, 1 DynamoDB)");
	for (i = 0; i < n; i++) {
		run_case(root, names[i]);
		free(names[i]);
	}
	free(names);
	free(root);
	contract();
	return done_testing();
}
