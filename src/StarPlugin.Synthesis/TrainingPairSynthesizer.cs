using StarPlugin.Imaging;

namespace StarPlugin.Synthesis;

/// <summary>
/// One training example in the model's domain: input, star-free target, the star layer
/// input − target, and where the small resolved galaxies are (1 where they add more than
/// the sky noise σ in some channel, else 0; one width × height plane). The trainer weights
/// the galaxies' pixels apart: they are a small share of the sky, and a loss that
/// averages over all of it let the network erase compact galaxies as stars.
/// <see cref="PsfFwhm"/> is the stars' FWHM in pixels as the remover measures it on such
/// data (<see cref="PsfCalibration"/>), which a PSF-aware model gets as an extra input
/// plane: a compact galaxy and a star differ mainly in width against the PSF, which a
/// 128-px patch with a few stars does not show.
/// </summary>
public sealed record TrainingPair(AstroImage Input, AstroImage Target, AstroImage StarLayer, float[] GalaxyMask, float PsfFwhm, string Description);

/// <summary>
/// Synthetic training pairs for the star remover, as varied as the sky: emission
/// clouds, dust lanes and Bok globules, galaxies (kept in the target), gradients;
/// Moffat stars of varied β, FWHM and ellipticity with halos, spikes, saturation and
/// bloom; faint stars at the noise floor; Poisson and read noise shared by input and
/// target; hot pixels (kept, they are not stars); then a random data domain (linear,
/// MTF, asinh, curve; 8-bit; lossy codec via <paramref name="lossy"/>).
/// </summary>
public static class TrainingPairSynthesizer
{
    /// <summary>Share of stars drawn with a close companion (see the star loop).</summary>
    public const double DoubleShare = 0.12;

    /// <param name="withGalaxies">
    /// False renders the same pair (same draws, same noise) without its galaxies: the
    /// target minus this target is the galaxy light in the model's domain, which the
    /// benchmark uses to measure how much of it a remover keeps.
    /// </param>
    public static TrainingPair Render(int size, int seed, Func<AstroImage, int, AstroImage>? lossy = null, int? channels = null, bool withGalaxies = true)
    {
        ImageLimits.CheckedSampleCount(size, size, 3);
        var rng = new Random(seed);
        int ch = channels ?? (rng.NextDouble() < 0.6 ? 3 : 1), w = size, h = size, plane = w * h;
        float fullWell = (float)(20000 + rng.NextDouble() * 80000);
        float sky = (float)Math.Exp(Math.Log(50) + rng.NextDouble() * Math.Log(2000 / 50.0));
        float readNoise = (float)(2 + rng.NextDouble() * 8);
        // About one pair in three is a deep field: dozens of galaxies on dark sky without nebula,
        // the case where an earlier model erased nearly every galaxy of the Hubble deep field.
        bool deepField = rng.NextDouble() < 0.35;
        var bg = new NebulaBackground
        {
            Sky = sky,
            GradientAmplitude = sky * (float)(rng.NextDouble() * 0.5),
            GradientAngle = (float)(rng.NextDouble() * Math.PI * 2),
            Vignetting = (float)(rng.NextDouble() * 0.1),
            NebulaAmplitude = deepField || rng.NextDouble() < 0.25 ? 0f : (float)Math.Exp(Math.Log(sky * 0.2) + rng.NextDouble() * Math.Log(100)),
            NebulaScale = (float)(40 + rng.NextDouble() * 600),
            DustDepth = (float)(rng.NextDouble() * 0.9),
            Seed = rng.Next(),
        };
        var target = new AstroImage(w, h, ch);
        var stars = new AstroImage(w, h, ch);
        float[][] tints = ch == 1 ? [[1f, 0.3f]] : RandomTints(rng);
        for (int c = 0; c < ch; c++) bg.Render(target.Plane(c), w, h, tints[c][0], tints[c][1]);

        // Bok globules: dark, soft-edged absorbers over the clouds.
        int globules = rng.NextDouble() < 0.3 ? 1 + rng.Next(3) : 0;
        for (int g = 0; g < globules; g++)
        {
            double gx = rng.NextDouble() * w, gy = rng.NextDouble() * h, gs = 4 + rng.NextDouble() * 25, depth = 0.5 + rng.NextDouble() * 0.5;
            for (int c = 0; c < ch; c++)
            {
                var p = target.Plane(c);
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < w; x++)
                    {
                        double d2 = ((x - gx) * (x - gx) + (y - gy) * (y - gy)) / (2 * gs * gs);
                        if (d2 < 12) p[y * w + x] = (float)(sky + (p[y * w + x] - sky) * (1 - depth * Math.Exp(-d2)) - sky * 0.3 * depth * Math.Exp(-d2));
                    }
            }
        }

