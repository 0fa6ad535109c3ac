using StarPlugin.Imaging;

namespace StarPlugin.Detection;

/// <summary>
/// Measures one star on the normalised plane: a Gaussian-windowed centroid iterated to
/// convergence (as Source Extractor's XWIN), FWHM and roundness from the windowed
/// second moments, a local background plane from the surrounding annulus, and
/// aperture flux. The window weight exp(-(dx²+dy²)/2σ²) is separable, so each
/// iteration costs 2k exponentials rather than k².
/// </summary>
internal sealed class StarMeasurement
{
    public readonly record struct Result(double X, double Y, double Fwhm, double Roundness, double Flux, double Peak, bool Converged, double Background);

    private readonly ReadOnlyMemory<float> _plane;
    private readonly int _width, _height;
    private double[] _wx = new double[64], _wy = new double[64];
    private float[] _annulus = new float[1024], _residual = new float[1024];
    private double[] _adx = new double[1024], _ady = new double[1024];

    public StarMeasurement(ReadOnlyMemory<float> plane, int width, int height) { _plane = plane; _width = width; _height = height; }

    /// <param name="skyLevel">
    /// The background where it is known better than a ring around the star can tell (a flat
    /// sky's mesh level); null fits a plane to the annulus.
    /// </param>
    public Result Measure(double x0, double y0, float sigmaGuess, double? skyLevel = null)
    {
        double sw = Math.Max(0.7, sigmaGuess);
        int rWin = (int)Math.Ceiling(4 * sw);
        var (b0, bx, by) = skyLevel is { } level ? (level, 0, 0) : AnnulusPlane(x0, y0, 3 * sw + 2, 3 * sw + 6);
        double x = x0, y = y0;
        bool converged = false;
        double inv2S2 = 1 / (2 * sw * sw);
        for (int iter = 0; iter < 16; iter++)
        {
            var (m0, mx, my, _, _, _, _) = Moments(x, y, rWin, inv2S2, b0, bx, by, x0, y0, second: false);
            if (m0 <= 0) break;
            // The factor 2 is Source Extractor's accelerated step for a Gaussian window.
            double stepX = Math.Clamp(2 * mx / m0, -1, 1), stepY = Math.Clamp(2 * my / m0, -1, 1);
            x += stepX; y += stepY;
            if (Math.Abs(x - x0) > 3 || Math.Abs(y - y0) > 3) { x = x0; y = y0; break; }
            if (stepX * stepX + stepY * stepY < 1e-8) { converged = true; break; }
        }

        // Near an edge the window is cut and its centroid leans inwards; a Gaussian through
        // three pixels per axis (a parabola in log intensity) is unbiased there and may
        // place the centre beyond the last pixel centre.
        int ex = (int)Math.Round(x0), ey = (int)Math.Round(y0);
        if (ex < rWin || ey < rWin || ex >= _width - rWin || ey >= _height - rWin)
        {
            x = LogParabola(ex, ey, true, b0, bx, by, x0, y0) ?? x;
            y = LogParabola(ex, ey, false, b0, bx, by, x0, y0) ?? y;
        }

        // Windowed second moments: for a Gaussian star of σs under a window σw,
        // M = σs²σw²/(σs²+σw²), so σs² = M σw² / (σw² - M).
        var (w0, _, _, mxx, myy, mxy, peak) = Moments(x, y, rWin, inv2S2, b0, bx, by, x0, y0, second: true);
        double fwhm = sigmaGuess * Gaussian.FwhmPerSigma, roundness = 0;
        if (w0 > 0)
        {
            mxx /= w0; myy /= w0; mxy /= w0;
            double tr = (mxx + myy) / 2, det = Math.Sqrt(Math.Max(0, (mxx - myy) * (mxx - myy) / 4 + mxy * mxy));
            double l1 = tr + det, l2 = Math.Max(1e-6, tr - det), s2w = sw * sw;
            double Deconv(double mm) => mm < s2w * 0.95 ? mm * s2w / (s2w - mm) : s2w * 19;
            double a = Math.Sqrt(Deconv(l1)), b = Math.Sqrt(Deconv(l2));
            fwhm = Gaussian.FwhmPerSigma * Math.Sqrt((a * a + b * b) / 2);
            roundness = a > 0 ? 1 - b / a : 0;
        }
        double rAp = Math.Max(2.5, 1.5 * fwhm), flux = 0;
        var plane = _plane.Span;
        for (int yy = Math.Max(0, (int)(y - rAp)); yy <= Math.Min(_height - 1, (int)Math.Ceiling(y + rAp)); yy++)
            for (int xx = Math.Max(0, (int)(x - rAp)); xx <= Math.Min(_width - 1, (int)Math.Ceiling(x + rAp)); xx++)
            {
                double dx = xx - x, dy = yy - y;
                if (dx * dx + dy * dy <= rAp * rAp) flux += plane[yy * _width + xx] - (b0 + bx * (xx - x0) + by * (yy - y0));
            }
        return new Result(x, y, fwhm, roundness, flux, peak, converged, b0 + bx * (x - x0) + by * (y - y0));
    }

