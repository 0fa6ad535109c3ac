using StarPlugin.Cli;
using StarPlugin.Cli.Hosting;
using StarPlugin.Imaging;
using StarPlugin.IO;
using StarPlugin.Tests.Lensing;

namespace StarPlugin.Tests.Cli;

/// <summary>`starplugin lens score`: batches, bad files, shards and resume, with a small model whose scores are known.</summary>
public class LensScoreCliTests
{
    private string _dir = "", _model = "";

    [SetUp]
    public void SetUp()
    {
        _dir = Directory.CreateTempSubdirectory("lensscore").FullName;
        _model = LensFinderTests.BlueSpotModel().Save(_dir, "m.onnx");
        Directory.CreateDirectory(Path.Combine(_dir, "in"));
        for (int i = 0; i < 70; i++)
        {
            var rng = new Random(3); // one sky for all: the spot alone changes
            var img = new AstroImage(33, 33, 3, new ImageMetadata { SourceFormat = SampleFormat.Float32 });
            for (int k = 0; k < img.Data.Length; k++) img.Data[k] = 0.01f * (float)rng.NextGaussian();
            img[0, 16, 16] = i * 0.01f;
            ImageFile.Write(Path.Combine(_dir, "in", $"c{i:D3}.fits"), img);
            if (i % 10 == 0) ImageFile.Write(Path.Combine(_dir, "in", $"c{i:D3}.png"), new AstroImage(33, 33, 3, new ImageMetadata { SourceFormat = SampleFormat.UInt8 })); // the PNG beside a cube is not scored twice
        }
    }

    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    private static (int Code, string Err) Cli(params string[] args)
    {
        var o = new StringWriter(); var e = new StringWriter();
        int code = Program.Run(args, new CliContext(o, e, interactive: false));
        return (code, e.ToString() + o);
    }

    private string P(string name) => Path.Combine(_dir, name);

    [Test]
    public void ScoresEveryCutoutOnceInFileOrder()
    {
        var (code, err) = Cli("lens", "score", P("in"), "--out", P("s.csv"), "--model", _model, "--batch", "16", "--threads", "1");
        Assert.That(code, Is.EqualTo(0), err);
        var rows = File.ReadAllLines(P("s.csv"));
        Assert.That(rows[0], Is.EqualTo("id,file,score"));
        Assert.That(rows.Length, Is.EqualTo(71));
        var scores = rows.Skip(1).Select(r => float.Parse(r.Split(',')[2], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.That(rows[1].Split(',')[1], Does.EndWith("c000.fits"));
        Assert.That(scores[0], Is.LessThan(0.3f));
        Assert.That(scores[^1], Is.GreaterThan(0.8f));
        for (int i = 15; i < scores.Length; i++) Assert.That(scores[i], Is.GreaterThan(scores[i - 1]), $"cutout {i}: spot 10σ and up");
        Assert.That(File.Exists(P("s.csv.part")), Is.False);
    }

    [Test]
    public void ABadFileIsReportedTheRestScoredAndTheExitCodeIs2()
    {
        File.WriteAllText(P("in/c999.fits"), "SIMPLE  = T this is no FITS file");
        var (code, err) = Cli("lens", "score", P("in"), "--out", P("s.csv"), "--model", _model, "--threads", "1");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain("c999.fits"));
        Assert.That(File.ReadAllLines(P("s.csv")).Length, Is.EqualTo(71), "the 70 good cutouts are scored");
    }

    [Test]
    public void ShardsMergeIntoTheSingleRun()
    {
        Assert.That(Cli("lens", "score", P("in"), "--out", P("single.csv"), "--model", _model).Code, Is.EqualTo(0));
        for (int i = 0; i < 4; i++)
            Assert.That(Cli("lens", "score", P("in"), "--out", P("s.csv"), "--model", _model, "--shard", $"{i}/4", "--batch", "7").Code, Is.EqualTo(0));
        Assert.That(File.Exists(P("s.shard3of4.csv")), Is.True);
        Assert.That(Cli("merge", _dir, "--out", P("s.csv"), "--expect-shards", "4").Code, Is.EqualTo(0));
        Assert.That(File.ReadAllText(P("s.csv")), Is.EqualTo(File.ReadAllText(P("single.csv"))));
    }

    [Test]
    public void AKilledRunResumesFromItsPartialRows()
    {
        // What a run killed after its first batch leaves: the rows it logged, the last one cut mid-write.
        string first = Path.Combine(_dir, "in", "c000.fits");
        File.WriteAllText(P("s.csv.part"), $"c000,{first},0.123456\nc001,{Path.Combine(_dir, "in", "c001.fits")},0.9");
        var (code, err) = Cli("lens", "score", P("in"), "--out", P("s.csv"), "--model", _model);
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(err, Does.Contain("1 already scored"));
        var rows = File.ReadAllLines(P("s.csv"));
        Assert.That(rows[1], Is.EqualTo($"c000,{first},0.123456"), "the logged row is kept, not scored again");
        Assert.That(rows[2], Does.Not.EndWith(",0.9"), "the cut row is scored again");
        // A finished output is left alone unless forced.
        var before = File.ReadAllText(P("s.csv"));
        Assert.That(Cli("lens", "score", P("in"), "--out", P("s.csv"), "--model", _model).Code, Is.EqualTo(0));
        Assert.That(File.ReadAllText(P("s.csv")), Is.EqualTo(before));
        Assert.That(Cli("lens", "score", P("in"), "--out", P("s.csv"), "--model", _model, "--force").Code, Is.EqualTo(0));
        Assert.That(File.ReadAllLines(P("s.csv"))[1], Does.Not.EndWith("0.123456"));
    }

    [Test]
    public void AModelMadeForAnotherTaskIsAnError()
    {
        string star = StarPlugin.Tests.Support.TestModels.Threshold().Save(_dir, "star.onnx");
        var (code, err) = Cli("lens", "score", P("in"), "--out", P("s.csv"), "--model", star);
        Assert.That(code, Is.Not.EqualTo(0));
        Assert.That(err, Does.Contain("not a lens-finder model"));
    }
}
