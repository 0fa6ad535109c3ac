/*
 * cpu_features.h - what the AVX2 core of libstarplugin needs from the CPU and the OS.
 *
 * The core is compiled by NativeAOT for x86-64-v3 (ILC: x86-x64-v2 + AVX2, BMI1, BMI2,
 * LZCNT, MOVBE, FMA), and its runtime aborts the whole process at start-up on a CPU that
 * lacks one of them, taking the host (GIMP, G'MIC) down. So the dispatcher loads it only
 * when every feature of the psABI's x86-64-v3 level is present (v2's CMPXCHG16B,
 * LAHF/SAHF, POPCNT, SSE3, SSSE3, SSE4.1, SSE4.2; v3's AVX, AVX2, BMI1, BMI2, F16C, FMA,
 * LZCNT, MOVBE) AND the OS saves the YMM registers on a context switch (OSXSAVE, with
 * XCR0 bits 1 and 2 set): without that, the first AVX instruction faults even on a CPU
 * that has AVX.
 *
 * sp_cpu_missing_v3() is a pure function of the CPUID/XGETBV words, so a test can feed it
 * every single feature cleared.
 */
#ifndef STARPLUGIN_CPU_FEATURES_H
#define STARPLUGIN_CPU_FEATURES_H

#include <stdint.h>

/* The CPUID and XGETBV words the check reads. */
typedef struct sp_cpu_words {
    uint32_t leaf1_ecx;       /* CPUID.1:ECX */
    uint32_t leaf7_ebx;       /* CPUID.(7,0):EBX */
    uint32_t ext1_ecx;        /* CPUID.80000001h:ECX */
    uint64_t xcr0;            /* XGETBV(0), 0 when OSXSAVE is clear */
    uint32_t max_leaf, max_ext_leaf;
} sp_cpu_words;

typedef struct sp_cpu_feature { const char* name; int word; uint32_t bit; } sp_cpu_feature;

/* word: 1 = leaf1_ecx, 7 = leaf7_ebx, 8 = ext1_ecx (bit numbers from the Intel SDM). */
static const sp_cpu_feature sp_v3_features[] = {
    { "sse3", 1, 0 }, { "ssse3", 1, 9 }, { "fma", 1, 12 }, { "cmpxchg16b", 1, 13 },
    { "sse4.1", 1, 19 }, { "sse4.2", 1, 20 }, { "movbe", 1, 22 }, { "popcnt", 1, 23 },
    { "osxsave", 1, 27 }, { "avx", 1, 28 }, { "f16c", 1, 29 },
    { "bmi1", 7, 3 }, { "avx2", 7, 5 }, { "bmi2", 7, 8 },
    { "lahf_lm", 8, 0 }, { "lzcnt", 8, 5 },
};

/* Writes the names of what is missing (space-separated) into buf and returns how many;
 * 0 means the AVX2 core can run. */
static int sp_cpu_missing_v3(const sp_cpu_words* w, char* buf, unsigned size)
{
    int missing = 0;
    unsigned used = 0;
    if (size) buf[0] = '\0';
    for (unsigned i = 0; i < sizeof sp_v3_features / sizeof sp_v3_features[0]; i++) {
        const sp_cpu_feature* f = &sp_v3_features[i];
        uint32_t word = f->word == 1 ? (w->max_leaf >= 1 ? w->leaf1_ecx : 0)
                      : f->word == 7 ? (w->max_leaf >= 7 ? w->leaf7_ebx : 0)
                      : (w->max_ext_leaf >= 0x80000001u ? w->ext1_ecx : 0);
        if (word & (UINT32_C(1) << f->bit)) continue;
        missing++;
        const char* name = f->name;
        while (*name && used + 2 < size) buf[used++] = *name++;
        if (used + 1 < size) buf[used++] = ' ';
        if (size) buf[used < size ? used : size - 1] = '\0';
    }
    /* The OS must save XMM (bit 1) and YMM (bit 2) state. */
    int osxsave = w->max_leaf >= 1 && (w->leaf1_ecx & (UINT32_C(1) << 27));
    if (!osxsave || (w->xcr0 & 6) != 6) {
        missing++;
        const char* name = "os-ymm-state";
        while (*name && used + 2 < size) buf[used++] = *name++;
        if (size) buf[used < size ? used : size - 1] = '\0';
    }
    return missing;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
/* This CPU's words. */
static void sp_cpu_read(sp_cpu_words* w)
{
    unsigned a = 0, b = 0, c = 0, d = 0;
    *w = (sp_cpu_words){ 0 };
    w->max_leaf = __get_cpuid_max(0, 0);
    w->max_ext_leaf = __get_cpuid_max(0x80000000u, 0);
    if (w->max_leaf >= 1 && __get_cpuid(1, &a, &b, &c, &d)) w->leaf1_ecx = c;
    if (w->max_leaf >= 7) { __cpuid_count(7, 0, a, b, c, d); w->leaf7_ebx = b; }
    if (w->max_ext_leaf >= 0x80000001u && __get_cpuid(0x80000001u, &a, &b, &c, &d)) w->ext1_ecx = c;
    if (w->leaf1_ecx & (1u << 27)) {
        uint32_t lo, hi;
        __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        w->xcr0 = ((uint64_t)hi << 32) | lo;
    }
}
#define SP_HAVE_CPUID 1
#endif

#endif /* STARPLUGIN_CPU_FEATURES_H */
