using StarPlugin.Imaging;

namespace StarPlugin.Astrometry;

/// <summary>
/// The celestial world coordinate system of a FITS header (Greisen &amp; Calabretta 2002,
/// Calabretta &amp; Greisen 2002): FITS pixel (p1, p2), 1-based, → optional SIP distortion
/// → linear transform (CDi_j, or PCi_j × CDELTi, or CROTA2) → optional TPV distortion →
/// zenithal projection (TAN, SIN, ARC, STG, ZEA) → spherical rotation to (RA, Dec) in
/// degrees, and back. Pure: cards in, transforms out. Reference: astropy.wcs
/// (all_pix2world / all_world2pix), which the tests match to 1e-8 degrees.
/// </summary>
public sealed class CelestialWcs
{
    private const double Deg = Math.PI / 180, Rad = 180 / Math.PI;

    private readonly double _crpix1, _crpix2;
    private readonly double _m11, _m12, _m21, _m22;      // intermediate (axis 1, 2) = M · pixel offset
    private readonly double _i11, _i12, _i21, _i22;      // M⁻¹
    private readonly bool _swapped;                       // axis 1 is latitude (DEC--xxx first)
    private readonly double _ra0, _dec0, _phiP;           // celestial pole of the native system, LONPOLE
    private readonly ZenithalProjection _projection;
    private readonly SipDistortion? _sip;
    private readonly TpvDistortion? _tpv;

    /// <summary>Reference frame for region files and users: icrs, fk5 or fk4.</summary>
    public string Frame { get; }
    /// <summary>EQUINOX (years) for fk4/fk5; NaN for ICRS.</summary>
    public double Equinox { get; }
    /// <summary>Projection code as written (TAN, TPV, SIN, ARC, STG, ZEA), with "-SIP" when SIP applies.</summary>
    public string Projection { get; }
    /// <summary>Approximate pixel scale, arcseconds per pixel (square root of |det M|).</summary>
    public double PixelScaleArcsec => Math.Sqrt(Math.Abs(_m11 * _m22 - _m12 * _m21)) * 3600;

