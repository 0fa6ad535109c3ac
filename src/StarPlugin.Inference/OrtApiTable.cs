using System.Runtime.InteropServices;

namespace StarPlugin.Inference;

/// <summary>
/// The subset of the OrtApi function table we call, read by slot index (<see cref="Slots"/>).
/// The struct only grows at the end; the slots are checked against onnxruntime_c_api.h of
/// the build we ship (a test) and ran against builds 1.20-1.32. Every call returns an
/// OrtStatus*; <see cref="Check"/> turns a non-null status into an <see cref="OrtException"/>
/// carrying ORT's message and releases it.
/// </summary>
public sealed unsafe class OrtApiTable
{
    public string Version { get; }
    public nint LibraryHandle { get; }

    public readonly delegate* unmanaged<nint, int> GetErrorCode;
    public readonly delegate* unmanaged<nint, nint> GetErrorMessage;
    public readonly delegate* unmanaged<int, byte*, nint*, nint> CreateEnv;
    public readonly delegate* unmanaged<nint, nint> DisableTelemetryEvents;
    public readonly delegate* unmanaged<nint, byte*, nint, nint*, nint> CreateSessionUtf8; // (char* on Unix)
    public readonly delegate* unmanaged<nint, char*, nint, nint*, nint> CreateSessionWide; // (wchar_t* on Windows)
    public readonly delegate* unmanaged<nint, nint, nint*, nint*, nuint, nint*, nuint, nint*, nint> Run;
    public readonly delegate* unmanaged<nint*, nint> CreateSessionOptions;
    public readonly delegate* unmanaged<nint, int, nint> SetSessionExecutionMode;
    public readonly delegate* unmanaged<nint, nint> DisableMemPattern;
    public readonly delegate* unmanaged<nint, int, nint> SetSessionGraphOptimizationLevel;
    public readonly delegate* unmanaged<nint, int, nint> SetIntraOpNumThreads;
    public readonly delegate* unmanaged<nint, int, nint> SetInterOpNumThreads;
    public readonly delegate* unmanaged<nint, nuint*, nint> SessionGetInputCount;
    public readonly delegate* unmanaged<nint, nuint*, nint> SessionGetOutputCount;
    public readonly delegate* unmanaged<nint, nuint, nint, nint*, nint> SessionGetInputName;
    public readonly delegate* unmanaged<nint, nuint, nint, nint*, nint> SessionGetOutputName;
    public readonly delegate* unmanaged<nint, void*, nuint, long*, nuint, int, nint*, nint> CreateTensorWithDataAsOrtValue;
    public readonly delegate* unmanaged<nint, void**, nint> GetTensorMutableData;
    public readonly delegate* unmanaged<nint, nuint*, nint> GetDimensionsCount;
    public readonly delegate* unmanaged<nint, long*, nuint, nint> GetDimensions;
    public readonly delegate* unmanaged<nint, nint*, nint> GetTensorTypeAndShape;
    public readonly delegate* unmanaged<int, int, nint*, nint> CreateCpuMemoryInfo;
    public readonly delegate* unmanaged<nint, nint, nint> AllocatorFree;
    public readonly delegate* unmanaged<nint*, nint> GetAllocatorWithDefaultOptions;
    public readonly delegate* unmanaged<nint, void> ReleaseEnv;
    public readonly delegate* unmanaged<nint, void> ReleaseStatus;
    public readonly delegate* unmanaged<nint, void> ReleaseMemoryInfo;
    public readonly delegate* unmanaged<nint, void> ReleaseSession;
    public readonly delegate* unmanaged<nint, void> ReleaseValue;
    public readonly delegate* unmanaged<nint, void> ReleaseTensorTypeAndShapeInfo;
    public readonly delegate* unmanaged<nint, void> ReleaseSessionOptions;
    public readonly delegate* unmanaged<byte***, int*, nint> GetAvailableProviders;
    public readonly delegate* unmanaged<byte**, int, nint> ReleaseAvailableProviders;
    public readonly delegate* unmanaged<nint, byte*, byte*, nint> AddSessionConfigEntry;

