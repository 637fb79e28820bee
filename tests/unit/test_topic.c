/* Topic names, topic filters and matching (MQTT 3.1.1 / 5.0 section 4.7, 5.0 section 4.8.2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tern/codec.h"

/* Exact-size heap copies, so that AddressSanitizer sees any read past a span. */
static tern_bytes copy_of(const char *s, size_t n)
{
    uint8_t *p = malloc(n ? n : 1);
    assert_non_null(p);
    if (n) memcpy(p, s, n);
    return (tern_bytes){p, (uint32_t)n};
}

static tern_status name_status(const char *s, size_t n)
{
    tern_bytes b = copy_of(s, n);
    tern_status st = tern_topic_validate_name(b);
    free((void *)(uintptr_t)b.data);
    return st;
}

static tern_status filter_status(const char *s, size_t n)
{
    tern_bytes b = copy_of(s, n);
    tern_status st = tern_topic_validate_filter(b);
    free((void *)(uintptr_t)b.data);
    return st;
}

static int matches(const char *filter, const char *topic)
{
    tern_bytes f = copy_of(filter, strlen(filter)), t = copy_of(topic, strlen(topic));
    int m = tern_topic_matches(f, t);
    free((void *)(uintptr_t)f.data);
    free((void *)(uintptr_t)t.data);
    return m;
}

#define NAME(s) name_status((s), sizeof(s) - 1)
#define FILTER(s) filter_status((s), sizeof(s) - 1)

static void names_allow_any_level_but_no_wildcards(void **state)
{
    (void)state;
    assert_int_equal(NAME("sport/tennis/player1"), TERN_OK);
    assert_int_equal(NAME("/"), TERN_OK);
    assert_int_equal(NAME("//a//"), TERN_OK);
    assert_int_equal(NAME(" "), TERN_OK);
    assert_int_equal(NAME("$SYS/broker"), TERN_OK);
    assert_int_equal(NAME("caf\xC3\xA9/\xE2\x82\xAC"), TERN_OK);
    assert_int_equal(NAME(""), TERN_ERR_TOPIC_EMPTY);
    assert_int_equal(NAME("+"), TERN_ERR_TOPIC_WILDCARD);
    assert_int_equal(NAME("a/#"), TERN_ERR_TOPIC_WILDCARD);
    assert_int_equal(NAME("sport+"), TERN_ERR_TOPIC_WILDCARD);
    assert_int_equal(NAME("a/b#c"), TERN_ERR_TOPIC_WILDCARD);
    assert_int_equal(NAME("a\0b"), TERN_ERR_UTF8_NULL);
    assert_int_equal(NAME("a/\xC0\xAF"), TERN_ERR_UTF8_OVERLONG);
    assert_int_equal(NAME("\xED\xA0\x80"), TERN_ERR_UTF8_SURROGATE);
    assert_int_equal(NAME("a\xC3"), TERN_ERR_UTF8_ILL_FORMED);
}

static void filters_place_wildcards_by_the_rules(void **state)
{
    (void)state;
    static const char *const valid[] = {
        "+", "#", "/+/", "/", "+/+", "/+", "sport/#", "sport/tennis/#", "+/tennis/#",
        "sport/+/player1", "$SYS/#", "a//b", "$share", "$shared/g/a", "$sharex",
    };
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++)
        if (filter_status(valid[i], strlen(valid[i])) != TERN_OK) fail_msg("%s refused", valid[i]);
    static const char *const misplaced[] = {
        "sport/tennis#", "sport/tennis/#/ranking", "sport+", "+sport", "a/+b/c", "#/a", "##",
        "++", "a/#/", "a/b+", "+#", "#+",
    };
    for (size_t i = 0; i < sizeof misplaced / sizeof misplaced[0]; i++)
        if (filter_status(misplaced[i], strlen(misplaced[i])) != TERN_ERR_FILTER_WILDCARD)
            fail_msg("%s not refused as a misplaced wildcard", misplaced[i]);
    assert_int_equal(FILTER(""), TERN_ERR_TOPIC_EMPTY);
    assert_int_equal(FILTER("a/\0"), TERN_ERR_UTF8_NULL);
    assert_int_equal(FILTER("+/\xF8\x88\x80\x80\x80"), TERN_ERR_UTF8_ILL_FORMED);
}

static void shared_filters_need_a_name_and_a_filter(void **state)
{
    (void)state;
    assert_int_equal(FILTER("$share/g/a/+"), TERN_OK);
    assert_int_equal(FILTER("$share/group-1/#"), TERN_OK);
    assert_int_equal(FILTER("$share/g//"), TERN_OK);
    assert_int_equal(FILTER("$share/g/$SYS/+"), TERN_OK);
    assert_int_equal(FILTER("$share/g"), TERN_ERR_SHARED_FILTER);
    assert_int_equal(FILTER("$share/g/"), TERN_ERR_SHARED_FILTER);
    assert_int_equal(FILTER("$share/"), TERN_ERR_SHARED_FILTER);
    assert_int_equal(FILTER("$share//a"), TERN_ERR_SHARED_FILTER);
    assert_int_equal(FILTER("$share/g+/a"), TERN_ERR_SHARED_FILTER);
    assert_int_equal(FILTER("$share/+/a"), TERN_ERR_SHARED_FILTER);
    assert_int_equal(FILTER("$share/#/a"), TERN_ERR_SHARED_FILTER);
    assert_int_equal(FILTER("$share/g/a#"), TERN_ERR_FILTER_WILDCARD);
    assert_int_equal(FILTER("$share/g/#/a"), TERN_ERR_FILTER_WILDCARD);
    assert_int_equal(FILTER("$share/\xC3/a"), TERN_ERR_UTF8_ILL_FORMED);
}

