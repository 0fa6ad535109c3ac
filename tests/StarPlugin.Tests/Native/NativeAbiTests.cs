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

    /// <summary>Whether this CPU runs the x86-64-v3 core (what the dispatcher checks with __builtin_cpu_supports).</summary>
    private static bool CpuRunsAvx2Core()
    {
        var flags = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal))?.Split(' ') ?? [];
        return new[] { "avx", "avx2", "fma", "bmi1", "bmi2" }.All(flags.Contains);
    }

    private static string CompileAgainst(string dir, string source, string name)
    {
        string exe = Path.Combine(Path.GetTempPath(), $"{name}-{Environment.ProcessId}");
        var (cc, ccOut) = Repo.Run("gcc", $"-O1 -Wall -Wextra -Werror -o \"{exe}\" {source} -Inative/include -L\"{dir}\" -lstarplugin -Wl,-rpath,\"{dir}\" -lm");
        Assert.That(cc, Is.EqualTo(0), ccOut);
        return exe;
    }

    [TestCase("")]
    [TestCase("baseline")]
    public void CTestProgramPassesEveryCheck(string cpu)
    {
        string dir = Path.GetDirectoryName(Repo.NativeLibrary())!;
        string exe = CompileAgainst(dir, "native/tests/capi_test.c", "sp-capi");
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
