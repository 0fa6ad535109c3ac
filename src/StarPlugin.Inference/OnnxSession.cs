using System.Runtime.InteropServices;
using System.Text;
using StarPlugin.Removal;

namespace StarPlugin.Inference;

/// <summary>Options for creating an inference session.</summary>
public sealed record SessionOptions
{
    public ExecutionDevice Device { get; init; } = ExecutionDevice.Auto;
    /// <summary>Intra-op threads; 0 = all cores.</summary>
    public int Threads { get; init; }
}

/// <summary>
/// One loaded ONNX model with a single float input and a single float output. The
/// process shares one OrtEnv. Run is safe to call from several threads (ORT sessions
/// are thread-safe for Run); Dispose must not race with Run.
/// </summary>
public sealed unsafe class OnnxSession : IDisposable
{
    private static readonly object EnvGate = new();
    private static nint _env;

    private readonly OrtApiTable _api;
    private nint _session, _memoryInfo;
    private readonly byte[] _inputName, _outputName;

    public ExecutionDevice Device { get; }
    /// <summary>The session's intra-op threads.</summary>
    public int Threads { get; }
    public string ModelPath { get; }
    public string InputName { get; }
    public string OutputName { get; }
    /// <summary>What device selection found (e.g. why CUDA was skipped).</summary>
    public IReadOnlyList<string> DeviceNotes { get; }

    public OnnxSession(string modelPath, SessionOptions? options = null)
    {
        options ??= new SessionOptions();
        ModelFile.Require(modelPath);
        ModelPath = modelPath;
        _api = OrtLibrary.Api;
        var api = _api;
        lock (EnvGate)
        {
            if (_env == 0)
            {
                nint env;
                fixed (byte* id = "starplugin\0"u8) api.Check(api.CreateEnv(3 /* ORT_LOGGING_LEVEL_ERROR */, id, &env), "CreateEnv");
                // No telemetry (OrtLibrary.TelemetryOff): the switch Windows builds obey.
                api.Check(api.DisableTelemetryEvents(env), "DisableTelemetryEvents");
                _env = env; // lives for the process: ORT allows one env, and hosts may create sessions repeatedly
            }
        }
        nint so;
        api.Check(api.CreateSessionOptions(&so), "CreateSessionOptions");
        try
        {
            int threads = Threads = options.Threads > 0 ? options.Threads : Environment.ProcessorCount;
            api.Check(api.SetIntraOpNumThreads(so, threads), "SetIntraOpNumThreads");
            api.Check(api.SetInterOpNumThreads(so, 1), "SetInterOpNumThreads");
            api.Check(api.SetSessionGraphOptimizationLevel(so, 99 /* ORT_ENABLE_ALL */), "SetSessionGraphOptimizationLevel");
            // Spinning threads burn CPU while the host is idle between tiles.
            ConfigEntry(so, "session.intra_op.allow_spinning", "0");
            ConfigEntry(so, "session.inter_op.allow_spinning", "0");
            var notes = new List<string>();
            Device = ExecutionProviders.Apply(api, so, options.Device, notes);
            DeviceNotes = notes;
            nint session;
            if (OperatingSystem.IsWindows())
                fixed (char* p = modelPath + "\0") CheckModel(api, api.CreateSessionWide(_env, p, so, &session), modelPath);
            else
                fixed (byte* p = Encoding.UTF8.GetBytes(modelPath + "\0")) CheckModel(api, api.CreateSessionUtf8(_env, p, so, &session), modelPath);
            _session = session;
        }
        finally { api.ReleaseSessionOptions(so); }

        nuint inputs, outputs;
        api.Check(api.SessionGetInputCount(_session, &inputs), "SessionGetInputCount");
        api.Check(api.SessionGetOutputCount(_session, &outputs), "SessionGetOutputCount");
        if (inputs != 1 || outputs < 1)
        {
            Dispose();
            throw new ModelFileException($"{modelPath}: expected one input and at least one output, found {inputs} and {outputs}");
        }
        InputName = Name(api.SessionGetInputName, 0);
        OutputName = Name(api.SessionGetOutputName, 0);
        _inputName = Encoding.UTF8.GetBytes(InputName + "\0");
        _outputName = Encoding.UTF8.GetBytes(OutputName + "\0");
        nint mem;
        api.Check(api.CreateCpuMemoryInfo(1 /* OrtArenaAllocator */, 0 /* OrtMemTypeDefault */, &mem), "CreateCpuMemoryInfo");
        _memoryInfo = mem;
    }

