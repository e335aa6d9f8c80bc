/* action-ssh.c: SSH as the primary remote connection (spec §2.5, §3.9):
 * deploy to: ssh ("scp-overlay": the overlay built, to be copied), boot
 * method: ssh ("login-ssh": log in with the OpenSSH client on a pty, scp
 * the overlay to its LAVA location, unpack it), the disposable schroot
 * session of a deploy's `chroot: NAME` (begun on the device, the overlay
 * unpacked and the test shell run inside it), and at the end of the job,
 * whatever happened, the overlay directory removed from the device and
 * the session ended (ssh_finalize, over a fresh ssh of its own, since the
 * job's connection may be the thing that died).
 *
 * Every ssh and scp tether runs takes the device's options first (OpenSSH
 * keeps the first value of an option), then ours: no known hosts, batch
 * mode, keep-alive, connect timeout.  The identity file is passed as
 * "$TETHER_SSH_IDENTITY", set in tether's environment, so that its path is
 * in no command line, log line or error message tether writes; job log
 * records mask it, and the job's secrets, as "[MASKED]" all the same. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "action-boot.h"
#include "action-deploy.h"
#include "action-ssh.h"
#include "host.h"
#include "job.h"
#include "match.h"

/* Keep-alive: a peer that stops answering is given up after about
 * INTERVAL * COUNT seconds (a dropped link is seen at once anyway). */
#define SSH_ALIVE_INTERVAL 5
#define SSH_ALIVE_COUNT 3
#define SSH_CONNECT_TIMEOUT 10
/* Between two attempts while the host refuses connections. */
#define SSH_RETRY_NS (1 * NS_PER_S)
/* The end-of-job cleanup's own time. */
#define SSH_CLEANUP_S 30
#define SSH_IDENTITY_ENV "TETHER_SSH_IDENTITY"

struct ssh_state {
	char *chroot;          /* the deploy's chroot: NAME, or NULL */
	char *session;         /* the schroot session begun, or NULL */
	char *results_dir;     /* on the device: "/lava-12" */
	char *tarball;         /* the overlay copied there */
	const char *tar_flags; /* the deploy's os's (deployment data) */
	bool copied;           /* results_dir may exist on the device */
};

static struct ssh_state *
ssh_state(struct job *j)
{
	if (j->ssh == NULL)
		j->ssh = xcalloc(1, sizeof *j->ssh);
	return j->ssh;
}

/* ---- the ssh and scp command lines ---- */

/* True when the device's options already set KEY (-o KEY=... or -o KEY
 * ...): the device's value is kept. */
static bool
opts_have(const struct ynode *opts, const char *key)
{
	size_t kl = strlen(key);
	size_t n = opts == NULL ? 0 : opts->kind == YN_SEQ ? opts->n : 1;
	for (size_t i = 0; i < n; i++) {
		const struct ynode *o =
		    opts->kind == YN_SEQ ? opts->items[i] : opts;
		if (o->kind != YN_STR)
			continue;
		for (const char *p = o->str; (p = strcasestr(p, key)) != NULL;
		     p += kl)
			if ((p == o->str || p[-1] == ' ' || p[-1] == 'o') &&
			    (p[kl] == '=' || p[kl] == ' '))
				return true;
	}
	return false;
}

/* "ssh <device options> <ours> [-i "$TETHER_SSH_IDENTITY"] -p PORT" (scp:
 * -P). */
static char *
ssh_base(const struct device *dev, bool scp)
{
	struct buf b;
	buf_init(&b);
	buf_adds(&b, scp ? "scp" : "ssh");
	const struct ynode *opts = dev->ssh.options;
	size_t n = opts == NULL ? 0 : opts->kind == YN_SEQ ? opts->n : 1;
	for (size_t i = 0; i < n; i++) {
		const struct ynode *o =
		    opts->kind == YN_SEQ ? opts->items[i] : opts;
		if (o->kind == YN_STR)
			buf_printf(&b, " %s", o->str);
	}
	buf_adds(&b, " -o UserKnownHostsFile=/dev/null"
	             " -o StrictHostKeyChecking=no -o BatchMode=yes");
	if (!opts_have(opts, "ServerAliveInterval"))
		buf_printf(&b, " -o ServerAliveInterval=%d",
		           SSH_ALIVE_INTERVAL);
	if (!opts_have(opts, "ServerAliveCountMax"))
		buf_printf(&b, " -o ServerAliveCountMax=%d", SSH_ALIVE_COUNT);
	if (!opts_have(opts, "ConnectTimeout"))
		buf_printf(&b, " -o ConnectTimeout=%d", SSH_CONNECT_TIMEOUT);
	if (dev->ssh.identity_file && *dev->ssh.identity_file)
		buf_adds(&b, " -i \"$" SSH_IDENTITY_ENV "\"");
	buf_printf(&b, " -%c %lld", scp ? 'P' : 'p', dev->ssh.port);
	return buf_steal(&b);
}

