using System.Buffers.Binary;
using System.Globalization;
using StarPlugin.Imaging;

namespace StarPlugin.IO.Fits.Compression;

/// <summary>
/// Tile-compressed images (FITS standard 4.0 §10.1, the convention fpack and astropy's
/// CompImageHDU write): a BINTABLE with ZIMAGE = T whose rows are the compressed tiles.
/// <see cref="Decompress"/> turns one back into exactly what an uncompressed HDU holds —
/// the image's header cards (ZBITPIX → BITPIX, ZNAXISn → NAXISn, ...) and its big-endian
/// data array — so the ordinary FITS path (BSCALE/BZERO, BLANK, row order) reads both.
/// RICE_1, GZIP_1, GZIP_2 and HCOMPRESS_1; floats quantised with NO_DITHER,
/// SUBTRACTIVE_DITHER_1 or _2; ZBLANK nulls become NaN.
/// </summary>
internal static partial class TiledImage
{
    public static bool IsCompressedImage(List<FitsCard> cards) =>
        cards.FirstOrDefault(c => c.Key == "XTENSION") is { } x && FitsHeader.StringValue(x)?.Trim() == "BINTABLE"
        && cards.FirstOrDefault(c => c.Key == "ZIMAGE") is { Value: "T" };

    /// <summary>Whether the decompressed header is a primary array's (ZSIMPLE): then the file's own primary header is only fpack's wrapper.</summary>
    public static bool WasPrimaryArray(List<FitsCard> imageCards) => imageCards.Any(c => c.Key == "SIMPLE");

    private enum Codec { Rice, Gzip1, Gzip2, HCompress, None }

    /// <summary>8192 × 8192: a whole survey chip in one tile, 512 MiB of working memory.</summary>
    public const long MaxHCompressTilePixels = 1L << 26;

    /// <summary>A compressed image's geometry, codec and columns, checked against the table (tiles too small for their pixels are refused).</summary>
    private sealed record Layout(BinaryTable Table, Parameters P, long[] Dims, long[] Tile, long Tiles, long TilePixels, int SampleBytes,
        BinaryTable.Column Compressed, BinaryTable.Column? GzipData, BinaryTable.Column? RawData);

