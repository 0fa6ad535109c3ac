using StarPlugin.Imaging;
using StarPlugin.Lensing;

namespace StarPlugin.Tests.Lensing;

/// <summary>A host's float pixels still say the depth of the file they came from.</summary>
public class StoredDepthTests
{
    private static AstroImage Float(Func<int, float> value)
    {
        var img = new AstroImage(64, 64, 3, new ImageMetadata { SourceFormat = SampleFormat.Float32 });
        for (int i = 0; i < img.Data.Length; i++) img.Data[i] = value(i);
        return img;
    }

    [Test]
    public void WholeStepsOfEightOrSixteenBitsAreThatDepth()
    {
        var rng = new Random(4);
        Assert.That(LightInjection.StoredDepth(Float(_ => rng.Next(256) / 255f)), Is.EqualTo(SampleFormat.UInt8));
        Assert.That(LightInjection.StoredDepth(Float(_ => rng.Next(65536) / 65535f)), Is.EqualTo(SampleFormat.UInt16));
        Assert.That(LightInjection.StoredDepth(Float(_ => (float)rng.NextDouble())), Is.EqualTo(SampleFormat.Float32));
        Assert.That(LightInjection.StoredDepth(Float(i => i % 7 == 0 ? 1.5f : 0.5f)), Is.EqualTo(SampleFormat.Float32), "above white: not a picture's range");
        var sixteen = Float(_ => rng.Next(65536) / 65535f);
        sixteen.Metadata.SourceFormat = SampleFormat.UInt16;
        Assert.That(LightInjection.StoredDepth(sixteen), Is.EqualTo(SampleFormat.UInt16));
        var widened = Float(_ => rng.Next(256) * 257 / 65535f);
        widened.Metadata.SourceFormat = SampleFormat.UInt16;
        Assert.That(LightInjection.StoredDepth(widened), Is.EqualTo(SampleFormat.UInt8), "an 8-bit picture saved as 16 bits");
        var eight = Float(_ => 0.25f);
        eight.Metadata.SourceFormat = SampleFormat.UInt8;
        Assert.That(LightInjection.StoredDepth(eight), Is.EqualTo(SampleFormat.UInt8), "an 8-bit file's own depth stands");
    }
}
