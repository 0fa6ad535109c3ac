using System.Runtime.InteropServices;
using StarPlugin.Inference;

namespace StarPlugin.Native.Interop;

/// <summary>
/// Where libstarplugin itself lives. AppContext.BaseDirectory is the host program's
/// folder (gimp, gmic), so side files (libonnxruntime, models/) are found from our own
/// address with dladdr (GetModuleHandleEx on Windows).
/// </summary>
internal static unsafe partial class LibraryLocation
{
    private static string? _directory;
    private static int _initialised;

    public static string? Directory => _directory;

    public static void EnsureSearchPaths()
    {
        if (Interlocked.Exchange(ref _initialised, 1) == 1) return;
        _directory = Find();
        if (_directory != null)
        {
            OrtLibrary.SearchDirectories.Add(_directory);
            OrtLibrary.SearchDirectories.Add(Path.Combine(_directory, "lib"));
        }
    }

    public static string? DefaultModel()
    {
        if (Environment.GetEnvironmentVariable("STARPLUGIN_MODEL") is { Length: > 0 } env) return env;
        return _directory == null ? null : ModelFile.FindDefault([_directory, Path.Combine(_directory, "..")]);
    }

    private static string? Find()
    {
        nint self = (nint)(delegate* unmanaged<nint>)&Exports.LibraryExports.Version;
        if (OperatingSystem.IsWindows())
        {
            if (!GetModuleHandleExW(0x4 | 0x2, self, out var module)) return null; // FROM_ADDRESS | UNCHANGED_REFCOUNT
            var buf = new char[1024];
            fixed (char* p = buf)
            {
                int n = GetModuleFileNameW(module, p, buf.Length);
                return n > 0 ? Path.GetDirectoryName(new string(p, 0, n)) : null;
            }
        }
        DlInfo info;
        if (dladdr(self, &info) == 0 || info.FileName == 0) return null;
        return Path.GetDirectoryName(Path.GetFullPath(Marshal.PtrToStringUTF8(info.FileName)!));
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct DlInfo { public nint FileName, FileBase, SymbolName, SymbolAddress; }

    [LibraryImport("libc", EntryPoint = "dladdr")]
    private static partial int dladdr(nint address, DlInfo* info);

    [LibraryImport("kernel32", EntryPoint = "GetModuleHandleExW")]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool GetModuleHandleExW(uint flags, nint address, out nint module);

    [LibraryImport("kernel32", EntryPoint = "GetModuleFileNameW")]
    private static partial int GetModuleFileNameW(nint module, char* buffer, int size);
}
