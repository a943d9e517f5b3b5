/*
 * resolve.h: PRODUCT.md's documented resolution order for credentials and
 * the project, each step recorded in ctx's trace for `status`.
 */
#ifndef VTOKEN_RESOLVE_H
#define VTOKEN_RESOLVE_H

struct vt_ctx;
struct source;

/*
 * Find the credential: explicit (--credentials, --api-key-file, the
 * profile's credentials and api_key_file, the keyring, VTOKEN_API_KEY,
 * GOOGLE_API_KEY, GEMINI_API_KEY), then GOOGLE_APPLICATION_CREDENTIALS,
 * then gcloud's well-known ADC file, then the metadata server.  A file
 * that is named but missing is VT_ERR_CONFIG, never a fall-through;
 * nothing found is VT_ERR_CONFIG with what to do.  Choosing an API key
 * sets ctx->gemini.
 */
int	 resolve_credentials(struct vt_ctx *ctx, struct source **out);

/*
 * Fill ctx->project if it is not set yet: GOOGLE_CLOUD_PROJECT,
 * GCLOUD_PROJECT, CLOUDSDK_CORE_PROJECT, profile, the credential's
 * project_id (src may be NULL), gcloud's active configuration, the
 * metadata server (not for the Gemini API).  Not
 * finding one is not an error here.  A value that is not a valid project
 * ID is VT_ERR_CONFIG (VT_ERR_USAGE from the command line).
 */
int	 resolve_project(struct vt_ctx *ctx, const struct source *src);

/*
 * The OpenAI-compatible base URL: --base-url as given, else for the
 * Gemini API (ctx->gemini) VT_GEMINI_BASE_URL, else the Vertex URL
 * for ctx's project, location, endpoint and API version.  VT_ERR_CONFIG
 * when the project is missing, with the three ways to set one.
 */
int	 resolve_base_url(struct vt_ctx *ctx, char **out);

#endif /* VTOKEN_RESOLVE_H */
