/* json.c: a strict recursive-descent JSON reader (bounded depth, UTF-8
 * checked) and a writer in Python json.dumps's default style. */
#include "json.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

struct reader {
	const unsigned char *p, *end, *start;
	char *err;
	size_t errlen;
	bool failed;
};

static void
reader_fail(struct reader *r, const char *what)
{
	if (r->failed)
		return;
	r->failed = true;
	if (r->errlen)
		snprintf(r->err, r->errlen, "%s at byte %zu", what,
		         (size_t)(r->p - r->start));
}

static void
reader_skip_space(struct reader *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' ||
	                         *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

struct json *
json_new(enum json_type type)
{
	struct json *j = xcalloc(1, sizeof *j);
	j->type = type;
	return j;
}

struct json *
json_new_string(const char *s, size_t len)
{
	struct json *j = json_new(JSON_STRING);
	j->s = xmalloc(len + 1);
	memcpy(j->s, s, len);
	j->s[len] = '\0';
	j->len = len;
	return j;
}

void
json_free(struct json *j)
{
	if (j == NULL)
		return;
	for (size_t i = 0; i < j->n; i++) {
		json_free(j->v[i]);
		if (j->k)
			json_free(j->k[i]);
	}
	free(j->v);
	free(j->k);
	free(j->s);
	free(j);
}

static void
json_grow(struct json *j)
{
	if (j->n < j->cap)
		return;
	j->cap = j->cap ? j->cap * 2 : 4;
	j->v = xreallocarray(j->v, j->cap, sizeof *j->v);
	if (j->type == JSON_OBJECT)
		j->k = xreallocarray(j->k, j->cap, sizeof *j->k);
}

static ssize_t
json_find(const struct json *obj, const char *key, size_t klen)
{
	if (obj == NULL || obj->type != JSON_OBJECT)
		return -1;
	for (size_t i = 0; i < obj->n; i++)
		if (obj->k[i]->len == klen &&
		    memcmp(obj->k[i]->s, key, klen) == 0)
			return (ssize_t)i;
	return -1;
}

void
json_set(struct json *obj, const char *key, size_t klen, struct json *val)
{
	ssize_t i = json_find(obj, key, klen);
	if (i >= 0) {
		json_free(obj->v[i]);
		obj->v[i] = val;
		return;
	}
	json_grow(obj);
	obj->k[obj->n] = json_new_string(key, klen);
	obj->v[obj->n++] = val;
}

const struct json *
json_get(const struct json *obj, const char *key)
{
	ssize_t i = json_find(obj, key, strlen(key));
	return i < 0 ? NULL : obj->v[i];
}

struct json *
json_get_mut(struct json *obj, const char *key, size_t klen)
{
	ssize_t i = json_find(obj, key, klen);
	return i < 0 ? NULL : obj->v[i];
}

struct json *
json_copy(const struct json *j)
{
	struct json *c = json_new(j->type);
	if (j->s) {
		c->s = xmalloc(j->len + 1);
		memcpy(c->s, j->s, j->len + 1);
		c->len = j->len;
	}
	for (size_t i = 0; i < j->n; i++) {
		json_grow(c);
		if (j->k)
			c->k[i] = json_copy(j->k[i]);
		c->v[i] = json_copy(j->v[i]);
		c->n++;
	}
	return c;
}

bool
json_truthy(const struct json *j)
{
	switch (j->type) {
	case JSON_NULL:
	case JSON_FALSE:
		return false;
	case JSON_TRUE:
		return true;
	case JSON_NUMBER:
		/* Zero in any spelling (0, -0, 0.0, 0e5) is false. */
		for (size_t i = 0; i < j->len; i++) {
			char c = j->s[i];
			if (c == 'e' || c == 'E')
				break;
			if (c >= '1' && c <= '9')
				return true;
		}
		return false;
	case JSON_STRING:
		return j->len > 0;
	default:
		return j->n > 0;
	}
}

size_t
json_cost(const struct json *j)
{
	size_t c = sizeof *j + j->len;
	for (size_t i = 0; i < j->n; i++)
		c += json_cost(j->v[i]) + (j->k ? json_cost(j->k[i]) : 0) +
		     2 * sizeof(void *);
	return c;
}

/* The length of the UTF-8 sequence at P (at most N bytes), or 0 when it
 * is not well-formed (overlong, a surrogate, above U+10FFFF, cut). */
static size_t
utf8_seq(const unsigned char *p, size_t n, uint32_t *cp)
{
	unsigned char c = p[0];
	size_t len;
	uint32_t v, min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if ((c & 0xe0) == 0xc0) {
		len = 2, v = c & 0x1f, min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		len = 3, v = c & 0x0f, min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		len = 4, v = c & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (p[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}

static void
utf8_put(struct buf *b, uint32_t cp)
{
	char o[4];
	size_t n;
	if (cp < 0x80) {
		o[0] = (char)cp, n = 1;
	} else if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		o[0] = (char)(0xe0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		o[0] = (char)(0xf0 | (cp >> 18));
		o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	buf_add(b, o, n);
}

static int
reader_hex4(struct reader *r, uint32_t *v)
{
	if (r->end - r->p < 4) {
		reader_fail(r, "short \\u escape");
		return -1;
	}
	*v = 0;
	for (int i = 0; i < 4; i++) {
		unsigned char c = r->p[i];
		int d = c >= '0' && c <= '9'   ? c - '0'
		        : c >= 'a' && c <= 'f' ? c - 'a' + 10
		        : c >= 'A' && c <= 'F' ? c - 'A' + 10
		                               : -1;
		if (d < 0) {
			reader_fail(r, "bad \\u escape");
			return -1;
		}
		*v = (*v << 4) | (uint32_t)d;
	}
	r->p += 4;
	return 0;
}

/* After the opening quote. */
static struct json *
reader_string(struct reader *r)
{
	struct buf b;
	buf_init(&b);
	for (;;) {
		if (r->p >= r->end) {
			reader_fail(r, "unterminated string");
			break;
		}
		unsigned char c = *r->p;
		if (c == '"') {
			r->p++;
			struct json *j =
			    json_new_string(b.data ? b.data : "", b.len);
			buf_free(&b);
			return j;
		}
		if (c < 0x20) {
			reader_fail(r, "control character in string");
			break;
		}
		if (c != '\\') {
			uint32_t cp;
			size_t n = utf8_seq(r->p, (size_t)(r->end - r->p), &cp);
			if (n == 0) {
				reader_fail(r, "invalid UTF-8");
				break;
			}
			buf_add(&b, r->p, n);
			r->p += n;
			continue;
		}
		if (r->end - r->p < 2) {
			reader_fail(r, "unterminated string");
			break;
		}
		char e = (char)r->p[1];
		r->p += 2;
		static const char from[] = "\"\\/bfnrt",
		                  to[] = "\"\\/\b\f\n\r\t";
		const char *at = e ? strchr(from, e) : NULL;
		if (at) {
			buf_addc(&b, to[at - from]);
			continue;
		}
		uint32_t cp, lo;
		if (e != 'u') {
			r->p--;
			reader_fail(r, "bad escape");
			break;
		}
		if (reader_hex4(r, &cp) < 0)
			break;
		if (cp >= 0xdc00 && cp <= 0xdfff) {
			reader_fail(r, "lone low surrogate");
			break;
		}
		if (cp >= 0xd800 && cp <= 0xdbff) {
			if (r->end - r->p < 2 || r->p[0] != '\\' ||
			    r->p[1] != 'u') {
				reader_fail(r, "lone high surrogate");
				break;
			}
			r->p += 2;
			if (reader_hex4(r, &lo) < 0)
				break;
			if (lo < 0xdc00 || lo > 0xdfff) {
				reader_fail(r, "lone high surrogate");
				break;
			}
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		}
		utf8_put(&b, cp);
	}
	buf_free(&b);
	return NULL;
}

static bool
is_digit(const struct reader *r)
{
	return r->p < r->end && *r->p >= '0' && *r->p <= '9';
}

static struct json *
reader_number(struct reader *r)
{
	const unsigned char *s = r->p;
	if (r->p < r->end && *r->p == '-')
		r->p++;
	if (!is_digit(r)) {
		reader_fail(r, "bad number");
		return NULL;
	}
	if (*r->p == '0')
		r->p++;
	else
		while (is_digit(r))
			r->p++;
	if (r->p < r->end && *r->p == '.') {
		r->p++;
		if (!is_digit(r)) {
			reader_fail(r, "bad number");
			return NULL;
		}
		while (is_digit(r))
			r->p++;
	}
	if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
		r->p++;
		if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
			r->p++;
		if (!is_digit(r)) {
			reader_fail(r, "bad number");
			return NULL;
		}
		while (is_digit(r))
			r->p++;
	}
	struct json *j = json_new_string((const char *)s, (size_t)(r->p - s));
	j->type = JSON_NUMBER;
	return j;
}

static bool
reader_word(struct reader *r, const char *w)
{
	size_t n = strlen(w);
	if ((size_t)(r->end - r->p) < n || memcmp(r->p, w, n) != 0)
		return false;
	r->p += n;
	return true;
}

static struct json *reader_value(struct reader *r, unsigned depth);

static struct json *
reader_container(struct reader *r, unsigned depth, bool object)
{
	if (depth >= JSON_MAX_DEPTH) {
		reader_fail(r, "nested too deeply");
		return NULL;
	}
	r->p++;
	struct json *j = json_new(object ? JSON_OBJECT : JSON_ARRAY);
	char close = object ? '}' : ']';
	reader_skip_space(r);
	if (r->p < r->end && *r->p == close) {
		r->p++;
		return j;
	}
	for (;;) {
		struct json *key = NULL;
		reader_skip_space(r);
		if (object) {
			if (r->p >= r->end || *r->p != '"') {
				reader_fail(r, "expected a key");
				break;
			}
			r->p++;
			if ((key = reader_string(r)) == NULL)
				break;
			reader_skip_space(r);
			if (r->p >= r->end || *r->p != ':') {
				reader_fail(r, "expected ':'");
				json_free(key);
				break;
			}
			r->p++;
		}
		struct json *v = reader_value(r, depth + 1);
		if (v == NULL) {
			json_free(key);
			break;
		}
		if (object && j->n >= JSON_MAX_MEMBERS &&
		    json_find(j, key->s, key->len) < 0) {
			reader_fail(r, "too many members");
			json_free(key);
			json_free(v);
			break;
		}
		if (object) {
			json_set(j, key->s, key->len, v);
			json_free(key);
		} else {
			json_grow(j);
			j->v[j->n++] = v;
		}
		reader_skip_space(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			continue;
		}
		if (r->p < r->end && *r->p == close) {
			r->p++;
			return j;
		}
		reader_fail(r, object ? "expected ',' or '}'"
		                      : "expected ',' or ']'");
		break;
	}
	json_free(j);
	return NULL;
}

static struct json *
reader_value(struct reader *r, unsigned depth)
{
	reader_skip_space(r);
	if (r->p >= r->end) {
		reader_fail(r, "expected a value");
		return NULL;
	}
	switch (*r->p) {
	case '{':
		return reader_container(r, depth, true);
	case '[':
		return reader_container(r, depth, false);
	case '"':
		r->p++;
		return reader_string(r);
	case 't':
		if (reader_word(r, "true"))
			return json_new(JSON_TRUE);
		break;
	case 'f':
		if (reader_word(r, "false"))
			return json_new(JSON_FALSE);
		break;
	case 'n':
		if (reader_word(r, "null"))
			return json_new(JSON_NULL);
		break;
	default:
		if (*r->p == '-' || (*r->p >= '0' && *r->p <= '9'))
			return reader_number(r);
	}
	reader_fail(r, "expected a value");
	return NULL;
}

int
json_parse(const char *text, size_t len, struct json **out, char *err,
           size_t errlen)
{
	struct reader r = {(const unsigned char *)text,
	                   (const unsigned char *)text + len,
	                   (const unsigned char *)text,
	                   err,
	                   errlen,
	                   false};
	if (errlen)
		err[0] = '\0';
	*out = NULL;
	struct json *j = reader_value(&r, 0);
	if (j == NULL)
		return -1;
	reader_skip_space(&r);
	if (r.p != r.end) {
		reader_fail(&r, "trailing data");
		json_free(j);
		return -1;
	}
	*out = j;
	return 0;
}

void
json_write_string(struct buf *b, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *end = p + len;
	buf_addc(b, '"');
	while (p < end) {
		unsigned char c = *p;
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			buf_addc(b, (char)c);
			p++;
			continue;
		}
		switch (c) {
		case '"':
			buf_adds(b, "\\\"");
			p++;
			continue;
		case '\\':
			buf_adds(b, "\\\\");
			p++;
			continue;
		case '\n':
			buf_adds(b, "\\n");
			p++;
			continue;
		case '\r':
			buf_adds(b, "\\r");
			p++;
			continue;
		case '\t':
			buf_adds(b, "\\t");
			p++;
			continue;
		case '\b':
			buf_adds(b, "\\b");
			p++;
			continue;
		case '\f':
			buf_adds(b, "\\f");
			p++;
			continue;
		}
		uint32_t cp;
		size_t n = utf8_seq(p, (size_t)(end - p), &cp);
		if (n == 0) {
			/* Not from the reader (it checks); say so visibly. */
			cp = 0xfffd;
			n = 1;
		}
		p += n;
		if (cp >= 0x10000) {
			cp -= 0x10000;
			buf_printf(b, "\\u%04x\\u%04x", 0xd800 + (cp >> 10),
			           0xdc00 + (cp & 0x3ff));
		} else {
			buf_printf(b, "\\u%04x", cp);
		}
	}
	buf_addc(b, '"');
}

void
json_write(struct buf *b, const struct json *j)
{
	switch (j->type) {
	case JSON_NULL:
		buf_adds(b, "null");
		break;
	case JSON_FALSE:
		buf_adds(b, "false");
		break;
	case JSON_TRUE:
		buf_adds(b, "true");
		break;
	case JSON_NUMBER:
		buf_add(b, j->s, j->len);
		break;
	case JSON_STRING:
		json_write_string(b, j->s, j->len);
		break;
	case JSON_ARRAY:
		buf_addc(b, '[');
		for (size_t i = 0; i < j->n; i++) {
			if (i)
				buf_adds(b, ", ");
			json_write(b, j->v[i]);
		}
		buf_addc(b, ']');
		break;
	case JSON_OBJECT:
		buf_addc(b, '{');
		for (size_t i = 0; i < j->n; i++) {
			if (i)
				buf_adds(b, ", ");
			json_write_string(b, j->k[i]->s, j->k[i]->len);
			buf_adds(b, ": ");
			json_write(b, j->v[i]);
		}
		buf_addc(b, '}');
		break;
	}
}
