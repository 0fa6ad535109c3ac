using StarPlugin.Imaging;
using StarPlugin.IO;
using StarPlugin.Lensing.Finder;

namespace StarPlugin.Cli.Hosting;

/// <summary>Expands file and directory arguments into the images to process, and says how their colours are ordered.</summary>
public static class InputFiles
{
    /// <summary>
    /// Files as given; directories as their images sorted by name. Where a directory holds
    /// one object in several formats (the FITS cube and its colour PNG, as `cutouts`
    /// writes them), only the FITS file is taken, so nothing is counted twice.
    /// </summary>
    public static List<string> Expand(IEnumerable<string> inputs)
    {
        var list = new List<string>();
        foreach (var i in inputs)
        {
            if (!Directory.Exists(i)) { list.Add(i); continue; }
            var images = Directory.EnumerateFiles(i).Where(f => ImageFile.FormatFromExtension(f) != ImageFormat.Unknown && !Path.GetFileName(f).StartsWith('.')).ToList();
            var stemsWithFits = images.Where(f => ImageFile.FormatFromExtension(f) == ImageFormat.Fits)
                .Select(f => Path.Combine(Path.GetDirectoryName(f) ?? "", Path.GetFileNameWithoutExtension(f))).ToHashSet(StringComparer.Ordinal);
            list.AddRange(images.Where(f => ImageFile.FormatFromExtension(f) == ImageFormat.Fits
                                            || !stemsWithFits.Contains(Path.Combine(Path.GetDirectoryName(f) ?? "", Path.GetFileNameWithoutExtension(f))))
                .OrderBy(f => f, StringComparer.Ordinal));
        }
        return list;
    }

    /// <summary>
    /// FITS cubes are blue first (g, r, z) unless their BANDS card lists the bands red
    /// first; pictures (PNG, JPEG, TIFF...) are R, G, B.
    /// </summary>
    public static BandOrder OrderOf(string path, AstroImage image)
    {
        if (ImageFile.FormatFromExtension(path) != ImageFormat.Fits && image.Metadata.FitsCards.Count == 0) return BandOrder.RedFirst;
        var bands = image.Metadata.FitsValue("BANDS")?.Trim('\'', ' ').ToLowerInvariant().Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return bands is { Length: >= 2 } && Wavelength(bands[0]) > Wavelength(bands[^1]) ? BandOrder.RedFirst : BandOrder.BlueFirst;
    }

    /// <summary>Rough central wavelength (µm) of a band name: survey filters and picture colours.</summary>
    public static double Wavelength(string band) => band.ToLowerInvariant() switch
    {
        "u" => 0.35, "b" or "blue" => 0.45, "g" or "green" => 0.5, "v" => 0.55, "r" or "red" => 0.62, "i" => 0.76, "z" => 0.9, "y" => 1.0,
        _ => 0.6,
    };
}
