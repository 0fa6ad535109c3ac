using System.Text;
using StarPlugin.Progress;

namespace StarPlugin.Native.Interop;

/// <summary>Adapts the C progress callback (int fn(double, const char*, void*)) to the core's delegate.</summary>
internal static unsafe class NativeProgress
{
    public static ProgressCallback? Wrap(delegate* unmanaged<double, byte*, void*, int> fn, void* user)
    {
        if (fn == null) return null;
        var cache = new Dictionary<string, byte[]>();
        return (fraction, stage) =>
        {
            if (!cache.TryGetValue(stage, out var bytes)) cache[stage] = bytes = Encoding.UTF8.GetBytes(stage + "\0");
            fixed (byte* s = bytes) return fn(Math.Clamp(fraction, 0, 1), s, user) != 0;
        };
    }
}
