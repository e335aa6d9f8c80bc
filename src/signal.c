/* signal.c: the LAVA test shell's signals, read from a byte stream one
 * byte at a time while a signal is open, with memchr() between signals.
 * What is recovered from kernel messages is described in signal.h.
 *
 * The pending signal is kept as recovered text (`\r` dropped, kernel
 * lines cut out, line breaks as spaces) in a fixed buffer; a possible
 * kernel timestamp is appended like any text and cut back out once its
 * `]` arrives, so nothing is ever re-read. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "signal.h"

#define LAVA_PREFIX "<LAVA_"
#define PREFIX_LEN 6
#define STAMP_MAX 40 /* "[" spaces digits "." digits "]" at most */
#define NO_POS ((size_t)-1)

enum state {
	S_TEXT, /* between signals */
	S_SIG,  /* inside `<LAVA_...`, or a prefix of `<LAVA_` */
	S_KMSG, /* inside a kernel message that cut into the signal */
};

/* Phases of a kernel timestamp `[   12.345678]`. */
enum stamp {
	T_NONE,
	T_OPEN, /* `[` and spaces */
	T_INT,  /* digits */
	T_DOT,  /* `.` */
	T_FRAC, /* digits after `.` */
};

struct signal_parser {
	enum state state;
	uint64_t off; /* stream offset of the next byte */

	/* The pending signal. */
	char sig[SIGNAL_MAX + 1];
	size_t len;
	uint64_t start;
	unsigned recovered;
	enum stamp stamp;
	size_t stamp_at; /* where the timestamp's `[` is in sig */
	size_t lt_at;    /* a later `<` that may start a new signal */
	uint64_t lt_off;
	size_t kmsg_match; /* bytes of `<LAVA_` seen in a kernel line */
	uint64_t kmsg_lt_off;

	const char *const *fixup;
	size_t nfixup;

	/* The event handed out, and the strings it points to. */
	char text[SIGNAL_MAX + 1];
	char work[SIGNAL_MAX + 1]; /* text, cut into fields */
	char words[SIGNAL_MAX + 1];
	char *argv[SIGNAL_MAX / 2 + 2];
	size_t argc;
	char params[SIGNAL_MAX + 1];
	char message[SIGNAL_MAX + 1];
	char error[SIGNAL_MAX + 256];
};

static const char *const default_fixup[] = {
    "PASS", "pass", "FAIL", "fail", "SKIP", "skip", "UNKNOWN", "unknown",
};

struct signal_parser *
signal_parser_new(void)
{
	struct signal_parser *p = xcalloc(1, sizeof *p);
	p->fixup = default_fixup;
	p->nfixup = 4;
	p->lt_at = NO_POS;
	return p;
}

void
signal_parser_free(struct signal_parser *p)
{
	free(p);
}

void
signal_parser_set_fixup(struct signal_parser *p, const char *const *pairs,
                        size_t npairs)
{
	if (pairs == NULL) {
		p->fixup = default_fixup;
		p->nfixup = 4;
	} else {
		p->fixup = pairs;
		p->nfixup = npairs;
	}
}

static void
pending_clear(struct signal_parser *p)
{
	p->state = S_TEXT;
	p->len = 0;
	p->recovered = 0;
	p->stamp = T_NONE;
	p->lt_at = NO_POS;
	p->kmsg_match = 0;
}

/* How much of the pending signal is sure to be its text: a timestamp
 * not yet complete is most likely a kernel message. */
static size_t
pending_len(const struct signal_parser *p)
{
	return p->stamp != T_NONE ? p->stamp_at : p->len;
}

/* A signal starts with the `<` at stream offset OFF. */
static void
pending_start(struct signal_parser *p, uint64_t off)
{
	pending_clear(p);
	p->state = S_SIG;
	p->sig[0] = '<';
	p->len = 1;
	p->start = off;
}

static void
event_clear(struct signal_event *ev)
{
	memset(ev, 0, sizeof *ev);
}

static void fail(struct signal_parser *p, struct signal_event *ev,
                 enum err_class cls, bool fatal, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void
fail(struct signal_parser *p, struct signal_event *ev, enum err_class cls,
     bool fatal, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->error, sizeof p->error, fmt, ap);
	va_end(ap);
	ev->error = p->error;
	ev->error_class = cls;
	ev->fatal = fatal;
}

