/* test-conn.c: connections on real ptys running real commands. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "conn.h"
#include "joblog.h"
#include "match.h"
#include "mux.h"
#include "util.h"

struct fixture {
	char dir[64];
	struct mux *mux;
	struct joblog log;
};

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	strcpy(f->dir, "/tmp/tether-test-conn-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	f->mux = mux_new();
	char *path = xasprintf("%s/log.yaml", f->dir);
	int rc = joblog_open(&f->log, path);
	free(path);
	*state = f;
	return rc;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	joblog_close(&f->log);
	mux_free(f->mux);
	char *cmd = xasprintf("rm -rf %s", f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", f->dir);
	free(cmd);
	free(f);
	return 0;
}

static char *
slurp(struct fixture *f, const char *name)
{
	char *path = xasprintf("%s/%s", f->dir, name);
	size_t len;
	char *data = file_read(path, &len);
	free(path);
	assert_non_null(data);
	return data;
}

static bool
is_eof(void *arg)
{
	return ((struct conn *)arg)->eof;
}

static bool
process_gone(pid_t pid)
{
	return kill(pid, 0) < 0 && errno == ESRCH;
}

static void
test_reads_logs_and_notices_exit(void **state)
{
	struct fixture *f = *state;
	struct conn c;
	static const char *const tags[] = {"primary"};
	assert_int_equal(conn_open(&c, f->mux, "uart0",
				   "printf 'one\\r\\ntwo\\n\\001\\377x'; exit 3",
				   tags, 1, f->dir, &f->log, "board"),
			 0);
	assert_int_equal(mux_wait(f->mux, is_eof, &c, mux_now() + 5000000000ULL),
			 0);
	assert_true(c.exited);
	assert_int_equal(WEXITSTATUS(c.status), 3);
	assert_non_null(strstr(c.error, "Connection closed: connection 'uart0'"));
	assert_non_null(strstr(c.error, "exited with status 3"));
	pid_t pid = c.pid;
	conn_close(&c);
	assert_true(process_gone(pid));

	/* The raw log holds exactly the bytes, the times file one line per
	 * chunk starting at offset 0. */
	char *raw = slurp(f, "uart0.log");
	assert_memory_equal(raw, "one\r\ntwo\n\001\377x", 12);
	free(raw);
	char *times = slurp(f, "uart0.times");
	assert_true(strncmp(times, "0 ", 2) == 0);
	free(times);
	/* The job log: one target line each, \r dropped, the last partial
	 * line logged when the link dropped. */
	char *log = slurp(f, "log.yaml");
	assert_non_null(strstr(log, "\"lvl\": \"target\", \"msg\": \"one\"}"));
	assert_non_null(strstr(log, "\"lvl\": \"target\", \"msg\": \"two\"}"));
	assert_non_null(
		strstr(log, "\"msg\": \"\\u0001\\ufffdx\"}"));
	free(log);
}

static void
test_feedback_lines_carry_namespace(void **state)
{
	struct fixture *f = *state;
	struct conn c;
	assert_int_equal(conn_open(&c, f->mux, "uart1", "echo from-uart1", NULL,
				   0, f->dir, &f->log, "second"),
			 0);
	c.active = false;
	mux_wait(f->mux, is_eof, &c, mux_now() + 5000000000ULL);
	conn_close(&c);
	char *log = slurp(f, "log.yaml");
	assert_non_null(strstr(log, "\"lvl\": \"feedback\", \"msg\": "
				    "\"from-uart1\", \"ns\": \"second\"}"));
	free(log);
}

