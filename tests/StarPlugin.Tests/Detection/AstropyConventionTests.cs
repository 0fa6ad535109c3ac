using System.Globalization;
using System.Text.Json;
using StarPlugin.Evaluation;
using StarPlugin.Tests.Astrometry;
using StarPlugin.Tests.Cli;
using StarPlugin.Tests.Support;

namespace StarPlugin.Tests.Detection;

/// <summary>
/// `detect` on a star field that astropy wrote (int16, TAN-SIP WCS), scored against truth
/// in astropy's convention (numpy x, y: y = FITS row − 1) that our code never touched:
/// the test that our own write/read pairs could not make. The catalogue's ra/dec are
/// checked against astropy.wcs at our positions, its flux in ADU against the truth, and
/// its positions against sep's catalogue of the same file.
/// </summary>
public class AstropyConventionTests
{
    private string _dir = "";
    private List<Dictionary<string, double>> _truth = [], _cat = [];
    private JsonDocument? _json;

    [OneTimeSetUp]
    public void DetectOnTheAstropyField()
    {
        Astropy.Require();
        _dir = Directory.CreateTempSubdirectory("sp-astropy-field").FullName;
        Astropy.Run("field", _dir);
        var (code, json, err) = CliTests.Run("detect", P("field.fits"), "--csv", P("cat.csv"), "--regions", P("cat.reg"), "--json");
        Assert.That(code, Is.EqualTo(0), err);
        _json = JsonDocument.Parse(json);
        _truth = Astropy.Csv(P("field.truth.csv"));
        _cat = Astropy.Csv(P("cat.csv"));
    }

    [OneTimeTearDown]
    public void Drop()
    {
        _json?.Dispose();
        if (_dir.Length > 0) Directory.Delete(_dir, true);
    }

    private string P(string name) => Path.Combine(_dir, name);

    private static List<(double X, double Y)> Xy(IEnumerable<Dictionary<string, double>> rows, string x = "x", string y = "y") => rows.Select(r => (r[x], r[y])).ToList();

    private double RecallAtSnr10(MatchResult m, List<Dictionary<string, double>> truth)
    {
        var strong = Enumerable.Range(0, truth.Count).Where(i => truth[i]["snr"] >= 10).ToHashSet();
        return (double)m.Pairs.Count(p => strong.Contains(p.Truth)) / strong.Count;
    }

    [Test]
    public void PositionsFollowAstropysConventionAndScoreAsOnOurOwnFiles()
    {
        var m = CatalogMatcher.Match(Xy(_truth), Xy(_cat), 1.5);
        double recall = RecallAtSnr10(m, _truth);
        // Had y been counted from the top, almost nothing would match.
        var flipped = CatalogMatcher.Match(Xy(_truth), _cat.Select(r => (r["x"], 383 - r["y"])).ToList(), 1.5);
        TestContext.Out.WriteLine($"astropy field: recall(S/N≥10) {recall:F3}, precision {m.Precision:F3}, median centroid error {m.MedianCentroidError:F4} px; y flipped: recall {flipped.Recall:F3}");
        Assert.That(recall, Is.GreaterThanOrEqualTo(0.9));
        Assert.That(m.Precision, Is.GreaterThanOrEqualTo(0.95));
        Assert.That(m.MedianCentroidError, Is.LessThan(0.05));
        Assert.That(flipped.Recall, Is.LessThan(0.05));
        Assert.That(_json!.RootElement.GetProperty("coordinates").GetString(), Is.EqualTo("fits"));

        // The same pixels written by our own FITS writer: the same catalogue, the same recall.
        Assert.That(CliTests.Run("convert", P("field.fits"), P("ours.fits"), "--force").Code, Is.EqualTo(0));
        Assert.That(CliTests.Run("detect", P("ours.fits"), "--csv", P("ours.csv"), "--force").Code, Is.EqualTo(0));
        var oursMatch = CatalogMatcher.Match(Xy(_truth), Xy(Astropy.Csv(P("ours.csv"))), 1.5);
        Assert.That(RecallAtSnr10(oursMatch, _truth), Is.EqualTo(recall), "our own file of the same pixels");

        // Our synthetic field with its own truth file follows the same convention.
        string own = P("own.fits");
        var (code, _, err) = CliTests.Run("synth", "stars", own, "--width", "512", "--height", "384", "--stars", "300", "--nebula", "0", "--seed", "11", "--force");
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(CliTests.Run("detect", own, "--csv", P("own.csv"), "--force").Code, Is.EqualTo(0));
        var ownTruth = Astropy.Csv(P("own.truth.csv"));
        var ownCat = Astropy.Csv(P("own.csv"));
        var ownMatch = CatalogMatcher.Match(Xy(ownTruth), Xy(ownCat), 1.5);
        var ownFlipped = CatalogMatcher.Match(Xy(ownTruth), ownCat.Select(r => (r["x"], 383 - r["y"])).ToList(), 1.5);
        double ownRecall = RecallAtSnr10(ownMatch, ownTruth);
        TestContext.Out.WriteLine($"own synthetic field (blended bright pairs included): recall(S/N≥10) {ownRecall:F3}, median centroid error {ownMatch.MedianCentroidError:F4} px; y flipped: recall {ownFlipped.Recall:F3}");
        Assert.That(ownRecall, Is.GreaterThanOrEqualTo(0.85));
        Assert.That(ownFlipped.Recall, Is.LessThan(0.05));
        // And astropy reads our synthetic truth where the stars are: the brightest truth star
        // is the brightest pixel's neighbour in astropy's array.
        var brightest = ownTruth.Where(t => t["saturated"] == 0).OrderByDescending(t => t["flux"]).First();
        using var peak = JsonDocument.Parse(Astropy.Run("peak", own, brightest["x"].ToString("R", CultureInfo.InvariantCulture), brightest["y"].ToString("R", CultureInfo.InvariantCulture)));
        Assert.That(peak.RootElement.GetProperty("distance").GetDouble(), Is.LessThan(1.0), "astropy's local maximum next to the truth position");
    }