    private void ConfigEntry(nint so, string key, string value)
    {
        fixed (byte* k = Encoding.UTF8.GetBytes(key + "\0"))
        fixed (byte* v = Encoding.UTF8.GetBytes(value + "\0"))
            _api.Check(_api.AddSessionConfigEntry(so, k, v), "AddSessionConfigEntry");
    }

    private string Name(delegate* unmanaged<nint, nuint, nint, nint*, nint> getter, nuint index)
    {
        nint allocator, name;
        _api.Check(_api.GetAllocatorWithDefaultOptions(&allocator), "GetAllocatorWithDefaultOptions");
        _api.Check(getter(_session, index, allocator, &name), "SessionGetName");
        string s = Marshal.PtrToStringUTF8(name) ?? "";
        _api.Check(_api.AllocatorFree(allocator, name), "AllocatorFree");
        return s;
    }

    /// <summary>Runs the model on a float tensor; returns the output values and shape.</summary>
    public (float[] Data, long[] Shape) Run(ReadOnlySpan<float> input, ReadOnlySpan<long> shape)
    {
        float[]? result = null;
        var outShape = Run(input, shape, n => result = new float[n]);
        return (result!, outShape);
    }

    /// <summary>
    /// Runs the model and copies the output into the buffer <paramref name="output"/> returns
    /// for the output's length (callers reuse one buffer across tiles: no per-call garbage).
    /// </summary>
    public long[] Run(ReadOnlySpan<float> input, ReadOnlySpan<long> shape, Func<int, float[]> output)
    {
        ObjectDisposedException.ThrowIf(_session == 0, this);
        long count = 1;
        foreach (var d in shape) count = checked(count * d);
        if (count != input.Length) throw new ArgumentException($"tensor of {input.Length} values does not match shape [{string.Join(",", shape.ToArray())}]");
        var api = _api;
        nint inValue = 0, outValue = 0, info = 0;
        try
        {
            fixed (float* data = input)
            fixed (long* dims = shape)
            {
                api.Check(api.CreateTensorWithDataAsOrtValue(_memoryInfo, data, (nuint)(input.Length * sizeof(float)), dims, (nuint)shape.Length, 1 /* FLOAT */, &inValue), "CreateTensor");
                fixed (byte* inName = _inputName)
                fixed (byte* outName = _outputName)
                {
                    nint inNamePtr = (nint)inName, outNamePtr = (nint)outName;
                    api.Check(api.Run(_session, 0, &inNamePtr, &inValue, 1, &outNamePtr, 1, &outValue), "Run");
                }
            }
            api.Check(api.GetTensorTypeAndShape(outValue, &info), "GetTensorTypeAndShape");
            nuint rank;
            api.Check(api.GetDimensionsCount(info, &rank), "GetDimensionsCount");
            var outShape = new long[rank];
            fixed (long* p = outShape) api.Check(api.GetDimensions(info, p, rank), "GetDimensions");
            long n = 1;
            foreach (var d in outShape) n = checked(n * d);
            void* outData;
            api.Check(api.GetTensorMutableData(outValue, &outData), "GetTensorMutableData");
            var result = output(checked((int)n));
            if (result.Length < n) throw new ArgumentException("output buffer too small");
            new ReadOnlySpan<float>(outData, (int)n).CopyTo(result);
            return outShape;
        }
        finally
        {
            if (info != 0) api.ReleaseTensorTypeAndShapeInfo(info);
            if (outValue != 0) api.ReleaseValue(outValue);
            if (inValue != 0) api.ReleaseValue(inValue);
        }
    }

    /// <summary>
    /// CreateSession's status: a model ORT cannot load (not found, not a model, a bad graph,
    /// an operator it lacks) is the caller's file, named; anything else stays ORT's error.
    /// </summary>
    private static void CheckModel(OrtApiTable api, nint status, string modelPath)
    {
        try { api.Check(status, "CreateSession"); }
        // INVALID_ARGUMENT, NO_SUCHFILE, NO_MODEL, INVALID_PROTOBUF, NOT_IMPLEMENTED, INVALID_GRAPH;
        // and FAIL when ORT says it failed loading the file ("Load model from ... failed:
        // Unsupported model IR version"), a prefix that its session initialisation (providers,
        // memory) never carries.
        catch (OrtException e) when (e.OrtErrorCode is 2 or 3 or 4 or 7 or 9 or 10
                                     || (e.OrtErrorCode == 1 && e.Message.Contains(": Load model from ", StringComparison.Ordinal)))
        {
            throw new ModelFileException($"{modelPath}: {e.Message}");
        }
    }

    public void Dispose()
    {
        if (_memoryInfo != 0) { _api.ReleaseMemoryInfo(_memoryInfo); _memoryInfo = 0; }
        if (_session != 0) { _api.ReleaseSession(_session); _session = 0; }
    }
}