static const char *
ssh_user(const struct device *dev)
{
	return dev->ssh.user && *dev->ssh.user ? dev->ssh.user : "root";
}

/* Checks that the device can be reached over ssh and puts the identity
 * file where the commands find it.  Returns 0 or -1 (job_fail done). */
static int
ssh_prepare(struct job *j, struct action *a)
{
	const struct device *dev = j->dev;
	if (dev == NULL || dev->ssh.host == NULL || *dev->ssh.host == '\0')
		return job_fail(j, ERR_JOB,
		                "%s: Unable to identify host address "
		                "(actions.deploy.methods.ssh.host)",
		                a->name);
	const char *id = dev->ssh.identity_file;
	if (id && *id) {
		joblog_mask_add(&j->log, id);
		struct stat st;
		if (stat(id, &st) < 0 || !S_ISREG(st.st_mode))
			return job_fail(j, ERR_INFRASTRUCTURE,
			                "%s: Cannot find the SSH private key "
			                "(actions.deploy.methods.ssh."
			                "identity_file): %s",
			                a->name,
			                strerror(errno ? errno : EINVAL));
		setenv(SSH_IDENTITY_ENV, id, 1);
	}
	return 0;
}

/* The last line of OUT, for an error message. */
static const char *
last_line(const struct buf *out)
{
	if (out->len == 0)
		return "no output";
	const char *s = out->data, *nl = strrchr(s, '\n');
	return nl ? nl + 1 : s;
}

/* Runs REMOTE on the device through a non-interactive ssh of its own. */
static int
ssh_remote(struct action *a, const char *remote, uint64_t deadline,
           bool cancelable, struct buf *out)
{
	const struct device *dev = a->job->dev;
	char *base = ssh_base(dev, false);
	struct buf q;
	buf_init(&q);
	overlay_shell_quote(&q, remote);
	char *cmd = xasprintf("%s %s@%s %s", base, ssh_user(dev), dev->ssh.host,
	                      q.data);
	int rc = host_run(a, cmd, deadline, cancelable, out);
	free(cmd);
	buf_free(&q);
	free(base);
	return rc;
}

/* ---- deploy to: ssh ---- */

/* A chroot the device offers: actions.deploy.methods.schroot is a name
 * or a list of names. */
static bool
device_offers_chroot(const struct device *dev, const char *name)
{
	const struct ynode *s = ymap_get(dev->deploy_methods, "schroot");
	size_t n = s == NULL ? 0 : s->kind == YN_SEQ ? s->n : 1;
	for (size_t i = 0; i < n; i++) {
		const struct ynode *v = s->kind == YN_SEQ ? s->items[i] : s;
		if (v->kind == YN_STR && strcmp(v->str, name) == 0)
			return true;
	}
	return false;
}

