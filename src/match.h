/* match.h: the prompt matcher.  A list of Python `re` patterns (as LAVA
 * hands them to pexpect: DOTALL, Unicode) searched over a byte stream fed
 * in chunks of any size, at a cost proportional to the new bytes.
 *
 * Semantics (docs in match.c):
 *  - the match that starts earliest in the stream wins, ties go to the
 *    pattern first in the list; a match is reported only once no pattern
 *    can still start a match earlier, so the winner does not depend on how
 *    the stream was cut into reads;
 *  - a match is reported as soon as more bytes cannot change it; one
 *    that could still grow (`login:\s*`, `root@(.*):~#`) once a byte
 *    after it has been seen (its end is then what pexpect would match on
 *    the bytes fed: the last `:~#` fed), or when matcher_idle() says the
 *    device has gone quiet;
 *  - `$` and `\Z` never match at the end of the bytes fed, only before a
 *    real newline under (?m), or at the end once matcher_idle() is called;
 *  - a match longer than MATCH_WINDOW / 2 bytes may not be found;
 *  - bytes that are not UTF-8 match as one replacement character each
 *    (pexpect decodes with errors="replace"); NULs are ordinary bytes.
 */
#ifndef TETHER_MATCH_H
#define TETHER_MATCH_H

#include <stddef.h>
#include <stdint.h>

/* Most bytes the matcher keeps (look-back included).  A match of up to
 * half of it is always found; when the window is full, partial matches
 * that began in its older half are given up, so a longer one may be
 * missed, and one longer than the window always is. */
#define MATCH_WINDOW 65536

/* How long a stream must stay quiet before the caller should call
 * matcher_idle(), if matcher_pending() says something waits on it. */
#define MATCH_IDLE_MS 50

struct matcher;

struct match {
	size_t index;   /* pattern that matched, in list order */
	uint64_t start; /* stream offsets: [start, end) */
	uint64_t end;
};

/* Compiles PATTERNS (N of them).  NULL on error, with a message naming the
 * pattern and the offset in ERR (LAVA raises TestError there). */
struct matcher *matcher_new(const char *const *patterns, size_t n, char *err,
                            size_t errlen);
void matcher_free(struct matcher *m);

/* Forgets every byte held: the next byte fed is at stream offset OFFSET,
 * where `^` and `\A` match.  Needed after a match before feeding again. */
void matcher_reset(struct matcher *m, uint64_t offset);

/* Feeds the next LEN bytes of the stream.  1 when a match is decided (MT
 * filled), 0 when not yet, -1 on a matching error (matcher_error(); reset
 * before going on).  After a match the bytes from MT->end on, fed or not,
 * belong to the next search: matcher_reset(m, MT->end) and feed them
 * again.  MT->end may lie before DATA (a match held back by a pattern that
 * could have started earlier), but never before matcher_keep() as it was
 * before this call, itself at most MATCH_WINDOW bytes before DATA: a
 * stream consumer whose offset follows matcher_keep() has them all. */
int matcher_feed(struct matcher *m, const void *data, size_t len,
                 struct match *mt);

/* The stream has gone quiet: decide on what was fed, taking its end as the
 * end of the text (pexpect's view on every read).  Same returns.  Call it
 * once no byte came for MATCH_IDLE_MS while matcher_pending(): prompts
 * ending in `$`, and matches held back by a partial one that will never
 * finish, are found that way. */
int matcher_idle(struct matcher *m, struct match *mt);

/* Whether a match may be waiting on more bytes or on matcher_idle(). */
int matcher_pending(const struct matcher *m);

/* Stream offset of the oldest byte held, and how many bytes are held. */
uint64_t matcher_keep(const struct matcher *m);
size_t matcher_retained(const struct matcher *m);

/* After a match: the text of group N (0 is the whole match), or of the
 * named group; 0 and *P = NULL when that group took no part.  Bytes that
 * were not UTF-8 read as 0x1a.  Valid until the next reset. */
size_t matcher_group(const struct matcher *m, size_t n, const char **p);
size_t matcher_group_named(const struct matcher *m, const char *name,
                           const char **p);

const char *matcher_error(const struct matcher *m);

/* Python `re` to PCRE2 (exposed for tests).  The translation in *OUT
 * (malloc'd) or -1 with a message and the pattern offset. */
int match_translate(const char *py, char **out, char *err, size_t errlen,
                    size_t *erroff);

#endif
