/* test-coordinator.c: the coordinator's protocol engine without sockets:
 * every request, roles and group sizes, lava-wait-all with and without
 * waitrole, lava-sync rounds (a reused id included), push answers, a
 * node that drops, the limits, expiry, the frame, and bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "coordinator.h"
#include "util.h"

#define G "\"group_name\": \"g1\""

static struct coord *c;
static struct buf reply;
static uint64_t now = 1000;

static int
setup(void **state)
{
	(void)state;
	c = coord_new(NULL);
	buf_init(&reply);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	coord_free(c);
	buf_free(&reply);
	return 0;
}

/* Sends a request from CLIENT (role ROLE) with EXTRA fields; returns
 * the answer's text ("" when parked or closed). */
static const char *
ask(const char *client, const char *role, const char *request,
    const char *extra)
{
	char *text = xasprintf("{\"port\": 3079, \"client_name\": \"%s\", " G
	                       ", \"role\": \"%s\", \"request\": \"%s\"%s%s}",
	                       client, role, request, extra ? ", " : "",
	                       extra ? extra : "");
	uint64_t w;
	enum coord_status st =
	    coord_request(c, text, strlen(text), now, &reply, &w);
	free(text);
	if (st != COORD_REPLY)
		buf_reset(&reply);
	buf_addc(&reply, '\0');
	reply.len--;
	return reply.data;
}

/* As ask(), with "push": true; returns the waiter (0 if answered). */
static uint64_t
ask_push(const char *client, const char *role, const char *request,
         const char *extra)
{
	char *text = xasprintf(
	    "{\"client_name\": \"%s\", " G ", \"role\": \"%s\", "
	    "\"request\": \"%s\", \"push\": true%s%s}",
	    client, role, request, extra ? ", " : "", extra ? extra : "");
	uint64_t w;
	enum coord_status st =
	    coord_request(c, text, strlen(text), now, &reply, &w);
	free(text);
	buf_addc(&reply, '\0');
	reply.len--;
	return st == COORD_PARKED ? w : 0;
}

/* The next ready push answer: its waiter, the text in reply. */
static uint64_t
next_ready(void)
{
	uint64_t w;
	if (!coord_next_ready(c, &w, &reply))
		return 0;
	buf_addc(&reply, '\0');
	reply.len--;
	return w;
}

#define WAIT "{\"response\": \"wait\"}"
#define ACK "{\"response\": \"ack\"}"
#define NACK "{\"response\": \"nack\"}"

static void
join2(void)
{
	assert_string_equal(
	    ask("9103", "server", "group_data", "\"group_size\": 2"), WAIT);
	assert_string_equal(
	    ask("9104", "client", "group_data", "\"group_size\": 2"),
	    "{\"response\": \"group_data\", \"roles\": "
	    "{\"9103\": \"server\", \"9104\": \"client\"}}");
}

static void
test_group_data(void **state)
{
	(void)state;
	/* A new group needs its size. */
	assert_string_equal(ask("1", "a", "group_data", NULL), NACK);
	assert_string_equal(ask("1", "a", "group_data", "\"group_size\": 0"),
	                    NACK);
	assert_string_equal(ask("1", "a", "group_data", "\"group_size\": -1"),
	                    NACK);
	assert_int_equal(coord_ngroups(c), 0);
	/* Roles in first-seen order, each role's nodes in join order. */
	assert_string_equal(
	    ask("5", "client", "group_data", "\"group_size\": 3"), WAIT);
	assert_string_equal(ask("3", "server", "group_data", NULL), WAIT);
	assert_string_equal(ask("4", "client", "group_data", NULL),
	                    "{\"response\": \"group_data\", \"roles\": {\"5\": "
	                    "\"client\", \"4\": \"client\", \"3\": "
	                    "\"server\"}}");
	/* A fourth node does not fit a group of three. */
	assert_string_equal(ask("6", "client", "group_data", NULL), NACK);
	/* A new node needs a role. */
	const char *noroles =
	    "{\"client_name\": \"7\", " G ", \"request\": \"group_data\"}";
	uint64_t w;
	coord_request(c, noroles, strlen(noroles), now, &reply, &w);
	assert_memory_equal(reply.data, NACK, strlen(NACK));
}

