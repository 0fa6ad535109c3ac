using System.Text.Json;
using StarPlugin.Tests.Cli;
using StarPlugin.Tests.Support;

namespace StarPlugin.Tests.Lensing;

/// <summary>
/// mock-lens on a cutout astropy wrote: the lens galaxy sits at numpy (x, y) = (70, 40)
/// (the FITS file counts rows from the bottom; we hold them top-down). center_px and
/// --center must be in astropy's coordinates, and the arc must appear there when astropy
/// reads the output.
/// </summary>
public class MockLensFitsTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp()
    {
        Astropy.Require();
        _dir = Directory.CreateTempSubdirectory("sp-lens-fits").FullName;
        Astropy.Run("cutout", P("cut.fits"));
    }

    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    private string P(string name) => Path.Combine(_dir, name);

    private static (double X, double Y) Center(JsonElement record) => (record.GetProperty("center_px")[0].GetDouble(), record.GetProperty("center_px")[1].GetDouble());

    [Test]
    public void TheRecordsCentreIsTheGalaxyInAstropyCoordinates()
    {
        var (code, json, err) = CliTests.Run("mock-lens", P("cut.fits"), P("mock.fits"), "--theta-e", "8", "--psf-fwhm", "2.5", "--json");
        Assert.That(code, Is.EqualTo(0), err);
        using var doc = JsonDocument.Parse(json);
        var (x, y) = Center(doc.RootElement);
        Assert.That(x, Is.EqualTo(70).Within(1));
        Assert.That(y, Is.EqualTo(40).Within(1), "y = FITS row − 1, not counted from the top (55)");
    }

    [Test]
    public void TheArcIsInjectedWhereCenterSays()
    {
        var (code, json, err) = CliTests.Run("mock-lens", P("cut.fits"), P("mock.fits"), "--center", "60,45", "--theta-e", "10", "--q", "0.95",
            "--source-offset", "0.2,0.1", "--psf-fwhm", "2.5", "--arc-snr", "80", "--json");
        Assert.That(code, Is.EqualTo(0), err);
        using var doc = JsonDocument.Parse(json);
        Assert.That(Center(doc.RootElement), Is.EqualTo((60.0, 45.0)));
        using var d = JsonDocument.Parse(Astropy.Run("diff", P("cut.fits"), P("mock.fits")));
        double cx = d.RootElement.GetProperty("x").GetDouble(), cy = d.RootElement.GetProperty("y").GetDouble();
        TestContext.Out.WriteLine($"arc light centroid as astropy reads the output: ({cx:F2}, {cy:F2})");
        Assert.That(cx, Is.EqualTo(60).Within(2));
        Assert.That(cy, Is.EqualTo(45).Within(2), "the flipped row would be 50");
    }

    [Test]
    public void BatchRecordsUseTheSameConvention()
    {
        Directory.CreateDirectory(P("cuts"));
        File.Copy(P("cut.fits"), P("cuts/a.fits"));
        var (code, _, err) = CliTests.Run("mock-lens", "batch", "--cutouts", P("cuts"), "--n", "2", "--out", P("set"));
        Assert.That(code, Is.EqualTo(0), err);
        foreach (var rec in Directory.GetFiles(P("set"), "mock_*.json"))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(rec));
            var (x, y) = Center(doc.RootElement);
            Assert.That((x, y), Is.EqualTo((70.0, 40.0)).Using<(double, double)>((a, b) => Math.Abs(a.Item1 - b.Item1) <= 1 && Math.Abs(a.Item2 - b.Item2) <= 1), rec);
        }
    }
}
