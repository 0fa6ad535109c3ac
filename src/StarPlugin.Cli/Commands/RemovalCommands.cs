using System.CommandLine;
using StarPlugin.Cli.Hosting;
using StarPlugin.Imaging;
using StarPlugin.Inference;
using StarPlugin.IO;
using StarPlugin.Removal;

namespace StarPlugin.Cli.Commands;

/// <summary>`remove`, `reduce` and `mask`: the star-removal family, single file or batch.</summary>
public static class RemovalCommands
{
    private sealed class Common
    {
        public Argument<string[]> Inputs { get; } = new("inputs") { Description = "Input images, or directories of images", Arity = ArgumentArity.OneOrMore };
        public Option<string> Model { get; } = new("--model") { Description = "ONNX model (default: models/starless-v1.onnx beside the program)" };
        public Option<string> Device { get; } = new("--device") { Description = "auto (default), cpu, dml or cuda", DefaultValueFactory = _ => "auto" };
        public Option<int> Threads { get; } = new("--threads") { Description = "Inference threads (default: all cores)" };
        public Option<int> Tile { get; } = new("--tile") { Description = "Tile size, 64..8192 pixels (default: the model's)" };
        public Option<int> Overlap { get; } = new("--overlap") { Description = "Tile overlap (default: the model's)", DefaultValueFactory = _ => -1 };
        public Option<int> Batch { get; } = new("--batch") { Description = "Tiles per inference call (larger helps on GPUs)", DefaultValueFactory = _ => 1 };
        public Option<string> Stretch { get; } = new("--stretch") { Description = "auto (detect linear data, default), always or never", DefaultValueFactory = _ => "auto" };
        public Option<string> OutDir { get; } = new("--out-dir") { Description = "Batch mode: write outputs here as NAME_starless.EXT etc." };
        public Option<string> Format { get; } = new("--format") { Description = "Batch mode: output extension (default: the input's)" };
        public Option<bool> SkipExisting { get; } = new("--skip-existing") { Description = "Batch mode: skip inputs whose outputs exist (resume)" };
        public Option<string> Shard { get; } = new("--shard") { Description = "Batch mode: process shard i of N (i/N, 0-based), for job arrays" };
        public Option<bool> NoCleanup { get; } = new("--no-cleanup") { Description = "Network only: skip the passes that fill stars the network left behind and give back the glow it took" };
        public Option<string> KeepGalaxies { get; } = new("--keep-galaxies")
        {
            Description = "Give back sources broader than the field's stars (small galaxies the network took): auto (default: in galaxy fields only), always (bare --keep-galaxies) or never",
            // Absent: null (auto). Bare: no token, which means always.
            Arity = ArgumentArity.ZeroOrOne,
            CustomParser = r => r.Tokens.Count == 0 ? "always" : r.Tokens[0].Value,
        };
        public Option<bool> Json { get; } = CommonOptions.Json();
        public Option<bool> Force { get; } = CommonOptions.Force();
        public Option<double> MaxMegapixels { get; } = CommonOptions.MaxMegapixels();
        public Option<string> Bin { get; } = new("--bin")
        {
            Description = "Bin the picture k x k for the removal, the star layer back at full resolution, for star fields whose stars are wider than the network knows: 1 (default: never), 2 to 8, or auto (by the stars' width, 2x from 2.7 px). Binned, fine nebula structure can go with the stars",
            DefaultValueFactory = _ => "1",
        };
        public Option<int> MaxSources { get; } = new("--max-sources")
        {
            Description = "Most sources the star census keeps for the cleanup and keep-galaxies stages, the brightest (0 = no limit): bounds memory on crowded fields, about 180 bytes a source",
            DefaultValueFactory = _ => RemovalOptions.DefaultMaxSources,
        };

        public Common()
        {
            Device.AcceptOnlyFromAmong("auto", "cpu", "dml", "cuda");
            Stretch.AcceptOnlyFromAmong("auto", "always", "never");
            KeepGalaxies.AcceptOnlyFromAmong("auto", "always", "never");
        }

