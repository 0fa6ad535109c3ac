using StarPlugin.Imaging;
using StarPlugin.Progress;
using StarPlugin.Removal;

namespace StarPlugin.Inference;

/// <summary>
/// Star removal with a model file: the network in one ONNX Runtime session, run by Core's
/// <see cref="RemovalPipeline"/>. Load once per process, then call <see cref="Remove"/>
/// for any number of images; calls on one instance are serialised.
/// </summary>
public sealed class StarRemover : IDisposable
{
    private readonly OnnxSession _session;
    private readonly RemovalPipeline _pipeline;

    public ModelDescription Model => _pipeline.Model;
    public ExecutionDevice Device => _session.Device;
    /// <summary>What device selection found (e.g. why CUDA was skipped).</summary>
    public IReadOnlyList<string> DeviceNotes => _session.DeviceNotes;

    public StarRemover(string modelPath, SessionOptions? session = null)
    {
        var model = ModelFile.Describe(modelPath);
        _session = new OnnxSession(modelPath, session);
        _pipeline = new RemovalPipeline(new SessionModel(_session, model));
    }

    public RemovalResult Remove(AstroImage image, RemovalOptions? options = null, ProgressCallback? progress = null, CancellationToken token = default) =>
        _pipeline.Remove(image, options, progress, token);

    /// <summary>Star reduction in the memory of one removal output (<see cref="RemovalPipeline.Reduce"/>).</summary>
    public AstroImage Reduce(AstroImage image, float amount, ReductionMode mode, RemovalOptions? options = null, ProgressCallback? progress = null, CancellationToken token = default) =>
        _pipeline.Reduce(image, amount, mode, options, progress, token);

    public void Dispose() => _session.Dispose();

    private sealed class SessionModel(OnnxSession session, ModelDescription description) : ITileModel
    {
        public ModelDescription Description => description;
        public long[] Run(ReadOnlySpan<float> input, ReadOnlySpan<long> shape, Func<int, float[]> output) => session.Run(input, shape, output);
    }
}
