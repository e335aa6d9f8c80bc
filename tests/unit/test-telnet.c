/* test-telnet.c: the telnet parser decodes data, answers negotiation as
 * RFC 1143 wants (never looping), skips subnegotiations, and does not
 * care how its input is chunked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "telnet.h"

#define S(lit) lit, sizeof(lit) - 1

struct run {
	struct telnet t;
	struct buf data, reply;
};

static void
run_init(struct run *r)
{
	telnet_init(&r->t);
	buf_init(&r->data);
	buf_init(&r->reply);
}

static void
run_free(struct run *r)
{
	buf_free(&r->data);
	buf_free(&r->reply);
}

static void
feed(struct run *r, const char *in, size_t len)
{
	telnet_feed(&r->t, in, len, &r->data, &r->reply);
}

static void
expect(const struct buf *b, const char *want, size_t len)
{
	assert_int_equal(b->len, len);
	assert_memory_equal(b->data, want, len);
}

static void
test_plain_data(void **state)
{
	(void)state;
	struct run r;
	run_init(&r);
	feed(&r, S("login: "));
	feed(&r, S("root\r\n"));
	expect(&r.data, S("login: root\r\n"));
	assert_int_equal(r.reply.len, 0);
	run_free(&r);
}

static void
test_iac_iac(void **state)
{
	(void)state;
	struct run r;
	run_init(&r);
	feed(&r, S("a\xff\xff"
	           "b\xff"));
	feed(&r, S("\xff"
	           "c"));
	expect(&r.data, S("a\xff"
	                  "b\xff"
	                  "c"));
	assert_int_equal(r.t.commands, 0);
	run_free(&r);
}

static void
test_cr_nul(void **state)
{
	(void)state;
	struct run r;
	run_init(&r);
	feed(&r, S("x\r"));
	feed(&r, S("\0y\r\n\r\0"));
	expect(&r.data, S("x\ry\r\n\r"));
	run_free(&r);

	/* In binary mode a NUL is data. */
	run_init(&r);
	telnet_allow_remote(&r.t, TELOPT_BINARY);
	feed(&r, S("\xff\xfb\x00"
	           "\r\0"));
	expect(&r.reply, S("\xff\xfd\x00"));
	expect(&r.data, S("\r\0"));
	run_free(&r);
}

static void
test_refuse_unknown(void **state)
{
	(void)state;
	struct run r;
	run_init(&r);
	/* WILL NAWS, DO TTYPE: refused with DONT and WONT. */
	feed(&r, S("\xff\xfb\x1f\xff\xfd\x18"));
	expect(&r.reply, S("\xff\xfe\x1f\xff\xfc\x18"));
	/* WONT / DONT for options that are off: no answer at all. */
	buf_reset(&r.reply);
	feed(&r, S("\xff\xfc\x1f\xff\xfe\x18"));
	assert_int_equal(r.reply.len, 0);
	assert_int_equal(r.data.len, 0);
	run_free(&r);
}

static void
test_server_offer(void **state)
{
	(void)state;
	struct run r;
	run_init(&r);
	telnet_offer_local(&r.t, TELOPT_ECHO, &r.reply);
	telnet_offer_local(&r.t, TELOPT_SGA, &r.reply);
	telnet_offer_local(&r.t, TELOPT_SGA, &r.reply); /* asked already */
	expect(&r.reply, S("\xff\xfb\x01\xff\xfb\x03"));
	assert_false(telnet_local_enabled(&r.t, TELOPT_ECHO));
	buf_reset(&r.reply);
	/* The client agrees: acknowledgements get no answer. */
	feed(&r, S("\xff\xfd\x01\xff\xfd"));
	feed(&r, S("\x03"));
	assert_int_equal(r.reply.len, 0);
	assert_true(telnet_local_enabled(&r.t, TELOPT_ECHO));
	assert_true(telnet_local_enabled(&r.t, TELOPT_SGA));
	/* Asking again once on is not answered (no loop)... */
	feed(&r, S("\xff\xfd\x01"));
	assert_int_equal(r.reply.len, 0);
	/* ...but turning it off is acknowledged once. */
	feed(&r, S("\xff\xfe\x01\xff\xfe\x01"));
	expect(&r.reply, S("\xff\xfc\x01"));
	assert_false(telnet_local_enabled(&r.t, TELOPT_ECHO));
	run_free(&r);
}

