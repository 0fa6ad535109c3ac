namespace StarPlugin.Synthesis;

/// <summary>
/// What makes bright stars hard to remove: a wide scattered-light halo, diffraction
/// spikes from the secondary-mirror vanes, and bloom (charge bleeding along columns)
/// past saturation. Values are added in electrons.
/// </summary>
public static class BrightStarFeatures
{
    /// <summary>A few percent of the light in a broad Moffat wing.</summary>
    public static PointSpreadFunction.Stamp HaloStamp(int w, int h, double cx, double cy, float flux, float fwhm) =>
        new PointSpreadFunction(PsfKind.Moffat, fwhm * 6f, 1.6f).RenderStamp(w, h, cx, cy, flux * 0.04f, floor: 0.5f);

    public static void Spikes(Span<float> plane, int w, int h, double cx, double cy, float flux, float angle, float fwhm)
    {
        double length = Math.Min(400, 4 * Math.Sqrt(flux) / 10 + 10);
        double amp = flux * 2e-3 / fwhm;
        for (int k = 0; k < 4; k++)
        {
            double a = angle + k * Math.PI / 2, ca = Math.Cos(a), sa = Math.Sin(a);
            for (double t = fwhm; t < length; t += 0.5)
            {
                double v = amp / (1 + t / (fwhm * 2)) * (1 - t / length);
                double px = cx + ca * t, py = cy + sa * t;
                int ix = (int)Math.Round(px), iy = (int)Math.Round(py);
                if ((uint)ix >= (uint)w || (uint)iy >= (uint)h) continue;
                // A two-pixel-wide line, anti-aliased across its width.
                double fx = px - ix, fy = py - iy;
                plane[iy * w + ix] += (float)(v * 0.5);
                int nx = ix + (Math.Abs(sa) > Math.Abs(ca) ? (fx > 0 ? 1 : -1) : 0), ny = iy + (Math.Abs(sa) > Math.Abs(ca) ? 0 : (fy > 0 ? 1 : -1));
                if ((uint)nx < (uint)w && (uint)ny < (uint)h) plane[ny * w + nx] += (float)(v * 0.25);
            }
        }
    }

    /// <summary>Charge above full well spills up and down the column (CCD bloom).</summary>
    public static void Bloom(Span<float> plane, int w, int h, double cx, double cy, float fullWell)
    {
        int ix = (int)Math.Round(cx), iy = (int)Math.Round(cy);
        if ((uint)ix >= (uint)w || (uint)iy >= (uint)h) return;
        double excess = 0;
        for (int dx = -2; dx <= 2; dx++)
            for (int dy = -3; dy <= 3; dy++)
            {
                int x = ix + dx, y = iy + dy;
                if ((uint)x < (uint)w && (uint)y < (uint)h) excess += Math.Max(0, plane[y * w + x] - fullWell);
            }
        int length = (int)Math.Min(h / 3, excess / fullWell);
        for (int d = 1; d <= length; d++)
            foreach (int y in new[] { iy - d, iy + d })
                if ((uint)y < (uint)h) plane[y * w + ix] = Math.Max(plane[y * w + ix], fullWell * (float)(1 - 0.5 * d / (length + 1)));
    }
}
