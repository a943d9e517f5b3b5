/*
 * cmd-docker-credential.c: Docker's credential helper
 * (docker/docker-credential-helpers), for Container Registry and
 * Artifact Registry.
 *
 *   "credHelpers": { "europe-west4-docker.pkg.dev": "vtoken" }
 *
 * in ~/.docker/config.json (vtoken configure-docker writes it), or in
 * containers/image's auth.json, makes the client run
 * "docker-credential-vtoken get", a link to vtoken, which then behaves
 * as "vtoken docker-credential get", with the registry host on stdin.
 *
 * get      for Google's registry hosts and the profile's docker_hosts
 *          (dockercred.c decides, before anything is resolved or minted):
 *          {"ServerURL":HOST,"Username":"oauth2accesstoken",
 *          "Secret":TOKEN}.  For any other host, exactly "credentials not
 *          found in native keychain" on stdout and exit status 1, the
 *          protocol's "not here": the client carries on without
 *          credentials, and a token never leaves for another site.
 * store    docker login calls it after get: the request (which holds a
 *          secret) is read, wiped and dropped; vtoken keeps its own tokens.
 * erase    docker logout: for one of our hosts, the cached token of this
 *          credential is dropped, as git-credential erase does.
 * list     {}: vtoken stores no per-registry credentials.
 * version  the version.
 *
 * Errors (no credentials, a rejected one, the network): the usual one
 * "vtoken: ..." line on stderr, which the clients pass through to the
 * user, nothing on stdout, and the usual exit status; a client then stops
 * with "error getting credentials".
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vtoken.h"
#include "cmd.h"
#include "dockercred.h"
#include "gitcred.h"
#include "log.h"
#include "secret.h"
#include "xmalloc.h"

/*
 * stdin may carry a secret (store's JSON): it is read through a buffer of
 * ours, wiped once read, rather than one stdio frees unwiped.
 */
static char	dc_stdin_buf[BUFSIZ];

/* The server name on stdin (NULL if there is none), buffer wiped. */
static char *
cmd_docker_credential_read(void)
{
	char	*server;

	(void)setvbuf(stdin, dc_stdin_buf, _IOFBF, sizeof dc_stdin_buf);
	server = dockercred_read_server(stdin);
	secret_wipe(dc_stdin_buf, sizeof dc_stdin_buf);
	return server;
}

/*
 * Read the server name and say whether it is one of ours: 0 not ours (or
 * no name), DOCKERCRED_HOST_GOOGLE or _LISTED.  *server is the caller's.
 */
static int
cmd_docker_credential_request(struct vt_ctx *ctx, char **server, int *kind)
{
	char	**hosts = NULL;
	char	 *esc;
	int	  r;

	*kind = 0;
	if ((*server = cmd_docker_credential_read()) == NULL) {
		log_info("docker-credential: no registry host on stdin");
		return cmd_helper_setup(ctx, 0);
	}
	if ((r = cmd_profile_list(ctx, "docker_hosts", gitcred_valid_entry,
	    CMD_HOSTS_WHAT, &hosts)) != 0)
		return r;
	*kind = dockercred_host_allowed(*server,
	    (const char *const *)hosts);
	xstrv_free(hosts);
	if (*kind == 0) {
		esc = log_escape(*server, strlen(*server));
		log_info("docker-credential: not answering for '%s': not a "
		    "Google registry, nor one in docker_hosts", esc);
		free(esc);
	}
	return cmd_helper_setup(ctx, *kind != 0);
}

static char *
cmd_docker_credential_render(const struct token *tok, const void *server)
{
	return dockercred_answer(server, tok->access_token);
}

static int
cmd_docker_credential_get(struct vt_ctx *ctx)
{
	char	*server = NULL;
	int	 r, kind;

	if ((r = cmd_docker_credential_request(ctx, &server, &kind)) != 0)
		goto out;
	if (kind == 0) {
		if ((r = cmd_print(DOCKERCRED_NOT_FOUND "\n")) == 0)
			r = VT_ERR_DECLINED;
		goto out;
	}
	if ((r = cmd_oauth_only(ctx)) != 0)
		goto out;
	r = cmd_answer(ctx, cmd_docker_credential_render, server, VT_ERR_CRED,
	    "docker-credential: the token cannot be sent to Docker: it is "
	    "not made of token characters");
out:
	free(server);
	return r;
}

static int
cmd_docker_credential_erase(struct vt_ctx *ctx)
{
	char	*server = NULL;
	int	 r, kind;

	if ((r = cmd_docker_credential_request(ctx, &server, &kind)) == 0 &&
	    kind != 0) {
		log_info("docker-credential: erase for %s; forgetting the "
		    "cached token", server);
		if ((r = cmd_oauth_only(ctx)) == 0)
			r = cmd_forget(ctx);
	}
	free(server);
	return r;
}

static int
cmd_docker_credential_exec(struct vt_ctx *ctx, struct cmd_args *args)
{
	const char	*op = args->argv[0];
	char		 buf[512];

	if (strcmp(op, "get") == 0)
		return cmd_docker_credential_get(ctx);
	if (strcmp(op, "erase") == 0)
		return cmd_docker_credential_erase(ctx);
	if (strcmp(op, "store") == 0) {
		/* Read what the client sends, so it never meets a closed pipe. */
		(void)setvbuf(stdin, dc_stdin_buf, _IOFBF,
		    sizeof dc_stdin_buf);
		while (fread(buf, 1, sizeof buf, stdin) > 0)
			;
		secret_wipe(buf, sizeof buf);
		secret_wipe(dc_stdin_buf, sizeof dc_stdin_buf);
		return 0;
	}
	if (strcmp(op, "list") == 0)
		return cmd_print("{}\n");
	if (strcmp(op, "version") == 0)
		return cmd_print("vtoken " PACKAGE_VERSION "\n");
	return vt_err(VT_ERR_USAGE, "docker-credential: unknown operation "
	    "'%s'; use get, store, erase, list or version", op);
}

const struct cmd_entry cmd_docker_credential_entry = {
	.name = "docker-credential",
	.usage = "get|store|erase|list|version",
	.summary = "Docker's credential helper, for Google registries.",
	.flags = CMD_F_HELPER,
	.options = 0,
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_docker_credential_exec
};
