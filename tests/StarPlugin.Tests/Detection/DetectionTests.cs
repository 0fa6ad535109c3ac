using StarPlugin.Detection;
using StarPlugin.Evaluation;
using StarPlugin.Imaging;
using StarPlugin.Synthesis;

namespace StarPlugin.Tests.Detection;

public class DetectionTests
{
    private static AstroImage Field(int w, int h, IEnumerable<(double X, double Y, float Flux, float Fwhm)> stars, float sky = 500f, float readNoise = 5f, int seed = 1)
    {
        var img = new AstroImage(w, h, 1);
        var plane = img.Plane(0);
        foreach (var (x, y, f, fwhm) in stars)
            new PointSpreadFunction(PsfKind.Gaussian, fwhm).Render(plane, w, h, x, y, f, floor: 1e-3f);
        var rng = new Random(seed);
        for (int i = 0; i < plane.Length; i++)
        {
            double v = sky + plane[i];
            double u1 = 1 - rng.NextDouble(), u2 = rng.NextDouble();
            double z = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
            plane[i] = (float)((v + z * Math.Sqrt(v + readNoise * readNoise)) / 65535.0);
        }
        return img;
    }

    [Test]
    public void IsolatedStarsWithNoiseAreRecoveredExactly()
    {
        var rng = new Random(7);
        var truth = Enumerable.Range(0, 40).Select(i => (X: 20 + (i % 8) * 30 + rng.NextDouble(), Y: 20 + (i / 8) * 30 + rng.NextDouble(), Flux: 20000f, Fwhm: 3f)).ToList();
        var img = Field(260, 180, truth);
        var found = StarDetector.Detect(img);
        var m = CatalogMatcher.Match(truth.Select(t => (t.X, t.Y)).ToList(), found.Select(s => (s.X, s.Y)).ToList(), 1.0);
        Assert.That(m.Matched, Is.EqualTo(40), "every star found");
        Assert.That(found, Has.Count.EqualTo(40), "no false detections");
        Assert.That(m.MedianCentroidError, Is.LessThan(0.05));
        foreach (var s in found)
        {
            Assert.That(s.Fwhm, Is.EqualTo(3.0).Within(0.35), "FWHM");
            Assert.That(s.Coefficient, Is.GreaterThan(0.9f));
            Assert.That(s.Roundness, Is.LessThan(0.15));
        }
        double meanFlux = found.Average(s => s.Flux) * 65535;
        Assert.That(meanFlux, Is.EqualTo(20000).Within(2000), "aperture flux in input units");
    }

    [Test]
    public void StarsOnTheEdgesAreFound()
    {
        var truth = new List<(double, double, float, float)> { (0.3, 40.2, 30000f, 3f), (79.6, 20.5, 30000f, 3f), (40.4, 0.4, 30000f, 3f), (20.2, 59.7, 30000f, 3f) };
        var found = StarDetector.Detect(Field(80, 60, truth));
        var m = CatalogMatcher.Match(truth.Select(t => (t.Item1, t.Item2)).ToList(), found.Select(s => (s.X, s.Y)).ToList(), 1.5);
        Assert.That(m.Matched, Is.EqualTo(4));
    }

    [Test]
    public void NaNAndInfinitePixelsNeitherCrashNorMakeStars()
    {
        var truth = new List<(double, double, float, float)> { (30.2, 30.7, 30000f, 3f) };
        var img = Field(64, 64, truth);
        for (int i = 0; i < 64; i++) { img[0, 10, i] = float.NaN; img[0, i, 50] = float.PositiveInfinity; }
        img[0, 55, 20] = float.NegativeInfinity;
        var found = StarDetector.Detect(img);
        Assert.That(found, Has.Count.EqualTo(1));
        Assert.That(found[0].X, Is.EqualTo(30.2).Within(0.1));
        Assert.That(found.All(s => double.IsFinite(s.X) && double.IsFinite(s.Flux)));
    }

