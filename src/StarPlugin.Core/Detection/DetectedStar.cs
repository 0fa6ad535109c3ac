namespace StarPlugin.Detection;

/// <summary>
/// One catalogue entry. Row/Col are the integer peak of the correlation map as in the
/// design; X/Y are the refined sub-pixel centroid (0-based, x = column, y = row from top).
/// Brightness is the contrast-normalised value at the peak, (v - min)/(max - min).
/// Flux is background-subtracted, in input units summed over the aperture; Background
/// is the sky per pixel under the star, in input units (NaN when not measured).
/// Hosts map positions to the file's convention (<see cref="Imaging.PixelFrame"/>) and
/// units to physical ones (<see cref="Imaging.ImageMetadata.PhysicalScale"/>).
/// </summary>
public sealed record DetectedStar(
    int Row, int Col, float Coefficient, float Brightness,
    double X, double Y, double Flux, double Fwhm, double Snr, double Roundness,
    float Width, bool Saturated)
{
    public double Background { get; init; } = double.NaN;
}
