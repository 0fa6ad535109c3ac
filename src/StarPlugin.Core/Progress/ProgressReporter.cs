namespace StarPlugin.Progress;

/// <summary>
/// Progress sink for long work. Returning false from the callback asks the work to
/// stop; the C ABI maps its "cancel" return onto this, the CLI onto Ctrl+C.
/// Fraction is in [0,1]. Calls may come from worker threads, one at a time.
/// </summary>
public delegate bool ProgressCallback(double fraction, string stage);

/// <summary>Thread-safe wrapper that counts units of work and forwards fractions.</summary>
public sealed class ProgressReporter
{
    private readonly ProgressCallback? _callback;
    private readonly CancellationToken _token;
    private readonly object _gate = new();
    private readonly double _start, _span;
    private long _done;
    private readonly long _total;
    private volatile bool _cancelled;
    private string _stage;

    public ProgressReporter(ProgressCallback? callback, long totalUnits, string stage = "", CancellationToken token = default, double start = 0, double span = 1)
    {
        _callback = callback;
        _total = Math.Max(1, totalUnits);
        _stage = stage;
        _token = token;
        _start = start;
        _span = span;
    }

    public static ProgressReporter None { get; } = new(null, 1);

    public bool IsCancelled => _cancelled || _token.IsCancellationRequested;

    /// <summary>Throws <see cref="OperationCanceledException"/> if the user asked to stop.</summary>
    public void ThrowIfCancelled()
    {
        if (IsCancelled) throw new OperationCanceledException("cancelled by the progress callback");
    }

    public void Advance(long units = 1)
    {
        long done = Interlocked.Add(ref _done, units);
        Report(Math.Min(1.0, (double)done / _total));
    }

    public void SetStage(string stage) { _stage = stage; Report((double)Interlocked.Read(ref _done) / _total); }

    private void Report(double fraction)
    {
        if (_callback == null) { ThrowIfCancelled(); return; }
        lock (_gate)
        {
            if (!_callback(_start + _span * fraction, _stage)) _cancelled = true;
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
        new(_callback == null ? null : (f, s) => { lock (_gate) { bool ok = _callback(f, s); if (!ok) _cancelled = true; return ok; } },
            units, stage, _token, _start + _span * from, _span * (to - from));
}
