namespace StarPlugin.Evaluation;

/// <summary>Result of matching a catalogue against truth one-to-one.</summary>
public sealed record MatchResult(int TruthCount, int DetectedCount, int Matched, double MedianCentroidError, IReadOnlyList<(int Truth, int Detected, double Distance)> Pairs)
{
    public double Recall => TruthCount == 0 ? 0 : (double)Matched / TruthCount;
    public double Precision => DetectedCount == 0 ? 0 : (double)Matched / DetectedCount;
    public double F1 => Recall + Precision == 0 ? 0 : 2 * Recall * Precision / (Recall + Precision);
}

/// <summary>
/// One-to-one matching of detections to true positions within a radius: all pairs
/// closer than the radius, taken greedily from the closest, each side used once.
/// </summary>
public static class CatalogMatcher
{
    public static MatchResult Match(IReadOnlyList<(double X, double Y)> truth, IReadOnlyList<(double X, double Y)> detected, double radius)
    {
        if (!(radius > 0)) throw new ArgumentException("match radius must be positive");
        var grid = new Dictionary<(long, long), List<int>>();
        for (int j = 0; j < detected.Count; j++)
        {
            var key = ((long)Math.Floor(detected[j].X / radius), (long)Math.Floor(detected[j].Y / radius));
            if (!grid.TryGetValue(key, out var l)) grid[key] = l = [];
            l.Add(j);
        }
        var pairs = new List<(int T, int D, double Dist)>();
        for (int i = 0; i < truth.Count; i++)
        {
            long gx = (long)Math.Floor(truth[i].X / radius), gy = (long)Math.Floor(truth[i].Y / radius);
            for (long dy = -1; dy <= 1; dy++)
                for (long dx = -1; dx <= 1; dx++)
                    if (grid.TryGetValue((gx + dx, gy + dy), out var l))
                        foreach (int j in l)
                        {
                            double d = Math.Sqrt((truth[i].X - detected[j].X) * (truth[i].X - detected[j].X) + (truth[i].Y - detected[j].Y) * (truth[i].Y - detected[j].Y));
                            if (d <= radius) pairs.Add((i, j, d));
                        }
        }
        pairs.Sort((a, b) => a.Dist.CompareTo(b.Dist));
        var usedT = new bool[truth.Count]; var usedD = new bool[detected.Count];
        var matched = new List<(int, int, double)>();
        foreach (var (t, d, dist) in pairs)
        {
            if (usedT[t] || usedD[d]) continue;
            usedT[t] = usedD[d] = true;
            matched.Add((t, d, dist));
        }
        var errors = matched.Select(m => m.Item3).OrderBy(v => v).ToArray();
        double median = errors.Length == 0 ? double.NaN : errors.Length % 2 == 1 ? errors[errors.Length / 2] : (errors[errors.Length / 2 - 1] + errors[errors.Length / 2]) / 2;
        return new MatchResult(truth.Count, detected.Count, matched.Count, median, matched);
    }
}
