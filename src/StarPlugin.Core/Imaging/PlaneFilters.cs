using System.Buffers;
using System.Numerics.Tensors;

namespace StarPlugin.Imaging;

/// <summary>
/// Separable filters on one row-major plane; edges clamp. Each pass works on whole rows
/// with TensorPrimitives (SIMD): a tap is one multiply-add, or one min/max, of a shifted
/// row span, and rows run in parallel. (A per-pixel loop with a delegate for min/max cost
/// about a second per pass on a 24-MP star mask.)
/// </summary>
public static class PlaneFilters
{
    // Every filter takes optional scratch and destination planes (the destination may be
    // the source): at 24 MP each fresh plane is ~100 MB of first-touch page faults.

    /// <summary>Grey dilation: the maximum over a (2r+1)² square (clipped at the edges), as two 1-D passes.</summary>
    public static float[] MaxFilter(float[] src, int w, int h, int r, float[]? scratch = null, float[]? dst = null) => Extremum(src, w, h, r, max: true, scratch, dst);

    /// <summary>Grey erosion: the minimum over a (2r+1)² square (clipped at the edges), as two 1-D passes.</summary>
    public static float[] MinFilter(float[] src, int w, int h, int r, float[]? scratch = null, float[]? dst = null) => Extremum(src, w, h, r, max: false, scratch, dst);

    private static float[] Extremum(float[] src, int w, int h, int r, bool max, float[]? scratch, float[]? dst)
    {
        var (tmp, output) = Buffers(src, w, h, scratch, dst);
        void Pick(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> d)
        {
            if (max) TensorPrimitives.Max(a, b, d); else TensorPrimitives.Min(a, b, d);
        }
        ForRows(h, y =>
        {
            var s = src.AsSpan(y * w, w); var d = tmp.AsSpan(y * w, w);
            s.CopyTo(d);
            for (int k = 1; k <= r && k < w; k++)
            {
                Pick(d[..(w - k)], s[k..], d[..(w - k)]); // neighbour k to the right
                Pick(d[k..], s[..(w - k)], d[k..]);       // neighbour k to the left
            }
        });
        ForRows(h, y =>
        {
            var d = output.AsSpan(y * w, w);
            tmp.AsSpan(y * w, w).CopyTo(d);
            for (int k = Math.Max(0, y - r); k <= Math.Min(h - 1, y + r); k++)
                if (k != y) Pick(d, tmp.AsSpan(k * w, w), d);
        });
        return output;
    }

    /// <summary>Gaussian blur of standard deviation <paramref name="sigma"/> pixels (kernel radius 3σ, edges replicated).</summary>
    public static float[] GaussianBlur(float[] src, int w, int h, float sigma, float[]? scratch = null, float[]? dst = null)
    {
        var (tmp, output) = Buffers(src, w, h, scratch, dst);
        if (!(sigma > 0) || !float.IsFinite(sigma)) throw new ArgumentException($"blur sigma must be positive, got {sigma}");
        int r = (int)Math.Ceiling(3 * sigma);
        var k = new float[2 * r + 1];
        float sum = 0;
        for (int i = -r; i <= r; i++) { k[i + r] = MathF.Exp(-i * i / (2 * sigma * sigma)); sum += k[i + r]; }
        for (int i = 0; i < k.Length; i++) k[i] /= sum;
        ForRows(h, y =>
        {
            // The row padded by r replicated pixels each side, so every tap is one span.
            var pad = ArrayPool<float>.Shared.Rent(w + 2 * r);
            var p = pad.AsSpan(0, w + 2 * r);
            var s = src.AsSpan(y * w, w);
            p[..r].Fill(s[0]);
            s.CopyTo(p[r..]);
            p[(r + w)..].Fill(s[w - 1]);
            var d = tmp.AsSpan(y * w, w);
            TensorPrimitives.Multiply(p[..w], k[0], d);
            for (int t = 1; t < k.Length; t++) TensorPrimitives.MultiplyAdd(p.Slice(t, w), k[t], d, d);
            ArrayPool<float>.Shared.Return(pad);
        });
        ForRows(h, y =>
        {
            var d = output.AsSpan(y * w, w);
            TensorPrimitives.Multiply(tmp.AsSpan(Math.Clamp(y - r, 0, h - 1) * w, w), k[0], d);
            for (int t = 1; t < k.Length; t++)
                TensorPrimitives.MultiplyAdd(tmp.AsSpan(Math.Clamp(y + t - r, 0, h - 1) * w, w), k[t], d, d);
        });
        return output;
    }

    /// <summary>Checks the plane and returns the scratch plane (never the source) and the destination.</summary>
    private static (float[] Scratch, float[] Dst) Buffers(float[] src, int w, int h, float[]? scratch, float[]? dst)
    {
        if (w <= 0 || h <= 0 || (long)w * h != src.Length) throw new ArgumentException($"plane of {src.Length} values is not {w}x{h}");
        if (scratch != null && (scratch.Length != src.Length || ReferenceEquals(scratch, src) || ReferenceEquals(scratch, dst)))
            throw new ArgumentException("scratch plane must be a separate plane of the same size");
        if (dst != null && dst.Length != src.Length) throw new ArgumentException("destination plane has the wrong size");
        return (scratch ?? new float[src.Length], dst ?? new float[src.Length]);
    }

    /// <summary>Rows in parallel, in blocks of rows so that small rows do not drown in scheduling.</summary>
    private static void ForRows(int h, Action<int> row)
    {
        const int Block = 16;
        Parallel.For(0, (h + Block - 1) / Block, b =>
        {
            for (int y = b * Block; y < Math.Min(h, (b + 1) * Block); y++) row(y);
        });
    }
}