int
deploy_ssh(struct job *j, struct action *top)
{
	struct ssh_state *st = ssh_state(j);
	const struct ynode *ch = ymap_get(top->params, "chroot");
	free(st->chroot);
	st->chroot = NULL;
	if (ch) {
		if (ch->kind != YN_STR || ch->len == 0 ||
		    strspn(ch->str,
		           "abcdefghijklmnopqrstuvwxyz"
		           "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-+") !=
		        ch->len)
			return job_fail(
			    j, ERR_JOB,
			    "deploy chroot: a schroot name ([A-Za-z0-"
			    "9._+-]) is needed");
		if (j->dev == NULL || !device_offers_chroot(j->dev, ch->str))
			return job_fail(j, ERR_JOB,
			                "deploy chroot: '%s' is not one of the "
			                "device's chroots "
			                "(actions.deploy.methods.schroot)",
			                ch->str);
		st->chroot = xstrdup(ch->str);
	}
	/* LAVA's deployment data: GNU tar's flags for the os that has it. */
	static const char *const gnu_tar[] = {
	    "debian",    "ubuntu",  "fedora",    "centos",
	    "archlinux", "apertis", "slackware", "qnx"};
	const struct ynode *os = ymap_get(top->params, "os");
	st->tar_flags = "";
	for (size_t i = 0; i < sizeof gnu_tar / sizeof gnu_tar[0]; i++)
		if (ynode_is_str(os, gnu_tar[i]))
			st->tar_flags = "--warning no-timestamp";
	struct action lo;
	action_begin(&lo, j, top, "lava-overlay", NULL, NULL, 0);
	int rc = action_end(&lo, deploy_overlay(j, &lo));
	if (rc < 0)
		return -1;
	struct job_ns *ns = job_ns_get(j, top->ns);
	struct action ps;
	action_begin(&ps, j, top, "prepare-scp-overlay", NULL, NULL, 0);
	job_logf(j, "info", "Preparing to copy: %s",
	         strrchr(ns->overlay_tgz, '/') + 1);
	action_step(&ps, "extract-rootfs", NULL);
	action_step(&ps, "extract-modules", NULL);
	action_end(&ps, 0);
	action_step(top, "deploy-device-env", NULL);
	return 0;
}

/* ---- boot method: ssh ---- */

/* What ssh may say instead of a prompt: the ones after REFUSED end the
 * attempt for good. */
static const char *const ssh_failures[] = {
    "Connection refused",
    "Permission denied",
    "Host key verification failed",
    "Could not resolve hostname",
};
#define SSH_NFAIL (sizeof ssh_failures / sizeof ssh_failures[0])

/* Opens the ssh connection of NS and waits for a prompt, trying again
 * while the host refuses connections (a board still booting), until A's
 * connection timeout.  Returns 0 or -1 (job_fail done). */
static int
ssh_connect(struct action *a, struct job_ns *ns)
{
	struct job *j = a->job;
	const struct device *dev = j->dev;
	char *base = ssh_base(dev, false);
	char *cmd = xasprintf("%s %s@%s", base, ssh_user(dev), dev->ssh.host);
	job_logf(j, "info", "%s Connecting to device %s@%s using '%s'", a->name,
	         ssh_user(dev), dev->ssh.host, base);
	static const char *const tags[] = {"ssh"};
	uint64_t deadline = action_conn_deadline(a);
	size_t n = ns->nprompts + SSH_NFAIL;
	const char **pats = xreallocarray(NULL, n, sizeof *pats);
	for (size_t i = 0; i < ns->nprompts; i++)
		pats[i] = ns->prompts[i];
	for (size_t i = 0; i < SSH_NFAIL; i++)
		pats[ns->nprompts + i] = ssh_failures[i];
	char err[256];
	struct matcher *m = matcher_new(pats, n, err, sizeof err);
	int rc = -1;
	if (m == NULL) {
		job_fail(j, ERR_JOB, "%s: invalid prompt: %s", a->name, err);
		goto out;
	}
	for (int attempt = 1;; attempt++) {
		/* A dead attempt stays in the job's list (closed at the
		 * end, its raw log kept: ssh.log, ssh.2.log, ...). */
		struct conn *c =
		    job_conn_open(j, a, "ssh", cmd, tags, 1, a->ns);
		ns->conn = c;
		ns->conn_owned = c != NULL;
		if (c == NULL)
			goto out;
		struct match mt;
		enum conn_expect_result r;
		for (;;) {
			uint64_t slice = mux_now() + 100 * 1000 * 1000;
			r = conn_expect(
			    c, m, slice < deadline ? slice : deadline, &mt);
			if (r != CONN_TIMEOUT || mux_now() >= deadline ||
			    job_canceled(j))
				break;
		}
		if (j->canceled)
			goto out;
		/* ssh's last words may still be held by a partial match of
		 * a prompt ("root@host: Permission denied" looks like the
		 * start of "root@host:~# "): settle it now. */
		if (r == CONN_CLOSED && matcher_pending(m) &&
		    matcher_idle(m, &mt) == 1)
			r = CONN_MATCHED;
		if (r == CONN_MATCHED && mt.index < ns->nprompts) {
			rc = 0;
			goto out;
		}
		if (r == CONN_TIMEOUT) {
			action_timed_out(a);
			goto out;
		}
		if (r == CONN_BAD_MATCH) {
			job_fail(j, ERR_TEST, "%s: %s", a->name, c->error);
			goto out;
		}
		size_t f = r == CONN_MATCHED ? mt.index - ns->nprompts : 0;
		if (r == CONN_MATCHED && f > 0) {
			job_fail(j, ERR_INFRASTRUCTURE,
			         "%s: ssh to %s@%s port %lld failed: %s",
			         a->name, ssh_user(dev), dev->ssh.host,
			         dev->ssh.port, ssh_failures[f]);
			goto out;
		}
		/* Refused (said, or an ssh that left with 255 and nothing
		 * said: LogLevel=FATAL hides it): try again in a moment. */
		if (r == CONN_CLOSED && !(c->exited && WIFEXITED(c->status) &&
		                          WEXITSTATUS(c->status) == 255)) {
			job_fail(j, ERR_INFRASTRUCTURE, "%s",
			         conn_closed_message(c));
			goto out;
		}
		if (mux_now() + SSH_RETRY_NS >= deadline) {
			job_fail(j, ERR_INFRASTRUCTURE,
			         "%s: %s@%s port %lld refused the connection "
			         "(%d attempts)",
			         a->name, ssh_user(dev), dev->ssh.host,
			         dev->ssh.port, attempt);
			goto out;
		}
		job_logf(
		    j, "warning",
		    "%s: %s port %lld refused the connection, trying again "
		    "in 1 s (attempt %d)",
		    a->name, dev->ssh.host, dev->ssh.port, attempt);
		job_pause(j, SSH_RETRY_NS);
		if (job_canceled(j))
			goto out;
	}
out:
	matcher_free(m);
	free(pats);
	free(cmd);
	free(base);
	return rc;
}

