using StarPlugin.Imaging;

namespace StarPlugin.Lensing.Survey;

/// <summary>
/// Colour composites of g, r, z data by the asinh scheme of Lupton et al. (2004, PASP
/// 116, 133), as the Legacy Survey viewer draws them (legacypipe's sdss_rgb, Q = 20):
/// each band is scaled, I = mean of the bands, every band is multiplied by
/// asinh(Q·I)/(√Q·I) so that colours hold from the faintest pixel to the brightest,
/// and z, r, g become red, green and blue. The viewer's scales assume nanomaggies
/// (g 6.0, r 3.4, z 2.2 at the survey's depth); here each band's scale comes from its
/// own noise instead, scale = 0.022/σ, which gives the viewer's look at the survey's
/// depth and the same look for data in any units.
/// </summary>
public static class LuptonColour
{
    public const double Q = 20, Offset = 0.02, NoiseToScale = 0.022;

    /// <summary>An RGB image (values in [0, 1]) of three planes given blue to red; blank pixels come out black.</summary>
    public static AstroImage Render(IReadOnlyList<float[]> blueToRed, int width, int height)
    {
        if (blueToRed.Count != 3) throw new ArgumentException("a colour composite needs three bands");
        int n = width * height;
        var scale = new double[3];
        for (int b = 0; b < 3; b++)
        {
            if (blueToRed[b].Length != n) throw new ArgumentException("bands differ in size");
            var (_, mad) = RobustStatistics.MedianMad(blueToRed[b]);
            double sigma = mad * RobustStatistics.MadToSigma;
            if (!(sigma > 0))
            {
                var (lo, hi) = RobustStatistics.FiniteMinMax(blueToRed[b]);
                sigma = hi > lo ? (hi - lo) * 1e-3 : 1;
            }
            scale[b] = NoiseToScale / sigma;
        }
        var rgb = new AstroImage(width, height, 3, new ImageMetadata { SourceFormat = SampleFormat.UInt8 });
        double rootQ = Math.Sqrt(Q);
        for (int i = 0; i < n; i++)
        {
            double g = Scaled(blueToRed[0][i], scale[0]), r = Scaled(blueToRed[1][i], scale[1]), z = Scaled(blueToRed[2][i], scale[2]);
            double mean = (Math.Max(g, 0) + Math.Max(r, 0) + Math.Max(z, 0)) / 3;
            double f = mean > 0 ? Math.Asinh(Q * mean) / (rootQ * mean) : 0;
            rgb.Data[i] = (float)Math.Clamp(z * f, 0, 1);          // red ← z
            rgb.Data[n + i] = (float)Math.Clamp(r * f, 0, 1);      // green ← r
            rgb.Data[2 * n + i] = (float)Math.Clamp(g * f, 0, 1);  // blue ← g
        }
        return rgb;
    }

    private static double Scaled(float v, double scale) => float.IsFinite(v) ? v * scale + Offset : 0;
}
