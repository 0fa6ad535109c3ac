using StarPlugin.Detection;
using StarPlugin.Imaging;
using StarPlugin.Progress;

namespace StarPlugin.Removal;

/// <summary>
/// Second stage after the network: finds stars the network left behind and fills them.
/// A small CPU model leaves faint and strongly coloured stars (and the dark hole of some
/// bright ones); users then clone them out by hand. This stage does that clone-out:
/// 1. detect point sources in the model-domain input (luminance);
/// 2. keep the star-like ones: correlation coefficient ≥ 0.8 (or a saturated core) and
///    a FWHM from 1 px (hot pixels are narrower; they stay) to 2.2× the field's PSF, so
///    nebula knots and galaxies broader than that are never touched;
/// 3. at each, measure the starless result against a plane fitted to a surrounding
///    annulus, per channel; where the core still stands out (or sinks) by ≥ 3σ of the
///    mean, replace the disc by that plane plus noise of the annulus' σ, feathered.
/// Works on the model-domain star layer (the network's output) in place; the caller's
/// clamp to [0, input] follows. Costs one detection pass over the image.
/// </summary>
internal static class ResidualStarCleanup
{
    /// <summary>How far (in σ of the mean) the core must stand out of the fitted sky to be filled.</summary>
    public const float Significance = 3f;
    /// <summary>Widest FWHM, in units of the field's PSF FWHM, that still counts as a star.</summary>
    public const double MaxWidth = 2.2;
    /// <summary>Fill radius: RadiusScale·FWHM + 2 px (clamped to 3..15 px, 30 px when saturated).</summary>
    public const double RadiusScale = 1.2;

    /// <param name="input">Model-domain input value of channel c at pixel i.</param>
    /// <param name="layers">Model-domain star layer, planar (channel c at c·w·h), edited in place.</param>
    /// <returns>How many stars were filled.</returns>
    public static int Apply(Func<int, int, float> input, float[] layers, int colours, int w, int h, ProgressReporter progress)
    {
        int n = w * h;
        var lum = new float[n];
        Parallel.For(0, h, y =>
        {
            for (int x = 0, i = y * w; x < w; x++, i++)
            {
                float s = 0;
                for (int c = 0; c < colours; c++) s += input(c, i);
                lum[i] = s / colours;
            }
        });
        progress.ThrowIfCancelled();
        var found = StarDetector.Detect(lum, w, h);
        progress.ThrowIfCancelled();
        var candidates = found.Where(s => (s.Coefficient >= 0.8f || s.Saturated) && double.IsFinite(s.Fwhm) && s.Fwhm > 0).ToList();
        if (candidates.Count == 0) return 0;
        // The field's PSF width: the lower quartile of the FWHM of its clean, well-measured
        // stars. Not the median: on nebula, knots that pass as stars are broader and pull it up.
        var good = candidates.Where(s => s.Snr >= 20 && s.Coefficient >= 0.9f && !s.Saturated).Select(s => s.Fwhm).OrderBy(v => v).ToList();
        if (good.Count < 5) good = candidates.Where(s => !s.Saturated).Select(s => s.Fwhm).OrderBy(v => v).ToList();
        double psf = good.Count == 0 ? 2.5 : good[good.Count / 4];
        int filled = 0;
        var fit = new PlaneFit[colours];
        foreach (var s in candidates)
        {
            // Saturated cores measure wider than the PSF; they are stars all the same.
            if (s.Fwhm < 1.0 || (!s.Saturated && s.Fwhm > MaxWidth * psf)) continue;
            double r = Math.Clamp(RadiusScale * s.Fwhm + 2, 3, s.Saturated ? 30 : 15), core = Math.Max(1.0, 0.6 * s.Fwhm);
            bool stands = false;
            for (int c = 0; c < colours; c++)
            {
                int cc = c, off = c * n;
                Func<int, float> starless = i => input(cc, i) - layers[off + i];
                fit[c] = PlaneFit.Annulus(starless, w, h, s.X, s.Y, r + 1, r + 4);
                if (!fit[c].Valid) { stands = false; break; }
                var (mean, count) = CoreMean(starless, w, h, s.X, s.Y, core, fit[c]);
                if (count > 0 && Math.Abs(mean) >= Significance * fit[c].Sigma / Math.Sqrt(count)) stands = true;
            }
            if (!stands) continue;
            for (int c = 0; c < colours; c++) Fill(input, layers.AsSpan(c * n, n), c, w, h, s.X, s.Y, r, fit[c], seed: s.Row * 7919 + s.Col * 31 + c);
            filled++;
        }
        return filled;
    }

