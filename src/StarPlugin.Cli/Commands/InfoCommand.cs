using System.CommandLine;
using System.Globalization;
using StarPlugin.Astrometry;
using StarPlugin.Cli.Hosting;
using StarPlugin.Imaging;
using StarPlugin.IO;
using StarPlugin.IO.Fits;
using StarPlugin.Stretching;

namespace StarPlugin.Cli.Commands;

/// <summary>`starplugin info FILE`: size, depth, channels, statistics and the key header cards.</summary>
public static class InfoCommand
{
    private static readonly string[] KeyCards =
        ["OBJECT", "DATE-OBS", "EXPTIME", "EXPOSURE", "INSTRUME", "TELESCOP", "FILTER", "GAIN", "CCD-TEMP", "XBINNING", "BAYERPAT", "RA", "DEC", "FOCALLEN", "ROWORDER"];

    /// <summary>Statistics of pictures are computed without --stats up to this size; above it info reads the header only (FITS: always, streamed).</summary>
    public const double StatisticsMegapixels = 64;

    public static Command Create(CliContext ctx)
    {
        var file = new Argument<string>("file") { Description = "Image file (FITS, .fz, TIFF, PNG, JPEG, PFM, CImg, XISF)" };
        var json = CommonOptions.Json();
        var stats = new Option<bool>("--stats") { Description = $"Also compute statistics for images over {StatisticsMegapixels} megapixels (FITS: read rows at a time, in little memory; other formats: the whole image is decoded and --max-megapixels applies)" };
        var maxMegapixels = CommonOptions.MaxMegapixels();
        var cmd = new Command("info", "Print an image's size, depth, channels, header cards and statistics") { file, json, stats, maxMegapixels };
        cmd.SetAction(p => CommandRunner.Run(ctx, () => Execute(ctx, p.GetValue(file)!, p.GetValue(json), p.GetValue(stats), p.GetValue(maxMegapixels))));
        return cmd;
    }

    private static int Execute(CliContext ctx, string path, bool json, bool forceStats, double maxMegapixels)
    {
        // The header alone, whatever the size: the file is mapped and no pixel is decoded.
        var header = ImageFile.ReadHeader(path);
        var md = header.Metadata;
        bool hasAlpha = header.Channels is 2 or 4;
        string? skipped = null;
        (double min, double max, double median, double mad, int blank)[]? stats = null;
        bool? linear = null;
        if ((forceStats || header.Pixels <= StatisticsMegapixels * 1e6) && header.Format == ImageFormat.Fits)
            (stats, linear) = StreamedFitsStatistics(path, md.PhysicalScale);
        else if (forceStats || header.Pixels <= StatisticsMegapixels * 1e6)
        {
            var img = ImageInput.Read(path, maxMegapixels);
            // Statistics in the file's physical units (FITS: BZERO/BSCALE applied), blank pixels left out.
            double units = img.Metadata.PhysicalScale;
            stats = Enumerable.Range(0, img.Channels).Select(c =>
            {
                var plane = img.Plane(c);
                var (min, max) = RobustStatistics.FiniteMinMax(plane);
                var (median, mad) = RobustStatistics.MedianMad(plane);
                int blank = 0;
                foreach (float v in plane) if (float.IsNaN(v)) blank++;
                return (min: min * units, max: max * units, median: median * units, mad: mad * units, blank);
            }).ToArray();
            float white = LinearDataDetector.WhitePoint(img);
            linear = LinearDataDetector.IsLinear(img, white);
        }
        else skipped = string.Format(CultureInfo.InvariantCulture, "{0:0.#} megapixels: header only (--stats decodes the image)", header.Pixels / 1e6);
        CelestialWcs? wcs = null;
        string? wcsProblem = null;
        try { wcs = CelestialWcs.FromCards(md.FitsCards); }
        catch (WcsException e) { wcsProblem = e.Message; }
        var centre = wcs?.PixelToSky(new PixelFrame(header.Width, header.Height, md.FitsRowsFromBottom), (header.Width - 1) / 2.0, (header.Height - 1) / 2.0);
        var cards = md.FitsCards.Where(c => KeyCards.Contains(c.Key) && c.Value != null).ToList();
        if (json)
        {
            ctx.Output.WriteLine(JsonOut.Write(w =>
            {
                w.WriteStartObject();
                w.WriteString("file", path);
                w.WriteString("format", header.Format.ToString().ToLowerInvariant());
                w.WriteNumber("width", header.Width);
                w.WriteNumber("height", header.Height);
                w.WriteNumber("channels", header.Channels);
                w.WriteBoolean("alpha", hasAlpha);
                w.WriteString("depth", md.SourceFormat.ToString().ToLowerInvariant());
                if (linear is { } l) w.WriteBoolean("linear", l); else w.WriteNull("linear");
                if (stats != null)
                {
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
                }
                else { w.WriteNull("statistics"); w.WriteString("statistics_skipped", skipped); }
                w.WriteString("coordinates", md.Convention == CoordinateConvention.Fits ? "fits" : "image");
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
                w.WriteNumber("fits_cards", md.FitsCards.Count);
                w.WriteNumber("tiff_tags", md.TiffTags.Count);
                w.WriteEndObject();
            }));
            return ExitCodes.Ok;
        }
        var o = ctx.Output;
        var inv = CultureInfo.InvariantCulture;
        o.WriteLine($"{path}");
        o.WriteLine($"  format    {header.Format.ToString().ToUpperInvariant()}");
        o.WriteLine($"  size      {header.Width} x {header.Height}");
        o.WriteLine($"  channels  {header.Channels}{(hasAlpha ? " (with alpha)" : "")}");
        o.WriteLine($"  depth     {DepthName(md.SourceFormat)}");
        if (linear is { } lin) o.WriteLine($"  data      {(lin ? "linear (unstretched)" : "non-linear (stretched)")}");
        if (stats != null)
            for (int c = 0; c < stats.Length; c++)
                o.WriteLine(string.Format(inv, "  ch{0}       min {1:G6}  max {2:G6}  median {3:G6}  MAD {4:G6}{5}", c, stats[c].min, stats[c].max, stats[c].median, stats[c].mad,
                    stats[c].blank > 0 ? $"  ({stats[c].blank} blank)" : ""));
        else o.WriteLine($"  stats     skipped: {skipped}");
        if (wcs != null)
            o.WriteLine(string.Format(inv, "  wcs       {0} {1}, centre RA {2:F6} Dec {3:F6} deg, {4:G5}\"/px", wcs.Projection, wcs.Frame.ToUpperInvariant(), centre!.Value.Ra, centre.Value.Dec, wcs.PixelScaleArcsec));
        else if (wcsProblem != null) o.WriteLine($"  wcs       not usable: {wcsProblem}");
        foreach (var c in cards) o.WriteLine($"  {c.Key,-9} {c.Value!.Trim('\'', ' ')}");
        if (md.FitsCards.Count > 0) o.WriteLine($"  ({md.FitsCards.Count} header cards)");
        if (md.TiffTags.Count > 0) o.WriteLine($"  ({md.TiffTags.Count} extra TIFF tags kept)");
        return ExitCodes.Ok;
    }

