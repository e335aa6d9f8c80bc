/* coordinator.c: the MultiNode coordinator's state and answers, as LAVA's
 * lava-coordinator gives them to polling dispatchers, with three fixes
 * (a reused lava-sync id works round after round, lava-wait-all of an id
 * nobody sent yet waits, a node that is gone ends the waits it would
 * have satisfied) and push answers for clients that ask. */
#include "coordinator.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "json.h"

struct node {
	char *name;
	size_t role;  /* index into the group's roles */
	bool cleared; /* sent clear_group */
	bool lost;    /* its push connection dropped while it waited */
};

/* What lava-send stored under one messageID: sender -> message, in the
 * order the senders first sent it (the order LAVA's answers list). */
struct sent {
	char *id;
	struct json *data;
	size_t cost;
};

/* One lava-sync messageID: per node, how many rounds it entered and
 * how many releases it collected.  Round R is complete when group_size
 * nodes have entered it; a node is in a round while entered > collected,
 * so the same id starts a new round once a node has its release. */
struct sync_node {
	uint32_t entered, collected;
};

struct sync {
	char *id;
	struct sync_node *per; /* by node index */
	size_t nper;
};

enum req_kind {
	REQ_GROUP_DATA,
	REQ_SEND,
	REQ_WAIT,
	REQ_WAIT_ALL,
	REQ_SYNC,
	REQ_CLEAR,
	REQ_COMPLETE,
	REQ_OTHER,
};

struct waiter {
	uint64_t id;
	size_t node;
	enum req_kind kind;
	uint32_t round; /* lava_sync: the round it waits for */
	struct json *req;
};

struct group {
	char *name;
	size_t size;
	struct node *nodes;
	size_t nnodes;
	char **roles;
	size_t nroles;
	struct sent *sent;
	size_t nsent;
	struct sync *syncs;
	size_t nsyncs;
	size_t bytes;
	uint64_t last;
	struct waiter *waiters;
	size_t nwaiters;
};

struct ready {
	uint64_t id;
	char *text;
	size_t len;
};

struct coord {
	struct coord_limits lim;
	struct group **groups;
	size_t ngroups;
	struct ready *ready;
	size_t nready, ready_head;
	uint64_t next_waiter;
	coord_log_fn log;
	void *log_arg;
};

void
coord_limits_default(struct coord_limits *lim)
{
	lim->max_frame = 1 << 20;
	lim->max_groups = 1024;
	lim->max_group_size = 256;
	lim->max_group_bytes = 4 << 20;
	lim->max_ids = 4096;
	lim->max_name = 256;
	lim->idle_ns = 24ULL * 3600 * 1000000000ULL;
}

struct coord *
coord_new(const struct coord_limits *lim)
{
	struct coord *c = xcalloc(1, sizeof *c);
	if (lim)
		c->lim = *lim;
	else
		coord_limits_default(&c->lim);
	c->next_waiter = 1;
	return c;
}

void
coord_set_log(struct coord *c, coord_log_fn fn, void *arg)
{
	c->log = fn;
	c->log_arg = arg;
}

static void coord_log(struct coord *c, const char *level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
coord_log(struct coord *c, const char *level, const char *fmt, ...)
{
	if (c->log == NULL)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	c->log(c->log_arg, level, msg);
	free(msg);
}

static void
group_free(struct group *g)
{
	for (size_t i = 0; i < g->nnodes; i++)
		free(g->nodes[i].name);
	free(g->nodes);
	for (size_t i = 0; i < g->nroles; i++)
		free(g->roles[i]);
	free(g->roles);
	for (size_t i = 0; i < g->nsent; i++) {
		free(g->sent[i].id);
		json_free(g->sent[i].data);
	}
	free(g->sent);
	for (size_t i = 0; i < g->nsyncs; i++) {
		free(g->syncs[i].id);
		free(g->syncs[i].per);
	}
	free(g->syncs);
	for (size_t i = 0; i < g->nwaiters; i++)
		json_free(g->waiters[i].req);
	free(g->waiters);
	free(g->name);
	free(g);
}

void
coord_free(struct coord *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->ngroups; i++)
		group_free(c->groups[i]);
	free(c->groups);
	for (size_t i = c->ready_head; i < c->nready; i++)
		free(c->ready[i].text);
	free(c->ready);
	free(c);
}

