using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using StarPlugin.Cli.Hosting;
using StarPlugin.Imaging;
using StarPlugin.IO;
using StarPlugin.Lensing;
using static StarPlugin.Cli.Hosting.CsvTable;

namespace StarPlugin.Cli.Commands;

/// <summary>`starplugin mock-lens IN OUT` and `starplugin mock-lens batch`: mock strong lenses in real cutouts.</summary>
public static class MockLensCommand
{
    private sealed class LensOptions
    {
        public Option<double> ThetaE { get; } = new("--theta-e") { Description = "Einstein radius θE in pixels", DefaultValueFactory = _ => 8 };
        public Option<double> Q { get; } = new("--q") { Description = "Lens axis ratio (0,1]; 1 = SIS", DefaultValueFactory = _ => 0.8 };
        public Option<double> Pa { get; } = new("--pa") { Description = "Lens position angle, degrees" };
        public Option<string> Center { get; } = new("--center") { Description = "Lens centre X,Y in 0-based pixels of the file's convention (FITS: y = FITS row − 1; default: brightest galaxy near the centre)" };
        public Option<double> Shear { get; } = new("--shear") { Description = "External shear γ" };
        public Option<double> ShearAngle { get; } = new("--shear-angle") { Description = "Shear angle, degrees" };
        public Option<double> SourceRe { get; } = new("--source-re") { Description = "Source Sérsic effective radius, pixels", DefaultValueFactory = _ => 1.5 };
        public Option<double> SourceN { get; } = new("--source-n") { Description = "Source Sérsic index", DefaultValueFactory = _ => 1 };
        public Option<double> SourceQ { get; } = new("--source-q") { Description = "Source axis ratio", DefaultValueFactory = _ => 0.7 };
        public Option<double> SourcePa { get; } = new("--source-pa") { Description = "Source position angle, degrees" };
        public Option<string> SourceOffset { get; } = new("--source-offset") { Description = "Source offset from the lens axis DX,DY in pixels", DefaultValueFactory = _ => "1,0.5" };
        public Option<double> ArcSnr { get; } = new("--arc-snr") { Description = "Target arc S/N (0 = use --source-flux)", DefaultValueFactory = _ => 30 };
        public Option<double> SourceFlux { get; } = new("--source-flux") { Description = "Unlensed source flux in image units, when --arc-snr is 0", DefaultValueFactory = _ => 1 };
        public Option<string> Bands { get; } = new("--band-ratios") { Description = "Source brightness per band relative to the first, e.g. 1,0.8,0.5 for g,r,z" };
        public Option<double> Psf { get; } = new("--psf-fwhm") { Description = "PSF FWHM in pixels (default: measured from the image's stars)" };
        public Option<bool> Moffat { get; } = new("--moffat") { Description = "Moffat PSF instead of Gaussian" };
        public Option<ulong> Seed { get; } = new("--seed") { Description = "Noise seed", DefaultValueFactory = _ => 1UL };

        public void AddTo(Command c) { foreach (var o in new Option[] { ThetaE, Q, Pa, Center, Shear, ShearAngle, SourceRe, SourceN, SourceQ, SourcePa, SourceOffset, ArcSnr, SourceFlux, Bands, Psf, Moffat, Seed }) c.Add(o); }

