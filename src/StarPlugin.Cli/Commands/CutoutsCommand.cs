using System.CommandLine;
using System.Globalization;
using StarPlugin.Astrometry;
using StarPlugin.Cli.Hosting;
using StarPlugin.Imaging;
using StarPlugin.IO;
using StarPlugin.IO.Fits;
using StarPlugin.Lensing.Display;
using StarPlugin.Lensing.Survey;

namespace StarPlugin.Cli.Commands;

/// <summary>`starplugin cutouts CATALOG.csv --image IMG... --size N --out DIR`: cutouts of catalogue objects from survey images.</summary>
public static class CutoutsCommand
{
    /// <summary>label -1: an image for the public to search, so the manifest is a labels file `lensfinder import` takes as it is.</summary>
    public const string ManifestHeader = "id,file,label,png,row,ra,dec,x,y,pixel_x,pixel_y,bands,flags";
    public const string OutsideHeader = "id,row,ra,dec,x,y";

    public static Command Create(CliContext ctx)
    {
        var catalogue = new Argument<string>("catalog") { Description = "CSV with id,ra,dec (degrees) or id,x,y (pixels in the images' convention: FITS 0-based, y = FITS row − 1)" };
        var images = new Option<string[]>("--image") { Description = "An image per band: FITS (.fits, .fits.fz) or a colour picture; BAND=FILE names the band, else the BAND/FILTER card does. Several bricks of one band may be given", Required = true, AllowMultipleArgumentsPerToken = true };
        var size = new Option<int>("--size") { Description = "Cutout side in pixels", DefaultValueFactory = _ => 101 };
        var outDir = new Option<string>("--out") { Description = "Output directory: ID.fits (cube, one plane per band), ID.png (colour), manifest.csv, outside.csv", Required = true };
        var shard = new Option<string>("--shard") { Description = "Cut shard i of N (i/N) of the catalogue, for job arrays; writes manifest.shard{i}of{N}.csv" };
        var noPng = new Option<bool>("--no-png") { Description = "Skip the colour PNGs" };
        var force = CommonOptions.Force();
        var json = CommonOptions.Json();
        var cmd = new Command("cutouts", "Cutouts of catalogue objects from survey images (FITS cube + colour PNG per object, and a manifest); objects at an edge are NaN-padded and flagged, objects outside every image listed. A rerun skips cutouts already written")
            { catalogue, images, size, outDir, shard, noPng, force, json };
        cmd.SetAction(p => CommandRunner.Run(ctx, () =>
        {
            int s = p.GetValue(size);
            if (s < 8 || s > 2048) throw new UsageException("--size must be 8..2048");
            var spec = ShardSpec.Parse(p.GetValue(shard));
            string dir = p.GetValue(outDir)!, catPath = p.GetValue(catalogue)!;
            bool f = p.GetValue(force), png = !p.GetValue(noPng);
            var objects = ReadCatalogue(catPath);
            var bands = OpenBands(p.GetValue(images)!);
            try
            {
                if (objects.Any(o => o.HasSky))
                    foreach (var img in bands.SelectMany(b => b.Images).Where(i => i.Wcs == null))
                        throw new InputException($"{img.Name}: no celestial WCS in its header, so ra,dec cannot be placed on it (give the catalogue as id,x,y)");
                // The output folder is made here, as mock-lens batch makes its own: array tasks share it.
                if (File.Exists(dir)) throw new UsageException($"{dir}: is a file, not a folder");
                Directory.CreateDirectory(dir);
                foreach (var img in bands.SelectMany(b => b.Images)) OutputGuard.Check(Path.Combine(dir, "manifest.csv"), true, img.Name);
                var mine = spec.Take(objects);
                var plans = mine.Select(o => Cutouts.Plan(o, bands, s)).ToList();
                string bandList = string.Join(",", bands.Select(b => b.Name));
                var made = Make(ctx, plans.Where(pl => !pl.Outside).ToList(), bands, s, dir, png, f);
                var manifestRows = plans.Where(pl => !pl.Outside).Select(pl => ManifestRow(pl, bandList, png)).ToList();
                var outsideRows = plans.Where(pl => pl.Outside).Select(pl => string.Join(",", pl.Object.Id, pl.Object.Row, N(pl.Object.Ra), N(pl.Object.Dec), N(pl.Object.X), N(pl.Object.Y))).ToList();
                string manifest = spec.PartName(Path.Combine(dir, "manifest.csv")), outside = spec.PartName(Path.Combine(dir, "outside.csv"));
                CsvTable.Write(manifest, ManifestHeader, manifestRows, overwrite: true);
                CsvTable.Write(outside, OutsideHeader, outsideRows, overwrite: true);
                int edge = plans.Count(pl => pl.Flags.Contains("edge"));
                if (p.GetValue(json))
                    ctx.Output.WriteLine(JsonOut.Write(w =>
                    {
                        w.WriteStartObject(); w.WriteNumber("objects", plans.Count); w.WriteNumber("cut", made.Cut); w.WriteNumber("reused", made.Reused);
                        w.WriteNumber("edge", edge); w.WriteNumber("outside", outsideRows.Count); w.WriteNumber("bytes_read", bands.SelectMany(b => b.Images).Sum(i => i.Rows.BytesRead));
                        w.WriteString("manifest", manifest); w.WriteEndObject();
                    }));
                else
                    ctx.Error.WriteLine($"starplugin: {made.Cut} cutouts written, {made.Reused} already there, {edge} at an edge (NaN-padded), {outsideRows.Count} outside every image ({outside}); manifest {manifest}");
                return ExitCodes.Ok;
            }
            finally { foreach (var img in bands.SelectMany(b => b.Images)) img.Rows.Dispose(); }
        }));
        return cmd;
    }

