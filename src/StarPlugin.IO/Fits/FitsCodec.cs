using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using StarPlugin.Imaging;

namespace StarPlugin.IO.Fits;

/// <summary>
/// FITS images: the primary HDU, or the first IMAGE extension when the primary is
/// empty. BITPIX 8/16/32/-32/-64 with BZERO/BSCALE, NAXIS 2 or a NAXIS3 colour cube.
/// Integer data is scaled to white = 1 (÷255, ÷65535, ÷(2^32-1)), floats keep their
/// values. Rows are stored bottom-up unless ROWORDER = 'TOP-DOWN' (Siril's keyword),
/// and are flipped so that y = 0 is the top row, as DS9 and Siril display them.
/// </summary>
public static class FitsCodec
{
    public static bool Sniff(ReadOnlySpan<byte> b) => b.Length >= 30 && b[..9].SequenceEqual("SIMPLE  ="u8);

    public static AstroImage Decode(ReadOnlySpan<byte> data)
    {
        var r = new ByteReader(data, bigEndian: true, "FITS");
        if (!Sniff(data)) throw new ImageFormatException("FITS: missing SIMPLE card");
        long offset = 0;
        var primaryCards = (List<FitsCard>?)null;
        for (int hdu = 0; hdu < 64; hdu++)
        {
            var (cards, dataOffset) = FitsHeader.Read(r, offset);
            primaryCards ??= cards;
            long naxis = FitsHeader.Integer(cards, "NAXIS");
            if (naxis is < 0 or > 999) throw new ImageFormatException($"FITS: NAXIS = {naxis} is invalid");
            bool isImage = hdu == 0 || cards.FirstOrDefault(c => c.Key == "XTENSION") is { } xt && FitsHeader.StringValue(xt) == "IMAGE";
            if (Compression.TiledImage.IsCompressedImage(cards))
            {
                // A tile-compressed image (.fz): decompressed to the header and data an uncompressed HDU would hold.
                // A compressed primary array (ZSIMPLE) owns its header; the .fz's empty primary is only a wrapper.
                var (imageCards, pixels) = Compression.TiledImage.Decompress(r, cards, dataOffset);
                return DecodeImage(new ByteReader(pixels, bigEndian: true, "FITS"), imageCards,
                    Compression.TiledImage.WasPrimaryArray(imageCards) ? null : primaryCards, 0);
            }
            if (naxis >= 2 && isImage)
                return DecodeImage(r, cards, hdu == 0 ? null : primaryCards, dataOffset);
            offset = dataOffset + PaddedDataLength(cards, naxis);
            if (offset >= data.Length) break;
            if (!r.Slice(offset, 8).SequenceEqual("XTENSION"u8)) break;
        }
        throw new ImageFormatException("FITS: no 2-D image in the primary HDU or an IMAGE extension");
    }

    private static long PaddedDataLength(List<FitsCard> cards, long naxis)
    {
        long bitpix = FitsHeader.Integer(cards, "BITPIX");
        if (naxis == 0) return 0;
        long n = 1;
        for (int i = 1; i <= naxis; i++)
        {
            long d = FitsHeader.Integer(cards, "NAXIS" + i);
            if (d < 0 || d > int.MaxValue) throw new ImageFormatException($"FITS: NAXIS{i} = {d} is invalid");
            n = checked(n * Math.Max(d, 0));
            if (n > (1L << 40)) throw new ImageFormatException("FITS: data unit size is absurd");
        }
        long pcount = FitsHeader.Integer(cards, "PCOUNT", 0), gcount = FitsHeader.Integer(cards, "GCOUNT", 1);
        long bytes = checked(Math.Abs(bitpix) / 8 * gcount * (pcount + n));
        return (bytes + FitsHeader.BlockLength - 1) / FitsHeader.BlockLength * FitsHeader.BlockLength;
    }

