using System.Buffers.Binary;

namespace StarPlugin.IO;

/// <summary>
/// Bounds-checked reads from a byte buffer. Every overrun becomes an
/// <see cref="ImageFormatException"/> naming the format, so truncated files give a
/// clear error rather than an IndexOutOfRangeException.
/// </summary>
internal readonly ref struct ByteReader(ReadOnlySpan<byte> data, bool bigEndian, string format)
{
    private readonly ReadOnlySpan<byte> _data = data;
    public int Length => _data.Length;
    public bool BigEndian { get; } = bigEndian;

    public ReadOnlySpan<byte> Slice(long offset, long count)
    {
        if (offset < 0 || count < 0 || offset > _data.Length || count > _data.Length - offset)
            throw new ImageFormatException($"{format}: truncated or corrupt file (needs bytes {offset}..{offset + count}, file has {_data.Length})");
        return _data.Slice((int)offset, (int)count);
    }

    public byte U8(long offset) => Slice(offset, 1)[0];
    public ushort U16(long offset) => BigEndian ? BinaryPrimitives.ReadUInt16BigEndian(Slice(offset, 2)) : BinaryPrimitives.ReadUInt16LittleEndian(Slice(offset, 2));
    public uint U32(long offset) => BigEndian ? BinaryPrimitives.ReadUInt32BigEndian(Slice(offset, 4)) : BinaryPrimitives.ReadUInt32LittleEndian(Slice(offset, 4));
}
