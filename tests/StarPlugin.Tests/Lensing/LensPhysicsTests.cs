using StarPlugin.Imaging;
using StarPlugin.Lensing;

namespace StarPlugin.Tests.Lensing;

public class LensPhysicsTests
{
    [Test]
    public void PointSourceOnTheAxisOfAnSisMakesARingAtTheEinsteinRadius()
    {
        double thetaE = 20;
        var lens = new IsothermalEllipsoid(thetaE, 1, 0, 64, 64);
        var img = LensRenderer.Render(129, 129, lens, new SersicSource(64, 64, 0.4, 1, 1, 0), supersample: 9);
        // Along 16 directions the brightest pixel lies at θE.
        for (int k = 0; k < 16; k++)
        {
            double a = 2 * Math.PI * k / 16, best = -1, bestR = 0;
            for (double r = 5; r < 40; r += 0.25)
            {
                int x = (int)Math.Round(64 + r * Math.Cos(a)), y = (int)Math.Round(64 + r * Math.Sin(a));
                if (img[y * 129 + x] > best) { best = img[y * 129 + x]; bestR = r; }
            }
            Assert.That(bestR, Is.EqualTo(thetaE).Within(1.0), $"direction {k}");
        }
    }

    [Test]
    public void OffAxisSourceBehindAnSisHasTwoImagesAtBetaPlusMinusThetaEWithMagnificationThetaOverBeta()
    {
        double thetaE = 10, beta = 3;
        var lens = new IsothermalEllipsoid(thetaE, 1, 0, 0, 0);
        foreach (double theta in new[] { beta + thetaE, beta - thetaE })
        {
            var (bx, by) = lens.ToSource(theta, 0);
            Assert.That(bx, Is.EqualTo(beta).Within(1e-9), "the image maps onto the source");
            Assert.That(by, Is.EqualTo(0).Within(1e-9));
            Assert.That(Math.Abs(lens.Magnification(theta, 0)), Is.EqualTo(Math.Abs(theta / beta)).Within(1e-4));
        }
        // Ray shooting a small source finds those two images and their flux ratio.
        var img = LensRenderer.Render(81, 41, lens with { CenterX = 40, CenterY = 20 }, new SersicSource(40 + beta, 20, 0.3, 1, 1, 0), supersample: 11);
        double Flux(double cx) { double s = 0; for (int y = 15; y <= 25; y++) for (int x = (int)cx - 4; x <= (int)cx + 4; x++) s += img[y * 81 + x]; return s; }
        double plus = Flux(40 + beta + thetaE), minus = Flux(40 + beta - thetaE);
        Assert.That(plus / minus, Is.EqualTo((beta + thetaE) / (thetaE - beta)).Within(0.12));
    }

    [Test]
    public void SieTendsToSisAsAxisRatioTendsToOne()
    {
        var sis = new IsothermalEllipsoid(8, 1, 0.3, 0, 0);
        var sie = new IsothermalEllipsoid(8, 0.99999, 0.3, 0, 0);
        foreach (var (x, y) in new[] { (3.0, 1.0), (-5.0, 7.0), (0.5, -9.0), (12.0, 0.0) })
        {
            var (ax, ay) = sis.Deflection(x, y);
            var (bx, by) = sie.Deflection(x, y);
            Assert.That(bx, Is.EqualTo(ax).Within(1e-3)); Assert.That(by, Is.EqualTo(ay).Within(1e-3));
        }
    }

    [Test]
    public void ZeroMassLeavesTheSourceUnchanged()
    {
        var source = new SersicSource(30.3, 25.7, 3, 1.5, 0.6, 0.4);
        var lensed = LensRenderer.Render(64, 50, new IsothermalEllipsoid(0, 0.7, 0.2, 32, 25), source, 3);
        for (int y = 0; y < 50; y++)
            for (int x = 0; x < 64; x++)
            {
                double direct = 0;
                for (int sy = 0; sy < 3; sy++) for (int sx = 0; sx < 3; sx++) direct += source.SurfaceBrightness(x + (sx + 0.5) / 3 - 0.5, y + (sy + 0.5) / 3 - 0.5);
                Assert.That(lensed[y * 64 + x], Is.EqualTo(direct / 9).Within(1e-6));
            }
    }