    /// <summary>
    /// Slot of each function we call in the OrtApi struct, by its name in
    /// onnxruntime_c_api.h (OrtApiSlotTests checks them against the shipped build's header).
    /// </summary>
    internal static readonly IReadOnlyDictionary<string, int> Slots = new Dictionary<string, int>
    {
        ["GetErrorCode"] = 1,
        ["GetErrorMessage"] = 2,
        ["CreateEnv"] = 3,
        ["DisableTelemetryEvents"] = 6,
        ["CreateSession"] = 7,
        ["Run"] = 9,
        ["CreateSessionOptions"] = 10,
        ["SetSessionExecutionMode"] = 13,
        ["DisableMemPattern"] = 17,
        ["SetSessionGraphOptimizationLevel"] = 23,
        ["SetIntraOpNumThreads"] = 24,
        ["SetInterOpNumThreads"] = 25,
        ["SessionGetInputCount"] = 30,
        ["SessionGetOutputCount"] = 31,
        ["SessionGetInputName"] = 36,
        ["SessionGetOutputName"] = 37,
        ["CreateTensorWithDataAsOrtValue"] = 49,
        ["GetTensorMutableData"] = 51,
        ["GetDimensionsCount"] = 61,
        ["GetDimensions"] = 62,
        ["GetTensorTypeAndShape"] = 65,
        ["CreateCpuMemoryInfo"] = 69,
        ["AllocatorFree"] = 76,
        ["GetAllocatorWithDefaultOptions"] = 78,
        ["ReleaseEnv"] = 92,
        ["ReleaseStatus"] = 93,
        ["ReleaseMemoryInfo"] = 94,
        ["ReleaseSession"] = 95,
        ["ReleaseValue"] = 96,
        ["ReleaseTensorTypeAndShapeInfo"] = 99,
        ["ReleaseSessionOptions"] = 100,
        ["GetAvailableProviders"] = 125,
        ["ReleaseAvailableProviders"] = 126,
        ["AddSessionConfigEntry"] = 130,
    };

