using StarPlugin.Progress;
using StarPlugin.Removal;

namespace StarPlugin.Tests.Removal;

/// <summary>
/// The stage that gives back the nebula filaments the network took with the stars: a thin
/// line of light leaves the star layer (given back to the starless image), in its own
/// colour; stars, round halos, a clipped star's spikes and close pairs stay in it.
/// </summary>
public class FilamentRestoreTests
{
    // Three bands of rows (128 each): the boundaries at rows 128 and 256 are crossed.
    private const int W = 300, H = 300;

    /// <summary>The stage on an input of 1 everywhere (model domain = input): the layer is clamped to [0, 1] only.</summary>
    private static void Apply(float[] layer, int colours, IReadOnlyList<ResidualStarCleanup.Target> census, float[]? input = null, ParallelOptions? options = null)
    {
        if (input == null) { input = new float[layer.Length]; Array.Fill(input, 1f); }
        FilamentRestore.Apply(census, [], layer, input, ModelDomain.Scale(1f), colours, W, H, ProgressReporter.None, options);
    }

    private static ResidualStarCleanup.Target Source(double x, double y, double fwhm, bool clipped = false) =>
        new(new ResidualStarCleanup.Source(x, y, fwhm, 10, 0, clipped ? 0 : 0.95f, clipped ? 1f : 0.5f, 100, 0.1f, (int)y, (int)x, clipped), 1, false);

    private static double Star(double x, double y, double cx, double cy, double sigma, double peak) =>
        peak * Math.Exp(-((x - cx) * (x - cx) + (y - cy) * (y - cy)) / (2 * sigma * sigma));

    /// <summary>A line of light with a Gaussian profile across it, from (x0, y0) to (x1, y1).</summary>
    private static double Line(double x, double y, double x0, double y0, double x1, double y1, double sigma, double peak)
    {
        double dx = x1 - x0, dy = y1 - y0;
        double t = Math.Clamp(((x - x0) * dx + (y - y0) * dy) / (dx * dx + dy * dy), 0, 1);
        double ex = x - (x0 + t * dx), ey = y - (y0 + t * dy);
        return peak * Math.Exp(-(ex * ex + ey * ey) / (2 * sigma * sigma));
    }

    private static double Sum(float[] plane, int offset, Func<int, int, bool> where)
    {
        double s = 0;
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                if (where(x, y)) s += plane[offset + y * W + x];
        return s;
    }

    private static double Distance(double x, double y, double cx, double cy) => Math.Sqrt((x - cx) * (x - cx) + (y - cy) * (y - cy));

    // Along one of the line's angles (a tenth stays: the ridge test's allowance), and 10° off
    // the nearest (32.5°), where at its ends the line stands 0.9 px off the filament's middle
    // and the opening keeps about 0.65 of it.
    [TestCase(40, 130, 260, 130, 0.75)]
    [TestCase(40, 60, 260, 200, 0.45)]
    public void AFilamentGoesBackInItsColourAndTheStarsStay(double x0, double y0, double x1, double y1, double least)
    {
        const int N = W * H;
        float[] colour = [0.4f, 0.2f, 0.6f];
        var layer = new float[3 * N];
        var filament = new float[3 * N];
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < H; y++)
                for (int x = 0; x < W; x++)
                {
                    double f = Line(x, y, x0, y0, x1, y1, 1.0, colour[c]);
                    filament[c * N + y * W + x] = (float)f;
                    // One star in the census, one the census missed: both round.
                    layer[c * N + y * W + x] = (float)(f + Star(x, y, 80, 240, 1.5, 0.5) + Star(x, y, 220, 60, 1.5, 0.5));
                }
        var before = (float[])layer.Clone();
        Apply(layer, 3, [Source(80, 240, 3.5)]);

