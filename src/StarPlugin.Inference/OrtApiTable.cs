using System.Runtime.InteropServices;

namespace StarPlugin.Inference;

/// <summary>
/// The subset of the OrtApi function table we call, read by slot index. Slots were
/// checked against onnxruntime_c_api.h (the struct only grows at the end) and against
/// builds 1.20-1.30. Every call returns an OrtStatus*; <see cref="Check"/> turns a
/// non-null status into an <see cref="OrtException"/> carrying ORT's message and releases it.
/// </summary>
public sealed unsafe class OrtApiTable
{
    public string Version { get; }
    public nint LibraryHandle { get; }

    public readonly delegate* unmanaged<nint, int> GetErrorCode;                                   // 1
    public readonly delegate* unmanaged<nint, nint> GetErrorMessage;                               // 2
    public readonly delegate* unmanaged<int, byte*, nint*, nint> CreateEnv;                        // 3
    public readonly delegate* unmanaged<nint, byte*, nint, nint*, nint> CreateSessionUtf8;         // 7 (char* on Unix)
    public readonly delegate* unmanaged<nint, char*, nint, nint*, nint> CreateSessionWide;         // 7 (wchar_t* on Windows)
    public readonly delegate* unmanaged<nint, nint, nint*, nint*, nuint, nint*, nuint, nint*, nint> Run; // 9
    public readonly delegate* unmanaged<nint*, nint> CreateSessionOptions;                         // 10
    public readonly delegate* unmanaged<nint, int, nint> SetSessionExecutionMode;                  // 13
    public readonly delegate* unmanaged<nint, nint> DisableMemPattern;                             // 17
    public readonly delegate* unmanaged<nint, int, nint> SetSessionGraphOptimizationLevel;         // 23
    public readonly delegate* unmanaged<nint, int, nint> SetIntraOpNumThreads;                     // 24
    public readonly delegate* unmanaged<nint, int, nint> SetInterOpNumThreads;                     // 25
    public readonly delegate* unmanaged<nint, nuint*, nint> SessionGetInputCount;                  // 30
    public readonly delegate* unmanaged<nint, nuint*, nint> SessionGetOutputCount;                 // 31
    public readonly delegate* unmanaged<nint, nuint, nint, nint*, nint> SessionGetInputName;       // 36
    public readonly delegate* unmanaged<nint, nuint, nint, nint*, nint> SessionGetOutputName;      // 37
    public readonly delegate* unmanaged<nint, void*, nuint, long*, nuint, int, nint*, nint> CreateTensorWithDataAsOrtValue; // 49
    public readonly delegate* unmanaged<nint, void**, nint> GetTensorMutableData;                  // 51
    public readonly delegate* unmanaged<nint, nuint*, nint> GetDimensionsCount;                    // 61
    public readonly delegate* unmanaged<nint, long*, nuint, nint> GetDimensions;                   // 62
    public readonly delegate* unmanaged<nint, nint*, nint> GetTensorTypeAndShape;                  // 65
    public readonly delegate* unmanaged<int, int, nint*, nint> CreateCpuMemoryInfo;                // 69
    public readonly delegate* unmanaged<nint, nint, nint> AllocatorFree;                           // 76
    public readonly delegate* unmanaged<nint*, nint> GetAllocatorWithDefaultOptions;               // 78
    public readonly delegate* unmanaged<nint, void> ReleaseEnv;                                    // 92
    public readonly delegate* unmanaged<nint, void> ReleaseStatus;                                 // 93
    public readonly delegate* unmanaged<nint, void> ReleaseMemoryInfo;                             // 94
    public readonly delegate* unmanaged<nint, void> ReleaseSession;                                // 95
    public readonly delegate* unmanaged<nint, void> ReleaseValue;                                  // 96
    public readonly delegate* unmanaged<nint, void> ReleaseTensorTypeAndShapeInfo;                 // 99
    public readonly delegate* unmanaged<nint, void> ReleaseSessionOptions;                         // 100
    public readonly delegate* unmanaged<byte***, int*, nint> GetAvailableProviders;                // 125
    public readonly delegate* unmanaged<byte**, int, nint> ReleaseAvailableProviders;              // 126
    public readonly delegate* unmanaged<nint, byte*, byte*, nint> AddSessionConfigEntry;           // 130

