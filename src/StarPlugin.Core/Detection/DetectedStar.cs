namespace StarPlugin.Detection;

/// <summary>
/// One catalogue entry. Row/Col are the integer peak of the correlation map as in the
/// design; X/Y are the refined sub-pixel centroid (0-based, x = column, y = row from top).
/// Brightness is the contrast-normalised value at the peak, (v - min)/(max - min).
/// Flux is background-subtracted, in input units summed over the aperture.
/// </summary>
public sealed record DetectedStar(
    int Row, int Col, float Coefficient, float Brightness,
    double X, double Y, double Flux, double Fwhm, double Snr, double Roundness,
    float Width, bool Saturated);
