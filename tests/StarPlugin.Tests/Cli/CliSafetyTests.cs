using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using StarPlugin.Cli.Hosting;
using StarPlugin.Imaging;
using StarPlugin.IO;
using StarPlugin.Synthesis;
using StarPlugin.Tests.Support;

namespace StarPlugin.Tests.Cli;

/// <summary>
/// What a hostile run and a new user found on the command line (issues 19 and 21): inputs
/// overwritten through other paths, duplicate outputs, unknown formats and missing or
/// unwritable folders found only after the work, memory blown up by tiny files, temporary
/// files left by killed runs, batch exit codes and summaries, messages that name
/// exception types or CUDA on machines without it.
/// </summary>
public class CliSafetyTests
{
    private string _dir = "", _model = "";

    [SetUp]
    public void SetUp()
    {
        _dir = Directory.CreateTempSubdirectory("sp-safe").FullName;
        _model = TestModels.LocalContrast().Save(_dir, "model.onnx");
    }

    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    private string P(string name) => Path.Combine(_dir, name);
    private static (int Code, string Out, string Err) Run(params string[] args) => CliTests.Run(args);

    private string Field(string name, int size = 96, int channels = 1)
    {
        var img = StarFieldSynthesizer.Render(new StarFieldOptions { Width = size, Height = size, Channels = channels, StarCount = size / 4, Seed = 3, FluxMin = 3000 }).Image;
        ImageFile.Write(P(name), img);
        return P(name);
    }

    private static void AssertNoTypeNames(string err) =>
        Assert.That(err, Does.Not.Match(@"\b\w*(Exception|Error)\b:"), "messages say what went wrong, not which exception type");

    // --- outputs checked before any work ---

    [Test]
    public void UnknownOutputExtensionIsRefusedBeforeAnyWork()
    {
        string input = Field("in.fits");
        // A model that does not exist: had the work begun, the error would be about the model.
        var (code, _, err) = Run("remove", input, "--starless", P("a.tif"), "--stars", P("b.xyz"), "--model", P("missing.onnx"));
        Assert.That(code, Is.EqualTo(ExitCodes.Usage), err);
        Assert.That(err, Does.Contain("b.xyz").And.Contain(".fits").And.Contain(".tif").And.Contain(".png"), "names the formats");
        Assert.That(err, Does.Not.Contain("missing.onnx"));
        AssertNoTypeNames(err);
        Assert.That(File.Exists(P("a.tif")), Is.False, "the first output is not written either");
        Assert.That(Run("convert", input, P("c.bmp")).Code, Is.EqualTo(ExitCodes.Usage));
        Assert.That(Run("detect", input, "--overlay", P("o.gif")).Code, Is.EqualTo(ExitCodes.Usage));
        Assert.That(Run("synth", "stars", P("s.raw"), "--width", "64", "--height", "64").Code, Is.EqualTo(ExitCodes.Usage));
        var (bc, _, berr) = Run("remove", input, "--out-dir", _dir, "--format", "webp", "--model", _model);
        Assert.That(bc, Is.EqualTo(ExitCodes.Usage));
        Assert.That(berr, Does.Contain(".fits"));
        // A folder named as the output file: said so (it was 'unknown output format ""').
        Directory.CreateDirectory(P("folder"));
        var (fc, _, ferr) = Run("remove", input, "-o", P("folder"), "--model", P("missing.onnx"));
        Assert.That(fc, Is.EqualTo(ExitCodes.Usage));
        Assert.That(ferr, Does.Contain("is a folder"));
    }

    [Test]
    public void MissingOrUnwritableOutputFolderIsAnErrorBeforeTheModelLoads()
    {
        string input = Field("in.fits");
        var (code, _, err) = Run("remove", input, "--starless", P("nowhere/out.fits"), "--model", P("missing.onnx"));
        Assert.That(code, Is.EqualTo(ExitCodes.Usage), err);
        Assert.That(err, Does.Contain("does not exist"));
        Assert.That(Directory.Exists(P("nowhere")), Is.False, "the folder is not created");
        // /proc takes no new files, even from root.
        (code, _, err) = Run("remove", input, "--starless", "/proc/starplugin-out.fits", "--model", P("missing.onnx"));
        Assert.That(code, Is.EqualTo(ExitCodes.Usage), err);
        Assert.That(err, Does.Contain("/proc/starplugin-out.fits").And.Contain("cannot write"));
        Assert.That(err, Does.Not.Contain("missing.onnx"), "checked before the model is loaded");
        Assert.That(err, Does.Not.Contain(".tmp"), "the message names the output, not a temporary");
        AssertNoTypeNames(err);
        // A file where the folder should be, and a missing --out-dir.
        File.WriteAllText(P("plain"), "x");
        Assert.That(Run("convert", input, P("plain/out.fits")).Code, Is.EqualTo(ExitCodes.Usage));
        (code, _, err) = Run("remove", input, "--out-dir", P("outdir"), "--model", _model);
        Assert.That(code, Is.EqualTo(ExitCodes.Usage), err);
        Assert.That(Directory.Exists(P("outdir")), Is.False);
    }

    [Test]
    public void DuplicateOutputsAreRefusedBeforeAnyWrite()
    {
        string input = Field("in.fits");
        foreach (bool force in new[] { false, true })
        {
            var args = new List<string> { "remove", input, "--starless", P("a.tif"), "--stars", P("a.tif"), "--model", _model };
            if (force) args.Add("--force");
            var (code, _, err) = Run([.. args]);
            Assert.That(code, Is.EqualTo(ExitCodes.Usage), err);
            Assert.That(err, Does.Contain("a.tif"));
            Assert.That(File.Exists(P("a.tif")), Is.False, "nothing was written");
        }
        Directory.CreateDirectory(P("sub"));
        var (c2, _, e2) = Run("remove", input, "--starless", P("b.tif"), "--mask", P("sub/../b.tif"), "--model", _model);
        Assert.That(c2, Is.EqualTo(ExitCodes.Usage), e2);
        Assert.That(e2, Does.Contain("same file"));
    }

