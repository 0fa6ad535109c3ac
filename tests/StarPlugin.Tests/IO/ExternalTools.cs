using StarPlugin.Tests.Support;

namespace StarPlugin.Tests.IO;

/// <summary>
/// The other implementations the codec tests compare with (astropy, cfitsio's fpack and
/// funpack, libtiff's tools, ImageMagick, G'MIC). test.sh sets STARPLUGIN_REQUIRE_HOSTS=1,
/// and CI installs them (tools/apt-deps.sh): a missing tool fails there; elsewhere the
/// test is skipped, saying which tool is missing.
/// </summary>
internal static class ExternalTools
{
    public const string Python = "/usr/bin/python3";

    public static string Require(string tool, string package)
    {
        string? path = tool.StartsWith('/') ? (File.Exists(tool) ? tool : null)
            : (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists);
        if (path != null) return path;
        string message = $"{tool} is not installed (Debian package {package}; tools/apt-deps.sh installs it)";
        if (Environment.GetEnvironmentVariable("STARPLUGIN_REQUIRE_HOSTS") == "1") Assert.Fail(message);
        Assert.Ignore(message);
        return tool;
    }

    /// <summary>Python with the named modules importable, or the test is skipped/failed as above.</summary>
    public static void RequirePython(params string[] modules)
    {
        Require(Python, "python3");
        foreach (var m in modules)
        {
            var (code, _) = Repo.Run(Python, ["-c", "import " + m]);
            if (code != 0)
            {
                string message = $"python3 module {m} is missing (Debian package python3-{m}; tools/apt-deps.sh installs it)";
                if (Environment.GetEnvironmentVariable("STARPLUGIN_REQUIRE_HOSTS") == "1") Assert.Fail(message);
                Assert.Ignore(message);
            }
        }
    }

    /// <summary>Runs a tool and fails the test, with its output, if it does not exit 0.</summary>
    public static string Run(string file, params string[] args)
    {
        var (code, output) = Repo.Run(file, args, timeoutMs: 600_000);
        Assert.That(code, Is.EqualTo(0), $"{file} {string.Join(' ', args)}:\n{output}");
        return output;
    }

    public static string Fixture(string name) => Repo.Path_("tests", "StarPlugin.Tests", "IO", "Fixtures", name);
}
