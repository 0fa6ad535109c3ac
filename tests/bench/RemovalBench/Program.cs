using System.Diagnostics;
using System.Globalization;
using StarPlugin.Bench;
using StarPlugin.Detection;
using StarPlugin.Imaging;
using StarPlugin.Inference;
using StarPlugin.IO;
using StarPlugin.Removal;
using StarPlugin.Stretching;
using StarPlugin.Synthesis;

// Usage:
//   RemovalBench throughput ours|peer WIDTH HEIGHT MODEL IMAGE   → one JSON line (Mpx/s, seconds, peak RSS)
//   RemovalBench quality OURS.onnx PEER.onnx REAL_DIR OUT_DIR     → markdown table + before/after PNGs
//   RemovalBench heldout MODEL N OUT.md                            → held-out PSNR/SSIM table
//   RemovalBench residuals MODEL CASE [OUT_DIR]                    → residual-star diagnostic (below)
//   RemovalBench galaxies OURS.onnx PEER.onnx IMAGE OUT_DIR         → galaxy light kept on a deep field
//   RemovalBench cleanup-diagnostics MODEL N OUT.csv               → the cleanup's candidates with their truth
//   RemovalBench census MODEL field:SEED[:A-B]|IMAGE OUT.csv        → the census of one frame, with the network's error at each source
//   RemovalBench galaxy-field OUT_DIR|- IMAGE...                    → what keep-galaxies auto judges each frame by (no network)
//   RemovalBench stages MODEL ROUNDS IMAGE...                       → milliseconds per pipeline stage (default options), median of the rounds
//   RemovalBench peer-run | detect-csv | synthetic ...              → the real-image bench's C# side (RealDev.cs, real_dev_bench.sh)
//   RemovalBench synthetic OURS PEER|- CACHE_DIR OUT.json [PICTURES_DIR] → also the fields and results as PNGs
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
// The ONNX Runtime build to run: BENCH_ORT_DIR (ort_bench.sh compares two), else the one beside the bench.
if (Environment.GetEnvironmentVariable("BENCH_ORT_DIR") is { Length: > 0 } ortDir) OrtLibrary.SearchDirectories.Add(ortDir);
OrtLibrary.SearchDirectories.Add(AppContext.BaseDirectory);
return args[0] switch
{
    "throughput" => Throughput(args[1], int.Parse(args[2]), int.Parse(args[3]), args[4], args[5]),
    "quality" => Quality(args[1], args[2], args[3], args[4], args.Length > 5 ? args[5] : null),
    "heldout" => HeldOut(args[1], int.Parse(args[2]), args[3]),
    "residuals" => Residuals(args[1], args[2], args.Length > 3 ? args[3] : null),
    "galaxies" => Galaxies(args[1], args[2], args[3], args[4]),
    "cleanup-diagnostics" => CleanupDiagnostics.Run(args[1], int.Parse(args[2]), args[3]),
    "peer-run" => RealDev.PeerRun(args[1], args[2], args[3]),
    "detect-csv" => RealDev.DetectCsv(args[1], args.Skip(2)),
    "synthetic" => RealDev.Synthetic(args[1], args[2], args[3], args[4], (seed, min, max) => SyntheticField(seed, min, max), args.Length > 5 ? args[5] : null),
    "census" => CleanupDiagnostics.Census(args[1], args[2].StartsWith("field:", StringComparison.Ordinal) ? FieldCase(args[2][6..]) : (ImageFile.Read(args[2]), null), args[3]),
    "galaxy-field" => GalaxyFieldDiagnostics.Run(args[1], args.Skip(2)),
    "stages" => Stages(args[1], int.Parse(args[2], CultureInfo.InvariantCulture), args[3..]),
    _ => 1,
};

