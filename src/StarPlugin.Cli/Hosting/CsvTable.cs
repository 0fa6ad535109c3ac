using System.Globalization;
using System.Text;
using StarPlugin.IO;

namespace StarPlugin.Cli.Hosting;

/// <summary>Minimal CSV reading/writing (header row, comma-separated, no quoted commas in our files).</summary>
public static class CsvTable
{
    public static void Write(string path, string header, IEnumerable<string> rows, bool overwrite)
    {
        var sb = new StringBuilder().Append(header).Append('\n');
        foreach (var r in rows) sb.Append(r).Append('\n');
        AtomicFile.Write(path, s => s.Write(Encoding.UTF8.GetBytes(sb.ToString())), overwrite);
    }

    public static (string[] Header, List<string[]> Rows) Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such file", path);
        var lines = File.ReadAllLines(path).Where(l => l.Trim().Length > 0 && !l.StartsWith('#')).ToList();
        if (lines.Count == 0) throw new InputException($"{path}: empty CSV (a header row is required)");
        var header = lines[0].Split(',').Select(h => h.Trim().ToLowerInvariant()).ToArray();
        var rows = lines.Skip(1).Select(l => l.Split(',').Select(v => v.Trim()).ToArray()).ToList();
        return (header, rows);
    }

    public static int Column(string path, string[] header, params string[] names)
    {
        foreach (var n in names)
        {
            int i = Array.IndexOf(header, n);
            if (i >= 0) return i;
        }
        throw new InputException($"{path}: no column named {string.Join(" or ", names)}");
    }

    public static double Number(string path, string[] row, int col, int line)
    {
        if (col >= row.Length || !double.TryParse(row[col], NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
            throw new InputException($"{path}: line {line + 2}: column {col + 1} is not a finite number");
        return v;
    }

    public static string F(double v, string fmt = "G6") => v.ToString(fmt, CultureInfo.InvariantCulture);
}
