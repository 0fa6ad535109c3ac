using StarPlugin.Imaging;

namespace StarPlugin.Tests.Support;

/// <summary>Deterministic test images whose samples are exactly representable in a given storage format.</summary>
internal static class TestImages
{
    public static AstroImage Random(int w, int h, int channels, SampleFormat format, int seed = 1)
    {
        var rng = new System.Random(seed);
        var img = new AstroImage(w, h, channels, new ImageMetadata { SourceFormat = format });
        var d = img.Data;
        for (int i = 0; i < d.Length; i++)
            d[i] = format switch
            {
                SampleFormat.UInt8 => rng.Next(256) / 255f,
                SampleFormat.UInt16 => rng.Next(65536) / 65535f,
                SampleFormat.Int16 => (rng.Next(65536) - 32768) / 65535f,
                _ => (float)(rng.NextDouble() * 2 - 0.25), // floats outside [0,1] must survive too
            };
        return img;
    }

    /// <summary>A flat sky of level <paramref name="sky"/> with Gaussian noise of σ <paramref name="noise"/>, drawn from <paramref name="rng"/> sample by sample.</summary>
    public static AstroImage NoisySky(int w, int h, int channels, float sky, float noise, System.Random rng)
    {
        var image = new AstroImage(w, h, channels);
        for (int i = 0; i < image.Data.Length; i++) image.Data[i] = sky + noise * (float)rng.NextGaussian();
        return image;
    }

    /// <summary>Adds an axis-aligned Gaussian (σ <paramref name="sx"/> × <paramref name="sy"/>) to every channel, out to 10σ.</summary>
    public static void AddGaussian(AstroImage image, double x0, double y0, double sx, double sy, double peak)
    {
        for (int c = 0; c < image.Channels; c++)
            for (int y = Math.Max(0, (int)(y0 - 10 * sy)); y <= Math.Min(image.Height - 1, (int)(y0 + 10 * sy)); y++)
                for (int x = Math.Max(0, (int)(x0 - 10 * sx)); x <= Math.Min(image.Width - 1, (int)(x0 + 10 * sx)); x++)
                {
                    double u = (x - x0) / sx, v = (y - y0) / sy;
                    if (u * u + v * v < 100) image[c, y, x] += (float)(peak * Math.Exp(-(u * u + v * v) / 2));
                }
    }

    /// <summary>
    /// Adds four diffraction spikes round (x0, y0) to planar RGB data (channel c at c·w·h):
    /// arms 90° apart from <paramref name="angle"/> (radians), σ 0.8 px across, from
    /// <paramref name="start"/> to <paramref name="length"/> px out, fading as
    /// peak·e^(−along/<paramref name="decay"/>), each channel times its <paramref name="colour"/>.
    /// </summary>
    public static void AddSpikes(float[] planes, int w, int h, double x0, double y0, double angle, double peak, double length, double decay, double start = 0, float[]? colour = null)
    {
        for (int arm = 0; arm < 4; arm++)
        {
            double ux = Math.Cos(angle + arm * Math.PI / 2), uy = Math.Sin(angle + arm * Math.PI / 2);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    double dx = x - x0, dy = y - y0, along = dx * ux + dy * uy, across = -dx * uy + dy * ux;
                    if (along < start || along > length) continue;
                    double v = peak * Math.Exp(-across * across / (2 * 0.8 * 0.8)) * Math.Exp(-along / decay);
                    for (int c = 0; c < 3; c++) planes[c * w * h + y * w + x] += (float)(colour == null ? v : v * colour[c]);
                }
        }
    }

    public static void AssertSamePixels(AstroImage expected, AstroImage actual, float tolerance = 0f)
    {
        Assert.That(actual.Width, Is.EqualTo(expected.Width), "width");
        Assert.That(actual.Height, Is.EqualTo(expected.Height), "height");
        Assert.That(actual.Channels, Is.EqualTo(expected.Channels), "channels");
        var a = expected.Data; var b = actual.Data;
        for (int i = 0; i < a.Length; i++)
        {
            if (tolerance == 0f)
            {
                if (BitConverter.SingleToInt32Bits(a[i]) != BitConverter.SingleToInt32Bits(b[i]))
                    Assert.Fail($"sample {i}: expected {a[i]:R}, got {b[i]:R}");
            }
            else if (MathF.Abs(a[i] - b[i]) > tolerance)
                Assert.Fail($"sample {i}: expected {a[i]}, got {b[i]} (tolerance {tolerance})");
        }
    }
}
