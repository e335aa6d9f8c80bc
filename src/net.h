/* net.h: a TCP listener for tether's servers (the overlay's HTTP server
 * inside a job, the MultiNode coordinator): one way to read an address
 * and to bind it. */
#ifndef TETHER_NET_H
#define TETHER_NET_H

#include <stdbool.h>
#include <stddef.h>

/* Splits ADDR: "host:port", "[v6]:port", "host", "[v6]", a bare IPv6
 * address, ":port" or "port" (digits only).  HOST gets "" when ADDR
 * names none, PORT gets DEFAULT_PORT when it names none.  False for a
 * malformed address or a port past 65535. */
bool net_split(const char *addr, const char *default_port, char *host,
               size_t hostlen, char *port, size_t portlen);

/* Listens on ADDR (net_split's forms; no host: ANY_HOST, or every
 * address when NULL; no port: DEFAULT_PORT), non-blocking and
 * close-on-exec, SO_REUSEADDR (a restart need not wait out TIME_WAIT).
 * NUMERIC: numbers only, no name lookup (a lookup blocks).  Returns the
 * descriptor and, in BOUND, the address and port bound ("127.0.0.1:43123",
 * "[::1]:43123"); -1 with ERR ("cannot listen on ADDR: reason"). */
int net_listen(const char *addr, const char *any_host, const char *default_port,
               bool numeric, char *bound, size_t boundlen, char *err,
               size_t errlen);

#endif
