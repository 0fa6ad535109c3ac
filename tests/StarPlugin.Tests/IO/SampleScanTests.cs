using StarPlugin.Imaging;
using StarPlugin.IO;

namespace StarPlugin.Tests.IO;

/// <summary>
/// The scan every integer file's samples go through before anything is written
/// (<see cref="IntegerEncoder.Check"/>), at lengths whose samples fall both in the vector
/// lanes and in the tail after them: each NaN, infinity, bound and fraction is seen
/// wherever it sits.
/// </summary>
public class SampleScanTests
{
    private static float[] Ramp(int n) => Enumerable.Range(0, n).Select(i => i / (float)n).ToArray();

    private static IntegerEncoder Encoder() => IntegerEncoder.For(new ImageMetadata { SourceFormat = SampleFormat.Float32 }, SampleFormat.UInt16);

    private static string Refusal(float[] data, bool countsAllowed = false) =>
        Assert.Throws<SampleRangeException>(() => Encoder().Check(data, "PNG", SampleFormat.UInt16, countsAllowed))!.Message;

    [TestCase(45)] [TestCase(64)] [TestCase(7)]
    public void EveryNaNAndInfinityIsCountedWhereverItSits(int n)
    {
        foreach (int[] at in new[] { new[] { 0 }, new[] { n - 1 }, new[] { 0, n / 2, n - 1 }, Enumerable.Range(0, n).Where(i => i % 3 == 1).ToArray() })
        {
            var nan = Ramp(n);
            foreach (int i in at) nan[i] = float.NaN;
            Assert.That(Refusal(nan), Does.Contain($"{at.Length} blank (NaN) samples"), $"n {n}, NaN at {string.Join(",", at)}");
            var inf = Ramp(n);
            for (int k = 0; k < at.Length; k++) inf[at[k]] = k % 2 == 0 ? float.PositiveInfinity : float.NegativeInfinity;
            Assert.That(Refusal(inf), Does.Contain($"{at.Length} infinite samples"), $"n {n}, infinities at {string.Join(",", at)}");
        }
    }

    [TestCase(45)] [TestCase(64)] [TestCase(7)]
    public void TheRefusalNamesTheDatasOwnBoundsWhereverTheySit(int n)
    {
        for (int low = 0; low < n; low += Math.Max(1, n / 5))
        {
            int high = n - 1 - low / 2;
            if (high == low) continue;
            var data = Ramp(n);
            data[low] = -0.25f; data[high] = 1.5f;
            // NaN and infinities beside them are not bounds.
            data[(low + 1) % n] = low + 1 == high ? data[(low + 1) % n] : float.NaN;
            Assert.That(Refusal(data), Does.Contain("values -0.25..1.5 ("), $"n {n}, low at {low}, high at {high}");
        }
    }

    [TestCase(45)] [TestCase(64)] [TestCase(7)]
    public void WholeCountsGoInAsTheyAreUnlessOneSampleAnywhereHasAFraction(int n)
    {
        // ADU beyond 1.0 that went through a float file: stored unchanged (factor 1).
        var counts = Enumerable.Range(0, n).Select(i => (float)(i * 1000)).ToArray();
        var encoder = Encoder();
        encoder.Check(counts, "PNG", SampleFormat.UInt16, countsAllowed: true);
        Assert.That(encoder.Factor, Is.EqualTo(1));
        foreach (int at in new[] { 0, n / 2, n - 1 })
        {
            var data = (float[])counts.Clone();
            data[at] += 0.5f;
            Assert.That(Refusal(data, countsAllowed: true), Does.Contain("do not fit"), $"n {n}, fraction at {at}");
        }
    }
}
