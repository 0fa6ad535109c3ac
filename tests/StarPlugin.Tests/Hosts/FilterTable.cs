using System.Text.Json;
using System.Text.Json.Serialization;
using StarPlugin.Tests.Support;

namespace StarPlugin.Tests.Hosts;

/// <summary>
/// The filter table of native/hosts/filters.c, as native/hosts/table-dump.c prints it:
/// compiled here with gcc, so the tests read what the C compiler sees.
/// </summary>
internal sealed record FilterTable(
    [property: JsonPropertyName("menu_path")] string MenuPath,
    [property: JsonPropertyName("image_types")] string ImageTypes,
    [property: JsonPropertyName("help_domain")] string HelpDomain,
    [property: JsonPropertyName("filters")] List<TableFilter> Filters)
{
    private static readonly Lazy<(FilterTable Table, string Tool)> Loaded = new(Build);

    public static FilterTable Table => Loaded.Value.Table;

    /// <summary>The compiled table-dump tool (also writes the help pages).</summary>
    public static string Tool => Loaded.Value.Tool;

    private static (FilterTable, string) Build()
    {
        string tool = Path.Combine(Directory.CreateTempSubdirectory("sp-table").FullName, "starplugin-table");
        var (cc, ccOut) = Repo.Run("gcc", $"-std=gnu11 -O1 -Wall -Wextra -Werror -o \"{tool}\" native/hosts/table-dump.c native/hosts/filters.c -lm");
        Assert.That(cc, Is.EqualTo(0), ccOut);
        var (code, json) = Repo.Run(tool, "json");
        Assert.That(code, Is.EqualTo(0), json);
        return (JsonSerializer.Deserialize<FilterTable>(json)!, tool);
    }

    public TableFilter ByProc(string proc) => Filters.Single(f => f.Proc == proc);
}

internal sealed record TableFilter(
    [property: JsonPropertyName("proc")] string Proc,
    [property: JsonPropertyName("menu_label")] string MenuLabel,
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("blurb")] string Blurb,
    [property: JsonPropertyName("help")] string Help,
    [property: JsonPropertyName("cli_command")] string CliCommand,
    [property: JsonPropertyName("gmic_command")] string GmicCommand,
    [property: JsonPropertyName("result_name")] string? ResultName,
    [property: JsonPropertyName("preview")] bool Preview,
    [property: JsonPropertyName("params")] List<TableParam> Params)
{
    /// <summary>The parameters GIMP registers, in order (not the fixed ones).</summary>
    public IEnumerable<TableParam> Registered => Params.Where(p => p.Kind != "fixed");

    public override string ToString() => Proc;
}

internal sealed record TableParam(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("label")] string? Label,
    [property: JsonPropertyName("tooltip")] string? Tooltip,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("default")] double Default,
    [property: JsonPropertyName("min")] double Min,
    [property: JsonPropertyName("max")] double Max,
    [property: JsonPropertyName("step")] double Step,
    [property: JsonPropertyName("digits")] int Digits,
    [property: JsonPropertyName("zero_means")] string? ZeroMeans,
    [property: JsonPropertyName("cli")] string? Cli,
    [property: JsonPropertyName("cli_negated")] bool CliNegated,
    [property: JsonPropertyName("gmic_arg")] int GmicArg,
    [property: JsonPropertyName("choices")] List<TableChoice> Choices)
{
    public string DefaultWord => Choices[(int)Default].Word;

    public override string ToString() => Name;
}

internal sealed record TableChoice(
    [property: JsonPropertyName("word")] string Word,
    [property: JsonPropertyName("label")] string Label);