// Where a default run's time goes: the progress callback names each stage as it starts,
// so the time between two names is the earlier stage's. One warm-up run per picture,
// then ROUNDS runs; the median per stage, wall and the process' CPU time (CPU ÷ wall
// below the core count: cores left idle in that stage). In process: start-up and codecs not included.
static int Stages(string model, int rounds, string[] pictures)
{
    using var remover = new StarRemover(model, new StarPlugin.Inference.SessionOptions { Device = ExecutionDevice.Cpu });
    foreach (var path in pictures)
    {
        var image = ImageFile.Read(path);
        var perStage = new Dictionary<string, List<(double Wall, double Cpu)>>();
        var process = Process.GetCurrentProcess();
        double CpuMs() { process.Refresh(); return process.TotalProcessorTime.TotalMilliseconds; }
        void Add(string stage, double wall, double cpu) => (perStage.TryGetValue(stage, out var l) ? l : perStage[stage] = []).Add((wall, cpu));
        for (int round = 0; round <= rounds; round++)
        {
            var clock = Stopwatch.StartNew();
            double cpu0 = CpuMs();
            var marks = new List<(string Stage, double Ms, double Cpu)>();
            remover.Remove(image, new RemovalOptions(), (_, stage) =>
            {
                if (marks.Count == 0 || marks[^1].Stage != stage) marks.Add((stage, clock.Elapsed.TotalMilliseconds, CpuMs() - cpu0));
                return true;
            });
            marks.Add(("total", clock.Elapsed.TotalMilliseconds, CpuMs() - cpu0));
            if (round == 0) continue;
            for (int k = 0; k + 1 < marks.Count; k++) Add(marks[k].Stage, marks[k + 1].Ms - marks[k].Ms, marks[k + 1].Cpu - marks[k].Cpu);
            Add("total", marks[^1].Ms, marks[^1].Cpu);
        }
        static double Median(IEnumerable<double> v) { var s = v.Order().ToList(); return s[s.Count / 2]; }
        Console.WriteLine($"{Path.GetFileName(path)} ({image.Width}×{image.Height}), wall / CPU: " +
            string.Join(", ", perStage.Select(kv => FormattableString.Invariant($"{kv.Key} {Median(kv.Value.Select(v => v.Wall)):F0} / {Median(kv.Value.Select(v => v.Cpu)):F0} ms"))));
    }
    return 0;
}

