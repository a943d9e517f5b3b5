/* cmd-env.c: not written yet. */
#include "config.h"
