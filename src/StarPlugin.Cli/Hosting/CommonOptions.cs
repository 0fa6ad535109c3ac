using System.CommandLine;

namespace StarPlugin.Cli.Hosting;

/// <summary>Options that many commands share, created once per command.</summary>
public static class CommonOptions
{
    public static Option<bool> Json() => new("--json") { Description = "Print machine-readable JSON on stdout" };
    public static Option<bool> Force() => new("--force", "-f") { Description = "Overwrite existing output files (never an input)" };

    /// <summary>The default of --max-megapixels: above any camera frame or common mosaic, below what surprises a host.</summary>
    public const double DefaultMaxMegapixels = 500;

    public static Option<double> MaxMegapixels() => new("--max-megapixels")
    {
        Description = $"Refuse input images of more megapixels than this, from their header, before decoding them (default {DefaultMaxMegapixels}; 0 = only the format limits)",
        DefaultValueFactory = _ => DefaultMaxMegapixels,
    };
}
