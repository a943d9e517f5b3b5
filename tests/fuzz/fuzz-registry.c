/*
 * fuzz-registry: the container and Kubernetes helpers' input: Docker's
 * server name on stdin (dockercred_read_server), which registry hosts
 * get a token (dockercred_host_allowed), the answers, Docker's
 * config.json merged by configure-docker (dockercred_config_merge) and
 * kubectl's KUBERNETES_EXEC_INFO (kubecred_api_version).  Properties: a
 * token goes only to gcr.io, pkg.dev or a listed host; an answer is JSON
 * that reads back to the server and token given; a merged config is
 * JSON whose credHelpers name vtoken for the host.
 */
#include "config.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "vtoken.h"
#include "dockercred.h"
#include "fuzz.h"
#include "kubecred.h"
#include "log.h"
#include "secret.h"

/* The name part of a server as the helper takes it: no scheme, port,
 * brackets or slash. */
static char *
host_name(const char *server)
{
	const char	*p = server;
	char		*h;
	size_t		 n;

	if (strncasecmp(p, "https://", 8) == 0)
		p += 8;
	else if (strncasecmp(p, "http://", 7) == 0)
		p += 7;
	n = strcspn(p, ":/");
	h = strndup(p, n);
	return h;
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t	a = strlen(s), b = strlen(suffix);

	return a >= b && strcasecmp(s + a - b, suffix) == 0;
}

static void
check_answer(const char *server)
{
	json_object	*o, *v;
	char		*a;

	if ((a = dockercred_answer(server, "ya29.fuzz-token")) == NULL)
		return;
	o = json_tokener_parse(a);
	fuzz_assert(o != NULL, "an answer is JSON");
	fuzz_assert(json_object_object_get_ex(o, "ServerURL", &v) &&
	    strcmp(json_object_get_string(v), server) == 0,
	    "an answer names the server it was asked for");
	fuzz_assert(json_object_object_get_ex(o, "Secret", &v) &&
	    strcmp(json_object_get_string(v), "ya29.fuzz-token") == 0,
	    "an answer carries the token unchanged");
	fuzz_assert(json_object_object_get_ex(o, "Username", &v) &&
	    strcmp(json_object_get_string(v), "oauth2accesstoken") == 0,
	    "the user name is oauth2accesstoken");
	json_object_put(o);
	secret_free(a);
}

static void
check_merge(const uint8_t *data, size_t size)
{
	static const char *const hosts[] = { "gcr.io",
	    "europe-west4-docker.pkg.dev", NULL };
	struct dockercred_change *ch = NULL;
	json_object	*o, *h, *v;
	const char	*why = NULL;
	char		*out = NULL;
	size_t		 n = 0, i;

	if (dockercred_config_merge((const char *)data, size, hosts, &out,
	    &ch, &n, &why) != 0) {
		fuzz_assert(why != NULL, "a refused config says why");
		return;
	}
	if (out != NULL) {
		o = json_tokener_parse(out);
		fuzz_assert(o != NULL, "a merged config is JSON");
		fuzz_assert(json_object_object_get_ex(o, "credHelpers", &h),
		    "a merged config has credHelpers");
		for (i = 0; hosts[i] != NULL; i++)
			fuzz_assert(json_object_object_get_ex(h, hosts[i],
			    &v) && strcmp(json_object_get_string(v),
			    "vtoken") == 0, "each host is vtoken's");
		json_object_put(o);
		free(out);
	}
	dockercred_changes_free(ch, n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const listed[] = { "registry.corp.example",
	    "*.mirror.example", "localhost:5000", NULL };
	const char	*api, *why;
	char		*server, *s, *h;
	FILE		*f;
	int		 kind;

	log_init(-1);
	if ((f = fmemopen((void *)data, size, "r")) != NULL) {
		if ((server = dockercred_read_server(f)) != NULL) {
			fuzz_assert(strchr(server, '\n') == NULL &&
			    *server != '\0', "a server is one non-empty line");
			kind = dockercred_host_allowed(server, listed);
			h = host_name(server);
			if (kind == DOCKERCRED_HOST_GOOGLE)
				fuzz_assert(strcasecmp(h, "gcr.io") == 0 ||
				    ends_with(h, ".gcr.io") ||
				    ends_with(h, ".pkg.dev"),
				    "Google's hosts are gcr.io and pkg.dev");
			if (kind == DOCKERCRED_HOST_LISTED)
				fuzz_assert(ends_with(h, "corp.example") ||
				    ends_with(h, "mirror.example") ||
				    strcasecmp(h, "localhost") == 0,
				    "a listed host is one of the list");
			free(h);
			if (kind != 0)
				check_answer(server);
			free(server);
		}
		fclose(f);
	}
	s = fuzz_cstr(data, size);
	if (kubecred_api_version(s, &api, &why) == 0)
		fuzz_assert(strcmp(api, KUBECRED_V1) == 0 ||
		    strcmp(api, KUBECRED_V1BETA1) == 0, "a known apiVersion");
	else
		fuzz_assert(why != NULL, "a refused request says why");
	free(s);
	check_merge(data, size);
	return 0;
}
