using StarPlugin.Imaging;

namespace StarPlugin.Removal;

/// <summary>
/// A feathered star mask in [0,1] from the predicted star layer, usable as a GIMP layer
/// mask: 1 where the layer is well above its own noise, grown by 2 px and softened by
/// a Gaussian so that halos are covered and edges do not show.
/// </summary>
public static class StarMask
{
    /// <summary>From the model-domain star layer held in the first <paramref name="colours"/> planes of <paramref name="stars"/>.</summary>
    public static AstroImage FromStarLayer(AstroImage stars, int colours)
    {
        int w = stars.Width, h = stars.Height, n = w * h;
        var lum = new float[n];
        for (int c = 0; c < colours; c++) System.Numerics.Tensors.TensorPrimitives.Add(lum, stars.Plane(c), lum);
        System.Numerics.Tensors.TensorPrimitives.Multiply(lum, 1f / colours, lum);
        var (median, mad) = RobustStatistics.MedianMad(lum);
        float noise = Math.Max((float)(mad * RobustStatistics.MadToSigma), 1e-4f);
        float lo = median + 3 * noise, hi = median + 12 * noise;
        var m = new float[n];
        for (int i = 0; i < n; i++) m[i] = Math.Clamp((lum[i] - lo) / (hi - lo), 0f, 1f);
        m = PlaneFilters.MaxFilter(m, w, h, 2);
        m = PlaneFilters.GaussianBlur(m, w, h, 1.5f);
        return new AstroImage(w, h, 1, m);
    }
}
