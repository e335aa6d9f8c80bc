/* action-deploy.c: deploy to: overlay, LAVA's "lava-overlay": the test
 * shell overlay of the namespace, built once (overlay.c) and kept in the
 * job's scratch directory, where the HTTP server hands it to the device.
 * The children and their levels are LAVA's, so that the definitions'
 * uuids (<job>_<level>.<n>) and result records are the same. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "action-deploy.h"
#include "job.h"

static struct rval *
test_extra(const struct overlay_test *t)
{
	struct rval *e = rval_map();
	rval_put(e, "from", rval_str(t->from));
	rval_put(e, "name", rval_str(t->name));
	rval_put(e, "path", rval_str(t->path));
	if (t->repository && strcmp(t->from, "inline") != 0)
		rval_put(e, "repository", rval_str(t->repository));
	rval_put(e, "uuid", rval_str(t->uuid));
	return e;
}

/* The build's cancel hook: a signal to stop ends git or a download at
 * once. */
static bool
build_stop(void *arg)
{
	return job_canceled(arg);
}

static const char *
repo_action_name(const char *from)
{
	if (strcmp(from, "git") == 0)
		return "git-repo-action";
	if (strcmp(from, "url") == 0)
		return "url-repo-action";
	return "inline-repo-action";
}

int
deploy_overlay(struct job *j, struct action *top)
{
	struct job_ns *ns = job_ns_get(j, top->ns);
	job_logf(j, "debug", "[%s] Preparing overlay tarball in %s", top->ns,
	         j->workdir);
	/* authorize: ssh (not for deploy to: ssh, whose own connection
	 * needs none): the device's public key goes into the overlay.
	 * LAVA adds ssh-authorize only for a device with an ssh deploy
	 * method; the levels after it (and the definitions' uuids) follow. */
	char *pubkey = NULL;
	if (ymap_get(j->dev ? j->dev->deploy_methods : NULL, "ssh")) {
		struct action sa;
		action_begin(&sa, j, top, "ssh-authorize", NULL, NULL, 0);
		if (ynode_is_str(ymap_get(top->params, "authorize"), "ssh") &&
		    !(top->parent && strcmp(top->parent->name, "scp-overlay") == 0)) {
			const char *id = j->dev ? j->dev->ssh.identity_file : NULL;
			if (id == NULL || *id == '\0') {
				free(pubkey);
				return action_end(&sa, job_fail(
				    j, ERR_JOB,
				    "authorize: ssh needs the device's "
				    "actions.deploy.methods.ssh.identity_file"));
			}
			joblog_mask_add(&j->log, id);
			pubkey = xasprintf("%s.pub", id);
			joblog_mask_add(&j->log, pubkey);
			job_logf(j, "info", "Adding SSH authorized key to the overlay");
		}
		action_end(&sa, 0);
	}
	action_step(top, "lava-vland-overlay", "skipped lava-vland-overlay");
	action_step(top, "lava-multinode-overlay",
	            "skipped lava-multinode-overlay");

	struct action td;
	action_begin(&td, j, top, "test-definition", NULL, NULL, 0);
	job_logf(j, "info", "Loading test definitions");
	char *dir = xasprintf("%s/%s-compress-overlay", j->workdir, top->ns);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		int rc = job_fail(j, ERR_INFRASTRUCTURE, "mkdir %s: %s", dir,
		                  strerror(errno));
		free(dir);
		free(pubkey);
		action_end(&td, rc);
		return rc;
	}
	char *tgz = xasprintf("%s/overlay-%s.5.tar.gz", dir, top->level);
	char *level = xstrdup(td.level);
	struct overlay_spec spec = {
		.job = j->root,
		.ns = top->ns,
		.job_id = j->job_id,
		.dev = j->dev,
		.share_dir = j->share_dir,
		.testdef_level = level,
		.dispatcher_ip = j->dispatcher_ip,
		.authorized_key = pubkey,
		/* git and the downloads wait in the job's loop, up to the
		 * deploy's deadline. */
		.mux = j->mux,
		.deadline_ns = td.deadline_ns,
		.stop = build_stop,
		.stop_arg = j,
		.max_download_bytes = j->limits.max_download_bytes,
		.max_archive_bytes = j->limits.max_archive_bytes,
		.max_archive_entries = j->limits.max_archive_entries,
		.files = j->files,
	};
	if (ns->has_layout) {
		overlay_layout_free(&ns->layout);
		ns->has_layout = false;
	}
	struct diags d;
	diags_init(&d);
	int rc = overlay_build(&spec, tgz, &ns->layout, &d);
	free(pubkey);
	if (rc == OVERLAY_CANCELED || (rc < 0 && job_canceled(j))) {
		rc = -1; /* the job is canceled already */
	} else if (rc == OVERLAY_TIMEOUT) {
		/* The action whose deadline it was times out, in its name
		 * (the deploy's, unless test-definition has its own). */
		if (d.n)
			job_logf(j, "error", "%s", d.v[0].msg);
		rc = action_timed_out(td.deadline_ns < top->deadline_ns ? &td
		                                                        : top);
	} else if (rc < 0) {
		const struct diag *e = d.n ? &d.v[0] : NULL;
		rc = job_fail(j, e ? e->cls : ERR_INFRASTRUCTURE, "%s",
		              e ? e->msg : "unable to build the overlay");
	}
	if (rc < 0) {
		diags_free(&d);
		free(level);
		free(tgz);
		free(dir);
		return action_end(&td, rc);
	}
	diags_free(&d);
	ns->has_layout = true;
	for (size_t i = 0; i < ns->layout.ntests; i++) {
		const struct overlay_test *t = &ns->layout.tests[i];
		struct action a;
		action_begin(&a, j, &td, repo_action_name(t->from), NULL, NULL,
		             0);
		job_logf(j, "debug", "uuid=%s testdef=None", t->uuid);
		action_end(&a, 0);
		action_begin(&a, j, &td, "test-overlay", NULL, NULL, 0);
		a.extra = test_extra(t);
		action_end(&a, 0);
		action_begin(&a, j, &td, "test-install-overlay", NULL, NULL, 0);
		a.extra = test_extra(t);
		action_end(&a, 0);
		action_begin(&a, j, &td, "test-runscript-overlay", NULL, NULL,
		             0);
		a.extra = test_extra(t);
		char *run = xasprintf("%s/run.sh", t->runner_path);
		rval_put(a.extra, "filename", rval_str(run));
		free(run);
		action_end(&a, 0);
	}
	action_end(&td, 0);

	struct action co;
	action_begin(&co, j, top, "compress-overlay", NULL, NULL, 0);
	free(ns->overlay_tgz);
	ns->overlay_tgz = tgz;
	action_end(&co, 0);
	action_step(top, "persistent-nfs-overlay", NULL);
	free(level);
	free(dir);
	return 0;
}
