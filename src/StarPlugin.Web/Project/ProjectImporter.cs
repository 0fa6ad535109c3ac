using System.Globalization;
using StarPlugin.Evaluation;
using StarPlugin.Imaging;
using StarPlugin.IO;
using StarPlugin.Lensing;
using StarPlugin.Web.Storage;

namespace StarPlugin.Web.Project;

/// <summary>A refused import: the message names the file and the cause. Nothing was changed.</summary>
public sealed class ImportException(string message) : Exception(message);

public sealed record ImportResult(string Batch, int Training, int Unknown, int Mocks, IReadOnlyList<long> SubjectIds);

/// <summary>
/// Imports a folder of cutouts and a labels CSV (file,label[,id][,category]; label 0 a
/// checked non-lens, 1 a mock with its record FILE.json beside it, -1 unknown) and can
/// make mocks itself from the label-0 cutouts (not the lookalikes) with the mock-lens engine. Every file is
/// decoded by our codecs first; one bad file refuses the whole import and leaves the
/// project as it was. Files are copied into images/BATCH/ inside the project.
/// </summary>
public sealed class ProjectImporter(ProjectFolder folder, ILensStore store)
{
    public const int MaxSide = 2048, MaxRows = 200_000;
    private static readonly string[] Categories = ["lens", "spiral", "ring", "merger", "edge-on", "artefact", "elliptical", "other"];