/* scp-deploy: the connection opened, the results directory made on the
 * device, the overlay copied there with scp. */
static int
scp_deploy(struct action *parent, struct job_ns *ns, struct job_ns *deploy)
{
	struct job *j = parent->job;
	struct ssh_state *st = ssh_state(j);
	struct action a;
	action_begin(&a, j, parent, "scp-deploy", NULL, NULL, 0);
	int rc = 0;
	if (deploy->overlay_tgz == NULL || !deploy->has_layout) {
		rc = job_fail(j, ERR_JOB,
		              "%s: could not find details of 'overlay' (no "
		              "deploy to: ssh in namespace '%s')",
		              a.name, a.ns);
		return action_end(&a, rc);
	}
	if (ssh_prepare(j, &a) < 0)
		return action_end(&a, -1);
	if (ns->conn && !ns->conn->eof) {
		job_logf(j, "debug", "Already connected");
		job_use_conn(j, ns->conn);
	} else if (ssh_connect(&a, ns) < 0) {
		return action_end(&a, -1);
	}
	const char *dir = deploy->layout.results_dir;
	const char *file = strrchr(deploy->overlay_tgz, '/') + 1;
	free(st->results_dir);
	st->results_dir = xstrdup(dir);
	free(st->tarball);
	st->tarball = xasprintf("%s/%s", dir, file);
	st->copied = true;
	job_logf(j, "debug", "Create the remote directory %s", dir);
	char *mk = xasprintf("mkdir -p %s", dir);
	rc = shell_run(&a, ns->conn, ns, mk);
	free(mk);
	if (rc < 0)
		return action_end(&a, -1);
	char *base = ssh_base(j->dev, true);
	job_logf(j, "info", "Copying overlay using %s %s to %s", base,
	         deploy->overlay_tgz, j->dev->ssh.host);
	struct buf q, out;
	buf_init(&q);
	buf_init(&out);
	overlay_shell_quote(&q, deploy->overlay_tgz);
	char *cmd = xasprintf("%s %s %s@%s:%s", base, q.data, ssh_user(j->dev),
	                      j->dev->ssh.host, st->tarball);
	int code = host_run(&a, cmd, a.deadline_ns, true, &out);
	if (code > 0)
		rc = job_fail(j, ERR_INFRASTRUCTURE,
		              "Unable to copy overlay: %s (exit code %d)",
		              last_line(&out), code);
	else if (code < 0)
		rc = -1;
	free(cmd);
	free(base);
	buf_free(&q);
	buf_free(&out);
	if (rc == 0) {
		a.extra = rval_map();
		rval_put(a.extra, "success", rval_str("ssh deployment"));
		/* The mkdir's prompt was taken: a fresh one for a login. */
		if (ymap_get(a.params, "auto_login"))
			job_sendline(j, ns->conn, "", 0);
	}
	return action_end(&a, rc);
}

