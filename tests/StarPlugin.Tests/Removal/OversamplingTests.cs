using StarPlugin.Imaging;
using StarPlugin.Inference;
using StarPlugin.IO;
using StarPlugin.Removal;
using StarPlugin.Tests.Support;

namespace StarPlugin.Tests.Removal;

/// <summary>
/// Oversampled pictures (stars wider than the network knows), removed binned on request
/// (Binning = 0 for auto, or a factor) and back at full resolution: the factor from the
/// frame's PSF, the input untouched off the stars but for the network's faint change, the
/// stars gone, with the shipped network.
/// </summary>
public class OversamplingTests
{
    private const float Sky = 0.15f, Noise = 0.01f;
    private StarRemover _remover = null!;

    [OneTimeSetUp]
    public void SetUp() => _remover = new StarRemover(Repo.Path_("models", "starless-v1.onnx"));

    [OneTimeTearDown]
    public void TearDown() => _remover.Dispose();

    [TestCase(1.5, 1000, 1000, 1)]
    [TestCase(2.6, 1000, 1000, 1)]
    [TestCase(2.7, 1000, 1000, 2)]
    [TestCase(4.1, 1000, 1000, 3)]
    [TestCase(30.0, 1000, 1000, Oversampling.MaxFactor)]
    [TestCase(4.1, 150, 1000, 2)]
    [TestCase(4.1, 100, 1000, 1)]
    [TestCase(double.NaN, 1000, 1000, 1)]
    public void TheFactorFollowsTheStarsWidthWhileTheBinnedPictureKeepsEnoughPixels(double psf, int w, int h, int factor) =>
        Assert.That(Oversampling.Factor(psf, w, h), Is.EqualTo(factor));

    [Test]
    public void BinningAveragesEachBlocksFiniteValues()
    {
        var image = new AstroImage(5, 4, 1);
        for (int i = 0; i < 20; i++) image.Data[i] = i;
        image.Data[1] = float.NaN;
        var small = Oversampling.Bin(image, 2);
        Assert.That((small.Width, small.Height), Is.EqualTo((2, 2)), "the last column makes no whole block");
        // Block (0,0): 0, NaN, 5, 6 → 11/3; (1,0): 2, 3, 7, 8; (0,1): 10, 11, 15, 16; (1,1): 12, 13, 17, 18.
        Assert.That(small.Data, Is.EqualTo(new[] { 11f / 3, 5f, 13f, 15f }).Within(1e-6));
    }

    /// <summary>A sky with noise and <paramref name="columns"/> × <paramref name="rows"/> round stars of σ <paramref name="sigma"/> px (FWHM 2.355 σ).</summary>
    private static (AstroImage Image, List<(double X, double Y)> Stars) Field(double sigma, int size = 384, int columns = 12, int rows = 10)
    {
        var rng = new Random(3);
        var image = TestImages.NoisySky(size, size, 3, Sky, Noise, rng);
        var stars = new List<(double X, double Y)>();
        for (int k = 0; k < columns * rows; k++)
        {
            double x = 16 + (k % columns) * ((size - 32) / (columns - 1.0)) + rng.NextDouble() * 3, y = 16 + (k / columns) * ((size - 32) / (rows - 1.0)) + rng.NextDouble() * 3;
            stars.Add((x, y));
            TestImages.AddGaussian(image, x, y, sigma, sigma, 0.25 + 0.4 * rng.NextDouble());
        }
        return (image, stars);
    }

    [Test]
    public void SharpStarsAreNotBinned()
    {
        var (image, _) = Field(0.9);
        Assert.That(_remover.Remove(image, new RemovalOptions { Stretch = StretchMode.Never, Binning = 0 }).Binning, Is.EqualTo(1));
    }

