using StarPlugin.Imaging;
using StarPlugin.Progress;
using StarPlugin.Removal;

namespace StarPlugin.Synthesis;

/// <summary>
/// The PSF FWHM a PSF-aware model is given with a training pair: what the remover's own
/// estimate (<see cref="FieldPsf"/>) reads on a frame of these optics and this data
/// domain that holds enough stars. Not the drawn FWHM: a stretch widens stars in the
/// model domain, and the model must learn the number the engine will hand it. Not a
/// reading of the pair itself either: a 128-px patch with a handful of stars, or a
/// deep field crowded with galaxies, gives a noisy or default value (it correlated 0.46
/// with the drawn FWHM), while the engine measures whole frames, cell by cell.
/// </summary>
internal static class PsfCalibration
{
    private const int Side = 192, Stars = 120;

    /// <summary>
    /// Renders <see cref="Stars"/> stars of the pair's PSF family and flux distribution
    /// (<see cref="TrainingPairSynthesizer.DrawStar"/>) on flat sky with the pair's noise and domain, and measures it.
    /// Its own random stream: the pair's draws stay as they were.
    /// </summary>
    public static float Measure(int seed, float fwhmBase, float sky, float readNoise, float fullWell, double logMinFlux, double logMaxFlux, DomainTransform domain)
    {
        var rng = new Random(seed ^ 0x5053460);
        var plane = new float[Side * Side];
        Array.Fill(plane, sky);
        for (int i = 0; i < Stars; i++)
        {
            var (flux, psf) = TrainingPairSynthesizer.DrawStar(rng, fwhmBase, logMinFlux, logMaxFlux);
            psf.Render(plane, Side, Side, rng.NextDouble() * Side - 0.5, rng.NextDouble() * Side - 0.5, flux, floor: 0.2f);
        }
        for (int i = 0; i < plane.Length; i++)
        {
            float v = plane[i];
            v += (float)rng.NextGaussian() * MathF.Sqrt(v) + (float)rng.NextGaussian() * readNoise;
            plane[i] = Math.Min(v, fullWell) / fullWell;
        }
        domain.Apply(plane);
        return (float)ResidualStarCleanup.FindSources(plane, ModelDomain.Scale(1f), 1, Side, Side, ProgressReporter.None).Psf.Global;
    }
}