    public async Task<ImportResult> ImportAsync(string sourceDir, string labelsCsv, int mocks, int seed, SwapSettings settings, CancellationToken ct = default)
    {
        if (mocks < 0 || mocks > 100_000) throw new ImportException("mocks must be between 0 and 100000");
        string src = Path.GetFullPath(sourceDir);
        var rows = ParseLabels(labelsCsv);
        string batch = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..6];
        string staging = Path.Combine(folder.Images, ".staging-" + batch), final = Path.Combine(folder.Images, batch);
        Directory.CreateDirectory(staging);
        var subjects = new List<NewSubject>();
        var negatives = new List<(string Key, AstroImage Image, ImageFormat Format)>();
        try
        {
            foreach (var row in rows)
            {
                ct.ThrowIfCancellationRequested();
                string path = Path.GetFullPath(Path.Combine(src, row.File));
                if (!path.StartsWith(src + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                    throw new ImportException($"{row.File}: the labels name a file outside the import folder");
                if (!File.Exists(path)) throw new ImportException($"{row.File}: no such file in the import folder");
                var format = ImageFile.FormatFromExtension(path);
                if (format is not (ImageFormat.Png or ImageFormat.Jpeg or ImageFormat.Fits))
                    throw new ImportException($"{row.File}: cutouts must be PNG, JPEG or FITS");
                AstroImage image;
                try { image = ImageFile.Read(path); }
                catch (Exception e) when (e is ImageFormatException or ImageSizeException or IOException)
                { throw new ImportException($"{row.File}: {e.Message}"); }
                if (ImageFile.Sniff(FileStart(path)) != format)
                    throw new ImportException($"{row.File}: its content is not what its extension says");
                if (image.Width > MaxSide || image.Height > MaxSide) throw new ImportException($"{row.File}: {image.Width}×{image.Height} is larger than a cutout ({MaxSide} px a side)");
                if (image.ColorChannels is not (1 or 3)) throw new ImportException($"{row.File}: needs 1 band or 3 (RGB, or g/r/z)");
                byte[]? mask = null; string? mockJson = null;
                string recordPath = path + ".json";
                if (row.Label == Labels.Lens && File.Exists(recordPath))
                {
                    try
                    {
                        mockJson = File.ReadAllText(recordPath);
                        var record = MockRecordJson.Parse(mockJson);
                        mask = ArcRegion.FromRecord(record, image.Width, image.Height).Pack();
                    }
                    catch (FormatException e) { throw new ImportException($"{row.File}.json: {e.Message}"); }
                }
                string name = Sanitize(row.Key) + Path.GetExtension(path).ToLowerInvariant();
                File.Copy(path, Path.Combine(staging, name), overwrite: false);
                subjects.Add(new NewSubject(row.Key, $"images/{batch}/{name}", image.Width, image.Height, row.Label, row.Category, mockJson, mask));
                // Mocks go into plain galaxies, never into the lookalikes (a spiral with an arc would teach the wrong thing).
                if (row.Label == Labels.NotLens && row.Category is null or "elliptical") negatives.Add((row.Key, image, format));
            }
            if (mocks > 0 && negatives.Count == 0) throw new ImportException("mocks are made from label-0 cutouts (without a lookalike category), and this import has none");
            var rng = new Random(seed);
            for (int i = 0; i < mocks; i++)
            {
                ct.ThrowIfCancellationRequested();
                var (key, image, format) = negatives[i % negatives.Count];
                var options = MockLensDraw.Draw(rng, (ulong)(seed * 1000003L + i + 1), image.ColorChannels, redFirst: format != ImageFormat.Fits,
                    maxThetaE: Math.Max(5, Math.Min(16, Math.Min(image.Width, image.Height) / 5.0)));
                var (mock, record) = MockLensInjector.Inject(image, options);
                string mockKey = $"{key}-mock{i}";
                string ext = format == ImageFormat.Fits ? ".fits" : ".png";
                if (format != ImageFormat.Fits) MockLensInjector.SaturateLikeThePicture(mock); // a PNG cutout's arc saturates at its white
                string name = Sanitize(mockKey) + ext;
                ImageFile.Write(Path.Combine(staging, name), mock, new WriteOptions { Depth = format == ImageFormat.Fits ? SampleFormat.Float32 : SampleFormat.UInt8 });
                string json = MockRecordJson.Write(record, key, name);
                var mask = ArcRegion.FromRecord(record, image.Width, image.Height).Pack();
                subjects.Add(new NewSubject(mockKey, $"images/{batch}/{name}", image.Width, image.Height, Labels.Lens, "lens", json, mask));
            }
            Directory.Move(staging, final);
        }
        catch
        {
            TryDelete(staging);
            throw;
        }
        try
        {
            var ids = await store.AddSubjectsAsync(subjects, settings, ct);
            return new ImportResult(batch, subjects.Count(s => Labels.IsTraining(s.Truth)), subjects.Count(s => s.Truth == Labels.Unknown), mocks, ids);
        }
        catch (DuplicateException e)
        {
            TryDelete(final);
            throw new ImportException(e.Message);
        }
        catch
        {
            TryDelete(final);
            throw;
        }
    }

    private static void TryDelete(string dir)
    {
        try { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static string Sanitize(string key)
    {
        var chars = key.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_').ToArray();
        string s = new string(chars).Trim('_');
        return s.Length == 0 ? "subject" : s.Length > 80 ? s[..80] : s;
    }

    public sealed record LabelRow(string File, int Label, string Key, string? Category);

    /// <summary>Parses the labels CSV; every mistake is an <see cref="ImportException"/> naming its line.</summary>
    public static List<LabelRow> ParseLabels(string csv)
    {
        var lines = csv.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Trim().Length > 0 && !l.StartsWith('#')).ToList();
        if (lines.Count == 0) throw new ImportException("labels: empty (a header row file,label[,id][,category] is required)");
        if (lines.Count > MaxRows + 1) throw new ImportException($"labels: more than {MaxRows} rows");
        var header = lines[0].Split(',').Select(h => h.Trim().ToLowerInvariant()).ToArray();
        int fi = Array.IndexOf(header, "file"), li = Array.IndexOf(header, "label"), ii = Array.IndexOf(header, "id"), ci = Array.IndexOf(header, "category");
        if (fi < 0 || li < 0) throw new ImportException("labels: the header needs the columns file and label");
        var rows = new List<LabelRow>();
        var keys = new HashSet<string>(StringComparer.Ordinal);
        for (int n = 1; n < lines.Count; n++)
        {
            var cells = lines[n].Split(',').Select(c => c.Trim()).ToArray();
            if (cells.Length < header.Length) throw new ImportException($"labels line {n + 1}: {cells.Length} columns, the header has {header.Length}");
            string file = cells[fi];
            if (file.Length == 0 || file.Length > 255) throw new ImportException($"labels line {n + 1}: no file name");
            if (!int.TryParse(cells[li], NumberStyles.Integer, CultureInfo.InvariantCulture, out int label) || label is not (-1 or 0 or 1))
                throw new ImportException($"labels line {n + 1}: label must be -1, 0 or 1");
            string key = ii >= 0 && cells[ii].Length > 0 ? cells[ii] : Path.GetFileNameWithoutExtension(file);
            if (key.Length > 200 || !keys.Add(key)) throw new ImportException($"labels line {n + 1}: id {key} is repeated or too long");
            string? category = ci >= 0 && cells[ci].Length > 0 ? cells[ci].ToLowerInvariant() : null;
            if (category != null && !Categories.Contains(category)) throw new ImportException($"labels line {n + 1}: category must be one of {string.Join(", ", Categories)}");
            rows.Add(new LabelRow(file, label, key, category));
        }
        return rows;
    }

    /// <summary>The first 4 KiB of a file (or all of a shorter one): enough for any format's signature.</summary>
    private static byte[] FileStart(string path)
    {
        using var file = File.OpenRead(path);
        var start = new byte[4096];
        return start[..file.ReadAtLeast(start, start.Length, throwOnEndOfStream: false)];
    }
}