    private static Layout Describe(ByteReader r, List<FitsCard> cards, long dataOffset)
    {
        var table = new BinaryTable(cards, dataOffset);
        long zbitpix = FitsHeader.Integer(cards, "ZBITPIX");
        int sampleBytes = zbitpix switch
        {
            8 => 1,
            16 => 2,
            32 or -32 => 4,
            64 or -64 => 8,
            _ => throw new ImageFormatException($"FITS: ZBITPIX = {zbitpix} is invalid"),
        };
        long naxis = FitsHeader.Integer(cards, "ZNAXIS");
        if (naxis is < 1 or > 999) throw new ImageFormatException($"FITS: ZNAXIS = {naxis} is invalid");
        var dims = new long[naxis];
        var tile = new long[naxis];
        long pixels = 1, tiles = 1, tilePixels = 1;
        for (int i = 0; i < naxis; i++)
        {
            dims[i] = FitsHeader.Integer(cards, $"ZNAXIS{i + 1}");
            if (dims[i] is < 1 or > ImageLimits.MaxSide) throw new ImageFormatException($"FITS: ZNAXIS{i + 1} = {dims[i]} is invalid");
            long t = FitsHeader.Integer(cards, $"ZTILE{i + 1}", i == 0 ? dims[0] : 1);
            if (t < 1) throw new ImageFormatException($"FITS: ZTILE{i + 1} = {t} is invalid");
            tile[i] = Math.Min(t, dims[i]);
            pixels *= dims[i];
            if (pixels > ImageLimits.MaxSamples) throw new ImageSizeException($"compressed image has more than {ImageLimits.MaxSamples} samples");
            tiles *= (dims[i] + tile[i] - 1) / tile[i];
            tilePixels *= tile[i];
        }
        if (table.Rows < tiles)
            throw new ImageFormatException($"FITS: compressed image has {table.Rows} tiles, its tiling needs {tiles}");

        string type = (cards.FirstOrDefault(c => c.Key == "ZCMPTYPE") is { } ct ? FitsHeader.StringValue(ct) : null)?.Trim()
                      ?? throw new ImageFormatException("FITS: ZCMPTYPE is missing");
        var codec = type switch
        {
            "RICE_1" or "RICE_ONE" => Codec.Rice,
            "GZIP_1" => Codec.Gzip1,
            "GZIP_2" => Codec.Gzip2,
            "HCOMPRESS_1" => Codec.HCompress,
            "NOCOMPRESS" => Codec.None,
            "PLIO_1" => throw new UnsupportedImageException("FITS: PLIO_1 tile compression is not supported (RICE_1, GZIP_1/2 and HCOMPRESS_1 are)"),
            _ => throw new UnsupportedImageException($"FITS: tile compression '{type}' is not supported"),
        };
        var p = new Parameters(cards, codec, zbitpix, table);
        // HCOMPRESS codes a flat tile in a few bytes whatever its size, so no compression ratio
        // bounds it; its working array (8 bytes a pixel) is bounded here instead.
        if (codec == Codec.HCompress && tilePixels > MaxHCompressTilePixels)
            throw new UnsupportedImageException($"FITS: HCOMPRESS_1 tiles of {tilePixels} pixels are larger than the {MaxHCompressTilePixels} decoded here");
        var compressed = table.Find("COMPRESSED_DATA") ?? throw new ImageFormatException("FITS: compressed image has no COMPRESSED_DATA column");
        var gzipData = table.Find("GZIP_COMPRESSED_DATA");
        var rawData = table.Find("UNCOMPRESSED_DATA");

        // Refuse files whose tiles cannot hold the pixels they claim, before allocating the image.
        for (long t = 0; t < tiles; t++)
        {
            if (!TileIsFull(t, dims, tile)) continue;
            long bytes = table.Array(r, compressed, t).Count, most;
            if (bytes > 0) most = p.MaxTilePixels(bytes, sampleBytes);
            else if (gzipData != null && (bytes = table.Array(r, gzipData, t).Count) > 0) most = GzipTile.MaxBytes(bytes) / sampleBytes;
            else continue; // raw or empty tiles are checked exactly when read
            if (most < tilePixels)
                throw new ImageFormatException($"FITS: tile {t + 1} of {tilePixels} pixels is larger than its {bytes} compressed bytes can hold");
        }

        return new Layout(table, p, dims, tile, tiles, tilePixels, sampleBytes, compressed, gzipData, rawData);
    }

    public static (List<FitsCard> Cards, byte[] Data) Decompress(ByteReader r, List<FitsCard> cards, long dataOffset)
    {
        var (table, p, dims, tile, tiles, tilePixels, sampleBytes, compressed, gzipData, rawData) = Describe(r, cards, dataOffset);
        long naxis = dims.Length, pixels = dims.Aggregate(1L, (a, d) => a * d);
        if (pixels * sampleBytes > Array.MaxLength)
            throw new ImageSizeException("compressed image decompresses to more than 2 GiB");
        var data = new byte[pixels * sampleBytes];
        var ints = new int[tilePixels];
        var reals = p.Quantized ? new double[tilePixels] : null;
        var bytesBuf = new byte[tilePixels * sampleBytes];
        var shape = new long[naxis];
        var index = new long[naxis];
        for (long t = 0; t < tiles; t++)
        {
            // This tile's origin and shape (edge tiles are cut short).
            long rest = t;
            long n = 1;
            for (int i = 0; i < naxis; i++)
            {
                long count = (dims[i] + tile[i] - 1) / tile[i];
                index[i] = rest % count * tile[i];
                rest /= count;
                shape[i] = Math.Min(tile[i], dims[i] - index[i]);
                n *= shape[i];
            }
            var tileBytes = bytesBuf.AsSpan(0, (int)(n * sampleBytes));
            DecodeTile(r, table, p, t, (int)n, shape, compressed, gzipData, rawData, ints, reals, tileBytes, sampleBytes);
            Scatter(tileBytes, data, dims, index, shape, sampleBytes);
        }
        return (ImageCards(cards, p), data);
    }

