/*
 * fuzz-gcloud: gcloud's configuration, read for its project
 * (gcloud_project): the first line is active_config, the rest the
 * configuration file it names (or config_default, for a name gcloud
 * could not have written).
 */
#include "config.h"

#include <sys/stat.h>

#include <limits.h>
#include <string.h>

#include "vtoken.h"
#include "fuzz.h"
#include "gcloud.h"
#include "log.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		 name[PATH_MAX], *line, *project = NULL, *origin = NULL;
	size_t		 n;

	log_init(-1);
	setenv("CLOUDSDK_CONFIG", fuzz_dir(), 1);
	snprintf(name, sizeof name, "%s/configurations", fuzz_dir());
	(void)mkdir(name, 0700);
	line = fuzz_line(&data, &size);
	(void)fuzz_file("active_config", (const uint8_t *)line, strlen(line));
	n = strspn(line, "abcdefghijklmnopqrstuvwxyz0123456789-_");
	snprintf(name, sizeof name, "configurations/config_%.64s",
	    n == strlen(line) && n > 0 && n <= 64 ? line : "default");
	(void)fuzz_file(name, data, size);
	if (gcloud_project(&project, &origin)) {
		fuzz_assert(project != NULL && *project != '\0' &&
		    origin != NULL, "a project found is named, with its origin");
		fuzz_assert(strchr(project, '\n') == NULL,
		    "a project is one line");
	}
	free(project);
	free(origin);
	free(line);
	return 0;
}