static void
test_offer_refused(void **state)
{
	(void)state;
	struct run r;
	run_init(&r);
	telnet_offer_local(&r.t, TELOPT_ECHO, &r.reply);
	telnet_request_remote(&r.t, TELOPT_SGA, &r.reply);
	buf_reset(&r.reply);
	/* A refusal of our own request is not answered. */
	feed(&r, S("\xff\xfe\x01\xff\xfc\x03"));
	assert_int_equal(r.reply.len, 0);
	assert_false(telnet_local_enabled(&r.t, TELOPT_ECHO));
	assert_false(telnet_remote_enabled(&r.t, TELOPT_SGA));
	/* The peer may later offer SGA itself, and we still agree. */
	feed(&r, S("\xff\xfb\x03"));
	expect(&r.reply, S("\xff\xfd\x03"));
	assert_true(telnet_remote_enabled(&r.t, TELOPT_SGA));
	run_free(&r);
}

static void
test_subnegotiation(void **state)
{
	(void)state;
	struct run r;
	run_init(&r);
	/* NAWS 80x24 with an escaped 255 inside, split everywhere. */
	static const char in[] = "a\xff\xfa\x1f\x00\x50\xff\xff\x18\xff\xf0"
	                         "b";
	for (size_t i = 0; i < sizeof(in) - 1; i++)
		feed(&r, in + i, 1);
	expect(&r.data, S("ab"));
	assert_int_equal(r.reply.len, 0);
	run_free(&r);

	/* An unterminated subnegotiation ends at the next command. */
	run_init(&r);
	feed(&r, S("\xff\xfa\x18junk\xff\xfd\x18"
	           "c"));
	expect(&r.data, S("c"));
	expect(&r.reply, S("\xff\xfc\x18"));
	run_free(&r);
}

static void
test_other_commands(void **state)
{
	(void)state;
	struct run r;
	run_init(&r);
	feed(&r, S("1\xff\xf1"
	           "2\xff\xf3"
	           "3\xff\xf6"
	           "4\xff\xf9"
	           "5\xff\xf0"));
	expect(&r.data, S("12345"));
	assert_int_equal(r.reply.len, 0);
	assert_int_equal(r.t.commands, 5);
	assert_int_equal(r.t.last_command, TELNET_SE);
	run_free(&r);
}

static void
test_chunking(void **state)
{
	(void)state;
	static const char in[] =
	    "\xff\xfb\x01\xff\xfd\x03x\r\0y\xff\xff\xff\xfa\x01zz\xff\xf0"
	    "\xff\xfb\x18"
	    "end\r\n";
	struct run whole;
	run_init(&whole);
	telnet_allow_local(&whole.t, TELOPT_SGA);
	feed(&whole, S(in));
	for (size_t cut = 1; cut < sizeof(in) - 1; cut++) {
		struct run r;
		run_init(&r);
		telnet_allow_local(&r.t, TELOPT_SGA);
		feed(&r, in, cut);
		feed(&r, in + cut, sizeof(in) - 1 - cut);
		expect(&r.data, whole.data.data, whole.data.len);
		expect(&r.reply, whole.reply.data, whole.reply.len);
		run_free(&r);
	}
	expect(&whole.data, S("x\ry\xff"
	                      "end\r\n"));
	run_free(&whole);
}

static void
test_escape(void **state)
{
	(void)state;
	struct buf out;
	buf_init(&out);
	telnet_escape(S("a\xff\xff"
	                "b"),
	              &out);
	expect(&out, S("a\xff\xff\xff\xff"
	               "b"));
	buf_reset(&out);
	telnet_escape(S(""), &out);
	assert_int_equal(out.len, 0);
	buf_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plain_data),
	    cmocka_unit_test(test_iac_iac),
	    cmocka_unit_test(test_cr_nul),
	    cmocka_unit_test(test_refuse_unknown),
	    cmocka_unit_test(test_server_offer),
	    cmocka_unit_test(test_offer_refused),
	    cmocka_unit_test(test_subnegotiation),
	    cmocka_unit_test(test_other_commands),
	    cmocka_unit_test(test_chunking),
	    cmocka_unit_test(test_escape),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
