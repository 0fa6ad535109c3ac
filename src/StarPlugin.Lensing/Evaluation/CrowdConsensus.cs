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
/// Skill-weighted crowd consensus after Space Warps (Marshall et al. 2016), computed by
/// the SWAP engine (<see cref="SwapRules"/>) that the web platform runs online: votes are
/// applied in the order given; a vote on a gold image updates its volunteer's confusion
/// matrix (Beta(1,1) prior: P_L = P("lens" | lens), P_D = P("not" | not)), and a vote on
/// an unknown image moves the image's lens probability by Bayes' rule with the
/// volunteer's matrix at that moment. Skilled volunteers move it far, random ones not at
/// all, contrarians the other way.
/// </summary>
public static class CrowdConsensus
{
    public static (List<CandidateScore> Ranked, List<VolunteerSkill> Volunteers) Run(IReadOnlyList<Vote> votes, IReadOnlyDictionary<string, int> gold, double prior = 0.5) =>
        Run(votes, gold, SwapSettings.NoRetirement(prior));

    public static (List<CandidateScore> Ranked, List<VolunteerSkill> Volunteers) Run(IReadOnlyList<Vote> votes, IReadOnlyDictionary<string, int> gold, SwapSettings settings)
    {
        settings.Validate();
        var replay = new SwapReplay(settings, gold);
        var stats = new Dictionary<string, (int Correct, int N, int Tp, int Fp, int Fn, List<double> History)>(StringComparer.Ordinal);
        var yes = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var v in votes)
        {
            replay.Apply(new SwapVote(v.Volunteer, v.Image, v.Label));
            if (gold.TryGetValue(v.Image, out int truth))
            {
                if (truth is not (0 or 1)) continue;
                var (c, n, tp, fp, fn, h) = stats.TryGetValue(v.Volunteer, out var st) ? st : (0, 0, 0, 0, 0, new List<double>());
                n++;
                if (v.Label == truth) c++;
                if (truth == 1) { if (v.Label == 1) tp++; else fn++; } else if (v.Label == 1) fp++;
                h.Add((double)c / n);
                stats[v.Volunteer] = (c, n, tp, fp, fn, h);
            }
            else yes[v.Image] = yes.GetValueOrDefault(v.Image) + (v.Label == 1 ? 1 : 0);
        }
        var skills = stats.Select(kv =>
        {
            var a = replay.Agents[kv.Key];
            var (c, n, tp, fp, fn, h) = kv.Value;
            return new VolunteerSkill(kv.Key, n, n == 0 ? 0 : (double)c / n, 2.0 * tp / Math.Max(1, 2 * tp + fp + fn), a.PLens, a.PNotLens, h);
        }).OrderByDescending(s => s.Skill).ToList();
        var ranked = replay.Subjects.Select(kv => new CandidateScore(kv.Key, kv.Value.Posterior, kv.Value.Votes,
            kv.Value.Votes == 0 ? 0 : (double)yes.GetValueOrDefault(kv.Key) / kv.Value.Votes)).ToList();
        ranked.Sort((a, b) => b.Posterior != a.Posterior ? b.Posterior.CompareTo(a.Posterior) : b.MajorityFraction.CompareTo(a.MajorityFraction));
        return (ranked, skills);
    }
}
