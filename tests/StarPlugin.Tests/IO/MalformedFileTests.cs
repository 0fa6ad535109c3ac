using System.Text;
using StarPlugin.Imaging;
using StarPlugin.IO;
using StarPlugin.IO.Xisf;
using StarPlugin.Tests.Support;

namespace StarPlugin.Tests.IO;

/// <summary>
/// Every corrupt input must end in a typed error or a valid image: never a crash,
/// a hang or a huge allocation. Seeds make every case reproducible.
/// </summary>
public class MalformedFileTests
{
    private static IEnumerable<(string Name, byte[] Bytes)> ValidFiles()
    {
        (string, ImageFormat, WriteOptions, AstroImage)[] specs =
        [
            ("fits-u16-rgb", ImageFormat.Fits, new WriteOptions(), TestImages.Random(24, 16, 3, SampleFormat.UInt16)),
            ("fits-f32", ImageFormat.Fits, new WriteOptions(), TestImages.Random(30, 20, 1, SampleFormat.Float32)),
            ("tiff-lzw-u16", ImageFormat.Tiff, new WriteOptions { TiffCompression = TiffCompression.Lzw }, TestImages.Random(40, 30, 3, SampleFormat.UInt16)),
            ("tiff-deflate-f32-planar", ImageFormat.Tiff, new WriteOptions { TiffPlanar = true }, TestImages.Random(33, 17, 4, SampleFormat.Float32)),
            ("tiff-packbits-tiles", ImageFormat.Tiff, new WriteOptions { TiffCompression = TiffCompression.PackBits, TiffTileSize = 16 }, TestImages.Random(40, 40, 1, SampleFormat.UInt8)),
            ("tiff-raw", ImageFormat.Tiff, new WriteOptions { TiffCompression = TiffCompression.None }, TestImages.Random(20, 10, 2, SampleFormat.UInt8)),
            ("png-rgba16", ImageFormat.Png, new WriteOptions(), TestImages.Random(25, 19, 4, SampleFormat.UInt16)),
            ("png-grey8", ImageFormat.Png, new WriteOptions(), TestImages.Random(31, 12, 1, SampleFormat.UInt8)),
            ("jpeg-rgb", ImageFormat.Jpeg, new WriteOptions(), TestImages.Random(48, 32, 3, SampleFormat.UInt8)),
            ("pfm-rgb", ImageFormat.Pfm, new WriteOptions(), TestImages.Random(21, 13, 3, SampleFormat.Float32)),
            ("cimg-rgba", ImageFormat.Cimg, new WriteOptions(), TestImages.Random(14, 11, 4, SampleFormat.Float32)),
        ];
        foreach (var (name, fmt, opt, img) in specs)
        {
            var ms = new MemoryStream();
            ImageFile.Encode(ms, img, fmt, opt);
            yield return (name, ms.ToArray());
        }
        yield return ("png-adam7", PngTestWriter.Adam7Rgb8(TestImages.Random(13, 11, 3, SampleFormat.UInt8)));
        yield return ("fz-gzip1", FzTestWriter.Gzip1(FzTestWriter.Gradient(23, 17)));
        foreach (var codec in new[] { XisfCompression.None, XisfCompression.Zlib, XisfCompression.Lz4, XisfCompression.Zstd })
        {
            var ms = new MemoryStream();
            ImageFile.Encode(ms, TestImages.Random(19, 13, 3, SampleFormat.UInt16), ImageFormat.Xisf, new WriteOptions { XisfCompression = codec });
            yield return ($"xisf-{codec}", ms.ToArray());
        }
    }

    internal static void AssertErrorOrValid(byte[] bytes, string label)
    {
        try
        {
            var img = ImageFile.Decode(bytes, label);
            Assert.That(img.Data, Has.Length.EqualTo((long)img.Width * img.Height * img.Channels), label);
        }
        catch (ImageFormatException) { }
        catch (ImageSizeException) { }
        catch (Exception e)
        {
            Assert.Fail($"{label}: {e.GetType().Name}: {e.Message}");
        }
    }

