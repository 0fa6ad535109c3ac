using System.Buffers.Binary;
using System.IO.Compression;
using StarPlugin.Imaging;

namespace StarPlugin.IO.Tiff;

/// <summary>
/// Writes a little-endian baseline TIFF: 8/16/32-bit unsigned or 16/32-bit signed
/// (SampleFormat 2) integers or 32-bit float, grey or RGB with unassociated alpha, chunky
/// or planar, strips or tiles, with the chosen compression and the matching predictor
/// (2 for integers, 3 for floats). Kept metadata tags are written back verbatim; FITS
/// cards go into ImageDescription as an Astro-TIFF header. Values the type cannot hold
/// are an error (<see cref="SampleRangeException"/>), never clipped.
/// </summary>
internal static class TiffWriter
{
    // 512 KiB: each strip is its own zlib stream, and each stream allocates a 64 KiB buffer;
    // with 64 KiB strips that garbage equalled the image and showed in peak memory.
    private const int StripTargetBytes = 512 * 1024;
    private const long MaxTiffBytes = uint.MaxValue;

    public static void Encode(Stream output, AstroImage img, WriteOptions options)
    {
        var fmt = options.Depth != SampleFormat.Unknown ? options.Depth : img.Metadata.SourceFormat;
        fmt = fmt switch
        {
            SampleFormat.UInt8 or SampleFormat.UInt16 or SampleFormat.Int16 or SampleFormat.UInt32 or SampleFormat.Int32 => fmt,
            _ => SampleFormat.Float32,
        };
        IntegerEncoder? enc = null;
        if (fmt != SampleFormat.Float32)
        {
            enc = IntegerEncoder.For(img.Metadata, fmt);
            enc.Check(img.Data, "TIFF", fmt, countsAllowed: !img.Metadata.IsPhysical && SampleConversion.White(img.Metadata.SourceFormat) == 1);
        }
        double floatFactor = SampleConversion.FloatFactor(img.Metadata);
        int bps = SampleConversion.BytesPerSample(fmt), spp = img.Channels, W = img.Width, H = img.Height;
        bool planar = options.TiffPlanar && spp > 1;
        int tile = options.TiffTileSize;
        if (tile != 0 && (tile < 16 || tile % 16 != 0)) throw new ArgumentException("TIFF tile size must be a multiple of 16");
        var compression = options.TiffCompression;
        int predictor = compression is TiffCompression.Lzw or TiffCompression.Deflate ? (fmt == SampleFormat.Float32 ? 3 : 2) : 1;
        int pixelSamples = planar ? 1 : spp;
        int blockW = tile > 0 ? tile : W;
        int blockH = tile > 0 ? tile : Math.Clamp(StripTargetBytes / Math.Max(1, W * pixelSamples * bps), 1, H);
        int across = (W + blockW - 1) / blockW, down = (H + blockH - 1) / blockH, planes = planar ? spp : 1;

        if (compression == TiffCompression.None && (long)across * blockW * down * blockH * spp * bps > MaxTiffBytes)
            throw new ImageSizeException("TIFF: the image takes more than 4 GiB uncompressed, the format's limit; write FITS or XISF instead");
        // Data blocks first (after the 8-byte header), then the IFD and its out-of-line values.
        // Straight into a seekable output (a file), the header patched at the end, so the
        // encoded image never sits in memory beside the float one; else through memory.
        bool direct = output.CanSeek;
        var body = direct ? output : new MemoryStream();
        long start = direct ? output.Position : 0;
        body.Write(new byte[8]);
        var offsets = new List<long>();
        var counts = new List<long>();
        int rowBytes = blockW * pixelSamples * bps;
        // One block buffer and one compressed buffer for all blocks: new ones per 64 KiB
        // strip were 4-5 times the image in garbage, which showed as peak memory.
        var block = new byte[rowBytes * blockH];
        var deflated = new MemoryStream();
        for (int p = 0; p < planes; p++)
            for (int ty = 0; ty < down; ty++)
                for (int tx = 0; tx < across; tx++)
                {
                    int rows = tile > 0 ? blockH : Math.Min(blockH, H - ty * blockH);
                    var raw = block.AsSpan(0, rowBytes * rows);
                    // An edge tile's padding is not written below: zero it, as a fresh
                    // buffer was, or it carries the previous tile's data (larger files).
                    if (tile > 0 && ((tx + 1) * blockW > W || (ty + 1) * blockH > H)) raw.Clear();
                    for (int y = 0; y < rows; y++)
                    {
                        int iy = ty * blockH + y;
                        var row = raw.Slice(y * rowBytes, rowBytes);
                        if (iy < H)
                            for (int x = 0; x < blockW; x++)
                            {
                                int ix = tx * blockW + x;
                                if (ix >= W) break;
                                for (int s = 0; s < pixelSamples; s++)
                                    WriteSample(row.Slice((x * pixelSamples + s) * bps, bps), img[planar ? p : s, iy, ix], fmt, enc, floatFactor);
                            }
                        if (predictor == 2) TiffPredictor.ApplyHorizontal(row, bps, pixelSamples);
                        else if (predictor == 3) TiffPredictor.ApplyFloatingPoint(row, bps, pixelSamples);
                    }
                    ReadOnlySpan<byte> packed = compression switch
                    {
                        TiffCompression.None => raw,
                        TiffCompression.Lzw => TiffLzw.Encode(raw),
                        TiffCompression.PackBits => TiffPackBits.EncodeRows(raw, rowBytes),
                        _ => Deflate(raw, deflated),
                    };
                    // Classic TIFF addresses 4 GiB: say so before writing past it (and exit 2), not overflow after.
                    if (body.Position - start + packed.Length > MaxTiffBytes)
                        throw new ImageSizeException($"TIFF: the encoded image passes 4 GiB, the format's limit; write FITS or XISF instead");
                    offsets.Add(body.Position - start);
                    counts.Add(packed.Length);
                    body.Write(packed);
                    if ((body.Position - start) % 2 == 1) body.WriteByte(0);
                }

        var entries = new SortedDictionary<ushort, (ushort Type, uint Count, byte[] Bytes)>();
        void Shorts(ushort tag, params int[] v) { var b = new byte[v.Length * 2]; for (int i = 0; i < v.Length; i++) BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(i * 2), (ushort)v[i]); entries[tag] = (TiffTag.TypeShort, (uint)v.Length, b); }
        void Longs(ushort tag, IReadOnlyList<long> v) { var b = new byte[v.Count * 4]; for (int i = 0; i < v.Count; i++) BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(i * 4), checked((uint)v[i])); entries[tag] = (TiffTag.TypeLong, (uint)v.Count, b); }
        foreach (var (tag, v) in img.Metadata.TiffTags)
            if (!TiffTag.IsStructural(tag)) entries[tag] = (v.Type, v.Count, v.Bytes);
        if (img.Metadata.FitsCards.Count > 0)
        {
            // Astro-TIFF: the whole FITS header, its BITPIX describing these samples.
            int bitpix = fmt switch { SampleFormat.UInt8 => 8, SampleFormat.UInt16 or SampleFormat.Int16 => 16, SampleFormat.UInt32 or SampleFormat.Int32 => 32, _ => -32 };
            byte[] text = [.. System.Text.Encoding.ASCII.GetBytes(Fits.FitsHeader.ToText(img.Metadata.FitsCards, bitpix, W, H, img.ColorChannels)), 0];
            entries[TiffTag.ImageDescription] = (TiffTag.TypeAscii, (uint)text.Length, text);
        }
        Longs(TiffTag.ImageWidth, [W]);
        Longs(TiffTag.ImageLength, [H]);
        Shorts(TiffTag.BitsPerSample, Enumerable.Repeat(bps * 8, spp).ToArray());
        Shorts(TiffTag.Compression, (int)compression);
        Shorts(TiffTag.Photometric, img.ColorChannels == 3 ? 2 : 1);
        Shorts(TiffTag.SamplesPerPixel, spp);
        Shorts(TiffTag.PlanarConfiguration, planar ? 2 : 1);
        if (predictor != 1) Shorts(TiffTag.Predictor, predictor);
        if (img.HasAlpha) Shorts(TiffTag.ExtraSamples, 2);
        Shorts(TiffTag.SampleFormat, Enumerable.Repeat(fmt switch { SampleFormat.Float32 => 3, SampleFormat.Int16 or SampleFormat.Int32 => 2, _ => 1 }, spp).ToArray());
        if (tile > 0)
        {
            Longs(TiffTag.TileWidth, [tile]);
            Longs(TiffTag.TileLength, [tile]);
            Longs(TiffTag.TileOffsets, offsets);
            Longs(TiffTag.TileByteCounts, counts);
        }
        else
        {
            Longs(TiffTag.RowsPerStrip, [blockH]);
            Longs(TiffTag.StripOffsets, offsets);
            Longs(TiffTag.StripByteCounts, counts);
        }

        long ifdOffset = body.Position - start;
        long extraOffset = ifdOffset + 2 + entries.Count * 12 + 4;
        if (extraOffset + entries.Values.Sum(e => (long)e.Bytes.Length + 1) > MaxTiffBytes)
            throw new ImageSizeException("TIFF: the file passes 4 GiB, the format's limit; write FITS or XISF instead");
        var ifd = new MemoryStream();
        var extra = new MemoryStream();
        var e = new byte[12];
        ifd.Write(BitConverter.GetBytes((ushort)entries.Count));
        foreach (var (tag, (type, count, bytes)) in entries)
        {
            Array.Clear(e);
            BinaryPrimitives.WriteUInt16LittleEndian(e, tag);
            BinaryPrimitives.WriteUInt16LittleEndian(e.AsSpan(2), type);
            BinaryPrimitives.WriteUInt32LittleEndian(e.AsSpan(4), count);
            if (bytes.Length <= 4) bytes.CopyTo(e, 8);
            else
            {
                BinaryPrimitives.WriteUInt32LittleEndian(e.AsSpan(8), checked((uint)(extraOffset + extra.Position)));
                extra.Write(bytes);
                if (extra.Position % 2 == 1) extra.WriteByte(0);
            }
            ifd.Write(e);
        }
        ifd.Write(new byte[4]); // no next IFD
        var header = new byte[8];
        header[0] = (byte)'I'; header[1] = (byte)'I';
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(2), 42);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), checked((uint)ifdOffset));
        if (!direct)
        {
            var buffered = (MemoryStream)body;
            header.CopyTo(buffered.GetBuffer(), 0);
            buffered.Position = 0;
            buffered.CopyTo(output);
        }
        ifd.Position = 0; ifd.CopyTo(output);
        extra.Position = 0; extra.CopyTo(output);
        if (direct)
        {
            long end = output.Position;
            output.Position = start;
            output.Write(header);
            output.Position = end;
        }
    }

    private static void WriteSample(Span<byte> d, float v, SampleFormat f, IntegerEncoder? enc, double floatFactor)
    {
        switch (f)
        {
            case SampleFormat.UInt8: d[0] = (byte)enc!.Encode(v); break;
            case SampleFormat.UInt16 or SampleFormat.Int16: BinaryPrimitives.WriteUInt16LittleEndian(d, (ushort)enc!.Encode(v)); break;
            case SampleFormat.UInt32 or SampleFormat.Int32: BinaryPrimitives.WriteUInt32LittleEndian(d, (uint)enc!.Encode(v)); break;
            default: BinaryPrimitives.WriteSingleLittleEndian(d, (float)(v * floatFactor)); break;
        }
    }

    /// <summary>zlib-compresses <paramref name="raw"/> into <paramref name="into"/> (reused); the result is valid until the next call.</summary>
    private static ReadOnlySpan<byte> Deflate(ReadOnlySpan<byte> raw, MemoryStream into)
    {
        into.SetLength(0);
        using (var z = new ZLibStream(into, CompressionLevel.Optimal, leaveOpen: true)) z.Write(raw);
        return into.GetBuffer().AsSpan(0, (int)into.Length);
    }
}
