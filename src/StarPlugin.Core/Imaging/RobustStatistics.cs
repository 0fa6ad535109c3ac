using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace StarPlugin.Imaging;

/// <summary>Median and MAD on finite samples, by selection on a bounded sample.</summary>
public static class RobustStatistics
{
    /// <summary>Above this many samples, statistics use an even stride through the data (bounded cost and memory).</summary>
    public const int MaxSamples = 1 << 20;

    /// <summary>MAD × 1.4826 estimates σ for Gaussian noise.</summary>
    public const double MadToSigma = 1.4826;

    public static (float Median, float Mad) MedianMad(ReadOnlySpan<float> data)
    {
        float[] sample = FiniteSample(data);
        if (sample.Length == 0) return (0f, 0f);
        float median = Select(sample, sample.Length / 2);
        for (int i = 0; i < sample.Length; i++) sample[i] = MathF.Abs(sample[i] - median);
        float mad = Select(sample, sample.Length / 2);
        return (median, mad);
    }

    public static float Median(ReadOnlySpan<float> data)
    {
        float[] sample = FiniteSample(data);
        return sample.Length == 0 ? 0f : Select(sample, sample.Length / 2);
    }

    /// <summary>Finite min and max; (0,0) when there is no finite sample.</summary>
    public static (float Min, float Max) FiniteMinMax(ReadOnlySpan<float> data)
    {
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        int i = 0;
        // Every removal starts with this over the whole image, on one core (5 ms a 1 Mpx
        // RGB picture scalar). Lanes ignore non-finite values as the loop below does.
        if (Vector256.IsHardwareAccelerated && data.Length >= Vector256<float>.Count)
        {
            var lo = Vector256.Create(float.PositiveInfinity); var hi = Vector256.Create(float.NegativeInfinity);
            ref float d = ref MemoryMarshal.GetReference(data);
            for (; i <= data.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var x = Vector256.LoadUnsafe(ref d, (nuint)i);
                // x − x is 0 exactly for finite x, NaN for NaN and ±Inf.
                var finite = Vector256.Equals(x - x, Vector256<float>.Zero);
                lo = Vector256.ConditionalSelect(finite, Vector256.Min(lo, x), lo);
                hi = Vector256.ConditionalSelect(finite, Vector256.Max(hi, x), hi);
            }
            for (int k = 0; k < Vector256<float>.Count; k++) { min = Math.Min(min, lo[k]); max = Math.Max(max, hi[k]); }
        }
        foreach (float v in data[i..])
        {
            if (!float.IsFinite(v)) continue;
            if (v < min) min = v;
            if (v > max) max = v;
        }
        return min > max ? (0f, 0f) : (min, max);
    }

    private static float[] FiniteSample(ReadOnlySpan<float> data)
    {
        int stride = Math.Max(1, data.Length / MaxSamples);
        var list = new float[(data.Length + stride - 1) / stride];
        int n = 0;
        for (int i = 0; i < data.Length; i += stride)
            if (float.IsFinite(data[i])) list[n++] = data[i];
        Array.Resize(ref list, n);
        return list;
    }

    /// <summary>k-th smallest of the whole array (<see cref="Select(float[], int, int, int)"/>).</summary>
    internal static float Select(float[] a, int k) => Select(a, 0, a.Length, k);

