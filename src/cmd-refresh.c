/*
 * cmd-refresh.c: for cron and systemd timers.  Make sure the cache holds
 * a token with at least --min-ttl (default 15 min) left, for the selected
 * profile or every profile (--all); optionally write the variables
 * (--write-env FILE, in --shell syntax, default dotenv) or the bare token
 * (--write-token FILE) to a file, atomically, mode 0600, and only when
 * the content changed, so a watcher sees one change per new token.
 * Silent with -q; a failure is one line and the usual exit status, which
 * is what cron mails.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vtoken.h"
#include "cmd.h"
#include "conf.h"
#include "file.h"
#include "log.h"
#include "options.h"
#include "output.h"
#include "secret.h"
#include "settings.h"
#include "source.h"
#include "xmalloc.h"

/* Write text to path; a line for the report says what happened. */
static int
refresh_write(const char *path, const char *text, const char *what,
    char **note)
{
	int	r;

	if ((r = file_write_atomic(path, text, strlen(text))) == -1)
		return vt_err(VT_ERR_CONFIG, "cannot write the %s to '%s': %s",
		    what, path, strerror(errno));
	*note = xasprintf("%s %s '%s'", r == 1 ? "unchanged" : "wrote", what,
	    path);
	return 0;
}

static int
refresh_one(struct vt_ctx *ctx, struct cmd_args *args)
{
	struct source	*src = NULL;
	struct token	 tok = { 0 };
	enum shell	 sh = SHELL_DOTENV;
	char		*text = NULL, *n1 = NULL, *n2 = NULL, when[32], life[96];
	char		*line, *esc;
	int		 r;

	if ((r = cmd_shell(args->shell, &sh)) != 0)
		return r;
	if ((r = cmd_mint(ctx, &src, &tok)) != 0)
		goto out;
	if (args->write_env != NULL) {
		/* The same token, even when nothing is cached. */
		if ((r = cmd_env_render(ctx, sh, NULL, NULL, 0, &tok,
		    &text)) != 0 ||
		    (r = refresh_write(args->write_env, text, "variables",
		    &n1)) != 0)
			goto out;
		secret_free(text);
		text = NULL;
	}
	if (args->write_token != NULL) {
		text = xasprintf("%s\n", tok.access_token);
		if ((r = refresh_write(args->write_token, text, "token",
		    &n2)) != 0)
			goto out;
	}
	if (ctx->verbosity >= 0) {
		/*
		 * Escaped as status is: the identity and the file names come
		 * from files, and a planted newline or terminal escape must
		 * not forge a line in cron's mail.
		 */
		/* An API key has no expiry (expires_at 0). */
		if (tok.expires_at > 0)
			snprintf(life, sizeof life, "token valid until %s "
			    "(%ld min)", output_rfc3339(tok.expires_at, when,
			    sizeof when), (long)(tok.expires_at - time(NULL)) /
			    60);
		else
			snprintf(life, sizeof life, "an API key, which does "
			    "not expire");
		line = xasprintf("profile '%s': %s %s, %s%s%s%s%s",
		    ctx->profile.value, src->ops->type,
		    src->identity != NULL ? src->identity : "?", life,
		    n1 != NULL ? "; " : "", n1 != NULL ? n1 : "",
		    n2 != NULL ? "; " : "", n2 != NULL ? n2 : "");
		esc = log_escape(line, strlen(line));
		printf("%s\n", esc);
		free(esc);
		free(line);
		if (fflush(stdout) != 0)
			r = vt_err(VT_ERR_INTERNAL, "cannot write to stdout");
	}
out:
	free(n1);
	free(n2);
	secret_free(text);
	token_release(&tok);
	source_free(src);
	return r;
}

/* Every profile of the config file, one after the other. */
static int
refresh_all(struct vt_ctx *ctx, struct cmd_args *args)
{
	struct vt_ctx	 pctx;
	struct cli	 pcli;
	char		**names;
	size_t		 i, failed = 0;
	int		 r, first = 0;

	names = config_profiles(ctx->config);
	if (names[0] == NULL) {
		xstrv_free(names);
		return vt_err(VT_ERR_CONFIG, "no profiles to refresh: the "
		    "config file has none");
	}
	for (i = 0; names[i] != NULL; i++) {
		memset(&pctx, 0, sizeof pctx);
		pctx.command = ctx->command;
		pcli = *ctx->cli;
		pcli.value[settings_index("profile")] = names[i];
		if ((r = options_resolve(&pctx, &pcli)) == 0)
			r = refresh_one(&pctx, args);
		if (r != 0) {
			failed++;
			if (first == 0)
				first = r;
			/* What cron mails: shown even with -q. */
			log_error("profile '%s': %s", names[i], vt_errmsg());
			vt_err_clear();
		}
		ctx_release(&pctx);
	}
	r = failed == 0 ? 0 : vt_err(first, "%zu of %zu profiles could not be "
	    "refreshed", failed, i);
	xstrv_free(names);
	return r;
}

static int
cmd_refresh_exec(struct vt_ctx *ctx, struct cmd_args *args)
{
	if (args->all && (args->write_env != NULL ||
	    args->write_token != NULL))
		return vt_err(VT_ERR_USAGE, "--all cannot be used with "
		    "--write-env or --write-token: one file per profile");
	if (args->shell != NULL && args->write_env == NULL)
		return vt_err(VT_ERR_USAGE, "--shell needs --write-env");
	if (args->all)
		return refresh_all(ctx, args);
	return refresh_one(ctx, args);
}

const struct cmd_entry cmd_refresh_entry = {
	.name = "refresh",
	.usage = "[--all] [--write-env FILE [--shell NAME]] "
	    "[--write-token FILE]",
	.summary = "Make sure a token with --min-ttl left is cached (for "
	    "cron and timers).",
	.options = CMDOPT_ALL | CMDOPT_WRITE | CMDOPT_SHELL,
	.min_args = 0,
	.max_args = 0,
	.min_ttl = "15m",
	.exec = cmd_refresh_exec
};
