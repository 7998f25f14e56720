using System.Diagnostics;
using System.Net.Sockets;

namespace Pipeline.Functions.Tests.Fakes;

/// <summary>
/// moto in server mode on a free loopback port: a real AWS wire-protocol emulator for S3, EC2, SSM and
/// DynamoDB. The production adapters reach it through the standard AWS_ENDPOINT_URL variable.
/// </summary>
public sealed class MotoServer : IDisposable
{
    private readonly Process process;

    public MotoServer()
    {
        Port = FreePort.Next();
        var start = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-m", "moto.server", "-H", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(arg);
        }

        process = Process.Start(start) ?? throw new InvalidOperationException("python3 -m moto.server did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        WaitUntilListening();
    }

    public int Port { get; }

    public string Endpoint => $"http://127.0.0.1:{Port}";

    /// <summary>Points the AWS SDK of this process at moto, with dummy credentials, as a deployment's environment would.</summary>
    public void UseFromThisProcess()
    {
        Environment.SetEnvironmentVariable("AWS_ENDPOINT_URL", Endpoint);
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "testing");
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "testing");
        Environment.SetEnvironmentVariable("AWS_REGION", "ap-northeast-2");
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
        }

        process.Dispose();
    }

    private void WaitUntilListening()
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"moto.server exited with code {process.ExitCode}");
            }

            try
            {
                using var client = new TcpClient();
                client.Connect("127.0.0.1", Port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(100);
            }
        }

        throw new TimeoutException($"moto.server did not listen on port {Port} within 30 s");
    }
}
