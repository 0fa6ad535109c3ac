using StarPlugin.Evaluation;
using StarPlugin.Web.Storage;

namespace StarPlugin.Web.Project;

/// <summary>What importing a machine classifier's scores did.</summary>
public sealed record MachineImport(string Agent, double Threshold, int TrainingVotes, int UnknownVotes, int AlreadyVoted, int NotInProject, AgentState Skill);

/// <summary>
/// A machine classifier (the lens finder's scores) as a voter of the platform: an account
/// of its own whose votes (score ≥ threshold → "lens") go through the same store and SWAP
/// update as a volunteer's. It votes on the training images first, so its confusion
/// matrix is measured there like anyone's, then on the unknown images, where each vote
/// moves the posterior with that skill. The queue then brings the images it found likely
/// to people first. `lensfinder rescore` replays its votes like every other.
/// </summary>
public sealed class MachineVotes(ILensStore store)
{
    /// <summary>
    /// The threshold when none is given: the score that 1 % of the project's scored
    /// non-lens training images exceed (its own known negatives), or 0.5 with fewer than 50.
    /// </summary>
    public static double DefaultThreshold(IReadOnlyList<double> negativeScores)
    {
        if (negativeScores.Count < 50) return 0.5;
        var sorted = negativeScores.OrderByDescending(s => s).ToArray();
        return sorted[(int)Math.Floor(0.01 * sorted.Length)];
    }

    public async Task<MachineImport> ImportAsync(string agentName, IReadOnlyDictionary<string, double> scores, double? threshold, SwapSettings settings, CancellationToken ct = default)
    {
        var subjects = new List<Subject>();
        for (int offset = 0; ; offset += 10000)
        {
            var page = await store.ListSubjectsAsync(null, 10000, offset, ct);
            subjects.AddRange(page);
            if (page.Count < 10000) break;
        }
        var scored = subjects.Where(s => scores.ContainsKey(s.Key)).ToList();
        double t = threshold ?? DefaultThreshold(scored.Where(s => s.Truth == Labels.NotLens).Select(s => scores[s.Key]).ToList());
        // Scores strictly above the threshold vote "lens": at the default, 1 % of known negatives or fewer.
        int Vote(Subject s) => scores[s.Key] > t ? 1 : 0;
        var agent = await store.FindVolunteerAsync(agentName, ct) ?? await store.CreateVolunteerAsync(agentName, null, Role.Volunteer, guest: false, ct);
        int training = 0, unknown = 0, already = 0;
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        AgentState skill = agent.Agent;
        // Training images first: the machine's matrix is measured before its votes count.
        foreach (var s in scored.OrderBy(s => s.IsTraining ? 0 : 1).ThenBy(s => s.Id))
        {
            if (await store.HasClassifiedAsync(agent.Id, s.Id, ct)) { already++; continue; }
            var o = await store.ClassifyAsync(new NewClassification(agent.Id, s.Id, Vote(s), null, null, null, now), settings, ct);
            skill = o.Agent;
            if (s.IsTraining) training++; else unknown++;
        }
        return new MachineImport(agentName, t, training, unknown, already, scores.Count - scored.Count, skill);
    }
}
