/*
 * fuzz-config: vtoken's configuration file (config_load: GKeyFile plus
 * vtoken's own checks), read for the default profile and for one named
 * on the command line, and every key and list of the profile it chose.
 */
#include "config.h"

#include "vtoken.h"
#include "conf.h"
#include "fuzz.h"
#include "log.h"
#include "xmalloc.h"

static const char *const keys[] = {
	"project", "location", "endpoint", "api_version", "base_url",
	"credentials", "scopes", "timeout", "api_key_file", "impersonate",
	"backend", "cache", "min_ttl", "git_hosts", "git_username",
	"universe_domain", "key_var", "url_var", "lifetime", "unknown", NULL
};

static void
fuzz_profile(const char *path, const char *profile, int explicit)
{
	struct config	*cfg = NULL;
	size_t		 i;

	if (config_load(path, profile, explicit, &cfg) != 0) {
		fuzz_assert(vt_errmsg() != NULL, "a refused file says why");
		vt_err_clear();
		return;
	}
	if (cfg == NULL)
		return;
	for (i = 0; keys[i] != NULL; i++) {
		(void)config_get(cfg, keys[i]);
		xstrv_free(config_get_list(cfg, keys[i]));
	}
	xstrv_free(config_profiles(cfg));
	(void)config_profile(cfg);
	config_free(cfg);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*path;

	log_init(-1);
	path = fuzz_file("config", data, size);
	fuzz_profile(path, "default", 0);
	fuzz_profile(path, "work", 1);
	return 0;
}
