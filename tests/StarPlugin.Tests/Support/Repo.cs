namespace StarPlugin.Tests.Support;

/// <summary>Paths inside the repository, found from the test binary's folder.</summary>
internal static class Repo
{
    public static string Root
    {
        get
        {
            string? dir = AppContext.BaseDirectory;
            for (int i = 0; i < 8 && dir != null; i++, dir = Path.GetDirectoryName(dir.TrimEnd(Path.DirectorySeparatorChar)))
                if (File.Exists(Path.Combine(dir, "StarPlugin.sln"))) return dir;
            throw new DirectoryNotFoundException("repository root not found");
        }
    }

    public static string Path_(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>The published native library; test.sh builds it and sets STARPLUGIN_REQUIRE_NATIVE=1.</summary>
    public static string NativeLibrary()
    {
        string so = Path_("artifacts", "native", "libstarplugin.so");
        if (!File.Exists(so))
        {
            if (Environment.GetEnvironmentVariable("STARPLUGIN_REQUIRE_NATIVE") == "1") Assert.Fail($"{so} is missing");
            Assert.Ignore("libstarplugin.so not built: run ./test.sh (it publishes the native library first)");
        }
        return so;
    }

    public static (int Code, string Output) Run(string file, string args, string? workDir = null, IDictionary<string, string>? env = null, int timeoutMs = 300_000)
    {
        var psi = new System.Diagnostics.ProcessStartInfo(file, args)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workDir ?? Root,
        };
        if (env != null) foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = System.Diagnostics.Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutMs)) { p.Kill(true); Assert.Fail($"{file} {args}: timed out"); }
        return (p.ExitCode, stdout.Result + stderr.Result);
    }
}
