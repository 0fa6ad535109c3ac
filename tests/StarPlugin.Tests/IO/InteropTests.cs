using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json;
using StarPlugin.Imaging;
using StarPlugin.IO;
using StarPlugin.Tests.Support;

namespace StarPlugin.Tests.IO;

/// <summary>Helpers shared by the interop tests: Fixtures/interop.py and its .raw sample files.</summary>
internal static class Interop
{
    public static string Script => ExternalTools.Fixture("interop.py");

    public sealed record Entry(string Name, string Kind, int Width, int Height, int Channels, string Note);

    public static List<Entry> Manifest(string path) => File.ReadAllLines(path).Where(l => l.Length > 0).Select(l => l.Split('\t'))
        .Select(f => new Entry(f[0], f[1], int.Parse(f[2], CultureInfo.InvariantCulture), int.Parse(f[3], CultureInfo.InvariantCulture), int.Parse(f[4], CultureInfo.InvariantCulture), f.Length > 5 ? f[5] : ""))
        .ToList();

    /// <summary>Planar little-endian samples of the named type, as doubles.</summary>
    public static double[] Raw(string path, string kind)
    {
        var b = File.ReadAllBytes(path);
        int size = kind switch { "u8" => 1, "u16" => 2, "u32" or "f32" => 4, _ => 8 };
        var v = new double[b.Length / size];
        for (int i = 0; i < v.Length; i++)
        {
            var s = b.AsSpan(i * size, size);
            v[i] = kind switch
            {
                "u8" => s[0],
                "u16" => BinaryPrimitives.ReadUInt16LittleEndian(s),
                "u32" => BinaryPrimitives.ReadUInt32LittleEndian(s),
                "f32" => BinaryPrimitives.ReadSingleLittleEndian(s),
                _ => BinaryPrimitives.ReadDoubleLittleEndian(s),
            };
        }
        return v;
    }

    /// <summary>Integer samples are read with white = 1 (÷255, ÷65535, ÷(2³²−1)); floats keep their values.</summary>
    public static double White(string kind) => kind switch { "u8" => 255, "u16" => 65535, "u32" => 4294967295.0, _ => 1 };

    /// <summary>First sample that differs by more than <paramref name="tolerance"/> (in units of white), or null.</summary>
    public static string? Compare(float[] ours, double[] reference, double white, double tolerance)
    {
        if (ours.Length != reference.Length) return $"{ours.Length} samples, reference {reference.Length}";
        for (int i = 0; i < ours.Length; i++)
        {
            double expected = reference[i] / white;
            if (double.IsNaN(expected) && float.IsNaN(ours[i])) continue;
            if (white == 1 ? (float)expected != ours[i] : Math.Abs(ours[i] - expected) > tolerance)
                return $"sample {i} is {ours[i]:R}, reference {expected:R}";
        }
        return null;
    }

    public static string Dir(string name) => Directory.CreateTempSubdirectory("sp-" + name).FullName;
}

/// <summary>
/// TIFF against libtiff: files made by raw2tiff and tiffcp (none, LZW, Deflate, PackBits;
/// predictors 2 and 3; contiguous and separate planes; strips and tiles; both byte orders;
/// 8/16/32-bit integers, 32/64-bit floats) read here, and our files decoded by libtiff.
/// </summary>
[NonParallelizable]
public class TiffInteropTests
{
    private string _dir = "";

    [OneTimeSetUp]
    public void Setup()
    {
        ExternalTools.RequirePython("numpy");
        ExternalTools.Require("raw2tiff", "libtiff-tools");
        ExternalTools.Require("tiffcp", "libtiff-tools");
        _dir = Interop.Dir("tiff");
    }

    [OneTimeTearDown]
    public void Cleanup() { if (_dir.Length > 0) Directory.Delete(_dir, true); }

