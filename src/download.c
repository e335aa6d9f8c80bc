/* download.c: libcurl's easy interface, one transfer at a time.  The
 * downloads tether makes so far happen while building an overlay, before
 * anything waits on a device; a transfer during a boot will move to the
 * multi interface polled by the mux (design.md).
 *
 * libcurl is loaded on the first download (dlopen), not linked: with its
 * TLS, LDAP and Kerberos libraries it would triple the start-up time of
 * every tether command, most of which never download anything. */
#include <curl/curl.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "download.h"

static struct {
	void *lib;
	CURLcode (*global_init)(long);
	CURL *(*init)(void);
	CURLcode (*setopt)(CURL *, CURLoption, ...);
	CURLcode (*perform)(CURL *);
	CURLcode (*getinfo)(CURL *, CURLINFO, ...);
	void (*cleanup)(CURL *);
	const char *(*strerror)(CURLcode);
} curl;

static int
curl_load(char *err, size_t errlen)
{
	if (curl.lib)
		return 0;
	void *lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
	if (lib == NULL) {
		snprintf(err, errlen, "cannot load libcurl: %s", dlerror());
		return -1;
	}
	/* POSIX lets a data pointer hold a function's address. */
	*(void **)&curl.global_init = dlsym(lib, "curl_global_init");
	*(void **)&curl.init = dlsym(lib, "curl_easy_init");
	*(void **)&curl.setopt = dlsym(lib, "curl_easy_setopt");
	*(void **)&curl.perform = dlsym(lib, "curl_easy_perform");
	*(void **)&curl.getinfo = dlsym(lib, "curl_easy_getinfo");
	*(void **)&curl.cleanup = dlsym(lib, "curl_easy_cleanup");
	*(void **)&curl.strerror = dlsym(lib, "curl_easy_strerror");
	if (!curl.global_init || !curl.init || !curl.setopt ||
	    !curl.perform || !curl.getinfo || !curl.cleanup ||
	    !curl.strerror) {
		snprintf(err, errlen, "libcurl lacks the easy interface");
		dlclose(lib);
		return -1;
	}
	curl.global_init(CURL_GLOBAL_DEFAULT);
	curl.lib = lib;
	return 0;
}

int
download_file(const char *url, const char *path, long timeout_s, char *err,
              size_t errlen)
{
	if (curl_load(err, errlen) < 0)
		return -1;
	FILE *f = fopen(path, "wb");
	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	CURL *c = curl.init();
	if (c == NULL) {
		fclose(f);
		snprintf(err, errlen, "libcurl could not start");
		return -1;
	}
	char cerr[CURL_ERROR_SIZE] = "";
	curl.setopt(c, CURLOPT_URL, url);
	curl.setopt(c, CURLOPT_WRITEDATA, f);
	curl.setopt(c, CURLOPT_FAILONERROR, 1L);
	curl.setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl.setopt(c, CURLOPT_MAXREDIRS, 10L);
	curl.setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl.setopt(c, CURLOPT_ERRORBUFFER, cerr);
	curl.setopt(c, CURLOPT_PROTOCOLS_STR, "http,https,file");
	if (timeout_s > 0)
		curl.setopt(c, CURLOPT_TIMEOUT, timeout_s);
	CURLcode rc = curl.perform(c);
	int ok = rc == CURLE_OK;
	if (!ok) {
		long status = 0;
		curl.getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		if (rc == CURLE_HTTP_RETURNED_ERROR && status)
			snprintf(err, errlen, "HTTP %ld", status);
		else
			snprintf(err, errlen, "%s",
			         cerr[0] ? cerr : curl.strerror(rc));
	}
	curl.cleanup(c);
	if (fclose(f) != 0 && ok) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		ok = 0;
	}
	return ok ? 0 : -1;
}
