namespace StarPlugin.Removal;

/// <summary>
/// Whether a clipped source the network kept whole is a star by its shape: a small clipped
/// plateau whose light falls to the sky within a short shoulder, round. The network keeps
/// some bright clipped stars whole (it also keeps clipped galaxy cores, which look alike to
/// it), and the cleanup defers to it there. The shape tells them apart where it is plain:
/// on Stellarium's 535 pictures under 1000 px (its catalogue saying which source is a
/// galaxy), of the clipped sources the pipeline of the time left with over half their core,
/// the sharp, round ones with small plateaus were 57 of 213 stars (the brightest of open
/// clusters), one of 220 galaxy cores (a star on Centaurus A's disc) and one of 62
/// planetary nebulae (M27's centre). Compact galaxies with a sharp shoulder are elongated
/// (Hydra's and Fornax's, 1.5-1.7); large galaxies' clipped nuclei have plateaus of radius
/// 3.7 px and more; and the stars with broad haloes (the Dark Shark's, NGC 691's) stay kept:
/// their shoulder is as broad as an elliptical's. Measured with the shipped network: the
/// synthetic fields' clipped stars it kept are filled (star pixels +0.9 to +1.6 dB), and not
/// one pixel of the 49 development pictures or of the 535 changes.
/// </summary>
/// <remarks>
/// On the input's luminance in the model domain: the plateau is the connected region at
/// ≥ <see cref="PlateauLevel"/> of the peak round the source, of equal-area radius rc; the
/// profile is the median of each 1-px ring about its centroid out to R = max(16, 10 rc),
/// the sky the median of the outer four rings' medians, the shoulder the first ring below
/// <see cref="ShoulderLevel"/> of the centre's height above that sky, less rc; the
/// elongation that of the connected region above that level within the shoulder's ring.
/// Reads only the input, never the star layer. One instance per thread (scratch).
/// </remarks>
internal sealed class ClippedStarShape
{
    /// <summary>Plateau: at least this share of the peak's luminance.</summary>
    public const float PlateauLevel = 0.92f;
    /// <summary>Fewest plateau pixels judged (smaller: barely clipped, the detector's business).</summary>
    public const int MinPlateauArea = 6;
    /// <summary>Plateaus of this equal-area radius (px) and more are left alone: large galaxies' nuclei start at 3.7.</summary>
    public const double MaxPlateauRadius = 3.5;
    /// <summary>The shoulder's level, as a share of the centre's height above the sky.</summary>
    public const double ShoulderLevel = 0.25;
    /// <summary>Stars: shoulder at most this many plateau radii (stars kept whole 0.2-1.5; galaxy cores mostly 1.5-7).</summary>
    public const double MaxShoulder = 1.5;
    /// <summary>Stars: elongation (axis ratio from the second moments) at most this (compact galaxies 1.5 and more).</summary>
    public const double MaxElongation = 1.3;

    private const int MaxReach = 35; // 10 × MaxPlateauRadius (rc stays under it: 34 at most)
    // The box round the source: the reach about the plateau's centroid, which may lie a few pixels off.
    private const int Margin = 4, Side = 2 * (MaxReach + Margin) + 1;
    private readonly float[] _lum = new float[Side * Side];
    private readonly int[] _ringOf = new int[Side * Side];
    private readonly float[] _sorted = new float[Side * Side];
    private readonly int[] _stack = new int[Side * Side];
    private readonly bool[] _seen = new bool[Side * Side];

