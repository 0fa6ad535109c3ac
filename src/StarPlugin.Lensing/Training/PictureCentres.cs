using StarPlugin.Imaging;

namespace StarPlugin.Lensing.Training;

/// <summary>
/// Where to cut training cutouts from a real picture: the brightest compact peaks
/// (galaxies and stars) whose whole cutout lies inside a column band of the picture.
/// The band is how training and held-out cutouts are kept apart: a cutout never
/// straddles the boundary.
/// </summary>
public static class PictureCentres
{
    public static List<(int X, int Y)> Find(AstroImage picture, double fromFraction, double toFraction, int cutoutSize, int max)
    {
        int w = picture.Width, h = picture.Height, half = cutoutSize / 2;
        int x0 = (int)Math.Ceiling(fromFraction * w) + half, x1 = (int)Math.Floor(toFraction * w) - (cutoutSize - half);
        int y0 = half, y1 = h - (cutoutSize - half);
        var found = new List<(int, int, float)>();
        if (x1 < x0 || y1 < y0) return [];
        var smooth = PlaneFilters.GaussianBlur(picture.Luminance(), w, h, 1.5f);
        var peaks = PlaneFilters.MaxFilter(smooth, w, h, 3);
        var (median, mad) = RobustStatistics.MedianMad(smooth);
        float threshold = median + Math.Max(8 * mad * (float)RobustStatistics.MadToSigma, 4f / 255);
        for (int y = y0; y <= y1; y++)
            for (int x = x0; x <= x1; x++)
            {
                float v = smooth[y * w + x];
                if (v >= threshold && v >= peaks[y * w + x]) found.Add((x, y, v));
            }
        return found.OrderByDescending(p => p.Item3).Take(max).Select(p => (p.Item1, p.Item2)).ToList();
    }
}
