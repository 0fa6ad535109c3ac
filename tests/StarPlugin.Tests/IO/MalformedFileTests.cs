using System.Text;
using StarPlugin.Imaging;
using StarPlugin.IO;
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
            var rng = new Random(name.GetHashCode(StringComparison.Ordinal) & 0x7FFF);
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
