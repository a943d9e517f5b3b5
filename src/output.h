/*
 * output.h: everything that reaches stdout in a form another program
 * parses: token validation, shell quoting for each --shell, RFC 3339 times.
 */
#ifndef VTOKEN_OUTPUT_H
#define VTOKEN_OUTPUT_H

#include <stddef.h>
#include <time.h>

/*
 * 1 if tok may be printed: 1..VT_TOKEN_MAX characters of RFC 6750's
 * b64token (ALPHA DIGIT - . _ ~ + /, then optional trailing '=').
 * Anything else could turn `eval "$(vtoken env)"` into an injection.
 */
int	 output_token_valid(const char *tok);

enum shell {
	SHELL_SH,		/* sh, bash, zsh, ksh, dash */
	SHELL_FISH,
	SHELL_CSH,		/* csh, tcsh */
	SHELL_POWERSHELL,	/* powershell, pwsh */
	SHELL_DOTENV,
	SHELL_JSON
};

/* Parse a --shell name.  0, or -1 for an unknown name. */
int	 output_shell_parse(const char *name, enum shell *out);
/*
 * 1 if name is a portable environment variable name ([A-Za-z_][A-Za-z0-9_]*),
 * at most 128 characters.
 */
int	 output_valid_varname(const char *name);

/*
 * Quote value for the shell so that it reads back as exactly value.
 * Returns NULL if the value cannot be represented safely (a newline for
 * csh or dotenv, a NUL...).  The result may be a secret: secret_free().
 * Refused: any control character (0x00-0x1f, 0x7f) except for json, which
 * escapes them; for dotenv also ' and \ (python-dotenv unescapes \\);
 * for powershell every non-ASCII byte (U+2018..U+201B end a PowerShell
 * string, and so do 0x91/0x92 in a Windows code page); for json invalid
 * UTF-8.  csh: ' and \ are written outside the quotes, ! as \!.
 */
char	*output_quote(enum shell sh, const char *value);

struct env_var {
	const char	*name;
	const char	*value;		/* NULL: unset */
};

/*
 * Render n variables as the shell's assignment lines ("export N='v'" for
 * sh; "set -gx N 'v'" for fish; "setenv N 'v'" for csh; "$env:N = 'v'"
 * for PowerShell; N='v' for dotenv; one JSON object for json).  With
 * unset, render removals instead (values ignored).  Returns NULL if a
 * value cannot be quoted.  The result holds secrets: secret_free().
 * Also NULL if a name fails output_valid_varname() or appears twice.
 * A NULL value without unset renders that variable's removal line
 * (json: null).  json is one line: {"N": "v", "M": null} and a newline.
 */
char	*output_env(enum shell sh, const struct env_var *vars, size_t n,
	    int unset);

/*
 * Format t as "YYYY-MM-DDTHH:MM:SSZ" into buf (>= 21 bytes).  Returns
 * buf, or NULL if bufsz < 21 or the year is outside 0000-9999.
 */
const char *output_rfc3339(time_t t, char *buf, size_t bufsz);
/*
 * Parse RFC 3339 ("...Z", optional fraction, or +hh:mm): vtoken's one
 * parser, for IAM's expireTime and the tests.  0 or -1.
 * The fraction is ignored (truncated); a leap second (:60) counts as the
 * next second.  *out is 0 on failure.
 */
int	 output_parse_rfc3339(const char *s, time_t *out);

/*
 * The expiry to tell a client that keeps a token (git, kubectl): the
 * token's, less a minute, or less half the life left when that is
 * shorter, so the client stops using it before the server does.
 */
time_t	 output_client_expiry(time_t expires_at, time_t now);

#endif /* VTOKEN_OUTPUT_H */
