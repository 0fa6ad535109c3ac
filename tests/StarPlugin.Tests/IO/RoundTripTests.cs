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
}
