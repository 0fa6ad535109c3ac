using StarPlugin.Imaging;
using StarPlugin.Inference;
using StarPlugin.Removal;
using StarPlugin.Lensing.Finder;
using StarPlugin.Tests.Support;

namespace StarPlugin.Tests.Lensing;

public class LensFinderTests
{
    private string _dir = "";

    [SetUp] public void SetUp() => _dir = Directory.CreateTempSubdirectory("lensfinder").FullName;
    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    /// <summary>P = sigmoid(max over the cutout of plane 0 − 2): a bright blue spot scores high, an empty sky low.</summary>
    internal static OnnxModelBuilder BlueSpotModel(int size = 33, string task = "lens-finder", string input = LensFinder.InputScheme) => new OnnxModelBuilder()
        .Input("x", "n", 3, size, size).Output("p", "n", 1)
        .InitializerInt64("s0", [1], [0]).InitializerInt64("s1", [1], [1]).InitializerInt64("ax", [1], [1])
        .Initializer("two", [], [2f])
        .Node("Slice", ["x", "s0", "s1", "ax"], ["g"])
        .Node("ReduceMax", ["g"], ["m"], ("axes", new[] { 2, 3 }), ("keepdims", 0))
        .Node("Sub", ["m", "two"], ["d"]).Node("Sigmoid", ["d"], ["p"])
        .Meta("starplugin.task", task).Meta("starplugin.input", input).Meta("starplugin.cutout_size", size.ToString())
        .Meta("starplugin.name", "blue-spot");

    private static AstroImage Cutout(int seed, float spot)
    {
        var rng = new Random(seed);
        var img = new AstroImage(33, 33, 3, new ImageMetadata { SourceFormat = SampleFormat.Float32 });
        for (int i = 0; i < img.Data.Length; i++) img.Data[i] = 0.01f * (float)rng.NextGaussian();
        img[0, 16, 16] = spot;
        return img;
    }

    [Test]
    public void ScoresFollowEachCutoutThroughBatches()
    {
        string model = BlueSpotModel().Save(_dir, "m.onnx");
        using var finder = new LensFinder(model, new SessionOptions { Device = ExecutionDevice.Cpu, Threads = 1 });
        Assert.That(finder.CutoutSize, Is.EqualTo(33));
        Assert.That(finder.Name, Is.EqualTo("blue-spot"));
        // 150 cutouts (three batches of 64, the last short), spot brightness rising with the index.
        var cutouts = Enumerable.Range(0, 150).Select(i => (Cutout(11, i * 0.004f), BandOrder.BlueFirst)).ToList(); // one sky, the spot alone changes
        var scores = finder.Score(cutouts);
        // Once the spot stands above the noise's own peaks (10σ), the score rises with it.
        for (int i = 30; i < scores.Length; i++) Assert.That(scores[i], Is.GreaterThan(scores[i - 1]), $"cutout {i}");
        Assert.That(scores[0], Is.LessThan(0.5f));
        Assert.That(scores[^1], Is.GreaterThan(0.8f));
        // The band order is honoured: the same spot in the red channel of a picture scores as in g of a cube.
        var cube = Cutout(7, 0.5f);
        var picture = new AstroImage(33, 33, 3, cube.Metadata.Clone());
        for (int c = 0; c < 3; c++) cube.Plane(c).CopyTo(picture.Plane(2 - c));
        var both = finder.Score([(picture, BandOrder.RedFirst), (cube, BandOrder.BlueFirst)]);
        Assert.That(both[0], Is.EqualTo(both[1]).Within(1e-5f));
    }

    [Test]
    public void ModelsForAnotherTaskOrInputAreRefused()
    {
        string star = TestModels.Threshold().Save(_dir, "stars.onnx");
        Assert.That(() => new LensFinder(star), Throws.TypeOf<ModelFileException>().With.Message.Contains("not a lens-finder model"));
        string old = BlueSpotModel(input: "asinh-v0").Save(_dir, "old.onnx");
        Assert.That(() => new LensFinder(old), Throws.TypeOf<ModelFileException>().With.Message.Contains("asinh-v0"));
    }

    [Test]
    public void AModelThatIsAPipeOrNotAModelIsRefusedAtOnceByName()
    {
        // The lens finder read the metadata itself: a pipe waited for a writer forever, and
        // bytes that are not ONNX gave a message without the file's name.
        string pipe = Path.Combine(_dir, "pipe.onnx");
        Assert.That(Repo.Run("mkfifo", [pipe]).Code, Is.EqualTo(0), "mkfifo");
        var attempt = Task.Run(() => { try { _ = new LensFinder(pipe); return null; } catch (Exception e) { return e; } });
        bool done = attempt.Wait(TimeSpan.FromSeconds(30));
        if (!done) using (File.OpenWrite(pipe)) { } // let the blocked open return before failing
        Assert.That(done, Is.True, "still waiting for a writer on the model pipe");
        Assert.That(attempt.Result, Is.TypeOf<ModelFileException>().With.Message.Contains("not a regular file"));
        string garbage = Path.Combine(_dir, "garbage.onnx");
        File.WriteAllText(garbage, "garbage");
        Assert.That(() => new LensFinder(garbage), Throws.TypeOf<ModelFileException>().With.Message.StartsWith(garbage + ": not an ONNX model"));
        Assert.That(() => new LensFinder(_dir), Throws.TypeOf<ModelFileException>().With.Message.Contains("is a folder"));
    }

    [Test]
    public void ShippedModelCarriesItsContract()
    {
        string shipped = Repo.Path_("models", "lensfinder-v1.onnx");
        if (!File.Exists(shipped)) Assert.Fail($"{shipped} is missing");
        using var finder = new LensFinder(shipped, new SessionOptions { Device = ExecutionDevice.Cpu, Threads = 1 });
        Assert.That(finder.CutoutSize, Is.EqualTo(101));
        Assert.That(finder.Metadata["band_order"], Is.EqualTo("g,r,z"));
        // A floor against shipping a worse network than lensfinder-v1 (val AUC 0.878); the
        // issue's target (0.97) is measured by tests/bench/lens_bench.py, not asserted here.
        Assert.That(double.Parse(finder.Metadata["val_auc"], System.Globalization.CultureInfo.InvariantCulture), Is.GreaterThanOrEqualTo(0.87));
    }
}