/* The begin-session of the deploy's chroot, on the device; schroot's own
 * message when it cannot. */
static int
schroot_begin(struct action *a)
{
	struct job *j = a->job;
	struct ssh_state *st = ssh_state(j);
	char *session = xasprintf("tether-%s-%ld", j->job_id, (long)getpid());
	char *cmd = xasprintf("schroot -b -c %s -n %s", st->chroot, session);
	job_logf(j, "info", "Beginning a session of schroot '%s': %s",
	         st->chroot, session);
	struct buf out;
	buf_init(&out);
	int code = ssh_remote(a, cmd, action_conn_deadline(a), true, &out);
	int rc = 0;
	if (code == 0) {
		st->session = session;
		session = NULL;
	} else if (code > 0) {
		rc = job_fail(j, ERR_INFRASTRUCTURE,
		              "Unable to begin a session of schroot '%s': %s",
		              st->chroot, last_line(&out));
		/* A failed begin may leave a half set-up session behind:
		 * ended now, so that a retry can begin it again. */
		char *end = xasprintf("schroot -e -f -c session:%s 2>/dev/null",
		                      session);
		buf_reset(&out);
		ssh_remote(a, end, action_conn_deadline(a), true, &out);
		free(end);
	} else {
		rc = -1;
	}
	buf_free(&out);
	free(cmd);
	free(session);
	return rc;
}

/* scp-overlay-unpack: the overlay unpacked where the results directory
 * belongs, on the device or in the chroot's session. */
static int
scp_overlay_unpack(struct action *parent, struct job_ns *ns)
{
	struct job *j = parent->job;
	struct ssh_state *st = ssh_state(j);
	struct action a;
	action_begin(&a, j, parent, "scp-overlay-unpack", NULL, NULL, 0);
	/* The overlay's members are named from / ("lava-12/..." or
	 * "tmp/x/lava-12/..."): LAVA's -C <parent of the results dir> is
	 * the same for /lava-<id> and right for a deeper one too. */
	const char *top = "/";
	int rc = 0;
	char *cmd;
	if (st->chroot == NULL) {
		cmd = xasprintf("tar %s -C %s -xzf %s", st->tar_flags, top,
		                st->tarball);
		rc = shell_run(&a, ns->conn, ns, cmd);
		free(cmd);
	} else if (st->session == NULL && schroot_begin(&a) < 0) {
		rc = -1;
	} else {
		cmd = xasprintf("schroot -q -r -c session:%s -d / -- tar -C %s "
		                "-xzf - < %s && rm -rf %s",
		                st->session, top, st->tarball, st->results_dir);
		rc = shell_run(&a, ns->conn, ns, cmd);
		free(cmd);
	}
	return action_end(&a, rc);
}

/* schroot-login: the test shell goes inside the session: a shell of its
 * own there, whose prompt is "(NAME)# " (LAVA's "(<name>)"). */
