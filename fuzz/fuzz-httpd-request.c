/* fuzz-httpd-request.c: libFuzzer target for the HTTP request parser.
 *
 * The input is what a client sent.  The status must be one the server
 * knows how to answer; an accepted request must name a normalized path
 * (no "..", ".", empty segments or leading '/': the server looks it up
 * whole among the files it publishes); and since the server parses
 * again after every read, every prefix of the input must either ask for
 * more bytes or say exactly what the whole input says.  Run with
 * -max_len=20000 to reach the size limits. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "httpd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct httpd_request whole, part;

static void
check_path(const char *p)
{
	size_t n = strlen(p);
	if (n >= sizeof whole.path)
		abort();
	if (n == 0)
		return;
	if (p[0] == '/' || p[n - 1] == '/' || strstr(p, "//"))
		abort();
	/* Every segment, with '/' on both sides. */
	for (const char *s = p; s;) {
		const char *e = strchr(s, '/');
		size_t len = e ? (size_t)(e - s) : strlen(s);
		if ((len == 1 && s[0] == '.') ||
		    (len == 2 && s[0] == '.' && s[1] == '.'))
			abort();
		s = e ? e + 1 : NULL;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	int st = httpd_parse_request(buf, size, &whole);
	switch (st) {
	case 0:
	case 400:
	case 403:
	case 405:
	case 414:
	case 431:
	case 505:
		break;
	case 200:
		if (whole.method != HTTPD_GET && whole.method != HTTPD_HEAD)
			abort();
		if (whole.head_len == 0 || whole.head_len > size ||
		    whole.head_len > HTTPD_HEAD_MAX ||
		    buf[whole.head_len - 1] != '\n')
			abort();
		if (whole.version < 10 || whole.version > 19 ||
		    whole.target[0] == '\0')
			abort();
		check_path(whole.path);
		break;
	default:
		abort();
	}
	/* Nothing short of HTTPD_HEAD_MAX can be "too long for headers". */
	if (st == 431 && size < HTTPD_HEAD_MAX)
		abort();

	/* A few prefixes, at points the input itself picks. */
	for (size_t i = 0; i < 4 && size > 0; i++) {
		size_t cut = ((size_t)data[i % size] * 257 + i * 131) % size;
		int ps = httpd_parse_request(buf, cut, &part);
		if (ps != 0 && ps != st)
			abort();
		if (ps == 200 && (part.head_len != whole.head_len ||
		                  strcmp(part.path, whole.path) != 0 ||
		                  strcmp(part.target, whole.target) != 0))
			abort();
	}
	return 0;
}