    [Test]
    public void RandomTruncationsAndByteFlipsNeverCrash()
    {
        int cases = 0;
        foreach (var (name, bytes) in ValidFiles())
        {
            // A stable seed per file (string.GetHashCode changes from process to process, so
            // the cases did too, and a failure could not be replayed).
            var rng = new Random(name.Aggregate(17, (h, ch) => h * 31 + ch) & 0x7FFF);
            for (int i = 0; i < 30; i++, cases++)
                AssertErrorOrValid(bytes[..rng.Next(bytes.Length)], $"{name} truncated #{i}");
            for (int i = 0; i < 30; i++, cases++)
            {
                var copy = (byte[])bytes.Clone();
                int flips = 1 + rng.Next(4);
                // Bias half the flips into the header, where they change structure rather than pixels.
                for (int k = 0; k < flips; k++)
                    copy[rng.Next(2) == 0 ? rng.Next(Math.Min(copy.Length, 400)) : rng.Next(copy.Length)] = (byte)rng.Next(256);
                AssertErrorOrValid(copy, $"{name} flipped #{i}");
            }
        }
        Assert.That(cases, Is.GreaterThanOrEqualTo(500));
    }

    [Test]
    public void ADeflateStripAskingForAPresetDictionaryIsAFormatError()
    {
        // zlib answers a header with FDICT set (no dictionary given) with Z_NEED_DICT, which
        // .NET throws as an IOException, not InvalidDataException: the fuzz test above met it
        // once in a flipped byte of a TIFF's Deflate strip. (PNG's chunk CRC stops such a
        // flip before the inflater unless the CRC is made right again: the next test.)
        const string name = "tiff-deflate-f32-planar";
        var bytes = (byte[])ValidFiles().Single(f => f.Name == name).Bytes.Clone();
        int at = Enumerable.Range(8, bytes.Length - 9).First(i => bytes[i] == 0x78 && bytes[i + 1] is 0x01 or 0x5E or 0x9C or 0xDA);
        bytes[at + 1] = 0xBB; // FDICT, and the header's check bits still right ((0x78 << 8 | 0xBB) % 31 == 0)
        var e = Assert.Throws<ImageFormatException>(() => ImageFile.Decode(bytes, name));
        Assert.That(e!.Message, Does.Contain("corrupt Deflate"));
    }