        public MockLensOptions Read(ParseResult p)
        {
            double[] Pair(string? s, string name)
            {
                if (s == null) return [double.NaN, double.NaN];
                var parts = s.Split(',');
                if (parts.Length != 2 || !double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double a) || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double b))
                    throw new UsageException($"{name} expects X,Y");
                return [a, b];
            }
            var c = Pair(p.GetValue(Center), "--center");
            var off = Pair(p.GetValue(SourceOffset), "--source-offset");
            double[]? bands = p.GetValue(Bands)?.Split(',').Select(v => double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) ? d : throw new UsageException("--band-ratios expects numbers")).ToArray();
            const double Deg = Math.PI / 180;
            return new MockLensOptions
            {
                EinsteinRadius = p.GetValue(ThetaE), AxisRatio = p.GetValue(Q), PositionAngle = p.GetValue(Pa) * Deg,
                CenterX = c[0], CenterY = c[1], Shear = p.GetValue(Shear), ShearAngle = p.GetValue(ShearAngle) * Deg,
                SourceRadius = p.GetValue(SourceRe), SourceIndex = p.GetValue(SourceN), SourceAxisRatio = p.GetValue(SourceQ), SourceAngle = p.GetValue(SourcePa) * Deg,
                SourceOffsetX = off[0], SourceOffsetY = off[1], ArcSnr = p.GetValue(ArcSnr), SourceFlux = p.GetValue(SourceFlux),
                BandRatios = bands, PsfFwhm = p.GetValue(Psf), Moffat = p.GetValue(Moffat), Seed = p.GetValue(Seed),
            };
        }
    }

    public static Command Create(CliContext ctx)
    {
        var input = new Argument<string>("input") { Description = "Cutout: a g/r/z FITS cube, an RGB image or mono" };
        var output = new Argument<string>("output") { Description = "Output image; the record goes to OUTPUT.json" };
        var lens = new LensOptions();
        var json = CommonOptions.Json();
        var force = CommonOptions.Force();
        var cmd = new Command("mock-lens", "Inject a simulated strong-lens arc (SIE + shear lens, Sérsic source) into a real cutout") { input, output, json, force };
        lens.AddTo(cmd);
        cmd.Add(Batch(ctx));
        cmd.SetAction(p => CommandRunner.Run(ctx, () =>
        {
            string inPath = p.GetValue(input)!, outPath = p.GetValue(output)!;
            bool f = p.GetValue(force);
            var plan = new OutputPlan(f, [inPath]);
            plan.Add(outPath, image: true);
            plan.Add(outPath + ".json", image: false);
            var options = lens.Read(p);
            var img = ImageFile.Read(inPath);
            var (result, record) = Inject(img, options);
            SaturateLikeThePicture(result, outPath, ctx.Error);
            ImageFile.Write(outPath, result, new WriteOptions { Overwrite = f });
            string text = RecordJson(record, inPath, outPath, 1);
            AtomicFile.Write(outPath + ".json", s => s.Write(System.Text.Encoding.UTF8.GetBytes(text + "\n")), f);
            if (p.GetValue(json)) ctx.Output.WriteLine(text);
            else ctx.Output.WriteLine($"{outPath}: θE {record.EinsteinRadiusPx:F2} px at ({record.CenterX:F1}, {record.CenterY:F1}), magnification {record.Magnification:F2}, arc S/N {record.ArcSnr:F1}");
            return ExitCodes.Ok;
        }));
        return cmd;
    }

    /// <summary>
    /// Injects in the file's own pixel frame: for FITS the rows are put in file order
    /// first, so --center, the record's center_px and every angle (counter-clockwise
    /// from +x towards +y) are numpy/astropy coordinates; pictures keep y from the top.
    /// </summary>
    private static (Imaging.AstroImage, MockLensRecord) Inject(Imaging.AstroImage img, MockLensOptions o)
    {
        var frame = PixelFrame.Catalogue(img);
        try
        {
            var (mock, record) = MockLensInjector.Inject(frame.Arrange(img), o);
            return (frame.Arrange(mock), record);
        }
        catch (ArgumentException e) { throw new UsageException(e.Message); }
    }

    /// <summary>An integer picture's mock saturates as its camera would; said on stderr, never silent.</summary>
    private static void SaturateLikeThePicture(AstroImage mock, string outPath, TextWriter err)
    {
        if (ImageFile.FormatFromExtension(outPath) is not (ImageFormat.Png or ImageFormat.Jpeg or ImageFormat.Tiff)) return;
        bool eight = mock.Metadata.SourceFormat == SampleFormat.UInt8;
        long clipped = MockLensInjector.SaturateLikeThePicture(mock);
        if (clipped > 0) err.WriteLine($"starplugin: {Path.GetFileName(outPath)}: {clipped} samples of the mock saturate at the {(eight ? 8 : 16)}-bit picture's black or white (write .fits to keep them)");
    }

    private static Command Batch(CliContext ctx)
    {
        var cutouts = new Option<string>("--cutouts") { Description = "Real cutouts: a directory, or the manifest.csv that `starplugin cutouts` wrote (objects flagged at an edge are left out)", Required = true };
        var n = new Option<int>("--n") { Description = "Number of mock lenses", DefaultValueFactory = _ => 100 };
        var outDir = new Option<string>("--out") { Description = "Output directory (images, .json records, manifest)", Required = true };
        var shard = new Option<string>("--shard") { Description = "Process shard i of N (i/N), for cluster job arrays; writes manifest.shard{i}of{N}.csv" };
        var seed = new Option<int>("--seed") { Description = "Seed for the drawn lens parameters", DefaultValueFactory = _ => 1 };
        var cmd = new Command("batch", "Build a labelled training set: mocks (label 1) from random lens parameters, originals (label 0), and manifest.csv. A rerun skips the mocks already written") { cutouts, n, outDir, shard, seed };
        cmd.SetAction(p => CommandRunner.Run(ctx, () =>
        {
            string source = p.GetValue(cutouts)!, outPath = p.GetValue(outDir)!;
            var files = CutoutList(source);
            if (files.Count == 0) throw new InputException($"{source}: no cutouts");
            int count = p.GetValue(n);
            if (count < 1) throw new UsageException("--n must be ≥ 1");
            var spec = ShardSpec.Parse(p.GetValue(shard));
            Directory.CreateDirectory(outPath);
            var rows = new List<string>();
            var indices = Enumerable.Range(0, count).Where(spec.Holds).ToList();
            int reused = 0;
            ctx.WithProgress("mock lenses", cb =>
            {
                for (int k = 0; k < indices.Count; k++)
                {
                    int i = indices[k];
                    string src = files[i % files.Count];
                    string ext = Path.GetExtension(src);
                    string mockName = $"mock_{i:D6}{ext}", origName = $"orig_{i:D6}{ext}";
                    string mockPath = Path.Combine(outPath, mockName), recordPath = mockPath + ".json", origPath = Path.Combine(outPath, origName);
                    bool withOriginal = i < files.Count; // each original once, as a negative
                    MockLensRecordSummary summary;
                    if (File.Exists(mockPath) && File.Exists(recordPath) && (!withOriginal || File.Exists(origPath)) && ReadSummary(recordPath) is { } done)
                    {
                        summary = done; // written by an earlier run: outputs are atomic, so a file that exists is whole
                        reused++;
                    }
                    else
                    {
                        var rng = new Random(RandomExtensions.SubSeed(p.GetValue(seed), i));
                        var o = new MockLensOptions
                        {
                            EinsteinRadius = 4 + rng.NextDouble() * 12, AxisRatio = 0.5 + rng.NextDouble() * 0.5, PositionAngle = rng.NextDouble() * Math.PI,
                            Shear = rng.NextDouble() * 0.08, ShearAngle = rng.NextDouble() * Math.PI,
                            SourceRadius = 0.8 + rng.NextDouble() * 2.5, SourceIndex = 0.7 + rng.NextDouble() * 2, SourceAxisRatio = 0.4 + rng.NextDouble() * 0.6,
                            SourceAngle = rng.NextDouble() * Math.PI, SourceOffsetX = (rng.NextDouble() - 0.5) * 4, SourceOffsetY = (rng.NextDouble() - 0.5) * 4,
                            ArcSnr = 10 + rng.NextDouble() * 50, Seed = (ulong)(i + 1),
                        };
                        var img = ImageFile.Read(src);
                        // Blue arcs, bright in g: first in a g/r/z cube, last in an R, G, B picture.
                        if (o.BandRatios == null && img.ColorChannels == 3)
                            o = o with { BandRatios = InputFiles.OrderOf(src, img) == Lensing.Finder.BandOrder.BlueFirst ? [1.0, 0.85, 0.6] : [0.6, 0.85, 1.0] };
                        var (mock, record) = Inject(img, o);
                        SaturateLikeThePicture(mock, mockName, ctx.Error);
                        var wo = new WriteOptions { Overwrite = true };
                        ImageFile.Write(mockPath, mock, wo);
                        AtomicFile.Write(recordPath, st => st.Write(System.Text.Encoding.UTF8.GetBytes(RecordJson(record, src, mockName, 1) + "\n")), overwrite: true);
                        if (withOriginal) ImageFile.Write(origPath, img, wo);
                        summary = new MockLensRecordSummary(record.EinsteinRadiusPx, record.Magnification, record.ArcSnr);
                    }
                    if (withOriginal) rows.Add($"orig_{i:D6},{origName},0,{Path.GetFileName(src)},,,");
                    rows.Add(string.Create(CultureInfo.InvariantCulture, $"mock_{i:D6},{mockName},1,{Path.GetFileName(src)},{summary.EinsteinRadiusPx:F3},{summary.Magnification:F3},{summary.ArcSnr:F2}"));
                    if (!cb((k + 1.0) / indices.Count, mockName)) throw new OperationCanceledException();
                }
                return 0;
            });
            string manifest = spec.PartName(Path.Combine(outPath, "manifest.csv"));
            // Sorted by file, as `starplugin merge` sorts the shards of a job array: one order either way.
            Write(manifest, ManifestHeader, rows.OrderBy(r => r.Split(',')[1], StringComparer.Ordinal), overwrite: true);
            ctx.Output.WriteLine($"{indices.Count} mocks and {rows.Count - indices.Count} originals in {outPath}{(reused > 0 ? $" ({reused} mocks from an earlier run)" : "")}; manifest {manifest}");
            return ExitCodes.Ok;
        }));
        return cmd;
    }

    public const string ManifestHeader = "id,file,label,cutout,einstein_radius_px,magnification,arc_snr";

    private sealed record MockLensRecordSummary(double EinsteinRadiusPx, double Magnification, double ArcSnr);

    private static MockLensRecordSummary? ReadSummary(string recordPath)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(recordPath));
            var r = doc.RootElement;
            return new MockLensRecordSummary(r.GetProperty("einstein_radius_px").GetDouble(), r.GetProperty("magnification").GetDouble(), r.GetProperty("arc_snr").GetDouble());
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or IOException) { return null; }
    }

    /// <summary>
    /// The cutouts to put mocks in: a directory's images (one file per object, FITS
    /// preferred), or the files of a `cutouts` manifest, less the objects flagged at an
    /// edge (their NaN padding has no sky to hold an arc).
    /// </summary>
    internal static List<string> CutoutList(string source)
    {
        if (Directory.Exists(source)) return InputFiles.Expand([source]);
        if (!File.Exists(source)) throw new DirectoryNotFoundException($"{source}: no such directory or manifest");
        var (header, rows) = Read(source);
        int file = Column(source, header, "file"), flags = Array.IndexOf(header, "flags");
        string dir = Path.GetDirectoryName(Path.GetFullPath(source)) ?? ".";
        return rows.Where(r => file < r.Length && r[file].Length > 0 && (flags < 0 || flags >= r.Length || r[flags].Length == 0))
            .Select(r => Path.Combine(dir, r[file])).ToList();
    }

    public static string RecordJson(MockLensRecord r, string input, string output, int label) => JsonOut.Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("input", input); w.WriteString("output", output); w.WriteNumber("label", label);
        w.WriteNumber("einstein_radius_px", r.EinsteinRadiusPx);
        w.WriteStartArray("center_px"); w.WriteNumberValue(r.CenterX); w.WriteNumberValue(r.CenterY); w.WriteEndArray();
        w.WriteNumber("axis_ratio", r.AxisRatio); w.WriteNumber("position_angle_deg", r.PositionAngle * 180 / Math.PI);
        w.WriteNumber("shear", r.Shear); w.WriteNumber("shear_angle_deg", r.ShearAngle * 180 / Math.PI);
        w.WriteStartObject("source");
        w.WriteNumber("effective_radius_px", r.SourceRadius); w.WriteNumber("sersic_index", r.SourceIndex);
        w.WriteNumber("axis_ratio", r.SourceAxisRatio); w.WriteNumber("position_angle_deg", r.SourceAngle * 180 / Math.PI);
        w.WriteStartArray("offset_px"); w.WriteNumberValue(r.SourceOffsetX); w.WriteNumberValue(r.SourceOffsetY); w.WriteEndArray();
        w.WriteNumber("flux", r.SourceFlux);
        w.WriteEndObject();
        w.WriteNumber("magnification", r.Magnification); w.WriteNumber("arc_snr", r.ArcSnr);
        w.WriteStartArray("psf_fwhm_px"); foreach (var f in r.PsfFwhm) w.WriteNumberValue(f); w.WriteEndArray();
        w.WriteStartArray("background_sigma"); foreach (var f in r.BackgroundSigma) w.WriteNumberValue(f); w.WriteEndArray();
        w.WriteNumber("seed", r.Seed);
        w.WriteEndObject();
    });
}
