using System.CommandLine;
using StarPlugin.Cli.Hosting;
using StarPlugin.Evaluation;
using StarPlugin.IO;
using static StarPlugin.Cli.Hosting.CsvTable;

namespace StarPlugin.Cli.Commands;

/// <summary>`starplugin eval detect TRUTH.csv CATALOG.csv`: one-to-one matching scores.</summary>
public static class EvalCommand
{
    public static Command Create(CliContext ctx)
    {
        var cmd = new Command("eval", "Score detections and classifications against truth");
        cmd.Add(Detect(ctx));
        cmd.Add(Classify(ctx));
        cmd.Add(Crowd(ctx));
        return cmd;
    }

    private static Command Classify(CliContext ctx)
    {
        var truth = new Argument<string>("truth") { Description = "CSV with id,label (1 lens, 0 non-lens, -1 unknown: skipped)" };
        var pred = new Argument<string>("predictions") { Description = "CSV with id,label or id,score" };
        var threshold = new Option<double>("--threshold") { Description = "Score threshold for a positive", DefaultValueFactory = _ => 0.5 };
        var roc = new Option<string>("--roc") { Description = "Write the ROC curve as a PNG" };
        var pr = new Option<string>("--pr") { Description = "Write the precision-recall curve as a PNG" };
        var json = CommonOptions.Json();
        var force = CommonOptions.Force();
        var cmd = new Command("classify", "Confusion matrix, accuracy, precision, recall, F1 and ROC AUC of a classifier") { truth, pred, threshold, roc, pr, json, force };
        cmd.SetAction(p => CommandRunner.Run(ctx, () =>
        {
            string tPath = p.GetValue(truth)!, pPath = p.GetValue(pred)!;
            var plan = new OutputPlan(p.GetValue(force), [tPath, pPath]);
            if (p.GetValue(roc) is { } rocPath) plan.Add(rocPath, image: true);
            if (p.GetValue(pr) is { } prPath) plan.Add(prPath, image: true);
            var labels = ReadById(tPath, "label");
            var (ph, prow) = Read(pPath);
            int idCol = Column(pPath, ph, "id");
            bool scores = Array.IndexOf(ph, "score") >= 0;
            int vCol = Column(pPath, ph, scores ? "score" : "label");
            var predicted = new Dictionary<string, double>(StringComparer.Ordinal);
            for (int i = 0; i < prow.Count; i++) predicted[prow[i][idCol]] = Number(pPath, prow[i], vCol, i);
            var missing = labels.Keys.Where(k => labels[k] is 0 or 1 && !predicted.ContainsKey(k)).ToList();
            if (missing.Count > 0) throw new InputException($"{pPath}: no prediction for {missing.Count} labelled ids (first: {missing[0]})");
            var ids = labels.Keys.Where(k => labels[k] is 0 or 1).ToList();
            var t = ids.Select(k => (int)labels[k]).ToList();
            var v = ids.Select(k => predicted[k]).ToList();
            var m = Evaluation.ClassificationMetrics.Compute(t, v, p.GetValue(threshold), scores);
            if (scores)
            {
                var scored = ids.Select((k, i) => (v[i], t[i])).ToList();
                var wo = new WriteOptions { Overwrite = p.GetValue(force) };
                if (p.GetValue(roc) is { } r) ImageFile.Write(r, Rendering.CurvePlot.Draw(Evaluation.RocCurve.Roc(scored).Select(x => (x.Fpr, x.Tpr)).ToList(), true), wo);
                if (p.GetValue(pr) is { } q) ImageFile.Write(q, Rendering.CurvePlot.Draw(Evaluation.RocCurve.PrecisionRecall(scored).Select(x => (x.Recall, x.Precision)).ToList(), false), wo);
            }
            if (p.GetValue(json))
                ctx.Output.WriteLine(JsonOut.Write(w =>
                {
                    w.WriteStartObject();
                    w.WriteNumber("tp", m.TruePositives); w.WriteNumber("fp", m.FalsePositives); w.WriteNumber("tn", m.TrueNegatives); w.WriteNumber("fn", m.FalseNegatives);
                    w.WriteNumber("accuracy", m.Accuracy); w.WriteNumber("precision", m.Precision); w.WriteNumber("recall", m.Recall); w.WriteNumber("f1", m.F1);
                    if (m.RocAuc is { } auc) w.WriteNumber("roc_auc", auc); else w.WriteNull("roc_auc");
                    w.WriteEndObject();
                }));
            else
            {
                ctx.Output.WriteLine($"             predicted lens   predicted non-lens");
                ctx.Output.WriteLine($"lens         {m.TruePositives,14}   {m.FalseNegatives,18}");
                ctx.Output.WriteLine($"non-lens     {m.FalsePositives,14}   {m.TrueNegatives,18}");
                ctx.Output.WriteLine($"accuracy {m.Accuracy:F4}  precision {m.Precision:F4}  recall {m.Recall:F4}  F1 {m.F1:F4}" + (m.RocAuc is { } a ? $"  ROC AUC {a:F4}" : ""));
            }
            return ExitCodes.Ok;
        }));
        return cmd;
    }

