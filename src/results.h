/* results.h: the result records LAVA writes (spec §4.3, §4.5, §6).
 *
 * A result is a map ({definition, case, result, ...}).  Each one is
 * written as it happens, three ways: a "results" record of the job log
 *   - {"dt": ..., "lvl": "results", "msg": {"case": "validate",
 *      "definition": "lava", "result": "pass"}}
 * (a flow map, keys sorted, every scalar double-quoted, non-strings tagged
 * "!": "starttc": ! "14", as lava-run 2023.01 writes it), a line of
 * results.yaml in the output directory (the same map: "- {...}", written
 * at once so a crash loses nothing), and a row of the table printed at
 * the end.  The final job record also goes to result.yaml, in block style
 * as lava-run's yaml.safe_dump writes it.  Every string of a result (and
 * a number whose text holds one) has the job's secrets masked before it
 * is written anywhere (secrets.h). */
#ifndef TETHER_RESULTS_H
#define TETHER_RESULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "diag.h"
#include "joblog.h"
#include "secrets.h"
#include "util.h"
#include "yaml.h"

/* A value of a result map: what Python's dict, list, str, int, float,
 * bool and None are to LAVA. */
enum rval_kind {
	RV_NULL,
	RV_BOOL,
	RV_INT,
	RV_FLOAT,
	RV_STR,
	RV_LIST,
	RV_MAP,
};

struct rval {
	enum rval_kind kind;
	bool b;
	long long i;
	double f;
	char *s;  /* RV_STR; RV_INT beyond long long: its digits */
	size_t n; /* items of a list, pairs of a map */
	size_t cap;
	char **keys;         /* RV_MAP, in insertion order */
	struct rval **items; /* RV_LIST items; RV_MAP values */
};

struct rval *rval_null(void);
struct rval *rval_bool(bool b);
struct rval *rval_int(long long i);
struct rval *rval_float(double f);
struct rval *rval_str(const char *s);
struct rval *rval_list(void);
struct rval *rval_map(void);
/* A deep copy of a YAML node (a test definition as "repository"). */
struct rval *rval_node(const struct ynode *n);
void rval_free(struct rval *v);
/* Sets KEY of MAP to V (owned from now on), replacing an old value as a
 * dict does; returns V. */
struct rval *rval_put(struct rval *map, const char *key, struct rval *v);
/* Appends V (owned from now on) to LIST; returns V. */
struct rval *rval_add(struct rval *list, struct rval *v);
/* The value of KEY in MAP, or NULL. */
struct rval *rval_get(const struct rval *map, const char *key);
/* The string value of KEY in MAP, or NULL when missing or no string. */
const char *rval_get_str(const struct rval *map, const char *key);

/* Appends V as LAVA's log writes it: a flow collection, keys sorted,
 * scalars double-quoted, non-strings tagged "!". */
void rval_flow(struct buf *b, const struct rval *v);
/* Appends MAP as a block mapping, as yaml.safe_dump writes it (result.yaml:
 * keys sorted, plain where PyYAML would, folded at 80 columns). */
int rval_block(struct buf *b, const struct rval *map);

/* The maps LAVA writes.  Each returns a new map the caller may add to
 * (units, set, extra keys...) before results_add. */

/* {definition: lava, case: CASE, result: pass|fail}: "validate". */
struct rval *result_plain(const char *definition, const char *case_id,
                          const char *result);
/* An action's record: {definition: lava, namespace, case: NAME, level,
 * duration: "%.02f", result, extra: EXTRA}; EXTRA (owned) may be NULL, then
 * an empty map. */
struct rval *result_action(const char *name, const char *ns, const char *level,
                           double duration, bool pass, struct rval *extra);
/* A test case: {definition: DEFINITION ("0_smoke"), case, result}, with
 * measurement when HAS_MEASUREMENT and units when UNITS is not NULL. */
struct rval *result_case(const char *definition, const char *case_id,
                         const char *result, bool has_measurement,
                         double measurement, const char *units);
/* The job's: {definition: lava, case: job, result: pass} when PASS, else
 * result: fail with error_msg (ERROR_MSG or "Unknown error") and
 * error_type (ERROR_TYPE or "Unknown"). */
struct rval *result_job(bool pass, const char *error_msg,
                        const char *error_type);
/* "Job", "Infrastructure", "Test", ...: LAVA's error_type of CLS. */
const char *result_error_type(enum err_class cls);

struct result_row {
	char *definition, *case_id, *result, *measurement; /* "" when none */
};

struct results {
	struct joblog *log; /* NULL: no job log */
	/* Masked in every output; the log's (results_open), or NULL. */
	const struct secrets *secrets;
	int fd;             /* results.yaml, or -1 */
	char *dir;          /* the output directory, or NULL */
	struct result_row *rows;
	size_t n, cap;
	size_t pass, fail, other;
};

/* Starts the results of a job: results.yaml created in DIR (NULL: no
 * files; file_create_new: whatever held the name is replaced), records
 * logged to LOG (NULL: none), LOG's secrets masked.  -1 with errno on
 * failure. */
int results_open(struct results *r, const char *dir, struct joblog *log);
void results_close(struct results *r);
/* Writes MAP (owned) everywhere it goes.  -1 if results.yaml could not be
 * written (the log and table still have it). */
int results_add(struct results *r, struct rval *map);
/* The job's final record: logged as the others, and written to
 * DIR/result.yaml (a new file beside it, then renamed over it: never half
 * written, never written through a link).  Takes MAP. */
int results_finish(struct results *r, struct rval *map);
/* The table a person reads at the end of a run: definition, case,
 * result, measurement (with its units), then a count by result; the
 * secrets masked as in results.yaml. */
void results_print_table(const struct results *r, FILE *out);

#endif
