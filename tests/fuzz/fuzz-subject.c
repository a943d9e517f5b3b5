/*
 * fuzz-subject: what a workload-identity credential source hands over:
 * a subject token file or URL reply, as text or as JSON with the field
 * the credential file names (subject_extract); an executable's output
 * (subject_exec_parse); and the executable's command line
 * (subject_split).  The first byte picks which.
 */
#include "config.h"

#include <string.h>

#include "vtoken.h"
#include "fuzz.h"
#include "log.h"
#include "secret.h"
#include "subject.h"
#include "xmalloc.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const fields[] = {
		NULL, "value", "access_token", "id_token", "token"
	};
	const char	*body;
	char		*tok = NULL, *cmd, **argv;
	time_t		 exp = 0;
	size_t		 len, i;
	int		 expired = 0, r;

	if (size == 0)
		return 0;
	log_init(-1);
	body = (const char *)data + 1;
	len = size - 1;
	switch (data[0] % 4) {
	case 0:
		r = subject_extract(body, len,
		    fields[(data[0] >> 2) % (sizeof fields / sizeof fields[0])],
		    "fuzz", &tok);
		fuzz_assert((r == 0) == (tok != NULL && *tok != '\0'),
		    "a token exactly on success, never empty");
		break;
	case 1:
		r = subject_exec_parse(body, len, 1800000000, data[0] & 4,
		    "fuzz", &tok, &exp, &expired);
		fuzz_assert((r == 0) == (tok != NULL && *tok != '\0'),
		    "a token exactly on success, never empty");
		fuzz_assert(r != 0 || exp == 0 || exp > 1800000000,
		    "an accepted subject token has not expired");
		break;
	default:
		cmd = fuzz_cstr((const uint8_t *)body, len);
		if ((argv = subject_split(cmd)) != NULL) {
			fuzz_assert(argv[0] != NULL, "a command has a word");
			for (i = 0; argv[i] != NULL; i++)
				fuzz_assert(strlen(argv[i]) <= strlen(cmd),
				    "a word is no longer than the command");
		}
		xstrv_free(argv);
		free(cmd);
		break;
	}
	secret_free(tok);
	vt_err_clear();
	return 0;
}
