using StarPlugin.Imaging;

namespace StarPlugin.Stretching;

/// <summary>
/// Decides whether data is linear (an unstretched stack): most of the sky then sits
/// within a few percent of black. StarNet and Siril apply the same rule of thumb.
/// </summary>
public static class LinearDataDetector
{
    /// <summary>Median of normalised data below this reads as linear.</summary>
    public const float MedianThreshold = 0.06f;

    public static bool IsLinear(AstroImage image, float whitePoint)
    {
        if (whitePoint <= 0) return false;
        float median = RobustStatistics.Median(image.Plane(0));
        return median / whitePoint < MedianThreshold;
    }

    /// <summary>The white point: 1 for data in [0,1], else the finite maximum.</summary>
    public static float WhitePoint(AstroImage image)
    {
        float max = 0;
        for (int c = 0; c < image.ColorChannels; c++)
            max = Math.Max(max, RobustStatistics.FiniteMinMax(image.Plane(c)).Max);
        return max <= 1f ? 1f : max;
    }
}
