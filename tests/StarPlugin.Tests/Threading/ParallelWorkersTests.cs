using StarPlugin.Threading;

namespace StarPlugin.Tests.Threading;

public class ParallelWorkersTests
{
    private sealed class Scratch { public int Busy; }

    [Test]
    public void EveryItemRunsOnceAndScratchIsNeverShared()
    {
        const int count = 5000;
        var runs = new int[count];
        int made = 0, clashes = 0;
        ParallelWorkers.For(count, () => { Interlocked.Increment(ref made); return new Scratch(); }, (i, s) =>
        {
            if (Interlocked.Exchange(ref s.Busy, 1) != 0) Interlocked.Increment(ref clashes);
            Interlocked.Increment(ref runs[i]);
            Thread.SpinWait(50);
            Volatile.Write(ref s.Busy, 0);
        });
        Assert.That(runs, Is.All.EqualTo(1));
        Assert.That(clashes, Is.Zero, "two items at once on one worker's scratch");
        Assert.That(made, Is.InRange(1, Environment.ProcessorCount), "scratch once per worker, not per task");
    }

    [Test]
    public void NoItemsMakeNoScratch()
    {
        int made = 0, ran = 0;
        ParallelWorkers.For(0, () => ++made, (_, _) => ran++);
        ParallelWorkers.For(-3, () => ++made, (_, _) => ran++);
        Assert.That((made, ran), Is.EqualTo((0, 0)));
    }

    [Test]
    public void OneWorkerRunsTheItemsInOrder()
    {
        var order = new List<int>();
        int made = 0;
        ParallelWorkers.For(100, () => ++made, (i, _) => order.Add(i), new ParallelOptions { MaxDegreeOfParallelism = 1 });
        Assert.That(order, Is.EqualTo(Enumerable.Range(0, 100)));
        Assert.That(made, Is.EqualTo(1));
    }

    [Test]
    public void CancellationStopsTheWorkersAndThrows()
    {
        using var cts = new CancellationTokenSource();
        int ran = 0;
        Assert.Throws<OperationCanceledException>(() => ParallelWorkers.For(100_000, () => 0, (i, _) =>
        {
            if (Interlocked.Increment(ref ran) == 50) cts.Cancel();
        }, new ParallelOptions { CancellationToken = cts.Token }));
        Assert.That(ran, Is.LessThan(100_000));
    }

    [Test]
    public void AnItemsExceptionReachesTheCaller()
    {
        var e = Assert.Throws<AggregateException>(() => ParallelWorkers.For(10, () => 0, (i, _) => { if (i == 7) throw new InvalidDataException("seven"); }));
        Assert.That(e!.InnerExceptions.Single(), Is.TypeOf<InvalidDataException>());
    }
}
