using System.CommandLine;
using System.Globalization;
using System.Text.RegularExpressions;
using StarPlugin.Cli;
using StarPlugin.Cli.Hosting;
using StarPlugin.Detection;
using StarPlugin.Removal;
using StarPlugin.Tests.Support;

namespace StarPlugin.Tests.Hosts;

/// <summary>
/// One source for every host: the filter table (native/hosts/filters.c) against the
/// G'MIC command file, the G'MIC-Qt filters, the command line's defaults and the GIMP
/// shims' sources. Needs gcc only (no GIMP or built library; one test runs gmic).
/// </summary>
public class FilterTableTests
{
    private static readonly FilterTable T = FilterTable.Table;
    private static GmicCommandFile Gmic => new(File.ReadAllText(Repo.Path_("native", "gmic", "starplugin.gmic")));

    private static IEnumerable<TestCaseData> Filters() => FilterTable.Table.Filters.Select(f => new TestCaseData(f.Proc).SetName($"{{m}}({f.Title})"));

    private static double Number(string s) => double.Parse(s.Trim(), CultureInfo.InvariantCulture);

    /// <summary>One argument of a G'MIC command: a table parameter, or the value range (Param null), with what `check` accepts.</summary>
    private sealed record GmicArg(int Position, TableParam? Param, double Default, double Min, double Max, bool Integral);

    /// <summary>
    /// Binning's G'MIC argument is the factor itself, as the C API's key "binning" and --bin
    /// take it (0 = auto, 1 = off, 2..<see cref="RemovalOptions.MaxBinning"/>), not the index
    /// of the dialog's choice: the command accepts every factor the command line does, the
    /// dialog offers five of them.
    /// </summary>
    private static bool TakesFactor(TableParam p) => p.Cli == "--bin";

    /// <summary>A --bin word as the factor (auto: 0).</summary>
    private static int Factor(string word) => word == "auto" ? 0 : int.Parse(word, NumberStyles.None, CultureInfo.InvariantCulture);

    private static string FactorWord(int k) => k == 0 ? "auto" : k.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// A G'MIC command's arguments by position: the table's parameters at theirs, and the
    /// value range at the one position among 1..n+1 none of them takes (the last, except
    /// where a parameter was appended after it, as starless' binning).
    /// </summary>
    private static List<GmicArg> GmicArgs(TableFilter f)
    {
        var args = f.Params.Where(p => p.GmicArg > 0).Select(p => TakesFactor(p)
            ? new GmicArg(p.GmicArg, p, Factor(p.DefaultWord), 0, RemovalOptions.MaxBinning, true)
            : new GmicArg(p.GmicArg, p, p.Default, p.Min, p.Max, p.Kind != "float")).ToList();
        int range = Enumerable.Range(1, args.Count + 1).Except(args.Select(a => a.Position)).First();
        args.Add(new GmicArg(range, null, 0, 0, double.PositiveInfinity, false));
        return args.OrderBy(a => a.Position).ToList();
    }

    private static int ValueRange(TableFilter f) => GmicArgs(f).Single(a => a.Param == null).Position;

    /// <summary>A G'MIC argument list split at its top-level commas (not those inside {...} or (...)).</summary>
    private static string[] SplitGmicArgs(string list)
    {
        var parts = new List<string>();
        int depth = 0, start = 0;
        for (int i = 0; i < list.Length; i++)
        {
            if (list[i] is '{' or '(') depth++;
            else if (list[i] is '}' or ')') depth--;
            else if (list[i] == ',' && depth == 0) { parts.Add(list[start..i]); start = i + 1; }
        }
        parts.Add(list[start..]);
        return parts.ToArray();
    }

