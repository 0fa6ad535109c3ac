using System.Buffers.Binary;
using System.IO.Compression;
using StarPlugin.Imaging;
using StarPlugin.IO.Fits;

namespace StarPlugin.IO.Tiff;

/// <summary>
/// Reads the first image of a TIFF: 8/16/32-bit integer and 32/64-bit float samples,
/// grey or RGB with optional alpha (ExtraSamples), chunky or planar, strips or tiles,
/// uncompressed, LZW, Deflate or PackBits, with predictors 2 and 3.
/// </summary>
internal static class TiffReader
{
    private sealed record Field(ushort Type, uint Count, long ValueOffset);

    /// <summary>Upper bound of decompressed/compressed size for LZW, Deflate and PackBits.</summary>
    private const long MaxExpansion = 4096;

    public static AstroImage Decode(ReadOnlySpan<byte> data)
    {
        if (data.Length < 8) throw new ImageFormatException("TIFF: file too short");
        bool be = data[0] == 'M';
        if (!((data[0] == 'I' && data[1] == 'I') || (data[0] == 'M' && data[1] == 'M')))
            throw new ImageFormatException("TIFF: bad byte-order mark");
        var r = new ByteReader(data, be, "TIFF");
        ushort magic = r.U16(2);
        if (magic == 43) throw new UnsupportedImageException("TIFF: BigTIFF is not supported");
        if (magic != 42) throw new ImageFormatException("TIFF: bad magic number");
        long ifd = r.U32(4);
        int count = r.U16(ifd);
        if (count == 0) throw new ImageFormatException("TIFF: empty IFD");
        var fields = new Dictionary<ushort, Field>();
        for (int i = 0; i < count; i++)
        {
            long e = ifd + 2 + i * 12L;
            ushort tag = r.U16(e), type = r.U16(e + 2);
            uint n = r.U32(e + 4);
            int size = TiffTag.TypeSize(type);
            if (size == 0) continue; // unknown type: skip, as the spec says readers should
            long bytes = (long)size * n;
            long valueOffset = bytes <= 4 ? e + 8 : r.U32(e + 8);
            if (bytes > data.Length) throw new ImageFormatException($"TIFF: tag {tag} claims {bytes} bytes");
            fields[tag] = new Field(type, n, valueOffset);
        }


        long width = One(r, fields, TiffTag.ImageWidth, -1), height = One(r, fields, TiffTag.ImageLength, -1);
        int spp = (int)One(r, fields, TiffTag.SamplesPerPixel, 1);
        var bpsAll = Values(r, fields, TiffTag.BitsPerSample);
        int bits = bpsAll.Length > 0 ? (int)bpsAll[0] : 1;
        if (bpsAll.Any(b => b != bits)) throw new UnsupportedImageException("TIFF: mixed bits per sample");
        int compression = (int)One(r, fields, TiffTag.Compression, 1);
        int photometric = (int)One(r, fields, TiffTag.Photometric, spp >= 3 ? 2 : 1);
        int planar = (int)One(r, fields, TiffTag.PlanarConfiguration, 1);
        int predictor = (int)One(r, fields, TiffTag.Predictor, 1);
        // FillOrder 2: every stored byte is bit-reversed (raw2tiff's default); libtiff undoes it before decoding.
        bool reverseBits = One(r, fields, TiffTag.FillOrder, 1) == 2;
        int sampleFormat = (int)One(r, fields, TiffTag.SampleFormat, 1);
        var extra = Values(r, fields, TiffTag.ExtraSamples);

        if (width <= 0 || height <= 0) throw new ImageFormatException("TIFF: missing or zero image size");
        if (photometric is 3) throw new UnsupportedImageException("TIFF: palette images are not supported");
        if (photometric is not (0 or 1 or 2)) throw new UnsupportedImageException($"TIFF: photometric interpretation {photometric} (only grey and RGB)");
        int colour = photometric == 2 ? 3 : 1;
        if (spp < colour || spp > colour + 1 + 8) throw new UnsupportedImageException($"TIFF: {spp} samples per pixel with photometric {photometric}");
        bool alpha = spp > colour && (extra.Length == 0 || extra[0] is 1 or 2 || spp == colour + 1);
        int channels = colour + (alpha ? 1 : 0);
        var fmt = (sampleFormat, bits) switch
        {
            (1, 8) => SampleFormat.UInt8,
            (1, 16) => SampleFormat.UInt16,
            (1, 32) => SampleFormat.UInt32,
            (2, 16) => SampleFormat.Int16,
            (2, 32) => SampleFormat.Int32,
            (3, 32) => SampleFormat.Float32,
            (3, 64) => SampleFormat.Float64,
            _ => throw new UnsupportedImageException($"TIFF: {bits}-bit samples of format {sampleFormat}"),
        };
        if (compression is not (1 or 5 or 8 or 32946 or 32773))
            throw new UnsupportedImageException($"TIFF: compression {compression} is not supported (none, LZW, Deflate, PackBits)");
        if (planar is not (1 or 2)) throw new ImageFormatException($"TIFF: planar configuration {planar}");
        if (predictor is not (1 or 2 or 3)) throw new UnsupportedImageException($"TIFF: predictor {predictor}");
        ImageLimits.CheckedSampleCount(width, height, channels);

        bool tiled = fields.ContainsKey(TiffTag.TileWidth);
        long blockW = tiled ? One(r, fields, TiffTag.TileWidth, 0) : width;
        long blockH = tiled ? One(r, fields, TiffTag.TileLength, 0) : Math.Min(One(r, fields, TiffTag.RowsPerStrip, height), height);
        if (blockW <= 0 || blockH <= 0 || blockW > 65536 * 4 || (tiled && blockH > 65536 * 4))
            throw new ImageFormatException("TIFF: invalid strip or tile size");
        var offsets = Values(r, fields, tiled ? TiffTag.TileOffsets : TiffTag.StripOffsets);
        var counts = Values(r, fields, tiled ? TiffTag.TileByteCounts : TiffTag.StripByteCounts);
        long across = (width + blockW - 1) / blockW, down = (height + blockH - 1) / blockH;
        int planes = planar == 2 ? spp : 1;
        long blocks = across * down * planes;
        if (offsets.Length < blocks) throw new ImageFormatException($"TIFF: {offsets.Length} data blocks, {blocks} needed");
        if (counts.Length < blocks)
        {
            if (compression != 1) throw new ImageFormatException("TIFF: missing byte counts");
            counts = new long[blocks];
            Array.Fill(counts, blockW * blockH * (planar == 2 ? 1 : spp) * (bits / 8));
        }

        // No codec here expands more than ~4096:1; a file that claims more pixels than its
        // data could hold is corrupt, and is refused before the image is allocated.
        long claimed = 0;
        for (long b = 0; b < blocks; b++) claimed += Math.Max(0, counts[b]);
        if (width * height * spp * (bits / 8) > claimed * MaxExpansion + (1 << 20))
            throw new ImageFormatException($"TIFF: {width}x{height} image is larger than its {claimed} data bytes can hold");

        int bps = bits / 8, pixelSamples = planar == 2 ? 1 : spp;
        long rowBytes = blockW * pixelSamples * bps;
        var md = new ImageMetadata { SourceFormat = fmt };
        foreach (var (tag, f) in fields)
            if (!TiffTag.IsStructural(tag))
                md.TiffTags[tag] = new TiffTagValue(f.Type, f.Count, ToLittleEndian(r.Slice(f.ValueOffset, (long)TiffTag.TypeSize(f.Type) * f.Count), f.Type, be));
        // Astro-TIFF (Siril, ASTAP, CCDCiel): the FITS header in ImageDescription. Its cards
        // join the image's FITS cards and the tag is rebuilt from them on write.
        bool astroTiff = false;
        if (md.TiffTags.TryGetValue(TiffTag.ImageDescription, out var desc) && desc.Type == TiffTag.TypeAscii
            && FitsHeader.TryFromText(System.Text.Encoding.Latin1.GetString(desc.Bytes).TrimEnd('\0'), out var cards))
        {
            md.FitsCards = cards;
            md.TiffTags.Remove(TiffTag.ImageDescription);
            astroTiff = true;
        }
        // Signed integers, and integers of 16 bits or more that carry a FITS header, are
        // counts with units (ADU): they keep their values through every output.
        if (fmt is SampleFormat.Int16 or SampleFormat.Int32 || (astroTiff && fmt is SampleFormat.UInt16 or SampleFormat.UInt32))
            md.PhysicalScale = SampleConversion.White(fmt);
        var img = new AstroImage((int)width, (int)height, channels, md);
        int plane = img.PlaneLength;
        var dst = img.Data;
        bool invert = photometric == 0;
        byte[] block = [];

        for (long b = 0; b < blocks; b++)
        {
            int p = (int)(b / (across * down));
            long within = b % (across * down);
            long bx = within % across * blockW, by = within / across * blockH;
            long rows = tiled ? blockH : Math.Min(blockH, height - by);
            long expected = rowBytes * rows;
            if (expected > int.MaxValue) throw new ImageFormatException("TIFF: strip or tile too large");
            if (expected > counts[b] * MaxExpansion + (1 << 20)) throw new ImageFormatException("TIFF: strip or tile is larger than its data can hold");
            var compressed = r.Slice(offsets[b], counts[b]);
            if (reverseBits)
            {
                var reversed = compressed.ToArray();
                foreach (ref byte v in reversed.AsSpan()) v = (byte)((v * 0x0202020202UL & 0x010884422010UL) % 1023);
                compressed = reversed;
            }
            // One buffer for every block: a new one per block was garbage as large as the
            // image, on the large-object heap once blocks pass 85 kB.
            if (block.Length < expected) block = new byte[expected];
            var raw = block.AsSpan(0, (int)expected);
            switch (compression)
            {
                case 1:
                    if (compressed.Length < expected) throw new ImageFormatException("TIFF: truncated strip");
                    compressed[..(int)expected].CopyTo(raw);
                    break;
                case 5: TiffLzw.Decode(compressed, raw); break;
                case 32773: TiffPackBits.Decode(compressed, raw); break;
                default: Inflate(compressed, raw); break;
            }
            for (long y = 0; y < rows; y++)
            {
                var row = raw.Slice((int)(y * rowBytes), (int)rowBytes);
                bool leSamples = !be;
                if (predictor == 2) TiffPredictor.UndoHorizontal(row, bps, pixelSamples, be);
                else if (predictor == 3) { TiffPredictor.UndoFloatingPoint(row, bps, pixelSamples); leSamples = true; }
                long iy = by + y;
                if (iy >= height) break;
                for (long x = 0; x < blockW; x++)
                {
                    long ix = bx + x;
                    if (ix >= width) break;
                    for (int s = 0; s < pixelSamples; s++)
                    {
                        int sample = planar == 2 ? p : s;
                        if (sample >= channels) continue; // extra samples beyond alpha are dropped
                        float v = ReadSample(row.Slice((int)((x * pixelSamples + s) * bps), bps), fmt, leSamples);
                        if (invert && sample < colour) v = 1f - v; // WhiteIsZero
                        dst[sample * plane + iy * width + ix] = v;
                    }
                }
            }
        }
        return img;
    }

