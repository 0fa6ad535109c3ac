namespace StarPlugin.Imaging;

/// <summary>How the samples were stored in the file they came from.</summary>
public enum SampleFormat { Unknown = 0, UInt8, UInt16, UInt32, Int16, Int32, Float32, Float64 }

/// <summary>How a file counts pixel coordinates, for the positions we report back to the user.</summary>
public enum CoordinateConvention
{
    /// <summary>Pictures (PNG, JPEG, TIFF, GIMP layers): y counts rows from the top, as every image tool does.</summary>
    Image = 0,
    /// <summary>FITS: y = FITS row − 1, counted in the file's row order, as numpy, astropy, sep and photutils count.</summary>
    Fits = 1,
}

/// <summary>
/// Everything about an image that is not pixels, kept so that a read/process/write
/// cycle loses nothing: FITS header cards verbatim, TIFF tags we do not interpret,
/// free-form properties, and how the samples relate to the file's values.
/// </summary>
/// <remarks>
/// Samples in memory are normalised (integer pictures: white = 1.0; see <see cref="AstroImage"/>).
/// Astronomical integer data (FITS, signed or FITS-headed TIFF/PNG) keeps its physical
/// units through <see cref="PhysicalScale"/>: writers and catalogues multiply by it, so a
/// float FITS written from an int16 FITS holds the same ADU, and a catalogue's flux is in ADU.
/// </remarks>
public sealed class ImageMetadata
{
    /// <summary>FITS header cards in file order, structural keywords excluded (writers regenerate those).</summary>
    public List<FitsCard> FitsCards { get; set; } = [];

    /// <summary>TIFF tags the codec does not rebuild itself (tag id → raw field).</summary>
    public SortedDictionary<ushort, TiffTagValue> TiffTags { get; set; } = [];

    /// <summary>Free-form properties (PNG text chunks, provenance).</summary>
    public Dictionary<string, string> Properties { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Original storage; writers use it as the default output depth.</summary>
    public SampleFormat SourceFormat { get; set; }

    /// <summary>
    /// Physical value = sample × PhysicalScale (FITS BSCALE/BZERO already applied). 1 for
    /// pictures, whose unit is white = 1.0, and for float data, which is read as stored.
    /// A reader that divided astronomical integers by their white point (255, 65535, 2^32−1)
    /// records that divisor here; float writers and catalogues multiply it back, and integer
    /// writers store the physical integers wherever the target is at least as wide.
    /// </summary>
    public double PhysicalScale { get; set; } = 1;

    /// <summary>Integer samples carry physical units (see <see cref="PhysicalScale"/>).</summary>
    public bool IsPhysical => PhysicalScale != 1;

    /// <summary>
    /// The FITS integer encoding the data came with (BZERO, BSCALE, BLANK): a FITS written
    /// back with the same BITPIX stores the same integers. Null for other sources.
    /// </summary>
    public FitsIntegerEncoding? SourceEncoding { get; set; }

    /// <summary>How the source file counts pixel coordinates (catalogues, mock-lens records).</summary>
    public CoordinateConvention Convention { get; set; }

    public ImageMetadata Clone() => new()
    {
        FitsCards = FitsCards.Select(c => c).ToList(),
        TiffTags = new SortedDictionary<ushort, TiffTagValue>(TiffTags),
        Properties = new Dictionary<string, string>(Properties, StringComparer.Ordinal),
        SourceFormat = SourceFormat,
        PhysicalScale = PhysicalScale,
        SourceEncoding = SourceEncoding,
        Convention = Convention,
    };

    /// <summary>
    /// Metadata for an image derived from this one whose values are not the source's
    /// (a star mask, an overlay): header cards (WCS, ROWORDER), tags and conventions stay so
    /// the product lines up with its source in DS9 or astropy; units and depth do not.
    /// </summary>
    public ImageMetadata ForDerivedImage()
    {
        var m = Clone();
        m.SourceFormat = SampleFormat.Unknown;
        m.PhysicalScale = 1;
        m.SourceEncoding = null;
        return m;
    }

    public string? FitsValue(string key) =>
        FitsCards.FirstOrDefault(c => c.Key.Equals(key, StringComparison.OrdinalIgnoreCase))?.Value;

    /// <summary>The text of a string-valued card without quotes and trailing blanks, or null.</summary>
    public string? FitsString(string key) => FitsValue(key) is { } v ? FitsCard.Unquote(v) : null;

    /// <summary>
    /// Whether FITS row 1 of the header's pixel grid is the bottom row of the picture in
    /// memory (which is always top-down): true unless the header says ROWORDER = 'TOP-DOWN'
    /// (Siril's keyword). Holds for FITS files and for FITS headers carried in Astro-TIFF
    /// and PNG, whose pixels are stored top-down while their header describes the FITS grid.
    /// </summary>
    public bool FitsRowsFromBottom => !string.Equals(FitsString("ROWORDER"), "TOP-DOWN", StringComparison.OrdinalIgnoreCase);
}

/// <summary>One FITS header card: keyword, raw value text (quotes kept) and comment.</summary>
public sealed record FitsCard(string Key, string? Value, string? Comment)
{
    /// <summary>The card as stored, for keywords such as COMMENT/HISTORY whose text is free-form.</summary>
    public string? RawText { get; init; }

    /// <summary>A FITS string value without its quotes ('' → ') and trailing blanks; other values as they are.</summary>
    public static string Unquote(string value)
    {
        string v = value.Trim();
        if (v.Length < 2 || v[0] != '\'') return v;
        int end = v.LastIndexOf('\'');
        return (end > 0 ? v[1..end] : v[1..]).Replace("''", "'").TrimEnd();
    }
}

/// <summary>physical = Zero + Scale × stored (FITS BZERO, BSCALE); Blank: the stored value that means "no data".</summary>
public sealed record FitsIntegerEncoding(double Zero, double Scale, long? Blank);

/// <summary>A TIFF field kept verbatim: field type, count and its little-endian bytes.</summary>
public sealed record TiffTagValue(ushort Type, uint Count, byte[] Bytes);
