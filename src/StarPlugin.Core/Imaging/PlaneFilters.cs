using System.Buffers;
using System.Numerics.Tensors;
using StarPlugin.Threading;

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
        ForRows(h, y => ExtremumRow(src.AsSpan(y * w, w), tmp.AsSpan(y * w, w), r, max));
        ForRows(h, y => ExtremumColumn(tmp, w, 0, y, h, r, max, output.AsSpan(y * w, w)));
        return output;
    }

    /// <summary>One row of the horizontal pass: d = extremum of s over ±r (s and d separate).</summary>
    private static void ExtremumRow(ReadOnlySpan<float> s, Span<float> d, int r, bool max)
    {
        int w = s.Length;
        s.CopyTo(d);
        for (int k = 1; k <= r && k < w; k++)
        {
            Pick(d[..(w - k)], s[k..], d[..(w - k)], max); // neighbour k to the right
            Pick(d[k..], s[..(w - k)], d[k..], max);       // neighbour k to the left
        }
    }

    /// <summary>
    /// Row y of the vertical pass over a block of rows of width <paramref name="w"/> starting
    /// at column <paramref name="x0"/> of <paramref name="t"/> (row pitch w): d = extremum
    /// over rows y ± r, clipped at the edges.
    /// </summary>
    private static void ExtremumColumn(float[] t, int w, int x0, int y, int h, int r, bool max, Span<float> d)
    {
        int n = d.Length;
        t.AsSpan(y * w + x0, n).CopyTo(d);
        for (int k = Math.Max(0, y - r); k <= Math.Min(h - 1, y + r); k++)
            if (k != y) Pick(d, t.AsSpan(k * w + x0, n), d, max);
    }

    private static void Pick(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> d, bool max)
    {
        if (max) TensorPrimitives.Max(a, b, d); else TensorPrimitives.Min(a, b, d);
    }

    /// <summary>Gaussian blur of standard deviation <paramref name="sigma"/> pixels (kernel radius 3σ, edges replicated).</summary>
    public static float[] GaussianBlur(float[] src, int w, int h, float sigma, float[]? scratch = null, float[]? dst = null)
    {
        var (tmp, output) = Buffers(src, w, h, scratch, dst);
        var k = GaussianKernel(sigma);
        ForRows(h, y => GaussianRow(src.AsSpan(y * w, w), tmp.AsSpan(y * w, w), k));
        ForRows(h, y => GaussianColumn(tmp, w, 0, y, h, k, output.AsSpan(y * w, w)));
        return output;
    }

    /// <summary>How many pixels each way the Gaussian blur of <paramref name="sigma"/> reaches.</summary>
    public static int GaussianRadius(float sigma) => (int)Math.Ceiling(3 * sigma);

    private static float[] GaussianKernel(float sigma)
    {
        if (!(sigma > 0) || !float.IsFinite(sigma)) throw new ArgumentException($"blur sigma must be positive, got {sigma}");
        int r = GaussianRadius(sigma);
        var k = new float[2 * r + 1];
        float sum = 0;
        for (int i = -r; i <= r; i++) { k[i + r] = MathF.Exp(-i * i / (2 * sigma * sigma)); sum += k[i + r]; }
        for (int i = 0; i < k.Length; i++) k[i] /= sum;
        return k;
    }

    /// <summary>One row of the horizontal pass (s and d separate).</summary>
    private static void GaussianRow(ReadOnlySpan<float> s, Span<float> d, float[] k)
    {
        int w = s.Length, r = k.Length / 2;
        // The row padded by r replicated pixels each side, so every tap is one span.
        var pad = ArrayPool<float>.Shared.Rent(w + 2 * r);
        var p = pad.AsSpan(0, w + 2 * r);
        p[..r].Fill(s[0]);
        s.CopyTo(p[r..]);
        p[(r + w)..].Fill(s[w - 1]);
        TensorPrimitives.Multiply(p[..w], k[0], d);
        for (int t = 1; t < k.Length; t++) TensorPrimitives.MultiplyAdd(p.Slice(t, w), k[t], d, d);
        ArrayPool<float>.Shared.Return(pad);
    }

    /// <summary>Row y of the vertical pass over a block of columns (see <see cref="ExtremumColumn"/>).</summary>
    private static void GaussianColumn(float[] t, int w, int x0, int y, int h, float[] k, Span<float> d)
    {
        int n = d.Length, r = k.Length / 2;
        TensorPrimitives.Multiply(t.AsSpan(Math.Clamp(y - r, 0, h - 1) * w + x0, n), k[0], d);
        for (int j = 1; j < k.Length; j++)
            TensorPrimitives.MultiplyAdd(t.AsSpan(Math.Clamp(y + j - r, 0, h - 1) * w + x0, n), k[j], d, d);
    }

    // In place, with no scratch plane: the same passes, rows through a row buffer and
    // columns in stripes of StripeWidth through a stripe buffer (h × StripeWidth), so the
    // extra memory is a stripe per thread, not a plane. Same arithmetic, same result.

    private const int StripeWidth = 64;

    /// <summary><see cref="MaxFilter"/> on the plane at <paramref name="offset"/> of <paramref name="data"/>, in place.</summary>
    public static void MaxFilterInPlace(float[] data, int offset, int w, int h, int r) => ExtremumInPlace(data, offset, w, h, r, max: true);

    /// <summary><see cref="MinFilter"/> on the plane at <paramref name="offset"/> of <paramref name="data"/>, in place.</summary>
    public static void MinFilterInPlace(float[] data, int offset, int w, int h, int r) => ExtremumInPlace(data, offset, w, h, r, max: false);

    private static void ExtremumInPlace(float[] data, int offset, int w, int h, int r, bool max)
    {
        CheckPlane(data, offset, w, h);
        ForRows(h, y =>
        {
            var row = data.AsSpan(offset + y * w, w);
            var copy = ArrayPool<float>.Shared.Rent(w);
            row.CopyTo(copy);
            ExtremumRow(copy.AsSpan(0, w), row, r, max);
            ArrayPool<float>.Shared.Return(copy);
        });
        ForStripes(data, offset, w, h, (stripe, x0, sw) =>
        {
            for (int y = 0; y < h; y++) ExtremumColumn(stripe, sw, 0, y, h, r, max, data.AsSpan(offset + y * w + x0, sw));
        });
    }

    /// <summary><see cref="GaussianBlur"/> on the plane at <paramref name="offset"/> of <paramref name="data"/>, in place.</summary>
    public static void GaussianBlurInPlace(float[] data, int offset, int w, int h, float sigma)
    {
        CheckPlane(data, offset, w, h);
        var k = GaussianKernel(sigma);
        ForRows(h, y =>
        {
            var row = data.AsSpan(offset + y * w, w);
            var copy = ArrayPool<float>.Shared.Rent(w);
            row.CopyTo(copy);
            GaussianRow(copy.AsSpan(0, w), row, k);
            ArrayPool<float>.Shared.Return(copy);
        });
        ForStripes(data, offset, w, h, (stripe, x0, sw) =>
        {
            for (int y = 0; y < h; y++) GaussianColumn(stripe, sw, 0, y, h, k, data.AsSpan(offset + y * w + x0, sw));
        });
    }

    private static void CheckPlane(float[] data, int offset, int w, int h)
    {
        if (w <= 0 || h <= 0 || offset < 0 || (long)offset + (long)w * h > data.Length) throw new ArgumentException($"plane {w}x{h} at {offset} does not fit in {data.Length} values");
    }

    /// <summary>Copies each stripe of columns (row pitch = its width) and hands it to <paramref name="body"/>, stripes in parallel.</summary>
    private static void ForStripes(float[] data, int offset, int w, int h, Action<float[], int, int> body)
    {
        int stripes = (w + StripeWidth - 1) / StripeWidth;
        // A stripe buffer per worker: one per task was a column of the whole image each.
        ParallelWorkers.For(stripes, () => new float[(long)StripeWidth * h], (s, stripe) =>
        {
            int x0 = s * StripeWidth, sw = Math.Min(StripeWidth, w - x0);
            for (int y = 0; y < h; y++) data.AsSpan(offset + y * w + x0, sw).CopyTo(stripe.AsSpan(y * sw, sw));
            body(stripe, x0, sw);
        });
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
