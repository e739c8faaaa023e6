/* t-jl.c: the JSON-text scanner, the reader's splitting, line numbers and
 * resynchronisation, and the writer. */
#include "config.h"

#include <sys/wait.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jl.h"
#include "tap.h"
#include "util.h"

static const char *
valid(const char *s)
{
	static char	 reason[160];
	size_t		 n, pos;

	n = jl_validate(s, strlen(s), reason, sizeof reason, &pos);
	if (n == 0)
		return reason;
	return "ok";
}

/* the reader's line limit for describe(); 0: the default */
static size_t max_line;

/*
 * Read text through the reader and describe what came out:
 * "R<line>:<text>" per record, "E<line>.<col>[<raw>]" per malformed one,
 * "L<line>[<raw and every piece of jl_skip()>]" per line too long.
 * chunked: feed it through a pipe one byte at a time.
 */
static char *
describe(const char *text, size_t len, int chunked)
{
	struct jl_reader	*r;
	struct jl_record	 rec;
	struct jl_error		 err;
	struct buf		 out;
	int			 st, fds[2];
	pid_t			 pid = -1;

	if (chunked) {
		if (pipe(fds) == -1)
			abort();
		/* the child must not inherit unflushed TAP lines (valgrind's
		 * exit flushes stdio even after _exit) */
		fflush(stdout);
		if ((pid = fork()) == 0) {
			close(fds[0]);
			for (size_t i = 0; i < len; i++)
				if (write(fds[1], text + i, 1) != 1)
					_exit(1);
			_exit(0);
		}
		close(fds[1]);
		r = jl_from_fd(fds[0], "pipe");
	} else
		r = jl_from_mem(text, len, "mem");
	if (max_line > 0)
		jl_set_max_line(r, max_line);
	buf_init(&out);
	while ((st = jl_next(r, &rec, &err)) != JL_EOF) {
		if (st == JL_RECORD) {
			buf_addf(&out, "R%lu:", rec.line);
			buf_add(&out, rec.text, rec.len);
			buf_addc(&out, ' ');
		} else if (st == JL_MALFORMED && err.toolong) {
			const char	*piece;
			size_t		 plen;

			buf_addf(&out, "L%lu[", err.line);
			buf_add(&out, err.raw, err.rawlen);
			while (err.more && jl_skip(r, &piece, &plen) == 1)
				buf_add(&out, piece, plen);
			buf_adds(&out, "] ");
		} else if (st == JL_MALFORMED) {
			buf_addf(&out, "E%lu.%lu[", err.line, err.column);
			buf_add(&out, err.raw, err.rawlen);
			buf_adds(&out, "] ");
		} else {
			buf_adds(&out, "IOERR");
			break;
		}
	}
	jl_close(r);
	if (chunked) {
		close(fds[0]);
		waitpid(pid, NULL, 0);
	}
	return buf_cstr(&out);
}

static void
both(const char *text, const char *want, const char *what)
{
	char	*a = describe(text, strlen(text), 0);
	char	*b = describe(text, strlen(text), 1);

	is_str(a, want, "%s", what);
	is_str(b, want, "%s (byte by byte through a pipe)", what);
	free(a);
	free(b);
}

