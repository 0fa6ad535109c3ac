namespace StarPlugin.IO;

/// <summary>
/// Writes a file through a temporary sibling and a rename, so a crash or a full disk
/// never leaves a half-written output, and an existing file is replaced only when the
/// caller allows it.
/// </summary>
public static class AtomicFile
{
    public static void Write(string path, Action<Stream> write, bool overwrite)
    {
        string full = Path.GetFullPath(path);
        if (!overwrite && File.Exists(full))
            throw new IOException($"{path}: file exists (use --force to overwrite)");
        string dir = Path.GetDirectoryName(full) ?? ".";
        Directory.CreateDirectory(dir);
        string tmp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(fs);
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, full, overwrite);
        }
        catch
        {
            try { File.Delete(tmp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }
}
