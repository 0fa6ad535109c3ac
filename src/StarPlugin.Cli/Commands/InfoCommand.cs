using System.CommandLine;
using System.Globalization;
using StarPlugin.Astrometry;
using StarPlugin.Cli.Hosting;
using StarPlugin.Imaging;
using StarPlugin.IO;
using StarPlugin.Stretching;

namespace StarPlugin.Cli.Commands;

/// <summary>`starplugin info FILE`: size, depth, channels, statistics and the key header cards.</summary>
public static class InfoCommand
{
    private static readonly string[] KeyCards =
        ["OBJECT", "DATE-OBS", "EXPTIME", "EXPOSURE", "INSTRUME", "TELESCOP", "FILTER", "GAIN", "CCD-TEMP", "XBINNING", "BAYERPAT", "RA", "DEC", "FOCALLEN", "ROWORDER"];

    public static Command Create(CliContext ctx)
    {
        var file = new Argument<string>("file") { Description = "Image file (FITS, TIFF, PNG, JPEG, PFM, CImg)" };
        var json = CommonOptions.Json();
        var cmd = new Command("info", "Print an image's size, depth, channels, statistics and header cards") { file, json };
        cmd.SetAction(p => CommandRunner.Run(ctx, () => Execute(ctx, p.GetValue(file)!, p.GetValue(json))));
        return cmd;
    }

    private static int Execute(CliContext ctx, string path, bool json)
    {
        var img = ImageFile.Read(path);
        var head = new byte[4096];
        int got;
        using (var fs = File.OpenRead(path)) got = fs.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        var format = ImageFile.Sniff(head.AsSpan(0, got));
        // Statistics in the file's physical units (FITS: BZERO/BSCALE applied), blank pixels left out.
        double units = img.Metadata.PhysicalScale;
        var stats = Enumerable.Range(0, img.Channels).Select(c =>
        {
            var plane = img.Plane(c);
            var (min, max) = RobustStatistics.FiniteMinMax(plane);
            var (median, mad) = RobustStatistics.MedianMad(plane);
            int blank = 0;
            foreach (float v in plane) if (float.IsNaN(v)) blank++;
            return (min: min * units, max: max * units, median: median * units, mad: mad * units, blank);
        }).ToArray();
        CelestialWcs? wcs = null;
        string? wcsProblem = null;
        try { wcs = CelestialWcs.FromCards(img.Metadata.FitsCards); }
        catch (WcsException e) { wcsProblem = e.Message; }
        var centre = wcs?.PixelToSky(PixelFrame.FitsGrid(img), (img.Width - 1) / 2.0, (img.Height - 1) / 2.0);
        float white = LinearDataDetector.WhitePoint(img);
        bool linear = LinearDataDetector.IsLinear(img, white);
        var cards = img.Metadata.FitsCards.Where(c => KeyCards.Contains(c.Key) && c.Value != null).ToList();
        if (json)
        {
            ctx.Output.WriteLine(JsonOut.Write(w =>
            {
                w.WriteStartObject();
                w.WriteString("file", path);
                w.WriteString("format", format.ToString().ToLowerInvariant());
                w.WriteNumber("width", img.Width);
                w.WriteNumber("height", img.Height);
                w.WriteNumber("channels", img.Channels);
                w.WriteBoolean("alpha", img.HasAlpha);
                w.WriteString("depth", img.Metadata.SourceFormat.ToString().ToLowerInvariant());
                w.WriteBoolean("linear", linear);
                w.WriteStartArray("statistics");
                foreach (var s in stats)
                {
                    w.WriteStartObject();
                    w.WriteNumber("min", s.min); w.WriteNumber("max", s.max);
                    w.WriteNumber("median", s.median); w.WriteNumber("mad", s.mad);
                    w.WriteNumber("blank", s.blank);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteString("coordinates", img.Metadata.Convention == CoordinateConvention.Fits ? "fits" : "image");
                if (wcs != null)
                {
                    w.WriteStartObject("wcs");
                    w.WriteString("projection", wcs.Projection); w.WriteString("frame", wcs.Frame);
                    if (!double.IsNaN(wcs.Equinox)) w.WriteNumber("equinox", wcs.Equinox);
                    w.WriteNumber("centre_ra", centre!.Value.Ra); w.WriteNumber("centre_dec", centre.Value.Dec);
                    w.WriteNumber("pixel_scale_arcsec", wcs.PixelScaleArcsec);
                    w.WriteEndObject();
                }
                else if (wcsProblem != null) w.WriteString("wcs_error", wcsProblem);
                w.WriteStartObject("header");
                foreach (var c in cards) w.WriteString(c.Key, c.Value!.Trim('\'', ' '));
                w.WriteEndObject();
                w.WriteNumber("fits_cards", img.Metadata.FitsCards.Count);
                w.WriteNumber("tiff_tags", img.Metadata.TiffTags.Count);
                w.WriteEndObject();
            }));
            return ExitCodes.Ok;
        }
        var o = ctx.Output;
        var inv = CultureInfo.InvariantCulture;
        o.WriteLine($"{path}");
        o.WriteLine($"  format    {format.ToString().ToUpperInvariant()}");
        o.WriteLine($"  size      {img.Width} x {img.Height}");
        o.WriteLine($"  channels  {img.Channels}{(img.HasAlpha ? " (with alpha)" : "")}");
        o.WriteLine($"  depth     {DepthName(img.Metadata.SourceFormat)}");
        o.WriteLine($"  data      {(linear ? "linear (unstretched)" : "non-linear (stretched)")}");
        for (int c = 0; c < stats.Length; c++)
            o.WriteLine(string.Format(inv, "  ch{0}       min {1:G6}  max {2:G6}  median {3:G6}  MAD {4:G6}{5}", c, stats[c].min, stats[c].max, stats[c].median, stats[c].mad,
                stats[c].blank > 0 ? $"  ({stats[c].blank} blank)" : ""));
        if (wcs != null)
            o.WriteLine(string.Format(inv, "  wcs       {0} {1}, centre RA {2:F6} Dec {3:F6} deg, {4:G5}\"/px", wcs.Projection, wcs.Frame.ToUpperInvariant(), centre!.Value.Ra, centre.Value.Dec, wcs.PixelScaleArcsec));
        else if (wcsProblem != null) o.WriteLine($"  wcs       not usable: {wcsProblem}");
        foreach (var c in cards) o.WriteLine($"  {c.Key,-9} {c.Value!.Trim('\'', ' ')}");
        if (img.Metadata.FitsCards.Count > 0) o.WriteLine($"  ({img.Metadata.FitsCards.Count} header cards)");
        if (img.Metadata.TiffTags.Count > 0) o.WriteLine($"  ({img.Metadata.TiffTags.Count} extra TIFF tags kept)");
        return ExitCodes.Ok;
    }

    public static string DepthName(SampleFormat f) => f switch
    {
        SampleFormat.UInt8 => "8-bit integer",
        SampleFormat.UInt16 => "16-bit unsigned integer",
        SampleFormat.Int16 => "16-bit signed integer",
        SampleFormat.UInt32 => "32-bit unsigned integer",
        SampleFormat.Int32 => "32-bit signed integer",
        SampleFormat.Float32 => "32-bit float",
        SampleFormat.Float64 => "64-bit float",
        _ => "unknown",
    };
}
