namespace StarPlugin.Imaging;

/// <summary>How the samples were stored in the file they came from.</summary>
public enum SampleFormat { Unknown = 0, UInt8, UInt16, UInt32, Int16, Int32, Float32, Float64 }

/// <summary>
/// Everything about an image that is not pixels, kept so that a read/process/write
/// cycle loses nothing: FITS header cards verbatim, TIFF tags we do not interpret,
/// and free-form properties.
/// </summary>
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

    public ImageMetadata Clone() => new()
    {
        FitsCards = FitsCards.Select(c => c).ToList(),
        TiffTags = new SortedDictionary<ushort, TiffTagValue>(TiffTags),
        Properties = new Dictionary<string, string>(Properties, StringComparer.Ordinal),
        SourceFormat = SourceFormat,
    };

    public string? FitsValue(string key) =>
        FitsCards.FirstOrDefault(c => c.Key.Equals(key, StringComparison.OrdinalIgnoreCase))?.Value;
}

/// <summary>One FITS header card: keyword, raw value text (quotes kept) and comment.</summary>
public sealed record FitsCard(string Key, string? Value, string? Comment)
{
    /// <summary>The card as stored, for keywords such as COMMENT/HISTORY whose text is free-form.</summary>
    public string? RawText { get; init; }
}

/// <summary>A TIFF field kept verbatim: field type, count and its little-endian bytes.</summary>
public sealed record TiffTagValue(ushort Type, uint Count, byte[] Bytes);
