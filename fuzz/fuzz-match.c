/* fuzz-match.c: libFuzzer target for the prompt matcher's input path.
 *
 * Input: byte 0 = number of reads to cut the stream into (0..15), then two
 * bytes per cut (positions, modulo the stream length), then one byte:
 * N (low 6 bits) and how many times the stream is repeated (1, 11, 21 or
 * 31, to fill the window), N bytes of a Python pattern of the fuzzer's own,
 * then the stream.
 *
 * Checks: with a fixed list of prompts whose matches do not depend on
 * where the stream ends, the answer is the same for one read, for the
 * cuts, and for a plain PCRE2 search of the whole stream; with the
 * fuzzer's pattern added, offsets and the window stay sane. */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcre2.h>

#include "match.h"

static const char *const fixed[] = {
    "login:",
    "Login incorrect",
    "BUG: KASAN:",
    "(kernel BUG at|BUG:)",
    "Oops(?: -|:)",
    "root@debian:~#",
    "<RC (\\d+)>",
    "\\r\\n=> ",
    "a.b",
    "ok\\x00",
    "(?m)^# ",
    "\xce\xbb>",
    "[^\\x00-\\x7f]{2}!",
    "(?i)panic",
};
#define NFIXED (sizeof fixed / sizeof fixed[0])

struct res {
	int rc;
	size_t index;
	uint64_t start, end;
};

static void
check_sane(struct matcher *m, const struct res *r, size_t len)
{
	if (matcher_retained(m) > MATCH_WINDOW)
		abort();
	if (r->rc == 1 && (r->start > r->end || r->end > len))
		abort();
}

static struct res
run(struct matcher *m, const uint8_t *d, size_t len, const size_t *cuts,
    size_t ncuts)
{
	struct res r = {0, 0, 0, 0};
	struct match mt;
	size_t at = 0;
	matcher_reset(m, 0);
	for (size_t k = 0; k <= ncuts && r.rc == 0; k++) {
		size_t to = k < ncuts ? cuts[k] : len;
		r.rc = matcher_feed(m, d + at, to - at, &mt);
		at = to;
	}
	if (r.rc == 0)
		r.rc = matcher_idle(m, &mt);
	if (r.rc == 1) {
		r.index = mt.index;
		r.start = mt.start;
		r.end = mt.end;
		const char *g;
		size_t gl = matcher_group(m, 0, &g);
		if (g == NULL || gl != r.end - r.start)
			abort();
	}
	check_sane(m, &r, len);
	return r;
}

/* Each byte outside valid UTF-8 becomes 0x1a; an unfinished character
 * at the end is not text yet.  Written apart from the matcher's own scan
 * on purpose.  Returns the length of the text. */