    [Test]
    public void ABlankAreaOnADarkSkyIsNoStar()
    {
        // Blank (NaN) pixels are filled with the median for the correlation; where the sky
        // is darker than the median, a blank box stood out as a plateau and its corner was
        // catalogued as a bright star. The case a hostile run found: `synth stars` 400×300,
        // seed 3, written as FITS, with astropy's d[10:20, 30:50] and d[150, 200] set to NaN
        // (FITS rows count from the bottom: rows 280–289 and 149 here).
        var field = StarFieldSynthesizer.Render(new StarFieldOptions { Width = 400, Height = 300, StarCount = 500, FwhmMin = 2, FwhmMax = 5, Channels = 1, Seed = 3, Background = new NebulaBackground { NebulaAmplitude = 3000 } });
        var img = field.Image;
        for (int y = 280; y < 290; y++)
            for (int x = 30; x < 50; x++) img[0, y, x] = float.NaN;
        img[0, 149, 200] = float.NaN;
        var bright = field.Truth.Where(t => t.Snr > 100 && !t.Saturated && t.X > 10 && t.X < 390 && t.Y > 10 && t.Y < 290 && (t.Y < 270 || t.X > 70))
            .OrderByDescending(t => t.Snr).First();
        img[0, (int)Math.Round(bright.Y), (int)Math.Round(bright.X)] = float.NaN; // a bad pixel in a star's core
        var found = StarDetector.Detect(img);
        Assert.That(found.Where(s => s.X > 28 && s.X < 52 && s.Y > 278 && s.Y < 292), Is.Empty, "nothing on the blank box");
        Assert.That(found.Any(s => Math.Abs(s.X - bright.X) < 1 && Math.Abs(s.Y - bright.Y) < 1), "a star with one blank pixel in its core stays");
    }

    [TestCase(1, 1)]
    [TestCase(7, 3)]
    [TestCase(64, 64)]
    public void ConstantAndTinyImagesGiveNoStars(int w, int h)
    {
        var img = new AstroImage(w, h, 1);
        img.Plane(0).Fill(0.25f);
        Assert.That(StarDetector.Detect(img), Is.Empty);
    }

    [Test]
    public void HotPixelsAreNotStars()
    {
        var img = Field(64, 64, []);
        img[0, 20, 20] = 1f; img[0, 40, 45] = 0.8f;
        Assert.That(StarDetector.Detect(img), Is.Empty);
    }

    [Test]
    public void ThresholdsActMonotonically()
    {
        var field = StarFieldSynthesizer.Render(new StarFieldOptions { Width = 256, Height = 256, StarCount = 150, Seed = 9 });
        int Count(DetectionOptions o) => StarDetector.Detect(field.Image, o).Count;
        var counts = new[] { 0.3f, 0.5f, 0.7f, 0.9f }.Select(d => Count(new DetectionOptions { Threshold = d })).ToArray();
        Assert.That(counts, Is.Ordered.Descending);
        Assert.That(counts[0], Is.GreaterThan(counts[^1]));
        var bySnr = new[] { 3f, 5f, 10f, 30f }.Select(t => Count(new DetectionOptions { SnrThreshold = t })).ToArray();
        Assert.That(bySnr, Is.Ordered.Descending);
        Assert.That(bySnr[0], Is.GreaterThan(bySnr[^1]));
    }

    [Test]
    public void DesignSweepFindsTheSameStars()
    {
        var field = StarFieldSynthesizer.Render(new StarFieldOptions { Width = 200, Height = 200, StarCount = 60, Seed = 11, Background = new NebulaBackground { NebulaAmplitude = 0 } });
        var fast = StarDetector.Detect(field.Image);
        var design = StarDetector.Detect(field.Image, DetectionOptions.DesignSweep);
        var m = CatalogMatcher.Match(fast.Select(s => (s.X, s.Y)).ToList(), design.Select(s => (s.X, s.Y)).ToList(), 1.0);
        Assert.That(m.Matched, Is.GreaterThanOrEqualTo((int)(0.9 * Math.Min(fast.Count, design.Count))));
        Assert.That(DetectionOptions.DesignSweep.Widths(), Has.Length.EqualTo(39));
    }

    [Test]
    public void RegionOfInterestReportsFullImageCoordinates()
    {
        var truth = new List<(double, double, float, float)> { (70.3, 50.6, 30000f, 3f), (20.0, 20.0, 30000f, 3f) };
        var img = Field(100, 80, truth);
        var found = StarDetector.Detect(img, 50, 30, 40, 40);
        Assert.That(found, Has.Count.EqualTo(1));
        Assert.That(found[0].X, Is.EqualTo(70.3).Within(0.1));
        Assert.That(found[0].Y, Is.EqualTo(50.6).Within(0.1));
    }