    [Test]
    public void FilesWrittenByLibtiffAreReadExactly()
    {
        ExternalTools.Run(ExternalTools.Python, Interop.Script, "tiff", _dir);
        var entries = Interop.Manifest(Path.Combine(_dir, "tiff.tsv"));
        Assert.That(entries, Has.Count.GreaterThanOrEqualTo(150));
        // The reference is libtiff's reading; for all but libtiff's own inconsistent cases it is the data written.
        Assert.That(entries.Count(e => e.Note == "as-written"), Is.GreaterThanOrEqualTo(entries.Count * 9 / 10));
        var failures = new List<string>();
        foreach (var e in entries)
        {
            try
            {
                var img = ImageFile.Read(Path.Combine(_dir, e.Name + ".tif"));
                if (img.Width != e.Width || img.Height != e.Height || img.Channels != e.Channels)
                    failures.Add($"{e.Name}: {img.Width}x{img.Height}x{img.Channels}");
                else if (Interop.Compare(img.Data, Interop.Raw(Path.Combine(_dir, e.Name + ".raw"), e.Kind), Interop.White(e.Kind), 1e-7) is { } problem)
                    failures.Add($"{e.Name}: {problem}");
            }
            catch (ImageFormatException ex) { failures.Add($"{e.Name}: {ex.Message}"); }
        }
        Assert.That(failures, Is.Empty, string.Join("\n", failures));
    }

    [Test]
    public void OurFilesAreDecodedByLibtiffToTheSameSamples()
    {
        var written = new List<(string Path, AstroImage Image, string Kind)>();
        foreach (var (fmt, kind) in new[] { (SampleFormat.UInt8, "u8"), (SampleFormat.UInt16, "u16"), (SampleFormat.Float32, "f32") })
            foreach (var comp in Enum.GetValues<TiffCompression>())
                foreach (int channels in new[] { 1, 3, 4 })
                    foreach (bool planar in new[] { false, true })
                        foreach (int tile in new[] { 0, 16 })
                        {
                            // libtiff 4.5's tiffcp cannot decode tiles of separate planes wider than 8 bits (see interop.py).
                            if (planar && tile > 0 && fmt != SampleFormat.UInt8) continue;
                            var img = TestImages.Random(45, 33, channels, fmt, seed: written.Count);
                            string path = Path.Combine(_dir, $"ours-{kind}-{comp}-{channels}-{(planar ? "sep" : "contig")}-{tile}.tif");
                            ImageFile.Write(path, img, new WriteOptions { TiffCompression = comp, TiffPlanar = planar, TiffTileSize = tile, Overwrite = true });
                            written.Add((path, img, kind));
                        }
        var lines = ExternalTools.Run(ExternalTools.Python, [Interop.Script, "tiffread", .. written.Select(w => w.Path)])
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith('{')).ToArray();
        Assert.That(lines, Has.Length.EqualTo(written.Count));
        var failures = new List<string>();
        for (int k = 0; k < written.Count; k++)
        {
            var (path, img, kind) = written[k];
            var info = JsonDocument.Parse(lines[k]).RootElement;
            if (info.GetProperty("width").GetInt32() != 45 || info.GetProperty("height").GetInt32() != 33 || info.GetProperty("channels").GetInt32() != img.Channels)
                failures.Add($"{Path.GetFileName(path)}: libtiff sees {lines[k]}");
            else if (Interop.Compare(img.Data, Interop.Raw(path + ".raw", kind), Interop.White(kind), 0.5 / Interop.White(kind) + 1e-7) is { } problem)
                failures.Add($"{Path.GetFileName(path)}: {problem}");
        }
        Assert.That(failures, Is.Empty, string.Join("\n", failures));
    }
}

/// <summary>PNG and JPEG against ImageMagick: its files read here, ours decoded by it.</summary>
[NonParallelizable]
public class PngJpegInteropTests
{
    private string _dir = "";

    [OneTimeSetUp]
    public void Setup()
    {
        ExternalTools.RequirePython("numpy");
        ExternalTools.Require("convert", "imagemagick");
        ExternalTools.Require("identify", "imagemagick");
        _dir = Interop.Dir("png");
    }

    [OneTimeTearDown]
    public void Cleanup() { if (_dir.Length > 0) Directory.Delete(_dir, true); }

