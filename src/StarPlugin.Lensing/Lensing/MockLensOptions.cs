namespace StarPlugin.Lensing;

/// <summary>Parameters of a mock lens. Lengths in pixels, angles in radians.</summary>
public sealed record MockLensOptions
{
    public double EinsteinRadius { get; init; } = 8;
    public double AxisRatio { get; init; } = 0.8;
    public double PositionAngle { get; init; }
    /// <summary>Lens centre; NaN = the brightest galaxy near the image centre.</summary>
    public double CenterX { get; init; } = double.NaN;
    public double CenterY { get; init; } = double.NaN;
    public double Shear { get; init; }
    public double ShearAngle { get; init; }
    public double SourceRadius { get; init; } = 1.5;
    public double SourceIndex { get; init; } = 1;
    public double SourceAxisRatio { get; init; } = 0.7;
    public double SourceAngle { get; init; }
    /// <summary>Source offset from the lens axis (β), pixels.</summary>
    public double SourceOffsetX { get; init; } = 1;
    public double SourceOffsetY { get; init; } = 0.5;
    /// <summary>Target S/N of the arc in the first band, over the pixels it brightens by ≥ 1σ; ≤ 0 = use <see cref="SourceFlux"/>.</summary>
    public double ArcSnr { get; init; } = 30;
    /// <summary>Total unlensed source flux in image units (reference band) when ArcSnr ≤ 0.</summary>
    public double SourceFlux { get; init; } = 1;
    /// <summary>Source brightness per band relative to the reference band (e.g. g, r, z); null = equal.</summary>
    public double[]? BandRatios { get; init; }
    /// <summary>PSF FWHM in pixels for every band; ≤ 0 = measure each band's from its stars.</summary>
    public double PsfFwhm { get; init; }
    public bool Moffat { get; init; }
    public int Supersample { get; init; } = 5;
    public ulong Seed { get; init; } = 1;
}

/// <summary>The record written beside each mock (OUT.json).</summary>
public sealed record MockLensRecord(
    double EinsteinRadiusPx, double CenterX, double CenterY, double AxisRatio, double PositionAngle, double Shear, double ShearAngle,
    double SourceRadius, double SourceIndex, double SourceAxisRatio, double SourceAngle, double SourceOffsetX, double SourceOffsetY,
    double SourceFlux, double Magnification, double ArcSnr, double[] PsfFwhm, double[] BackgroundSigma, ulong Seed);
