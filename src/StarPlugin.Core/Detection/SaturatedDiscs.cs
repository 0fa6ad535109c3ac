using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using StarPlugin.Imaging;

namespace StarPlugin.Detection;

/// <summary>
/// Bright stars whose clipped core is wider than every kernel of the sweep: the
/// correlation sees a plateau, not a peak, so the main pass misses exactly the stars a
/// user notices first (the brightest ones of a stretched photo). Each compact, roundish
/// connected region at or above the saturation level becomes one saturated star,
/// replacing any saturated detections the correlation pass made on its plateau (noise on
/// a clipped top makes several maxima): centroid of the region, FWHM from its equivalent
/// diameter (a lower bound: the clipped profile's half-maximum lies outside it), flux and
/// S/N in an aperture twice that size against a surrounding annulus. Coefficient: the
/// best of the replaced detections, 0 where the correlation pass found nothing.
/// </summary>
internal static class SaturatedDiscs
{
    private const int MinArea = 4, MaxArea = 8000;

    /// <summary>Adds the clipped discs to <paramref name="stars"/>, in place.</summary>
    /// <param name="maxDiscs">Most discs added (0: no limit), the first in raster order: a crafted image can hold a clipped disc every few pixels.</param>
    /// <returns>How many discs were added (the last entries of the list), and whether discs were left out for the limit.</returns>
    public static (int Added, bool Limited) Merge(ReadOnlySpan<float> norm, int w, int h, float saturation, float min, float max, List<DetectedStar> stars, int maxDiscs = 0)
    {
        if (!float.IsFinite(saturation)) return (0, false);
        int added = 0;
        bool limited = false;
        var seen = new System.Collections.BitArray(norm.Length);   // one bit per pixel
        var stack = new Stack<int>();
        // The saturated entries of the list not yet replaced, by index and cell: a disc looks
        // only at those near it (a scan of the whole list per disc took seconds on a crowded
        // 67 Mpx field, and a scan of every saturated entry per disc 445 s on a grid of
        // 460 000 clipped discs).
        var saturatedAt = new SaturatedIndex(stars);
        for (int i = 0; i < stars.Count; i++) if (stars[i].Saturated) saturatedAt.Add(i);
        var replaced = new HashSet<int>();
        var ring = new List<float>();
        var level = Vector256.Create(saturation);
        ref float first = ref MemoryMarshal.GetReference(norm);
        for (int start = 0; start < norm.Length; start++)
        {
            // Skip 8 pixels at a time while none is clipped (most of any image).
            if ((start & 7) == 0 && start <= norm.Length - 8 && !Vector256.GreaterThanOrEqualAny(Vector256.LoadUnsafe(ref first, (nuint)start), level))
            {
                start += 7;
                continue;
            }
            if (!(norm[start] >= saturation) || seen[start]) continue;
            // 4-connected flood fill of the clipped region.
            long area = 0; double sx = 0, sy = 0; int x0 = w, x1 = -1, y0 = h, y1 = -1;
            stack.Push(start); seen[start] = true;
            while (stack.Count > 0)
            {
                int i = stack.Pop(), x = i % w, y = i / w;
                area++; sx += x; sy += y;
                x0 = Math.Min(x0, x); x1 = Math.Max(x1, x); y0 = Math.Min(y0, y); y1 = Math.Max(y1, y);
                if (x > 0) Visit(norm, saturation, seen, stack, i - 1);
                if (x < w - 1) Visit(norm, saturation, seen, stack, i + 1);
                if (y > 0) Visit(norm, saturation, seen, stack, i - w);
                if (y < h - 1) Visit(norm, saturation, seen, stack, i + w);
            }
            int bw = x1 - x0 + 1, bh = y1 - y0 + 1;
            // A star's clipped core is a filled, roundish disc; clipped nebula or a bleed trail is not.
            if (area < MinArea || area > MaxArea || Math.Max(bw, bh) > 2.5 * Math.Min(bw, bh) || area < 0.45 * bw * bh) continue;
            double cx = sx / area, cy = sy / area, radius = Math.Sqrt(area / Math.PI);
            var (flux, snr, sky) = Aperture(norm, w, h, cx, cy, 2 * radius + 1, ring);
            if (!(flux > 0)) continue;
            if (maxDiscs > 0 && added == maxDiscs) { limited = true; break; }
            double fwhm = 2 * radius, roundness = 1 - Math.Min(bw, bh) / (double)Math.Max(bw, bh);
            float coefficient = TakeReplaced(stars, saturatedAt, replaced, cx, cy, radius);
            added++;
            stars.Add(new DetectedStar((int)Math.Round(cy), (int)Math.Round(cx), coefficient, norm[(int)Math.Round(cy) * w + (int)Math.Round(cx)],
                cx, cy, flux * (max - min), fwhm, snr, roundness, (float)(radius / 1.1774), true) { Background = min + sky * (max - min) });
            saturatedAt.Add(stars.Count - 1);
        }
        // The replaced entries leave the list, which keeps its order otherwise.
        if (replaced.Count == 0) return (added, limited);
        int kept = 0;
        for (int i = 0; i < stars.Count; i++)
            if (!replaced.Contains(i)) stars[kept++] = stars[i];
        stars.RemoveRange(kept, stars.Count - kept);
        return (added, limited);

        static void Visit(ReadOnlySpan<float> norm, float saturation, System.Collections.BitArray seen, Stack<int> stack, int j)
        {
            if (!(norm[j] >= saturation) || seen[j]) return;
            seen[j] = true; stack.Push(j);
        }
    }

