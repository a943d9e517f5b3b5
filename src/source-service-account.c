/* source-service-account.c: not written yet. */
#include "config.h"
