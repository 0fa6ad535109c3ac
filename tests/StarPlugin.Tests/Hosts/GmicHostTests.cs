using StarPlugin.Imaging;
using StarPlugin.Tests.Support;

namespace StarPlugin.Tests.Hosts;

/// <summary>
/// The G'MIC commands from the installed user file (~/.gmic), through the gmic CLI:
/// on 8-bit, 16-bit and float input they must give what `starplugin` gives on the
/// same file, and they must fail, report and clean up as a G'MIC user expects.
/// </summary>
[NonParallelizable]
public class GmicHostTests
{
    private HostFixture _h = null!;

    [OneTimeSetUp]
    public void SetUp()
    {
        _h = new HostFixture();
        // Inputs written by G'MIC itself: 16-bit integers (0..65535) and float data in
        // [0,1] made linear-looking (squared), as a stack straight from integration.
        Assert.That(Gmic("field.png * 257 -o field16.tif,ushort").Code, Is.EqualTo(0));
        Assert.That(Gmic("field.png / 255 sqr -o fieldf.tif,float").Code, Is.EqualTo(0));
        Assert.That(Gmic("cutout.png * 257 -o cutout16.tif,ushort").Code, Is.EqualTo(0));
        Assert.That(Gmic("cutout.png / 255 -o cutoutf.tif,float").Code, Is.EqualTo(0));
        // RGBA: a ramp of alpha.
        Assert.That(Gmic("field.png 96,96,1,1,255*x/95 a c -o fielda.png").Code, Is.EqualTo(0));
    }

    [OneTimeTearDown] public void TearDown() => _h?.Dispose();

    private (int Code, string Output) Gmic(string args, Dictionary<string, string>? extraEnv = null)
    {
        var env = new Dictionary<string, string>(_h.Env);
        if (extraEnv != null) foreach (var (k, v) in extraEnv) env[k] = v;
        return Repo.Run("gmic", args, workDir: _h.Dir, env: env);
    }

    private string[] TempFiles() => Directory.GetFiles(Path.Combine(_h.Dir, "tmp"), "starplugin_*");

    [TestCase("starless 0", "starless.tif")]
    [TestCase("starless 0,0", "starless-network-only.tif")]
    [TestCase("starless 0,1,1", "starless-keep-galaxies.tif")]
    [TestCase("starless 0,1,2", "starless-no-galaxies.tif")]
    [TestCase("star_reduce 0.7,0", "reduce.tif")]
    [TestCase("star_mask ,", "mask.tif")]
    [TestCase("star_detect 0.58,5", "detect.tif")]
    [TestCase("mock_lens 8", "lens.tif")]
    public void CommandRunsQuietlyAndCleansUp(string command, string output)
    {
        string input = command.StartsWith("mock_lens", StringComparison.Ordinal) ? "cutout.png" : "field.png";
        var (code, log) = Gmic($"{input} {command} -o {output},float");
        Assert.That(code, Is.EqualTo(0), log);
        var img = _h.Read(output);
        Assert.That(img.Width, Is.EqualTo(input == "field.png" ? 96 : 64));
        Assert.That(TempFiles(), Is.Empty, "temporary files removed");
        // G'MIC's status lines carry no temporary names and no device notes.
        Assert.That(log, Does.Not.Contain("starplugin_").And.Not.Contain(".cimg").And.Not.Contain("CUDA"), log);
    }