/* Splits p->work[from, to) on whitespace into argv, and keeps it joined
 * by single spaces in p->params. */
static void
split_params(struct signal_parser *p, size_t from, size_t to)
{
	size_t n = 0, w = 0, q = 0;
	p->argc = 0;
	while (from < to) {
		while (from < to && isspace((unsigned char)p->work[from]))
			from++;
		if (from == to)
			break;
		p->argv[n++] = p->words + w;
		if (q > 0)
			p->params[q++] = ' ';
		while (from < to && !isspace((unsigned char)p->work[from])) {
			p->params[q++] = p->work[from];
			p->words[w++] = p->work[from++];
		}
		p->words[w++] = '\0';
	}
	p->params[q] = '\0';
	p->argc = n;
}

/* Python's float(): [sign] digits with single `_` between them, an
 * optional fraction and exponent, or inf, infinity, nan. */
static bool
parse_float(const char *s, double *out)
{
	char digits[SIGNAL_MAX + 1];
	size_t n = 0, nd = 0;
	const char *c = s;
	if (*c == '+' || *c == '-')
		digits[n++] = *c++;
	if (strcasecmp(c, "inf") == 0 || strcasecmp(c, "infinity") == 0 ||
	    strcasecmp(c, "nan") == 0) {
		*out = strtod(s, NULL);
		return true;
	}
#define DIGITPART()                                                            \
	do {                                                                   \
		while (isdigit((unsigned char)*c)) {                           \
			digits[n++] = *c++;                                    \
			nd++;                                                  \
			if (*c == '_' && isdigit((unsigned char)c[1]))         \
				c++;                                           \
		}                                                              \
	} while (0)
	DIGITPART();
	if (*c == '.') {
		digits[n++] = *c++;
		DIGITPART();
	}
	if (nd == 0)
		return false;
	if (*c == 'e' || *c == 'E') {
		digits[n++] = *c++;
		if (*c == '+' || *c == '-')
			digits[n++] = *c++;
		if (!isdigit((unsigned char)*c))
			return false;
		DIGITPART();
	}
#undef DIGITPART
	if (*c != '\0')
		return false;
	digits[n] = '\0';
	*out = strtod(digits, NULL);
	return true;
}

static const char *
fixup_result(struct signal_parser *p, const char *raw)
{
	for (size_t i = 0; i < p->nfixup; i++)
		if (strcmp(p->fixup[2 * i], raw) == 0)
			return p->fixup[2 * i + 1];
	return raw;
}

static void
join_message(struct signal_parser *p, struct signal_event *ev)
{
	/* LAVA joins the split parameters with single spaces. */
	strcpy(p->message, p->params);
	ev->message = p->message;
}

/* TESTCASE: KEY=value parameters, key lower-cased, split at the first
 * `=`, a later key overriding an earlier one (a Python dict). */
static void
event_testcase(struct signal_parser *p, struct signal_event *ev)
{
	const char *id = NULL, *result = NULL, *measurement = NULL;
	const char *units = NULL;
	const char *first_bad = NULL; /* first of result, measurement */
	for (size_t i = 0; i < p->argc; i++) {
		char *eq = strchr(p->argv[i], '=');
		if (eq == NULL) {
			fail(
			    p, ev, ERR_JOB, false,
			    "Ignoring malformed parameter for signal: \"%s\". ",
			    p->argv[i]);
			return;
		}
		*eq = '\0';
		for (char *k = p->argv[i]; *k != '\0'; k++)
			*k = tolower((unsigned char)*k);
		const char *key = p->argv[i], *val = eq + 1;
		if (strcmp(key, "test_case_id") == 0)
			id = val;
		else if (strcmp(key, "result") == 0) {
			result = val;
			if (first_bad == NULL)
				first_bad = "result";
		} else if (strcmp(key, "measurement") == 0) {
			measurement = val;
			if (first_bad == NULL)
				first_bad = "measurement";
		} else if (strcmp(key, "units") == 0)
			units = val;
	}
	ev->id = id;
	if (result != NULL)
		ev->result = fixup_result(p, result);
	bool result_ok = result == NULL || strcmp(ev->result, "pass") == 0 ||
	                 strcmp(ev->result, "fail") == 0 ||
	                 strcmp(ev->result, "skip") == 0 ||
	                 strcmp(ev->result, "unknown") == 0;
	bool measurement_ok =
	    measurement == NULL || parse_float(measurement, &ev->value);
	if (measurement != NULL && measurement_ok) {
		ev->measurement = measurement;
		ev->units = units;
	}
	/* LAVA checks the keys in the order they came. */
	if (first_bad != NULL && first_bad[0] == 'r' && !result_ok) {
		fail(p, ev, ERR_TEST, false, "Bad test result: '%s'",
		     ev->result);
		return;
	}
	if (!measurement_ok) {
		fail(p, ev, ERR_TEST, false, "Invalid measurement '%s'",
		     measurement);
		return;
	}
	if (!result_ok) {
		fail(p, ev, ERR_TEST, false, "Bad test result: '%s'",
		     ev->result);
		return;
	}
	if (id == NULL)
		fail(p, ev, ERR_TEST, false,
		     "Test case results without test_case_id: %s", p->params);
	else if (result == NULL)
		fail(p, ev, ERR_TEST, false,
		     "Test case results without result: %s", p->params);
}

