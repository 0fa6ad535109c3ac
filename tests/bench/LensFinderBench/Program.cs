using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using StarPlugin.Web.Hosting;
using StarPlugin.Web.Storage;

// Usage: dotnet run -c Release --project tests/bench/LensFinderBench [-- --seconds 15 --clients 64 --postgres CONNSTR]
// Starts src/StarPlugin.Web (built) as its own process on a fresh project, loads it from
// this process over loopback, and prints a Markdown table. The server and the load share
// the machine's cores: the figures are for both on the same 2 cores.
var opts = args.Select((a, i) => (a, i)).Where(x => x.a.StartsWith("--", StringComparison.Ordinal))
    .ToDictionary(x => x.a[2..], x => x.i + 1 < args.Length ? args[x.i + 1] : "");
int seconds = int.Parse(opts.GetValueOrDefault("seconds", "15"), CultureInfo.InvariantCulture);
int clients = int.Parse(opts.GetValueOrDefault("clients", "64"), CultureInfo.InvariantCulture);
string? pg = opts.GetValueOrDefault("postgres");
string dir = Path.Combine(Path.GetTempPath(), "lf-bench-" + Guid.NewGuid().ToString("N")[..8]);

string dll = Path.Combine(StarPlugin.Testing.RepoRoot.Find(), "src", "StarPlugin.Web", "bin", "Release", "net10.0", "StarPlugin.Web.dll");
if (!File.Exists(dll)) { Console.Error.WriteLine($"{dll}: build src/StarPlugin.Web -c Release first"); return 2; }

// A project of 30000 unknown images and 2000 training images (files shared: this measures the server, not the disk).
var o = new LensFinderOptions { DataDir = dir, Postgres = pg };
await using (var state = await LensFinderState.OpenAsync(o))
{
    string file = Path.Combine(state.Folder.Images, "shared.png");
    StarPlugin.IO.ImageFile.Write(file, new StarPlugin.Imaging.AstroImage(32, 32, 3), new StarPlugin.IO.WriteOptions { Depth = StarPlugin.Imaging.SampleFormat.UInt8 });
    var subjects = Enumerable.Range(0, 30000).Select(i => new NewSubject($"u{i}", "images/shared.png", 32, 32, -1, null, null, null))
        .Concat(Enumerable.Range(0, 2000).Select(i => new NewSubject($"t{i}", "images/shared.png", 32, 32, i % 2, null, null, null))).ToList();
    await state.Store.AddSubjectsAsync(subjects, state.Settings);
}