// Where residual stars come from (a diagnostic, not part of the published tables):
//   RemovalBench residuals MODEL field:SEED[:FWHMMIN-FWHMMAX]|real:IMAGE|heldout:N [OUT_DIR]
// For one image: residual rate and off-star change of the true starless image (if known),
// of the network alone, with the cleanup stage and with keep-galaxies too; the network's residuals by the star's
// S/N before removal; the stars still detected after the cleanup. heldout:N sums the S/N
// breakdown over N held-out training pairs. OUT_DIR gets 384² crops of each result and
// the whole frames as float FITS (truth.fits too for fields), for error maps.
static int Residuals(string model, string what, string? outDir)
{
    using var remover = new StarRemover(model, new StarPlugin.Inference.SessionOptions { Device = ExecutionDevice.Cpu });
    AstroImage Run(AstroImage img, bool cleanup, GalaxyMode galaxies = GalaxyMode.Auto) =>
        remover.Remove(img, new RemovalOptions { Stretch = StretchMode.Never, Cleanup = cleanup, KeepGalaxies = galaxies }).Starless;
    static bool Near(DetectedStar a, DetectedStar b) => (a.X - b.X) * (a.X - b.X) + (a.Y - b.Y) * (a.Y - b.Y) <= 4;
    var bins = new[] { (10.0, 20.0), (20, 40), (40, 100), (100, 1000), (1000, double.MaxValue) };
    var counts = new int[bins.Length, 2];
    void Tally(IEnumerable<DetectedStar> confident, IReadOnlyList<DetectedStar> after)
    {
        foreach (var st in confident)
            for (int k = 0; k < bins.Length; k++)
                if (st.Snr >= bins[k].Item1 && st.Snr < bins[k].Item2) { counts[k, 0]++; if (after.Any(a => Near(a, st))) counts[k, 1]++; }
    }
    void PrintBins()
    {
        for (int k = 0; k < bins.Length; k++)
            Console.WriteLine($"network residuals, S/N {bins[k].Item1,5}–{(bins[k].Item2 == double.MaxValue ? "" : bins[k].Item2),-5}: {counts[k, 1],4} of {counts[k, 0],4}");
    }
    var (kind, arg) = (what.Split(':')[0], what[(what.IndexOf(':') + 1)..]);
    if (kind == "heldout")
    {
        for (int i = 0; i < int.Parse(arg); i++)
        {
            var pair = TrainingPairSynthesizer.Render(256, 900_000_000 + i);
            Tally(QualityMetrics.Confident(QualityMetrics.Detect(pair.Input)), QualityMetrics.Detect(Run(pair.Input, false, GalaxyMode.Never)));
        }
        PrintBins();
        return 0;
    }
    var (image, truth) = kind == "field" ? FieldCase(arg) : (ImageFile.Read(arg).Crop(1000, 1000, 1024, 1024), null);
    var before = QualityMetrics.Detect(image);
    var network = Run(image, false, GalaxyMode.Never);
    var cleaned = Run(image, true);
    var galaxies = Run(image, true, GalaxyMode.Always);
    var rows = new List<(string, AstroImage)> { ("network", network), ("+cleanup", cleaned), ("+galaxies", galaxies) };
    if (truth != null) rows.Insert(0, ("truth", truth));
    foreach (var (label, starless) in rows)
    {
        var (abs, signed) = QualityMetrics.OffStarChange(image, starless, before);
        string psnr = truth == null ? "" : $" PSNR {QualityMetrics.Psnr(starless, truth):F2}";
        Console.WriteLine($"{label,-10} residual {QualityMetrics.ResidualStars(image, starless, before):P1} off-star {abs:F2}% signed {signed:+0.00;-0.00}%{psnr}");
    }
    var confident = QualityMetrics.Confident(before);
    Tally(confident, QualityMetrics.Detect(network));
    PrintBins();
    var afterCleanup = QualityMetrics.Detect(cleaned);
    foreach (var st in confident.Where(st => afterCleanup.Any(a => Near(a, st))))
    {
        var a = afterCleanup.First(a => Near(a, st));
        Console.WriteLine($"  left after cleanup: ({st.X:F0},{st.Y:F0}) S/N {st.Snr:F0} FWHM {st.Fwhm:F1} coef {st.Coefficient:F2}{(st.Saturated ? " saturated" : "")} → S/N {a.Snr:F1} FWHM {a.Fwhm:F1} coef {a.Coefficient:F2}");
    }
    if (outDir != null)
    {
        Directory.CreateDirectory(outDir);
        // Crops to look at, and whole frames for error maps (float FITS), truth included when known.
        if (truth != null) ImageFile.Write(Path.Combine(outDir, "truth.fits"), truth, new WriteOptions { Overwrite = true, Depth = SampleFormat.Float32 });
        foreach (var (name, im) in new[] { ("input", image), ("network", network), ("cleanup", cleaned), ("galaxies", galaxies) })
        {
            ImageFile.Write(Path.Combine(outDir, $"residuals_{name}.png"), im.Crop(0, 0, 384, 384), new WriteOptions { Overwrite = true, Depth = SampleFormat.UInt8 });
            ImageFile.Write(Path.Combine(outDir, $"{name}.fits"), im, new WriteOptions { Overwrite = true, Depth = SampleFormat.Float32 });
        }
    }
    return 0;
}

// field:SEED is the benchmark field (star FWHM 2–5 px at random, side by side);
// field:SEED:A-B draws the FWHM from A..B instead (A = B: one PSF, as in real optics).
static (AstroImage Image, AstroImage Truth) FieldCase(string arg)
{
    var parts = arg.Split(':');
    if (parts.Length == 1) return SyntheticField(int.Parse(parts[0]));
    var range = parts[1].Split('-').Select(float.Parse).ToArray();
    return SyntheticField(int.Parse(parts[0]), range[0], range[1]);
}

