/* A device build of wolfCrypt for the firmware agent's size profile (bench/size/size_report.py):
 * what a Cortex-M project would put in its user settings for signature checks and SHA-256,
 * no threads, no file system, no RSA/DH. Only the agent's own objects are measured; wolfCrypt
 * itself is the device's to build and is not included in the figures. */
#define SINGLE_THREADED
#define NO_FILESYSTEM
#define NO_WRITEV
#define NO_DEV_RANDOM
#define WOLFSSL_USER_IO
#define HAVE_ECC
#define ECC_TIMING_RESISTANT
#define TFM_TIMING_RESISTANT
#define HAVE_ED25519
#define WOLFSSL_SHA512
#define WOLFSSL_SP_MATH_ALL
#define NO_RSA
#define NO_DH
#define NO_DSA
#define NO_MD4
#define NO_RC4
