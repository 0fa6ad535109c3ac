using StarPlugin.Imaging;
using StarPlugin.Inference;
using StarPlugin.Removal;
using StarPlugin.Synthesis;
using StarPlugin.Tests.Support;

namespace StarPlugin.Tests.Removal;

/// <summary>
/// Removal allocates only the outputs asked for (the memory bound of issue 19), and each
/// one is the same image the full call gives: the star layer accumulates in whichever
/// output exists, the mask filters run in place, reduction reuses the star layer.
/// </summary>
public class RemovalOutputsTests
{
    private string _dir = "";
    private StarRemover _remover = null!;
    private AstroImage _field = null!;

    [OneTimeSetUp]
    public void SetUp()
    {
        _dir = Directory.CreateTempSubdirectory("sp-outputs").FullName;
        _remover = new StarRemover(TestModels.LocalContrast().Save(_dir, "local.onnx"));
        // A star field with alpha, a NaN and an Inf: every branch of the per-pixel pass.
        var rgb = StarFieldSynthesizer.Render(new StarFieldOptions { Width = 160, Height = 120, Channels = 3, StarCount = 60, Seed = 9, FluxMin = 2000 }).Image;
        _field = new AstroImage(160, 120, 4);
        rgb.Data.AsSpan().CopyTo(_field.Data);
        for (int i = 0; i < _field.PlaneLength; i++) _field.Data[3 * _field.PlaneLength + i] = (i % 7) / 7f;
        _field.Data[500] = float.NaN; _field.Data[_field.PlaneLength + 900] = float.PositiveInfinity;
    }

    [OneTimeTearDown]
    public void TearDown() { _remover.Dispose(); Directory.Delete(_dir, true); }

    private static RemovalOptions Options(StarLayerMode layer, RemovalOutputs outputs) =>
        new() { Tiling = new TilingOptions { Tile = 64 }, StarLayer = layer, Outputs = outputs };

    [TestCase(StarLayerMode.Add)]
    [TestCase(StarLayerMode.Screen)]
    public void EachOutputAloneEqualsTheFullCall(StarLayerMode layer)
    {
        var all = _remover.Remove(_field, Options(layer, RemovalOutputs.All));
        var starless = _remover.Remove(_field, Options(layer, RemovalOutputs.Starless));
        var stars = _remover.Remove(_field, Options(layer, RemovalOutputs.Stars));
        var mask = _remover.Remove(_field, Options(layer, RemovalOutputs.Mask));
        Assert.That(starless.Stars, Is.Null); Assert.That(starless.Mask, Is.Null);
        Assert.That(stars.Starless, Is.Null); Assert.That(mask.Starless, Is.Null); Assert.That(mask.Stars, Is.Null);
        Assert.That(starless.Starless.Data, Is.EqualTo(all.Starless.Data), "starless alone, layer accumulated in its own buffer");
        Assert.That(stars.Stars.Data, Is.EqualTo(all.Stars.Data), "stars alone");
        Assert.That(mask.Mask.Data, Is.EqualTo(all.Mask.Data), "mask alone");
        Assert.That(all.Mask.Data.Max(), Is.GreaterThan(0.5f), "the mask marks the stars");
        Assert.That(float.IsNaN(all.Starless.Data[500]) && all.Stars.Data[500] is 0f or float.NaN, "a NaN sample passes through");
    }

    [TestCase(0.7f, ReductionMode.Shrink)]
    [TestCase(0.4f, ReductionMode.Scale)]
    public void ReductionInTheStarLayersMemoryEqualsTheReducer(float amount, ReductionMode mode)
    {
        var options = Options(StarLayerMode.Add, RemovalOutputs.All);
        var expected = StarReducer.Reduce(_remover.Remove(_field, options), amount, mode);
        var reduced = _remover.Reduce(_field, amount, mode, options);
        TestImages.AssertSamePixels(expected, reduced, tolerance: 0f);
    }

    [TestCase(1)] [TestCase(2)] [TestCase(3)]
    public void InPlaceFiltersEqualTheScratchPlaneOnes(int radius)
    {
        const int w = 150, h = 97; // not a multiple of the stripe width
        var plane = new float[w * h];
        var rng = new Random(radius);
        for (int i = 0; i < plane.Length; i++) plane[i] = (float)rng.NextDouble();
        // Planes at an offset inside a larger buffer, as the colour planes of an image are.
        var buffer = new float[plane.Length * 2 + 5];
        plane.CopyTo(buffer, plane.Length + 5);
        PlaneFilters.MinFilterInPlace(buffer, plane.Length + 5, w, h, radius);
        Assert.That(buffer.AsSpan(plane.Length + 5).ToArray(), Is.EqualTo(PlaneFilters.MinFilter(plane, w, h, radius)));
        Assert.That(buffer.AsSpan(0, plane.Length + 5).ToArray(), Is.All.EqualTo(0f), "nothing outside the plane is touched");
        var max = (float[])plane.Clone();
        PlaneFilters.MaxFilterInPlace(max, 0, w, h, radius);
        Assert.That(max, Is.EqualTo(PlaneFilters.MaxFilter(plane, w, h, radius)));
        var blur = (float[])plane.Clone();
        PlaneFilters.GaussianBlurInPlace(blur, 0, w, h, 0.7f * radius);
        Assert.That(blur, Is.EqualTo(PlaneFilters.GaussianBlur(plane, w, h, 0.7f * radius)).Within(1e-6f));
    }
}
