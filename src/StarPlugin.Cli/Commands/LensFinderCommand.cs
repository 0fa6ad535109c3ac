using System.CommandLine;
using System.Diagnostics;
using StarPlugin.Cli.Hosting;

namespace StarPlugin.Cli.Commands;

/// <summary>
/// `starplugin lensfinder ...`: the lens-finding web platform. It runs on ASP.NET Core, so it
/// is its own program (src/StarPlugin.Web, published by packaging/install.sh into
/// `lensfinder/` beside this one) and needs the .NET runtime, which the NativeAOT command
/// line does not: this command only starts it with the rest of the command line.
/// </summary>
public static class LensFinderCommand
{
    public const string Name = "lensfinder";
    /// <summary>Names the lens-finder program to run instead of the one beside the CLI.</summary>
    public const string ProgramVariable = "STARPLUGIN_LENSFINDER";

    /// <summary>The entry in `starplugin --help`; Program.Run hands `lensfinder ...` to <see cref="Forward"/> before parsing.</summary>
    public static Command Create(CliContext ctx)
    {
        var rest = new Argument<string[]>("arguments") { Description = "serve | demo | import | import-scores | rescore | user, and their options (`starplugin lensfinder --help`)", Arity = ArgumentArity.ZeroOrMore };
        var cmd = new Command(Name, "The lens-finding platform: volunteers classify cutouts on the web; skill-weighted consensus ranks the lenses (a separate program that needs the .NET 10 runtime with ASP.NET Core)") { rest };
        cmd.TreatUnmatchedTokensAsErrors = false;
        cmd.SetAction(p => Forward([.. p.GetValue(rest) ?? [], .. p.UnmatchedTokens], ctx));
        return cmd;
    }

    /// <summary>The installed program: $STARPLUGIN_LENSFINDER, else lensfinder/StarPlugin.Web beside this program.</summary>
    public static string? Locate()
    {
        string? named = Environment.GetEnvironmentVariable(ProgramVariable);
        if (!string.IsNullOrEmpty(named)) return named;
        string beside = Path.Combine(AppContext.BaseDirectory, "lensfinder", OperatingSystem.IsWindows() ? "StarPlugin.Web.exe" : "StarPlugin.Web");
        return File.Exists(beside) ? beside : null;
    }

    /// <summary>Runs the lens-finder program with <paramref name="args"/> and returns its exit code.</summary>
    public static int Forward(string[] args, CliContext ctx)
    {
        string? program = Locate();
        if (program == null || !File.Exists(program))
            return CommandRunner.Fail(ctx, ExitCodes.ProcessingError,
                $"the lens-finding platform is not installed ({program ?? Path.Combine(AppContext.BaseDirectory, "lensfinder")} is missing). " +
                "It is a separate program that needs the .NET 10 runtime with ASP.NET Core: build it from the sources with packaging/install.sh " +
                $"(it goes into artifacts/bin/lensfinder), or name it in {ProgramVariable}");
        // The console's own streams are inherited (a server's log as it runs); a caller's
        // writers (tests) get what the program printed when it ends.
        bool console = ReferenceEquals(ctx.Output, Console.Out) && ReferenceEquals(ctx.Error, Console.Error);
        var psi = new ProcessStartInfo(program) { UseShellExecute = false, RedirectStandardOutput = !console, RedirectStandardError = !console };
        foreach (var a in args) psi.ArgumentList.Add(a);
        Process process;
        try { process = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception e) { return CommandRunner.Fail(ctx, ExitCodes.ProcessingError, $"cannot run {program}: {e.Message}"); }
        using (process)
        {
            var output = console ? null : process.StandardOutput.ReadToEndAsync();
            var error = console ? null : process.StandardError.ReadToEndAsync();
            try { process.WaitForExitAsync(ctx.Cancellation).GetAwaiter().GetResult(); }
            catch (OperationCanceledException)
            {
                // Ctrl+C reached the program too (same terminal): give it time to stop cleanly.
                if (!process.WaitForExit(10_000)) process.Kill(entireProcessTree: true);
                process.WaitForExit();
            }
            if (output != null) ctx.Output.Write(output.GetAwaiter().GetResult());
            if (error != null) ctx.Error.Write(error.GetAwaiter().GetResult());
            return process.ExitCode;
        }
    }
}
