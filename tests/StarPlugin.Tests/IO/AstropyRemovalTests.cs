using StarPlugin.Tests.Cli;
using StarPlugin.Tests.Support;

namespace StarPlugin.Tests.IO;

/// <summary>
/// remove, reduce and mask on an int16 FITS that astropy wrote, outputs read by astropy:
/// ADU stay ADU (no ÷65535), the integer type and row order are kept, and the mask
/// lines up with the stars in astropy's array and carries the WCS.
/// </summary>
public class AstropyRemovalTests
{
    private string _dir = "", _model = "";

    [OneTimeSetUp]
    public void SetUp()
    {
        Astropy.Require();
        _dir = Directory.CreateTempSubdirectory("sp-astropy-removal").FullName;
        Astropy.Run("field", _dir);
        _model = TestModels.Threshold(channels: 1).Save(_dir, "threshold.onnx");
    }

    [OneTimeTearDown] public void TearDown() { if (_dir.Length > 0) Directory.Delete(_dir, true); }

    private string P(string name) => Path.Combine(_dir, name);

    [Test]
    public void RemoveReduceAndMaskKeepAduRowOrderAndHeader()
    {
        var (code, _, err) = CliTests.Run("remove", P("field.fits"), "--starless", P("sl.fits"), "--stars", P("st.fits"), "--mask", P("mask.fits"),
            "--model", _model, "--no-cleanup", "--keep-galaxies", "never", "--force");
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(CliTests.Run("reduce", P("field.fits"), "-o", P("red.fits"), "--model", _model, "--no-cleanup", "--keep-galaxies", "never", "--force").Code, Is.EqualTo(0));
        var orig = Astropy.Read(P("field.fits"), P("orig"));
        var sl = Astropy.Read(P("sl.fits"), P("sl"));
        var st = Astropy.Read(P("st.fits"), P("st"));
        var red = Astropy.Read(P("red.fits"), P("red"));
        var mask = Astropy.Read(P("mask.fits"), P("mask"));
        foreach (var r in new[] { sl, st, red })
        {
            Assert.That((r.Bitpix, r.Bzero), Is.EqualTo((16, 0.0)), "int16 in, int16 out");
            Assert.That(r.Verify, Is.Empty);
            Assert.That(r.Cards, Is.EqualTo(orig.Cards), "header kept");
        }
        int n = orig.Data.Length, unchanged = 0, removed = 0;
        for (int i = 0; i < n; i++)
        {
            Assert.That(sl.Data[i] + st.Data[i], Is.EqualTo(orig.Data[i]).Within(1), "starless + stars = original, in ADU");
            Assert.That(red.Data[i], Is.InRange(sl.Data[i] - 1, orig.Data[i] + 1), "reduced lies between starless and original");
            if (sl.Data[i] == orig.Data[i]) unchanged++;
            if (st.Data[i] > 100) removed++;
        }
        TestContext.Out.WriteLine($"sky left exactly as it was: {unchanged * 100.0 / n:F1} % of pixels; {removed} pixels lost > 100 ADU of star light");
        Assert.That(unchanged, Is.GreaterThan(n / 2), "the sky keeps its ADU exactly");
        Assert.That(removed, Is.GreaterThan(100));

        // The mask: float [0, 1], the input's WCS cards, and bright where astropy's truth puts the stars.
        Assert.That(mask.Bitpix, Is.EqualTo(-32));
        Assert.That(mask.Cards.Any(c => c.StartsWith("CTYPE1  = 'RA---TAN-SIP'")), "WCS travels with the mask");
        var truth = Astropy.Csv(P("field.truth.csv")).Where(t => t["flux"] > 50000).ToList();
        int lit = truth.Count(t => mask.At(0, (int)Math.Round(t["y"]), (int)Math.Round(t["x"])) > 0.5);
        Assert.That(lit, Is.GreaterThan(truth.Count * 0.9), $"{lit} of {truth.Count} bright stars under the mask in astropy's array");
    }

    [Test]
    public void BlankPixelsPassThroughRemovalAndDetectionIgnoresThem()
    {
        var (code, _, err) = CliTests.Run("remove", P("field_blank.fits"), "--starless", P("slb.fits"), "--model", _model, "--force");
        Assert.That(code, Is.EqualTo(0), err);
        var orig = Astropy.Read(P("field_blank.fits"), P("ob"));
        var sl = Astropy.Read(P("slb.fits"), P("slb"));
        Assert.That(sl.Blank, Is.EqualTo(-32768));
        for (int i = 0; i < orig.Data.Length; i++)
            Assert.That(double.IsNaN(sl.Data[i]), Is.EqualTo(double.IsNaN(orig.Data[i])), "blank exactly where it was");
        // Detection: no star on or along the blank patch; elsewhere the same stars as without it.
        Assert.That(CliTests.Run("detect", P("field_blank.fits"), "--csv", P("b.csv"), "--force").Code, Is.EqualTo(0));
        Assert.That(CliTests.Run("detect", P("field.fits"), "--csv", P("f.csv"), "--force").Code, Is.EqualTo(0));
        static bool Near(Dictionary<string, double> r, double m) => r["x"] > 200 - m && r["x"] < 239 + m && r["y"] > 100 - m && r["y"] < 139 + m;
        var withBlank = Astropy.Csv(P("b.csv"));
        var without = Astropy.Csv(P("f.csv")).Where(r => !Near(r, 8)).ToList();
        Assert.That(withBlank.Count(r => Near(r, 0)), Is.Zero, "nothing detected inside the blank patch");
        var m = StarPlugin.Evaluation.CatalogMatcher.Match(without.Select(r => (r["x"], r["y"])).ToList(), withBlank.Select(r => (r["x"], r["y"])).ToList(), 0.5);
        Assert.That(m.Recall, Is.GreaterThanOrEqualTo(0.97), "stars away from the patch are found as before");
    }
}