    [Test]
    public void AnInputIsNeverOverwrittenWhateverThePath()
    {
        Directory.CreateDirectory(P("d"));
        string input = Field("d/x.fits");
        var original = File.ReadAllBytes(input);
        File.CreateSymbolicLink(P("dlink"), P("d"));
        File.CreateSymbolicLink(P("xlink.fits"), input);
        Assert.That(Link(input, P("d/hard.fits")), Is.EqualTo(0), "ln");
        foreach (var output in new[] { P("dlink/x.fits"), P("xlink.fits"), P("d/hard.fits"), P("d/../d/x.fits") })
        {
            var (code, _, err) = Run("remove", input, "--starless", output, "--force", "--model", _model);
            Assert.That(code, Is.EqualTo(ExitCodes.Usage), $"{output}: {err}");
            Assert.That(err, Does.Contain("refusing to overwrite the input"));
            Assert.That(File.ReadAllBytes(input), Is.EqualTo(original), output);
        }
        // The input given through a link: the output is its target.
        Assert.That(Run("convert", P("xlink.fits"), input, "--force").Code, Is.EqualTo(ExitCodes.Usage));
        Assert.That(File.ReadAllBytes(input), Is.EqualTo(original));
    }

    private static int Link(string from, string to) => Repo.Run("ln", [from, to]).Code;

    [Test]
    public void ABatchNeverOverwritesAnotherInputOfTheRun()
    {
        // remove . --out-dir . --force: x_starless.fits is both an input and x.fits's output.
        Directory.CreateDirectory(P("b"));
        Field("b/x.fits");
        string other = Field("b/x_starless.fits", 64);
        var before = File.ReadAllBytes(other);
        var (code, _, err) = Run("remove", P("b"), "--out-dir", P("b"), "--force", "--model", _model, "--tile", "64");
        Assert.That(code, Is.EqualTo(ExitCodes.Usage), err);
        Assert.That(err, Does.Contain("x_starless.fits").And.Contain("nothing was written"));
        Assert.That(File.ReadAllBytes(other), Is.EqualTo(before));
        Assert.That(Directory.GetFiles(P("b")), Has.Length.EqualTo(2), "no output at all");
        // Two inputs of the run that map to one output (a.fits and a.png → a_starless.tif).
        Directory.CreateDirectory(P("c")); Directory.CreateDirectory(P("cout"));
        Field("c/a.fits"); ImageFile.Write(P("c/a.png"), ImageFile.Read(P("c/a.fits")), new WriteOptions { Depth = SampleFormat.UInt16 });
        (code, _, err) = Run("remove", P("c"), "--out-dir", P("cout"), "--format", "tif", "--model", _model);
        Assert.That(code, Is.EqualTo(ExitCodes.Usage), err);
        Assert.That(Directory.GetFiles(P("cout")), Is.Empty);
    }

    // --- the command line as a new user meets it ---

    [Test]
    public void RemoveTakesDashOLikeReduceAndMask()
    {
        string input = Field("in.fits");
        var (code, _, err) = Run("remove", input, "-o", P("sl.fits"), "--model", _model, "--tile", "64");
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(File.Exists(P("sl.fits")));
        (code, _, err) = Run("remove", input, "--output", P("sl2.fits"), "--model", _model, "--tile", "64");
        Assert.That(code, Is.EqualTo(0), err);
        TestImages.AssertSamePixels(ImageFile.Read(P("sl.fits")), ImageFile.Read(P("sl2.fits")));
        (code, _, err) = Run("remove", input, "--model", _model);
        Assert.That(code, Is.EqualTo(ExitCodes.Usage));
        Assert.That(err, Does.Contain("--starless").And.Contain("-o"));
    }

    [Test]
    public void TilesUnder64PixelsAreRefusedAsInTheLibrary()
    {
        // Tile 10 gave a blocky grid of dark squares; the library and GIMP take 64..8192.
        string input = Field("t.fits");
        foreach (var (cmd, t) in new[] { ("remove", "10"), ("reduce", "63"), ("mask", "9000") })
        {
            var (code, _, err) = Run(cmd, input, "-o", P($"t{t}.fits"), "--model", _model, "--tile", t);
            Assert.That(code, Is.EqualTo(ExitCodes.Usage), $"{cmd} --tile {t}");
            Assert.That(err, Does.Contain("64..8192"));
            Assert.That(File.Exists(P($"t{t}.fits")), Is.False);
        }
    }

    [Test]
    public void BatchExitCodeSkipsAndJsonSummary()
    {
        Directory.CreateDirectory(P("in")); Directory.CreateDirectory(P("out"));
        for (int i = 0; i < 3; i++) Field($"in/f{i}.fits", 64);
        File.WriteAllBytes(P("in/broken.fits"), [1, 2, 3]);
        var (code, json, err) = Run("remove", P("in"), "--out-dir", P("out"), "--model", _model, "--tile", "64", "--json");
        Assert.That(code, Is.EqualTo(ExitCodes.InputError), "a failed file makes the run fail: " + err);
        using (var doc = JsonDocument.Parse(json))
        {
            var root = doc.RootElement;
            Assert.That(root.ValueKind, Is.EqualTo(JsonValueKind.Object), "one summary object");
            Assert.That(root.GetProperty("done").GetInt32(), Is.EqualTo(3));
            Assert.That(root.GetProperty("failed").GetInt32(), Is.EqualTo(1));
            var files = root.GetProperty("files").EnumerateArray().ToList();
            Assert.That(files, Has.Count.EqualTo(4));
            var broken = files.Single(f => f.GetProperty("input").GetString()!.EndsWith("broken.fits"));
            Assert.That(broken.GetProperty("status").GetString(), Is.EqualTo("failed"));
            Assert.That(broken.GetProperty("error").GetString(), Does.Contain("broken.fits"));
        }
        // Again without --force: the three done are skipped because their outputs exist, not failed.
        File.Delete(P("in/broken.fits"));
        (code, _, err) = Run("remove", P("in"), "--out-dir", P("out"), "--model", _model, "--tile", "64");
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(err, Does.Contain("0 done, 0 failed, 3 skipped").And.Contain("--force"));
        (code, json, _) = Run("remove", P("in"), "--out-dir", P("out"), "--model", _model, "--skip-existing", "--json");
        Assert.That(code, Is.EqualTo(0));
        using (var doc = JsonDocument.Parse(json)) Assert.That(doc.RootElement.GetProperty("skipped").GetInt32(), Is.EqualTo(3));
    }

