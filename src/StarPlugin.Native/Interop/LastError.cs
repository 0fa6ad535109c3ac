using System.Runtime.InteropServices;
using System.Text;

namespace StarPlugin.Native.Interop;

/// <summary>
/// sp_last_error(): one UTF-8 buffer per thread, replaced on the next failure of that
/// thread, so a caller reading its own error never races another thread's.
/// </summary>
internal static class LastError
{
    [ThreadStatic] private static nint _buffer;
    private static readonly nint Empty = Marshal.StringToCoTaskMemUTF8("");

    public static void Set(string message)
    {
        var bytes = Encoding.UTF8.GetBytes(message + "\0");
        nint next = Marshal.AllocCoTaskMem(bytes.Length);
        Marshal.Copy(bytes, 0, next, bytes.Length);
        nint old = _buffer;
        _buffer = next;
        if (old != 0) Marshal.FreeCoTaskMem(old);
    }

    public static nint Get() => _buffer != 0 ? _buffer : Empty;
}
