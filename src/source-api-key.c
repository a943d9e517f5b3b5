/*
 * source-api-key.c: a Gemini API key as a credential source.
 *
 * An API key is not minted: the "token" is the key itself, it does not
 * expire (expires_at 0), and it selects the Gemini API's OpenAI-compatible
 * base URL.  Keys come from, in PRODUCT.md's order: --api-key-file (or the
 * profile's api_key_file), the keyring (`vtoken key set`), VTOKEN_API_KEY,
 * GOOGLE_API_KEY, GEMINI_API_KEY.  No option takes a key itself: argv is
 * world-readable.
 *
 * A key that is not plausible is refused before anyone prints it, naming
 * where it came from but never quoting it.  `status` shows where the key
 * came from and a short SHA-256 fingerprint, so two keys can be told
 * apart without revealing either.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "vtoken.h"
#include "file.h"
#include "log.h"
#include "secret.h"
#include "source.h"
#include "xmalloc.h"

/* Largest API key file we read: a key is 39 bytes. */
#define APIKEY_FILE_MAX		4096

struct apikey_priv {
	char	*key;		/* secret */
};

static int	apikey_fetch(struct source *, struct vt_ctx *,
	    const struct scope_req *, struct token *);
static void	apikey_free_priv(void *);

static const struct source_ops apikey_ops = {
	.type = "api_key",
	.fetch = apikey_fetch,
	.free_priv = apikey_free_priv,
};

/* Plausibility of a key (source.h). */
int
apikey_plausible(const char *key, const char **why)
{
	size_t	n;

	*why = NULL;
	if (key == NULL || *key == '\0') {
		*why = "it is empty";
		return 0;
	}
	n = strspn(key, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789-_");
	if (key[n] != '\0') {
		*why = "it contains a character that no API key has (only "
		    "letters, digits, '-' and '_')";
		return 0;
	}
	if (n < APIKEY_MIN_LEN || n > APIKEY_MAX_LEN) {
		*why = n < APIKEY_MIN_LEN ? "it is too short (Google API keys "
		    "are 39 characters)" : "it is too long (Google API keys "
		    "are 39 characters)";
		return 0;
	}
	return 1;
}

/* The key, as is.  It never expires: expires_at 0. */
static int
apikey_fetch(struct source *src, struct vt_ctx *ctx,
    const struct scope_req *sc, struct token *tok)
{
	struct apikey_priv	*ak = src->priv;

	(void)ctx;
	(void)sc;
	tok->access_token = xstrdup(ak->key);
	secret_note(ak->key, strlen(ak->key));
	tok->expires_at = 0;
	return 0;
}

/* Wipe the key. */
static void
apikey_free_priv(void *priv)
{
	struct apikey_priv	*ak = priv;

	if (ak == NULL)
		return;
	secret_free(ak->key);
	free(ak);
}

/* The first 8 hex digits of the key's SHA-256: not the key, but names it. */
static char *
apikey_fingerprint(const char *key)
{
	GChecksum	*ck;
	char		*fp;

	ck = g_checksum_new(G_CHECKSUM_SHA256);
	g_checksum_update(ck, (const guchar *)key, (gssize)strlen(key));
	fp = xstrndup(g_checksum_get_string(ck), 8);
	g_checksum_free(ck);
	return fp;
}

/* Make a source of *key, taking it (it is wiped on every path). */
int
source_api_key_new(char **key, const char *origin, const char *path,
    struct source **out)
{
	struct apikey_priv	*ak;
	struct source		*src;
	const char		*why;
	char			*fp;

	*out = NULL;
	if (!apikey_plausible(*key, &why)) {
		secret_free(*key);
		*key = NULL;
		return vt_err(VT_ERR_CRED, "the API key from %s is not a "
		    "Google API key: %s", origin, why);
	}
	ak = xcalloc(1, sizeof *ak);
	ak->key = *key;
	*key = NULL;
	src = source_new(&apikey_ops, origin, path);
	fp = apikey_fingerprint(ak->key);
	src->identity = xasprintf("API key from %s (fingerprint %s)", origin,
	    fp);
	free(fp);
	src->priv = ak;
	*out = src;
	return 0;
}

/* 1 if src is an API key. */
int
source_is_api_key(const struct source *src)
{
	return src != NULL && src->ops == &apikey_ops;
}

/*
 * Check the key file open on fd: a regular file nobody else can write
 * (a planted key would send the user's prompts to its owner's project).
 * Readable by others is only a warning: Kubernetes and Docker mount
 * secrets 0644.
 */
static int
apikey_check_fd(int fd, const char *path)
{
	struct stat	st;

	switch (file_check(fd, FILE_ANY_OWNER, &st)) {
	case FILE_OK:
		break;
	case FILE_BAD_TYPE:
		return vt_err(VT_ERR_CRED, "cannot read API key file '%s': "
		    "not a regular file", path);
	case FILE_BAD_WRITABLE:
		return vt_err(VT_ERR_CRED, "API key file '%s' is writable by "
		    "other users; run 'chmod 600 %s'", path, path);
	default:
		return vt_err(VT_ERR_CRED, "cannot read API key file '%s': %s",
		    path, strerror(errno));
	}
	if ((st.st_mode & (S_IRGRP | S_IROTH)) != 0)
		log_warn("API key file '%s' can be read by other users; run "
		    "'chmod 600 %s'", path, path);
	return 0;
}

/* Trim ASCII whitespace around s in place (the buffer is a secret). */
static char *
apikey_trim(char *s, size_t len)
{
	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r' ||
	    s[len - 1] == ' ' || s[len - 1] == '\t'))
		s[--len] = '\0';
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	return s;
}

/* Read the key of an API key file (source.h). */
int
source_api_key_read(const char *path, const char *origin, char **key)
{
	char	*buf = NULL;
	size_t	 len = 0, cap = 0;
	int	 fd = -1, r;

	*key = NULL;
	if ((fd = file_open_read(AT_FDCWD, path, 0)) == -1) {
		if (errno == ENOENT || errno == ENOTDIR)
			r = vt_err(VT_ERR_CONFIG, "API key file '%s' (from %s) "
			    "does not exist", path, origin);
		else
			r = vt_err(VT_ERR_CRED, "cannot read API key file '%s' "
			    "(from %s): %s", path, origin, strerror(errno));
		goto out;
	}
	if ((r = apikey_check_fd(fd, path)) != 0)
		goto out;
	if (file_read_fd(fd, APIKEY_FILE_MAX, &buf, &len, &cap) != 0) {
		r = vt_err(VT_ERR_CRED, "cannot read API key file '%s': %s",
		    path, file_strerror(errno, APIKEY_FILE_MAX));
		goto out;
	}
	if (memchr(buf, '\0', len) != NULL) {
		r = vt_err(VT_ERR_CRED, "API key file '%s' is not text; it "
		    "should hold one API key on one line", path);
		goto out;
	}
	*key = xstrdup(apikey_trim(buf, len));
	r = 0;
out:
	if (fd != -1)
		close(fd);
	secret_freezero(buf, cap);
	return r;
}
