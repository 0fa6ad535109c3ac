using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace StarPlugin.IO.Png;

/// <summary>The five PNG scanline filters (None, Sub, Up, Average, Paeth).</summary>
internal static class PngFilter
{
    /// <summary>
    /// Undoes one row's filter in place. Reading is one core's work before anything else
    /// can start, so each type has its own loop: the first pixel (no left neighbour) apart,
    /// Up as one vector add, Paeth without branches (its choice is data-dependent, and
    /// mispredicted branches were most of a photograph's unfiltering).
    /// </summary>
    public static void Unfilter(int type, Span<byte> row, ReadOnlySpan<byte> prior, int bpp)
    {
        int n = row.Length, head = Math.Min(bpp, n);
        switch (type)
        {
            case 0: break;
            case 1: for (int i = bpp; i < n; i++) row[i] += row[i - bpp]; break;
            case 2: TensorPrimitives.Add(row, prior[..n], row); break;
            case 3:
                for (int i = 0; i < head; i++) row[i] += (byte)(prior[i] >> 1);
                for (int i = bpp; i < n; i++) row[i] += (byte)((row[i - bpp] + prior[i]) >> 1);
                break;
            case 4:
                // Paeth(0, b, 0) is b.
                for (int i = 0; i < head; i++) row[i] += prior[i];
                for (int i = bpp; i < n; i++) row[i] += PaethBranchFree(row[i - bpp], prior[i], prior[i - bpp]);
                break;
            default: throw new ImageFormatException($"PNG: unknown filter type {type}");
        }
    }

    /// <summary><see cref="Paeth"/> with selects instead of branches (the same choice, ties to a then b).</summary>
    private static byte PaethBranchFree(int a, int b, int c)
    {
        int pa = Math.Abs(b - c), pb = Math.Abs(a - c), pc = Math.Abs(a + b - c - c);
        int r = pb <= pc ? b : c;
        return (byte)((pa <= pb) & (pa <= pc) ? a : r);
    }

    /// <summary>Filters one row with the type that minimises the sum of absolute values (libpng's heuristic).</summary>
    public static int FilterBest(ReadOnlySpan<byte> row, ReadOnlySpan<byte> prior, int bpp, Span<byte> output)
    {
        int bestType = 0;
        long bestSum = long.MaxValue;
        Span<byte> trial = row.Length <= 8192 ? stackalloc byte[row.Length] : new byte[row.Length];
        for (int type = 0; type <= 4; type++)
        {
            Filter(type, row, prior, bpp, trial);
            long sum = SignedMagnitudeSum(trial);
            if (sum < bestSum) { bestSum = sum; bestType = type; trial.CopyTo(output); }
        }
        return bestType;
    }

    /// <summary>
    /// Row filtered with one type. Each type is its own vector loop: the per-byte switch
    /// over the five types made PNG writing cost more than the star removal's network on a
    /// 1 Mpx picture.
    /// </summary>
    private static void Filter(int type, ReadOnlySpan<byte> row, ReadOnlySpan<byte> prior, int bpp, Span<byte> dst)
    {
        int n = row.Length, head = Math.Min(bpp, n);
        switch (type)
        {
            case 0: row.CopyTo(dst); return;
            case 1: // Sub: x − a
                row[..head].CopyTo(dst);
                TensorPrimitives.Subtract(row[head..], row[..(n - head)], dst[head..]);
                return;
            case 2: // Up: x − b
                TensorPrimitives.Subtract(row, prior, dst);
                return;
        }
        // Average and Paeth: the first pixel has no left neighbour (a = c = 0): Average
        // predicts b / 2, Paeth b.
        for (int i = 0; i < head; i++) dst[i] = (byte)(row[i] - (type == 3 ? prior[i] >> 1 : prior[i]));
        int j = head;
        if (Vector128.IsHardwareAccelerated)
            for (; j + 16 <= n; j += 16)
            {
                var x = Vector128.Create(row.Slice(j, 16));
                var a = Vector128.Create(row.Slice(j - bpp, 16));
                var b = Vector128.Create(prior.Slice(j, 16));
                Vector128<byte> predicted;
                if (type == 3) predicted = (a & b) + Vector128.ShiftRightLogical(a ^ b, 1); // ⌊(a + b) / 2⌋ without overflow
                else
                {
                    var c = Vector128.Create(prior.Slice(j - bpp, 16));
                    var (aLo, aHi) = Vector128.Widen(a);
                    var (bLo, bHi) = Vector128.Widen(b);
                    var (cLo, cHi) = Vector128.Widen(c);
                    predicted = Vector128.Narrow(PaethOf(aLo.AsInt16(), bLo.AsInt16(), cLo.AsInt16()).AsUInt16(), PaethOf(aHi.AsInt16(), bHi.AsInt16(), cHi.AsInt16()).AsUInt16());
                }
                (x - predicted).CopyTo(dst.Slice(j, 16));
            }
        for (; j < n; j++)
        {
            byte a = row[j - bpp], b = prior[j];
            dst[j] = (byte)(row[j] - (type == 3 ? (a + b) >> 1 : Paeth(a, b, prior[j - bpp])));
        }
    }

    /// <summary><see cref="Paeth"/> on eight lanes: p = a + b − c, the nearest of a, b, c to p, ties to a then b.</summary>
    private static Vector128<short> PaethOf(Vector128<short> a, Vector128<short> b, Vector128<short> c)
    {
        var pa = Vector128.Abs(b - c); // |p − a|
        var pb = Vector128.Abs(a - c); // |p − b|
        var pc = Vector128.Abs(a + b - c - c); // |p − c|
        var takeA = Vector128.LessThanOrEqual(pa, pb) & Vector128.LessThanOrEqual(pa, pc);
        var takeB = Vector128.LessThanOrEqual(pb, pc);
        return Vector128.ConditionalSelect(takeA, a, Vector128.ConditionalSelect(takeB, b, c));
    }

    /// <summary>The heuristic's cost: the bytes read as signed, Σ |v| (v below 128 counts v, above it 256 − v).</summary>
    private static long SignedMagnitudeSum(ReadOnlySpan<byte> v)
    {
        long sum = 0;
        int i = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            // min(v, 256 − v) per byte, summed in 16-bit lanes flushed before they can overflow
            // (each step adds at most 2 × 128 to a lane).
            var acc = Vector128<ushort>.Zero;
            int steps = 0;
            for (; i + 16 <= v.Length; i += 16)
            {
                var x = Vector128.Create(v.Slice(i, 16));
                var (lo, hi) = Vector128.Widen(Vector128.Min(x, Vector128<byte>.Zero - x));
                acc += lo + hi;
                if (++steps == 255) { sum += Flush(acc); acc = Vector128<ushort>.Zero; steps = 0; }
            }
            sum += Flush(acc);
        }
        for (; i < v.Length; i++) sum += v[i] < 128 ? v[i] : 256 - v[i];
        return sum;

        static long Flush(Vector128<ushort> acc)
        {
            var (lo, hi) = Vector128.Widen(acc);
            return Vector128.Sum(lo + hi);
        }
    }

    private static byte Paeth(byte a, byte b, byte c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
