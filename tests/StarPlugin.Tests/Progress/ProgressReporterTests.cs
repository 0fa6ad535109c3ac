using StarPlugin.Progress;

namespace StarPlugin.Tests.Progress;

public class ProgressReporterTests
{
    [Test]
    public void WorkersAdvancingAtOnceNeverMakeTheBarStepBack()
    {
        // Many workers race on one reporter and on slices of it, as the tiled model runner does.
        // The callback sleeps now and then so that a worker that advanced first often reaches the lock last.
        var seen = new List<double>();
        int calls = 0;
        var root = new ProgressReporter((f, _) => { seen.Add(f); if (Interlocked.Increment(ref calls) % 7 == 0) Thread.Sleep(0); return true; }, 4000);
        var slice = root.Slice(0.5, 1, 4000, "second half");
        Parallel.For(0, 4000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ => root.Advance());
        Parallel.For(0, 4000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ => slice.Advance());
        Assert.That(seen, Has.Count.EqualTo(8000), "every advance reaches the host, one call at a time");
        Assert.That(seen, Is.Ordered);
        Assert.That(seen[^1], Is.EqualTo(1.0).Within(1e-12));
    }

    [Test]
    public void ASliceThatIsCancelledStopsItsParentToo()
    {
        var root = new ProgressReporter((f, _) => f < 0.3, 10);
        var slice = root.Slice(0, 0.5, 2, "first half");
        Assert.DoesNotThrow(() => slice.Advance());
        Assert.Throws<OperationCanceledException>(() => slice.Advance());
        Assert.That(root.IsCancelled, Is.True);
        Assert.Throws<OperationCanceledException>(() => root.ThrowIfCancelled());
    }

    [Test]
    public void ATokenCancelsWithoutACallback()
    {
        using var cts = new CancellationTokenSource();
        var root = new ProgressReporter(null, 4, token: cts.Token);
        root.Advance();
        cts.Cancel();
        Assert.Throws<OperationCanceledException>(() => root.Slice(0, 1, 1, "").Advance());
    }
}
