using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using StarPlugin.Imaging;
using StarPlugin.IO.Fits;

namespace StarPlugin.IO.Xisf;

/// <summary>
/// Monolithic XISF 1.0 (PixInsight's format): "XISF0100", the XML header's length
/// (uint32 LE), 4 reserved bytes, the UTF-8 XML header, then the attached blocks. The
/// first &lt;Image&gt; is read: UInt8/16/32 or Float32/64, planar or normal (interleaved),
/// Gray or RGB with alpha channels beyond those, little- or big-endian, its block
/// attached, inline or embedded, compressed with zlib, lz4, lz4hc or zstd (byte-shuffled
/// or not), its checksum verified. Integers are scaled to white = 1 as FITS and TIFF are;
/// floats keep their values. FITSKeyword elements become the FITS header cards;
/// Property elements are kept whole and written back.
/// </summary>
public static class XisfCodec
{
    public static ReadOnlySpan<byte> Signature => "XISF0100"u8;

    /// <summary>Metadata properties that hold an XISF Property element, so that it is written back as it came.</summary>
    public const string PropertyPrefix = "XISF:Property:";

    private static readonly XNamespace Ns = "http://www.pixinsight.com/xisf";

    public static bool Sniff(ReadOnlySpan<byte> b) => b.Length >= 16 && b[..8].SequenceEqual(Signature);

    public static AstroImage Decode(ReadOnlySpan<byte> data)
    {
        if (!Sniff(data)) throw new ImageFormatException("XISF: missing XISF0100 signature");
        uint headerLength = BinaryPrimitives.ReadUInt32LittleEndian(data[8..]);
        if (headerLength > data.Length - 16) throw new ImageFormatException($"XISF: header of {headerLength} bytes runs past the end of the file");
        var root = ParseHeader(data.Slice(16, (int)headerLength));
        if (root.Name != Ns + "xisf") throw new ImageFormatException($"XISF: root element is <{root.Name.LocalName}>, not <xisf>");
        if ((string?)root.Attribute("version") is { } version && version != "1.0")
            throw new UnsupportedImageException($"XISF: version {version} is not supported (1.0 is)");
        var image = root.Element(Ns + "Image") ?? throw new ImageFormatException("XISF: the file holds no <Image>");

        var (w, h, channels) = Geometry(image);
        string sampleFormat = (string?)image.Attribute("sampleFormat") ?? throw new ImageFormatException("XISF: <Image> has no sampleFormat");
        var format = sampleFormat switch
        {
            "UInt8" => SampleFormat.UInt8,
            "UInt16" => SampleFormat.UInt16,
            "UInt32" => SampleFormat.UInt32,
            "Float32" => SampleFormat.Float32,
            "Float64" => SampleFormat.Float64,
            "UInt64" or "Complex32" or "Complex64" => throw new UnsupportedImageException($"XISF: {sampleFormat} samples are not supported"),
            _ => throw new ImageFormatException($"XISF: sampleFormat '{sampleFormat}' is invalid"),
        };
        string colorSpace = (string?)image.Attribute("colorSpace") ?? "Gray";
        if (colorSpace is not ("Gray" or "RGB"))
            throw new UnsupportedImageException($"XISF: colour space {colorSpace} is not supported (Gray, RGB)");
        if (colorSpace == "RGB" && channels < 3) throw new ImageFormatException($"XISF: an RGB image needs 3 channels, geometry gives {channels}");
        bool planar = ((string?)image.Attribute("pixelStorage") ?? "Planar") switch
        {
            "Planar" => true,
            "Normal" => false,
            var s => throw new ImageFormatException($"XISF: pixelStorage '{s}' is invalid"),
        };
        bool bigEndian = ((string?)image.Attribute("byteOrder") ?? "little") switch
        {
            "little" => false,
            "big" => true,
            var s => throw new ImageFormatException($"XISF: byteOrder '{s}' is invalid"),
        };

        int bps = SampleConversion.BytesPerSample(format);
        long samples = ImageLimits.CheckedSampleCount(w, h, channels);
        if (samples * bps > Array.MaxLength) throw new ImageSizeException($"XISF: {w}x{h}x{channels} image is larger than 2 GiB");
        var stored = XisfBlock.Stored(data, image, Ns);
        XisfBlock.Verify(stored, image);
        var raw = XisfBlock.Decode(stored, image, samples * bps);

        var md = new ImageMetadata { SourceFormat = format };
        ReadKeywords(image, md);
        ReadProperties(data, image, md);
        var img = new AstroImage(w, h, channels, md);
        Unpack(raw, img.Data, format, bigEndian, planar, w * h, channels);
        return img;
    }

