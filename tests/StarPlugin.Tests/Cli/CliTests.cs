using StarPlugin.Cli;
using StarPlugin.Cli.Hosting;
using StarPlugin.Imaging;
using StarPlugin.IO;
using StarPlugin.Synthesis;
using StarPlugin.Tests.Support;

namespace StarPlugin.Tests.Cli;

public class CliTests
{
    private string _dir = "";

    [SetUp] public void SetUp() => _dir = Directory.CreateTempSubdirectory("sp-cli").FullName;
    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    internal static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter(); var e = new StringWriter();
        int code = Program.Run(args, new CliContext(o, e, interactive: false));
        return (code, o.ToString(), e.ToString());
    }

    private string P(string name) => Path.Combine(_dir, name);

    [Test]
    public void Convert16BitTiffToFitsAndBackIsLossless()
    {
        var img = TestImages.Random(40, 30, 3, SampleFormat.UInt16);
        img.Metadata.TiffTags[270] = new TiffTagValue(2, 4, "M42\0"u8.ToArray());
        ImageFile.Write(P("in.tif"), img);
        Assert.That(Run("convert", P("in.tif"), P("mid.fits")).Code, Is.EqualTo(0));
        Assert.That(Run("convert", P("mid.fits"), P("out.tif")).Code, Is.EqualTo(0));
        var back = ImageFile.Read(P("out.tif"));
        TestImages.AssertSamePixels(img, back);
        Assert.That(back.Metadata.SourceFormat, Is.EqualTo(SampleFormat.UInt16));
        Assert.That(ImageFile.Read(P("mid.fits")).Metadata.SourceFormat, Is.EqualTo(SampleFormat.UInt16));
    }

    [Test]
    public void InfoPrintsSizeDepthAndCardsAsTextAndJson()
    {
        var img = TestImages.Random(12, 7, 1, SampleFormat.Float32);
        img.Metadata.FitsCards.Add(new FitsCard("OBJECT", "'M 31'", null));
        ImageFile.Write(P("a.fits"), img);
        var (code, text, _) = Run("info", P("a.fits"));
        Assert.That(code, Is.EqualTo(0));
        Assert.That(text, Does.Contain("12 x 7").And.Contain("32-bit float").And.Contain("M 31"));
        var (jcode, json, _) = Run("info", P("a.fits"), "--json");
        Assert.That(jcode, Is.EqualTo(0));
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        Assert.That(doc.RootElement.GetProperty("width").GetInt32(), Is.EqualTo(12));
        Assert.That(doc.RootElement.GetProperty("header").GetProperty("OBJECT").GetString(), Is.EqualTo("M 31"));
    }

    [Test]
    public void ExitCodesFollowTheContract()
    {
        File.WriteAllBytes(P("bad.png"), [137, 80, 78, 71, 13, 10, 26, 10, 0, 0]);
        ImageFile.Write(P("ok.png"), TestImages.Random(4, 4, 1, SampleFormat.UInt8));
        Assert.That(Run("info", P("missing.fits")).Code, Is.EqualTo(ExitCodes.InputError));
        var (code, _, err) = Run("info", P("bad.png"));
        Assert.That(code, Is.EqualTo(ExitCodes.InputError));
        Assert.That(err.Trim().Split('\n'), Has.Length.EqualTo(1), "one line");
        Assert.That(err, Does.Contain("bad.png"));
        Assert.That(Run("info", P("ok.png"), "--bogus").Code, Is.EqualTo(ExitCodes.Usage));
        Assert.That(Run("info").Code, Is.EqualTo(ExitCodes.Usage), "missing argument");
        Assert.That(Run("convert", P("ok.png"), P("ok.png"), "--force").Code, Is.EqualTo(ExitCodes.Usage), "never overwrite the input");
        Assert.That(Run("convert", P("ok.png"), P("o.fits")).Code, Is.EqualTo(0));
        Assert.That(Run("convert", P("ok.png"), P("o.fits")).Code, Is.EqualTo(ExitCodes.Usage), "exists without --force");
        Assert.That(Run("convert", P("ok.png"), P("o.fits"), "--force").Code, Is.EqualTo(0));
        Assert.That(Run("convert", P("ok.png"), P("o.xyz")).Code, Is.EqualTo(ExitCodes.Usage));
    }

    [Test]
    public void DetectWritesACatalogueAndTakesTheFlatSkyRelief()
    {
        var field = StarFieldSynthesizer.Render(new StarFieldOptions
        {
            Width = 384, Height = 384, StarCount = 300, Seed = 41,
            Background = new NebulaBackground { NebulaAmplitude = 0f, Seed = 41 },
        });
        ImageFile.Write(P("field.fits"), field.Image);
        int Count(params string[] extra)
        {
            var (code, json, err) = Run(["detect", P("field.fits"), "--json", .. extra]);
            Assert.That(code, Is.EqualTo(0), err);
            using var doc = System.Text.Json.JsonDocument.Parse(json);
            return doc.RootElement.GetProperty("count").GetInt32();
        }
        int relieved = Count(), oneD = Count("--flat-sky-relief", "0");
        Assert.That(relieved, Is.GreaterThan(oneD), "a flat sky: more of the faintest stars with the default relief");
        Assert.That(Run("detect", P("field.fits"), "--csv", P("cat.csv")).Code, Is.EqualTo(0));
        var lines = File.ReadAllLines(P("cat.csv"));
        Assert.That(lines[0], Is.EqualTo(StarPlugin.Cli.Commands.DetectCommand.CsvHeader));
        Assert.That(lines, Has.Length.EqualTo(relieved + 1));
        Assert.That(Run("detect", P("field.fits"), "--flat-sky-relief", "-1").Code, Is.EqualTo(ExitCodes.Usage));

        // eval detect scores the catalogue and lists its matches (truth row, catalogue row, distance).
        File.WriteAllLines(P("truth.csv"), field.Truth.Select(t => FormattableString.Invariant($"{t.X},{t.Y}")).Prepend("x,y"));
        var (ecode, ejson, eerr) = Run("eval", "detect", P("truth.csv"), P("cat.csv"), "--json");
        Assert.That(ecode, Is.EqualTo(0), eerr);
        using var eval = System.Text.Json.JsonDocument.Parse(ejson);
        var pairs = eval.RootElement.GetProperty("pairs").EnumerateArray().ToList();
        Assert.That(pairs, Has.Count.EqualTo(eval.RootElement.GetProperty("matched").GetInt32()));
        Assert.That(pairs.Select(p => p[0].GetInt32()).Distinct().Count(), Is.EqualTo(pairs.Count), "one-to-one");
        Assert.That(pairs.All(p => p[1].GetInt32() < relieved && p[2].GetDouble() <= 1.5));
    }
}
