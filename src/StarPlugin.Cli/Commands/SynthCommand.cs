using System.CommandLine;
using StarPlugin.Cli.Hosting;
using StarPlugin.Imaging;
using StarPlugin.IO;
using StarPlugin.Synthesis;
using static StarPlugin.Cli.Hosting.CsvTable;

namespace StarPlugin.Cli.Commands;

/// <summary>`starplugin synth stars OUT`: a synthetic star field with a truth catalogue.</summary>
public static class SynthCommand
{
    public const string TruthHeader = "x,y,flux,fwhm,psf,beta,snr,saturated";

    public static Command Create(CliContext ctx)
    {
        var cmd = new Command("synth", "Make synthetic data with known truth");
        cmd.Add(Stars(ctx));
        cmd.Add(Pairs(ctx));
        return cmd;
    }

    /// <summary>
    /// Magic of one record of the binary pair stream ('SPPF' little-endian). Each change of
    /// the record took a new one ('SPPR', then 'SPPG' with the galaxy mask, then 'SPPF' with
    /// the PSF FWHM), so an old reader fails loudly instead of misreading.
    /// </summary>
    public const int StreamMagic = 0x46505053;

    private static Command Pairs(CliContext ctx)
    {
        var n = new Option<int>("--n") { Description = "Number of pairs (with --stream, 0 = endless)", DefaultValueFactory = _ => 16 };
        var size = new Option<int>("--size") { Description = "Side of each square pair in pixels", DefaultValueFactory = _ => 256 };
        var outDir = new Option<string>("--out") { Description = "Directory for NNNNN_input.tif, NNNNN_target.tif, NNNNN_stars.tif, NNNNN_galaxies.tif (galaxy mask) and NNNNN_pair.txt (what was drawn; psf= is the measured PSF FWHM)" };
        var stream = new Option<bool>("--stream") { Description = "Write binary records to stdout for a trainer: int32 magic 'SPPF', channels, size, float32 PSF FWHM (px, as the remover measures it), then the input and target planes and one galaxy-mask plane as float32" };
        var seed = new Option<int>("--seed") { Description = "Seed of the first pair; pair i uses seed + i", DefaultValueFactory = _ => 1 };
        var channels = new Option<int>("--channels") { Description = "1 or 3 (default: random per pair)" };
        var force = CommonOptions.Force();
        var cmd = new Command("pairs", "Synthetic training pairs for the star remover (input, star-free target, star layer, galaxy mask)") { n, size, outDir, stream, seed, channels, force };
        cmd.SetAction(p => CommandRunner.Run(ctx, () =>
        {
            int count = p.GetValue(n), side = p.GetValue(size), first = p.GetValue(seed);
            int? ch = p.GetValue(channels) is var c && c != 0 ? c : null;
            if (ch is not (null or 1 or 3)) throw new UsageException("--channels must be 1 or 3");
            if (side is < 16 or > 8192) throw new UsageException("--size must be 16..8192");
            if (count < 0) throw new UsageException("--n must be ≥ 0");
            bool toStream = p.GetValue(stream);
            string? dir = p.GetValue(outDir);
            if (toStream == (dir != null)) throw new UsageException("give exactly one of --out DIR or --stream");
            if (toStream) return StreamPairs(ctx, count, side, first, ch);
            Directory.CreateDirectory(dir!);
            var wo = new WriteOptions { Overwrite = p.GetValue(force), Depth = Imaging.SampleFormat.Float32 };
            ctx.WithProgress("synthesising pairs", cb =>
            {
                for (int i = 0; i < count; i++)
                {
                    var pair = TrainingPairSynthesizer.Render(side, first + i, JpegRoundTrip, ch);
                    string stem = Path.Combine(dir!, $"{first + i:D5}");
                    ImageFile.Write(stem + "_input.tif", pair.Input, wo);
                    ImageFile.Write(stem + "_target.tif", pair.Target, wo);
                    ImageFile.Write(stem + "_stars.tif", pair.StarLayer, wo);
                    ImageFile.Write(stem + "_galaxies.tif", new AstroImage(side, side, 1, pair.GalaxyMask), wo);
                    // What was drawn, and the PSF FWHM a PSF-aware model is given, as text.
                    AtomicFile.Write(stem + "_pair.txt", s => s.Write(System.Text.Encoding.UTF8.GetBytes(pair.Description + "\n")), wo.Overwrite);
                    if (!cb((i + 1.0) / count, pair.Description)) throw new OperationCanceledException();
                }
                return 0;
            });
            ctx.Output.WriteLine($"{count} pairs of {side}x{side} in {dir}");
            return ExitCodes.Ok;
        }));
        return cmd;
    }

