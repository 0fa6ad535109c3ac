using System.CommandLine;

namespace StarPlugin.Cli.Hosting;

/// <summary>Options that many commands share, created once per command.</summary>
public static class CommonOptions
{
    public static Option<bool> Json() => new("--json") { Description = "Print machine-readable JSON on stdout" };
    public static Option<bool> Force() => new("--force", "-f") { Description = "Overwrite existing output files (never an input)" };
}
