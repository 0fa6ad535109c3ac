using System.Globalization;
using System.Net;
using System.Text;

namespace StarPlugin.Web.Plots;

/// <summary>
/// Small server-rendered SVG charts for the science pages: a scatter and a histogram with
/// axes, ticks and labels. Text is escaped; sizes are fixed so pages lay out at once.
/// </summary>
public static class SvgPlot
{
    private const int W = 560, H = 380, Left = 60, Right = 20, Top = 30, Bottom = 50;
    private static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    private static StringBuilder Frame(string title, string xLabel, string yLabel, double x0, double x1, double y0, double y1, int xTicks, int yTicks, Func<double, string>? xFmt = null)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\" font-family=\"sans-serif\" font-size=\"12\">");
        sb.Append(CultureInfo.InvariantCulture, $"<rect width=\"{W}\" height=\"{H}\" fill=\"#ffffff\"/>");
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{W / 2}\" y=\"18\" text-anchor=\"middle\" font-size=\"14\">{WebUtility.HtmlEncode(title)}</text>");
        int pw = W - Left - Right, ph = H - Top - Bottom;
        sb.Append(CultureInfo.InvariantCulture, $"<rect x=\"{Left}\" y=\"{Top}\" width=\"{pw}\" height=\"{ph}\" fill=\"none\" stroke=\"#333\"/>");
        for (int i = 0; i <= xTicks; i++)
        {
            double v = x0 + (x1 - x0) * i / xTicks, px = Left + pw * (double)i / xTicks;
            sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{F(px)}\" y1=\"{Top + ph}\" x2=\"{F(px)}\" y2=\"{Top + ph + 5}\" stroke=\"#333\"/><text x=\"{F(px)}\" y=\"{Top + ph + 18}\" text-anchor=\"middle\">{WebUtility.HtmlEncode((xFmt ?? F)(v))}</text>");
        }
        for (int i = 0; i <= yTicks; i++)
        {
            double v = y0 + (y1 - y0) * i / yTicks, py = Top + ph - ph * (double)i / yTicks;
            sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left - 5}\" y1=\"{F(py)}\" x2=\"{Left}\" y2=\"{F(py)}\" stroke=\"#333\"/><text x=\"{Left - 8}\" y=\"{F(py + 4)}\" text-anchor=\"end\">{F(v)}</text>");
        }
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left + pw / 2}\" y=\"{H - 10}\" text-anchor=\"middle\">{WebUtility.HtmlEncode(xLabel)}</text>");
        sb.Append(CultureInfo.InvariantCulture, $"<text transform=\"translate(16 {Top + ph / 2}) rotate(-90)\" text-anchor=\"middle\">{WebUtility.HtmlEncode(yLabel)}</text>");
        return sb;
    }

    /// <summary>Points (x, y, weight) in [0,1]², the radius growing with the weight; a dashed line where x + y = 1 (random guessing).</summary>
    public static string Scatter(string title, string xLabel, string yLabel, IReadOnlyList<(double X, double Y, double Weight)> points)
    {
        var sb = Frame(title, xLabel, yLabel, 0, 1, 0, 1, 5, 5);
        int pw = W - Left - Right, ph = H - Top - Bottom;
        sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{Top}\" x2=\"{Left + pw}\" y2=\"{Top + ph}\" stroke=\"#999\" stroke-dasharray=\"4 4\"/>");
        double maxW = points.Count == 0 ? 1 : Math.Max(1, points.Max(p => p.Weight));
        foreach (var (x, y, w) in points)
        {
            double px = Left + pw * Math.Clamp(x, 0, 1), py = Top + ph - ph * Math.Clamp(y, 0, 1), r = 2.5 + 6 * Math.Sqrt(w / maxW);
            sb.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{F(px)}\" cy=\"{F(py)}\" r=\"{F(r)}\" fill=\"#1f77b4\" fill-opacity=\"0.45\" stroke=\"#1f77b4\"/>");
        }
        return sb.Append("</svg>").ToString();
    }

    /// <summary>Stacked histogram of values in [x0, x1]; each series gets its colour and a legend entry.</summary>
    public static string Histogram(string title, string xLabel, string yLabel, double x0, double x1, int bins,
        IReadOnlyList<(string Name, string Colour, IReadOnlyList<double> Values)> series, Func<double, string>? xFmt = null)
    {
        var counts = series.Select(s =>
        {
            var c = new int[bins];
            foreach (double v in s.Values) if (double.IsFinite(v)) c[Math.Clamp((int)((v - x0) / (x1 - x0) * bins), 0, bins - 1)]++;
            return c;
        }).ToList();
        int max = 1;
        for (int b = 0; b < bins; b++) max = Math.Max(max, counts.Sum(c => c[b]));
        int yMax = (int)Math.Ceiling(max / 5.0) * 5;
        var sb = Frame(title, xLabel, yLabel, x0, x1, 0, yMax, Math.Min(bins, 8), 5, xFmt);
        int pw = W - Left - Right, ph = H - Top - Bottom;
        for (int b = 0; b < bins; b++)
        {
            double acc = 0;
            for (int s = 0; s < series.Count; s++)
            {
                int n = counts[s][b];
                if (n == 0) continue;
                double px = Left + pw * (double)b / bins, bw = (double)pw / bins, h = ph * n / (double)yMax, py = Top + ph - ph * acc / yMax - h;
                sb.Append(CultureInfo.InvariantCulture, $"<rect x=\"{F(px + 1)}\" y=\"{F(py)}\" width=\"{F(bw - 2)}\" height=\"{F(h)}\" fill=\"{series[s].Colour}\"/>");
                acc += n;
            }
        }
        for (int s = 0; s < series.Count; s++)
            sb.Append(CultureInfo.InvariantCulture, $"<rect x=\"{Left + 10}\" y=\"{Top + 8 + 18 * s}\" width=\"12\" height=\"12\" fill=\"{series[s].Colour}\"/><text x=\"{Left + 28}\" y=\"{Top + 18 + 18 * s}\">{WebUtility.HtmlEncode(series[s].Name)} ({series[s].Values.Count})</text>");
        return sb.Append("</svg>").ToString();
    }
}
