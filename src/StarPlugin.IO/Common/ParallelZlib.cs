using System.Buffers.Binary;
using System.IO.Compression;

namespace StarPlugin.IO;

/// <summary>
/// One zlib stream deflated by several threads, as pigz makes it: the data comes in parts
/// that are compressed independently, every part but the last ends at a sync flush (byte
/// aligned, no final block), and the parts are joined under one zlib header and the
/// Adler-32 of the whole. Any inflater reads it as an ordinary stream. Each part starts
/// with an empty dictionary, which costs a few bytes a part; the cut depends only on the
/// data (the caller's parts), never on the number of cores, so the bytes are the same on
/// every machine.
/// </summary>
internal static class ParallelZlib
{
    /// <summary>Compresses parts 0..<paramref name="parts"/>−1, each written by <paramref name="writePart"/> into the stream it is given.</summary>
    /// <exception cref="IOException">The compressed stream would exceed 2 GB (an array's limit).</exception>
    public static byte[] Compress(int parts, ZLibCompressionOptions level, Action<int, Stream> writePart)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parts, 1);
        var compressed = new byte[parts][];
        var adler = new uint[parts];
        var length = new long[parts];
        long total = 2 + 4;
        try { Parallel.For(0, parts, Part); }
        // One part's failure as itself (an IOException stays one for the callers that name the file).
        catch (AggregateException e) { System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw(); }

        void Part(int i)
        {
            using var buffer = new MemoryStream();
            var deflate = new DeflateStream(buffer, level, leaveOpen: true);
            var sum = new Adler32Stream(deflate);
            writePart(i, sum);
            long cut;
            if (i < parts - 1)
            {
                deflate.Flush(); // Z_SYNC_FLUSH: the part ends on a byte boundary, the stream open
                cut = buffer.Length;
                deflate.Dispose(); // adds the final block, which the cut leaves out
            }
            else
            {
                deflate.Dispose();
                // A compressor given no bytes writes nothing, not even the final block.
                if (buffer.Length == 0) buffer.Write(EmptyFinalBlock);
                cut = buffer.Length;
            }
            if (Interlocked.Add(ref total, cut) > Array.MaxLength)
                throw new IOException($"the compressed data exceeds {Array.MaxLength / (1 << 20)} MB");
            compressed[i] = buffer.GetBuffer().AsSpan(0, (int)cut).ToArray();
            adler[i] = sum.Value;
            length[i] = sum.Length;
        }

        var output = new byte[total];
        output[0] = 0x78; // deflate, 32 KB window
        // FLEVEL as zlib writes it for this level (readers ignore it), and FCHECK.
        output[1] = (byte)(level.CompressionLevel is >= 0 and <= 1 ? 0x01 : level.CompressionLevel is >= 2 and <= 5 ? 0x5E : level.CompressionLevel is 6 or -1 ? 0x9C : 0xDA);
        int at = 2;
        uint whole = 1;
        for (int i = 0; i < parts; i++)
        {
            compressed[i].CopyTo(output, at);
            at += compressed[i].Length;
            whole = Adler32.Combine(whole, adler[i], length[i]);
        }
        BinaryPrimitives.WriteUInt32BigEndian(output.AsSpan(at), whole);
        return output;
    }

    /// <summary>A final fixed-Huffman block holding only its end code.</summary>
    private static ReadOnlySpan<byte> EmptyFinalBlock => [0x03, 0x00];

    /// <summary>Passes writes through to <c>inner</c> and keeps the Adler-32 of what passed.</summary>
    private sealed class Adler32Stream(Stream inner) : Stream
    {
        public uint Value { get; private set; } = 1;
        public override long Length => _length;
        private long _length;

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            Value = Adler32.Update(Value, buffer);
            _length += buffer.Length;
            inner.Write(buffer);
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
        public override void WriteByte(byte value) => Write([value]);
        public override void Flush() => inner.Flush();
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Position { get => _length; set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}

/// <summary>Adler-32 (RFC 1950), with zlib's combination of two sums.</summary>
internal static class Adler32
{
    private const uint Base = 65521;
    /// <summary>The most bytes whose sums cannot overflow 32 bits before the modulo (zlib's NMAX).</summary>
    private const int Block = 5552;

    public static uint Update(uint adler, ReadOnlySpan<byte> data)
    {
        uint a = adler & 0xFFFF, b = adler >> 16;
        while (data.Length > 0)
        {
            int n = Math.Min(Block, data.Length);
            foreach (byte v in data[..n]) { a += v; b += a; }
            a %= Base; b %= Base;
            data = data[n..];
        }
        return a | (b << 16);
    }

    /// <summary>The Adler-32 of A followed by B, from theirs and B's length (zlib's adler32_combine).</summary>
    public static uint Combine(uint first, uint second, long secondLength)
    {
        uint rem = (uint)(secondLength % Base);
        uint sum1 = first & 0xFFFF;
        uint sum2 = (uint)((ulong)rem * sum1 % Base);
        sum1 += (second & 0xFFFF) + Base - 1;
        sum2 += (first >> 16) + (second >> 16) + Base - rem;
        if (sum1 >= Base) sum1 -= Base;
        if (sum1 >= Base) sum1 -= Base;
        if (sum2 >= Base << 1) sum2 -= Base << 1;
        if (sum2 >= Base) sum2 -= Base;
        return sum1 | (sum2 << 16);
    }
}