/* `<LAVA_SIGNAL_NAME params>`, NAME from p->work[from, to). */
static void
event_signal(struct signal_parser *p, struct signal_event *ev, size_t at,
             size_t end)
{
	size_t name_end = at;
	while (name_end < end && !isspace((unsigned char)p->work[name_end]))
		name_end++;
	/* LAVA's pattern needs a name, one space and something after it. */
	if (name_end == at || name_end + 1 >= end || p->work[name_end] != ' ') {
		ev->type = SIGNAL_INVALID;
		fail(p, ev, ERR_TEST, false, "Malformed signal %s", p->text);
		return;
	}
	p->work[name_end] = '\0';
	ev->name = p->work + at;
	split_params(p, name_end + 1, end);
	ev->params = p->params;
	const char *n = ev->name;
	char **v = p->argv;
	size_t c = p->argc;
	if (strcmp(n, "STARTRUN") == 0 || strcmp(n, "ENDRUN") == 0) {
		ev->type = n[0] == 'S' ? SIGNAL_STARTRUN : SIGNAL_ENDRUN;
		if (c < 2) {
			fail(p, ev, ERR_TEST, true, "Invalid signal");
			return;
		}
		ev->id = v[0];
		ev->uuid = v[1];
	} else if (strcmp(n, "STARTTC") == 0 || strcmp(n, "ENDTC") == 0) {
		ev->type = n[0] == 'S' ? SIGNAL_STARTTC : SIGNAL_ENDTC;
		if (c < 1)
			fail(p, ev, ERR_TEST, false, "%s without a test case",
			     n);
		else
			ev->id = v[0];
	} else if (strcmp(n, "TESTCASE") == 0) {
		ev->type = SIGNAL_TESTCASE;
		event_testcase(p, ev);
	} else if (strcmp(n, "TESTSET") == 0) {
		if (c >= 1 && strcmp(v[0], "START") == 0) {
			ev->type = SIGNAL_TESTSET_START;
			if (c < 2)
				fail(p, ev, ERR_JOB, true,
				     "Test set declared without a name");
			else
				ev->id = v[1];
		} else if (c >= 1 && strcmp(v[0], "STOP") == 0) {
			ev->type = SIGNAL_TESTSET_STOP;
		} else {
			ev->type = SIGNAL_INVALID;
			fail(p, ev, ERR_TEST, false,
			     "TESTSET wants START NAME or STOP, not '%s'",
			     p->params);
		}
	} else if (strcmp(n, "TESTREFERENCE") == 0) {
		ev->type = SIGNAL_TESTREFERENCE;
		if (c != 3) {
			fail(p, ev, ERR_TEST, true,
			     "Invalid use of TESTREFERENCE");
			return;
		}
		ev->id = v[0];
		ev->result = v[1];
		ev->reference = v[2];
	} else if (strcmp(n, "TESTRAISE") == 0) {
		ev->type = SIGNAL_TESTRAISE;
		join_message(p, ev);
	} else if (strcmp(n, "TESTEVENT") == 0) {
		ev->type = SIGNAL_TESTEVENT;
		join_message(p, ev);
	} else if (strcmp(n, "TESTFEEDBACK") == 0) {
		ev->type = SIGNAL_TESTFEEDBACK;
		if (c < 1)
			fail(p, ev, ERR_TEST, false,
			     "TESTFEEDBACK without a namespace");
		else
			ev->id = v[0];
	} else if (strcmp(n, "RETRUNCODE") == 0) {
		ev->type = SIGNAL_RETRUNCODE;
		/* LAVA's pattern is `<LAVA_SIGNAL_RETRUNCODE (\d+)>`. */
		const char *s = p->work + name_end + 1;
		size_t nd = strspn(s, "0123456789");
		if (nd == 0 || s[nd] != '>' || nd > 9)
			fail(p, ev, ERR_JOB, false, "Bad return code '%s'",
			     p->params);
		else
			ev->rc = atoi(s);
	} else {
		ev->type = SIGNAL_OTHER;
	}
}

