using StarPlugin.Imaging;
using StarPlugin.Inference;
using StarPlugin.Removal;
using StarPlugin.Tests.Support;

namespace StarPlugin.Tests.Removal;

/// <summary>The inference engine and removal pipeline against tiny models whose output we can compute directly.</summary>
public class RemovalEngineTests
{
    private string _dir = "";

    [OneTimeSetUp] public void SetUp() => _dir = Directory.CreateTempSubdirectory("sp-models").FullName;
    [OneTimeTearDown] public void TearDown() => Directory.Delete(_dir, true);

    private string Model(OnnxModelBuilder b, string name) => b.Save(_dir, name);

    private static AstroImage Random(int w, int h, int ch, int seed = 3, float scale = 1f)
    {
        var img = new AstroImage(w, h, ch);
        var rng = new Random(seed);
        for (int i = 0; i < img.Data.Length; i++) img.Data[i] = (float)rng.NextDouble() * scale;
        return img;
    }

    // The engine against what its tiny models compute: without the cleanup stages (tested on
    // their own), which would read uniform noise as faint sources or filaments.
    private static RemovalOptions Stretched(int tile = 64, int overlap = 16, int batch = 3) =>
        new() { Stretch = StretchMode.Never, Cleanup = false, Tiling = new TilingOptions { Tile = tile, Overlap = overlap, Batch = batch } };

    [Test]
    public void EngineMatchesDirectComputation()
    {
        using var remover = new StarRemover(Model(TestModels.Threshold(), "thr.onnx"), new SessionOptions { Device = ExecutionDevice.Cpu });
        Assert.That(remover.Device, Is.EqualTo(ExecutionDevice.Cpu));
        var img = Random(150, 97, 3);
        var r = remover.Remove(img, Stretched());
        for (int i = 0; i < img.Data.Length; i++)
        {
            float expected = Math.Max(img.Data[i] - 0.6f, 0f);
            Assert.That(r.Stars.Data[i], Is.EqualTo(expected).Within(1e-6f), $"stars {i}");
            Assert.That(r.Starless.Data[i] + r.Stars.Data[i], Is.EqualTo(img.Data[i]).Within(1e-6f), "starless + stars = original");
        }
    }

    /// <summary>
    /// A remover whose session opens on a worker thread (<see cref="StarRemover.Opening"/>,
    /// the command line's) removes as the model says once its first tile waits for it, and
    /// says its device.
    /// </summary>
    [Test]
    public void ARemoverWhoseSessionOpensBesideTheRunRemovesAsTheModelSays()
    {
        using var remover = StarRemover.Opening(Model(TestModels.Threshold(), "thr-opening.onnx"), new SessionOptions { Device = ExecutionDevice.Cpu });
        var img = Random(150, 97, 3);
        var r = remover.Remove(img, Stretched());
        for (int i = 0; i < img.Data.Length; i++)
            Assert.That(r.Stars.Data[i], Is.EqualTo(Math.Max(img.Data[i] - 0.6f, 0f)).Within(1e-6f), $"stars {i}");
        Assert.That(remover.Device, Is.EqualTo(ExecutionDevice.Cpu));
    }

    /// <summary>
    /// A file that is no model fails at once, as the constructor does. A model whose
    /// metadata reads but whose graph ONNX Runtime refuses (an operator it does not know)
    /// fails at the run with the runtime's error, the same one the constructor throws,
    /// and is disposed without a second error.
    /// </summary>
    [Test]
    public void ARemoverWhoseSessionOpensBesideTheRunFailsWithTheModelsError()
    {
        string garbage = Path.Combine(_dir, "garbage-opening.onnx");
        File.WriteAllText(garbage, "garbage");
        Assert.Throws<ModelFileException>(() => StarRemover.Opening(garbage));
        string unknown = Model(new OnnxModelBuilder().Input("x", "n", 3, "h", "w").Output("y", "n", 3, "h", "w")
            .Node("NoSuchOperatorAnywhere", ["x"], ["y"]), "unknown-op.onnx");
        var direct = Assert.Throws<ModelFileException>(() => new StarRemover(unknown))!;
        var remover = StarRemover.Opening(unknown);
        var atRun = Assert.Throws<ModelFileException>(() => remover.Remove(Random(40, 30, 3), Stretched()))!;
        Assert.That(atRun.Message, Is.EqualTo(direct.Message));
        Assert.That(atRun.Message, Does.Contain("NoSuchOperatorAnywhere"));
        Assert.DoesNotThrow(remover.Dispose);
    }