    [Test]
    public void ASecondRunIntoTheInputFolderDoesNotTakeTheFirstRunsOutputsForInputs()
    {
        // A hostile run: the second `remove d --out-dir d --with-mask` made d/x_starless_starless.fits.
        Directory.CreateDirectory(P("d"));
        Field("d/x.fits", 64);
        Field("d/y_mask_sky.fits", 64); // an input whose name only looks like one
        var (code, _, err) = Run("remove", P("d"), "--out-dir", P("d"), "--with-mask", "--model", _model, "--tile", "64");
        Assert.That(code, Is.EqualTo(0), err);
        (code, _, err) = Run("remove", P("d"), "--out-dir", P("d"), "--with-mask", "--model", _model, "--tile", "64");
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(err, Does.Contain("named like an output of x"));
        Assert.That(Directory.GetFiles(P("d")).Select(Path.GetFileName).Order(),
            Is.EqualTo(new[] { "x.fits", "x_mask.fits", "x_starless.fits", "y_mask_sky.fits", "y_mask_sky_mask.fits", "y_mask_sky_starless.fits" }));
    }

    /// <summary>
    /// A GPU asked for by name where there is none is the error, with the reason, and
    /// nothing is written. (Such a session opens before the work, not beside it as the
    /// default device's does, so the error comes before the stars of a large image are found.)
    /// </summary>
    [Test]
    public void AskingForCudaWhereThereIsNoneIsAnErrorSayingWhy()
    {
        if (GpuPresence.Nvidia) Assert.Ignore("this machine has an NVIDIA driver: CUDA may be there");
        string input = Field("in.fits");
        var (code, _, err) = Run("remove", input, "--starless", P("cuda.fits"), "--model", _model, "--device", "cuda");
        Assert.That(code, Is.Not.EqualTo(ExitCodes.Ok), err);
        Assert.That(err, Does.Contain("CUDA is not available"));
        Assert.That(File.Exists(P("cuda.fits")), Is.False);
    }

    [Test]
    public void NoWordOfCudaWithoutAnNvidiaGpu()
    {
        if (GpuPresence.Nvidia) Assert.Ignore("this machine has an NVIDIA driver: CUDA notes are relevant here");
        string input = Field("in.fits");
        var (code, _, err) = Run("remove", input, "--starless", P("sl.fits"), "--model", _model, "--tile", "64");
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(err, Does.Contain("starplugin: model"));
        Assert.That(err, Does.Not.Contain("CUDA").IgnoreCase);
    }

    [Test]
    public void SynthStarsWritesSixteenBitIntegersDirectly()
    {
        var (code, _, err) = Run("synth", "stars", P("s.fits"), "--width", "64", "--height", "48", "--stars", "20", "--depth", "u16");
        Assert.That(code, Is.EqualTo(0), err);
        var bytes = File.ReadAllBytes(P("s.fits"));
        string header = Encoding.ASCII.GetString(bytes, 0, 2880);
        Assert.That(header, Does.Match(@"BITPIX  =\s+16\b"), "16-bit integer FITS");
        Assert.That(header, Does.Match(@"BZERO   =\s+32768"));
        var img = ImageFile.Read(P("s.fits"));
        Assert.That(img.Metadata.SourceFormat, Is.EqualTo(SampleFormat.UInt16));
        Assert.That(img.Data.All(v => Math.Abs(v * 65535 - MathF.Round(v * 65535)) < 1e-2), "whole ADU");
        Assert.That(Run("synth", "stars", P("t.tif"), "--width", "64", "--height", "48", "--depth", "u16").Code, Is.EqualTo(0));
        Assert.That(ImageFile.Read(P("t.tif")).Metadata.SourceFormat, Is.EqualTo(SampleFormat.UInt16));
    }

    // --- model files ---

    [Test]
    public void AnUnreadableImageIsTheErrorReportedWhileTheModelLoadsBesideIt()
    {
        // The model loads on another thread while the image decodes; the image's error
        // still comes alone, as when the model loaded after it, whether the model loads or not.
        File.WriteAllText(P("bad.png"), "not a picture");
        File.WriteAllText(P("garbage.onnx"), "garbage");
        string expected = $"starplugin: error: {P("bad.png")}: not a valid PNG file (unrecognised signature)" + Environment.NewLine;
        foreach (var model in new[] { Repo.Path_("models", "starless-v1.onnx"), P("garbage.onnx"), P("missing.onnx") })
        {
            var (code, _, err) = Run("remove", P("bad.png"), "--starless", P("out.png"), "--model", model);
            Assert.That((code, err), Is.EqualTo((ExitCodes.InputError, expected)), model);
        }
        Assert.That(File.Exists(P("out.png")), Is.False);
        // A good image with a model that does not load: the model's error.
        string input = Field("in.tif");
        var (c2, _, e2) = Run("remove", input, "--starless", P("out.tif"), "--model", P("garbage.onnx"));
        Assert.That(c2, Is.EqualTo(ExitCodes.InputError), e2);
        Assert.That(e2, Does.Contain(P("garbage.onnx") + ": not an ONNX model"));
        // A model whose metadata reads but whose session ONNX Runtime refuses fails when
        // the run reaches the network (its session opens beside the run): the same exit,
        // the runtime's reason, and no output.
        File.WriteAllBytes(P("unknown-op.onnx"), new OnnxModelBuilder().Input("x", "n", 3, "h", "w").Output("y", "n", 3, "h", "w")
            .Node("NoSuchOperatorAnywhere", ["x"], ["y"]).Build());
        var (c3, _, e3) = Run("remove", input, "--starless", P("out.tif"), "--model", P("unknown-op.onnx"));
        Assert.That(c3, Is.EqualTo(ExitCodes.InputError), e3);
        Assert.That(e3, Does.Contain(P("unknown-op.onnx")).And.Contain("NoSuchOperatorAnywhere"));
        Assert.That(File.Exists(P("out.tif")), Is.False);
        // A model that loads: the device is still said, once the run is done.
        var (c4, _, e4) = Run("remove", input, "--starless", P("out.tif"));
        Assert.That(c4, Is.EqualTo(ExitCodes.Ok), e4);
        Assert.That(e4, Does.Contain("starplugin: model starless-v1.onnx on "));
    }

