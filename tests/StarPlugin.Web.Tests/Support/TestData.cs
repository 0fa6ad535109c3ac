using StarPlugin.Imaging;
using StarPlugin.IO;

namespace StarPlugin.Web.Tests.Support;

/// <summary>Cutouts made at test time: a sky with noise, a few stars and an elliptical galaxy in the middle.</summary>
public static class TestData
{
    public static AstroImage Cutout(int size, int seed, int channels = 3)
    {
        var img = new AstroImage(size, size, channels);
        var rng = new Random(seed);
        double cx = size / 2.0 + rng.NextDouble() * 2 - 1, cy = size / 2.0 + rng.NextDouble() * 2 - 1;
        var stars = Enumerable.Range(0, 4).Select(_ => (X: rng.NextDouble() * size, Y: rng.NextDouble() * size, F: 0.2 + rng.NextDouble() * 0.5)).ToArray();
        for (int c = 0; c < channels; c++)
        {
            var p = img.Plane(c);
            double colour = channels == 3 ? new[] { 1.0, 0.8, 0.6 }[c] : 1;
            for (int y = 0; y < size; y++)
                for (int x = 0; x < size; x++)
                {
                    double r2 = ((x - cx) * (x - cx)) / 16.0 + ((y - cy) * (y - cy)) / 9.0;
                    double v = 0.08 + 0.5 * colour * Math.Exp(-Math.Sqrt(r2));
                    foreach (var s in stars) v += s.F * Math.Exp(-((x - s.X) * (x - s.X) + (y - s.Y) * (y - s.Y)) / 2.0);
                    v += 0.01 * rng.NextGaussian();
                    p[y * size + x] = (float)Math.Clamp(v, 0, 1);
                }
        }
        return img;
    }

    /// <summary>A folder with n cutouts (PNG) and a labels CSV: the first half label 0, the rest unknown.</summary>
    public static (string Dir, string Labels) Folder(string root, int n, int size = 64, string ext = ".png")
    {
        Directory.CreateDirectory(root);
        var lines = new List<string> { "file,label,id,category" };
        for (int i = 0; i < n; i++)
        {
            string name = $"c{i:D3}{ext}";
            var img = Cutout(size, i + 1, ext == ".fits" ? 3 : 3);
            ImageFile.Write(Path.Combine(root, name), img, new WriteOptions { Depth = ext == ".fits" ? SampleFormat.Float32 : SampleFormat.UInt8, Overwrite = true });
            string category = i == 1 ? "spiral" : i == 2 ? "artefact" : "";
            lines.Add($"{name},{(i < n / 2 ? 0 : -1)},c{i:D3},{category}");
        }
        return (root, string.Join("\n", lines) + "\n");
    }

    public static string TempDir(string tag)
    {
        string d = Path.Combine(Path.GetTempPath(), "lf-test-" + tag + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(d);
        return d;
    }
}