// The synthetic benchmark field: 1024² RGB, 1500 stars on nebulosity, stretched to the
// display domain users hand to these tools and quantised to 8 bits; with its true starless image.
static (AstroImage Image, AstroImage Truth) SyntheticField(int seed, float fwhmMin = 2f, float fwhmMax = 5f)
{
    var f = StarFieldSynthesizer.Render(new StarFieldOptions { Width = 1024, Height = 1024, Channels = 3, StarCount = 1500, Seed = seed, FwhmMin = fwhmMin, FwhmMax = fwhmMax, Background = new NebulaBackground { NebulaAmplitude = 2000 } });
    var stretch = MtfStretch.Auto(f.Image.Luminance(), 1f, 0.2f);
    AstroImage Display(AstroImage a)
    {
        var d = a.Clone();
        for (int i = 0; i < d.Data.Length; i++) d.Data[i] = MathF.Round(Math.Clamp(stretch.Apply(d.Data[i]), 0f, 1f) * 255f) / 255f;
        return d;
    }
    return (Display(f.Image), Display(f.Starless));
}

static AstroImage Mirrored(AstroImage src, int w, int h)
{
    // Tiles the real image by mirroring up to the requested size (a 24 MP frame from a 9 MP photo).
    var img = new AstroImage(w, h, 3);
    for (int c = 0; c < 3; c++)
        for (int y = 0; y < h; y++)
        {
            int sy = (y / src.Height) % 2 == 0 ? y % src.Height : src.Height - 1 - y % src.Height;
            for (int x = 0; x < w; x++)
            {
                int sx = (x / src.Width) % 2 == 0 ? x % src.Width : src.Width - 1 - x % src.Width;
                img[c, y, x] = src[Math.Min(c, src.Channels - 1), sy, sx];
            }
        }
    return img;
}

static double PeakRssMb()
{
    foreach (var line in File.ReadLines("/proc/self/status"))
        if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024;
    return double.NaN;
}

// Median of BENCH_REPEAT runs (default 3) with one loaded session, after one untimed
// warm-up run (JIT, ONNX Runtime's first-run allocations): this 2-core VM's timings vary
// by ±10% from run to run, for us and for the peer alike. A full GC before each run
// keeps one run's garbage out of the next run's peak RSS.
static int Throughput(string which, int w, int h, string model, string imagePath)
{
    var img = Mirrored(ImageFile.Read(imagePath), w, h);
    double rssBefore = PeakRssMb();
    int repeat = Math.Max(1, int.Parse(Environment.GetEnvironmentVariable("BENCH_REPEAT") ?? "3"));
    var times = new List<double>();
    // CPU seconds too: on a shared, loaded machine wall time also counts other processes' turns.
    var cpu = new List<double>();
    var self = Process.GetCurrentProcess();
    double CpuNow() { self.Refresh(); return self.TotalProcessorTime.TotalSeconds; }
    if (which == "ours")
    {
        using var remover = new StarRemover(model, new StarPlugin.Inference.SessionOptions { Device = ExecutionDevice.Cpu });
        int tile = int.Parse(Environment.GetEnvironmentVariable("BENCH_TILE") ?? "0"), batch = int.Parse(Environment.GetEnvironmentVariable("BENCH_BATCH") ?? "1");
        var options = new RemovalOptions { Stretch = StretchMode.Never, Tiling = new TilingOptions { Tile = tile, Batch = batch }, Cleanup = Environment.GetEnvironmentVariable("BENCH_CLEANUP") != "0",
            KeepGalaxies = Environment.GetEnvironmentVariable("BENCH_KEEP_GALAXIES") switch { "1" => GalaxyMode.Always, "0" => GalaxyMode.Never, _ => GalaxyMode.Auto } };
        remover.Remove(img, options);
        for (int run = 0; run < repeat; run++)
        {
            FullGc();
            // Seconds per stage, from the progress callback's stage names (to stderr).
            var stages = new List<(string Stage, double At)>();
            double cpu0 = CpuNow();
            var sw = Stopwatch.StartNew();
            remover.Remove(img, options, (_, stage) => { if (stages.Count == 0 || stages[^1].Stage != stage) stages.Add((stage, sw.Elapsed.TotalSeconds)); return true; });
            times.Add(sw.Elapsed.TotalSeconds);
            cpu.Add(CpuNow() - cpu0);
            stages.Add(("end", sw.Elapsed.TotalSeconds));
            Console.Error.WriteLine($"run {run + 1}: {times[^1]:F2} s (" + string.Join(", ", Enumerable.Range(0, stages.Count - 1).Select(k => $"{stages[k].Stage} {stages[k + 1].At - stages[k].At:F2}")) + ")");
        }
    }
    else
    {
        using var session = new OnnxSession(model, new StarPlugin.Inference.SessionOptions { Device = ExecutionDevice.Cpu });
        new PeerPipeline(session).Run(img);
        for (int run = 0; run < repeat; run++)
        {
            FullGc();
            double cpu0 = CpuNow();
            var sw = Stopwatch.StartNew();
            new PeerPipeline(session).Run(img);
            times.Add(sw.Elapsed.TotalSeconds);
            cpu.Add(CpuNow() - cpu0);
            Console.Error.WriteLine($"run {run + 1}: {times[^1]:F2} s");
        }
    }
    double s = times.OrderBy(t => t).ElementAt(times.Count / 2), cpuSeconds = cpu.OrderBy(t => t).ElementAt(cpu.Count / 2);
    Console.WriteLine($"{{\"ort\":\"{OrtLibrary.Api.Version}\",\"pipeline\":\"{which}\",\"width\":{w},\"height\":{h},\"runs\":{repeat},\"seconds\":{s:F2},\"cpu_seconds\":{cpuSeconds:F2},\"mpx_per_s\":{w * (double)h / 1e6 / s:F3},\"peak_rss_mb\":{PeakRssMb():F0},\"image_rss_mb\":{rssBefore:F0}}}");
    return 0;
}