    /// <summary>Whether tile <paramref name="t"/> is not an edge tile (edge tiles hold fewer pixels).</summary>
    private static bool TileIsFull(long t, long[] dims, long[] tile)
    {
        for (int i = 0; i < dims.Length; i++)
        {
            long count = (dims[i] + tile[i] - 1) / tile[i];
            if ((t % count + 1) * tile[i] > dims[i]) return false;
            t /= count;
        }
        return true;
    }

    /// <summary>Everything about the compression that the header states once for all tiles.</summary>
    private sealed class Parameters
    {
        public Codec Codec;
        public int BlockSize = 32, BytePix = 4;
        public bool Smooth;
        public bool Quantized;
        public QuantizeMethod Method = QuantizeMethod.NoDither;
        public long DitherSeed;
        public long ZBitpix;
        public double Scale = 1, Zero;
        public BinaryTable.Column? ScaleColumn, ZeroColumn, BlankColumn;
        public long? Blank;

        /// <summary>Bytes per quantised or integer sample inside a tile (gzip tiles store them at this width).</summary>
        public int IntBytes => ZBitpix switch { 8 => 1, 16 => 2, 64 => 8, _ => 4 };

        public Parameters(List<FitsCard> cards, Codec codec, long zbitpix, BinaryTable table)
        {
            Codec = codec;
            ZBitpix = zbitpix;
            for (int i = 1; i < 1000; i++)
            {
                var name = cards.FirstOrDefault(c => c.Key == "ZNAME" + i);
                if (name == null) break;
                string key = (FitsHeader.StringValue(name) ?? "").Trim().ToUpperInvariant();
                long value = key is "BLOCKSIZE" or "BYTEPIX" or "SMOOTH" ? FitsHeader.Integer(cards, "ZVAL" + i) : 0;
                if (codec == Codec.Rice && key == "BLOCKSIZE") BlockSize = (int)Math.Clamp(value, 0, 1 << 20);
                else if (codec == Codec.Rice && key == "BYTEPIX") BytePix = (int)Math.Clamp(value, 0, 16);
                else if (codec == Codec.HCompress && key == "SMOOTH") Smooth = value != 0;
            }
            if (codec == Codec.Rice && BlockSize < 1) throw new ImageFormatException($"FITS: RICE_1 BLOCKSIZE = {BlockSize} is invalid");
            if (codec == Codec.Rice && BytePix is not (1 or 2 or 4)) throw new ImageFormatException($"FITS: RICE_1 BYTEPIX = {BytePix} is not 1, 2 or 4");

            string quantize = (cards.FirstOrDefault(c => c.Key == "ZQUANTIZ") is { } q ? FitsHeader.StringValue(q) : null)?.Trim() ?? "";
            ScaleColumn = table.Find("ZSCALE");
            ZeroColumn = table.Find("ZZERO");
            bool scaleKeyword = cards.Any(c => c.Key == "ZSCALE");
            Quantized = zbitpix < 0 && quantize != "NONE" && (ScaleColumn != null || scaleKeyword);
            if (!Quantized) return;
            Scale = FitsHeader.Real(cards, "ZSCALE", 1);
            Zero = FitsHeader.Real(cards, "ZZERO", 0);
            Method = quantize switch
            {
                "" or "NO_DITHER" => QuantizeMethod.NoDither,
                "SUBTRACTIVE_DITHER_1" => QuantizeMethod.SubtractiveDither1,
                "SUBTRACTIVE_DITHER_2" => QuantizeMethod.SubtractiveDither2,
                _ => throw new UnsupportedImageException($"FITS: quantisation method '{quantize}' is not supported"),
            };
            if (Method != QuantizeMethod.NoDither)
            {
                // The standard gives ZDITHER0 no default: without it the dither cannot be undone.
                DitherSeed = FitsHeader.Integer(cards, "ZDITHER0", -1);
                if (DitherSeed is < 1 or > Quantization.RandomCount)
                    throw new ImageFormatException($"FITS: {quantize} needs ZDITHER0 between 1 and 10000");
            }
            BlankColumn = table.Find("ZBLANK");
            if (BlankColumn == null && cards.Any(c => c.Key == "ZBLANK")) Blank = FitsHeader.Integer(cards, "ZBLANK");
        }