    [Test]
    public void TableIsWellFormed()
    {
        Assert.That(T.Filters.Select(f => f.Proc), Is.Unique);
        foreach (var f in T.Filters)
        {
            Assert.That(f.Params.Count(p => p.Kind == "file"), Is.LessThanOrEqualTo(1), $"{f}: one file parameter at most (sph_values.text)");
            Assert.That(f.Params.Count, Is.LessThanOrEqualTo(12), $"{f}: SPH_MAX_PARAMS");
            Assert.That(f.Params.Select(p => p.Name), Is.Unique, f.Proc);
            // G'MIC positions: distinct, within 1..n+1; the one left free is the value range's.
            var gmic = f.Params.Where(p => p.GmicArg > 0).Select(p => p.GmicArg).ToList();
            Assert.That(gmic, Is.Unique, $"{f}: G'MIC positions");
            Assert.That(gmic, Is.All.InRange(1, gmic.Count + 1), $"{f}: G'MIC positions 1..n+1");
            foreach (var p in f.Registered)
            {
                Assert.That(p.Label, Is.Not.Null.And.Not.Empty, $"{f}.{p}");
                Assert.That(p.Tooltip!.Length, Is.GreaterThan(30), $"{f}.{p}: a tooltip in words");
                if (p.Kind == "choice")
                {
                    Assert.That(p.Min, Is.EqualTo(0)); Assert.That(p.Max, Is.EqualTo(p.Choices.Count - 1), $"{f}.{p}");
                    Assert.That(p.Choices.Select(c => c.Word), Is.Unique);
                }
                if (p.Kind is "choice" or "bool" or "int" or "float")
                    Assert.That(p.Default >= p.Min && p.Default <= p.Max || (p.ZeroMeans != null && p.Default == 0), Is.True, $"{f}.{p}: default in range");
            }
        }
    }

    [Test]
    public void TileSizeIsHonest()
    {
        var tile = T.ByProc("plug-in-starplugin-remove-stars").Params.Single(p => p.Name == "tile");
        Assert.That((tile.Min, tile.Max, tile.ZeroMeans), Is.EqualTo((64.0, 2048.0, "Model's choice")));
    }

    // --- G'MIC ---

    [TestCaseSource(nameof(Filters))]
    public void GmicCommandDefaultsAndWordsFollowTheTable(string proc)
    {
        var f = T.ByProc(proc);
        var file = Gmic;
        Assert.That(file.Commands, Does.ContainKey(f.GmicCommand));
        var defaults = file.Defaults(f.GmicCommand);
        var words = file.WordLists(f.GmicCommand);
        var cliArgs = file.CliArguments(f.GmicCommand);
        foreach (var a in GmicArgs(f).Where(a => a.Param != null))
        {
            var p = a.Param!;
            string what = $"{f.GmicCommand} ${a.Position} ({p.Name})";
            Assert.That(defaults, Does.ContainKey(a.Position), $"{what} has a default");
            Assert.That(Number(defaults[a.Position]), Is.EqualTo(a.Default).Within(1e-9), what);
            if (p.Kind != "choice") continue;
            Assert.That(words, Does.ContainKey(a.Position), $"{f.GmicCommand} maps ${a.Position} to the command line's words");
            if (TakesFactor(p))
            {
                // `arg {$n+1},auto,1,2,...`: factor k becomes --bin's word for k, every one the dialog offers among them.
                Assert.That(words[a.Position], Is.EqualTo(Enumerable.Range(0, RemovalOptions.MaxBinning + 1).Select(FactorWord).ToArray()), what);
                Assert.That(p.Choices.Select(c => c.Word), Is.SubsetOf(words[a.Position]), what);
                continue;
            }
            Assert.That(words[a.Position], Is.EqualTo(p.Choices.Select(c => c.Word).ToArray()), what);
            Assert.That(cliArgs[a.Position - 1].Words, Is.EqualTo(p.Choices.Select(c => c.Word).ToArray()), $"#@cli {f.GmicCommand}: {p.Name}");
        }
        // The value range: after the table's parameters (or before one appended later), default 0 (auto).
        int range = ValueRange(f);
        Assert.That(defaults.GetValueOrDefault(range), Is.EqualTo("0"), $"{f.GmicCommand} ${range} is the value range");
        Assert.That(cliArgs[range - 1].Name, Does.StartWith("_value_range"), $"#@cli {f.GmicCommand}");
        Assert.That(cliArgs, Has.Count.EqualTo(GmicArgs(f).Count + (f.Params.Any(p => p.Kind == "file") ? 1 : 0)), $"#@cli {f.GmicCommand}: one entry per argument");
    }