    private CelestialWcs(WcsCards c)
    {
        string ctype1 = (c.String("CTYPE1") ?? "").ToUpperInvariant(), ctype2 = (c.String("CTYPE2") ?? "").ToUpperInvariant();
        _swapped = ctype1.StartsWith("DEC-", StringComparison.Ordinal);
        string lng = _swapped ? ctype2 : ctype1, lat = _swapped ? ctype1 : ctype2;
        if (!lng.StartsWith("RA--", StringComparison.Ordinal) || !lat.StartsWith("DEC-", StringComparison.Ordinal) || lng.Length < 8 || lat.Length < 8)
            throw new WcsException($"WCS axes CTYPE1 = '{ctype1}', CTYPE2 = '{ctype2}' are not an RA/Dec pair");
        string code = lng.Substring(5, 3), code2 = lat.Substring(5, 3);
        if (code != code2) throw new WcsException($"WCS axes use different projections ({code}, {code2})");
        bool sipSuffix = lng.EndsWith("-SIP", StringComparison.Ordinal) || lat.EndsWith("-SIP", StringComparison.Ordinal);
        foreach (string key in new[] { "CUNIT1", "CUNIT2" })
            if (c.String(key) is { Length: > 0 } unit && !unit.Equals("deg", StringComparison.OrdinalIgnoreCase))
                throw new WcsException($"WCS {key} = '{unit}': only degrees are supported");

        if (code == "TPV")
        {
            _projection = new ZenithalProjection("TAN");
            _tpv = TpvDistortion.Read(c, 1, 2);
        }
        else
        {
            _projection = new ZenithalProjection(code);
            if (code == "SIN" && (c.Real("PV2_1", 0) != 0 || c.Real("PV2_2", 0) != 0))
                throw new WcsException("WCS: slant orthographic (SIN with PV2_1/PV2_2) is not supported");
        }
        // astropy applies SIP coefficients even without the "-SIP" suffix (with a warning); so do we.
        _sip = SipDistortion.Read(c);
        Projection = code + (_sip != null ? "-SIP" : "");

        if (c.Real("CRVAL1") is not { } crval1 || c.Real("CRVAL2") is not { } crval2)
            throw new WcsException("WCS: CRVAL1/CRVAL2 missing");
        _crpix1 = c.Real("CRPIX1", 0);
        _crpix2 = c.Real("CRPIX2", 0);
        (_ra0, _dec0) = _swapped ? (crval2, crval1) : (crval1, crval2);
        if (Math.Abs(_dec0) > 90) throw new WcsException($"WCS: reference declination {_dec0} is outside ±90°");

        // Linear part, in the order the standard gives precedence: CD, then PC with CDELT,
        // then the old CROTA2 with CDELT.
        bool hasCd = c.Keys.Any(k => k.StartsWith("CD", StringComparison.Ordinal) && k.Length == 5 && k[3] == '_' && k[2] is '1' or '2' && k[4] is '1' or '2');
        bool hasPc = c.Keys.Any(k => k.StartsWith("PC", StringComparison.Ordinal) && k.Length == 5 && k[3] == '_' && k[2] is '1' or '2' && k[4] is '1' or '2');
        double cdelt1 = c.Real("CDELT1", 1), cdelt2 = c.Real("CDELT2", 1);
        if (hasPc || !hasCd)
        {
            double pc11 = c.Real("PC1_1", 1), pc12 = c.Real("PC1_2", 0), pc21 = c.Real("PC2_1", 0), pc22 = c.Real("PC2_2", 1);
            if (!hasPc && c.Real("CROTA2") is { } rho && rho != 0)
            {
                double cr = Math.Cos(rho * Deg), sr = Math.Sin(rho * Deg);
                // Calabretta & Greisen (2002) eq. 189 in PC form.
                pc11 = cr; pc12 = -sr * cdelt2 / cdelt1; pc21 = sr * cdelt1 / cdelt2; pc22 = cr;
            }
            (_m11, _m12, _m21, _m22) = (cdelt1 * pc11, cdelt1 * pc12, cdelt2 * pc21, cdelt2 * pc22);
        }
        else
            (_m11, _m12, _m21, _m22) = (c.Real("CD1_1", 0), c.Real("CD1_2", 0), c.Real("CD2_1", 0), c.Real("CD2_2", 0));
        double det = _m11 * _m22 - _m12 * _m21;
        if (det == 0 || !double.IsFinite(det)) throw new WcsException("WCS: the CD/PC matrix is singular");
        (_i11, _i12, _i21, _i22) = (_m22 / det, -_m12 / det, -_m21 / det, _m11 / det);

        // Zenithal projections put the native pole at the reference point (θ0 = 90°), so
        // the native pole's celestial position is CRVAL; LONPOLE defaults to 180° unless δ0 = 90°.
        _phiP = c.Real("LONPOLE") ?? (_dec0 >= 90 ? 0 : 180);

        string? radesys = c.String("RADESYS") ?? c.String("RADECSYS");
        double? equinox = c.Real("EQUINOX") ?? c.Real("EPOCH");
        string sys = radesys?.ToUpperInvariant() ?? (equinox is null ? "ICRS" : equinox < 1984 ? "FK4" : "FK5");
        Frame = sys switch { "ICRS" => "icrs", "FK4" or "FK4-NO-E" => "fk4", _ => "fk5" };
        Equinox = Frame == "icrs" ? double.NaN : equinox ?? (Frame == "fk4" ? 1950 : 2000);
    }

    /// <summary>The header's celestial WCS, or null when it has none (no RA/Dec axes on axes 1 and 2).</summary>
    /// <exception cref="WcsException">The header declares one that is malformed or uses a projection we do not implement.</exception>
    public static CelestialWcs? FromCards(IEnumerable<FitsCard> cards)
    {
        var c = new WcsCards(cards);
        string ctype1 = (c.String("CTYPE1") ?? "").ToUpperInvariant(), ctype2 = (c.String("CTYPE2") ?? "").ToUpperInvariant();
        bool celestial = ctype1.StartsWith("RA--", StringComparison.Ordinal) || ctype1.StartsWith("DEC-", StringComparison.Ordinal)
                      || ctype2.StartsWith("RA--", StringComparison.Ordinal) || ctype2.StartsWith("DEC-", StringComparison.Ordinal);
        return celestial ? new CelestialWcs(c) : null;
    }

