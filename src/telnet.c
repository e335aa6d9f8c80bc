/* telnet.c: incremental telnet parser, option negotiation by the Q method
 * of RFC 1143 (without its queue bits, which only matter to a side that
 * changes its mind while a request is in flight). */
#include "telnet.h"

#include <string.h>

enum {
	TS_DATA,
	TS_CR,     /* after a CR in data: a NUL may follow */
	TS_IAC,    /* after IAC */
	TS_VERB,   /* after IAC WILL/WONT/DO/DONT, waiting for the option */
	TS_SB,     /* inside a subnegotiation */
	TS_SB_IAC, /* IAC inside a subnegotiation */
};

enum { Q_NO, Q_YES, Q_WANTNO, Q_WANTYES };

void
telnet_init(struct telnet *t)
{
	memset(t, 0, sizeof(*t));
	t->last_command = -1;
}

static bool
bit_get(const unsigned char *set, int opt)
{
	return set[(opt & 255) >> 3] & (1u << (opt & 7));
}

static void
bit_set(unsigned char *set, int opt)
{
	set[(opt & 255) >> 3] |= (unsigned char)(1u << (opt & 7));
}

void
telnet_allow_local(struct telnet *t, int opt)
{
	bit_set(t->allow_us, opt);
}

void
telnet_allow_remote(struct telnet *t, int opt)
{
	bit_set(t->allow_him, opt);
}

static void
send_cmd(struct buf *reply, int verb, int opt)
{
	unsigned char c[3] = {TELNET_IAC, (unsigned char)verb,
	                      (unsigned char)opt};
	buf_add(reply, c, 3);
}

void
telnet_offer_local(struct telnet *t, int opt, struct buf *reply)
{
	opt &= 255;
	telnet_allow_local(t, opt);
	if (t->us[opt] == Q_NO) {
		t->us[opt] = Q_WANTYES;
		send_cmd(reply, TELNET_WILL, opt);
	}
}

void
telnet_request_remote(struct telnet *t, int opt, struct buf *reply)
{
	opt &= 255;
	telnet_allow_remote(t, opt);
	if (t->him[opt] == Q_NO) {
		t->him[opt] = Q_WANTYES;
		send_cmd(reply, TELNET_DO, opt);
	}
}

bool
telnet_local_enabled(const struct telnet *t, int opt)
{
	return t->us[opt & 255] == Q_YES;
}

bool
telnet_remote_enabled(const struct telnet *t, int opt)
{
	return t->him[opt & 255] == Q_YES;
}

/* The peer asks (yes) or tells (no) about one side of an option: Q
 * STATE of that side, ALLOWED whether we agree to enable it, and the
 * verbs that say yes and no from our end. */
static void
negotiate(unsigned char *state, bool allowed, bool yes, int opt, int say_yes,
          int say_no, struct buf *reply)
{
	switch (*state) {
	case Q_NO:
		if (!yes)
			break; /* already off: acknowledging would loop */
		if (allowed) {
			*state = Q_YES;
			send_cmd(reply, say_yes, opt);
		} else {
			send_cmd(reply, say_no, opt);
		}
		break;
	case Q_YES:
		if (!yes) {
			*state = Q_NO;
			send_cmd(reply, say_no, opt);
		}
		break;
	case Q_WANTNO:
		/* Either answer ends our request; a yes here is the peer's
		 * error, and off is the safe reading of it. */
		*state = Q_NO;
		break;
	case Q_WANTYES:
		*state = yes ? Q_YES : Q_NO;
		break;
	}
}

static void
handle_verb(struct telnet *t, int verb, int opt, struct buf *reply)
{
	switch (verb) {
	case TELNET_WILL:
	case TELNET_WONT:
		negotiate(&t->him[opt], bit_get(t->allow_him, opt),
		          verb == TELNET_WILL, opt, TELNET_DO, TELNET_DONT,
		          reply);
		break;
	case TELNET_DO:
	case TELNET_DONT:
		negotiate(&t->us[opt], bit_get(t->allow_us, opt),
		          verb == TELNET_DO, opt, TELNET_WILL, TELNET_WONT,
		          reply);
		break;
	}
}

void
telnet_feed(struct telnet *t, const void *in, size_t len, struct buf *data,
            struct buf *reply)
{
	if (len == 0)
		return; /* IN may be NULL then */
	const unsigned char *p = in;
	const unsigned char *end = p + len;

	while (p < end) {
		unsigned char c = *p;

		switch (t->state) {
		case TS_CR:
			t->state = TS_DATA;
			if (c == '\0' && t->him[TELOPT_BINARY] != Q_YES) {
				p++;
				continue;
			}
			/* FALLTHROUGH */
		case TS_DATA: {
			/* Copy a run of plain data at once. */
			const unsigned char *q = p;
			while (q < end && *q != TELNET_IAC && *q != '\r')
				q++;
			if (q > p)
				buf_add(data, p, (size_t)(q - p));
			p = q;
			if (p == end)
				continue;
			if (*p == '\r') {
				buf_addc(data, '\r');
				t->state = TS_CR;
			} else {
				t->state = TS_IAC;
			}
			p++;
			continue;
		}
		case TS_IAC:
			t->state = TS_DATA;
			if (c == TELNET_IAC) {
				buf_addc(data, (char)TELNET_IAC);
				break;
			}
			t->commands++;
			t->last_command = c;
			if (c >= TELNET_WILL)
				t->state = TS_VERB, t->verb = c;
			else if (c == TELNET_SB)
				t->state = TS_SB;
			/* NOP, DM, BRK, IP, AO, AYT, EC, EL, GA, a stray SE
			 * and bytes below 240 carry nothing we act on. */
			break;
		case TS_VERB:
			t->state = TS_DATA;
			handle_verb(t, t->verb, c, reply);
			break;
		case TS_SB:
			if (c == TELNET_IAC)
				t->state = TS_SB_IAC;
			break;
		case TS_SB_IAC:
			if (c == TELNET_IAC) {
				t->state = TS_SB; /* an escaped 255 */
			} else if (c == TELNET_SE) {
				t->state = TS_DATA;
			} else {
				/* An unterminated subnegotiation: RFC 855
				 * has the command win. */
				t->state = TS_IAC;
				continue;
			}
			break;
		}
		p++;
	}
}

void
telnet_escape(const void *data, size_t len, struct buf *out)
{
	const unsigned char *p = data;
	const unsigned char *end = p + len;

	while (p < end) {
		const unsigned char *q =
		    memchr(p, TELNET_IAC, (size_t)(end - p));
		if (q == NULL) {
			buf_add(out, p, (size_t)(end - p));
			break;
		}
		buf_add(out, p, (size_t)(q - p) + 1);
		buf_addc(out, (char)TELNET_IAC);
		p = q + 1;
	}
}
