using System.Runtime.InteropServices;

namespace StarPlugin.Cli.Hosting;

/// <summary>
/// Which file a path reaches, after every link and mount: its device and inode (stat),
/// so that two paths to one file compare equal however they are spelled (symlinked
/// folders, bind mounts, hard links). Where stat is not available (Windows), the fully
/// resolved path stands in.
/// </summary>
public readonly partial record struct FileIdentity(ulong Device, ulong Inode, string? Path)
{
    /// <summary>The file at <paramref name="path"/> (links followed); null when nothing is there.</summary>
    public static FileIdentity? Of(string path)
    {
        if (!File.Exists(path) && !Directory.Exists(path)) return null;
        if (!OperatingSystem.IsWindows() && Native.Stat(path) is var (dev, ino)) return new FileIdentity(dev, ino, null);
        return new FileIdentity(0, 0, Resolved(path));
    }

    /// <summary>The full path with every link resolved (the best a platform without stat offers).</summary>
    public static string Resolved(string path)
    {
        string full = System.IO.Path.GetFullPath(path);
        try
        {
            var info = new FileInfo(full);
            if (info.LinkTarget != null && info.ResolveLinkTarget(returnFinalTarget: true) is { } target) full = target.FullName;
            string? dir = System.IO.Path.GetDirectoryName(full);
            if (dir != null && new DirectoryInfo(dir).ResolveLinkTarget(returnFinalTarget: true) is { } d)
                full = System.IO.Path.Combine(d.FullName, System.IO.Path.GetFileName(full));
        }
        catch (IOException) { }
        return OperatingSystem.IsWindows() ? full.ToUpperInvariant() : full;
    }

    private static unsafe partial class Native
    {
        // struct stat begins with st_dev and st_ino (64-bit each) on x86-64 and arm64 Linux
        // and on macOS (dev_t is 32-bit there, read below); 256 bytes hold any layout.
        public static (ulong, ulong)? Stat(string path)
        {
            byte* buffer = stackalloc byte[256];
            int rc;
            try { rc = stat(path, buffer); }
            catch (EntryPointNotFoundException) { rc = xstat(1, path, buffer); } // glibc before 2.33
            if (rc != 0) return null;
            if (OperatingSystem.IsMacOS()) return (*(uint*)buffer, *(ulong*)(buffer + 8));
            return (*(ulong*)buffer, *(ulong*)(buffer + 8));
        }

        [LibraryImport("libc", EntryPoint = "stat", StringMarshalling = StringMarshalling.Utf8)]
        private static partial int stat(string path, byte* buffer);

        [LibraryImport("libc", EntryPoint = "__xstat", StringMarshalling = StringMarshalling.Utf8)]
        private static partial int xstat(int version, string path, byte* buffer);
    }
}
