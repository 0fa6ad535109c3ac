namespace StarPlugin.Detection;

/// <summary>Settings of the Gaussian normalized-correlation star finder. Defaults were chosen by the benchmark in tests/bench.</summary>
public sealed record DetectionOptions
{
    /// <summary>Smallest Gaussian width g (σ in pixels) of the sweep. The design's sweep is 0.1..2 step 0.05.</summary>
    public float GMin { get; init; } = 0.8f;
    public float GMax { get; init; } = 2.0f;
    public float GStep { get; init; } = 0.4f;
    /// <summary>Correlation threshold D: a maximum is kept when its Pearson coefficient exceeds it.</summary>
    public float Threshold { get; init; } = 0.58f;
    /// <summary>
    /// How far D drops where the sky is flat: noise only, no nebula or gradient within a
    /// mesh cell (<see cref="FlatSky"/>). D is there to reject structure that happens to
    /// look round; on a flat sky there is none, the brightness threshold alone separates
    /// stars from noise, and D only cost the faintest stars, whose coefficient noise pulls
    /// down (2048² flat-sky bench field: recall 0.777 with one D of 0.58, 0.808 with this
    /// relief, precision 1.000 and 0.999; sep finds 0.800). 0 = one D everywhere.
    /// </summary>
    public float FlatSkyRelief { get; init; } = 0.18f;
    /// <summary>
    /// Sky structure (the spread of a cell's sky over its noise σ; 1 for pure noise) at or
    /// below which the full <see cref="FlatSkyRelief"/> applies; none at or above
    /// <see cref="StructuredSky"/>, linear between.
    /// </summary>
    public float FlatSky { get; init; } = 1.15f;
    public float StructuredSky { get; init; } = 1.35f;
    /// <summary>
    /// The relief applies to candidates fainter than this S/N only: noise lowers a faint
    /// star's coefficient, but a bright source below D is misshapen (a blend, a clipped
    /// satellite trail, a galaxy).
    /// </summary>
    public float FlatSkyReliefMaxSnr { get; init; } = 20f;
    /// <summary>
    /// Where the sky is flat (structure at or below <see cref="FlatSky"/>), measure stars
    /// against the background mesh's level instead of a plane fitted to a ring around each
    /// star. The mesh level averages a whole cell and its neighbours, so it is far less
    /// noisy than a ring of ~150 pixels, and that noise pulled faint stars' centroids: on
    /// the flat-sky bench field the median error on stars all three detectors found fell
    /// from 0.0213 to 0.0191 px (Source Extractor, on a smooth mesh too, 0.0183), on the
    /// faint-nebula field, whose dark parts are flat, from 0.0156 to 0.0148. In structured
    /// sky the ring's plane follows the nebula, which the mesh cannot.
    /// </summary>
    public bool FlatSkyBackground { get; init; } = true;
    /// <summary>Brightness threshold in units of the local noise (matched-filter S/N).</summary>
    public float SnrThreshold { get; init; } = 5f;
    /// <summary>Candidates whose best width is below this σ are single-pixel events (hot pixels, cosmic rays), not stars.</summary>
    public float MinStarSigma { get; init; } = 0.45f;
    /// <summary>
    /// Extended-source cut: a candidate whose measured FWHM exceeds this multiple of its
    /// best kernel's FWHM is nebula structure or a galaxy, not a star. Saturated stars are exempt.
    /// </summary>
    public float MaxSizeRatio { get; init; } = 1.8f;
    /// <summary>
    /// The size cut for marginal candidates: at coefficient D the allowed ratio is this,
    /// rising linearly to <see cref="MaxSizeRatio"/> at <see cref="ConfidentCoefficient"/>.
    /// Nebula ridges pass D only barely and measure wider than their kernel; real stars
    /// that correlate that weakly are faint and measure close to it.
    /// </summary>
    public float MarginalSizeRatio { get; init; } = 1.4f;
    public float ConfidentCoefficient { get; init; } = 0.75f;