    [Test]
    public void CancellationStopsTheWork()
    {
        var field = StarFieldSynthesizer.Render(new StarFieldOptions { Width = 256, Height = 256, StarCount = 10, Seed = 2 });
        Assert.Throws(Is.InstanceOf<OperationCanceledException>(), () => StarDetector.Detect(field.Image, null, (_, _) => false));
    }

    [Test]
    public void SaturatedStarsAreFlagged()
    {
        var truth = new List<(double, double, float, float)> { (32.4, 32.2, 5e6f, 4f), (10.0, 50.0, 20000f, 3f) };
        var img = Field(64, 64, truth);
        var plane = img.Plane(0);
        for (int i = 0; i < plane.Length; i++) plane[i] = Math.Min(plane[i], 0.5f);
        var found = StarDetector.Detect(img);
        Assert.That(found.Single(s => s.X > 25).Saturated, Is.True);
        Assert.That(found.Single(s => s.X < 25).Saturated, Is.False);
    }

    [Test]
    public void ClippedCoresWiderThanTheSweepAreFoundAsSaturatedStars()
    {
        // The brightest stars of a stretched JPEG: a clipped plateau 13 px across whose top
        // scatters over 0.98–1 (lossy coding), far wider than the widest kernel. Beside it,
        // a clipped bleed trail, which is not a star.
        var truth = new List<(double, double, float, float)> { (48.3, 40.6, 4e8f, 5f), (12.0, 70.0, 20000f, 3f) };
        var img = Field(96, 96, truth);
        var plane = img.Plane(0);
        var rng = new Random(3);
        for (int i = 0; i < plane.Length; i++)
            if (plane[i] >= 0.98f) plane[i] = 0.98f + 0.02f * (float)rng.NextDouble();
        for (int y = 85; y < 88; y++) for (int x = 10; x < 80; x++) plane[y * 96 + x] = 1f;
        var found = StarDetector.Detect(img);
        var big = found.Where(s => Math.Abs(s.X - 48.3) < 3 && Math.Abs(s.Y - 40.6) < 3).ToList();
        Assert.That(big, Has.Count.EqualTo(1), "one detection for the clipped star");
        Assert.That(big[0].Saturated, Is.True);
        Assert.That(big[0].X, Is.EqualTo(48.3).Within(0.5));
        Assert.That(big[0].Y, Is.EqualTo(40.6).Within(0.5));
        Assert.That(big[0].Fwhm, Is.GreaterThan(8));
        Assert.That(found.Any(s => Math.Abs(s.X - 12) < 1.5 && Math.Abs(s.Y - 70) < 1.5), "the faint star is still found");
        Assert.That(found.Where(s => s.Y > 83 && s.X > 14 && s.X < 76), Is.Empty, "a clipped trail is not a star");
    }

    /// <summary>
    /// Two equal correlation peaks a pixel apart (a star centred between two pixels) must
    /// give the same survivor whatever order the band workers delivered them in. On a real
    /// picture (SMC, 9377 stars) one star in the catalogue changed between runs.
    /// </summary>
    [Test]
    public void DuplicatePeaksResolveTheSameWayInAnyOrder()
    {
        static DetectedStar At(int row, int col, double x, double snr) =>
            new(row, col, 0.8f, 0.1f, x, row, 1, 2, snr, 0.1, 0.8f, false);
        var stars = new List<DetectedStar>();
        for (int k = 0; k < 40; k++)
        {
            // Pairs of equal S/N, one pixel apart: the pair's two fits land within 1 px.
            stars.Add(At(10 * k, 20, 20.4, 100 + k % 3));
            stars.Add(At(10 * k, 21, 20.6, 100 + k % 3));
        }
        var forward = StarDetector.Deduplicate([.. stars]);
        stars.Reverse();
        var backward = StarDetector.Deduplicate([.. stars]);
        var rng = new Random(3);
        var shuffled = StarDetector.Deduplicate([.. stars.OrderBy(_ => rng.Next())]);
        Assert.That(forward, Has.Count.EqualTo(40));
        Assert.That(backward.Select(s => (s.Row, s.Col)), Is.EqualTo(forward.Select(s => (s.Row, s.Col))));
        Assert.That(shuffled.Select(s => (s.Row, s.Col)), Is.EqualTo(forward.Select(s => (s.Row, s.Col))));
    }