static void FullGc()
{
    GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
}

// Held-out synthetic pairs (seeds the trainer never draws: 900,000,000 + i): PSNR and SSIM of
// the input, the classical detect-and-inpaint baseline, and the model, against the true
// starless image; and the share of the galaxies' light each keeps.
static int HeldOut(string model, int count, string outFile)
{
    using var remover = new StarRemover(model, new StarPlugin.Inference.SessionOptions { Device = ExecutionDevice.Cpu });
    string[] names = ["input (stars left in)", "classical: detect + inpaint", "starless-v1, network only", "starless-v1, default (network + cleanup + galaxies auto)", "starless-v1, default + --keep-galaxies always"];
    int r = names.Length;
    var psnr = new double[r]; var ssim = new double[r];
    // Galaxy light kept, against the same pair rendered without galaxies: per remover the
    // sum over galaxy pixels and the per-pair ratios.
    var galaxyKept = new double[r]; double galaxyLight = 0;
    var galaxyRatios = Enumerable.Range(0, r).Select(_ => new List<double>()).ToArray();
    for (int i = 0; i < count; i++)
    {
        var pair = TrainingPairSynthesizer.Render(256, 900_000_000 + i);
        var bare = TrainingPairSynthesizer.Render(256, 900_000_000 + i, withGalaxies: false);
        AstroImage Ours(bool cleanup, GalaxyMode galaxies) => remover.Remove(pair.Input, new RemovalOptions { Stretch = StretchMode.Never, Cleanup = cleanup, KeepGalaxies = galaxies }).Starless;
        var results = new[] { pair.Input, ClassicalBaseline.Remove(pair.Input), Ours(false, GalaxyMode.Never), Ours(true, GalaxyMode.Auto), Ours(true, GalaxyMode.Always) };
        var p = results.Select(x => QualityMetrics.Psnr(x, pair.Target)).ToArray();
        var s = results.Select(x => QualityMetrics.Ssim(x, pair.Target)).ToArray();
        for (int k = 0; k < r; k++) { psnr[k] += p[k]; ssim[k] += s[k]; }
        var (light, kept) = QualityMetrics.GalaxyLightKept(pair.Target, bare.Target, pair.StarLayer, results);
        string galaxies = "";
        if (light > 0)
        {
            galaxyLight += light;
            for (int k = 0; k < r; k++) { galaxyKept[k] += kept[k]; galaxyRatios[k].Add(kept[k] / light); }
            galaxies = $" | galaxy light kept network {kept[2] / light:P0} default {kept[3] / light:P0} keep {kept[4] / light:P0}";
        }
        Console.WriteLine($"{i,3} {pair.Description,-60} PSNR in {p[0]:F2} classical {p[1]:F2} network {p[2]:F2} default {p[3]:F2} keep {p[4]:F2}{galaxies}");
    }
    string Kept(int k) => galaxyLight <= 0 ? "– | –" : $"{galaxyKept[k] / galaxyLight:P1} | {galaxyRatios[k].OrderBy(v => v).ElementAt(galaxyRatios[k].Count / 2):P1}";
    var lines = new List<string>
    {
        $"| held-out set ({count} pairs of 256², all domains; galaxy light over the {galaxyRatios[0].Count} pairs with galaxies) | PSNR dB | SSIM | galaxy light kept | median pair keeps |",
        "|---|---:|---:|---:|---:|",
    };
    for (int k = 0; k < r; k++) lines.Add($"| {names[k]} | {psnr[k] / count:F2} | {ssim[k] / count:F4} | {Kept(k)} |");
    string table = string.Join(Environment.NewLine, lines) + Environment.NewLine;
    File.WriteAllText(outFile, table);
    Console.WriteLine(table);
    return 0;
}

