using System.Net;
using System.Net.Sockets;

namespace Pipeline.Functions.Tests.Fakes;

public static class FreePort
{
    /// <summary>A loopback port the OS just handed out and released; servers in tests bind only to 127.0.0.1.</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