    private static string N(double v) => double.IsNaN(v) ? "" : v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>The catalogue: id plus ra,dec or x,y per row; ids must make safe, distinct file names.</summary>
    internal static List<CatalogueObject> ReadCatalogue(string path)
    {
        var (header, rows) = CsvTable.Read(path);
        int id = CsvTable.Column(path, header, "id", "name", "objid");
        bool sky = header.Contains("ra") && header.Contains("dec");
        int a = sky ? CsvTable.Column(path, header, "ra") : CsvTable.Column(path, header, "x"), b = sky ? CsvTable.Column(path, header, "dec") : CsvTable.Column(path, header, "y");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var list = new List<CatalogueObject>(rows.Count);
        for (int i = 0; i < rows.Count; i++)
        {
            var r = rows[i];
            string name = id < r.Length ? r[id] : "";
            if (name.Length == 0 || name.Length > 200 || name is "." or ".." || name.Any(c => c is '/' or '\\' or ':' || char.IsControl(c) || c == ','))
                throw new InputException($"{path}: line {i + 2}: id '{name}' cannot name a file (no empty ids, slashes, colons or commas)");
            if (!seen.Add(name)) throw new InputException($"{path}: line {i + 2}: id '{name}' appears twice");
            double u = CsvTable.Number(path, r, a, i), v = CsvTable.Number(path, r, b, i);
            if (sky && (u < -360 || u > 720 || v < -90 || v > 90)) throw new InputException($"{path}: line {i + 2}: ra,dec {u},{v} are not sky coordinates in degrees");
            list.Add(sky ? new CatalogueObject(i, name, u, v, double.NaN, double.NaN) : new CatalogueObject(i, name, double.NaN, double.NaN, u, v));
        }
        return list;
    }

