using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using StarPlugin.Imaging;

namespace StarPlugin.IO.Fits;

/// <summary>
/// A FITS image read rows at a time, straight from the file: the headers first, then
/// each request fetches only the bytes of the rows asked for, at their offset in the
/// data unit. A cutout of a 2 GB survey brick reads its own rows and nothing else.
/// Same HDU rules as <see cref="FitsCodec"/> (the primary array, or the first IMAGE
/// extension); physical values (BZERO + BSCALE × stored), BLANK as NaN; rows in file
/// order. Tile-compressed images (.fits.fz) are read tile by tile by
/// <see cref="FitsRowSource.Open"/> through the compressed-image reader.
/// </summary>
public sealed class FitsRowSource : IRowSource
{
    private readonly SafeFileHandle _file;
    private readonly long _dataOffset;
    private readonly FitsSamples _samples;
    private long _bytesRead;

    public int Width { get; }
    public int Height { get; }
    public int Planes { get; }
    public long BytesRead => Interlocked.Read(ref _bytesRead);
    /// <summary>The image's header cards (the primary's first when the image is an extension), structural ones excluded.</summary>
    public IReadOnlyList<FitsCard> Cards { get; }
    public string Path { get; }

    private FitsRowSource(string path, SafeFileHandle file, List<FitsCard> cards, List<FitsCard>? primary, long dataOffset)
    {
        Path = path;
        _file = file;
        long naxis = FitsHeader.Integer(cards, "NAXIS");
        long w = FitsHeader.Integer(cards, "NAXIS1"), h = FitsHeader.Integer(cards, "NAXIS2"), planes = naxis >= 3 ? FitsHeader.Integer(cards, "NAXIS3") : 1;
        for (int i = 4; i <= naxis; i++)
            if (FitsHeader.Integer(cards, "NAXIS" + i) != 1) throw new UnsupportedImageException($"FITS: {naxis}-D data with NAXIS{i} > 1 is not supported");
        if (w < 1 || h < 1 || planes < 1 || w > ImageLimits.MaxSide || h > ImageLimits.MaxSide || planes > 4096)
            throw new ImageFormatException($"FITS: image of {w}×{h}×{planes} is invalid");
        _samples = new FitsSamples(cards);
        Width = (int)w; Height = (int)h; Planes = (int)planes;
        _dataOffset = dataOffset;
        long need = checked(w * h * planes * _samples.Bytes);
        if (RandomAccess.GetLength(file) - dataOffset < need)
            throw new ImageFormatException($"FITS: truncated file (the image needs {need} bytes after its header)");
        Cards = (primary ?? []).Concat(cards).Where(c => !FitsHeader.IsStructural(c.Key)).ToList();
    }

    /// <summary>Opens the image HDU of a FITS file, reading headers only.</summary>
    public static IRowSource Open(string path)
    {
        RegularFile.Require(path);
        var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        try
        {
            long length = RandomAccess.GetLength(file), offset = 0;
            List<FitsCard>? primary = null;
            for (int hdu = 0; hdu < 64 && offset < length; hdu++)
            {
                var (cards, dataOffset) = ReadHeader(file, offset, length);
                if (hdu == 0 && (cards.Count == 0 || cards[0].Key != "SIMPLE")) throw new ImageFormatException("FITS: missing SIMPLE card");
                primary ??= cards;
                long naxis = FitsHeader.Integer(cards, "NAXIS");
                if (naxis is < 0 or > 999) throw new ImageFormatException($"FITS: NAXIS = {naxis} is invalid");
                bool isImage = hdu == 0 || cards.FirstOrDefault(c => c.Key == "XTENSION") is { } xt && FitsHeader.StringValue(xt) == "IMAGE";
                if (naxis >= 2 && isImage) return new FitsRowSource(path, file, cards, hdu == 0 ? null : primary, dataOffset);
                if (Compression.TiledImage.IsCompressedImage(cards)) { var tiled = new TiledRowSource(path, file, cards, primary, dataOffset); file = null!; return tiled; }
                offset = dataOffset + FitsCodec.PaddedDataLength(cards, naxis);
            }
            throw new ImageFormatException("FITS: no 2-D image in the primary HDU or an IMAGE extension");
        }
        catch (Exception e)
        {
            file?.Dispose();
            if (e is ImageFormatException or ImageSizeException or IOException) throw;
            if (e is OverflowException or ArgumentException or InvalidDataException) throw new ImageFormatException($"FITS: corrupt file ({e.Message})", e);
            throw;
        }
    }

