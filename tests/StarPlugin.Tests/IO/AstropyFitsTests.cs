using StarPlugin.Astrometry;
using StarPlugin.Cli.Hosting;
using StarPlugin.Imaging;
using StarPlugin.IO;
using StarPlugin.Tests.Cli;
using StarPlugin.Tests.Support;

namespace StarPlugin.Tests.IO;

/// <summary>
/// FITS written by astropy, read by us and compared with astropy's own reading; our
/// outputs read back by astropy. Values are compared in physical units (BZERO/BSCALE
/// applied), positions in FITS row order, cards as their 80-column images.
/// </summary>
public class AstropyFitsTests
{
    private string _dir = "", _fx = "";

    [OneTimeSetUp]
    public void MakeFixtures()
    {
        Astropy.Require();
        _fx = Directory.CreateTempSubdirectory("sp-astropy").FullName;
        Astropy.Run("codecs", _fx);
    }

    [OneTimeTearDown] public void DropFixtures() { if (_fx.Length > 0) Directory.Delete(_fx, true); }
    [SetUp] public void SetUp() => _dir = Directory.CreateTempSubdirectory("sp-astropy-out").FullName;
    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    private string Fx(string name) => Path.Combine(_fx, name);
    private string P(string name) => Path.Combine(_dir, name);

    public static readonly string[] Readable = ["int16_signed", "uint16", "uint8", "int32", "float32_nan", "float64", "int16_scaled", "int16_blank", "cube3", "ext_int16"];

    /// <summary>Our samples × PhysicalScale against astropy's values, FITS row r at our row of the FITS grid.</summary>
    private static void AssertSameValues(Astropy.Reading expected, AstroImage img, string what)
    {
        Assert.That((img.Width, img.Height, img.Channels), Is.EqualTo((expected.Width, expected.Height, expected.Planes)), what + ": shape");
        int mismatches = 0; string first = "";
        for (int p = 0; p < expected.Planes; p++)
            for (int r = 0; r < expected.Height; r++)
                for (int c = 0; c < expected.Width; c++)
                {
                    double e = expected.At(p, r, c), a = Astropy.Physical(img, p, r, c);
                    // float32 holds every integer value exactly; scaled and float64 data match to float32 rounding.
                    bool same = double.IsNaN(e) ? double.IsNaN(a) : a == e || Math.Abs(a - e) <= 6e-8 * Math.Abs(e);
                    if (!same && mismatches++ == 0) first = $"[{p},{r},{c}] astropy {e:R}, ours {a:R}";
                }
        Assert.That(mismatches, Is.Zero, $"{what}: {mismatches} samples differ from astropy's reading, first {first}");
    }

    private static string[] OurCards(AstroImage img) => img.Metadata.FitsCards.Select(c => (c.RawText ?? "").PadRight(80)).ToArray();

    [TestCaseSource(nameof(Readable))]
    public void ReadsAsAstropyDoes(string name)
    {
        var expected = Astropy.Reading.Load(Fx(name));
        var img = ImageFile.Read(Fx(name + ".fits"));
        AssertSameValues(expected, img, name);
        Assert.That(img.Metadata.Convention, Is.EqualTo(CoordinateConvention.Fits));
        if (name != "ext_int16") Assert.That(OurCards(img), Is.EqualTo(expected.Cards), "every card, in order, as written");
        else Assert.That(OurCards(img), Is.SupersetOf(expected.Cards), "the extension's cards (after the primary's)");
        var format = ImageFile.Read(Fx(name + ".fits")).Metadata.SourceFormat;
        Assert.That(format, Is.EqualTo(expected.Bitpix switch
        {
            8 => SampleFormat.UInt8, 16 when expected.Bzero == 32768 => SampleFormat.UInt16, 16 => SampleFormat.Int16,
            32 => SampleFormat.Int32, -32 => SampleFormat.Float32, _ => SampleFormat.Float64,
        }));
    }

    [Test]
    public void SignedDataStaysSignedWithTheUnitsAstropyReads()
    {
        var img = ImageFile.Read(Fx("int16_signed.fits"));
        Assert.That(img.Metadata.SourceFormat, Is.EqualTo(SampleFormat.Int16));
        Assert.That(Astropy.Physical(img, 0, 0, 0), Is.EqualTo(-32768));
        Assert.That(Astropy.Physical(img, 0, 1, 0), Is.EqualTo(-1), "−1 stays −1");
        Assert.That(Astropy.Physical(img, 0, 11, 19), Is.EqualTo(19936));
    }

    [TestCase("cube2")]
    [TestCase("cube4")]
    public void CubesOfOtherThanOneOrThreePlanesAreRefusedNotReadAsAlpha(string name)
    {
        var e = Assert.Throws(Is.InstanceOf<ImageFormatException>(), () => ImageFile.Read(Fx(name + ".fits")))!;
        Assert.That(e.Message, Does.Contain("NAXIS3").And.Contain("planes"));
        var (code, _, err) = CliTests.Run("detect", Fx(name + ".fits"));
        Assert.That(code, Is.EqualTo(ExitCodes.InputError), err);
    }

