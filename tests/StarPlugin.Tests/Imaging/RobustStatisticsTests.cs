using StarPlugin.Imaging;

namespace StarPlugin.Tests.Imaging;

public class RobustStatisticsTests
{
    /// <summary>
    /// Select against a sort of the same values, on the shapes the pipeline selects in: the
    /// fills' annuli (a hundred noisy residuals with stars among them), 8-bit data (runs of
    /// equal values, where the branch-free partition's equal zone answers), the spike
    /// stage's 360 samples, the mesh's 1024-value cells and larger ranges (selected in
    /// place), at every k of a few and at random k elsewhere; and the lengths about the
    /// vector partition's 16 (eight at a time while 16 are left).
    /// </summary>
    [Test]
    public void SelectGivesTheKthSmallestOfTheRangeAsASortDoes()
    {
        var rng = new Random(17);
        int checkedCount = 0;
        foreach (int n in new[] { 1, 2, 3, 12, 13, 14, 15, 16, 17, 23, 24, 25, 31, 32, 33, 40, 123, 360, 1024, 1025, 5000 })
            for (int trial = 0; trial < 60; trial++)
            {
                int mode = trial % 4;
                var a = new float[n + 7];
                for (int i = 0; i < a.Length; i++)
                    a[i] = mode switch
                    {
                        0 => (float)(rng.NextDouble() - 0.5) * 0.02f + (rng.Next(10) == 0 ? (float)rng.NextDouble() : 0),
                        1 => rng.Next(5) / 255f,
                        2 => 0.25f,
                        _ => (float)(rng.NextDouble() * 2 - 1) * (rng.Next(30) == 0 ? 1e30f : 1f),
                    };
                int start = rng.Next(8);
                var sorted = a.AsSpan(start, n).ToArray();
                Array.Sort(sorted);
                var ks = n <= 14 ? Enumerable.Range(0, n) : [0, n / 2, n - 1, rng.Next(n)];
                foreach (int k in ks)
                {
                    var copy = (float[])a.Clone();
                    Assert.That(RobustStatistics.Select(copy, start, n, k), Is.EqualTo(sorted[k]), $"n {n}, mode {mode}, k {k}");
                    // The range keeps its values, and nothing outside it moves.
                    var after = copy.AsSpan(start, n).ToArray();
                    Array.Sort(after);
                    Assert.That(after, Is.EqualTo(sorted));
                    Assert.That(copy.AsSpan(0, start).ToArray(), Is.EqualTo(a.AsSpan(0, start).ToArray()));
                    Assert.That(copy.AsSpan(start + n).ToArray(), Is.EqualTo(a.AsSpan(start + n).ToArray()));
                    checkedCount++;
                }
            }
        Assert.That(checkedCount, Is.GreaterThan(2000));
    }

    /// <summary>
    /// A range holding NaN gets Hoare's quickselect's answer as before (the branch-free
    /// partition would count NaN as equal to its pivot): the cleanup meets NaN pixels,
    /// which the pipeline carries through.
    /// </summary>
    [Test]
    public void SelectWithNaNInTheRangeAnswersAsHoaresQuickselect()
    {
        var rng = new Random(5);
        for (int trial = 0; trial < 200; trial++)
        {
            int n = 13 + rng.Next(300);
            var a = Enumerable.Range(0, n).Select(_ => rng.Next(8) == 0 ? float.NaN : (float)rng.NextDouble()).ToArray();
            a[rng.Next(n)] = float.NaN;
            int k = rng.Next(n);
            var expected = RobustStatistics.SelectChecked((float[])a.Clone(), 0, n, k);
            float got = RobustStatistics.Select((float[])a.Clone(), 0, n, k);
            Assert.That(BitConverter.SingleToInt32Bits(got), Is.EqualTo(BitConverter.SingleToInt32Bits(expected)), $"n {n}, k {k}");
        }
    }

    /// <summary>
    /// FiniteMinMax against the finite values' own Min and Max, at lengths that fill the
    /// vector lanes, leave a tail, or have no lane at all, with NaN and infinities anywhere
    /// (never bounds) and an extreme in the lanes or in the tail.
    /// </summary>
    [Test]
    public void FiniteMinMaxIgnoresNonFiniteValuesInTheLanesAndTheTail()
    {
        var rng = new Random(23);
        foreach (int n in new[] { 1, 7, 8, 9, 45, 64, 1001 })
            for (int trial = 0; trial < 40; trial++)
            {
                var a = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
                for (int k = rng.Next(4); k > 0; k--) a[rng.Next(n)] = rng.Next(3) switch { 0 => float.NaN, 1 => float.PositiveInfinity, _ => float.NegativeInfinity };
                if (trial % 2 == 0) a[rng.Next(n)] = trial % 4 == 0 ? 7f : -7f;
                var finite = a.Where(float.IsFinite).ToArray();
                var expected = finite.Length == 0 ? (0f, 0f) : (finite.Min(), finite.Max());
                Assert.That(RobustStatistics.FiniteMinMax(a), Is.EqualTo(expected), $"n {n}, trial {trial}");
            }
        Assert.That(RobustStatistics.FiniteMinMax([float.NaN, float.PositiveInfinity, float.NaN, float.NaN, float.NaN, float.NaN, float.NaN, float.NaN, float.NaN]), Is.EqualTo((0f, 0f)));
    }
}
