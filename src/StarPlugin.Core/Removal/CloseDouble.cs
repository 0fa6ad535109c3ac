namespace StarPlugin.Removal;

/// <summary>
/// Whether a broad, unclipped source the network kept whole is a close pair of stars: two
/// round profiles of a star's width explain its light clearly better than one elliptical
/// profile does. Two stars about a FWHM apart read as one broad, elongated source, as a
/// small galaxy does, and the network keeps many such pairs whole (on the synthetic fields
/// with truth, the pairs it kept were most of the star pixels' error). A galaxy's light is
/// one smooth profile, broader than a star's across its minor axis too: one ellipse fits it
/// as well as two stars, and the stars that fit best are broad ones.
/// Measured with the shipped network on the 546 real pictures at hand (the 49 development
/// pictures and Stellarium's 535 under 1000 px, its catalogue saying which sources are
/// galaxies): of the 243 broad, confident, unclipped sources it kept, the test takes two,
/// both double stars by eye (NGC 7008's field, M76's), and no galaxy; on the one-PSF
/// synthetic field it takes 7 of the 10 pairs it kept.
/// </summary>
/// <remarks>
/// On the input's luminance in the model domain, in a box of half-side max(5, 1.6 FWHM)
/// about the source (at most <see cref="MaxHalf"/>), less the sky (the 20th percentile of a
/// box 3 px larger). Both models are fitted by least squares (Levenberg–Marquardt, analytic
/// derivatives): one elliptical Gaussian (sky, amplitude, centre, two widths, angle) and two
/// round Gaussians of one shared width (sky, two amplitudes, two centres, the width). Reads
/// only the input. One instance per thread (scratch).
/// </remarks>
internal sealed class CloseDouble
{
    /// <summary>The pair's residual (RMS) is at most this share of the ellipse's (stars' pairs 0.3-0.75; galaxies 0.8-1.1).</summary>
    public const double MaxResidualRatio = 0.75;
    /// <summary>
    /// Each star of the pair is at most this many times as wide (FWHM) as a star of the
    /// source's brightness here (the stellar locus): one-PSF pairs 1.0-1.2; the two real
    /// pairs taken 1.39 and 1.65 (soft stars); compact galaxies that a pair fits 2.3 and more.
    /// </summary>
    public const double MaxComponentWidth = 2.0;
    /// <summary>The pair's stars are at least this many of their FWHM apart (closer, one star explains it).</summary>
    public const double MinSeparation = 0.5;
    /// <summary>
    /// The pair's stars lie within this many of the source's FWHM of its centre and of each
    /// other, so a neighbour in the box's corners is not one of them. (Within 1 or 1.25
    /// FWHM took a third of the synthetic fields' gain: the detector's FWHM of a blend is
    /// often its brighter star's.)
    /// </summary>
    public const double MaxSeparation = 2.0;
    /// <summary>The box's half-side at most (px): wider sources are judged on this box.</summary>
    public const int MaxHalf = 20;
    private const int SkyMargin = 3, MaxIterations = 60;
    private const int Side = 2 * (MaxHalf + SkyMargin) + 1, MaxPixels = (2 * MaxHalf + 1) * (2 * MaxHalf + 1), MaxParameters = 8;

    private readonly float[] _box = new float[Side * Side];
    private readonly float[] _sorted = new float[Side * Side];
    private readonly double[] _x = new double[MaxPixels], _y = new double[MaxPixels], _v = new double[MaxPixels];
    // The fit's pixels are the rows _top.. and columns _left.. of a box _cols wide, row by row:
    // a round Gaussian there is a column factor times a row factor (PairModel).
    private readonly double[] _colFactor1 = new double[2 * MaxHalf + 1], _colFactor2 = new double[2 * MaxHalf + 1];
    private readonly double[] _rowFactor1 = new double[2 * MaxHalf + 1], _rowFactor2 = new double[2 * MaxHalf + 1];
    private int _m, _left, _top, _cols, _rows;

