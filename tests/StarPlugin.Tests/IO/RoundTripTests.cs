using StarPlugin.Imaging;
using StarPlugin.IO;
using StarPlugin.Tests.Support;

namespace StarPlugin.Tests.IO;

public class RoundTripTests
{
    private static AstroImage RoundTrip(AstroImage img, ImageFormat format, WriteOptions? options = null)
    {
        var ms = new MemoryStream();
        ImageFile.Encode(ms, img, format, options);
        return ImageFile.Decode(ms.ToArray());
    }

    [Test]
    public void FitsIntegerAndFloatDepthsAreBitExact(
        [Values(SampleFormat.UInt8, SampleFormat.UInt16, SampleFormat.Int16, SampleFormat.Float32)] SampleFormat f,
        [Values(1, 3)] int channels)
    {
        var img = TestImages.Random(37, 21, channels, f);
        var back = RoundTrip(img, ImageFormat.Fits);
        TestImages.AssertSamePixels(img, back);
        Assert.That(back.Metadata.SourceFormat, Is.EqualTo(f));
    }

    [Test]
    public void FitsHeaderCardsSurviveARoundTrip()
    {
        var img = TestImages.Random(8, 6, 1, SampleFormat.Float32);
        img.Metadata.FitsCards.Add(new FitsCard("OBJECT", "'NGC 7000'", "target"));
        img.Metadata.FitsCards.Add(new FitsCard("EXPTIME", "300.0", "seconds"));
        img.Metadata.FitsCards.Add(new FitsCard("HISTORY", null, null) { RawText = "HISTORY stacked by Siril" });
        var back = RoundTrip(img, ImageFormat.Fits);
        Assert.That(back.Metadata.FitsValue("OBJECT"), Is.EqualTo("'NGC 7000'"));
        Assert.That(back.Metadata.FitsValue("EXPTIME"), Is.EqualTo("300.0"));
        Assert.That(back.Metadata.FitsCards.Any(c => c.RawText?.StartsWith("HISTORY stacked by Siril") == true));
        var again = RoundTrip(back, ImageFormat.Fits);
        Assert.That(again.Metadata.FitsCards.Select(c => c.RawText), Is.EqualTo(back.Metadata.FitsCards.Select(c => c.RawText)));
    }

    [Test]
    public void FitsFloat64IsReadAndRowOrderFollowsRoworder()
    {
        var img = TestImages.Random(5, 4, 1, SampleFormat.UInt8);
        img.Metadata.FitsCards.Add(new FitsCard("ROWORDER", "'TOP-DOWN'", null));
        var back = RoundTrip(img, ImageFormat.Fits, new WriteOptions { Depth = SampleFormat.Float64 });
        TestImages.AssertSamePixels(img, back);
        Assert.That(back.Metadata.SourceFormat, Is.EqualTo(SampleFormat.Float64));
    }

    [Test]
    public void TiffVariantsAreBitExact(
        [Values(SampleFormat.UInt8, SampleFormat.UInt16, SampleFormat.Float32)] SampleFormat f,
        [Values(TiffCompression.None, TiffCompression.Lzw, TiffCompression.Deflate, TiffCompression.PackBits)] TiffCompression comp,
        [Values(1, 2, 3, 4)] int channels,
        [Values(false, true)] bool planar,
        [Values(0, 16)] int tile)
    {
        var img = TestImages.Random(45, 33, channels, f, seed: channels * 7 + (int)comp);
        var back = RoundTrip(img, ImageFormat.Tiff, new WriteOptions { TiffCompression = comp, TiffPlanar = planar, TiffTileSize = tile });
        TestImages.AssertSamePixels(img, back);
        Assert.That(back.HasAlpha, Is.EqualTo(channels is 2 or 4), "alpha is kept");
    }

    [Test]
    public void TiffKeepsUnknownTags()
    {
        var img = TestImages.Random(4, 4, 3, SampleFormat.UInt16);
        img.Metadata.TiffTags[270] = new TiffTagValue(2, 12, "M31 mosaic\0\0"u8.ToArray());
        img.Metadata.TiffTags[305] = new TiffTagValue(2, 4, "Sir\0"u8.ToArray());
        var back = RoundTrip(img, ImageFormat.Tiff);
        Assert.That(back.Metadata.TiffTags[270].Bytes, Is.EqualTo("M31 mosaic\0\0"u8.ToArray()));
        Assert.That(back.Metadata.TiffTags[305].Bytes, Is.EqualTo("Sir\0"u8.ToArray()));
    }

    [Test]
    public void PngVariantsAreBitExact([Values(SampleFormat.UInt8, SampleFormat.UInt16)] SampleFormat f, [Values(1, 2, 3, 4)] int channels)
    {
        var img = TestImages.Random(19, 23, channels, f);
        img.Metadata.Properties["Software"] = "StarPlugin";
        var back = RoundTrip(img, ImageFormat.Png);
        TestImages.AssertSamePixels(img, back);
        Assert.That(back.Metadata.Properties["Software"], Is.EqualTo("StarPlugin"));
    }

