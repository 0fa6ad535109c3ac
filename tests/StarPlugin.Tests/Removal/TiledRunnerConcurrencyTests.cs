using StarPlugin.Progress;
using StarPlugin.Removal;

namespace StarPlugin.Tests.Removal;

/// <summary>
/// Tiles in flight at once (<see cref="ITileModel.ConcurrentRuns"/>): the blended layer has
/// the same bits as one tile at a time, whatever order the runs finish in, and a run's
/// failure or a cancellation stops them all and reaches the caller as itself.
/// </summary>
public class TiledRunnerConcurrencyTests
{
    /// <summary>A per-pixel nonlinear "network" whose runs finish in a shuffled order.</summary>
    private sealed class JitteryModel(int concurrent, int failOnCall = -1) : ITileModel
    {
        private int _calls;
        public ModelDescription Description { get; } = new() { Channels = 3, DefaultTile = 64, DefaultOverlap = 16 };
        public int ConcurrentRuns => concurrent;
        public int Calls => _calls;

        public long[] Run(ReadOnlySpan<float> input, ReadOnlySpan<long> shape, Func<int, float[]> output)
        {
            int call = Interlocked.Increment(ref _calls);
            if (call == failOnCall) throw new ModelException($"run {call} failed");
            var o = output(input.Length);
            for (int i = 0; i < input.Length; i++) o[i] = MathF.Sin(7f * input[i]) * input[i] * 0.37f;
            // Later-started runs often finish first: the adding must not follow the finish order.
            Thread.Sleep((call * 7919) % 5);
            return shape.ToArray();
        }
    }

    private static (ReadOnlyMemory<float>[] Source, Memory<float>[] Output) Planes(int w, int h)
    {
        var rng = new Random(17);
        var source = Enumerable.Range(0, 3).Select(_ => (ReadOnlyMemory<float>)Enumerable.Range(0, w * h).Select(_ => (float)rng.NextDouble()).ToArray()).ToArray();
        var output = Enumerable.Range(0, 3).Select(_ => (Memory<float>)new float[w * h]).ToArray();
        return (source, output);
    }

    private static float[][] Predict(ITileModel model, int w, int h, int batch, ProgressCallback? progress = null)
    {
        var (source, output) = Planes(w, h);
        new TiledModelRunner(model).PredictStars(source, w, h, ModelDomain.Scale(1f), [0, 1, 2], output, [0, 1, 2], 1f,
            new TilingOptions { Batch = batch }, new ProgressReporter(progress, 1));
        return output.Select(o => o.ToArray()).ToArray();
    }

    [TestCase(1)]
    [TestCase(3)]
    public void TilesInFlightGiveTheSameBitsAsOneAtATime(int batch)
    {
        // 301 × 245 in 64-px tiles with 16 of overlap: 30 tiles, corners summed from four.
        var one = Predict(new JitteryModel(1), 301, 245, batch);
        foreach (int concurrent in new[] { 2, 4 })
        {
            var many = Predict(new JitteryModel(concurrent), 301, 245, batch);
            for (int c = 0; c < 3; c++)
                Assert.That(many[c], Is.EqualTo(one[c]), $"{concurrent} in flight, plane {c}");
        }
        Assert.That(one[0].Count(v => v != 0), Is.GreaterThan(301 * 245 / 2));
    }

    [Test]
    public void AFailingRunStopsTheOthersAndItsErrorReachesTheCaller()
    {
        var model = new JitteryModel(3, failOnCall: 6);
        var e = Assert.Throws<ModelException>(() => Predict(model, 301, 245, 1));
        Assert.That(e!.Message, Is.EqualTo("run 6 failed"));
        Assert.That(model.Calls, Is.LessThan(30), "the other runs went on to the end");
    }

    [Test]
    public void CancellingStopsEveryRun()
    {
        var model = new JitteryModel(3);
        int reports = 0;
        Assert.Throws<OperationCanceledException>(() => Predict(model, 301, 245, 1, (_, _) => Interlocked.Increment(ref reports) < 5));
        Assert.That(model.Calls, Is.LessThan(30));
    }
}