int
main(void)
{
	char		*deep, *got;
	size_t		 n;
	json_t		*v;
	char		 reason[160];
	struct jl_record rec;

	is_str(valid("{\"a\":[1,-2.5e+3,true,false,null,\"x\"]}"), "ok",
	    "all value kinds");
	is_str(valid("\"\\ud83d\\ude00 \\u0000 \xc3\xa9 \xf0\x9f\x98\x80\""),
	    "ok", "escapes, NUL escape, 2- and 4-byte UTF-8");
	is_str(valid("{\"a\":1,}"), "object key expected, found '}'",
	    "trailing comma");
	is_str(valid("[1 2]"), "',' or ']' expected, found '2'", "missing comma");
	is_str(valid("{\"a\" 1}"), "':' expected, found '1'", "missing colon");
	is_str(valid("\"\xff\""), "invalid UTF-8", "invalid byte");
	is_str(valid("\"\xc0\xaf\""), "invalid UTF-8", "overlong encoding");
	is_str(valid("\"\xed\xa0\x80\""), "invalid UTF-8", "UTF-8 surrogate");
	is_str(valid("\"\xf4\x90\x80\x80\""), "invalid UTF-8", "above U+10FFFF");
	is_str(valid("\"\\ud800\""), "lone surrogate in \\u escape",
	    "lone high surrogate");
	is_str(valid("\"\\udc00\""), "lone surrogate in \\u escape",
	    "lone low surrogate");
	is_str(valid("\"a\tb\""), "control character in string", "raw tab");
	is_str(valid("\"\\x\""), "invalid escape in string", "bad escape");
	is_str(valid("01"), "invalid number (leading zero)", "leading zero");
	is_str(valid("1."), "invalid number", "dot without digits");
	is_str(valid("-"), "invalid number", "lone minus");
	is_str(valid("1e"), "invalid number", "empty exponent");
	is_str(valid("12345678901234567890123"), "ok", "long integer");
	is_str(valid("tru"), "unexpected end of input", "cut literal");
	is_str(valid("trux"), "invalid literal", "bad literal");
	is_str(valid("{\"a\":"), "unexpected end of input", "cut object");

	n = 513;
	deep = xmalloc(2 * n + 1);
	memset(deep, '[', n);
	memset(deep + n, ']', n);
	deep[2 * n] = '\0';
	is_str(valid(deep), "nesting deeper than 512 levels", "513 levels");
	deep[0] = ' ';
	deep[2 * n - 1] = ' ';
	is_str(valid(deep), "ok", "512 levels");
	free(deep);

	both("{\"a\":1}\n{\"b\":2}\n", "R1:{\"a\":1} R2:{\"b\":2} ",
	    "JSON lines");
	both("{\"a\":1}\r\n\r\n\n{\"b\":2}", "R1:{\"a\":1} R4:{\"b\":2} ",
	    "CRLF, blank lines, no final newline");
	both("{\n  \"a\": [\n    1\n  ]\n}\n{\"b\":2}\n",
	    "R1:{\n  \"a\": [\n    1\n  ]\n} R6:{\"b\":2} ",
	    "a pretty-printed document then a line");
	both("{}{} [1] 7\n\"s\"", "R1:{} R1:{} R1:[1] R1:7 R2:\"s\" ",
	    "concatenated values");
	both("{\"a\":1,\n{\"b\":2}\n", "E1.8[{\"a\":1,\n] R2:{\"b\":2} ",
	    "a truncated line does not swallow the next one");
	both("{\"a\":\"x\n{\"b\":2}\n", "E1.8[{\"a\":\"x\n] R2:{\"b\":2} ",
	    "an unterminated string resynchronises at the next line");
	both("{\"a\":1} garbage here\n{\"b\":2}\n",
	    "R1:{\"a\":1} E1.9[garbage here\n] R2:{\"b\":2} ",
	    "garbage after a value is rejected alone");
	both("{\n  \"a\": 1\n  \"b\": 2\n}\n{\"c\":3}\n",
	    "E3.3[{\n  \"a\": 1\n  \"b\": 2\n] E4.1[}\n] R5:{\"c\":3} ",
	    "a broken pretty document, then a good line");
	both("{\"a\":\n{\"b\":2}\n", "E1.6[{\"a\":\n] R2:{\"b\":2} ",
	    "a line cut after ':' does not swallow the next line");
	both("{\"a\":[{\"x\":1},\n{\"b\":2}\n",
	    "E1.15[{\"a\":[{\"x\":1},\n] R2:{\"b\":2} ",
	    "a line cut inside an array does not swallow the next line");
	both("[\n{\"a\":1},\n{\"b\":2}\n]\n",
	    "R1:[\n{\"a\":1},\n{\"b\":2}\n] ",
	    "objects at column 0 inside an array document are fine");
	both("{\"a\":[1,2", "E1.10[{\"a\":[1,2] ", "cut at end of input");
	both("\xef\xbb\xbf{\"bom\":1}\n", "R1:{\"bom\":1} ", "a UTF-8 BOM is skipped");
	both("", "", "empty input");
	both("\n\n  \n", "", "blank input");
	both("123", "R1:123 ", "a number at end of input");

	got = describe("{\"a\":\"\xff\"}\n{\"b\":1}\n",
	    strlen("{\"a\":\"\xff\"}\n{\"b\":1}\n"), 0);
	is_str(got, "E1.7[{\"a\":\"\xff\"}\n] R2:{\"b\":1} ", "invalid UTF-8 rejected");
	free(got);

	/* a long line arriving in pieces is scanned once */
	{
		size_t	 big = 3 * 1024 * 1024;
		char	*line = xmalloc(big + 32), *d;

		memcpy(line, "{\"k\":\"", 6);
		memset(line + 6, 'x', big);
		memcpy(line + 6 + big, "\"}\n{}\n", 7);
		d = describe(line, strlen(line), 0);
		ok(strncmp(d, "R1:{\"k\":\"xxx", 12) == 0 &&
		    strcmp(d + strlen(d) - 6, "R2:{} ") == 0 &&
		    strlen(d) == big + 18, "a 3 MB line");
		free(d);
		free(line);
	}

	rec.text = "{\"n\":123456789012345678901234,\"s\":\"a\\u0000b\"}";
	rec.len = strlen(rec.text);
	rec.file = "f";
	rec.line = 3;
	v = jl_decode(&rec, reason, sizeof reason);
	ok(v != NULL && json_is_real(json_object_get(v, "n")),
	    "integers beyond 64 bits decode as reals");
	ok(v != NULL && json_string_length(json_object_get(v, "s")) == 3,
	    "\\u0000 is kept");
	json_decref(v);
	is_str(jl_where(&rec), "f:3", "where is file:line");

	/* a bound on a line: rejected whole, the reader goes on after it */
	max_line = 8;
	both("{\"a\":1}\n{\"b\":\"xxxxxxxx\"}\n{\"c\":2}\n",
	    "R1:{\"a\":1} L2[{\"b\":\"xxxxxxxx\"}\n] R3:{\"c\":2} ",
	    "a valid line longer than the limit is a reject, with its line");
	both("{\"a\":12}\n{\"a\":123}\n",
	    "R1:{\"a\":12} L2[{\"a\":123}\n] ", "8 bytes pass, 9 do not");
	both("xxxxxxxxxxxxxxxxxxxx\n{}\n", "L1[xxxxxxxxxxxxxxxxxxxx\n] R2:{} ",
	    "garbage longer than the limit: one reject, not read whole");
	both("{\n \"a\": \"xxxxxxxxxx\"\n}\n{}\n",
	    "L2[{\n \"a\": \"xxxxxxxxxx\"\n] E3.1[}\n] R4:{} ",
	    "a long line inside a pretty record: from the record's start to "
	    "that line's end");
	both("{}\nxxxxxxxxxxxxxxx", "R1:{} L2[xxxxxxxxxxxxxxx] ",
	    "a long last line without newline");
	both("{}{}{}{}{}\n{}\n", "R1:{} R1:{} R1:{} R1:{} L1[{}\n] R2:{} ",
	    "records past the limit on one line are rejected with its rest");
	max_line = 9;
	both("{\n \"a\": 123\n}\n", "R1:{\n \"a\": 123\n} ",
	    "a pretty record's line of exactly the limit, its newline at the "
	    "end of a read, passes");
	max_line = 8;
	both("{\"a\":1}    \r\n{}\n", "R1:{\"a\":1} R2:{} ",
	    "blanks after a record on a long line are not a record");
	max_line = 0;
	{
		struct jl_reader	*r;
		struct jl_error		 err;
		const char		*line;
		const char		 text[] = "{\"a\":\"xxxxxxxxxx\"}\n{}\n";

		r = jl_from_mem(text, sizeof text - 1, "mem");
		jl_set_max_line(r, 8);
		ok(jl_peek_line(r, &line, &n) == JL_RECORD && n == 0,
		    "peek: a line too long is handed back empty");
		ok(jl_next(r, &rec, &err) == JL_MALFORMED && err.toolong &&
		    err.line == 1 && strcmp(err.reason, "line longer than 8 "
		    "bytes") == 0, "and jl_next() then rejects it: %s",
		    err.reason);
		ok(jl_peek_line(r, &line, &n) == JL_RECORD && n == 2 &&
		    memcmp(line, "{}", 2) == 0, "peek goes on at the next line");
		jl_close(r);
	}

	/* writer: one line per record */
	{
		char		 path[] = "/tmp/t-jl.XXXXXX", back[256];
		int		 fd = mkstemp(path);
		struct jl_writer *w = jl_writer_new(fd, path);
		json_t		*o = json_pack("{s:s,s:i,s:b}", "HostIp",
		    "198.51.100.7", "n", 3, "NewIP", 1);
		ssize_t		 r;

		ok(jl_write(w, o) == 0, "write a record");
		ok(jl_write_raw(w, "{\"raw\": true}", 13) == 0, "write raw bytes");
		ok(jl_writer_free(w) == 0, "flush");
		lseek(fd, 0, SEEK_SET);
		r = read(fd, back, sizeof back - 1);
		back[r < 0 ? 0 : r] = '\0';
		is_str(back, "{\"HostIp\":\"198.51.100.7\",\"n\":3,\"NewIP\":true}\n"
		    "{\"raw\": true}\n", "compact, one line each, order kept");
		json_decref(o);
		close(fd);
		unlink(path);
	}
	return done_testing();
}
