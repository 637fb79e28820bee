/* tern_str() and TERN_LIT(): a tern_bytes from a C string without counting by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tern/codec.h"

static const tern_bytes static_filter = TERN_LIT_INIT("sensors/+/temp");

static void str_spans_the_string_without_its_nul(void **state)
{
    (void)state;
    const char *topic = "sensors/+/temp";
    tern_bytes b = tern_str(topic);
    assert_ptr_equal(b.data, (const uint8_t *)topic);
    assert_int_equal(b.len, 14);
}

static void str_of_null_and_of_empty_are_empty(void **state)
{
    (void)state;
    tern_bytes none = tern_str(NULL);
    assert_null(none.data);
    assert_int_equal(none.len, 0);
    assert_int_equal(tern_str("").len, 0);
}

static void literal_is_counted_by_the_compiler(void **state)
{
    (void)state;
    tern_bytes b = TERN_LIT("a/b");
    assert_int_equal(b.len, 3);
    assert_memory_equal(b.data, "a/b", 3);
    assert_int_equal(static_filter.len, 14);
    assert_int_equal(TERN_LIT("").len, 0);
    /* Embedded NULs count: a literal's length is its size, not strlen. */
    assert_int_equal(TERN_LIT("a\0b").len, 3);
}

static void spans_work_with_the_codec(void **state)
{
    (void)state;
    assert_int_equal(tern_topic_validate_filter(static_filter), TERN_OK);
    assert_true(tern_topic_matches(static_filter, tern_str("sensors/kitchen/temp")));
    assert_false(tern_topic_matches(TERN_LIT("sensors/#"), tern_str("actuators/x")));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(str_spans_the_string_without_its_nul),
        cmocka_unit_test(str_of_null_and_of_empty_are_empty),
        cmocka_unit_test(literal_is_counted_by_the_compiler),
        cmocka_unit_test(spans_work_with_the_codec),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