    /// <summary>
    /// With a MinFwhm under 1 px (the removal's census keeps one-pixel stars), a sharp peak
    /// measured within a pixel of a star, and stronger, must not replace the star: the
    /// catalogue from 1 px up stays what the default MinFwhm gives. A narrow peak alone stays.
    /// </summary>
    [Test]
    public void ANarrowPeakNeverReplacesAStarBesideIt()
    {
        static DetectedStar At(int row, int col, double x, double fwhm, double snr) =>
            new(row, col, 0.8f, 0.1f, x, row, 1, fwhm, snr, 0.1, 0.8f, false);
        var star = At(10, 20, 20.4, 1.3, 50);
        var sharp = At(10, 21, 20.9, 0.8, 80);
        var alone = At(40, 20, 20.0, 0.7, 30);
        var kept = StarDetector.Deduplicate([sharp, star, alone]);
        Assert.That(kept, Is.EquivalentTo(new[] { star, alone }));
        // Among ordinary detections the stronger still wins.
        Assert.That(StarDetector.Deduplicate([star, At(10, 21, 20.9, 1.1, 80)]).Single().Snr, Is.EqualTo(80));
    }

    /// <summary>
    /// A source limit keeps the strongest sources, whatever order the band workers deliver
    /// them in: over a field of 1500 stars of graded brightness, the limited catalogue is
    /// a subset of the full one in which no star left out is stronger (S/N) than the
    /// weakest kept, and one worker or several give the same list. The limit is what
    /// bounds the removal census' memory on crowded fields.
    /// </summary>
    [Test]
    public void ASourceLimitKeepsTheStrongestInAnyBandOrder()
    {
        var rng = new Random(11);
        var stars = Enumerable.Range(0, 1500).Select(i => (X: 8 + (i % 50) * 10 + rng.NextDouble(), Y: 8 + (i / 50) * 10 + rng.NextDouble(), Flux: 300f + 40f * (i % 97), Fwhm: 2.5f)).ToList();
        var img = Field(512, 320, stars);
        var all = StarDetector.Detect(img, new DetectionOptions { BandHeight = 16 });
        Assert.That(all.Count, Is.GreaterThan(1200), "the field must be detected for the comparison to mean anything");
        const int Limit = 400;
        var one = StarDetector.Detect(img, new DetectionOptions { BandHeight = 16, MaxSources = Limit, MaxThreads = 1 });
        var two = StarDetector.Detect(img, new DetectionOptions { BandHeight = 16, MaxSources = Limit, MaxThreads = 2 });
        Assert.That(one.Count, Is.InRange(Limit * 9 / 10, Limit));
        Assert.That(two.Select(s => (s.X, s.Y)), Is.EqualTo(one.Select(s => (s.X, s.Y))));
        var kept = one.Select(s => (s.X, s.Y)).ToHashSet();
        var full = all.Select(s => (s.X, s.Y)).ToHashSet();
        Assert.That(kept.IsSubsetOf(full), Is.True, "every star kept is one the full catalogue has, measured alike");
        double weakestKept = one.Min(s => s.Snr);
        double strongestLeft = all.Where(s => !kept.Contains((s.X, s.Y))).Max(s => s.Snr);
        Assert.That(strongestLeft, Is.LessThanOrEqualTo(weakestKept));
        Assert.That(() => StarDetector.Detect(img, new DetectionOptions { MaxSources = -1 }), Throws.ArgumentException);
    }

    /// <summary>
    /// A crafted grid of 230 000 clipped 3 × 3 discs: each is one saturated star at its
    /// centre, and the merge of the clipped discs with the correlation pass' detections
    /// ends. It compared every disc with every saturated detection left, and took 225 s on
    /// this grid (a hang for a host); it now looks only near each disc (4 s). The 30 s
    /// allowed is a hang guard, not a speed test.
    /// </summary>
    [Test]
    public void AGridOfClippedDiscsIsMergedDiscByDisc()
    {
        const int W = 4096, H = 2048, Step = 6;
        var plane = new float[W * H];
        Array.Fill(plane, 0.1f);
        for (int y = 2; y + 2 < H; y += Step)
            for (int x = 2; x + 2 < W; x += Step)
                for (int dy = 0; dy < 3; dy++)
                    for (int dx = 0; dx < 3; dx++) plane[(y + dy) * W + x + dx] = 1f;
        int discs = ((H - 4 + Step - 1) / Step) * ((W - 4 + Step - 1) / Step);
        var run = Task.Run(() => StarDetector.Detect(plane, W, H));
        Assert.That(run.Wait(TimeSpan.FromSeconds(30)), Is.True, "the merge of clipped discs did not end within 30 s");
        var stars = run.Result;
        Assert.That(stars, Has.Count.EqualTo(discs));
        Assert.That(stars.All(s => s.Saturated && Math.Abs(s.X - (Math.Round((s.X - 3) / Step) * Step + 3)) < 1e-9 && Math.Abs(s.Y - (Math.Round((s.Y - 3) / Step) * Step + 3)) < 1e-9), Is.True,
            "each disc once, at its centre");
    }

