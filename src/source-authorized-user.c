/* source-authorized-user.c: not written yet. */
#include "config.h"
