using System.Globalization;
using StarPlugin.Evaluation;
using StarPlugin.Web.Storage;

namespace StarPlugin.Web.Project;

public sealed record RescoreResult(int Classifications, int Subjects, int Volunteers, int SubjectsDiffering, int VolunteersDiffering, double MaxPosteriorDifference,
    IReadOnlyDictionary<long, SubjectState> SubjectStates, IReadOnlyDictionary<long, AgentState> Agents);

/// <summary>
/// The offline recompute: every stored classification replayed in id order through the
/// SWAP engine that `eval crowd` runs (<see cref="SwapReplay"/>), compared number for
/// number with what the server computed online, and optionally written back (after the
/// prior or the thresholds changed).
/// </summary>
public static class Rescorer
{
    public static async Task<RescoreResult> RunAsync(ILensStore store, SwapSettings settings, bool write, CancellationToken ct = default)
    {
        settings.Validate();
        var rows = await store.AllClassificationsAsync(ct);
        var truth = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var r in rows) if (Labels.IsTraining(r.SubjectTruth)) truth[Key(r.SubjectId)] = r.SubjectTruth;
        var replay = SwapReplay.Run(rows.Select(r => new SwapVote(Key(r.VolunteerId), Key(r.SubjectId), r.Label)), truth, settings);

        var unknown = new List<Subject>();
        for (int off = 0; ; off += 5000)
        {
            var page = await store.ListSubjectsAsync(Labels.Unknown, 5000, off, ct);
            unknown.AddRange(page);
            if (page.Count < 5000) break;
        }
        var subjects = unknown.ToDictionary(s => s.Id, s => replay.Subjects.TryGetValue(Key(s.Id), out var st) ? st : SubjectState.New(settings));
        var volunteers = await store.ListVolunteersAsync(ct);
        var agents = volunteers.ToDictionary(v => v.Id, v => replay.Agents.GetValueOrDefault(Key(v.Id)));

        int subjectDiff = 0; double maxDiff = 0;
        foreach (var s in unknown)
        {
            var st = subjects[s.Id];
            if (st != s.State) subjectDiff++;
            maxDiff = Math.Max(maxDiff, Math.Abs(st.Posterior - s.State.Posterior));
        }
        int volunteerDiff = volunteers.Count(v => agents[v.Id] != v.Agent);
        if (write) await store.WriteScoresAsync(subjects, agents, ct);
        return new RescoreResult(rows.Count, unknown.Count, volunteers.Count, subjectDiff, volunteerDiff, maxDiff, subjects, agents);
    }

    private static string Key(long id) => id.ToString(CultureInfo.InvariantCulture);
}
