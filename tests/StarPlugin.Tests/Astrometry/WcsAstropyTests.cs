using System.Text.Json;
using StarPlugin.Astrometry;
using StarPlugin.Imaging;
using StarPlugin.IO;
using StarPlugin.Tests.Support;

namespace StarPlugin.Tests.Astrometry;

/// <summary>
/// Our celestial WCS against astropy.wcs (wcslib) on headers astropy wrote: pixel → sky
/// with all_pix2world and sky → pixel with all_world2pix, on and far off the reference
/// pixel, with SIP and TPV distortion, every projection we read, both axis orders.
/// </summary>
public class WcsAstropyTests
{
    private string _dir = "";
    private JsonDocument? _expected;

    [OneTimeSetUp]
    public void MakeHeaders()
    {
        Astropy.Require();
        _dir = Directory.CreateTempSubdirectory("sp-wcs").FullName;
        Astropy.Run("wcs", _dir);
        _expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "wcs.json")));
    }

    [OneTimeTearDown]
    public void Drop()
    {
        _expected?.Dispose();
        if (_dir.Length > 0) Directory.Delete(_dir, true);
    }

    /// <summary>Angular separation in degrees (haversine: exact for tiny angles).</summary>
    public static double Separation(double ra1, double dec1, double ra2, double dec2)
    {
        const double D = Math.PI / 180;
        double a = Math.Sin((dec2 - dec1) * D / 2), b = Math.Sin((ra2 - ra1) * D / 2);
        return 2 * Math.Asin(Math.Sqrt(a * a + Math.Cos(dec1 * D) * Math.Cos(dec2 * D) * b * b)) / D;
    }

    public static readonly string[] Headers =
        ["tan_cd", "tan_pc", "tan_crota", "tan_sip", "tan_sip_no_inverse", "tan_pole", "tan_ra0", "tan_south",
         "sin", "arc", "stg", "zea", "tpv", "tan_fk4", "tan_lonpole", "tan_dec_first"];

    [TestCaseSource(nameof(Headers))]
    public void PixelToSkyAndBackMatchAstropy(string name)
    {
        var img = ImageFile.Read(Path.Combine(_dir, name + ".fits"));
        var wcs = CelestialWcs.FromCards(img.Metadata.FitsCards);
        Assert.That(wcs, Is.Not.Null);
        var e = _expected!.RootElement.GetProperty(name);
        var pixels = e.GetProperty("pixel").EnumerateArray().Select(p => (p[0].GetDouble(), p[1].GetDouble())).ToArray();
        var world = e.GetProperty("world").EnumerateArray().Select(p => (p[0].GetDouble(), p[1].GetDouble())).ToArray();
        double worstSky = 0, worstPix = 0;
        for (int i = 0; i < pixels.Length; i++)
        {
            var (ra, dec) = wcs!.PixelToSky(pixels[i].Item1, pixels[i].Item2);
            worstSky = Math.Max(worstSky, Separation(ra, dec, world[i].Item1, world[i].Item2));
            Assert.That(ra, Is.InRange(0, 360));
            var (p1, p2) = wcs.SkyToPixel(world[i].Item1, world[i].Item2);
            worstPix = Math.Max(worstPix, Math.Max(Math.Abs(p1 - pixels[i].Item1), Math.Abs(p2 - pixels[i].Item2)));
        }
        TestContext.Out.WriteLine($"{name} ({wcs!.Projection}, {wcs.Frame}): worst sky error {worstSky:E2}°, worst pixel error {worstPix:E2} px over {pixels.Length} points (first: CRPIX)");
        Assert.That(worstSky, Is.LessThan(1e-8), "degrees, pixel → sky");
        Assert.That(worstPix, Is.LessThan(1e-6), "pixels, sky → pixel");
    }

    [Test]
    public void FrameAndEquinoxFollowRadesys()
    {
        CelestialWcs Read(string n) => CelestialWcs.FromCards(ImageFile.Read(Path.Combine(_dir, n + ".fits")).Metadata.FitsCards)!;
        Assert.That(Read("tan_cd").Frame, Is.EqualTo("icrs"));
        Assert.That((Read("tan_fk4").Frame, Read("tan_fk4").Equinox), Is.EqualTo(("fk4", 1950.0)));
        Assert.That((Read("tan_crota").Frame, Read("tan_crota").Equinox), Is.EqualTo(("fk5", 2000.0)), "EQUINOX 2000 without RADESYS is FK5");
        Assert.That(Read("tan_sip").Projection, Is.EqualTo("TAN-SIP"));
    }

    [Test]
    public void MemoryPositionsGoThroughTheFitsGrid()
    {
        var img = ImageFile.Read(Path.Combine(_dir, "tan_sip.fits"));
        var wcs = CelestialWcs.FromCards(img.Metadata.FitsCards)!;
        // Memory row 0 is the top, FITS row NAXIS2: the same sky either way.
        var viaMemory = wcs.PixelToSky(PixelFrame.FitsGrid(img), 3, 0);
        var viaFits = wcs.PixelToSky(4, img.Height);
        Assert.That(Separation(viaMemory.Ra, viaMemory.Dec, viaFits.Ra, viaFits.Dec), Is.LessThan(1e-12));
    }
}

