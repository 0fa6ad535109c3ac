using StarPlugin.Detection;

namespace StarPlugin.Removal;

/// <summary>
/// The stars' FWHM as it varies across the frame. One number for the whole frame holds
/// near the optical axis, but coma, field curvature and tilt swell the stars toward the
/// edges of a wide field, and there every star looked "resolved" to a width test
/// against the centre's PSF (keep-galaxies gave them back) or broader than the cleanup's
/// limit. So the width is measured per cell of a coarse grid (at most 8 cells a side,
/// at least <see cref="MinCell"/> px) from the stars around it, and read back bilinearly
/// between cell centres.
/// </summary>
internal sealed class FieldPsf
{
    /// <summary>Smallest cell side in pixels: PSF changes are slower than this, and smaller cells hold too few stars.</summary>
    public const int MinCell = 256;
    /// <summary>Stars a cell's estimate needs; fewer and it takes in the next ring of cells, and so on.</summary>
    public const int MinStars = 12;
    /// <summary>Used when the frame has no measurable star at all.</summary>
    public const double DefaultFwhm = 2.5;

    private readonly double[] _fwhm;
    private readonly int _nx, _ny;
    private readonly double _cell;

    private FieldPsf(double[] fwhm, int nx, int ny, double cell) { _fwhm = fwhm; _nx = nx; _ny = ny; _cell = cell; }

    /// <summary>The frame-wide value: the lower quartile over all the stars used.</summary>
    public double Global { get; private init; }
    /// <summary>How many detections met the strict test (S/N ≥ 20, correlation ≥ 0.9, unclipped): how well <see cref="Global"/> is measured.</summary>
    public int ConfidentStars { get; private init; }

    /// <summary>
    /// Estimates the PSF from star-like detections: those with S/N ≥ 20, correlation ≥ 0.9
    /// and no clipping when there are at least five, else every unclipped one. Each
    /// estimate is the lower quartile of their FWHM, not the median: on nebula, knots that
    /// pass as stars are broader and pull the median up.
    /// </summary>
    public static FieldPsf Estimate(IReadOnlyList<DetectedStar> candidates, int width, int height)
    {
        var good = candidates.Where(s => s.Snr >= 20 && s.Coefficient >= 0.9f && !s.Saturated).ToList();
        int confident = good.Count;
        if (good.Count < 5) good = candidates.Where(s => !s.Saturated).ToList();
        double global = good.Count == 0 ? DefaultFwhm : LowerQuartile(good.Select(s => s.Fwhm).ToList());
        double cell = Math.Max(MinCell, Math.Ceiling(Math.Max(width, height) / 8.0));
        int nx = Math.Max(1, (int)Math.Ceiling(width / cell)), ny = Math.Max(1, (int)Math.Ceiling(height / cell));
        var fwhm = new double[nx * ny];
        if (good.Count < MinStars || nx * ny == 1)
        {
            Array.Fill(fwhm, global);
            return new FieldPsf(fwhm, nx, ny, cell) { Global = global, ConfidentStars = confident };
        }
        var byCell = new List<double>[nx * ny];
        for (int k = 0; k < byCell.Length; k++) byCell[k] = [];
        foreach (var s in good)
            byCell[CellIndex(s.Y, height, cell, ny) * nx + CellIndex(s.X, width, cell, nx)].Add(s.Fwhm);
        for (int cy = 0; cy < ny; cy++)
            for (int cx = 0; cx < nx; cx++)
            {
                // Grow the neighbourhood ring by ring until it holds enough stars; the whole
                // frame holds at least MinStars, so this ends.
                var pool = new List<double>();
                for (int r = 0; pool.Count < MinStars; r++)
                {
                    pool.Clear();
                    for (int y = Math.Max(0, cy - r); y <= Math.Min(ny - 1, cy + r); y++)
                        for (int x = Math.Max(0, cx - r); x <= Math.Min(nx - 1, cx + r); x++) pool.AddRange(byCell[y * nx + x]);
                }
                fwhm[cy * nx + cx] = LowerQuartile(pool);
            }
        return new FieldPsf(fwhm, nx, ny, cell) { Global = global, ConfidentStars = confident };
    }

    /// <summary>The stars' FWHM at (x, y), bilinear between cell centres, flat beyond the outer centres.</summary>
    public double At(double x, double y)
    {
        var (x0, x1, tx) = Between(x / _cell - 0.5, _nx);
        var (y0, y1, ty) = Between(y / _cell - 0.5, _ny);
        double top = _fwhm[y0 * _nx + x0] * (1 - tx) + _fwhm[y0 * _nx + x1] * tx;
        double bottom = _fwhm[y1 * _nx + x0] * (1 - tx) + _fwhm[y1 * _nx + x1] * tx;
        return top * (1 - ty) + bottom * ty;
    }

    private static (int I0, int I1, double T) Between(double f, int n)
    {
        if (!double.IsFinite(f) || f <= 0) return (0, 0, 0);
        if (f >= n - 1) return (n - 1, n - 1, 0);
        int i = (int)f;
        return (i, i + 1, f - i);
    }

    private static int CellIndex(double v, int size, double cell, int n) =>
        Math.Clamp((int)(Math.Clamp(v, 0, size - 1) / cell), 0, n - 1);

    private static double LowerQuartile(List<double> values)
    {
        values.Sort();
        return values[values.Count / 4];
    }
}