    [Test]
    public void SurfaceBrightnessIsConserved()
    {
        // A lens can stretch a source but never make it brighter per unit area: the
        // lensed peak equals the source's, and magnification comes only from area.
        var source = new SersicSource(41, 40, 2.5, 0.5, 1, 0, Ie: 1);
        var unlensed = LensRenderer.Render(80, 80, new IsothermalEllipsoid(0, 1, 0, 40, 40), source, 9);
        var lensed = LensRenderer.Render(80, 80, new IsothermalEllipsoid(12, 0.8, 0.5, 40, 40), source, 9);
        double peakSource = unlensed.Max(), peakLensed = lensed.Max();
        Assert.That(peakLensed, Is.LessThanOrEqualTo(peakSource * 1.02));
        Assert.That(peakLensed, Is.GreaterThan(peakSource * 0.8));
        Assert.That(lensed.Sum(v => (double)v) / unlensed.Sum(v => (double)v), Is.GreaterThan(3), "total flux magnified");
    }

    [Test]
    public void InjectionHitsTheTargetArcSnrAndFindsTheCentralGalaxy()
    {
        var cutout = new AstroImage(96, 96, 3);
        var rng = new Random(4);
        for (int i = 0; i < cutout.Data.Length; i++) cutout.Data[i] = 0.01f + 0.002f * (float)rng.NextGaussian();
        for (int c = 0; c < 3; c++) StarPlugin.Synthesis.GalaxyRenderer.Sersic(cutout.Plane(c), 96, 96, 50, 45, 4, 4, 0.8, 0, 0.05);
        var (img, record) = MockLensInjector.Inject(cutout, new MockLensOptions { EinsteinRadius = 12, ArcSnr = 40, PsfFwhm = 2.5, BandRatios = [1, 0.8, 0.6] });
        Assert.That(record.CenterX, Is.EqualTo(50).Within(1)); Assert.That(record.CenterY, Is.EqualTo(45).Within(1));
        Assert.That(record.ArcSnr, Is.EqualTo(40).Within(0.5));
        Assert.That(record.Magnification, Is.GreaterThan(2));
        double added = 0;
        for (int i = 0; i < img.PlaneLength; i++) added += img.Data[i] - cutout.Data[i];
        Assert.That(added, Is.GreaterThan(0));
    }

    [Test]
    public void PsfAndNoiseAreMeasuredPerBand()
    {
        // g, r, z with different seeing: stars of FWHM 2, 3 and 4 px.
        var cube = new AstroImage(128, 128, 3);
        var rng = new Random(8);
        for (int i = 0; i < cube.Data.Length; i++) cube.Data[i] = 0.01f + 0.0005f * (float)rng.NextGaussian();
        float[] fwhm = [2f, 3f, 4f];
        for (int b = 0; b < 3; b++)
            foreach (var (x, y) in new[] { (20.3, 20.6), (100.1, 25.4), (30.7, 105.2), (110.5, 100.8), (64.2, 15.1) })
                new StarPlugin.Synthesis.PointSpreadFunction(StarPlugin.Synthesis.PsfKind.Gaussian, fwhm[b]).Render(cube.Plane(b), 128, 128, x, y, 2f);
        for (int b = 0; b < 3; b++) StarPlugin.Synthesis.GalaxyRenderer.Sersic(cube.Plane(b), 128, 128, 64, 64, 4, 3, 0.8, 0, 0.02);
        var (_, record) = MockLensInjector.Inject(cube, new MockLensOptions { EinsteinRadius = 10, ArcSnr = 30 });
        for (int b = 0; b < 3; b++) Assert.That(record.PsfFwhm[b], Is.EqualTo(fwhm[b]).Within(0.4), $"band {b}");
        Assert.That(record.BackgroundSigma[0], Is.EqualTo(0.0005).Within(0.0001));
    }
}
