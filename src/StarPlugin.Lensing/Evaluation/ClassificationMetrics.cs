namespace StarPlugin.Evaluation;

/// <summary>Confusion matrix and the scores derived from it; positive = lens (label 1).</summary>
public sealed record ClassificationMetrics(int TruePositives, int FalsePositives, int TrueNegatives, int FalseNegatives, double? RocAuc)
{
    public int Total => TruePositives + FalsePositives + TrueNegatives + FalseNegatives;
    public double Accuracy => Total == 0 ? 0 : (double)(TruePositives + TrueNegatives) / Total;
    public double Precision => TruePositives + FalsePositives == 0 ? 0 : (double)TruePositives / (TruePositives + FalsePositives);
    public double Recall => TruePositives + FalseNegatives == 0 ? 0 : (double)TruePositives / (TruePositives + FalseNegatives);
    public double F1 => Precision + Recall == 0 ? 0 : 2 * Precision * Recall / (Precision + Recall);

    /// <summary>
    /// Scores labels (0/1) or scores against truth (0/1; -1 = unknown, skipped). With
    /// scores, a prediction is positive when score ≥ threshold, and ROC AUC is computed.
    /// </summary>
    public static ClassificationMetrics Compute(IReadOnlyList<int> truth, IReadOnlyList<double> predicted, double threshold = 0.5, bool predictedAreScores = false)
    {
        if (truth.Count != predicted.Count) throw new ArgumentException("truth and predictions differ in length");
        int tp = 0, fp = 0, tn = 0, fn = 0;
        var scored = new List<(double Score, int Label)>();
        for (int i = 0; i < truth.Count; i++)
        {
            if (truth[i] is not (0 or 1)) continue;
            bool pos = predictedAreScores ? predicted[i] >= threshold : predicted[i] >= 0.5;
            if (truth[i] == 1) { if (pos) tp++; else fn++; } else { if (pos) fp++; else tn++; }
            scored.Add((predicted[i], truth[i]));
        }
        return new ClassificationMetrics(tp, fp, tn, fn, predictedAreScores ? RocCurve.Auc(scored) : null);
    }
}

/// <summary>ROC and precision-recall curves from scores.</summary>
public static class RocCurve
{
    /// <summary>Area under the ROC curve: the probability that a random positive outscores a random negative (ties count half).</summary>
    public static double? Auc(IReadOnlyList<(double Score, int Label)> scored)
    {
        int pos = scored.Count(s => s.Label == 1), neg = scored.Count(s => s.Label == 0);
        if (pos == 0 || neg == 0) return null;
        // Rank-sum (Mann-Whitney U) with average ranks for ties.
        var sorted = scored.OrderBy(s => s.Score).ToArray();
        double rankSum = 0;
        for (int i = 0; i < sorted.Length;)
        {
            int j = i;
            while (j < sorted.Length && sorted[j].Score == sorted[i].Score) j++;
            double avgRank = (i + 1 + j) / 2.0;
            for (int k = i; k < j; k++) if (sorted[k].Label == 1) rankSum += avgRank;
            i = j;
        }
        return (rankSum - pos * (pos + 1) / 2.0) / ((double)pos * neg);
    }

    /// <summary>(false-positive rate, true-positive rate) points from the highest threshold down.</summary>
    public static List<(double Fpr, double Tpr)> Roc(IReadOnlyList<(double Score, int Label)> scored)
    {
        int pos = Math.Max(1, scored.Count(s => s.Label == 1)), neg = Math.Max(1, scored.Count(s => s.Label == 0));
        var pts = new List<(double, double)> { (0, 0) };
        int tp = 0, fp = 0;
        foreach (var group in scored.OrderByDescending(s => s.Score).GroupBy(s => s.Score))
        {
            foreach (var s in group) { if (s.Label == 1) tp++; else fp++; }
            pts.Add(((double)fp / neg, (double)tp / pos));
        }
        return pts;
    }

    /// <summary>(recall, precision) points from the highest threshold down.</summary>
    public static List<(double Recall, double Precision)> PrecisionRecall(IReadOnlyList<(double Score, int Label)> scored)
    {
        int pos = Math.Max(1, scored.Count(s => s.Label == 1));
        var pts = new List<(double, double)>();
        int tp = 0, n = 0;
        foreach (var group in scored.OrderByDescending(s => s.Score).GroupBy(s => s.Score))
        {
            foreach (var s in group) { n++; if (s.Label == 1) tp++; }
            pts.Add(((double)tp / pos, (double)tp / n));
        }
        return pts;
    }
}
