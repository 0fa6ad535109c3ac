using StarPlugin.Detection;
using StarPlugin.Removal;

namespace StarPlugin.Tests.Removal;

public class FieldPsfTests
{
    private static DetectedStar Star(double x, double y, double fwhm, double snr = 50, bool saturated = false) =>
        new((int)y, (int)x, 0.95f, 0.5f, x, y, 1000, fwhm, snr, 0.05, (float)fwhm, saturated);

    /// <summary>Stars on a 32-px grid whose FWHM grows from 2 px at the left edge to 5 px at the right (coma).</summary>
    private static List<DetectedStar> ComaField(int w, int h) =>
        [.. from y in Enumerable.Range(0, h / 32) from x in Enumerable.Range(0, w / 32)
            select Star(16 + 32 * x, 16 + 32 * y, 2 + 3.0 * (16 + 32 * x) / w)];

    [Test]
    public void FollowsTheStarsWidthAcrossTheFrame()
    {
        var psf = FieldPsf.Estimate(ComaField(2048, 1024), 2048, 1024);
        foreach (double x in new[] { 300.0, 1024, 1750 })
            Assert.That(psf.At(x, 500), Is.EqualTo(2 + 3.0 * x / 2048).Within(0.35), $"x = {x}");
        Assert.That(psf.At(100, 500), Is.LessThan(psf.At(1900, 500)));
        Assert.That(psf.Global, Is.EqualTo(2.75).Within(0.1), "the frame's lower quartile");
    }

    [Test]
    public void FewStarsGiveOneFrameWideValueAndNoneTheDefault()
    {
        var few = Enumerable.Range(0, FieldPsf.MinStars - 1).Select(i => Star(100 + 150 * i, 300, 2 + 0.3 * i)).ToList();
        var psf = FieldPsf.Estimate(few, 2048, 1024);
        Assert.That(psf.At(0, 0), Is.EqualTo(psf.Global));
        Assert.That(psf.At(2047, 1023), Is.EqualTo(psf.Global));
        Assert.That(FieldPsf.Estimate([], 2048, 1024).At(5, 5), Is.EqualTo(FieldPsf.DefaultFwhm));
    }

    [Test]
    public void ClippedAndFaintStarsDoNotSetTheWidth()
    {
        // Clipped stars swell with flux in stretched data; they must not raise the estimate.
        var stars = ComaField(1024, 1024).Select(s => s with { Fwhm = 3 }).ToList();
        stars.AddRange(Enumerable.Range(0, 200).Select(i => Star(5 * i, 7 * i % 1024, 9, saturated: true)));
        var psf = FieldPsf.Estimate(stars, 1024, 1024);
        Assert.That(psf.At(512, 512), Is.EqualTo(3).Within(1e-9));
        Assert.That(psf.At(double.NaN, -5), Is.EqualTo(3).Within(1e-9), "positions off the frame read the nearest cell");
    }
}
