namespace StarPlugin.Imaging;

/// <summary>Separable filters on one row-major plane, rows in parallel; edges clamp.</summary>
public static class PlaneFilters
{
    /// <summary>Grey dilation: the maximum over a (2r+1)² square, as two 1-D passes.</summary>
    public static float[] MaxFilter(float[] src, int w, int h, int r) => Extremum(src, w, h, r, 0f, MathF.Max);

    /// <summary>Grey erosion: the minimum over a (2r+1)² square, as two 1-D passes.</summary>
    public static float[] MinFilter(float[] src, int w, int h, int r) => Extremum(src, w, h, r, float.MaxValue, MathF.Min);

    private static float[] Extremum(float[] src, int w, int h, int r, float start, Func<float, float, float> pick)
    {
        var tmp = new float[src.Length]; var dst = new float[src.Length];
        Parallel.For(0, h, y => { for (int x = 0; x < w; x++) { float m = start; for (int k = Math.Max(0, x - r); k <= Math.Min(w - 1, x + r); k++) m = pick(m, src[y * w + k]); tmp[y * w + x] = m; } });
        Parallel.For(0, h, y => { for (int x = 0; x < w; x++) { float m = start; for (int k = Math.Max(0, y - r); k <= Math.Min(h - 1, y + r); k++) m = pick(m, tmp[k * w + x]); dst[y * w + x] = m; } });
        return dst;
    }

    public static float[] GaussianBlur(float[] src, int w, int h, float sigma)
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
