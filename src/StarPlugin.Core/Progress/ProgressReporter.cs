namespace StarPlugin.Progress;

/// <summary>
/// Progress sink for long work. Returning false from the callback asks the work to
/// stop; the C ABI maps its "cancel" return onto this, the CLI onto Ctrl+C.
/// Fraction is in [0,1]. Calls may come from worker threads, one at a time.
/// </summary>
public delegate bool ProgressCallback(double fraction, string stage);

/// <summary>
/// Thread-safe wrapper that counts units of work and forwards fractions. A reporter and
/// all its slices share one sink, so the host sees one call at a time, fractions that
/// never go back, and one cancelled flag.
/// </summary>
public sealed class ProgressReporter
{
    /// <summary>What a reporter tree shares: the host's callback, its lock, the last fraction sent, and cancellation.</summary>
    private sealed class Sink(ProgressCallback? callback, CancellationToken token)
    {
        public readonly ProgressCallback? Callback = callback;
        public readonly CancellationToken Token = token;
        public readonly object Gate = new();
        public double Last;
        public volatile bool Cancelled;
    }

    private readonly Sink _sink;
    private readonly double _start, _span;
    private long _done;
    private readonly long _total;
    private string _stage;

    public ProgressReporter(ProgressCallback? callback, long totalUnits, string stage = "", CancellationToken token = default)
        : this(new Sink(callback, token), totalUnits, stage, 0, 1) { }

    private ProgressReporter(Sink sink, long totalUnits, string stage, double start, double span)
    {
        _sink = sink;
        _total = Math.Max(1, totalUnits);
        _stage = stage;
        _start = start;
        _span = span;
    }

    public static ProgressReporter None { get; } = new(null, 1);

    public bool IsCancelled => _sink.Cancelled || _sink.Token.IsCancellationRequested;

    /// <summary>Throws <see cref="OperationCanceledException"/> if the user asked to stop.</summary>
    public void ThrowIfCancelled()
    {
        if (IsCancelled) throw new OperationCanceledException("cancelled by the progress callback");
    }

    public void Advance(long units = 1)
    {
        Interlocked.Add(ref _done, units);
        Report();
    }

    public void SetStage(string stage) { _stage = stage; Report(); }

    /// <summary>
    /// Reports this reporter's stage now, at its start. A stage that reports only when it
    /// is done showed the host the stage before it for its whole run (and timed its work
    /// as that stage's).
    /// </summary>
    public ProgressReporter Started() { Report(); return this; }

    /// <summary>
    /// Sends this reporter's count. The count is read under the lock and the fraction
    /// is held to the last one sent: a worker that advanced first but reached the lock
    /// second would otherwise make the bar step back.
    /// </summary>
    private void Report(double? fraction = null)
    {
        var sink = _sink;
        if (sink.Callback != null)
        {
            lock (sink.Gate)
            {
                double f = fraction ?? Math.Min(1.0, (double)Interlocked.Read(ref _done) / _total);
                double overall = Math.Max(sink.Last, _start + _span * f);
                sink.Last = overall;
                if (!sink.Callback(overall, _stage)) sink.Cancelled = true;
            }
        }
        ThrowIfCancelled();
    }

    /// <summary>This reporter as a callback for work that reports fractions itself (detection inside removal).</summary>
    public ProgressCallback AsCallback() => (fraction, _) =>
    {
        try { Report(Math.Clamp(fraction, 0, 1)); return true; }
        catch (OperationCanceledException) { return false; }
    };

    /// <summary>A child reporter that maps its [0,1] onto a slice of this one.</summary>
    public ProgressReporter Slice(double from, double to, long units, string stage) =>
        new(_sink, units, stage, _start + _span * from, _span * (to - from));
}
