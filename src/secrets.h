/* secrets.h: the job's secrets (the values of its `secrets:` map, and the
 * paths of the keys tether uses), and how every output hides them.
 *
 * One list for the whole run, kept by the job log (joblog.h), filled once
 * from the job in cmd-run.c and read by every writer: log.yaml,
 * results.yaml, result.yaml, the results table and the progress lines get
 * "[MASKED]" where a secret was (lava-run's word); the raw connection
 * logs get as many '*' (rawlog.h: offsets stay true).  Every non-empty
 * value is masked, however short, as LAVA does: a short one hides every
 * occurrence of those characters, so the job is warned about it. */
#ifndef TETHER_SECRETS_H
#define TETHER_SECRETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "util.h"
#include "yaml.h"

#define SECRETS_MASK "[MASKED]"
/* Below this length a secret is masked all the same, with a warning: it
 * is likely to occur by chance and masking it garbles the outputs. */
#define SECRETS_SHORT 4

struct secrets {
	char **v; /* non-empty, each once, in the order added */
	size_t n;
};

/* Adds VALUE (ignored when empty or already there). */
void secrets_add(struct secrets *s, const char *value);
/* Adds the values of the `secrets:` map of the job JOB (its root; a
 * scalar's text, whatever its type).  A value shorter than SECRETS_SHORT
 * adds a line naming its key (never the value) to WARN, when not NULL. */
void secrets_add_job(struct secrets *s, const struct ynode *job,
                     struct buf *warn);
void secrets_free(struct secrets *s);

/* STR (*LEN bytes) with every occurrence of a secret written "[MASKED]"
 * (overlapping occurrences of several secrets as one), *LEN updated; NULL
 * when no secret occurs in it.  S may be NULL. */
char *secrets_mask(const struct secrets *s, const char *str, size_t *len);
/* Every byte of BUF that belongs to an occurrence of a secret replaced by
 * '*', in place.  S may be NULL. */
void secrets_star(const struct secrets *s, char *buf, size_t len);
/* Where the tail of BUF that could begin a secret (one the next bytes may
 * complete) starts: LEN when none could. */
size_t secrets_tail(const struct secrets *s, const char *buf, size_t len);

/* A stream writing to OUT with every secret masked, read from S at each
 * write (S may grow meanwhile); bytes that could begin a secret wait for
 * the next write or the close.  Line buffered; never NULL.  fclose it
 * before S goes away; OUT stays open. */
FILE *secrets_stream(const struct secrets *s, FILE *out);

#endif