    [TestCaseSource(nameof(Filters))]
    public void GmicCheckRangesAreTheTables(string proc)
    {
        // The `check` a G'MIC command starts with accepts exactly the table's range for
        // every parameter (integers for choices, check boxes and integers), and the value
        // range (the argument after them) from 0 up; nothing else is checked.
        // (Binning's range is the command line's factors, see TakesFactor.)
        var f = T.ByProc(proc);
        var ranges = Gmic.CheckRanges(f.GmicCommand);
        var args = GmicArgs(f);
        foreach (var a in args.Where(a => a.Param != null))
        {
            string what = $"{f.GmicCommand} ${a.Position} ({a.Param!.Name})";
            Assert.That(ranges, Does.ContainKey(a.Position), $"{f.GmicCommand} checks ${a.Position} ({a.Param.Name})");
            var expected = new CheckRange(a.Min, true, a.Max, true, a.Integral);
            Assert.That(ranges[a.Position].ToString(), Is.EqualTo(expected.ToString()), what);
            Assert.That(ranges[a.Position], Is.EqualTo(expected), what);
        }
        int range = ValueRange(f);
        Assert.That(ranges.GetValueOrDefault(range), Is.EqualTo(new CheckRange(0, true)), $"{f.GmicCommand} ${range} (value range) >= 0");
        Assert.That(ranges.Keys, Is.SubsetOf(args.Select(a => a.Position)), $"{f.GmicCommand}: checks only its parameters");
    }

    [TestCaseSource(nameof(Filters))]
    public void GmicUsageLineStatesTheTablesRanges(string proc)
    {
        // The #@cli line G'MIC's help shows: _name[min..max] for numbers, one word per choice.
        var f = T.ByProc(proc);
        var usage = Gmic.CliArguments(f.GmicCommand);
        foreach (var p in f.Params.Where(p => p.GmicArg > 0))
        {
            var (name, words) = usage[p.GmicArg - 1];
            string what = $"#@cli {f.GmicCommand} ${p.GmicArg} ({p.Name}): {name}";
            if (TakesFactor(p))
                Assert.That(words, Is.EqualTo(new[] { "auto", "off", $"2..{RemovalOptions.MaxBinning}" }), $"{what}: 0 = auto, 1 = off, 2..max");
            else if (p.Kind is "choice" or "bool")
                Assert.That(words, Has.Length.EqualTo((int)p.Max + 1), what);
            else
            {
                var m = Regex.Match(name, @"^_\w+\[([-+0-9.eE]+)\.\.([-+0-9.eE]+)\]$");
                Assert.That(m.Success, Is.True, what);
                Assert.That((Number(m.Groups[1].Value), Number(m.Groups[2].Value)), Is.EqualTo((p.Min, p.Max)), what);
            }
        }
    }

    [Test]
    public void GmicCheckReaderRefusesWhatItDoesNotUnderstand()
    {
        // The reader above must not pass a check it cannot read, nor misread a bound.
        var file = new GmicCommandFile("x :\n  check \"isint(${1=0}) && $1>=0 && $1<2 && ${2=0.5}>0.25 && $2<=1\"\ny :\n  check \"$1>0 || $1==-1\"\n");
        var r = file.CheckRanges("x");
        Assert.That(r[1], Is.EqualTo(new CheckRange(0, true, 2, false, true)));
        Assert.That(r[2], Is.EqualTo(new CheckRange(0.25, false, 1, true)));
        Assert.Throws<FormatException>(() => file.CheckRanges("y"));
    }

