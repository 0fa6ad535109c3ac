using System.Globalization;
using System.Text.RegularExpressions;
using StarPlugin.Tests.Support;

namespace StarPlugin.Tests.Hosts;

/// <summary>
/// The GIMP 3 shim cannot be built against a real libgimp-3.0 here (Debian 12 has
/// none). It is compiled (-Wall -Wextra -Werror) against a stand-in with GIMP 3.0's
/// declarations (Gimp3Stub/), and its registration is run: the procedures and
/// arguments it registers must be the table's, as GIMP 2.10's are
/// (GimpHostTests.GimpRegisteredExactlyTheTable).
/// </summary>
public partial class Gimp3ShimTests
{
    private static string? _output;

    private static string Registration()
    {
        if (_output != null) return _output;
        string dir = Path.GetDirectoryName(Repo.NativeLibrary())!;
        string exe = Path.Combine(Directory.CreateTempSubdirectory("sp-gimp3").FullName, "starplugin-gimp3");
        var (_, flags) = Repo.Run("pkg-config", "--cflags --libs gegl-0.4 gio-2.0");
        string stub = "tests/StarPlugin.Tests/Hosts/Gimp3Stub";
        var (cc, ccOut) = Repo.Run("gcc", $"-std=gnu11 -Wall -Wextra -Werror -o \"{exe}\" native/gimp3/starplugin-gimp3.c " +
            $"native/hosts/filters.c native/hosts/engine.c native/hosts/gimp-filters.c {stub}/stub.c -I{stub} -Inative/include -Inative/hosts " +
            $"{flags.Trim()} -L\"{dir}\" -lstarplugin -Wl,-rpath,\"{dir}\" -lm");
        Assert.That(cc, Is.EqualTo(0), ccOut);
        var (code, output) = Repo.Run(exe, "");
        Directory.Delete(Path.GetDirectoryName(exe)!, true);
        Assert.That(code, Is.EqualTo(0), output);
        return _output = output;
    }

    [GeneratedRegex(@"^ARG (\S+) (\S+) (\S+) ?(.*)$", RegexOptions.Multiline)]
    private static partial Regex ArgLine();

    [Test]
    public void RegistersEveryProcedureOfTheTable()
    {
        string output = Registration();
        Assert.That(output, Does.Not.Contain("MISSING"));
        foreach (var f in FilterTable.Table.Filters)
        {
            Assert.That(output, Does.Contain($"PROC {f.Proc} "));
            Assert.That(output, Does.Contain($"TYPES {f.Proc} {FilterTable.Table.ImageTypes}\n"));
            Assert.That(output, Does.Contain($"LABEL {f.Proc} {f.MenuLabel}\n"));
            Assert.That(output, Does.Contain($"MENU {f.Proc} {FilterTable.Table.MenuPath}\n"));
            Assert.That(output, Does.Contain($"DOC {f.Proc} {f.Blurb}|{System.Text.Encoding.UTF8.GetByteCount(f.Help)}|{f.Proc}\n"));
            if (f.ResultName != null) Assert.That(output, Does.Contain($"RETURN {f.Proc} {f.ResultName} int"));
        }
        Assert.That(output, Does.Contain($"HELP {FilterTable.Table.HelpDomain} /stub/plug-ins/starplugin/help"));
    }

    [Test]
    public void RegistersTheTablesArgumentsWithTheirDefaultsAndRanges()
    {
        var args = ArgLine().Matches(Registration()).GroupBy(m => m.Groups[1].Value).ToDictionary(g => g.Key, g => g.ToList());
        foreach (var f in FilterTable.Table.Filters)
        {
            var got = args[f.Proc];
            var expected = f.Registered.ToList();
            Assert.That(got.Select(m => m.Groups[2].Value), Is.EqualTo(expected.Select(p => p.Name)), $"{f}: the same arguments in the same order as GIMP 2.10");
            for (int i = 0; i < expected.Count; i++)
            {
                var p = expected[i];
                string kind = got[i].Groups[3].Value, rest = got[i].Groups[4].Value;
                string what = $"{f}.{p}";
                switch (p.Kind)
                {
                    case "choice":
                        Assert.That(kind, Is.EqualTo("choice"), what);
                        string words = string.Join("|", p.Choices.Select((c, k) => $"{c.Word}={k}:{c.Label}"));
                        Assert.That(rest, Is.EqualTo($"{p.DefaultWord} {words}"), what);
                        break;
                    case "bool":
                        Assert.That((kind, rest), Is.EqualTo(("bool", ((int)p.Default).ToString(CultureInfo.InvariantCulture))), what);
                        break;
                    case "file":
                        Assert.That((kind, rest), Is.EqualTo(("file", "1 1 none")), $"{what}: a file to save, may be empty");
                        break;
                    default:
                        Assert.That(kind, Is.EqualTo(p.Kind), what);
                        var n = rest.Split(' ').Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray();
                        Assert.That(n, Is.EqualTo(new[] { p.Default, p.ZeroMeans != null ? 0 : p.Min, p.Max }).Within(1e-9), what);
                        break;
                }
            }
        }
    }
}
