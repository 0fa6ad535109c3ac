using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace StarPlugin.Detection;

/// <summary>A local maximum of the best-width maps that passed both thresholds.</summary>
internal readonly record struct Candidate(int Col, int Row, float Coefficient, float Snr, float Width);

/// <summary>
/// Computes, for one band of rows, the normalized correlation of the image with each
/// Gaussian of the sweep and keeps per pixel the best coefficient, its width and its
/// matched-filter S/N. The Pearson coefficient over a k×k window,
///   r = Σ(I-Ī)(G-Ḡ) / sqrt(Σ(I-Ī)² · Σ(G-Ḡ)²),
/// is assembled from cheap pieces instead of a k² window loop:
/// - Σ I·(G-Ḡ) = (I⊛G) - Ḡ·ΣI, with I⊛G a separable convolution, O(k);
/// - ΣI, ΣI² and the slope sums ΣI·x, ΣI·y come from row prefix sums (O(1)) and
///   running column sums (O(1)), both in double.
/// The variance in the denominator is taken after removing the window's mean and
/// linear slope (the Gaussian is orthogonal to both), so a star on a bright star's
/// wing or a nebula edge still correlates well. Scratch memory is one band plus halo.
/// </summary>
internal sealed class CorrelationBand
{
    private readonly int _width, _maxRadius;
    private readonly GaussianKernel[] _kernels;
    private readonly float[][] _jRows, _hG, _h1, _h2, _hx, _s1, _s2, _sx, _sy, _noise, _bestR, _bestSnr, _bestG, _threshold;
    private readonly double[][] _p1, _p2, _q;
    private readonly double[] _a1, _a2, _ax, _ay;
    private readonly float[] _level;

    public CorrelationBand(int width, int bandHeight, GaussianKernel[] kernels)
    {
        _width = width; _kernels = kernels;
        _maxRadius = kernels.Max(k => k.Radius);
        int nin = bandHeight + 2 + 2 * _maxRadius, m = bandHeight + 2, wp = width + 2 * _maxRadius;
        _jRows = Rows(nin, wp); _hG = Rows(nin, width); _h1 = Rows(nin, width); _h2 = Rows(nin, width); _hx = Rows(nin, width);
        _s1 = Rows(m, width); _s2 = Rows(m, width); _sx = Rows(m, width); _sy = Rows(m, width); _noise = Rows(m, width);
        _bestR = Rows(m, width); _bestSnr = Rows(m, width); _bestG = Rows(m, width); _threshold = Rows(m, width);
        _p1 = DRows(nin, wp + 1); _p2 = DRows(nin, wp + 1); _q = DRows(nin, wp + 1);
        _a1 = new double[width]; _a2 = new double[width]; _ax = new double[width]; _ay = new double[width];
        _level = new float[width];
    }

    private static float[][] Rows(int n, int w) => Enumerable.Range(0, n).Select(_ => new float[w]).ToArray();
    private static double[][] DRows(int n, int w) => Enumerable.Range(0, n).Select(_ => new double[w]).ToArray();