    [Test]
    public void AnIdatAskingForAPresetDictionaryIsAFormatError()
    {
        // The same zlib header as above in a PNG's first IDAT, with the chunk's CRC made
        // right again so the flip reaches the inflater.
        var bytes = (byte[])ValidFiles().Single(f => f.Name == "png-grey8").Bytes.Clone();
        int type = Enumerable.Range(12, bytes.Length - 16).First(i => bytes.AsSpan(i, 4).SequenceEqual("IDAT"u8));
        int length = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(type - 4));
        Assert.That(bytes[type + 4], Is.EqualTo(0x78), "a zlib stream with a 32 KiB window");
        bytes[type + 5] = 0xBB;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(type + 4 + length), PngTestWriter.Crc(bytes.Skip(type).Take(4 + length)));
        var e = Assert.Throws<ImageFormatException>(() => ImageFile.Decode(bytes, "png-grey8"));
        Assert.That(e!.Message, Does.Contain("corrupt compressed"));
    }

    private static byte[] FitsHeaderOnly(params string[] cards)
    {
        var sb = new StringBuilder();
        foreach (var c in cards.Append("END")) sb.Append(c.PadRight(80));
        while (sb.Length % 2880 != 0) sb.Append(' ');
        return Encoding.ASCII.GetBytes(sb.ToString());
    }

    [Test]
    public void AbsurdDimensionsAreRefusedBeforeAllocation()
    {
        var fits = FitsHeaderOnly("SIMPLE  =                    T", "BITPIX  =                  -32", "NAXIS   =                    2",
            "NAXIS1  =                20000", "NAXIS2  =                20000");
        Assert.Throws<ImageFormatException>(() => ImageFile.Decode(fits));
        var huge = FitsHeaderOnly("SIMPLE  =                    T", "BITPIX  =                  -32", "NAXIS   =                    2",
            "NAXIS1  =           2000000000", "NAXIS2  =           2000000000");
        Assert.Throws<ImageSizeException>(() => ImageFile.Decode(huge));
        var pfm = Encoding.ASCII.GetBytes("PF\n10000 10000\n-1.0\n\0\0\0\0");
        Assert.Throws<ImageFormatException>(() => ImageFile.Decode(pfm));
        var cimg = Encoding.ASCII.GetBytes("1 float little_endian\n99999999 99999999 1 3\n");
        Assert.Throws<ImageSizeException>(() => ImageFile.Decode(cimg));
    }

    [Test]
    public void CompressedFilesClaimingHugeSizesAreRefused()
    {
        // A valid small PNG whose IHDR is patched to 30000x30000 (CRC fixed up): only the size check can stop it.
        var ms = new MemoryStream();
        ImageFile.Encode(ms, TestImages.Random(8, 8, 1, SampleFormat.UInt8), ImageFormat.Png);
        var png = ms.ToArray();
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(16), 30000);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(20), 30000);
        uint crc = 0xFFFFFFFF;
        foreach (byte b in png.AsSpan(12, 17).ToArray()) { crc ^= b; for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0xEDB88320 ^ (crc >> 1) : crc >> 1; }
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(29), crc ^ 0xFFFFFFFF);
        var e = Assert.Throws<ImageFormatException>(() => ImageFile.Decode(png));
        Assert.That(e!.Message, Does.Contain("larger than"));
    }

    [Test]
    public void AJpegClaimingAHugePictureFailsBeforeItsBuffersExist()
    {
        // A hostile run: a real 137 KB JPEG with its SOF size patched to 18900² passed the
        // size-for-bytes check and allocated 1 GB before the decoder found the data short.
        var ms = new MemoryStream();
        ImageFile.Encode(ms, TestImages.Random(512, 384, 3, SampleFormat.UInt8), ImageFormat.Jpeg);
        var jpeg = ms.ToArray();
        int sof = Enumerable.Range(0, jpeg.Length - 1).First(i => jpeg[i] == 0xFF && jpeg[i + 1] == 0xC0);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(jpeg.AsSpan(sof + 5), 18900);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(jpeg.AsSpan(sof + 7), 18900);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<ImageFormatException>(() => ImageFile.Decode(jpeg));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(allocated, Is.LessThan(64L << 20), "the 1/8-scale test decode fails first (the full size: 1 GB of bytes and 4 GB of floats)");
        using (ImageLimits.HeaderOnly())
        {
            var header = Assert.Throws<ImageHeaderRead>(() => ImageFile.Decode(jpeg));
            Assert.That(header!.Width, Is.EqualTo(18900), "a header read still answers without decoding");
        }

        // A large flat picture packs far more pixels a byte than a photograph and passes the
        // same test decode: it reads exactly as without it.
        var flat = new AstroImage(4200, 4100, 1);
        flat.Plane(0).Fill(0.25f);
        ms = new MemoryStream();
        ImageFile.Encode(ms, flat, ImageFormat.Jpeg);
        Assert.That(flat.PlaneLength / ms.Length, Is.GreaterThan(64), "a file the test decode looks at");
        var back = ImageFile.Decode(ms.ToArray());
        Assert.That((back.Width, back.Height), Is.EqualTo((4200, 4100)));
        var values = back.Plane(0).ToArray();
        Assert.That(values.Max() - values.Min(), Is.Zero);
        Assert.That(values[0], Is.EqualTo(0.25).Within(1.0 / 255));
    }

    private static void AssertTypedError(byte[] bytes, string label, string? message = null)
    {
        try
        {
            ImageFile.Decode(bytes, label);
            Assert.Fail($"{label}: decoded without an error");
        }
        catch (Exception e) when (e is ImageFormatException or ImageSizeException)
        {
            if (message != null) Assert.That(e.Message, Does.Contain(message), label);
        }
    }

    [Test]
    public void CompressedFitsThatLiesIsRefusedBeforeAllocating()
    {
        var pixels = FzTestWriter.Gradient(23, 17);
        var valid = ImageFile.Decode(FzTestWriter.Gzip1(pixels));
        Assert.That((valid.Width, valid.Height, valid.Metadata.SourceFormat), Is.EqualTo((23, 17, SampleFormat.Int16)));
        Assert.That(valid.Metadata.FitsValue("OBJECT"), Is.EqualTo("'test    '"));

        void Cards(string label, Action<List<string>> edit, string? message = null) => AssertTypedError(FzTestWriter.Gzip1(pixels, edit), label, message);
        void Table(string label, Action<byte[], long, long> edit, string? message = null) => AssertTypedError(FzTestWriter.Gzip1(pixels, null, edit), label, message);
        Table("heap offset past the end", (d, _, _) => System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(d.AsSpan(4), 1 << 30), "outside");
        Table("negative element count", (d, _, _) => System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(d.AsSpan(8), -5), "outside");
        Table("tile bytes not gzip", (d, _, n) => { for (long i = n; i < d.Length; i++) d[i] ^= 0x5A; });
        Cards("THEAP outside the data", c => c.Add("THEAP   =             99999999"), "THEAP");
        Cards("fewer tiles than the tiling needs", c => FzTestWriter.Replace(c, "ZNAXIS2", "ZNAXIS2 =                20000"), "tiling needs");
        Cards("tile claims more than its bytes hold", c =>
        {
            FzTestWriter.Replace(c, "ZNAXIS1", "ZNAXIS1 =               500000");
            FzTestWriter.Replace(c, "ZTILE1", "ZTILE1  =               500000");
        }, "larger than");
        Cards("absurd axis", c => FzTestWriter.Replace(c, "ZNAXIS1", "ZNAXIS1 =           2000000000"));
        Cards("unknown compression", c => FzTestWriter.Replace(c, "ZCMPTYPE", "ZCMPTYPE= 'FOO_1   '"), "FOO_1");
        Cards("PLIO", c => FzTestWriter.Replace(c, "ZCMPTYPE", "ZCMPTYPE= 'PLIO_1  '"), "PLIO_1");
        Cards("bad ZBITPIX", c => FzTestWriter.Replace(c, "ZBITPIX", "ZBITPIX =                   12"), "ZBITPIX");
        Cards("bad column type", c => FzTestWriter.Replace(c, "TFORM1", "TFORM1  = '1PZ     '"));
        Cards("row width disagrees", c => FzTestWriter.Replace(c, "NAXIS1", "NAXIS1  =                   12"), "NAXIS1");
        Cards("heap larger than any file", c => FzTestWriter.Replace(c, "PCOUNT", "PCOUNT  =       99999999999999"));
        Cards("dither without its seed", c =>
        {
            FzTestWriter.Replace(c, "ZBITPIX", "ZBITPIX =                  -32");
            c.Add("ZQUANTIZ= 'SUBTRACTIVE_DITHER_1'");
            c.Add("ZSCALE  =                  0.5");
        }, "ZDITHER0");
        Cards("HCOMPRESS tile beyond the working-memory bound", c =>
        {
            FzTestWriter.Replace(c, "ZCMPTYPE", "ZCMPTYPE= 'HCOMPRESS_1'");
            FzTestWriter.Replace(c, "ZNAXIS1", "ZNAXIS1 =                10000");
            FzTestWriter.Replace(c, "ZNAXIS2", "ZNAXIS2 =                10000");
            FzTestWriter.Replace(c, "ZTILE1", "ZTILE1  =                10000");
            FzTestWriter.Replace(c, "ZTILE2", "ZTILE2  =                10000");
        }, "HCOMPRESS");
        // Rice has no integrity check: other bytes may decode to some image, but never crash.
        AssertErrorOrValid(FzTestWriter.Gzip1(pixels, c => FzTestWriter.Replace(c, "ZCMPTYPE", "ZCMPTYPE= 'RICE_1  '")), "RICE data that is gzip");
        Cards("HCOMPRESS data that is gzip", c => FzTestWriter.Replace(c, "ZCMPTYPE", "ZCMPTYPE= 'HCOMPRESS_1'"));
    }

    /// <summary>A monolithic XISF file from the Image element's attributes and one attached block at 4096.</summary>
    private static byte[] Xisf(string imageAttributes, byte[] block, string? location = null, string? header = null)
    {
        header ??= "<?xml version=\"1.0\" encoding=\"UTF-8\"?><xisf version=\"1.0\" xmlns=\"http://www.pixinsight.com/xisf\">"
                   + $"<Image {imageAttributes} location=\"{location ?? $"attachment:4096:{block.Length}"}\"/></xisf>";
        var h = Encoding.UTF8.GetBytes(header);
        var file = new byte[4096 + block.Length];
        "XISF0100"u8.CopyTo(file);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(8), (uint)h.Length);
        h.CopyTo(file, 16);
        block.CopyTo(file, 4096);
        return file;
    }

    [Test]
    public void XisfThatLiesIsRefusedBeforeAllocating()
    {
        var block = new byte[5 * 4 * 2];
        var ok = ImageFile.Decode(Xisf("geometry=\"5:4:1\" sampleFormat=\"UInt16\"", block));
        Assert.That((ok.Width, ok.Height, ok.Channels), Is.EqualTo((5, 4, 1)));
        AssertTypedError(Xisf("", block, header: "<?xml version=\"1.0\"?><xisf version=\"1.0\" xmlns=\"http://www.pixinsight.com/xisf\"><Image geometry=\"5:4:1\""), "malformed XML", "malformed XML");
        AssertTypedError(Xisf("", block, header: "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]><xisf version=\"1.0\" xmlns=\"http://www.pixinsight.com/xisf\"><Image geometry=\"&b;\"/></xisf>"), "entity expansion", "XML");
        AssertTypedError(Xisf("geometry=\"5:4:1\" sampleFormat=\"UInt16\"", block, "attachment:999999:40"), "block past the end", "past the end");
        AssertTypedError(Xisf("geometry=\"5:4:1\" sampleFormat=\"UInt16\"", block, "attachment:4096:18446744073709551615"), "block size overflows", "past the end");
        AssertTypedError(Xisf("geometry=\"5:4:1\" sampleFormat=\"UInt16\"", block, "attachment:4096:10"), "block shorter than the image", "needs");
        AssertTypedError(Xisf("geometry=\"100000:100000:3\" sampleFormat=\"Float32\"", block), "absurd geometry");
        AssertTypedError(Xisf("geometry=\"0:4:1\" sampleFormat=\"UInt16\"", block), "empty geometry");
        AssertTypedError(Xisf("geometry=\"5:4:9\" sampleFormat=\"UInt16\"", block), "nine channels");
        AssertTypedError(Xisf("geometry=\"5:-4:1\" sampleFormat=\"UInt16\"", block), "negative geometry");
        AssertTypedError(Xisf("geometry=\"5:4:2:1\" sampleFormat=\"UInt16\"", block), "3-D image", "2-D");
        AssertTypedError(Xisf("geometry=\"5:4:1\" sampleFormat=\"Int12\"", block), "unknown sample format");
        AssertTypedError(Xisf("geometry=\"5:4:3\" sampleFormat=\"UInt16\" colorSpace=\"CIELab\"", new byte[120]), "CIELab", "CIELab");
        AssertTypedError(Xisf("geometry=\"5:4:1\" sampleFormat=\"UInt16\" checksum=\"sha-1:0000000000000000000000000000000000000000\"", block), "checksum", "checksum");
        AssertTypedError(Xisf("geometry=\"5:4:1\" sampleFormat=\"UInt16\" compression=\"brotli:40\"", block), "unknown codec", "brotli");
        AssertTypedError(Xisf("geometry=\"5:4:1\" sampleFormat=\"UInt16\" compression=\"zlib:40\"", block), "zlib garbage", "zlib");
        AssertTypedError(Xisf("geometry=\"5:4:1\" sampleFormat=\"UInt16\" compression=\"zstd:40\"", block), "zstd garbage", "zstd");
        AssertTypedError(Xisf("geometry=\"5:4:1\" sampleFormat=\"UInt16\" compression=\"lz4:40\"", block), "lz4 garbage", "lz4");
        AssertTypedError(Xisf("geometry=\"5:4:1\" sampleFormat=\"UInt16\" compression=\"zlib+sh:40\"", block), "shuffle without item size");
        AssertTypedError(Xisf("geometry=\"5:4:1\" sampleFormat=\"UInt16\" compression=\"zlib:40\" subblocks=\"9999999999999999999,1:1,39\"", block), "subblocks overflow");
        // A 20000 × 20000 image claimed by a 100-byte zlib block: refused before 800 MB are allocated.
        AssertTypedError(Xisf("geometry=\"20000:20000:1\" sampleFormat=\"UInt16\" compression=\"zlib:800000000\"", new byte[100]), "decompression bomb", "larger than");
        var truncatedHeader = Xisf("geometry=\"5:4:1\" sampleFormat=\"UInt16\"", block);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(truncatedHeader.AsSpan(8), 1_000_000);
        AssertTypedError(truncatedHeader, "header length past the end", "past the end");
    }

    [TestCase(new byte[0])]
    [TestCase(new byte[] { 1, 2, 3 })]
    [TestCase(new byte[] { (byte)'I', (byte)'I', 42, 0, 255, 255, 255, 255 })]
    [TestCase(new byte[] { 137, 80, 78, 71, 13, 10, 26, 10 })]
    [TestCase(new byte[] { 0xFF, 0xD8, 0xFF, 0xE0, 0, 0 })]
    public void TinyAndWrongFilesGiveTypedErrors(byte[] bytes) =>
        Assert.Throws(Is.InstanceOf<ImageFormatException>().Or.InstanceOf<StarPlugin.Imaging.ImageSizeException>(), () => ImageFile.Decode(bytes));

    [Test]
    public void UnsupportedVariantsSayWhat()
    {
        var bigTiff = new byte[] { (byte)'I', (byte)'I', 43, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
        var e = Assert.Throws<UnsupportedImageException>(() => ImageFile.Decode(bigTiff));
        Assert.That(e!.Message, Does.Contain("BigTIFF"));
    }
}