        /// <summary>The most pixels a COMPRESSED_DATA cell of <paramref name="compressedBytes"/> can decode to.</summary>
        public long MaxTilePixels(long compressedBytes, int sampleBytes) => Codec switch
        {
            Codec.Rice => RiceDecoder.MaxPixels(compressedBytes, BlockSize, BytePix),
            Codec.Gzip1 or Codec.Gzip2 => GzipTile.MaxBytes(compressedBytes) / (ZBitpix < 0 && !Quantized ? sampleBytes : IntBytes),
            _ => long.MaxValue, // HCOMPRESS codes a flat tile in a few bytes whatever its size
        };
    }

    private static void DecodeTile(ByteReader r, BinaryTable table, Parameters p, long t, int n, long[] shape,
        BinaryTable.Column compressed, BinaryTable.Column? gzipData, BinaryTable.Column? rawData,
        int[] ints, double[]? reals, Span<byte> output, int sampleBytes)
    {
        var cell = table.Array(r, compressed, t);
        var cdata = cell.Bytes;
        if (cell.Count == 0)
        {
            // Tiles the writer could not compress (or quantise) are stored losslessly beside.
            if (gzipData != null)
            {
                var g = table.Array(r, gzipData, t);
                if (g.Count > 0) { GzipTile.Inflate(g.Bytes, output); return; }
            }
            if (rawData != null)
            {
                var u = table.Array(r, rawData, t);
                if (u.Count > 0) { CopyRaw(u.Bytes, u.Count, rawData.ArrayType, n, output, p.ZBitpix); return; }
            }
            throw new ImageFormatException($"FITS: tile {t + 1} has no data");
        }

        var values = ints.AsSpan(0, n);
        bool floatTile = p.ZBitpix < 0 && !p.Quantized;
        switch (p.Codec)
        {
            case Codec.Rice:
                if (floatTile) throw new ImageFormatException("FITS: RICE_1 cannot hold unquantised floats");
                RiceDecoder.Decode(cdata, values, p.BlockSize, p.BytePix);
                break;
            case Codec.HCompress:
                if (floatTile) throw new ImageFormatException("FITS: HCOMPRESS_1 cannot hold unquantised floats");
                long rows = n / shape[0];
                HDecompressor.Decode(cdata, values, (int)rows, (int)shape[0], p.Smooth);
                break;
            case Codec.Gzip1:
            case Codec.Gzip2:
                int width = floatTile ? sampleBytes : p.IntBytes;
                var raw = floatTile ? output : new byte[n * width];
                GzipTile.Inflate(cdata, raw);
                if (p.Codec == Codec.Gzip2) GzipTile.Unshuffle(raw, width);
                if (floatTile) return; // already the big-endian samples the image needs
                if (width == 8) throw new UnsupportedImageException("FITS: 64-bit integer compressed images are not supported");
                for (int i = 0; i < n; i++)
                    values[i] = width switch
                    {
                        1 => raw[i],
                        2 => BinaryPrimitives.ReadInt16BigEndian(raw[(2 * i)..]),
                        _ => BinaryPrimitives.ReadInt32BigEndian(raw[(4 * i)..]),
                    };
                break;
            default:
                throw new ImageFormatException($"FITS: tile {t + 1} has compressed data but ZCMPTYPE says NOCOMPRESS");
        }

        if (!p.Quantized)
        {
            WriteIntegers(values, output, p.ZBitpix);
            return;
        }
        double scale = p.ScaleColumn != null ? table.Real(r, p.ScaleColumn, t) : p.Scale;
        double zero = p.ZeroColumn != null ? table.Real(r, p.ZeroColumn, t) : p.Zero;
        long? blank = p.BlankColumn != null ? table.Integer(r, p.BlankColumn, t) : p.Blank;
        var real = reals.AsSpan(0, n);
        Quantization.Restore(values, real, p.Method, t + 1, p.DitherSeed, scale, zero, blank);
        for (int i = 0; i < n; i++)
        {
            if (sampleBytes == 4) BinaryPrimitives.WriteSingleBigEndian(output[(4 * i)..], (float)real[i]);
            else BinaryPrimitives.WriteDoubleBigEndian(output[(8 * i)..], real[i]);
        }
    }