    private static AstroImage DecodeImage(ByteReader r, List<FitsCard> cards, List<FitsCard>? primary, long dataOffset)
    {
        long bitpix = FitsHeader.Integer(cards, "BITPIX");
        long naxis = FitsHeader.Integer(cards, "NAXIS");
        long w = FitsHeader.Integer(cards, "NAXIS1"), h = FitsHeader.Integer(cards, "NAXIS2");
        long ch = naxis >= 3 ? FitsHeader.Integer(cards, "NAXIS3") : 1;
        for (int i = 4; i <= naxis; i++)
            if (FitsHeader.Integer(cards, "NAXIS" + i) != 1)
                throw new UnsupportedImageException($"FITS: {naxis}-D data with NAXIS{i} > 1 is not supported");
        if (ch is not (1 or 3) && ch is not (2 or 4))
            throw new UnsupportedImageException($"FITS: NAXIS3 = {ch} planes is not supported (1 or 3 colour planes)");
        var format = bitpix switch
        {
            8 => SampleFormat.UInt8,
            16 => SampleFormat.Int16,
            32 => SampleFormat.Int32,
            -32 => SampleFormat.Float32,
            -64 => SampleFormat.Float64,
            _ => throw new ImageFormatException($"FITS: BITPIX = {bitpix} is invalid"),
        };
        long samples = ImageLimits.CheckedSampleCount(w, h, ch);
        int bps = (int)Math.Abs(bitpix) / 8;
        var raw = r.Slice(dataOffset, samples * bps); // checks the file really holds the data before allocating
        double bzero = FitsHeader.Real(cards, "BZERO", 0), bscale = FitsHeader.Real(cards, "BSCALE", 1);
        if (bscale == 0) throw new ImageFormatException("FITS: BSCALE = 0");

        var md = new ImageMetadata { SourceFormat = format };
        if (format == SampleFormat.Int16 && bzero == 32768 && bscale == 1) md.SourceFormat = SampleFormat.UInt16;
        if (format == SampleFormat.Int32 && bzero == 2147483648.0 && bscale == 1) md.SourceFormat = SampleFormat.UInt32;
        if (primary != null) md.FitsCards.AddRange(primary.Where(c => !FitsHeader.IsStructural(c.Key)));
        md.FitsCards.AddRange(cards.Where(c => !FitsHeader.IsStructural(c.Key)));
        bool topDown = md.FitsCards.Any(c => c.Key == "ROWORDER" && FitsHeader.StringValue(c) == "TOP-DOWN");

        double white = WhiteScale(format);
        var img = new AstroImage((int)w, (int)h, (int)ch, md);
        var dst = img.Data;
        int W = (int)w, H = (int)h, plane = W * H;
        for (int c = 0; c < ch; c++)
            for (int y = 0; y < H; y++)
            {
                int dy = topDown ? y : H - 1 - y;
                int src = (c * plane + y * W) * bps, d0 = c * plane + dy * W;
                for (int x = 0; x < W; x++)
                {
                    var s = raw.Slice(src + x * bps, bps);
                    double v = format switch
                    {
                        SampleFormat.UInt8 => s[0],
                        SampleFormat.Int16 => BinaryPrimitives.ReadInt16BigEndian(s),
                        SampleFormat.Int32 => BinaryPrimitives.ReadInt32BigEndian(s),
                        SampleFormat.Float32 => BinaryPrimitives.ReadSingleBigEndian(s),
                        _ => BinaryPrimitives.ReadDoubleBigEndian(s),
                    };
                    dst[d0 + x] = (float)((bzero + bscale * v) / white);
                }
            }
        return img;
    }

    /// <summary>Physical value of white for each storage type (1 for floats).</summary>
    private static double WhiteScale(SampleFormat f) => f switch
    {
        SampleFormat.UInt8 => 255.0,
        SampleFormat.Int16 or SampleFormat.UInt16 => 65535.0,
        SampleFormat.Int32 or SampleFormat.UInt32 => 4294967295.0,
        _ => 1.0,
    };

