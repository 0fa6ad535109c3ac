namespace StarPlugin.Synthesis;

/// <summary>Parameters of a synthetic star field. Fluxes and levels are in electrons.</summary>
public sealed record StarFieldOptions
{
    public int Width { get; init; } = 1024;
    public int Height { get; init; } = 1024;
    /// <summary>1 = mono, 3 = RGB (blackbody star colours, Hα/OIII-tinted clouds).</summary>
    public int Channels { get; init; } = 1;
    public int StarCount { get; init; } = 500;
    public float FwhmMin { get; init; } = 2f;
    public float FwhmMax { get; init; } = 5f;
    /// <summary>Fraction of stars with a Moffat profile; the rest are Gaussian.</summary>
    public float MoffatFraction { get; init; } = 0.5f;
    public float BetaMin { get; init; } = 2.5f;
    public float BetaMax { get; init; } = 4.5f;
    public float MaxEllipticity { get; init; } = 0.1f;
    public float FluxMin { get; init; } = 200f;
    public float FluxMax { get; init; } = 1e6f;
    /// <summary>Fraction of stars placed in Gaussian clusters (crowded fields).</summary>
    public float ClusterFraction { get; init; } = 0.1f;
    public float ReadNoise { get; init; } = 5f;
    /// <summary>Electrons per ADU.</summary>
    public float Gain { get; init; } = 1f;
    /// <summary>Saturation level in ADU; the image is clipped here and scaled so that it maps to 1.0.</summary>
    public float FullWell { get; init; } = 65535f;
    public NebulaBackground Background { get; init; } = new();
    public int Seed { get; init; } = 1;
}