    /// <summary>The G'MIC command, the command line's equivalent, and the input's white.</summary>
    private static IEnumerable<TestCaseData> AgainstTheCommandLine()
    {
        var inputs = new[] { ("field.png", "cutout.png", 255f), ("field16.tif", "cutout16.tif", 65535f), ("fieldf.tif", "cutoutf.tif", 1f) };
        foreach (var (field, cutout, white) in inputs)
        {
            yield return new TestCaseData(field, "starless 0", new[] { "remove", "IN", "--starless", "OUT" }, white);
            yield return new TestCaseData(field, "starless 2,0,2", new[] { "remove", "IN", "--starless", "OUT", "--stretch", "never", "--no-cleanup", "--keep-galaxies", "never" }, white);
            yield return new TestCaseData(field, "star_reduce 0.7,1", new[] { "reduce", "IN", "-o", "OUT", "--amount", "0.7", "--mode", "scale" }, white);
            yield return new TestCaseData(field, "star_mask ,", new[] { "mask", "IN", "-o", "OUT" }, white);
            yield return new TestCaseData(field, "star_detect 0.5,4", new[] { "detect", "IN", "--overlay", "OUT", "-D", "0.5", "--snr", "4" }, white);
            yield return new TestCaseData(cutout, "mock_lens 9,0.7,40,2,5", new[] { "mock-lens", "IN", "OUT", "--theta-e", "9", "--q", "0.7", "--arc-snr", "40", "--source-re", "2", "--seed", "5" }, white);
        }
        // Binning, the argument after the value range: the factor, or 0 for auto.
        yield return new TestCaseData("oversampled.png", "starless 0,1,0,0,2", new[] { "remove", "IN", "--starless", "OUT", "--bin", "2" }, 255f);
        yield return new TestCaseData("oversampled.png", "starless 0,1,0,255,0", new[] { "remove", "IN", "--starless", "OUT", "--bin", "auto" }, 255f);
    }

    [TestCaseSource(nameof(AgainstTheCommandLine))]
    public void GivesWhatTheCommandLineGivesOnTheSameFile(string input, string command, string[] cli, float white)
    {
        string name = $"{Path.GetFileNameWithoutExtension(input)}-{command.Split(' ')[0]}-{Math.Abs(command.GetHashCode()) % 1000}";
        var (code, log) = Gmic($"{input} {command} -o {name}-gmic.cimg,float");
        Assert.That(code, Is.EqualTo(0), log);
        var args = cli.Select(a => a == "IN" ? input : a == "OUT" ? $"{name}-cli.cimg" : a).Append("--force").ToArray();
        var (cliCode, cliLog) = _h.Cli(args);
        Assert.That(cliCode, Is.EqualTo(0), cliLog);
        var g = _h.Read($"{name}-gmic.cimg"); var c = _h.Read($"{name}-cli.cimg");
        Assert.That((g.Width, g.Height, g.Channels), Is.EqualTo((c.Width, c.Height, c.Channels)));
        float worst = 0;
        for (int i = 0; i < g.Data.Length; i++) worst = Math.Max(worst, Math.Abs(g.Data[i] / white - c.Data[i]));
        // 16-bit: G'MIC divides by 65535 in float as the TIFF reader does; the results
        // agree to float rounding, where the old wrapper was 48569/65535 off.
        Assert.That(worst, Is.LessThan(1e-5f), $"largest difference {worst} of white");
        Assert.That(c.Data.Max(), Is.GreaterThan(0.01f), "a result with something in it");
    }

    [Test]
    public void BinningGivesAnotherStarlessImage()
    {
        // Not a comparison that holds because binning did nothing (a picture too small to bin).
        Assert.That(Gmic("oversampled.png starless 0,1,0,0,2 -o binned.tif,float").Code, Is.EqualTo(0));
        Assert.That(Gmic("oversampled.png starless 0 -o unbinned.tif,float").Code, Is.EqualTo(0));
        var binned = _h.Read("binned.tif"); var unbinned = _h.Read("unbinned.tif");
        int differ = binned.Data.Zip(unbinned.Data).Count(p => Math.Abs(p.First - p.Second) > 1);
        Assert.That(differ, Is.GreaterThan(100), "samples that differ by more than 1 of 255");
    }

    [Test]
    public void SixteenBitIsNotReadAsLinear()
    {
        // The 16-bit field is a stretched picture: removal must keep its sky, as on 8 bits.
        Assert.That(Gmic("field16.tif starless 0 -o sl16.tif,float").Code, Is.EqualTo(0));
        Assert.That(Gmic("field.png starless 0 -o sl8.tif,float").Code, Is.EqualTo(0));
        var s16 = _h.Read("sl16.tif"); var s8 = _h.Read("sl8.tif");
        double worst = 0;
        for (int i = 0; i < s8.Data.Length; i++) worst = Math.Max(worst, Math.Abs(s16.Data[i] / 65535 - s8.Data[i] / 255));
        Assert.That(worst, Is.LessThan(0.05), "16-bit and 8-bit copies of one picture give the same starless image");
    }