    [Test]
    public void TiledResultEqualsWholeImageForALocalModel()
    {
        using var remover = new StarRemover(Model(TestModels.LocalContrast(), "local.onnx"));
        var img = Random(256, 256, 3, seed: 5); // square, so the whole-image tile needs no padding
        var tiled = remover.Remove(img, Stretched(tile: 64, overlap: 24));
        var whole = remover.Remove(img, Stretched(tile: 256, overlap: 0, batch: 1));
        // The model's receptive field (radius 2) lies inside the blend margin, so tiles agree exactly.
        TestImages.AssertSamePixels(whole.Stars, tiled.Stars, tolerance: 1e-5f);
    }

    [Test]
    public void SeamErrorIsNoLargerThanInteriorError()
    {
        using var remover = new StarRemover(Model(TestModels.LocalContrast(), "local2.onnx"));
        var img = Random(256, 256, 3, seed: 8);
        var whole = remover.Remove(img, Stretched(tile: 256, overlap: 0, batch: 1));
        var tiled = remover.Remove(img, Stretched(tile: 64, overlap: 16));
        // Tiles start every 48 px: columns/rows near 48k are seams, the rest interior.
        double seam = 0, interior = 0; int ns = 0, ni = 0;
        for (int y = 8; y < 248; y++)
            for (int x = 8; x < 248; x++)
            {
                double e = Math.Abs(whole.Stars[0, y, x] - tiled.Stars[0, y, x]);
                bool nearSeam = Math.Min(x % 48, 48 - x % 48) <= 8 || Math.Min(y % 48, 48 - y % 48) <= 8;
                if (nearSeam) { seam += e; ns++; } else { interior += e; ni++; }
            }
        Assert.That(seam / ns, Is.LessThanOrEqualTo(interior / ni + 1e-6), "seams are not worse than the interior");
    }

    [TestCase(1000, 64, 16)] [TestCase(600, 256, 128)] [TestCase(70, 64, 32)] [TestCase(17, 64, 16)] [TestCase(257, 128, 0)]
    public void TileWeightsFormAPartitionOfUnity(int length, int tile, int overlap)
    {
        var g = new TileGrid(length, tile, overlap);
        for (int x = 0; x < length; x++)
        {
            double sum = 0;
            for (int i = 0; i < g.Starts.Length; i++)
                if (x >= g.Starts[i] && x < g.Starts[i] + Math.Min(tile, length)) sum += g.Weight(i, x - g.Starts[i]);
            Assert.That(sum, Is.EqualTo(1.0).Within(1e-6), $"x = {x}");
        }
    }

    [Test]
    public void AlphaPassesThroughUntouched()
    {
        using var remover = new StarRemover(Model(TestModels.Threshold(), "thr2.onnx"));
        var img = Random(40, 30, 4, seed: 9);
        var r = remover.Remove(img, Stretched());
        Assert.That(r.Starless.Plane(3).ToArray(), Is.EqualTo(img.Plane(3).ToArray()));
        Assert.That(r.Stars.Plane(3).ToArray(), Is.EqualTo(img.Plane(3).ToArray()));
        Assert.That(r.Starless.Channels, Is.EqualTo(4));
    }

    [Test]
    public void LinearDataRoundTripsExactlyWhenTheModelRemovesNothing()
    {
        using var remover = new StarRemover(Model(TestModels.Nothing(), "nothing.onnx"));
        var img = Random(80, 60, 3, seed: 4, scale: 0.01f); // linear: sky near black
        img[0, 10, 10] = 0.9f;
        var r = remover.Remove(img, new RemovalOptions { Tiling = new TilingOptions { Tile = 64 } });
        Assert.That(r.Stretched, Is.True, "linear data is detected");
        TestImages.AssertSamePixels(img, r.Starless);
        Assert.That(r.Stars.Data.All(v => v == 0f));
    }

    [Test]
    public void LinearDataStarsAreRemovedThroughTheStretchAndAddBackExactly()
    {
        using var remover = new StarRemover(Model(TestModels.Threshold(), "thr3.onnx"));
        var img = Random(90, 70, 3, seed: 6, scale: 0.004f);
        for (int c = 0; c < 3; c++) { img[c, 30, 40] = 0.5f; img[c, 31, 40] = 0.2f; }
        var r = remover.Remove(img);
        Assert.That(r.Stretched, Is.True);
        Assert.That(r.Starless[0, 30, 40], Is.LessThan(0.5f * 0.9f), "the bright pixel lost light");
        for (int i = 0; i < img.Data.Length; i++)
            Assert.That(r.Starless.Data[i] + r.Stars.Data[i], Is.EqualTo(img.Data[i]).Within(1e-6f));
        int changed = Enumerable.Range(0, img.PlaneLength).Count(i => r.Stars.Data[i] != 0);
        Assert.That(changed, Is.LessThan(img.PlaneLength / 4), "sky below the model's threshold is untouched");
    }

