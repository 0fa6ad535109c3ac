using System.Buffers.Binary;
using System.Globalization;
using StarPlugin.Imaging;
using StarPlugin.IO;
using StarPlugin.IO.Fits;
using StarPlugin.IO.Fits.Compression;

namespace StarPlugin.Tests.IO;

/// <summary>
/// Tile-compressed FITS written by astropy (CompImageHDU) and cfitsio's fpack — every
/// compression type, integer and quantised float images with each dithering method — read
/// and compared value for value with astropy's reading and funpack's (Fixtures/make_fz.py
/// writes them at test time and checks that the two references agree).
/// </summary>
[NonParallelizable]
public class CompressedFitsTests
{
    private sealed record Case(string Name, int Bitpix, int[] Axes, string How);

    private string _dir = "";
    private List<Case> _cases = [];

    [OneTimeSetUp]
    public void WriteFixturesWithAstropyAndFpack()
    {
        ExternalTools.RequirePython("numpy", "astropy");
        ExternalTools.Require("fpack", "libcfitsio-bin");
        ExternalTools.Require("funpack", "libcfitsio-bin");
        _dir = Directory.CreateTempSubdirectory("sp-fz").FullName;
        ExternalTools.Run(ExternalTools.Python, ExternalTools.Fixture("make_fz.py"), _dir);
        _cases = File.ReadAllLines(Path.Combine(_dir, "cases.tsv")).Select(l => l.Split('\t'))
            .Select(f => new Case(f[0], int.Parse(f[1], CultureInfo.InvariantCulture), [.. f[2..5].Select(s => int.Parse(s, CultureInfo.InvariantCulture))], f[5]))
            .ToList();
    }

    [OneTimeTearDown]
    public void RemoveFixtures()
    {
        if (_dir.Length > 0) Directory.Delete(_dir, true);
    }

    /// <summary>The first compressed image HDU of a file, decompressed to its header and stored data.</summary>
    private static (List<FitsCard> Cards, byte[] Data) Decompress(byte[] file)
    {
        var r = new ByteReader(file, bigEndian: true, "FITS");
        var (primary, offset) = FitsHeader.Read(r, 0);
        Assert.That(FitsHeader.Integer(primary, "NAXIS"), Is.EqualTo(0), "the writers put the image in an extension");
        var (cards, dataOffset) = FitsHeader.Read(r, offset);
        Assert.That(TiledImage.IsCompressedImage(cards), "HDU 1 is a compressed image");
        return TiledImage.Decompress(r, cards, dataOffset);
    }

    [Test]
    public void EveryCaseDecompressesToTheReferenceValuesBitForBit()
    {
        Assert.That(_cases, Has.Count.GreaterThanOrEqualTo(70));
        var failures = new List<string>();
        int floatCases = 0, nulls = 0;
        foreach (var c in _cases)
        {
            string? problem;
            try { problem = Compare(c, ref floatCases, ref nulls); }
            catch (ImageFormatException e) { problem = e.Message; }
            if (problem != null) failures.Add($"{c.Name} ({c.How}): {problem}");
        }
        Assert.That(failures, Is.Empty, string.Join("\n", failures));
        Assert.That(floatCases, Is.GreaterThanOrEqualTo(30));
        Assert.That(nulls, Is.GreaterThan(0), "the float images hold NaN pixels that must come back as NaN");
    }

    private string? Compare(Case c, ref int floatCases, ref int nulls)
    {
        var (cards, data) = Decompress(File.ReadAllBytes(Path.Combine(_dir, c.Name + ".fz")));
        var reference = File.ReadAllBytes(Path.Combine(_dir, c.Name + ".raw"));
        long bitpix = FitsHeader.Integer(cards, "BITPIX"), n1 = FitsHeader.Integer(cards, "NAXIS1"), n2 = FitsHeader.Integer(cards, "NAXIS2");
        long n3 = c.Axes[2] > 1 ? FitsHeader.Integer(cards, "NAXIS3") : 1;
        if (bitpix != c.Bitpix || n1 != c.Axes[0] || n2 != c.Axes[1] || n3 != c.Axes[2])
            return $"BITPIX {bitpix} {n1}x{n2}x{n3}, reference {c.Bitpix} {string.Join('x', c.Axes)}";
        if (data.Length != reference.Length) return $"{data.Length} data bytes, reference {reference.Length}";
        int size = Math.Abs(c.Bitpix) / 8;
        if (c.Bitpix < 0) floatCases++;
        for (int i = 0; i < data.Length; i += size)
        {
            if (c.Bitpix < 0)
            {
                double b = size == 4 ? BinaryPrimitives.ReadSingleBigEndian(reference.AsSpan(i)) : BinaryPrimitives.ReadDoubleBigEndian(reference.AsSpan(i));
                double a = size == 4 ? BinaryPrimitives.ReadSingleBigEndian(data.AsSpan(i)) : BinaryPrimitives.ReadDoubleBigEndian(data.AsSpan(i));
                if (double.IsNaN(b))
                {
                    nulls++;
                    if (!double.IsNaN(a)) return $"sample {i / size} is {a:R}, null in the reference";
                    continue;
                }
                if (!data.AsSpan(i, size).SequenceEqual(reference.AsSpan(i, size))) return $"sample {i / size} is {a:R}, reference {b:R}";
            }
            else if (!data.AsSpan(i, size).SequenceEqual(reference.AsSpan(i, size)))
                return $"sample {i / size} has bytes {Convert.ToHexString(data, i, size)}, reference {Convert.ToHexString(reference, i, size)}";
        }
        // The image's own cards come through; the table's and the compression's do not.
        if (cards.FirstOrDefault(k => k.Key == "OBJECT")?.Value != "'M 51    '") return "OBJECT card lost";
        if (cards.FirstOrDefault(k => k.Key is "ZCMPTYPE" or "ZIMAGE" or "TFIELDS" or "ZQUANTIZ" or "TFORM1" or "ZTILE1") is { } extra)
            return $"compression card {extra.Key} left in the image header";
        return null;
    }