    /// <summary>
    /// A FITS image's statistics read rows at a time (any size, memory of a band of rows and
    /// the median's sample): exact min, max and blank count; median and MAD over the same
    /// even stride of samples as for an image in memory (<see cref="RobustStatistics.MaxSamples"/>),
    /// taken in the file's row order.
    /// </summary>
    private static ((double min, double max, double median, double mad, int blank)[], bool) StreamedFitsStatistics(string path, double units)
    {
        using var rows = FitsRowSource.Open(path);
        int w = rows.Width, h = rows.Height;
        long n = (long)w * h;
        long stride = Math.Max(1, n / RobustStatistics.MaxSamples);
        int band = Math.Max(1, Math.Min(h, (1 << 20) / w));
        var buffer = new float[(long)band * w];
        var stats = new (double min, double max, double median, double mad, int blank)[rows.Planes];
        float[]? firstSample = null;
        for (int p = 0; p < rows.Planes; p++)
        {
            float min = float.PositiveInfinity, max = float.NegativeInfinity;
            int blank = 0, count = 0;
            var sample = new float[(n + stride - 1) / stride];
            for (int y0 = 0; y0 < h; y0 += band)
            {
                int rowsNow = Math.Min(band, h - y0);
                var span = buffer.AsSpan(0, rowsNow * w);
                rows.Read(p, y0, span);
                foreach (float v in span)
                {
                    if (float.IsFinite(v)) { if (v < min) min = v; if (v > max) max = v; }
                    else if (float.IsNaN(v)) blank++;
                }
                // The samples at global indices 0, stride, 2·stride, … that fall in this band.
                long first = (long)y0 * w, end = first + span.Length;
                for (long i = (first + stride - 1) / stride * stride; i < end; i += stride)
                    if (float.IsFinite(span[(int)(i - first)])) sample[count++] = span[(int)(i - first)];
            }
            if (min > max) min = max = 0;
            var (median, mad) = RobustStatistics.MedianMad(sample.AsSpan(0, count));
            stats[p] = (min, max, median, mad, blank);
            if (p == 0) { Array.Resize(ref sample, count); firstSample = sample; }
        }
        // The linear-data judgement works in the in-memory scale (the format's white = 1).
        double scale = units != 0 ? units : 1;
        float white = (float)Math.Max(1, stats.Take(Math.Min(3, stats.Length)).Max(s => s.max) / scale);
        var inMemory = firstSample!.Select(v => (float)(v / scale)).ToArray();
        // No finite value at all (a blank image): nothing says it is linear.
        return (stats, inMemory.Length > 0 && LinearDataDetector.IsLinear(inMemory, white));
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
