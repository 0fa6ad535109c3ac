using StarPlugin.Inference;
using StarPlugin.Removal;
using StarPlugin.Tests.Support;

namespace StarPlugin.Tests.Removal;

/// <summary>The shipped model: its contract metadata, and our ONNX Runtime engine against torch's output on a sample tile.</summary>
public class ShippedModelTests
{
    private static string ModelsDir() => Repo.Path_("models");

    [Test]
    public void ShippedModelDeclaresItsContract()
    {
        var d = ModelFile.Describe(Path.Combine(ModelsDir(), "starless-v1.onnx"));
        Assert.That(d.Channels, Is.EqualTo(3));
        Assert.That(d.Predicts, Is.EqualTo(ModelPredicts.Stars));
        Assert.That(d.InputLayout, Is.EqualTo(TensorLayout.Nchw));
        Assert.That(d.FixedTile, Is.EqualTo(0), "dynamic height and width");
        // export.py leaves the PSF plane out when the network's weights for it are all zero.
        Assert.That(d.PsfPlaneScale, Is.EqualTo(0f).Or.EqualTo(0.125f), "no PSF plane, or FWHM / 8");
        Assert.That(new FileInfo(Path.Combine(ModelsDir(), "starless-v1.onnx")).Length, Is.LessThan(20 << 20));
    }

    [Test]
    public void EngineMatchesTorchOnTheSampleTile()
    {
        var bytes = File.ReadAllBytes(Path.Combine(ModelsDir(), "starless-v1.check.bin"));
        int n = BitConverter.ToInt32(bytes, 0), c = BitConverter.ToInt32(bytes, 4), h = BitConverter.ToInt32(bytes, 8), w = BitConverter.ToInt32(bytes, 12);
        // Input: RGB (and the PSF plane, if the model takes one); output: the RGB star layer.
        int countIn = n * c * h * w, count = n * 3 * h * w;
        Assert.That(c, Is.EqualTo(ModelFile.Describe(Path.Combine(ModelsDir(), "starless-v1.onnx")).InputChannels));
        var input = new float[countIn]; var expected = new float[count];
        Buffer.BlockCopy(bytes, 16, input, 0, countIn * 4);
        Buffer.BlockCopy(bytes, 16 + countIn * 4, expected, 0, count * 4);
        using var session = new OnnxSession(Path.Combine(ModelsDir(), "starless-v1.onnx"), new SessionOptions { Device = ExecutionDevice.Cpu });
        var (output, shape) = session.Run(input, [n, c, h, w]);
        Assert.That(shape, Is.EqualTo(new long[] { n, 3, h, w }));
        for (int i = 0; i < count; i++) Assert.That(output[i], Is.EqualTo(expected[i]).Within(1e-4f), $"value {i}");
    }
}
