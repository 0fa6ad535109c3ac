using System.Buffers.Binary;
using StarPlugin.Imaging;
using StarPlugin.IO;

namespace StarPlugin.Tests.IO;

/// <summary>
/// Byte-level properties of TIFF blocks that a pixel round trip cannot see: the padding of
/// edge tiles, and blocks whose byte count is zero. The writer and reader reuse one block
/// buffer for all blocks; these failed when it was first reused.
/// </summary>
public class TiffBlockTests
{
    /// <summary>
    /// An uncompressed 8-bit image of 45×33 in 16-px tiles: every tile holds 256 bytes;
    /// the edge tiles' padding (TIFF 6.0: "should be" zero-filled for compression) must
    /// be zero, not the previous tile's pixels (which also bloated compressed files 2×).
    /// </summary>
    [Test]
    public void EdgeTilePaddingIsZero()
    {
        const int W = 45, H = 33, T = 16;
        var img = new AstroImage(W, H, 1, new ImageMetadata { SourceFormat = SampleFormat.UInt8 });
        Array.Fill(img.Data, 200 / 255f);
        var ms = new MemoryStream();
        ImageFile.Encode(ms, img, ImageFormat.Tiff, new WriteOptions { TiffCompression = TiffCompression.None, TiffTileSize = T });
        var f = ms.ToArray();

        var offsets = TagValues(f, 324); // TileOffsets
        int across = (W + T - 1) / T, down = (H + T - 1) / T;
        Assert.That(offsets, Has.Length.EqualTo(across * down));
        for (int t = 0; t < offsets.Length; t++)
        {
            int tx = t % across, ty = t / across;
            for (int y = 0; y < T; y++)
                for (int x = 0; x < T; x++)
                {
                    bool inside = tx * T + x < W && ty * T + y < H;
                    byte b = f[offsets[t] + y * T + x];
                    Assert.That(b, Is.EqualTo(inside ? (byte)200 : (byte)0), $"tile {t}, ({x}, {y})");
                }
        }
    }

    /// <summary>A Deflate strip with a byte count of 0 (sparse files from GDAL have them) is a format error that says why.</summary>
    [Test]
    public void EmptyDeflateStripSaysTheDataEndsEarly()
    {
        var img = new AstroImage(40, 40, 1, new ImageMetadata { SourceFormat = SampleFormat.UInt16 });
        for (int i = 0; i < img.Data.Length; i++) img.Data[i] = (i % 977) / 65535f;
        var ms = new MemoryStream();
        ImageFile.Encode(ms, img, ImageFormat.Tiff, new WriteOptions { TiffCompression = TiffCompression.Deflate });
        var f = ms.ToArray();
        SetFirstTagValue(f, 279, 0); // StripByteCounts[0] = 0
        var e = Assert.Throws<ImageFormatException>(() => ImageFile.Decode(f, "sparse.tif"));
        Assert.That(e!.Message, Does.Contain("Deflate data ends early"));
    }

    /// <summary>Values of a SHORT or LONG tag of the first IFD of a little-endian TIFF, read per TIFF 6.0.</summary>
    private static int[] TagValues(byte[] f, ushort tag)
    {
        var (isShort, count, start) = Values(f, tag);
        return Enumerable.Range(0, count).Select(i => isShort
            ? BinaryPrimitives.ReadUInt16LittleEndian(f.AsSpan(start + 2 * i))
            : (int)BinaryPrimitives.ReadUInt32LittleEndian(f.AsSpan(start + 4 * i))).ToArray();
    }

    private static void SetFirstTagValue(byte[] f, ushort tag, uint value)
    {
        var (isShort, _, start) = Values(f, tag);
        if (isShort) BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(start), (ushort)value);
        else BinaryPrimitives.WriteUInt32LittleEndian(f.AsSpan(start), value);
    }

    /// <summary>Whether a tag of the first IFD is SHORT (else LONG), its count, and where its values start (in the entry when they fit in 4 bytes).</summary>
    private static (bool IsShort, int Count, int Start) Values(byte[] f, ushort tag)
    {
        Assert.That(f[0] == 'I' && f[1] == 'I', "little-endian TIFF");
        int ifd = (int)BinaryPrimitives.ReadUInt32LittleEndian(f.AsSpan(4));
        int n = BinaryPrimitives.ReadUInt16LittleEndian(f.AsSpan(ifd));
        for (int i = 0; i < n; i++)
        {
            int e = ifd + 2 + 12 * i;
            if (BinaryPrimitives.ReadUInt16LittleEndian(f.AsSpan(e)) != tag) continue;
            bool isShort = BinaryPrimitives.ReadUInt16LittleEndian(f.AsSpan(e + 2)) == 3;
            int count = (int)BinaryPrimitives.ReadUInt32LittleEndian(f.AsSpan(e + 4));
            int start = count * (isShort ? 2 : 4) <= 4 ? e + 8 : (int)BinaryPrimitives.ReadUInt32LittleEndian(f.AsSpan(e + 8));
            return (isShort, count, start);
        }
        Assert.Fail($"tag {tag} not found");
        return default;
    }
}
