using System.CommandLine;
using System.Globalization;
using System.Text;
using StarPlugin.Cli.Hosting;
using StarPlugin.Imaging;
using StarPlugin.Inference;
using StarPlugin.IO;
using StarPlugin.Lensing.Finder;
using StarPlugin.Lensing.Training;

namespace StarPlugin.Cli.Commands;

/// <summary>`starplugin lens score` (the machine lens finder) and `starplugin lens trainset` (its training data).</summary>
public static class LensCommand
{
    public const string DefaultModel = "lensfinder-v1.onnx";
    public const string ScoreHeader = "id,file,score";

    public static Command Create(CliContext ctx)
    {
        var cmd = new Command("lens", "The machine lens finder: score cutouts, build its training set");
        cmd.Add(Score(ctx));
        cmd.Add(TrainSet(ctx));
        return cmd;
    }

    private static Command Score(CliContext ctx)
    {
        var inputs = new Argument<string[]>("inputs") { Description = "Cutouts (FITS g/r/z cubes or colour pictures), or directories of them", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--out") { Description = "Scores CSV (id,file,score); with --shard, the shard's part file is written beside it", Required = true };
        var model = new Option<string>("--model") { Description = $"Lens-finder ONNX model (default: models/{DefaultModel} beside the program)" };
        var threads = new Option<int>("--threads") { Description = "Threads (default: all cores)" };
        var batch = new Option<int>("--batch") { Description = "Cutouts per inference call", DefaultValueFactory = _ => 64 };
        var shard = new Option<string>("--shard") { Description = "Score shard i of N (i/N, 0-based) of the inputs, for job arrays; writes OUT.shard{i}of{N}.csv" };
        var device = new Option<string>("--device") { Description = "auto (default), cpu, dml or cuda", DefaultValueFactory = _ => "auto" };
        device.AcceptOnlyFromAmong("auto", "cpu", "dml", "cuda");
        var force = CommonOptions.Force();
        var json = CommonOptions.Json();
        var cmd = new Command("score", "Score cutouts with the machine lens finder: P(lens) per cutout, in a CSV") { output, model, threads, batch, shard, device, force, json, inputs };
        cmd.SetAction(p => CommandRunner.Run(ctx, () =>
        {
            var spec = ShardSpec.Parse(p.GetValue(shard));
            string outPath = spec.PartName(p.GetValue(output)!);
            int batchSize = p.GetValue(batch);
            if (batchSize < 1 || batchSize > LensFinder.MaxBatchSize) throw new UsageException($"--batch must be 1..{LensFinder.MaxBatchSize}");
            var files = spec.Take(InputFiles.Expand(p.GetValue(inputs)!));
            foreach (var f in files) OutputGuard.Check(outPath, true, f);
            string partial = outPath + ".part";
            // Resume: a finished output is kept (unless --force); a killed run's partial rows are reused.
            if (File.Exists(outPath) && !p.GetValue(force))
            {
                ctx.Error.WriteLine($"starplugin: {outPath} exists: nothing to do (--force scores again)");
                return ExitCodes.Ok;
            }
            var done = p.GetValue(force) ? new Dictionary<string, string>(StringComparer.Ordinal) : ReadPartial(partial);
            if (p.GetValue(force) && File.Exists(partial)) File.Delete(partial);
            var todo = files.Where(f => !done.ContainsKey(f)).ToList();

            string modelPath = p.GetValue(model) ?? ModelLocator.Find(DefaultModel, "STARPLUGIN_LENS_MODEL") ?? throw new UsageException($"no lens-finder model found: pass --model FILE.onnx (see models/LENSFINDER_CARD.md)");
            var dev = p.GetValue(device) switch { "cpu" => ExecutionDevice.Cpu, "dml" => ExecutionDevice.DirectML, "cuda" => ExecutionDevice.Cuda, _ => ExecutionDevice.Auto };
            int failed = 0;
            if (todo.Count > 0)
            {
                using var finder = new LensFinder(modelPath, new Inference.SessionOptions { Device = dev, Threads = p.GetValue(threads) });
                if (!p.GetValue(json)) ctx.Error.WriteLine($"starplugin: {finder.Name} on {finder.Device}, {todo.Count} cutouts{(done.Count > 0 ? $" ({done.Count} already scored)" : "")}");
                using var log = new StreamWriter(new FileStream(partial, FileMode.Append, FileAccess.Write, FileShare.Read), new UTF8Encoding(false));
                failed = ctx.WithProgress($"{todo.Count} cutouts", cb => ScoreAll(ctx, finder, todo, batchSize, p.GetValue(threads), log, done, cb));
            }
            var rows = files.Where(done.ContainsKey).OrderBy(f => f, StringComparer.Ordinal).Select(f => done[f]);
            CsvTable.Write(outPath, ScoreHeader, rows, overwrite: true);
            File.Delete(partial);
            int scored = files.Count(done.ContainsKey);
            if (p.GetValue(json))
                ctx.Output.WriteLine(JsonOut.Write(w => { w.WriteStartObject(); w.WriteString("out", outPath); w.WriteNumber("scored", scored); w.WriteNumber("failed", failed); w.WriteEndObject(); }));
            else ctx.Error.WriteLine($"starplugin: {scored} scored, {failed} failed; {outPath}");
            return failed > 0 ? ExitCodes.InputError : ExitCodes.Ok;
        }));
        return cmd;
    }

    /// <summary>Reads, prepares (in parallel, one batch ahead) and scores; appends each batch's rows to the partial log.</summary>
    private static int ScoreAll(CliContext ctx, LensFinder finder, List<string> todo, int batchSize, int threads, StreamWriter log,
        Dictionary<string, string> done, Progress.ProgressCallback cb)
    {
        int failed = 0, slot = finder.SlotLength;
        var buffers = new[] { new float[batchSize * slot], new float[batchSize * slot] };
        var scores = new float[batchSize];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = threads > 0 ? threads : Environment.ProcessorCount, CancellationToken = ctx.Cancellation };
        // Prepares batch b into buffers[b % 2]; returns which files made it (null: that one failed).
        (string File, string? Error)[] Prepare(int b)
        {
            int start = b * batchSize, n = Math.Min(batchSize, todo.Count - start);
            var result = new (string, string?)[n];
            var buffer = buffers[b % 2];
            Parallel.For(0, n, parallel, () => new float[LensInput.ScratchLength(finder.CutoutSize)], (i, _, scratch) =>
            {
                string f = todo[start + i];
                try
                {
                    var img = ImageFile.Read(f);
                    finder.Prepare(img, InputFiles.OrderOf(f, img), buffer.AsSpan(i * slot, slot), scratch);
                    result[i] = (f, null);
                }
                catch (Exception e) when (e is ImageFormatException or ImageSizeException or IOException or ArgumentException or UnauthorizedAccessException)
                {
                    result[i] = (f, e.Message);
                }
                return scratch;
            }, _ => { });
            return result;
        }
        int batches = (todo.Count + batchSize - 1) / batchSize;
        var next = Task.Run(() => Prepare(0));
        for (int b = 0; b < batches; b++)
        {
            var items = next.GetAwaiter().GetResult();
            if (b + 1 < batches) { int nb = b + 1; next = Task.Run(() => Prepare(nb)); }
            var buffer = buffers[b % 2];
            // Failed slots are scored too (their buffer holds stale data) and then ignored: one call per batch.
            finder.Score(buffer, items.Length, scores);
            var sb = new StringBuilder();
            for (int i = 0; i < items.Length; i++)
            {
                var (f, error) = items[i];
                if (error != null)
                {
                    failed++;
                    ctx.Error.WriteLine($"starplugin: skipped {f}: {error}");
                    continue;
                }
                string row = $"{Id(f)},{f},{scores[i].ToString("F6", CultureInfo.InvariantCulture)}";
                done[f] = row;
                sb.Append(row).Append('\n');
            }
            log.Write(sb.ToString());
            log.Flush();
            if (!cb((b + 1.0) / batches, "")) throw new OperationCanceledException();
        }
        return failed;
    }