        public void AddTo(Command c)
        {
            // As the library and the GIMP filters: tiles under 64 px leave a blocky grid.
            Tile.Validators.Add(r => { if (r.GetValueOrDefault<int>() is var t && t != 0 && t is < 64 or > 8192) r.AddError($"--tile {t}: 0 for the model's, or 64..8192 pixels"); });
            MaxSources.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 0) r.AddError("--max-sources must be ≥ 0 (0 = no limit)"); });
            Bin.Validators.Add(r => { if (BinningOf(r.GetValueOrDefault<string>()) < 0) r.AddError($"--bin {r.GetValueOrDefault<string>()}: auto, or 1..{RemovalOptions.MaxBinning}"); });
            foreach (var o in new Option[] { Model, Device, Threads, Tile, Overlap, Batch, Stretch, NoCleanup, KeepGalaxies, Bin, MaxSources, OutDir, Format, SkipExisting, Shard, Json, Force, MaxMegapixels }) c.Add(o);
            c.Add(Inputs);
        }

        public StarRemover Load(ParseResult p, CliContext ctx)
        {
            var (remover, model) = Open(p);
            Announce(remover, model, p, ctx);
            return remover;
        }

        /// <summary>
        /// The model's metadata is read on a worker thread while <paramref name="read"/>
        /// decodes the image, and (on the auto and cpu devices) its ONNX Runtime session goes
        /// on opening after that, through the finding of the stars, until the network's first
        /// tile (<see cref="StarRemover.Opening"/>):
        /// each is a fixed cost of every run (on a 1 Mpx picture the image about 0.05 s, the
        /// runtime and session about 0.06 s). An unreadable image is still the error
        /// reported, as when the model loaded after it. Announce the device with
        /// <see cref="Announce"/> once the run is done.
        /// </summary>
        public (StarRemover Remover, string Model, AstroImage Image) LoadWhileReading(ParseResult p, Func<AstroImage> read)
        {
            // A GPU asked for by name opens at once: where it is missing, that is the error
            // to see before any work, not after the stars of a large image are found.
            var loading = Task.Run(() => Open(p, opening: DeviceOf(p) is ExecutionDevice.Auto or ExecutionDevice.Cpu));
            AstroImage image;
            try { image = read(); }
            catch
            {
                try { loading.GetAwaiter().GetResult().Remover.Dispose(); }
                catch (Exception) { /* the image's error is the one to report */ }
                throw;
            }
            var (remover, model) = loading.GetAwaiter().GetResult();
            return (remover, model, image);
        }

        private (StarRemover Remover, string Model) Open(ParseResult p, bool opening = false)
        {
            string model = p.GetValue(Model) ?? ModelLocator.Default() ?? throw new UsageException("no model found: pass --model FILE.onnx (see models/MODEL_CARD.md)");
            var session = new Inference.SessionOptions { Device = DeviceOf(p), Threads = p.GetValue(Threads) };
            return (opening ? StarRemover.Opening(model, session) : new StarRemover(model, session), model);
        }

        private ExecutionDevice DeviceOf(ParseResult p) =>
            p.GetValue(Device) switch { "cpu" => ExecutionDevice.Cpu, "dml" => ExecutionDevice.DirectML, "cuda" => ExecutionDevice.Cuda, _ => ExecutionDevice.Auto };

        public void Announce(StarRemover remover, string model, ParseResult p, CliContext ctx)
        {
            // Why a GPU provider was skipped is news only where there is such a GPU.
            var notes = remover.DeviceNotes.Where(n => GpuPresence.Relevant(n)).ToList();
            if (!p.GetValue(Json)) ctx.Error.WriteLine($"starplugin: model {Path.GetFileName(model)} on {remover.Device}{(notes.Count > 0 && DeviceOf(p) == ExecutionDevice.Auto ? $" ({string.Join("; ", notes)})" : "")}");
        }

        public RemovalOptions Options(ParseResult p, StarLayerMode layer = StarLayerMode.Add) => new()
        {
            Stretch = p.GetValue(Stretch) switch { "always" => StretchMode.Always, "never" => StretchMode.Never, _ => StretchMode.Auto },
            Tiling = new TilingOptions { Tile = p.GetValue(Tile), Overlap = p.GetValue(Overlap), Batch = Math.Max(1, p.GetValue(Batch)) },
            StarLayer = layer,
            Cleanup = !p.GetValue(NoCleanup),
            KeepGalaxies = p.GetValue(KeepGalaxies) switch { "always" => GalaxyMode.Always, "never" => GalaxyMode.Never, _ => GalaxyMode.Auto },
            MaxSources = p.GetValue(MaxSources),
            Binning = BinningOf(p.GetValue(Bin)),
        };

        /// <summary>--bin's value as <see cref="RemovalOptions.Binning"/> (auto: 0); −1 where it is none.</summary>
        private static int BinningOf(string? value) =>
            value is null ? 1 : value.Equals("auto", StringComparison.OrdinalIgnoreCase) ? 0 : int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int k) && k is >= 1 and <= RemovalOptions.MaxBinning ? k : -1;
    }

    /// <summary>One output of a command: its batch suffix and its single-file path (null: not asked for).</summary>
    private sealed record Output(string Suffix, string? SinglePath);

    /// <summary>What one image gives: the images of the outputs, in their order, and facts for --json.</summary>
    private sealed record Produced(IReadOnlyList<AstroImage> Images, bool Stretched, int GalaxiesKept, bool CensusLimited, bool GalaxyStageLimited, int Binning = 1);

    public static Command Remove(CliContext ctx)
    {
        var c = new Common();
        // -o / --output as in reduce and mask: the main output, the starless image.
        var starless = new Option<string>("--starless", "-o", "--output") { Description = "Single file: the starless output" };
        var stars = new Option<string>("--stars") { Description = "Single file: the stars-only layer (starless + stars = original)" };
        var mask = new Option<string>("--mask") { Description = "Single file: a feathered star mask in [0,1]" };
        var withStars = new Option<bool>("--with-stars") { Description = "Batch mode: also write NAME_stars" };
        var withMask = new Option<bool>("--with-mask") { Description = "Batch mode: also write NAME_mask" };
        var screen = new Option<bool>("--screen") { Description = "Star layer for screen blending (screen(starless, stars) = original) instead of addition" };
        var cmd = new Command("remove", "Remove stars: starless image, star layer and star mask") { starless, stars, mask, withStars, withMask, screen };
        c.AddTo(cmd);
        cmd.SetAction(p => CommandRunner.Run(ctx, () =>
        {
            var layer = p.GetValue(screen) ? StarLayerMode.Screen : StarLayerMode.Add;
            bool single = p.GetValue(c.OutDir) == null;
            var outputs = new List<Output>();
            // In single-file mode only the files named are made; in batch mode the starless image always.
            if (!single || p.GetValue(starless) != null) outputs.Add(new("starless", p.GetValue(starless)));
            if (p.GetValue(stars) != null || p.GetValue(withStars)) outputs.Add(new("stars", p.GetValue(stars)));
            if (p.GetValue(mask) != null || p.GetValue(withMask)) outputs.Add(new("mask", p.GetValue(mask)));
            if (single && outputs.Count == 0) throw new UsageException("give an output file (--starless/-o, --stars, --mask) or --out-dir");
            var wanted = outputs.Aggregate((RemovalOutputs)0, (a, o) => a | o.Suffix switch { "starless" => RemovalOutputs.Starless, "stars" => RemovalOutputs.Stars, _ => RemovalOutputs.Mask });
            return BatchRunner.Run(ctx, p, c, outputs, (remover, img, cb) =>
            {
                var r = remover.Remove(img, c.Options(p, layer) with { Outputs = wanted }, cb, ctx.Cancellation);
                return new Produced(outputs.Select(o => o.Suffix switch { "starless" => r.Starless, "stars" => r.Stars, _ => r.Mask }).ToList(), r.Stretched, r.GalaxiesKept, r.CensusLimited, r.GalaxyStageLimited, r.Binning);
            });
        }));
        return cmd;
    }

    public static Command Reduce(CliContext ctx)
    {
        var c = new Common();
        var output = new Option<string>("--output", "-o") { Description = "Single file: the star-reduced output" };
        var amount = new Option<float>("--amount") { Description = "0 (unchanged) .. 1 (strongest)", DefaultValueFactory = _ => 0.5f };
        var mode = new Option<string>("--mode") { Description = "shrink (morphological, default) or scale (dim only)", DefaultValueFactory = _ => "shrink" };
        mode.AcceptOnlyFromAmong("shrink", "scale");
        var cmd = new Command("reduce", "Star reduction: shrink and dim the stars, leave the rest untouched") { output, amount, mode };
        c.AddTo(cmd);
        cmd.SetAction(p => CommandRunner.Run(ctx, () =>
        {
            float a = p.GetValue(amount);
            if (!(a >= 0 && a <= 1)) throw new UsageException("--amount must be in [0, 1]");
            var m = p.GetValue(mode) == "scale" ? ReductionMode.Scale : ReductionMode.Shrink;
            if (p.GetValue(c.OutDir) == null && p.GetValue(output) == null) throw new UsageException("give an output file (-o/--output) or --out-dir");
            return BatchRunner.Run(ctx, p, c, [new("reduced", p.GetValue(output))], (remover, img, cb) =>
            {
                // The star layer only, reduced in its own memory: starless + reduced(stars).
                var r = remover.Remove(img, c.Options(p) with { Outputs = RemovalOutputs.Stars }, cb, ctx.Cancellation);
                return new Produced([StarReducer.ReduceInPlace(img, r.Stars, a, m)], r.Stretched, r.GalaxiesKept, r.CensusLimited, r.GalaxyStageLimited, r.Binning);
            });
        }));
        return cmd;
    }

    public static Command Mask(CliContext ctx)
    {
        var c = new Common();
        var output = new Option<string>("--output", "-o") { Description = "Single file: the star mask" };
        var cmd = new Command("mask", "Star mask in [0,1] (feathered), from the star layer") { output };
        c.AddTo(cmd);
        cmd.SetAction(p => CommandRunner.Run(ctx, () =>
        {
            if (p.GetValue(c.OutDir) == null && p.GetValue(output) == null) throw new UsageException("give an output file (-o/--output) or --out-dir");
            return BatchRunner.Run(ctx, p, c, [new("mask", p.GetValue(output))], (remover, img, cb) =>
            {
                var r = remover.Remove(img, c.Options(p) with { Outputs = RemovalOutputs.Mask }, cb, ctx.Cancellation);
                return new Produced([r.Mask], r.Stretched, r.GalaxiesKept, r.CensusLimited, r.GalaxyStageLimited, r.Binning);
            });
        }));
        return cmd;
    }

    private static IEnumerable<string> LimitNotes(Produced result, int limit)
    {
        if (result.CensusLimited) yield return $"the star census met its limit of {limit} sources (--max-sources); the weakest were left to the network alone";
        if (result.GalaxyStageLimited)
            yield return limit > 0 ? $"the keep-galaxies stage found more than {(long)RemovalOptions.RunsPerSource * limit} runs of sources ({RemovalOptions.RunsPerSource} per --max-sources); it gave nothing back"
                : "the keep-galaxies stage found more runs of sources than an array holds; it gave nothing back";
    }

    /// <summary>Single-file or batch execution shared by the three commands.</summary>
    private static class BatchRunner
    {
        public static int Run(CliContext ctx, ParseResult p, Common c, List<Output> outputs, Func<StarRemover, AstroImage, Progress.ProgressCallback, Produced> work)
        {
            var inputs = p.GetValue(c.Inputs)!;
            string? outDir = p.GetValue(c.OutDir);
            bool force = p.GetValue(c.Force), json = p.GetValue(c.Json);
            double maxMegapixels = p.GetValue(c.MaxMegapixels);
            if (maxMegapixels < 0) throw new UsageException("--max-megapixels must be ≥ 0 (0 = no limit)");
            if (outDir == null)
            {
                if (inputs.Length != 1 || Directory.Exists(inputs[0])) throw new UsageException("several inputs or a directory need --out-dir");
                // Every output is checked before the image is read or the model loaded.
                var plan = new OutputPlan(force, inputs);
                foreach (var o in outputs) plan.Add(o.SinglePath!, image: true);
                var (remover, model, img) = c.LoadWhileReading(p, () => ImageInput.Read(inputs[0], maxMegapixels));
                using var _ = remover;
                var result = ctx.WithProgress(Path.GetFileName(inputs[0]), cb => work(remover, img, cb));
                // Here, not before the run: the session opened during it.
                c.Announce(remover, model, p, ctx);
                // The outputs are one set: a cancel between two of them left the starless
                // image written and the star layer not, and the rerun then refused to start.
                ctx.Cancellation.ThrowIfCancellationRequested();
                ImageFile.WriteSet(outputs.Select((o, i) => (o.SinglePath!, result.Images[i])).ToList(), new WriteOptions { Overwrite = force });
                if (json)
                    ctx.Output.WriteLine(JsonOut.Write(w =>
                    {
                        w.WriteStartObject(); w.WriteString("input", inputs[0]); w.WriteBoolean("stretched", result.Stretched);
                        w.WriteNumber("galaxies_kept", result.GalaxiesKept); w.WriteString("device", remover.Device.ToString().ToLowerInvariant());
                        w.WriteBoolean("census_limited", result.CensusLimited); w.WriteBoolean("galaxy_stage_limited", result.GalaxyStageLimited);
                        w.WriteNumber("binning", result.Binning);
                        w.WriteStartArray("outputs"); foreach (var o in outputs) w.WriteStringValue(o.SinglePath); w.WriteEndArray();
                        w.WriteEndObject();
                    }));
                else
                {
                    if (result.GalaxiesKept > 0)
                        ctx.Error.WriteLine($"starplugin: kept {result.GalaxiesKept} sources broader than the stars (galaxies); --keep-galaxies never removes them too");
                    if (result.Binning > 1)
                        ctx.Error.WriteLine($"starplugin: removed at {result.Binning}x{result.Binning} binning (--bin)");
                    foreach (var note in LimitNotes(result, p.GetValue(c.MaxSources))) ctx.Error.WriteLine($"starplugin: {note}");
                }
                return ExitCodes.Ok;
            }

            if (outputs.Any(o => o.SinglePath != null)) throw new UsageException("--out-dir names the outputs itself: leave out --starless/--stars/--mask/-o");
            if (!Directory.Exists(outDir)) throw new UsageException(File.Exists(outDir) ? $"--out-dir {outDir}: is a file, not a folder" : $"--out-dir {outDir}: no such folder (create it first)");
            var files = ExpandInputs(inputs);
            if (p.GetValue(c.Shard) is { } shard) files = Shard(files, shard);
            string? format = p.GetValue(c.Format);
            if (format != null && ImageFile.FormatFromExtension("x." + format.TrimStart('.')) == ImageFormat.Unknown)
                throw new UsageException($"--format {format}: unknown format (use {ImageFile.OutputExtensions})");
            string OutPath(string input, string suffix) =>
                Path.Combine(outDir, $"{Path.GetFileNameWithoutExtension(input)}_{suffix}.{(format ?? Path.GetExtension(input).TrimStart('.')).TrimStart('.')}");

            // The plan, before any work: every output of every file against every input of
            // the run and every other output, so no input is ever overwritten however the
            // paths are spelled, and no two files of the run write one output.
            var runPlan = new OutputPlan(force: true, files);
            var records = new List<BatchRecord>();
            var todo = new List<BatchRecord>();
            var stems = files.Select(StemPath).ToHashSet(StringComparer.Ordinal);
            foreach (var f in files)
            {
                var paths = outputs.Select(o => OutPath(f, o.Suffix)).ToList();
                var rec = new BatchRecord(f, paths);
                records.Add(rec);
                // NAME_starless.png beside NAME.png: a second run into the input folder took the
                // first run's outputs for inputs (NAME_starless_starless.png).
                if (OutputOfAnother(f, stems) is { } source) { rec.Skip($"named like an output of {Path.GetFileName(source)}.*"); continue; }
                if (ImageFile.FormatFromExtension(paths[0]) == ImageFormat.Unknown)
                {
                    rec.Fail(ExitCodes.Usage, $"{Path.GetExtension(f)}: no output format of that name (use --format)");
                    continue;
                }
                bool allExist = paths.All(File.Exists), anyExist = paths.Any(File.Exists);
                if (p.GetValue(c.SkipExisting) && allExist) { rec.Skip("already done"); continue; }
                if (anyExist && !force && !p.GetValue(c.SkipExisting)) { rec.Skip($"{paths.First(File.Exists)} exists (--force to overwrite, --skip-existing to resume)"); continue; }
                try { foreach (var path in paths) runPlan.Add(path, image: true); }
                catch (UsageException e) { throw new UsageException($"{e.Message} (an output of {f}); nothing was written"); }
                todo.Add(rec);
            }
            int done = 0;
            bool cancelled = false;
            if (todo.Count > 0)
            {
                using var remover = c.Load(p, ctx); // one session for the whole batch
                // A cancelled batch still reports what it did (files done so far are complete sets).
                try
                {
                    ctx.WithProgress($"{todo.Count} images", cb =>
                    {
                        for (int i = 0; i < todo.Count; i++)
                        {
                            var rec = todo[i];
                            try
                            {
                                var img = ImageInput.Read(rec.Input, maxMegapixels);
                                int index = i;
                                var result = work(remover, img, (frac, stage) => cb((index + frac) / todo.Count, Path.GetFileName(rec.Input)));
                                ctx.Cancellation.ThrowIfCancellationRequested();
                                // One set: all of a file's outputs or none (a cancel, a full disk, a refused value).
                                ImageFile.WriteSet(rec.Outputs.Select((o, k) => (o, result.Images[k])).ToList(), new WriteOptions { Overwrite = true });
                                rec.Done(result.CensusLimited, result.GalaxyStageLimited);
                                if (!json) foreach (var note in LimitNotes(result, p.GetValue(c.MaxSources))) ctx.Error.WriteLine($"starplugin: {rec.Input}: {note}");
                                done++;
                            }
                            catch (OperationCanceledException) { throw; }
                            catch (Exception e) when (e is ImageFormatException or ImageSizeException or FileNotFoundException or InputException)
                            {
                                rec.Fail(ExitCodes.InputError, e.Message);
                            }
                            catch (Exception e) when (e is IOException or UsageException or ArgumentException or UnauthorizedAccessException)
                            {
                                rec.Fail(ExitCodes.ProcessingError, e.Message);
                            }
                            if (rec.Error != null && !json) ctx.Error.WriteLine($"starplugin: failed {rec.Input}: {rec.Error}");
                            if (!cb((i + 1.0) / todo.Count, "")) throw new OperationCanceledException();
                        }
                        return 0;
                    });
                }
                catch (OperationCanceledException)
                {
                    cancelled = true;
                    foreach (var r in todo) r.Cancel();
                }
            }
            int failed = records.Count(r => r.Status == "failed"), skipped = records.Count(r => r.Status == "skipped");
            int notDone = records.Count(r => r.Status == "cancelled");
            if (json)
                ctx.Output.WriteLine(JsonOut.Write(w =>
                {
                    w.WriteStartObject();
                    w.WriteNumber("done", done); w.WriteNumber("failed", failed); w.WriteNumber("skipped", skipped);
                    if (cancelled) { w.WriteBoolean("cancelled", true); w.WriteNumber("not_done", notDone); }
                    w.WriteStartArray("files");
                    foreach (var r in records)
                    {
                        w.WriteStartObject();
                        w.WriteString("input", r.Input); w.WriteString("status", r.Status);
                        w.WriteStartArray("outputs"); foreach (var o in r.Outputs) w.WriteStringValue(o); w.WriteEndArray();
                        if (r.Error != null) w.WriteString("error", r.Error);
                        if (r.Note != null) w.WriteString("reason", r.Note);
                        if (r.Status == "done") { w.WriteBoolean("census_limited", r.CensusLimited); w.WriteBoolean("galaxy_stage_limited", r.GalaxyStageLimited); }
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                    w.WriteEndObject();
                }));
            else
            {
                foreach (var r in records.Where(r => r.Status == "skipped" && r.Note != "already done")) ctx.Error.WriteLine($"starplugin: skipped {r.Input}: {r.Note}");
                foreach (var r in records.Where(r => r.Status == "failed" && r.Code == ExitCodes.Usage)) ctx.Error.WriteLine($"starplugin: failed {r.Input}: {r.Error}");
                ctx.Error.WriteLine($"starplugin: {done} done, {failed} failed, {skipped} skipped{(cancelled ? $", {notDone} not done (cancelled)" : "")}");
            }
            if (cancelled) throw new OperationCanceledException();
            // Any failure makes the run fail, with the worst kind: scripts and job arrays see it.
            return failed == 0 ? ExitCodes.Ok : records.Where(r => r.Status == "failed").Max(r => r.Code == ExitCodes.Usage ? ExitCodes.InputError : r.Code);
        }

        /// <summary>One input of a batch and what became of it.</summary>
        private sealed class BatchRecord(string input, List<string> outputs)
        {
            public string Input { get; } = input;
            public List<string> Outputs { get; } = outputs;
            public string Status { get; private set; } = "pending";
            public string? Error { get; private set; }
            public string? Note { get; private set; }
            public int Code { get; private set; }
            /// <summary>A done file's census, or its keep-galaxies stage, met --max-sources.</summary>
            public bool CensusLimited { get; private set; }
            public bool GalaxyStageLimited { get; private set; }
            public void Done(bool censusLimited, bool galaxyStageLimited) { Status = "done"; CensusLimited = censusLimited; GalaxyStageLimited = galaxyStageLimited; }
            /// <summary>Cancelled before this file's outputs were written (a file already done or failed keeps its status).</summary>
            public void Cancel() { if (Status == "pending") Status = "cancelled"; }
            public void Skip(string why) { Status = "skipped"; Note = why; }
            public void Fail(int code, string message) { Status = "failed"; Code = code; Error = message.ReplaceLineEndings(" "); }
        }

        private static readonly string[] OutputSuffixes = ["_starless", "_stars", "_mask", "_reduced"];

        private static string StemPath(string file) => Path.Combine(Path.GetDirectoryName(Path.GetFullPath(file)) ?? "", Path.GetFileNameWithoutExtension(file));

        /// <summary>The other input of the run whose output this file's name is (its stem path), if any.</summary>
        private static string? OutputOfAnother(string file, HashSet<string> stems)
        {
            string stem = StemPath(file);
            foreach (var suffix in OutputSuffixes)
                if (stem.EndsWith(suffix, StringComparison.Ordinal) && stems.Contains(stem[..^suffix.Length])) return stem[..^suffix.Length];
            return null;
        }

        private static List<string> ExpandInputs(string[] inputs)
        {
            var list = new List<string>();
            foreach (var i in inputs)
            {
                if (Directory.Exists(i))
                    list.AddRange(Directory.EnumerateFiles(i).Where(f => ImageFile.FormatFromExtension(f) != ImageFormat.Unknown).OrderBy(f => f, StringComparer.Ordinal));
                else list.Add(i);
            }
            return list;
        }

        /// <summary>Shard i of N: every N-th file from i, so shards are balanced and disjoint.</summary>
        internal static List<string> Shard(List<string> files, string spec)
        {
            var parts = spec.Split('/');
            if (parts.Length != 2 || !int.TryParse(parts[0], out int i) || !int.TryParse(parts[1], out int n) || n < 1 || i < 0 || i >= n)
                throw new UsageException($"--shard {spec}: expected i/N with 0 ≤ i < N");
            return files.Where((_, k) => k % n == i).ToList();
        }
    }
}

/// <summary>Finds the shipped model: $STARPLUGIN_MODEL, then models/ beside the program (the build copies it there).</summary>
public static class ModelLocator
{
    public static string? Default()
    {
        if (Environment.GetEnvironmentVariable("STARPLUGIN_MODEL") is { Length: > 0 } env && File.Exists(env)) return env;
        return ModelFile.FindDefault([AppContext.BaseDirectory]);
    }

    /// <summary>Another shipped model (the lens finder's): $<paramref name="environment"/>, then models/ beside the program.</summary>
    public static string? Find(string name, string environment)
    {
        if (Environment.GetEnvironmentVariable(environment) is { Length: > 0 } env && File.Exists(env)) return env;
        foreach (var candidate in new[] { Path.Combine(AppContext.BaseDirectory, "models", name), Path.Combine(AppContext.BaseDirectory, name) })
            if (File.Exists(candidate)) return candidate;
        return null;
    }
}
