/*
 * awsprobe.c: a test driver for lib/http.c and lib/aws*.c, so that shell
 * scenarios can exercise them against local stand-ins:
 *
 *   awsprobe [-p profile] [-r region] [-v] creds
 *   awsprobe [-p profile] [-r region] endpoint dynamodb|network-firewall
 *   awsprobe [-p profile] [-r region] [-v] call SERVICE OPERATION JSON
 *   awsprobe http METHOD URL [BODY]      (one http_do, status + headers)
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

int
main(int argc, char **argv)
{
	struct aws_options opts = { NULL, NULL };
	struct aws_error err;
	struct aws_ctx *ctx;
	json_t *req, *resp = NULL;
	char *cause = NULL, *s, msg[1024];
	int c, verbose = 0, rc = 0;

	while ((c = getopt(argc, argv, "p:r:v")) != -1) {
		switch (c) {
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
		if (aws_credentials(ctx, &err) == -1) {
			fprintf(stderr, "awsprobe: %s\n", aws_error_format(&err,
			    NULL, "credentials", msg, sizeof(msg)));
			rc = err.config_error ? 2 : 3;
		} else
			printf("region %s\nsource %s\nkey %s\n",
			    aws_region(ctx), aws_credentials_source(ctx),
			    aws_access_key_id(ctx));
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
		if ((req = json_loads(argv[3], 0, NULL)) == NULL) {
			aws_free(ctx);
			return 2;
		}
		if (aws_call(ctx, service(argv[1]), argv[2], req, &resp,
		    &err) == -1) {
			fprintf(stderr, "awsprobe: %s\n", aws_error_format(&err,
			    service(argv[1]), argv[2], msg, sizeof(msg)));
			rc = err.config_error ? 2 : 3;
		} else {
			s = json_dumps(resp, JSON_COMPACT | JSON_SORT_KEYS);
			printf("%s\n", s);
			free(s);
			json_decref(resp);
		}
		json_decref(req);
	} else
		rc = 2;
	aws_free(ctx);
	return rc;
}