    /// <summary>Finds candidates with rows in [y0, y1) of a normalised plane.</summary>
    public void Process(ReadOnlySpan<float> plane, int height, BackgroundMesh mesh, int y0, int y1, DetectionOptions o, float saturation, List<Candidate> output)
    {
        int W = _width, R = _maxRadius, M = y1 - y0 + 2, nin = M + 2 * R;
        // Background-subtracted, edge-replicated input rows. Subtracting the mesh level keeps
        // the sums of squares small, where float rows do not lose the faint sky's noise.
        for (int j = 0; j < nin; j++)
        {
            int y = Math.Clamp(y0 - 1 - R + j, 0, height - 1);
            var dst = _jRows[j].AsSpan();
            mesh.FillRow(y, _level, noise: false);
            TensorPrimitives.Subtract(plane.Slice(y * W, W), _level, dst.Slice(R, W));
            dst[..R].Fill(dst[R]);
            dst.Slice(R + W).Fill(dst[R + W - 1]);
            RowKernels.PrefixSums(dst, _p1[j], _p2[j], _q[j]);
        }
        for (int m = 0; m < M; m++)
        {
            mesh.FillRow(Math.Clamp(y0 - 1 + m, 0, height - 1), _noise[m], noise: true);
            FillThreshold(mesh, Math.Clamp(y0 - 1 + m, 0, height - 1), o, _threshold[m]);
            _bestR[m].AsSpan().Fill(-2f);
            _bestSnr[m].AsSpan().Fill(float.NegativeInfinity);
        }

        int lastRadius = -1;
        for (int gi = 0; gi < _kernels.Length; gi++)
        {
            var k = _kernels[gi];
            int r = k.Radius, size = k.Size, off = R - r;
            int jFirst = R - r, jLast = M - 1 + R + r;
            if (r != lastRadius)
            {
                for (int j = jFirst; j <= jLast; j++)
                    RowKernels.WindowSums(_p1[j], _p2[j], _q[j], off, size, _h1[j], _h2[j], _hx[j]);
                ColumnSums(M, R, r);
                lastRadius = r;
            }
            for (int j = jFirst; j <= jLast; j++)
                RowKernels.Convolve(_jRows[j].AsSpan(off, W + 2 * r), k.Weights, _hG[j]);
            float invSumX2 = 3f / (size * size * (float)r * (r + 1)); // 1/Σx² over the window
            for (int m = 0; m < M; m++)
                Combine(m, m + R - r, k, gi, size * size, invSumX2);
        }

        for (int m = 1; m < M - 1; m++)
        {
            // Rows beyond the image are virtual (replicated edges): they never beat a real pixel.
            bool upReal = y0 - 2 + m >= 0, downReal = y0 + m < height;
            var snrRow = _bestSnr[m]; var rRow = _bestR[m]; var dRow = _threshold[m];
            for (int x = 0; x < W; x++)
            {
                float v = snrRow[x], r = rRow[x];
                if (v < o.SnrThreshold || r < dRow[x]) continue;
                // The relief is for faint stars, whose coefficient noise pulls down. A bright
                // source that correlates this weakly is a blend, a clipped trail or a galaxy.
                if (r < o.Threshold && v >= o.FlatSkyReliefMaxSnr) continue;
                // A peak of the S/N map, or of the coefficient map: the coefficient is
                // normalised by the local variance, so a faint star on a bright star's
                // wing still peaks there while its S/N only rises towards the neighbour.
                bool snrPeak = IsPeak(_bestSnr, m, x, W, upReal, downReal);
                if (!snrPeak && !IsPeak(_bestR, m, x, W, upReal, downReal)) continue;
                // Below D (the flat-sky relief), only peaks of the S/N map: a coefficient peak
                // whose S/N still rises towards a neighbour is, at that correlation, a piece
                // of a brighter source's wing (a galaxy's, mostly), not a star of its own.
                if (r < o.Threshold && !snrPeak) continue;
                var best = _kernels[(int)_bestG[m][x]];
                float width = best.Sigma;
                if (width < o.MinStarSigma) continue;
                if (best.IsGuard)
                {
                    // Saturated cores are flat and wide: they match the guard, yet are stars.
                    if (plane[(y0 - 1 + m) * W + x] < saturation) continue;
                    width = _kernels.Where(k => !k.IsGuard).Max(k => k.Sigma);
                }
                output.Add(new Candidate(x, y0 - 1 + m, r, v, width));
            }
        }
    }

    /// <summary>
    /// The correlation threshold along one row: D, less <see cref="DetectionOptions.FlatSkyRelief"/>
    /// where the sky is flat, tapering to D where it has structure.
    /// </summary>
    private static void FillThreshold(BackgroundMesh mesh, int y, DetectionOptions o, float[] dst)
    {
        if (o.FlatSkyRelief == 0f) { dst.AsSpan().Fill(o.Threshold); return; }
        // t = clamp((structured − s) / (structured − flat), 0, 1); D − relief·t. A cell the
        // mesh could not judge (no noise, clipped sky) has a huge structure: t = 0.
        mesh.FillStructureRow(y, dst);
        float span = o.StructuredSky - o.FlatSky;
        TensorPrimitives.Multiply(dst, -1f / span, dst);
        TensorPrimitives.Add(dst, o.StructuredSky / span, dst);
        TensorPrimitives.Max(dst, 0f, dst);
        TensorPrimitives.Min(dst, 1f, dst);
        TensorPrimitives.Multiply(dst, -o.FlatSkyRelief, dst);
        TensorPrimitives.Add(dst, o.Threshold, dst);
    }