    [Test]
    public void AModelThatIsAPipeOrNotAModelIsAnInputErrorAtOnce()
    {
        string input = Field("in.tif");
        // A named pipe as --model waited for a writer forever (SIGTERM could not end it).
        string pipe = P("pipe.onnx");
        Assert.That(Repo.Run("mkfifo", [pipe]).Code, Is.EqualTo(0), "mkfifo");
        var attempt = Task.Run(() => Run("remove", input, "--starless", P("out.tif"), "--model", pipe));
        bool done = attempt.Wait(TimeSpan.FromSeconds(30));
        if (!done) using (File.OpenWrite(pipe)) { } // let the blocked open return before failing
        Assert.That(done, Is.True, "still waiting for a writer on the model pipe");
        Assert.That(attempt.Result.Code, Is.EqualTo(ExitCodes.InputError), attempt.Result.Err);
        Assert.That(attempt.Result.Err, Does.Contain(pipe + ": empty file, or not a regular file"));
        // Bytes that are not ONNX were exit 3 ("model file is not a valid ONNX protobuf"), no path.
        File.WriteAllText(P("garbage.onnx"), "garbage");
        var (code, _, err) = Run("remove", input, "--starless", P("out.tif"), "--model", P("garbage.onnx"));
        Assert.That(code, Is.EqualTo(ExitCodes.InputError), err);
        Assert.That(err, Does.Contain(P("garbage.onnx") + ": not an ONNX model"));
        // A folder; models whose metadata parses but that ORT refuses to load: an operator it
        // does not know (INVALID_GRAPH), an IR version newer than it reads (FAIL, "Load model
        // from ..."); metadata beside the model in a sidecar that is not a JSON object.
        (code, _, err) = Run("remove", input, "--starless", P("out.tif"), "--model", _dir);
        Assert.That((code, err), Is.EqualTo((ExitCodes.InputError, $"starplugin: error: {_dir}: is a folder, not a file" + Environment.NewLine)));
        var unknownOp = new OnnxModelBuilder().Input("x", "n", 3, "h", "w").Output("y", "n", 3, "h", "w")
            .Node("NoSuchOperator", ["x"], ["y"]).Meta("starplugin.channels", "3").Save(_dir, "unknown-op.onnx");
        string future = TestModels.LocalContrast().IrVersion(99).Save(_dir, "future.onnx");
        string sidecarred = TestModels.LocalContrast().Save(_dir, "sidecar.onnx");
        File.WriteAllText(sidecarred + ".json", "[1, 2]");
        foreach (var (model, named) in new[] { (unknownOp, unknownOp), (future, future), (sidecarred, sidecarred + ".json") })
        {
            (code, _, err) = Run("remove", input, "--starless", P("out.tif"), "--model", model);
            Assert.That(code, Is.EqualTo(ExitCodes.InputError), err);
            Assert.That(err, Does.StartWith($"starplugin: error: {named}: "), model);
            AssertNoTypeNames(err);
        }
        Assert.That(File.Exists(P("out.tif")), Is.False);
        // The model as it was is fine: the cases above fail for what was done to it.
        Assert.That(Run("remove", input, "--starless", P("out.tif"), "--model", _model).Code, Is.EqualTo(0));
    }

    // --- memory: a tiny file that declares a huge image ---

    private string ZeroPng(string name, int w, int h)
    {
        File.WriteAllBytes(P(name), PngTestWriter.ZeroGrey(w, h));
        return P(name);
    }

    [Test]
    public void AHugeImageInATinyFileIsRefusedFromItsHeaderAndInfoReadsOnlyTheHeader()
    {
        string png = ZeroPng("huge.png", 24000, 24000); // 576 megapixels, 2.3 GB as float
        Assert.That(new FileInfo(png).Length, Is.LessThan(2_000_000));
        long before = GC.GetAllocatedBytesForCurrentThread();
        var (code, _, err) = Run("remove", png, "--starless", P("sl.png"), "--model", _model);
        long removeBytes = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(code, Is.EqualTo(ExitCodes.InputError), err);
        Assert.That(err, Does.Contain("576 megapixels").And.Contain("--max-megapixels 500"));
        Assert.That(removeBytes, Is.LessThan(64L << 20), "refused from the header, without decoding");
        before = GC.GetAllocatedBytesForCurrentThread();
        var (icode, json, ierr) = Run("info", png, "--json");
        long infoBytes = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(icode, Is.EqualTo(0), ierr);
        Assert.That(infoBytes, Is.LessThan(64L << 20), "info maps the file and reads the header only");
        using var doc = JsonDocument.Parse(json);
        Assert.That(doc.RootElement.GetProperty("width").GetInt32(), Is.EqualTo(24000));
        Assert.That(doc.RootElement.GetProperty("depth").GetString(), Is.EqualTo("uint8"));
        Assert.That(doc.RootElement.GetProperty("statistics").ValueKind, Is.EqualTo(JsonValueKind.Null));
        // A lower limit, and one that admits the image (the limit is the only thing in the way).
        string mid = ZeroPng("mid.png", 3000, 3000);
        (code, _, err) = Run("detect", mid, "--max-megapixels", "5");
        Assert.That(code, Is.EqualTo(ExitCodes.InputError), err);
        Assert.That(err, Does.Contain("9 megapixels"));
        Assert.That(Run("detect", mid, "--max-megapixels", "10").Code, Is.EqualTo(0));
    }

