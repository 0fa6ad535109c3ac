using System.Globalization;
using StarPlugin.Imaging;
using StarPlugin.Inference;
using StarPlugin.Removal;

namespace StarPlugin.Lensing.Finder;

/// <summary>
/// The machine lens finder: a small CNN (models/lensfinder-v1.onnx) run through our
/// ONNX Runtime engine, the same <see cref="OnnxSession"/> the star remover uses. It
/// takes cutouts of any size (the central window of the model's size is scored) and
/// gives each a probability of holding a strong lens. The model's contract is read from
/// its metadata (starplugin.task = lens-finder, cutout_size, input = the normalisation
/// scheme of <see cref="LensInput"/>), and a model made for another input is refused.
/// </summary>
public sealed class LensFinder : IDisposable
{
    public const string Task = "lens-finder";
    /// <summary>The normalisation <see cref="LensInput"/> implements; bumped whenever it changes.</summary>
    public const string InputScheme = "asinh-sky-mad-v1";
    public const int MaxBatchSize = 256;

    private readonly OnnxSession _session;
    private readonly object _gate = new();

    public int CutoutSize { get; }
    public string Name { get; }
    /// <summary>Every starplugin.* metadata entry of the model (name, training figures, operating thresholds), without the prefix.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }
    public ExecutionDevice Device => _session.Device;
    public IReadOnlyList<string> DeviceNotes => _session.DeviceNotes;

    public LensFinder(string modelPath, SessionOptions? options = null)
    {
        var meta = ModelFile.ReadMetadata(modelPath)
            .Where(kv => kv.Key.StartsWith("starplugin.", StringComparison.Ordinal))
            .GroupBy(kv => kv.Key[11..]).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal);
        if (!meta.TryGetValue("task", out var task) || task != Task)
            throw new ModelFileException($"{modelPath}: not a lens-finder model (metadata starplugin.task is '{task ?? "missing"}')");
        if (!meta.TryGetValue("input", out var scheme) || scheme != InputScheme)
            throw new ModelFileException($"{modelPath}: made for input '{scheme ?? "missing"}', this engine prepares '{InputScheme}'");
        if (!meta.TryGetValue("cutout_size", out var s) || !int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int size) || size is < 8 or > 1024)
            throw new ModelFileException($"{modelPath}: metadata starplugin.cutout_size is missing or out of range");
        CutoutSize = size;
        Name = meta.GetValueOrDefault("name", Path.GetFileNameWithoutExtension(modelPath));
        Metadata = meta;
        _session = new OnnxSession(modelPath, options);
    }

    /// <summary>Prepares one cutout into its slot of a batch buffer (thread-safe: call from several threads).</summary>
    public void Prepare(AstroImage cutout, BandOrder order, Span<float> slot, float[]? scratch = null) =>
        LensInput.Fill(cutout, order, CutoutSize, slot, scratch);

    /// <summary>Values per cutout in a batch buffer.</summary>
    public int SlotLength => LensInput.Planes * CutoutSize * CutoutSize;

    /// <summary>Scores <paramref name="count"/> prepared cutouts: P(lens) each, into <paramref name="scores"/>.</summary>
    public void Score(ReadOnlySpan<float> prepared, int count, Span<float> scores)
    {
        if (count < 1 || count > MaxBatchSize) throw new ArgumentOutOfRangeException(nameof(count), $"batch of {count}: 1..{MaxBatchSize}");
        if (prepared.Length < count * SlotLength || scores.Length < count) throw new ArgumentException("buffers are smaller than the batch");
        float[]? output = null;
        long[] shape;
        lock (_gate)
            shape = _session.Run(prepared[..(count * SlotLength)], [count, LensInput.Planes, CutoutSize, CutoutSize], n => output = new float[n]);
        long total = 1;
        foreach (var d in shape) total *= d;
        if (total != count) throw new OrtException($"{_session.ModelPath}: expected one score per cutout, got output shape [{string.Join(",", shape)}]");
        for (int i = 0; i < count; i++) scores[i] = output![i];
    }

    /// <summary>Scores cutouts in one call (prepares them itself); for small numbers of cutouts.</summary>
    public float[] Score(IReadOnlyList<(AstroImage Cutout, BandOrder Order)> cutouts)
    {
        var scores = new float[cutouts.Count];
        var buffer = new float[Math.Min(cutouts.Count, 64) * SlotLength];
        for (int start = 0; start < cutouts.Count; start += 64)
        {
            int n = Math.Min(64, cutouts.Count - start);
            for (int i = 0; i < n; i++) Prepare(cutouts[start + i].Cutout, cutouts[start + i].Order, buffer.AsSpan(i * SlotLength, SlotLength));
            Score(buffer, n, scores.AsSpan(start, n));
        }
        return scores;
    }

    public void Dispose() => _session.Dispose();
}