    [Test]
    public void GmicItselfRefusesWhatTheTableRefuses()
    {
        // Black box: G'MIC runs each command with every parameter at its bounds (accepted)
        // and just outside them (refused by `check`, "Invalid argument"), the others at
        // their defaults. The command line is replaced by a no-op, so only the checks run.
        RequireGmic();
        var probes = new List<(string Command, string Args, bool Accepted, string What)>();
        foreach (var f in T.Filters)
        {
            var args = GmicArgs(f);
            foreach (var a in args.Where(a => a.Param != null))
            {
                double eps = a.Integral ? 1 : (a.Max - a.Min) * 1e-3;
                var values = new List<(double, bool)> { (a.Min, true), (a.Max, true), (a.Min - eps, false), (a.Max + eps, false) };
                if (a.Integral && a.Max > a.Min) values.Add((a.Min + 0.5, false));
                foreach (var (v, ok) in values)
                {
                    string list = string.Join(",", args.Select(q => q == a ? G(v) : G(q.Default)));
                    probes.Add((f.GmicCommand, list, ok, $"{f.GmicCommand} {list} ({a.Param!.Name} = {G(v)})"));
                }
            }
        }
        string dir = Directory.CreateTempSubdirectory("sp-gmic-check").FullName;
        try
        {
            // ($* makes G'MIC hand it the arguments, as to the real one.)
            File.WriteAllText(Path.Combine(dir, "noop.gmic"), "_starplugin_each :\n  skip \"$*\"\n");
            var script = new System.Text.StringBuilder();
            for (int i = 0; i < probes.Count; i++)
                script.Append($"l {probes[i].Command} {probes[i].Args} e \"PROBE {i} PASSED\" onfail e \"PROBE {i} FAILED \"${{}} endl\n");
            File.WriteAllText(Path.Combine(dir, "probes.gmic"), "probes :\n" + string.Join("", script.ToString().Split('\n').Select(l => l.Length > 0 ? "  " + l + "\n" : "")));
            var env = new Dictionary<string, string> { ["HOME"] = dir, ["TMPDIR"] = dir, ["GMIC_SYSTEM_PATH"] = dir };
            var (_, output) = Repo.Run("gmic", ["-m", Repo.Path_("native", "gmic", "starplugin.gmic"), "-m", Path.Combine(dir, "noop.gmic"),
                "-m", Path.Combine(dir, "probes.gmic"), "1", "probes"], workDir: dir, env: env);
            for (int i = 0; i < probes.Count; i++)
            {
                var line = Regex.Match(output, $@"PROBE {i} (PASSED|FAILED)(.*)");
                Assert.That(line.Success, Is.True, $"{probes[i].What}: no answer\n{output}");
                bool refused = line.Groups[1].Value == "FAILED" && line.Groups[2].Value.Contains("Invalid argument");
                Assert.That(!refused, Is.EqualTo(probes[i].Accepted), $"{probes[i].What}: {line.Value}");
            }
        }
        finally { Directory.Delete(dir, true); }
    }

