/* match.c: the prompt matcher.  LAVA waits for prompts with pexpect: each
 * prompt is a Python `re` pattern compiled with DOTALL, every pattern is
 * searched in the buffer, and the match that starts earliest wins, ties to
 * the first in the list.  pexpect searches again on every read, over its
 * whole buffer or a window of it, so its answer depends on how the stream
 * was cut into reads, and a big burst can slide a prompt out of the window.
 *
 * Here each pattern is translated to PCRE2 once and the stream is searched
 * incrementally:
 *  - every search starts where that pattern could still begin a match
 *    (PCRE2_PARTIAL_HARD says where: the earliest start whose outcome
 *    depends on bytes not yet seen), so the work is O(new bytes);
 *  - a pattern that hits the end of the data blocks every match starting
 *    later (or at the same byte from a later pattern), so the winner is
 *    the stream's earliest match whatever the reads were;
 *  - once a pattern's earliest possible start is the earliest of all, a
 *    match there on the data so far (what pexpect would report) is
 *    reported as soon as a byte after it has been seen: `root@(.*):~# `
 *    is found at the space, without waiting for an end of `.*` that never
 *    comes;
 *  - a match that reaches the end of the data and could still grow
 *    (`login:\s*`, `foo$`, `\Z`, an empty match) waits for the next byte
 *    or for matcher_idle(), which the caller calls when the device has
 *    gone quiet and which takes the end as the end, as pexpect does on
 *    each read; `$` (PCRE2_NOTEOL) never matches at the end of the data
 *    fed, so a `$` at a read boundary in the middle of a burst does not
 *    match too early;
 *  - bytes are kept from the earliest possible start (minus look-behind
 *    context) and never more than MATCH_WINDOW.
 *
 * What is left to the reads: the end of a match that leaves greedy text
 * behind it (`root@(.*):~#` reaches the last `:~#` fed), and look-ahead
 * longer than one byte past the end of a match; pexpect has the same.
 *
 * Cost: a pattern that can match anywhere after some text (`root@(.*):~#`
 * after a stray "root@") stays partial, and is searched again from there
 * on every read, up to MATCH_WINDOW bytes: O(window) a read until it
 * completes or falls out of the window.
 *
 * pexpect decodes the stream as UTF-8 with errors="replace"; here each byte
 * that is not part of valid UTF-8 becomes 0x1a in the matcher's copy, so
 * `.` and negated classes match it as they match U+FFFD, offsets stay byte
 * offsets, and PCRE2 runs without UTF checks.  An unfinished character at
 * the end waits for its next bytes, as Python's incremental decoder does.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcre2.h>

#include "match.h"
#include "util.h"

/* Bytes appended and searched at a time, so one huge read cannot grow the
 * buffer past MATCH_WINDOW + MATCH_SLICE.  With the look-behind context
 * (at most MATCH_WINDOW / 8) it stays under half the window, so giving up
 * the older half never skips bytes not searched yet. */
#define MATCH_SLICE 16384

/* A partial match longer than this is searched again only once half its
 * length has come in new bytes (or at idle), so a prompt such as
 * `root@(.*):~#` left pending by a stray "root@" costs a few times the new
 * bytes, not the window on every (maybe one-byte) read.  Shorter ones, the
 * usual prompt prefixes, are searched on every read. */
#define MATCH_LONG_PARTIAL 256

/* A stand-in for bytes that are not UTF-8 (ASCII SUB). */
#define MATCH_BADBYTE 0x1a

enum pat_state { PAT_NONE, PAT_PARTIAL, PAT_COMPLETE };

struct pat {
	pcre2_code *code;
	pcre2_match_data *md;
	size_t resume; /* buffer index where the next search starts */
	enum pat_state state;
	size_t start; /* of the partial or complete match found */
	size_t end;
	bool has_end;    /* a partial that matches on the data so far */
	bool dollar;     /* the pattern may test for the end of a line */
	size_t searched; /* buffer length at its last search */
	int rc;          /* pcre2_match's return for the match reported */
};

struct matcher {
	struct pat *pats;
	size_t n;
	unsigned char *buf; /* matcher's copy, sanitised */
	size_t len;
	size_t pend;     /* trailing bytes of an unfinished UTF-8 character */
	uint64_t base;   /* stream offset of buf[0] */
	uint64_t origin; /* stream offset where ^ and \A match */
	size_t ctx;      /* look-behind bytes kept before a possible start */
	bool done;       /* a match was reported; reset before feeding */
	size_t won;
	pcre2_match_context *mctx;
	pcre2_jit_stack *jit;
	char err[256];
};

/* ---- Python re to PCRE2 ---- */

/* Python's \s for str patterns is str.isspace(): PCRE2's \s (UCP) lacks
 * U+001C..U+001F and has U+180E.  Spelled out, for use inside a class. */
#define PY_SPACE                                                               \
	"\\x{9}-\\x{d}\\x{1c}-\\x{20}\\x{85}\\x{a0}\\x{1680}\\x{2000}-"        \
	"\\x{200a}\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}"
#define PY_NONSPACE                                                            \
	"\\x{0}-\\x{8}\\x{e}-\\x{1b}\\x{21}-\\x{84}\\x{86}-\\x{9f}\\x{a1}-"    \
	"\\x{167f}\\x{1681}-\\x{1fff}\\x{200b}-\\x{2027}\\x{202a}-\\x{202e}"   \
	"\\x{2030}-\\x{205e}\\x{2060}-\\x{2fff}\\x{3001}-\\x{10ffff}"