    /// <summary>
    /// k-th smallest of a[start..start+count); k is relative to start. The range keeps its
    /// values (a caller may select again in it), in the order a quickselect leaves them or
    /// in their own.
    /// </summary>
    public static float Select(float[] a, int start, int count, int k)
    {
        if (a == null || (uint)start > (uint)a.Length || count < 1 || count > a.Length - start || (uint)k >= (uint)count)
            return SelectChecked(a!, start, count, k);
        // Larger ranges (a whole image's sample, up to MaxSamples) select in place: two
        // scratch copies of a million samples would be 8 MB held by a pool.
        if (count > MaxBranchFree) return SelectChecked(a, start, count, k);
        ref float range = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(a), start);
        // NaN compares false both ways; the branch-free partition would take it for the
        // pivot, Hoare's quickselect answers as it always has.
        for (int i = 0; i < count; i++)
            if (float.IsNaN(Unsafe.Add(ref range, i))) return SelectChecked(a, start, count, k);
        Span<float> scratch = stackalloc float[2 * count];
        return SelectBranchFree(ref range, count, k, scratch);
    }

    /// <summary>Counts up to this select branch-free, in two buffers on the stack (8 KB): the fills' annuli, the spike rings, the mesh's cells.</summary>
    private const int MaxBranchFree = 1024;

    /// <summary>
    /// Quickselect whose partition has no data-dependent branch: each value is written to
    /// both ends of the other buffer and only the end it belongs to advances. The fills
    /// select twice per colour per star (ten thousand stars in a 1 Mpx Milky Way field),
    /// and Hoare's scans mispredicted on about every other value: a fifth of the pipeline's
    /// CPU. This takes half the time. Values equal to the pivot are neither below nor above
    /// it; a k among them is the pivot. The source range is only read. −0 and +0 compare
    /// equal, so where both are among the values either may come back (Hoare's returned
    /// whichever its swaps left at k): the same number in every sum and product.
    /// </summary>
    private static float SelectBranchFree(ref float source, int count, int k, Span<float> scratch)
    {
        ref float buffer = ref MemoryMarshal.GetReference(scratch);
        scoped ref float from = ref source;
        scoped ref float into = ref buffer;
        int n = count;
        while (n > InsertionSelect)
        {
            float x0 = from, x1 = Unsafe.Add(ref from, n >>> 1), x2 = Unsafe.Add(ref from, n - 1);
            float pivot = Math.Max(Math.Min(x0, x1), Math.Min(Math.Max(x0, x1), x2));
            int below = 0, top = n - 1;
            for (int i = 0; i < n; i++)
            {
                float x = Unsafe.Add(ref from, i);
                Unsafe.Add(ref into, below) = x;
                Unsafe.Add(ref into, top) = x;
                below += Unsafe.BitCast<bool, byte>(x < pivot);
                top -= Unsafe.BitCast<bool, byte>(x > pivot);
            }
            int above = n - 1 - top;
            if (k < below) n = below;
            else if (k >= n - above) { k -= n - above; into = ref Unsafe.Add(ref into, top + 1); n = above; }
            else return pivot;
            // What was written is read next, into the buffer's other half.
            from = ref into;
            into = ref Unsafe.Add(ref buffer, Unsafe.IsAddressLessThan(ref from, ref Unsafe.Add(ref buffer, count)) ? count : 0);
        }
        // A few values left: insertion sort them into the other buffer.
        for (int i = 0; i < n; i++)
        {
            float x = Unsafe.Add(ref from, i);
            int j = i - 1;
            while (j >= 0 && Unsafe.Add(ref into, j) > x) { Unsafe.Add(ref into, j + 1) = Unsafe.Add(ref into, j); j--; }
            Unsafe.Add(ref into, j + 1) = x;
        }
        return Unsafe.Add(ref into, k);
    }

    private const int InsertionSelect = 12;

    /// <summary><see cref="Select(float[], int, int, int)"/> with every index checked: for arguments outside the array.</summary>
    internal static float SelectChecked(float[] a, int start, int count, int k)
    {
        int lo = start, hi = start + count - 1;
        k += start;
        while (lo < hi)
        {
            float pivot = a[(lo + hi) >>> 1];
            int i = lo, j = hi;
            while (i <= j)
            {
                while (a[i] < pivot) i++;
                while (a[j] > pivot) j--;
                if (i <= j) { (a[i], a[j]) = (a[j], a[i]); i++; j--; }
            }
            if (k <= j) hi = j;
            else if (k >= i) lo = i;
            else break;
        }
        return a[k];
    }
}
