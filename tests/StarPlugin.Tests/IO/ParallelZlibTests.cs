using StarPlugin.IO;

namespace StarPlugin.Tests.IO;

/// <summary>
/// The zlib stream that several threads deflate (PNG writing), checked by Python's zlib,
/// which verifies the Adler-32 of the whole and stops at the stream's end.
/// </summary>
public class ParallelZlibTests
{
    [Test]
    public void PartsOfEveryKindJoinIntoOneStreamThatZlibInflatesToTheData()
    {
        // Parts of random, repetitive, empty and one-byte data, over 5552 bytes (the Adler-32
        // block) and under: what one part's compressor leaves must not disturb the next.
        var rng = new Random(5);
        var parts = new List<byte[]>();
        foreach (int n in new[] { 70_001, 0, 1, 5552, 5553, 200_000, 3 })
        {
            var b = new byte[n];
            if (parts.Count % 2 == 0) rng.NextBytes(b);
            else for (int i = 0; i < n; i++) b[i] = (byte)(i / 100);
            parts.Add(b);
        }
        var z = ParallelZlib.Compress(parts.Count, new System.IO.Compression.ZLibCompressionOptions { CompressionLevel = 3 },
            (i, s) => { foreach (var chunk in parts[i].Chunk(4096)) s.Write(chunk); });
        string dir = Directory.CreateTempSubdirectory("sp-zlib").FullName;
        try
        {
            File.WriteAllBytes(Path.Combine(dir, "joined.z"), z);
            string inflated = Path.Combine(dir, "inflated.bin");
            ExternalTools.Run(ExternalTools.Python, "-c",
                "import sys, zlib; d = zlib.decompressobj(); out = d.decompress(open(sys.argv[1], 'rb').read()); " +
                "assert d.eof and not d.unused_data, 'stream end'; open(sys.argv[2], 'wb').write(out)",
                Path.Combine(dir, "joined.z"), inflated);
            Assert.That(File.ReadAllBytes(inflated), Is.EqualTo(parts.SelectMany(p => p).ToArray()));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Test]
    public void CombinedAdlerSumsEqualTheSumOfTheWhole()
    {
        var rng = new Random(11);
        var data = new byte[300_000];
        rng.NextBytes(data);
        foreach (int cut in new[] { 0, 1, 5551, 5552, 65521, 65522, 150_000, 300_000 })
        {
            uint a = Adler32.Update(1, data.AsSpan(0, cut)), b = Adler32.Update(1, data.AsSpan(cut));
            Assert.That(Adler32.Combine(a, b, data.Length - cut), Is.EqualTo(Adler32.Update(1, data)), $"cut at {cut}");
        }
        // The published value of RFC 1950's example ("Wikipedia" → 0x11E60398).
        Assert.That(Adler32.Update(1, "Wikipedia"u8), Is.EqualTo(0x11E60398u));
    }
}
