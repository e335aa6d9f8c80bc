/* tmpdir.h: a fresh temporary directory for each test (cmocka setup and
 * teardown), removed with everything in it afterwards.  The including
 * test defines TMPDIR_PREFIX ("/tmp/test-x-") first. */
#ifndef TETHER_TEST_TMPDIR_H
#define TETHER_TEST_TMPDIR_H

#include <stdlib.h>
#include <unistd.h>

#include "util.h"

static char *tmpdir;

static int
setup(void **state)
{
	(void)state;
	tmpdir = xstrdup(TMPDIR_PREFIX "XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	rm_rf(tmpdir);
	assert_int_equal(access(tmpdir, F_OK), -1);
	free(tmpdir);
	return 0;
}

#endif
