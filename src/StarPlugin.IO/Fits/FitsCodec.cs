using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using StarPlugin.Imaging;

namespace StarPlugin.IO.Fits;

/// <summary>
/// FITS images: the primary HDU, or the first IMAGE extension when the primary is
/// empty. BITPIX 8/16/32/-32/-64 with BZERO/BSCALE and BLANK, NAXIS 2 or a colour cube
/// (NAXIS3 = 3; other plane counts are refused, never read as alpha).
/// Samples: physical values (BZERO + BSCALE × stored) divided by the storage's white
/// (255, 65535, 2^32−1) for integers, recorded as <see cref="ImageMetadata.PhysicalScale"/>
/// so that every output and catalogue gets the physical values back; floats as stored.
/// BLANK pixels become NaN and NaN becomes BLANK again on an integer write.
/// Rows are stored bottom-up unless ROWORDER = 'TOP-DOWN' (Siril's keyword), and are
/// flipped so that y = 0 is the top row, as DS9 and Siril display them; the writer flips
/// them back, and <see cref="PixelFrame"/> maps positions to FITS coordinates.
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

    internal static long PaddedDataLength(List<FitsCard> cards, long naxis)
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
        // Only three planes make a colour image. Two or four are independent planes (a
        // cube of frames or bands), not grey/RGB + alpha: reading them so would pass the
        // last plane through untouched.
        if (ch is not (1 or 3))
            throw new UnsupportedImageException($"FITS: a cube of {ch} planes (NAXIS3 = {ch}) is not an image we process: only 1 plane (grey) or 3 (colour); split it into single planes first (e.g. astropy: fits.writeto('plane.fits', data[i], header))");
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
        bool integer = bitpix > 0;
        long? blank = integer && cards.Any(c => c.Key == "BLANK") ? FitsHeader.Integer(cards, "BLANK") : null;

        var md = new ImageMetadata { SourceFormat = format, Convention = CoordinateConvention.Fits };
        if (format == SampleFormat.Int16 && bzero == 32768 && bscale == 1) md.SourceFormat = SampleFormat.UInt16;
        if (format == SampleFormat.Int32 && bzero == 2147483648.0 && bscale == 1) md.SourceFormat = SampleFormat.UInt32;
        if (primary != null) md.FitsCards.AddRange(primary.Where(c => !FitsHeader.IsStructural(c.Key)));
        md.FitsCards.AddRange(cards.Where(c => !FitsHeader.IsStructural(c.Key)));
        bool topDown = !md.FitsRowsFromBottom;

        double white = SampleConversion.White(format);
        if (integer)
        {
            md.PhysicalScale = white;
            md.SourceEncoding = new FitsIntegerEncoding(bzero, bscale, blank);
        }
        var img = new AstroImage((int)w, (int)h, (int)ch, md);
        var dst = img.Data;
        int W = (int)w, H = (int)h, plane = W * H;
        for (int c = 0; c < ch; c++)
            for (int y = 0; y < H; y++)
            {
                int dy = topDown ? y : H - 1 - y;
                int src = (c * plane + y * W) * bps, d0 = c * plane + dy * W;
                var row = raw.Slice(src, W * bps);
                var d = dst.AsSpan(d0, W);
                switch (format)
                {
                    case SampleFormat.UInt8:
                        for (int x = 0; x < W; x++) d[x] = Scale(row[x], blank, bzero, bscale, white);
                        break;
                    case SampleFormat.Int16:
                        for (int x = 0; x < W; x++) d[x] = Scale(BinaryPrimitives.ReadInt16BigEndian(row.Slice(x * 2, 2)), blank, bzero, bscale, white);
                        break;
                    case SampleFormat.Int32:
                        for (int x = 0; x < W; x++) d[x] = Scale(BinaryPrimitives.ReadInt32BigEndian(row.Slice(x * 4, 4)), blank, bzero, bscale, white);
                        break;
                    case SampleFormat.Float32:
                        for (int x = 0; x < W; x++) d[x] = (float)(bzero + bscale * BinaryPrimitives.ReadSingleBigEndian(row.Slice(x * 4, 4)));
                        break;
                    default:
                        for (int x = 0; x < W; x++) d[x] = (float)(bzero + bscale * BinaryPrimitives.ReadDoubleBigEndian(row.Slice(x * 8, 8)));
                        break;
                }
            }
        return img;
    }

    private static float Scale(long stored, long? blank, double bzero, double bscale, double white) =>
        stored == blank ? float.NaN : (float)((bzero + bscale * stored) / white);

    public static void Encode(Stream output, AstroImage img, WriteOptions options)
    {
        var md = img.Metadata;
        var fmt = options.Depth != SampleFormat.Unknown ? options.Depth : md.SourceFormat;
        if (fmt == SampleFormat.Unknown) fmt = SampleFormat.Float32;
        int bitpix = fmt switch
        {
            SampleFormat.UInt8 => 8,
            SampleFormat.UInt16 or SampleFormat.Int16 => 16,
            SampleFormat.UInt32 or SampleFormat.Int32 => 32,
            SampleFormat.Float32 => -32,
            SampleFormat.Float64 => -64,
            _ => throw new ArgumentOutOfRangeException(nameof(options), fmt, "FITS cannot store this depth"),
        };
        // FITS has no alpha: the colour planes are written (as PFM does).
        int planes = img.ColorChannels, W = img.Width, H = img.Height;
        var data = img.Data.AsSpan(0, planes * img.PlaneLength);

        IntegerEncoder? enc = null;
        if (bitpix > 0)
        {
            // The source's own encoding (BZERO, BSCALE, BLANK) when the type is unchanged, so
            // the same integers come back; else the standard one for the type.
            var (storedMin, storedMax) = bitpix switch { 8 => (0L, 255L), 16 => ((long)short.MinValue, (long)short.MaxValue), _ => (int.MinValue, int.MaxValue) };
            var same = fmt == md.SourceFormat ? md.SourceEncoding : null;
            enc = same != null
                ? new IntegerEncoder(md.PhysicalScale, same.Zero, same.Scale, storedMin, storedMax)
                : new IntegerEncoder(SampleConversion.IntegerFactor(md, fmt), fmt switch { SampleFormat.UInt16 => 32768.0, SampleFormat.UInt32 => 2147483648.0, _ => 0.0 }, 1, storedMin, storedMax);
            var candidates = new List<long>();
            if (same?.Blank is { } b) candidates.Add(b);
            candidates.AddRange([storedMin, storedMax]);
            enc.Check(data, "FITS", fmt, countsAllowed: !md.IsPhysical && SampleConversion.White(md.SourceFormat) == 1, candidates);
        }
        double floatFactor = SampleConversion.FloatFactor(md);

        bool topDown = !md.FitsRowsFromBottom;
        var header = new StringBuilder();
        void Card(string s) => header.Append(s.PadRight(FitsHeader.CardLength));
        string Num(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        Card(FitsHeader.Format("SIMPLE", "T", "conforms to FITS standard"));
        Card(FitsHeader.Format("BITPIX", bitpix.ToString(CultureInfo.InvariantCulture), "array data type"));
        Card(FitsHeader.Format("NAXIS", planes > 1 ? "3" : "2", "number of array dimensions"));
        Card(FitsHeader.Format("NAXIS1", W.ToString(CultureInfo.InvariantCulture)));
        Card(FitsHeader.Format("NAXIS2", H.ToString(CultureInfo.InvariantCulture)));
        if (planes > 1) Card(FitsHeader.Format("NAXIS3", planes.ToString(CultureInfo.InvariantCulture)));
        if (enc != null && (enc.Zero != 0 || enc.Scale != 1))
        {
            Card(FitsHeader.Format("BZERO", Num(enc.Zero)));
            Card(FitsHeader.Format("BSCALE", Num(enc.Scale)));
        }
        if (enc?.Blank is { } blankValue) Card(FitsHeader.Format("BLANK", blankValue.ToString(CultureInfo.InvariantCulture), "stored value of undefined pixels"));
        foreach (var c in md.FitsCards)
            if (!FitsHeader.IsStructural(c.Key)) Card(FitsHeader.Format(c));
        Card("END");
        while (header.Length % FitsHeader.BlockLength != 0) header.Append(' ');
        output.Write(Encoding.ASCII.GetBytes(header.ToString()));

        int bps = Math.Abs(bitpix) / 8;
        var row = new byte[W * bps];
        long written = 0;
        for (int c = 0; c < planes; c++)
            for (int y = 0; y < H; y++)
            {
                var src = img.Row(c, topDown ? y : H - 1 - y);
                for (int x = 0; x < W; x++)
                {
                    var d = row.AsSpan(x * bps, bps);
                    float v = src[x];
                    switch (bitpix)
                    {
                        case 8: d[0] = (byte)enc!.Encode(v); break;
                        case 16: BinaryPrimitives.WriteInt16BigEndian(d, (short)enc!.Encode(v)); break;
                        case 32: BinaryPrimitives.WriteInt32BigEndian(d, (int)enc!.Encode(v)); break;
                        case -32: BinaryPrimitives.WriteSingleBigEndian(d, (float)(v * floatFactor)); break;
                        default: BinaryPrimitives.WriteDoubleBigEndian(d, v * floatFactor); break;
                    }
                }
                output.Write(row);
                written += row.Length;
            }
        int pad = (int)((FitsHeader.BlockLength - written % FitsHeader.BlockLength) % FitsHeader.BlockLength);
        output.Write(new byte[pad]);
    }
}