static int
valid_char(const uint8_t *p, size_t need)
{
	uint32_t cp = p[0] & (0x3f >> need);
	static const uint32_t min[] = {0, 0x80, 0x800, 0x10000};
	for (size_t k = 1; k <= need; k++) {
		if ((p[k] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[k] & 0x3f);
	}
	return cp >= min[need] && cp <= 0x10ffff &&
	       !(cp >= 0xd800 && cp <= 0xdfff);
}

static size_t
to_text(uint8_t *t, const uint8_t *d, size_t n)
{
	size_t i = 0;
	while (i < n) {
		uint8_t c = d[i];
		size_t need = c < 0x80                 ? 0
		              : c >= 0xc2 && c <= 0xdf ? 1
		              : c >= 0xe0 && c <= 0xef ? 2
		              : c >= 0xf0 && c <= 0xf4 ? 3
		                                       : 9;
		if (need == 0) {
			t[i++] = c;
			continue;
		}
		if (need != 9 && i + need >= n) {
			/* Completable with continuation bytes? */
			uint8_t q[4] = {c, 0x80, 0x80, 0x80};
			size_t have = n - i;
			memcpy(q, d + i, have);
			if (have == 1 || valid_char(q, need))
				return i;
		}
		if (need != 9 && i + need < n && valid_char(d + i, need)) {
			memcpy(t + i, d + i, need + 1);
			i += need + 1;
		} else
			t[i++] = 0x1a;
	}
	return n;
}

/* The earliest match of the list in the whole text, plainly. */
static struct res
oracle(pcre2_code **codes, size_t n, const uint8_t *t, size_t len)
{
	struct res r = {0, 0, 0, 0};
	pcre2_match_data *md = pcre2_match_data_create(32, NULL);
	for (size_t i = 0; i < n; i++) {
		int rc = pcre2_match(codes[i], t, len, 0, 0, md, NULL);
		if (rc < 0)
			continue;
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
		if (r.rc == 0 || ov[0] < r.start) {
			r.rc = 1;
			r.index = i;
			r.start = ov[0];
			r.end = ov[1];
		}
	}
	pcre2_match_data_free(md);
	return r;
}

static pcre2_code *fixed_code[NFIXED];
static struct matcher *fixed_m;

static void
init(void)
{
	char err[256];
	fixed_m = matcher_new(fixed, NFIXED, err, sizeof err);
	if (fixed_m == NULL)
		abort();
	for (size_t i = 0; i < NFIXED; i++) {
		char *pc;
		size_t off;
		int ec;
		PCRE2_SIZE eo;
		if (match_translate(fixed[i], &pc, err, sizeof err, &off) < 0)
			abort();
		fixed_code[i] = pcre2_compile(
		    (PCRE2_SPTR)pc, PCRE2_ZERO_TERMINATED,
		    PCRE2_UTF | PCRE2_UCP | PCRE2_DOTALL, &ec, &eo, NULL);
		free(pc);
		if (fixed_code[i] == NULL)
			abort();
	}
}

static int
same(struct res a, struct res b)
{
	return a.rc == b.rc &&
	       (a.rc != 1 ||
	        (a.index == b.index && a.start == b.start && a.end == b.end));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (fixed_m == NULL)
		init();
	if (size < 2)
		return 0;
	size_t ncuts = data[0] & 15, p = 1;
	if (size < p + 2 * ncuts + 1)
		return 0;
	const uint8_t *cutb = data + p;
	p += 2 * ncuts;
	size_t reps = 1 + (size_t)(data[p] >> 6) * 10; /* to fill the window */
	size_t plen = data[p++] & 63;
	if (size < p + plen)
		return 0;
	char pat[64];
	memcpy(pat, data + p, plen);
	pat[plen] = '\0';
	p += plen;
	size_t len = (size - p) * reps;
	uint8_t *d = malloc(len + 1);
	for (size_t r = 0; r < reps; r++)
		memcpy(d + r * (size - p), data + p, size - p);

	size_t cuts[16];
	for (size_t k = 0; k < ncuts; k++)
		cuts[k] = len ? ((size_t)cutb[2 * k] << 8 | cutb[2 * k + 1]) %
		                    (len + 1)
		              : 0;
	/* ascending */
	for (size_t a = 1; a < ncuts; a++)
		for (size_t b = a; b > 0 && cuts[b - 1] > cuts[b]; b--) {
			size_t t = cuts[b];
			cuts[b] = cuts[b - 1];
			cuts[b - 1] = t;
		}

	struct res one = run(fixed_m, d, len, NULL, 0);
	struct res cut = run(fixed_m, d, len, cuts, ncuts);
	if (!same(one, cut))
		abort();
	if (len < MATCH_WINDOW / 2) {
		uint8_t *t = malloc(len + 1);
		size_t tl = to_text(t, d, len);
		if (!same(one, oracle(fixed_code, NFIXED, t, tl)))
			abort();
		free(t);
	}

	/* The fuzzer's own pattern, ahead of a few fixed ones. */
	const char *pats[4] = {pat, fixed[0], fixed[3], fixed[6]};
	char err[512];
	struct matcher *m = matcher_new(pats, 4, err, sizeof err);
	if (m == NULL) {
		if (strstr(err, "invalid prompt regex") == NULL)
			abort();
		free(d);
		return 0;
	}
	run(m, d, len, NULL, 0);
	run(m, d, len, cuts, ncuts);
	matcher_free(m);
	free(d);
	return 0;
}
