using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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
    // Not zeroed: the scratch below is written before it is read, and zeroing up to 8 KB a
    // call was a tenth of a select on the spike rings' 360 values.
    [SkipLocalsInit]
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
        if (HasNaN(ref range, count)) return SelectChecked(a, start, count, k);
        Span<float> scratch = stackalloc float[2 * count];
        return SelectBranchFree(ref range, count, k, scratch);
    }

    /// <summary>Whether any of the count values from <paramref name="range"/> is NaN (the only value not equal to itself).</summary>
    private static bool HasNaN(ref float range, int count)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; i <= count - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var v = Vector256.LoadUnsafe(ref range, (nuint)i);
                if (!Vector256.EqualsAll(v, v)) return true;
            }
        for (; i < count; i++)
            if (float.IsNaN(Unsafe.Add(ref range, i))) return true;
        return false;
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
            int below = 0, top = n - 1, i = 0;
            if (Avx2.IsSupported)
            {
                // Eight values at a time: each lane set of a comparison's mask gathered to the
                // front (below) or the back (above) of a vector by a lane table, the whole
                // vector stored, the end advanced by the count. While 16 or more values are
                // left the stores' unused lanes fall in the gap between the ends, which
                // later values fill: the gap is at least what is left.
                var pivots = Vector256.Create(pivot);
                ref int front = ref MemoryMarshal.GetArrayDataReference(FrontLanes);
                ref int back = ref MemoryMarshal.GetArrayDataReference(BackLanes);
                for (; n - i >= 16; i += 8)
                {
                    var v = Vector256.LoadUnsafe(ref from, (nuint)i);
                    uint lower = Vector256.LessThan(v, pivots).ExtractMostSignificantBits();
                    uint higher = Vector256.GreaterThan(v, pivots).ExtractMostSignificantBits();
                    Avx2.PermuteVar8x32(v, Vector256.LoadUnsafe(ref front, lower * 8)).StoreUnsafe(ref into, (nuint)below);
                    Avx2.PermuteVar8x32(v, Vector256.LoadUnsafe(ref back, higher * 8)).StoreUnsafe(ref into, (nuint)(top - 7));
                    below += BitOperations.PopCount(lower);
                    top -= BitOperations.PopCount(higher);
                }
            }
            for (; i < n; i++)
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

    /// <summary>
    /// Per 8-bit lane mask, the lanes set in it in order, eight indices a mask: first
    /// (<see cref="FrontLanes"/>) or last (<see cref="BackLanes"/>) in the vector.
    /// </summary>
    private static readonly int[] FrontLanes = LaneTable(atFront: true), BackLanes = LaneTable(atFront: false);

    private static int[] LaneTable(bool atFront)
    {
        var table = new int[256 * 8];
        for (int mask = 0; mask < 256; mask++)
        {
            int set = BitOperations.PopCount((uint)mask), j = atFront ? 0 : 8 - set;
            for (int lane = 0; lane < 8; lane++)
                if ((mask >> lane & 1) != 0) table[mask * 8 + j++] = lane;
        }
        return table;
    }

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
