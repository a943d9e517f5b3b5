/*
 * gcloud.h: what vtoken reads of the Cloud SDK's files, without running
 * gcloud: the well-known ADC file and the active configuration's
 * [core] project.  The config directory is $CLOUDSDK_CONFIG when set and
 * not empty, else $HOME/.config/gcloud (passwd home when HOME is unset).
 */
#ifndef VTOKEN_GCLOUD_H
#define VTOKEN_GCLOUD_H

/* gcloud's config directory.  Caller frees; NULL if no home is known. */
char	*gcloud_config_dir(void);
/* .../application_default_credentials.json.  Caller frees, or NULL. */
char	*gcloud_adc_path(void);

/*
 * The active configuration's core/project: CLOUDSDK_ACTIVE_CONFIG_NAME,
 * else the file active_config, else "default"; then
 * configurations/config_<name>, section [core], key project.  Returns 1
 * and sets *project and *origin (e.g. "gcloud configuration 'default'";
 * both caller frees), or 0 when there is none (no file, no key, an
 * unreadable or unparsable file: never an error).
 */
int	 gcloud_project(char **project, char **origin);

#endif /* VTOKEN_GCLOUD_H */