    /// <summary>
    /// The test above for the source at (<paramref name="x"/>, <paramref name="y"/>) of FWHM
    /// <paramref name="fwhm"/> px, where a star of its brightness has FWHM
    /// <paramref name="starFwhm"/> px; false where it cannot be judged.
    /// </summary>
    public bool IsPairOfStars(float[] data, ModelDomain domain, int colours, int w, int h, double x, double y, double fwhm, double starFwhm) =>
        Judge(data, domain, colours, w, h, x, y, fwhm, starFwhm) is { IsPair: true };

    /// <summary>What the two fits made of a source (the bench's census lists it).</summary>
    /// <param name="ResidualRatio">The pair's RMS residual over the ellipse's.</param>
    /// <param name="ComponentWidth">Each star's FWHM in units of <c>starFwhm</c>.</param>
    /// <param name="Separation">The stars' distance in units of their FWHM.</param>
    /// <param name="OnSource">Both stars within reach of the source and of each other, both positive.</param>
    public readonly record struct Judgement(double ResidualRatio, double ComponentWidth, double Separation, bool OnSource)
    {
        public bool IsPair => OnSource && ResidualRatio <= MaxResidualRatio && ComponentWidth <= MaxComponentWidth && Separation >= MinSeparation;
    }

    /// <summary>The fits behind <see cref="IsPairOfStars"/>; null where the source cannot be judged.</summary>
    public Judgement? Judge(float[] data, ModelDomain domain, int colours, int w, int h, double x, double y, double fwhm, double starFwhm)
    {
        if (!double.IsFinite(x) || !double.IsFinite(y) || !(fwhm > 0) || !(starFwhm > 0)) return null;
        int half = (int)Math.Min(MaxHalf, Math.Ceiling(Math.Max(5, 1.6 * fwhm)));
        int cx = (int)Math.Round(x), cy = (int)Math.Round(y);
        if (cx < 0 || cy < 0 || cx >= w || cy >= h) return null;
        int n = w * h;
        // The sky box (the fit's box and a margin), its luminance, and the sky level.
        int sx0 = Math.Max(0, cx - half - SkyMargin), sx1 = Math.Min(w - 1, cx + half + SkyMargin);
        int sy0 = Math.Max(0, cy - half - SkyMargin), sy1 = Math.Min(h - 1, cy + half + SkyMargin);
        int bw = sx1 - sx0 + 1, bh = sy1 - sy0 + 1;
        var box = _box.AsSpan(0, bw * bh);
        for (int yy = sy0; yy <= sy1; yy++)
            ResidualStarCleanup.LuminanceRow(data, domain, colours, w, n, yy, sx0, box.Slice((yy - sy0) * bw, bw));
        var sorted = _sorted.AsSpan(0, box.Length);
        box.CopyTo(sorted);
        sorted.Sort();
        double sky = sorted[(int)(0.2 * (sorted.Length - 1))];
        if (!double.IsFinite(sky)) return null;
        // The fit's pixels, less the sky.
        int fx0 = Math.Max(0, cx - half), fx1 = Math.Min(w - 1, cx + half), fy0 = Math.Max(0, cy - half), fy1 = Math.Min(h - 1, cy + half);
        _m = 0;
        double peak = double.NegativeInfinity;
        for (int yy = fy0; yy <= fy1; yy++)
            for (int xx = fx0; xx <= fx1; xx++)
            {
                double v = box[(yy - sy0) * bw + xx - sx0] - sky;
                if (!double.IsFinite(v)) return null;
                _x[_m] = xx; _y[_m] = yy; _v[_m] = v; _m++;
                peak = Math.Max(peak, v);
            }
        if (!(peak > 0) || _m < 25) return null;
        _left = fx0; _top = fy0; _cols = fx1 - fx0 + 1; _rows = fy1 - fy0 + 1;

        // One ellipse, started from the light's moments.
        Span<double> ellipse = stackalloc double[7];
        if (!Moments(ellipse, peak)) return null;
        double ellipseCost = Fit(ellipse, EllipseModel, fx0, fx1, fy0, fy1, half);
        // Two stars along its major axis, half its major σ either side, of its minor σ.
        double sa = Math.Exp(ellipse[4]), sb = Math.Exp(ellipse[5]), theta = ellipse[6];
        double ux = Math.Cos(theta), uy = Math.Sin(theta);
        if (sb > sa) (ux, uy) = (-uy, ux);
        double offset = 0.5 * Math.Max(sa, sb);
        Span<double> pair = stackalloc double[8];
        pair[0] = ellipse[0];
        pair[1] = pair[4] = 0.6 * ellipse[1];
        pair[2] = ellipse[2] + ux * offset; pair[3] = ellipse[3] + uy * offset;
        pair[5] = ellipse[2] - ux * offset; pair[6] = ellipse[3] - uy * offset;
        pair[7] = Math.Log(Math.Min(sa, sb));
        double pairCost = Fit(pair, PairModel, fx0, fx1, fy0, fy1, half);
        if (!double.IsFinite(ellipseCost) || !double.IsFinite(pairCost) || !(ellipseCost > 0)) return null;

        double componentFwhm = 2 * Math.Sqrt(2 * Math.Log(2)) * Math.Exp(pair[7]);
        double separation = Math.Sqrt((pair[2] - pair[5]) * (pair[2] - pair[5]) + (pair[3] - pair[6]) * (pair[3] - pair[6]));
        // Both stars within the source's own width, not one of them a neighbour in the box
        // (a galaxy beside a star would read as a pair): one source to the detector.
        double reach = Math.Max(1.5, MaxSeparation * fwhm);
        bool onSource = separation <= reach && Near(pair[2], pair[3]) && Near(pair[5], pair[6]);
        bool Near(double px, double py) => (px - x) * (px - x) + (py - y) * (py - y) <= reach * reach;
        return new Judgement(Math.Sqrt(pairCost / ellipseCost), componentFwhm / starFwhm, separation / componentFwhm,
            onSource && pair[1] > 0 && pair[4] > 0);
    }