static int
schroot_login(struct action *parent, struct job_ns *ns)
{
	struct job *j = parent->job;
	struct ssh_state *st = ssh_state(j);
	struct action a;
	action_begin(&a, j, parent, "schroot-login", NULL, NULL, 0);
	job_logf(j, "info", "Entering %s schroot", st->chroot);
	struct buf p;
	buf_init(&p);
	buf_adds(&p, "\\(");
	for (const char *s = st->chroot; *s; s++) {
		if (strchr(".+", *s))
			buf_addc(&p, '\\');
		buf_addc(&p, *s);
	}
	buf_adds(&p, "\\)# ");
	ns->prompts =
	    xreallocarray(ns->prompts, ns->nprompts + 1, sizeof *ns->prompts);
	/* First: the chroot's prompt wins over the device's from now on. */
	memmove(ns->prompts + 1, ns->prompts,
	        ns->nprompts * sizeof *ns->prompts);
	ns->prompts[0] = buf_steal(&p);
	ns->nprompts++;
	/* The prompt is set in two quoted halves, so that the echo of the
	 * command line does not look like it. */
	char *cmd = xasprintf("PS1='(%s)''# ' schroot -q -p -r -c session:%s "
	                      "-d / -- /bin/sh -i",
	                      st->chroot, st->session);
	struct job_ns tmp = *ns;
	tmp.prompts = ns->prompts;
	tmp.nprompts = 1;
	int rc = shell_run(&a, ns->conn, &tmp, cmd);
	free(cmd);
	return action_end(&a, rc);
}

int
boot_ssh(struct job *j, struct action *top)
{
	struct job_ns *ns = job_ns_get(j, top->ns);
	struct ssh_state *st = ssh_state(j);
	ns_set_prompts(ns, ymap_get(top->params, "prompts"));
	if (scp_deploy(top, ns, ns) < 0)
		return -1;
	struct action a;
	action_begin(&a, j, top, "prepare-ssh", NULL, NULL, 0);
	action_end(&a, 0);
	action_begin(&a, j, top, "ssh-connection", NULL, NULL, 0);
	job_logf(j, "debug", "Already connected");
	action_end(&a, 0);
	if (ymap_get(top->params, "auto_login")) {
		if (auto_login(top, ns->conn, ns, false) < 0)
			return -1;
	} else {
		/* LAVA's login over an ssh session: nothing to wait for, no
		 * kernel to watch, no result. */
		action_begin(&a, j, top, "auto-login-action", NULL, NULL, 0);
		struct action l;
		action_begin(&l, j, &a, "login-action", NULL, NULL, 0);
		job_logf(j, "debug", "No login prompt set.");
		job_logf(j, "debug", "Skipping kernel messages");
		action_end(&l, 0);
		action_end(&a, 0);
	}
	if (expect_shell(top, ns->conn, ns) < 0)
		return -1;
	if (export_env(top) < 0)
		return -1;
	if (scp_overlay_unpack(top, ns) < 0)
		return -1;
	if (st->chroot && schroot_login(top, ns) < 0)
		return -1;
	ns->booted = true;
	return 0;
}

/* ---- the end of the job ---- */

void
ssh_finalize(struct job *j, struct action *parent)
{
	struct ssh_state *st = j->ssh;
	if (st == NULL)
		return;
	if (st->copied || st->session) {
		struct action a;
		action_begin(&a, j, parent, "ssh-cleanup", NULL, NULL,
		             SSH_CLEANUP_S);
		struct buf cmd;
		buf_init(&cmd);
		if (st->session)
			buf_printf(&cmd, "schroot -e -f -c session:%s; ",
			           st->session);
		/* Never a path that would take more than the overlay. */
		if (st->copied && st->results_dir &&
		    st->results_dir[0] == '/' && st->results_dir[1] &&
		    !strstr(st->results_dir, ".."))
			buf_printf(&cmd, "rm -rf %s", st->results_dir);
		else
			buf_adds(&cmd, "true");
		job_logf(j, "info", "Removing %s%s%s from the device",
		         st->results_dir ? st->results_dir : "the overlay",
		         st->session ? " and ending schroot session " : "",
		         st->session ? st->session : "");
		bool was_failed = j->failed;
		struct buf out;
		buf_init(&out);
		/* Even after a cancel: the device is cleaned. */
		int code = ssh_remote(&a, cmd.data, a.deadline_ns, false, &out);
		if (code != 0 && !(was_failed && code < 0))
			job_logf(
			    j, "warning",
			    "Unable to clean the device: %s (exit code %d)",
			    last_line(&out), code);
		buf_free(&out);
		buf_free(&cmd);
		action_end(&a, 0);
	}
	free(st->chroot);
	free(st->session);
	free(st->results_dir);
	free(st->tarball);
	free(st);
	j->ssh = NULL;
}