/* The ASCII flag's classes (Python's re.ASCII). */
#define ASC_DIGIT "0-9"
#define ASC_NONDIGIT "\\x{0}-\\x{2f}\\x{3a}-\\x{10ffff}"
#define ASC_WORD "0-9A-Z_a-z"
#define ASC_NONWORD                                                            \
	"\\x{0}-\\x{2f}\\x{3a}-\\x{40}\\x{5b}-\\x{5e}\\x{60}\\x{7b}-\\x{"      \
	"10ffff}"
#define ASC_SPACE "\\x{9}-\\x{d}\\x{20}"
#define ASC_NONSPACE "\\x{0}-\\x{8}\\x{e}-\\x{1f}\\x{21}-\\x{10ffff}"
#define ASC_B                                                                  \
	"(?:(?<=[" ASC_WORD "])(?![" ASC_WORD "])|(?<![" ASC_WORD              \
	"])(?=[" ASC_WORD "]))"
#define ASC_NB                                                                 \
	"(?:(?<=[" ASC_WORD "])(?=[" ASC_WORD "])|(?<![" ASC_WORD              \
	"])(?![" ASC_WORD "]))"

enum last { L_NONE, L_AT, L_ATOM, L_REPEAT };

struct scope {
	bool verbose;
	bool ascii;
	size_t group; /* capturing group number, 0 if none */
	size_t at;    /* source offset of the '(' */
};

struct xl {
	const char *p;
	size_t i;
	struct buf out;
	size_t *map; /* source offset of each output byte */
	size_t mapcap;
	bool verbose;
	bool ascii;
	bool global_ok; /* only global flags seen so far */
	enum last last;
	struct scope *st;
	size_t depth;
	size_t stcap;
	size_t ngroups;
	char *err;
	size_t errlen;
	size_t erroff;
};

