using System.Net;
using StarPlugin.Evaluation;
using StarPlugin.Web.Tests.Support;

namespace StarPlugin.Web.Tests.Engine;

/// <summary>
/// A simulated crowd through the HTTP API: 200 volunteers of known, mixed skill classify
/// a project of 2000 images (200 training, 1800 to search, 10 % of them lenses the server
/// does not know about). The posteriors must rank the lenses with ROC AUC ≥ 0.95 and reach
/// 90 % completeness at 30 % purity (Space Warps' stage-1 figure).
/// </summary>
[TestFixture]
public class CrowdSimulationTests
{
    [Test]
    public async Task TwoHundredVolunteersFindTheLensesInTwoThousandImages()
    {
        string dir = TestData.TempDir("crowd");
        var settings = new Dictionary<string, string?>
        {
            // The test plays 200 people from one address: lift the per-address and per-person limits.
            ["signup-limit"] = "100000", ["login-limit"] = "100000", ["classify-rate"] = "100000", ["classify-burst"] = "100000",
            // Prior = the share of lenses among the unknown images here; Space Warps' thresholds.
            ["prior"] = "0.1", ["reject"] = "1e-7", ["detect"] = "0.95",
        };
        using var f = new LensFinderFactory(dir, settings);
        _ = f.Server;
        var rng = new Random(2016);
        var keys = new List<(string, int)>();
        var hidden = new Dictionary<string, int>();
        for (int i = 0; i < 1800; i++) { string k = $"u{i}"; hidden[k] = rng.NextDouble() < 0.1 ? 1 : 0; keys.Add((k, -1)); }
        for (int i = 0; i < 200; i++) keys.Add(($"t{i}", i % 2));
        await Projects.AddBareSubjectsAsync(f.State.Store, f.State.Folder, f.State.Settings, keys);
        var subjects = (await f.State.Store.ListSubjectsAsync(null, 5000, 0)).ToDictionary(s => s.Id);
        int Truth(long id) => subjects[id].Truth is 0 or 1 ? subjects[id].Truth : hidden[subjects[id].Key];

        // Mixed skill: experts, ordinary volunteers, random clickers and a few contrarians.
        var people = Enumerable.Range(0, 200).Select(i => i switch
        {
            < 40 => (PL: 0.92, PD: 0.96),
            < 140 => (PL: 0.75, PD: 0.85),
            < 185 => (PL: 0.5, PD: 0.5),
            _ => (PL: 0.3, PD: 0.35),
        }).ToList();
        const int PerVolunteer = 100;
        var who = new System.Collections.Concurrent.ConcurrentDictionary<long, int>();
        await Parallel.ForEachAsync(Enumerable.Range(0, 200), new ParallelOptions { MaxDegreeOfParallelism = 12 }, async (v, _) =>
        {
            using var c = f.Client();
            who[(await c.GuestAsync()).GetProperty("id").GetInt64()] = v;
            var vr = new Random(v * 7919 + 1);
            var (pl, pd) = people[v];
            for (int i = 0; i < PerVolunteer; i++)
            {
                var next = await c.NextAsync();
                if (next is null) break;
                long id = next.Value.GetProperty("subject_id").GetInt64();
                int t = Truth(id);
                int label = t == 1 ? (vr.NextDouble() < pl ? 1 : 0) : (vr.NextDouble() < pd ? 0 : 1);
                var r = await c.PostAsync("/api/classifications", new { subject_id = id, label });
                Assert.That(r.StatusCode, Is.EqualTo(HttpStatusCode.Created));
            }
        });

        var unknown = await f.State.Store.ListSubjectsAsync(-1, 5000, 0);
        var scored = unknown.Select(s => (Score: s.State.Posterior, Label: hidden[s.Key])).ToList();
        // ROC AUC by counting pairs (independent of RocCurve): P(lens outranks non-lens), ties half.
        var lens = scored.Where(s => s.Label == 1).Select(s => s.Score).ToArray();
        var not = scored.Where(s => s.Label == 0).Select(s => s.Score).OrderBy(x => x).ToArray();
        double wins = 0;
        foreach (double l in lens)
        {
            int below = LowerBound(not, l), upTo = UpperBound(not, l);
            wins += below + 0.5 * (upTo - below);
        }
        double auc = wins / ((double)lens.Length * not.Length);
        // Completeness at purity ≥ 30 %: the best recall over cuts down the ranked list whose purity stays ≥ 0.3.
        var ranked = scored.OrderByDescending(s => s.Score).ToList();
        int found = 0; double bestCompleteness = 0;
        for (int k = 0; k < ranked.Count; k++)
        {
            if (ranked[k].Label == 1) found++;
            if (k + 1 < ranked.Count && ranked[k + 1].Score == ranked[k].Score) continue; // cut only between different scores
            if ((double)found / (k + 1) >= 0.3) bestCompleteness = Math.Max(bestCompleteness, (double)found / lens.Length);
        }
        long total = await f.State.Store.CountClassificationsAsync();
        int retired = unknown.Count(s => s.State.Status != SubjectStatus.Active), unseen = unknown.Count(s => s.State.Votes == 0);
        TestContext.Out.WriteLine($"{total} classifications; {lens.Length} hidden lenses among {unknown.Count}; ROC AUC {auc:F4}; completeness at purity ≥ 0.3: {bestCompleteness:P1}; retired {retired}; unseen {unseen}");
        Assert.That(auc, Is.GreaterThanOrEqualTo(0.95));
        Assert.That(bestCompleteness, Is.GreaterThanOrEqualTo(0.90));
        // The skills the engine learnt put the experts first and the contrarians last.
        var vols = await f.State.Store.ListVolunteersAsync();
        double Mean(int from, int to) => vols.Where(v => who[v.Id] >= from && who[v.Id] < to).Average(v => v.Agent.PLens + v.Agent.PNotLens - 1);
        Assert.That(Mean(0, 40), Is.GreaterThan(Mean(40, 140)));
        Assert.That(Mean(185, 200), Is.LessThan(0));
        Directory.Delete(dir, true);
    }

    private static int LowerBound(double[] a, double v) { int lo = 0, hi = a.Length; while (lo < hi) { int m = (lo + hi) / 2; if (a[m] < v) lo = m + 1; else hi = m; } return lo; }
    private static int UpperBound(double[] a, double v) { int lo = 0, hi = a.Length; while (lo < hi) { int m = (lo + hi) / 2; if (a[m] <= v) lo = m + 1; else hi = m; } return lo; }
}