    public static void Encode(Stream output, AstroImage img, WriteOptions options)
    {
        var fmt = options.Depth != SampleFormat.Unknown ? options.Depth : img.Metadata.SourceFormat;
        if (fmt == SampleFormat.Unknown) fmt = SampleFormat.Float32;
        var (bitpix, bzero) = fmt switch
        {
            SampleFormat.UInt8 => (8, 0.0),
            SampleFormat.UInt16 => (16, 32768.0),
            SampleFormat.Int16 => (16, 0.0),
            SampleFormat.UInt32 => (32, 2147483648.0),
            SampleFormat.Int32 => (32, 0.0),
            SampleFormat.Float32 => (-32, 0.0),
            SampleFormat.Float64 => (-64, 0.0),
            _ => throw new ArgumentOutOfRangeException(nameof(options), fmt, "FITS cannot store this depth"),
        };
        bool topDown = img.Metadata.FitsCards.Any(c => c.Key == "ROWORDER" && FitsHeader.StringValue(c) == "TOP-DOWN");
        var header = new StringBuilder();
        void Card(string s) => header.Append(s.PadRight(FitsHeader.CardLength));
        Card(FitsHeader.Format("SIMPLE", "T", "conforms to FITS standard"));
        Card(FitsHeader.Format("BITPIX", bitpix.ToString(CultureInfo.InvariantCulture), "array data type"));
        Card(FitsHeader.Format("NAXIS", img.Channels > 1 ? "3" : "2", "number of array dimensions"));
        Card(FitsHeader.Format("NAXIS1", img.Width.ToString(CultureInfo.InvariantCulture)));
        Card(FitsHeader.Format("NAXIS2", img.Height.ToString(CultureInfo.InvariantCulture)));
        if (img.Channels > 1) Card(FitsHeader.Format("NAXIS3", img.Channels.ToString(CultureInfo.InvariantCulture)));
        if (bzero != 0)
        {
            Card(FitsHeader.Format("BZERO", bzero.ToString("R", CultureInfo.InvariantCulture)));
            Card(FitsHeader.Format("BSCALE", "1"));
        }
        foreach (var c in img.Metadata.FitsCards)
            if (!FitsHeader.IsStructural(c.Key)) Card(FitsHeader.Format(c));
        Card("END");
        while (header.Length % FitsHeader.BlockLength != 0) header.Append(' ');
        output.Write(Encoding.ASCII.GetBytes(header.ToString()));

        double white = WhiteScale(fmt);
        int bps = Math.Abs(bitpix) / 8, W = img.Width, H = img.Height;
        var row = new byte[W * bps];
        long written = 0;
        for (int c = 0; c < img.Channels; c++)
            for (int y = 0; y < H; y++)
            {
                var src = img.Row(c, topDown ? y : H - 1 - y);
                for (int x = 0; x < W; x++)
                {
                    var d = row.AsSpan(x * bps, bps);
                    float v = src[x];
                    switch (fmt)
                    {
                        case SampleFormat.UInt8: d[0] = (byte)ClampRound(v * white, 0, 255); break;
                        case SampleFormat.UInt16: BinaryPrimitives.WriteInt16BigEndian(d, (short)(ClampRound(v * white, 0, 65535) - 32768)); break;
                        case SampleFormat.Int16: BinaryPrimitives.WriteInt16BigEndian(d, (short)ClampRound(v * white, short.MinValue, short.MaxValue)); break;
                        case SampleFormat.UInt32: BinaryPrimitives.WriteInt32BigEndian(d, (int)(ClampRound(v * white, 0, uint.MaxValue) - 2147483648L)); break;
                        case SampleFormat.Int32: BinaryPrimitives.WriteInt32BigEndian(d, (int)ClampRound(v * white, int.MinValue, int.MaxValue)); break;
                        case SampleFormat.Float32: BinaryPrimitives.WriteSingleBigEndian(d, v); break;
                        default: BinaryPrimitives.WriteDoubleBigEndian(d, v); break;
                    }
                }
                output.Write(row);
                written += row.Length;
            }
        int pad = (int)((FitsHeader.BlockLength - written % FitsHeader.BlockLength) % FitsHeader.BlockLength);
        output.Write(new byte[pad]);
    }

    private static long ClampRound(double v, double lo, double hi) =>
        double.IsNaN(v) ? (long)Math.Max(lo, 0) : (long)Math.Round(Math.Clamp(v, lo, hi));
}
