using StarPlugin.Imaging;
using StarPlugin.Synthesis;

namespace StarPlugin.Lensing.Training;

/// <summary>A rendered g/r/z cutout and what made it.</summary>
public sealed record SurveyField(AstroImage Image, double[] FwhmPx, double[] Sigma, double LensX, double LensY);

/// <summary>
/// Galaxy-cluster cutouts as the DESI Legacy Surveys record them: 0.262"/px, seeing
/// 1.1–1.7" (z sharpest, g softest), sky-subtracted coadds in nanomaggies with the
/// survey's per-pixel noise (median 5σ point-source depths of DR9, g 24.7, r 24.1, z 23.3). A red
/// central galaxy (de Vaucouleurs-like Sérsic) sits near the middle, with red cluster
/// members, bluer field galaxies of all shapes and a few stars around it.
/// </summary>
public static class SurveyFieldRenderer
{
    public const double PixelScale = 0.262;
    /// <summary>Per-pixel σ in nanomaggies at nominal depth, g, r, z.</summary>
    private static readonly double[] NominalSigma = [0.0035, 0.0061, 0.0128];

    public static SurveyField Render(int size, Random rng)
    {
        double seeingR = 1.15 + rng.NextDouble() * 0.4;
        double[] fwhm = [seeingR * (1.0 + rng.NextDouble() * 0.15) / PixelScale, seeingR / PixelScale, seeingR * (0.85 + rng.NextDouble() * 0.15) / PixelScale];
        double depth = 0.7 + rng.NextDouble() * 0.8;
        var sigma = NominalSigma.Select(s => s * depth).ToArray();
        var sky = new SkyLight(size);
        double c = (size - 1) / 2.0;

        // The lens: a bright red elliptical near the centre, as the cluster catalogue places it.
        double lx = c + rng.NextGaussian() * 1.2, ly = c + rng.NextGaussian() * 1.2;
        sky.Add(SkyLight.Sersic(size, lx, ly, 3 + rng.NextDouble() * 12, 3 + rng.NextDouble() * 2, 0.55 + rng.NextDouble() * 0.45, rng.NextDouble() * Math.PI),
            RedColour(rng, Flux(16.5 + rng.NextDouble() * 3.5)));
        // Cluster members: red, smaller.
        int members = rng.Next(1, 9);
        for (int i = 0; i < members; i++)
        {
            double x = rng.NextDouble() * size, y = rng.NextDouble() * size;
            sky.Add(SkyLight.Sersic(size, x, y, 1.5 + rng.NextDouble() * 6, 2.5 + rng.NextDouble() * 2, 0.5 + rng.NextDouble() * 0.5, rng.NextDouble() * Math.PI),
                RedColour(rng, Flux(18 + rng.NextDouble() * 4)));
        }
        // Field galaxies: discs and irregulars of any colour, mostly faint.
        int field = rng.Next(3, 16);
        for (int i = 0; i < field; i++)
        {
            double x = rng.NextDouble() * size, y = rng.NextDouble() * size, mag = 20 + rng.NextDouble() * 4;
            float[] shape;
            if (rng.NextDouble() < 0.25)
            {
                shape = new float[size * size];
                GalaxyRenderer.Clumpy(shape, size, size, x, y, 1 + rng.NextDouble() * 3, 0.3 + rng.NextDouble() * 0.7, rng.NextDouble() * Math.PI, 1, 1f, rng);
                SkyLight.Normalise(shape);
            }
            else shape = SkyLight.Sersic(size, x, y, 0.6 + rng.NextDouble() * 3.5, 0.6 + rng.NextDouble() * 2, 0.25 + rng.NextDouble() * 0.75, rng.NextDouble() * Math.PI);
            sky.Add(shape, FieldColour(rng, Flux(mag)));
        }
        // Stars.
        int stars = rng.Next(0, 4);
        for (int i = 0; i < stars; i++)
            sky.Add(SkyLight.Point(size, rng.NextDouble() * size, rng.NextDouble() * size), StarColour(rng, Flux(17 + rng.NextDouble() * 6)));

        var planes = sky.Blurred(fwhm);
        var img = new AstroImage(size, size, 3, new ImageMetadata { SourceFormat = SampleFormat.Float32 });
        for (int b = 0; b < 3; b++)
        {
            var p = img.Plane(b); var src = planes[b];
            // Sky noise plus the objects' own shot noise (an effective gain of ~ 1/(25σ) per nanomaggy).
            for (int i = 0; i < p.Length; i++)
            {
                double v = src[i], var = sigma[b] * sigma[b] + Math.Max(v, 0) * sigma[b] / 25;
                p[i] = (float)(v + rng.NextGaussian() * Math.Sqrt(var));
            }
        }
        return new SurveyField(img, fwhm, sigma, lx, ly);
    }

    /// <summary>Nanomaggies of an AB magnitude (22.5 is 1 nmgy).</summary>
    public static double Flux(double mag) => Math.Pow(10, (22.5 - mag) / 2.5);

    /// <summary>An early-type cluster galaxy at z ≈ 0.2–0.5: g − r ≈ 1.2–1.8, r − z ≈ 0.7–1.1.</summary>
    public static double[] RedColour(Random rng, double fluxR) =>
        [fluxR * Math.Pow(10, -(1.2 + rng.NextDouble() * 0.6) / 2.5), fluxR, fluxR * Math.Pow(10, (0.7 + rng.NextDouble() * 0.4) / 2.5)];

    /// <summary>A field galaxy: anything from blue star-forming to red.</summary>
    public static double[] FieldColour(Random rng, double fluxR) =>
        [fluxR * Math.Pow(10, -(0.2 + rng.NextDouble() * 1.4) / 2.5), fluxR, fluxR * Math.Pow(10, (0.1 + rng.NextDouble() * 0.9) / 2.5)];

    /// <summary>A blue source, as the lensed star-forming galaxies behind clusters are: g − r ≈ 0–0.7, r − z ≈ 0–0.6.</summary>
    public static double[] BlueColour(Random rng, double fluxR) =>
        [fluxR * Math.Pow(10, -(rng.NextDouble() * 0.7) / 2.5), fluxR, fluxR * Math.Pow(10, (rng.NextDouble() * 0.6) / 2.5)];

    public static double[] StarColour(Random rng, double fluxR) =>
        [fluxR * Math.Pow(10, -(-0.3 + rng.NextDouble() * 1.8) / 2.5), fluxR, fluxR * Math.Pow(10, (-0.2 + rng.NextDouble() * 1.4) / 2.5)];
}