    [Test]
    public void PngsWrittenByImageMagickAreReadExactly()
    {
        ExternalTools.Run(ExternalTools.Python, Interop.Script, "png", _dir);
        var entries = Interop.Manifest(Path.Combine(_dir, "png.tsv"));
        Assert.That(entries, Has.Count.GreaterThanOrEqualTo(20));
        var failures = new List<string>();
        foreach (var e in entries)
        {
            var img = ImageFile.Read(Path.Combine(_dir, e.Name + ".png"));
            if (img.Width != e.Width || img.Height != e.Height || img.Channels != e.Channels)
                failures.Add($"{e.Name}: {img.Width}x{img.Height}x{img.Channels}, expected {e.Channels} channels");
            else if (Interop.Compare(img.Data, Interop.Raw(Path.Combine(_dir, e.Name + ".raw"), e.Kind), Interop.White(e.Kind), 1e-7) is { } problem)
                failures.Add($"{e.Name}: {problem}");
        }
        Assert.That(failures, Is.Empty, string.Join("\n", failures));
    }

    [Test]
    public void JpegsWrittenByImageMagickDecodeAsImageMagickDecodesThem()
    {
        ExternalTools.Run(ExternalTools.Python, Interop.Script, "jpeg", _dir);
        var entries = Interop.Manifest(Path.Combine(_dir, "jpeg.tsv"));
        Assert.That(entries, Has.Count.EqualTo(6));
        var failures = new List<string>();
        foreach (var e in entries)
        {
            var img = ImageFile.Read(Path.Combine(_dir, e.Name + ".jpg"));
            if (img.Width != e.Width || img.Height != e.Height || img.Channels != e.Channels)
                failures.Add($"{e.Name}: {img.Width}x{img.Height}x{img.Channels}");
            // Both decode with libjpeg-turbo, perhaps with other IDCT or upsampling settings: one level apart at most.
            else if (Interop.Compare(img.Data, Interop.Raw(Path.Combine(_dir, e.Name + ".raw"), "u8"), 255, 1.0 / 255 + 1e-6) is { } problem)
                failures.Add($"{e.Name}: {problem}");
        }
        Assert.That(failures, Is.Empty, string.Join("\n", failures));
    }

