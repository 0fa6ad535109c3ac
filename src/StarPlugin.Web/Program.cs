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
    public static int Run(string[] args, CliContext ctx) =>
        StarPlugin.Cli.Program.Invoke(LensFinderCommands.CreateRoot(ctx), args, ctx);

    private static bool IsCommandLine(string first) =>
        LensFinderCommands.Names.Contains(first) || first is "--help" or "-h" or "-?" or "--version";
}