        // Galaxies: in the target, so the model learns to leave them alone. They are seen
        // through the same optics as the stars: rendered apart, then blurred by the field's
        // PSF (a Gaussian of the stars' base FWHM). Unblurred, a small n = 4 Sérsic is one
        // spike of a pixel and teaches nothing about the compact, PSF-wide galaxies of real
        // deep fields, which an earlier model erased as stars.
        float fwhmBase = (float)(1.6 + rng.NextDouble() * 3.5);
        int small = deepField ? rng.Next(10, 40) : rng.Next(0, 12);
        int galaxies = small + (rng.NextDouble() < (deepField ? 0.6 : 0.35) ? 1 : 0);
        // Galaxies take the frame's colour processing too (white balance, saturation), so
        // colour does not tell them from stars.
        var starColours = new StarColourPalette(rng);
        float noiseFloor = MathF.Sqrt(sky + readNoise * readNoise);
        var galaxyMask = new float[plane];
        if (galaxies > 0)
        {
            var gal = new AstroImage(w, h, ch);
            // The mask holds the resolved small galaxies: the ones an earlier model erased
            // as stars although their shape tells them apart. Not the big ones (their faint
            // outskirts cover whole tiles and would only re-weight the sky), and not those
            // smaller than the PSF: blurred, they are stars to any eye. A fine-tune with them
            // in the mask kept 11 points more of the deep field's light but left some bright
            // stars of the benchmark fields untouched, most likely because bright compact
            // galaxies and bright stars then asked for opposite answers.
            AstroImage? marked = null;
            for (int g = 0; g < galaxies; g++)
            {
                bool big = g >= small;
                double gx = rng.NextDouble() * w, gy = rng.NextDouble() * h, q = (big ? 0.3 : 0.15) + rng.NextDouble() * (big ? 0.7 : 0.85), pa = rng.NextDouble() * Math.PI;
                // Small galaxies span faint smudges to the bright, high-contrast knots of a
                // Hubble field (log-uniform), so brightness does not tell them from stars.
                double bright = big ? sky * (0.2 + rng.NextDouble() * 10) : sky * Math.Exp(Math.Log(0.15) + rng.NextDouble() * Math.Log(100));
                float[] colour = ch == 1 ? [1f] : starColours.Next(rng);
                bool spiral = big && rng.NextDouble() < 0.6;
                // Irregular and merging galaxies: a few knots, common among faint small galaxies.
                bool clumpy = !big && rng.NextDouble() < 0.3;
                double re = big ? 5 + rng.NextDouble() * 20 : 1.0 + rng.NextDouble() * 5, n = 0.5 + rng.NextDouble() * 3.5;
                double spiralSize = 10 + rng.NextDouble() * 50, pitch = 0.2 + rng.NextDouble() * 0.3;
                void Draw(AstroImage dst)
                {
                    for (int c = 0; c < ch; c++)
                    {
                        var p = dst.Plane(c);
                        if (spiral)
                            GalaxyRenderer.Spiral(p, w, h, gx, gy, spiralSize, q, pa, bright, pitch, colour[c], new Random(seed ^ g));
                        else if (clumpy)
                            GalaxyRenderer.Clumpy(p, w, h, gx, gy, re, q, pa, bright, colour[c], new Random(seed ^ g));
                        else
                            GalaxyRenderer.Sersic(p, w, h, gx, gy, re, n, q, pa, bright, colour[c]);
                    }
                }
                Draw(gal);
                // Resolved: half-light diameter at least the PSF's FWHM (along the major axis;
                // elongation shows too).
                if (!big && 2 * re >= fwhmBase) Draw(marked ??= new AstroImage(w, h, ch));
            }
            for (int c = 0; c < ch && withGalaxies; c++)
            {
                var blurred = PlaneFilters.GaussianBlur(gal.Plane(c).ToArray(), w, h, fwhmBase / (float)Gaussian.FwhmPerSigma);
                System.Numerics.Tensors.TensorPrimitives.Add(target.Plane(c), blurred, target.Plane(c));
                if (marked == null) continue;
                var seen = PlaneFilters.GaussianBlur(marked.Plane(c).ToArray(), w, h, fwhmBase / (float)Gaussian.FwhmPerSigma);
                for (int i = 0; i < plane; i++)
                    if (seen[i] > noiseFloor) galaxyMask[i] = 1f;
            }
        }

