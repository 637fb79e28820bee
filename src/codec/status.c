/* Strings for tern_status, produced from the same list as the enum. */
#include "tern/status.h"

#if TERN_CFG_STATUS_STRINGS
#define TERN_STATUS_TEXT_ENTRY(name, text) text,
#define TERN_STATUS_NAME_ENTRY(name, text) #name,
static const char *const status_text[] = {TERN_STATUS_LIST(TERN_STATUS_TEXT_ENTRY)};
static const char *const status_names[] = {TERN_STATUS_LIST(TERN_STATUS_NAME_ENTRY)};
#endif

const char *tern_status_str(tern_status status)
{
#if TERN_CFG_STATUS_STRINGS
    if ((unsigned)status < (unsigned)TERN_STATUS_COUNT) return status_text[status];
    return "unknown status";
#else
    (void)status;
    return "";
#endif
}

const char *tern_status_name(tern_status status)
{
#if TERN_CFG_STATUS_STRINGS
    if ((unsigned)status < (unsigned)TERN_STATUS_COUNT) return status_names[status];
    return "TERN_STATUS_UNKNOWN";
#else
    (void)status;
    return "";
#endif
}
