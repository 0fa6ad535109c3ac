/*
 * Which of StarPlugin's NativeAOT builds this CPU can run, for the C front ends that
 * choose one (the CLI launcher; the library dispatcher makes the same AVX2 check).
 *   avx2 build:      x86-64-v3 as NativeAOT compiles for it: every feature that
 *                    native/dispatch/cpu_features.h lists (AVX, AVX2, FMA, BMI1/2, LZCNT,
 *                    MOVBE, F16C and v2's), and the OS saving the YMM registers: the one
 *                    list, so the launcher and libstarplugin's dispatcher agree.
 *   baseline build:  .NET 10's x64 baseline, x86-64-v2 (SSE4.2, POPCNT); a CPU without it
 *                    would abort at the build's start-up, so front ends refuse it first.
 */
#ifndef STARPLUGIN_CPU_H
#define STARPLUGIN_CPU_H

#include "../dispatch/cpu_features.h"

static inline int sp_cpu_runs_avx2_build(void)
{
#ifdef SP_HAVE_CPUID
    sp_cpu_words words;
    char missing[160];
    sp_cpu_read(&words);
    return sp_cpu_missing_v3(&words, missing, sizeof missing) == 0;
#else
    return 0;
#endif
}

static inline int sp_cpu_runs_baseline_build(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("sse4.2") && __builtin_cpu_supports("popcnt");
#else
    return 1;
#endif
}

#endif