    /// <summary>The ellipse's start: sky 0, the peak, and the centroid, widths and angle of the light above the sky.</summary>
    private bool Moments(Span<double> p, double peak)
    {
        double s = 0, mx = 0, my = 0;
        for (int i = 0; i < _m; i++) { double v = Math.Max(0, _v[i]); s += v; mx += v * _x[i]; my += v * _y[i]; }
        if (!(s > 0)) return false;
        mx /= s; my /= s;
        double xx = 0, yy = 0, xy = 0;
        for (int i = 0; i < _m; i++)
        {
            double v = Math.Max(0, _v[i]), dx = _x[i] - mx, dy = _y[i] - my;
            xx += v * dx * dx; yy += v * dy * dy; xy += v * dx * dy;
        }
        xx /= s; yy /= s; xy /= s;
        double mean = 0.5 * (xx + yy), diff = Math.Sqrt(0.25 * (xx - yy) * (xx - yy) + xy * xy);
        p[0] = 0; p[1] = peak; p[2] = mx; p[3] = my;
        p[4] = 0.5 * Math.Log(Math.Max(0.25, mean + diff));
        p[5] = 0.5 * Math.Log(Math.Max(0.25, mean - diff));
        p[6] = 0.5 * Math.Atan2(2 * xy, xx - yy);
        return true;
    }

    /// <summary>
    /// The sum of squared residuals (model − data) at <paramref name="p"/>; with
    /// <paramref name="normal"/>, also the normal equations JᵀJ (upper triangle) and Jᵀr into
    /// <paramref name="a"/> and <paramref name="g"/>, accumulated pixel by pixel: no stored
    /// Jacobian (13 KB a parameter would put each instance on the large-object heap).
    /// </summary>
    private delegate double ModelFunction(ReadOnlySpan<double> p, Span<double> a, Span<double> g, bool normal, CloseDouble self);