    /// <summary>
    /// Column window sums for every output row by running sums in double: the same float
    /// values are added and later subtracted, so nothing drifts. The slope sum uses
    /// Sy(m+1) = Sy(m) + r·h[m-r] + (r+1)·h[m+r+1] - S1(m+1) (rows relative to the centre).
    /// </summary>
    private void ColumnSums(int M, int R, int r)
    {
        int W = _width;
        Array.Clear(_a1); Array.Clear(_a2); Array.Clear(_ax); Array.Clear(_ay);
        int first = R - r; // window of output row 0 is rows first .. first + 2r
        for (int t = 0; t <= 2 * r; t++)
        {
            float[] h1 = _h1[first + t], h2 = _h2[first + t], hx = _hx[first + t];
            double wy = t - r;
            for (int x = 0; x < W; x++) { _a1[x] += h1[x]; _a2[x] += h2[x]; _ax[x] += hx[x]; _ay[x] += wy * h1[x]; }
        }
        Emit(0);
        for (int m = 1; m < M; m++)
        {
            float[] oldH1 = _h1[first + m - 1], oldH2 = _h2[first + m - 1], oldHx = _hx[first + m - 1];
            float[] newH1 = _h1[first + m + 2 * r], newH2 = _h2[first + m + 2 * r], newHx = _hx[first + m + 2 * r];
            RunningUpdate(oldH1, oldH2, oldHx, newH1, newH2, newHx, r);
            Emit(m);
        }

        void Emit(int m)
        {
            Narrow(_a1, _s1[m]); Narrow(_a2, _s2[m]); Narrow(_ax, _sx[m]); Narrow(_ay, _sy[m]);
        }
    }

