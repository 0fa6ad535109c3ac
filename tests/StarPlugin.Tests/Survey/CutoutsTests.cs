using System.Text.Json;
using StarPlugin.Cli;
using StarPlugin.Cli.Hosting;
using StarPlugin.Tests.IO;
using StarPlugin.Tests.Support;

namespace StarPlugin.Tests.Survey;

/// <summary>
/// `starplugin cutouts` against astropy: bricks with a TAN-SIP WCS written by astropy
/// (plain float, scaled int16 with BLANK, and fpack-compressed), a catalogue placed with
/// astropy's all_pix2world, and astropy's own windows of the arrays as the reference.
/// </summary>
public class CutoutsTests
{
    private const int Size = 21;
    private static string _bricks = "";

    [OneTimeSetUp]
    public void MakeBricks()
    {
        ExternalTools.RequirePython("astropy", "numpy");
        _bricks = Directory.CreateTempSubdirectory("bricks").FullName;
        ExternalTools.Run(ExternalTools.Python, Script("make_bricks.py"), _bricks, Size.ToString());
    }

    [OneTimeTearDown]
    public void Clean() { if (_bricks.Length > 0 && Directory.Exists(_bricks)) Directory.Delete(_bricks, true); }

    internal static string Script(string name) => Repo.Path_("tests", "StarPlugin.Tests", "Survey", name);
    private static string B(string name) => Path.Combine(_bricks, name);

    internal static (int Code, string Out, string Err) Cli(params string[] args)
    {
        var o = new StringWriter(); var e = new StringWriter();
        int code = Program.Run(args, new CliContext(o, e, interactive: false));
        return (code, o.ToString(), e.ToString());
    }

    private static JsonElement Json(string stdout) => JsonDocument.Parse(stdout).RootElement;

    private static void CheckAgainstAstropy(string dir, string bands)
    {
        string report = ExternalTools.Run(ExternalTools.Python, Script("check_cutouts.py"), B("reference.json"), dir, bands);
        var r = Json(report.Trim().Split('\n')[^1]);
        Assert.That(r.GetProperty("checked").GetInt32(), Is.EqualTo(19));
        Assert.That(r.GetProperty("mismatches").EnumerateArray().Select(m => m.GetString()), Is.Empty);
    }

    [Test]
    public void CutoutsOfPlainBricksEqualAstropysWindows()
    {
        string outDir = B("plain");
        // Bands given out of order: the cube is still g, r, z (from the BAND cards).
        var (code, stdout, err) = Cli("cutouts", B("catalog.csv"), "--image", B("brick-z-int.fits"), "--image", B("brick-g.fits"), "--image", B("brick-r.fits"),
            "--size", Size.ToString(), "--out", outDir, "--json");
        Assert.That(code, Is.EqualTo(0), err);
        var j = Json(stdout);
        Assert.That(j.GetProperty("cut").GetInt32(), Is.EqualTo(19));
        Assert.That(j.GetProperty("edge").GetInt32(), Is.EqualTo(6));
        Assert.That(j.GetProperty("outside").GetInt32(), Is.EqualTo(2));
        CheckAgainstAstropy(outDir, "g,r,z-int");
        var outside = File.ReadAllLines(Path.Combine(outDir, "outside.csv"));
        Assert.That(outside.Skip(1).Select(l => l.Split(',')[0]), Is.EqualTo(new[] { "obj019", "obj020" }));
        var manifest = File.ReadAllLines(Path.Combine(outDir, "manifest.csv"));
        Assert.That(manifest[0], Is.EqualTo(Cli_Header));
        Assert.That(manifest.Length, Is.EqualTo(20));
        Assert.That(manifest.Count(l => l.EndsWith(",edge")), Is.EqualTo(6));
        Assert.That(File.Exists(Path.Combine(outDir, "obj000.png")), Is.True);
    }

    private const string Cli_Header = StarPlugin.Cli.Commands.CutoutsCommand.ManifestHeader;