    private double? LogParabola(int ix, int iy, bool alongX, double b0, double bx, double by, double x0, double y0)
    {
        int n = alongX ? _width : _height, c = alongX ? ix : iy;
        if (n < 3) return null;
        int mid = Math.Clamp(c, 1, n - 2);
        Span<double> v = stackalloc double[3];
        var plane = _plane.Span;
        for (int k = -1; k <= 1; k++)
        {
            int xx = alongX ? mid + k : ix, yy = alongX ? iy : mid + k;
            double val = plane[yy * _width + xx] - (b0 + bx * (xx - x0) + by * (yy - y0));
            if (val <= 0) return null;
            v[k + 1] = Math.Log(val);
        }
        double den = v[0] - 2 * v[1] + v[2];
        if (den >= 0) return null; // not a peak-shaped profile
        double offset = 0.5 * (v[0] - v[2]) / den;
        return Math.Abs(mid + offset - c) <= 1.5 ? mid + offset : null;
    }

    /// <summary>Gaussian-windowed moments of (plane - background plane) about (x, y) within a circle of radius rWin.</summary>
    private (double M0, double Mx, double My, double Mxx, double Myy, double Mxy, double Peak) Moments(
        double x, double y, int rWin, double inv2S2, double b0, double bx, double by, double x0, double y0, bool second)
    {
        int ix = (int)Math.Round(x), iy = (int)Math.Round(y);
        int xa = Math.Max(0, ix - rWin), xb = Math.Min(_width - 1, ix + rWin), ya = Math.Max(0, iy - rWin), yb = Math.Min(_height - 1, iy + rWin);
        if (_wx.Length < 2 * rWin + 1) { _wx = new double[2 * rWin + 1]; _wy = new double[2 * rWin + 1]; }
        for (int xx = xa; xx <= xb; xx++) { double d = xx - x; _wx[xx - xa] = Math.Exp(-d * d * inv2S2); }
        for (int yy = ya; yy <= yb; yy++) { double d = yy - y; _wy[yy - ya] = Math.Exp(-d * d * inv2S2); }
        double m0 = 0, mx = 0, my = 0, mxx = 0, myy = 0, mxy = 0, peak = 0, r2 = (double)rWin * rWin;
        var plane = _plane.Span;
        for (int yy = ya; yy <= yb; yy++)
        {
            double dy = yy - y, dy2 = dy * dy, wy = _wy[yy - ya], rowBg = b0 + by * (yy - y0);
            int row = yy * _width;
            // The row's pixels within the circle are one run (the distance falls, then
            // rises): its ends found by the same test, so the loops below need none and
            // sum the same pixels in the same order (most of the detector's time was here).
            int from = xa, to = xb;
            while (from <= to && (from - x) * (from - x) + dy2 > r2) from++;
            while (to >= from && (to - x) * (to - x) + dy2 > r2) to--;
            if (!second)
            {
                for (int xx = from; xx <= to; xx++)
                {
                    double dx = xx - x;
                    double v = plane[row + xx] - (rowBg + bx * (xx - x0));
                    double w = _wx[xx - xa] * wy * v;
                    m0 += w; mx += w * dx; my += w * dy;
                }
                continue;
            }
            for (int xx = from; xx <= to; xx++)
            {
                double dx = xx - x;
                double v = plane[row + xx] - (rowBg + bx * (xx - x0));
                double w = _wx[xx - xa] * wy * v;
                m0 += w; mx += w * dx; my += w * dy;
                mxx += w * dx * dx; myy += w * dy * dy; mxy += w * dx * dy; if (v > peak) peak = v;
            }
        }
        return (m0, mx, my, mxx, myy, mxy, peak);
    }

