using System.Runtime.InteropServices;
using StarPlugin.Native.Interop;

namespace StarPlugin.Native.Exports;

/// <summary>sp_options: keyed settings that can grow without changing any struct (starplugin.h lists the keys).</summary>
internal static unsafe class OptionsExports
{
    internal static readonly HandleTable<Settings> Table = new("sp_options", tag: 2);

    /// <summary>The settings a call works with: NULL is all defaults.</summary>
    internal static IReadOnlyDictionary<string, double>? Read(nint options)
    {
        if (options == 0) return null;
        using var lease = Table.Acquire(options);
        return lease.Value.Snapshot();
    }

    private static string Key(byte* key) =>
        key == null ? throw new ArgumentProblem("key is NULL") : Marshal.PtrToStringUTF8((nint)key) ?? "";

    [UnmanagedCallersOnly(EntryPoint = "sp_options_create")]
    public static int Create(nint* output) => Boundary.Guard("sp_options_create", () =>
    {
        if (output == null) throw new ArgumentProblem("out is NULL");
        *output = Table.Add(new Settings());
        return Status.Ok;
    });

    [UnmanagedCallersOnly(EntryPoint = "sp_options_release")]
    public static void Release(nint options)
    {
        try { Table.Release(options); }
        catch (Exception e) { LastError.Set("sp_options_release: " + e.Message); }
    }

    [UnmanagedCallersOnly(EntryPoint = "sp_options_set_int")]
    public static int SetInt(nint options, byte* key, long value) => Boundary.Guard("sp_options_set_int", () =>
    {
        using var lease = Table.Acquire(options);
        lease.Value.Set(Key(key), value, fromInteger: true);
        return Status.Ok;
    });

    [UnmanagedCallersOnly(EntryPoint = "sp_options_set_double")]
    public static int SetDouble(nint options, byte* key, double value) => Boundary.Guard("sp_options_set_double", () =>
    {
        using var lease = Table.Acquire(options);
        lease.Value.Set(Key(key), value, fromInteger: false);
        return Status.Ok;
    });

    [UnmanagedCallersOnly(EntryPoint = "sp_options_get")]
    public static int Get(nint options, byte* key, double* value) => Boundary.Guard("sp_options_get", () =>
    {
        if (value == null) throw new ArgumentProblem("value is NULL");
        using var lease = Table.Acquire(options);
        *value = lease.Value.Get(Key(key));
        return Status.Ok;
    });
}
