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
        public Option<int> Tile { get; } = new("--tile") { Description = "Tile size (default: the model's)" };
        public Option<int> Overlap { get; } = new("--overlap") { Description = "Tile overlap (default: the model's)", DefaultValueFactory = _ => -1 };
        public Option<int> Batch { get; } = new("--batch") { Description = "Tiles per inference call (larger helps on GPUs)", DefaultValueFactory = _ => 1 };
        public Option<string> Stretch { get; } = new("--stretch") { Description = "auto (detect linear data, default), always or never", DefaultValueFactory = _ => "auto" };
        public Option<string> OutDir { get; } = new("--out-dir") { Description = "Batch mode: write outputs here as NAME_starless.EXT etc." };
        public Option<string> Format { get; } = new("--format") { Description = "Batch mode: output extension (default: the input's)" };
        public Option<bool> SkipExisting { get; } = new("--skip-existing") { Description = "Batch mode: skip inputs whose outputs exist (resume)" };
        public Option<string> Shard { get; } = new("--shard") { Description = "Batch mode: process shard i of N (i/N, 0-based), for job arrays" };
        public Option<bool> NoCleanup { get; } = new("--no-cleanup") { Description = "Network only: skip the pass that fills stars the network left behind" };
        public Option<string> KeepGalaxies { get; } = new("--keep-galaxies")
        {
            Description = "Give back sources broader than the field's stars (small galaxies the network took): auto (default: in galaxy fields only), always (bare --keep-galaxies) or never",
            // Absent: null (auto). Bare: no token, which means always.
            Arity = ArgumentArity.ZeroOrOne,
            CustomParser = r => r.Tokens.Count == 0 ? "always" : r.Tokens[0].Value,
        };
        public Option<bool> Json { get; } = CommonOptions.Json();
        public Option<bool> Force { get; } = CommonOptions.Force();

        public Common()
        {
            Device.AcceptOnlyFromAmong("auto", "cpu", "dml", "cuda");
            Stretch.AcceptOnlyFromAmong("auto", "always", "never");
            KeepGalaxies.AcceptOnlyFromAmong("auto", "always", "never");
        }

        public void AddTo(Command c)
        {
            foreach (var o in new Option[] { Model, Device, Threads, Tile, Overlap, Batch, Stretch, NoCleanup, KeepGalaxies, OutDir, Format, SkipExisting, Shard, Json, Force }) c.Add(o);
            c.Add(Inputs);
        }

        public StarRemover Load(ParseResult p, CliContext ctx)
        {
            string model = p.GetValue(Model) ?? ModelLocator.Default() ?? throw new UsageException("no model found: pass --model FILE.onnx (see models/MODEL_CARD.md)");
            var device = p.GetValue(Device) switch { "cpu" => ExecutionDevice.Cpu, "dml" => ExecutionDevice.DirectML, "cuda" => ExecutionDevice.Cuda, _ => ExecutionDevice.Auto };
            var remover = new StarRemover(model, new Inference.SessionOptions { Device = device, Threads = p.GetValue(Threads) });
            if (!p.GetValue(Json)) ctx.Error.WriteLine($"starplugin: model {Path.GetFileName(model)} on {remover.Device}{(remover.DeviceNotes.Count > 0 && device == ExecutionDevice.Auto ? $" ({string.Join("; ", remover.DeviceNotes)})" : "")}");
            return remover;
        }

        public RemovalOptions Options(ParseResult p, StarLayerMode layer = StarLayerMode.Add) => new()
        {
            Stretch = p.GetValue(Stretch) switch { "always" => StretchMode.Always, "never" => StretchMode.Never, _ => StretchMode.Auto },
            Tiling = new TilingOptions { Tile = p.GetValue(Tile), Overlap = p.GetValue(Overlap), Batch = Math.Max(1, p.GetValue(Batch)) },
            StarLayer = layer,
            Cleanup = !p.GetValue(NoCleanup),
            KeepGalaxies = p.GetValue(KeepGalaxies) switch { "always" => GalaxyMode.Always, "never" => GalaxyMode.Never, _ => GalaxyMode.Auto },
        };
    }

    public static Command Remove(CliContext ctx)
    {
        var c = new Common();
        var starless = new Option<string>("--starless") { Description = "Single file: the starless output" };
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
            var outputs = new List<(string Suffix, Func<RemovalResult, AstroImage> Pick, string? SinglePath)>
            {
                ("starless", r => r.Starless, p.GetValue(starless)),
            };
            if (p.GetValue(stars) != null || p.GetValue(withStars)) outputs.Add(("stars", r => r.Stars, p.GetValue(stars)));
            if (p.GetValue(mask) != null || p.GetValue(withMask)) outputs.Add(("mask", r => r.Mask, p.GetValue(mask)));
            return BatchRunner.Run(ctx, p, c, outputs, (remover, img, cb) => remover.Remove(img, c.Options(p, layer), cb, ctx.Cancellation));
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
            var outputs = new List<(string, Func<RemovalResult, AstroImage>, string?)> { ("reduced", r => StarReducer.Reduce(r, a, m), p.GetValue(output)) };
            return BatchRunner.Run(ctx, p, c, outputs, (remover, img, cb) => remover.Remove(img, c.Options(p), cb, ctx.Cancellation));
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
            var outputs = new List<(string, Func<RemovalResult, AstroImage>, string?)> { ("mask", r => r.Mask, p.GetValue(output)) };
            return BatchRunner.Run(ctx, p, c, outputs, (remover, img, cb) => remover.Remove(img, c.Options(p), cb, ctx.Cancellation));
        }));
        return cmd;
    }

    /// <summary>Single-file or batch execution shared by the three commands.</summary>
    private static class BatchRunner
    {
        public static int Run(CliContext ctx, ParseResult p, Common c, List<(string Suffix, Func<RemovalResult, AstroImage> Pick, string? SinglePath)> outputs,
            Func<StarRemover, AstroImage, Progress.ProgressCallback, RemovalResult> work)
        {
            var inputs = p.GetValue(c.Inputs)!;
            string? outDir = p.GetValue(c.OutDir);
            bool force = p.GetValue(c.Force);
            if (outDir == null)
            {
                if (inputs.Length != 1 || Directory.Exists(inputs[0])) throw new UsageException("several inputs or a directory need --out-dir");
                if (outputs.Any(o => o.SinglePath == null) && outputs.Count(o => o.SinglePath != null) == 0)
                    throw new UsageException($"give an output file ({string.Join(", ", outputs.Select(o => "--" + (o.Suffix is "reduced" or "mask" ? "output" : o.Suffix)))}) or --out-dir");
                foreach (var o in outputs.Where(o => o.SinglePath != null)) OutputGuard.Check(o.SinglePath!, force, inputs[0]);
                var img = ImageFile.Read(inputs[0]);
                using var remover = c.Load(p, ctx);
                var result = ctx.WithProgress(Path.GetFileName(inputs[0]), cb => work(remover, img, cb));
                foreach (var o in outputs.Where(o => o.SinglePath != null))
                    ImageFile.Write(o.SinglePath!, o.Pick(result), new WriteOptions { Overwrite = force });
                if (p.GetValue(c.Json))
                    ctx.Output.WriteLine(JsonOut.Write(w =>
                    {
                        w.WriteStartObject(); w.WriteString("input", inputs[0]); w.WriteBoolean("stretched", result.Stretched);
                        w.WriteNumber("galaxies_kept", result.GalaxiesKept); w.WriteString("device", remover.Device.ToString().ToLowerInvariant()); w.WriteEndObject();
                    }));
                else if (result.GalaxiesKept > 0)
                    ctx.Error.WriteLine($"starplugin: kept {result.GalaxiesKept} sources broader than the stars (galaxies); --keep-galaxies never removes them too");
                return ExitCodes.Ok;
            }

            var files = ExpandInputs(inputs);
            if (p.GetValue(c.Shard) is { } shard) files = Shard(files, shard);
            Directory.CreateDirectory(outDir);
            string? format = p.GetValue(c.Format);
            if (format != null && ImageFile.FormatFromExtension("x." + format.TrimStart('.')) == ImageFormat.Unknown) throw new UsageException($"--format {format}: unknown format");
            string OutPath(string input, string suffix) =>
                Path.Combine(outDir, $"{Path.GetFileNameWithoutExtension(input)}_{suffix}.{(format ?? Path.GetExtension(input).TrimStart('.')).TrimStart('.')}");
            var todo = files.Where(f => !(p.GetValue(c.SkipExisting) && outputs.All(o => File.Exists(OutPath(f, o.Suffix))))).ToList();
            int skipped = files.Count - todo.Count, failed = 0, done = 0;
            if (todo.Count == 0) { ctx.Error.WriteLine($"starplugin: nothing to do ({skipped} already done)"); return ExitCodes.Ok; }
            using var remover2 = c.Load(p, ctx); // one session for the whole batch
            ctx.WithProgress($"{todo.Count} images", cb =>
            {
                for (int i = 0; i < todo.Count; i++)
                {
                    string f = todo[i];
                    try
                    {
                        foreach (var o in outputs) OutputGuard.Check(OutPath(f, o.Suffix), force || p.GetValue(c.SkipExisting), f);
                        var img = ImageFile.Read(f);
                        int index = i;
                        var result = work(remover2, img, (frac, stage) => cb((index + frac) / todo.Count, Path.GetFileName(f)));
                        foreach (var o in outputs) ImageFile.Write(OutPath(f, o.Suffix), o.Pick(result), new WriteOptions { Overwrite = true });
                        done++;
                    }
                    catch (OperationCanceledException) { throw; }
                    catch (Exception e) when (e is ImageFormatException or ImageSizeException or IOException or UsageException or ArgumentException or UnauthorizedAccessException)
                    {
                        failed++;
                        ctx.Error.WriteLine($"starplugin: skipped {f}: {e.Message}");
                    }
                    if (!cb((i + 1.0) / todo.Count, "")) throw new OperationCanceledException();
                }
                return 0;
            });
            ctx.Error.WriteLine($"starplugin: {done} done, {failed} failed, {skipped} skipped");
            return failed > 0 && done == 0 ? ExitCodes.InputError : ExitCodes.Ok;
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

/// <summary>Finds the shipped model: $STARPLUGIN_MODEL, then models/ beside the program, then up the tree.</summary>
public static class ModelLocator
{
    public const string DefaultName = "starless-v1.onnx";

    public static string? Default() => Find(DefaultName, "STARPLUGIN_MODEL");

    /// <summary>A model file: $<paramref name="environment"/>, then models/ beside the program and up the tree.</summary>
    public static string? Find(string name, string environment)
    {
        if (Environment.GetEnvironmentVariable(environment) is { Length: > 0 } env && File.Exists(env)) return env;
        string? dir = AppContext.BaseDirectory;
        for (int i = 0; i < 6 && dir != null; i++, dir = Path.GetDirectoryName(dir.TrimEnd(Path.DirectorySeparatorChar)))
        {
            foreach (var candidate in new[] { Path.Combine(dir, "models", name), Path.Combine(dir, name) })
                if (File.Exists(candidate)) return candidate;
        }
        return null;
    }
}
