using System.CommandLine;
using StarPlugin.Cli.Commands;
using StarPlugin.Cli.Hosting;

namespace StarPlugin.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        CliCancellation.Install();
        return Run(args, CliContext.FromConsole(CliCancellation.Token));
    }

    /// <summary>Parses and runs one command line; tests call this with string writers.</summary>
    public static int Run(string[] args, CliContext ctx)
    {
        var root = BuildRoot(ctx);
        var result = root.Parse(args);
        if (result.Errors.Count > 0)
        {
            foreach (var e in result.Errors) ctx.Error.WriteLine("starplugin: usage error: " + e.Message);
            ctx.Error.WriteLine("Try 'starplugin --help'.");
            return ExitCodes.Usage;
        }
        return result.Invoke(new InvocationConfiguration { Output = ctx.Output, Error = ctx.Error });
    }

    public static RootCommand BuildRoot(CliContext ctx)
    {
        var root = new RootCommand("StarPlugin: star removal, star detection and astro-image tools");
        root.Add(InfoCommand.Create(ctx));
        root.Add(ConvertCommand.Create(ctx));
        root.Add(RemovalCommands.Remove(ctx));
        root.Add(RemovalCommands.Reduce(ctx));
        root.Add(RemovalCommands.Mask(ctx));
        root.Add(DetectCommand.Create(ctx));
        root.Add(SynthCommand.Create(ctx));
        root.Add(MockLensCommand.Create(ctx));
        root.Add(EvalCommand.Create(ctx));
        root.Add(LensCommand.Create(ctx));
        root.Add(CutoutsCommand.Create(ctx));
        root.Add(MergeCommand.Create(ctx));
        root.Add(LensFinderCommand.Create(ctx));
        return root;
    }
}
