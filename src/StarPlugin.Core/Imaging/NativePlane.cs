using System.Buffers;
using System.Runtime.InteropServices;

namespace StarPlugin.Imaging;

/// <summary>
/// A scratch plane of floats in native memory, given back to the system on Dispose.
/// A dead managed plane stays resident until the collector decommits its region, which
/// it did not do before the next image-sized buffer was touched: a quarter-plane of
/// binned luminance then added a quarter plane to removal's peak memory.
/// Contents start undefined. Use with <c>using</c> (no finalizer: a missed Dispose leaks);
/// its Memory, and a pointer from Pin, must not outlive it.
/// </summary>
internal sealed unsafe class NativePlane : MemoryManager<float>
{
    private float* _data;
    private readonly int _length;

    public NativePlane(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        _length = length;
        _data = (float*)NativeMemory.Alloc((nuint)Math.Max(1, length), sizeof(float));
    }

    public int Length => _length;

    public override Span<float> GetSpan()
    {
        ObjectDisposedException.ThrowIf(_data == null, this);
        return new Span<float>(_data, _length);
    }

    public override MemoryHandle Pin(int elementIndex = 0)
    {
        ObjectDisposedException.ThrowIf(_data == null, this);
        if ((uint)elementIndex > (uint)_length) throw new ArgumentOutOfRangeException(nameof(elementIndex));
        return new MemoryHandle(_data + elementIndex);
    }

    public override void Unpin() { }

    protected override void Dispose(bool disposing)
    {
        if (_data == null) return;
        NativeMemory.Free(_data);
        _data = null;
    }
}
