/**
 * @file version.h
 * @brief The version of tern: macros for the headers compiled against, a function for the
 *        library linked at run time.
 *
 * Kept in step with `project(tern VERSION ...)` in CMakeLists.txt; the unit test test_version
 * fails when the two disagree.
 */
#ifndef TERN_VERSION_H
#define TERN_VERSION_H

/** @brief Major version: changes when the API or ABI changes incompatibly. */
#define TERN_VERSION_MAJOR 0
/** @brief Minor version: new features, compatible. */
#define TERN_VERSION_MINOR 1
/** @brief Patch version: fixes only. */
#define TERN_VERSION_PATCH 0
/** @brief The version as a string, "MAJOR.MINOR.PATCH". */
#define TERN_VERSION_STRING "0.1.0"

/**
 * @brief One number that compares in version order: 0xMMmmpp (major, minor, patch).
 *
 * Use it in the preprocessor: `#if TERN_VERSION >= TERN_VERSION_AT(0, 2, 0)`.
 */
#define TERN_VERSION TERN_VERSION_AT(TERN_VERSION_MAJOR, TERN_VERSION_MINOR, TERN_VERSION_PATCH)

/**
 * @brief The number TERN_VERSION would be for version major.minor.patch.
 * @param major major version (0..255)
 * @param minor minor version (0..255)
 * @param patch patch version (0..255)
 */
#define TERN_VERSION_AT(major, minor, patch) (((major) << 16) | ((minor) << 8) | (patch))

#ifdef __cplusplus
extern "C" {
#endif

/* The public API: what libtern.so exports (the library is built with -fvisibility=hidden). */
#if defined(__GNUC__)
#pragma GCC visibility push(default)
#endif

/**
 * @brief The version of the library linked at run time, "MAJOR.MINOR.PATCH".
 *
 * With a shared library it may differ from TERN_VERSION_STRING, which is the version of the
 * headers the application was compiled against.
 *
 * @return A static string; never NULL. Callable from any thread and from callbacks.
 */
const char *tern_version(void);

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif

#ifdef __cplusplus
}
#endif

#endif