    /// <summary>FITS pixel (1-based; p2 counts FITS rows) → (RA, Dec) in degrees, RA in [0, 360).</summary>
    public (double Ra, double Dec) PixelToSky(double p1, double p2)
    {
        double u = p1 - _crpix1, v = p2 - _crpix2;
        if (_sip != null) (u, v) = _sip.Forward(u, v);
        double x1 = _m11 * u + _m12 * v, x2 = _m21 * u + _m22 * v;
        if (_tpv != null) (x1, x2) = _tpv.Forward(x1, x2);
        var (x, y) = _swapped ? (x2, x1) : (x1, x2);
        var (phi, theta) = _projection.ToNative(x, y);
        return NativeToCelestial(phi, theta);
    }

    /// <summary>(RA, Dec) in degrees → FITS pixel (1-based); NaN where the projection does not reach.</summary>
    public (double P1, double P2) SkyToPixel(double ra, double dec)
    {
        var (phi, theta) = CelestialToNative(ra, dec);
        var (x, y) = _projection.FromNative(phi, theta);
        if (!double.IsFinite(x) || !double.IsFinite(y)) return (double.NaN, double.NaN);
        var (x1, x2) = _swapped ? (y, x) : (x, y);
        if (_tpv != null) (x1, x2) = _tpv.Inverse(x1, x2);
        double u = _i11 * x1 + _i12 * x2, v = _i21 * x1 + _i22 * x2;
        if (_sip != null) (u, v) = _sip.Inverse(u, v);
        return (u + _crpix1, v + _crpix2);
    }

    /// <summary>Native (φ, θ) → celestial (α, δ): Calabretta &amp; Greisen (2002) eq. 2, the native pole at (α0, δ0).</summary>
    private (double Ra, double Dec) NativeToCelestial(double phi, double theta)
    {
        var (ra, dec) = Rotate(phi, theta, _phiP, _ra0);
        ra %= 360;
        if (ra < 0) ra += 360;
        return (ra, dec);
    }

    /// <summary>Celestial (α, δ) → native (φ, θ): eq. 5, the same rotation with the roles of the poles swapped.</summary>
    private (double Phi, double Theta) CelestialToNative(double ra, double dec) => Rotate(ra, dec, _ra0, _phiP);

    /// <summary>
    /// The spherical rotation both ways share: longitude out = lonOut + atan2(−cos b sin(a − lonIn),
    /// sin b cos δp − cos b sin δp cos(a − lonIn)). Latitudes come from atan2 of sine and
    /// cosine, not asin: near ±90° (every reference point of a zenithal projection) asin
    /// turns a rounding error of 1e-16 into 1e-6 degrees.
    /// </summary>
    private (double Lon, double Lat) Rotate(double lon, double lat, double lonIn, double lonOut)
    {
        double b = lat * Deg, da = (lon - lonIn) * Deg, d0 = _dec0 * Deg;
        double sb = Math.Sin(b), cb = Math.Cos(b), sd0 = Math.Sin(d0), cd0 = Math.Cos(d0);
        double x = sb * cd0 - cb * sd0 * Math.Cos(da), y = -cb * Math.Sin(da);
        return (lonOut + Math.Atan2(y, x) * Rad, Math.Atan2(sb * sd0 + cb * cd0 * Math.Cos(da), Math.Sqrt(x * x + y * y)) * Rad);
    }

    /// <summary>The sky position of an in-memory pixel (row 0 at the top) of an image whose header this is.</summary>
    public (double Ra, double Dec) PixelToSky(PixelFrame fitsGrid, double x, double y) => PixelToSky(x + 1, fitsGrid.Y(y) + 1);
}
