/*
 * Which of StarPlugin's NativeAOT builds this CPU can run, for the C front ends that
 * choose one (the CLI launcher; the library dispatcher can use it too).
 *   avx2 build:      x86-64-v3 as NativeAOT compiles for it (AVX, AVX2, FMA, BMI1/2)
 *   baseline build:  .NET 10's x64 baseline, x86-64-v2 (SSE4.2, POPCNT); a CPU without it
 *                    would abort at the build's start-up, so front ends refuse it first.
 */
#ifndef STARPLUGIN_CPU_H
#define STARPLUGIN_CPU_H

static inline int sp_cpu_runs_avx2_build(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("bmi")
        && __builtin_cpu_supports("bmi2") && __builtin_cpu_supports("avx");
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
