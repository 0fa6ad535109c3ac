using StarPlugin.Cli;
using StarPlugin.Cli.Hosting;
using StarPlugin.Imaging;
using StarPlugin.IO;
using StarPlugin.Synthesis;
using StarPlugin.Tests.Support;

namespace StarPlugin.Tests.Cli;

/// <summary>The star-removal, lens and evaluation commands end to end, with a deterministic test model.</summary>
public class RemovalCliTests
{
    private string _dir = "", _model = "";

    [SetUp]
    public void SetUp()
    {
        _dir = Directory.CreateTempSubdirectory("sp-rcli").FullName;
        _model = TestModels.LocalContrast().Save(_dir, "model.onnx");
    }

    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    private string P(string name) => Path.Combine(_dir, name);
    private static (int Code, string Out, string Err) Run(params string[] args) => CliTests.Run(args);

    private static StarField Field(int size, int seed, int channels = 3) => StarFieldSynthesizer.Render(new StarFieldOptions
    { Width = size, Height = size, Channels = channels, StarCount = size / 4, Seed = seed, FluxMin = 3000, Background = new NebulaBackground { NebulaAmplitude = 800 } });

    [Test]
    public void SixteenBitTiffKeepsDepthAndTags()
    {
        var img = Field(200, 1).Image;
        var s = StarPlugin.Stretching.MtfStretch.Auto(img.Luminance(), 1f, 0.2f);
        s.Apply(img.Data);
        System.Numerics.Tensors.TensorPrimitives.Max(img.Data, 0f, img.Data); System.Numerics.Tensors.TensorPrimitives.Min(img.Data, 1f, img.Data); // a 16-bit picture holds [0, 1]; writers no longer clip
        img.Metadata.SourceFormat = SampleFormat.UInt16;
        img.Metadata.TiffTags[270] = new TiffTagValue(2, 6, "NGC 1\0"u8.ToArray());
        ImageFile.Write(P("in.tif"), img);
        var (code, _, err) = Run("remove", P("in.tif"), "--starless", P("sl.tif"), "--stars", P("st.tif"), "--mask", P("mask.tif"), "--model", _model, "--tile", "64");
        Assert.That(code, Is.EqualTo(0), err);
        var sl = ImageFile.Read(P("sl.tif")); var st = ImageFile.Read(P("st.tif")); var mask = ImageFile.Read(P("mask.tif"));
        Assert.That(sl.Metadata.SourceFormat, Is.EqualTo(SampleFormat.UInt16));
        Assert.That(sl.Metadata.TiffTags[270].Bytes, Is.EqualTo("NGC 1\0"u8.ToArray()), "TIFF tags carried to the output");
        Assert.That(mask.Channels, Is.EqualTo(1));
        var orig = ImageFile.Read(P("in.tif"));
        for (int i = 0; i < orig.Data.Length; i++) Assert.That(sl.Data[i] + st.Data[i], Is.EqualTo(orig.Data[i]).Within(2.5f / 65535), "starless + stars = original (16-bit rounding)");
    }

