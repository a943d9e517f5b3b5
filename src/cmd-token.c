/* cmd-token.c: not written yet. */
#include "config.h"