    [Test]
    public void PngInterlacedAndPaletteFilesDecode([Values(1, 5, 8, 13)] int size)
    {
        var img = TestImages.Random(size, size + 2, 3, SampleFormat.UInt8);
        var interlaced = PngTestWriter.Adam7Rgb8(img);
        TestImages.AssertSamePixels(img, ImageFile.Decode(interlaced));

        var (palettePng, expected) = PngTestWriter.Palette2Bit(size + 3, size);
        TestImages.AssertSamePixels(expected, ImageFile.Decode(palettePng));
    }

    [Test]
    public void PfmAndCimgAreBitExact([Values(1, 3)] int channels)
    {
        var img = TestImages.Random(17, 9, channels, SampleFormat.Float32);
        TestImages.AssertSamePixels(img, RoundTrip(img, ImageFormat.Pfm));
        TestImages.AssertSamePixels(img, RoundTrip(img, ImageFormat.Cimg));
    }

    [Test]
    public void CimgKeepsAlphaChannels()
    {
        var img = TestImages.Random(6, 7, 4, SampleFormat.Float32);
        TestImages.AssertSamePixels(img, RoundTrip(img, ImageFormat.Cimg));
    }

    [Test]
    public void JpegRoundTripIsCloseAndKeepsChannels([Values(1, 3)] int channels)
    {
        var img = new AstroImage(64, 48, channels);
        for (int c = 0; c < channels; c++)
            for (int y = 0; y < 48; y++)
                for (int x = 0; x < 64; x++)
                    img[c, y, x] = (x + y + c * 10) / 140f; // smooth: JPEG's error stays small
        var back = RoundTrip(img, ImageFormat.Jpeg, new WriteOptions { JpegQuality = 98 });
        TestImages.AssertSamePixels(img, back, tolerance: 6f / 255f);
    }

    [Test]
    public void WritesAreAtomicAndRespectOverwrite()
    {
        string dir = Directory.CreateTempSubdirectory("sp-atomic").FullName;
        try
        {
            string path = Path.Combine(dir, "x.fits");
            var img = TestImages.Random(4, 4, 1, SampleFormat.Float32);
            ImageFile.Write(path, img);
            Assert.Throws<IOException>(() => ImageFile.Write(path, img));
            ImageFile.Write(path, img, new WriteOptions { Overwrite = true });
            Assert.That(Directory.GetFiles(dir), Has.Length.EqualTo(1), "no temporary file left behind");
        }
        finally { Directory.Delete(dir, true); }
    }

    [Test]
    public void TiffSignedSamplesAreWrittenSignedAndReadBack([Values(SampleFormat.Int16, SampleFormat.Int32, SampleFormat.UInt32)] SampleFormat f,
        [Values(TiffCompression.None, TiffCompression.Deflate)] TiffCompression comp)
    {
        var img = new AstroImage(21, 13, 3, new ImageMetadata { SourceFormat = f });
        var rng = new Random(3);
        double white = f == SampleFormat.Int16 ? 65535 : 4294967295.0;
        for (int i = 0; i < img.Data.Length; i++)
            img.Data[i] = (float)(f switch
            {
                SampleFormat.Int16 => rng.Next(-32768, 32768),
                SampleFormat.Int32 => rng.Next(-(1 << 24), 1 << 24),
                _ => rng.Next(0, 1 << 24),
            } / white);
        var back = RoundTrip(img, ImageFormat.Tiff, new WriteOptions { TiffCompression = comp });
        TestImages.AssertSamePixels(img, back);
        Assert.That(back.Metadata.SourceFormat, Is.EqualTo(f));
        Assert.That(back.Metadata.IsPhysical, Is.EqualTo(f != SampleFormat.UInt32), "signed TIFF samples are counts with units");
    }

    [Test]
    public void NanBecomesBlankInIntegerFitsAndComesBack()
    {
        var img = TestImages.Random(9, 7, 1, SampleFormat.Int16);
        img.Data[5] = float.NaN; img.Data[40] = float.NaN;
        img.Data[0] = -32768 / 65535f; // the usual BLANK value is taken: another free one is chosen
        var ms = new MemoryStream();
        ImageFile.Encode(ms, img, ImageFormat.Fits);
        string header = System.Text.Encoding.ASCII.GetString(ms.ToArray(), 0, 2880);
        Assert.That(header, Does.Contain("BLANK   =                32767"));
        var back = ImageFile.Decode(ms.ToArray());
        TestImages.AssertSamePixels(img, back);
    }

