using System.Globalization;
using System.Text.RegularExpressions;
using StarPlugin.Detection;
using StarPlugin.Imaging;
using StarPlugin.Tests.Support;

namespace StarPlugin.Tests.Hosts;

/// <summary>
/// Every StarPlugin procedure in headless GIMP 2.10 (gimp-console): 8-bit, 16-bit and
/// float, with and without a selection, Repeat with the last values, the new layers'
/// composite, the registration against the filter table, and G'MIC-Qt.
/// </summary>
[NonParallelizable]
public partial class GimpHostTests
{
    private HostFixture _h = null!;
    private string _log = "", _refusals = "";

    private const string Defines = """
        (define (open f) (car (gimp-file-load RUN-NONINTERACTIVE f f)))
        (define (drw img) (car (gimp-image-get-active-drawable img)))
        (define (save img f) (gimp-file-save RUN-NONINTERACTIVE img (drw img) f f))
        (define (layers img) (car (gimp-image-get-layers img)))
        (define (channels img) (car (gimp-image-get-channels img)))
        (define (say . parts) (gimp-message (apply string-append (map (lambda (p) (if (number? p) (number->string p) p)) parts))))
        (define (merged img f) (gimp-image-merge-visible-layers img CLIP-TO-IMAGE) (save img f))
        (define (set-last proc text) (let ((b (list->vector (map char->integer (string->list text))))) (gimp-procedural-db-set-data proc (vector-length b) b)))
        (define (get-last proc) (list->string (map integer->char (vector->list (cadr (gimp-procedural-db-get-data proc))))))
        """;

