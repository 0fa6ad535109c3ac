namespace StarPlugin.Lensing.Display;

/// <summary>
/// Colour composites of g/r/z cubes by the asinh scheme of Lupton et al. (2004, PASP 116,
/// 133), as the Legacy Survey viewer draws them: each band is scaled (z → red, r → green,
/// g → blue), the mean intensity I goes through F(I) = asinh(Q·I)/√Q, and every band is
/// multiplied by F(I)/I, so colours stay true where the stretch saturates; a pixel whose
/// brightest band exceeds 1 is scaled down as a whole instead of clipped per band.
/// </summary>
public static class LuptonComposite
{
    /// <summary>The Legacy Survey viewer's scales for nanomaggy data (g, r, z) and its Q and offset.</summary>
    public static readonly double[] LegacyScales = [6.0, 3.4, 2.2];
    public const double LegacyQ = 20, LegacyOffset = 0.03;
    /// <summary>Typical sky noise of a Legacy Survey g/r/z cutout in nanomaggies: the unit those scales expect.</summary>
    public const double LegacyNoise = 0.005;

    /// <summary>
    /// Planar RGB in [0, 1] (3 × w × h) from three bands ordered g, r, z. With
    /// <paramref name="autoScale"/>, the bands are first brought to the noise level the
    /// Legacy scales expect, so cutouts in any unit (counts, ADU) render alike.
    /// <paramref name="boost"/> multiplies the scales (the "brighter" toggle).
    /// </summary>
    public static float[] Compose(ReadOnlySpan<float> g, ReadOnlySpan<float> r, ReadOnlySpan<float> z, int width, int height,
        bool autoScale = true, double q = LegacyQ, double offset = LegacyOffset, double boost = 1)
    {
        int n = width * height;
        if (g.Length != n || r.Length != n || z.Length != n) throw new ArgumentException("bands differ from width × height");
        var bands = new[] { g.ToArray(), r.ToArray(), z.ToArray() };
        var scale = LegacyScales.Select(s => s * boost).ToArray();
        if (autoScale)
        {
            for (int b = 0; b < 3; b++)
            {
                var (median, sigma) = SkyOf(bands[b]);
                for (int i = 0; i < n; i++) bands[b][i] -= (float)median;
                scale[b] *= LegacyNoise / Math.Max(sigma, 1e-12);
            }
        }
        var rgb = new float[3 * n];
        for (int i = 0; i < n; i++)
        {
            // z → R, r → G, g → B.
            double R = Math.Max(0, bands[2][i] * scale[2] + offset), G = Math.Max(0, bands[1][i] * scale[1] + offset), B = Math.Max(0, bands[0][i] * scale[0] + offset);
            if (!double.IsFinite(R) || !double.IsFinite(G) || !double.IsFinite(B)) { R = G = B = 0; }
            double I = (R + G + B) / 3;
            double f = I > 0 ? Math.Asinh(q * I) / Math.Sqrt(q) / I : 0;
            R *= f; G *= f; B *= f;
            double max = Math.Max(R, Math.Max(G, B));
            if (max > 1) { R /= max; G /= max; B /= max; }
            rgb[i] = (float)R; rgb[n + i] = (float)G; rgb[2 * n + i] = (float)B;
        }
        return rgb;
    }

    private static (double Median, double Sigma) SkyOf(float[] plane)
    {
        var finite = plane.Where(float.IsFinite).ToArray();
        if (finite.Length == 0) return (0, 1);
        var (median, mad) = StarPlugin.Imaging.RobustStatistics.MedianMad(finite);
        return (median, mad * StarPlugin.Imaging.RobustStatistics.MadToSigma);
    }
}