    /// <summary>
    /// Stores decoded integers at the image's width. Lossy HCOMPRESS can overshoot the range
    /// of 8- and 16-bit images by a little; cfitsio clips those, as is done here.
    /// </summary>
    private static void WriteIntegers(ReadOnlySpan<int> values, Span<byte> output, long zbitpix)
    {
        switch (zbitpix)
        {
            case 8:
                for (int i = 0; i < values.Length; i++) output[i] = (byte)Math.Clamp(values[i], 0, 255);
                break;
            case 16:
                for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt16BigEndian(output[(2 * i)..], (short)Math.Clamp(values[i], short.MinValue, short.MaxValue));
                break;
            case 32:
                for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt32BigEndian(output[(4 * i)..], values[i]);
                break;
            default:
                throw new UnsupportedImageException($"FITS: compressed images with ZBITPIX = {zbitpix} are not supported");
        }
    }

    /// <summary>UNCOMPRESSED_DATA holds the tile's values in the column's own type; convert them to ZBITPIX.</summary>
    private static void CopyRaw(ReadOnlySpan<byte> src, long count, char type, int n, Span<byte> output, long zbitpix)
    {
        if (count != n) throw new ImageFormatException($"FITS: uncompressed tile holds {count} values, the tile has {n}");
        int size = BinaryTable.ElementBytes(type);
        for (int i = 0; i < n; i++)
        {
            var s = src.Slice(i * size, size);
            double v = type switch
            {
                'B' => s[0],
                'I' => BinaryPrimitives.ReadInt16BigEndian(s),
                'J' => BinaryPrimitives.ReadInt32BigEndian(s),
                'K' => BinaryPrimitives.ReadInt64BigEndian(s),
                'E' => BinaryPrimitives.ReadSingleBigEndian(s),
                'D' => BinaryPrimitives.ReadDoubleBigEndian(s),
                _ => throw new ImageFormatException($"FITS: UNCOMPRESSED_DATA of type {type} is not supported"),
            };
            switch (zbitpix)
            {
                case 8: output[i] = (byte)v; break;
                case 16: BinaryPrimitives.WriteInt16BigEndian(output[(2 * i)..], (short)v); break;
                case 32: BinaryPrimitives.WriteInt32BigEndian(output[(4 * i)..], (int)v); break;
                case -32: BinaryPrimitives.WriteSingleBigEndian(output[(4 * i)..], (float)v); break;
                case -64: BinaryPrimitives.WriteDoubleBigEndian(output[(8 * i)..], v); break;
                default: throw new UnsupportedImageException($"FITS: compressed images with ZBITPIX = {zbitpix} are not supported");
            }
        }
    }

    /// <summary>Copies a tile (its own row-major layout) into the image at <paramref name="origin"/>.</summary>
    private static void Scatter(ReadOnlySpan<byte> tile, byte[] image, long[] dims, long[] origin, long[] shape, int sampleBytes)
    {
        int nd = dims.Length;
        long rows = 1;
        for (int i = 1; i < nd; i++) rows *= shape[i];
        int rowBytes = (int)(shape[0] * sampleBytes);
        var at = new long[nd];
        for (long row = 0; row < rows; row++)
        {
            long rest = row, offset = 0, stride = dims[0];
            for (int i = 1; i < nd; i++)
            {
                at[i] = rest % shape[i];
                rest /= shape[i];
            }
            offset = origin[0];
            for (int i = 1; i < nd; i++)
            {
                offset += (origin[i] + at[i]) * stride;
                stride *= dims[i];
            }
            tile.Slice((int)(row * rowBytes), rowBytes).CopyTo(image.AsSpan((int)(offset * sampleBytes), rowBytes));
        }
    }

