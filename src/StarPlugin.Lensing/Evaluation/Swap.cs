namespace StarPlugin.Evaluation;

/// <summary>
/// Settings of the SWAP consensus (Marshall et al. 2016). The prior is the fraction of
/// lenses expected among unknown images; an image retires as "not a lens" when its
/// posterior falls below <see cref="RejectThreshold"/> and as a candidate when it rises
/// above <see cref="DetectThreshold"/>. 0 and 1 turn retirement off.
/// </summary>
public sealed record SwapSettings(double Prior = 2e-4, double RejectThreshold = 1e-7, double DetectThreshold = 0.95)
{
    public static SwapSettings NoRetirement(double prior) => new(prior, 0, 1);

    public void Validate()
    {
        if (!(Prior > 0 && Prior < 1)) throw new ArgumentException("prior must be in (0, 1)");
        if (!(RejectThreshold >= 0 && RejectThreshold < Prior)) throw new ArgumentException("the reject threshold must be in [0, prior)");
        if (!(DetectThreshold > Prior && DetectThreshold <= 1)) throw new ArgumentException("the detect threshold must be in (prior, 1]");
    }
}

/// <summary>Where an image stands in the queue.</summary>
public enum SubjectStatus { Active = 0, RetiredNotLens = 1, RetiredLens = 2 }

/// <summary>
/// One classifier's confusion matrix as counts on training images: a volunteer, a guest
/// or a machine classifier (which enters the consensus the same way, with its own
/// matrix). P("lens"|lens) and P("not"|not) carry a Beta(1, 1) prior, so a newcomer
/// starts at 0.5/0.5 and moves nothing.
/// </summary>
public readonly record struct AgentState(int LensSeen, int LensSaidLens, int NotSeen, int NotSaidNot)
{
    public double PLens => (LensSaidLens + 1.0) / (LensSeen + 2.0);
    public double PNotLens => (NotSaidNot + 1.0) / (NotSeen + 2.0);
    public int TrainingVotes => LensSeen + NotSeen;

    /// <summary>Learns from one answer on a training image of known truth (0 or 1).</summary>
    public AgentState Learn(int truth, int vote) => truth switch
    {
        1 => this with { LensSeen = LensSeen + 1, LensSaidLens = LensSaidLens + (vote == 1 ? 1 : 0) },
        0 => this with { NotSeen = NotSeen + 1, NotSaidNot = NotSaidNot + (vote == 0 ? 1 : 0) },
        _ => throw new ArgumentException("training truth must be 0 or 1"),
    };

    /// <summary>
    /// Information per decision in bits: the mutual information between this classifier's
    /// answer and the truth when lenses and non-lenses are equally likely (Marshall et al.
    /// 2016's skill). 0 for a random voter, 1 for a perfect one.
    /// </summary>
    public double BitsPerDecision
    {
        get
        {
            double pl = PLens, pd = PNotLens;
            double saysLens = 0.5 * pl + 0.5 * (1 - pd), saysNot = 1 - saysLens;
            static double Term(double joint, double marginal) => joint <= 0 ? 0 : joint * Math.Log2(joint / (0.5 * marginal));
            return Term(0.5 * pl, saysLens) + Term(0.5 * (1 - pl), saysNot) + Term(0.5 * (1 - pd), saysLens) + Term(0.5 * pd, saysNot);
        }
    }
}

/// <summary>An unknown image's consensus: its lens probability, vote count and status.</summary>
public readonly record struct SubjectState(double Posterior, int Votes, SubjectStatus Status)
{
    public static SubjectState New(SwapSettings s) => new(s.Prior, 0, SubjectStatus.Active);
}

/// <summary>
/// The SWAP update, the one engine behind the web platform's online scores, `lensfinder
/// rescore` and `eval crowd`. Every classification is applied in order: on a training
/// image it updates the classifier's confusion matrix; on an unknown image it updates the
/// image's posterior by Bayes' rule with the classifier's matrix at that moment:
///   "lens": p ← P_L·p / (P_L·p + (1 − P_D)(1 − p))
///   "not":  p ← (1 − P_L)·p / ((1 − P_L)·p + P_D(1 − p))
/// A retired image keeps its posterior: later votes are stored but change nothing.
/// Two classifications commute unless they share the classifier or the image, so any
/// order that keeps each classifier's and each image's own order gives the same numbers.
/// </summary>
public static class SwapRules
{
    public static SubjectState Update(SubjectState s, AgentState a, int vote, SwapSettings settings)
    {
        if (vote is not (0 or 1)) throw new ArgumentException("vote must be 0 or 1");
        if (s.Status != SubjectStatus.Active) return s with { Votes = s.Votes + 1 };
        double p = s.Posterior, pl = a.PLens, pd = a.PNotLens;
        p = vote == 1 ? pl * p / (pl * p + (1 - pd) * (1 - p)) : (1 - pl) * p / ((1 - pl) * p + pd * (1 - p));
        p = Math.Clamp(p, 1e-300, 1 - 1e-16);
        var status = p < settings.RejectThreshold ? SubjectStatus.RetiredNotLens
            : p > settings.DetectThreshold ? SubjectStatus.RetiredLens : SubjectStatus.Active;
        return new SubjectState(p, s.Votes + 1, status);
    }
}

/// <summary>A classification as the engine sees it: who, which image, the answer.</summary>
public readonly record struct SwapVote(string Agent, string Subject, int Label);

/// <summary>
/// Replays classifications in order through <see cref="SwapRules"/>: the offline
/// recompute. Training images are those with a known truth (0 or 1).
/// </summary>
public sealed class SwapReplay(SwapSettings settings, IReadOnlyDictionary<string, int> truth)
{
    public Dictionary<string, AgentState> Agents { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, SubjectState> Subjects { get; } = new(StringComparer.Ordinal);
    public SwapSettings Settings { get; } = settings;

    public void Apply(SwapVote v)
    {
        var agent = Agents.GetValueOrDefault(v.Agent);
        if (truth.TryGetValue(v.Subject, out int t) && t is 0 or 1)
        {
            Agents[v.Agent] = agent.Learn(t, v.Label);
            return;
        }
        var subject = Subjects.TryGetValue(v.Subject, out var s) ? s : SubjectState.New(Settings);
        Subjects[v.Subject] = SwapRules.Update(subject, agent, v.Label, Settings);
    }

    public static SwapReplay Run(IEnumerable<SwapVote> votes, IReadOnlyDictionary<string, int> truth, SwapSettings settings)
    {
        settings.Validate();
        var r = new SwapReplay(settings, truth);
        foreach (var v in votes) r.Apply(v);
        return r;
    }
}