size_t
coord_frame_limit(const struct coord *c)
{
	return c->lim.max_frame;
}

size_t
coord_ngroups(const struct coord *c)
{
	return c->ngroups;
}

size_t
coord_nparked(const struct coord *c)
{
	size_t n = 0;
	for (size_t i = 0; i < c->ngroups; i++)
		n += c->groups[i]->nwaiters;
	return n;
}

/* ---- answers ---- */

static void
reply_simple(struct buf *reply, const char *response)
{
	buf_reset(reply);
	buf_printf(reply, "{\"response\": \"%s\"}", response);
}

static void
reply_message(struct buf *reply, const struct json *message)
{
	buf_reset(reply);
	buf_adds(reply, "{\"response\": \"ack\", \"message\": ");
	json_write(reply, message);
	buf_addc(reply, '}');
}

/* The nack that ends a wait a gone node can no longer satisfy: LAVA's
 * nack, with tether's error class and a message naming the node. */
static void
reply_gone(struct buf *reply, const struct group *g, const struct node *n,
           const char *what, const char *id)
{
	struct buf msg;
	buf_init(&msg);
	buf_printf(&msg,
	           "MultiNode node %s (role %s) %s the group: %s '%s' "
	           "cannot complete",
	           n->name, g->roles[n->role],
	           n->cleared ? "has left" : "lost its connection to", what,
	           id);
	buf_reset(reply);
	buf_adds(reply, "{\"response\": \"nack\", \"error_type\": "
	                "\"InfrastructureError\", \"error_msg\": ");
	json_write_string(reply, msg.data, msg.len);
	buf_adds(reply, ", \"node\": ");
	json_write_string(reply, n->name, strlen(n->name));
	buf_addc(reply, '}');
	buf_free(&msg);
}

static void
coord_push_ready(struct coord *c, uint64_t id, struct buf *reply)
{
	if (c->ready_head == c->nready) {
		c->ready_head = c->nready = 0;
	}
	c->ready = xreallocarray(c->ready, c->nready + 1, sizeof *c->ready);
	c->ready[c->nready++] =
	    (struct ready){id, xstrndup(reply->data, reply->len), reply->len};
}

bool
coord_next_ready(struct coord *c, uint64_t *waiter, struct buf *reply)
{
	if (c->ready_head == c->nready)
		return false;
	struct ready *r = &c->ready[c->ready_head++];
	*waiter = r->id;
	buf_reset(reply);
	buf_add(reply, r->text, r->len);
	free(r->text);
	if (c->ready_head == c->nready)
		c->ready_head = c->nready = 0;
	return true;
}

/* ---- lookups ---- */

/* A name field: a string of 1..max_name bytes without NUL (0 bytes
 * allowed when EMPTY_OK); NULL otherwise. */
static const char *
req_name(const struct coord *c, const struct json *req, const char *key,
         bool empty_ok)
{
	const struct json *v = json_get(req, key);
	if (v == NULL || v->type != JSON_STRING || v->len > c->lim.max_name ||
	    (v->len == 0 && !empty_ok) || memchr(v->s, '\0', v->len))
		return NULL;
	return v->s;
}

static struct group *
coord_find_group(struct coord *c, const char *name, size_t *index)
{
	for (size_t i = 0; i < c->ngroups; i++)
		if (strcmp(c->groups[i]->name, name) == 0) {
			if (index)
				*index = i;
			return c->groups[i];
		}
	return NULL;
}

static ssize_t
group_find_node(const struct group *g, const char *name)
{
	for (size_t i = 0; i < g->nnodes; i++)
		if (strcmp(g->nodes[i].name, name) == 0)
			return (ssize_t)i;
	return -1;
}

static ssize_t
group_find_role(const struct group *g, const char *name)
{
	for (size_t i = 0; i < g->nroles; i++)
		if (strcmp(g->roles[i], name) == 0)
			return (ssize_t)i;
	return -1;
}