/* A command that leaves by itself when it reads WORD, and says so. */
static void
check_goodbye(struct fixture *f, const char *tag, const char *word)
{
	struct conn c;
	const char *tags[] = {"primary", tag};
	char *cmd = xasprintf("while read -r l; do case \"$l\" in *'%s'*) "
			      "echo bye; exit 7;; esac; done",
			      word);
	assert_int_equal(conn_open(&c, f->mux, tag, cmd, tags, 2, f->dir,
				   &f->log, NULL),
			 0);
	free(cmd);
	/* Let the shell start reading. */
	mux_wait(f->mux, NULL, NULL, mux_now() + 200000000ULL);
	pid_t pid = c.pid;
	conn_close(&c);
	assert_true(process_gone(pid));
	char *path = xasprintf("%s.log", tag);
	char *raw = slurp(f, path);
	free(path);
	/* It left on its own: it had time to say bye. */
	assert_non_null(strstr(raw, "bye"));
	free(raw);
}

static void
test_close_by_tags(void **state)
{
	struct fixture *f = *state;
	check_goodbye(f, "telnet", "quit");
	check_goodbye(f, "ssh", "~.");

	/* No tag: the whole process group is killed, children included. */
	struct conn c;
	assert_int_equal(conn_open(&c, f->mux, "plain",
				   "sleep 100 & echo $!; wait", NULL, 0, f->dir,
				   NULL, NULL),
			 0);
	mux_wait(f->mux, NULL, NULL, mux_now() + 300000000ULL);
	char *raw = slurp(f, "plain.log");
	pid_t child = (pid_t)atoi(raw);
	free(raw);
	assert_true(child > 0);
	assert_false(process_gone(child));
	pid_t pid = c.pid;
	conn_close(&c);
	assert_true(process_gone(pid));
	/* Reaped by init soon; gone or a zombie, never running. */
	for (int i = 0; i < 50 && !process_gone(child); i++) {
		char *stat = xasprintf("/proc/%d/stat", (int)child);
		char *s = file_read(stat, NULL);
		free(stat);
		if (s && strstr(s, ") Z "))
			child = 0;
		free(s);
		if (child == 0)
			break;
		usleep(20000);
	}
	assert_true(child == 0 || process_gone(child));
}

struct reader_state {
	struct conn *c;
	size_t reads;
};

static void
count_reads(struct conn *c, void *arg)
{
	(void)c;
	((struct reader_state *)arg)->reads++;
}

static void
test_slow_send_keeps_reading(void **state)
{
	struct fixture *f = *state;
	struct conn talker, listener;
	/* One connection prints all the time; the other is sent ten
	 * characters 30 ms apart. */
	assert_int_equal(conn_open(&talker, f->mux, "talker",
				   "while :; do echo tick; sleep 0.01; done",
				   NULL, 0, f->dir, &f->log, NULL),
			 0);
	assert_int_equal(conn_open(&listener, f->mux, "listener",
				   "head -c 11 >/dev/null; echo got-it", NULL,
				   0, f->dir, &f->log, NULL),
			 0);
	struct reader_state rs = {&talker, 0};
	talker.on_data = count_reads;
	talker.on_data_arg = &rs;
	uint64_t t0 = mux_now();
	conn_sendline(&listener, "0123456789", 30);
	assert_int_equal(conn_drain(&listener, mux_now() + 5000000000ULL), 0);
	uint64_t took = mux_now() - t0;
	/* The send took its delays, and reading went on meanwhile. */
	assert_true(took >= 10 * 30000000ULL);
	assert_true(rs.reads >= 5);
	assert_int_equal(mux_wait(f->mux, is_eof, &listener,
				  mux_now() + 5000000000ULL),
			 0);
	conn_close(&listener);
	conn_close(&talker);
	char *raw = slurp(f, "listener.log");
	assert_non_null(strstr(raw, "got-it"));
	free(raw);
}

static struct matcher *
matcher_of(const char *pattern)
{
	char err[256];
	const char *patterns[] = {pattern};
	struct matcher *m = matcher_new(patterns, 1, err, sizeof err);
	if (m == NULL)
		fail_msg("%s", err);
	return m;
}

static uint64_t
in_ms(unsigned ms)
{
	return mux_now() + (uint64_t)ms * 1000000ULL;
}