    /// <summary>Sky b, amplitude a, centre (xc, yc), log widths along and across the angle θ.</summary>
    private static double EllipseModel(ReadOnlySpan<double> p, Span<double> a, Span<double> g, bool normal, CloseDouble self)
    {
        double b = p[0], amp = p[1], xc = p[2], yc = p[3], sa = Math.Exp(p[4]), sb = Math.Exp(p[5]), c = Math.Cos(p[6]), s = Math.Sin(p[6]);
        double ia = 1 / (sa * sa), ib = 1 / (sb * sb), cost = 0;
        Span<double> row = stackalloc double[7];
        if (normal) { a[..49].Clear(); g[..7].Clear(); }
        for (int i = 0; i < self._m; i++)
        {
            double dx = self._x[i] - xc, dy = self._y[i] - yc;
            double u = dx * c + dy * s, v = -dx * s + dy * c;
            double e = Math.Exp(-0.5 * (u * u * ia + v * v * ib)), ae = amp * e;
            double r = b + ae - self._v[i];
            cost += r * r;
            if (!normal) continue;
            row[0] = 1;
            row[1] = e;
            row[2] = ae * (u * ia * c - v * ib * s);
            row[3] = ae * (u * ia * s + v * ib * c);
            row[4] = ae * u * u * ia;
            row[5] = ae * v * v * ib;
            row[6] = -ae * u * v * (ia - ib);
            Accumulate(row, r, a, g);
        }
        return cost;
    }

    /// <summary>Sky b, then amplitude and centre of each star (a1, x1, y1, a2, x2, y2), then their shared log width.</summary>
    private static double PairModel(ReadOnlySpan<double> p, Span<double> a, Span<double> g, bool normal, CloseDouble self)
    {
        double b = p[0], a1 = p[1], x1 = p[2], y1 = p[3], a2 = p[4], x2 = p[5], y2 = p[6], s = Math.Exp(p[7]), i2 = 1 / (s * s), cost = 0;
        Span<double> row = stackalloc double[8];
        if (normal) { a[..64].Clear(); g[..8].Clear(); }
        // exp(−q/2) of a round Gaussian is a column factor times a row factor: 2(cols + rows)
        // exponentials a call instead of 2·cols·rows (the pair's fit was a tenth of a
        // removal's CPU at 24 MP on the rim nebula, most of it in exp).
        for (int c = 0; c < self._cols; c++)
        {
            double x = self._left + c, d1 = x - x1, d2 = x - x2;
            self._colFactor1[c] = Math.Exp(-0.5 * d1 * d1 * i2); self._colFactor2[c] = Math.Exp(-0.5 * d2 * d2 * i2);
        }
        for (int r = 0; r < self._rows; r++)
        {
            double y = self._top + r, d1 = y - y1, d2 = y - y2;
            self._rowFactor1[r] = Math.Exp(-0.5 * d1 * d1 * i2); self._rowFactor2[r] = Math.Exp(-0.5 * d2 * d2 * i2);
        }
        for (int i = 0; i < self._m; i++)
        {
            double dx1 = self._x[i] - x1, dy1 = self._y[i] - y1, dx2 = self._x[i] - x2, dy2 = self._y[i] - y2;
            double q1 = (dx1 * dx1 + dy1 * dy1) * i2, q2 = (dx2 * dx2 + dy2 * dy2) * i2;
            int pr = i / self._cols, pc = i - pr * self._cols;
            double g1 = self._colFactor1[pc] * self._rowFactor1[pr], g2 = self._colFactor2[pc] * self._rowFactor2[pr];
            double r = b + a1 * g1 + a2 * g2 - self._v[i];
            cost += r * r;
            if (!normal) continue;
            row[0] = 1;
            row[1] = g1; row[2] = a1 * g1 * dx1 * i2; row[3] = a1 * g1 * dy1 * i2;
            row[4] = g2; row[5] = a2 * g2 * dx2 * i2; row[6] = a2 * g2 * dy2 * i2;
            row[7] = a1 * g1 * q1 + a2 * g2 * q2;
            Accumulate(row, r, a, g);
        }
        return cost;
    }

    /// <summary>One pixel's share of JᵀJ (upper triangle) and Jᵀr: its derivatives <paramref name="row"/>, its residual <paramref name="r"/>.</summary>
    private static void Accumulate(ReadOnlySpan<double> row, double r, Span<double> a, Span<double> g)
    {
        int k = row.Length;
        for (int u = 0; u < k; u++)
        {
            double ju = row[u];
            g[u] += ju * r;
            for (int v = u; v < k; v++) a[u * k + v] += ju * row[v];
        }
    }

