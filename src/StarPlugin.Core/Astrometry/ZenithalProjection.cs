namespace StarPlugin.Astrometry;

/// <summary>
/// Zenithal projections of the FITS WCS (Calabretta &amp; Greisen 2002, §5.1): the native
/// pole sits at the reference point, and each projection is a radius R(θ) in degrees
/// of intermediate world coordinates: x = R sin φ, y = −R cos φ.
/// </summary>
internal sealed class ZenithalProjection
{
    private const double Deg = Math.PI / 180, Rad = 180 / Math.PI;

    public string Code { get; }

    public ZenithalProjection(string code)
    {
        if (code is not ("TAN" or "SIN" or "ARC" or "STG" or "ZEA"))
            throw new WcsException($"WCS projection {code} is not supported (TAN, TPV, SIN, ARC, STG, ZEA are)");
        Code = code;
    }

    /// <summary>Intermediate world coordinates (degrees) → native longitude φ and latitude θ (degrees).</summary>
    public (double Phi, double Theta) ToNative(double x, double y)
    {
        double r = Math.Sqrt(x * x + y * y);
        double phi = r == 0 ? 0 : Math.Atan2(x, -y) * Rad;
        double theta = Code switch
        {
            "TAN" => Math.Atan2(Rad, r) * Rad,
            "SIN" => r * Deg <= 1 ? Math.Acos(r * Deg) * Rad : double.NaN, // beyond the projected hemisphere
            "ARC" => 90 - r,
            "STG" => 90 - 2 * Math.Atan(r * Deg / 2) * Rad,
            _ => r * Deg / 2 <= 1 ? 90 - 2 * Math.Asin(r * Deg / 2) * Rad : double.NaN,
        };
        return (phi, theta);
    }

    /// <summary>Native (φ, θ) in degrees → intermediate world coordinates (degrees); NaN where the projection has no image.</summary>
    public (double X, double Y) FromNative(double phi, double theta)
    {
        double t = theta * Deg;
        double r = Code switch
        {
            "TAN" => theta > 0 ? Rad * Math.Cos(t) / Math.Sin(t) : double.NaN,
            "SIN" => theta >= 0 ? Rad * Math.Cos(t) : double.NaN,
            "ARC" => 90 - theta,
            "STG" => theta > -90 ? 2 * Rad * Math.Tan((90 - theta) * Deg / 2) : double.NaN,
            _ => 2 * Rad * Math.Sin((90 - theta) * Deg / 2),
        };
        double p = phi * Deg;
        return (r * Math.Sin(p), -r * Math.Cos(p));
    }
}