    /// <summary>Opens every --image (headers only for FITS), names its band and groups the bricks of each band, blue to red.</summary>
    internal static List<Band> OpenBands(string[] specs)
    {
        var opened = new List<(string Band, BandImage Image)>();
        try
        {
            for (int k = 0; k < specs.Length; k++)
            {
                string spec = specs[k], path = spec, band = "";
                int eq = spec.IndexOf('=');
                if (eq > 0 && !File.Exists(spec)) { band = spec[..eq]; path = spec[(eq + 1)..]; }
                if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such file", path);
                bool fits = IsFits(path);
                IRowSource rows;
                try { rows = fits ? FitsRowSource.Open(path) : new InMemoryRows(ImageFile.Read(path).WithoutAlpha()); }
                catch (ImageFormatException e) { throw new ImageFormatException($"{path}: {e.Message}", e); }
                opened.Add((band, null!));
                CelestialWcs? wcs = null;
                try { wcs = fits ? CelestialWcs.FromCards(rows.Cards) : null; }
                catch (WcsException e) { rows.Dispose(); throw new InputException($"{path}: {e.Message}"); }
                if (band.Length == 0) band = BandName(rows, fits, k);
                opened[^1] = (band, new BandImage(path, rows, wcs, fits && FitsRowsFromBottom(rows)));
            }
        }
        catch
        {
            foreach (var (_, img) in opened) img?.Rows.Dispose();
            throw;
        }
        var bands = opened.GroupBy(o => o.Band, StringComparer.Ordinal).Select(g => new Band(g.Key, g.Select(o => o.Image).ToList())).ToList();
        foreach (var b in bands)
            if (b.Images.Select(i => i.Rows.Planes).Distinct().Count() > 1) throw new InputException($"band {b.Name}: its images have different numbers of planes");
        // Blue to red when every band is a known filter (g, r, z...), else as given.
        if (bands.All(b => b.Name.Length == 1 && "ugrizy".Contains(b.Name, StringComparison.Ordinal)))
            bands = bands.OrderBy(b => InputFiles.Wavelength(b.Name)).ToList();
        int planes = bands.Sum(Cutouts.PlanesOf);
        if (planes is not (1 or 3)) throw new UsageException($"the images give {planes} planes ({string.Join(", ", bands.Select(b => b.Name))}): cutouts are one band or three (g, r, z, or one colour picture)");
        return bands;
    }

    private static bool IsFits(string path)
    {
        Span<byte> head = stackalloc byte[30];
        RegularFile.Require(path);
        using var fs = File.OpenRead(path);
        int n = fs.Read(head);
        return FitsCodec.Sniff(head[..n]);
    }

    private static bool FitsRowsFromBottom(IRowSource rows) =>
        !rows.Cards.Any(c => c.Key == "ROWORDER" && string.Equals(FitsCard.Unquote(c.Value ?? ""), "TOP-DOWN", StringComparison.OrdinalIgnoreCase));

    /// <summary>BAND or FILTER card (Legacy Survey bricks say BAND = 'g'); a picture's colours; else its place in the list.</summary>
    private static string BandName(IRowSource rows, bool fits, int index)
    {
        if (!fits) return rows.Planes == 3 ? "R,G,B" : "L";
        foreach (var key in new[] { "BAND", "FILTER" })
            if (rows.Cards.FirstOrDefault(c => c.Key == key) is { Value: { } v })
            {
                string name = FitsCard.Unquote(v).Trim();
                // "g", "g DECam SDSS c0001 4720.0 1520.0" → g
                string first = name.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "";
                if (first.Length > 0) return first.Length == 1 ? first.ToLowerInvariant() : first;
            }
        return rows.Planes == 3 ? "cube" : $"band{index + 1}";
    }

    private static string ManifestRow(CutoutPlan pl, string bands, bool png)
    {
        var o = pl.Object; var r = pl.Reference!;
        double ra = o.Ra, dec = o.Dec;
        if (!o.HasSky && r.Image.Wcs != null) (ra, dec) = r.Image.Wcs.PixelToSky(r.X + 1, r.Y + 1);
        return string.Join(",", o.Id, o.Id + ".fits", -1, png ? o.Id + ".png" : "", o.Row, N(ra), N(dec),
            r.X.ToString("F3", CultureInfo.InvariantCulture), r.Y.ToString("F3", CultureInfo.InvariantCulture), r.PixelX, r.PixelY, bands.Replace(',', ';'), string.Join(";", pl.Flags));
    }

