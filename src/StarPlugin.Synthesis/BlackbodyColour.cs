namespace StarPlugin.Synthesis;

/// <summary>Approximate linear RGB of a blackbody (Planck law sampled at 610/550/465 nm), normalised to mean 1.</summary>
public static class BlackbodyColour
{
    public static float[] Rgb(double kelvin)
    {
        static double Planck(double nm, double t)
        {
            double l = nm * 1e-9;
            return 1.0 / (Math.Pow(l, 5) * (Math.Exp(1.438777e-2 / (l * t)) - 1.0));
        }
        double r = Planck(610, kelvin), g = Planck(550, kelvin), b = Planck(465, kelvin);
        double mean = (r + g + b) / 3;
        return [(float)(r / mean), (float)(g / mean), (float)(b / mean)];
    }
}
