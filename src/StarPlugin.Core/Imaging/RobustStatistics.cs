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
        foreach (float v in data)
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

    /// <summary>k-th smallest (Hoare's quickselect, in place).</summary>
    internal static float Select(float[] a, int k) => Select(a, 0, a.Length, k);

    /// <summary>k-th smallest of a[start..start+count) (in place); k is relative to start.</summary>
    public static float Select(float[] a, int start, int count, int k)
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