    [Test]
    public void CutoutsOfFpackedBricksEqualThePlainOnes()
    {
        string fpack = ExternalTools.Require("fpack", "libcfitsio-bin");
        foreach (var b in new[] { "brick-g", "brick-z-int" }) File.Copy(B(b + ".fits"), B(b + "-c.fits"), true);
        ExternalTools.Run(fpack, "-q", "0", "-g", B("brick-g-c.fits"));          // lossless GZIP_1 floats, one row a tile
        ExternalTools.Run(fpack, "-t", "420,7", B("brick-z-int-c.fits"));        // RICE_1 int16, tiles of 7 rows
        string outDir = B("fz");
        var (code, stdout, err) = Cli("cutouts", B("catalog.csv"), "--image", B("brick-g-c.fits.fz"), "--image", B("brick-r.fits"), "--image", B("brick-z-int-c.fits.fz"),
            "--size", Size.ToString(), "--out", outDir, "--json");
        Assert.That(code, Is.EqualTo(0), err);
        CheckAgainstAstropy(outDir, "g,r,z-int");
    }

    [Test]
    public void PixelCataloguePlacesObjectsAsTheSkyCatalogue()
    {
        string sky = B("sky"), xy = B("xy");
        Assert.That(Cli("cutouts", B("catalog.csv"), "--image", B("brick-g.fits"), "--size", "15", "--out", sky, "--no-png").Code, Is.EqualTo(0));
        Assert.That(Cli("cutouts", B("catalog_xy.csv"), "--image", B("brick-g.fits"), "--size", "15", "--out", xy, "--no-png").Code, Is.EqualTo(0));
        var a = File.ReadAllLines(Path.Combine(sky, "manifest.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        var b = File.ReadAllLines(Path.Combine(xy, "manifest.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        Assert.That(b.Select(r => r[0]), Is.EqualTo(a.Select(r => r[0])));
        for (int i = 0; i < a.Count; i++)
        {
            Assert.That(b[i][9..11], Is.EqualTo(a[i][9..11]), $"pixel centre of {a[i][0]}");
            Assert.That(double.Parse(b[i][7]), Is.EqualTo(double.Parse(a[i][7])).Within(2e-3), "x");
            Assert.That(double.Parse(b[i][5]), Is.EqualTo(double.Parse(a[i][5])).Within(1e-8), "ra from the WCS");
            Assert.That(File.ReadAllBytes(Path.Combine(xy, a[i][0] + ".fits")).Skip(2880).SequenceEqual(File.ReadAllBytes(Path.Combine(sky, a[i][0] + ".fits")).Skip(2880)), Is.True);
        }
    }

    [Test]
    public void ShardsMergeIntoTheSingleRunAndRerunsResume()
    {
        string single = B("single"), sharded = B("sharded");
        string[] common = ["--image", B("brick-g.fits"), "--image", B("brick-r.fits"), "--image", B("brick-z.fits"), "--size", Size.ToString()];
        Assert.That(Cli(["cutouts", B("catalog.csv"), .. common, "--out", single]).Code, Is.EqualTo(0));
        for (int i = 0; i < 3; i++) Assert.That(Cli(["cutouts", B("catalog.csv"), .. common, "--out", sharded, "--shard", $"{i}/3"]).Code, Is.EqualTo(0));
        Assert.That(Cli("merge", sharded, "--out", Path.Combine(sharded, "manifest.csv"), "--expect-shards", "3").Code, Is.EqualTo(0));
        Assert.That(Cli("merge", sharded, "--out", Path.Combine(sharded, "outside.csv"), "--expect-shards", "3").Code, Is.EqualTo(0));
        Assert.That(File.ReadAllText(Path.Combine(sharded, "manifest.csv")), Is.EqualTo(File.ReadAllText(Path.Combine(single, "manifest.csv"))));
        Assert.That(File.ReadAllText(Path.Combine(sharded, "outside.csv")), Is.EqualTo(File.ReadAllText(Path.Combine(single, "outside.csv"))));
        foreach (var f in Directory.GetFiles(single, "*.fits"))
            Assert.That(File.ReadAllBytes(Path.Combine(sharded, Path.GetFileName(f))), Is.EqualTo(File.ReadAllBytes(f)), f);
        // A merge that misses a shard says so.
        File.Delete(Path.Combine(sharded, "manifest.shard1of3.csv"));
        var (code, _, err) = Cli("merge", sharded, "--out", Path.Combine(sharded, "m2.csv"), "--expect-shards", "3");
        Assert.That(code, Is.EqualTo(2), err);

        // Resume: a rerun writes only what is missing.
        File.Delete(Path.Combine(single, "obj004.fits"));
        var stamp = File.GetLastWriteTimeUtc(Path.Combine(single, "obj005.fits"));
        var (c2, o2, e2) = Cli(["cutouts", B("catalog.csv"), .. common, "--out", single, "--json"]);
        Assert.That(c2, Is.EqualTo(0), e2);
        Assert.That(Json(o2).GetProperty("cut").GetInt32(), Is.EqualTo(1));
        Assert.That(File.Exists(Path.Combine(single, "obj004.fits")), Is.True);
        Assert.That(File.GetLastWriteTimeUtc(Path.Combine(single, "obj005.fits")), Is.EqualTo(stamp));
    }

    [Test]
    public void ReadingIsBoundedByTheCutoutsNotTheBrick()
    {
        // A 4000 × 3000 float brick (48 MB) and three objects: only their rows are read.
        string big = B("big");
        Directory.CreateDirectory(big);
        ExternalTools.Run(ExternalTools.Python, Script("make_bricks.py"), big, "31", "4000", "3000");
        string brick = Path.Combine(big, "brick-g.fits");
        var lines = File.ReadAllLines(Path.Combine(big, "catalog.csv")).Take(4).ToArray();
        File.WriteAllLines(Path.Combine(big, "three.csv"), lines);
        var (code, stdout, err) = Cli("cutouts", Path.Combine(big, "three.csv"), "--image", brick, "--size", "31", "--out", Path.Combine(big, "out"), "--json");
        Assert.That(code, Is.EqualTo(0), err);
        long read = Json(stdout).GetProperty("bytes_read").GetInt64(), size = new FileInfo(brick).Length;
        Assert.That(read, Is.LessThanOrEqualTo(3L * 2 * 31 * 4000 * 4), "at most a strip of rows per object");
        Assert.That(read, Is.LessThan(size / 20));
    }

    [Test]
    public void BadInputsAreExitCode2WithAMessage()
    {
        File.WriteAllText(B("dup.csv"), "id,ra,dec\na,150.1,2.2\na,150.1,2.2\n");
        var (code, _, err) = Cli("cutouts", B("dup.csv"), "--image", B("brick-g.fits"), "--out", B("bad1"));
        Assert.That(code, Is.EqualTo(2)); Assert.That(err, Does.Contain("appears twice"));
        File.WriteAllText(B("slash.csv"), "id,x,y\n../evil,10,10\n");
        (code, _, err) = Cli("cutouts", B("slash.csv"), "--image", B("brick-g.fits"), "--out", B("bad2"));
        Assert.That(code, Is.EqualTo(2)); Assert.That(err, Does.Contain("cannot name a file"));
        File.WriteAllBytes(B("junk.fits"), "SIMPLE  =                    T"u8.ToArray().Concat(new byte[100]).ToArray());
        (code, _, err) = Cli("cutouts", B("catalog.csv"), "--image", B("junk.fits"), "--out", B("bad3"));
        Assert.That(code, Is.EqualTo(2), err);
        // A picture has no WCS: a sky catalogue cannot be placed on it.
        var png = new StarPlugin.Imaging.AstroImage(64, 64, 3);
        StarPlugin.IO.ImageFile.Write(B("pic.png"), png);
        (code, _, err) = Cli("cutouts", B("catalog.csv"), "--image", B("pic.png"), "--out", B("bad4"));
        Assert.That(code, Is.EqualTo(2)); Assert.That(err, Does.Contain("no celestial WCS"));
    }
}
