/*
 * test_status.c - status names and messages are stable and total; the feature bits match the
 * build options this test was compiled with; the page source describes itself.
 */
#include "check.h"

static void test_names_are_stable(void) {
    /* The numbers cross the wasm boundary: pin each one to its name. */
    static const struct {
        gomem_status status;
        unsigned number;
        const char *name;
    } expected[] = {
        {GOMEM_OK, 0, "OK"},
        {GOMEM_ERR_NOMEM, 1, "NOMEM"},
        {GOMEM_ERR_INVALID_ARGUMENT, 2, "INVALID_ARGUMENT"},
        {GOMEM_ERR_INVALID_SIZE, 3, "INVALID_SIZE"},
        {GOMEM_ERR_FOREIGN_POINTER, 4, "FOREIGN_POINTER"},
        {GOMEM_ERR_OUT_OF_RANGE, 5, "OUT_OF_RANGE"},
        {GOMEM_ERR_DOUBLE_FREE, 6, "DOUBLE_FREE"},
        {GOMEM_ERR_END_OF_DATA, 7, "END_OF_DATA"},
        {GOMEM_ERR_OVERFLOW, 8, "OVERFLOW"},
        {GOMEM_ERR_STRADDLE, 9, "STRADDLE"},
        {GOMEM_ERR_UNSUPPORTED, 10, "UNSUPPORTED"},
        {GOMEM_ERR_SPANS_ALLOCATIONS, 11, "SPANS_ALLOCATIONS"},
    };
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++) {
        CHECK_EQ((unsigned)expected[i].status, expected[i].number);
        CHECK(strcmp(gomem_status_name(expected[i].status), expected[i].name) == 0);
        const char *message = gomem_status_message(expected[i].status);
        CHECK(message != NULL && strlen(message) > 5);
    }
    CHECK(strcmp(gomem_status_name((gomem_status)12), "UNKNOWN") == 0);
    CHECK(strcmp(gomem_status_name((gomem_status)-1), "UNKNOWN") == 0);
    CHECK(strcmp(gomem_status_message((gomem_status)1000), "unknown status") == 0);
}

static void test_features_match_build(void) {
    unsigned features = gomem_features();
    CHECK_EQ((features & GOMEM_FEATURE_TWOTREE) != 0, GOMEM_TWOTREE);
    CHECK_EQ((features & GOMEM_FEATURE_BUDDY) != 0, GOMEM_BUDDY);
    CHECK_EQ((features & GOMEM_FEATURE_DISABLE_RM) != 0, GOMEM_DISABLE_RM);
    CHECK_EQ((features & GOMEM_FEATURE_THREADS) != 0, GOMEM_THREADS);
    CHECK_EQ((features & GOMEM_FEATURE_DEBUG) != 0, GOMEM_DEBUG);
    CHECK_EQ((features & GOMEM_FEATURE_MMAP) != 0, GOMEM_MMAP);
    CHECK_EQ((features & GOMEM_FEATURE_HARDENED) != 0, GOMEM_HARDENED);
}

static void test_page_source(void) {
    const gomem_page_info *info = gomem_page_source();
    CHECK(info != NULL && info->name != NULL);
    CHECK(info->page_size >= GOMEM_MAX_ALIGNMENT);
    CHECK((info->page_size & (info->page_size - 1)) == 0);
    CHECK_EQ(gomem_page_limit(), 0);
    gomem_set_page_limit(12345);
    CHECK_EQ(gomem_page_limit(), 12345);
    gomem_set_page_limit(0);
}

int main(void) {
    RUN(test_names_are_stable);
    RUN(test_features_match_build);
    RUN(test_page_source);
    return check_report("test_status");
}
