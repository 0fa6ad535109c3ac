namespace StarPlugin.Threading;

/// <summary>
/// Items 0..count−1 run by one worker per core, each worker with scratch of its own made
/// once. Parallel.For's thread-local init runs once per task, and it starts tasks anew
/// as the pool grows and as they time out: per-task band buffers added up to 100 MB of
/// garbage on a 2048 × 16384 image, and 500 row buffers on a 33 Mpx census. Here the
/// workers pull items from a shared counter, so scratch is made at most once per worker.
/// Items may run in any order and on any worker; the body must not depend on either.
/// </summary>
public static class ParallelWorkers
{
    /// <summary>Runs <paramref name="body"/>(item, scratch) for every item, with <paramref name="scratch"/>() called once per worker.</summary>
    /// <param name="options">Parallelism and cancellation, as for Parallel.For: a cancelled token stops the workers before their next item.</param>
    public static void For<TScratch>(int count, Func<TScratch> scratch, Action<int, TScratch> body, ParallelOptions? options = null)
    {
        if (count <= 0) return;
        options ??= new ParallelOptions();
        int cores = options.MaxDegreeOfParallelism > 0 ? options.MaxDegreeOfParallelism : Environment.ProcessorCount;
        int workers = Math.Min(count, cores), next = -1;
        var token = options.CancellationToken;
        Parallel.For(0, workers, options, _ =>
        {
            var mine = scratch();
            for (int i = Interlocked.Increment(ref next); i < count && !token.IsCancellationRequested; i = Interlocked.Increment(ref next))
                body(i, mine);
        });
        token.ThrowIfCancellationRequested();
    }
}
