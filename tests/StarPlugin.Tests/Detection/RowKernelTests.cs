using StarPlugin.Detection;

namespace StarPlugin.Tests.Detection;

/// <summary>The SIMD kernels against plain scalar references.</summary>
public class RowKernelTests
{
    [TestCase(1)] [TestCase(7)] [TestCase(8)] [TestCase(37)] [TestCase(1000)]
    public void ConvolveMatchesScalarReference(int n)
    {
        var rng = new Random(n);
        var w = Enumerable.Range(0, 9).Select(_ => (float)rng.NextDouble()).ToArray();
        var src = Enumerable.Range(0, n + w.Length - 1).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        var dst = new float[n];
        RowKernels.Convolve(src, w, dst);
        for (int x = 0; x < n; x++)
        {
            double r = 0;
            for (int t = 0; t < w.Length; t++) r += w[t] * src[x + t];
            Assert.That(dst[x], Is.EqualTo(r).Within(1e-5));
        }
    }

    [TestCase(5, 3)] [TestCase(64, 7)] [TestCase(333, 13)]
    public void WindowSumsMatchDirectSums(int n, int size)
    {
        var rng = new Random(size);
        var src = Enumerable.Range(0, n + size + 4).Select(_ => (float)rng.NextDouble() * 2 - 1).ToArray();
        var p1 = new double[src.Length + 1]; var p2 = new double[src.Length + 1]; var q = new double[src.Length + 1];
        RowKernels.PrefixSums(src, p1, p2, q);
        var s = new float[n]; var s2 = new float[n]; var sx = new float[n];
        RowKernels.WindowSums(p1, p2, q, 2, size, s, s2, sx);
        for (int x = 0; x < n; x++)
        {
            double a = 0, b = 0, c = 0;
            for (int t = 0; t < size; t++) { double v = src[2 + x + t]; a += v; b += v * v; c += (t - size / 2) * v; }
            Assert.That(s[x], Is.EqualTo(a).Within(1e-4));
            Assert.That(s2[x], Is.EqualTo(b).Within(1e-4));
            Assert.That(sx[x], Is.EqualTo(c).Within(1e-3));
        }
    }

    [Test]
    public void CorrelationOfAnExactGaussianIsOne()
    {
        // A noiseless Gaussian of σ = 1.2 on a sloped background: the slope-free Pearson
        // coefficient with the matching kernel must be 1 at the centre.
        int w = 41, h = 41;
        var plane = new float[w * h];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                plane[y * w + x] = 0.1f + 0.002f * x - 0.001f * y + 0.5f * MathF.Exp(-((x - 20) * (x - 20) + (y - 20) * (y - 20)) / (2 * 1.2f * 1.2f));
        var stars = StarDetector.Detect(plane, w, h, new DetectionOptions { GMin = 1.2f, GMax = 1.2f, GStep = 1f, GuardFactor = 0 });
        Assert.That(stars, Has.Count.EqualTo(1));
        Assert.That(stars[0].Coefficient, Is.GreaterThan(0.999f));
        Assert.That(stars[0].X, Is.EqualTo(20).Within(0.01));
    }
}