    /// <summary>
    /// Least-squares plane b0 + bx·(x-cx) + by·(y-cy) through the annulus, refitted once
    /// without pixels beyond 3σ (neighbouring stars). A plane, not a constant, because
    /// faint stars often sit on a bright star's wing or a nebula edge.
    /// </summary>
    private (double B0, double Bx, double By) AnnulusPlane(double cx, double cy, double r0, double r1)
    {
        int ix = (int)Math.Round(cx), iy = (int)Math.Round(cy), R = (int)Math.Ceiling(r1), n = 0;
        int capacity = (2 * R + 1) * (2 * R + 1);
        if (_annulus.Length < capacity)
        {
            _annulus = new float[capacity]; _residual = new float[capacity]; _adx = new double[capacity]; _ady = new double[capacity];
        }
        var plane = _plane.Span;
        for (int y = Math.Max(0, iy - R); y <= Math.Min(_height - 1, iy + R); y++)
            for (int x = Math.Max(0, ix - R); x <= Math.Min(_width - 1, ix + R); x++)
            {
                double dx = x - cx, dy = y - cy, d2 = dx * dx + dy * dy;
                if (d2 < r0 * r0 || d2 > r1 * r1) continue;
                _adx[n] = dx; _ady[n] = dy; _annulus[n] = plane[y * _width + x]; n++;
            }
        if (n < 6)
        {
            double mean = 0;
            for (int i = 0; i < n; i++) mean += _annulus[i];
            return (n > 0 ? mean / n : 0, 0, 0);
        }
        var fit = FitPlane(n, double.PositiveInfinity, (0, 0, 0));
        for (int i = 0; i < n; i++) _residual[i] = (float)Math.Abs(_annulus[i] - (fit.B0 + fit.Bx * _adx[i] + fit.By * _ady[i]));
        double limit = 3 * RobustStatistics.MadToSigma * RobustStatistics.Select(_residual, 0, n, n / 2) + 1e-12;
        return FitPlane(n, limit, fit);
    }

    private (double B0, double Bx, double By) FitPlane(int count, double limit, (double B0, double Bx, double By) prev)
    {
        double n = 0, sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0, sv = 0, svx = 0, svy = 0;
        for (int i = 0; i < count; i++)
        {
            double dx = _adx[i], dy = _ady[i], v = _annulus[i];
            if (Math.Abs(v - (prev.B0 + prev.Bx * dx + prev.By * dy)) > limit) continue;
            n++; sx += dx; sy += dy; sxx += dx * dx; syy += dy * dy; sxy += dx * dy; sv += v; svx += v * dx; svy += v * dy;
        }
        // Solve the 3×3 normal equations by Cramer's rule.
        double det = n * (sxx * syy - sxy * sxy) - sx * (sx * syy - sxy * sy) + sy * (sx * sxy - sxx * sy);
        if (n < 6 || Math.Abs(det) < 1e-9) return (n > 0 ? sv / n : prev.B0, 0, 0);
        double b0 = (sv * (sxx * syy - sxy * sxy) - sx * (svx * syy - sxy * svy) + sy * (svx * sxy - sxx * svy)) / det;
        double bx = (n * (svx * syy - sxy * svy) - sv * (sx * syy - sxy * sy) + sy * (sx * svy - svx * sy)) / det;
        double by = (n * (sxx * svy - svx * sxy) - sx * (sx * svy - svx * sy) + sv * (sx * sxy - sxx * sy)) / det;
        return (b0, bx, by);
    }
}
