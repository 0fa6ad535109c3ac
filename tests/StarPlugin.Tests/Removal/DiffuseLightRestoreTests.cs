using StarPlugin.Progress;
using StarPlugin.Removal;

namespace StarPlugin.Tests.Removal;

/// <summary>
/// The stage that gives back the smooth glow the network takes with the stars: the glow
/// leaves the star layer, the stars (and one bright star's halo) stay in it.
/// </summary>
public class DiffuseLightRestoreTests
{
    /// <summary>The stage on an input of 1 everywhere (model domain = input): the layer is clamped to [0, 1] only.</summary>
    private static void Apply(float[] layer, int colours, int w, int h, ProgressReporter? progress = null)
    {
        var input = new float[layer.Length];
        Array.Fill(input, 1f);
        DiffuseLightRestore.Apply(layer, input, ModelDomain.Scale(1f), colours, w, h, progress ?? ProgressReporter.None);
    }

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
        Apply(layer, 1, W, H);

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
        Apply(layer, 1, W, H);
        Assert.That(layer, Is.EqualTo(before), "the halo is the star's and stays in the star layer");
    }

    // A single column (row) of cells cannot follow a ramp across it: those ramps run along it.
    // Bounds: 2-5 % is left (noise, the flat half cells at the edges); nearest-cell steps leave 4.5 % and more.
    [TestCase(200, 150, 0.06, 0.03, 0.03)] // partial cells at the right and bottom edges
    [TestCase(24, 150, 0.0, 0.06, 0.065)]  // narrower than one cell: a single column of cells
    [TestCase(150, 20, 0.06, 0.0, 0.065)]  // lower than one cell: a single row of cells
    public void ALinearGlowRampIsGivenBackOffTheStars(int w, int h, double slopeX, double slopeY, double bound)
    {
        var rng = new Random(5);
        var layer = new float[w * h];
        var stars = new List<(double X, double Y)>();
        for (int k = 0; k < w * h / 1500; k++) stars.Add((4 + rng.NextDouble() * (w - 8), 4 + rng.NextDouble() * (h - 8)));
        float Glow(int x, int y) => (float)(0.01 + slopeX * x / w + slopeY * y / h);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                float v = Glow(x, y);
                foreach (var s in stars) v += Gaussian(x, y, s.X, s.Y, 1.2, 0.5);
                layer[y * w + x] = v;
            }
        Apply(layer, 1, w, h);

        // Off the stars what is left of the ramp: a bilinear interpolation of cell medians
        // follows a linear ramp except within half a cell of the edges, where it is flat.
        double left = 0, glow = 0;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                if (stars.Any(s => (x - s.X) * (x - s.X) + (y - s.Y) * (y - s.Y) < 36)) continue;
                left += Math.Abs(layer[y * w + x]);
                glow += Glow(x, y);
            }
        TestContext.Out.WriteLine($"{w}x{h}: {left / glow:P2} of the glow left");
        Assert.That(left / glow, Is.LessThan(bound), "share of the glow left in the layer off the stars");
    }

    [Test]
    public void ColoursAreSeparateEachAgainstItsOwnInput()
    {
        const int W = 64, H = 64, N = W * H;
        var layer = new float[3 * N];
        var input = new float[3 * N];
        Array.Fill(input, 1f, 0, 2 * N);
        Array.Fill(input, 0.03f, 2 * N, N);   // blue: a dark sky
        Array.Fill(layer, 0f, 0, N);          // red: nothing, so a glow read from the wrong plane shows here
        Array.Fill(layer, 0.1f, N, N);        // green: glow everywhere
        Array.Fill(layer, 0.05f, 2 * N, N);   // blue: 0.05 asked of a 0.03 sky, so the glow is 0.03
        layer[7] = 0.2f;                      // one red pixel: a star, not glow
        layer[N + 100] = float.NaN;
        layer[2 * N + 300] = 0.5f; input[2 * N + 300] = 0.53f; // a blue star on that sky
        for (int i = 2 * N + 200; i < 2 * N + 210; i++) layer[i] = -0.05f; // the network added light there: the final pass clamps it to 0
        DiffuseLightRestore.Apply(layer, input, ModelDomain.Scale(1f), 3, W, H, ProgressReporter.None);
        Assert.That(layer[7], Is.EqualTo(0.2f), "red star kept");
        Assert.That(layer[8], Is.EqualTo(0f), "red stays empty");
        Assert.That(float.IsNaN(layer[N + 100]), Is.True, "a NaN layer stays NaN, as in the final pass");
        Assert.That(layer[N + 101], Is.EqualTo(0f).Within(1e-6f), "green glow given back");
        Assert.That(layer[2 * N + 5], Is.EqualTo(0f).Within(1e-6f), "blue glow given back");
        Assert.That(layer[2 * N + 300], Is.EqualTo(0.47f).Within(1e-6f), "the blue star keeps all but the 0.03 its own input allows as glow");
        Assert.That(layer[2 * N + 205], Is.EqualTo(0f), "a negative layer is clamped to 0, as the final pass does, and nothing more is taken");
    }

    [Test]
    public void MissingInputDoesNotHideTheGlow()
    {
        const int W = 96, H = 96;
        var layer = new float[W * H];
        var input = new float[W * H];
        Array.Fill(layer, 0.08f);
        Array.Fill(input, 1f);
        // Rows 32-80 of the input are missing (NaN or ±Inf, a mosaic's border): all of the
        // middle row of cells and over half of the bottom one. They have no say in the
        // medians: the glow of the rest is still 0.08.
        for (int y = 32; y <= 80; y++)
            for (int x = 0; x < W; x++)
                input[y * W + x] = (x % 3) switch { 0 => float.NaN, 1 => float.PositiveInfinity, _ => float.NegativeInfinity };
        layer[88 * W + 48] = 0.5f; // a star's core in the finite part of the bottom row of cells
        layer[20 * W + 20] = float.PositiveInfinity; // the network's +Inf counts as the whole input (1), as the final pass clamps it
        DiffuseLightRestore.Apply(layer, input, ModelDomain.Scale(1f), 1, W, H, ProgressReporter.None);
        Assert.That(layer[10 * W + 10], Is.EqualTo(0f).Within(1e-6f), "glow given back above");
        Assert.That(layer[90 * W + 10], Is.EqualTo(0f).Within(1e-6f), "glow given back below");
        Assert.That(layer[88 * W + 48], Is.EqualTo(0.42f).Within(1e-6f), "the star stays, less the glow");
        Assert.That(layer[20 * W + 20], Is.EqualTo(0.92f).Within(1e-6f), "an infinite layer is the input, less the glow");
        Assert.That(layer[40 * W + 48], Is.EqualTo(0f), "where the input is missing the layer is 0 (the final pass keeps the input there)");
    }

    /// <summary>
    /// Where the network takes more than the sky holds (the layer above the input), only
    /// what it could take is glow: the median of the raw layer, given back over the stars,
    /// lifted their cores out of the sky (on M3 sep then found 41 % of the stars, not 39 %).
    /// </summary>
    [Test]
    public void OverRemovalOfTheSkyIsNotGivenBackOverTheStars()
    {
        const int W = 128, H = 128;
        var input = new float[W * H];
        var layer = new float[W * H];
        var stars = new List<(int X, int Y)>();
        for (int y = 8; y < H; y += 16)
            for (int x = 8; x < W; x += 16) stars.Add((x, y));
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
            {
                float star = 0;
                foreach (var s in stars) star += Gaussian(x, y, s.X, s.Y, 1.2, 0.5);
                input[y * W + x] = 0.02f + star;                       // sky 0.02 plus the stars
                layer[y * W + x] = star > 0.01f ? star + 0.02f : 0.08f; // the stars taken with the sky; off them 0.08 asked of a 0.02 sky
            }
        DiffuseLightRestore.Apply(layer, input, ModelDomain.Scale(1f), 1, W, H, ProgressReporter.None);
        foreach (var (x, y) in stars)
        {
            // The glow is the 0.02 the sky could give: the star's core keeps its 0.5 in the
            // layer, so the starless core is the sky's 0.02, not 0.08.
            Assert.That(layer[y * W + x], Is.EqualTo(0.5f).Within(1e-4f), $"star at ({x}, {y})");
        }
        Assert.That(layer[0], Is.EqualTo(0f).Within(1e-6f), "off the stars the sky is given back whole");
    }

    [Test]
    public void ACancelledRunStopsAndReportsProgressOnTheWay()
    {
        const int W = 256, H = 256;
        var layer = new float[3 * W * H];
        Array.Fill(layer, 0.05f);
        var fractions = new List<double>();
        var progress = new ProgressReporter((f, _) => { fractions.Add(f); return fractions.Count < 2; }, 6);
        Assert.Throws<OperationCanceledException>(() => Apply(layer, 3, W, H, progress));
        Assert.That(fractions, Has.Count.EqualTo(2), "no report after the callback said stop");
        Assert.That(layer[2 * W * H + 5], Is.EqualTo(0.05f), "the blue channel was never reached");

        // A token cancelled before the stage: the plain exception, not one wrapped by the parallel loop.
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Array.Fill(layer, 0.05f);
        Assert.Throws<OperationCanceledException>(() => Apply(layer, 3, W, H, new ProgressReporter(null, 6, "", cancelled.Token)));

        var all = new List<double>();
        Array.Fill(layer, 0.05f);
        Apply(layer, 3, W, H, new ProgressReporter((f, _) => { all.Add(f); return true; }, 6));
        Assert.That(all, Is.Ordered);
        Assert.That(all[^1], Is.EqualTo(1.0).Within(1e-9));
    }
}