    /// <summary>The test above for the source at (x, y); false where it cannot be judged.</summary>
    public bool IsSharpRoundStar(float[] data, ModelDomain domain, int colours, int w, int h, double x, double y)
    {
        int n = w * h;
        // The box the profile can reach, with its luminance.
        int bx0 = Math.Max(0, (int)Math.Round(x) - MaxReach - Margin), bx1 = Math.Min(w - 1, (int)Math.Round(x) + MaxReach + Margin);
        int by0 = Math.Max(0, (int)Math.Round(y) - MaxReach - Margin), by1 = Math.Min(h - 1, (int)Math.Round(y) + MaxReach + Margin);
        int bw = bx1 - bx0 + 1, bh = by1 - by0 + 1;
        if (bw < 3 || bh < 3) return false;
        var lum = _lum.AsSpan(0, bw * bh);
        for (int yy = by0; yy <= by1; yy++)
            ResidualStarCleanup.LuminanceRow(data, domain, colours, w, n, yy, bx0, lum.Slice((yy - by0) * bw, bw));

        // The peak within a pixel of the source, and its plateau (4-connected, bounded).
        int px = Math.Clamp((int)Math.Round(x), bx0, bx1) - bx0, py = Math.Clamp((int)Math.Round(y), by0, by1) - by0;
        int peakAt = py * bw + px;
        for (int dy = -1; dy <= 1; dy++)
            for (int dx = -1; dx <= 1; dx++)
            {
                int qx = px + dx, qy = py + dy;
                if (qx >= 0 && qy >= 0 && qx < bw && qy < bh && lum[qy * bw + qx] > lum[peakAt]) peakAt = qy * bw + qx;
            }
        float level = PlateauLevel * lum[peakAt];
        if (!(level > 0)) return false;
        var seen = _seen.AsSpan(0, lum.Length);
        seen.Clear();
        int area = 0, top = 0, maxArea = (int)(Math.PI * MaxPlateauRadius * MaxPlateauRadius) + 1;
        double sx = 0, sy = 0;
        _stack[top++] = peakAt; seen[peakAt] = true;
        while (top > 0)
        {
            int at = _stack[--top];
            int ax = at % bw, ay = at / bw;
            area++; sx += ax; sy += ay;
            if (area > maxArea) return false;
            if (ax > 0) Push(at - 1); if (ax < bw - 1) Push(at + 1);
            if (ay > 0) Push(at - bw); if (ay < bh - 1) Push(at + bw);
        }
        if (area < MinPlateauArea) return false;
        double rc = Math.Sqrt(area / Math.PI);
        if (rc >= MaxPlateauRadius) return false;
        double cx = sx / area, cy = sy / area;
        // The rings must lie in the box: a plateau drawn out far from the source cannot be judged.
        if (Math.Abs(cx - px) > Margin || Math.Abs(cy - py) > Margin) return false;
        int reach = Math.Min(MaxReach, Math.Max(16, (int)(10 * rc)));

        // Ring medians out to the reach (pixels by floor of their distance).
        Span<int> start = stackalloc int[reach + 2];
        start.Clear();
        for (int yy = 0; yy < bh; yy++)
            for (int xx = 0; xx < bw; xx++)
            {
                int k = (int)Math.Sqrt((xx - cx) * (xx - cx) + (yy - cy) * (yy - cy));
                _ringOf[yy * bw + xx] = k <= reach ? k : -1;
                if (k <= reach) start[k + 1]++;
            }
        for (int k = 0; k <= reach; k++) start[k + 1] += start[k];
        Span<int> next = stackalloc int[reach + 1];
        start[..(reach + 1)].CopyTo(next);
        for (int i = 0; i < lum.Length; i++)
            if (_ringOf[i] >= 0) _sorted[next[_ringOf[i]]++] = lum[i];
        Span<double> ring = stackalloc double[reach + 1];
        for (int k = 0; k <= reach; k++) ring[k] = Median(_sorted, start[k], start[k + 1] - start[k]);
        Span<double> outer = stackalloc double[4];
        int m = 0;
        for (int k = reach - 3; k <= reach; k++) if (!double.IsNaN(ring[k])) outer[m++] = ring[k];
        if (m == 0 || double.IsNaN(ring[0])) return false;
        outer[..m].Sort();
        double sky = m % 2 == 1 ? outer[m / 2] : (outer[m / 2 - 1] + outer[m / 2]) / 2;
        // A centre not above the sky (the centroid off a curved plateau) has no profile to judge.
        if (!(ring[0] - sky > 1e-3)) return false;
        double height = ring[0] - sky;
        int shoulder = reach;
        for (int k = 0; k <= reach; k++)
            if ((ring[k] - sky) / height < ShoulderLevel) { shoulder = k; break; }
        if ((shoulder - rc) / rc > MaxShoulder) return false;

        // Elongation of what stands above the shoulder's level within its ring (the part
        // connected to the plateau).
        float above = (float)(sky + ShoulderLevel * height);
        double limit2 = (shoulder + 1.0) * (shoulder + 1.0);
        seen.Clear();
        top = 0;
        _stack[top++] = peakAt; seen[peakAt] = true;
        double count = 0, mx = 0, my = 0, mxx = 0, myy = 0, mxy = 0;
        while (top > 0)
        {
            int at = _stack[--top];
            int ax = at % bw, ay = at / bw;
            double dx = ax - cx, dy = ay - cy;
            count++; mx += dx; my += dy; mxx += dx * dx; myy += dy * dy; mxy += dx * dy;
            if (ax > 0) Grow(at - 1); if (ax < bw - 1) Grow(at + 1);
            if (ay > 0) Grow(at - bw); if (ay < bh - 1) Grow(at + bw);
        }
        if (count < 4) return false;
        mx /= count; my /= count;
        double vxx = mxx / count - mx * mx, vyy = myy / count - my * my, vxy = mxy / count - mx * my;
        double tr = (vxx + vyy) / 2, det = Math.Sqrt(Math.Max(0, (vxx - vyy) * (vxx - vyy) / 4 + vxy * vxy));
        double major = tr + det, minor = Math.Max(tr - det, 1e-6);
        return Math.Sqrt(major / minor) <= MaxElongation;

        // On the arrays: a local function cannot hold the spans.
        void Push(int q)
        {
            if (_seen[q] || !(_lum[q] >= level)) return;
            _seen[q] = true; _stack[top++] = q;
        }

        void Grow(int q)
        {
            if (_seen[q] || !(_lum[q] > above)) return;
            double dx = q % bw - cx, dy = q / bw - cy;
            if (dx * dx + dy * dy > limit2) return;
            _seen[q] = true; _stack[top++] = q;
        }
    }

    /// <summary>The median of a range (the mean of the middle two for an even count; NaN when empty); reorders it.</summary>
    private static double Median(float[] a, int start, int count)
    {
        if (count <= 0) return double.NaN;
        var span = a.AsSpan(start, count);
        span.Sort();
        return count % 2 == 1 ? span[count / 2] : (span[count / 2 - 1] + (double)span[count / 2]) / 2;
    }
}
