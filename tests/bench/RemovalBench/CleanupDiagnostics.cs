using StarPlugin.Imaging;
using StarPlugin.Inference;
using StarPlugin.Progress;
using StarPlugin.Removal;
using StarPlugin.Stretching;
using StarPlugin.Synthesis;

namespace StarPlugin.Bench;

/// <summary>
/// The cleanup's candidate sources on synthetic pairs with known truth, one CSV row each:
/// the detector's measurements, the cleanup's assessment after the network (does the core
/// still stand out, what share the network removed), and what the source really is — the
/// star light and the galaxy light in its core, from the pair rendered with and without
/// galaxies. For tuning which sources the cleanup may fill (a diagnostic, not a table).
/// Seeds 900,100,000 + i: neither training pairs nor the published held-out set.
/// </summary>
internal static class CleanupDiagnostics
{
    public static int Run(string model, int count, string outCsv)
    {
        using var remover = new StarRemover(model, new SessionOptions { Device = ExecutionDevice.Cpu });
        using var csv = new StreamWriter(outCsv);
        csv.WriteLine("pair,deep,x,y,coefficient,snr,fwhm,width,roundness,saturated,wide,stands,removed,star_light,galaxy_light,fill_only");
        for (int i = 0; i < count; i++)
        {
            int seed = 900_100_000 + i;
            var pair = TrainingPairSynthesizer.Render(256, seed);
            var bare = TrainingPairSynthesizer.Render(256, seed, withGalaxies: false);
            var input = pair.Input;
            int w = input.Width, h = input.Height;
            var (_, targets, censusCount, assessed, _) = AfterNetwork(remover, input);
            var starLum = pair.StarLayer.Luminance();
            var targetLum = pair.Target.Luminance(); var bareLum = bare.Target.Luminance();
            bool deep = pair.Description.Contains(" deep", StringComparison.Ordinal);
            for (int t = 0; t < targets.Count; t++)
            {
                var (s, width, wide) = targets[t];
                var a = assessed[t];
                double core = Math.Max(1.0, 0.6 * s.Fwhm), starLight = 0, galaxyLight = 0;
                for (int y = Math.Max(0, (int)(s.Y - core)); y <= Math.Min(h - 1, (int)Math.Ceiling(s.Y + core)); y++)
                    for (int x = Math.Max(0, (int)(s.X - core)); x <= Math.Min(w - 1, (int)Math.Ceiling(s.X + core)); x++)
                    {
                        if ((x - s.X) * (x - s.X) + (y - s.Y) * (y - s.Y) > core * core) continue;
                        int j = y * w + x;
                        starLight += starLum[j]; galaxyLight += targetLum[j] - bareLum[j];
                    }
                csv.WriteLine(FormattableString.Invariant(
                    $"{i},{(deep ? 1 : 0)},{s.X:F1},{s.Y:F1},{s.Coefficient:F3},{s.Snr:F1},{s.Fwhm:F2},{width:F3},{s.Roundness:F3},{(s.Saturated ? 1 : 0)},{(wide ? 1 : 0)},{(a.Stands ? 1 : 0)},{a.Removed:F3},{starLight:G4},{galaxyLight:G4},{(t >= censusCount ? 1 : 0)}"));
            }
        }
        return 0;
    }

    /// <summary>The network's result on <paramref name="input"/> and the cleanup's sources assessed against it.</summary>
    /// <remarks>Targets: the census, then the fill-only sources (FindSources' FillOnly: one-pixel and soft stars) from index <c>Census</c> on.</remarks>
    private static (RemovalResult Network, List<ResidualStarCleanup.Target> Targets, int Census, ResidualStarCleanup.Assessment[] Assessed, FieldPsf Psf) AfterNetwork(StarRemover remover, AstroImage input)
    {
        int w = input.Width, h = input.Height, colours = input.ColorChannels;
        var network = remover.Remove(input, new RemovalOptions { Stretch = StretchMode.Never, Cleanup = false, KeepGalaxies = GalaxyMode.Never });
        float white = LinearDataDetector.WhitePoint(input);
        var domain = ModelDomain.Scale(white);
        var layers = new float[network.Stars.Data.Length];
        for (int k = 0; k < layers.Length; k++) layers[k] = network.Stars.Data[k] / white;
        var (census, points, psf, _) = ResidualStarCleanup.FindSources(input.Data, domain, colours, w, h, new ProgressReporter(null, 1, "", default));
        var targets = census.Concat(points).ToList();
        return (network, targets, census.Count, ResidualStarCleanup.Assess(targets, input.Data, domain, layers, colours, w, h), psf);
    }

