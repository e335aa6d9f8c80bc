/* shlex.c: Python's shlex.split (posix=True, no comments), the way LAVA
 * turns a command line into a program's arguments. */
#include "shlex.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static int
split_error(const char *why, struct strv *words, char *err, size_t errlen)
{
	strv_free(words);
	if (err && errlen)
		snprintf(err, errlen, "%s", why);
	return -1;
}

int
shlex_split(const char *s, struct strv *a, char *err, size_t errlen)
{
	struct strv words = {0};
	struct buf w;
	buf_init(&w);
	int in_word = 0;
	while (*s) {
		char ch = *s++;
		if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
			if (in_word) {
				strv_add(&words, w.data ? w.data : "");
				buf_reset(&w);
				in_word = 0;
			}
			continue;
		}
		in_word = 1;
		if (ch == '\\') {
			if (*s == '\0') {
				buf_free(&w);
				return split_error("No escaped character",
				                   &words, err, errlen);
			}
			buf_addc(&w, *s++);
		} else if (ch == '\'') {
			const char *end = strchr(s, '\'');
			if (end == NULL) {
				buf_free(&w);
				return split_error("No closing quotation",
				                   &words, err, errlen);
			}
			buf_add(&w, s, (size_t)(end - s));
			s = end + 1;
		} else if (ch == '"') {
			for (;;) {
				if (*s == '\0') {
					buf_free(&w);
					return split_error(
					    "No closing quotation", &words, err,
					    errlen);
				}
				if (*s == '"') {
					s++;
					break;
				}
				/* Inside "...", a backslash escapes only " and
				 * itself; otherwise it stays. */
				if (*s == '\\' && (s[1] == '"' || s[1] == '\\'))
					s++;
				buf_addc(&w, *s++);
			}
		} else {
			buf_addc(&w, ch);
		}
	}
	if (in_word)
		strv_add(&words, w.data ? w.data : "");
	buf_free(&w);
	for (size_t i = 0; i < words.n; i++)
		strv_add(a, words.v[i]);
	strv_free(&words);
	return 0;
}
