/* Programs include <wolfssl/options.h> for the options wolfSSL was configured with; a
 * ./configure build generates it. This build has user_settings.h instead, which wolfSSL's
 * settings.h reads (WOLFSSL_USER_SETTINGS): this stand-in points there. */
#ifndef TERN_DEVICE_WOLFSSL_OPTIONS_H
#define TERN_DEVICE_WOLFSSL_OPTIONS_H
#include <wolfssl/wolfcrypt/settings.h>
#endif