    internal OrtApiTable(nint table, string version, nint library)
    {
        Version = version;
        LibraryHandle = library;
        nint Slot(int i) => Marshal.ReadIntPtr(table, i * nint.Size);
        GetErrorCode = (delegate* unmanaged<nint, int>)Slot(1);
        GetErrorMessage = (delegate* unmanaged<nint, nint>)Slot(2);
        CreateEnv = (delegate* unmanaged<int, byte*, nint*, nint>)Slot(3);
        CreateSessionUtf8 = (delegate* unmanaged<nint, byte*, nint, nint*, nint>)Slot(7);
        CreateSessionWide = (delegate* unmanaged<nint, char*, nint, nint*, nint>)Slot(7);
        Run = (delegate* unmanaged<nint, nint, nint*, nint*, nuint, nint*, nuint, nint*, nint>)Slot(9);
        CreateSessionOptions = (delegate* unmanaged<nint*, nint>)Slot(10);
        SetSessionExecutionMode = (delegate* unmanaged<nint, int, nint>)Slot(13);
        DisableMemPattern = (delegate* unmanaged<nint, nint>)Slot(17);
        SetSessionGraphOptimizationLevel = (delegate* unmanaged<nint, int, nint>)Slot(23);
        SetIntraOpNumThreads = (delegate* unmanaged<nint, int, nint>)Slot(24);
        SetInterOpNumThreads = (delegate* unmanaged<nint, int, nint>)Slot(25);
        SessionGetInputCount = (delegate* unmanaged<nint, nuint*, nint>)Slot(30);
        SessionGetOutputCount = (delegate* unmanaged<nint, nuint*, nint>)Slot(31);
        SessionGetInputName = (delegate* unmanaged<nint, nuint, nint, nint*, nint>)Slot(36);
        SessionGetOutputName = (delegate* unmanaged<nint, nuint, nint, nint*, nint>)Slot(37);
        CreateTensorWithDataAsOrtValue = (delegate* unmanaged<nint, void*, nuint, long*, nuint, int, nint*, nint>)Slot(49);
        GetTensorMutableData = (delegate* unmanaged<nint, void**, nint>)Slot(51);
        GetDimensionsCount = (delegate* unmanaged<nint, nuint*, nint>)Slot(61);
        GetDimensions = (delegate* unmanaged<nint, long*, nuint, nint>)Slot(62);
        GetTensorTypeAndShape = (delegate* unmanaged<nint, nint*, nint>)Slot(65);
        CreateCpuMemoryInfo = (delegate* unmanaged<int, int, nint*, nint>)Slot(69);
        AllocatorFree = (delegate* unmanaged<nint, nint, nint>)Slot(76);
        GetAllocatorWithDefaultOptions = (delegate* unmanaged<nint*, nint>)Slot(78);
        ReleaseEnv = (delegate* unmanaged<nint, void>)Slot(92);
        ReleaseStatus = (delegate* unmanaged<nint, void>)Slot(93);
        ReleaseMemoryInfo = (delegate* unmanaged<nint, void>)Slot(94);
        ReleaseSession = (delegate* unmanaged<nint, void>)Slot(95);
        ReleaseValue = (delegate* unmanaged<nint, void>)Slot(96);
        ReleaseTensorTypeAndShapeInfo = (delegate* unmanaged<nint, void>)Slot(99);
        ReleaseSessionOptions = (delegate* unmanaged<nint, void>)Slot(100);
        GetAvailableProviders = (delegate* unmanaged<byte***, int*, nint>)Slot(125);
        ReleaseAvailableProviders = (delegate* unmanaged<byte**, int, nint>)Slot(126);
        AddSessionConfigEntry = (delegate* unmanaged<nint, byte*, byte*, nint>)Slot(130);
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
