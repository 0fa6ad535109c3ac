using StarPlugin.Detection;
using StarPlugin.Evaluation;
using StarPlugin.Imaging;
using StarPlugin.Rendering;

namespace StarPlugin.Bench;

/// <summary>The removal quality measures of the issue, all computed the same way for both removers.</summary>
internal static class QualityMetrics
{
    /// <summary>
    /// The detector settings of every measure in this bench: one D everywhere and ring
    /// backgrounds, as when the measures were defined. The detector's flat-sky relief and
    /// mesh background (added later) find more faint stars and change FWHMs; they would
    /// move the residual and off-star figures against earlier runs.
    /// </summary>
    public static readonly DetectionOptions Detection = new() { FlatSkyRelief = 0f, FlatSkyBackground = false };

    public static IReadOnlyList<DetectedStar> Detect(AstroImage image) => StarDetector.Detect(image, Detection);

    /// <summary>
    /// Confident point sources detected before removal (coefficient ≥ 0.8, S/N ≥ 10, FWHM ≤ 6 px):
    /// on real nebula data the detector also marks knots of nebulosity, which a star
    /// remover must keep, so they do not count as stars here.
    /// </summary>
    public static List<DetectedStar> Confident(IReadOnlyList<DetectedStar> stars) =>
        stars.Where(s => s.Coefficient >= 0.8f && s.Snr >= 10 && s.Fwhm <= 6).ToList();

    /// <summary>Confident stars still detected after removal (any detection within 2 px) ÷ confident stars before.</summary>
    public static double ResidualStars(AstroImage original, AstroImage starless, IReadOnlyList<DetectedStar> all)
    {
        var before = Confident(all);
        if (before.Count == 0) return 0;
        var after = Detect(starless);
        var m = CatalogMatcher.Match(before.Select(s => (s.X, s.Y)).ToList(), after.Select(s => (s.X, s.Y)).ToList(), 2.0);
        return (double)m.Matched / before.Count;
    }

    /// <summary>
    /// Mean |starless − original| and mean signed change over off-star pixels, in % of the
    /// data range (white = 1). Off-star: outside a disc of radius min(3·FWHM + 2, 10) px
    /// around every detection (a fixed cap, so extended detections cannot mask the field).
    /// </summary>
    public static (double AbsPercent, double SignedPercent) OffStarChange(AstroImage original, AstroImage starless, IReadOnlyList<DetectedStar> stars)
    {
        int w = original.Width, h = original.Height;
        var mask = new float[w * h];
        foreach (var st in stars)
        {
            double r = Math.Min(3 * st.Fwhm + 2, 10);
            for (int y = Math.Max(0, (int)(st.Y - r)); y <= Math.Min(h - 1, (int)(st.Y + r)); y++)
                for (int x = Math.Max(0, (int)(st.X - r)); x <= Math.Min(w - 1, (int)(st.X + r)); x++)
                    if ((x - st.X) * (x - st.X) + (y - st.Y) * (y - st.Y) <= r * r) mask[y * w + x] = 1;
        }
        double abs = 0, signed = 0; long n = 0;
        for (int c = 0; c < original.ColorChannels; c++)
        {
            var o = original.Plane(c); var s = starless.Plane(c);
            for (int i = 0; i < o.Length; i++)
            {
                if (mask[i] > 0) continue;
                double d = s[i] - o[i];
                abs += Math.Abs(d); signed += d; n++;
            }
        }
        return n == 0 ? (0, 0) : (100 * abs / n, 100 * signed / n);
    }

    public static double Psnr(AstroImage a, AstroImage truth)
    {
        double mse = 0; long n = 0;
        for (int c = 0; c < truth.ColorChannels; c++)
        {
            var x = a.Plane(c); var y = truth.Plane(c);
            for (int i = 0; i < x.Length; i++) { double d = x[i] - y[i]; mse += d * d; n++; }
        }
        return 10 * Math.Log10(1 / Math.Max(mse / n, 1e-12));
    }

