/*
 * awsprobe.c: a test driver for lib/http.c and lib/aws*.c, so that shell
 * scenarios can exercise them against local stand-ins:
 *
 *   awsprobe [-p profile] [-r region] [-v] creds
 *   awsprobe [-p profile] [-r region] endpoint dynamodb|network-firewall
 *   awsprobe [-p profile] [-r region] [-v] call SERVICE OPERATION JSON
 *   awsprobe [-p profile] [-r region] [-v] whoami
 *   awsprobe [options] targets SERVICE OPERATION JSON SPEC...
 *   awsprobe http METHOD URL [BODY]      (one http_do, status + headers)
 *
 * -R ARN, -E ID, -S NAME: the role to assume (aws_options.role_arn,
 * external_id, role_session_name); -c N: do creds, call or whoami N times
 * in one context. targets: one context from the options, then one per
 * SPEC (REGION[,ROLE_ARN[,EXTERNAL_ID[,SESSION]]], "-" for none) made with
 * aws_new_role, each making the call; one line per target.
 *
 * Exit status as the toolkit's programs: 0, 2 configuration, 3 runtime.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "aws.h"
#include "http.h"
#include "util.h"

static void
trace(const char *line, void *arg)
{
	fprintf(stderr, "awsprobe: %s\n", line);
}

static const struct aws_service *
service(const char *name)
{
	if (strcmp(name, "dynamodb") == 0)
		return &aws_dynamodb;
	if (strcmp(name, "network-firewall") == 0)
		return &aws_network_firewall;
	fprintf(stderr, "awsprobe: unknown service %s\n", name);
	exit(2);
}

static int
do_http(int argc, char **argv)
{
	struct http_header h[] = { { "X-Probe", "1" } };
	struct http_request req;
	struct http_response resp;
	char *cause = NULL;
	size_t i;

	if (argc < 3)
		return 2;
	memset(&req, 0, sizeof(req));
	req.method = argv[1];
	req.url = argv[2];
	req.headers = h;
	req.nheaders = 1;
	if (argc > 3) {
		req.body = argv[3];
		req.bodylen = strlen(argv[3]);
	}
	if (getenv("PROBE_TIMEOUT_MS") != NULL)
		req.timeout_ms = atol(getenv("PROBE_TIMEOUT_MS"));
	/* TLS handshakes under valgrind take seconds. */
	if (getenv("PROBE_CONNECT_TIMEOUT_MS") != NULL)
		req.connect_timeout_ms =
		    atol(getenv("PROBE_CONNECT_TIMEOUT_MS"));
	if (http_do(&req, &resp, &cause) == -1) {
		fprintf(stderr, "awsprobe: %s\n", cause);
		free(cause);
		return 3;
	}
	printf("status %ld\n", resp.status);
	for (i = 0; i < resp.nheaders; i++)
		printf("header %s: %s\n", resp.headers[i].name,
		    resp.headers[i].value);
	printf("retry-after-ms %ld\n", http_retry_after_ms(&resp));
	printf("body %s\n", resp.body);
	http_response_free(&resp);
	return 0;
}

static int
report(const struct aws_error *err, const char *what)
{
	char msg[1024];

	fprintf(stderr, "awsprobe: %s\n", aws_error_format(err, NULL, what,
	    msg, sizeof(msg)));
	return err->config_error ? 2 : 3;
}

static int
do_whoami(struct aws_ctx *ctx)
{
	const struct aws_identity *id;
	struct aws_error err;

	if (aws_caller_identity(ctx, &id, &err) == -1)
		return report(&err, "STS GetCallerIdentity");
	printf("account %s\narn %s\nuser %s\n", id->account, id->arn,
	    id->user_id);
	return 0;
}

static int
do_call(struct aws_ctx *ctx, const char *svc, const char *op,
    const char *json, int quiet)
{
	struct aws_error err;
	json_t *req, *resp = NULL;
	char *s, msg[1024];
	int rc = 0;

	if ((req = json_loads(json, 0, NULL)) == NULL)
		return 2;
	if (aws_call(ctx, service(svc), op, req, &resp, &err) == -1) {
		fprintf(stderr, "awsprobe: %s\n", aws_error_format(&err,
		    service(svc), op, msg, sizeof(msg)));
		rc = err.config_error ? 2 : 3;
	} else {
		s = json_dumps(resp, JSON_COMPACT | JSON_SORT_KEYS);
		if (!quiet)
			printf("%s\n", s);
		free(s);
		json_decref(resp);
	}
	json_decref(req);
	return rc;
}

