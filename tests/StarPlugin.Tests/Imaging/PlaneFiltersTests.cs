using StarPlugin.Imaging;

namespace StarPlugin.Tests.Imaging;

/// <summary>The span-based filters against direct per-pixel definitions, including in-place use.</summary>
public class PlaneFiltersTests
{
    private static float[] Random(int w, int h, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, w * h).Select(_ => (float)rng.NextDouble()).ToArray();
    }

    private static float Naive(float[] src, int w, int h, int x, int y, int r, bool max)
    {
        float m = max ? float.NegativeInfinity : float.PositiveInfinity;
        for (int yy = Math.Max(0, y - r); yy <= Math.Min(h - 1, y + r); yy++)
            for (int xx = Math.Max(0, x - r); xx <= Math.Min(w - 1, x + r); xx++)
                m = max ? Math.Max(m, src[yy * w + xx]) : Math.Min(m, src[yy * w + xx]);
        return m;
    }

    [TestCase(37, 23, 1)]
    [TestCase(37, 23, 3)]
    [TestCase(5, 40, 4)] // radius near and past the width
    public void MinAndMaxFiltersAreTheWindowExtremes(int w, int h, int r)
    {
        var src = Random(w, h, w * 100 + r);
        var max = PlaneFilters.MaxFilter(src, w, h, r);
        var min = PlaneFilters.MinFilter(src, w, h, r);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                Assert.That(max[y * w + x], Is.EqualTo(Naive(src, w, h, x, y, r, true)), $"max at ({x},{y})");
                Assert.That(min[y * w + x], Is.EqualTo(Naive(src, w, h, x, y, r, false)), $"min at ({x},{y})");
            }
    }

    [Test]
    public void GaussianBlurIsTheClampedEdgeConvolution()
    {
        int w = 41, h = 29; float sigma = 1.7f; int r = (int)Math.Ceiling(3 * sigma);
        var src = Random(w, h, 5);
        var k = Enumerable.Range(-r, 2 * r + 1).Select(i => Math.Exp(-i * i / (2.0 * sigma * sigma))).ToArray();
        double sum = k.Sum();
        var blurred = PlaneFilters.GaussianBlur(src, w, h, sigma);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                double v = 0;
                for (int dy = -r; dy <= r; dy++)
                    for (int dx = -r; dx <= r; dx++)
                        v += k[dy + r] * k[dx + r] / (sum * sum) * src[Math.Clamp(y + dy, 0, h - 1) * w + Math.Clamp(x + dx, 0, w - 1)];
                Assert.That(blurred[y * w + x], Is.EqualTo(v).Within(1e-5), $"({x},{y})");
            }
    }

    [Test]
    public void FiltersRunInPlaceThroughAScratchPlane()
    {
        int w = 64, h = 48;
        var src = Random(w, h, 9);
        var expected = PlaneFilters.GaussianBlur(PlaneFilters.MaxFilter(src, w, h, 2), w, h, 1.5f);
        var scratch = new float[src.Length];
        PlaneFilters.MaxFilter(src, w, h, 2, scratch, src);
        var result = PlaneFilters.GaussianBlur(src, w, h, 1.5f, scratch, src);
        Assert.That(result, Is.SameAs(src));
        Assert.That(result, Is.EqualTo(expected));
    }

    [Test]
    public void BadPlanesAreRejected()
    {
        var src = new float[12];
        Assert.Throws<ArgumentException>(() => PlaneFilters.MaxFilter(src, 5, 3, 1), "size mismatch");
        Assert.Throws<ArgumentException>(() => PlaneFilters.GaussianBlur(src, 4, 3, 1f, scratch: src), "scratch aliasing the source");
        Assert.Throws<ArgumentException>(() => PlaneFilters.GaussianBlur(src, 4, 3, float.NaN), "NaN sigma");
    }
}