static int xl_error(struct xl *x, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
xl_error(struct xl *x, size_t at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(x->err, x->errlen, fmt, ap);
	va_end(ap);
	x->erroff = at;
	return -1;
}

static void
emit(struct xl *x, const char *s, size_t n, size_t at)
{
	if (x->out.len + n > x->mapcap) {
		x->mapcap = (x->out.len + n) * 2 + 16;
		x->map = xreallocarray(x->map, x->mapcap, sizeof *x->map);
	}
	for (size_t k = 0; k < n; k++)
		x->map[x->out.len + k] = at;
	buf_add(&x->out, s, n);
}

static void
emits(struct xl *x, const char *s, size_t at)
{
	emit(x, s, strlen(s), at);
}

/* Copies the (UTF-8) character at the cursor. */
static void
emit_char(struct xl *x)
{
	size_t n = 1;
	while ((x->p[x->i + n] & 0xc0) == 0x80)
		n++;
	emit(x, x->p + x->i, n, x->i);
	x->i += n;
}

static int
emit_cp(struct xl *x, unsigned long cp, size_t at)
{
	char tmp[32];
	if (cp > 0x10ffff)
		return xl_error(x, at, "bad escape (code point out of range)");
	if (cp >= 0xd800 && cp <= 0xdfff)
		return xl_error(x, at,
		                "surrogate code points are not supported");
	snprintf(tmp, sizeof tmp, "\\x{%lx}", cp);
	emits(x, tmp, at);
	return 0;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* \xhh, \uhhhh, \Uhhhhhhhh: exactly that many digits, as Python wants. */
static int
xl_hex(struct xl *x, size_t at)
{
	char c = x->p[x->i + 1];
	int want = c == 'x' ? 2 : c == 'u' ? 4 : 8;
	unsigned long v = 0;
	for (int k = 0; k < want; k++) {
		int h = hexval((unsigned char)x->p[x->i + 2 + k]);
		if (h < 0)
			return xl_error(x, at, "incomplete escape \\%c%.*s", c,
			                k, x->p + x->i + 2);
		v = v * 16 + (unsigned long)h;
	}
	x->i += 2 + (size_t)want;
	return emit_cp(x, v, at);
}

static bool
isoct(char c)
{
	return c >= '0' && c <= '7';
}

/* The class escapes \d \w \s and their negations, as the text that goes
 * between [ and ]; NULL for other letters. */
static const char *
class_set(char c, bool ascii)
{
	switch (c) {
	case 'd':
		return ascii ? ASC_DIGIT : "\\d";
	case 'D':
		return ascii ? ASC_NONDIGIT : "\\D";
	case 'w':
		return ascii ? ASC_WORD : "\\w";
	case 'W':
		return ascii ? ASC_NONWORD : "\\W";
	case 's':
		return ascii ? ASC_SPACE : PY_SPACE;
	case 'S':
		return ascii ? ASC_NONSPACE : PY_NONSPACE;
	}
	return NULL;
}

/* Escapes valid both inside and outside a class: control letters, hex,
 * named characters.  1 if handled, 0 if not, -1 on error. */
static int
xl_common_escape(struct xl *x, size_t at)
{
	char c = x->p[x->i + 1];
	const char *ctl = NULL;
	switch (c) {
	case 'a':
		ctl = "\\x{7}";
		break;
	case 'f':
		ctl = "\\x{c}";
		break;
	case 'n':
		ctl = "\\x{a}";
		break;
	case 'r':
		ctl = "\\x{d}";
		break;
	case 't':
		ctl = "\\x{9}";
		break;
	case 'v': /* PCRE2's \v is a class of vertical space */
		ctl = "\\x{b}";
		break;
	case 'x':
	case 'u':
	case 'U':
		return xl_hex(x, at) < 0 ? -1 : 1;
	case 'N':
		return xl_error(x, at, "\\N{...} escapes are not supported");
	}
	if (ctl == NULL)
		return 0;
	emits(x, ctl, at);
	x->i += 2;
	return 1;
}

/* The escape after '\' that is not a letter or digit: a literal. */
static void
xl_literal_escape(struct xl *x)
{
	unsigned char c = (unsigned char)x->p[x->i + 1];
	if (c < 0x80) {
		emit(x, x->p + x->i, 2, x->i);
		x->i += 2;
	} else {
		x->i++;
		emit_char(x);
	}
}

static int
xl_class_escape(struct xl *x)
{
	size_t at = x->i;
	char c = x->p[x->i + 1];
	const char *set;
	int r;
	if (c == '\0')
		return xl_error(x, at, "bad escape (end of pattern)");
	if ((set = class_set(c, x->ascii)) != NULL) {
		emits(x, set, at);
		x->i += 2;
		return 0;
	}
	if (c == 'b') {
		emits(x, "\\x{8}", at);
		x->i += 2;
		return 0;
	}
	if ((r = xl_common_escape(x, at)) != 0)
		return r < 0 ? -1 : 0;
	if (isoct(c)) {
		unsigned v = 0;
		size_t k = 1;
		while (k <= 3 && isoct(x->p[x->i + k]))
			v = v * 8 + (unsigned)(x->p[x->i + k++] - '0');
		if (v > 0377)
			return xl_error(x, at,
			                "octal escape value \\%.3s outside "
			                "of range 0-0o377",
			                x->p + x->i + 1);
		x->i += k;
		return emit_cp(x, v, at);
	}
	if (isalnum((unsigned char)c))
		return xl_error(x, at, "bad escape \\%c", c);
	xl_literal_escape(x);
	return 0;
}

static int
xl_class(struct xl *x)
{
	size_t at = x->i;
	emits(x, "[", at);
	x->i++;
	if (x->p[x->i] == '^') {
		emits(x, "^", x->i);
		x->i++;
	}
	if (x->p[x->i] == ']') { /* first: a literal */
		emits(x, "\\]", x->i);
		x->i++;
	}
	for (;;) {
		char c = x->p[x->i];
		if (c == '\0')
			return xl_error(x, at, "unterminated character set");
		if (c == ']') {
			emits(x, "]", x->i);
			x->i++;
			return 0;
		}
		if (c == '[') { /* Python has no [:alpha:] */
			emits(x, "\\[", x->i);
			x->i++;
		} else if (c == '\\') {
			if (xl_class_escape(x) < 0)
				return -1;
		} else
			emit_char(x);
	}
}

static bool
scope_has_open(struct xl *x, size_t group)
{
	for (size_t k = 0; k < x->depth; k++)
		if (x->st[k].group == group)
			return true;
	return false;
}

static int
xl_escape(struct xl *x)
{
	size_t at = x->i;
	char c = x->p[x->i + 1];
	const char *set;
	int r;
	char tmp[64];
	if (c == '\0')
		return xl_error(x, at, "bad escape (end of pattern)");
	x->last = L_ATOM;
	if ((set = class_set(c, x->ascii)) != NULL) {
		if (c == 's' || c == 'S' || x->ascii) {
			emits(x, c == 'S' ? "[^" : "[", at);
			emits(x, c == 'S' ? class_set('s', x->ascii) : set, at);
			emits(x, "]", at);
		} else
			emit(x, x->p + x->i, 2, at);
		x->i += 2;
		return 0;
	}
	switch (c) {
	case 'A':
		/* PCRE2's \A ignores NOTBOL; ^ does not. */
		emits(x, "(?-m:^)", at);
		x->i += 2;
		x->last = L_AT;
		return 0;
	case 'Z':
		/* Python's \Z is the very end; as $, subject to NOTEOL. */
		emits(x, "(?:(?-m:$)(?!\\n))", at);
		x->i += 2;
		x->last = L_AT;
		return 0;
	case 'b':
	case 'B':
		if (x->ascii)
			emits(x, c == 'b' ? ASC_B : ASC_NB, at);
		else
			emit(x, x->p + x->i, 2, at);
		x->i += 2;
		x->last = L_AT;
		return 0;
	}
	if ((r = xl_common_escape(x, at)) != 0)
		return r < 0 ? -1 : 0;
	if (c == '0') {
		unsigned v = 0;
		size_t k = 1;
		while (k <= 3 && isoct(x->p[x->i + k]))
			v = v * 8 + (unsigned)(x->p[x->i + k++] - '0');
		x->i += k;
		return emit_cp(x, v, at);
	}
	if (isdigit((unsigned char)c)) {
		/* Three octal digits are a character, else a group. */
		const char *d = x->p + x->i + 1;
		size_t group;
		if (isdigit((unsigned char)d[1])) {
			if (isoct(d[0]) && isoct(d[1]) && isoct(d[2])) {
				unsigned v = (unsigned)(d[0] - '0') * 64 +
				             (unsigned)(d[1] - '0') * 8 +
				             (unsigned)(d[2] - '0');
				if (v > 0377)
					return xl_error(
					    x, at,
					    "octal escape value \\%.3s "
					    "outside of range 0-0o377",
					    d);
				x->i += 4;
				return emit_cp(x, v, at);
			}
			group =
			    (size_t)(d[0] - '0') * 10 + (size_t)(d[1] - '0');
			x->i += 3;
		} else {
			group = (size_t)(d[0] - '0');
			x->i += 2;
		}
		if (group > x->ngroups)
			return xl_error(x, at + 1,
			                "invalid group reference %zu", group);
		if (scope_has_open(x, group))
			return xl_error(x, at, "cannot refer to an open group");
		snprintf(tmp, sizeof tmp, "\\g{%zu}", group);
		emits(x, tmp, at);
		return 0;
	}
	if (isalpha((unsigned char)c))
		return xl_error(x, at, "bad escape \\%c", c);
	xl_literal_escape(x);
	return 0;
}

static void
xl_push(struct xl *x, size_t group, size_t at)
{
	if (x->depth == x->stcap) {
		x->stcap = x->stcap * 2 + 8;
		x->st = xreallocarray(x->st, x->stcap, sizeof *x->st);
	}
	x->st[x->depth].verbose = x->verbose;
	x->st[x->depth].ascii = x->ascii;
	x->st[x->depth].group = group;
	x->st[x->depth].at = at;
	x->depth++;
	x->last = L_NONE;
}

/* A group name up to TERM; checks it is an identifier. */
static int
xl_name(struct xl *x, char term, size_t *len)
{
	const char *s = x->p + x->i;
	size_t n = 0;
	while (s[n] != '\0' && s[n] != term)
		n++;
	if (s[n] != term)
		return xl_error(x, x->i, "missing %c, unterminated name", term);
	if (n == 0)
		return xl_error(x, x->i, "missing group name");
	for (size_t k = 0; k < n; k++) {
		unsigned char c = (unsigned char)s[k];
		if (!(c == '_' || isalpha(c) || c >= 0x80 ||
		      (k > 0 && isdigit(c))))
			return xl_error(x, x->i,
			                "bad character in group name "
			                "'%.*s'",
			                (int)n, s);
	}
	*len = n;
	return 0;
}

/* Inline flags: (?aiLmsux) at the start, or (?aiLmsux-imsx:...). */
static int
xl_flags(struct xl *x, size_t at)
{
	bool on[128] = {false}, off[128] = {false};
	bool neg = false;
	const char *s = x->p + x->i;
	size_t k = 0;
	for (;; k++) {
		char c = s[k];
		if (c == '-' && !neg) {
			neg = true;
			continue;
		}
		if (c == ':' || c == ')')
			break;
		if (c == '\0' || !strchr("aiLmsux", c))
			return xl_error(x, x->i + k,
			                c ? "unknown flag"
			                  : "missing -, : or )");
		if (neg && strchr("aLu", c))
			return xl_error(x, x->i + k,
			                "bad inline flag: cannot turn off "
			                "flags 'a', 'u' and 'L'");
		(neg ? off : on)[(unsigned char)c] = true;
	}
	if (on['L'])
		return xl_error(x, x->i + k,
		                "bad inline flags: cannot use 'L' "
		                "flag with a str pattern");
	if (on['a'] && on['u'])
		return xl_error(x, at,
		                "bad inline flag: flags 'a', 'u' and "
		                "'L' are incompatible");
	bool global = s[k] == ')';
	if (global && neg)
		return xl_error(x, at, "missing :");
	if (global && !x->global_ok)
		return xl_error(x, at,
		                "global flags not at the start of the "
		                "expression");
	x->i += k + 1;
	if (!global)
		xl_push(x, 0, at);
	if (on['x'])
		x->verbose = true;
	if (off['x'])
		x->verbose = false;
	if (on['a'])
		x->ascii = true;
	if (on['u'])
		x->ascii = false;
	/* PCRE2 takes i, m and s the same way. */
	bool anyon = on['i'] || on['m'] || on['s'];
	bool anyoff = off['i'] || off['m'] || off['s'];
	if (global && !anyon) {
		x->last = L_NONE;
		return 0;
	}
	emits(x, "(?", at);
	for (const char *f = "ims"; *f; f++)
		if (on[(unsigned char)*f])
			emit(x, f, 1, at);
	if (anyoff) {
		emits(x, "-", at);
		for (const char *f = "ims"; *f; f++)
			if (off[(unsigned char)*f])
				emit(x, f, 1, at);
	}
	emits(x, global ? ")" : ":", at);
	if (global)
		x->last = L_NONE;
	return 0;
}

static int
xl_group(struct xl *x)
{
	size_t at = x->i;
	const char *s = x->p + x->i;
	size_t n;
	if (s[1] != '?') {
		x->ngroups++;
		emits(x, "(", at);
		x->i++;
		xl_push(x, x->ngroups, at);
		return 0;
	}
	switch (s[2]) {
	case ':':
	case '=':
	case '!':
	case '>':
		emit(x, s, 3, at);
		x->i += 3;
		xl_push(x, 0, at);
		return 0;
	case '<':
		if (s[3] != '=' && s[3] != '!')
			return xl_error(x, at + 1, "unknown extension ?<%.1s",
			                s + 3);
		emit(x, s, 4, at);
		x->i += 4;
		xl_push(x, 0, at);
		return 0;
	case '#':
		n = 3;
		while (s[n] != '\0' && s[n] != ')')
			n++;
		if (s[n] != ')')
			return xl_error(x, at,
			                "missing ), unterminated "
			                "comment");
		x->i += n + 1;
		return 0;
	case 'P':
		if (s[3] == '<') {
			x->i += 4;
			if (xl_name(x, '>', &n) < 0)
				return -1;
			emits(x, "(?P<", at);
			emit(x, x->p + x->i, n + 1, x->i);
			x->i += n + 1;
			x->ngroups++;
			xl_push(x, x->ngroups, at);
			return 0;
		}
		if (s[3] == '=') {
			x->i += 4;
			if (xl_name(x, ')', &n) < 0)
				return -1;
			emits(x, "(?P=", at);
			emit(x, x->p + x->i, n + 1, x->i);
			x->i += n + 1;
			x->last = L_ATOM;
			return 0;
		}
		return xl_error(x, at + 1, "unknown extension ?P%.1s", s + 3);
	case '(':
		/* (?(1)yes|no) or (?(name)yes|no) */
		x->i += 3;
		if (xl_name(x, ')', &n) < 0) {
			/* A number is fine too. */
			if (!isdigit((unsigned char)x->p[x->i]))
				return -1;
			n = 0;
			while (isdigit((unsigned char)x->p[x->i + n]))
				n++;
			if (x->p[x->i + n] != ')')
				return xl_error(x, x->i,
				                "bad character in "
				                "group name");
		}
		if (isdigit((unsigned char)x->p[x->i])) {
			emits(x, "(?(", at);
			emit(x, x->p + x->i, n + 1, x->i);
		} else {
			emits(x, "(?(<", at);
			emit(x, x->p + x->i, n, x->i);
			emits(x, ">)", x->i + n);
		}
		x->i += n + 1;
		xl_push(x, 0, at);
		return 0;
	}
	if (s[2] != '\0' && (strchr("aiLmsux-", s[2]) != NULL)) {
		x->i += 2;
		return xl_flags(x, at);
	}
	return xl_error(x, at + 1, "unknown extension ?%.1s", s + 2);
}

/* {m,n} after an item; 0 if this '{' is a literal, 1 if a quantifier. */
static int
xl_brace(struct xl *x, char *q, size_t qlen)
{
	const char *s = x->p + x->i + 1;
	size_t k = 0, lo_n, hi_n = 0;
	unsigned long lo = 0, hi = 0;
	bool comma = false;
	while (isdigit((unsigned char)s[k]))
		k++;
	lo_n = k;
	if (s[k] == ',') {
		comma = true;
		k++;
		size_t h0 = k;
		while (isdigit((unsigned char)s[k]))
			k++;
		hi_n = k - h0;
		if (hi_n)
			hi = strtoul(s + h0, NULL, 10);
	}
	if (s[k] != '}' || (lo_n == 0 && !comma))
		return 0;
	if (lo_n)
		lo = strtoul(s, NULL, 10);
	if (lo > 65535 || hi > 65535)
		return xl_error(x, x->i, "the repetition number is too large");
	if (hi_n && lo > hi)
		return xl_error(x, x->i + 1,
		                "min repeat greater than max repeat");
	if (!comma)
		snprintf(q, qlen, "{%lu}", lo);
	else if (hi_n)
		snprintf(q, qlen, "{%lu,%lu}", lo, hi);
	else
		snprintf(q, qlen, "{%lu,}", lo);
	x->i += k + 2;
	return 1;
}

static int
xl_repeat(struct xl *x, const char *q, size_t at)
{
	if (x->last == L_NONE || x->last == L_AT)
		return xl_error(x, at, "nothing to repeat");
	if (x->last == L_REPEAT)
		return xl_error(x, at, "multiple repeat");
	emits(x, q, at);
	/* lazy or possessive (Python 3.11) */
	if (x->p[x->i] == '?' || x->p[x->i] == '+') {
		emit(x, x->p + x->i, 1, x->i);
		x->i++;
	}
	x->last = L_REPEAT;
	return 0;
}

static bool
py_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* The translation, and with MAP the source offset of each output byte. */
static int
translate(const char *py, char **out, size_t **map, char *err, size_t errlen,
          size_t *erroff)
{
	struct xl x;
	memset(&x, 0, sizeof x);
	x.p = py;
	x.err = err;
	x.errlen = errlen;
	x.global_ok = true;
	buf_init(&x.out);
	int rc = 0;
	while (rc == 0 && x.p[x.i] != '\0') {
		size_t at = x.i;
		char c = x.p[x.i];
		char q[48];
		if (x.verbose && py_space(c)) {
			x.i++;
			continue;
		}
		if (x.verbose && c == '#') {
			while (x.p[x.i] != '\0' && x.p[x.i] != '\n')
				x.i++;
			continue;
		}
		bool flags = c == '(' && x.p[x.i + 1] == '?' &&
		             x.p[x.i + 2] != '\0' &&
		             strchr("aiLmsux-", x.p[x.i + 2]);
		if (!flags)
			x.global_ok = false;
		switch (c) {
		case '\\':
			rc = xl_escape(&x);
			break;
		case '[':
			rc = xl_class(&x);
			x.last = L_ATOM;
			break;
		case '(':
			if (x.p[x.i + 1] == '*')
				rc = xl_error(&x, at + 1, "nothing to repeat");
			else
				rc = xl_group(&x);
			break;
		case ')':
			if (x.depth == 0) {
				rc = xl_error(&x, at,
				              "unbalanced "
				              "parenthesis");
				break;
			}
			x.depth--;
			x.verbose = x.st[x.depth].verbose;
			x.ascii = x.st[x.depth].ascii;
			x.st[x.depth].group = 0;
			emits(&x, ")", at);
			x.i++;
			x.last = L_ATOM;
			break;
		case '|':
			emits(&x, "|", at);
			x.i++;
			x.last = L_NONE;
			break;
		case '*':
		case '+':
		case '?':
			q[0] = c;
			q[1] = '\0';
			x.i++;
			rc = xl_repeat(&x, q, at);
			break;
		case '{':
			rc = xl_brace(&x, q, sizeof q);
			if (rc > 0)
				rc = xl_repeat(&x, q, at);
			else if (rc == 0) {
				emits(&x, "\\{", at);
				x.i++;
				x.last = L_ATOM;
			}
			break;
		case '^':
		case '$':
			emit(&x, &c, 1, at);
			x.i++;
			x.last = L_AT;
			break;
		default:
			emit_char(&x);
			x.last = L_ATOM;
			break;
		}
	}
	if (rc == 0 && x.depth > 0)
		rc = xl_error(&x, x.st[x.depth - 1].at,
		              "missing ), unterminated subpattern");
	free(x.st);
	if (rc < 0) {
		*erroff = x.erroff;
		buf_free(&x.out);
		free(x.map);
		*out = NULL;
		return -1;
	}
	if (x.out.data == NULL)
		buf_adds(&x.out, "");
	*out = buf_steal(&x.out);
	if (map)
		*map = x.map;
	else
		free(x.map);
	return 0;
}

int
match_translate(const char *py, char **out, char *err, size_t errlen,
                size_t *erroff)
{
	return translate(py, out, NULL, err, errlen, erroff);
}

/* ---- UTF-8 ---- */

/* The length of the valid UTF-8 character at P (N bytes there), 0 if P
 * starts none, -k if the k bytes there are a valid unfinished start. */
static int
utf8_char(const unsigned char *p, size_t n)
{
	unsigned c = p[0], lo = 0x80, hi = 0xbf;
	int len;
	if (c < 0x80)
		return 1;
	if (c < 0xc2)
		return 0;
	if (c < 0xe0)
		len = 2;
	else if (c < 0xf0) {
		len = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed) /* no surrogates */
			hi = 0x9f;
	} else if (c < 0xf5) {
		len = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	for (int k = 1; k < len; k++) {
		if ((size_t)k >= n)
			return -k;
		if (p[k] < lo || p[k] > hi)
			return 0;
		lo = 0x80;
		hi = 0xbf;
	}
	return len;
}

/* Replaces bytes that are not UTF-8 from FROM on; an unfinished character
 * at the end is left pending. */
static void
sanitize(struct matcher *m, size_t from)
{
	unsigned char *b = m->buf;
	size_t i = from, n = m->len;
	while (i < n) {
		if (i + 8 <= n) {
			uint64_t w;
			memcpy(&w, b + i, 8);
			if ((w & 0x8080808080808080ULL) == 0) {
				i += 8;
				continue;
			}
		}
		if (b[i] < 0x80) {
			i++;
			continue;
		}
		int r = utf8_char(b + i, n - i);
		if (r > 0)
			i += (size_t)r;
		else if (r < 0) {
			m->pend = n - i;
			return;
		} else
			b[i++] = MATCH_BADBYTE;
	}
	m->pend = 0;
}

/* ---- the matcher ---- */

static void
set_error(struct matcher *m, size_t i, int rc)
{
	PCRE2_UCHAR msg[160];
	pcre2_get_error_message(rc, msg, sizeof msg);
	snprintf(m->err, sizeof m->err, "prompt %zu: %s", i, (char *)msg);
}

struct matcher *
matcher_new(const char *const *patterns, size_t n, char *err, size_t errlen)
{
	struct matcher *m = xcalloc(1, sizeof *m);
	char dummy[1];
	if (err == NULL || errlen == 0) {
		err = dummy;
		errlen = sizeof dummy;
	}
	pcre2_compile_context *cc = pcre2_compile_context_create(NULL);
	pcre2_set_newline(cc, PCRE2_NEWLINE_LF);
	m->pats = xcalloc(n ? n : 1, sizeof *m->pats);
	m->n = n;
	m->ctx = 16;
	for (size_t i = 0; i < n; i++) {
		char *pc = NULL;
		size_t off = 0, *map = NULL;
		char msg[160];
		if (translate(patterns[i], &pc, &map, msg, sizeof msg, &off) <
		    0) {
			snprintf(err, errlen,
			         "invalid prompt regex '%s': %s "
			         "at position %zu",
			         patterns[i], msg, off);
			goto fail;
		}
		int ec;
		PCRE2_SIZE eo;
		/* ALT_CIRCUMFLEX: Python's (?m)^ also matches after a
		 * newline that ends the text. */
		m->pats[i].code = pcre2_compile(
		    (PCRE2_SPTR)pc, PCRE2_ZERO_TERMINATED,
		    PCRE2_UTF | PCRE2_UCP | PCRE2_DOTALL |
		        PCRE2_ALT_CIRCUMFLEX | PCRE2_NEVER_BACKSLASH_C,
		    &ec, &eo, cc);
		if (m->pats[i].code == NULL) {
			PCRE2_UCHAR pm[160];
			pcre2_get_error_message(ec, pm, sizeof pm);
			/* Map the offset back onto the Python text. */
			size_t map_off =
			    eo < strlen(pc) ? map[eo] : strlen(patterns[i]);
			free(map);
			snprintf(err, errlen,
			         "invalid prompt regex '%s': %s "
			         "at position %zu",
			         patterns[i], (char *)pm, map_off);
			free(pc);
			goto fail;
		}
		m->pats[i].dollar = strchr(pc, '$') != NULL;
		free(pc);
		free(map);
		pcre2_jit_compile(m->pats[i].code,
		                  PCRE2_JIT_COMPLETE | PCRE2_JIT_PARTIAL_HARD);
		m->pats[i].md =
		    pcre2_match_data_create_from_pattern(m->pats[i].code, NULL);
		uint32_t lb = 0;
		pcre2_pattern_info(m->pats[i].code, PCRE2_INFO_MAXLOOKBEHIND,
		                   &lb);
		/* Nested look-behinds reach further than the longest one;
		 * a character is up to 4 bytes. */
		size_t want = 8 * (size_t)lb + 16;
		if (want > MATCH_WINDOW / 8)
			want = MATCH_WINDOW / 8;
		if (want > m->ctx)
			m->ctx = want;
	}
	pcre2_compile_context_free(cc);
	m->buf = xmalloc(MATCH_WINDOW + MATCH_SLICE);
	m->mctx = pcre2_match_context_create(NULL);
	m->jit = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, NULL);
	if (m->jit)
		pcre2_jit_stack_assign(m->mctx, NULL, m->jit);
	pcre2_set_match_limit(m->mctx, 10000000);
	return m;
fail:
	pcre2_compile_context_free(cc);
	matcher_free(m);
	return NULL;
}

void
matcher_free(struct matcher *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->n; i++) {
		pcre2_match_data_free(m->pats[i].md);
		pcre2_code_free(m->pats[i].code);
	}
	free(m->pats);
	free(m->buf);
	pcre2_match_context_free(m->mctx);
	pcre2_jit_stack_free(m->jit);
	free(m);
}

