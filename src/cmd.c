/*
 * cmd.c: the command table, lookup, help text and output.
 *
 * Lookup is by exact name only: tmux's unique-prefix matching would let a
 * typo run a different command, and git's helper protocol needs unknown
 * words to stay unknown.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "vtoken.h"
#include "cmd.h"
#include "log.h"

const struct cmd_entry *cmd_table[] = {
	&cmd_token_entry,
	&cmd_env_entry,
	&cmd_exec_entry,
	&cmd_header_entry,
	&cmd_refresh_entry,
	&cmd_status_entry,
	&cmd_cache_entry,
	&cmd_key_entry,
	&cmd_git_credential_entry,
	&cmd_help_entry,
	NULL
};

const struct cmd_entry *
cmd_find(const char *name)
{
	size_t	i;

	for (i = 0; cmd_table[i] != NULL; i++) {
		if (strcmp(cmd_table[i]->name, name) == 0)
			return cmd_table[i];
	}
	return NULL;
}

void
cmd_usage_one(const struct cmd_entry *entry, int to_stdout)
{
	FILE	*f = to_stdout ? stdout : stderr;

	fprintf(f, "usage: vtoken [options] %s%s%s\n", entry->name,
	    *entry->usage != '\0' ? " " : "", entry->usage);
	fprintf(f, "%s\n", entry->summary);
}

void
cmd_usage(int to_stdout)
{
	FILE	*f = to_stdout ? stdout : stderr;
	size_t	 i;

	fprintf(f,
"usage: vtoken [options] command [command options]\n"
"\n"
"Mint a Google OAuth2 access token from this machine's credentials and\n"
"hand it over as a token, shell variables or an HTTP header.\n"
"\n"
"Commands:\n");
	for (i = 0; cmd_table[i] != NULL; i++)
		fprintf(f, "  %-15s %s\n", cmd_table[i]->name,
		    cmd_table[i]->summary);
	fprintf(f,
"\n"
"Options (before or after the command):\n"
"  --profile NAME        profile of the config file (VTOKEN_PROFILE)\n"
"  --project ID          Google Cloud project (GOOGLE_CLOUD_PROJECT)\n"
"  --location LOC        Vertex AI location, default us-central1\n"
"  --endpoint ID         Vertex AI endpoint, default openapi\n"
"  --api-version V       v1 (default) or v1beta1\n"
"  --base-url URL        the whole base URL, for private endpoints\n"
"  --credentials FILE    credential file; else GOOGLE_APPLICATION_CREDENTIALS,\n"
"                        else gcloud's application default credentials\n"
"  --api-key-file FILE   a Gemini API key, read from FILE (one line)\n"
"  --vertex              Vertex AI only: ignore API keys\n"
"  --gemini              the Gemini API: an API key is required\n"
"  --scopes LIST         OAuth scopes, default cloud-platform\n"
"  --timeout DURATION    bound on the whole call, default 30s\n"
"  --cache BACKEND       auto (default), keyring, file or none (VTOKEN_CACHE)\n"
"  --no-cache            mint a new token; neither read nor store one\n"
"  --min-ttl DURATION    least life a cached token needs, default 5m\n"
"                        (30m for env, 15m for refresh)\n"
"  --impersonate-service-account [DELEGATE,...]SA\n"
"                        mint for service account SA via IAM\n"
"  --lifetime DURATION   life of impersonated tokens (IAM default 1h)\n"
"  -v, --verbose         more messages on stderr (repeat for more)\n"
"  -q, --quiet           only errors on stderr\n"
"  -h, --help            this text; 'vtoken help COMMAND' for a command\n"
"  -V, --version         print the version\n"
"\n"
"See vtoken(1) and vtoken.conf(5).\n");
}

int
cmd_print(const char *s)
{
	if (fputs(s, stdout) == EOF || fflush(stdout) == EOF ||
	    ferror(stdout))
		return vt_err(VT_ERR_INTERNAL, "cannot write to standard "
		    "output");
	return 0;
}

/* help [COMMAND]: the usage of vtoken or of one command. */
static int
cmd_help_exec(struct vt_ctx *ctx, struct cmd_args *args)
{
	const struct cmd_entry	*entry;

	(void)ctx;
	if (args->argc == 0) {
		cmd_usage(1);
		return 0;
	}
	if ((entry = cmd_find(args->argv[0])) == NULL)
		return vt_err(VT_ERR_USAGE, "unknown command '%s'; see "
		    "'vtoken --help'", args->argv[0]);
	cmd_usage_one(entry, 1);
	return 0;
}

const struct cmd_entry cmd_help_entry = {
	.name = "help",
	.usage = "[command]",
	.summary = "Show the usage of vtoken or of one command.",
	.options = 0,
	.flags = CMD_F_NOSETUP,
	.min_args = 0,
	.max_args = 1,
	.exec = cmd_help_exec
};
