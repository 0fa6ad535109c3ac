using System.Globalization;
using System.Text;
using StarPlugin.Imaging;

namespace StarPlugin.IO.Fits;

/// <summary>Parses and formats 80-column FITS header cards in 2880-byte blocks.</summary>
internal static class FitsHeader
{
    public const int CardLength = 80;
    public const int BlockLength = 2880;
    public const int MaxHeaderBlocks = 10_000; // 360k cards: far beyond any real header

    /// <summary>
    /// Keywords the writer regenerates from the pixels; never copied from metadata. BLANK
    /// belongs to the integer encoding; CHECKSUM/DATASUM would be wrong for new data.
    /// </summary>
    public static bool IsStructural(string key) =>
        key is "SIMPLE" or "XTENSION" or "BITPIX" or "EXTEND" or "BZERO" or "BSCALE" or "BLANK" or "PCOUNT" or "GCOUNT" or "END"
            or "CHECKSUM" or "DATASUM"
        || (key.StartsWith("NAXIS", StringComparison.Ordinal));

    /// <summary>Reads cards from <paramref name="offset"/> up to END; returns them and the offset after the header.</summary>
    public static (List<FitsCard> Cards, long DataOffset) Read(ByteReader r, long offset)
    {
        var cards = new List<FitsCard>();
        for (int block = 0; block < MaxHeaderBlocks; block++)
        {
            var bytes = r.Slice(offset + (long)block * BlockLength, BlockLength);
            for (int i = 0; i < BlockLength / CardLength; i++)
            {
                var raw = bytes.Slice(i * CardLength, CardLength);
                foreach (byte b in raw)
                    if (b < 0x20 || b > 0x7E) throw new ImageFormatException("FITS: header holds a non-ASCII byte (corrupt file)");
                string text = Encoding.ASCII.GetString(raw);
                var card = Parse(text);
                if (card.Key == "END") return (cards, offset + (long)(block + 1) * BlockLength);
                if (card.Key.Length > 0 || text.Trim().Length > 0) cards.Add(card);
            }
        }
        throw new ImageFormatException("FITS: no END card");
    }

    public static FitsCard Parse(string text)
    {
        if (text.Length < CardLength) text = text.PadRight(CardLength);
        string key = text[..8].TrimEnd();
        if (text.Length < 10 || text[8] != '=' || text[9] != ' ')
            return new FitsCard(key, null, null) { RawText = text };
        string rest = text[10..];
        string value, comment = "";
        int i = 0;
        while (i < rest.Length && rest[i] == ' ') i++;
        if (i < rest.Length && rest[i] == '\'')
        {
            int j = i + 1;
            while (j < rest.Length)
            {
                if (rest[j] == '\'')
                {
                    if (j + 1 < rest.Length && rest[j + 1] == '\'') { j += 2; continue; }
                    break;
                }
                j++;
            }
            value = rest[i..Math.Min(rest.Length, j + 1)];
            int slash = rest.IndexOf('/', Math.Min(rest.Length, j + 1));
            if (slash >= 0) comment = rest[(slash + 1)..].Trim();
        }
        else
        {
            int slash = rest.IndexOf('/');
            value = (slash >= 0 ? rest[..slash] : rest).Trim();
            if (slash >= 0) comment = rest[(slash + 1)..].Trim();
        }
        return new FitsCard(key, value, comment.Length == 0 ? null : comment) { RawText = text };
    }

    public static string? StringValue(FitsCard c)
    {
        if (c.Value is not { Length: >= 2 } v || v[0] != '\'') return c.Value;
        return v[1..^1].Replace("''", "'").TrimEnd();
    }

    public static long Integer(List<FitsCard> cards, string key, long? fallback = null)
    {
        var c = cards.FirstOrDefault(x => x.Key == key);
        if (c?.Value == null)
            return fallback ?? throw new ImageFormatException($"FITS: required keyword {key} is missing");
        if (!long.TryParse(c.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out long v))
            throw new ImageFormatException($"FITS: keyword {key} = '{c.Value}' is not an integer");
        return v;
    }

