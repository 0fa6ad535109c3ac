using StarPlugin.Imaging;

namespace StarPlugin.Stretching;

/// <summary>
/// The midtones transfer function stretch of PixInsight's STF and Siril's autostretch:
/// t = (x - shadows)/(highlights - shadows), y = MTF(m, t), with
/// MTF(m, t) = (m - 1) t / ((2m - 1) t - m).
/// MTF(1 - m, ·) is the exact inverse of MTF(m, ·). Outside [0,1] the curve continues
/// as the tangent line at the end it leaves, so clipped shadows and highlights are not
/// lost and the stretch stays strictly monotone and exactly invertible: linear data
/// goes through stretch → model → unstretch without losing the sky below the
/// shadows point.
/// </summary>
public readonly record struct MtfStretch(float Shadows, float Highlights, float Midtone)
{
    /// <summary>Default target background of the auto-stretch (PixInsight uses 0.25).</summary>
    public const float DefaultTargetBackground = 0.25f;
    /// <summary>Shadows clipping point in σ below the median (PixInsight's -2.8).</summary>
    public const float DefaultShadowsClip = -2.8f;

    public static float Mtf(float m, float t)
    {
        if (t <= 0f) return t * (1f - m) / m;               // tangent at 0: slope (1-m)/m
        if (t >= 1f) return 1f + (t - 1f) * m / (1f - m);   // tangent at 1: slope m/(1-m)
        return (m - 1f) * t / ((2f * m - 1f) * t - m);
    }

    public float Apply(float x) => (float)MtfD(Midtone, ((double)x - Shadows) / ((double)Highlights - Shadows));

    public float Invert(float y) => (float)(Shadows + MtfD(1.0 - Midtone, y) * ((double)Highlights - Shadows));

    /// <summary>Double-precision MTF for the per-pixel paths, so only the float storage limits the round trip.</summary>
    private static double MtfD(double m, double t)
    {
        if (t <= 0) return t * (1 - m) / m;
        if (t >= 1) return 1 + (t - 1) * m / (1 - m);
        return (m - 1) * t / ((2 * m - 1) * t - m);
    }

    public void Apply(Span<float> data)
    {
        for (int i = 0; i < data.Length; i++) data[i] = Apply(data[i]);
    }

    public void Invert(Span<float> data)
    {
        for (int i = 0; i < data.Length; i++) data[i] = Invert(data[i]);
    }

    /// <summary>
    /// Auto-stretch parameters from median and MAD, as Siril and PixInsight do:
    /// shadows = median + clip·σ, and the midtone that maps the median to the target background.
    /// <paramref name="highlights"/> is the data's white point (1 for normalised data).
    /// </summary>
    public static MtfStretch Auto(ReadOnlySpan<float> data, float highlights = 1f,
        float targetBackground = DefaultTargetBackground, float shadowsClip = DefaultShadowsClip)
    {
        var (median, mad) = RobustStatistics.MedianMad(data);
        float sigma = (float)(mad * RobustStatistics.MadToSigma);
        float shadows = Math.Clamp(median + shadowsClip * sigma, 0f, median);
        if (highlights <= shadows) highlights = shadows + 1f;
        float t = (median - shadows) / (highlights - shadows);
        float m = MidtoneFor(t, targetBackground);
        return new MtfStretch(shadows, highlights, m);
    }

    /// <summary>The midtone m such that MTF(m, t) = target (0 &lt; t, target &lt; 1).</summary>
    public static float MidtoneFor(float t, float target)
    {
        if (t <= 1e-7f) return 1e-4f;
        if (t >= 1f) return 0.5f;
        // Solving MTF(m,t)=y for m gives m = t (y - 1) / (2 t y - t - y) = MTF(y, t).
        float m = Mtf(target, t);
        return Math.Clamp(m, 1e-4f, 1f - 1e-4f);
    }
}
