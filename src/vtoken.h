/*
 * vtoken.h: types shared by every module: exit statuses, error codes, the
 * run context, tokens and the resolution trace.
 *
 * Error convention (openssh): functions return 0 or a negative VT_ERR_*.
 * The function that detects a failure records one line with vt_err()
 * (log.h); callers pass the code up unchanged, and main() prints the line
 * and exits with the status the code maps to.  VT_ERR_x is -VT_EXIT_x so
 * the mapping is one negation.
 */
#ifndef VTOKEN_VTOKEN_H
#define VTOKEN_VTOKEN_H

#include <stddef.h>
#include <time.h>

/* Exit statuses: PRODUCT.md, man page EXIT STATUS. */
#define VT_EXIT_OK		0
#define VT_EXIT_INTERNAL	1	/* a bug or out of resources */
#define VT_EXIT_USAGE		2	/* bad command line */
#define VT_EXIT_CONFIG		3	/* no credentials, incomplete configuration */
#define VT_EXIT_CRED		4	/* credentials rejected or invalid */
#define VT_EXIT_NET		5	/* network or service failure */
/* exec only, as a shell: the command cannot run, or is not found. */
#define VT_EXIT_NOEXEC		126
#define VT_EXIT_NOTFOUND	127

#define VT_ERR_INTERNAL		(-VT_EXIT_INTERNAL)
#define VT_ERR_USAGE		(-VT_EXIT_USAGE)
#define VT_ERR_CONFIG		(-VT_EXIT_CONFIG)
#define VT_ERR_CRED		(-VT_EXIT_CRED)
#define VT_ERR_NET		(-VT_EXIT_NET)
#define VT_ERR_NOEXEC		(-VT_EXIT_NOEXEC)
#define VT_ERR_NOTFOUND		(-VT_EXIT_NOTFOUND)
/*
 * A helper declined, and its protocol's answer is already on stdout
 * (Docker's "credentials not found"): exit status 1 and no error line,
 * since clients that ask every helper would show it for every host.
 */
#define VT_ERR_DECLINED		(-1000)

#define VT_SCOPE_CLOUD_PLATFORM	"https://www.googleapis.com/auth/cloud-platform"
#define VT_GOOGLE_TOKEN_URI	"https://oauth2.googleapis.com/token"
#define VT_DEFAULT_LOCATION	"us-central1"
#define VT_DEFAULT_ENDPOINT	"openapi"
#define VT_DEFAULT_API_VERSION	"v1"
#define VT_DEFAULT_TIMEOUT	30	/* seconds, the whole call */
/* The Gemini API's OpenAI-compatible base URL, for API keys. */
#define VT_GEMINI_BASE_URL \
	"https://generativelanguage.googleapis.com/v1beta/openai/"

/* Largest HTTP response body we accept; token replies are < 4 KiB. */
#define VT_HTTP_MAX_BODY	(256 * 1024)
/* Largest credential or config file we read. */
#define VT_FILE_MAX		(1024 * 1024)
/* Longest access token we print (Google's are < 2 KiB). */
#define VT_TOKEN_MAX		8192

/* Where a setting's value came from, in the order of precedence. */
enum setting_from {
	FROM_NONE,		/* unset */
	FROM_CLI,		/* a command-line option */
	FROM_ENV,		/* an environment variable */
	FROM_PROFILE,		/* the config file's profile */
	FROM_DISCOVERED,	/* found (gcloud, the metadata server...) */
	FROM_DEFAULT		/* built in: the user chose nothing */
};

/*
 * A configuration value, where it came from, and that origin's name
 * ("--project", "GOOGLE_CLOUD_PROJECT", "profile 'prod'", ...) for
 * `status` and messages.  Code decides on from, never on the name.
 */
struct setting {
	char			*value;		/* owned; NULL when unset */
	char			*origin;	/* owned; NULL when unset */
	enum setting_from	 from;
};

/* The cache setting (settings.c parses it). */
enum cache_mode {
	CACHE_AUTO,		/* the keyring when there is one, else files */
	CACHE_KEYRING,
	CACHE_FILE,
	CACHE_NONE
};

