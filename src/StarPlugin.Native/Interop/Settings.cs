using System.Globalization;
using StarPlugin.Detection;
using StarPlugin.Removal;

namespace StarPlugin.Native.Interop;

/// <summary>One key of sp_options: its type, default and allowed range (starplugin.h lists them).</summary>
internal sealed record SettingKey(string Name, bool Integer, double Default, double Min, double Max, bool NaNAllowed = false)
{
    /// <summary>A float default as the decimal a user reads (0.58, not 0.579999983).</summary>
    public static double Decimal(float v) => float.IsNaN(v) ? double.NaN : double.Parse(v.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
}

/// <summary>
/// The object behind sp_options*: keyed values, checked as they are set. Unset keys read
/// as their defaults, which for detection are <see cref="DetectionOptions"/>'s own.
/// Calls copy what they read (<see cref="Snapshot"/>) when they start.
/// </summary>
internal sealed class Settings
{
    private static readonly DetectionOptions DetectDefaults = new();

    public static readonly IReadOnlyDictionary<string, SettingKey> Keys = new SettingKey[]
    {
        new("stretch", true, 0, 0, 2),
        new("star_layer", true, 0, 0, 1),
        new("tile", true, 0, 0, 8192),
        new("overlap", true, -1, -1, 4096),
        new("batch", true, 1, 1, 256),
        new("cleanup", true, 1, 0, 1),
        new("keep_galaxies", true, 0, 0, 2),
        new("binning", true, 1, 0, RemovalOptions.MaxBinning),
        new("amount", false, 0.5, 0, 1),
        new("reduce_mode", true, 0, 0, 1),
        new("threshold", false, SettingKey.Decimal(DetectDefaults.Threshold), -1, 1),
        new("flat_sky_relief", false, SettingKey.Decimal(DetectDefaults.FlatSkyRelief), 0, 1),
        new("snr", false, SettingKey.Decimal(DetectDefaults.SnrThreshold), 1e-3, 1e6),
        new("g_min", false, SettingKey.Decimal(DetectDefaults.GMin), 1e-3, 100),
        new("g_max", false, SettingKey.Decimal(DetectDefaults.GMax), 1e-3, 100),
        new("g_step", false, SettingKey.Decimal(DetectDefaults.GStep), 1e-3, 100),
        new("design_sweep", true, 0, 0, 1),
        new("saturation", false, double.NaN, 1e-30, 1e30, NaNAllowed: true),
    }.ToDictionary(k => k.Name, StringComparer.Ordinal);

    private readonly Dictionary<string, double> _values = new(StringComparer.Ordinal);
    private readonly object _gate = new();

    public void Set(string key, double value, bool fromInteger)
    {
        if (!Keys.TryGetValue(key, out var k))
            throw new NotSupportedException($"option \"{key}\" is unknown to this library (ABI {Exports.LibraryExports.AbiVersion})");
        if (double.IsNaN(value) ? !k.NaNAllowed : !(value >= k.Min && value <= k.Max))
            throw new ArgumentProblem($"option \"{key}\" = {value.ToString(CultureInfo.InvariantCulture)} is out of range ({k.Min.ToString(CultureInfo.InvariantCulture)}..{k.Max.ToString(CultureInfo.InvariantCulture)}{(k.NaNAllowed ? ", or NaN" : "")})");
        if (k.Integer && !fromInteger && value != Math.Floor(value))
            throw new ArgumentProblem($"option \"{key}\" takes an integer, got {value.ToString(CultureInfo.InvariantCulture)}");
        if (key == "tile" && value is > 0 and < 64)
            throw new ArgumentProblem($"option \"tile\" = {value} (0 for the model's, or 64..8192 pixels)");
        lock (_gate) _values[key] = value;
    }

    public double Get(string key)
    {
        if (!Keys.TryGetValue(key, out var k))
            throw new NotSupportedException($"option \"{key}\" is unknown to this library (ABI {Exports.LibraryExports.AbiVersion})");
        lock (_gate) return _values.TryGetValue(key, out double v) ? v : k.Default;
    }

    /// <summary>The keys set so far, copied: what one call works with.</summary>
    public IReadOnlyDictionary<string, double> Snapshot()
    {
        lock (_gate) return new Dictionary<string, double>(_values, StringComparer.Ordinal);
    }

    private static double Read(IReadOnlyDictionary<string, double>? set, string key) =>
        set != null && set.TryGetValue(key, out double v) ? v : Keys[key].Default;

    public static RemovalOptions Removal(IReadOnlyDictionary<string, double>? set) => new()
    {
        Stretch = (StretchMode)(int)Read(set, "stretch"),
        StarLayer = (StarLayerMode)(int)Read(set, "star_layer"),
        Tiling = new TilingOptions { Tile = (int)Read(set, "tile"), Overlap = (int)Read(set, "overlap"), Batch = (int)Read(set, "batch") },
        Cleanup = Read(set, "cleanup") != 0,
        KeepGalaxies = (int)Read(set, "keep_galaxies") switch { 1 => GalaxyMode.Always, 2 => GalaxyMode.Never, _ => GalaxyMode.Auto },
        Binning = (int)Read(set, "binning"),
    };

    public static (float Amount, ReductionMode Mode) Reduction(IReadOnlyDictionary<string, double>? set) =>
        ((float)Read(set, "amount"), Read(set, "reduce_mode") == 1 ? ReductionMode.Scale : ReductionMode.Shrink);

    public static DetectionOptions Detection(IReadOnlyDictionary<string, double>? set)
    {
        var d = Read(set, "design_sweep") != 0 ? DetectionOptions.DesignSweep : DetectDefaults;
        float Pick(string key, float fallback) => set != null && set.TryGetValue(key, out double v) ? (float)v : fallback;
        var o = d with
        {
            Threshold = Pick("threshold", d.Threshold),
            FlatSkyRelief = Pick("flat_sky_relief", d.FlatSkyRelief),
            SnrThreshold = Pick("snr", d.SnrThreshold),
            GMin = Pick("g_min", d.GMin),
            GMax = Pick("g_max", d.GMax),
            GStep = Pick("g_step", d.GStep),
            SaturationLevel = Pick("saturation", float.NaN),
        };
        try { o.Validate(); } catch (ArgumentException e) { throw new ArgumentProblem("options: " + e.Message); }
        return o;
    }
}
