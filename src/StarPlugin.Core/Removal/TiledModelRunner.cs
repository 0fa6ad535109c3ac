using System.Runtime.Intrinsics;
using StarPlugin.Progress;

namespace StarPlugin.Removal;

/// <summary>Tiling settings: tile side, overlap and tiles per batch.</summary>
public sealed record TilingOptions
{
    /// <summary>Tile side in pixels; 0 = the model's default.</summary>
    public int Tile { get; init; }
    /// <summary>Overlap between neighbouring tiles; -1 = the model's default.</summary>
    public int Overlap { get; init; } = -1;
    /// <summary>Tiles per inference call.</summary>
    public int Batch { get; init; } = 1;
}

/// <summary>
/// Runs a star-removal model over an image of any size in overlapping tiles and blends
/// the predicted star layer with partition-of-unity weights. Working memory is one
/// batch of tiles (tile² × channels × batch); only the output planes are image-sized.
/// Images smaller than a tile are mirror-padded.
/// </summary>
public sealed class TiledModelRunner(ITileModel network)
{
    public ITileModel Network { get; } = network;
    public ModelDescription Model => Network.Description;

    /// <summary>
    /// Predicts the star layer (input − starless, in our [0,1] model domain) and adds it,
    /// times <paramref name="outputWeight"/>, into <paramref name="output"/>. Model channel
    /// k reads source plane <paramref name="sourceChannel"/>[k] through <paramref name="domain"/>
    /// and writes output plane <paramref name="outputChannel"/>[k]; a grey
    /// image on an RGB model maps all three onto plane 0 with weight 1/3. Tiles are read
    /// from the source directly, so no image-sized copy is made here. A PSF-aware model
    /// (<see cref="ModelDescription.PsfPlaneScale"/>) also gets <paramref name="psfFwhm"/>(x, y),
    /// the stars' FWHM in pixels at each image position.
    /// </summary>
    public void PredictStars(ReadOnlyMemory<float>[] source, int width, int height, ModelDomain domain, int[] sourceChannel,
        Memory<float>[] output, int[] outputChannel, float outputWeight, TilingOptions tiling, ProgressReporter progress,
        Func<double, double, double>? psfFwhm = null)
    {
        if (sourceChannel.Length != Model.Channels || outputChannel.Length != Model.Channels)
            throw new ArgumentException($"model takes {Model.Channels} channels");
        if (Model.PsfPlaneScale > 0 && psfFwhm == null) throw new ArgumentException("this model needs the field's PSF FWHM");
        int tile = Model.FixedTile > 0 ? Model.FixedTile : tiling.Tile > 0 ? tiling.Tile : Model.DefaultTile;
        if (Model.FixedTile == 0)
        {
            // A dynamic model may run a smaller tile when the whole image is smaller.
            int need = RoundUp(Math.Max(width, height), Model.SizeMultiple);
            tile = RoundUp(Math.Min(tile, need), Model.SizeMultiple);
        }
        int overlap = tiling.Overlap >= 0 ? tiling.Overlap : Model.DefaultOverlap;
        overlap = Math.Clamp(overlap, 0, tile / 2);
        int batch = Math.Clamp(tiling.Batch, 1, Model.MaxBatch);
        var gx = new TileGrid(width, tile, overlap);
        var gy = new TileGrid(height, tile, overlap);
        var tiles = (from ty in Enumerable.Range(0, gy.Starts.Length) from tx in Enumerable.Range(0, gx.Starts.Length) select (tx, ty)).ToArray();
        int C = Model.Channels, T = tile, perTile = C * T * T, perTileIn = Model.InputChannels * T * T;
        var reporter = progress.Slice(0, 1, tiles.Length, "removing stars");
        int batches = (tiles.Length + batch - 1) / batch;
        int workers = Math.Clamp(Network.ConcurrentRuns, 1, batches);

        // One batch: its tiles copied in, the network run, its star layer added into the
        // output. The adding waits its turn (batch order), so every pixel's sum is made in
        // the same order however many batches are in flight: the same bits as one at a time.
        int turn = 0;
        var gate = new object();
        bool failed = false;
        void RunBatch(int b, float[] input, float[] outputBuffer)
        {
            reporter.ThrowIfCancelled();
            int first = b * batch, n = Math.Min(batch, tiles.Length - first);
            for (int k = 0; k < n; k++)
            {
                var (tx, ty) = tiles[first + k];
                ExtractTile(source, sourceChannel, domain, width, height, gx.Starts[tx], gy.Starts[ty], T, input.AsMemory(k * perTileIn, perTileIn));
                if (Model.PsfPlaneScale > 0)
                    PsfPlane(psfFwhm!, gx.Starts[tx], gy.Starts[ty], T, input.AsMemory(k * perTileIn + perTile, T * T));
            }
            int produced = 0;
            var result = outputBuffer;
            var shape = Network.Run(input.AsSpan(0, n * perTileIn), InputShape(n, T), count => { produced = count; return count <= outputBuffer.Length ? outputBuffer : result = new float[count]; });
            if (produced != n * perTile)
                throw new ModelException($"model output has {produced} values for {n} tiles of {T}x{T}x{C} (shape [{string.Join(",", shape)}])");
            if (workers > 1)
                lock (gate)
                    while (turn != b)
                    {
                        if (failed) throw new StoppedByAnotherBatch();
                        Monitor.Wait(gate);
                    }
            for (int k = 0; k < n; k++)
            {
                var (tx, ty) = tiles[first + k];
                Accumulate(result, k * perTile, input, k * perTileIn, output, outputChannel, outputWeight, width, height, gx, gy, tx, ty, T);
            }
            reporter.Advance(n);
            if (workers > 1) lock (gate) { turn++; Monitor.PulseAll(gate); }
        }

        if (workers == 1)
        {
            var input = new float[perTileIn * batch];
            var outputBuffer = new float[perTile * batch];
            for (int b = 0; b < batches; b++) RunBatch(b, input, outputBuffer);
            return;
        }
        // Batches in flight on dedicated threads, each with its own buffers, taking the next
        // batch as they finish one (ONNX Runtime sessions take concurrent runs).
        int next = -1;
        var threads = new Task[workers];
        for (int w = 0; w < workers; w++)
            threads[w] = Task.Factory.StartNew(() =>
            {
                var input = new float[perTileIn * batch];
                var outputBuffer = new float[perTile * batch];
                try
                {
                    for (int b; (b = Interlocked.Increment(ref next)) < batches && !Volatile.Read(ref failed);)
                        RunBatch(b, input, outputBuffer);
                }
                catch
                {
                    // The others stop at their next batch or their turn; the first error is thrown below.
                    lock (gate) { failed = true; Monitor.PulseAll(gate); }
                    throw;
                }
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try { Task.WaitAll(threads); }
        catch (AggregateException e)
        {
            // The error that stopped the run, not the workers it stopped.
            var errors = e.Flatten().InnerExceptions;
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(errors.FirstOrDefault(x => x is not StoppedByAnotherBatch) ?? errors[0]).Throw();
        }
    }

    /// <summary>A worker waiting its turn when another batch's run failed or was cancelled.</summary>
    private sealed class StoppedByAnotherBatch() : OperationCanceledException("stopped: another batch of tiles failed");

    private static int RoundUp(int v, int m) => (v + m - 1) / m * m;

    private long[] InputShape(int n, int t) => Model.InputLayout switch
    {
        TensorLayout.Nchw => [n, Model.InputChannels, t, t],
        TensorLayout.Nhwc => [n, t, t, Model.Channels],
        _ => [n, t, t],
    };

    /// <summary>Copies a tile (mirror-padded past the image edge) into the model's layout, scaled to its input range.</summary>
    private void ExtractTile(ReadOnlyMemory<float>[] planes, int[] sourceChannel, ModelDomain domain, int width, int height, int x0, int y0, int t, Memory<float> dst)
    {
        int C = Model.Channels;
        float scale = Model.InputScale;
        bool nhwc = Model.InputLayout == TensorLayout.Nhwc;
        // Rows in parallel: the tile copy runs between inference calls, on otherwise idle cores.
        Parallel.For(0, C * t, row =>
        {
            int c = row / t, y = row % t;
            var p = planes[sourceChannel[c]].Span;
            var d = dst.Span;
            int sy = Mirror(y0 + y, height);
            if (!nhwc && x0 >= 0 && x0 + t <= width)
            {
                // Inside the image: the row maps as one span (SIMD), straight into NCHW.
                var to = d.Slice((c * t + y) * t, t);
                domain.Map(p.Slice(sy * width + x0, t), to);
                if (scale != 1f) System.Numerics.Tensors.TensorPrimitives.Multiply(to, scale, to);
                return;
            }
            for (int x = 0; x < t; x++)
            {
                float v = domain.Map(p[sy * width + Mirror(x0 + x, width)]) * scale;
                d[nhwc ? (y * t + x) * C + c : (c * t + y) * t + x] = v;
            }
        });
    }

    /// <summary>
    /// The PSF plane of a tile: FWHM × scale at each pixel's image position (past the
    /// image's edge the map reads as at the edge). The PSF changes over hundreds of
    /// pixels, so it is read every 8 px and interpolated along the row in between.
    /// </summary>
    private void PsfPlane(Func<double, double, double> psfFwhm, int x0, int y0, int t, Memory<float> dst)
    {
        float scale = Model.PsfPlaneScale;
        Parallel.For(0, t, y =>
        {
            var row = dst.Span.Slice(y * t, t);
            double sy = y0 + y;
            for (int x = 0; x < t; x += 8)
            {
                int end = Math.Min(t, x + 8);
                double a = psfFwhm(x0 + x, sy), b = psfFwhm(x0 + end, sy);
                for (int i = x; i < end; i++) row[i] = (float)((a + (b - a) * (i - x) / (end - x)) * scale);
            }
        });
    }

    private static int Mirror(int i, int n)
    {
        if (n == 1) return 0;
        int period = 2 * (n - 1);
        i = ((i % period) + period) % period;
        return i < n ? i : period - i;
    }

    private void Accumulate(float[] result, int resultOffset, float[] tileInput, int inputOffset, Memory<float>[] output, int[] outputChannel, float outputWeight,
        int width, int height, TileGrid gx, TileGrid gy, int tx, int ty, int t)
    {
        int C = Model.Channels, x0 = gx.Starts[tx], y0 = gy.Starts[ty];
        float inv = 1f / Model.InputScale;
        bool starless = Model.Predicts == ModelPredicts.Starless;
        bool outNhwc = Model.OutputLayout == TensorLayout.Nhwc, inNhwc = Model.InputLayout == TensorLayout.Nhwc;
        // The weights are 0 only in margins at a tile's ends: the columns between are one run.
        var (weights, from, to) = gx.NonZero(tx);
        to = Math.Min(to, width - x0);
        // Rows of one tile touch disjoint output rows, so they accumulate in parallel;
        // several model channels mapped onto one plane (grey on RGB) stay within one row.
        Parallel.For(0, Math.Min(t, height - y0), y =>
        {
            float wy = gy.Weight(ty, y);
            if (wy == 0 || from >= to) return;
            for (int c = 0; c < C; c++)
            {
                var dst = output[outputChannel[c]].Span.Slice((y0 + y) * width + x0, to);
                if (!outNhwc && !inNhwc)
                {
                    // Planar rows, the channel's whole run at once (most of this stage's time
                    // went to the per-pixel indexing); the same operations in the same order
                    // per pixel as below, so the sums are the same to the bit.
                    var r = result.AsSpan(resultOffset + (c * t + y) * t, to);
                    var input = starless ? tileInput.AsSpan(inputOffset + (c * t + y) * t, to) : default;
                    AccumulateRow(dst, r, input, weights, from, to, wy, outputWeight, inv, starless);
                    continue;
                }
                for (int x = from; x < to; x++)
                {
                    float w = wy * weights[x] * outputWeight;
                    int iOut = resultOffset + (outNhwc ? (y * t + x) * C + c : (c * t + y) * t + x);
                    int iIn = inputOffset + (inNhwc ? (y * t + x) * C + c : (c * t + y) * t + x);
                    float stars = starless ? (tileInput[iIn] - result[iOut]) * inv : result[iOut] * inv;
                    dst[x] += w * stars;
                }
            }
        });
    }

    /// <summary>dst[x] += (wy · weights[x] · outputWeight) · stars[x] for x in [from, to), stars = result·inv (or (input − result)·inv).</summary>
    private static void AccumulateRow(Span<float> dst, ReadOnlySpan<float> result, ReadOnlySpan<float> input, float[] weights, int from, int to,
        float wy, float outputWeight, float inv, bool starless)
    {
        int x = from;
        if (Vector256.IsHardwareAccelerated)
        {
            var vy = Vector256.Create(wy); var vo = Vector256.Create(outputWeight); var vi = Vector256.Create(inv);
            for (; x <= to - Vector256<float>.Count; x += Vector256<float>.Count)
            {
                var w = vy * Vector256.Create(weights.AsSpan(x)) * vo;
                var r = Vector256.Create(result.Slice(x));
                var stars = starless ? (Vector256.Create(input.Slice(x)) - r) * vi : r * vi;
                (Vector256.Create(dst.Slice(x)) + w * stars).CopyTo(dst.Slice(x));
            }
        }
        for (; x < to; x++)
        {
            float w = wy * weights[x] * outputWeight;
            float stars = starless ? (input[x] - result[x]) * inv : result[x] * inv;
            dst[x] += w * stars;
        }
    }
}
