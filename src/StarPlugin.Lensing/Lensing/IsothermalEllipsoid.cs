namespace StarPlugin.Lensing;

/// <summary>
/// Singular isothermal ellipsoid with external shear. Deflection in the lens frame
/// (x along the major axis), after Kormann, Schneider &amp; Bartelmann (1994):
///   α_x = θE √q/√(1−q²) · atan(√(1−q²) x / ψ),  α_y = θE √q/√(1−q²) · atanh(√(1−q²) y / ψ),
///   ψ = √(q² x² + y²).
/// As q → 1 this tends to the SIS, α = θE r̂. Shear adds (γ1 x + γ2 y, γ2 x − γ1 y).
/// Angles are in pixels.
/// </summary>
public readonly record struct IsothermalEllipsoid(double EinsteinRadius, double AxisRatio, double PositionAngle, double CenterX, double CenterY,
    double Shear = 0, double ShearAngle = 0)
{
    /// <summary>Deflection α at image-plane position (x, y).</summary>
    public (double Ax, double Ay) Deflection(double x, double y)
    {
        double dx = x - CenterX, dy = y - CenterY;
        double ax = 0, ay = 0;
        if (EinsteinRadius > 0)
        {
            double c = Math.Cos(PositionAngle), s = Math.Sin(PositionAngle);
            double u = dx * c + dy * s, v = -dx * s + dy * c; // lens frame
            double q = Math.Clamp(AxisRatio, 1e-3, 1.0);
            double au, av;
            double psi = Math.Sqrt(q * q * u * u + v * v);
            if (psi < 1e-12) { au = 0; av = 0; }
            else if (q > 1 - 1e-6)
            {
                double r = Math.Sqrt(u * u + v * v);
                au = EinsteinRadius * u / r; av = EinsteinRadius * v / r;
            }
            else
            {
                double e = Math.Sqrt(1 - q * q), f = EinsteinRadius * Math.Sqrt(q) / e;
                au = f * Math.Atan(e * u / psi);
                av = f * Math.Atanh(Math.Clamp(e * v / psi, -1 + 1e-12, 1 - 1e-12));
            }
            ax = au * c - av * s; ay = au * s + av * c;
        }
        if (Shear != 0)
        {
            double g1 = Shear * Math.Cos(2 * ShearAngle), g2 = Shear * Math.Sin(2 * ShearAngle);
            ax += g1 * dx + g2 * dy; ay += g2 * dx - g1 * dy;
        }
        return (ax, ay);
    }

    /// <summary>The lens equation: source-plane position β = θ − α(θ).</summary>
    public (double Bx, double By) ToSource(double x, double y)
    {
        var (ax, ay) = Deflection(x, y);
        return (x - ax, y - ay);
    }

    /// <summary>Signed magnification 1/det(∂β/∂θ) by central differences.</summary>
    public double Magnification(double x, double y, double h = 1e-4)
    {
        var (b1x, b1y) = ToSource(x + h, y); var (b2x, b2y) = ToSource(x - h, y);
        var (b3x, b3y) = ToSource(x, y + h); var (b4x, b4y) = ToSource(x, y - h);
        double a11 = (b1x - b2x) / (2 * h), a21 = (b1y - b2y) / (2 * h), a12 = (b3x - b4x) / (2 * h), a22 = (b3y - b4y) / (2 * h);
        return 1 / (a11 * a22 - a12 * a21);
    }
}
