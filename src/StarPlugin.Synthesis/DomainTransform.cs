using StarPlugin.Stretching;

namespace StarPlugin.Synthesis;

/// <summary>
/// The pixel domains users hand to a star remover: linear data, or data stretched by
/// an MTF, asinh or a tone curve; optionally quantised to 8 bits. One transform is
/// drawn per pair and applied identically to input and target.
/// </summary>
public sealed class DomainTransform
{
    public enum Kind { Linear, Mtf, Asinh, Curve }

    public Kind Stretch { get; }
    private readonly float _a, _black, _white;
    public bool Quantize8 { get; }

    public DomainTransform(Kind stretch, float a, float black, float white, bool quantize8)
    {
        Stretch = stretch; _a = a; _black = black; _white = white; Quantize8 = quantize8;
    }

    /// <summary>Draws a transform suited to data whose sky sits at <paramref name="sky"/> and white at <paramref name="white"/>.</summary>
    public static DomainTransform Random(Random rng, float sky, float white)
    {
        var kind = (Kind)rng.Next(4);
        float black = sky * (float)(0.5 + rng.NextDouble() * 0.45);
        float t = (sky - black) / (white - black);
        float target = 0.08f + (float)rng.NextDouble() * 0.2f;
        float a = kind switch
        {
            Kind.Mtf => MtfStretch.MidtoneFor(Math.Max(t, 1e-5f), target),
            Kind.Asinh => 10f + (float)rng.NextDouble() * 400f,
            Kind.Curve => 0.3f + (float)rng.NextDouble() * 0.4f, // gamma
            _ => 1f,
        };
        return new DomainTransform(kind, a, kind == Kind.Linear ? 0 : black, white, rng.NextDouble() < 0.3);
    }

    public float Apply(float v)
    {
        float t = (v - _black) / (_white - _black);
        float y = Stretch switch
        {
            Kind.Mtf => MtfStretch.Mtf(_a, Math.Clamp(t, 0f, 1f)),
            Kind.Asinh => MathF.Asinh(_a * Math.Max(t, 0)) / MathF.Asinh(_a),
            Kind.Curve => MathF.Pow(Math.Clamp(t, 0f, 1f), _a),
            _ => t,
        };
        y = Math.Clamp(y, 0f, 1f);
        return Quantize8 ? MathF.Round(y * 255f) / 255f : y;
    }

    public void Apply(Span<float> data)
    {
        for (int i = 0; i < data.Length; i++) data[i] = Apply(data[i]);
    }
}