    /// <summary>
    /// Galaxy light a remover keeps, against the truth rendered with and without galaxies
    /// (same noise): over the pixels where the galaxies' light (target − bare, luminance)
    /// exceeds 3σ of the pixel noise and no star adds more than 1σ, Σ(result − bare) per
    /// result and Σ(target − bare). Light is 0 when the pair has no such pixel.
    /// </summary>
    public static (double Light, double[] Kept) GalaxyLightKept(AstroImage target, AstroImage bare, AstroImage starLayer, IReadOnlyList<AstroImage> results)
    {
        int n = target.Width * target.Height, ch = target.ColorChannels;
        var bareLum = bare.Luminance();
        // Pixel noise from neighbour differences (robust to the sky's structure): σ = 1.4826·MAD/√2.
        var diffs = new float[n - 1];
        for (int i = 0; i + 1 < n; i++) diffs[i] = MathF.Abs(bareLum[i + 1] - bareLum[i]);
        Array.Sort(diffs);
        double sigma = Math.Max(RobustStatistics.MadToSigma * diffs[diffs.Length / 2] / Math.Sqrt(2), 1e-5);
        var galaxyLum = target.Luminance();
        var starLum = starLayer.Luminance();
        double light = 0; var kept = new double[results.Count];
        for (int i = 0; i < n; i++)
        {
            if (galaxyLum[i] - bareLum[i] <= 3 * sigma || MathF.Abs(starLum[i]) > sigma) continue;
            for (int c = 0; c < ch; c++)
            {
                float b = bare.Plane(c)[i];
                light += target.Plane(c)[i] - b;
                for (int k = 0; k < results.Count; k++) kept[k] += results[k].Plane(c)[i] - b;
            }
        }
        return (light, kept);
    }

    /// <summary>Mean SSIM over colour channels (Gaussian window σ = 1.5, K1 = 0.01, K2 = 0.03, range 1).</summary>
    public static double Ssim(AstroImage a, AstroImage b)
    {
        const double C1 = 0.0001, C2 = 0.0009;
        int w = a.Width, h = a.Height;
        double total = 0;
        for (int c = 0; c < b.ColorChannels; c++)
        {
            var x = a.Plane(c).ToArray(); var y = b.Plane(c).ToArray();
            var xx = x.Select(v => v * v).ToArray(); var yy = y.Select(v => v * v).ToArray();
            var xy = x.Zip(y, (p, q) => p * q).ToArray();
            float[] B(float[] v) => PlaneFilters.GaussianBlur(v, w, h, 1.5f);
            var mx = B(x); var my = B(y); var sxx = B(xx); var syy = B(yy); var sxy = B(xy);
            double sum = 0;
            for (int i = 0; i < x.Length; i++)
            {
                double vx = sxx[i] - mx[i] * mx[i], vy = syy[i] - my[i] * my[i], cxy = sxy[i] - mx[i] * my[i];
                sum += (2 * mx[i] * my[i] + C1) * (2 * cxy + C2) / ((mx[i] * mx[i] + my[i] * my[i] + C1) * (vx + vy + C2));
            }
            total += sum / x.Length;
        }
        return total / b.ColorChannels;
    }

    /// <summary>Mean absolute error on the pixels of every 512-px tile boundary (±1 px) over that of the interior.</summary>
    public static double SeamRatio(AstroImage a, AstroImage truth, int period)
    {
        double seam = 0, inner = 0; long ns = 0, ni = 0;
        for (int c = 0; c < truth.ColorChannels; c++)
            for (int y = 0; y < truth.Height; y++)
                for (int x = 0; x < truth.Width; x++)
                {
                    double e = Math.Abs(a[c, y, x] - truth[c, y, x]);
                    int dx = Math.Min(x % period, period - x % period), dy = Math.Min(y % period, period - y % period);
                    if ((dx <= 1 && x > 1) || (dy <= 1 && y > 1)) { seam += e; ns++; } else { inner += e; ni++; }
                }
        return ns == 0 ? 1 : (seam / ns) / Math.Max(inner / ni, 1e-12);
    }

    /// <summary>Colour error around bright stars: mean |Δ(R−G)| + |Δ(B−G)| of the result against the truth, in annuli 1-3 FWHM.</summary>
    public static double RingChroma(AstroImage a, AstroImage truth, IReadOnlyList<DetectedStar> stars)
    {
        if (truth.ColorChannels != 3) return 0;
        double sum = 0; long n = 0;
        foreach (var s in stars.OrderByDescending(s => s.Flux).Take(50))
        {
            double r0 = s.Fwhm, r1 = 3 * s.Fwhm + 2;
            for (int y = Math.Max(0, (int)(s.Y - r1)); y <= Math.Min(truth.Height - 1, (int)(s.Y + r1)); y++)
                for (int x = Math.Max(0, (int)(s.X - r1)); x <= Math.Min(truth.Width - 1, (int)(s.X + r1)); x++)
                {
                    double d = Math.Sqrt((x - s.X) * (x - s.X) + (y - s.Y) * (y - s.Y));
                    if (d < r0 || d > r1) continue;
                    double rgA = a[0, y, x] - a[1, y, x], bgA = a[2, y, x] - a[1, y, x];
                    double rgT = truth[0, y, x] - truth[1, y, x], bgT = truth[2, y, x] - truth[1, y, x];
                    sum += Math.Abs(rgA - rgT) + Math.Abs(bgA - bgT); n++;
                }
        }
        return n == 0 ? 0 : sum / n;
    }
}