static void
test_send_wait(void **state)
{
	(void)state;
	join2();
	assert_string_equal(
	    ask("9104", "client", "lava_wait",
	        "\"messageID\": \"ready\", \"nodeID\": \"9104\""),
	    WAIT);
	assert_string_equal(
	    ask("9103", "server", "lava_send",
	        "\"messageID\": \"ready\", \"message\": {\"ip\": "
	        "\"127.0.0.1\", \"port\": \"7000\"}"),
	    ACK);
	assert_string_equal(
	    ask("9104", "client", "lava_wait", "\"messageID\": \"ready\""),
	    "{\"response\": \"ack\", \"message\": {\"9103\": "
	    "{\"ip\": \"127.0.0.1\", \"port\": \"7000\"}}}");
	/* Stored for the sender too; no message is {}; null is {}. */
	assert_string_equal(
	    ask("9104", "client", "lava_send", "\"messageID\": \"mine\""), ACK);
	assert_string_equal(
	    ask("9104", "client", "lava_wait", "\"messageID\": \"mine\""),
	    "{\"response\": \"ack\", \"message\": {\"9104\": "
	    "{}}}");
	/* A second send replaces the value, in its first place. */
	assert_string_equal(ask("9103", "server", "lava_send",
	                        "\"messageID\": \"mine\", \"message\": null"),
	                    ACK);
	assert_string_equal(ask("9104", "client", "lava_send",
	                        "\"messageID\": \"mine\", \"message\": "
	                        "{\"k\": \"v\"}"),
	                    ACK);
	assert_string_equal(
	    ask("9103", "server", "lava_wait", "\"messageID\": \"mine\""),
	    "{\"response\": \"ack\", \"message\": {\"9104\": "
	    "{\"k\": \"v\"}, \"9103\": {}}}");
	/* messageID is needed, and must be a string. */
	assert_string_equal(ask("9103", "server", "lava_send", NULL), NACK);
	assert_string_equal(
	    ask("9103", "server", "lava_wait", "\"messageID\": 5"), NACK);
}

static void
test_wait_all(void **state)
{
	(void)state;
	join2();
	/* Nobody sent it yet: wait (LAVA answers nack). */
	assert_string_equal(
	    ask("9103", "server", "lava_wait_all", "\"messageID\": \"hello\""),
	    WAIT);
	assert_string_equal(ask("9104", "client", "lava_send",
	                        "\"messageID\": \"hello\", \"message\": "
	                        "{\"role\": \"client\"}"),
	                    ACK);
	assert_string_equal(
	    ask("9104", "client", "lava_wait_all", "\"messageID\": \"hello\""),
	    WAIT);
	/* By role: the server has not sent it. */
	assert_string_equal(ask("9104", "client", "lava_wait_all",
	                        "\"messageID\": \"hello\", \"waitrole\": "
	                        "\"server\""),
	                    WAIT);
	/* By role: every client has. */
	const char *all = "{\"response\": \"ack\", \"message\": {\"9104\": "
	                  "{\"role\": \"client\"}}}";
	assert_string_equal(ask("9103", "server", "lava_wait_all",
	                        "\"messageID\": \"hello\", \"waitrole\": "
	                        "\"client\""),
	                    all);
	assert_string_equal(ask("9103", "server", "lava_send",
	                        "\"messageID\": \"hello\", \"message\": "
	                        "{\"role\": \"server\"}"),
	                    ACK);
	const char *both = "{\"response\": \"ack\", \"message\": {\"9104\": "
	                   "{\"role\": \"client\"}, \"9103\": {\"role\": "
	                   "\"server\"}}}";
	assert_string_equal(
	    ask("9104", "client", "lava_wait_all", "\"messageID\": \"hello\""),
	    both);
	/* By role, the answer is the whole map, as LAVA's. */
	assert_string_equal(ask("9104", "client", "lava_wait_all",
	                        "\"waitrole\": \"server\", \"messageID\": "
	                        "\"hello\""),
	                    both);
	/* A role the whole group lacks can never come. */
	assert_string_equal(ask("9104", "client", "lava_wait_all",
	                        "\"messageID\": \"hello\", \"waitrole\": "
	                        "\"nobody\""),
	                    NACK);
}