    /// <summary>
    /// Levenberg–Marquardt from <paramref name="p"/> (updated in place); returns the sum of
    /// squared residuals at the end. Centres stay in the box, log widths between 0.3 px and
    /// twice the box: a step that leaves them is clamped.
    /// </summary>
    private double Fit(Span<double> p, ModelFunction model, int x0, int x1, int y0, int y1, int half)
    {
        int k = p.Length;
        Span<double> a = stackalloc double[MaxParameters * MaxParameters], g = stackalloc double[MaxParameters], step = stackalloc double[MaxParameters], trial = stackalloc double[MaxParameters];
        // A trial's normal equations, computed with its cost: an accepted trial's are the next
        // iteration's (one evaluation a step instead of two; most trials are accepted).
        Span<double> trialA = stackalloc double[MaxParameters * MaxParameters], trialG = stackalloc double[MaxParameters];
        double cost = model(p, a, g, true, this), lambda = 1e-3;
        for (int iteration = 0; iteration < MaxIterations && double.IsFinite(cost); iteration++)
        {
            for (int u = 0; u < k; u++) for (int v = 0; v < u; v++) a[u * k + v] = a[v * k + u];
            bool improved = false;
            while (lambda < 1e10)
            {
                if (!SolveDamped(a, g, step, k, lambda)) { lambda *= 4; continue; }
                for (int u = 0; u < k; u++) trial[u] = p[u] - step[u];
                Clamp(trial, k, x0, x1, y0, y1, half);
                double trialCost = model(trial[..k], trialA, trialG, true, this);
                if (trialCost < cost)
                {
                    bool converged = cost - trialCost <= 1e-9 * cost;
                    trial[..k].CopyTo(p);
                    cost = trialCost;
                    trialA[..(k * k)].CopyTo(a); trialG[..k].CopyTo(g);
                    lambda = Math.Max(1e-9, lambda / 3);
                    improved = !converged;
                    break;
                }
                lambda *= 4;
            }
            if (!improved) break;
        }
        return cost;
    }

    private static void Clamp(Span<double> p, int k, int x0, int x1, int y0, int y1, int half)
    {
        double lo = Math.Log(0.3), hi = Math.Log(2.0 * half);
        if (k == 7)
        {
            p[2] = Math.Clamp(p[2], x0, x1); p[3] = Math.Clamp(p[3], y0, y1);
            p[4] = Math.Clamp(p[4], lo, hi); p[5] = Math.Clamp(p[5], lo, hi);
        }
        else
        {
            p[2] = Math.Clamp(p[2], x0, x1); p[3] = Math.Clamp(p[3], y0, y1);
            p[5] = Math.Clamp(p[5], x0, x1); p[6] = Math.Clamp(p[6], y0, y1);
            p[7] = Math.Clamp(p[7], lo, hi);
        }
    }

    /// <summary>Solves (A + λ·diag A) x = g by Cholesky; false where it is not positive definite.</summary>
    private static bool SolveDamped(ReadOnlySpan<double> a, ReadOnlySpan<double> g, Span<double> x, int k, double lambda)
    {
        Span<double> l = stackalloc double[MaxParameters * MaxParameters];
        for (int u = 0; u < k; u++)
            for (int v = 0; v <= u; v++)
            {
                double sum = a[u * k + v] + (u == v ? lambda * Math.Max(a[u * k + u], 1e-12) : 0);
                for (int t = 0; t < v; t++) sum -= l[u * k + t] * l[v * k + t];
                if (u == v)
                {
                    if (!(sum > 0)) return false;
                    l[u * k + u] = Math.Sqrt(sum);
                }
                else l[u * k + v] = sum / l[v * k + v];
            }
        for (int u = 0; u < k; u++)
        {
            double sum = g[u];
            for (int t = 0; t < u; t++) sum -= l[u * k + t] * x[t];
            x[u] = sum / l[u * k + u];
        }
        for (int u = k - 1; u >= 0; u--)
        {
            double sum = x[u];
            for (int t = u + 1; t < k; t++) sum -= l[t * k + u] * x[t];
            x[u] = sum / l[u * k + u];
        }
        return true;
    }
}
