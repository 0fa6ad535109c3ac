namespace StarPlugin.Detection;

/// <summary>
/// The detector's measured stars as the band workers hand them in, held to the strongest
/// <c>max</c> (0: all) when a limit is set (<see cref="DetectionOptions.MaxSources"/>).
/// Strength is a total order (<see cref="StarDetector.Stronger(DetectedStar, DetectedStar)"/>:
/// S/N, then peak and width), so which stars are kept does not depend on the order the
/// bands arrive in. The list is cut back to <c>max</c> each time it holds a quarter as
/// many again; after the first cut the weakest kept is known, and anything weaker is
/// dropped on arrival, or not measured at all (<see cref="Rejects"/>). Memory: 1.25·max
/// stars at most, whatever the image holds.
/// </summary>
internal sealed class StrongestSources(int max)
{
    private readonly List<DetectedStar> _kept = [];
    // The weakest kept after a cut; null before the first. Read without the lock by
    // Rejects: a stale value is a weaker one, which only rejects less.
    private volatile DetectedStar? _weakest;

    /// <summary>Whether any star was dropped for the limit.</summary>
    public bool Limited { get; private set; }

    /// <summary>Whether a candidate of this S/N, peak and width would be dropped (it need not be measured).</summary>
    public bool Rejects(double snr, int row, int col, float width) =>
        _weakest is { } weakest && StarDetector.Stronger(snr, row, col, width, weakest) >= 0;

    /// <summary>Adds one band's stars; thread-safe.</summary>
    public void Add(IEnumerable<DetectedStar> stars)
    {
        lock (_kept)
        {
            var weakest = _weakest;
            foreach (var s in stars)
                if (weakest == null || StarDetector.Stronger(s, weakest) < 0) _kept.Add(s);
                else Limited = true;
            // In long: a limit near int.MaxValue must not wrap into a cut after every band.
            if (max > 0 && _kept.Count >= max + Math.Max(1L, max / 4) && Cut()) _weakest = _kept[^1];
        }
    }

    /// <summary>The stars kept, the strongest <c>max</c> of all added (in no particular order); the list is the caller's.</summary>
    public List<DetectedStar> Take()
    {
        lock (_kept)
        {
            if (max > 0) Cut();
            return _kept;
        }
    }

    /// <summary>Keeps the strongest <c>max</c>, strongest first; whether any was dropped.</summary>
    private bool Cut()
    {
        if (_kept.Count <= max) return false;
        _kept.Sort(StarDetector.Stronger);
        _kept.RemoveRange(max, _kept.Count - max);
        Limited = true;
        return true;
    }
}
