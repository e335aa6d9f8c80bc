/* schema-corpus.h: for the schema tests, every action block of the
 * corpus jobs in verdicts.tsv, each checked in both modes against the
 * verdicts LAVA gives it.  Included by one test file each (cmocka must be
 * included first). */
#ifndef TETHER_TEST_SCHEMA_CORPUS_H
#define TETHER_TEST_SCHEMA_CORPUS_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lava-schema.h"
#include "util.h"
#include "yaml.h"

/* Called for action INDEX of JOB ("dispatcher/x.yaml"): {TYPE: BODY}. */
typedef void (*corpus_block_fn)(const char *job, size_t index,
				const char *type, const struct ynode *body,
				void *arg);

/* Walks the corpus; skips the test when there is none. */
static void
corpus_each_block(corpus_block_fn fn, void *arg)
{
	const char *shared = getenv("SHARED");
	if (shared == NULL)
		shared = "../shared";
	char *path = xasprintf("%s/corpus/lava/verdicts.tsv", shared);
	FILE *tsv = fopen(path, "r");
	free(path);
	if (tsv == NULL)
		skip();
	char line[1024];
	while (fgets(line, sizeof line, tsv)) {
		char *tab = strchr(line, '\t');
		if (tab == NULL || strncmp(line, "jobs/", 5) != 0)
			continue;
		*tab = '\0';
		const char *job = line + 5;
		path = xasprintf("%s/corpus/lava/jobs/%s", shared, job);
		size_t len = 0;
		char *text = file_read(path, &len);
		if (text == NULL)
			fail_msg("cannot read %s", path);
		struct yerror err;
		struct ydoc *doc = ydoc_parse(text, len, &err);
		if (doc == NULL)
			fail_msg("%s: %s", path, err.msg);
		free(path);
		const struct ynode *actions =
			ymap_get(ydoc_root(doc), "actions");
		for (size_t i = 0; actions && i < actions->n; i++) {
			const struct ynode *item = actions->items[i];
			fn(job, i, item->keys[0]->str, item->vals[0], arg);
		}
		ydoc_free(doc);
		free(text);
	}
	fclose(tsv);
}

/* Validates BODY against S in both modes: invalid exactly in the modes
 * MODES names ('N' non-strict, 'S' strict).  WHAT names the block in a
 * failure.  Returns how many modes rejected it. */
static int
corpus_check_block(const struct schema *s, const struct ynode *body,
		   const char *modes, const char *what)
{
	int rejects = 0;
	for (int strict = 0; strict < 2; strict++) {
		struct diags d;
		struct schema_ctx ctx;
		diags_init(&d);
		schema_ctx_init(&ctx, &d, ERR_JOB, strict);
		int n = schema_validate(&ctx, s, body);
		schema_ctx_free(&ctx);
		bool want = strchr(modes, strict ? 'S' : 'N');
		if ((n > 0) != want) {
			for (size_t j = 0; j < d.n; j++)
				print_error("  %s: %s\n", d.v[j].path,
					    d.v[j].msg);
			fail_msg("%s, %s: %d errors, LAVA says %s", what,
				 strict ? "strict" : "non-strict", n,
				 want ? "invalid" : "valid");
		}
		rejects += n > 0;
		diags_free(&d);
	}
	return rejects;
}

#endif
