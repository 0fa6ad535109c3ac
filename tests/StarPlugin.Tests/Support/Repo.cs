namespace StarPlugin.Tests.Support;

/// <summary>Paths inside the repository, found from the test binary's folder.</summary>
internal static class Repo
{
    /// <summary>The folder above this build that holds StarPlugin.sln (tests/Shared/RepoRoot.cs).</summary>
    public static string Root => StarPlugin.Testing.RepoRoot.Find();

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

    public static (int Code, string Output) Run(string file, string args, string? workDir = null, IDictionary<string, string>? env = null, int timeoutMs = 300_000) =>
        Run(new System.Diagnostics.ProcessStartInfo(file, args), workDir, env, timeoutMs);

    /// <summary>Runs a program with an argument list (no shell quoting involved); stdin is closed.</summary>
    public static (int Code, string Output) Run(string file, IEnumerable<string> args, string? workDir = null, IDictionary<string, string>? env = null, int timeoutMs = 300_000)
    {
        var psi = new System.Diagnostics.ProcessStartInfo(file);
        foreach (var a in args) psi.ArgumentList.Add(a);
        return Run(psi, workDir, env, timeoutMs);
    }

    private static (int Code, string Output) Run(System.Diagnostics.ProcessStartInfo psi, string? workDir, IDictionary<string, string>? env, int timeoutMs)
    {
        string file = psi.FileName;
        psi.RedirectStandardOutput = true; psi.RedirectStandardError = true; psi.RedirectStandardInput = true;
        psi.UseShellExecute = false; psi.WorkingDirectory = workDir ?? Root;
        if (env != null) foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = System.Diagnostics.Process.Start(psi)!;
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutMs)) { p.Kill(true); Assert.Fail($"{file}: timed out"); }
        return (p.ExitCode, stdout.Result + stderr.Result);
    }
}
