using StarPlugin.Imaging;
using StarPlugin.Lensing.Finder;

namespace StarPlugin.Tests.Lensing;

public class LensInputTests
{
    private static AstroImage Noise(int w, int h, int channels, int seed, float sigma = 0.01f, float sky = 0.1f)
    {
        var rng = new Random(seed);
        var img = new AstroImage(w, h, channels, new ImageMetadata { SourceFormat = SampleFormat.Float32 });
        for (int i = 0; i < img.Data.Length; i++) img.Data[i] = sky + sigma * (float)rng.NextGaussian();
        return img;
    }

    [Test]
    public void OutputIsAsinhOfSigmasAboveTheSky()
    {
        var img = Noise(41, 41, 3, 1);
        img[1, 20, 20] = 0.1f + 0.3f; // 30σ above the sky in the second band
        var t = new float[3 * 41 * 41];
        LensInput.Fill(img, BandOrder.BlueFirst, 41, t);
        // σ here is measured by MAD on every 3rd pixel: close to 0.01, so v ≈ asinh(30/3) = asinh(10).
        Assert.That(t[41 * 41 + 20 * 41 + 20], Is.EqualTo(MathF.Asinh(10f)).Within(0.3f));
        // Sky pixels sit around 0 with a spread of about asinh(1/3).
        var sky = t.Take(41 * 41).ToArray();
        Assert.That(sky.Average(), Is.EqualTo(0).Within(0.05));
        double sd = Math.Sqrt(sky.Select(v => (double)v * v).Average());
        Assert.That(sd, Is.EqualTo(Math.Asinh(1 / 3.0)).Within(0.05));
    }

    [Test]
    public void LargeNegativeOutliersStayFiniteAndMatchMathAsinh()
    {
        var img = Noise(32, 32, 1, 2);
        img[0, 3, 3] = -1e6f; img[0, 4, 4] = 1e6f; img[0, 5, 5] = float.NaN;
        var t = new float[3 * 32 * 32];
        LensInput.Fill(img, BandOrder.BlueFirst, 32, t);
        Assert.That(t.All(float.IsFinite), Is.True);
        Assert.That(t[3 * 32 + 3], Is.EqualTo(-t[4 * 32 + 4]).Within(1e-3f), "asinh is odd");
        Assert.That(t[5 * 32 + 5], Is.EqualTo(0f), "a blank pixel is the sky");
        Assert.That(t[4 * 32 + 4], Is.GreaterThan(10f));
    }

    [Test]
    public void SameCutoutAsGrzCubeOrRgbPictureGivesTheSameInput()
    {
        var cube = Noise(33, 33, 3, 3);
        for (int c = 0; c < 3; c++) cube[c, 16, 10 + c] = 1f; // a different feature per band
        var picture = new AstroImage(33, 33, 3);
        for (int c = 0; c < 3; c++) cube.Plane(c).CopyTo(picture.Plane(2 - c)); // R = z, G = r, B = g
        var a = new float[3 * 33 * 33]; var b = new float[3 * 33 * 33];
        LensInput.Fill(cube, BandOrder.BlueFirst, 33, a);
        LensInput.Fill(picture, BandOrder.RedFirst, 33, b);
        Assert.That(b, Is.EqualTo(a));
        Assert.That(a[0 * 33 * 33 + 16 * 33 + 10], Is.GreaterThan(3f), "g's feature is in plane 0");
        Assert.That(a[2 * 33 * 33 + 16 * 33 + 12], Is.GreaterThan(3f), "z's feature is in plane 2");
    }

    [Test]
    public void UnitsAndSkyLevelDoNotMatter()
    {
        // The same scene in nanomaggies and in ADU with a pedestal: one input.
        var nmgy = Noise(40, 40, 3, 4);
        nmgy[0, 20, 20] = 0.5f;
        var adu = nmgy.Clone();
        for (int i = 0; i < adu.Data.Length; i++) adu.Data[i] = adu.Data[i] * 250f + 1000f;
        var a = new float[3 * 40 * 40]; var b = new float[3 * 40 * 40];
        LensInput.Fill(nmgy, BandOrder.BlueFirst, 40, a);
        LensInput.Fill(adu, BandOrder.BlueFirst, 40, b);
        for (int i = 0; i < a.Length; i++) Assert.That(b[i], Is.EqualTo(a[i]).Within(2e-3f), $"value {i}");
    }

    [Test]
    public void LargerCutoutsAreCroppedAndSmallerPaddedAboutTheCentre()
    {
        var big = Noise(61, 61, 1, 5);
        big[0, 30, 30] = 5f;
        var t = new float[3 * 41 * 41];
        LensInput.Fill(big, BandOrder.BlueFirst, 41, t);
        Assert.That(Array.IndexOf(t, t.Take(41 * 41).Max()), Is.EqualTo(20 * 41 + 20), "the centre stays the centre");

        var small = Noise(21, 21, 1, 6);
        small[0, 10, 10] = 5f;
        LensInput.Fill(small, BandOrder.BlueFirst, 41, t);
        Assert.That(Array.IndexOf(t, t.Take(41 * 41).Max()), Is.EqualTo(20 * 41 + 20));
        Assert.That(t[0], Is.EqualTo(0f), "padding is sky");
        Assert.That(t[41 * 41 - 1], Is.EqualTo(0f));
    }

    [Test]
    public void ClippedEightBitSkyUsesHalfAStepAsNoise()
    {
        // A black-clipped 8-bit picture: MAD 0. One grey level above black is then 2σ, not infinity.
        var img = new AstroImage(30, 30, 3, new ImageMetadata { SourceFormat = SampleFormat.UInt8 });
        img[0, 15, 15] = 1f / 255;
        var t = new float[3 * 30 * 30];
        LensInput.Fill(img, BandOrder.RedFirst, 30, t);
        Assert.That(t[2 * 900 + 15 * 30 + 15], Is.EqualTo(MathF.Asinh(2f / 3)).Within(1e-4f));
    }
}
