using System.Globalization;
using System.Text.RegularExpressions;

namespace StarPlugin.Tests.Hosts;

/// <summary>
/// native/gmic/starplugin.gmic read the way G'MIC (command bodies, ${n=default}) and
/// G'MIC-Qt (#@gui filters) read it. G'MIC-Qt ends a typedef's arguments at the first
/// closing bracket of the kind that opened them, quotes or not: a ")" inside
/// choice("...") ends the list there. This parser does the same, so a test on its
/// result sees what G'MIC-Qt shows.
/// </summary>
internal sealed partial class GmicCommandFile
{
    public Dictionary<string, List<string>> Commands { get; } = new();
    public List<GuiFilter> GuiFilters { get; } = new();
    public List<string> CliLines { get; } = new();

    public GmicCommandFile(string text)
    {
        string? current = null;
        GuiFilter? gui = null;
        foreach (var raw in text.Split('\n'))
        {
            string line = raw.TrimEnd('\r');
            if (line.StartsWith("#@cli", StringComparison.Ordinal)) { CliLines.Add(line); continue; }
            if (line.StartsWith("#@gui", StringComparison.Ordinal))
            {
                string rest = line[5..].Trim();
                if (rest.StartsWith(':')) gui?.ParameterText.Append(' ').Append(rest[1..].Trim());
                else if (rest.Contains(" : "))
                {
                    var parts = rest.Split(" : ", 2);
                    gui = new GuiFilter(parts[0].Trim(), parts[1].Trim());
                    GuiFilters.Add(gui);
                }
                else gui = null; // a folder
                continue;
            }
            if (line.StartsWith('#') || line.Trim().Length == 0) continue;
            var head = CommandHead().Match(line);
            if (head.Success) { current = head.Groups[1].Value; Commands[current] = new List<string>(); continue; }
            if (current != null) Commands[current].Add(line.Trim());
        }
    }

    [GeneratedRegex(@"^([A-Za-z_][A-Za-z0-9_]*)\s*:\s*$")]
    private static partial Regex CommandHead();

    /// <summary>Defaults written as ${n=value} in a command's body, by argument position.</summary>
    public Dictionary<int, string> Defaults(string command)
    {
        var d = new Dictionary<int, string>();
        foreach (Match m in DefaultRegex().Matches(string.Join("\n", Commands[command])))
            d[int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)] = m.Groups[2].Value;
        return d;
    }

    [GeneratedRegex(@"\$\{(\d+)=([^}]*)\}")]
    private static partial Regex DefaultRegex();

    /// <summary>Word lists written as `arg {$n+1},w1,w2,...` (index n → word), by position.</summary>
    public Dictionary<int, string[]> WordLists(string command)
    {
        var d = new Dictionary<int, string[]>();
        foreach (Match m in ArgRegex().Matches(string.Join("\n", Commands[command])))
            d[int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)] = m.Groups[2].Value.Split(',');
        return d;
    }

    [GeneratedRegex(@"arg \{\$(\d+)\+1\},([^\s]+)")]
    private static partial Regex ArgRegex();

    /// <summary>
    /// What a command's `check "..."` accepts for each argument, by position: a conjunction
    /// of `isint($n)` and comparisons of `$n` (or `${n=default}`) with a number. Any other
    /// term is refused (FormatException), so a check this reader does not understand cannot
    /// pass a test unread.
    /// </summary>
    public Dictionary<int, CheckRange> CheckRanges(string command)
    {
        var checks = Commands[command].Where(l => l.StartsWith("check ", StringComparison.Ordinal)).ToList();
        if (checks.Count != 1) throw new FormatException($"{command}: {checks.Count} check lines");
        var m = CheckLineRegex().Match(checks[0]);
        if (!m.Success) throw new FormatException($"{command}: {checks[0]}");
        var ranges = new Dictionary<int, CheckRange>();
        CheckRange Of(string n) => ranges.GetValueOrDefault(int.Parse(n, CultureInfo.InvariantCulture), new CheckRange());
        foreach (var raw in m.Groups[1].Value.Split("&&"))
        {
            string term = raw.Trim();
            if (IsIntRegex().Match(term) is { Success: true } i)
                ranges[int.Parse(i.Groups[1].Value, CultureInfo.InvariantCulture)] = Of(i.Groups[1].Value) with { IsInt = true };
            else if (CompareRegex().Match(term) is { Success: true } c)
            {
                double v = double.Parse(c.Groups[3].Value, NumberStyles.Float, CultureInfo.InvariantCulture);
                var r = Of(c.Groups[1].Value);
                r = c.Groups[2].Value switch
                {
                    ">=" => r with { Min = v, MinInclusive = true },
                    ">" => r with { Min = v, MinInclusive = false },
                    "<=" => r with { Max = v, MaxInclusive = true },
                    _ => r with { Max = v, MaxInclusive = false },
                };
                ranges[int.Parse(c.Groups[1].Value, CultureInfo.InvariantCulture)] = r;
            }
            else throw new FormatException($"{command}: check term not understood: '{term}'");
        }
        return ranges;
    }

    [GeneratedRegex(@"^check\s+""([^""]*)""\s*$")]
    private static partial Regex CheckLineRegex();

    [GeneratedRegex(@"^isint\(\s*\$\{?(\d+)(?:=[^}]*)?\}?\s*\)$")]
    private static partial Regex IsIntRegex();

    [GeneratedRegex(@"^\$\{?(\d+)(?:=[^}]*)?\}?\s*(>=|<=|>|<)\s*([-+]?[0-9.]+(?:[eE][-+]?\d+)?)$")]
    private static partial Regex CompareRegex();

    /// <summary>The #@cli usage line's arguments in order; for `_name={ 0=a | 1=b | 2..8 }` the words a, b, 2..8.</summary>
    public List<(string Name, string[]? Words)> CliArguments(string command)
    {
        string usage = CliLines.First(l => l.StartsWith($"#@cli {command} :", StringComparison.Ordinal));
        string args = usage[(usage.IndexOf(" : ", StringComparison.Ordinal) + 3)..];
        var list = new List<(string, string[]?)>();
        int depth = 0, start = 0;
        for (int i = 0; i <= args.Length; i++)
        {
            if (i < args.Length && args[i] == '{') depth++;
            else if (i < args.Length && args[i] == '}') depth--;
            else if (i == args.Length || (args[i] == ',' && depth == 0))
            {
                string a = args[start..i].Trim();
                var m = CliChoiceRegex().Match(a);
                list.Add(m.Success ? (m.Groups[1].Value, m.Groups[2].Value.Split('|').Select(w => w.Split('=')[^1].Trim()).ToArray()) : (a, null));
                start = i + 1;
            }
        }
        return list;
    }

    [GeneratedRegex(@"_(\w+)=\{([^}]*)\}")]
    private static partial Regex CliChoiceRegex();
}