    /// <summary>
    /// The header of the image the table stands for: the Z-prefixed copies of the image's
    /// structural keywords restored, the table's own structure and the compression
    /// keywords dropped, everything else kept in order.
    /// </summary>
    private static List<FitsCard> ImageCards(List<FitsCard> cards, Parameters p)
    {
        var restored = new List<FitsCard>();
        var kept = new List<FitsCard>();
        bool hasBlank = cards.Any(c => c.Key == "BLANK");
        foreach (var c in cards)
        {
            string k = c.Key;
            string? renamed = k switch
            {
                "ZSIMPLE" => "SIMPLE",
                "ZTENSION" => "XTENSION",
                "ZBITPIX" => "BITPIX",
                "ZNAXIS" => "NAXIS",
                "ZEXTEND" => "EXTEND",
                "ZBLOCKED" => "BLOCKED",
                "ZPCOUNT" => "PCOUNT",
                "ZGCOUNT" => "GCOUNT",
                "ZHECKSUM" => "CHECKSUM",
                "ZDATASUM" => "DATASUM",
                // An integer image's null value, should a writer have put it only in ZBLANK.
                "ZBLANK" when p.ZBitpix > 0 && !hasBlank => "BLANK",
                _ when k.StartsWith("ZNAXIS", StringComparison.Ordinal) && IsIndexed(k, 6) => "NAXIS" + k[6..],
                _ => null,
            };
            if (renamed != null) { restored.Add(new FitsCard(renamed, c.Value, c.Comment)); continue; }
            if (IsTableOrCompressionKeyword(k)) continue;
            if (k == "EXTNAME" && FitsHeader.StringValue(c)?.Trim() == "COMPRESSED_IMAGE") continue; // the writers' default name
            kept.Add(c);
        }
        // Structural cards first, in the standard's order, then the rest as they came.
        int Rank(string k) => k switch
        {
            "SIMPLE" or "XTENSION" => 0,
            "BITPIX" => 1,
            "NAXIS" => 2,
            _ when k.StartsWith("NAXIS", StringComparison.Ordinal) => 3 + int.Parse(k.AsSpan(5), CultureInfo.InvariantCulture),
            _ => 10_000,
        };
        restored.Sort((a, b) => Rank(a.Key).CompareTo(Rank(b.Key)));
        return [.. restored, .. kept];
    }

    private static bool IsIndexed(string key, int prefixLength) =>
        key.Length > prefixLength && key.AsSpan(prefixLength).IndexOfAnyExceptInRange('0', '9') < 0;

    private static bool IsTableOrCompressionKeyword(string k) =>
        k is "XTENSION" or "BITPIX" or "NAXIS" or "PCOUNT" or "GCOUNT" or "TFIELDS" or "THEAP" or "CHECKSUM" or "DATASUM"
            or "ZIMAGE" or "ZCMPTYPE" or "ZQUANTIZ" or "ZDITHER0" or "ZMASKCMP" or "ZSCALE" or "ZZERO" or "ZBLANK"
        || (k.StartsWith("NAXIS", StringComparison.Ordinal) && IsIndexed(k, 5))
        || (k.StartsWith("ZTILE", StringComparison.Ordinal) && IsIndexed(k, 5))
        || (k.StartsWith("ZNAME", StringComparison.Ordinal) && IsIndexed(k, 5))
        || (k.StartsWith("ZVAL", StringComparison.Ordinal) && IsIndexed(k, 4))
        || (k.Length > 5 && k[0] == 'T' && IsIndexed(k, 5) && k[..5] is "TTYPE" or "TFORM" or "TUNIT" or "TNULL" or "TSCAL" or "TZERO" or "TDISP")
        || (k.StartsWith("TDIM", StringComparison.Ordinal) && IsIndexed(k, 4));
}
