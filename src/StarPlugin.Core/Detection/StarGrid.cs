namespace StarPlugin.Detection;

/// <summary>
/// Stars bucketed in square cells, for "is one closer than d" queries without a scan of
/// the whole list: the detector's duplicate merge and the cleanup's two-scale merge.
/// </summary>
internal sealed class StarGrid(double cell)
{
    private readonly Dictionary<(int, int), List<DetectedStar>> _cells = [];

    public void Add(DetectedStar s)
    {
        var key = ((int)Math.Floor(s.X / cell), (int)Math.Floor(s.Y / cell));
        if (!_cells.TryGetValue(key, out var list)) _cells[key] = list = [];
        list.Add(s);
    }

    /// <summary>Whether a star lies closer than <paramref name="d"/> to (x, y).</summary>
    public bool AnyWithin(double x, double y, double d)
    {
        int reach = (int)Math.Ceiling(d / cell), cx = (int)Math.Floor(x / cell), cy = (int)Math.Floor(y / cell);
        for (int gy = cy - reach; gy <= cy + reach; gy++)
            for (int gx = cx - reach; gx <= cx + reach; gx++)
                if (_cells.TryGetValue((gx, gy), out var list))
                    foreach (var s in list)
                        if ((s.X - x) * (s.X - x) + (s.Y - y) * (s.Y - y) < d * d) return true;
        return false;
    }
}