    public static double Real(List<FitsCard> cards, string key, double fallback)
    {
        var c = cards.FirstOrDefault(x => x.Key == key);
        if (c?.Value == null) return fallback;
        string v = c.Value.Replace('D', 'E').Replace('d', 'e');
        if (!double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) || !double.IsFinite(d))
            throw new ImageFormatException($"FITS: keyword {key} = '{c.Value}' is not a number");
        return d;
    }

    public static string Format(string key, string value, string? comment = null)
    {
        string card = $"{key,-8}= {value,20}";
        if (comment != null) card += " / " + comment;
        return card.Length > CardLength ? card[..CardLength] : card.PadRight(CardLength);
    }

    public static string Format(FitsCard c)
    {
        if (c.RawText != null) return c.RawText.PadRight(CardLength)[..CardLength];
        if (c.Value == null) return (c.Key.PadRight(8) + (c.Comment ?? "")).PadRight(CardLength)[..CardLength];
        return Format(c.Key, c.Value, c.Comment);
    }

    public static string Quote(string s) => "'" + s.Replace("'", "''").PadRight(8) + "'";

    /// <summary>
    /// The header as text lines, as Astro-TIFF stores it in ImageDescription (and we in a
    /// PNG text chunk): SIMPLE, BITPIX and NAXIS describing the pixels it travels with,
    /// then every kept card, then END; trailing blanks trimmed, lines ending in LF.
    /// </summary>
    public static string ToText(IEnumerable<FitsCard> cards, int bitpix, int width, int height, int planes)
    {
        var sb = new StringBuilder();
        void Line(string card) => sb.Append(card.TrimEnd()).Append('\n');
        Line(Format("SIMPLE", "T", "conforms to FITS standard"));
        Line(Format("BITPIX", bitpix.ToString(CultureInfo.InvariantCulture), "array data type"));
        Line(Format("NAXIS", planes > 1 ? "3" : "2", "number of array dimensions"));
        Line(Format("NAXIS1", width.ToString(CultureInfo.InvariantCulture)));
        Line(Format("NAXIS2", height.ToString(CultureInfo.InvariantCulture)));
        if (planes > 1) Line(Format("NAXIS3", planes.ToString(CultureInfo.InvariantCulture)));
        foreach (var c in cards)
            if (!IsStructural(c.Key)) Line(Format(c));
        sb.Append("END");
        return sb.ToString();
    }

    /// <summary>
    /// The cards of a text that is a FITS header; false (the text stays what it was, a
    /// plain description) when it is not one or holds characters a header cannot.
    /// </summary>
    public static bool TryFromText(string text, out List<FitsCard> cards)
    {
        cards = [];
        if (!IsHeaderText(text)) return false;
        try { cards = FromText(text); return true; }
        catch (ImageFormatException) { return false; }
    }

    /// <summary>Whether a text (TIFF ImageDescription, PNG text) is a FITS header: its first line is SIMPLE = T.</summary>
    public static bool IsHeaderText(string text) =>
        text.StartsWith("SIMPLE  =", StringComparison.Ordinal) && text.Contains("END", StringComparison.Ordinal);

    /// <summary>
    /// Cards of a header stored as text lines (LF or CR+LF, possibly shorter than 80
    /// columns), structural keywords dropped: they describe FITS storage, not the pixels
    /// of the TIFF or PNG around them.
    /// </summary>
    public static List<FitsCard> FromText(string text)
    {
        var cards = new List<FitsCard>();
        foreach (var line0 in text.Split('\n'))
        {
            string line = line0.TrimEnd('\r', '\0');
            if (line.Length > CardLength) line = line[..CardLength];
            foreach (char ch in line)
                if (ch < 0x20 || ch > 0x7E) throw new ImageFormatException("FITS header text holds a non-ASCII character");
            var card = Parse(line);
            if (card.Key == "END") break;
            if (card.Key.Length == 0 && line.Trim().Length == 0) continue;
            if (!IsStructural(card.Key)) cards.Add(card);
        }
        return cards;
    }
}