    /// <summary>
    /// Marks the saturated detections on a disc's plateau as replaced; returns the best of
    /// their coefficients. Its own method: a lambda over the disc's centre inside the pixel
    /// loop made the compiler allocate a closure per pixel visited (200 MB at 33 Mpx).
    /// </summary>
    private static float TakeReplaced(List<DetectedStar> stars, SaturatedIndex saturatedAt, HashSet<int> replaced, double cx, double cy, double radius)
    {
        double reach = (radius + 1.5) * (radius + 1.5);
        float coefficient = 0f;
        foreach (var cell in saturatedAt.Near(cx, cy, radius + 1.5))
            cell.RemoveAll(i =>
            {
                var s = stars[i];
                if (!((s.X - cx) * (s.X - cx) + (s.Y - cy) * (s.Y - cy) <= reach)) return false;
                coefficient = Math.Max(coefficient, s.Coefficient);
                replaced.Add(i);
                return true;
            });
        return coefficient;
    }

    /// <summary>Indices into the star list, by 16-px cell of their position; a NaN or infinite position is never within reach, so it is not indexed.</summary>
    private sealed class SaturatedIndex(List<DetectedStar> stars)
    {
        private const double Cell = 16;
        private readonly Dictionary<(long, long), List<int>> _cells = [];

        public void Add(int i)
        {
            var s = stars[i];
            if (!double.IsFinite(s.X) || !double.IsFinite(s.Y)) return;
            var key = ((long)Math.Floor(s.X / Cell), (long)Math.Floor(s.Y / Cell));
            if (!_cells.TryGetValue(key, out var list)) _cells[key] = list = [];
            list.Add(i);
        }

        /// <summary>
        /// The cells that hold every indexed position within <paramref name="reach"/> of (x, y),
        /// and one more all round: the caller's distance test, in floating point, can pass a
        /// few ulps beyond the reach, and then it must find what the scan of every entry found.
        /// </summary>
        public IEnumerable<List<int>> Near(double x, double y, double reach)
        {
            long x0 = (long)Math.Floor((x - reach) / Cell) - 1, x1 = (long)Math.Floor((x + reach) / Cell) + 1;
            long y0 = (long)Math.Floor((y - reach) / Cell) - 1, y1 = (long)Math.Floor((y + reach) / Cell) + 1;
            for (long gy = y0; gy <= y1; gy++)
                for (long gx = x0; gx <= x1; gx++)
                    if (_cells.TryGetValue((gx, gy), out var list)) yield return list;
        }
    }

    /// <summary>Background-subtracted sum within r, its S/N and the sky level, from the annulus r+2..r+6 (median level, MAD noise).</summary>
    /// <param name="ring">Scratch for the annulus' values, reused from disc to disc.</param>
    private static (double Flux, double Snr, double Sky) Aperture(ReadOnlySpan<float> p, int w, int h, double cx, double cy, double r, List<float> ring)
    {
        ring.Clear();
        double r0 = r + 2, r1 = r + 6, sum = 0; int n = 0;
        for (int y = Math.Max(0, (int)(cy - r1)); y <= Math.Min(h - 1, (int)Math.Ceiling(cy + r1)); y++)
            for (int x = Math.Max(0, (int)(cx - r1)); x <= Math.Min(w - 1, (int)Math.Ceiling(cx + r1)); x++)
            {
                double d2 = (x - cx) * (x - cx) + (y - cy) * (y - cy);
                float v = p[y * w + x];
                if (!float.IsFinite(v)) continue;
                if (d2 <= r * r) { sum += v; n++; }
                else if (d2 >= r0 * r0 && d2 <= r1 * r1) ring.Add(v);
            }
        if (ring.Count < 8 || n == 0) return (0, 0, 0);
        var (median, mad) = RobustStatistics.MedianMad(CollectionsMarshal.AsSpan(ring));
        double flux = sum - median * n, noise = Math.Max(RobustStatistics.MadToSigma * mad, 1e-6) * Math.Sqrt(n);
        return (flux, flux / noise, median);
    }
}
