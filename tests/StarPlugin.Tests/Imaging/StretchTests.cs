using StarPlugin.Imaging;
using StarPlugin.Stretching;

namespace StarPlugin.Tests.Imaging;

public class StretchTests
{
    [Test]
    public void MinMaxNormalisationMapsToUnitRangeAndZeroesNonFinite()
    {
        float[] d = [2f, 4f, float.NaN, 6f, float.PositiveInfinity];
        var (min, max) = ContrastNormalization.MinMaxInPlace(d);
        Assert.That((min, max), Is.EqualTo((2f, 6f)));
        Assert.That(d, Is.EqualTo(new[] { 0f, 0.5f, 0f, 1f, 0f }));
    }

    [Test]
    public void ConstantDataNormalisesToZero()
    {
        float[] d = [3f, 3f, 3f];
        ContrastNormalization.MinMaxInPlace(d);
        Assert.That(d, Is.All.EqualTo(0f));
    }

    [TestCase(0.5f, 0.5f, 0.5f)]
    [TestCase(0.25f, 0.5f, 0.75f)]
    [TestCase(0.1f, 0.1f, 0.5f)]
    public void MtfHasTheKnownValues(float m, float t, float expected) =>
        Assert.That(MtfStretch.Mtf(m, t), Is.EqualTo(expected).Within(1e-6f));

    [Test]
    public void AutoStretchMapsTheMedianToTheTargetBackground()
    {
        var rng = new Random(3);
        var d = new float[100_000];
        for (int i = 0; i < d.Length; i++) d[i] = 0.01f + 0.002f * (float)(rng.NextDouble() - 0.5);
        var s = MtfStretch.Auto(d);
        float median = RobustStatistics.Median(d);
        Assert.That(s.Apply(median), Is.EqualTo(MtfStretch.DefaultTargetBackground).Within(2e-3f));
    }

    [Test]
    public void LinearDataRoundTripsThroughStretchAndInverse()
    {
        var rng = new Random(5);
        var d = new float[50_000];
        for (int i = 0; i < d.Length; i++)
            d[i] = i % 97 == 0 ? (float)rng.NextDouble() * 1.3f : 0.002f + 0.001f * (float)rng.NextDouble() - (i % 501 == 0 ? 0.01f : 0f);
        var original = (float[])d.Clone();
        var s = MtfStretch.Auto(d);
        s.Apply(d);
        Assert.That(d.Average(), Is.GreaterThan(original.Average() * 5), "stretch brightens linear data");
        s.Invert(d);
        // Float storage of the stretched value limits the inverse: |dx| = ulp(y) / MTF'(x),
        // largest in the highlights when the midtone is small.
        for (int i = 0; i < d.Length; i++)
        {
            float slope = (s.Apply(original[i] + 1e-4f) - s.Apply(original[i] - 1e-4f)) / 2e-4f;
            float tol = 4f * MathF.Max(1e-7f, MathF.BitIncrement(MathF.Abs(s.Apply(original[i]))) - MathF.Abs(s.Apply(original[i]))) / slope + 1e-7f;
            Assert.That(d[i], Is.EqualTo(original[i]).Within(tol), $"sample {i}");
        }
    }

    [Test]
    public void StretchIsMonotoneEvenOutsideTheUnitRange()
    {
        var s = new MtfStretch(0.1f, 1f, 0.02f);
        float prev = float.NegativeInfinity;
        for (float x = -0.5f; x <= 1.5f; x += 0.001f)
        {
            float y = s.Apply(x);
            Assert.That(y, Is.GreaterThan(prev));
            prev = y;
        }
    }

    [Test]
    public void LinearDetectorTellsStacksFromStretchedImages()
    {
        var img = new AstroImage(64, 64, 1);
        img.Plane(0).Fill(0.01f);
        Assert.That(LinearDataDetector.IsLinear(img, 1f), Is.True);
        img.Plane(0).Fill(0.2f);
        Assert.That(LinearDataDetector.IsLinear(img, 1f), Is.False);
    }

    [Test]
    public void EightBitDataIsNeverLinear()
    {
        // A black-sky 8-bit picture (sky 5/255, noise of ±2 steps) is finished, not a stack;
        // the same values off the 8-bit grid read as linear. On a 0..255 scale likewise.
        var rng = new Random(2);
        var img = new AstroImage(64, 64, 1);
        var plane = img.Plane(0);
        for (int i = 0; i < plane.Length; i++) plane[i] = (5 + rng.Next(-2, 3)) / 255f;
        plane[100] = 1f;
        Assert.That(LinearDataDetector.IsLinear(img, 1f), Is.False);
        for (int i = 0; i < plane.Length; i++) plane[i] += 0.3f / 255;
        Assert.That(LinearDataDetector.IsLinear(img, 1f), Is.True);
        for (int i = 0; i < plane.Length; i++) plane[i] = 5 + rng.Next(-2, 3);
        plane[100] = 255;
        Assert.That(LinearDataDetector.IsLinear(img, 255f), Is.False);
    }

    [Test]
    public void ImageLimitsRejectAbsurdSizes()
    {
        Assert.Throws<ImageSizeException>(() => new AstroImage(0, 5, 1));
        Assert.Throws<ImageSizeException>(() => new AstroImage(600_000, 5, 1));
        Assert.Throws<ImageSizeException>(() => new AstroImage(100_000, 100_000, 1));
        Assert.Throws<ImageSizeException>(() => new AstroImage(5, 5, 5));
    }
}