    /// <summary>
    /// Stars of FWHM 4.7 px (σ 2): binned 3×, the stars are gone (their cores within a few
    /// σ of the sky's noise) and the pixels farther than 30 px from any star (the binned
    /// fill's reach, 4 binned px, the network's faint halo round it and the mask's binned
    /// pixel, re-enlarged: 24 px was seen) change by less than the noise (the network's own faint change off the
    /// stars, as at full resolution). By default (Binning = 1) nothing is binned; a factor
    /// asked for is used.
    /// </summary>
    [Test]
    public void WideStarsAreRemovedBinnedAndTheSkyOffThemIsUntouched()
    {
        var (image, stars) = Field(2.0, 512, 9, 8);
        var result = _remover.Remove(image, new RemovalOptions { Stretch = StretchMode.Never, Binning = 0 });
        Assert.That(result.Binning, Is.EqualTo(3));
        Assert.That(_remover.Remove(image, new RemovalOptions { Stretch = StretchMode.Never, Outputs = RemovalOutputs.Starless }).Binning, Is.EqualTo(1), "not binned by default");
        Assert.That(_remover.Remove(image, new RemovalOptions { Stretch = StretchMode.Never, Binning = 2, Outputs = RemovalOutputs.Starless }).Binning, Is.EqualTo(2), "the factor asked for");
        var starless = result.Starless;
        int w = image.Width;
        foreach (var (x, y) in stars)
            for (int c = 0; c < 3; c++)
            {
                double core = 0;
                for (int dy = -1; dy <= 1; dy++)
                    for (int dx = -1; dx <= 1; dx++) core += starless[c, (int)Math.Round(y) + dy, (int)Math.Round(x) + dx] / 9;
                Assert.That(core, Is.EqualTo(Sky).Within(5 * Noise), $"star at ({x:F0}, {y:F0}), channel {c}: removed");
            }
        int far = 0;
        double change = 0, largest = 0;
        for (int y = 0; y < image.Height; y++)
            for (int x = 0; x < w; x++)
            {
                if (stars.Any(s => (s.X - x) * (s.X - x) + (s.Y - y) * (s.Y - y) < 30 * 30)) continue;
                far++;
                for (int c = 0; c < 3; c++)
                {
                    double d = Math.Abs(starless[c, y, x] - image[c, y, x]);
                    change += d / 3;
                    largest = Math.Max(largest, d);
                }
            }
        Assert.That(far, Is.GreaterThan(10_000));
        // Off the stars only the network's own faint change (below the mask's 2σ), re-enlarged.
        TestContext.Out.WriteLine($"off the stars: mean change {change / far:G3}, largest {largest:G3}");
        Assert.That(change / far, Is.LessThan(0.05 * Noise), "off the stars the starless image is the input, but for the network's faint change");
        Assert.That(largest, Is.LessThan(Noise), "nowhere off the stars more than the noise");
        // Starless + stars = input, at full resolution.
        for (int i = 0; i < image.Data.Length; i += 97) Assert.That(starless.Data[i] + result.Stars.Data[i], Is.EqualTo(image.Data[i]).Within(1e-5));
        Assert.That((result.Mask.Width, result.Mask.Height), Is.EqualTo((image.Width, image.Height)));
    }

    /// <summary>A named factor is lowered until the binned picture keeps 64 px a side: a 100-px picture is not binned 8×.</summary>
    [TestCase(100, 8, 1)]
    [TestCase(200, 8, 3)]
    public void ANamedFactorKeepsTheBinnedPictureLargeEnough(int size, int binning, int used)
    {
        var (image, _) = Field(0.9, size, 3, 3);
        Assert.That(_remover.Remove(image, new RemovalOptions { Stretch = StretchMode.Never, Binning = binning }).Binning, Is.EqualTo(used));
    }

    [TestCase(-1)]
    [TestCase(RemovalOptions.MaxBinning + 1)]
    public void AFactorOutOfRangeIsRefused(int binning)
    {
        var (image, _) = Field(0.9, 128);
        Assert.Throws<ArgumentException>(() => _remover.Remove(image, new RemovalOptions { Binning = binning }));
    }

    /// <summary>
    /// A real picture enlarged 3× (Stellarium's M37, stars 1.4 px wide become about 4): auto
    /// (Binning = 0) bins it, and its brightest stars go as they do at its own size.
    /// </summary>
    [Test]
    public void ARealPictureEnlargedIsBinned()
    {
        var m37 = ImageFile.Read(Repo.Path_("tests", "StarPlugin.Tests", "Fixtures", "m37.png"));
        var big = Enlarge(m37, 3);
        var result = _remover.Remove(big, new RemovalOptions { Stretch = StretchMode.Never, Binning = 0 });
        Assert.That(result.Binning, Is.GreaterThanOrEqualTo(2));
        // The ten brightest pixels of the input's luminance (the brightest stars' cores) are
        // all within a tenth of the range of the sky's median in the result.
        var lum = big.Luminance();
        var resultLum = result.Starless.Luminance();
        float sky = RobustStatistics.Median(resultLum);
        var brightest = Enumerable.Range(0, lum.Length).OrderByDescending(i => lum[i]).Take(10).ToArray();
        foreach (int i in brightest) Assert.That(resultLum[i] - sky, Is.LessThan(0.1f), $"pixel {i % big.Width}, {i / big.Width}");
    }

    /// <summary>Bilinear enlargement by an integer factor (each plane).</summary>
    private static AstroImage Enlarge(AstroImage image, int k)
    {
        int w = image.Width, h = image.Height;
        var big = new AstroImage(w * k, h * k, image.Channels);
        for (int c = 0; c < image.Channels; c++)
            for (int y = 0; y < h * k; y++)
            {
                double v = Math.Clamp((y + 0.5) / k - 0.5, 0, h - 1);
                int j0 = (int)v, j1 = Math.Min(h - 1, j0 + 1);
                double fy = v - j0;
                for (int x = 0; x < w * k; x++)
                {
                    double u = Math.Clamp((x + 0.5) / k - 0.5, 0, w - 1);
                    int i0 = (int)u, i1 = Math.Min(w - 1, i0 + 1);
                    double fx = u - i0;
                    big[c, y, x] = (float)((1 - fy) * ((1 - fx) * image[c, j0, i0] + fx * image[c, j0, i1]) + fy * ((1 - fx) * image[c, j1, i0] + fx * image[c, j1, i1]));
                }
            }
        return big;
    }
}