static void
test_sync(void **state)
{
	(void)state;
	join2();
	/* As LAVA: every arrival is answered wait, the release comes with
	 * the next poll; the message is the messageID when empty. */
	const char *done = "{\"response\": \"ack\", \"message\": \"done\"}";
	assert_string_equal(
	    ask("9103", "server", "lava_sync", "\"messageID\": \"done\""),
	    WAIT);
	assert_string_equal(
	    ask("9103", "server", "lava_sync", "\"messageID\": \"done\""),
	    WAIT);
	assert_string_equal(ask("9104", "client", "lava_sync",
	                        "\"messageID\": \"done\", \"message\": null"),
	                    WAIT);
	assert_string_equal(
	    ask("9103", "server", "lava_sync", "\"messageID\": \"done\""),
	    done);
	assert_string_equal(ask("9104", "client", "lava_sync",
	                        "\"messageID\": \"done\", \"message\": "
	                        "{\"x\": 1}"),
	                    "{\"response\": \"ack\", \"message\": {\"x\": 1}}");
}

/* The oracle's mn-reuse: LAVA's coordinator releases the early node's
 * second round at once and then leaves the late node waiting alone. */
static void
test_sync_reuse(void **state)
{
	(void)state;
	join2();
	const char *same = "{\"response\": \"ack\", \"message\": \"same\"}";
	const char *id = "\"messageID\": \"same\"";
	for (int round = 0; round < 5; round++) {
		assert_string_equal(ask("9103", "server", "lava_sync", id),
		                    WAIT);
		assert_string_equal(ask("9103", "server", "lava_sync", id),
		                    WAIT);
		assert_string_equal(ask("9104", "client", "lava_sync", id),
		                    WAIT);
		assert_string_equal(ask("9103", "server", "lava_sync", id),
		                    same);
		/* The server is back for the next round before the client
		 * took its release: it must wait. */
		assert_string_equal(ask("9103", "server", "lava_sync", id),
		                    WAIT);
		assert_string_equal(ask("9104", "client", "lava_sync", id),
		                    same);
		/* ... and is released with the client's next arrival. */
		assert_string_equal(ask("9104", "client", "lava_sync", id),
		                    WAIT);
		assert_string_equal(ask("9103", "server", "lava_sync", id),
		                    same);
		assert_string_equal(ask("9104", "client", "lava_sync", id),
		                    same);
	}
}

static void
test_clear_group(void **state)
{
	(void)state;
	join2();
	assert_string_equal(
	    ask("9103", "server", "clear_group", "\"group_size\": 2"), ACK);
	assert_int_equal(coord_ngroups(c), 1);
	/* A clear repeated by the same node counts once. */
	assert_string_equal(
	    ask("9103", "server", "clear_group", "\"group_size\": 2"), ACK);
	assert_int_equal(coord_ngroups(c), 1);
	assert_string_equal(
	    ask("9104", "client", "clear_group", "\"group_size\": 2"), ACK);
	assert_int_equal(coord_ngroups(c), 0);
	/* Clearing a cleared group: ack, as LAVA, and nothing is made. */
	assert_string_equal(
	    ask("9104", "client", "clear_group", "\"group_size\": 2"), ACK);
	assert_int_equal(coord_ngroups(c), 0);
	assert_string_equal(ask("9104", "client", "clear_group", NULL), NACK);
	/* complete: closed without an answer. */
	join2();
	assert_string_equal(ask("9104", "client", "complete", NULL), "");
}