    [Test]
    public void KeepGalaxiesGivesTheGalaxyBack()
    {
        // A field with an elongated galaxy (σ 5 × 2.5 px) among stars; the test model
        // removes local contrast, galaxy and stars alike. --keep-galaxies must give the
        // galaxy's light back and only ever add light to the default result.
        var img = Field(192, 4).Image;
        var s = StarPlugin.Stretching.MtfStretch.Auto(img.Luminance(), 1f, 0.2f);
        s.Apply(img.Data);
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < 192; y++)
                for (int x = 0; x < 192; x++)
                {
                    double u = (x - 96) / 5.0, v = (y - 96) / 2.5;
                    img[c, y, x] = Math.Min(1f, img[c, y, x] + (float)(0.5 * Math.Exp(-(u * u + v * v) / 2)));
                }
        ImageFile.Write(P("gal.tif"), img, new WriteOptions { Depth = SampleFormat.Float32 });
        var (code, _, err) = Run("remove", P("gal.tif"), "--starless", P("std.tif"), "--model", _model, "--tile", "64");
        Assert.That(code, Is.EqualTo(0), err);
        (code, _, err) = Run("remove", P("gal.tif"), "--starless", P("kept.tif"), "--model", _model, "--tile", "64", "--keep-galaxies");
        Assert.That(code, Is.EqualTo(0), err);
        var std = ImageFile.Read(P("std.tif")); var kept = ImageFile.Read(P("kept.tif"));
        for (int i = 0; i < img.Data.Length; i++)
            Assert.That(kept.Data[i], Is.InRange(std.Data[i] - 1e-6f, img.Data[i] + 1e-6f), $"sample {i}");
        Assert.That(std[0, 96, 96], Is.LessThan(img[0, 96, 96] - 0.01f), "the network alone took some of it");
        // All of it comes back but the level the remover took round the galaxy, which stays
        // removed under it too: at most a tenth of what the network took there.
        Assert.That(img[0, 96, 96] - kept[0, 96, 96], Is.InRange(0f, 0.1f * (img[0, 96, 96] - std[0, 96, 96])), "the galaxy's centre comes back");
        // The default is auto, which needs a frame's worth of stars to judge by: on this
        // small frame it acts as never.
        (code, _, err) = Run("remove", P("gal.tif"), "--starless", P("never.tif"), "--model", _model, "--tile", "64", "--keep-galaxies", "never");
        Assert.That(code, Is.EqualTo(0), err);
        TestImages.AssertSamePixels(ImageFile.Read(P("never.tif")), std, tolerance: 0f);
        (code, _, err) = Run("remove", P("gal.tif"), "--starless", P("bad.tif"), "--model", _model, "--keep-galaxies", "sometimes");
        Assert.That(code, Is.Not.EqualTo(0));
        Assert.That(err, Does.Contain("sometimes"));
        Assert.That(File.Exists(P("bad.tif")), Is.False);
    }

    [Test]
    public void LinearFitsIsStretchedUnstretchedAndKeepsItsHeader()
    {
        var img = Field(192, 2, channels: 1).Image; // linear: sky far below white
        img.Metadata.FitsCards.Add(new FitsCard("OBJECT", "'IC 1396'", null));
        img.Metadata.FitsCards.Add(new FitsCard("EXPTIME", "600.0", null));
        ImageFile.Write(P("lin.fits"), img);
        var (code, output, err) = Run("remove", P("lin.fits"), "--starless", P("lin_sl.fits"), "--model", _model, "--tile", "64", "--json");
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(output, Does.Contain("\"stretched\": true"));
        var sl = ImageFile.Read(P("lin_sl.fits"));
        Assert.That(sl.Metadata.FitsValue("OBJECT"), Is.EqualTo("'IC 1396'"));
        Assert.That(sl.Metadata.SourceFormat, Is.EqualTo(SampleFormat.Float32));
        // Seams: tiled and whole-image results agree away from the image border.
        Assert.That(Run("remove", P("lin.fits"), "--starless", P("whole.fits"), "--model", _model, "--tile", "192").Code, Is.EqualTo(0));
        var whole = ImageFile.Read(P("whole.fits"));
        float worst = 0;
        for (int y = 8; y < 184; y++) for (int x = 8; x < 184; x++) worst = Math.Max(worst, Math.Abs(whole[0, y, x] - sl[0, y, x]));
        Assert.That(worst, Is.LessThan(1e-5f));
    }

    [Test]
    public void BatchModeSkipsBadFilesResumesAndShards()
    {
        Directory.CreateDirectory(P("in")); Directory.CreateDirectory(P("out")); Directory.CreateDirectory(P("red"));
        for (int i = 0; i < 4; i++) ImageFile.Write(P($"in/f{i}.fits"), Field(64, 10 + i, 1).Image);
        File.WriteAllBytes(P("in/broken.fits"), [1, 2, 3]);
        var (code, _, err) = Run("remove", P("in"), "--out-dir", P("out"), "--with-stars", "--model", _model, "--tile", "64");
        Assert.That(code, Is.EqualTo(ExitCodes.InputError), "a failed file fails the run: " + err);
        Assert.That(err, Does.Contain("failed").And.Contain("broken.fits").And.Contain("4 done, 1 failed"));
        Assert.That(Directory.GetFiles(P("out"), "*_starless.fits"), Has.Length.EqualTo(4));
        Assert.That(Directory.GetFiles(P("out"), "*_stars.fits"), Has.Length.EqualTo(4));
        var (code2, _, err2) = Run("remove", P("in"), "--out-dir", P("out"), "--with-stars", "--skip-existing", "--model", _model);
        Assert.That(err2, Does.Contain("0 done, 1 failed, 4 skipped"));
        Assert.That(code2, Is.EqualTo(ExitCodes.InputError));
        var (_, _, err3) = Run("reduce", P("in"), "--out-dir", P("red"), "--shard", "1/2", "--model", _model, "--tile", "64");
        Assert.That(Directory.GetFiles(P("red")), Has.Length.EqualTo(2), err3);
        Assert.That(Run("reduce", P("in"), "--out-dir", P("red"), "--shard", "2/2", "--model", _model).Code, Is.EqualTo(ExitCodes.Usage));
    }

    [Test]
    public void MockLensOnAFitsCubeWritesTheRecord()
    {
        var cube = new AstroImage(80, 80, 3);
        var rng = new Random(5);
        for (int i = 0; i < cube.Data.Length; i++) cube.Data[i] = 0.001f * (float)rng.NextGaussian();
        for (int c = 0; c < 3; c++) GalaxyRenderer.Sersic(cube.Plane(c), 80, 80, 41, 38, 3, 4, 0.8, 0.2, 0.05 * (c + 1));
        ImageFile.Write(P("grz.fits"), cube);
        var (code, json, err) = Run("mock-lens", P("grz.fits"), P("mock.fits"), "--theta-e", "9", "--band-ratios", "1,0.8,0.5", "--arc-snr", "25", "--psf-fwhm", "2", "--json");
        Assert.That(code, Is.EqualTo(0), err);
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        Assert.That(doc.RootElement.GetProperty("einstein_radius_px").GetDouble(), Is.EqualTo(9));
        Assert.That(doc.RootElement.GetProperty("center_px")[0].GetDouble(), Is.EqualTo(41).Within(1));
        Assert.That(File.Exists(P("mock.fits.json")));
        Assert.That(ImageFile.Read(P("mock.fits")).Channels, Is.EqualTo(3));
        Directory.CreateDirectory(P("cut"));
        File.Copy(P("grz.fits"), P("cut/a.fits")); File.Copy(P("grz.fits"), P("cut/b.fits"));
        Assert.That(Run("mock-lens", "batch", "--cutouts", P("cut"), "--n", "3", "--out", P("set")).Code, Is.EqualTo(0));
        var manifest = File.ReadAllLines(P("set/manifest.csv"));
        Assert.That(manifest[0], Does.StartWith("id,file,label"));
        Assert.That(manifest.Count(l => l.Contains(",1,")), Is.EqualTo(3));
        Assert.That(manifest.Count(l => l.Contains(",0,")), Is.EqualTo(2));
    }

    [Test]
    public void EvalClassifyAndCrowdFromCsv()
    {
        File.WriteAllText(P("truth.csv"), "id,label\na,1\nb,1\nc,0\nd,0\ne,-1\n");
        File.WriteAllText(P("scores.csv"), "id,score\na,0.9\nb,0.4\nc,0.3\nd,0.1\ne,0.8\n");
        var (code, json, err) = Run("eval", "classify", P("truth.csv"), P("scores.csv"), "--json", "--roc", P("roc.png"), "--pr", P("pr.png"));
        Assert.That(code, Is.EqualTo(0), err);
        using (var doc = System.Text.Json.JsonDocument.Parse(json))
        {
            Assert.That(doc.RootElement.GetProperty("roc_auc").GetDouble(), Is.EqualTo(1.0));
            Assert.That(doc.RootElement.GetProperty("recall").GetDouble(), Is.EqualTo(0.5));
        }
        Assert.That(ImageFile.Read(P("roc.png")).Width, Is.EqualTo(400));
        File.WriteAllText(P("gold.csv"), "image,label\ng1,1\ng2,0\n");
        File.WriteAllText(P("votes.csv"), "volunteer,image,vote\nann,g1,1\nann,g2,0\nbob,g1,0\nbob,g2,1\nann,u1,1\nbob,u1,0\nann,u2,0\nbob,u2,1\n");
        var (c2, out2, e2) = Run("eval", "crowd", P("votes.csv"), "--gold", P("gold.csv"), "--out", P("ranked.csv"), "--volunteers", P("vol.csv"));
        Assert.That(c2, Is.EqualTo(0), e2);
        Assert.That(File.ReadAllLines(P("ranked.csv"))[1], Does.Contain("u1"), "the skilled volunteer's lens ranks first");
        Assert.That(File.ReadAllLines(P("vol.csv"))[1], Does.StartWith("ann"));
        Assert.That(Run("eval", "classify", P("truth.csv"), P("missing.csv")).Code, Is.EqualTo(ExitCodes.InputError));
    }
}