    /// <summary>One header from <paramref name="offset"/>: blocks are read until the END card, no further.</summary>
    internal static (List<FitsCard> Cards, long DataOffset) ReadHeader(SafeFileHandle file, long offset, long length)
    {
        var bytes = new List<byte>();
        var block = new byte[FitsHeader.BlockLength];
        for (int b = 0; b < FitsHeader.MaxHeaderBlocks; b++)
        {
            long at = offset + (long)b * FitsHeader.BlockLength;
            if (at + FitsHeader.BlockLength > length) throw new ImageFormatException("FITS: truncated header (no END card before the end of the file)");
            if (RandomAccess.Read(file, block, at) != block.Length) throw new ImageFormatException("FITS: truncated header");
            bytes.AddRange(block);
            for (int c = 0; c < FitsHeader.BlockLength; c += FitsHeader.CardLength)
                if (block.AsSpan(c, 8).SequenceEqual("END     "u8))
                {
                    var r = new ByteReader(CollectionsMarshal.AsSpan(bytes), bigEndian: true, "FITS");
                    var (cards, end) = FitsHeader.Read(r, 0);
                    return (cards, offset + end);
                }
        }
        throw new ImageFormatException("FITS: no END card");
    }

    public void Read(int plane, int firstRow, Span<float> rows)
    {
        int count = rows.Length / Width;
        if ((uint)plane >= (uint)Planes || firstRow < 0 || count < 1 || firstRow + count > Height || rows.Length != count * Width)
            throw new ArgumentOutOfRangeException(nameof(firstRow), $"rows {firstRow}..{firstRow + count - 1} of plane {plane} are outside {Width}×{Height}×{Planes}");
        long offset = _dataOffset + ((long)plane * Height + firstRow) * Width * _samples.Bytes;
        int bytes = count * Width * _samples.Bytes;
        var buffer = ArrayPool<byte>.Shared.Rent(bytes);
        try
        {
            int got = 0;
            while (got < bytes)
            {
                int n = RandomAccess.Read(_file, buffer.AsSpan(got, bytes - got), offset + got);
                if (n <= 0) throw new ImageFormatException($"{Path}: FITS data ends early");
                got += n;
            }
            Interlocked.Add(ref _bytesRead, bytes);
            _samples.Convert(buffer.AsSpan(0, bytes), rows);
        }
        finally { ArrayPool<byte>.Shared.Return(buffer); }
    }

    public void Dispose() => _file.Dispose();
}

/// <summary>Stored FITS samples (BITPIX, BZERO, BSCALE, BLANK) to physical floats, BLANK as NaN.</summary>
internal sealed class FitsSamples
{
    private readonly SampleFormat _format;
    private readonly double _zero, _scale;
    private readonly long? _blank;
    public int Bytes { get; }

    public FitsSamples(List<FitsCard> cards)
    {
        long bitpix = FitsHeader.Integer(cards, "BITPIX");
        _format = bitpix switch
        {
            8 => SampleFormat.UInt8, 16 => SampleFormat.Int16, 32 => SampleFormat.Int32, -32 => SampleFormat.Float32, -64 => SampleFormat.Float64,
            _ => throw new ImageFormatException($"FITS: BITPIX = {bitpix} is invalid"),
        };
        Bytes = (int)Math.Abs(bitpix) / 8;
        _zero = FitsHeader.Real(cards, "BZERO", 0);
        _scale = FitsHeader.Real(cards, "BSCALE", 1);
        if (_scale == 0) throw new ImageFormatException("FITS: BSCALE = 0");
        _blank = bitpix > 0 && cards.Any(c => c.Key == "BLANK") ? FitsHeader.Integer(cards, "BLANK") : null;
    }