    /// <summary>Peak RSS in MiB of one CLI run, measured by a parent that has no other child.</summary>
    private static (int Code, double PeakMiB, string Output) PeakRun(params string[] args)
    {
        const string Measure = "import resource, subprocess, sys\n" +
            "r = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n" +
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n" +
            "print(r.returncode); print(r.stderr)";
        // The collector's young-generation budget follows the CPU's L3 cache: on a host with
        // 260 MiB of it every run's peak rose by 30-40 MiB (0.25 of a plane here), whatever
        // the image. Held at 16 MiB, so the bounds measure image-sized memory only.
        var (code, output) = Repo.Run("/usr/bin/python3", ["-c", Measure, "dotnet", CliDll, .. args], env: new Dictionary<string, string> { ["DOTNET_GCgen0size"] = "0x1000000" });
        Assert.That(code, Is.EqualTo(0), output);
        var lines = output.Split('\n');
        return (int.Parse(lines[1]), double.Parse(lines[0]) / 1024, string.Join("\n", lines.Skip(2)));
    }

    /// <summary>
    /// Removal holds the input as float, one float image per output, and tile-sized
    /// buffers: from 512² to 4096² (a 64 MiB plane) the peak grows by about the two planes
    /// of input and starless output. Before, it grew by five to six planes (issue 19:
    /// 8.56 GB for a 20000² PNG, 5.3× its float size).
    /// </summary>
    [Test]
    public void RemovalPeakMemoryGrowsByTheInputAndOneImagePerOutput()
    {
        string small = ZeroPng("small.png", 512, 512), large = ZeroPng("large.png", 4096, 4096);
        // A tiny star so the census has something to find; zeros otherwise.
        var (c1, p1, o1) = PeakRun("remove", small, "--starless", P("s.tif"), "--model", _model, "--tile", "256");
        var (c2, p2, o2) = PeakRun("remove", large, "--starless", P("l.tif"), "--model", _model, "--tile", "256");
        Assert.That(c1, Is.EqualTo(0), o1);
        Assert.That(c2, Is.EqualTo(0), o2);
        double plane = 4096.0 * 4096 * 4 / (1 << 20); // 64 MiB
        TestContext.Out.WriteLine($"peak RSS 512²: {p1:F0} MiB, 4096²: {p2:F0} MiB, growth {(p2 - p1) / plane:F2} planes");
        Assert.That(p2 - p1, Is.LessThan(2.6 * plane), "input + starless output (+ decoder and GC slack), not five or six planes");
    }

    /// <summary>
    /// The same bound on a star field with a nebula, through the whole default pipeline
    /// (star census, cleanup, keeping galaxies on) and a compressed float TIFF in and out.
    /// Tall images of one width, so the detector's row bands (width × rows) stay the same
    /// and only image-sized memory shows. Before: the network alone grew by 2.5 planes (the
    /// file's bytes stayed resident after decoding), the default pipeline with galaxies by
    /// 7.3 (luminance, label and weight planes in the galaxy stage, the TIFF writer's
    /// in-memory file), then by 3.1 (a closure allocated per pixel in the saturated-disc
    /// scan, a copy per row in the TIFF float predictor, the census' binned and colour
    /// luminance planes kept resident by the collector after they died); now by about 2.2.
    /// </summary>
    [Test]
    public void RemovalPeakMemoryOnAStarFieldStaysNearTheInputAndOneImagePerOutput()
    {
        string small = P("field-1.tif"), large = P("field-16.tif");
        Assert.That(Run("synth", "stars", small, "--width", "2048", "--height", "1024", "--stars", "1000", "--seed", "3").Code, Is.EqualTo(0));
        Assert.That(Run("synth", "stars", large, "--width", "2048", "--height", "16384", "--stars", "16000", "--seed", "3").Code, Is.EqualTo(0));
        double plane = 2048.0 * (16384 - 1024) * 4 / (1 << 20); // 120 MiB between the two
        double Growth(params string[] options)
        {
            var (c1, p1, o1) = PeakRun(["remove", small, "--starless", P("s1.tif"), "--model", _model, "--force", .. options]);
            var (c2, p2, o2) = PeakRun(["remove", large, "--starless", P("s16.tif"), "--model", _model, "--force", .. options]);
            Assert.That(c1, Is.EqualTo(0), o1);
            Assert.That(c2, Is.EqualTo(0), o2);
            TestContext.Out.WriteLine($"{string.Join(' ', options)}: peak {p1:F0} -> {p2:F0} MiB, growth {(p2 - p1) / plane:F2} planes");
            return (p2 - p1) / plane;
        }
        // 2.2-2.35 planes on different machines of the same kind (2.32-2.35 on 2026-12-05's,
        // with and without that day's changes): a margin for the allocator and the collector.
        // On 2026-12-07's host (260 MiB of L3, the young generation held at 16 MiB above) the
        // network alone 1.99-2.18 and the default stages 2.46-2.51, the code of 12-06 and of
        // 12-07 alike: the stages' bound allows that host; a stage's plane would add 1.
        Assert.That(Growth("--no-cleanup", "--keep-galaxies", "never"), Is.LessThan(2.4), "network alone: input + starless");
        Assert.That(Growth("--keep-galaxies", "always"), Is.LessThan(2.75), "default stages: input + starless + the stages' working sets, no stage's planes");
    }

