using StarPlugin.Imaging;
using StarPlugin.IO;
using StarPlugin.Lensing;
using StarPlugin.Lensing.Display;
using StarPlugin.Web.Project;
using StarPlugin.Web.Storage;

namespace StarPlugin.Web.Images;

/// <summary>
/// What the browser is shown of a subject. PNG and JPEG cutouts are served as imported;
/// FITS cubes become Lupton et al. (2004) asinh composites. The "brighter" variant
/// stretches harder. Both are rendered once into cache/ (atomically) and served from
/// there; so is the outline of a mock's arc.
/// </summary>
public sealed class SubjectImages(ProjectFolder folder)
{
    private const double BrighterBoost = 3, BrighterSoftening = 8;

    public (string Path, string ContentType) Display(Subject s, bool brighter)
    {
        string original = folder.Resolve(s.File);
        var format = ImageFile.FormatFromExtension(original);
        if (!brighter && format is ImageFormat.Png or ImageFormat.Jpeg)
            return (original, format == ImageFormat.Png ? "image/png" : "image/jpeg");
        string cached = folder.Resolve($"cache/{s.Id}-{(brighter ? "bright" : "plain")}.png");
        if (!File.Exists(cached))
        {
            var image = ImageFile.Read(original);
            var shown = format == ImageFormat.Fits ? Composite(image, brighter ? BrighterBoost : 1) : Brighter(image);
            ImageFile.Write(cached, shown, new WriteOptions { Depth = SampleFormat.UInt8, Overwrite = true });
        }
        return (cached, "image/png");
    }

    /// <summary>A transparent PNG with the arc region's edge drawn, the size of the cutout; null when the subject has no arc record.</summary>
    public string? ArcOutline(Subject s)
    {
        if (s.ArcMask == null) return null;
        string cached = folder.Resolve($"cache/{s.Id}-arc.png");
        if (!File.Exists(cached))
        {
            var region = ArcRegion.Unpack(s.Width, s.Height, s.ArcMask);
            var img = new AstroImage(s.Width, s.Height, 4);
            for (int y = 0; y < s.Height; y++)
                for (int x = 0; x < s.Width; x++)
                    if (region.IsEdge(x, y)) { img[0, y, x] = 1f; img[1, y, x] = 0.85f; img[2, y, x] = 0.1f; img[3, y, x] = 1f; }
            ImageFile.Write(cached, img, new WriteOptions { Depth = SampleFormat.UInt8, Overwrite = true });
        }
        return cached;
    }

    /// <summary>g/r/z (or one band) to RGB by the Lupton asinh scheme.</summary>
    public static AstroImage Composite(AstroImage cube, double boost)
    {
        int w = cube.Width, h = cube.Height;
        ReadOnlySpan<float> g = cube.Plane(0), r = cube.ColorChannels >= 3 ? cube.Plane(1) : cube.Plane(0), z = cube.ColorChannels >= 3 ? cube.Plane(2) : cube.Plane(0);
        return new AstroImage(w, h, 3, LuptonComposite.Compose(g, r, z, w, h, boost: boost));
    }

    /// <summary>An already-stretched picture made brighter: asinh on every channel, black and white kept.</summary>
    public static AstroImage Brighter(AstroImage image)
    {
        var rgb = image.WithoutAlpha();
        double norm = Math.Asinh(BrighterSoftening);
        var data = rgb.Data;
        for (int i = 0; i < data.Length; i++)
            data[i] = (float)(Math.Asinh(BrighterSoftening * Math.Clamp(data[i], 0f, 1f)) / norm);
        return rgb;
    }
}
