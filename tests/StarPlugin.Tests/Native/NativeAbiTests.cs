using System.Text.RegularExpressions;
using StarPlugin.Tests.Support;

namespace StarPlugin.Tests.Native;

/// <summary>The C header, the exported symbols and the C test program agree.</summary>
public partial class NativeAbiTests
{
    [GeneratedRegex(@"SP_API\s+[\w\s\*]+?\b(sp_\w+)\s*\(")]
    private static partial Regex HeaderFunction();

    [GeneratedRegex(@"EntryPoint\s*=\s*""(sp_\w+)""")]
    private static partial Regex EntryPoint();

    private static SortedSet<string> HeaderFunctions() =>
        new(HeaderFunction().Matches(File.ReadAllText(Repo.Path_("native", "include", "starplugin.h"))).Select(m => m.Groups[1].Value));

    [Test]
    public void HeaderDeclaresExactlyTheExportsInTheSource()
    {
        var source = new SortedSet<string>(Directory.EnumerateFiles(Repo.Path_("src", "StarPlugin.Native"), "*.cs", SearchOption.AllDirectories)
            .SelectMany(f => EntryPoint().Matches(File.ReadAllText(f)).Select(m => m.Groups[1].Value)));
        Assert.That(HeaderFunctions(), Is.Not.Empty);
        Assert.That(source, Is.EqualTo(HeaderFunctions()));
    }

    /// <summary>libstarplugin.so (the dispatcher) and the two NativeAOT cores it loads, by file name.</summary>
    private static readonly string[] Libraries = ["libstarplugin.so", "libstarplugin-avx2.so", "libstarplugin-baseline.so"];

    [TestCaseSource(nameof(Libraries))]
    public void HeaderDeclaresExactlyTheSymbolsTheLibraryExports(string name)
    {
        string so = Path.Combine(Path.GetDirectoryName(Repo.NativeLibrary())!, name);
        var (code, output) = Repo.Run("nm", $"-D --defined-only \"{so}\"");
        Assert.That(code, Is.EqualTo(0), output);
        var exported = new SortedSet<string>(output.Split('\n').Select(l => l.Trim().Split(' ').LastOrDefault() ?? "")
            .Select(s => s.Split('@')[0]).Where(s => s.StartsWith("sp_", StringComparison.Ordinal)));
        Assert.That(exported, Is.EqualTo(HeaderFunctions()));
    }

    [TestCaseSource(nameof(Libraries))]
    public void LibraryHasSonameRunpathAndNoDelete(string name)
    {
        var (_, output) = Repo.Run("readelf", $"-d \"{Path.Combine(Path.GetDirectoryName(Repo.NativeLibrary())!, name)}\"");
        Assert.That(output, Does.Contain($"Library soname: [{name}]"));
        Assert.That(output, Does.Contain("$ORIGIN"));
        Assert.That(output, Does.Contain("NODELETE"));
    }

    /// <summary>
    /// What the AVX2 core needs (x86-64-v3, native/dispatch/cpu_features.h), by the names
    /// /proc/cpuinfo gives them (pni is SSE3, cx16 is CMPXCHG16B). The kernel lists avx only
    /// where it saves YMM state; LZCNT ("abm") and OSXSAVE are not listed reliably (a VM here
    /// shows neither while CPUID has both), so the C test checks those bits directly.
    /// </summary>
    private static readonly string[] X86V3Flags =
        ["avx", "avx2", "fma", "bmi1", "bmi2", "movbe", "f16c", "pni", "ssse3", "sse4_1", "sse4_2", "popcnt", "cx16", "lahf_lm"];