    [Test]
    public void ScreenLayerRecombinesToTheOriginal()
    {
        using var remover = new StarRemover(Model(TestModels.Threshold(), "thr4.onnx"));
        var img = Random(50, 40, 3, seed: 12);
        var r = remover.Remove(img, Stretched() with { StarLayer = StarLayerMode.Screen });
        for (int i = 0; i < img.Data.Length; i++)
        {
            float screen = 1 - (1 - r.Starless.Data[i]) * (1 - r.Stars.Data[i]);
            Assert.That(screen, Is.EqualTo(img.Data[i]).Within(1e-5f));
        }
    }

    [Test]
    public void MonoAndColourMapOntoModelChannels()
    {
        using var rgbModel = new StarRemover(Model(TestModels.Threshold(3), "rgb.onnx"));
        using var monoModel = new StarRemover(Model(TestModels.Threshold(1), "mono.onnx"));
        var mono = Random(33, 21, 1, seed: 1);
        var rgb = Random(33, 21, 3, seed: 2);
        var a = rgbModel.Remove(mono, Stretched());
        var b = monoModel.Remove(rgb, Stretched());
        for (int i = 0; i < mono.Data.Length; i++) Assert.That(a.Stars.Data[i], Is.EqualTo(Math.Max(mono.Data[i] - 0.6f, 0)).Within(1e-6f));
        for (int i = 0; i < rgb.Data.Length; i++) Assert.That(b.Stars.Data[i], Is.EqualTo(Math.Max(rgb.Data[i] - 0.6f, 0)).Within(1e-6f));
    }

    [TestCase(1, 1)] [TestCase(5, 3)] [TestCase(63, 2)]
    public void ImagesSmallerThanATileWork(int w, int h)
    {
        using var remover = new StarRemover(Model(TestModels.Threshold(), $"small{w}.onnx"));
        var img = Random(w, h, 3, seed: w);
        var r = remover.Remove(img, Stretched());
        for (int i = 0; i < img.Data.Length; i++) Assert.That(r.Stars.Data[i], Is.EqualTo(Math.Max(img.Data[i] - 0.6f, 0)).Within(1e-6f));
    }

    [Test]
    public void FixedShapeNhwModelsPredictingStarlessWork()
    {
        string path = Model(TestModels.PeerLike(32), "peer.onnx");
        File.WriteAllText(path + ".json", """{"channels": 1, "input_layout": "nhw", "output_layout": "nhwc", "input_scale": 0.66753926, "predicts": "starless", "fixed_tile": 32, "max_batch": 1, "overlap": 0}""");
        using var remover = new StarRemover(path);
        var img = Random(70, 45, 3, seed: 21);
        var r = remover.Remove(img, new RemovalOptions { Stretch = StretchMode.Never, Cleanup = false });
        for (int i = 0; i < img.Data.Length; i++) Assert.That(r.Stars.Data[i], Is.EqualTo(Math.Max(img.Data[i] - 0.6f, 0)).Within(2e-5f));
    }

    [TestCase(true, GalaxyMode.Never)]
    [TestCase(false, GalaxyMode.Never)]
    [TestCase(true, GalaxyMode.Always)]
    [TestCase(false, GalaxyMode.Always)]
    [TestCase(false, GalaxyMode.Auto)]
    public void ProgressIsReportedAndCancelStops(bool cleanup, GalaxyMode keepGalaxies)
    {
        using var remover = new StarRemover(Model(TestModels.Threshold(), "thr5.onnx"));
        var img = Random(200, 200, 3);
        var fractions = new List<double>();
        remover.Remove(img, Stretched(batch: 1) with { Cleanup = cleanup, KeepGalaxies = keepGalaxies }, (f, _) => { fractions.Add(f); return true; });
        Assert.That(fractions, Is.Not.Empty);
        Assert.That(fractions, Is.Ordered, "progress never goes back");
        Assert.That(fractions[^1], Is.EqualTo(1.0).Within(1e-9));
        Assert.Throws<OperationCanceledException>(() => remover.Remove(img, Stretched(batch: 1), (f, _) => f < 0.3));
    }

    [Test]
    public void BadModelsGiveClearErrors()
    {
        string corrupt = Path.Combine(_dir, "corrupt.onnx");
        File.WriteAllBytes(corrupt, [0x08, 0x07, 0x12, 0xFF, 0x01, 0x02]);
        // The caller's file, named (hosts map it to an input error, exit 2 in the CLI).
        var e = Assert.Throws<ModelFileException>(() => new StarRemover(corrupt));
        Assert.That(e!.Message, Does.StartWith(corrupt + ": ").And.Contain("ONNX"));
        Assert.Throws<FileNotFoundException>(() => new StarRemover(Path.Combine(_dir, "missing.onnx")));
    }

