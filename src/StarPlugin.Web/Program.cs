using StarPlugin.Cli.Hosting;
using StarPlugin.Web.Commands;
using StarPlugin.Web.Hosting;

namespace StarPlugin.Web;

/// <summary>
/// The lens-finding platform's program. `StarPlugin.Web serve|demo|import|rescore|user ...`
/// runs a command (`starplugin lensfinder ...` starts this program with those arguments);
/// `StarPlugin.Web --data DIR [--urls URL] [--postgres CONNSTR]` (configuration keys) runs
/// the server alone, as before.
/// </summary>
public class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 0 || !IsCommandLine(args[0]))
        {
            LensFinderServer.Build(args).Run();
            return 0;
        }
        CliCancellation.Install();
        return Run(args, CliContext.FromConsole(CliCancellation.Token));
    }

    /// <summary>Parses and runs one lens-finder command line; tests call this with string writers.</summary>
    public static int Run(string[] args, CliContext ctx)
    {
        if (!args.Any(a => a is "--help" or "-h" or "-?"))
            return StarPlugin.Cli.Program.Invoke(LensFinderCommands.CreateRoot(ctx), args, ctx);
        // Help names the root command after this executable; users reach it as `starplugin lensfinder`.
        var help = new StringWriter();
        var buffered = new CliContext(help, ctx.Error, false) { Cancellation = ctx.Cancellation };
        int code = StarPlugin.Cli.Program.Invoke(LensFinderCommands.CreateRoot(buffered), args, buffered);
        ctx.Output.Write(help.ToString().Replace(System.CommandLine.RootCommand.ExecutableName, "starplugin lensfinder", StringComparison.Ordinal));
        return code;
    }

    private static bool IsCommandLine(string first) =>
        LensFinderCommands.Names.Contains(first) || first is "--help" or "-h" or "-?" or "--version";
}
