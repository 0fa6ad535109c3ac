using StarPlugin.Imaging;
using StarPlugin.Removal;

namespace StarPlugin.Native.Interop;

/// <summary>C status codes (sp_status in starplugin.h).</summary>
internal enum Status
{
    Ok = 0, InvalidArgument = 1, Io = 2, Model = 3, Cancelled = 4, OutOfMemory = 5, Unsupported = 6, Internal = 7,
}

/// <summary>An argument the C caller got wrong; its message becomes sp_last_error().</summary>
internal sealed class ArgumentProblem(string message) : Exception(message);

/// <summary>
/// Every export runs its body through <see cref="Guard"/>: no exception may cross the C
/// boundary (it would kill the host), so each one becomes a status code and a
/// per-thread error message.
/// </summary>
internal static class Boundary
{
    public static int Guard(string function, Func<Status> body)
    {
        try
        {
            LibraryLocation.EnsureSearchPaths();
            var s = body();
            return (int)s;
        }
        catch (Exception e)
        {
            var (status, message) = e switch
            {
                ArgumentProblem or ArgumentException or ImageSizeException => (Status.InvalidArgument, e.Message),
                OperationCanceledException => (Status.Cancelled, "cancelled by the progress callback"),
                ModelException => (Status.Model, e.Message),
                FileNotFoundException or DirectoryNotFoundException or IOException or UnauthorizedAccessException => (Status.Io, e.Message),
                OutOfMemoryException => (Status.OutOfMemory, "out of memory"),
                PlatformNotSupportedException or NotSupportedException => (Status.Unsupported, e.Message),
                _ => (Status.Internal, $"{e.GetType().Name}: {e.Message}"),
            };
            LastError.Set($"{function}: {message}");
            return (int)status;
        }
    }

    public static string StatusString(int status) => status switch
    {
        0 => "ok",
        1 => "invalid argument",
        2 => "input/output error",
        3 => "model or ONNX Runtime error",
        4 => "cancelled",
        5 => "out of memory",
        6 => "unsupported",
        7 => "internal error",
        _ => "unknown status",
    };
}