    // One GIMP session runs every case (start-up costs seconds); each case saves its result.
    // Remove: output (0 replace, 1 layers), stretch, cleanup, keep-galaxies, tile, binning (0 off, 1 auto, 2..4 = 2x2..4x4).
    private static readonly string[] Cases =
    [
        """(let* ((i (open "field.png"))) (save i "input.tif") (gimp-image-convert-precision i 600) (save i "inputf.tif") (gimp-image-delete i))""",
        """(let* ((i (open "field.png"))) (gimp-image-convert-precision i 250) (save i "input16.png") (gimp-image-delete i))""",
        """(let* ((i (open "field.png"))) (plug-in-starplugin-remove-stars RUN-NONINTERACTIVE i (drw i) 0 0 1 0 0 0) (save i "remove8.tif") (gimp-image-delete i))""",
        """(let* ((i (open "field.png"))) (plug-in-starplugin-remove-stars RUN-NONINTERACTIVE i (drw i) 0 0 0 0 0 0) (save i "remove8nc.tif") (gimp-image-delete i))""",
        """(let* ((i (open "field.png"))) (plug-in-starplugin-remove-stars RUN-NONINTERACTIVE i (drw i) 0 0 1 1 0 0) (save i "remove8kg.tif") (gimp-image-delete i))""",
        """(let* ((i (open "field.png"))) (gimp-image-convert-precision i 600) (plug-in-starplugin-remove-stars RUN-NONINTERACTIVE i (drw i) 0 1 1 0 0 0) (save i "removef.tif") (gimp-image-delete i))""",
        """(let* ((i (open "field.png"))) (gimp-image-select-rectangle i CHANNEL-OP-REPLACE 0 0 48 96) (plug-in-starplugin-remove-stars RUN-NONINTERACTIVE i (drw i) 0 0 1 0 0 0) (gimp-selection-none i) (save i "removesel.tif") (gimp-image-delete i))""",
        """(let* ((i (open "field.png"))) (gimp-image-convert-precision i 600) (gimp-image-select-rectangle i CHANNEL-OP-REPLACE 48 0 48 96) (plug-in-starplugin-remove-stars RUN-NONINTERACTIVE i (drw i) 0 0 1 0 0 0) (gimp-selection-none i) (save i "removeself.tif") (gimp-image-delete i))""",
        // New layers: Starless + Stars (Addition) must composite back to the original.
        """(let* ((i (open "field.png"))) (plug-in-starplugin-remove-stars RUN-NONINTERACTIVE i (drw i) 1 0 1 0 0 0) (say "LAYERS-REMOVE " (layers i) " " (channels i)) (let ((ls (cadr (gimp-image-get-layers i)))) (say "NAMES " (car (gimp-item-get-name (aref ls 0))) "/" (car (gimp-item-get-name (aref ls 1)))) (gimp-file-save RUN-NONINTERACTIVE i (aref ls 1) "starless8.png" "starless8.png")) (merged i "layers8.png") (gimp-image-delete i))""",
        """(let* ((i (open "field.png"))) (gimp-image-convert-precision i 250) (plug-in-starplugin-remove-stars RUN-NONINTERACTIVE i (drw i) 1 0 1 0 0 0) (merged i "layers16.png") (gimp-image-delete i))""",
        """(let* ((i (open "field.png"))) (gimp-image-convert-precision i 600) (plug-in-starplugin-remove-stars RUN-NONINTERACTIVE i (drw i) 1 0 1 0 0 0) (merged i "layersf.tif") (gimp-image-delete i))""",
        """(let* ((i (open "field.png"))) (gimp-image-select-ellipse i CHANNEL-OP-REPLACE 10 10 70 70) (gimp-selection-feather i 16) (plug-in-starplugin-remove-stars RUN-NONINTERACTIVE i (drw i) 1 0 1 0 0 0) (gimp-selection-none i) (merged i "layerssel.png") (gimp-image-delete i))""",
        """(let* ((i (open "oversampled.png"))) (plug-in-starplugin-remove-stars RUN-NONINTERACTIVE i (drw i) 0 0 1 0 0 2) (save i "remove-bin2.tif") (gimp-image-delete i))""",
        """(let* ((i (open "oversampled.png"))) (plug-in-starplugin-remove-stars RUN-NONINTERACTIVE i (drw i) 0 0 1 0 0 0) (save i "remove-bin-off.tif") (gimp-image-delete i))""",
        """(let* ((i (open "field.png"))) (plug-in-starplugin-reduce-stars RUN-NONINTERACTIVE i (drw i) 0.8 1) (save i "reduce.tif") (gimp-image-delete i))""",
        // Repeat (Ctrl+F): GIMP's last values, whatever the other arguments say.
        """(let* ((i (open "field.png"))) (plug-in-starplugin-reduce-stars RUN-NONINTERACTIVE i (drw i) 0.9 1) (save i "reduce91.tif") (gimp-image-delete i))""",
        """(let* ((i (open "field.png"))) (plug-in-starplugin-reduce-stars RUN-NONINTERACTIVE i (drw i) 0.5 0) (save i "reduce50.tif") (gimp-image-delete i))""",
        """(let* ((i (open "field.png"))) (set-last "plug-in-starplugin-reduce-stars" "amount=0.9\nmode=1\n") (plug-in-starplugin-reduce-stars RUN-WITH-LAST-VALS i (drw i) 0.1 0) (save i "repeat.tif") (gimp-image-delete i))""",
        """(let* ((i (open "field.png"))) (plug-in-starplugin-star-mask RUN-WITH-LAST-VALS i (drw i) 1) (say "LAYERS-REPEAT-MASK " (layers i)) (gimp-image-delete i))""",
        """(let* ((i (open "field.png"))) (plug-in-starplugin-star-mask RUN-NONINTERACTIVE i (drw i) 0) (say "LAYERS-MASK " (layers i)) (gimp-image-delete i))""",
        """(let* ((i (open "field.png"))) (plug-in-starplugin-star-mask RUN-NONINTERACTIVE i (drw i) 1) (say "SELECTION-EMPTY " (car (gimp-selection-is-empty i))) (gimp-image-delete i))""",
        """(let* ((i (open "field.png"))) (say "DETECT-COUNT " (car (plug-in-starplugin-detect-stars RUN-NONINTERACTIVE i (drw i) 0.58 5 "catalogue.csv"))) (say "LAYERS-DETECT " (layers i) " " (car (gimp-item-get-name (aref (cadr (gimp-image-get-layers i)) 0)))) (gimp-image-delete i))""",
        """(let* ((i (open "cutout.png"))) (plug-in-starplugin-mock-lens RUN-NONINTERACTIVE i (drw i) 10 0.8 40 1.5 3) (save i "lens.tif") (gimp-image-delete i))""",
        """(let* ((i (open "field.png"))) (plug-in-gmic-qt RUN-NONINTERACTIVE i (drw i) 1 0 "starless_gui 0,1,0,0") (save i "gmicqt.tif") (gimp-image-delete i))""",
        // What GIMP registered: PROC name, then ARG index type name for each argument.
        """(for-each (lambda (p) (let ((n (cadr (cddddr (cdr (gimp-procedural-db-proc-info p)))))) (say "PROC " p " " n) (let loop ((k 0)) (if (< k n) (let ((a (gimp-procedural-db-proc-arg p k))) (say "ARG " p " " k " " (car a) " " (cadr a)) (loop (+ k 1))))))) (list "plug-in-starplugin-remove-stars" "plug-in-starplugin-reduce-stars" "plug-in-starplugin-star-mask" "plug-in-starplugin-detect-stars" "plug-in-starplugin-mock-lens"))""",
    ];

