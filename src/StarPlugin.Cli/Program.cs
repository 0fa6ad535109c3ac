using System.CommandLine;
using StarPlugin.Cli.Commands;
using StarPlugin.Cli.Hosting;
using StarPlugin.Inference;

namespace StarPlugin.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        CliCancellation.Install();
        // ONNX Runtime ships beside the program (artifacts/bin, or the installed lib folder).
        OrtLibrary.SearchDirectories.Add(AppContext.BaseDirectory);
        return Run(args, CliContext.FromConsole(CliCancellation.Token));
    }

    /// <summary>Parses and runs one command line; tests call this with string writers.</summary>
    public static int Run(string[] args, CliContext ctx)
    {
        // The lens-finding platform is a separate program (ASP.NET Core): hand it the rest of the line.
        if (args.Length > 0 && args[0] == LensFinderCommand.Name) return LensFinderCommand.Forward(args[1..], ctx);
        return Invoke(BuildRoot(ctx), args, ctx);
    }

    /// <summary>Parses and runs a command line against a command tree, with the CLI's usage errors and exit codes.</summary>
    public static int Invoke(RootCommand root, string[] args, CliContext ctx)
    {
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