    [TestCaseSource(nameof(Readable))]
    public void WhatWeWriteAstropyReadsBackUnchanged(string name)
    {
        var expected = Astropy.Reading.Load(Fx(name));
        var img = ImageFile.Read(Fx(name + ".fits"));
        ImageFile.Write(P("ours.fits"), img);
        var back = Astropy.Read(P("ours.fits"), P("ours"));
        Assert.That(back.Verify, Is.Empty, "astropy's verify('exception') finds nothing to fix");
        Assert.That(back.Bitpix, Is.EqualTo(expected.Bitpix), "same BITPIX");
        Assert.That((back.Bzero, back.Bscale, back.Blank), Is.EqualTo((expected.Bzero, expected.Bscale, expected.Blank)), "same integer encoding");
        Assert.That(back.Shape, Is.EqualTo(expected.Shape));
        int differ = 0;
        for (int i = 0; i < expected.Data.Length; i++)
            if (!(expected.Data[i].Equals(back.Data[i]) || (double.IsNaN(expected.Data[i]) && double.IsNaN(back.Data[i])) || (expected.Bitpix == -64 && Math.Abs(back.Data[i] - expected.Data[i]) <= 6e-8 * Math.Abs(expected.Data[i]))))
                differ++;
        Assert.That(differ, Is.Zero, "every value as astropy read the original (float64 to float32 precision)");
        if (name != "ext_int16") Assert.That(back.Cards, Is.EqualTo(expected.Cards), "every card kept");
    }

    [Test]
    public void FloatFitsFromAnIntegerFitsHoldsTheSameAdu()
    {
        var (code, _, err) = CliTests.Run("convert", Fx("int16_signed.fits"), P("f32.fits"), "--depth", "f32");
        Assert.That(code, Is.EqualTo(0), err);
        var orig = Astropy.Reading.Load(Fx("int16_signed"));
        var f32 = Astropy.Read(P("f32.fits"), P("f32"));
        Assert.That(f32.Bitpix, Is.EqualTo(-32));
        Assert.That(f32.Data, Is.EqualTo(orig.Data), "the same ADU, not ADU/65535");
        Assert.That(f32.Cards, Is.EqualTo(orig.Cards));
        // and back to int16: the same integers
        Assert.That(CliTests.Run("convert", P("f32.fits"), P("i16.fits"), "--depth", "i16").Code, Is.EqualTo(0));
        var i16 = Astropy.Read(P("i16.fits"), P("i16"));
        Assert.That((i16.Bitpix, i16.Bzero), Is.EqualTo((16, 0.0)));
        Assert.That(i16.Data, Is.EqualTo(orig.Data));
    }

    [Test]
    public void BlankPixelsPassThroughEveryFormatThatHoldsThem()
    {
        var orig = Astropy.Reading.Load(Fx("int16_blank"));
        Assert.That(orig.Data.Count(double.IsNaN), Is.EqualTo(2), "astropy reads BLANK as NaN");
        Assert.That(CliTests.Run("convert", Fx("int16_blank.fits"), P("b.tif"), "--depth", "f32").Code, Is.EqualTo(0));
        Assert.That(CliTests.Run("convert", P("b.tif"), P("b.fits"), "--depth", "i16").Code, Is.EqualTo(0));
        var back = Astropy.Read(P("b.fits"), P("b"));
        Assert.That(back.Blank, Is.Not.Null, "NaN becomes BLANK in an integer FITS");
        Assert.That(back.Data, Is.EqualTo(orig.Data), "blank where it was, every other value kept");
        // An integer TIFF or PNG has no blank value: an error that names the fix, and no file.
        var (code, _, err) = CliTests.Run("convert", Fx("int16_blank.fits"), P("b16.tif"), "--depth", "u16");
        Assert.That(code, Is.EqualTo(ExitCodes.InputError));
        Assert.That(err, Does.Contain("NaN").And.Contain("--depth f32"));
        Assert.That(File.Exists(P("b16.tif")), Is.False);
    }

    [Test]
    public void ValuesATargetCannotHoldAreAnErrorNamingTheFixNeverAClip()
    {
        // int16 with −32768 and −1 into 16-bit PNG (unsigned): refused, nothing written.
        var (code, _, err) = CliTests.Run("convert", Fx("int16_signed.fits"), P("x.png"));
        Assert.That(code, Is.EqualTo(ExitCodes.InputError));
        Assert.That(err, Does.Contain("-32768").And.Contain("--depth f32"));
        Assert.That(File.Exists(P("x.png")), Is.False);
        // Same into an unsigned TIFF.
        (code, _, err) = CliTests.Run("convert", Fx("int16_signed.fits"), P("x.tif"), "--depth", "u16");
        Assert.That(code, Is.EqualTo(ExitCodes.InputError));
        Assert.That(err, Does.Contain("16-bit unsigned"));
        // Into JPEG (8 bits, unsigned) too: it used to clip the negatives silently.
        (code, _, err) = CliTests.Run("convert", Fx("int16_signed.fits"), P("x.jpg"));
        Assert.That(code, Is.EqualTo(ExitCodes.InputError));
        Assert.That(err, Does.Contain("JPEG").And.Contain("--depth f32"));
        Assert.That(File.Exists(P("x.jpg")), Is.False);
        // 32-bit values above 65535 into 16 bits.
        (code, _, err) = CliTests.Run("convert", Fx("float32_nan.fits"), P("y.fits"), "--depth", "u16");
        Assert.That(code, Is.EqualTo(ExitCodes.InputError), err);
        Assert.That(err, Does.Contain("--depth f32"));
    }

