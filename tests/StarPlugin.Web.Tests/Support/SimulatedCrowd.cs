using StarPlugin.Web.Storage;

namespace StarPlugin.Web.Tests.Support;

/// <summary>
/// The simulated crowd project of the crowd tests: 2000 images (200 training, half of them
/// lenses; 1800 unknown, 10 % of them hidden lenses) and 200 volunteers of mixed skill.
/// </summary>
public sealed class SimulatedCrowd
{
    /// <summary>200 people from one address: per-address and per-person limits lifted; prior = the share of lenses among the unknown images; Space Warps' thresholds.</summary>
    public static Dictionary<string, string?> Settings() => new()
    {
        ["signup-limit"] = "100000", ["login-limit"] = "100000", ["classify-rate"] = "100000", ["classify-burst"] = "100000",
        ["prior"] = "0.1", ["reject"] = "1e-7", ["detect"] = "0.95",
    };

    /// <summary>P("lens"|lens), P("not"|not) per volunteer: 40 experts, 100 ordinary, 45 random clickers, 15 contrarians.</summary>
    public static readonly IReadOnlyList<(double PL, double PD)> People = Enumerable.Range(0, 200).Select(i => i switch
    {
        < 40 => (0.92, 0.96),
        < 140 => (0.75, 0.85),
        < 185 => (0.5, 0.5),
        _ => (0.3, 0.35),
    }).ToList();

    public required IReadOnlyDictionary<long, Subject> Subjects { get; init; }
    /// <summary>The truth of each unknown image, by key, which the server never sees.</summary>
    public required IReadOnlyDictionary<string, int> Hidden { get; init; }

    public int Truth(long id) => Subjects[id].Truth is 0 or 1 ? Subjects[id].Truth : Hidden[Subjects[id].Key];

    public static async Task<SimulatedCrowd> BuildAsync(LensFinderFactory f)
    {
        var rng = new Random(2016);
        var keys = new List<(string, int)>();
        var hidden = new Dictionary<string, int>();
        for (int i = 0; i < 1800; i++) { string k = $"u{i}"; hidden[k] = rng.NextDouble() < 0.1 ? 1 : 0; keys.Add((k, -1)); }
        for (int i = 0; i < 200; i++) keys.Add(($"t{i}", i % 2));
        await Projects.AddBareSubjectsAsync(f.State.Store, f.State.Folder, f.State.Settings, keys);
        var subjects = (await f.State.Store.ListSubjectsAsync(null, 5000, 0)).ToDictionary(s => s.Id);
        return new SimulatedCrowd { Subjects = subjects, Hidden = hidden };
    }

    /// <summary>The best recall over cuts down the posterior ranking whose purity stays ≥ the given purity (cuts only between different scores).</summary>
    public static double CompletenessAtPurity(IReadOnlyList<(double Score, int Label)> scored, double purity)
    {
        var ranked = scored.OrderByDescending(s => s.Score).ToList();
        int lenses = ranked.Count(s => s.Label == 1), found = 0;
        double best = 0;
        for (int k = 0; k < ranked.Count; k++)
        {
            if (ranked[k].Label == 1) found++;
            if (k + 1 < ranked.Count && ranked[k + 1].Score == ranked[k].Score) continue;
            if ((double)found / (k + 1) >= purity) best = Math.Max(best, (double)found / lenses);
        }
        return best;
    }
}