void
matcher_reset(struct matcher *m, uint64_t offset)
{
	m->len = 0;
	m->pend = 0;
	m->base = offset;
	m->origin = offset;
	m->done = false;
	for (size_t i = 0; i < m->n; i++) {
		m->pats[i].resume = 0;
		m->pats[i].searched = 0;
		m->pats[i].state = PAT_NONE;
	}
}

/* Drops the bytes before KEEP - ctx (on a character boundary). */
static void
trim(struct matcher *m, size_t keep)
{
	size_t cut = keep > m->ctx ? keep - m->ctx : 0;
	while (cut < keep && (m->buf[cut] & 0xc0) == 0x80)
		cut++;
	if (cut == 0)
		return;
	memmove(m->buf, m->buf + cut, m->len - cut);
	m->len -= cut;
	m->base += cut;
	for (size_t i = 0; i < m->n; i++) {
		m->pats[i].resume -= cut;
		m->pats[i].searched -= cut;
	}
}

/* The first character boundary at or after I. */
static size_t
char_start(const struct matcher *m, size_t i)
{
	while (i < m->len && (m->buf[i] & 0xc0) == 0x80)
		i++;
	return i;
}

/* Appends a slice; drops what falls out of the window. */
static void
append(struct matcher *m, const unsigned char *d, size_t n)
{
	size_t from = m->len - m->pend;
	memcpy(m->buf + m->len, d, n);
	m->len += n;
	sanitize(m, from);
	if (m->len <= MATCH_WINDOW)
		return;
	/* Full: partial matches that started in the older half are given
	 * up, so this happens once per half window, not on every read; a
	 * complete match held back by one of them stays if it is within
	 * the window, and wins at the next search. */
	size_t soft = char_start(m, m->len - MATCH_WINDOW / 2 + m->ctx);
	size_t hard = char_start(m, m->len - MATCH_WINDOW + m->ctx);
	size_t keep = m->len;
	for (size_t i = 0; i < m->n; i++) {
		struct pat *p = &m->pats[i];
		size_t lim = p->state == PAT_COMPLETE ? hard : soft;
		if (p->resume < lim) {
			p->resume = lim;
			p->searched = lim;
			p->state = PAT_NONE;
		}
		if (p->resume < keep)
			keep = p->resume;
	}
	trim(m, keep);
}