    /// <summary>
    /// The cleanup's census of one frame, a CSV row per source: the detector's measurements,
    /// the width in PSF units, the share the network removed; with a truth (synthetic fields)
    /// also the star light in the fill disc (input − truth) and the network's error there
    /// (network − truth), which locates the sources the network got wrong.
    /// </summary>
    public static int Census(string model, (AstroImage Image, AstroImage? Truth) frame, string outCsv)
    {
        using var remover = new StarRemover(model, new SessionOptions { Device = ExecutionDevice.Cpu });
        var (image, truth) = frame;
        int w = image.Width, h = image.Height;
        var (network, targets, censusCount, assessed, psf) = AfterNetwork(remover, image);
        var inLum = image.Luminance(); var netLum = network.Starless.Luminance(); var truthLum = truth?.Luminance();
        using var csv = new StreamWriter(outCsv);
        // The locus of the confident census (as keep-galaxies judges by): a star's width at each source's brightness.
        var locusOfCensus = StellarLocus.Estimate(targets.Take(censusCount).Where(t => t.Star.Coefficient >= GalaxyProtection.ConfidentCoefficient || t.Star.Saturated).ToList());
        // For the clipped and bright (>= 0.7) sources: whether the spider test finds arms (1/0), then each arm's σ / share of rings; else empty.
        var white = LinearDataDetector.WhitePoint(image);
        string Spikes(ResidualStarCleanup.Source s)
        {
            if (!(s.Saturated || s.Brightness >= 0.7f)) return "";
            // One reading answers both (HasSpikes is this reading's Angle at the usual thresholds).
            var reading = DiffractionSpikes.ReadSpider(s, image.Data, ModelDomain.Scale(white), image.ColorChannels, w, h);
            return (reading.Angle() is not null ? "1" : "0") + string.Concat(reading.Arms().Select(a => FormattableString.Invariant($" {a.Sigmas:F1}/{a.Rings:F2}")));
        }
        // For the wide unclipped sources: what the close-pair test's fits make of them (CloseDouble), else empty.
        var pairs = new CloseDouble();
        string Pair(ResidualStarCleanup.Source s, float width, bool wide)
        {
            if (!wide || s.Saturated || !locusOfCensus.Measured) return ",,,";
            var j = pairs.Judge(image.Data, ModelDomain.Scale(white), image.ColorChannels, w, h, s.X, s.Y, s.Fwhm, s.Fwhm / width * locusOfCensus.At(s.Brightness));
            return j is { } v ? FormattableString.Invariant($"{v.ResidualRatio:F3},{v.ComponentWidth:F3},{v.Separation:F3},{(v.OnSource ? 1 : 0)}") : ",,,";
        }
        // For the clipped sources: what keep-galaxies' smoothness test reads (GalaxyProtection.QuarterRegion), else empty.
        var shape = new ClippedStarShape();
        string Quarter(ResidualStarCleanup.Source s)
        {
            if (!s.Saturated) return ",,,";
            var (smooth, area, clipped, _) = GalaxyProtection.QuarterRegion(s, image.Data, ModelDomain.Scale(white), image.ColorChannels, w, h);
            bool sharpRound = shape.IsSharpRoundStar(image.Data, ModelDomain.Scale(white), image.ColorChannels, w, h, s.X, s.Y);
            return FormattableString.Invariant($"{smooth:F3},{area},{clipped},{(sharpRound ? 1 : 0)}");
        }
        csv.WriteLine("x,y,coefficient,brightness,flux,snr,fwhm,width,roundness,saturated,wide,stands,removed,star_light,net_error,fill_only,locus,spikes,pair_ratio,pair_width,pair_separation,pair_on_source,quarter_smooth,quarter_area,clipped_pixels,sharp_round_star");
        for (int t = 0; t < targets.Count; t++)
        {
            var (s, width, wide) = targets[t];
            var a = assessed[t];
            double r = ResidualStarCleanup.FillRadius(s), starLight = 0, error = 0;
            if (truthLum != null)
                for (int y = Math.Max(0, (int)(s.Y - r)); y <= Math.Min(h - 1, (int)Math.Ceiling(s.Y + r)); y++)
                    for (int x = Math.Max(0, (int)(s.X - r)); x <= Math.Min(w - 1, (int)Math.Ceiling(s.X + r)); x++)
                    {
                        if ((x - s.X) * (x - s.X) + (y - s.Y) * (y - s.Y) > r * r) continue;
                        int j = y * w + x;
                        starLight += inLum[j] - truthLum[j]; error += netLum[j] - truthLum[j];
                    }
            csv.WriteLine(FormattableString.Invariant(
                $"{s.X:F1},{s.Y:F1},{s.Coefficient:F3},{s.Brightness:F4},{s.Flux:G5},{s.Snr:F1},{s.Fwhm:F2},{width:F3},{s.Roundness:F3},{(s.Saturated ? 1 : 0)},{(wide ? 1 : 0)},{(a.Stands ? 1 : 0)},{a.Removed:F3},{starLight:G4},{error:G4},{(t >= censusCount ? 1 : 0)},{locusOfCensus.At(s.Brightness):F3},{Spikes(s)},{Pair(s, width, wide)},{Quarter(s)}"));
        }
        // What keep-galaxies auto judges the frame by (GalaxyProtection.Apply).
        var confident = targets.Take(censusCount).Where(t => t.Star.Coefficient >= GalaxyProtection.ConfidentCoefficient || t.Star.Saturated).ToList();
        var locus = StellarLocus.Estimate(confident);
        Console.WriteLine(FormattableString.Invariant($"{censusCount} sources and {targets.Count - censusCount} fill-only (one-pixel and soft stars), PSF {psf.Global:F2} px; galaxy field: locus measured {locus.Measured}, resolved share {GalaxyProtection.ResolvedShare(confident, locus):F3} (>= {GalaxyProtection.GalaxyFieldShare}), elongated {GalaxyProtection.ElongatedShare(confident, locus):F3} (>= {GalaxyProtection.GalaxyFieldElongatedShare}), sky spread {GalaxyProtection.SkySpread(confident):F3} (<= {GalaxyProtection.GalaxyFieldSkySpread})"));
        return 0;
    }
}