/* The pending signal, complete with its `>`, becomes EV. */
static void
event_make(struct signal_parser *p, struct signal_event *ev)
{
	event_clear(ev);
	memcpy(p->text, p->sig, p->len);
	p->text[p->len] = '\0';
	memcpy(p->work, p->text, p->len + 1);
	ev->text = p->text;
	ev->recovered = p->recovered;
	ev->start = p->start;
	ev->end = p->off + 1;
	size_t end = p->len - 1; /* the `>` */
	size_t at = PREFIX_LEN;
	if (strncmp(p->work + at, "SIGNAL_", 7) == 0) {
		event_signal(p, ev, at + 7, end);
		return;
	}
	size_t name_end = at;
	while (name_end < end && !isspace((unsigned char)p->work[name_end]))
		name_end++;
	p->work[name_end] = '\0';
	ev->name = p->work + at;
	split_params(p, name_end < end ? name_end + 1 : end, end);
	ev->params = p->params;
	if (strcmp(ev->name, "TEST_RUNNER") == 0 &&
	    strcmp(p->params, "EXIT") == 0)
		ev->type = SIGNAL_RUNNER_EXIT;
	else if (strcmp(ev->name, "TEST_RUNNER") == 0 &&
	         strcmp(p->params, "INSTALL_FAIL") == 0)
		ev->type = SIGNAL_RUNNER_INSTALL_FAIL;
	else
		ev->type = SIGNAL_OTHER;
}

/* The pending signal is given up: EV says why. */
static void
event_abandon(struct signal_parser *p, struct signal_event *ev, size_t len,
              const char *why)
{
	event_clear(ev);
	if (len > pending_len(p))
		len = pending_len(p);
	memcpy(p->text, p->sig, len);
	p->text[len] = '\0';
	ev->type = SIGNAL_INVALID;
	ev->text = p->text;
	ev->recovered = p->recovered;
	ev->start = p->start;
	ev->end = p->off;
	fail(p, ev, ERR_TEST, false, "Unfinished signal '%s': %s", p->text,
	     why);
}

/* Appends C to the pending signal; 1 and EV when that ends it. */
static int
sig_add(struct signal_parser *p, char c, struct signal_event *ev)
{
	if (p->len == SIGNAL_MAX) {
		event_abandon(p, ev, p->len, "longer than SIGNAL_MAX");
		pending_clear(p);
		return 1;
	}
	p->sig[p->len++] = c;
	if (p->stamp != T_NONE)
		return 0; /* maybe a kernel timestamp: decided at its end */
	if (p->lt_at != NO_POS) {
		size_t n = p->len - p->lt_at;
		if (n > PREFIX_LEN ||
		    memcmp(p->sig + p->lt_at, LAVA_PREFIX, n) != 0)
			p->lt_at = NO_POS;
	}
	if (p->lt_at == NO_POS && c == '<' && p->len > PREFIX_LEN) {
		p->lt_at = p->len - 1;
		p->lt_off = p->off;
	}
	if (p->lt_at == NO_POS || p->len - p->lt_at < PREFIX_LEN)
		return 0;
	/* A new signal starts inside this one: its end was lost. */
	event_abandon(p, ev, p->lt_at, "a new signal started");
	pending_start(p, p->lt_off);
	memcpy(p->sig, LAVA_PREFIX, PREFIX_LEN);
	p->len = PREFIX_LEN;
	return 1;
}