static struct sent *
group_find_sent(const struct group *g, const char *id)
{
	for (size_t i = 0; i < g->nsent; i++)
		if (strcmp(g->sent[i].id, id) == 0)
			return &g->sent[i];
	return NULL;
}

static struct sync *
group_find_sync(const struct group *g, const char *id)
{
	for (size_t i = 0; i < g->nsyncs; i++)
		if (strcmp(g->syncs[i].id, id) == 0)
			return &g->syncs[i];
	return NULL;
}

static bool
node_gone(const struct node *n)
{
	return n->cleared || n->lost;
}

static bool
sent_by(const struct sent *s, const char *node)
{
	return s && json_get(s->data, node) != NULL;
}

/* The group positive integer size a request announces; 0 if none. */
static size_t
req_group_size(const struct json *req)
{
	const struct json *v = json_get(req, "group_size");
	if (v == NULL || v->type != JSON_NUMBER || v->len > 9 || v->s[0] == '-')
		return 0;
	for (size_t i = 0; i < v->len; i++)
		if (v->s[i] < '0' || v->s[i] > '9')
			return 0;
	return (size_t)strtoul(v->s, NULL, 10);
}

static enum req_kind
req_kind_of(const char *request)
{
	static const struct {
		const char *name;
		enum req_kind kind;
	} names[] = {
	    {"group_data", REQ_GROUP_DATA}, {"lava_send", REQ_SEND},
	    {"lava_wait", REQ_WAIT},        {"lava_wait_all", REQ_WAIT_ALL},
	    {"lava_sync", REQ_SYNC},        {"clear_group", REQ_CLEAR},
	    {"complete", REQ_COMPLETE},
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(names[i].name, request) == 0)
			return names[i].kind;
	return REQ_OTHER;
}

/* ---- the waits: each answers (true) or says to wait (false) ---- */

static bool
eval_group_data(const struct group *g, struct buf *reply)
{
	if (g->nnodes < g->size)
		return false;
	/* LAVA lists the roles in the order they were first seen, and each
	 * role's nodes in the order they registered. */
	buf_reset(reply);
	buf_adds(reply, "{\"response\": \"group_data\", \"roles\": {");
	bool first = true;
	for (size_t r = 0; r < g->nroles; r++)
		for (size_t i = 0; i < g->nnodes; i++) {
			if (g->nodes[i].role != r)
				continue;
			if (!first)
				buf_adds(reply, ", ");
			first = false;
			json_write_string(reply, g->nodes[i].name,
			                  strlen(g->nodes[i].name));
			buf_adds(reply, ": ");
			json_write_string(reply, g->roles[r],
			                  strlen(g->roles[r]));
		}
	buf_adds(reply, "}}");
	return true;
}

static bool
eval_wait(const struct group *g, size_t self, const char *id, struct buf *reply)
{
	const struct sent *s = group_find_sent(g, id);
	if (s) {
		reply_message(reply, s->data);
		return true;
	}
	/* Nobody left to send it: every other node is gone. */
	if (g->nnodes < g->size)
		return false;
	const struct node *last = NULL;
	for (size_t i = 0; i < g->nnodes; i++) {
		if (i == self)
			continue;
		if (!node_gone(&g->nodes[i]))
			return false;
		last = &g->nodes[i];
	}
	if (last == NULL)
		return false; /* a group of one waits for itself */
	reply_gone(reply, g, last, "lava_wait", id);
	return true;
}

/* lava_wait_all, with ROLE (-1 for every node): answers once every node
 * (of ROLE) has sent ID, with everything sent under ID. */
static bool
eval_wait_all(const struct group *g, ssize_t role, const char *id,
              struct buf *reply)
{
	const struct sent *s = group_find_sent(g, id);
	bool all = g->nnodes == g->size;
	for (size_t i = 0; i < g->nnodes; i++) {
		const struct node *n = &g->nodes[i];
		if ((role >= 0 && n->role != (size_t)role) ||
		    sent_by(s, n->name))
			continue;
		all = false;
		if (node_gone(n)) {
			reply_gone(reply, g, n, "lava_wait_all", id);
			return true;
		}
	}
	if (!all)
		return false;
	reply_message(reply, s->data);
	return true;
}

