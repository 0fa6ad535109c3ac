namespace StarPlugin.Detection;

/// <summary>
/// Stars bucketed in square cells, for "is one closer than d" queries without a scan of
/// the whole list: the detector's duplicate merge and the cleanup's two-scale merge.
/// </summary>
internal sealed class StarGrid(double cell, int capacity = 0)
{
    // Each cell's stars as a chain through _next (from the last added), not a list per
    // cell: at one-pixel cells nearly every star has a cell of its own, and a list per
    // star took about 100 bytes each (25 MB on a crowded 67 Mpx field).
    private readonly Dictionary<(int, int), int> _head = new(capacity);
    private readonly List<DetectedStar> _stars = new(capacity);
    private readonly List<int> _next = new(capacity);

    public void Add(DetectedStar s)
    {
        var key = ((int)Math.Floor(s.X / cell), (int)Math.Floor(s.Y / cell));
        _next.Add(_head.TryGetValue(key, out int head) ? head : -1);
        _head[key] = _stars.Count;
        _stars.Add(s);
    }

    /// <summary>Whether a star lies closer than <paramref name="d"/> to (x, y).</summary>
    public bool AnyWithin(double x, double y, double d)
    {
        int reach = (int)Math.Ceiling(d / cell), cx = (int)Math.Floor(x / cell), cy = (int)Math.Floor(y / cell);
        for (int gy = cy - reach; gy <= cy + reach; gy++)
            for (int gx = cx - reach; gx <= cx + reach; gx++)
                if (_head.TryGetValue((gx, gy), out int i))
                    for (; i >= 0; i = _next[i])
                    {
                        var s = _stars[i];
                        if ((s.X - x) * (s.X - x) + (s.Y - y) * (s.Y - y) < d * d) return true;
                    }
        return false;
    }
}