    [Test]
    public void ReadingTheFzGivesTheImageReadingFunpacksOutputGives()
    {
        var failures = new List<string>();
        foreach (var c in _cases)
        {
            var fz = ImageFile.Read(Path.Combine(_dir, c.Name + ".fz"));
            var plain = ImageFile.Read(Path.Combine(_dir, c.Name + ".fits"));
            if (fz.Width != plain.Width || fz.Height != plain.Height || fz.Channels != plain.Channels || fz.Metadata.SourceFormat != plain.Metadata.SourceFormat)
            {
                failures.Add($"{c.Name}: {fz.Width}x{fz.Height}x{fz.Channels} {fz.Metadata.SourceFormat}, funpack's {plain.Width}x{plain.Height}x{plain.Channels} {plain.Metadata.SourceFormat}");
                continue;
            }
            for (int i = 0; i < fz.Data.Length; i++)
                if (!(fz.Data[i].Equals(plain.Data[i])))
                {
                    failures.Add($"{c.Name}: sample {i} is {fz.Data[i]:R}, funpack's {plain.Data[i]:R}");
                    break;
                }
            static IEnumerable<string> Cards(AstroImage img) => img.Metadata.FitsCards
                .Where(k => k.Key is not ("CHECKSUM" or "DATASUM" or "EXTNAME"))
                .Select(k => $"{k.Key}={k.Value}");
            var mine = Cards(fz).ToList();
            var theirs = Cards(plain).ToList();
            if (!mine.SequenceEqual(theirs))
                failures.Add($"{c.Name}: cards differ\n  ours:    {string.Join(" | ", mine)}\n  funpack: {string.Join(" | ", theirs)}");
        }
        Assert.That(failures, Is.Empty, string.Join("\n", failures));
    }

    [Test]
    public void TheFzExtensionIsReadButNotWritten()
    {
        var c = _cases.First(k => k.Name == "fpack-i16-r");
        var path = Path.Combine(_dir, "copy.fits.fz");
        File.Copy(Path.Combine(_dir, c.Name + ".fz"), path, true);
        Assert.That(ImageFile.FormatFromExtension(path), Is.EqualTo(ImageFormat.Fits));
        Assert.That(ImageFile.Read(path).Width, Is.EqualTo(67));
        var e = Assert.Throws<ArgumentException>(() => ImageFile.Write(Path.Combine(_dir, "out.fits.fz"), new AstroImage(4, 4, 1)));
        Assert.That(e!.Message, Does.Contain("fpack"));
        Assert.That(File.Exists(Path.Combine(_dir, "out.fits.fz")), Is.False);
    }

    [Test]
    public void CorruptedCompressedFilesGiveTypedErrors()
    {
        // Every compression type, truncated and bit-flipped: an error or an image, never a crash.
        int cases = 0;
        foreach (var c in _cases.Where(k => k.Name.StartsWith("fpack-", StringComparison.Ordinal) || k.Name.EndsWith("dither1", StringComparison.Ordinal)))
        {
            var bytes = File.ReadAllBytes(Path.Combine(_dir, c.Name + ".fz"));
            var rng = new Random(c.Name.Length * 31 + c.Bitpix);
            for (int i = 0; i < 12; i++, cases++)
            {
                // Cuts inside the heap, where the tiles are.
                MalformedFileTests.AssertErrorOrValid(bytes[..(bytes.Length / 2 + rng.Next(bytes.Length / 2))], $"{c.Name} truncated #{i}");
                var copy = (byte[])bytes.Clone();
                int heap = 2880 * 2; // primary header plus the table's header
                for (int k = 0; k < 1 + rng.Next(6); k++) copy[heap + rng.Next(copy.Length - heap)] ^= (byte)(1 << rng.Next(8));
                MalformedFileTests.AssertErrorOrValid(copy, $"{c.Name} flipped #{i}");
            }
        }
        Assert.That(cases, Is.GreaterThan(300));
    }
}
