/* net.c: a TCP listener for tether's servers (net.h). */
#include "net.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

bool
net_split(const char *addr, const char *default_port, char *host,
          size_t hostlen, char *port, size_t portlen)
{
	const char *h = addr, *p = NULL;
	size_t hl;
	if (*addr && strspn(addr, "0123456789") == strlen(addr)) {
		hl = 0; /* a port alone */
		p = addr;
	} else if (addr[0] == '[') {
		const char *end = strchr(addr, ']');
		if (end == NULL || (end[1] != '\0' && end[1] != ':'))
			return false;
		h = addr + 1;
		hl = (size_t)(end - h);
		if (end[1] == ':')
			p = end + 2;
	} else {
		const char *colon = strchr(addr, ':');
		if (colon && strchr(colon + 1, ':') == NULL) {
			hl = (size_t)(colon - addr);
			p = colon + 1;
		} else {
			hl = strlen(addr);
		}
	}
	if (hl >= hostlen)
		return false;
	memcpy(host, h, hl);
	host[hl] = '\0';
	if (p == NULL)
		p = default_port;
	size_t pl = strlen(p);
	if (pl == 0 || pl > 5 || pl >= portlen ||
	    strspn(p, "0123456789") != pl || atoi(p) > 65535)
		return false;
	memcpy(port, p, pl + 1);
	return true;
}

int
net_listen(const char *addr, const char *any_host, const char *default_port,
           bool numeric, char *bound, size_t boundlen, char *err, size_t errlen)
{
	char host[256], port[8];
	if (!net_split(addr, default_port, host, sizeof host, port,
	               sizeof port)) {
		snprintf(err, errlen, "cannot listen on %s: invalid address",
		         addr);
		return -1;
	}
	struct addrinfo hints = {0}, *res, *ai;
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags =
	    AI_PASSIVE | AI_NUMERICSERV | (numeric ? AI_NUMERICHOST : 0);
	int rc = getaddrinfo(host[0] ? host : any_host, port, &hints, &res);
	if (rc != 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", addr,
		         gai_strerror(rc));
		return -1;
	}
	int fd = -1, saved = 0;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family,
		            ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		            ai->ai_protocol);
		if (fd < 0) {
			saved = errno;
			continue;
		}
		int one = 1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, SOMAXCONN) == 0)
			break;
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", addr,
		         strerror(saved));
		return -1;
	}
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	char nhost[INET6_ADDRSTRLEN], nport[8];
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0 ||
	    getnameinfo((struct sockaddr *)&ss, sl, nhost, sizeof nhost, nport,
	                sizeof nport, NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", addr,
		         strerror(errno));
		close(fd);
		return -1;
	}
	snprintf(bound, boundlen,
	         ss.ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s", nhost, nport);
	return fd;
}