/* One byte of a kernel line inside a signal. */
static int
kmsg_byte(struct signal_parser *p, char c, struct signal_event *ev)
{
	if (c == '\n') {
		p->state = S_SIG;
		p->kmsg_match = 0;
		return 0;
	}
	if (c == '\r' || c == '\0')
		return 0;
	if (c == LAVA_PREFIX[p->kmsg_match]) {
		if (p->kmsg_match == 0)
			p->kmsg_lt_off = p->off;
		if (++p->kmsg_match < PREFIX_LEN)
			return 0;
		/* The kernel line carries a signal of its own (kmsg). */
		int r = 0;
		if (p->len >= PREFIX_LEN) {
			event_abandon(p, ev, p->len,
			              "cut by a kernel message with a signal");
			r = 1;
		}
		pending_start(p, p->kmsg_lt_off);
		memcpy(p->sig, LAVA_PREFIX, PREFIX_LEN);
		p->len = PREFIX_LEN;
		return r;
	}
	p->kmsg_match = 0;
	if (c == '<') {
		p->kmsg_lt_off = p->off;
		p->kmsg_match = 1;
	}
	return 0;
}

/* Continues a possible kernel timestamp with C: 1 if C belongs to it. */
static bool
stamp_step(struct signal_parser *p, char c)
{
	bool digit = c >= '0' && c <= '9';
	if (p->len - p->stamp_at >= STAMP_MAX)
		return false;
	switch (p->stamp) {
	case T_OPEN:
		if (c == ' ')
			return true;
		if (digit)
			p->stamp = T_INT;
		return digit;
	case T_INT:
		if (c == '.')
			p->stamp = T_DOT;
		return digit || c == '.';
	case T_DOT:
		if (digit)
			p->stamp = T_FRAC;
		return digit;
	case T_FRAC:
		return digit || c == ']';
	case T_NONE:
		break;
	}
	return false;
}

/* One byte inside a signal; 1 and EV when an event is ready, with *AGAIN
 * set when C must be read again as text. */
static int
sig_byte(struct signal_parser *p, char c, struct signal_event *ev, bool *again)
{
	if (c == '\r' || c == '\0') {
		p->recovered |= SIGNAL_RECOVERED_CR;
		return 0;
	}
	if (p->stamp != T_NONE) {
		if (stamp_step(p, c)) {
			if (c != ']')
				return sig_add(p, c, ev);
			/* A kernel message cut in: drop it to its line end. */
			p->len = p->stamp_at;
			p->stamp = T_NONE;
			p->state = S_KMSG;
			p->kmsg_match = 0;
			p->recovered |= SIGNAL_RECOVERED_KMSG;
			return 0;
		}
		p->stamp = T_NONE;
		if (p->stamp_at < PREFIX_LEN) {
			/* Not `<LAVA_` after all. */
			pending_clear(p);
			*again = true;
			return 0;
		}
	}
	if (c == '[') {
		p->stamp = T_OPEN;
		p->stamp_at = p->len;
		return sig_add(p, c, ev);
	}
	if (p->len < PREFIX_LEN) {
		if (c == LAVA_PREFIX[p->len]) {
			p->sig[p->len++] = c;
			return 0;
		}
		pending_clear(p);
		*again = true;
		return 0;
	}
	if (c == '>') {
		if (p->len == SIGNAL_MAX) /* no room for the `>` */
			return sig_add(p, c, ev);
		p->sig[p->len++] = c;
		event_make(p, ev);
		pending_clear(p);
		return 1;
	}
	if (c == '\n') {
		p->recovered |= SIGNAL_RECOVERED_NEWLINE;
		c = ' ';
	}
	return sig_add(p, c, ev);
}