    [Test]
    public void SepFindsItsStarsWhereWeDo()
    {
        if (!File.Exists(P("field.sep.csv"))) { Astropy.Require(withSep: true); Assert.Fail("sep is installed but wrote no catalogue"); }
        var sep = Astropy.Csv(P("field.sep.csv"));
        var m = CatalogMatcher.Match(Xy(sep), Xy(_cat), 1.0);
        TestContext.Out.WriteLine($"sep: {sep.Count} sources, {m.Recall:P1} of them in our catalogue, median distance {m.MedianCentroidError:F4} px");
        Assert.That(m.Recall, Is.GreaterThanOrEqualTo(0.95));
        Assert.That(m.MedianCentroidError, Is.LessThan(0.1));
    }

    [Test]
    public void SextractorColumnsAreOneBased()
    {
        foreach (var r in _cat)
        {
            Assert.That(r["x_image"], Is.EqualTo(r["x"] + 1).Within(1.5e-3));
            Assert.That(r["y_image"], Is.EqualTo(r["y"] + 1).Within(1.5e-3));
        }
        // eval detect reads either: 1-based x_image/y_image against 0-based truth.
        File.WriteAllLines(P("image_cols.csv"), ["x_image,y_image", .. _cat.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r["x_image"]:F3},{r["y_image"]:F3}"))]);
        File.WriteAllLines(P("xy_cols.csv"), ["x,y", .. _cat.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r["x"]:F3},{r["y"]:F3}"))]);
        var (code, json, err) = CliTests.Run("eval", "detect", P("xy_cols.csv"), P("image_cols.csv"), "--json");
        Assert.That(code, Is.EqualTo(0), err);
        using var doc = JsonDocument.Parse(json);
        Assert.That(doc.RootElement.GetProperty("recall").GetDouble(), Is.EqualTo(1.0));
        Assert.That(doc.RootElement.GetProperty("median_centroid_error").GetDouble(), Is.LessThan(1e-3));
    }

    [Test]
    public void FluxAndBackgroundAreInAdu()
    {
        var m = CatalogMatcher.Match(Xy(_truth), Xy(_cat), 1.5);
        var ratios = m.Pairs.Where(p => _truth[p.Truth]["snr"] > 50 && _cat[p.Detected]["saturated"] == 0)
            .Select(p => _cat[p.Detected]["flux"] / _truth[p.Truth]["flux"]).OrderBy(v => v).ToList();
        double median = ratios[ratios.Count / 2];
        var sky = _cat.Select(r => r["background"]).OrderBy(v => v).ToList();
        TestContext.Out.WriteLine($"flux / true flux: median {median:F4} over {ratios.Count} stars; background median {sky[sky.Count / 2]:F1} ADU (true 1000)");
        Assert.That(median, Is.InRange(0.95, 1.02), "aperture flux in ADU, not ADU/65535");
        Assert.That(sky[sky.Count / 2], Is.EqualTo(1000).Within(5));
    }

    [Test]
    public void SkyPositionsAgreeWithAstropyWcs()
    {
        // astropy.wcs at exactly our (x, y) (the JSON's full-precision positions): the
        // catalogue's ra/dec must agree to 1e-8°.
        var stars = _json!.RootElement.GetProperty("stars").EnumerateArray().ToList();
        Assert.That(stars, Has.Count.EqualTo(_cat.Count));
        string xs = string.Join(",", stars.Select(s => s.GetProperty("x").GetDouble().ToString("R", CultureInfo.InvariantCulture)));
        string ys = string.Join(",", stars.Select(s => s.GetProperty("y").GetDouble().ToString("R", CultureInfo.InvariantCulture)));
        using var doc = JsonDocument.Parse(Astropy.Run("sky", P("field.fits"), xs, ys));
        var ra = doc.RootElement.GetProperty("ra").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var dec = doc.RootElement.GetProperty("dec").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        double worst = 0, worstCsv = 0;
        for (int i = 0; i < stars.Count; i++)
        {
            worst = Math.Max(worst, WcsAstropyTests.Separation(ra[i], dec[i], stars[i].GetProperty("ra").GetDouble(), stars[i].GetProperty("dec").GetDouble()));
            worstCsv = Math.Max(worstCsv, WcsAstropyTests.Separation(ra[i], dec[i], _cat[i]["ra"], _cat[i]["dec"]));
        }
        Assert.That(worst, Is.LessThan(1e-8), "degrees (JSON: 9 decimals)");
        Assert.That(worstCsv, Is.LessThan(1e-8), "degrees (CSV: 9 decimals)");
        // And against the truth's sky positions: within the centroid error (1"/px).
        var m = CatalogMatcher.Match(Xy(_truth), Xy(_cat), 1.5);
        var sep = m.Pairs.Select(p => WcsAstropyTests.Separation(_truth[p.Truth]["ra"], _truth[p.Truth]["dec"], _cat[p.Detected]["ra"], _cat[p.Detected]["dec"]) * 3600).OrderBy(v => v).ToList();
        TestContext.Out.WriteLine($"sky offset from the truth: median {sep[sep.Count / 2]:F4}\", worst catalogue-vs-astropy {worst:E2}°");
        Assert.That(sep[sep.Count / 2], Is.LessThan(0.05), "arcseconds");
    }

    [Test]
    public void RegionFileOverlaysTheStars()
    {
        var lines = File.ReadAllLines(P("cat.reg"));
        Assert.That(lines[0], Is.EqualTo("# Region file format: DS9 version 4.1"));
        var circles = lines.SkipWhile(l => l != "image").Skip(1).TakeWhile(l => l.StartsWith("circle(")).ToList();
        Assert.That(circles, Has.Count.EqualTo(_cat.Count));
        for (int i = 0; i < _cat.Count; i++)
        {
            var v = circles[i][7..circles[i].IndexOf(')')].Split(',').Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            // DS9 image coordinates of a FITS file are FITS pixels: SExtractor's X_IMAGE, Y_IMAGE.
            Assert.That(v[0], Is.EqualTo(_cat[i]["x_image"]).Within(1e-3));
            Assert.That(v[1], Is.EqualTo(_cat[i]["y_image"]).Within(1e-3));
        }
        Assert.That(lines, Does.Contain("icrs"), "the header's RADESYS");
        Assert.That(lines.Count(l => l.StartsWith("point(")), Is.EqualTo(_cat.Count));
        // Rendered as DS9 shows the file (astropy puts each sky cross): kept for a person to look at.
        string png = Path.Combine(TestContext.CurrentContext.WorkDirectory, "astropy_field_regions.png");
        using var doc = JsonDocument.Parse(Astropy.Run("regions", P("field.fits"), P("cat.reg"), png));
        Assert.That(doc.RootElement.GetProperty("crosses").GetInt32(), Is.EqualTo(_cat.Count));
        TestContext.AddTestAttachment(png, "the region file over the astropy field, as DS9 shows it");
    }
}
