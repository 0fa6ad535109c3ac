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
        m = MaxFilter(m, w, h, 2);
        m = GaussianBlur(m, w, h, 1.5f);
        return new AstroImage(w, h, 1, m);
    }

    internal static float[] MaxFilter(float[] src, int w, int h, int r)
    {
        var tmp = new float[src.Length]; var dst = new float[src.Length];
        Parallel.For(0, h, y => { for (int x = 0; x < w; x++) { float m = 0; for (int k = Math.Max(0, x - r); k <= Math.Min(w - 1, x + r); k++) m = Math.Max(m, src[y * w + k]); tmp[y * w + x] = m; } });
        Parallel.For(0, h, y => { for (int x = 0; x < w; x++) { float m = 0; for (int k = Math.Max(0, y - r); k <= Math.Min(h - 1, y + r); k++) m = Math.Max(m, tmp[k * w + x]); dst[y * w + x] = m; } });
        return dst;
    }

    internal static float[] MinFilter(float[] src, int w, int h, int r)
    {
        var tmp = new float[src.Length]; var dst = new float[src.Length];
        Parallel.For(0, h, y => { for (int x = 0; x < w; x++) { float m = float.MaxValue; for (int k = Math.Max(0, x - r); k <= Math.Min(w - 1, x + r); k++) m = Math.Min(m, src[y * w + k]); tmp[y * w + x] = m; } });
        Parallel.For(0, h, y => { for (int x = 0; x < w; x++) { float m = float.MaxValue; for (int k = Math.Max(0, y - r); k <= Math.Min(h - 1, y + r); k++) m = Math.Min(m, tmp[k * w + x]); dst[y * w + x] = m; } });
        return dst;
    }

    internal static float[] GaussianBlur(float[] src, int w, int h, float sigma)
    {
        int r = (int)Math.Ceiling(3 * sigma);
        var k = new float[2 * r + 1];
        float sum = 0;
        for (int i = -r; i <= r; i++) { k[i + r] = MathF.Exp(-i * i / (2 * sigma * sigma)); sum += k[i + r]; }
        for (int i = 0; i < k.Length; i++) k[i] /= sum;
        var tmp = new float[src.Length]; var dst = new float[src.Length];
        Parallel.For(0, h, y => { for (int x = 0; x < w; x++) { float a = 0; for (int t = -r; t <= r; t++) a += k[t + r] * src[y * w + Math.Clamp(x + t, 0, w - 1)]; tmp[y * w + x] = a; } });
        Parallel.For(0, h, y => { for (int x = 0; x < w; x++) { float a = 0; for (int t = -r; t <= r; t++) a += k[t + r] * tmp[Math.Clamp(y + t, 0, h - 1) * w + x]; dst[y * w + x] = a; } });
        return dst;
    }
}