static size_t
sync_entered(const struct group *g, const struct sync *s, uint32_t round)
{
	size_t n = 0;
	for (size_t i = 0; i < s->nper && i < g->nnodes; i++)
		if (s->per[i].entered >= round)
			n++;
	return n;
}

/* A sync round's release: the request's message, or its messageID when
 * that is empty (LAVA's answer). */
static bool
eval_sync(const struct group *g, struct sync *s, size_t self, uint32_t round,
          const struct json *req, struct buf *reply)
{
	struct sync_node *sn = &s->per[self];
	if (sn->collected >= round || sync_entered(g, s, round) >= g->size) {
		if (sn->collected < round)
			sn->collected = round;
		const struct json *m = json_get(req, "message");
		if (m && json_truthy(m)) {
			reply_message(reply, m);
		} else {
			struct json *idj =
			    json_new_string(s->id, strlen(s->id));
			reply_message(reply, idj);
			json_free(idj);
		}
		return true;
	}
	for (size_t i = 0; i < g->nnodes; i++) {
		const struct node *n = &g->nodes[i];
		bool in = i < s->nper && s->per[i].entered >= round;
		if (!in && node_gone(n)) {
			reply_gone(reply, g, n, "lava_sync", s->id);
			return true;
		}
	}
	return false;
}

static void
sync_grow(struct sync *s, size_t nnodes)
{
	if (s->nper >= nnodes)
		return;
	s->per = xreallocarray(s->per, nnodes, sizeof *s->per);
	memset(s->per + s->nper, 0, (nnodes - s->nper) * sizeof *s->per);
	s->nper = nnodes;
}

/* Evaluates a waiting request again (a parked one, after the group
 * changed). */
static bool
eval_waiter(const struct group *g, struct waiter *w, struct buf *reply)
{
	const char *id = NULL;
	const struct json *v = json_get(w->req, "messageID");
	if (v && v->type == JSON_STRING)
		id = v->s;
	switch (w->kind) {
	case REQ_GROUP_DATA:
		return eval_group_data(g, reply);
	case REQ_WAIT:
		return eval_wait(g, w->node, id, reply);
	case REQ_WAIT_ALL: {
		const struct json *r = json_get(w->req, "waitrole");
		ssize_t role = -1;
		if (r) {
			role = group_find_role(g, r->s);
			if (role < 0)
				return false; /* not registered yet */
		}
		return eval_wait_all(g, role, id, reply);
	}
	case REQ_SYNC: {
		struct sync *s = group_find_sync(g, id);
		sync_grow(s, g->nnodes);
		return eval_sync(g, s, w->node, w->round, w->req, reply);
	}
	default:
		return false;
	}
}

/* After anything that can end a wait: answers the parked requests that
 * can be answered now. */
static void
group_recheck(struct coord *c, struct group *g)
{
	struct buf reply;
	buf_init(&reply);
	for (size_t i = 0; i < g->nwaiters;) {
		struct waiter *w = &g->waiters[i];
		if (!eval_waiter(g, w, &reply)) {
			i++;
			continue;
		}
		coord_push_ready(c, w->id, &reply);
		json_free(w->req);
		g->waiters[i] = g->waiters[--g->nwaiters];
	}
	buf_free(&reply);
}

static void
coord_remove_group(struct coord *c, size_t index, const char *why)
{
	struct group *g = c->groups[index];
	struct buf reply;
	buf_init(&reply);
	reply_simple(&reply, "nack");
	for (size_t i = 0; i < g->nwaiters; i++)
		coord_push_ready(c, g->waiters[i].id, &reply);
	buf_free(&reply);
	coord_log(c, "INFO", "group %s %s", g->name, why);
	group_free(g);
	c->groups[index] = c->groups[--c->ngroups];
}

/* ---- requests ---- */

