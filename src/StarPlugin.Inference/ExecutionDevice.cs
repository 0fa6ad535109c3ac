using System.Runtime.InteropServices;

namespace StarPlugin.Inference;

/// <summary>Where inference runs. Auto tries DirectML on Windows and CUDA where its provider libraries exist, then CPU.</summary>
public enum ExecutionDevice { Auto = 0, Cpu = 1, DirectML = 2, Cuda = 3 }

/// <summary>Appends the chosen execution provider to session options; reports what it actually used.</summary>
internal static unsafe class ExecutionProviders
{
    public static ExecutionDevice Apply(OrtApiTable api, nint options, ExecutionDevice requested, List<string> notes)
    {
        if (requested is ExecutionDevice.Auto or ExecutionDevice.DirectML && OperatingSystem.IsWindows())
        {
            if (TryAppend(api, options, "OrtSessionOptionsAppendExecutionProvider_DML", notes))
            {
                // DirectML needs memory patterns off and sequential execution.
                api.Check(api.DisableMemPattern(options), "DisableMemPattern");
                api.Check(api.SetSessionExecutionMode(options, 0), "SetSessionExecutionMode");
                return ExecutionDevice.DirectML;
            }
            if (requested == ExecutionDevice.DirectML) throw new OrtException("DirectML is not available in this ONNX Runtime build: " + string.Join("; ", notes));
        }
        else if (requested == ExecutionDevice.DirectML)
            throw new OrtException("DirectML runs on Windows only");

        if (requested is ExecutionDevice.Auto or ExecutionDevice.Cuda)
        {
            bool listed = api.AvailableProviders().Contains("CUDAExecutionProvider");
            string dir = Path.GetDirectoryName(OrtLibrary.LoadedFrom ?? "") ?? "";
            bool libs = File.Exists(Path.Combine(dir, OperatingSystem.IsWindows() ? "onnxruntime_providers_cuda.dll" : "libonnxruntime_providers_cuda.so"));
            if (listed && libs && TryAppend(api, options, "OrtSessionOptionsAppendExecutionProvider_CUDA", notes)) return ExecutionDevice.Cuda;
            notes.Add(listed ? "CUDA provider libraries are not installed beside ONNX Runtime" : "this ONNX Runtime build has no CUDA provider");
            if (requested == ExecutionDevice.Cuda) throw new OrtException("CUDA is not available: " + string.Join("; ", notes));
        }
        return ExecutionDevice.Cpu;
    }

    private static bool TryAppend(OrtApiTable api, nint options, string export, List<string> notes)
    {
        if (!NativeLibrary.TryGetExport(api.LibraryHandle, export, out var fn)) { notes.Add($"{export} is not exported"); return false; }
        nint status = ((delegate* unmanaged<nint, int, nint>)fn)(options, 0);
        if (status == 0) return true;
        notes.Add(Marshal.PtrToStringUTF8(api.GetErrorMessage(status)) ?? export);
        api.ReleaseStatus(status);
        return false;
    }
}
