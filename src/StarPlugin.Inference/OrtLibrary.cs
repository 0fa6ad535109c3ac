using System.Runtime.InteropServices;

namespace StarPlugin.Inference;

/// <summary>
/// Finds and loads the ONNX Runtime shared library once per process and hands out its
/// versioned function table. NuGet here has no ORT package, so the library is the
/// official build from the pinned onnxruntime-node npm package (tools/fetch-onnxruntime.sh),
/// placed beside our binaries.
/// </summary>
public static unsafe class OrtLibrary
{
    /// <summary>The OrtApi version we request. Slots only ever append, so any build ≥ this works.</summary>
    public const uint ApiVersion = 17;

    /// <summary>File name of the library on this OS.</summary>
    public static string FileName => OperatingSystem.IsWindows() ? "onnxruntime.dll" : OperatingSystem.IsMacOS() ? "libonnxruntime.dylib" : "libonnxruntime.so.1";

    /// <summary>Extra folders to search first (the C ABI adds the folder of libstarplugin.so, found by dladdr).</summary>
    public static List<string> SearchDirectories { get; } = [];

    private static readonly object Gate = new();
    private static OrtApiTable? _api;
    private static nint _handle;
    private static string? _loadedFrom;

    public static string? LoadedFrom => _loadedFrom;

    public static OrtApiTable Api
    {
        get
        {
            if (_api != null) return _api;
            lock (Gate)
            {
                _api ??= Load();
                return _api;
            }
        }
    }

    private static IEnumerable<string> Candidates()
    {
        if (Environment.GetEnvironmentVariable("STARPLUGIN_ORT_LIBRARY") is { Length: > 0 } env) yield return env;
        foreach (var d in SearchDirectories) yield return Path.Combine(d, FileName);
        yield return Path.Combine(AppContext.BaseDirectory, FileName);
        // A development tree: artifacts/native/ above the build output.
        string? dir = AppContext.BaseDirectory;
        for (int i = 0; i < 7 && dir != null; i++, dir = Path.GetDirectoryName(dir.TrimEnd(Path.DirectorySeparatorChar)))
            yield return Path.Combine(dir, "artifacts", "native", FileName);
    }

    private static OrtApiTable Load()
    {
        var tried = new List<string>();
        foreach (var path in Candidates())
        {
            if (!File.Exists(path)) { tried.Add(path); continue; }
            if (OperatingSystem.IsWindows())
            {
                // onnxruntime.dll loads DirectML.dll by name: load our shipped copy by full path first.
                string dml = Path.Combine(Path.GetDirectoryName(path)!, "DirectML.dll");
                if (File.Exists(dml)) NativeLibrary.TryLoad(dml, out _);
            }
            if (!NativeLibrary.TryLoad(path, out _handle))
                throw new OrtException($"{path}: cannot be loaded (wrong architecture, or glibc older than 2.27?)");
            _loadedFrom = path;
            break;
        }
        if (_handle == 0 && !NativeLibrary.TryLoad(FileName, out _handle))
            throw new OrtException($"ONNX Runtime ({FileName}) not found; run tools/fetch-onnxruntime.sh or set STARPLUGIN_ORT_LIBRARY. Looked in: {string.Join(", ", tried.Distinct())}");
        _loadedFrom ??= FileName;
        if (!NativeLibrary.TryGetExport(_handle, "OrtGetApiBase", out var getBase))
            throw new OrtException($"{_loadedFrom}: not an ONNX Runtime library (no OrtGetApiBase)");
        var apiBase = ((delegate* unmanaged<nint>)getBase)();
        var getApi = (delegate* unmanaged<uint, nint>)Marshal.ReadIntPtr(apiBase, 0);
        var getVersion = (delegate* unmanaged<nint>)Marshal.ReadIntPtr(apiBase, nint.Size);
        string version = Marshal.PtrToStringUTF8(getVersion()) ?? "?";
        nint table = getApi(ApiVersion);
        if (table == 0) throw new OrtException($"{_loadedFrom}: ONNX Runtime {version} does not provide API version {ApiVersion}");
        return new OrtApiTable(table, version, _handle);
    }
}

/// <summary>An ONNX Runtime error: the library's status code and message, or a loading problem.</summary>
public sealed class OrtException(string message, int code = -1) : Exception(message)
{
    public int OrtErrorCode { get; } = code;
}