/* Registers the requester in its group as LAVA does before every
 * request: a new group needs group_size, a new node a role.  NULL (with
 * the reason logged) when the request cannot be taken. */
static struct group *
coord_register(struct coord *c, const struct json *req, const char *group,
               const char *client, size_t *node, bool *added, uint64_t now)
{
	*added = false;
	struct group *g = coord_find_group(c, group, NULL);
	if (g == NULL) {
		size_t size = req_group_size(req);
		if (size == 0 || size > c->lim.max_group_size) {
			coord_log(c, "WARNING",
			          "%s asked for unknown group %s without a "
			          "usable group_size (1..%zu)",
			          client, group, c->lim.max_group_size);
			return NULL;
		}
		if (c->ngroups >= c->lim.max_groups) {
			coord_expire(c, now);
			if (c->ngroups >= c->lim.max_groups) {
				coord_log(c, "WARNING",
				          "refusing group %s: %zu groups "
				          "already",
				          group, c->ngroups);
				return NULL;
			}
		}
		g = xcalloc(1, sizeof *g);
		g->name = xstrdup(group);
		g->size = size;
		c->groups =
		    xreallocarray(c->groups, c->ngroups + 1, sizeof *c->groups);
		c->groups[c->ngroups++] = g;
		coord_log(c, "INFO", "The %s group will contain %zu nodes.",
		          group, size);
	}
	ssize_t i = group_find_node(g, client);
	if (i < 0) {
		const char *role = req_name(c, req, "role", true);
		if (role == NULL) {
			coord_log(c, "WARNING", "%s in group %s: no role",
			          client, group);
			return NULL;
		}
		if (g->nnodes >= g->size) {
			coord_log(c, "WARNING",
			          "%s refused: group %s already has its %zu "
			          "nodes",
			          client, group, g->size);
			return NULL;
		}
		ssize_t r = group_find_role(g, role);
		if (r < 0) {
			g->roles = xreallocarray(g->roles, g->nroles + 1,
			                         sizeof *g->roles);
			g->roles[g->nroles] = xstrdup(role);
			r = (ssize_t)g->nroles++;
		}
		g->nodes =
		    xreallocarray(g->nodes, g->nnodes + 1, sizeof *g->nodes);
		g->nodes[g->nnodes] =
		    (struct node){xstrdup(client), (size_t)r, false, false};
		i = (ssize_t)g->nnodes++;
		*added = true;
		coord_log(c, "INFO", "%s (%s) joined group %s: %zu of %zu",
		          client, role, group, g->nnodes, g->size);
	}
	*node = (size_t)i;
	g->last = now;
	return g;
}

static bool
coord_store_send(struct coord *c, struct group *g, const char *sender,
                 const char *id, const struct json *req)
{
	const struct json *m = json_get(req, "message");
	struct json *msg =
	    m && m->type != JSON_NULL ? json_copy(m) : json_new(JSON_OBJECT);
	size_t cost = json_cost(msg) + strlen(sender);
	struct sent *s = group_find_sent(g, id);
	size_t old = 0;
	if (s) {
		const struct json *prev = json_get(s->data, sender);
		if (prev)
			old = json_cost(prev) + strlen(sender);
	} else {
		cost += strlen(id) + sizeof *s;
	}
	if (g->bytes - old + cost > c->lim.max_group_bytes ||
	    (s == NULL && g->nsent + g->nsyncs >= c->lim.max_ids)) {
		coord_log(c, "WARNING",
		          "group %s: lava_send '%s' from %s refused: the "
		          "group's store is full",
		          g->name, id, sender);
		json_free(msg);
		return false;
	}
	if (s == NULL) {
		g->sent = xreallocarray(g->sent, g->nsent + 1, sizeof *g->sent);
		s = &g->sent[g->nsent++];
		*s = (struct sent){xstrdup(id), json_new(JSON_OBJECT), 0};
	}
	json_set(s->data, sender, strlen(sender), msg);
	g->bytes = g->bytes - old + cost;
	return true;
}