/* REGION[,ROLE_ARN[,EXTERNAL_ID[,SESSION]]] into o (strings in spec). */
static void
parse_spec(char *spec, struct aws_options *o)
{
	char *f[4] = { NULL, NULL, NULL, NULL }, *p;
	int i;

	memset(o, 0, sizeof(*o));
	for (i = 0, p = spec; i < 4 && p != NULL; i++) {
		f[i] = strsep(&p, ",");
		if (strcmp(f[i], "-") == 0)
			f[i] = NULL;
	}
	o->region = f[0];
	o->role_arn = f[1];
	o->external_id = f[2];
	o->role_session_name = f[3];
}

static int
do_targets(struct aws_ctx *base, int argc, char **argv, int verbose)
{
	struct aws_options o;
	struct aws_ctx **t;
	char *cause = NULL;
	int i, rc = 0, r;

	t = calloc(argc, sizeof(*t));
	for (i = 3; i < argc; i++) {
		parse_spec(argv[i], &o);
		if ((t[i] = aws_new_role(base, &o, &cause)) == NULL) {
			fprintf(stderr, "awsprobe: %s\n", cause);
			free(cause);
			cause = NULL;
			rc = 2;
			continue;
		}
		if (verbose)
			aws_set_trace(t[i], trace, NULL);
	}
	for (i = 3; i < argc; i++) {
		if (t[i] == NULL)
			continue;
		if ((r = do_call(t[i], argv[0], argv[1], argv[2], 1)) != 0) {
			rc = r;
			continue;
		}
		printf("%s key %s source %s\n", aws_region(t[i]),
		    aws_access_key_id(t[i]), aws_credentials_source(t[i]));
	}
	for (i = argc - 1; i >= 3; i--)
		aws_free(t[i]);
	free(t);
	return rc;
}

int
main(int argc, char **argv)
{
	struct aws_options opts = { 0 };
	struct aws_error err;
	struct aws_ctx *ctx;
	char *cause = NULL, *s;
	int c, verbose = 0, rc = 0, count = 1, i;

	while ((c = getopt(argc, argv, "c:E:p:r:R:S:v")) != -1) {
		switch (c) {
		case 'c':
			count = atoi(optarg);
			break;
		case 'E':
			opts.external_id = optarg;
			break;
		case 'R':
			opts.role_arn = optarg;
			break;
		case 'S':
			opts.role_session_name = optarg;
			break;
		case 'p':
			opts.profile = optarg;
			break;
		case 'r':
			opts.region = optarg;
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		return 2;
	if (strcmp(argv[0], "http") == 0)
		return do_http(argc, argv);

	if ((ctx = aws_new(&opts, &cause)) == NULL) {
		fprintf(stderr, "awsprobe: %s\n", cause);
		free(cause);
		return 2;
	}
	if (verbose)
		aws_set_trace(ctx, trace, NULL);
	if (strcmp(argv[0], "creds") == 0) {
		for (i = 0; i < count && rc == 0; i++) {
			if (aws_credentials(ctx, &err) == -1)
				rc = report(&err, "credentials");
			else
				printf("region %s\nsource %s\nkey %s\n",
				    aws_region(ctx),
				    aws_credentials_source(ctx),
				    aws_access_key_id(ctx));
		}
	} else if (strcmp(argv[0], "whoami") == 0) {
		for (i = 0; i < count && rc == 0; i++)
			rc = do_whoami(ctx);
	} else if (strcmp(argv[0], "targets") == 0 && argc >= 4) {
		rc = do_targets(ctx, argc - 1, argv + 1, verbose);
	} else if (strcmp(argv[0], "endpoint") == 0 && argc == 2) {
		if ((s = aws_endpoint(ctx, service(argv[1]), &cause)) ==
		    NULL) {
			fprintf(stderr, "awsprobe: %s\n", cause);
			free(cause);
			rc = 2;
		} else {
			printf("%s\n", s);
			free(s);
		}
	} else if (strcmp(argv[0], "call") == 0 && argc == 4) {
		for (i = 0; i < count && rc == 0; i++)
			rc = do_call(ctx, argv[1], argv[2], argv[3], 0);
	} else
		rc = 2;
	aws_free(ctx);
	return rc;
}