static int
report(struct matcher *m, size_t i, struct match *mt)
{
	m->done = true;
	m->won = i;
	mt->index = i;
	mt->start = m->base + m->pats[i].start;
	mt->end = m->base + m->pats[i].end;
	return 1;
}

static uint32_t
match_opts(const struct matcher *m)
{
	return PCRE2_NO_UTF_CHECK | (m->base != m->origin ? PCRE2_NOTBOL : 0);
}

/* Searches pattern I from where it could still start. */
static int
search_pat(struct matcher *m, size_t i, size_t slen, uint32_t opts)
{
	struct pat *p = &m->pats[i];
	p->searched = slen;
	int rc = pcre2_match(p->code, m->buf, slen, p->resume,
	                     opts | PCRE2_PARTIAL_HARD, p->md, m->mctx);
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(p->md);
	if (rc >= 0 && ov[0] == slen) {
		/* An empty match at the end: PCRE2's interpreter calls
		 * it partial, its JIT (10.42) sometimes complete; the
		 * next bytes may make it longer. */
		p->state = PAT_PARTIAL;
		p->start = slen;
		p->resume = slen;
		p->has_end = false;
	} else if (rc >= 0) {
		p->state = PAT_COMPLETE;
		p->start = ov[0];
		p->end = ov[1];
		p->rc = rc;
		p->resume = ov[0];
	} else if (rc == PCRE2_ERROR_PARTIAL) {
		p->state = PAT_PARTIAL;
		p->start = ov[0];
		p->resume = ov[0];
		/* What pexpect would match there on this data, if a
		 * byte after it has been seen (else the next byte or
		 * matcher_idle() decides: `login:\s*` could grow);
		 * and $ waits: the line may go on.  If taking the end
		 * as the end would change the match, wait too. */
		size_t plain = SIZE_MAX;
		if (p->dollar) {
			rc = pcre2_match(p->code, m->buf, slen, p->start,
			                 opts | PCRE2_ANCHORED, p->md, m->mctx);
			if (rc >= 0)
				plain = ov[1];
			else if (rc != PCRE2_ERROR_NOMATCH) {
				set_error(m, i, rc);
				return -1;
			}
		}
		rc = pcre2_match(p->code, m->buf, slen, p->start,
		                 opts | PCRE2_ANCHORED | PCRE2_NOTEOL, p->md,
		                 m->mctx);
		p->has_end = rc >= 0 && ov[1] < slen && m->pend == 0 &&
		             (!p->dollar || ov[1] == plain);
		if (rc >= 0) {
			p->end = ov[1];
			p->rc = rc;
		} else if (rc != PCRE2_ERROR_NOMATCH) {
			set_error(m, i, rc);
			return -1;
		}
	} else if (rc == PCRE2_ERROR_NOMATCH) {
		p->state = PAT_NONE;
		p->resume = slen;
	} else {
		set_error(m, i, rc);
		return -1;
	}
	return 0;
}

