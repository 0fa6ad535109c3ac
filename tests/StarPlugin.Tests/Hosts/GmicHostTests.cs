using StarPlugin.Imaging;
using StarPlugin.Tests.Support;

namespace StarPlugin.Tests.Hosts;

/// <summary>The G'MIC commands from the installed user file (~/.gmic), through the gmic CLI.</summary>
[NonParallelizable]
public class GmicHostTests
{
    private HostFixture _h = null!;

    [OneTimeSetUp] public void SetUp() => _h = new HostFixture();
    [OneTimeTearDown] public void TearDown() => _h?.Dispose();

    private (int Code, string Output) Gmic(string args, Dictionary<string, string>? extraEnv = null)
    {
        var env = new Dictionary<string, string>(_h.Env);
        if (extraEnv != null) foreach (var (k, v) in extraEnv) env[k] = v;
        return Repo.Run("gmic", args, workDir: _h.Dir, env: env);
    }

    [TestCase("starless 0", "starless.tif")]
    [TestCase("starless 0,0", "starless-network-only.tif")]
    [TestCase("starless 0,1,1", "starless-keep-galaxies.tif")]
    [TestCase("starless 0,1,2", "starless-no-galaxies.tif")]
    [TestCase("star_reduce 0.7,0", "reduce.tif")]
    [TestCase("star_mask", "mask.tif")]
    [TestCase("star_detect 0.58,5", "detect.tif")]
    [TestCase("mock_lens 8", "lens.tif")]
    public void CommandRunsAndCleansUp(string command, string output)
    {
        string input = command.StartsWith("mock_lens", StringComparison.Ordinal) ? "cutout.png" : "field.png";
        var (code, log) = Gmic($"{input} {command} -o {output},float");
        Assert.That(code, Is.EqualTo(0), log);
        var img = _h.Read(output);
        Assert.That(img.Width, Is.EqualTo(input == "field.png" ? 96 : 64));
        Assert.That(Directory.GetFiles(Path.Combine(_h.Dir, "tmp"), "starplugin_*"), Is.Empty, "temporary files removed");
    }

    [Test]
    public void StarlessDimsTheStars()
    {
        Assert.That(Gmic("field.png starless 0 -o sl.tif,float").Code, Is.EqualTo(0));
        // G'MIC keeps its 0..255 range: compare with the input scaled the same way.
        var before = _h.Read("field.png"); var after = _h.Read("sl.tif");
        Assert.That(after.Plane(0).ToArray().Max() / 255f, Is.LessThan(before.Plane(0).ToArray().Max() * 0.9f));
    }

    [Test]
    public void BadArgumentsAreAGmicError()
    {
        var (code, log) = Gmic("field.png star_reduce 2 -o x.png");
        Assert.That(code, Is.Not.EqualTo(0));
        Assert.That(Gmic("field.png starless 0,3 -o x.png").Code, Is.Not.EqualTo(0), "cleanup is 0 or 1");
        Assert.That(Gmic("field.png starless 0,1,3 -o x.png").Code, Is.Not.EqualTo(0), "keep_galaxies is 0, 1 or 2");
        Assert.That(log, Does.Contain("star_reduce"));
    }

    [Test]
    public void AFailingRunShowsTheErrorAndCleansUp()
    {
        string corrupt = Path.Combine(_h.Dir, "corrupt.onnx");
        File.WriteAllBytes(corrupt, [1, 2, 3, 4]);
        var (code, log) = Gmic("field.png starless 0 -o y.png", new() { ["STARPLUGIN_MODEL"] = corrupt });
        Assert.That(code, Is.Not.EqualTo(0));
        Assert.That(log, Does.Contain("StarPlugin"));
        Assert.That(File.Exists(Path.Combine(_h.Dir, "y.png")), Is.False);
        Assert.That(Directory.GetFiles(Path.Combine(_h.Dir, "tmp"), "starplugin_*"), Is.Empty);
    }
}