        // Stars: density log-uniform; fluxes from the noise floor to far past saturation.
        // Deep fields have few stars among many galaxies (the Hubble deep field: a handful of
        // stars to thousands of galaxies), so there the prior must not be "compact = star".
        double density = deepField
            ? Math.Exp(Math.Log(1e-4) + rng.NextDouble() * Math.Log(2e-3 / 1e-4))
            : Math.Exp(Math.Log(3e-4) + rng.NextDouble() * Math.Log(0.02 / 3e-4));
        int count = (int)(density * w * h);
        double logMin = Math.Log(noiseFloor * 3), logMax = Math.Log(fullWell * 60);
        float spikeAngle = (float)(rng.NextDouble() * Math.PI / 2);
        bool spikes = rng.NextDouble() < 0.4, bloom = rng.NextDouble() < 0.5;
        double clusterX = rng.NextDouble() * w, clusterY = rng.NextDouble() * h, clusterR = 5 + rng.NextDouble() * w * 0.2;
        bool cluster = rng.NextDouble() < 0.2;
        var doubles = new Random(unchecked(seed * 31 + 17));
        int doubled = 0;
        for (int i = 0; i < count; i++)
        {
            double x = rng.NextDouble() * w - 0.5, y = rng.NextDouble() * h - 0.5;
            if (cluster && rng.NextDouble() < 0.5)
            {
                x = clusterX + rng.NextGaussian() * clusterR;
                y = clusterY + rng.NextGaussian() * clusterR;
            }
            var (flux, psf) = DrawStar(rng, fwhmBase, logMin, logMax);
            float[] colour = ch == 1 ? [1f] : starColours.Next(rng);
            AddStar(x, y, flux, psf, colour);
            // Close doubles (binaries and chance pairs, common in rich fields): two PSFs
            // half to two FWHM apart read as one elongated source broader than the PSF,
            // which is what a small galaxy looks like; a network told the PSF learnt to
            // keep them whole. Drawn from a generator of their own, so the rest of the pair
            // is the one this seed always gave.
            if (doubles.NextDouble() < DoubleShare)
            {
                double sep = psf.Fwhm * (0.5 + 1.5 * doubles.NextDouble()), angle = doubles.NextDouble() * Math.PI;
                float ratio = (float)Math.Exp(Math.Log(0.15) * doubles.NextDouble());
                float[] other = ch == 1 ? [1f] : starColours.Next(doubles);
                AddStar(x + sep * Math.Cos(angle), y + sep * Math.Sin(angle), flux * ratio, psf, other);
                doubled++;
            }
        }

        void AddStar(double x, double y, float flux, PointSpreadFunction psf, float[] colour)
        {
            // Rendered once, added to each channel with its colour weight.
            var stamp = psf.RenderStamp(w, h, x, y, flux, floor: 0.2f);
            var halo = flux > fullWell * 3 ? BrightStarFeatures.HaloStamp(w, h, x, y, flux, psf.Fwhm) : default;
            for (int c = 0; c < ch; c++)
            {
                var p = stars.Plane(c);
                stamp.AddTo(p, w, colour[c]);
                if (flux > fullWell * 3)
                {
                    halo.AddTo(p, w, colour[c]);
                    if (spikes) BrightStarFeatures.Spikes(p, w, h, x, y, flux * colour[c], spikeAngle, psf.Fwhm);
                }
            }
        }