static void
test_push(void **state)
{
	(void)state;
	uint64_t g = ask_push("1", "a", "group_data", "\"group_size\": 2");
	assert_true(g != 0);
	assert_int_equal(coord_nparked(c), 1);
	assert_int_equal(next_ready(), 0);
	assert_int_equal(ask_push("2", "b", "group_data", NULL), 0);
	assert_non_null(strstr(reply.data, "group_data"));
	assert_int_equal(next_ready(), g);
	assert_string_equal(reply.data, "{\"response\": \"group_data\", "
	                                "\"roles\": {\"1\": \"a\", \"2\": "
	                                "\"b\"}}");
	/* lava_wait answered by the send. */
	uint64_t w = ask_push("2", "b", "lava_wait", "\"messageID\": \"m\"");
	assert_true(w != 0);
	ask("1", "a", "lava_send", "\"messageID\": \"m\"");
	assert_int_equal(next_ready(), w);
	assert_string_equal(reply.data, "{\"response\": \"ack\", "
	                                "\"message\": {\"1\": {}}}");
	/* lava_sync: the last arrival is released at once, the first when
	 * it arrives; then the same id again. */
	for (int round = 0; round < 3; round++) {
		uint64_t s =
		    ask_push("1", "a", "lava_sync", "\"messageID\": \"s\"");
		assert_true(s != 0);
		assert_int_equal(
		    ask_push("2", "b", "lava_sync", "\"messageID\": \"s\""), 0);
		assert_string_equal(reply.data, "{\"response\": \"ack\", "
		                                "\"message\": \"s\"}");
		assert_int_equal(next_ready(), s);
		assert_string_equal(reply.data, "{\"response\": \"ack\", "
		                                "\"message\": \"s\"}");
	}
	/* A push sync and a polling one meet. */
	uint64_t s = ask_push("1", "a", "lava_sync", "\"messageID\": \"p\"");
	assert_string_equal(ask("2", "b", "lava_sync", "\"messageID\": \"p\""),
	                    WAIT);
	assert_int_equal(next_ready(), s);
	assert_string_equal(ask("2", "b", "lava_sync", "\"messageID\": \"p\""),
	                    "{\"response\": \"ack\", \"message\": \"p\"}");
	/* wait_all by role, answered when the role has sent. */
	w = ask_push("2", "b", "lava_wait_all",
	             "\"messageID\": \"r\", \"waitrole\": \"a\"");
	assert_true(w != 0);
	ask("2", "b", "lava_send", "\"messageID\": \"r\"");
	assert_int_equal(next_ready(), 0);
	ask("1", "a", "lava_send", "\"messageID\": \"r\"");
	assert_int_equal(next_ready(), w);
	assert_int_equal(coord_nparked(c), 0);
}

static void
test_push_drop(void **state)
{
	(void)state;
	ask("1", "a", "group_data", "\"group_size\": 3");
	ask("2", "b", "group_data", NULL);
	ask("3", "b", "group_data", NULL);
	uint64_t dead = ask_push("2", "b", "lava_sync", "\"messageID\": \"x\"");
	uint64_t w1 =
	    ask_push("1", "a", "lava_wait_all", "\"messageID\": \"never\"");
	uint64_t w3 = ask_push("3", "b", "lava_sync", "\"messageID\": \"x\"");
	assert_true(dead && w1 && w3);
	coord_cancel(c, dead, now);
	/* The wait_all can never complete: 2 will not send. */
	assert_int_equal(next_ready(), w1);
	assert_non_null(strstr(reply.data, "\"response\": \"nack\""));
	assert_non_null(strstr(reply.data, "InfrastructureError"));
	assert_non_null(strstr(reply.data, "node 2 (role b) lost its "
	                                   "connection"));
	assert_non_null(strstr(reply.data, "\"node\": \"2\""));
	/* The sync can: 2 had arrived; it waits for node 1. */
	assert_int_equal(next_ready(), 0);
	ask("1", "a", "lava_sync", "\"messageID\": \"x\"");
	assert_int_equal(next_ready(), w3);
	assert_string_equal(reply.data, "{\"response\": \"ack\", "
	                                "\"message\": \"x\"}");
	/* A node that left: waits it would satisfy end. */
	ask("3", "b", "clear_group", "\"group_size\": 3");
	assert_non_null(strstr(ask("1", "a", "lava_wait_all",
	                           "\"messageID\": \"q\", \"waitrole\": "
	                           "\"b\""),
	                       "node 2"));
	/* 2 speaks again: back, but 3 has left. */
	ask("2", "b", "lava_send", "\"messageID\": \"q\"");
	assert_non_null(strstr(ask("1", "a", "lava_wait_all",
	                           "\"messageID\": \"q\", \"waitrole\": "
	                           "\"b\""),
	                       "node 3 (role b) has left"));
	/* lava_wait: nobody left to send. */
	ask("2", "b", "clear_group", "\"group_size\": 3");
	assert_non_null(
	    strstr(ask("1", "a", "lava_wait", "\"messageID\": \"z\""), "nack"));
}

