namespace StarPlugin.Imaging;

/// <summary>Constants of the Gaussian profile, in one place.</summary>
public static class Gaussian
{
    /// <summary>FWHM = 2√(2 ln 2) σ ≈ 2.35482 σ.</summary>
    public const double FwhmPerSigma = 2.3548200450309493;
}