    /// <summary>Largest measured-FWHM / kernel-FWHM ratio allowed for a candidate of coefficient r.</summary>
    public float AllowedSizeRatio(float r)
    {
        if (r >= ConfidentCoefficient || ConfidentCoefficient <= Threshold) return MaxSizeRatio;
        float t = Math.Clamp((ConfidentCoefficient - r) / (ConfidentCoefficient - Threshold), 0f, 1f);
        return MaxSizeRatio - (MaxSizeRatio - Math.Min(MarginalSizeRatio, MaxSizeRatio)) * t;
    }
    /// <summary>
    /// An extra, wider Gaussian (σ = GuardFactor × GMax) correlated alongside the sweep. A
    /// maximum that matches it better than every star-sized kernel is extended (nebula
    /// knot, galaxy) and is dropped, unless it is saturated. 0 disables the guard.
    /// </summary>
    public float GuardFactor { get; init; } = 1.5f;
    /// <summary>Sources measuring narrower than this FWHM in pixels are hot pixels or cosmic-ray hits.</summary>
    public float MinFwhm { get; init; } = 1.0f;
    /// <summary>Background and noise mesh cell, in pixels; small enough to follow nebula structure.</summary>
    public int MeshSize { get; init; } = 32;
    /// <summary>Saturation level in input units; NaN = detect clipping automatically.</summary>
    public float SaturationLevel { get; init; } = float.NaN;
    /// <summary>Rows per work band; bounds scratch memory per thread.</summary>
    public int BandHeight { get; init; } = 64;
    public int MaxThreads { get; init; } = 0;
    /// <summary>
    /// At most this many sources are kept, those of highest S/N (0: no limit). Bounds the
    /// detector's memory on crowded fields: without it the catalogue grows with the image.
    /// Which sources are kept does not depend on thread timing (the S/N order is total).
    /// </summary>
    public int MaxSources { get; init; } = 0;

    /// <summary>The design's full sweep: g from 0.1 to 2 in steps of 0.05 (39 widths).</summary>
    public static DetectionOptions DesignSweep { get; } = new() { GMin = 0.1f, GMax = 2f, GStep = 0.05f };

    public float[] Widths()
    {
        if (!(GMin > 0) || !(GMax >= GMin) || !(GStep > 0) || !float.IsFinite(GMax))
            throw new ArgumentException($"invalid width sweep {GMin}..{GMax} step {GStep}");
        int n = (int)MathF.Floor((GMax - GMin) / GStep + 1e-3f) + 1;
        if (n > 1000) throw new ArgumentException("width sweep has more than 1000 steps");
        return Enumerable.Range(0, n).Select(i => GMin + i * GStep).ToArray();
    }

    public void Validate()
    {
        Widths();
        if (!(Threshold is > -1f and < 1f)) throw new ArgumentException("correlation threshold D must lie in (-1, 1)");
        if (!(FlatSkyRelief >= 0f) || !(Threshold - FlatSkyRelief > -1f)) throw new ArgumentException("flat-sky relief must be ≥ 0 and leave D above -1");
        if (!(FlatSkyReliefMaxSnr >= 0f)) throw new ArgumentException("flat-sky relief S/N limit must be ≥ 0");
        if (!(FlatSky > 0f) || !(StructuredSky > FlatSky) || !float.IsFinite(StructuredSky)) throw new ArgumentException("flat-sky structure limits must satisfy 0 < flat < structured");
        if (!float.IsFinite(SnrThreshold) || SnrThreshold < 0) throw new ArgumentException("brightness threshold must be a finite number ≥ 0");
        if (MeshSize < 8) throw new ArgumentException("mesh size must be at least 8 pixels");
        if (BandHeight < 8) throw new ArgumentException("band height must be at least 8 rows");
        if (MaxSources < 0) throw new ArgumentException("the source limit must be ≥ 0 (0 = no limit)");
    }
}
