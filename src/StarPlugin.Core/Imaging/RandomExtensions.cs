namespace StarPlugin.Imaging;

/// <summary>Normal deviates for noise and synthesis: one Box–Muller draw (two uniforms) per call.</summary>
public static class RandomExtensions
{
    public static double NextGaussian(this Random r)
    {
        double u1 = 1.0 - r.NextDouble(), u2 = r.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