    /// <summary>Rows of a killed run: complete lines only (the last may have been cut mid-write).</summary>
    private static Dictionary<string, string> ReadPartial(string path)
    {
        var done = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!File.Exists(path)) return done;
        string text = File.ReadAllText(path);
        int end = text.LastIndexOf('\n');
        if (end < 0) return done;
        foreach (var line in text[..end].Split('\n'))
        {
            var parts = line.Split(',');
            if (parts.Length == 3 && float.TryParse(parts[2], NumberStyles.Float, CultureInfo.InvariantCulture, out _)) done[parts[1]] = line;
        }
        return done;
    }

    /// <summary>An object's id: its file name without the extension (NAME.fits → NAME).</summary>
    public static string Id(string file) => Path.GetFileNameWithoutExtension(file);

    private static Command TrainSet(CliContext ctx)
    {
        var outDir = new Option<string>("--out") { Description = "Output directory: x.f16 (N×3×S×S model inputs, float16), labels.csv, previews/", Required = true };
        var n = new Option<int>("--n") { Description = "Number of examples", DefaultValueFactory = _ => 1000 };
        var seed = new Option<int>("--seed") { Description = "Seed: the same seed gives the same set", DefaultValueFactory = _ => 1 };
        var size = new Option<int>("--size") { Description = "Cutout side in pixels", DefaultValueFactory = _ => 101 };
        var pictures = new Option<string[]>("--picture") { Description = "Real picture to cut backgrounds from (repeatable)", AllowMultipleArgumentsPerToken = true };
        var region = new Option<string>("--region") { Description = "Column band of each picture to cut from, as fractions FROM:TO (train 0:0.7, held out 0.7:1)", DefaultValueFactory = _ => "0:1" };
        var galaxies = new Option<string[]>("--galaxy") { Description = "Real galaxy picture used as an impostor, KIND=FILE (spiral, ring, merger, edge-on; repeatable)", AllowMultipleArgumentsPerToken = true };
        var realFraction = new Option<double>("--real-fraction") { Description = "Share of examples cut from the real pictures", DefaultValueFactory = _ => 0.5 };
        var previews = new Option<int>("--previews") { Description = "Also write the first K examples as colour PNGs in previews/", DefaultValueFactory = _ => 0 };
        var writeImages = new Option<bool>("--write-images") { Description = "Also write every example as an image in images/ (FITS g/r/z cubes for rendered survey cutouts, PNG for cuts of pictures), for scoring with `lens score`" };
        var cmd = new Command("trainset", "Build the lens finder's training data: mock arcs and impostors in rendered survey cutouts and real cluster pictures")
            { outDir, n, seed, size, pictures, region, galaxies, realFraction, previews, writeImages };
        cmd.SetAction(p => CommandRunner.Run(ctx, () =>
        {
            int count = p.GetValue(n), s = p.GetValue(size);
            if (count < 1 || count > 10_000_000) throw new UsageException("--n must be 1..10000000");
            if (s < 16 || s > 512) throw new UsageException("--size must be 16..512");
            var r = p.GetValue(region)!.Split(':');
            if (r.Length != 2 || !double.TryParse(r[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double from) || !double.TryParse(r[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double to) || !(from >= 0 && from < to && to <= 1))
                throw new UsageException("--region expects FROM:TO with 0 ≤ FROM < TO ≤ 1");
            var real = new List<RealPicture>();
            foreach (var f in p.GetValue(pictures) ?? [])
            {
                var img = ImageFile.Read(f).WithoutAlpha();
                var order = InputFiles.OrderOf(f, img);
                var lum = img.Luminance();
                double fwhm = Lensing.MockLensInjector.EstimateFwhm(lum, img.Width, img.Height);
                var centres = PictureCentres.Find(img, from, to, s, 400);
                ctx.Error.WriteLine($"starplugin: {Path.GetFileName(f)}: {centres.Count} centres, seeing {fwhm:F2} px");
                real.Add(new RealPicture(Path.GetFileNameWithoutExtension(f), img, order, fwhm, centres));
            }
            var gal = new List<GalaxyPicture>();
            foreach (var g in p.GetValue(galaxies) ?? [])
            {
                int eq = g.IndexOf('=');
                if (eq <= 0) throw new UsageException($"--galaxy {g}: expected KIND=FILE");
                string file = g[(eq + 1)..];
                var img = ImageFile.Read(file).WithoutAlpha();
                gal.Add(new GalaxyPicture(Path.GetFileNameWithoutExtension(file), g[..eq], img, InputFiles.OrderOf(file, img)));
            }
            var set = new LensTrainingSet(s, real, gal) { RealFraction = p.GetValue(realFraction) };
            string dir = p.GetValue(outDir)!;
            Directory.CreateDirectory(dir);
            int k = p.GetValue(previews), sd = p.GetValue(seed);
            if (k > 0) Directory.CreateDirectory(Path.Combine(dir, "previews"));
            bool images = p.GetValue(writeImages);
            if (images) Directory.CreateDirectory(Path.Combine(dir, "images"));
            var rows = new string[count];
            int slot = LensInput.Planes * s * s;
            const int Chunk = 128;
            AtomicFile.Write(Path.Combine(dir, "x.f16"), stream =>
            {
                var halves = new byte[Chunk * slot * 2];
                var inputs = new float[Chunk * slot];
                ctx.WithProgress($"{count} examples", cb =>
                {
                    for (int start = 0; start < count; start += Chunk)
                    {
                        int m = Math.Min(Chunk, count - start);
                        Parallel.For(0, m, new ParallelOptions { CancellationToken = ctx.Cancellation }, i =>
                        {
                            int index = start + i;
                            var ex = set.Example(sd, index);
                            LensInput.Fill(ex.Image, ex.Order, s, inputs.AsSpan(i * slot, slot));
                            string file = images ? $"images/{index:D6}.{(ex.Order == BandOrder.BlueFirst ? "fits" : "png")}" : "";
                            if (images) ImageFile.Write(Path.Combine(dir, file), ex.Image, new WriteOptions { Overwrite = true });
                            rows[index] = string.Create(CultureInfo.InvariantCulture, $"{index},{ex.Label},{ex.Domain},{ex.Impostor},{ex.Source},{ex.ThetaE:F3},{ex.ArcSnr:F2},{file}");
                            if (index < k) ImageFile.Write(Path.Combine(dir, "previews", $"{index:D5}_{ex.Label}_{ex.Domain}{(ex.Impostor.Length > 0 ? "_" + ex.Impostor.Split(':')[0] : "")}.png"), Preview(ex), new WriteOptions { Overwrite = true });
                        });
                        for (int i = 0; i < m * slot; i++) BitConverter.TryWriteBytes(halves.AsSpan(i * 2, 2), (Half)inputs[i]);
                        stream.Write(halves, 0, m * slot * 2);
                        if (!cb((start + m) / (double)count, "")) throw new OperationCanceledException();
                    }
                    return 0;
                });
            }, overwrite: true);
            CsvTable.Write(Path.Combine(dir, "labels.csv"), "index,label,domain,impostor,source,theta_e,arc_snr,file", rows, overwrite: true);
            ctx.Output.WriteLine($"{count} examples ({rows.Count(r => r.Split(',')[1] == "1")} lenses) in {dir}");
            return ExitCodes.Ok;
        }));
        return cmd;
    }

    /// <summary>How an example looks to a person: the picture itself, or a Lupton composite of g, r, z.</summary>
    private static AstroImage Preview(TrainingExample ex)
    {
        if (ex.Order == BandOrder.RedFirst) return ex.Image;
        return CutoutsCommand.Lupton([ex.Image.Plane(0).ToArray(), ex.Image.Plane(1).ToArray(), ex.Image.Plane(2).ToArray()], ex.Image.Width, ex.Image.Height);
    }
}
