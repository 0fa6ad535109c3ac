using System.Globalization;
using StarPlugin.Astrometry;
using StarPlugin.Imaging;

namespace StarPlugin.Lensing.Survey;

/// <summary>A catalogue object: its row in the catalogue, id, and either a sky position (degrees) or a pixel position.</summary>
public sealed record CatalogueObject(int Row, string Id, double Ra, double Dec, double X, double Y)
{
    public bool HasSky => !double.IsNaN(Ra) && !double.IsNaN(Dec);
}

/// <summary>
/// One image of a band: its rows, its WCS (null for pictures and FITS without one),
/// and whether its rows are FITS rows stored bottom-up (so that a cutout is written
/// the same way round as the image).
/// </summary>
public sealed record BandImage(string Name, IRowSource Rows, CelestialWcs? Wcs, bool FitsRows);

/// <summary>The images of one band (several bricks may tile the sky) and the band's name (g, r, z, or R,G,B for one picture).</summary>
public sealed record Band(string Name, IReadOnlyList<BandImage> Images);

/// <summary>Where an object's cutout comes from in one band: the image and the window's corner, in that image's file rows.</summary>
public sealed record CutoutSource(BandImage Image, double X, double Y, int PixelX, int PixelY, bool Inside);

/// <summary>An object placed on the images: per band where its cutout comes from (null: no image holds it), and its flags.</summary>
public sealed record CutoutPlan(CatalogueObject Object, CutoutSource?[] Sources, IReadOnlyList<string> Flags)
{
    /// <summary>No band's image holds the object's centre.</summary>
    public bool Outside => Sources.All(s => s == null);
    public CutoutSource? Reference => Sources.FirstOrDefault(s => s != null);
}

/// <summary>
/// Cutouts of catalogue objects from survey images, one image (or several bricks) per
/// band. Positions: ra/dec through each image's WCS (FITS pixel p = x + 1), or x/y in
/// the images' own catalogue convention (FITS: 0-based, y = FITS row − 1; pictures: y
/// from the top). The window is centred on the nearest pixel. Parts of the window
/// outside the image are NaN and the object is flagged "edge"; an object no image
/// holds is left out and reported. Pixels are read a strip of rows at a time, so
/// memory is bounded by the strip, not the image.
/// </summary>
public static class Cutouts
{
    public static CutoutPlan Plan(CatalogueObject o, IReadOnlyList<Band> bands, int size)
    {
        var sources = new CutoutSource?[bands.Count];
        var flags = new List<string>();
        for (int b = 0; b < bands.Count; b++)
        {
            CutoutSource? best = null;
            foreach (var img in bands[b].Images)
            {
                double x, y;
                if (o.HasSky)
                {
                    if (img.Wcs == null) continue;
                    var (p1, p2) = img.Wcs.SkyToPixel(o.Ra, o.Dec);
                    (x, y) = (p1 - 1, p2 - 1);
                }
                else (x, y) = (o.X, o.Y);
                if (!double.IsFinite(x) || !double.IsFinite(y)) continue;
                int px = (int)Math.Floor(x + 0.5), py = (int)Math.Floor(y + 0.5);
                var r = img.Rows;
                if (px < 0 || py < 0 || px >= r.Width || py >= r.Height) continue;
                int x0 = px - size / 2, y0 = py - size / 2;
                bool inside = x0 >= 0 && y0 >= 0 && x0 + size <= r.Width && y0 + size <= r.Height;
                var s = new CutoutSource(img, x, y, px, py, inside);
                if (best == null || inside && !best.Inside) best = s;
                if (inside) break;
            }
            sources[b] = best;
        }
        if (sources.All(s => s == null)) return new CutoutPlan(o, sources, ["outside"]);
        if (sources.Any(s => s != null && !s.Inside)) flags.Add("edge");
        for (int b = 0; b < bands.Count; b++)
            if (sources[b] == null) flags.Add("no-" + bands[b].Name);
        return new CutoutPlan(o, sources, flags);
    }

    /// <summary>
    /// The cutout of a planned object: one plane per band (blank where a band has no
    /// image), top row first in memory as every image here, so that a FITS writer puts
    /// the source's first row first again. The header carries the reference band's WCS
    /// moved to the cutout's corner, and the object's id, position and flags.
    /// </summary>
    public static AstroImage Cut(CutoutPlan plan, IReadOnlyList<Band> bands, int size, Func<BandImage, RowStrip> strips)
    {
        int planes = bands.Sum(b => PlanesOf(b)), plane0 = 0;
        var cube = new AstroImage(size, size, planes);
        cube.Data.AsSpan().Fill(float.NaN);
        for (int b = 0; b < bands.Count; b++)
        {
            int n = PlanesOf(bands[b]);
            if (plan.Sources[b] is { } s)
            {
                var strip = strips(s.Image);
                int x0 = s.PixelX - size / 2, y0 = s.PixelY - size / 2, w = s.Image.Rows.Width;
                int ya = Math.Max(0, y0), yb = Math.Min(s.Image.Rows.Height, y0 + size), xa = Math.Max(0, x0), xb = Math.Min(w, x0 + size);
                for (int p = 0; p < n; p++)
                {
                    var rows = strip.Rows(p, ya, yb - ya);
                    for (int fy = ya; fy < yb; fy++)
                    {
                        // File row fy → memory row: FITS rows are stored bottom-up, pictures top-down.
                        int my = s.Image.FitsRows ? size - 1 - (fy - y0) : fy - y0;
                        rows.Slice((fy - ya) * w + xa, xb - xa).CopyTo(cube.Row(plane0 + p, my).Slice(xa - x0, xb - xa));
                    }
                }
            }
            plane0 += n;
        }
        var md = cube.Metadata;
        var reference = plan.Reference!;
        // FITS sources give physical floats; a picture's cutout keeps the picture's depth, so
        // that what reads it (the lens finder, mock-lens) knows it is an 8-bit picture.
        md.SourceFormat = reference.Image.Rows is InMemoryRows pic ? pic.Image.Metadata.SourceFormat : SampleFormat.Float32;
        md.Convention = reference.Image.FitsRows ? CoordinateConvention.Fits : CoordinateConvention.Image;
        md.FitsCards.AddRange(HeaderCards(plan, bands, size));
        return cube;
    }