    private static long[] Values(ByteReader r, Dictionary<ushort, Field> fields, ushort tag)
    {
        if (!fields.TryGetValue(tag, out var f)) return [];
        var res = new long[f.Count];
        int sz = TiffTag.TypeSize(f.Type);
        for (int i = 0; i < f.Count; i++)
        {
            long o = f.ValueOffset + (long)i * sz;
            res[i] = f.Type switch
            {
                TiffTag.TypeByte or TiffTag.TypeUndefined => r.U8(o),
                TiffTag.TypeShort => r.U16(o),
                TiffTag.TypeLong or TiffTag.TypeIfd => r.U32(o),
                _ => throw new ImageFormatException($"TIFF: tag {tag} has non-integer type {f.Type}"),
            };
        }
        return res;
    }

    private static long One(ByteReader r, Dictionary<ushort, Field> fields, ushort tag, long fallback)
    {
        var v = Values(r, fields, tag);
        return v.Length > 0 ? v[0] : fallback;
    }

    private static float ReadSample(ReadOnlySpan<byte> s, SampleFormat f, bool le) => f switch
    {
        SampleFormat.UInt8 => s[0] / 255f,
        SampleFormat.UInt16 => (le ? BinaryPrimitives.ReadUInt16LittleEndian(s) : BinaryPrimitives.ReadUInt16BigEndian(s)) / 65535f,
        SampleFormat.Int16 => (le ? BinaryPrimitives.ReadInt16LittleEndian(s) : BinaryPrimitives.ReadInt16BigEndian(s)) / 65535f,
        SampleFormat.Int32 => (float)((le ? BinaryPrimitives.ReadInt32LittleEndian(s) : BinaryPrimitives.ReadInt32BigEndian(s)) / 4294967295.0),
        SampleFormat.UInt32 => (float)((le ? BinaryPrimitives.ReadUInt32LittleEndian(s) : BinaryPrimitives.ReadUInt32BigEndian(s)) / 4294967295.0),
        SampleFormat.Float32 => le ? BinaryPrimitives.ReadSingleLittleEndian(s) : BinaryPrimitives.ReadSingleBigEndian(s),
        _ => (float)(le ? BinaryPrimitives.ReadDoubleLittleEndian(s) : BinaryPrimitives.ReadDoubleBigEndian(s)),
    };

