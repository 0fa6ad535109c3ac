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
    private readonly Task<OnnxSession> _session;
    private readonly RemovalPipeline _pipeline;

    public ModelDescription Model => _pipeline.Model;
    /// <summary>The device the session runs on; waits for a session still opening (<see cref="Opening"/>) and throws its error if it failed to.</summary>
    public ExecutionDevice Device => Session.Device;
    /// <summary>What device selection found (e.g. why CUDA was skipped).</summary>
    public IReadOnlyList<string> DeviceNotes => Session.DeviceNotes;

    public StarRemover(string modelPath, SessionOptions? session = null) : this(modelPath, session, background: false) { }

    /// <summary>
    /// A remover whose ONNX Runtime session opens on a worker thread while the pipeline
    /// finds the stars, which needs only the model's metadata (read here, so a file that is
    /// no model fails at once). Loading the runtime and the session is a fixed cost of
    /// about 60 ms per process; the first network tile waits for it, and a session that
    /// fails to open throws there, as the constructor would have.
    /// </summary>
    public static StarRemover Opening(string modelPath, SessionOptions? session = null) => new(modelPath, session, background: true);

    private StarRemover(string modelPath, SessionOptions? session, bool background)
    {
        var model = ModelFile.Describe(modelPath);
        _session = background ? Task.Run(() => new OnnxSession(modelPath, session)) : Task.FromResult(new OnnxSession(modelPath, session));
        _pipeline = new RemovalPipeline(new SessionModel(this, model));
    }

    private OnnxSession Session => _session.GetAwaiter().GetResult();

    public RemovalResult Remove(AstroImage image, RemovalOptions? options = null, ProgressCallback? progress = null, CancellationToken token = default) =>
        _pipeline.Remove(image, options, progress, token);

    /// <summary>Star reduction in the memory of one removal output (<see cref="RemovalPipeline.Reduce"/>).</summary>
    public AstroImage Reduce(AstroImage image, float amount, ReductionMode mode, RemovalOptions? options = null, ProgressCallback? progress = null, CancellationToken token = default) =>
        _pipeline.Reduce(image, amount, mode, options, progress, token);

    public void Dispose()
    {
        // A session still opening is waited for, so it is freed too; one that failed to
        // open has nothing to free (its error was, or will never be, the caller's).
        try { _session.Wait(); }
        catch (AggregateException) { return; }
        _session.Result.Dispose();
    }

    /// <summary>
    /// The most tiles in flight on a CPU: each run holds its own activations, and beyond a
    /// few the session's threads split each tile again. The session keeps all its threads:
    /// they are one pool that the runs in flight share (one thread per run instead was no
    /// faster here, 26 paired runs, and would leave most of a many-core machine idle).
    /// </summary>
    public const int MaxTilesInFlight = 4;

    private sealed class SessionModel(StarRemover remover, ModelDescription description) : ITileModel
    {
        public ModelDescription Description => description;
        public long[] Run(ReadOnlySpan<float> input, ReadOnlySpan<long> shape, Func<int, float[]> output) => remover.Session.Run(input, shape, output);
        /// <summary>
        /// On a CPU, a tile per thread (at most <see cref="MaxTilesInFlight"/>) in flight:
        /// ONNX Runtime spreads one 256-px tile over two cores poorly (1.3× one core's speed,
        /// network alone on a 1 Mpx picture), and two tiles at once took 45-55 ms off a 1 Mpx
        /// run of the network alone, 47 ms off a default run (paired medians). A GPU takes
        /// one at a time.
        /// </summary>
        public int ConcurrentRuns => remover.Session.Device == ExecutionDevice.Cpu ? Math.Min(remover.Session.Threads, MaxTilesInFlight) : 1;
    }
}