    private void RunningUpdate(float[] o1, float[] o2, float[] ox, float[] n1, float[] n2, float[] nx, int r)
    {
        int W = _width, x = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var vr = Vector256.Create((double)r); var vr1 = Vector256.Create(r + 1.0);
            for (; x <= W - 4; x += 4)
            {
                var oh1 = Widen(o1, x); var nh1 = Widen(n1, x);
                var a1 = Vector256.LoadUnsafe(ref _a1[0], (nuint)x) + nh1 - oh1;
                a1.StoreUnsafe(ref _a1[0], (nuint)x);
                (Vector256.LoadUnsafe(ref _a2[0], (nuint)x) + Widen(n2, x) - Widen(o2, x)).StoreUnsafe(ref _a2[0], (nuint)x);
                (Vector256.LoadUnsafe(ref _ax[0], (nuint)x) + Widen(nx, x) - Widen(ox, x)).StoreUnsafe(ref _ax[0], (nuint)x);
                (Vector256.LoadUnsafe(ref _ay[0], (nuint)x) + vr * oh1 + vr1 * nh1 - a1).StoreUnsafe(ref _ay[0], (nuint)x);
            }
        }
        for (; x < W; x++)
        {
            _a1[x] += n1[x] - (double)o1[x];
            _a2[x] += n2[x] - (double)o2[x];
            _ax[x] += nx[x] - (double)ox[x];
            _ay[x] += r * (double)o1[x] + (r + 1) * (double)n1[x] - _a1[x];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Widen(float[] a, int x) =>
        Vector256.WidenLower(Vector128.LoadUnsafe(ref a[0], (nuint)x).ToVector256Unsafe());

    private static void Narrow(double[] src, float[] dst)
    {
        int x = 0, n = src.Length;
        if (Vector256.IsHardwareAccelerated)
            for (; x <= n - 8; x += 8)
                Vector256.Narrow(Vector256.LoadUnsafe(ref src[0], (nuint)x), Vector256.LoadUnsafe(ref src[0], (nuint)(x + 4))).StoreUnsafe(ref dst[0], (nuint)x);
        for (; x < n; x++) dst[x] = (float)src[x];
    }

    /// <summary>Strict against already-scanned neighbours, ≥ against the rest: one peak per plateau.</summary>
    private static bool IsPeak(float[][] map, int m, int x, int w, bool upReal, bool downReal)
    {
        var row = map[m]; var up = map[m - 1]; var down = map[m + 1];
        float v = row[x];
        if (x > 0 && v <= row[x - 1]) return false;
        if (x < w - 1 && v < row[x + 1]) return false;
        if (upReal && (v <= up[x] || (x > 0 && v <= up[x - 1]) || (x < w - 1 && v <= up[x + 1]))) return false;
        if (downReal && (v < down[x] || (x > 0 && v < down[x - 1]) || (x < w - 1 && v < down[x + 1]))) return false;
        return true;
    }

    /// <summary>
    /// Per pixel: r and S/N for this width; keep the width with the best r. Variance is
    /// ΣI² - (ΣI)²/n - (ΣIx)²/Σx² - (ΣIy)²/Σy², the residual after the mean and the slope.
    /// </summary>
    private void Combine(int m, int firstRow, GaussianKernel k, int gi, int n, float invSumX2)
    {
        float[] s1 = _s1[m], s2 = _s2[m], sx = _sx[m], sy = _sy[m], noise = _noise[m];
        float[] bestR = _bestR[m], bestSnr = _bestSnr[m], bestG = _bestG[m];
        float mean = k.Mean, invNorm = 1f / k.CenteredNorm, invN = 1f / n;
        float[] w = k.Weights;
        int size = w.Length, x = 0;
        // The vertical pass of I⊛G is fused in: the column of horizontally convolved rows
        // stays in cache and the convolution is never written out.
        var rows = new float[size][];
        for (int t = 0; t < size; t++) rows[t] = _hG[firstRow + t];
        if (Vector256.IsHardwareAccelerated)
        {
            var vMean = Vector256.Create(mean); var vInvNorm = Vector256.Create(invNorm); var vInvN = Vector256.Create(invN);
            var tiny = Vector256.Create(1e-30f); var vInvX2 = Vector256.Create(invSumX2); var vG = Vector256.Create((float)gi);
            for (; x <= _width - 8; x += 8)
            {
                nuint i = (nuint)x;
                var S1 = Vector256.LoadUnsafe(ref s1[0], i);
                var SX = Vector256.LoadUnsafe(ref sx[0], i); var SY = Vector256.LoadUnsafe(ref sy[0], i);
                var conv = Vector256<float>.Zero;
                for (int t = 0; t < size; t++) conv += Vector256.Create(w[t]) * Vector256.LoadUnsafe(ref rows[t][0], i);
                var num = conv - vMean * S1;
                var variance = Vector256.Max(Vector256.LoadUnsafe(ref s2[0], i) - S1 * S1 * vInvN - (SX * SX + SY * SY) * vInvX2, tiny);
                var r = num * vInvNorm / Vector256.Sqrt(variance);
                var best = Vector256.LoadUnsafe(ref bestR[0], i);
                var better = Vector256.GreaterThan(r, best);
                if (better == Vector256<float>.Zero) continue;
                var snr = num * vInvNorm / Vector256.LoadUnsafe(ref noise[0], i);
                Vector256.ConditionalSelect(better, r, best).StoreUnsafe(ref bestR[0], i);
                Vector256.ConditionalSelect(better, snr, Vector256.LoadUnsafe(ref bestSnr[0], i)).StoreUnsafe(ref bestSnr[0], i);
                Vector256.ConditionalSelect(better, vG, Vector256.LoadUnsafe(ref bestG[0], i)).StoreUnsafe(ref bestG[0], i);
            }
        }
        for (; x < _width; x++)
        {
            float conv = 0;
            for (int t = 0; t < size; t++) conv += w[t] * rows[t][x];
            float num = conv - mean * s1[x];
            float variance = MathF.Max(s2[x] - s1[x] * s1[x] * invN - (sx[x] * sx[x] + sy[x] * sy[x]) * invSumX2, 1e-30f);
            float r = num * invNorm / MathF.Sqrt(variance);
            if (r > bestR[x]) { bestR[x] = r; bestSnr[x] = num * invNorm / noise[x]; bestG[x] = gi; }
        }
    }
}
