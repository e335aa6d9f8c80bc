/* test-sim.c: the connection engine against tether-sim, the simulated
 * board: real ptys, a real shell, a second UART over telnet. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	char marker[64]; /* on the board's command line, to find strays */
	struct mux *mux;
	struct joblog log;
	const char *sim;
};

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	f->sim = getenv("TETHER_SIM");
	if (f->sim == NULL)
		f->sim = "build/tether-sim";
	strcpy(f->dir, "/tmp/tether-test-sim-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->marker, sizeof f->marker, "sim%d", (int)getpid());
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
	/* A failed test leaves its board running: stop it, so the next
	 * test starts clean. */
	char *cmd = xasprintf("pkill -KILL -f -- '[-]-hostname %s'", f->marker);
	if (system(cmd) < 0)
		fprintf(stderr, "cannot run pkill\n");
	free(cmd);
	cmd = xasprintf("rm -rf %s", f->dir);
	if (getenv("TETHER_TEST_KEEP"))
		fprintf(stderr, "kept %s\n", f->dir);
	else if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", f->dir);
	free(cmd);
	free(f);
	return 0;
}

static uint64_t
in_ms(unsigned ms)
{
	return mux_now() + (uint64_t)ms * 1000000ULL;
}

static void
expect(struct conn *c, const char *pattern, unsigned ms)
{
	char err[256];
	const char *patterns[] = {pattern};
	struct matcher *m = matcher_new(patterns, 1, err, sizeof err);
	if (m == NULL)
		fail_msg("%s", err);
	struct match mt;
	enum conn_expect_result r = conn_expect(c, m, in_ms(ms), &mt);
	matcher_free(m);
	if (r != CONN_MATCHED)
		fail_msg("%s: waiting for '%s': %s", c->name, pattern,
			 r == CONN_TIMEOUT ? "timed out" : c->error);
}

/* Boot to the shell on C: login, password, prompt. */
static void
log_in(struct conn *c, const char *host)
{
	char *login = xasprintf("%s login:", host);
	char *prompt = xasprintf("root@%s:~# ", host);
	expect(c, login, 20000);
	conn_sendline(c, "root", 0);
	expect(c, "Password:", 5000);
	conn_sendline(c, "secret", 0);
	expect(c, prompt, 5000);
	free(login);
	free(prompt);
}

static char *
sim_command(struct fixture *f, const char *extra)
{
	return xasprintf("%s --seed 1 --autoboot-seconds 1 --line-delay-ms 0 "
			 "--hostname %s --password secret %s",
			 f->sim, f->marker, extra);
}

/* Whether any process still has the marker on its command line. */
static bool
strays(struct fixture *f)
{
	char *cmd = xasprintf("pgrep -f -- '[-]-hostname %s' >/dev/null",
			      f->marker);
	bool found = false;
	for (int i = 0; i < 50; i++) {
		found = system(cmd) == 0;
		if (!found)
			break;
		usleep(20000); /* killed processes take a moment to go */
	}
	free(cmd);
	return found;
}

static char *
slurp(struct fixture *f, const char *name, size_t *len)
{
	char *path = xasprintf("%s/%s", f->dir, name);
	char *data = file_read(path, len);
	free(path);
	assert_non_null(data);
	return data;
}

static void
test_login_on_uart0(void **state)
{
	struct fixture *f = *state;
	struct conn c;
	char *cmd = sim_command(f, "");
	static const char *const tags[] = {"primary"};
	assert_int_equal(conn_open(&c, f->mux, "uart0", cmd, tags, 1, f->dir,
				   &f->log, NULL),
			 0);
	free(cmd);
	log_in(&c, f->marker);
	conn_sendline(&c, "echo $((6*7))", 0);
	expect(&c, "\n42\r?\n", 5000);
	conn_close(&c);
	assert_false(strays(f));
	size_t len;
	char *raw = slurp(f, "uart0.log", &len);
	assert_non_null(strstr(raw, "Linux version"));
	assert_non_null(strstr(raw, "42"));
	free(raw);
}

static void
test_interrupt_bootloader(void **state)
{
	struct fixture *f = *state;
	struct conn c;
	char *cmd = sim_command(f, "--autoboot-seconds 5");
	assert_int_equal(conn_open(&c, f->mux, "uart0", cmd, NULL, 0, f->dir,
				   NULL, NULL),
			 0);
	free(cmd);
	expect(&c, "Hit any key to stop autoboot", 10000);
	conn_send(&c, " ", 1, 0);
	expect(&c, "=> ", 5000);
	conn_sendline(&c, "setenv answer 42", 0);
	expect(&c, "=> ", 5000);
	conn_sendline(&c, "printenv answer", 0);
	expect(&c, "answer=42", 5000);
	conn_sendline(&c, "boot", 0);
	expect(&c, "Linux version", 10000);
	conn_close(&c);
	assert_false(strays(f));
}

