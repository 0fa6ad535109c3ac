using StarPlugin.Detection;
using StarPlugin.Imaging;

namespace StarPlugin.Lensing;

/// <summary>
/// Injects a lensed arc into a real cutout: find the lens (given, or the brightest
/// galaxy near the centre), ray-shoot the Sérsic source through the SIE, convolve with
/// the cutout's PSF (given or measured from its stars), scale the source to a target
/// arc S/N against the measured background noise, and add Poisson noise for the arc's
/// own light. Works per band: mono, RGB, or a g/r/z cube (channels).
/// </summary>
public static class MockLensInjector
{
    /// <summary>
    /// An 8/16-bit picture holds [0, 1]: a mock of one saturates there as its camera would
    /// (an arc on a white core, noise on a black sky) instead of failing the write.
    /// Physical (FITS) and float data keep every value. Returns how many samples saturated.
    /// </summary>
    public static long SaturateLikeThePicture(AstroImage mock)
    {
        var md = mock.Metadata;
        if (md.IsPhysical || md.SourceFormat is not (SampleFormat.UInt8 or SampleFormat.UInt16)) return 0;
        long clipped = 0;
        var d = mock.Data;
        for (int i = 0; i < d.Length; i++)
            if (d[i] is < 0f or > 1f) { d[i] = Math.Clamp(d[i], 0f, 1f); clipped++; }
        return clipped;
    }

    public static (AstroImage Image, MockLensRecord Record) Inject(AstroImage cutout, MockLensOptions o)
    {
        if (!(o.EinsteinRadius >= 0) || !(o.AxisRatio > 0 && o.AxisRatio <= 1) || !(o.SourceRadius > 0) || !(o.SourceIndex > 0.1 && o.SourceIndex <= 10))
            throw new ArgumentException("lens parameters out of range (θE ≥ 0, 0 < q ≤ 1, Re > 0, 0.1 < n ≤ 10)");
        int w = cutout.Width, h = cutout.Height, bands = cutout.ColorChannels;
        var lum = cutout.Luminance();
        var (cx, cy) = double.IsNaN(o.CenterX) || double.IsNaN(o.CenterY) ? BrightestNearCentre(lum, w, h) : (o.CenterX, o.CenterY);
        // Each band has its own seeing and noise (g, r and z differ): measure both per band.
        var noise = LightInjection.Measure(cutout);
        var sigma = noise.Select(n => n.Sigma).ToArray();
        var fwhm = new double[bands];
        for (int b = 0; b < bands; b++)
            fwhm[b] = o.PsfFwhm > 0 ? o.PsfFwhm : EstimateFwhm(cutout.Plane(b).ToArray(), w, h);

        var lens = new IsothermalEllipsoid(o.EinsteinRadius, o.AxisRatio, o.PositionAngle, cx, cy, o.Shear, o.ShearAngle);
        var source = new SersicSource(cx + o.SourceOffsetX, cy + o.SourceOffsetY, o.SourceRadius, o.SourceIndex, o.SourceAxisRatio, o.SourceAngle);
        var sharp = LensRenderer.Render(w, h, lens, source, o.Supersample);
        var unlensed = LensRenderer.Render(w, h, lens with { EinsteinRadius = 0, Shear = 0 }, source, o.Supersample);
        double lensedSum = sharp.Sum(v => (double)v), unlensedSum = unlensed.Sum(v => (double)v);
        double magnification = unlensedSum > 0 ? lensedSum / unlensedSum : double.NaN;
        var ratios = o.BandRatios ?? Enumerable.Repeat(1.0, bands).ToArray();
        if (ratios.Length != bands) throw new ArgumentException($"{ratios.Length} band ratios for {bands} bands");
        var arcs = Enumerable.Range(0, bands).Select(b => Convolve(sharp, w, h, fwhm[b], o.Moffat)).ToArray();

        // The arc S/N is measured in the reference band (the first, e.g. g).
        var reference = arcs[0].Select(v => (float)(v * ratios[0])).ToArray();
        double scale = o.ArcSnr > 0
            ? LightInjection.ScaleForSnr(reference, noise[0], o.ArcSnr)
            : o.SourceFlux / Math.Max(lensedSum / Math.Max(magnification, 1e-12), 1e-30);

        var result = cutout.Clone();
        LightInjection.Add(result, arcs, scale, ratios, noise, new Random((int)(o.Seed % int.MaxValue)));
        double sourceFlux = unlensedSum > 0 ? scale * lensedSum / magnification : 0;
        var record = new MockLensRecord(o.EinsteinRadius, cx, cy, o.AxisRatio, o.PositionAngle, o.Shear, o.ShearAngle,
            o.SourceRadius, o.SourceIndex, o.SourceAxisRatio, o.SourceAngle, o.SourceOffsetX, o.SourceOffsetY,
            sourceFlux, magnification, LightInjection.Snr(reference, scale, noise[0]), fwhm, sigma, o.Seed);
        return (result, record);
    }

    /// <summary>The brightest smoothed peak within the central quarter of the cutout: the lens galaxy.</summary>
    public static (double X, double Y) BrightestNearCentre(float[] lum, int w, int h)
    {
        var smooth = PlaneFilters.GaussianBlur(lum, w, h, 2f);
        int x0 = w * 3 / 8, x1 = Math.Max(x0 + 1, w * 5 / 8), y0 = h * 3 / 8, y1 = Math.Max(y0 + 1, h * 5 / 8);
        float best = float.NegativeInfinity; int bx = w / 2, by = h / 2;
        for (int y = y0; y < y1; y++)
            for (int x = x0; x < x1; x++)
                if (smooth[y * w + x] > best) { best = smooth[y * w + x]; bx = x; by = y; }
        return (bx, by);
    }

    /// <summary>Median FWHM of the detected point sources in one band; 2.5 px when there are none.</summary>
    public static double EstimateFwhm(float[] plane, int w, int h)
    {
        var stars = StarDetector.Detect(plane, w, h).Where(s => !s.Saturated && s.Snr > 20).Select(s => s.Fwhm).OrderBy(v => v).ToArray();
        return stars.Length >= 3 ? stars[stars.Length / 2] : 2.5;
    }

    internal static float[] Convolve(float[] src, int w, int h, double fwhm, bool moffat)
    {
        if (!moffat) return PlaneFilters.GaussianBlur(src, w, h, (float)(fwhm / Gaussian.FwhmPerSigma));
        var psf = new StarPlugin.Synthesis.PointSpreadFunction(StarPlugin.Synthesis.PsfKind.Moffat, (float)fwhm, 3f);
        int r = (int)Math.Ceiling(3 * fwhm);
        var k = new float[(2 * r + 1) * (2 * r + 1)];
        double sum = 0;
        for (int y = -r; y <= r; y++) for (int x = -r; x <= r; x++) { k[(y + r) * (2 * r + 1) + x + r] = psf.Density(x * x + y * y); sum += k[(y + r) * (2 * r + 1) + x + r]; }
        for (int i = 0; i < k.Length; i++) k[i] /= (float)sum;
        var dst = new float[src.Length];
        Parallel.For(0, h, y =>
        {
            for (int x = 0; x < w; x++)
            {
                double a = 0;
                for (int dy = -r; dy <= r; dy++)
                {
                    int yy = Math.Clamp(y + dy, 0, h - 1);
                    for (int dx = -r; dx <= r; dx++) a += k[(dy + r) * (2 * r + 1) + dx + r] * src[yy * w + Math.Clamp(x + dx, 0, w - 1)];
                }
                dst[y * w + x] = (float)a;
            }
        });
        return dst;
    }
}