enum coord_status
coord_request(struct coord *c, const char *text, size_t len, uint64_t now,
              struct buf *reply, uint64_t *waiter)
{
	struct json *req = NULL;
	char err[96];
	enum coord_status st = COORD_REPLY;
	*waiter = 0;
	reply_simple(reply, "nack");
	if (len > c->lim.max_frame) {
		coord_log(c, "WARNING", "request of %zu bytes refused", len);
		return COORD_REPLY;
	}
	if (json_parse(text, len, &req, err, sizeof err) < 0) {
		coord_log(c, "WARNING", "bad JSON: %s", err);
		return COORD_REPLY;
	}
	const struct json *rq = json_get(req, "request");
	const char *group = req_name(c, req, "group_name", false);
	const char *client = req_name(c, req, "client_name", false);
	if (rq == NULL || rq->type != JSON_STRING || group == NULL ||
	    client == NULL) {
		coord_log(c, "WARNING",
		          "request without request, group_name "
		          "or client_name");
		goto out;
	}
	enum req_kind kind = req_kind_of(rq->s);
	if (kind == REQ_OTHER) {
		coord_log(c, "WARNING", "unknown request '%.64s' from %s",
		          rq->s, client);
		goto out;
	}
	const char *id = NULL;
	if (kind == REQ_SEND || kind == REQ_WAIT || kind == REQ_WAIT_ALL ||
	    kind == REQ_SYNC) {
		id = req_name(c, req, "messageID", true);
		if (id == NULL) {
			coord_log(c, "WARNING", "%s from %s without messageID",
			          rq->s, client);
			goto out;
		}
	}
	const char *waitrole = NULL;
	if (kind == REQ_WAIT_ALL && json_get(req, "waitrole")) {
		waitrole = req_name(c, req, "waitrole", true);
		if (waitrole == NULL)
			goto out;
	}
	size_t gi = 0;
	struct group *g = coord_find_group(c, group, &gi);
	if (g == NULL && kind == REQ_CLEAR) {
		/* Already cleared (LAVA re-creates and deletes it). */
		if (req_group_size(req) > 0)
			reply_simple(reply, "ack");
		goto out;
	}
	size_t self;
	bool added;
	g = coord_register(c, req, group, client, &self, &added, now);
	if (g == NULL)
		goto out;
	coord_find_group(c, group, &gi);
	/* A new node may complete the group (parked group_data) or a role
	 * parked lava_wait_all requests wait for. */
	if (added)
		group_recheck(c, g);
	struct node *me = &g->nodes[self];
	/* A node that was gone and speaks again is back (waits that gave up
	 * on it have ended already). */
	if (kind != REQ_CLEAR) {
		me->cleared = false;
		me->lost = false;
	}
	bool push =
	    json_get(req, "push") && json_get(req, "push")->type == JSON_TRUE;
	bool answered = true;
	uint32_t round = 0;

