using System.Numerics.Tensors;
using StarPlugin.Imaging;

namespace StarPlugin.Removal;

/// <summary>
/// A feathered star mask in [0,1] from the predicted star layer, usable as a GIMP layer
/// mask: 1 where the layer is well above its own noise, grown by 2 px and softened by
/// a Gaussian so that halos are covered and edges do not show.
/// </summary>
public static class StarMask
{
    /// <summary>From the star layer's luminance (mean over colours, model domain); <paramref name="lum"/> is overwritten.</summary>
    public static AstroImage FromLuminance(float[] lum, int w, int h)
    {
        var (median, mad) = RobustStatistics.MedianMad(lum);
        float noise = Math.Max((float)(mad * RobustStatistics.MadToSigma), 1e-4f);
        float lo = median + 3 * noise, hi = median + 12 * noise;
        // m = clamp((lum − lo) / (hi − lo), 0, 1), in place, on spans.
        TensorPrimitives.Subtract(lum, lo, lum);
        TensorPrimitives.Multiply(lum, 1f / (hi - lo), lum);
        TensorPrimitives.Max(lum, 0f, lum);
        TensorPrimitives.Min(lum, 1f, lum);
        // In place, without a scratch plane: the mask costs one plane, whatever the size.
        PlaneFilters.MaxFilterInPlace(lum, 0, w, h, 2);
        PlaneFilters.GaussianBlurInPlace(lum, 0, w, h, 1.5f);
        return new AstroImage(w, h, 1, lum);
    }
}
