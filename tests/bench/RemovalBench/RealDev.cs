using System.Globalization;
using System.Text;
using StarPlugin.Detection;
using StarPlugin.Imaging;
using StarPlugin.Inference;
using StarPlugin.IO;
using StarPlugin.Removal;

namespace StarPlugin.Bench;

/// <summary>
/// The C# side of the real-image benchmark (tests/bench/real_dev_bench.sh); the runs and
/// the measures are driven by tests/bench/real_dev.py.
///   peer-run PEER.onnx IN OUT          one image through the peer's own pipeline, as one whole process (timed by the caller)
///   detect-csv OUT_DIR IN...           StarPlugin's detector (shipped defaults) on each image → OUT_DIR/NAME.csv
///   synthetic OURS.onnx PEER.onnx|- CACHE_DIR OUT.json
///                                      PSNR against the truth on the synthetic fields, whole image and star pixels
/// </summary>
internal static class RealDev
{
    private static readonly WriteOptions Png8 = new() { Overwrite = true, Depth = SampleFormat.UInt8 };

    public static int PeerRun(string model, string input, string output)
    {
        using var session = new OnnxSession(model, new SessionOptions { Device = ExecutionDevice.Cpu, Threads = Threads() });
        var image = ImageFile.Read(input);
        ImageFile.Write(output, new PeerPipeline(session).Run(image), Png8);
        return 0;
    }

    public static int DetectCsv(string outDir, IEnumerable<string> inputs)
    {
        Directory.CreateDirectory(outDir);
        foreach (var path in inputs)
        {
            var stars = StarDetector.Detect(ImageFile.Read(path), new DetectionOptions());
            var sb = new StringBuilder("x,y,flux,snr,fwhm,coefficient,roundness,saturated\n");
            foreach (var s in stars)
                sb.Append(CultureInfo.InvariantCulture, $"{s.X:F3},{s.Y:F3},{s.Flux:G6},{s.Snr:F2},{s.Fwhm:F3},{s.Coefficient:F3},{s.Roundness:F3},{(s.Saturated ? 1 : 0)}\n");
            string name = Path.GetFileNameWithoutExtension(path);
            File.WriteAllText(Path.Combine(outDir, name + ".csv"), sb.ToString());
        }
        return 0;
    }

    /// <summary>
    /// The synthetic fields with truth of the removal bench (seeds 21, 22: FWHM 2–5 px side by
    /// side; seed 23: one PSF), 8-bit display domain. Per remover: PSNR over the whole frame
    /// and over the star pixels, where the 8-bit input and its true starless image differ by
    /// ≥ 2 levels in some channel, grown by 1 px (elsewhere a remover has nothing to do).
    /// The peer's results are cached in CACHE_DIR (the peer never changes); PEER "-" uses
    /// the cache only.
    /// </summary>
    /// <param name="pictures">Optional folder for the fields as 8-bit PNGs (input, truth and each result), to look at.</param>
    public static int Synthetic(string ours, string peer, string cacheDir, string outJson,
        Func<int, float, float, (AstroImage Image, AstroImage Truth)> field, string? pictures = null)
    {
        if (pictures != null) Directory.CreateDirectory(pictures);
        Directory.CreateDirectory(cacheDir);
        using var remover = new StarRemover(ours, new SessionOptions { Device = ExecutionDevice.Cpu, Threads = Threads() });
        using var peerSession = peer == "-" ? null : new OnnxSession(peer, new SessionOptions { Device = ExecutionDevice.Cpu, Threads = Threads() });
        var cases = new (string Id, int Seed, float Min, float Max)[] { ("seed21", 21, 2f, 5f), ("seed22", 22, 2f, 5f), ("seed23-onepsf", 23, 3f, 3.3f) };
        var json = new StringBuilder("[\n");
        foreach (var (id, seed, min, max) in cases)
        {
            var (image, truth) = field(seed, min, max);
            var stars = StarPixels(image, truth);
            var results = new List<(string Tag, AstroImage? Starless)>
            {
                ("input", image),
                ("default", remover.Remove(image, new RemovalOptions { Stretch = StretchMode.Never }).Starless),
                ("network", remover.Remove(image, new RemovalOptions { Stretch = StretchMode.Never, Cleanup = false, KeepGalaxies = GalaxyMode.Never }).Starless),
            };
            // Keyed by the input's content: the field renderer may change under the cache.
            string key = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(image.Data.AsSpan())))[..12];
            string cached = Path.Combine(cacheDir, $"synthetic-{id}-{key}.png");
            if (!File.Exists(cached) && peerSession != null) ImageFile.Write(cached, new PeerPipeline(peerSession).Run(image), Png8);
            results.Add(("peer", File.Exists(cached) ? ImageFile.Read(cached) : null));
            if (pictures != null)
                foreach (var (tag, starless) in results.Append(("truth", truth)))
                    if (starless != null) ImageFile.Write(Path.Combine(pictures, $"{id}-{tag}.png"), starless, Png8);
            int starCount = stars.Count(v => v);
            json.Append(CultureInfo.InvariantCulture, $"  {{\"case\":\"{id}\",\"star_pixels\":{starCount},\"pixels\":{stars.Length}");
            foreach (var (tag, starless) in results)
            {
                if (starless == null) continue;
                json.Append(CultureInfo.InvariantCulture, $",\"{tag}_psnr\":{Psnr(starless, truth, null):F3},\"{tag}_psnr_stars\":{Psnr(starless, truth, stars):F3}");
            }
            json.Append(id == cases[^1].Id ? "}\n" : "},\n");
            Console.Error.WriteLine($"synthetic {id}: done");
        }
        json.Append("]\n");
        File.WriteAllText(outJson, json.ToString());
        return 0;
    }

    private static bool[] StarPixels(AstroImage image, AstroImage truth)
    {
        int w = image.Width, h = image.Height;
        var core = new bool[w * h];
        for (int c = 0; c < truth.ColorChannels; c++)
        {
            var a = image.Plane(c); var b = truth.Plane(c);
            for (int i = 0; i < core.Length; i++)
                if (MathF.Abs(a[i] - b[i]) * 255f >= 1.5f) core[i] = true;
        }
        var grown = new bool[w * h];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                if (!core[y * w + x]) continue;
                for (int dy = -1; dy <= 1; dy++)
                    for (int dx = -1; dx <= 1; dx++)
                    {
                        int xx = x + dx, yy = y + dy;
                        if (xx >= 0 && yy >= 0 && xx < w && yy < h) grown[yy * w + xx] = true;
                    }
            }
        return grown;
    }

    private static double Psnr(AstroImage a, AstroImage truth, bool[]? where)
    {
        double mse = 0; long n = 0;
        for (int c = 0; c < truth.ColorChannels; c++)
        {
            var x = a.Plane(c); var y = truth.Plane(c);
            for (int i = 0; i < y.Length; i++)
            {
                if (where != null && !where[i]) continue;
                double d = x[i] - y[i]; mse += d * d; n++;
            }
        }
        return n == 0 ? double.NaN : 10 * Math.Log10(1 / Math.Max(mse / n, 1e-12));
    }

    private static int Threads() => int.TryParse(Environment.GetEnvironmentVariable("BENCH_THREADS"), out int t) && t > 0 ? t : 2;
}