    /// <summary>A PNG's IDAT chunks joined: its zlib stream.</summary>
    private static MemoryStream Idat(string path)
    {
        var file = File.ReadAllBytes(path);
        var idat = new MemoryStream();
        for (int at = 8; at + 8 <= file.Length;)
        {
            int length = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(at));
            if (System.Text.Encoding.ASCII.GetString(file, at + 4, 4) == "IDAT") idat.Write(file, at + 8, length);
            at += 12 + length;
        }
        idat.Position = 0;
        return idat;
    }

    /// <summary>How many times the empty stored block of a sync flush (00 00 FF FF) occurs in a PNG's zlib stream.</summary>
    private static int SyncFlushes(string path)
    {
        var z = Idat(path).ToArray();
        int count = 0;
        for (int i = 0; i + 4 <= z.Length; i++)
            if (z[i] == 0 && z[i + 1] == 0 && z[i + 2] == 0xFF && z[i + 3] == 0xFF) count++;
        return count;
    }

    /// <summary>The filter type byte of each row of a non-interlaced PNG (its IDAT inflated).</summary>
    private static int[] PngFilterTypes(string path, int stride, int height)
    {
        var idat = Idat(path);
        using var z = new System.IO.Compression.ZLibStream(idat, System.IO.Compression.CompressionMode.Decompress);
        var raw = new MemoryStream();
        z.CopyTo(raw);
        var data = raw.ToArray();
        return Enumerable.Range(0, height).Select(y => (int)data[y * (stride + 1)]).ToArray();
    }

    [Test]
    public void OurPngsAndJpegsAreDecodedByImageMagickToTheSameSamples()
    {
        var written = new List<(string Path, AstroImage Image, double Tolerance)>();
        foreach (var fmt in new[] { SampleFormat.UInt8, SampleFormat.UInt16 })
            foreach (int channels in new[] { 1, 2, 3, 4 })
            {
                var img = TestImages.Random(29, 21, channels, fmt, seed: channels * 3 + (int)fmt);
                string path = Path.Combine(_dir, $"ours-{fmt}-{channels}.png");
                ImageFile.Write(path, img, new WriteOptions { Overwrite = true });
                written.Add((path, img, 1e-6));
            }
        {
            // Rows built so that each of the five filters wins somewhere (checked below in
            // the file's own filter bytes), across the vector loops and their tails (609
            // bytes a row, 3 a pixel), each then decoded by ImageMagick: black rows (None),
            // copies of the row above (Up), ramps (Sub), the mean of left and above
            // (Average), and Paeth's own prediction (Paeth), between random rows.
            const int w = 203, h = 24, bpp = 3, stride = w * bpp;
            var rng = new Random(7);
            var bytes = new byte[h][];
            for (int y = 0; y < h; y++)
            {
                var row = bytes[y] = new byte[stride];
                var up = y > 0 ? bytes[y - 1] : new byte[stride];
                for (int i = 0; i < stride; i++)
                {
                    int a = i >= bpp ? row[i - bpp] : 0, b = up[i], c = i >= bpp ? up[i - bpp] : 0;
                    row[i] = (y % 6) switch
                    {
                        // Paeth's prediction under a random row, every 8th byte random: without
                        // those a = c after the first pick of b, and the row copies the one above.
                        1 when i % 8 == 7 => (byte)rng.Next(256),
                        1 => (byte)(Math.Abs(b - c) <= Math.Abs(a - c) && Math.Abs(b - c) <= Math.Abs(a + b - 2 * c) ? a : Math.Abs(a - c) <= Math.Abs(a + b - 2 * c) ? b : c),
                        2 => (byte)b,
                        3 => i < bpp ? (byte)rng.Next(256) : (byte)(a + 7),
                        4 => (byte)((a + b) >> 1),
                        5 => 0, // None ties with Sub at 0 and comes first
                        _ => (byte)rng.Next(256),
                    };
                }
            }
            var img = new AstroImage(w, h, 3, new ImageMetadata { SourceFormat = SampleFormat.UInt8 });
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    for (int ch = 0; ch < 3; ch++) img.Data[(ch * h + y) * w + x] = bytes[y][x * bpp + ch] / 255f;
            string path = Path.Combine(_dir, "ours-every-filter.png");
            ImageFile.Write(path, img, new WriteOptions { Overwrite = true });
            written.Add((path, img, 1e-6));
            Assert.That(PngFilterTypes(path, stride, h).Distinct().Order().ToArray(), Is.EqualTo(new[] { 0, 1, 2, 3, 4 }), "every filter type is used: " + string.Join(",", PngFilterTypes(path, stride, h)));
        }
        {
            // Large enough that the writer deflates it in several bands of rows on several
            // threads and joins them at sync-flush points (16-bit RGBA, 2400 bytes a row:
            // 4 bands of 512 KB); ImageMagick's zlib then checks the joined stream and its Adler-32.
            var img = TestImages.Random(300, 700, 4, SampleFormat.UInt16, seed: 41);
            string path = Path.Combine(_dir, "ours-in-bands.png");
            ImageFile.Write(path, img, new WriteOptions { Overwrite = true });
            written.Add((path, img, 1e-6));
            Assert.That(SyncFlushes(path), Is.GreaterThanOrEqualTo(3), "the IDAT stream is joined from several bands");
        }
        foreach (int channels in new[] { 1, 3 })
        {
            // Smooth content, so that a JPEG's loss is small; compared with our own decoding of the same file.
            var img = new AstroImage(48, 40, channels, new ImageMetadata { SourceFormat = SampleFormat.UInt8 });
            for (int i = 0; i < img.Data.Length; i++) img.Data[i] = MathF.Round(128 + 100 * MathF.Sin(i * 0.01f)) / 255f;
            string path = Path.Combine(_dir, $"ours-{channels}.jpg");
            ImageFile.Write(path, img, new WriteOptions { Overwrite = true, JpegQuality = 92 });
            written.Add((path, ImageFile.Read(path), 1.0 / 255 + 1e-6));
        }
        var lines = ExternalTools.Run(ExternalTools.Python, [Interop.Script, "imread", .. written.Select(w => w.Path)])
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith('{')).ToArray();
        Assert.That(lines, Has.Length.EqualTo(written.Count));
        var failures = new List<string>();
        for (int k = 0; k < written.Count; k++)
        {
            var (path, img, tolerance) = written[k];
            var info = JsonDocument.Parse(lines[k]).RootElement;
            if (info.GetProperty("width").GetInt32() != img.Width || info.GetProperty("height").GetInt32() != img.Height)
            {
                failures.Add($"{Path.GetFileName(path)}: ImageMagick sees {lines[k]}");
                continue;
            }
            // ImageMagick gives RGBA: grey repeats in R, G and B; opaque images have alpha = white.
            var rgba = Interop.Raw(path + ".raw", "u16");
            int plane = img.Width * img.Height;
            var expectedLayout = new float[4 * plane];
            for (int c = 0; c < 4; c++)
            {
                int src = img.Channels switch { 1 or 2 => c < 3 ? 0 : 1, _ => c };
                bool hasAlpha = img.Channels is 2 or 4;
                for (int i = 0; i < plane; i++)
                    expectedLayout[c * plane + i] = c == 3 && !hasAlpha ? 1f : img.Data[src * plane + i];
            }
            if (Interop.Compare(expectedLayout, rgba, 65535, tolerance) is { } problem)
                failures.Add($"{Path.GetFileName(path)} ({info.GetProperty("channels").GetString()}): {problem}");
        }
        Assert.That(failures, Is.Empty, string.Join("\n", failures));
    }
}