/* The backend setting: which API the variables are for. */
enum backend {
	BACKEND_ANY,		/* unset: Vertex AI, or Gemini for an API key */
	BACKEND_VERTEX,
	BACKEND_GEMINI
};

/* An access token.  access_token is a secret: token_release() wipes it. */
struct token {
	char	*access_token;
	time_t	 expires_at;	/* Unix seconds */
	time_t	 issued_at;	/* when it was minted; 0 if unknown */
};

/* One step of credential or project resolution, for `status`. */
enum trace_result {
	TRACE_CHOSEN,		/* this step supplied the value */
	TRACE_ABSENT,		/* nothing there (unset variable, no file) */
	TRACE_SKIPPED,		/* not considered: an earlier step won */
	TRACE_FAILED		/* present but unusable; detail says why */
};

struct trace_step {
	char			*what;		/* "credentials" or "project" */
	char			*step;		/* "GOOGLE_APPLICATION_CREDENTIALS" */
	enum trace_result	 result;
	char			*detail;	/* never a secret */
};

struct config;
struct cli;

/*
 * Everything one run of vtoken knows: settings after precedence, the
 * deadline of the whole call, verbosity, and the resolution trace.
 */
struct vt_ctx {
	const char	*command;	/* the command being run */
	const struct cli *cli;		/* the command line, for refresh --all */
	struct config	*config;	/* the loaded profile, or NULL */
	int		 config_ok;	/* loaded, or there is no file */

	struct setting	 profile;
	struct setting	 project;
	struct setting	 location;
	struct setting	 endpoint;
	struct setting	 api_version;
	struct setting	 base_url;
	struct setting	 credentials;
	struct setting	 api_key_file;
	struct setting	 backend;	/* "vertex", "gemini" or unset */
	struct setting	 scopes;
	struct setting	 timeout;
	struct setting	 cache;		/* auto, keyring, file or none */
	struct setting	 min_ttl;
	struct setting	 impersonate;	/* [DELEGATE,...]TARGET */
	struct setting	 lifetime;	/* of impersonated tokens */
	struct setting	 universe_domain; /* the universe the user trusts */
	struct setting	 no_cache_opt;	/* --no-cache */
	struct setting	 listen;	/* serve: ADDR or unix:PATH */
	/* Set when an API key was chosen (or --gemini): the Gemini API. */
	int		 gemini;
	enum backend	 backend_kind;	/* backend, parsed */
	enum cache_mode	 cache_mode;	/* cache, parsed */

	char		**scope_list;	/* parsed scopes, NULL-terminated */
	int		 timeout_sec;
	long		 min_ttl_sec;
	int		 no_cache;	/* --no-cache: neither read nor write */
	long		 lifetime_sec;	/* 0: the service's default */
	double		 deadline;	/* CLOCK_MONOTONIC seconds */
	int		 verbosity;	/* -1 quiet, 0 normal, >0 each -v */
	/* The command shows who the credential is (status): worth a request. */
	int		 describe;
	/* A helper's settings error, held back until the request is known
	 * to be the helper's (cmd_helper_setup); 0: none. */
	int		 setup_err;

	struct trace_step *trace;
	size_t		 ntrace;
};

/* ctx.c */
/* Seconds on the monotonic clock. */
double	 vt_now_mono(void);
/* Seconds left before ctx->deadline (may be <= 0). */
double	 ctx_remaining(const struct vt_ctx *ctx);
/* Record a resolution step; the strings are copied.  detail may be NULL. */
void	 ctx_trace(struct vt_ctx *ctx, const char *what, const char *step,
	    enum trace_result result, const char *detail_fmt, ...)
	    __attribute__((format(printf, 5, 6)));
/* Set a setting, replacing any earlier value; strings are copied. */
void	 setting_set(struct setting *s, const char *value, const char *origin,
	    enum setting_from from);
void	 setting_release(struct setting *s);
/* 1 if the user chose s (command line, environment or profile). */
int	 setting_chosen(const struct setting *s);
void	 ctx_release(struct vt_ctx *ctx);

/* token.c */
/* Wipe and free the token's secret and zero the struct. */
void	 token_release(struct token *tok);

#endif /* VTOKEN_VTOKEN_H */