static void multi_level_wildcard_matches_parent_and_children(void **state)
{
    (void)state;
    assert_true(matches("sport/tennis/player1/#", "sport/tennis/player1"));
    assert_true(matches("sport/tennis/player1/#", "sport/tennis/player1/ranking"));
    assert_true(matches("sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon"));
    assert_true(matches("sport/tennis/player1/#", "sport/tennis/player1/"));
    assert_false(matches("sport/tennis/player1/#", "sport/tennis/player2"));
    assert_false(matches("sport/tennis/player1/#", "sport/tennis/player10"));
    assert_false(matches("sport/tennis/player1/#", "sport/tennis"));
    assert_true(matches("sport/#", "sport"));
    assert_false(matches("sport/#", "sports"));
    assert_false(matches("sport/#", "spor"));
    assert_true(matches("#", "sport/tennis"));
    assert_true(matches("#", "/"));
    assert_true(matches("#", "a"));
    assert_true(matches("/#", "/"));
    assert_true(matches("/#", "/a/b"));
    assert_false(matches("/#", "a"));
    assert_true(matches("+/#", "a"));
    assert_true(matches("a/+/#", "a/b"));
    assert_false(matches("a/+/#", "a"));
}

static void single_level_wildcard_matches_one_level(void **state)
{
    (void)state;
    assert_true(matches("sport/tennis/+", "sport/tennis/player1"));
    assert_true(matches("sport/tennis/+", "sport/tennis/player2"));
    assert_false(matches("sport/tennis/+", "sport/tennis/player1/ranking"));
    assert_true(matches("sport/+", "sport/"));
    assert_false(matches("sport/+", "sport"));
    assert_true(matches("+", "sport"));
    assert_false(matches("+", "/finance"));
    assert_true(matches("+/+", "/finance"));
    assert_true(matches("/+", "/finance"));
    assert_false(matches("/+", "finance"));
    assert_true(matches("a/+/c", "a//c"));
    assert_true(matches("+/+/+", "//"));
    assert_false(matches("+/+", "a/b/c"));
    assert_true(matches("+/tennis/#", "sport/tennis/x"));
}

static void plain_filters_match_only_the_same_topic(void **state)
{
    (void)state;
    assert_true(matches("a/b", "a/b"));
    assert_false(matches("a/b", "a/b/"));
    assert_false(matches("a/b/", "a/b"));
    assert_false(matches("a/bc", "a/"));  /* topic used up, two filter bytes left */
    assert_false(matches("a", ""));
    assert_false(matches("+", ""));
    assert_false(matches("a/b", "a/c"));
    assert_false(matches("a/b", "A/b"));
    assert_false(matches("ab", "a"));
    assert_false(matches("a", "ab"));
    assert_true(matches("/", "/"));
    assert_true(matches("caf\xC3\xA9", "caf\xC3\xA9"));
}

static void dollar_topics_escape_leading_wildcards(void **state)
{
    (void)state;
    assert_false(matches("#", "$SYS/broker"));
    assert_false(matches("+/monitor/Clients", "$SYS/monitor/Clients"));
    assert_false(matches("+", "$SYS"));
    assert_true(matches("$SYS/#", "$SYS/x"));
    assert_true(matches("$SYS/#", "$SYS"));
    assert_true(matches("$SYS/monitor/+", "$SYS/monitor/Clients"));
    assert_true(matches("$SYS/+/Clients", "$SYS/monitor/Clients"));
    /* Only the first character counts. */
    assert_true(matches("#", "a/$SYS"));
    assert_true(matches("+/$x", "a/$x"));
}

static void shared_filters_match_by_their_inner_filter(void **state)
{
    (void)state;
    assert_true(matches("$share/g/a/+", "a/b"));
    assert_false(matches("$share/g/a/+", "g/a/b"));
    assert_false(matches("$share/g/a/+", "$share/g/a/b"));
    assert_true(matches("$share/g/#", "x/y"));
    assert_false(matches("$share/g/#", "$SYS/x"));
    assert_true(matches("$share/g/$SYS/#", "$SYS/x"));
    /* Malformed shared filters never match (callers validate first; this is just safe). */
    assert_false(matches("$share/g", "g"));
    assert_false(matches("$share/g/", "g"));
    /* "$share" alone or "$shared/..." is a plain filter. */
    assert_true(matches("$share", "$share"));
    assert_true(matches("$shared/#", "$shared/x"));
    assert_false(matches("$shared/g/#", "x"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(names_allow_any_level_but_no_wildcards),
        cmocka_unit_test(filters_place_wildcards_by_the_rules),
        cmocka_unit_test(shared_filters_need_a_name_and_a_filter),
        cmocka_unit_test(multi_level_wildcard_matches_parent_and_children),
        cmocka_unit_test(single_level_wildcard_matches_one_level),
        cmocka_unit_test(plain_filters_match_only_the_same_topic),
        cmocka_unit_test(dollar_topics_escape_leading_wildcards),
        cmocka_unit_test(shared_filters_match_by_their_inner_filter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
