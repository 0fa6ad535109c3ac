using System.Runtime.ExceptionServices;
using System.Text;
using StarPlugin.Progress;

namespace StarPlugin.Native.Interop;

/// <summary>
/// Delivers C progress callbacks on the thread that made the call. Hosts such as GIMP
/// may only touch their UI (gimp_progress_update) from that thread, while the core
/// reports progress from whichever worker is running. So a call with a callback runs
/// its work on a worker thread; the worker posts progress into a one-slot mailbox
/// (the latest update wins) and the calling thread waits on it and invokes the callback.
/// A 0 from the callback cancels: the worker sees it at its next progress report, and the
/// call fails with cancellation even if the work had already finished, so outputs are
/// then never written.
/// </summary>
internal static unsafe class CallingThread
{
    public static T Run<T>(delegate* unmanaged<double, byte*, void*, int> fn, void* user, Func<ProgressCallback?, T> work)
    {
        if (fn == null) return work(null);
        var box = new Mailbox();
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        var worker = new Thread(() =>
        {
            try { result = work(box.Post); }
            catch (Exception e) { failure = ExceptionDispatchInfo.Capture(e); }
            finally { box.Finish(); }
        }) { IsBackground = true, Name = "starplugin call" };
        worker.Start();
        var names = new Dictionary<string, byte[]>();
        while (box.Next(out double fraction, out string stage))
        {
            if (!names.TryGetValue(stage, out var bytes)) names[stage] = bytes = Encoding.UTF8.GetBytes(stage + "\0");
            int go;
            fixed (byte* s = bytes) go = fn(Math.Clamp(fraction, 0, 1), s, user);
            if (go == 0) box.Cancel();
        }
        worker.Join();
        if (box.Cancelled) throw new OperationCanceledException("cancelled by the progress callback");
        failure?.Throw();
        return result;
    }

    /// <summary>One pending update at a time, plus the finished and cancelled flags.</summary>
    private sealed class Mailbox
    {
        private readonly object _gate = new();
        private bool _pending, _finished;
        private double _fraction;
        private string _stage = "";
        public volatile bool Cancelled;

        /// <summary>The core's progress callback (any worker thread); false asks the work to stop.</summary>
        public bool Post(double fraction, string stage)
        {
            if (Cancelled) return false;
            lock (_gate)
            {
                _fraction = fraction; _stage = stage; _pending = true;
                Monitor.Pulse(_gate);
            }
            return !Cancelled;
        }

        public void Finish()
        {
            lock (_gate) { _finished = true; Monitor.Pulse(_gate); }
        }

        public void Cancel() => Cancelled = true;

        /// <summary>Waits for the next update; false once the work has finished and nothing is left to deliver.</summary>
        public bool Next(out double fraction, out string stage)
        {
            lock (_gate)
            {
                while (!_pending && !_finished) Monitor.Wait(_gate);
                fraction = _fraction; stage = _stage;
                if (!_pending) return false;
                _pending = false;
                // After a cancel only the finish matters: no more callbacks.
                if (Cancelled) { while (!_finished) Monitor.Wait(_gate); return false; }
                return true;
            }
        }
    }
}