/* UART1 comes alive after boot; logging in there while UART0 keeps
 * printing kernel messages, both are read and logged completely. */
static void
test_second_uart_while_first_prints(void **state)
{
	struct fixture *f = *state;
	struct conn c0, c1;
	char *ports = xasprintf("%s/ports", f->dir);
	char *extra = xasprintf("--uart1 0 --ports-file %s --kmsg-interval 2",
				ports);
	char *cmd = sim_command(f, extra);
	free(extra);
	static const char *const tags0[] = {"primary"};
	assert_int_equal(conn_open(&c0, f->mux, "uart0", cmd, tags0, 1, f->dir,
				   &f->log, "board"),
			 0);
	free(cmd);
	log_in(&c0, f->marker);

	size_t len;
	char *p = file_read(ports, &len);
	assert_non_null(p);
	int port = 0;
	assert_int_equal(sscanf(p, "uart1 %d", &port), 1);
	free(p);
	free(ports);
	char *telnet = xasprintf("telnet 127.0.0.1 %d", port);
	static const char *const tags1[] = {"telnet"};
	assert_int_equal(conn_open(&c1, f->mux, "uart1", telnet, tags1, 1,
				   f->dir, &f->log, "uart1"),
			 0);
	free(telnet);
	c0.active = false; /* the job now talks to uart1 */
	conn_sendline(&c1, "", 0);
	log_in(&c1, f->marker);
	conn_sendline(&c1, "echo uart1-$((40+2))", 0);
	expect(&c1, "uart1-42", 5000);
	/* Let UART0 print for a while more, unattended. */
	mux_wait(f->mux, NULL, NULL, in_ms(300));
	conn_close(&c1);
	conn_close(&c0);
	assert_false(strays(f));

	/* Every kernel message UART0 printed is in its log, whole: each
	 * starts with "[" after a line end and ends with a newline (the
	 * board may cut into the shell's lines, never into its own). */
	char *raw0 = slurp(f, "uart0.log", &len);
	size_t kmsgs = 0;
	for (char *q = raw0; (q = strstr(q, "\n[")) != NULL; q++)
		kmsgs++;
	assert_true(kmsgs > 50);
	free(raw0);
	char *raw1 = slurp(f, "uart1.log", &len);
	assert_non_null(strstr(raw1, "uart1-42"));
	free(raw1);
	/* The job log has UART0's lines as feedback once UART1 is the
	 * active connection. */
	char *log = slurp(f, "log.yaml", &len);
	assert_non_null(strstr(log, "\"lvl\": \"feedback\""));
	assert_non_null(strstr(log, "\"ns\": \"board\""));
	free(log);
}

/* Last arrival time recorded in NAME.times, in ns. */
static uint64_t
last_arrival(struct fixture *f, const char *name)
{
	size_t len;
	char *path = xasprintf("%s.times", name);
	char *t = slurp(f, path, &len);
	free(path);
	char *last = t, *nl;
	while ((nl = strchr(last, '\n')) && nl[1])
		last = nl + 1;
	unsigned long long off, s, ns;
	assert_int_equal(sscanf(last, "%llu %llu.%llu", &off, &s, &ns), 3);
	free(t);
	return s * 1000000000ULL + ns;
}

static void
test_drop_noticed_at_once(void **state)
{
	struct fixture *f = *state;
	struct conn c;
	char *cmd = sim_command(f, "--drop-after-bytes 1500");
	assert_int_equal(conn_open(&c, f->mux, "uart0", cmd, NULL, 0, f->dir,
				   &f->log, NULL),
			 0);
	free(cmd);
	char err[256];
	const char *patterns[] = {"login:"};
	struct matcher *m = matcher_new(patterns, 1, err, sizeof err);
	struct match mt;
	assert_int_equal(conn_expect(&c, m, in_ms(30000), &mt), CONN_CLOSED);
	uint64_t noticed = mux_wall_now() - (mux_now() - c.eof_ns);
	matcher_free(m);
	assert_non_null(strstr(c.error, "exited with status 3"));
	/* The board dropped the link right after its last byte: the drop
	 * was seen as it happened (the pty's hangup and the pidfd), not
	 * found by the 30 s wait running out.  The bound only tells an
	 * event from a timeout: a loaded machine (the sanitizers, other
	 * work) may take the board a while to exit after its last byte. */
	uint64_t last = last_arrival(f, "uart0");
	assert_true(noticed >= last);
	assert_true(noticed - last < 1000000000ULL);
	conn_close(&c);
	assert_false(strays(f));
}

int
main(void)
{
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_login_on_uart0, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_interrupt_bootloader,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_second_uart_while_first_prints, setup, teardown),
		cmocka_unit_test_setup_teardown(test_drop_noticed_at_once,
						setup, teardown),
	};
	return cmocka_run_group_tests_name("sim", tests, NULL, NULL);
}
