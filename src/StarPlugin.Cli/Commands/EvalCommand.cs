using System.CommandLine;
using StarPlugin.Cli.Hosting;
using StarPlugin.Evaluation;
using static StarPlugin.Cli.Hosting.CsvTable;

namespace StarPlugin.Cli.Commands;

/// <summary>`starplugin eval detect TRUTH.csv CATALOG.csv`: one-to-one matching scores.</summary>
public static class EvalCommand
{
    public static Command Create(CliContext ctx)
    {
        var cmd = new Command("eval", "Score detections and classifications against truth");
        cmd.Add(Detect(ctx));
        return cmd;
    }

    private static Command Detect(CliContext ctx)
    {
        var truth = new Argument<string>("truth") { Description = "Truth CSV with x,y columns (optionally snr)" };
        var catalog = new Argument<string>("catalog") { Description = "Catalogue CSV with x,y columns" };
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

    private static (List<(double X, double Y)> Points, double[]? Snr) ReadPositions(string path)
    {
        var (header, rows) = Read(path);
        int cx = Column(path, header, "x", "x_image", "col"), cy = Column(path, header, "y", "y_image", "row");
        int cs = Array.IndexOf(header, "snr");
        var pts = rows.Select((r, i) => (Number(path, r, cx, i), Number(path, r, cy, i))).ToList();
        return (pts, cs >= 0 ? rows.Select((r, i) => Number(path, r, cs, i)).ToArray() : null);
    }
}
