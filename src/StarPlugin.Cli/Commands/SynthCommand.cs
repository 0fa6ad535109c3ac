using System.CommandLine;
using StarPlugin.Cli.Hosting;
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
        return cmd;
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
        var cmd = new Command("stars", "Synthetic star field (gradient + nebula + Moffat/Gaussian stars + noise) with a truth CSV")
            { output, truth, starless, width, height, count, nebula, fwhmMin, fwhmMax, rgb, seed, force };
        cmd.SetAction(p => CommandRunner.Run(ctx, () =>
        {
            string outPath = p.GetValue(output)!;
            string truthPath = p.GetValue(truth) ?? Path.ChangeExtension(outPath, null) + ".truth.csv";
            bool f = p.GetValue(force);
            OutputGuard.Check(outPath, f); OutputGuard.Check(truthPath, f);
            if (p.GetValue(starless) is { } sl) OutputGuard.Check(sl, f);
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
            var wo = new WriteOptions { Overwrite = f };
            ImageFile.Write(outPath, field.Image, wo);
            if (p.GetValue(starless) is { } slPath) ImageFile.Write(slPath, field.Starless, wo);
            Write(truthPath, TruthHeader, field.Truth.Select(t =>
                $"{F(t.X, "F4")},{F(t.Y, "F4")},{F(t.Flux)},{F(t.Fwhm, "F3")},{t.Kind.ToString().ToLowerInvariant()},{F(t.Beta, "F2")},{F(t.Snr, "F2")},{(t.Saturated ? 1 : 0)}"), f);
            ctx.Output.WriteLine($"{outPath}: {o.Width}x{o.Height}, {field.Truth.Count} stars; truth in {truthPath}");
            return ExitCodes.Ok;
        }));
        return cmd;
    }
}
