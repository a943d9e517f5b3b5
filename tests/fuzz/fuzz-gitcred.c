/*
 * fuzz-gitcred: git's credential request on stdin (gitcred_read), the
 * url= attribute (gitcred_from_url), the host rules and git_hosts
 * entries, and the answer built for what was read.  Property: a token
 * goes only to https (or to a loopback entry over http).
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "vtoken.h"
#include "fuzz.h"
#include "gitcred.h"
#include "log.h"
#include "secret.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const hosts[] = {
		"git.example.com", "*.corp.example", "localhost:8080",
		"[::1]", "127.0.0.1", NULL
	};
	struct gitcred	 gc = { 0 };
	const char	*why;
	char		*s, *answer;
	FILE		*f;
	int		 kind;

	log_init(-1);
	if ((f = fmemopen((void *)data, size, "r")) == NULL)
		return 0;
	if (gitcred_read(f, &gc, &why) == 0) {
		kind = gitcred_host_allowed(gc.protocol, gc.host, hosts);
		if (kind != 0) {
			fuzz_assert(gc.protocol != NULL && gc.host != NULL,
			    "a host is answered only when named");
			fuzz_assert(strcmp(gc.protocol, "https") == 0 ||
			    (kind == GITCRED_HOST_LISTED &&
			    strcmp(gc.protocol, "http") == 0),
			    "a token goes over https, or http to loopback");
		}
		answer = gitcred_answer(gitcred_use_bearer(&gc, kind),
		    gc.username != NULL ? gc.username : "u", "ya29.fuzz",
		    1800000000, 1799990000);
		fuzz_assert(answer == NULL || strchr(answer, '\r') == NULL,
		    "no CR in an answer");
		secret_free(answer);
	} else
		fuzz_assert(why != NULL, "a refused request says why");
	fclose(f);
	gitcred_release(&gc);

	s = fuzz_cstr(data, size);
	if (gitcred_from_url(&gc, s) == 0)
		(void)gitcred_host_allowed(gc.protocol, gc.host, hosts);
	gitcred_release(&gc);
	(void)gitcred_valid_entry(s);
	free(s);
	return 0;
}
