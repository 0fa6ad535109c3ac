namespace StarPlugin.Removal;

/// <summary>
/// A star-removal network as the tiling engine sees it: its contract and one forward pass
/// over a batch of tiles. StarPlugin.Inference runs it with ONNX Runtime; the removal
/// algorithms here never load a library or open a model file.
/// </summary>
public interface ITileModel
{
    ModelDescription Description { get; }

    /// <summary>
    /// Runs one batch laid out as <paramref name="shape"/> (<see cref="ModelDescription.InputLayout"/>).
    /// <paramref name="output"/>(count) supplies a buffer of at least count values for the
    /// result (callers reuse one across tiles); returns the output's shape.
    /// </summary>
    long[] Run(ReadOnlySpan<float> input, ReadOnlySpan<long> shape, Func<int, float[]> output);

    /// <summary>
    /// How many <see cref="Run"/> calls the tiling engine keeps in flight at once (from
    /// several threads; 1: one after another). The results are the same either way.
    /// </summary>
    int ConcurrentRuns => 1;
}
