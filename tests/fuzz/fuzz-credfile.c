/*
 * fuzz-credfile: a credential file of any type (credfile_parse), as
 * GOOGLE_APPLICATION_CREDENTIALS or --credentials would hand it over.
 */
#include "config.h"

#include "vtoken.h"
#include "credfile.h"
#include "fuzz.h"
#include "log.h"
#include "source.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct source	*src = NULL;

	log_init(-1);
	if (credfile_parse((const char *)data, size, "fuzz.json", "fuzz",
	    &src) == 0)
		fuzz_assert(src != NULL, "a parsed file yields a source");
	else
		fuzz_assert(src == NULL && vt_errmsg() != NULL,
		    "a refused file yields a message and no source");
	source_free(src);
	vt_err_clear();
	return 0;
}
