using System.CommandLine;
using System.Globalization;
using StarPlugin.Cli.Hosting;

namespace StarPlugin.Cli.Commands;

/// <summary>
/// `starplugin merge PARTS... --out OUT.csv`: the final step of a job array. Joins the
/// per-shard CSVs (manifests, score files, outside lists) into one, in the order a
/// single run writes: by catalogue row, else by file, else by the first column.
/// </summary>
public static class MergeCommand
{
    public static Command Create(CliContext ctx)
    {
        var parts = new Argument<string[]>("parts") { Description = "Per-shard CSV files, or directories: their OUT.shard*of*.csv files (OUT: the name of --out)", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--out") { Description = "Merged CSV", Required = true };
        var by = new Option<string>("--by") { Description = "Column to sort by (default: row, else file, else the first)" };
        var expect = new Option<int>("--expect-shards") { Description = "Fail unless this many distinct shard files are given (a job array's size)" };
        var force = CommonOptions.Force();
        var cmd = new Command("merge", "Merge per-shard CSVs (manifests, scores) of a job array into one, sorted as a single run writes it") { output, by, expect, force, parts };
        cmd.SetAction(p => CommandRunner.Run(ctx, () =>
        {
            string outPath = p.GetValue(output)!;
            var files = new List<string>();
            foreach (var part in p.GetValue(parts)!)
                files.AddRange(Directory.Exists(part)
                    ? Directory.EnumerateFiles(part, Path.GetFileNameWithoutExtension(outPath) + ".shard*of*" + Path.GetExtension(outPath)).OrderBy(f => f, StringComparer.Ordinal)
                    : [part]);
            OutputGuard.Check(outPath, p.GetValue(force), files.ToArray());
            if (files.Count == 0) throw new InputException("no shard files to merge");
            if (p.GetValue(expect) is int n and > 0 && files.Count != n)
                throw new InputException($"{files.Count} shard files for {n} shards: a task has not finished (rerun it; finished shards are kept)");
            string[]? header = null;
            string headerLine = "";
            var rows = new Dictionary<string, string>(StringComparer.Ordinal);
            int key = 0;
            foreach (var f in files)
            {
                var (h, table) = CsvTable.Read(f);
                if (header == null)
                {
                    header = h;
                    headerLine = string.Join(",", h);
                    key = p.GetValue(by) is { } col ? CsvTable.Column(f, h, col) : Array.IndexOf(h, "row") is >= 0 and var r ? r : Array.IndexOf(h, "file") is >= 0 and var fi ? fi : 0;
                }
                else if (!h.SequenceEqual(header)) throw new InputException($"{f}: columns differ from {files[0]}'s");
                foreach (var row in table)
                {
                    string line = string.Join(",", row), k = key < row.Length ? row[key] : "";
                    if (rows.TryGetValue(k, out var seen) && seen != line) throw new InputException($"{f}: two different rows for {header[key]} = {k}");
                    rows[k] = line;
                }
            }
            bool numeric = rows.Keys.All(k => double.TryParse(k, NumberStyles.Float, CultureInfo.InvariantCulture, out _));
            var ordered = numeric
                ? rows.OrderBy(kv => double.Parse(kv.Key, NumberStyles.Float, CultureInfo.InvariantCulture)).Select(kv => kv.Value)
                : rows.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Value);
            CsvTable.Write(outPath, headerLine, ordered, overwrite: true);
            ctx.Error.WriteLine($"starplugin: {rows.Count} rows from {files.Count} files; {outPath}");
            return ExitCodes.Ok;
        }));
        return cmd;
    }
}
