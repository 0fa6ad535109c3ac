namespace StarPlugin.Lensing;

/// <summary>
/// Ray shooting: every image pixel is split into n×n sub-rays, each mapped to the
/// source plane by the lens equation, where the source's surface brightness is
/// sampled. Lensing conserves surface brightness, so the image is the mean over the
/// sub-rays; the unlensed source rendered the same way gives the magnification.
/// </summary>
public static class LensRenderer
{
    public static float[] Render(int width, int height, IsothermalEllipsoid lens, SersicSource source, int supersample = 5)
    {
        var plane = new float[(long)width * height];
        int n = Math.Clamp(supersample, 1, 16);
        Parallel.For(0, height, y =>
        {
            for (int x = 0; x < width; x++)
            {
                double sum = 0;
                for (int sy = 0; sy < n; sy++)
                    for (int sx = 0; sx < n; sx++)
                    {
                        double px = x + (sx + 0.5) / n - 0.5, py = y + (sy + 0.5) / n - 0.5;
                        var (bx, by) = lens.ToSource(px, py);
                        sum += source.SurfaceBrightness(bx, by);
                    }
                plane[(long)y * width + x] = (float)(sum / (n * n));
            }
        });
        return plane;
    }

    /// <summary>Total lensed flux over total unlensed flux (both sampled on the same grid; the source should fit in it).</summary>
    public static double Magnification(int width, int height, IsothermalEllipsoid lens, SersicSource source, int supersample = 5)
    {
        var lensed = Render(width, height, lens, source, supersample);
        var unlensed = Render(width, height, lens with { EinsteinRadius = 0, Shear = 0 }, source, supersample);
        double a = lensed.Sum(v => (double)v), b = unlensed.Sum(v => (double)v);
        return b > 0 ? a / b : double.NaN;
    }
}