// FITS_DIR (optional) receives every input and result as 32-bit FITS, for the
// independent residual count by sep (tests/bench/residual_sep.py).
static int Quality(string ours, string peer, string realDir, string outDir, string? fitsDir)
{
    Directory.CreateDirectory(outDir);
    using var remover = new StarRemover(ours, new StarPlugin.Inference.SessionOptions { Device = ExecutionDevice.Cpu });
    using var peerSession = new OnnxSession(peer, new StarPlugin.Inference.SessionOptions { Device = ExecutionDevice.Cpu });
    var peerPipe = new PeerPipeline(peerSession);
    var rows = new List<string>();
    var cases = new List<(string Id, string Name, AstroImage Image, AstroImage? Truth)>();

    // Real data: a 1024² crop of the rim nebula (stars on nebulosity), the peer's own sample.
    var rim = ImageFile.Read(Path.Combine(realDir, "samples_rim_nebula.jpg"));
    cases.Add(("rim", "rim nebula 1024² crop (real, 8-bit JPEG)", rim.Crop(1000, 1000, 1024, 1024), null));
    // Synthetic with truth, in the display domain users hand to these tools, 8-bit.
    foreach (var seed in new[] { 21, 22 })
    {
        var (image, truth) = SyntheticField(seed);
        cases.Add(($"synthetic-seed{seed}", $"synthetic nebula field seed {seed} (1024², RGB, 8-bit)", image, truth));
    }
    // The fields above draw each star's FWHM from 2–5 px, side by side; real optics give
    // the stars at one place one PSF, which is what a PSF-aware remover relies on.
    {
        var (image, truth) = SyntheticField(23, 3f, 3.3f);
        cases.Add(("synthetic-seed23-onepsf", "synthetic nebula field seed 23, one PSF (FWHM 3–3.3 px; 1024², RGB, 8-bit)", image, truth));
    }

    foreach (var (caseStem, name, image, truth) in cases)
    {
        var before = QualityMetrics.Detect(image);
        var removers = new List<(string, Func<AstroImage>)>
        {
            ("StarPlugin starless-v1 (default: network + cleanup + galaxies auto)", () => remover.Remove(image, new RemovalOptions { Stretch = StretchMode.Never }).Starless),
            ("StarPlugin starless-v1, network only (--no-cleanup --keep-galaxies never)", () => remover.Remove(image, new RemovalOptions { Stretch = StretchMode.Never, Cleanup = false, KeepGalaxies = GalaxyMode.Never }).Starless),
            ("starrem2k13 (peer)", () => peerPipe.Run(image)),
            // Opt-in for galaxy fields; shown here for what it costs on star fields.
            ("StarPlugin starless-v1, default + --keep-galaxies always", () => remover.Remove(image, new RemovalOptions { Stretch = StretchMode.Never, KeepGalaxies = GalaxyMode.Always }).Starless),
        };
        // The true starless image scored the same way: the floor of each measure.
        if (truth != null) removers.Add(("true starless image (reference)", () => truth));
        if (fitsDir != null)
        {
            Directory.CreateDirectory(fitsDir);
            ImageFile.Write(Path.Combine(fitsDir, caseStem + "__input.fits"), image, new WriteOptions { Overwrite = true, Depth = SampleFormat.Float32 });
        }
        foreach (var (label, run) in removers)
        {
            var sw = Stopwatch.StartNew();
            var starless = run();
            double sec = sw.Elapsed.TotalSeconds;
            double residual = QualityMetrics.ResidualStars(image, starless, before);
            var (abs, signed) = QualityMetrics.OffStarChange(image, starless, before);
            string psnr = truth == null ? "–" : $"{QualityMetrics.Psnr(starless, truth):F2} (input {QualityMetrics.Psnr(image, truth):F2})";
            string seams = truth == null ? "–" : $"{QualityMetrics.SeamRatio(starless, truth, 512):F2}";
            string rings = truth == null ? "–" : $"{QualityMetrics.RingChroma(starless, truth, before):F4}";
            bool reference = label.StartsWith("true", StringComparison.Ordinal);
            string speed = reference ? "–" : $"{image.Width * (double)image.Height / 1e6 / sec:F2}";
            rows.Add($"| {name} | {label} | {QualityMetrics.Confident(before).Count} | {residual:P1} | {abs:F2}% | {signed:+0.00;-0.00}% | {psnr} | {seams} | {rings} | {speed} |");
            Console.WriteLine(rows[^1]);
            string tag = label.Contains("network only") ? "network-only" : label.Contains("keep-galaxies") ? "keep-galaxies"
                : label.StartsWith("true", StringComparison.Ordinal) ? "truth" : label.Split(' ')[0];
            if (fitsDir != null) ImageFile.Write(Path.Combine(fitsDir, $"{caseStem}__{tag}.fits"), starless, new WriteOptions { Overwrite = true, Depth = SampleFormat.Float32 });
            if (reference) continue;
            ImageFile.Write(Path.Combine(outDir, $"{caseStem}_{tag}.png"), starless.Crop(0, 0, Math.Min(512, starless.Width), Math.Min(512, starless.Height)), new WriteOptions { Overwrite = true, Depth = SampleFormat.UInt8 });
        }
        ImageFile.Write(Path.Combine(outDir, $"{caseStem}_input.png"), image.Crop(0, 0, Math.Min(512, image.Width), Math.Min(512, image.Height)), new WriteOptions { Overwrite = true, Depth = SampleFormat.UInt8 });
        // Side by side for the model card: input | network only | default (network + cleanup) | peer.
        var panels = new[] { "input", "network-only", "StarPlugin", "starrem2k13" }
            .Select(t => ImageFile.Read(Path.Combine(outDir, $"{caseStem}_{t}.png"))).ToArray();
        WriteStrip(Path.Combine(outDir, $"{caseStem}_comparison.png"), panels);
    }
    var header = "| image | remover | stars before | residual stars | off-star change | off-star signed | PSNR vs truth dB | seam error ratio | ring chroma error | Mpx/s |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|";
    File.WriteAllText(Path.Combine(outDir, "quality.md"), header + "\n" + string.Join("\n", rows) + "\n");
    return 0;
}