        // Noise: one normal draw per pixel, scaled by the Poisson σ of the image (input)
        // and of the sky alone (target), so both share their noise away from stars.
        var input = new AstroImage(w, h, ch);
        var hot = Enumerable.Range(0, rng.Next(0, 12)).Select(_ => (I: rng.Next(plane), V: (float)(0.2 + rng.NextDouble() * 0.8) * fullWell)).ToArray();
        for (int c = 0; c < ch; c++)
        {
            var t = target.Plane(c); var s = stars.Plane(c); var inp = input.Plane(c);
            var nr = new Random(seed * 7 + c);
            for (int i = 0; i < plane; i++)
            {
                float b = Math.Max(t[i], 0), sv = Math.Max(s[i], 0);
                float z = (float)nr.NextGaussian(), zr = (float)nr.NextGaussian() * readNoise;
                t[i] = b + z * MathF.Sqrt(b) + zr;
                inp[i] = b + sv + z * MathF.Sqrt(b + sv) + zr;
            }
            if (bloom)
                for (int i = 0; i < plane; i++)
                    if (inp[i] > fullWell * 4 && i % 7 == 0) BrightStarFeatures.Bloom(inp, w, h, i % w, i / w, fullWell);
            foreach (var (idx, v) in hot) { t[idx] += v; inp[idx] += v; }
            for (int i = 0; i < plane; i++) { inp[i] = Math.Min(inp[i], fullWell) / fullWell; t[i] = Math.Min(t[i], fullWell) / fullWell; }
        }

        var domain = DomainTransform.Random(rng, sky / fullWell, 1f);
        domain.Apply(input.Data);
        domain.Apply(target.Data);
        string desc = $"{ch}ch fwhm={fwhmBase:F2} {domain.Stretch}{(domain.Quantize8 ? " 8bit" : "")} stars={count} doubles={doubled} galaxies={galaxies}{(deepField ? " deep" : "")} sky={sky:F0} nebula={bg.NebulaAmplitude:F0}";
        if (lossy != null && rng.NextDouble() < 0.2)
        {
            int quality = 60 + rng.Next(36);
            input = lossy(input, quality);
            target = lossy(target, quality);
            desc += $" jpeg{quality}";
        }
        var layer = new AstroImage(w, h, ch);
        System.Numerics.Tensors.TensorPrimitives.Subtract(input.Data, target.Data, layer.Data);
        float psfFwhm = PsfCalibration.Measure(seed, fwhmBase, sky, readNoise, fullWell, logMin, logMax, domain);
        return new TrainingPair(input, target, layer, galaxyMask, psfFwhm, desc + $" psf={psfFwhm:F2}");
    }

    /// <summary>
    /// One star of a pair's optics: flux from the noise floor to far past saturation, with
    /// faint stars dominating as in real fields (a steeper-than-log-uniform draw); a Moffat
    /// PSF of FWHM ±15 % around <paramref name="fwhmBase"/>, β 1.8–5, ellipticity ≤ 0.15.
    /// <see cref="PsfCalibration"/> draws its stars here too, so it measures the same family.
    /// </summary>
    internal static (float Flux, PointSpreadFunction Psf) DrawStar(Random rng, float fwhmBase, double logMinFlux, double logMaxFlux)
    {
        double u = Math.Pow(rng.NextDouble(), 1.6);
        float flux = (float)Math.Exp(logMinFlux + u * (logMaxFlux - logMinFlux));
        float fwhm = fwhmBase * (float)(0.85 + rng.NextDouble() * 0.3);
        return (flux, new PointSpreadFunction(PsfKind.Moffat, fwhm, (float)(1.8 + rng.NextDouble() * 3.2), (float)(rng.NextDouble() * 0.15), (float)(rng.NextDouble() * Math.PI)));
    }

    private static float[][] RandomTints(Random rng)
    {
        // Hα-dominated (red), bicolour, or natural-colour clouds.
        return rng.Next(3) switch
        {
            0 => [[1f, 0.05f], [0.3f, 0.5f], [0.15f, 0.6f]],
            1 => [[0.8f, 0.1f], [0.2f, 0.9f], [0.1f, 1f]],
            _ => [[0.9f, 0.2f], [0.55f, 0.5f], [0.45f, 0.55f]],
        };
    }
}
