/* The version macros and tern_version() agree with each other and with CMake's project
 * version (TERN_PROJECT_VERSION, passed in by tests/CMakeLists.txt). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tern/version.h"

static void header_matches_cmake_project_version(void **state)
{
    (void)state;
    assert_string_equal(TERN_VERSION_STRING, TERN_PROJECT_VERSION);
}

static void library_reports_the_header_version(void **state)
{
    (void)state;
    assert_string_equal(tern_version(), TERN_VERSION_STRING);
}

static void number_matches_the_parts(void **state)
{
    (void)state;
    char text[32];
    snprintf(text, sizeof text, "%d.%d.%d", TERN_VERSION_MAJOR, TERN_VERSION_MINOR,
             TERN_VERSION_PATCH);
    assert_string_equal(text, TERN_VERSION_STRING);
    assert_int_equal(TERN_VERSION >> 16, TERN_VERSION_MAJOR);
    assert_int_equal((TERN_VERSION >> 8) & 0xff, TERN_VERSION_MINOR);
    assert_int_equal(TERN_VERSION & 0xff, TERN_VERSION_PATCH);
    assert_true(TERN_VERSION_AT(0, 1, 9) < TERN_VERSION_AT(0, 2, 0));
    assert_true(TERN_VERSION_AT(0, 255, 255) < TERN_VERSION_AT(1, 0, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(header_matches_cmake_project_version),
        cmocka_unit_test(library_reports_the_header_version),
        cmocka_unit_test(number_matches_the_parts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