    [Test]
    public void StarReductionLeavesTheStarlessPartAlone()
    {
        using var remover = new StarRemover(Model(TestModels.Threshold(), "thr6.onnx"));
        var img = Random(60, 60, 3, seed: 30);
        var r = remover.Remove(img, Stretched());
        TestImages.AssertSamePixels(img, StarReducer.Reduce(r, 0f, ReductionMode.Scale), 1e-6f);
        TestImages.AssertSamePixels(r.Starless, StarReducer.Reduce(r, 1f, ReductionMode.Scale), 1e-6f);
        var shrunk = StarReducer.Reduce(r, 0.7f, ReductionMode.Shrink);
        double before = r.Stars.Data.Sum(v => (double)v), after = 0;
        for (int i = 0; i < img.Data.Length; i++)
        {
            float layer = shrunk.Data[i] - r.Starless.Data[i];
            Assert.That(layer, Is.LessThanOrEqualTo(r.Stars.Data[i] + 1e-6f), "never adds light");
            after += layer;
        }
        Assert.That(after, Is.LessThan(before * 0.5));
    }

    /// <summary>Gaussian stars on a 16-px grid over flat sky 0.3; FWHM from <paramref name="left"/> at x = 0 to <paramref name="right"/> at the right edge.</summary>
    private static AstroImage StarGrid(int w, int h, float left, float right)
    {
        var img = new AstroImage(w, h, 3);
        var rng = new Random(5);
        var plane = new float[w * h];
        Array.Fill(plane, 0.3f);
        for (int y = 8; y < h; y += 16)
            for (int x = 8; x < w; x += 16)
            {
                float fwhm = left + (right - left) * x / w;
                new StarPlugin.Synthesis.PointSpreadFunction(StarPlugin.Synthesis.PsfKind.Gaussian, fwhm)
                    .Render(plane, w, h, x + rng.NextDouble() - 0.5, y + rng.NextDouble() - 0.5, 0.45f * fwhm * fwhm, floor: 0.001f); // peak 0.4, unclipped
            }
        for (int i = 0; i < plane.Length; i++) plane[i] = Math.Min(plane[i] + 0.004f * (float)rng.NextGaussian(), 1f);
        for (int c = 0; c < 3; c++) plane.CopyTo(img.Plane(c));
        return img;
    }

    [Test]
    public void PsfAwareModelsGetTheFieldsStarWidthWhereEachPixelStands()
    {
        using var remover = new StarRemover(Model(TestModels.PsfEcho(), "psf.onnx"));
        Assert.That(remover.Model.InputChannels, Is.EqualTo(4));
        // Stars widen from 2 px on the left to 4 px on the right, over tiles of 128 px.
        var img = StarGrid(768, 512, 2f, 4f);
        var r = remover.Remove(img, new RemovalOptions { Stretch = StretchMode.Never, Cleanup = false });
        double Read(int x, int y) => 8.0 * r.Stars.Plane(1)[y * 768 + x] / img.Plane(1)[y * 768 + x];
        double leftFwhm = Read(60, 256), rightFwhm = Read(700, 256);
        Assert.That(leftFwhm, Is.EqualTo(2 + 2.0 * 60 / 768).Within(0.45), "the PSF plane holds FWHM / 8 on the left");
        Assert.That(rightFwhm, Is.EqualTo(2 + 2.0 * 700 / 768).Within(0.45), "and on the right");
        Assert.That(rightFwhm, Is.GreaterThan(leftFwhm + 1));
        // Smooth across the tile seams (128-px tiles, 16 overlap): neighbours differ by far less than a cell's change.
        for (int x = 1; x < 767; x++)
            Assert.That(Math.Abs(Read(x, 256) - Read(x - 1, 256)), Is.LessThan(0.05), $"x = {x}");
    }

    [Test]
    public void PsfPlaneContractIsChecked()
    {
        var bad = TestModels.PsfEcho().Meta("starplugin.psf_plane_scale", "-1");
        Assert.That(() => ModelFile.Describe(Model(bad, "psfbad.onnx")), Throws.TypeOf<ModelFileException>().With.Message.Contains("psf_plane_scale"));
        var nhwc = TestModels.PsfEcho().Meta("starplugin.input_layout", "nhwc");
        Assert.That(() => ModelFile.Describe(Model(nhwc, "psfnhwc.onnx")), Throws.TypeOf<ModelFileException>().With.Message.Contains("NCHW"));
        Assert.That(ModelFile.Describe(Model(TestModels.Threshold(), "plain.onnx")).InputChannels, Is.EqualTo(3), "no PSF plane unless declared");
    }
}
