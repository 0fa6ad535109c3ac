using System.Numerics.Tensors;
using StarPlugin.Imaging;

namespace StarPlugin.Lensing.Finder;

/// <summary>Order of an image's colour channels by wavelength.</summary>
public enum BandOrder
{
    /// <summary>Shortest wavelength first: a g, r, z FITS cube as surveys and our cutouts write them.</summary>
    BlueFirst,
    /// <summary>Longest first: an R, G, B picture (PNG, JPEG, TIFF).</summary>
    RedFirst,
}

/// <summary>
/// Turns a cutout into the lens finder's input, the one place this is done for training
/// and for scoring: three planes in blue-to-red order, each measured against its own
/// sky (median) and noise (MAD), compressed by asinh so that faint arcs and bright
/// galaxies share the range: v = asinh((x − median) / (3σ)). Linear survey data and
/// stretched 8-bit pictures both land on the same scale of "σ above the sky". Blank
/// (NaN) pixels, such as the padding of a cutout at an image edge, become 0 (the sky).
/// </summary>
public static class LensInput
{
    public const int Planes = 3;
    /// <summary>Softening of the asinh, in σ: below it the map is linear.</summary>
    public const float Softening = 3f;

    /// <summary>Every this-many-th pixel of the window enters the sky and noise statistics (3400 of a 101² cutout: plenty, at a third of the cost).</summary>
    public const int StatisticsStride = 3;

    /// <summary>Floats of scratch space <see cref="Fill"/> works in (pass one per thread to spare allocations).</summary>
    public static int ScratchLength(int size) => 2 * size * size;

    /// <summary>Fills <paramref name="destination"/> (3×size×size, planar) from the cutout's central size×size window (NaN-padded if smaller).</summary>
    public static void Fill(AstroImage cutout, BandOrder order, int size, Span<float> destination, float[]? scratch = null)
    {
        if (size < 8) throw new ArgumentOutOfRangeException(nameof(size), "cutout size must be at least 8");
        int plane = size * size;
        if (destination.Length < Planes * plane) throw new ArgumentException("destination is smaller than 3×size×size");
        int bands = cutout.ColorChannels;
        if (bands is not (1 or 3)) throw new ArgumentException($"a cutout needs 1 or 3 colour channels, this one has {bands}");
        scratch = scratch != null && scratch.Length >= ScratchLength(size) ? scratch : new float[ScratchLength(size)];
        // Centre the window: larger cutouts are cropped, smaller ones padded, about the same middle pixel.
        int ox = (cutout.Width - size) / 2, oy = (cutout.Height - size) / 2;
        int x0 = Math.Max(0, -ox), x1 = Math.Min(size, cutout.Width - ox); // window columns the cutout covers
        double floor = LightInjection.QuantumStep(cutout.Metadata.SourceFormat) / 2;
        for (int k = 0; k < Planes; k++)
        {
            int source = bands == 1 ? 0 : order == BandOrder.BlueFirst ? k : 2 - k;
            var dst = destination.Slice(k * plane, plane);
            var src = cutout.Plane(source);
            for (int y = 0; y < size; y++)
            {
                int sy = y + oy;
                var row = dst.Slice(y * size, size);
                if ((uint)sy >= (uint)cutout.Height || x1 <= x0) { row.Fill(float.NaN); continue; }
                row[..x0].Fill(float.NaN);
                src.Slice(sy * cutout.Width + x0 + ox, x1 - x0).CopyTo(row[x0..x1]);
                row[x1..].Fill(float.NaN);
            }
            var (median, sigma) = SkyAndNoise(dst, scratch, floor);
            Compress(dst, median, (float)(1 / (Softening * sigma)), scratch);
        }
    }

    /// <summary>
    /// v = asinh((x − median)·inv) in place, blanks to 0, as sign(z)·ln(|z| + √(z² + 1)) in
    /// SIMD spans (the scalar MathF.Asinh cost four times as much; the form on |z| keeps
    /// large negative outliers finite).
    /// </summary>
    private static void Compress(Span<float> values, float median, float inv, Span<float> scratch)
    {
        int n = values.Length;
        Span<float> t = scratch[..n], u = scratch.Slice(n, n);
        for (int i = 0; i < n; i++) if (!float.IsFinite(values[i])) values[i] = median;
        TensorPrimitives.Subtract(values, median, values);
        TensorPrimitives.Multiply(values, inv, values);
        TensorPrimitives.Abs(values, u);
        TensorPrimitives.Multiply(u, u, t);
        TensorPrimitives.Add(t, 1f, t);
        TensorPrimitives.Sqrt(t, t);
        TensorPrimitives.Add(t, u, t);
        TensorPrimitives.Log(t, t);
        TensorPrimitives.CopySign(t, values, values);
    }

    /// <summary>
    /// Median and robust σ of the finite samples (every <see cref="StatisticsStride"/>-th);
    /// σ never below half a storage step, and 1 where there is nothing to measure.
    /// </summary>
    internal static (float Median, double Sigma) SkyAndNoise(ReadOnlySpan<float> values, float[] scratch, double floor)
    {
        int n = 0;
        for (int i = 0; i < values.Length; i += StatisticsStride) if (float.IsFinite(values[i])) scratch[n++] = values[i];
        if (n == 0) return (0f, 1);
        float median = RobustStatistics.Select(scratch, 0, n, n / 2);
        for (int i = 0; i < n; i++) scratch[i] = MathF.Abs(scratch[i] - median);
        double sigma = RobustStatistics.Select(scratch, 0, n, n / 2) * RobustStatistics.MadToSigma;
        if (!(sigma >= floor))
        {
            // A clipped sky (MAD 0) in float data: fall back to a small fraction of the range above the sky.
            float max = 0;
            foreach (float v in values) if (float.IsFinite(v) && v - median > max) max = v - median;
            sigma = Math.Max(floor, max > 0 ? max * 1e-3 : 1);
        }
        return (median, sigma);
    }
}
