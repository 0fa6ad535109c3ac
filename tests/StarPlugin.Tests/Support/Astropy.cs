using System.Globalization;
using System.Text.Json;
using StarPlugin.Imaging;

namespace StarPlugin.Tests.Support;

/// <summary>
/// astropy (Debian python3-astropy) as the reference implementation of FITS and WCS:
/// tests/StarPlugin.Tests/Fixtures/astropy_fixtures.py writes fixtures and reads files
/// back. test.sh sets STARPLUGIN_REQUIRE_HOSTS=1, so CI fails if astropy is missing;
/// elsewhere the tests that need it are skipped with a message.
/// </summary>
internal static class Astropy
{
    public const string Python = "/usr/bin/python3";
    public static string Script => Repo.Path_("tests", "StarPlugin.Tests", "Fixtures", "astropy_fixtures.py");

    private static bool? _available;

    public static void Require(bool withSep = false)
    {
        _available ??= File.Exists(Python) && Repo.Run(Python, ["-c", "import astropy.io.fits, astropy.wcs, numpy, PIL"]).Code == 0;
        bool ok = _available.Value && (!withSep || Repo.Run(Python, ["-c", "import sep"]).Code == 0);
        if (ok) return;
        string what = withSep ? "python3-astropy, python3-sep and python3-pil" : "python3-astropy and python3-pil";
        if (Environment.GetEnvironmentVariable("STARPLUGIN_REQUIRE_HOSTS") == "1") Assert.Fail($"{what} are required (tools/apt-deps.sh)");
        Assert.Ignore($"{what} not installed: the FITS/WCS tests against astropy are skipped (tools/apt-deps.sh installs them)");
    }

    /// <summary>Runs a subcommand of the fixture script; its stdout.</summary>
    public static string Run(params string[] args)
    {
        var (code, output) = Repo.Run(Python, [Script, .. args]);
        Assert.That(code, Is.EqualTo(0), $"astropy_fixtures.py {string.Join(' ', args)}: {output}");
        return output;
    }

    /// <summary>astropy's reading of a FITS file (the script's "read").</summary>
    public static Reading Read(string fits, string scratchBase)
    {
        Run("read", fits, scratchBase);
        return Reading.Load(scratchBase);
    }

    public sealed record Reading(int Bitpix, int[] Shape, string Dtype, double Bzero, double Bscale, long? Blank, string[] Cards, double[] Data, string[] Verify)
    {
        public int Width => Shape[^1];
        public int Height => Shape[^2];
        public int Planes => Shape.Length == 3 ? Shape[0] : 1;

        /// <summary>astropy's value at numpy index [plane, row, col] (row 0 = first FITS row).</summary>
        public double At(int plane, int row, int col) => Data[(plane * Height + row) * Width + col];

        public static Reading Load(string basePath)
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(basePath + ".json"));
            var r = doc.RootElement;
            var bytes = File.ReadAllBytes(basePath + ".f64");
            var data = new double[bytes.Length / 8];
            Buffer.BlockCopy(bytes, 0, data, 0, bytes.Length);
            long? blank = r.TryGetProperty("blank", out var b) && b.ValueKind == JsonValueKind.Number ? b.GetInt64() : null;
            string[] verify = r.TryGetProperty("verify", out var v) ? v.EnumerateArray().Select(e => e.GetString()!).ToArray() : [];
            return new Reading(r.GetProperty("bitpix").GetInt32(), r.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
                r.GetProperty("dtype").GetString()!, r.GetProperty("bzero").GetDouble(), r.GetProperty("bscale").GetDouble(), blank,
                r.GetProperty("cards").EnumerateArray().Select(e => e.GetString()!).ToArray(), data, verify);
        }
    }

    /// <summary>Reads a CSV by column name; text fields become NaN.</summary>
    public static List<Dictionary<string, double>> Csv(string path)
    {
        var lines = File.ReadAllLines(path).Where(l => l.Length > 0).ToArray();
        var head = lines[0].Split(',');
        return lines.Skip(1).Select(l => l.Split(',')).Select(f => head.Select((h, i) => (h, i))
            .ToDictionary(t => t.h, t => double.TryParse(f[t.i], NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : double.NaN)).ToList();
    }

    /// <summary>
    /// Our sample in physical units at numpy index [plane, row, col] of the file (FITS rows
    /// counted from the first), as a float file stores it (float32).
    /// </summary>
    public static double Physical(AstroImage img, int plane, int fitsRow, int col)
    {
        var grid = PixelFrame.FitsGrid(img);
        return (float)(img[plane, grid.Row(fitsRow), col] * img.Metadata.PhysicalScale);
    }
}
