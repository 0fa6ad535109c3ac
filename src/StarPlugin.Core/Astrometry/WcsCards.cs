using System.Globalization;
using StarPlugin.Imaging;

namespace StarPlugin.Astrometry;

/// <summary>A celestial WCS the header declares but that we cannot use (malformed, or a projection we do not implement).</summary>
public sealed class WcsException(string message) : Exception(message);

/// <summary>Keyword lookup over FITS cards: the last card of a keyword wins, as in cfitsio/astropy.</summary>
internal sealed class WcsCards
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public WcsCards(IEnumerable<FitsCard> cards)
    {
        foreach (var c in cards)
            if (c.Value != null && c.Key.Length > 0) _values[c.Key.ToUpperInvariant()] = c.Value;
    }

    public bool Has(string key) => _values.ContainsKey(key);

    public string? String(string key) => _values.TryGetValue(key, out var v) ? FitsCard.Unquote(v) : null;

    public double? Real(string key)
    {
        if (!_values.TryGetValue(key, out var raw)) return null;
        string v = FitsCard.Unquote(raw).Replace('D', 'E').Replace('d', 'e');
        if (!double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) || !double.IsFinite(d))
            throw new WcsException($"WCS keyword {key} = {raw.Trim()} is not a finite number");
        return d;
    }

    public double Real(string key, double fallback) => Real(key) ?? fallback;

    public IEnumerable<string> Keys => _values.Keys;
}