int port; using (var l = new TcpListener(IPAddress.Loopback, 0)) { l.Start(); port = ((IPEndPoint)l.LocalEndpoint).Port; }
string url = $"http://127.0.0.1:{port}";
var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
foreach (var a in new[] { dll, "--data", dir, "--urls", url, "--signup-limit", "1000000", "--login-limit", "1000000", "--classify-rate", "1000000", "--classify-burst", "1000000" }) psi.ArgumentList.Add(a);
if (pg != null) { psi.ArgumentList.Add("--postgres"); psi.ArgumentList.Add(pg); }
using var server = Process.Start(psi)!;
server.OutputDataReceived += (_, _) => { }; server.ErrorDataReceived += (_, e) => { if (e.Data != null) Console.Error.WriteLine("server: " + e.Data); };
server.BeginOutputReadLine(); server.BeginErrorReadLine();
try
{
    using (var probe = new HttpClient())
        for (var deadline = DateTime.UtcNow.AddSeconds(60); ; await Task.Delay(200))
        {
            try { if ((await probe.GetAsync(url + "/api/session")).StatusCode == HttpStatusCode.Unauthorized) break; } catch (HttpRequestException) { }
            if (DateTime.UtcNow > deadline) throw new TimeoutException("server did not start");
        }

    // One guest volunteer per client, each with its own cookies and antiforgery token.
    var sessions = new List<(HttpClient Http, string Token)>();
    for (int i = 0; i < clients; i++)
    {
        var h = new HttpClient(new SocketsHttpHandler { CookieContainer = new CookieContainer(), MaxConnectionsPerServer = 1 }) { BaseAddress = new Uri(url) };
        string t0 = (await h.GetFromJsonAsync<JsonElement>("/api/antiforgery")).GetProperty("token").GetString()!;
        var req = new HttpRequestMessage(HttpMethod.Post, "/api/session") { Content = JsonContent.Create(new { guest = true }) };
        req.Headers.Add("X-CSRF-TOKEN", t0);
        (await h.SendAsync(req)).EnsureSuccessStatusCode();
        string t = (await h.GetFromJsonAsync<JsonElement>("/api/antiforgery")).GetProperty("token").GetString()!;
        sessions.Add((h, t));
    }

    // CPU time (user + system) of the server process, from /proc: the machine is shared, so
    // besides requests per wall-clock second the table gives CPU milliseconds per request,
    // which do not depend on what else runs.
    double ServerCpuMs()
    {
        var f = File.ReadAllText($"/proc/{server.Id}/stat");
        var parts = f[(f.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(parts[11], CultureInfo.InvariantCulture) + long.Parse(parts[12], CultureInfo.InvariantCulture)) * 1000.0 / 100; // clock ticks of 10 ms
    }
    async Task<(long Ok, long Failed, double[] LatMs, double Secs, double ServerCpu, double ClientCpu)> Run(Func<int, long, Task<bool>> op, int secs)
    {
        var lat = new List<double>[clients];
        long ok = 0, failed = 0;
        double cpu0 = ServerCpuMs(), client0 = Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds;
        var sw = Stopwatch.StartNew();
        var end = TimeSpan.FromSeconds(secs);
        await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            lat[c] = new List<double>(100_000);
            for (long k = 0; sw.Elapsed < end; k++)
            {
                long t0 = Stopwatch.GetTimestamp();
                bool good;
                try { good = await op(c, k); } catch (HttpRequestException) { good = false; }
                lat[c].Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                if (good) Interlocked.Increment(ref ok); else Interlocked.Increment(ref failed);
            }
        })));
        var all = lat.SelectMany(x => x).Order().ToArray();
        return (ok, failed, all, sw.Elapsed.TotalSeconds, ServerCpuMs() - cpu0, Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds - client0);
    }
    static double P(double[] a, double q) => a.Length == 0 ? double.NaN : a[Math.Min(a.Length - 1, (int)(q * a.Length))];

    // Warm-up (JIT, pools), then the measured runs.
    await Run(async (c, k) => (await sessions[c].Http.GetAsync("/api/next")).IsSuccessStatusCode, 3);
    var next = await Run(async (c, k) => { var r = await sessions[c].Http.GetAsync("/api/next"); return r.StatusCode == HttpStatusCode.OK && (await r.Content.ReadAsByteArrayAsync()).Length > 0; }, seconds);
    // Each client walks the subjects in its own order: no repeats, so every answer is a new row.
    var classify = await Run(async (c, k) =>
    {
        long subject = 1 + (c * 7919 + k * 104729) % 32000;
        var req = new HttpRequestMessage(HttpMethod.Post, "/api/classifications") { Content = JsonContent.Create(new { subject_id = subject, label = (int)(k & 1) }) };
        req.Headers.Add("X-CSRF-TOKEN", sessions[c].Token);
        var r = await sessions[c].Http.SendAsync(req);
        await r.Content.ReadAsByteArrayAsync();
        return r.StatusCode == HttpStatusCode.Created;
    }, seconds);

    string F(double v) => v.ToString("F1", CultureInfo.InvariantCulture);
    Console.WriteLine($"Lens finder load bench: {(pg == null ? "SQLite (WAL, synchronous=FULL, group commit)" : "PostgreSQL")}, {clients} clients on loopback, {seconds} s each, server and load on the same {Environment.ProcessorCount} cores");
    Console.WriteLine();
    string load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";
    Console.WriteLine($"Load average at the end: {load} (other work on the machine takes its share of the cores).");
    Console.WriteLine();
    Console.WriteLine("| request | per second | p50 ms | p99 ms | errors | server CPU ms per request | load generator CPU ms per request |");
    Console.WriteLine("|---|---|---|---|---|---|---|");
    string G(double v) => v.ToString("F3", CultureInfo.InvariantCulture);
    Console.WriteLine($"| POST /api/classifications (acknowledged, 201) | {F(classify.Ok / classify.Secs)} | {F(P(classify.LatMs, 0.5))} | {F(P(classify.LatMs, 0.99))} | {classify.Failed} | {G(classify.ServerCpu / Math.Max(1, classify.Ok))} | {G(classify.ClientCpu / Math.Max(1, classify.Ok))} |");
    Console.WriteLine($"| GET /api/next | {F(next.Ok / next.Secs)} | {F(P(next.LatMs, 0.5))} | {F(P(next.LatMs, 0.99))} | {next.Failed} | {G(next.ServerCpu / Math.Max(1, next.Ok))} | {G(next.ClientCpu / Math.Max(1, next.Ok))} |");
    foreach (var s in sessions) s.Http.Dispose();
    return classify.Failed == 0 && next.Failed == 0 ? 0 : 1;
}
finally
{
    if (!server.HasExited) server.Kill();
    server.WaitForExit(10_000);
    Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    try { Directory.Delete(dir, true); } catch (IOException) { }
}
