using System.Globalization;
using Microsoft.Extensions.Configuration;
using StarPlugin.Evaluation;

namespace StarPlugin.Web.Hosting;

/// <summary>
/// How a server runs, read from configuration (command line --key value, environment,
/// or a test's settings): the data folder, PostgreSQL or SQLite, rate limits, the
/// training schedule, and the SWAP settings a new project starts with.
/// </summary>
public sealed record LensFinderOptions
{
    public required string DataDir { get; init; }
    /// <summary>PostgreSQL connection string; null = SQLite in the data folder.</summary>
    public string? Postgres { get; init; }
    /// <summary>Where cookie keys live; several servers on one database must share them.</summary>
    public string? KeysDir { get; init; }
    public int SignupsPerMinute { get; init; } = 10;
    public int LoginsPerMinute { get; init; } = 20;
    /// <summary>Classifications per second per volunteer (token bucket), and the burst allowed.</summary>
    public int ClassifyPerSecond { get; init; } = 5;
    public int ClassifyBurst { get; init; } = 20;
    /// <summary>Share of training images for a newcomer, the floor for the experienced, and the decay length in classifications.</summary>
    public double TrainingFirst { get; init; } = 0.5;
    public double TrainingMin { get; init; } = 0.1;
    public double TrainingDecay { get; init; } = 40;
    /// <summary>The first classifications are always training images, so the first answers get feedback.</summary>
    public int TrainingWarmup { get; init; } = 3;
    public SwapSettings Swap { get; init; } = new();

    public static LensFinderOptions From(IConfiguration c)
    {
        string data = c["data"] ?? throw new InvalidOperationException("no data folder (--data DIR)");
        double D(string key, double fallback) => c[key] is { } v ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;
        int I(string key, int fallback) => c[key] is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        var defaults = new SwapSettings();
        return new LensFinderOptions
        {
            DataDir = data,
            Postgres = string.IsNullOrWhiteSpace(c["postgres"]) ? null : c["postgres"],
            KeysDir = c["keys"],
            SignupsPerMinute = I("signup-limit", 10),
            LoginsPerMinute = I("login-limit", 20),
            ClassifyPerSecond = I("classify-rate", 5),
            ClassifyBurst = I("classify-burst", 20),
            TrainingFirst = D("training-first", 0.5),
            TrainingMin = D("training-min", 0.1),
            TrainingDecay = D("training-decay", 40),
            TrainingWarmup = I("training-warmup", 3),
            Swap = new SwapSettings(D("prior", defaults.Prior), D("reject", defaults.RejectThreshold), D("detect", defaults.DetectThreshold)),
        };
    }

    /// <summary>P(next image is a training image) after n classifications: often at first, less with experience.</summary>
    public double TrainingProbability(int classified) =>
        classified < TrainingWarmup ? 1 : Math.Max(TrainingMin, TrainingFirst * Math.Exp(-(classified - TrainingWarmup) / Math.Max(1e-9, TrainingDecay)));
}