    private static XElement ParseHeader(ReadOnlySpan<byte> header)
    {
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit, // no entities: no billion laughs, no external files
            XmlResolver = null,
            IgnoreComments = true,
            IgnoreProcessingInstructions = true,
            MaxCharactersInDocument = header.Length + 1L,
        };
        try
        {
            // The header may be padded with zeros up to the first block.
            int end = header.IndexOf((byte)0);
            using var reader = XmlReader.Create(new MemoryStream(header[..(end < 0 ? header.Length : end)].ToArray()), settings);
            return XDocument.Load(reader).Root ?? throw new ImageFormatException("XISF: empty XML header");
        }
        catch (XmlException e) { throw new ImageFormatException($"XISF: malformed XML header ({e.Message})", e); }
    }

    private static (int W, int H, int C) Geometry(XElement image)
    {
        string g = (string?)image.Attribute("geometry") ?? throw new ImageFormatException("XISF: <Image> has no geometry");
        var parts = g.Split(':');
        if (parts.Length < 3) throw new ImageFormatException($"XISF: geometry '{g}' is invalid");
        if (parts.Length > 3) throw new UnsupportedImageException($"XISF: {parts.Length - 1}-dimensional images are not supported (2-D only)");
        var v = new long[3];
        for (int i = 0; i < 3; i++)
            if (!long.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out v[i]))
                throw new ImageFormatException($"XISF: geometry '{g}' is invalid");
        ImageLimits.CheckedSampleCount(v[0], v[1], v[2]);
        return ((int)v[0], (int)v[1], (int)v[2]);
    }

    /// <summary>Samples to floats, one channel at a time with the format chosen once per channel (the loops stay tight).</summary>
    private static void Unpack(byte[] raw, float[] dst, SampleFormat format, bool bigEndian, bool planar, int plane, int channels)
    {
        int bps = SampleConversion.BytesPerSample(format);
        for (int c = 0; c < channels; c++)
        {
            var d = dst.AsSpan(c * plane, plane);
            int start = planar ? c * plane : c, step = planar ? 1 : channels;
            var src = raw.AsSpan();
            switch (format)
            {
                case SampleFormat.UInt8:
                    for (int i = 0, k = start; i < plane; i++, k += step) d[i] = src[k] / 255f;
                    break;
                case SampleFormat.UInt16:
                    for (int i = 0, k = start; i < plane; i++, k += step)
                    {
                        var s = src.Slice(k * 2, 2);
                        d[i] = (bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(s) : BinaryPrimitives.ReadUInt16LittleEndian(s)) / 65535f;
                    }
                    break;
                case SampleFormat.UInt32:
                    for (int i = 0, k = start; i < plane; i++, k += step)
                    {
                        var s = src.Slice(k * 4, 4);
                        d[i] = (float)((bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(s) : BinaryPrimitives.ReadUInt32LittleEndian(s)) / 4294967295.0);
                    }
                    break;
                case SampleFormat.Float32:
                    for (int i = 0, k = start; i < plane; i++, k += step)
                    {
                        var s = src.Slice(k * 4, 4);
                        d[i] = bigEndian ? BinaryPrimitives.ReadSingleBigEndian(s) : BinaryPrimitives.ReadSingleLittleEndian(s);
                    }
                    break;
                default:
                    for (int i = 0, k = start; i < plane; i++, k += step)
                    {
                        var s = src.Slice(k * bps, bps);
                        d[i] = (float)(bigEndian ? BinaryPrimitives.ReadDoubleBigEndian(s) : BinaryPrimitives.ReadDoubleLittleEndian(s));
                    }
                    break;
            }
        }
    }

    /// <summary>FITSKeyword name/value/comment → FITS cards; the structure keywords are the writers' to make.</summary>
    private static void ReadKeywords(XElement image, ImageMetadata md)
    {
        foreach (var k in image.Elements(Ns + "FITSKeyword"))
        {
            string name = ((string?)k.Attribute("name") ?? "").Trim().ToUpperInvariant();
            if (name.Length is 0 or > 8 || FitsHeader.IsStructural(name)) continue;
            string value = ((string?)k.Attribute("value") ?? "").Trim();
            string comment = ((string?)k.Attribute("comment") ?? "").Trim();
            if (value.Length == 0 && name is "COMMENT" or "HISTORY" or "")
                md.FitsCards.Add(new FitsCard(name, null, null) { RawText = name.PadRight(8) + comment });
            else
                md.FitsCards.Add(new FitsCard(name, value.Length == 0 ? null : value, comment.Length == 0 ? null : comment));
        }
    }

    /// <summary>Property elements kept whole (attached data made inline) so they can be written back unchanged.</summary>
    private static void ReadProperties(ReadOnlySpan<byte> file, XElement image, ImageMetadata md)
    {
        foreach (var p in image.Elements(Ns + "Property"))
        {
            string? id = (string?)p.Attribute("id");
            if (string.IsNullOrEmpty(id)) continue;
            var copy = new XElement(p);
            if (copy.Attribute("location") is { } loc && !loc.Value.StartsWith("inline", StringComparison.Ordinal))
            {
                var stored = XisfBlock.Stored(file, p, Ns);
                XisfBlock.Verify(stored, p);
                var bytes = p.Attribute("compression") is { } comp && long.TryParse(comp.Value.Split(':').ElementAtOrDefault(1), NumberStyles.None, CultureInfo.InvariantCulture, out long size)
                    && size <= 1L << 26 ? XisfBlock.Decode(stored, p, size) : stored;
                copy.Attributes("compression").Remove();
                copy.Attributes("subblocks").Remove();
                copy.Attributes("checksum").Remove();
                copy.Elements(Ns + "Data").Remove();
                copy.SetAttributeValue("location", "inline:base64");
                copy.Value = Convert.ToBase64String(bytes);
            }
            md.Properties[PropertyPrefix + id] = copy.ToString(SaveOptions.DisableFormatting);
        }
    }

    public static void Encode(Stream output, AstroImage img, WriteOptions options)
    {
        var fmt = options.Depth != SampleFormat.Unknown ? options.Depth : img.Metadata.SourceFormat;
        fmt = fmt switch
        {
            SampleFormat.UInt8 or SampleFormat.UInt16 or SampleFormat.UInt32 or SampleFormat.Float32 or SampleFormat.Float64 => fmt,
            _ => SampleFormat.Float32, // XISF images have no signed integer samples; floats hold them exactly
        };
        int bps = SampleConversion.BytesPerSample(fmt);
        string? compression = null;
        // A plain block is packed in chunks twice, once for its checksum (which the header
        // carries before it) and once to write it: no encoded copy of the image in memory.
        // A compressed one needs the whole packed block.
        byte[]? block = null;
        long blockLength = img.Data.LongLength * bps;
        if (options.XisfCompression != XisfCompression.None)
        {
            var pixels = new byte[blockLength];
            Pack(img.Data, 0, img.Data.Length, fmt, pixels);
            var (packed, attribute) = XisfBlock.Compress(pixels, bps, options.XisfCompression);
            // PixInsight shows garbage for a "compressed" block larger than the data; store such blocks plain.
            if (packed.Length < pixels.Length) { block = packed; compression = attribute; }
            else block = pixels;
            blockLength = block.Length;
        }
        byte[] digest;
        if (block != null) digest = SHA1.HashData(block);
        else
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
            ForEachChunk(img.Data, fmt, chunk => sha.AppendData(chunk));
            digest = sha.GetHashAndReset();
        }
        string checksum = "sha-1:" + Convert.ToHexString(digest).ToLowerInvariant();

        // The block follows the header at a 4096-byte boundary; its position is written in the
        // header, so iterate until the header's length (and with it the position) settles.
        long position = 4096;
        byte[] header;
        while (true)
        {
            header = Header(img, fmt, position, blockLength, compression, checksum);
            long needed = Align(16 + header.Length);
            if (needed == position) break;
            position = needed;
        }
        Span<byte> preamble = stackalloc byte[16];
        Signature.CopyTo(preamble);
        BinaryPrimitives.WriteUInt32LittleEndian(preamble[8..], (uint)header.Length);
        output.Write(preamble);
        output.Write(header);
        output.Write(new byte[position - 16 - header.Length]);
        if (block != null) output.Write(block);
        else ForEachChunk(img.Data, fmt, chunk => output.Write(chunk));
    }

    /// <summary>Hands the packed samples to <paramref name="use"/> a chunk at a time.</summary>
    private static void ForEachChunk(float[] src, SampleFormat fmt, Action<byte[]> use)
    {
        const int Samples = 1 << 16;
        int bps = SampleConversion.BytesPerSample(fmt);
        var chunk = new byte[Samples * bps];
        for (int from = 0; from < src.Length; from += Samples)
        {
            int count = Math.Min(Samples, src.Length - from);
            Pack(src, from, count, fmt, chunk);
            use(count == Samples ? chunk : chunk[..(count * bps)]);
        }
    }

    private static long Align(long n) => (n + 4095) / 4096 * 4096;

    private static byte[] Header(AstroImage img, SampleFormat fmt, long position, long size, string? compression, string checksum)
    {
        var image = new XElement(Ns + "Image",
            new XAttribute("geometry", $"{img.Width}:{img.Height}:{img.Channels}"),
            new XAttribute("sampleFormat", fmt.ToString()),
            fmt is SampleFormat.Float32 or SampleFormat.Float64 ? new XAttribute("bounds", "0:1") : null,
            new XAttribute("colorSpace", img.Channels >= 3 ? "RGB" : "Gray"),
            new XAttribute("location", $"attachment:{position.ToString(CultureInfo.InvariantCulture)}:{size.ToString(CultureInfo.InvariantCulture)}"),
            compression != null ? new XAttribute("compression", compression) : null,
            new XAttribute("checksum", checksum));
        foreach (var c in img.Metadata.FitsCards)
        {
            if (FitsHeader.IsStructural(c.Key)) continue;
            string value = c.Value ?? "", comment = c.Comment ?? "";
            if (c.Value == null && c.RawText is { } rawText) comment = rawText.Length > 8 ? rawText[8..].TrimEnd() : "";
            image.Add(new XElement(Ns + "FITSKeyword", new XAttribute("name", c.Key), new XAttribute("value", value), new XAttribute("comment", comment)));
        }
        foreach (var (key, xml) in img.Metadata.Properties.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (!key.StartsWith(PropertyPrefix, StringComparison.Ordinal)) continue;
            if (ParseProperty(xml) is { } property) image.Add(property);
        }
        var root = new XElement(Ns + "xisf",
            new XAttribute("version", "1.0"),
            new XAttribute(XNamespace.Xmlns + "xsi", "http://www.w3.org/2001/XMLSchema-instance"),
            new XAttribute(XNamespace.Get("http://www.w3.org/2001/XMLSchema-instance") + "schemaLocation", "http://www.pixinsight.com/xisf http://pixinsight.com/xisf/xisf-1.0.xsd"),
            image,
            new XElement(Ns + "Metadata",
                new XElement(Ns + "Property", new XAttribute("id", "XISF:CreationTime"), new XAttribute("type", "TimePoint"),
                    new XAttribute("value", DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture))),
                new XElement(Ns + "Property", new XAttribute("id", "XISF:CreatorApplication"), new XAttribute("type", "String"), "StarPlugin")));
        var doc = new XDocument(new XDeclaration("1.0", "UTF-8", null), root);
        var ms = new MemoryStream();
        using (var w = XmlWriter.Create(ms, new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = false }))
            doc.Save(w);
        return ms.ToArray();
    }

    /// <summary>A kept Property element, or null if the text is not one (metadata may come from elsewhere).</summary>
    private static XElement? ParseProperty(string xml)
    {
        try
        {
            var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, MaxCharactersInDocument = 1L << 27 };
            using var reader = XmlReader.Create(new StringReader(xml), settings);
            var e = XElement.Load(reader);
            return e.Name == Ns + "Property" && e.Attribute("id") != null ? e : null;
        }
        catch (XmlException) { return null; }
    }

    /// <summary>Packs samples [from, from + count) of <paramref name="src"/> into <paramref name="dst"/> as <paramref name="fmt"/>.</summary>
    private static void Pack(float[] src, int from, int count, SampleFormat fmt, Span<byte> dst)
    {
        int bps = SampleConversion.BytesPerSample(fmt);
        double white = fmt switch { SampleFormat.UInt8 => 255, SampleFormat.UInt16 => 65535, SampleFormat.UInt32 => 4294967295.0, _ => 1 };
        for (int i = 0; i < count; i++)
        {
            var d = dst.Slice(i * bps, bps);
            float v = src[from + i];
            if (fmt is SampleFormat.Float32) { BinaryPrimitives.WriteSingleLittleEndian(d, v); continue; }
            if (fmt is SampleFormat.Float64) { BinaryPrimitives.WriteDoubleLittleEndian(d, v); continue; }
            double scaled = Math.Round(v * white);
            if (!(scaled >= 0 && scaled <= white))
                throw new ImageFormatException($"XISF: sample {v} (white = 1) does not fit {fmt}; write floats instead (--depth f32)");
            switch (fmt)
            {
                case SampleFormat.UInt8: d[0] = (byte)scaled; break;
                case SampleFormat.UInt16: BinaryPrimitives.WriteUInt16LittleEndian(d, (ushort)scaled); break;
                default: BinaryPrimitives.WriteUInt32LittleEndian(d, (uint)scaled); break;
            }
        }
    }
}
