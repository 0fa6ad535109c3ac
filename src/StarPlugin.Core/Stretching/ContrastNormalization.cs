using System.Numerics.Tensors;
using StarPlugin.Imaging;

namespace StarPlugin.Stretching;

/// <summary>
/// The design's min/max contrast normalisation, x = (v - min)/(max - min), over finite
/// samples. Non-finite inputs become 0 so later kernels never see NaN.
/// </summary>
public static class ContrastNormalization
{
    public static (float Min, float Max) MinMaxInPlace(Span<float> data)
    {
        var (min, max) = RobustStatistics.FiniteMinMax(data);
        float range = max - min;
        if (range <= 0 || !float.IsFinite(range))
        {
            data.Clear();
            return (min, max);
        }
        TensorPrimitives.Subtract(data, min, data);
        TensorPrimitives.Multiply(data, 1f / range, data);
        ReplaceNonFinite(data, 0f);
        return (min, max);
    }

    /// <summary>
    /// The same normalisation for large planes, in parallel chunks: non-finite samples
    /// are first replaced by the median of the finite ones (so they neither crash nor
    /// create false structure), then (v - min)/(max - min) is applied.
    /// </summary>
    /// <param name="nonFinite">Where the samples were not finite (null when all were): the fill is not data.</param>
    internal static (float Min, float Max) NormalizeInPlaceParallel(Memory<float> data, out System.Collections.BitArray? nonFinite)
    {
        const int Chunk = 1 << 16;
        int chunks = (data.Length + Chunk - 1) / Chunk;
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        long bad = 0;
        object gate = new();
        Parallel.For(0, chunks, c =>
        {
            var span = data.Span.Slice(c * Chunk, Math.Min(Chunk, data.Length - c * Chunk));
            float lo = float.PositiveInfinity, hi = float.NegativeInfinity;
            long nonFinite = 0;
            foreach (float v in span)
            {
                if (!float.IsFinite(v)) { nonFinite++; continue; }
                if (v < lo) lo = v;
                if (v > hi) hi = v;
            }
            lock (gate) { min = Math.Min(min, lo); max = Math.Max(max, hi); bad += nonFinite; }
        });
        nonFinite = null;
        if (bad > 0)
        {
            float median = RobustStatistics.Median(data.Span);
            var span = data.Span;
            nonFinite = new System.Collections.BitArray(span.Length);
            for (int i = 0; i < span.Length; i++)
                if (!float.IsFinite(span[i])) { span[i] = median; nonFinite[i] = true; }
        }
        if (!(max > min)) { data.Span.Clear(); return min > max ? (0f, 0f) : (min, max); }
        float scale = 1f / (max - min);
        Parallel.For(0, chunks, c =>
        {
            var span = data.Span.Slice(c * Chunk, Math.Min(Chunk, data.Length - c * Chunk));
            TensorPrimitives.Subtract(span, min, span);
            TensorPrimitives.Multiply(span, scale, span);
        });
        return (min, max);
    }

    public static void ReplaceNonFinite(Span<float> data, float value)
    {
        for (int i = 0; i < data.Length; i++)
            if (!float.IsFinite(data[i])) data[i] = value;
    }
}