    /// <summary>
    /// The bound on colour: three channel planes of input and three of starless output.
    /// The census' luminance plane is native memory given back before the outputs exist;
    /// before, the collector kept it resident beside them (7.2 channel planes).
    /// </summary>
    [Test]
    public void RemovalPeakMemoryOnAColourFieldStaysNearTheInputAndOneImagePerOutput()
    {
        string small = P("colour-1.tif"), large = P("colour-8.tif");
        Assert.That(Run("synth", "stars", small, "--rgb", "--width", "2048", "--height", "1024", "--stars", "1000", "--seed", "5").Code, Is.EqualTo(0));
        Assert.That(Run("synth", "stars", large, "--rgb", "--width", "2048", "--height", "8192", "--stars", "8000", "--seed", "5").Code, Is.EqualTo(0));
        double channel = 2048.0 * (8192 - 1024) * 4 / (1 << 20); // 56 MiB between the two
        var (c1, p1, o1) = PeakRun("remove", small, "--starless", P("c1.tif"), "--model", _model, "--force", "--keep-galaxies", "always");
        var (c2, p2, o2) = PeakRun("remove", large, "--starless", P("c8.tif"), "--model", _model, "--force", "--keep-galaxies", "always");
        Assert.That(c1, Is.EqualTo(0), o1);
        Assert.That(c2, Is.EqualTo(0), o2);
        TestContext.Out.WriteLine($"colour: peak {p1:F0} -> {p2:F0} MiB, growth {(p2 - p1) / channel:F2} channel planes");
        Assert.That((p2 - p1) / channel, Is.LessThan(6.5), "three channels of input + three of starless (6; the margin is measurement noise)");
    }

    /// <summary>
    /// A crowded field against a sparse one of the same size. The census and the
    /// keep-galaxies stage's segmentation grow with what the image holds, not with its size:
    /// with no limit (--max-sources 0) a star every 6 px (about 700 000 sources in
    /// 2048 × 16384) peaks about 1.1 planes above a star every 60 px. With a limit the
    /// census keeps the strongest sources and the segmentation refuses beyond its runs, so
    /// the crowded field peaks within the limit's own memory of the sparse one, and says so.
    /// (Before the census was compacted it was 1.9 planes; before the limit it had no bound.)
    /// </summary>
    [Test]
    public void RemovalPeakMemoryOnACrowdedFieldIsBoundedByTheSourceLimit()
    {
        const int W = 2048, H = 16384;
        string sparse = P("grid-60.pfm"), crowded = P("grid-6.pfm");
        WriteStarGrid(sparse, W, H, 60, 1);
        WriteStarGrid(crowded, W, H, 6, 2);
        // The crowded field must be crowded for the detector (about 700 000 sources), or
        // the comparison below would measure nothing.
        var (dc, dout, derr) = Run("detect", crowded);
        Assert.That(dc, Is.EqualTo(0), derr);
        var found = System.Text.RegularExpressions.Regex.Match(dout, @": (\d+) stars");
        Assert.That(found.Success && int.Parse(found.Groups[1].Value) > 500_000, Is.True, dout);
        string[] Removal(string input, string output, string limit) =>
            ["remove", input, "--starless", P(output), "--model", _model, "--force", "--keep-galaxies", "always", "--max-sources", limit];
        var (c1, p1, o1) = PeakRun(Removal(sparse, "grid-60-out.pfm", "50000"));
        var (c2, p2, o2) = PeakRun(Removal(crowded, "grid-6-free.pfm", "0"));
        var (c3, p3, o3) = PeakRun(Removal(crowded, "grid-6-limited.pfm", "50000"));
        Assert.That(c1, Is.EqualTo(0), o1);
        Assert.That(c2, Is.EqualTo(0), o2);
        Assert.That(c3, Is.EqualTo(0), o3);
        Assert.That(o1, Does.Not.Contain("--max-sources"), "the sparse field is within the limit");
        Assert.That(o3, Does.Contain("the star census met its limit of 50000 sources").And.Contain("the keep-galaxies stage found more than 400000 runs"));
        double plane = (double)W * H * 4 / (1 << 20); // 128 MiB
        TestContext.Out.WriteLine($"star every 60 px: peak {p1:F0} MiB; every 6 px: no limit {p2:F0} MiB ({(p2 - p1) / plane:F2} planes more), 50 000 sources {p3:F0} MiB ({(p3 - p1) / plane:F2} planes more)");
        Assert.That((p2 - p1) / plane, Is.GreaterThan(0.7), "without a limit the census grows with the sources (what the limit is for)");
        Assert.That((p3 - p1) / plane, Is.LessThan(0.35), "50 000 sources at about 180 bytes, 400 000 runs at 12, and measurement noise");
    }