    [Test]
    public void AlphaIsKept()
    {
        var input = _h.Read("fielda.png");
        foreach (var (command, channels) in new[] { ("starless 0", 4), ("star_reduce 0.5", 4), ("star_mask ,", 2), ("star_detect 0.58,5", 4) })
        {
            string output = $"alpha-{command.Split(' ')[0]}.tif";
            var (code, log) = Gmic($"fielda.png {command} -o {output},float");
            Assert.That(code, Is.EqualTo(0), log);
            var img = _h.Read(output);
            Assert.That(img.Channels, Is.EqualTo(channels), command);
            for (int i = 0; i < img.PlaneLength; i++)
                Assert.That(img.Plane(channels - 1)[i] / 255, Is.EqualTo(input.Plane(3)[i]).Within(1e-4), $"{command}: alpha at {i}");
        }
    }

    [Test]
    public void DetectCountsAndSavesTheCatalogue()
    {
        var (code, log) = Gmic("field.png star_detect 0.58,5,0,stars.csv -o d.png");
        Assert.That(code, Is.EqualTo(0), log);
        var lines = File.ReadAllLines(Path.Combine(_h.Dir, "stars.csv"));
        Assert.That(log, Does.Contain($"StarPlugin: found {lines.Length - 1} stars."));
        var (cliCode, cliLog) = _h.Cli("detect", "field.png", "--csv", "cli-stars.csv", "--force");
        Assert.That(cliCode, Is.EqualTo(0), cliLog);
        Assert.That(lines, Is.EqualTo(File.ReadAllLines(Path.Combine(_h.Dir, "cli-stars.csv"))));
        Assert.That(TempFiles(), Is.Empty);
    }

    [Test]
    public void BadArgumentsAreAGmicError()
    {
        var (code, log) = Gmic("field.png star_reduce 2 -o x.png");
        Assert.That(code, Is.Not.EqualTo(0));
        Assert.That(log, Does.Contain("star_reduce"));
        Assert.That(Gmic("field.png starless 0,3 -o x.png").Code, Is.Not.EqualTo(0), "cleanup is 0 or 1");
        Assert.That(Gmic("field.png starless 0,1,3 -o x.png").Code, Is.Not.EqualTo(0), "keep_galaxies is 0, 1 or 2");
        Assert.That(Gmic("field.png starless 0,1,0,-1 -o x.png").Code, Is.Not.EqualTo(0), "the value range is ≥ 0");
        Assert.That(Gmic("field.png starless 0,1,0,0,9 -o x.png").Code, Is.Not.EqualTo(0), "binning is 0 (auto) to 8");
        Assert.That(Gmic("field.png starless 0,1,0,0,-1 -o x.png").Code, Is.Not.EqualTo(0), "binning is 0 (auto) to 8");
        Assert.That(Gmic("field.png starless 0,1,0,0,1.5 -o x.png").Code, Is.Not.EqualTo(0), "binning is a whole factor");
    }

    [Test]
    public void AFailureShowsOurExitCodeAndMessage()
    {
        string corrupt = Path.Combine(_h.Dir, "corrupt.onnx");
        File.WriteAllBytes(corrupt, [1, 2, 3, 4]);
        var (code, log) = Gmic("field.png starless 0 -o y.png", new() { ["STARPLUGIN_MODEL"] = corrupt });
        Assert.That(code, Is.Not.EqualTo(0));
        Assert.That(log, Does.Match(@"StarPlugin: remove failed \(exit [1-9]\d*\): starplugin: \S"), log);
        Assert.That(log, Does.Not.Contain("status"), "no raw system() status");
        Assert.That(File.Exists(Path.Combine(_h.Dir, "y.png")), Is.False);
        Assert.That(TempFiles(), Is.Empty);
    }

    [Test]
    public void EveryGmicQtChoiceRuns()
    {
        // The G'MIC-Qt commands with every value of every choice (G'MIC-Qt passes indices).
        foreach (var args in new[] { "0,1,0,0", "1,1,1,1", "2,0,2,2", "0,1,0,3", "0,1,0,4" })
        {
            var (code, log) = Gmic($"field.png starless_gui {args} -o gui.png");
            Assert.That(code, Is.EqualTo(0), $"starless_gui {args}: {log}");
        }
        foreach (var args in new[] { "0.5,0", "0.5,1" })
            Assert.That(Gmic($"field.png star_reduce_gui {args} -o gui.png").Code, Is.EqualTo(0), $"star_reduce_gui {args}");
    }
}
