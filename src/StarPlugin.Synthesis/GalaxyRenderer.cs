namespace StarPlugin.Synthesis;

/// <summary>
/// Galaxies for training data, so the star remover learns to keep them: Sérsic bulges
/// and exponential discs with logarithmic spiral arms, and small elliptical background
/// galaxies. All are extended (larger and smoother than the PSF), which is what
/// separates them from stars.
/// </summary>
public static class GalaxyRenderer
{
    /// <summary>b_n of the Sérsic profile (Ciotti &amp; Bertin's approximation).</summary>
    public static double SersicB(double n) => 2 * n - 1.0 / 3 + 4 / (405 * n) + 46 / (25515 * n * n);

    /// <summary>Adds a Sérsic ellipse of surface brightness <paramref name="ie"/> at R_e.</summary>
    public static void Sersic(Span<float> plane, int w, int h, double cx, double cy, double re, double n, double q, double pa, double ie, float weight = 1f)
    {
        double b = SersicB(n), cos = Math.Cos(pa), sin = Math.Sin(pa);
        int R = (int)Math.Min(Math.Max(w, h), Math.Ceiling(re * Math.Pow(12 / b + 1, n) * 1.2 + 3));
        for (int y = Math.Max(0, (int)(cy - R)); y <= Math.Min(h - 1, (int)(cy + R)); y++)
            for (int x = Math.Max(0, (int)(cx - R)); x <= Math.Min(w - 1, (int)(cx + R)); x++)
            {
                double dx = x - cx, dy = y - cy;
                double u = dx * cos + dy * sin, v = (-dx * sin + dy * cos) / q;
                double r = Math.Sqrt(u * u + v * v) / re;
                double val = ie * Math.Exp(-b * (Math.Pow(r, 1 / n) - 1));
                if (val > 1e-3) plane[y * w + x] += (float)(val * weight);
            }
    }

    /// <summary>
    /// An irregular galaxy: a faint exponential body with two to four compact knots
    /// scattered along its major axis. Each knot alone is PSF-sized; together they are
    /// what deep fields are full of, and the remover must keep all of them.
    /// </summary>
    public static void Clumpy(Span<float> plane, int w, int h, double cx, double cy, double re, double q, double pa, double ie, float weight, Random rng)
    {
        Sersic(plane, w, h, cx, cy, re, 1, q, pa, ie * 0.5, weight);
        int knots = 2 + rng.Next(3);
        double cos = Math.Cos(pa), sin = Math.Sin(pa);
        for (int k = 0; k < knots; k++)
        {
            double along = (rng.NextDouble() * 2 - 1) * re * 1.5, across = (rng.NextDouble() * 2 - 1) * re * q * 0.8;
            double kx = cx + along * cos - across * sin, ky = cy + along * sin + across * cos;
            Sersic(plane, w, h, kx, ky, 0.5 + rng.NextDouble() * re * 0.3, 1 + rng.NextDouble(), 0.6 + rng.NextDouble() * 0.4, rng.NextDouble() * Math.PI, ie * (1 + rng.NextDouble() * 3), weight);
        }
    }

    /// <summary>A spiral: bulge, exponential disc modulated by two logarithmic arms, plus a tilt.</summary>
    public static void Spiral(Span<float> plane, int w, int h, double cx, double cy, double size, double q, double pa, double brightness, double armPitch, float weight, Random rng)
    {
        Sersic(plane, w, h, cx, cy, size * 0.15, 2.5 + rng.NextDouble() * 1.5, Math.Min(1, q + 0.2), pa, brightness * 2, weight);
        double cos = Math.Cos(pa), sin = Math.Sin(pa), scale = size * 0.35, phase = rng.NextDouble() * Math.PI;
        int R = (int)Math.Ceiling(size * 1.6);
        double tanPitch = Math.Tan(armPitch);
        for (int y = Math.Max(0, (int)(cy - R)); y <= Math.Min(h - 1, (int)(cy + R)); y++)
            for (int x = Math.Max(0, (int)(cx - R)); x <= Math.Min(w - 1, (int)(cx + R)); x++)
            {
                double dx = x - cx, dy = y - cy;
                double u = dx * cos + dy * sin, v = (-dx * sin + dy * cos) / q;
                double r = Math.Sqrt(u * u + v * v);
                double disc = Math.Exp(-r / scale);
                if (disc < 1e-3) continue;
                double theta = Math.Atan2(v, u);
                double arm = Math.Cos(2 * (theta - Math.Log(r + 1) / tanPitch) + phase);
                double mod = 0.45 + 0.55 * Math.Pow(Math.Max(0, arm), 2);
                plane[y * w + x] += (float)(brightness * disc * mod * weight);
            }
    }
}