        bool OnFilament(int x, int y) => Line(x, y, x0, y0, x1, y1, 1.0, 1) > 0.1 && Distance(x, y, 80, 240) > 8 && Distance(x, y, 220, 60) > 8;
        var given = new double[3];
        for (int c = 0; c < 3; c++)
        {
            given[c] = Sum(before, c * N, OnFilament) - Sum(layer, c * N, OnFilament);
            double light = Sum(filament, c * N, OnFilament);
            Assert.That(given[c] / light, Is.GreaterThan(least), $"colour {c}: the filament is given back");
        }
        // In its own colour: each colour gives back its share.
        Assert.That(given[2] / given[0], Is.EqualTo(1.5).Within(0.1));
        Assert.That(given[1] / given[0], Is.EqualTo(0.5).Within(0.05));
        for (int c = 0; c < 3; c++)
        {
            // The census' star is left alone; the one it missed is round and keeps its light.
            Assert.That(Sum(layer, c * N, (x, y) => Distance(x, y, 80, 240) < 4), Is.EqualTo(Sum(before, c * N, (x, y) => Distance(x, y, 80, 240) < 4)).Within(1e-4));
            Assert.That(Sum(layer, c * N, (x, y) => Distance(x, y, 220, 60) < 4) / Sum(before, c * N, (x, y) => Distance(x, y, 220, 60) < 4), Is.GreaterThan(0.97));
        }
    }

    [Test]
    public void AClippedStarsRoundHaloStays()
    {
        // A clipped star's disc (three fill radii) and, past it, the lines out from it that are
        // not given back keep its halo: with neither, 3.3 % of this one came back.
        var layer = new float[W * H];
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                layer[y * W + x] = (float)Math.Min(1, Star(x, y, 150, 140, 3, 1) + Star(x, y, 150, 140, 12, 0.3));
        var before = (float[])layer.Clone();
        Apply(layer, 1, [Source(150, 140, 6, clipped: true)]);
        Assert.That(Sum(layer, 0, (_, _) => true) / Sum(before, 0, (_, _) => true), Is.GreaterThan(0.999));
    }

    [Test]
    public void ARoundHaloTheCensusMissedStays()
    {
        // A soft bright star the census did not list (M17 has one): out from its middle the
        // halo falls all the way and an opening along that line keeps it; but across such a
        // line lies the same ring of halo, only a little lower (without the ridge test's
        // allowance for that, 8 % of this halo came back).
        var layer = new float[W * H];
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                layer[y * W + x] = (float)Star(x, y, 150, 140, 8, 0.3);
        var before = (float[])layer.Clone();
        Apply(layer, 1, []);
        Assert.That(Sum(layer, 0, (_, _) => true) / Sum(before, 0, (_, _) => true), Is.GreaterThan(0.97));
    }

    [Test]
    public void AClippedStarsSpikesStay()
    {
        // Four arms 90° apart, out to 120 px from a clipped star: lines, but the star's own.
        var layer = new float[W * H];
        double[] angles = [20, 110, 200, 290];
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
            {
                double v = Star(x, y, 150, 150, 3, 1);
                foreach (double a in angles)
                {
                    double t = a * Math.PI / 180;
                    v += Line(x, y, 150, 150, 150 + 120 * Math.Cos(t), 150 + 120 * Math.Sin(t), 0.8, 0.3);
                }
                layer[y * W + x] = (float)Math.Min(1, v);
            }
        var before = (float[])layer.Clone();
        var star = Source(150, 150, 6, clipped: true);
        double disc = FilamentRestore.ExclusionRadius(star.Star);
        Apply(layer, 1, [star]);
        bool OnArms(int x, int y) => Distance(x, y, 150, 150) > disc + 2 && layer[y * W + x] + before[y * W + x] > 0.05;
        Assert.That(Sum(layer, 0, OnArms) / Sum(before, 0, OnArms), Is.GreaterThan(0.95), "the arms stay in the star layer");
    }

    [Test]
    public void ACloseStarPairStays()
    {
        // Two stars 5 px apart make a line about 11 px long: the census' discs keep it.
        var layer = new float[W * H];
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                layer[y * W + x] = (float)(Star(x, y, 100, 100, 1.5, 0.6) + Star(x, y, 105, 100, 1.5, 0.6));
        var before = (float[])layer.Clone();
        Apply(layer, 1, [Source(100, 100, 3.5), Source(105, 100, 3.5)]);
        Assert.That(Sum(layer, 0, (_, _) => true) / Sum(before, 0, (_, _) => true), Is.GreaterThan(0.9999));
    }

    [Test]
    public void TheBandsLeaveNoSeam()
    {
        // Work goes in bands of 128 rows, in parallel: the same scene 50 rows lower (its rows
        // now in other bands, across other bands' edges) must come out the same, 50 rows lower.
        // (Reading a neighbour's rows after it gave them back failed here, not in the test below.)
        float[] Scene(int shift)
        {
            var layer = new float[W * H];
            for (int y = 0; y < H; y++)
                for (int x = 0; x < W; x++)
                {
                    double v = 0, yy = y - shift;
                    v += Line(x, yy, 30, 40, 270, 200, 1.2, 0.4);
                    v += Line(x, yy, 60, 220, 250, 110, 1.0, 0.3);
                    v += Line(x, yy, 150, 30, 160, 225, 1.5, 0.25);
                    v += Star(x, yy, 100, 90, 1.5, 0.6) + Star(x, yy, 200, 170, 6, 0.2);
                    layer[y * W + x] = (float)Math.Min(1, v);
                }
            return layer;
        }
        var top = Scene(0);
        var lower = Scene(50);
        Apply(top, 1, [Source(100, 90, 3.5)]);
        Apply(lower, 1, [Source(100, 140, 3.5)]);
        double worst = 0;
        for (int y = 20; y < 235; y++)
            for (int x = 0; x < W; x++)
                worst = Math.Max(worst, Math.Abs(top[y * W + x] - lower[(y + 50) * W + x]));
        Assert.That(worst, Is.LessThan(1e-6));
    }

    [Test]
    public void AStarAtTheFramesEdgeStays()
    {
        // Past the edge the layer counts as nothing: half a star there is no line.
        var layer = new float[W * H];
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                layer[y * W + x] = (float)(Star(x, y, 2, 150, 1.5, 0.6) + Star(x, y, 150, 1, 1.5, 0.6) + Star(x, y, 297, 297, 1.5, 0.6));
        var before = (float[])layer.Clone();
        Apply(layer, 1, []);
        Assert.That(Sum(layer, 0, (_, _) => true) / Sum(before, 0, (_, _) => true), Is.GreaterThan(0.99));
    }

    /// <summary>
    /// The stage as its doc says, on the whole image at once, one colour, input 1, no census:
    /// openings by the line (outside the frame the layer is 0), the ridge test, the most of it
    /// taken away. Slow and plain, for the bands to be checked against.
    /// </summary>
    private static float[] WholeImage(float[] layer)
    {
        var lum = layer.Select(v => float.IsFinite(v) ? Math.Clamp(v, 0f, 1f) : 0f).ToArray();
        var ridge = Enumerable.Repeat(float.NegativeInfinity, W * H).ToArray();
        int reach = FilamentRestore.LineLength / 2;
        for (int o = 0; o < FilamentRestore.Orientations; o++)
        {
            double t = o * Math.PI / FilamentRestore.Orientations;
            var line = new HashSet<(int, int)>();
            for (int i = 0; i < 4 * FilamentRestore.LineLength; i++)
            {
                double s = -reach + 2.0 * reach * i / (4 * FilamentRestore.LineLength - 1);
                line.Add(((int)Math.Round(reach + s * Math.Cos(t)) - reach, (int)Math.Round(reach + s * Math.Sin(t)) - reach));
            }
            float At(float[] a, int x, int y) => x < 0 || y < 0 || x >= W || y >= H ? 0f : a[y * W + x];
            var eroded = new float[W * H];
            for (int y = 0; y < H; y++)
                for (int x = 0; x < W; x++)
                    eroded[y * W + x] = line.Min(d => At(lum, x + d.Item1, y + d.Item2));
            var opened = new float[W * H];
            for (int y = 0; y < H; y++)
                for (int x = 0; x < W; x++)
                    opened[y * W + x] = line.Where(d => x - d.Item1 >= 0 && x - d.Item1 < W && y - d.Item2 >= 0 && y - d.Item2 < H)
                        .Select(d => eroded[(y - d.Item2) * W + x - d.Item1]).DefaultIfEmpty(float.NegativeInfinity).Max();
            int nx = (int)Math.Round(-Math.Sin(t) * FilamentRestore.Side), ny = (int)Math.Round(Math.Cos(t) * FilamentRestore.Side);
            float Opened(int x, int y) => x < 0 || y < 0 || x >= W || y >= H ? float.PositiveInfinity : opened[y * W + x];
            for (int y = 0; y < H; y++)
                for (int x = 0; x < W; x++)
                {
                    float o1 = opened[y * W + x];
                    float side = Math.Max(Opened(x + nx, y + ny), Opened(x - nx, y - ny));
                    ridge[y * W + x] = Math.Max(ridge[y * W + x], (1 - FilamentRestore.RingAllowance) * o1 - side);
                }
        }
        var result = (float[])layer.Clone();
        for (int i = 0; i < result.Length; i++)
            if (ridge[i] > 0 && lum[i] > 0) result[i] -= Math.Min(lum[i], ridge[i]);
        return result;
    }

    [Test]
    public void TheBandsGiveWhatTheWholeImageGives()
    {
        // Bands of 128 rows with the rows their openings and ridge test reach, and the frame's
        // edges, against the plain computation over the whole image (one worker, bands in order).
        var layer = new float[W * H];
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                layer[y * W + x] = (float)Math.Min(1, Line(x, y, 20, 100, 280, 150, 1.2, 0.5) + Line(x, y, 100, 20, 130, 290, 1.0, 0.4)
                    + Line(x, y, 200, 240, 290, 270, 1.5, 0.3) + Star(x, y, 60, 250, 4, 0.3));
        var expected = WholeImage(layer);
        Apply(layer, 1, [], options: new ParallelOptions { MaxDegreeOfParallelism = 1 });
        double worst = 0;
        for (int i = 0; i < layer.Length; i++) worst = Math.Max(worst, Math.Abs(layer[i] - expected[i]));
        Assert.That(worst, Is.LessThan(1e-5));
    }

    [Test]
    public void NotFiniteInputOrLayerIsLeftAsItIs()
    {
        float[] Filament()
        {
            var l = new float[W * H];
            for (int y = 0; y < H; y++)
                for (int x = 0; x < W; x++)
                    l[y * W + x] = (float)Line(x, y, 30, 30, 270, 270, 1.0, 0.5);
            return l;
        }
        var layer = Filament();
        var input = new float[W * H];
        Array.Fill(input, 1f);
        input[150 * W + 150] = float.NaN;
        input[100 * W + 100] = float.PositiveInfinity;
        layer[200 * W + 200] = float.NaN;
        Apply(layer, 1, [], input);
        Assert.That(float.IsNaN(layer[200 * W + 200]));
        Assert.That(layer[150 * W + 150], Is.EqualTo((float)Line(150, 150, 30, 30, 270, 270, 1.0, 0.5)), "no input there: the layer stays");
        for (int i = 0; i < layer.Length; i++)
            if (i != 200 * W + 200) Assert.That(float.IsFinite(layer[i]), $"pixel {i}");
        // A NaN in the layer is a hole of nothing in the filament, not a NaN that spreads
        // through the openings: a few pixels along, the filament goes back as it does whole.
        var whole = Filament();
        Apply(whole, 1, []);
        for (int d = 6; d <= 15; d++)
            Assert.That(layer[(200 + d) * W + 200 + d], Is.EqualTo(whole[(200 + d) * W + 200 + d]).Within(1e-6), $"{d} px along from the NaN");
    }
}
