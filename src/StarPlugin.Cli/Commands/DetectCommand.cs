using System.CommandLine;
using StarPlugin.Cli.Hosting;
using StarPlugin.Detection;
using StarPlugin.IO;
using StarPlugin.Rendering;
using static StarPlugin.Cli.Hosting.CsvTable;

namespace StarPlugin.Cli.Commands;

/// <summary>`starplugin detect IN`: the Gaussian normalized-correlation star finder.</summary>
public static class DetectCommand
{
    public const string CsvHeader = "row,col,coefficient,brightness,x,y,flux,fwhm,snr,roundness,width,saturated";

    public static Command Create(CliContext ctx)
    {
        var input = new Argument<string>("input") { Description = "Image to search" };
        var csv = new Option<string>("--csv") { Description = "Write the catalogue as CSV (row, col, coefficient, brightness, x, y, flux, fwhm, snr, roundness, width, saturated)" };
        var overlay = new Option<string>("--overlay") { Description = "Write a stretched copy with circles around the stars (PNG/TIFF/...)" };
        var mask = new Option<string>("--mask") { Description = "Write a feathered star mask in [0,1]" };
        var threshold = new Option<float?>("--threshold", "-D") { Description = "Correlation threshold D in (-1,1) (default 0.58)" };
        var flatRelief = new Option<float?>("--flat-sky-relief") { Description = "How far D drops where the sky is flat (noise only, no nebula or gradient); 0 = one D everywhere (default 0.18)" };
        var snr = new Option<float?>("--snr") { Description = "Brightness threshold in units of local noise (default 5)" };
        var gMin = new Option<float?>("--g-min") { Description = "Smallest Gaussian width σ of the sweep (default 0.8)" };
        var gMax = new Option<float?>("--g-max") { Description = "Largest Gaussian width σ of the sweep (default 2.0)" };
        var gStep = new Option<float?>("--g-step") { Description = "Step of the width sweep (default 0.4)" };
        var design = new Option<bool>("--design-sweep") { Description = "Use the design's sweep: g = 0.1..2 step 0.05" };
        var sizeRatio = new Option<float?>("--max-size-ratio") { Description = "Reject sources larger than this multiple of their kernel's FWHM (default 1.8)" };
        var saturation = new Option<float?>("--saturation") { Description = "Saturation level in input units (default: detect clipping)" };
        var json = CommonOptions.Json();
        var force = CommonOptions.Force();
        var maxMegapixels = CommonOptions.MaxMegapixels();
        var cmd = new Command("detect", "Detect stars by Gaussian normalized correlation and write a catalogue")
            { input, csv, overlay, mask, threshold, flatRelief, snr, gMin, gMax, gStep, design, sizeRatio, saturation, json, force, maxMegapixels };
        cmd.SetAction(p => CommandRunner.Run(ctx, () =>
        {
            string inPath = p.GetValue(input)!;
            bool f = p.GetValue(force);
            var plan = new OutputPlan(f, [inPath]);
            if (p.GetValue(csv) is { } c) plan.Add(c, image: false);
            if (p.GetValue(overlay) is { } ovl) plan.Add(ovl, image: true);
            if (p.GetValue(mask) is { } msk) plan.Add(msk, image: true);
            var baseOptions = p.GetValue(design) ? DetectionOptions.DesignSweep : new DetectionOptions();
            var options = baseOptions with
            {
                Threshold = p.GetValue(threshold) ?? baseOptions.Threshold,
                FlatSkyRelief = p.GetValue(flatRelief) ?? baseOptions.FlatSkyRelief,
                SnrThreshold = p.GetValue(snr) ?? baseOptions.SnrThreshold,
                GMin = p.GetValue(gMin) ?? baseOptions.GMin,
                GMax = p.GetValue(gMax) ?? baseOptions.GMax,
                GStep = p.GetValue(gStep) ?? baseOptions.GStep,
                SaturationLevel = p.GetValue(saturation) ?? float.NaN,
                MaxSizeRatio = p.GetValue(sizeRatio) ?? baseOptions.MaxSizeRatio,
            };
            try { options.Validate(); } catch (ArgumentException e) { throw new UsageException(e.Message); }
            var img = ImageInput.Read(inPath, p.GetValue(maxMegapixels));
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var stars = ctx.WithProgress("detecting", cb => StarDetector.Detect(img, options, cb, ctx.Cancellation));
            double ms = sw.Elapsed.TotalMilliseconds;
            if (p.GetValue(csv) is { } csvPath)
                Write(csvPath, CsvHeader, stars.Select(Row), f);
            if (p.GetValue(overlay) is { } ov)
                ImageFile.Write(ov, StarOverlay.Draw(img, stars), new WriteOptions { Overwrite = f, Depth = Imaging.SampleFormat.UInt8 });
            if (p.GetValue(mask) is { } mk)
                ImageFile.Write(mk, StarOverlay.Mask(img.Width, img.Height, stars), new WriteOptions { Overwrite = f });
            if (p.GetValue(json))
                ctx.Output.WriteLine(JsonOut.Write(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("file", inPath);
                    w.WriteNumber("count", stars.Count);
                    w.WriteNumber("milliseconds", Math.Round(ms, 1));
                    w.WriteStartArray("stars");
                    foreach (var s in stars)
                    {
                        w.WriteStartObject();
                        w.WriteNumber("row", s.Row); w.WriteNumber("col", s.Col);
                        w.WriteNumber("coefficient", Math.Round(s.Coefficient, 4)); w.WriteNumber("brightness", Math.Round(s.Brightness, 5));
                        w.WriteNumber("x", Math.Round(s.X, 3)); w.WriteNumber("y", Math.Round(s.Y, 3));
                        w.WriteNumber("flux", s.Flux); w.WriteNumber("fwhm", Math.Round(s.Fwhm, 3));
                        w.WriteNumber("snr", Math.Round(s.Snr, 2)); w.WriteNumber("roundness", Math.Round(s.Roundness, 3));
                        w.WriteBoolean("saturated", s.Saturated);
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                    w.WriteEndObject();
                }));
            else
                ctx.Output.WriteLine($"{inPath}: {stars.Count} stars ({stars.Count(s => s.Saturated)} saturated) in {ms:F0} ms");
            return ExitCodes.Ok;
        }));
        return cmd;
    }

    public static string Row(DetectedStar s) =>
        $"{s.Row},{s.Col},{F(s.Coefficient, "F4")},{F(s.Brightness, "F6")},{F(s.X, "F3")},{F(s.Y, "F3")},{F(s.Flux)},{F(s.Fwhm, "F3")},{F(s.Snr, "F2")},{F(s.Roundness, "F3")},{F(s.Width, "F2")},{(s.Saturated ? 1 : 0)}";
}