    private static int StreamPairs(CliContext ctx, int count, int side, int first, int? channels)
    {
        using var stdout = Console.OpenStandardOutput();
        var header = new byte[16];
        // Pairs render in parallel in small batches; order (and so the data) stays deterministic.
        const int Batch = 8;
        for (long i = 0; count == 0 || i < count; i += Batch)
        {
            int k = count == 0 ? Batch : (int)Math.Min(Batch, count - i);
            var batch = new TrainingPair[k];
            Parallel.For(0, k, j => batch[j] = TrainingPairSynthesizer.Render(side, (int)(first + i + j), JpegRoundTrip, channels));
            try
            {
                foreach (var pair in batch)
                {
                    BitConverter.TryWriteBytes(header.AsSpan(0), StreamMagic);
                    BitConverter.TryWriteBytes(header.AsSpan(4), pair.Input.Channels);
                    BitConverter.TryWriteBytes(header.AsSpan(8), side);
                    BitConverter.TryWriteBytes(header.AsSpan(12), pair.PsfFwhm);
                    stdout.Write(header);
                    stdout.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(pair.Input.Data.AsSpan()));
                    stdout.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(pair.Target.Data.AsSpan()));
                    stdout.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(pair.GalaxyMask.AsSpan()));
                }
                stdout.Flush();
            }
            catch (IOException) { return ExitCodes.Ok; } // the trainer closed the pipe: done
        }
        return ExitCodes.Ok;
    }

    /// <summary>JPEG compression at a quality, decoded back: one of the training domains.</summary>
    private static AstroImage JpegRoundTrip(AstroImage img, int quality)
    {
        var ms = new MemoryStream();
        ImageFile.Encode(ms, img, ImageFormat.Jpeg, new WriteOptions { JpegQuality = quality });
        var back = ImageFile.Decode(ms.ToArray());
        return back.Channels == img.Channels ? back : img;
    }

    private static Command Stars(CliContext ctx)
    {
        var output = new Argument<string>("output") { Description = "Image to write (FITS keeps float precision)" };
        var truth = new Option<string>("--truth") { Description = "Truth CSV (default: OUTPUT with .truth.csv)" };
        var starless = new Option<string>("--starless") { Description = "Also write the same sky without stars" };
        var width = new Option<int>("--width") { Description = "Width in pixels", DefaultValueFactory = _ => 1024 };
        var height = new Option<int>("--height") { Description = "Height in pixels", DefaultValueFactory = _ => 1024 };
        var count = new Option<int>("--stars") { Description = "Number of stars", DefaultValueFactory = _ => 500 };
        var nebula = new Option<float>("--nebula") { Description = "Peak nebula brightness in electrons (0 = flat sky)", DefaultValueFactory = _ => 3000f };
        var fwhmMin = new Option<float>("--fwhm-min") { DefaultValueFactory = _ => 2f, Description = "Smallest FWHM in pixels" };
        var fwhmMax = new Option<float>("--fwhm-max") { DefaultValueFactory = _ => 5f, Description = "Largest FWHM in pixels" };
        var rgb = new Option<bool>("--rgb") { Description = "Colour (blackbody stars, Hα/OIII clouds) instead of mono" };
        var seed = new Option<int>("--seed") { Description = "Random seed", DefaultValueFactory = _ => 1 };
        var force = CommonOptions.Force();
        var fmt = new OutputFormatOptions();
        var cmd = new Command("stars", "Synthetic star field (gradient + nebula + Moffat/Gaussian stars + noise) with a truth CSV")
            { output, truth, starless, width, height, count, nebula, fwhmMin, fwhmMax, rgb, seed, force };
        // --depth u16 (or u8) writes integer samples straight away: the field is already
        // scaled so that the full well (65535 ADU) is white.
        fmt.AddTo(cmd);
        cmd.SetAction(p => CommandRunner.Run(ctx, () =>
        {
            string outPath = p.GetValue(output)!;
            string truthPath = p.GetValue(truth) ?? Path.ChangeExtension(outPath, null) + ".truth.csv";
            bool f = p.GetValue(force);
            var plan = new OutputPlan(f, []);
            plan.Add(outPath, image: true);
            plan.Add(truthPath, image: false);
            if (p.GetValue(starless) is { } sl) plan.Add(sl, image: true);
            if (p.GetValue(fmt.Tile) is var t && t != 0 && (t < 16 || t % 16 != 0)) throw new UsageException("--tile must be a multiple of 16");
            if (p.GetValue(count) < 0) throw new UsageException("--stars must be ≥ 0");
            if (!(p.GetValue(fwhmMin) > 0.5f) || p.GetValue(fwhmMax) < p.GetValue(fwhmMin)) throw new UsageException("need 0.5 < --fwhm-min ≤ --fwhm-max");
            var o = new StarFieldOptions
            {
                Width = p.GetValue(width), Height = p.GetValue(height), StarCount = p.GetValue(count),
                FwhmMin = p.GetValue(fwhmMin), FwhmMax = p.GetValue(fwhmMax), Channels = p.GetValue(rgb) ? 3 : 1,
                Seed = p.GetValue(seed), Background = new NebulaBackground { NebulaAmplitude = p.GetValue(nebula) },
            };
            StarField field;
            try { field = ctx.WithProgress("synthesising", _ => StarFieldSynthesizer.Render(o)); }
            catch (ArgumentException e) { throw new UsageException(e.Message); }
            var wo = fmt.Read(p, f);
            ImageFile.Write(outPath, field.Image, wo);
            if (p.GetValue(starless) is { } slPath) ImageFile.Write(slPath, field.Starless, wo);
            // The truth counts positions as catalogues of the written file do (FITS: from its first row).
            var frame = new PixelFrame(o.Width, o.Height, ImageFile.FormatFromExtension(outPath) == ImageFormat.Fits && field.Image.Metadata.FitsRowsFromBottom);
            Write(truthPath, TruthHeader, field.Truth.Select(t =>
                $"{F(t.X, "F4")},{F(frame.Y(t.Y), "F4")},{F(t.Flux)},{F(t.Fwhm, "F3")},{t.Kind.ToString().ToLowerInvariant()},{F(t.Beta, "F2")},{F(t.Snr, "F2")},{(t.Saturated ? 1 : 0)}"), f);
            ctx.Output.WriteLine($"{outPath}: {o.Width}x{o.Height}, {field.Truth.Count} stars; truth in {truthPath}");
            return ExitCodes.Ok;
        }));
        return cmd;
    }
}
