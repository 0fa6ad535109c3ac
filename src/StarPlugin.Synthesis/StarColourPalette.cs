using StarPlugin.Imaging;
namespace StarPlugin.Synthesis;

/// <summary>
/// Star colours as they reach a star remover after processing, not only as physics makes
/// them: blackbody colours pushed through a per-image white balance and colour-saturation
/// boost, plus a few stars of any hue (narrowband palettes, chromatic aberration and
/// aggressive saturation leave red, magenta and green stars in real frames). The first
/// model, trained on plain blackbody colours, left exactly such saturated stars behind.
/// </summary>
internal sealed class StarColourPalette
{
    private readonly float[] _gain = new float[3];
    private readonly float _saturation;
    private readonly double _oddHueShare;

    public StarColourPalette(Random rng)
    {
        for (int c = 0; c < 3; c++) _gain[c] = (float)Math.Exp(rng.NextGaussian() * 0.3);
        _saturation = (float)(0.3 + rng.NextDouble() * 2.7);
        _oddHueShare = rng.NextDouble() < 0.5 ? 0 : rng.NextDouble() * 0.3;
    }

    public float[] Next(Random rng)
    {
        float[] rgb;
        if (rng.NextDouble() < _oddHueShare)
        {
            // Any hue at full saturation, mixed with white by a random amount.
            double hue = rng.NextDouble() * 6, mix = rng.NextDouble();
            rgb = new float[3];
            for (int c = 0; c < 3; c++)
            {
                double d = Math.Abs((hue - c * 2 + 9) % 6 - 3);     // 0 at this channel's hue, 3 opposite
                rgb[c] = (float)(mix * Math.Clamp(2 - d, 0, 1) + (1 - mix));
            }
        }
        else
        {
            var bb = BlackbodyColour.Rgb(3000 + rng.NextDouble() * 12000);
            rgb = new float[3];
            for (int c = 0; c < 3; c++) rgb[c] = 1 + _saturation * (bb[c] - 1);
        }
        float mean = 0;
        for (int c = 0; c < 3; c++) { rgb[c] = Math.Max(rgb[c], 0.03f) * _gain[c]; mean += rgb[c] / 3; }
        for (int c = 0; c < 3; c++) rgb[c] /= mean;
        return rgb;
    }
}
