/*
 * t-ev.c: unit tests of event flattening (lib/ev.c): field paths, leaf
 * types, number text kept, strings decoded, duplicate keys, array trails;
 * and of the exact decimal comparison of numbers (pat_num_cmp).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ev.h"
#include "pat.h"
#include "tap.h"
#include "util.h"

/* The fields of an event as "path=type:value@trail;..." */
static char *
flat(const char *json)
{
	static const char *types = "nftNsAO";
	struct ev_event	 ev;
	struct buf	 b;
	char		*cause = NULL, *out;
	size_t		 i, j;

	ev_init(&ev);
	buf_init(&b);
	if (ev_parse(&ev, json, strlen(json), &cause) != 0) {
		buf_addf(&b, "error: %s", cause);
		free(cause);
	}
	for (i = 0; i < ev.nfields; i++) {
		const struct ev_field *f = &ev.fields[i];

		buf_addf(&b, "%s%.*s=%c:%.*s", i ? ";" : "", (int)f->pathlen,
		    f->path, types[f->type], (int)f->valuelen, f->value);
		for (j = 0; j < f->traillen; j++)
			buf_addf(&b, "@%u.%u", f->trail[j].array,
			    f->trail[j].index);
	}
	out = xstrdup(b.len ? buf_cstr(&b) : "");
	buf_free(&b);
	ev_free(&ev);
	return out;
}

static void
check_flat(const char *json, const char *want, const char *what)
{
	char	*got = flat(json);

	is_str(got, want, "%s", what);
	free(got);
}

static int
sign(int x)
{
	return (x > 0) - (x < 0);
}

static void
check_cmp(const char *a, const char *b, int want)
{
	is_int(sign(pat_num_cmp(a, strlen(a), b, strlen(b))), want,
	    "%s <=> %s is %d", a, b, want);
}

static void
check_compat(void)
{
	struct ev_event	 ev;
	char		*cause;
	const char	*json = "{\"f\":[{\"a\":1,\"b\":[2,3]},{\"a\":4}],"
	    "\"g\":[5]}";

	ev_init(&ev);
	if (ev_parse(&ev, json, strlen(json), &cause) != 0) {
		ok(0, "parse: %s", cause);
		free(cause);
		return;
	}
	/* fields: f.a(1) f.b(2) f.b(3) f.a(4) g(5) */
	is_int(ev.nfields, 5, "five leaves");
	ok(ev_trail_compatible(&ev.fields[0], &ev.fields[1]),
	    "same element, inner array: compatible");
	ok(!ev_trail_compatible(&ev.fields[1], &ev.fields[3]),
	    "different elements of f: not compatible");
	ok(!ev_trail_compatible(&ev.fields[1], &ev.fields[2]),
	    "different elements of the inner array: not compatible");
	ok(ev_trail_compatible(&ev.fields[3], &ev.fields[4]),
	    "unrelated arrays: compatible");
	ev_free(&ev);
}

int
main(void)
{
	check_flat("{\"a\":\"x\",\"b\":{\"c\":1.50,\"d\":true}}",
	    "a=s:x;b.c=N:1.50;b.d=t:true", "paths joined with dots, "
	    "number text kept");
	check_flat("{\"a\":null,\"b\":false}", "a=n:null;b=f:false",
	    "null and false are leaves");
	check_flat("{\"a\":[],\"b\":{},\"c\":[[],{}]}", "",
	    "empty arrays and objects give no field");
	check_flat("{\"a\":[1,[2,[3]]]}", "a=N:1@0.0;a=N:2@0.1@1.0;"
	    "a=N:3@0.1@1.1@2.0", "nested arrays flatten under one path");
	check_flat("{\"a\":\"\\u00e9\\n\\\"\\ud83d\\ude00\"}",
	    "a=s:\xc3\xa9\n\"\xf0\x9f\x98\x80", "strings decoded");
	check_flat("{\"a\":1,\"a\":2}", "a=N:2", "duplicate: last wins");
	check_flat("{\"a\":{\"x\":1},\"b\":0,\"a\":{\"y\":2}}",
	    "b=N:0;a.y=N:2", "duplicate object: replaced whole");
	check_flat("{\"a.b\":1,\"a\":{\"b\":2}}", "a.b=N:1;a.b=N:2",
	    "dotted key and nested path collide");
	check_flat("{\"\":{\"\":1}}", ".=N:1", "empty keys");
	check_flat("[1]", "", "a root that is not an object has no fields");
	check_flat("{\"a\":1,}", "error: object key expected at line 1, "
	    "column 8", "malformed JSON is an error");
	check_flat("{\"a\":01}", "error: ',' or '}' expected at line 1, "
	    "column 7", "leading zeros are not JSON");
	check_flat("\xef\xbb\xbf{\"a\":1}", "a=N:1", "byte order mark");
	check_compat();

	check_cmp("300", "300.0", 0);
	check_cmp("300", "3.0e2", 0);
	check_cmp("3e0", "3", 0);
	check_cmp("0", "-0.0e5", 0);
	check_cmp("0.05", "5E-2", 0);
	check_cmp("12345678901234567890", "12345678901234567891", -1);
	check_cmp("-1", "1", -1);
	check_cmp("-2", "-1", -1);
	check_cmp("-0.5", "0", -1);
	check_cmp("1e400", "1e300", 1);
	check_cmp("1e-400", "0", 1);
	check_cmp("0.1", "0.1000000000000000000001", -1);
	check_cmp("100", "99.999", 1);
	check_cmp("0.001", "0.01", -1);
	check_cmp("1.10", "1.1", 0);
	return done_testing();
}