    /// <summary>
    /// The source limit's bookkeeping on its own: 3000 stars with many equal S/N values
    /// (ties broken by peak and width), handed in as batches in three orders; every order
    /// keeps exactly the 500 first of the order written out here (S/N descending, then
    /// row, column, width), and says it dropped some. Under the limit nothing is dropped
    /// or reordered.
    /// </summary>
    [Test]
    public void TheStrongestSourcesDoNotDependOnArrivalOrder()
    {
        var rng = new Random(5);
        var all = Enumerable.Range(0, 3000).Select(i => new DetectedStar(rng.Next(400), rng.Next(400), 0.9f, 0.5f, rng.NextDouble() * 400, rng.NextDouble() * 400,
            10, 2, rng.Next(40), 0.1, 0.8f + 0.4f * rng.Next(3), false)).DistinctBy(s => (s.Row, s.Col, s.Width)).ToList();
        const int Limit = 500;
        var expected = all.OrderByDescending(s => s.Snr).ThenBy(s => s.Row).ThenBy(s => s.Col).ThenBy(s => s.Width).Take(Limit).ToHashSet();
        foreach (var order in new[] { all, Enumerable.Reverse(all).ToList(), all.OrderBy(_ => rng.Next()).ToList() })
        {
            var limit = new StrongestSources(Limit);
            foreach (var batch in order.Chunk(37)) limit.Add(batch);
            var kept = limit.Take();
            Assert.That(limit.Limited, Is.True);
            Assert.That(kept.ToHashSet().SetEquals(expected), Is.True);
        }
        var roomy = new StrongestSources(all.Count);
        foreach (var batch in all.Chunk(37)) roomy.Add(batch);
        Assert.That(roomy.Take(), Is.EqualTo(all));
        Assert.That(roomy.Limited, Is.False);
    }

    /// <summary>
    /// A clipped plateau that spans cells of the merge's index: the correlation pass'
    /// saturated detections all over it (in other cells than the disc's centre, up to its
    /// reach) are replaced by the one disc, which takes the best of their coefficients; a
    /// saturated detection beyond the reach stays.
    /// </summary>
    [Test]
    public void AClippedDiscReplacesItsDetectionsInEveryCellItReaches()
    {
        const int W = 120, H = 120;
        var norm = new float[W * H];
        Array.Fill(norm, 0.1f);
        double cx = 32, cy = 32, r = 8; // centred on a corner of the index's 16-px cells
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                if ((x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r) norm[y * W + x] = 1f;
        static DetectedStar Saturated(double x, double y, float coefficient) =>
            new((int)y, (int)x, coefficient, 1f, x, y, 100, 6, 50, 0.1, 2f, true);
        var stars = new List<DetectedStar>
        {
            Saturated(23.5, 31, 0.7f), Saturated(41.2, 33, 0.95f), Saturated(31, 22.8, 0.8f), Saturated(33, 41.0, 0.75f), Saturated(26, 26, 0.85f),
            Saturated(80, 80, 0.99f),
        };
        var (added, limited) = SaturatedDiscs.Merge(norm, W, H, 0.98f, 0f, 1f, stars);
        Assert.That((added, limited), Is.EqualTo((1, false)));
        Assert.That(stars, Has.Count.EqualTo(2));
        Assert.That((stars[0].X, stars[0].Y), Is.EqualTo((80.0, 80.0)), "the detection beyond the disc's reach stays");
        Assert.That(stars[1].X, Is.EqualTo(cx).Within(0.01));
        Assert.That(stars[1].Y, Is.EqualTo(cy).Within(0.01));
        Assert.That(stars[1].Coefficient, Is.EqualTo(0.95f), "the best of the replaced detections");
    }
}