    public void Convert(ReadOnlySpan<byte> raw, Span<float> dst)
    {
        double z = _zero, s = _scale;
        switch (_format)
        {
            case SampleFormat.UInt8:
                for (int i = 0; i < dst.Length; i++) dst[i] = raw[i] == _blank ? float.NaN : (float)(z + s * raw[i]);
                break;
            case SampleFormat.Int16:
                for (int i = 0; i < dst.Length; i++) { short v = BinaryPrimitives.ReadInt16BigEndian(raw.Slice(i * 2, 2)); dst[i] = v == _blank ? float.NaN : (float)(z + s * v); }
                break;
            case SampleFormat.Int32:
                for (int i = 0; i < dst.Length; i++) { int v = BinaryPrimitives.ReadInt32BigEndian(raw.Slice(i * 4, 4)); dst[i] = v == _blank ? float.NaN : (float)(z + s * v); }
                break;
            case SampleFormat.Float32:
                for (int i = 0; i < dst.Length; i++) dst[i] = (float)(z + s * BinaryPrimitives.ReadSingleBigEndian(raw.Slice(i * 4, 4)));
                break;
            default:
                for (int i = 0; i < dst.Length; i++) dst[i] = (float)(z + s * BinaryPrimitives.ReadDoubleBigEndian(raw.Slice(i * 8, 8)));
                break;
        }
    }
}

/// <summary>
/// A tile-compressed image (.fits.fz) read rows at a time: the file is mapped, not read,
/// and only the tiles holding the requested rows are touched and decompressed.
/// </summary>
internal sealed unsafe class TiledRowSource : IRowSource
{
    private readonly SafeFileHandle _file;
    private readonly System.IO.MemoryMappedFiles.MemoryMappedFile _map;
    private readonly System.IO.MemoryMappedFiles.MemoryMappedViewAccessor _view;
    private readonly byte* _base;
    private readonly int _length;
    private readonly Compression.TiledImage.RowReader _rows;
    private readonly FitsSamples _samples;
    private readonly object _gate = new();

    public int Width => _rows.Width;
    public int Height => _rows.Height;
    public int Planes => _rows.Planes;
    public long BytesRead { get { lock (_gate) return _rows.BytesRead; } }
    public IReadOnlyList<FitsCard> Cards { get; }

    public TiledRowSource(string path, SafeFileHandle file, List<FitsCard> cards, List<FitsCard> primary, long dataOffset)
    {
        long length = RandomAccess.GetLength(file);
        if (length > int.MaxValue) { file.Dispose(); throw new ImageSizeException($"{path}: compressed FITS files over 2 GiB are not supported"); }
        _file = file;
        _length = (int)length;
        _map = System.IO.MemoryMappedFiles.MemoryMappedFile.CreateFromFile(file, null, 0, System.IO.MemoryMappedFiles.MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
        _view = _map.CreateViewAccessor(0, 0, System.IO.MemoryMappedFiles.MemoryMappedFileAccess.Read);
        byte* p = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
        _base = p + _view.PointerOffset;
        try
        {
            _rows = new Compression.TiledImage.RowReader(Reader, cards, dataOffset);
            _samples = new FitsSamples(_rows.ImageCards);
            bool ownPrimary = Compression.TiledImage.WasPrimaryArray(_rows.ImageCards);
            Cards = (ownPrimary ? [] : primary).Concat(_rows.ImageCards).Where(c => !FitsHeader.IsStructural(c.Key)).ToList();
        }
        catch { Dispose(); throw; }
    }

    private ByteReader Reader => new(new ReadOnlySpan<byte>(_base, _length), bigEndian: true, "FITS");

    public void Read(int plane, int firstRow, Span<float> rows)
    {
        int count = rows.Length / Width;
        if ((uint)plane >= (uint)Planes || firstRow < 0 || count < 1 || firstRow + count > Height || rows.Length != count * Width)
            throw new ArgumentOutOfRangeException(nameof(firstRow), $"rows {firstRow}..{firstRow + count - 1} of plane {plane} are outside {Width}×{Height}×{Planes}");
        var raw = new byte[rows.Length * _samples.Bytes];
        lock (_gate) _rows.Read(Reader, plane, firstRow, count, raw);
        _samples.Convert(raw, rows);
    }

    public void Dispose()
    {
        if (_base != null) _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view?.Dispose();
        _map?.Dispose();
        _file.Dispose();
    }
}
