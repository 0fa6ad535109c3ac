namespace StarPlugin.Synthesis;

/// <summary>
/// Seeded 2-D value noise with quintic interpolation, fractal sums (fBm) and domain
/// warping. Deterministic for a seed and independent of evaluation order, so rows can
/// be rendered on any thread.
/// </summary>
public sealed class ValueNoise(int seed)
{
    private readonly uint _seed = (uint)seed * 0x9E3779B1u + 0x7F4A7C15u;

    private float Lattice(int x, int y)
    {
        uint h = (uint)x * 0x8DA6B343u ^ (uint)y * 0xD8163841u ^ _seed;
        h ^= h >> 15; h *= 0x2C1B3C6Du; h ^= h >> 12; h *= 0x297A2D39u; h ^= h >> 15;
        return (h & 0xFFFFFF) / (float)0xFFFFFF * 2f - 1f;
    }

    private static float Fade(float t) => t * t * t * (t * (t * 6f - 15f) + 10f);

    /// <summary>Noise in [-1, 1] with unit lattice spacing.</summary>
    public float Sample(float x, float y)
    {
        int x0 = (int)MathF.Floor(x), y0 = (int)MathF.Floor(y);
        float fx = Fade(x - x0), fy = Fade(y - y0);
        float a = Lattice(x0, y0), b = Lattice(x0 + 1, y0), c = Lattice(x0, y0 + 1), d = Lattice(x0 + 1, y0 + 1);
        float top = a + (b - a) * fx, bottom = c + (d - c) * fx;
        return top + (bottom - top) * fy;
    }

    /// <summary>Fractal Brownian motion: octaves of halving scale and amplitude <paramref name="gain"/>^k, normalised to about [-1, 1].</summary>
    public float Fbm(float x, float y, int octaves, float gain = 0.5f, float lacunarity = 2.03f)
    {
        float sum = 0, amp = 1, norm = 0;
        for (int o = 0; o < octaves; o++)
        {
            sum += amp * Sample(x + o * 17.31f, y - o * 11.71f);
            norm += amp;
            amp *= gain;
            x *= lacunarity; y *= lacunarity;
        }
        return sum / norm;
    }

    /// <summary>Domain-warped fBm: the coordinates are displaced by two other fBm fields, which draws filaments and shock-like fronts.</summary>
    public float Warped(float x, float y, int octaves, float warp)
    {
        float qx = Fbm(x + 5.2f, y + 1.3f, 3), qy = Fbm(x - 8.3f, y + 2.8f, 3);
        return Fbm(x + warp * qx, y + warp * qy, octaves);
    }
}