static void
test_push_cap(void **state)
{
	(void)state;
	ask("1", "a", "group_data", "\"group_size\": 2");
	/* Two parked requests a node on average; beyond, polling. */
	for (int i = 0; i < 4; i++)
		assert_true(ask_push("1", "a", "lava_wait",
		                     "\"messageID\": \"m\"") != 0);
	assert_int_equal(
	    ask_push("1", "a", "lava_wait", "\"messageID\": \"m\""), 0);
	assert_string_equal(reply.data, WAIT);
	/* Clearing the group ends the parked requests with nack. */
	ask("1", "a", "clear_group", "\"group_size\": 2");
	assert_int_equal(coord_ngroups(c), 0);
	for (int i = 0; i < 4; i++) {
		assert_true(next_ready() != 0);
		assert_string_equal(reply.data, NACK);
	}
}

static void
test_limits(void **state)
{
	(void)state;
	struct coord_limits lim;
	coord_limits_default(&lim);
	lim.max_groups = 2;
	lim.max_group_size = 4;
	lim.max_group_bytes = 2000;
	lim.max_ids = 3;
	lim.max_name = 8;
	lim.max_frame = 1000;
	coord_free(c);
	c = coord_new(&lim);
	assert_string_equal(ask("1", "a", "group_data", "\"group_size\": 5"),
	                    NACK);
	assert_string_equal(
	    ask("123456789", "a", "group_data", "\"group_size\": 2"), NACK);
	ask("1", "a", "group_data", "\"group_size\": 2");
	assert_string_equal(
	    ask("1", "a", "lava_send", "\"messageID\": \"123456789\""), NACK);
	assert_string_equal(ask("1", "a", "lava_send", "\"messageID\": \"a\""),
	                    ACK);
	assert_string_equal(ask("1", "a", "lava_sync", "\"messageID\": \"b\""),
	                    WAIT);
	assert_string_equal(ask("1", "a", "lava_send", "\"messageID\": \"c\""),
	                    ACK);
	/* A fourth messageID is refused, an old one still taken. */
	assert_string_equal(ask("1", "a", "lava_send", "\"messageID\": \"d\""),
	                    NACK);
	assert_string_equal(ask("1", "a", "lava_sync", "\"messageID\": \"e\""),
	                    NACK);
	assert_string_equal(ask("1", "a", "lava_send", "\"messageID\": \"a\""),
	                    ACK);
	/* The store: ~2000 bytes of messages. */
	struct buf big;
	buf_init(&big);
	buf_adds(&big, "\"messageID\": \"a\", \"message\": {\"k\": \"");
	for (int i = 0; i < 200; i++)
		buf_addc(&big, 'x');
	buf_adds(&big, "\"}");
	int acked = 0;
	for (int i = 0; i < 20; i++) {
		char client[4];
		snprintf(client, sizeof client, "%d", i % 2 + 1);
		acked +=
		    strcmp(ask(client, "a", "lava_send", big.data), ACK) == 0;
	}
	assert_int_equal(acked, 20); /* replaced in place: no growth */
	buf_reset(&big);
	buf_adds(&big, "\"messageID\": \"c\", \"message\": [");
	for (int i = 0; i < 120; i++)
		buf_adds(&big, i ? ",1" : "1");
	buf_adds(&big, "]");
	assert_string_equal(ask("1", "a", "lava_send", big.data), NACK);
	buf_free(&big);
	/* A frame over the limit. */
	char *huge = xcalloc(1, 1100);
	memset(huge, ' ', 1099);
	uint64_t w;
	coord_request(c, huge, 1099, now, &reply, &w);
	assert_memory_equal(reply.data, NACK, strlen(NACK));
	free(huge);
	/* Groups: two at most, but idle ones give way. */
	const char *g2 = "{\"client_name\": \"1\", \"group_name\": \"g2\", "
	                 "\"role\": \"a\", \"request\": \"group_data\", "
	                 "\"group_size\": 1}";
	const char *g3 = "{\"client_name\": \"1\", \"group_name\": \"g3\", "
	                 "\"role\": \"a\", \"request\": \"group_data\", "
	                 "\"group_size\": 1}";
	coord_request(c, g2, strlen(g2), now, &reply, &w);
	coord_request(c, g3, strlen(g3), now, &reply, &w);
	assert_memory_equal(reply.data, NACK, strlen(NACK));
	coord_request(c, g3, strlen(g3), now + lim.idle_ns + 1, &reply, &w);
	assert_memory_equal(reply.data, "{\"response\": \"group_data\"", 25);
	assert_int_equal(coord_ngroups(c), 1); /* g1 and g2 expired */
}

