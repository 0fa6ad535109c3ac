namespace StarPlugin.Evaluation;

/// <summary>One volunteer's classification: vote 1 = "lens", 0 = "not a lens".</summary>
public readonly record struct Vote(string Volunteer, string Image, int Label);

/// <summary>A volunteer's skill, learnt from their votes on gold images of known label.</summary>
public sealed record VolunteerSkill(string Volunteer, int GoldVotes, double Accuracy, double F1, double PLens, double PNotLens,
    IReadOnlyList<double> AccuracyHistory)
{
    /// <summary>Youden's J = P("lens"|lens) + P("not"|not) − 1: 0 for a random voter, 1 for a perfect one, negative for a contrarian.</summary>
    public double Skill => PLens + PNotLens - 1;
}

public sealed record CandidateScore(string Image, double Posterior, int Votes, double MajorityFraction);

/// <summary>
/// Skill-weighted crowd consensus after Space Warps (Marshall et al. 2016). Each
/// volunteer k has a confusion matrix estimated from gold images with a Beta(1,1)
/// prior: P_L = P("lens" | lens), P_D = P("not" | not). An image's probability of
/// being a lens starts at the prior and is updated by Bayes' rule with every vote:
///   "lens": p ← P_L·p / (P_L·p + (1 − P_D)(1 − p))
///   "not":  p ← (1 − P_L)·p / ((1 − P_L)·p + P_D(1 − p))
/// Skilled volunteers move it far, random ones not at all, contrarians the other way.
/// </summary>
public static class CrowdConsensus
{
    public static (List<CandidateScore> Ranked, List<VolunteerSkill> Volunteers) Run(IReadOnlyList<Vote> votes, IReadOnlyDictionary<string, int> gold, double prior = 0.5)
    {
        if (!(prior > 0 && prior < 1)) throw new ArgumentException("prior must be in (0, 1)");
        var skills = new Dictionary<string, VolunteerSkill>(StringComparer.Ordinal);
        foreach (var g in votes.Where(v => gold.ContainsKey(v.Image)).GroupBy(v => v.Volunteer, StringComparer.Ordinal))
        {
            int ll = 0, l = 0, dd = 0, d = 0, correct = 0, n = 0, tp = 0, fp = 0, fn = 0;
            var history = new List<double>();
            foreach (var v in g)
            {
                int truth = gold[v.Image];
                if (truth is not (0 or 1)) continue;
                n++;
                if (truth == 1) { l++; if (v.Label == 1) { ll++; tp++; } else fn++; }
                else { d++; if (v.Label == 0) dd++; else fp++; }
                if (v.Label == truth) correct++;
                history.Add((double)correct / n);
            }
            double f1 = 2.0 * tp / Math.Max(1, 2 * tp + fp + fn);
            skills[g.Key] = new VolunteerSkill(g.Key, n, n == 0 ? 0 : (double)correct / n, f1, (ll + 1.0) / (l + 2.0), (dd + 1.0) / (d + 2.0), history);
        }
        var unknownSkill = (PL: 0.5, PD: 0.5);
        var ranked = new List<CandidateScore>();
        foreach (var img in votes.Where(v => !gold.ContainsKey(v.Image)).GroupBy(v => v.Image, StringComparer.Ordinal))
        {
            double p = prior;
            int yes = 0, count = 0;
            foreach (var v in img)
            {
                var (pl, pd) = skills.TryGetValue(v.Volunteer, out var s) ? (s.PLens, s.PNotLens) : unknownSkill;
                p = v.Label == 1 ? pl * p / (pl * p + (1 - pd) * (1 - p)) : (1 - pl) * p / ((1 - pl) * p + pd * (1 - p));
                p = Math.Clamp(p, 1e-300, 1 - 1e-16);
                count++; if (v.Label == 1) yes++;
            }
            ranked.Add(new CandidateScore(img.Key, p, count, count == 0 ? 0 : (double)yes / count));
        }
        ranked.Sort((a, b) => b.Posterior != a.Posterior ? b.Posterior.CompareTo(a.Posterior) : b.MajorityFraction.CompareTo(a.MajorityFraction));
        return (ranked, skills.Values.OrderByDescending(s => s.Skill).ToList());
    }
}
