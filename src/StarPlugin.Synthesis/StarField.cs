using StarPlugin.Imaging;

namespace StarPlugin.Synthesis;

/// <summary>One synthetic star's truth. Coordinates are 0-based pixel centres, x = column, y = row from the top.</summary>
public sealed record TrueStar(double X, double Y, double Flux, double Fwhm, PsfKind Kind, double Beta, double Snr, bool Saturated);

/// <summary>
/// A synthetic star field: the observed image, the same sky without stars (same
/// noise realisation off the stars), the noiseless star layer, and the truth list.
/// All images share one scale: ADU / full well, so saturation is 1.0.
/// </summary>
public sealed class StarField
{
    public required AstroImage Image { get; init; }
    public required AstroImage Starless { get; init; }
    public required AstroImage Stars { get; init; }
    public required IReadOnlyList<TrueStar> Truth { get; init; }

    /// <summary>
    /// S/N of a star measured in an aperture of radius FWHM (π·FWHM² pixels):
    /// F / sqrt(F + n·(B + RN²)), all in electrons. The benchmark's "S/N ≥ 10" uses this.
    /// </summary>
    public static double ApertureSnr(double flux, double fwhm, double background, double readNoise)
    {
        double n = Math.PI * fwhm * fwhm;
        return flux / Math.Sqrt(flux + n * (background + readNoise * readNoise));
    }
}
