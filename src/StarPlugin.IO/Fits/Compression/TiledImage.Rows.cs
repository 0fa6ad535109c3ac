using StarPlugin.Imaging;

namespace StarPlugin.IO.Fits.Compression;

internal static partial class TiledImage
{
    /// <summary>
    /// Rows of a tile-compressed image decoded on demand: only the tiles that hold the rows
    /// asked for are read and decompressed (survey bricks are tiled by rows, so a cutout
    /// costs its own rows), and the last few decoded tiles are kept for the next request.
    /// </summary>
    internal sealed class RowReader
    {
        private readonly Layout _l;
        private readonly int[] _ints;
        private readonly double[]? _reals;
        private readonly List<(long Tile, byte[] Bytes, long[] Origin, long[] Shape)> _recent = [];
        private const int RecentTiles = 4;

        /// <summary>The decompressed image's header (BITPIX, NAXISn, BZERO, ...), as an uncompressed HDU would hold it.</summary>
        public List<FitsCard> ImageCards { get; }
        public int Width { get; }
        public int Height { get; }
        public int Planes { get; }
        public int SampleBytes => _l.SampleBytes;
        /// <summary>Compressed bytes of the tiles decoded so far.</summary>
        public long BytesRead { get; private set; }

        public RowReader(ByteReader r, List<FitsCard> cards, long dataOffset)
        {
            _l = Describe(r, cards, dataOffset);
            if (_l.Dims.Length < 2 || _l.Dims.Skip(3).Any(d => d != 1))
                throw new UnsupportedImageException($"FITS: a compressed image of {_l.Dims.Length} axes is not a 2-D image or cube");
            ImageCards = TiledImage.ImageCards(cards, _l.P);
            Width = (int)_l.Dims[0]; Height = (int)_l.Dims[1]; Planes = _l.Dims.Length > 2 ? (int)_l.Dims[2] : 1;
            _ints = new int[_l.TilePixels];
            _reals = _l.P.Quantized ? new double[_l.TilePixels] : null;
        }

        /// <summary>Big-endian ZBITPIX samples of rows [row0, row0 + count) of one plane into <paramref name="dst"/> (count × Width × SampleBytes).</summary>
        public void Read(ByteReader r, int plane, int row0, int count, Span<byte> dst)
        {
            var dims = _l.Dims; var tile = _l.Tile;
            long nx = (dims[0] + tile[0] - 1) / tile[0], ny = (dims[1] + tile[1] - 1) / tile[1];
            long tz = dims.Length > 2 ? tile[2] : 1, iz = plane / tz;
            int rowBytes = Width * SampleBytes;
            for (long iy = row0 / tile[1]; iy <= (row0 + count - 1) / tile[1]; iy++)
                for (long ix = 0; ix < nx; ix++)
                {
                    var (_, bytes, origin, shape) = Tile(r, ix + nx * (iy + ny * iz));
                    // Copy this tile's part of each requested row of this plane.
                    long sx = shape[0], sy = shape[1], z = plane - origin.ElementAtOrDefault(2);
                    for (long y = Math.Max(origin[1], row0); y < Math.Min(origin[1] + sy, row0 + count); y++)
                    {
                        long from = ((z * sy) + (y - origin[1])) * sx * SampleBytes;
                        bytes.AsSpan((int)from, (int)(sx * SampleBytes))
                            .CopyTo(dst.Slice((int)((y - row0) * rowBytes + origin[0] * SampleBytes)));
                    }
                }
        }

        private (long, byte[], long[], long[]) Tile(ByteReader r, long t)
        {
            foreach (var recent in _recent) if (recent.Tile == t) return recent;
            var dims = _l.Dims; var tile = _l.Tile;
            var origin = new long[dims.Length]; var shape = new long[dims.Length];
            long rest = t, n = 1;
            for (int i = 0; i < dims.Length; i++)
            {
                long count = (dims[i] + tile[i] - 1) / tile[i];
                origin[i] = rest % count * tile[i];
                rest /= count;
                shape[i] = Math.Min(tile[i], dims[i] - origin[i]);
                n *= shape[i];
            }
            var bytes = new byte[n * SampleBytes];
            DecodeTile(r, _l.Table, _l.P, t, (int)n, shape, _l.Compressed, _l.GzipData, _l.RawData, _ints, _reals, bytes, SampleBytes);
            BytesRead += _l.Table.Array(r, _l.Compressed, t).Count + (_l.GzipData != null ? _l.Table.Array(r, _l.GzipData, t).Count : 0);
            if (_recent.Count == RecentTiles) _recent.RemoveAt(0);
            var entry = (t, bytes, origin, shape);
            _recent.Add(entry);
            return entry;
        }
    }
}