    // Calls that must fail with a message, and change nothing.
    private static readonly string[] Refusals =
    [
        """(let* ((i (open "field.png"))) (gimp-image-convert-indexed i CONVERT-DITHER-NONE CONVERT-PALETTE-GENERATE 32 FALSE FALSE "") (plug-in-starplugin-remove-stars RUN-NONINTERACTIVE i (drw i) 0 0 1 0 0 0) (gimp-image-delete i))""",
        """(let* ((i (open "field.png"))) (plug-in-starplugin-remove-stars RUN-NONINTERACTIVE i (drw i) 0 0 1 0 10 0) (gimp-image-delete i))""",
        """(let* ((i (open "field.png"))) (plug-in-starplugin-remove-stars RUN-NONINTERACTIVE i (drw i) 0 0 1 0 0 5) (gimp-image-delete i))""",
        """(let* ((i (open "field.png"))) (plug-in-starplugin-detect-stars RUN-NONINTERACTIVE i (drw i) 0.58 5 "no/such/folder/stars.csv") (gimp-image-delete i))""",
        """(let* ((i (open "field.png"))) (gimp-image-convert-indexed i CONVERT-DITHER-NONE CONVERT-PALETTE-GENERATE 32 FALSE FALSE "") (catch #f (plug-in-starplugin-reduce-stars RUN-NONINTERACTIVE i (drw i) 0.5 0)) (say "INDEXED-AFTER " (car (gimp-image-base-type i)) " " (layers i)) (gimp-image-delete i))""",
        """(let* ((i (open "field.png"))) (catch #f (plug-in-starplugin-detect-stars RUN-NONINTERACTIVE i (drw i) 0.58 5 "no/such/folder/stars.csv")) (say "DETECT-FAILED-LAYERS " (layers i)) (gimp-image-delete i))""",
    ];

    internal static string RunGimp(HostFixture h, IEnumerable<string> cases, IDictionary<string, string>? extraEnv = null)
    {
        // Definitions do not outlive one -b command: each case carries them, so one failing case cannot stop the others.
        string defines = string.Join(" ", Defines.Split('\n').Select(l => l.Trim()));
        var args = new List<string> { "-i", "-d", "-f", "--stack-trace-mode=never" };
        foreach (var c in cases) { args.Add("-b"); args.Add($"(begin {defines} {c})"); }
        args.AddRange(["-b", "(gimp-quit 0)"]);
        var env = new Dictionary<string, string>(h.Env);
        if (extraEnv != null) foreach (var (k, v) in extraEnv) env[k] = v;
        // Each plug-in call starts a process and loads the model: a busy machine needs minutes.
        var (_, output) = Repo.Run("gimp-console-2.10", args, workDir: h.Dir, env: env, timeoutMs: 1_800_000);
        TestContext.Out.WriteLine(output);
        return output;
    }

    [OneTimeSetUp]
    public void Run()
    {
        _h = new HostFixture();
        _planted = WriteWideField(Path.Combine(_h.Dir, "wide.png"));
        _log = RunGimp(_h, [.. Cases, WideCase]);
        _refusals = RunGimp(_h, Refusals);
    }

    [OneTimeTearDown] public void TearDown() => _h?.Dispose();

    [Test]
    public void LogHasNoErrors() =>
        Assert.That(Regex.IsMatch(_log, "execution error|Calling error|GIMP-Error|CRITICAL|StarPlugin: "), Is.False, _log);

    private static float Max(AstroImage img) => img.Plane(0).ToArray().Max();