    /// <summary>A float PFM of Gaussian stars (σ 1 px, jittered, amplitudes 0.1–0.4) on a grid of the given spacing, over a sky of 0.1 ± 0.005.</summary>
    private static void WriteStarGrid(string path, int w, int h, int spacing, int seed)
    {
        var rng = new Random(seed);
        var rows = new float[h][];
        for (int y = 0; y < h; y++)
        {
            rows[y] = new float[w];
            for (int x = 0; x < w; x++) rows[y][x] = 0.1f + 0.005f * (float)rng.NextGaussian();
        }
        for (int cy = spacing / 2; cy < h; cy += spacing)
            for (int cx = spacing / 2; cx < w; cx += spacing)
            {
                double sx = cx + rng.NextDouble() - 0.5, sy = cy + rng.NextDouble() - 0.5, amp = 0.1 + 0.3 * rng.NextDouble();
                for (int y = Math.Max(0, cy - 4); y <= Math.Min(h - 1, cy + 4); y++)
                    for (int x = Math.Max(0, cx - 4); x <= Math.Min(w - 1, cx + 4); x++)
                        rows[y][x] += (float)(amp * Math.Exp(-((x - sx) * (x - sx) + (y - sy) * (y - sy)) / 2));
            }
        using var file = File.Create(path);
        file.Write(System.Text.Encoding.ASCII.GetBytes($"Pf\n{w} {h}\n-1.0\n"));
        for (int y = h - 1; y >= 0; y--) file.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(rows[y].AsSpan())); // PFM rows run bottom-up
    }

    /// <summary>
    /// info --stats on a FITS file reads it rows at a time: a 600-megapixel image (1.2 GB
    /// on disk) gets exact statistics in bounded memory, where before it was refused by
    /// --max-megapixels or decoded whole (2.4 GB as float). Files written by astropy and by
    /// hand (a sparse file); truth from numpy.
    /// </summary>
    [Test]
    public void InfoStatisticsOfALargeFitsStreamInBoundedMemory()
    {
        Astropy.Require();
        string small = P("astropy-i16.fits"), huge = P("huge-i16.fits");
        const string Make = """
import sys, numpy as np
from astropy.io import fits
small, huge = sys.argv[1:3]
rng = np.random.default_rng(7)
a = rng.normal(1000, 30, (1500, 1201)).astype(np.int16)
a[5, 7] = -999
h = fits.PrimaryHDU(a); h.header['BZERO'] = 32768; h.header['BSCALE'] = 1; h.header['BLANK'] = -999
h.writeto(small, overwrite=True)
v = (a.astype(np.float64) + 32768)[a != -999]
v.sort(); med = v[len(v) // 2]; d = np.sort(np.abs(v - med))
print(v[0], v[-1], med, d[len(d) // 2])
# 30000 x 20000 int16, zeros but for a few rows written at their offsets.
hdr = fits.Header(); hdr['SIMPLE'] = True; hdr['BITPIX'] = 16; hdr['NAXIS'] = 2; hdr['NAXIS1'] = 30000; hdr['NAXIS2'] = 20000; hdr['BLANK'] = -32768
text = hdr.tostring().encode()
with open(huge, 'wb') as f:
    f.write(text)
    def put(row, col, value):
        f.seek(len(text) + (row * 30000 + col) * 2); f.write(np.array([value], '>i2').tobytes())
    put(0, 0, -1234); put(19999, 29999, 4321); put(10000, 15000, -32768)
    end = len(text) + 30000 * 20000 * 2
    f.seek(end + (2880 - end % 2880) % 2880 - 1); f.write(b'\0')
""";
        var (made, truth) = Repo.Run(Astropy.Python, ["-c", Make, small, huge]);
        Assert.That(made, Is.EqualTo(0), truth);
        var t = truth.Trim().Split(' ').Select(x => double.Parse(x, CultureInfo.InvariantCulture)).ToArray();

        var (code, text, err) = Run("info", small, "--stats", "--json");
        Assert.That(code, Is.EqualTo(0), err);
        var st = JsonDocument.Parse(text).RootElement.GetProperty("statistics")[0];
        Assert.That(st.GetProperty("min").GetDouble(), Is.EqualTo(t[0]));
        Assert.That(st.GetProperty("max").GetDouble(), Is.EqualTo(t[1]));
        Assert.That(st.GetProperty("median").GetDouble(), Is.EqualTo(t[2]).Within(0.01));
        Assert.That(st.GetProperty("mad").GetDouble(), Is.EqualTo(t[3]).Within(0.01));
        Assert.That(st.GetProperty("blank").GetInt32(), Is.EqualTo(1));

        var (hcode, peak, output) = PeakRun("info", huge, "--stats", "--json");
        Assert.That(hcode, Is.EqualTo(0), output);
        TestContext.Out.WriteLine($"info --stats on 600 megapixels: peak RSS {peak:F0} MiB");
        Assert.That(peak, Is.LessThan(300), "rows at a time, not the 2.4 GB image");
        (code, text, err) = Run("info", huge, "--stats", "--json");
        Assert.That(code, Is.EqualTo(0), err);
        st = JsonDocument.Parse(text).RootElement.GetProperty("statistics")[0];
        Assert.That(st.GetProperty("min").GetDouble(), Is.EqualTo(-1234));
        Assert.That(st.GetProperty("max").GetDouble(), Is.EqualTo(4321));
        Assert.That(st.GetProperty("median").GetDouble(), Is.EqualTo(0));
        Assert.That(st.GetProperty("blank").GetInt32(), Is.EqualTo(1), "BLANK is counted, not taken as a value");
    }

    // --- temporaries and signals ---

    [Test]
    public void StaleTemporariesOfDeadRunsAreRemovedAndLiveOnesKept()
    {
        string input = Field("in.fits");
        // Above the kernel's largest PID (2^22): no such process can exist.
        string dead = P($".out.fits.{(1 << 22) + 17}.{Guid.NewGuid():N}.tmp");
        string live = P($".out.fits.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        string foreign = P(".out.fits.notours.tmp");
        foreach (var f in new[] { dead, live, foreign }) File.WriteAllBytes(f, new byte[1000]);
        var (code, _, err) = Run("convert", input, P("out.fits"));
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(File.Exists(dead), Is.False, "a killed run's temporary is removed");
        Assert.That(File.Exists(live), Is.True, "a running process's temporary is left alone");
        Assert.That(File.Exists(foreign), Is.True, "only our own pattern is touched");
    }

    private static string CliDll => Path.Combine(AppContext.BaseDirectory, "starplugin.dll");

    /// <summary>Whether <paramref name="proc"/> has read at least <paramref name="bytes"/> through read() (Linux's /proc/PID/io rchar) within <paramref name="timeout"/>.</summary>
    private static bool WaitForBytesRead(Process proc, long bytes, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout && !proc.HasExited)
        {
            try
            {
                var line = File.ReadLines($"/proc/{proc.Id}/io").FirstOrDefault(l => l.StartsWith("rchar:"));
                if (line != null && long.Parse(line["rchar:".Length..].Trim()) >= bytes) return true;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The process is ending, or /proc is not Linux's: no use waiting.
                if (!File.Exists($"/proc/{proc.Id}/io")) return false;
            }
            Thread.Sleep(20);
        }
        return false;
    }

    [Test]
    public void SigtermCancelsLikeCtrlCAndLeavesNoFiles()
    {
        string input = Field("big.fits", 2400, 3);
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { CliDll, "remove", input, "--starless", P("out.fits"), "--model", _model, "--tile", "64", "--overlap", "16" }) psi.ArgumentList.Add(a);
        using var proc = Process.Start(psi)!;
        var err = new StringBuilder();
        proc.ErrorDataReceived += (_, e) => { if (e.Data == null) return; lock (err) err.AppendLine(e.Data); };
        proc.BeginErrorReadLine();
        // The run says its model and device only when done (the session opens during it):
        // it is in the work once it has read as many bytes as the input holds.
        Assert.That(WaitForBytesRead(proc, new FileInfo(input).Length, TimeSpan.FromSeconds(120)), Is.True, "the image was read");
        Thread.Sleep(300); // inside the work
        Assert.That(Repo.Run("kill", ["-TERM", proc.Id.ToString()]).Code, Is.EqualTo(0));
        Assert.That(proc.WaitForExit(60_000), Is.True, "exits promptly after SIGTERM");
        proc.WaitForExit();
        string text; lock (err) text = err.ToString();
        Assert.That(proc.ExitCode, Is.EqualTo(ExitCodes.ProcessingError), text);
        Assert.That(text, Does.Contain("cancelled"));
        Assert.That(Directory.GetFiles(_dir).Where(f => f.EndsWith(".tmp") || f.EndsWith("out.fits")), Is.Empty, "no output, no temporary");
    }

    [Test]
    public void ACancelledBatchLeavesWholeSetsAndStillReports()
    {
        // A hostile run: SIGTERM while a file's first output was being written left that
        // one written and the star layer and mask not (a rerun then refused to start), and a
        // cancelled --json batch printed no summary of the files it had done.
        Directory.CreateDirectory(P("in")); Directory.CreateDirectory(P("out"));
        string field = Field("in/a.tif", 1600, 3);
        foreach (var name in new[] { "b", "c", "d", "e" }) File.Copy(field, P($"in/{name}.tif"));
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { CliDll, "remove", P("in"), "--out-dir", P("out"), "--with-stars", "--with-mask", "--json", "--model", _model, "--tile", "256" }) psi.ArgumentList.Add(a);
        using var proc = Process.Start(psi)!;
        var stdout = proc.StandardOutput.ReadToEndAsync();
        var stderr = proc.StandardError.ReadToEndAsync();
        // Once the first file is done, the next write's temporary: SIGTERM in the middle of a set.
        bool sent = false;
        while (!proc.HasExited && !sent)
        {
            if (File.Exists(P("out/a_mask.tif")) && Directory.GetFiles(P("out"), "*.tmp", new EnumerationOptions { AttributesToSkip = 0 }).Length > 0)
                sent = Repo.Run("kill", ["-TERM", proc.Id.ToString()]).Code == 0;
            else Thread.Sleep(2);
        }
        Assert.That(proc.WaitForExit(120_000), Is.True);
        proc.WaitForExit();
        if (!sent || proc.ExitCode == 0) Assert.Inconclusive("the batch ended before the signal");
        Assert.That(proc.ExitCode, Is.EqualTo(ExitCodes.ProcessingError), stderr.Result);
        foreach (var name in new[] { "a", "b", "c", "d", "e" })
        {
            int written = new[] { "starless", "stars", "mask" }.Count(k => File.Exists(P($"out/{name}_{k}.tif")));
            Assert.That(written, Is.EqualTo(0).Or.EqualTo(3), $"{name}: all of its outputs or none");
        }
        Assert.That(Directory.GetFiles(P("out"), "*.tmp", new EnumerationOptions { AttributesToSkip = 0 }), Is.Empty, "no temporary left");
        using var summary = JsonDocument.Parse(stdout.Result);
        var root = summary.RootElement;
        Assert.That(root.GetProperty("cancelled").GetBoolean(), Is.True);
        Assert.That(root.GetProperty("done").GetInt32(), Is.GreaterThanOrEqualTo(1));
        Assert.That(root.GetProperty("not_done").GetInt32(), Is.GreaterThanOrEqualTo(1));
        var status = root.GetProperty("files").EnumerateArray().ToDictionary(f => Path.GetFileNameWithoutExtension(f.GetProperty("input").GetString()!), f => f.GetProperty("status").GetString());
        Assert.That(status["a"], Is.EqualTo("done"));
        foreach (var (name, st) in status)
            Assert.That(File.Exists(P($"out/{name}_starless.tif")), Is.EqualTo(st == "done"), $"{name}: {st}");
    }

    [Test]
    public void AWriteErrorNamesTheOutputNotTheTemporary()
    {
        // A file-size limit makes the write fail once it has started (the folder check
        // passed): the message must name out.fits, not .out.fits.PID.GUID.tmp.
        string input = Field("in.fits", 200);
        // (W^X off: the runtime's double-mapped code heap is itself a file the limit would stop.)
        var (code, output) = Repo.Run("sh", ["-c", "trap '' XFSZ; ulimit -f 4; exec dotnet \"$0\" convert \"$1\" \"$2\"", CliDll, input, P("out.fits")],
            env: new Dictionary<string, string> { ["DOTNET_EnableWriteXorExecute"] = "0" });
        Assert.That(code, Is.EqualTo(ExitCodes.ProcessingError), output);
        Assert.That(output, Does.Contain(P("out.fits")).And.Contain("cannot write"));
        Assert.That(output, Does.Not.Contain(".tmp"));
        Assert.That(Directory.GetFiles(_dir).Where(f => f.EndsWith(".tmp") || f.EndsWith("out.fits")), Is.Empty, "the temporary is removed");
        AssertNoTypeNames(output);
    }
}
