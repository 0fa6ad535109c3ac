using StarPlugin.Imaging;
using StarPlugin.Lensing;
using StarPlugin.Lensing.Finder;
using StarPlugin.Lensing.Training;

namespace StarPlugin.Tests.Lensing;

public class LensTrainingSetTests
{
    private static RealPicture Picture()
    {
        // A stand-in for a clipped 8-bit cluster picture: black sky, a few bright galaxies.
        var rng = new Random(9);
        var img = new AstroImage(300, 300, 3, new ImageMetadata { SourceFormat = SampleFormat.UInt8 });
        for (int g = 0; g < 30; g++)
        {
            double x = rng.Next(300), y = rng.Next(300), s = 1 + rng.NextDouble() * 3, f = 0.3 + rng.NextDouble() * 0.7;
            for (int c = 0; c < 3; c++)
                for (int yy = 0; yy < 300; yy++)
                    for (int xx = 0; xx < 300; xx++)
                        img[c, yy, xx] += (float)(f * Math.Exp(-((xx - x) * (xx - x) + (yy - y) * (yy - y)) / (2 * s * s)));
        }
        for (int i = 0; i < img.Data.Length; i++) img.Data[i] = MathF.Round(Math.Clamp(img.Data[i], 0, 1) * 255) / 255;
        return new RealPicture("test", img, BandOrder.RedFirst, 1.5, PictureCentres.Find(img, 0, 0.7, 51, 50));
    }

    [Test]
    public void TheSameSeedGivesTheSameExampleInAnyOrder()
    {
        var set = new LensTrainingSet(51, [Picture()], []);
        var a = set.Example(3, 17);
        set.Example(3, 5);
        var b = set.Example(3, 17);
        Assert.That(b.Image.Data, Is.EqualTo(a.Image.Data));
        Assert.That((b.Label, b.Domain, b.Impostor, b.Source), Is.EqualTo((a.Label, a.Domain, a.Impostor, a.Source)));
        Assert.That(set.Example(4, 17).Image.Data, Is.Not.EqualTo(a.Image.Data));
    }

    [Test]
    public void CutoutsStayInsideTheirColumnBand()
    {
        var p = Picture();
        Assert.That(p.Centres, Is.Not.Empty);
        // A training cutout (centre ± 25) never reaches x ≥ 0.7 × 300 = 210: the held-out band.
        Assert.That(p.Centres.Max(c => c.X) + 25, Is.LessThan(210));
        var held = PictureCentres.Find(p.Image, 0.7, 1, 51, 50);
        Assert.That(held.Min(c => c.X) - 25, Is.GreaterThanOrEqualTo(210));
    }

    [Test]
    public void LabelsAreBalancedAndImpostorsAndDomainsAllAppear()
    {
        var set = new LensTrainingSet(51, [Picture()], []);
        var ex = Enumerable.Range(0, 240).Select(i => set.Example(1, i)).ToList();
        double lenses = ex.Count(e => e.Label == 1) / (double)ex.Count;
        Assert.That(lenses, Is.InRange(0.4, 0.6));
        Assert.That(ex.Select(e => e.Domain).Distinct(), Is.EquivalentTo(new[] { "real", "survey" }));
        var kinds = ex.Where(e => e.Label == 0).Select(e => e.Impostor).Where(k => k.Length > 0).Distinct().ToList();
        Assert.That(kinds.Count, Is.GreaterThanOrEqualTo(8), string.Join(",", kinds));
        // Real examples stay 8-bit pictures; positives carry an arc of the drawn S/N.
        Assert.That(ex.Where(e => e.Domain == "real").All(e => e.Image.Data.All(v => Math.Abs(v * 255 - MathF.Round(v * 255)) < 1e-3)), Is.True);
        Assert.That(ex.Where(e => e.Label == 1).All(e => e.ThetaE >= 3 && e.ThetaE <= 20 && e.ArcSnr >= 7), Is.True);
    }

    [Test]
    public void SurveyFieldsHaveTheSurveysNoiseAndSeeing()
    {
        var f = SurveyFieldRenderer.Render(101, new Random(5));
        Assert.That(f.FwhmPx[1] * SurveyFieldRenderer.PixelScale, Is.InRange(1.15, 1.55), "r seeing in arcsec");
        for (int b = 0; b < 3; b++)
        {
            // Pixel-to-pixel differences: the seeing makes every object smooth on that scale, so they measure the noise.
            var p = f.Image.Plane(b).ToArray();
            var diff = Enumerable.Range(0, p.Length - 1).Where(i => i % 101 != 100).Select(i => p[i + 1] - p[i]).ToArray();
            var (_, mad) = RobustStatistics.MedianMad(diff);
            Assert.That(mad * RobustStatistics.MadToSigma / Math.Sqrt(2), Is.EqualTo(f.Sigma[b]).Within(0.2 * f.Sigma[b]), $"band {b}: sky noise");
        }
        // The lens galaxy is red: brighter in z than in g (nanomaggies).
        int c = (int)Math.Round(f.LensY) * 101 + (int)Math.Round(f.LensX);
        Assert.That(f.Image.Plane(2)[c], Is.GreaterThan(f.Image.Plane(0)[c]));
    }

    [Test]
    public void ArcsInClippedEightBitPicturesAreVisible()
    {
        // Black sky (MAD 0): without a noise floor an S/N-30 arc would be far below one grey level.
        var img = new AstroImage(61, 61, 3, new ImageMetadata { SourceFormat = SampleFormat.UInt8 });
        img[0, 30, 30] = img[1, 30, 30] = img[2, 30, 30] = 1f;
        var (mock, rec) = MockLensInjector.Inject(img, new MockLensOptions { EinsteinRadius = 10, ArcSnr = 30, PsfFwhm = 2, BandRatios = [1, 1, 1] });
        float peak = 0;
        for (int y = 0; y < 61; y++)
            for (int x = 0; x < 61; x++)
                if (Math.Abs(Math.Sqrt((x - 30) * (x - 30) + (y - 30) * (y - 30)) - 10) < 2) peak = Math.Max(peak, mock[0, y, x]);
        Assert.That(peak * 255, Is.GreaterThan(5), "the arc's brightest pixel, in grey levels");
        Assert.That(rec.BackgroundSigma[0] * 255, Is.EqualTo(2).Within(1e-6), "σ floor: two grey levels");
    }
}
