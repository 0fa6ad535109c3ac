/*
 * starplugin - runs the command-line build this CPU can run.
 *
 * The command line is C# compiled ahead of time (NativeAOT) into self-contained
 * executables, so users need no .NET runtime. NativeAOT fixes the instruction set at
 * build time (native/dispatch/starplugin-dispatch.c says why that matters), so, as for
 * libstarplugin, two builds ship beside this program:
 *   starplugin-avx2      (x86-64-v3: AVX2, FMA, BMI)
 *   starplugin-baseline  (.NET 10's x64 baseline, x86-64-v2: SSE4.2, POPCNT).
 * This program replaces itself (execv: same process, arguments, standard streams and
 * exit status) with the best one the CPU runs. STARPLUGIN_CPU=baseline forces the
 * portable build; STARPLUGIN_VERBOSE=1 names the build started on stderr.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "starplugin-cpu.h"

int main(int argc, char** argv)
{
    (void)argc;
    /* Our own folder, with links resolved (~/.local/bin/starplugin links to the install). */
    char dir[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 1);
    if (n <= 0) {
        fprintf(stderr, "starplugin: error: cannot find the program's own folder: %s\n", strerror(errno));
        return 3;
    }
    dir[n] = '\0';
    char* slash = strrchr(dir, '/');
    if (slash) *slash = '\0';

    if (!sp_cpu_runs_baseline_build()) {
        fprintf(stderr, "starplugin: error: this CPU lacks SSE4.2/POPCNT (x86-64-v2), which StarPlugin needs\n");
        return 3;
    }
    const char* forced = getenv("STARPLUGIN_CPU");
    int avx2 = !(forced && strcmp(forced, "baseline") == 0) && sp_cpu_runs_avx2_build();
    const char* verbose = getenv("STARPLUGIN_VERBOSE");
    char path[PATH_MAX];
    for (int attempt = 0; attempt < 2; attempt++, avx2 = 0) {
        if (snprintf(path, sizeof path, "%s/starplugin-%s", dir, avx2 ? "avx2" : "baseline") >= (int)sizeof path) {
            fprintf(stderr, "starplugin: error: install path too long\n");
            return 3;
        }
        if (verbose && strcmp(verbose, "1") == 0) fprintf(stderr, "starplugin: running %s\n", path);
        execv(path, argv);
        /* Only a missing AVX2 build falls back to the portable one. */
        if (!avx2 || errno != ENOENT) break;
    }
    fprintf(stderr, "starplugin: error: cannot run %s: %s\n", path, strerror(errno));
    return 3;
}
