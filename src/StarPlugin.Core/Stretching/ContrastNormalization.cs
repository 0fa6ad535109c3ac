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

    public static void ReplaceNonFinite(Span<float> data, float value)
    {
        for (int i = 0; i < data.Length; i++)
            if (!float.IsFinite(data[i])) data[i] = value;
    }
}
