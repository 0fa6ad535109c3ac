using StarPlugin.Synthesis;

namespace StarPlugin.Lensing;

/// <summary>An elliptical Sérsic source: I(R) = Ie·exp(−b_n((R/Re)^(1/n) − 1)), centred at (X, Y) in source-plane pixels.</summary>
public readonly record struct SersicSource(double X, double Y, double EffectiveRadius, double Index, double AxisRatio, double PositionAngle, double Ie = 1)
{
    public double SurfaceBrightness(double bx, double by)
    {
        double dx = bx - X, dy = by - Y, c = Math.Cos(PositionAngle), s = Math.Sin(PositionAngle);
        double u = dx * c + dy * s, v = (-dx * s + dy * c) / Math.Clamp(AxisRatio, 0.05, 1);
        double r = Math.Sqrt(u * u + v * v) / Math.Max(EffectiveRadius, 1e-3);
        return Ie * Math.Exp(-GalaxyRenderer.SersicB(Index) * (Math.Pow(r, 1 / Index) - 1));
    }
}
