using System.Runtime.InteropServices;

namespace StarPlugin.IO;

/// <summary>
/// Refuses paths that are not regular files with data before anything opens them: opening
/// a named pipe for reading waits for a writer forever (deaf to one SIGTERM), and a device
/// reads without end. The path is resolved by the kernel (realpath), so links through
/// linked folders and ".." land where open() would; FileInfo on the link's text did not.
/// </summary>
public static partial class RegularFile
{
    /// <summary>Throws <see cref="ImageFormatException"/> unless <paramref name="path"/> is a non-empty regular file (a missing one: <see cref="FileNotFoundException"/>).</summary>
    public static void Require(string path)
    {
        if (Directory.Exists(path)) throw new ImageFormatException($"{path}: is a folder, not a file");
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such file", path);
        var target = new FileInfo(Resolve(path));
        // st_size of a pipe, socket or character device is 0: so is an empty file, which holds no image either.
        if (!target.Exists || target.Length == 0)
            throw new ImageFormatException($"{path}: empty file, or not a regular file (a pipe, socket or device)");
    }

    /// <summary>The path with every link and ".." resolved as the kernel does (unchanged on Windows, which has no pipes in the file system).</summary>
    private static string Resolve(string path)
    {
        if (OperatingSystem.IsWindows()) return path;
        nint resolved = RealPath(path, 0);
        // A link to nothing, or to a pipe behind /dev/stdin or /proc (no name to resolve to):
        // File.Exists takes either for a file.
        if (resolved == 0) throw new FileNotFoundException($"{path}: no such file (a link to nothing, or to a pipe)", path);
        try { return Marshal.PtrToStringUTF8(resolved) ?? path; }
        finally { Free(resolved); }
    }

    [LibraryImport("libc", EntryPoint = "realpath", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint RealPath(string path, nint resolved);

    [LibraryImport("libc", EntryPoint = "free")]
    private static partial void Free(nint pointer);
}
