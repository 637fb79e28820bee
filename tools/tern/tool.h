/* The subcommands of the tern command. Each returns the process exit code. */
#ifndef TERN_TOOL_H
#define TERN_TOOL_H

#include "options.h"

int tool_pub(const tool_options *o);
int tool_sub(const tool_options *o);

#endif