/// <summary>WCS reading that needs no reference implementation: absence and refusal.</summary>
public class WcsCardTests
{
    private static List<FitsCard> Cards(params (string K, string V)[] kv) => kv.Select(p => new FitsCard(p.K, p.V, null)).ToList();

    [Test]
    public void NoCelestialAxesMeansNoWcs()
    {
        Assert.That(CelestialWcs.FromCards(Cards(("OBJECT", "'M 1'"))), Is.Null);
        Assert.That(CelestialWcs.FromCards(Cards(("CTYPE1", "'WAVE'"), ("CTYPE2", "'LINEAR'"))), Is.Null);
    }

    [Test]
    public void UnusableWcsIsRefusedWithTheReason()
    {
        var ait = Cards(("CTYPE1", "'RA---AIT'"), ("CTYPE2", "'DEC--AIT'"), ("CRVAL1", "10"), ("CRVAL2", "20"));
        Assert.That(Assert.Throws<WcsException>(() => CelestialWcs.FromCards(ait))!.Message, Does.Contain("AIT"));
        var singular = Cards(("CTYPE1", "'RA---TAN'"), ("CTYPE2", "'DEC--TAN'"), ("CRVAL1", "10"), ("CRVAL2", "20"), ("CD1_1", "1e-4"), ("CD2_2", "0"));
        Assert.That(Assert.Throws<WcsException>(() => CelestialWcs.FromCards(singular))!.Message, Does.Contain("singular"));
        var bad = Cards(("CTYPE1", "'RA---TAN'"), ("CTYPE2", "'DEC--TAN'"), ("CRVAL1", "'ten'"), ("CRVAL2", "20"));
        Assert.Throws<WcsException>(() => CelestialWcs.FromCards(bad));
    }

    [Test]
    public void ReferencePixelMapsToTheReferenceValue()
    {
        var c = Cards(("CTYPE1", "'RA---TAN'"), ("CTYPE2", "'DEC--TAN'"), ("CRVAL1", "359.99"), ("CRVAL2", "-30"), ("CRPIX1", "10.5"), ("CRPIX2", "20.25"),
            ("CD1_1", "-2.7E-4"), ("CD1_2", "0.0"), ("CD2_1", "0.0"), ("CD2_2", "2.7D-4"));
        var w = CelestialWcs.FromCards(c)!;
        var (ra, dec) = w.PixelToSky(10.5, 20.25);
        Assert.That(ra, Is.EqualTo(359.99).Within(1e-12));
        Assert.That(dec, Is.EqualTo(-30).Within(1e-12));
        // East is left (CD1_1 < 0): one pixel to the right is 0.00027° of arc to the west.
        var (ra2, _) = w.PixelToSky(11.5, 20.25);
        Assert.That((ra - ra2) * Math.Cos(30 * Math.PI / 180), Is.EqualTo(2.7e-4).Within(1e-9));
        Assert.That(w.PixelScaleArcsec, Is.EqualTo(0.972).Within(1e-9));
    }
}
