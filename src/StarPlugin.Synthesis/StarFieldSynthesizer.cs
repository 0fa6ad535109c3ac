using StarPlugin.Imaging;

namespace StarPlugin.Synthesis;

/// <summary>
/// Renders <see cref="StarField"/>s: background, stars at known sub-pixel positions
/// with log-uniform fluxes, Poisson and read noise, and saturation. The Poisson noise
/// uses the Gaussian approximation per pixel, drawn once and shared by the image and
/// the starless target so that they differ only where stars are.
/// </summary>
public static class StarFieldSynthesizer
{
    public static StarField Render(StarFieldOptions o)
    {
        ImageLimits.CheckedSampleCount(o.Width, o.Height, o.Channels);
        if (o.Channels is not (1 or 3)) throw new ArgumentException("star fields are mono (1) or RGB (3)");
        var rng = new Random(o.Seed);
        int w = o.Width, h = o.Height, plane = w * h;
        var starless = new AstroImage(w, h, o.Channels);
        var stars = new AstroImage(w, h, o.Channels);
        var image = new AstroImage(w, h, o.Channels);
        var bg = o.Background with { Seed = o.Background.Seed + o.Seed * 7919 };
        for (int c = 0; c < o.Channels; c++)
        {
            (float ha, float oiii) = o.Channels == 1 ? (1f, 0.3f) : c switch { 0 => (1f, 0.05f), 1 => (0.35f, 0.8f), _ => (0.15f, 0.9f) };
            bg.Render(starless.Plane(c), w, h, ha, oiii);
        }

        var truth = new List<TrueStar>(o.StarCount);
        var clusters = Enumerable.Range(0, 3).Select(_ => (X: rng.NextDouble() * w, Y: rng.NextDouble() * h, R: 20 + rng.NextDouble() * Math.Min(w, h) * 0.05)).ToArray();
        double logMin = Math.Log(o.FluxMin), logMax = Math.Log(o.FluxMax);
        for (int i = 0; i < o.StarCount; i++)
        {
            double x, y;
            if (rng.NextDouble() < o.ClusterFraction)
            {
                var cl = clusters[rng.Next(clusters.Length)];
                x = cl.X + rng.NextGaussian() * cl.R; y = cl.Y + rng.NextGaussian() * cl.R;
                if (x < 0 || y < 0 || x > w - 1 || y > h - 1) { x = rng.NextDouble() * (w - 1); y = rng.NextDouble() * (h - 1); }
            }
            else { x = rng.NextDouble() * (w - 1); y = rng.NextDouble() * (h - 1); }
            float flux = (float)Math.Exp(logMin + rng.NextDouble() * (logMax - logMin));
            float fwhm = (float)(o.FwhmMin + rng.NextDouble() * (o.FwhmMax - o.FwhmMin));
            var kind = rng.NextDouble() < o.MoffatFraction ? PsfKind.Moffat : PsfKind.Gaussian;
            float beta = (float)(o.BetaMin + rng.NextDouble() * (o.BetaMax - o.BetaMin));
            var psf = new PointSpreadFunction(kind, fwhm, beta, (float)(rng.NextDouble() * o.MaxEllipticity), (float)(rng.NextDouble() * Math.PI));
            float[] colour = o.Channels == 1 ? [1f] : BlackbodyColour.Rgb(3000 + rng.NextDouble() * 9000);
            for (int c = 0; c < o.Channels; c++)
                psf.Render(stars.Plane(c), w, h, x, y, flux * colour[c], floor: 0.02f);
            truth.Add(new TrueStar(x, y, flux, fwhm, kind, kind == PsfKind.Moffat ? beta : 0, 0, false));
        }

        // Noise: one standard-normal draw per pixel scales by the local Poisson σ of
        // the image and, for the starless target, of the background alone.
        float scale = 1f / (o.FullWell * o.Gain);
        float rn2 = o.ReadNoise * o.ReadNoise;
        float fullWellE = o.FullWell * o.Gain;
        for (int c = 0; c < o.Channels; c++)
        {
            var sl = starless.Data.AsMemory(c * plane, plane);
            var st = stars.Data.AsMemory(c * plane, plane);
            var im = image.Data.AsMemory(c * plane, plane);
            int seed = o.Seed * 31 + c;
            Parallel.For(0, h, y =>
            {
                var r = new Random(RandomExtensions.SubSeed(seed, y));
                var bRow = sl.Span.Slice(y * w, w);
                var sRow = st.Span.Slice(y * w, w);
                var iRow = im.Span.Slice(y * w, w);
                for (int x = 0; x < w; x++)
                {
                    float b = bRow[x], s = sRow[x];
                    float z = (float)r.NextGaussian(), zr = (float)r.NextGaussian();
                    float noiseB = z * MathF.Sqrt(MathF.Max(b, 0)) + zr * o.ReadNoise;
                    float noiseI = z * MathF.Sqrt(MathF.Max(b + s, 0)) + zr * o.ReadNoise;
                    iRow[x] = MathF.Min(b + s + noiseI, fullWellE) * scale;
                    bRow[x] = (b + noiseB) * scale;
                    sRow[x] = s * scale;
                }
            });
        }

        // Truth S/N and saturation need the local background (noiseless) at each star.
        var bgClean = new AstroImage(w, h, 1);
        bg.Render(bgClean.Plane(0), w, h, 1f, o.Channels == 1 ? 0.3f : 0.05f);
        var finalTruth = truth.Select(t =>
        {
            int ix = Math.Clamp((int)Math.Round(t.X), 0, w - 1), iy = Math.Clamp((int)Math.Round(t.Y), 0, h - 1);
            double snr = StarField.ApertureSnr(t.Flux, t.Fwhm, bgClean[0, iy, ix], o.ReadNoise);
            bool sat = image[0, iy, ix] >= 1f;
            return t with { Snr = snr, Saturated = sat };
        }).ToList();
        image.Metadata.SourceFormat = starless.Metadata.SourceFormat = stars.Metadata.SourceFormat = SampleFormat.Float32;
        return new StarField { Image = image, Starless = starless, Stars = stars, Truth = finalTruth };
    }

}