    private static Dictionary<string, double> ReadById(string path, string column)
    {
        var (h, rows) = Read(path);
        int id = Column(path, h, "id", "image"), c = Column(path, h, column);
        var d = new Dictionary<string, double>(StringComparer.Ordinal);
        for (int i = 0; i < rows.Count; i++) d[rows[i][id]] = Number(path, rows[i], c, i);
        return d;
    }

    private static Command Crowd(CliContext ctx)
    {
        var votes = new Argument<string>("votes") { Description = "CSV with volunteer,image,vote (1 lens, 0 not)" };
        var gold = new Option<string>("--gold") { Description = "CSV with image (or id),label for gold images of known label", Required = true };
        var prior = new Option<double>("--prior") { Description = "Prior probability that an image is a lens", DefaultValueFactory = _ => 0.5 };
        var ranked = new Option<string>("--out") { Description = "Write the ranked candidate list as CSV" };
        var volunteers = new Option<string>("--volunteers") { Description = "Write the per-volunteer table as CSV" };
        var json = CommonOptions.Json();
        var force = CommonOptions.Force();
        var cmd = new Command("crowd", "Skill-weighted crowd consensus (Space Warps): lens posteriors for unknown images and volunteer skills") { votes, gold, prior, ranked, volunteers, json, force };
        cmd.SetAction(p => CommandRunner.Run(ctx, () =>
        {
            string vPath = p.GetValue(votes)!;
            var plan = new OutputPlan(p.GetValue(force), [vPath, p.GetValue(gold)!]);
            if (p.GetValue(ranked) is { } rankedPath) plan.Add(rankedPath, image: false);
            if (p.GetValue(volunteers) is { } volunteersPath) plan.Add(volunteersPath, image: false);
            var (h, rows) = Read(vPath);
            int vc = Column(vPath, h, "volunteer", "user"), ic = Column(vPath, h, "image", "id"), lc = Column(vPath, h, "vote", "label");
            var list = rows.Select((r, i) => new Evaluation.Vote(r[vc], r[ic], (int)Number(vPath, r, lc, i))).ToList();
            var goldLabels = ReadById(p.GetValue(gold)!, "label").ToDictionary(k => k.Key, k => (int)k.Value, StringComparer.Ordinal);
            if (!(p.GetValue(prior) is > 0 and < 1)) throw new UsageException("--prior must be in (0, 1)");
            var (candidates, skills) = Evaluation.CrowdConsensus.Run(list, goldLabels, p.GetValue(prior));
            bool f = p.GetValue(force);
            if (p.GetValue(ranked) is { } rp) Write(rp, "rank,image,posterior,votes,majority_fraction", candidates.Select((c, i) => $"{i + 1},{c.Image},{F(c.Posterior, "G6")},{c.Votes},{F(c.MajorityFraction, "F4")}"), f);
            if (p.GetValue(volunteers) is { } vp) Write(vp, "volunteer,gold_votes,accuracy,f1,p_lens,p_not_lens,skill", skills.Select(s => $"{s.Volunteer},{s.GoldVotes},{F(s.Accuracy, "F4")},{F(s.F1, "F4")},{F(s.PLens, "F4")},{F(s.PNotLens, "F4")},{F(s.Skill, "F4")}"), f);
            if (p.GetValue(json))
                ctx.Output.WriteLine(JsonOut.Write(w =>
                {
                    w.WriteStartObject();
                    w.WriteStartArray("candidates");
                    foreach (var c in candidates) { w.WriteStartObject(); w.WriteString("image", c.Image); w.WriteNumber("posterior", c.Posterior); w.WriteNumber("votes", c.Votes); w.WriteEndObject(); }
                    w.WriteEndArray();
                    w.WriteStartArray("volunteers");
                    foreach (var s in skills)
                    {
                        w.WriteStartObject(); w.WriteString("volunteer", s.Volunteer); w.WriteNumber("gold_votes", s.GoldVotes);
                        w.WriteNumber("accuracy", s.Accuracy); w.WriteNumber("f1", s.F1); w.WriteNumber("p_lens", s.PLens); w.WriteNumber("p_not_lens", s.PNotLens); w.WriteNumber("skill", s.Skill);
                        w.WriteStartArray("accuracy_history"); foreach (var a in s.AccuracyHistory) w.WriteNumberValue(Math.Round(a, 4)); w.WriteEndArray();
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                    w.WriteEndObject();
                }));
            else
            {
                ctx.Output.WriteLine("rank  image                posterior   votes");
                foreach (var (c, i) in candidates.Take(20).Select((c, i) => (c, i))) ctx.Output.WriteLine($"{i + 1,4}  {c.Image,-20} {c.Posterior,9:G4}   {c.Votes,5}");
                ctx.Output.WriteLine($"{candidates.Count} candidates, {skills.Count} volunteers with gold votes");
            }
            return ExitCodes.Ok;
        }));
        return cmd;
    }

    private static Command Detect(CliContext ctx)
    {
        var truth = new Argument<string>("truth") { Description = "Truth CSV with 0-based x,y columns (or 1-based x_image,y_image; optionally snr)" };
        var catalog = new Argument<string>("catalog") { Description = "Catalogue CSV with 0-based x,y columns (or 1-based x_image,y_image)" };
        var radius = new Option<double>("--radius") { Description = "Match radius in pixels", DefaultValueFactory = _ => 1.5 };
        var minSnr = new Option<double>("--min-snr") { Description = "Also report recall over truth stars with S/N ≥ this", DefaultValueFactory = _ => 10 };
        var json = CommonOptions.Json();
        var cmd = new Command("detect", "Recall, precision, F1 and centroid error of a star catalogue (one-to-one within a radius)") { truth, catalog, radius, minSnr, json };
        cmd.SetAction(p => CommandRunner.Run(ctx, () =>
        {
            if (!(p.GetValue(radius) > 0)) throw new UsageException("--radius must be positive");
            var (t, tSnr) = ReadPositions(p.GetValue(truth)!);
            var (d, _) = ReadPositions(p.GetValue(catalog)!);
            var r = CatalogMatcher.Match(t, d, p.GetValue(radius));
            double? recallSnr = null;
            if (tSnr != null)
            {
                var strong = Enumerable.Range(0, t.Count).Where(i => tSnr[i] >= p.GetValue(minSnr)).ToHashSet();
                recallSnr = strong.Count == 0 ? null : (double)r.Pairs.Count(x => strong.Contains(x.Truth)) / strong.Count;
            }
            if (p.GetValue(json))
                ctx.Output.WriteLine(JsonOut.Write(w =>
                {
                    w.WriteStartObject();
                    w.WriteNumber("truth", r.TruthCount); w.WriteNumber("detected", r.DetectedCount); w.WriteNumber("matched", r.Matched);
                    w.WriteNumber("recall", r.Recall); w.WriteNumber("precision", r.Precision); w.WriteNumber("f1", r.F1);
                    if (recallSnr is { } rs) w.WriteNumber("recall_snr", rs);
                    if (double.IsFinite(r.MedianCentroidError)) w.WriteNumber("median_centroid_error", r.MedianCentroidError);
                    // Each match (0-based rows of the two files), for comparisons over stars several catalogues share.
                    w.WriteStartArray("pairs");
                    foreach (var (ti, di, dist) in r.Pairs) { w.WriteStartArray(); w.WriteNumberValue(ti); w.WriteNumberValue(di); w.WriteNumberValue(Math.Round(dist, 5)); w.WriteEndArray(); }
                    w.WriteEndArray();
                    w.WriteEndObject();
                }));
            else
                ctx.Output.WriteLine($"truth {r.TruthCount}  detected {r.DetectedCount}  matched {r.Matched}  recall {r.Recall:F4}  " +
                    (recallSnr is { } rs2 ? $"recall(S/N≥{p.GetValue(minSnr)}) {rs2:F4}  " : "") +
                    $"precision {r.Precision:F4}  F1 {r.F1:F4}  median centroid error {r.MedianCentroidError:F4} px");
            return ExitCodes.Ok;
        }));
        return cmd;
    }

    /// <summary>
    /// Positions as 0-based x, y: the x/y columns (our catalogues, sep, photutils, numpy), or
    /// SExtractor's 1-based x_image/y_image shifted by one, or the integer col/row. Both files
    /// must count rows the same way (our catalogues and truths of a FITS file: from its first row).
    /// </summary>
    private static (List<(double X, double Y)> Points, double[]? Snr) ReadPositions(string path)
    {
        var (header, rows) = Read(path);
        int cx = Column(path, header, "x", "x_image", "col"), cy = Column(path, header, "y", "y_image", "row");
        double dx = header[cx] == "x_image" ? -1 : 0, dy = header[cy] == "y_image" ? -1 : 0;
        int cs = Array.IndexOf(header, "snr");
        var pts = rows.Select((r, i) => (Number(path, r, cx, i) + dx, Number(path, r, cy, i) + dy)).ToList();
        return (pts, cs >= 0 ? rows.Select((r, i) => Number(path, r, cs, i)).ToArray() : null);
    }
}