/* Whether pattern I's long partial match can wait for more bytes. */
static bool
throttled(const struct pat *p, size_t slen)
{
	size_t span = p->searched - p->resume; /* resume is its start */
	return p->state == PAT_PARTIAL && !p->has_end &&
	       span > MATCH_LONG_PARTIAL && (slen - p->searched) * 2 < span;
}

/* Searches every pattern from where it could still start; reports the
 * earliest match unless a pattern may yet start one earlier. */
static int
search(struct matcher *m, struct match *mt)
{
	size_t slen = m->len - m->pend;
	uint32_t opts = match_opts(m);
	size_t best = SIZE_MAX;
	for (size_t i = 0; i < m->n; i++) {
		struct pat *p = &m->pats[i];
		if (p->resume > slen)
			p->resume = slen;
		if (!throttled(p, slen) && search_pat(m, i, slen, opts) < 0)
			return -1;
		if (p->state != PAT_NONE &&
		    (best == SIZE_MAX || p->start < m->pats[best].start))
			best = i;
	}
	if (best != SIZE_MAX &&
	    (m->pats[best].state == PAT_COMPLETE || m->pats[best].has_end))
		return report(m, best, mt);
	size_t keep = slen;
	for (size_t i = 0; i < m->n; i++)
		if (m->pats[i].resume < keep)
			keep = m->pats[i].resume;
	trim(m, keep);
	return 0;
}