    private static unsafe void Inflate(ReadOnlySpan<byte> src, Span<byte> output)
    {
        // An empty span pins to a null pointer, which the stream refuses.
        if (src.IsEmpty) throw new ImageFormatException("TIFF: Deflate data ends early");
        int total = 0;
        // Inflated in place (fixed pins the span): a copy per strip was garbage as large as the file.
        fixed (byte* data = src)
        try
        {
            using var z = new ZLibStream(new UnmanagedMemoryStream(data, src.Length), CompressionMode.Decompress);
            while (total < output.Length)
            {
                int n = z.Read(output[total..]);
                if (n == 0) break;
                total += n;
            }
        }
        // zlib reports some corruptions (a preset dictionary asked for, an unknown error code) as an IOException.
        catch (Exception e) when (e is InvalidDataException or IOException) { throw new ImageFormatException("TIFF: corrupt Deflate data", e); }
        if (total < output.Length) throw new ImageFormatException("TIFF: Deflate data ends early");
    }

    /// <summary>Kept tags are stored little-endian so the writer can copy them as they are.</summary>
    private static byte[] ToLittleEndian(ReadOnlySpan<byte> bytes, ushort type, bool be)
    {
        var copy = bytes.ToArray();
        if (!be) return copy;
        int size = TiffTag.TypeSize(type);
        int unit = type is TiffTag.TypeRational or TiffTag.TypeSRational ? 4 : size;
        if (unit > 1) for (int i = 0; i + unit <= copy.Length; i += unit) copy.AsSpan(i, unit).Reverse();
        return copy;
    }
}
