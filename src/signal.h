/* signal.h: the LAVA test shell's signals (`<LAVA_SIGNAL_TESTCASE ...>`,
 * `<LAVA_TEST_RUNNER EXIT>`, ...) read from a connection's byte stream,
 * fed in chunks of any size, at a cost proportional to the new bytes.
 * Each signal comes out as one event, checked as LAVA's test shell action
 * checks it (lava_dispatcher/actions/test/shell.py, SignalMatch).
 *
 * What is a signal: `<LAVA_` up to the next `>`, as LAVA's pattern
 * `<LAVA_SIGNAL_(\S+) ([^>]+)>` reads it.  Anywhere in a line: a signal
 * sent through /dev/kmsg arrives as `[   12.345678] <LAVA_SIGNAL_...>`.
 *
 * What is recovered, where LAVA would lose or garble the signal:
 *  - `\r` and NUL bytes inside a signal are dropped (terminals that wrap
 *    long lines, serial noise);
 *  - a kernel message that cut into a signal is removed: from a kernel
 *    timestamp `[ <digits>.<digits>]` (spaces allowed after `[`) inside
 *    the signal, even inside `<LAVA_` itself, to the end of that line
 *    (`\n`).  The signal goes on with the next line, joined without a
 *    space; any number of kernel lines in a row are removed the same way;
 *  - a line break inside a signal that no kernel message explains reads
 *    as a space (LAVA splits the parameters on any whitespace, so the
 *    result is the same as LAVA's);
 *  - a new `<LAVA_` inside an unfinished signal (its end lost) abandons
 *    the older one, reported as SIGNAL_INVALID, and starts the new one;
 *    LAVA would read both as one garbled signal.  So does a kernel line
 *    that itself carries a signal (kmsg) cutting into one: its signal
 *    counts, the one it cut into is lost.
 * Not recovered: kernel messages printed without a timestamp; a signal
 * whose own text holds `[1.5]` (read as the start of a kernel message);
 * a kernel message printed without its line break.
 *
 * Memory is bounded: a signal longer than SIGNAL_MAX bytes (`>` included,
 * after recovery), or spread over more than SIGNAL_SPAN_MAX bytes of
 * stream, is abandoned as SIGNAL_INVALID; text between signals is not
 * kept at all.  Events come one at a time (signal_parser_feed() stops
 * after each), so the caller can switch the result fixups on STARTRUN
 * before the next TESTCASE is checked.
 */
#ifndef TETHER_SIGNAL_H
#define TETHER_SIGNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "util.h"

#define SIGNAL_MAX 4096
#define SIGNAL_SPAN_MAX 65536

enum signal_type {
	SIGNAL_INVALID,       /* an abandoned or malformed `<LAVA_...` */
	SIGNAL_STARTRUN,      /* id = <idx>_<name>, uuid */
	SIGNAL_ENDRUN,        /* id, uuid */
	SIGNAL_STARTTC,       /* id = test case */
	SIGNAL_ENDTC,         /* id */
	SIGNAL_TESTCASE,      /* id, result, [measurement, value, units] */
	SIGNAL_TESTSET_START, /* id = set name */
	SIGNAL_TESTSET_STOP,
	SIGNAL_TESTREFERENCE, /* id, result, reference */
	SIGNAL_TESTRAISE,     /* message */
	SIGNAL_TESTFEEDBACK,  /* id = namespace */
	SIGNAL_TESTEVENT,     /* message */
	SIGNAL_RETRUNCODE,    /* rc */
	SIGNAL_OTHER, /* another `<LAVA_SIGNAL_X ...>` or `<LAVA_X ...>` */
	SIGNAL_RUNNER_EXIT,         /* <LAVA_TEST_RUNNER EXIT> */
	SIGNAL_RUNNER_INSTALL_FAIL, /* <LAVA_TEST_RUNNER INSTALL_FAIL> */
};

/* Flags in signal_event.recovered. */
#define SIGNAL_RECOVERED_CR 0x1      /* \r or NUL bytes dropped */
#define SIGNAL_RECOVERED_KMSG 0x2    /* kernel message lines removed */
#define SIGNAL_RECOVERED_NEWLINE 0x4 /* a line break read as a space */

/* Strings belong to the parser and last until the next call on it; a
 * field the signal does not carry is NULL. */
struct signal_event {
	enum signal_type type;
	const char *text;   /* the signal as recovered, `<LAVA_...>` */
	const char *name;   /* "TESTCASE", "EXIT", "MULTI_NODE", ... */
	const char *params; /* what follows the name, whitespace collapsed */
	const char *id;     /* test run, test case, set or namespace */
	const char *uuid;
	const char *result;      /* after the fixup dictionary */
	const char *measurement; /* as printed; the number is in value */
	double value;
	const char *units; /* only with a measurement, as LAVA */
	const char *reference;
	const char *message; /* TESTRAISE, TESTEVENT */
	int rc;              /* RETRUNCODE */
	/* Why LAVA would not accept it, or NULL.  Fatal: LAVA raises
	 * error_class and the test action ends; otherwise it logs the error
	 * and ignores the signal. */
	const char *error;
	enum err_class error_class;
	bool fatal;
	unsigned recovered;
	uint64_t start, end; /* stream offsets of `<` and just past `>` */
};

struct signal_parser;

struct signal_parser *signal_parser_new(void);
void signal_parser_free(struct signal_parser *p);
/* Result fixups for the following TESTCASE signals: NPAIRS pairs (raw,
 * mapped) laid out flat in PAIRS, kept by reference; NULL for LAVA's
 * default (PASS -> pass, FAIL -> fail, SKIP -> skip, UNKNOWN -> unknown).
 * As in LAVA, a definition's own dictionary replaces the default. */
void signal_parser_set_fixup(struct signal_parser *p, const char *const *pairs,
                             size_t npairs);
/* Reads DATA until one signal is complete: returns 1 with EV filled,
 * *USED the bytes taken (call again with the rest), or 0 once all of DATA
 * is taken (*USED = LEN).  The events do not depend on how the stream is
 * cut into calls. */
int signal_parser_feed(struct signal_parser *p, const char *data, size_t len,
                       size_t *used, struct signal_event *ev);
/* At the end of the stream: 1 and EV for a signal left unfinished. */
int signal_parser_finish(struct signal_parser *p, struct signal_event *ev);

const char *signal_type_name(enum signal_type type);
/* One line (no newline) naming every field EV carries, for logs and
 * tests: `TESTCASE id=a result=pass measurement=1.5 units=s`. */
void signal_event_format(const struct signal_event *ev, struct buf *out);

#endif
