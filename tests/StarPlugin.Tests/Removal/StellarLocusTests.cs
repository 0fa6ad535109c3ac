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

    /// <summary>
    /// The locus at each source's brightness is, by its definition, the running maximum
    /// of the lower quartile of the 60 widths about it in order of brightness (the window
    /// clamped at the ends), here worked out by sorting every window afresh. Widths come
    /// in steps of 0.05 PSF, so windows hold many equal values as they slide.
    /// </summary>
    [TestCase(60)] [TestCase(61)] [TestCase(90)] [TestCase(1000)]
    public void TheLocusIsTheRunningLowerQuartileOfEachWindowOfSixty(int count)
    {
        var rng = new Random(count);
        var brightness = Enumerable.Range(0, count).Select(i => (i + 1f) / count).OrderBy(_ => rng.Next()).ToArray();
        var sources = brightness.Select(b => Source(b, Math.Round((0.8 + 0.8 * b + 0.4 * rng.NextDouble()) * 20) / 20)).ToList();
        var locus = StellarLocus.Estimate(sources);
        var ordered = sources.OrderBy(t => t.Star.Brightness).ToArray();
        double floor = 0;
        for (int i = 0; i < count; i++)
        {
            int lo = Math.Clamp(i - StellarLocus.Window / 2, 0, count - StellarLocus.Window);
            var window = ordered.Skip(lo).Take(StellarLocus.Window).Select(t => (double)t.Width).OrderBy(w => w).ToArray();
            floor = Math.Max(floor, window[StellarLocus.Window / 4]);
            Assert.That(locus.At(ordered[i].Star.Brightness), Is.EqualTo(floor).Within(1e-9), $"source {i} of {count}");
        }
    }
}
