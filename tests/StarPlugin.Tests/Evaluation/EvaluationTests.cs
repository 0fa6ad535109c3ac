using StarPlugin.Evaluation;

namespace StarPlugin.Tests.Evaluation;

public class EvaluationTests
{
    [Test]
    public void ConfusionMatrixAndScores()
    {
        int[] truth = [1, 1, 1, 0, 0, 0, 0, -1];
        double[] pred = [1, 1, 0, 1, 0, 0, 0, 1];
        var m = ClassificationMetrics.Compute(truth, pred);
        Assert.That((m.TruePositives, m.FalseNegatives, m.FalsePositives, m.TrueNegatives), Is.EqualTo((2, 1, 1, 3)));
        Assert.That(m.Accuracy, Is.EqualTo(5.0 / 7).Within(1e-12));
        Assert.That(m.Precision, Is.EqualTo(2.0 / 3).Within(1e-12));
        Assert.That(m.Recall, Is.EqualTo(2.0 / 3).Within(1e-12));
        Assert.That(m.F1, Is.EqualTo(2.0 / 3).Within(1e-12));
        Assert.That(m.RocAuc, Is.Null);
    }

    [Test]
    public void RocAucMatchesPairCounting()
    {
        var rng = new Random(3);
        var truth = Enumerable.Range(0, 300).Select(_ => rng.Next(2)).ToArray();
        var scores = truth.Select(t => t + rng.NextDouble() * 1.5 + (rng.Next(10) == 0 ? 0.25 : 0)).Select(v => Math.Round(v, 1)).ToArray();
        double pairs = 0, wins = 0;
        for (int i = 0; i < truth.Length; i++)
            for (int j = 0; j < truth.Length; j++)
                if (truth[i] == 1 && truth[j] == 0) { pairs++; wins += scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0; }
        var m = ClassificationMetrics.Compute(truth, scores, 1.0, predictedAreScores: true);
        Assert.That(m.RocAuc, Is.EqualTo(wins / pairs).Within(1e-12));
        var roc = RocCurve.Roc(truth.Zip(scores, (t, s) => (s, t)).ToList());
        Assert.That(roc[^1], Is.EqualTo((1.0, 1.0)));
    }

    /// <summary>
    /// Simulated volunteers of known skill: the consensus recovers their skills, ranks
    /// the true lenses first and beats simple majority voting.
    /// </summary>
    [Test]
    public void CrowdConsensusRecoversSkillsAndBeatsMajorityVoting()
    {
        var rng = new Random(11);
        var volunteers = Enumerable.Range(0, 40).Select(i => (Id: $"v{i}", PL: i < 10 ? 0.95 : i < 25 ? 0.7 : 0.5, PD: i < 10 ? 0.95 : i < 25 ? 0.6 : 0.5)).ToList();
        // A few contrarians who mostly answer wrong: majority voting cannot discount them.
        for (int i = 0; i < 8; i++) volunteers.Add(($"c{i}", 0.15, 0.2));
        var gold = new Dictionary<string, int>();
        for (int g = 0; g < 400; g++) gold[$"gold{g}"] = g % 2; // ~140 gold lenses seen per volunteer: skill error ≈ 0.04
        var truth = new Dictionary<string, int>();
        for (int u = 0; u < 300; u++) truth[$"img{u}"] = rng.NextDouble() < 0.1 ? 1 : 0;
        var votes = new List<Vote>();
        foreach (var (id, pl, pd) in volunteers)
        {
            foreach (var (img, label) in gold) if (rng.NextDouble() < 0.7) votes.Add(new Vote(id, img, Answer(label, pl, pd)));
            foreach (var (img, label) in truth) if (rng.NextDouble() < 0.15) votes.Add(new Vote(id, img, Answer(label, pl, pd)));
        }
        int Answer(int label, double pl, double pd) => label == 1 ? (rng.NextDouble() < pl ? 1 : 0) : (rng.NextDouble() < pd ? 0 : 1);

        var (ranked, skills) = CrowdConsensus.Run(votes, gold, prior: 0.1);
        foreach (var (id, pl, pd) in volunteers)
        {
            var s = skills.Single(x => x.Volunteer == id);
            Assert.That(s.PLens, Is.EqualTo(pl).Within(0.15), $"{id} P(lens|lens)");
            Assert.That(s.PNotLens, Is.EqualTo(pd).Within(0.15), $"{id} P(not|not)");
        }
        Assert.That(skills.First().Skill, Is.GreaterThan(0.7), "the best volunteers are found");
        Assert.That(skills.Last().Skill, Is.LessThan(-0.3), "contrarians get negative skill");

        var scored = ranked.Select(c => (c.Posterior, truth[c.Image])).ToList();
        var majority = ranked.Select(c => (c.MajorityFraction, truth[c.Image])).ToList();
        double aucConsensus = RocCurve.Auc(scored)!.Value, aucMajority = RocCurve.Auc(majority)!.Value;
        TestContext.Out.WriteLine($"ROC AUC: consensus {aucConsensus:F3}, majority {aucMajority:F3}");
        Assert.That(aucConsensus, Is.GreaterThan(aucMajority + 0.02));
        int lenses = truth.Values.Count(v => v == 1);
        int topHits = ranked.Take(lenses).Count(c => truth[c.Image] == 1);
        int majorityHits = ranked.OrderByDescending(c => c.MajorityFraction).Take(lenses).Count(c => truth[c.Image] == 1);
        Assert.That(topHits, Is.GreaterThanOrEqualTo((int)(0.8 * lenses)), "true lenses rank first");
        Assert.That(topHits, Is.GreaterThan(majorityHits));
    }
}
