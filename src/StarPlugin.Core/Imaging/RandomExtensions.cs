namespace StarPlugin.Imaging;

/// <summary>Normal deviates for noise and synthesis, and seeds for per-row generators.</summary>
public static class RandomExtensions
{
    /// <summary>One Box–Muller draw (two uniforms) per call.</summary>
    public static double NextGaussian(this Random r)
    {
        double u1 = 1.0 - r.NextDouble(), u2 = r.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>
    /// A seed for sub-generator <paramref name="index"/> of <paramref name="seed"/> (SplitMix64
    /// finaliser), the same in every process. Not HashCode.Combine: .NET randomises that per
    /// process, which made "seeded" synthetic fields differ from run to run.
    /// </summary>
    public static int SubSeed(int seed, int index)
    {
        ulong z = ((ulong)(uint)seed << 32 | (uint)index) + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (int)(z & 0x7FFFFFFF);
    }
}