// Panels side by side with 8-px white gaps, for the model card.
static void WriteStrip(string path, IReadOnlyList<AstroImage> panels)
{
    var strip = new AstroImage(panels.Sum(q => q.Width) + 8 * (panels.Count - 1), panels.Max(q => q.Height), 3);
    strip.Data.AsSpan().Fill(1f);
    int at = 0;
    foreach (var q in panels)
    {
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < q.Height; y++)
                for (int x = 0; x < q.Width; x++) strip[c, y, at + x] = q[Math.Min(c, q.Channels - 1), y, x];
        at += q.Width + 8;
    }
    ImageFile.Write(path, strip, new WriteOptions { Overwrite = true, Depth = SampleFormat.UInt8 });
}

// A galaxy field (the bundled Hubble deep field): nearly every object is a galaxy and must
// stay. Writes OUT_DIR/galaxies.md and OUT_DIR/galaxy_comparison.png (input | network only |
// default | default + keep galaxies | peer, top-left 500×436).
static int Galaxies(string ours, string peer, string imagePath, string outDir)
{
    Directory.CreateDirectory(outDir);
    var image = ImageFile.Read(imagePath);
    using var remover = new StarRemover(ours, new StarPlugin.Inference.SessionOptions { Device = ExecutionDevice.Cpu });
    using var peerSession = new OnnxSession(peer, new StarPlugin.Inference.SessionOptions { Device = ExecutionDevice.Cpu });
    var objects = GalaxyField.Segment(image);
    var results = new List<(string Label, AstroImage Starless)>
    {
        ("StarPlugin starless-v1 (default: network + cleanup + galaxies auto)", remover.Remove(image, new RemovalOptions { Stretch = StretchMode.Never }).Starless),
        ("StarPlugin starless-v1, network only (--no-cleanup --keep-galaxies never)", remover.Remove(image, new RemovalOptions { Stretch = StretchMode.Never, Cleanup = false, KeepGalaxies = GalaxyMode.Never }).Starless),
        ("starrem2k13 (peer)", new PeerPipeline(peerSession).Run(image)),
        ("StarPlugin starless-v1, default + --keep-galaxies always", remover.Remove(image, new RemovalOptions { Stretch = StretchMode.Never, KeepGalaxies = GalaxyMode.Always }).Starless),
        // The hosts' default stretch is auto, and this dark JPEG reads as linear data.
        ("StarPlugin starless-v1, default with --stretch auto (as the CLI, GIMP and G'MIC run it)", remover.Remove(image, new RemovalOptions()).Starless),
    };
    var lines = new List<string>
    {
        $"| remover ({objects.Count} objects above sky + 3σ, ≥ {GalaxyField.MinArea} px) | light kept, all objects | median object keeps | objects keeping ≥ 50 % | objects keeping ≥ 80 % |",
        "|---|---:|---:|---:|---:|",
    };
    var lum = image.Luminance();
    foreach (var (label, starless) in results)
    {
        var shares = GalaxyField.KeptShares(objects, image, starless);
        // Light-weighted total over all objects: the big galaxies dominate it.
        var after = starless.Luminance();
        double before = 0, kept = 0;
        for (int i = 0; i < lum.Length; i++)
            if (objects.Label[i] > 0) { before += lum[i] - objects.Sky; kept += after[i] - objects.Sky; }
        var sorted = shares.OrderBy(v => v).ToArray();
        lines.Add($"| {label} | {kept / before:P1} | {sorted[sorted.Length / 2]:P1} | {shares.Count(v => v >= 0.5) / (double)shares.Length:P1} | {shares.Count(v => v >= 0.8) / (double)shares.Length:P1} |");
        Console.WriteLine(lines[^1]);
    }
    File.WriteAllText(Path.Combine(outDir, "galaxies.md"), string.Join("\n", lines) + "\n");
    AstroImage Crop(AstroImage a) => a.Crop(0, 0, Math.Min(500, a.Width), Math.Min(436, a.Height));
    WriteStrip(Path.Combine(outDir, "galaxy_comparison.png"), [Crop(image), Crop(results[1].Starless), Crop(results[0].Starless), Crop(results[3].Starless), Crop(results[2].Starless)]);
    return 0;
}
