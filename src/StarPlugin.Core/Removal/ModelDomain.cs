using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using StarPlugin.Stretching;

namespace StarPlugin.Removal;

/// <summary>
/// The map from input values into the model's [0,1] domain: x / white for stretched data,
/// the linked auto-MTF for linear data; clamped to [0,1], and 0 for NaN/Inf. One object
/// instead of a per-pixel delegate, so that whole rows map with SIMD (the scale case), and
/// the inverse used to bring the star layer back is next to the forward map.
/// </summary>
public sealed class ModelDomain
{
    private readonly MtfStretch _mtf;
    private readonly float _white;

    public bool Stretched { get; }

    private ModelDomain(bool stretched, MtfStretch mtf, float white) { Stretched = stretched; _mtf = mtf; _white = white; }

    /// <summary>Stretched data: divide by the white point.</summary>
    public static ModelDomain Scale(float white)
    {
        if (!(white > 0) || !float.IsFinite(white)) throw new ArgumentException($"white point must be positive and finite, got {white}");
        return new ModelDomain(false, default, white);
    }

    /// <summary>Linear data: the MTF stretch (its highlights are the white point).</summary>
    public static ModelDomain Stretch(MtfStretch mtf) => new(true, mtf, mtf.Highlights);

    /// <summary>One value into the model domain.</summary>
    public float Map(float v)
    {
        if (!float.IsFinite(v)) return 0f;
        return Math.Clamp(Stretched ? _mtf.Apply(v) : v / _white, 0f, 1f);
    }

    /// <summary>A span into the model domain (same length; may be the same memory).</summary>
    public void Map(ReadOnlySpan<float> src, Span<float> dst)
    {
        if (dst.Length < src.Length) throw new ArgumentException("destination shorter than source");
        int i = 0;
        if (!Stretched && Vector256.IsHardwareAccelerated)
        {
            var white = Vector256.Create(_white); var one = Vector256<float>.One;
            ref float s = ref MemoryMarshal.GetReference(src);
            ref float d = ref MemoryMarshal.GetReference(dst);
            for (; i <= src.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var x = Vector256.LoadUnsafe(ref s, (nuint)i);
                // x − x is 0 exactly for finite x and NaN for NaN and ±Inf.
                var finite = Vector256.Equals(x - x, Vector256<float>.Zero);
                var v = Vector256.Min(Vector256.Max(x / white, Vector256<float>.Zero), one);
                (v & finite).StoreUnsafe(ref d, (nuint)i);
            }
        }
        for (; i < src.Length; i++) dst[i] = Map(src[i]);
    }

    /// <summary>
    /// The star layer in input units: how much of input <paramref name="v"/> (model value
    /// <paramref name="xm"/>) a model-domain layer of <paramref name="layer"/> takes away,
    /// through the exact inverse of the map, so a zero layer leaves the input exactly.
    /// </summary>
    public float StarsInInputUnits(float xm, float layer) =>
        Stretched ? _mtf.Invert(xm) - _mtf.Invert(xm - layer) : layer * _white;
}
