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

    [Test]
    public void HeaderDeclaresExactlyTheSymbolsTheLibraryExports()
    {
        string so = Repo.NativeLibrary();
        var (code, output) = Repo.Run("nm", $"-D --defined-only \"{so}\"");
        Assert.That(code, Is.EqualTo(0), output);
        var exported = new SortedSet<string>(output.Split('\n').Select(l => l.Trim().Split(' ').LastOrDefault() ?? "")
            .Select(s => s.Split('@')[0]).Where(s => s.StartsWith("sp_", StringComparison.Ordinal)));
        Assert.That(exported, Is.EqualTo(HeaderFunctions()));
    }

    [Test]
    public void LibraryHasSonameRunpathAndNoDelete()
    {
        var (_, output) = Repo.Run("readelf", $"-d \"{Repo.NativeLibrary()}\"");
        Assert.That(output, Does.Contain("Library soname: [libstarplugin.so]"));
        Assert.That(output, Does.Contain("$ORIGIN"));
        Assert.That(output, Does.Contain("NODELETE"));
    }

    [Test]
    public void CTestProgramPassesEveryCheck()
    {
        string so = Repo.NativeLibrary();
        string dir = Path.GetDirectoryName(so)!;
        string exe = Path.Combine(Path.GetTempPath(), $"sp-capi-{Environment.ProcessId}");
        var (cc, ccOut) = Repo.Run("gcc", $"-O1 -Wall -Wextra -Werror -o \"{exe}\" native/tests/capi_test.c -Inative/include -L\"{dir}\" -lstarplugin -Wl,-rpath,\"{dir}\" -lm");
        Assert.That(cc, Is.EqualTo(0), ccOut);
        try
        {
            var (code, output) = Repo.Run(exe, $"\"{Repo.Path_("models", "starless-v1.onnx")}\"");
            TestContext.Out.WriteLine(output);
            Assert.That(code, Is.EqualTo(0), output);
            Assert.That(output, Does.Match(@"\d+ passed, 0 failed"));
        }
        finally { File.Delete(exe); }
    }
}
