/* cmd-header.c: not written yet. */
#include "config.h"