    private static bool CpuRunsAvx2Core()
    {
        var flags = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal))?.Split(' ') ?? [];
        return X86V3Flags.All(flags.Contains);
    }

    private static string CompileAgainst(string dir, string source, string name, string include = "native/include")
    {
        string exe = Path.Combine(Path.GetTempPath(), $"{name}-{Environment.ProcessId}");
        var (cc, ccOut) = Repo.Run("gcc", $"-O1 -Wall -Wextra -Werror -o \"{exe}\" {source} -I{include} -L\"{dir}\" -lstarplugin -Wl,-rpath,\"{dir}\" -lm -lpthread");
        Assert.That(cc, Is.EqualTo(0), ccOut);
        return exe;
    }

    /// <summary>Builds a C test program against the library and runs it with the shipped model; it must pass every check.</summary>
    private static string RunCProgram(string source, string name, string include = "native/include", int timeoutMs = 300_000)
    {
        string dir = Path.GetDirectoryName(Repo.NativeLibrary())!;
        string exe = CompileAgainst(dir, source, name, include);
        try
        {
            var (code, output) = Repo.Run(exe, $"\"{Repo.Path_("models", "starless-v1.onnx")}\"", timeoutMs: timeoutMs);
            TestContext.Out.WriteLine(output);
            Assert.That(code, Is.EqualTo(0), output);
            Assert.That(output, Does.Match(@"\d+ passed, 0 failed"));
            return output;
        }
        finally { File.Delete(exe); }
    }

    /// <summary>
    /// Engine lifetime under threads: a release while another thread is inside
    /// sp_remove_stars (from its progress callback, and at twelve timings), concurrent and
    /// double releases, 20 stale handles, four threads sharing an engine while another
    /// creates and releases engines. Before reference counting this crashed (SIGSEGV).
    /// </summary>
    [Test]
    public void CStressTestOfEngineLifetimePasses() => RunCProgram("native/tests/capi_stress.c", "sp-stress");

    /// <summary>Overflowing and wrapping strides, stale handles, and callbacks only on the calling thread.</summary>
    [Test]
    public void CHostileTestPasses() => RunCProgram("native/tests/capi_hostile.c", "sp-hostile");

    /// <summary>
    /// Removal through the C API leaves nothing in the user's home: ONNX Runtime 1.32's
    /// Linux build otherwise writes a device id and an event database to
    /// ~/.cache/Microsoft/DeveloperTools/.onnxruntime (its telemetry) as the engine loads.
    /// </summary>
    [Test]
    public void RemovalThroughTheCApiWritesNothingUnderHome()
    {
        string dir = Path.GetDirectoryName(Repo.NativeLibrary())!;
        string exe = CompileAgainst(dir, "native/tests/capi_test.c", "sp-home");
        string home = Directory.CreateTempSubdirectory("sp-empty-home-").FullName;
        try
        {
            var env = new Dictionary<string, string> { ["HOME"] = home, ["XDG_CACHE_HOME"] = Path.Combine(home, ".cache"), ["ORT_DISABLE_TELEMETRY"] = "0" };
            var (code, output) = Repo.Run(exe, $"\"{Repo.Path_("models", "starless-v1.onnx")}\"", env: env);
            Assert.That(code, Is.EqualTo(0), output);
            Assert.That(output, Does.Match(@"\d+ passed, 0 failed"));
            Assert.That(Directory.EnumerateFileSystemEntries(home, "*", SearchOption.AllDirectories), Is.Empty, "files written under HOME");
        }
        finally { File.Delete(exe); Directory.Delete(home, true); }
    }

    /// <summary>
    /// The key table of starplugin.h (key, type, default) read from the header's comment,
    /// the multi-key row ("g_min", "g_max", "g_step" with its defaults on the next line) too.
    /// </summary>
    private static List<(string Key, string Type, double Default)> HeaderKeyTable()
    {
        var lines = File.ReadAllLines(Repo.Path_("native", "include", "starplugin.h"));
        int head = Array.FindIndex(lines, l => Regex.IsMatch(l, @"^\s*\*\s+key\s+type\s+default\s+used by"));
        Assert.That(head, Is.GreaterThan(0), "the key table's heading");
        var keys = new List<(string, string, double)>();
        static double Value(string v) => v == "NaN" ? double.NaN : double.Parse(v, System.Globalization.CultureInfo.InvariantCulture);
        for (int i = head + 1; i < lines.Length && lines[i].Trim() != "*"; i++)
        {
            var row = Regex.Match(lines[i], @"^\s*\*\s+((?:""\w+"",?\s*)+)(?:(int|double)\s+(\S+(?:,\s*\S+)*)\s\s)?");
            if (!row.Success) continue; // a continued meaning
            var names = Regex.Matches(row.Groups[1].Value, @"""(\w+)""").Select(m => m.Groups[1].Value).ToList();
            string type = row.Groups[2].Value, defaults = row.Groups[3].Value;
            if (type == "")
            {
                var next = Regex.Match(lines[++i], @"^\s*\*\s+(int|double)\s+(\S+(?:,\s*\S+)*)\s\s");
                Assert.That(next.Success, Is.True, lines[i]);
                type = next.Groups[1].Value; defaults = next.Groups[2].Value;
            }
            var values = defaults.Split(',').Select(v => Value(v.Trim())).ToList();
            Assert.That(values, Has.Count.EqualTo(names.Count), lines[i]);
            keys.AddRange(names.Select((n, k) => (n, type, values[k])));
        }
        return keys;
    }

    /// <summary>
    /// Every key the header documents is one the library knows, at the documented default
    /// (read back with sp_options_get from a fresh options object).
    /// </summary>
    [Test]
    public void TheHeadersKeyTableIsWhatTheLibraryHolds()
    {
        var keys = HeaderKeyTable();
        Assert.That(keys.Select(k => k.Key), Does.Contain("binning").And.Contain("keep_galaxies").And.Contain("g_step").And.Contain("saturation"));
        string dir = Directory.CreateTempSubdirectory("sp-keys").FullName;
        try
        {
            string source = Path.Combine(dir, "keys.c");
            File.WriteAllText(source, "#include <stdio.h>\n#include \"starplugin.h\"\nint main(void) {\n    sp_options* o = NULL; double v;\n    if (sp_options_create(&o) != SP_OK) return 1;\n" +
                string.Concat(keys.Select(k => $"    if (sp_options_get(o, \"{k.Key}\", &v) == SP_OK) printf(\"{k.Key} %.17g\\n\", v); else printf(\"{k.Key} unknown: %s\\n\", sp_last_error());\n")) +
                "    sp_options_release(o);\n    return 0;\n}\n");
            string exe = CompileAgainst(Path.GetDirectoryName(Repo.NativeLibrary())!, $"\"{source}\"", "sp-keys");
            try
            {
                var (code, output) = Repo.Run(exe, "");
                Assert.That(code, Is.EqualTo(0), output);
                var read = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ', 2)).ToDictionary(p => p[0], p => p[1]);
                foreach (var (key, type, def) in keys)
                {
                    Assert.That(read[key], Does.Not.Contain("unknown"), $"\"{key}\": {read[key]}");
                    double v = double.Parse(read[key], System.Globalization.CultureInfo.InvariantCulture);
                    Assert.That(v, double.IsNaN(def) ? Is.NaN : Is.EqualTo(def), $"\"{key}\" ({type}) defaults to {def} in starplugin.h");
                }
            }
            finally { File.Delete(exe); }
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>
    /// A host compiled against the previous release's header (ABI 3, kept verbatim in
    /// native/tests/abi) runs on this library, with every struct it passes ending at an
    /// unreadable page.
    /// </summary>
    [Test]
    public void HostBuiltAgainstThePreviousHeaderRunsOnThisLibrary() =>
        RunCProgram("native/tests/abi/host_v3.c", "sp-host-v3", include: "native/tests/abi");

    [GeneratedRegex(@"SP_API\s+([^;]+?\))\s*;", RegexOptions.Singleline)]
    private static partial Regex HeaderDeclaration();

    private static Dictionary<string, string> Declarations(string header) =>
        HeaderDeclaration().Matches(File.ReadAllText(header))
            .Select(m => Regex.Replace(Regex.Replace(m.Groups[1].Value, @"/\*.*?\*/", " ", RegexOptions.Singleline), @"\s+", " ").Replace("( ", "(").Replace(" )", ")").Trim())
            .ToDictionary(d => HeaderFunction().Match("SP_API " + d).Groups[1].Value);

    /// <summary>The ABI is append-only: every function of the previous header is still declared, with the same prototype.</summary>
    [Test]
    public void EveryFunctionOfThePreviousHeaderKeepsItsPrototype()
    {
        var previous = Declarations(Repo.Path_("native", "tests", "abi", "starplugin-v3.h"));
        var current = Declarations(Repo.Path_("native", "include", "starplugin.h"));
        Assert.That(previous, Has.Count.GreaterThan(10));
        foreach (var (name, prototype) in previous)
        {
            Assert.That(current.ContainsKey(name), $"{name} was removed");
            Assert.That(current[name], Is.EqualTo(prototype), $"{name} changed its prototype");
        }
    }

    /// <summary>The structs and enums of the previous header keep their size, field offsets and values in the current one.</summary>
    [Test]
    public void EveryStructOfThePreviousHeaderKeepsItsLayout()
    {
        string dir = Directory.CreateTempSubdirectory("sp-layout").FullName;
        try
        {
            string source = Path.Combine(dir, "layout.c");
            File.WriteAllText(source, """
                #include <stddef.h>
                #include <stdio.h>
                #include HEADER
                #define S(T) printf(#T " %zu\n", sizeof(T))
                #define O(T, f) printf(#T "." #f " %zu\n", offsetof(T, f))
                int main(void) {
                    S(sp_image); O(sp_image, width); O(sp_image, layout); O(sp_image, row_stride); O(sp_image, plane_stride);
                    S(sp_rect); S(sp_removal_options); O(sp_removal_options, keep_galaxies);
                    S(sp_detect_options); O(sp_detect_options, design_sweep);
                    S(sp_star); O(sp_star, coefficient); O(sp_star, row); O(sp_star, saturated);
                    S(sp_lens_params); O(sp_lens_params, psf_fwhm); O(sp_lens_params, seed); S(sp_lens_result);
                    printf("status %d %d %d layout %d device %d %d reduce %d\n", SP_ERR_INVALID_ARGUMENT, SP_ERR_CANCELLED, SP_ERR_INTERNAL,
                           SP_LAYOUT_PLANAR, SP_DEVICE_CPU, SP_DEVICE_CUDA, SP_REDUCE_SCALE);
                    return 0;
                }
                """);
            string Layout(string header)
            {
                string exe = Path.Combine(dir, "layout");
                var (cc, ccOut) = Repo.Run("gcc", ["-Wall", "-Werror", "-o", exe, source, $"-DHEADER=\"{Repo.Path_(header)}\""]);
                Assert.That(cc, Is.EqualTo(0), ccOut);
                var (code, output) = Repo.Run(exe, "");
                Assert.That(code, Is.EqualTo(0), output);
                return output;
            }
            string previous = Layout("native/tests/abi/starplugin-v3.h"), current = Layout("native/include/starplugin.h");
            Assert.That(previous, Does.Contain("sp_removal_options 28").And.Contain("sp_detect_options 24"));
            Assert.That(current, Is.EqualTo(previous));
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>
    /// The dispatcher's CPU check: it refuses the AVX2 core when any one feature of
    /// x86-64-v3 (or the OS's YMM state) is missing, and on this machine it agrees with
    /// /proc/cpuinfo.
    /// </summary>
    [Test]
    public void DispatcherChecksEveryFeatureTheAvx2CoreNeeds()
    {
        string exe = Path.Combine(Path.GetTempPath(), $"sp-cpu-{Environment.ProcessId}");
        var (cc, ccOut) = Repo.Run("gcc", $"-O1 -Wall -Wextra -Werror -o \"{exe}\" native/tests/cpu_features_test.c");
        Assert.That(cc, Is.EqualTo(0), ccOut);
        try
        {
            var (code, output) = Repo.Run(exe, "");
            Assert.That(code, Is.EqualTo(0), output);
            Assert.That(output, Does.Match(@"\d+ passed, 0 failed"));
            Assert.That(output, Does.Contain(CpuRunsAvx2Core() ? "this cpu: v3 missing []" : "this cpu: not v3"), output);
        }
        finally { File.Delete(exe); }
    }

    [TestCase("")]
    [TestCase("baseline")]
    public void CTestProgramPassesEveryCheck(string cpu)
    {
        string dir = Path.GetDirectoryName(Repo.NativeLibrary())!;
        string exe = CompileAgainst(dir, "native/tests/capi_test.c", "sp-capi-" + cpu);
        try
        {
            var env = new Dictionary<string, string> { ["STARPLUGIN_VERBOSE"] = "1", ["STARPLUGIN_CPU"] = cpu };
            var (code, output) = Repo.Run(exe, $"\"{Repo.Path_("models", "starless-v1.onnx")}\"", env: env);
            TestContext.Out.WriteLine(output);
            Assert.That(code, Is.EqualTo(0), output);
            Assert.That(output, Does.Match(@"\d+ passed, 0 failed"));
            string core = cpu == "" && CpuRunsAvx2Core() ? "avx2" : "baseline";
            Assert.That(output, Does.Contain($"starplugin: core {dir}/libstarplugin-{core}.so"), "the dispatcher loads the core this CPU runs best");
        }
        finally { File.Delete(exe); }
    }

    [Test]
    public void WithoutItsCoresTheLibraryFailsEveryCallCleanly()
    {
        // The dispatcher alone: no core beside it. Calls must fail with a status and a
        // message, never abort the host.
        string dir = Directory.CreateTempSubdirectory("sp-nocore").FullName;
        try
        {
            File.Copy(Repo.NativeLibrary(), Path.Combine(dir, "libstarplugin.so"));
            string source = Path.Combine(dir, "nocore.c");
            File.WriteAllText(source, """
                #include <stdio.h>
                #include <string.h>
                #include "starplugin.h"
                int main(void) {
                    sp_engine* engine = NULL; sp_star* stars = NULL; int64_t count = 0;
                    int a = sp_engine_create(NULL, 0, 0, &engine);
                    int b = sp_detect_stars(NULL, NULL, NULL, &stars, &count, NULL, NULL);
                    sp_engine_release(NULL); sp_free_stars(NULL);
                    printf("%d %d %s | %s\n", a, b, sp_version(), sp_last_error());
                    return a == SP_ERR_UNSUPPORTED && b == SP_ERR_UNSUPPORTED && strstr(sp_last_error(), "cannot load") ? 0 : 1;
                }
                """);
            string exe = CompileAgainst(dir, $"\"{source}\"", "sp-nocore");
            try
            {
                var (code, output) = Repo.Run(exe, "");
                Assert.That(code, Is.EqualTo(0), output);
                Assert.That(output, Does.Contain("libstarplugin-baseline.so"), output);
            }
            finally { File.Delete(exe); }
        }
        finally { Directory.Delete(dir, true); }
    }
}