/// <summary>
/// What keep-galaxies auto judges each frame by, without the network (fast enough for
/// hundreds of pictures), for display-stretched pictures (the domain scaled to the white
/// point, the census unlimited: a linear picture's would differ): one line per picture with the three frame measures, and, where
/// OUT_DIR is given, the census as PICTURE.csv (with each source's local sky),
/// for finding what tells galaxy fields from the star fields auto takes for them.
/// </summary>
internal static class GalaxyFieldDiagnostics
{
    public static int Run(string outDir, IEnumerable<string> pictures)
    {
        if (outDir != "-") Directory.CreateDirectory(outDir);
        foreach (var path in pictures)
        {
            AstroImage image;
            try { image = StarPlugin.IO.ImageFile.Read(path); }
            catch (Exception e) when (e is IOException or StarPlugin.IO.ImageFormatException or StarPlugin.Imaging.ImageSizeException) { Console.WriteLine($"{Path.GetFileName(path)}: unreadable ({e.Message})"); continue; }
            int w = image.Width, h = image.Height;
            var domain = ModelDomain.Scale(LinearDataDetector.WhitePoint(image));
            var (census, _, psf, _) = ResidualStarCleanup.FindSources(image.Data, domain, image.ColorChannels, w, h, new ProgressReporter(null, 1, "", default));
            var confident = census.Where(t => t.Star.Coefficient >= GalaxyProtection.ConfidentCoefficient || t.Star.Saturated).ToList();
            var locus = StellarLocus.Estimate(confident);
            bool field = GalaxyProtection.IsGalaxyField(confident, locus);
            // The clipped sources always would take for galaxies by their profile, and whether they make the frame a cluster of clipped galaxies.
            // Read once for the count and the cluster test both, as Apply's readings are.
            var readings = new Dictionary<(double, double, double), DiffractionSpikes.SpiderReading>();
            GalaxyProtection.SpiderOf spider = (in ResidualStarCleanup.Source s) =>
                readings.TryGetValue((s.X, s.Y, s.Fwhm), out var r) ? r : readings[(s.X, s.Y, s.Fwhm)] = DiffractionSpikes.ReadSpider(s, image.Data, domain, image.ColorChannels, w, h);
            GalaxyProtection.QuarterOf quarter = (in ResidualStarCleanup.Source s) => GalaxyProtection.QuarterRegion(s, image.Data, domain, image.ColorChannels, w, h);
            int clippedCount = confident.Count(t => t.Star.Saturated);
            int smoothClipped = locus.Measured ? confident.Count(t => GalaxyProtection.SmoothClippedGalaxy(t, locus, spider, quarter)) : 0;
            bool cluster = GalaxyProtection.IsClusterOfClippedGalaxies(confident, locus, spider, quarter);
            Console.WriteLine(FormattableString.Invariant($"{Path.GetFileNameWithoutExtension(path)} {w}x{h} sources {census.Count} confident {confident.Count} psf {psf.Global:F2} locus {locus.Measured} resolved {GalaxyProtection.ResolvedShare(confident, locus):F3} elongated {GalaxyProtection.ElongatedShare(confident, locus):F3} sky {GalaxyProtection.SkySpread(confident):F3} field {(field ? 1 : 0)} clipped {clippedCount} smooth-clipped {smoothClipped} clipped-cluster {(cluster ? 1 : 0)}"));
            if (outDir == "-") continue;
            using var csv = new StreamWriter(Path.Combine(outDir, Path.GetFileNameWithoutExtension(path) + ".csv"));
            csv.WriteLine("x,y,coefficient,brightness,flux,background,fwhm,width,roundness,saturated,locus,resolved,confident,spider_judged,spikes,loose_arms,quarter_smooth,quarter_area,clipped_pixels,arms,quarter_offset");
            foreach (var t in census)
            {
                bool isConfident = t.Star.Coefficient >= GalaxyProtection.ConfidentCoefficient || t.Star.Saturated;
                var s = t.Star;
                // For the clipped and nearly clipped sources (those the spike stage reads): the spider reading (judged, arms at the usual and the loose thresholds, each arm's σ / share of rings) and the quarter region.
                string clippedShape = ",,,,,,,";
                if (s.Saturated || s.Brightness >= DiffractionSpikes.NearClipped)
                {
                    var reading = spider(s);
                    var (smooth, area, clippedPixels, offset) = GalaxyProtection.QuarterRegion(s, image.Data, domain, image.ColorChannels, w, h);
                    clippedShape = FormattableString.Invariant($"{(reading.Judged ? 1 : 0)},{(reading.Angle() is not null ? 1 : 0)},{(reading.Angle(GalaxyProtection.LooseArmSigma, GalaxyProtection.LooseArmRings) is not null ? 1 : 0)},{smooth:F3},{area},{clippedPixels},") + string.Join(" ", reading.Arms().Select(arm => FormattableString.Invariant($"{arm.Sigmas:F1}/{arm.Rings:F2}"))) + FormattableString.Invariant($",{offset:F3}");
                }
                csv.WriteLine(FormattableString.Invariant(
                    $"{s.X:F1},{s.Y:F1},{s.Coefficient:F3},{s.Brightness:F4},{s.Flux:G5},{s.Background:F4},{s.Fwhm:F2},{t.Width:F3},{s.Roundness:F3},{(s.Saturated ? 1 : 0)},{(locus.Measured ? locus.At(s.Brightness) : double.NaN):F3},{(locus.Measured && GalaxyProtection.InStarField.IsResolved(t, locus) ? 1 : 0)},{(isConfident ? 1 : 0)},{clippedShape}"));
            }
        }
        return 0;
    }
}
