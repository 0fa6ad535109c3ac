using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using StarPlugin.Imaging;
using StarPlugin.IO;
using StarPlugin.IO.Xisf;
using StarPlugin.Tests.Support;

namespace StarPlugin.Tests.IO;

/// <summary>
/// XISF against an independent implementation (Fixtures/xisf_reference.py: written from
/// the specification, with Python's zlib and the liblz4/libzstd C libraries, sharing no
/// code with ours): its files read here, our files read there, in every sample format,
/// codec, shuffling, storage and block location; plus the byte layouts the spec fixes.
/// PixInsight and Siril are not installed here, so no file of theirs is involved.
/// </summary>
[NonParallelizable]
public class XisfTests
{
    private string _dir = "";

    [OneTimeSetUp]
    public void Setup()
    {
        ExternalTools.RequirePython("numpy");
        foreach (var lib in new[] { "liblz4.so.1", "libzstd.so.1" })
        {
            var (code, _) = Repo.Run(ExternalTools.Python, ["-c", $"import ctypes; ctypes.CDLL('{lib}')"]);
            if (code != 0)
            {
                if (Environment.GetEnvironmentVariable("STARPLUGIN_REQUIRE_HOSTS") == "1") Assert.Fail($"{lib} is missing (liblz4-1 / libzstd1)");
                Assert.Ignore($"{lib} is missing (liblz4-1 / libzstd1)");
            }
        }
        _dir = Directory.CreateTempSubdirectory("sp-xisf").FullName;
    }

    [OneTimeTearDown]
    public void Cleanup()
    {
        if (_dir.Length > 0) Directory.Delete(_dir, true);
    }

    private static string Script => ExternalTools.Fixture("xisf_reference.py");

    private static double[] ReadRaw(string path)
    {
        var b = File.ReadAllBytes(path);
        var v = new double[b.Length / 8];
        for (int i = 0; i < v.Length; i++) v[i] = BinaryPrimitives.ReadDoubleLittleEndian(b.AsSpan(8 * i));
        return v;
    }

