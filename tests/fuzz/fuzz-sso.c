/*
 * fuzz-sso.c: what the toolkit reads from STS, the IAM Identity Center
 * portal and SSO OIDC, and from the token cache: STS answers and errors
 * (lib/aws_sts.c's XML reading), GetRoleCredentials and CreateToken
 * answers and cached tokens (lib/aws_sso.c), expiresAt times.
 *
 * The static functions are reached by including their files, as fuzz-resp
 * does; the archive's aws_sts.o and aws_sso.o are then never pulled in.
 *
 * Input: one byte choosing what it is, then the text. Checks: XML texts
 * are no longer than their input; error types and messages are terminated
 * and free of control characters; credentials are taken only with a key, a secret, a token and
 * an expiration in the future; a refreshed token is a JSON object with the
 * members botocore writes, in its order, that reads back as a token; a
 * time read reads back the same from its RFC 3339 and "...UTC" forms.
 */
#include "../../lib/aws_sts.c"
#include "../../lib/aws_sso.c"

#include "fuzz.h"

static int
clean(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

static void
fuzz_xml(const char *text, size_t len)
{
	static const char *tags[] = { "AccessKeyId", "Arn", "Code", "Message",
	    "Expiration", "SessionToken" };
	struct http_response resp;
	struct aws_error err;
	struct aws_creds c;
	char *v, *cause = NULL;
	size_t i;

	for (i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		if ((v = aws_xml_text(text, len, tags[i])) == NULL)
			continue;
		CHECK(strlen(v) <= len, "%s grew past its input", tags[i]);
		free(v);
	}
	memset(&resp, 0, sizeof(resp));
	resp.status = 400;
	resp.body = xmalloc(len + 1);
	memcpy(resp.body, text, len);
	resp.body[len] = '\0';
	resp.bodylen = len;
	memset(&err, 0, sizeof(err));
	aws_xml_classify(&resp, &err);
	CHECK(memchr(err.type, '\0', sizeof(err.type)) != NULL &&
	    memchr(err.message, '\0', sizeof(err.message)) != NULL,
	    "not terminated");
	CHECK(clean(err.type) && clean(err.message), "control character");
	memset(&c, 0, sizeof(c));
	/* takes the response over */
	if (aws_sts_take_credentials(&resp, "STS AssumeRole",
	    xstrdup("fuzz"), &c, &cause) == 1) {
		CHECK(c.access_key_id != NULL && c.secret_access_key != NULL &&
		    c.session_token != NULL, "credentials incomplete");
		CHECK(c.expiration == 0 || c.expiration > time(NULL),
		    "expired credentials taken");
	} else
		CHECK(cause != NULL, "failure without a cause");
	free(cause);
	aws_creds_clear(&c);
}

static void
fuzz_role_credentials(const char *text, size_t len)
{
	struct aws_sso sso;
	struct aws_creds c;
	json_t *answer;
	char *cause = NULL;

	memset(&sso, 0, sizeof(sso));
	sso.profile = "fuzz";
	if ((answer = json_loadb(text, len, 0, NULL)) == NULL)
		return;
	memset(&c, 0, sizeof(c));
	if (aws_sso_take_credentials(&sso, answer, xstrdup("fuzz"), &c,
	    &cause) == 1) {
		CHECK(*c.access_key_id != '\0' && *c.secret_access_key != '\0' &&
		    c.session_token != NULL, "credentials incomplete");
		CHECK(c.expiration > time(NULL), "expired credentials taken");
	} else
		CHECK(cause != NULL, "failure without a cause");
	free(cause);
	aws_creds_clear(&c);
	aws_sso_answer_free(answer);
}

static void
fuzz_refresh(const char *text, size_t len)
{
	static const char *order[] = { "startUrl", "region", "accessToken",
	    "expiresAt", "clientId", "clientSecret", "registrationExpiresAt",
	    "refreshToken" };
	struct aws_sso sso;
	struct aws_sso_token t;
	json_t *answer, *doc;
	const char *key;
	json_t *v;
	size_t i = 0;
	time_t when;

	memset(&sso, 0, sizeof(sso));
	sso.start_url = "https://d-1234567890.awsapps.com/start";
	sso.region = "eu-west-1";
	memset(&t, 0, sizeof(t));
	t.doc = json_pack("{s:s, s:s, s:s}", "clientId", "c",
	    "clientSecret", "s", "registrationExpiresAt",
	    "2999-01-01T00:00:00Z");
	if ((answer = json_loadb(text, len, 0, NULL)) == NULL ||
	    !json_is_object(answer)) {
		json_decref(answer);
		aws_sso_token_free(&t);
		return;
	}
	if ((doc = aws_sso_refreshed_doc(&sso, &t, answer)) != NULL) {
		json_object_foreach(doc, key, v) {
			while (i < 8 && strcmp(order[i], key) != 0)
				i++;
			CHECK(i < 8, "member %s out of botocore's order", key);
			CHECK(json_is_string(v), "member %s not a string", key);
		}
		CHECK(aws_sso_time(aws_sso_member(doc, "expiresAt"), &when) ==
		    0 && when > time(NULL), "expiresAt unreadable or past");
		CHECK(aws_sso_member(doc, "accessToken") != NULL,
		    "no access token");
		aws_sso_answer_free(doc);
	}
	aws_sso_answer_free(answer);
	aws_sso_token_free(&t);
}

/* A time read is one that reads back the same from its RFC 3339 form,
 * and from the older CLI's "...UTC" form of it. */
static void
fuzz_time(const char *text, size_t len)
{
	char *s = xstrndup(text, len), buf[CLK_BUFSZ], *utc;
	time_t when, again;

	if (aws_sso_time(s, &when) == 0 && when >= 0 &&
	    when < (time_t)253402300800LL) {
		clk_format(when, buf);
		CHECK(aws_sso_time(buf, &again) == 0 && again == when,
		    "%s read as %lld, %s as %lld", s, (long long)when, buf,
		    (long long)again);
		xasprintf(&utc, "%.*sUTC", (int)strlen(buf) - 1, buf);
		CHECK(aws_sso_time(utc, &again) == 0 && again == when,
		    "%s not read as %s", utc, buf);
		free(utc);
	}
	free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	const char *text = (const char *)data + 1;

	if (len < 1)
		return 0;
	switch (data[0] % 4) {
	case 0:
		fuzz_xml(text, len - 1);
		break;
	case 1:
		fuzz_role_credentials(text, len - 1);
		break;
	case 2:
		fuzz_refresh(text, len - 1);
		break;
	default:
		fuzz_time(text, len - 1);
		break;
	}
	return 0;
}
