/* The dispatcher's CPU check (native/dispatch/cpu_features.h): with every feature the
 * AVX2 core needs it says yes; with any single one cleared, or without the OS saving
 * YMM state, it says no and names what is missing. Also prints this machine's verdict
 * and missing list for the test to compare with /proc/cpuinfo.
 * Prints "N passed, N failed"; exit code 0 only when all pass. */
#include <stdio.h>
#include <string.h>
#include "../dispatch/cpu_features.h"

static int passed = 0, failed = 0;
#define CHECK(cond, what) do { if (cond) passed++; else { failed++; printf("FAIL %s\n", what); } } while (0)

static sp_cpu_words all(void) {
    sp_cpu_words w = { 0 };
    w.max_leaf = 7; w.max_ext_leaf = 0x80000001u; w.xcr0 = 7;
    for (unsigned i = 0; i < sizeof sp_v3_features / sizeof sp_v3_features[0]; i++) {
        const sp_cpu_feature* f = &sp_v3_features[i];
        uint32_t* word = f->word == 1 ? &w.leaf1_ecx : f->word == 7 ? &w.leaf7_ebx : &w.ext1_ecx;
        *word |= UINT32_C(1) << f->bit;
    }
    return w;
}

int main(void) {
    char why[256];
    sp_cpu_words w = all();
    CHECK(sp_cpu_missing_v3(&w, why, sizeof why) == 0 && why[0] == '\0', "every feature: the AVX2 core runs");
    const char* required[] = { "avx", "avx2", "fma", "bmi1", "bmi2", "lzcnt", "movbe", "f16c", "osxsave",
                                "sse3", "ssse3", "sse4.1", "sse4.2", "popcnt", "cmpxchg16b", "lahf_lm" };
    for (unsigned r = 0; r < sizeof required / sizeof required[0]; r++) {
        int listed = 0;
        for (unsigned i = 0; i < sizeof sp_v3_features / sizeof sp_v3_features[0]; i++)
            if (strcmp(sp_v3_features[i].name, required[r]) == 0) {
                listed = 1;
                sp_cpu_words v = all();
                uint32_t* word = sp_v3_features[i].word == 1 ? &v.leaf1_ecx : sp_v3_features[i].word == 7 ? &v.leaf7_ebx : &v.ext1_ecx;
                *word &= ~(UINT32_C(1) << sp_v3_features[i].bit);
                char what[96]; snprintf(what, sizeof what, "without %s: refused and named", required[r]);
                CHECK(sp_cpu_missing_v3(&v, why, sizeof why) >= 1 && strstr(why, required[r]) != NULL, what);
            }
        char what[96]; snprintf(what, sizeof what, "%s is checked", required[r]);
        CHECK(listed, what);
    }
    sp_cpu_words v = all(); v.xcr0 = 3; /* the OS does not save YMM */
    CHECK(sp_cpu_missing_v3(&v, why, sizeof why) == 1 && strstr(why, "os-ymm-state") != NULL, "OS without YMM state: refused");
    v = all(); v.max_leaf = 1; /* no leaf 7: no AVX2, BMI */
    CHECK(sp_cpu_missing_v3(&v, why, sizeof why) == 3, "no CPUID leaf 7: avx2, bmi1, bmi2 missing");
    v = all(); v.max_ext_leaf = 0x80000000u;
    CHECK(sp_cpu_missing_v3(&v, why, sizeof why) == 2, "no extended leaf: lzcnt and lahf missing");
    char tiny[4];
    v = (sp_cpu_words){ 0 };
    CHECK(sp_cpu_missing_v3(&v, tiny, sizeof tiny) > 10 && strlen(tiny) < sizeof tiny, "a short buffer is never overrun");
#if defined(SP_HAVE_CPUID)
    sp_cpu_words here;
    sp_cpu_read(&here);
    int n = sp_cpu_missing_v3(&here, why, sizeof why);
    printf("this cpu: %s missing [%s]\n", n == 0 ? "v3" : "not v3", why);
#endif
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
