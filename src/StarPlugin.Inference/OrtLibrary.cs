using System.Runtime.InteropServices;
using StarPlugin.Removal;

namespace StarPlugin.Inference;

/// <summary>
/// Loads the ONNX Runtime shared library once per process and hands out its versioned
/// function table. It looks only where the host says: <see cref="SearchDirectories"/>
/// (the CLI adds its own folder, libstarplugin the folder dladdr finds it in, tests the
/// build's output), then asks the loader by name, which in a .NET-hosted process also
/// reads the app's deps.json (the Microsoft.ML.OnnxRuntime package's native asset).
/// Nothing walks up folders or reads the environment here.
/// </summary>
public static unsafe partial class OrtLibrary
{
    /// <summary>
    /// The OrtApi version we request. Slots only ever append, so any build ≥ this works;
    /// every function we call (<see cref="OrtApiTable.Slots"/>) exists by version 17, so a
    /// higher request would only turn away older system builds.
    /// </summary>
    public const uint ApiVersion = 17;

    /// <summary>File names of the library on this OS, as shipped first (the NuGet package's name).</summary>
    public static IReadOnlyList<string> FileNames { get; } =
        OperatingSystem.IsWindows() ? ["onnxruntime.dll"] : OperatingSystem.IsMacOS() ? ["libonnxruntime.dylib"] : ["libonnxruntime.so", "libonnxruntime.so.1"];

    /// <summary>Folders to look in, in order, before the loader's own search. Set before the first session.</summary>
    public static List<string> SearchDirectories { get; } = [];

    private static readonly object Gate = new();
    private static OrtApiTable? _api;
    private static nint _handle;
    private static string? _loadedFrom;

    /// <summary>The file loaded (or the name the loader resolved), once a session has been made.</summary>
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

    private static IEnumerable<string> Candidates() =>
        from dir in SearchDirectories.ToArray() from name in FileNames select Path.Combine(dir, name);

    private static OrtApiTable Load()
    {
        TelemetryOff();
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
        if (_handle == 0 && !NativeLibrary.TryLoad("onnxruntime", typeof(OrtLibrary).Assembly, null, out _handle))
            throw new OrtException($"ONNX Runtime ({FileNames[0]}) not found beside StarPlugin or by the system loader. Looked in: {string.Join(", ", tried.Distinct())}");
        _loadedFrom ??= FileNames[0];
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

    /// <summary>The variable ONNX Runtime's Linux and macOS builds (1.32) read to collect nothing.</summary>
    public const string TelemetryVariable = "ORT_DISABLE_TELEMETRY";

    /// <summary>
    /// ONNX Runtime's official builds collect telemetry on Linux and macOS by default: a
    /// device id and an event database under ~/.cache/Microsoft, uploaded to Microsoft
    /// when online. A plug-in that works on people's photographs sends nothing anywhere:
    /// the variable goes into the process' native environment (.NET's own
    /// Environment.SetEnvironmentVariable does not reach getenv on Unix) before the library
    /// is loaded, since it is read as the library starts. <see cref="OnnxSession"/> also
    /// calls DisableTelemetryEvents on the environment, the switch Windows builds obey.
    /// </summary>
    private static void TelemetryOff()
    {
        if (OperatingSystem.IsWindows()) return;
        if (SetEnv(TelemetryVariable, "1", 1) != 0)
            throw new OrtException($"cannot set {TelemetryVariable} (setenv failed), and StarPlugin does not load ONNX Runtime with its telemetry on");
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);
}

/// <summary>An ONNX Runtime error: the library's status code and message, or a loading problem.</summary>
public sealed class OrtException(string message, int code = -1) : ModelException(message)
{
    public int OrtErrorCode { get; } = code;
}