    [Test]
    public void ValuesAnIntegerTypeCannotHoldAreRefusedAndNothingIsWritten()
    {
        string dir = Directory.CreateTempSubdirectory("sp-range").FullName;
        try
        {
            var img = TestImages.Random(8, 8, 1, SampleFormat.UInt16);
            img.Data[3] = 1.2f;
            var e = Assert.Throws<SampleRangeException>(() => ImageFile.Write(Path.Combine(dir, "x.png"), img))!;
            Assert.That(e.Message, Does.Contain("--depth f32").And.Contain("78642"), "1.2 × 65535");
            // The output it is about, the data's own values, and a fix PNG can take (it has no floats).
            Assert.That(e.Message, Does.StartWith(Path.Combine(dir, "x.png") + ": ").And.Contain("..1.2 (").And.Contain("TIFF or FITS"));
            Assert.That(Assert.Throws<SampleRangeException>(() => ImageFile.Write(Path.Combine(dir, "x.jpg"), img))!.Message, Does.Contain("JPEG"));
            img.Data[3] = -0.01f;
            Assert.Throws<SampleRangeException>(() => ImageFile.Write(Path.Combine(dir, "x.tif"), img));
            Assert.Throws<SampleRangeException>(() => ImageFile.Write(Path.Combine(dir, "x.jpg"), img));
            img.Data[3] = float.NaN;
            Assert.That(Assert.Throws<SampleRangeException>(() => ImageFile.Write(Path.Combine(dir, "x.tif"), img))!.Message, Does.Contain("NaN"));
            Assert.That(Directory.GetFiles(dir), Is.Empty, "no output, no temporary file");
            // The same image as float keeps every value.
            ImageFile.Write(Path.Combine(dir, "x.tif"), img, new WriteOptions { Depth = SampleFormat.Float32 });
            Assert.That(float.IsNaN(ImageFile.Read(Path.Combine(dir, "x.tif")).Data[3]));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Test]
    public void FloatCountsGoIntoIntegersAsTheyAre()
    {
        // ADU that went through a float file: whole numbers beyond 1.0 are stored unchanged,
        // where white-to-white (×65535) could only have overflowed.
        var img = new AstroImage(5, 4, 1, new ImageMetadata { SourceFormat = SampleFormat.Float32 });
        for (int i = 0; i < img.Data.Length; i++) img.Data[i] = i * 1000 - 3000;
        var i16 = RoundTrip(img, ImageFormat.Fits, new WriteOptions { Depth = SampleFormat.Int16 });
        Assert.That(i16.Data.Select(v => Math.Round(v * i16.Metadata.PhysicalScale)), Is.EqualTo(img.Data.Select(v => (double)v)));
        // Siril's [0, 1] floats still go white to white.
        var unit = TestImages.Random(5, 4, 1, SampleFormat.UInt16);
        unit.Metadata.SourceFormat = SampleFormat.Float32;
        TestImages.AssertSamePixels(unit, RoundTrip(unit, ImageFormat.Tiff, new WriteOptions { Depth = SampleFormat.UInt16 }));
    }

    [Test]
    public void AstroTiffHeaderBecomesCardsAndAPlainDescriptionStaysATag()
    {
        var img = TestImages.Random(6, 5, 1, SampleFormat.UInt16);
        img.Metadata.FitsCards.Add(new FitsCard("OBJECT", "'M 42'", null));
        img.Metadata.FitsCards.Add(new FitsCard("HISTORY", null, null) { RawText = "HISTORY calibrated" });
        var back = RoundTrip(img, ImageFormat.Tiff);
        Assert.That(back.Metadata.FitsString("OBJECT"), Is.EqualTo("M 42"));
        Assert.That(back.Metadata.FitsCards.Select(c => c.Key), Is.EqualTo(new[] { "OBJECT", "HISTORY" }), "structural lines of the text are not cards");
        Assert.That(back.Metadata.TiffTags.ContainsKey(270), Is.False);
        // Not a header: "SIMPLE  =" with a character no FITS header holds stays a description.
        var plain = TestImages.Random(6, 5, 1, SampleFormat.UInt16);
        var desc = "SIMPLE  = T\n\u00e9\nEND\0"u8.ToArray();
        plain.Metadata.TiffTags[270] = new TiffTagValue(2, (uint)desc.Length, desc);
        Assert.That(RoundTrip(plain, ImageFormat.Tiff).Metadata.TiffTags.ContainsKey(270));
    }

    [Test]
    public void FitsWritesColourPlanesOnlyAndRefusesOtherCubesOnRead()
    {
        var rgba = TestImages.Random(7, 5, 4, SampleFormat.Float32);
        var back = RoundTrip(rgba, ImageFormat.Fits);
        Assert.That(back.Channels, Is.EqualTo(3), "FITS has no alpha: the colour planes are written");
        var grey = TestImages.Random(7, 5, 2, SampleFormat.Float32);
        Assert.That(RoundTrip(grey, ImageFormat.Fits).Channels, Is.EqualTo(1));
    }
}
