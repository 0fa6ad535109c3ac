using StarPlugin.Removal;

namespace StarPlugin.Tests.Removal;

/// <summary>
/// The stage that gives back the smooth glow the network takes with the stars: the glow
/// leaves the star layer, the stars (and one bright star's halo) stay in it.
/// </summary>
public class DiffuseLightRestoreTests
{
    private static float Gaussian(double x, double y, double cx, double cy, double sigma, double peak) =>
        (float)(peak * Math.Exp(-((x - cx) * (x - cx) + (y - cy) * (y - cy)) / (2 * sigma * sigma)));

    [Test]
    public void AUniformGlowLeavesTheLayerAndTheStarsStay()
    {
        const int W = 200, H = 150; // not multiples of the cell: partial cells at the edges
        var rng = new Random(3);
        var layer = new float[W * H];
        var stars = new List<(double X, double Y)>();
        for (int k = 0; k < 30; k++) stars.Add((10 + rng.NextDouble() * (W - 20), 10 + rng.NextDouble() * (H - 20)));
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
            {
                float v = 0.04f + 0.004f * (float)(rng.NextDouble() - 0.5);
                foreach (var s in stars) v += Gaussian(x, y, s.X, s.Y, 1.2, 0.5);
                layer[y * W + x] = v;
            }
        var before = (float[])layer.Clone();
        DiffuseLightRestore.Apply(layer, 1, W, H);

        double offGlow = 0, starLight = 0, starLightBefore = 0;
        int off = 0;
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
            {
                double d = stars.Min(s => Math.Sqrt((x - s.X) * (x - s.X) + (y - s.Y) * (y - s.Y)));
                if (d > 6) { offGlow += layer[y * W + x]; off++; }
                if (d < 2.5) { starLight += layer[y * W + x]; starLightBefore += before[y * W + x] - 0.04; }
            }
        // The 0.04 glow is given back off the stars (what is left is the ±0.002 noise around it).
        Assert.That(Math.Abs(offGlow / off), Is.LessThan(0.003), "glow left in the layer off the stars");
        // Over the stars' cores the layer loses the glow only, not the stars.
        Assert.That(starLight / starLightBefore, Is.GreaterThan(0.97));
    }

    [Test]
    public void OneBrightStarsHaloIsNotTakenForGlow()
    {
        const int W = 256, H = 256;
        var layer = new float[W * H];
        // A halo 40 px across, centred on a cell: it fills one or two cells of the 3 × 3 window.
        for (int y = 92; y < 132; y++)
            for (int x = 92; x < 132; x++)
                layer[y * W + x] = Gaussian(x, y, 112, 112, 12, 0.3);
        var before = (float[])layer.Clone();
        DiffuseLightRestore.Apply(layer, 1, W, H);
        Assert.That(layer, Is.EqualTo(before), "the halo is the star's and stays in the star layer");
    }

    [Test]
    public void NegativeAndNonFiniteValuesAreLeftAsTheyAreAndColoursAreSeparate()
    {
        const int W = 64, H = 64, N = W * H;
        var layer = new float[3 * N];
        Array.Fill(layer, 0.1f, 0, N);       // red: glow everywhere
        Array.Fill(layer, 0f, N, N);         // green: nothing
        Array.Fill(layer, -0.05f, 2 * N, N); // blue: the network added light (clamped later by the caller)
        layer[100] = float.NaN;
        layer[N + 7] = 0.2f;                 // one green pixel: a star, not glow
        DiffuseLightRestore.Apply(layer, 3, W, H);
        Assert.That(float.IsNaN(layer[100]), Is.True);
        Assert.That(layer[101], Is.EqualTo(0f).Within(1e-6f), "red glow given back");
        Assert.That(layer[N + 7], Is.EqualTo(0.2f), "green star kept");
        Assert.That(layer[2 * N + 5], Is.EqualTo(-0.05f), "nothing taken where the layer is negative");
    }
}
