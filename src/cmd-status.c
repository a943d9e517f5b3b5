/* cmd-status.c: not written yet. */
#include "config.h"
