using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using StarPlugin.Native.Interop;

namespace StarPlugin.Native.Exports;

/// <summary>Version, ABI version and error reporting.</summary>
internal static unsafe class LibraryExports
{
    public const int AbiVersion = 5;   // SP_ABI_VERSION (starplugin.h lists what each added)
    private static readonly nint VersionString = Marshal.StringToCoTaskMemUTF8(typeof(LibraryExports).Assembly.GetName().Version?.ToString(3) ?? "0.0.0");
    private static readonly nint[] StatusStrings = Enumerable.Range(0, 9).Select(i => Marshal.StringToCoTaskMemUTF8(Boundary.StatusString(i))).ToArray();

    [UnmanagedCallersOnly(EntryPoint = "sp_version")]
    public static nint Version() => VersionString;

    [UnmanagedCallersOnly(EntryPoint = "sp_abi_version")]
    public static int Abi() => AbiVersion;

    [UnmanagedCallersOnly(EntryPoint = "sp_last_error")]
    public static nint LastErrorMessage() => LastError.Get();

    [UnmanagedCallersOnly(EntryPoint = "sp_status_string")]
    public static nint StatusString(int status) => StatusStrings[status is >= 0 and <= 7 ? status : 8];
}