/// <summary>G'MIC's .cimg against G'MIC: its files read here (float, double, uchar, ushort), ours read by it.</summary>
[NonParallelizable]
public class CimgInteropTests
{
    private string _dir = "";

    [OneTimeSetUp]
    public void Setup()
    {
        ExternalTools.RequirePython("numpy");
        ExternalTools.Require("gmic", "gmic");
        _dir = Interop.Dir("cimg");
    }

    [OneTimeTearDown]
    public void Cleanup() { if (_dir.Length > 0) Directory.Delete(_dir, true); }

    private static (double[] Values, int[] Dims) ReadAsc(string path)
    {
        var text = File.ReadAllText(path).Split((char[])[' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries);
        var dims = text[..4].Select(t => int.Parse(t, CultureInfo.InvariantCulture)).ToArray();
        return (text[4..].Select(t => double.Parse(t, CultureInfo.InvariantCulture)).ToArray(), dims);
    }

    [Test]
    public void CimgFilesWrittenByGmicAreReadExactly()
    {
        ExternalTools.Run(ExternalTools.Python, Interop.Script, "cimg", _dir);
        var names = File.ReadAllLines(Path.Combine(_dir, "cimg.tsv")).Where(l => l.Length > 0).ToList();
        Assert.That(names, Has.Count.EqualTo(5));
        var failures = new List<string>();
        foreach (var name in names)
        {
            var img = ImageFile.Read(Path.Combine(_dir, name + ".cimg"));
            var (values, dims) = ReadAsc(Path.Combine(_dir, name + ".asc"));
            if (img.Width != dims[0] || img.Height != dims[1] || img.Channels != dims[3])
                failures.Add($"{name}: {img.Width}x{img.Height}x{img.Channels}, G'MIC says {string.Join('x', dims)}");
            else if (Interop.Compare(img.Data, values, 1, 0) is { } problem)
                failures.Add($"{name}: {problem}");
        }
        Assert.That(failures, Is.Empty, string.Join("\n", failures));
    }

    [Test]
    public void OurCimgFilesAreReadByGmicExactly()
    {
        var written = new List<(string Path, AstroImage Image)>();
        foreach (int channels in new[] { 1, 2, 3, 4 })
        {
            var img = TestImages.Random(17 + channels, 13, channels, SampleFormat.Float32, seed: channels);
            string path = Path.Combine(_dir, $"ours-{channels}.cimg");
            ImageFile.Write(path, img, new WriteOptions { Overwrite = true });
            written.Add((path, img));
        }
        var lines = ExternalTools.Run(ExternalTools.Python, [Interop.Script, "gmicread", .. written.Select(w => w.Path)])
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith('{')).ToArray();
        Assert.That(lines, Has.Length.EqualTo(written.Count));
        for (int k = 0; k < written.Count; k++)
        {
            var (path, img) = written[k];
            var info = JsonDocument.Parse(lines[k]).RootElement;
            Assert.That((info.GetProperty("width").GetInt32(), info.GetProperty("height").GetInt32(), info.GetProperty("channels").GetInt32()),
                Is.EqualTo((img.Width, img.Height, img.Channels)), path);
            Assert.That(Interop.Compare(img.Data, Interop.Raw(path + ".raw", "f64"), 1, 0), Is.Null, path);
        }
    }
}