    private static (double Mean, int Count) CoreMean(Func<int, float> starless, int w, int h, double cx, double cy, double r, PlaneFit p)
    {
        double sum = 0; int count = 0;
        for (int y = Math.Max(0, (int)Math.Floor(cy - r)); y <= Math.Min(h - 1, (int)Math.Ceiling(cy + r)); y++)
            for (int x = Math.Max(0, (int)Math.Floor(cx - r)); x <= Math.Min(w - 1, (int)Math.Ceiling(cx + r)); x++)
            {
                double dx = x - cx, dy = y - cy;
                if (dx * dx + dy * dy > r * r) continue;
                sum += starless(y * w + x) - p.At(dx, dy); count++;
            }
        return (count == 0 ? 0 : sum / count, count);
    }

    private static void Fill(Func<int, int, float> input, Span<float> layer, int c, int w, int h, double cx, double cy, double r, PlaneFit p, int seed)
    {
        var rng = new Random(seed);
        for (int y = Math.Max(0, (int)Math.Floor(cy - r - 1)); y <= Math.Min(h - 1, (int)Math.Ceiling(cy + r + 1)); y++)
            for (int x = Math.Max(0, (int)Math.Floor(cx - r - 1)); x <= Math.Min(w - 1, (int)Math.Ceiling(cx + r + 1)); x++)
            {
                double dx = x - cx, dy = y - cy, d = Math.Sqrt(dx * dx + dy * dy);
                // Full replacement inside r − 1.5, a linear feather out to r + 0.5.
                double weight = Math.Clamp((r + 0.5 - d) / 2.0, 0, 1);
                if (weight <= 0) continue;
                int i = y * w + x;
                float xm = input(c, i);
                double fill = p.At(dx, dy) + p.Sigma * Gaussian(rng);
                double starless = xm - layer[i];
                layer[i] = (float)(xm - (starless + weight * (fill - starless)));
            }
    }

    private static double Gaussian(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    /// <summary>Least-squares plane a + b·dx + c·dy over an annulus, with the robust σ of its residuals.</summary>
    private readonly record struct PlaneFit(double A, double B, double C, double Sigma, bool Valid)
    {
        public double At(double dx, double dy) => A + B * dx + C * dy;

        public static PlaneFit Annulus(Func<int, float> value, int w, int h, double cx, double cy, double r0, double r1)
        {
            double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0, sv = 0, sxv = 0, syv = 0; int n = 0;
            var samples = new List<(double Dx, double Dy, double V)>();
            for (int y = Math.Max(0, (int)Math.Floor(cy - r1)); y <= Math.Min(h - 1, (int)Math.Ceiling(cy + r1)); y++)
                for (int x = Math.Max(0, (int)Math.Floor(cx - r1)); x <= Math.Min(w - 1, (int)Math.Ceiling(cx + r1)); x++)
                {
                    double dx = x - cx, dy = y - cy, d2 = dx * dx + dy * dy;
                    if (d2 < r0 * r0 || d2 > r1 * r1) continue;
                    double v = value(y * w + x);
                    if (!double.IsFinite(v)) continue;
                    samples.Add((dx, dy, v));
                    sx += dx; sy += dy; sxx += dx * dx; syy += dy * dy; sxy += dx * dy; sv += v; sxv += dx * v; syv += dy * v; n++;
                }
            if (n < 12) return default;
            // Normal equations of the 3×3 system, solved by Cramer's rule (centred sums keep it well conditioned).
            double mx = sx / n, my = sy / n, mv = sv / n;
            double cxx = sxx - n * mx * mx, cyy = syy - n * my * my, cxy = sxy - n * mx * my, cxv = sxv - n * mx * mv, cyv = syv - n * my * mv;
            double det = cxx * cyy - cxy * cxy;
            double b = 0, c = 0;
            if (Math.Abs(det) > 1e-9) { b = (cxv * cyy - cyv * cxy) / det; c = (cyv * cxx - cxv * cxy) / det; }
            double a = mv - b * mx - c * my;
            var res = samples.Select(s => (float)Math.Abs(s.V - (a + b * s.Dx + c * s.Dy))).ToArray();
            float mad = RobustStatistics.Median(res);
            // A median of the residuals, not the mean, sets the level: stars in the annulus must not lift it.
            var shifted = samples.Select(s => (float)(s.V - (a + b * s.Dx + c * s.Dy))).ToArray();
            a += RobustStatistics.Median(shifted);
            return new PlaneFit(a, b, c, Math.Max(1.4826 * mad, 1e-6), true);
        }
    }
}