    [Test]
    public void FilesOfTheIndependentWriterAreReadExactly()
    {
        string dir = Path.Combine(_dir, "theirs");
        ExternalTools.Run(ExternalTools.Python, Script, "write", dir);
        var names = File.ReadAllLines(Path.Combine(dir, "cases.txt")).Where(l => l.Length > 0).ToList();
        Assert.That(names, Has.Count.GreaterThanOrEqualTo(25));
        var failures = new List<string>();
        foreach (var name in names)
        {
            var spec = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, name + ".json"))).RootElement;
            var img = ImageFile.Read(Path.Combine(dir, name + ".xisf"));
            var expected = ReadRaw(Path.Combine(dir, name + ".raw"));
            string fmt = spec.GetProperty("sampleFormat").GetString()!;
            if (img.Width != spec.GetProperty("width").GetInt32() || img.Height != spec.GetProperty("height").GetInt32()
                || img.Channels != spec.GetProperty("channels").GetInt32() || img.Metadata.SourceFormat.ToString() != fmt)
            {
                failures.Add($"{name}: {img.Width}x{img.Height}x{img.Channels} {img.Metadata.SourceFormat}");
                continue;
            }
            for (int i = 0; i < expected.Length; i++)
                if (img.Data[i] != (float)expected[i])
                {
                    failures.Add($"{name}: sample {i} is {img.Data[i]:R}, expected {(float)expected[i]:R}");
                    break;
                }
            var md = img.Metadata;
            if (md.FitsValue("OBJECT") != "'NGC 7000'" || md.FitsValue("EXPTIME") != "300."
                || !md.FitsCards.Any(c => c.Key == "HISTORY" && c.RawText!.Contains("integrated by xisf_reference.py")))
                failures.Add($"{name}: FITS keywords lost: {string.Join(" | ", md.FitsCards.Select(c => c.Key + "=" + c.Value))}");
            foreach (var id in new[] { "Observation:Object:Name", "Instrument:ExposureTime", "PCL:Test:Vector", "PCL:Test:Big" })
                if (!md.Properties.ContainsKey(XisfCodec.PropertyPrefix + id)) failures.Add($"{name}: property {id} lost");
        }
        Assert.That(failures, Is.Empty, string.Join("\n", failures));
    }

    /// <summary>A smooth gradient with a little noise (so that the codecs have something to compress), exact in <paramref name="fmt"/>.</summary>
    private static AstroImage Image(SampleFormat fmt, int channels, int seed)
    {
        var rng = new Random(seed);
        var img = new AstroImage(37, 23, channels, new ImageMetadata { SourceFormat = fmt });
        double white = fmt switch { SampleFormat.UInt8 => 255, SampleFormat.UInt16 => 65535, SampleFormat.UInt32 => 65535, _ => 0 };
        for (int c = 0; c < channels; c++)
            for (int y = 0; y < 23; y++)
                for (int x = 0; x < 37; x++)
                {
                    double v = (x + 2 * y + 10 * c) / 120.0 + rng.Next(4) / 1000.0;
                    img.Data[(c * 23 + y) * 37 + x] = white > 0 ? (float)(Math.Round(v * white) / white) : (float)(v * 1.1 - 0.05);
                }
        img.Metadata.FitsCards.Add(new FitsCard("OBJECT", "'M 42'", "Orion"));
        img.Metadata.FitsCards.Add(new FitsCard("GAIN", "139", null));
        img.Metadata.FitsCards.Add(new FitsCard("HISTORY", null, null) { RawText = "HISTORY calibrated" });
        img.Metadata.Properties[XisfCodec.PropertyPrefix + "Observation:Object:Name"] =
            "<Property xmlns=\"http://www.pixinsight.com/xisf\" id=\"Observation:Object:Name\" type=\"String\">Orion &amp; Running Man</Property>";
        return img;
    }

    [Test]
    public void OurFilesAreReadExactlyByTheIndependentReader()
    {
        var written = new List<(string Path, AstroImage Image, SampleFormat Format, XisfCompression Codec)>();
        foreach (var fmt in new[] { SampleFormat.UInt8, SampleFormat.UInt16, SampleFormat.UInt32, SampleFormat.Float32, SampleFormat.Float64 })
            foreach (var codec in Enum.GetValues<XisfCompression>())
                foreach (int channels in new[] { 1, 3, 4 })
                {
                    var img = Image(fmt, channels, (int)fmt * 10 + (int)codec + channels);
                    string path = Path.Combine(_dir, $"ours-{fmt}-{codec}-{channels}.xisf");
                    ImageFile.Write(path, img, new WriteOptions { XisfCompression = codec, Overwrite = true });
                    written.Add((path, img, fmt, codec));
                }
        var lines = ExternalTools.Run(ExternalTools.Python, [Script, "read", .. written.Select(w => w.Path)])
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(written.Count));
        int compressed = 0;
        for (int k = 0; k < written.Count; k++)
        {
            var (path, img, fmt, codec) = written[k];
            string label = Path.GetFileName(path);
            var summary = JsonDocument.Parse(lines[k]).RootElement;
            Assert.That(summary.GetProperty("width").GetInt32(), Is.EqualTo(37), label);
            Assert.That(summary.GetProperty("height").GetInt32(), Is.EqualTo(23), label);
            Assert.That(summary.GetProperty("channels").GetInt32(), Is.EqualTo(img.Channels), label);
            Assert.That(summary.GetProperty("sampleFormat").GetString(), Is.EqualTo(fmt.ToString()), label);
            Assert.That(summary.GetProperty("colorSpace").GetString(), Is.EqualTo(img.Channels >= 3 ? "RGB" : "Gray"), label);
            string? compression = summary.GetProperty("compression").GetString();
            if (codec == XisfCompression.None) Assert.That(compression, Is.Null, label);
            else if (compression != null) // stored plain when compressing does not pay
            {
                compressed++;
                Assert.That(compression, Does.StartWith(codec.ToString().ToLowerInvariant() + (fmt == SampleFormat.UInt8 ? ":" : "+sh:")), label);
            }
            var theirs = ReadRaw(path + ".raw");
            double white = fmt switch { SampleFormat.UInt8 => 255, SampleFormat.UInt16 => 65535, SampleFormat.UInt32 => 4294967295.0, _ => 1 };
            for (int i = 0; i < theirs.Length; i++)
            {
                double expected = white == 1 ? img.Data[i] : Math.Round(img.Data[i] * white) / white;
                if (Math.Abs(theirs[i] - expected) > (fmt == SampleFormat.Float32 ? 0 : 1e-12))
                    Assert.Fail($"{label}: sample {i} reads {theirs[i]:R} there, {expected:R} expected");
            }
            var fits = summary.GetProperty("fits").EnumerateArray().Select(a => a.EnumerateArray().Select(x => x.GetString()).ToArray()).ToList();
            Assert.That(fits.Any(f => f[0] == "OBJECT" && f[1] == "'M 42'" && f[2] == "Orion"), label + ": " + string.Join("; ", fits.Select(f => string.Join(",", f))));
            Assert.That(fits.Any(f => f[0] == "HISTORY" && f[2] == "calibrated"), label);
            Assert.That(summary.GetProperty("properties").GetProperty("Observation:Object:Name")[1].GetString(), Is.EqualTo("Orion & Running Man"), label);
            // And back through our reader: the same samples.
            var back = ImageFile.Read(path);
            Assert.That(back.Metadata.SourceFormat, Is.EqualTo(fmt), label);
            for (int i = 0; i < theirs.Length; i++)
                if (back.Data[i] != (float)theirs[i]) Assert.Fail($"{label}: sample {i} reads back as {back.Data[i]:R}, {(float)theirs[i]:R} there");
        }
        Assert.That(compressed, Is.GreaterThanOrEqualTo(40), "most blocks compress");
    }

    [Test]
    public void PropertiesAndKeywordsOfAForeignFileSurviveOurRewrite()
    {
        string dir = Path.Combine(_dir, "rewrite");
        ExternalTools.Run(ExternalTools.Python, Script, "write", dir);
        var img = ImageFile.Read(Path.Combine(dir, "f32-rgb.xisf"));
        string path = Path.Combine(dir, "rewritten.xisf");
        ImageFile.Write(path, img, new WriteOptions { XisfCompression = XisfCompression.Zstd });
        var summary = JsonDocument.Parse(ExternalTools.Run(ExternalTools.Python, Script, "read", path)).RootElement;
        var props = summary.GetProperty("properties");
        Assert.That(props.GetProperty("Observation:Object:Name")[1].GetString(), Is.EqualTo("North America Nebula"));
        Assert.That(props.GetProperty("Instrument:ExposureTime")[0].GetString(), Is.EqualTo("Float32"));
        Assert.That(props.GetProperty("Instrument:ExposureTime")[1].GetString(), Is.EqualTo("300"));
        Assert.That(props.GetProperty("PCL:Test:Vector")[1].GetString(), Is.EqualTo(Convert.ToBase64String(
            new double[] { 1.5, -2.25, 3.0 }.SelectMany(BitConverter.GetBytes).ToArray())));
        // The attached vector now travels inline, its 600 floats intact.
        var big = Convert.FromBase64String(props.GetProperty("PCL:Test:Big")[1].GetString()!);
        Assert.That(big, Has.Length.EqualTo(2400));
        Assert.That(BinaryPrimitives.ReadSingleLittleEndian(big.AsSpan(4 * 599)), Is.EqualTo(599f));
        var fits = summary.GetProperty("fits").EnumerateArray().Select(a => a[0].GetString() + "=" + a[1].GetString()).ToList();
        Assert.That(fits, Does.Contain("OBJECT='NGC 7000'").And.Contain("EXPTIME=300."));
    }

    [Test]
    public void FitsHeaderTravelsFitsToXisfToFits()
    {
        var img = TestImages.Random(20, 10, 1, SampleFormat.Float32);
        img.Metadata.FitsCards.Add(new FitsCard("OBJECT", "'NGC 7000'", "target"));
        img.Metadata.FitsCards.Add(new FitsCard("EXPTIME", "300.0", "seconds"));
        img.Metadata.FitsCards.Add(new FitsCard("HISTORY", null, null) { RawText = "HISTORY stacked by Siril" });
        var fits1 = Path.Combine(_dir, "a.fits");
        ImageFile.Write(fits1, img, new WriteOptions { Overwrite = true });
        var x = Path.Combine(_dir, "a.xisf");
        ImageFile.Write(x, ImageFile.Read(fits1), new WriteOptions { Overwrite = true });
        var fits2 = Path.Combine(_dir, "b.fits");
        ImageFile.Write(fits2, ImageFile.Read(x), new WriteOptions { Overwrite = true });
        var back = ImageFile.Read(fits2);
        TestImages.AssertSamePixels(img, back);
        Assert.That(back.Metadata.FitsValue("OBJECT"), Is.EqualTo("'NGC 7000'"));
        Assert.That(back.Metadata.FitsValue("EXPTIME"), Is.EqualTo("300.0"));
        Assert.That(back.Metadata.FitsCards.Any(c => c.RawText?.StartsWith("HISTORY stacked by Siril", StringComparison.Ordinal) == true));
    }

    [Test]
    public void ByteShufflingFollowsTheSpecificationLayout()
    {
        // §8.5.2: all first bytes of the items, then all second bytes...; a partial item stays at the end.
        byte[] data = [0x10, 0x11, 0x12, 0x13, 0x20, 0x21, 0x22, 0x23, 0x30, 0x31, 0x32, 0x33, 0xEE];
        Assert.That(XisfBlock.Shuffle(data, 4), Is.EqualTo(new byte[] { 0x10, 0x20, 0x30, 0x11, 0x21, 0x31, 0x12, 0x22, 0x32, 0x13, 0x23, 0x33, 0xEE }));
        var copy = XisfBlock.Shuffle(data, 4);
        XisfBlock.Unshuffle(copy, 4);
        Assert.That(copy, Is.EqualTo(data));
    }

    [Test]
    public void CompressedBlocksHaveEachCodecsFraming()
    {
        var pixels = new byte[4000];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)(i % 7);
        var (z, za) = XisfBlock.Compress(pixels, 2, XisfCompression.Zlib);
        Assert.That(z[0] & 0x0F, Is.EqualTo(8), "zlib: deflate method (RFC 1950)");
        Assert.That(((z[0] << 8) | z[1]) % 31, Is.EqualTo(0), "zlib: header check");
        Assert.That(za, Is.EqualTo("zlib+sh:4000:2"));
        var (s, sa) = XisfBlock.Compress(pixels, 4, XisfCompression.Zstd);
        Assert.That(s.AsSpan(0, 4).ToArray(), Is.EqualTo(new byte[] { 0x28, 0xB5, 0x2F, 0xFD }), "zstd frame magic");
        Assert.That(sa, Is.EqualTo("zstd+sh:4000:4"));
        var (l, la) = XisfBlock.Compress(pixels, 1, XisfCompression.Lz4HC);
        Assert.That(l.AsSpan(0, 4).ToArray(), Is.Not.EqualTo(new byte[] { 0x04, 0x22, 0x4D, 0x18 }), "lz4: a raw block, not an lz4 frame");
        Assert.That(la, Is.EqualTo("lz4hc:4000"));
    }

    [Test]
    public void HeaderLayoutIsMonolithicXisf()
    {
        var ms = new MemoryStream();
        ImageFile.Encode(ms, TestImages.Random(9, 7, 3, SampleFormat.UInt16), ImageFormat.Xisf);
        var b = ms.ToArray();
        Assert.That(Encoding.ASCII.GetString(b, 0, 8), Is.EqualTo("XISF0100"));
        uint len = BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(8));
        Assert.That(b.AsSpan(12, 4).ToArray(), Is.EqualTo(new byte[4]), "reserved field");
        string xml = Encoding.UTF8.GetString(b, 16, (int)len);
        Assert.That(xml, Does.StartWith("<?xml version=\"1.0\" encoding=\"utf-8\"?>").IgnoreCase);
        Assert.That(xml, Does.Contain("xmlns=\"http://www.pixinsight.com/xisf\"").And.Contain("geometry=\"9:7:3\"").And.Contain("location=\"attachment:4096:378\""));
        Assert.That(b, Has.Length.EqualTo(4096 + 9 * 7 * 3 * 2));
    }
}