    /// <summary>Cuts (in order of rows, through one strip per image) and writes each object's cube and PNG; existing outputs are kept unless forced.</summary>
    private static (int Cut, int Reused) Make(CliContext ctx, List<CutoutPlan> plans, List<Band> bands, int size, string dir, bool png, bool force)
    {
        bool Done(CutoutPlan pl) => File.Exists(Path.Combine(dir, pl.Object.Id + ".fits")) && (!png || File.Exists(Path.Combine(dir, pl.Object.Id + ".png")));
        var todo = plans.Where(pl => force || !Done(pl)).OrderBy(pl => pl.Reference!.Image.Name, StringComparer.Ordinal).ThenBy(pl => pl.Reference!.PixelY).ToList();
        var strips = new Dictionary<BandImage, RowStrip>(ReferenceEqualityComparer.Instance);
        RowStrip StripOf(BandImage img) => strips.TryGetValue(img, out var st) ? st : strips[img] = new RowStrip(img.Rows, 2 * size);
        const int Chunk = 32;
        ctx.WithProgress($"{todo.Count} cutouts", cb =>
        {
            for (int start = 0; start < todo.Count; start += Chunk)
            {
                var chunk = todo.Skip(start).Take(Chunk).ToList();
                var cubes = chunk.Select(pl => Cutouts.Cut(pl, bands, size, StripOf)).ToList(); // reading stays sequential
                Parallel.For(0, chunk.Count, new ParallelOptions { CancellationToken = ctx.Cancellation }, i =>
                {
                    string id = chunk[i].Object.Id;
                    // A picture's 8-bit cutout is stored as 8-bit FITS, unless it holds NaN padding (only floats can).
                    var depth = cubes[i].Metadata.SourceFormat != SampleFormat.Float32 && cubes[i].Data.Any(float.IsNaN) ? SampleFormat.Float32 : SampleFormat.Unknown;
                    ImageFile.Write(Path.Combine(dir, id + ".fits"), cubes[i], new WriteOptions { Overwrite = true, Depth = depth });
                    if (png) ImageFile.Write(Path.Combine(dir, id + ".png"), Colour(cubes[i], bands), new WriteOptions { Overwrite = true });
                });
                if (!cb((start + chunk.Count) / (double)todo.Count, "")) throw new OperationCanceledException();
            }
            return 0;
        });
        return (todo.Count, plans.Count - todo.Count);
    }

    /// <summary>The PNG beside a cube: Lupton asinh colour of g, r, z (grey for one band); a picture's own colours for a picture.</summary>
    internal static AstroImage Colour(AstroImage cube, List<Band> bands)
    {
        int n = cube.PlaneLength;
        if (bands.Count == 1 && bands[0].Name == "R,G,B")
        {
            var rgb = new AstroImage(cube.Width, cube.Height, 3, new ImageMetadata { SourceFormat = SampleFormat.UInt8 });
            for (int i = 0; i < cube.Data.Length; i++) rgb.Data[i] = float.IsFinite(cube.Data[i]) ? Math.Clamp(cube.Data[i], 0f, 1f) : 0f;
            return rgb;
        }
        var planes = cube.ColorChannels == 3
            ? new[] { cube.Plane(0).ToArray(), cube.Plane(1).ToArray(), cube.Plane(2).ToArray() }
            : Enumerable.Repeat(cube.Plane(0).ToArray(), 3).ToArray();
        return Lupton(planes, cube.Width, cube.Height);
    }

    /// <summary>The platform's Lupton et al. (2004) composite (the Legacy Survey viewer's look, scaled by each band's noise) as an 8-bit RGB image.</summary>
    internal static AstroImage Lupton(float[][] blueToRed, int width, int height)
    {
        var rgb = LuptonComposite.Compose(blueToRed[0], blueToRed[1], blueToRed[2], width, height);
        return new AstroImage(width, height, 3, rgb, new ImageMetadata { SourceFormat = SampleFormat.UInt8 });
    }
}