int
matcher_feed(struct matcher *m, const void *data, size_t len, struct match *mt)
{
	const unsigned char *d = data;
	if (m->done) {
		snprintf(m->err, sizeof m->err,
		         "matcher fed after a match without a reset");
		return -1;
	}
	while (len > 0) {
		size_t n = len < MATCH_SLICE ? len : MATCH_SLICE;
		append(m, d, n);
		d += n;
		len -= n;
		int rc = search(m, mt);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int
matcher_idle(struct matcher *m, struct match *mt)
{
	size_t slen = m->len - m->pend;
	size_t best = SIZE_MAX;
	if (m->done)
		return 0;
	for (size_t i = 0; i < m->n; i++) {
		struct pat *p = &m->pats[i];
		int rc = pcre2_match(p->code, m->buf, slen, p->resume,
		                     match_opts(m), p->md, m->mctx);
		if (rc == PCRE2_ERROR_NOMATCH)
			continue;
		if (rc < 0) {
			set_error(m, i, rc);
			return -1;
		}
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(p->md);
		p->start = ov[0];
		p->end = ov[1];
		p->rc = rc;
		if (best == SIZE_MAX || p->start < m->pats[best].start)
			best = i;
	}
	return best == SIZE_MAX ? 0 : report(m, best, mt);
}

int
matcher_pending(const struct matcher *m)
{
	if (m->done)
		return 0;
	for (size_t i = 0; i < m->n; i++)
		if (m->pats[i].state != PAT_NONE)
			return 1;
	return 0;
}

uint64_t
matcher_keep(const struct matcher *m)
{
	return m->base;
}

size_t
matcher_retained(const struct matcher *m)
{
	return m->len;
}

size_t
matcher_group(const struct matcher *m, size_t n, const char **p)
{
	*p = NULL;
	if (!m->done)
		return 0;
	const struct pat *w = &m->pats[m->won];
	if (w->rc <= 0 || n >= (size_t)w->rc)
		return 0;
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(w->md);
	if (ov[2 * n] == PCRE2_UNSET)
		return 0;
	*p = (const char *)m->buf + ov[2 * n];
	return ov[2 * n + 1] - ov[2 * n];
}

size_t
matcher_group_named(const struct matcher *m, const char *name, const char **p)
{
	*p = NULL;
	if (!m->done)
		return 0;
	int n = pcre2_substring_number_from_name(m->pats[m->won].code,
	                                         (PCRE2_SPTR)name);
	if (n < 0)
		return 0;
	return matcher_group(m, (size_t)n, p);
}

const char *
matcher_error(const struct matcher *m)
{
	return m->err;
}
