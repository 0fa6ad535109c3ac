using System.Diagnostics;
using StarPlugin.Tests.Support;

namespace StarPlugin.Tests.Hosts;

/// <summary>
/// The GIMP 2.10 dialogs, run as a user runs them, on a virtual display (Xvfb): the
/// plug-in answers its own dialog when STARPLUGIN_TEST_DIALOG is set, after saving a
/// picture of it. Checks that a dialog opens on the last values, gives them back and
/// stores them for Repeat, shows its controls and preview, and offers to convert an
/// indexed image.
/// </summary>
[NonParallelizable]
public class GimpDialogTests
{
    private HostFixture _h = null!;
    private Process? _xvfb;
    private string _log = "", _shots = "";

    private const string Reduce = "plug-in-starplugin-reduce-stars";

    [OneTimeSetUp]
    public void Run()
    {
        _h = new HostFixture();
        if (!File.Exists("/usr/bin/Xvfb"))
        {
            if (Environment.GetEnvironmentVariable("STARPLUGIN_REQUIRE_HOSTS") == "1") Assert.Fail("Xvfb is not installed");
            Assert.Ignore("Xvfb is not installed");
        }
        // -displayfd: Xvfb picks a free display and writes its number when it is ready.
        var psi = new ProcessStartInfo("/usr/bin/Xvfb", "-displayfd 1 -screen 0 1280x1024x24 -nolisten tcp")
        { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        _xvfb = Process.Start(psi)!;
        _xvfb.ErrorDataReceived += (_, _) => { };
        _xvfb.BeginErrorReadLine();
        var line = _xvfb.StandardOutput.ReadLineAsync();
        Assert.That(line.Wait(30_000), Is.True, "Xvfb started");
        string display = ":" + line.Result!.Trim();
        _shots = Path.Combine(_h.Dir, "dialogs");
        Directory.CreateDirectory(_shots);
        var env = new Dictionary<string, string> { ["DISPLAY"] = display, ["STARPLUGIN_TEST_DIALOG"] = "ok", ["STARPLUGIN_TEST_SNAPSHOT"] = _shots };
        _log = GimpHostTests.RunGimp(_h,
        [
            // Reduce: stored values in, the dialog opens on them, OK, they are stored again.
            $$"""(let* ((i (open "field.png"))) (set-last "{{Reduce}}" "amount=0.9\nmode=1\n") (plug-in-starplugin-reduce-stars RUN-INTERACTIVE i (drw i) 0.2 0) (save i "dialog.tif") (say "STORED " (get-last "{{Reduce}}")) (plug-in-starplugin-reduce-stars RUN-WITH-LAST-VALS i (drw i) 0.2 0) (gimp-image-delete i))""",
            """(let* ((i (open "field.png"))) (plug-in-starplugin-reduce-stars RUN-NONINTERACTIVE i (drw i) 0.9 1) (save i "direct.tif") (gimp-image-delete i))""",
            """(let* ((i (open "field.png"))) (plug-in-starplugin-remove-stars RUN-INTERACTIVE i (drw i) 0 0 1 0 0 0) (gimp-image-delete i))""",
            """(let* ((i (open "field.png"))) (plug-in-starplugin-star-mask RUN-INTERACTIVE i (drw i) 0) (gimp-image-delete i))""",
            """(let* ((i (open "field.png"))) (plug-in-starplugin-detect-stars RUN-INTERACTIVE i (drw i) 0.58 5 "") (gimp-image-delete i))""",
            """(let* ((i (open "cutout.png"))) (plug-in-starplugin-mock-lens RUN-INTERACTIVE i (drw i) 8 0.8 30 1.5 1) (gimp-image-delete i))""",
            // Indexed: the plug-in asks, converts, then runs.
            """(let* ((i (open "field.png"))) (gimp-image-convert-indexed i CONVERT-DITHER-NONE CONVERT-PALETTE-GENERATE 32 FALSE FALSE "") (plug-in-starplugin-reduce-stars RUN-WITH-LAST-VALS i (drw i) 0.5 0) (say "CONVERTED " (car (gimp-image-base-type i))) (gimp-image-delete i))""",
        ], env);
    }

    [OneTimeTearDown]
    public void TearDown()
    {
        if (_xvfb is { HasExited: false }) { _xvfb.Kill(); _xvfb.WaitForExit(5000); }
        _xvfb?.Dispose();
        _h?.Dispose();
    }

    [Test]
    public void TheDialogOpensOnTheLastValuesAndStoresThem()
    {
        Assert.That(_log, Does.Not.Match("execution error|Calling error|GIMP-Error|CRITICAL"), _log);
        // The dialog was given 0.2/shrink by the script but showed (and ran) the stored 0.9/scale.
        Assert.That(_h.Read("dialog.tif").Data, Is.EqualTo(_h.Read("direct.tif").Data));
        Assert.That(_log, Does.Contain("STORED amount=0.90000000000000002\nmode=1\n").Or.Contain("STORED amount=0.9\nmode=1"));
    }

    [TestCase("plug-in-starplugin-remove-stars")]
    [TestCase("plug-in-starplugin-reduce-stars")]
    [TestCase("plug-in-starplugin-star-mask")]
    [TestCase("plug-in-starplugin-detect-stars")]
    [TestCase("plug-in-starplugin-mock-lens")]
    public void EveryDialogOpens(string proc)
    {
        string shot = Path.Combine(_shots, proc + ".png");
        Assert.That(File.Exists(shot), Is.True, "the dialog was drawn");
        var img = StarPlugin.IO.ImageFile.Read(shot);
        Assert.That(img.Width, Is.GreaterThan(250));
        Assert.That(img.Height, Is.GreaterThan(FilterTable.Table.ByProc(proc).Preview ? 250 : 150), "controls (and a preview)");
    }

    [Test]
    public void DetectStarsSaysHowManyItFound() =>
        Assert.That(_log, Does.Match(@"Detect Stars found \d+ stars\."));

    [Test]
    public void AnIndexedImageIsConvertedAfterAsking() =>
        Assert.That(_log, Does.Contain("CONVERTED 0"), "RGB after the question was answered");
}