    /// <summary>Planes a band contributes: a picture's colour channels, or one.</summary>
    public static int PlanesOf(Band band) => band.Images.Count > 0 ? band.Images[0].Rows.Planes : 1;

    /// <summary>The cutout's header: the reference image's cards with CRPIX moved to the window, then the object's.</summary>
    private static IEnumerable<FitsCard> HeaderCards(CutoutPlan plan, IReadOnlyList<Band> bands, int size)
    {
        var s = plan.Reference!;
        int x0 = s.PixelX - size / 2, y0 = s.PixelY - size / 2;
        string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        foreach (var c in s.Image.Rows.Cards)
        {
            if (c.Key is "CRPIX1" && double.TryParse(FitsCard.Unquote(c.Value ?? ""), NumberStyles.Float, CultureInfo.InvariantCulture, out double p1))
                yield return new FitsCard("CRPIX1", F(p1 - x0), "reference pixel, moved to the cutout");
            else if (c.Key is "CRPIX2" && double.TryParse(FitsCard.Unquote(c.Value ?? ""), NumberStyles.Float, CultureInfo.InvariantCulture, out double p2))
                yield return new FitsCard("CRPIX2", F(p2 - y0), "reference pixel, moved to the cutout");
            else if (c.Key is not ("ROWORDER" or "OBJECT" or "BANDS" or "CUTFLAGS") && !c.Key.StartsWith("CUT", StringComparison.Ordinal)) yield return c;
        }
        yield return new FitsCard("OBJECT", Quote(plan.Object.Id), "catalogue id");
        yield return new FitsCard("BANDS", Quote(string.Join(",", bands.SelectMany(b => PlanesOf(b) == 3 && b.Name.Contains(',') ? b.Name.Split(',') : [b.Name]))), "planes, in order");
        yield return new FitsCard("CUTX0", x0.ToString(CultureInfo.InvariantCulture), "source column of the first cutout column (0-based)");
        yield return new FitsCard("CUTY0", y0.ToString(CultureInfo.InvariantCulture), "source row of the first cutout row (0-based)");
        yield return new FitsCard("CUTSRC", Quote(s.Image.Name.Length > 60 ? s.Image.Name[^60..] : s.Image.Name), "reference image");
        if (plan.Flags.Count > 0) yield return new FitsCard("CUTFLAGS", Quote(string.Join(";", plan.Flags)), "edge: NaN padding");
    }

    private static string Quote(string s) => "'" + s.Replace("'", "''").PadRight(8) + "'";
}

/// <summary>
/// A window of consecutive rows of one image, kept while cutouts are taken in order of
/// their rows: rows already read are reused, new ones are read in one request, and
/// memory holds at most <see cref="Capacity"/> rows of every plane.
/// </summary>
public sealed class RowStrip(IRowSource source, int capacity)
{
    private readonly float[][] _rows = Enumerable.Range(0, source.Planes).Select(_ => new float[(long)capacity * source.Width]).ToArray();
    private readonly int[] _first = Enumerable.Repeat(0, source.Planes).ToArray(), _count = new int[source.Planes];
    public int Capacity { get; } = capacity;

    /// <summary>Rows [first, first + count) of a plane, reading only those not held.</summary>
    public ReadOnlySpan<float> Rows(int plane, int first, int count)
    {
        if (count > Capacity) throw new ArgumentOutOfRangeException(nameof(count), $"{count} rows asked of a strip of {Capacity}");
        int w = source.Width, have0 = _first[plane], have1 = have0 + _count[plane];
        var buf = _rows[plane];
        if (first >= have0 && first + count <= have1) return buf.AsSpan((first - have0) * w, count * w);
        if (first >= have0 && first < have1 && first + count - have0 <= Capacity)
        {
            // Extend the held rows downward: keep what overlaps, read the rest.
            source.Read(plane, have1, buf.AsSpan((have1 - have0) * w, (first + count - have1) * w));
            _count[plane] = first + count - have0;
            return buf.AsSpan((first - have0) * w, count * w);
        }
        if (first >= have0 && first < have1)
        {
            // Slide: drop the rows above the request, keep the overlap.
            int keep = have1 - first;
            buf.AsSpan((first - have0) * w, keep * w).CopyTo(buf);
            source.Read(plane, have1, buf.AsSpan(keep * w, (count - keep) * w));
        }
        else source.Read(plane, first, buf.AsSpan(0, count * w));
        _first[plane] = first; _count[plane] = count;
        return buf.AsSpan(0, count * w);
    }
}
