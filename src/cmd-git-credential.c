/*
 * cmd-git-credential.c: git's credential helper (gitcredentials(7)).
 *
 *   git config credential.https://source.developers.google.com.helper vtoken
 *
 * makes git run "git credential-vtoken get", that is the program
 * git-credential-vtoken (a link to vtoken, which then behaves as
 * "vtoken git-credential"), with the request on stdin.
 *
 * get    answers only for https requests to Google's hosts and to the
 *        profile's git_hosts (gitcred.c decides); for any other host it
 *        prints nothing and exits 0, so git asks its next helper and a
 *        token never leaves for another site.  git 2.46 and later
 *        announce capability[]=authtype and get a Bearer credential
 *        marked ephemeral, which no storage helper keeps; older gits get
 *        username (oauth2accesstoken, or the profile's git_username) and
 *        the token as password.
 * erase  git calls it after the server refused what get gave (a 401):
 *        the cached token for this credential is dropped, so the next get
 *        mints a new one.
 * store  nothing to do: vtoken keeps its own tokens.
 * capability  "version 0" and "capability authtype", as git's own
 *        "git credential capability" prints.
 * other  ignored, exit 0, as the protocol asks of helpers.
 *
 * Errors: git ignores a helper's exit status and shows its stderr, then
 * tries the next helper or prompts.  So a failure prints nothing on stdout
 * and the usual one "vtoken: ..." line on stderr, with the usual exit
 * status (3 no credentials, 4 rejected, 5 network...), which is what a
 * person running the helper by hand wants to see.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vtoken.h"
#include "cmd.h"
#include "conf.h"
#include "gitcred.h"
#include "log.h"
#include "secret.h"
#include "xmalloc.h"

/*
 * git's input may carry a password (store, and erase after a failure):
 * stdin reads through a buffer of ours, wiped once the request is read,
 * rather than one stdio allocates and frees unwiped.
 */
static char	gc_stdin_buf[BUFSIZ];

static int
cmd_git_credential_read(struct gitcred *gc, const char **why)
{
	int	r;

	(void)setvbuf(stdin, gc_stdin_buf, _IOFBF, sizeof gc_stdin_buf);
	r = gitcred_read(stdin, gc, why);
	secret_wipe(gc_stdin_buf, sizeof gc_stdin_buf);
	return r;
}

/*
 * Read git's request and say whether it is for a host vtoken answers:
 * GITCRED_HOST_GOOGLE, GITCRED_HOST_LISTED, or 0 (then print nothing).
 */
static int
cmd_git_credential_request(struct vt_ctx *ctx, struct gitcred *gc,
    int *kind)
{
	const char	 *why;
	char		**hosts = NULL;
	int		  r;

	*kind = 0;
	if (cmd_git_credential_read(gc, &why) != 0)
		return vt_err(VT_ERR_USAGE, "git-credential: the input is not "
		    "a git credential request (%s); answering nothing", why);
	if ((r = cmd_profile_list(ctx, "git_hosts",
	    gitcred_valid_entry, CMD_HOSTS_WHAT, &hosts)) != 0)
		return r;
	*kind = gitcred_host_allowed(gc->protocol, gc->host,
	    (const char *const *)hosts);
	xstrv_free(hosts);
	if (*kind == 0)
		log_info("git-credential: not answering for %s://%s: not a "
		    "Google host, nor one in git_hosts",
		    gc->protocol != NULL ? gc->protocol : "?",
		    gc->host != NULL ? gc->host : "?");
	return cmd_helper_setup(ctx, *kind != 0);
}

/* What get answers with, besides the token. */
struct cmd_git_credential_form {
	int		 bearer;
	const char	*user;
};

static char *
cmd_git_credential_render(const struct token *tok, const void *arg)
{
	const struct cmd_git_credential_form	*f = arg;

	return gitcred_answer(f->bearer, f->user, tok->access_token,
	    tok->expires_at, time(NULL));
}

static int
cmd_git_credential_get(struct vt_ctx *ctx)
{
	struct gitcred			 gc = { 0 };
	struct cmd_git_credential_form	 form;
	int				 r, kind;

	if ((r = cmd_git_credential_request(ctx, &gc, &kind)) != 0 ||
	    kind == 0)
		goto out;
	form.bearer = gitcred_use_bearer(&gc, kind);
	form.user = config_get(ctx->config, "git_username");
	if (form.user == NULL || *form.user == '\0')
		form.user = GITCRED_DEFAULT_USERNAME;
	r = cmd_answer(ctx, cmd_git_credential_render, &form, VT_ERR_CONFIG,
	    "git_username cannot be sent to git; remove the line break from "
	    "it");
out:
	gitcred_release(&gc);
	return r;
}

static int
cmd_git_credential_erase(struct vt_ctx *ctx)
{
	struct gitcred	 gc = { 0 };
	int		 r, kind;

	if ((r = cmd_git_credential_request(ctx, &gc, &kind)) == 0 &&
	    kind != 0) {
		log_info("git-credential: %s://%s refused the token; "
		    "forgetting it", gc.protocol, gc.host);
		/* Nothing cached is not an error: git erases regardless. */
		r = cmd_forget(ctx);
	}
	gitcred_release(&gc);
	return r;
}

static int
cmd_git_credential_exec(struct vt_ctx *ctx, struct cmd_args *args)
{
	struct gitcred	 gc = { 0 };
	const char	*op = args->argv[0], *why;

	if (strcmp(op, "get") == 0)
		return cmd_git_credential_get(ctx);
	if (strcmp(op, "erase") == 0)
		return cmd_git_credential_erase(ctx);
	if (strcmp(op, "store") == 0) {
		/* Read what git sends, so it never writes to a closed pipe. */
		(void)cmd_git_credential_read(&gc, &why);
		gitcred_release(&gc);
		return 0;
	}
	if (strcmp(op, "capability") == 0)
		return cmd_print("version 0\ncapability authtype\n");
	/* A newer git's operation: helpers ignore what they do not know. */
	return 0;
}

const struct cmd_entry cmd_git_credential_entry = {
	.name = "git-credential",
	.usage = "get|store|erase",
	.summary = "git's credential helper, for Google hosts.",
	.flags = CMD_F_HELPER,
	.options = 0,
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_git_credential_exec
};