int
signal_parser_feed(struct signal_parser *p, const char *data, size_t len,
                   size_t *used, struct signal_event *ev)
{
	size_t i = 0;
	while (i < len) {
		if (p->state == S_TEXT) {
			const char *lt = memchr(data + i, '<', len - i);
			if (lt == NULL) {
				p->off += len - i;
				i = len;
				break;
			}
			p->off += (size_t)(lt - (data + i));
			i = (size_t)(lt - data);
			pending_start(p, p->off);
			p->off++;
			i++;
			continue;
		}
		char c = data[i];
		bool again = false;
		int r;
		if (p->off - p->start >= SIGNAL_SPAN_MAX) {
			r = 0;
			if (pending_len(p) >= PREFIX_LEN) {
				event_abandon(p, ev, p->len,
				              "spread over too much output");
				r = 1;
			}
			pending_clear(p);
			if (r) {
				*used = i;
				return 1;
			}
			continue;
		}
		if (p->state == S_KMSG)
			r = kmsg_byte(p, c, ev);
		else
			r = sig_byte(p, c, ev, &again);
		if (again)
			continue; /* read C again, as text */
		p->off++;
		i++;
		if (r) {
			*used = i;
			return 1;
		}
	}
	*used = len;
	return 0;
}

int
signal_parser_finish(struct signal_parser *p, struct signal_event *ev)
{
	int r = 0;
	if (p->state != S_TEXT && pending_len(p) >= PREFIX_LEN) {
		event_abandon(p, ev, p->len, "the stream ended");
		r = 1;
	}
	pending_clear(p);
	return r;
}

const char *
signal_type_name(enum signal_type type)
{
	static const char *const names[] = {
	    [SIGNAL_INVALID] = "INVALID",
	    [SIGNAL_STARTRUN] = "STARTRUN",
	    [SIGNAL_ENDRUN] = "ENDRUN",
	    [SIGNAL_STARTTC] = "STARTTC",
	    [SIGNAL_ENDTC] = "ENDTC",
	    [SIGNAL_TESTCASE] = "TESTCASE",
	    [SIGNAL_TESTSET_START] = "TESTSET_START",
	    [SIGNAL_TESTSET_STOP] = "TESTSET_STOP",
	    [SIGNAL_TESTREFERENCE] = "TESTREFERENCE",
	    [SIGNAL_TESTRAISE] = "TESTRAISE",
	    [SIGNAL_TESTFEEDBACK] = "TESTFEEDBACK",
	    [SIGNAL_TESTEVENT] = "TESTEVENT",
	    [SIGNAL_RETRUNCODE] = "RETRUNCODE",
	    [SIGNAL_OTHER] = "OTHER",
	    [SIGNAL_RUNNER_EXIT] = "RUNNER_EXIT",
	    [SIGNAL_RUNNER_INSTALL_FAIL] = "RUNNER_INSTALL_FAIL",
	};
	if ((size_t)type >= sizeof names / sizeof names[0])
		return "?";
	return names[type];
}

static void
format_field(struct buf *out, const char *key, const char *val)
{
	if (val != NULL)
		buf_printf(out, " %s=%s", key, val);
}

void
signal_event_format(const struct signal_event *ev, struct buf *out)
{
	buf_adds(out, signal_type_name(ev->type));
	if (ev->type == SIGNAL_OTHER)
		format_field(out, "name", ev->name);
	format_field(out, "id", ev->id);
	format_field(out, "uuid", ev->uuid);
	format_field(out, "result", ev->result);
	if (ev->measurement != NULL)
		buf_printf(out, " measurement=%s value=%.17g", ev->measurement,
		           ev->value);
	format_field(out, "units", ev->units);
	format_field(out, "reference", ev->reference);
	if (ev->type == SIGNAL_RETRUNCODE && ev->error == NULL)
		buf_printf(out, " rc=%d", ev->rc);
	if (ev->type == SIGNAL_OTHER)
		format_field(out, "params", ev->params);
	format_field(out, "message", ev->message);
	if (ev->error != NULL)
		buf_printf(out, " error=%s%s: %s", ev->fatal ? "fatal " : "",
		           err_class_name(ev->error_class), ev->error);
	if (ev->recovered != 0)
		buf_printf(out, " recovered=%s%s%s",
		           ev->recovered & SIGNAL_RECOVERED_CR ? "r" : "",
		           ev->recovered & SIGNAL_RECOVERED_KMSG ? "k" : "",
		           ev->recovered & SIGNAL_RECOVERED_NEWLINE ? "n" : "");
}
