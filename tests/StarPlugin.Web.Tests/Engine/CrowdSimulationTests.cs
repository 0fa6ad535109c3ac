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
        using var f = new LensFinderFactory(dir, SimulatedCrowd.Settings());
        _ = f.Server;
        var crowd = await SimulatedCrowd.BuildAsync(f);
        var people = SimulatedCrowd.People;
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
                int t = crowd.Truth(id);
                int label = t == 1 ? (vr.NextDouble() < pl ? 1 : 0) : (vr.NextDouble() < pd ? 0 : 1);
                var r = await c.PostAsync("/api/classifications", new { subject_id = id, label });
                Assert.That(r.StatusCode, Is.EqualTo(HttpStatusCode.Created));
            }
        });

        var unknown = await f.State.Store.ListSubjectsAsync(-1, 5000, 0);
        var scored = unknown.Select(s => (Score: s.State.Posterior, Label: crowd.Hidden[s.Key])).ToList();
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
        double bestCompleteness = SimulatedCrowd.CompletenessAtPurity(scored, 0.3);
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