    internal OrtApiTable(nint table, string version, nint library)
    {
        Version = version;
        LibraryHandle = library;
        nint Slot(string name) => Marshal.ReadIntPtr(table, Slots[name] * nint.Size);
        GetErrorCode = (delegate* unmanaged<nint, int>)Slot(nameof(GetErrorCode));
        GetErrorMessage = (delegate* unmanaged<nint, nint>)Slot(nameof(GetErrorMessage));
        CreateEnv = (delegate* unmanaged<int, byte*, nint*, nint>)Slot(nameof(CreateEnv));
        DisableTelemetryEvents = (delegate* unmanaged<nint, nint>)Slot(nameof(DisableTelemetryEvents));
        CreateSessionUtf8 = (delegate* unmanaged<nint, byte*, nint, nint*, nint>)Slot("CreateSession");
        CreateSessionWide = (delegate* unmanaged<nint, char*, nint, nint*, nint>)Slot("CreateSession");
        Run = (delegate* unmanaged<nint, nint, nint*, nint*, nuint, nint*, nuint, nint*, nint>)Slot(nameof(Run));
        CreateSessionOptions = (delegate* unmanaged<nint*, nint>)Slot(nameof(CreateSessionOptions));
        SetSessionExecutionMode = (delegate* unmanaged<nint, int, nint>)Slot(nameof(SetSessionExecutionMode));
        DisableMemPattern = (delegate* unmanaged<nint, nint>)Slot(nameof(DisableMemPattern));
        SetSessionGraphOptimizationLevel = (delegate* unmanaged<nint, int, nint>)Slot(nameof(SetSessionGraphOptimizationLevel));
        SetIntraOpNumThreads = (delegate* unmanaged<nint, int, nint>)Slot(nameof(SetIntraOpNumThreads));
        SetInterOpNumThreads = (delegate* unmanaged<nint, int, nint>)Slot(nameof(SetInterOpNumThreads));
        SessionGetInputCount = (delegate* unmanaged<nint, nuint*, nint>)Slot(nameof(SessionGetInputCount));
        SessionGetOutputCount = (delegate* unmanaged<nint, nuint*, nint>)Slot(nameof(SessionGetOutputCount));
        SessionGetInputName = (delegate* unmanaged<nint, nuint, nint, nint*, nint>)Slot(nameof(SessionGetInputName));
        SessionGetOutputName = (delegate* unmanaged<nint, nuint, nint, nint*, nint>)Slot(nameof(SessionGetOutputName));
        CreateTensorWithDataAsOrtValue = (delegate* unmanaged<nint, void*, nuint, long*, nuint, int, nint*, nint>)Slot(nameof(CreateTensorWithDataAsOrtValue));
        GetTensorMutableData = (delegate* unmanaged<nint, void**, nint>)Slot(nameof(GetTensorMutableData));
        GetDimensionsCount = (delegate* unmanaged<nint, nuint*, nint>)Slot(nameof(GetDimensionsCount));
        GetDimensions = (delegate* unmanaged<nint, long*, nuint, nint>)Slot(nameof(GetDimensions));
        GetTensorTypeAndShape = (delegate* unmanaged<nint, nint*, nint>)Slot(nameof(GetTensorTypeAndShape));
        CreateCpuMemoryInfo = (delegate* unmanaged<int, int, nint*, nint>)Slot(nameof(CreateCpuMemoryInfo));
        AllocatorFree = (delegate* unmanaged<nint, nint, nint>)Slot(nameof(AllocatorFree));
        GetAllocatorWithDefaultOptions = (delegate* unmanaged<nint*, nint>)Slot(nameof(GetAllocatorWithDefaultOptions));
        ReleaseEnv = (delegate* unmanaged<nint, void>)Slot(nameof(ReleaseEnv));
        ReleaseStatus = (delegate* unmanaged<nint, void>)Slot(nameof(ReleaseStatus));
        ReleaseMemoryInfo = (delegate* unmanaged<nint, void>)Slot(nameof(ReleaseMemoryInfo));
        ReleaseSession = (delegate* unmanaged<nint, void>)Slot(nameof(ReleaseSession));
        ReleaseValue = (delegate* unmanaged<nint, void>)Slot(nameof(ReleaseValue));
        ReleaseTensorTypeAndShapeInfo = (delegate* unmanaged<nint, void>)Slot(nameof(ReleaseTensorTypeAndShapeInfo));
        ReleaseSessionOptions = (delegate* unmanaged<nint, void>)Slot(nameof(ReleaseSessionOptions));
        GetAvailableProviders = (delegate* unmanaged<byte***, int*, nint>)Slot(nameof(GetAvailableProviders));
        ReleaseAvailableProviders = (delegate* unmanaged<byte**, int, nint>)Slot(nameof(ReleaseAvailableProviders));
        AddSessionConfigEntry = (delegate* unmanaged<nint, byte*, byte*, nint>)Slot(nameof(AddSessionConfigEntry));
    }

    /// <summary>Throws for a non-null status, with ORT's code and message; always releases it.</summary>
    public void Check(nint status, string what)
    {
        if (status == 0) return;
        int code = GetErrorCode(status);
        string message = Marshal.PtrToStringUTF8(GetErrorMessage(status)) ?? "unknown error";
        ReleaseStatus(status);
        throw new OrtException($"ONNX Runtime: {what} failed: {message}", code);
    }

    /// <summary>Names of the execution providers this build was compiled with.</summary>
    public IReadOnlyList<string> AvailableProviders()
    {
        byte** names; int count;
        Check(GetAvailableProviders(&names, &count), "GetAvailableProviders");
        var list = new List<string>(count);
        for (int i = 0; i < count; i++) list.Add(Marshal.PtrToStringUTF8((nint)names[i]) ?? "");
        ReleaseAvailableProviders(names, count);
        return list;
    }
}