/// <summary>One argument's bounds in a `check`: null where there is none.</summary>
internal sealed record CheckRange(double? Min = null, bool MinInclusive = false, double? Max = null, bool MaxInclusive = false, bool IsInt = false)
{
    public override string ToString() =>
        $"{(Min is { } a ? (MinInclusive ? "[" : "(") + a.ToString(CultureInfo.InvariantCulture) : "(-inf")}..{(Max is { } b ? b.ToString(CultureInfo.InvariantCulture) + (MaxInclusive ? "]" : ")") : "inf)")}{(IsInt ? " int" : "")}";
}

internal sealed class GuiFilter(string name, string commands)
{
    public string Name { get; } = name;
    /// <summary>"command, preview_command(zoom)".</summary>
    public string Commands { get; } = commands;
    public System.Text.StringBuilder ParameterText { get; } = new();

    public string Command => Commands.Split(',')[0].Trim();
    public string Preview => Commands.Split(',', 2)[1].Trim();

    /// <summary>The parameters as G'MIC-Qt parses them (see the class comment above).</summary>
    public List<GuiParameter> Parameters()
    {
        var list = new List<GuiParameter>();
        string t = ParameterText.ToString();
        int i = 0;
        while (i < t.Length)
        {
            int eq = t.IndexOf('=', i);
            if (eq < 0) break;
            string label = t[i..eq].Trim().TrimStart(',').Trim();
            int j = eq + 1;
            while (j < t.Length && t[j] == ' ') j++;
            int open = t.IndexOfAny(['(', '[', '{'], j);
            string type = t[j..open].Trim().TrimStart('_');
            char close = t[open] switch { '(' => ')', '[' => ']', _ => '}' };
            int end = t.IndexOf(close, open + 1);
            if (end < 0) end = t.Length;
            list.Add(new GuiParameter(label, type, t[(open + 1)..end]));
            i = end + 1;
            while (i < t.Length && "_0123456789+-*".Contains(t[i])) i++; // a visibility suffix
            while (i < t.Length && (t[i] == ' ' || t[i] == ',')) i++;
        }
        return list;
    }
}

internal sealed record GuiParameter(string Label, string Type, string Arguments)
{
    /// <summary>Arguments split at commas outside double quotes, quotes removed.</summary>
    public List<string> Args()
    {
        var args = new List<string>();
        var cur = new System.Text.StringBuilder();
        bool quoted = false;
        foreach (char c in Arguments)
        {
            if (c == '"') { quoted = !quoted; continue; }
            if (c == ',' && !quoted) { args.Add(cur.ToString().Trim()); cur.Clear(); continue; }
            cur.Append(c);
        }
        args.Add(cur.ToString().Trim());
        return args;
    }

    /// <summary>For choice: the default index (an unquoted leading number, else 0) and the labels.</summary>
    public (int Default, List<string> Labels) Choice()
    {
        var args = Args();
        bool leadingNumber = !Arguments.TrimStart().StartsWith('"') && int.TryParse(args[0], out _);
        return leadingNumber ? (int.Parse(args[0], CultureInfo.InvariantCulture), args.Skip(1).ToList()) : (0, args);
    }

    public bool IsValued => Type is not ("note" or "separator" or "link");
}