	switch (kind) {
	case REQ_GROUP_DATA:
		answered = eval_group_data(g, reply);
		break;
	case REQ_CLEAR:
		me->cleared = true;
		reply_simple(reply, "ack");
		size_t done = 0;
		for (size_t i = 0; i < g->nnodes; i++)
			done += g->nodes[i].cleared;
		coord_log(c, "DEBUG", "clear Group Data: %zu of %zu", done,
		          g->nnodes);
		/* As LAVA: gone once every node that registered cleared. */
		if (done == g->nnodes) {
			coord_remove_group(c, gi, "cleared");
			goto out;
		}
		group_recheck(c, g);
		goto out;
	case REQ_SEND:
		if (coord_store_send(c, g, client, id, req))
			reply_simple(reply, "ack");
		group_recheck(c, g);
		goto out;
	case REQ_WAIT:
		answered = eval_wait(g, self, id, reply);
		break;
	case REQ_WAIT_ALL: {
		ssize_t role = -1;
		if (waitrole) {
			role = group_find_role(g, waitrole);
			if (role < 0 && g->nnodes == g->size) {
				coord_log(c, "WARNING",
				          "group %s has no role '%s'", g->name,
				          waitrole);
				reply_simple(reply, "nack");
				goto out;
			}
		}
		answered = waitrole && role < 0
		               ? false
		               : eval_wait_all(g, role, id, reply);
		break;
	}
	case REQ_SYNC: {
		struct sync *s = group_find_sync(g, id);
		if (s == NULL) {
			if (g->nsent + g->nsyncs >= c->lim.max_ids) {
				coord_log(c, "WARNING",
				          "group %s: too many messageIDs",
				          g->name);
				goto out;
			}
			g->syncs = xreallocarray(g->syncs, g->nsyncs + 1,
			                         sizeof *g->syncs);
			s = &g->syncs[g->nsyncs++];
			*s = (struct sync){xstrdup(id), NULL, 0};
		}
		sync_grow(s, g->nnodes);
		struct sync_node *sn = &s->per[self];
		bool entering = sn->entered == sn->collected;
		if (entering)
			sn->entered++;
		round = sn->entered;
		/* LAVA answers an arrival "wait" even when it completes the
		 * round, and the release comes with the next poll; a polling
		 * client's second request must find its round, not start
		 * the next. */
		if (entering && !push)
			answered = false;
		else
			answered = eval_sync(g, s, self, round, req, reply);
		if (entering)
			group_recheck(c, g);
		break;
	}
	case REQ_COMPLETE:
		coord_log(c, "INFO",
		          "coordinator communication for '%s' in group '%s' "
		          "is complete, closing.",
		          client, group);
		st = COORD_CLOSE;
		goto out;
	default:
		goto out;
	}
	if (answered)
		goto out;
	/* Bounded: beyond two parked requests a node, fall back to polling. */
	if (push && g->nwaiters < 2 * g->size) {
		g->waiters = xreallocarray(g->waiters, g->nwaiters + 1,
		                           sizeof *g->waiters);
		uint64_t wid = c->next_waiter++;
		g->waiters[g->nwaiters++] =
		    (struct waiter){wid, self, kind, round, json_copy(req)};
		*waiter = wid;
		st = COORD_PARKED;
		buf_reset(reply);
		goto out;
	}
	reply_simple(reply, "wait");
out:
	json_free(req);
	return st;
}

void
coord_cancel(struct coord *c, uint64_t waiter, uint64_t now)
{
	for (size_t gi = 0; gi < c->ngroups; gi++) {
		struct group *g = c->groups[gi];
		for (size_t i = 0; i < g->nwaiters; i++) {
			if (g->waiters[i].id != waiter)
				continue;
			struct node *n = &g->nodes[g->waiters[i].node];
			json_free(g->waiters[i].req);
			g->waiters[i] = g->waiters[--g->nwaiters];
			n->lost = true;
			g->last = now;
			coord_log(c, "WARNING",
			          "group %s: %s dropped its connection while "
			          "waiting",
			          g->name, n->name);
			group_recheck(c, g);
			return;
		}
	}
}

size_t
coord_expire(struct coord *c, uint64_t now)
{
	size_t n = 0;
	for (size_t i = 0; i < c->ngroups;) {
		struct group *g = c->groups[i];
		if (g->nwaiters == 0 && now > g->last &&
		    now - g->last > c->lim.idle_ns) {
			coord_remove_group(c, i, "expired (idle)");
			n++;
			continue;
		}
		i++;
	}
	return n;
}

int
coord_frame_parse(const char *buf, size_t len, size_t max, size_t *jsonlen)
{
	size_t n = 0;
	for (size_t i = 0; i < 8; i++) {
		if (i >= len)
			return 0;
		char c = buf[i];
		int d = c >= '0' && c <= '9'   ? c - '0'
		        : c >= 'a' && c <= 'f' ? c - 'a' + 10
		        : c >= 'A' && c <= 'F' ? c - 'A' + 10
		                               : -1;
		if (d < 0)
			return -1;
		n = (n << 4) | (size_t)d;
	}
	if (n > max)
		return -2;
	if (len - 8 < n)
		return 0;
	*jsonlen = n;
	return 1;
}

void
coord_frame_write(struct buf *out, const char *json, size_t len)
{
	buf_printf(out, "%08zX", len);
	buf_add(out, json, len);
}