static void
test_expire(void **state)
{
	(void)state;
	struct coord_limits lim;
	coord_limits_default(&lim);
	ask("1", "a", "group_data", "\"group_size\": 2");
	assert_int_equal(coord_expire(c, now + lim.idle_ns), 0);
	/* A parked request keeps its group. */
	uint64_t w = ask_push("1", "a", "lava_wait", "\"messageID\": \"m\"");
	assert_int_equal(coord_expire(c, now + 2 * lim.idle_ns), 0);
	coord_cancel(c, w, now);
	assert_int_equal(coord_expire(c, now + lim.idle_ns + 1), 1);
	assert_int_equal(coord_ngroups(c), 0);
}

static void
test_bad(void **state)
{
	(void)state;
	static const char *bad[] = {
	    "",
	    "{",
	    "[]",
	    "\"request\"",
	    "{\"request\": \"group_data\"}",
	    "{\"request\": 1, \"client_name\": \"1\", " G "}",
	    "{\"request\": \"x\", \"client_name\": \"1\", " G "}",
	    "{\"request\": \"aggregate\", \"client_name\": \"1\", " G "}",
	    "{\"request\": \"group_data\", \"client_name\": \"\", " G "}",
	    "{\"request\": \"group_data\", \"client_name\": \"a\\u0000\", " G
	    "}",
	    "{\"request\": \"group_data\", \"client_name\": 3, " G "}",
	    "{\"request\": \"group_data\", \"client_name\": \"1\", " G
	    ", \"group_size\": 1.5}",
	    "{\"request\": \"group_data\", \"client_name\": \"1\", " G
	    ", \"group_size\": \"2\"}",
	    "{\"request\": \"lava_wait_all\", \"client_name\": \"1\", " G
	    ", \"group_size\": 2, \"role\": \"a\", \"messageID\": \"m\", "
	    "\"waitrole\": 7}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		uint64_t w;
		assert_int_equal(
		    coord_request(c, bad[i], strlen(bad[i]), now, &reply, &w),
		    COORD_REPLY);
		assert_int_equal(reply.len, strlen(NACK));
		assert_memory_equal(reply.data, NACK, reply.len);
	}
	assert_int_equal(coord_ngroups(c), 0);
}

static void
test_frame(void **state)
{
	(void)state;
	size_t n = 0;
	assert_int_equal(coord_frame_parse("0000", 4, 100, &n), 0);
	assert_int_equal(coord_frame_parse("00000002{", 9, 100, &n), 0);
	assert_int_equal(coord_frame_parse("00000002{}", 10, 100, &n), 1);
	assert_int_equal(n, 2);
	assert_int_equal(coord_frame_parse("0000000a0123456789xx", 20, 100, &n),
	                 1);
	assert_int_equal(n, 10);
	assert_int_equal(coord_frame_parse("0000000g", 8, 100, &n), -1);
	assert_int_equal(coord_frame_parse(" 0000002{}", 10, 100, &n), -1);
	assert_int_equal(coord_frame_parse("00000065", 8, 100, &n), -2);
	assert_int_equal(coord_frame_parse("FFFFFFFF", 8, 100, &n), -2);
	struct buf b;
	buf_init(&b);
	coord_frame_write(&b, "{\"response\": \"ack\"}", 19);
	assert_string_equal(b.data, "00000013{\"response\": \"ack\"}");
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_group_data, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_send_wait, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_wait_all, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sync, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sync_reuse, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_clear_group, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_push, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_push_drop, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_push_cap, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_expire, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad, setup, teardown),
	    cmocka_unit_test(test_frame),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
