/* telnet.h: an incremental telnet (RFC 854) protocol parser and encoder.
 *
 * Used by both ends of a telnet link: tether-sim's ser2net-like UART
 * ports and tether's in-process telnet client.  Bytes are fed in any
 * chunking; data bytes come out in one buffer and the bytes to send back
 * (option negotiation answers) in another.  Option negotiation follows
 * RFC 1143's Q method without the queue bits, so two peers never loop;
 * subnegotiations are skipped whole. */
#ifndef TETHER_TELNET_H
#define TETHER_TELNET_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

#define TELNET_SE 240
#define TELNET_NOP 241
#define TELNET_DM 242
#define TELNET_BRK 243
#define TELNET_IP 244
#define TELNET_AO 245
#define TELNET_AYT 246
#define TELNET_EC 247
#define TELNET_EL 248
#define TELNET_GA 249
#define TELNET_SB 250
#define TELNET_WILL 251
#define TELNET_WONT 252
#define TELNET_DO 253
#define TELNET_DONT 254
#define TELNET_IAC 255

#define TELOPT_BINARY 0
#define TELOPT_ECHO 1
#define TELOPT_SGA 3
#define TELOPT_TTYPE 24
#define TELOPT_NAWS 31
#define TELOPT_LINEMODE 34

struct telnet {
	unsigned char state;    /* where in a command the parser is */
	unsigned char verb;     /* WILL/WONT/DO/DONT waiting for its option */
	unsigned char us[256];  /* Q method state of our side, per option */
	unsigned char him[256]; /* and of the peer's side */
	unsigned char allow_us[32];  /* options we agree to enable */
	unsigned char allow_him[32]; /* options we let the peer enable */
	unsigned long commands;      /* commands seen, for tests and logs */
	int last_command;            /* the last one (e.g. TELNET_BRK), or -1 */
};

void telnet_init(struct telnet *t);
/* Agree to a DO for our side / a WILL from the peer when asked. */
void telnet_allow_local(struct telnet *t, int opt);
void telnet_allow_remote(struct telnet *t, int opt);
/* Ask to enable an option: WILL for our side, DO for the peer's.  Also
 * allows it.  Nothing is sent when already enabled or asked. */
void telnet_offer_local(struct telnet *t, int opt, struct buf *reply);
void telnet_request_remote(struct telnet *t, int opt, struct buf *reply);
bool telnet_local_enabled(const struct telnet *t, int opt);
bool telnet_remote_enabled(const struct telnet *t, int opt);

/* Parses LEN bytes: data bytes are appended to DATA (IAC IAC becomes one
 * 255; a CR NUL pair becomes CR unless the peer sends binary), answers to
 * REPLY.  Never fails: malformed sequences are dropped. */
void telnet_feed(struct telnet *t, const void *in, size_t len, struct buf *data,
                 struct buf *reply);

/* Appends LEN data bytes to OUT, each 255 doubled. */
void telnet_escape(const void *data, size_t len, struct buf *out);

#endif