    [TestCase("remove8.tif", "input.tif")]
    [TestCase("removef.tif", "inputf.tif")]
    public void RemoveStarsInPlaceDimsStarsAndKeepsTheSky(string output, string input)
    {
        var before = _h.Read(input); var after = _h.Read(output);
        Assert.That(after.Width, Is.EqualTo(96));
        Assert.That(Max(after), Is.LessThan(Max(before) * 0.8f), "star peaks removed");
        float median = RobustStatistics.Median(before.Plane(0));
        // Sky: below the median and outside the disc the cleanup stage may refill around each star.
        var stars = StarDetector.Detect(before, new DetectionOptions { SnrThreshold = 2.5f, Threshold = 0.4f, GMax = 3.2f });
        int w = before.Width, h = before.Height, sky = 0, same = 0;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int i = y * w + x;
                if (before.Data[i] > median) continue;
                if (stars.Any(s => Math.Pow(s.X - x, 2) + Math.Pow(s.Y - y, 2) <= Math.Pow(s.Saturated ? 3 * s.Fwhm + 6 : 2.5 * s.Fwhm + 4, 2))) continue;
                sky++;
                if (Math.Abs(after.Data[i] - before.Data[i]) <= 1.5f / 255) same++;
            }
        Assert.That(sky, Is.GreaterThan(w * h / 16), "enough sky away from stars to test");
        Assert.That(same, Is.EqualTo(sky), "sky pixels away from stars unchanged");
    }

    [Test]
    public void RemoveStarsInPlaceEqualsTheCommandLine()
    {
        // GIMP hands the library the drawable's own numbers (8-bit sRGB as such), so the
        // result is the command line's on the same file.
        string cli = Path.Combine(_h.Dir, "cli-remove.tif");
        var (code, output) = _h.Cli("remove", "field.png", "--starless", cli, "--force");
        Assert.That(code, Is.EqualTo(0), output);
        var gimp = _h.Read("remove8.tif"); var reference = _h.Read("cli-remove.tif");
        for (int i = 0; i < gimp.Data.Length; i++)
            Assert.That(gimp.Data[i], Is.EqualTo(reference.Data[i]).Within(0.6f / 255), $"sample {i}");
    }

    [Test]
    public void RemoveStarsWithoutCleanupLeavesEverySkyPixel()
    {
        var before = _h.Read("input.tif"); var after = _h.Read("remove8nc.tif");
        float median = RobustStatistics.Median(before.Plane(0));
        int sky = 0, same = 0;
        for (int i = 0; i < before.PlaneLength; i++)
            if (before.Data[i] <= median) { sky++; if (Math.Abs(after.Data[i] - before.Data[i]) <= 1.5f / 255) same++; }
        Assert.That(same, Is.EqualTo(sky), "sky pixels unchanged");
        Assert.That(Max(after), Is.LessThan(Max(before) * 0.8f), "star peaks removed");
    }

    [Test]
    public void BinningRemovesAsTheCommandLinesBin()
    {
        // Binning 2x2 (choice 2) on an oversampled picture gives what --bin 2 gives, and not
        // what Off gives: the choice reached the library.
        string cli = Path.Combine(_h.Dir, "cli-bin2.tif");
        var (code, output) = _h.Cli("remove", "oversampled.png", "--starless", cli, "--bin", "2", "--force");
        Assert.That(code, Is.EqualTo(0), output);
        var gimp = _h.Read("remove-bin2.tif"); var reference = _h.Read("cli-bin2.tif"); var off = _h.Read("remove-bin-off.tif");
        Assert.That(gimp.Width, Is.EqualTo(160));
        for (int i = 0; i < gimp.Data.Length; i++)
            Assert.That(gimp.Data[i], Is.EqualTo(reference.Data[i]).Within(0.6f / 255), $"sample {i}");
        Assert.That(gimp.Data.Zip(off.Data).Count(p => Math.Abs(p.First - p.Second) > 1f / 255), Is.GreaterThan(100), "samples unlike Off's");
    }

    [Test]
    public void KeepGalaxiesOnlyGivesLightBack()
    {
        var input = _h.Read("input.tif"); var standard = _h.Read("remove8.tif"); var kept = _h.Read("remove8kg.tif");
        for (int i = 0; i < input.Data.Length; i++)
        {
            Assert.That(kept.Data[i], Is.GreaterThanOrEqualTo(standard.Data[i] - 1.5f / 255), $"sample {i}");
            Assert.That(kept.Data[i], Is.LessThanOrEqualTo(input.Data[i] + 1.5f / 255), $"sample {i}");
        }
    }

    [TestCase("removesel.tif", "input.tif", 48, 96)]
    [TestCase("removeself.tif", "inputf.tif", 0, 48)]
    public void PixelsOutsideTheSelectionAreUnchanged(string output, string input, int outsideFrom, int outsideTo)
    {
        var before = _h.Read(input); var after = _h.Read(output);
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < 96; y++)
                for (int x = outsideFrom; x < outsideTo; x++)
                    Assert.That(after[c, y, x], Is.EqualTo(before[c, y, x]), $"({x},{y}) outside the selection");
        Assert.That(after.Data.Zip(before.Data).Any(p => p.First != p.Second), Is.True, "inside the selection something changed");
    }

    [TestCase("layers8.png", "input.tif", 0f)]
    [TestCase("layers16.png", "input16.png", 0f)]
    [TestCase("layerssel.png", "input.tif", 0f)]
    [TestCase("layersf.tif", "inputf.tif", 1e-6f)]
    public void NewLayersCompositeToTheOriginal(string merged, string original, float tolerance)
    {
        // Starless (Normal) with Stars above it (Addition), merged by GIMP itself, must be
        // the original: exactly in 8 and 16 bits, to float rounding in float.
        Assert.That(_log, Does.Contain("LAYERS-REMOVE 3 1"), "Starless, Stars and the original; the Star Mask channel");
        Assert.That(_log, Does.Contain("NAMES Stars/Starless"), "Stars above Starless");
        var before = _h.Read(original); var after = _h.Read(merged);
        Assert.That((after.Width, after.Height), Is.EqualTo((before.Width, before.Height)));
        int differ = 0; float worst = 0;
        for (int c = 0; c < 3; c++)
            for (int i = 0; i < before.PlaneLength; i++)
            {
                float d = Math.Abs(after.Plane(c)[i] - before.Plane(c)[i]);
                worst = Math.Max(worst, d);
                if (d > tolerance) differ++;
            }
        Assert.That(differ, Is.EqualTo(0), $"{differ} samples differ, by up to {worst}");
    }

    [Test]
    public void TheStarlessLayerHasNoStars()
    {
        // Not a composite that adds up trivially (Stars = everything, Starless = nothing).
        var before = _h.Read("input.tif"); var starless = _h.Read("starless8.png");
        Assert.That(Max(starless), Is.LessThan(Max(before) * 0.8f));
        Assert.That(RobustStatistics.Median(starless.Plane(0)), Is.EqualTo(RobustStatistics.Median(before.Plane(0))).Within(2f / 255));
    }

    [Test]
    public void ReduceStarsDims()
    {
        var before = _h.Read("input.tif"); var after = _h.Read("reduce.tif");
        Assert.That(Max(after), Is.LessThan(Max(before)));
    }

    [Test]
    public void RepeatUsesTheLastValues()
    {
        var repeat = _h.Read("repeat.tif"); var stored = _h.Read("reduce91.tif"); var other = _h.Read("reduce50.tif");
        Assert.That(repeat.Data, Is.EqualTo(stored.Data), "Repeat ran with amount 0.9, mode scale (the stored values)");
        Assert.That(repeat.Data.Zip(other.Data).Any(p => p.First != p.Second), Is.True, "and not with the arguments it was given");
        Assert.That(_log, Does.Contain("LAYERS-REPEAT-MASK 2"), "Repeat with nothing stored runs with the defaults (a new layer)");
    }

    [Test]
    public void StarMaskMakesALayerOrASelection()
    {
        Assert.That(_log, Does.Contain("LAYERS-MASK 2"));
        Assert.That(_log, Does.Contain("SELECTION-EMPTY 0"));
    }

    [Test]
    public void DetectStarsReturnsTheCountAndWritesTheCommandLinesCatalogue()
    {
        var lines = File.ReadAllLines(Path.Combine(_h.Dir, "catalogue.csv"));
        Assert.That(lines[0], Is.EqualTo("row,col,coefficient,brightness,x,y,flux,fwhm,snr,roundness,width,saturated,x_image,y_image,background"));
        // The C API's star record has no background: GIMP leaves that column empty.
        Assert.That(lines.Skip(1).Select(l => l.Split(',')[^1]), Is.All.Empty);
        Assert.That(_log, Does.Contain($"DETECT-COUNT {lines.Length - 1}"));
        Assert.That(_log, Does.Contain($"LAYERS-DETECT 2 Detected Stars ({lines.Length - 1})"));
        Assert.That(lines.Length - 1, Is.InRange(10, 40), "about the 25 synthetic stars");
        string cli = Path.Combine(_h.Dir, "cli.csv");
        var (code, output) = _h.Cli("detect", "field.png", "--csv", cli, "--force");
        Assert.That(code, Is.EqualTo(0), output);
        static string WithoutBackground(string line) => line[..(line.LastIndexOf(',') + 1)];
        Assert.That(lines.Select(WithoutBackground).Order(), Is.EqualTo(File.ReadAllLines(cli).Select(WithoutBackground).Order()), "the same stars, to the last digit");
    }

    [Test]
    public void MockLensAddsLightAroundTheCentre()
    {
        var before = _h.Read("cutout.png"); var after = _h.Read("lens.tif");
        double added = 0;
        for (int y = 16; y < 48; y++) for (int x = 16; x < 48; x++) added += after[1, y, x] - before[1, y, x];
        Assert.That(added, Is.GreaterThan(0.5));
    }

    [Test]
    public void GmicQtRunsOurGuiCommandInsideGimp()
    {
        var before = _h.Read("input.tif"); var after = _h.Read("gmicqt.tif");
        Assert.That(Max(after), Is.LessThan(Max(before) * 0.9f));
    }

    [GeneratedRegex(@"ARG (\S+) (\d+) (\d+) (\S+)")]
    private static partial Regex ArgLine();

    [Test]
    public void GimpRegisteredExactlyTheTable()
    {
        var registered = ArgLine().Matches(_log).GroupBy(m => m.Groups[1].Value)
            .ToDictionary(g => g.Key, g => g.OrderBy(m => int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture))
                .Select(m => (Type: int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture), Name: m.Groups[4].Value)).ToList());
        foreach (var f in FilterTable.Table.Filters)
        {
            Assert.That(registered, Does.ContainKey(f.Proc));
            var expected = new List<(int, string)> { (0, "run-mode"), (13, "image"), (16, "drawable") };
            // GIMP_PDB_INT32 0, FLOAT 3, STRING 4
            expected.AddRange(f.Registered.Select(p => (p.Kind switch { "float" => 3, "file" => 4, _ => 0 }, p.Name)));
            Assert.That(registered[f.Proc], Is.EqualTo(expected), f.Proc);
        }
    }

    [Test]
    public void IndexedImagesAreRefusedWithAMessage()
    {
        Assert.That(_refusals, Does.Contain("the image is indexed: convert it to RGB or grey first"));
        Assert.That(_refusals, Does.Contain("INDEXED-AFTER 2 1"), "still indexed, still one layer");
    }

    [Test]
    public void ABinningBeyondItsChoicesIsRefused() =>
        Assert.That(_refusals, Does.Contain("binning: 5 is not one of its 5 choices (0 to 4)"));

    [Test]
    public void TileSizesBelow64AreRefused() =>
        Assert.That(_refusals, Does.Contain("tile must be 0 (Model's choice) or from 64 to 2048, not 10"));

    [Test]
    public void AFailedCatalogueWriteIsAnErrorAndChangesNothing()
    {
        Assert.That(_refusals, Does.Contain("cannot write the catalogue"));
        Assert.That(_refusals, Does.Contain("DETECT-FAILED-LAYERS 1"));
    }

    [Test]
    public void TheHelpPagesAreInstalledBesideThePlugIn()
    {
        string help = Path.Combine(_h.Home, "gimp2", "plug-ins", "starplugin", "help", "en");
        Assert.That(File.Exists(Path.Combine(help, "gimp-help.xml")), Is.True);
        foreach (var f in FilterTable.Table.Filters)
            Assert.That(File.ReadAllText(Path.Combine(help, "gimp-help.xml")), Does.Contain($"id=\"{f.Proc}\""));
    }
}
