using StarPlugin.Detection;
using StarPlugin.Removal;

namespace StarPlugin.Tests.Removal;

public class StellarLocusTests
{
    /// <summary>A census source of <paramref name="width"/> PSF FWHM (PSF 3 px) at <paramref name="brightness"/>.</summary>
    private static ResidualStarCleanup.Target Source(float brightness, double width, double roundness = 0.05, bool saturated = false) =>
        new(ResidualStarCleanup.Source.Of(new DetectedStar(0, 0, 0.95f, brightness, 10, 10, 100 * brightness, 3 * width, 50, roundness, 0, saturated)), (float)width, false);

    [Test]
    public void FollowsStarsThatSwellWithBrightness()
    {
        // As in a stretched frame: width grows from 0.9 to 1.5 PSF with brightness; one
        // source in five is a blend or knot, broader by half, which the locus must ignore.
        var rng = new Random(7);
        var sources = new List<ResidualStarCleanup.Target>();
        for (int i = 0; i < 400; i++)
        {
            float b = (float)rng.NextDouble();
            double w = 0.9 + 0.6 * b + 0.03 * rng.NextDouble();
            sources.Add(Source(b, i % 5 == 0 ? 1.5 * w : w));
        }
        var locus = StellarLocus.Estimate(sources);
        Assert.That(locus.Measured, Is.True);
        double previous = 0;
        for (float b = 0.1f; b <= 0.9f; b += 0.1f)
        {
            double at = locus.At(b);
            Assert.That(at, Is.EqualTo(0.9 + 0.6 * b).Within(0.08), $"brightness {b}");
            Assert.That(at, Is.GreaterThanOrEqualTo(previous), "never narrower for a brighter star");
            previous = at;
        }
    }

    [Test]
    public void ElongatedAndSaturatedSourcesDoNotEnterIt()
    {
        // Round stars at 1 PSF, and as many broad elongated (galaxies) and broad clipped sources.
        var sources = new List<ResidualStarCleanup.Target>();
        for (int i = 0; i < 100; i++)
        {
            float b = 0.2f + 0.006f * i;
            sources.Add(Source(b, 1.0));
            sources.Add(Source(b, 2.5, roundness: 0.4));
            sources.Add(Source(b, 2.5, saturated: true));
        }
        var locus = StellarLocus.Estimate(sources);
        Assert.That(locus.At(0.5f), Is.EqualTo(1.0).Within(1e-9));
    }

    [Test]
    public void TooFewRoundSourcesLeaveThePsfItself()
    {
        var sources = Enumerable.Range(0, StellarLocus.Window - 1).Select(i => Source(0.01f * i, 2.0)).ToList();
        var locus = StellarLocus.Estimate(sources);
        Assert.That(locus.Measured, Is.False);
        Assert.That(locus.At(0.3f), Is.EqualTo(1.0));
    }
}
