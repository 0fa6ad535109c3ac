using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using StarPlugin.Imaging;
using StarPlugin.Progress;
using StarPlugin.Stretching;
using StarPlugin.Threading;

namespace StarPlugin.Detection;

/// <summary>
/// The photometric star finder: contrast-normalise, correlate with Gaussians over a
/// sweep of widths (normalized correlation), keep the local maxima whose coefficient
/// exceeds D and whose S/N exceeds the brightness threshold, then measure each star.
/// Works on the luminance of colour images; NaN and Inf pixels are replaced by the
/// median so they neither crash nor create false stars.
/// </summary>
public static class StarDetector
{
    public static IReadOnlyList<DetectedStar> Detect(AstroImage image, DetectionOptions? options = null, ProgressCallback? progress = null, CancellationToken token = default)
    {
        float[] lum = image.Luminance();
        return DetectOwned(lum, image.Width, image.Height, options, progress, token);
    }

    /// <summary>Detects stars in a region of interest; coordinates come back in full-image pixels.</summary>
    public static IReadOnlyList<DetectedStar> Detect(AstroImage image, int x0, int y0, int w, int h, DetectionOptions? options = null, ProgressCallback? progress = null, CancellationToken token = default)
    {
        var crop = image.Crop(x0, y0, w, h);
        return Detect(crop, options, progress, token).Select(s => s with { X = s.X + x0, Y = s.Y + y0, Col = s.Col + x0, Row = s.Row + y0 }).ToList();
    }

    /// <summary>Detects stars in one plane. The plane is not modified.</summary>
    public static IReadOnlyList<DetectedStar> Detect(ReadOnlySpan<float> plane, int width, int height, DetectionOptions? options = null, ProgressCallback? progress = null, CancellationToken token = default)
    {
        ImageLimits.CheckedSampleCount(width, height, 1);
        if (plane.Length != (long)width * height) throw new ArgumentException("plane size does not match width×height");
        using var copy = new NativePlane(plane.Length);
        plane.CopyTo(copy.GetSpan());
        return DetectOwned(copy.Memory, width, height, options, progress, token);
    }

    /// <summary>
    /// Detects stars in a plane that the caller hands over: it is normalised in place and
    /// holds garbage afterwards. Saves the copy (100 MB at 24 MP) when the plane is scratch.
    /// </summary>
    public static IReadOnlyList<DetectedStar> DetectDestructive(float[] plane, int width, int height, DetectionOptions? options = null, ProgressCallback? progress = null, CancellationToken token = default) =>
        DetectDestructive(plane.AsMemory(), width, height, options, progress, token);

    /// <summary><see cref="DetectDestructive(float[], int, int, DetectionOptions?, ProgressCallback?, CancellationToken)"/> on any memory (a <see cref="NativePlane"/>, say).</summary>
    internal static IReadOnlyList<DetectedStar> DetectDestructive(Memory<float> plane, int width, int height, DetectionOptions? options = null, ProgressCallback? progress = null, CancellationToken token = default) =>
        DetectDestructive(plane, width, height, options, out _, progress, token);

    /// <param name="limited">Whether more sources were found than <see cref="DetectionOptions.MaxSources"/> (the weakest were dropped).</param>
    internal static IReadOnlyList<DetectedStar> DetectDestructive(Memory<float> plane, int width, int height, DetectionOptions? options, out bool limited, ProgressCallback? progress = null, CancellationToken token = default)
    {
        ImageLimits.CheckedSampleCount(width, height, 1);
        if (plane.Length != (long)width * height) throw new ArgumentException("plane size does not match width×height");
        return DetectOwned(plane, width, height, options, progress, token, out limited);
    }

    /// <summary>Detects stars in a plane the detector may overwrite (it is normalised in place).</summary>
    private static List<DetectedStar> DetectOwned(Memory<float> norm, int width, int height, DetectionOptions? options, ProgressCallback? progress, CancellationToken token) =>
        DetectOwned(norm, width, height, options, progress, token, out _);

