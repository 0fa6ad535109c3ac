using System.CommandLine;
using StarPlugin.Astrometry;
using StarPlugin.Cli.Hosting;
using StarPlugin.Detection;
using StarPlugin.IO;
using StarPlugin.Imaging;
using StarPlugin.Rendering;
using static StarPlugin.Cli.Hosting.CsvTable;

namespace StarPlugin.Cli.Commands;

/// <summary>
/// `starplugin detect IN`: the Gaussian normalized-correlation star finder. Positions
/// follow the input's convention (FITS: x, y 0-based with y = FITS row − 1, as astropy,
/// sep and photutils; pictures: y from the top), with 1-based x_image, y_image as
/// SExtractor; flux and background are in the file's physical units; ra, dec (degrees)
/// come from the header's WCS.
/// </summary>
public static class DetectCommand
{
    public const string CsvHeader = "row,col,coefficient,brightness,x,y,flux,fwhm,snr,roundness,width,saturated,x_image,y_image,background";
    public const string CsvSkyColumns = ",ra,dec";

    public static Command Create(CliContext ctx)
    {
        var input = new Argument<string>("input") { Description = "Image to search" };
        var csv = new Option<string>("--csv") { Description = "Write the catalogue as CSV (row, col, coefficient, brightness, x, y, flux, fwhm, snr, roundness, width, saturated, x_image, y_image, background, and ra, dec with a WCS)" };
        var regions = new Option<string>("--regions") { Description = "Write a DS9 region file: circles in image coordinates, and sky crosses when the header has a WCS" };
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
        var saturation = new Option<float?>("--saturation") { Description = "Saturation level in the file's units (FITS: physical, e.g. ADU; default: detect clipping)" };
        var json = CommonOptions.Json();
        var force = CommonOptions.Force();
        var maxMegapixels = CommonOptions.MaxMegapixels();
        var cmd = new Command("detect", "Detect stars by Gaussian normalized correlation and write a catalogue")
            { input, csv, regions, overlay, mask, threshold, flatRelief, snr, gMin, gMax, gStep, design, sizeRatio, saturation, json, force, maxMegapixels };
        cmd.SetAction(p => CommandRunner.Run(ctx, () =>
        {
            string inPath = p.GetValue(input)!;
            bool f = p.GetValue(force);
            var plan = new OutputPlan(f, [inPath]);
            if (p.GetValue(csv) is { } c) plan.Add(c, image: false);
            if (p.GetValue(regions) is { } reg) plan.Add(reg, image: false);
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
                SaturationLevel = float.NaN,
                MaxSizeRatio = p.GetValue(sizeRatio) ?? baseOptions.MaxSizeRatio,
            };
            try { options.Validate(); } catch (ArgumentException e) { throw new UsageException(e.Message); }
            var img = ImageInput.Read(inPath, p.GetValue(maxMegapixels));
            // The detector works on the normalised samples; a level in the file's units maps there.
            if (p.GetValue(saturation) is { } level) options = options with { SaturationLevel = (float)(level / img.Metadata.PhysicalScale) };
            CelestialWcs? wcs = null;
            try { wcs = CelestialWcs.FromCards(img.Metadata.FitsCards); }
            catch (WcsException e) { ctx.Error.WriteLine($"starplugin: {inPath}: no sky positions: {e.Message}"); }
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var stars = ctx.WithProgress("detecting", cb => StarDetector.Detect(img, options, cb, ctx.Cancellation));
            double ms = sw.Elapsed.TotalMilliseconds;
            var entries = CatalogueEntry.From(img, stars, wcs);
            if (p.GetValue(csv) is { } csvPath)
                Write(csvPath, CsvHeader + (wcs != null ? CsvSkyColumns : ""), entries.Select(e => Row(e, wcs != null)), f);
            if (p.GetValue(regions) is { } regPath)
            {
                string text = Ds9Regions.Write(img, stars, wcs, Path.GetFileName(inPath));
                AtomicFile.Write(regPath, st => st.Write(System.Text.Encoding.UTF8.GetBytes(text)), f);
            }
            // Overlay and mask are drawn in memory (rows top-down) and carry the input's header,
            // so a FITS overlay or mask keeps the input's row order and WCS and lines up in DS9.
            if (p.GetValue(overlay) is { } ov)
            {
                var drawn = StarOverlay.Draw(img, stars);
                drawn.Metadata = img.Metadata.ForDerivedImage();
                ImageFile.Write(ov, drawn, new WriteOptions { Overwrite = f, Depth = Imaging.SampleFormat.UInt8 });
            }
            if (p.GetValue(mask) is { } mk)
            {
                var m = StarOverlay.Mask(img.Width, img.Height, stars);
                m.Metadata = img.Metadata.ForDerivedImage();
                ImageFile.Write(mk, m, new WriteOptions { Overwrite = f });
            }
            if (p.GetValue(json))
                ctx.Output.WriteLine(JsonOut.Write(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("file", inPath);
                    w.WriteNumber("count", stars.Count);
                    w.WriteNumber("milliseconds", Math.Round(ms, 1));
                    w.WriteString("coordinates", img.Metadata.Convention == CoordinateConvention.Fits ? "fits" : "image");
                    if (wcs != null)
                    {
                        w.WriteStartObject("wcs");
                        w.WriteString("projection", wcs.Projection); w.WriteString("frame", wcs.Frame);
                        if (!double.IsNaN(wcs.Equinox)) w.WriteNumber("equinox", wcs.Equinox);
                        w.WriteNumber("pixel_scale_arcsec", Math.Round(wcs.PixelScaleArcsec, 5));
                        w.WriteEndObject();
                    }
                    w.WriteStartArray("stars");
                    foreach (var e in entries)
                    {
                        var s = e.Star;
                        w.WriteStartObject();
                        w.WriteNumber("row", e.Row); w.WriteNumber("col", e.Col);
                        w.WriteNumber("coefficient", Math.Round(s.Coefficient, 4)); w.WriteNumber("brightness", Math.Round(s.Brightness, 5));
                        // Full precision here (the CSV has 3 decimals): enough to recompute ra/dec to 1e-10°.
                        w.WriteNumber("x", e.X); w.WriteNumber("y", e.Y);
                        w.WriteNumber("x_image", e.XImage); w.WriteNumber("y_image", e.YImage);
                        Finite(w, "flux", e.Flux); Finite(w, "background", e.Background);
                        w.WriteNumber("fwhm", Math.Round(s.Fwhm, 3));
                        w.WriteNumber("snr", Math.Round(s.Snr, 2)); w.WriteNumber("roundness", Math.Round(s.Roundness, 3));
                        w.WriteBoolean("saturated", s.Saturated);
                        if (wcs != null) { w.WriteNumber("ra", Math.Round(e.Ra, 9)); w.WriteNumber("dec", Math.Round(e.Dec, 9)); }
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

    private static void Finite(System.Text.Json.Utf8JsonWriter w, string name, double v)
    {
        if (double.IsFinite(v)) w.WriteNumber(name, v); else w.WriteNull(name);
    }

    public static string Row(CatalogueEntry e, bool sky)
    {
        var s = e.Star;
        string row = $"{e.Row},{e.Col},{F(s.Coefficient, "F4")},{F(s.Brightness, "F6")},{F(e.X, "F3")},{F(e.Y, "F3")},{F(e.Flux)},{F(s.Fwhm, "F3")},{F(s.Snr, "F2")},{F(s.Roundness, "F3")},{F(s.Width, "F2")},{(s.Saturated ? 1 : 0)},{F(e.XImage, "F3")},{F(e.YImage, "F3")},{F(e.Background)}";
        return sky ? row + $",{F(e.Ra, "F9")},{F(e.Dec, "F9")}" : row;
    }
}
