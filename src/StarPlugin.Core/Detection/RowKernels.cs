using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace StarPlugin.Detection;

/// <summary>
/// The SIMD row kernels of the detector: a horizontal convolution and horizontal box
/// sums over padded rows. Vector256 paths with scalar tails; the scalar reference lives
/// in the tests.
/// </summary>
internal static class RowKernels
{
    /// <summary>dst[x] = Σ_t w[t]·src[x + t] for x in [0, dst.Length); src must hold dst.Length + w.Length - 1 samples.</summary>
    public static void Convolve(ReadOnlySpan<float> src, ReadOnlySpan<float> w, Span<float> dst)
    {
        if (src.Length < dst.Length + w.Length - 1) throw new ArgumentException("source row too short");
        int n = dst.Length, k = w.Length, x = 0;
        ref float s = ref MemoryMarshal.GetReference(src);
        ref float d = ref MemoryMarshal.GetReference(dst);
        if (Vector256.IsHardwareAccelerated)
        {
            for (; x <= n - Vector256<float>.Count; x += Vector256<float>.Count)
            {
                var acc = Vector256<float>.Zero;
                for (int t = 0; t < k; t++)
                    acc += Vector256.Create(w[t]) * Vector256.LoadUnsafe(ref s, (nuint)(x + t));
                acc.StoreUnsafe(ref d, (nuint)x);
            }
        }
        for (; x < n; x++)
        {
            float acc = 0;
            for (int t = 0; t < k; t++) acc += w[t] * Unsafe.Add(ref s, x + t);
            Unsafe.Add(ref d, x) = acc;
        }
    }

    /// <summary>
    /// Prefix sums over a row: P1[i] = Σ_{j&lt;i} v[j], P2 of v², Q of j·v (src.Length + 1
    /// entries each). Double precision matters: after a bright star in a row, float
    /// prefixes would lose the faint sky's variance in the subtraction.
    /// </summary>
    public static void PrefixSums(ReadOnlySpan<float> src, Span<double> p1, Span<double> p2, Span<double> q)
    {
        double s1 = 0, s2 = 0, sq = 0;
        p1[0] = 0; p2[0] = 0; q[0] = 0;
        for (int i = 0; i < src.Length; i++)
        {
            double v = src[i];
            s1 += v; s2 += v * v; sq += i * v;
            p1[i + 1] = s1; p2[i + 1] = s2; q[i + 1] = sq;
        }
    }

    /// <summary>
    /// Window sums of size <paramref name="size"/> starting at offset + x, from prefix sums:
    /// Σv, Σv², and Σ(i - centre)·v = (Q_b - Q_a) - centre·(P_b - P_a).
    /// </summary>
    public static void WindowSums(double[] p1, double[] p2, double[] q, int offset, int size, float[] sum, float[] sumSq, float[] sumX)
    {
        int n = sum.Length, x = 0, half = size / 2;
        if (Vector256.IsHardwareAccelerated)
        {
            var step = Vector256.Create(0.0, 1.0, 2.0, 3.0);
            for (; x <= n - 8; x += 8)
            {
                nuint a = (nuint)(offset + x), b = (nuint)(offset + x + size);
                var c0 = Vector256.Create((double)(offset + x + half)) + step;
                var c1 = c0 + Vector256.Create(4.0);
                var s1a = Vector256.LoadUnsafe(ref p1[0], b) - Vector256.LoadUnsafe(ref p1[0], a);
                var s1b = Vector256.LoadUnsafe(ref p1[0], b + 4) - Vector256.LoadUnsafe(ref p1[0], a + 4);
                Vector256.Narrow(s1a, s1b).StoreUnsafe(ref sum[0], (nuint)x);
                Vector256.Narrow(Vector256.LoadUnsafe(ref p2[0], b) - Vector256.LoadUnsafe(ref p2[0], a),
                                 Vector256.LoadUnsafe(ref p2[0], b + 4) - Vector256.LoadUnsafe(ref p2[0], a + 4)).StoreUnsafe(ref sumSq[0], (nuint)x);
                Vector256.Narrow(Vector256.LoadUnsafe(ref q[0], b) - Vector256.LoadUnsafe(ref q[0], a) - c0 * s1a,
                                 Vector256.LoadUnsafe(ref q[0], b + 4) - Vector256.LoadUnsafe(ref q[0], a + 4) - c1 * s1b).StoreUnsafe(ref sumX[0], (nuint)x);
            }
        }
        for (; x < n; x++)
        {
            int a = offset + x, b = a + size;
            double s1 = p1[b] - p1[a];
            sum[x] = (float)s1;
            sumSq[x] = (float)(p2[b] - p2[a]);
            sumX[x] = (float)(q[b] - q[a] - (a + half) * s1);
        }
    }
}
