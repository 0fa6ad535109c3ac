namespace StarPlugin.Detection;

/// <summary>
/// A separable Gaussian of width g (σ) on a (2R+1)² window, R = ceil(3g), with the
/// constants the normalized correlation needs: mean and Σ(G - Ḡ)².
/// </summary>
internal sealed class GaussianKernel
{
    public float Sigma { get; }
    /// <summary>The extended-source guard: winning with it rejects a candidate.</summary>
    public bool IsGuard { get; init; }
    public int Radius { get; }
    public int Size => 2 * Radius + 1;
    /// <summary>1-D weights; G(x,y) = w[x]·w[y].</summary>
    public float[] Weights { get; }
    public float Mean { get; }
    /// <summary>sqrt(Σ(G - Ḡ)²).</summary>
    public float CenteredNorm { get; }

    public GaussianKernel(float sigma)
    {
        Sigma = sigma;
        Radius = Math.Max(1, (int)MathF.Ceiling(3f * sigma));
        Weights = new float[Size];
        double s1 = 0, s2 = 0;
        for (int i = -Radius; i <= Radius; i++)
        {
            double w = Math.Exp(-i * i / (2.0 * sigma * sigma));
            Weights[i + Radius] = (float)w;
            s1 += w; s2 += w * w;
        }
        double n = (double)Size * Size, sumG = s1 * s1, sumG2 = s2 * s2;
        Mean = (float)(sumG / n);
        CenteredNorm = (float)Math.Sqrt(Math.Max(sumG2 - sumG * sumG / n, 1e-30));
    }
}