    private static void RequireGmic()
    {
        if ((Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, "gmic")))) return;
        if (Environment.GetEnvironmentVariable("STARPLUGIN_REQUIRE_HOSTS") == "1") Assert.Fail("gmic is not installed");
        Assert.Ignore("gmic is not installed (STARPLUGIN_FULL_DEPS=1 tools/apt-deps.sh)");
    }

    private static string G(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    [Test]
    public void GmicChoicesReachTheCommandLineAsTheTablesWords()
    {
        // Black box: G'MIC runs each command, and its G'MIC-Qt command, with every value of
        // every choice (the others at their defaults), and the command line it would start
        // must carry the table's word for that value: the choice's index for the G'MIC-Qt
        // command (as the dialog's) and for the command, or for binning the factor 0..8
        // (auto, 1..8) the command takes. The command line is replaced by a command that
        // returns its arguments (an echo that deep in the call stack G'MIC does not print).
        RequireGmic();
        var probes = new List<(string Call, string Expected)>();
        foreach (var f in T.Filters)
        {
            var args = GmicArgs(f);
            var controls = args.Where(a => a.Param != null).ToList();
            foreach (var a in controls.Where(a => a.Param!.Kind == "choice" && a.Param.Cli != null))
            {
                var p = a.Param!;
                for (int k = 0; k < p.Choices.Count; k++)
                    probes.Add(($"{f.GmicCommand}_gui {string.Join(",", controls.Select(q => q == a ? G(k) : G(q.Param!.Default)))}", $"{p.Cli} {p.Choices[k].Word}"));
                var values = TakesFactor(p)
                    ? Enumerable.Range(0, RemovalOptions.MaxBinning + 1).Select(k => (k, FactorWord(k)))
                    : p.Choices.Select((c, k) => (k, c.Word));
                foreach (var (v, word) in values)
                    probes.Add(($"{f.GmicCommand} {string.Join(",", args.Select(q => q == a ? G(v) : G(q.Default)))}", $"{p.Cli} {word}"));
            }
        }
        Assert.That(probes.Select(p => p.Expected), Does.Contain("--bin auto").And.Contain("--bin 8").And.Contain("--stretch never"), "the probes cover binning");
        string dir = Directory.CreateTempSubdirectory("sp-gmic-words").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "echo.gmic"), "_starplugin_each :\n  u \"$*\"\n");
            var script = new System.Text.StringBuilder("probes :\n");
            for (int i = 0; i < probes.Count; i++)
                script.Append($"  l {probes[i].Call} e \"PROBE {i} ARGS \"${{}} onfail e \"PROBE {i} FAILED \"${{}} endl\n");
            File.WriteAllText(Path.Combine(dir, "probes.gmic"), script.ToString());
            var env = new Dictionary<string, string> { ["HOME"] = dir, ["TMPDIR"] = dir, ["GMIC_SYSTEM_PATH"] = dir };
            var (_, output) = Repo.Run("gmic", ["-m", Repo.Path_("native", "gmic", "starplugin.gmic"), "-m", Path.Combine(dir, "echo.gmic"),
                "-m", Path.Combine(dir, "probes.gmic"), "1", "probes"], workDir: dir, env: env);
            for (int i = 0; i < probes.Count; i++)
            {
                var each = Regex.Match(output, $@"PROBE {i} ARGS (.*)");
                Assert.That(each.Success, Is.True, $"{probes[i].Call}: did not run\n{Regex.Match(output, $@"PROBE {i} .*").Value}");
                Assert.That(each.Groups[1].Value, Does.Match($@"(^|[\s,]){Regex.Escape(probes[i].Expected)}([\s,]|$)"), probes[i].Call);
            }
        }
        finally { Directory.Delete(dir, true); }
    }

    [TestCaseSource(nameof(Filters))]
    public void GmicQtFilterFollowsTheTable(string proc)
    {
        var f = T.ByProc(proc);
        var file = Gmic;
        var gui = file.GuiFilters.Single(g => g.Command == f.GmicCommand + "_gui");
        Assert.That(gui.Preview, Is.EqualTo(f.GmicCommand + "_gui(0)"), "1:1 preview");
        var valued = gui.Parameters().Where(p => p.IsValued).ToList();
        // The gui command passes its $k on to the command: which table parameter each one is.
        string call = file.Commands[f.GmicCommand + "_gui"].Single();
        Assert.That(call, Does.StartWith(f.GmicCommand));
        var callArgs = call.Length > f.GmicCommand.Length ? SplitGmicArgs(call[f.GmicCommand.Length..].Trim()) : [];
        var tableArgs = GmicArgs(f).Where(a => a.Param != null).ToList();
        Assert.That(callArgs.Length, Is.EqualTo(tableArgs.Count + 1), call);
        Assert.That(callArgs[ValueRange(f) - 1], Is.EqualTo("255"), "G'MIC-Qt hands over 0..255");
        Assert.That(valued.Count, Is.EqualTo(tableArgs.Count), $"{gui.Name}: one control per parameter");
        for (int j = 0; j < tableArgs.Count; j++)
        {
            var p = tableArgs[j].Param!;
            // Binning's control gives a choice index, its command takes the factor: the call
            // turns one into the other (GmicChoicesReachTheCommandLineAsTheTablesWords runs it).
            if (TakesFactor(p)) Assert.That(callArgs[tableArgs[j].Position - 1], Does.Match($@"^\{{.*\$\{{?{j + 1}\b.*\}}$"), call);
            else Assert.That(callArgs[tableArgs[j].Position - 1], Is.EqualTo("$" + (j + 1)), call);
            var g = valued[j];
            string what = $"{gui.Name} / {g.Label} ({p.Name})";
            switch (p.Kind)
            {
                case "choice":
                    Assert.That(g.Type, Is.EqualTo("choice"), what);
                    var (def, labels) = g.Choice();
                    Assert.That(def, Is.EqualTo((int)p.Default), what);
                    Assert.That(labels, Is.EqualTo(p.Choices.Select(c => c.Label).ToList()), what);
                    break;
                case "bool":
                    Assert.That(g.Type, Is.EqualTo("bool"), what);
                    Assert.That(Number(g.Args()[0]), Is.EqualTo(p.Default), what);
                    break;
                default:
                    Assert.That(g.Type, Is.EqualTo(p.Kind), what);
                    var a = g.Args().Select(Number).ToList();
                    Assert.That(a, Is.EqualTo(new List<double> { p.Default, p.Min, p.Max }).Within(1e-9), what);
                    break;
            }
        }
    }

    [Test]
    public void EveryGmicQtChoiceAndNoteParsesWhole()
    {
        // What the file declares (every quoted label) is what G'MIC-Qt offers.
        foreach (var gui in Gmic.GuiFilters)
            foreach (var p in gui.Parameters())
            {
                if (p.Type == "choice")
                {
                    var (def, labels) = p.Choice();
                    string rest = gui.ParameterText.ToString();
                    int declared = Regex.Matches(rest[rest.IndexOf(p.Label + " =", StringComparison.Ordinal)..].Split(" = ")[1], "\"[^\"]*\"").Count;
                    Assert.That(labels, Has.Count.EqualTo(declared), $"{gui.Name} / {p.Label}: every quoted choice is selectable");
                    Assert.That(labels, Has.Count.GreaterThan(1), $"{gui.Name} / {p.Label}");
                    Assert.That(def, Is.InRange(0, labels.Count - 1));
                }
                if (p.Type == "note")
                    Assert.That(p.Arguments.Trim(), Does.StartWith("\"").And.EndWith("\""), $"{gui.Name}: the note is not cut");
            }
    }

    [Test]
    public void TheParserSeesWhatGmicQtSaw()
    {
        // The old Keep Galaxies line: G'MIC-Qt offered one choice. The parser must agree,
        // or the test above could not fail.
        var old = new GuiFilter("x", "x, x");
        old.ParameterText.Append("Keep Galaxies = choice(\"Auto (galaxy fields)\",\"Always\",\"Never\")");
        Assert.That(old.Parameters().Single().Choice().Labels, Has.Count.EqualTo(1));
    }

    // --- the command line ---

    /// <summary>What the command line uses when an option is not given.</summary>
    private static object? CliDefault(string command, string option, params string[] positional)
    {
        var root = Program.BuildRoot(new CliContext(new StringWriter(), new StringWriter(), interactive: false));
        var parse = root.Parse([command, .. positional]);
        Assert.That(parse.Errors, Is.Empty, string.Join("; ", parse.Errors.Select(e => e.Message)));
        var cmd = root.Subcommands.Single(c => c.Name == command);
        var opt = cmd.Options.SingleOrDefault(o => o.Name == option || o.Aliases.Contains(option));
        Assert.That(opt, Is.Not.Null, $"starplugin {command} has {option}");
        object? value = parse.GetValue<object>(opt!.Name);
        // Options without a default of their own leave it to the library.
        return (command, option, value) switch
        {
            ("remove", "--keep-galaxies", null) => new RemovalOptions().KeepGalaxies.ToString().ToLowerInvariant(),
            ("detect", "--threshold", null) => (double)new DetectionOptions().Threshold,
            ("detect", "--snr", null) => (double)new DetectionOptions().SnrThreshold,
            _ => value,
        };
    }

    [TestCaseSource(nameof(Filters))]
    public void CommandLineTakesEveryWordOfTheTablesChoices(string proc)
    {
        var f = T.ByProc(proc);
        string[] positional = f.CliCommand == "mock-lens" ? ["in.png", "out.png"] : ["in.png"];
        var root = Program.BuildRoot(new CliContext(new StringWriter(), new StringWriter(), interactive: false));
        foreach (var p in f.Params.Where(p => p.Kind == "choice" && p.Cli != null))
            foreach (var c in p.Choices)
            {
                var parse = root.Parse([f.CliCommand, .. positional, p.Cli!, c.Word]);
                Assert.That(parse.Errors, Is.Empty, $"starplugin {f.CliCommand} {p.Cli} {c.Word} ({p.Name}: {c.Label}): {string.Join("; ", parse.Errors.Select(e => e.Message))}");
            }
    }

    [Test]
    public void RemoveStarsOffersBinningAsTheCommandLine()
    {
        // Off (never), auto and the small factors, Off the default, as --bin's.
        var binning = T.ByProc("plug-in-starplugin-remove-stars").Params.Single(p => p.Name == "binning");
        Assert.That(binning.Cli, Is.EqualTo("--bin"));
        Assert.That(binning.Choices.Select(c => c.Word), Is.EqualTo(new[] { "1", "auto", "2", "3", "4" }));
        Assert.That(binning.DefaultWord, Is.EqualTo("1"));
        Assert.That(new RemovalOptions().Binning, Is.EqualTo(Factor(binning.DefaultWord)), "the dialog's default is the library's");
    }

    [TestCaseSource(nameof(Filters))]
    public void CommandLineDefaultsAgreeWithTheTable(string proc)
    {
        var f = T.ByProc(proc);
        string[] positional = f.CliCommand == "mock-lens" ? ["in.png", "out.png"] : ["in.png"];
        foreach (var p in f.Params.Where(p => p.Cli != null))
        {
            string option = p.Cli!.Split('#')[0];
            object? v = CliDefault(f.CliCommand, option, positional);
            string what = $"starplugin {f.CliCommand} {p.Cli} ({p.Name})";
            if (p.Cli.Contains('#'))
            {
                int part = int.Parse(p.Cli.Split('#')[1], CultureInfo.InvariantCulture);
                Assert.That(Number(((string)v!).Split(',')[part]), Is.EqualTo(p.Default).Within(1e-6), what);
            }
            else if (p.Kind == "choice") Assert.That(v, Is.EqualTo(p.DefaultWord), what);
            else if (p.Kind == "bool") Assert.That(v is true, Is.EqualTo(p.CliNegated ? p.Default == 0 : p.Default != 0), what);
            else if (p.Kind == "file") Assert.That(v, Is.Null, what);
            else Assert.That(Convert.ToDouble(v, CultureInfo.InvariantCulture), Is.EqualTo(p.Default).Within(1e-6), what);
        }
    }

    // --- the GIMP shims ---

    [TestCase("native/gimp/starplugin-gimp.c")]
    [TestCase("native/gimp3/starplugin-gimp3.c")]
    public void GimpShimsTakeEveryParameterFromTheTable(string shim)
    {
        // No parameter name, default or label of the table is written into a shim: they
        // register and read what filters.c says, so GIMP 2.10 and 3 cannot drift apart.
        string source = File.ReadAllText(Repo.Path_(shim.Split('/')));
        foreach (var f in T.Filters)
        {
            Assert.That(source, Does.Not.Contain($"\"{f.Proc}\""), $"{shim}: procedure names come from the table");
            foreach (var p in f.Params)
            {
                Assert.That(source, Does.Not.Contain($"\"{p.Name}\""), $"{shim}: {p.Name}");
                if (p.Label != null) Assert.That(source, Does.Not.Contain($"\"{p.Label}\""), $"{shim}: {p.Label}");
            }
        }
        Assert.That(source, Does.Contain("sph_filters[").Or.Contain("sph_filter_by_proc"), shim);
        Assert.That(source, Does.Contain("sph_gimp_run("), $"{shim}: the work on the image is shared");
        Assert.That(source, Does.Not.Match(@"\bsp_[a-z_]+\("), $"{shim}: libstarplugin is reached through native/hosts/engine.c only");
    }

    [Test]
    public void OnlyTheEngineAdapterCallsTheLibrary()
    {
        foreach (var file in Directory.EnumerateFiles(Repo.Path_("native", "hosts"), "*.c"))
        {
            bool calls = Regex.IsMatch(File.ReadAllText(file), @"\bsp_(?!h)[a-z_]+\(");
            Assert.That(calls, Is.EqualTo(Path.GetFileName(file) == "engine.c"), file);
        }
    }

    [Test]
    public void EveryProcedureHasAHelpPage()
    {
        string dir = Directory.CreateTempSubdirectory("sp-help").FullName;
        try
        {
            var (code, output) = Repo.Run(FilterTable.Tool, ["help", dir]);
            Assert.That(code, Is.EqualTo(0), output);
            var map = System.Xml.Linq.XDocument.Load(Path.Combine(dir, "en", "gimp-help.xml"));
            var items = map.Root!.Elements("item").ToDictionary(e => (string)e.Attribute("id")!, e => (string)e.Attribute("ref")!);
            foreach (var f in T.Filters)
            {
                Assert.That(items, Does.ContainKey(f.Proc));
                string page = File.ReadAllText(Path.Combine(dir, "en", items[f.Proc]));
                Assert.That(page, Does.Contain($"<h1>{f.Title}</h1>"));
                foreach (var p in f.Registered) Assert.That(page, Does.Contain(p.Label!.Replace("_", "")), $"{f}: {p}");
            }
        }
        finally { Directory.Delete(dir, true); }
    }
}
