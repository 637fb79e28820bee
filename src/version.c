/* The library's own version, for applications that want to know what they are linked with. */
#include "tern/version.h"

const char *tern_version(void) { return TERN_VERSION_STRING; }