    private static List<DetectedStar> DetectOwned(Memory<float> norm, int width, int height, DetectionOptions? options, ProgressCallback? progress, CancellationToken token, out bool limited)
    {
        limited = false;
        var o = options ?? new DetectionOptions();
        o.Validate();
        var (min, max) = ContrastNormalization.NormalizeInPlaceParallel(norm, out var nonFinite);
        if (!(max > min)) return [];
        float saturation = float.IsNaN(o.SaturationLevel) ? AutoSaturation(norm.Span) : (o.SaturationLevel - min) / (max - min);
        try
        {
            var stars = Run(norm, width, height, o, min, max, saturation, progress, token, out limited);
            if (nonFinite != null) stars.RemoveAll(s => OnMissingData(s, nonFinite, width, height));
            return stars;
        }
        catch (AggregateException e) when (e.InnerExceptions.Any(x => x is OperationCanceledException))
        {
            // Parallel loops wrap the worker's cancellation; callers expect the plain exception.
            throw new OperationCanceledException("cancelled by the progress callback", e);
        }
    }

    private static List<DetectedStar> Run(Memory<float> norm, int width, int height, DetectionOptions o, float min, float max, float saturation, ProgressCallback? progress, CancellationToken token, out bool limited)
    {
        var widths = o.Widths();
        float guardWidth = o.GuardFactor * widths.Max();
        bool guard = o.GuardFactor > 1f;
        var kernels = widths.Select(g => new GaussianKernel(g))
            .Concat(guard ? [new GaussianKernel(guardWidth) { IsGuard = true }] : [])
            .OrderBy(k => k.Radius).ThenBy(k => k.Sigma).ToArray();
        int bandH = Math.Min(o.BandHeight, height);
        int bands = (height + bandH - 1) / bandH;
        var reporter = new ProgressReporter(progress, bands + 1, "correlating and measuring", token);
        var mesh = new BackgroundMesh(norm, width, height, o.MeshSize);
        var measured = new StrongestSources(o.MaxSources);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = o.MaxThreads > 0 ? o.MaxThreads : Environment.ProcessorCount, CancellationToken = token };
        // Each band's candidates are measured by the worker that found them, so only one
        // band's candidates exist at a time: on a crowded field the whole image's candidate
        // list and its measured copy were most of the census' transient memory.
        ParallelWorkers.For(bands, () => (Band: new CorrelationBand(width, bandH, kernels), Found: new List<Candidate>(), Meter: new StarMeasurement(norm, width, height), Stars: new List<DetectedStar>()), (b, mine) =>
        {
            int y0 = b * bandH, y1 = Math.Min(height, y0 + bandH);
            mine.Band.Process(norm.Span, height, mesh, y0, y1, o, saturation, mine.Found);
            foreach (var c in mine.Found)
            {
                // Past the source limit, a candidate weaker than every star kept would be dropped: not measured.
                if (measured.Rejects(c.Snr, c.Row, c.Col, c.Width)) continue;
                var star = Measure(c, mine.Meter, norm.Span, width, height, mesh, o, min, max, saturation);
                if (star != null) mine.Stars.Add(star);
            }
            measured.Add(mine.Stars);
            mine.Found.Clear();
            mine.Stars.Clear();
            reporter.Advance();
        }, parallel);
        reporter.SetStage("merging duplicates");
        // The merge keeps the stronger of two duplicates, so merging the strongest
        // candidates gives the same stars as merging all and keeping those among them.
        var stars = Deduplicate(measured.Take());
        limited = measured.Limited;
        reporter.Advance();
        // Clipped discs come on top, as many again at most; then the list is held to the
        // limit once more, the discs kept first: each has replaced the detections on its
        // plateau, so dropping one would lose that star altogether.
        var (discs, discsLimited) = SaturatedDiscs.Merge(norm.Span, width, height, saturation, min, max, stars, o.MaxSources);
        if (o.MaxSources > 0) limited |= discsLimited | KeepStrongestInOrder(stars, o.MaxSources, discs) > 0;
        return stars;
    }

    /// <summary>One candidate measured; null when it has no flux or is not star-sized (unless clipped).</summary>
    private static DetectedStar? Measure(Candidate c, StarMeasurement meter, ReadOnlySpan<float> plane, int width, int height, BackgroundMesh mesh, DetectionOptions o, float min, float max, float saturation)
    {
        var m = meter.Measure(c.Col, c.Row, c.Width, FlatSkyLevel(mesh, c.Col, c.Row, o));
        if (m.Flux <= 0) return null;
        int ix = Math.Clamp((int)Math.Round(m.X), 0, width - 1), iy = Math.Clamp((int)Math.Round(m.Y), 0, height - 1);
        bool saturated = PeakNear(plane, width, height, ix, iy) >= saturation;
        if (!saturated && (m.Fwhm > o.AllowedSizeRatio(c.Coefficient) * Gaussian.FwhmPerSigma * c.Width || m.Fwhm < o.MinFwhm)) return null;
        return new DetectedStar(c.Row, c.Col, c.Coefficient, plane[c.Row * width + c.Col],
            m.X, m.Y, m.Flux * (max - min), m.Fwhm, c.Snr, m.Roundness, c.Width, saturated) { Background = min + m.Background * (max - min) };
    }

    /// <summary>
    /// The mesh's sky level where the sky is flat (<see cref="DetectionOptions.FlatSkyBackground"/>),
    /// else null: the measurement then fits a plane to the ring around the star.
    /// </summary>
    private static double? FlatSkyLevel(BackgroundMesh mesh, int x, int y, DetectionOptions o)
    {
        if (!o.FlatSkyBackground) return null;
        var (level, structure) = mesh.At(x, y);
        return structure <= o.FlatSky ? level : null;
    }

    /// <summary>
    /// Clipped data piles many pixels at the maximum; then saturation starts just below it.
    /// Lossy and colour-processed data (a JPEG, luminance of clipped RGB) scatters a clipped
    /// core over 0.98–1 instead of one value, so the level is set at 0.98: with 0.9999 the
    /// brightest stars of the rim nebula photo were neither saturated nor stars.
    /// </summary>
    private static float AutoSaturation(ReadOnlySpan<float> norm)
    {
        // Vector256 compares: a scalar loop over every pixel showed up in the detection time.
        var near = Vector256.Create(0.98f);
        int nearMax = 0, atMax = 0, i = 0;
        ref float start = ref MemoryMarshal.GetReference(norm);
        for (; i <= norm.Length - Vector256<float>.Count; i += Vector256<float>.Count)
        {
            var v = Vector256.LoadUnsafe(ref start, (nuint)i);
            if (!Vector256.GreaterThanOrEqualAny(v, near)) continue;
            for (int k = 0; k < Vector256<float>.Count; k++)
            {
                if (v[k] >= 0.98f) nearMax++;
                if (v[k] >= 0.9999f) atMax++;
            }
        }
        for (; i < norm.Length; i++)
        {
            if (norm[i] >= 0.98f) nearMax++;
            if (norm[i] >= 0.9999f) atMax++;
        }
        return atMax >= 3 || nearMax >= 25 ? 0.98f : float.PositiveInfinity;
    }

    private static float PeakNear(ReadOnlySpan<float> p, int w, int h, int x, int y)
    {
        float m = float.NegativeInfinity;
        for (int yy = Math.Max(0, y - 1); yy <= Math.Min(h - 1, y + 1); yy++)
            for (int xx = Math.Max(0, x - 1); xx <= Math.Min(w - 1, x + 1); xx++)
                m = Math.Max(m, p[yy * w + xx]);
        return m;
    }

    /// <summary>
    /// Whether most of a detection's core (radius max(1.5, FWHM/2) px) was NaN or infinite in
    /// the input: the median fill of a blank area stood out of a darker sky as a plateau and
    /// was catalogued as a bright source. A star with a few bad pixels in its core stays.
    /// </summary>
    private static bool OnMissingData(DetectedStar s, System.Collections.BitArray nonFinite, int w, int h)
    {
        double r = Math.Max(1.5, 0.5 * s.Fwhm);
        if (!double.IsFinite(r)) r = 1.5;
        int x0 = Math.Max(0, (int)Math.Floor(s.X - r)), x1 = Math.Min(w - 1, (int)Math.Ceiling(s.X + r));
        int y0 = Math.Max(0, (int)Math.Floor(s.Y - r)), y1 = Math.Min(h - 1, (int)Math.Ceiling(s.Y + r));
        int all = 0, missing = 0;
        for (int y = y0; y <= y1; y++)
            for (int x = x0; x <= x1; x++)
            {
                double dx = x - s.X, dy = y - s.Y;
                if (dx * dx + dy * dy > r * r) continue;
                all++;
                if (nonFinite[y * w + x]) missing++;
            }
        return all > 0 && 2 * missing >= all; // a centre just outside the frame (no pixel in the disc) stays
    }

    /// <summary>
    /// Detections narrower than this exist only with a <see cref="DetectionOptions.MinFwhm"/>
    /// below its default (the removal's census keeps them as one-pixel stars).
    /// </summary>
    internal const double NarrowFwhm = 1.0;

    /// <summary>
    /// Two maxima that converge on one centroid (within 1 px) are one star: keep the stronger.
    /// Narrow detections come after all others, so a sharp peak measured beside a star
    /// never replaces it: the catalogue of stars from 1 px up is the same whatever
    /// MinFwhm lets through below that.
    /// </summary>
    internal static List<DetectedStar> Deduplicate(List<DetectedStar> stars)
    {
        // Ties broken by position and width: the candidates arrive in whatever order the
        // workers finished their bands, and an unstable sort on S/N alone kept one or the other
        // of two equal peaks a pixel apart, so runs differed (1 star in 9377 on a real picture).
        stars.Sort(static (a, b) => (a.Fwhm < NarrowFwhm) != (b.Fwhm < NarrowFwhm) ? (a.Fwhm < NarrowFwhm ? 1 : -1) : Stronger(a, b));
        // Kept stars are compacted to the front of the list in place (no second list).
        var grid = new StarGrid(1.0, stars.Count);
        int kept = 0;
        for (int i = 0; i < stars.Count; i++)
        {
            var s = stars[i];
            if (grid.AnyWithin(s.X, s.Y, 1.0)) continue;
            stars[kept++] = s;
            grid.Add(s);
        }
        stars.RemoveRange(kept, stars.Count - kept);
        stars.Sort((a, b) => a.Y != b.Y ? a.Y.CompareTo(b.Y) : a.X.CompareTo(b.X));
        return stars;
    }

    /// <summary>
    /// Higher S/N first; ties by peak position and width, so the order is total (one
    /// candidate per peak and width; NaN S/N last, and ties among them broken the same way).
    /// </summary>
    internal static int Stronger(DetectedStar a, DetectedStar b) => Stronger(a.Snr, a.Row, a.Col, a.Width, b);

    /// <summary><see cref="Stronger(DetectedStar, DetectedStar)"/> for a candidate not yet measured (its S/N, peak and width are the star's).</summary>
    internal static int Stronger(double snr, int row, int col, float width, DetectedStar b)
    {
        int bySnr = b.Snr.CompareTo(snr);
        return bySnr != 0 ? bySnr
            : row != b.Row ? row.CompareTo(b.Row)
            : col != b.Col ? col.CompareTo(b.Col)
            : width.CompareTo(b.Width);
    }

    /// <summary>
    /// Keeps at most <paramref name="max"/> entries without reordering the list: the last
    /// <paramref name="protectedTail"/> first (up to <paramref name="max"/>), then the
    /// strongest of the others; returns how many were dropped.
    /// </summary>
    private static int KeepStrongestInOrder(List<DetectedStar> stars, int max, int protectedTail)
    {
        if (stars.Count <= max) return 0;
        int others = stars.Count - protectedTail;
        var keep = new bool[stars.Count];
        for (int i = others; i < Math.Min(stars.Count, others + max); i++) keep[i] = true;
        var rank = new int[others];
        for (int i = 0; i < others; i++) rank[i] = i;
        Array.Sort(rank, (i, j) => Stronger(stars[i], stars[j]));
        for (int k = 0; k < Math.Max(0, max - protectedTail); k++) keep[rank[k]] = true;
        int kept = 0;
        for (int i = 0; i < stars.Count; i++) if (keep[i]) stars[kept++] = stars[i];
        int dropped = stars.Count - kept;
        stars.RemoveRange(kept, dropped);
        return dropped;
    }
}
