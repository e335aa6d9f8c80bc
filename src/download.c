/* download.c: libcurl's easy interface, one transfer at a time.  The
 * downloads tether makes so far happen while building an overlay, before
 * anything waits on a device; a transfer during a boot will move to the
 * multi interface polled by the mux (design.md). */
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "download.h"

int
download_file(const char *url, const char *path, long timeout_s, char *err,
              size_t errlen)
{
	static int initialised;
	if (!initialised) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		initialised = 1;
	}
	FILE *f = fopen(path, "wb");
	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	CURL *c = curl_easy_init();
	if (c == NULL) {
		fclose(f);
		snprintf(err, errlen, "libcurl could not start");
		return -1;
	}
	char cerr[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, f);
	curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https,file");
	if (timeout_s > 0)
		curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_s);
	CURLcode rc = curl_easy_perform(c);
	int ok = rc == CURLE_OK;
	if (!ok) {
		long status = 0;
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		if (rc == CURLE_HTTP_RETURNED_ERROR && status)
			snprintf(err, errlen, "HTTP %ld", status);
		else
			snprintf(err, errlen, "%s",
			         cerr[0] ? cerr : curl_easy_strerror(rc));
	}
	curl_easy_cleanup(c);
	if (fclose(f) != 0 && ok) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		ok = 0;
	}
	return ok ? 0 : -1;
}