static void
test_expect_login_dialogue(void **state)
{
	struct fixture *f = *state;
	struct conn c;
	/* The prompt arrives in two reads, after other output. */
	assert_int_equal(
		conn_open(&c, f->mux, "uart0",
			  "printf 'U-Boot\\nkernel\\nboard log'; sleep 0.1; "
			  "printf 'in: '; read u; echo \"user=$u\"; "
			  "printf 'a1 a2 sh# '; sleep 5",
			  NULL, 0, f->dir, &f->log, NULL),
		0);
	struct matcher *login = matcher_of("[a-z]+ login:");
	struct match mt;
	assert_int_equal(conn_expect(&c, login, in_ms(5000), &mt), CONN_MATCHED);
	assert_int_equal(mt.index, 0);
	const char *g;
	size_t n = matcher_group(login, 0, &g);
	assert_int_equal(n, strlen("board login:"));
	assert_memory_equal(g, "board login:", n);
	conn_sendline(&c, "root", 0);
	/* Two prompts that came in one read: two expects, in order; what
	 * was read before the expect began counts. */
	struct matcher *a1 = matcher_of("a1"), *a2 = matcher_of("a2"),
		       *sh = matcher_of("sh# ");
	mux_wait(f->mux, NULL, NULL, in_ms(300));
	assert_int_equal(conn_expect(&c, a1, in_ms(5000), &mt), CONN_MATCHED);
	assert_int_equal(conn_expect(&c, a2, in_ms(5000), &mt), CONN_MATCHED);
	assert_int_equal(conn_expect(&c, sh, in_ms(5000), &mt), CONN_MATCHED);
	/* Nothing more comes: a timeout, and the link is still up. */
	assert_int_equal(conn_expect(&c, sh, in_ms(200), &mt), CONN_TIMEOUT);
	assert_false(c.eof);
	conn_close(&c);
	char *raw = slurp(f, "uart0.log");
	assert_non_null(strstr(raw, "user=root"));
	free(raw);
	matcher_free(login);
	matcher_free(a1);
	matcher_free(a2);
	matcher_free(sh);
}

static void
test_expect_sees_drop_at_once(void **state)
{
	struct fixture *f = *state;
	struct conn c;
	assert_int_equal(conn_open(&c, f->mux, "uart0",
				   "printf 'booting\\n'; sleep 0.2; exit 1",
				   NULL, 0, f->dir, &f->log, NULL),
			 0);
	struct matcher *m = matcher_of("login:");
	struct match mt;
	uint64_t t0 = mux_now();
	assert_int_equal(conn_expect(&c, m, in_ms(10000), &mt), CONN_CLOSED);
	/* Well before the 10 s deadline: the drop ended the wait. */
	assert_true(mux_now() - t0 < 5000000000ULL);
	assert_non_null(strstr(c.error, "exited with status 1"));
	conn_close(&c);
	matcher_free(m);
}

static void
test_expect_end_of_line_anchor(void **state)
{
	struct fixture *f = *state;
	struct conn c;
	/* "$" at the end of what was read: decided once the device has
	 * gone quiet. */
	assert_int_equal(conn_open(&c, f->mux, "uart0",
				   "printf 'root@board:~# '; sleep 5", NULL, 0,
				   f->dir, NULL, NULL),
			 0);
	struct matcher *m = matcher_of("# $");
	struct match mt;
	assert_int_equal(conn_expect(&c, m, in_ms(5000), &mt), CONN_MATCHED);
	conn_close(&c);
	matcher_free(m);
}

int
main(void)
{
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reads_logs_and_notices_exit,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_feedback_lines_carry_namespace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_close_by_tags, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_slow_send_keeps_reading,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_expect_login_dialogue,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_expect_sees_drop_at_once,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_expect_end_of_line_anchor,
						setup, teardown),
	};
	return cmocka_run_group_tests_name("conn", tests, NULL, NULL);
}
