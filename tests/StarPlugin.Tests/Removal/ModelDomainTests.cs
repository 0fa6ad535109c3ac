using StarPlugin.Removal;
using StarPlugin.Stretching;

namespace StarPlugin.Tests.Removal;

/// <summary>The model-domain map: the SIMD row path equals the per-value path, non-finite values map to 0.</summary>
public class ModelDomainTests
{
    private static readonly float[] Values =
        [0f, 0.1f, 0.5f, 1f, 1.7f, 2f, 2.5f, -0.3f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, 1e-7f, 3f, 0.25f, 1.99f, 2.01f, 0.75f];

    [Test]
    public void RowsMapLikeSingleValues([Values(false, true)] bool stretched)
    {
        var domain = stretched ? ModelDomain.Stretch(new MtfStretch(0.05f, 2f, 0.1f)) : ModelDomain.Scale(2f);
        var mapped = new float[Values.Length];
        domain.Map(Values, mapped);
        for (int i = 0; i < Values.Length; i++)
        {
            Assert.That(mapped[i], Is.EqualTo(domain.Map(Values[i])), $"value {Values[i]}");
            Assert.That(mapped[i], Is.InRange(0f, 1f));
        }
        Assert.That(domain.Map(float.NaN), Is.EqualTo(0f));
        Assert.That(domain.Map(float.PositiveInfinity), Is.EqualTo(0f));
        if (!stretched) Assert.That(domain.Map(1.5f), Is.EqualTo(0.75f));
    }

    [Test]
    public void AZeroStarLayerGivesBackNothingAndTheInverseIsExact()
    {
        var domain = ModelDomain.Stretch(new MtfStretch(0.01f, 1f, 0.05f));
        float v = 0.3f, xm = domain.Map(v);
        Assert.That(domain.StarsInInputUnits(xm, 0f), Is.EqualTo(0f));
        // Taking the whole model-domain value leaves the shadows' black (MTF⁻¹(0) = shadows).
        Assert.That(v - domain.StarsInInputUnits(xm, xm), Is.EqualTo(0.01f).Within(1e-5f));
        Assert.That(ModelDomain.Scale(4f).StarsInInputUnits(0.5f, 0.25f), Is.EqualTo(1f));
        Assert.Throws<ArgumentException>(() => ModelDomain.Scale(0f));
    }
}