    [Test]
    public void AstroTiffRoundTripKeepsSignedValuesAndEveryCard()
    {
        var orig = Astropy.Reading.Load(Fx("int16_signed"));
        Assert.That(CliTests.Run("convert", Fx("int16_signed.fits"), P("a.tif")).Code, Is.EqualTo(0));
        // libtiff's view of our file: signed samples and the FITS header in ImageDescription.
        var (tcode, info) = Repo.Run("tiffinfo", [P("a.tif")]);
        Assert.That(tcode, Is.EqualTo(0), info);
        Assert.That(info, Does.Contain("Sample Format: signed integer"));
        Assert.That(info, Does.Contain("ImageDescription: SIMPLE  =                    T"));
        Assert.That(info, Does.Contain("OBJECT  = 'M 51    '"));
        // libtiff rewrites it (LZW, predictor 2): we read libtiff's file, signed values intact.
        var (ccode, cout) = Repo.Run("tiffcp", ["-c", "lzw:2", P("a.tif"), P("c.tif")]);
        Assert.That(ccode, Is.EqualTo(0), cout);
        AssertSameValues(orig, ImageFile.Read(P("c.tif")), "tiffcp copy");
        // and back to FITS: astropy reads the original's values and cards.
        Assert.That(CliTests.Run("convert", P("c.tif"), P("b.fits")).Code, Is.EqualTo(0));
        var back = Astropy.Read(P("b.fits"), P("b"));
        Assert.That((back.Bitpix, back.Bzero), Is.EqualTo((16, 0.0)), "signed 16-bit again");
        Assert.That(back.Data, Is.EqualTo(orig.Data));
        Assert.That(back.Cards, Is.EqualTo(orig.Cards), "FITS → TIFF → FITS keeps every card");
        Assert.That(back.Verify, Is.Empty);
    }

    [Test]
    public void PngCarriesTheFitsHeaderInText()
    {
        var orig = Astropy.Reading.Load(Fx("uint16"));
        Assert.That(CliTests.Run("convert", Fx("uint16.fits"), P("u.png")).Code, Is.EqualTo(0));
        Assert.That(CliTests.Run("convert", P("u.png"), P("u.fits")).Code, Is.EqualTo(0));
        var back = Astropy.Read(P("u.fits"), P("u"));
        Assert.That((back.Bitpix, back.Bzero), Is.EqualTo((16, 32768.0)));
        Assert.That(back.Data, Is.EqualTo(orig.Data));
        Assert.That(back.Cards, Is.EqualTo(orig.Cards));
        // ImageMagick (another PNG reader) sees the text chunk.
        var (code, text) = Repo.Run("identify", ["-verbose", P("u.png")]);
        if (code == 0) Assert.That(text, Does.Contain("FITS").And.Contain("OBJECT  = 'M 51"));
    }

    [Test]
    public void AstroTiffWrittenByAnotherToolIsReadWithItsHeaderAndWcs()
    {
        string json = Astropy.Run("astrotiff", P("pil.tif"));
        var bytes = File.ReadAllBytes(P("pil.tif.f64"));
        var fitsOrder = new double[bytes.Length / 8];
        Buffer.BlockCopy(bytes, 0, fitsOrder, 0, bytes.Length);
        var img = ImageFile.Read(P("pil.tif"));
        Assert.That(img.Metadata.FitsString("OBJECT"), Is.EqualTo("M 42"));
        Assert.That(img.Metadata.TiffTags.ContainsKey(270), Is.False, "the header became cards, not a raw tag");
        Assert.That(img.Metadata.IsPhysical, "16-bit data under a FITS header has units");
        // TIFF rows are top-down; FITS row r is the picture's row H−1−r.
        for (int r = 0; r < img.Height; r++)
            for (int c = 0; c < img.Width; c++)
                Assert.That(Astropy.Physical(img, 0, r, c), Is.EqualTo(fitsOrder[r * img.Width + c]));
        var wcs = CelestialWcs.FromCards(img.Metadata.FitsCards)!;
        var (ra, dec) = wcs.PixelToSky(PixelFrame.FitsGrid(img), 0, img.Height - 1); // the bottom-left pixel is FITS (1, 1)
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        var expected = doc.RootElement.GetProperty("ra_dec_of_fits_pixel_1_1");
        Assert.That(ra, Is.EqualTo(expected[0].GetDouble()).Within(1e-9));
        Assert.That(dec, Is.EqualTo(expected[1].GetDouble()).Within(1e-9));
    }
}
