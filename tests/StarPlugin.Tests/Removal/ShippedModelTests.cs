using StarPlugin.Inference;
using StarPlugin.Removal;
using StarPlugin.Tests.Support;

namespace StarPlugin.Tests.Removal;

/// <summary>
/// The shipped models: their contract metadata, and our ONNX Runtime engine against
/// torch's output on a sample tile: the float export to torch's precision, the 8-bit
/// copy the pipeline runs by default to within its rounding.
/// </summary>
public class ShippedModelTests
{
    private static string ModelsDir() => Repo.Path_("models");

    [TestCase("starless-v1.onnx")]
    [TestCase("starless-v1-float.onnx")]
    public void ShippedModelDeclaresItsContract(string file)
    {
        var d = ModelFile.Describe(Path.Combine(ModelsDir(), file));
        Assert.That(d.Channels, Is.EqualTo(3));
        Assert.That(d.Predicts, Is.EqualTo(ModelPredicts.Stars));
        Assert.That(d.InputLayout, Is.EqualTo(TensorLayout.Nchw));
        Assert.That(d.FixedTile, Is.EqualTo(0), "dynamic height and width");
        // export.py leaves the PSF plane out when the network's weights for it are all zero.
        Assert.That(d.PsfPlaneScale, Is.EqualTo(0f).Or.EqualTo(0.125f), "no PSF plane, or FWHM / 8");
        Assert.That(new FileInfo(Path.Combine(ModelsDir(), file)).Length, Is.LessThan(20 << 20));
    }

    [Test]
    public void TheDefaultModelIsTheFloatExportsEightBitCopy()
    {
        var float32 = ModelFile.Describe(Path.Combine(ModelsDir(), "starless-v1-float.onnx"));
        var int8 = ModelFile.Describe(Path.Combine(ModelsDir(), "starless-v1.onnx"));
        Assert.That(int8.Name, Is.EqualTo(float32.Name + "-int8"));
        Assert.That((int8.DefaultTile, int8.DefaultOverlap, int8.InputChannels, int8.Predicts), Is.EqualTo((float32.DefaultTile, float32.DefaultOverlap, float32.InputChannels, float32.Predicts)));
    }

    /// <summary>
    /// Float: torch's values to 1e-4. 8-bit: within 5 % of the range at every value and
    /// 0.2 % RMS over the tile (it gives 2.9 % at a star's core and 0.13 %; the 8-bit copy
    /// of the whole graph, with one scale for the half-resolution skip and the upsampling,
    /// 7.4 % and 0.47 %: a graph that lost its scales or saturated its sums fails).
    /// </summary>
    [TestCase("starless-v1-float.onnx", 1e-4, 1e-4)]
    [TestCase("starless-v1.onnx", 5e-2, 2e-3)]
    public void EngineMatchesTorchOnTheSampleTile(string file, double maxError, double rmsError)
    {
        var bytes = File.ReadAllBytes(Path.Combine(ModelsDir(), "starless-v1-float.check.bin"));
        int n = BitConverter.ToInt32(bytes, 0), c = BitConverter.ToInt32(bytes, 4), h = BitConverter.ToInt32(bytes, 8), w = BitConverter.ToInt32(bytes, 12);
        // Input: RGB (and the PSF plane, if the model takes one); output: the RGB star layer.
        int countIn = n * c * h * w, count = n * 3 * h * w;
        Assert.That(c, Is.EqualTo(ModelFile.Describe(Path.Combine(ModelsDir(), file)).InputChannels));
        var input = new float[countIn]; var expected = new float[count];
        Buffer.BlockCopy(bytes, 16, input, 0, countIn * 4);
        Buffer.BlockCopy(bytes, 16 + countIn * 4, expected, 0, count * 4);
        using var session = new OnnxSession(Path.Combine(ModelsDir(), file), new SessionOptions { Device = ExecutionDevice.Cpu });
        var (output, shape) = session.Run(input, [n, c, h, w]);
        Assert.That(shape, Is.EqualTo(new long[] { n, 3, h, w }));
        double squares = 0, largest = 0;
        int worst = 0;
        for (int i = 0; i < count; i++)
        {
            double d = Math.Abs(output[i] - (double)expected[i]);
            squares += d * d;
            if (d > largest) (largest, worst) = (d, i);
        }
        double rms = Math.Sqrt(squares / count);
        Assert.That(largest, Is.LessThanOrEqualTo(maxError), $"value {worst}: {output[worst]} against torch's {expected[worst]} (RMS {rms:G3})");
        Assert.That(rms, Is.LessThanOrEqualTo(rmsError), $"RMS difference (largest {largest:G3})");
    }
}
